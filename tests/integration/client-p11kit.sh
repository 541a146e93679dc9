#!/bin/sh
# p11-kit and GnuTLS: with the installed layout, p11-kit lists the module and
# both tokens; p11tool lists the certificates with pkcs11: URIs and passes
# --test-sign on the auth key. CLIENT_VCARD_OPTS: another card
# (client-p11kit-3072.sh, client-p11kit-nosign.sh).
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/rig.sh"
. "$top_srcdir/tests/clients.sh"
need p11-kit p11tool
rig_start ${CLIENT_VCARD_OPTS:-} || { echo "Bail out! rig did not start"; exit 1; }
check_card_variant
W="$RIG_DIR/work"; mkdir -p "$W"

p11kit_ns p11-kit list-modules > "$W/modules.txt" 2>&1
tap_ok "p11-kit list-modules shows jpki-pkcs11" grep -q "^jpki-pkcs11:" "$W/modules.txt"
tap_ok "... with the auth token" grep -q "JPKI (User Authentication PIN)" "$W/modules.txt"
if card_has_sign_cert; then
    tap_ok "... and the sign token" grep -q "JPKI (Digital Signature PIN)" "$W/modules.txt"
else
    tap_fails "... and no sign token (no signature certificate)" grep -q "JPKI (Digital Signature PIN)" "$W/modules.txt"
fi

p11kit_ns p11tool --list-all-certs 'pkcs11:manufacturer=JPKI' > "$W/certs.txt" 2>&1
tap_ok "p11tool lists the auth certificate with its URI" \
    grep -q "URL: pkcs11:.*object=User%20Authentication%20Certificate" "$W/certs.txt"
tap_ok "p11tool lists the auth CA certificate" grep -q "object=User%20Authentication%20Certificate%20CA" "$W/certs.txt"
tap_fails "the sign certificate stays hidden without login" \
    grep -q "object=Digital%20Signature%20Certificate;" "$W/certs.txt"

# p11tool finds the public key by the private key's label or ID; the labels
# differ (OpenSC's "... Public Key"), the ID is shared.
key='pkcs11:token=JPKI%20%28User%20Authentication%20PIN%29;id=%01;type=private'
p11kit_ns p11tool --login --set-pin=1234 --test-sign "$key" > "$W/test-sign.txt" 2>&1
tap_ok "p11tool --test-sign signs with the auth key" grep -q "Signing using RSA-SHA256... ok" "$W/test-sign.txt"
tap_ok "... and verifies against the token's public key" \
    grep -q "Verifying against public key in the token... ok" "$W/test-sign.txt"
tap_done

#!/bin/sh
# OpenSSL 3 with libp11's pkcs11 engine: pkeyutl and dgst with pkcs11: URIs
# for both keys, and a CMS (S/MIME) signature with the sign key verified
# against the test sign CA. CLIENT_VCARD_OPTS: another card
# (client-openssl-3072.sh; client-openssl-nosign.sh: the auth key only).
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/rig.sh"
. "$top_srcdir/tests/clients.sh"
need openssl expect
ENGINE=$(find /usr/lib -path '*engines-3/pkcs11.so' 2>/dev/null | head -n 1)
[ -n "$ENGINE" ] || { echo "1..0 # SKIP libengine-pkcs11-openssl is not installed"; exit 77; }
rig_start ${CLIENT_VCARD_OPTS:-} || { echo "Bail out! rig did not start"; exit 1; }
check_card_variant
W="$RIG_DIR/work"; mkdir -p "$W"
export PKCS11_MODULE_PATH="$JPKI_MODULE"
AUTH='pkcs11:token=JPKI%20%28User%20Authentication%20PIN%29;object=User%20Authentication%20Key;type=private;pin-value=1234'
SIGN='pkcs11:token=JPKI%20%28Digital%20Signature%20PIN%29;object=Digital%20Signature%20Key;type=private;pin-value=ABC123'
ossl() { cmd=$1; shift; openssl "$cmd" -engine pkcs11 -keyform engine "$@"; }
# The sign key has CKA_ALWAYS_AUTHENTICATE: libp11 asks for the PIN again at
# its terminal prompt before each signature, as a user would see it.
cat > "$RIG_DIR/pin.exp" <<'EOT'
set timeout 60
spawn -noecho openssl {*}$argv
expect {
    "PIN for Digital Signature Key:" { send "ABC123\r"; exp_continue }
    eof
}
catch wait result
exit [lindex $result 3]
EOT
ossl_sign_key() { expect -f "$RIG_DIR/pin.exp" -- "$@"; }

echo "日本語のメッセージ $(date)" > "$W/msg"
card_pubkey auth > "$W/auth.pub"
! card_has_sign_cert || card_pubkey sign > "$W/sign.pub"

ossl dgst -sha256 -sign "$AUTH" -out "$W/auth.sig" "$W/msg" > "$W/dgst.log" 2>&1
tap_ok "openssl dgst -sign with the auth key URI; verified" \
    openssl dgst -sha256 -verify "$W/auth.pub" -signature "$W/auth.sig" "$W/msg"
if card_has_sign_cert; then
    ossl_sign_key dgst -sha384 -engine pkcs11 -keyform engine -sign "$SIGN" -out "$W/sign.sig" "$W/msg" > "$W/dgst2.log" 2>&1
    tap_ok "openssl dgst -sign with the sign key URI; verified" \
        openssl dgst -sha384 -verify "$W/sign.pub" -signature "$W/sign.sig" "$W/msg"
fi

openssl dgst -sha256 -binary -out "$W/msg.sha256" "$W/msg"
ossl pkeyutl -sign -inkey "$AUTH" -pkeyopt digest:sha256 -in "$W/msg.sha256" -out "$W/pk.sig" > "$W/pk.log" 2>&1
tap_ok "openssl pkeyutl -sign with the auth key URI; verified" \
    openssl pkeyutl -verify -pubin -inkey "$W/auth.pub" -pkeyopt digest:sha256 -in "$W/msg.sha256" -sigfile "$W/pk.sig"
card_has_sign_cert || tap_done   # a card without the sign key: done

ossl_sign_key cms -sign -engine pkcs11 -keyform engine -binary -nodetach -md sha256 \
    -signer "$RIG_CARD_DIR/sign-cert.pem" -inkey "$SIGN" -in "$W/msg" -outform DER -out "$W/msg.p7s" > "$W/cms.log" 2>&1
tap_ok "openssl cms -sign with the sign key; cms -verify against the test sign CA" \
    openssl cms -verify -binary -inform DER -in "$W/msg.p7s" -CAfile "$RIG_CARD_DIR/sign-ca.pem" \
        -purpose any -out "$W/msg.out"
tap_ok "the CMS content is the message" cmp "$W/msg" "$W/msg.out"
tap_done

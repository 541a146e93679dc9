#!/bin/sh
# The virtual card is faithful: OpenSC's JPKI driver, written against real
# cards, sees both tokens, reads the auth certificate, signs with each key
# (verified by openssl against the card's certificates), and counts a wrong PIN.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/rig.sh"

OPENSC=${OPENSC_MODULE:-/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so}
[ -e "$OPENSC" ] || OPENSC=$(find /usr/lib -name opensc-pkcs11.so 2>/dev/null | head -n 1)
if [ -z "$OPENSC" ] || ! command -v pkcs11-tool >/dev/null; then
    echo "1..0 # SKIP OpenSC (opensc-pkcs11.so, pkcs11-tool) is not installed"; exit 77
fi
rig_start || { echo "Bail out! rig did not start"; exit 1; }
W="$RIG_DIR/work"; mkdir -p "$W"
# OpenSC caches files on disk by default; keep it away from the user's cache.
export HOME="$W"
p11() { pkcs11-tool --module "$OPENSC" "$@"; }
card_tries() { sed -n "s/^$1_tries=//p" "$RIG_CARD_DIR/pins"; }

p11 -L > "$W/slots.txt" 2>&1
tap_ok "OpenSC lists the auth token" grep -q "JPKI (User Authentication PIN)" "$W/slots.txt"
tap_ok "OpenSC lists the sign token" grep -q "JPKI (Digital Signature PIN)" "$W/slots.txt"

openssl x509 -in "$RIG_CARD_DIR/auth-cert.pem" -outform DER -out "$W/auth-card.der"
p11 --slot-index 0 --read-object --type cert --id 01 -o "$W/auth-read.der" >/dev/null 2>&1
tap_ok "OpenSC reads the auth certificate as the card holds it" cmp "$W/auth-read.der" "$W/auth-card.der"

head -c 1000 /dev/urandom > "$W/data"
for pair in "0 01 1234 auth" "1 02 ABC123 sign"; do
    set -- $pair
    rm -f "$W/sig"
    p11 --slot-index "$1" --login --pin "$3" --sign --mechanism SHA256-RSA-PKCS --id "$2" \
        -i "$W/data" -o "$W/sig" >"$W/sign.log" 2>&1
    openssl x509 -in "$RIG_CARD_DIR/$4-cert.pem" -pubkey -noout > "$W/$4-pub.pem"
    tap_ok "OpenSC signs with the $4 key; openssl verifies it with the $4 certificate" \
        openssl dgst -sha256 -verify "$W/$4-pub.pem" -signature "$W/sig" "$W/data"
done

before=$(card_tries auth)
p11 --slot-index 0 --login --pin 9999 --list-objects >/dev/null 2>&1
after=$(card_tries auth)
tap_is "$after" "$((before - 1))" "a wrong auth PIN costs one try on the card"
p11 -L > "$W/slots2.txt" 2>&1
tap_ok "OpenSC reports the lowered counter (count low)" grep -qi "count low" "$W/slots2.txt"
p11 --slot-index 0 --login --pin 1234 --list-objects >/dev/null 2>&1
tap_is "$(card_tries auth)" "$before" "a correct PIN restores the counter"
tap_done

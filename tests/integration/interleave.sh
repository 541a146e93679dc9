#!/bin/sh
# Other programs on the card between our calls: interleave-steps keeps the
# module initialised with both tokens' sessions logged in and asks for each
# of these when it is ready (steps.h); it then checks its signatures,
# certificates and VERIFY count (interleave-steps.c says what exactly).
# OpenSC's own results are checked here too: it must work on a card we hold.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/rig.sh"
. "$top_srcdir/tests/clients.sh"
. "$top_srcdir/tests/integration/steps.sh"
need pkcs11-tool openssl
PROG="$top_builddir/tests/integration/interleave-steps"
OPENSC=$(find /usr/lib -name opensc-pkcs11.so 2>/dev/null | head -n 1)
[ -n "$OPENSC" ] || { echo "1..0 # SKIP opensc-pkcs11.so is not installed"; exit 77; }
steps_rig "$PROG"
W="$RIG_DIR/work"
mkdir -p "$W"
export HOME="$W"
text_tries0=$(sed -n 's/^text_tries=//p' "$RIG_CARD_DIR/text-pins")
for c in auth-cert sign-cert; do
    openssl x509 -in "$RIG_CARD_DIR/$c.pem" -outform DER -out "$W/$c.der"
done
card_pubkey auth > "$W/auth.pub"
echo "signed by OpenSC between our calls" > "$W/msg"

TEXT_AP=00A4040C0AD3921000310001010408
osc() { pkcs11-tool --module "$OPENSC" "$@"; }
text_ap() {   # the text-assistance AP: select, VERIFY its PIN, read EF 0002
    "$APDU" "$RIG_READER" $TEXT_AP 00A4020C020011 002000800431323334 00B0820000
}
probe() {     # PIV and OpenPGP applets: not on this card
    "$APDU" "$RIG_READER" 00A4040009A00000030800001000=6A82 00A4040006D27600012401=6A82
}
opensc_objects() { osc --slot-index 0 -O && osc --slot-index 1 -O; }
opensc_auth_sign() {
    rm -f "$W/sig" "$W/osc-auth.der"
    osc --slot-index 0 --login --pin 1234 --sign --mechanism SHA256-RSA-PKCS --id 01 \
        -i "$W/msg" -o "$W/sig" &&
        openssl dgst -sha256 -verify "$W/auth.pub" -signature "$W/sig" "$W/msg" &&
        osc --slot-index 0 --read-object --type cert --id 01 -o "$W/osc-auth.der" &&
        cmp "$W/osc-auth.der" "$W/auth-cert.der"
}
opensc_sign_cert() {
    rm -f "$W/osc-sign.der"
    osc --slot-index 1 --login --pin ABC123 --read-object --type cert --id 02 \
        -o "$W/osc-sign.der" &&
        cmp "$W/osc-sign.der" "$W/sign-cert.der"
}

timeout 300 "$PROG" > "$RIG_DIR/steps.tap" 2>&1 &
client=$!

serve text-ap text_ap
serve text-ap-again text_ap
serve select-sign-key-ef "$APDU" "$RIG_READER" 00A4020C02001A
serve probe-other-aids probe
serve select-sign-pin-ef "$APDU" "$RIG_READER" $JPKI_AP 00A4020C02001B
serve opensc-objects opensc_objects
serve opensc-auth-sign opensc_auth_sign
serve opensc-sign-cert opensc_sign_cert
serve reset "$APDU" -r "$RIG_READER" $JPKI_AP
# Three wrong auth PINs: the card blocks it (this costs the card, not us).
serve lock-auth-pin "$APDU" "$RIG_READER" $JPKI_AP 00A4020C020018 \
    002000800439393939=63C2 002000800439393939=63C1 002000800439393939=63C0
wait "$client"
status=$?

tap_relay "$RIG_DIR/steps.tap"
tap_is "$status" 0 "interleave-steps exit status (124: hung)"
tap_is "$(sed -n 's/^auth_tries=//p;s/^sign_tries=//p' "$RIG_CARD_DIR/pins" | tr '\n' /)" "0/5/" \
    "the card's counters: only the other program's three wrong auth PINs"
tap_is "$(sed -n 's/^text_tries=//p' "$RIG_CARD_DIR/text-pins")" "$text_tries0" \
    "nor a text-assistance PIN try"
tap_done

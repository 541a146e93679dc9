#!/bin/sh
# The virtual card's token variants behind a real pcscd, as any PC/SC
# program sees them (issues 15 and 16): RSA-3072/4096 signatures through
# 61xx + GET RESPONSE and the PSS mode, verified by openssl against the
# certificates; an Android token (auth certificate behind the auth PIN, no
# text AP), an unreadable or absent EF 0008, a 32-byte EF 0006, --no-pss;
# an EC certificate; and the option checks of jpki-vcard itself.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/rig.sh"
APDU="$top_builddir/tests/integration/pcsc-apdu"
[ -x "$APDU" ] || { echo "1..0 # SKIP $APDU is not built"; exit 77; }
command -v perl >/dev/null || { echo "1..0 # SKIP perl is not installed"; exit 77; }
rig_start --auth-key-bits 3072 --sign-key-bits 4096 || { echo "Bail out! rig did not start"; exit 1; }
W="$RIG_DIR/work"; mkdir -p "$W"

AID=D392F000260100000001
TEXT_AID=D3921000310001010408
SHA256_DI=3031300D060960864801650304020105000420
hex() { od -An -tx1 "$1" | tr -d ' \n' | tr a-f A-F; }
unhex() { perl -ne 'chomp; print pack("H*", $_)'; }
# data CMD: the response data of CMD in $W/out (the SW stripped), as hex.
data() { sed -n "s/^$1 -> //p" "$W/out" | head -n 1 | sed 's/....$//'; }
apdu() { "$APDU" "$RIG_READER" "$@" > "$W/out" 2>&1; }
for k in auth sign; do
    openssl x509 -in "$RIG_CARD_DIR/$k-cert.pem" -pubkey -noout > "$W/$k.pub"
done
printf 'variants' > "$W/msg"
openssl dgst -sha256 -binary "$W/msg" > "$W/hash"
HASH=$(hex "$W/hash")
DI=$SHA256_DI$HASH
printf '%s' "$DI" | unhex > "$W/di"

# verify NAME KEY SIGHEX [pss]: openssl checks the signature (PSS: salt 32).
verify() {
    printf '%s' "$3" | unhex > "$W/sig"
    if [ "${4:-}" = pss ]; then
        tap_ok "$1" openssl pkeyutl -verify -pubin -inkey "$W/$2.pub" -in "$W/hash" -sigfile "$W/sig" \
            -pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:32 \
            -pkeyopt rsa_mgf1_md:sha256
    else
        tap_ok "$1" openssl pkeyutl -verify -pubin -inkey "$W/$2.pub" -in "$W/di" -sigfile "$W/sig"
    fi
}

# Larger keys: short Le gives 256 bytes + 61xx, GET RESPONSE the rest.
tap_ok "RSA-3072 and -4096: the APDU exchange" apdu 00A4040C0A$AID 002000980431323334 \
    802A009733${DI}00=6180 00C0000080 802A049720${HASH}00=6180 00C0000080 \
    0020009B06414243313233 802A009A33${DI}00=6100 00C0000000
verify "RSA-3072 P1=00 in two parts verifies" auth "$(data 802A009733${DI}00)$(data 00C0000080)"
S1=$(sed -n "s/^802A049720${HASH}00 -> //p" "$W/out" | sed 's/....$//')
S2=$(sed -n 's/^00C0000080 -> //p' "$W/out" | sed -n 2p | sed 's/....$//')
verify "RSA-3072 P1=04 (PSS, salt 32) verifies" auth "$S1$S2" pss
S1=$(data 802A009A33${DI}00)
S2=$(data 00C0000000)
tap_is "${#S1} ${#S2}" "512 512" "RSA-4096: 512 bytes in two parts of 256"
verify "RSA-4096 P1=00 verifies" sign "$S1$S2"

# A phone: Android guards the auth certificate with the auth PIN.
rig_card_stop
rig_card_start --token android --ef0008 unreadable --no-pss
tap_ok "android: the APDU exchange" apdu 00A4040C0A$TEXT_AID=6A82 00A4040C0A$AID \
    00A4020C020006 00B0000000 00A4020C02000A 00B0000004=6982 00B08A0004=6982 \
    002000980431323334 00B0000004 00A4020C020008 00B0000003=6982 \
    802A049720${HASH}00=6A86 802A059708$(hex "$W/msg")00=6A86 802A009733${DI}00=6180
tap_is "$(data 00B0000000 | cut -c1-64)" \
    "$(printf '%-32s' JPKIAPGPSETOKEN | od -An -tx1 | tr -d ' \n' | tr a-f A-F)" \
    "android: EF 0006 names JPKIAPGPSETOKEN, space-padded"
EF6=$(data 00B0000000)
tap_is "${#EF6}" 320 "android: EF 0006 is 160 bytes"

rig_card_stop
rig_card_start --token iphone --token-info-len 32 --ef0008 absent
tap_ok "iphone: the APDU exchange" apdu 00A4040C0A$TEXT_AID=6A82 00A4040C0A$AID \
    00A4020C02000A 00B0000004 00A4020C020008=6A82 00A4020C020006 00B0000000 00B0002001=6B00
EF6=$(data 00B0000000)
tap_is "${#EF6}" 64 "iphone --token-info-len 32: EF 0006 gives 32 bytes"
tap_is "$(data 00B0000004)" "$(openssl x509 -in "$RIG_CARD_DIR/auth-cert.pem" -outform DER |
    head -c 4 | od -An -tx1 | tr -d ' \n' | tr a-f A-F)" "iphone: auth certificate free to read"

# --fault sw-61xx (every answer only through GET RESPONSE) on a card that
# already chains its long signatures: the parts still come in order.
rig_card_stop
rig_card_start --fault sw-61xx
tap_ok "sw-61xx fault with RSA-3072: the APDU exchange" apdu 00A4040C0A$AID=9000 \
    002000980431323334 802A009733${DI}00=6180 00C0000080=6180 00C0000080
S1=$(data 802A009733${DI}00)
S2=$(sed -n 's/^00C0000080 -> //p' "$W/out" | sed -n 2p | sed 's/....$//')
verify "sw-61xx fault: the signature in its two parts verifies" auth "$S1$S2"

# jpki-vcard's own checks: a state made with other keys is refused, bad
# option values are usage errors (2), the usage text names every option.
tap_fails "a 3072/4096 state is not reused for --key-bits 2048" \
    "$JPKI_VCARD" --state "$RIG_CARD_DIR" --init-only --key-bits 2048
tap_ok "the same key options reuse it" \
    "$JPKI_VCARD" --state "$RIG_CARD_DIR" --init-only --auth-key-bits 3072 --sign-key-bits 4096
for bad in "--key-bits 1024" "--token-info-len 0" "--token-info-len 161" "--ef0008 8F8F" \
           "--ef0008 present" "--no-pss=both" "--pss-salt-len -1" "--auth-key-type dsa" \
           "--auth-key-type ec --auth-key-bits 3072"; do
    # shellcheck disable=SC2086
    "$JPKI_VCARD" --state "$W/unused" --init-only $bad >/dev/null 2>&1
    tap_is "$?" 2 "usage error: $bad"
done
"$JPKI_VCARD" --help > "$W/help"
for opt in token-info-len ef0008 no-pss pss-salt-len key-bits auth-key-bits sign-key-bits \
           auth-key-type sign-key-type; do
    tap_ok "usage text names --$opt" grep -q -- "--$opt" "$W/help"
done
tap_ok "--auth-key-type ec --key-bits 3072: a new state" \
    "$JPKI_VCARD" --state "$W/ec" --init-only --auth-key-type ec --key-bits 3072
openssl x509 -in "$W/ec/auth-cert.pem" -noout -text > "$W/ec.txt" 2>&1
tap_ok "the auth certificate carries an EC P-256 key" grep -q "NIST CURVE: P-256" "$W/ec.txt"
openssl x509 -in "$W/ec/sign-cert.pem" -noout -text > "$W/ec-sign.txt" 2>&1
tap_ok "the sign certificate an RSA-3072 key" grep -q "Public-Key: (3072 bit)" "$W/ec-sign.txt"
tap_done

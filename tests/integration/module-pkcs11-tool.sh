#!/bin/sh
# jpki-pkcs11.so through pkcs11-tool, pcscd and the virtual card: tokens and
# objects as OpenSC shows them, certificates as the card holds them, every
# mechanism on both keys verified by openssl, and the PIN policy counted on
# the card's side.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/rig.sh"
command -v pkcs11-tool >/dev/null || { echo "1..0 # SKIP pkcs11-tool (opensc) is not installed"; exit 77; }
OPENSC=$(find /usr/lib -name opensc-pkcs11.so 2>/dev/null | head -n 1)
rig_start || { echo "Bail out! rig did not start"; exit 1; }
W="$RIG_DIR/work"; mkdir -p "$W"; export HOME="$W"
p11() { pkcs11-tool --module "$JPKI_MODULE" "$@"; }
card_tries() { sed -n "s/^$1_tries=//p" "$RIG_CARD_DIR/pins"; }
verifies_sent() { grep -c 'INS=20 .*Lc=[1-9]' "$RIG_APDU_LOG" || true; }
# "label|ID|type" of each object pkcs11-tool -O prints, sorted.
objects() {
    awk '/^[A-Z][a-zA-Z ]+ Object/ { if (l != "") print l "|" id "|" t; t=$1" "$2; l=""; id="" }
         /label:/ { sub(/^[ \t]*label:[ \t]*/, ""); l=$0 }
         /ID:/ { sub(/^[ \t]*ID:[ \t]*/, ""); id=$0 }
         END { if (l != "") print l "|" id "|" t }' | sort
}

# --- tokens and objects, side by side with OpenSC's driver -----------------
p11 -L > "$W/L.txt" 2>&1
tap_ok "two slots with the auth token" grep -q "token label *: JPKI (User Authentication PIN)" "$W/L.txt"
tap_ok "and the sign token" grep -q "token label *: JPKI (Digital Signature PIN)" "$W/L.txt"
serial=$(sed -n 's/^ *serial num *: *//p' "$W/L.txt" | head -n 1)
tap_ok "the token has a serial number ('$serial')" test -n "$serial" -a "$serial" != "0000000000000000"
tap_ok "the model comes from EF 0006, in words" grep -q "token model *: My Number Card" "$W/L.txt"

# OpenSC also shows a public-key object for each CA certificate (synthesised
# from the certificate) and, before login, an empty (0-bit) sign public key;
# we show neither. We show the sign CA on the sign token as well.
not_ours='^(User Authentication Certificate CA\|03|Digital Signature Certificate CA\|04)\|Public Key'
if [ -n "$OPENSC" ]; then
    pkcs11-tool --module "$OPENSC" --slot-index 0 -O 2>/dev/null | objects | grep -Ev "$not_ours" > "$W/osc0.txt"
    p11 --slot-index 0 -O 2>/dev/null | objects > "$W/our0.txt"
    tap_ok "auth token: the labels, IDs and types OpenSC shows" diff -u "$W/osc0.txt" "$W/our0.txt"
    pkcs11-tool --module "$OPENSC" --slot-index 1 --login --pin ABC123 -O 2>/dev/null | objects > "$W/osc1.txt"
    p11 --slot-index 1 --login --pin ABC123 -O 2>/dev/null | objects | grep -v '^Digital Signature Certificate CA|04|' > "$W/our1.txt"
    tap_ok "sign token after login: the labels, IDs and types OpenSC shows" diff -u "$W/osc1.txt" "$W/our1.txt"
fi

p11 --slot-index 1 -O > "$W/sign-public.txt" 2>&1
tap_fails "the sign certificate is invisible before login" grep -q "Digital Signature Certificate$" "$W/sign-public.txt"

# --- certificates --------------------------------------------------------
for c in "0 01 auth-cert" "0 03 auth-ca" "1 04 sign-ca"; do
    set -- $c
    openssl x509 -in "$RIG_CARD_DIR/$3.pem" -outform DER -out "$W/$3.card.der"
    p11 --slot-index "$1" --read-object --type cert --id "$2" -o "$W/$3.der" >/dev/null 2>&1
    tap_ok "$3 (ID $2) reads back as the card holds it" cmp "$W/$3.der" "$W/$3.card.der"
done
openssl x509 -in "$RIG_CARD_DIR/sign-cert.pem" -outform DER -out "$W/sign-cert.card.der"
p11 --slot-index 1 --login --pin ABC123 --read-object --type cert --id 02 -o "$W/sign-cert.der" >/dev/null 2>&1
tap_ok "sign-cert (ID 02) reads back after login" cmp "$W/sign-cert.der" "$W/sign-cert.card.der"

# --- every mechanism on both keys ---------------------------------------
head -c 3000 /dev/urandom > "$W/data"
head -c 51 /dev/urandom > "$W/short"
for k in "0 01 1234 auth" "1 02 ABC123 sign"; do
    set -- $k
    openssl x509 -in "$RIG_CARD_DIR/$4-cert.pem" -pubkey -noout > "$W/$4.pub"
    for h in sha1 sha224 sha256 sha384 sha512; do
        H=$(echo "$h" | tr a-z A-Z)
        rm -f "$W/sig"
        p11 --slot-index "$1" --login --pin "$3" --sign --mechanism "$H-RSA-PKCS" --id "$2" \
            -i "$W/data" -o "$W/sig" >/dev/null 2>&1
        tap_ok "$4 key, $H-RSA-PKCS: openssl verifies" \
            openssl dgst -"$h" -verify "$W/$4.pub" -signature "$W/sig" "$W/data"
    done
    rm -f "$W/sig"
    p11 --slot-index "$1" --login --pin "$3" --sign --mechanism RSA-PKCS --id "$2" \
        -i "$W/short" -o "$W/sig" >/dev/null 2>&1
    tap_ok "$4 key, RSA-PKCS over 51 raw bytes: openssl verifies" \
        openssl pkeyutl -verify -pubin -inkey "$W/$4.pub" -sigfile "$W/sig" -in "$W/short"
done

# Signing with the sign key reads no certificate: the sign certificate is
# read only when a client asks for it (login.c). Identification reads EF 0006,
# EF 0008 and the auth certificate's first chunk (by SFI 06, 08 and 0A),
# nothing else.
n0=$(wc -l < "$RIG_APDU_LOG")
rm -f "$W/sig"
p11 --slot-index 1 --login --pin ABC123 --sign --mechanism SHA256-RSA-PKCS --id 02 \
    -i "$W/data" -o "$W/sig" >/dev/null 2>&1
tap_ok "sign key, no certificate read: openssl verifies" \
    openssl dgst -sha256 -verify "$W/sign.pub" -signature "$W/sig" "$W/data"
tail -n +$((n0 + 1)) "$RIG_APDU_LOG" > "$W/sign-apdus.txt"
tap_is "$(grep -c 'INS=20 .*Lc=[1-9]' "$W/sign-apdus.txt")/$(grep 'INS=B0' "$W/sign-apdus.txt" | grep -vc 'P1P2=8[68A]00')" \
    "1/0" "sign key: one VERIFY (the login's; the signature follows in its grace), no READ BINARY beyond identification"
tap_is "$(tail -n 1 "$W/sign-apdus.txt" | grep -c 'INS=A4 P1P2=040C')" 1 \
    "sign key: the last APDU un-verifies (SELECT of the AP)"
n0=$(wc -l < "$RIG_APDU_LOG")
JPKI_PKCS11_SIGN_GRACE_MS=0 p11 --slot-index 1 --login --pin ABC123 --sign --mechanism SHA256-RSA-PKCS \
    --id 02 -i "$W/data" -o "$W/sig" >/dev/null 2>&1
tap_ok "JPKI_PKCS11_SIGN_GRACE_MS=0: openssl verifies" \
    openssl dgst -sha256 -verify "$W/sign.pub" -signature "$W/sig" "$W/data"
tail -n +$((n0 + 1)) "$RIG_APDU_LOG" > "$W/sign-apdus0.txt"
with=$(grep -c 'INS=' "$W/sign-apdus.txt") without=$(grep -c 'INS=' "$W/sign-apdus0.txt")
tap_is "$(grep -c 'INS=20 .*Lc=[1-9]' "$W/sign-apdus0.txt")/$((without - with))" "2/4" \
    "without the grace: two VERIFYs (login, signature), 4 APDUs more ($without, not $with: the login's un-verify, and SELECT AP, counter and VERIFY for the signature)"

# --- PIN policy, counted on the card ------------------------------------
t0=$(card_tries auth); v0=$(verifies_sent)
for bad in 12345 123 12a4; do
    p11 --slot-index 0 --login --pin "$bad" -O >/dev/null 2>&1
done
tap_is "$(card_tries auth)/$(verifies_sent)" "$t0/$v0" "malformed auth PINs never reach the card"
t0=$(card_tries sign); v0=$(verifies_sent)
for bad in ABC12 ABC-123 ABCDEFGHIJ1234567 "ABC 123"; do
    p11 --slot-index 1 --login --pin "$bad" -O >/dev/null 2>&1
done
tap_is "$(card_tries sign)/$(verifies_sent)" "$t0/$v0" "malformed sign passwords never reach the card"
tap_ok "a lower-case sign password is upper-cased" p11 --slot-index 1 --login --pin abc123 -O

p11 --slot-index 0 --login --pin 9999 -O >/dev/null 2>&1
tap_is "$(card_tries auth)" 2 "a wrong auth PIN costs exactly one try"
p11 -L > "$W/L2.txt" 2>&1
tap_ok "the token shows 'user PIN count low'" grep -q "count low" "$W/L2.txt"
p11 --slot-index 0 --login --pin 9998 -O >/dev/null 2>&1
tap_is "$(card_tries auth)" 1 "a second wrong PIN: one try left"
p11 -L > "$W/L3.txt" 2>&1
tap_ok "the token shows 'final user PIN try'" grep -q "final user PIN try" "$W/L3.txt"
v0=$(verifies_sent)
p11 --slot-index 0 --login --pin 1234 -O >/dev/null 2>&1
tap_is "$(card_tries auth)/$(verifies_sent)" "1/$v0" "final-try guard: the PIN is not sent"
JPKI_PKCS11_ALLOW_FINAL_TRY=1 p11 --slot-index 0 --login --pin 1234 -O >/dev/null 2>&1
tap_is "$(card_tries auth)" 3 "JPKI_PKCS11_ALLOW_FINAL_TRY=1: the correct PIN restores the counter"

# --- C_SetPIN on a logged-in token (pkcs11-tool --change-pin) --------------
changes_sent() { grep -c 'INS=24 ' "$RIG_APDU_LOG" || true; }
v0=$(verifies_sent); c0=$(changes_sent)
p11 --slot-index 0 --login --pin 1234 --change-pin --new-pin 12a4 >/dev/null 2>&1
tap_is "$(card_tries auth)/$(verifies_sent)/$(changes_sent)" "3/$((v0 + 1))/$c0" \
    "a malformed new PIN is refused before the card (only the login's VERIFY went)"
tap_ok "C_SetPIN changes the auth PIN" p11 --slot-index 0 --login --pin 1234 --change-pin --new-pin 5678
tap_is "$(sed -n 's/^auth_pin=//p' "$RIG_CARD_DIR/pins")" 5678 "the card holds the new PIN"
rm -f "$W/sig"
p11 --slot-index 0 --login --pin 5678 --sign --mechanism SHA256-RSA-PKCS --id 01 \
    -i "$W/data" -o "$W/sig" >/dev/null 2>&1
tap_ok "the new PIN signs" openssl dgst -sha256 -verify "$W/auth.pub" -signature "$W/sig" "$W/data"
p11 --slot-index 1 --login --pin ABC123 --change-pin --new-pin ABCDEFG >/dev/null 2>&1
tap_is "$(sed -n 's/^sign_pin=//p' "$RIG_CARD_DIR/pins")" ABC123 "a sign password without a digit is refused"
tap_ok "C_SetPIN changes the sign password" p11 --slot-index 1 --login --pin ABC123 --change-pin --new-pin XYZ789
tap_ok "and back" p11 --slot-index 1 --login --pin XYZ789 --change-pin --new-pin ABC123
tap_ok "and the auth PIN back" p11 --slot-index 0 --login --pin 5678 --change-pin --new-pin 1234
tap_is "$(card_tries auth)/$(card_tries sign)" "3/5" "no try lost on the way"

# --- a different card has a different serial ------------------------------
rig_card_stop
RIG_CARD_DIR="$RIG_DIR/card2" rig_card_start
serial2=$(p11 -L 2>/dev/null | sed -n 's/^ *serial num *: *//p' | head -n 1)
tap_ok "another card, another serial ($serial2)" test -n "$serial2" -a "$serial2" != "$serial"
tap_done

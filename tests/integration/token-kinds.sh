#!/bin/sh
# Every JPKI token people carry, through pkcs11-tool, pcscd and the virtual
# card (issue 15): RSA-3072 and 4096 keys (signatures through 61xx + GET
# RESPONSE, verified by openssl), a card without a signature certificate
# (no sign token, no sign password ever sent), EF 0008 missing or
# unreadable (nothing changes), Android (objects behind the auth PIN appear
# complete after C_Login, NSS logs in to find them; serial from EF 0006), iPhone, and an EC key (its
# certificate shows, signing answers a clean CKR_*).
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/rig.sh"
command -v pkcs11-tool >/dev/null || { echo "1..0 # SKIP pkcs11-tool (opensc) is not installed"; exit 77; }
command -v certutil >/dev/null || { echo "1..0 # SKIP certutil (libnss3-tools) is not installed"; exit 77; }
AUTH="JPKI (User Authentication PIN)"
SIGN="JPKI (Digital Signature PIN)"
p11() { pkcs11-tool --module "$JPKI_MODULE" "$@"; }
TOOL="${JPKI_TOOL:-$top_builddir/tools/jpki-tool/jpki-tool}"
status() { LC_ALL=C "$TOOL" status > "$W/status.txt" 2>&1; }
cold_card() { rig_card_stop && : > "$RIG_APDU_LOG" && rig_card_start; }
apdus() { grep -c 'INS=' "$RIG_APDU_LOG" || true; }
pins_sent() { grep -c 'INS=20 .*Lc=[1-9]' "$RIG_APDU_LOG" || true; }
# start NAME OPTIONS...: a new rig (a new card state) with those options.
start() {
    name=$1; shift
    [ -z "${RIG_DIR:-}" ] || rig_stop
    rig_start "$@" || { echo "Bail out! rig ($name) did not start"; exit 1; }
    W="$RIG_DIR/work"; mkdir -p "$W"; export HOME="$W"
    head -c 2000 /dev/urandom > "$W/data"
    head -c 51 /dev/urandom > "$W/short"
    for k in auth sign; do
        openssl x509 -in "$RIG_CARD_DIR/$k-cert.pem" -pubkey -noout > "$W/$k.pub"
    done
}
trap 'rig_stop' EXIT
# sign NAME TOKEN PIN ID KEY: SHA256-RSA-PKCS over data and RSA-PKCS over 51
# raw bytes, checked by openssl against the card's certificate.
sign() {
    rm -f "$W/sig"
    p11 --token-label "$2" --login --pin "$3" --sign --mechanism SHA256-RSA-PKCS --id "$4" \
        -i "$W/data" -o "$W/sig" >"$W/sign.out" 2>&1
    tap_ok "$1: $5 key, SHA256-RSA-PKCS: openssl verifies" \
        openssl dgst -sha256 -verify "$W/$5.pub" -signature "$W/sig" "$W/data"
    rm -f "$W/sig"
    p11 --token-label "$2" --login --pin "$3" --sign --mechanism RSA-PKCS --id "$4" \
        -i "$W/short" -o "$W/sig" >"$W/sign.out" 2>&1
    tap_ok "$1: $5 key, RSA-PKCS: openssl verifies" \
        openssl pkeyutl -verify -pubin -inkey "$W/$5.pub" -sigfile "$W/sig" -in "$W/short"
}

# --- larger keys -----------------------------------------------------------
for bits in 3072 4096; do
    start "$bits" --key-bits "$bits"
    cold_card
    p11 -L > "$W/L.txt" 2>&1
    tap_ok "$bits: -L shows both tokens" sh -c "grep -q '$AUTH' '$W/L.txt' && grep -q '$SIGN' '$W/L.txt'"
    n=$(apdus)
    tap_ok "$bits: -L in at most 8 APDUs ($n)" test "$n" -le 8
    sign "$bits" "$AUTH" 1234 01 auth
    sign "$bits" "$SIGN" ABC123 02 sign
    p11 --token-label "$AUTH" -O > "$W/O.txt" 2>&1
    tap_ok "$bits: the public key says $bits bits" grep -q "RSA $bits bits" "$W/O.txt"
    tap_ok "$bits: signatures came through GET RESPONSE" grep -q 'INS=C0' "$RIG_APDU_LOG"
    status
    tap_ok "$bits: jpki-tool status shows the key" grep -q "^Auth certificate key: RSA $bits bits$" "$W/status.txt"
done

# --- no signature certificate ------------------------------------------------
for ef in "" "--ef0008 absent"; do
    what="no sign certificate${ef:+ ($ef)}"
    start nosign --no-sign-cert $ef
    cold_card
    p11 -L > "$W/L.txt" 2>&1
    tap_ok "$what: the auth token is offered" grep -q "$AUTH" "$W/L.txt"
    tap_fails "$what: the sign token is not" grep -q "$SIGN" "$W/L.txt"
    n=$(apdus)
    tap_ok "$what: -L in at most 8 APDUs ($n)" test "$n" -le 8
    p11 -T > "$W/T.txt" 2>&1
    tap_is "$(grep -c 'token label' "$W/T.txt")" 1 "$what: one slot with a token"
    p11 --token-label "$SIGN" --login --pin ABC123 -O > "$W/O.txt" 2>&1
    p11 --slot 1 --login --pin ABC123 --sign --id 02 -m SHA256-RSA-PKCS -i "$W/data" \
        -o "$W/sig" > "$W/S.txt" 2>&1
    tap_is "$(pins_sent)" 0 "$what: no password ever sent"
    status
    if [ -z "$ef" ]; then
        tap_ok "$what: jpki-tool status says so" grep -q "(EF 0008): Sign certificate absent" "$W/status.txt"
    else
        tap_ok "$what: jpki-tool status: EF 0008 says nothing" grep -q "(EF 0008): not said" "$W/status.txt"
    fi
    sign "$what" "$AUTH" 1234 01 auth
done

# --- EF 0008 missing or unreadable on a card with both certificates ----------
for ef in absent unreadable; do
    start "ef0008-$ef" --ef0008 "$ef"
    cold_card
    p11 -L > "$W/L.txt" 2>&1
    tap_ok "EF 0008 $ef: both tokens" sh -c "grep -q '$AUTH' '$W/L.txt' && grep -q '$SIGN' '$W/L.txt'"
    n=$(apdus)
    tap_ok "EF 0008 $ef: -L in at most 8 APDUs ($n)" test "$n" -le 8
    sign "EF 0008 $ef" "$SIGN" ABC123 02 sign
done

# --- phones --------------------------------------------------------------
start android --token android
cold_card
p11 -L > "$W/L.txt" 2>&1
tap_ok "Android: the model says so" grep -q "token model *: Android (mobile)" "$W/L.txt"
serial=$(sed -n 's/^ *serial num *: *//p' "$W/L.txt" | head -n 1)
tap_ok "Android: a serial number ('$serial')" test -n "$serial"
n=$(apdus)
tap_ok "Android: -L in at most 8 APDUs ($n)" test "$n" -le 8
status
tap_ok "Android: jpki-tool status names it" grep -q "^Card: Android smartphone (JPKIAPGPSETOKEN)" "$W/status.txt"
tap_ok "Android: status leaves the auth certificate to the PIN" \
    grep -q "^Auth certificate: not shown (on this token it needs the auth PIN)" "$W/status.txt"
p11 --token-label "$AUTH" -O > "$W/O.txt" 2>&1
tap_fails "Android: before login no auth certificate is listed" \
    grep -q "label: *User Authentication Certificate$" "$W/O.txt"
tap_fails "Android: nor any other object (OpenSSH then logs in to find keys)" \
    grep -qE "^(Certificate|Public Key|Private Key|Profile) Object" "$W/O.txt"
p11 --token-label "$AUTH" --login --pin 1234 -O > "$W/O.txt" 2>&1
tap_ok "Android: after login the certificate is there" \
    grep -q "label: *User Authentication Certificate$" "$W/O.txt"
tap_ok "Android: and the public key, with its size" grep -q "RSA 2048 bits" "$W/O.txt"
openssl x509 -in "$RIG_CARD_DIR/auth-cert.pem" -outform DER -out "$W/auth.der"
p11 --token-label "$AUTH" --login --pin 1234 --read-object --type cert --id 01 \
    -o "$W/auth-read.der" >/dev/null 2>&1
tap_ok "Android: the certificate read after login is the token's" cmp "$W/auth.der" "$W/auth-read.der"
sign Android "$AUTH" 1234 01 auth
# NSS (Firefox): no public-certificates profile, so it logs in to look.
mkdir -p "$W/nss"; DB="sql:$W/nss"
certutil -N -d "$DB" --empty-password
echo | modutil -dbdir "$DB" -add jpki -libfile "$JPKI_MODULE" -force >/dev/null 2>&1
echo 1234 > "$W/auth.pin"
certutil -L -d "$DB" -h "$AUTH" -f "$W/auth.pin" > "$W/nss-certs.txt" 2>&1
tap_ok "Android: NSS finds the auth certificate after its login, with its key" \
    grep -q "^$AUTH:User Authentication Certificate  *u,u,u" "$W/nss-certs.txt"
cold_card
p11 -L > "$W/L2.txt" 2>&1
tap_is "$(sed -n 's/^ *serial num *: *//p' "$W/L2.txt" | head -n 1)" "$serial" \
    "Android: the serial is stable"

start iphone --token iphone
p11 -L > "$W/L.txt" 2>&1
tap_ok "iPhone: the model says so" grep -q "token model *: iPhone (mobile)" "$W/L.txt"
p11 --token-label "$AUTH" -O > "$W/O.txt" 2>&1
tap_ok "iPhone: the auth certificate before login" \
    grep -q "label: *User Authentication Certificate$" "$W/O.txt"
sign iPhone "$AUTH" 1234 01 auth

# --- a key the module cannot drive ---------------------------------------
start ec --auth-key-type ec
openssl x509 -in "$RIG_CARD_DIR/auth-cert.pem" -outform DER -out "$W/auth.der"
p11 --token-label "$AUTH" --read-object --type cert --id 01 -o "$W/auth-read.der" >/dev/null 2>&1
tap_ok "EC: the certificate shows" cmp "$W/auth.der" "$W/auth-read.der"
status
tap_ok "EC: jpki-tool status says what the key is" \
    grep -q "^Auth certificate key: EC 256 bits (the module cannot sign with it)" "$W/status.txt"
p11 --token-label "$AUTH" --login --pin 1234 --sign --mechanism SHA256-RSA-PKCS --id 01 \
    -i "$W/data" -o "$W/sig" > "$W/S.txt" 2>&1
p11 --token-label "$AUTH" -O > "$W/O.txt" 2>&1
tap_ok "EC: the public key says it is EC" grep -q "Public Key Object; EC" "$W/O.txt"
tap_ok "EC: signing answers CKR_KEY_TYPE_INCONSISTENT" grep -q CKR_KEY_TYPE_INCONSISTENT "$W/S.txt"
tap_is "$(grep -c 'INS=2A' "$RIG_APDU_LOG")" 0 "EC: nothing sent to sign"
sign "EC auth, RSA sign" "$SIGN" ABC123 02 sign
tap_done

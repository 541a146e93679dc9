#!/bin/sh
# RSA-PSS through the card's own PSS mode (issue 16), through pkcs11-tool,
# pcscd and the virtual card: learned at the first auth login and only
# then listed, remembered per card across processes, no try spent and the
# sign key never used to learn it; both PSS mechanisms on both keys,
# verified by openssl with salt length 32; parameters other than SHA-256 /
# MGF1-SHA-256 / salt 32 refused; a card without PSS (--no-pss) and one
# that salts otherwise (--pss-salt-len 20) remembered as "no": nothing
# listed, PKCS#1 signing unchanged.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/rig.sh"
command -v pkcs11-tool >/dev/null || { echo "1..0 # SKIP pkcs11-tool (opensc) is not installed"; exit 77; }
AUTH="JPKI (User Authentication PIN)"
SIGN="JPKI (Digital Signature PIN)"
p11() { pkcs11-tool --module "$JPKI_MODULE" "$@"; }
card_tries() { sed -n "s/^$1_tries=//p" "$RIG_CARD_DIR/pins"; }
pins_sent() { grep -c 'INS=20 .*Lc=[1-9]' "$RIG_APDU_LOG" || true; }
pss_sent() { grep -c 'INS=2A P1P2=04' "$RIG_APDU_LOG" || true; }
TOOL="${JPKI_TOOL:-$top_builddir/tools/jpki-tool/jpki-tool}"
status() { LC_ALL=C "$TOOL" status 2>&1 | sed -n 's/^Signs RSA-PSS (TLS 1.3): //p'; }
check_pss() { printf '%s\n' "$1" | LC_ALL=C "$TOOL" --pin-fd 3 check-pss 3<&0 </dev/null 2>&1; }
fact() { cat "$HOME"/.cache/jpki-pkcs11/*-pss 2>/dev/null || echo none; }
PSSOPT="--hash-algorithm SHA256 --mgf MGF1-SHA256 --salt-len 32"
PSSOPT2="--mgf MGF1-SHA256 --salt-len 32"   # SHA256-RSA-PKCS-PSS: the hash is the mechanism's
start() {
    name=$1; shift
    [ -z "${RIG_DIR:-}" ] || rig_stop
    rig_start "$@" || { echo "Bail out! rig ($name) did not start"; exit 1; }
    W="$RIG_DIR/work"; mkdir -p "$W"; export HOME="$W"
    # The fact lives beside the certificate cache: on here, in the rig's home.
    export JPKI_PKCS11_CACHE=1 XDG_CACHE_HOME="$W/.cache"
    head -c 3000 /dev/urandom > "$W/data"
    openssl dgst -sha256 -binary "$W/data" > "$W/hash"
    for k in auth sign; do
        openssl x509 -in "$RIG_CARD_DIR/$k-cert.pem" -pubkey -noout > "$W/$k.pub"
    done
}
trap 'rig_stop' EXIT
mechs() { p11 --token-label "$1" -M > "$W/M.txt" 2>&1; grep -c 'PSS' "$W/M.txt" || true; }
verify_hash() {
    openssl pkeyutl -verify -pubin -inkey "$W/$1.pub" -sigfile "$W/sig" -in "$W/hash" \
        -pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:32 \
        -pkeyopt rsa_mgf1_md:sha256
}
verify_data() {
    openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 \
        -sigopt rsa_mgf1_md:sha256 -verify "$W/$1.pub" -signature "$W/sig" "$W/data"
}
# pss_sign WHAT TOKEN PIN ID KEY
pss_sign() {
    rm -f "$W/sig"
    p11 --token-label "$2" --login --pin "$3" --sign -m RSA-PKCS-PSS $PSSOPT --id "$4" \
        -i "$W/hash" -o "$W/sig" > "$W/sign.out" 2>&1
    tap_ok "$1: $5 key, RSA-PKCS-PSS over a hash: openssl verifies (salt 32)" verify_hash "$5"
    rm -f "$W/sig"
    p11 --token-label "$2" --login --pin "$3" --sign -m SHA256-RSA-PKCS-PSS $PSSOPT2 --id "$4" \
        -i "$W/data" -o "$W/sig" > "$W/sign.out" 2>&1
    tap_ok "$1: $5 key, SHA256-RSA-PKCS-PSS: openssl verifies (salt 32)" verify_data "$5"
}

# --- a card that signs PSS --------------------------------------------------
start pss
tap_is "$(status)" "not yet known (jpki-tool check-pss finds out)" "jpki-tool status: not yet known"
tap_is "$(mechs "$AUTH")" 0 "before any login: no PSS mechanism on the auth token"
tap_is "$(mechs "$SIGN")" 0 "before any login: none on the sign token"
: > "$RIG_APDU_LOG"
p11 --token-label "$SIGN" --login --pin ABC123 -O > "$W/O.txt" 2>&1
tap_is "$(pss_sent)/$(fact)" "0/none" "a sign login learns nothing (the sign key never signs for it)"
: > "$RIG_APDU_LOG"
p11 --token-label "$AUTH" --login --pin 1234 -O > "$W/O.txt" 2>&1
tap_is "$(pss_sent)" 1 "the first auth login: one PSS signature by the card"
tap_is "$(grep 'INS=2A P1P2=04' "$RIG_APDU_LOG" | grep -vc 'P1P2=0497' || true)" 0 \
    "with the auth key (SFI 17)"
tap_is "$(card_tries auth)/$(pins_sent)" "3/1" "no try spent, no PIN sent for it (the login's only)"
tap_ok "CKA_ALLOWED_MECHANISMS of the auth key names both" \
    grep -q 'Allowed mechanisms:.*RSA-PKCS-PSS,SHA256-RSA-PKCS-PSS' "$W/O.txt"
tap_is "$(fact)" yes "remembered beside the certificate cache: yes"
tap_is "$(status)" yes "jpki-tool status: yes"
tap_is "$(stat -c %a "$HOME"/.cache/jpki-pkcs11/*-pss)" 600 "the fact file is private"
tap_is "$(mechs "$AUTH")" 2 "another process: both PSS mechanisms on the auth token"
tap_ok "RSA-PKCS-PSS listed with sign" grep -q 'RSA-PKCS-PSS.*sign' "$W/M.txt"
tap_is "$(mechs "$SIGN")" 2 "and on the sign token (the same card's result)"
: > "$RIG_APDU_LOG"
p11 --token-label "$AUTH" --login --pin 1234 -O > "$W/O.txt" 2>&1
tap_is "$(pss_sent)" 0 "a later login does not learn it again"
pss_sign "pss" "$AUTH" 1234 01 auth
pss_sign "pss" "$SIGN" ABC123 02 sign
tap_is "$(card_tries auth)/$(card_tries sign)" "3/5" "counters full after every PSS signature"
# Parameters the card's mode does not have.
for bad in "SHA256-RSA-PKCS-PSS --mgf MGF1-SHA256 --salt-len 20" \
           "SHA256-RSA-PKCS-PSS --mgf MGF1-SHA1 --salt-len 32" \
           "SHA256-RSA-PKCS-PSS --mgf MGF1-SHA256 --salt-len 0" \
           "RSA-PKCS-PSS --hash-algorithm SHA384 --mgf MGF1-SHA256 --salt-len 32"; do
    in="$W/data"; case $bad in *SHA384*) openssl dgst -sha384 -binary "$W/data" > "$W/h384"; in="$W/h384";; esac
    : > "$RIG_APDU_LOG"
    p11 --token-label "$AUTH" --login --pin 1234 --sign -m $bad --id 01 -i "$in" -o "$W/sig" \
        > "$W/bad.out" 2>&1
    tap_ok "bad parameters ($bad): C_SignInit CKR_MECHANISM_PARAM_INVALID" \
        grep -q 'C_SignInit failed: rv = CKR_MECHANISM_PARAM_INVALID' "$W/bad.out"
    tap_is "$(pss_sent)" 0 "bad parameters ($bad): nothing signed"
done
rm -f "$W/sig"
p11 --token-label "$AUTH" --login --pin 1234 --sign -m SHA256-RSA-PKCS --id 01 \
    -i "$W/data" -o "$W/sig" > "$W/sign.out" 2>&1
tap_ok "PKCS#1 v1.5 signing unchanged" \
    openssl dgst -sha256 -verify "$W/auth.pub" -signature "$W/sig" "$W/data"

# --- cards that do not: no PSS mode, another salt length --------------------
for opts in "--no-pss" "--pss-salt-len 20"; do
    start "$opts" $opts
    : > "$RIG_APDU_LOG"
    p11 --token-label "$AUTH" --login --pin 1234 -O > "$W/O.txt" 2>&1
    n=$(pss_sent)
    # 6A86 to the SFI form is tried once more with SELECT EF (jpki.c).
    tap_ok "$opts: asked at the first auth login ($n APDUs), no try spent" \
        test "$n" -ge 1 -a "$n" -le 2 -a "$(card_tries auth)" = 3
    tap_is "$(fact)" no "$opts: remembered as no"
    tap_is "$(status)" "no (TLS 1.2 only)" "$opts: jpki-tool status: no"
    tap_is "$(mechs "$AUTH")/$(mechs "$SIGN")" "0/0" "$opts: no PSS mechanism on either token"
    tap_fails "$opts: CKA_ALLOWED_MECHANISMS without PSS" grep -q 'PSS' "$W/O.txt"
    : > "$RIG_APDU_LOG"
    p11 --token-label "$AUTH" --login --pin 1234 --sign -m RSA-PKCS-PSS $PSSOPT --id 01 \
        -i "$W/hash" -o "$W/sig" > "$W/bad.out" 2>&1
    tap_ok "$opts: RSA-PKCS-PSS refused (CKR_MECHANISM_INVALID)" grep -q MECHANISM_INVALID "$W/bad.out"
    tap_is "$(pss_sent)" 0 "$opts: never asked again"
    rm -f "$W/sig"
    p11 --token-label "$AUTH" --login --pin 1234 --sign -m SHA256-RSA-PKCS --id 01 \
        -i "$W/data" -o "$W/sig" > "$W/sign.out" 2>&1
    tap_ok "$opts: PKCS#1 v1.5 signing unchanged" \
        openssl dgst -sha256 -verify "$W/auth.pub" -signature "$W/sig" "$W/data"
done
# --- jpki-tool check-pss: the holder finds out on purpose --------------------
for opts in "" "--no-pss"; do
    start "check-pss $opts" $opts
    : > "$RIG_APDU_LOG"
    out=$(check_pss 9999)
    tap_is "$(card_tries auth)/$(pss_sent)/$(fact)" "2/0/none" \
        "check-pss ${opts:-(can)}: a wrong PIN costs its try, nothing signed, nothing learned"
    out=$(check_pss 1234)
    want=yes; [ -z "$opts" ] || want="no (TLS 1.2 only)"
    tap_is "$(echo "$out" | sed -n 's/^Signs RSA-PSS (TLS 1.3): //p')" "$want" \
        "check-pss ${opts:-(can)}: says $want"
    tap_is "$(card_tries auth)/$(status)" "3/$want" "check-pss ${opts:-(can)}: counter full, status agrees"
    p11 --token-label "$AUTH" -M > "$W/M.txt" 2>&1
    tap_is "$(grep -c PSS "$W/M.txt" || true)" "$([ -z "$opts" ] && echo 2 || echo 0)" \
        "check-pss ${opts:-(can)}: the module follows it without a login"
done
tap_done

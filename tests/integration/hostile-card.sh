#!/bin/sh
# A hostile or broken card (jpki-vcard --fault ...) behind pcscd, driven by
# pkcs11-tool through jpki-pkcs11.so: the module must never crash or hang,
# must fail cleanly where the card's data is bad (a truncated certificate is
# never shown as one, a signature the card did not give is never returned),
# must cope where the card is merely T=0-chatty (61xx, 6Cxx: signatures that
# openssl verifies), must recover once a dropped card is back, and must
# never spend a PIN try because of a fault.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/rig.sh"
command -v pkcs11-tool >/dev/null || { echo "1..0 # SKIP pkcs11-tool (opensc) is not installed"; exit 77; }
command -v timeout >/dev/null || { echo "1..0 # SKIP timeout is not installed"; exit 77; }
rig_start || { echo "Bail out! rig did not start"; exit 1; }
W="$RIG_DIR/work"; mkdir -p "$W"; export HOME="$W"
cd "$W" || exit 1
card_tries() { sed -n "s/^$1_tries=//p" "$RIG_CARD_DIR/pins"; }
for k in auth sign; do
    openssl x509 -in "$RIG_CARD_DIR/$k-cert.pem" -outform DER -out "$W/$k.card.der"
    openssl x509 -in "$RIG_CARD_DIR/$k-cert.pem" -pubkey -noout > "$W/$k.pub"
done
head -c 1000 /dev/urandom > "$W/data"

# p11 NAME ARGS...: pkcs11-tool with our module, at most 60 s; output in
# $W/out, exit status in $rc. 124 is timeout's "hung", > 128 a signal.
p11() {
    name=$1; shift
    rm -f core core.*
    timeout 60 pkcs11-tool --module "$JPKI_MODULE" "$@" > "$W/out" 2>&1
    rc=$?
    if [ "$rc" -lt 124 ] && ! ls core core.* >/dev/null 2>&1; then
        tap_result 0 "$mode: $name: exits cleanly ($rc)"
    else
        tap_result 1 "$mode: $name: crashed or hung (exit $rc)"
        tail -n 5 "$W/out" | sed 's/^/#   /'
    fi
}

# session: -L, -O, the auth certificate, a signature with each key. Leaves
# $W/auth.der, $W/auth.sig, $W/sign.sig where pkcs11-tool wrote them.
session() {
    rm -f "$W/auth.der" "$W/auth.sig" "$W/sign.sig"
    p11 "list slots" -L; cp "$W/out" "$W/L.txt"
    p11 "list objects" --slot-index 0 -O; cp "$W/out" "$W/O.txt"
    p11 "read the auth certificate" --slot-index 0 --read-object --type cert --id 01 \
        -o "$W/auth.der"; read_rc=$rc
    p11 "sign with the auth key" --slot-index 0 --login --pin 1234 --sign \
        --mechanism SHA256-RSA-PKCS --id 01 -i "$W/data" -o "$W/auth.sig"; auth_rc=$rc
    p11 "sign with the sign key" --slot-index 1 --login --pin ABC123 --sign \
        --mechanism SHA256-RSA-PKCS --id 02 -i "$W/data" -o "$W/sign.sig"; sign_rc=$rc
}

verifies() { # KEY: the signature made with KEY verifies against the card's certificate
    [ -s "$W/$1.sig" ] && openssl dgst -sha256 -verify "$W/$1.pub" -signature "$W/$1.sig" "$W/data"
}

# No certificate made of bad data: either no file, or not a certificate at all.
no_bad_cert() {
    [ "$read_rc" != 0 ] && { [ ! -s "$W/auth.der" ] || ! cmp -s "$W/auth.der" "$W/auth.card.der"; } &&
        ! grep -q 'subject: *DN:' "$W/O.txt"
}

fault_start() {
    mode=$1
    rig_card_stop
    rig_card_start --fault "$1" || { tap_result 1 "$1: the card did not come up"; return 1; }
    a0=$(card_tries auth) s0=$(card_tries sign)
}

tries_kept() {
    tap_is "$(card_tries auth)/$(card_tries sign)" "$a0/$s0" "$mode: no PIN try spent"
}

# --- bad data: every answer refused, cleanly --------------------------------
for f in truncate-read oversize-read bad-sw short-response; do
    fault_start "$f" || continue
    session
    tap_ok "$f: the certificate is not shown" no_bad_cert
    tap_is "$auth_rc" 1 "$f: the auth signature fails (its certificate, to check it against, is bad)"
    tap_ok "$f: no auth signature written" test ! -s "$W/auth.sig"
    if [ "$f" = bad-sw ] || [ "$f" = short-response ]; then
        tap_fails "$f: no token is shown" grep -q 'token label' "$W/L.txt"
        tap_is "$sign_rc" 1 "$f: the sign-key signature fails with an error"
        tap_ok "$f: no sign signature written" test ! -s "$W/sign.sig"
    else
        # Only READ BINARY answers are bad, and signing with the sign key
        # reads nothing: what it returns must be the card's real signature.
        tap_ok "$f: the sign-key signature, which needs no read, verifies" verifies sign
        # -O asks for the broken sign certificate's attributes many times:
        # the held PIN goes to the card once for its read, never again.
        n0=$(wc -l < "$RIG_APDU_LOG")
        p11 "list the sign token's objects after login" --slot-index 1 --login --pin ABC123 -O
        tap_fails "$f: the sign certificate is not shown" grep -q 'subject: *DN:' "$W/out"
        tap_is "$(tail -n +$((n0 + 1)) "$RIG_APDU_LOG" | grep -c 'INS=20 .*Lc=[1-9]')" 2 \
            "$f: two sign PIN VERIFYs: the login's and the one read's"
    fi
    tries_kept
done

# --- chatty but correct: the module copes ----------------------------------
for f in sw-61xx sw-6cxx; do
    fault_start "$f" || continue
    session
    tap_ok "$f: both tokens are shown" grep -q 'token label *: JPKI (Digital Signature PIN)' "$W/L.txt"
    tap_ok "$f: the certificate reads back as the card holds it" cmp "$W/auth.der" "$W/auth.card.der"
    tap_ok "$f: the auth signature verifies" verifies auth
    tap_ok "$f: the sign signature verifies" verifies sign
    tries_kept
done

# --- the card drops out mid-session, then comes back once -------------------
for n in 3 9 16 30; do
    fault_start "disconnect-after=$n" || continue
    session
    # The card goes once the n-th APDU is answered and is back a second later.
    i=0
    while ! grep -q 'FAULT disconnect' "$RIG_DIR/vcard.log" "$RIG_APDU_LOG" 2>/dev/null && [ $i -lt 50 ]; do
        timeout 10 pkcs11-tool --module "$JPKI_MODULE" -L >/dev/null 2>&1; i=$((i + 1))
    done
    sleep 2
    "$RIG_PCSC_WAIT" present "" 10
    rm -f "$W/auth.sig"
    p11 "sign after the card is back" --slot-index 0 --login --pin 1234 --sign \
        --mechanism SHA256-RSA-PKCS --id 01 -i "$W/data" -o "$W/auth.sig"
    tap_ok "$mode: the signature after the card is back verifies" verifies auth
    tries_kept
    sed -i '/FAULT disconnect/d' "$RIG_APDU_LOG"
done

tap_done

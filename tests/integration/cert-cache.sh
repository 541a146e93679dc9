#!/bin/sh
# The disk cache of public certificates, as shipped (on unless
# JPKI_PKCS11_CACHE=0), through pkcs11-tool, ssh-keygen, pcscd and the
# virtual card: what it stores (the auth certificate and the two CA
# certificates, byte for byte as the card holds them; never the sign
# certificate), with which modes, what a warm cache saves on the card's
# side, and that another card, a broken file or JPKI_PKCS11_CACHE=0 send the
# module back to the card. A file is used only when consistent (the auth
# certificate verifies under the cached CA, CAs verify themselves); a forged
# but consistent pair is removed once the card's signature proves it wrong;
# no symlink on the path is followed, and root never caches in a HOME that
# another user owns.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/rig.sh"
command -v pkcs11-tool >/dev/null || { echo "1..0 # SKIP pkcs11-tool (opensc) is not installed"; exit 77; }
rig_start || { echo "Bail out! rig did not start"; exit 1; }
W="$RIG_DIR/work"; mkdir -p "$W"; export HOME="$W"
# The product's default: the test environment turns the cache off.
unset JPKI_PKCS11_CACHE
export XDG_CACHE_HOME="$W/xdg"
C="$XDG_CACHE_HOME/jpki-pkcs11"
p11() { pkcs11-tool --module "$JPKI_MODULE" "$@"; }
apdus() { grep -c 'INS=' "$RIG_APDU_LOG" || true; }
reads() { grep -c 'INS=B0 ' "$RIG_APDU_LOG" || true; }
der() { openssl x509 -in "$RIG_CARD_DIR/$1.pem" -outform DER -out "$W/$1.der"; }
# Each cache file must equal one of the card's public certificates, its
# token name (EF 0006's first 32 bytes: the name, blank-padded), EF 0008
# (8F 8F 00: both certificates) or the token serial (lower-case hex, as
# pkcs11-tool -L shows it).
printf '%-32s' JPKIAPICCTOKEN2 > "$W/token-name.bin"
printf '\217\217\000' > "$W/cert-list.bin"
only_public() {
    for f in "$C"/*; do
        [ -f "$f" ] || { echo "not a regular file: $f"; return 1; }
        cmp -s "$f" "$W/auth-cert.der" || cmp -s "$f" "$W/auth-ca.der" ||
            cmp -s "$f" "$W/sign-ca.der" || cmp -s "$f" "$W/token-name.bin" ||
            cmp -s "$f" "$W/cert-list.bin" || cmp -s "$f" "$W/serial.txt" ||
            { echo "unexpected: $f"; return 1; }
    done
}
mode() { stat -c %a "$1"; }
card_pubkey() { openssl x509 -in "$RIG_CARD_DIR/$1-cert.pem" -pubkey -noout; }
cold_card() { rig_card_stop && : > "$RIG_APDU_LOG" && rig_card_start; }
for c in auth-cert auth-ca sign-ca sign-cert; do der "$c"; done

# --- a cold cache fills itself -------------------------------------------
: > "$RIG_APDU_LOG"
p11 --slot-index 0 -O > "$W/O1.txt" 2>&1
cold_apdus=$(apdus)
tap_is "$(grep -c 'INS=B0 P1P2=8A00 Lc=0 Le=256 ' "$RIG_APDU_LOG")" 1 \
    "an empty cache: identification reads the auth certificate's first chunk whole (256 bytes)"
JPKI_PKCS11_CACHE=0 p11 -L | sed -n 's/^ *serial num *: *//p' | head -n 1 | tr 'A-F' 'a-f' > "$W/serial.txt"
tap_ok "the token serial is known ($(cat "$W/serial.txt"))" grep -Eqx '[0-9a-f]{16}' "$W/serial.txt"
tap_is "$(ls "$C" | wc -l | tr -d ' ')" 6 "auth token -O: six files in the cache"
tap_ok "each is one of the card's public certificates, its token name, EF 0008 or its serial, byte for byte" only_public
tap_is "$(mode "$C")" 700 "the cache directory is private (0700)"
tap_is "$(mode "$XDG_CACHE_HOME")" 700 "and so is the XDG cache directory it made"
tap_ok "the files are private (0600)" sh -c "test -z \"\$(find '$C' -type f ! -perm 600)\""

# --- a warm cache: the card is only identified ---------------------------
cold_card
p11 --slot-index 0 -O > "$W/O2.txt" 2>&1
tap_ok "the same objects from a warm cache" diff -u "$W/O1.txt" "$W/O2.txt"
warm_apdus=$(apdus)
tap_is "$warm_apdus" 4 "warm: 4 APDUs, identification only (cold: $cold_apdus)"
tap_is "$(reads)" 1 "warm: only identification's READ BINARY (the start of the auth certificate; EF 0006, EF 0008 and the serial are cached)"
tap_is "$(grep -c 'INS=B0 P1P2=8A00 Lc=0 Le=64 ' "$RIG_APDU_LOG")" 1 \
    "warm: that READ BINARY asks for the 64 bytes that name the card, not 256"
p11 -L > "$W/L2.txt" 2>&1
tap_ok "warm: the token serial is the card's (from the cache)" \
    grep -qi "serial num *: *$(cat "$W/serial.txt")\$" "$W/L2.txt"
cold_card
p11 --slot-index 0 --read-object --type cert --id 01 -o "$W/auth-read.der" >/dev/null 2>&1
tap_ok "the auth certificate read from a warm cache is the card's" cmp "$W/auth-read.der" "$W/auth-cert.der"
cold_card
ssh-keygen -D "$JPKI_MODULE" > "$W/ssh.txt" 2>/dev/null
card_pubkey auth > "$W/auth-pub.pem"
ssh-keygen -i -m PKCS8 -f "$W/auth-pub.pem" > "$W/auth.ssh"
tap_ok "ssh-keygen -D from a warm cache lists the card's auth key" grep -qF "$(cut -d' ' -f2 "$W/auth.ssh")" "$W/ssh.txt"
tap_is "$(reads)" 1 "ssh-keygen -D warm: no certificate read"

# --- the sign certificate never reaches the disk -------------------------
cold_card
p11 --slot-index 1 --login --pin ABC123 --read-object --type cert --id 02 -o "$W/sign-read.der" >/dev/null 2>&1
tap_ok "the sign certificate is read after login" cmp "$W/sign-read.der" "$W/sign-cert.der"
tap_is "$(ls "$C" | wc -l | tr -d ' ')" 6 "still six files after the sign certificate was read"
tap_ok "none of them is the sign certificate" only_public
subject=$(openssl x509 -in "$RIG_CARD_DIR/sign-cert.pem" -noout -subject -nameopt sep_multiline,utf8 |
    sed -n 's/^ *CN=//p' | head -n 1)
tap_ok "the holder's name ('$subject') is in no file under the cache" \
    sh -c "test -n '$subject' && ! grep -rqF '$subject' '$XDG_CACHE_HOME'"

# --- a broken file is not used -------------------------------------------
for f in "$C"/*-0006.der; do printf 'JPKI\001TOKEN' > "$f"; done
cold_card
p11 --slot-index 0 -O > "$W/O3.txt" 2>&1
tap_ok "a broken token name file: the objects are still the card's" diff -u "$W/O1.txt" "$W/O3.txt"
tap_is "$(grep -c 'INS=B0 P1P2=86' "$RIG_APDU_LOG")" 1 "EF 0006 read from the card"
tap_ok "and the file holds the card's name again" only_public
for f in "$C"/*-000b.der; do printf 'not a certificate' > "$f"; done
cold_card
p11 --slot-index 0 -O > "$W/O3.txt" 2>&1
tap_ok "a broken auth CA file: the objects are still the card's" diff -u "$W/O1.txt" "$W/O3.txt"
tap_ok "the file was replaced by the card's certificate" only_public
for f in "$C"/*-0002.der; do rm -f "$f" && mkfifo -m 600 "$f"; done
cold_card
timeout 60 pkcs11-tool --module "$JPKI_MODULE" --slot-index 0 -O > "$W/O5.txt" 2>&1
tap_is "$?" 0 "a FIFO in place of the sign CA file does not hang the module"
tap_ok "the objects are still the card's" diff -u "$W/O1.txt" "$W/O5.txt"
tap_ok "and the FIFO was replaced by the card's certificate" only_public
chmod 644 "$C"/*-000a.der
cold_card
p11 --slot-index 0 --read-object --type cert --id 01 -o "$W/auth-read2.der" >/dev/null 2>&1
tap_ok "a world-readable auth certificate file is not used: read from the card" \
    test "$(reads)" -gt 2
tap_ok "and the result is the card's" cmp "$W/auth-read2.der" "$W/auth-cert.der"

# --- a file that parses but is not the card's is not used ---------------
# The three files are back to the card's (the tests above refilled them).
K=$(basename "$(ls "$C"/*-000a.der | head -n 1)" -000a.der)
flip() { # FILE OFFSET: one bit of one byte changed in place
    b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    printf "\\$(printf %03o $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
restore() { install -m 600 "$W/auth-cert.der" "$C/$K-000a.der"; install -m 600 "$W/auth-ca.der" "$C/$K-000b.der"
    install -m 600 "$W/sign-ca.der" "$C/$K-0002.der"; }
# auth_read NAME [ENV...]: the auth certificate read on a cold card (in this
# shell: cold_card restarts the card), with the environment given;
# from_card NAME: it is the card's, and was read from the card.
auth_read() {
    name=$1; shift
    cold_card
    env "$@" pkcs11-tool --module "$JPKI_MODULE" --slot-index 0 --read-object --type cert --id 01 \
        -o "$W/auth-read-$name.der" >/dev/null 2>&1
}
from_card() { cmp -s "$W/auth-read-$1.der" "$W/auth-cert.der" && test "$(reads)" -gt 2; }
restore; flip "$C/$K-000a.der" $(($(wc -c < "$W/auth-cert.der") - 1))
auth_read sig
tap_ok "an auth certificate file with a damaged signature is not served (the card's is read)" from_card sig
restore; flip "$C/$K-000a.der" 300
auth_read key
tap_ok "nor one changed after the card's first chunk (a byte of its key)" from_card key
restore; install -m 600 "$W/sign-ca.der" "$C/$K-000b.der"
cold_card
p11 --slot-index 0 -O > "$W/O6.txt" 2>&1
tap_ok "an auth CA file that is another self-signed CA (not the issuer): the objects are the card's" \
    diff -u "$W/O1.txt" "$W/O6.txt"
restore; install -m 600 "$W/auth-cert.der" "$C/$K-0002.der"
cold_card
p11 --slot-index 0 -O > "$W/O7.txt" 2>&1
tap_ok "a sign CA file that is not self-signed: the objects are the card's" diff -u "$W/O1.txt" "$W/O7.txt"
restore; install -m 600 "$W/auth-ca.der" "$C/$K-0002.der"
cold_card
p11 --slot-index 1 --login --pin ABC123 -O > "$W/O8.txt" 2>&1
tap_ok "a self-signed sign CA file that did not issue the card's sign certificate is removed once that certificate is read" \
    sh -c "! cmp -s '$C/$K-0002.der' '$W/auth-ca.der'"
restore

# --- a forged pair: own CA of the same name, a leaf with the card's first
# 256 bytes and another key. It passes every check a file can pass; the card's
# signature proves it wrong, which must remove it: one failed signature, then
# the card's certificate (signing.c distrusts a cached certificate that the
# card's signature does not match).
F="$W/forge"; mkdir -p "$F" && : > "$F/index.txt"
openssl x509 -in "$RIG_CARD_DIR/auth-cert.pem" -noout -serial | cut -d= -f2 > "$F/serial"
openssl genrsa -out "$F/ca.key" 2048 2>/dev/null
openssl genrsa -out "$F/leaf.key" 2048 2>/dev/null
# The CA: the card's CA certificate (name, key identifiers) re-signed with our key.
openssl x509 -in "$RIG_CARD_DIR/auth-ca.pem" -signkey "$F/ca.key" -preserve_dates -out "$F/ca.pem" 2>/dev/null
openssl x509 -x509toreq -in "$RIG_CARD_DIR/auth-cert.pem" -signkey "$F/leaf.key" \
    -copy_extensions copyall -out "$F/leaf.csr" 2>/dev/null
utc() { date -u -d "$(openssl x509 -in "$RIG_CARD_DIR/auth-cert.pem" -noout "-$1" | cut -d= -f2)" +%Y%m%d%H%M%SZ; }
printf '[ca]\ndefault_ca=d\n[d]\ndatabase=%s\nserial=%s\nnew_certs_dir=%s\ndefault_md=sha256\npolicy=p\npreserve=yes\ncopy_extensions=copyall\nunique_subject=no\n[p]\ncountryName=optional\nstateOrProvinceName=optional\nlocalityName=optional\norganizationName=optional\norganizationalUnitName=optional\ncommonName=optional\n' \
    "$F/index.txt" "$F/serial" "$F" > "$F/ca.cnf"
openssl ca -batch -config "$F/ca.cnf" -cert "$F/ca.pem" -keyfile "$F/ca.key" -in "$F/leaf.csr" \
    -startdate "$(utc startdate)" -enddate "$(utc enddate)" -notext -out "$F/leaf.pem" 2>/dev/null
openssl x509 -in "$F/leaf.pem" -outform DER -out "$F/leaf.der"
openssl x509 -in "$F/ca.pem" -outform DER -out "$F/ca.der"
tap_ok "forged leaf: the card's first 256 bytes, another key" \
    sh -c "cmp -s -n 256 '$F/leaf.der' '$W/auth-cert.der' && ! cmp -s '$F/leaf.der' '$W/auth-cert.der'"
tap_ok "forged leaf: verifies under the forged CA, which verifies itself" \
    openssl verify -CAfile "$F/ca.pem" "$F/leaf.pem"
install -m 600 "$F/leaf.der" "$C/$K-000a.der"
install -m 600 "$F/ca.der" "$C/$K-000b.der"
printf 'data to sign' > "$W/data"
# sign_auth N: one pkcs11-tool signature with the auth key, the module's
# calls logged to $W/sign-N.log; true when the signature verifies with the
# card's certificate. pkcs11-tool tries again (C_SignUpdate/C_SignFinal) in
# the same process when C_Sign fails.
sign_auth() {
    cold_card
    JPKI_PKCS11_DEBUG="2:$W/sign-$1.log" p11 --slot-index 0 --login --pin 1234 --sign \
        --mechanism SHA256-RSA-PKCS --id 01 -i "$W/data" -o "$W/forge-sig$1" >/dev/null 2>&1 &&
        openssl dgst -sha256 -verify "$W/auth-pub.pem" -signature "$W/forge-sig$1" "$W/data" >/dev/null
}
sign_auth 1; first=$?
# The card's first signature catches it: the login's PSS check on a card
# that signs PSS (issue 16), else C_Sign (CKR_DEVICE_ERROR).
tap_ok "forged pair: the card's first signature does not verify under the cached key, the file goes" \
    sh -c "grep -q 'C_Sign = 0x00000030' '$W/sign-1.log' ||
           grep -q 'cache: removed the file of EF 000A' '$W/sign-1.log'"
tap_ok "and the very next call (pkcs11-tool's retry) gives a signature that verifies with the card's certificate" \
    test "$first" = 0
tap_ok "the forged leaf is no longer in the cache" sh -c "! cmp -s '$C/$K-000a.der' '$F/leaf.der'"
sign_auth 2; second=$?
tap_ok "a new process signs at once, with the card's certificate" \
    sh -c "test $second = 0 && ! grep -q 'C_Sign = 0x00000030' '$W/sign-2.log'"
restore

# --- symlinks on the way to the cache are not followed -------------------
# A warm cache behind a link is not used, and nothing is written through one.
mkdir -m 700 "$W/real-xdg" "$W/real-home" "$W/real-home/.cache"
cp -a "$C" "$W/real-xdg/"; cp -a "$C" "$W/real-home/.cache/"
ln -s "$W/real-xdg" "$W/xdg-link"; ln -s "$W/real-home" "$W/home-link"
auth_read xdg XDG_CACHE_HOME="$W/xdg-link"
tap_ok "XDG_CACHE_HOME a symlink: the cache behind it is not used" from_card xdg
auth_read home -u XDG_CACHE_HOME HOME="$W/home-link"
tap_ok "HOME a symlink (no XDG_CACHE_HOME): the cache behind it is not used" from_card home
rm -f "$W/real-xdg/jpki-pkcs11/"* "$W/real-home/.cache/jpki-pkcs11/"*
auth_read xdg2 XDG_CACHE_HOME="$W/xdg-link"
auth_read home2 -u XDG_CACHE_HOME HOME="$W/home-link"
tap_is "$(ls "$W/real-xdg/jpki-pkcs11" "$W/real-home/.cache/jpki-pkcs11" | grep -c der)" 0 \
    "nothing written through either symlink"

# --- root and a cache path another user owns ------------------------------
if [ "$(id -u)" = 0 ]; then
    mkdir -m 755 "$W/alice" "$W/bob-cache"
    mkdir -p -m 700 "$W/alice/.cache/jpki-pkcs11"
    cp -a "$C/." "$W/alice/.cache/jpki-pkcs11/"
    chown 65534:65534 "$W/alice" "$W/bob-cache"
    auth_read alice -u XDG_CACHE_HOME HOME="$W/alice"
    tap_ok "root, HOME owned by another user: a cache of root's own in it is not used" from_card alice
    rm -rf "$W/alice/.cache"
    auth_read alice2 -u XDG_CACHE_HOME HOME="$W/alice"
    tap_ok "nor is one made there" test ! -e "$W/alice/.cache"
    auth_read bob XDG_CACHE_HOME="$W/bob-cache"
    tap_ok "root, XDG_CACHE_HOME owned by another user: nothing written there" \
        test ! -e "$W/bob-cache/jpki-pkcs11"
else
    tap_result 0 "# SKIP root with another user's HOME: not root"
fi

# --- another card never gets this card's certificates --------------------
# Planted first: files of a card whose auth certificate has expired, of one
# still valid, a CA file whose card has no auth certificate file, and a file
# that is not the cache's. The new card's first write removes the first two
# kinds only.
mkdir -p "$W/ca" && : > "$W/ca/index.txt" && echo 01 > "$W/ca/serial"
printf '[ca]\ndefault_ca=d\n[d]\ndatabase=%s\nserial=%s\nnew_certs_dir=%s\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n' \
    "$W/ca/index.txt" "$W/ca/serial" "$W/ca" > "$W/ca/ca.cnf"
openssl req -new -newkey rsa:2048 -nodes -keyout "$W/ca/k.pem" -subj /CN=expired -out "$W/ca/r.csr" 2>/dev/null
openssl ca -batch -config "$W/ca/ca.cnf" -selfsign -keyfile "$W/ca/k.pem" -in "$W/ca/r.csr" \
    -startdate 20200101000000Z -enddate 20210101000000Z -out "$W/expired.pem" 2>/dev/null
openssl x509 -in "$W/expired.pem" -outform DER -out "$W/expired.der"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/ca/live.key" -subj /CN=live -days 30 \
    -outform DER -out "$W/live.der" 2>/dev/null
# A card's files are named by the SHA-256 of its auth certificate's first 64 bytes.
live_key=$(head -c 64 "$W/live.der" | sha256sum | cut -d' ' -f1)
old_key=$(printf '%064d' 1) renamed_key=$(printf '%064d' 2) orphan_key=$(printf '%064d' 3)
install -m 600 "$W/expired.der" "$C/$old_key-000a.der"
install -m 600 "$W/auth-ca.der" "$C/$old_key-000b.der"
install -m 600 "$W/live.der" "$C/$live_key-000a.der"
install -m 600 "$W/auth-ca.der" "$C/$live_key-000b.der"
install -m 600 "$W/live.der" "$C/$renamed_key-000a.der"
printf 'yes\n' > "$C/$renamed_key-pss"; chmod 600 "$C/$renamed_key-pss"
install -m 600 "$W/sign-ca.der" "$C/$orphan_key-0002.der"
echo "mine" > "$C/notes.txt"
cp "$W/auth-cert.der" "$W/card1-auth.der"
cache_holds() { for f in "$C"/*-000a.der; do cmp -s "$f" "$1" && return 0; done; return 1; }
rig_card_stop
old_card="$RIG_CARD_DIR"
RIG_CARD_DIR="$RIG_DIR/card2"
"$JPKI_VCARD" --state "$RIG_CARD_DIR" --init-only >>"$RIG_DIR/vcard.log" 2>&1
: > "$RIG_APDU_LOG"
rig_card_start
for c in auth-cert auth-ca sign-ca sign-cert; do der "$c"; done
p11 --slot-index 0 --read-object --type cert --id 01 -o "$W/auth-new.der" >/dev/null 2>&1
tap_ok "another card: its own auth certificate" cmp "$W/auth-new.der" "$W/auth-cert.der"
tap_ok "read from the card, not the cache" test "$(reads)" -gt 2
tap_is "$(grep -c 'INS=B0 P1P2=8A00 Lc=0 Le=64 ' "$RIG_APDU_LOG")" 1 \
    "a cache that knows a card: identification asks for 64 bytes first"
tap_is "$(grep -c 'INS=B0 P1P2=0040 Lc=0 Le=192 ' "$RIG_APDU_LOG")" 1 \
    "and for the rest of the first chunk once this card proves unknown"
tap_is "$(ls "$C"/*-000a.der | wc -l | tr -d ' ')" 3 "one auth certificate file per current card (two here, one planted)"
tap_ok "the expired card's files are removed" sh -c "! ls '$C/$old_key'-* 2>/dev/null"
tap_ok "so are the files under a name that is not their certificate's (an older naming)" \
    sh -c "! ls '$C/$renamed_key'-* 2>/dev/null"
tap_ok "so is a CA file without its card's auth certificate" test ! -e "$C/$orphan_key-0002.der"
tap_ok "a current card's files stay" test -e "$C/$live_key-000a.der" -a -e "$C/$live_key-000b.der"
tap_ok "a file that is not the cache's stays" test -e "$C/notes.txt"
tap_ok "card 1's auth certificate file stays" cache_holds "$W/card1-auth.der"
RIG_CARD_DIR="$old_card"

# --- JPKI_PKCS11_CACHE=0 -------------------------------------------------
export XDG_CACHE_HOME="$W/xdg-off"
JPKI_PKCS11_CACHE=0 p11 --slot-index 0 -O > "$W/O4.txt" 2>&1
tap_ok "JPKI_PKCS11_CACHE=0: objects listed" grep -q "User Authentication Certificate CA" "$W/O4.txt"
tap_ok "and nothing written" test ! -e "$XDG_CACHE_HOME"
tap_done

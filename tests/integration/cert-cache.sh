#!/bin/sh
# The disk cache of public certificates, as shipped (on unless
# JPKI_PKCS11_CACHE=0), through pkcs11-tool, ssh-keygen, pcscd and the
# virtual card: what it stores (the auth certificate and the two CA
# certificates, byte for byte as the card holds them; never the sign
# certificate), with which modes, what a warm cache saves on the card's
# side, and that another card, a broken file or JPKI_PKCS11_CACHE=0 send the
# module back to the card.
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
# Each cache file must equal one of the card's public certificates.
only_public() {
    for f in "$C"/*; do
        [ -f "$f" ] || { echo "not a regular file: $f"; return 1; }
        cmp -s "$f" "$W/auth-cert.der" || cmp -s "$f" "$W/auth-ca.der" ||
            cmp -s "$f" "$W/sign-ca.der" || { echo "unexpected: $f"; return 1; }
    done
}
mode() { stat -c %a "$1"; }
cold_card() { rig_card_stop && : > "$RIG_APDU_LOG" && rig_card_start; }
for c in auth-cert auth-ca sign-ca sign-cert; do der "$c"; done

# --- a cold cache fills itself -------------------------------------------
: > "$RIG_APDU_LOG"
p11 --slot-index 0 -O > "$W/O1.txt" 2>&1
cold_apdus=$(apdus)
tap_is "$(ls "$C" | wc -l | tr -d ' ')" 3 "auth token -O: three files in the cache"
tap_ok "each is one of the card's public certificates, byte for byte" only_public
tap_is "$(mode "$C")" 700 "the cache directory is private (0700)"
tap_is "$(mode "$XDG_CACHE_HOME")" 700 "and so is the XDG cache directory it made"
tap_ok "the files are private (0600)" sh -c "test -z \"\$(find '$C' -type f ! -perm 600)\""

# --- a warm cache: the card is only identified ---------------------------
cold_card
p11 --slot-index 0 -O > "$W/O2.txt" 2>&1
tap_ok "the same objects from a warm cache" diff -u "$W/O1.txt" "$W/O2.txt"
warm_apdus=$(apdus)
tap_is "$warm_apdus" 6 "warm: 6 APDUs, identification only (cold: $cold_apdus)"
tap_is "$(reads)" 3 "warm: only identification's three READ BINARYs (EF 0006, EF 0008, the auth certificate's first chunk)"
cold_card
p11 --slot-index 0 --read-object --type cert --id 01 -o "$W/auth-read.der" >/dev/null 2>&1
tap_ok "the auth certificate read from a warm cache is the card's" cmp "$W/auth-read.der" "$W/auth-cert.der"
cold_card
ssh-keygen -D "$JPKI_MODULE" > "$W/ssh.txt" 2>/dev/null
card_pubkey auth > "$W/auth-pub.pem"
ssh-keygen -i -m PKCS8 -f "$W/auth-pub.pem" > "$W/auth.ssh"
tap_ok "ssh-keygen -D from a warm cache lists the card's auth key" grep -qF "$(cut -d' ' -f2 "$W/auth.ssh")" "$W/ssh.txt"
tap_is "$(reads)" 3 "ssh-keygen -D warm: no certificate read"

# --- the sign certificate never reaches the disk -------------------------
cold_card
p11 --slot-index 1 --login --pin ABC123 --read-object --type cert --id 02 -o "$W/sign-read.der" >/dev/null 2>&1
tap_ok "the sign certificate is read after login" cmp "$W/sign-read.der" "$W/sign-cert.der"
tap_is "$(ls "$C" | wc -l | tr -d ' ')" 3 "still three files after the sign certificate was read"
tap_ok "none of them is the sign certificate" only_public
subject=$(openssl x509 -in "$RIG_CARD_DIR/sign-cert.pem" -noout -subject -nameopt sep_multiline,utf8 |
    sed -n 's/^ *CN=//p' | head -n 1)
tap_ok "the holder's name ('$subject') is in no file under the cache" \
    sh -c "test -n '$subject' && ! grep -rqF '$subject' '$XDG_CACHE_HOME'"

# --- a broken file is not used -------------------------------------------
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
old_key=$(printf '%064d' 1) live_key=$(printf '%064d' 2) orphan_key=$(printf '%064d' 3)
install -m 600 "$W/expired.der" "$C/$old_key-000a.der"
install -m 600 "$W/auth-ca.der" "$C/$old_key-000b.der"
install -m 600 "$W/auth-cert.der" "$C/$live_key-000a.der"
install -m 600 "$W/auth-ca.der" "$C/$live_key-000b.der"
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
tap_is "$(ls "$C"/*-000a.der | wc -l | tr -d ' ')" 3 "one auth certificate file per current card (two here, one planted)"
tap_ok "the expired card's files are removed" sh -c "! ls '$C/$old_key'-* 2>/dev/null"
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

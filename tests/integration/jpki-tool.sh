#!/bin/sh
# jpki-tool through pcscd and the virtual card: status, certificates with
# their chain, PIN verification and change counted on the card's side,
# raw and CMS signatures checked by openssl, and the text-assistance AP.
# With other programs on the card (a raw PC/SC client, tests/integration/
# pcsc-apdu): counters read fresh in the transaction of each VERIFY, no key
# left verified after any command, Ctrl-C or error, private output 0600 and
# never written through a symbolic link (issue 13).
# PINs go in on descriptor 3 (--pin-fd 3), one per line, as a script would.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/rig.sh"
TOOL="${JPKI_TOOL:-$top_builddir/tools/jpki-tool/jpki-tool}"
[ -x "$TOOL" ] || { echo "1..0 # SKIP $TOOL is not built"; exit 77; }
rig_start || { echo "Bail out! rig did not start"; exit 1; }
W="$RIG_DIR/work"; mkdir -p "$W"
# English messages whatever the machine's locale; one test asks for Japanese.
LC_ALL=C; export LC_ALL
unset LANG LC_MESSAGES

card_tries() { sed -n "s/^$1_tries=//p" "$RIG_CARD_DIR/pins"; }
card_pin() { sed -n "s/^$1_pin=//p" "$RIG_CARD_DIR/pins"; }
# VERIFYs that carried a PIN (the empty VERIFY of a status query has no Lc).
verifies_sent() { grep -c 'INS=20 .*Lc=[1-9]' "$RIG_APDU_LOG" || true; }
# tool PINS... ARGS: runs the tool with the PINs (one per line) on fd 3.
tool() {
    pins=$1; shift
    printf '%s\n' $pins | "$TOOL" --pin-fd 3 "$@" 3<&0 </dev/null
}
tap_skip() {
    TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP $2"
}
exit_is() { # WANT NAME CMD...: passes when CMD exits with WANT
    want=$1; name=$2; shift 2
    "$@" >"$W/out" 2>"$W/err"; got=$?
    tap_is "$got" "$want" "$name"
    [ "$got" = "$want" ] || sed 's/^/#   /' "$W/err" | tail -n 5
}

# --- status ---------------------------------------------------------------
v0=$(verifies_sent)
"$TOOL" status > "$W/status.txt" 2>&1; rc=$?
tap_is "$rc" 0 "status exits 0"
tap_ok "status names the card" grep -q "^Card: My Number Card (JPKIAPICCTOKEN2)" "$W/status.txt"
tap_ok "status lists the reader with its card" grep -q "Virtual PCD.*: card present" "$W/status.txt"
tap_ok "status: auth PIN 3/3" grep -q "^Auth PIN: 3/3 tries left" "$W/status.txt"
tap_ok "status: sign password 5/5" grep -q "^Sign password: 5/5 tries left" "$W/status.txt"
tap_ok "status: auth certificate validity" grep -q "^Auth certificate: valid from .* days left" "$W/status.txt"
tap_ok "status: what EF 0008 declares" \
    grep -q "^Certificates on the token (EF 0008): Sign certificate present, Auth certificate present" "$W/status.txt"
tap_ok "status: the auth key's type and size" grep -q "^Auth certificate key: RSA 2048 bits$" "$W/status.txt"
if grep -q "^Text-assistance PIN: not on this card" "$W/status.txt"; then
    HAVE_TEXT=
    tap_skip "status: text-assistance PIN 3/3" "the virtual card has no text AP"
else
    HAVE_TEXT=1
    tap_ok "status: text-assistance PIN 3/3" grep -q "^Text-assistance PIN: 3/3 tries left" "$W/status.txt"
fi
tap_is "$(verifies_sent)/$(card_tries auth)/$(card_tries sign)" "$v0/3/5" "status sends no PIN and spends no try"
LC_ALL=ja_JP.UTF-8 "$TOOL" status > "$W/status-ja.txt" 2>&1
tap_ok "status in Japanese" grep -q "^認証用暗証番号: 残り 3/3 回" "$W/status-ja.txt"
tool ABC123 status --sign-pin > "$W/status-sign.txt" 2>&1
tap_ok "status --sign-pin shows the sign certificate" grep -q "^Sign certificate: valid from" "$W/status-sign.txt"
tap_ok "status --sign-pin: the sign key's type and size" grep -q "^Sign certificate key: RSA 2048 bits$" "$W/status-sign.txt"
exit_is 2 "no matching reader: exit 2" "$TOOL" --reader "no such reader" status

# --- certificates -----------------------------------------------------------
openssl x509 -in "$RIG_CARD_DIR/auth-cert.pem" -outform DER -out "$W/auth.card.der"
for c in auth-ca sign-ca; do
    openssl x509 -in "$RIG_CARD_DIR/$c.pem" -outform DER -out "$W/$c.card.der"
done
"$TOOL" cert auth --der -o "$W/auth.der" 2> "$W/cert.err"; rc=$?
tap_is "$rc" 0 "cert auth --der exits 0"
tap_ok "cert auth --der is the card's auth certificate" cmp "$W/auth.der" "$W/auth.card.der"
tap_ok "cert auth: chain ok" grep -q "^Certificate chain: ok" "$W/cert.err"
"$TOOL" cert auth > "$W/auth.pem" 2>/dev/null
openssl x509 -in "$W/auth.pem" -outform DER -out "$W/auth.pem.der" 2>/dev/null
tap_ok "cert auth writes PEM to stdout by default" cmp "$W/auth.pem.der" "$W/auth.card.der"
for c in auth-ca sign-ca; do
    "$TOOL" cert "$c" --der -o "$W/$c.der" 2>/dev/null
    tap_ok "cert $c is the card's" cmp "$W/$c.der" "$W/$c.card.der"
done
openssl x509 -in "$RIG_CARD_DIR/sign-cert.pem" -outform DER -out "$W/sign.card.der"
v0=$(verifies_sent)
tool ABC123 cert sign --der -o "$W/sign.der" 2> "$W/cert-sign.err"; rc=$?
tap_is "$rc" 0 "cert sign with the sign password exits 0"
tap_ok "cert sign is the card's sign certificate" cmp "$W/sign.der" "$W/sign.card.der"
tap_ok "cert sign: chain ok" grep -q "^Certificate chain: ok" "$W/cert-sign.err"
tap_is "$(verifies_sent)" "$((v0 + 1))" "cert sign: exactly one VERIFY"
exit_is 3 "cert sign with a wrong password: exit 3" tool WRONG1 cert sign -o "$W/nothing"
tap_is "$(card_tries sign)" 4 "the wrong password cost one try"
tap_fails "and nothing was written" test -s "$W/nothing"

# --- verify-pin ---------------------------------------------------------------
exit_is 0 "verify-pin sign with the right password: exit 0" tool abc123 verify-pin sign
tap_is "$(card_tries sign)" 5 "a right (lower-case) password restores the counter"
exit_is 3 "verify-pin auth with a wrong PIN: exit 3" tool 9999 verify-pin auth
tap_is "$(card_tries auth)" 2 "the card's counter went down"
tool 9998 verify-pin auth >/dev/null 2>&1
tap_is "$(card_tries auth)" 1 "a second wrong PIN: one try left"
v0=$(verifies_sent)
exit_is 4 "last try, not confirmed: exit 4" tool "n 1234" verify-pin auth
tap_is "$(card_tries auth)/$(verifies_sent)" "1/$v0" "not confirmed: nothing sent"
exit_is 0 "last try, confirmed with y, right PIN: exit 0" tool "y 1234" verify-pin auth
tap_ok "it says so" grep -q "^Auth PIN correct: 3/3 tries left" "$W/out"
tap_is "$(card_tries auth)" 3 "the right PIN restored the counter"

# --- malformed PINs never reach the card -------------------------------------
v0=$(verifies_sent)
for bad in 123 12345 12a4 "" ; do
    tool "$bad" verify-pin auth >/dev/null 2>&1
done
for bad in ABC12 ABC-123 ABCDEFGHIJ1234567; do
    tool "$bad" verify-pin sign >/dev/null 2>&1
done
tap_is "$(card_tries auth)/$(card_tries sign)/$(verifies_sent)" "3/5/$v0" \
    "malformed PINs never reach the card"
exit_is 3 "a malformed PIN: exit 3" tool 12a4 verify-pin auth

# --- change-pin -----------------------------------------------------------------
exit_is 0 "change-pin auth 1234 -> 5678" tool "1234 5678 5678" change-pin auth
tap_is "$(card_pin auth)/$(card_tries auth)" "5678/3" "the card holds the new PIN, counter intact"
exit_is 0 "verify-pin auth with the new PIN" tool 5678 verify-pin auth
exit_is 0 "change-pin auth back to 1234" tool "5678 1234 1234" change-pin auth
tap_is "$(card_pin auth)/$(card_tries auth)" "1234/3" "back to 1234, counter intact"
v0=$(verifies_sent)
exit_is 3 "change-pin with two different new PINs: exit 3" tool "1234 5678 5679" change-pin auth
exit_is 3 "a new sign password without a digit: exit 3" tool "ABC123 ABCDEF ABCDEF" change-pin sign
tap_is "$(verifies_sent)/$(card_pin auth)/$(card_pin sign)" "$v0/1234/ABC123" \
    "refused changes send nothing"

# --- signatures -----------------------------------------------------------------
head -c 5000 /dev/urandom > "$W/data"
for k in "auth 1234" "sign ABC123"; do
    set -- $k
    openssl x509 -in "$RIG_CARD_DIR/$1-cert.pem" -pubkey -noout > "$W/$1.pub"
    rm -f "$W/$1.sig" "$W/$1.p7s"
    exit_is 0 "sign --key $1: exit 0" tool "$2" sign --key "$1" -i "$W/data" -o "$W/$1.sig"
    tap_ok "sign --key $1: openssl dgst -sha256 verifies" \
        openssl dgst -sha256 -verify "$W/$1.pub" -signature "$W/$1.sig" "$W/data"
    exit_is 0 "sign --key $1 --cms: exit 0" tool "$2" sign --key "$1" --cms -i "$W/data" -o "$W/$1.p7s"
    tap_ok "sign --key $1 --cms: openssl cms -verify accepts it" \
        openssl cms -verify -binary -inform DER -in "$W/$1.p7s" -content "$W/data" \
            -CAfile "$RIG_CARD_DIR/$1-ca.pem" -purpose any -out /dev/null
done
echo "other content" > "$W/other"
tap_fails "the CMS signature does not fit other content" \
    openssl cms -verify -binary -inform DER -in "$W/sign.p7s" -content "$W/other" \
        -CAfile "$RIG_CARD_DIR/sign-ca.pem" -purpose any -out /dev/null
exit_is 1 "sign without -o: exit 1" tool 1234 sign --key auth -i "$W/data"
tap_is "$(card_tries auth)/$(card_tries sign)" "3/5" "every signing PIN was right the first time"

# --- text-assistance AP ---------------------------------------------------------
if [ -n "$HAVE_TEXT" ]; then
    exit_is 0 "basic-info: exit 0" tool 1234 basic-info
    tap_ok "basic-info prints the name" grep -q "^Name: 試験　花子$" "$W/out"
    tap_ok "basic-info prints the address" grep -q "^Address: 東京都清瀬市上清戸一丁目１番１号$" "$W/out"
    tap_ok "basic-info prints the birth date" grep -q "^Date of birth: 1985-04-15$" "$W/out"
    tap_ok "basic-info prints the sex" grep -q "^Sex: female$" "$W/out"
    tap_fails "no individual number without --show-number" grep -Eq "[0-9]{12}" "$W/out"
    exit_is 0 "basic-info --show-number: exit 0" tool 1234 basic-info --show-number
    tap_ok "--show-number prints 12 digits" grep -Eq "^Individual number: [0-9]{12}$" "$W/out"
    number=$(sed -n 's/^Individual number: //p' "$W/out")
    JPKI_PKCS11_DEBUG=3 tool 1234 basic-info --show-number > "$W/dbg.out" 2> "$W/dbg.err"
    tap_ok "the debug log shows APDUs" grep -q "INS\|>" "$W/dbg.err"
    tap_fails "the number is in neither the debug log nor the card's APDU log" \
        grep -q "${number:-no number}" "$W/dbg.err" "$RIG_APDU_LOG"
    exit_is 3 "basic-info with a wrong text PIN: exit 3" tool 9999 basic-info
    "$TOOL" status > "$W/status2.txt" 2>&1
    tap_ok "the text PIN counter went down (status 2/3)" grep -q "^Text-assistance PIN: 2/3" "$W/status2.txt"
    tap_ok "separate counters: auth still 3/3" grep -q "^Auth PIN: 3/3" "$W/status2.txt"
    v0=$(verifies_sent)
    tool 12a4 basic-info >/dev/null 2>&1
    tap_is "$(verifies_sent)" "$v0" "a malformed text PIN never reaches the card"
    tool 1234 basic-info >/dev/null 2>&1
    "$TOOL" status > "$W/status3.txt" 2>&1
    tap_ok "the right text PIN restores its counter" grep -q "^Text-assistance PIN: 3/3" "$W/status3.txt"
else
    tap_skip "basic-info" "the virtual card has no text AP"
fi

# --- other programs, Ctrl-C, nothing left verified (issue 13) -------------------
# Another program holds a shared connection, as a browser with the module
# does: pcscd then keeps the card powered, so a verified key would stay
# verified for any program that comes next.
APDU_CLIENT="$top_builddir/tests/integration/pcsc-apdu"
hold_card() {
    rm -f "$W/release"
    "$APDU_CLIENT" -h "$W/release" "$RIG_READER" >"$W/holder.out" 2>&1 &
    HOLDER=$!
    i=0; while [ $i -lt 100 ] && ! grep -q "^holding" "$W/holder.out"; do sleep 0.05; i=$((i + 1)); done
}
release_card() {
    touch "$W/release"; wait "$HOLDER" 2>/dev/null; HOLDER=
}
# COMPUTE DIGITAL SIGNATURE by SFI with each key, nothing selected first
# (protocol §4.1), over a SHA-256 DigestInfo: 69 82 unless the key is verified.
DI="3031300D060960864801650304020105000420$(printf '%064d' 0)"
unverified() {
    "$APDU_CLIENT" "$RIG_READER" "802A009733${DI}00=6982" "802A009A33${DI}00=6982" \
        >"$W/apdu.out" 2>&1 || { sed 's/^/#   /' "$W/apdu.out" | cut -c1-120; return 1; }
}
log_mark() { wc -l < "$RIG_APDU_LOG"; }
# wait_log MARK REGEX: up to 10 s for a line matching REGEX after line MARK.
wait_log() {
    i=0
    while [ $i -lt 200 ]; do
        tail -n +$(($1 + 1)) "$RIG_APDU_LOG" | grep -q "$2" && return 0
        sleep 0.05; i=$((i + 1))
    done
    return 1
}
# fresh_counters MARK: after line MARK of the card's log there is a VERIFY
# with a PIN, and each comes right after the empty VERIFY (counter read) of
# the same PIN (same P1 P2).
fresh_counters() {
    tail -n +$(($1 + 1)) "$RIG_APDU_LOG" | awk '
        / INS=20 / { p = $0; sub(/.*P1P2=/, "", p); sub(/ .*/, "", p)
                     lc = $0; sub(/.*Lc=/, "", lc); sub(/ .*/, "", lc)
                     if (lc + 0 > 0) { n++; if (!(prev_lc == "0" && prev_p == p)) bad++ }
                     prev_p = p; prev_lc = lc }
        END { exit (bad > 0 || n == 0) }'
}
# same_transaction FILE: in jpki-tool's debug log, every VERIFY with a PIN
# follows the empty VERIFY of that PIN inside one card transaction.
same_transaction() {
    awk '
        /card transaction begins/ { tx = 1; split("", seen); next }
        /card transaction ends/ { tx = 0; next }
        /APDU > 00 20 00 / { p = $0; sub(/.*APDU > 00 20 00 /, "", p); p = substr(p, 1, 2)
                             if ($0 ~ /redacted/) { n++; if (!tx || !seen[p]) bad++ } else seen[p] = 1 }
        END { exit (bad > 0 || n == 0) }' "$1"
}
# A run whose PINs come through a FIFO, so that the test acts while jpki-tool
# waits at its prompt; SIGINT at its default action (a background job of a
# script starts with it ignored, which jpki-tool respects).
tool_bg() {
    rm -f "$W/pins"; mkfifo "$W/pins"
    env --default-signal=INT "$TOOL" --pin-fd 3 "$@" 3<"$W/pins" </dev/null \
        >"$W/out" 2>"$W/err" &
    BG=$!
    exec 4>"$W/pins"
}
bg_pins() { printf '%s\n' "$@" >&4; }
bg_wait() { exec 4>&-; wait "$BG"; BG_RC=$?; }

trap 'touch "$W/release" 2>/dev/null; rig_stop' EXIT
hold_card
tap_ok "an unused card answers 69 82 to a signature by SFI" unverified
m=$(log_mark)
tool ABC123 verify-pin sign >/dev/null 2>&1
tap_ok "verify-pin sign leaves the card unverified" unverified
tool 1234 verify-pin auth >/dev/null 2>&1
tap_ok "verify-pin auth leaves the card unverified" unverified
tool ABC123 cert sign --der -o "$W/sign2.der" 2>/dev/null
tap_ok "cert sign leaves the card unverified" unverified
tool ABC123 sign --key sign -i "$W/data" -o "$W/s.sig" 2>/dev/null
tap_ok "sign --key sign leaves the card unverified" unverified
tool 1234 sign --key auth --cms -i "$W/data" -o "$W/a.p7s" 2>/dev/null
tap_ok "sign --key auth --cms leaves the card unverified" unverified
tool ABC123 status --sign-pin >/dev/null 2>&1
tap_ok "status --sign-pin leaves the card unverified" unverified
exit_is 0 "change-pin sign ABC123 -> XYZ789" tool "ABC123 XYZ789 XYZ789" change-pin sign
tap_ok "change-pin sign leaves the card unverified" unverified
tool "XYZ789 ABC123 ABC123" change-pin sign >/dev/null 2>&1
tool "1234 5678 5678" change-pin auth >/dev/null 2>&1
tap_ok "change-pin auth leaves the card unverified" unverified
tool "5678 1234 1234" change-pin auth >/dev/null 2>&1
tap_is "$(card_pin auth)/$(card_pin sign)/$(card_tries auth)/$(card_tries sign)" \
    "1234/ABC123/3/5" "PINs changed back, counters full"
exit_is 5 "sign to a full device (the write fails after the signature): exit 5" \
    tool ABC123 sign --key sign -i "$W/data" -o /dev/full
tap_ok "and the card is left unverified (error path)" unverified
v0=$(verifies_sent)
exit_is 1 "sign into a directory that does not exist: exit 1" \
    tool ABC123 sign --key sign -i "$W/data" -o "$W/no/such/dir/x.sig"
tap_is "$(verifies_sent)" "$v0" "refused before the card: no PIN sent"
if [ -n "$HAVE_TEXT" ]; then tool 1234 basic-info >/dev/null 2>&1; fi
tap_ok "every VERIFY came right after the counter read of its PIN" fresh_counters "$m"
printf 'ABC123\n' | JPKI_PKCS11_DEBUG=3 "$TOOL" --pin-fd 3 sign --key sign -i "$W/data" \
    -o "$W/s2.sig" 3<&0 </dev/null >/dev/null 2>"$W/dbg-sign.err"
tap_ok "sign: counter read and VERIFY in one transaction (debug log)" \
    same_transaction "$W/dbg-sign.err"
printf '1234\n5678\n5678\n' | JPKI_PKCS11_DEBUG=3 "$TOOL" --pin-fd 3 change-pin auth \
    3<&0 </dev/null >/dev/null 2>"$W/dbg-change.err"
printf '5678\n1234\n1234\n' | "$TOOL" --pin-fd 3 change-pin auth 3<&0 </dev/null >/dev/null 2>&1
tap_ok "change-pin: counter read and VERIFY in one transaction (debug log)" \
    same_transaction "$W/dbg-change.err"

# Another program reads the other PIN's counter while jpki-tool waits for the
# PIN (as a browser polling token flags does): jpki-tool's VERIFY still
# comes right after a counter read of its own PIN.
m=$(log_mark)
tool_bg verify-pin auth
wait_log "$m" "INS=20 P1P2=0098 Lc=0"
"$APDU_CLIENT" "$RIG_READER" 00A4040C0AD392F000260100000001 00A4020C02001B 00200080=63C5 \
    >/dev/null 2>&1
bg_pins 1234
bg_wait
tap_is "$BG_RC" 0 "verify-pin with another program between prompt and VERIFY: exit 0"
tap_ok "its VERIFY came right after its own counter read" fresh_counters "$m"
tap_ok "and the card is left unverified" unverified

# Another program spends tries while jpki-tool waits for the PIN: the PIN
# would go on the last try, which the holder never agreed to.
m=$(log_mark)
tool_bg verify-pin auth
wait_log "$m" "INS=20 P1P2=0098 Lc=0"
"$APDU_CLIENT" "$RIG_READER" 00A4040C0AD392F000260100000001 00A4020C020018 \
    002000800439393939=63C2 002000800439393938=63C1 >/dev/null 2>&1
m2=$(log_mark)
bg_pins 1234
bg_wait
tap_is "$BG_RC" 4 "tries spent elsewhere while typing: exit 4"
tap_ok "it says the counter changed" grep -q "tries left changed while you were typing (now 1)" "$W/err"
tap_is "$(card_tries auth)/$(tail -n +$((m2 + 1)) "$RIG_APDU_LOG" | grep -c 'INS=20 .*Lc=[1-9]')" \
    "1/0" "no PIN was sent on the last try"
v0=$(verifies_sent)
exit_is 4 "the next run asks before the last try; declined: exit 4" tool "n 1234" verify-pin auth
tap_is "$(card_tries auth)/$(verifies_sent)" "1/$v0" "declined: nothing sent"
exit_is 0 "confirmed, right PIN" tool "y 1234" verify-pin auth
tap_ok "and the card is left unverified" unverified
tap_is "$(card_tries auth)" 3 "counter full again"

# Ctrl-C at the prompt and in the middle of an operation.
m=$(log_mark)
tool_bg verify-pin sign
wait_log "$m" "INS=20 P1P2=009B Lc=0"
sleep 0.3
kill -INT "$BG"
bg_wait
tap_is "$BG_RC" 130 "SIGINT at the PIN prompt: jpki-tool dies of it"
tap_ok "SIGINT at the prompt leaves the card unverified" unverified
tap_is "$(card_tries sign)/$(tail -n +$((m + 1)) "$RIG_APDU_LOG" | grep -c 'INS=20 .*Lc=[1-9]')" \
    "5/0" "SIGINT at the prompt: nothing sent, no try spent"
# The same at a real terminal: echo off while the PIN is typed, back on
# after Ctrl-C, and the process dies of SIGINT.
if command -v python3 >/dev/null 2>&1; then
    python3 - "$TOOL" > "$W/tty.out" 2>&1 <<'PY'
import os, pty, select, signal, sys, termios, time
pid, fd = pty.fork()
if pid == 0:
    signal.signal(signal.SIGINT, signal.SIG_DFL)   # even under a harness that ignores it
    os.execv(sys.argv[1], [sys.argv[1], "verify-pin", "auth"])
seen, t0 = b"", time.time()
while b"Auth PIN" not in seen and time.time() - t0 < 10:
    if select.select([fd], [], [], 0.2)[0]:
        seen += os.read(fd, 1000)
echo_during = termios.tcgetattr(fd)[3] & termios.ECHO
os.write(fd, b"12")
time.sleep(0.2)
os.write(fd, b"\x03")
for _ in range(100):
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
    time.sleep(0.1)
else:
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
echo_after = termios.tcgetattr(fd)[3] & termios.ECHO
print("prompt=%d echo_during=%d echo_after=%d signal=%d" % (b"Auth PIN" in seen,
      bool(echo_during), bool(echo_after), os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0))
PY
    tap_is "$(cat "$W/tty.out")" "prompt=1 echo_during=0 echo_after=1 signal=2" \
        "Ctrl-C at a terminal prompt: echo restored, dies of SIGINT"
    tap_ok "Ctrl-C at a terminal prompt leaves the card unverified" unverified
else
    tap_skip "Ctrl-C at a terminal prompt" "python3 is not installed"
fi
release_card
rig_card_stop
rig_card_start --sign-ms 3000
hold_card
m=$(log_mark)
rm -f "$W/int.sig"
tool_bg sign --key sign -i "$W/data" -o "$W/int.sig"
bg_pins ABC123
wait_log "$m" "INS=2A"
kill -INT "$BG"
bg_wait
tap_is "$BG_RC" 130 "SIGINT during a signature: jpki-tool dies of it"
tap_ok "SIGINT during a signature leaves the card unverified" unverified
tap_fails "and writes no signature" test -e "$W/int.sig"
release_card
rig_card_stop
rig_card_start --latency-ms 300
hold_card
m=$(log_mark)
tool_bg cert sign --der -o "$W/int.der"
bg_pins ABC123
wait_log "$m" "INS=20 P1P2=009B Lc=6"
kill -INT "$BG"
bg_wait
tap_is "$BG_RC" 130 "SIGINT while the sign certificate is read: jpki-tool dies of it"
tap_ok "SIGINT during cert sign leaves the card unverified" unverified
tap_fails "and writes no certificate" test -e "$W/int.der"
release_card
rig_card_stop
rig_card_start

# Private output: mode 0600 even over an existing 0644 file; never through a
# symbolic link (the link's destination stays as it was).
for out in cert-sign cms-sign; do
    echo old > "$W/$out.out"; chmod 0644 "$W/$out.out"
done
tool ABC123 cert sign -o "$W/cert-sign.out" 2>/dev/null
tool ABC123 sign --key sign --cms -i "$W/data" -o "$W/cms-sign.out" 2>/dev/null
tap_is "$(stat -c %a "$W/cert-sign.out")/$(stat -c %a "$W/cms-sign.out")" "600/600" \
    "the sign certificate and a CMS signature with it end up 0600 over a 0644 file"
tap_ok "and the file holds the certificate" grep -q "BEGIN CERTIFICATE" "$W/cert-sign.out"
echo "victim" > "$W/victim"; chmod 0644 "$W/victim"
ln -sf "$W/victim" "$W/link"
v0=$(verifies_sent)
exit_is 1 "cert sign -o a symbolic link: refused (exit 1)" tool ABC123 cert sign -o "$W/link"
tap_is "$(verifies_sent)" "$v0" "refused before the password is sent"
exit_is 1 "cert auth -o a symbolic link: refused (exit 1)" "$TOOL" cert auth -o "$W/link"
tap_is "$(cat "$W/victim")/$(stat -c %a "$W/victim")" "victim/644" "the link's destination is untouched"
tap_ok "the link is still a link" test -L "$W/link"
ln -sf "$W/created-through-link" "$W/dangling"
exit_is 1 "sign --cms -o a dangling link: refused" \
    tool ABC123 sign --key sign --cms -i "$W/data" -o "$W/dangling"
tap_fails "nothing was created where it points" test -e "$W/created-through-link"

# --- a card whose auth CA does not match its auth certificate ------------------
rig_card_stop
cp -r "$RIG_CARD_DIR" "$RIG_DIR/card-bad"
cp "$RIG_DIR/card-bad/sign-ca.pem" "$RIG_DIR/card-bad/auth-ca.pem"
RIG_CARD_DIR="$RIG_DIR/card-bad" rig_card_start
exit_is 6 "cert auth with a broken chain: exit 6" "$TOOL" cert auth --der -o "$W/bad.der"
tap_ok "it says the chain failed" grep -q "^Certificate chain verification FAILED" "$W/err"
tap_ok "and still writes the certificate" cmp "$W/bad.der" "$W/auth.card.der"
rig_card_stop

# --- a card with 3072-bit keys: signatures of the key's size ----------------------
RIG_CARD_DIR="$RIG_DIR/card-3072"
"$JPKI_VCARD" --state "$RIG_CARD_DIR" --init-only --key-bits 3072 >>"$RIG_DIR/vcard.log" 2>&1
rig_card_start --key-bits 3072
for k in "auth 1234" "sign ABC123"; do
    set -- $k
    openssl x509 -in "$RIG_CARD_DIR/$1-cert.pem" -pubkey -noout > "$W/$1-3072.pub"
    exit_is 0 "3072-bit card: sign --key $1: exit 0" tool "$2" sign --key "$1" -i "$W/data" -o "$W/$1-3072.sig"
    tap_is "$(wc -c < "$W/$1-3072.sig" | tr -d ' ')" 384 "3072-bit card: the $1 signature has 384 bytes"
    tap_ok "3072-bit card: sign --key $1: openssl dgst -sha256 verifies" \
        openssl dgst -sha256 -verify "$W/$1-3072.pub" -signature "$W/$1-3072.sig" "$W/data"
    exit_is 0 "3072-bit card: sign --key $1 --cms: exit 0" \
        tool "$2" sign --key "$1" --cms -i "$W/data" -o "$W/$1-3072.p7s"
    tap_ok "3072-bit card: sign --key $1 --cms: openssl cms -verify accepts it" \
        openssl cms -verify -binary -inform DER -in "$W/$1-3072.p7s" -content "$W/data" \
            -CAfile "$RIG_CARD_DIR/$1-ca.pem" -purpose any -out /dev/null
done
rig_card_stop
RIG_CARD_DIR="$RIG_DIR/card"

# --- a smartphone token: no text AP, named as such -------------------------------
rig_card_start --token android
"$TOOL" status > "$W/status-phone.txt" 2>&1
tap_ok "status names the Android token" grep -q "^Card: Android smartphone (JPKIAPGPSETOKEN)" "$W/status-phone.txt"
tap_ok "status: no text AP on a phone" grep -q "^Text-assistance PIN: not on this card" "$W/status-phone.txt"
exit_is 5 "basic-info on a phone: exit 5" tool 1234 basic-info
tap_done

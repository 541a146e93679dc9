#!/bin/sh
# The per-application token view (jpki-pkcs11-tokens.conf(5)) with real
# clients: pkcs11-tool (program "pkcs11-tool") and p11tool through p11-kit
# (program "p11tool") list only the token their line gives them, whether the
# line is in the system file, the user's file or JPKI_PKCS11_TOKENS; a copy
# of pkcs11-tool named like a browser or LibreOffice gets what the shipped
# etc/tokens.conf gives those; the first token pkcs11-tool logs in to under
# the sign view is the sign token (pdfsig's case); jpki-tool view says the
# same as the module does; a broken file is ignored with a log line.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/rig.sh"
. "$top_srcdir/tests/clients.sh"
need pkcs11-tool p11tool p11-kit openssl
JPKI_TOOL="$top_builddir/tools/jpki-tool/jpki-tool"
[ -x "$JPKI_TOOL" ] || { echo "1..0 # SKIP $JPKI_TOOL is not built"; exit 77; }
rig_start || { echo "Bail out! rig did not start"; exit 1; }
W="$RIG_DIR/work"; mkdir -p "$W" "$W/etc" "$W/xdg/jpki-pkcs11" "$W/bin"
export HOME="$W" XDG_CONFIG_HOME="$W/xdg" JPKI_PKCS11_SYSCONF_DIR="$W/etc"
unset JPKI_PKCS11_TOKENS
SYS="$W/etc/tokens.conf"
USR="$W/xdg/jpki-pkcs11/tokens.conf"
AUTH="JPKI (User Authentication PIN)"
SIGN="JPKI (Digital Signature PIN)"

# tokens PROGRAM...: the token labels the client lists, in order, one line.
tokens() {
    "$@" 2>/dev/null | sed -n 's/^ *token label *: *//p; s/^[ \t]*Label: *//p' |
        grep '^JPKI' | paste -sd '|' -
}
# slots: the slot IDs pkcs11-tool -L lists, e.g. "0x0 0x1 0x2 0x3".
slots() {
    pkcs11-tool --module "$JPKI_MODULE" -L 2>/dev/null |
        sed -n 's/^Slot [0-9]* (\(0x[0-9a-f]*\)).*/\1/p' | paste -sd ' ' -
}
p11() { tokens pkcs11-tool --module "$JPKI_MODULE" -L; }

# --- pkcs11-tool, keyed "pkcs11-tool" -------------------------------------
tap_is "$(p11)" "$AUTH|$SIGN" "no file: pkcs11-tool sees both tokens"
tap_is "$(slots)" "0x0 0x1 0x2 0x3" "... in slots 0x0 to 0x3 (two readers)"
printf '# test\npkcs11-tool = sign\n' > "$SYS"
tap_is "$(p11)" "$SIGN" "system file 'pkcs11-tool = sign': the sign token only"
tap_is "$(slots)" "0x1 0x3" "... in its own slots (IDs unchanged)"
tap_fails "... slot 0x0 is not there for it" \
    pkcs11-tool --module "$JPKI_MODULE" --slot 0 -O
printf 'pkcs11-tool = auth\n' > "$USR"
tap_is "$(p11)" "$AUTH" "user file 'pkcs11-tool = auth' wins over the system file"
tap_is "$(slots)" "0x0 0x2" "... slots 0x0 and 0x2"
tap_is "$(JPKI_PKCS11_TOKENS=all p11)" "$AUTH|$SIGN" "JPKI_PKCS11_TOKENS=all wins over both"
tap_is "$(JPKI_PKCS11_TOKENS=sign p11)" "$SIGN" "JPKI_PKCS11_TOKENS=sign"

# pdfsig gives its one password to the first token that needs a login; with
# the sign view that is the sign token: the signature is the sign key's.
head -c 1000 /dev/urandom > "$W/data"
JPKI_PKCS11_TOKENS=sign pkcs11-tool --module "$JPKI_MODULE" --login --pin ABC123 --sign \
    --mechanism SHA256-RSA-PKCS -i "$W/data" -o "$W/sig" >/dev/null 2>&1
openssl x509 -in "$RIG_CARD_DIR/sign-cert.pem" -pubkey -noout > "$W/sign.pub"
tap_ok "sign view: the first token's key is the sign key (openssl verifies)" \
    openssl dgst -sha256 -verify "$W/sign.pub" -signature "$W/sig" "$W/data"

# A broken user file is ignored (the system file decides) and logged.
printf 'pkcs11-tool = auth\npkcs11-tool auth\n' > "$USR"
JPKI_PKCS11_DEBUG="1:$W/module.log" pkcs11-tool --module "$JPKI_MODULE" -L > "$W/L.txt" 2>&1
tap_is "$(tokens cat "$W/L.txt")" "$SIGN" "a broken user file is ignored: the system file decides"
tap_ok "... with a log line" grep -q "$USR:2: expected: PROGRAM = auth|sign|all; file ignored" \
    "$W/module.log"
rm -f "$USR"

# --- p11tool through p11-kit, keyed "p11tool" -----------------------------
p11kit_tokens() { tokens p11kit_ns p11tool --list-tokens; }
printf 'p11tool = auth\n' > "$SYS"
tap_is "$(p11kit_tokens)" "$AUTH" "p11tool (p11-kit): 'p11tool = auth' shows the auth token only"
printf 'p11tool = sign\n' > "$SYS"
tap_is "$(p11kit_tokens)" "$SIGN" "p11tool (p11-kit): 'p11tool = sign' shows the sign token only"
tap_is "$(pkcs11-tool --module "$JPKI_MODULE" -L 2>/dev/null | sed -n 's/^ *token label *: *//p' |
    paste -sd '|' -)" "$AUTH|$SIGN" "... while pkcs11-tool, not named, sees both"

# --- the shipped system file ------------------------------------------------
export JPKI_PKCS11_SYSCONF_DIR="$top_srcdir/etc"
for name in firefox-esr chromium soffice.bin pdfsig; do
    cp "$(command -v pkcs11-tool)" "$W/bin/$name"
done
tap_is "$(tokens "$W/bin/firefox-esr" --module "$JPKI_MODULE" -L)" "$AUTH" \
    "shipped file: a program named firefox-esr sees the auth token only"
tap_is "$(tokens "$W/bin/chromium" --module "$JPKI_MODULE" -L)" "$AUTH" \
    "shipped file: chromium (Debian's /usr/lib/chromium/chromium) the auth token only"
tap_is "$(tokens "$W/bin/soffice.bin" --module "$JPKI_MODULE" -L)" "$SIGN" \
    "shipped file: soffice.bin (LibreOffice) the sign token only"
tap_is "$(tokens "$W/bin/pdfsig" --module "$JPKI_MODULE" -L)" "$SIGN" \
    "shipped file: pdfsig the sign token only"
tap_is "$(p11)" "$AUTH|$SIGN" "shipped file: pkcs11-tool sees both"

# --- jpki-tool view says what the module does -------------------------------
view() { LANG=C "$JPKI_TOOL" view "$@" 2>&1; }
tap_ok "jpki-tool view firefox-esr: auth, from the shipped file" sh -c '
    out=$(LANG=C "$0" view firefox-esr) &&
    echo "$out" | grep -qx "Tokens:  auth (User Authentication only)" &&
    echo "$out" | grep -q "^Decided by: $1/tokens.conf, line [0-9]"' "$JPKI_TOOL" "$top_srcdir/etc"
tap_ok "jpki-tool view /usr/lib/chromium/chromium: auth" sh -c \
    'LANG=C "$0" view /usr/lib/chromium/chromium | grep -qx "Tokens:  auth (User Authentication only)"' \
    "$JPKI_TOOL"
tap_ok "jpki-tool view soffice.bin: sign" sh -c \
    'LANG=C "$0" view soffice.bin | grep -qx "Tokens:  sign (Digital Signature only)"' "$JPKI_TOOL"
tap_ok "jpki-tool view pkcs11-tool: all, the default" sh -c \
    'LANG=C "$0" view pkcs11-tool | grep -qx "Decided by: the default (no setting for this program)"' \
    "$JPKI_TOOL"
printf 'firefox-esr = all\n' > "$USR"
tap_is "$(view firefox-esr | sed -n 's/^Decided by: //p')" "$USR, line 1" \
    "jpki-tool view: the user's file wins, with file and line"
tap_is "$(JPKI_PKCS11_TOKENS=sign view firefox-esr | sed -n 's/^Decided by: //p')" \
    "JPKI_PKCS11_TOKENS in this environment" "jpki-tool view: the environment wins"
printf 'firefox-esr = both\n' > "$USR"
tap_is "$(view firefox-esr | grep '^Ignored')" "Ignored: $USR, line 1: expected: PROGRAM = auth|sign|all" \
    "jpki-tool view: names the ignored file, line and reason"
tap_is "$(tokens "$W/bin/firefox-esr" --module "$JPKI_MODULE" -L)" "$AUTH" \
    "... and the module ignores that file too"
tap_fails "jpki-tool view without a program is a usage error" "$JPKI_TOOL" view
tap_done

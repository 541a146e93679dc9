#!/bin/sh
# Chromium (Debian's, on an Xvfb display, driven with xdotool): a TLS 1.2
# client-certificate login with the card, as a user does it. Chromium reads
# NSS's shared database ~/.pki/nssdb (a private HOME here) where the module
# is registered with modutil, and the policy AutoSelectCertificateForUrls
# picks the client certificate without a dialog; the policy file is
# bind-mounted over /etc/chromium in a private mount namespace, so the
# machine's Chromium is never changed.
# What must hold: exactly one PIN dialog ("Unlock Security Device") appears,
# it takes the auth PIN, the page loads, the server (openssl s_server, TLS 1.2
# only, client certificate required and verified against the card's auth CA)
# saw the card's auth certificate, and no PIN try is spent. The shipped
# tokens.conf gives "chromium" (the processes' executable base name) the auth
# token only, so Chromium never asks for the signature password.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/rig.sh"
. "$top_srcdir/tests/clients.sh"
need chromium Xvfb xdotool xwd modutil certutil openssl setsid timeout
[ -d /etc/chromium ] || { echo "1..0 # SKIP no /etc/chromium to hold the policy"; exit 77; }
rig_start || { echo "Bail out! rig did not start"; exit 1; }
use_shipped_token_view
W="$RIG_DIR/work"; mkdir -p "$W/ca" "$W/home/.pki/nssdb" "$W/etc/policies/managed" "$W/profile" "$W/www"
SHOT="$top_builddir/tests/integration/client-chromium-failure.xwd"
rm -f "$SHOT"
card_tries() { sed -n "s/^$1_tries=//p" "$RIG_CARD_DIR/pins"; }
SERVER_PID=''; XVFB_PID=''; CHROMIUM_PID=''
cleanup() {
    if [ -n "$CHROMIUM_PID" ]; then
        # The browser and its helpers share its process group (setsid).
        kill -TERM -- "-$CHROMIUM_PID" 2>/dev/null
        for _ in $(seq 50); do kill -0 -- "-$CHROMIUM_PID" 2>/dev/null || break; sleep 0.2; done
        kill -KILL -- "-$CHROMIUM_PID" 2>/dev/null
    fi
    [ -z "$XVFB_PID" ] || kill "$XVFB_PID" 2>/dev/null
    [ -z "$SERVER_PID" ] || kill "$SERVER_PID" 2>/dev/null
    rig_stop
}
trap cleanup EXIT

# A throwaway CA and a server certificate for 127.0.0.1.
tls_server_cert "$W/ca" > "$W/ca.log" 2>&1 || { echo "Bail out! could not make the server certificate"; sed 's/^/# /' "$W/ca.log"; exit 1; }

# The server: TLS 1.2 only (the card cannot sign RSA-PSS, which TLS 1.3
# needs), a client certificate required and verified against the card's auth
# CA; it serves a page whose title says it was loaded (-WWW: files from cwd).
PORT=$(rig_free_port)
TITLE="jpki-pkcs11-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
printf '<html><head><title>%s</title></head><body>logged in</body></html>\n' "$TITLE" > "$W/www/index.html"
(cd "$W/www" && exec openssl s_server -accept "127.0.0.1:$PORT" -cert "$W/ca/server.pem" -key "$W/ca/server.key" \
    -Verify 1 -verify_return_error -CAfile "$RIG_CARD_DIR/auth-ca.pem" -tls1_2 -WWW) > "$W/s_server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do grep -q '^ACCEPT' "$W/s_server.log" && break; sleep 0.1; done

# NSS's shared database, as Chromium on Linux reads it: the module, and the
# throwaway server CA trusted.
export HOME="$W/home"
DB="sql:$HOME/.pki/nssdb"
certutil -N -d "$DB" --empty-password
echo | modutil -dbdir "$DB" -add jpki -libfile "$JPKI_MODULE" -force > "$W/modutil.log" 2>&1
certutil -A -d "$DB" -n "throwaway server CA" -t "C,," -i "$W/ca/ca.pem"
# /etc/chromium as it is, plus the policy that picks the client certificate.
cp -R /etc/chromium/. "$W/etc/"
printf '{ "AutoSelectCertificateForUrls": ["{\\"pattern\\": \\"https://127.0.0.1:%s\\", \\"filter\\": {}}"] }\n' \
    "$PORT" > "$W/etc/policies/managed/jpki-pkcs11-test.json"

# A display of our own: Xvfb picks a free number and writes it to fd 5.
Xvfb -displayfd 5 -screen 0 1280x800x24 -nolisten tcp 5> "$W/display" 2> "$W/xvfb.log" &
XVFB_PID=$!
for _ in $(seq 100); do [ -s "$W/display" ] && break; sleep 0.1; done
DISPLAY=":$(cat "$W/display")"; export DISPLAY
unset DBUS_SESSION_BUS_ADDRESS

# Root needs --no-sandbox; English for the dialog's title; the rest keeps
# Chromium quiet and offline.
setsid unshare -m --propagation private sh -c 'mount --bind "$1" /etc/chromium && shift && exec "$@"' sh "$W/etc" \
    chromium --no-sandbox --user-data-dir="$W/profile" --no-first-run --no-default-browser-check \
        --disable-gpu --password-store=basic --disable-background-networking --disable-component-update \
        --disable-sync --lang=en-US --window-position=0,0 --window-size=1200,750 "https://127.0.0.1:$PORT/index.html" \
    > "$W/chromium.log" 2>&1 &
CHROMIUM_PID=$!

# Watch the windows: every new PIN dialog is counted; the first gets the auth
# PIN typed (a click gives it the keyboard: there is no window manager), any
# other is cancelled. Done when the page's title shows, 10 s after a second
# dialog, or after 90 s.
windows_named() { xdotool search --onlyvisible --name "$1" 2>/dev/null; }
type_keys() { for k in "$@"; do xdotool key "$k"; sleep 0.15; done; }
: > "$W/dialogs"
loaded=no
end=$(( $(date +%s) + 90 ))
while [ "$(date +%s)" -lt "$end" ]; do
    for d in $(windows_named '^Unlock Security Device$'); do
        grep -qx "$d" "$W/dialogs" && continue
        echo "$d" >> "$W/dialogs"
        sleep 1   # mapped is not yet ready for keys
        if [ "$(wc -l < "$W/dialogs")" = 1 ]; then
            xdotool mousemove --window "$d" 300 65 click 1; sleep 0.3
            type_keys 1 2 3 4 Return
        else
            xdotool mousemove --window "$d" 300 65 click 1; sleep 0.3
            type_keys Escape
            end=$(( $(date +%s) + 10 ))
        fi
    done
    if [ -n "$(windows_named "^$TITLE - ")" ]; then loaded=yes; break; fi
    kill -0 "$CHROMIUM_PID" 2>/dev/null || break
    sleep 0.5
done
# Late dialogs would count too.
sleep 2
for d in $(windows_named '^Unlock Security Device$'); do grep -qx "$d" "$W/dialogs" || echo "$d" >> "$W/dialogs"; done

# Which processes loaded the module, by executable name (the token view's key).
MODULE_REAL=$(readlink -f "$JPKI_MODULE")
LOADERS=$(for m in /proc/[0-9]*/maps; do
    grep -qF "$MODULE_REAL" "$m" 2>/dev/null && basename "$(readlink "${m%/maps}/exe")"
done | sort -u | tr '\n' ' ')

tap_is "$(wc -l < "$W/dialogs" | tr -d ' ')" 1 "exactly one PIN dialog appears"
tap_is "$loaded" yes "the PIN typed in it is the auth PIN, and the page loads"
tap_is "$LOADERS" "chromium " "the module runs in processes named chromium (the token view's key)"
SUBJECT=$(openssl x509 -in "$RIG_CARD_DIR/auth-cert.pem" -noout -subject | sed 's/^subject=//')
tap_ok "the server verified the card's auth certificate ($SUBJECT)" grep -qxF "depth=0 $SUBJECT" "$W/s_server.log"
other_client_certs() { grep '^depth=0' "$W/s_server.log" | grep -v -xF "depth=0 $SUBJECT"; }
tap_fails "the server saw no other client certificate" other_client_certs
tap_is "$(card_tries auth)/$(card_tries sign)" "3/5" "no PIN try was spent (auth 3, sign 5)"
if [ "$TAP_FAILED" != 0 ]; then
    xwd -root -silent > "$SHOT" 2>/dev/null && echo "# the screen at the end: $SHOT (view with xwud -in)"
    grep -v 'dbus\|^$' "$W/chromium.log" | tail -n 10 | sed 's/^/# chromium: /'
    sed 's/^/# s_server: /' "$W/s_server.log" | tail -n 8
fi
tap_done

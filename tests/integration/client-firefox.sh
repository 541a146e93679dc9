#!/bin/sh
# Firefox ESR (headless): a TLS 1.2 client-certificate login with the auth key
# (FIREFOX_TLS=1.3, client-firefox-tls13.sh: TLS 1.3 with the card's RSA-PSS;
# CLIENT_VCARD_OPTS, client-firefox-android.sh / -iphone.sh: a phone's token).
# The module comes in through the enterprise policy SecurityDevices, as the
# README tells users; the policy file is bind-mounted over Firefox's
# distribution directory in a private mount namespace, so the machine's
# Firefox is never changed. Firefox runs with a throwaway profile (the
# throwaway server CA trusted in its cert9.db, "Select Automatically" for
# client certificates) and is driven over Marionette by apps/marionette.py,
# which logs in to the auth token (headless Firefox cannot show the PIN
# prompt) and loads the page of an `openssl s_server -www -Verify 1`, which
# prints the client certificate it verified against the card's auth CA.
# The prompter records every password prompt: with the shipped tokens.conf
# (firefox-esr sees the auth token only) the auth login is the only one.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/rig.sh"
. "$top_srcdir/tests/clients.sh"
need firefox-esr python3 certutil openssl setsid timeout
FIREFOX_DIR=$(dirname "$(readlink -f "$(command -v firefox-esr)")")
[ -d "$FIREFOX_DIR/distribution" ] || { echo "1..0 # SKIP no $FIREFOX_DIR/distribution to hold the policy"; exit 77; }
rig_start ${CLIENT_VCARD_OPTS:-} || { echo "Bail out! rig did not start"; exit 1; }
use_shipped_token_view   # firefox-esr: the auth token only
check_card_variant
W="$RIG_DIR/work"; mkdir -p "$W/ca" "$W/profile" "$W/dist" "$W/home"
TLS=${FIREFOX_TLS:-1.2}
if [ "$TLS" = 1.3 ]; then
    # NSS reads a token's mechanisms when it loads the module: the card's
    # PSS must be known by then, as after any earlier login (the fact is
    # kept beside the certificate cache, on as shipped).
    export JPKI_PKCS11_CACHE=1 XDG_CACHE_HOME="$W/home/.cache"
    printf '1234\n' | "$top_builddir/tools/jpki-tool/jpki-tool" --pin-fd 3 check-pss 3<&0 </dev/null \
        > "$W/check-pss.txt" 2>&1
    tap_ok "TLS 1.3: jpki-tool check-pss says the card signs RSA-PSS" \
        grep -q 'RSA-PSS (TLS 1.3): yes' "$W/check-pss.txt"
fi
AUTH_TOKEN="JPKI (User Authentication PIN)"
card_tries() { sed -n "s/^$1_tries=//p" "$RIG_CARD_DIR/pins"; }
SERVER_PID=''; FIREFOX_PID=''
cleanup() {
    if [ -n "$FIREFOX_PID" ]; then
        # Firefox and its content processes share its process group (setsid).
        kill -TERM -- "-$FIREFOX_PID" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$FIREFOX_PID" 2>/dev/null || break; sleep 0.2; done
        kill -KILL -- "-$FIREFOX_PID" 2>/dev/null
    fi
    [ -z "$SERVER_PID" ] || kill "$SERVER_PID" 2>/dev/null
    rig_stop
}
trap cleanup EXIT

# A throwaway CA and a server certificate for 127.0.0.1.
tls_server_cert "$W/ca" > "$W/ca.log" 2>&1 || { echo "Bail out! could not make the server certificate"; sed 's/^/# /' "$W/ca.log"; exit 1; }

# The server: TLS 1.2 only (a card that cannot sign RSA-PSS is limited to it),
# or TLS 1.3 only; a client certificate required and verified against the
# card's auth CA.
PORT=$(rig_free_port)
openssl s_server -accept "127.0.0.1:$PORT" -cert "$W/ca/server.pem" -key "$W/ca/server.key" \
    -Verify 1 -verify_return_error -CAfile "$RIG_CARD_DIR/auth-ca.pem" "-tls1_${TLS#1.}" -www \
    > "$W/s_server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do grep -q '^ACCEPT' "$W/s_server.log" && break; sleep 0.1; done

# The profile: the server CA trusted, the client certificate chosen without a
# dialog, TLS 1.2 at most, Marionette on a free port, nothing phoning home.
certutil -N -d "sql:$W/profile" --empty-password
certutil -A -d "sql:$W/profile" -n "throwaway server CA" -t "C,," -i "$W/ca/ca.pem"
MPORT=$(rig_free_port)
cat > "$W/profile/user.js" <<EOF
user_pref("marionette.port", $MPORT);
user_pref("security.default_personal_cert", "Select Automatically");
user_pref("security.tls.version.max", $([ "$TLS" = 1.3 ] && echo 4 || echo 3));
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.startup.page", 0);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);
user_pref("app.update.disabledForTesting", true);
user_pref("network.captive-portal-service.enabled", false);
user_pref("network.connectivity-service.enabled", false);
EOF
# The policy, exactly as doc/firefox-policies.json has it, with the module under test.
cp -R "$FIREFOX_DIR/distribution/." "$W/dist/"
cat > "$W/dist/policies.json" <<EOF
{
  "policies": {
    "SecurityDevices": {
      "Add": { "JPKI (My Number Card)": "$JPKI_MODULE" }
    },
    "DisableAppUpdate": true
  }
}
EOF
# Firefox prefers /etc/firefox/policies/policies.json when it exists: cover it too.
ETC_POLICIES=; [ ! -d /etc/firefox/policies ] || ETC_POLICIES=/etc/firefox/policies

HOME="$W/home" MOZ_CRASHREPORTER_DISABLE=1 \
setsid unshare -m --propagation private sh -c '
    mount --bind "$1" "$2" && { [ -z "$3" ] || mount --bind "$1" "$3"; } && shift 3 && exec "$@"' sh \
    "$W/dist" "$FIREFOX_DIR/distribution" "$ETC_POLICIES" \
    firefox-esr --headless --marionette --remote-allow-system-access --no-remote -profile "$W/profile" \
    > "$W/firefox.log" 2>&1 &
FIREFOX_PID=$!

CN=$(openssl x509 -in "$RIG_CARD_DIR/auth-cert.pem" -noout -subject -nameopt RFC2253 | sed -n 's/.*CN=\([^,]*\).*/\1/p')
MARIONETTE_PIN=1234 MARIONETTE_TIMEOUT=120 timeout 150 \
    python3 "$top_srcdir/tests/integration/apps/marionette.py" "$MPORT" "$AUTH_TOKEN" "https://127.0.0.1:$PORT/" \
    > "$W/page.txt" 2> "$W/marionette.log"
rc=$?
tap_is "$rc" 0 "Firefox loads the module from the policy, logs in to the auth token, loads the page"
if [ "$rc" != 0 ]; then
    sed 's/^/# marionette: /' "$W/marionette.log" | tail -n 20
    tail -n 20 "$W/firefox.log" | sed 's/^/# firefox: /'
fi
sed -n 's/^prompt: /# Firefox asked: /p' "$W/marionette.log"
# The prompts, in order: only the auth token's login, never the sign token's
# password (the client-certificate selection used to ask for it).
sed -n 's/^prompt: //p' "$W/marionette.log" > "$W/prompts"
tap_is "$(wc -l < "$W/prompts" | tr -d ' ')" 1 "Firefox asked for one password"
tap_ok "it was the auth token's PIN" grep -qF "$AUTH_TOKEN" "$W/prompts"
tap_fails "Firefox never asked for the sign token's password" grep -qF "JPKI (Digital Signature PIN)" "$W/prompts"
tap_ok "the SecurityDevices policy registered the module in the profile" grep -qF "library=$JPKI_MODULE" "$W/profile/pkcs11.txt"
tap_ok "the server verified a client certificate" grep -q '^Client certificate' "$W/page.txt"
tap_ok "the client certificate is the card's auth certificate (CN=$CN)" \
    grep -Eq "^ *Subject: .*CN ?= ?$CN\$" "$W/page.txt"
if [ "$TLS" = 1.3 ]; then
    tap_ok "the connection is TLS 1.3" grep -Eq '^ *Protocol *: TLSv1\.3$' "$W/page.txt"
    tap_ok "the card signed with RSA-PSS" grep -q '^Peer signature type: RSA-PSS$' "$W/page.txt"
else
    tap_ok "the connection is TLS 1.2" grep -Eq '^ *Protocol *: TLSv1\.2$' "$W/page.txt"
    tap_ok "the card signed with RSA PKCS#1 v1.5 (the server saw no RSA-PSS)" grep -q '^Peer signature type: RSA$' "$W/page.txt"
fi
tap_is "$(card_tries auth)/$(card_tries sign)" "3/5" "no PIN try was spent (auth 3, sign 5)"
tap_done

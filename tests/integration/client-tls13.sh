#!/bin/sh
# TLS 1.3 client-certificate login with the card (issue 16): `openssl
# s_client -tls1_3` through libp11's pkcs11 engine against `openssl s_server
# -tls1_3 -Verify 1` on 127.0.0.1. TLS 1.3 signs CertificateVerify with
# RSA-PSS only: a card that signs PSS in its own mode completes it with its
# auth certificate; a card without (--no-pss) cannot, lists no PSS
# mechanism, and still logs in over TLS 1.2 with PKCS#1 v1.5.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/rig.sh"
. "$top_srcdir/tests/clients.sh"
need openssl pkcs11-tool timeout
ENGINE=$(find /usr/lib -path '*engines-3/pkcs11.so' 2>/dev/null | head -n 1)
[ -n "$ENGINE" ] || { echo "1..0 # SKIP libengine-pkcs11-openssl is not installed"; exit 77; }
AUTH='pkcs11:token=JPKI%20%28User%20Authentication%20PIN%29;object=User%20Authentication%20Key;type=private;pin-value=1234'
card_tries() { sed -n "s/^$1_tries=//p" "$RIG_CARD_DIR/pins"; }
SERVER_PID=''
cleanup() { [ -z "$SERVER_PID" ] || kill "$SERVER_PID" 2>/dev/null; rig_stop; }
trap cleanup EXIT

start() {
    [ -z "$SERVER_PID" ] || { kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=''; }
    [ -z "${RIG_DIR:-}" ] || rig_stop
    rig_start "$@" || { echo "Bail out! rig did not start"; exit 1; }
    W="$RIG_DIR/work"; mkdir -p "$W/ca"; export HOME="$W"
    # What a card proved is kept beside the certificate cache: on, in the rig.
    export JPKI_PKCS11_CACHE=1 XDG_CACHE_HOME="$W/.cache"
    export PKCS11_MODULE_PATH="$JPKI_MODULE"
    ( cd "$W/ca" &&
      openssl req -x509 -newkey rsa:2048 -nodes -keyout server.key -out server.pem -days 2 \
          -subj "/CN=127.0.0.1" -addext subjectAltName=IP:127.0.0.1 ) > "$W/ca.log" 2>&1 ||
        { echo "Bail out! could not make the server certificate"; exit 1; }
    PORT=$(rig_free_port)
    # The server: a client certificate required, verified against the card's auth CA.
    openssl s_server -accept "127.0.0.1:$PORT" -cert "$W/ca/server.pem" -key "$W/ca/server.key" \
        -Verify 1 -verify_return_error -CAfile "$RIG_CARD_DIR/auth-ca.pem" -www \
        > "$W/s_server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 100); do grep -q '^ACCEPT' "$W/s_server.log" && break; sleep 0.1; done
}
# client VERSION [s_client options]: one GET through the engine; the page in $W/page.txt.
client() {
    v=$1; shift
    printf 'GET / HTTP/1.0\r\n\r\n' | timeout 60 openssl s_client -"$v" -connect "127.0.0.1:$PORT" \
        -engine pkcs11 -keyform engine -key "$AUTH" -cert "$RIG_CARD_DIR/auth-cert.pem" \
        -CAfile "$W/ca/server.pem" -ign_eof "$@" > "$W/page.txt" 2> "$W/client.log"
}

# --- a card that signs PSS ----------------------------------------------------
start
CN=$(openssl x509 -in "$RIG_CARD_DIR/auth-cert.pem" -noout -subject -nameopt RFC2253 | sed -n 's/.*CN=\([^,]*\).*/\1/p')
client tls1_3
tap_ok "TLS 1.3: the server verified a client certificate" grep -q '^Client certificate' "$W/page.txt"
tap_ok "TLS 1.3: it is the card's auth certificate (CN=$CN)" \
    grep -Eq "^ *Subject: .*CN ?= ?$CN\$" "$W/page.txt"
tap_ok "TLS 1.3: the protocol is TLSv1.3" grep -Eq '^ *Protocol *: TLSv1\.3$' "$W/page.txt"
tap_ok "TLS 1.3: the card signed with RSA-PSS" grep -q '^Peer signature type: RSA-PSS$' "$W/page.txt"
tap_is "$(card_tries auth)/$(card_tries sign)" "3/5" "TLS 1.3: no PIN try spent"
pkcs11-tool --module "$JPKI_MODULE" --token-label "JPKI (User Authentication PIN)" -M > "$W/M.txt" 2>&1
tap_ok "the auth token lists RSA-PKCS-PSS since" grep -q 'RSA-PKCS-PSS' "$W/M.txt"
client tls1_3
tap_ok "TLS 1.3 again (the fact remembered): a client certificate verified" \
    grep -q '^Client certificate' "$W/page.txt"

# --- a card without PSS ---------------------------------------------------------
start --no-pss
client tls1_3
tap_fails "--no-pss: TLS 1.3 cannot complete with the card" grep -q '^Client certificate' "$W/page.txt"
pkcs11-tool --module "$JPKI_MODULE" --token-label "JPKI (User Authentication PIN)" -M > "$W/M.txt" 2>&1
tap_fails "--no-pss: no PSS mechanism listed" grep -q 'PSS' "$W/M.txt"
# TLS 1.2 with PKCS#1 v1.5 signature algorithms (what a client without PSS offers).
client tls1_2 -sigalgs 'RSA+SHA256:RSA+SHA384'
tap_ok "--no-pss: TLS 1.2 logs in with the card's auth certificate" \
    grep -Eq "^ *Subject: .*CN ?= ?[A-Z0-9]+\$" "$W/page.txt"
tap_ok "--no-pss: TLS 1.2 with RSA PKCS#1 v1.5" grep -q '^Peer signature type: RSA$' "$W/page.txt"
tap_is "$(card_tries auth)/$(card_tries sign)" "3/5" "--no-pss: no PIN try spent"
tap_done

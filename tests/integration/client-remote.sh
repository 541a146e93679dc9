#!/bin/sh
# Remote use: `p11-kit server` exposes the tokens on a Unix socket and a
# client through p11-kit-client.so signs with the auth key, as a user who
# forwards the card to a remote host with `ssh -R` would.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/rig.sh"
. "$top_srcdir/tests/clients.sh"
need p11-kit pkcs11-tool
CLIENT="$P11_MODULE_DIR/p11-kit-client.so"
[ -e "$CLIENT" ] || { echo "1..0 # SKIP p11-kit-client.so (p11-kit-modules) is not installed"; exit 77; }
rig_start || { echo "Bail out! rig did not start"; exit 1; }
W="$RIG_DIR/work"; mkdir -p "$W"

SOCK="$W/p11-kit.sock"
p11-kit server -f --provider "$JPKI_MODULE" -n "$SOCK" 'pkcs11:manufacturer=JPKI' > "$W/server.log" 2>&1 &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null; rig_stop' EXIT
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
export P11_KIT_SERVER_ADDRESS="unix:path=$SOCK"

pkcs11-tool --module "$CLIENT" -L > "$W/L.txt" 2>&1
tap_ok "the client sees the auth token through the socket" grep -q "JPKI (User Authentication PIN)" "$W/L.txt"
tap_ok "and the sign token" grep -q "JPKI (Digital Signature PIN)" "$W/L.txt"
echo "remote $(date)" > "$W/msg"
pkcs11-tool --module "$CLIENT" --token-label "JPKI (User Authentication PIN)" --login --pin 1234 \
    --sign --mechanism SHA256-RSA-PKCS --id 01 -i "$W/msg" -o "$W/sig" > "$W/sign.log" 2>&1
card_pubkey auth > "$W/auth.pub"
tap_ok "a remote signature with the auth key verifies" \
    openssl dgst -sha256 -verify "$W/auth.pub" -signature "$W/sig" "$W/msg"
tap_done

#!/bin/sh
# C_WaitForSlotEvent(CKF_DONT_BLOCK) through p11-kit-proxy.so (how GnuTLS and
# p11-kit clients see slot events), with a private p11-kit configuration
# holding only our module (clients.sh p11kit_ns): CKR_NO_EVENT while nothing
# happens, the slots after the card is pulled, never a hang.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/rig.sh"
. "$top_srcdir/tests/clients.sh"
PROG="$top_builddir/tests/proxy/proxy-wait"
PROXY=${P11_KIT_PROXY:-$(pkg-config --variable=proxy_module p11-kit-1 2>/dev/null)}
[ -n "$PROXY" ] || PROXY=/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so
[ -e "$PROXY" ] || { echo "1..0 # SKIP p11-kit-proxy.so is not installed"; exit 77; }
[ -x "$PROG" ] || { echo "1..0 # SKIP $PROG is not built"; exit 77; }
rig_start || { echo "Bail out! rig did not start"; exit 1; }
SYNC_DIR="$RIG_DIR/sync"; mkdir -p "$SYNC_DIR"; export SYNC_DIR
p11kit_ns timeout 90 "$PROG" "$PROXY" > "$RIG_DIR/proxy.tap" 2>&1 &
pid=$!
tap_await "$SYNC_DIR/ready" "$pid" 600 && rig_card_stop >/dev/null 2>&1
touch "$SYNC_DIR/removed"
wait "$pid"
status=$?
tap_relay "$RIG_DIR/proxy.tap"
tap_is "$status" 0 "proxy-wait exit status (124: hung, 142: alarm)"
tap_done

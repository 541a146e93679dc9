#!/bin/sh
# Another program holds the card exclusively (GnuPG's scdaemon does so by
# default) when a client starts, then lets it go; and a program that wants
# the card exclusively while we use it. exclusive-steps.c says what is
# asserted; this script holds and frees the card when asked (steps.h).
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/rig.sh"
PROG="$top_builddir/tests/integration/exclusive-steps"
APDU="$top_builddir/tests/integration/pcsc-apdu"
for p in "$PROG" "$APDU"; do [ -x "$p" ] || { echo "1..0 # SKIP $p is not built"; exit 77; }; done
rig_start || { echo "Bail out! rig did not start"; exit 1; }
STEP_DIR="$RIG_DIR/steps"; mkdir -p "$STEP_DIR"; export STEP_DIR
JPKI_AP=00A4040C0AD392F000260100000001
TEXT_AP=00A4040C0AD3921000310001010408
holding() { grep -q "holding the card" "$RIG_DIR/holder.out"; }

# The holder leaves another application selected, to make it harder.
"$APDU" -x "$STEP_DIR/free" "$RIG_READER" $JPKI_AP $TEXT_AP > "$RIG_DIR/holder.out" 2>&1 &
holder=$!
i=0
while ! holding && [ $i -lt 100 ] && kill -0 "$holder" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
tap_ok "another program holds the card exclusively" holding

timeout 120 "$PROG" > "$RIG_DIR/steps.tap" 2>&1 &
client=$!

tap_await "$STEP_DIR/release" "$client" || tap_result 1 "the client asked for 'release'"
touch "$STEP_DIR/free"
wait "$holder"
tap_is "$?" 0 "the holder let the card go"
touch "$STEP_DIR/release.done"

tap_await "$STEP_DIR/try-exclusive" "$client" || tap_result 1 "the client asked for 'try-exclusive'"
"$APDU" -x "$STEP_DIR/free" "$RIG_READER" $JPKI_AP > "$RIG_DIR/taker.out" 2>&1
tap_is "$?" 3 "while we are connected, another program's exclusive connection is refused"
touch "$STEP_DIR/try-exclusive.done"

wait "$client"
status=$?
tap_relay "$RIG_DIR/steps.tap"
tap_is "$status" 0 "exclusive-steps exit status (124: hung)"
tap_is "$(sed -n 's/^auth_tries=//p;s/^sign_tries=//p' "$RIG_CARD_DIR/pins" | tr '\n' /)" "3/5/" \
    "the card's counters: no PIN try lost"
tap_done

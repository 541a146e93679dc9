#!/bin/sh
# Readers and cards coming and going while one process keeps the module
# initialised (hotplug-steps.c says what is asserted): a second card into
# the rig's second vpcd reader, then a reader plugged in (rig_reader_add),
# pulled out with its card inside and plugged in again, through the real
# pcscd. The steps are done when hotplug-steps asks for them (steps.h).
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/rig.sh"
PROG="$top_builddir/tests/integration/hotplug-steps"
[ -x "$PROG" ] || { echo "1..0 # SKIP $PROG is not built"; exit 77; }
rig_start || { echo "Bail out! rig did not start"; exit 1; }
CARD2_DIR="$RIG_DIR/card2"
STEP_DIR="$RIG_DIR/steps"
mkdir -p "$STEP_DIR"
export CARD2_DIR STEP_DIR
# Card 2 gets its own PKI now, so that its certificate is there to compare.
"$JPKI_VCARD" --state "$CARD2_DIR" --init-only >>"$RIG_DIR/vcard.log" 2>&1 ||
    { echo "Bail out! card 2 has no PKI"; exit 1; }

timeout 300 "$PROG" > "$RIG_DIR/steps.tap" 2>&1 &
client=$!

# serve NAME CMD...: when the client asks for NAME, runs CMD and answers.
serve() {
    step=$1; shift
    tap_await "$STEP_DIR/$step" "$client" || { tap_result 1 "the client asked for '$step'"; return; }
    # In this shell, not in tap_ok's subshell: the rig keeps pcscd's PID.
    if "$@" >>"$RIG_DIR/steps.log" 2>&1; then tap_result 0 "rig: $step"; else
        tap_result 1 "rig: $step"; sed 's/^/#   /' "$RIG_DIR/steps.log"; fi
    touch "$STEP_DIR/$step.done"
}

B="Virtual PCD 00 01"   # vpcd's second reader, port RIG_PORT+1
serve card2-in-reader-b rig_vcard_start two $((RIG_PORT + 1)) "$B" "$CARD2_DIR"
serve card2-out-of-reader-b rig_vcard_stop two "$B"
add_with_card() {
    rig_reader_add "Second PCD" &&
        rig_vcard_start two "$(rig_reader_port "Second PCD")" "Second PCD 00 00" "$CARD2_DIR"
}
serve add-reader add_with_card
serve remove-reader rig_reader_remove "Second PCD"
# Card 2 kept trying to reach its reader: it is in it again at once.
serve add-reader-again rig_reader_add "Second PCD"
wait "$client"
status=$?

tap_relay "$RIG_DIR/steps.tap"
tap_is "$status" 0 "hotplug-steps exit status (124: hung)"
tries() { sed -n "s/^$2_tries=//p" "$1/pins"; }
tap_is "$(tries "$RIG_CARD_DIR" auth)/$(tries "$CARD2_DIR" auth)" "3/3" \
    "no PIN try lost on either card"
tap_done

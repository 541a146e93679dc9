# tests/integration/steps.sh: the script side of steps.h, after tap.sh and
# rig.sh. The client program ($client, started by the script) asks for an
# action by creating $STEP_DIR/NAME and waits for $STEP_DIR/NAME.done.
#   steps_rig PROG     skips unless PROG and pcsc-apdu ($APDU) are built,
#                      starts the rig, makes and exports STEP_DIR
#   answer NAME CMD... when the client asks for NAME, runs CMD (in this
#                      shell: it may print its own test lines) and answers
#   serve NAME CMD...  the same, CMD as the test line "other program: NAME"
#   other APDU[=SW]... pcsc-apdu on the rig's reader: another program
APDU="$top_builddir/tests/integration/pcsc-apdu"
JPKI_AP=00A4040C0AD392F000260100000001

steps_rig() {
    for p in "$1" "$APDU"; do [ -x "$p" ] || { echo "1..0 # SKIP $p is not built"; exit 77; }; done
    rig_start || { echo "Bail out! rig did not start"; exit 1; }
    STEP_DIR="$RIG_DIR/steps"
    mkdir -p "$STEP_DIR"
    export STEP_DIR
}

answer() {
    step=$1; shift
    tap_await "$STEP_DIR/$step" "$client" || { tap_result 1 "the client asked for '$step'"; return; }
    "$@"
    touch "$STEP_DIR/$step.done"
}

serve() {
    serve_step=$1; shift
    answer "$serve_step" tap_ok "other program: $serve_step" "$@"
}

other() { "$APDU" "$RIG_READER" "$@"; }

#!/bin/sh
# The concurrency test (test-stress) on the rig: with CKF_OS_LOCKING_OK, then
# with the application's mutex callbacks. STRESS_WRAPPER (e.g. valgrind
# --tool=helgrind) runs the program under a checker; scripts/check-tsan runs
# this test in a -fsanitize=thread build.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/rig.sh"
PROG="$top_builddir/tests/stress/test-stress"
[ -x "$PROG" ] || { echo "1..0 # SKIP $PROG is not built"; exit 77; }
rig_start || { echo "Bail out! rig did not start"; exit 1; }
for mode in os app; do
    # shellcheck disable=SC2086
    timeout 600 ${STRESS_WRAPPER:-} "$PROG" "$mode" > "$RIG_DIR/$mode.tap" 2>&1
    status=$?
    # Renumber the program's TAP into this script's stream.
    grep -E '^(not )?ok ' "$RIG_DIR/$mode.tap" > "$RIG_DIR/$mode.results"
    while IFS= read -r l; do
        case $l in
            "not ok"*) tap_result 1 "${l#not ok * - }" ;;
            *) tap_result 0 "${l#ok * - }" ;;
        esac
    done < "$RIG_DIR/$mode.results"
    grep -E '^#' "$RIG_DIR/$mode.tap"
    tap_is "$status" 0 "$mode: test-stress exit status"
    [ "$status" = 0 ] || grep -vE '^(not )?ok |^1\.\.' "$RIG_DIR/$mode.tap" | tail -n 30 | sed 's/^/#   /'
done
tap_done

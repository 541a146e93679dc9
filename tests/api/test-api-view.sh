#!/bin/sh
# test-api-view.sh: the per-application token view
# (jpki-pkcs11-tokens.conf(5)) at the API: test-api-view under the test
# rig, with the card pulled out and put back on cue for the slot-event part
# (JPKI_API_SYNC files).
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$(pwd)}"
TEST_VIEW="$top_builddir/tests/api/test-api-view"
[ -x "$TEST_VIEW" ] || { echo "1..0 # SKIP $TEST_VIEW is not built"; exit 77; }
[ -n "${JPKI_MODULE:-}" ] || JPKI_MODULE="$top_builddir/.libs/jpki-pkcs11.so"
export JPKI_MODULE
[ -e "$JPKI_MODULE" ] || { echo "1..0 # SKIP $JPKI_MODULE is not built"; exit 77; }

. "$top_srcdir/tests/rig.sh"
rig_require
rig_start || { echo "1..0 # SKIP the test rig did not start"; exit 99; }

# wait_file PATH: up to 60 s.
wait_file() {
    i=0
    while [ ! -e "$1" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
    [ -e "$1" ]
}

JPKI_VIEW_DIR="$RIG_DIR/view"
JPKI_API_SYNC="$RIG_DIR/sync"
mkdir -p "$JPKI_VIEW_DIR" "$JPKI_API_SYNC"
export JPKI_VIEW_DIR JPKI_API_SYNC
TIMEOUT=""
command -v timeout >/dev/null 2>&1 && TIMEOUT="timeout 300"
$TIMEOUT "$TEST_VIEW" &
pid=$!
# Three views (auth, sign, all): the card out, then back in.
for v in 0 1 2; do
    wait_file "$JPKI_API_SYNC/ready-$v" && rig_card_stop >/dev/null 2>&1
    touch "$JPKI_API_SYNC/removed-$v"
    wait_file "$JPKI_API_SYNC/done-$v" && rig_card_start >/dev/null 2>&1
    touch "$JPKI_API_SYNC/inserted-$v"
done
wait "$pid"

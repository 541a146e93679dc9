#!/bin/sh
# test-api.sh: the API tests twice: without pcscd (PCSCLITE_CSOCK_NAME points
# at a socket that does not exist: no slots, no hang), then through the test
# rig (private pcscd + virtual card), where test-api-card adds the paths that
# need a token and card removal. The TAP streams are merged into one.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$(pwd)}"
TEST_API="$top_builddir/tests/api/test-api"
TEST_CARD="$top_builddir/tests/api/test-api-card"
TEST_FORK="$top_builddir/tests/api/test-fork-pins"
for p in "$TEST_API" "$TEST_CARD" "$TEST_FORK"; do
    [ -x "$p" ] || { echo "1..0 # SKIP $p is not built"; exit 77; }
done
[ -n "${JPKI_MODULE:-}" ] || JPKI_MODULE="$top_builddir/.libs/jpki-pkcs11.so"
export JPKI_MODULE
[ -e "$JPKI_MODULE" ] || { echo "1..0 # SKIP $JPKI_MODULE is not built"; exit 77; }

OUT=$(mktemp "${TMPDIR:-/tmp}/test-api.XXXXXX") || exit 99

# run NAME CMD...: runs one pass, appends its TAP (plan dropped) and a
# result line for its exit status.
run() {
    name=$1; shift
    "$@" > "$OUT.pass" 2>&1
    status=$?
    grep -v '^1\.\.[0-9]' "$OUT.pass" >> "$OUT"
    if [ "$status" = 0 ]; then echo "ok - $name: exit status 0" >> "$OUT"
    else echo "not ok - $name: exit status $status" >> "$OUT"; fi
}

# wait_file PATH: up to 60 s.
wait_file() {
    i=0
    while [ ! -e "$1" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
    [ -e "$1" ]
}

# Pass 3: test-api drives, we pull the card out and put it back on cue.
removal() {
    sync="$RIG_DIR/sync"
    mkdir -p "$sync"
    env JPKI_API_PHASE=removal JPKI_API_SYNC="$sync" $TIMEOUT "$TEST_CARD" > "$OUT.pass" 2>&1 &
    pid=$!
    wait_file "$sync/ready1" && rig_card_stop >/dev/null 2>&1; touch "$sync/removed"
    wait_file "$sync/ready2" && rig_card_start >/dev/null 2>&1; touch "$sync/inserted"
    wait_file "$sync/ready3" && sleep 0.3 && rig_card_stop >/dev/null 2>&1; touch "$sync/removed2"
    wait_file "$sync/ready4" && rig_card_start >/dev/null 2>&1; touch "$sync/inserted2"
    wait_file "$sync/ready5" && rig_pcscd_restart >/dev/null 2>&1; touch "$sync/restarted"
    wait "$pid"
    status=$?
    grep -v '^1\.\.[0-9]' "$OUT.pass" >> "$OUT"
    if [ "$status" = 0 ]; then echo "ok - card removal: exit status 0" >> "$OUT"
    else echo "not ok - card removal: exit status $status" >> "$OUT"; fi
}

TIMEOUT=""
command -v timeout >/dev/null 2>&1 && TIMEOUT="timeout 300"

echo "# pass 1: no pcscd" >> "$OUT"
run "without pcscd" env PCSCLITE_CSOCK_NAME=/nonexistent/jpki-test/pcscd.comm \
    JPKI_API_NO_PCSCD=1 $TIMEOUT "$TEST_API"

echo "# pass 2: virtual card" >> "$OUT"
. "$top_srcdir/tests/rig.sh"
if why=$(rig_require 2>&1); then
    if rig_start; then
        run "misuse with pcscd and a card" $TIMEOUT "$TEST_API"
        run "with the virtual card" $TIMEOUT "$TEST_CARD"
        run "PINs after fork" $TIMEOUT "$TEST_FORK"
        echo "# pass 3: card removal" >> "$OUT"
        removal
    else
        echo "not ok - the test rig did not start" >> "$OUT"
    fi
    rig_stop
else
    echo "ok - with the virtual card # SKIP $(echo "$why" | sed 's/^1\.\.0 # SKIP //')" >> "$OUT"
fi

# One stream: renumber, plan at the end.
awk '
/^(not )?ok/ {
    n++
    if ($1 == "not") { sub(/^not ok( [0-9]+)?/, ""); print "not ok " n $0 }
    else { sub(/^ok( [0-9]+)?/, ""); print "ok " n $0 }
    next
}
{ print }
END { print "1.." n }
' "$OUT"
failed=$(grep -c '^not ok' "$OUT")
rm -f "$OUT" "$OUT.pass"
[ "$failed" = 0 ]

#!/bin/sh
# The Java-style signature (issue 14; SunPKCS11 ignores CKA_ALWAYS_AUTHENTICATE):
# after C_Login(CKU_USER) on the sign token, the first sign-key signature
# needs no context login; the next one does, and none is sent without it.
# "pin-safety-steps java" makes the calls and checks the card's side.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/rig.sh"
PROG="$top_builddir/tests/integration/pin-safety-steps"
[ -x "$PROG" ] || { echo "1..0 # SKIP $PROG is not built"; exit 77; }
rig_start || { echo "Bail out! rig did not start"; exit 1; }
timeout 120 "$PROG" java > "$RIG_DIR/java.tap" 2>&1
status=$?
tap_relay "$RIG_DIR/java.tap"
tap_is "$status" 0 "pin-safety-steps java exit status (124: hung)"
tap_done

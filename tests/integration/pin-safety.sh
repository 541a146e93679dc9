#!/bin/sh
# PIN rules with another program on the card (issue 13, design.md §2):
# pin-safety-steps keeps the module initialised and asks for each action of
# the other program (a raw PC/SC client) when it is ready (steps.h);
# pin-safety-steps.c says what is checked after each. The last steps lock
# the sign PIN of this rig's card (a throwaway state in $RIG_DIR).
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/rig.sh"
. "$top_srcdir/tests/integration/steps.sh"
PROG="$top_builddir/tests/integration/pin-safety-steps"
steps_rig "$PROG"

AUTH_PIN_EF=00A4020C020018
SIGN_PIN_EF=00A4020C02001B
AUTH_1234=002000800431323334
AUTH_WRONG=002000800439393939    # 9999
SIGN_WRONG=00200080065A5A5A5A5A39 # ZZZZZ9
CHANGE_TO_5678=002401800435363738

timeout 300 "$PROG" > "$RIG_DIR/steps.tap" 2>&1 &
client=$!

# fresh_card NAME: when the client asks for NAME, the card is pulled out and
# put back with its PINs and counters as new (the client has finalised).
# Not through tap_ok: the card's PID must stay in this shell for rig_stop.
counters() { sed -n 's/^auth_tries=//p;s/^sign_tries=//p' "$RIG_CARD_DIR/pins" | tr '\n' /; }
card_as_new() {
    rig_card_stop >/dev/null && rig_card_start --reset-pins --auth-pin 1234 --sign-pin ABC123 >/dev/null
    tap_is "$(counters)" "3/5/" "$1: the card is back with full counters"
}
fresh_card() { answer "$1" card_as_new "$1"; }

serve select-ap other $JPKI_AP
fresh_card fresh-card-for-b-auth
serve spend-2-auth-tries other $JPKI_AP $AUTH_PIN_EF $AUTH_WRONG=63C2 $AUTH_WRONG=63C1
fresh_card fresh-card-for-b-sign
serve spend-4-sign-tries other $JPKI_AP $SIGN_PIN_EF \
    $SIGN_WRONG=63C4 $SIGN_WRONG=63C3 $SIGN_WRONG=63C2 $SIGN_WRONG=63C1
# C: the auth PIN changed, then mistyped twice (one try left).
fresh_card fresh-card-for-c
serve change-auth-pin-and-mistype other $JPKI_AP $AUTH_PIN_EF $AUTH_1234 $CHANGE_TO_5678 \
    $AUTH_WRONG=63C2 $AUTH_WRONG=63C1
# D: the auth PIN changed, counter full; the last SELECT leaves nothing
# verified, so our next signature needs its held PIN.
fresh_card fresh-card-for-d
serve change-auth-pin other $JPKI_AP $AUTH_PIN_EF $AUTH_1234 $CHANGE_TO_5678 $JPKI_AP
# E: the sign counter goes down to 4, 1, 0.
fresh_card fresh-card-for-e
serve spend-1-sign-try other $JPKI_AP $SIGN_PIN_EF $SIGN_WRONG=63C4
serve spend-3-sign-tries other $JPKI_AP $SIGN_PIN_EF $SIGN_WRONG=63C3 $SIGN_WRONG=63C2 \
    $SIGN_WRONG=63C1
serve spend-last-sign-try other $JPKI_AP $SIGN_PIN_EF $SIGN_WRONG=63C0
wait "$client"
status=$?

tap_relay "$RIG_DIR/steps.tap"
tap_is "$status" 0 "pin-safety-steps exit status (124: hung)"
tap_is "$(counters)" "3/0/" \
    "the card's counters at the end: auth full, sign spent by the other program only"
tap_done

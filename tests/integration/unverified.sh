#!/bin/sh
# Nothing left verified (issue 13, design.md §2): after each step of
# unverified-steps (see there), a raw PC/SC client that selects nothing
# asks the card for a signature by SFI (80 2A 00 9A sign key / 97 auth key)
# and must be refused. Processes are killed (SIGKILL) at a context login,
# while logged in, during a slow C_Sign and a slow C_Login.
# A raw client (pcsc-apdu -h) keeps a shared connection throughout, as a
# desktop's other PC/SC programs do: without one, pcscd powers the card
# down about a second after its last client leaves, which would clear the
# card's state whatever the module did.
# What pcscd 1.9.9 does when a client dies (found with this rig): it resets
# the card if that client was inside a transaction or connected exclusively;
# it leaves the card as it is if the client only held a shared connection.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/rig.sh"
. "$top_srcdir/tests/integration/steps.sh"
PROG="$top_builddir/tests/integration/unverified-steps"
steps_rig "$PROG"
trap 'touch "$RIG_DIR"/release-*; rig_stop' EXIT

SIGN_PIN_EF=00A4020C02001B
AUTH_PIN_EF=00A4020C020018
SIGN_ABC123=0020008006414243313233
SIGN_XYZ789=002000800658595A373839
CHANGE_TO_XYZ789=002401800658595A373839
CHANGE_TO_ABC123=0024018006414243313233
AUTH_1234=002000800431323334
# A SHA-256 DigestInfo (jpki-protocol.md §4.2), Lc 33, Le 00.
DIGEST_INFO=3031300D060960864801650304020105000420$(printf 'probe' | sha256sum | cut -c1-64)
counters() { sed -n 's/^auth_tries=//p;s/^sign_tries=//p' "$RIG_CARD_DIR/pins" | tr '\n' /; }

holder=0
hold() {      # another client's shared connection, until release
    holder=$((holder + 1))
    "$APDU" -h "$RIG_DIR/release-$holder" "$RIG_READER" > "$RIG_DIR/holder-$holder.out" 2>&1 &
    i=0
    while ! grep -q "holding the card" "$RIG_DIR/holder-$holder.out" && [ $i -lt 100 ]; do
        sleep 0.05; i=$((i + 1))
    done
}
unhold() { touch "$RIG_DIR/release-$holder"; sleep 0.2; }
card_restart() {   # the card out and back (the holder goes with it)
    unhold
    rig_card_stop >/dev/null && rig_card_start "$@" >/dev/null
    hold
}

# The status word a raw client gets for a signature with KEY (sign|auth),
# sending nothing else: no SELECT, which would clear the card's state.
probe_sw() {
    p2=9A; [ "$1" = auth ] && p2=97
    other "802A00${p2}33${DIGEST_INFO}00" 2>/dev/null |
        sed -n 's/.* -> .*\(....\)$/\1/p'
}
# refused KEY WHEN: the card refuses it (69 82 not verified, 6A 82 the AP
# is not even selected, e.g. after a reset).
refused() {
    sw=$(probe_sw "$1")
    case $sw in
        6982|6A82) tap_result 0 "$2: a raw client cannot sign with the $1 key (SW $sw)" ;;
        *) tap_result 1 "$2: a raw client cannot sign with the $1 key"; echo "#   SW '$sw'" ;;
    esac
}

hold
# Controls: the probe signs when the key is verified (also 2 s later, with
# the holder keeping the card powered), and is refused after a SELECT.
for key in sign auth; do
    if [ $key = sign ]; then ef=$SIGN_PIN_EF pin=$SIGN_ABC123; else ef=$AUTH_PIN_EF pin=$AUTH_1234; fi
    tap_ok "control: a raw client VERIFYs the $key PIN" other $JPKI_AP $ef $pin
    tap_is "$(probe_sw $key)" 9000 "control: then another raw client signs with the $key key without SELECT"
    sleep 2
    tap_is "$(probe_sw $key)" 9000 "control: 2 s later too"
    tap_ok "control: a raw client selects the AP" other $JPKI_AP
    tap_is "$(probe_sw $key)" 6982 "control: then the $key key answers 69 82"
done
tap_is "$(counters)" "3/5/" "control: no try spent"

timeout 300 "$PROG" main > "$RIG_DIR/main.tap" 2>&1 &
client=$!
both_refused() { refused sign "$1"; refused auth "$1"; }
answer probe-after-sign-login refused sign "after C_Login(CKU_USER) on the sign token"
answer probe-after-context-login refused sign "after C_SignInit + C_Login(CKU_CONTEXT_SPECIFIC)"
answer probe-after-sign-signature refused sign "after that C_Sign"
answer probe-after-close-at-context-login refused sign "after C_CloseSession at a context login"
serve change-sign-pin other $JPKI_AP $SIGN_PIN_EF $SIGN_ABC123 $CHANGE_TO_XYZ789 $JPKI_AP
answer probe-after-failed-sign refused sign "after a C_Sign whose PIN check failed"
serve restore-sign-pin other $JPKI_AP $SIGN_PIN_EF $SIGN_XYZ789 $CHANGE_TO_ABC123 $JPKI_AP
answer probe-after-auth-logout refused auth "after C_Logout"
answer probe-after-auth-last-session-closed refused auth "after the auth token's last session closed (no C_Logout)"
answer probe-after-finalize both_refused "after C_Finalize (no C_Logout)"
answer other-process-signs tap_ok "another process logs in, signs with both keys, logs out" \
    "$PROG" login-and-sign
answer other-process-signs-again tap_ok "and again" "$PROG" login-and-sign
wait "$client"
tap_is "$?" 0 "unverified-steps main: exit status (124: hung)"
tap_relay "$RIG_DIR/main.tap"

# dlclose of the module without C_Finalize: its destructor.
timeout 60 "$PROG" dlclose > "$RIG_DIR/dlclose.tap" 2>&1 &
client=$!
answer probe-after-dlclose refused auth "after dlclose without C_Finalize"
wait "$client"
tap_is "$?" 0 "unverified-steps dlclose: exit status (124: hung)"
tap_relay "$RIG_DIR/dlclose.tap"

# killed MODE WHEN: runs MODE, SIGKILLs it where it asks for "kill-me".
killed() {
    rm -f "$STEP_DIR/kill-me"
    "$PROG" "$1" > "$RIG_DIR/$1.tap" 2>&1 &
    client=$!
    tap_await "$STEP_DIR/kill-me" "$client" 300 || tap_result 1 "$2: the process got there"
    kill -9 "$client"; wait "$client" 2>/dev/null
    tap_relay "$RIG_DIR/$1.tap"   # what it did before (its logins)
    sleep 0.5
}
killed kill-after-context-login "SIGKILL at a context login"
refused sign "after SIGKILL of a process at its context login (no C_Sign)"
tap_is "$(counters)" "3/5/" "no try spent"
# A sign login's grace (sign_grace.c): the transaction of its VERIFY stays
# open for a moment, the key verified only inside it. Another client waits
# for it, then finds the key un-verified; a process killed inside it dies
# inside a transaction, so pcscd resets the card; a login ended at once
# (1-s grace here) un-verifies then and there, not when the grace runs out.
# timed_refused MS WHEN: the sign probe is refused and answered within MS.
timed_refused() {
    t0=$(date +%s%N)
    sw=$(probe_sw sign)
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    tap_ok "$2: a raw client cannot sign with the sign key (SW $sw), answered in $ms ms (< $1)" \
        sh -c "[ $ms -lt $1 ] && { [ '$sw' = 6982 ] || [ '$sw' = 6A82 ]; }"
}
rm -f "$STEP_DIR/kill-me"
"$PROG" kill-in-sign-grace > "$RIG_DIR/grace.tap" 2>&1 &
client=$!
tap_await "$STEP_DIR/kill-me" "$client" 300 || tap_result 1 "sign grace: the process logged in"
timed_refused 1500 "sign grace: the card comes free within the grace of a sign login"
kill -9 "$client"; wait "$client" 2>/dev/null
tap_relay "$RIG_DIR/grace.tap"
sleep 0.5
mark=$(wc -l < "$RIG_APDU_LOG")
export JPKI_PKCS11_SIGN_GRACE_MS=1000
killed kill-in-sign-grace "SIGKILL inside a sign login's grace"
tap_is "$(tail -n +$((mark + 1)) "$RIG_APDU_LOG" | grep 'INS=' | tail -n 1 | grep -c 'INS=20 P1P2=[0-9A-F]* Lc=6 ')" 1 \
    "SIGKILL inside a sign login's grace: the module's last APDU was its VERIFY (nothing un-verified the key)"
refused sign "after SIGKILL inside a sign login's grace (pcscd reset the card)"
tap_is "$(counters)" "3/5/" "no try spent"
for how in close finalize dlclose; do
    timeout 60 "$PROG" end-in-grace $how > "$RIG_DIR/grace-$how.tap" 2>&1 &
    client=$!
    answer probe-after-end-in-grace timed_refused 700 \
        "sign login, then at once $how (inside the grace, so not the grace's end)"
    wait "$client"
    tap_is "$?" 0 "end-in-grace $how: exit status (124: hung)"
    tap_relay "$RIG_DIR/grace-$how.tap"
done
unset JPKI_PKCS11_SIGN_GRACE_MS
# The auth key of a killed logged-in process: the module can no longer
# act, and pcscd leaves a shared connection's card as it is. What is shown
# here: pcscd powers the card down once its last client has left.
killed kill-logged-in "SIGKILL while logged in"
tap_diag "auth key after SIGKILL of a logged-in process, another client connected: SW $(probe_sw auth)"
unhold
killed kill-logged-in "SIGKILL while logged in, no other client"
sleep 2
refused auth "2 s after SIGKILL of a logged-in process, no other client (pcscd powered the card down)"
hold

# Killed mid-operation: pcscd resets the card when a client dies inside a
# transaction. wait_log PATTERN: waits until a new APDU log line matches.
wait_log() {
    i=0
    while ! tail -n +$((mark + 1)) "$RIG_APDU_LOG" | grep -q "$1" && [ $i -lt 200 ]; do
        sleep 0.05; i=$((i + 1))
    done
}
# mid_kill "MODE [ARG]" PATTERN WHAT WHEN: runs MODE, kills it right after
# the card's log shows PATTERN (WHAT), while the card still works on its answer.
mid_kill() {
    mark=$(wc -l < "$RIG_APDU_LOG")
    "$PROG" $1 > "$RIG_DIR/mid.tap" 2>&1 &
    client=$!
    wait_log "$2"
    kill -9 "$client"; wait "$client" 2>/dev/null
    tap_relay "$RIG_DIR/mid.tap"   # its logins; a line if it was not killed in time
    tap_is "$(tail -n +$((mark + 1)) "$RIG_APDU_LOG" | grep -c "$2")" 1 \
        "$4: killed right after the card got $3"
    sleep 2.5
}
PIN_VERIFY="INS=20 P1P2=[0-9A-F]* Lc=6 "
card_restart --sign-ms 1500
mid_kill kill-during-sign "INS=2A " "the signature command" "during a slow sign-key C_Sign"
refused sign "after SIGKILL during a slow sign-key C_Sign"
tap_is "$(counters)" "3/5/" "after SIGKILL during C_Sign: no try spent"
tap_ok "after SIGKILL during C_Sign, a new process logs in and signs normally" \
    "$PROG" login-and-sign
card_restart --latency-ms 600
mid_kill "kill-during-login ABC123" "$PIN_VERIFY" "the sign PIN" "during a slow C_Login (sign)"
refused sign "after SIGKILL during a slow C_Login (sign)"
tap_is "$(counters)" "3/5/" "after SIGKILL during C_Login: no try spent"
mid_kill "kill-during-login WRONG9" "$PIN_VERIFY" "a wrong sign PIN" \
    "during a slow C_Login with a wrong PIN"
refused sign "after SIGKILL during a slow C_Login with a wrong PIN"
tap_is "$(counters)" "3/4/" "after SIGKILL during that C_Login: only the wrong PIN's own try spent"
tap_ok "after SIGKILL during C_Login, a new process logs in and signs normally" \
    "$PROG" login-and-sign
tap_is "$(counters)" "3/5/" "the card's counters at the end"
unhold
tap_done

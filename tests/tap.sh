# tests/tap.sh: TAP for shell tests.  . "$top_srcdir/tests/tap.sh"
#   tap_ok NAME CMD...     runs CMD, passes when it exits 0 (output to the log)
#   tap_is GOT WANT NAME   passes when the strings are equal
#   tap_done               prints the plan, exits 1 if anything failed
#   tap_await FILE PID [N] waits (N tenths of a second, default 1200) for a
#                          helper program PID to create FILE; fails if it does not
#   tap_relay FILE         the test points a helper program printed to FILE, as ours
TAP_N=0
TAP_FAILED=0
TAP_LOG="${TAP_LOG:-/dev/null}"

tap_result() { # PASS(0/1) NAME
    TAP_N=$((TAP_N + 1))
    if [ "$1" = 0 ]; then echo "ok $TAP_N - $2"; else echo "not ok $TAP_N - $2"; TAP_FAILED=$((TAP_FAILED + 1)); fi
}

tap_ok() {
    name=$1; shift
    if out=$("$@" 2>&1); then tap_result 0 "$name"; else
        tap_result 1 "$name"
        printf '%s\n' "$out" | tail -n 20 | sed 's/^/#   /'
    fi
}

tap_fails() { # NAME CMD...: passes when CMD fails
    name=$1; shift
    if out=$("$@" 2>&1); then tap_result 1 "$name"; printf '%s\n' "$out" | tail -n 5 | sed 's/^/#   /'; else tap_result 0 "$name"; fi
}

tap_is() {
    if [ "$1" = "$2" ]; then tap_result 0 "$3"; else
        tap_result 1 "$3"; echo "#   got:  '$1'"; echo "#   want: '$2'"
    fi
}

tap_diag() { echo "# $*"; }

tap_await() {
    tap_i=0
    while [ ! -e "$1" ] && [ $tap_i -lt "${3:-1200}" ] && kill -0 "$2" 2>/dev/null; do
        sleep 0.1; tap_i=$((tap_i + 1))
    done
    [ -e "$1" ]
}

tap_relay() {
    grep -vE '^1\.\.[0-9]' "$1" > "$1.lines"
    while IFS= read -r tap_l; do
        case $tap_l in
            "not ok"*) tap_result 1 "${tap_l#not ok * - }" ;;
            "ok"*) tap_result 0 "${tap_l#ok * - }" ;;
            *) echo "$tap_l" ;;
        esac
    done < "$1.lines"
}

tap_done() {
    echo "1..$TAP_N"
    [ "$TAP_FAILED" = 0 ]
    exit $?
}

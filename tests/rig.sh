# tests/rig.sh: a private pcscd with one vpcd reader, and the virtual JPKI card.
# A shell library (POSIX sh):
#   . "$top_srcdir/tests/rig.sh"
#   rig_start [jpki-vcard options...]   # pcscd + card; exports PCSCLITE_CSOCK_NAME
#   rig_card_stop / rig_card_start [opts] # pull the card out / put it back
#   rig_pcscd_restart                    # pcscd stopped and started under running clients
#   rig_stop                             # everything down, temporary files gone
# Exports RIG_DIR, RIG_CARD_DIR (the card's state: auth-cert.pem, sign-cert.pem,
# auth-ca.pem, sign-ca.pem, pins), RIG_APDU_LOG, RIG_PORT.
# pcscd 1.9.9 ignores PCSCLITE_CSOCK_NAME (only clients read it), so it runs in
# its own mount namespace with $RIG_DIR/run bound over /run/pcscd; it never
# touches a system pcscd. Needs root (unshare -m), pcscd and the vpcd driver.

: "${top_builddir:=$(pwd)}"
: "${JPKI_VCARD:=$top_builddir/tests/vcard/jpki-vcard}"
RIG_PCSC_WAIT="$top_builddir/tests/pcsc-wait"
RIG_VPCD_LIB="${RIG_VPCD_LIB:-/usr/lib/pcsc/drivers/serial/libifdvpcd.so}"

# Exits 77 (automake's skip) when the rig cannot run on this machine.
rig_require() {
    if [ "$(id -u)" != 0 ]; then echo "1..0 # SKIP the rig needs root (unshare -m)"; exit 77; fi
    for tool in pcscd unshare; do
        command -v "$tool" >/dev/null 2>&1 || { echo "1..0 # SKIP $tool is not installed"; exit 77; }
    done
    [ -e "$RIG_VPCD_LIB" ] || { echo "1..0 # SKIP vsmartcard-vpcd is not installed"; exit 77; }
    [ -x "$JPKI_VCARD" ] || { echo "1..0 # SKIP $JPKI_VCARD is not built"; exit 77; }
}

# A port pair (vpcd listens on port and port+1) that nothing listens on.
rig_free_port() {
    while :; do
        p=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 20000 ))
        if ! ss -ltnH 2>/dev/null | awk '{print $4}' | grep -Eq ":($p|$((p + 1)))\$"; then
            echo "$p"; return
        fi
    done
}

rig_pcscd_start() {
    : > "$RIG_DIR/pcscd.log"
    unshare -m --propagation private sh -c \
        "mkdir -p /run/pcscd && mount --bind '$RIG_DIR/run' /run/pcscd && exec pcscd --foreground -c '$RIG_DIR/conf'" \
        >>"$RIG_DIR/pcscd.log" 2>&1 &
    RIG_PCSCD_PID=$!
    "$RIG_PCSC_WAIT" reader "" 10 || { echo "# pcscd did not come up:"; sed 's/^/# /' "$RIG_DIR/pcscd.log"; return 1; }
}

rig_pcscd_stop() {
    [ -n "${RIG_PCSCD_PID:-}" ] || return 0
    kill "$RIG_PCSCD_PID" 2>/dev/null
    wait "$RIG_PCSCD_PID" 2>/dev/null
    RIG_PCSCD_PID=
    rm -f "$RIG_DIR/run/pcscd.comm" "$RIG_DIR/run/pcscd.pid" "$RIG_DIR/run/pcscd.pub"
}

rig_pcscd_restart() {
    rig_pcscd_stop && rig_pcscd_start && "$RIG_PCSC_WAIT" present "" 10
}

# Starts the card with the options of rig_start plus any given here.
rig_card_start() {
    "$JPKI_VCARD" --state "$RIG_CARD_DIR" --port "$RIG_PORT" --apdu-log "$RIG_APDU_LOG" \
        $RIG_CARD_OPTS "$@" >>"$RIG_DIR/vcard.log" 2>&1 &
    RIG_CARD_PID=$!
    "$RIG_PCSC_WAIT" present "" 20 || { echo "# the card did not appear:"; sed 's/^/# /' "$RIG_DIR/vcard.log"; return 1; }
}

rig_card_stop() {
    [ -n "${RIG_CARD_PID:-}" ] || return 0
    kill "$RIG_CARD_PID" 2>/dev/null
    wait "$RIG_CARD_PID" 2>/dev/null
    RIG_CARD_PID=
    "$RIG_PCSC_WAIT" absent "" 10
}

rig_start() {
    rig_require
    RIG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/jpki-rig.XXXXXX") || return 1
    RIG_CARD_DIR="$RIG_DIR/card"
    RIG_APDU_LOG="$RIG_DIR/apdu.log"
    RIG_PORT=$(rig_free_port)
    RIG_CARD_OPTS="$*"
    mkdir -p "$RIG_DIR/conf" "$RIG_DIR/run"
    printf 'FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:0x%X\nLIBPATH %s\nCHANNELID 0x%X\n' \
        "$RIG_PORT" "$RIG_VPCD_LIB" "$RIG_PORT" > "$RIG_DIR/conf/vpcd"
    PCSCLITE_CSOCK_NAME="$RIG_DIR/run/pcscd.comm"
    export RIG_DIR RIG_CARD_DIR RIG_APDU_LOG RIG_PORT PCSCLITE_CSOCK_NAME
    trap 'rig_stop' EXIT
    trap 'exit 1' INT TERM
    # The card makes its PKI on first start (a few seconds for four RSA keys).
    "$JPKI_VCARD" --state "$RIG_CARD_DIR" --init-only $RIG_CARD_OPTS >>"$RIG_DIR/vcard.log" 2>&1 || {
        echo "# jpki-vcard --init-only failed:"; sed 's/^/# /' "$RIG_DIR/vcard.log"; return 1; }
    rig_pcscd_start || return 1
    rig_card_start
}

rig_stop() {
    rig_card_stop >/dev/null 2>&1
    rig_pcscd_stop
    if [ -n "${RIG_DIR:-}" ] && [ -z "${RIG_KEEP:-}" ]; then rm -rf "$RIG_DIR"; fi
    RIG_DIR=
}

# Counts APDUs in the card's log with the given INS (hex, e.g. 20 for VERIFY).
rig_count_ins() {
    grep -c "INS=$1 " "$RIG_APDU_LOG" 2>/dev/null || true
}

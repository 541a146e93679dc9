# tests/rig.sh: a private pcscd with one vpcd reader, and the virtual JPKI card.
# A shell library (POSIX sh):
#   . "$top_srcdir/tests/rig.sh"
#   rig_start [jpki-vcard options...]   # pcscd + card; exports PCSCLITE_CSOCK_NAME
#   rig_card_stop / rig_card_start [opts] # pull the card out / put it back
#   rig_pcscd_restart                    # pcscd stopped and started under running clients
#   rig_stop                             # everything down, temporary files gone
#   rig_reader_add NAME / rig_reader_remove NAME   # another vpcd reader comes and goes
#   rig_vcard_start KEY PORT READER DIR [opts] / rig_vcard_stop KEY READER  # more cards
# Call those that restart pcscd or start processes in the test's own shell,
# not in $(...) or tap_ok: the PIDs they keep must reach rig_stop.
# Exports RIG_DIR, RIG_CARD_DIR (the card's state: auth-cert.pem, sign-cert.pem,
# auth-ca.pem, sign-ca.pem, pins), RIG_APDU_LOG, RIG_PORT.
# pcscd 1.9.9 ignores PCSCLITE_CSOCK_NAME (only clients read it), so it runs in
# its own mount namespace with $RIG_DIR/run bound over /run/pcscd; it never
# touches a system pcscd. Needs root (unshare -m), pcscd and the vpcd driver.

: "${top_builddir:=$(pwd)}"
: "${JPKI_VCARD:=$top_builddir/tests/vcard/jpki-vcard}"
RIG_PCSC_WAIT="$top_builddir/tests/pcsc-wait"
RIG_VPCD_LIB="${RIG_VPCD_LIB:-/usr/lib/pcsc/drivers/serial/libifdvpcd.so}"
RIG_READER="Virtual PCD 00 00"   # the PC/SC reader the rig's card sits in

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
    rig_pcscd_stop && rig_pcscd_start && "$RIG_PCSC_WAIT" present "$RIG_READER" 10
}

# Starts the card with the options of rig_start plus any given here.
rig_card_start() {
    "$JPKI_VCARD" --state "$RIG_CARD_DIR" --port "$RIG_PORT" --apdu-log "$RIG_APDU_LOG" \
        $RIG_CARD_OPTS "$@" >>"$RIG_DIR/vcard.log" 2>&1 &
    RIG_CARD_PID=$!
    "$RIG_PCSC_WAIT" present "$RIG_READER" 20 || { echo "# the card did not appear:"; sed 's/^/# /' "$RIG_DIR/vcard.log"; return 1; }
}

rig_card_stop() {
    [ -n "${RIG_CARD_PID:-}" ] || return 0
    kill "$RIG_CARD_PID" 2>/dev/null
    wait "$RIG_CARD_PID" 2>/dev/null
    RIG_CARD_PID=
    "$RIG_PCSC_WAIT" absent "$RIG_READER" 10
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
    for rig_f in "${RIG_DIR:-/nonexistent}"/vcard-*.pid; do
        [ -e "$rig_f" ] || continue
        kill "$(cat "$rig_f")" 2>/dev/null
        wait "$(cat "$rig_f")" 2>/dev/null
        rm -f "$rig_f"
    done
    rig_pcscd_stop
    if [ -n "${RIG_DIR:-}" ] && [ -z "${RIG_KEEP:-}" ]; then rm -rf "$RIG_DIR"; fi
    RIG_DIR=
}

# Counts APDUs in the card's log with the given INS (hex, e.g. 20 for VERIFY).
rig_count_ins() {
    grep -c "INS=$1 " "$RIG_APDU_LOG" 2>/dev/null || true
}

# --- more cards, more readers (tests/integration/hotplug.sh) ----------------
# vpcd makes two PC/SC readers per reader.conf entry: "NAME 00 00" listens on
# port P, "NAME 00 01" on P+1 (the rig's card sits in "Virtual PCD 00 00").

# rig_vcard_start KEY PORT READER DIR [opts]: another virtual card with its
# own state DIR (a new PKI on first start) and APDU log ($RIG_DIR/apdu-KEY.log),
# in the reader on vpcd port PORT; waits until the reader READER (a name or
# part of it) shows it.
rig_vcard_start() {
    rig_key=$1 rig_p=$2 rig_r=$3 rig_d=$4
    shift 4
    "$JPKI_VCARD" --state "$rig_d" --port "$rig_p" --apdu-log "$RIG_DIR/apdu-$rig_key.log" "$@" \
        >>"$RIG_DIR/vcard-$rig_key.log" 2>&1 &
    echo $! > "$RIG_DIR/vcard-$rig_key.pid"
    echo "$rig_r" > "$RIG_DIR/vcard-$rig_key.reader"
    "$RIG_PCSC_WAIT" present "$rig_r" 20 || {
        echo "# card $rig_key did not appear in $rig_r:"
        sed 's/^/# /' "$RIG_DIR/vcard-$rig_key.log"
        return 1
    }
}

# rig_vcard_stop KEY READER: that card out; waits until READER shows no card.
rig_vcard_stop() {
    [ -e "$RIG_DIR/vcard-$1.pid" ] || return 0
    rig_pid=$(cat "$RIG_DIR/vcard-$1.pid")
    kill "$rig_pid" 2>/dev/null
    wait "$rig_pid" 2>/dev/null
    rm -f "$RIG_DIR/vcard-$1.pid" "$RIG_DIR/vcard-$1.reader"
    "$RIG_PCSC_WAIT" absent "$2" 10
}

# rig_reader_port NAME: the vpcd port of the reader NAME (rig_reader_add
# picks it once; adding the reader again reuses it, so a card left running
# for it reconnects, like a reader plugged back in with the card inside).
rig_reader_port() {
    sed -n 's/^CHANNELID 0x//p' "$RIG_DIR/readers/$(echo "$1" | tr -c 'A-Za-z0-9\n' _)" |
        { read -r hex && printf '%d\n' "0x$hex"; }
}

# rig_reader_add NAME: a vpcd reader named NAME (PC/SC readers "NAME 00 00"
# and "NAME 00 01") appears in pcscd's reader list.
# rig_reader_remove NAME: it goes again.
# pcscd 1.9.9 as Debian builds it (libudev hot plug) reads reader.conf only
# at start: SIGUSR1 and `pcscd --hotplug` reach it ("Received signal: 10")
# but its hotplug_libudev.c HPReCheckSerialReaders() does nothing. So the
# list of serial readers changes with a pcscd restart: clients see readers
# come and go, and (as with any pcscd restart) their card connections end.
rig_reader_add() {
    rig_conf="$RIG_DIR/readers/$(echo "$1" | tr -c 'A-Za-z0-9\n' _)"
    mkdir -p "$RIG_DIR/readers"
    if [ ! -e "$rig_conf" ]; then
        # vpcd keeps its connections in one static array indexed by slot, so
        # two entries sharing the library would share the cards: each
        # reader gets its own copy (pcscd loads a library once per path).
        cp "$RIG_VPCD_LIB" "$rig_conf.so"
        rig_p=$(rig_free_port)
        printf 'FRIENDLYNAME "%s"\nDEVICENAME /dev/null:0x%X\nLIBPATH %s\nCHANNELID 0x%X\n' \
            "$1" "$rig_p" "$rig_conf.so" "$rig_p" > "$rig_conf"
    fi
    cp "$rig_conf" "$RIG_DIR/conf/reader-${rig_conf##*/}"
    rig_pcscd_stop && rig_pcscd_start && "$RIG_PCSC_WAIT" reader "$1 00 00" 10 && rig_wait_cards
}

rig_reader_remove() {
    rm -f "$RIG_DIR/conf/reader-$(echo "$1" | tr -c 'A-Za-z0-9\n' _)"
    rig_pcscd_stop && rig_pcscd_start && "$RIG_PCSC_WAIT" gone "$1 00 00" 10 && rig_wait_cards
}

# After a pcscd restart: every running card whose reader is listed is back.
rig_wait_cards() {
    if [ -n "${RIG_CARD_PID:-}" ]; then "$RIG_PCSC_WAIT" present "$RIG_READER" 20 || return 1; fi
    for rig_f in "$RIG_DIR"/vcard-*.reader; do
        [ -e "$rig_f" ] || continue
        rig_r=$(cat "$rig_f")
        if "$RIG_PCSC_WAIT" reader "$rig_r" 0; then
            "$RIG_PCSC_WAIT" present "$rig_r" 20 || return 1
        fi
    done
}

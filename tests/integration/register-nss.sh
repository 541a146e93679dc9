#!/bin/sh
# jpki-pkcs11-register puts the module into a user's Firefox and Thunderbird
# NSS databases (found under a fake HOME) so NSS sees both tokens and the
# auth certificate; --unregister takes it out again; a running browser's
# profile is left alone.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/rig.sh"
. "$top_srcdir/tests/clients.sh"
need modutil certutil
REGISTER="$top_builddir/tools/jpki-pkcs11-register"
[ -x "$REGISTER" ] || { echo "1..0 # SKIP $REGISTER is not built"; exit 77; }
rig_start || { echo "Bail out! rig did not start"; exit 1; }
export HOME="$RIG_DIR/home"
FF="$HOME/.mozilla/firefox/abcd1234.default-esr"
TB="$HOME/.thunderbird/wxyz5678.default"
mkdir -p "$FF" "$TB"
printf '[Profile0]\nName=default-esr\nIsRelative=1\nPath=abcd1234.default-esr\n' > "$HOME/.mozilla/firefox/profiles.ini"
certutil -N -d "sql:$FF" --empty-password
certutil -N -d "sql:$TB" --empty-password

tap_ok "register finds and updates both profiles" "$REGISTER" --module "$JPKI_MODULE"
for db in "$FF" "$TB"; do
    modutil -dbdir "sql:$db" -list 2>&1 > "$RIG_DIR/list.txt"
    tap_ok "$(basename "$db"): NSS lists the module" grep -q "JPKI (My Number Card)" "$RIG_DIR/list.txt"
    tap_ok "$(basename "$db"): with the auth token" grep -q "JPKI (User Authentication PIN)" "$RIG_DIR/list.txt"
    certutil -L -d "sql:$db" -h all > "$RIG_DIR/certs.txt" 2>&1
    tap_ok "$(basename "$db"): certutil sees the auth certificate" \
        grep -q "User Authentication Certificate " "$RIG_DIR/certs.txt"
done
tap_ok "registering twice is harmless" "$REGISTER" --module "$JPKI_MODULE"

# A running Firefox holds a lock symlink pointing at a live process.
ln -s "127.0.0.1:+$$" "$FF/lock"
tap_fails "a profile in use is refused" "$REGISTER" --unregister --profile "$FF"
rm -f "$FF/lock"
tap_ok "--unregister removes it" "$REGISTER" --unregister
modutil -dbdir "sql:$FF" -list 2>&1 > "$RIG_DIR/list2.txt"
tap_fails "NSS no longer lists the module" grep -q "JPKI (My Number Card)" "$RIG_DIR/list2.txt"
tap_done

#!/bin/sh
# OpenSSH: ssh-keygen -D prints the auth key; ssh -I logs in to a private
# sshd on 127.0.0.1 with the PIN from SSH_ASKPASS; the same through ssh-agent
# and ssh-add -s (which offers the PIN to both tokens: the sign token must
# refuse it without spending a try).
# CLIENT_VCARD_OPTS: jpki-vcard options for another token kind
# (client-ssh-android.sh, client-ssh-iphone.sh); unset, the 2016 card.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/rig.sh"
. "$top_srcdir/tests/clients.sh"
need ssh ssh-keygen ssh-agent ssh-add
SSHD=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$SSHD" ] || { echo "1..0 # SKIP sshd (openssh-server) is not installed"; exit 77; }
rig_start ${CLIENT_VCARD_OPTS:-} || { echo "Bail out! rig did not start"; exit 1; }
check_card_variant
W="$RIG_DIR/work"; mkdir -p "$W"; chmod 700 "$W"
card_tries() { sed -n "s/^$1_tries=//p" "$RIG_CARD_DIR/pins"; }

ssh-keygen -D "$JPKI_MODULE" > "$W/keys.txt" 2>"$W/keygen.err"
card_pubkey auth > "$W/auth.pub"
ssh-keygen -i -m PKCS8 -f "$W/auth.pub" > "$W/auth.ssh"
AUTH_KEY=$(cut -d' ' -f2 "$W/auth.ssh")
case " ${CLIENT_VCARD_OPTS:-} " in *" --token android "*) ANDROID=1 ;; *) ANDROID= ;; esac
if [ -n "$ANDROID" ]; then
    # Android: the auth certificate (and so the key) needs the PIN, and
    # ssh-keygen -D never logs in: the token shows nothing before login.
    tap_fails "Android: ssh-keygen -D prints no key before login" grep -q "^ssh-" "$W/keys.txt"
else
    tap_ok "ssh-keygen -D prints the auth public key of the certificate" grep -qF "$AUTH_KEY" "$W/keys.txt"
fi

# A private sshd: own config, own host key, high port, only our key allowed.
ssh-keygen -q -t ed25519 -N '' -f "$W/host_key"
cut -d' ' -f1,2 "$W/auth.ssh" > "$W/authorized_keys"
PORT=$(rig_free_port)
cat > "$W/sshd_config" <<EOC
ListenAddress 127.0.0.1
Port $PORT
HostKey $W/host_key
PidFile $W/sshd.pid
AuthorizedKeysFile $W/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin yes
StrictModes no
EOC
mkdir -p /run/sshd
"$SSHD" -D -e -f "$W/sshd_config" 2>"$W/sshd.log" &
SSHD_PID=$!
trap 'kill $SSHD_PID 2>/dev/null; rig_stop' EXIT
for _ in $(seq 50); do ss -ltnH | grep -q "127.0.0.1:$PORT " && break; sleep 0.1; done

printf '#!/bin/sh\necho asked >> "%s/askpass.calls"\necho 1234\n' "$W" > "$W/askpass"; chmod +x "$W/askpass"
export SSH_ASKPASS="$W/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0
SSHOPTS="-F /dev/null -o BatchMode=no -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -p $PORT"
out=$(ssh $SSHOPTS -I "$JPKI_MODULE" root@127.0.0.1 echo logged-in-with-card </dev/null 2>"$W/ssh.log")
tap_is "$out" "logged-in-with-card" "ssh -I jpki-pkcs11.so logs in with the card"
[ "$out" = logged-in-with-card ] || sed 's/^/# ssh: /' "$W/ssh.log" | tail -n 5
# OpenSSH logs in to find keys only when every token shows none: an Android
# token shows nothing before login, so ssh -I asks the PIN.
[ -z "$ANDROID" ] || tap_ok "Android: ssh -I asked the PIN" test -s "$W/askpass.calls"

sign_before=$(card_tries sign)
eval "$(ssh-agent -s -P "$(dirname "$JPKI_MODULE")/*")" >/dev/null
trap 'kill $SSHD_PID 2>/dev/null; ssh-agent -k >/dev/null 2>&1; rig_stop' EXIT
tap_ok "ssh-add -s jpki-pkcs11.so" ssh-add -s "$JPKI_MODULE" </dev/null
tap_ok "ssh-add -l lists the card's key" sh -c 'ssh-add -l | grep -q RSA'
[ -z "$ANDROID" ] ||   # README: where an Android user finds the authorized_keys line
    tap_ok "Android: ssh-add -L shows the auth key after ssh-add -s" sh -c "ssh-add -L | grep -qF '$AUTH_KEY'"
out=$(ssh $SSHOPTS root@127.0.0.1 echo via-agent </dev/null 2>"$W/ssh2.log")
tap_is "$out" "via-agent" "ssh logs in through ssh-agent"
tap_is "$(card_tries sign)" "$sign_before" "the auth PIN offered to the sign token cost no try"
tap_is "$(card_tries auth)" 3 "the auth PIN counter is full"
tap_done

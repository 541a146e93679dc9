#!/bin/sh
# client-ssh.sh with the card's JPKI answering from an Android phone (the auth
# key readable only after login: ssh -I and ssh-add -s log in to find it).
CLIENT_VCARD_OPTS="--token android"
. "$top_srcdir/tests/integration/client-ssh.sh"

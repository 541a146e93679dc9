#!/bin/sh
# client-ssh.sh with the card's JPKI answering from an iPhone (objects as on the card).
CLIENT_VCARD_OPTS="--token iphone"
. "$top_srcdir/tests/integration/client-ssh.sh"

#!/bin/sh
# client-firefox.sh (TLS 1.2) with the card's JPKI answering from an iPhone
# (objects as on the card).
CLIENT_VCARD_OPTS="--token iphone"
. "$top_srcdir/tests/integration/client-firefox.sh"

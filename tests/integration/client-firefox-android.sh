#!/bin/sh
# client-firefox.sh (TLS 1.2) with the card's JPKI answering from an Android
# phone: the auth certificate appears only after the login, so NSS must log in
# to find it.
CLIENT_VCARD_OPTS="--token android"
. "$top_srcdir/tests/integration/client-firefox.sh"

#!/bin/sh
# client-p11kit.sh against a card without the signature certificate (a child's card).
CLIENT_VCARD_OPTS="--no-sign-cert"
. "$top_srcdir/tests/integration/client-p11kit.sh"

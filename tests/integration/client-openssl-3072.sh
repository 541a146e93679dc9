#!/bin/sh
# client-openssl.sh against a card with 3072-bit RSA keys.
CLIENT_VCARD_OPTS="--key-bits 3072"
. "$top_srcdir/tests/integration/client-openssl.sh"

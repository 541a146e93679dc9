#!/bin/sh
# Firefox ESR (headless): a TLS 1.3 client-certificate login with the auth
# key, on a card that signs RSA-PSS in its own mode (issue 16). The same
# scenario as client-firefox.sh, against `openssl s_server -tls1_3`.
FIREFOX_TLS=1.3
export FIREFOX_TLS
. "$top_srcdir/tests/integration/client-firefox.sh"

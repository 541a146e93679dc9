# Integration tests: real pcscd + vpcd + the virtual card + real clients.
INTEGRATION_TESTS = \
	tests/integration/opensc-vcard.sh \
	tests/integration/module-pkcs11-tool.sh \
	tests/integration/cert-cache.sh \
	tests/integration/client-p11kit.sh \
	tests/integration/client-openssl.sh \
	tests/integration/client-ssh.sh \
	tests/integration/client-nss.sh \
	tests/integration/client-remote.sh \
	tests/integration/client-firefox.sh \
	tests/integration/client-libreoffice.sh \
	tests/integration/register-nss.sh \
	tests/integration/jpki-tool.sh \
	tests/integration/hostile-card.sh
TESTS += $(INTEGRATION_TESTS)
dist_check_SCRIPTS += $(INTEGRATION_TESTS)
# Helpers of client-firefox.sh (Marionette) and client-libreoffice.sh (UNO).
EXTRA_DIST += tests/integration/apps/marionette.py \
	tests/integration/apps/lo_pinhandler.py \
	tests/integration/apps/lo_sign.py

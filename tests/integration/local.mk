# Integration tests: real pcscd + vpcd + the virtual card + real clients.
INTEGRATION_TESTS = \
	tests/integration/opensc-vcard.sh \
	tests/integration/module-pkcs11-tool.sh \
	tests/integration/client-p11kit.sh \
	tests/integration/client-openssl.sh \
	tests/integration/client-ssh.sh \
	tests/integration/client-nss.sh \
	tests/integration/client-remote.sh \
	tests/integration/register-nss.sh
TESTS += $(INTEGRATION_TESTS)
dist_check_SCRIPTS += $(INTEGRATION_TESTS)

# Integration tests: real pcscd + vpcd + the virtual card + real clients.
INTEGRATION_TESTS = \
	tests/integration/opensc-vcard.sh \
	tests/integration/module-pkcs11-tool.sh
TESTS += $(INTEGRATION_TESTS)
dist_check_SCRIPTS += $(INTEGRATION_TESTS)

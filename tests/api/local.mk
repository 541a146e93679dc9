# API tests: dlopen the built module and call through its function lists.
# test-api.sh runs test-api without pcscd and with the rig, and test-api-card
# with the rig (twice: everything, then card removal), and test-fork-pins
# with the rig (a forked child keeps no PIN).
check_PROGRAMS += tests/api/test-api tests/api/test-api-card tests/api/test-fork-pins \
	tests/api/test-api-view
tests_api_test_api_SOURCES = tests/api/test-api.c tests/api/api-common.h
tests_api_test_api_LDADD = -ldl $(PTHREAD_LIBS)
tests_api_test_api_card_SOURCES = tests/api/test-api-card.c tests/api/api-common.h
tests_api_test_api_card_LDADD = -ldl $(PCSC_LIBS) $(CRYPTO_LIBS) $(PTHREAD_LIBS)
tests_api_test_fork_pins_SOURCES = tests/api/test-fork-pins.c tests/api/api-common.h
tests_api_test_fork_pins_LDADD = -ldl $(PTHREAD_LIBS)
TESTS += tests/api/test-api.sh
dist_check_SCRIPTS += tests/api/test-api.sh
# The per-application token view (jpki-pkcs11-tokens.conf(5)), with the rig.
tests_api_test_api_view_SOURCES = tests/api/test-api-view.c tests/api/api-common.h
tests_api_test_api_view_LDADD = -ldl $(PTHREAD_LIBS)
TESTS += tests/api/test-api-view.sh
dist_check_SCRIPTS += tests/api/test-api-view.sh

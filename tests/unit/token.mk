# Unit tests of the object model and the mechanisms (certificates made in-process).
check_PROGRAMS += tests/unit/test-token tests/unit/test-mech
tests_unit_test_token_SOURCES = tests/unit/test-token.c
tests_unit_test_token_LDADD = libjpki.la $(PCSC_LIBS) $(CRYPTO_LIBS) $(PTHREAD_LIBS)
tests_unit_test_mech_SOURCES = tests/unit/test-mech.c
tests_unit_test_mech_LDADD = libjpki.la $(PCSC_LIBS) $(CRYPTO_LIBS) $(PTHREAD_LIBS)
TESTS += tests/unit/test-token tests/unit/test-mech

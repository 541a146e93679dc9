# Unit tests of the lower layers on a scripted transport (no pcscd, no card).
check_LTLIBRARIES += tests/unit/libtransport-script.la
tests_unit_libtransport_script_la_SOURCES = tests/unit/transport_script.c tests/unit/transport_script.h

UNIT_LDADD = tests/unit/libtransport-script.la libjpki.la $(PCSC_LIBS) $(CRYPTO_LIBS) $(PTHREAD_LIBS)

check_PROGRAMS += tests/unit/test-errors tests/unit/test-apdu tests/unit/test-log tests/unit/test-jpki tests/unit/test-jpki-sfi \
	tests/unit/test-profile
tests_unit_test_errors_SOURCES = tests/unit/test-errors.c
tests_unit_test_errors_LDADD = $(UNIT_LDADD)
tests_unit_test_apdu_SOURCES = tests/unit/test-apdu.c
tests_unit_test_apdu_LDADD = $(UNIT_LDADD)
tests_unit_test_log_SOURCES = tests/unit/test-log.c
tests_unit_test_log_LDADD = $(UNIT_LDADD)
tests_unit_test_jpki_SOURCES = tests/unit/test-jpki.c tests/unit/jpki-test.h
tests_unit_test_jpki_sfi_SOURCES = tests/unit/test-jpki-sfi.c tests/unit/jpki-test.h
tests_unit_test_jpki_sfi_LDADD = $(UNIT_LDADD)
tests_unit_test_jpki_LDADD = $(UNIT_LDADD)
tests_unit_test_profile_SOURCES = tests/unit/test-profile.c
tests_unit_test_profile_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test-errors tests/unit/test-apdu tests/unit/test-log tests/unit/test-jpki tests/unit/test-jpki-sfi \
	tests/unit/test-profile

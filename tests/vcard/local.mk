# The virtual JPKI card (vpcd protocol) and its unit tests.
noinst_PROGRAMS += tests/vcard/jpki-vcard
tests_vcard_jpki_vcard_SOURCES = \
	tests/vcard/main.c \
	tests/vcard/vpcd.c tests/vcard/vpcd.h \
	tests/vcard/card.c tests/vcard/card.h tests/vcard/sw.h \
	tests/vcard/sign.c tests/vcard/sign.h \
	tests/vcard/text_ap.c tests/vcard/text_ap.h \
	tests/vcard/pki.c tests/vcard/pki.h \
	tests/vcard/state.c tests/vcard/state.h
tests_vcard_jpki_vcard_LDADD = $(CRYPTO_LIBS)

check_PROGRAMS += tests/vcard/test-card
tests_vcard_test_card_SOURCES = tests/vcard/test-card.c \
	tests/vcard/card.c tests/vcard/card.h tests/vcard/sw.h \
	tests/vcard/sign.c tests/vcard/sign.h \
	tests/vcard/text_ap.c tests/vcard/text_ap.h \
	tests/vcard/pki.c tests/vcard/pki.h \
	tests/vcard/state.c tests/vcard/state.h
tests_vcard_test_card_LDADD = $(CRYPTO_LIBS)
TESTS += tests/vcard/test-card

# The variants behind a real pcscd (rig), through PC/SC.
TESTS += tests/vcard/variants.sh
dist_check_SCRIPTS += tests/vcard/variants.sh

# Fuzz targets (tests/fuzz/fuzz_*.c): make check replays the committed
# corpus and past crash inputs through each, built like the rest of the
# suite, without libFuzzer (replay.c is their main). scripts/fuzz builds the
# same targets with clang and libFuzzer and fuzzes them.
FUZZ_REPLAYS = tests/fuzz/replay-sw tests/fuzz/replay-card tests/fuzz/replay-cert \
	tests/fuzz/replay-api
check_PROGRAMS += $(FUZZ_REPLAYS)
TESTS += $(FUZZ_REPLAYS)

FUZZ_COMMON = tests/fuzz/replay.c tests/fuzz/fuzz.h
FUZZ_LDADD = libjpki.la $(CRYPTO_LIBS) $(PCSC_LIBS) $(PTHREAD_LIBS)

tests_fuzz_replay_sw_SOURCES = $(FUZZ_COMMON) tests/fuzz/fuzz_sw.c
tests_fuzz_replay_sw_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"sw"'
tests_fuzz_replay_sw_LDADD = $(FUZZ_LDADD)

tests_fuzz_replay_card_SOURCES = $(FUZZ_COMMON) tests/fuzz/fuzz_card.c tests/fuzz/fuzz_transport.c
tests_fuzz_replay_card_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"card"'
tests_fuzz_replay_card_LDADD = $(FUZZ_LDADD)

tests_fuzz_replay_cert_SOURCES = $(FUZZ_COMMON) tests/fuzz/fuzz_cert.c
tests_fuzz_replay_cert_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"cert"'
tests_fuzz_replay_cert_LDADD = $(FUZZ_LDADD)

# The whole module over fuzz_reader.c: pkcs11.c's sources compiled in, and
# libjpki.la as an archive whose transport_pcsc.o is never pulled (the
# reader's symbols are all defined already; a duplicate would fail the link).
tests_fuzz_replay_api_SOURCES = $(FUZZ_COMMON) tests/fuzz/fuzz_api.c tests/fuzz/fuzz_reader.c \
	tests/fuzz/fuzz_transport.c $(jpki_pkcs11_la_SOURCES)
tests_fuzz_replay_api_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"api"'
tests_fuzz_replay_api_LDADD = libjpki.la $(CRYPTO_LIBS) $(PTHREAD_LIBS)

EXTRA_DIST += tests/fuzz/seed.c tests/fuzz/corpus tests/fuzz/crashes

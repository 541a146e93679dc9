# Test helpers shared by every level, then each level's own list.
EXTRA_DIST += tests/tap.h tests/tap.sh tests/rig.sh tests/clients.sh
include tests/unit/local.mk
include tests/unit/token.mk
include tests/api/local.mk
include tests/integration/local.mk
include tests/fuzz/local.mk
include tests/stress/local.mk
include tests/proxy/local.mk

# Waits for the virtual card to appear or go (used by rig.sh).
noinst_PROGRAMS += tests/pcsc-wait
tests_pcsc_wait_SOURCES = tests/pcsc-wait.c
tests_pcsc_wait_LDADD = $(PCSC_LIBS)
include tests/bench/local.mk

# The build's hardening, read from the built files (configure's default).
if ENABLE_HARDENING
TESTS += tests/hardening.sh
endif
dist_check_SCRIPTS += tests/hardening.sh

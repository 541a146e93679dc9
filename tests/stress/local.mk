# Concurrency: 8 threads signing and searching on both tokens at once, with
# OS locking and with application mutexes (stress.sh, on the rig).
check_PROGRAMS += tests/stress/test-stress
tests_stress_test_stress_SOURCES = tests/stress/test-stress.c
tests_stress_test_stress_LDADD = -ldl $(CRYPTO_LIBS) $(PTHREAD_LIBS)
TESTS += tests/stress/stress.sh
dist_check_SCRIPTS += tests/stress/stress.sh

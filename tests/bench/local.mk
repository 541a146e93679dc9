# The benchmark (tests/bench/bench.sh): APDUs and time per operation, ours
# beside OpenSC's driver, written to docs/benchmark.md. Not a timed test.
check_PROGRAMS += tests/bench/firefox-start
tests_bench_firefox_start_SOURCES = tests/bench/firefox-start.c
tests_bench_firefox_start_LDADD = -ldl
dist_noinst_SCRIPTS += tests/bench/bench.sh

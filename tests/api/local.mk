# API tests: dlopen the built module and call through its function list.
check_PROGRAMS += tests/api/test-api
tests_api_test_api_SOURCES = tests/api/test-api.c
tests_api_test_api_LDADD = -ldl $(PTHREAD_LIBS)
TESTS += tests/api/test-api.sh
dist_check_SCRIPTS += tests/api/test-api.sh

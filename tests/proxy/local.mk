# Slot events through p11-kit-proxy.so (proxy-wait.sh, on the rig).
check_PROGRAMS += tests/proxy/proxy-wait
tests_proxy_proxy_wait_SOURCES = tests/proxy/proxy-wait.c
tests_proxy_proxy_wait_LDADD = -ldl
TESTS += tests/proxy/proxy-wait.sh
dist_check_SCRIPTS += tests/proxy/proxy-wait.sh

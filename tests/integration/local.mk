# Integration tests: real pcscd + vpcd + the virtual card + real clients.
INTEGRATION_TESTS = \
	tests/integration/opensc-vcard.sh \
	tests/integration/module-pkcs11-tool.sh \
	tests/integration/cert-cache.sh \
	tests/integration/client-p11kit.sh \
	tests/integration/client-openssl.sh \
	tests/integration/client-ssh.sh \
	tests/integration/client-nss.sh \
	tests/integration/client-remote.sh \
	tests/integration/client-firefox.sh \
	tests/integration/client-libreoffice.sh \
	tests/integration/client-java.sh \
	tests/integration/client-pdfsig.sh \
	tests/integration/client-chromium.sh \
	tests/integration/register-nss.sh \
	tests/integration/jpki-tool.sh \
	tests/integration/hostile-card.sh \
	tests/integration/hotplug.sh \
	tests/integration/interleave.sh \
	tests/integration/exclusive.sh \
	tests/integration/token-view.sh \
	tests/integration/pin-safety.sh \
	tests/integration/java-sign.sh \
	tests/integration/unverified.sh \
	tests/integration/token-kinds.sh \
	tests/integration/pss.sh \
	tests/integration/client-tls13.sh \
	tests/integration/client-firefox-tls13.sh \
	tests/integration/client-ssh-android.sh \
	tests/integration/client-ssh-iphone.sh \
	tests/integration/client-firefox-android.sh \
	tests/integration/client-firefox-iphone.sh \
	tests/integration/client-p11kit-3072.sh \
	tests/integration/client-p11kit-nosign.sh \
	tests/integration/client-openssl-3072.sh \
	tests/integration/client-openssl-nosign.sh
TESTS += $(INTEGRATION_TESTS)
dist_check_SCRIPTS += $(INTEGRATION_TESTS)
# Step-driven clients: one C_Initialize across a scenario the script plays
# (steps.sh: the scripts' side).
EXTRA_DIST += tests/integration/steps.sh
check_PROGRAMS += tests/integration/hotplug-steps
tests_integration_hotplug_steps_SOURCES = tests/integration/hotplug-steps.c \
	tests/integration/steps.h
tests_integration_hotplug_steps_LDADD = -ldl $(CRYPTO_LIBS) $(PTHREAD_LIBS)
check_PROGRAMS += tests/integration/interleave-steps tests/integration/pcsc-apdu
tests_integration_interleave_steps_SOURCES = tests/integration/interleave-steps.c \
	tests/integration/card-log.h tests/integration/steps.h
tests_integration_interleave_steps_LDADD = -ldl $(CRYPTO_LIBS) $(PTHREAD_LIBS)
check_PROGRAMS += tests/integration/exclusive-steps
tests_integration_exclusive_steps_SOURCES = tests/integration/exclusive-steps.c \
	tests/integration/steps.h
tests_integration_exclusive_steps_LDADD = -ldl $(CRYPTO_LIBS) $(PTHREAD_LIBS)
# Other programs between our calls: PIN counters and the card's verified
# state (pin-safety.sh, java-sign.sh, unverified.sh).
check_PROGRAMS += tests/integration/pin-safety-steps tests/integration/unverified-steps
tests_integration_pin_safety_steps_SOURCES = tests/integration/pin-safety-steps.c \
	tests/integration/card-log.h tests/integration/steps.h
tests_integration_pin_safety_steps_LDADD = -ldl $(CRYPTO_LIBS) $(PTHREAD_LIBS)
tests_integration_unverified_steps_SOURCES = tests/integration/unverified-steps.c \
	tests/integration/card-log.h tests/integration/steps.h
tests_integration_unverified_steps_LDADD = -ldl $(CRYPTO_LIBS) $(PTHREAD_LIBS)
# Another program on the card: raw APDUs through PC/SC (interleave.sh,
# exclusive.sh).
tests_integration_pcsc_apdu_SOURCES = tests/integration/pcsc-apdu.c
tests_integration_pcsc_apdu_LDADD = $(PCSC_LIBS)
# Helpers of client-firefox.sh (Marionette) and client-libreoffice.sh (UNO).
EXTRA_DIST += tests/integration/apps/marionette.py \
	tests/integration/apps/lo_pinhandler.py \
	tests/integration/apps/lo_sign.py \
	tests/integration/apps/PdfSign.java \
	tests/integration/apps/pdf_signed_parts.py \
	tests/integration/apps/minimal_pdf.py

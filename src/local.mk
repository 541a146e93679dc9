# The module's layers (design.md §3) as a convenience library, linked into the
# module and into the unit tests; pkcs11.c alone makes the module's face.
noinst_LTLIBRARIES += libjpki.la
libjpki_la_SOURCES = \
	src/errors.c src/errors.h \
	src/env.c src/env.h \
	src/log.c src/log.h \
	src/transport.h src/reader.h src/transport_pcsc.c \
	src/apdu.c src/apdu.h \
	src/card_profile.c src/card_profile.h \
	src/jpki.c src/jpki.h src/token_info.c \
	src/jpki_text.c src/jpki_text.h \
	src/mech.c src/mech.h \
	src/token.c src/token.h \
	src/locking.c src/locking.h \
	src/cache_dir.c src/cache_dir.h src/cert_cache.c src/cert_cache.h \
	src/slot.c src/slot.h src/slot_internal.h src/slot_info.c src/slot_event.c \
	src/token_view.c src/token_view.h \
	src/session.c src/session.h src/session_ops.h \
	src/token_state.c src/token_state.h \
	src/sign_grace.c src/sign_grace.h \
	src/objects.c src/login.c src/signing.c src/pss.c
libjpki_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden
# The system tokens.conf (token_view.c): configure's --sysconfdir.
libjpki_la_CPPFLAGS = $(AM_CPPFLAGS) -DJPKI_SYSCONFDIR='"$(sysconfdir)/jpki-pkcs11"'
libjpki_la_LIBADD = $(PCSC_LIBS) $(CRYPTO_LIBS) $(PTHREAD_LIBS)

pkcs11moddir = $(p11_module_path)
pkcs11mod_LTLIBRARIES = jpki-pkcs11.la
jpki_pkcs11_la_SOURCES = src/pkcs11.c src/pkcs11_functions.def
jpki_pkcs11_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden
jpki_pkcs11_la_LIBADD = libjpki.la
jpki_pkcs11_la_LDFLAGS = $(HARDEN_LDFLAGS) -module -avoid-version -no-undefined -shared \
	-export-symbols-regex '^C_(GetFunctionList|GetInterfaceList|GetInterface)$$'

p11moduleconfdir = $(p11_module_configs)
dist_p11moduleconf_DATA = p11-kit/jpki-pkcs11.module

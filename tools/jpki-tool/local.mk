# jpki-tool: the card holder's command-line companion (status, certificates,
# PINs, signing, the text-assistance AP), on the module's card layer.
# The only bin_PROGRAMS of the tree, hence "=" (automake refuses "+=" first).
bin_PROGRAMS = tools/jpki-tool/jpki-tool
tools_jpki_tool_jpki_tool_SOURCES = \
	tools/jpki-tool/tool.h \
	tools/jpki-tool/main.c \
	tools/jpki-tool/messages.c tools/jpki-tool/messages.h \
	tools/jpki-tool/signals.c tools/jpki-tool/signals.h \
	tools/jpki-tool/pin_input.c tools/jpki-tool/pin_input.h \
	tools/jpki-tool/connect.c \
	tools/jpki-tool/status.c \
	tools/jpki-tool/cert.c \
	tools/jpki-tool/pin.c \
	tools/jpki-tool/pin_guard.c \
	tools/jpki-tool/files.c \
	tools/jpki-tool/sign.c \
	tools/jpki-tool/cms.c \
	tools/jpki-tool/basic_info.c \
	tools/jpki-tool/view.c
tools_jpki_tool_jpki_tool_LDADD = libjpki.la $(PCSC_LIBS) $(CRYPTO_LIBS) $(PTHREAD_LIBS)
dist_man1_MANS = doc/jpki-tool.1

# The system tokens.conf: which token browsers and document signers see
# (jpki-pkcs11-tokens.conf(5)); src/token_view.c reads it from the same
# $(sysconfdir)/jpki-pkcs11.
tokensconfdir = $(sysconfdir)/jpki-pkcs11
dist_tokensconf_DATA = etc/tokens.conf

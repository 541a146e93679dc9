# The manual page and an enterprise-policy example for Firefox.
dist_man7_MANS = doc/jpki-pkcs11.7
EXTRA_DIST += doc/firefox-policies.json
# jpki-pkcs11-tokens.conf(5): the per-application token view.
dist_man5_MANS = doc/jpki-pkcs11-tokens.conf.5

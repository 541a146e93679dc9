# The manual page and an enterprise-policy example for Firefox.
dist_man7_MANS = doc/jpki-pkcs11.7
EXTRA_DIST += doc/firefox-policies.json

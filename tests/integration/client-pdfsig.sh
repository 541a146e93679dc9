#!/bin/sh
# pdfsig -add-signature (poppler's signing, the engine Okular signs with)
# through an NSS database with the module registered, the way a user sets it
# up with modutil. poppler gives its one password (-nss-pwd) to every token
# that asks for a login, so it can only work when pdfsig sees the sign token
# alone: the shipped tokens.conf gives pdfsig the sign token only.
# The one password goes to both of pdfsig's options: -nss-pwd (the token's
# login) and -kpw (the key's; poppler makes two signatures, one to learn the
# size and the real one, each after a context-specific login, since the key
# has CKA_ALWAYS_AUTHENTICATE; without -kpw the second is refused).
# The signed PDF is checked by pdfsig (signature valid, signer is the card's
# sign certificate, trusted through the test sign CA) and by openssl alone.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/rig.sh"
. "$top_srcdir/tests/clients.sh"
need pdfsig modutil certutil openssl python3 timeout
rig_start || { echo "Bail out! rig did not start"; exit 1; }
use_shipped_token_view
W="$RIG_DIR/work"; mkdir -p "$W/nss"
DB="sql:$W/nss"
NICK="JPKI (Digital Signature PIN):Digital Signature Certificate"
card_tries() { sed -n "s/^$1_tries=//p" "$RIG_CARD_DIR/pins"; }

certutil -N -d "$DB" --empty-password
echo | modutil -dbdir "$DB" -add jpki -libfile "$JPKI_MODULE" -force > "$W/modutil.log" 2>&1
python3 "$top_srcdir/tests/integration/apps/minimal_pdf.py" "$W/doc.pdf" "A document signed with pdfsig and jpki-pkcs11"

timeout 60 pdfsig -nssdir "$DB" -nss-pwd ABC123 -list-nicks > "$W/nicks.txt" 2>&1
tap_ok "pdfsig -list-nicks, given the sign password, lists the sign certificate" grep -qxF "$NICK" "$W/nicks.txt"
[ -s "$W/nicks.txt" ] && sed 's/^/# pdfsig -list-nicks: /' "$W/nicks.txt"
timeout 60 pdfsig -nssdir "$DB" -nss-pwd ABC123 -kpw ABC123 -add-signature -nick "$NICK" -reason "jpki-pkcs11 test" \
    "$W/doc.pdf" "$W/signed.pdf" > "$W/add.txt" 2>&1
rc=$?
tap_is "$rc" 0 "pdfsig -add-signature signs with the sign key, given the sign password"
[ "$rc" = 0 ] || sed 's/^/# pdfsig -add-signature: /' "$W/add.txt"
tap_fails "pdfsig never says the password was not accepted" grep -q 'not accepted' "$W/nicks.txt" "$W/add.txt"

pdfsig_checks "$W/signed.pdf"
tap_ok "openssl verifies the signature against the sign CA" pdf_openssl_verify "$W/signed.pdf" "$W/signer.pem"
tap_is "$(cert_fingerprint "$W/signer.pem")" "$(cert_fingerprint "$RIG_CARD_DIR/sign-cert.pem")" \
    "the signer is the card's sign certificate"
tampered_rejected() {
    [ -s "$W/signed.pdf" ] && cp "$W/signed.pdf" "$W/changed.pdf" &&
    sed -i 's/signed with pdfsig/SIGNED with pdfsig/' "$W/changed.pdf" &&
    ! cmp -s "$W/signed.pdf" "$W/changed.pdf" && ! pdf_openssl_verify "$W/changed.pdf" "$W/changed.pem"
}
tap_ok "openssl rejects the signature once the text is changed" tampered_rejected
tap_is "$(card_tries auth)/$(card_tries sign)" "3/5" "no PIN try was spent (auth 3, sign 5)"
tap_done

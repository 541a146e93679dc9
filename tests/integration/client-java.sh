#!/bin/sh
# Java (Debian's OpenJDK 17) through its own PKCS#11 provider, SunPKCS11, one
# provider configuration per token as Java users configure a JPKI card:
# keytool lists both keys, jarsigner signs a jar with each key (jarsigner
# -verify accepts it, openssl verifies the signature block against the card's
# certificate), and apps/PdfSign.java, compiled here with javac, signs a PDF
# with the sign key through PDFBox 2 (libpdfbox2-java) and BouncyCastle
# (libbcpkix-java), which pdfsig and openssl then verify.
# SunPKCS11 ignores CKA_ALWAYS_AUTHENTICATE: it logs in once (CKU_USER) and
# signs, so the sign key's one signature must be authorised by that login.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/rig.sh"
. "$top_srcdir/tests/clients.sh"
need java javac jar jarsigner keytool openssl python3 pdfsig certutil unzip timeout
JAVA_LIBS=/usr/share/java
CP=
for j in pdfbox2 fontbox2 commons-logging bcprov bcpkix bcutil; do
    [ -e "$JAVA_LIBS/$j.jar" ] || { echo "1..0 # SKIP $JAVA_LIBS/$j.jar is not installed"; exit 77; }
    CP="$CP${CP:+:}$JAVA_LIBS/$j.jar"
done
rig_start || { echo "Bail out! rig did not start"; exit 1; }
W="$RIG_DIR/work"; mkdir -p "$W/classes" "$W/app" "$W/home"
export HOME="$W/home"   # Java's user prefs and caches stay in the rig
card_tries() { sed -n "s/^$1_tries=//p" "$RIG_CARD_DIR/pins"; }

# The tokens keep their slot IDs (reader n: 2n auth, 2n+1 sign), so each
# provider names its slot; slotListIndex would shift with the token view.
printf 'name = JPKI-Auth\nlibrary = %s\nslot = 0\n' "$JPKI_MODULE" > "$W/auth.cfg"
printf 'name = JPKI-Sign\nlibrary = %s\nslot = 1\n' "$JPKI_MODULE" > "$W/sign.cfg"
P11="-J-Duser.language=en -keystore NONE -storetype PKCS11 -addprovider SunPKCS11"

# keytool: each token's key entry, and its certificate is the card's.
for role in auth sign; do
    if [ "$role" = auth ]; then pin=1234; else pin=ABC123; fi
    # shellcheck disable=SC2086
    timeout 120 keytool -list -rfc $P11 -providerArg "$W/$role.cfg" -storepass "$pin" \
        > "$W/keytool-$role.txt" 2>&1
    tap_is "$(grep -c '^Entry type: PrivateKeyEntry' "$W/keytool-$role.txt")" 1 \
        "keytool -list shows the $role key entry"
    # The entry's first certificate, as keytool printed it.
    sed -n '/^Entry type: PrivateKeyEntry/,$p' "$W/keytool-$role.txt" |
        sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/{p;/-----END/q}' > "$W/keytool-$role.pem"
    tap_is "$(cert_fingerprint "$W/keytool-$role.pem")" "$(cert_fingerprint "$RIG_CARD_DIR/$role-cert.pem")" \
        "the $role entry's certificate is the card's $role certificate"
done
key_alias() { sed -n 's/^Alias name: //p' "$W/keytool-$1.txt" | head -n 1; }
auth_alias=$(key_alias auth); sign_alias=$(key_alias sign)
tap_is "$(card_tries auth)/$(card_tries sign)" "3/5" "keytool spent no PIN try"

# jarsigner: a jar signed with each key.
echo "jpki-pkcs11 $(date)" > "$W/app/hello.txt"
(cd "$W/app" && jar cf "$W/app.jar" hello.txt)
for role in auth sign; do
    if [ "$role" = auth ]; then pin=1234; alias=$auth_alias; else pin=ABC123; alias=$sign_alias; fi
    # shellcheck disable=SC2086
    timeout 120 jarsigner $P11 -providerArg "$W/$role.cfg" -storepass "$pin" -sigalg SHA256withRSA \
        -signedjar "$W/$role.jar" "$W/app.jar" "$alias" > "$W/jarsigner-$role.txt" 2>&1
    rc=$?
    tap_is "$rc" 0 "jarsigner signs a jar with the $role key"
    [ "$rc" = 0 ] || sed 's/^/#   /' "$W/jarsigner-$role.txt" | tail -n 15
    timeout 120 jarsigner -J-Duser.language=en -verify "$W/$role.jar" > "$W/verify-$role.txt" 2>&1
    tap_ok "jarsigner -verify accepts the jar signed with the $role key" grep -q '^jar verified\.' "$W/verify-$role.txt"
    # The signature block, checked outside Java against the card's CA and certificate.
    mkdir -p "$W/x-$role"
    (cd "$W/x-$role" && unzip -q -o "$W/$role.jar" 'META-INF/*') 2>/dev/null
    block=$(ls "$W/x-$role/META-INF/"*.RSA 2>/dev/null | head -n 1)
    block=${block:-"$W/x-$role/META-INF/(no signature block).RSA"}
    sf=${block%.RSA}.SF
    tap_ok "openssl verifies the $role jar's signature block against the $role CA" \
        openssl cms -verify -binary -inform DER -in "$block" -content "$sf" \
            -CAfile "$RIG_CARD_DIR/$role-ca.pem" -purpose any -signer "$W/jar-$role-signer.pem" -out /dev/null
    tap_is "$(cert_fingerprint "$W/jar-$role-signer.pem")" "$(cert_fingerprint "$RIG_CARD_DIR/$role-cert.pem")" \
        "the $role jar is signed by the card's $role certificate"
done
tap_is "$(card_tries auth)/$(card_tries sign)" "3/5" "jarsigner spent no PIN try"

# A PDF signed through SunPKCS11 by PDFBox.
timeout 120 javac -d "$W/classes" -cp "$CP" "$top_srcdir/tests/integration/apps/PdfSign.java" > "$W/javac.log" 2>&1
tap_is "$?" 0 "javac compiles PdfSign.java against PDFBox 2 and BouncyCastle"
echo ABC123 | timeout 120 java -Duser.language=en -cp "$W/classes:$CP" PdfSign "$W/sign.cfg" "$W/signed.pdf" \
    > "$W/pdfsign-cert.pem" 2> "$W/pdfsign.log"
rc=$?
tap_is "$rc" 0 "PdfSign signs a PDF with the sign key"
[ "$rc" = 0 ] || sed 's/^/#   /' "$W/pdfsign.log" | tail -n 15
pdfsig_checks "$W/signed.pdf"
tap_ok "pdfsig: an adbe.pkcs7.detached signature" grep -q 'Signature Type: adbe.pkcs7.detached' "$W/signed.pdf.pdfsig"
sed 's/^/# pdfsig: /' "$W/signed.pdf.pdfsig" | grep -v 'Common Name\|Distinguished' | head -n 12
tap_ok "openssl verifies the PDF's signature against the sign CA" pdf_openssl_verify "$W/signed.pdf" "$W/pdf-signer.pem"
tap_is "$(cert_fingerprint "$W/pdf-signer.pem")" "$(cert_fingerprint "$RIG_CARD_DIR/sign-cert.pem")" \
    "the PDF is signed by the card's sign certificate"
tap_is "$(cert_fingerprint "$W/pdfsign-cert.pem")" "$(cert_fingerprint "$RIG_CARD_DIR/sign-cert.pem")" \
    "PdfSign used the card's sign certificate"
tap_is "$(card_tries auth)/$(card_tries sign)" "3/5" "no PIN try was spent (auth 3, sign 5)"
tap_done

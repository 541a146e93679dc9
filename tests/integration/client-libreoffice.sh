#!/bin/sh
# LibreOffice (headless, driven over UNO by apps/lo_sign.py): it finds the
# card's certificates through an NSS database with the module registered
# (MOZILLA_CERTIFICATE_FOLDER, what Tools > Options > Security > Certificate
# Path sets), signs an ODF document with the sign certificate (File > Digital
# Signatures) and exports a signed PDF. Both signatures are checked outside
# LibreOffice: xmlsec1 against the test sign CA, and pdfsig.
#
# Headless LibreOffice cancels every dialog, including NSS's PIN prompt, so
# soffice runs with apps/lo_pinhandler.py as its InteractionHandler service
# (its .rdb first in UNO_SERVICES): it answers the two tokens' PIN requests,
# and the sign key's per-signature one (CKA_ALWAYS_AUTHENTICATE), from a file,
# and logs them: with the shipped tokens.conf (soffice.bin sees the sign
# token only) only the signature password is ever asked for.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/rig.sh"
. "$top_srcdir/tests/clients.sh"
need soffice modutil certutil xmlsec1 pdfsig unzip setsid timeout
# The UNO bridge lives in the system Python (python3-uno).
LO_PYTHON=
for py in /usr/bin/python3 python3; do
    if "$py" -c 'import uno' >/dev/null 2>&1; then LO_PYTHON=$py; break; fi
done
[ -n "$LO_PYTHON" ] || { echo "1..0 # SKIP python3-uno is not installed"; exit 77; }
LO_PROGRAM=$(dirname "$(readlink -f "$(command -v soffice)")")
[ -e "$LO_PROGRAM/services/pyuno.rdb" ] || { echo "1..0 # SKIP python3-uno (the Python loader of LibreOffice) is not installed"; exit 77; }
rig_start || { echo "Bail out! rig did not start"; exit 1; }
use_shipped_token_view   # soffice.bin: the sign token only
W="$RIG_DIR/work"; mkdir -p "$W/nss" "$W/home" "$W/lo" "$W/verify"
SIGN_TOKEN="JPKI (Digital Signature PIN)"
AUTH_TOKEN="JPKI (User Authentication PIN)"
card_tries() { sed -n "s/^$1_tries=//p" "$RIG_CARD_DIR/pins"; }
SOFFICE_PID=
cleanup() {
    if [ -n "$SOFFICE_PID" ]; then
        # soffice, oosplash and soffice.bin share the process group (setsid).
        for _ in $(seq 50); do kill -0 "$SOFFICE_PID" 2>/dev/null || break; sleep 0.2; done
        kill -TERM -- "-$SOFFICE_PID" 2>/dev/null
        sleep 1
        kill -KILL -- "-$SOFFICE_PID" 2>/dev/null
    fi
    rig_stop
}
trap cleanup EXIT

# The NSS database LibreOffice uses: the module, and the test sign CA trusted
# (a real user would import the JPKI CA the same way).
certutil -N -d "sql:$W/nss" --empty-password
echo | modutil -dbdir "sql:$W/nss" -add jpki -libfile "$JPKI_MODULE" -force > "$W/modutil.log" 2>&1
certutil -A -d "sql:$W/nss" -n "JPKI test sign CA" -t "CT,C,C" -i "$RIG_CARD_DIR/sign-ca.pem"

# The PIN answering handler, registered ahead of LibreOffice's own services.
cp "$top_srcdir/tests/integration/apps/lo_pinhandler.py" "$W/lo/"
cat > "$W/lo/pinhandler.rdb" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<components xmlns="http://openoffice.org/2010/uno-components">
  <component loader="com.sun.star.loader.Python" uri="file://$W/lo/lo_pinhandler.py">
    <implementation name="org.jpki.test.PinHandler">
      <service name="com.sun.star.task.InteractionHandler"/>
    </implementation>
  </component>
</components>
EOF
printf '%s=1234\n%s=ABC123\n' "$AUTH_TOKEN" "$SIGN_TOKEN" > "$W/lo/pins"

PIPE="jpki-pkcs11-test-$$"
HOME="$W/home" MOZILLA_CERTIFICATE_FOLDER="sql:$W/nss" PYTHONDONTWRITEBYTECODE=1 \
JPKI_TEST_PIN_FILE="$W/lo/pins" JPKI_TEST_HANDLER_LOG="$W/handler.log" \
setsid soffice --headless --invisible --norestore --nologo --nodefault --nolockcheck \
    "-env:UserInstallation=file://$W/lo/profile" \
    "-env:UNO_SERVICES=file://$W/lo/pinhandler.rdb file://$LO_PROGRAM/services.rdb <file://$LO_PROGRAM/services>*" \
    "--accept=pipe,name=$PIPE;urp;" > "$W/soffice.log" 2>&1 &
SOFFICE_PID=$!

timeout 240 "$LO_PYTHON" "$top_srcdir/tests/integration/apps/lo_sign.py" "$PIPE" "$W" "$RIG_CARD_DIR/sign-cert.pem" ABC123 \
    > "$W/lo_sign.log" 2>&1
rc=$?
sed 's/^/# lo_sign: /' "$W/lo_sign.log" | tail -n 20
sed 's/^/# LibreOffice asked: /' "$W/handler.log" 2>/dev/null
[ "$rc" = 0 ] || tail -n 20 "$W/soffice.log" | sed 's/^/# soffice: /'
tap_is "$rc" 0 "LibreOffice signs the document and exports a signed PDF"
# The password requests, in order: the signature password to list the
# certificates (the token's login) and again for the ODF signature (the
# key's context login; the PDF export takes it as SignaturePassword). Never
# the auth PIN: LibreOffice used to ask for both PINs to list certificates.
touch "$W/handler.log"
tap_is "$(tr '\n' '|' < "$W/handler.log")" "password: $SIGN_TOKEN|password: $SIGN_TOKEN|" \
    "LibreOffice asked for the signature password twice (list, ODF signature), nothing else"
tap_fails "LibreOffice never asked for the auth PIN" grep -qF "$AUTH_TOKEN" "$W/handler.log"
tap_ok "LibreOffice lists the sign certificate through NSS" grep -qx 'the sign certificate is listed: True' "$W/lo_sign.log"
SIGN_CN=$(cert_cn "$RIG_CARD_DIR/sign-cert.pem")
tap_ok "LibreOffice verifies its ODF signature: valid, certificate valid, signer CN=$SIGN_CN" \
    grep -Eq "^signature: valid=True certificate-status=0 signer=CN=$SIGN_CN," "$W/lo_sign.log"

# The ODF signature, checked by xmlsec1: the references are relative to the
# package root, so the signature file is verified from there.
( cd "$W/verify" && unzip -q ../doc.odt && cp META-INF/documentsignatures.xml signature.xml )
odf_verify() {
    (cd "$W/verify" && xmlsec1 --verify --trusted-pem "$1" \
        --id-attr:Id 'http://www.w3.org/2000/09/xmldsig#:SignatureProperty' \
        --id-attr:Id 'http://uri.etsi.org/01903/v1.3.2#:SignedProperties' signature.xml)
}
tap_ok "xmlsec1 verifies the ODF signature against the test sign CA" odf_verify "$RIG_CARD_DIR/sign-ca.pem"
tap_fails "xmlsec1 rejects it against the auth CA" odf_verify "$RIG_CARD_DIR/auth-ca.pem"
sed -i 's/マイナンバーカード/my number card/' "$W/verify/content.xml"
tap_fails "xmlsec1 rejects it once content.xml is changed" odf_verify "$RIG_CARD_DIR/sign-ca.pem"

# The PDF signature, checked by pdfsig (trusting only the test sign CA) and openssl.
pdfsig_checks "$W/doc.pdf"
tap_ok "openssl verifies the PDF signature against the sign CA" pdf_openssl_verify "$W/doc.pdf" "$W/pdf-signer.pem"
tap_is "$(cert_fingerprint "$W/pdf-signer.pem")" "$(cert_fingerprint "$RIG_CARD_DIR/sign-cert.pem")" \
    "the PDF is signed by the card's sign certificate"
tap_is "$(card_tries auth)/$(card_tries sign)" "3/5" "no PIN try was spent (auth 3, sign 5)"
tap_done

# tests/clients.sh: helpers for the client tests (after tap.sh and rig.sh).

# Skips the test (exit 77) unless every named command exists.
need() {
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || { echo "1..0 # SKIP $c is not installed"; exit 77; }
    done
}

P11_MODULE_DIR=$(pkg-config --variable=p11_module_path p11-kit-1 2>/dev/null || echo /usr/lib/x86_64-linux-gnu/pkcs11)
P11_CONFIG_DIR=$(pkg-config --variable=p11_module_configs p11-kit-1 2>/dev/null || echo /usr/share/p11-kit/modules)

# Runs a command in a mount namespace where p11-kit sees exactly the layout
# `make install` makes: jpki-pkcs11.so in p11-kit's module directory and
# p11-kit/jpki-pkcs11.module (module: jpki-pkcs11.so, relative) in its
# config directory, and no other module. p11-kit ignores user configs for
# root, so a namespace is how a test gets a private configuration.
p11kit_ns() {
    stage="$RIG_DIR/p11kit"
    mkdir -p "$stage/modules" "$stage/configs" "$stage/etc"
    cp "$JPKI_MODULE" "$stage/modules/jpki-pkcs11.so"
    cp "$top_srcdir/p11-kit/jpki-pkcs11.module" "$stage/configs/"
    unshare -m --propagation private sh -c '
        mount --bind "$1/modules" "$2" && mount --bind "$1/configs" "$3" &&
        { [ ! -d /etc/pkcs11/modules ] || mount --bind "$1/etc" /etc/pkcs11/modules; } &&
        shift 3 && exec "$@"' sh "$stage" "$P11_MODULE_DIR" "$P11_CONFIG_DIR" "$@"
}

# A client test run on a variant of the card (CLIENT_VCARD_OPTS, set by the
# -android / -iphone / -3072 / -nosign wrappers) first checks that the module
# sees that variant, so a wrapper cannot pass while testing the plain card.
check_card_variant() {
    opts=" ${CLIENT_VCARD_OPTS:-} "
    [ "$opts" != "  " ] || return 0
    pkcs11-tool --module "$JPKI_MODULE" -L > "$RIG_DIR/variant-L.txt" 2>&1
    case "$opts" in
    *" --token android "*) model="Android (mobile)" ;;
    *" --token iphone "*) model="iPhone (mobile)" ;;
    *) model="My Number Card" ;;
    esac
    tap_ok "the module sees the token kind: $model" grep -q "token model *: $model" "$RIG_DIR/variant-L.txt"
    case "$opts" in *" --key-bits "*)
        bits=$(echo "$opts" | sed 's/.* --key-bits \([0-9]*\) .*/\1/')
        pkcs11-tool --module "$JPKI_MODULE" -O --type pubkey > "$RIG_DIR/variant-O.txt" 2>&1
        tap_ok "the auth public key has $bits bits" grep -q "RSA $bits bits" "$RIG_DIR/variant-O.txt" ;;
    esac
    if ! card_has_sign_cert; then
        tap_fails "no sign token is offered" grep -qF "JPKI (Digital Signature PIN)" "$RIG_DIR/variant-L.txt"
    fi
}

# False on a card without the signature certificate (a child's card).
card_has_sign_cert() {
    case " ${CLIENT_VCARD_OPTS:-} " in *" --no-sign-cert "*) return 1 ;; esac
}

# The public key of one of the card's certificates, PEM.
card_pubkey() { openssl x509 -in "$RIG_CARD_DIR/$1-cert.pem" -pubkey -noout; }

# tls_server_cert DIR: a throwaway CA (DIR/ca.pem) and a server certificate
# for 127.0.0.1 signed by it (DIR/server.pem, DIR/server.key).
tls_server_cert() {
    ( cd "$1" &&
      openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
          -subj "/CN=jpki-pkcs11 throwaway test server CA" \
          -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign &&
      openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1" &&
      printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n' > ext &&
      openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile ext -out server.pem )
}

# SHA-256 fingerprint line of a PEM certificate (to compare certificates).
cert_fingerprint() { openssl x509 -in "$1" -noout -fingerprint -sha256 2>&1; }

# The common name in a certificate's subject.
cert_cn() { openssl x509 -in "$1" -noout -subject -nameopt RFC2253 | sed -n 's/.*CN=\([^,]*\).*/\1/p'; }

# pdf_trust_db DIR: an NSS database for pdfsig that trusts the test sign CA only.
pdf_trust_db() {
    mkdir -p "$1"
    certutil -N -d "sql:$1" --empty-password &&
    certutil -A -d "sql:$1" -n "JPKI test sign CA" -t "CT,C,C" -i "$RIG_CARD_DIR/sign-ca.pem"
}

# pdfsig_checks PDF: pdfsig's verdict on the PDF's signature, three test
# points (valid; signed by the card's sign certificate, trusted; the whole
# document). pdfsig's report is left in PDF.pdfsig.
pdfsig_checks() {
    pdf_trust_db "$1.trust" > "$1.trust.log" 2>&1
    pdfsig -nssdir "sql:$1.trust" "$1" > "$1.pdfsig" 2>&1
    pdfsig_cn=$(cert_cn "$RIG_CARD_DIR/sign-cert.pem")
    tap_ok "pdfsig: the signature is valid" grep -q 'Signature Validation: Signature is Valid' "$1.pdfsig"
    tap_ok "pdfsig: the signer is the card's sign certificate (CN=$pdfsig_cn), trusted" \
        sh -c "grep -q 'Signer Certificate Common Name: $pdfsig_cn\$' '$1.pdfsig' &&
               grep -q 'Certificate Validation: Certificate is Trusted' '$1.pdfsig'"
    tap_ok "pdfsig: the whole document is signed" grep -q 'Total document signed' "$1.pdfsig"
}

# pdf_openssl_verify PDF SIGNER.pem: verifies the PDF's last signature with
# openssl alone (over its /ByteRange, against the test sign CA) and writes
# the certificate that signed it to SIGNER.pem.
pdf_openssl_verify() {
    python3 "$top_srcdir/tests/integration/apps/pdf_signed_parts.py" "$1" "$1.content" "$1.p7s" &&
    openssl cms -verify -binary -inform DER -in "$1.p7s" -content "$1.content" \
        -CAfile "$RIG_CARD_DIR/sign-ca.pem" -purpose any -signer "$2" -out /dev/null
}

# The shipped system tokens.conf (which token each program sees), as
# `make install` puts it in <sysconfdir>/jpki-pkcs11/: the module reads it
# from JPKI_PKCS11_SYSCONF_DIR in tests. Call after rig_start.
use_shipped_token_view() {
    mkdir -p "$RIG_DIR/sysconf"
    cp "$top_srcdir/etc/tokens.conf" "$RIG_DIR/sysconf/" 2>/dev/null ||
        echo "# no shipped tokens.conf: every program sees both tokens"
    JPKI_PKCS11_SYSCONF_DIR="$RIG_DIR/sysconf"; export JPKI_PKCS11_SYSCONF_DIR
    unset JPKI_PKCS11_TOKENS
}

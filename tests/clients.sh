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

# The public key of one of the card's certificates, PEM.
card_pubkey() { openssl x509 -in "$RIG_CARD_DIR/$1-cert.pem" -pubkey -noout; }

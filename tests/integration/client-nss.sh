#!/bin/sh
# NSS (Firefox's and Thunderbird's library): modutil -add, certutil -L -h all,
# certutil -K after login, and an S/MIME signature with cmsutil -S and the
# sign certificate (Thunderbird's path), verified by openssl against the CA.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/rig.sh"
. "$top_srcdir/tests/clients.sh"
need modutil certutil cmsutil
rig_start || { echo "Bail out! rig did not start"; exit 1; }
W="$RIG_DIR/work"; mkdir -p "$W/nss"
DB="sql:$W/nss"
AUTH_TOKEN="JPKI (User Authentication PIN)"
SIGN_TOKEN="JPKI (Digital Signature PIN)"
card_tries() { sed -n "s/^$1_tries=//p" "$RIG_CARD_DIR/pins"; }

certutil -N -d "$DB" --empty-password
tap_ok "modutil -add registers the module" \
    sh -c "echo | modutil -dbdir '$DB' -add jpki -libfile '$JPKI_MODULE' -force"
modutil -dbdir "$DB" -list jpki > "$W/modlist.txt" 2>&1
tap_ok "modutil -list shows the auth token" grep -q "$AUTH_TOKEN" "$W/modlist.txt"
tap_ok "modutil -list shows the sign token" grep -q "$SIGN_TOKEN" "$W/modlist.txt"

certutil -L -d "$DB" -h all > "$W/certs.txt" 2>&1
tap_ok "certutil -L -h all lists the auth certificate without a PIN" \
    grep -q "$AUTH_TOKEN:User Authentication Certificate " "$W/certs.txt"
tap_ok "certutil -L -h all lists the auth CA" grep -q "User Authentication Certificate CA" "$W/certs.txt"

echo 1234 > "$W/auth.pin"; echo ABC123 > "$W/sign.pin"
certutil -K -d "$DB" -h "$AUTH_TOKEN" -f "$W/auth.pin" > "$W/keys.txt" 2>&1
tap_ok "certutil -K lists the auth key after login" grep -q "rsa" "$W/keys.txt"
certutil -L -d "$DB" -h "$SIGN_TOKEN" -f "$W/sign.pin" > "$W/signcerts.txt" 2>&1
tap_ok "certutil -L lists the sign certificate after login" \
    grep -q "Digital Signature Certificate " "$W/signcerts.txt"

echo "S/MIME の本文 $(date)" > "$W/mail.txt"
# -Y NONE: no S/MIME encryption-key preference, since the sign certificate
# cannot encrypt (cmsutil would otherwise fail with INADEQUATE_KEY_USAGE,
# whichever PKCS#11 module holds the certificate).
cmsutil -S -Y NONE -d "$DB" -f "$W/sign.pin" -N "$SIGN_TOKEN:Digital Signature Certificate" -H SHA256 \
    -i "$W/mail.txt" -o "$W/mail.p7s" > "$W/cmsutil.log" 2>&1
tap_ok "cmsutil -S signs with the sign certificate; openssl verifies it against the sign CA" \
    openssl cms -verify -binary -inform DER -in "$W/mail.p7s" -CAfile "$RIG_CARD_DIR/sign-ca.pem" \
        -purpose any -out "$W/mail.out"
tap_ok "the signed content is the mail" cmp "$W/mail.txt" "$W/mail.out"
tap_is "$(card_tries auth)/$(card_tries sign)" "3/5" "no PIN try was spent on the way"
tap_done

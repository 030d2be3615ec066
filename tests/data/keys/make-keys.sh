#!/bin/sh
# make-keys.sh — remakes the RA key files that tests/unit/test_ra_keys.c and test_scep_content.c
# load: the micromdm depot key of pcaps/keys/scep-depot/ (the key the captures' requests are
# encrypted to) in every form an administrator may hold it. Test material only; the passwords
# are the ones the tests use. Encryption salts change on every run, the keys inside do not.
#
# usage: tests/data/keys/make-keys.sh      (from anywhere; needs the openssl command, 3.x)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
depot="$here/../../../pcaps/keys/scep-depot"
key="$depot/ca-unencrypted.key"
cert="$depot/ca.pem"
cd "$here"

# PEM: PKCS#8 encrypted (PBES2/AES), traditional RSA in the clear, key and certificate together
openssl pkcs8 -topk8 -in "$key" -v2 aes-256-cbc -passout pass:pem-secret -out ra_pkcs8_enc.pem
openssl rsa -in "$key" -traditional -out ra_traditional.pem
cat "$cert" "$key" >ra_bundle.pem
# DER: PKCS#8 in the clear and encrypted, traditional RSA
openssl pkcs8 -topk8 -nocrypt -in "$key" -outform DER -out ra_pkcs8.der
openssl pkcs8 -topk8 -in "$key" -v2 aes-128-cbc -passout pass:der-secret -outform DER \
    -out ra_pkcs8_enc.der
openssl rsa -in "$key" -traditional -outform DER -out ra_traditional.der
# PKCS#12 with the certificate: OpenSSL 3 defaults (AES-256, SHA-256 MAC), the legacy form older
# Windows exports use (RC2-40 certificates, 3DES key: needs the legacy provider), an empty password
openssl pkcs12 -export -in "$cert" -inkey "$key" -name ra -passout pass:p12-secret -out ra.p12
openssl pkcs12 -export -legacy -in "$cert" -inkey "$key" -name ra -passout pass:p12-secret \
    -out ra_legacy.p12
openssl pkcs12 -export -in "$cert" -inkey "$key" -name ra -passout pass: -out ra_nopass.p12
# a PKCS#12 holding only the certificate (no key)
openssl pkcs12 -export -nokeys -in "$cert" -passout pass:p12-secret -out ra_cert_only.p12
chmod 644 ra*.pem ra*.der ra*.p12
echo "make-keys: done in $here"

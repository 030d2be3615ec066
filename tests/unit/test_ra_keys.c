/* test_ra_keys.c — loading RA keys (decode/ra_keys.c) from the files an administrator holds: the
 * micromdm depot key of pcaps/keys/scep-depot/ as micromdm writes it (PEM encrypted under an empty
 * password) and in every other form (tests/data/keys/, see its README), with right, wrong and
 * missing passwords; certificates joining their keys; files that are not keys; the cap on keys;
 * and that a failed load changes nothing and never echoes key material.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include "tests/support/data.h"
#include "decode/ossl_ctx.h"
#include "decode/ra_keys.h"

#define DEPOT_SUBJECT "C=XX, O=scepsniff test CA, OU=SCEP CA"

/* ---- helpers ------------------------------------------------------------------------------- */

typedef struct pathbuf {
    char s[1024];
} pathbuf;

/* rel under the source tree (SS_SOURCE_DIR, set by ctest). */
static pathbuf path(const char *rel)
{
    const char *dir = getenv("SS_SOURCE_DIR");
    pathbuf p;

    snprintf(p.s, sizeof(p.s), "%s/%s", dir ? dir : ".", rel);
    return p;
}

static int load_file(ss_ra_keys *k, const char *rel, const char *password, char *err, size_t errlen)
{
    pathbuf p = path(rel);

    return ss_ra_keys_load_file(k, p.s, password, err, errlen);
}

#define load(rel, len) ss_test_load(".", rel, len)

typedef struct fixture {
    ss_ossl *o;
    EVP_PKEY *depot; /* the depot key, read by OpenSSL directly, to compare with */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    char err[128];
    size_t n;
    uint8_t *b;
    BIO *bio;

    assert_non_null(f);
    f->o = ss_ossl_new(err, sizeof(err));
    assert_non_null(f->o);
    b = load("pcaps/keys/scep-depot/ca-unencrypted.key", &n);
    bio = BIO_new_mem_buf(b, (int)n);
    f->depot = PEM_read_bio_PrivateKey_ex(bio, NULL, NULL, NULL, ss_ossl_libctx(f->o), NULL);
    assert_non_null(f->depot);
    BIO_free(bio);
    free(b);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    EVP_PKEY_free(f->depot);
    ss_ossl_free(f->o);
    free(f);
    return 0;
}

static ss_ra_keys *new_set(void **state)
{
    ss_ra_keys *k = ss_ra_keys_new(ss_ossl_libctx(((fixture *)*state)->o));

    assert_non_null(k);
    return k;
}

/* Error messages name the problem, never the key: no PEM armour, no base64 of DER. */
static void assert_no_key_material(const char *err)
{
    assert_null(strstr(err, "-----"));
    assert_null(strstr(err, "MII"));
    assert_true(strlen(err) < SS_RA_ERR_LEN);
}

/* Loads rel with password, expecting one depot key; returns the set. */
static ss_ra_keys *expect_depot(void **state, const char *rel, const char *password, int has_cert)
{
    fixture *f = *state;
    ss_ra_keys *k = new_set(state);
    char err[SS_RA_ERR_LEN];
    const ss_ra_key_info *info;
    const char *base = strrchr(rel, '/');
    int rc = load_file(k, rel, password, err, sizeof(err));

    if (rc != 1)
        fail_msg("%s: %d %s", rel, rc, err);
    assert_int_equal(ss_ra_keys_count(k), 1);
    assert_int_equal(EVP_PKEY_eq(ss_ra_keys_pkey(k, 0), f->depot), 1);
    info = ss_ra_keys_info(k, 0);
    assert_non_null(info);
    assert_string_equal(info->label, base ? base + 1 : rel);
    assert_string_equal(info->key_type, "RSA");
    assert_int_equal(info->key_bits, 2048);
    assert_int_equal(info->has_cert, has_cert);
    assert_int_equal(ss_ra_keys_cert(k, 0) != NULL, has_cert);
    if (has_cert) {
        assert_string_equal(info->cert.subject, DEPOT_SUBJECT);
        assert_string_equal(info->cert.serial, "01");
    }
    return k;
}

/* Expects the load to fail with a message containing what, and the set to stay as it was. */
static void expect_error(ss_ra_keys *k, const char *rel, const char *password, const char *what)
{
    char err[SS_RA_ERR_LEN];
    unsigned before = ss_ra_keys_count(k);

    assert_int_equal(load_file(k, rel, password, err, sizeof(err)), -1);
    if (!strstr(err, what))
        fail_msg("%s: expected \"%s\" in \"%s\"", rel, what, err);
    assert_no_key_material(err);
    assert_int_equal(ss_ra_keys_count(k), before);
}

/* ---- every form of the depot key ----------------------------------------------------------- */

static void test_micromdm_depot_key(void **state)
{
    ss_ra_keys *k;

    /* micromdm: PEM with Proc-Type DES-EDE3-CBC under an empty password */
    k = expect_depot(state, "pcaps/keys/scep-depot/ca.key", "", 0);
    ss_ra_keys_free(k);
    k = new_set(state);
    expect_error(k, "pcaps/keys/scep-depot/ca.key", NULL, "password-protected");
    expect_error(k, "pcaps/keys/scep-depot/ca.key", "not-it", "wrong password");
    assert_int_equal(ss_ra_keys_count(k), 0);
    ss_ra_keys_free(k);
    ss_ra_keys_free(expect_depot(state, "pcaps/keys/scep-depot/ca-unencrypted.key", NULL, 0));
}

static void test_pem_forms(void **state)
{
    ss_ra_keys *k;

    ss_ra_keys_free(expect_depot(state, "tests/data/keys/ra_pkcs8_enc.pem", "pem-secret", 0));
    ss_ra_keys_free(expect_depot(state, "tests/data/keys/ra_traditional.pem", NULL, 0));
    /* a password given for a key in the clear is not an error */
    ss_ra_keys_free(expect_depot(state, "tests/data/keys/ra_traditional.pem", "unused", 0));
    /* key and certificate in one file: matched by issuer + serial later */
    ss_ra_keys_free(expect_depot(state, "tests/data/keys/ra_bundle.pem", NULL, 1));

    k = new_set(state);
    expect_error(k, "tests/data/keys/ra_pkcs8_enc.pem", NULL, "password-protected");
    expect_error(k, "tests/data/keys/ra_pkcs8_enc.pem", "pem-secreT", "wrong password");
    expect_error(k, "tests/data/keys/ra_pkcs8_enc.pem", "", "wrong password");
    ss_ra_keys_free(k);
}

static void test_der_forms(void **state)
{
    ss_ra_keys *k;

    ss_ra_keys_free(expect_depot(state, "tests/data/keys/ra_pkcs8.der", NULL, 0));
    ss_ra_keys_free(expect_depot(state, "tests/data/keys/ra_traditional.der", NULL, 0));
    ss_ra_keys_free(expect_depot(state, "tests/data/keys/ra_pkcs8_enc.der", "der-secret", 0));
    k = new_set(state);
    expect_error(k, "tests/data/keys/ra_pkcs8_enc.der", NULL, "password-protected");
    expect_error(k, "tests/data/keys/ra_pkcs8_enc.der", "pem-secret", "wrong password");
    ss_ra_keys_free(k);
}

static void test_pkcs12(void **state)
{
    ss_ra_keys *k;

    ss_ra_keys_free(expect_depot(state, "tests/data/keys/ra.p12", "p12-secret", 1));
    /* RC2-40 and 3DES: readable only because the set uses the context with the legacy
     * provider */
    ss_ra_keys_free(expect_depot(state, "tests/data/keys/ra_legacy.p12", "p12-secret", 1));
    ss_ra_keys_free(expect_depot(state, "tests/data/keys/ra_nopass.p12", NULL, 1));
    ss_ra_keys_free(expect_depot(state, "tests/data/keys/ra_nopass.p12", "", 1));
    k = new_set(state);
    expect_error(k, "tests/data/keys/ra.p12", NULL, "password-protected");
    expect_error(k, "tests/data/keys/ra.p12", "p12-secreT", "wrong password");
    expect_error(k, "tests/data/keys/ra_legacy.p12", "", "wrong password");
    expect_error(k, "tests/data/keys/ra_nopass.p12", "something", "wrong password");
    ss_ra_keys_free(k);
}

static void test_legacy_p12_needs_legacy_provider(void **state)
{
    OSSL_LIB_CTX *plain = OSSL_LIB_CTX_new();
    OSSL_PROVIDER *def;
    ss_ra_keys *k;
    char err[SS_RA_ERR_LEN];

    (void)state;
    assert_non_null(plain);
    def = OSSL_PROVIDER_load(plain, "default");
    assert_non_null(def);
    k = ss_ra_keys_new(plain);
    assert_non_null(k);
    assert_int_equal(load_file(k, "tests/data/keys/ra_legacy.p12", "p12-secret", err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "PKCS#12 contents cannot be read"));
    assert_int_equal(ss_ra_keys_count(k), 0);
    /* the modern file works in the same context */
    assert_int_equal(load_file(k, "tests/data/keys/ra.p12", "p12-secret", err, sizeof(err)), 1);
    ss_ra_keys_free(k);
    OSSL_PROVIDER_unload(def);
    OSSL_LIB_CTX_free(plain);
}

/* ---- certificates joining keys, repeated keys ---------------------------------------------- */

static void test_certificate_joins_key(void **state)
{
    ss_ra_keys *k = new_set(state);
    char err[SS_RA_ERR_LEN];

    /* a certificate with no key loaded yet is refused, the set untouched */
    expect_error(k, "pcaps/keys/scep-depot/ca.pem", NULL, "matches none of the keys");
    expect_error(k, "tests/data/keys/ra_cert_only.p12", "p12-secret", "matches none of the keys");
    assert_int_equal(
        load_file(k, "pcaps/keys/scep-depot/ca-unencrypted.key", NULL, err, sizeof(err)), 1);
    assert_int_equal(ss_ra_keys_info(k, 0)->has_cert, 0);
    /* the certificate file after the key: joins it, adds no key */
    assert_int_equal(load_file(k, "pcaps/keys/scep-depot/ca.pem", NULL, err, sizeof(err)), 0);
    assert_int_equal(ss_ra_keys_count(k), 1);
    assert_int_equal(ss_ra_keys_info(k, 0)->has_cert, 1);
    assert_string_equal(ss_ra_keys_info(k, 0)->cert.subject, DEPOT_SUBJECT);
    /* the same key again, in any form, with the same certificate: nothing new */
    assert_int_equal(load_file(k, "tests/data/keys/ra.p12", "p12-secret", err, sizeof(err)), 0);
    assert_int_equal(load_file(k, "tests/data/keys/ra_traditional.der", NULL, err, sizeof(err)), 0);
    assert_int_equal(ss_ra_keys_count(k), 1);
    ss_ra_keys_free(k);

    /* a PKCS#12 after the bare key gives it its certificate */
    k = new_set(state);
    assert_int_equal(load_file(k, "tests/data/keys/ra_pkcs8.der", NULL, err, sizeof(err)), 1);
    assert_int_equal(
        load_file(k, "tests/data/keys/ra_cert_only.p12", "p12-secret", err, sizeof(err)), 0);
    assert_int_equal(ss_ra_keys_count(k), 1);
    assert_int_equal(ss_ra_keys_info(k, 0)->has_cert, 1);
    ss_ra_keys_free(k);
}

/* A second certificate for the same key (an RA renewal that kept the key): a second entry, so
 * that requests encrypted to either certificate are matched. */
static void test_renewed_certificate_same_key(void **state)
{
    fixture *f = *state;
    OSSL_LIB_CTX *libctx = ss_ossl_libctx(f->o);
    ss_ra_keys *k = new_set(state);
    X509 *x = X509_new_ex(libctx, NULL);
    X509_NAME *name = X509_NAME_new();
    BIO *mem = BIO_new(BIO_s_mem());
    char err[SS_RA_ERR_LEN], *pem;
    long n;

    assert_non_null(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"renewed RA", -1,
                               -1, 0);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 0x777);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, name);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, f->depot);
    assert_true(X509_sign(x, f->depot, EVP_sha256()) > 0);
    PEM_write_bio_X509(mem, x);
    n = BIO_get_mem_data(mem, &pem);

    assert_int_equal(load_file(k, "tests/data/keys/ra_bundle.pem", NULL, err, sizeof(err)), 1);
    assert_int_equal(ss_ra_keys_load_mem(k, (const uint8_t *)pem, (size_t)n, "renewed.pem", NULL,
                                         err, sizeof(err)),
                     0);
    assert_int_equal(ss_ra_keys_count(k), 2);
    assert_string_equal(ss_ra_keys_info(k, 0)->cert.serial, "01");
    assert_string_equal(ss_ra_keys_info(k, 1)->cert.serial, "0777");
    assert_int_equal(EVP_PKEY_eq(ss_ra_keys_pkey(k, 1), f->depot), 1);
    /* loading the renewed certificate again adds nothing */
    assert_int_equal(ss_ra_keys_load_mem(k, (const uint8_t *)pem, (size_t)n, "renewed.pem", NULL,
                                         err, sizeof(err)),
                     0);
    assert_int_equal(ss_ra_keys_count(k), 2);
    ss_ra_keys_free(k);
    BIO_free(mem);
    X509_NAME_free(name);
    X509_free(x);
}

static void test_several_keys_in_one_file(void **state)
{
    ss_ra_keys *k = new_set(state);
    size_t n1, n2;
    uint8_t *a = load("tests/data/keys/ra_traditional.pem", &n1);
    uint8_t *b = load("tests/data/scep/scepserver_ca_key.pem", &n2);
    uint8_t *both = malloc(n1 + n2);
    char err[SS_RA_ERR_LEN];

    assert_non_null(both);
    memcpy(both, a, n1);
    memcpy(both + n1, b, n2);
    assert_int_equal(ss_ra_keys_load_mem(k, both, n1 + n2, "two.pem", NULL, err, sizeof(err)), 2);
    assert_int_equal(ss_ra_keys_count(k), 2);
    assert_string_equal(ss_ra_keys_info(k, 0)->label, "two.pem#1");
    assert_string_equal(ss_ra_keys_info(k, 1)->label, "two.pem#2");
    assert_int_equal(EVP_PKEY_eq(ss_ra_keys_pkey(k, 0), ss_ra_keys_pkey(k, 1)), 0);
    assert_null(ss_ra_keys_info(k, 2));
    assert_null(ss_ra_keys_pkey(k, 2));
    ss_ra_keys_free(k);
    free(both);
    free(a);
    free(b);
}

/* ---- what is not a key --------------------------------------------------------------------- */

static void test_not_keys(void **state)
{
    ss_ra_keys *k = new_set(state);
    uint8_t junk[300];
    char err[SS_RA_ERR_LEN];
    size_t i, n;
    uint8_t *pem;
    char *mid;

    expect_error(k, "tests/data/scep/getcacaps_scepserver.txt", NULL, "not a private key");
    expect_error(k, "pcaps/keys/certmonger/csr.pem", NULL, "no private key or certificate");
    expect_error(k, "tests/data/scep/pkcsreq_scepclient.der", NULL, "not a private key");
    expect_error(k, "tests/data/no-such-file.pem", NULL, "No such file");
    expect_error(k, "tests/data", NULL, "not a regular file");
    for (i = 0; i < sizeof(junk); i++)
        junk[i] = (uint8_t)(i * 131 + 7);
    assert_int_equal(ss_ra_keys_load_mem(k, junk, sizeof(junk), "junk", NULL, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "junk: not a private key"));
    assert_int_equal(ss_ra_keys_load_mem(k, junk, 0, "empty", NULL, err, sizeof(err)), -1);
    /* a PEM key block with its base64 damaged: said so, nothing of it echoed */
    pem = load("tests/data/keys/ra_traditional.pem", &n);
    mid = (char *)pem + n / 2;
    memcpy(mid, "!!!!", 4);
    assert_int_equal(ss_ra_keys_load_mem(k, pem, n, "damaged.pem", NULL, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "could not be read"));
    assert_no_key_material(err);
    assert_int_equal(ss_ra_keys_count(k), 0);
    free(pem);
    ss_ra_keys_free(k);
}

/* The set holds SS_RA_MAX_KEYS; one more is refused and the set keeps what it had. */
static void test_key_cap(void **state)
{
    fixture *f = *state;
    ss_ra_keys *k = new_set(state);
    char err[SS_RA_ERR_LEN], *pem;
    unsigned i;
    long n;

    for (i = 0; i <= SS_RA_MAX_KEYS; i++) {
        EVP_PKEY *pk = EVP_PKEY_Q_keygen(ss_ossl_libctx(f->o), NULL, "EC", "P-256");
        BIO *mem = BIO_new(BIO_s_mem());
        int rc;

        assert_non_null(pk);
        assert_true(PEM_write_bio_PrivateKey(mem, pk, NULL, NULL, 0, NULL, NULL));
        n = BIO_get_mem_data(mem, &pem);
        rc = ss_ra_keys_load_mem(k, (const uint8_t *)pem, (size_t)n, "ec.pem", NULL, err,
                                 sizeof(err));
        if (i < SS_RA_MAX_KEYS) {
            assert_int_equal(rc, 1);
            assert_string_equal(ss_ra_keys_info(k, i)->key_type, "EC");
            assert_int_equal(ss_ra_keys_info(k, i)->key_bits, 256);
        } else {
            assert_int_equal(rc, -1);
            assert_non_null(strstr(err, "more than 16 RA keys"));
        }
        BIO_free(mem);
        EVP_PKEY_free(pk);
    }
    assert_int_equal(ss_ra_keys_count(k), SS_RA_MAX_KEYS);
    ss_ra_keys_free(k);
    ss_ra_keys_free(NULL);
    assert_int_equal(ss_ra_keys_count(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_micromdm_depot_key),
        cmocka_unit_test(test_pem_forms),
        cmocka_unit_test(test_der_forms),
        cmocka_unit_test(test_pkcs12),
        cmocka_unit_test(test_legacy_p12_needs_legacy_provider),
        cmocka_unit_test(test_certificate_joins_key),
        cmocka_unit_test(test_renewed_certificate_same_key),
        cmocka_unit_test(test_several_keys_in_one_file),
        cmocka_unit_test(test_not_keys),
        cmocka_unit_test(test_key_cap),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}

/* test_scep_certs.c — GetCACert / GetNextCACert bodies (decode/scep_certs.c): the DER CA
 * certificate scepserver sent, certs-only and signed PKCS#7 lists made with openssl from the same
 * CA plus two RA certificates (tests/data/scep/README.md), certificates with hostile names built
 * here, and hostile variants (truncations, flips, wrong types, too many certificates).
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
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tests/support/data.h"
#include "decode/ossl_ctx.h"
#include "decode/scep_certs.h"
#include "decode/scep_render.h"

#define load(name, len) ss_test_load("tests/data/scep", name, len)

static OSSL_LIB_CTX *lctx(void **state)
{
    return ss_ossl_libctx((ss_ossl *)*state);
}

static int decode(OSSL_LIB_CTX *libctx, const uint8_t *p, size_t n, ss_scep_certs *c)
{
    int rc = ss_scep_certs_decode(libctx, p, n, c);
    json_t *j = ss_scep_certs_json(c);
    char *s, text[32768];

    assert_int_equal(c->verdict.status == SS_SCEP_OK, c->verdict.reason == SS_SCEP_R_NONE);
    assert_int_equal(rc == 0, c->verdict.reason == SS_SCEP_R_NONE);
    assert_true(c->ncerts <= SS_SCEP_MAX_CERTS);
    assert_non_null(j);
    s = json_dumps(j, JSON_COMPACT);
    assert_non_null(s);
    free(s);
    json_decref(j);
    assert_true(ss_scep_certs_text(c, "", text, sizeof(text)) > 0);
    return rc;
}

/* Upper-case hex of a digest of bytes, computed here independently of the decoder. */
static void digest_hex(const char *md, const uint8_t *p, size_t n, char *out)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dl = 0, i;

    assert_int_equal(EVP_Digest(p, n, d, &dl, EVP_get_digestbyname(md), NULL), 1);
    for (i = 0; i < dl; i++)
        sprintf(out + 2 * i, "%02X", d[i]);
}

static void test_scepserver_ca(void **state)
{
    size_t n;
    uint8_t *b = load("getcacert_scepserver.der", &n);
    ss_scep_certs *c = calloc(1, sizeof(*c));
    const ss_scep_cert *x = &c->certs[0];
    char sha1[41], sha256[65];

    assert_int_equal(decode(lctx(state), b, n, c), 0);
    assert_int_equal(c->form, SS_SCEP_CERTS_SINGLE);
    assert_int_equal(c->ncerts, 1);
    /* `openssl x509 -subject -issuer -dates` on the depot's ca.pem (README) */
    assert_string_equal(x->subject, "C=US, O=scepsniff test CA, OU=SCEP CA");
    assert_string_equal(x->issuer, x->subject);
    assert_string_equal(x->serial, "01");
    assert_string_equal(x->not_before_iso, "2026-11-25T14:41:20Z");
    assert_string_equal(x->not_after_iso, "2036-11-25T14:41:20Z");
    assert_int_equal(x->not_after - x->not_before, 3653L * 86400); /* 10 years, 3 leap days */
    assert_true(x->self_signed);
    assert_true(x->ca);
    assert_true(x->has_basic_constraints);
    assert_int_equal(x->path_len, -1);
    assert_true(x->has_key_usage);
    assert_int_equal(x->key_usage, SS_SCEP_KU_KEY_CERT_SIGN | SS_SCEP_KU_CRL_SIGN);
    assert_false(x->has_eku);
    assert_string_equal(x->key_type, "RSA");
    assert_int_equal(x->key_bits, 2048);
    assert_string_equal(x->sig_alg, "sha256WithRSAEncryption");
    assert_int_equal(x->role, SS_SCEP_ROLE_CA);
    /* scepclient -debug: msg=cacertlist ... hash_type=SHA-256 hash=12c58bc7... */
    assert_string_equal(x->sha256,
                        "12C58BC7C6B25DBBBC0A0CCC79E77867ED00CFB20C2552A67AAA0908A5BA89EE");
    digest_hex("SHA1", b, n, sha1);
    digest_hex("SHA256", b, n, sha256);
    assert_string_equal(x->sha1, sha1);
    assert_string_equal(x->sha256, sha256);
    free(c);
    free(b);
}

static void test_ca_ra_pkcs7(void **state)
{
    size_t n;
    uint8_t *b = load("getcacert_ca_ra_openssl.p7b", &n);
    ss_scep_certs *c = calloc(1, sizeof(*c));
    json_t *j;

    assert_int_equal(decode(lctx(state), b, n, c), 0);
    assert_int_equal(c->form, SS_SCEP_CERTS_PKCS7);
    assert_int_equal(c->nsigners, 0);
    assert_int_equal(c->ncerts, 3);
    assert_int_equal(c->certs[0].role, SS_SCEP_ROLE_CA);
    assert_string_equal(c->certs[1].subject, "C=US, O=scepsniff test, CN=SCEPSNIFF-RA-enc");
    assert_string_equal(c->certs[1].issuer, "C=US, O=scepsniff test CA, OU=SCEP CA");
    assert_string_equal(c->certs[1].serial, "1001");
    assert_false(c->certs[1].self_issued);
    assert_false(c->certs[1].self_signed);
    assert_true(c->certs[1].has_basic_constraints);
    assert_false(c->certs[1].ca);
    assert_int_equal(c->certs[1].key_usage, SS_SCEP_KU_KEY_ENCIPHERMENT);
    assert_int_equal(c->certs[1].role, SS_SCEP_ROLE_RA_ENCRYPT);
    assert_int_equal(c->certs[1].neku, 1);
    assert_string_equal(c->certs[1].eku[0],
                        "1.3.6.1.4.1.311.20.2.1"); /* Certificate Request Agent */
    assert_string_equal(c->certs[2].serial, "1002");
    assert_int_equal(c->certs[2].key_usage,
                     SS_SCEP_KU_DIGITAL_SIGNATURE | SS_SCEP_KU_NON_REPUDIATION);
    assert_int_equal(c->certs[2].role, SS_SCEP_ROLE_RA_SIGN);
    assert_int_equal(c->certs[2].not_after - c->certs[2].not_before, 730L * 86400);

    j = ss_scep_certs_json(c);
    assert_string_equal(json_string_value(json_object_get(j, "form")), "pkcs7-certs-only");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(j, "certificates"), 1), "role")),
                        "RA encryption");
    assert_string_equal(
        json_string_value(json_array_get(
            json_object_get(json_array_get(json_object_get(j, "certificates"), 2), "key_usage"),
            0)),
        "digitalSignature");
    json_decref(j);
    free(c);
    free(b);
}

static void test_getnextcacert_signed(void **state)
{
    size_t n;
    uint8_t *b = load("getnextcacert_openssl.p7b", &n);
    ss_scep_certs *c = calloc(1, sizeof(*c));

    assert_int_equal(decode(lctx(state), b, n, c), 0);
    assert_int_equal(c->form, SS_SCEP_CERTS_PKCS7_SIGNED);
    assert_int_equal(c->nsigners, 1);
    assert_int_equal(c->ncerts, 3); /* the inner list, not the signer's certificate */
    assert_int_equal(c->certs[1].role, SS_SCEP_ROLE_RA_ENCRYPT);
    free(c);
    free(b);

    /* a pkiMessage is signed too, but carries no certificate list */
    b = load("certrep_failure_scepserver.der", &n);
    c = calloc(1, sizeof(*c));
    assert_int_equal(decode(lctx(state), b, n, c), -1);
    assert_int_equal(c->verdict.reason, SS_SCEP_R_BAD_CONTENT);
    free(c);
    free(b);
}

static void test_too_many_certs(void **state)
{
    size_t n, i;
    uint8_t *b = load("getcacert_scepserver.der", &n), *der = NULL;
    const unsigned char *q = b;
    X509 *x = d2i_X509(NULL, &q, (long)n);
    PKCS7 *p7 = PKCS7_new();
    ss_scep_certs *c = calloc(1, sizeof(*c));
    int dl;

    assert_non_null(x);
    assert_int_equal(PKCS7_set_type(p7, NID_pkcs7_signed), 1);
    assert_int_equal(PKCS7_content_new(p7, NID_pkcs7_data), 1);
    for (i = 0; i < 11; i++)
        assert_int_equal(PKCS7_add_certificate(p7, x), 1);
    dl = i2d_PKCS7(p7, &der);
    assert_true(dl > 0);
    assert_int_equal(decode(lctx(state), der, (size_t)dl, c), 0);
    assert_int_equal(c->ncerts, SS_SCEP_MAX_CERTS);
    assert_int_equal(c->certs_dropped, 11 - SS_SCEP_MAX_CERTS);
    assert_string_equal(c->certs[7].subject, "C=US, O=scepsniff test CA, OU=SCEP CA");
    OPENSSL_free(der);
    PKCS7_free(p7);
    X509_free(x);
    free(c);
    free(b);
}

/* Names with terminal escapes, bidi overrides and broken UTF-8, on an EC key, with many EKUs. */
static void test_hostile_names(void **state)
{
    OSSL_LIB_CTX *libctx = lctx(state);
    EVP_PKEY *k = EVP_PKEY_Q_keygen(libctx, NULL, "EC", "P-256");
    X509 *x = X509_new_ex(libctx, NULL);
    X509_NAME *nm = X509_NAME_new();
    static const uint8_t cn[] = "evil\x1b]0;pwned\x07\xe2\x80\xae"
                                "gnp.exe\xc3";
    X509V3_CTX v3;
    X509_EXTENSION *ext;
    unsigned char *der = NULL;
    ss_scep_certs *c = calloc(1, sizeof(*c));
    json_t *j;
    char *s;
    int dl;
    size_t i;

    assert_non_null(k);
    assert_int_equal(
        X509_NAME_add_entry_by_txt(nm, "CN", V_ASN1_UTF8STRING, cn, (int)sizeof(cn) - 1, -1, 0), 1);
    X509_set_version(x, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    X509_set_subject_name(x, nm);
    X509_set_issuer_name(x, nm);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, k);
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &v3, NID_ext_key_usage,
                              "clientAuth,serverAuth,emailProtection,codeSigning,timeStamping,"
                              "OCSPSigning,1.2.3.4,1.2.3.5,1.2.3.6,1.2.3.7");
    assert_non_null(ext);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    assert_true(X509_sign(x, k, EVP_sha256()) > 0);
    dl = i2d_X509(x, &der);
    assert_true(dl > 0);

    assert_int_equal(decode(libctx, der, (size_t)dl, c), 0);
    for (i = 0; c->certs[0].subject[i]; i++)
        assert_true((unsigned char)c->certs[0].subject[i] >= 0x20);
    assert_null(strstr(c->certs[0].subject, "\xe2\x80\xae"));
    assert_string_equal(c->certs[0].key_type, "EC");
    assert_string_equal(c->certs[0].key_group, "prime256v1");
    assert_int_equal(c->certs[0].key_bits, 256);
    assert_true(c->certs[0].self_signed);
    assert_int_equal(c->certs[0].neku, SS_SCEP_MAX_EKUS);
    assert_int_equal(c->certs[0].eku_dropped, 2);
    assert_string_equal(c->certs[0].eku[0], "clientAuth");
    assert_string_equal(c->certs[0].eku[6], "1.2.3.4");
    assert_int_equal(c->certs[0].role, SS_SCEP_ROLE_RA_BOTH); /* no keyUsage: any use */
    j = ss_scep_certs_json(c);
    s = json_dumps(j, 0);
    assert_non_null(s);
    assert_null(strchr(s, 0x1b));
    free(s);
    json_decref(j);

    OPENSSL_free(der);
    X509_NAME_free(nm);
    X509_free(x);
    EVP_PKEY_free(k);
    free(c);
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void test_hostile(void **state)
{
    static const char *const files[] = {"getcacert_scepserver.der", "getcacert_ca_ra_openssl.p7b",
                                        "getnextcacert_openssl.p7b"};
    static const uint8_t html[] = "<HTML><HEAD><TITLE>Network Device Enrollment Service</TITLE>";
    uint64_t seed = 0xCE27CE27ULL;
    ss_scep_certs *c = calloc(1, sizeof(*c));
    size_t n, k;
    unsigned f, i, bad = 0;
    uint8_t *b;

    for (f = 0; f < 3; f++) {
        b = load(files[f], &n);
        for (k = 0; k < n; k += (f == 0 ? 1 : 3)) {
            uint8_t *cut = malloc(k ? k : 1);

            memcpy(cut, b, k);
            assert_int_equal(decode(lctx(state), cut, k, c), -1);
            assert_int_equal(c->verdict.status, k == 0 ? SS_SCEP_MALFORMED : SS_SCEP_TRUNCATED);
            free(cut);
        }
        for (i = 0; i < 800; i++) {
            uint8_t *v = malloc(n);

            memcpy(v, b, n);
            for (k = 0; k < 1 + rnd(&seed) % 3; k++)
                v[rnd(&seed) % n] ^= (uint8_t)(1u << (rnd(&seed) % 8));
            if (decode(lctx(state), v, n, c) != 0)
                bad++;
            free(v);
        }
        free(b);
    }
    assert_true(bad > 0);

    assert_int_equal(decode(lctx(state), html, sizeof(html) - 1, c), -1);
    assert_int_equal(c->verdict.reason, SS_SCEP_R_TEXT);
    assert_int_equal(decode(lctx(state), (const uint8_t *)"", 0, c), -1);
    assert_int_equal(c->verdict.reason, SS_SCEP_R_EMPTY);
    /* a request pkiMessage: signed, but its content is an envelope, not a certificate list */
    b = load("pkcsreq_scepclient.der", &n);
    assert_int_equal(decode(lctx(state), b, n, c), -1);
    assert_int_equal(c->verdict.reason, SS_SCEP_R_BAD_CONTENT);
    free(b);
    free(c);
}

static void test_csr_is_wrong_type(void **state)
{
    OSSL_LIB_CTX *libctx = lctx(state);
    EVP_PKEY *k = EVP_PKEY_Q_keygen(libctx, NULL, "EC", "P-256");
    X509_REQ *req = X509_REQ_new_ex(libctx, NULL);
    unsigned char *der = NULL;
    ss_scep_certs *c = calloc(1, sizeof(*c));
    int dl;

    X509_REQ_set_pubkey(req, k);
    assert_true(X509_REQ_sign(req, k, EVP_sha256()) > 0);
    dl = i2d_X509_REQ(req, &der);
    assert_int_equal(decode(libctx, der, (size_t)dl, c), -1);
    assert_int_equal(c->verdict.reason, SS_SCEP_R_WRONG_TYPE);
    assert_non_null(strstr(c->verdict.detail, "PKCS#10"));
    OPENSSL_free(der);
    X509_REQ_free(req);
    EVP_PKEY_free(k);
    free(c);
}

static int setup(void **state)
{
    char err[128];
    ss_ossl *o = ss_ossl_new(err, sizeof(err));

    if (!o)
        return -1;
    *state = o;
    return 0;
}

static int teardown(void **state)
{
    ss_ossl_free((ss_ossl *)*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scepserver_ca),        cmocka_unit_test(test_ca_ra_pkcs7),
        cmocka_unit_test(test_getnextcacert_signed), cmocka_unit_test(test_too_many_certs),
        cmocka_unit_test(test_hostile_names),        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_csr_is_wrong_type),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}

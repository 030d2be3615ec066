/* test_scep_verify.c — pkiMessage signature verification (decode/scep_verify.c) and certificate
 * sets as OpenSSL objects (decode/scep_certset.c): the real scepclient requests and scepserver
 * CertReps (tests/data/scep/) verify; the same bodies with one signature byte or one content
 * byte flipped do not; a CertRep whose signer certificate is stripped (re-encoded here with
 * OpenSSL) cannot be checked until the server's GetCACert certificate is given; messages signed
 * here over absent content or without signed attributes; hostile and wrong-kind bodies.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "decode/ossl_ctx.h"
#include "decode/scep_certset.h"
#include "decode/scep_verify.h"
#include "tests/support/data.h"

#define CA_SUBJECT "C=US, O=scepsniff test CA, OU=SCEP CA"

static uint8_t *load(const char *name, size_t *len)
{
    return ss_test_load("tests/data/scep", name, len);
}

static EVP_PKEY *load_key(const char *name)
{
    char path[1024];
    EVP_PKEY *k;
    FILE *f;

    ss_test_path("tests/data/scep/", path, sizeof(path));
    strncat(path, name, sizeof(path) - strlen(path) - 1);
    f = fopen(path, "r");
    assert_non_null(f);
    k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(k);
    return k;
}

static X509 *scepserver_ca(void)
{
    size_t n;
    uint8_t *p = load("getcacert_scepserver.der", &n);
    const unsigned char *q = p;
    X509 *x = d2i_X509(NULL, &q, (long)n);
    free(p);
    assert_non_null(x);
    return x;
}

static int setup(void **state)
{
    char err[128];
    *state = ss_ossl_new(err, sizeof(err));
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    ss_ossl_free(*state);
    return 0;
}

static OSSL_LIB_CTX *lctx(void **state)
{
    return ss_ossl_libctx((ss_ossl *)*state);
}

static uint8_t *find_bytes(uint8_t *hay, size_t n, const uint8_t *needle, size_t k)
{
    for (size_t i = 0; k && i + k <= n; i++)
        if (!memcmp(hay + i, needle, k))
            return hay + i;
    return NULL;
}

/* Where the first signerInfo's signature lies in body, found through OpenSSL's own parse. */
static uint8_t *signature_in(uint8_t *body, size_t len, size_t *siglen)
{
    const unsigned char *q = body;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &q, (long)len);
    CMS_SignerInfo *si;
    ASN1_OCTET_STRING *sig;
    uint8_t *at;

    assert_non_null(cms);
    si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
    assert_non_null(si);
    sig = CMS_SignerInfo_get0_signature(si);
    assert_true(sig->length >= 64);
    at = find_bytes(body, len, sig->data, (size_t)sig->length);
    *siglen = (size_t)sig->length;
    CMS_ContentInfo_free(cms);
    assert_non_null(at);
    return at;
}

/* Where the encapsulated content lies in body; NULL when it is empty. */
static uint8_t *content_in(uint8_t *body, size_t len, size_t *clen)
{
    const unsigned char *q = body;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &q, (long)len);
    ASN1_OCTET_STRING **pos;
    uint8_t *at = NULL;

    assert_non_null(cms);
    pos = CMS_get0_content(cms);
    *clen = 0;
    if (pos && *pos && (*pos)->length > 0) {
        *clen = (size_t)(*pos)->length;
        at = find_bytes(body, len, (*pos)->data, *clen);
        assert_non_null(at);
    }
    CMS_ContentInfo_free(cms);
    return at;
}

static void check(ss_scep_sigcheck *sc)
{
    /* whatever the outcome, the strings are terminated and the status has a name */
    assert_true(strlen(sc->detail) < sizeof(sc->detail));
    assert_true(strlen(sc->signer_ref) < sizeof(sc->signer_ref));
    assert_non_null(ss_scep_sig_status_name(sc->status));
    assert_int_equal(sc->status == SS_SCEP_SIG_VERIFIED, sc->detail[0] == '\0');
    if (!sc->signer_known)
        assert_int_equal(sc->signer.subject[0], '\0');
}

static int verify(OSSL_LIB_CTX *libctx, const uint8_t *p, size_t n, STACK_OF(X509) * extra,
                  ss_scep_sigcheck *sc)
{
    int rc = ss_scep_msg_verify(libctx, p, n, extra, sc);
    check(sc);
    assert_int_equal(rc == 0, sc->status == SS_SCEP_SIG_VERIFIED);
    return rc;
}

static void test_real_bodies_verify(void **state)
{
    static const struct {
        const char *file, *subject, *serial;
        int ca, digital_signature;
    } cases[] = {
        {"certrep_success_scepserver.der", CA_SUBJECT, "01", 1, 0},
        {"certrep_failure_scepserver.der", CA_SUBJECT, "01", 1, 0},
        {"pkcsreq_scepclient.der", "O=scepsniff test, CN=SCEP SIGNER",
         "8EA1F3294A0CAFAD5A899053D7794A6D", 0, 1},
        {"pkcsreq_wrong_challenge_scepclient.der", "O=scepsniff test, CN=SCEP SIGNER",
         "75CA603CE0EBCF17FDD9F887E5B587D7", 0, 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ss_scep_sigcheck sc;
        size_t n;
        uint8_t *p = load(cases[i].file, &n);

        if (verify(lctx(state), p, n, NULL, &sc) != 0)
            fail_msg("%s: %s: %s", cases[i].file, ss_scep_sig_status_name(sc.status), sc.detail);
        assert_int_equal(sc.nsigners, 1);
        assert_true(sc.signer_known);
        assert_false(sc.signer_from_extra);
        assert_string_equal(sc.signer.subject, cases[i].subject);
        assert_string_equal(sc.signer.serial, cases[i].serial);
        assert_int_equal(sc.signer.ca, cases[i].ca);
        assert_int_equal(sc.signer_digital_signature, cases[i].digital_signature);
        assert_non_null(strstr(sc.signer_ref, cases[i].serial));
        free(p);
    }
}

static void test_signature_byte_flipped(void **state)
{
    static const char *files[] = {"certrep_success_scepserver.der",
                                  "certrep_failure_scepserver.der", "pkcsreq_scepclient.der"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        ss_scep_sigcheck sc;
        size_t n, siglen;
        uint8_t *p = load(files[i], &n);
        uint8_t *sig = signature_in(p, n, &siglen);

        sig[siglen / 2] ^= 0x01;
        assert_int_equal(verify(lctx(state), p, n, NULL, &sc), -1);
        if (sc.status != SS_SCEP_SIG_INVALID)
            fail_msg("%s: %s: %s", files[i], ss_scep_sig_status_name(sc.status), sc.detail);
        assert_non_null(strstr(sc.detail, "signed attributes"));
        /* the signer is still named: it was found, only its signature failed */
        assert_true(sc.signer_known);
        sig[siglen / 2] ^= 0x01;
        assert_int_equal(verify(lctx(state), p, n, NULL, &sc), 0);
        free(p);
    }
}

static void test_content_byte_flipped(void **state)
{
    static const char *files[] = {"certrep_success_scepserver.der", "pkcsreq_scepclient.der"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        ss_scep_sigcheck sc;
        size_t n, clen;
        uint8_t *p = load(files[i], &n);
        uint8_t *c = content_in(p, n, &clen);

        assert_non_null(c);
        /* inside the encrypted bytes at the end: the ASN.1 shape stays valid */
        c[clen - 8] ^= 0x40;
        assert_int_equal(verify(lctx(state), p, n, NULL, &sc), -1);
        assert_int_equal(sc.status, SS_SCEP_SIG_INVALID);
        assert_non_null(strstr(sc.detail, "messageDigest"));
        free(p);
    }
}

/* The CertRep re-encoded without its signer's certificate (the issued one stays). */
static uint8_t *strip_signer(const char *file, size_t *out_len)
{
    size_t n;
    uint8_t *p = load(file, &n), *der = NULL;
    const unsigned char *q = p;
    PKCS7 *p7 = d2i_PKCS7(NULL, &q, (long)n);
    STACK_OF(X509) * certs;
    int removed = 0, len;

    assert_non_null(p7);
    assert_true(PKCS7_type_is_signed(p7));
    certs = p7->d.sign->cert;
    for (int i = sk_X509_num(certs) - 1; i >= 0; i--) {
        X509 *x = sk_X509_value(certs, i);
        if (X509_check_ca(x)) {
            X509_free(sk_X509_delete(certs, i));
            removed++;
        }
    }
    assert_int_equal(removed, 1);
    len = i2d_PKCS7(p7, &der);
    assert_true(len > 0);
    PKCS7_free(p7);
    free(p);
    *out_len = (size_t)len;
    return der;
}

static void test_signer_stripped(void **state)
{
    ss_scep_sigcheck sc;
    size_t n, cn;
    uint8_t *p = strip_signer("certrep_success_scepserver.der", &n);
    uint8_t *cabody = load("getcacert_scepserver.der", &cn);
    STACK_OF(X509) *ca = ss_scep_certset_from_body(lctx(state), cabody, cn), *old;
    char path[1024], err[256];

    assert_non_null(ca);
    assert_int_equal(sk_X509_num(ca), 1);

    assert_int_equal(verify(lctx(state), p, n, NULL, &sc), -1);
    assert_int_equal(sc.status, SS_SCEP_SIG_NO_SIGNER_CERT);
    assert_false(sc.signer_known);
    /* who signed is still said, from the signerInfo */
    assert_non_null(strstr(sc.signer_ref, "serial 01 of " CA_SUBJECT));
    assert_non_null(strstr(sc.detail, "0 known certificates"));

    /* another CA's certificate does not help */
    ss_test_path("pcaps/keys/scep-depot-old/ca.pem", path, sizeof(path));
    old = ss_scep_certset_read_file(lctx(state), path, err, sizeof(err));
    if (!old)
        fail_msg("%s", err);
    assert_int_equal(verify(lctx(state), p, n, old, &sc), -1);
    assert_int_equal(sc.status, SS_SCEP_SIG_NO_SIGNER_CERT);
    assert_non_null(strstr(sc.detail, "1 known certificates"));

    /* the server's GetCACert certificate does: the re-encoding kept the signature intact */
    if (verify(lctx(state), p, n, ca, &sc) != 0)
        fail_msg("%s: %s", ss_scep_sig_status_name(sc.status), sc.detail);
    assert_true(sc.signer_known);
    assert_true(sc.signer_from_extra);
    assert_string_equal(sc.signer.subject, CA_SUBJECT);

    OPENSSL_free(p);

    /* and the message's own certificate wins over one given */
    p = load("certrep_success_scepserver.der", &n);
    assert_int_equal(verify(lctx(state), p, n, ca, &sc), 0);
    assert_false(sc.signer_from_extra);

    ss_scep_certset_free(old);
    ss_scep_certset_free(ca);
    free(cabody);
    free(p);
}

/* A certificate with the CA's name and serial but another key: found, and the signature fails. */
static void test_impostor_certificate(void **state)
{
    ss_scep_sigcheck sc;
    size_t n;
    uint8_t *p = strip_signer("certrep_success_scepserver.der", &n);
    X509 *real = scepserver_ca(), *fake = X509_new();
    EVP_PKEY *k = EVP_RSA_gen(2048);
    STACK_OF(X509) *extra = sk_X509_new_null();

    assert_non_null(k);
    assert_non_null(fake);
    assert_int_equal(X509_set_version(fake, 2), 1);
    assert_int_equal(X509_set_serialNumber(fake, X509_get_serialNumber(real)), 1);
    assert_int_equal(X509_set_subject_name(fake, X509_get_subject_name(real)), 1);
    assert_int_equal(X509_set_issuer_name(fake, X509_get_subject_name(real)), 1);
    assert_non_null(X509_gmtime_adj(X509_getm_notBefore(fake), 0));
    assert_non_null(X509_gmtime_adj(X509_getm_notAfter(fake), 86400));
    assert_int_equal(X509_set_pubkey(fake, k), 1);
    assert_true(X509_sign(fake, k, EVP_sha256()) > 0);
    assert_true(sk_X509_push(extra, fake) > 0);

    assert_int_equal(verify(lctx(state), p, n, extra, &sc), -1);
    assert_int_equal(sc.status, SS_SCEP_SIG_INVALID);
    assert_true(sc.signer_from_extra);
    assert_non_null(strstr(sc.detail, CA_SUBJECT));

    sk_X509_pop_free(extra, X509_free);
    X509_free(real);
    EVP_PKEY_free(k);
    OPENSSL_free(p);
}

/* Messages signed here with the scepserver CA: absent content, no signed attributes. */
static uint8_t *sign_here(const char *content, unsigned flags, size_t *len)
{
    X509 *ca = scepserver_ca();
    EVP_PKEY *key = load_key("scepserver_ca_key.pem");
    BIO *in = BIO_new_mem_buf(content, (int)strlen(content));
    CMS_ContentInfo *cms = CMS_sign(ca, key, NULL, in, flags | CMS_BINARY);
    uint8_t *der = NULL;
    int n;

    assert_non_null(cms);
    n = i2d_CMS_ContentInfo(cms, &der);
    assert_true(n > 0);
    *len = (size_t)n;
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    EVP_PKEY_free(key);
    X509_free(ca);
    return der;
}

static void test_absent_content(void **state)
{
    ss_scep_sigcheck sc;
    size_t n;
    uint8_t *p = sign_here("", CMS_DETACHED, &n);

    /* signed over nothing, as a FAILURE CertRep without content is */
    if (verify(lctx(state), p, n, NULL, &sc) != 0)
        fail_msg("%s", sc.detail);
    OPENSSL_free(p);

    /* signed over bytes that are not in the message: the digest cannot match empty content */
    p = sign_here("a detached request", CMS_DETACHED, &n);
    assert_int_equal(verify(lctx(state), p, n, NULL, &sc), -1);
    assert_int_equal(sc.status, SS_SCEP_SIG_INVALID);
    assert_non_null(strstr(sc.detail, "absent"));
    OPENSSL_free(p);
}

static void test_no_signed_attributes(void **state)
{
    ss_scep_sigcheck sc;
    size_t n, siglen;
    uint8_t *p = sign_here("content", CMS_NOATTR, &n), *sig;

    if (verify(lctx(state), p, n, NULL, &sc) != 0)
        fail_msg("%s", sc.detail);
    sig = signature_in(p, n, &siglen);
    sig[3] ^= 0x10;
    assert_int_equal(verify(lctx(state), p, n, NULL, &sc), -1);
    assert_int_equal(sc.status, SS_SCEP_SIG_INVALID);
    assert_string_equal(sc.detail, "the signature does not verify");
    OPENSSL_free(p);
}

/* More signerInfos than a SCEP message has are not verified one by one. */
static void test_too_many_signers(void **state)
{
    BIO *in = BIO_new_mem_buf("content", 7);
    CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, in, CMS_BINARY | CMS_PARTIAL);
    ss_scep_sigcheck sc;
    uint8_t *der = NULL;
    int n;

    assert_non_null(cms);
    /* signers of their own (EC keys: quick to make), one signerInfo each */
    for (int i = 0; i <= SS_SCEP_VERIFY_MAX_SIGNERS; i++) {
        EVP_PKEY *k = EVP_EC_gen("P-256");
        X509 *x = X509_new();

        assert_non_null(k);
        assert_non_null(x);
        assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), i + 1), 1);
        assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
        assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400));
        assert_int_equal(X509_set_pubkey(x, k), 1);
        assert_true(X509_sign(x, k, EVP_sha256()) > 0);
        assert_non_null(CMS_add1_signer(cms, x, k, EVP_sha256(), CMS_BINARY));
        X509_free(x);
        EVP_PKEY_free(k);
    }
    assert_int_equal(CMS_final(cms, in, NULL, CMS_BINARY), 1);
    n = i2d_CMS_ContentInfo(cms, &der);
    assert_true(n > 0);
    assert_int_equal(verify(lctx(state), der, (size_t)n, NULL, &sc), -1);
    assert_int_equal(sc.status, SS_SCEP_SIG_UNVERIFIABLE);
    assert_int_equal(sc.nsigners, SS_SCEP_VERIFY_MAX_SIGNERS + 1);
    assert_non_null(strstr(sc.detail, "signerInfos"));
    OPENSSL_free(der);
    CMS_ContentInfo_free(cms);
    BIO_free(in);
}

static void test_not_verifiable(void **state)
{
    static const uint8_t garbage[] = {0x30, 0x03, 0x02, 0x01, 0x05};
    static const char *files[] = {"getcacert_ca_ra_openssl.p7b", "getcacert_scepserver.der",
                                  "getcacaps_scepserver.txt"};
    ss_scep_sigcheck sc;
    size_t n;
    uint8_t *p;

    assert_int_equal(verify(lctx(state), NULL, 0, NULL, &sc), -1);
    assert_int_equal(sc.status, SS_SCEP_SIG_UNVERIFIABLE);
    assert_int_equal(verify(lctx(state), garbage, 0, NULL, &sc), -1);
    assert_int_equal(sc.status, SS_SCEP_SIG_UNVERIFIABLE);
    assert_int_equal(verify(lctx(state), garbage, sizeof(garbage), NULL, &sc), -1);
    assert_int_equal(sc.status, SS_SCEP_SIG_UNVERIFIABLE);
    assert_non_null(strstr(sc.detail, "not a CMS message"));
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        p = load(files[i], &n);
        assert_int_equal(verify(lctx(state), p, n, NULL, &sc), -1);
        assert_int_equal(sc.status, SS_SCEP_SIG_UNVERIFIABLE);
        free(p);
    }
    p = load("getcacert_ca_ra_openssl.p7b", &n);
    assert_int_equal(verify(lctx(state), p, n, NULL, &sc), -1);
    assert_non_null(strstr(sc.detail, "no signerInfo"));
    free(p);
    /* every cut of a real CertRep ends as not verifiable, never a crash or a false verify */
    p = load("certrep_success_scepserver.der", &n);
    for (size_t cut = 0; cut < n; cut += 97) {
        uint8_t *copy = malloc(cut ? cut : 1);
        assert_non_null(copy);
        memcpy(copy, p, cut);
        assert_int_equal(verify(lctx(state), copy, cut, NULL, &sc), -1);
        assert_int_equal(sc.status, SS_SCEP_SIG_UNVERIFIABLE);
        free(copy);
    }
    free(p);
}

/* ---- certificate sets ---- */

static void test_certset_from_bodies(void **state)
{
    static const struct {
        const char *file;
        int n;
    } cases[] = {
        {"getcacert_scepserver.der", 1},
        {"getcacert_ca_ra_openssl.p7b", 3},
        {"getnextcacert_openssl.p7b", 3},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n;
        uint8_t *p = load(cases[i].file, &n);
        STACK_OF(X509) *s = ss_scep_certset_from_body(lctx(state), p, n);
        ss_scep_certs a, b;

        assert_non_null(s);
        assert_int_equal(sk_X509_num(s), cases[i].n);
        /* the same certificates in the same order as the decoder lists them */
        assert_int_equal(ss_scep_certs_decode(lctx(state), p, n, &a), 0);
        ss_scep_certset_facts(lctx(state), s, &b);
        assert_int_equal(a.ncerts, b.ncerts);
        for (unsigned k = 0; k < a.ncerts; k++)
            assert_string_equal(a.certs[k].sha256, b.certs[k].sha256);
        ss_scep_certset_free(s);
        free(p);
    }
    /* a pkiMessage is a signed SignedData without a list inside: like the decoder, the
     * outer certificates are listed (the decoder calls the body malformed) */
    {
        size_t n;
        uint8_t *p = load("certrep_failure_scepserver.der", &n);
        STACK_OF(X509) *s = ss_scep_certset_from_body(lctx(state), p, n);
        ss_scep_certs a;

        assert_int_equal(ss_scep_certs_decode(lctx(state), p, n, &a), -1);
        assert_non_null(s);
        assert_int_equal((unsigned)sk_X509_num(s), a.ncerts);
        ss_scep_certset_free(s);
        free(p);
    }
    assert_null(ss_scep_certset_from_body(lctx(state), (const uint8_t *)"<html>", 6));
    assert_null(ss_scep_certset_from_body(lctx(state), NULL, 0));
}

static void test_certset_files(void **state)
{
    static const char *dirs[] = {"scep-depot", "scep-depot-old", "scep-depot-expired"};
    char path[1024], err[256], tmpl[] = "/tmp/ss_certset_XXXXXX";
    STACK_OF(X509) * s;
    ss_scep_certs facts;
    size_t n;
    uint8_t *p;
    FILE *f;
    int fd;

    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        char rel[128];
        snprintf(rel, sizeof(rel), "pcaps/keys/%s/ca.pem", dirs[i]);
        ss_test_path(rel, path, sizeof(path));
        s = ss_scep_certset_read_file(lctx(state), path, err, sizeof(err));
        if (!s)
            fail_msg("%s", err);
        assert_int_equal(sk_X509_num(s), 1);
        ss_scep_certset_facts(lctx(state), s, &facts);
        assert_int_equal(facts.ncerts, 1);
        assert_true(facts.certs[0].ca);
        assert_true(facts.certs[0].self_signed);
        ss_scep_certset_free(s);
    }
    /* DER PKCS#7 */
    ss_test_path("tests/data/scep/getcacert_ca_ra_openssl.p7b", path, sizeof(path));
    s = ss_scep_certset_read_file(lctx(state), path, err, sizeof(err));
    assert_non_null(s);
    assert_int_equal(sk_X509_num(s), 3);
    ss_scep_certset_free(s);

    /* PEM with a key (skipped, never decoded), a certificate and a PKCS7 block: 1 + 3 */
    fd = mkstemp(tmpl);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    fputs("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n", f);
    {
        X509 *ca = scepserver_ca();
        PKCS7 *p7;
        const unsigned char *q;

        assert_int_equal(PEM_write_X509(f, ca), 1);
        X509_free(ca);
        p = load("getcacert_ca_ra_openssl.p7b", &n);
        q = p;
        p7 = d2i_PKCS7(NULL, &q, (long)n);
        assert_non_null(p7);
        assert_int_equal(PEM_write_PKCS7(f, p7), 1);
        PKCS7_free(p7);
        free(p);
    }
    fclose(f);
    s = ss_scep_certset_read_file(lctx(state), tmpl, err, sizeof(err));
    if (!s)
        fail_msg("%s", err);
    assert_int_equal(sk_X509_num(s), 4);
    ss_scep_certset_free(s);

    /* no certificate: a clear message */
    f = fopen(tmpl, "w");
    assert_non_null(f);
    fputs("not a certificate\n", f);
    fclose(f);
    assert_null(ss_scep_certset_read_file(lctx(state), tmpl, err, sizeof(err)));
    assert_non_null(strstr(err, "holds no certificate"));
    unlink(tmpl);
    assert_null(ss_scep_certset_read_file(lctx(state), tmpl, err, sizeof(err)));
    assert_non_null(strstr(err, "cannot open"));

    ss_scep_certset_facts(lctx(state), NULL, &facts);
    assert_int_equal(facts.ncerts, 0);
    assert_int_equal(facts.verdict.reason, SS_SCEP_R_NO_CERTS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_bodies_verify),   cmocka_unit_test(test_signature_byte_flipped),
        cmocka_unit_test(test_content_byte_flipped), cmocka_unit_test(test_signer_stripped),
        cmocka_unit_test(test_impostor_certificate), cmocka_unit_test(test_absent_content),
        cmocka_unit_test(test_no_signed_attributes), cmocka_unit_test(test_too_many_signers),
        cmocka_unit_test(test_not_verifiable),       cmocka_unit_test(test_certset_from_bodies),
        cmocka_unit_test(test_certset_files),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

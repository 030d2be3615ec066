/* test_cert_checks.c — CA/RA sets and CertRep signatures judged (detect/cert_checks.c): the real
 * GetCACert answers (scepserver's lone CA, the CA + RA set made with openssl in tests/data/scep/,
 * the depot CAs in pcaps/keys/), and sets built here with OpenSSL: an NDES-like CA + RA
 * encryption + RA signing set, sets missing one RA certificate, RA certificates from another
 * CA or under an impostor CA of the same name, an intermediate under a root, expected
 * thumbprints that match or not, and CertReps signed by RA certificates.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "decode/ossl_ctx.h"
#include "decode/scep_certset.h"
#include "decode/scep_verify.h"
#include "detect/cert_checks.h"
#include "detect/exchange.h"
#include "tests/support/data.h"

/* ---- fixtures ---------------------------------------------------------------------------- */

typedef struct fixture {
    ss_ossl *ossl;
    EVP_PKEY *k[6]; /* fresh keys, reused across certificates to keep the test fast */
} fixture;

static int setup(void **state)
{
    char err[128];
    fixture *f = calloc(1, sizeof(*f));

    if (!f || !(f->ossl = ss_ossl_new(err, sizeof(err))))
        return -1;
    for (int i = 0; i < 6; i++)
        if (!(f->k[i] = EVP_RSA_gen(2048)))
            return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < 6; i++)
        EVP_PKEY_free(f->k[i]);
    ss_ossl_free(f->ossl);
    free(f);
    return 0;
}

static OSSL_LIB_CTX *lctx(void **state)
{
    return ss_ossl_libctx(((fixture *)*state)->ossl);
}

static EVP_PKEY *key(void **state, int i)
{
    return ((fixture *)*state)->k[i];
}

static uint8_t *load(const char *rel, size_t *len)
{
    return ss_test_load(".", rel, len);
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *e;

    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    assert_non_null(e);
    assert_int_equal(X509_add_ext(x, e, -1), 1);
    X509_EXTENSION_free(e);
}

/* A certificate for cn with key k, issued by issuer/ikey (self-signed when issuer is NULL).
 * ku is the keyUsage value ("" for none); ca adds basicConstraints cA. */
static X509 *make_cert(const char *cn, EVP_PKEY *k, X509 *issuer, EVP_PKEY *ikey, const char *ku,
                       int ca, long serial)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();

    assert_non_null(x);
    assert_non_null(name);
    assert_int_equal(X509_set_version(x, 2), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), serial), 1);
    assert_int_equal(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                                (const unsigned char *)"scepsniff test", -1, -1, 0),
                     1);
    assert_int_equal(
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0),
        1);
    assert_int_equal(X509_set_subject_name(x, name), 1);
    assert_int_equal(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name), 1);
    X509_NAME_free(name);
    assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), -86400));
    assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365));
    assert_int_equal(X509_set_pubkey(x, k), 1);
    add_ext(x, issuer ? issuer : x, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
    if (ku[0])
        add_ext(x, issuer ? issuer : x, NID_key_usage, ku);
    assert_true(X509_sign(x, issuer ? ikey : k, EVP_sha256()) > 0);
    return x;
}

/* Both views of a set, as the decoder and ss_scep_certset_from_body() give them. */
static void facts_of(void **state, STACK_OF(X509) * s, ss_scep_certs *c)
{
    ss_scep_certset_facts(lctx(state), s, c);
}

static STACK_OF(X509) * set_of(X509 *a, X509 *b, X509 *c)
{
    STACK_OF(X509) *s = sk_X509_new_null();
    X509 *v[3] = {a, b, c};

    assert_non_null(s);
    for (int i = 0; i < 3; i++) {
        if (!v[i])
            continue;
        assert_int_equal(X509_up_ref(v[i]), 1);
        assert_true(sk_X509_push(s, v[i]) > 0);
    }
    return s;
}

static const scepsniff_finding *finding(const scepsniff_exchange *ex, ss_finding_id id)
{
    const char *code = ss_finding_get(id)->code;
    for (unsigned i = 0; i < ex->nfindings; i++)
        if (ex->findings[i].code == code)
            return &ex->findings[i];
    return NULL;
}

static void judge(void **state, STACK_OF(X509) * s, const ss_ca_expect *e, scepsniff_exchange *ex)
{
    ss_scep_certs c;

    facts_of(state, s, &c);
    memset(ex, 0, sizeof(*ex));
    ss_judge_ca_set(&c, s, e, ex);
}

static void hex_digest(X509 *x, const EVP_MD *md, char *out, int colons)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    size_t o = 0;

    assert_int_equal(X509_digest(x, md, d, &n), 1);
    for (unsigned i = 0; i < n; i++)
        o += (size_t)sprintf(out + o, "%s%02x", colons && i ? ":" : "", d[i]);
}

/* ---- sets -------------------------------------------------------------------------------- */

static void test_ndes_like_set_is_healthy(void **state)
{
    X509 *ca =
        make_cert("Issuing CA", key(state, 0), NULL, NULL, "critical,keyCertSign,cRLSign", 1, 1);
    X509 *enc = make_cert("NDES-MSCEP-RA enc", key(state, 1), ca, key(state, 0),
                          "critical,keyEncipherment", 0, 2);
    X509 *sig = make_cert("NDES-MSCEP-RA sign", key(state, 2), ca, key(state, 0),
                          "critical,digitalSignature,nonRepudiation", 0, 3);
    STACK_OF(X509) *s = set_of(ca, enc, sig);
    scepsniff_exchange ex;
    ss_scep_certs c;
    char text[512];

    judge(state, s, NULL, &ex);
    assert_int_equal(ex.nfindings, 0);

    facts_of(state, s, &c);
    ss_ca_set_describe(&c, text, sizeof(text));
    assert_string_equal(text, "CA O=scepsniff test, CN=Issuing CA (self-signed root); "
                              "RA encryption O=scepsniff test, CN=NDES-MSCEP-RA enc; "
                              "RA signing O=scepsniff test, CN=NDES-MSCEP-RA sign");
    /* cut to fit, terminated */
    ss_ca_set_describe(&c, text, 10);
    assert_int_equal(strlen(text), 9);

    sk_X509_pop_free(s, X509_free);
    X509_free(ca);
    X509_free(enc);
    X509_free(sig);
}

static void test_missing_ra_certificates(void **state)
{
    X509 *ca =
        make_cert("Issuing CA", key(state, 0), NULL, NULL, "critical,keyCertSign,cRLSign", 1, 1);
    X509 *enc =
        make_cert("RA enc", key(state, 1), ca, key(state, 0), "critical,keyEncipherment", 0, 2);
    X509 *sig =
        make_cert("RA sign", key(state, 2), ca, key(state, 0), "critical,digitalSignature", 0, 3);
    X509 *both = make_cert("RA both", key(state, 3), ca, key(state, 0), "", 0, 4);
    STACK_OF(X509) * s;
    scepsniff_exchange ex;
    const scepsniff_finding *f;

    /* signing only: nothing to encrypt to */
    s = set_of(ca, sig, NULL);
    judge(state, s, NULL, &ex);
    f = finding(&ex, SS_F_RA_ENCRYPT_MISSING);
    assert_non_null(f);
    assert_int_equal(f->severity, SCEPSNIFF_SEV_ERROR);
    assert_non_null(strstr(f->detail, "1 RA certificate: O=scepsniff test, CN=RA sign "
                                      "(digitalSignature)"));
    assert_null(finding(&ex, SS_F_RA_SIGN_MISSING));
    assert_int_equal(ex.nfindings, 1);
    assert_string_equal(ex.verdict, "cert.ra_encryption_missing");
    sk_X509_pop_free(s, X509_free);

    /* encryption only: replies cannot be verified by key usage */
    s = set_of(ca, enc, NULL);
    judge(state, s, NULL, &ex);
    f = finding(&ex, SS_F_RA_SIGN_MISSING);
    assert_non_null(f);
    assert_int_equal(f->severity, SCEPSNIFF_SEV_WARNING);
    assert_non_null(strstr(f->detail, "keyEncipherment"));
    assert_null(finding(&ex, SS_F_RA_ENCRYPT_MISSING));
    sk_X509_pop_free(s, X509_free);

    /* one RA certificate without keyUsage may do both */
    s = set_of(ca, both, NULL);
    judge(state, s, NULL, &ex);
    assert_int_equal(ex.nfindings, 0);
    sk_X509_pop_free(s, X509_free);

    /* a CA chain without any RA (root + intermediate) is not an RA set */
    {
        X509 *inter = make_cert("Intermediate", key(state, 4), ca, key(state, 0),
                                "critical,keyCertSign,cRLSign", 1, 5);
        s = set_of(inter, ca, NULL);
        judge(state, s, NULL, &ex);
        assert_int_equal(ex.nfindings, 0);
        sk_X509_pop_free(s, X509_free);
        X509_free(inter);
    }
    X509_free(ca);
    X509_free(enc);
    X509_free(sig);
    X509_free(both);
}

static void test_ra_from_another_ca(void **state)
{
    X509 *ca =
        make_cert("Issuing CA", key(state, 0), NULL, NULL, "critical,keyCertSign,cRLSign", 1, 1);
    X509 *other =
        make_cert("Other CA", key(state, 4), NULL, NULL, "critical,keyCertSign,cRLSign", 1, 1);
    /* same name as the CA in the answer, another key: only the signature tells them apart */
    X509 *impostor =
        make_cert("Issuing CA", key(state, 5), NULL, NULL, "critical,keyCertSign,cRLSign", 1, 9);
    X509 *enc = make_cert("RA enc", key(state, 1), other, key(state, 4), "keyEncipherment", 0, 2);
    X509 *sig = make_cert("RA sign", key(state, 2), other, key(state, 4), "digitalSignature", 0, 3);
    X509 *enc_ok = make_cert("RA enc", key(state, 1), ca, key(state, 0), "keyEncipherment", 0, 2);
    X509 *sig_ok = make_cert("RA sign", key(state, 2), ca, key(state, 0), "digitalSignature", 0, 3);
    STACK_OF(X509) * s;
    scepsniff_exchange ex;
    const scepsniff_finding *f;
    ss_scep_certs c;

    s = set_of(ca, enc, sig);
    judge(state, s, NULL, &ex);
    f = finding(&ex, SS_F_RA_NOT_ISSUED_BY_CA);
    assert_non_null(f);
    assert_int_equal(f->severity, SCEPSNIFF_SEV_WARNING);
    assert_string_equal(f->detail, "O=scepsniff test, CN=RA enc is issued by O=scepsniff test, "
                                   "CN=Other CA, not by the CA O=scepsniff test, CN=Issuing CA "
                                   "(and 1 more)");
    assert_int_equal(ex.nfindings, 1);
    /* by name only, the same reading */
    facts_of(state, s, &c);
    memset(&ex, 0, sizeof(ex));
    ss_judge_ca_set(&c, NULL, NULL, &ex);
    f = finding(&ex, SS_F_RA_NOT_ISSUED_BY_CA);
    assert_non_null(f);
    assert_non_null(strstr(f->detail, "(by name)"));
    sk_X509_pop_free(s, X509_free);

    /* the RA certificates' issuer by name is in the answer, but its key did not sign them */
    s = set_of(impostor, enc_ok, sig_ok);
    judge(state, s, NULL, &ex);
    f = finding(&ex, SS_F_RA_NOT_ISSUED_BY_CA);
    assert_non_null(f);
    assert_non_null(strstr(f->detail, "is in the answer, but its signature does not verify"));
    /* names alone cannot tell */
    facts_of(state, s, &c);
    memset(&ex, 0, sizeof(ex));
    ss_judge_ca_set(&c, NULL, NULL, &ex);
    assert_int_equal(ex.nfindings, 0);
    /* a stack that is not the same set is not trusted for signatures: names only */
    {
        STACK_OF(X509) *wrong = set_of(ca, enc, sig);
        memset(&ex, 0, sizeof(ex));
        ss_judge_ca_set(&c, wrong, NULL, &ex);
        assert_int_equal(ex.nfindings, 0);
        sk_X509_pop_free(wrong, X509_free);
    }
    sk_X509_pop_free(s, X509_free);

    /* no CA at all in the answer */
    s = set_of(enc_ok, sig_ok, NULL);
    judge(state, s, NULL, &ex);
    f = finding(&ex, SS_F_RA_NOT_ISSUED_BY_CA);
    assert_non_null(f);
    assert_non_null(strstr(f->detail, "the answer holds no CA certificate"));
    sk_X509_pop_free(s, X509_free);

    /* the right CA: healthy */
    s = set_of(ca, enc_ok, sig_ok);
    judge(state, s, NULL, &ex);
    assert_int_equal(ex.nfindings, 0);
    sk_X509_pop_free(s, X509_free);

    X509 *v[] = {ca, other, impostor, enc, sig, enc_ok, sig_ok};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        X509_free(v[i]);
}

/* ---- the real answers -------------------------------------------------------------------- */

static void test_real_answers(void **state)
{
    static const char *bodies[] = {"tests/data/scep/getcacert_scepserver.der",
                                   "tests/data/scep/getcacert_ca_ra_openssl.p7b",
                                   "tests/data/scep/getnextcacert_openssl.p7b"};
    static const char *files[] = {"pcaps/keys/scep-depot/ca.pem",
                                  "pcaps/keys/scep-depot-old/ca.pem",
                                  "pcaps/keys/scep-depot-expired/ca.pem"};

    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        size_t n;
        uint8_t *p = load(bodies[i], &n);
        ss_scep_certs c;
        STACK_OF(X509) *s = ss_scep_certset_from_body(lctx(state), p, n);
        scepsniff_exchange ex;

        assert_int_equal(ss_scep_certs_decode(lctx(state), p, n, &c), 0);
        assert_non_null(s);
        memset(&ex, 0, sizeof(ex));
        ss_judge_ca_set(&c, s, NULL, &ex);
        if (ex.nfindings)
            fail_msg("%s: %s: %s", bodies[i], ex.findings[0].code, ex.findings[0].detail);
        ss_scep_certset_free(s);
        free(p);
    }
    /* scepserver's lone CA allows only keyCertSign and cRLSign, and is still not an RA set */
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[1024], err[256];
        STACK_OF(X509) * s;
        scepsniff_exchange ex;
        ss_scep_certs c;

        ss_test_path(files[i], path, sizeof(path));
        s = ss_scep_certset_read_file(lctx(state), path, err, sizeof(err));
        if (!s)
            fail_msg("%s", err);
        facts_of(state, s, &c);
        assert_int_equal(c.ncerts, 1);
        assert_int_equal(c.certs[0].key_usage, SS_SCEP_KU_KEY_CERT_SIGN | SS_SCEP_KU_CRL_SIGN);
        memset(&ex, 0, sizeof(ex));
        ss_judge_ca_set(&c, s, NULL, &ex);
        assert_int_equal(ex.nfindings, 0);
        ss_scep_certset_free(s);
    }
}

/* ---- expected thumbprints ---------------------------------------------------------------- */

static void test_expect_parse(void **state)
{
    ss_ca_expect e;
    char err[256];
    (void)state;

    memset(&e, 0, sizeof(e));
    assert_int_equal(ss_ca_expect_add(&e,
                                      "2c:0e:95:f8:9e:07:f1:46:0a:14:ba:18:37:dc:b2:b1:dd:23:"
                                      "75:90",
                                      err, sizeof(err)),
                     0);
    assert_int_equal(e.n, 1);
    assert_string_equal(e.thumbprint[0], "2C0E95F89E07F1460A14BA1837DCB2B1DD237590");
    /* the mark the Windows certificate dialog copies, spaces, a list */
    assert_int_equal(ss_ca_expect_add(&e,
                                      "\xe2\x80\x8e"
                                      "1a 19 d9 82 ff 6f 09 4b f5 bb 0d 89 3b ca a5 e8 13 ad 18 b8,"
                                      "12c58bc7c6b25dbbbc0a0ccc79e77867ed00cfb20c2552a67aaa0908a5ba"
                                      "89ee",
                                      err, sizeof(err)),
                     0);
    assert_int_equal(e.n, 3);
    assert_string_equal(e.thumbprint[1], "1A19D982FF6F094BF5BB0D893BCAA5E813AD18B8");
    assert_string_equal(e.thumbprint[2],
                        "12C58BC7C6B25DBBBC0A0CCC79E77867ED00CFB20C2552A67AAA0908A5BA89EE");

    /* bad ones add nothing, even when the list starts well */
    assert_int_equal(
        ss_ca_expect_add(&e, "1A19D982FF6F094BF5BB0D893BCAA5E813AD18B8,1234", err, sizeof(err)),
        -1);
    assert_non_null(strstr(err, "'1234' is not a SHA-1"));
    assert_int_equal(
        ss_ca_expect_add(&e, "zz0E95F89E07F1460A14BA1837DCB2B1DD237590", err, sizeof(err)), -1);
    assert_int_equal(ss_ca_expect_add(&e, "", err, sizeof(err)), -1);
    assert_int_equal(
        ss_ca_expect_add(&e, "1A19D982FF6F094BF5BB0D893BCAA5E813AD18B8,", err, sizeof(err)), -1);
    assert_int_equal(ss_ca_expect_add(&e, NULL, err, sizeof(err)), -1);
    assert_int_equal(e.n, 3);
    /* the cap */
    for (int i = 3; i < SS_CA_EXPECT_MAX; i++)
        assert_int_equal(
            ss_ca_expect_add(&e, "1A19D982FF6F094BF5BB0D893BCAA5E813AD18B8", err, sizeof(err)), 0);
    assert_int_equal(
        ss_ca_expect_add(&e, "1A19D982FF6F094BF5BB0D893BCAA5E813AD18B8", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "more than"));
    assert_int_equal(e.n, SS_CA_EXPECT_MAX);
}

static void test_thumbprint_scepserver(void **state)
{
    size_t n;
    uint8_t *p = load("tests/data/scep/getcacert_scepserver.der", &n);
    STACK_OF(X509) *s = ss_scep_certset_from_body(lctx(state), p, n), *old;
    char sha1[80], sha256[120], path[1024], err[256];
    ss_ca_expect e;
    scepsniff_exchange ex;
    const scepsniff_finding *f;

    assert_non_null(s);
    hex_digest(sk_X509_value(s, 0), EVP_sha1(), sha1, 1);
    hex_digest(sk_X509_value(s, 0), EVP_sha256(), sha256, 0);
    /* the SHA-256 the scepclient log printed (tests/data/scep/README.md) */
    assert_string_equal(sha256, "12c58bc7c6b25dbbbc0a0ccc79e77867ed00cfb20c2552a67aaa0908a5ba89ee");

    memset(&e, 0, sizeof(e));
    assert_int_equal(ss_ca_expect_add(&e, sha1, err, sizeof(err)), 0);
    judge(state, s, &e, &ex);
    assert_int_equal(ex.nfindings, 0);

    memset(&e, 0, sizeof(e));
    assert_int_equal(ss_ca_expect_add(&e, sha256, err, sizeof(err)), 0);
    judge(state, s, &e, &ex);
    assert_int_equal(ex.nfindings, 0);

    /* the profile trusts the old depot's CA */
    ss_test_path("pcaps/keys/scep-depot-old/ca.pem", path, sizeof(path));
    old = ss_scep_certset_read_file(lctx(state), path, err, sizeof(err));
    assert_non_null(old);
    hex_digest(sk_X509_value(old, 0), EVP_sha1(), sha1, 0);
    memset(&e, 0, sizeof(e));
    assert_int_equal(ss_ca_expect_add(&e, sha1, err, sizeof(err)), 0);
    judge(state, s, &e, &ex);
    f = finding(&ex, SS_F_CA_THUMBPRINT_MISMATCH);
    assert_non_null(f);
    assert_int_equal(f->severity, SCEPSNIFF_SEV_ERROR);
    {
        char want[256], mine[48];

        hex_digest(sk_X509_value(s, 0), EVP_sha1(), mine, 0);
        for (char *q = mine; *q; q++)
            *q = (char)toupper((unsigned char)*q);
        snprintf(want, sizeof(want),
                 "expected 1A19D982FF6F094BF5BB0D893BCAA5E813AD18B8; the answer's CA has SHA-1 %s "
                 "(self-signed root): C=US, O=scepsniff test CA, OU=SCEP CA",
                 mine);
        assert_string_equal(f->detail, want);
    }
    assert_string_equal(ex.verdict, "cert.ca_thumbprint_mismatch");
    /* the old CA given as an anchor does not make it match: it did not issue this CA */
    e.anchors = old;
    judge(state, s, &e, &ex);
    assert_non_null(finding(&ex, SS_F_CA_THUMBPRINT_MISMATCH));
    /* one of several expected is enough */
    assert_int_equal(ss_ca_expect_add(&e, sha256, err, sizeof(err)), 0);
    judge(state, s, &e, &ex);
    assert_int_equal(ex.nfindings, 0);

    ss_scep_certset_free(old);
    ss_scep_certset_free(s);
    free(p);
}

static void test_thumbprint_intermediate(void **state)
{
    X509 *root =
        make_cert("Root CA", key(state, 0), NULL, NULL, "critical,keyCertSign,cRLSign", 1, 1);
    X509 *other_root =
        make_cert("Root CA", key(state, 5), NULL, NULL, "critical,keyCertSign,cRLSign", 1, 1);
    X509 *inter = make_cert("Issuing CA", key(state, 3), root, key(state, 0),
                            "critical,keyCertSign,cRLSign", 1, 2);
    X509 *enc = make_cert("RA enc", key(state, 1), inter, key(state, 3), "keyEncipherment", 0, 3);
    X509 *sig = make_cert("RA sign", key(state, 2), inter, key(state, 3), "digitalSignature", 0, 4);
    STACK_OF(X509) *s = set_of(inter, enc, sig), *anchors = set_of(root, NULL, NULL),
                   *wrong = set_of(other_root, NULL, NULL), *full = sk_X509_dup(s);
    char thumb[80], err[256];
    ss_ca_expect e;
    scepsniff_exchange ex;
    const scepsniff_finding *f;

    hex_digest(root, EVP_sha256(), thumb, 0);
    memset(&e, 0, sizeof(e));
    assert_int_equal(ss_ca_expect_add(&e, thumb, err, sizeof(err)), 0);

    /* the profile trusts the root; the answer carries the intermediate only */
    judge(state, s, &e, &ex);
    f = finding(&ex, SS_F_CA_THUMBPRINT_MISMATCH);
    assert_non_null(f);
    assert_non_null(strstr(f->detail, "(intermediate): O=scepsniff test, CN=Issuing CA"));
    assert_non_null(strstr(f->detail, "SHA-256 "));

    /* with the root given (--ca-file) the chain leads to it */
    e.anchors = anchors;
    judge(state, s, &e, &ex);
    assert_int_equal(ex.nfindings, 0);

    /* a root of the same name with another key is not it */
    e.anchors = wrong;
    judge(state, s, &e, &ex);
    assert_non_null(finding(&ex, SS_F_CA_THUMBPRINT_MISMATCH));

    /* an answer carrying the chain up to the root matches by itself */
    e.anchors = NULL;
    assert_int_equal(X509_up_ref(root), 1);
    assert_true(sk_X509_push(full, root) > 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(X509_up_ref(sk_X509_value(full, i)), 1);
    judge(state, full, &e, &ex);
    assert_int_equal(ex.nfindings, 0);

    sk_X509_pop_free(full, X509_free);
    sk_X509_pop_free(s, X509_free);
    sk_X509_pop_free(anchors, X509_free);
    sk_X509_pop_free(wrong, X509_free);
    X509 *v[] = {root, other_root, inter, enc, sig};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        X509_free(v[i]);
}

/* ---- the CertRep signature --------------------------------------------------------------- */

static uint8_t *sign_with(X509 *signer, EVP_PKEY *k, size_t *len)
{
    BIO *in = BIO_new_mem_buf("envelope", 8);
    CMS_ContentInfo *cms = CMS_sign(signer, k, NULL, in, CMS_BINARY);
    uint8_t *der = NULL;
    int n;

    assert_non_null(cms);
    n = i2d_CMS_ContentInfo(cms, &der);
    assert_true(n > 0);
    *len = (size_t)n;
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    return der;
}

static void test_reply_signature(void **state)
{
    X509 *ca =
        make_cert("Issuing CA", key(state, 0), NULL, NULL, "critical,keyCertSign,cRLSign", 1, 1);
    X509 *enc = make_cert("RA enc", key(state, 1), ca, key(state, 0), "keyEncipherment", 0, 2);
    X509 *sig = make_cert("RA sign", key(state, 2), ca, key(state, 0), "digitalSignature", 0, 3);
    ss_scep_sigcheck sc;
    scepsniff_exchange ex;
    const scepsniff_finding *f;
    size_t n;
    uint8_t *p;

    /* scepserver's CertRep: signed by its CA (keyCertSign, cRLSign only), no finding */
    p = load("tests/data/scep/certrep_success_scepserver.der", &n);
    assert_int_equal(ss_scep_msg_verify(lctx(state), p, n, NULL, &sc), 0);
    assert_false(sc.signer_digital_signature);
    memset(&ex, 0, sizeof(ex));
    ss_judge_reply_sig(&sc, &ex);
    assert_int_equal(ex.nfindings, 0);
    /* the same, one signature byte flipped */
    p[n - 40] ^= 0x01;
    assert_int_equal(ss_scep_msg_verify(lctx(state), p, n, NULL, &sc), -1);
    assert_int_equal(sc.status, SS_SCEP_SIG_INVALID);
    memset(&ex, 0, sizeof(ex));
    ss_judge_reply_sig(&sc, &ex);
    f = finding(&ex, SS_F_REPLY_SIGNATURE_INVALID);
    assert_non_null(f);
    assert_int_equal(f->severity, SCEPSNIFF_SEV_ERROR);
    assert_non_null(strstr(f->detail, "signer C=US, O=scepsniff test CA, OU=SCEP CA"));
    assert_int_equal(ex.nfindings, 1);
    free(p);

    /* signed by the RA signing certificate: healthy */
    p = sign_with(sig, key(state, 2), &n);
    assert_int_equal(ss_scep_msg_verify(lctx(state), p, n, NULL, &sc), 0);
    memset(&ex, 0, sizeof(ex));
    ss_judge_reply_sig(&sc, &ex);
    assert_int_equal(ex.nfindings, 0);
    OPENSSL_free(p);

    /* signed by the RA encryption certificate (keyEncipherment only) */
    p = sign_with(enc, key(state, 1), &n);
    assert_int_equal(ss_scep_msg_verify(lctx(state), p, n, NULL, &sc), 0);
    memset(&ex, 0, sizeof(ex));
    ss_judge_reply_sig(&sc, &ex);
    f = finding(&ex, SS_F_REPLY_SIGNER_NO_DIGITAL_SIG);
    assert_non_null(f);
    assert_int_equal(f->severity, SCEPSNIFF_SEV_WARNING);
    assert_string_equal(
        f->detail, "signed by O=scepsniff test, CN=RA enc (serial 02), keyUsage keyEncipherment");
    OPENSSL_free(p);

    /* not checked: nothing said */
    memset(&sc, 0, sizeof(sc));
    sc.status = SS_SCEP_SIG_NO_SIGNER_CERT;
    memset(&ex, 0, sizeof(ex));
    ss_judge_reply_sig(&sc, &ex);
    sc.status = SS_SCEP_SIG_UNVERIFIABLE;
    ss_judge_reply_sig(&sc, &ex);
    assert_int_equal(ex.nfindings, 0);

    X509_free(ca);
    X509_free(enc);
    X509_free(sig);
}

static void test_kind_and_empty(void **state)
{
    ss_scep_cert c;
    scepsniff_exchange ex;
    ss_scep_certs none;
    char buf[16] = "x";
    (void)state;

    memset(&c, 0, sizeof(c));
    assert_string_equal(ss_ca_kind(&c), "intermediate");
    c.self_issued = 1;
    assert_string_equal(ss_ca_kind(&c), "self-issued, its signature does not verify");
    c.self_signed = 1;
    assert_string_equal(ss_ca_kind(&c), "self-signed root");

    memset(&none, 0, sizeof(none));
    memset(&ex, 0, sizeof(ex));
    ss_judge_ca_set(&none, NULL, NULL, &ex);
    ss_judge_ca_set(NULL, NULL, NULL, &ex);
    assert_int_equal(ex.nfindings, 0);
    ss_ca_set_describe(&none, buf, sizeof(buf));
    assert_string_equal(buf, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ndes_like_set_is_healthy),
        cmocka_unit_test(test_missing_ra_certificates),
        cmocka_unit_test(test_ra_from_another_ca),
        cmocka_unit_test(test_real_answers),
        cmocka_unit_test(test_expect_parse),
        cmocka_unit_test(test_thumbprint_scepserver),
        cmocka_unit_test(test_thumbprint_intermediate),
        cmocka_unit_test(test_reply_signature),
        cmocka_unit_test(test_kind_and_empty),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

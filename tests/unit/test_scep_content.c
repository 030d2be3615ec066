/* test_scep_content.c — opening SCEP request envelopes with RA keys and reading what is inside
 * (decode/scep_content.c and its renderers).
 *
 * Real requests first: the PKCSReq bodies micromdm scepclient sent in tests/data/scep/ (README
 * there: CN scepsniff-device-01/-02, O "scepsniff test", challenges "s3cret" and
 * "wrong-challenge") and the ones certmonger sent in the captures (pcaps/keys/ROLE/pkimessage.pem,
 * pcaps/README.md: CN device-certmonger / device-get, O scep-client, challenge
 * "scepsniff-test-challenge", scepclient's default 2048-bit keys), each opened with the depot key
 * it was encrypted to and checked against the CSR the client saved (csr.pem, client.key). Then
 * requests built here with OpenSSL for what those clients never send (SANs of every kind,
 * extensions, weak keys, CertPoll/GetCert/GetCRL), wrong keys, a missing cipher, and hostile
 * content: every truncation and random byte flips of a real decrypted CSR.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/provider.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tests/support/data.h"
#include "decode/ossl_ctx.h"
#include "decode/ra_keys.h"
#include "decode/scep_content.h"
#include "decode/scep_content_render.h"
#include "decode/scep_msg.h"

#define DEPOT_CA    "C=XX, O=scepsniff test CA, OU=SCEP CA"
#define TESTDATA_CA "C=US, O=scepsniff test CA, OU=SCEP CA"

/* ---- files --------------------------------------------------------------------------------- */

typedef struct pathbuf {
    char s[1024];
} pathbuf;

static pathbuf path(const char *rel)
{
    const char *dir = getenv("SS_SOURCE_DIR");
    pathbuf p;

    snprintf(p.s, sizeof(p.s), "%s/%s", dir ? dir : ".", rel);
    return p;
}

#define load(rel, len) ss_test_load(".", rel, len)

/* The DER inside a PEM file (pkimessage.pem, csr.pem). */
static uint8_t *load_pem_der(const char *rel, size_t *len)
{
    size_t n;
    uint8_t *b = load(rel, &n), *out;
    BIO *bio = BIO_new_mem_buf(b, (int)n);
    char *name = NULL, *header = NULL;
    unsigned char *data = NULL;
    long dlen = 0;

    assert_true(PEM_read_bio(bio, &name, &header, &data, &dlen));
    out = malloc((size_t)dlen);
    assert_non_null(out);
    memcpy(out, data, (size_t)dlen);
    *len = (size_t)dlen;
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    BIO_free(bio);
    free(b);
    return out;
}

static EVP_PKEY *load_key(const char *rel, const char *pw)
{
    size_t n;
    uint8_t *b = load(rel, &n);
    BIO *bio = BIO_new_mem_buf(b, (int)n);
    EVP_PKEY *k = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)pw);

    assert_non_null(k);
    BIO_free(bio);
    free(b);
    return k;
}

static X509 *load_cert(const char *rel)
{
    size_t n;
    uint8_t *b = load(rel, &n);
    BIO *bio = BIO_new_mem_buf(b, (int)n);
    X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);

    assert_non_null(x);
    BIO_free(bio);
    free(b);
    return x;
}

/* ---- fixture ------------------------------------------------------------------------------- */

typedef struct fixture {
    ss_ossl *o;
    OSSL_LIB_CTX *libctx;
    ss_ra_keys *depot;      /* micromdm's ca.key (empty password) + ca.pem */
    ss_ra_keys *depot_bare; /* the same key without its certificate */
    ss_ra_keys *other_ca;   /* tests/data/scep's CA key: not the captures' */
    X509 *depot_cert;       /* built requests are encrypted to it */
    EVP_PKEY *depot_key;    /* and some are signed with it */
    EVP_PKEY *device;       /* a 2048-bit device key */
} fixture;

static ss_ra_keys *keys_from(fixture *f, const char *rel1, const char *pw1, const char *rel2)
{
    ss_ra_keys *k = ss_ra_keys_new(f->libctx);
    char err[SS_RA_ERR_LEN];

    assert_non_null(k);
    if (ss_ra_keys_load_file(k, path(rel1).s, pw1, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    if (rel2 && ss_ra_keys_load_file(k, path(rel2).s, NULL, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    return k;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    char err[128];

    assert_non_null(f);
    f->o = ss_ossl_new(err, sizeof(err));
    assert_non_null(f->o);
    f->libctx = ss_ossl_libctx(f->o);
    f->depot = keys_from(f, "pcaps/keys/scep-depot/ca.key", "", "pcaps/keys/scep-depot/ca.pem");
    f->depot_bare = keys_from(f, "pcaps/keys/scep-depot/ca-unencrypted.key", NULL, NULL);
    f->other_ca = keys_from(f, "tests/data/scep/scepserver_ca_key.pem", NULL, NULL);
    f->depot_cert = load_cert("pcaps/keys/scep-depot/ca.pem");
    f->depot_key = load_key("pcaps/keys/scep-depot/ca-unencrypted.key", NULL);
    f->device = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    assert_non_null(f->device);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    ss_ra_keys_free(f->depot);
    ss_ra_keys_free(f->depot_bare);
    ss_ra_keys_free(f->other_ca);
    X509_free(f->depot_cert);
    EVP_PKEY_free(f->depot_key);
    EVP_PKEY_free(f->device);
    ss_ossl_free(f->o);
    free(f);
    return 0;
}

/* ---- decoding with the invariants every result keeps --------------------------------------- */

/* Renders *c both ways and checks what must hold whatever the input: a verdict with a reason
 * has a detail, an opened envelope names its key, a secret never shows unless it was kept. */
static void check_render(const ss_scep_content *c)
{
    json_t *j = ss_scep_content_json(c);
    char *s, *text;
    size_t need, size = 65536;

    assert_int_equal(c->verdict.status == SS_SCEP_OK, c->verdict.reason == SS_SCEP_R_NONE);
    if (c->verdict.reason != SS_SCEP_R_NONE)
        assert_true(strlen(c->verdict.detail) > 0);
    if (c->decrypt.status == SS_SCEP_DEC_OK) {
        assert_true(c->decrypt.key_index >= 0);
        assert_true(c->decrypt.key_label[0] != '\0');
    } else {
        assert_int_equal(c->decrypt.key_index, -1);
    }
    if (!c->csr.challenge_value_kept)
        assert_string_equal(c->csr.challenge, "");
    assert_non_null(j);
    if (!c->csr.challenge_value_kept)
        assert_null(json_object_get(
            json_object_get(json_object_get(j, "csr"), "challenge_password"), "value"));
    s = json_dumps(j, JSON_COMPACT);
    assert_non_null(s);
    free(s);
    json_decref(j);
    text = malloc(size);
    assert_non_null(text);
    need = ss_scep_content_text(c, "  ", text, size);
    assert_true(need > 0);
    assert_int_equal(strlen(text), need < size ? need : size - 1);
    /* a buffer too small is cut, never overrun */
    assert_int_equal(ss_scep_content_text(c, "", text, 16), ss_scep_content_text(c, "", NULL, 0));
    assert_true(strlen(text) < 16);
    free(text);
}

static long msg_type(fixture *f, const uint8_t *body, size_t n)
{
    ss_scep_msg *m = malloc(sizeof(*m));
    long t;

    assert_non_null(m);
    ss_scep_msg_decode(f->libctx, body, n, m);
    t = m->message_type;
    free(m);
    return t;
}

static ss_scep_content *decode(fixture *f, const ss_ra_keys *keys, const uint8_t *body, size_t n,
                               long mt, unsigned flags, int *rc)
{
    ss_scep_content *c = malloc(sizeof(*c));

    assert_non_null(c);
    *rc = ss_scep_content_decode(f->libctx, keys, body, n, mt, flags, c);
    if (*rc == 0) {
        assert_int_equal(c->decrypt.status, SS_SCEP_DEC_OK);
        assert_int_equal(c->verdict.status, SS_SCEP_OK);
    }
    check_render(c);
    return c;
}

static ss_scep_content *parse(fixture *f, long mt, const uint8_t *p, size_t n, X509 *signer,
                              unsigned flags, int *rc)
{
    ss_scep_content *c = calloc(1, sizeof(*c));

    assert_non_null(c);
    c->decrypt.key_index = -1;
    *rc = ss_scep_content_parse(f->libctx, mt, p, n, signer, flags, c);
    check_render(c);
    return c;
}

static char *json_text(const ss_scep_content *c)
{
    json_t *j = ss_scep_content_json(c);
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);

    json_decref(j);
    assert_non_null(s);
    return s;
}

static char *text_of(const ss_scep_content *c)
{
    size_t need = ss_scep_content_text(c, "", NULL, 0);
    char *t = malloc(need + 1);

    assert_non_null(t);
    ss_scep_content_text(c, "", t, need + 1);
    return t;
}

/* SHA-256 of a key's SubjectPublicKeyInfo, upper-case hex, as the decoder reports it. */
static void spki_sha256(EVP_PKEY *k, char out[65])
{
    unsigned char *der = NULL, md[32];
    unsigned int mdlen = 0;
    int n = i2d_PUBKEY(k, &der), i;

    assert_true(n > 0);
    assert_true(EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL));
    for (i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02X", md[i]);
    OPENSSL_free(der);
}

/* ---- real requests ------------------------------------------------------------------------- */

static void test_real_pkcsreq_scepclient(void **state)
{
    fixture *f = *state;
    size_t n;
    uint8_t *body = load("tests/data/scep/pkcsreq_scepclient.der", &n);
    long mt = msg_type(f, body, n);
    EVP_PKEY *client = load_key("tests/data/scep/scepclient_device01_key.pem", NULL);
    char hash[65], *j, *t;
    ss_scep_content *c;
    int rc;

    assert_int_equal(mt, SS_SCEP_MT_PKCSREQ);
    c = decode(f, f->other_ca, body, n, mt, 0, &rc);
    assert_int_equal(rc, 0);
    /* the key was loaded bare: found by trying it */
    assert_int_equal(c->decrypt.status, SS_SCEP_DEC_OK);
    assert_int_equal(c->decrypt.key_index, 0);
    assert_string_equal(c->decrypt.key_label, "scepserver_ca_key.pem");
    assert_int_equal(c->decrypt.by_certificate, 0);
    assert_int_equal(c->decrypt.other_cert, 0);
    assert_string_equal(c->decrypt.recipient_issuer, TESTDATA_CA);
    assert_string_equal(c->decrypt.recipient_serial, "01");
    assert_int_equal(c->decrypt.keys_tried, 1);
    /* what scepclient was told: -cn scepsniff-device-01 -organization "scepsniff test" */
    assert_int_equal(c->kind, SS_SCEP_CONTENT_CSR);
    assert_string_equal(c->csr.subject, "C=US, O=scepsniff test, OU=MDM, CN=scepsniff-device-01");
    assert_int_equal(c->csr.subject_entries, 4);
    assert_string_equal(c->csr.key_type, "RSA");
    assert_int_equal(c->csr.key_bits, 2048);
    spki_sha256(client, hash);
    assert_string_equal(c->csr.key_sha256, hash);
    assert_string_equal(c->csr.sig_alg, "sha256WithRSAEncryption");
    assert_int_equal(c->csr.signature, SS_CSR_SIG_VALID);
    /* -challenge s3cret: present, 6 bytes, value not kept */
    assert_int_equal(c->csr.has_challenge, 1);
    assert_int_equal(c->csr.challenge_len, strlen("s3cret"));
    assert_int_equal(c->csr.challenge_value_kept, 0);
    assert_int_equal(c->csr.nsans, 0);
    assert_int_equal(c->csr.nexts, 0);
    assert_int_equal(c->csr.nother_attrs, 0);
    /* scepclient signs with a self-signed "SCEP SIGNER" certificate of the same key */
    assert_int_equal(c->csr.signer_known, 1);
    assert_int_equal(c->csr.signer_key_same, 1);
    assert_int_equal(c->csr.signer_subject_same, 0);
    /* findings inputs: only "no SAN" holds */
    assert_int_equal(c->csr_signature_invalid, 0);
    assert_int_equal(c->csr_rsa_weak, 0);
    assert_int_equal(c->csr_no_san, 1);
    assert_int_equal(c->csr_empty_identity, 0);
    assert_int_equal(c->csr_signer_key_differs, 0);
    j = json_text(c);
    assert_non_null(strstr(j, "\"challenge_password\":{\"length\":6,\"present\":true}"));
    assert_non_null(strstr(j, "\"matched_by\":\"trial\""));
    assert_null(strstr(j, "s3cret"));
    t = text_of(c);
    assert_non_null(strstr(t, "challenge        present, 6 bytes"));
    assert_non_null(strstr(t, "CN=scepsniff-device-01"));
    assert_null(strstr(t, "s3cret"));
    free(j);
    free(t);
    free(c);

    /* --show-secrets */
    c = decode(f, f->other_ca, body, n, mt, SS_SCEP_CONTENT_SECRETS, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(c->csr.challenge_value_kept, 1);
    assert_string_equal(c->csr.challenge, "s3cret");
    j = json_text(c);
    assert_non_null(strstr(j, "\"value\":\"s3cret\""));
    t = text_of(c);
    assert_non_null(strstr(t, "\"s3cret\" (6 bytes)"));
    free(j);
    free(t);
    free(c);
    EVP_PKEY_free(client);
    free(body);
}

static void test_real_pkcsreq_wrong_challenge(void **state)
{
    fixture *f = *state;
    size_t n;
    uint8_t *body = load("tests/data/scep/pkcsreq_wrong_challenge_scepclient.der", &n);
    ss_scep_content *c;
    int rc;

    c = decode(f, f->other_ca, body, n, msg_type(f, body, n), SS_SCEP_CONTENT_SECRETS, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(c->csr.subject, "C=US, O=scepsniff test, OU=MDM, CN=scepsniff-device-02");
    assert_int_equal(c->csr.challenge_len, strlen("wrong-challenge"));
    assert_string_equal(c->csr.challenge, "wrong-challenge");
    assert_int_equal(c->csr.signature, SS_CSR_SIG_VALID);
    free(c);
    free(body);
}

/* certmonger's requests in the captures, opened with the depot key as micromdm stores it. */
static void check_capture_request(fixture *f, const char *role, const char *cn)
{
    char rel[128], subject[128], hash[65];
    size_t n, csr_n;
    uint8_t *body, *csr;
    EVP_PKEY *client;
    ss_scep_content *c, *saved;
    int rc;

    snprintf(rel, sizeof(rel), "pcaps/keys/%s/pkimessage.pem", role);
    body = load_pem_der(rel, &n);
    snprintf(rel, sizeof(rel), "pcaps/keys/%s/csr.pem", role);
    csr = load_pem_der(rel, &csr_n);
    snprintf(rel, sizeof(rel), "pcaps/keys/%s/client.key", role);
    client = load_key(rel, NULL);
    snprintf(subject, sizeof(subject), "C=US, O=scep-client, OU=MDM, CN=%s", cn);

    assert_int_equal(msg_type(f, body, n), SS_SCEP_MT_PKCSREQ);
    c = decode(f, f->depot, body, n, SS_SCEP_MT_PKCSREQ, 0, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(c->decrypt.by_certificate, 1);
    assert_string_equal(c->decrypt.key_label, "ca.key");
    assert_string_equal(c->decrypt.recipient_issuer, DEPOT_CA);
    assert_string_equal(c->decrypt.recipient_serial, "01");
    assert_non_null(strstr(c->decrypt.detail, "its certificate is the recipient"));
    assert_string_equal(c->csr.subject, subject);
    assert_int_equal(c->csr.key_bits, 2048);
    spki_sha256(client, hash);
    assert_string_equal(c->csr.key_sha256, hash);
    assert_int_equal(c->csr.challenge_len, strlen("scepsniff-test-challenge"));
    assert_int_equal(c->csr.signature, SS_CSR_SIG_VALID);
    assert_int_equal(c->csr.signer_key_same, 1);
    assert_int_equal(c->csr_signer_key_differs, 0);

    /* exactly the CSR the client saved: the same facts from csr.pem */
    saved = parse(f, SS_SCEP_MT_PKCSREQ, csr, csr_n, NULL, 0, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(c->content_len, csr_n);
    assert_string_equal(saved->csr.subject, c->csr.subject);
    assert_string_equal(saved->csr.key_sha256, c->csr.key_sha256);
    assert_int_equal(saved->csr.challenge_len, c->csr.challenge_len);
    free(saved);
    free(c);

    /* the bare key finds the same by trial */
    c = decode(f, f->depot_bare, body, n, SS_SCEP_MT_PKCSREQ, 0, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(c->decrypt.by_certificate, 0);
    assert_string_equal(c->csr.subject, subject);
    free(c);
    EVP_PKEY_free(client);
    free(csr);
    free(body);
}

static void test_real_capture_requests(void **state)
{
    check_capture_request(*state, "certmonger", "device-certmonger");
    check_capture_request(*state, "enroll-get", "device-get");
}

/* ---- keys that do not fit ------------------------------------------------------------------ */

static void test_wrong_key(void **state)
{
    fixture *f = *state;
    size_t n1, n2;
    uint8_t *scepclient = load("tests/data/scep/pkcsreq_scepclient.der", &n1);
    uint8_t *certmonger = load_pem_der("pcaps/keys/certmonger/pkimessage.pem", &n2);
    ss_scep_content *c;
    char *j;
    int rc;

    /* the depot key with its certificate: neither matches nor decrypts by trial */
    c = decode(f, f->depot, scepclient, n1, SS_SCEP_MT_PKCSREQ, 0, &rc);
    assert_int_equal(rc, -1);
    assert_int_equal(c->decrypt.status, SS_SCEP_DEC_NO_MATCH);
    assert_string_equal(c->decrypt.detail,
                        "no key matches recipient " TESTDATA_CA ", serial 01 (1 tried)");
    assert_int_equal(c->kind, SS_SCEP_CONTENT_NONE);
    assert_int_equal(c->verdict.status, SS_SCEP_OK);
    j = json_text(c);
    assert_non_null(strstr(j, "\"status\":\"no_key_match\""));
    assert_null(strstr(j, "\"csr\""));
    free(j);
    free(c);
    /* a bare key of another CA */
    c = decode(f, f->other_ca, certmonger, n2, SS_SCEP_MT_PKCSREQ, 0, &rc);
    assert_int_equal(rc, -1);
    assert_int_equal(c->decrypt.status, SS_SCEP_DEC_NO_MATCH);
    assert_non_null(strstr(c->decrypt.detail, "no key matches recipient " DEPOT_CA ", serial 01"));
    free(c);
    free(scepclient);
    free(certmonger);
}

/* pcaps/wrong-ra-cert.pcap: the device still encrypts to the CA the server had before. The
 * current key says whom the request is for; adding the old depot's key opens it. */
static void test_real_wrong_ra_capture(void **state)
{
    fixture *f = *state;
    size_t n;
    uint8_t *body = load_pem_der("pcaps/keys/wrong-ra/pkimessage.pem", &n);
    ss_ra_keys *both = ss_ra_keys_new(f->libctx);
    char err[SS_RA_ERR_LEN];
    ss_scep_content *c;
    int rc;

    c = decode(f, f->depot, body, n, SS_SCEP_MT_PKCSREQ, 0, &rc);
    assert_int_equal(rc, -1);
    assert_int_equal(c->decrypt.status, SS_SCEP_DEC_NO_MATCH);
    assert_string_equal(c->decrypt.detail, "no key matches recipient C=XX, O=scepsniff old test "
                                           "CA, OU=SCEP CA, serial 01 (1 tried)");
    free(c);
    assert_int_equal(
        ss_ra_keys_load_file(both, path("pcaps/keys/scep-depot/ca.key").s, "", err, sizeof(err)),
        1);
    assert_int_equal(ss_ra_keys_load_file(both, path("pcaps/keys/scep-depot-old/ca.key").s, "", err,
                                          sizeof(err)),
                     1);
    assert_int_equal(ss_ra_keys_load_file(both, path("pcaps/keys/scep-depot-old/ca.pem").s, NULL,
                                          err, sizeof(err)),
                     0);
    c = decode(f, both, body, n, SS_SCEP_MT_PKCSREQ, 0, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(c->decrypt.key_index, 1);
    assert_int_equal(c->decrypt.by_certificate, 1);
    assert_string_equal(c->csr.subject, "C=US, O=scep-client, OU=MDM, CN=device-wrong-ra");
    assert_int_equal(c->csr.challenge_len, strlen("scepsniff-test-challenge"));
    free(c);
    ss_ra_keys_free(both);
    free(body);
}

/* The RA certificate was replaced (same key, new serial) and the client still encrypts to the old
 * one: opened by trial, and said so. */
static void test_old_ra_certificate(void **state)
{
    fixture *f = *state;
    ss_ra_keys *k = ss_ra_keys_new(f->libctx);
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    BIO *mem = BIO_new(BIO_s_mem());
    char err[SS_RA_ERR_LEN], *pem;
    size_t n;
    uint8_t *body = load_pem_der("pcaps/keys/certmonger/pkimessage.pem", &n);
    ss_scep_content *c;
    long pn;
    int rc;

    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"new RA", -1, -1,
                               0);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 0x777);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, name);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, f->depot_key);
    assert_true(X509_sign(x, f->depot_key, EVP_sha256()) > 0);
    PEM_write_bio_X509(mem, x);
    PEM_write_bio_PrivateKey(mem, f->depot_key, NULL, NULL, 0, NULL, NULL);
    pn = BIO_get_mem_data(mem, &pem);
    assert_int_equal(
        ss_ra_keys_load_mem(k, (const uint8_t *)pem, (size_t)pn, "new-ra.pem", NULL, err, 300), 1);
    assert_int_equal(ss_ra_keys_info(k, 0)->has_cert, 1);

    c = decode(f, k, body, n, SS_SCEP_MT_PKCSREQ, 0, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(c->decrypt.by_certificate, 0);
    assert_int_equal(c->decrypt.other_cert, 1);
    assert_non_null(strstr(c->decrypt.detail, "old RA certificate"));
    assert_string_equal(c->decrypt.recipient_serial, "01");
    assert_string_equal(c->csr.subject, "C=US, O=scep-client, OU=MDM, CN=device-certmonger");
    free(c);
    free(body);
    BIO_free(mem);
    X509_NAME_free(name);
    X509_free(x);
    ss_ra_keys_free(k);
}

/* Without OpenSSL's legacy provider single DES cannot run: said so, not "wrong key". */
static void test_des_without_legacy(void **state)
{
    fixture *f = *state;
    OSSL_LIB_CTX *plain = OSSL_LIB_CTX_new();
    OSSL_PROVIDER *def = OSSL_PROVIDER_load(plain, "default");
    ss_ra_keys *k = ss_ra_keys_new(plain);
    char err[SS_RA_ERR_LEN];
    size_t n;
    uint8_t *body = load_pem_der("pcaps/keys/certmonger/pkimessage.pem", &n);
    ss_scep_content *c = malloc(sizeof(*c));

    (void)f;
    assert_non_null(def);
    assert_non_null(c);
    assert_int_equal(
        ss_ra_keys_load_file(k, path("tests/data/keys/ra_bundle.pem").s, NULL, err, sizeof(err)),
        1);
    assert_int_equal(ss_scep_content_decode(plain, k, body, n, SS_SCEP_MT_PKCSREQ, 0, c), -1);
    assert_int_equal(c->decrypt.status, SS_SCEP_DEC_UNSUPPORTED);
    assert_non_null(strstr(c->decrypt.detail, "des-cbc"));
    assert_non_null(strstr(c->decrypt.detail, "legacy provider"));
    check_render(c);
    free(c);
    free(body);
    ss_ra_keys_free(k);
    OSSL_PROVIDER_unload(def);
    OSSL_LIB_CTX_free(plain);
}

/* ---- requests built here ------------------------------------------------------------------- */

static X509 *self_signed(EVP_PKEY *key, const char *cn, long serial)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();

    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, name);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    X509_NAME_free(name);
    return x;
}

static void add_ext(STACK_OF(X509_EXTENSION) * exts, int nid, const char *value)
{
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, NULL, nid, value);

    assert_non_null(e);
    sk_X509_EXTENSION_push(exts, e);
}

typedef struct csr_spec {
    EVP_PKEY *key;
    const char *cn; /* NULL: empty subject */
    int rich;       /* SANs of every kind, keyUsage, EKUs, basicConstraints, an unknown ext */
    int bmp_challenge;
    const char *challenge;
    const char *san; /* a subjectAltName of its own (X509V3 config syntax) */
} csr_spec;

static uint8_t *build_csr(const csr_spec *s, size_t *len)
{
    X509_REQ *req = X509_REQ_new();
    X509_NAME *name = X509_NAME_new();
    unsigned char *der = NULL;
    uint8_t *out;
    int n;

    if (s->cn) {
        X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"built", -1, -1,
                                   0);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)s->cn, -1, -1,
                                   0);
    }
    X509_REQ_set_subject_name(req, name);
    X509_REQ_set_pubkey(req, s->key);
    if (s->rich) {
        STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
        ASN1_OBJECT *obj = OBJ_txt2obj("1.2.3.4.5.6", 1);
        ASN1_OCTET_STRING *val = ASN1_OCTET_STRING_new();
        static const unsigned char der_null[] = {0x05, 0x00};

        add_ext(exts, NID_subject_alt_name,
                "DNS:device.example.com, email:dev@example.com, "
                "otherName:1.3.6.1.4.1.311.20.2.3;UTF8:user@corp.example, "
                "URI:https://mdm.example/device/42, IP:10.1.2.3, IP:2001:db8::1, "
                "otherName:1.2.3.4;UTF8:hello");
        add_ext(exts, NID_key_usage, "critical, digitalSignature, keyEncipherment");
        add_ext(exts, NID_ext_key_usage, "clientAuth, 1.3.6.1.4.1.311.20.2.2");
        add_ext(exts, NID_basic_constraints, "critical, CA:FALSE");
        ASN1_OCTET_STRING_set(val, der_null, sizeof(der_null));
        sk_X509_EXTENSION_push(exts, X509_EXTENSION_create_by_OBJ(NULL, obj, 0, val));
        assert_true(X509_REQ_add_extensions(req, exts));
        sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
        ASN1_OBJECT_free(obj);
        ASN1_OCTET_STRING_free(val);
        /* Microsoft's OS version attribute, as Windows clients send it */
        assert_true(X509_REQ_add1_attr_by_txt(req, "1.3.6.1.4.1.311.13.2.3", V_ASN1_IA5STRING,
                                              (const unsigned char *)"10.0.19045.2", 12));
    }
    if (s->san) {
        STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();

        add_ext(exts, NID_subject_alt_name, s->san);
        assert_true(X509_REQ_add_extensions(req, exts));
        sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    }
    if (s->challenge && s->bmp_challenge) {
        unsigned char bmp[128];
        size_t i, cl = strlen(s->challenge);

        for (i = 0; i < cl; i++) {
            bmp[2 * i] = 0;
            bmp[2 * i + 1] = (unsigned char)s->challenge[i];
        }
        assert_true(X509_REQ_add1_attr_by_NID(req, NID_pkcs9_challengePassword, V_ASN1_BMPSTRING,
                                              bmp, (int)(2 * cl)));
    } else if (s->challenge) {
        assert_true(X509_REQ_add1_attr_by_NID(req, NID_pkcs9_challengePassword, MBSTRING_ASC,
                                              (const unsigned char *)s->challenge, -1));
    }
    assert_true(X509_REQ_sign(req, s->key, EVP_sha256()) > 0);
    n = i2d_X509_REQ(req, &der);
    assert_true(n > 0);
    out = malloc((size_t)n);
    assert_non_null(out);
    memcpy(out, der, (size_t)n);
    *len = (size_t)n;
    OPENSSL_free(der);
    X509_NAME_free(name);
    X509_REQ_free(req);
    return out;
}

static uint8_t *cms_der(CMS_ContentInfo *cms, size_t *len)
{
    unsigned char *der = NULL;
    int n = i2d_CMS_ContentInfo(cms, &der);
    uint8_t *out;

    assert_true(n > 0);
    out = malloc((size_t)n);
    assert_non_null(out);
    memcpy(out, der, (size_t)n);
    *len = (size_t)n;
    OPENSSL_free(der);
    return out;
}

/* A pkcsPKIEnvelope of content to cert (repeated nrec times), then the pkiMessage around it
 * signed by signer/key (certificate left out when nocerts). */
static uint8_t *build_msg(X509 *rcpt, int nrec, const EVP_CIPHER *cipher, const uint8_t *content,
                          size_t clen, X509 *signer, EVP_PKEY *key, int nocerts, int corrupt,
                          size_t *len)
{
    STACK_OF(X509) *certs = sk_X509_new_null();
    BIO *in = BIO_new_mem_buf(content, (int)clen);
    CMS_ContentInfo *env, *sd;
    uint8_t *envder, *out;
    size_t envlen;
    int i;

    for (i = 0; i < nrec; i++)
        sk_X509_push(certs, rcpt);
    env = CMS_encrypt(certs, in, cipher, CMS_BINARY);
    assert_non_null(env);
    envder = cms_der(env, &envlen);
    if (corrupt) /* the last padding byte of the content changes: a decryption error */
        envder[envlen - 17] ^= 0x01;
    BIO_free(in);
    in = BIO_new_mem_buf(envder, (int)envlen);
    sd = CMS_sign(signer, key, NULL, in, CMS_BINARY | CMS_NOSMIMECAP | (nocerts ? CMS_NOCERTS : 0));
    assert_non_null(sd);
    out = cms_der(sd, len);
    CMS_ContentInfo_free(sd);
    CMS_ContentInfo_free(env);
    BIO_free(in);
    free(envder);
    sk_X509_free(certs);
    return out;
}

static void test_built_rich_pkcsreq(void **state)
{
    fixture *f = *state;
    csr_spec spec = {f->device, "device-42", 1, 1, "secret-bmp", NULL};
    size_t clen, n;
    uint8_t *csr = build_csr(&spec, &clen), *body;
    X509 *signer = self_signed(f->device, "device-42", 7);
    ss_scep_content *c;
    const ss_scep_csr *r;
    char *t;
    int rc;

    body = build_msg(f->depot_cert, 1, EVP_aes_256_cbc(), csr, clen, signer, f->device, 0, 0, &n);
    c = decode(f, f->depot, body, n, SS_SCEP_MT_PKCSREQ, 0, &rc);
    assert_int_equal(rc, 0);
    r = &c->csr;
    assert_int_equal(c->decrypt.by_certificate, 1);
    assert_string_equal(r->subject, "O=built, CN=device-42");
    assert_int_equal(r->has_extension_request, 1);
    assert_int_equal(r->has_san, 1);
    assert_int_equal(r->nsans, 7);
    assert_int_equal(r->sans[0].type, SS_CSR_SAN_DNS);
    assert_string_equal(r->sans[0].value, "device.example.com");
    assert_int_equal(r->sans[1].type, SS_CSR_SAN_EMAIL);
    assert_string_equal(r->sans[1].value, "dev@example.com");
    assert_int_equal(r->sans[2].type, SS_CSR_SAN_UPN);
    assert_string_equal(r->sans[2].value, "user@corp.example");
    assert_int_equal(r->sans[3].type, SS_CSR_SAN_URI);
    assert_string_equal(r->sans[3].value, "https://mdm.example/device/42");
    assert_int_equal(r->sans[4].type, SS_CSR_SAN_IP);
    assert_string_equal(r->sans[4].value, "10.1.2.3");
    assert_int_equal(r->sans[5].type, SS_CSR_SAN_IP);
    assert_string_equal(r->sans[5].value, "2001:db8::1");
    assert_int_equal(r->sans[6].type, SS_CSR_SAN_OTHERNAME);
    assert_string_equal(r->sans[6].value, "1.2.3.4:hello");
    assert_int_equal(r->has_key_usage, 1);
    assert_int_equal(r->key_usage, SS_SCEP_KU_DIGITAL_SIGNATURE | SS_SCEP_KU_KEY_ENCIPHERMENT);
    assert_int_equal(r->has_eku, 1);
    assert_int_equal(r->neku, 2);
    assert_string_equal(r->eku[0], "clientAuth");
    assert_string_equal(r->eku[1], "msSmartcardLogin");
    assert_int_equal(r->has_basic_constraints, 1);
    assert_int_equal(r->ca, 0);
    assert_int_equal(r->nexts, 5);
    assert_string_equal(r->exts[0].oid, "2.5.29.17");
    assert_int_equal(r->exts[0].critical, 0);
    assert_string_equal(r->exts[1].name, "X509v3 Key Usage");
    assert_int_equal(r->exts[1].critical, 1);
    assert_string_equal(r->exts[4].name, "1.2.3.4.5.6");
    assert_string_equal(r->exts[4].oid, "1.2.3.4.5.6");
    assert_int_equal(r->exts[4].invalid, 0);
    assert_int_equal(r->nother_attrs, 1);
    assert_string_equal(r->other_attrs[0], "1.3.6.1.4.1.311.13.2.3");
    /* a BMPString challenge: two bytes a character on the wire */
    assert_int_equal(r->has_challenge, 1);
    assert_int_equal(r->challenge_len, 2 * strlen("secret-bmp"));
    assert_int_equal(r->signature, SS_CSR_SIG_VALID);
    assert_int_equal(r->signer_key_same, 1);
    assert_int_equal(c->csr_no_san, 0);
    assert_int_equal(c->csr_empty_identity, 0);
    assert_int_equal(c->csr_signer_key_differs, 0);
    t = text_of(c);
    assert_non_null(strstr(t, "upn:user@corp.example"));
    assert_non_null(strstr(t, "keyUsage         digitalSignature, keyEncipherment"));
    assert_non_null(strstr(t, "X509v3 Key Usage (critical)"));
    assert_null(strstr(t, "secret-bmp"));
    free(t);
    free(c);
    c = decode(f, f->depot, body, n, SS_SCEP_MT_PKCSREQ, SS_SCEP_CONTENT_SECRETS, &rc);
    assert_string_equal(c->csr.challenge, "secret-bmp");
    free(c);
    free(body);
    X509_free(signer);
    free(csr);
}

static void test_built_weak_and_empty(void **state)
{
    fixture *f = *state;
    EVP_PKEY *weak = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    csr_spec spec = {weak, NULL, 0, 0, NULL, NULL};
    size_t clen, n;
    uint8_t *csr = build_csr(&spec, &clen), *body;
    ss_scep_content *c;
    char *t;
    int rc;

    assert_non_null(weak);
    /* PKCSReq signed by another key (the CA's own): RFC 8894 wants the CSR's key */
    body = build_msg(f->depot_cert, 1, EVP_aes_128_cbc(), csr, clen, f->depot_cert, f->depot_key, 0,
                     0, &n);
    c = decode(f, f->depot, body, n, SS_SCEP_MT_PKCSREQ, 0, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(c->csr.subject_entries, 0);
    assert_int_equal(c->csr.key_bits, 1024);
    assert_int_equal(c->csr.has_challenge, 0);
    assert_int_equal(c->csr.has_extension_request, 0);
    assert_int_equal(c->csr_rsa_weak, 1);
    assert_int_equal(c->csr_no_san, 1);
    assert_int_equal(c->csr_empty_identity, 1);
    assert_int_equal(c->csr.signer_key_same, 0);
    assert_int_equal(c->csr_signer_key_differs, 1);
    assert_int_equal(c->csr_signature_invalid, 0);
    t = text_of(c);
    assert_non_null(strstr(t, "subject          (empty)"));
    assert_non_null(strstr(t, "challenge        absent"));
    assert_non_null(strstr(t, "NOT the CSR's key"));
    free(t);
    free(c);
    /* the same as a RenewalReq: signed by the old certificate, a different key is normal */
    c = decode(f, f->depot, body, n, SS_SCEP_MT_RENEWALREQ, 0, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(c->csr.signer_key_same, 0);
    assert_int_equal(c->csr_signer_key_differs, 0);
    free(c);
    free(body);
    /* no signer certificate in the message: nothing to compare */
    body = build_msg(f->depot_cert, 1, EVP_aes_128_cbc(), csr, clen, f->depot_cert, f->depot_key, 1,
                     0, &n);
    c = decode(f, f->depot, body, n, SS_SCEP_MT_PKCSREQ, 0, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(c->csr.signer_known, 0);
    assert_int_equal(c->csr_signer_key_differs, 0);
    free(c);
    free(body);
    free(csr);
    EVP_PKEY_free(weak);
}

static void test_content_decryption_fails(void **state)
{
    fixture *f = *state;
    csr_spec spec = {f->device, "device-43", 0, 0, "x", NULL};
    size_t clen, n;
    uint8_t *csr = build_csr(&spec, &clen), *body;
    X509 *signer = self_signed(f->device, "signer", 9);
    ss_scep_content *c;
    int rc;

    body = build_msg(f->depot_cert, 1, EVP_aes_128_cbc(), csr, clen, signer, f->device, 0, 1, &n);
    c = decode(f, f->depot, body, n, SS_SCEP_MT_PKCSREQ, 0, &rc);
    assert_int_equal(rc, -1);
    assert_int_equal(c->decrypt.status, SS_SCEP_DEC_FAILED);
    assert_string_equal(c->decrypt.detail, "decryption failed with key ca.key (wrong key?)");
    assert_int_equal(c->kind, SS_SCEP_CONTENT_NONE);
    free(c);
    free(body);
    X509_free(signer);
    free(csr);
}

/* Well-formed UTF-8, as JSON and terminals need it. */
static int utf8_ok(const char *p)
{
    const unsigned char *s = (const unsigned char *)p;
    int follow;

    while (*s) {
        follow = *s < 0x80             ? 0
                 : (*s & 0xE0) == 0xC0 ? 1
                 : (*s & 0xF0) == 0xE0 ? 2
                 : (*s & 0xF8) == 0xF0 ? 3
                                       : -1;
        if (follow < 0)
            return 0;
        for (s++; follow > 0; follow--, s++)
            if ((*s & 0xC0) != 0x80)
                return 0;
    }
    return 1;
}

/* More SANs than kept, each long and not ASCII: counted, cut at character boundaries. */
static void test_many_long_sans(void **state)
{
    fixture *f = *state;
    char san[8192] = "", one[400];
    csr_spec spec = {f->device, "device-47", 0, 0, NULL, san};
    size_t clen, i, p = 0;
    uint8_t *csr;
    ss_scep_content *c;
    char *t, *j;
    int rc;

    for (i = 0; i < 20; i++) {
        size_t k, q = 0;

        q += (size_t)snprintf(one + q, sizeof(one) - q,
                              "%sotherName:1.3.6.1.4.1.311.20.2.3;UTF8:", i ? ", " : "");
        for (k = 0; k < 150; k++)
            q += (size_t)snprintf(one + q, sizeof(one) - q, "\xc3\xa9");
        p += (size_t)snprintf(san + p, sizeof(san) - p, "%s", one);
    }
    csr = build_csr(&spec, &clen);
    c = parse(f, SS_SCEP_MT_PKCSREQ, csr, clen, NULL, 0, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(c->csr.nsans, SS_CSR_MAX_SANS);
    assert_int_equal(c->csr.sans_dropped, 20 - SS_CSR_MAX_SANS);
    assert_int_equal(c->csr.sans[0].type, SS_CSR_SAN_UPN);
    assert_true(strlen(c->csr.sans[0].value) < SS_CSR_SAN_LEN);
    assert_non_null(strstr(c->csr.sans[0].value, "..."));
    assert_true(utf8_ok(c->csr.sans[0].value));
    t = text_of(c);
    assert_true(utf8_ok(t));
    assert_non_null(strstr(t, ", ..."));
    j = json_text(c);
    assert_non_null(strstr(j, "\"subject_alt_names_dropped\":4"));
    free(j);
    free(t);
    free(c);
    free(csr);
}

static void test_bad_csr_signature(void **state)
{
    fixture *f = *state;
    csr_spec spec = {f->device, "device-44", 0, 0, "pw", NULL};
    size_t clen;
    uint8_t *csr = build_csr(&spec, &clen);
    ss_scep_content *c;
    int rc;

    csr[clen - 1] ^= 0x40; /* inside the signature BIT STRING */
    c = parse(f, SS_SCEP_MT_PKCSREQ, csr, clen, NULL, 0, &rc);
    assert_int_equal(rc, 0); /* well-formed; only the signature is wrong */
    assert_int_equal(c->csr.signature, SS_CSR_SIG_INVALID);
    assert_int_equal(c->csr_signature_invalid, 1);
    free(c);
    free(csr);
}

/* DER SEQUENCE around a and b. */
static uint8_t *der_seq2(const uint8_t *a, size_t an, const uint8_t *b, size_t bn, size_t *len)
{
    size_t body = an + bn, hdr = body < 128 ? 2 : body < 256 ? 3 : 4;
    uint8_t *out = malloc(hdr + body);

    assert_non_null(out);
    out[0] = 0x30;
    if (hdr == 2) {
        out[1] = (uint8_t)body;
    } else if (hdr == 3) {
        out[1] = 0x81;
        out[2] = (uint8_t)body;
    } else {
        out[1] = 0x82;
        out[2] = (uint8_t)(body >> 8);
        out[3] = (uint8_t)body;
    }
    memcpy(out + hdr, a, an);
    memcpy(out + hdr + an, b, bn);
    *len = hdr + body;
    return out;
}

static void test_certpoll_getcert_getcrl(void **state)
{
    fixture *f = *state;
    X509 *signer = self_signed(f->device, "poller", 11);
    X509_NAME *subject = X509_NAME_new();
    PKCS7_ISSUER_AND_SERIAL *ias = PKCS7_ISSUER_AND_SERIAL_new();
    unsigned char *iss = NULL, *subj = NULL, *ser = NULL;
    int in, sn, rn;
    size_t poll_n, n, clen;
    uint8_t *poll, *body, *csr;
    csr_spec spec = {f->device, "device-45", 0, 0, NULL, NULL};
    ss_scep_content *c;
    int rc;
    long mt;

    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, (const unsigned char *)"device-45", -1,
                               -1, 0);
    in = i2d_X509_NAME(X509_get_subject_name(f->depot_cert), &iss);
    sn = i2d_X509_NAME(subject, &subj);
    poll = der_seq2(iss, (size_t)in, subj, (size_t)sn, &poll_n);
    body =
        build_msg(f->depot_cert, 1, EVP_des_ede3_cbc(), poll, poll_n, signer, f->device, 0, 0, &n);
    c = decode(f, f->depot, body, n, SS_SCEP_MT_CERTPOLL, 0, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(c->kind, SS_SCEP_CONTENT_ISSUER_AND_SUBJECT);
    assert_string_equal(c->issuer, DEPOT_CA);
    assert_string_equal(c->subject, "CN=device-45");
    free(c);
    free(body);

    X509_NAME_set(&ias->issuer, X509_get_subject_name(f->depot_cert));
    ASN1_INTEGER_set(ias->serial, 0x0A0B0C);
    rn = i2d_PKCS7_ISSUER_AND_SERIAL(ias, &ser);
    assert_true(rn > 0);
    body = build_msg(f->depot_cert, 1, EVP_aes_128_cbc(), ser, (size_t)rn, signer, f->device, 0, 0,
                     &n);
    for (mt = SS_SCEP_MT_GETCERT; mt <= SS_SCEP_MT_GETCRL; mt++) {
        c = decode(f, f->depot, body, n, mt, 0, &rc);
        assert_int_equal(rc, 0);
        assert_int_equal(c->kind, SS_SCEP_CONTENT_ISSUER_AND_SERIAL);
        assert_string_equal(c->issuer, DEPOT_CA);
        assert_string_equal(c->serial, "0A0B0C");
        free(c);
    }
    free(body);

    /* contents that do not fit their message type */
    csr = build_csr(&spec, &clen);
    c = parse(f, SS_SCEP_MT_CERTPOLL, csr, clen, NULL, 0, &rc);
    assert_int_equal(rc, -1);
    assert_int_equal(c->verdict.reason, SS_SCEP_R_WRONG_TYPE);
    assert_string_equal(c->verdict.detail, "the CertPoll content is a PKCS#10 certificate "
                                           "request, not an IssuerAndSubject");
    free(c);
    c = parse(f, SS_SCEP_MT_GETCERT, poll, poll_n, NULL, 0, &rc);
    assert_int_equal(rc, -1);
    assert_int_equal(c->verdict.reason, SS_SCEP_R_BAD_ASN1);
    assert_int_equal(c->kind, SS_SCEP_CONTENT_NONE);
    free(c);
    c = parse(f, SS_SCEP_MT_PKCSREQ, ser, (size_t)rn, NULL, 0, &rc);
    assert_int_equal(rc, -1);
    assert_int_equal(c->verdict.status, SS_SCEP_MALFORMED);
    free(c);
    c = parse(f, SS_SCEP_MT_CERTREP, csr, clen, NULL, 0, &rc);
    assert_int_equal(rc, -1);
    assert_int_equal(c->verdict.reason, SS_SCEP_R_BAD_CONTENT);
    free(c);
    free(csr);
    free(poll);
    OPENSSL_free(iss);
    OPENSSL_free(subj);
    OPENSSL_free(ser);
    PKCS7_ISSUER_AND_SERIAL_free(ias);
    X509_NAME_free(subject);
    X509_free(signer);
}

/* ---- nothing to open ----------------------------------------------------------------------- */

static void test_nothing_to_open(void **state)
{
    fixture *f = *state;
    ss_ra_keys *empty = ss_ra_keys_new(f->libctx);
    size_t n, rn;
    uint8_t *body = load("tests/data/scep/pkcsreq_scepclient.der", &n);
    uint8_t *certrep = load("tests/data/scep/certrep_success_scepserver.der", &rn);
    uint8_t *env = NULL;
    size_t env_len = 0;
    ss_scep_content *c;
    int rc;

    c = decode(f, NULL, body, n, SS_SCEP_MT_PKCSREQ, 0, &rc);
    assert_int_equal(rc, -1);
    assert_int_equal(c->decrypt.status, SS_SCEP_DEC_NONE);
    assert_string_equal(c->decrypt.detail, "no RA key loaded");
    free(c);
    c = decode(f, empty, body, n, SS_SCEP_MT_PKCSREQ, 0, &rc);
    assert_int_equal(c->decrypt.status, SS_SCEP_DEC_NONE);
    free(c);
    c = decode(f, f->other_ca, certrep, rn, msg_type(f, certrep, rn), 0, &rc);
    assert_int_equal(rc, -1);
    assert_int_equal(c->message_type, SS_SCEP_MT_CERTREP);
    assert_int_equal(c->decrypt.status, SS_SCEP_DEC_NONE);
    assert_non_null(strstr(c->decrypt.detail, "encrypted to the requester's key"));
    assert_int_equal(c->decrypt.keys_tried, 0);
    free(c);
    /* the envelope itself where a pkiMessage was expected, and text */
    assert_int_equal(ss_scep_msg_envelope(body, n, &env, &env_len), 0);
    c = decode(f, f->other_ca, env, env_len, SS_SCEP_MT_PKCSREQ, 0, &rc);
    assert_int_equal(c->decrypt.status, SS_SCEP_DEC_NO_ENVELOPE);
    free(c);
    c = decode(f, f->other_ca, (const uint8_t *)"<html>", 6, SS_SCEP_MT_PKCSREQ, 0, &rc);
    assert_int_equal(c->decrypt.status, SS_SCEP_DEC_NO_ENVELOPE);
    free(c);
    /* a CertRep body taken for a PKCSReq: its envelope is for the device, no RA key fits */
    c = decode(f, f->other_ca, certrep, rn, SS_SCEP_MT_PKCSREQ, 0, &rc);
    assert_int_equal(rc, -1);
    assert_true(c->decrypt.status == SS_SCEP_DEC_NO_MATCH);
    free(c);
    free(env);
    free(body);
    free(certrep);
    ss_ra_keys_free(empty);
}

/* Blind trials are capped: 8 recipients and 16 keys without certificates cost 32 operations. */
static void test_trial_cap(void **state)
{
    fixture *f = *state;
    ss_ra_keys *k = ss_ra_keys_new(f->libctx);
    csr_spec spec = {f->device, "device-46", 0, 0, NULL, NULL};
    size_t clen, n;
    uint8_t *csr = build_csr(&spec, &clen), *body;
    X509 *signer = self_signed(f->device, "signer", 12);
    char err[SS_RA_ERR_LEN], *pem;
    ss_scep_content *c;
    unsigned i;
    int rc;

    for (i = 0; i < SS_RA_MAX_KEYS; i++) {
        EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        BIO *mem = BIO_new(BIO_s_mem());
        long pn;

        PEM_write_bio_PrivateKey(mem, pk, NULL, NULL, 0, NULL, NULL);
        pn = BIO_get_mem_data(mem, &pem);
        assert_int_equal(
            ss_ra_keys_load_mem(k, (const uint8_t *)pem, (size_t)pn, "ec", NULL, err, 300), 1);
        BIO_free(mem);
        EVP_PKEY_free(pk);
    }
    body = build_msg(f->depot_cert, SS_SCEP_MAX_RECIPIENTS, EVP_aes_128_cbc(), csr, clen, signer,
                     f->device, 0, 0, &n);
    c = decode(f, k, body, n, SS_SCEP_MT_PKCSREQ, 0, &rc);
    assert_int_equal(rc, -1);
    assert_int_equal(c->decrypt.status, SS_SCEP_DEC_NO_MATCH);
    assert_int_equal(c->decrypt.keys_tried, 32);
    assert_non_null(strstr(c->decrypt.detail, "and the other recipients (32 tried)"));
    free(c);
    free(body);
    X509_free(signer);
    free(csr);
    ss_ra_keys_free(k);
}

/* ---- hostile content ----------------------------------------------------------------------- */

static uint32_t xorshift(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void test_truncated_and_flipped_csr(void **state)
{
    fixture *f = *state;
    size_t n, i;
    uint8_t *csr = load_pem_der("pcaps/keys/enroll-get/csr.pem", &n), *copy, *longer;
    X509 *signer = load_cert("pcaps/keys/scep-depot/ca.pem");
    uint32_t seed = 0x5ce95eed;
    ss_scep_content *c;
    int rc, it, k;

    c = parse(f, SS_SCEP_MT_PKCSREQ, csr, n, signer, 0, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(c->csr.subject, "C=US, O=scep-client, OU=MDM, CN=device-get");
    free(c);
    /* every truncation, in an exact-size buffer so that ASan sees any overread */
    for (i = 0; i < n; i++) {
        copy = malloc(i ? i : 1);
        assert_non_null(copy);
        memcpy(copy, csr, i);
        c = parse(f, SS_SCEP_MT_PKCSREQ, copy, i, signer, SS_SCEP_CONTENT_SECRETS, &rc);
        assert_int_equal(rc, -1);
        assert_int_equal(c->verdict.status, i == 0 ? SS_SCEP_MALFORMED : SS_SCEP_TRUNCATED);
        assert_int_equal(c->kind, SS_SCEP_CONTENT_NONE);
        free(c);
        free(copy);
    }
    /* a byte too many */
    longer = malloc(n + 1);
    assert_non_null(longer);
    memcpy(longer, csr, n);
    longer[n] = 0;
    c = parse(f, SS_SCEP_MT_PKCSREQ, longer, n + 1, NULL, 0, &rc);
    assert_int_equal(rc, -1);
    assert_int_equal(c->verdict.reason, SS_SCEP_R_TRAILING);
    free(c);
    free(longer);
    /* random flips: any verdict, never a crash, a leak or a broken invariant */
    copy = malloc(n);
    assert_non_null(copy);
    for (it = 0; it < 3000; it++) {
        memcpy(copy, csr, n);
        for (k = 0; k <= (int)(xorshift(&seed) % 4); k++)
            copy[xorshift(&seed) % n] ^= (uint8_t)(1u << (xorshift(&seed) % 8));
        c = parse(f, it % 5 == 0 ? SS_SCEP_MT_RENEWALREQ : SS_SCEP_MT_PKCSREQ, copy, n, signer,
                  it & 1 ? SS_SCEP_CONTENT_SECRETS : 0, &rc);
        free(c);
        /* the same bytes read as the other content types */
        c = parse(f, SS_SCEP_MT_CERTPOLL + it % 3, copy, n, NULL, 0, &rc);
        assert_int_equal(rc, -1);
        free(c);
    }
    free(copy);
    X509_free(signer);
    free(csr);
}

static void test_hostile_bodies(void **state)
{
    fixture *f = *state;
    size_t n, i;
    uint8_t *body = load("tests/data/scep/pkcsreq_scepclient.der", &n), *copy;
    uint32_t seed = 0xb0d1e5;
    ss_scep_content *c;
    int rc, it;

    /* every truncation of a real request: never opened, never a crash */
    for (i = 0; i < n; i += 3) {
        copy = malloc(i ? i : 1);
        assert_non_null(copy);
        memcpy(copy, body, i);
        c = decode(f, f->other_ca, copy, i, SS_SCEP_MT_PKCSREQ, 0, &rc);
        assert_int_equal(rc, -1);
        assert_int_equal(c->decrypt.status, SS_SCEP_DEC_NO_ENVELOPE);
        free(c);
        free(copy);
    }
    copy = malloc(n);
    assert_non_null(copy);
    for (it = 0; it < 300; it++) {
        memcpy(copy, body, n);
        copy[xorshift(&seed) % n] ^= (uint8_t)(1u << (xorshift(&seed) % 8));
        c = decode(f, f->other_ca, copy, n, SS_SCEP_MT_PKCSREQ, SS_SCEP_CONTENT_SECRETS, &rc);
        assert_true(c->decrypt.keys_tried <= 32);
        free(c);
    }
    free(copy);
    free(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_pkcsreq_scepclient),
        cmocka_unit_test(test_real_pkcsreq_wrong_challenge),
        cmocka_unit_test(test_real_capture_requests),
        cmocka_unit_test(test_wrong_key),
        cmocka_unit_test(test_real_wrong_ra_capture),
        cmocka_unit_test(test_old_ra_certificate),
        cmocka_unit_test(test_des_without_legacy),
        cmocka_unit_test(test_built_rich_pkcsreq),
        cmocka_unit_test(test_built_weak_and_empty),
        cmocka_unit_test(test_content_decryption_fails),
        cmocka_unit_test(test_many_long_sans),
        cmocka_unit_test(test_bad_csr_signature),
        cmocka_unit_test(test_certpoll_getcert_getcrl),
        cmocka_unit_test(test_nothing_to_open),
        cmocka_unit_test(test_trial_cap),
        cmocka_unit_test(test_truncated_and_flipped_csr),
        cmocka_unit_test(test_hostile_bodies),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}

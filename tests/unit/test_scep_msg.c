/* test_scep_msg.c — the pkiMessage decoder (decode/scep_msg.c) on bodies captured from
 * micromdm scepclient and scepserver (tests/data/scep/README.md says how), on messages built here
 * with OpenSSL for what those tools never send (NDES error attribute, EJBCA failInfo, OAEP, AES),
 * and on hostile variants: every truncation, random byte flips, deep nesting, wrong types.
 * Expected values are what the tools logged and what `openssl cms -cmsout -print` shows.
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
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "tests/support/data.h"
#include "decode/ossl_ctx.h"
#include "decode/scep_msg.h"
#include "decode/scep_render.h"

/* ---- helpers ------------------------------------------------------------------------------- */

#define load(name, len) ss_test_load("tests/data/scep", name, len)

static OSSL_LIB_CTX *lctx(void **state)
{
    return ss_ossl_libctx((ss_ossl *)*state);
}

/* Decodes and renders (JSON and text), checking the invariants every result must keep. */
static int decode(OSSL_LIB_CTX *libctx, const uint8_t *p, size_t n, ss_scep_msg *m)
{
    int rc = ss_scep_msg_decode(libctx, p, n, m);
    json_t *j = ss_scep_msg_json(m);
    char *s, text[16384];
    size_t need;

    assert_int_equal(m->verdict.status == SS_SCEP_OK, m->verdict.reason == SS_SCEP_R_NONE);
    if (m->verdict.reason != SS_SCEP_R_NONE)
        assert_true(strlen(m->verdict.detail) > 0);
    if (rc == 0)
        assert_int_equal(m->verdict.status, SS_SCEP_OK);
    assert_non_null(j);
    s = json_dumps(j, JSON_COMPACT);
    assert_non_null(s);
    free(s);
    json_decref(j);
    need = ss_scep_msg_text(m, "  ", text, sizeof(text));
    assert_true(need > 0);
    assert_true(strlen(text) == (need < sizeof(text) ? need : sizeof(text) - 1));
    return rc;
}

static X509 *load_cert_der(OSSL_LIB_CTX *libctx, const char *name)
{
    size_t n;
    uint8_t *b = load(name, &n);
    const unsigned char *q = b;
    X509 *x = X509_new_ex(libctx, NULL);

    assert_non_null(d2i_X509(&x, &q, (long)n));
    free(b);
    return x;
}

static EVP_PKEY *load_key(OSSL_LIB_CTX *libctx, const char *name)
{
    size_t n;
    uint8_t *b = load(name, &n);
    BIO *bio = BIO_new_mem_buf(b, (int)n);
    EVP_PKEY *k = PEM_read_bio_PrivateKey_ex(bio, NULL, NULL, NULL, libctx, NULL);

    assert_non_null(k);
    BIO_free(bio);
    free(b);
    return k;
}

typedef struct attr_spec {
    const char *oid;
    int type;
    const void *data;
    int len;    /* -1: strlen(data) */
    int values; /* 2: the value twice in the attribute's SET */
} attr_spec;

/* A pkiMessage signed by cert/key with the given SCEP attributes around content (may be
 * empty), as an OpenSSL-built SCEP peer would send it. */
static uint8_t *build_msg(OSSL_LIB_CTX *libctx, X509 *cert, EVP_PKEY *key, const attr_spec *a,
                          size_t na, const uint8_t *content, size_t clen, size_t *outlen)
{
    const unsigned int flags = CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP;
    BIO *in = BIO_new_mem_buf(clen ? (const void *)content : (const void *)"", (int)clen);
    CMS_ContentInfo *cms = CMS_sign_ex(cert, key, NULL, in, flags, libctx, NULL);
    CMS_SignerInfo *si;
    unsigned char *der = NULL;
    uint8_t *out;
    size_t i;
    int n;

    assert_non_null(cms);
    si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
    for (i = 0; i < na; i++) {
        /* len -1 would make OpenSSL take data for an ASN1_STRING: always give the length. */
        int len = a[i].len >= 0 ? a[i].len : (int)strlen(a[i].data);

        if (a[i].values == 2) {
            X509_ATTRIBUTE *at =
                X509_ATTRIBUTE_create_by_txt(NULL, a[i].oid, a[i].type, a[i].data, len);

            assert_non_null(at);
            assert_int_equal(X509_ATTRIBUTE_set1_data(at, a[i].type, a[i].data, len), 1);
            assert_int_equal(CMS_signed_add1_attr(si, at), 1);
            X509_ATTRIBUTE_free(at);
            continue;
        }
        assert_int_equal(CMS_signed_add1_attr_by_txt(si, a[i].oid, a[i].type, a[i].data, len), 1);
    }
    assert_int_equal(CMS_final(cms, in, NULL, CMS_BINARY), 1);
    n = i2d_CMS_ContentInfo(cms, &der);
    assert_true(n > 0);
    out = malloc((size_t)n);
    memcpy(out, der, (size_t)n);
    *outlen = (size_t)n;
    OPENSSL_free(der);
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    return out;
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static const uint8_t nonce16[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

/* ---- real bodies --------------------------------------------------------------------------- */

static void test_pkcsreq_real(void **state)
{
    size_t n;
    uint8_t *b = load("pkcsreq_scepclient.der", &n);
    ss_scep_msg *m = calloc(1, sizeof(*m));

    assert_int_equal(decode(lctx(state), b, n, m), 0);
    /* scepclient -debug: msg="creating SCEP CSR request" transaction_id="A75bOKBB..." */
    assert_int_equal(m->message_type, 19);
    assert_string_equal(ss_scep_message_type_name(m->message_type), "PKCSReq");
    assert_string_equal(m->transaction_id, "A75bOKBBhHor76UmYIPTi12jEcI=");
    assert_int_equal(m->sender_nonce_len, 16);
    assert_false(m->has_recipient_nonce);
    assert_int_equal(m->pki_status, -1);
    assert_int_equal(m->fail_info, -1);
    assert_true(m->has_content_type_attr);
    assert_true(m->has_message_digest_attr);
    /* openssl cms -print: digestAlgorithm sha1, signatureAlgorithm sha1WithRSAEncryption */
    assert_string_equal(m->digest_alg, "sha1");
    assert_string_equal(m->signature_alg, "sha1WithRSAEncryption");
    assert_string_equal(m->econtent_type, "pkcs7-data");
    assert_int_equal(m->nsigners, 1);
    assert_int_equal(m->ncerts, 1);
    assert_true(m->signer_cert_found);
    assert_string_equal(m->signer.subject, "O=scepsniff test, CN=SCEP SIGNER");
    assert_string_equal(m->signer.serial, "8EA1F3294A0CAFAD5A899053D7794A6D");
    assert_string_equal(m->signer_serial, m->signer.serial);
    assert_true(m->signer.self_signed);
    assert_string_equal(m->signer.key_type, "RSA");
    assert_int_equal(m->signer.key_bits, 2048);
    assert_false(m->signer.ca);
    /* the envelope: des-cbc to the CA (recipient issuer + serial 01) */
    assert_true(m->envelope.present);
    assert_int_equal(m->envelope.verdict.status, SS_SCEP_OK);
    assert_int_equal(m->envelope.der_len, 1114);
    assert_string_equal(m->envelope.cipher, "des-cbc");
    assert_string_equal(m->envelope.cipher_oid, "1.3.14.3.2.7");
    assert_true(m->envelope.single_des);
    assert_true(ss_ossl_has_legacy((ss_ossl *)*state));
    assert_true(m->envelope.cipher_available); /* from our context's legacy provider */
    assert_int_equal(m->envelope.cipher_key_bits, 64);
    assert_int_equal(m->envelope.nrecipients, 1);
    assert_string_equal(m->envelope.recipients[0].issuer, "C=US, O=scepsniff test CA, OU=SCEP CA");
    assert_string_equal(m->envelope.recipients[0].serial, "01");
    assert_string_equal(m->envelope.recipients[0].key_alg, "rsaEncryption");
    assert_false(m->envelope.recipients[0].oaep);
    assert_int_equal(m->envelope.recipients[0].enc_key_len, 256);
    assert_true(m->envelope.encrypted_present);
    assert_int_equal(m->envelope.encrypted_len, 696);
    free(m);
    free(b);
}

static void test_certrep_success_real(void **state)
{
    size_t nq, nr;
    uint8_t *q = load("pkcsreq_scepclient.der", &nq);
    uint8_t *r = load("certrep_success_scepserver.der", &nr);
    ss_scep_msg *req = calloc(1, sizeof(*req)), *rep = calloc(1, sizeof(*rep));
    json_t *j;

    assert_int_equal(decode(lctx(state), q, nq, req), 0);
    assert_int_equal(decode(lctx(state), r, nr, rep), 0);
    /* scepclient: scep_message_type="CertRep (3)", pkiStatus=SUCCESS */
    assert_int_equal(rep->message_type, 3);
    assert_int_equal(rep->pki_status, 0);
    assert_string_equal(ss_scep_pki_status_name(rep->pki_status), "SUCCESS");
    assert_int_equal(rep->fail_info, -1);
    assert_string_equal(rep->transaction_id, req->transaction_id);
    /* the reply echoes the request's senderNonce as recipientNonce */
    assert_true(rep->has_recipient_nonce);
    assert_string_equal(rep->recipient_nonce, req->sender_nonce);
    /* signed by the CA, whose SHA-256 scepclient logged for GetCACert */
    assert_string_equal(rep->signer.subject, "C=US, O=scepsniff test CA, OU=SCEP CA");
    assert_string_equal(rep->signer.sha256,
                        "12C58BC7C6B25DBBBC0A0CCC79E77867ED00CFB20C2552A67AAA0908A5BA89EE");
    assert_true(rep->signer.ca);
    /* scepserver also carries the issued certificate in the clear: the CN given to scepclient,
     * serial 02 as in the depot's index.txt */
    assert_int_equal(rep->ncerts, 2);
    assert_int_equal(rep->nother_certs, 1);
    assert_string_equal(rep->other_certs[0].subject,
                        "C=US, O=scepsniff test, OU=MDM, CN=scepsniff-device-01");
    assert_string_equal(rep->other_certs[0].issuer, rep->signer.subject);
    assert_string_equal(rep->other_certs[0].serial, "02");
    assert_int_equal(rep->other_certs[0].not_after - rep->other_certs[0].not_before,
                     365L * 86400); /* scepserver -crtvalid default */
    /* the issued certificate is encrypted to the device's signer certificate */
    assert_true(rep->envelope.present);
    assert_int_equal(rep->envelope.nrecipients, 1);
    assert_string_equal(rep->envelope.recipients[0].issuer, req->signer.subject);
    assert_string_equal(rep->envelope.recipients[0].serial, req->signer.serial);
    assert_string_equal(rep->envelope.cipher, "des-cbc");

    j = ss_scep_msg_json(rep);
    assert_string_equal(json_string_value(json_object_get(j, "message_type_name")), "CertRep");
    assert_string_equal(json_string_value(json_object_get(j, "pki_status_name")), "SUCCESS");
    assert_string_equal(json_string_value(json_object_get(j, "transaction_id")),
                        "A75bOKBBhHor76UmYIPTi12jEcI=");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j, "envelope"), "cipher")), "des-cbc");
    json_decref(j);
    free(req);
    free(rep);
    free(q);
    free(r);
}

static void test_certrep_failure_real(void **state)
{
    size_t nq, nr;
    uint8_t *q = load("pkcsreq_wrong_challenge_scepclient.der", &nq);
    uint8_t *r = load("certrep_failure_scepserver.der", &nr);
    ss_scep_msg *req = calloc(1, sizeof(*req)), *rep = calloc(1, sizeof(*rep));
    uint8_t *der = (uint8_t *)"x";
    size_t dlen = 1;
    char text[8192];
    json_t *j;

    assert_int_equal(decode(lctx(state), q, nq, req), 0);
    assert_string_equal(req->transaction_id, "mh09beVCVpnxZN68AaHl6ij62J0=");
    assert_int_equal(req->message_type, 19);
    assert_int_equal(decode(lctx(state), r, nr, rep), 0);
    /* scepclient: "PKCSReq (19) request failed, failInfo: badRequest (2)" */
    assert_string_equal(rep->transaction_id, "mh09beVCVpnxZN68AaHl6ij62J0=");
    assert_int_equal(rep->message_type, 3);
    assert_int_equal(rep->pki_status, 2);
    assert_string_equal(ss_scep_pki_status_name(rep->pki_status), "FAILURE");
    assert_int_equal(rep->fail_info, 2);
    assert_string_equal(ss_scep_fail_info_name(rep->fail_info), "badRequest");
    assert_string_equal(rep->recipient_nonce, req->sender_nonce);
    assert_int_equal(rep->nother_certs, 0);
    /* no envelope: an empty eContent */
    assert_true(rep->has_content);
    assert_int_equal(rep->content_len, 0);
    assert_false(rep->envelope.present);
    assert_int_equal(ss_scep_msg_envelope(r, nr, &der, &dlen), -1);
    assert_null(der);
    assert_int_equal(dlen, 0);

    ss_scep_msg_text(rep, "", text, sizeof(text));
    assert_non_null(strstr(text, "failInfo         badRequest (2)"));
    assert_non_null(strstr(text, "pkiStatus        FAILURE (2)"));
    j = ss_scep_msg_json(rep);
    assert_int_equal(json_integer_value(json_object_get(j, "fail_info")), 2);
    assert_string_equal(json_string_value(json_object_get(j, "fail_info_name")), "badRequest");
    assert_null(json_object_get(j, "envelope"));
    json_decref(j);
    free(req);
    free(rep);
    free(q);
    free(r);
}

/* The envelope handed out for decryption really is the request's: the RA (here the CA) key
 * opens it in our library context (single DES needs its legacy provider) to the CSR scepclient
 * was told to build. */
static void test_envelope_decrypts_to_csr(void **state)
{
    OSSL_LIB_CTX *libctx = lctx(state);
    size_t n, dlen;
    uint8_t *b = load("pkcsreq_scepclient.der", &n), *der = NULL;
    X509 *ca = load_cert_der(libctx, "getcacert_scepserver.der");
    EVP_PKEY *key = load_key(libctx, "scepserver_ca_key.pem");
    CMS_ContentInfo *env = CMS_ContentInfo_new_ex(libctx, NULL);
    BIO *out = BIO_new(BIO_s_mem());
    const unsigned char *q;
    char *data, cn[128], o[128];
    long dl;
    X509_REQ *req;
    ss_scep_msg *m = calloc(1, sizeof(*m));

    decode(libctx, b, n, m);
    assert_int_equal(ss_scep_msg_envelope(b, n, &der, &dlen), 0);
    assert_int_equal(dlen, m->envelope.der_len);
    q = der;
    assert_non_null(d2i_CMS_ContentInfo(&env, &q, (long)dlen));
    assert_int_equal(CMS_decrypt(env, key, ca, NULL, out, CMS_BINARY), 1);
    dl = BIO_get_mem_data(out, &data);
    q = (const unsigned char *)data;
    req = d2i_X509_REQ(NULL, &q, dl);
    assert_non_null(req);
    assert_true(X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req), NID_commonName, cn,
                                          sizeof(cn)) > 0);
    assert_true(X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req), NID_organizationName, o,
                                          sizeof(o)) > 0);
    assert_string_equal(cn, "scepsniff-device-01"); /* scepclient -cn */
    assert_string_equal(o, "scepsniff test");       /* scepclient -organization */
    X509_REQ_free(req);
    BIO_free(out);
    CMS_ContentInfo_free(env);
    EVP_PKEY_free(key);
    X509_free(ca);
    free(der);
    free(m);
    free(b);
}

/* The success reply's envelope opens with the device key to the issued certificate. */
static void test_certrep_envelope_holds_issued_cert(void **state)
{
    OSSL_LIB_CTX *libctx = lctx(state);
    size_t nq, nr, dlen;
    uint8_t *q = load("pkcsreq_scepclient.der", &nq);
    uint8_t *r = load("certrep_success_scepserver.der", &nr), *der = NULL;
    EVP_PKEY *key = load_key(libctx, "scepclient_device01_key.pem");
    CMS_ContentInfo *req = CMS_ContentInfo_new_ex(libctx, NULL), *env = NULL, *inner = NULL;
    STACK_OF(X509) *rc = NULL, *issued = NULL;
    BIO *out = BIO_new(BIO_s_mem());
    const unsigned char *p = q;
    char *data, cn[128];
    long dl;

    assert_non_null(d2i_CMS_ContentInfo(&req, &p, (long)nq));
    rc = CMS_get1_certs(req); /* the device's self-signed signer, the reply's recipient */
    assert_int_equal(ss_scep_msg_envelope(r, nr, &der, &dlen), 0);
    env = CMS_ContentInfo_new_ex(libctx, NULL);
    p = der;
    assert_non_null(d2i_CMS_ContentInfo(&env, &p, (long)dlen));
    assert_int_equal(CMS_decrypt(env, key, sk_X509_value(rc, 0), NULL, out, CMS_BINARY), 1);
    dl = BIO_get_mem_data(out, &data);
    p = (const unsigned char *)data;
    inner = d2i_CMS_ContentInfo(NULL, &p, dl);
    assert_non_null(inner);
    issued = CMS_get1_certs(inner);
    assert_int_equal(sk_X509_num(issued), 1);
    assert_true(X509_NAME_get_text_by_NID(X509_get_subject_name(sk_X509_value(issued, 0)),
                                          NID_commonName, cn, sizeof(cn)) > 0);
    assert_string_equal(cn, "scepsniff-device-01");
    sk_X509_pop_free(issued, X509_free);
    sk_X509_pop_free(rc, X509_free);
    CMS_ContentInfo_free(inner);
    CMS_ContentInfo_free(env);
    CMS_ContentInfo_free(req);
    BIO_free(out);
    EVP_PKEY_free(key);
    free(der);
    free(q);
    free(r);
}

/* The legacy provider lives in our context only: the default context is unchanged, and a
 * decode in it says whether it could run single DES. */
static int default_has_des(void)
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, "DES-CBC", NULL);

    EVP_CIPHER_free(c);
    ERR_clear_error();
    return c != NULL;
}

static void test_legacy_is_ours(void **state)
{
    char err[128];
    int before = default_has_des();
    ss_ossl *o2 = ss_ossl_new(err, sizeof(err));
    size_t n;
    uint8_t *b = load("pkcsreq_scepclient.der", &n);
    ss_scep_msg *m = calloc(1, sizeof(*m));

    (void)state;
    assert_non_null(o2);
    assert_true(ss_ossl_has_legacy(o2));
    assert_int_equal(default_has_des(), before);
    assert_int_equal(decode(ss_ossl_libctx(o2), b, n, m), 0);
    assert_true(m->envelope.cipher_available);
    assert_int_equal(decode(NULL, b, n, m), 0);
    assert_int_equal(m->envelope.cipher_available, before);
    assert_string_equal(m->envelope.cipher, "des-cbc");
    ss_ossl_free(o2);
    assert_int_equal(default_has_des(), before);
    free(m);
    free(b);
}

/* ---- built with OpenSSL: what the captured tools never send ------------------------------ */

static void test_ndes_style_failure(void **state)
{
    OSSL_LIB_CTX *libctx = lctx(state);
    X509 *ca = load_cert_der(libctx, "getcacert_scepserver.der");
    EVP_PKEY *key = load_key(libctx, "scepserver_ca_key.pem");
    char ms[16];
    attr_spec a[7];
    size_t n;
    uint8_t *b;
    ss_scep_msg *m = calloc(1, sizeof(*m));
    json_t *j, *e;
    char text[8192];

    /* NDES writes the HRESULT as a signed decimal: 0x80094801 is -2146875391. */
    snprintf(ms, sizeof(ms), "%d", (int)(int32_t)0x80094801u);
    assert_string_equal(ms, "-2146875391");
    a[0] = (attr_spec){"2.16.840.1.113733.1.9.2", V_ASN1_PRINTABLESTRING, "3", -1, 0};
    a[1] = (attr_spec){"2.16.840.1.113733.1.9.3", V_ASN1_PRINTABLESTRING, "2", -1, 0};
    a[2] = (attr_spec){"2.16.840.1.113733.1.9.4", V_ASN1_PRINTABLESTRING, "7", -1, 0};
    a[3] = (attr_spec){"2.16.840.1.113733.1.9.7", V_ASN1_PRINTABLESTRING, "TXID-1", -1, 0};
    a[4] = (attr_spec){"2.16.840.1.113733.1.9.6", V_ASN1_OCTET_STRING, nonce16, 16, 0};
    a[5] = (attr_spec){"1.3.6.1.5.5.7.24.1", V_ASN1_UTF8STRING,
                       "challenge \xc3\xa9 rejected\x1b[2J", -1, 0};
    a[6] = (attr_spec){"1.3.6.1.4.1.311.21.33", V_ASN1_PRINTABLESTRING, ms, -1, 0};
    b = build_msg(libctx, ca, key, a, 7, NULL, 0, &n);
    /* no senderNonce: the only problem */
    assert_int_equal(decode(libctx, b, n, m), -1);
    assert_int_equal(m->verdict.reason, SS_SCEP_R_MISSING_ATTR);
    assert_non_null(strstr(m->verdict.detail, "senderNonce"));
    assert_int_equal(m->pki_status, 2);
    assert_int_equal(m->fail_info, 7);
    assert_null(ss_scep_fail_info_name(m->fail_info));
    assert_string_equal(ss_scep_fail_info_cmp_name(m->fail_info), "incorrectData");
    assert_true(m->has_fail_info_text);
    /* UTF-8 kept, the terminal escape defused */
    assert_string_equal(m->fail_info_text, "challenge \xc3\xa9 rejected\\x1B[2J");
    assert_true(m->has_ms_error);
    assert_int_equal(m->ms_error_value, -2146875391LL);
    assert_int_equal(m->ms_hresult, 0x80094801u);
    assert_string_equal(ss_scep_hresult_name(m->ms_hresult), "CERTSRV_E_NO_CERT_TYPE");
    assert_string_equal(m->transaction_id, "TXID-1");
    assert_string_equal(m->digest_alg, "sha256");

    j = ss_scep_msg_json(m);
    e = json_object_get(j, "ms_scep_error");
    assert_string_equal(json_string_value(json_object_get(e, "hresult")), "0x80094801");
    assert_string_equal(json_string_value(json_object_get(e, "name")), "CERTSRV_E_NO_CERT_TYPE");
    assert_int_equal(json_integer_value(json_object_get(e, "value")), -2146875391LL);
    assert_null(json_object_get(j, "fail_info_name"));
    assert_string_equal(json_string_value(json_object_get(j, "fail_info_cmp_name")),
                        "incorrectData");
    assert_string_equal(json_string_value(json_object_get(j, "reason")), "missing_attribute");
    json_decref(j);
    ss_scep_msg_text(m, "", text, sizeof(text));
    assert_non_null(strstr(text, "0x80094801 CERTSRV_E_NO_CERT_TYPE"));
    assert_non_null(strstr(text, "7, not a SCEP value (CMP incorrectData)"));
    free(b);
    free(m);
    EVP_PKEY_free(key);
    X509_free(ca);
}

/* A request whose envelope uses AES-256 and RSAES-OAEP key transport. */
static void test_oaep_aes_request(void **state)
{
    OSSL_LIB_CTX *libctx = lctx(state);
    X509 *ca = load_cert_der(libctx, "getcacert_scepserver.der");
    EVP_PKEY *key = load_key(libctx, "scepserver_ca_key.pem");
    EVP_CIPHER *aes = EVP_CIPHER_fetch(libctx, "AES-256-CBC", NULL);
    BIO *in = BIO_new_mem_buf("a CSR would be here", -1);
    CMS_ContentInfo *env = CMS_encrypt_ex(NULL, in, aes, CMS_BINARY | CMS_PARTIAL, libctx, NULL);
    CMS_RecipientInfo *ri = CMS_add1_recipient_cert(env, ca, CMS_KEY_PARAM);
    unsigned char *der = NULL;
    attr_spec a[5];
    size_t n;
    uint8_t *b;
    int dn;
    ss_scep_msg *m = calloc(1, sizeof(*m));

    assert_non_null(ri);
    assert_int_equal(
        EVP_PKEY_CTX_set_rsa_padding(CMS_RecipientInfo_get0_pkey_ctx(ri), RSA_PKCS1_OAEP_PADDING),
        1);
    assert_int_equal(CMS_final(env, in, NULL, CMS_BINARY), 1);
    dn = i2d_CMS_ContentInfo(env, &der);
    assert_true(dn > 0);
    a[0] = (attr_spec){"2.16.840.1.113733.1.9.2", V_ASN1_PRINTABLESTRING, "17", -1, 0};
    a[1] = (attr_spec){"2.16.840.1.113733.1.9.7", V_ASN1_PRINTABLESTRING, "TX-OAEP", -1, 0};
    a[2] = (attr_spec){"2.16.840.1.113733.1.9.5", V_ASN1_OCTET_STRING, nonce16, 16, 0};
    a[3] = (attr_spec){"1.2.3.4.5", V_ASN1_PRINTABLESTRING, "unknown attribute", -1, 0};
    b = build_msg(libctx, ca, key, a, 4, der, (size_t)dn, &n);
    assert_int_equal(decode(libctx, b, n, m), 0);
    assert_int_equal(m->message_type, 17);
    assert_string_equal(ss_scep_message_type_name(m->message_type), "RenewalReq");
    assert_int_equal(m->unknown_attrs, 1);
    assert_string_equal(m->envelope.cipher, "aes-256-cbc");
    assert_int_equal(m->envelope.cipher_key_bits, 256);
    assert_false(m->envelope.single_des);
    assert_int_equal(m->envelope.nrecipients, 1);
    assert_true(m->envelope.recipients[0].oaep);
    assert_string_equal(m->envelope.recipients[0].key_alg, "rsaesOaep");
    assert_string_equal(m->envelope.recipients[0].serial, "01");
    assert_int_equal(m->envelope.der_len, (size_t)dn);
    free(b);

    /* The same request without its envelope is malformed. */
    b = build_msg(libctx, ca, key, a, 3, NULL, 0, &n);
    assert_int_equal(decode(libctx, b, n, m), -1);
    assert_int_equal(m->verdict.reason, SS_SCEP_R_BAD_CONTENT);
    assert_non_null(strstr(m->verdict.detail, "RenewalReq without pkcsPKIEnvelope"));
    free(b);

    /* A messageType that is not a number, and one SCEP does not define. */
    a[0].data = "PKCSReq";
    b = build_msg(libctx, ca, key, a, 3, der, (size_t)dn, &n);
    assert_int_equal(decode(libctx, b, n, m), -1);
    assert_int_equal(m->verdict.reason, SS_SCEP_R_BAD_ATTR);
    assert_string_equal(m->message_type_raw, "PKCSReq");
    free(b);
    a[0].data = "99";
    b = build_msg(libctx, ca, key, a, 3, der, (size_t)dn, &n);
    assert_int_equal(decode(libctx, b, n, m), -1);
    assert_int_equal(m->verdict.reason, SS_SCEP_R_BAD_ATTR);
    assert_int_equal(m->message_type, 99);
    free(b);

    OPENSSL_free(der);
    CMS_ContentInfo_free(env);
    BIO_free(in);
    EVP_CIPHER_free(aes);
    EVP_PKEY_free(key);
    X509_free(ca);
    free(m);
}

/* Attributes of the wrong shape: each is named in the verdict, the rest still decodes. */
static void test_attribute_shapes(void **state)
{
    OSSL_LIB_CTX *libctx = lctx(state);
    X509 *ca = load_cert_der(libctx, "getcacert_scepserver.der");
    EVP_PKEY *key = load_key(libctx, "scepserver_ca_key.pem");
    static const char *const mt = "2.16.840.1.113733.1.9.2", *const tx = "2.16.840.1.113733.1.9.7",
                             *const sn = "2.16.840.1.113733.1.9.5",
                             *const ps = "2.16.840.1.113733.1.9.3",
                             *const ms = "1.3.6.1.4.1.311.21.33";
    static const struct {
        attr_spec extra;
        const char *detail; /* NULL: decodes cleanly */
    } cases[] = {
        {{sn, V_ASN1_OCTET_STRING, "0123456789abcdef", 16, 0}, "senderNonce appears twice"},
        {{ps, V_ASN1_PRINTABLESTRING, "0", -1, 2}, "pkiStatus has 2 values"},
        {{ps, V_ASN1_PRINTABLESTRING, "1", -1, 0}, "pkiStatus 1 is not a SCEP status"},
        {{ps, V_ASN1_PRINTABLESTRING, " 0", -1, 0}, "pkiStatus \" 0\" is not a number"},
        {{ms, V_ASN1_PRINTABLESTRING, "0x80070057", -1, 0}, "not a 32-bit decimal"},
        {{ms, V_ASN1_PRINTABLESTRING, "4294967296", -1, 0}, "not a 32-bit decimal"},
        {{ms, V_ASN1_PRINTABLESTRING, "2147942487", -1, 0}, NULL}, /* unsigned spelling */
        {{"2.16.840.1.113733.1.9.6", V_ASN1_PRINTABLESTRING, "nonce", -1, 0},
         "recipientNonce is ASN.1 type 19, not an OCTET STRING"},
    };
    size_t i, n;
    ss_scep_msg *m = calloc(1, sizeof(*m));

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        attr_spec a[4] = {{mt, V_ASN1_PRINTABLESTRING, "21", -1, 0},
                          {tx, V_ASN1_PRINTABLESTRING, "TX-SHAPE", -1, 0},
                          {sn, V_ASN1_OCTET_STRING, nonce16, 16, 0},
                          cases[i].extra};
        uint8_t *b = build_msg(libctx, ca, key, a, 4, (const uint8_t *)"\x04", 1, &n);

        decode(libctx, b, n, m);
        if (cases[i].detail) {
            assert_int_equal(m->verdict.status, SS_SCEP_MALFORMED);
            assert_int_equal(m->verdict.reason, SS_SCEP_R_BAD_ATTR);
            if (!strstr(m->verdict.detail, cases[i].detail))
                fail_msg("case %zu: \"%s\" lacks \"%s\"", i, m->verdict.detail, cases[i].detail);
        } else {
            assert_int_equal(m->verdict.status, SS_SCEP_OK);
            assert_int_equal(m->ms_hresult, 0x80070057u);
        }
        assert_int_equal(m->message_type, SS_SCEP_MT_GETCERT);
        assert_string_equal(m->transaction_id, "TX-SHAPE");
        /* 0x04 is not an EnvelopedData */
        assert_int_equal(m->envelope.verdict.reason, SS_SCEP_R_NOT_DER);
        free(b);
    }
    free(m);
    EVP_PKEY_free(key);
    X509_free(ca);
}

/* ---- hostile input ------------------------------------------------------------------------- */

static void test_every_truncation(void **state)
{
    size_t n, k;
    uint8_t *b = load("pkcsreq_scepclient.der", &n);
    ss_scep_msg *m = calloc(1, sizeof(*m));

    for (k = 0; k < n; k++) {
        uint8_t *cut = malloc(k ? k : 1); /* exact size: ASan sees any over-read */

        memcpy(cut, b, k);
        assert_int_equal(decode(lctx(state), cut, k, m), -1);
        if (k == 0)
            assert_int_equal(m->verdict.reason, SS_SCEP_R_EMPTY);
        else
            assert_int_equal(m->verdict.status, SS_SCEP_TRUNCATED);
        free(cut);
    }
    free(m);
    free(b);
}

/* A truncated envelope inside an intact, signed message: the message reads, the envelope is
 * reported truncated. */
static void test_truncated_envelope(void **state)
{
    OSSL_LIB_CTX *libctx = lctx(state);
    X509 *ca = load_cert_der(libctx, "getcacert_scepserver.der");
    EVP_PKEY *key = load_key(libctx, "scepserver_ca_key.pem");
    size_t n, dlen, k, nm;
    uint8_t *b = load("pkcsreq_scepclient.der", &n), *der = NULL, *msg;
    attr_spec a[3];
    ss_scep_msg *m = calloc(1, sizeof(*m));

    a[0] = (attr_spec){"2.16.840.1.113733.1.9.2", V_ASN1_PRINTABLESTRING, "19", -1, 0};
    a[1] = (attr_spec){"2.16.840.1.113733.1.9.7", V_ASN1_PRINTABLESTRING, "TX", -1, 0};
    a[2] = (attr_spec){"2.16.840.1.113733.1.9.5", V_ASN1_OCTET_STRING, nonce16, 16, 0};
    assert_int_equal(ss_scep_msg_envelope(b, n, &der, &dlen), 0);
    for (k = 1; k < dlen; k += 37) {
        msg = build_msg(libctx, ca, key, a, 3, der, k, &nm);
        assert_int_equal(decode(libctx, msg, nm, m), -1);
        assert_int_equal(m->verdict.status, SS_SCEP_OK);
        assert_string_equal(m->transaction_id, "TX");
        assert_true(m->envelope.present);
        assert_int_equal(m->envelope.verdict.status, SS_SCEP_TRUNCATED);
        free(msg);
    }
    free(der);
    free(b);
    free(m);
    EVP_PKEY_free(key);
    X509_free(ca);
}

static void test_random_flips(void **state)
{
    static const char *const files[] = {"pkcsreq_scepclient.der", "certrep_success_scepserver.der",
                                        "certrep_failure_scepserver.der"};
    uint64_t seed = 0x5CE95CE95CE9ULL;
    ss_scep_msg *m = calloc(1, sizeof(*m));
    unsigned f, i, k, bad = 0, total = 0;

    for (f = 0; f < 3; f++) {
        size_t n;
        uint8_t *b = load(files[f], &n);

        for (i = 0; i < 1500; i++) {
            uint8_t *v = malloc(n);
            unsigned flips = 1 + (unsigned)(rnd(&seed) % 4);

            memcpy(v, b, n);
            for (k = 0; k < flips; k++)
                v[rnd(&seed) % n] ^= (uint8_t)(1u << (rnd(&seed) % 8));
            if (decode(lctx(state), v, n, m) != 0)
                bad++;
            total++;
            free(v);
        }
        free(b);
    }
    /* Most flips land in signatures and encrypted bytes, which parse; some must not. */
    assert_true(bad > 0);
    assert_true(bad < total);
    free(m);
}

static uint8_t *nest(size_t depth, size_t *len)
{
    /* Definite-length SEQUENCEs around a NULL, built from the inside out. */
    size_t cap = 8 * depth + 16, start = cap - 2, clen;
    uint8_t *buf = malloc(cap), *out;

    buf[cap - 2] = 0x05;
    buf[cap - 1] = 0x00;
    while (depth--) {
        clen = cap - start;
        if (clen < 128) {
            buf[--start] = (uint8_t)clen;
        } else if (clen < 256) {
            buf[--start] = (uint8_t)clen;
            buf[--start] = 0x81;
        } else {
            buf[--start] = (uint8_t)(clen & 0xFF);
            buf[--start] = (uint8_t)(clen >> 8);
            buf[--start] = 0x82;
        }
        buf[--start] = 0x30;
    }
    *len = cap - start;
    out = malloc(*len);
    memcpy(out, buf + start, *len);
    free(buf);
    return out;
}

static void test_deep_nesting(void **state)
{
    ss_scep_msg *m = calloc(1, sizeof(*m));
    size_t n, i;
    uint8_t *b = nest(2000, &n);

    assert_int_equal(decode(lctx(state), b, n, m), -1);
    assert_int_equal(m->verdict.reason, SS_SCEP_R_TOO_DEEP);
    free(b);

    /* BER indefinite lengths, 5000 deep */
    n = 5000 * 4;
    b = malloc(n);
    for (i = 0; i < 5000; i++) {
        b[2 * i] = 0x30;
        b[2 * i + 1] = 0x80;
    }
    memset(b + 10000, 0, 10000);
    assert_int_equal(decode(lctx(state), b, n, m), -1);
    assert_int_equal(m->verdict.reason, SS_SCEP_R_TOO_DEEP);
    free(b);

    /* shallow nesting is only "not a pkiMessage" */
    b = nest(5, &n);
    assert_int_equal(decode(lctx(state), b, n, m), -1);
    assert_int_equal(m->verdict.reason, SS_SCEP_R_BAD_ASN1);
    assert_non_null(strstr(m->verdict.detail, "not a CMS ContentInfo"));
    free(b);
    free(m);
}

static void test_wrong_things(void **state)
{
    ss_scep_msg *m = calloc(1, sizeof(*m));
    size_t n, dlen;
    uint8_t *b = load("getcacert_scepserver.der", &n), *der = NULL, *big;
    static const uint8_t absurd[] = {0x30, 0x84, 0x7F, 0xFF, 0xFF, 0xFF, 0x06, 0x09};
    static const uint8_t html[] = "<html><body>403 - Forbidden: Access is denied.</body></html>";

    /* a certificate where a pkiMessage belongs */
    assert_int_equal(decode(lctx(state), b, n, m), -1);
    assert_int_equal(m->verdict.reason, SS_SCEP_R_WRONG_TYPE);
    assert_non_null(strstr(m->verdict.detail, "X.509 certificate"));
    assert_int_equal(ss_scep_msg_envelope(b, n, &der, &dlen), -1);
    free(b);

    /* a certs-only PKCS#7 (no signer) */
    b = load("getcacert_ca_ra_openssl.p7b", &n);
    assert_int_equal(decode(lctx(state), b, n, m), -1);
    assert_int_equal(m->verdict.reason, SS_SCEP_R_NO_SIGNER);
    free(b);

    /* the envelope alone: EnvelopedData, not SignedData */
    b = load("pkcsreq_scepclient.der", &n);
    assert_int_equal(ss_scep_msg_envelope(b, n, &der, &dlen), 0);
    assert_int_equal(decode(lctx(state), der, dlen, m), -1);
    assert_int_equal(m->verdict.reason, SS_SCEP_R_WRONG_TYPE);
    assert_non_null(strstr(m->verdict.detail, "pkcs7-envelopedData"));
    free(der);

    /* trailing bytes: reported, the message still read */
    big = malloc(n + 3);
    memcpy(big, b, n);
    memcpy(big + n, "\0\0\n", 3);
    assert_int_equal(decode(lctx(state), big, n + 3, m), -1);
    assert_int_equal(m->verdict.reason, SS_SCEP_R_TRAILING);
    assert_string_equal(m->transaction_id, "A75bOKBBhHor76UmYIPTi12jEcI=");
    assert_int_equal(m->envelope.verdict.status, SS_SCEP_OK);
    free(big);
    free(b);

    /* an absurd outer length */
    assert_int_equal(decode(lctx(state), absurd, sizeof(absurd), m), -1);
    assert_int_equal(m->verdict.status, SS_SCEP_TRUNCATED);

    /* an IIS error page */
    assert_int_equal(decode(lctx(state), html, sizeof(html) - 1, m), -1);
    assert_int_equal(m->verdict.reason, SS_SCEP_R_TEXT);
    assert_non_null(strstr(m->verdict.detail, "HTML"));

    /* too large to be a SCEP message */
    big = calloc(1, SS_SCEP_MAX_BODY + 1);
    big[0] = 0x30;
    assert_int_equal(decode(lctx(state), big, SS_SCEP_MAX_BODY + 1, m), -1);
    assert_int_equal(m->verdict.reason, SS_SCEP_R_TOO_LARGE);
    free(big);
    free(m);
}

/* A CertRep without the CMS contentType attribute (its OID patched into another one): strict
 * clients reject it; the rest still decodes. */
static void test_missing_content_type(void **state)
{
    static const uint8_t ct_oid[] = {0x06, 0x09, 0x2A, 0x86, 0x48, 0x86,
                                     0xF7, 0x0D, 0x01, 0x09, 0x03};
    ss_scep_msg *m = calloc(1, sizeof(*m));
    size_t n, i, hits = 0;
    uint8_t *b = load("certrep_failure_scepserver.der", &n);

    for (i = 0; i + sizeof(ct_oid) <= n; i++)
        if (memcmp(b + i, ct_oid, sizeof(ct_oid)) == 0) {
            b[i + sizeof(ct_oid) - 1] = 0x07; /* pkcs9 challengePassword */
            hits++;
        }
    assert_int_equal(hits, 1);
    assert_int_equal(decode(lctx(state), b, n, m), -1);
    assert_int_equal(m->verdict.reason, SS_SCEP_R_MISSING_ATTR);
    assert_non_null(strstr(m->verdict.detail, "contentType"));
    assert_false(m->has_content_type_attr);
    assert_int_equal(m->unknown_attrs, 1);
    assert_int_equal(m->pki_status, 2);
    assert_int_equal(m->fail_info, 2);
    free(b);
    free(m);
}

/* ---- names and sanitizing ------------------------------------------------------------------ */

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(ss_scep_message_type_name(19), "PKCSReq");
    assert_string_equal(ss_scep_message_type_name(20), "CertPoll");
    assert_string_equal(ss_scep_message_type_name(22), "GetCRL");
    assert_null(ss_scep_message_type_name(18));
    assert_string_equal(ss_scep_pki_status_name(3), "PENDING");
    assert_null(ss_scep_pki_status_name(1));
    assert_string_equal(ss_scep_fail_info_name(4), "badCertId");
    assert_null(ss_scep_fail_info_name(5));
    assert_null(ss_scep_fail_info_cmp_name(2));
    assert_string_equal(ss_scep_fail_info_cmp_name(6), "wrongAuthority");
    assert_string_equal(ss_scep_fail_info_cmp_name(9), "badPOP");
    assert_string_equal(ss_scep_fail_info_cmp_name(10), "certRevoked");
    assert_string_equal(ss_scep_fail_info_cmp_name(23), "notAuthorized");
    assert_null(ss_scep_fail_info_cmp_name(99));
    assert_string_equal(ss_scep_hresult_name((uint32_t)-2147024809), "E_INVALIDARG");
    assert_string_equal(ss_scep_hresult_name(0x80090005u), "NTE_BAD_DATA");
    assert_string_equal(ss_scep_hresult_name(0x80094800u), "CERTSRV_E_UNSUPPORTED_CERT_TYPE");
    assert_string_equal(ss_scep_hresult_name(0x800B0109u), "CERT_E_UNTRUSTEDROOT");
    assert_null(ss_scep_hresult_name(0x12345678u));
}

static void test_sanitize(void **state)
{
    char out[32];
    static const uint8_t bidi[] = {'a', 0xE2, 0x80, 0xAE, 'b'};
    static const uint8_t broken[] = {'x', 0xC3, 'y', 0xFF, 0xED, 0xA0, 0x80};

    (void)state;
    assert_int_equal(ss_scep_sanitize(out, sizeof(out), (const uint8_t *)"ok \xc3\xa9", 5), 0);
    assert_string_equal(out, "ok \xc3\xa9");
    ss_scep_sanitize(out, sizeof(out), bidi, sizeof(bidi));
    assert_string_equal(out, "a\\u{202E}b");
    ss_scep_sanitize(out, sizeof(out), broken, sizeof(broken));
    assert_string_equal(out, "x\\xC3y\\xFF\\xED\\xA0\\x80");
    ss_scep_sanitize(out, sizeof(out), (const uint8_t *)"a\nb\0c", 5);
    assert_string_equal(out, "a\\x0Ab\\x00c");
    /* cut on a character boundary, with "..." */
    assert_int_equal(ss_scep_sanitize(out, 8, (const uint8_t *)"\x01\x02\x03\x04", 4), 1);
    assert_string_equal(out, "\\x01...");
    assert_int_equal(ss_scep_sanitize(out, 6, (const uint8_t *)"abcdefgh", 8), 1);
    assert_string_equal(out, "ab...");
    assert_int_equal(ss_scep_hex(out, 9, (const uint8_t *)"\x01\xAB\xFF\x00\x10", 5), 1);
    assert_string_equal(out, "01AB...");
    assert_int_equal(ss_scep_hex(out, 11, (const uint8_t *)"\x01\xAB\xFF\x00\x10", 5), 0);
    assert_string_equal(out, "01ABFF0010");
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
        cmocka_unit_test(test_pkcsreq_real),
        cmocka_unit_test(test_certrep_success_real),
        cmocka_unit_test(test_certrep_failure_real),
        cmocka_unit_test(test_envelope_decrypts_to_csr),
        cmocka_unit_test(test_certrep_envelope_holds_issued_cert),
        cmocka_unit_test(test_legacy_is_ours),
        cmocka_unit_test(test_ndes_style_failure),
        cmocka_unit_test(test_oaep_aes_request),
        cmocka_unit_test(test_attribute_shapes),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_truncated_envelope),
        cmocka_unit_test(test_random_flips),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_wrong_things),
        cmocka_unit_test(test_missing_content_type),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_sanitize),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}

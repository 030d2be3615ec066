/* scep_msg.c — the SCEP pkiMessage (RFC 8894 3.2: signed attributes 3.2.1, pkcsPKIEnvelope
 * 3.2.2; CMS SignedData RFC 5652 5, EnvelopedData RFC 5652 6), decoded with OpenSSL's CMS and
 * PKCS#7 parsers (see scep_msg.h). Attribute values are read as ASN1_TYPEs, never as raw DER.
 */
#include "scep_msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

const char *ss_scep_recipient_kind_name(ss_scep_recipient_kind k)
{
    switch (k) {
    case SS_SCEP_RI_KTRI_ISSUER_SERIAL:
        return "key-transport";
    case SS_SCEP_RI_KTRI_SKID:
        return "key-transport-skid";
    case SS_SCEP_RI_KARI:
        return "key-agreement";
    case SS_SCEP_RI_KEKRI:
        return "kek";
    case SS_SCEP_RI_PASSWORD:
        return "password";
    case SS_SCEP_RI_OTHER:
        break;
    }
    return "other";
}

/* ---- signed attributes --------------------------------------------------------------------- */

enum attr_id {
    A_MESSAGE_TYPE,
    A_PKI_STATUS,
    A_FAIL_INFO,
    A_SENDER_NONCE,
    A_RECIPIENT_NONCE,
    A_TRANSACTION_ID,
    A_FAIL_INFO_TEXT,
    A_MS_ERROR,
    A_CONTENT_TYPE,
    A_MESSAGE_DIGEST,
    A_SIGNING_TIME,
    A_COUNT
};

static const struct attr_def {
    const char *oid;
    const char *name;
} attr_defs[A_COUNT] = {
    [A_MESSAGE_TYPE] = {"2.16.840.1.113733.1.9.2", "messageType"},
    [A_PKI_STATUS] = {"2.16.840.1.113733.1.9.3", "pkiStatus"},
    [A_FAIL_INFO] = {"2.16.840.1.113733.1.9.4", "failInfo"},
    [A_SENDER_NONCE] = {"2.16.840.1.113733.1.9.5", "senderNonce"},
    [A_RECIPIENT_NONCE] = {"2.16.840.1.113733.1.9.6", "recipientNonce"},
    [A_TRANSACTION_ID] = {"2.16.840.1.113733.1.9.7", "transactionID"},
    [A_FAIL_INFO_TEXT] = {"1.3.6.1.5.5.7.24.1", "failInfoText"},
    [A_MS_ERROR] = {"1.3.6.1.4.1.311.21.33", "Microsoft SCEP error"},
    [A_CONTENT_TYPE] = {"1.2.840.113549.1.9.3", "contentType"},
    [A_MESSAGE_DIGEST] = {"1.2.840.113549.1.9.4", "messageDigest"},
    [A_SIGNING_TIME] = {"1.2.840.113549.1.9.5", "signingTime"},
};

/* The bytes of a character-string attribute value; -1 for any other ASN.1 type. SCEP says
 * PrintableString, but UTF8String and IA5String occur and carry the same digits. */
static int attr_string(const ASN1_TYPE *t, const uint8_t **p, size_t *n)
{
    switch (t->type) {
    case V_ASN1_PRINTABLESTRING:
    case V_ASN1_UTF8STRING:
    case V_ASN1_IA5STRING:
    case V_ASN1_T61STRING:
    case V_ASN1_VISIBLESTRING:
        break;
    default:
        return -1;
    }
    if (!t->value.asn1_string || t->value.asn1_string->length < 0)
        return -1;
    *p = t->value.asn1_string->data;
    *n = (size_t)t->value.asn1_string->length;
    return 0;
}

/* A strict decimal ("19", "-2147024809"): optional '-', 1..11 digits, nothing else. */
static int parse_dec(const uint8_t *p, size_t n, int64_t min, int64_t max, int64_t *v)
{
    int neg = 0;
    int64_t x = 0;
    size_t i = 0;

    if (n > 0 && p[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (n == i || n - i > 11)
        return -1;
    for (; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        x = x * 10 + (p[i] - '0');
    }
    if (neg)
        x = -x;
    if (x < min || x > max)
        return -1;
    *v = x;
    return 0;
}

/* A number sent as a string attribute. Returns the value, or -1 with the problem recorded. */
static long attr_number(ss_scep_msg *m, const ASN1_TYPE *t, const char *name, long max, char *raw,
                        size_t rawlen)
{
    const uint8_t *p;
    size_t n;
    int64_t v;

    if (attr_string(t, &p, &n) < 0) {
        ss_scep_verdict_set(&m->verdict, SS_SCEP_R_BAD_ATTR,
                            "%s is ASN.1 type %d, not a PrintableString", name, t->type);
        return -1;
    }
    if (parse_dec(p, n, 0, max, &v) < 0) {
        char shown[40];

        ss_scep_sanitize(shown, sizeof(shown), p, n);
        if (raw)
            ss_scep_sanitize(raw, rawlen, p, n);
        ss_scep_verdict_set(&m->verdict, SS_SCEP_R_BAD_ATTR, "%s \"%s\" is not a number", name,
                            shown);
        return -1;
    }
    return (long)v;
}

static void attr_nonce(ss_scep_msg *m, const ASN1_TYPE *t, const char *name, size_t *len, char *hex,
                       size_t hexlen, int *has)
{
    if (t->type != V_ASN1_OCTET_STRING || !t->value.octet_string) {
        ss_scep_verdict_set(&m->verdict, SS_SCEP_R_BAD_ATTR,
                            "%s is ASN.1 type %d, not an OCTET STRING", name, t->type);
        return;
    }
    *has = 1;
    *len = (size_t)t->value.octet_string->length;
    ss_scep_hex(hex, hexlen, t->value.octet_string->data, *len);
}

static void attr_ms_error(ss_scep_msg *m, const ASN1_TYPE *t)
{
    const uint8_t *p;
    size_t n;
    int64_t v;

    /* NDES sends the HRESULT as a signed decimal string; accept an INTEGER too. */
    if (t->type == V_ASN1_INTEGER || t->type == V_ASN1_NEG_INTEGER) {
        if (!ASN1_INTEGER_get_int64(&v, t->value.integer) || v < INT32_MIN || v > UINT32_MAX)
            goto bad;
    } else if (attr_string(t, &p, &n) < 0 || parse_dec(p, n, INT32_MIN, UINT32_MAX, &v) < 0) {
        goto bad;
    }
    m->has_ms_error = 1;
    m->ms_error_value = v;
    m->ms_hresult = (uint32_t)v;
    return;
bad:
    ss_scep_verdict_set(&m->verdict, SS_SCEP_R_BAD_ATTR,
                        "the Microsoft SCEP error attribute is not a 32-bit decimal number");
}

static void attr_one(ss_scep_msg *m, enum attr_id id, const ASN1_TYPE *t,
                     const ASN1_OBJECT *econtent_type)
{
    const uint8_t *p;
    size_t n;
    struct tm tm;

    switch (id) {
    case A_MESSAGE_TYPE:
        m->message_type =
            attr_number(m, t, "messageType", 999, m->message_type_raw, sizeof(m->message_type_raw));
        if (m->message_type >= 0 && !ss_scep_message_type_name(m->message_type))
            ss_scep_verdict_set(&m->verdict, SS_SCEP_R_BAD_ATTR,
                                "messageType %ld is not a SCEP message type", m->message_type);
        break;
    case A_PKI_STATUS:
        m->pki_status = attr_number(m, t, "pkiStatus", 999, NULL, 0);
        if (m->pki_status >= 0 && !ss_scep_pki_status_name(m->pki_status))
            ss_scep_verdict_set(&m->verdict, SS_SCEP_R_BAD_ATTR,
                                "pkiStatus %ld is not a SCEP status", m->pki_status);
        break;
    case A_FAIL_INFO:
        /* Numbers beyond SCEP's 0..4 are kept: EJBCA sends CMP codes here. */
        m->fail_info = attr_number(m, t, "failInfo", 99999, NULL, 0);
        break;
    case A_SENDER_NONCE:
        attr_nonce(m, t, "senderNonce", &m->sender_nonce_len, m->sender_nonce,
                   sizeof(m->sender_nonce), &m->has_sender_nonce);
        break;
    case A_RECIPIENT_NONCE:
        attr_nonce(m, t, "recipientNonce", &m->recipient_nonce_len, m->recipient_nonce,
                   sizeof(m->recipient_nonce), &m->has_recipient_nonce);
        break;
    case A_TRANSACTION_ID:
        if (attr_string(t, &p, &n) < 0 || n == 0) {
            ss_scep_verdict_set(&m->verdict, SS_SCEP_R_BAD_ATTR,
                                "transactionID is empty or not a PrintableString");
            break;
        }
        m->has_transaction_id = 1;
        ss_scep_sanitize(m->transaction_id, sizeof(m->transaction_id), p, n);
        break;
    case A_FAIL_INFO_TEXT:
        if (attr_string(t, &p, &n) < 0) {
            ss_scep_verdict_set(&m->verdict, SS_SCEP_R_BAD_ATTR,
                                "failInfoText is not a UTF8String");
            break;
        }
        m->has_fail_info_text = 1;
        ss_scep_sanitize(m->fail_info_text, sizeof(m->fail_info_text), p, n);
        break;
    case A_MS_ERROR:
        attr_ms_error(m, t);
        break;
    case A_CONTENT_TYPE:
        if (t->type != V_ASN1_OBJECT) {
            ss_scep_verdict_set(&m->verdict, SS_SCEP_R_BAD_ATTR,
                                "contentType attribute is not an OBJECT IDENTIFIER");
            break;
        }
        m->has_content_type_attr = 1;
        if (econtent_type && OBJ_cmp(t->value.object, econtent_type) != 0)
            ss_scep_verdict_set(&m->verdict, SS_SCEP_R_BAD_ATTR,
                                "contentType attribute differs from the encapsulated content type");
        break;
    case A_MESSAGE_DIGEST:
        m->has_message_digest_attr = t->type == V_ASN1_OCTET_STRING;
        break;
    case A_SIGNING_TIME:
        if ((t->type == V_ASN1_UTCTIME || t->type == V_ASN1_GENERALIZEDTIME) &&
            ASN1_TIME_to_tm(t->value.utctime, &tm)) {
            m->has_signing_time = 1;
            m->signing_time = timegm(&tm);
        }
        break;
    case A_COUNT:
        break;
    }
}

static void signed_attrs(ss_scep_msg *m, CMS_SignerInfo *si, const ASN1_OBJECT *econtent_type)
{
    int i, count = CMS_signed_get_attr_count(si);
    unsigned seen = 0;

    if (count <= 0) {
        ss_scep_verdict_set(&m->verdict, SS_SCEP_R_MISSING_ATTR,
                            "the signerInfo has no signed attributes");
        return;
    }
    for (i = 0; i < count; i++) {
        X509_ATTRIBUTE *a = CMS_signed_get_attr(si, i);
        char oid[80];
        int id, nvals;

        if (!a || OBJ_obj2txt(oid, (int)sizeof(oid), X509_ATTRIBUTE_get0_object(a), 1) <= 0)
            continue;
        for (id = 0; id < A_COUNT; id++)
            if (strcmp(oid, attr_defs[id].oid) == 0)
                break;
        if (id == A_COUNT) {
            m->unknown_attrs++;
            continue;
        }
        if (seen & (1u << id)) {
            ss_scep_verdict_set(&m->verdict, SS_SCEP_R_BAD_ATTR, "%s appears twice",
                                attr_defs[id].name);
            continue;
        }
        seen |= 1u << id;
        nvals = X509_ATTRIBUTE_count(a);
        if (nvals != 1) {
            ss_scep_verdict_set(&m->verdict, SS_SCEP_R_BAD_ATTR, "%s has %d values, not one",
                                attr_defs[id].name, nvals);
            if (nvals < 1)
                continue;
        }
        attr_one(m, (enum attr_id)id, X509_ATTRIBUTE_get0_type(a, 0), econtent_type);
    }
}

static void require(ss_scep_msg *m, int have, enum attr_id id)
{
    if (!have)
        ss_scep_verdict_set(&m->verdict, SS_SCEP_R_MISSING_ATTR, "missing signed attribute %s (%s)",
                            attr_defs[id].name, attr_defs[id].oid);
}

/* RFC 8894 3.2.1: which attributes each message must carry; RFC 5652 5.3 for the CMS ones. */
static void required_attrs(ss_scep_msg *m)
{
    require(m, m->message_type >= 0 || m->message_type_raw[0], A_MESSAGE_TYPE);
    require(m, m->has_transaction_id, A_TRANSACTION_ID);
    require(m, m->has_sender_nonce, A_SENDER_NONCE);
    if (m->message_type == SS_SCEP_MT_CERTREP) {
        require(m, m->pki_status >= 0, A_PKI_STATUS);
        require(m, m->has_recipient_nonce, A_RECIPIENT_NONCE);
        if (m->pki_status == SS_SCEP_PKI_FAILURE)
            require(m, m->fail_info >= 0, A_FAIL_INFO);
    }
    /* Lenient servers accept a message without it; BouncyCastle and jscep do not. */
    require(m, m->has_content_type_attr, A_CONTENT_TYPE);
    require(m, m->has_message_digest_attr, A_MESSAGE_DIGEST);
}

/* ---- the SignedData ------------------------------------------------------------------------ */

static void signer(OSSL_LIB_CTX *libctx, ss_scep_msg *m, CMS_SignerInfo *si, STACK_OF(X509) * certs)
{
    ASN1_OCTET_STRING *keyid = NULL;
    X509_NAME *issuer = NULL;
    ASN1_INTEGER *sno = NULL;
    X509_ALGOR *dig = NULL, *sig = NULL;
    const ASN1_OBJECT *obj = NULL;
    int i;

    if (CMS_SignerInfo_get0_signer_id(si, &keyid, &issuer, &sno)) {
        ss_scep_dn(issuer, m->signer_issuer, sizeof(m->signer_issuer));
        ss_scep_serial(sno, m->signer_serial, sizeof(m->signer_serial));
        if (keyid)
            ss_scep_hex(m->signer_skid, sizeof(m->signer_skid), keyid->data, (size_t)keyid->length);
    }
    for (i = 0; i < sk_X509_num(certs); i++) {
        X509 *x = sk_X509_value(certs, i);

        if (!m->signer_cert_found && CMS_SignerInfo_cert_cmp(si, x) == 0) {
            m->signer_cert_found = 1;
            ss_scep_cert_facts(libctx, x, &m->signer);
        } else if (m->nother_certs < SS_SCEP_MAX_MSG_CERTS) {
            ss_scep_cert_facts(libctx, x, &m->other_certs[m->nother_certs++]);
        } else {
            m->other_certs_dropped++;
        }
    }
    CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, &sig);
    if (dig) {
        X509_ALGOR_get0(&obj, NULL, NULL, dig);
        ss_scep_alg(obj, m->digest_alg, sizeof(m->digest_alg));
    }
    if (sig) {
        X509_ALGOR_get0(&obj, NULL, NULL, sig);
        ss_scep_alg(obj, m->signature_alg, sizeof(m->signature_alg));
    }
}

/* ---- the pkcsPKIEnvelope ------------------------------------------------------------------- */

static void cipher_facts(OSSL_LIB_CTX *libctx, const X509_ALGOR *alg, ss_scep_envelope *e)
{
    const ASN1_OBJECT *obj = NULL;
    EVP_CIPHER *c;
    int nid;

    if (!alg)
        return;
    X509_ALGOR_get0(&obj, NULL, NULL, alg);
    if (!obj)
        return;
    ss_scep_alg(obj, e->cipher, sizeof(e->cipher));
    if (OBJ_obj2txt(e->cipher_oid, (int)sizeof(e->cipher_oid), obj, 1) <= 0)
        e->cipher_oid[0] = '\0';
    nid = OBJ_obj2nid(obj);
    e->single_des =
        nid == NID_des_cbc || nid == NID_des_ecb || nid == NID_des_cfb64 || nid == NID_des_ofb64;
    if (nid == NID_undef)
        return;
    /* Fetched from the decoder's context: single DES is only there with the legacy provider. */
    c = EVP_CIPHER_fetch(libctx, OBJ_nid2sn(nid), NULL);
    if (c) {
        e->cipher_available = 1;
        e->cipher_key_bits = EVP_CIPHER_get_key_length(c) * 8;
        EVP_CIPHER_free(c);
    }
}

static void key_alg(const X509_ALGOR *alg, ss_scep_recipient *r)
{
    const ASN1_OBJECT *obj = NULL;

    if (!alg)
        return;
    X509_ALGOR_get0(&obj, NULL, NULL, alg);
    ss_scep_alg(obj, r->key_alg, sizeof(r->key_alg));
    r->oaep = obj && OBJ_obj2nid(obj) == NID_rsaesOaep;
}

static ss_scep_recipient *next_recipient(ss_scep_envelope *e)
{
    if (e->nrecipients == SS_SCEP_MAX_RECIPIENTS) {
        e->recipients_dropped++;
        return NULL;
    }
    return &e->recipients[e->nrecipients++];
}

/* SCEP's envelope as PKCS#7: its structures are public, so the content-encryption algorithm
 * can be read (OpenSSL 3.0 has no CMS getter for it). */
static int envelope_pkcs7(OSSL_LIB_CTX *libctx, const uint8_t *p, size_t n, ss_scep_envelope *e)
{
    const unsigned char *q = p;
    PKCS7 *p7 = d2i_PKCS7(NULL, &q, (long)n);
    PKCS7_ENVELOPE *env;
    int i;

    if (!p7)
        return -1;
    if (!PKCS7_type_is_enveloped(p7) || !(env = p7->d.enveloped)) {
        char t[SS_SCEP_ALG_LEN];

        ss_scep_alg(p7->type, t, sizeof(t));
        ss_scep_verdict_set(&e->verdict, SS_SCEP_R_WRONG_TYPE,
                            "the pkcsPKIEnvelope is a PKCS#7 %s, not envelopedData", t);
        goto done;
    }
    for (i = 0; i < sk_PKCS7_RECIP_INFO_num(env->recipientinfo); i++) {
        PKCS7_RECIP_INFO *ri = sk_PKCS7_RECIP_INFO_value(env->recipientinfo, i);
        ss_scep_recipient *r = next_recipient(e);

        if (!r || !ri)
            continue;
        r->kind = SS_SCEP_RI_KTRI_ISSUER_SERIAL;
        if (ri->issuer_and_serial) {
            ss_scep_dn(ri->issuer_and_serial->issuer, r->issuer, sizeof(r->issuer));
            ss_scep_serial(ri->issuer_and_serial->serial, r->serial, sizeof(r->serial));
        }
        key_alg(ri->key_enc_algor, r);
        if (ri->enc_key)
            r->enc_key_len = (size_t)ri->enc_key->length;
    }
    if (env->enc_data) {
        ss_scep_alg(env->enc_data->content_type, e->content_type, sizeof(e->content_type));
        cipher_facts(libctx, env->enc_data->algorithm, e);
        if (env->enc_data->enc_data) {
            e->encrypted_present = 1;
            e->encrypted_len = (size_t)env->enc_data->enc_data->length;
        }
    }
done:
    PKCS7_free(p7);
    return 0;
}

/* Recipient forms PKCS#7 cannot express (subjectKeyIdentifier, key agreement, ...): CMS reads
 * them, but not the content-encryption algorithm. */
static int envelope_cms(OSSL_LIB_CTX *libctx, const uint8_t *p, size_t n, ss_scep_envelope *e)
{
    const unsigned char *q = p;
    CMS_ContentInfo *cms = CMS_ContentInfo_new_ex(libctx, NULL);
    STACK_OF(CMS_RecipientInfo) * ris;
    ASN1_OCTET_STRING **enc;
    int i, ret = -1;

    if (!cms || !d2i_CMS_ContentInfo(&cms, &q, (long)n))
        goto done;
    ret = 0;
    if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_enveloped) {
        char t[SS_SCEP_ALG_LEN];

        ss_scep_alg(CMS_get0_type(cms), t, sizeof(t));
        ss_scep_verdict_set(&e->verdict, SS_SCEP_R_WRONG_TYPE,
                            "the pkcsPKIEnvelope is a CMS %s, not envelopedData", t);
        goto done;
    }
    ris = CMS_get0_RecipientInfos(cms);
    for (i = 0; i < sk_CMS_RecipientInfo_num(ris); i++) {
        CMS_RecipientInfo *ri = sk_CMS_RecipientInfo_value(ris, i);
        ss_scep_recipient *r = next_recipient(e);
        ASN1_OCTET_STRING *keyid = NULL;
        X509_NAME *issuer = NULL;
        ASN1_INTEGER *sno = NULL;
        X509_ALGOR *palg = NULL;

        if (!r)
            continue;
        switch (CMS_RecipientInfo_type(ri)) {
        case CMS_RECIPINFO_TRANS:
            if (CMS_RecipientInfo_ktri_get0_signer_id(ri, &keyid, &issuer, &sno)) {
                r->kind = keyid ? SS_SCEP_RI_KTRI_SKID : SS_SCEP_RI_KTRI_ISSUER_SERIAL;
                ss_scep_dn(issuer, r->issuer, sizeof(r->issuer));
                ss_scep_serial(sno, r->serial, sizeof(r->serial));
                if (keyid)
                    ss_scep_hex(r->skid, sizeof(r->skid), keyid->data, (size_t)keyid->length);
            }
            if (CMS_RecipientInfo_ktri_get0_algs(ri, NULL, NULL, &palg))
                key_alg(palg, r);
            break;
        case CMS_RECIPINFO_AGREE:
            r->kind = SS_SCEP_RI_KARI;
            break;
        case CMS_RECIPINFO_KEK:
            r->kind = SS_SCEP_RI_KEKRI;
            break;
        case CMS_RECIPINFO_PASS:
            r->kind = SS_SCEP_RI_PASSWORD;
            break;
        default:
            r->kind = SS_SCEP_RI_OTHER;
            break;
        }
    }
    enc = CMS_get0_content(cms);
    if (enc && *enc) {
        e->encrypted_present = 1;
        e->encrypted_len = (size_t)(*enc)->length;
    }
done:
    CMS_ContentInfo_free(cms);
    return ret;
}

static void envelope(OSSL_LIB_CTX *libctx, const uint8_t *p, size_t n, ss_scep_envelope *e)
{
    unsigned long before = ERR_peek_last_error();
    const char *guess;
    char why[100];

    e->present = 1;
    e->der_len = n;
    if (ss_scep_der_shape(p, n, "pkcsPKIEnvelope", &e->verdict) < 0)
        return;
    if (envelope_pkcs7(libctx, p, n, e) == 0 || envelope_cms(libctx, p, n, e) == 0)
        return;
    guess = ss_scep_der_guess(p, n);
    ss_scep_ossl_detail(before, why, sizeof(why));
    if (guess)
        ss_scep_verdict_set(&e->verdict, SS_SCEP_R_WRONG_TYPE,
                            "the pkcsPKIEnvelope is %s, not EnvelopedData", guess);
    else
        ss_scep_verdict_set(&e->verdict, SS_SCEP_R_BAD_ASN1,
                            "the pkcsPKIEnvelope is not a CMS ContentInfo%s", why);
}

/* ---- the pkiMessage ------------------------------------------------------------------------ */

static int is_request(long t)
{
    return t == SS_SCEP_MT_PKCSREQ || t == SS_SCEP_MT_RENEWALREQ || t == SS_SCEP_MT_CERTPOLL ||
           t == SS_SCEP_MT_GETCERT || t == SS_SCEP_MT_GETCRL;
}

static void content(OSSL_LIB_CTX *libctx, ss_scep_msg *m, CMS_ContentInfo *cms,
                    const ASN1_OBJECT *econtent_type)
{
    ASN1_OCTET_STRING **pos = CMS_get0_content(cms);
    int needs_envelope = is_request(m->message_type) || (m->message_type == SS_SCEP_MT_CERTREP &&
                                                         m->pki_status == SS_SCEP_PKI_SUCCESS);

    if (econtent_type && OBJ_obj2nid(econtent_type) != NID_pkcs7_data) {
        char t[SS_SCEP_ALG_LEN];

        ss_scep_alg(econtent_type, t, sizeof(t));
        ss_scep_verdict_set(&m->verdict, SS_SCEP_R_BAD_CONTENT,
                            "encapsulated content type %s; SCEP carries id-data", t);
    }
    if (pos && *pos) {
        m->has_content = 1;
        m->content_len = (size_t)(*pos)->length;
        if ((*pos)->length > 0)
            envelope(libctx, (*pos)->data, (size_t)(*pos)->length, &m->envelope);
    }
    if (needs_envelope && !m->envelope.present) {
        const char *name = ss_scep_message_type_name(m->message_type);

        ss_scep_verdict_set(&m->verdict, SS_SCEP_R_BAD_CONTENT, "a %s%s without pkcsPKIEnvelope",
                            name ? name : "message",
                            m->message_type == SS_SCEP_MT_CERTREP ? " SUCCESS" : "");
    }
}

int ss_scep_msg_decode(OSSL_LIB_CTX *libctx, const uint8_t *body, size_t len, ss_scep_msg *out)
{
    CMS_ContentInfo *cms = NULL;
    STACK_OF(X509) *certs = NULL;
    STACK_OF(CMS_SignerInfo) * sis;
    const ASN1_OBJECT *etype;
    const unsigned char *q = body;
    unsigned long before;

    memset(out, 0, sizeof(*out));
    out->body_len = len;
    out->message_type = out->pki_status = out->fail_info = -1;
    ERR_set_mark();
    before = ERR_peek_last_error();
    if (ss_scep_der_shape(body, len, "pkiMessage", &out->verdict) < 0)
        goto done;
    cms = CMS_ContentInfo_new_ex(libctx, NULL);
    if (!cms || !d2i_CMS_ContentInfo(&cms, &q, (long)len)) {
        const char *guess = ss_scep_der_guess(body, len);
        char why[100];

        ss_scep_ossl_detail(before, why, sizeof(why));
        if (guess)
            ss_scep_verdict_set(&out->verdict, SS_SCEP_R_WRONG_TYPE, "%s, not a pkiMessage", guess);
        else
            ss_scep_verdict_set(&out->verdict, SS_SCEP_R_BAD_ASN1, "not a CMS ContentInfo%s", why);
        goto done;
    }
    if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
        char t[SS_SCEP_ALG_LEN];

        ss_scep_alg(CMS_get0_type(cms), t, sizeof(t));
        ss_scep_verdict_set(&out->verdict, SS_SCEP_R_WRONG_TYPE,
                            "a CMS %s, not the SignedData of a pkiMessage", t);
        goto done;
    }
    etype = CMS_get0_eContentType(cms);
    ss_scep_alg(etype, out->econtent_type, sizeof(out->econtent_type));
    certs = CMS_get1_certs(cms);
    out->ncerts = (unsigned)(certs ? sk_X509_num(certs) : 0);
    sis = CMS_get0_SignerInfos(cms);
    out->nsigners = (unsigned)(sis ? sk_CMS_SignerInfo_num(sis) : 0);
    if (out->nsigners == 0) {
        ss_scep_verdict_set(&out->verdict, SS_SCEP_R_NO_SIGNER,
                            "a SignedData without signerInfo (a certs-only list?), not a "
                            "pkiMessage");
    } else {
        CMS_SignerInfo *si = sk_CMS_SignerInfo_value(sis, 0);

        signer(libctx, out, si, certs);
        signed_attrs(out, si, etype);
        required_attrs(out);
    }
    content(libctx, out, cms, etype);
done:
    sk_X509_pop_free(certs, X509_free);
    CMS_ContentInfo_free(cms);
    ERR_pop_to_mark();
    return out->verdict.reason == SS_SCEP_R_NONE &&
                   (!out->envelope.present || out->envelope.verdict.reason == SS_SCEP_R_NONE)
               ? 0
               : -1;
}

int ss_scep_msg_envelope(const uint8_t *body, size_t len, uint8_t **der, size_t *der_len)
{
    CMS_ContentInfo *cms = NULL;
    ASN1_OCTET_STRING **pos;
    const unsigned char *q = body;
    ss_scep_verdict v;
    int ret = -1;

    *der = NULL;
    *der_len = 0;
    memset(&v, 0, sizeof(v));
    ERR_set_mark();
    if (ss_scep_der_shape(body, len, "pkiMessage", &v) < 0)
        goto done;
    cms = d2i_CMS_ContentInfo(NULL, &q, (long)len);
    if (!cms || OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed)
        goto done;
    pos = CMS_get0_content(cms);
    if (!pos || !*pos || (*pos)->length <= 0)
        goto done;
    *der = malloc((size_t)(*pos)->length);
    if (!*der)
        goto done;
    memcpy(*der, (*pos)->data, (size_t)(*pos)->length);
    *der_len = (size_t)(*pos)->length;
    ret = 0;
done:
    CMS_ContentInfo_free(cms);
    ERR_pop_to_mark();
    return ret;
}

/* scep_content.c — opening a SCEP request's pkcsPKIEnvelope with the RA keys (RFC 8894 3.2.2,
 * CMS EnvelopedData RFC 5652 6.2.1 key transport) and decoding what it holds: a PKCS#10 request
 * (RFC 2986; attributes RFC 2985 5.4; extensions RFC 5280 4.2), an IssuerAndSubject (RFC 8894
 * 3.3.3) or an IssuerAndSerialNumber (RFC 5652 10.2.4). Everything is parsed by OpenSSL; see
 * scep_content.h.
 */
#include "scep_content.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1t.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "scep_msg.h"

/* Private-key operations one message may cost when keys are tried blind: a hostile peer can
 * send many recipients, and each try is an RSA decryption. */
#define MAX_KEY_TRIALS 32

const char *ss_scep_decrypt_status_name(ss_scep_decrypt_status s)
{
    switch (s) {
    case SS_SCEP_DEC_OK:
        return "ok";
    case SS_SCEP_DEC_NO_ENVELOPE:
        return "no_envelope";
    case SS_SCEP_DEC_NO_MATCH:
        return "no_key_match";
    case SS_SCEP_DEC_FAILED:
        return "failed";
    case SS_SCEP_DEC_UNSUPPORTED:
        return "unsupported";
    case SS_SCEP_DEC_NONE:
        break;
    }
    return "not_attempted";
}

const char *ss_csr_san_type_name(ss_csr_san_type t)
{
    switch (t) {
    case SS_CSR_SAN_DNS:
        return "dns";
    case SS_CSR_SAN_EMAIL:
        return "email";
    case SS_CSR_SAN_UPN:
        return "upn";
    case SS_CSR_SAN_URI:
        return "uri";
    case SS_CSR_SAN_IP:
        return "ip";
    case SS_CSR_SAN_DIRNAME:
        return "dirname";
    case SS_CSR_SAN_RID:
        return "registered_id";
    case SS_CSR_SAN_OTHERNAME:
        return "other_name";
    case SS_CSR_SAN_OTHER:
        break;
    }
    return "other";
}

const char *ss_csr_sig_name(ss_csr_sig s)
{
    switch (s) {
    case SS_CSR_SIG_VALID:
        return "valid";
    case SS_CSR_SIG_INVALID:
        return "invalid";
    case SS_CSR_SIG_UNCHECKED:
        break;
    }
    return "unchecked";
}

static void san_text(char *dst, size_t dstlen, const ASN1_STRING *s)
{
    dst[0] = '\0';
    if (s && ASN1_STRING_length(s) >= 0)
        ss_scep_sanitize(dst, dstlen, ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
}

/* ---- PKCS#10: key, subjectAltName, extensions, attributes ------------------------------- */

static void csr_key(OSSL_LIB_CTX *libctx, X509_REQ *req, ss_scep_csr *c)
{
    X509_PUBKEY *xpk = X509_REQ_get_X509_PUBKEY(req);
    EVP_PKEY *pk = X509_REQ_get0_pubkey(req);
    unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD *sha256;
    int derlen;

    ss_scep_key_facts(pk, xpk, c->key_type, sizeof(c->key_type), &c->key_bits, c->key_group,
                      sizeof(c->key_group));
    if (!xpk || (derlen = i2d_X509_PUBKEY(xpk, &der)) <= 0)
        return;
    sha256 = EVP_MD_fetch(libctx, "SHA256", NULL);
    if (sha256 && EVP_Digest(der, (size_t)derlen, md, &mdlen, sha256, NULL))
        ss_scep_hex(c->key_sha256, sizeof(c->key_sha256), md, mdlen);
    EVP_MD_free(sha256);
    OPENSSL_free(der);
}

static ss_csr_san *next_san(ss_scep_csr *c)
{
    if (c->nsans == SS_CSR_MAX_SANS) {
        c->sans_dropped++;
        return NULL;
    }
    return &c->sans[c->nsans++];
}

static void other_name(const OTHERNAME *on, ss_csr_san *s)
{
    char oid[80] = "";
    char val[SS_CSR_SAN_LEN - 81] = ""; /* with oid and ":" fits in value */
    const ASN1_TYPE *v = on ? on->value : NULL;

    if (!on || !on->type_id)
        return;
    if (OBJ_obj2nid(on->type_id) == NID_ms_upn && v && v->type == V_ASN1_UTF8STRING) {
        s->type = SS_CSR_SAN_UPN;
        san_text(s->value, sizeof(s->value), v->value.utf8string);
        return;
    }
    if (OBJ_obj2txt(oid, (int)sizeof(oid), on->type_id, 1) <= 0)
        snprintf(oid, sizeof(oid), "?");
    if (v && (v->type == V_ASN1_UTF8STRING || v->type == V_ASN1_IA5STRING ||
              v->type == V_ASN1_PRINTABLESTRING))
        san_text(val, sizeof(val), v->value.asn1_string);
    snprintf(s->value, sizeof(s->value), "%s%s%s", oid, val[0] ? ":" : "", val);
}

static void ip_text(const ASN1_OCTET_STRING *ip, char *dst, size_t dstlen)
{
    char buf[INET6_ADDRSTRLEN];
    int n = ip ? ASN1_STRING_length(ip) : 0;

    if (n == 4 && inet_ntop(AF_INET, ASN1_STRING_get0_data(ip), buf, sizeof(buf)))
        snprintf(dst, dstlen, "%s", buf);
    else if (n == 16 && inet_ntop(AF_INET6, ASN1_STRING_get0_data(ip), buf, sizeof(buf)))
        snprintf(dst, dstlen, "%s", buf);
    else
        snprintf(dst, dstlen, "(%d bytes: not an IPv4 or IPv6 address)", n);
}

static void csr_sans(const GENERAL_NAMES *gens, ss_scep_csr *c)
{
    int i;

    for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        ss_csr_san *s;

        if (!g || !(s = next_san(c)))
            continue;
        switch (g->type) {
        case GEN_DNS:
            s->type = SS_CSR_SAN_DNS;
            san_text(s->value, sizeof(s->value), g->d.dNSName);
            break;
        case GEN_EMAIL:
            s->type = SS_CSR_SAN_EMAIL;
            san_text(s->value, sizeof(s->value), g->d.rfc822Name);
            break;
        case GEN_URI:
            s->type = SS_CSR_SAN_URI;
            san_text(s->value, sizeof(s->value), g->d.uniformResourceIdentifier);
            break;
        case GEN_IPADD:
            s->type = SS_CSR_SAN_IP;
            ip_text(g->d.iPAddress, s->value, sizeof(s->value));
            break;
        case GEN_OTHERNAME:
            s->type = SS_CSR_SAN_OTHERNAME;
            other_name(g->d.otherName, s);
            break;
        case GEN_DIRNAME:
            s->type = SS_CSR_SAN_DIRNAME;
            ss_scep_dn(g->d.directoryName, s->value, sizeof(s->value));
            break;
        case GEN_RID:
            s->type = SS_CSR_SAN_RID;
            ss_scep_alg(g->d.registeredID, s->value, sizeof(s->value));
            break;
        default:
            s->type = SS_CSR_SAN_OTHER;
            break;
        }
    }
}

/* Decodes one requested extension's value. Returns 0, or -1 when OpenSSL knows the extension
 * and cannot decode it. */
static int csr_ext_value(X509_EXTENSION *ext, ss_scep_csr *c)
{
    const X509V3_EXT_METHOD *m = X509V3_EXT_get(ext);
    void *v;
    int i;

    if (!m)
        return 0; /* an extension OpenSSL has no decoder for: listed by OID */
    v = X509V3_EXT_d2i(ext);
    if (!v)
        return -1;
    switch (OBJ_obj2nid(X509_EXTENSION_get_object(ext))) {
    case NID_key_usage:
        c->has_key_usage = 1;
        /* RFC 5280 bit i is our bit i */
        for (i = 0; i < SS_SCEP_KU_COUNT; i++)
            if (ASN1_BIT_STRING_get_bit(v, i))
                c->key_usage |= 1u << i;
        break;
    case NID_ext_key_usage:
        c->has_eku = 1;
        ss_scep_eku_names(v, c->eku, &c->neku, &c->eku_dropped);
        break;
    case NID_basic_constraints: {
        const BASIC_CONSTRAINTS *bc = v;

        c->has_basic_constraints = 1;
        c->ca = bc->ca != 0;
        c->path_len = bc->pathlen ? ASN1_INTEGER_get(bc->pathlen) : -1;
        break;
    }
    case NID_subject_alt_name:
        c->has_san = 1;
        csr_sans(v, c);
        break;
    default:
        break;
    }
    if (m->it)
        ASN1_item_free(v, ASN1_ITEM_ptr(m->it));
    else if (m->ext_free)
        m->ext_free(v);
    return 0;
}

static void csr_exts(X509_REQ *req, ss_scep_csr *c, ss_scep_verdict *v)
{
    STACK_OF(X509_EXTENSION) * exts;
    int i;

    c->has_extension_request = X509_REQ_get_attr_by_NID(req, NID_ext_req, -1) >= 0 ||
                               X509_REQ_get_attr_by_NID(req, NID_ms_ext_req, -1) >= 0;
    if (!c->has_extension_request)
        return;
    exts = X509_REQ_get_extensions(req);
    if (!exts) {
        ss_scep_verdict_set(v, SS_SCEP_R_BAD_ATTR,
                            "the CSR's extensionRequest attribute is not a list of extensions");
        return;
    }
    for (i = 0; i < sk_X509_EXTENSION_num(exts); i++) {
        X509_EXTENSION *ext = sk_X509_EXTENSION_value(exts, i);
        const ASN1_OBJECT *obj = X509_EXTENSION_get_object(ext);
        ss_csr_ext *e;

        if (c->nexts == SS_CSR_MAX_EXTS) {
            c->exts_dropped++;
            e = NULL;
        } else {
            e = &c->exts[c->nexts++];
            ss_scep_alg(obj, e->name, sizeof(e->name));
            if (OBJ_obj2txt(e->oid, (int)sizeof(e->oid), obj, 1) <= 0)
                e->oid[0] = '\0';
            e->critical = X509_EXTENSION_get_critical(ext) > 0;
        }
        if (csr_ext_value(ext, c) < 0) {
            char name[SS_SCEP_ALG_LEN];

            if (e)
                e->invalid = 1;
            ss_scep_alg(obj, name, sizeof(name));
            ss_scep_verdict_set(v, SS_SCEP_R_BAD_CONTENT,
                                "the requested extension %s cannot be decoded", name);
        }
    }
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
}

static int is_directory_string(int type)
{
    switch (type) {
    case V_ASN1_PRINTABLESTRING:
    case V_ASN1_UTF8STRING:
    case V_ASN1_T61STRING:
    case V_ASN1_BMPSTRING:
    case V_ASN1_UNIVERSALSTRING:
    case V_ASN1_IA5STRING: /* not a DirectoryString, but sent by lenient clients */
    case V_ASN1_VISIBLESTRING:
        return 1;
    }
    return 0;
}

static void csr_challenge(X509_ATTRIBUTE *a, ss_scep_csr *c, unsigned flags, ss_scep_verdict *v)
{
    ASN1_TYPE *t;
    const ASN1_STRING *s;
    unsigned char *utf8 = NULL;
    int n;

    if (c->has_challenge) {
        ss_scep_verdict_set(v, SS_SCEP_R_BAD_ATTR, "challengePassword appears twice");
        return;
    }
    if (X509_ATTRIBUTE_count(a) != 1) {
        ss_scep_verdict_set(v, SS_SCEP_R_BAD_ATTR, "challengePassword has %d values, not one",
                            X509_ATTRIBUTE_count(a));
        if (X509_ATTRIBUTE_count(a) < 1)
            return;
    }
    t = X509_ATTRIBUTE_get0_type(a, 0);
    if (!t || !is_directory_string(t->type) || !t->value.asn1_string) {
        ss_scep_verdict_set(v, SS_SCEP_R_BAD_ATTR,
                            "challengePassword is ASN.1 type %d, not a string", t ? t->type : -1);
        return;
    }
    s = t->value.asn1_string;
    c->has_challenge = 1;
    c->challenge_len = (size_t)(ASN1_STRING_length(s) > 0 ? ASN1_STRING_length(s) : 0);
    if (!(flags & SS_SCEP_CONTENT_SECRETS))
        return;
    c->challenge_value_kept = 1;
    /* BMPString and UniversalString become UTF-8; what cannot convert is shown escaped. */
    n = ASN1_STRING_to_UTF8(&utf8, s);
    if (n >= 0 && utf8)
        ss_scep_sanitize(c->challenge, sizeof(c->challenge), utf8, (size_t)n);
    else
        san_text(c->challenge, sizeof(c->challenge), s);
    if (utf8) {
        OPENSSL_cleanse(utf8, n > 0 ? (size_t)n : 0);
        OPENSSL_free(utf8);
    }
}

static void csr_attrs(X509_REQ *req, ss_scep_csr *c, unsigned flags, ss_scep_verdict *v)
{
    int i, count = X509_REQ_get_attr_count(req);

    for (i = 0; i < count; i++) {
        X509_ATTRIBUTE *a = X509_REQ_get_attr(req, i);
        const ASN1_OBJECT *obj = a ? X509_ATTRIBUTE_get0_object(a) : NULL;
        int nid = obj ? OBJ_obj2nid(obj) : NID_undef;

        if (!obj)
            continue;
        if (nid == NID_pkcs9_challengePassword) {
            csr_challenge(a, c, flags, v);
        } else if (nid == NID_ext_req || nid == NID_ms_ext_req) {
            continue; /* csr_exts */
        } else if (c->nother_attrs == SS_CSR_MAX_ATTRS) {
            c->other_attrs_dropped++;
        } else {
            ss_scep_alg(obj, c->other_attrs[c->nother_attrs++], SS_SCEP_ALG_LEN);
        }
    }
}

static void csr_signature(OSSL_LIB_CTX *libctx, X509_REQ *req, ss_scep_csr *c)
{
    const X509_ALGOR *alg = NULL;
    const ASN1_OBJECT *obj = NULL;
    EVP_PKEY *pk = X509_REQ_get0_pubkey(req);
    int r;

    X509_REQ_get0_signature(req, NULL, &alg);
    if (alg) {
        X509_ALGOR_get0(&obj, NULL, NULL, alg);
        ss_scep_alg(obj, c->sig_alg, sizeof(c->sig_alg));
    }
    if (!pk)
        return;
    /* 1 valid, 0 a signature that does not match, < 0 not checkable (unknown algorithm). */
    r = X509_REQ_verify_ex(req, pk, libctx, NULL);
    c->signature = r == 1 ? SS_CSR_SIG_VALID : r == 0 ? SS_CSR_SIG_INVALID : SS_CSR_SIG_UNCHECKED;
}

static void csr_signer(X509_REQ *req, X509 *signer, ss_scep_csr *c)
{
    EVP_PKEY *a = X509_REQ_get0_pubkey(req), *b;

    if (!signer)
        return;
    c->signer_known = 1;
    b = X509_get0_pubkey(signer);
    c->signer_key_same = a && b && EVP_PKEY_eq(a, b) == 1;
    c->signer_subject_same =
        X509_NAME_cmp(X509_REQ_get_subject_name(req), X509_get_subject_name(signer)) == 0;
}

static const char *what_of(long mt)
{
    const char *name = ss_scep_message_type_name(mt);

    return name ? name : "request";
}

/* The DER could not be read as the expected type: say what it is, or what OpenSSL said. */
static void not_a(const uint8_t *p, size_t n, long mt, const char *expected, unsigned long before,
                  ss_scep_verdict *v)
{
    const char *guess = ss_scep_der_guess(p, n);
    char why[100];

    if (guess) {
        ss_scep_verdict_set(v, SS_SCEP_R_WRONG_TYPE, "the %s content is %s, not %s", what_of(mt),
                            guess, expected);
        return;
    }
    ss_scep_ossl_detail(before, why, sizeof(why));
    ss_scep_verdict_set(v, SS_SCEP_R_BAD_ASN1, "the %s content is not %s%s", what_of(mt), expected,
                        why);
}

static void parse_csr(OSSL_LIB_CTX *libctx, long mt, const uint8_t *p, size_t n, X509 *signer,
                      unsigned flags, ss_scep_content *out, unsigned long before)
{
    X509_REQ *req = X509_REQ_new_ex(libctx, NULL);
    ss_scep_csr *c = &out->csr;
    const unsigned char *q = p;
    EVP_PKEY *pk;

    c->path_len = -1;
    if (!req || !d2i_X509_REQ(&req, &q, (long)n)) { /* a failed d2i freed req */
        not_a(p, n, mt, "a PKCS#10 request", before, &out->verdict);
        goto done;
    }
    out->kind = SS_SCEP_CONTENT_CSR;
    c->version = X509_REQ_get_version(req);
    if (c->version != 0)
        ss_scep_verdict_set(&out->verdict, SS_SCEP_R_BAD_CONTENT,
                            "PKCS#10 version %ld; only version 1 (0) exists", c->version);
    ss_scep_dn(X509_REQ_get_subject_name(req), c->subject, sizeof(c->subject));
    c->subject_entries = (unsigned)X509_NAME_entry_count(X509_REQ_get_subject_name(req));
    csr_key(libctx, req, c);
    csr_signature(libctx, req, c);
    csr_attrs(req, c, flags, &out->verdict);
    csr_exts(req, c, &out->verdict);
    csr_signer(req, signer, c);

    pk = X509_REQ_get0_pubkey(req);
    out->csr_signature_invalid = c->signature == SS_CSR_SIG_INVALID;
    out->csr_rsa_weak = pk && (EVP_PKEY_is_a(pk, "RSA") || EVP_PKEY_is_a(pk, "RSA-PSS")) &&
                        c->key_bits > 0 && c->key_bits < 2048;
    out->csr_no_san = c->nsans == 0 && c->sans_dropped == 0;
    out->csr_empty_identity = out->csr_no_san && c->subject_entries == 0;
    out->csr_signer_key_differs =
        mt == SS_SCEP_MT_PKCSREQ && c->signer_known && !c->signer_key_same;
done:
    X509_REQ_free(req);
}

/* ---- CertPoll, GetCert, GetCRL ---------------------------------------------------------- */

/* RFC 8894 3.3.3: IssuerAndSubject ::= SEQUENCE { issuer Name, subject Name }. OpenSSL has no
 * type for it; its ASN.1 templates describe it in two lines. */
typedef struct ss_issuer_and_subject {
    X509_NAME *issuer;
    X509_NAME *subject;
} SS_ISSUER_AND_SUBJECT;

ASN1_SEQUENCE(SS_ISSUER_AND_SUBJECT) =
    {
        ASN1_SIMPLE(SS_ISSUER_AND_SUBJECT, issuer, X509_NAME),
        ASN1_SIMPLE(SS_ISSUER_AND_SUBJECT, subject, X509_NAME),
} static_ASN1_SEQUENCE_END(SS_ISSUER_AND_SUBJECT)

        static void parse_issuer_and_subject(long mt, const uint8_t *p, size_t n,
                                             ss_scep_content *out, unsigned long before)
{
    const unsigned char *q = p;
    SS_ISSUER_AND_SUBJECT *ias = (SS_ISSUER_AND_SUBJECT *)ASN1_item_d2i(
        NULL, &q, (long)n, ASN1_ITEM_rptr(SS_ISSUER_AND_SUBJECT));

    if (!ias) {
        not_a(p, n, mt, "an IssuerAndSubject", before, &out->verdict);
        return;
    }
    out->kind = SS_SCEP_CONTENT_ISSUER_AND_SUBJECT;
    ss_scep_dn(ias->issuer, out->issuer, sizeof(out->issuer));
    ss_scep_dn(ias->subject, out->subject, sizeof(out->subject));
    ASN1_item_free((ASN1_VALUE *)ias, ASN1_ITEM_rptr(SS_ISSUER_AND_SUBJECT));
}

static void parse_issuer_and_serial(long mt, const uint8_t *p, size_t n, ss_scep_content *out,
                                    unsigned long before)
{
    const unsigned char *q = p;
    PKCS7_ISSUER_AND_SERIAL *ias = d2i_PKCS7_ISSUER_AND_SERIAL(NULL, &q, (long)n);

    if (!ias) {
        not_a(p, n, mt, "an IssuerAndSerialNumber", before, &out->verdict);
        return;
    }
    out->kind = SS_SCEP_CONTENT_ISSUER_AND_SERIAL;
    ss_scep_dn(ias->issuer, out->issuer, sizeof(out->issuer));
    ss_scep_serial(ias->serial, out->serial, sizeof(out->serial));
    PKCS7_ISSUER_AND_SERIAL_free(ias);
}

static int is_request(long mt)
{
    return mt == SS_SCEP_MT_PKCSREQ || mt == SS_SCEP_MT_RENEWALREQ || mt == SS_SCEP_MT_CERTPOLL ||
           mt == SS_SCEP_MT_GETCERT || mt == SS_SCEP_MT_GETCRL;
}

int ss_scep_content_parse(OSSL_LIB_CTX *libctx, long mt, const uint8_t *p, size_t n, X509 *signer,
                          unsigned flags, ss_scep_content *out)
{
    ss_scep_decrypt keep = out->decrypt;
    const char *expected;
    unsigned long before;

    memset(out, 0, sizeof(*out));
    out->decrypt = keep;
    out->message_type = mt;
    out->content_len = n;
    out->csr.path_len = -1;
    if (!is_request(mt)) {
        ss_scep_verdict_set(&out->verdict, SS_SCEP_R_BAD_CONTENT,
                            "messageType %ld carries no request content", mt);
        return -1;
    }
    expected = mt == SS_SCEP_MT_CERTPOLL                             ? "IssuerAndSubject"
               : mt == SS_SCEP_MT_GETCERT || mt == SS_SCEP_MT_GETCRL ? "IssuerAndSerialNumber"
                                                                     : "PKCS#10 request";
    ERR_set_mark();
    before = ERR_peek_last_error();
    if (ss_scep_der_shape(p, n, expected, &out->verdict) < 0)
        goto done;
    if (mt == SS_SCEP_MT_CERTPOLL)
        parse_issuer_and_subject(mt, p, n, out, before);
    else if (mt == SS_SCEP_MT_GETCERT || mt == SS_SCEP_MT_GETCRL)
        parse_issuer_and_serial(mt, p, n, out, before);
    else
        parse_csr(libctx, mt, p, n, signer, flags, out, before);
done:
    ERR_pop_to_mark();
    return out->verdict.reason == SS_SCEP_R_NONE ? 0 : -1;
}

/* ---- opening the envelope --------------------------------------------------------------- */

/* The signer's certificate carried in the pkiMessage (a new reference), or NULL. */
static X509 *signer_cert(OSSL_LIB_CTX *libctx, const uint8_t *body, size_t len)
{
    CMS_ContentInfo *cms = CMS_ContentInfo_new_ex(libctx, NULL);
    const unsigned char *q = body;
    STACK_OF(CMS_SignerInfo) * sis;
    STACK_OF(X509) *certs = NULL;
    X509 *found = NULL;
    int i;

    if (!cms || !d2i_CMS_ContentInfo(&cms, &q, (long)len) ||
        OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed)
        goto done;
    sis = CMS_get0_SignerInfos(cms);
    if (sk_CMS_SignerInfo_num(sis) < 1)
        goto done;
    certs = CMS_get1_certs(cms);
    for (i = 0; i < sk_X509_num(certs) && !found; i++)
        if (CMS_SignerInfo_cert_cmp(sk_CMS_SignerInfo_value(sis, 0), sk_X509_value(certs, i)) ==
                0 &&
            X509_up_ref(sk_X509_value(certs, i)))
            found = sk_X509_value(certs, i);
done:
    sk_X509_pop_free(certs, X509_free);
    CMS_ContentInfo_free(cms);
    return found;
}

/* The content-encryption algorithm's name, for messages (CMS in OpenSSL 3.0 has no getter; the
 * PKCS#7 structures are public). */
static void cipher_name(const uint8_t *env, size_t len, char *dst, size_t dstlen)
{
    const unsigned char *q = env;
    PKCS7 *p7 = d2i_PKCS7(NULL, &q, (long)len);
    const ASN1_OBJECT *obj = NULL;

    snprintf(dst, dstlen, "the content cipher");
    if (p7 && PKCS7_type_is_enveloped(p7) && p7->d.enveloped && p7->d.enveloped->enc_data &&
        p7->d.enveloped->enc_data->algorithm) {
        X509_ALGOR_get0(&obj, NULL, NULL, p7->d.enveloped->enc_data->algorithm);
        ss_scep_alg(obj, dst, dstlen);
    }
    PKCS7_free(p7);
}

enum try_result { TRY_OK, TRY_KEY_FAILED, TRY_CONTENT_FAILED, TRY_CIPHER_UNAVAILABLE };

/* Decrypts the content key of recipient ri with pk, then the content into *plain. */
static enum try_result try_key(CMS_ContentInfo *cms, CMS_RecipientInfo *ri, EVP_PKEY *pk,
                               BIO **plain)
{
    BIO *out;
    unsigned long e;
    int ok;

    *plain = NULL;
    /* set0 takes a reference and frees the one it held: lend it one of ours. */
    if (!EVP_PKEY_up_ref(pk))
        return TRY_KEY_FAILED;
    CMS_RecipientInfo_set0_pkey(ri, pk);
    ok = CMS_RecipientInfo_decrypt(cms, ri) == 1;
    CMS_RecipientInfo_set0_pkey(ri, NULL);
    if (!ok)
        return TRY_KEY_FAILED;
    out = BIO_new(BIO_s_mem());
    if (!out)
        return TRY_CONTENT_FAILED;
    /* Debug mode: a wrong key must fail here, not silently yield random bytes (OpenSSL's
     * defence against padding oracles, which a passive reader does not need). */
    if (CMS_decrypt(cms, NULL, NULL, NULL, out, CMS_BINARY | CMS_DEBUG_DECRYPT) != 1) {
        e = ERR_peek_last_error();
        BIO_free(out);
        if (ERR_GET_LIB(e) == ERR_LIB_CMS &&
            (ERR_GET_REASON(e) == CMS_R_CIPHER_INITIALISATION_ERROR ||
             ERR_GET_REASON(e) == CMS_R_UNKNOWN_CIPHER))
            return TRY_CIPHER_UNAVAILABLE;
        return TRY_CONTENT_FAILED;
    }
    *plain = out;
    return TRY_OK;
}

typedef struct opener {
    CMS_ContentInfo *cms;
    const ss_ra_keys *keys;
    ss_scep_decrypt *d;
    const uint8_t *env;
    size_t env_len;
    BIO *plain;
    int content_failed; /* a key opened the content key, the content did not decrypt */
    int cipher_unavailable;
    char failed_label[SS_RA_LABEL_LEN];
} opener;

static void recipient_id(CMS_RecipientInfo *ri, ss_scep_decrypt *d)
{
    ASN1_OCTET_STRING *keyid = NULL;
    X509_NAME *issuer = NULL;
    ASN1_INTEGER *sno = NULL;

    d->recipient_issuer[0] = d->recipient_serial[0] = '\0';
    if (!CMS_RecipientInfo_ktri_get0_signer_id(ri, &keyid, &issuer, &sno))
        return;
    if (keyid) {
        snprintf(d->recipient_issuer, sizeof(d->recipient_issuer), "key id ");
        ss_scep_hex(d->recipient_issuer + 7, sizeof(d->recipient_issuer) - 7, keyid->data,
                    (size_t)keyid->length);
        return;
    }
    ss_scep_dn(issuer, d->recipient_issuer, sizeof(d->recipient_issuer));
    ss_scep_serial(sno, d->recipient_serial, sizeof(d->recipient_serial));
}

/* Tries key i on recipient ri. Returns 1 when the content was opened. */
static int attempt(opener *o, CMS_RecipientInfo *ri, unsigned i, int by_cert)
{
    const ss_ra_key_info *info = ss_ra_keys_info(o->keys, i);
    enum try_result r;

    o->d->keys_tried++;
    r = try_key(o->cms, ri, ss_ra_keys_pkey(o->keys, i), &o->plain);
    if (r == TRY_OK) {
        o->d->status = SS_SCEP_DEC_OK;
        o->d->key_index = (int)i;
        snprintf(o->d->key_label, sizeof(o->d->key_label), "%s", info->label);
        o->d->by_certificate = by_cert;
        o->d->other_cert = !by_cert && ss_ra_keys_cert(o->keys, i) != NULL;
        recipient_id(ri, o->d);
        return 1;
    }
    if (r == TRY_CONTENT_FAILED || r == TRY_CIPHER_UNAVAILABLE) {
        if (!o->content_failed)
            snprintf(o->failed_label, sizeof(o->failed_label), "%s", info->label);
        o->content_failed = 1;
        o->cipher_unavailable |= r == TRY_CIPHER_UNAVAILABLE;
    }
    return 0;
}

static void open_envelope(opener *o)
{
    STACK_OF(CMS_RecipientInfo) *ris = CMS_get0_RecipientInfos(o->cms);
    unsigned nkeys = ss_ra_keys_count(o->keys), i;
    int nri = sk_CMS_RecipientInfo_num(ris), j, nktri = 0, matched = 0;
    ss_scep_decrypt *d = o->d;
    char first[SS_SCEP_DN_LEN + SS_SCEP_SERIAL_LEN + 16] = "";

    if (nri > SS_SCEP_MAX_RECIPIENTS)
        nri = SS_SCEP_MAX_RECIPIENTS;
    /* By certificate: the recipient names the key's certificate (issuer + serial). */
    for (j = 0; j < nri; j++) {
        CMS_RecipientInfo *ri = sk_CMS_RecipientInfo_value(ris, j);

        if (CMS_RecipientInfo_type(ri) != CMS_RECIPINFO_TRANS)
            continue;
        if (nktri++ == 0) {
            recipient_id(ri, d);
            snprintf(first, sizeof(first), "%s%s%s", d->recipient_issuer,
                     d->recipient_serial[0] ? ", serial " : "", d->recipient_serial);
        }
        for (i = 0; i < nkeys; i++) {
            X509 *x = ss_ra_keys_cert(o->keys, i);

            if (!x || CMS_RecipientInfo_ktri_cert_cmp(ri, x) != 0)
                continue;
            matched = 1;
            if (attempt(o, ri, i, 1))
                return;
        }
    }
    if (nktri == 0) {
        d->status = SS_SCEP_DEC_UNSUPPORTED;
        snprintf(d->detail, sizeof(d->detail),
                 "no key-transport recipient (SCEP encrypts to the RA's RSA key); other recipient "
                 "kinds are not opened");
        return;
    }
    /* A certificate match that failed is final: the loader checked that key and certificate
     * belong together, so no other key can be the right one. */
    if (matched)
        goto conclude;
    /* By trial: keys without a certificate, then keys whose certificate is another one (a
     * client still encrypting to the RA certificate before a renewal that kept the key). */
    for (j = 0; j < nri; j++) {
        CMS_RecipientInfo *ri = sk_CMS_RecipientInfo_value(ris, j);
        int pass;

        if (CMS_RecipientInfo_type(ri) != CMS_RECIPINFO_TRANS)
            continue;
        for (pass = 0; pass < 2; pass++)
            for (i = 0; i < nkeys; i++) {
                X509 *x = ss_ra_keys_cert(o->keys, i);

                if ((pass == 0) != (x == NULL) ||
                    (x && CMS_RecipientInfo_ktri_cert_cmp(ri, x) == 0))
                    continue;
                if (d->keys_tried >= MAX_KEY_TRIALS)
                    goto conclude;
                if (attempt(o, ri, i, 0))
                    return;
            }
    }
conclude:
    if (o->cipher_unavailable) {
        char c[SS_SCEP_ALG_LEN];

        cipher_name(o->env, o->env_len, c, sizeof(c));
        d->status = SS_SCEP_DEC_UNSUPPORTED;
        snprintf(d->detail, sizeof(d->detail),
                 "key %s opened the content key, but %s cannot run in this OpenSSL context "
                 "(single DES needs the legacy provider)",
                 o->failed_label, c);
    } else if (o->content_failed) {
        d->status = SS_SCEP_DEC_FAILED;
        snprintf(d->detail, sizeof(d->detail), "decryption failed with key %s (wrong key?)",
                 o->failed_label);
    } else if (matched) {
        d->status = SS_SCEP_DEC_FAILED;
        snprintf(d->detail, sizeof(d->detail),
                 "a key's certificate is the recipient (%.200s) but the key does not decrypt the "
                 "content key (wrong key?)",
                 first);
    } else {
        d->status = SS_SCEP_DEC_NO_MATCH;
        snprintf(d->detail, sizeof(d->detail), "no key matches recipient %.200s%s (%u tried)",
                 first, nktri > 1 ? " and the other recipients" : "", d->keys_tried);
    }
}

int ss_scep_content_decode(OSSL_LIB_CTX *libctx, const ss_ra_keys *keys, const uint8_t *body,
                           size_t len, long message_type, unsigned flags, ss_scep_content *out)
{
    uint8_t *env = NULL;
    size_t env_len = 0;
    const unsigned char *q;
    X509 *signer = NULL;
    opener o;
    char *plain;
    long plain_len;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    memset(&o, 0, sizeof(o));
    out->message_type = message_type;
    out->csr.path_len = -1;
    out->decrypt.key_index = -1;
    ERR_set_mark();
    if (!is_request(message_type)) {
        snprintf(out->decrypt.detail, sizeof(out->decrypt.detail), "%s",
                 message_type == SS_SCEP_MT_CERTREP
                     ? "a CertRep's envelope is encrypted to the requester's key, not the RA's"
                     : "not a request messageType");
        goto done;
    }
    if (ss_ra_keys_count(keys) == 0) {
        snprintf(out->decrypt.detail, sizeof(out->decrypt.detail), "no RA key loaded");
        goto done;
    }
    if (ss_scep_msg_envelope(body, len, &env, &env_len) < 0) {
        out->decrypt.status = SS_SCEP_DEC_NO_ENVELOPE;
        snprintf(out->decrypt.detail, sizeof(out->decrypt.detail),
                 "the body is not a pkiMessage with a pkcsPKIEnvelope");
        goto done;
    }
    o.cms = CMS_ContentInfo_new_ex(libctx, NULL);
    q = env;
    /* The CMS object is made in libctx before d2i so that the content cipher (single DES from
     * the legacy provider) is fetched from the decoder's context. */
    if (!o.cms || !d2i_CMS_ContentInfo(&o.cms, &q, (long)env_len) ||
        OBJ_obj2nid(CMS_get0_type(o.cms)) != NID_pkcs7_enveloped) {
        out->decrypt.status = SS_SCEP_DEC_NO_ENVELOPE;
        snprintf(out->decrypt.detail, sizeof(out->decrypt.detail),
                 "the pkcsPKIEnvelope is not a CMS EnvelopedData");
        goto done;
    }
    o.keys = keys;
    o.d = &out->decrypt;
    o.env = env;
    o.env_len = env_len;
    open_envelope(&o);
    if (out->decrypt.status != SS_SCEP_DEC_OK)
        goto done;
    snprintf(out->decrypt.detail, sizeof(out->decrypt.detail), "opened with key %s%s",
             out->decrypt.key_label,
             out->decrypt.by_certificate ? " (its certificate is the recipient)"
             : out->decrypt.other_cert
                 ? ", whose certificate is not the recipient: the client encrypts to another "
                   "certificate of this key (an old RA certificate?)"
                 : " (found by trial: the key has no certificate)");
    plain_len = BIO_get_mem_data(o.plain, &plain);
    signer = signer_cert(libctx, body, len);
    rc = ss_scep_content_parse(libctx, message_type, (const uint8_t *)plain,
                               plain_len > 0 ? (size_t)plain_len : 0, signer, flags, out);
done:
    if (o.plain) {
        /* the plaintext holds the challenge password */
        plain_len = BIO_get_mem_data(o.plain, &plain);
        if (plain_len > 0)
            OPENSSL_cleanse(plain, (size_t)plain_len);
        BIO_free(o.plain);
    }
    X509_free(signer);
    CMS_ContentInfo_free(o.cms);
    free(env);
    ERR_pop_to_mark();
    return rc;
}

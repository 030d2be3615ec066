/* scep_certs.c — GetCACert / GetNextCACert bodies (RFC 8894 4.2, 4.7) and per-certificate
 * facts (RFC 5280 fields and extensions), all parsed by OpenSSL; plus the outer-shape check of
 * DER bodies shared with the pkiMessage decoder (see scep_certs.h).
 */
#include "scep_certs.h"

#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

const char *ss_scep_key_usage_name(unsigned i)
{
    static const char *const names[SS_SCEP_KU_COUNT] = {
        "digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement",
        "keyCertSign",      "cRLSign",        "encipherOnly",    "decipherOnly"};

    return i < SS_SCEP_KU_COUNT ? names[i] : "unknown";
}

const char *ss_scep_role_name(ss_scep_role r)
{
    switch (r) {
    case SS_SCEP_ROLE_CA:
        return "CA";
    case SS_SCEP_ROLE_RA_ENCRYPT:
        return "RA encryption";
    case SS_SCEP_ROLE_RA_SIGN:
        return "RA signing";
    case SS_SCEP_ROLE_RA_BOTH:
        return "RA signing and encryption";
    case SS_SCEP_ROLE_OTHER:
        return "other";
    case SS_SCEP_ROLE_UNKNOWN:
        break;
    }
    return "unknown";
}

const char *ss_scep_certs_form_name(ss_scep_certs_form f)
{
    switch (f) {
    case SS_SCEP_CERTS_SINGLE:
        return "certificate";
    case SS_SCEP_CERTS_PKCS7:
        return "pkcs7-certs-only";
    case SS_SCEP_CERTS_PKCS7_SIGNED:
        return "pkcs7-signed";
    case SS_SCEP_CERTS_NONE:
        break;
    }
    return "none";
}

/* ---- shape of a DER body ---------------------------------------------------------------- */

static int is_text_byte(uint8_t b)
{
    return (b >= 0x20 && b < 0x7F) || b == '\r' || b == '\n' || b == '\t';
}

static int is_b64_byte(uint8_t b)
{
    return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '+' ||
           b == '/' || b == '=' || b == '-' || b == '_' || b == '%' || b == '\r' || b == '\n';
}

/* Names text that arrived where DER was expected; NULL when the bytes are not text. */
static const char *text_kind(const uint8_t *p, size_t len)
{
    size_t i, n = len < 256 ? len : 256, start = 0;
    int b64 = 1;

    for (i = 0; i < n; i++) {
        if (!is_text_byte(p[i]))
            return NULL;
        if (!is_b64_byte(p[i]))
            b64 = 0;
    }
    while (start < n &&
           (p[start] == ' ' || p[start] == '\t' || p[start] == '\r' || p[start] == '\n'))
        start++;
    if (start < n && p[start] == '<')
        return "HTML/XML markup";
    if (n - start >= 10 && memcmp(p + start, "-----BEGIN", 10) == 0)
        return "PEM text";
    /* DER starts 0x30 0x8x, which base64 writes as "MI": a pkiMessage left encoded. */
    if (b64 && n - start >= 4 && p[start] == 'M' && p[start + 1] == 'I')
        return "base64 text (not decoded)";
    return "text";
}

int ss_scep_der_shape(const uint8_t *p, size_t len, const char *what, ss_scep_verdict *v)
{
    const unsigned char *cur = p, *end = p + len;
    const unsigned char *ends[SS_SCEP_MAX_DEPTH]; /* NULL: indefinite length (BER) */
    int depth = 0;

    if (len == 0) {
        ss_scep_verdict_set(v, SS_SCEP_R_EMPTY, "empty body where a %s was expected", what);
        return -1;
    }
    if (len > SS_SCEP_MAX_BODY) {
        ss_scep_verdict_set(v, SS_SCEP_R_TOO_LARGE, "%zu bytes, more than the %u a %s may have",
                            len, SS_SCEP_MAX_BODY, what);
        return -1;
    }
    if (p[0] != 0x30) {
        const char *kind = text_kind(p, len);
        char head[40];

        ss_scep_sanitize(head, sizeof(head), p, len < 24 ? len : 24);
        if (kind)
            ss_scep_verdict_set(v, SS_SCEP_R_TEXT, "%s where a DER %s was expected: \"%s\"", kind,
                                what, head);
        else
            ss_scep_verdict_set(v, SS_SCEP_R_NOT_DER,
                                "first byte 0x%02X is not an ASN.1 SEQUENCE; not a DER %s", p[0],
                                what);
        return -1;
    }
    for (;;) {
        const unsigned char *lim = end, *hdr = cur;
        long plen = 0;
        int tag, cls, r;

        if (depth > 0) {
            if (ends[depth - 1]) {
                if (cur == ends[depth - 1]) {
                    if (--depth == 0)
                        break;
                    continue;
                }
                lim = ends[depth - 1];
            } else if (end - cur >= 2 && cur[0] == 0 && cur[1] == 0) {
                cur += 2; /* end-of-contents of an indefinite length */
                if (--depth == 0)
                    break;
                continue;
            }
        }
        if (cur >= lim) {
            ss_scep_verdict_set(v, SS_SCEP_R_TRUNCATED,
                                "the %s ends inside an indefinite-length object (%zu bytes)", what,
                                len);
            return -1;
        }
        r = ASN1_get_object(&cur, &plen, &tag, &cls, (long)(lim - cur));
        if (r & 0x80) {
            size_t off = (size_t)(hdr - p);

            if (cur == hdr) { /* OpenSSL could not read the header itself */
                if (lim == end && end - hdr < 8)
                    ss_scep_verdict_set(v, SS_SCEP_R_TRUNCATED,
                                        "the %s is cut inside an ASN.1 header at offset %zu", what,
                                        off);
                else
                    ss_scep_verdict_set(v, SS_SCEP_R_BAD_ASN1,
                                        "invalid ASN.1 header at offset %zu of the %s", off, what);
            } else if (lim == end) {
                ss_scep_verdict_set(v, SS_SCEP_R_TRUNCATED,
                                    "the %s is truncated: the object at offset %zu declares %ld "
                                    "bytes, %zu are there",
                                    what, off, plen, (size_t)(end - cur));
            } else {
                ss_scep_verdict_set(v, SS_SCEP_R_BAD_ASN1,
                                    "the object at offset %zu of the %s declares %ld bytes, more "
                                    "than its container holds",
                                    off, what, plen);
            }
            return -1;
        }
        if (r & V_ASN1_CONSTRUCTED) {
            if (depth == SS_SCEP_MAX_DEPTH) {
                ss_scep_verdict_set(v, SS_SCEP_R_TOO_DEEP,
                                    "ASN.1 nested deeper than %d levels at offset %zu of the %s",
                                    SS_SCEP_MAX_DEPTH, (size_t)(hdr - p), what);
                return -1;
            }
            ends[depth++] = (r & 1) ? NULL : cur + plen;
        } else {
            cur += plen;
            if (depth == 0)
                break;
        }
    }
    if (cur < end)
        ss_scep_verdict_set(v, SS_SCEP_R_TRAILING, "%zu bytes after the end of the %s",
                            (size_t)(end - cur), what);
    return 0;
}

const char *ss_scep_der_guess(const uint8_t *p, size_t len)
{
    const unsigned char *q;
    const char *what = NULL;
    X509 *x;
    X509_REQ *req;
    X509_CRL *crl;

    if (len > SS_SCEP_MAX_BODY)
        return NULL;
    ERR_set_mark();
    q = p;
    if ((x = d2i_X509(NULL, &q, (long)len)) != NULL) {
        X509_free(x);
        what = "an X.509 certificate";
        goto done;
    }
    q = p;
    if ((req = d2i_X509_REQ(NULL, &q, (long)len)) != NULL) {
        X509_REQ_free(req);
        what = "a PKCS#10 certificate request";
        goto done;
    }
    q = p;
    if ((crl = d2i_X509_CRL(NULL, &q, (long)len)) != NULL) {
        X509_CRL_free(crl);
        what = "a CRL";
    }
done:
    ERR_pop_to_mark();
    return what;
}

/* ---- names, serials, algorithms ---------------------------------------------------------- */

void ss_scep_dn(const X509_NAME *name, char *dst, size_t dstlen)
{
    /* RFC 2253 escaping but UTF-8 kept (no ESC_MSB), forward order as openssl prints it. */
    const unsigned long utf8 = XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN | XN_FLAG_DUMP_UNKNOWN_FIELDS |
                               (ASN1_STRFLGS_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    const unsigned long ascii =
        XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN | XN_FLAG_DUMP_UNKNOWN_FIELDS | ASN1_STRFLGS_RFC2253;
    BIO *b = NULL;
    char *data = NULL;
    long n;

    dst[0] = '\0';
    if (!name)
        return;
    b = BIO_new(BIO_s_mem());
    if (!b)
        return;
    if (X509_NAME_print_ex(b, name, 0, utf8) < 0) {
        /* A string OpenSSL cannot turn into UTF-8: print it escaped instead. */
        BIO_reset(b);
        if (X509_NAME_print_ex(b, name, 0, ascii) < 0) {
            snprintf(dst, dstlen, "(unprintable name)");
            goto done;
        }
    }
    n = BIO_get_mem_data(b, &data);
    if (n > 0 && data)
        ss_scep_sanitize(dst, dstlen, (const uint8_t *)data, (size_t)n);
done:
    BIO_free(b);
}

void ss_scep_serial(const ASN1_INTEGER *serial, char *dst, size_t dstlen)
{
    BIGNUM *bn = NULL;
    char *hex = NULL;

    dst[0] = '\0';
    if (!serial)
        return;
    bn = ASN1_INTEGER_to_BN(serial, NULL);
    if (bn)
        hex = BN_bn2hex(bn);
    if (hex)
        ss_scep_sanitize(dst, dstlen, (const uint8_t *)hex, strlen(hex));
    OPENSSL_free(hex);
    BN_free(bn);
}

void ss_scep_alg(const ASN1_OBJECT *obj, char *dst, size_t dstlen)
{
    char buf[128];
    int n;

    dst[0] = '\0';
    if (!obj)
        return;
    n = OBJ_obj2txt(buf, (int)sizeof(buf), obj, 0);
    if (n <= 0)
        return;
    ss_scep_sanitize(dst, dstlen, (const uint8_t *)buf, strnlen(buf, sizeof(buf)));
}

/* ---- one certificate ----------------------------------------------------------------------- */

static int cert_time(const ASN1_TIME *t, time_t *out, char *iso, size_t isolen)
{
    struct tm tm;

    iso[0] = '\0';
    if (!t || !ASN1_TIME_to_tm(t, &tm))
        return -1;
    *out = timegm(&tm);
    strftime(iso, isolen, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return 0;
}

void ss_scep_key_facts(EVP_PKEY *pk, X509_PUBKEY *xpk, char *type, size_t typelen, int *bits,
                       char *group, size_t grouplen)
{
    if (pk) {
        const char *t = EVP_PKEY_get0_type_name(pk);
        size_t glen = 0;

        if (t)
            ss_scep_sanitize(type, typelen, (const uint8_t *)t, strlen(t));
        *bits = EVP_PKEY_get_bits(pk);
        if (*bits < 0)
            *bits = 0;
        if (!EVP_PKEY_get_group_name(pk, group, grouplen, &glen))
            group[0] = '\0';
    } else {
        /* A key OpenSSL cannot decode: name its algorithm at least. */
        ASN1_OBJECT *alg = NULL;

        if (xpk && X509_PUBKEY_get0_param(&alg, NULL, NULL, NULL, xpk) && alg)
            ss_scep_alg(alg, type, typelen);
    }
}

static void cert_key(X509 *x, ss_scep_cert *c)
{
    ss_scep_key_facts(X509_get0_pubkey(x), X509_get_X509_PUBKEY(x), c->key_type,
                      sizeof(c->key_type), &c->key_bits, c->key_group, sizeof(c->key_group));
}

void ss_scep_eku_names(const STACK_OF(ASN1_OBJECT) * eku, char names[][SS_SCEP_ALG_LEN],
                       unsigned *n, unsigned *dropped)
{
    int i;

    for (i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
        const ASN1_OBJECT *o = sk_ASN1_OBJECT_value(eku, i);
        int nid = OBJ_obj2nid(o);
        const char *sn = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;

        if (*n == SS_SCEP_MAX_EKUS) {
            (*dropped)++;
            continue;
        }
        /* Short names ("clientAuth"): identifiers a reader can match, where the long names
         * ("TLS Web Client Authentication") are prose. */
        if (sn)
            ss_scep_sanitize(names[*n], SS_SCEP_ALG_LEN, (const uint8_t *)sn, strlen(sn));
        else
            ss_scep_alg(o, names[*n], SS_SCEP_ALG_LEN);
        (*n)++;
    }
}

static void cert_ekus(X509 *x, ss_scep_cert *c)
{
    int crit = 0;
    EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, &crit, NULL);

    if (!eku)
        return;
    ss_scep_eku_names(eku, c->eku, &c->neku, &c->eku_dropped);
    EXTENDED_KEY_USAGE_free(eku);
}

static void thumbprint(OSSL_LIB_CTX *libctx, X509 *x, const char *md_name, char *dst, size_t dstlen)
{
    EVP_MD *md = EVP_MD_fetch(libctx, md_name, NULL);
    unsigned char buf[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    dst[0] = '\0';
    if (md && X509_digest(x, md, buf, &n))
        ss_scep_hex(dst, dstlen, buf, n);
    EVP_MD_free(md);
}

static ss_scep_role cert_role(const ss_scep_cert *c)
{
    int enc, sign;

    if (c->ca)
        return SS_SCEP_ROLE_CA;
    if (!c->has_key_usage)
        return SS_SCEP_ROLE_RA_BOTH;
    enc = (c->key_usage & SS_SCEP_KU_KEY_ENCIPHERMENT) != 0;
    sign = (c->key_usage & SS_SCEP_KU_DIGITAL_SIGNATURE) != 0;
    if (enc && sign)
        return SS_SCEP_ROLE_RA_BOTH;
    if (enc)
        return SS_SCEP_ROLE_RA_ENCRYPT;
    if (sign)
        return SS_SCEP_ROLE_RA_SIGN;
    return SS_SCEP_ROLE_OTHER;
}

int ss_scep_cert_facts(OSSL_LIB_CTX *libctx, X509 *x, ss_scep_cert *c)
{
    /* OpenSSL's KU_* bits in the order of our SS_SCEP_KU_* bits. */
    static const uint32_t ku_bits[SS_SCEP_KU_COUNT] = {
        KU_DIGITAL_SIGNATURE, KU_NON_REPUDIATION, KU_KEY_ENCIPHERMENT,
        KU_DATA_ENCIPHERMENT, KU_KEY_AGREEMENT,   KU_KEY_CERT_SIGN,
        KU_CRL_SIGN,          KU_ENCIPHER_ONLY,   KU_DECIPHER_ONLY};
    const X509_ALGOR *sig_alg = NULL;
    const ASN1_OBJECT *sig_obj = NULL;
    uint32_t flags;
    unsigned i;

    memset(c, 0, sizeof(*c));
    c->path_len = -1;
    ERR_set_mark();
    ss_scep_dn(X509_get_subject_name(x), c->subject, sizeof(c->subject));
    ss_scep_dn(X509_get_issuer_name(x), c->issuer, sizeof(c->issuer));
    ss_scep_serial(X509_get0_serialNumber(x), c->serial, sizeof(c->serial));
    c->times_ok = cert_time(X509_get0_notBefore(x), &c->not_before, c->not_before_iso,
                            sizeof(c->not_before_iso)) == 0 &&
                  cert_time(X509_get0_notAfter(x), &c->not_after, c->not_after_iso,
                            sizeof(c->not_after_iso)) == 0;
    cert_key(x, c);
    X509_get0_signature(NULL, &sig_alg, x);
    if (sig_alg) {
        X509_ALGOR_get0(&sig_obj, NULL, NULL, sig_alg);
        ss_scep_alg(sig_obj, c->sig_alg, sizeof(c->sig_alg));
    }

    flags = X509_get_extension_flags(x);
    c->extensions_invalid = (flags & EXFLAG_INVALID) != 0;
    if (flags & EXFLAG_KUSAGE) {
        uint32_t ku = X509_get_key_usage(x);

        c->has_key_usage = 1;
        for (i = 0; i < SS_SCEP_KU_COUNT; i++)
            if (ku & ku_bits[i])
                c->key_usage |= 1u << i;
    }
    c->has_basic_constraints = (flags & EXFLAG_BCONS) != 0;
    c->ca = (flags & EXFLAG_CA) != 0;
    if (c->ca)
        c->path_len = X509_get_pathlen(x);
    if (flags & EXFLAG_XKUSAGE) {
        c->has_eku = 1;
        cert_ekus(x, c);
    }
    c->self_issued = X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0;
    c->self_signed = c->self_issued && X509_self_signed(x, 1) == 1;
    thumbprint(libctx, x, "SHA1", c->sha1, sizeof(c->sha1));
    thumbprint(libctx, x, "SHA256", c->sha256, sizeof(c->sha256));
    c->role = cert_role(c);
    ERR_pop_to_mark();
    return 0;
}

/* ---- the GetCACert / GetNextCACert body ---------------------------------------------------- */

void ss_scep_ossl_detail(unsigned long before, char *dst, size_t dstlen)
{
    const char *data = NULL, *why;
    int flags = 0;
    unsigned long e = ERR_peek_last_error_data(&data, &flags);

    dst[0] = '\0';
    if (e == 0 || e == before)
        return;
    why = ERR_reason_error_string(e);
    if (!why)
        return;
    if (data && *data && (flags & ERR_TXT_STRING))
        snprintf(dst, dstlen, " (OpenSSL: %s: %.60s)", why, data);
    else
        snprintf(dst, dstlen, " (OpenSSL: %s)", why);
}

static void add_certs(OSSL_LIB_CTX *libctx, STACK_OF(X509) * certs, ss_scep_certs *out)
{
    int i;

    for (i = 0; i < sk_X509_num(certs); i++) {
        if (out->ncerts == SS_SCEP_MAX_CERTS) {
            out->certs_dropped++;
            continue;
        }
        ss_scep_cert_facts(libctx, sk_X509_value(certs, i), &out->certs[out->ncerts++]);
    }
}

/* GetNextCACert: the signed content is itself a certs-only SignedData (RFC 8894 4.7.1).
 * Returns the inner ContentInfo, or NULL (problem recorded) when the content is not one. */
static CMS_ContentInfo *inner_certs_only(OSSL_LIB_CTX *libctx, CMS_ContentInfo *outer,
                                         ss_scep_verdict *v)
{
    ASN1_OCTET_STRING **pos = CMS_get0_content(outer);
    const unsigned char *q;
    CMS_ContentInfo *inner = NULL;
    ss_scep_verdict iv;

    if (!pos || !*pos || (*pos)->length <= 0) {
        ss_scep_verdict_set(v, SS_SCEP_R_BAD_CONTENT,
                            "a signed SignedData with no certificate list inside (a pkiMessage?)");
        return NULL;
    }
    memset(&iv, 0, sizeof(iv));
    if (ss_scep_der_shape((*pos)->data, (size_t)(*pos)->length, "signed certificate list", &iv) <
        0) {
        ss_scep_verdict_set(v, SS_SCEP_R_BAD_CONTENT, "%s", iv.detail);
        return NULL;
    }
    inner = CMS_ContentInfo_new_ex(libctx, NULL);
    q = (*pos)->data;
    if (!inner || !d2i_CMS_ContentInfo(&inner, &q, (*pos)->length) ||
        OBJ_obj2nid(CMS_get0_type(inner)) != NID_pkcs7_signed) {
        ss_scep_verdict_set(v, SS_SCEP_R_BAD_CONTENT,
                            "the signed content is not a certs-only SignedData");
        CMS_ContentInfo_free(inner);
        return NULL;
    }
    return inner;
}

STACK_OF(X509) * ss_scep_certs_walk(OSSL_LIB_CTX *libctx, const uint8_t *body, size_t len,
                                    ss_scep_certs_form *form, unsigned *nsigners,
                                    ss_scep_verdict *v)
{
    CMS_ContentInfo *cms = NULL, *inner = NULL;
    STACK_OF(X509) *certs = NULL;
    STACK_OF(CMS_SignerInfo) * sis;
    X509 *x = NULL;
    const unsigned char *q;
    unsigned long before;
    int nid;

    *form = SS_SCEP_CERTS_NONE;
    *nsigners = 0;
    ERR_set_mark();
    before = ERR_peek_last_error();
    if (ss_scep_der_shape(body, len, "certificate response", v) < 0)
        goto done;

    x = X509_new_ex(libctx, NULL);
    q = body;
    if (x && d2i_X509(&x, &q, (long)len)) {
        *form = SS_SCEP_CERTS_SINGLE;
        certs = sk_X509_new_null();
        if (!certs || !sk_X509_push(certs, x)) {
            ss_scep_verdict_set(v, SS_SCEP_R_NO_CERTS, "out of memory for the certificate");
            sk_X509_free(certs);
            certs = NULL;
            goto done;
        }
        x = NULL; /* owned by certs */
        goto done;
    }

    cms = CMS_ContentInfo_new_ex(libctx, NULL);
    q = body;
    if (!cms || !d2i_CMS_ContentInfo(&cms, &q, (long)len)) {
        const char *guess = ss_scep_der_guess(body, len);
        char why[100];

        ss_scep_ossl_detail(before, why, sizeof(why));
        if (guess)
            ss_scep_verdict_set(v, SS_SCEP_R_WRONG_TYPE,
                                "%s, not a certificate or a certs-only PKCS#7", guess);
        else
            ss_scep_verdict_set(v, SS_SCEP_R_BAD_ASN1,
                                "neither a DER certificate nor a PKCS#7 certificate list%s", why);
        goto done;
    }
    nid = OBJ_obj2nid(CMS_get0_type(cms));
    if (nid != NID_pkcs7_signed) {
        char t[SS_SCEP_ALG_LEN];

        ss_scep_alg(CMS_get0_type(cms), t, sizeof(t));
        ss_scep_verdict_set(v, SS_SCEP_R_WRONG_TYPE, "a CMS %s, not a SignedData certificate list",
                            t);
        goto done;
    }
    sis = CMS_get0_SignerInfos(cms);
    *nsigners = (unsigned)(sis ? sk_CMS_SignerInfo_num(sis) : 0);
    *form = *nsigners ? SS_SCEP_CERTS_PKCS7_SIGNED : SS_SCEP_CERTS_PKCS7;
    if (*nsigners)
        inner = inner_certs_only(libctx, cms, v);
    /* an inner list that does not decode leaves the outer certificates (recorded in v) */
    certs = CMS_get1_certs(inner ? inner : cms);
done:
    CMS_ContentInfo_free(inner);
    CMS_ContentInfo_free(cms);
    X509_free(x);
    ERR_pop_to_mark();
    return certs;
}

int ss_scep_certs_decode(OSSL_LIB_CTX *libctx, const uint8_t *body, size_t len, ss_scep_certs *out)
{
    STACK_OF(X509) * certs;

    memset(out, 0, sizeof(*out));
    out->body_len = len;
    certs = ss_scep_certs_walk(libctx, body, len, &out->form, &out->nsigners, &out->verdict);
    add_certs(libctx, certs, out);
    /* the first problem recorded stands: this one only speaks when the walk found none */
    if (out->ncerts == 0)
        ss_scep_verdict_set(&out->verdict, SS_SCEP_R_NO_CERTS,
                            "the PKCS#7 certificate list holds no certificate");
    sk_X509_pop_free(certs, X509_free);
    return out->verdict.reason == SS_SCEP_R_NONE ? 0 : -1;
}

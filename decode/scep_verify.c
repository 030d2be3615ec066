/* scep_verify.c — the signature of a pkiMessage (RFC 8894 3.2), verified with OpenSSL's CMS
 * (RFC 5652 5.4: the signature over the DER signed attributes; 5.6: messageDigest against the
 * content). See scep_verify.h.
 *
 * Two steps rather than one CMS_verify() call, so that the report can say which part failed:
 * CMS_SignerInfo_verify() checks the signature over the signed attributes, then CMS_verify()
 * (signer chain not verified) checks the messageDigest against the content. A message whose
 * content is absent (some FAILURE CertReps) was signed over empty content.
 */
#include "scep_verify.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>

const char *ss_scep_sig_status_name(ss_scep_sig_status s)
{
    switch (s) {
    case SS_SCEP_SIG_VERIFIED:
        return "verified";
    case SS_SCEP_SIG_INVALID:
        return "invalid";
    case SS_SCEP_SIG_NO_SIGNER_CERT:
        return "signer certificate not available";
    case SS_SCEP_SIG_UNVERIFIABLE:
        break;
    }
    return "not verifiable";
}

static void outcome(ss_scep_sigcheck *out, ss_scep_sig_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void outcome(ss_scep_sigcheck *out, ss_scep_sig_status s, const char *fmt, ...)
{
    va_list ap;

    out->status = s;
    va_start(ap, fmt);
    vsnprintf(out->detail, sizeof(out->detail), fmt, ap);
    va_end(ap);
}

/* How the signerInfo names its certificate: issuer and serial, or subjectKeyIdentifier. */
static void signer_ref(CMS_SignerInfo *si, char *dst, size_t dstlen)
{
    ASN1_OCTET_STRING *keyid = NULL;
    X509_NAME *issuer = NULL;
    ASN1_INTEGER *sno = NULL;
    char dn[SS_SCEP_DN_LEN], serial[SS_SCEP_SERIAL_LEN], hex[SS_SCEP_NONCE_HEX];

    dst[0] = '\0';
    if (CMS_SignerInfo_get0_signer_id(si, &keyid, &issuer, &sno) != 1)
        return;
    if (issuer && sno) {
        ss_scep_dn(issuer, dn, sizeof(dn));
        ss_scep_serial(sno, serial, sizeof(serial));
        snprintf(dst, dstlen, "serial %s of %s", serial, dn);
    } else if (keyid) {
        ss_scep_hex(hex, sizeof(hex), keyid->data, (size_t)(keyid->length > 0 ? keyid->length : 0));
        snprintf(dst, dstlen, "key identifier %s", hex);
    }
}

static X509 *signer_of(CMS_SignerInfo *si)
{
    X509 *x = NULL;

    CMS_SignerInfo_get0_algs(si, NULL, &x, NULL, NULL);
    return x;
}

/* The index of the first signerInfo without a certificate, or -1 when all have one. */
static int first_missing(STACK_OF(CMS_SignerInfo) * sis)
{
    for (int i = 0; i < sk_CMS_SignerInfo_num(sis); i++)
        if (!signer_of(sk_CMS_SignerInfo_value(sis, i)))
            return i;
    return -1;
}

/* A failed OpenSSL verification: a mismatch (INVALID, described by what) or a check that could
 * not be made (UNVERIFIABLE, with OpenSSL's reason). */
static void failed(ss_scep_sigcheck *out, unsigned long before, const char *what)
{
    unsigned long e = ERR_peek_last_error();
    char why[100];

    if (e != before && ERR_GET_LIB(e) == ERR_LIB_CMS &&
        (ERR_GET_REASON(e) == CMS_R_VERIFICATION_FAILURE ||
         ERR_GET_REASON(e) == CMS_R_CONTENT_VERIFY_ERROR)) {
        outcome(out, SS_SCEP_SIG_INVALID, "%s", what);
        return;
    }
    ss_scep_ossl_detail(before, why, sizeof(why));
    outcome(out, SS_SCEP_SIG_UNVERIFIABLE, "the signature could not be checked%s",
            why[0] ? why : " (OpenSSL gave no reason)");
}

int ss_scep_msg_verify(OSSL_LIB_CTX *libctx, const uint8_t *body, size_t len,
                       STACK_OF(X509) * extra_certs, ss_scep_sigcheck *out)
{
    CMS_ContentInfo *cms = NULL;
    STACK_OF(CMS_SignerInfo) * sis;
    BIO *dcont = NULL;
    const unsigned char *q;
    unsigned long before;
    ss_scep_verdict v;
    X509 *signer;
    int n, missing, detached, has_attrs = 0;

    memset(out, 0, sizeof(*out));
    memset(&v, 0, sizeof(v));
    ERR_set_mark();
    before = ERR_peek_last_error();
    if (!body || ss_scep_der_shape(body, len, "pkiMessage", &v) < 0) {
        outcome(out, SS_SCEP_SIG_UNVERIFIABLE, "%s", v.detail[0] ? v.detail : "no pkiMessage body");
        goto done;
    }
    cms = CMS_ContentInfo_new_ex(libctx, NULL);
    q = body;
    if (!cms || !d2i_CMS_ContentInfo(&cms, &q, (long)len)) {
        char why[100];

        ss_scep_ossl_detail(before, why, sizeof(why));
        outcome(out, SS_SCEP_SIG_UNVERIFIABLE, "not a CMS message%s", why);
        goto done;
    }
    if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
        char t[SS_SCEP_ALG_LEN];

        ss_scep_alg(CMS_get0_type(cms), t, sizeof(t));
        outcome(out, SS_SCEP_SIG_UNVERIFIABLE, "a CMS %s, not a SignedData: nothing signed", t);
        goto done;
    }
    sis = CMS_get0_SignerInfos(cms);
    n = sis ? sk_CMS_SignerInfo_num(sis) : 0;
    out->nsigners = (unsigned)(n > 0 ? n : 0);
    if (n <= 0) {
        outcome(out, SS_SCEP_SIG_UNVERIFIABLE, "a SignedData with no signerInfo: nothing signed");
        goto done;
    }
    /* each signerInfo costs a public-key operation: a hostile body must not buy thousands */
    if (n > SS_SCEP_VERIFY_MAX_SIGNERS) {
        outcome(out, SS_SCEP_SIG_UNVERIFIABLE,
                "%d signerInfos, more than the %d checked (a SCEP message has one)", n,
                SS_SCEP_VERIFY_MAX_SIGNERS);
        goto done;
    }
    signer_ref(sk_CMS_SignerInfo_value(sis, 0), out->signer_ref, sizeof(out->signer_ref));

    /* the message's own certificates first, so that signer_from_extra says where it came from */
    CMS_set1_signers_certs(cms, NULL, 0);
    out->signer_from_extra = !signer_of(sk_CMS_SignerInfo_value(sis, 0));
    missing = first_missing(sis);
    if (missing >= 0 && extra_certs) {
        CMS_set1_signers_certs(cms, extra_certs, 0);
        missing = first_missing(sis);
    }
    if (missing >= 0) {
        char ref[sizeof(out->signer_ref)];

        signer_ref(sk_CMS_SignerInfo_value(sis, missing), ref, sizeof(ref));
        outcome(out, SS_SCEP_SIG_NO_SIGNER_CERT,
                "the certificate of the signer (%s) is neither in the message nor among the %d "
                "known certificates",
                ref[0] ? ref : "unnamed", extra_certs ? sk_X509_num(extra_certs) : 0);
        out->signer_from_extra = 0;
        goto done;
    }
    signer = signer_of(sk_CMS_SignerInfo_value(sis, 0));
    ss_scep_cert_facts(libctx, signer, &out->signer);
    out->signer_known = 1;
    out->signer_digital_signature =
        !out->signer.has_key_usage || (out->signer.key_usage & SS_SCEP_KU_DIGITAL_SIGNATURE);

    for (int i = 0; i < n; i++) {
        CMS_SignerInfo *si = sk_CMS_SignerInfo_value(sis, i);

        if (CMS_signed_get_attr_count(si) <= 0)
            continue;
        has_attrs = 1;
        if (CMS_SignerInfo_verify(si) != 1) {
            char what[sizeof(out->detail)];

            snprintf(what, sizeof(what),
                     "the signature over the signed attributes does not verify with the key of "
                     "%.150s",
                     signer_of(si) == signer ? out->signer.subject : "its signer");
            failed(out, before, what);
            goto done;
        }
    }

    detached = CMS_is_detached(cms);
    if (detached && !(dcont = BIO_new_mem_buf("", 0))) {
        outcome(out, SS_SCEP_SIG_UNVERIFIABLE, "out of memory");
        goto done;
    }
    if (CMS_verify(cms, extra_certs, NULL, dcont, NULL, CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) !=
        1) {
        failed(out, before,
               has_attrs ? (detached ? "the messageDigest attribute does not match the (absent, "
                                       "so empty) content"
                                     : "the messageDigest attribute does not match the content")
                         : "the signature does not verify");
        goto done;
    }
    outcome(out, SS_SCEP_SIG_VERIFIED, "%s", "");
done:
    BIO_free(dcont);
    CMS_ContentInfo_free(cms);
    ERR_pop_to_mark();
    return out->status == SS_SCEP_SIG_VERIFIED ? 0 : -1;
}

/* scep_names.c — names for SCEP numbers (RFC 8894 3.2.1.2-3.2.1.4), RFC 4210 PKIFailureInfo bit
 * names for the failInfo values some CAs send beyond SCEP, common Windows HRESULTs that NDES puts
 * in its SCEP error attribute (1.3.6.1.4.1.311.21.33), decode verdicts, and the sanitizer that
 * makes wire bytes safe to print (see scep_names.h).
 */
#include "scep_names.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void ss_scep_verdict_set(ss_scep_verdict *v, ss_scep_reason r, const char *fmt, ...)
{
    va_list ap;

    if (v->reason != SS_SCEP_R_NONE || r == SS_SCEP_R_NONE)
        return;
    v->reason = r;
    v->status = r == SS_SCEP_R_TRUNCATED ? SS_SCEP_TRUNCATED : SS_SCEP_MALFORMED;
    va_start(ap, fmt);
    vsnprintf(v->detail, sizeof(v->detail), fmt, ap);
    va_end(ap);
}

const char *ss_scep_status_name(ss_scep_status s)
{
    switch (s) {
    case SS_SCEP_OK:
        return "ok";
    case SS_SCEP_MALFORMED:
        return "malformed";
    case SS_SCEP_TRUNCATED:
        return "truncated";
    }
    return "unknown";
}

const char *ss_scep_reason_name(ss_scep_reason r)
{
    static const char *const names[] = {
        [SS_SCEP_R_NONE] = "none",
        [SS_SCEP_R_EMPTY] = "empty",
        [SS_SCEP_R_TOO_LARGE] = "too_large",
        [SS_SCEP_R_TEXT] = "text_not_der",
        [SS_SCEP_R_NOT_DER] = "not_der",
        [SS_SCEP_R_TRUNCATED] = "truncated",
        [SS_SCEP_R_TRAILING] = "trailing_bytes",
        [SS_SCEP_R_TOO_DEEP] = "too_deep",
        [SS_SCEP_R_BAD_ASN1] = "bad_asn1",
        [SS_SCEP_R_WRONG_TYPE] = "wrong_type",
        [SS_SCEP_R_NO_SIGNER] = "no_signer",
        [SS_SCEP_R_MISSING_ATTR] = "missing_attribute",
        [SS_SCEP_R_BAD_ATTR] = "bad_attribute",
        [SS_SCEP_R_BAD_CONTENT] = "bad_content",
        [SS_SCEP_R_NON_PRINTABLE] = "non_printable",
        [SS_SCEP_R_NO_CERTS] = "no_certificates",
    };

    if ((unsigned)r < sizeof(names) / sizeof(names[0]) && names[r])
        return names[r];
    return "unknown";
}

const char *ss_scep_message_type_name(long t)
{
    switch (t) {
    case SS_SCEP_MT_CERTREP:
        return "CertRep";
    case SS_SCEP_MT_RENEWALREQ:
        return "RenewalReq";
    case SS_SCEP_MT_PKCSREQ:
        return "PKCSReq";
    case SS_SCEP_MT_CERTPOLL:
        return "CertPoll"; /* GetCertInitial in the drafts before RFC 8894 */
    case SS_SCEP_MT_GETCERT:
        return "GetCert";
    case SS_SCEP_MT_GETCRL:
        return "GetCRL";
    }
    return NULL;
}

const char *ss_scep_pki_status_name(long s)
{
    switch (s) {
    case SS_SCEP_PKI_SUCCESS:
        return "SUCCESS";
    case SS_SCEP_PKI_FAILURE:
        return "FAILURE";
    case SS_SCEP_PKI_PENDING:
        return "PENDING";
    }
    return NULL;
}

const char *ss_scep_fail_info_name(long f)
{
    static const char *const names[] = {"badAlg", "badMessageCheck", "badRequest", "badTime",
                                        "badCertId"};

    if (f >= 0 && f < (long)(sizeof(names) / sizeof(names[0])))
        return names[f];
    return NULL;
}

const char *ss_scep_fail_info_cmp_name(long f)
{
    /* RFC 4210 section 5.2.3 PKIFailureInfo; 0..4 coincide with SCEP's and are named above. */
    static const char *const names[] = {
        [5] = "badDataFormat",
        [6] = "wrongAuthority",
        [7] = "incorrectData",
        [8] = "missingTimeStamp",
        [9] = "badPOP",
        [10] = "certRevoked",
        [11] = "certConfirmed",
        [12] = "wrongIntegrity",
        [13] = "badRecipientNonce",
        [14] = "timeNotAvailable",
        [15] = "unacceptedPolicy",
        [16] = "unacceptedExtension",
        [17] = "addInfoNotAvailable",
        [18] = "badSenderNonce",
        [19] = "badCertTemplate",
        [20] = "signerNotTrusted",
        [21] = "transactionIdInUse",
        [22] = "unsupportedVersion",
        [23] = "notAuthorized",
        [24] = "systemUnavail",
        [25] = "systemFailure",
        [26] = "duplicateCertReq",
    };

    if (f >= 0 && f < (long)(sizeof(names) / sizeof(names[0])))
        return names[f];
    return NULL;
}

typedef struct hresult_name {
    uint32_t code;
    const char *name;
    const char *text;
} hresult_name;

/* The HRESULTs administrators meet in NDES replies and logs; values as in winerror.h. */
static const hresult_name hresults[] = {
    {0x80004001u, "E_NOTIMPL", "Not implemented"},
    {0x80004005u, "E_FAIL", "Unspecified error"},
    {0x8000FFFFu, "E_UNEXPECTED", "Catastrophic failure"},
    {0x80070002u, "ERROR_FILE_NOT_FOUND", "The system cannot find the file specified"},
    {0x80070005u, "E_ACCESSDENIED", "Access is denied"},
    {0x8007000Du, "ERROR_INVALID_DATA", "The data is invalid"},
    {0x8007000Eu, "E_OUTOFMEMORY", "Not enough memory resources"},
    {0x80070057u, "E_INVALIDARG", "The parameter is incorrect"},
    {0x80070490u, "ERROR_NOT_FOUND", "Element not found"},
    {0x80070542u, "ERROR_BAD_IMPERSONATION_LEVEL",
     "Either a required impersonation level was not provided, or it is invalid"},
    {0x800706BAu, "RPC_S_SERVER_UNAVAILABLE", "The RPC server is unavailable"},
    {0x80090003u, "NTE_BAD_KEY", "Bad key"},
    {0x80090005u, "NTE_BAD_DATA", "Bad data (NDES could not decrypt or parse the request)"},
    {0x80090006u, "NTE_BAD_SIGNATURE", "Invalid signature"},
    {0x80090008u, "NTE_BAD_ALGID", "Invalid algorithm specified"},
    {0x80090016u, "NTE_BAD_KEYSET", "Keyset does not exist"},
    {0x8009002Cu, "NTE_DECRYPTION_FAILURE", "The specified data could not be decrypted"},
    {0x8009100Bu, "CRYPT_E_RECIPIENT_NOT_FOUND",
     "The enveloped-data message does not contain the specified recipient"},
    {0x80092002u, "CRYPT_E_BAD_ENCODE", "An error occurred during the encode or decode operation"},
    {0x80092004u, "CRYPT_E_NOT_FOUND", "Cannot find object or property"},
    {0x8009200Bu, "CRYPT_E_NO_KEY_PROPERTY",
     "Cannot find the certificate and private key for decryption"},
    {0x8009200Cu, "CRYPT_E_NO_DECRYPT_CERT",
     "Cannot find the certificate and private key to use for decryption"},
    {0x8009200Du, "CRYPT_E_BAD_MSG", "Not a cryptographic message or not formatted correctly"},
    {0x80092010u, "CRYPT_E_REVOKED", "The certificate is revoked"},
    {0x80092012u, "CRYPT_E_NO_REVOCATION_CHECK",
     "The revocation function was unable to check revocation for the certificate"},
    {0x80092013u, "CRYPT_E_REVOCATION_OFFLINE", "The revocation server was offline"},
    {0x80094001u, "CERTSRV_E_BAD_REQUESTSUBJECT",
     "The request subject name is invalid or too long"},
    {0x80094004u, "CERTSRV_E_PROPERTY_EMPTY", "The requested property value is empty"},
    {0x80094005u, "CERTSRV_E_INVALID_CA_CERTIFICATE", "The CA's certificate contains invalid data"},
    {0x80094011u, "CERTSRV_E_ENROLL_DENIED",
     "The permissions on this CA do not allow the current user to enroll for certificates"},
    {0x80094012u, "CERTSRV_E_TEMPLATE_DENIED",
     "The permissions on the certificate template do not allow the current user to enroll"},
    {0x80094800u, "CERTSRV_E_UNSUPPORTED_CERT_TYPE",
     "The requested certificate template is not supported by this CA"},
    {0x80094801u, "CERTSRV_E_NO_CERT_TYPE",
     "The request contains no certificate template information"},
    {0x80094803u, "CERTSRV_E_SUBJECT_ALT_NAME_REQUIRED",
     "The request is missing a required Subject Alternate name extension"},
    {0x80094811u, "CERTSRV_E_KEY_LENGTH",
     "The public key does not meet the minimum size required by the template"},
    {0x800B0101u, "CERT_E_EXPIRED", "A required certificate is not within its validity period"},
    {0x800B0109u, "CERT_E_UNTRUSTEDROOT",
     "A certificate chain terminated in a root certificate that is not trusted"},
    {0x800B010Au, "CERT_E_CHAINING", "A certificate chain could not be built to a trusted root"},
    {0x800B010Cu, "CERT_E_REVOKED", "A certificate was explicitly revoked by its issuer"},
    {0x800B010Eu, "CERT_E_REVOCATION_FAILURE", "The revocation process could not continue"},
};

static const hresult_name *hresult_find(uint32_t hr)
{
    size_t i;

    for (i = 0; i < sizeof(hresults) / sizeof(hresults[0]); i++)
        if (hresults[i].code == hr)
            return &hresults[i];
    return NULL;
}

const char *ss_scep_hresult_name(uint32_t hr)
{
    const hresult_name *h = hresult_find(hr);
    return h ? h->name : NULL;
}

const char *ss_scep_hresult_text(uint32_t hr)
{
    const hresult_name *h = hresult_find(hr);
    return h ? h->text : NULL;
}

/* Length of the well-formed UTF-8 sequence at s (n bytes available) and its code point;
 * 0 when the bytes are not well-formed UTF-8 (overlong, surrogate, beyond U+10FFFF, cut). */
static size_t utf8_seq(const uint8_t *s, size_t n, uint32_t *cp)
{
    uint8_t b = s[0];
    uint8_t lo = 0x80, hi = 0xBF;
    size_t len, i;
    uint32_t c;

    if (b >= 0xC2 && b <= 0xDF) {
        len = 2;
        c = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
        len = 3;
        c = b & 0x0F;
        if (b == 0xE0)
            lo = 0xA0;
        else if (b == 0xED)
            hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4;
        c = b & 0x07;
        if (b == 0xF0)
            lo = 0x90;
        else if (b == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        uint8_t t = s[i];
        if (t < (i == 1 ? lo : 0x80) || t > (i == 1 ? hi : 0xBF))
            return 0;
        c = (c << 6) | (t & 0x3F);
    }
    *cp = c;
    return len;
}

/* Code points that reorder or hide text on a terminal (C1 controls, bidi controls, BOM). */
static int cp_hidden(uint32_t c)
{
    return (c >= 0x80 && c <= 0x9F) || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
           (c >= 0x2066 && c <= 0x2069) || c == 0x2028 || c == 0x2029 || c == 0xFEFF;
}

int ss_scep_sanitize(char *dst, size_t dstlen, const uint8_t *src, size_t n)
{
    size_t i = 0, pos = 0;
    size_t marks[4] = {0, 0, 0, 0}; /* where the last pieces started, to back off for "..." */
    unsigned head = 0, count = 0;

    if (dstlen == 0)
        return 1;
    while (i < n) {
        char piece[16];
        size_t plen, used = 0;
        uint32_t cp = 0;
        uint8_t b = src[i];

        if (b >= 0x20 && b < 0x7F) {
            piece[0] = (char)b;
            plen = used = 1;
        } else if (b >= 0x80 && (used = utf8_seq(src + i, n - i, &cp)) > 0 && !cp_hidden(cp)) {
            memcpy(piece, src + i, used);
            plen = used;
        } else if (b >= 0x80 && used > 0) {
            plen = (size_t)snprintf(piece, sizeof(piece), "\\u{%04X}", (unsigned)cp);
        } else {
            plen = (size_t)snprintf(piece, sizeof(piece), "\\x%02X", b);
            used = 1;
        }
        if (pos + plen + 1 > dstlen) {
            /* Back off whole pieces until "..." fits. */
            while (pos + 4 > dstlen && count > 0) {
                head = (head + 3) % 4;
                pos = marks[head];
                count--;
            }
            if (pos + 4 <= dstlen) {
                memcpy(dst + pos, "...", 3);
                pos += 3;
            }
            dst[pos < dstlen ? pos : dstlen - 1] = '\0';
            return 1;
        }
        marks[head] = pos;
        head = (head + 1) % 4;
        if (count < 4)
            count++;
        memcpy(dst + pos, piece, plen);
        pos += plen;
        i += used;
    }
    dst[pos] = '\0';
    return 0;
}

int ss_scep_hex(char *dst, size_t dstlen, const uint8_t *src, size_t n)
{
    static const char digits[] = "0123456789ABCDEF";
    size_t i, fit;
    int cut = 0;

    if (dstlen == 0)
        return 1;
    fit = (dstlen - 1) / 2;
    if (fit < n) {
        cut = 1;
        fit = dstlen > 4 ? (dstlen - 4) / 2 : 0;
    } else {
        fit = n;
    }
    for (i = 0; i < fit; i++) {
        dst[2 * i] = digits[src[i] >> 4];
        dst[2 * i + 1] = digits[src[i] & 0x0F];
    }
    dst[2 * fit] = '\0';
    if (cut && 2 * fit + 4 <= dstlen)
        memcpy(dst + 2 * fit, "...", 4);
    return cut;
}

/* scep_names.h — the vocabulary shared by the SCEP body decoders: how a decode went (status,
 * reason), the names of SCEP numbers (RFC 8894 section 3.2.1.2 messageType, 3.2.1.3 pkiStatus,
 * 3.2.1.4 failInfo), the failInfo numbers some CAs send beyond SCEP (RFC 4210 PKIFailureInfo,
 * e.g. EJBCA), common Windows HRESULTs from Microsoft NDES's SCEP error attribute, and the
 * helpers that turn wire bytes into text that is safe to print and to put in JSON.
 */
#ifndef SS_SCEP_NAMES_H
#define SS_SCEP_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* Bodies larger than this are not parsed: no SCEP message or certificate list comes close. */
#define SS_SCEP_MAX_BODY (1024u * 1024u)

typedef enum ss_scep_status {
    SS_SCEP_OK = 0,
    SS_SCEP_MALFORMED = 1, /* the bytes are there but are not what they should be */
    SS_SCEP_TRUNCATED = 2  /* the body ends before the object it starts; whether our capture
                              or the sender cut it is for the HTTP layer to say */
} ss_scep_status;

/* Why a body is not OK; stable numbers, extended only at the end. */
typedef enum ss_scep_reason {
    SS_SCEP_R_NONE = 0,
    SS_SCEP_R_EMPTY,         /* no bytes at all */
    SS_SCEP_R_TOO_LARGE,     /* over SS_SCEP_MAX_BODY */
    SS_SCEP_R_TEXT,          /* text (HTML, PEM, base64, ...) where DER was expected */
    SS_SCEP_R_NOT_DER,       /* the first bytes are not an ASN.1 SEQUENCE */
    SS_SCEP_R_TRUNCATED,     /* an object's declared length runs past the body */
    SS_SCEP_R_TRAILING,      /* bytes after the outermost object */
    SS_SCEP_R_TOO_DEEP,      /* ASN.1 nesting deeper than any SCEP message needs */
    SS_SCEP_R_BAD_ASN1,      /* OpenSSL rejected the structure */
    SS_SCEP_R_WRONG_TYPE,    /* valid ASN.1 of another kind (a certificate, EnvelopedData...) */
    SS_SCEP_R_NO_SIGNER,     /* SignedData without a signerInfo */
    SS_SCEP_R_MISSING_ATTR,  /* a signed attribute SCEP requires is absent */
    SS_SCEP_R_BAD_ATTR,      /* a signed attribute has the wrong type, count or value */
    SS_SCEP_R_BAD_CONTENT,   /* the encapsulated content is not what the messageType needs */
    SS_SCEP_R_NON_PRINTABLE, /* GetCACaps text with bytes that are not printable */
    SS_SCEP_R_NO_CERTS       /* a certificate response with no certificate */
} ss_scep_reason;

/* The outcome of one decode: the first problem found wins; decoding continues where it can so
 * that the fields before and after the problem are still filled. */
typedef struct ss_scep_verdict {
    ss_scep_status status;
    ss_scep_reason reason;
    char detail[160]; /* one line, printable ASCII */
} ss_scep_verdict;

/* Records a problem unless one is recorded already. TRUNCATED status for R_TRUNCATED, else
 * MALFORMED. printf-style detail. */
void ss_scep_verdict_set(ss_scep_verdict *v, ss_scep_reason r, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;

const char *ss_scep_status_name(ss_scep_status s); /* "ok", "malformed", "truncated" */
const char *ss_scep_reason_name(ss_scep_reason r); /* "not_der", "missing_attribute", ... */

/* SCEP messageType numbers (RFC 8894 3.2.1.2). */
enum {
    SS_SCEP_MT_CERTREP = 3,
    SS_SCEP_MT_RENEWALREQ = 17,
    SS_SCEP_MT_PKCSREQ = 19,
    SS_SCEP_MT_CERTPOLL = 20,
    SS_SCEP_MT_GETCERT = 21,
    SS_SCEP_MT_GETCRL = 22
};
enum { SS_SCEP_PKI_SUCCESS = 0, SS_SCEP_PKI_FAILURE = 2, SS_SCEP_PKI_PENDING = 3 };

/* Each returns NULL for a number it does not know; callers print the number then. */
const char *ss_scep_message_type_name(long t);
const char *ss_scep_pki_status_name(long s);
/* SCEP's own failInfo values 0..4 (badAlg .. badCertId). */
const char *ss_scep_fail_info_name(long f);
/* The RFC 4210 PKIFailureInfo bit name for numbers beyond SCEP's (EJBCA sends 6, 7, 9, 23,
 * 24 in SCEP replies); NULL for 0..4 and unknown numbers. */
const char *ss_scep_fail_info_cmp_name(long f);
/* Windows HRESULT symbol and message for the common NDES errors, NULL when not in the table. */
const char *ss_scep_hresult_name(uint32_t hr);
const char *ss_scep_hresult_text(uint32_t hr);

/* Copies n wire bytes into dst (size dstlen > 0, always NUL-terminated) as text safe for a
 * terminal and for JSON: printable ASCII and well-formed UTF-8 pass; control bytes, bytes of
 * broken UTF-8, C1 controls and bidirectional overrides become \xNN or \u{NNNN}. Cuts at a
 * character boundary and ends with "..." when dst is too small. Returns 1 when cut, else 0. */
int ss_scep_sanitize(char *dst, size_t dstlen, const uint8_t *src, size_t n);

/* Upper-case hex (as Windows shows thumbprints) of n bytes into dst (size dstlen > 0,
 * NUL-terminated); cut with "..." when dst is too small. Returns 1 when cut, else 0. */
int ss_scep_hex(char *dst, size_t dstlen, const uint8_t *src, size_t n);

#endif

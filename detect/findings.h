/* findings.h — the catalogue of findings: every problem (or notable healthy sign) scepsniff can
 * report, each with a stable code, a severity, a one-line summary, the likely causes, what to
 * check, and its anchor in docs/findings.md. One table (findings.c), documented one section per
 * code; codes are never renamed or reused once released.
 */
#ifndef SS_FINDINGS_H
#define SS_FINDINGS_H

#include "scepsniff/scepsniff.h"

typedef enum ss_finding_id {
    /* transport */
    SS_F_BLOCKED = 0,        /* SYNs unanswered */
    SS_F_REFUSED,            /* RST answered the SYN */
    SS_F_RESET_BY_SERVER,    /* RST from the server side mid-exchange */
    SS_F_RESET_BY_CLIENT,    /* RST from the client side mid-exchange */
    SS_F_NO_RESPONSE,        /* request complete, no response before close */
    SS_F_TIMED_OUT,          /* request complete, no response before the idle timeout */
    SS_F_REQUEST_TRUNCATED,  /* client closed before sending the declared request length */
    SS_F_RESPONSE_TRUNCATED, /* server closed before sending the declared response length */
    SS_F_CAPTURE_GAP,        /* bytes missing from OUR capture: not a network fault */
    SS_F_OPEN_AT_END,        /* still in flight when the capture ended: not a problem */
    /* HTTP / IIS / NDES / application proxy */
    SS_F_HTTP_403_BARE_URL,  /* healthy: mscep.dll intercepts */
    SS_F_HTTP_403_OPERATION, /* policy module refused */
    SS_F_HTTP_401,           /* Windows authentication on */
    SS_F_HTTP_404,
    SS_F_HTTP_URL_TOO_LONG, /* 414, IIS 404.14 / 404.15 */
    SS_F_HTTP_500,
    SS_F_HTTP_502,
    SS_F_HTTP_503,
    SS_F_HTTP_504,             /* app proxy GatewayTimeout: connector not running */
    SS_F_HTTP_OTHER_ERROR,     /* any other 4xx/5xx */
    SS_F_NDES_DEFAULT_PAGE,    /* 200 + "Network Device Enrollment Service" HTML */
    SS_F_APP_PROXY_ERROR_PAGE, /* "This page can't be displayed" */
    SS_F_HTML_NOT_SCEP,        /* HTML where a certificate or pkiMessage was expected */
    SS_F_WRONG_CONTENT_TYPE,   /* SCEP reply with an unexpected content type (not HTML) */
    /* SCEP */
    SS_F_SCEP_FAILURE, /* CertRep pkiStatus FAILURE (failInfo, NDES HRESULT in detail) */
    SS_F_SCEP_PENDING, /* CertRep PENDING */
    SS_F_SCEP_ISSUED,  /* CertRep SUCCESS: healthy */
    SS_F_SCEP_MALFORMED_REQUEST,
    SS_F_SCEP_MALFORMED_REPLY,
    SS_F_SCEP_TXID_MISMATCH,   /* reply transactionID differs from the request's */
    SS_F_SCEP_NONCE_MISMATCH,  /* reply recipientNonce is not the request's senderNonce */
    SS_F_SCEP_NO_CONTENT_TYPE, /* CertRep signed attributes lack the CMS contentType */
    /* warnings before failure */
    SS_F_URL_OVER_IIS_LIMIT, /* GET PKIOperation query > 2048 or URL > 4096 (IIS defaults) */
    SS_F_URL_NEAR_HTTPSYS_LIMIT,
    SS_F_MESSAGE_PLUS_UNESCAPED,
    SS_F_MESSAGE_BASE64URL,
    SS_F_MESSAGE_BAD_BASE64, /* bad padding or characters */
    SS_F_SINGLE_DES,
    SS_F_RSA_OAEP,
    SS_F_UNKNOWN_RECIPIENT, /* encrypted to a cert the server did not hand out in this capture */
    SS_F_CERT_EXPIRED,      /* CA/RA certificate expired at capture time */
    SS_F_CERT_NOT_YET_VALID,
    SS_F_CERT_EXPIRING, /* within the warning horizon */
    SS_F_CAPS_NO_SHA2,
    SS_F_CAPS_NO_AES,
    /* enrollments */
    SS_F_ENROLL_STALLED, /* CA certificate fetched, no PKIOperation followed */
    /* the request opened with the RA key (--ra-key) */
    SS_F_RA_KEY_NO_MATCH, /* no given key opens the request */
    SS_F_RA_KEY_OLD_CERT, /* opened by a key whose certificate is not the recipient */
    SS_F_CSR_SIGNATURE_INVALID,
    SS_F_CSR_WEAK_KEY,           /* RSA < 2048 */
    SS_F_CSR_NO_SAN,             /* Android device, no subjectAltName */
    SS_F_CSR_EMPTY_IDENTITY,     /* empty subject and no SAN */
    SS_F_CSR_SIGNER_KEY_DIFFERS, /* PKCSReq signed by another key than the CSR's */
    /* TLS (HTTPS to NDES or the application proxy) */
    SS_F_TLS_ALERT,        /* the handshake ended with a fatal alert */
    SS_F_TLS_INCOMPLETE,   /* the handshake never completed, no alert */
    SS_F_TLS_CERT_EXPIRED, /* server certificate expired at capture time */
    SS_F_TLS_CERT_NOT_YET_VALID,
    SS_F_TLS_CERT_NAME_MISMATCH, /* server certificate does not cover the SNI */
    SS_F_TLS_NOT_DECRYPTED,      /* keys given, this connection not decrypted */
    SS_F_TLS_ENCRYPTED,          /* healthy TLS to a SCEP host, no key: sizes only */
    /* CA and RA certificates beyond their dates (detect/cert_checks.c) */
    SS_F_CA_THUMBPRINT_MISMATCH,      /* no CA in the answer is the one the profile trusts */
    SS_F_RA_ENCRYPT_MISSING,          /* RA set without a keyEncipherment certificate */
    SS_F_RA_SIGN_MISSING,             /* RA set without a digitalSignature certificate */
    SS_F_RA_NOT_ISSUED_BY_CA,         /* an RA certificate not issued by a CA in the answer */
    SS_F_REPLY_SIGNATURE_INVALID,     /* the CertRep's signature does not verify */
    SS_F_REPLY_SIGNER_NO_DIGITAL_SIG, /* an RA signed the CertRep without digitalSignature */
    SS_F_COUNT
} ss_finding_id;

typedef struct ss_finding_def {
    const char *code; /* stable, e.g. "transport.blocked", "http.503", "scep.failure" */
    scepsniff_severity severity;
    const char *summary; /* one line, in words an administrator acts on */
    const char *causes;  /* likely causes, most likely first, "; "-separated */
    const char *check;   /* what to check, "; "-separated */
} ss_finding_def;

/* The definition of id. Never NULL: an id outside the catalogue gets a static entry whose code
 * is "" (and whose strings are all non-NULL). The strings are static; they contain '%'
 * (Windows paths), so never use them as a printf format. */
const ss_finding_def *ss_finding_get(ss_finding_id id);
/* The docs/findings.md link for a code: "docs/findings.md#" + the code with '.' and '_' turned
 * into '-', i.e. the GitHub anchor of the section heading "### transport-blocked" (GitHub would
 * drop the dots of a "transport.blocked" heading). Always NUL-terminated, cut to fit len; does
 * nothing when buf is NULL or len is 0. 96 bytes (scepsniff_finding.doc) fit every code. */
void ss_finding_doc(const char *code, char *buf, size_t len);

#endif

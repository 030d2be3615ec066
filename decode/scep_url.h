/* scep_url.h — is this HTTP request SCEP, and which operation? Read from the request line only.
 *
 * SCEP puts the operation and (for GET) the message in the query string (RFC 8894 section 4.1:
 * "?operation=OPERATION&message=MESSAGE"). A request is SCEP when its path is Microsoft NDES'
 * (/certsrv/mscep/mscep.dll, optionally /pkiclient.exe after it; case-insensitive as IIS is) or
 * a conventional SCEP path (a "scep" segment, a last segment "pkiclient.exe"), or when any path
 * carries operation= with a SCEP operation name. For GET PKIOperation, message= is the
 * URL-escaped standard base64 of a DER pkiMessage: it is decoded here, and the damage servers
 * trip on (an unescaped '+', which they read as a space; base64url characters; bad padding;
 * ...) is listed bit by bit. Everything is bounded; the result is a plain value with one owned
 * buffer (the decoded DER) released by ss_scep_url_free().
 */
#ifndef SS_SCEP_URL_H
#define SS_SCEP_URL_H

#include <stddef.h>
#include <stdint.h>

/* IIS request filtering defaults NDES must raise (to 65534): maxQueryString counts the query
 * after '?', maxUrl the part before it. Compare with ss_scep_url.query_len / path_len. */
#define SS_SCEP_IIS_MAX_QUERY 2048u
#define SS_SCEP_IIS_MAX_URL   4096u

/* message= values longer than this (as sent) are not decoded: NDES' raised limit is 65534. */
#define SS_SCEP_URL_MAX_MESSAGE 65536u

typedef enum ss_scep_op {
    SS_SCEP_OP_NONE = 0, /* no operation= parameter (a bare URL) */
    SS_SCEP_OP_GETCACAPS,
    SS_SCEP_OP_GETCACERT,
    SS_SCEP_OP_GETNEXTCACERT,
    SS_SCEP_OP_PKIOPERATION,
    SS_SCEP_OP_OTHER /* operation= with a value SCEP does not define: see op_text */
} ss_scep_op;

typedef enum ss_scep_path {
    SS_SCEP_PATH_OTHER = 0,
    SS_SCEP_PATH_NDES,           /* /certsrv/mscep/mscep.dll */
    SS_SCEP_PATH_NDES_PKICLIENT, /* /certsrv/mscep/mscep.dll/pkiclient.exe */
    SS_SCEP_PATH_NDES_ADMIN,     /* /certsrv/mscep_admin...: NDES' challenge page, not SCEP */
    SS_SCEP_PATH_GENERIC         /* a "scep" segment or a last segment "pkiclient.exe" */
} ss_scep_path;

/* Damage found in a GET PKIOperation message= value (bits of ss_scep_url.damage). */
enum {
    SS_SCEP_MSG_RAW_PLUS = 1u << 0,       /* '+' sent unescaped: servers decode it as a space */
    SS_SCEP_MSG_SPACE = 1u << 1,          /* a space after percent-decoding (%20) */
    SS_SCEP_MSG_BASE64URL = 1u << 2,      /* '-' or '_' (base64url) in standard base64 */
    SS_SCEP_MSG_PAD_MISSING = 1u << 3,    /* length not a multiple of 4 and no '=' */
    SS_SCEP_MSG_PAD_BAD = 1u << 4,        /* '=' misplaced, too many, or an impossible length */
    SS_SCEP_MSG_INVALID_CHAR = 1u << 5,   /* a byte that is not base64 in any variant */
    SS_SCEP_MSG_BAD_PERCENT = 1u << 6,    /* '%' not followed by two hex digits */
    SS_SCEP_MSG_LINE_BREAK = 1u << 7,     /* CR or LF (%0D/%0A) inside the base64 */
    SS_SCEP_MSG_DOUBLE_ENCODED = 1u << 8, /* percent-escaped twice (%252B) */
    SS_SCEP_MSG_TOO_LONG = 1u << 9,       /* longer than SS_SCEP_URL_MAX_MESSAGE: not decoded */
    SS_SCEP_MSG_EMPTY = 1u << 10          /* message= absent or empty */
};
#define SS_SCEP_MSG_NBITS 11

/* What became of message= for GET PKIOperation. */
typedef enum ss_scep_der_status {
    SS_SCEP_DER_NONE = 0, /* not a GET PKIOperation, or no message */
    SS_SCEP_DER_OK,       /* decoded as sent: a strict server reads the same bytes */
    SS_SCEP_DER_REPAIRED, /* decoded only after undoing the damage listed in .damage */
    SS_SCEP_DER_FAILED,   /* not decodable even after repair (invalid characters, length) */
    SS_SCEP_DER_TOO_LONG, /* over SS_SCEP_URL_MAX_MESSAGE */
    SS_SCEP_DER_NOMEM     /* out of memory while decoding */
} ss_scep_der_status;

typedef struct ss_scep_url {
    int is_scep; /* 1: by path or by operation= */
    ss_scep_path path_kind;
    ss_scep_op op;
    int op_case_differs; /* the value matched a SCEP operation only ignoring case */
    int op_repeated;     /* more than one operation= (the first is used) */
    char op_text[64];    /* operation= value, percent-decoded, cut to fit, NUL-terminated */
    int is_get;          /* method is GET */
    size_t url_len;      /* whole request-target, bytes as sent */
    size_t path_len;     /* before '?' */
    size_t query_len;    /* after '?' (0 without a query) */
    int has_query;
    int has_message;        /* message= present (possibly empty) */
    size_t message_len;     /* message= value length as sent (escaped) */
    char message_text[128]; /* message= form-decoded, for labels ("SCEP Authority"); empty for
                               GET PKIOperation (decoded into der instead); cut to fit */
    unsigned damage;        /* SS_SCEP_MSG_* (GET PKIOperation only) */
    ss_scep_der_status der_status;
    uint8_t *der; /* decoded pkiMessage (malloc'd, owned; NULL when none) */
    size_t der_len;
} ss_scep_url;

/* Reads method and request-target (raw bytes, not NUL-terminated; either may be NULL when its
 * length is 0). Always fills *out (zeroed first). Returns 0, or -1 when only an allocation
 * failed (then der_status is SS_SCEP_DER_NOMEM and the rest is filled). Release with
 * ss_scep_url_free(). */
int ss_scep_url_parse(const uint8_t *method, size_t method_len, const uint8_t *uri, size_t uri_len,
                      ss_scep_url *out);

/* Frees the decoded DER; u may be NULL. Leaves u zeroed. */
void ss_scep_url_free(ss_scep_url *u);

/* Moves the owned buffer: *dst gets src's content and src no longer owns anything. */
void ss_scep_url_move(ss_scep_url *dst, ss_scep_url *src);

/* Names for reports: "GetCACaps", ..., "none", "other"; "ndes", ...; "raw_plus", ... (one
 * damage bit; NULL for an unknown bit); "ok", "repaired", ... */
const char *ss_scep_op_name(ss_scep_op op);
const char *ss_scep_path_name(ss_scep_path p);
const char *ss_scep_damage_name(unsigned bit);
const char *ss_scep_der_status_name(ss_scep_der_status s);

#endif

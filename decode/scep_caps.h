/* scep_caps.h — the GetCACaps response (RFC 8894 section 3.5.2): capability keywords, one per
 * line, in text/plain.
 *
 * Keywords are matched case-insensitively against the known list and reported in their
 * canonical spelling; unknown lines are kept (bounded, sanitized). Lines end in LF or CRLF.
 * An empty body is valid: RFC 8894 says the client then assumes no capability.
 */
#ifndef SS_SCEP_CAPS_H
#define SS_SCEP_CAPS_H

#include <stddef.h>
#include <stdint.h>

#include "scep_names.h"

enum {
    SS_SCEP_CAP_AES = 1u << 0,
    SS_SCEP_CAP_DES3 = 1u << 1,
    SS_SCEP_CAP_GETNEXTCACERT = 1u << 2,
    SS_SCEP_CAP_POSTPKIOPERATION = 1u << 3,
    SS_SCEP_CAP_RENEWAL = 1u << 4,
    SS_SCEP_CAP_SHA1 = 1u << 5,
    SS_SCEP_CAP_SHA256 = 1u << 6,
    SS_SCEP_CAP_SHA512 = 1u << 7,
    SS_SCEP_CAP_SCEPSTANDARD = 1u << 8,
    SS_SCEP_CAP_UPDATE = 1u << 9 /* obsolete */
};
#define SS_SCEP_CAP_COUNT 10
/* Canonical keyword of bit i (0 <= i < SS_SCEP_CAP_COUNT), e.g. "POSTPKIOperation". */
const char *ss_scep_cap_name(unsigned i);

#define SS_SCEP_MAX_UNKNOWN_CAPS 16
#define SS_SCEP_CAP_LEN          64

typedef struct ss_scep_caps {
    ss_scep_verdict verdict;
    size_t body_len;
    uint32_t flags;        /* SS_SCEP_CAP_* offered */
    unsigned lines;        /* non-empty lines */
    unsigned noncanonical; /* known keywords spelled in another case */
    unsigned duplicates;   /* known keywords offered more than once */
    unsigned nunknown;
    unsigned unknown_dropped; /* beyond SS_SCEP_MAX_UNKNOWN_CAPS, counted */
    char unknown[SS_SCEP_MAX_UNKNOWN_CAPS][SS_SCEP_CAP_LEN];
} ss_scep_caps;

/* Decodes a GetCACaps body. Always fills *out. Returns 0 when clean, -1 otherwise (a
 * non-printable byte, an HTML page, an oversized body: see out->verdict). */
int ss_scep_caps_decode(const uint8_t *body, size_t len, ss_scep_caps *out);

#endif

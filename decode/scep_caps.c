/* scep_caps.c — GetCACaps keywords (RFC 8894 section 3.5.2), see scep_caps.h. The body is
 * read through the checked cursor; nothing here trusts a length it did not count.
 */
#include "scep_caps.h"

#include <string.h>
#include <strings.h>

#include "capture/cursor.h"

static const char *const cap_names[SS_SCEP_CAP_COUNT] = {
    "AES",   "DES3",    "GetNextCACert", "POSTPKIOperation", "Renewal",
    "SHA-1", "SHA-256", "SHA-512",       "SCEPStandard",     "Update"};

const char *ss_scep_cap_name(unsigned i)
{
    return i < SS_SCEP_CAP_COUNT ? cap_names[i] : "unknown";
}

static void keyword(ss_scep_caps *c, const uint8_t *p, size_t n)
{
    unsigned i;

    while (n > 0 && (p[0] == ' ' || p[0] == '\t')) {
        p++;
        n--;
    }
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    if (n == 0)
        return;
    c->lines++;
    for (i = 0; i < SS_SCEP_CAP_COUNT; i++) {
        size_t kl = strlen(cap_names[i]);

        if (kl != n || strncasecmp((const char *)p, cap_names[i], n) != 0)
            continue;
        if (memcmp(p, cap_names[i], n) != 0)
            c->noncanonical++;
        if (c->flags & (1u << i))
            c->duplicates++;
        c->flags |= 1u << i;
        return;
    }
    if (c->nunknown == SS_SCEP_MAX_UNKNOWN_CAPS) {
        c->unknown_dropped++;
        return;
    }
    ss_scep_sanitize(c->unknown[c->nunknown++], SS_SCEP_CAP_LEN, p, n);
}

int ss_scep_caps_decode(const uint8_t *body, size_t len, ss_scep_caps *out)
{
    ss_cursor cur = ss_cur(body, len);
    size_t i;

    memset(out, 0, sizeof(*out));
    out->body_len = len;
    if (len > SS_SCEP_MAX_BODY) {
        ss_scep_verdict_set(&out->verdict, SS_SCEP_R_TOO_LARGE,
                            "%zu bytes, more than the %u a capability list may have", len,
                            SS_SCEP_MAX_BODY);
        return -1;
    }
    /* Printable ASCII only; CR only as part of CRLF. */
    for (i = 0; i < len; i++) {
        uint8_t b = body[i];

        if ((b >= 0x20 && b < 0x7F) || b == '\n' || b == '\t' ||
            (b == '\r' && i + 1 < len && body[i + 1] == '\n') || (b == '\r' && i + 1 == len))
            continue;
        ss_scep_verdict_set(&out->verdict, SS_SCEP_R_NON_PRINTABLE,
                            "byte 0x%02X at offset %zu is not printable text; not a capability "
                            "list",
                            b, i);
        return -1;
    }
    for (i = 0;
         i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'); i++)
        ;
    if (i < len && body[i] == '<') {
        char head[40];

        ss_scep_sanitize(head, sizeof(head), body + i, len - i < 24 ? len - i : 24);
        ss_scep_verdict_set(&out->verdict, SS_SCEP_R_WRONG_TYPE,
                            "HTML/XML markup, not a capability list: \"%s\"", head);
        return -1;
    }
    /* Split on LF; a CR before it belongs to the line ending. */
    while (cur.len > 0) {
        const uint8_t *nl = memchr(cur.p, '\n', cur.len);
        size_t n = nl ? (size_t)(nl - cur.p) : cur.len;
        const uint8_t *line;

        if (ss_cur_bytes(&cur, n, &line) < 0 || (nl && ss_cur_skip(&cur, 1) < 0))
            break;
        if (n > 0 && line[n - 1] == '\r')
            n--;
        keyword(out, line, n);
    }
    return 0;
}

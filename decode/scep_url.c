/* scep_url.c — SCEP recognition from the request line (see scep_url.h; RFC 8894 section 4.1).
 *
 * Percent-decoding and query splitting are done here rather than with libhtp's URL decoder and
 * urlencoded parser: those turn '+' into a space and %2B into '+' alike, and the one thing this
 * file must tell apart is exactly that provenance (an unescaped '+' is the classic SCEP GET
 * failure). Base64 itself is decoded by OpenSSL (see decode_base64()).
 */
#include "scep_url.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

/* Normalised paths longer than this are no known SCEP path. */
#define PATH_NORM_MAX 512u

static const char *const op_names[] = {"GetCACaps", "GetCACert", "GetNextCACert", "PKIOperation"};

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static uint8_t lower(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c - 'A' + 'a') : c;
}

/* Decodes %XX at s[i] (i < n); returns the byte or -1 when it is no valid escape. */
static int escape_at(const uint8_t *s, size_t n, size_t i)
{
    int h, l;

    if (s[i] != '%' || n - i < 3)
        return -1;
    h = hexval(s[i + 1]);
    l = hexval(s[i + 2]);
    if (h < 0 || l < 0)
        return -1;
    return h * 16 + l;
}

/* Form-decodes s (percent escapes, '+' as space) into a NUL-terminated text of at most cap-1
 * bytes; NUL bytes become '?'. Returns the decoded length before cutting. */
static size_t form_decode(const uint8_t *s, size_t n, char *out, size_t cap)
{
    size_t i = 0, o = 0, full = 0;

    while (i < n) {
        int b = escape_at(s, n, i);
        if (b >= 0) {
            i += 3;
        } else {
            b = s[i] == '+' ? ' ' : s[i];
            i++;
        }
        if (b == 0)
            b = '?';
        if (o + 1 < cap)
            out[o++] = (char)b;
        full++;
    }
    if (cap)
        out[o] = '\0';
    return full;
}

/* Case-insensitive match of a form-decoded name against a lowercase literal. */
static int name_is(const uint8_t *s, size_t n, const char *lit)
{
    char buf[32];
    size_t full = form_decode(s, n, buf, sizeof(buf));
    size_t i;

    if (full != strlen(lit) || full >= sizeof(buf))
        return 0;
    for (i = 0; i < full; i++)
        if (lower((uint8_t)buf[i]) != (uint8_t)lit[i])
            return 0;
    return 1;
}

/* Path as IIS compares it: percent-decoded, '\' as '/', repeated '/' collapsed, lowercase, no
 * trailing '/'. Returns the length, or 0 when it does not fit (no SCEP path is that long). */
static size_t normalise_path(const uint8_t *p, size_t n, char *out)
{
    size_t i = 0, o = 0;

    while (i < n) {
        int b = escape_at(p, n, i);
        if (b >= 0) {
            i += 3;
        } else {
            b = p[i];
            i++;
        }
        if (b == '\\')
            b = '/';
        if (b == '/' && o > 0 && out[o - 1] == '/')
            continue;
        if (o + 1 >= PATH_NORM_MAX)
            return 0;
        out[o++] = (char)lower((uint8_t)b);
    }
    while (o > 1 && out[o - 1] == '/')
        o--;
    out[o] = '\0';
    return o;
}

static int has_segment(const char *path, const char *seg)
{
    size_t sl = strlen(seg);
    const char *p = path;

    while ((p = strchr(p, '/')) != NULL) {
        p++;
        if (strncmp(p, seg, sl) == 0 && (p[sl] == '/' || p[sl] == '\0'))
            return 1;
    }
    return 0;
}

static ss_scep_path classify_path(const uint8_t *p, size_t n)
{
    char norm[PATH_NORM_MAX];
    size_t len = normalise_path(p, n, norm);
    const char *last;

    if (len == 0)
        return SS_SCEP_PATH_OTHER;
    if (strcmp(norm, "/certsrv/mscep/mscep.dll") == 0)
        return SS_SCEP_PATH_NDES;
    if (strcmp(norm, "/certsrv/mscep/mscep.dll/pkiclient.exe") == 0)
        return SS_SCEP_PATH_NDES_PKICLIENT;
    if (strncmp(norm, "/certsrv/mscep_admin", 20) == 0 && (norm[20] == '/' || norm[20] == '\0'))
        return SS_SCEP_PATH_NDES_ADMIN;
    last = strrchr(norm, '/');
    if ((last && strcmp(last, "/pkiclient.exe") == 0) || has_segment(norm, "scep"))
        return SS_SCEP_PATH_GENERIC;
    return SS_SCEP_PATH_OTHER;
}

static void set_op(ss_scep_url *u, const uint8_t *v, size_t n)
{
    size_t i, k;

    form_decode(v, n, u->op_text, sizeof(u->op_text));
    u->op = SS_SCEP_OP_OTHER;
    for (i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++) {
        const char *name = op_names[i];
        size_t nl = strlen(name);
        if (strlen(u->op_text) != nl)
            continue;
        if (strcmp(u->op_text, name) == 0) {
            u->op = (ss_scep_op)(SS_SCEP_OP_GETCACAPS + i);
            u->op_case_differs = 0;
            return;
        }
        for (k = 0; k < nl; k++)
            if (lower((uint8_t)u->op_text[k]) != lower((uint8_t)name[k]))
                break;
        if (k == nl) {
            u->op = (ss_scep_op)(SS_SCEP_OP_GETCACAPS + i);
            u->op_case_differs = 1;
        }
    }
}

static int is_b64(int b)
{
    return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '+' ||
           b == '/';
}

/* Decodes meant[0..n) (standard alphabet, '=' only at the end) into u->der. EVP_DecodeBlock
 * rather than a base64 BIO: the input is one bounded buffer already in hand, and the BIO
 * silently stops at the first bad character (a short result that would hide damage), where
 * EVP_DecodeBlock fails outright. Its one quirk: it counts padding as output bytes, so the pad
 * count is subtracted. */
static void decode_base64(ss_scep_url *u, char *meant, size_t n)
{
    size_t data = n, pad;
    int got;

    while (data > 0 && meant[data - 1] == '=')
        data--;
    /* an '=' before the end cannot be undone: the sender's intent is unknown */
    if (data % 4 == 1 || data == 0 || memchr(meant, '=', data)) {
        u->der_status = SS_SCEP_DER_FAILED;
        return;
    }
    pad = (4 - data % 4) % 4;
    /* meant has room: the caller sized it to the escaped length + 2 */
    memset(meant + data, '=', pad);
    n = data + pad;
    u->der = malloc(n / 4 * 3);
    if (!u->der) {
        u->der_status = SS_SCEP_DER_NOMEM;
        return;
    }
    got = EVP_DecodeBlock(u->der, (const unsigned char *)meant, (int)n);
    if (got < 0 || (size_t)got < pad) {
        free(u->der);
        u->der = NULL;
        u->der_status = SS_SCEP_DER_FAILED;
        return;
    }
    u->der_len = (size_t)got - pad;
}

/* Classifies one decoded byte of message= and appends what the sender meant to meant[]. */
static void take_byte(ss_scep_url *u, int b, char *meant, size_t *m, int *seen_pad)
{
    if (b == '-' || b == '_') {
        u->damage |= SS_SCEP_MSG_BASE64URL;
        b = b == '-' ? '+' : '/';
    } else if (b == ' ') {
        u->damage |= SS_SCEP_MSG_SPACE;
        b = '+';
    } else if (b == '\r' || b == '\n') {
        u->damage |= SS_SCEP_MSG_LINE_BREAK;
        return;
    }
    if (b == '=') {
        *seen_pad = 1;
    } else if (is_b64(b)) {
        if (*seen_pad)
            u->damage |= SS_SCEP_MSG_PAD_BAD;
    } else {
        u->damage |= SS_SCEP_MSG_INVALID_CHAR;
        return;
    }
    meant[(*m)++] = (char)b;
}

/* GET PKIOperation: lists the damage in the escaped value v and decodes what was meant. */
static void analyse_message(ss_scep_url *u, const uint8_t *v, size_t n)
{
    char *meant = NULL;
    size_t i = 0, m = 0, pads = 0, data;
    int seen_pad = 0;

    if (n == 0) {
        u->damage |= SS_SCEP_MSG_EMPTY;
        return;
    }
    if (n > SS_SCEP_URL_MAX_MESSAGE) {
        u->damage |= SS_SCEP_MSG_TOO_LONG;
        u->der_status = SS_SCEP_DER_TOO_LONG;
        return;
    }
    meant = malloc(n + 2);
    if (!meant) {
        u->der_status = SS_SCEP_DER_NOMEM;
        return;
    }
    while (i < n) {
        int b = escape_at(v, n, i);
        if (b >= 0) {
            i += 3;
            /* %25 followed by two hex digits: escaped twice */
            if (b == '%' && n - i >= 2 && hexval(v[i]) >= 0 && hexval(v[i + 1]) >= 0) {
                b = hexval(v[i]) * 16 + hexval(v[i + 1]);
                i += 2;
                u->damage |= SS_SCEP_MSG_DOUBLE_ENCODED;
            }
        } else if (v[i] == '%') {
            u->damage |= SS_SCEP_MSG_BAD_PERCENT;
            i++;
            continue;
        } else if (v[i] == '+') {
            /* a server reads a space; the sender meant base64's '+' */
            u->damage |= SS_SCEP_MSG_RAW_PLUS;
            i++;
            meant[m++] = '+';
            if (seen_pad)
                u->damage |= SS_SCEP_MSG_PAD_BAD;
            continue;
        } else {
            b = v[i++];
        }
        take_byte(u, b, meant, &m, &seen_pad);
    }
    if (u->damage & (SS_SCEP_MSG_INVALID_CHAR | SS_SCEP_MSG_BAD_PERCENT)) {
        /* with characters dropped, the length says nothing about padding */
        u->der_status = SS_SCEP_DER_FAILED;
    } else {
        while (pads < m && meant[m - 1 - pads] == '=')
            pads++;
        data = m - pads;
        if (pads > 2 || (pads > 0 && (data + pads) % 4 != 0) || data % 4 == 1)
            u->damage |= SS_SCEP_MSG_PAD_BAD;
        else if (pads == 0 && data % 4 != 0)
            u->damage |= SS_SCEP_MSG_PAD_MISSING;
        decode_base64(u, meant, m);
        if (u->der_status == SS_SCEP_DER_NONE)
            u->der_status = u->damage ? SS_SCEP_DER_REPAIRED : SS_SCEP_DER_OK;
    }
    free(meant);
}

/* Skips "scheme://authority" of an absolute-form request-target. */
static size_t skip_absolute(const uint8_t *p, size_t n)
{
    static const char *const schemes[] = {"http://", "https://"};
    size_t s, i, sl;

    for (s = 0; s < 2; s++) {
        sl = strlen(schemes[s]);
        if (n < sl)
            continue;
        for (i = 0; i < sl; i++)
            if (lower(p[i]) != (uint8_t)schemes[s][i])
                break;
        if (i < sl)
            continue;
        for (i = sl; i < n && p[i] != '/'; i++)
            ;
        return i;
    }
    return 0;
}

int ss_scep_url_parse(const uint8_t *method, size_t method_len, const uint8_t *uri, size_t uri_len,
                      ss_scep_url *out)
{
    const uint8_t *q, *msg = NULL;
    size_t path_end, start, i, msg_len = 0;
    int have_op = 0;

    memset(out, 0, sizeof(*out));
    out->is_get = method_len == 3 && memcmp(method, "GET", 3) == 0;
    out->url_len = uri_len;
    if (uri_len == 0)
        return 0;

    q = memchr(uri, '?', uri_len);
    path_end = q ? (size_t)(q - uri) : uri_len;
    out->path_len = path_end;
    out->has_query = q != NULL;
    out->query_len = q ? uri_len - path_end - 1 : 0;
    start = skip_absolute(uri, path_end);
    out->path_kind = classify_path(uri + start, path_end - start);

    /* query: name[=value] pairs split by '&' */
    i = q ? path_end + 1 : uri_len;
    while (i < uri_len) {
        const uint8_t *pair = uri + i, *amp, *eq;
        size_t plen, nlen;

        amp = memchr(pair, '&', uri_len - i);
        plen = amp ? (size_t)(amp - pair) : uri_len - i;
        i += plen + 1;
        eq = memchr(pair, '=', plen);
        nlen = eq ? (size_t)(eq - pair) : plen;
        if (name_is(pair, nlen, "operation")) {
            if (have_op) {
                out->op_repeated = 1;
                continue;
            }
            have_op = 1;
            set_op(out, eq ? eq + 1 : pair + plen, eq ? plen - nlen - 1 : 0);
        } else if (name_is(pair, nlen, "message") && !out->has_message) {
            out->has_message = 1;
            msg = eq ? eq + 1 : pair + plen;
            msg_len = eq ? plen - nlen - 1 : 0;
        }
    }
    out->message_len = msg_len;

    out->is_scep = out->path_kind == SS_SCEP_PATH_NDES ||
                   out->path_kind == SS_SCEP_PATH_NDES_PKICLIENT ||
                   out->path_kind == SS_SCEP_PATH_GENERIC ||
                   (out->op != SS_SCEP_OP_NONE && out->op != SS_SCEP_OP_OTHER);

    if (out->op == SS_SCEP_OP_PKIOPERATION && out->is_get) {
        if (!out->has_message)
            out->damage |= SS_SCEP_MSG_EMPTY;
        else
            analyse_message(out, msg, msg_len);
    } else if (out->has_message) {
        form_decode(msg, msg_len, out->message_text, sizeof(out->message_text));
    }
    return out->der_status == SS_SCEP_DER_NOMEM ? -1 : 0;
}

void ss_scep_url_free(ss_scep_url *u)
{
    if (!u)
        return;
    free(u->der);
    memset(u, 0, sizeof(*u));
}

void ss_scep_url_move(ss_scep_url *dst, ss_scep_url *src)
{
    *dst = *src;
    memset(src, 0, sizeof(*src));
}

const char *ss_scep_op_name(ss_scep_op op)
{
    switch (op) {
    case SS_SCEP_OP_NONE:
        return "none";
    case SS_SCEP_OP_GETCACAPS:
    case SS_SCEP_OP_GETCACERT:
    case SS_SCEP_OP_GETNEXTCACERT:
    case SS_SCEP_OP_PKIOPERATION:
        return op_names[op - SS_SCEP_OP_GETCACAPS];
    case SS_SCEP_OP_OTHER:
        return "other";
    }
    return "unknown";
}

const char *ss_scep_path_name(ss_scep_path p)
{
    switch (p) {
    case SS_SCEP_PATH_OTHER:
        return "other";
    case SS_SCEP_PATH_NDES:
        return "ndes";
    case SS_SCEP_PATH_NDES_PKICLIENT:
        return "ndes_pkiclient";
    case SS_SCEP_PATH_NDES_ADMIN:
        return "ndes_admin";
    case SS_SCEP_PATH_GENERIC:
        return "generic";
    }
    return "unknown";
}

const char *ss_scep_damage_name(unsigned bit)
{
    static const char *const names[SS_SCEP_MSG_NBITS] = {
        "raw_plus",       "space",        "base64url",   "padding_missing",
        "padding_bad",    "invalid_char", "bad_percent", "line_break",
        "double_encoded", "too_long",     "empty"};
    unsigned i;

    for (i = 0; i < SS_SCEP_MSG_NBITS; i++)
        if (bit == 1u << i)
            return names[i];
    return NULL;
}

const char *ss_scep_der_status_name(ss_scep_der_status s)
{
    switch (s) {
    case SS_SCEP_DER_NONE:
        return "none";
    case SS_SCEP_DER_OK:
        return "ok";
    case SS_SCEP_DER_REPAIRED:
        return "repaired";
    case SS_SCEP_DER_FAILED:
        return "failed";
    case SS_SCEP_DER_TOO_LONG:
        return "too_long";
    case SS_SCEP_DER_NOMEM:
        return "nomem";
    }
    return "unknown";
}

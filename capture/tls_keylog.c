/* tls_keylog.c — the NSS key log reader and its bounded table (see tls_keylog.h).
 *
 * Format: https://nss-crypto.org/reference/security/nss/legacy/key_log_format/ (also
 * draft-ietf-tls-keylogfile); pcapng Decryption Secrets Block: draft-ietf-opsawg-pcapng 4.7.
 * Entries live in one array (grown by doubling up to the cap, then reused oldest first) and are
 * found through a chained hash on the client random, which is random by construction.
 */
#include "tls_keylog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#define NIL           UINT32_MAX
#define MAX_ENTRIES   (1u << 24)
#define FIRST_ENTRIES 64

typedef struct entry {
    ss_tls_keys k;
    uint32_t next; /* next entry in the same bucket */
} entry;

struct ss_tls_keylog {
    size_t max;    /* entries at most */
    size_t cap;    /* entries allocated */
    size_t count;  /* entries in use (== max once full) */
    size_t oldest; /* once full: the entry to reuse next */
    entry *e;
    uint32_t *bucket;
    size_t nbuckets; /* a power of two */
    ss_tls_keylog_stats st;
};

static const struct {
    const char *label;
    int kind; /* ss_tls_secret_kind, or -1: known and ignored */
} labels[] = {
    {"CLIENT_RANDOM", SS_TLS_SK_MASTER},
    {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", SS_TLS_SK_CLIENT_HS},
    {"SERVER_HANDSHAKE_TRAFFIC_SECRET", SS_TLS_SK_SERVER_HS},
    {"CLIENT_TRAFFIC_SECRET_0", SS_TLS_SK_CLIENT_AP0},
    {"SERVER_TRAFFIC_SECRET_0", SS_TLS_SK_SERVER_AP0},
};

ss_tls_keylog *ss_tls_keylog_new(size_t max_entries)
{
    ss_tls_keylog *kl = calloc(1, sizeof(*kl));

    if (!kl)
        return NULL;
    if (max_entries == 0)
        max_entries = SS_TLS_KEYLOG_DEFAULT_MAX;
    kl->max = max_entries < MAX_ENTRIES ? max_entries : MAX_ENTRIES;
    return kl;
}

void ss_tls_keylog_free(ss_tls_keylog *kl)
{
    if (!kl)
        return;
    if (kl->e)
        OPENSSL_cleanse(kl->e, kl->cap * sizeof(entry));
    free(kl->e);
    free(kl->bucket);
    free(kl);
}

static size_t hash(const ss_tls_keylog *kl, const uint8_t cr[32])
{
    uint64_t h = 0;

    for (int i = 0; i < 8; i++)
        h = (h << 8) | cr[i];
    h *= 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 32) & (kl->nbuckets - 1);
}

static void link_entry(ss_tls_keylog *kl, uint32_t i)
{
    size_t b = hash(kl, kl->e[i].k.client_random);

    kl->e[i].next = kl->bucket[b];
    kl->bucket[b] = i;
}

static void unlink_entry(ss_tls_keylog *kl, uint32_t i)
{
    uint32_t *pp = &kl->bucket[hash(kl, kl->e[i].k.client_random)];

    while (*pp != NIL) {
        if (*pp == i) {
            *pp = kl->e[i].next;
            return;
        }
        pp = &kl->e[*pp].next;
    }
}

static int grow(ss_tls_keylog *kl)
{
    size_t cap = kl->cap ? kl->cap * 2 : FIRST_ENTRIES, nb = 1;
    entry *e;
    uint32_t *bucket;

    if (cap > kl->max)
        cap = kl->max;
    while (nb < cap * 2)
        nb <<= 1;
    e = realloc(kl->e, cap * sizeof(entry));
    if (!e)
        return -1;
    kl->e = e;
    bucket = malloc(nb * sizeof(uint32_t));
    if (!bucket)
        return -1;
    free(kl->bucket);
    kl->bucket = bucket;
    kl->nbuckets = nb;
    kl->cap = cap;
    for (size_t i = 0; i < nb; i++)
        bucket[i] = NIL;
    for (size_t i = 0; i < kl->count; i++)
        link_entry(kl, (uint32_t)i);
    return 0;
}

static entry *find(const ss_tls_keylog *kl, const uint8_t cr[32])
{
    if (!kl->count)
        return NULL;
    for (uint32_t i = kl->bucket[hash(kl, cr)]; i != NIL; i = kl->e[i].next)
        if (memcmp(kl->e[i].k.client_random, cr, 32) == 0)
            return &kl->e[i];
    return NULL;
}

/* The entry of cr, made (or reused, oldest first) when there is none. NULL: out of memory. */
static entry *get(ss_tls_keylog *kl, const uint8_t cr[32])
{
    entry *x = find(kl, cr);
    uint32_t i;

    if (x)
        return x;
    if (kl->count < kl->max) {
        if (kl->count == kl->cap && grow(kl) < 0)
            return NULL;
        i = (uint32_t)kl->count++;
    } else {
        i = (uint32_t)kl->oldest;
        kl->oldest = (kl->oldest + 1) % kl->max;
        unlink_entry(kl, i);
        kl->st.evicted++;
    }
    x = &kl->e[i];
    OPENSSL_cleanse(&x->k, sizeof(x->k));
    memcpy(x->k.client_random, cr, 32);
    link_entry(kl, i);
    return x;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* n hex digits (n even) into n/2 bytes; -1 on a non-hex digit. */
static int unhex(const char *s, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i += 2) {
        int hi = hexval(s[i]), lo = hexval(s[i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* The next whitespace-separated token of s[0..n) from *pos. */
static int token(const char *s, size_t n, size_t *pos, const char **tok, size_t *tlen)
{
    while (*pos < n && is_space(s[*pos]))
        (*pos)++;
    if (*pos == n)
        return -1;
    *tok = s + *pos;
    while (*pos < n && !is_space(s[*pos]))
        (*pos)++;
    *tlen = (size_t)(s + *pos - *tok);
    return 0;
}

/* One line without its newline. -1 only when memory ran out. */
static int parse_line(ss_tls_keylog *kl, const char *s, size_t n)
{
    const char *lab, *crh, *sech, *extra;
    size_t pos = 0, llen, crlen, seclen, xlen;
    uint8_t cr[32], sec[SS_TLS_SECRET_MAX];
    int kind = -2;
    entry *x;
    ss_tls_secret *dst;

    kl->st.lines++;
    if (token(s, n, &pos, &lab, &llen) < 0 || lab[0] == '#')
        return 0; /* blank line or comment */
    if (token(s, n, &pos, &crh, &crlen) < 0 || token(s, n, &pos, &sech, &seclen) < 0 ||
        token(s, n, &pos, &extra, &xlen) == 0)
        goto malformed;
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
        if (strlen(labels[i].label) == llen && memcmp(labels[i].label, lab, llen) == 0)
            kind = labels[i].kind;
    if (kind == -2) {
        /* EXPORTER_SECRET, CLIENT_EARLY_TRAFFIC_SECRET, RSA, ... */
        kl->st.ignored++;
        return 0;
    }
    if (crlen != 64 || seclen % 2 || seclen < 2 || seclen > 2 * SS_TLS_SECRET_MAX ||
        (kind == SS_TLS_SK_MASTER && seclen != 96))
        goto malformed;
    if (unhex(crh, crlen, cr) < 0 || unhex(sech, seclen, sec) < 0)
        goto malformed;
    x = get(kl, cr);
    if (!x)
        return -1;
    dst = &x->k.s[kind];
    if (dst->len && (dst->len != seclen / 2 || memcmp(dst->b, sec, dst->len) != 0))
        kl->st.replaced++;
    else if (!dst->len)
        kl->st.secrets++;
    dst->len = (uint8_t)(seclen / 2);
    memcpy(dst->b, sec, dst->len);
    OPENSSL_cleanse(sec, sizeof(sec));
    return 0;
malformed:
    kl->st.malformed++;
    return 0;
}

int ss_tls_keylog_add_text(ss_tls_keylog *kl, const char *text, size_t len)
{
    size_t start = 0;

    while (start < len) {
        const char *nl = memchr(text + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - text) : len;

        if (end - start > SS_TLS_KEYLOG_LINE_MAX) {
            kl->st.lines++;
            kl->st.malformed++;
        } else if (parse_line(kl, text + start, end - start) < 0) {
            return -1;
        }
        start = end + 1;
    }
    return 0;
}

int ss_tls_keylog_load_file(ss_tls_keylog *kl, const char *path, char *err, size_t errlen)
{
    char line[SS_TLS_KEYLOG_LINE_MAX + 2];
    FILE *fp = fopen(path, "r");
    int rc = -1, skipping = 0;

    if (!fp) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof(line), fp)) {
        size_t n = strlen(line);
        int complete = n > 0 && line[n - 1] == '\n';

        if (skipping) {
            /* the rest of an over-long line */
            skipping = !complete;
            continue;
        }
        if (!complete && n == sizeof(line) - 1) {
            kl->st.lines++;
            kl->st.malformed++;
            skipping = 1;
            continue;
        }
        if (parse_line(kl, line, complete ? n - 1 : n) < 0) {
            snprintf(err, errlen, "%s: out of memory", path);
            goto fail;
        }
    }
    if (ferror(fp)) {
        snprintf(err, errlen, "%s: read error", path);
        goto fail;
    }
    rc = 0;
fail:
    OPENSSL_cleanse(line, sizeof(line));
    fclose(fp);
    return rc;
}

static uint32_t get32(const uint8_t *p, int big_endian)
{
    if (big_endian)
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

int ss_tls_keylog_add_dsb(ss_tls_keylog *kl, const uint8_t *body, size_t len, int big_endian)
{
    uint32_t type, slen;

    if (len < 8)
        return -1;
    type = get32(body, big_endian);
    slen = get32(body + 4, big_endian);
    if (slen > len - 8)
        return -1;
    if (type != SS_TLS_DSB_TLS_KEYLOG) {
        kl->st.dsb_other++;
        return 0;
    }
    return ss_tls_keylog_add_text(kl, (const char *)body + 8, slen);
}

const ss_tls_keys *ss_tls_keylog_find(const ss_tls_keylog *kl, const uint8_t client_random[32])
{
    const entry *x = kl ? find(kl, client_random) : NULL;

    return x ? &x->k : NULL;
}

void ss_tls_keylog_get_stats(const ss_tls_keylog *kl, ss_tls_keylog_stats *st)
{
    *st = kl->st;
    st->entries = kl->count;
}

/* tls_handshake.c — the handshake messages of one TLS connection (see tls_int.h): the hellos
 * with their extensions and the JA3 fingerprint, EncryptedExtensions, Finished and KeyUpdate;
 * the server's Certificate goes to tls_chain.c.
 *
 * Handshake: RFC 8446 4 (ClientHello 4.1.2, ServerHello and HelloRetryRequest 4.1.3-4.1.4,
 * EncryptedExtensions 4.3.1, Finished 4.4.4, KeyUpdate 4.6.3) and RFC 5246 7.4 for TLS 1.2 and
 * earlier; extensions RFC 6066 3 (server_name), RFC 7301 (ALPN), RFC 7366 (encrypt_then_mac),
 * RFC 7627 (extended_master_secret), RFC 8446 4.2 (supported_versions, pre_shared_key,
 * early_data); JA3 leaves GREASE values (RFC 8701) out. A Finished or KeyUpdate changes keys only
 * at the end of its record, so here it is only marked on the direction; tls.c applies it.
 */
#include "tls_int.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

enum {
    HS_CLIENT_HELLO = 1,
    HS_SERVER_HELLO = 2,
    HS_ENCRYPTED_EXTENSIONS = 8,
    HS_CERTIFICATE = 11,
    HS_CERTIFICATE_REQUEST = 13,
    HS_FINISHED = 20,
    HS_KEY_UPDATE = 24
};
enum {
    EXT_SERVER_NAME = 0,
    EXT_GROUPS = 10,
    EXT_POINT_FORMATS = 11,
    EXT_ALPN = 16,
    EXT_ETM = 22,
    EXT_EMS = 23,
    EXT_PSK = 41,
    EXT_EARLY_DATA = 42,
    EXT_VERSIONS = 43
};

/* RFC 8446 4.1.3: the random of a HelloRetryRequest, SHA-256("HelloRetryRequest") */
static const uint8_t hrr_random[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};

/* ------------------------------------------------------------------ wire helpers */

/* Wire bytes as printable ASCII, '?' for anything else; cut to fit. */
void ss_tls_copy_printable(char *dst, size_t cap, const uint8_t *s, size_t n)
{
    size_t i;

    if (cap == 0)
        return;
    for (i = 0; i < n && i + 1 < cap; i++)
        dst[i] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
    dst[i] = '\0';
}

/* Appends sep (when dst is not empty) and s[0..n) printable, only when all of it fits. */
int ss_tls_append(char *dst, size_t cap, const char *sep, const uint8_t *s, size_t n)
{
    size_t have = strlen(dst), slen = have ? strlen(sep) : 0;

    if (have + slen + n + 1 > cap)
        return -1;
    memcpy(dst + have, sep, slen);
    ss_tls_copy_printable(dst + have + slen, n + 1, s, n);
    return 0;
}

static int is_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

static int cur_be24(ss_cursor *c, uint32_t *v)
{
    uint8_t a;
    uint16_t b;

    if (c->len < 3 || ss_cur_u8(c, &a) < 0 || ss_cur_be16(c, &b) < 0)
        return -1;
    *v = (uint32_t)a << 16 | b;
    return 0;
}

/* A sub-cursor over a length-prefixed vector (prefix of 1, 2 or 3 bytes). */
int ss_tls_cur_vec(ss_cursor *c, int prefix, ss_cursor *sub)
{
    uint8_t u8;
    uint16_t u16;
    uint32_t n;
    const uint8_t *p;

    if (prefix == 1) {
        if (ss_cur_u8(c, &u8) < 0)
            return -1;
        n = u8;
    } else if (prefix == 2) {
        if (ss_cur_be16(c, &u16) < 0)
            return -1;
        n = u16;
    } else if (cur_be24(c, &n) < 0) {
        return -1;
    }
    if (ss_cur_bytes(c, n, &p) < 0)
        return -1;
    *sub = ss_cur(p, n);
    return 0;
}

/* ------------------------------------------------------------------ handshake messages */

typedef struct ja3_buf {
    char *s;
    size_t cap, len;
    int cut;
} ja3_buf;

/* Appends sep and v in decimal. Written out rather than with snprintf: a ClientHello has some
 * fifty values, and formatting them was most of the cost of reading one. */
static void ja3_put(ja3_buf *b, const char *sep, unsigned v)
{
    char digits[12];
    size_t nd = 0, ns = strlen(sep);

    if (b->cut)
        return;
    do {
        digits[nd++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (b->len + ns + nd >= b->cap) {
        b->cut = 1;
        return;
    }
    memcpy(b->s + b->len, sep, ns);
    b->len += ns;
    while (nd)
        b->s[b->len++] = digits[--nd];
    b->s[b->len] = '\0';
}

static void ja3_sep(ja3_buf *b)
{
    if (!b->cut && b->len + 1 < b->cap) {
        b->s[b->len++] = ',';
        b->s[b->len] = '\0';
    } else {
        b->cut = 1;
    }
}

/* The values of a vector of 16-bit numbers, GREASE left out, "-"-joined. */
static void ja3_list16(ja3_buf *b, ss_cursor c)
{
    const char *sep = "";
    uint16_t v;

    while (ss_cur_be16(&c, &v) == 0) {
        if (is_grease(v))
            continue;
        ja3_put(b, sep, v);
        sep = "-";
    }
}

static void ja3_finish(ss_tls *t, ja3_buf *b)
{
    uint8_t md[EVP_MAX_MD_SIZE];
    size_t mdlen = 0;

    if (b->cut) {
        t->info.ja3[0] = '\0';
        return;
    }
    unsigned int n = 0;
    int ok = t->cfg.md5 ? EVP_Digest(b->s, b->len, md, &n, t->cfg.md5, NULL)
                        : EVP_Q_digest(t->cfg.libctx, "MD5", NULL, b->s, b->len, md, &mdlen);
    if (t->cfg.md5)
        mdlen = n;
    if (ok == 1 && mdlen == 16) {
        static const char hex[] = "0123456789abcdef";
        for (size_t i = 0; i < 16; i++) {
            t->info.ja3_hash[2 * i] = hex[md[i] >> 4];
            t->info.ja3_hash[2 * i + 1] = hex[md[i] & 15];
        }
        t->info.ja3_hash[32] = '\0';
    }
}

static void client_hello_ext(ss_tls *t, uint16_t type, ss_cursor e)
{
    ss_tls_info *in = &t->info;
    ss_cursor list, name;
    uint8_t u8;
    uint16_t v;

    switch (type) {
    case EXT_SERVER_NAME:
        /* RFC 6066 3: ServerNameList of (name_type, HostName) */
        if (ss_tls_cur_vec(&e, 2, &list) < 0)
            goto bad;
        while (list.len) {
            if (ss_cur_u8(&list, &u8) < 0 || ss_tls_cur_vec(&list, 2, &name) < 0)
                goto bad;
            if (u8 == 0 && !in->sni[0])
                ss_tls_copy_printable(in->sni, sizeof(in->sni), name.p, name.len);
        }
        break;
    case EXT_ALPN:
        if (ss_tls_cur_vec(&e, 2, &list) < 0)
            goto bad;
        while (list.len) {
            if (ss_tls_cur_vec(&list, 1, &name) < 0)
                goto bad;
            ss_tls_append(in->alpn_offered, sizeof(in->alpn_offered), ",", name.p, name.len);
        }
        break;
    case EXT_VERSIONS:
        if (ss_tls_cur_vec(&e, 1, &list) < 0)
            goto bad;
        while (ss_cur_be16(&list, &v) == 0)
            if (!is_grease(v) && in->nversions_offered < SS_TLS_MAX_VERSIONS)
                in->versions_offered[in->nversions_offered++] = v;
        break;
    case EXT_EARLY_DATA:
        in->offered_early_data = 1;
        break;
    }
    return;
bad:
    in->malformed[0]++;
}

/* RFC 8446 4.1.2 / RFC 5246 7.4.1.2 */
static void client_hello(ss_tls *t, const uint8_t *body, size_t len, const struct timeval *ts)
{
    ss_tls_info *in = &t->info;
    ss_cursor c = ss_cur(body, len), sid, suites, comp, exts, e, groups = ss_cur(NULL, 0),
              formats = ss_cur(NULL, 0);
    const uint8_t *random;
    uint16_t legacy, type;
    ja3_buf ja3 = {in->ja3, sizeof(in->ja3), 0, 0};
    const char *sep = "";

    if (in->client_hellos++ > 0)
        return; /* the second one, after a HelloRetryRequest, keeps the random */
    if (ss_cur_be16(&c, &legacy) < 0 || ss_cur_bytes(&c, 32, &random) < 0 ||
        ss_tls_cur_vec(&c, 1, &sid) < 0 || sid.len > 32 || ss_tls_cur_vec(&c, 2, &suites) < 0 ||
        ss_tls_cur_vec(&c, 1, &comp) < 0)
        goto bad;
    in->client_version = legacy;
    memcpy(t->client_random, random, 32);
    t->have_cr = 1;
    memcpy(t->sid, sid.p, sid.len);
    t->sid_len = sid.len;
    in->ciphers_offered = (unsigned)(suites.len / 2);

    /* JA3: version,ciphers,extensions,groups,point formats (GREASE left out) */
    in->ja3[0] = '\0';
    ja3_put(&ja3, "", legacy);
    ja3_sep(&ja3);
    ja3_list16(&ja3, suites);
    ja3_sep(&ja3);
    if (c.len) {
        if (ss_tls_cur_vec(&c, 2, &exts) < 0)
            goto bad;
        while (exts.len) {
            if (ss_cur_be16(&exts, &type) < 0 || ss_tls_cur_vec(&exts, 2, &e) < 0)
                goto bad;
            if (!is_grease(type)) {
                ja3_put(&ja3, sep, type);
                sep = "-";
            }
            if (type == EXT_GROUPS && ss_tls_cur_vec(&e, 2, &groups) < 0)
                groups = ss_cur(NULL, 0);
            else if (type == EXT_POINT_FORMATS && ss_tls_cur_vec(&e, 1, &formats) < 0)
                formats = ss_cur(NULL, 0);
            else
                client_hello_ext(t, type, e);
        }
    }
    ja3_sep(&ja3);
    ja3_list16(&ja3, groups);
    ja3_sep(&ja3);
    sep = "";
    for (size_t i = 0; i < formats.len; i++) {
        ja3_put(&ja3, sep, formats.p[i]);
        sep = "-";
    }
    ja3_finish(t, &ja3);
    ss_tls_emit_simple(t, SS_TLS_EV_CLIENT_HELLO, SS_TLS_TO_SERVER, ts);
    return;
bad:
    in->malformed[0]++;
    in->ja3[0] = '\0';
    ss_tls_emit_simple(t, SS_TLS_EV_CLIENT_HELLO, SS_TLS_TO_SERVER, ts);
}

static void set_suite(ss_tls *t, uint16_t id)
{
    ss_tls_info *in = &t->info;

    in->cipher_suite = id;
    t->suite = ss_tls_suite_find(id);
    if (t->suite) {
        snprintf(in->cipher, sizeof(in->cipher), "%s", t->suite->name);
        snprintf(in->cipher_openssl, sizeof(in->cipher_openssl), "%s", t->suite->ossl_name);
    } else {
        snprintf(in->cipher, sizeof(in->cipher), "0x%04X", id);
        in->cipher_openssl[0] = '\0';
    }
}

/* The ALPN extension of a ServerHello or EncryptedExtensions: exactly one name. */
static int chosen_alpn(ss_tls *t, ss_cursor e)
{
    ss_cursor list, name;

    if (ss_tls_cur_vec(&e, 2, &list) < 0 || ss_tls_cur_vec(&list, 1, &name) < 0)
        return -1;
    ss_tls_copy_printable(t->info.alpn, sizeof(t->info.alpn), name.p, name.len);
    return 0;
}

/* RFC 8446 4.1.3 / RFC 5246 7.4.1.3; a HelloRetryRequest is a ServerHello with a fixed random */
static void server_hello(ss_tls *t, const uint8_t *body, size_t len, const struct timeval *ts)
{
    ss_tls_info *in = &t->info;
    ss_cursor c = ss_cur(body, len), sid, exts, e;
    const uint8_t *random;
    uint16_t legacy, suite, type, v, version;
    uint8_t comp;
    int hrr;

    if (ss_cur_be16(&c, &legacy) < 0 || ss_cur_bytes(&c, 32, &random) < 0 ||
        ss_tls_cur_vec(&c, 1, &sid) < 0 || sid.len > 32 || ss_cur_be16(&c, &suite) < 0 ||
        ss_cur_u8(&c, &comp) < 0)
        goto bad;
    hrr = memcmp(random, hrr_random, 32) == 0;
    version = legacy;
    if (c.len) {
        if (ss_tls_cur_vec(&c, 2, &exts) < 0)
            goto bad;
        while (exts.len) {
            if (ss_cur_be16(&exts, &type) < 0 || ss_tls_cur_vec(&exts, 2, &e) < 0)
                goto bad;
            switch (type) {
            case EXT_VERSIONS:
                if (ss_cur_be16(&e, &v) == 0)
                    version = v;
                break;
            case EXT_ALPN:
                if (chosen_alpn(t, e) < 0)
                    in->malformed[1]++;
                break;
            case EXT_ETM:
                in->encrypt_then_mac = 1;
                break;
            case EXT_EMS:
                in->extended_master = 1;
                break;
            case EXT_PSK:
                in->resumed = 1;
                break;
            }
        }
    }
    in->version = version;
    set_suite(t, suite);
    if (hrr) {
        in->hello_retry = 1;
        ss_tls_emit_simple(t, SS_TLS_EV_HELLO_RETRY, SS_TLS_TO_CLIENT, ts);
        return;
    }
    in->server_hello = 1;
    memcpy(t->server_random, random, 32);
    if (version != TLS13 && sid.len && sid.len == t->sid_len && memcmp(sid.p, t->sid, sid.len) == 0)
        in->resumed = 1;
    if (version == TLS13) {
        /* everything after the ServerHello is protected, in both directions */
        t->d[0].encrypted = t->d[1].encrypted = 1;
    }
    ss_tls_emit_simple(t, SS_TLS_EV_SERVER_HELLO, SS_TLS_TO_CLIENT, ts);
    return;
bad:
    in->malformed[1]++;
}

static void encrypted_extensions(ss_tls *t, const uint8_t *body, size_t len)
{
    ss_cursor c = ss_cur(body, len), exts, e;
    uint16_t type;

    if (ss_tls_cur_vec(&c, 2, &exts) < 0)
        goto bad;
    while (exts.len) {
        if (ss_cur_be16(&exts, &type) < 0 || ss_tls_cur_vec(&exts, 2, &e) < 0)
            goto bad;
        if (type == EXT_ALPN && chosen_alpn(t, e) < 0)
            goto bad;
    }
    return;
bad:
    t->info.malformed[1]++;
}

static void handshake_msg(ss_tls *t, int dir, uint8_t type, const uint8_t *body, size_t len,
                          const struct timeval *ts)
{
    ss_tls_info *in = &t->info;
    tls_dir *D = &t->d[dir];

    switch (type) {
    case HS_CLIENT_HELLO:
        /* one inside protected records would be a renegotiation: not followed */
        if (dir == SS_TLS_TO_SERVER && !D->encrypted)
            client_hello(t, body, len, ts);
        break;
    case HS_SERVER_HELLO:
        if (dir == SS_TLS_TO_CLIENT && !D->encrypted)
            server_hello(t, body, len, ts);
        break;
    case HS_ENCRYPTED_EXTENSIONS:
        if (dir == SS_TLS_TO_CLIENT)
            encrypted_extensions(t, body, len);
        break;
    case HS_CERTIFICATE:
        if (dir == SS_TLS_TO_CLIENT)
            ss_tls_certificates(t, body, len, ts);
        else
            /* an empty list is 3 length bytes (TLS 1.2) or context + 3 bytes (TLS 1.3) */
            in->client_cert_sent = len > (in->version == TLS13 ? 4u : 3u);
        break;
    case HS_CERTIFICATE_REQUEST:
        if (dir == SS_TLS_TO_CLIENT)
            in->cert_requested = 1;
        break;
    case HS_FINISHED:
        if (in->version == TLS13 && D->key_state == KEY_READY)
            D->to_app = 1;
        if (in->version == TLS13 && dir == SS_TLS_TO_SERVER) {
            ss_tls_client_finished(t, 0, ts);
        } else {
            in->finished[dir] = 1;
            ss_tls_check_done(t, ts);
        }
        break;
    case HS_KEY_UPDATE:
        if (in->version == TLS13) {
            in->key_updates[dir]++;
            D->update = 1;
        }
        break;
    }
}

/* Handshake bytes of one record (plaintext or decrypted): messages may share a record or span
 * several. Messages are parsed in place when whole; otherwise gathered up to max_handshake. */
void ss_tls_handshake_bytes(ss_tls *t, int dir, const uint8_t *p, size_t n,
                            const struct timeval *ts)
{
    tls_dir *D = &t->d[dir];
    size_t take, mlen;

    while (n > 0) {
        if (D->hs_skip) {
            take = D->hs_skip < n ? D->hs_skip : n;
            D->hs_skip -= take;
            p += take;
            n -= take;
            continue;
        }
        if (D->hs_hdr_have == 0 && n >= HS_HDR) {
            mlen = (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
            if (n - HS_HDR >= mlen) {
                handshake_msg(t, dir, p[0], p + HS_HDR, mlen, ts);
                p += HS_HDR + mlen;
                n -= HS_HDR + mlen;
                continue;
            }
        }
        if (D->hs_hdr_have < HS_HDR) {
            take = HS_HDR - D->hs_hdr_have < n ? HS_HDR - D->hs_hdr_have : n;
            memcpy(D->hs_hdr + D->hs_hdr_have, p, take);
            D->hs_hdr_have += take;
            p += take;
            n -= take;
            if (D->hs_hdr_have < HS_HDR)
                return;
            mlen = (size_t)D->hs_hdr[1] << 16 | (size_t)D->hs_hdr[2] << 8 | D->hs_hdr[3];
            if (mlen > t->cfg.max_handshake) {
                /* too long to keep (a huge certificate chain): skipped, noted */
                if (D->hs_hdr[0] == HS_CERTIFICATE && dir == SS_TLS_TO_CLIENT)
                    t->info.certs_invalid = 1;
                t->info.malformed[dir]++;
                D->hs_skip = mlen;
                D->hs_hdr_have = 0;
                continue;
            }
            D->hs_len = mlen;
            D->hs_have = 0;
            if (mlen && !(D->hs = ss_mem_alloc(t->cfg.mem, mlen))) {
                t->info.malformed[dir]++;
                D->hs_skip = mlen;
                D->hs_hdr_have = 0;
                continue;
            }
        }
        take = D->hs_len - D->hs_have < n ? D->hs_len - D->hs_have : n;
        if (take)
            memcpy(D->hs + D->hs_have, p, take);
        D->hs_have += take;
        p += take;
        n -= take;
        if (D->hs_have == D->hs_len) {
            uint8_t *msg = D->hs;
            size_t len = D->hs_len;

            D->hs = NULL;
            D->hs_hdr_have = 0;
            D->hs_have = D->hs_len = 0;
            handshake_msg(t, dir, D->hs_hdr[0], msg ? msg : (const uint8_t *)"", len, ts);
            ss_mem_free(t->cfg.mem, msg, len);
        }
    }
}

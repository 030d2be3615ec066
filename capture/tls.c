/* tls.c — the TLS record layer, handshake parser and per-flow decryption state (see tls.h).
 *
 * Record layer: RFC 5246 6.2 / RFC 8446 5.1 (5-byte header, at most 2^14 + 2048 bytes).
 * Handshake: RFC 8446 4 (ClientHello 4.1.2, ServerHello and HelloRetryRequest 4.1.3-4.1.4,
 * EncryptedExtensions 4.3.1, Certificate 4.4.2, Finished 4.4.4, KeyUpdate 4.6.3) and RFC 5246
 * 7.4 for TLS 1.2 and earlier; extensions RFC 6066 3 (server_name), RFC 7301 (ALPN),
 * RFC 7366 (encrypt_then_mac), RFC 7627 (extended_master_secret). Alerts: RFC 8446 6.
 *
 * Each direction runs its own small machine: plaintext records until its ChangeCipherSpec
 * (TLS 1.2) or the ServerHello (TLS 1.3), protected records after; with keys the TLS 1.3
 * directions move from handshake to application secrets at their Finished and to the next
 * generation at each KeyUpdate, always at a record boundary. Every wire read goes through
 * ss_cursor; nothing is trusted, everything is bounded.
 */
#include "tls.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cursor.h"
#include "tls_certcache.h"
#include "tls_crypto.h"

enum { CT_CCS = 20, CT_ALERT = 21, CT_HANDSHAKE = 22, CT_APP = 23, CT_HEARTBEAT = 24 };
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
#define TLS13     0x0304
#define REC_HDR   5
#define HS_HDR    4
#define KEY_NONE  0
#define KEY_READY 1
#define KEY_OFF   (-1)

/* RFC 8446 4.1.3: the random of a HelloRetryRequest, SHA-256("HelloRetryRequest") */
static const uint8_t hrr_random[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};

typedef struct tls_dir {
    /* record being read */
    uint8_t hdr[REC_HDR];
    size_t hdr_have;
    uint8_t *rec; /* only while a record spans feeds: rec_need bytes */
    size_t rec_have, rec_need;
    struct timeval ts_first, last_ts;
    /* handshake message being read */
    uint8_t hs_hdr[HS_HDR];
    size_t hs_hdr_have;
    uint8_t *hs; /* only while a message spans records: hs_len bytes */
    size_t hs_have, hs_len;
    size_t hs_skip; /* bytes left of a message longer than max_handshake */
    /* protection */
    int encrypted; /* protected records from here on */
    int key_state; /* KEY_NONE (not tried), KEY_READY, KEY_OFF */
    int to_app;    /* TLS 1.3: Finished in this record, switch secrets after it */
    int update;    /* TLS 1.3: KeyUpdate in this record */
    ss_tls_rp rp;
} tls_dir;

struct ss_tls {
    ss_tls_config cfg;
    ss_tls_sink sink;
    ss_mem own_mem;
    ss_tls_info info;
    tls_dir d[2];
    uint8_t client_random[32], server_random[32];
    int have_cr;
    uint8_t sid[32]; /* the ClientHello's session id */
    size_t sid_len;
    const ss_tls_suite *suite;
    ss_tls_keys *keys; /* copy of the key log entry once found */
    uint8_t *plain;    /* decryption output, SS_TLS_MAX_RECORD bytes, once keyed */
    int fail_reported;
    int done_reported;
};

/* ------------------------------------------------------------------ names */

const char *ss_tls_reason_name(ss_tls_reason r)
{
    switch (r) {
    case SS_TLS_R_NONE:
        return "none";
    case SS_TLS_R_NO_KEY:
        return "no key for this client random";
    case SS_TLS_R_MISSING_SECRET:
        return "key log lacks the secret needed";
    case SS_TLS_R_UNSUPPORTED:
        return "not supported";
    case SS_TLS_R_BAD_RECORD:
        return "record did not authenticate (wrong key or altered)";
    case SS_TLS_R_CAPTURE_GAP:
        return "capture gap";
    case SS_TLS_R_NO_HANDSHAKE:
        return "handshake not seen";
    case SS_TLS_R_MALFORMED:
        return "malformed";
    case SS_TLS_R_NOT_TLS:
        return "not TLS";
    case SS_TLS_R_TRUNCATED:
        return "stream ended inside a record";
    case SS_TLS_R_INTERNAL:
        return "internal error";
    }
    return "unknown";
}

const char *ss_tls_ev_name(ss_tls_ev_kind k)
{
    switch (k) {
    case SS_TLS_EV_CLIENT_HELLO:
        return "client_hello";
    case SS_TLS_EV_SERVER_HELLO:
        return "server_hello";
    case SS_TLS_EV_HELLO_RETRY:
        return "hello_retry_request";
    case SS_TLS_EV_CERTIFICATES:
        return "certificates";
    case SS_TLS_EV_HANDSHAKE_DONE:
        return "handshake_done";
    case SS_TLS_EV_ALERT:
        return "alert";
    case SS_TLS_EV_APP_DATA:
        return "app_data";
    case SS_TLS_EV_DECRYPT_FAILED:
        return "decrypt_failed";
    case SS_TLS_EV_STOPPED:
        return "stopped";
    }
    return "unknown";
}

const char *ss_tls_version_name(uint16_t v)
{
    switch (v) {
    case 0x0300:
        return "SSL 3.0";
    case 0x0301:
        return "TLS 1.0";
    case 0x0302:
        return "TLS 1.1";
    case 0x0303:
        return "TLS 1.2";
    case 0x0304:
        return "TLS 1.3";
    }
    return "unknown";
}

const char *ss_tls_alert_name(int desc)
{
    static const struct {
        int code;
        const char *name;
    } alerts[] = {
        {0, "close_notify"},
        {10, "unexpected_message"},
        {20, "bad_record_mac"},
        {21, "decryption_failed"},
        {22, "record_overflow"},
        {30, "decompression_failure"},
        {40, "handshake_failure"},
        {41, "no_certificate"},
        {42, "bad_certificate"},
        {43, "unsupported_certificate"},
        {44, "certificate_revoked"},
        {45, "certificate_expired"},
        {46, "certificate_unknown"},
        {47, "illegal_parameter"},
        {48, "unknown_ca"},
        {49, "access_denied"},
        {50, "decode_error"},
        {51, "decrypt_error"},
        {60, "export_restriction"},
        {70, "protocol_version"},
        {71, "insufficient_security"},
        {80, "internal_error"},
        {86, "inappropriate_fallback"},
        {90, "user_canceled"},
        {100, "no_renegotiation"},
        {109, "missing_extension"},
        {110, "unsupported_extension"},
        {111, "certificate_unobtainable"},
        {112, "unrecognized_name"},
        {113, "bad_certificate_status_response"},
        {114, "bad_certificate_hash_value"},
        {115, "unknown_psk_identity"},
        {116, "certificate_required"},
        {120, "no_application_protocol"},
    };

    if (desc < 0)
        return "encrypted";
    for (size_t i = 0; i < sizeof(alerts) / sizeof(alerts[0]); i++)
        if (alerts[i].code == desc)
            return alerts[i].name;
    return "unknown";
}

/* ------------------------------------------------------------------ small helpers */

/* Wire bytes as printable ASCII, '?' for anything else; cut to fit. */
static void copy_printable(char *dst, size_t cap, const uint8_t *s, size_t n)
{
    size_t i;

    if (cap == 0)
        return;
    for (i = 0; i < n && i + 1 < cap; i++)
        dst[i] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
    dst[i] = '\0';
}

/* Appends sep (when dst is not empty) and s[0..n) printable, only when all of it fits. */
static int append(char *dst, size_t cap, const char *sep, const uint8_t *s, size_t n)
{
    size_t have = strlen(dst), slen = have ? strlen(sep) : 0;

    if (have + slen + n + 1 > cap)
        return -1;
    memcpy(dst + have, sep, slen);
    copy_printable(dst + have + slen, n + 1, s, n);
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
static int cur_vec(ss_cursor *c, int prefix, ss_cursor *sub)
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

static ss_tls_event event(ss_tls *t, ss_tls_ev_kind kind, int dir, const struct timeval *ts)
{
    ss_tls_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.kind = kind;
    ev.dir = dir;
    ev.ts = *ts;
    ev.ts_first = *ts;
    ev.info = &t->info;
    ev.alert_level = ev.alert_desc = -1;
    ev.plain_len = -1;
    ev.detail = "";
    return ev;
}

static void emit(ss_tls *t, const ss_tls_event *ev)
{
    if (t->sink.event)
        t->sink.event(t->sink.ctx, ev);
}

static void emit_simple(ss_tls *t, ss_tls_ev_kind kind, int dir, const struct timeval *ts)
{
    ss_tls_event ev = event(t, kind, dir, ts);
    emit(t, &ev);
}

/* ------------------------------------------------------------------ state changes */

static void free_partial(ss_tls *t, tls_dir *D)
{
    ss_mem_free(t->cfg.mem, D->rec, D->rec_need);
    D->rec = NULL;
    ss_mem_free(t->cfg.mem, D->hs, D->hs_len);
    D->hs = NULL;
    D->hdr_have = D->rec_have = D->rec_need = 0;
    D->hs_hdr_have = D->hs_have = D->hs_len = 0;
}

/* Decryption of dir ends here (or never starts); the first time in the flow it is reported. */
static void decrypt_fail(ss_tls *t, int dir, ss_tls_reason r, const char *detail,
                         const struct timeval *ts)
{
    tls_dir *D = &t->d[dir];
    ss_tls_event ev;

    D->key_state = KEY_OFF;
    ss_tls_rp_clear(&D->rp);
    t->info.decrypting[dir] = 0;
    if (!t->cfg.keylog)
        return;
    t->info.not_decrypted[dir] = r;
    if (t->fail_reported)
        return;
    t->fail_reported = 1;
    ev = event(t, SS_TLS_EV_DECRYPT_FAILED, dir, ts);
    ev.reason = r;
    ev.detail = detail;
    emit(t, &ev);
}

/* Parsing of dir ends: record boundaries are lost or were never there. */
static void stop(ss_tls *t, int dir, ss_tls_reason r, const char *detail, const struct timeval *ts)
{
    tls_dir *D = &t->d[dir];
    ss_tls_event ev;

    if (t->info.stopped[dir])
        return;
    /* a failure of decryption only where decryption was under way or due */
    if (D->key_state == KEY_READY || (D->key_state == KEY_NONE && t->info.server_hello))
        decrypt_fail(t, dir, r, detail, ts);
    D->key_state = KEY_OFF;
    t->info.stopped[dir] = r;
    free_partial(t, D);
    ev = event(t, SS_TLS_EV_STOPPED, dir, ts);
    ev.reason = r;
    ev.detail = detail;
    emit(t, &ev);
}

static void check_done(ss_tls *t, const struct timeval *ts)
{
    if (t->done_reported || !t->info.finished[0] || !t->info.finished[1])
        return;
    t->done_reported = 1;
    t->info.handshake_complete = 1;
    emit_simple(t, SS_TLS_EV_HANDSHAKE_DONE, SS_TLS_TO_CLIENT, ts);
}

/* The client's Finished: the server's came first, seen or not. */
static void client_finished(ss_tls *t, int inferred, const struct timeval *ts)
{
    t->info.finished[0] = 1;
    if (!t->info.finished[1]) {
        t->info.finished[1] = 1;
        inferred = 1;
    }
    if (inferred)
        t->info.complete_inferred = 1;
    check_done(t, ts);
}

/* A secret from the key log (looked up again if the copy lacks it: the log may have grown). */
static const ss_tls_secret *secret(ss_tls *t, ss_tls_secret_kind kind)
{
    const ss_tls_keys *k;

    if (t->keys && t->keys->s[kind].len)
        return &t->keys->s[kind];
    k = ss_tls_keylog_find(t->cfg.keylog, t->client_random);
    if (!k)
        return NULL;
    if (!t->keys && !(t->keys = ss_mem_alloc(t->cfg.mem, sizeof(*t->keys))))
        return NULL;
    *t->keys = *k;
    return t->keys->s[kind].len ? &t->keys->s[kind] : NULL;
}

/* Keys for dir's first protected record. */
static void setup_keys(ss_tls *t, int dir, const struct timeval *ts)
{
    tls_dir *D = &t->d[dir];
    const ss_tls_secret *s;
    ss_tls_reason r = SS_TLS_R_INTERNAL;
    const char *detail = "";
    uint16_t v = t->info.version;

    if (!t->cfg.keylog) {
        D->key_state = KEY_OFF;
        return;
    }
    if (!t->have_cr || !t->info.server_hello) {
        r = SS_TLS_R_NO_HANDSHAKE;
        detail = "ClientHello or ServerHello not seen";
        goto fail;
    }
    if (!t->suite || t->suite->kind == SS_TLS_CK_NONE || (v == TLS13) != (t->suite->tls13 != 0)) {
        r = SS_TLS_R_UNSUPPORTED;
        detail = "cipher suite";
        goto fail;
    }
    if (v < 0x0301 || v > TLS13) {
        r = SS_TLS_R_UNSUPPORTED;
        detail = "protocol version";
        goto fail;
    }
    if (!ss_tls_keylog_find(t->cfg.keylog, t->client_random) && !t->keys) {
        r = SS_TLS_R_NO_KEY;
        goto fail;
    }
    if (!t->plain && !(t->plain = ss_mem_alloc(t->cfg.mem, SS_TLS_MAX_RECORD))) {
        detail = "memory budget";
        goto fail;
    }
    if (v == TLS13) {
        s = secret(t, dir == SS_TLS_TO_SERVER ? SS_TLS_SK_CLIENT_HS : SS_TLS_SK_SERVER_HS);
        if (!s) {
            r = SS_TLS_R_MISSING_SECRET;
            detail = dir == SS_TLS_TO_SERVER ? "CLIENT_HANDSHAKE_TRAFFIC_SECRET"
                                             : "SERVER_HANDSHAKE_TRAFFIC_SECRET";
            goto fail;
        }
        if (ss_tls_rp_init13(&D->rp, t->cfg.libctx, t->suite, s->b, s->len) < 0) {
            detail = "TLS 1.3 key derivation";
            goto fail;
        }
    } else {
        ss_tls_rp other;
        tls_dir *O = &t->d[!dir];

        memset(&other, 0, sizeof(other));
        s = secret(t, SS_TLS_SK_MASTER);
        if (!s || s->len != 48) {
            r = SS_TLS_R_MISSING_SECRET;
            detail = "CLIENT_RANDOM";
            goto fail;
        }
        /* one key block gives both directions; the other one starts at its own CCS */
        if (ss_tls_rp_init12(dir == 0 ? &D->rp : &other, dir == 0 ? &other : &D->rp, t->cfg.libctx,
                             t->suite, v, t->info.encrypt_then_mac, s->b, t->client_random,
                             t->server_random) < 0) {
            detail = "TLS 1.2 key derivation";
            goto fail;
        }
        if (O->key_state == KEY_NONE) {
            O->rp = other;
            O->key_state = KEY_READY;
            t->info.decrypting[!dir] = 1;
        } else {
            ss_tls_rp_clear(&other);
        }
    }
    D->key_state = KEY_READY;
    t->info.decrypting[dir] = 1;
    t->info.not_decrypted[dir] = SS_TLS_R_NONE;
    return;
fail:
    decrypt_fail(t, dir, r, detail, ts);
}

/* TLS 1.3: from the handshake secret to the first application secret (after Finished). */
static void to_app_secret(ss_tls *t, int dir, const struct timeval *ts)
{
    tls_dir *D = &t->d[dir];
    const ss_tls_secret *s =
        secret(t, dir == SS_TLS_TO_SERVER ? SS_TLS_SK_CLIENT_AP0 : SS_TLS_SK_SERVER_AP0);

    if (!s) {
        decrypt_fail(
            t, dir, SS_TLS_R_MISSING_SECRET,
            dir == SS_TLS_TO_SERVER ? "CLIENT_TRAFFIC_SECRET_0" : "SERVER_TRAFFIC_SECRET_0", ts);
        return;
    }
    if (ss_tls_rp_init13(&D->rp, t->cfg.libctx, t->suite, s->b, s->len) < 0)
        decrypt_fail(t, dir, SS_TLS_R_INTERNAL, "TLS 1.3 key derivation", ts);
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
        if (cur_vec(&e, 2, &list) < 0)
            goto bad;
        while (list.len) {
            if (ss_cur_u8(&list, &u8) < 0 || cur_vec(&list, 2, &name) < 0)
                goto bad;
            if (u8 == 0 && !in->sni[0])
                copy_printable(in->sni, sizeof(in->sni), name.p, name.len);
        }
        break;
    case EXT_ALPN:
        if (cur_vec(&e, 2, &list) < 0)
            goto bad;
        while (list.len) {
            if (cur_vec(&list, 1, &name) < 0)
                goto bad;
            append(in->alpn_offered, sizeof(in->alpn_offered), ",", name.p, name.len);
        }
        break;
    case EXT_VERSIONS:
        if (cur_vec(&e, 1, &list) < 0)
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
        cur_vec(&c, 1, &sid) < 0 || sid.len > 32 || cur_vec(&c, 2, &suites) < 0 ||
        cur_vec(&c, 1, &comp) < 0)
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
        if (cur_vec(&c, 2, &exts) < 0)
            goto bad;
        while (exts.len) {
            if (ss_cur_be16(&exts, &type) < 0 || cur_vec(&exts, 2, &e) < 0)
                goto bad;
            if (!is_grease(type)) {
                ja3_put(&ja3, sep, type);
                sep = "-";
            }
            if (type == EXT_GROUPS && cur_vec(&e, 2, &groups) < 0)
                groups = ss_cur(NULL, 0);
            else if (type == EXT_POINT_FORMATS && cur_vec(&e, 1, &formats) < 0)
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
    emit_simple(t, SS_TLS_EV_CLIENT_HELLO, SS_TLS_TO_SERVER, ts);
    return;
bad:
    in->malformed[0]++;
    in->ja3[0] = '\0';
    emit_simple(t, SS_TLS_EV_CLIENT_HELLO, SS_TLS_TO_SERVER, ts);
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

    if (cur_vec(&e, 2, &list) < 0 || cur_vec(&list, 1, &name) < 0)
        return -1;
    copy_printable(t->info.alpn, sizeof(t->info.alpn), name.p, name.len);
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
        cur_vec(&c, 1, &sid) < 0 || sid.len > 32 || ss_cur_be16(&c, &suite) < 0 ||
        ss_cur_u8(&c, &comp) < 0)
        goto bad;
    hrr = memcmp(random, hrr_random, 32) == 0;
    version = legacy;
    if (c.len) {
        if (cur_vec(&c, 2, &exts) < 0)
            goto bad;
        while (exts.len) {
            if (ss_cur_be16(&exts, &type) < 0 || cur_vec(&exts, 2, &e) < 0)
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
        emit_simple(t, SS_TLS_EV_HELLO_RETRY, SS_TLS_TO_CLIENT, ts);
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
    emit_simple(t, SS_TLS_EV_SERVER_HELLO, SS_TLS_TO_CLIENT, ts);
    return;
bad:
    in->malformed[1]++;
}

static void encrypted_extensions(ss_tls *t, const uint8_t *body, size_t len)
{
    ss_cursor c = ss_cur(body, len), exts, e;
    uint16_t type;

    if (cur_vec(&c, 2, &exts) < 0)
        goto bad;
    while (exts.len) {
        if (ss_cur_be16(&exts, &type) < 0 || cur_vec(&exts, 2, &e) < 0)
            goto bad;
        if (type == EXT_ALPN && chosen_alpn(t, e) < 0)
            goto bad;
    }
    return;
bad:
    t->info.malformed[1]++;
}

/* "C=.., O=.., CN=.." with RFC 2253 escaping, in the order of the certificate. */
static void dn_string(const X509_NAME *name, char *dst, size_t cap)
{
    unsigned long flags =
        ((XN_FLAG_RFC2253 & ~XN_FLAG_DN_REV) & ~XN_FLAG_SEP_MASK) | XN_FLAG_SEP_CPLUS_SPC;
    BIO *b = BIO_new(BIO_s_mem());
    char *data = NULL;
    long n;

    dst[0] = '\0';
    if (!b)
        return;
    if (X509_NAME_print_ex(b, name, 0, flags) >= 0) {
        n = BIO_get_mem_data(b, &data);
        if (n > 0 && data)
            copy_printable(dst, cap, (const uint8_t *)data, (size_t)n);
    }
    BIO_free(b);
}

static void time_string(time_t t, char *dst, size_t cap)
{
    struct tm tm;

    if (!gmtime_r(&t, &tm) || !strftime(dst, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
        dst[0] = '\0';
}

static int asn1_time(const ASN1_TIME *a, time_t *out)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    if (!a || ASN1_TIME_to_tm(a, &tm) != 1)
        return -1;
    *out = timegm(&tm);
    return 0;
}

static void sans_string(X509 *x, ss_tls_cert *c)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    char ip[INET6_ADDRSTRLEN + 4];
    int i, n;

    if (!gens)
        return;
    n = sk_GENERAL_NAME_num(gens);
    for (i = 0; i < n; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        const ASN1_STRING *s;
        const char *tag = NULL;
        char buf[300];

        c->nsans++;
        switch (g->type) {
        case GEN_DNS:
            tag = "DNS:";
            s = g->d.dNSName;
            break;
        case GEN_EMAIL:
            tag = "email:";
            s = g->d.rfc822Name;
            break;
        case GEN_URI:
            tag = "URI:";
            s = g->d.uniformResourceIdentifier;
            break;
        case GEN_IPADD:
            s = g->d.iPAddress;
            if (s && (s->length == 4 || s->length == 16) &&
                inet_ntop(s->length == 4 ? AF_INET : AF_INET6, s->data, ip, sizeof(ip))) {
                snprintf(buf, sizeof(buf), "IP:%s", ip);
                append(c->sans, sizeof(c->sans), ", ", (const uint8_t *)buf, strlen(buf));
            }
            continue;
        default:
            continue;
        }
        if (!s)
            continue;
        snprintf(buf, sizeof(buf), "%s", tag);
        copy_printable(buf + strlen(buf), sizeof(buf) - strlen(buf), s->data,
                       (size_t)(s->length > 0 ? s->length : 0));
        append(c->sans, sizeof(c->sans), ", ", (const uint8_t *)buf, strlen(buf));
    }
    GENERAL_NAMES_free(gens);
}

/* What a certificate says, for the summary. */
static void cert_summary(X509 *x, size_t len, ss_tls_cert *c)
{
    memset(c, 0, sizeof(*c));
    c->der_len = len;
    dn_string(X509_get_subject_name(x), c->subject, sizeof(c->subject));
    dn_string(X509_get_issuer_name(x), c->issuer, sizeof(c->issuer));
    c->self_issued = X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0;
    sans_string(x, c);
    if (asn1_time(X509_get0_notBefore(x), &c->not_before) == 0 &&
        asn1_time(X509_get0_notAfter(x), &c->not_after) == 0) {
        c->times_ok = 1;
        time_string(c->not_before, c->not_before_iso, sizeof(c->not_before_iso));
        time_string(c->not_after, c->not_after_iso, sizeof(c->not_after_iso));
    }
}

/* One DER certificate of the server chain; the leaf is also judged against time and SNI. A
 * certificate decoded before (by this engine, on any flow) comes from the cache. */
static void one_cert(ss_tls *t, const uint8_t *der, size_t len, int leaf, const struct timeval *ts)
{
    ss_tls_info *in = &t->info;
    X509 *x = NULL, *own = NULL;
    ss_tls_cert *c;

    if (in->ncerts >= SS_TLS_MAX_CERTS) {
        in->certs_dropped++;
        return;
    }
    if (!in->certs && !(in->certs = ss_mem_calloc(t->cfg.mem, SS_TLS_MAX_CERTS * sizeof(*c)))) {
        in->certs_invalid = 1; /* the memory budget said no: the chain goes undescribed */
        return;
    }
    c = &in->certs[in->ncerts];
    if (!ss_tls_certcache_get(t->cfg.certs, der, len, &x, c)) {
        const unsigned char *q = der;
        own = X509_new_ex(t->cfg.libctx, NULL);
        /* on failure d2i frees the object it was given and sets own to NULL */
        if (own && d2i_X509(&own, &q, (long)len) && q == der + len) {
            x = own;
            cert_summary(x, len, c);
        } else {
            memset(c, 0, sizeof(*c));
        }
        ss_tls_certcache_put(t->cfg.certs, der, len, x, c);
    }
    if (!x) {
        in->certs_invalid = 1;
        goto done;
    }
    in->ncerts++;
    if (leaf) {
        in->cert_expired = c->times_ok && ts->tv_sec > c->not_after;
        in->cert_not_yet_valid = c->times_ok && ts->tv_sec < c->not_before;
        if (in->sni[0])
            in->cert_name_mismatch = X509_check_host(x, in->sni, strlen(in->sni), 0, NULL) != 1;
    }
done:
    X509_free(own);
}

/* RFC 5246 7.4.2 (list of ASN.1Cert) / RFC 8446 4.4.2 (context, CertificateEntry list) */
static void certificates(ss_tls *t, const uint8_t *body, size_t len, const struct timeval *ts)
{
    ss_tls_info *in = &t->info;
    ss_cursor c = ss_cur(body, len), ctx, list, cert, ext;
    int tls13 = in->version == TLS13, n = 0;

    in->ncerts = in->certs_dropped = 0;
    if (tls13 && cur_vec(&c, 1, &ctx) < 0)
        goto bad;
    if (cur_vec(&c, 3, &list) < 0)
        goto bad;
    while (list.len) {
        if (cur_vec(&list, 3, &cert) < 0 || (tls13 && cur_vec(&list, 2, &ext) < 0))
            goto bad;
        one_cert(t, cert.p, cert.len, n++ == 0, ts);
    }
    emit_simple(t, SS_TLS_EV_CERTIFICATES, SS_TLS_TO_CLIENT, ts);
    return;
bad:
    in->malformed[1]++;
    in->certs_invalid = 1;
    emit_simple(t, SS_TLS_EV_CERTIFICATES, SS_TLS_TO_CLIENT, ts);
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
            certificates(t, body, len, ts);
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
            client_finished(t, 0, ts);
        } else {
            in->finished[dir] = 1;
            check_done(t, ts);
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
static void handshake_bytes(ss_tls *t, int dir, const uint8_t *p, size_t n,
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

/* ------------------------------------------------------------------ records */

static void alerts(ss_tls *t, int dir, const uint8_t *p, size_t n, const struct timeval *ts)
{
    ss_tls_info *in = &t->info;

    if (n == 0 || n % 2)
        in->malformed[dir]++;
    for (size_t i = 0; i + 1 < n; i += 2) {
        ss_tls_event ev = event(t, SS_TLS_EV_ALERT, dir, ts);

        in->alerts[dir]++;
        in->last_alert_dir = dir;
        in->last_alert_level = ev.alert_level = p[i];
        in->last_alert_desc = ev.alert_desc = p[i + 1];
        emit(t, &ev);
    }
}

static void encrypted_alert(ss_tls *t, int dir, const struct timeval *ts)
{
    ss_tls_info *in = &t->info;
    ss_tls_event ev = event(t, SS_TLS_EV_ALERT, dir, ts);

    in->alerts[dir]++;
    in->encrypted_alerts[dir]++;
    in->last_alert_dir = dir;
    in->last_alert_level = in->last_alert_desc = -1;
    emit(t, &ev);
}

static void app_record(ss_tls *t, int dir, size_t reclen, long plain_len, int inferred,
                       const struct timeval *ts)
{
    ss_tls_info *in = &t->info;
    tls_dir *D = &t->d[dir];
    ss_tls_event ev = event(t, SS_TLS_EV_APP_DATA, dir, ts);

    if (in->app_records[dir]++ == 0)
        in->first_app[dir] = D->ts_first;
    in->last_app[dir] = *ts;
    in->app_bytes[dir] += reclen;
    ev.ts_first = D->ts_first;
    ev.record_len = (uint32_t)reclen;
    ev.plain_len = plain_len;
    ev.inferred = inferred;
    emit(t, &ev);
}

/* A protected record that was not decrypted: what its place in the exchange says. */
static void opaque_record(ss_tls *t, int dir, uint8_t type, size_t len, const struct timeval *ts)
{
    ss_tls_info *in = &t->info;

    switch (type) {
    case CT_ALERT:
        encrypted_alert(t, dir, ts);
        break;
    case CT_HANDSHAKE:
        /* TLS 1.2: the first one after ChangeCipherSpec is the Finished */
        if (!in->finished[dir]) {
            in->finished[dir] = 1;
            in->complete_inferred = 1;
            check_done(t, ts);
        }
        break;
    case CT_APP:
        if (in->version == TLS13 && in->server_hello) {
            /* the server's flight comes before the client's Finished, which is the client's
             * first protected record (no client certificate); after it all looks alike */
            if (!in->finished[0]) {
                if (dir == SS_TLS_TO_SERVER)
                    client_finished(t, 1, ts);
                return;
            }
            app_record(t, dir, len, -1, 1, ts);
        } else {
            app_record(t, dir, len, -1, 0, ts);
        }
        break;
    }
}

static void decrypted_record(ss_tls *t, int dir, uint8_t type, const uint8_t *p, size_t n,
                             size_t reclen, const struct timeval *ts)
{
    switch (type) {
    case CT_ALERT:
        alerts(t, dir, p, n, ts);
        break;
    case CT_HANDSHAKE:
        handshake_bytes(t, dir, p, n, ts);
        break;
    case CT_APP:
        t->info.plain_bytes[dir] += n;
        app_record(t, dir, reclen, (long)n, 0, ts);
        if (n && t->sink.plaintext)
            t->sink.plaintext(t->sink.ctx, dir, p, n, ts);
        break;
    default:
        decrypt_fail(t, dir, SS_TLS_R_MALFORMED, "unexpected inner content type", ts);
        break;
    }
}

static void protected_record(ss_tls *t, int dir, const uint8_t *p, size_t len,
                             const struct timeval *ts)
{
    tls_dir *D = &t->d[dir];
    uint8_t type = D->hdr[0], inner;
    size_t n = 0;
    ss_tls_dec_status st;

    if (D->key_state == KEY_NONE)
        setup_keys(t, dir, ts);
    if (D->key_state == KEY_READY) {
        st = ss_tls_rp_decrypt(&D->rp, D->hdr, p, len, t->plain, SS_TLS_MAX_RECORD, &n, &inner);
        if (st == SS_TLS_DEC_OK) {
            decrypted_record(t, dir, inner, t->plain, n, len, ts);
            if (D->key_state == KEY_READY && D->to_app)
                to_app_secret(t, dir, ts);
            if (D->key_state == KEY_READY && D->update && ss_tls_rp_key_update(&D->rp) < 0)
                decrypt_fail(t, dir, SS_TLS_R_INTERNAL, "KeyUpdate derivation", ts);
            D->to_app = D->update = 0;
            return;
        }
        decrypt_fail(t, dir,
                     st == SS_TLS_DEC_BAD         ? SS_TLS_R_BAD_RECORD
                     : st == SS_TLS_DEC_MALFORMED ? SS_TLS_R_MALFORMED
                                                  : SS_TLS_R_INTERNAL,
                     st == SS_TLS_DEC_BAD ? "wrong key, or bytes altered" : "", ts);
    }
    opaque_record(t, dir, type, len, ts);
}

static void change_cipher_spec(ss_tls *t, int dir, const struct timeval *ts)
{
    tls_dir *D = &t->d[dir];

    t->info.ccs[dir] = 1;
    /* TLS 1.3 sends it only for middlebox compatibility (RFC 8446 D.4): it changes nothing. One
     * before any ServerHello is such a one too (a TLS 1.2 client sends its own after it). */
    if (t->info.version == TLS13 || (t->info.client_hellos && !t->info.server_hello))
        return;
    if (D->encrypted) {
        if (D->key_state == KEY_READY)
            decrypt_fail(t, dir, SS_TLS_R_UNSUPPORTED, "renegotiation", ts);
        return;
    }
    D->encrypted = 1;
}

static void record(ss_tls *t, int dir, const uint8_t *p, size_t len, const struct timeval *ts)
{
    tls_dir *D = &t->d[dir];
    uint8_t type = D->hdr[0];

    t->info.records[dir]++;
    if (type == CT_CCS) {
        change_cipher_spec(t, dir, ts);
        return;
    }
    if (D->encrypted && (type == CT_APP || (t->info.version != TLS13 && type != CT_HEARTBEAT))) {
        protected_record(t, dir, p, len, ts);
        return;
    }
    switch (type) {
    case CT_ALERT:
        alerts(t, dir, p, len, ts);
        break;
    case CT_HANDSHAKE:
        handshake_bytes(t, dir, p, len, ts);
        break;
    case CT_APP:
        /* application data before any key change: TLS 1.3 0-RTT data (keys scepsniff does
         * not derive), or we joined mid-stream */
        if (D->key_state == KEY_NONE) {
            if (dir == SS_TLS_TO_SERVER && t->info.offered_early_data && !t->info.server_hello)
                decrypt_fail(t, dir, SS_TLS_R_UNSUPPORTED, "0-RTT early data", ts);
            else
                decrypt_fail(t, dir, SS_TLS_R_NO_HANDSHAKE, "ClientHello or ServerHello not seen",
                             ts);
        }
        app_record(t, dir, len, -1, 0, ts);
        break;
    default:
        break; /* heartbeat */
    }
}

/* RFC 8446 5.1: a known content type, major version 3, and a length within the limit. */
static int check_header(ss_tls *t, int dir, const struct timeval *ts)
{
    const uint8_t *h = t->d[dir].hdr;
    size_t len = (size_t)h[3] << 8 | h[4];

    if (h[0] < CT_CCS || h[0] > CT_HEARTBEAT || h[1] != 3 || h[2] > 4) {
        stop(t, dir, t->info.records[dir] ? SS_TLS_R_MALFORMED : SS_TLS_R_NOT_TLS,
             "not a TLS record header", ts);
        return -1;
    }
    if (len > SS_TLS_MAX_RECORD) {
        stop(t, dir, SS_TLS_R_MALFORMED, "record longer than 2^14 + 2048 bytes", ts);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ the API */

ss_tls *ss_tls_new(const ss_tls_config *cfg, const ss_tls_sink *sink)
{
    ss_tls_config c;
    ss_tls *t;

    memset(&c, 0, sizeof(c));
    if (cfg)
        c = *cfg;
    if (c.mem) {
        t = ss_mem_calloc(c.mem, sizeof(*t));
    } else {
        ss_mem tmp = {0};
        t = ss_mem_calloc(&tmp, sizeof(*t));
        if (t) {
            t->own_mem = tmp;
            c.mem = &t->own_mem;
        }
    }
    if (!t)
        return NULL;
    if (c.max_handshake == 0)
        c.max_handshake = SS_TLS_MAX_HANDSHAKE;
    t->cfg = c;
    if (sink)
        t->sink = *sink;
    t->info.last_alert_dir = -1;
    t->info.last_alert_level = t->info.last_alert_desc = -1;
    return t;
}

void ss_tls_free(ss_tls *t)
{
    ss_mem *m;

    if (!t)
        return;
    m = t->cfg.mem;
    for (int i = 0; i < 2; i++) {
        free_partial(t, &t->d[i]);
        ss_tls_rp_clear(&t->d[i].rp);
    }
    if (t->keys) {
        OPENSSL_cleanse(t->keys, sizeof(*t->keys));
        ss_mem_free(m, t->keys, sizeof(*t->keys));
    }
    if (t->plain) {
        OPENSSL_cleanse(t->plain, SS_TLS_MAX_RECORD);
        ss_mem_free(m, t->plain, SS_TLS_MAX_RECORD);
    }
    ss_mem_free(m, t->info.certs, SS_TLS_MAX_CERTS * sizeof(*t->info.certs));
    if (m == &t->own_mem) {
        ss_mem tmp = t->own_mem;
        ss_mem_free(&tmp, t, sizeof(*t));
    } else {
        ss_mem_free(m, t, sizeof(*t));
    }
}

/* 1 when the record being read is protected and this direction has no key: record() will
 * only count it (opaque_record), so its body need not be kept. */
static int body_unread(const ss_tls *t, int dir)
{
    const tls_dir *D = &t->d[dir];
    uint8_t type = D->hdr[0];
    return D->encrypted && D->key_state != KEY_NONE && D->key_state != KEY_READY &&
           (type == CT_APP || (t->info.version != TLS13 && type != CT_HEARTBEAT)) && !D->rec;
}

void ss_tls_feed(ss_tls *t, int dir, const uint8_t *p, size_t n, const struct timeval *ts)
{
    tls_dir *D;
    size_t take;

    if (!t || dir < 0 || dir > 1 || (!p && n))
        return;
    D = &t->d[dir];
    D->last_ts = *ts;
    while (n > 0 && !t->info.stopped[dir]) {
        if (D->hdr_have < REC_HDR) {
            if (D->hdr_have == 0)
                D->ts_first = *ts;
            take = REC_HDR - D->hdr_have < n ? REC_HDR - D->hdr_have : n;
            memcpy(D->hdr + D->hdr_have, p, take);
            D->hdr_have += take;
            p += take;
            n -= take;
            if (D->hdr_have < REC_HDR || check_header(t, dir, ts) < 0)
                break;
            D->rec_need = (size_t)D->hdr[3] << 8 | D->hdr[4];
            D->rec_have = 0;
        }
        if (body_unread(t, dir)) {
            /* a protected record no key will open: only its length matters, so its bytes are
             * passed over instead of gathered across segments (most TLS traffic on a link) */
            take = D->rec_need - D->rec_have < n ? D->rec_need - D->rec_have : n;
            D->rec_have += take;
            p += take;
            n -= take;
            if (D->rec_have == D->rec_need) {
                size_t len = D->rec_need;
                D->hdr_have = D->rec_have = 0;
                record(t, dir, NULL, len, ts);
            }
            continue;
        }
        if (!D->rec && n >= D->rec_need) {
            /* the whole record is here: no copy */
            take = D->rec_need;
            D->hdr_have = 0;
            record(t, dir, p, take, ts);
            p += take;
            n -= take;
            continue;
        }
        if (!D->rec && !(D->rec = ss_mem_alloc(t->cfg.mem, D->rec_need))) {
            stop(t, dir, SS_TLS_R_INTERNAL, "memory budget", ts);
            break;
        }
        take = D->rec_need - D->rec_have < n ? D->rec_need - D->rec_have : n;
        memcpy(D->rec + D->rec_have, p, take);
        D->rec_have += take;
        p += take;
        n -= take;
        if (D->rec_have == D->rec_need) {
            uint8_t *rec = D->rec;
            size_t len = D->rec_need;

            D->rec = NULL;
            D->hdr_have = D->rec_have = 0;
            record(t, dir, rec, len, ts);
            ss_mem_free(t->cfg.mem, rec, len);
        }
    }
}

void ss_tls_gap(ss_tls *t, int dir, uint64_t n)
{
    if (!t || dir < 0 || dir > 1 || n == 0)
        return;
    stop(t, dir, SS_TLS_R_CAPTURE_GAP, "record boundaries lost", &t->d[dir].last_ts);
}

void ss_tls_end(ss_tls *t, int dir, const struct timeval *ts)
{
    tls_dir *D;

    if (!t || dir < 0 || dir > 1)
        return;
    D = &t->d[dir];
    if (!t->info.stopped[dir] && (D->hdr_have || D->rec_have))
        stop(t, dir, SS_TLS_R_TRUNCATED, "", ts);
}

const ss_tls_info *ss_tls_get_info(const ss_tls *t)
{
    return &t->info;
}

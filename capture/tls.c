/* tls.c — the TLS parser's state, record layer and API (see tls.h).
 *
 * Record layer: RFC 5246 6.2 / RFC 8446 5.1 (5-byte header, at most 2^14 + 2048 bytes).
 * ChangeCipherSpec: RFC 5246 7.1, RFC 8446 D.4. Alerts: RFC 8446 6. Handshake messages are
 * read in tls_handshake.c (the server's chain in tls_chain.c), keys chosen in tls_keys.c and
 * used through tls_crypto.h; names of values are in tls_names.c.
 *
 * Each direction runs its own small machine: plaintext records until its ChangeCipherSpec
 * (TLS 1.2) or the ServerHello (TLS 1.3), protected records after; with keys the TLS 1.3
 * directions move from handshake to application secrets at their Finished and to the next
 * generation at each KeyUpdate, always at a record boundary. Every wire read goes through
 * ss_cursor; nothing is trusted, everything is bounded.
 */
#include "tls_int.h"

#include <string.h>

#include <openssl/crypto.h>

enum { CT_CCS = 20, CT_ALERT = 21, CT_HANDSHAKE = 22, CT_APP = 23, CT_HEARTBEAT = 24 };

/* ------------------------------------------------------------------ events */

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

void ss_tls_emit_simple(ss_tls *t, ss_tls_ev_kind kind, int dir, const struct timeval *ts)
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
void ss_tls_decrypt_fail(ss_tls *t, int dir, ss_tls_reason r, const char *detail,
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
        ss_tls_decrypt_fail(t, dir, r, detail, ts);
    D->key_state = KEY_OFF;
    t->info.stopped[dir] = r;
    free_partial(t, D);
    ev = event(t, SS_TLS_EV_STOPPED, dir, ts);
    ev.reason = r;
    ev.detail = detail;
    emit(t, &ev);
}

void ss_tls_check_done(ss_tls *t, const struct timeval *ts)
{
    if (t->done_reported || !t->info.finished[0] || !t->info.finished[1])
        return;
    t->done_reported = 1;
    t->info.handshake_complete = 1;
    ss_tls_emit_simple(t, SS_TLS_EV_HANDSHAKE_DONE, SS_TLS_TO_CLIENT, ts);
}

/* The client's Finished: the server's came first, seen or not. */
void ss_tls_client_finished(ss_tls *t, int inferred, const struct timeval *ts)
{
    t->info.finished[0] = 1;
    if (!t->info.finished[1]) {
        t->info.finished[1] = 1;
        inferred = 1;
    }
    if (inferred)
        t->info.complete_inferred = 1;
    ss_tls_check_done(t, ts);
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
            ss_tls_check_done(t, ts);
        }
        break;
    case CT_APP:
        if (in->version == TLS13 && in->server_hello) {
            /* the server's flight comes before the client's Finished, which is the client's
             * first protected record (no client certificate); after it all looks alike */
            if (!in->finished[0]) {
                if (dir == SS_TLS_TO_SERVER)
                    ss_tls_client_finished(t, 1, ts);
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
        ss_tls_handshake_bytes(t, dir, p, n, ts);
        break;
    case CT_APP:
        t->info.plain_bytes[dir] += n;
        app_record(t, dir, reclen, (long)n, 0, ts);
        if (n && t->sink.plaintext)
            t->sink.plaintext(t->sink.ctx, dir, p, n, ts);
        break;
    default:
        ss_tls_decrypt_fail(t, dir, SS_TLS_R_MALFORMED, "unexpected inner content type", ts);
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
        ss_tls_setup_keys(t, dir, ts);
    if (D->key_state == KEY_READY) {
        st = ss_tls_rp_decrypt(&D->rp, D->hdr, p, len, t->plain, SS_TLS_MAX_RECORD, &n, &inner);
        if (st == SS_TLS_DEC_OK) {
            decrypted_record(t, dir, inner, t->plain, n, len, ts);
            if (D->key_state == KEY_READY && D->to_app)
                ss_tls_to_app_secret(t, dir, ts);
            if (D->key_state == KEY_READY && D->update && ss_tls_rp_key_update(&D->rp) < 0)
                ss_tls_decrypt_fail(t, dir, SS_TLS_R_INTERNAL, "KeyUpdate derivation", ts);
            D->to_app = D->update = 0;
            return;
        }
        ss_tls_decrypt_fail(t, dir,
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
            ss_tls_decrypt_fail(t, dir, SS_TLS_R_UNSUPPORTED, "renegotiation", ts);
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
        ss_tls_handshake_bytes(t, dir, p, len, ts);
        break;
    case CT_APP:
        /* application data before any key change: TLS 1.3 0-RTT data (keys scepsniff does
         * not derive), or we joined mid-stream */
        if (D->key_state == KEY_NONE) {
            if (dir == SS_TLS_TO_SERVER && t->info.offered_early_data && !t->info.server_hello)
                ss_tls_decrypt_fail(t, dir, SS_TLS_R_UNSUPPORTED, "0-RTT early data", ts);
            else
                ss_tls_decrypt_fail(t, dir, SS_TLS_R_NO_HANDSHAKE,
                                    "ClientHello or ServerHello not seen", ts);
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

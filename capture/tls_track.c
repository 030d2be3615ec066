/* tls_track.c — TLS flows in the capture layer (see tls_track.h). */
#include "capture/tls_track.h"

#include <stdio.h>
#include <string.h>

#include "capture/timeval.h"

int ss_tls_track_is_tls(const ss_flow *f)
{
    return f->app[0] == SS_APP_TLS || f->app[1] == SS_APP_TLS;
}

typedef struct tls_ctx {
    ss_capture *c;
    ss_flow *f;
} tls_ctx;

/* snprintf(dst, n, "%s", src) without the formatting machinery: called for every field of the
 * summary at every handshake step. */
static void copy(char *dst, size_t n, const char *src)
{
    size_t len = src ? strnlen(src, n - 1) : 0;
    memcpy(dst, src ? src : "", len);
    dst[len] = '\0';
}

/* The summary's counters: cheap, so kept current on every record. */
static void sync_counts(ss_flow *f, const ss_tls_info *in)
{
    scepsniff_tls *t = f->tls_sum;
    t->handshake_complete = in->handshake_complete;
    for (int d = 0; d < 2; d++) {
        t->decrypted[d] = in->plain_bytes[d] > 0;
        t->app_records[d] = (uint32_t)in->app_records[d];
        t->app_bytes[d] = in->app_bytes[d];
    }
}

/* The public summary, brought up to date from what the parser knows. The strings change only
 * with handshake messages and alerts, so application records (most of a TLS flow) skip this. */
static void sync_info(ss_flow *f, const ss_tls_info *in)
{
    scepsniff_tls *t = f->tls_sum;
    sync_counts(f, in);
    if (in->version)
        copy(t->version, sizeof(t->version), ss_tls_version_name(in->version));
    if (in->cipher_suite)
        copy(t->cipher, sizeof(t->cipher), in->cipher);
    copy(t->alpn, sizeof(t->alpn), in->alpn);
    copy(t->ja3, sizeof(t->ja3), in->ja3_hash);
    if (in->last_alert_dir >= 0) {
        t->alert_dir = in->last_alert_dir;
        t->alert_level = in->last_alert_level;
        copy(t->alert, sizeof(t->alert),
             in->last_alert_desc >= 0 ? ss_tls_alert_name(in->last_alert_desc) : "encrypted");
    }
    if (in->ncerts) {
        copy(t->cert_subject, sizeof(t->cert_subject), in->certs[0].subject);
        copy(t->cert_issuer, sizeof(t->cert_issuer), in->certs[0].issuer);
        copy(t->cert_not_after, sizeof(t->cert_not_after), in->certs[0].not_after_iso);
    }
    t->cert_expired = in->cert_expired;
    t->cert_not_yet_valid = in->cert_not_yet_valid;
    t->cert_name_mismatch = in->cert_name_mismatch;
    if (!f->pub.sni[0] && in->sni[0]) {
        copy(f->pub.sni, sizeof(f->pub.sni), in->sni);
        f->pub.app_proxy = ss_is_app_proxy_name(in->sni);
    }
}

/* One request/response pair of application records: "client bytes>server bytes@seconds". */
static void flush_pair(ss_flow *f)
{
    if (!f->tls_pair_bytes[0] && !f->tls_pair_bytes[1])
        return;
    char *p = f->tls_sum->pairs;
    size_t n = strlen(p), room = sizeof(f->tls_sum->pairs) - n;
    int w = snprintf(
        p + n, room, "%s%llu>%llu@%.3f", n ? " " : "", (unsigned long long)f->tls_pair_bytes[0],
        (unsigned long long)f->tls_pair_bytes[1], ss_tv_diff(&f->pub.first_seen, &f->tls_pair_ts));
    if (w < 0 || (size_t)w >= room)
        p[n] = '\0'; /* full: keep the pairs that fit whole */
    f->tls_pair_bytes[0] = f->tls_pair_bytes[1] = 0;
}

static void on_event(void *ctx, const ss_tls_event *ev)
{
    tls_ctx *tc = ctx;
    ss_flow *f = tc->f;
    if (ev->kind == SS_TLS_EV_APP_DATA)
        sync_counts(f, ev->info);
    else
        sync_info(f, ev->info);
    switch (ev->kind) {
    case SS_TLS_EV_APP_DATA:
        /* TLS 1.3 without keys: records the server sends before the client's first one are
         * its session tickets, not an answer */
        if (ev->inferred && ev->dir == SCEPSNIFF_DIR_TO_CLIENT && !ev->info->app_bytes[0])
            break;
        if (ev->dir == SCEPSNIFF_DIR_TO_SERVER && f->tls_pair_bytes[1])
            flush_pair(f);
        if (!f->tls_pair_bytes[0] && !f->tls_pair_bytes[1])
            f->tls_pair_ts = ev->ts_first;
        f->tls_pair_bytes[ev->dir & 1] += ev->record_len;
        break;
    case SS_TLS_EV_DECRYPT_FAILED:
    case SS_TLS_EV_STOPPED:
        if (ev->reason != SS_TLS_R_NONE)
            snprintf(f->tls_sum->not_decrypted, sizeof(f->tls_sum->not_decrypted), "%s%s%s",
                     ss_tls_reason_name(ev->reason), ev->detail && *ev->detail ? ": " : "",
                     ev->detail ? ev->detail : "");
        /* nothing more will be decrypted in this direction: the layers above see a gap */
        ss_track_emit(tc->c, f, SCEPSNIFF_STREAM_GAP, ev->dir & 1, &ev->ts, 0);
        break;
    default:
        break;
    }
}

static void on_plaintext(void *ctx, int dir, const uint8_t *d, size_t n, const struct timeval *ts)
{
    tls_ctx *tc = ctx;
    ss_track_emit_data(tc->c, tc->f, dir, d, n, ts);
}

static ss_tls *tls_of(ss_capture *c, ss_flow *f)
{
    if (f->tls)
        return f->tls;
    if (!f->tls_sum) {
        if (!(f->tls_sum = ss_mem_calloc(c->mem, sizeof(*f->tls_sum))))
            return NULL;
        f->tls_sum->alert_dir = -1;
        f->pub.tls = f->tls_sum;
    }
    /* the parser keeps the sink's context pointer: it is allocated beside the parser */
    tls_ctx *tc = ss_mem_alloc(c->mem, sizeof(*tc));
    if (!tc)
        return NULL;
    tc->c = c;
    tc->f = f;
    ss_tls_config cfg = {NULL, c->keylog, c->mem, 0, c->md5, c->certs};
    ss_tls_sink sink = {on_plaintext, on_event, tc};
    f->tls = ss_tls_new(&cfg, &sink);
    if (!f->tls) {
        ss_mem_free(c->mem, tc, sizeof(*tc));
        return NULL;
    }
    f->tls_ctx = tc;
    return f->tls;
}

void ss_tls_track_data(ss_capture *c, ss_flow *f, int dir, const uint8_t *d, size_t n,
                       const struct timeval *ts)
{
    ss_tls *t = tls_of(c, f);
    if (t)
        ss_tls_feed(t, dir, d, n, ts);
}

void ss_tls_track_gap(ss_capture *c, ss_flow *f, int dir, uint64_t n)
{
    (void)c;
    if (f->tls)
        ss_tls_gap(f->tls, dir, n);
}

void ss_tls_track_end(ss_capture *c, ss_flow *f, int dir, const struct timeval *ts)
{
    (void)c;
    if (f->tls)
        ss_tls_end(f->tls, dir, ts);
}

void ss_tls_track_free(ss_capture *c, ss_flow *f)
{
    if (!f->tls)
        return;
    sync_info(f, ss_tls_get_info(f->tls));
    flush_pair(f);
    ss_tls_free(f->tls);
    f->tls = NULL;
    ss_mem_free(c->mem, f->tls_ctx, sizeof(tls_ctx));
    f->tls_ctx = NULL;
}

void ss_tls_track_forget(ss_capture *c, ss_flow *f)
{
    ss_mem_free(c->mem, f->tls_sum, sizeof(*f->tls_sum));
    f->tls_sum = NULL;
    f->pub.tls = NULL;
}

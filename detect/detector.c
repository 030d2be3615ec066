/* detector.c — exchanges and enrollments from the decode layer's output (see detector.h). */
#include "detect/detector.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decode/scep_certset.h"
#include "detect/enrollments.h"
#include "detect/exchange.h"
#include "detect/judge.h"
#include "detect/servers.h"

#define SS_MAX_SERVERS 256
/* Enrollments followed at once: devices active within the stall time, not devices in all. */
#define SS_MAX_DEVICES 16384

struct ss_detector {
    scepsniff_config cfg;
    scepsniff_event_fn out;
    void *user;
    ss_servers *servers;
    ss_enrollments *enrollments;
    uint64_t next_exchange;
    ss_ca_expect expect;
    int have_expect;
};

/* What the detector remembers of a flow. */
typedef struct dflow {
    scepsniff_stream_kind end; /* IDLE_TIMEOUT, END_OF_CAPTURE, EVICTED, or 0 */
    struct timeval established;
    int rst_dir; /* -1 none */
    struct timeval rst_ts;
    unsigned txs; /* SCEP transactions reported */
    int connect_reported;
} dflow;

static void on_enrollment(void *ctx, const scepsniff_enrollment *en, const scepsniff_flow *flow,
                          const struct timeval *ts)
{
    ss_detector *d = ctx;
    if (!d->out)
        return;
    scepsniff_event ev = {0};
    ev.type = SCEPSNIFF_EVENT_ENROLLMENT;
    ev.ts = *ts;
    ev.flow = flow;
    ev.enrollment = en;
    d->out(&ev, d->user);
}

ss_detector *ss_detector_new(const scepsniff_config *cfg, scepsniff_event_fn out, void *user,
                             char *errbuf)
{
    ss_detector *d = calloc(1, sizeof(*d));
    if (!d)
        goto nomem;
    d->cfg = *cfg;
    d->out = out;
    d->user = user;
    d->servers = ss_servers_new(SS_MAX_SERVERS);
    d->enrollments = ss_enrollments_new(SS_MAX_DEVICES, cfg->stall_timeout, on_enrollment, d);
    if (!d->servers || !d->enrollments)
        goto nomem;
    return d;
nomem:
    snprintf(errbuf, SCEPSNIFF_ERRBUF_SIZE, "out of memory");
    ss_detector_free(d);
    return NULL;
}

void ss_detector_free(ss_detector *d)
{
    if (!d)
        return;
    ss_servers_free(d->servers);
    ss_enrollments_free(d->enrollments);
    free(d);
}

static dflow *dflow_of(void **above)
{
    dflow *f = *above;
    if (!f && (f = calloc(1, sizeof(*f)))) {
        f->rst_dir = -1;
        *above = f;
    }
    return f;
}

static void server_key(const scepsniff_flow *flow, char *buf, size_t n)
{
    snprintf(buf, n, "%s:%u", flow->server_ip, flow->server_port);
}

static void emit_exchange(ss_detector *d, const scepsniff_flow *flow, scepsniff_exchange *ex,
                          const struct timeval *ts)
{
    ex->id = ++d->next_exchange;
    if (!ex->device[0])
        snprintf(ex->device, sizeof(ex->device), "%s", flow->client_ip);
    ss_exchange_settle(ex);
    if (d->out) {
        scepsniff_event ev = {0};
        ev.type = SCEPSNIFF_EVENT_EXCHANGE;
        ev.ts = *ts;
        ev.flow = flow;
        ev.exchange = ex;
        d->out(&ev, d->user);
    }
    if (flow->id) /* a judgment of the user's certificates belongs to no device */
        ss_enrollments_add(d->enrollments, ex, flow, ts);
}

void ss_detector_judge_ca_file(ss_detector *d, OSSL_LIB_CTX *libctx, STACK_OF(X509) * certs,
                               const struct timeval *now)
{
    ss_scep_certs facts;
    scepsniff_exchange ex;
    scepsniff_flow none; /* not from the wire: flow id 0, no addresses */
    memset(&ex, 0, sizeof(ex));
    memset(&none, 0, sizeof(none));
    ss_scep_certset_facts(libctx, certs, &facts);
    snprintf(ex.operation, sizeof(ex.operation), "CA file");
    ss_judge_certs(&facts, now, d->cfg.cert_warn_days, &ex);
    ss_judge_ca_set(&facts, certs, d->have_expect ? &d->expect : NULL, &ex);
    emit_exchange(d, &none, &ex, now);
}

/* A connection-level failure matters when it was aimed where SCEP goes. */
static int scep_target(ss_detector *d, const scepsniff_flow *flow)
{
    switch (flow->server_port) {
    case 80:
    case 443:
    case 8080:
    case 8443:
        return 1;
    default:
        break;
    }
    if (flow->app_proxy)
        return 1;
    char key[64];
    server_key(flow, key, sizeof(key));
    ss_server *sv = ss_servers_get(d->servers, key, 0);
    return sv && sv->scep;
}

static void connect_exchange(ss_detector *d, dflow *df, const scepsniff_event *ev, ss_finding_id id,
                             const char *detail)
{
    if (df && df->connect_reported)
        return;
    if (df)
        df->connect_reported = 1;
    scepsniff_exchange ex;
    memset(&ex, 0, sizeof(ex));
    snprintf(ex.operation, sizeof(ex.operation), "connect");
    ex.t_syn = ev->flow->first_seen;
    ss_exchange_add(&ex, id, "%s", detail);
    emit_exchange(d, ev->flow, &ex, &ev->ts);
}

/* A name that says SCEP: the application proxy, or NDES/SCEP in the host name. */
static int scep_name(const char *name)
{
    static const char *const words[] = {"scep", "ndes", "certsrv", "msappproxy"};
    for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++)
        for (const char *p = name; *p; p++)
            if (!strncasecmp(p, words[w], strlen(words[w])))
                return 1;
    return 0;
}

/* What TLS itself did on a flow to a SCEP host, as one exchange when there is something to
 * say: a failed handshake, a bad server certificate, keys that did not decrypt, or — without
 * keys — the sizes of what went through. */
static void tls_exchange(ss_detector *d, dflow *df, const scepsniff_event *ev)
{
    const scepsniff_flow *f = ev->flow;
    const scepsniff_tls *t = f->tls;
    char key[64];
    server_key(f, key, sizeof(key));
    ss_server *sv = ss_servers_get(d->servers, key, 0);
    int named = f->app_proxy || scep_name(f->sni) || (sv && sv->scep);
    if (!named && !scep_target(d, f))
        return;
    scepsniff_exchange ex;
    memset(&ex, 0, sizeof(ex));
    snprintf(ex.operation, sizeof(ex.operation), "TLS");
    ex.t_syn = f->first_seen;
    ex.t_established = df->established;
    snprintf(ex.host, sizeof(ex.host), "%s", f->sni);
    const char *who = t->alert_dir == SCEPSNIFF_DIR_TO_CLIENT ? "server" : "client";
    if (t->alert_level == 2 && !t->handshake_complete)
        ss_exchange_add(&ex, SS_F_TLS_ALERT, "fatal alert %s sent by the %s%s%s", t->alert, who,
                        t->version[0] ? ", " : "", t->version);
    else if (!t->handshake_complete && df->end != SCEPSNIFF_STREAM_END_OF_CAPTURE &&
             df->established.tv_sec)
        ss_exchange_add(&ex, SS_F_TLS_INCOMPLETE, "%s%s", df->rst_dir >= 0 ? "reset by the " : "",
                        df->rst_dir < 0                          ? "closed before the end"
                        : df->rst_dir == SCEPSNIFF_DIR_TO_CLIENT ? "server"
                                                                 : "client");
    if (t->cert_expired)
        ss_exchange_add(&ex, SS_F_TLS_CERT_EXPIRED, "%s, expired %s", t->cert_subject,
                        t->cert_not_after);
    if (t->cert_not_yet_valid)
        ss_exchange_add(&ex, SS_F_TLS_CERT_NOT_YET_VALID, "%s", t->cert_subject);
    if (t->cert_name_mismatch)
        ss_exchange_add(&ex, SS_F_TLS_CERT_NAME_MISMATCH, "SNI %s, certificate %s", f->sni,
                        t->cert_subject);
    if (t->handshake_complete && !df->txs) {
        if (t->not_decrypted[0])
            ss_exchange_add(&ex, SS_F_TLS_NOT_DECRYPTED, "%s", t->not_decrypted);
        else if (named && !t->decrypted[0])
            ss_exchange_add(&ex, SS_F_TLS_ENCRYPTED,
                            "%s%s%s%s, %s; pairs (client>server bytes@s): %s",
                            f->app_proxy ? "to the Entra application proxy (SNI " : "",
                            f->app_proxy ? f->sni : "", f->app_proxy ? "): " : "", t->version,
                            t->cipher, t->pairs[0] ? t->pairs : "none");
    }
    if (ex.nfindings)
        emit_exchange(d, f, &ex, &ev->ts);
}

void ss_detector_on_event(void *ctx, void **above, const scepsniff_event *ev)
{
    ss_detector *d = ctx;
    dflow *df = dflow_of(above);
    if (ev->type == SCEPSNIFF_EVENT_STREAM) {
        if (d->cfg.stream_events && d->out)
            d->out(ev, d->user);
        if (!df)
            return;
        switch (ev->kind) {
        case SCEPSNIFF_STREAM_ESTABLISHED:
            df->established = ev->ts;
            break;
        case SCEPSNIFF_STREAM_UNANSWERED:
            if (scep_target(d, ev->flow)) {
                char why[96];
                snprintf(why, sizeof(why), "%llu SYN%s over %.1f s, no answer",
                         (unsigned long long)ev->count, ev->count == 1 ? "" : "s", ev->duration);
                connect_exchange(d, df, ev, SS_F_BLOCKED, why);
            }
            break;
        case SCEPSNIFF_STREAM_REFUSED:
            if (scep_target(d, ev->flow)) {
                char why[96];
                snprintf(why, sizeof(why), "nothing accepted port %u on %s", ev->flow->server_port,
                         ev->flow->server_ip);
                connect_exchange(d, df, ev, SS_F_REFUSED, why);
            }
            break;
        case SCEPSNIFF_STREAM_RST:
            df->rst_dir = ev->dir;
            df->rst_ts = ev->ts;
            break;
        case SCEPSNIFF_STREAM_IDLE_TIMEOUT:
        case SCEPSNIFF_STREAM_END_OF_CAPTURE:
        case SCEPSNIFF_STREAM_EVICTED:
            df->end = ev->kind;
            break;
        default:
            break;
        }
        return;
    }
    /* FLOW_END: a connection reset before any request is an exchange of its own — only when
     * the client sent nothing at all: a reset after plain web or TLS traffic is not SCEP */
    if (df && !df->txs && df->rst_dir >= 0 && df->established.tv_sec &&
        !ev->flow->payload_bytes[SCEPSNIFF_DIR_TO_SERVER] && scep_target(d, ev->flow)) {
        scepsniff_event rst = *ev;
        char why[96];
        rst.ts = df->rst_ts;
        snprintf(why, sizeof(why), "reset %.3f s after the connection opened, before any request",
                 (double)(df->rst_ts.tv_sec - df->established.tv_sec) +
                     (double)(df->rst_ts.tv_usec - df->established.tv_usec) / 1e6);
        connect_exchange(d, df, &rst,
                         df->rst_dir == SCEPSNIFF_DIR_TO_CLIENT ? SS_F_RESET_BY_SERVER
                                                                : SS_F_RESET_BY_CLIENT,
                         why);
    }
    if (df && ev->flow->tls)
        tls_exchange(d, df, ev);
    if (d->out) /* always: hosts free their per-flow state on it */
        d->out(ev, d->user);
    free(df);
    *above = NULL;
}

void ss_detector_on_tx(void *ctx, void **above, const scepsniff_flow *flow, const ss_decoded_tx *tx)
{
    ss_detector *d = ctx;
    if (!tx->http->scep.is_scep)
        return; /* plain web traffic on the same segment */
    dflow *df = dflow_of(above);
    char key[64];
    server_key(flow, key, sizeof(key));
    ss_server *sv = ss_servers_get(d->servers, key, 1);
    if (sv)
        sv->scep = 1;
    ss_judge_ctx jc = {d->cfg.cert_warn_days, df ? df->end : 0, sv,
                       d->have_expect ? &d->expect : NULL};
    scepsniff_exchange ex;
    memset(&ex, 0, sizeof(ex));
    ss_judge_tx(&jc, tx, &ex);
    if (sv && tx->certs && tx->certs->verdict.status == SS_SCEP_OK)
        ss_server_learn_certs(sv, tx->certs);
    if (df) {
        df->txs++;
        ex.t_established = df->established;
    }
    ex.t_syn = flow->first_seen;
    ex.detail = tx;
    const struct timeval *ts = tx->http->res_end.tv_sec     ? &tx->http->res_end
                               : tx->http->res_start.tv_sec ? &tx->http->res_start
                                                            : &tx->http->req_start;
    emit_exchange(d, flow, &ex, ts);
}

int ss_detector_expect_ca(ss_detector *d, const char *thumbprints, STACK_OF(X509) * anchors,
                          char *errbuf)
{
    char err[SCEPSNIFF_ERRBUF_SIZE] = "";
    if (thumbprints && *thumbprints &&
        ss_ca_expect_add(&d->expect, thumbprints, err, sizeof(err)) < 0) {
        snprintf(errbuf, SCEPSNIFF_ERRBUF_SIZE, "--expect-ca-thumbprint: %s", err);
        return -1;
    }
    d->expect.anchors = anchors;
    d->have_expect = d->expect.n > 0 || anchors;
    return 0;
}

void ss_detector_tick(ss_detector *d, const struct timeval *now)
{
    ss_enrollments_tick(d->enrollments, now);
}

void ss_detector_finish(ss_detector *d, const struct timeval *now)
{
    ss_enrollments_finish(d->enrollments, now);
}

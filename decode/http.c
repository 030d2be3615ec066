/* http.c — HTTP transactions from reassembled TCP streams through libhtp 0.5 (see http.h).
 *
 * libhtp calls our hooks as it parses; each libhtp transaction gets one record (struct rec)
 * as user data, holding what libhtp does not keep for us (times, kept bodies, the SCEP reading
 * of the request line, flags). A record is reported and freed exactly once: from the
 * TRANSACTION_COMPLETE hook when libhtp completes both sides (libhtp then destroys its
 * transaction itself: tx_auto_destroy), or earlier/later by us when a side can no longer
 * progress (stopped direction, close, finish). A transaction reported before libhtp completed it
 * stays in libhtp's list: its user data becomes a marker (a "zombie") and counts against
 * max_pending until the parser is recycled at an idle point (maybe_recycle()): that is what
 * bounds libhtp's memory per connection.
 */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <htp/htp.h>

/* Re-create the libhtp parser at an idle point after this many transactions: libhtp keeps one
 * list slot per transaction for the life of a connection. */
#define RECYCLE_AFTER 256u

/* User data of a libhtp transaction already reported but not yet destroyed by libhtp. The
 * address is the marker; nothing is ever written there. */
static const char zombie_marker;
#define ZOMBIE ((void *)&zombie_marker)

struct ss_http_ctx {
    htp_cfg_t *cfg;
    ss_http_limits lim;
    ss_mem *mem;
};

typedef struct rec {
    ss_http_tx tx;
    uint8_t *body[2];
    size_t body_cap[2];
    int body_stop[2];      /* a gap or the cap ended collection */
    int keep_body;         /* SCEP transaction */
    int html;              /* collect html_head */
    int line_seen;         /* the request line hook ran */
    int from_response;     /* libhtp made this transaction for a response without request */
    int end_set[2];        /* req_end / res_end set from data */
    uint64_t start_off[2]; /* stream offsets where the request / response began */
} rec;

struct ss_http_conn {
    ss_http_ctx *hc;
    htp_connp_t *connp;
    ss_http_tx_fn cb;
    void *user;
    struct timeval ts[2];
    uint64_t off[2];  /* stream offset of the chunk being fed */
    uint8_t *hold[2]; /* bytes not yet given to libhtp, oldest first (see feed()) */
    size_t hold_len[2];
    size_t hold_size[2];        /* allocated, grown on demand up to hold_cap() */
    int hold_other[2];          /* 1: libhtp waits for the other direction; 0: a line waits
                                   for its end */
    struct timeval hold_ts[2];  /* arrival of the held line's first byte */
    struct timeval start_ts[2]; /* arrival of the first byte of the piece being fed */
    ss_http_stop stopped[2];
    int feeding[2];     /* inside feed() for this direction */
    int flush[2];       /* the direction's input ends: feed an unfinished line too */
    int closing[2];     /* inside a libhtp close call for this direction */
    int ended;          /* everything reported; later input is ignored */
    ss_http_stop abort; /* set by a hook that refused to go on */
    unsigned live;      /* records alive */
    unsigned zombies;
    uint64_t next_index;
    uint64_t since_recycle;
    ss_http_conn_stats st;
};

void ss_http_limits_init(ss_http_limits *lim)
{
    lim->max_body = 1024u * 1024u;
    lim->max_field = 128u * 1024u;
    lim->max_headers = 256;
    lim->max_pending = 32;
    lim->max_hold = 64u * 1024u;
}

/* ---- memory ----------------------------------------------------------------------------- */

static void *mem_alloc(ss_http_ctx *hc, size_t n)
{
    return hc->mem ? ss_mem_calloc(hc->mem, n) : calloc(1, n ? n : 1);
}

static void mem_free(ss_http_ctx *hc, void *p, size_t n)
{
    if (hc->mem)
        ss_mem_free(hc->mem, p, n);
    else
        free(p);
}

/* ---- small helpers ---------------------------------------------------------------------- */

static ss_http_conn *conn_of(htp_tx_t *tx)
{
    return (ss_http_conn *)htp_connp_get_user_data(tx->connp);
}

static rec *rec_of(htp_tx_t *tx)
{
    void *u = htp_tx_get_user_data(tx);
    return u == ZOMBIE ? NULL : (rec *)u;
}

/* Copies a bstr into a NUL-terminated field, cut to fit; NUL bytes become '?'. */
static size_t copy_bstr(char *dst, size_t cap, const bstr *b)
{
    size_t n, i;
    const unsigned char *p;

    dst[0] = '\0';
    if (!b)
        return 0;
    n = bstr_len(b);
    p = bstr_ptr(b);
    for (i = 0; i < n && i + 1 < cap; i++)
        dst[i] = p[i] ? (char)p[i] : '?';
    dst[i] = '\0';
    return n;
}

static void copy_header(char *dst, size_t cap, htp_table_t *headers, const char *name)
{
    htp_header_t *h = headers ? htp_table_get_c(headers, name) : NULL;

    copy_bstr(dst, cap, h ? h->value : NULL);
}

static int is_compressed(enum htp_content_encoding_t e)
{
    return e == HTP_COMPRESSION_GZIP || e == HTP_COMPRESSION_DEFLATE || e == HTP_COMPRESSION_LZMA;
}

static size_t consumed(ss_http_conn *c, int dir)
{
    return dir ? htp_connp_res_data_consumed(c->connp) : htp_connp_req_data_consumed(c->connp);
}

/* ---- records and reporting -------------------------------------------------------------- */

static rec *rec_new(ss_http_conn *c, htp_tx_t *tx)
{
    rec *r;

    if (c->live + c->zombies >= c->hc->lim.max_pending) {
        c->abort = SS_HTTP_STOP_LIMIT;
        return NULL;
    }
    r = mem_alloc(c->hc, sizeof(*r));
    if (!r) {
        c->abort = SS_HTTP_STOP_LIMIT;
        return NULL;
    }
    r->tx.index = c->next_index++;
    r->tx.req_content_length = -1;
    r->tx.res_content_length = -1;
    htp_tx_set_user_data(tx, r);
    c->live++;
    c->since_recycle++;
    return r;
}

static void rec_free(ss_http_conn *c, rec *r)
{
    int s;

    for (s = 0; s < 2; s++)
        mem_free(c->hc, r->body[s], r->body_cap[s]);
    ss_scep_url_free(&r->tx.scep);
    mem_free(c->hc, r, sizeof(*r));
    c->live--;
}

/* Flag for a side that did not complete, from why its direction stopped. */
static unsigned stop_flag(ss_http_stop s, int dir)
{
    switch (s) {
    case SS_HTTP_STOP_GAP:
        return dir ? SS_HTTP_GAP_RES : SS_HTTP_GAP_REQ;
    case SS_HTTP_STOP_INVALID:
        return dir ? SS_HTTP_RES_INVALID : SS_HTTP_REQ_INVALID;
    case SS_HTTP_STOP_LIMIT:
        return SS_HTTP_LIMIT;
    case SS_HTTP_STOP_TUNNEL:
        return SS_HTTP_TUNNEL;
    default:
        return 0;
    }
}

static void fill_request(ss_http_conn *c, htp_tx_t *h, rec *r)
{
    ss_http_tx *t = &r->tx;

    if (r->from_response) {
        /* a stopped request side (a gap, say) explains the missing request */
        t->flags |= SS_HTTP_REQ_MISSING | stop_flag(c->stopped[0], 0);
        return;
    }
    copy_bstr(t->method, sizeof(t->method), h->request_method);
    copy_bstr(t->protocol, sizeof(t->protocol), h->request_protocol);
    if (r->line_seen) {
        t->uri_len = copy_bstr(t->uri, sizeof(t->uri), h->request_uri);
        if (h->parsed_uri)
            t->path_len = copy_bstr(t->path, sizeof(t->path), h->parsed_uri->path);
        if (t->scep.has_query) {
            /* a '?' past what uri keeps: the query starts at uri's end, none of it in uri */
            size_t kept = strlen(t->uri);
            t->query_off = t->scep.path_len + 1 <= kept ? t->scep.path_len + 1 : kept;
            t->query_len = t->scep.query_len;
        }
    }
    copy_header(t->host, sizeof(t->host), h->request_headers, "host");
    copy_header(t->user_agent, sizeof(t->user_agent), h->request_headers, "user-agent");
    copy_header(t->xff, sizeof(t->xff), h->request_headers, "x-forwarded-for");
    copy_header(t->req_content_type, sizeof(t->req_content_type), h->request_headers,
                "content-type");
    t->req_content_length = h->request_content_length;
    t->req_body_seen = h->request_message_len > 0 ? (uint64_t)h->request_message_len : 0;
    t->req_body_decoded = h->request_entity_len > 0 ? (uint64_t)h->request_entity_len : 0;
    if (h->request_transfer_coding == HTP_CODING_CHUNKED)
        t->flags |= SS_HTTP_REQ_CHUNKED;
    if (is_compressed(h->request_content_encoding))
        t->flags |= SS_HTTP_REQ_COMPRESSED;

    if (h->request_progress == HTP_REQUEST_COMPLETE &&
        !(t->req_content_length >= 0 && h->request_message_len < t->req_content_length) &&
        !(t->flags & SS_HTTP_REQ_CUT_SHORT)) {
        t->flags |= SS_HTTP_REQ_COMPLETE;
    } else {
        t->flags &= ~SS_HTTP_REQ_COMPLETE;
        t->flags |= SS_HTTP_REQ_CUT_SHORT | stop_flag(c->stopped[0], 0);
    }
}

static void fill_response(ss_http_conn *c, htp_tx_t *h, rec *r)
{
    ss_http_tx *t = &r->tx;

    if (h->response_progress == HTP_RESPONSE_NOT_STARTED) {
        t->flags |= SS_HTTP_RES_MISSING | stop_flag(c->stopped[1], 1);
        return;
    }
    if (h->response_line) {
        t->status = h->response_status_number > 0 ? h->response_status_number : 0;
        copy_bstr(t->res_protocol, sizeof(t->res_protocol), h->response_protocol);
        copy_bstr(t->reason, sizeof(t->reason), h->response_message);
    }
    copy_header(t->res_content_type, sizeof(t->res_content_type), h->response_headers,
                "content-type");
    copy_header(t->server, sizeof(t->server), h->response_headers, "server");
    t->res_content_length = h->response_content_length;
    t->res_body_seen = h->response_message_len > 0 ? (uint64_t)h->response_message_len : 0;
    t->res_body_decoded = h->response_entity_len > 0 ? (uint64_t)h->response_entity_len : 0;
    if (h->response_transfer_coding == HTP_CODING_CHUNKED)
        t->flags |= SS_HTTP_RES_CHUNKED;
    if (is_compressed(h->response_content_encoding))
        t->flags |= SS_HTTP_RES_COMPRESSED;
    if (h->seen_100continue)
        t->flags |= SS_HTTP_CONTINUE;

    if (h->response_progress == HTP_RESPONSE_COMPLETE &&
        !(h->response_transfer_coding == HTP_CODING_IDENTITY && t->res_content_length >= 0 &&
          h->response_message_len < t->res_content_length) &&
        !(t->flags & SS_HTTP_RES_CUT_SHORT)) {
        t->flags |= SS_HTTP_RES_COMPLETE;
    } else {
        t->flags &= ~SS_HTTP_RES_COMPLETE;
        t->flags |= SS_HTTP_RES_CUT_SHORT | stop_flag(c->stopped[1], 1);
    }
}

/* Reports h's record and frees it. zombie: libhtp keeps the transaction (not complete). */
static void report(ss_http_conn *c, htp_tx_t *h, rec *r, unsigned extra, int zombie)
{
    ss_http_tx *t = &r->tx;

    t->flags |= extra;
    /* our feeding splits lines (see piece()): multi-packet headers say nothing here */
    t->htp_flags = h->flags & ~HTP_MULTI_PACKET_HEAD;
    fill_request(c, h, r);
    fill_response(c, h, r);
    t->req_body = r->body[0];
    t->req_body_len = r->body[0] ? t->req_body_len : 0;
    t->res_body = r->body[1];
    t->res_body_len = r->body[1] ? t->res_body_len : 0;
    c->st.txs++;
    c->cb(c->user, t);
    htp_tx_set_user_data(h, zombie ? ZOMBIE : NULL);
    if (zombie)
        c->zombies++;
    rec_free(c, r);
}

static int side_done(ss_http_conn *c, htp_tx_t *h, rec *r, int dir)
{
    if (dir == 0)
        return r->from_response || h->request_progress == HTP_REQUEST_COMPLETE ||
               c->stopped[0] != SS_HTTP_RUNNING;
    return h->response_progress == HTP_RESPONSE_COMPLETE || c->stopped[1] != SS_HTTP_RUNNING;
}

/* Reports h now if neither side can progress any more and libhtp will not complete it. */
static void report_if_stuck(ss_http_conn *c, htp_tx_t *h)
{
    rec *r = rec_of(h);

    if (!r || !side_done(c, h, r, 0) || !side_done(c, h, r, 1))
        return;
    if (h->request_progress == HTP_REQUEST_COMPLETE &&
        h->response_progress == HTP_RESPONSE_COMPLETE)
        return; /* the TRANSACTION_COMPLETE hook reports it */
    report(c, h, r, 0, 1);
}

static htp_list_t *tx_list(ss_http_conn *c)
{
    htp_conn_t *conn = htp_connp_get_connection(c->connp);
    return conn ? conn->transactions : NULL;
}

static void report_stuck(ss_http_conn *c)
{
    htp_list_t *l = tx_list(c);
    size_t i, n = l ? htp_list_size(l) : 0;

    for (i = 0; i < n; i++) {
        htp_tx_t *h = htp_list_get(l, i);
        if (h)
            report_if_stuck(c, h);
    }
}

/* Adds flag to every transaction that still has a record and, with report_them, reports it
 * (report() adds the flag itself, so the report carries it). */
static void flag_all(ss_http_conn *c, unsigned flag, int report_them)
{
    htp_list_t *l = tx_list(c);
    size_t i, n = l ? htp_list_size(l) : 0;

    for (i = 0; i < n; i++) {
        htp_tx_t *h = htp_list_get(l, i);
        rec *r = h ? rec_of(h) : NULL;

        if (!r)
            continue;
        if (report_them)
            report(c, h, r, flag, 1);
        else
            r->tx.flags |= flag;
    }
}

/* ---- bodies ----------------------------------------------------------------------------- */

static void keep_bytes(ss_http_conn *c, rec *r, int dir, const uint8_t *d, size_t n)
{
    size_t *len = dir ? &r->tx.res_body_len : &r->tx.req_body_len;
    size_t max = c->hc->lim.max_body, want, cap;
    unsigned capped = dir ? SS_HTTP_RES_BODY_CAPPED : SS_HTTP_REQ_BODY_CAPPED;
    uint8_t *nb;

    if (!r->keep_body || r->body_stop[dir] || n == 0)
        return;
    if (n > max - *len) {
        r->tx.flags |= capped;
        r->body_stop[dir] = 1;
        n = max - *len;
        if (n == 0)
            return;
    }
    want = *len + n;
    if (want > r->body_cap[dir]) {
        cap = r->body_cap[dir] ? r->body_cap[dir] : 4096;
        while (cap < want)
            cap = cap > max / 2 ? max : cap * 2;
        nb = mem_alloc(c->hc, cap);
        if (!nb) {
            r->tx.flags |= capped;
            r->body_stop[dir] = 1;
            return;
        }
        if (*len)
            memcpy(nb, r->body[dir], *len);
        mem_free(c->hc, r->body[dir], r->body_cap[dir]);
        r->body[dir] = nb;
        r->body_cap[dir] = cap;
    }
    memcpy(r->body[dir] + *len, d, n);
    *len += n;
}

static int on_body(htp_tx_data_t *d, int dir)
{
    ss_http_conn *c = conn_of(d->tx);
    rec *r = rec_of(d->tx);
    ss_http_tx *t;

    if (!r)
        return HTP_OK;
    t = &r->tx;
    if (!d->data) {
        if (d->len > 0) {
            /* a capture gap libhtp skipped inside an identity body */
            *(dir ? &t->res_gap : &t->req_gap) += d->len;
            t->flags |= dir ? SS_HTTP_GAP_RES : SS_HTTP_GAP_REQ;
            r->body_stop[dir] = 1;
        }
        return HTP_OK;
    }
    if (d->len == 0)
        return HTP_OK;
    if (dir)
        t->res_end = c->ts[1];
    else
        t->req_end = c->ts[0];
    r->end_set[dir] = 1;
    if (dir && r->html && t->html_head_len < SS_HTTP_HTML_HEAD) {
        size_t n = SS_HTTP_HTML_HEAD - t->html_head_len;
        if (n > d->len)
            n = d->len;
        memcpy(t->html_head + t->html_head_len, d->data, n);
        t->html_head_len += n;
    }
    keep_bytes(c, r, dir, d->data, d->len);
    return HTP_OK;
}

/* ---- libhtp hooks ----------------------------------------------------------------------- */

/* libhtp's hooks do not say which side they are for: each side registers its own thin hook over
 * one function taking the direction. */

static int on_req_start(htp_tx_t *h)
{
    ss_http_conn *c = conn_of(h);
    rec *r = rec_new(c, h);

    /* not HTP_ERROR: libhtp 0.5.42's REQ_IDLE ignores it and creates transactions in a loop;
     * c->abort ends the connection when libhtp returns */
    if (!r)
        return HTP_OK;
    r->tx.req_start = c->start_ts[0];
    r->start_off[0] = c->off[0] + consumed(c, 0);
    return HTP_OK;
}

static int on_req_line(htp_tx_t *h)
{
    rec *r = rec_of(h);
    const bstr *m = h->request_method, *u = h->request_uri;

    if (!r)
        return HTP_OK;
    r->line_seen = 1;
    ss_scep_url_free(&r->tx.scep);
    /* an allocation failure leaves der_status NOMEM and everything else filled */
    (void)ss_scep_url_parse(m ? bstr_ptr(m) : NULL, m ? bstr_len(m) : 0, u ? bstr_ptr(u) : NULL,
                            u ? bstr_len(u) : 0, &r->tx.scep);
    r->keep_body = r->tx.scep.is_scep;
    return HTP_OK;
}

/* The headers of side dir ended: their size on the wire, and the side's end time until body
 * bytes move it. Returns the record, NULL when there is none. */
static rec *headers_end(htp_tx_t *h, int dir)
{
    ss_http_conn *c = conn_of(h);
    rec *r = rec_of(h);
    uint64_t bytes;

    if (!r)
        return NULL;
    /* for a response, an interim 100 Continue is counted in */
    bytes = c->off[dir] + consumed(c, dir) - r->start_off[dir];
    if (dir) {
        r->tx.res_header_bytes = bytes;
        r->tx.res_end = c->ts[1];
    } else {
        r->tx.req_header_bytes = bytes;
        r->tx.req_end = c->ts[0];
    }
    r->end_set[dir] = 1;
    if (c->closing[dir]) /* headers ended by the close, not a blank line */
        r->tx.flags |= dir ? SS_HTTP_RES_CUT_SHORT : SS_HTTP_REQ_CUT_SHORT;
    return r;
}

/* Side dir is complete: its end time if no data set one, and a report if the transaction can
 * go no further without libhtp completing it. */
static int side_complete(htp_tx_t *h, int dir)
{
    ss_http_conn *c = conn_of(h);
    rec *r = rec_of(h);

    if (!r)
        return HTP_OK;
    if (!r->end_set[dir])
        *(dir ? &r->tx.res_end : &r->tx.req_end) = c->ts[dir];
    report_if_stuck(c, h);
    return HTP_OK;
}

static int on_req_headers(htp_tx_t *h)
{
    (void)headers_end(h, 0);
    return HTP_OK;
}

static int on_res_start(htp_tx_t *h)
{
    ss_http_conn *c = conn_of(h);
    rec *r = rec_of(h);

    if (!r && htp_tx_get_user_data(h) == ZOMBIE)
        return HTP_OK;
    if (!r) {
        r = rec_new(c, h);
        if (!r)
            return HTP_OK; /* c->abort ends the connection */
        r->from_response = 1;
    }
    r->tx.res_start = c->start_ts[1];
    r->start_off[1] = c->off[1] + consumed(c, 1);
    return HTP_OK;
}

static int on_res_headers(htp_tx_t *h)
{
    rec *r = headers_end(h, 1);
    htp_header_t *ct;

    if (!r)
        return HTP_OK;
    ct = htp_table_get_c(h->response_headers, "content-type");
    r->html = !ct || bstr_begins_with_c_nocase(ct->value, "text/") ||
              bstr_index_of_c_nocase(ct->value, "html") >= 0;
    return HTP_OK;
}

static int on_req_body(htp_tx_data_t *d)
{
    return on_body(d, 0);
}

static int on_res_body(htp_tx_data_t *d)
{
    return on_body(d, 1);
}

static int on_req_complete(htp_tx_t *h)
{
    return side_complete(h, 0);
}

static int on_res_complete(htp_tx_t *h)
{
    return side_complete(h, 1);
}

static int on_tx_complete(htp_tx_t *h)
{
    ss_http_conn *c = conn_of(h);
    void *u = htp_tx_get_user_data(h);

    if (u == ZOMBIE) {
        /* libhtp destroys it right after this hook */
        htp_tx_set_user_data(h, NULL);
        c->zombies--;
    } else if (u) {
        report(c, h, u, 0, 0);
    }
    return HTP_OK;
}

/* ---- context ---------------------------------------------------------------------------- */

ss_http_ctx *ss_http_ctx_new(const ss_http_limits *lim, ss_mem *mem, char *err, size_t errlen)
{
    ss_http_ctx *hc = NULL;
    htp_cfg_t *cfg = NULL;

    hc = calloc(1, sizeof(*hc));
    if (!hc) {
        snprintf(err, errlen, "http: out of memory");
        goto fail;
    }
    if (lim)
        hc->lim = *lim;
    else
        ss_http_limits_init(&hc->lim);
    if (hc->lim.max_pending == 0 || hc->lim.max_field < 1024) {
        snprintf(err, errlen, "http: max_pending must be > 0 and max_field >= 1024");
        goto fail;
    }
    hc->mem = mem;
    cfg = htp_config_create();
    if (!cfg) {
        snprintf(err, errlen, "http: htp_config_create failed");
        goto fail;
    }
    if (htp_config_set_server_personality(cfg, HTP_SERVER_IIS_7_5) != HTP_OK) {
        snprintf(err, errlen, "http: libhtp lacks the IIS 7.5 personality");
        goto fail;
    }
    htp_config_set_log_level(cfg, HTP_LOG_NONE);
    htp_config_set_tx_auto_destroy(cfg, 1);
    /* our own line limit (see too_long()) always trips first */
    htp_config_set_field_limits(cfg, 2 * hc->lim.max_field, 2 * hc->lim.max_field);
    htp_config_set_number_headers_limit(cfg, hc->lim.max_headers);
    htp_config_set_response_decompression(cfg, 1);
    htp_config_set_request_decompression(cfg, 1);
    /* decompress at least as far as a kept body reaches */
    htp_config_set_compression_bomb_limit(cfg,
                                          hc->lim.max_body > 1048576 ? hc->lim.max_body : 1048576);
    /* request parameters, cookies and auth are not used: do not parse them */
    htp_config_set_parse_request_cookies(cfg, 0);
    htp_config_set_parse_request_auth(cfg, 0);

    htp_config_register_request_start(cfg, on_req_start);
    htp_config_register_request_line(cfg, on_req_line);
    htp_config_register_request_headers(cfg, on_req_headers);
    htp_config_register_request_body_data(cfg, on_req_body);
    htp_config_register_request_complete(cfg, on_req_complete);
    htp_config_register_response_start(cfg, on_res_start);
    htp_config_register_response_headers(cfg, on_res_headers);
    htp_config_register_response_body_data(cfg, on_res_body);
    htp_config_register_response_complete(cfg, on_res_complete);
    htp_config_register_transaction_complete(cfg, on_tx_complete);
    hc->cfg = cfg;
    return hc;
fail:
    if (cfg)
        htp_config_destroy(cfg);
    free(hc);
    return NULL;
}

void ss_http_ctx_free(ss_http_ctx *hc)
{
    if (!hc)
        return;
    htp_config_destroy(hc->cfg);
    free(hc);
}

/* ---- connection ------------------------------------------------------------------------- */

static htp_connp_t *connp_new(ss_http_conn *c)
{
    htp_connp_t *p = htp_connp_create(c->hc->cfg);

    if (!p)
        return NULL;
    htp_connp_set_user_data(p, c);
    htp_connp_open(p, NULL, 0, NULL, 0, NULL);
    return p;
}

ss_http_conn *ss_http_conn_new(ss_http_ctx *hc, ss_http_tx_fn cb, void *user, char *err,
                               size_t errlen)
{
    ss_http_conn *c = mem_alloc(hc, sizeof(*c));

    if (!c) {
        snprintf(err, errlen, "http: out of memory for a connection");
        return NULL;
    }
    c->hc = hc;
    c->cb = cb;
    c->user = user;
    c->connp = connp_new(c);
    if (!c->connp) {
        snprintf(err, errlen, "http: htp_connp_create failed");
        mem_free(hc, c, sizeof(*c));
        return NULL;
    }
    return c;
}

/* Size of a hold buffer: a whole line one byte over the limit (so that it is seen to be too
 * long) or what libhtp left while it waits for the other side. */
static size_t hold_cap(const ss_http_conn *c)
{
    const ss_http_limits *l = &c->hc->lim;
    return l->max_hold > l->max_field + 1 ? l->max_hold : l->max_field + 1;
}

static void drop_hold(ss_http_conn *c, int dir)
{
    if (c->hold[dir]) {
        c->st.ignored[dir] += c->hold_len[dir];
        mem_free(c->hc, c->hold[dir], c->hold_size[dir]);
    }
    c->hold[dir] = NULL;
    c->hold_len[dir] = 0;
    c->hold_size[dir] = 0;
}

/* Makes room for need bytes in dir's hold (need <= hold_cap()); keeps its content. 0 or -1. */
static int hold_room(ss_http_conn *c, int dir, size_t need)
{
    size_t cap = hold_cap(c), size = c->hold_size[dir] ? c->hold_size[dir] : 1024;
    uint8_t *nb;

    if (need <= c->hold_size[dir])
        return 0;
    while (size < need)
        size = size > cap / 2 ? cap : size * 2;
    nb = mem_alloc(c->hc, size);
    if (!nb)
        return -1;
    if (c->hold_len[dir])
        memcpy(nb, c->hold[dir], c->hold_len[dir]);
    mem_free(c->hc, c->hold[dir], c->hold_size[dir]);
    c->hold[dir] = nb;
    c->hold_size[dir] = size;
    return 0;
}

/* dir stops being parsed; transactions that were waiting on it are reported. */
static void stop_dir(ss_http_conn *c, int dir, ss_http_stop why)
{
    if (c->stopped[dir] != SS_HTTP_RUNNING)
        return;
    c->stopped[dir] = why;
    drop_hold(c, dir);
    report_stuck(c);
}

/* Ends parsing for good: every pending transaction is reported with extra flags. */
static void end_all(ss_http_conn *c, ss_http_stop why, unsigned extra)
{
    int d;

    for (d = 0; d < 2; d++) {
        if (c->stopped[d] == SS_HTTP_RUNNING)
            c->stopped[d] = why;
        drop_hold(c, d);
    }
    flag_all(c, extra, 1);
    c->ended = 1;
}

/* Keeps p[0..n) for later: other 1 when libhtp asked for the other direction first, 0 for an
 * unfinished line. p may lie inside the hold buffer itself. */
static void keep(ss_http_conn *c, int dir, const uint8_t *p, size_t n, int other)
{
    uint8_t *h = c->hold[dir];
    int same_line = !other && !c->hold_other[dir] && h && p == h;

    if (!h || p < h || p >= h + c->hold_size[dir]) {
        /* bytes from outside: whatever the hold had was fed already */
        c->hold_len[dir] = 0;
        if (n > hold_cap(c) || hold_room(c, dir, n) != 0) {
            c->st.ignored[dir] += n;
            stop_dir(c, dir, SS_HTTP_STOP_LIMIT);
            return;
        }
    }
    if (!same_line)
        c->hold_ts[dir] = c->ts[dir]; /* the held bytes start in the chunk at hand */
    memmove(c->hold[dir], p, n);
    c->hold_len[dir] = n;
    c->hold_other[dir] = other;
}

/* Hands one piece to libhtp and deals with its answer. Returns the bytes libhtp took: all of
 * them, or fewer when it must first see the other direction (HTP_STREAM_DATA_OTHER). */
static size_t feed_piece(ss_http_conn *c, int dir, const uint8_t *d, size_t n)
{
    int rc;
    size_t used = n;

    c->abort = SS_HTTP_RUNNING;
    rc = dir ? htp_connp_res_data(c->connp, &c->ts[1], d, n)
             : htp_connp_req_data(c->connp, &c->ts[0], d, n);
    if (rc == HTP_STREAM_DATA_OTHER) {
        used = consumed(c, dir);
        if (used > n)
            used = n;
    }
    c->st.fed[dir] += used;
    c->off[dir] += used;
    if (c->abort != SS_HTTP_RUNNING) {
        end_all(c, c->abort, SS_HTTP_LIMIT);
        return n;
    }
    switch (rc) {
    case HTP_STREAM_ERROR:
    case HTP_STREAM_STOP:
        stop_dir(c, dir, SS_HTTP_STOP_INVALID);
        break;
    case HTP_STREAM_TUNNEL:
        flag_all(c, SS_HTTP_TUNNEL, 0);
        stop_dir(c, 0, SS_HTTP_STOP_TUNNEL);
        stop_dir(c, 1, SS_HTTP_STOP_TUNNEL);
        break;
    default:
        break;
    }
    return used;
}

/* How much of d to hand to libhtp in one call. After a message ends, libhtp 0.5.42 looks ahead
 * at the next line before it completes the message; on the response side that look-ahead
 * corrupts the next status line when the line is split across two calls (RES_FINALIZE
 * "unreads" bytes it has already buffered), and on both sides it delays completion. So each
 * call ends exactly where a Content-Length body ends, or else at a line end: the look-ahead then
 * finds the end of the call and the message completes at once, whatever the packet boundaries
 * were. */
static size_t piece(ss_http_conn *c, int dir, const uint8_t *d, size_t n)
{
    htp_tx_t *h = dir ? htp_connp_get_out_tx(c->connp) : htp_connp_get_in_tx(c->connp);
    const uint8_t *lf;
    int64_t cl, seen;

    if (h) {
        int body = dir ? h->response_progress == HTP_RESPONSE_BODY &&
                             h->response_transfer_coding == HTP_CODING_IDENTITY
                       : h->request_progress == HTP_REQUEST_BODY &&
                             h->request_transfer_coding == HTP_CODING_IDENTITY;
        cl = dir ? h->response_content_length : h->request_content_length;
        seen = dir ? h->response_message_len : h->request_message_len;
        if (body && cl < 0)
            return n; /* a response to the close: no look-ahead until then */
        if (body && seen >= 0 && seen < cl)
            return (uint64_t)(cl - seen) < n ? (size_t)(cl - seen) : n;
    }
    lf = memchr(d, '\n', n);
    return lf ? (size_t)(lf - d) + 1 : n;
}

/* 1 when libhtp is reading a start line or headers (or trailers) in dir, not a body. */
static int in_lines(ss_http_conn *c, int dir)
{
    htp_tx_t *h = dir ? htp_connp_get_out_tx(c->connp) : htp_connp_get_in_tx(c->connp);

    if (!h)
        return 1;
    return dir ? h->response_progress != HTP_RESPONSE_BODY
               : h->request_progress != HTP_REQUEST_BODY;
}

/* A line longer than max_field: libhtp has seen its first max_field bytes; dir stops. The limit
 * is ours, not libhtp's, because libhtp applies its own only to lines it had to buffer across
 * calls, so whether it tripped would depend on packet boundaries. */
static void too_long(ss_http_conn *c, int dir)
{
    htp_tx_t *h = dir ? htp_connp_get_out_tx(c->connp) : htp_connp_get_in_tx(c->connp);
    rec *r = h ? rec_of(h) : NULL;

    if (r)
        r->tx.flags |= dir ? SS_HTTP_RES_TOO_LONG : SS_HTTP_REQ_TOO_LONG;
    stop_dir(c, dir, SS_HTTP_STOP_LIMIT);
}

static void feed(ss_http_conn *c, int dir, const uint8_t *d, size_t n);
static void maybe_recycle(ss_http_conn *c);

/* What dir just did may be what the other side was waiting for: the other side's held bytes
 * go in now, at the same point of the exchange however the bytes were split into calls. */
static void retry_other(ss_http_conn *c, int dir)
{
    int o = !dir;

    if (c->hold_len[o] && c->hold_other[o] && !c->feeding[o] && !c->ended &&
        c->stopped[o] == SS_HTTP_RUNNING)
        feed(c, o, c->hold[o], c->hold_len[o]);
}

/* Hands d (which may be the hold buffer itself) to libhtp for dir, piece by piece (see
 * piece()). Start lines and header lines go in whole: an unfinished one at the end of d is held
 * until its end arrives, because libhtp's handling of lines split across calls differs from
 * that of whole lines in places (flags, malformed lines), and the result must not depend on
 * where the packets happened to end. */
static void feed(ss_http_conn *c, int dir, const uint8_t *d, size_t n)
{
    size_t done = 0, k, took, max = c->hc->lim.max_field;
    int lines, long_line, ends, from_hold = c->hold[dir] && d == c->hold[dir];
    int from_line = from_hold && !c->hold_other[dir];
    struct timeval first = c->hold_ts[dir];

    c->feeding[dir] = 1;
    while (done < n) {
        if (c->ended || c->stopped[dir] != SS_HTTP_RUNNING) {
            if (!from_hold) /* a dropped hold counted its rest itself */
                c->st.ignored[dir] += n - done;
            c->feeding[dir] = 0;
            return;
        }
        k = piece(c, dir, d + done, n - done);
        lines = in_lines(c, dir);
        ends = d[done + k - 1] == '\n';
        long_line = lines && k > max;
        if (long_line) {
            k = max;
        } else if (lines && !ends && !c->flush[dir]) {
            keep(c, dir, d + done, n - done, 0);
            c->feeding[dir] = 0;
            return;
        }
        if (from_hold)
            c->hold_len[dir] = n - done - k; /* what a stop inside this piece leaves unfed */
        c->start_ts[dir] = (from_line && done == 0) ? first : c->ts[dir];
        took = feed_piece(c, dir, d + done, k);
        if (took < k && !c->ended && c->stopped[dir] == SS_HTTP_RUNNING) {
            keep(c, dir, d + done + took, n - done - took, 1);
            c->feeding[dir] = 0;
            retry_other(c, dir);
            return;
        }
        done += k;
        if (long_line && !c->ended && c->stopped[dir] == SS_HTTP_RUNNING)
            too_long(c, dir);
        retry_other(c, dir);
        if (!c->ended)
            maybe_recycle(c); /* at the same points however the input was split */
    }
    if (from_hold)
        c->hold_len[dir] = 0;
    c->feeding[dir] = 0;
}

/* The input of dir ends here (close, a gap it cannot pass, finish): an unfinished line that was
 * held goes to libhtp as it is. */
static void flush_line(ss_http_conn *c, int dir)
{
    if (c->ended || c->stopped[dir] != SS_HTTP_RUNNING || !c->hold_len[dir] || c->hold_other[dir])
        return;
    c->flush[dir] = 1;
    feed(c, dir, c->hold[dir], c->hold_len[dir]);
    c->flush[dir] = 0;
}

/* At an idle point, a fresh libhtp parser replaces the old one: after many transactions (libhtp
 * keeps a list slot per transaction for the life of the parser), or when transactions reported
 * early (zombies) pile up because one direction stopped. The stopped direction stays stopped. */
static void maybe_recycle(ss_http_conn *c)
{
    htp_connp_t *p;

    /* an unfinished line held back has not reached libhtp: it does not stand in the way */
    if (c->live || (c->hold_len[0] && c->hold_other[0]) || (c->hold_len[1] && c->hold_other[1]) ||
        (c->stopped[0] && c->stopped[1]))
        return;
    if (c->since_recycle < RECYCLE_AFTER && c->zombies < (c->hc->lim.max_pending + 1) / 2)
        return;
    if ((!c->stopped[0] && htp_connp_get_in_tx(c->connp)) ||
        (!c->stopped[1] && htp_connp_get_out_tx(c->connp)))
        return;
    p = connp_new(c);
    if (!p)
        return;
    htp_connp_destroy_all(c->connp);
    c->connp = p;
    c->since_recycle = 0;
    c->zombies = 0;
}

static void set_ts(ss_http_conn *c, int dir, const struct timeval *ts)
{
    if (ts)
        c->ts[dir] = *ts;
    c->start_ts[dir] = c->ts[dir];
}

void ss_http_conn_data(ss_http_conn *c, int dir, const uint8_t *d, size_t n,
                       const struct timeval *ts)
{
    size_t take, room;
    const uint8_t *lf;

    if (!c || n == 0 || !d)
        return;
    dir = dir ? 1 : 0;
    set_ts(c, dir, ts);
    while (n > 0) {
        if (c->ended || c->stopped[dir] != SS_HTTP_RUNNING) {
            c->st.ignored[dir] += n;
            break;
        }
        if (!c->hold_len[dir]) {
            feed(c, dir, d, n);
            break;
        }
        /* behind held bytes: all of it when libhtp waits for the other side, else as much as
         * finishes the held line (the rest goes in without a copy) */
        lf = c->hold_other[dir] ? NULL : memchr(d, '\n', n);
        take = lf ? (size_t)(lf - d) + 1 : n;
        room = hold_cap(c) - c->hold_len[dir];
        if (take > room) {
            if (c->hold_other[dir]) {
                c->st.ignored[dir] += n;
                stop_dir(c, dir, SS_HTTP_STOP_LIMIT);
                break;
            }
            take = room; /* the line is over max_field anyway: feed() cuts it there */
        }
        if (hold_room(c, dir, c->hold_len[dir] + take) != 0) {
            c->st.ignored[dir] += n;
            stop_dir(c, dir, SS_HTTP_STOP_LIMIT);
            break;
        }
        memcpy(c->hold[dir] + c->hold_len[dir], d, take);
        c->hold_len[dir] += take;
        d += take;
        n -= take;
        feed(c, dir, c->hold[dir], c->hold_len[dir]);
    }
    if (!c->ended)
        maybe_recycle(c);
}

/* 1 when libhtp can skip n missing bytes of dir without losing its place: inside an identity
 * body, not compressed, not past the declared end (see http.h). */
static int gap_fits(ss_http_conn *c, htp_tx_t *h, int dir, uint64_t n)
{
    if (!h || c->hold_len[dir])
        return 0;
    if (dir == 0)
        return h->request_progress == HTP_REQUEST_BODY &&
               h->request_transfer_coding == HTP_CODING_IDENTITY &&
               !is_compressed(h->request_content_encoding) && h->request_content_length >= 0 &&
               h->request_message_len >= 0 && h->request_message_len < h->request_content_length &&
               n <= (uint64_t)(h->request_content_length - h->request_message_len);
    return h->response_progress == HTP_RESPONSE_BODY &&
           h->response_transfer_coding == HTP_CODING_IDENTITY &&
           !is_compressed(h->response_content_encoding_processing) &&
           (h->response_content_length < 0 ||
            (h->response_message_len >= 0 && h->response_message_len < h->response_content_length &&
             n <= (uint64_t)(h->response_content_length - h->response_message_len)));
}

void ss_http_conn_gap(ss_http_conn *c, int dir, uint64_t n, const struct timeval *ts)
{
    htp_tx_t *h;
    rec *r;
    int rc;

    if (!c || n == 0)
        return;
    dir = dir ? 1 : 0;
    c->st.gap[dir] += n;
    if (c->ended || c->stopped[dir] != SS_HTTP_RUNNING)
        return;
    set_ts(c, dir, ts);
    h = dir ? htp_connp_get_out_tx(c->connp) : htp_connp_get_in_tx(c->connp);
    r = h ? rec_of(h) : NULL;
    if (r)
        r->tx.flags |= dir ? SS_HTTP_GAP_RES : SS_HTTP_GAP_REQ;
    if (!gap_fits(c, h, dir, n) || n > (uint64_t)SIZE_MAX) {
        flush_line(c, dir);
        h = dir ? htp_connp_get_out_tx(c->connp) : htp_connp_get_in_tx(c->connp);
        r = h ? rec_of(h) : NULL;
        if (r) /* the held line may have started this transaction */
            r->tx.flags |= dir ? SS_HTTP_GAP_RES : SS_HTTP_GAP_REQ;
        stop_dir(c, dir, SS_HTTP_STOP_GAP);
        return;
    }
    /* libhtp 0.5.42's gap interface: data NULL, length n */
    rc = dir ? htp_connp_res_data(c->connp, &c->ts[1], NULL, (size_t)n)
             : htp_connp_req_data(c->connp, &c->ts[0], NULL, (size_t)n);
    c->off[dir] += n;
    if (rc == HTP_STREAM_ERROR)
        stop_dir(c, dir, SS_HTTP_STOP_INVALID);
    else if (!c->ended)
        maybe_recycle(c);
}

void ss_http_conn_close(ss_http_conn *c, int dir, int reset, const struct timeval *ts)
{
    unsigned flag;

    if (!c || c->ended)
        return;
    dir = dir ? 1 : 0;
    set_ts(c, dir, ts);
    if (dir == 0)
        flag = reset ? SS_HTTP_CLIENT_RST : SS_HTTP_CLIENT_FIN;
    else
        flag = reset ? SS_HTTP_SERVER_RST : SS_HTTP_SERVER_FIN;
    flag_all(c, flag, 0);
    if (dir == 0 && !reset) {
        /* the client is done sending; responses may still come */
        flush_line(c, 0);
        if (c->stopped[0] == SS_HTTP_RUNNING && !c->hold_len[0]) {
            c->closing[0] = 1;
            htp_connp_req_close(c->connp, &c->ts[0]);
            c->closing[0] = 0;
        }
        if (!c->ended)
            stop_dir(c, 0, SS_HTTP_STOP_CLOSED);
        return;
    }
    /* the server closed, or a reset: nothing more will be parsed */
    flush_line(c, 0);
    flush_line(c, 1);
    if (!c->ended && c->stopped[1] == SS_HTTP_RUNNING && !c->hold_len[1]) {
        c->closing[0] = c->closing[1] = 1;
        htp_connp_close(c->connp, &c->ts[dir]);
        c->closing[0] = c->closing[1] = 0;
    }
    if (!c->ended)
        end_all(c, SS_HTTP_STOP_CLOSED, 0);
}

void ss_http_conn_finish(ss_http_conn *c, const struct timeval *ts)
{
    (void)ts; /* held lines keep the times they arrived at */
    if (!c || c->ended)
        return;
    flush_line(c, 0);
    flush_line(c, 1);
    if (!c->ended)
        end_all(c, SS_HTTP_STOP_CLOSED, SS_HTTP_AT_FINISH);
}

void ss_http_conn_stats_get(const ss_http_conn *c, ss_http_conn_stats *out)
{
    *out = c->st;
    out->stopped[0] = c->stopped[0];
    out->stopped[1] = c->stopped[1];
}

void ss_http_conn_free(ss_http_conn *c)
{
    htp_list_t *l;
    size_t i, n;
    int d;

    if (!c)
        return;
    /* records of unreported transactions belong to us, not to libhtp */
    l = tx_list(c);
    n = l ? htp_list_size(l) : 0;
    for (i = 0; i < n; i++) {
        htp_tx_t *h = htp_list_get(l, i);
        rec *r = h ? rec_of(h) : NULL;
        if (r)
            rec_free(c, r);
        if (h)
            htp_tx_set_user_data(h, NULL);
    }
    htp_connp_destroy_all(c->connp);
    for (d = 0; d < 2; d++)
        drop_hold(c, d);
    mem_free(c->hc, c, sizeof(*c));
}

const char *ss_http_stop_name(ss_http_stop s)
{
    switch (s) {
    case SS_HTTP_RUNNING:
        return "running";
    case SS_HTTP_STOP_GAP:
        return "gap";
    case SS_HTTP_STOP_INVALID:
        return "invalid";
    case SS_HTTP_STOP_CLOSED:
        return "closed";
    case SS_HTTP_STOP_LIMIT:
        return "limit";
    case SS_HTTP_STOP_TUNNEL:
        return "tunnel";
    }
    return "unknown";
}

const char *ss_http_flag_name(unsigned bit)
{
    static const char *const names[] = {
        "req_complete",    "req_cut_short",   "req_missing",    "res_complete", "res_cut_short",
        "res_missing",     "gap_req",         "gap_res",        "client_fin",   "client_rst",
        "server_fin",      "server_rst",      "at_finish",      "req_invalid",  "res_invalid",
        "req_body_capped", "res_body_capped", "limit",          "continue",     "req_chunked",
        "res_chunked",     "res_compressed",  "req_compressed", "tunnel",       "req_too_long",
        "res_too_long"};
    unsigned i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (bit == 1u << i)
            return names[i];
    return NULL;
}

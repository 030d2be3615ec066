/* tcp_track.c — one TCP flow's life: handshake, data, teardown and end (RFC 9293 §3.5–3.6).
 *
 * Turns each segment into stream events: ESTABLISHED, REFUSED (RST answering a SYN),
 * UNANSWERED (SYNs that never got an answer), DATA and GAP from reassembly, FIN when the
 * reassembled stream reaches the FIN (not when the FIN segment is seen: it may arrive before
 * data that the capture reordered), RST mid-stream, and the end reasons. Flows whose first
 * bytes are neither HTTP nor TLS stop being reassembled and cost only counters from then on.
 */
#include <stdio.h>
#include <string.h>

#include "capture/capture_int.h"
#include "capture/timeval.h"
#include "capture/tls_track.h"

typedef struct sink_ctx {
    ss_capture *c;
    ss_flow *f;
    int dir;
} sink_ctx;

static void emit_event(ss_capture *c, ss_flow *f, scepsniff_event *ev)
{
    ev->flow = &f->pub;
    c->emit(c->ctx, &f->upper, ev);
}

void ss_track_emit(ss_capture *c, ss_flow *f, scepsniff_stream_kind kind, int dir,
                   const struct timeval *ts, uint64_t count)
{
    scepsniff_event ev = {0};
    ev.type = SCEPSNIFF_EVENT_STREAM;
    ev.ts = *ts;
    ev.kind = kind;
    ev.dir = dir;
    ev.count = count;
    if (kind == SCEPSNIFF_STREAM_UNANSWERED)
        ev.duration = ss_tv_diff(&f->first_syn, &f->last_syn);
    emit_event(c, f, &ev);
}

void ss_track_emit_data(ss_capture *c, ss_flow *f, int dir, const uint8_t *d, size_t n,
                        const struct timeval *ts)
{
    scepsniff_event ev = {0};
    ev.type = SCEPSNIFF_EVENT_STREAM;
    ev.ts = *ts;
    ev.kind = SCEPSNIFF_STREAM_DATA;
    ev.dir = dir;
    ev.count = n;
    ev.data = d;
    ev.len = n;
    emit_event(c, f, &ev);
}

static void on_data(void *ctx, const uint8_t *d, size_t n, const struct timeval *ts)
{
    sink_ctx *s = ctx;
    s->f->pub.delivered[s->dir] += n;
    if (ss_tls_track_is_tls(s->f)) /* ciphertext: what TLS decrypts goes up instead */
        ss_tls_track_data(s->c, s->f, s->dir, d, n, ts);
    else
        ss_track_emit_data(s->c, s->f, s->dir, d, n, ts);
}

static void on_gap(void *ctx, uint64_t n, const struct timeval *ts)
{
    sink_ctx *s = ctx;
    s->f->pub.gap_bytes[s->dir] += n;
    ss_tls_track_gap(s->c, s->f, s->dir, n);
    ss_track_emit(s->c, s->f, SCEPSNIFF_STREAM_GAP, s->dir, ts, n);
}

static ss_reasm_sink make_sink(sink_ctx *sc)
{
    ss_reasm_sink s = {on_data, on_gap, sc};
    return s;
}

static void sync_counters(ss_flow *f)
{
    f->pub.retransmits = f->rs[0].retransmits + f->rs[1].retransmits;
    f->pub.out_of_order = f->rs[0].out_of_order + f->rs[1].out_of_order;
    f->pub.overlap_conflicts = f->rs[0].overlap_conflicts + f->rs[1].overlap_conflicts;
}

static void drop_classifier(ss_capture *c, ss_flow *f)
{
    if (f->cls) {
        ss_classify_flow_free(c->cls, f->cls);
        f->cls = NULL;
    }
    f->cls_done = 1;
}

/* The flow will not carry SCEP: keep counting, stop buffering. */
static void stop_reassembly(ss_capture *c, ss_flow *f)
{
    sync_counters(f);
    ss_reasm_free(&f->rs[0]);
    ss_reasm_free(&f->rs[1]);
    f->reassemble = 0;
    drop_classifier(c, f);
}

/* A closed flow keeps only its summary: reassembly, TLS and nDPI state go back to the budget
 * now, not when the closed timeout ends (that wait is only for stragglers of the teardown). */
static void release_state(ss_capture *c, ss_flow *f)
{
    ss_tls_track_free(c, f); /* its final summary belongs in FLOW_END */
    if (f->reassemble)
        stop_reassembly(c, f);
    else
        drop_classifier(c, f);
}

static int is_candidate(ss_app a)
{
    return a == SS_APP_HTTP || a == SS_APP_TLS;
}

/* Decides from a direction's first payload whether the flow can matter. */
static void judge_first_bytes(ss_capture *c, ss_flow *f, int dir, const ss_packet *p, int at_start)
{
    if (f->app[dir] != SS_APP_UNKNOWN || !p->payload_len)
        return;
    ss_app a = ss_classify_first_bytes(p->payload, p->payload_len, dir == 0);
    if (a == SS_APP_OTHER && !at_start && f->probes[dir] > 0) {
        f->probes[dir]--;
        return; /* mid-stream: this segment may be the middle of a body */
    }
    if (a == SS_APP_UNKNOWN)
        return;
    f->app[dir] = a;
    if (is_candidate(a)) {
        if (!f->pub.app[0])
            snprintf(f->pub.app, sizeof(f->pub.app), "%s", a == SS_APP_HTTP ? "HTTP" : "TLS");
    } else if (!is_candidate(f->app[!dir])) {
        stop_reassembly(c, f);
    }
}

/* nDPI is costly per packet (DESIGN.md: ~6% of a bare read loop when fed everything), and our
 * own first-bytes check already tells HTTP and TLS apart on any port. So nDPI sees only what
 * it alone adds: the client's TLS handshake packets, until the server name is known. */
static void classify(ss_capture *c, ss_flow *f, int dir, const ss_packet *p)
{
    if (!c->cls || f->cls_done || !p->l3 || dir != SCEPSNIFF_DIR_TO_SERVER || !p->payload_len ||
        f->app[SCEPSNIFF_DIR_TO_SERVER] != SS_APP_TLS)
        return;
    if (!f->cls && !(f->cls = ss_classify_flow_new(c->cls))) {
        f->cls_done = 1; /* the memory budget said no: nDPI is an extra, not a need */
        return;
    }
    ss_classify_result r;
    memset(&r, 0, sizeof(r));
    ss_classify_packet(c->cls, &f->cls, p->l3, p->l3_len, &p->ts, &r);
    if (r.sni[0]) {
        memcpy(f->pub.sni, r.sni, sizeof(f->pub.sni));
        f->pub.app_proxy = r.app_proxy;
    }
    if (r.done) {
        f->cls = NULL; /* freed by ss_classify_packet */
        f->cls_done = 1;
    } else if (r.sni[0]) {
        drop_classifier(c, f);
    }
}

static int seq_after(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) > 0;
}

static void emit_ready_fins(ss_capture *c, ss_flow *f, const struct timeval *ts, int force)
{
    for (int d = 0; d < 2; d++) {
        if (!f->fin_pending[d] || f->fin_done[d])
            continue;
        if (!force && f->reassemble && f->rs[d].started && f->rs[d].next_seq != f->fin_seq[d])
            continue;
        f->fin_done[d] = 1;
        ss_tls_track_end(c, f, d, ts);
        ss_track_emit(c, f, SCEPSNIFF_STREAM_FIN, d, ts, 0);
    }
    if (f->fin_done[0] && f->fin_done[1] && f->state != SS_TCP_CLOSED) {
        f->state = SS_TCP_CLOSED;
        f->end_ts = *ts;
        release_state(c, f);
    }
}

static void flush_streams(ss_capture *c, ss_flow *f, const struct timeval *ts)
{
    if (!f->reassemble)
        return;
    for (int d = 0; d < 2; d++) {
        sink_ctx sc = {c, f, d};
        ss_reasm_sink sink = make_sink(&sc);
        ss_reasm_flush(&f->rs[d], ts, &sink);
    }
}

static void set_established(ss_capture *c, ss_flow *f, const struct timeval *ts)
{
    if (f->state >= SS_TCP_ESTABLISHED)
        return;
    f->state = SS_TCP_ESTABLISHED;
    ss_track_emit(c, f, SCEPSNIFF_STREAM_ESTABLISHED, SCEPSNIFF_DIR_TO_SERVER, ts, 0);
}

static void on_syn(ss_capture *c, ss_flow *f, int dir, const ss_packet *p)
{
    if (!(p->flags & SS_TH_ACK)) {
        if (dir != SCEPSNIFF_DIR_TO_SERVER || f->state > SS_TCP_SYN_SENT)
            return; /* simultaneous open or a late duplicate: nothing to learn */
        if (f->pub.syns++ == 0)
            f->first_syn = p->ts;
        f->last_syn = p->ts;
        ss_reasm_set_start(&f->rs[0], p->seq + 1);
        return;
    }
    if (dir != SCEPSNIFF_DIR_TO_CLIENT || f->synack_seen)
        return;
    f->synack_seen = 1;
    if (f->state == SS_TCP_SYN_SENT)
        f->state = SS_TCP_SYN_RCVD;
    ss_reasm_set_start(&f->rs[1], p->seq + 1);
    if (!f->pub.syns) /* the SYN was not captured: the SYN-ACK tells where the client starts */
        ss_reasm_set_start(&f->rs[0], p->ack);
    (void)c;
}

static void on_rst(ss_capture *c, ss_flow *f, int dir, const ss_packet *p)
{
    if (f->state == SS_TCP_CLOSED)
        return;
    if (f->state == SS_TCP_SYN_SENT && dir == SCEPSNIFF_DIR_TO_CLIENT) {
        ss_track_emit(c, f, SCEPSNIFF_STREAM_REFUSED, dir, &p->ts, 0);
    } else {
        flush_streams(c, f, &p->ts);
        emit_ready_fins(c, f, &p->ts, 1);
        ss_tls_track_end(c, f, 0, &p->ts);
        ss_tls_track_end(c, f, 1, &p->ts);
        if (f->state == SS_TCP_CLOSED)
            return; /* both FINs were already done: a RST after close is noise */
        ss_track_emit(c, f, SCEPSNIFF_STREAM_RST, dir, &p->ts, 0);
    }
    f->state = SS_TCP_CLOSED;
    f->end_ts = p->ts;
    release_state(c, f);
}

static void on_payload(ss_capture *c, ss_flow *f, int dir, const ss_packet *p)
{
    uint32_t seq = p->seq + ((p->flags & SS_TH_SYN) ? 1 : 0);
    ss_reasm *r = &f->rs[dir];
    int at_start = r->started && r->offset == 0 && r->next_seq == seq;
    /* a segment ahead of a hole is not the start of anything: judge the bytes in order */
    if (!r->started || r->next_seq == seq)
        judge_first_bytes(c, f, dir, p, at_start);
    if (!f->reassemble)
        return;
    sink_ctx sc = {c, f, dir};
    ss_reasm_sink sink = make_sink(&sc);
    ss_reasm_segment(r, seq, p->payload, p->payload_len, &p->ts, &sink);
    /* Our capture cut the segment (snaplen): the rest existed on the wire, so it is a gap. */
    if (p->payload_declared > p->payload_len && r->next_seq == seq + p->payload_len)
        ss_reasm_acked(r, seq + p->payload_declared, &p->ts, &sink);
}

static void on_ack(ss_capture *c, ss_flow *f, int dir, const ss_packet *p)
{
    int other = !dir;
    ss_reasm *r = &f->rs[other];
    if (!f->reassemble || !r->started || !(p->flags & SS_TH_ACK))
        return;
    uint32_t ack = p->ack;
    if (f->fin_pending[other] && seq_after(ack, f->fin_seq[other]))
        ack = f->fin_seq[other]; /* the FIN takes a sequence number but carries no byte */
    if (!seq_after(ack, r->next_seq))
        return;
    sink_ctx sc = {c, f, other};
    ss_reasm_sink sink = make_sink(&sc);
    ss_reasm_acked(r, ack, &p->ts, &sink);
}

void ss_track_packet(ss_capture *c, ss_flow *f, int dir, const ss_packet *p)
{
    scepsniff_flow *pub = &f->pub;
    pub->packets[dir]++;
    pub->wire_bytes[dir] += p->wire_len;
    pub->payload_bytes[dir] += p->payload_declared;
    pub->last_seen = p->ts;

    if (p->flags & SS_TH_RST) {
        on_rst(c, f, dir, p);
        return;
    }
    if (p->flags & SS_TH_SYN)
        on_syn(c, f, dir, p);
    else if (f->state == SS_TCP_SYN_RCVD && dir == SCEPSNIFF_DIR_TO_SERVER)
        set_established(c, f, &p->ts);
    else if (f->state == SS_TCP_SYN_SENT && (p->flags & SS_TH_ACK))
        set_established(c, f, &p->ts); /* the SYN-ACK escaped our capture */

    if (f->state == SS_TCP_CLOSED && !f->fin_pending[dir])
        return; /* after a RST nothing more is handed on */
    if (p->payload_declared)
        on_payload(c, f, dir, p);
    if (p->flags & SS_TH_FIN && !f->fin_pending[dir]) {
        f->fin_pending[dir] = 1;
        f->fin_seq[dir] = p->seq + p->payload_declared + ((p->flags & SS_TH_SYN) ? 1 : 0);
    }
    on_ack(c, f, dir, p);
    emit_ready_fins(c, f, &p->ts, 0);
    if (f->reassemble)
        classify(c, f, dir, p);
}

void ss_track_end(ss_capture *c, ss_flow *f, int reason, const struct timeval *ts)
{
    flush_streams(c, f, ts);
    emit_ready_fins(c, f, ts, 1);
    int unanswered = f->state == SS_TCP_SYN_SENT && f->pub.syns > 0;
    if (unanswered)
        ss_track_emit(c, f, SCEPSNIFF_STREAM_UNANSWERED, SCEPSNIFF_DIR_TO_SERVER, &f->last_syn,
                      f->pub.syns);
    if (reason && !(unanswered && reason == SCEPSNIFF_STREAM_IDLE_TIMEOUT))
        ss_track_emit(c, f, (scepsniff_stream_kind)reason, SCEPSNIFF_DIR_TO_SERVER, ts, 0);
    release_state(c, f);
    c->st.stream_bytes_dropped += f->rs[0].dropped_bytes + f->rs[1].dropped_bytes;

    scepsniff_event ev = {0};
    ev.type = SCEPSNIFF_EVENT_FLOW_END;
    ev.ts = *ts;
    ev.kind = (scepsniff_stream_kind)reason;
    emit_event(c, f, &ev);
    ss_tls_track_forget(c, f);
    ss_flow_table_remove(c->flows, f);
}

/* test_tcp_track.c — the capture layer's stream events through the public engine API, on
 * frames built for edge cases: handshake and close, unanswered and refused connections,
 * resets, capture gaps (lost segment, snaplen cut), mid-stream pick-up, timeouts, caps, port
 * reuse, and two engines side by side. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "capture/packet.h"
#include "scepsniff/scepsniff.h"
#include "tests/support/frames.h"

#define MAX_EV 256

typedef struct rec_ev {
    scepsniff_event_type type;
    scepsniff_stream_kind kind;
    int dir;
    uint64_t count;
    uint64_t flow;
    double duration;
} rec_ev;

typedef struct recorder {
    rec_ev ev[MAX_EV];
    int n;
    char data[2][8192];
    size_t dlen[2];
    scepsniff_flow last_flow; /* summary from the latest FLOW_END */
    int client_inferred;
} recorder;

static void on_event(const scepsniff_event *ev, void *user)
{
    recorder *r = user;
    if (r->n < MAX_EV) {
        rec_ev *e = &r->ev[r->n++];
        e->type = ev->type;
        e->kind = ev->kind;
        e->dir = ev->dir;
        e->count = ev->count;
        e->flow = ev->flow->id;
        e->duration = ev->duration;
    }
    if (ev->type == SCEPSNIFF_EVENT_STREAM && ev->kind == SCEPSNIFF_STREAM_DATA) {
        size_t room = sizeof(r->data[0]) - r->dlen[ev->dir];
        size_t n = ev->len < room ? ev->len : room;
        memcpy(r->data[ev->dir] + r->dlen[ev->dir], ev->data, n);
        r->dlen[ev->dir] += n;
    }
    if (ev->type == SCEPSNIFF_EVENT_FLOW_END)
        r->last_flow = *ev->flow;
}

typedef struct fixture {
    scepsniff_engine *e;
    recorder rec;
    long t_us; /* packet clock */
} fixture;

static fixture *fx_new(const scepsniff_config *cfg)
{
    static fixture f; /* one at a time per test; two-engine test builds its own */
    memset(&f, 0, sizeof(f));
    scepsniff_config c;
    if (cfg)
        c = *cfg;
    else
        scepsniff_config_init(&c);
    c.stream_events = 1;
    c.classify = 0;
    c.hash_seed = 42;
    char err[SCEPSNIFF_ERRBUF_SIZE];
    f.e = scepsniff_engine_new(&c, on_event, &f.rec, err);
    assert_non_null(f.e);
    f.t_us = 1000000;
    return &f;
}

#define C "10.0.0.1"
#define S "10.0.0.2"

/* Sends one segment; caplen_cut > 0 cuts that many bytes off the captured frame. */
static void send_cut(fixture *f, int to_server, uint32_t seq, uint32_t ack, uint8_t flags,
                     const char *data, size_t caplen_cut)
{
    uint8_t buf[2048];
    ss_test_tcp t = {0};
    t.src = to_server ? C : S;
    t.dst = to_server ? S : C;
    t.sport = to_server ? 40000 : 80;
    t.dport = to_server ? 80 : 40000;
    t.seq = seq;
    t.ack = ack;
    t.flags = flags;
    t.payload = data;
    t.len = data ? strlen(data) : 0;
    size_t n = ss_test_frame(buf, &t);
    struct pcap_pkthdr h;
    f->t_us += 1000;
    h.ts.tv_sec = f->t_us / 1000000;
    h.ts.tv_usec = f->t_us % 1000000;
    h.len = (bpf_u_int32)n;
    h.caplen = (bpf_u_int32)(n - caplen_cut);
    assert_int_equal(scepsniff_engine_packet(f->e, DLT_EN10MB, &h, buf), 0);
}

static void seg(fixture *f, int to_server, uint32_t seq, uint32_t ack, uint8_t flags,
                const char *data)
{
    send_cut(f, to_server, seq, ack, flags, data, 0);
}

static void handshake(fixture *f)
{
    seg(f, 1, 100, 0, SS_TH_SYN, NULL);
    seg(f, 0, 500, 101, SS_TH_SYN | SS_TH_ACK, NULL);
    seg(f, 1, 101, 501, SS_TH_ACK, NULL);
}

static int count_kind(const recorder *r, scepsniff_stream_kind k)
{
    int n = 0;
    for (int i = 0; i < r->n; i++)
        n += r->ev[i].type == SCEPSNIFF_EVENT_STREAM && r->ev[i].kind == k;
    return n;
}

static const rec_ev *find_kind(const recorder *r, scepsniff_stream_kind k)
{
    for (int i = 0; i < r->n; i++)
        if (r->ev[i].type == SCEPSNIFF_EVENT_STREAM && r->ev[i].kind == k)
            return &r->ev[i];
    return NULL;
}

static void fx_done(fixture *f)
{
    scepsniff_engine_finish(f->e);
    scepsniff_engine_free(f->e);
}

static void test_clean_exchange(void **state)
{
    (void)state;
    fixture *f = fx_new(NULL);
    const char *req = "GET /certsrv/mscep/mscep.dll HTTP/1.1\r\nHost: x\r\n\r\n";
    const char *resp = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n";
    handshake(f);
    seg(f, 1, 101, 501, SS_TH_ACK | SS_TH_PUSH, req);
    seg(f, 0, 501, 101 + (uint32_t)strlen(req), SS_TH_ACK | SS_TH_PUSH, resp);
    seg(f, 1, 101 + (uint32_t)strlen(req), 501 + (uint32_t)strlen(resp), SS_TH_ACK | SS_TH_FIN,
        NULL);
    seg(f, 0, 501 + (uint32_t)strlen(resp), 102 + (uint32_t)strlen(req), SS_TH_ACK | SS_TH_FIN,
        NULL);
    assert_int_equal(count_kind(&f->rec, SCEPSNIFF_STREAM_ESTABLISHED), 1);
    assert_int_equal(count_kind(&f->rec, SCEPSNIFF_STREAM_FIN), 2);
    assert_int_equal(count_kind(&f->rec, SCEPSNIFF_STREAM_GAP), 0);
    assert_int_equal(f->rec.dlen[0], strlen(req));
    assert_memory_equal(f->rec.data[0], req, strlen(req));
    assert_int_equal(f->rec.dlen[1], strlen(resp));
    assert_memory_equal(f->rec.data[1], resp, strlen(resp));
    fx_done(f);
    assert_int_equal(f->rec.last_flow.syns, 1);
    assert_int_equal(f->rec.last_flow.client_inferred, 0);
    assert_string_equal(f->rec.last_flow.client_ip, C);
    assert_int_equal(f->rec.last_flow.server_port, 80);
    assert_string_equal(f->rec.last_flow.app, "HTTP");
    /* a closed flow ends without a timeout or end-of-capture reason */
    assert_int_equal(count_kind(&f->rec, SCEPSNIFF_STREAM_END_OF_CAPTURE), 0);
}

static void test_unanswered(void **state)
{
    (void)state;
    fixture *f = fx_new(NULL);
    seg(f, 1, 7, 0, SS_TH_SYN, NULL);
    f->t_us += 1000000;
    seg(f, 1, 7, 0, SS_TH_SYN, NULL);
    f->t_us += 2000000;
    seg(f, 1, 7, 0, SS_TH_SYN, NULL);
    fx_done(f);
    const rec_ev *u = find_kind(&f->rec, SCEPSNIFF_STREAM_UNANSWERED);
    assert_non_null(u);
    assert_int_equal(u->count, 3);
    assert_true(u->duration > 2.9 && u->duration < 3.1);
    assert_int_equal(count_kind(&f->rec, SCEPSNIFF_STREAM_ESTABLISHED), 0);
}

static void test_unanswered_times_out(void **state)
{
    (void)state;
    scepsniff_config c;
    scepsniff_config_init(&c);
    c.syn_timeout = 5;
    fixture *f = fx_new(&c);
    seg(f, 1, 7, 0, SS_TH_SYN, NULL);
    struct timeval later = {f->t_us / 1000000 + 10, 0};
    scepsniff_engine_tick(f->e, later);
    /* reported by the tick, before the end of input */
    assert_non_null(find_kind(&f->rec, SCEPSNIFF_STREAM_UNANSWERED));
    fx_done(f);
    assert_int_equal(count_kind(&f->rec, SCEPSNIFF_STREAM_UNANSWERED), 1);
}

static void test_refused(void **state)
{
    (void)state;
    fixture *f = fx_new(NULL);
    seg(f, 1, 100, 0, SS_TH_SYN, NULL);
    seg(f, 0, 0, 101, SS_TH_RST | SS_TH_ACK, NULL);
    fx_done(f);
    assert_int_equal(count_kind(&f->rec, SCEPSNIFF_STREAM_REFUSED), 1);
    assert_int_equal(count_kind(&f->rec, SCEPSNIFF_STREAM_UNANSWERED), 0);
    assert_int_equal(count_kind(&f->rec, SCEPSNIFF_STREAM_RST), 0);
}

static void test_reset_by_server(void **state)
{
    (void)state;
    fixture *f = fx_new(NULL);
    handshake(f);
    seg(f, 1, 101, 501, SS_TH_ACK | SS_TH_PUSH, "GET / HTTP/1.1\r\n\r\n");
    seg(f, 0, 501, 119, SS_TH_RST | SS_TH_ACK, NULL);
    fx_done(f);
    const rec_ev *r = find_kind(&f->rec, SCEPSNIFF_STREAM_RST);
    assert_non_null(r);
    assert_int_equal(r->dir, SCEPSNIFF_DIR_TO_CLIENT);
    assert_int_equal(f->rec.dlen[0], 18);
}

/* A segment missing from our capture that the peer acknowledged: a gap, no invented bytes. */
static void test_lost_segment_is_capture_gap(void **state)
{
    (void)state;
    fixture *f = fx_new(NULL);
    handshake(f);
    seg(f, 1, 101, 501, SS_TH_ACK, "GET /a HTTP/1.1\r\n"); /* 17 bytes */
    /* bytes 118..127 ("Host: xx\r\n", 10 bytes) never captured */
    seg(f, 1, 128, 501, SS_TH_ACK | SS_TH_PUSH, "\r\n"); /* held out of order */
    seg(f, 0, 501, 130, SS_TH_ACK, NULL);                /* server has it all */
    const rec_ev *g = find_kind(&f->rec, SCEPSNIFF_STREAM_GAP);
    assert_non_null(g);
    assert_int_equal(g->count, 10);
    assert_int_equal(g->dir, SCEPSNIFF_DIR_TO_SERVER);
    assert_int_equal(f->rec.dlen[0], 19);
    assert_memory_equal(f->rec.data[0], "GET /a HTTP/1.1\r\n\r\n", 19);
    fx_done(f);
    assert_int_equal(f->rec.last_flow.gap_bytes[0], 10);
}

/* Snaplen cut the payload: the rest existed on the wire and is reported as a capture gap. */
static void test_snaplen_cut_is_capture_gap(void **state)
{
    (void)state;
    fixture *f = fx_new(NULL);
    handshake(f);
    send_cut(f, 1, 101, 501, SS_TH_ACK | SS_TH_PUSH, "GET / HTTP/1.1\r\nHost: abc\r\n\r\n", 10);
    fx_done(f);
    const rec_ev *g = find_kind(&f->rec, SCEPSNIFF_STREAM_GAP);
    assert_non_null(g);
    assert_int_equal(g->count, 10);
    assert_int_equal(f->rec.dlen[0], 29 - 10);
    assert_int_equal(count_kind(&f->rec, SCEPSNIFF_STREAM_RST), 0);
}

static void test_midstream_pickup(void **state)
{
    (void)state;
    fixture *f = fx_new(NULL);
    /* first packet seen is the server's response: the client is inferred from port 80 */
    seg(f, 0, 9000, 300, SS_TH_ACK | SS_TH_PUSH, "HTTP/1.1 200 OK\r\n\r\n");
    fx_done(f);
    assert_int_equal(f->rec.last_flow.client_inferred, 1);
    assert_int_equal(f->rec.last_flow.server_port, 80);
    assert_int_equal(f->rec.dlen[1], 19);
    assert_int_equal(count_kind(&f->rec, SCEPSNIFF_STREAM_END_OF_CAPTURE), 1);
}

static void test_idle_timeout(void **state)
{
    (void)state;
    scepsniff_config c;
    scepsniff_config_init(&c);
    c.idle_timeout = 30;
    fixture *f = fx_new(&c);
    handshake(f);
    seg(f, 1, 101, 501, SS_TH_ACK | SS_TH_PUSH, "GET / HTTP/1.1\r\n\r\n");
    f->t_us += 31 * 1000000L;
    /* an unrelated packet moves the clock on */
    uint8_t buf[256];
    ss_test_tcp t = {0, "10.9.9.9", "10.9.9.8", 1234, 443, 1, 0, SS_TH_SYN, NULL, 0};
    size_t n = ss_test_frame(buf, &t);
    struct pcap_pkthdr h = {{f->t_us / 1000000, 0}, (bpf_u_int32)n, (bpf_u_int32)n};
    scepsniff_engine_packet(f->e, DLT_EN10MB, &h, buf);
    assert_int_equal(count_kind(&f->rec, SCEPSNIFF_STREAM_IDLE_TIMEOUT), 1);
    fx_done(f);
}

/* Sends a SYN of flow (client port sport) at time t_us, without the fixture's clock. */
static void syn_at(fixture *f, uint16_t sport, long t_us)
{
    uint8_t buf[256];
    ss_test_tcp t = {0, "203.0.113.47", "10.4.4.4", sport, 80, 1, 0, SS_TH_SYN, NULL, 0};
    size_t n = ss_test_frame(buf, &t);
    struct pcap_pkthdr h = {{t_us / 1000000, t_us % 1000000}, (bpf_u_int32)n, (bpf_u_int32)n};
    scepsniff_engine_packet(f->e, DLT_EN10MB, &h, buf);
}

/* Flows move in their timeout list at most once a second; one active later in the same second
 * as its move sits ahead of a flow that went quiet earlier. Neither may end before its own
 * timeout, the one behind at most a second after it, and flows closed long ago must all be
 * gone (a list that lost its order kept them for ever). */
static void test_timeout_order_within_a_second(void **state)
{
    (void)state;
    scepsniff_config c;
    scepsniff_config_init(&c);
    c.syn_timeout = 10;
    fixture *f = fx_new(&c);
    syn_at(f, 3001, 5100000);  /* A, moved to the list's end in second 5 */
    syn_at(f, 3002, 5500000);  /* B */
    syn_at(f, 3001, 5900000);  /* A again (a retransmitted SYN), same second: not moved */
    syn_at(f, 3999, 15600000); /* clock: B due (5.5 + 10), A not (5.9 + 10) */
    assert_int_equal(count_kind(&f->rec, SCEPSNIFF_STREAM_UNANSWERED), 0);
    syn_at(f, 3999, 16000000); /* A due (15.9), and B behind it */
    assert_int_equal(count_kind(&f->rec, SCEPSNIFF_STREAM_UNANSWERED), 2);
    assert_int_equal(f->rec.last_flow.client_port, 3002);
    assert_string_equal(f->rec.last_flow.client_ip, "203.0.113.47");
    assert_string_equal(f->rec.last_flow.server_ip, "10.4.4.4");
    /* a flow a second, each retransmitting its SYN later in the same second, for a minute:
     * once the clock is past them all by the timeout, none is left */
    scepsniff_stats st;
    for (int i = 0; i < 60; i++) {
        syn_at(f, (uint16_t)(4000 + i), 20000000L + i * 1000000L);
        syn_at(f, (uint16_t)(4000 + i), 20900000L + i * 1000000L);
        /* the last 10 s of flows, one due for less than a second, and the clock's */
        scepsniff_engine_stats(f->e, &st);
        assert_true(st.flows_active <= 13);
    }
    syn_at(f, 3999, 95000000);
    scepsniff_engine_stats(f->e, &st);
    assert_int_equal(st.flows_active, 1); /* the clock's own flow */
    fx_done(f);
}

static int count_type(const recorder *r, scepsniff_event_type t)
{
    int n = 0;
    for (int i = 0; i < r->n; i++)
        n += r->ev[i].type == t;
    return n;
}

/* A closed flow waits closed_timeout seconds for stragglers of its teardown (its buffers are
 * already freed): a retransmitted FIN within it is counted in the same flow, not taken for a
 * new one, and the flow ends when the timeout has passed. */
static void test_closed_flow_absorbs_stragglers(void **state)
{
    (void)state;
    scepsniff_config c;
    scepsniff_config_init(&c);
    c.closed_timeout = 5;
    fixture *f = fx_new(&c);
    const char *req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    uint32_t cs = 101 + (uint32_t)strlen(req);
    handshake(f);
    seg(f, 1, 101, 501, SS_TH_ACK | SS_TH_PUSH, req);
    seg(f, 1, cs, 501, SS_TH_ACK | SS_TH_FIN, NULL);
    seg(f, 0, 501, cs + 1, SS_TH_ACK | SS_TH_FIN, NULL);
    seg(f, 1, cs + 1, 502, SS_TH_ACK, NULL);
    assert_int_equal(count_kind(&f->rec, SCEPSNIFF_STREAM_FIN), 2);
    assert_int_equal(count_type(&f->rec, SCEPSNIFF_EVENT_FLOW_END), 0);
    f->t_us += 2000000; /* the server did not see the last ACK: its FIN again */
    seg(f, 0, 501, cs + 1, SS_TH_ACK | SS_TH_FIN, NULL);
    scepsniff_stats st;
    scepsniff_engine_stats(f->e, &st);
    assert_int_equal(st.flows, 1);
    assert_int_equal(count_type(&f->rec, SCEPSNIFF_EVENT_FLOW_END), 0);
    f->t_us += 6000000;
    syn_at(f, 3999, f->t_us); /* moves the clock past the timeout */
    assert_int_equal(count_type(&f->rec, SCEPSNIFF_EVENT_FLOW_END), 1);
    assert_int_equal(f->rec.last_flow.client_port, 40000);
    assert_int_equal(f->rec.last_flow.packets[0], 5); /* SYN, ACK, request, FIN, last ACK */
    assert_int_equal(f->rec.last_flow.packets[1], 3); /* SYN-ACK, FIN, FIN again */
    fx_done(f);
}

static void test_flow_cap_evicts(void **state)
{
    (void)state;
    scepsniff_config c;
    scepsniff_config_init(&c);
    c.max_flows = 4;
    fixture *f = fx_new(&c);
    uint8_t buf[256];
    for (int i = 0; i < 10; i++) {
        ss_test_tcp t = {0,         "10.1.1.1", "10.2.2.2", (uint16_t)(2000 + i), 80, 1, 0,
                         SS_TH_SYN, NULL,       0};
        size_t n = ss_test_frame(buf, &t);
        struct pcap_pkthdr h = {{1000 + i, 0}, (bpf_u_int32)n, (bpf_u_int32)n};
        scepsniff_engine_packet(f->e, DLT_EN10MB, &h, buf);
        scepsniff_stats st;
        scepsniff_engine_stats(f->e, &st);
        assert_true(st.flows_active <= 4);
    }
    scepsniff_stats st;
    scepsniff_engine_stats(f->e, &st);
    assert_int_equal(st.flows, 10);
    assert_int_equal(st.flows_evicted, 6);
    assert_int_equal(count_kind(&f->rec, SCEPSNIFF_STREAM_EVICTED), 6);
    fx_done(f);
}

static void test_port_reuse_new_flow(void **state)
{
    (void)state;
    fixture *f = fx_new(NULL);
    handshake(f);
    seg(f, 1, 101, 501, SS_TH_ACK | SS_TH_FIN, NULL);
    seg(f, 0, 501, 102, SS_TH_ACK | SS_TH_FIN, NULL);
    seg(f, 1, 5000, 0, SS_TH_SYN, NULL);
    fx_done(f);
    assert_int_equal(f->rec.last_flow.id, 2);
}

static void test_not_http_not_reassembled(void **state)
{
    (void)state;
    fixture *f = fx_new(NULL);
    handshake(f);
    seg(f, 1, 101, 501, SS_TH_ACK | SS_TH_PUSH, "SSH-2.0-OpenSSH_9.2\r\n");
    seg(f, 0, 501, 122, SS_TH_ACK | SS_TH_PUSH, "SSH-2.0-OpenSSH_9.2\r\n");
    fx_done(f);
    assert_int_equal(f->rec.dlen[0], 0);
    assert_int_equal(f->rec.last_flow.payload_bytes[0], 21);
    assert_int_equal(f->rec.last_flow.delivered[1], 0);
}

/* The request's second segment overtakes the first: the flow is still judged by its start. */
static void test_out_of_order_start(void **state)
{
    (void)state;
    fixture *f = fx_new(NULL);
    handshake(f);
    seg(f, 1, 109, 501, SS_TH_ACK | SS_TH_PUSH, "TP/1.1\r\n\r\n"); /* bytes 8.. */
    seg(f, 1, 101, 501, SS_TH_ACK, "GET / HT");                    /* bytes 0..7 */
    fx_done(f);
    assert_int_equal(f->rec.dlen[0], 18);
    assert_memory_equal(f->rec.data[0], "GET / HTTP/1.1\r\n\r\n", 18);
    assert_string_equal(f->rec.last_flow.app, "HTTP");
}

static void test_two_engines_independent(void **state)
{
    (void)state;
    recorder r1, r2;
    memset(&r1, 0, sizeof(r1));
    memset(&r2, 0, sizeof(r2));
    scepsniff_config c;
    scepsniff_config_init(&c);
    c.stream_events = 1;
    c.classify = 0;
    char err[SCEPSNIFF_ERRBUF_SIZE];
    scepsniff_engine *a = scepsniff_engine_new(&c, on_event, &r1, err);
    scepsniff_engine *b = scepsniff_engine_new(&c, on_event, &r2, err);
    assert_non_null(a);
    assert_non_null(b);
    uint8_t buf[256];
    ss_test_tcp t = {0, C, S, 40000, 80, 1, 0, SS_TH_SYN, NULL, 0};
    size_t n = ss_test_frame(buf, &t);
    struct pcap_pkthdr h = {{5, 0}, (bpf_u_int32)n, (bpf_u_int32)n};
    scepsniff_engine_packet(a, DLT_EN10MB, &h, buf);
    scepsniff_engine_finish(a);
    scepsniff_engine_finish(b);
    assert_int_equal(count_kind(&r1, SCEPSNIFF_STREAM_UNANSWERED), 1);
    assert_int_equal(r2.n, 0);
    scepsniff_engine_free(a);
    scepsniff_engine_free(b);
}

static void test_unsupported_linktype(void **state)
{
    (void)state;
    fixture *f = fx_new(NULL);
    uint8_t b[4] = {0};
    struct pcap_pkthdr h = {{1, 0}, 4, 4};
    assert_int_equal(scepsniff_engine_packet(f->e, 147 /* DLT_USER0 */, &h, b), -1);
    assert_int_equal(scepsniff_linktype_supported(147), 0);
    assert_int_equal(scepsniff_linktype_supported(DLT_EN10MB), 1);
    fx_done(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_exchange),
        cmocka_unit_test(test_unanswered),
        cmocka_unit_test(test_unanswered_times_out),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_reset_by_server),
        cmocka_unit_test(test_lost_segment_is_capture_gap),
        cmocka_unit_test(test_snaplen_cut_is_capture_gap),
        cmocka_unit_test(test_midstream_pickup),
        cmocka_unit_test(test_idle_timeout),
        cmocka_unit_test(test_closed_flow_absorbs_stragglers),
        cmocka_unit_test(test_timeout_order_within_a_second),
        cmocka_unit_test(test_flow_cap_evicts),
        cmocka_unit_test(test_port_reuse_new_flow),
        cmocka_unit_test(test_not_http_not_reassembled),
        cmocka_unit_test(test_out_of_order_start),
        cmocka_unit_test(test_two_engines_independent),
        cmocka_unit_test(test_unsupported_linktype),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

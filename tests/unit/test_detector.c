/* test_detector.c — the detect layer as the decoder drives it (detect/detector.c): connection
 * attempts that never carried a request become exchanges when they were aimed where SCEP goes
 * (a web port, or a server seen speaking SCEP) and nothing otherwise; stream events reach the
 * host only when asked for, FLOW_END always; plain web transactions are not exchanges; how a
 * flow ended decides the verdict on what it left open; GetCACert answers teach the server's
 * certificates; exchanges feed the enrollments.
 *
 * Events and decoded transactions are built by hand, in the order the decoder delivers them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detector.h"
#include "detect/findings.h"

#define T0      1700000000
#define MAX_GOT 32

/* One event the host received, copied out of the callback. */
typedef struct got {
    scepsniff_event_type type;
    scepsniff_stream_kind kind;
    uint64_t flow_id;
    struct timeval ts;
    /* exchange */
    uint64_t ex_id;
    char operation[32];
    char device[64];
    char verdict[64];
    scepsniff_severity severity;
    unsigned nfindings;
    char detail[256]; /* of the first finding */
    int status;
    struct timeval t_syn, t_established;
    int has_unknown_recipient;
    /* enrollment */
    char outcome[16];
    char reason[256];
    unsigned exchanges;
} got;

typedef struct fx {
    ss_detector *d;
    scepsniff_config cfg;
    got got[MAX_GOT];
    unsigned n;
    scepsniff_flow flow;
    void *slot; /* the detector's per-flow slot, as the decoder keeps it */
    ss_http_tx http;
    ss_scep_msg req;
    ss_scep_certs certs;
    ss_decoded_tx tx;
} fx;

static void out(const scepsniff_event *ev, void *user)
{
    fx *f = user;
    if (f->n == MAX_GOT)
        fail_msg("more events than the test expects");
    got *g = &f->got[f->n++];
    memset(g, 0, sizeof(*g));
    g->type = ev->type;
    g->kind = ev->kind;
    g->flow_id = ev->flow ? ev->flow->id : 0;
    g->ts = ev->ts;
    if (ev->type == SCEPSNIFF_EVENT_EXCHANGE) {
        const scepsniff_exchange *ex = ev->exchange;
        g->ex_id = ex->id;
        snprintf(g->operation, sizeof(g->operation), "%s", ex->operation);
        snprintf(g->device, sizeof(g->device), "%s", ex->device);
        snprintf(g->verdict, sizeof(g->verdict), "%s", ex->verdict ? ex->verdict : "(null)");
        g->severity = ex->severity;
        g->nfindings = ex->nfindings;
        if (ex->nfindings)
            snprintf(g->detail, sizeof(g->detail), "%s", ex->findings[0].detail);
        g->status = ex->status;
        g->t_syn = ex->t_syn;
        g->t_established = ex->t_established;
        const char *unknown = ss_finding_get(SS_F_UNKNOWN_RECIPIENT)->code;
        for (unsigned i = 0; i < ex->nfindings; i++)
            g->has_unknown_recipient |= !strcmp(ex->findings[i].code, unknown);
    } else if (ev->type == SCEPSNIFF_EVENT_ENROLLMENT) {
        const scepsniff_enrollment *en = ev->enrollment;
        snprintf(g->outcome, sizeof(g->outcome), "%s", en->outcome ? en->outcome : "(null)");
        snprintf(g->reason, sizeof(g->reason), "%s", en->reason);
        snprintf(g->device, sizeof(g->device), "%s", en->device);
        g->exchanges = en->exchanges;
    }
}

static int make(void **state, int stream_events)
{
    char err[SCEPSNIFF_ERRBUF_SIZE] = "";
    fx *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    scepsniff_config_init(&f->cfg);
    f->cfg.stream_events = stream_events;
    f->d = ss_detector_new(&f->cfg, out, f, err);
    if (!f->d) {
        free(f);
        return -1;
    }
    f->flow.id = 1;
    f->flow.ip_version = 4;
    snprintf(f->flow.client_ip, sizeof(f->flow.client_ip), "10.0.0.5");
    snprintf(f->flow.server_ip, sizeof(f->flow.server_ip), "10.0.0.1");
    f->flow.client_port = 50000;
    f->flow.server_port = 80;
    snprintf(f->flow.app, sizeof(f->flow.app), "HTTP");
    f->flow.first_seen.tv_sec = T0;
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return make(state, 0);
}

static int setup_stream_events(void **state)
{
    return make(state, 1);
}

static int teardown(void **state)
{
    fx *f = *state;
    void *slot = f->slot;
    if (slot) { /* a test that failed before its FLOW_END */
        scepsniff_event ev = {.type = SCEPSNIFF_EVENT_FLOW_END, .flow = &f->flow};
        f->n = 0;
        ss_detector_on_event(f->d, &f->slot, &ev);
    }
    ss_detector_free(f->d);
    free(f);
    return 0;
}

/* A new flow to port (same client and server addresses). */
static void new_flow(fx *f, uint64_t id, uint16_t port)
{
    assert_null(f->slot); /* the previous flow ended */
    f->flow.id = id;
    f->flow.server_port = port;
    f->flow.client_port = (uint16_t)(50000 + id);
}

static void stream(fx *f, scepsniff_stream_kind kind, int dir, double t)
{
    scepsniff_event ev = {0};
    ev.type = SCEPSNIFF_EVENT_STREAM;
    ev.ts.tv_sec = T0 + (time_t)t;
    ev.ts.tv_usec = (suseconds_t)((t - (double)(time_t)t) * 1e6 + 0.5);
    ev.flow = &f->flow;
    ev.kind = kind;
    ev.dir = dir;
    ss_detector_on_event(f->d, &f->slot, &ev);
}

static void unanswered(fx *f, uint64_t syns, double duration)
{
    scepsniff_event ev = {0};
    ev.type = SCEPSNIFF_EVENT_STREAM;
    ev.ts.tv_sec = T0 + 3;
    ev.flow = &f->flow;
    ev.kind = SCEPSNIFF_STREAM_UNANSWERED;
    ev.count = syns;
    ev.duration = duration;
    ss_detector_on_event(f->d, &f->slot, &ev);
}

static void flow_end(fx *f, long t)
{
    scepsniff_event ev = {0};
    ev.type = SCEPSNIFF_EVENT_FLOW_END;
    ev.ts.tv_sec = T0 + t;
    ev.flow = &f->flow;
    ss_detector_on_event(f->d, &f->slot, &ev);
    assert_null(f->slot); /* the detector freed its per-flow state */
}

/* A SCEP (or, with scep 0, a plain web) GET answered 200, handed on at time t. */
static void tx_get(fx *f, ss_scep_op op, int scep, long t)
{
    ss_http_tx *h = &f->http;
    memset(h, 0, sizeof(*h));
    memset(&f->tx, 0, sizeof(f->tx));
    snprintf(h->method, sizeof(h->method), "GET");
    snprintf(h->uri, sizeof(h->uri), scep ? "/certsrv/mscep/mscep.dll?operation=X" : "/index.html");
    h->uri_len = strlen(h->uri);
    h->req_content_length = -1;
    h->res_content_length = 0;
    h->scep.is_scep = scep;
    h->scep.op = op;
    h->scep.is_get = 1;
    h->status = 200;
    snprintf(h->reason, sizeof(h->reason), "OK");
    h->flags = SS_HTTP_REQ_COMPLETE | SS_HTTP_RES_COMPLETE;
    h->req_start.tv_sec = T0 + t;
    h->res_start.tv_sec = T0 + t;
    h->res_end.tv_sec = T0 + t;
    h->res_end.tv_usec = 5000;
    f->tx.http = h;
}

static void deliver(fx *f)
{
    ss_detector_on_tx(f->d, &f->slot, &f->flow, &f->tx);
}

static unsigned count(const fx *f, scepsniff_event_type type)
{
    unsigned n = 0;
    for (unsigned i = 0; i < f->n; i++)
        n += f->got[i].type == type;
    return n;
}

static const got *nth(const fx *f, scepsniff_event_type type, unsigned k)
{
    for (unsigned i = 0; i < f->n; i++)
        if (f->got[i].type == type && k-- == 0)
            return &f->got[i];
    fail_msg("no event %u of type %d among %u", k, (int)type, f->n);
    return NULL;
}

static void expect_connect(const got *g, ss_finding_id id)
{
    assert_string_equal(g->operation, "connect");
    assert_string_equal(g->verdict, ss_finding_get(id)->code);
    assert_int_equal(g->severity, ss_finding_get(id)->severity);
    assert_int_equal(g->nfindings, 1);
    assert_string_equal(g->device, "10.0.0.5");
    assert_int_equal(g->status, 0);
    assert_int_equal(g->t_syn.tv_sec, T0);
}

static void test_unanswered_web_port(void **state)
{
    fx *f = *state;
    new_flow(f, 1, 443);
    unanswered(f, 3, 3.0);
    assert_int_equal(f->n, 1);
    const got *g = nth(f, SCEPSNIFF_EVENT_EXCHANGE, 0);
    expect_connect(g, SS_F_BLOCKED);
    assert_string_equal(g->detail, "3 SYNs over 3.0 s, no answer");
    assert_int_equal(g->flow_id, 1);
    assert_int_equal(g->ex_id, 1);
    assert_int_equal(g->ts.tv_sec, T0 + 3);
    flow_end(f, 75);
    assert_int_equal(f->n, 2);
    assert_int_equal(f->got[1].type, SCEPSNIFF_EVENT_FLOW_END);

    /* the device's enrollment failed there */
    struct timeval end = {T0 + 80, 0};
    ss_detector_finish(f->d, &end);
    const got *en = nth(f, SCEPSNIFF_EVENT_ENROLLMENT, 0);
    assert_string_equal(en->outcome, "failed");
    assert_string_equal(en->device, "10.0.0.5");
    assert_non_null(strstr(en->reason, "connect"));
}

static void test_unanswered_other_port(void **state)
{
    fx *f = *state;
    new_flow(f, 1, 5432);
    unanswered(f, 1, 0.0);
    assert_int_equal(f->n, 0);
    flow_end(f, 75);
    assert_int_equal(f->n, 1);
    assert_int_equal(f->got[0].type, SCEPSNIFF_EVENT_FLOW_END);
    struct timeval end = {T0 + 80, 0};
    ss_detector_finish(f->d, &end);
    assert_int_equal(f->n, 1); /* no enrollment either */
}

static void test_refused(void **state)
{
    fx *f = *state;
    new_flow(f, 1, 80);
    stream(f, SCEPSNIFF_STREAM_REFUSED, SCEPSNIFF_DIR_TO_CLIENT, 0.001);
    assert_int_equal(count(f, SCEPSNIFF_EVENT_EXCHANGE), 1);
    const got *g = nth(f, SCEPSNIFF_EVENT_EXCHANGE, 0);
    expect_connect(g, SS_F_REFUSED);
    assert_string_equal(g->detail, "nothing accepted port 80 on 10.0.0.1");
    flow_end(f, 1);

    new_flow(f, 2, 5432);
    stream(f, SCEPSNIFF_STREAM_REFUSED, SCEPSNIFF_DIR_TO_CLIENT, 2);
    flow_end(f, 2);
    assert_int_equal(count(f, SCEPSNIFF_EVENT_EXCHANGE), 1);
    assert_int_equal(count(f, SCEPSNIFF_EVENT_FLOW_END), 2);
}

/* An unusual port counts once the server has been seen speaking SCEP there. */
static void test_refused_at_known_scep_server(void **state)
{
    fx *f = *state;
    new_flow(f, 1, 5432);
    stream(f, SCEPSNIFF_STREAM_ESTABLISHED, SCEPSNIFF_DIR_TO_SERVER, 0);
    tx_get(f, SS_SCEP_OP_GETCACAPS, 1, 1);
    deliver(f);
    flow_end(f, 2);
    assert_int_equal(count(f, SCEPSNIFF_EVENT_EXCHANGE), 1);

    new_flow(f, 2, 5432);
    stream(f, SCEPSNIFF_STREAM_REFUSED, SCEPSNIFF_DIR_TO_CLIENT, 10);
    flow_end(f, 10);
    assert_int_equal(count(f, SCEPSNIFF_EVENT_EXCHANGE), 2);
    const got *g = nth(f, SCEPSNIFF_EVENT_EXCHANGE, 1);
    expect_connect(g, SS_F_REFUSED);
    assert_int_equal(g->flow_id, 2);
    assert_int_equal(g->ex_id, 2);
}

static void rst_before_request(fx *f, int dir, ss_finding_id id)
{
    new_flow(f, f->flow.id + 1, 80);
    stream(f, SCEPSNIFF_STREAM_ESTABLISHED, SCEPSNIFF_DIR_TO_SERVER, 1.0);
    stream(f, SCEPSNIFF_STREAM_RST, dir, 1.25);
    unsigned before = f->n;
    flow_end(f, 2);
    assert_int_equal(f->n, before + 2);
    /* the exchange comes before the FLOW_END that frees the host's flow state */
    const got *g = &f->got[before];
    assert_int_equal(g->type, SCEPSNIFF_EVENT_EXCHANGE);
    expect_connect(g, id);
    assert_string_equal(g->detail, "reset 0.250 s after the connection opened, before any request");
    assert_int_equal(g->ts.tv_sec, T0 + 1);
    assert_int_equal(g->ts.tv_usec, 250000);
    assert_int_equal(f->got[before + 1].type, SCEPSNIFF_EVENT_FLOW_END);
}

static void test_rst_before_request(void **state)
{
    fx *f = *state;
    rst_before_request(f, SCEPSNIFF_DIR_TO_CLIENT, SS_F_RESET_BY_SERVER);
    rst_before_request(f, SCEPSNIFF_DIR_TO_SERVER, SS_F_RESET_BY_CLIENT);

    /* not on a port SCEP does not use */
    new_flow(f, 10, 5432);
    stream(f, SCEPSNIFF_STREAM_ESTABLISHED, SCEPSNIFF_DIR_TO_SERVER, 1);
    stream(f, SCEPSNIFF_STREAM_RST, SCEPSNIFF_DIR_TO_CLIENT, 2);
    flow_end(f, 2);
    assert_int_equal(count(f, SCEPSNIFF_EVENT_EXCHANGE), 2);

    /* nor after a SCEP request: that transaction carries its own verdict */
    new_flow(f, 11, 80);
    stream(f, SCEPSNIFF_STREAM_ESTABLISHED, SCEPSNIFF_DIR_TO_SERVER, 1);
    tx_get(f, SS_SCEP_OP_GETCACAPS, 1, 2);
    deliver(f);
    stream(f, SCEPSNIFF_STREAM_RST, SCEPSNIFF_DIR_TO_CLIENT, 3);
    flow_end(f, 3);
    assert_int_equal(count(f, SCEPSNIFF_EVENT_EXCHANGE), 3);
    assert_string_equal(nth(f, SCEPSNIFF_EVENT_EXCHANGE, 2)->operation, "GetCACaps");
}

static void one_flow_of_events(fx *f)
{
    new_flow(f, 1, 80);
    stream(f, SCEPSNIFF_STREAM_ESTABLISHED, SCEPSNIFF_DIR_TO_SERVER, 0);
    stream(f, SCEPSNIFF_STREAM_DATA, SCEPSNIFF_DIR_TO_SERVER, 0.1);
    stream(f, SCEPSNIFF_STREAM_DATA, SCEPSNIFF_DIR_TO_CLIENT, 0.2);
    stream(f, SCEPSNIFF_STREAM_FIN, SCEPSNIFF_DIR_TO_SERVER, 0.3);
    stream(f, SCEPSNIFF_STREAM_FIN, SCEPSNIFF_DIR_TO_CLIENT, 0.4);
    flow_end(f, 1);
}

static void test_stream_events_forwarded(void **state)
{
    fx *f = *state; /* cfg.stream_events = 1 */
    one_flow_of_events(f);
    assert_int_equal(f->n, 6);
    static const scepsniff_stream_kind kinds[] = {SCEPSNIFF_STREAM_ESTABLISHED,
                                                  SCEPSNIFF_STREAM_DATA, SCEPSNIFF_STREAM_DATA,
                                                  SCEPSNIFF_STREAM_FIN, SCEPSNIFF_STREAM_FIN};
    for (unsigned i = 0; i < 5; i++) {
        assert_int_equal(f->got[i].type, SCEPSNIFF_EVENT_STREAM);
        assert_int_equal(f->got[i].kind, kinds[i]);
    }
    assert_int_equal(f->got[5].type, SCEPSNIFF_EVENT_FLOW_END);
}

static void test_stream_events_withheld(void **state)
{
    fx *f = *state; /* cfg.stream_events = 0 */
    one_flow_of_events(f);
    assert_int_equal(f->n, 1);
    assert_int_equal(f->got[0].type, SCEPSNIFF_EVENT_FLOW_END);
    assert_int_equal(f->got[0].flow_id, 1);
}

static void test_plain_web_is_not_an_exchange(void **state)
{
    fx *f = *state;
    new_flow(f, 1, 80);
    stream(f, SCEPSNIFF_STREAM_ESTABLISHED, SCEPSNIFF_DIR_TO_SERVER, 0);
    tx_get(f, SS_SCEP_OP_NONE, 0, 1);
    deliver(f);
    stream(f, SCEPSNIFF_STREAM_FIN, SCEPSNIFF_DIR_TO_SERVER, 2);
    flow_end(f, 2);
    assert_int_equal(count(f, SCEPSNIFF_EVENT_EXCHANGE), 0);
    struct timeval end = {T0 + 1000, 0};
    ss_detector_finish(f->d, &end);
    assert_int_equal(count(f, SCEPSNIFF_EVENT_ENROLLMENT), 0);
}

static void test_scep_exchange(void **state)
{
    fx *f = *state;
    new_flow(f, 1, 80);
    stream(f, SCEPSNIFF_STREAM_ESTABLISHED, SCEPSNIFF_DIR_TO_SERVER, 0.5);
    tx_get(f, SS_SCEP_OP_GETCACERT, 1, 1);
    deliver(f);
    tx_get(f, SS_SCEP_OP_GETCACAPS, 1, 2);
    snprintf(f->http.xff, sizeof(f->http.xff), "203.0.113.7");
    deliver(f);
    flow_end(f, 3);
    assert_int_equal(count(f, SCEPSNIFF_EVENT_EXCHANGE), 2);
    const got *g = nth(f, SCEPSNIFF_EVENT_EXCHANGE, 0);
    assert_string_equal(g->operation, "GetCACert");
    assert_string_equal(g->verdict, "ok");
    assert_int_equal(g->severity, SCEPSNIFF_SEV_OK);
    assert_string_equal(g->device, "10.0.0.5"); /* the address without X-Forwarded-For */
    assert_int_equal(g->status, 200);
    assert_int_equal(g->ex_id, 1);
    assert_int_equal(g->t_syn.tv_sec, T0);
    assert_int_equal(g->t_established.tv_sec, T0);
    assert_int_equal(g->t_established.tv_usec, 500000);
    assert_int_equal(g->ts.tv_sec, T0 + 1); /* the response's end */
    assert_int_equal(g->ts.tv_usec, 5000);
    g = nth(f, SCEPSNIFF_EVENT_EXCHANGE, 1);
    assert_string_equal(g->device, "203.0.113.7");
    assert_int_equal(g->ex_id, 2);

    /* two devices, two enrollments; the one that fetched the CA certificate stalled */
    struct timeval now = {T0 + 1 + (time_t)f->cfg.stall_timeout, 0};
    ss_detector_tick(f->d, &now);
    assert_int_equal(count(f, SCEPSNIFF_EVENT_ENROLLMENT), 1);
    const got *en = nth(f, SCEPSNIFF_EVENT_ENROLLMENT, 0);
    assert_string_equal(en->device, "10.0.0.5");
    assert_string_equal(en->outcome, "stalled");
    now.tv_sec += 10;
    ss_detector_finish(f->d, &now);
    assert_int_equal(count(f, SCEPSNIFF_EVENT_ENROLLMENT), 2);
    assert_string_equal(nth(f, SCEPSNIFF_EVENT_ENROLLMENT, 1)->device, "203.0.113.7");
}

/* How the flow ended decides the verdict on the transaction it left unanswered. */
static void test_flow_end_kind_reaches_the_judge(void **state)
{
    static const struct {
        scepsniff_stream_kind end;
        ss_finding_id id;
    } cases[] = {
        {SCEPSNIFF_STREAM_IDLE_TIMEOUT, SS_F_TIMED_OUT},
        {SCEPSNIFF_STREAM_END_OF_CAPTURE, SS_F_OPEN_AT_END},
        {SCEPSNIFF_STREAM_EVICTED, SS_F_CAPTURE_GAP},
    };
    fx *f = *state;
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        new_flow(f, i + 1, 80);
        stream(f, SCEPSNIFF_STREAM_ESTABLISHED, SCEPSNIFF_DIR_TO_SERVER, 0);
        stream(f, cases[i].end, 0, 300);
        tx_get(f, SS_SCEP_OP_GETCACAPS, 1, 1);
        f->http.status = 0;
        f->http.reason[0] = 0;
        f->http.res_start.tv_sec = 0;
        f->http.res_end.tv_sec = 0;
        f->http.res_end.tv_usec = 0;
        f->http.flags = SS_HTTP_REQ_COMPLETE | SS_HTTP_RES_MISSING | SS_HTTP_AT_FINISH;
        unsigned before = count(f, SCEPSNIFF_EVENT_EXCHANGE);
        deliver(f);
        flow_end(f, 300);
        assert_int_equal(count(f, SCEPSNIFF_EVENT_EXCHANGE), before + 1);
        const got *g = nth(f, SCEPSNIFF_EVENT_EXCHANGE, before);
        assert_string_equal(g->verdict, ss_finding_get(cases[i].id)->code);
        assert_int_equal(g->ts.tv_sec, T0 + 1); /* no response: the request's time */
    }
}

static void cert(ss_scep_cert *c, const char *issuer, const char *serial)
{
    snprintf(c->issuer, sizeof(c->issuer), "%s", issuer);
    snprintf(c->serial, sizeof(c->serial), "%s", serial);
    snprintf(c->subject, sizeof(c->subject), "CN=RA %s", serial);
    c->times_ok = 1;
    c->not_before = T0 - 86400;
    c->not_after = T0 + 365 * 86400L;
}

static void pkiop_to(fx *f, const char *serial, long t)
{
    tx_get(f, SS_SCEP_OP_PKIOPERATION, 1, t);
    f->http.status = 500; /* no reply to decode */
    memset(&f->req, 0, sizeof(f->req));
    f->req.verdict.status = SS_SCEP_OK;
    f->req.message_type = SS_SCEP_MT_PKCSREQ;
    f->req.pki_status = -1;
    f->req.fail_info = -1;
    f->req.envelope.nrecipients = 1;
    f->req.envelope.recipients[0].kind = SS_SCEP_RI_KTRI_ISSUER_SERIAL;
    snprintf(f->req.envelope.recipients[0].issuer, SS_SCEP_DN_LEN, "CN=NDES CA");
    snprintf(f->req.envelope.recipients[0].serial, SS_SCEP_SERIAL_LEN, "%s", serial);
    f->tx.request = &f->req;
}

/* A request encrypted to a certificate the server's GetCACert did not hand out is named. */
static void test_learns_server_certs(void **state)
{
    fx *f = *state;
    new_flow(f, 1, 80);
    stream(f, SCEPSNIFF_STREAM_ESTABLISHED, SCEPSNIFF_DIR_TO_SERVER, 0);
    /* before any GetCACert: nothing to compare with */
    pkiop_to(f, "1A", 1);
    deliver(f);
    assert_false(nth(f, SCEPSNIFF_EVENT_EXCHANGE, 0)->has_unknown_recipient);

    tx_get(f, SS_SCEP_OP_GETCACERT, 1, 2);
    memset(&f->certs, 0, sizeof(f->certs));
    f->certs.verdict.status = SS_SCEP_OK;
    f->certs.ncerts = 2;
    cert(&f->certs.certs[0], "CN=Root", "01");
    cert(&f->certs.certs[1], "CN=NDES CA", "2B");
    f->tx.certs = &f->certs;
    deliver(f);
    flow_end(f, 3);

    /* a later connection to the same server */
    new_flow(f, 2, 80);
    stream(f, SCEPSNIFF_STREAM_ESTABLISHED, SCEPSNIFF_DIR_TO_SERVER, 4);
    pkiop_to(f, "1A", 5);
    deliver(f);
    pkiop_to(f, "2B", 6);
    deliver(f);
    flow_end(f, 7);
    assert_int_equal(count(f, SCEPSNIFF_EVENT_EXCHANGE), 4);
    assert_true(nth(f, SCEPSNIFF_EVENT_EXCHANGE, 2)->has_unknown_recipient);
    assert_false(nth(f, SCEPSNIFF_EVENT_EXCHANGE, 3)->has_unknown_recipient);

    /* another server knows nothing of these */
    snprintf(f->flow.server_ip, sizeof(f->flow.server_ip), "10.0.0.2");
    new_flow(f, 3, 80);
    pkiop_to(f, "1A", 8);
    deliver(f);
    flow_end(f, 8);
    assert_false(nth(f, SCEPSNIFF_EVENT_EXCHANGE, 4)->has_unknown_recipient);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unanswered_web_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unanswered_other_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_at_known_scep_server, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rst_before_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_events_forwarded, setup_stream_events,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_stream_events_withheld, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plain_web_is_not_an_exchange, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scep_exchange, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flow_end_kind_reaches_the_judge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_learns_server_certs, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

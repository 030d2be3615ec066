/* test_http.c — unit tests for the HTTP layer (decode/http.c) over hand-built stream scripts.
 *
 * A script is what the capture layer would hand on for one connection: data per direction,
 * gaps, FIN/RST, finish. Every script runs whole, one byte at a time and in seeded random
 * splits, and each transaction is rendered to text (every field, timestamps and bodies
 * included); all runs must render identically. Then the fields are checked against the
 * script itself (lengths and bodies computed from the bytes that were sent).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/http.h"

enum { EV_DATA, EV_GAP, EV_CLOSE, EV_FINISH };

typedef struct ev {
    int kind;
    int dir;
    const uint8_t *d;
    size_t n; /* data bytes, or gap length */
    int rst;
    long sec; /* timestamp of the event */
} ev;

#define DATA(dir, s, sec)                                                                          \
    {                                                                                              \
        EV_DATA, dir, (const uint8_t *)(s), sizeof(s) - 1, 0, sec                                  \
    }
#define BIN(dir, p, n, sec)                                                                        \
    {                                                                                              \
        EV_DATA, dir, p, n, 0, sec                                                                 \
    }
#define GAP(dir, n, sec)                                                                           \
    {                                                                                              \
        EV_GAP, dir, NULL, n, 0, sec                                                               \
    }
#define FIN(dir, sec)                                                                              \
    {                                                                                              \
        EV_CLOSE, dir, NULL, 0, 0, sec                                                             \
    }
#define RST(dir, sec)                                                                              \
    {                                                                                              \
        EV_CLOSE, dir, NULL, 0, 1, sec                                                             \
    }
#define FINISH(sec)                                                                                \
    {                                                                                              \
        EV_FINISH, 0, NULL, 0, 0, sec                                                              \
    }
#define NEV(a) (sizeof(a) / sizeof((a)[0]))

enum { SPLIT_WHOLE, SPLIT_BYTE, SPLIT_RANDOM };

typedef struct seen {
    ss_http_tx tx; /* body/DER pointers re-pointed at the copies below */
    uint8_t *req_body, *res_body, *der;
    char *desc;
    size_t at_event; /* index of the script event during which it was reported */
} seen;

typedef struct got {
    seen *v;
    size_t n, cap;
    size_t cur_event;
    ss_http_conn_stats st;
} got;

static uint64_t fnv(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    size_t i;

    for (i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static char *describe(const ss_http_tx *t)
{
    char *b = malloc(32768);
    const ss_scep_url *s = &t->scep;

    assert_non_null(b);
    snprintf(b, 32768,
             "idx=%llu flags=%x htp=%llx m=[%s] p=[%s] uri=[%s] ulen=%zu path=[%s] plen=%zu "
             "q=%zu/%zu host=[%s] ua=[%s] xff=[%s] rct=[%s] rcl=%lld rseen=%llu rdec=%llu "
             "rgap=%llu rhdr=%llu | st=%d rp=[%s] why=[%s] sct=[%s] scl=%lld srv=[%s] "
             "sseen=%llu sdec=%llu sgap=%llu shdr=%llu html=%zu:%llx | t=%ld.%ld %ld.%ld "
             "%ld.%ld %ld.%ld | scep=%d/%d/%d op=[%s] dmg=%x der=%d:%zu:%llx | "
             "bodies=%zu:%llx %zu:%llx",
             (unsigned long long)t->index, t->flags, (unsigned long long)t->htp_flags, t->method,
             t->protocol, t->uri, t->uri_len, t->path, t->path_len, t->query_off, t->query_len,
             t->host, t->user_agent, t->xff, t->req_content_type, (long long)t->req_content_length,
             (unsigned long long)t->req_body_seen, (unsigned long long)t->req_body_decoded,
             (unsigned long long)t->req_gap, (unsigned long long)t->req_header_bytes, t->status,
             t->res_protocol, t->reason, t->res_content_type, (long long)t->res_content_length,
             t->server, (unsigned long long)t->res_body_seen,
             (unsigned long long)t->res_body_decoded, (unsigned long long)t->res_gap,
             (unsigned long long)t->res_header_bytes, t->html_head_len,
             (unsigned long long)fnv(t->html_head, t->html_head_len), (long)t->req_start.tv_sec,
             (long)t->req_start.tv_usec, (long)t->req_end.tv_sec, (long)t->req_end.tv_usec,
             (long)t->res_start.tv_sec, (long)t->res_start.tv_usec, (long)t->res_end.tv_sec,
             (long)t->res_end.tv_usec, s->is_scep, s->path_kind, s->op, s->op_text, s->damage,
             s->der_status, s->der_len, (unsigned long long)fnv(s->der, s->der_len),
             t->req_body_len, (unsigned long long)fnv(t->req_body, t->req_body_len),
             t->res_body_len, (unsigned long long)fnv(t->res_body, t->res_body_len));
    return b;
}

static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
    uint8_t *d;

    if (!p)
        return NULL;
    d = malloc(n ? n : 1);
    assert_non_null(d);
    memcpy(d, p, n);
    return d;
}

static void collect(void *user, const ss_http_tx *tx)
{
    got *g = user;
    seen *s;

    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 8;
        g->v = realloc(g->v, g->cap * sizeof(*g->v));
        assert_non_null(g->v);
    }
    s = &g->v[g->n++];
    s->tx = *tx;
    s->desc = describe(tx);
    s->req_body = dup_bytes(tx->req_body, tx->req_body_len);
    s->res_body = dup_bytes(tx->res_body, tx->res_body_len);
    s->der = dup_bytes(tx->scep.der, tx->scep.der_len);
    s->tx.req_body = s->req_body;
    s->tx.res_body = s->res_body;
    s->tx.scep.der = s->der;
    s->at_event = g->cur_event;
}

static void got_free(got *g)
{
    size_t i;

    for (i = 0; i < g->n; i++) {
        free(g->v[i].desc);
        free(g->v[i].req_body);
        free(g->v[i].res_body);
        free(g->v[i].der);
    }
    free(g->v);
    free(g);
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Runs a script through a new connection; mem (may be NULL) is the budget. */
static got *run_mem(const ev *e, size_t nev, int mode, uint64_t seed, const ss_http_limits *lim,
                    ss_mem *mem)
{
    char err[256];
    ss_http_ctx *hc = ss_http_ctx_new(lim, mem, err, sizeof(err));
    got *g = calloc(1, sizeof(*g));
    ss_http_conn *c;
    uint64_t rs = seed * 2654435761u + 1;
    size_t i;

    assert_non_null(hc);
    assert_non_null(g);
    c = ss_http_conn_new(hc, collect, g, err, sizeof(err));
    assert_non_null(c);
    for (i = 0; i < nev; i++) {
        struct timeval ts = {e[i].sec, (suseconds_t)i};
        size_t off = 0, k;

        g->cur_event = i;
        switch (e[i].kind) {
        case EV_DATA:
            while (off < e[i].n) {
                if (mode == SPLIT_WHOLE)
                    k = e[i].n;
                else if (mode == SPLIT_BYTE)
                    k = 1;
                else
                    k = 1 + rnd(&rs) % ((rnd(&rs) & 1) ? 7 : 300);
                if (k > e[i].n - off)
                    k = e[i].n - off;
                ss_http_conn_data(c, e[i].dir, e[i].d + off, k, &ts);
                off += k;
            }
            break;
        case EV_GAP:
            ss_http_conn_gap(c, e[i].dir, e[i].n, &ts);
            break;
        case EV_CLOSE:
            ss_http_conn_close(c, e[i].dir, e[i].rst, &ts);
            break;
        case EV_FINISH:
            ss_http_conn_finish(c, &ts);
            break;
        }
    }
    g->cur_event = nev;
    ss_http_conn_stats_get(c, &g->st);
    ss_http_conn_free(c);
    ss_http_ctx_free(hc);
    return g;
}

static got *run(const ev *e, size_t nev, int mode, uint64_t seed, const ss_http_limits *lim)
{
    return run_mem(e, nev, mode, seed, lim, NULL);
}

/* Whole, byte by byte, and 25 random splittings must agree; returns the whole run. */
static got *run_all(const ev *e, size_t nev, const ss_http_limits *lim)
{
    got *ref = run(e, nev, SPLIT_WHOLE, 0, lim);
    int pass;

    for (pass = 0; pass < 26; pass++) {
        got *o = pass == 0 ? run(e, nev, SPLIT_BYTE, 0, lim)
                           : run(e, nev, SPLIT_RANDOM, (uint64_t)pass, lim);
        size_t i;

        if (o->n != ref->n)
            fail_msg("pass %d: %zu transactions, whole run had %zu", pass, o->n, ref->n);
        for (i = 0; i < ref->n; i++) {
            if (strcmp(o->v[i].desc, ref->v[i].desc) != 0) {
                const char *a = ref->v[i].desc, *b = o->v[i].desc;
                size_t at = 0;
                while (a[at] == b[at])
                    at++;
                at = at > 80 ? at - 80 : 0;
                fail_msg("pass %d tx %zu differs:\n whole: ...%.300s\n split: ...%.300s", pass, i,
                         a + at, b + at);
            }
            assert_int_equal(o->v[i].at_event, ref->v[i].at_event);
        }
        got_free(o);
    }
    return ref;
}

static const char *memstr(const uint8_t *h, size_t hn, const char *needle)
{
    size_t nn = strlen(needle), i;

    for (i = 0; i + nn <= hn; i++)
        if (memcmp(h + i, needle, nn) == 0)
            return (const char *)h + i;
    return NULL;
}

#define HAS(t, f)   (((t)->flags & (f)) == (f))
#define HASNT(t, f) (((t)->flags & (f)) == 0)

/* ---- tests ------------------------------------------------------------------------------ */

static void test_simple_get(void **state)
{
    static const char req[] = "GET /index.html?a=1 HTTP/1.1\r\nHost: example.test\r\n"
                              "User-Agent: curl/7.88.1\r\nX-Forwarded-For: 10.1.2.3\r\n\r\n";
    static const char body[] = "hello, world";
    static const char res[] = "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n"
                              "Content-Type: text/html; charset=utf-8\r\nContent-Length: 12\r\n"
                              "\r\nhello, world";
    const ev script[] = {DATA(0, req, 1), DATA(1, res, 2), FINISH(3)};
    got *g = run_all(script, NEV(script), NULL);
    const ss_http_tx *t;

    (void)state;
    assert_int_equal(g->n, 1);
    t = &g->v[0].tx;
    assert_true(HAS(t, SS_HTTP_REQ_COMPLETE | SS_HTTP_RES_COMPLETE));
    assert_true(HASNT(t, SS_HTTP_AT_FINISH | SS_HTTP_REQ_CUT_SHORT | SS_HTTP_RES_CUT_SHORT));
    assert_string_equal(t->method, "GET");
    assert_string_equal(t->protocol, "HTTP/1.1");
    assert_string_equal(t->uri, "/index.html?a=1");
    assert_int_equal(t->uri_len, strlen("/index.html?a=1"));
    assert_string_equal(t->path, "/index.html");
    assert_string_equal(t->uri + t->query_off, "a=1");
    assert_int_equal(t->query_len, 3);
    assert_string_equal(t->host, "example.test");
    assert_string_equal(t->user_agent, "curl/7.88.1");
    assert_string_equal(t->xff, "10.1.2.3");
    assert_int_equal(t->req_content_length, -1);
    assert_int_equal(t->req_header_bytes, sizeof(req) - 1);
    assert_int_equal(t->status, 200);
    assert_string_equal(t->reason, "OK");
    assert_string_equal(t->server, "nginx/1.22.1");
    assert_string_equal(t->res_content_type, "text/html; charset=utf-8");
    assert_int_equal(t->res_content_length, sizeof(body) - 1);
    assert_int_equal(t->res_body_seen, sizeof(body) - 1);
    assert_int_equal(t->res_header_bytes, sizeof(res) - sizeof(body));
    assert_int_equal(t->html_head_len, sizeof(body) - 1);
    assert_memory_equal(t->html_head, body, sizeof(body) - 1);
    assert_int_equal(t->scep.is_scep, 0);
    assert_null(t->req_body);
    assert_null(t->res_body); /* not SCEP: bodies are not kept */
    assert_int_equal(t->req_start.tv_sec, 1);
    assert_int_equal(t->req_end.tv_sec, 1);
    assert_int_equal(t->res_start.tv_sec, 2);
    assert_int_equal(t->res_end.tv_sec, 2);
    assert_int_equal(g->v[0].at_event, 1); /* reported as soon as the response completed */
    got_free(g);
}

/* A path longer than the request-target ss_http_tx keeps (SS_HTTP_URI_MAX), then a query: the
 * query is still measured, and its offset never points past the kept text (found by
 * fuzz_http). */
static void test_query_past_kept_uri(void **state)
{
    static const char head[] = "GET /certsrv/mscep/mscep.dll/";
    static const char tail[] = "?operation=GetCACaps&message=x HTTP/1.1\r\nHost: h\r\n\r\n";
    static const char res[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    size_t n = sizeof(head) - 1 + SS_HTTP_URI_MAX + sizeof(tail) - 1;
    char *req = malloc(n);
    assert_non_null(req);
    memcpy(req, head, sizeof(head) - 1);
    memset(req + sizeof(head) - 1, 'a', SS_HTTP_URI_MAX);
    memcpy(req + sizeof(head) - 1 + SS_HTTP_URI_MAX, tail, sizeof(tail) - 1);
    const ev script[] = {BIN(0, (const uint8_t *)req, n, 1), DATA(1, res, 2), FINISH(3)};
    got *g = run_all(script, NEV(script), NULL);
    const ss_http_tx *t;

    (void)state;
    assert_int_equal(g->n, 1);
    t = &g->v[0].tx;
    assert_int_equal(strlen(t->uri), SS_HTTP_URI_MAX);
    assert_true(t->query_off <= strlen(t->uri));
    assert_int_equal(t->query_len, strlen("operation=GetCACaps&message=x"));
    got_free(g);
    free(req);
}

static void test_getcacaps(void **state)
{
    static const char req[] = "GET /CertSrv/mscep/mscep.dll/pkiclient.exe?operation=GetCACaps"
                              "&message=SCEP%20Authority HTTP/1.1\r\nHost: ndes.corp.test\r\n"
                              "User-Agent: Mozilla/4.0 (compatible; Win32; NDES client)\r\n\r\n";
    static const char caps[] = "Renewal\r\nSHA-512\r\nSHA-256\r\nSHA-1\r\nDES3\r\n";
    char res[256];
    int rn = snprintf(res, sizeof(res),
                      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                      "Server: Microsoft-IIS/10.0\r\nContent-Length: %zu\r\n\r\n%s",
                      sizeof(caps) - 1, caps);
    const ev script[] = {DATA(0, req, 1), BIN(1, (const uint8_t *)res, (size_t)rn, 2), FINISH(3)};
    got *g = run_all(script, NEV(script), NULL);
    const ss_http_tx *t;

    (void)state;
    assert_int_equal(g->n, 1);
    t = &g->v[0].tx;
    assert_true(t->scep.is_scep);
    assert_int_equal(t->scep.op, SS_SCEP_OP_GETCACAPS);
    assert_int_equal(t->scep.path_kind, SS_SCEP_PATH_NDES_PKICLIENT);
    assert_string_equal(t->scep.message_text, "SCEP Authority");
    /* IIS normalisation is libhtp's: the path is kept as sent apart from decoding */
    assert_non_null(strstr(t->path, "mscep.dll"));
    assert_non_null(t->res_body);
    assert_int_equal(t->res_body_len, sizeof(caps) - 1);
    assert_memory_equal(t->res_body, caps, sizeof(caps) - 1);
    assert_int_equal(t->html_head_len, sizeof(caps) - 1); /* text/plain counts as text */
    assert_true(HAS(t, SS_HTTP_REQ_COMPLETE | SS_HTTP_RES_COMPLETE));
    got_free(g);
}

/* POST PKIOperation with a binary body (NUL bytes included) and a binary reply. */
static void test_post_binary(void **state)
{
    uint8_t body[3000], reply[1777];
    char head[256], rhead[256];
    size_t i;
    int hn, rn;
    got *g;
    const ss_http_tx *t;

    (void)state;
    for (i = 0; i < sizeof(body); i++)
        body[i] = (uint8_t)(i * 7 + (i >> 8));
    for (i = 0; i < sizeof(reply); i++)
        reply[i] = (uint8_t)(i * 13 + 1);
    body[0] = 0x30;
    body[5] = 0;
    hn = snprintf(head, sizeof(head),
                  "POST /scep/pkiclient.exe?operation=PKIOperation HTTP/1.1\r\n"
                  "Host: scep.test:8080\r\nContent-Type: application/x-pki-message\r\n"
                  "Content-Length: %zu\r\n\r\n",
                  sizeof(body));
    rn = snprintf(rhead, sizeof(rhead),
                  "HTTP/1.1 200 OK\r\nContent-Type: application/x-pki-message\r\n"
                  "Content-Length: %zu\r\n\r\n",
                  sizeof(reply));
    {
        const ev script[] = {BIN(0, (const uint8_t *)head, (size_t)hn, 1),
                             BIN(0, body, sizeof(body), 1),
                             BIN(1, (const uint8_t *)rhead, (size_t)rn, 2),
                             BIN(1, reply, sizeof(reply), 3), FINISH(4)};
        g = run_all(script, NEV(script), NULL);
    }
    assert_int_equal(g->n, 1);
    t = &g->v[0].tx;
    assert_true(t->scep.is_scep);
    assert_int_equal(t->scep.op, SS_SCEP_OP_PKIOPERATION);
    assert_int_equal(t->scep.der_status, SS_SCEP_DER_NONE); /* POST: the body is the message */
    assert_string_equal(t->req_content_type, "application/x-pki-message");
    assert_int_equal(t->req_content_length, sizeof(body));
    assert_int_equal(t->req_body_seen, sizeof(body));
    assert_int_equal(t->req_body_len, sizeof(body));
    assert_memory_equal(t->req_body, body, sizeof(body));
    assert_int_equal(t->res_body_len, sizeof(reply));
    assert_memory_equal(t->res_body, reply, sizeof(reply));
    assert_int_equal(t->html_head_len, 0);
    assert_int_equal(t->req_end.tv_sec, 1);
    assert_int_equal(t->res_end.tv_sec, 3);
    assert_true(HAS(t, SS_HTTP_REQ_COMPLETE | SS_HTTP_RES_COMPLETE));
    got_free(g);
}

static void test_chunked(void **state)
{
    static const char req[] = "GET /cgi-bin/pkiclient.exe?operation=GetCACert&message=ca "
                              "HTTP/1.1\r\nHost: a\r\n\r\n";
    static const char res[] = "HTTP/1.1 200 OK\r\nContent-Type: application/x-x509-ca-ra-cert\r\n"
                              "Transfer-Encoding: chunked\r\n\r\n"
                              "5\r\n\x30\x82\x00\x01\x02\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n"
                              "0\r\n\r\n";
    static const uint8_t want[] = "\x30\x82\x00\x01\x02"
                                  "abcdefghijklmnopqrstuvwxyz";
    const ev script[] = {DATA(0, req, 1), DATA(1, res, 2), FIN(1, 3)};
    got *g = run_all(script, NEV(script), NULL);
    const ss_http_tx *t;

    (void)state;
    assert_int_equal(g->n, 1);
    t = &g->v[0].tx;
    assert_int_equal(t->scep.op, SS_SCEP_OP_GETCACERT);
    assert_true(HAS(t, SS_HTTP_RES_COMPLETE | SS_HTTP_RES_CHUNKED));
    assert_true(HASNT(t, SS_HTTP_SERVER_FIN)); /* completed before the FIN */
    assert_int_equal(t->res_content_length, -1);
    assert_int_equal(t->res_body_len, sizeof(want) - 1);
    assert_memory_equal(t->res_body, want, sizeof(want) - 1);
    assert_int_equal(g->v[0].at_event, 1);
    got_free(g);
}

/* gzip -9 -n of an NDES default page (248 bytes) */
static const uint8_t ndes_page_gz[] = {
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x85, 0x8f, 0xcd, 0x0e, 0x82, 0x40,
    0x0c, 0x84, 0x5f, 0x65, 0x8e, 0x7a, 0x91, 0x17, 0xd8, 0x70, 0x41, 0xae, 0x86, 0x84, 0x27, 0x80,
    0xa5, 0xc8, 0xc6, 0xb2, 0x35, 0xdd, 0x22, 0xe1, 0xed, 0xe5, 0xc7, 0x44, 0x6f, 0xde, 0x9a, 0x4e,
    0xe7, 0x9b, 0xa9, 0x1b, 0x6c, 0xe4, 0xdc, 0x0d, 0xd4, 0x74, 0xb9, 0xb3, 0x60, 0x4c, 0xf9, 0x8d,
    0x6c, 0x16, 0x7d, 0xe0, 0x4a, 0xaf, 0xe0, 0x09, 0x65, 0x54, 0x61, 0x1e, 0x29, 0x1a, 0x6a, 0xd2,
    0x6d, 0xe5, 0xb2, 0xe3, 0xd0, 0x65, 0x87, 0xad, 0x95, 0x6e, 0xf9, 0xef, 0x42, 0xc3, 0x2c, 0x73,
    0xc2, 0x22, 0x13, 0x4c, 0x20, 0xad, 0x35, 0x21, 0xc2, 0x93, 0x5a, 0xe8, 0x83, 0x6f, 0x8c, 0x12,
    0x7a, 0x51, 0xa8, 0x4c, 0x46, 0x9a, 0xb0, 0x8e, 0x62, 0x03, 0x29, 0xe2, 0x07, 0xdc, 0xed, 0xe0,
    0x84, 0x29, 0x85, 0x78, 0xc7, 0x2a, 0xa1, 0x0e, 0xe3, 0x93, 0x09, 0xc5, 0x17, 0xf1, 0x1b, 0x5b,
    0xa9, 0x98, 0x78, 0x61, 0x9c, 0xea, 0xa2, 0xac, 0xce, 0x17, 0x97, 0xed, 0x3d, 0xd7, 0xd2, 0xdb,
    0xc7, 0x6f, 0x25, 0xd4, 0x4a, 0x0e, 0xf8, 0x00, 0x00, 0x00};

static void test_gzip(void **state)
{
    static const char req[] = "GET /certsrv/mscep/mscep.dll HTTP/1.1\r\nHost: ndes\r\n"
                              "Accept-Encoding: gzip\r\n\r\n";
    char head[256];
    int hn = snprintf(head, sizeof(head),
                      "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
                      "Content-Length: %zu\r\n\r\n",
                      sizeof(ndes_page_gz));
    const ev script[] = {DATA(0, req, 1), BIN(1, (const uint8_t *)head, (size_t)hn, 2),
                         BIN(1, ndes_page_gz, sizeof(ndes_page_gz), 2), FINISH(3)};
    got *g = run_all(script, NEV(script), NULL);
    const ss_http_tx *t;

    (void)state;
    assert_int_equal(g->n, 1);
    t = &g->v[0].tx;
    assert_int_equal(t->scep.path_kind, SS_SCEP_PATH_NDES);
    assert_int_equal(t->scep.op, SS_SCEP_OP_NONE); /* a bare URL */
    assert_true(t->scep.is_scep);
    assert_true(HAS(t, SS_HTTP_RES_COMPLETE | SS_HTTP_RES_COMPRESSED));
    assert_int_equal(t->res_body_seen, sizeof(ndes_page_gz));
    assert_int_equal(t->res_body_decoded, 248);
    assert_int_equal(t->res_body_len, 248);
    assert_int_equal(t->html_head_len, 248);
    assert_non_null(
        memstr(t->html_head, t->html_head_len, "<title>Network Device Enrollment Service</title>"));
    assert_memory_equal(t->res_body, t->html_head, 248);
    got_free(g);
}

static void test_pipelined(void **state)
{
    static const char reqs[] = "GET /scep?operation=GetCACaps HTTP/1.1\r\nHost: s\r\n\r\n"
                               "GET /scep?operation=GetCACert&message=x HTTP/1.1\r\nHost: s\r\n\r\n"
                               "GET /other HTTP/1.1\r\nHost: s\r\n\r\n";
    static const char res[] = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nAES\n"
                              "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n"
                              "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nno\n";
    const ev script[] = {DATA(0, reqs, 1), DATA(1, res, 2), FINISH(3)};
    got *g = run_all(script, NEV(script), NULL);

    (void)state;
    assert_int_equal(g->n, 3);
    assert_int_equal(g->v[0].tx.index, 0);
    assert_int_equal(g->v[1].tx.index, 1);
    assert_int_equal(g->v[2].tx.index, 2);
    assert_int_equal(g->v[0].tx.scep.op, SS_SCEP_OP_GETCACAPS);
    assert_int_equal(g->v[0].tx.status, 200);
    assert_memory_equal(g->v[0].tx.res_body, "AES\n", 4);
    assert_int_equal(g->v[1].tx.scep.op, SS_SCEP_OP_GETCACERT);
    assert_int_equal(g->v[1].tx.status, 500);
    assert_string_equal(g->v[1].tx.reason, "Internal Server Error");
    assert_int_equal(g->v[2].tx.scep.is_scep, 0);
    assert_int_equal(g->v[2].tx.status, 404);
    assert_int_equal(g->v[2].tx.res_body_seen, 3);
    for (size_t i = 0; i < 3; i++)
        assert_true(HAS(&g->v[i].tx, SS_HTTP_REQ_COMPLETE | SS_HTTP_RES_COMPLETE));
    got_free(g);
}

static void test_continue(void **state)
{
    static const char head[] = "POST /certsrv/mscep/mscep.dll?operation=PKIOperation HTTP/1.1\r\n"
                               "Host: n\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n";
    static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
    static const char body[] = "0123456789";
    static const char res[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                              "Content-Type: application/x-pki-message\r\n\r\nOK";
    const ev script[] = {DATA(0, head, 1), DATA(1, cont, 2), DATA(0, body, 3), DATA(1, res, 4),
                         FINISH(5)};
    got *g = run_all(script, NEV(script), NULL);
    const ss_http_tx *t;

    (void)state;
    assert_int_equal(g->n, 1);
    t = &g->v[0].tx;
    assert_true(HAS(t, SS_HTTP_CONTINUE | SS_HTTP_REQ_COMPLETE | SS_HTTP_RES_COMPLETE));
    assert_int_equal(t->status, 200);
    assert_int_equal(t->req_body_len, 10);
    assert_memory_equal(t->req_body, body, 10);
    assert_memory_equal(t->res_body, "OK", 2);
    assert_int_equal(t->res_start.tv_sec, 2); /* the interim response is the first answer */
    assert_int_equal(t->res_end.tv_sec, 4);
    assert_int_equal(t->req_end.tv_sec, 3);
    got_free(g);
}

static void test_cut_short(void **state)
{
    static const char req[] = "GET /scep?operation=GetCACert HTTP/1.1\r\nHost: s\r\n\r\n";
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/x-x509-ca-cert\r\n"
                               "Content-Length: 5000\r\n\r\n";
    uint8_t part[1000];
    const ev script[] = {DATA(0, req, 1), DATA(1, head, 2), BIN(1, part, sizeof(part), 2),
                         FIN(1, 3), FINISH(4)};
    got *g;
    const ss_http_tx *t;

    (void)state;
    memset(part, 0xab, sizeof(part));
    g = run_all(script, NEV(script), NULL);
    assert_int_equal(g->n, 1);
    t = &g->v[0].tx;
    assert_true(HAS(t, SS_HTTP_RES_CUT_SHORT | SS_HTTP_SERVER_FIN | SS_HTTP_REQ_COMPLETE));
    assert_true(HASNT(t, SS_HTTP_RES_COMPLETE | SS_HTTP_AT_FINISH | SS_HTTP_GAP_RES));
    assert_int_equal(t->res_content_length, 5000);
    assert_int_equal(t->res_body_seen, sizeof(part));
    assert_int_equal(t->res_body_len, sizeof(part));
    assert_int_equal(g->v[0].at_event, 3); /* reported at the FIN */
    assert_int_equal(g->st.stopped[1], SS_HTTP_STOP_CLOSED);
    got_free(g);
}

static void test_no_response(void **state)
{
    static const char req[] = "GET /scep?operation=GetCACaps HTTP/1.1\r\nHost: s\r\n\r\n";
    const ev script[] = {DATA(0, req, 1), FINISH(9)};
    got *g = run_all(script, NEV(script), NULL);
    const ss_http_tx *t;

    (void)state;
    assert_int_equal(g->n, 1);
    t = &g->v[0].tx;
    assert_true(HAS(t, SS_HTTP_REQ_COMPLETE | SS_HTTP_RES_MISSING | SS_HTTP_AT_FINISH));
    assert_true(HASNT(t, SS_HTTP_RES_COMPLETE | SS_HTTP_RES_CUT_SHORT));
    assert_int_equal(t->status, 0);
    assert_int_equal(g->v[0].at_event, 1);
    got_free(g);
}

/* A request cut inside its body by the client's close. */
static void test_request_cut(void **state)
{
    static const char req[] = "POST /scep?operation=PKIOperation HTTP/1.1\r\nHost: s\r\n"
                              "Content-Length: 100\r\n\r\n0123456789";
    const ev script[] = {DATA(0, req, 1), FIN(0, 2), FINISH(3)};
    got *g = run_all(script, NEV(script), NULL);
    const ss_http_tx *t;

    (void)state;
    assert_int_equal(g->n, 1);
    t = &g->v[0].tx;
    assert_true(HAS(t, SS_HTTP_REQ_CUT_SHORT | SS_HTTP_CLIENT_FIN | SS_HTTP_RES_MISSING));
    assert_true(HASNT(t, SS_HTTP_REQ_COMPLETE));
    assert_int_equal(t->req_body_seen, 10);
    assert_int_equal(t->req_content_length, 100);
    assert_int_equal(t->req_body_len, 10);
    got_free(g);
}

static void test_close_delimited(void **state)
{
    static const char req[] = "GET /scep HTTP/1.0\r\n\r\n";
    static const char res[] = "HTTP/1.0 403 Forbidden\r\nContent-Type: text/html\r\n"
                              "Connection: close\r\n\r\n403 - Forbidden: Access is denied.";
    const ev script[] = {DATA(0, req, 1), DATA(1, res, 2), FIN(1, 3), FINISH(4)};
    got *g = run_all(script, NEV(script), NULL);
    const ss_http_tx *t;

    (void)state;
    assert_int_equal(g->n, 1);
    t = &g->v[0].tx;
    assert_true(HAS(t, SS_HTTP_RES_COMPLETE | SS_HTTP_SERVER_FIN));
    assert_int_equal(t->status, 403);
    assert_int_equal(t->res_body_seen, strlen("403 - Forbidden: Access is denied."));
    assert_non_null(memstr(t->html_head, t->html_head_len, "Access is denied"));
    assert_int_equal(t->res_end.tv_sec, 2);
    got_free(g);
}

/* A gap inside a Content-Length body is skipped; the next transaction parses normally. */
static void test_gap_in_body(void **state)
{
    static const char head[] = "POST /scep?operation=PKIOperation HTTP/1.1\r\nHost: s\r\n"
                               "Content-Length: 300\r\n\r\n";
    static const char next[] = "GET /scep?operation=GetCACaps HTTP/1.1\r\nHost: s\r\n\r\n";
    static const char res[] = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA"
                              "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nB";
    uint8_t a[100], b[150];
    const ev script[] = {
        DATA(0, head, 1), BIN(0, a, sizeof(a), 1), GAP(0, 50, 2), BIN(0, b, sizeof(b), 2),
        DATA(0, next, 3), DATA(1, res, 4),         FINISH(5)};
    got *g;
    const ss_http_tx *t;

    (void)state;
    memset(a, 'a', sizeof(a));
    memset(b, 'b', sizeof(b));
    g = run_all(script, NEV(script), NULL);
    assert_int_equal(g->n, 2);
    t = &g->v[0].tx;
    assert_true(HAS(t, SS_HTTP_GAP_REQ | SS_HTTP_REQ_COMPLETE | SS_HTTP_RES_COMPLETE));
    assert_int_equal(t->req_gap, 50);
    assert_int_equal(t->req_body_seen, 300);
    assert_int_equal(t->req_body_len, sizeof(a)); /* kept up to the hole */
    assert_memory_equal(t->res_body, "A", 1);
    t = &g->v[1].tx;
    assert_true(HASNT(t, SS_HTTP_GAP_REQ | SS_HTTP_GAP_RES));
    assert_int_equal(t->scep.op, SS_SCEP_OP_GETCACAPS);
    assert_memory_equal(t->res_body, "B", 1);
    assert_int_equal(g->st.stopped[0], SS_HTTP_STOP_CLOSED);
    assert_int_equal(g->st.gap[0], 50);
    got_free(g);
}

/* A gap where headers were: the request direction stops; what follows is not guessed at. */
static void test_gap_in_headers(void **state)
{
    static const char part[] = "GET /scep?operation=GetCACaps HTTP/1.1\r\nHo";
    static const char rest[] = "GET /x HTTP/1.1\r\nHost: s\r\n\r\n";
    static const char res[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
    const ev script[] = {DATA(0, part, 1), GAP(0, 20, 2), DATA(0, rest, 2), DATA(1, res, 3),
                         FINISH(4)};
    got *g = run_all(script, NEV(script), NULL);
    const ss_http_tx *t;

    (void)state;
    assert_int_equal(g->n, 1);
    t = &g->v[0].tx;
    assert_true(HAS(t, SS_HTTP_GAP_REQ | SS_HTTP_REQ_CUT_SHORT | SS_HTTP_RES_COMPLETE));
    assert_int_equal(t->scep.op, SS_SCEP_OP_GETCACAPS);
    assert_int_equal(t->status, 200);
    assert_int_equal(g->v[0].at_event, 3); /* reported when its response completed */
    assert_int_equal(g->st.stopped[0], SS_HTTP_STOP_GAP);
    assert_int_equal(g->st.ignored[0], sizeof(rest) - 1);
    got_free(g);
}

/* The response direction loses bytes between messages: pending requests are reported at once,
 * and later requests as soon as they complete. */
static void test_gap_in_responses(void **state)
{
    static const char r1[] = "GET /scep?operation=GetCACaps HTTP/1.1\r\nHost: s\r\n\r\n";
    static const char r2[] = "GET /scep?operation=GetCACert HTTP/1.1\r\nHost: s\r\n\r\n";
    static const char r3[] = "GET /scep?operation=GetNextCACert HTTP/1.1\r\nHost: s\r\n\r\n";
    static const char res1[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
    const ev script[] = {DATA(0, r1, 1), DATA(0, r2, 1), DATA(1, res1, 2),
                         GAP(1, 77, 3),  DATA(0, r3, 4), FINISH(5)};
    got *g = run_all(script, NEV(script), NULL);

    (void)state;
    assert_int_equal(g->n, 3);
    assert_true(HAS(&g->v[0].tx, SS_HTTP_RES_COMPLETE));
    assert_true(HASNT(&g->v[0].tx, SS_HTTP_GAP_RES));
    assert_int_equal(g->v[0].at_event, 2);
    assert_true(HAS(&g->v[1].tx, SS_HTTP_RES_MISSING | SS_HTTP_GAP_RES | SS_HTTP_REQ_COMPLETE));
    assert_int_equal(g->v[1].at_event, 3);
    assert_int_equal(g->v[2].tx.scep.op, SS_SCEP_OP_GETNEXTCACERT);
    assert_true(HAS(&g->v[2].tx, SS_HTTP_RES_MISSING | SS_HTTP_GAP_RES));
    assert_true(HASNT(&g->v[2].tx, SS_HTTP_AT_FINISH));
    assert_int_equal(g->v[2].at_event, 4);
    assert_int_equal(g->st.stopped[1], SS_HTTP_STOP_GAP);
    got_free(g);
}

static void test_client_rst(void **state)
{
    static const char req[] = "GET /scep?operation=GetCACaps HTTP/1.1\r\nHost: s\r\n\r\n";
    static const char late[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
    const ev script[] = {DATA(0, req, 1), RST(0, 2), DATA(1, late, 3), FINISH(4)};
    got *g = run_all(script, NEV(script), NULL);
    const ss_http_tx *t;

    (void)state;
    assert_int_equal(g->n, 1);
    t = &g->v[0].tx;
    assert_true(HAS(t, SS_HTTP_CLIENT_RST | SS_HTTP_RES_MISSING | SS_HTTP_REQ_COMPLETE));
    assert_true(HASNT(t, SS_HTTP_AT_FINISH));
    assert_int_equal(g->v[0].at_event, 1);
    assert_int_equal(g->st.ignored[1], sizeof(late) - 1);
    got_free(g);
}

static void test_response_without_request(void **state)
{
    static const char res[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad";
    const ev script[] = {DATA(1, res, 1), FINISH(2)};
    got *g = run_all(script, NEV(script), NULL);
    const ss_http_tx *t;

    (void)state;
    assert_int_equal(g->n, 1);
    t = &g->v[0].tx;
    assert_true(HAS(t, SS_HTTP_REQ_MISSING | SS_HTTP_RES_COMPLETE));
    assert_int_equal(t->status, 400);
    assert_string_equal(t->method, "");
    got_free(g);
}

/* A start line split across packets: times come from the packets that carried the first and
 * the last byte; an unfinished line at the end of input still shows as a transaction. */
static void test_split_times(void **state)
{
    static const char a[] = "GET /scep?oper";
    static const char b[] = "ation=GetCACaps HTTP/1.1\r\nHo";
    static const char c[] = "st: s\r\n\r\n";
    static const char r1[] = "HTTP/1.1 200 OK\r\nContent-";
    static const char r2[] = "Length: 3\r\n\r\nAES";
    static const char tail[] = "GET /scep?operation=GetCACert HT";
    const ev script[] = {DATA(0, a, 1),  DATA(0, b, 2),    DATA(0, c, 3), DATA(1, r1, 4),
                         DATA(1, r2, 5), DATA(0, tail, 6), FINISH(7)};
    got *g = run_all(script, NEV(script), NULL);
    const ss_http_tx *t;

    (void)state;
    assert_int_equal(g->n, 2);
    t = &g->v[0].tx;
    assert_true(HAS(t, SS_HTTP_REQ_COMPLETE | SS_HTTP_RES_COMPLETE));
    assert_int_equal(t->scep.op, SS_SCEP_OP_GETCACAPS);
    assert_int_equal(t->req_start.tv_sec, 1);
    assert_int_equal(t->req_end.tv_sec, 3);
    assert_int_equal(t->res_start.tv_sec, 4);
    assert_int_equal(t->res_end.tv_sec, 5);
    assert_int_equal(t->req_header_bytes, sizeof(a) + sizeof(b) + sizeof(c) - 3);
    assert_int_equal(g->v[0].at_event, 4);
    t = &g->v[1].tx;
    assert_true(HAS(t, SS_HTTP_REQ_CUT_SHORT | SS_HTTP_RES_MISSING | SS_HTTP_AT_FINISH));
    assert_int_equal(t->req_start.tv_sec, 6);
    assert_int_equal(g->st.fed[0], sizeof(a) + sizeof(b) + sizeof(c) + sizeof(tail) - 4);
    got_free(g);
}

/* CONNECT: libhtp holds the request side until it sees the answer. Refused, parsing goes on;
 * accepted, what follows is a tunnel and is not parsed. */
static void test_connect(void **state)
{
    static const char reqs[] = "CONNECT ndes:443 HTTP/1.1\r\nHost: ndes:443\r\n\r\n"
                               "GET /scep?operation=GetCACaps HTTP/1.1\r\nHost: s\r\n\r\n";
    static const char res[] = "HTTP/1.1 407 Proxy Authentication Required\r\n"
                              "Content-Length: 0\r\n\r\n"
                              "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nAES\n";
    static const char req2[] = "CONNECT ndes:443 HTTP/1.1\r\nHost: ndes:443\r\n\r\n"
                               "\x16\x03\x01\x00\x10hello, tunnel";
    static const char res2[] = "HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x03";
    const ev refused[] = {DATA(0, reqs, 1), DATA(1, res, 2), FINISH(3)};
    const ev accepted[] = {DATA(0, req2, 1), DATA(1, res2, 2), FINISH(3)};
    got *g = run_all(refused, NEV(refused), NULL);

    (void)state;
    assert_int_equal(g->n, 2);
    assert_string_equal(g->v[0].tx.method, "CONNECT");
    assert_int_equal(g->v[0].tx.status, 407);
    assert_int_equal(g->v[1].tx.scep.op, SS_SCEP_OP_GETCACAPS);
    assert_int_equal(g->v[1].tx.status, 200);
    assert_true(HAS(&g->v[1].tx, SS_HTTP_REQ_COMPLETE | SS_HTTP_RES_COMPLETE));
    got_free(g);

    g = run_all(accepted, NEV(accepted), NULL);
    assert_int_equal(g->n, 1);
    assert_string_equal(g->v[0].tx.method, "CONNECT");
    assert_int_equal(g->v[0].tx.status, 200);
    assert_int_equal(g->st.stopped[0], SS_HTTP_STOP_TUNNEL);
    assert_int_equal(g->st.stopped[1], SS_HTTP_STOP_TUNNEL);
    got_free(g);
}

/* Requests without answers beyond max_pending stop the connection, reported as LIMIT. */
static void test_pending_limit(void **state)
{
    static const char one[] = "GET /scep?operation=GetCACaps HTTP/1.1\r\nHost: s\r\n\r\n";
    ev script[12];
    ss_http_limits lim;
    got *g;
    size_t i;

    (void)state;
    ss_http_limits_init(&lim);
    lim.max_pending = 4;
    for (i = 0; i < 10; i++) {
        ev e = DATA(0, one, 1);
        script[i] = e;
    }
    {
        ev e = FINISH(2);
        script[10] = e;
    }
    g = run_all(script, 11, &lim);
    assert_int_equal(g->n, lim.max_pending);
    for (i = 0; i < g->n; i++) {
        assert_int_equal(g->v[i].tx.index, i);
        assert_true(HAS(&g->v[i].tx, SS_HTTP_LIMIT | SS_HTTP_RES_MISSING));
    }
    assert_int_equal(g->st.stopped[0], SS_HTTP_STOP_LIMIT);
    assert_true(g->st.ignored[0] > 0);
    got_free(g);
}

static void test_body_cap(void **state)
{
    static const char head[] = "POST /certsrv/mscep/mscep.dll?operation=PKIOperation HTTP/1.1\r\n"
                               "Host: s\r\nContent-Length: 1000\r\n\r\n";
    uint8_t body[1000];
    const ev script[] = {DATA(0, head, 1), BIN(0, body, sizeof(body), 1), FINISH(2)};
    ss_http_limits lim;
    got *g;
    const ss_http_tx *t;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(body); i++)
        body[i] = (uint8_t)i;
    ss_http_limits_init(&lim);
    lim.max_body = 100;
    g = run_all(script, NEV(script), &lim);
    assert_int_equal(g->n, 1);
    t = &g->v[0].tx;
    assert_true(HAS(t, SS_HTTP_REQ_BODY_CAPPED | SS_HTTP_REQ_COMPLETE));
    assert_int_equal(t->req_body_len, lim.max_body);
    assert_memory_equal(t->req_body, body, lim.max_body);
    assert_int_equal(t->req_body_seen, sizeof(body));
    got_free(g);
}

/* Bodies are charged to the memory budget; at its cap they are cut, never grown past it. */
static void test_memory_budget(void **state)
{
    static const char head[] = "POST /scep?operation=PKIOperation HTTP/1.1\r\nHost: s\r\n"
                               "Content-Length: 200000\r\n\r\n";
    static uint8_t body[200000];
    const ev script[] = {DATA(0, head, 1), BIN(0, body, sizeof(body), 1), FINISH(2)};
    ss_mem mem = {0};
    got *g;

    (void)state;
    mem.cap = 64 * 1024;
    g = run_mem(script, NEV(script), SPLIT_RANDOM, 7, NULL, &mem);
    assert_int_equal(g->n, 1);
    assert_true(HAS(&g->v[0].tx, SS_HTTP_REQ_BODY_CAPPED));
    assert_true(g->v[0].tx.req_body_len < mem.cap);
    assert_true(mem.peak <= mem.cap);
    assert_int_equal(mem.used, 0);
    got_free(g);
}

/* After the response direction is lost, requests keep being reported (with the gap flagged)
 * for as long as the client sends them: the parser is recycled, max_pending is not hit. */
static void test_gap_then_many(void **state)
{
    static const char req[] = "GET /scep?operation=GetCACaps HTTP/1.1\r\nHost: s\r\n\r\n";
    static const char part[] = "HTTP/1.1 200 OK\r\nContent-";
    enum { N = 100 };
    ev script[N + 3];
    ss_http_limits lim;
    got *g;
    size_t i;

    (void)state;
    ss_http_limits_init(&lim);
    lim.max_pending = 8;
    {
        ev a = DATA(1, part, 1), b = GAP(1, 10, 1), f = FINISH(3);
        script[0] = a;
        script[1] = b;
        script[N + 2] = f;
    }
    for (i = 0; i < N; i++) {
        ev e = DATA(0, req, 2);
        script[i + 2] = e;
    }
    g = run_all(script, NEV(script), &lim);
    /* the first transaction is the response without request that the gap cut */
    assert_int_equal(g->n, N + 1);
    assert_true(HAS(&g->v[0].tx, SS_HTTP_REQ_MISSING | SS_HTTP_GAP_RES | SS_HTTP_RES_CUT_SHORT));
    for (i = 1; i <= N; i++) {
        assert_true(HAS(&g->v[i].tx, SS_HTTP_REQ_COMPLETE | SS_HTTP_RES_MISSING | SS_HTTP_GAP_RES));
        assert_true(HASNT(&g->v[i].tx, SS_HTTP_LIMIT | SS_HTTP_AT_FINISH));
        assert_int_equal(g->v[i].at_event, i + 1);
    }
    assert_int_equal(g->st.stopped[0], SS_HTTP_STOP_CLOSED);
    got_free(g);
}

/* Many sequential transactions on one connection: libhtp's parser is recycled at idle points
 * and nothing is lost or renumbered. */
static void test_many(void **state)
{
    static const char req[] = "GET /scep?operation=GetCACaps HTTP/1.1\r\nHost: s\r\n\r\n";
    static const char res[] = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nAES\n";
    enum { N = 700 };
    ev *script = calloc(2 * N + 1, sizeof(*script));
    got *g;
    size_t i;

    (void)state;
    assert_non_null(script);
    for (i = 0; i < N; i++) {
        ev a = DATA(0, req, (long)i), b = DATA(1, res, (long)i);
        script[2 * i] = a;
        script[2 * i + 1] = b;
    }
    {
        ev f = FINISH(N);
        script[2 * N] = f;
    }
    g = run(script, 2 * N + 1, SPLIT_RANDOM, 3, NULL);
    assert_int_equal(g->n, N);
    for (i = 0; i < N; i++) {
        assert_int_equal(g->v[i].tx.index, i);
        assert_int_equal(g->v[i].tx.req_start.tv_sec, (long)i);
        assert_true(HAS(&g->v[i].tx, SS_HTTP_REQ_COMPLETE | SS_HTTP_RES_COMPLETE));
        assert_memory_equal(g->v[i].tx.res_body, "AES\n", 4);
    }
    got_free(g);
    free(script);
}

/* A request line longer than max_field: libhtp refuses it; the transaction says why. */
static void test_too_long(void **state)
{
    ss_http_limits lim;
    char *req;
    size_t n, i;
    got *g;

    (void)state;
    ss_http_limits_init(&lim);
    lim.max_field = 4096;
    req = malloc(10000);
    assert_non_null(req);
    n = (size_t)snprintf(req, 10000,
                         "GET /certsrv/mscep/mscep.dll?operation=PKIOperation&message=");
    for (i = 0; i < 8000; i++)
        req[n++] = 'A';
    memcpy(req + n, " HTTP/1.1\r\nHost: s\r\n\r\n", 23);
    n += 22;
    {
        const ev script[] = {BIN(0, (const uint8_t *)req, n, 1), FINISH(2)};
        g = run_all(script, NEV(script), &lim);
    }
    assert_int_equal(g->n, 1);
    assert_true(HAS(&g->v[0].tx, SS_HTTP_REQ_TOO_LONG | SS_HTTP_LIMIT | SS_HTTP_REQ_CUT_SHORT));
    assert_int_equal(g->st.fed[0], lim.max_field);
    assert_int_equal(g->st.ignored[0], n - lim.max_field);
    assert_int_equal(g->st.stopped[0], SS_HTTP_STOP_LIMIT);
    got_free(g);
    free(req);
}

/* GET PKIOperation: the decoded message travels with the transaction. */
static void test_get_pkioperation(void **state)
{
    static const char req[] = "GET /certsrv/mscep/mscep.dll/pkiclient.exe?operation=PKIOperation"
                              "&message=MIECAwQFBj4%2F%2B%2F8%3D HTTP/1.1\r\nHost: ndes\r\n\r\n";
    static const char res[] = "HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\n"
                              "Content-Length: 9\r\n\r\nForbidden";
    static const uint8_t der[] = {0x30, 0x81, 0x02, 0x03, 0x04, 0x05, 0x06, 0x3e, 0x3f, 0xfb, 0xff};
    const ev script[] = {DATA(0, req, 1), DATA(1, res, 2), FINISH(3)};
    got *g = run_all(script, NEV(script), NULL);
    const ss_http_tx *t;

    (void)state;
    assert_int_equal(g->n, 1);
    t = &g->v[0].tx;
    assert_int_equal(t->scep.op, SS_SCEP_OP_PKIOPERATION);
    assert_int_equal(t->scep.der_status, SS_SCEP_DER_OK);
    assert_int_equal(t->scep.der_len, sizeof(der));
    assert_memory_equal(t->scep.der, der, sizeof(der));
    assert_int_equal(t->status, 403);
    assert_memory_equal(t->res_body, "Forbidden", 9);
    got_free(g);
}

/* Every flag bit has a name, and the names are distinct. */
static void test_names(void **state)
{
    unsigned i, j;

    (void)state;
    for (i = 0; i <= 25; i++) {
        assert_non_null(ss_http_flag_name(1u << i));
        for (j = 0; j < i; j++)
            assert_string_not_equal(ss_http_flag_name(1u << i), ss_http_flag_name(1u << j));
    }
    assert_null(ss_http_flag_name(1u << 26));
    assert_string_equal(ss_http_stop_name(SS_HTTP_STOP_GAP), "gap");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_get),
        cmocka_unit_test(test_query_past_kept_uri),
        cmocka_unit_test(test_getcacaps),
        cmocka_unit_test(test_post_binary),
        cmocka_unit_test(test_chunked),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_pipelined),
        cmocka_unit_test(test_continue),
        cmocka_unit_test(test_cut_short),
        cmocka_unit_test(test_no_response),
        cmocka_unit_test(test_request_cut),
        cmocka_unit_test(test_close_delimited),
        cmocka_unit_test(test_gap_in_body),
        cmocka_unit_test(test_gap_in_headers),
        cmocka_unit_test(test_gap_in_responses),
        cmocka_unit_test(test_client_rst),
        cmocka_unit_test(test_response_without_request),
        cmocka_unit_test(test_pending_limit),
        cmocka_unit_test(test_body_cap),
        cmocka_unit_test(test_connect),
        cmocka_unit_test(test_split_times),
        cmocka_unit_test(test_memory_budget),
        cmocka_unit_test(test_many),
        cmocka_unit_test(test_gap_then_many),
        cmocka_unit_test(test_too_long),
        cmocka_unit_test(test_get_pkioperation),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_classify.c — the first-bytes look, app proxy names, and nDPI classification of real
 * captures (tests/data/classify/: an OpenSSL ClientHello with SNI and a curl GET, both recorded
 * on loopback). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/classify.h"

#define APP_PROXY_HOST "contoso-ndes.msappproxy.net"
#define MAX_PKTS       32
#define ETH_HLEN       14

typedef struct capture {
    int n;
    uint8_t *ip[MAX_PKTS]; /* IP header onward, exact-size copies */
    uint32_t len[MAX_PKTS];
    struct timeval ts[MAX_PKTS];
} capture;

static void load_capture(const char *name, capture *cap)
{
    const char *dir = getenv("SS_SOURCE_DIR");
    char path[1024], err[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h;
    const u_char *data;
    pcap_t *p;

    /* no silent pass: the test needs its data */
    assert_non_null(dir);
    snprintf(path, sizeof(path), "%s/tests/data/classify/%s", dir, name);
    p = pcap_open_offline(path, err);
    if (!p)
        fail_msg("%s: %s", path, err);
    assert_int_equal(pcap_datalink(p), DLT_EN10MB);
    memset(cap, 0, sizeof(*cap));
    while (cap->n < MAX_PKTS && pcap_next_ex(p, &h, &data) == 1) {
        assert_true(h->caplen > ETH_HLEN);
        cap->len[cap->n] = h->caplen - ETH_HLEN;
        cap->ip[cap->n] = malloc(cap->len[cap->n]);
        assert_non_null(cap->ip[cap->n]);
        memcpy(cap->ip[cap->n], data + ETH_HLEN, cap->len[cap->n]);
        cap->ts[cap->n] = h->ts;
        cap->n++;
    }
    pcap_close(p);
    assert_true(cap->n >= 4);
}

static void free_capture(capture *cap)
{
    for (int i = 0; i < cap->n; i++)
        free(cap->ip[i]);
}

/* Index of the first packet whose TCP payload starts with the given bytes, -1 if none. */
static int find_payload(const capture *cap, const char *prefix, size_t plen)
{
    for (int i = 0; i < cap->n; i++) {
        const uint8_t *ip = cap->ip[i];
        size_t ihl = (size_t)(ip[0] & 0x0f) * 4, thl;
        if (cap->len[i] < ihl + 20)
            continue;
        thl = (size_t)(ip[ihl + 12] >> 4) * 4;
        if (cap->len[i] >= ihl + thl + plen && memcmp(ip + ihl + thl, prefix, plen) == 0)
            return i;
    }
    return -1;
}

/* Feeds the capture until nDPI is done; returns the packet index at which it was. */
static int classify_capture(ss_classifier *c, const capture *cap, ss_classify_result *res)
{
    ss_classify_flow *f = ss_classify_flow_new(c);
    assert_non_null(f);
    for (int i = 0; i < cap->n; i++) {
        ss_classify_packet(c, &f, cap->ip[i], cap->len[i], &cap->ts[i], res);
        if (res->done) {
            assert_null(f);
            return i;
        }
        assert_non_null(f);
    }
    ss_classify_flow_free(c, f);
    return -1;
}

static void test_first_bytes(void **state)
{
    static const uint8_t tls_hello[] = {0x16, 0x03, 0x01, 0x01, 0x2c, 0x01};
    static const uint8_t tls_alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};
    static const uint8_t tls_bad_minor[] = {0x16, 0x03, 0x05, 0x00, 0x10};
    static const uint8_t tls_zero_len[] = {0x16, 0x03, 0x01, 0x00, 0x00};
    static const uint8_t tls_huge_len[] = {0x16, 0x03, 0x03, 0xff, 0xff};
    static const uint8_t ssh[] = "SSH-2.0-OpenSSH_9.2";
    (void)state;

#define FB(s, ts) ss_classify_first_bytes((const uint8_t *)(s), sizeof(s) - 1, ts)
    assert_int_equal(FB("GET / HTTP/1.1\r\n", 1), SS_APP_HTTP);
    assert_int_equal(FB("POST /certsrv/mscep/mscep.dll", 1), SS_APP_HTTP);
    assert_int_equal(FB("OPTIONS * HTTP/1.1", 1), SS_APP_HTTP);
    assert_int_equal(FB("CONNECT host:443 HTTP/1.1", 1), SS_APP_HTTP);
    assert_int_equal(FB("PATCH ", 1), SS_APP_HTTP);
    assert_int_equal(FB("TRACE ", 1), SS_APP_HTTP);
    assert_int_equal(FB("DELETE ", 1), SS_APP_HTTP);
    assert_int_equal(FB("HEAD ", 1), SS_APP_HTTP);
    assert_int_equal(FB("PUT ", 1), SS_APP_HTTP);
    assert_int_equal(FB("GE", 1), SS_APP_UNKNOWN);
    assert_int_equal(FB("GET", 1), SS_APP_UNKNOWN); /* the space decides */
    assert_int_equal(FB("GET/", 1), SS_APP_OTHER);
    assert_int_equal(FB("get / HTTP/1.1", 1), SS_APP_OTHER); /* methods are case-sensitive */
    assert_int_equal(FB("GETS /", 1), SS_APP_OTHER);
    assert_int_equal(FB("HTTP/1.1 200 OK", 1), SS_APP_OTHER); /* a status line is the server's */
    assert_int_equal(FB("HTTP/1.1 200 OK\r\n", 0), SS_APP_HTTP);
    assert_int_equal(FB("HTTP/1.0 403", 0), SS_APP_HTTP);
    assert_int_equal(FB("HTTP/1", 0), SS_APP_UNKNOWN);
    assert_int_equal(FB("HTTP/2.0 200", 0), SS_APP_OTHER);
    assert_int_equal(FB("GET / HTTP/1.1", 0), SS_APP_OTHER); /* a request line is the client's */
    assert_int_equal(ss_classify_first_bytes(ssh, sizeof(ssh) - 1, 1), SS_APP_OTHER);
    assert_int_equal(ss_classify_first_bytes(ssh, sizeof(ssh) - 1, 0), SS_APP_OTHER);
    assert_int_equal(ss_classify_first_bytes(NULL, 0, 1), SS_APP_UNKNOWN);
    assert_int_equal(ss_classify_first_bytes(tls_hello, 0, 1), SS_APP_UNKNOWN);
#undef FB

    assert_int_equal(ss_classify_first_bytes(tls_hello, sizeof(tls_hello), 1), SS_APP_TLS);
    assert_int_equal(ss_classify_first_bytes(tls_hello, 5, 1), SS_APP_TLS);
    assert_int_equal(ss_classify_first_bytes(tls_hello, sizeof(tls_hello), 0), SS_APP_TLS);
    for (size_t n = 1; n < 5; n++)
        assert_int_equal(ss_classify_first_bytes(tls_hello, n, 1), SS_APP_UNKNOWN);
    assert_int_equal(ss_classify_first_bytes(tls_alert, sizeof(tls_alert), 0), SS_APP_TLS);
    assert_int_equal(ss_classify_first_bytes(tls_alert, sizeof(tls_alert), 1), SS_APP_OTHER);
    assert_int_equal(ss_classify_first_bytes(tls_bad_minor, sizeof(tls_bad_minor), 1),
                     SS_APP_OTHER);
    assert_int_equal(ss_classify_first_bytes(tls_zero_len, sizeof(tls_zero_len), 1), SS_APP_OTHER);
    assert_int_equal(ss_classify_first_bytes(tls_huge_len, sizeof(tls_huge_len), 0), SS_APP_OTHER);
}

static void test_app_proxy_names(void **state)
{
    (void)state;
    assert_true(ss_is_app_proxy_name(APP_PROXY_HOST));
    assert_true(ss_is_app_proxy_name("CONTOSO-NDES.MSAPPPROXY.NET"));
    assert_true(ss_is_app_proxy_name("msappproxy.net"));
    assert_true(ss_is_app_proxy_name("MsAppProxy.Net"));
    assert_true(ss_is_app_proxy_name("a.b.msappproxy.net."));
    assert_false(ss_is_app_proxy_name("evilmsappproxy.net"));
    assert_false(ss_is_app_proxy_name("msappproxy.net.evil.example"));
    assert_false(ss_is_app_proxy_name("appproxy.net"));
    assert_false(ss_is_app_proxy_name("sappproxy.net"));
    assert_false(ss_is_app_proxy_name(".net"));
    assert_false(ss_is_app_proxy_name(""));
    assert_false(ss_is_app_proxy_name(NULL));
}

static void test_tls_client_hello_sni(void **state)
{
    ss_mem mem = {0};
    char err[128] = "";
    ss_classify_result res;
    capture cap;
    ss_classifier *c;
    int hello, at;
    (void)state;

    load_capture("tls_sni.pcap", &cap);
    hello = find_payload(&cap, "\x16\x03", 2);
    assert_true(hello > 0);
    c = ss_classifier_new(&mem, err, sizeof(err));
    assert_non_null(c);
    assert_string_equal(err, "");

    at = classify_capture(c, &cap, &res);
    /* decided on the ClientHello itself, not later */
    assert_int_equal(at, hello);
    assert_string_equal(res.app, "TLS");
    assert_string_equal(res.sni, APP_PROXY_HOST);
    assert_int_equal(res.app_proxy, 1);
    /* the flow state went back to the budget */
    assert_int_equal(mem.used, 0);
    assert_true(mem.peak > 0);

    ss_classifier_free(c);
    free_capture(&cap);
}

static void test_http_get_host(void **state)
{
    ss_mem mem = {0};
    ss_classify_result res;
    capture cap;
    ss_classifier *c;
    int get, at;
    (void)state;

    load_capture("http_get.pcap", &cap);
    get = find_payload(&cap, "GET ", 4);
    assert_true(get > 0);
    c = ss_classifier_new(&mem, NULL, 0);
    assert_non_null(c);
    at = classify_capture(c, &cap, &res);
    assert_true(at >= get);
    assert_string_equal(res.app, "HTTP");
    assert_string_equal(res.sni, APP_PROXY_HOST);
    assert_int_equal(res.app_proxy, 1);
    assert_int_equal(mem.used, 0);
    ss_classifier_free(c);
    free_capture(&cap);
}

/* A flow that never shows anything is given up after a bounded number of packets. */
static void test_gives_up(void **state)
{
    ss_mem mem = {0};
    ss_classify_result res;
    ss_classify_flow *f;
    capture cap;
    ss_classifier *c;
    int n = 0;
    (void)state;

    load_capture("tls_sni.pcap", &cap);
    c = ss_classifier_new(&mem, NULL, 0);
    assert_non_null(c);
    f = ss_classify_flow_new(c);
    assert_non_null(f);
    /* the bare ACK (third packet of the handshake) over and over: no payload, nothing to learn */
    while (f && n < 1000) {
        ss_classify_packet(c, &f, cap.ip[2], cap.len[2], &cap.ts[2], &res);
        n++;
    }
    assert_null(f);
    assert_int_equal(res.done, 1);
    assert_string_equal(res.app, "");
    assert_string_equal(res.sni, "");
    assert_true(n > 1 && n <= 64);
    assert_int_equal(mem.used, 0);
    ss_classifier_free(c);
    free_capture(&cap);
}

/* NULL packets are ignored; a packet cut short never shows nDPI more than it was given. */
static void test_null_and_short(void **state)
{
    ss_mem mem = {0};
    ss_classify_result res;
    ss_classify_flow *f;
    capture cap;
    ss_classifier *c;
    uint8_t *cut;
    int hello;
    (void)state;

    load_capture("tls_sni.pcap", &cap);
    hello = find_payload(&cap, "\x16\x03", 2);
    assert_true(hello > 0);
    c = ss_classifier_new(&mem, NULL, 0);
    assert_non_null(c);
    f = ss_classify_flow_new(c);
    assert_non_null(f);

    ss_classify_packet(c, &f, NULL, 1500, NULL, &res);
    assert_non_null(f);
    assert_int_equal(res.done, 0);

    /* the ClientHello cut before the SNI extension, in an exact-size buffer (ASan watches) */
    cut = malloc(80);
    assert_non_null(cut);
    memcpy(cut, cap.ip[hello], 80);
    ss_classify_packet(c, &f, cut, 80, &cap.ts[hello], &res);
    assert_string_equal(res.sni, "");
    assert_int_equal(res.app_proxy, 0);
    free(cut);

    ss_classify_flow_free(c, f);
    assert_int_equal(mem.used, 0);
    ss_classifier_free(c);
    free_capture(&cap);
}

static void test_budget_refuses(void **state)
{
    ss_mem mem = {0};
    ss_classifier *c;
    ss_classify_flow *f;
    (void)state;

    c = ss_classifier_new(&mem, NULL, 0);
    assert_non_null(c);
    f = ss_classify_flow_new(c);
    assert_non_null(f);
    /* a cap just below what one more flow needs */
    mem.cap = mem.used + 16;
    assert_null(ss_classify_flow_new(c));
    assert_int_equal(mem.denied, 1);
    ss_classify_flow_free(c, f);
    assert_int_equal(mem.used, 0);
    ss_classifier_free(c);
}

/* Two classifiers, interleaved packet by packet, each with its own budget, learn each their own
 * flow; freeing one leaves the other working. */
static void test_two_classifiers(void **state)
{
    ss_mem ma = {0}, mb = {0};
    ss_classify_result ra, rb;
    ss_classify_flow *fa, *fb;
    capture tls, http;
    ss_classifier *a, *b;
    int i;
    (void)state;

    load_capture("tls_sni.pcap", &tls);
    load_capture("http_get.pcap", &http);
    a = ss_classifier_new(&ma, NULL, 0);
    b = ss_classifier_new(&mb, NULL, 0);
    assert_non_null(a);
    assert_non_null(b);
    fa = ss_classify_flow_new(a);
    fb = ss_classify_flow_new(b);
    assert_non_null(fa);
    assert_non_null(fb);
    assert_true(ma.used > 0 && mb.used > 0);

    memset(&ra, 0, sizeof(ra));
    memset(&rb, 0, sizeof(rb));
    for (i = 0; i < tls.n || i < http.n; i++) {
        if (fa && i < tls.n)
            ss_classify_packet(a, &fa, tls.ip[i], tls.len[i], &tls.ts[i], &ra);
        if (fb && i < http.n)
            ss_classify_packet(b, &fb, http.ip[i], http.len[i], &http.ts[i], &rb);
        if (!fb && b) {
            ss_classifier_free(b); /* a must not notice */
            b = NULL;
        }
    }
    assert_null(fa);
    assert_null(fb);
    assert_string_equal(ra.app, "TLS");
    assert_string_equal(rb.app, "HTTP");
    assert_string_equal(ra.sni, APP_PROXY_HOST);
    assert_string_equal(rb.sni, APP_PROXY_HOST);
    assert_int_equal(ma.used, 0);
    assert_int_equal(mb.used, 0);
    ss_classifier_free(a);
    ss_classifier_free(b);
    free_capture(&tls);
    free_capture(&http);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_bytes),
        cmocka_unit_test(test_app_proxy_names),
        cmocka_unit_test(test_tls_client_hello_sni),
        cmocka_unit_test(test_http_get_host),
        cmocka_unit_test(test_gives_up),
        cmocka_unit_test(test_null_and_short),
        cmocka_unit_test(test_budget_refuses),
        cmocka_unit_test(test_two_classifiers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

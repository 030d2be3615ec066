/* test_tls.c — the TLS layer (capture/tls.c with tls_handshake.c, tls_chain.c, tls_keys.c, and
 * tls_crypto.c) over real captures.
 *
 * tests/data/tls/ holds curl and openssl s_client talking to nginx / openssl s_server on
 * loopback, with the key logs the clients wrote (make.sh remakes them). Each pcap is put back
 * into byte streams with the capture layer's own decoder and reassembly, fed to ss_tls, and
 * the results are compared with what the tools themselves printed: the request curl sent (its
 * "> " lines), the bytes it received (-D headers + -o body), the version, cipher suite, ALPN,
 * certificate and alerts of its -v output. Feeding one byte at a time, or each flight (all a
 * side sends before the other answers) in one piece, must give the same results; a wrong or missing
 * key must fail cleanly, once, and hand on nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/support/data.h"
#include "capture/mem.h"
#include "capture/packet.h"
#include "capture/reasm.h"
#include "capture/tls.h"
#include "capture/tls_crypto.h"
#include "capture/tls_keylog.h"

#define MAX_PLAIN  (256 * 1024)
#define MAX_EVENTS 256
#define MAX_STREAM (512 * 1024)

enum { FEED_SEGMENTS, FEED_BYTES, FEED_FLIGHTS };

typedef struct rec_event {
    ss_tls_ev_kind kind;
    int dir;
    int level, desc;
    ss_tls_reason reason;
    long plain_len;
    uint32_t record_len;
    int inferred;
} rec_event;

typedef struct result {
    uint8_t *plain[2];
    size_t plain_len[2];
    int nev;
    rec_event ev[MAX_EVENTS];
    ss_tls_info info;
    ss_tls_cert certs[SS_TLS_MAX_CERTS]; /* info.certs points here once the parser is gone */
    /* FEED_FLIGHTS: a direction's bytes gathered until the other direction speaks */
    uint8_t *stream[2];
    size_t stream_len[2];
} result;

typedef struct dirctx {
    ss_tls *t;
    result *res;
    int dir;
    int mode;
} dirctx;

static const char *data_dir(void)
{
    const char *dir = getenv("SS_SOURCE_DIR");

    /* no silent pass: the test needs its data */
    if (!dir)
        fail_msg("SS_SOURCE_DIR is not set: run through ctest or set it to the source root");
    return dir;
}

static char *path_of(const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s/tests/data/tls/%s", data_dir(), name);
    return buf;
}

/* A whole file, NUL-terminated; *len without the NUL. NULL when it does not exist. */
#define slurp(name, len) ss_test_read("tests/data/tls", name, len)

static void on_plain(void *ctx, int dir, const uint8_t *d, size_t n, const struct timeval *ts)
{
    result *r = ctx;

    (void)ts;
    assert_true(dir == 0 || dir == 1);
    assert_true(n > 0);
    assert_true(r->plain_len[dir] + n <= MAX_PLAIN);
    memcpy(r->plain[dir] + r->plain_len[dir], d, n);
    r->plain_len[dir] += n;
}

static void on_event(void *ctx, const ss_tls_event *ev)
{
    result *r = ctx;
    rec_event *e;

    assert_true(r->nev < MAX_EVENTS);
    assert_non_null(ev->info);
    assert_non_null(ev->detail);
    e = &r->ev[r->nev++];
    e->kind = ev->kind;
    e->dir = ev->dir;
    e->level = ev->alert_level;
    e->desc = ev->alert_desc;
    e->reason = ev->reason;
    e->plain_len = ev->plain_len;
    e->record_len = ev->record_len;
    e->inferred = ev->inferred;
}

static void flush_flight(ss_tls *t, result *r, int dir, const struct timeval *ts)
{
    if (r->stream_len[dir])
        ss_tls_feed(t, dir, r->stream[dir], r->stream_len[dir], ts);
    r->stream_len[dir] = 0;
}

static void sink_data(void *ctx, const uint8_t *d, size_t n, const struct timeval *ts)
{
    dirctx *c = ctx;

    if (c->mode == FEED_FLIGHTS) {
        /* the other side's flight is complete when this side speaks */
        flush_flight(c->t, c->res, !c->dir, ts);
        assert_true(c->res->stream_len[c->dir] + n <= MAX_STREAM);
        memcpy(c->res->stream[c->dir] + c->res->stream_len[c->dir], d, n);
        c->res->stream_len[c->dir] += n;
    } else if (c->mode == FEED_BYTES) {
        for (size_t i = 0; i < n; i++)
            ss_tls_feed(c->t, c->dir, d + i, 1, ts);
    } else {
        ss_tls_feed(c->t, c->dir, d, n, ts);
    }
}

static void sink_gap(void *ctx, uint64_t n, const struct timeval *ts)
{
    dirctx *c = ctx;

    (void)ts;
    ss_tls_gap(c->t, c->dir, n);
}

/* Reads one TLS connection from a capture (the first SYN decides the client) into ss_tls. */
static void run(const char *pcap_name, const ss_tls_keylog *kl, int mode, result *r)
{
    char path[1024], err[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h;
    const u_char *data;
    pcap_t *p;
    ss_mem mem = {0};
    ss_tls_config cfg;
    ss_tls_sink sink = {on_plain, on_event, r};
    ss_reasm rs[2];
    dirctx dc[2];
    ss_reasm_sink rsink[2];
    ss_packet pk;
    uint8_t cip[16];
    uint16_t cport = 0;
    int have_client = 0, linktype;
    struct timeval last = {0, 0};
    ss_tls *t;

    memset(r, 0, sizeof(*r));
    for (int d = 0; d < 2; d++) {
        r->plain[d] = malloc(MAX_PLAIN);
        r->stream[d] = malloc(MAX_STREAM);
        assert_non_null(r->plain[d]);
        assert_non_null(r->stream[d]);
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.keylog = kl;
    cfg.mem = &mem;
    t = ss_tls_new(&cfg, &sink);
    assert_non_null(t);
    for (int d = 0; d < 2; d++) {
        ss_reasm_init(&rs[d], 1 << 20, &mem);
        dc[d] = (dirctx){t, r, d, mode};
        rsink[d] = (ss_reasm_sink){sink_data, sink_gap, &dc[d]};
    }

    p = pcap_open_offline(path_of(pcap_name, path, sizeof(path)), err);
    if (!p)
        fail_msg("%s: %s", path, err);
    linktype = pcap_datalink(p);
    while (pcap_next_ex(p, &h, &data) == 1) {
        int dir;

        if (ss_packet_decode(linktype, &h->ts, data, h->caplen, h->len, NULL, &pk) != SS_PKT_TCP)
            continue;
        last = h->ts;
        if (!have_client) {
            if (!(pk.flags & SS_TH_SYN) || (pk.flags & SS_TH_ACK))
                continue;
            memcpy(cip, pk.src, 16);
            cport = pk.sport;
            have_client = 1;
        }
        dir = memcmp(pk.src, cip, 16) == 0 && pk.sport == cport ? 0 : 1;
        if (pk.flags & SS_TH_SYN)
            ss_reasm_set_start(&rs[dir], pk.seq + 1);
        if (pk.payload_len)
            ss_reasm_segment(&rs[dir], pk.seq, pk.payload, pk.payload_len, &h->ts, &rsink[dir]);
        if (pk.flags & (SS_TH_FIN | SS_TH_RST))
            ss_reasm_flush(&rs[dir], &h->ts, &rsink[dir]);
    }
    pcap_close(p);
    assert_true(have_client);
    for (int d = 0; d < 2; d++)
        ss_reasm_flush(&rs[d], &last, &rsink[d]);
    if (mode == FEED_FLIGHTS)
        for (int d = 0; d < 2; d++)
            flush_flight(t, r, d, &last);
    for (int d = 0; d < 2; d++)
        ss_tls_end(t, d, &last);
    r->info = *ss_tls_get_info(t);
    if (r->info.certs)
        memcpy(r->certs, r->info.certs, sizeof(r->certs));
    r->info.certs = r->certs;
    ss_tls_free(t);
    for (int d = 0; d < 2; d++)
        ss_reasm_free(&rs[d]);
    /* everything charged was given back */
    assert_int_equal(mem.used, 0);
}

static void free_result(result *r)
{
    for (int d = 0; d < 2; d++) {
        free(r->plain[d]);
        free(r->stream[d]);
    }
}

static ss_tls_keylog *keylog_of(const char *name)
{
    char path[1024], err[256];
    ss_tls_keylog *kl = ss_tls_keylog_new(0);

    assert_non_null(kl);
    if (ss_tls_keylog_load_file(kl, path_of(name, path, sizeof(path)), err, sizeof(err)) < 0)
        fail_msg("%s", err);
    return kl;
}

static int count_events(const result *r, ss_tls_ev_kind k)
{
    int n = 0;

    for (int i = 0; i < r->nev; i++)
        n += r->ev[i].kind == k;
    return n;
}

static const rec_event *find_event(const result *r, ss_tls_ev_kind k)
{
    for (int i = 0; i < r->nev; i++)
        if (r->ev[i].kind == k)
            return &r->ev[i];
    return NULL;
}

/* ------------------------------------------------------------------ what the tools printed */

typedef struct curl_view {
    char *request; /* the "> " lines, prefixes removed (they keep their CRLF) */
    size_t request_len;
    char version[16]; /* "TLSv1.3" */
    char cipher[64];
    char alpn_offered[64];
    char alpn[32];
    char host[128];
    char subject[256], issuer[256];
    char expire[64];
    int alert_dir, alert_code; /* curl's "(OUT), TLS alert, ... (557)": 557 = level << 8 | desc */
    char alert_text[64];
} curl_view;

static void rstrip(char *s)
{
    size_t n = strlen(s);

    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
        s[--n] = '\0';
}

/* "O=a; CN=b" (curl) to "O=a, CN=b" (ours) */
static void semi_to_comma(char *s)
{
    char *p;

    while ((p = strstr(s, "; ")))
        *p = ',';
}

static void read_curl(const char *name, curl_view *v)
{
    char fname[128];
    size_t len, pos = 0;
    uint8_t *txt;

    memset(v, 0, sizeof(*v));
    v->alert_dir = -1;
    snprintf(fname, sizeof(fname), "%s.txt", name);
    txt = slurp(fname, &len);
    assert_non_null(txt);
    v->request = calloc(1, len + 1);
    assert_non_null(v->request);
    while (pos < len) {
        char *line = (char *)txt + pos, *nl = memchr(line, '\n', len - pos), *q;
        size_t ll = nl ? (size_t)(nl - line) + 1 : len - pos;
        char buf[512];

        pos += ll;
        if (ll > 2 && line[0] == '>' && line[1] == ' ') {
            memcpy(v->request + v->request_len, line + 2, ll - 2);
            v->request_len += ll - 2;
            continue;
        }
        if (ll >= sizeof(buf))
            continue;
        memcpy(buf, line, ll);
        buf[ll] = '\0';
        rstrip(buf);
        if (sscanf(buf, "* SSL connection using %15s / %63s", v->version, v->cipher) == 2)
            continue;
        if (sscanf(buf, "* ALPN: offers %63s", v->alpn_offered) == 1)
            continue;
        if (sscanf(buf, "* ALPN: server accepted %31s", v->alpn) == 1)
            continue;
        if (sscanf(buf, "* Connected to %127s", v->host) == 1)
            continue;
        if (strncmp(buf, "*  subject: ", 12) == 0)
            snprintf(v->subject, sizeof(v->subject), "%.255s", buf + 12);
        else if (strncmp(buf, "*  issuer: ", 11) == 0)
            snprintf(v->issuer, sizeof(v->issuer), "%.255s", buf + 11);
        else if (strncmp(buf, "*  expire date: ", 16) == 0)
            snprintf(v->expire, sizeof(v->expire), "%.63s", buf + 16);
        else if ((q = strstr(buf, "), TLS alert, "))) {
            char *paren = strrchr(buf, '(');
            v->alert_dir = strstr(buf, "(OUT)") ? 0 : 1;
            assert_non_null(paren);
            v->alert_code = atoi(paren + 1);
            snprintf(v->alert_text, sizeof(v->alert_text), "%.*s", (int)(paren - 1 - (q + 14)),
                     q + 14);
        }
    }
    semi_to_comma(v->subject);
    semi_to_comma(v->issuer);
    free(txt);
}

static uint16_t version_of(const char *curl_version)
{
    if (strcmp(curl_version, "TLSv1.3") == 0)
        return 0x0304;
    if (strcmp(curl_version, "TLSv1.2") == 0)
        return 0x0303;
    if (strcmp(curl_version, "TLSv1.1") == 0)
        return 0x0302;
    if (strcmp(curl_version, "TLSv1") == 0)
        return 0x0301;
    fail_msg("unexpected version %s", curl_version);
    return 0;
}

/* curl's "Feb 27 15:09:26 2029 GMT" */
static time_t curl_date(const char *s)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    struct tm tm;
    char mon[4];
    const char *m;

    memset(&tm, 0, sizeof(tm));
    assert_int_equal(sscanf(s, "%3s %d %d:%d:%d %d GMT", mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                            &tm.tm_sec, &tm.tm_year),
                     6);
    m = strstr(months, mon);
    assert_non_null(m);
    tm.tm_mon = (int)(m - months) / 3;
    tm.tm_year -= 1900;
    return timegm(&tm);
}

/* The facts curl printed, compared with what the TLS layer saw. */
static void check_facts(const result *r, const curl_view *v, int keyed)
{
    const ss_tls_info *in = &r->info;

    assert_string_equal(in->sni, v->host);
    assert_string_equal(in->alpn_offered, v->alpn_offered);
    assert_int_equal(in->client_hellos >= 1, 1);
    assert_int_equal(in->server_hello, 1);
    assert_int_equal(in->version, version_of(v->version));
    /* curl prints OpenSSL's names: TLS 1.3 ones are the IANA names */
    assert_string_equal(in->cipher_openssl, v->cipher);
    assert_true(strlen(in->ja3) > 10);
    assert_int_equal(strlen(in->ja3_hash), 32);
    if (in->version != 0x0304 || keyed) {
        /* the chain: in the clear up to TLS 1.2, decrypted in TLS 1.3 */
        assert_string_equal(in->alpn, v->alpn);
        assert_int_equal(in->ncerts, 2);
        assert_string_equal(in->certs[0].subject, v->subject);
        assert_string_equal(in->certs[0].issuer, v->issuer);
        assert_string_equal(in->certs[1].subject, v->issuer);
        assert_true(in->certs[1].self_issued);
        assert_int_equal(in->certs[0].not_after, curl_date(v->expire));
        assert_non_null(strstr(in->certs[0].sans, "DNS:ndes.scepsniff.test"));
        assert_non_null(strstr(in->certs[0].sans, "IP:127.0.0.1"));
        assert_int_equal(in->cert_expired, 0);
        assert_int_equal(in->cert_name_mismatch, 0);
    } else {
        assert_int_equal(in->ncerts, 0);
    }
    assert_int_equal(in->handshake_complete, 1);
    assert_int_equal(count_events(r, SS_TLS_EV_HANDSHAKE_DONE), 1);
    assert_int_equal(in->stopped[0], SS_TLS_R_NONE);
    assert_int_equal(in->stopped[1], SS_TLS_R_NONE);
}

/* Decrypted HTTP must be exactly what curl sent and received. */
static void check_decrypted(const char *name, const result *r, const curl_view *v)
{
    char fname[128];
    size_t len;
    uint8_t *resp;

    snprintf(fname, sizeof(fname), "%s.response", name);
    resp = slurp(fname, &len);
    assert_non_null(resp);
    assert_int_equal(r->plain_len[0], v->request_len);
    assert_memory_equal(r->plain[0], v->request, v->request_len);
    assert_int_equal(r->plain_len[1], len);
    assert_memory_equal(r->plain[1], resp, len);
    assert_int_equal(r->info.plain_bytes[0], v->request_len);
    assert_int_equal(r->info.plain_bytes[1], len);
    assert_int_equal(r->info.decrypting[0], 1);
    assert_int_equal(r->info.decrypting[1], 1);
    assert_int_equal(count_events(r, SS_TLS_EV_DECRYPT_FAILED), 0);
    assert_false(r->info.complete_inferred);
    free(resp);
}

/* One curl capture: with its keys (three ways of feeding), and without keys. */
static void curl_capture(const char *name)
{
    char pcap[128], keys[128];
    curl_view v;
    result keyed, bytes, whole, plain;
    ss_tls_keylog *kl;

    snprintf(pcap, sizeof(pcap), "%s.pcap", name);
    snprintf(keys, sizeof(keys), "%s.keys", name);
    read_curl(name, &v);
    assert_true(v.request_len > 20);
    kl = keylog_of(keys);

    run(pcap, kl, FEED_SEGMENTS, &keyed);
    check_facts(&keyed, &v, 1);
    check_decrypted(name, &keyed, &v);
    /* the close_notify alerts, read */
    assert_true(keyed.info.alerts[0] >= 1);
    assert_int_equal(keyed.info.encrypted_alerts[0], 0);

    run(pcap, kl, FEED_BYTES, &bytes);
    check_facts(&bytes, &v, 1);
    check_decrypted(name, &bytes, &v);
    assert_int_equal(bytes.nev, keyed.nev);
    for (int i = 0; i < keyed.nev; i++)
        assert_memory_equal(&bytes.ev[i], &keyed.ev[i], sizeof(rec_event));

    run(pcap, kl, FEED_FLIGHTS, &whole);
    check_facts(&whole, &v, 1);
    check_decrypted(name, &whole, &v);

    /* no keys: the facts in the clear, sizes of the records, nothing decrypted, no failure */
    run(pcap, NULL, FEED_SEGMENTS, &plain);
    check_facts(&plain, &v, 0);
    assert_int_equal(plain.plain_len[0] + plain.plain_len[1], 0);
    assert_int_equal(count_events(&plain, SS_TLS_EV_DECRYPT_FAILED), 0);
    assert_true(plain.info.complete_inferred);
    if (plain.info.version != 0x0304) {
        /* TLS 1.2: application-data records are told apart from the rest without keys */
        assert_int_equal(plain.info.app_records[0], keyed.info.app_records[0]);
        assert_int_equal(plain.info.app_records[1], keyed.info.app_records[1]);
        assert_int_equal(plain.info.app_bytes[1], keyed.info.app_bytes[1]);
        assert_true(plain.info.encrypted_alerts[0] >= 1);
        /* the answer came after the request */
        assert_true(timercmp(&plain.info.first_app[1], &plain.info.first_app[0], >=));
    } else {
        /* TLS 1.3: tickets and alerts look like data; at least the real ones are counted */
        assert_true(plain.info.app_records[1] >= keyed.info.app_records[1]);
        assert_true(plain.info.app_records[0] >= keyed.info.app_records[0]);
    }
    assert_true(plain.info.app_records[1] >= 1);

    free_result(&keyed);
    free_result(&bytes);
    free_result(&whole);
    free_result(&plain);
    free(v.request);
    ss_tls_keylog_free(kl);
}

static void test_tls13(void **state)
{
    (void)state;
    curl_capture("tls13");
}

static void test_tls12_gcm(void **state)
{
    (void)state;
    curl_capture("tls12_gcm");
}

static void test_tls12_cbc_etm(void **state)
{
    result r;
    ss_tls_keylog *kl = keylog_of("tls12_cbc_etm.keys");

    (void)state;
    curl_capture("tls12_cbc_etm");
    run("tls12_cbc_etm.pcap", kl, FEED_SEGMENTS, &r);
    assert_int_equal(r.info.encrypt_then_mac, 1);
    assert_int_equal(r.info.extended_master, 1);
    free_result(&r);
    ss_tls_keylog_free(kl);
}

static void test_tls12_cbc_mte(void **state)
{
    result r;
    ss_tls_keylog *kl = keylog_of("tls12_cbc_mte.keys");

    (void)state;
    curl_capture("tls12_cbc_mte");
    run("tls12_cbc_mte.pcap", kl, FEED_SEGMENTS, &r);
    assert_int_equal(r.info.encrypt_then_mac, 0); /* nginx was told: -EncryptThenMac */
    free_result(&r);
    ss_tls_keylog_free(kl);
}

static void test_tls12_cbc_sha1(void **state)
{
    (void)state;
    curl_capture("tls12_cbc_sha1");
}

static void test_tls12_chacha(void **state)
{
    (void)state;
    curl_capture("tls12_chacha");
}

/* TLS 1.0: CBC IVs chained across records, curl's empty fragments, the MD5/SHA-1 PRF. */
static void test_tls10_cbc(void **state)
{
    result r;
    ss_tls_keylog *kl = keylog_of("tls10_cbc.keys");
    int empty = 0;

    (void)state;
    curl_capture("tls10_cbc");
    run("tls10_cbc.pcap", kl, FEED_SEGMENTS, &r);
    for (int i = 0; i < r.nev; i++)
        empty += r.ev[i].kind == SS_TLS_EV_APP_DATA && r.ev[i].plain_len == 0;
    assert_true(empty >= 1);
    free_result(&r);
    ss_tls_keylog_free(kl);
}

static void test_tls11_cbc(void **state)
{
    (void)state;
    curl_capture("tls11_cbc");
}

static void test_tls13_hrr_chacha(void **state)
{
    result r;
    ss_tls_keylog *kl = keylog_of("tls13_hrr_chacha.keys");

    (void)state;
    curl_capture("tls13_hrr_chacha");
    run("tls13_hrr_chacha.pcap", kl, FEED_SEGMENTS, &r);
    assert_int_equal(r.info.hello_retry, 1);
    assert_int_equal(r.info.client_hellos, 2);
    assert_int_equal(count_events(&r, SS_TLS_EV_HELLO_RETRY), 1);
    assert_int_equal(count_events(&r, SS_TLS_EV_SERVER_HELLO), 1);
    free_result(&r);
    ss_tls_keylog_free(kl);
}

/* The server refuses the only cipher suite offered: a plaintext fatal alert, no handshake. */
static void test_tls12_alert(void **state)
{
    curl_view v;
    result r;
    const rec_event *e;
    ss_tls_keylog *kl = keylog_of("tls13.keys");

    (void)state;
    read_curl("tls12_alert", &v);
    assert_int_equal(v.alert_dir, 1);
    run("tls12_alert.pcap", kl, FEED_SEGMENTS, &r);
    assert_int_equal(r.info.client_hellos, 1);
    assert_int_equal(r.info.ciphers_offered, 2); /* CHACHA20 + the renegotiation SCSV */
    assert_int_equal(r.info.server_hello, 0);
    assert_int_equal(r.info.handshake_complete, 0);
    assert_int_equal(count_events(&r, SS_TLS_EV_HANDSHAKE_DONE), 0);
    assert_int_equal(count_events(&r, SS_TLS_EV_ALERT), 1);
    e = find_event(&r, SS_TLS_EV_ALERT);
    assert_int_equal(e->dir, v.alert_dir);
    assert_int_equal(e->level, v.alert_code >> 8);
    assert_int_equal(e->desc, v.alert_code & 0xff);
    assert_int_equal(r.info.last_alert_dir, 1);
    /* curl says "handshake failure", we say "handshake_failure" */
    {
        char name[64];
        snprintf(name, sizeof(name), "%s", ss_tls_alert_name(e->desc));
        for (char *p = name; *p; p++)
            if (*p == '_')
                *p = ' ';
        assert_string_equal(name, v.alert_text);
    }
    assert_int_equal(r.info.app_records[0] + r.info.app_records[1], 0);
    /* no encrypted record, so nothing to fail */
    assert_int_equal(count_events(&r, SS_TLS_EV_DECRYPT_FAILED), 0);
    free_result(&r);
    free(v.request);
    ss_tls_keylog_free(kl);
}

/* The server's certificate expired in 2021; curl refuses it with an alert. */
static void test_tls12_expired(void **state)
{
    curl_view v;
    result r;
    const rec_event *e;

    (void)state;
    read_curl("tls12_expired", &v);
    assert_int_equal(v.alert_dir, 0);
    run("tls12_expired.pcap", NULL, FEED_BYTES, &r);
    assert_int_equal(r.info.server_hello, 1);
    assert_int_equal(r.info.version, 0x0303);
    assert_int_equal(r.info.ncerts, 2);
    assert_int_equal(count_events(&r, SS_TLS_EV_CERTIFICATES), 1);
    assert_int_equal(r.info.cert_expired, 1);
    assert_int_equal(r.info.cert_not_yet_valid, 0);
    assert_int_equal(r.info.cert_name_mismatch, 0);
    assert_string_equal(r.info.certs[0].not_after_iso, "2021-01-01T00:00:00Z");
    assert_string_equal(r.info.certs[0].not_before_iso, "2020-01-01T00:00:00Z");
    e = find_event(&r, SS_TLS_EV_ALERT);
    assert_non_null(e);
    assert_int_equal(e->dir, v.alert_dir);
    assert_int_equal(e->level, v.alert_code >> 8);
    assert_int_equal(e->desc, v.alert_code & 0xff);
    assert_string_equal(ss_tls_alert_name(e->desc), "certificate_expired");
    assert_int_equal(r.info.handshake_complete, 0);
    free_result(&r);
    free(v.request);
}

/* KeyUpdate both ways (openssl s_client "K", s_server "k"). */
static void test_tls13_keyupdate(void **state)
{
    static const char to_server[] = "hello from client\nclient after key update\n";
    static const char to_client[] = "hello from server\nserver after key update\n";
    ss_tls_keylog *kl = keylog_of("tls13_keyupdate.keys");
    result r, b;

    (void)state;
    run("tls13_keyupdate.pcap", kl, FEED_SEGMENTS, &r);
    assert_int_equal(r.info.version, 0x0304);
    assert_string_equal(r.info.cipher, "TLS_AES_128_GCM_SHA256");
    /* the client asked for an update in return, the server sent one more of its own */
    assert_int_equal(r.info.key_updates[0], 1);
    assert_int_equal(r.info.key_updates[1], 2);
    assert_int_equal(r.plain_len[0], strlen(to_server));
    assert_memory_equal(r.plain[0], to_server, strlen(to_server));
    assert_int_equal(r.plain_len[1], strlen(to_client));
    assert_memory_equal(r.plain[1], to_client, strlen(to_client));
    assert_int_equal(count_events(&r, SS_TLS_EV_DECRYPT_FAILED), 0);
    /* the TLS 1.3 Certificate, decrypted: s_server sends the leaf alone */
    assert_int_equal(r.info.ncerts, 1);
    assert_string_equal(r.info.certs[0].subject, "O=scepsniff TLS test, CN=ndes.scepsniff.test");
    run("tls13_keyupdate.pcap", kl, FEED_BYTES, &b);
    assert_int_equal(b.plain_len[1], r.plain_len[1]);
    assert_memory_equal(b.plain[1], r.plain[1], r.plain_len[1]);
    free_result(&r);
    free_result(&b);
    ss_tls_keylog_free(kl);
}

/* The keys of another connection: reported once, as "no key", nothing handed on. */
static void test_no_key(void **state)
{
    ss_tls_keylog *kl = keylog_of("tls12_gcm.keys");
    result r;
    const rec_event *e;

    (void)state;
    run("tls13.pcap", kl, FEED_SEGMENTS, &r);
    assert_int_equal(count_events(&r, SS_TLS_EV_DECRYPT_FAILED), 1);
    e = find_event(&r, SS_TLS_EV_DECRYPT_FAILED);
    assert_int_equal(e->reason, SS_TLS_R_NO_KEY);
    assert_int_equal(r.info.not_decrypted[0], SS_TLS_R_NO_KEY);
    assert_int_equal(r.info.not_decrypted[1], SS_TLS_R_NO_KEY);
    assert_int_equal(r.plain_len[0] + r.plain_len[1], 0);
    assert_int_equal(r.info.handshake_complete, 1);
    assert_int_equal(r.info.complete_inferred, 1);
    free_result(&r);
    ss_tls_keylog_free(kl);
}

/* Flips one hex digit of the secret on the line with label in the key log text. */
static ss_tls_keylog *damaged_keylog(const char *keys, const char *label, int drop)
{
    size_t len;
    uint8_t *txt = slurp(keys, &len);
    char *line, *sp;
    ss_tls_keylog *kl = ss_tls_keylog_new(0);

    assert_non_null(txt);
    assert_non_null(kl);
    line = strstr((char *)txt, label);
    assert_non_null(line);
    if (drop) {
        line[0] = '#';
    } else {
        /* the secret is the line's last field */
        sp = strchr(line, '\n');
        assert_non_null(sp);
        while (sp > line && sp[-1] != ' ')
            sp--;
        assert_true(sp > line);
        sp[5] = sp[5] == '0' ? '1' : '0';
    }
    assert_int_equal(ss_tls_keylog_add_text(kl, (char *)txt, len), 0);
    free(txt);
    return kl;
}

static void test_wrong_key(void **state)
{
    ss_tls_keylog *kl;
    result r;
    const rec_event *e;

    (void)state;
    /* TLS 1.2: a wrong master secret, caught by the first record after ChangeCipherSpec */
    kl = damaged_keylog("tls12_gcm.keys", "CLIENT_RANDOM", 0);
    run("tls12_gcm.pcap", kl, FEED_SEGMENTS, &r);
    assert_int_equal(count_events(&r, SS_TLS_EV_DECRYPT_FAILED), 1);
    e = find_event(&r, SS_TLS_EV_DECRYPT_FAILED);
    assert_int_equal(e->reason, SS_TLS_R_BAD_RECORD);
    assert_int_equal(r.plain_len[0] + r.plain_len[1], 0);
    assert_int_equal(r.info.decrypting[0] + r.info.decrypting[1], 0);
    /* the record count goes on without keys */
    assert_int_equal(r.info.app_records[0], 1);
    assert_true(r.info.handshake_complete);
    free_result(&r);
    ss_tls_keylog_free(kl);

    /* CBC: the MAC (or padding) check catches it */
    kl = damaged_keylog("tls12_cbc_mte.keys", "CLIENT_RANDOM", 0);
    run("tls12_cbc_mte.pcap", kl, FEED_SEGMENTS, &r);
    e = find_event(&r, SS_TLS_EV_DECRYPT_FAILED);
    assert_non_null(e);
    assert_int_equal(e->reason, SS_TLS_R_BAD_RECORD);
    assert_int_equal(r.plain_len[0] + r.plain_len[1], 0);
    free_result(&r);
    ss_tls_keylog_free(kl);

    /* TLS 1.3: a wrong server application secret: the handshake decrypts, the data does not */
    kl = damaged_keylog("tls13.keys", "SERVER_TRAFFIC_SECRET_0", 0);
    run("tls13.pcap", kl, FEED_SEGMENTS, &r);
    assert_int_equal(count_events(&r, SS_TLS_EV_DECRYPT_FAILED), 1);
    e = find_event(&r, SS_TLS_EV_DECRYPT_FAILED);
    assert_int_equal(e->reason, SS_TLS_R_BAD_RECORD);
    assert_int_equal(e->dir, 1);
    assert_int_equal(r.plain_len[1], 0);
    assert_true(r.plain_len[0] > 0); /* the request still decrypts */
    assert_int_equal(r.info.ncerts, 2);
    free_result(&r);
    ss_tls_keylog_free(kl);

    /* TLS 1.3: the client's application secret missing from the log */
    kl = damaged_keylog("tls13.keys", "CLIENT_TRAFFIC_SECRET_0", 1);
    run("tls13.pcap", kl, FEED_SEGMENTS, &r);
    e = find_event(&r, SS_TLS_EV_DECRYPT_FAILED);
    assert_non_null(e);
    assert_int_equal(e->reason, SS_TLS_R_MISSING_SECRET);
    assert_int_equal(e->dir, 0);
    assert_int_equal(r.plain_len[0], 0);
    assert_true(r.plain_len[1] > 0);
    free_result(&r);
    ss_tls_keylog_free(kl);
}

/* Keys from the pcapng Decryption Secrets Block that editcap --inject-secrets wrote. */
static void test_dsb(void **state)
{
    size_t len, pos = 0;
    uint8_t *f = slurp("tls13_dsb.pcapng", &len);
    ss_tls_keylog *kl = ss_tls_keylog_new(0);
    ss_tls_keylog_stats st;
    curl_view v;
    result r;
    int be = 0, dsbs = 0;

    (void)state;
    assert_non_null(f);
    assert_non_null(kl);
    while (pos + 12 <= len) {
        uint32_t type, blen;
        const uint8_t *b = f + pos;

        if (pos == 0) {
            /* Section Header Block: the byte-order magic says the section's endianness */
            assert_true(memcmp(b, "\x0a\x0d\x0d\x0a", 4) == 0);
            be = b[8] == 0x1a;
        }
        type = be ? (uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]
                  : (uint32_t)b[3] << 24 | b[2] << 16 | b[1] << 8 | b[0];
        blen = be ? (uint32_t)b[4] << 24 | b[5] << 16 | b[6] << 8 | b[7]
                  : (uint32_t)b[7] << 24 | b[6] << 16 | b[5] << 8 | b[4];
        assert_true(blen >= 12 && blen <= len - pos);
        if (type == 0x0000000A) {
            assert_int_equal(ss_tls_keylog_add_dsb(kl, b + 8, blen - 12, be), 0);
            dsbs++;
        }
        pos += blen;
    }
    assert_int_equal(dsbs, 1);
    ss_tls_keylog_get_stats(kl, &st);
    assert_int_equal(st.entries, 1);
    assert_int_equal(st.secrets, 4);
    read_curl("tls13", &v);
    run("tls13_dsb.pcapng", kl, FEED_SEGMENTS, &r);
    check_decrypted("tls13", &r, &v);
    free_result(&r);
    free(v.request);
    free(f);
    ss_tls_keylog_free(kl);
}

/* Hands-made streams for what the captures do not show. */
typedef struct mini {
    result r;
    ss_tls *t;
    ss_mem mem;
} mini;

static void mini_new(mini *m, const ss_tls_keylog *kl)
{
    ss_tls_config cfg;
    ss_tls_sink sink = {on_plain, on_event, &m->r};

    memset(m, 0, sizeof(*m));
    m->r.plain[0] = malloc(MAX_PLAIN);
    m->r.plain[1] = malloc(MAX_PLAIN);
    memset(&cfg, 0, sizeof(cfg));
    cfg.keylog = kl;
    cfg.mem = &m->mem;
    cfg.max_handshake = 64;
    m->t = ss_tls_new(&cfg, &sink);
    assert_non_null(m->t);
}

static void mini_free(mini *m)
{
    m->r.info = *ss_tls_get_info(m->t);
    m->r.info.certs = NULL; /* freed with the parser */
    ss_tls_free(m->t);
    assert_int_equal(m->mem.used, 0);
    free_result(&m->r);
}

static void test_stream_errors(void **state)
{
    static const struct timeval ts = {1700000000, 0};
    static const uint8_t http[] = "GET / HTTP/1.1\r\n";
    static const uint8_t huge[] = {0x16, 0x03, 0x03, 0xff, 0xff};
    static const uint8_t partial[] = {0x16, 0x03, 0x01, 0x00, 0x40, 0x01, 0x00};
    /* a handshake message longer than max_handshake (64 here) */
    uint8_t big[5 + 4 + 100 + 5 + 100 + 7];
    mini m;

    (void)state;
    mini_new(&m, NULL);
    ss_tls_feed(m.t, 0, http, sizeof(http) - 1, &ts);
    ss_tls_feed(m.t, 0, http, sizeof(http) - 1, &ts); /* ignored after the stop */
    assert_int_equal(ss_tls_get_info(m.t)->stopped[0], SS_TLS_R_NOT_TLS);
    assert_int_equal(count_events(&m.r, SS_TLS_EV_STOPPED), 1);
    ss_tls_feed(m.t, 1, huge, sizeof(huge), &ts);
    assert_int_equal(ss_tls_get_info(m.t)->stopped[1], SS_TLS_R_MALFORMED);
    mini_free(&m);

    mini_new(&m, NULL);
    ss_tls_feed(m.t, 0, partial, sizeof(partial), &ts);
    ss_tls_end(m.t, 0, &ts);
    assert_int_equal(ss_tls_get_info(m.t)->stopped[0], SS_TLS_R_TRUNCATED);
    ss_tls_feed(m.t, 1, partial, 3, &ts);
    ss_tls_gap(m.t, 1, 100);
    assert_int_equal(ss_tls_get_info(m.t)->stopped[1], SS_TLS_R_CAPTURE_GAP);
    mini_free(&m);

    /* a 200-byte Certificate over two records (104 + 100 bytes), then an alert */
    memset(big, 0, sizeof(big));
    memcpy(big, "\x16\x03\x03\x00\x68\x0b\x00\x00\xc8", 9);
    memcpy(big + 109, "\x16\x03\x03\x00\x64", 5);
    memcpy(big + 214, "\x15\x03\x03\x00\x02\x02\x28", 7);
    mini_new(&m, NULL);
    for (size_t i = 0; i < sizeof(big); i++)
        ss_tls_feed(m.t, 1, big + i, 1, &ts);
    assert_int_equal(ss_tls_get_info(m.t)->certs_invalid, 1);
    assert_int_equal(ss_tls_get_info(m.t)->stopped[1], SS_TLS_R_NONE);
    assert_int_equal(count_events(&m.r, SS_TLS_EV_ALERT), 1);
    assert_int_equal(find_event(&m.r, SS_TLS_EV_ALERT)->desc, 40);
    mini_free(&m);
}

/* RFC 8448 3 (simple 1-RTT handshake): the server's handshake key and iv from its secret. */
static void test_expand_label_rfc8448(void **state)
{
    static const uint8_t secret[32] = {0xb6, 0x7b, 0x7d, 0x69, 0x0c, 0xc1, 0x6c, 0x4e,
                                       0x75, 0xe5, 0x42, 0x13, 0xcb, 0x2d, 0x37, 0xb4,
                                       0xe9, 0xc9, 0x12, 0xbc, 0xde, 0xd9, 0x10, 0x5d,
                                       0x42, 0xbe, 0xfd, 0x59, 0xd3, 0x91, 0xad, 0x38};
    static const uint8_t key[16] = {0x3f, 0xce, 0x51, 0x60, 0x09, 0xc2, 0x17, 0x27,
                                    0xd0, 0xf2, 0xe4, 0xe8, 0x6e, 0xe4, 0x03, 0xbc};
    static const uint8_t iv[12] = {0x5d, 0x31, 0x3e, 0xb2, 0x67, 0x12,
                                   0x76, 0xee, 0x13, 0x00, 0x0b, 0x30};
    uint8_t out[16];

    (void)state;
    assert_int_equal(ss_tls13_expand_label(NULL, "SHA256", secret, 32, "key", NULL, 0, out, 16), 0);
    assert_memory_equal(out, key, 16);
    assert_int_equal(ss_tls13_expand_label(NULL, "SHA256", secret, 32, "iv", NULL, 0, out, 12), 0);
    assert_memory_equal(out, iv, 12);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(ss_tls_alert_name(40), "handshake_failure");
    assert_string_equal(ss_tls_alert_name(0), "close_notify");
    assert_string_equal(ss_tls_alert_name(-1), "encrypted");
    assert_string_equal(ss_tls_alert_name(255), "unknown");
    assert_string_equal(ss_tls_version_name(0x0303), "TLS 1.2");
    assert_string_equal(ss_tls_version_name(0x7f1c), "unknown");
    assert_string_equal(ss_tls_suite_find(0xC02F)->ossl_name, "ECDHE-RSA-AES128-GCM-SHA256");
    assert_null(ss_tls_suite_find(0x0a0a));
    assert_int_equal(ss_tls_suite_find(0x1304)->kind, SS_TLS_CK_NONE);
}

/* Fuzz seeds (fuzz/fuzz_tls.c's script format) from the captures, when SS_TLS_WRITE_SEEDS names
 * a folder; otherwise nothing. */
typedef struct seed {
    uint8_t *b;
    size_t len;
    struct timeval last;
} seed;

static void seed_put(seed *sd, uint8_t op, size_t len, const uint8_t *d, const struct timeval *ts)
{
    long dt = sd->last.tv_sec ? (long)(ts->tv_sec - sd->last.tv_sec) : 0;

    sd->last = *ts;
    op |= (uint8_t)((dt > 15 ? 15 : dt < 0 ? 0 : dt) << 4);
    assert_true(len <= 0xffff && sd->len + 3 + len <= MAX_STREAM);
    sd->b[sd->len++] = op;
    sd->b[sd->len++] = (uint8_t)len;
    sd->b[sd->len++] = (uint8_t)(len >> 8);
    if (d)
        memcpy(sd->b + sd->len, d, len);
    sd->len += d ? len : 0;
}

typedef struct seed_dir {
    seed *sd;
    int dir;
} seed_dir;

static void seed_data(void *ctx, const uint8_t *d, size_t n, const struct timeval *ts)
{
    seed_dir *c = ctx;
    seed_put(c->sd, (uint8_t)c->dir, n, d, ts);
}

static void seed_gap(void *ctx, uint64_t n, const struct timeval *ts)
{
    seed_dir *c = ctx;
    seed_put(c->sd, (uint8_t)(2 | c->dir << 2), n > 0xffff ? 0xffff : (size_t)n, NULL, ts);
}

static void write_seed(const char *outdir, const char *name, uint8_t flags, int with_keys)
{
    char path[1024], err[PCAP_ERRBUF_SIZE], fname[128];
    struct pcap_pkthdr *h;
    const u_char *data;
    seed sd = {malloc(MAX_STREAM), 0, {0, 0}};
    ss_mem mem = {0};
    ss_reasm rs[2];
    seed_dir sdir[2] = {{&sd, 0}, {&sd, 1}};
    ss_reasm_sink sink[2] = {{seed_data, seed_gap, &sdir[0]}, {seed_data, seed_gap, &sdir[1]}};
    ss_packet pk;
    uint8_t cip[16];
    uint16_t cport = 0;
    int have_client = 0, linktype;
    pcap_t *p;
    FILE *fp;

    assert_non_null(sd.b);
    sd.b[sd.len++] = flags | (with_keys ? 1 : 0);
    if (with_keys) {
        size_t klen;
        uint8_t *keys;

        snprintf(fname, sizeof(fname), "%s.keys", name);
        keys = slurp(fname, &klen);
        assert_non_null(keys);
        sd.b[sd.len++] = (uint8_t)klen;
        sd.b[sd.len++] = (uint8_t)(klen >> 8);
        memcpy(sd.b + sd.len, keys, klen);
        sd.len += klen;
        free(keys);
    }
    for (int d = 0; d < 2; d++)
        ss_reasm_init(&rs[d], 1 << 20, &mem);
    snprintf(fname, sizeof(fname), "%s.pcap", name);
    p = pcap_open_offline(path_of(fname, path, sizeof(path)), err);
    assert_non_null(p);
    linktype = pcap_datalink(p);
    while (pcap_next_ex(p, &h, &data) == 1) {
        int dir;

        if (ss_packet_decode(linktype, &h->ts, data, h->caplen, h->len, NULL, &pk) != SS_PKT_TCP)
            continue;
        if (!have_client) {
            if (!(pk.flags & SS_TH_SYN) || (pk.flags & SS_TH_ACK))
                continue;
            memcpy(cip, pk.src, 16);
            cport = pk.sport;
            have_client = 1;
        }
        dir = memcmp(pk.src, cip, 16) == 0 && pk.sport == cport ? 0 : 1;
        if (pk.flags & SS_TH_SYN)
            ss_reasm_set_start(&rs[dir], pk.seq + 1);
        if (pk.payload_len)
            ss_reasm_segment(&rs[dir], pk.seq, pk.payload, pk.payload_len, &h->ts, &sink[dir]);
        if (pk.flags & (SS_TH_FIN | SS_TH_RST)) {
            ss_reasm_flush(&rs[dir], &h->ts, &sink[dir]);
            seed_put(&sd, (uint8_t)(3 | dir << 2), 0, NULL, &h->ts);
        }
    }
    pcap_close(p);
    for (int d = 0; d < 2; d++)
        ss_reasm_free(&rs[d]);
    snprintf(path, sizeof(path), "%s/%s%s.bin", outdir, name,
             !with_keys    ? "-nokeys"
             : (flags & 8) ? "-bytewise"
                           : "");
    fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(sd.b, 1, sd.len, fp), sd.len);
    fclose(fp);
    free(sd.b);
}

static void test_write_seeds(void **state)
{
    static const char *const names[] = {
        "tls13",          "tls12_gcm",       "tls12_cbc_etm",    "tls12_cbc_mte",
        "tls12_cbc_sha1", "tls12_chacha",    "tls13_hrr_chacha", "tls12_alert",
        "tls12_expired",  "tls13_keyupdate", "tls10_cbc",        "tls11_cbc",
    };
    const char *outdir = getenv("SS_TLS_WRITE_SEEDS");

    (void)state;
    if (!outdir)
        skip();
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        size_t klen;
        char fname[128];
        uint8_t *keys;

        snprintf(fname, sizeof(fname), "%s.keys", names[i]);
        keys = slurp(fname, &klen);
        assert_non_null(keys);
        free(keys);
        write_seed(outdir, names[i], 0, klen > 0);
    }
    write_seed(outdir, "tls12_gcm", 0, 0);
    write_seed(outdir, "tls13", 8, 1);
    write_seed(outdir, "tls12_cbc_mte", 8 | 4, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tls13),
        cmocka_unit_test(test_tls12_gcm),
        cmocka_unit_test(test_tls12_cbc_etm),
        cmocka_unit_test(test_tls12_cbc_mte),
        cmocka_unit_test(test_tls12_cbc_sha1),
        cmocka_unit_test(test_tls12_chacha),
        cmocka_unit_test(test_tls10_cbc),
        cmocka_unit_test(test_tls11_cbc),
        cmocka_unit_test(test_tls13_hrr_chacha),
        cmocka_unit_test(test_tls12_alert),
        cmocka_unit_test(test_tls12_expired),
        cmocka_unit_test(test_tls13_keyupdate),
        cmocka_unit_test(test_no_key),
        cmocka_unit_test(test_wrong_key),
        cmocka_unit_test(test_dsb),
        cmocka_unit_test(test_stream_errors),
        cmocka_unit_test(test_expand_label_rfc8448),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_write_seeds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

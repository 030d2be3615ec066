/* gen_traffic.c — deterministic generator of large synthetic captures for the benchmark.
 *
 * Two shapes, written through libpcap as DLT_EN10MB:
 *   mixed     many concurrent TCP flows interleaved in time: HTTP on 80 and 8080 with text
 *             bodies, TLS 1.3 and 1.2 on 443 (about 2 to 1), a few SCEP exchanges per thousand
 *             flows (GetCACaps, GetCACert, PKIOperation), DNS-ish UDP, some 802.1Q-tagged
 *             frames and IPv6 flows, a small share of out-of-order and retransmitted segments.
 *             TCP handshakes (RFC 9293 3.5), seq/ack numbers and FIN closes are consistent.
 *   synflood  N SYNs from random sources and ports to one server, never answered.
 *
 * Same seed and options give a byte-identical file: every random choice comes from splitmix64
 * streams derived from the seed (not rand(), whose sequence is the C library's), sizes and
 * times use integer arithmetic only, never libm, and no expression makes two draws, whose
 * order C leaves to the compiler. One stream in the generator context drives the traffic;
 * each server's certificate chain has a stream of its own, so it is the same on every
 * connection whatever the traffic around it.
 *
 * What is deliberately not real, because the benchmark measures speed, not decoding:
 *   - TCP and UDP checksums are zero (IPv4 header checksums are right); tools that verify
 *     transport checksums will flag them.
 *   - SCEP bodies (the GetCACert certificate, the PKIOperation request and reply) are random
 *     bytes behind a DER SEQUENCE header, not real DER or PKCS#7: a decoder reports them as
 *     malformed, after doing the same reassembly and HTTP work as for real ones.
 *   - TLS handshakes have the messages, records and length fields of real ones, and the
 *     ClientHello and ServerHello are complete (SNI "www<N>.example.com" named after the
 *     server address, versions, ALPN, key shares), so parsers and nDPI see real hellos. What
 *     would be encrypted or secret is random bytes: key shares, the ServerKeyExchange
 *     signature, Finished, the TLS 1.3 server flight, application data; nothing could
 *     decrypt them. The TLS 1.2 server sends a real DER chain (RFC 5280 4.1, encoded by
 *     gen_der.c): a leaf for the SNI name and its issuing CA, with real names, validity
 *     around the capture time and extensions, so X.509 decoders parse it as they would a real
 *     one; only the serial numbers, RSA keys and signatures are random bytes, and the
 *     signatures do not verify. As with real servers, a server sends the same chain on every
 *     connection, and the three issuing CAs each have one certificate.
 * Addresses come from 10.0.0.0/8, 198.18.0.0/15 (RFC 2544 benchmarking) and 2001:db8::/32.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen_der.h"

#define FRAME_MAX      1600
#define HDR_MAX        2048 /* the largest is the TLS 1.2 ServerHello and chain, about 1.8 KB */
#define MSS_V4         1460
#define MSS_V6         1440
#define TLS_REC_MAX    16384
#define TLS_SID_LEN    32
#define TLS_KEY_LEN    32  /* an x25519 public key, RFC 7748 */
#define TLS_SIG_LEN    256 /* an RSA-2048 signature */
#define TLS_SKE_LEN    (4 + TLS_KEY_LEN + 4 + TLS_SIG_LEN)
#define TLS_CH_MIN     220 /* ClientHello handshake message sizes, padding included */
#define TLS_CH_MAX     560
#define PCAP_FILE_HDR  24u /* bytes of the pcap file header */
#define PCAP_REC_HDR   16u /* bytes of each packet record header */
#define MEAN_GAP_US    10u /* mixed: about 100k packets/s, a busy gigabit link */
#define SYN_GAP_US     5u  /* synflood: about 200k SYNs/s */
#define DEFAULT_CONC   1500
#define SCEP_PER_MILLE 4
#define DAY_S          86400u
#define WEB_SERVERS    200 /* HTTP and TLS servers, indexes 1 to WEB_SERVERS */
#define ISSUING_CAS    3
#define CAPTURE_START  1700000000u /* seconds since the epoch; fixed, so files are identical */
#define STREAM_SERVER  1           /* side streams: a server's chain */
#define STREAM_CA      2           /* an issuing CA's certificate */
#define N_ELEMS(a)     (sizeof(a) / sizeof((a)[0]))

enum { TH_FIN = 0x01, TH_SYN = 0x02, TH_RST = 0x04, TH_PSH = 0x08, TH_ACK = 0x10 };
enum { DIR_C2S = 0, DIR_S2C = 1 };
enum { FK_HTTP, FK_TLS, FK_SCEP, FK_DNS, FK_COUNT };
enum { SCEP_CAPS, SCEP_CACERT, SCEP_PKIOP };
enum { BODY_NONE, BODY_TEXT, BODY_RANDOM, BODY_TLS };
enum {
    ST_SYN,
    ST_SYNACK,
    ST_HSACK,
    ST_DATA,
    ST_FIN_A,
    ST_FIN_B,
    ST_FIN_C,
    ST_REFUSED,
    ST_DNS_Q,
    ST_DNS_R,
    ST_DONE
};

/* The addressing of one flow; index [dir] is the sender in that direction. */
typedef struct endpoints {
    int v6;
    int vlan; /* 0: untagged, else the 802.1Q VLAN id */
    uint8_t mac[2][6];
    uint8_t ip[2][16];
    uint16_t port[2];
    uint8_t ttl[2];
} endpoints;

typedef struct flow {
    endpoints ep;
    int kind;
    int op;    /* SCEP operation */
    int tls13; /* TLS: the server picks 1.3, else 1.2 */
    int state;
    uint32_t seq[2]; /* next sequence number each side sends */
    unsigned unacked[2];
    int ack_due; /* side that owes a pure ACK, or -1 */
    int closer;  /* side that sends the first FIN */
    int abort;   /* end with RST instead of FIN */
    unsigned exchanges;
    unsigned msg_no;
    uint16_t dns_id;
    uint64_t bytes; /* file bytes written for this flow */
    /* the message being sent: hdr bytes, then body_len generated bytes */
    int msg_active;
    int msg_dir;
    int body_kind;
    size_t hdr_len, body_len, body_param, pos;
    uint8_t hdr[HDR_MAX];
    uint8_t tls_sid[TLS_SID_LEN]; /* the ClientHello's session id, which a TLS 1.3 server echoes */
    /* a segment sent late: the first of a swapped pair, or a copy to retransmit */
    int held;
    int held_dir;
    uint8_t held_flags;
    uint32_t held_seq;
    size_t held_len;
    uint8_t held_data[MSS_V4];
} flow;

/* A TLS 1.2 server's certificate_list, built on its first connection and replayed on the
 * others. */
typedef struct cert_chain {
    size_t len; /* 0 until built */
    uint8_t list[HDR_MAX];
} cert_chain;

typedef struct gen {
    uint64_t rng;
    uint64_t seed; /* what the certificate chains' streams derive from */
    uint64_t now_us;
    uint64_t bytes; /* file bytes so far */
    uint64_t packets;
    uint16_t ipid;
    pcap_dumper_t *dumper;
    uint8_t frame[FRAME_MAX];
    unsigned long flows[FK_COUNT];
    unsigned long ooo, retx, vlan_flows, v6_flows;
    uint64_t done_flows, done_bytes; /* for the mean flow size, which decides when to drain */
    size_t peak_active;
    cert_chain chains[WEB_SERVERS + 1]; /* by server index */
} gen;

typedef struct options {
    const char *out;
    uint64_t size;
    uint64_t seed;
    uint64_t syns;
    size_t conc;
    int synflood;
} options;

/* splitmix64 (Steele, Lea, Flood 2014): tiny, fast, and good enough for traffic shapes. The
 * *_in forms draw from any stream; the short ones from the generator's main stream. */
static uint64_t rnd_in(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t rnd(gen *g)
{
    return rnd_in(&g->rng);
}

/* Uniform in [0, n) for n < 2^32; the bias of the multiply-shift is far below what matters. */
static uint32_t below_in(uint64_t *state, uint32_t n)
{
    return (uint32_t)(((rnd_in(state) >> 32) * (uint64_t)n) >> 32);
}

static uint32_t below(gen *g, uint32_t n)
{
    return below_in(&g->rng, n);
}

static uint32_t between_in(uint64_t *state, uint32_t lo, uint32_t hi)
{
    return lo + below_in(state, hi - lo + 1);
}

static uint32_t between(gen *g, uint32_t lo, uint32_t hi)
{
    return between_in(&g->rng, lo, hi);
}

/* The start of a side stream for item idx of a kind (STREAM_*), from the seed alone, so it
 * does not depend on how far the main stream has gone. The seed is scrambled before the rest
 * goes in, else seeds 1 and 2 would give the same chains one server apart. */
static uint64_t side_stream(uint64_t seed, uint32_t kind, uint32_t idx)
{
    uint64_t s = seed;
    uint64_t scrambled = rnd_in(&s);
    s = scrambled ^ ((uint64_t)kind << 32 | idx);
    return rnd_in(&s);
}

/* Piecewise log-uniform in [lo, lo << (doublings + 1)): many small objects, a few large ones,
 * as in real web traffic, without floating point. */
static size_t log_size(gen *g, size_t lo, unsigned doublings)
{
    size_t base = lo << below(g, doublings + 1);
    return base + below(g, (uint32_t)base);
}

static void fill_random_in(uint64_t *state, uint8_t *dst, size_t n)
{
    while (n > 0) {
        uint64_t r = rnd_in(state);
        size_t k = n < 8 ? n : 8;
        memcpy(dst, &r, k);
        dst += k;
        n -= k;
    }
}

static void fill_random(gen *g, uint8_t *dst, size_t n)
{
    fill_random_in(&g->rng, dst, n);
}

static const char *const words[32] = {
    "the",     "network", "request", "server", "client",  "value",  "status", "content",
    "session", "policy",  "update",  "report", "account", "page",   "data",   "index",
    "item",    "result",  "order",   "user",   "config",  "cache",  "search", "product",
    "lorem",   "ipsum",   "dolor",   "sit",    "amet",    "review", "list",   "news"};

/* Text for HTTP bodies: words and spaces, a newline now and then. */
static void fill_text(gen *g, uint8_t *dst, size_t n)
{
    while (n > 0) {
        uint64_t r = rnd(g);
        const char *w = words[r & 31];
        size_t wl = strlen(w);
        size_t k = wl < n ? wl : n;
        memcpy(dst, w, k);
        dst += k;
        n -= k;
        if (n > 0) {
            *dst++ = ((r >> 5) & 7) == 0 ? '\n' : ' ';
            n--;
        }
    }
}

/* TLS application data (RFC 8446 5.1): records of at most 2^14 bytes, each behind a 5-byte
 * header; body_param is the total payload, so every record header is at a computable offset
 * and a reader that walks records stays in step. */
static void fill_tls(gen *g, uint8_t *dst, size_t bpos, size_t n, size_t payload)
{
    const size_t span = TLS_REC_MAX + 5;
    while (n > 0) {
        size_t rec = bpos / span;
        size_t off = bpos % span;
        if (off < 5) {
            size_t left = payload - rec * TLS_REC_MAX;
            size_t rlen = left < TLS_REC_MAX ? left : TLS_REC_MAX;
            uint8_t h[5] = {0x17, 0x03, 0x03, (uint8_t)(rlen >> 8), (uint8_t)rlen};
            *dst++ = h[off];
            bpos++;
            n--;
            continue;
        }
        size_t k = span - off < n ? span - off : n;
        fill_random(g, dst, k);
        dst += k;
        bpos += k;
        n -= k;
    }
}

static size_t tls_body_len(size_t payload)
{
    return payload + 5 * ((payload + TLS_REC_MAX - 1) / TLS_REC_MAX);
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put24(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 16);
    put16(p + 1, v);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v);
}

static uint16_t ip4_checksum(const uint8_t *h)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < 20; i += 2)
        sum += (uint32_t)(h[i] << 8 | h[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Builds one frame from sender `dir` of `ep` and writes it; the clock advances first so
 * timestamps never go back. l4 is a ready TCP or UDP header (checksum left zero). */
static void emit(gen *g, const endpoints *ep, int dir, uint8_t proto, const uint8_t *l4,
                 size_t l4len, const uint8_t *pl, size_t plen, uint64_t gap_us)
{
    uint8_t *f = g->frame;
    size_t off = 0;
    memcpy(f, ep->mac[!dir], 6);
    memcpy(f + 6, ep->mac[dir], 6);
    off = 12;
    if (ep->vlan) {
        put16(f + off, 0x8100);
        put16(f + off + 2, (uint32_t)ep->vlan & 0x0fff);
        off += 4;
    }
    put16(f + off, ep->v6 ? 0x86dd : 0x0800);
    off += 2;
    size_t ip_payload = l4len + plen;
    if (ep->v6) {
        uint8_t *h = f + off;
        put32(h, 0x60000000u);
        put16(h + 4, (uint32_t)ip_payload);
        h[6] = proto;
        h[7] = ep->ttl[dir];
        memcpy(h + 8, ep->ip[dir], 16);
        memcpy(h + 24, ep->ip[!dir], 16);
        off += 40;
    } else {
        uint8_t *h = f + off;
        h[0] = 0x45;
        h[1] = 0;
        put16(h + 2, (uint32_t)(20 + ip_payload));
        put16(h + 4, g->ipid++);
        put16(h + 6, 0x4000); /* DF, as TCP stacks with path MTU discovery send */
        h[8] = ep->ttl[dir];
        h[9] = proto;
        put16(h + 10, 0);
        memcpy(h + 12, ep->ip[dir], 4);
        memcpy(h + 16, ep->ip[!dir], 4);
        put16(h + 10, ip4_checksum(h));
        off += 20;
    }
    memcpy(f + off, l4, l4len);
    off += l4len;
    if (plen > 0)
        memcpy(f + off, pl, plen);
    off += plen;
    /* Ethernet pads short frames to 60 bytes; readers must clamp to the IP length. */
    if (off < 60) {
        memset(f + off, 0, 60 - off);
        off = 60;
    }
    g->now_us += 1 + below(g, (uint32_t)(2 * gap_us));
    struct pcap_pkthdr ph;
    ph.ts.tv_sec = (time_t)(g->now_us / 1000000u);
    ph.ts.tv_usec = (suseconds_t)(g->now_us % 1000000u);
    ph.caplen = (bpf_u_int32)off;
    ph.len = (bpf_u_int32)off;
    pcap_dump((u_char *)g->dumper, &ph, f);
    g->bytes += PCAP_REC_HDR + off;
    g->packets++;
}

static void emit_tcp(gen *g, flow *fl, int dir, uint8_t flags, uint32_t seq, const uint8_t *pl,
                     size_t plen)
{
    uint8_t th[32];
    size_t thlen = 20;
    put16(th, fl->ep.port[dir]);
    put16(th + 2, fl->ep.port[!dir]);
    put32(th + 4, seq);
    put32(th + 8, (flags & TH_ACK) ? fl->seq[!dir] : 0);
    put16(th + 14, (flags & TH_SYN) ? 64240 : 2053);
    put16(th + 16, 0);
    put16(th + 18, 0);
    if (flags & TH_SYN) {
        /* MSS, SACK permitted, window scale 7: what a SYN from a modern stack carries. */
        static const uint8_t opt[12] = {2, 4, 0, 0, 1, 1, 4, 2, 1, 3, 3, 7};
        memcpy(th + 20, opt, sizeof opt);
        put16(th + 22, fl->ep.v6 ? MSS_V6 : MSS_V4);
        thlen += sizeof opt;
    }
    th[12] = (uint8_t)((thlen / 4) << 4);
    th[13] = flags;
    uint64_t before = g->bytes;
    emit(g, &fl->ep, dir, 6, th, thlen, pl, plen, MEAN_GAP_US);
    fl->bytes += g->bytes - before;
}

static void emit_udp(gen *g, flow *fl, int dir, const uint8_t *pl, size_t plen)
{
    uint8_t uh[8];
    put16(uh, fl->ep.port[dir]);
    put16(uh + 2, fl->ep.port[!dir]);
    put16(uh + 4, (uint32_t)(8 + plen));
    put16(uh + 6, 0);
    uint64_t before = g->bytes;
    emit(g, &fl->ep, dir, 17, uh, sizeof uh, pl, plen, MEAN_GAP_US);
    fl->bytes += g->bytes - before;
}

/* Starts a message whose header is printf-formatted text (it may end with a few body bytes). */
static int start_text_msg(flow *fl, int dir, int body_kind, size_t body_len, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int start_text_msg(flow *fl, int dir, int body_kind, size_t body_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf((char *)fl->hdr, HDR_MAX, fmt, ap);
    va_end(ap);
    if (n < 0 || n >= HDR_MAX)
        return 0;
    fl->hdr_len = (size_t)n;
    fl->msg_dir = dir;
    fl->body_kind = body_kind;
    fl->body_len = body_len;
    fl->pos = 0;
    fl->msg_active = 1;
    return 1;
}

static const char *const ua_list[4] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/119.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0", "curl/7.88.1",
    "python-requests/2.28.1"};

static const char *const path_fmt[4] = {"/index.html?p=%u", "/static/app%u.js", "/api/v1/items/%u",
                                        "/news/article-%u.html"};

static const char *const ctype_list[4] = {"text/html; charset=utf-8", "application/javascript",
                                          "application/json", "text/css"};

static int http_request(gen *g, flow *fl)
{
    char path[64];
    /* One draw a statement: the order of a call's arguments is unspecified, and each
     * compiler's order would give a different capture. This is the order gcc used. */
    unsigned item = below(g, 100000);
    const char *fmt = path_fmt[below(g, 4)];
    snprintf(path, sizeof path, fmt, item);
    const char *ua = ua_list[below(g, 4)];
    unsigned host = below(g, 500);
    if (below(g, 10) == 0) {
        size_t len = between(g, 100, 4000);
        return start_text_msg(fl, DIR_C2S, BODY_TEXT, len,
                              "POST /api/v1/submit HTTP/1.1\r\nHost: www%u.example.com\r\n"
                              "User-Agent: %s\r\nContent-Type: text/plain\r\n"
                              "Content-Length: %zu\r\n\r\n",
                              host, ua, len);
    }
    return start_text_msg(fl, DIR_C2S, BODY_NONE, 0,
                          "GET %s HTTP/1.1\r\nHost: www%u.example.com\r\nUser-Agent: %s\r\n"
                          "Accept: */*\r\nAccept-Encoding: identity\r\n\r\n",
                          path, host, ua);
}

static int http_response(gen *g, flow *fl)
{
    uint32_t r = below(g, 100);
    if (r < 8)
        return start_text_msg(fl, DIR_S2C, BODY_NONE, 0,
                              "HTTP/1.1 304 Not Modified\r\nServer: nginx/1.22.1\r\n"
                              "ETag: \"%08x\"\r\n\r\n",
                              below(g, 0xffffffffu));
    if (r < 13) {
        size_t len = between(g, 100, 600);
        return start_text_msg(fl, DIR_S2C, BODY_TEXT, len,
                              "HTTP/1.1 404 Not Found\r\nServer: nginx/1.22.1\r\n"
                              "Content-Type: text/html\r\nContent-Length: %zu\r\n\r\n",
                              len);
    }
    size_t len = log_size(g, 128, 7);
    return start_text_msg(fl, DIR_S2C, BODY_TEXT, len,
                          "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Type: %s\r\n"
                          "Content-Length: %zu\r\nCache-Control: max-age=600\r\n\r\n",
                          ctype_list[below(g, 4)], len);
}

#define SCEP_PATH "/certsrv/mscep/mscep.dll"
#define SCEP_HOST "ndes.example.com"

/* The three SCEP operations a client makes (RFC 8894 4.2, 4.1, 4.3), as an NDES server
 * answers them. The random bodies get a DER SEQUENCE header so the start looks right. */
static int scep_message(gen *g, flow *fl)
{
    int req = fl->msg_no % 2 == 0;
    size_t len;
    switch (fl->op) {
    case SCEP_CAPS:
        if (req)
            return start_text_msg(fl, DIR_C2S, BODY_NONE, 0,
                                  "GET " SCEP_PATH "?operation=GetCACaps&message=default "
                                  "HTTP/1.1\r\nHost: " SCEP_HOST "\r\n"
                                  "User-Agent: sscep/0.10\r\n\r\n");
        return start_text_msg(fl, DIR_S2C, BODY_NONE, 0,
                              "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                              "Server: Microsoft-IIS/10.0\r\nContent-Length: 29\r\n\r\n"
                              "POSTPKIOperation\nSHA-256\nAES\n");
    case SCEP_CACERT:
        if (req)
            return start_text_msg(fl, DIR_C2S, BODY_NONE, 0,
                                  "GET " SCEP_PATH "?operation=GetCACert&message=default "
                                  "HTTP/1.1\r\nHost: " SCEP_HOST "\r\n"
                                  "User-Agent: sscep/0.10\r\n\r\n");
        len = between(g, 1200, 2600);
        return start_text_msg(fl, DIR_S2C, BODY_RANDOM, len - 4,
                              "HTTP/1.1 200 OK\r\nContent-Type: application/x-x509-ca-cert\r\n"
                              "Server: Microsoft-IIS/10.0\r\nContent-Length: %zu\r\n\r\n"
                              "\x30\x82%c%c",
                              len, (int)((len - 4) >> 8), (int)((len - 4) & 0xff));
    default:
        len = between(g, 2000, 5000);
        if (req)
            return start_text_msg(fl, DIR_C2S, BODY_RANDOM, len - 4,
                                  "POST " SCEP_PATH "?operation=PKIOperation HTTP/1.1\r\n"
                                  "Host: " SCEP_HOST "\r\nUser-Agent: sscep/0.10\r\n"
                                  "Content-Type: application/x-pki-message\r\n"
                                  "Content-Length: %zu\r\n\r\n\x30\x82%c%c",
                                  len, (int)((len - 4) >> 8), (int)((len - 4) & 0xff));
        len = between(g, 1500, 4000);
        return start_text_msg(fl, DIR_S2C, BODY_RANDOM, len - 4,
                              "HTTP/1.1 200 OK\r\nContent-Type: application/x-pki-message\r\n"
                              "Server: Microsoft-IIS/10.0\r\nContent-Length: %zu\r\n\r\n"
                              "\x30\x82%c%c",
                              len, (int)((len - 4) >> 8), (int)((len - 4) & 0xff));
    }
}

/* A record header (RFC 8446 5.1) and a handshake message header (RFC 8446 4); each returns
 * where what it announces starts. */
static uint8_t *tls_record(uint8_t *p, uint8_t type, uint32_t version, size_t len)
{
    p[0] = type;
    put16(p + 1, version);
    put16(p + 3, (uint32_t)len);
    return p + 5;
}

static uint8_t *tls_handshake(uint8_t *p, uint8_t type, size_t len)
{
    p[0] = type;
    put24(p + 1, (uint32_t)len);
    return p + 4;
}

static uint8_t *put_bytes(uint8_t *p, const uint8_t *src, size_t n)
{
    memcpy(p, src, n);
    return p + n;
}

static uint8_t *put_random(gen *g, uint8_t *p, size_t n)
{
    fill_random(g, p, n);
    return p + n;
}

/* A browser-like offer: the TLS 1.3 suites first for a client that can do 1.3, then the
 * ECDHE AEAD suites of TLS 1.2 (RFC 8446 B.4, RFC 5289, RFC 7905). */
static const uint16_t ch_suites[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f,
                                     0xc02c, 0xc030, 0xcca9, 0xcca8};
#define CH_SUITES_13 3 /* TLS 1.3 suites at the start of ch_suites */

/* An extension with fixed contents (RFC 8446 4.2). */
typedef struct tls_ext {
    uint16_t type;
    uint8_t len;
    const char *data;
} tls_ext;

/* ClientHello extensions whatever the versions offered, in the order a browser sends them;
 * server_name comes before them, the TLS 1.3 ones and padding after. */
static const tls_ext ch_exts[] = {
    {0x0017, 0, ""},                                /* extended_master_secret, RFC 7627 */
    {0xff01, 1, "\0"},                              /* renegotiation_info, RFC 5746 */
    {0x000a, 10, "\0\x08\0\x1d\0\x17\0\x18\0\x19"}, /* groups: x25519, P-256, P-384, P-521 */
    {0x000b, 2, "\x01\0"},                          /* ec_point_formats: uncompressed */
    {0x0023, 0, ""},                                /* session_ticket, RFC 5077 */
    {0x0010, 14, "\0\x0c\x02h2\x08http/1.1"},       /* ALPN, RFC 7301 */
    /* signature_algorithms: ECDSA, RSA-PSS and RSA PKCS#1 with SHA-256/384/512 */
    {0x000d, 18, "\0\x10\x04\x03\x08\x04\x04\x01\x05\x03\x08\x05\x05\x01\x08\x06\x06\x01"},
};

/* What a client that can do TLS 1.3 adds before its key_share. */
static const tls_ext ch_exts_13[] = {
    {0x002d, 2, "\x01\x01"},             /* psk_key_exchange_modes: psk_dhe_ke */
    {0x002b, 5, "\x04\x03\x04\x03\x03"}, /* supported_versions: 1.3, 1.2 */
};

static const tls_ext sh_exts_13[] = {
    {0x002b, 2, "\x03\x04"}, /* supported_versions: 1.3 */
};

/* A TLS 1.2 server answers only what the client offered: renegotiation_info,
 * ec_point_formats, extended_master_secret and its ALPN choice. */
static const tls_ext sh_exts_12[] = {
    {0xff01, 1, "\0"},
    {0x000b, 2, "\x01\0"},
    {0x0017, 0, ""},
    {0x0010, 5, "\0\x03\x02h2"},
};

static size_t exts_len(const tls_ext *e, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += 4 + e[i].len;
    return len;
}

static uint8_t *put_exts(uint8_t *p, const tls_ext *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        put16(p, e[i].type);
        put16(p + 2, e[i].len);
        p = put_bytes(p + 4, (const uint8_t *)e[i].data, e[i].len);
    }
    return p;
}

/* key_share (RFC 8446 4.2.8) with one x25519 share: the client's is a list, the server's not. */
#define KEY_SHARE_LEN(client) (4 + ((client) ? 2 : 0) + 4 + TLS_KEY_LEN)

static uint8_t *put_key_share(gen *g, uint8_t *p, int client)
{
    put16(p, 0x0033);
    put16(p + 2, KEY_SHARE_LEN(client) - 4);
    p += 4;
    if (client) {
        put16(p, 4 + TLS_KEY_LEN);
        p += 2;
    }
    put16(p, 0x001d);
    put16(p + 2, TLS_KEY_LEN);
    return put_random(g, p + 4, TLS_KEY_LEN);
}

/* Which server a flow talks to, from the low 16 bits of its address. */
static unsigned server_index(const endpoints *ep)
{
    const uint8_t *sip = ep->ip[DIR_S2C] + (ep->v6 ? 14 : 2);
    return (unsigned)(sip[0] << 8 | sip[1]);
}

/* The server's host name, the ClientHello's SNI and its certificate's name: named after the
 * server address so that one server always gets the same name. Returns its length. */
static size_t server_name(const endpoints *ep, char *dst, size_t cap)
{
    int n = snprintf(dst, cap, "www%u.example.com", server_index(ep));
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

/* The base ClientHello is at most about 250 bytes; padding never takes it past TLS_CH_MAX. */
_Static_assert(HDR_MAX >= 5 + 4 + TLS_CH_MAX, "a ClientHello record fits in a message header");

/* The whole ClientHello record into hdr. Browsers' hellos vary in size with what they offer
 * (and some pad, RFC 7685); here the padding extension makes a random size, so the sizes stay
 * as varied as before. A TLS 1.2 flow's client offers 1.3 half the time, as an up-to-date
 * browser meeting an old server does. */
static void tls_client_hello(gen *g, flow *fl)
{
    int offer13 = fl->tls13 || below(g, 2) == 0;
    size_t target = between(g, TLS_CH_MIN, TLS_CH_MAX);
    char host[32];
    size_t hlen = server_name(&fl->ep, host, sizeof host);
    size_t first = offer13 ? 0 : CH_SUITES_13;
    size_t suites = 2 * (N_ELEMS(ch_suites) - first);
    size_t ext = 9 + hlen + exts_len(ch_exts, N_ELEMS(ch_exts));
    if (offer13)
        ext += exts_len(ch_exts_13, N_ELEMS(ch_exts_13)) + KEY_SHARE_LEN(1);
    size_t fixed = 2 + 32 + 1 + TLS_SID_LEN + 2 + suites + 2 + 2;
    size_t pad = fixed + ext + 4 <= target ? target - fixed - ext - 4 : SIZE_MAX;
    if (pad != SIZE_MAX)
        ext += 4 + pad;
    uint8_t *p = tls_record(fl->hdr, 0x16, 0x0301, 4 + fixed + ext);
    p = tls_handshake(p, 1, fixed + ext);
    put16(p, 0x0303);
    p = put_random(g, p + 2, 32);
    *p++ = TLS_SID_LEN;
    /* A random session id even without resumption: RFC 8446 D.4 middlebox compatibility. */
    fill_random(g, fl->tls_sid, TLS_SID_LEN);
    p = put_bytes(p, fl->tls_sid, TLS_SID_LEN);
    put16(p, (uint32_t)suites);
    p += 2;
    for (size_t i = first; i < N_ELEMS(ch_suites); i++, p += 2)
        put16(p, ch_suites[i]);
    *p++ = 1; /* compression methods: null only */
    *p++ = 0;
    put16(p, (uint32_t)ext);
    p += 2;
    put16(p, 0x0000); /* server_name, RFC 6066 3: one host_name */
    put16(p + 2, (uint32_t)(hlen + 5));
    put16(p + 4, (uint32_t)(hlen + 3));
    p[6] = 0;
    put16(p + 7, (uint32_t)hlen);
    p = put_bytes(p + 9, (const uint8_t *)host, hlen);
    p = put_exts(p, ch_exts, N_ELEMS(ch_exts));
    if (offer13)
        p = put_key_share(g, put_exts(p, ch_exts_13, N_ELEMS(ch_exts_13)), 1);
    if (pad != SIZE_MAX) {
        put16(p, 0x0015);
        put16(p + 2, (uint32_t)pad);
        memset(p + 4, 0, pad);
        p += 4 + pad;
    }
    fl->hdr_len = (size_t)(p - fl->hdr);
    fl->body_len = 0;
    fl->msg_dir = DIR_C2S;
}

/* The ServerHello record at p; returns its end. A TLS 1.3 server echoes the session id
 * (RFC 8446 4.1.3); a TLS 1.2 one starting a new session gives a new one, since echoing it
 * would announce a resumption (RFC 5246 7.4.1.3). */
static uint8_t *tls_server_hello(gen *g, flow *fl, uint8_t *p)
{
    size_t ext = fl->tls13 ? exts_len(sh_exts_13, N_ELEMS(sh_exts_13)) + KEY_SHARE_LEN(0)
                           : exts_len(sh_exts_12, N_ELEMS(sh_exts_12));
    size_t len = 2 + 32 + 1 + TLS_SID_LEN + 2 + 1 + 2 + ext;
    p = tls_handshake(tls_record(p, 0x16, 0x0303, 4 + len), 2, len);
    put16(p, 0x0303);
    p = put_random(g, p + 2, 32);
    *p++ = TLS_SID_LEN;
    if (fl->tls13)
        p = put_bytes(p, fl->tls_sid, TLS_SID_LEN);
    else
        p = put_random(g, p, TLS_SID_LEN);
    put16(p, fl->tls13 ? 0x1301 + below(g, 2) : 0xc02f + below(g, 2));
    p[2] = 0;
    put16(p + 3, (uint32_t)ext);
    p += 5;
    if (fl->tls13)
        return put_key_share(g, put_exts(p, sh_exts_13, N_ELEMS(sh_exts_13)), 0);
    return put_exts(p, sh_exts_12, N_ELEMS(sh_exts_12));
}

static uint8_t *tls_ccs(uint8_t *p)
{
    p = tls_record(p, 0x14, 0x0303, 1);
    *p = 1;
    return p + 1;
}

/* TLS 1.3 after the ClientHello: ServerHello, ChangeCipherSpec (RFC 8446 D.4) and the
 * encrypted EncryptedExtensions..Finished as application data; then the client's
 * ChangeCipherSpec and encrypted Finished. */
static void tls13_handshake(gen *g, flow *fl)
{
    uint8_t *h = fl->hdr;
    if (fl->msg_no == 1) {
        fl->hdr_len = (size_t)(tls_ccs(tls_server_hello(g, fl, h)) - h);
        fl->body_param = between(g, 2400, 6000);
        fl->body_len = tls_body_len(fl->body_param);
        fl->body_kind = BODY_TLS;
        fl->msg_dir = DIR_S2C;
        return;
    }
    /* Finished: 32 bytes of HMAC-SHA256, 4 of header, 1 of inner type, 16 of tag. */
    fl->hdr_len = (size_t)(tls_record(tls_ccs(h), 0x17, 0x0303, 53) - h);
    fl->body_len = 53;
    fl->msg_dir = DIR_C2S;
}

/* gen_der's random hook; ctx is the stream of the chain being built. */
static void der_random(void *ctx, uint8_t *dst, size_t n)
{
    fill_random_in(ctx, dst, n);
}

/* Appends one certificate, behind its 3-byte length, to the list of len bytes at dst; its
 * validity starts between lo and hi days (and up to a day more) before the capture starts,
 * drawn from *state, which then gives the certificate's random bytes. Returns the list's new
 * length, 0 when it does not fit in cap. */
static size_t put_cert(uint8_t *dst, size_t len, size_t cap, gen_der_cert *c, uint32_t lo,
                       uint32_t hi, uint32_t days, uint64_t *state)
{
    uint64_t from = CAPTURE_START - (uint64_t)between_in(state, lo, hi) * DAY_S;
    from -= below_in(state, DAY_S);
    c->not_before = from;
    c->not_after = from + (uint64_t)days * DAY_S;
    if (cap - len < 3)
        return 0;
    size_t n = gen_der_x509_cert(dst + len + 3, cap - len - 3, c, der_random, state);
    if (n == 0)
        return 0;
    put24(dst + len, (uint32_t)n);
    return len + 3 + n;
}

/* The certificate_list (RFC 5246 7.4.2) of server idx, whose name is host: its leaf, then
 * the issuing CA, as servers send it (the root, which clients have, left out). The leaf and
 * the choice of CA come from the server's own stream, the CA certificate from the CA's, so a
 * server's chain is the same on every connection and servers of one CA share its
 * certificate, as they do in real traffic. The leaf is valid for a year from 1 to 300 days
 * before the capture, so at least 64 days after its start, far longer than any capture
 * runs; the CA for ten years from 400 to 1500 days before. Returns the length, 0 when it
 * does not fit in cap. */
static size_t build_chain(uint64_t seed, unsigned idx, const char *host, uint8_t *dst, size_t cap)
{
    uint64_t server = side_stream(seed, STREAM_SERVER, idx);
    unsigned ca_no = 1 + below_in(&server, ISSUING_CAS);
    uint64_t ca_stream = side_stream(seed, STREAM_CA, ca_no);
    char ca[32];
    snprintf(ca, sizeof ca, "Example Issuing CA %u", ca_no);
    gen_der_cert leaf = {.host = host, .subject_cn = host, .issuer_cn = ca};
    gen_der_cert inter = {.host = NULL, .subject_cn = ca, .issuer_cn = "Example Root CA"};
    size_t len = put_cert(dst, 0, cap, &leaf, 1, 300, 365, &server);
    return len == 0 ? 0 : put_cert(dst, len, cap, &inter, 400, 1500, 3652, &ca_stream);
}

/* The flow's server's certificate_list at dst, built once per server and copied after.
 * Returns its length, 0 when it does not fit in cap. */
static size_t tls_cert_list(gen *g, const flow *fl, uint8_t *dst, size_t cap)
{
    char host[32];
    unsigned idx = server_index(&fl->ep);
    server_name(&fl->ep, host, sizeof host);
    if (idx >= N_ELEMS(g->chains)) /* not a web server: build it each time, still the same */
        return build_chain(g->seed, idx, host, dst, cap);
    cert_chain *c = &g->chains[idx];
    if (c->len == 0)
        c->len = build_chain(g->seed, idx, host, c->list, sizeof c->list);
    if (c->len == 0 || c->len > cap)
        return 0;
    memcpy(dst, c->list, c->len);
    return c->len;
}

/* TLS 1.2 with ECDHE-RSA after the ClientHello: ServerHello, then Certificate,
 * ServerKeyExchange and ServerHelloDone in one record, sent as two messages so that hdr need
 * hold only the ServerHello and the chain; ClientKeyExchange, ChangeCipherSpec, Finished; the
 * server's ChangeCipherSpec and Finished. Returns 0 when a message does not fit in hdr. */
static int tls12_handshake(gen *g, flow *fl)
{
    uint8_t *h = fl->hdr;
    uint8_t *p = h;
    fl->msg_dir = fl->msg_no == 3 ? DIR_C2S : DIR_S2C;
    switch (fl->msg_no) {
    case 1: {
        p = tls_server_hello(g, fl, p);
        /* The list goes after the record, handshake and list headers, whose lengths it sets. */
        uint8_t *list = p + 5 + 4 + 3;
        size_t len = tls_cert_list(g, fl, list, (size_t)(h + HDR_MAX - list));
        if (len == 0)
            return 0;
        p = tls_record(p, 0x16, 0x0303, 4 + 3 + len + 4 + TLS_SKE_LEN + 4);
        p = tls_handshake(p, 11, 3 + len);
        put24(p, (uint32_t)len);
        fl->hdr_len = (size_t)(list + len - h);
        return 1;
    }
    case 2:
        /* ServerKeyExchange (RFC 8422 5.4): named_curve x25519, the server's share, then
         * rsa_pkcs1_sha256 and its signature; ServerHelloDone (RFC 5246 7.4.5) after it. */
        p = tls_handshake(p, 12, TLS_SKE_LEN);
        p[0] = 3;
        put16(p + 1, 0x001d);
        p[3] = TLS_KEY_LEN;
        p = put_random(g, p + 4, TLS_KEY_LEN);
        put16(p, 0x0401);
        put16(p + 2, TLS_SIG_LEN);
        p = put_random(g, p + 4, TLS_SIG_LEN);
        fl->hdr_len = (size_t)(tls_handshake(p, 14, 0) - h);
        return 1;
    case 3:
        /* ClientKeyExchange (RFC 8422 5.7): the client's x25519 share */
        p = tls_handshake(tls_record(p, 0x16, 0x0303, 4 + 1 + TLS_KEY_LEN), 16, 1 + TLS_KEY_LEN);
        *p++ = TLS_KEY_LEN;
        p = put_random(g, p, TLS_KEY_LEN);
        break;
    default:
        break;
    }
    /* After ChangeCipherSpec the Finished is encrypted: a handshake record of AES-GCM
     * explicit nonce (8), verify_data with its header (16) and tag (16). */
    fl->hdr_len = (size_t)(tls_record(tls_ccs(p), 0x16, 0x0303, 40) - h);
    fl->body_len = 40;
    return 1;
}

/* TLS on the wire (RFC 8446 2, RFC 5246 7.3), seen from outside: the hellos are complete and
 * parsable, what would be encrypted is random. After the handshake, application-data
 * exchanges. */
static int tls_message(gen *g, flow *fl)
{
    unsigned handshake = fl->tls13 ? 3 : 5; /* messages before the first request */
    fl->msg_active = 1;
    fl->pos = 0;
    fl->body_kind = BODY_RANDOM;
    fl->body_len = 0;
    if (fl->msg_no == 0) {
        tls_client_hello(g, fl);
        return 1;
    }
    if (fl->msg_no < handshake) {
        if (fl->tls13)
            tls13_handshake(g, fl);
        else if (!tls12_handshake(g, fl))
            fl->msg_active = 0;
        return fl->msg_active;
    }
    if ((fl->msg_no - handshake) / 2 >= fl->exchanges) {
        fl->msg_active = 0;
        return 0;
    }
    int req = (fl->msg_no - handshake) % 2 == 0;
    fl->body_param = req ? between(g, 80, 1500) : log_size(g, 200, 7);
    fl->hdr_len = 0;
    fl->body_len = tls_body_len(fl->body_param);
    fl->body_kind = BODY_TLS;
    fl->msg_dir = req ? DIR_C2S : DIR_S2C;
    return 1;
}

/* Starts the flow's next message; 0 when the flow has said everything. */
static int next_message(gen *g, flow *fl)
{
    switch (fl->kind) {
    case FK_TLS:
        return tls_message(g, fl);
    case FK_SCEP:
        if (fl->msg_no >= 2)
            return 0;
        return scep_message(g, fl);
    default:
        if (fl->msg_no / 2 >= fl->exchanges)
            return 0;
        return fl->msg_no % 2 == 0 ? http_request(g, fl) : http_response(g, fl);
    }
}

static void fill_payload(gen *g, flow *fl, uint8_t *dst, size_t pos, size_t n)
{
    if (pos < fl->hdr_len) {
        size_t k = fl->hdr_len - pos < n ? fl->hdr_len - pos : n;
        memcpy(dst, fl->hdr + pos, k);
        dst += k;
        pos += k;
        n -= k;
    }
    if (n == 0)
        return;
    size_t bpos = pos - fl->hdr_len;
    switch (fl->body_kind) {
    case BODY_TEXT:
        fill_text(g, dst, n);
        break;
    case BODY_TLS:
        fill_tls(g, dst, bpos, n, fl->body_param);
        break;
    default:
        fill_random(g, dst, n);
        break;
    }
}

/* Cuts the next segment of the current message into dst; returns its length and the side,
 * sequence number and flags to send it with. The receiver owes an ACK every second segment
 * and at the end of a message (delayed ACK, RFC 9293 3.8.6.3). */
static size_t take_segment(gen *g, flow *fl, uint8_t *dst, int *dir, uint32_t *seq, uint8_t *flags)
{
    size_t mss = fl->ep.v6 ? MSS_V6 : MSS_V4;
    size_t total = fl->hdr_len + fl->body_len;
    size_t n = total - fl->pos < mss ? total - fl->pos : mss;
    int d = fl->msg_dir;
    fill_payload(g, fl, dst, fl->pos, n);
    *dir = d;
    *seq = fl->seq[d];
    fl->seq[d] += (uint32_t)n;
    fl->pos += n;
    *flags = TH_ACK;
    int end = fl->pos == total;
    if (end) {
        *flags |= TH_PSH;
        fl->msg_active = 0;
        fl->msg_no++;
    }
    if (++fl->unacked[d] >= 2 || end) {
        fl->unacked[d] = 0;
        fl->ack_due = !d;
    }
    return n;
}

static void data_step(gen *g, flow *fl)
{
    uint8_t seg[MSS_V4];
    int dir;
    uint32_t seq;
    uint8_t flags;
    if (!fl->msg_active && !next_message(g, fl)) {
        fl->state = fl->abort ? ST_FIN_C : ST_FIN_A;
        return;
    }
    size_t n = take_segment(g, fl, fl->held_data, &dir, &seq, &flags);
    uint32_t r = below(g, 1000);
    if (r < 5 && fl->msg_active) {
        /* Swap this segment with the next one of the same message: out of order. */
        fl->held = 1;
        fl->held_dir = dir;
        fl->held_seq = seq;
        fl->held_len = n;
        fl->held_flags = flags;
        int d2;
        uint32_t s2;
        uint8_t f2;
        size_t n2 = take_segment(g, fl, seg, &d2, &s2, &f2);
        emit_tcp(g, fl, d2, f2, s2, seg, n2);
        g->ooo++;
        return;
    }
    emit_tcp(g, fl, dir, flags, seq, fl->held_data, n);
    if (r >= 5 && r < 10) {
        fl->held = 1;
        fl->held_dir = dir;
        fl->held_seq = seq;
        fl->held_len = n;
        fl->held_flags = flags;
        g->retx++;
    }
}

static void dns_packet(gen *g, flow *fl, int response)
{
    uint8_t p[128];
    size_t off = 12;
    put16(p, fl->dns_id);
    put16(p + 2, response ? 0x8180 : 0x0100);
    put16(p + 4, 1);
    put16(p + 6, response ? 1 : 0);
    put16(p + 8, 0);
    put16(p + 10, 0);
    /* The name is made from dns_id so the query and the response carry the same one. */
    int l = snprintf((char *)p + off + 1, 20, "host%u", fl->dns_id % 5000u);
    p[off] = (uint8_t)l;
    off += 1 + (size_t)l;
    static const uint8_t tail[13] = {7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0};
    memcpy(p + off, tail, sizeof tail);
    off += sizeof tail;
    uint16_t qtype = fl->ep.v6 ? 28 : 1;
    put16(p + off, qtype);
    put16(p + off + 2, 1);
    off += 4;
    if (response) {
        size_t rdlen = fl->ep.v6 ? 16 : 4;
        put16(p + off, 0xc00c);
        put16(p + off + 2, qtype);
        put16(p + off + 4, 1);
        put32(p + off + 6, 300);
        put16(p + off + 10, (uint32_t)rdlen);
        off += 12;
        fill_random(g, p + off, rdlen);
        off += rdlen;
    }
    emit_udp(g, fl, response ? DIR_S2C : DIR_C2S, p, off);
}

/* Sends the flow's next packet. */
static void flow_step(gen *g, flow *fl)
{
    if (fl->held) {
        fl->held = 0;
        emit_tcp(g, fl, fl->held_dir, fl->held_flags, fl->held_seq, fl->held_data, fl->held_len);
        return;
    }
    if (fl->ack_due >= 0 && fl->state == ST_DATA) {
        int d = fl->ack_due;
        fl->ack_due = -1;
        emit_tcp(g, fl, d, TH_ACK, fl->seq[d], NULL, 0);
        return;
    }
    switch (fl->state) {
    case ST_SYN:
        emit_tcp(g, fl, DIR_C2S, TH_SYN, fl->seq[DIR_C2S]++, NULL, 0);
        fl->state = below(g, 100) == 0 ? ST_REFUSED : ST_SYNACK;
        break;
    case ST_REFUSED:
        emit_tcp(g, fl, DIR_S2C, TH_RST | TH_ACK, 0, NULL, 0);
        fl->state = ST_DONE;
        break;
    case ST_SYNACK:
        emit_tcp(g, fl, DIR_S2C, TH_SYN | TH_ACK, fl->seq[DIR_S2C]++, NULL, 0);
        fl->state = ST_HSACK;
        break;
    case ST_HSACK:
        emit_tcp(g, fl, DIR_C2S, TH_ACK, fl->seq[DIR_C2S], NULL, 0);
        fl->state = ST_DATA;
        break;
    case ST_DATA:
        data_step(g, fl);
        if (fl->state != ST_DATA)
            flow_step(g, fl);
        break;
    case ST_FIN_A:
        emit_tcp(g, fl, fl->closer, TH_FIN | TH_ACK, fl->seq[fl->closer]++, NULL, 0);
        fl->state = ST_FIN_B;
        break;
    case ST_FIN_B:
        emit_tcp(g, fl, !fl->closer, TH_FIN | TH_ACK, fl->seq[!fl->closer]++, NULL, 0);
        fl->state = ST_FIN_C;
        break;
    case ST_FIN_C:
        if (fl->abort)
            emit_tcp(g, fl, fl->closer, TH_RST | TH_ACK, fl->seq[fl->closer], NULL, 0);
        else
            emit_tcp(g, fl, fl->closer, TH_ACK, fl->seq[fl->closer], NULL, 0);
        fl->state = ST_DONE;
        break;
    case ST_DNS_Q:
        dns_packet(g, fl, 0);
        fl->state = ST_DNS_R;
        break;
    case ST_DNS_R:
        dns_packet(g, fl, 1);
        fl->state = ST_DONE;
        break;
    default:
        break;
    }
}

static void random_mac(gen *g, uint8_t mac[6])
{
    fill_random(g, mac, 6);
    mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02); /* locally administered, unicast */
}

static void server_ip(endpoints *ep, unsigned idx)
{
    if (ep->v6) {
        static const uint8_t pfx[8] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0};
        memset(ep->ip[DIR_S2C], 0, 16);
        memcpy(ep->ip[DIR_S2C], pfx, 8);
        put16(ep->ip[DIR_S2C] + 14, idx);
    } else {
        uint8_t a[4] = {198, 18, (uint8_t)(idx >> 8), (uint8_t)(idx & 0xff)};
        memcpy(ep->ip[DIR_S2C], a, 4);
    }
}

static void new_flow(gen *g, flow *fl)
{
    memset(fl, 0, sizeof *fl);
    endpoints *ep = &fl->ep;
    uint32_t r = below(g, 1000);
    if (r < SCEP_PER_MILLE)
        fl->kind = FK_SCEP;
    else if (r < 400)
        fl->kind = FK_HTTP;
    else if (r < 750)
        fl->kind = FK_TLS;
    else
        fl->kind = FK_DNS;
    g->flows[fl->kind]++;
    ep->v6 = fl->kind != FK_SCEP && below(g, 10) == 0;
    if (below(g, 12) == 0)
        ep->vlan = 10 * (int)between(g, 1, 4);
    g->v6_flows += (unsigned long)ep->v6;
    g->vlan_flows += ep->vlan != 0;
    random_mac(g, ep->mac[DIR_C2S]);
    static const uint8_t router[6] = {0x02, 0, 0x5e, 0, 0x01, 0x01};
    memcpy(ep->mac[DIR_S2C], router, 6);
    if (ep->v6) {
        static const uint8_t pfx[8] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0};
        memcpy(ep->ip[DIR_C2S], pfx, 8);
        fill_random(g, ep->ip[DIR_C2S] + 8, 8);
    } else {
        /* Initializers, like arguments, are evaluated in no fixed order: one draw each. */
        uint8_t a[4] = {10, 0, 0, 0};
        a[1] = (uint8_t)between(g, 1, 254);
        a[2] = (uint8_t)below(g, 256);
        a[3] = (uint8_t)between(g, 1, 254);
        memcpy(ep->ip[DIR_C2S], a, 4);
    }
    ep->ttl[DIR_C2S] = 64;
    ep->ttl[DIR_S2C] = (uint8_t)between(g, 50, 60); /* a few routers away */
    ep->port[DIR_C2S] = (uint16_t)between(g, 32768, 60999);
    fl->ack_due = -1;
    fl->closer = (int)below(g, 2);
    fl->abort = below(g, 50) == 0;
    fl->seq[DIR_C2S] = (uint32_t)rnd(g);
    fl->seq[DIR_S2C] = (uint32_t)rnd(g);
    fl->state = ST_SYN;
    switch (fl->kind) {
    case FK_SCEP:
        server_ip(ep, 200 << 8 | 80);
        ep->port[DIR_S2C] = 80;
        fl->op = (int)below(g, 3);
        break;
    case FK_HTTP:
        server_ip(ep, 1 + below(g, WEB_SERVERS));
        ep->port[DIR_S2C] = below(g, 5) == 0 ? 8080 : 80;
        fl->exchanges = between(g, 1, 3);
        break;
    case FK_TLS:
        server_ip(ep, 1 + below(g, WEB_SERVERS));
        ep->port[DIR_S2C] = 443;
        fl->exchanges = between(g, 1, 4);
        fl->tls13 = below(g, 3) != 0; /* about the share of TLS 1.3 on the web */
        break;
    default:
        server_ip(ep, 0xff35);
        ep->port[DIR_S2C] = 53;
        fl->dns_id = (uint16_t)rnd(g);
        fl->state = ST_DNS_Q;
        break;
    }
}

/* Mixed traffic: a pool of open flows; each packet either opens a flow (while the pool has
 * room) or advances a random open one, so flows interleave like on a shared link. Near the
 * target size no new flows start and the open ones finish, so every flow is complete; the
 * pool is kept small enough for the size (one open flow per 64 KiB) that this tail stays a
 * few percent of the file. */
static int run_mixed(gen *g, const options *o)
{
    size_t conc = o->size / 65536 < o->conc ? (size_t)(o->size / 65536) : o->conc;
    if (conc < 20)
        conc = 20;
    flow *pool = calloc(conc, sizeof *pool);
    if (pool == NULL)
        return -1;
    size_t active = 0;
    for (;;) {
        /* Open flows are the longer ones (a long flow is open longer): by measurement each
         * still has about one and a half mean flows to send. */
        uint64_t mean = g->done_flows > 100 ? g->done_bytes / g->done_flows : 16384;
        int draining = g->bytes + active * mean * 3 / 2 >= o->size;
        if (draining && active == 0)
            break;
        size_t i;
        if (!draining && active < conc && (active == 0 || below(g, 2) == 0)) {
            i = active++;
            new_flow(g, &pool[i]);
            if (active > g->peak_active)
                g->peak_active = active;
        } else {
            i = below(g, (uint32_t)active);
        }
        flow_step(g, &pool[i]);
        if (pool[i].state == ST_DONE) {
            g->done_flows++;
            g->done_bytes += pool[i].bytes;
            if (i != active - 1)
                memcpy(&pool[i], &pool[active - 1], sizeof *pool);
            active--;
        }
    }
    free(pool);
    return 0;
}

static int run_synflood(gen *g, const options *o)
{
    flow fl;
    memset(&fl, 0, sizeof fl);
    static const uint8_t router[6] = {0x02, 0, 0x5e, 0, 0x01, 0x01};
    static const uint8_t server_mac[6] = {0x02, 0, 0x5e, 0, 0x02, 0x0a};
    static const uint8_t server[4] = {198, 18, 0, 10};
    memcpy(fl.ep.mac[DIR_C2S], router, 6);
    memcpy(fl.ep.mac[DIR_S2C], server_mac, 6);
    memcpy(fl.ep.ip[DIR_S2C], server, 4);
    fl.ep.port[DIR_S2C] = 80;
    fl.ep.ttl[DIR_S2C] = 64;
    for (uint64_t i = 0; i < o->syns; i++) {
        uint32_t a = (uint32_t)rnd(g);
        uint8_t first = (uint8_t)between(g, 1, 223);
        if (first == 10 || first == 127)
            first = 11;
        put32(fl.ep.ip[DIR_C2S], a);
        fl.ep.ip[DIR_C2S][0] = first;
        fl.ep.port[DIR_C2S] = (uint16_t)between(g, 1024, 65535);
        fl.ep.ttl[DIR_C2S] = (uint8_t)between(g, 40, 250);
        uint8_t th[32];
        static const uint8_t opt[12] = {2, 4, 5, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7};
        put16(th, fl.ep.port[DIR_C2S]);
        put16(th + 2, 80);
        put32(th + 4, (uint32_t)rnd(g));
        put32(th + 8, 0);
        th[12] = 8 << 4;
        th[13] = TH_SYN;
        put16(th + 14, 64240);
        put32(th + 16, 0);
        memcpy(th + 20, opt, sizeof opt);
        emit(g, &fl.ep, DIR_C2S, 6, th, sizeof th, NULL, 0, SYN_GAP_US);
    }
    return 0;
}

/* "200M" → 200 MiB for sizes (unit 1024), "5M" → 5,000,000 for counts (unit 1000). */
static int parse_scaled(const char *s, uint64_t unit, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s)
        return -1;
    uint64_t mul = 1;
    switch (*end) {
    case 'k':
    case 'K':
        mul = unit;
        end++;
        break;
    case 'm':
    case 'M':
        mul = unit * unit;
        end++;
        break;
    case 'g':
    case 'G':
        mul = unit * unit * unit;
        end++;
        break;
    default:
        break;
    }
    if (*end != '\0' || v > UINT64_MAX / mul)
        return -1;
    *out = (uint64_t)v * mul;
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: gen_traffic -o FILE [-s SIZE] [--seed N] [--mode mixed|synflood]\n"
            "                   [-n SYNS] [-c CONCURRENT]\n"
            "  -o FILE        output pcap (\"-\" for stdout)\n"
            "  -s SIZE        mixed: target file size, K/M/G = KiB/MiB/GiB (default 100M);\n"
            "                 the file ends within a few percent of it, every flow closed\n"
            "  --seed N       PRNG seed (default 1); same seed, same file\n"
            "  --mode M       mixed (default) or synflood\n"
            "  -n SYNS        synflood: number of SYNs, K/M = thousands/millions (default 1M)\n"
            "  -c CONCURRENT  mixed: most flows open at once (default %d, fewer for small\n"
            "                 sizes: one per 64 KiB)\n",
            DEFAULT_CONC);
}

static int parse_options(int argc, char **argv, options *o)
{
    static const struct option longopts[] = {{"seed", required_argument, NULL, 'S'},
                                             {"mode", required_argument, NULL, 'm'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    int c;
    o->size = 100u << 20;
    o->seed = 1;
    o->syns = 1000000;
    o->conc = DEFAULT_CONC;
    while ((c = getopt_long(argc, argv, "o:s:n:c:h", longopts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'o':
            o->out = optarg;
            break;
        case 's':
            if (parse_scaled(optarg, 1024, &o->size) != 0 || o->size == 0)
                goto bad;
            break;
        case 'S':
            errno = 0;
            o->seed = strtoull(optarg, &end, 0);
            if (errno != 0 || *end != '\0' || end == optarg)
                goto bad;
            break;
        case 'n':
            if (parse_scaled(optarg, 1000, &o->syns) != 0)
                goto bad;
            break;
        case 'c':
            errno = 0;
            o->conc = strtoul(optarg, &end, 10);
            if (errno != 0 || *end != '\0' || o->conc == 0 || o->conc > 1000000)
                goto bad;
            break;
        case 'm':
            if (strcmp(optarg, "mixed") == 0)
                o->synflood = 0;
            else if (strcmp(optarg, "synflood") == 0)
                o->synflood = 1;
            else
                goto bad;
            break;
        case 'h':
            usage(stdout);
            return 1;
        default:
            usage(stderr);
            return -1;
        }
    }
    if (o->out == NULL || optind != argc) {
        usage(stderr);
        return -1;
    }
    return 0;
bad:
    fprintf(stderr, "gen_traffic: bad value for -%c: %s\n", c == 'S' ? 's' : c, optarg);
    return -1;
}

int main(int argc, char **argv)
{
    options o;
    memset(&o, 0, sizeof o);
    int rc = parse_options(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? 0 : 2;

    int status = 1;
    pcap_t *dead = NULL;
    gen *g = calloc(1, sizeof *g);
    if (g == NULL)
        goto fail;
    g->rng = o.seed;
    g->seed = o.seed;
    g->now_us = (uint64_t)CAPTURE_START * 1000000u;
    g->bytes = PCAP_FILE_HDR;
    dead = pcap_open_dead(DLT_EN10MB, 65535);
    if (dead == NULL)
        goto fail;
    g->dumper = pcap_dump_open(dead, o.out);
    if (g->dumper == NULL) {
        fprintf(stderr, "gen_traffic: %s\n", pcap_geterr(dead));
        goto fail;
    }
    if ((o.synflood ? run_synflood(g, &o) : run_mixed(g, &o)) != 0) {
        fprintf(stderr, "gen_traffic: out of memory\n");
        goto fail;
    }
    if (pcap_dump_flush(g->dumper) != 0 || ferror(pcap_dump_file(g->dumper))) {
        fprintf(stderr, "gen_traffic: write error on %s\n", o.out);
        goto fail;
    }
    fprintf(stderr, "gen_traffic: %" PRIu64 " packets, %" PRIu64 " bytes", g->packets, g->bytes);
    if (!o.synflood)
        fprintf(stderr,
                "; flows http %lu tls %lu scep %lu dns %lu (ipv6 %lu, vlan %lu); peak open %zu;"
                " out-of-order %lu, retransmitted %lu",
                g->flows[FK_HTTP], g->flows[FK_TLS], g->flows[FK_SCEP], g->flows[FK_DNS],
                g->v6_flows, g->vlan_flows, g->peak_active, g->ooo, g->retx);
    fputc('\n', stderr);
    status = 0;
fail:
    if (g != NULL && g->dumper != NULL)
        pcap_dump_close(g->dumper);
    if (dead != NULL)
        pcap_close(dead);
    free(g);
    return status;
}

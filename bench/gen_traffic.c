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
 *   - TLS handshakes (gen_tls.c) are complete and parsable, with a real DER certificate chain
 *     per TLS 1.2 server (gen_der.c); what would be encrypted or secret is random bytes.
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

#include "gen.h"

#define PCAP_FILE_HDR  24u /* bytes of the pcap file header */
#define PCAP_REC_HDR   16u /* bytes of each packet record header */
#define MEAN_GAP_US    10u /* mixed: about 100k packets/s, a busy gigabit link */
#define SYN_GAP_US     5u  /* synflood: about 200k SYNs/s */
#define DEFAULT_CONC   1500
#define SCEP_PER_MILLE 4

enum { TH_FIN = 0x01, TH_SYN = 0x02, TH_RST = 0x04, TH_PSH = 0x08, TH_ACK = 0x10 };
enum { SCEP_CAPS, SCEP_CACERT, SCEP_PKIOP };
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

typedef struct options {
    const char *out;
    uint64_t size;
    uint64_t seed;
    uint64_t syns;
    size_t conc;
    int synflood;
} options;

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

/* Starts the flow's next message; 0 when the flow has said everything. */
static int next_message(gen *g, flow *fl)
{
    switch (fl->kind) {
    case FK_TLS:
        return gen_tls_message(g, fl);
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
        gen_tls_fill_records(g, dst, bpos, n, fl->body_param);
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

/* capture.c — the capture layer's entry points: frames in, flows found or created, idle flows
 * expired and the oldest evicted at the caps (see capture.h). Per-flow TCP logic is in
 * tcp_track.c.
 */
#include "capture/capture.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <arpa/inet.h>
#include <openssl/evp.h>

#include "capture/capture_int.h"
#include "capture/timeval.h"

/* In-progress IP datagrams at once, and how long one may wait for its fragments. */
#define SS_FRAG_MAX_DATAGRAMS 1024
#define SS_FRAG_TIMEOUT       30
/* Evictions tried for one new flow before the packet is given up. */
#define SS_EVICT_TRIES 8

/* Another seed from the flow-hash one, so that knowing one tells nothing of the other. */
static uint64_t mix_seed(uint64_t s)
{
    s += 0x9e3779b97f4a7c15ULL;
    s = (s ^ (s >> 30)) * 0xbf58476d1ce4e5b9ULL;
    s = (s ^ (s >> 27)) * 0x94d049bb133111ebULL;
    return s ^ (s >> 31);
}

ss_capture *ss_capture_new(const scepsniff_config *cfg, ss_mem *mem, ss_capture_emit_fn emit,
                           void *ctx, char *errbuf)
{
    ss_capture *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(errbuf, SCEPSNIFF_ERRBUF_SIZE, "out of memory");
        return NULL;
    }
    if (cfg)
        c->cfg = *cfg;
    else
        scepsniff_config_init(&c->cfg);
    c->emit = emit;
    c->ctx = ctx;
    c->mem = mem;
    uint64_t seed = c->cfg.hash_seed;
    if (!seed && getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
        seed = (uint64_t)(uintptr_t)c ^ 0x9e3779b97f4a7c15ULL; /* no entropy: still per engine */
    c->frag = ss_ipfrag_new(c->mem, SS_FRAG_MAX_DATAGRAMS, SS_FRAG_TIMEOUT);
    c->flows = ss_flow_table_new(c->mem, c->cfg.max_flows, seed);
    if (!c->frag || !c->flows) {
        snprintf(errbuf, SCEPSNIFF_ERRBUF_SIZE,
                 "cannot allocate the flow table within the memory cap (%zu bytes)",
                 c->cfg.max_memory);
        goto fail;
    }
    /* either NULL only costs speed: see ss_tls_config */
    c->md5 = EVP_MD_fetch(NULL, "MD5", NULL);
    c->certs = ss_tls_certcache_new(c->mem, mix_seed(seed));
    if (c->cfg.keylog_file) {
        char err[SCEPSNIFF_ERRBUF_SIZE] = "";
        if (!(c->keylog = ss_tls_keylog_new(0)) ||
            ss_tls_keylog_load_file(c->keylog, c->cfg.keylog_file, err, sizeof(err)) < 0) {
            snprintf(errbuf, SCEPSNIFF_ERRBUF_SIZE, "key log %s: %s", c->cfg.keylog_file,
                     err[0] ? err : "out of memory");
            goto fail;
        }
    }
    if (c->cfg.classify) {
        char err[SCEPSNIFF_ERRBUF_SIZE] = "";
        c->cls = ss_classifier_new(c->mem, err, sizeof(err));
        if (!c->cls) {
            snprintf(errbuf, SCEPSNIFF_ERRBUF_SIZE, "nDPI: %s", err);
            goto fail;
        }
    }
    return c;
fail:
    ss_capture_free(c);
    return NULL;
}

/* Dotted quad, as inet_ntop writes it: glibc's goes through sprintf, which cost more than the
 * rest of creating a flow. IPv6 (rarer, and with zero compression) stays with inet_ntop. */
static void addr_text(int ipv, const uint8_t *a, char *out, size_t cap)
{
    if (ipv == 6) {
        inet_ntop(AF_INET6, a, out, (socklen_t)cap);
        return;
    }
    size_t n = 0;
    for (int i = 0; i < 4; i++) {
        unsigned v = a[i];
        if (v >= 100)
            out[n++] = (char)('0' + v / 100);
        if (v >= 10)
            out[n++] = (char)('0' + v / 10 % 10);
        out[n++] = (char)('0' + v % 10);
        out[n++] = i < 3 ? '.' : '\0';
    }
}

static void fill_pub(ss_flow *f, uint64_t id, const struct timeval *ts, int inferred)
{
    scepsniff_flow *pub = &f->pub;
    pub->id = id;
    pub->ip_version = f->ipv;
    addr_text(f->ipv, f->addr[0], pub->client_ip, sizeof(pub->client_ip));
    addr_text(f->ipv, f->addr[1], pub->server_ip, sizeof(pub->server_ip));
    pub->client_port = f->port[0];
    pub->server_port = f->port[1];
    pub->client_inferred = inferred;
    pub->first_seen = *ts;
    pub->last_seen = *ts;
}

/* Ports that say "server" when no SYN shows who opened the connection. */
static int service_rank(uint16_t port)
{
    switch (port) {
    case 80:
    case 443:
    case 8080:
    case 8443:
        return 3;
    default:
        return port < 1024 ? 2 : (port < 32768 ? 1 : 0);
    }
}

/* Which side of p is the client: 0 = the sender. */
static int client_is_receiver(const ss_packet *p, int *inferred)
{
    *inferred = 0;
    if ((p->flags & (SS_TH_SYN | SS_TH_ACK)) == SS_TH_SYN)
        return 0;
    if ((p->flags & (SS_TH_SYN | SS_TH_ACK)) == (SS_TH_SYN | SS_TH_ACK))
        return 1;
    *inferred = 1;
    int rs = service_rank(p->sport), rd = service_rank(p->dport);
    if (rs != rd)
        return rs > rd; /* the sender's port looks like the service */
    return p->sport < p->dport;
}

/* Ends the least useful flow to make room; 0 when there is none. */
static int evict_one(ss_capture *c)
{
    ss_flow *best = ss_flow_table_oldest(c->flows, SS_TCLASS_CLOSED);
    if (!best) {
        ss_flow *s = ss_flow_table_oldest(c->flows, SS_TCLASS_SYN);
        ss_flow *e = ss_flow_table_oldest(c->flows, SS_TCLASS_EST);
        best = s;
        if (!best || (e && ss_tv_cmp(&e->pub.last_seen, &s->pub.last_seen) < 0))
            best = e;
    }
    if (!best)
        return 0;
    int closed = best->tclass == SS_TCLASS_CLOSED;
    if (!closed)
        c->st.flows_evicted++; /* a closed flow has said all it had: not a loss */
    ss_track_end(c, best, closed ? 0 : SCEPSNIFF_STREAM_EVICTED, closed ? &best->end_ts : &c->now);
    return 1;
}

static ss_flow *new_flow(ss_capture *c, const ss_packet *p, int *dir)
{
    int inferred;
    int rev = client_is_receiver(p, &inferred);
    const uint8_t *ca = rev ? p->dst : p->src, *sa = rev ? p->src : p->dst;
    uint16_t cp = rev ? p->dport : p->sport, sp = rev ? p->sport : p->dport;
    ss_flow *f = NULL;
    for (int i = 0; i <= SS_EVICT_TRIES; i++) {
        f = ss_flow_table_add(c->flows, p->ip_version, ca, cp, sa, sp);
        if (f || !evict_one(c))
            break;
    }
    if (!f)
        return NULL;
    fill_pub(f, ++c->next_id, &p->ts, inferred);
    c->st.flows++;
    f->reassemble = 1;
    ss_reasm_init(&f->rs[0], c->cfg.max_stream_buffer, c->mem);
    ss_reasm_init(&f->rs[1], c->cfg.max_stream_buffer, c->mem);
    *dir = rev ? SCEPSNIFF_DIR_TO_CLIENT : SCEPSNIFF_DIR_TO_SERVER;
    if (!(p->flags & SS_TH_SYN)) {
        /* picked up mid-stream: no handshake to wait for */
        f->probes[0] = f->probes[1] = SS_MIDSTREAM_PROBES;
        f->state = SS_TCP_ESTABLISHED;
        ss_track_emit(c, f, SCEPSNIFF_STREAM_ESTABLISHED, SCEPSNIFF_DIR_TO_SERVER, &p->ts, 0);
    }
    return f;
}

static ss_tclass class_of(const ss_flow *f)
{
    if (f->state == SS_TCP_CLOSED)
        return SS_TCLASS_CLOSED;
    return f->state >= SS_TCP_ESTABLISHED ? SS_TCLASS_EST : SS_TCLASS_SYN;
}

static void expire(ss_capture *c, const struct timeval *now)
{
    static const int reasons[SS_TCLASS_N] = {SCEPSNIFF_STREAM_IDLE_TIMEOUT,
                                             SCEPSNIFF_STREAM_IDLE_TIMEOUT, 0};
    unsigned timeouts[SS_TCLASS_N] = {c->cfg.syn_timeout, c->cfg.idle_timeout,
                                      c->cfg.closed_timeout};
    for (int k = 0; k < SS_TCLASS_N; k++) {
        ss_flow *f;
        /* Lists are ordered by the second of each flow's last move, and a flow's last packet
         * lies within that second: stopping at the first flow not yet due can keep one behind
         * it that is due for less than a second more. Its end is still reported at its own
         * last packet plus the timeout. */
        while ((f = ss_flow_table_oldest(c->flows, (ss_tclass)k)) &&
               ss_tv_elapsed(&f->pub.last_seen, now, timeouts[k])) {
            struct timeval end = f->pub.last_seen;
            end.tv_sec += timeouts[k];
            ss_track_end(c, f, reasons[k], k == SS_TCLASS_CLOSED ? &f->end_ts : &end);
        }
    }
    if (ss_tv_elapsed(&c->frag_check, now, 1)) {
        ss_ipfrag_expire(c->frag, now);
        c->frag_check = *now;
    }
}

/* Timeouts are whole seconds, so expiry runs once per second of packet time, not per packet
 * (each pass reads the oldest flow of every class: cache misses the hot path need not pay). */
static void advance(ss_capture *c, const struct timeval *ts)
{
    if (ss_tv_cmp(ts, &c->now) <= 0)
        return;
    c->now = *ts;
    if (ts->tv_sec != c->expired_at) {
        c->expired_at = ts->tv_sec;
        expire(c, ts);
    }
}

int ss_capture_packet(ss_capture *c, int linktype, const struct pcap_pkthdr *h, const uint8_t *pkt)
{
    c->st.packets++;
    c->st.bytes += h->len;
    c->last_flow = 0;
    if (!ss_packet_linktype_supported(linktype))
        return -1;
    advance(c, &h->ts);

    ss_packet p;
    switch (ss_packet_decode(linktype, &h->ts, pkt, h->caplen, h->len, c->frag, &p)) {
    case SS_PKT_TCP:
        break;
    case SS_PKT_NOT_IP:
        c->st.not_ip++;
        return 0;
    case SS_PKT_NOT_TCP:
        c->st.not_tcp++;
        return 0;
    case SS_PKT_TRUNCATED:
        c->st.truncated++;
        return 0;
    case SS_PKT_INVALID:
        c->st.invalid++;
        return 0;
    case SS_PKT_FRAG_HELD:
    case SS_PKT_FRAG_DROPPED:
        return 0;
    case SS_PKT_UNSUPPORTED_LINK:
        return -1;
    }
    c->st.tcp_packets++;
    if (p.payload_declared > p.payload_len)
        c->st.payload_cut++;

    int dir = 0;
    ss_flow *f = ss_flow_table_find(c->flows, p.ip_version, p.src, p.sport, p.dst, p.dport, &dir);
    if (f && f->state == SS_TCP_CLOSED && (p.flags & (SS_TH_SYN | SS_TH_ACK)) == SS_TH_SYN) {
        ss_track_end(c, f, 0, &f->end_ts); /* the port pair is reused for a new connection */
        f = NULL;
    }
    if (!f) {
        if (p.flags & SS_TH_RST)
            return 0; /* a lone RST starts nothing */
        f = new_flow(c, &p, &dir);
        if (!f)
            return 0;
    }
    c->last_flow = f->pub.id;
    ss_track_packet(c, f, dir, &p);
    ss_flow_table_touch(c->flows, f, class_of(f), (int64_t)c->now.tv_sec);
    return 0;
}

void ss_capture_tick(ss_capture *c, struct timeval now)
{
    advance(c, &now);
}

void ss_capture_finish(ss_capture *c)
{
    ss_flow *f;
    for (int k = 0; k < SS_TCLASS_N; k++)
        while ((f = ss_flow_table_oldest(c->flows, (ss_tclass)k)))
            ss_track_end(c, f, k == SS_TCLASS_CLOSED ? 0 : SCEPSNIFF_STREAM_END_OF_CAPTURE,
                         k == SS_TCLASS_CLOSED ? &f->end_ts : &c->now);
}

int ss_capture_add_keylog(ss_capture *c, const char *text, size_t len, char *errbuf)
{
    if (!c->keylog && !(c->keylog = ss_tls_keylog_new(0))) {
        snprintf(errbuf, SCEPSNIFF_ERRBUF_SIZE, "out of memory");
        return -1;
    }
    int n = ss_tls_keylog_add_text(c->keylog, text, len);
    if (n < 0)
        snprintf(errbuf, SCEPSNIFF_ERRBUF_SIZE, "key log: unreadable");
    return n;
}

uint64_t ss_capture_last_flow(const ss_capture *c)
{
    return c->last_flow;
}

void ss_capture_now(const ss_capture *c, struct timeval *now)
{
    *now = c->now;
}

void ss_capture_stats(const ss_capture *c, scepsniff_stats *st)
{
    *st = c->st;
    ss_ipfrag_stats fs;
    ss_ipfrag_get_stats(c->frag, &fs);
    st->ip_fragments = fs.fragments;
    st->ip_reassembled = fs.reassembled;
    st->ip_frag_dropped = fs.dropped;
    st->memory_in_use = c->mem->used;
    st->memory_peak = c->mem->peak;
    st->flows_active = ss_flow_table_count(c->flows);
}

void ss_capture_free(ss_capture *c)
{
    if (!c)
        return;
    ss_capture_finish(c);
    ss_flow_table_free(c->flows);
    ss_ipfrag_free(c->frag);
    ss_classifier_free(c->cls);
    ss_tls_keylog_free(c->keylog);
    EVP_MD_free(c->md5);
    ss_tls_certcache_free(c->certs);
    free(c);
}

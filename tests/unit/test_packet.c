/* test_packet.c — ss_packet_decode over frames built by hand for every link type, IPv4 options,
 * IPv6 extension headers, padding, snaplen cuts, malformed headers, and every prefix of a frame.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>

#include "capture/ipfrag.h"
#include "capture/packet.h"

enum { SPORT = 49152, DPORT = 80, WINDOW = 29200 };
static const uint32_t SEQ = 0x01020304u, ACK = 0xa0b0c0d0u;
static const uint8_t FLAGS = SS_TH_ACK | SS_TH_PUSH;
static const uint8_t V4_SRC[4] = {192, 0, 2, 1}, V4_DST[4] = {198, 51, 100, 2};
static const uint8_t V6_SRC[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t V6_DST[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};

static void be16(uint8_t *b, uint16_t v)
{
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}

static void be32(uint8_t *b, uint32_t v)
{
    be16(b, (uint16_t)(v >> 16));
    be16(b + 2, (uint16_t)v);
}

static uint8_t pattern(size_t i)
{
    return (uint8_t)(i * 31 + 7);
}

/* TCP header of doff 32-bit words (NOP options beyond 20 bytes), then paylen pattern bytes. */
static size_t put_tcp(uint8_t *b, unsigned doff, size_t paylen)
{
    size_t thl = (size_t)doff * 4, i;

    memset(b, 0, 20);
    be16(b, SPORT);
    be16(b + 2, DPORT);
    be32(b + 4, SEQ);
    be32(b + 8, ACK);
    b[12] = (uint8_t)(doff << 4);
    b[13] = FLAGS;
    be16(b + 14, WINDOW);
    if (thl > 20)
        memset(b + 20, 1, thl - 20);
    for (i = 0; i < paylen; i++)
        b[thl + i] = pattern(i);
    return thl + paylen;
}

/* IPv4 header of ihl words (NOP options beyond 20 bytes) with the given fields. */
static void put_ipv4_hdr(uint8_t *b, unsigned ihl, uint8_t proto, uint16_t total, uint16_t id,
                         uint16_t frag)
{
    size_t hl = (size_t)ihl * 4;

    memset(b, 0, 20);
    b[0] = (uint8_t)(0x40 | ihl);
    be16(b + 2, total);
    be16(b + 4, id);
    be16(b + 6, frag);
    b[8] = 64;
    b[9] = proto;
    memcpy(b + 12, V4_SRC, 4);
    memcpy(b + 16, V4_DST, 4);
    if (hl > 20)
        memset(b + 20, 1, hl - 20);
}

/* IPv4 + TCP + payload; returns the IP total length. */
static size_t put_ipv4_tcp(uint8_t *b, unsigned ihl, unsigned doff, size_t paylen)
{
    size_t hl = (size_t)ihl * 4, n = put_tcp(b + hl, doff, paylen);

    put_ipv4_hdr(b, ihl, 6, (uint16_t)(hl + n), 0x1234, 0x4000);
    return hl + n;
}

static void put_ipv6_hdr(uint8_t *b, uint8_t nh, uint16_t plen)
{
    memset(b, 0, 40);
    b[0] = 0x60;
    be16(b + 4, plen);
    b[6] = nh;
    b[7] = 64;
    memcpy(b + 8, V6_SRC, 16);
    memcpy(b + 24, V6_DST, 16);
}

/* IPv6 + hop-by-hop (8 bytes) + destination options (16 bytes) + TCP + payload. */
static size_t put_ipv6_ext_tcp(uint8_t *b, size_t paylen)
{
    uint8_t *e = b + 40;
    size_t n;

    memset(e, 0, 24);
    e[0] = 60; /* hop-by-hop: next is destination options */
    e[1] = 0;  /* 8 bytes */
    e[2] = 1;  /* PadN */
    e[3] = 4;
    e[8] = 6;  /* destination options: next is TCP */
    e[9] = 1;  /* 16 bytes */
    e[10] = 1; /* PadN */
    e[11] = 12;
    n = put_tcp(e + 24, 5, paylen);
    put_ipv6_hdr(b, 0, (uint16_t)(24 + n));
    return 40 + 24 + n;
}

static size_t put_eth(uint8_t *b, uint16_t etype)
{
    memset(b, 0xaa, 12);
    be16(b + 12, etype);
    return 14;
}

static size_t put_sll(uint8_t *b, uint16_t proto)
{
    memset(b, 0, 16);
    be16(b + 2, 1);
    be16(b + 4, 6);
    be16(b + 14, proto);
    return 16;
}

static size_t put_sll2(uint8_t *b, uint16_t proto)
{
    memset(b, 0, 20);
    be16(b, proto);
    be32(b + 4, 2);
    be16(b + 8, 1);
    b[11] = 6;
    return 20;
}

/* Checks every field of a decoded segment against what the builders wrote. */
static void check_tcp(const ss_packet *p, const uint8_t *l3, size_t l3_len, int version,
                      size_t hdrs, size_t captured_payload, size_t declared_payload)
{
    size_t i;

    assert_int_equal(p->ip_version, version);
    if (version == 4) {
        assert_memory_equal(p->src, V4_SRC, 4);
        assert_memory_equal(p->dst, V4_DST, 4);
        for (i = 4; i < 16; i++)
            assert_int_equal(p->src[i] | p->dst[i], 0);
    } else {
        assert_memory_equal(p->src, V6_SRC, 16);
        assert_memory_equal(p->dst, V6_DST, 16);
    }
    assert_int_equal(p->sport, SPORT);
    assert_int_equal(p->dport, DPORT);
    assert_int_equal(p->seq, SEQ);
    assert_int_equal(p->ack, ACK);
    assert_int_equal(p->flags, FLAGS);
    assert_int_equal(p->window, WINDOW);
    assert_ptr_equal(p->l3, l3);
    assert_int_equal(p->l3_len, l3_len);
    assert_ptr_equal(p->payload, l3 + hdrs);
    assert_int_equal(p->payload_len, captured_payload);
    assert_int_equal(p->payload_declared, declared_payload);
    for (i = 0; i < captured_payload; i++)
        assert_int_equal(p->payload[i], pattern(i));
    assert_int_equal(p->from_fragments, 0);
}

static ss_pkt_status decode(int lt, const uint8_t *b, size_t len, ss_packet *p)
{
    struct timeval ts = {1700000000, 123456};
    ss_pkt_status st = ss_packet_decode(lt, &ts, b, (uint32_t)len, (uint32_t)len, NULL, p);

    assert_int_equal(p->ts.tv_sec, ts.tv_sec);
    assert_int_equal(p->ts.tv_usec, ts.tv_usec);
    assert_int_equal(p->wire_len, len);
    return st;
}

static void test_ethernet_ipv4(void **state)
{
    uint8_t b[256];
    ss_packet p;
    size_t h = put_eth(b, 0x0800), n = put_ipv4_tcp(b + h, 5, 5, 33);

    (void)state;
    assert_int_equal(decode(DLT_EN10MB, b, h + n, &p), SS_PKT_TCP);
    check_tcp(&p, b + h, n, 4, 40, 33, 33);
}

static void test_vlan_tags(void **state)
{
    static const uint16_t tpids[] = {0x8100, 0x88a8, 0x9100};
    uint8_t b[256];
    ss_packet p;
    size_t t, tags, h, n;

    (void)state;
    for (tags = 1; tags <= 4; tags++) {
        h = put_eth(b, tpids[0]);
        for (t = 0; t < tags; t++) {
            be16(b + h, (uint16_t)(100 + t)); /* TCI */
            be16(b + h + 2, t + 1 < tags ? tpids[(t + 1) % 3] : 0x0800);
            h += 4;
        }
        n = put_ipv4_tcp(b + h, 5, 5, 12);
        assert_int_equal(decode(DLT_EN10MB, b, h + n, &p), SS_PKT_TCP);
        check_tcp(&p, b + h, n, 4, 40, 12, 12);
    }
    /* a fifth tag is past the bound */
    h = put_eth(b, 0x8100);
    for (t = 0; t < 5; t++) {
        be16(b + h, 1);
        be16(b + h + 2, t < 4 ? 0x8100 : 0x0800);
        h += 4;
    }
    n = put_ipv4_tcp(b + h, 5, 5, 0);
    assert_int_equal(decode(DLT_EN10MB, b, h + n, &p), SS_PKT_INVALID);
}

static void test_sll_sll2(void **state)
{
    uint8_t b[256];
    ss_packet p;
    size_t h, n;

    (void)state;
    h = put_sll(b, 0x0800);
    n = put_ipv4_tcp(b + h, 5, 5, 7);
    assert_int_equal(decode(DLT_LINUX_SLL, b, h + n, &p), SS_PKT_TCP);
    check_tcp(&p, b + h, n, 4, 40, 7, 7);

    h = put_sll2(b, 0x86dd);
    n = put_ipv6_ext_tcp(b + h, 9);
    assert_int_equal(decode(DLT_LINUX_SLL2, b, h + n, &p), SS_PKT_TCP);
    check_tcp(&p, b + h, n, 6, 40 + 24 + 20, 9, 9);

    h = put_sll2(b, 0x0806);
    assert_int_equal(decode(DLT_LINUX_SLL2, b, h + 28, &p), SS_PKT_NOT_IP);
}

static void test_raw(void **state)
{
    static const int raw_types[] = {DLT_RAW, 101};
    uint8_t v4[128], v6[256];
    ss_packet p;
    size_t n4 = put_ipv4_tcp(v4, 5, 5, 5), n6 = put_ipv6_ext_tcp(v6, 6), i;

    (void)state;
    for (i = 0; i < 2; i++) {
        assert_int_equal(decode(raw_types[i], v4, n4, &p), SS_PKT_TCP);
        check_tcp(&p, v4, n4, 4, 40, 5, 5);
        assert_int_equal(decode(raw_types[i], v6, n6, &p), SS_PKT_TCP);
        check_tcp(&p, v6, n6, 6, 84, 6, 6);
    }
    assert_int_equal(decode(228, v4, n4, &p), SS_PKT_TCP);
    check_tcp(&p, v4, n4, 4, 40, 5, 5);
    assert_int_equal(decode(229, v6, n6, &p), SS_PKT_TCP);
    check_tcp(&p, v6, n6, 6, 84, 6, 6);
    /* the link type says which version; bytes of the other one are malformed */
    assert_int_equal(decode(228, v6, n6, &p), SS_PKT_INVALID);
    assert_int_equal(decode(229, v4, n4, &p), SS_PKT_INVALID);
    v4[0] = 0x55; /* neither 4 nor 6 */
    assert_int_equal(decode(DLT_RAW, v4, n4, &p), SS_PKT_INVALID);
}

static void test_null_loop(void **state)
{
    static const uint32_t v6_afs[] = {24, 28, 30};
    uint8_t b[256];
    ss_packet p;
    size_t n, i;

    (void)state;
    /* host order: a little-endian capturer */
    b[0] = 2, b[1] = 0, b[2] = 0, b[3] = 0;
    n = put_ipv4_tcp(b + 4, 5, 5, 3);
    assert_int_equal(decode(DLT_NULL, b, 4 + n, &p), SS_PKT_TCP);
    check_tcp(&p, b + 4, n, 4, 40, 3, 3);
    /* a big-endian capturer */
    be32(b, 2);
    assert_int_equal(decode(DLT_NULL, b, 4 + n, &p), SS_PKT_TCP);
    check_tcp(&p, b + 4, n, 4, 40, 3, 3);
    /* LOOP is always network order */
    assert_int_equal(decode(DLT_LOOP, b, 4 + n, &p), SS_PKT_TCP);
    check_tcp(&p, b + 4, n, 4, 40, 3, 3);

    n = put_ipv6_ext_tcp(b + 4, 4);
    for (i = 0; i < 3; i++) {
        b[0] = (uint8_t)v6_afs[i], b[1] = 0, b[2] = 0, b[3] = 0;
        assert_int_equal(decode(DLT_NULL, b, 4 + n, &p), SS_PKT_TCP);
        check_tcp(&p, b + 4, n, 6, 84, 4, 4);
        be32(b, v6_afs[i]);
        assert_int_equal(decode(DLT_NULL, b, 4 + n, &p), SS_PKT_TCP);
        assert_int_equal(decode(DLT_LOOP, b, 4 + n, &p), SS_PKT_TCP);
        check_tcp(&p, b + 4, n, 6, 84, 4, 4);
    }
    be32(b, 7); /* AF_OSI: not IP */
    assert_int_equal(decode(DLT_NULL, b, 4 + n, &p), SS_PKT_NOT_IP);
    assert_int_equal(decode(DLT_LOOP, b, 4 + n, &p), SS_PKT_NOT_IP);
    /* AF_INET with IPv6 bytes behind it */
    be32(b, 2);
    assert_int_equal(decode(DLT_LOOP, b, 4 + n, &p), SS_PKT_INVALID);
}

static void test_ipv4_options(void **state)
{
    uint8_t b[256];
    ss_packet p;
    size_t h = put_eth(b, 0x0800), n = put_ipv4_tcp(b + h, 15, 15, 21);

    (void)state;
    assert_int_equal(decode(DLT_EN10MB, b, h + n, &p), SS_PKT_TCP);
    check_tcp(&p, b + h, n, 4, 60 + 60, 21, 21);
}

static void test_ipv6_extension_headers(void **state)
{
    uint8_t b[256];
    ss_packet p;
    size_t h = put_eth(b, 0x86dd), n = put_ipv6_ext_tcp(b + h, 17), i;

    (void)state;
    assert_int_equal(decode(DLT_EN10MB, b, h + n, &p), SS_PKT_TCP);
    check_tcp(&p, b + h, n, 6, 84, 17, 17);

    /* AH (RFC 4302: length in 4-octet units minus 2) between them: 12-byte AH */
    memmove(b + h + 40 + 8 + 12, b + h + 40 + 8, n - 48);
    b[h + 40] = 51; /* hop-by-hop -> AH */
    b[h + 48] = 60; /* AH -> destination options */
    b[h + 49] = 1;  /* (1 + 2) * 4 = 12 bytes */
    memset(b + h + 50, 0, 10);
    be16(b + h + 4, (uint16_t)(n - 40 + 12));
    assert_int_equal(decode(DLT_EN10MB, b, h + n + 12, &p), SS_PKT_TCP);
    check_tcp(&p, b + h, n + 12, 6, 84 + 12, 17, 17);

    /* ESP and no-next-header end the walk */
    n = put_ipv6_ext_tcp(b + h, 0);
    b[h + 48] = 50;
    assert_int_equal(decode(DLT_EN10MB, b, h + n, &p), SS_PKT_NOT_TCP);
    b[h + 48] = 59;
    assert_int_equal(decode(DLT_EN10MB, b, h + n, &p), SS_PKT_NOT_TCP);
    /* hop-by-hop anywhere but first is malformed (RFC 8200 §4.3) */
    b[h + 48] = 0;
    assert_int_equal(decode(DLT_EN10MB, b, h + n, &p), SS_PKT_INVALID);

    /* nine destination options headers: past the walk bound */
    for (i = 0; i < 9; i++) {
        b[h + 40 + 8 * i] = i < 8 ? 60 : 6;
        b[h + 40 + 8 * i + 1] = 0;
        memset(b + h + 40 + 8 * i + 2, 0, 6);
    }
    n = 40 + 72 + put_tcp(b + h + 40 + 72, 5, 0);
    put_ipv6_hdr(b + h, 60, (uint16_t)(n - 40));
    assert_int_equal(decode(DLT_EN10MB, b, h + n, &p), SS_PKT_INVALID);
    /* eight are fine */
    b[h + 40 + 8 * 7] = 6;
    memmove(b + h + 40 + 64, b + h + 40 + 72, 20);
    put_ipv6_hdr(b + h, 60, (uint16_t)(64 + 20));
    assert_int_equal(decode(DLT_EN10MB, b, h + 40 + 64 + 20, &p), SS_PKT_TCP);
    assert_int_equal(p.dport, DPORT);

    /* a jumbogram (payload length 0, RFC 2675) is refused */
    n = put_ipv6_ext_tcp(b + h, 5);
    be16(b + h + 4, 0);
    assert_int_equal(decode(DLT_EN10MB, b, h + n, &p), SS_PKT_INVALID);
}

static void test_ethernet_padding(void **state)
{
    uint8_t b[60];
    ss_packet p;
    size_t h = put_eth(b, 0x0800), n = put_ipv4_tcp(b + h, 5, 5, 0);

    (void)state;
    assert_int_equal(h + n, 54);
    memset(b + h + n, 0xee, sizeof b - h - n); /* padding to the 60-byte minimum */
    assert_int_equal(decode(DLT_EN10MB, b, sizeof b, &p), SS_PKT_TCP);
    check_tcp(&p, b + h, n, 4, 40, 0, 0);

    /* IPv6 too: the payload length, not the frame, says where it ends */
    uint8_t b6[200];
    h = put_eth(b6, 0x86dd);
    n = put_ipv6_ext_tcp(b6 + h, 2);
    memset(b6 + h + n, 0xee, 30);
    assert_int_equal(decode(DLT_EN10MB, b6, h + n + 30, &p), SS_PKT_TCP);
    check_tcp(&p, b6 + h, n, 6, 84, 2, 2);
}

static void test_snaplen_cut_payload(void **state)
{
    struct timeval ts = {5, 0};
    uint8_t b[256];
    ss_packet p;
    size_t h = put_eth(b, 0x0800), n = put_ipv4_tcp(b + h, 5, 5, 100);

    (void)state;
    assert_int_equal(
        ss_packet_decode(DLT_EN10MB, &ts, b, (uint32_t)(h + 70), (uint32_t)(h + n), NULL, &p),
        SS_PKT_TCP);
    check_tcp(&p, b + h, 70, 4, 40, 30, 100);
    assert_true(p.payload_declared > p.payload_len);
    assert_int_equal(p.wire_len, h + n);
}

static void test_truncated_and_invalid(void **state)
{
    struct timeval ts = {5, 0};
    uint8_t b[256];
    ss_packet p;
    size_t h = put_eth(b, 0x0800), n = put_ipv4_tcp(b + h, 5, 8, 10);

    (void)state;
    /* TCP header (32 bytes with options) cut by the capture */
    assert_int_equal(
        ss_packet_decode(DLT_EN10MB, &ts, b, (uint32_t)(h + 20 + 10), (uint32_t)(h + n), NULL, &p),
        SS_PKT_TRUNCATED);
    assert_int_equal(
        ss_packet_decode(DLT_EN10MB, &ts, b, (uint32_t)(h + 20 + 25), (uint32_t)(h + n), NULL, &p),
        SS_PKT_TRUNCATED);
    /* the same bytes as the whole frame: a runt on the wire, not our capture */
    assert_int_equal(decode(DLT_EN10MB, b, h + 20 + 25, &p), SS_PKT_INVALID);

    /* bad IHL */
    n = put_ipv4_tcp(b + h, 5, 5, 10);
    b[h] = 0x44;
    assert_int_equal(decode(DLT_EN10MB, b, h + n, &p), SS_PKT_INVALID);
    /* wrong version behind the IPv4 ethertype */
    b[h] = 0x65;
    assert_int_equal(decode(DLT_EN10MB, b, h + n, &p), SS_PKT_INVALID);
    /* total length shorter than the header, and 0 */
    n = put_ipv4_tcp(b + h, 6, 5, 10);
    be16(b + h + 2, 20);
    assert_int_equal(decode(DLT_EN10MB, b, h + n, &p), SS_PKT_INVALID);
    be16(b + h + 2, 0);
    assert_int_equal(decode(DLT_EN10MB, b, h + n, &p), SS_PKT_INVALID);
    /* total length that leaves no room for the TCP header */
    be16(b + h + 2, 24 + 12);
    assert_int_equal(decode(DLT_EN10MB, b, h + n, &p), SS_PKT_INVALID);

    /* TCP data offset below 5 */
    n = put_ipv4_tcp(b + h, 5, 5, 10);
    b[h + 20 + 12] = 4 << 4;
    assert_int_equal(decode(DLT_EN10MB, b, h + n, &p), SS_PKT_INVALID);
    /* data offset past the segment, even when the capture is also cut */
    b[h + 20 + 12] = 15 << 4;
    assert_int_equal(decode(DLT_EN10MB, b, h + n, &p), SS_PKT_INVALID);
    assert_int_equal(
        ss_packet_decode(DLT_EN10MB, &ts, b, (uint32_t)(h + 40), (uint32_t)(h + n), NULL, &p),
        SS_PKT_INVALID);
}

static void test_not_ip_not_tcp(void **state)
{
    uint8_t b[256];
    ss_packet p;
    size_t h, n;

    (void)state;
    h = put_eth(b, 0x0806); /* ARP */
    memset(b + h, 0, 28);
    assert_int_equal(decode(DLT_EN10MB, b, h + 28, &p), SS_PKT_NOT_IP);
    h = put_eth(b, 46); /* 802.3 length: LLC follows */
    memset(b + h, 0x42, 46);
    assert_int_equal(decode(DLT_EN10MB, b, h + 46, &p), SS_PKT_NOT_IP);
    h = put_eth(b, 0x8100); /* ARP inside a VLAN */
    be16(b + h, 5);
    be16(b + h + 2, 0x0806);
    assert_int_equal(decode(DLT_EN10MB, b, h + 4 + 28, &p), SS_PKT_NOT_IP);

    h = put_eth(b, 0x0800); /* UDP */
    n = put_ipv4_tcp(b + h, 5, 5, 10);
    b[h + 9] = 17;
    assert_int_equal(decode(DLT_EN10MB, b, h + n, &p), SS_PKT_NOT_TCP);
    assert_int_equal(p.ip_version, 4);
    assert_memory_equal(p.src, V4_SRC, 4);
    b[h + 9] = 1; /* ICMP */
    assert_int_equal(decode(DLT_EN10MB, b, h + n, &p), SS_PKT_NOT_TCP);

    h = put_eth(b, 0x86dd); /* UDP over IPv6 after extension headers */
    n = put_ipv6_ext_tcp(b + h, 10);
    b[h + 48] = 17;
    assert_int_equal(decode(DLT_EN10MB, b, h + n, &p), SS_PKT_NOT_TCP);
    assert_int_equal(p.ip_version, 6);
}

static void test_unsupported_link(void **state)
{
    static const int supported[] = {DLT_EN10MB, DLT_LINUX_SLL, 276,      DLT_RAW, 101,
                                    228,        229,           DLT_NULL, DLT_LOOP};
    static const int unsupported[] = {-1, 105 /* 802.11 */, 127 /* radiotap */, 9, 100000};
    uint8_t b[128];
    ss_packet p;
    size_t i, n = put_ipv4_tcp(b, 5, 5, 0);

    (void)state;
    for (i = 0; i < sizeof supported / sizeof supported[0]; i++)
        assert_true(ss_packet_linktype_supported(supported[i]));
    for (i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++) {
        assert_false(ss_packet_linktype_supported(unsupported[i]));
        assert_int_equal(decode(unsupported[i], b, n, &p), SS_PKT_UNSUPPORTED_LINK);
    }
}

/* Fragments: without a table they are dropped; cut ones are truncated; non-TCP ones cost nothing
 * (the full reassembly paths are in test_ipfrag.c). */
static void test_fragments_without_table(void **state)
{
    struct timeval ts = {1, 0};
    uint8_t b[256];
    ss_packet p;
    ss_mem mem = {0};
    ss_ipfrag *f;
    ss_ipfrag_stats s;
    size_t h = put_eth(b, 0x0800);

    (void)state;
    put_ipv4_tcp(b + h, 5, 5, 60);
    be16(b + h + 6, 0x2000);  /* MF, offset 0 */
    be16(b + h + 2, 20 + 40); /* the first 40 bytes of the segment */
    assert_int_equal(decode(DLT_EN10MB, b, h + 60, &p), SS_PKT_FRAG_DROPPED);

    f = ss_ipfrag_new(&mem, 4, 30);
    assert_non_null(f);
    assert_int_equal(
        ss_packet_decode(DLT_EN10MB, &ts, b, (uint32_t)(h + 50), (uint32_t)(h + 60), f, &p),
        SS_PKT_TRUNCATED);
    b[h + 9] = 17;
    assert_int_equal(
        ss_packet_decode(DLT_EN10MB, &ts, b, (uint32_t)(h + 60), (uint32_t)(h + 60), f, &p),
        SS_PKT_NOT_TCP);
    ss_ipfrag_get_stats(f, &s);
    assert_int_equal(s.fragments, 0);
    b[h + 9] = 6;
    assert_int_equal(
        ss_packet_decode(DLT_EN10MB, &ts, b, (uint32_t)(h + 60), (uint32_t)(h + 60), f, &p),
        SS_PKT_FRAG_HELD);
    ss_ipfrag_get_stats(f, &s);
    assert_int_equal(s.fragments, 1);
    ss_ipfrag_free(f);
    assert_int_equal(mem.used, 0);
}

/* Every prefix of a valid frame, each in an allocation of exactly its size: cut headers are
 * TRUNCATED when the wire length says more was sent, INVALID when it does not, and once the
 * headers are whole the captured payload grows by one byte at a time. */
static void prefixes(int lt, const uint8_t *frame, size_t len, size_t hdr_end, size_t paylen)
{
    struct timeval ts = {0, 0};
    ss_packet p;
    size_t k;
    ss_pkt_status st;

    for (k = 0; k <= len; k++) {
        uint8_t *copy = malloc(k ? k : 1);
        assert_non_null(copy);
        memcpy(copy, frame, k);
        st = ss_packet_decode(lt, &ts, copy, (uint32_t)k, (uint32_t)len, NULL, &p);
        if (k < hdr_end) {
            assert_int_equal(st, SS_PKT_TRUNCATED);
        } else {
            assert_int_equal(st, SS_PKT_TCP);
            assert_int_equal(p.payload_len, k - hdr_end);
            assert_int_equal(p.payload_declared, paylen);
            assert_ptr_equal(p.payload, copy + hdr_end);
        }
        st = ss_packet_decode(lt, &ts, copy, (uint32_t)k, (uint32_t)k, NULL, &p);
        if (k < hdr_end)
            assert_int_equal(st, SS_PKT_INVALID);
        else
            assert_int_equal(st, SS_PKT_TCP);
        free(copy);
    }
}

static void test_every_prefix(void **state)
{
    uint8_t b[512];
    size_t h, n;

    (void)state;
    h = put_eth(b, 0x8100);
    be16(b + h, 7);
    be16(b + h + 2, 0x0800);
    h += 4;
    n = put_ipv4_tcp(b + h, 7, 6, 25);
    prefixes(DLT_EN10MB, b, h + n, h + 28 + 24, 25);

    h = put_eth(b, 0x86dd);
    n = put_ipv6_ext_tcp(b + h, 19);
    prefixes(DLT_EN10MB, b, h + n, h + 84, 19);

    h = put_sll(b, 0x0800);
    n = put_ipv4_tcp(b + h, 5, 5, 4);
    prefixes(DLT_LINUX_SLL, b, h + n, h + 40, 4);

    h = put_sll2(b, 0x86dd);
    n = put_ipv6_ext_tcp(b + h, 3);
    prefixes(DLT_LINUX_SLL2, b, h + n, h + 84, 3);

    be32(b, 30);
    n = put_ipv6_ext_tcp(b + 4, 6);
    prefixes(DLT_NULL, b, 4 + n, 4 + 84, 6);
    prefixes(DLT_LOOP, b, 4 + n, 4 + 84, 6);

    n = put_ipv4_tcp(b, 5, 5, 8);
    prefixes(DLT_RAW, b, n, 40, 8);
    prefixes(228, b, n, 40, 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ethernet_ipv4),
        cmocka_unit_test(test_vlan_tags),
        cmocka_unit_test(test_sll_sll2),
        cmocka_unit_test(test_raw),
        cmocka_unit_test(test_null_loop),
        cmocka_unit_test(test_ipv4_options),
        cmocka_unit_test(test_ipv6_extension_headers),
        cmocka_unit_test(test_ethernet_padding),
        cmocka_unit_test(test_snaplen_cut_payload),
        cmocka_unit_test(test_truncated_and_invalid),
        cmocka_unit_test(test_not_ip_not_tcp),
        cmocka_unit_test(test_unsupported_link),
        cmocka_unit_test(test_fragments_without_table),
        cmocka_unit_test(test_every_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

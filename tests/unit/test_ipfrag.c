/* test_ipfrag.c — IP fragment reassembly: a TCP segment split into three IPv4 or IPv6 fragments
 * and decoded through ss_packet_decode (in order, reversed, duplicated, overlapping), conflicting
 * overlaps, timeouts, the datagram cap, the memory budget and the size limits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pcap/dlt.h>
#include <string.h>

#include "capture/ipfrag.h"
#include "capture/packet.h"

enum { SEG_PAYLOAD = 1000, SEG_LEN = 20 + SEG_PAYLOAD, SPORT = 50000, DPORT = 8080 };
static const uint8_t V4_SRC[4] = {10, 0, 0, 1}, V4_DST[4] = {10, 0, 0, 2};
static const uint8_t V6_SRC[16] = {0xfd, 0, [15] = 1}, V6_DST[16] = {0xfd, 0, [15] = 2};

/* Three fragments of one segment: [0,400), [400,800), [800,1020). */
static const uint32_t CUT[4] = {0, 400, 800, SEG_LEN};

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

/* A TCP segment whose payload depends on salt, so datagrams cannot be confused. */
static void make_segment(uint8_t *seg, uint8_t salt)
{
    size_t i;

    memset(seg, 0, 20);
    be16(seg, SPORT);
    be16(seg + 2, DPORT);
    be32(seg + 4, 0x11223344u + salt);
    be32(seg + 8, 0x55667788u);
    seg[12] = 5 << 4;
    seg[13] = SS_TH_ACK | SS_TH_PUSH;
    be16(seg + 14, 1024);
    for (i = 20; i < SEG_LEN; i++)
        seg[i] = (uint8_t)(i * 13 + salt);
}

/* Ethernet + IPv4 fragment carrying data[off, off+len); returns the frame length. */
static size_t v4_frag(uint8_t *b, uint16_t id, uint8_t proto, const uint8_t *data, uint32_t off,
                      uint32_t len, int more)
{
    memset(b, 0xaa, 12);
    be16(b + 12, 0x0800);
    memset(b + 14, 0, 20);
    b[14] = 0x45;
    be16(b + 16, (uint16_t)(20 + len));
    be16(b + 18, id);
    be16(b + 20, (uint16_t)((more ? 0x2000 : 0) | (off / 8)));
    b[22] = 64;
    b[23] = proto;
    memcpy(b + 26, V4_SRC, 4);
    memcpy(b + 30, V4_DST, 4);
    memcpy(b + 34, data + off, len);
    return 34 + len;
}

/* Ethernet + IPv6 + fragment header (next header nh) carrying data[off, off+len). */
static size_t v6_frag(uint8_t *b, uint32_t id, uint8_t nh, const uint8_t *data, uint32_t off,
                      uint32_t len, int more)
{
    memset(b, 0xaa, 12);
    be16(b + 12, 0x86dd);
    memset(b + 14, 0, 40);
    b[14] = 0x60;
    be16(b + 18, (uint16_t)(8 + len));
    b[20] = 44;
    b[21] = 64;
    memcpy(b + 22, V6_SRC, 16);
    memcpy(b + 38, V6_DST, 16);
    b[54] = nh;
    b[55] = 0;
    be16(b + 56, (uint16_t)(off | (more ? 1 : 0)));
    be32(b + 58, id);
    memcpy(b + 62, data + off, len);
    return 62 + len;
}

static ss_pkt_status feed(ss_ipfrag *f, int version, const uint8_t *seg, uint32_t data_len,
                          uint32_t off, uint32_t end, long sec, ss_packet *p)
{
    uint8_t frame[2048];
    struct timeval ts = {sec, 0};
    size_t n = version == 4 ? v4_frag(frame, 77, 6, seg, off, end - off, end < data_len)
                            : v6_frag(frame, 77, 6, seg, off, end - off, end < data_len);
    return ss_packet_decode(DLT_EN10MB, &ts, frame, (uint32_t)n, (uint32_t)n, f, p);
}

/* The rebuilt segment matches the original, field by field and byte by byte. */
static void check_rebuilt(const ss_packet *p, const uint8_t *seg, int version)
{
    assert_int_equal(p->from_fragments, 1);
    assert_null(p->l3);
    assert_int_equal(p->l3_len, 0);
    assert_int_equal(p->ip_version, version);
    assert_memory_equal(p->src, version == 4 ? V4_SRC : V6_SRC, version == 4 ? 4 : 16);
    assert_memory_equal(p->dst, version == 4 ? V4_DST : V6_DST, version == 4 ? 4 : 16);
    assert_int_equal(p->sport, SPORT);
    assert_int_equal(p->dport, DPORT);
    assert_int_equal(p->seq, ((uint32_t)seg[4] << 24) | ((uint32_t)seg[5] << 16) |
                                 ((uint32_t)seg[6] << 8) | seg[7]);
    assert_int_equal(p->payload_len, SEG_PAYLOAD);
    assert_int_equal(p->payload_declared, SEG_PAYLOAD);
    assert_memory_equal(p->payload, seg + 20, SEG_PAYLOAD);
}

static void check_stats(const ss_ipfrag *f, uint64_t fragments, uint64_t reassembled,
                        uint64_t dropped)
{
    ss_ipfrag_stats s;

    ss_ipfrag_get_stats(f, &s);
    assert_int_equal(s.fragments, fragments);
    assert_int_equal(s.reassembled, reassembled);
    assert_int_equal(s.dropped, dropped);
}

/* Feeds the three fragments in the order given (indexes into CUT). */
static void three_fragments(int version, const int order[3])
{
    uint8_t seg[SEG_LEN];
    ss_mem mem = {0};
    ss_ipfrag *f = ss_ipfrag_new(&mem, 8, 30);
    ss_packet p;
    int i;

    make_segment(seg, (uint8_t)(order[0] * 3 + version));
    assert_non_null(f);
    for (i = 0; i < 3; i++) {
        ss_pkt_status st =
            feed(f, version, seg, SEG_LEN, CUT[order[i]], CUT[order[i] + 1], 10 + i, &p);
        assert_int_equal(st, i < 2 ? SS_PKT_FRAG_HELD : SS_PKT_TCP);
    }
    check_rebuilt(&p, seg, version);
    check_stats(f, 3, 1, 0);
    ss_ipfrag_free(f);
    assert_int_equal(mem.used, 0);
}

static void test_v4_in_order(void **state)
{
    static const int order[3] = {0, 1, 2};
    (void)state;
    three_fragments(4, order);
}

static void test_v4_reverse_order(void **state)
{
    static const int order[3] = {2, 1, 0}, mixed[3] = {1, 2, 0};
    (void)state;
    three_fragments(4, order);
    three_fragments(4, mixed);
}

static void test_v6_fragment_header(void **state)
{
    static const int order[3] = {0, 1, 2}, reverse[3] = {2, 0, 1};
    uint8_t data[8 + SEG_LEN], frame[2048];
    struct timeval ts = {1, 0};
    ss_mem mem = {0};
    ss_ipfrag *f;
    ss_packet p;
    size_t n;

    (void)state;
    three_fragments(6, order);
    three_fragments(6, reverse);

    /* a destination options header inside the fragmentable part, walked after reassembly */
    f = ss_ipfrag_new(&mem, 8, 30);
    assert_non_null(f);
    memset(data, 0, 8);
    data[0] = 6;
    make_segment(data + 8, 9);
    n = v6_frag(frame, 5, 60, data, 0, 504, 1);
    assert_int_equal(ss_packet_decode(DLT_EN10MB, &ts, frame, (uint32_t)n, (uint32_t)n, f, &p),
                     SS_PKT_FRAG_HELD);
    n = v6_frag(frame, 5, 60, data, 504, 8 + SEG_LEN - 504, 0);
    assert_int_equal(ss_packet_decode(DLT_EN10MB, &ts, frame, (uint32_t)n, (uint32_t)n, f, &p),
                     SS_PKT_TCP);
    check_rebuilt(&p, data + 8, 6);

    /* an atomic fragment (offset 0, no more) is the whole datagram: no table involved */
    make_segment(data, 2);
    n = v6_frag(frame, 6, 6, data, 0, SEG_LEN, 0);
    assert_int_equal(ss_packet_decode(DLT_EN10MB, &ts, frame, (uint32_t)n, (uint32_t)n, f, &p),
                     SS_PKT_TCP);
    assert_int_equal(p.from_fragments, 0);
    assert_int_equal(p.payload_len, SEG_PAYLOAD);
    check_stats(f, 2, 1, 0);

    /* fragments of UDP are not kept */
    n = v6_frag(frame, 7, 17, data, 0, 512, 1);
    assert_int_equal(ss_packet_decode(DLT_EN10MB, &ts, frame, (uint32_t)n, (uint32_t)n, f, &p),
                     SS_PKT_NOT_TCP);
    check_stats(f, 2, 1, 0);
    ss_ipfrag_free(f);
    assert_int_equal(mem.used, 0);
}

static void test_duplicates_and_identical_overlap(void **state)
{
    uint8_t seg[SEG_LEN];
    ss_mem mem = {0};
    ss_ipfrag *f = ss_ipfrag_new(&mem, 8, 30);
    ss_packet p;

    (void)state;
    make_segment(seg, 1);
    assert_non_null(f);
    assert_int_equal(feed(f, 4, seg, SEG_LEN, 0, 400, 1, &p), SS_PKT_FRAG_HELD);
    assert_int_equal(feed(f, 4, seg, SEG_LEN, 0, 400, 1, &p), SS_PKT_FRAG_HELD);
    assert_int_equal(feed(f, 4, seg, SEG_LEN, 200, 600, 1, &p), SS_PKT_FRAG_HELD);
    assert_int_equal(feed(f, 4, seg, SEG_LEN, 800, SEG_LEN, 1, &p), SS_PKT_FRAG_HELD);
    assert_int_equal(feed(f, 4, seg, SEG_LEN, 800, SEG_LEN, 1, &p), SS_PKT_FRAG_HELD);
    /* fills the last hole [600, 800) and overlaps both sides */
    assert_int_equal(feed(f, 4, seg, SEG_LEN, 400, 808, 1, &p), SS_PKT_TCP);
    check_rebuilt(&p, seg, 4);
    check_stats(f, 6, 1, 0);
    ss_ipfrag_free(f);
    assert_int_equal(mem.used, 0);
}

static void test_conflicting_overlap(void **state)
{
    uint8_t seg[SEG_LEN], evil[SEG_LEN];
    ss_mem mem = {0};
    ss_ipfrag *f = ss_ipfrag_new(&mem, 8, 30);
    ss_packet p;

    (void)state;
    make_segment(seg, 2);
    memcpy(evil, seg, sizeof evil);
    evil[300] ^= 0x20; /* one byte differs where it overlaps fragment 1 */
    assert_non_null(f);
    assert_int_equal(feed(f, 4, seg, SEG_LEN, 0, 400, 1, &p), SS_PKT_FRAG_HELD);
    assert_int_equal(feed(f, 4, evil, SEG_LEN, 200, 600, 1, &p), SS_PKT_FRAG_DROPPED);
    check_stats(f, 2, 0, 2);
    /* the datagram is gone: the rest starts a new one that lacks its head */
    assert_int_equal(feed(f, 4, seg, SEG_LEN, 400, 800, 1, &p), SS_PKT_FRAG_HELD);
    assert_int_equal(feed(f, 4, seg, SEG_LEN, 800, SEG_LEN, 1, &p), SS_PKT_FRAG_HELD);
    check_stats(f, 4, 0, 2);

    /* two last fragments that disagree on the end */
    assert_int_equal(feed(f, 4, seg, SEG_LEN - 4, 800, SEG_LEN - 4, 1, &p), SS_PKT_FRAG_DROPPED);
    check_stats(f, 5, 0, 5);
    /* a middle fragment past a known end */
    assert_int_equal(feed(f, 4, seg, SEG_LEN - 20, 800, SEG_LEN - 20, 1, &p), SS_PKT_FRAG_HELD);
    assert_int_equal(feed(f, 4, seg, SEG_LEN, 0, 1008, 1, &p), SS_PKT_FRAG_DROPPED);
    check_stats(f, 7, 0, 7);
    ss_ipfrag_free(f);
    assert_int_equal(mem.used, 0);
}

static void test_timeout(void **state)
{
    uint8_t seg[SEG_LEN];
    struct timeval t = {130, 0};
    ss_mem mem = {0};
    ss_ipfrag *f = ss_ipfrag_new(&mem, 8, 30);
    ss_packet p;

    (void)state;
    make_segment(seg, 3);
    assert_non_null(f);
    assert_int_equal(feed(f, 4, seg, SEG_LEN, 0, 400, 100, &p), SS_PKT_FRAG_HELD);
    ss_ipfrag_expire(f, &t); /* exactly the timeout: still waiting */
    check_stats(f, 1, 0, 0);
    t.tv_usec = 1;
    ss_ipfrag_expire(f, &t);
    check_stats(f, 1, 0, 1);
    assert_int_equal(feed(f, 4, seg, SEG_LEN, 400, 800, 131, &p), SS_PKT_FRAG_HELD);
    assert_int_equal(feed(f, 4, seg, SEG_LEN, 800, SEG_LEN, 131, &p), SS_PKT_FRAG_HELD);
    check_stats(f, 3, 0, 1);

    /* expiry also happens as fragments arrive: the first two are too old for the third */
    assert_int_equal(feed(f, 4, seg, SEG_LEN, 0, 400, 200, &p), SS_PKT_FRAG_HELD);
    assert_int_equal(feed(f, 4, seg, SEG_LEN, 400, 800, 229, &p), SS_PKT_FRAG_HELD);
    assert_int_equal(feed(f, 4, seg, SEG_LEN, 800, SEG_LEN, 231, &p), SS_PKT_FRAG_HELD);
    check_stats(f, 6, 0, 5);
    ss_ipfrag_free(f);
    assert_int_equal(mem.used, 0);
}

static void test_datagram_cap(void **state)
{
    uint8_t seg[3][SEG_LEN];
    const uint8_t *out = NULL;
    uint32_t out_len = 0;
    struct timeval ts = {1, 0};
    ss_mem mem = {0};
    ss_ipfrag *f = ss_ipfrag_new(&mem, 2, 30);
    uint32_t id;

    (void)state;
    assert_non_null(f);
    for (id = 0; id < 3; id++) {
        make_segment(seg[id], (uint8_t)(id * 50));
        assert_int_equal(
            ss_ipfrag_add(f, &ts, 4, V4_SRC, V4_DST, id, 6, 0, 1, seg[id], 400, &out, &out_len),
            SS_FRAG_HELD);
    }
    check_stats(f, 3, 0, 1); /* id 0, the oldest, made room for id 2 */
    /* id 2 and id 1 are still there */
    assert_int_equal(ss_ipfrag_add(f, &ts, 4, V4_SRC, V4_DST, 2, 6, 400, 0, seg[2] + 400,
                                   SEG_LEN - 400, &out, &out_len),
                     SS_FRAG_DONE);
    assert_int_equal(out_len, SEG_LEN);
    assert_memory_equal(out, seg[2], SEG_LEN);
    assert_int_equal(ss_ipfrag_add(f, &ts, 4, V4_SRC, V4_DST, 1, 6, 400, 0, seg[1] + 400,
                                   SEG_LEN - 400, &out, &out_len),
                     SS_FRAG_DONE);
    assert_memory_equal(out, seg[1], SEG_LEN);
    /* id 0 lost its head */
    assert_int_equal(ss_ipfrag_add(f, &ts, 4, V4_SRC, V4_DST, 0, 6, 400, 0, seg[0] + 400,
                                   SEG_LEN - 400, &out, &out_len),
                     SS_FRAG_HELD);
    check_stats(f, 6, 2, 1);
    ss_ipfrag_free(f);
    assert_int_equal(mem.used, 0);
}

/* Datagrams with the same id are kept apart by version, addresses and protocol. */
static void test_keys_kept_apart(void **state)
{
    uint8_t a[SEG_LEN], b[SEG_LEN], c[SEG_LEN];
    const uint8_t *out = NULL;
    uint32_t out_len = 0;
    struct timeval ts = {1, 0};
    ss_mem mem = {0};
    ss_ipfrag *f = ss_ipfrag_new(&mem, 8, 30);

    (void)state;
    make_segment(a, 1);
    make_segment(b, 2);
    make_segment(c, 3);
    assert_non_null(f);
    assert_int_equal(ss_ipfrag_add(f, &ts, 4, V4_SRC, V4_DST, 9, 6, 0, 1, a, 400, &out, &out_len),
                     SS_FRAG_HELD);
    assert_int_equal(ss_ipfrag_add(f, &ts, 6, V6_SRC, V6_DST, 9, 6, 0, 1, b, 400, &out, &out_len),
                     SS_FRAG_HELD);
    assert_int_equal(ss_ipfrag_add(f, &ts, 4, V4_DST, V4_SRC, 9, 6, 0, 1, c, 400, &out, &out_len),
                     SS_FRAG_HELD);
    assert_int_equal(ss_ipfrag_add(f, &ts, 4, V4_DST, V4_SRC, 9, 6, 400, 0, c + 400, SEG_LEN - 400,
                                   &out, &out_len),
                     SS_FRAG_DONE);
    assert_memory_equal(out, c, SEG_LEN);
    assert_int_equal(ss_ipfrag_add(f, &ts, 6, V6_SRC, V6_DST, 9, 6, 400, 0, b + 400, SEG_LEN - 400,
                                   &out, &out_len),
                     SS_FRAG_DONE);
    assert_memory_equal(out, b, SEG_LEN);
    /* another protocol with the same id does not complete a */
    assert_int_equal(ss_ipfrag_add(f, &ts, 4, V4_SRC, V4_DST, 9, 17, 400, 0, a + 400, SEG_LEN - 400,
                                   &out, &out_len),
                     SS_FRAG_HELD);
    assert_int_equal(ss_ipfrag_add(f, &ts, 4, V4_SRC, V4_DST, 9, 6, 400, 0, a + 400, SEG_LEN - 400,
                                   &out, &out_len),
                     SS_FRAG_DONE);
    assert_memory_equal(out, a, SEG_LEN);
    ss_ipfrag_free(f);
    assert_int_equal(mem.used, 0);
}

static void test_bad_fragments_and_size_limit(void **state)
{
    uint8_t big[65535 + 8];
    const uint8_t *out = NULL;
    uint32_t out_len = 0, i;
    struct timeval ts = {1, 0};
    ss_mem mem = {0};
    ss_ipfrag *f = ss_ipfrag_new(&mem, 8, 30);

    (void)state;
    for (i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i ^ (i >> 8));
    assert_non_null(f);
    /* empty, past 65535, a middle fragment that is not a multiple of 8, a misaligned offset */
    assert_int_equal(ss_ipfrag_add(f, &ts, 4, V4_SRC, V4_DST, 1, 6, 0, 1, big, 0, &out, &out_len),
                     SS_FRAG_DROPPED);
    assert_int_equal(
        ss_ipfrag_add(f, &ts, 4, V4_SRC, V4_DST, 1, 6, 65528, 0, big, 8, &out, &out_len),
        SS_FRAG_DROPPED);
    assert_int_equal(ss_ipfrag_add(f, &ts, 4, V4_SRC, V4_DST, 1, 6, 0, 1, big, 12, &out, &out_len),
                     SS_FRAG_DROPPED);
    assert_int_equal(ss_ipfrag_add(f, &ts, 4, V4_SRC, V4_DST, 1, 6, 4, 0, big, 8, &out, &out_len),
                     SS_FRAG_DROPPED);
    check_stats(f, 4, 0, 4);

    /* the largest datagram: 65535 bytes */
    assert_int_equal(
        ss_ipfrag_add(f, &ts, 6, V6_SRC, V6_DST, 2, 6, 65528, 0, big + 65528, 7, &out, &out_len),
        SS_FRAG_HELD);
    assert_int_equal(
        ss_ipfrag_add(f, &ts, 6, V6_SRC, V6_DST, 2, 6, 0, 1, big, 65528, &out, &out_len),
        SS_FRAG_DONE);
    assert_int_equal(out_len, 65535);
    assert_memory_equal(out, big, 65535);
    check_stats(f, 6, 1, 4);
    ss_ipfrag_free(f);
    assert_int_equal(mem.used, 0);
}

/* Under a tight budget older datagrams make room for newer ones; nothing passes the cap. */
static void test_memory_budget(void **state)
{
    uint8_t seg[SEG_LEN], big[8192];
    const uint8_t *out = NULL;
    uint32_t out_len = 0, id;
    struct timeval ts = {1, 0};
    ss_mem mem = {0};
    ss_ipfrag *f;
    ss_ipfrag_stats s;
    ss_frag_result r;

    (void)state;
    make_segment(seg, 4);
    mem.cap = 1 << 20;
    f = ss_ipfrag_new(&mem, 64, 30);
    assert_non_null(f);
    mem.cap = mem.used + 3000; /* room for about two held halves */
    for (id = 0; id < 20; id++) {
        assert_int_equal(
            ss_ipfrag_add(f, &ts, 4, V4_SRC, V4_DST, id, 6, 0, 1, seg, 504, &out, &out_len),
            SS_FRAG_HELD);
        assert_true(mem.used <= mem.cap);
    }
    ss_ipfrag_get_stats(f, &s);
    assert_true(s.dropped >= 20 - 3000 / 504);
    /* the newest can still complete */
    r = ss_ipfrag_add(f, &ts, 4, V4_SRC, V4_DST, 19, 6, 504, 0, seg + 504, SEG_LEN - 504, &out,
                      &out_len);
    assert_int_equal(r, SS_FRAG_DONE);
    assert_memory_equal(out, seg, SEG_LEN);
    assert_true(mem.used <= mem.cap);

    /* a datagram bigger than the whole budget is given up and counted */
    ss_ipfrag_get_stats(f, &s);
    memset(big, 0x5a, sizeof big);
    r = ss_ipfrag_add(f, &ts, 4, V4_SRC, V4_DST, 99, 6, 0, 1, big, sizeof big, &out, &out_len);
    assert_int_equal(r, SS_FRAG_DROPPED);
    check_stats(f, s.fragments + 1, s.reassembled, s.dropped + 1);
    assert_true(mem.used <= mem.cap);
    assert_true(mem.denied > 0);
    ss_ipfrag_free(f);
    assert_int_equal(mem.used, 0);
}

static void test_null_table(void **state)
{
    const uint8_t *out = NULL;
    uint32_t out_len = 0;
    uint8_t d[8] = {0};
    struct timeval ts = {1, 0};
    ss_ipfrag_stats s;

    (void)state;
    assert_null(ss_ipfrag_new(NULL, 4, 30));
    assert_int_equal(ss_ipfrag_add(NULL, &ts, 4, V4_SRC, V4_DST, 1, 6, 0, 1, d, 8, &out, &out_len),
                     SS_FRAG_DROPPED);
    ss_ipfrag_expire(NULL, &ts);
    ss_ipfrag_get_stats(NULL, &s);
    assert_int_equal(s.fragments, 0);
    ss_ipfrag_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v4_in_order),
        cmocka_unit_test(test_v4_reverse_order),
        cmocka_unit_test(test_v6_fragment_header),
        cmocka_unit_test(test_duplicates_and_identical_overlap),
        cmocka_unit_test(test_conflicting_overlap),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_datagram_cap),
        cmocka_unit_test(test_keys_kept_apart),
        cmocka_unit_test(test_bad_fragments_and_size_limit),
        cmocka_unit_test(test_memory_budget),
        cmocka_unit_test(test_null_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

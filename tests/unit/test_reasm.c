/* test_reasm.c — unit tests for TCP stream reassembly (capture/reasm.c).
 *
 * A recording sink rebuilds the stream by offset (data bytes and gap marks) and checks, at
 * every event, that r->offset matches what it has been handed and that the memory budget is
 * never passed. Expected counters come from a byte-bitmap model of the same rules, never from
 * literal numbers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture/reasm.h"

#define STREAM_LEN 3000u
#define MAX_GAPS   64u

typedef struct rec {
    uint8_t *out;   /* stream bytes by offset */
    uint8_t *isgap; /* 1 where the offset was reported as a gap */
    size_t cap;     /* size of out/isgap; events past it are only counted */
    uint64_t pos;   /* offset of the next event */
    unsigned ngaps;
    uint64_t gap_at[MAX_GAPS], gap_len[MAX_GAPS];
    unsigned data_calls;
    const uint8_t *src; /* when set, every data pointer must lie inside [src, src + src_len) */
    size_t src_len;
    int bad; /* an invariant broke inside a callback */
    const ss_reasm *r;
    const ss_mem *mem;
} rec;

static void check_invariants(rec *c)
{
    if (c->r->offset != c->pos)
        c->bad = 1;
    if (c->mem->cap && c->mem->used > c->mem->cap)
        c->bad = 1;
    if (c->r->held_bytes > c->r->max_buffer)
        c->bad = 1;
}

static void on_data(void *ctx, const uint8_t *d, size_t n, const struct timeval *ts)
{
    rec *c = ctx;
    (void)ts;
    check_invariants(c);
    if (n == 0)
        c->bad = 1;
    if (c->src && (d < c->src || d + n > c->src + c->src_len))
        c->bad = 1;
    for (size_t i = 0; i < n; i++) {
        if (c->pos + i < c->cap) {
            c->out[c->pos + i] = d[i];
            c->isgap[c->pos + i] = 0;
        }
    }
    c->pos += n;
    c->data_calls++;
}

static void on_gap(void *ctx, uint64_t n, const struct timeval *ts)
{
    rec *c = ctx;
    (void)ts;
    check_invariants(c);
    if (n == 0)
        c->bad = 1;
    if (c->ngaps < MAX_GAPS) {
        c->gap_at[c->ngaps] = c->pos;
        c->gap_len[c->ngaps] = n;
    }
    c->ngaps++;
    for (uint64_t i = 0; i < n && c->pos + i < c->cap; i++)
        c->isgap[c->pos + i] = 1;
    c->pos += n;
}

typedef struct fixture {
    ss_mem mem;
    ss_reasm r;
    rec c;
    ss_reasm_sink sink;
    uint8_t *data;
    size_t len;
    uint32_t isn1; /* sequence number of data[0] */
} fixture;

static void fx_init(fixture *f, size_t len, uint32_t isn1, size_t max_buffer, size_t mem_cap,
                    unsigned seed)
{
    memset(f, 0, sizeof(*f));
    f->mem.cap = mem_cap;
    f->len = len;
    f->isn1 = isn1;
    f->data = malloc(len);
    f->c.cap = len;
    f->c.out = calloc(1, len);
    f->c.isgap = calloc(1, len);
    assert_non_null(f->data);
    assert_non_null(f->c.out);
    assert_non_null(f->c.isgap);
    srand(seed);
    for (size_t i = 0; i < len; i++)
        f->data[i] = (uint8_t)rand();
    ss_reasm_init(&f->r, max_buffer, &f->mem);
    ss_reasm_set_start(&f->r, isn1);
    f->c.r = &f->r;
    f->c.mem = &f->mem;
    f->sink.data = on_data;
    f->sink.gap = on_gap;
    f->sink.ctx = &f->c;
}

static void fx_done(fixture *f)
{
    ss_reasm_free(&f->r);
    assert_int_equal(f->mem.used, 0);
    assert_null(f->r.held);
    free(f->data);
    free(f->c.out);
    free(f->c.isgap);
}

/* Offers bytes [off, off + n) of the fixture's stream. */
static void offer(fixture *f, size_t off, size_t n)
{
    struct timeval ts = {1, 0};
    ss_reasm_segment(&f->r, f->isn1 + (uint32_t)off, f->data + off, (uint32_t)n, &ts, &f->sink);
    assert_false(f->c.bad);
    assert_true(f->mem.cap == 0 || f->mem.used <= f->mem.cap);
    assert_true(f->r.held_bytes <= f->r.max_buffer);
}

static void flush(fixture *f)
{
    struct timeval ts = {2, 0};
    ss_reasm_flush(&f->r, &ts, &f->sink);
    assert_false(f->c.bad);
    assert_null(f->r.held);
    assert_int_equal(f->r.held_bytes, 0);
}

static void ack(fixture *f, size_t off)
{
    struct timeval ts = {3, 0};
    ss_reasm_acked(&f->r, f->isn1 + (uint32_t)off, &ts, &f->sink);
    assert_false(f->c.bad);
}

/* Every offset handed on is either a gap or the original byte; offset = delivered + gaps. */
static void check_consistent(const fixture *f)
{
    uint64_t gaps = 0;
    assert_int_equal(f->r.offset, f->c.pos);
    assert_int_equal(f->r.offset, f->r.delivered + f->r.gap_bytes);
    assert_int_equal(f->r.next_seq, (uint32_t)(f->isn1 + f->r.offset));
    for (size_t i = 0; i < f->c.pos && i < f->len; i++) {
        if (f->c.isgap[i])
            gaps++;
        else
            assert_int_equal(f->c.out[i], f->data[i]);
    }
    if (f->c.pos <= f->len)
        assert_int_equal(gaps, f->r.gap_bytes);
}

/* The whole stream came through, no gaps. */
static void check_exact(const fixture *f)
{
    assert_int_equal(f->c.pos, f->len);
    assert_int_equal(f->r.delivered, f->len);
    assert_int_equal(f->r.gap_bytes, 0);
    assert_int_equal(f->c.ngaps, 0);
    assert_memory_equal(f->c.out, f->data, f->len);
    check_consistent(f);
}

/* ---- segment layouts and the counter model ---- */

typedef struct seg {
    size_t off, len;
} seg;

/* Cuts [0, len) into k contiguous segments of random sizes (each at least 1 byte). */
static void cut(seg *s, unsigned k, size_t len)
{
    size_t off = 0;
    for (unsigned i = 0; i < k; i++) {
        size_t left = len - off, rest = k - i - 1;
        size_t n = i + 1 == k ? left : 1 + (size_t)rand() % (2 * left / (rest + 1));
        if (n > left - rest)
            n = left - rest;
        s[i].off = off;
        s[i].len = n;
        off += n;
    }
}

static void shuffle(unsigned *idx, unsigned k)
{
    for (unsigned i = k; i > 1; i--) {
        unsigned j = (unsigned)rand() % i, t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}

/* What the rules say the counters must be when nothing is capped: a segment is out of order
 * when it starts past the contiguous front, and a retransmission when any byte was seen. */
typedef struct model {
    uint8_t *seen;
    size_t front;
    uint32_t ooo, retrans;
} model;

static void model_offer(model *m, size_t off, size_t n)
{
    int repeat = 0;
    if (off > m->front)
        m->ooo++;
    for (size_t i = off; i < off + n; i++) {
        if (m->seen[i])
            repeat = 1;
        m->seen[i] = 1;
    }
    if (repeat)
        m->retrans++;
    while (m->seen[m->front])
        m->front++;
}

/* Feeds segs in the order idx through both the reassembler and the model, then checks. */
static void run_order(const seg *s, const unsigned *idx, unsigned k, size_t len, uint32_t isn1,
                      unsigned seed)
{
    fixture f;
    model m = {0};
    fx_init(&f, len, isn1, 1 << 20, 1 << 22, seed);
    m.seen = calloc(1, len + 1); /* +1: a sentinel that is never seen */
    assert_non_null(m.seen);
    for (unsigned i = 0; i < k; i++) {
        offer(&f, s[idx[i]].off, s[idx[i]].len);
        model_offer(&m, s[idx[i]].off, s[idx[i]].len);
        assert_int_equal(f.r.offset, m.front);
    }
    assert_null(f.r.held);
    assert_int_equal(f.mem.used, 0);
    flush(&f);
    check_exact(&f);
    assert_int_equal(f.r.out_of_order, m.ooo);
    assert_int_equal(f.r.retransmits, m.retrans);
    assert_int_equal(f.r.overlap_conflicts, 0);
    assert_int_equal(f.r.dropped_bytes, 0);
    free(m.seen);
    fx_done(&f);
}

/* ---- ordering ---- */

static void test_in_order_zero_copy(void **state)
{
    fixture f;
    seg s[12];
    (void)state;
    fx_init(&f, STREAM_LEN, 1000, 1 << 16, 0, 1);
    cut(s, 12, f.len);
    f.c.src = f.data; /* in-order bytes must be the caller's own buffer */
    f.c.src_len = f.len;
    for (unsigned i = 0; i < 12; i++) {
        offer(&f, s[i].off, s[i].len);
        assert_int_equal(f.mem.peak, 0);
    }
    assert_int_equal(f.c.data_calls, 12);
    check_exact(&f);
    assert_int_equal(f.r.out_of_order, 0);
    assert_int_equal(f.r.retransmits, 0);
    fx_done(&f);
}

static void test_reverse(void **state)
{
    seg s[12];
    unsigned idx[12];
    (void)state;
    srand(2);
    cut(s, 12, STREAM_LEN);
    for (unsigned i = 0; i < 12; i++)
        idx[i] = 11 - i;
    run_order(s, idx, 12, STREAM_LEN, 77777, 2);
}

/* Next lexicographic permutation; 0 after the last. */
static int next_perm(unsigned *a, unsigned k)
{
    unsigned i = k - 1, j = k - 1;
    while (i > 0 && a[i - 1] >= a[i])
        i--;
    if (i == 0)
        return 0;
    while (a[j] <= a[i - 1])
        j--;
    unsigned t = a[i - 1];
    a[i - 1] = a[j];
    a[j] = t;
    for (unsigned l = i, r = k - 1; l < r; l++, r--) {
        t = a[l];
        a[l] = a[r];
        a[r] = t;
    }
    return 1;
}

static void test_all_permutations(void **state)
{
    seg s[6];
    unsigned idx[6] = {0, 1, 2, 3, 4, 5}, count = 0;
    (void)state;
    srand(3);
    cut(s, 6, 900);
    do {
        run_order(s, idx, 6, 900, 5000, 3);
        count++;
    } while (next_perm(idx, 6));
    assert_int_equal(count, 720);
}

static void test_random_orders(void **state)
{
    seg s[12];
    unsigned idx[12];
    (void)state;
    for (unsigned round = 0; round < 200; round++) {
        srand(100 + round);
        cut(s, 12, STREAM_LEN);
        for (unsigned i = 0; i < 12; i++)
            idx[i] = i;
        shuffle(idx, 12);
        run_order(s, idx, 12, STREAM_LEN, (uint32_t)rand(), round);
    }
}

static void test_duplicates(void **state)
{
    seg s[12];
    unsigned idx[36];
    (void)state;
    for (unsigned round = 0; round < 100; round++) {
        unsigned k = 0;
        srand(500 + round);
        cut(s, 12, STREAM_LEN);
        for (unsigned i = 0; i < 12; i++) {
            unsigned copies = 1 + (unsigned)rand() % 3;
            for (unsigned c = 0; c < copies; c++)
                idx[k++] = i;
        }
        shuffle(idx, k);
        run_order(s, idx, k, STREAM_LEN, (uint32_t)rand(), round);
    }
}

/* Segments with random bounds that overlap each other (same bytes), covering the stream. */
static void test_overlapping_same_bytes(void **state)
{
    seg s[40];
    unsigned idx[40];
    (void)state;
    for (unsigned round = 0; round < 100; round++) {
        unsigned k = 0;
        size_t off = 0;
        srand(900 + round);
        while (off < STREAM_LEN) { /* each segment starts up to 200 bytes back */
            size_t back = off ? (size_t)rand() % (off < 200 ? off : 200) : 0;
            size_t n = back + 1 + (size_t)rand() % 400;
            s[k].off = off - back;
            s[k].len = s[k].off + n > STREAM_LEN ? STREAM_LEN - s[k].off : n;
            off = s[k].off + s[k].len;
            idx[k] = k;
            k++;
            assert_true(k < 40);
        }
        shuffle(idx, k);
        run_order(s, idx, k, STREAM_LEN, (uint32_t)rand(), round);
    }
}

/* ---- conflicting copies ---- */

static void test_conflict_held_first_wins(void **state)
{
    fixture f;
    uint8_t alt[200];
    (void)state;
    fx_init(&f, 400, 9000, 1 << 16, 0, 4);
    offer(&f, 100, 100); /* held: [100, 200) */
    memcpy(alt, f.data + 150, 100);
    for (unsigned i = 0; i < 50; i++)
        alt[i] ^= 0x5a; /* the part overlapping the held copy differs */
    ss_reasm_segment(&f.r, f.isn1 + 150, alt, 100, NULL, &f.sink);
    assert_int_equal(f.r.overlap_conflicts, 1);
    assert_int_equal(f.r.retransmits, 1);
    offer(&f, 150, 100); /* same bytes as held ones: no conflict */
    assert_int_equal(f.r.overlap_conflicts, 1);
    offer(&f, 0, 100);
    offer(&f, 250, 150);
    check_exact(&f); /* held copy won, and alt[50..] equals the original */
    assert_int_equal(f.r.overlap_conflicts, 1);
    fx_done(&f);
}

static void test_conflict_in_order_over_held(void **state)
{
    fixture f;
    uint8_t *alt;
    (void)state;
    fx_init(&f, 300, 42, 1 << 16, 0, 5);
    alt = malloc(300);
    assert_non_null(alt);
    memcpy(alt, f.data, 300);
    for (unsigned i = 100; i < 300; i++)
        alt[i] ^= 0xff;
    offer(&f, 100, 100); /* held first */
    ss_reasm_segment(&f.r, f.isn1, alt, 300, NULL, &f.sink);
    assert_int_equal(f.r.overlap_conflicts, 1);
    assert_int_equal(f.r.offset, 300);
    /* [0,100) and [200,300) from the new copy, [100,200) from the held first copy */
    assert_memory_equal(f.c.out, f.data, 200);
    assert_memory_equal(f.c.out + 200, alt + 200, 100);
    free(alt);
    fx_done(&f);
}

/* ---- holes ---- */

static void test_hole_flush_one_gap(void **state)
{
    fixture f;
    seg s[12];
    (void)state;
    fx_init(&f, STREAM_LEN, 123456, 1 << 16, 0, 6);
    cut(s, 12, f.len);
    for (unsigned i = 0; i < 12; i++)
        if (i != 5)
            offer(&f, s[i].off, s[i].len);
    assert_int_equal(f.r.offset, s[5].off);
    assert_int_equal(f.c.ngaps, 0);
    flush(&f);
    assert_int_equal(f.c.ngaps, 1);
    assert_int_equal(f.c.gap_at[0], s[5].off);
    assert_int_equal(f.c.gap_len[0], s[5].len);
    assert_int_equal(f.r.gap_bytes, s[5].len);
    assert_int_equal(f.r.delivered, f.len - s[5].len);
    assert_int_equal(f.r.offset, f.len);
    check_consistent(&f);
    /* the missing segment arriving late is behind: counted, not handed on */
    offer(&f, s[5].off, s[5].len);
    assert_int_equal(f.r.retransmits, 1);
    assert_int_equal(f.r.offset, f.len);
    fx_done(&f);
}

static void test_flush_no_gap_after_last(void **state)
{
    fixture f;
    (void)state;
    fx_init(&f, 1000, 1, 1 << 16, 0, 7);
    offer(&f, 0, 100);
    offer(&f, 300, 100); /* holes [100,300) and everything after 400 */
    offer(&f, 600, 100);
    flush(&f);
    assert_int_equal(f.c.ngaps, 2);
    assert_int_equal(f.c.gap_at[0], 100);
    assert_int_equal(f.c.gap_len[0], 200);
    assert_int_equal(f.c.gap_at[1], 400);
    assert_int_equal(f.c.gap_len[1], 200);
    assert_int_equal(f.r.offset, 700);
    check_consistent(&f);
    fx_done(&f);
}

static void test_ack_beyond_hole(void **state)
{
    fixture f;
    seg s[5];
    (void)state;
    fx_init(&f, 1500, 0xabcdef, 1 << 16, 0, 8);
    cut(s, 5, f.len);
    offer(&f, s[0].off, s[0].len);
    offer(&f, s[1].off, s[1].len);
    offer(&f, s[3].off, s[3].len);
    offer(&f, s[4].off, s[4].len);
    ack(&f, s[2].off); /* ack == next_seq: a pure ACK, no gap */
    assert_int_equal(f.c.ngaps, 0);
    ack(&f, s[1].off); /* behind: nothing */
    assert_int_equal(f.c.ngaps, 0);
    ack(&f, s[3].off + s[3].len);
    assert_int_equal(f.c.ngaps, 1);
    assert_int_equal(f.c.gap_at[0], s[2].off);
    assert_int_equal(f.c.gap_len[0], s[2].len);
    /* s[4] is contiguous with s[3], so it is handed on as well */
    assert_int_equal(f.r.offset, f.len);
    assert_null(f.r.held);
    check_consistent(&f);
    fx_done(&f);
}

static void test_ack_between_held(void **state)
{
    fixture f;
    seg s[6];
    (void)state;
    fx_init(&f, 1800, 0x10, 1 << 16, 0, 9);
    cut(s, 6, f.len);
    offer(&f, s[0].off, s[0].len);
    offer(&f, s[3].off, s[3].len); /* holes: s[1], s[2], s[4] */
    offer(&f, s[5].off, s[5].len);
    ack(&f, s[3].off + s[3].len / 2 + 1); /* inside s[3]: hands on all of s[3] */
    assert_int_equal(f.c.ngaps, 1);
    assert_int_equal(f.c.gap_at[0], s[1].off);
    assert_int_equal(f.c.gap_len[0], s[1].len + s[2].len);
    assert_int_equal(f.r.offset, s[4].off);
    assert_non_null(f.r.held);
    offer(&f, s[4].off, s[4].len); /* fills the last hole */
    assert_int_equal(f.r.offset, f.len);
    assert_int_equal(f.c.ngaps, 1);
    check_consistent(&f);
    fx_done(&f);
}

static void test_ack_nothing_held(void **state)
{
    fixture f;
    seg s[4];
    (void)state;
    fx_init(&f, 1200, 0xfffffff0u, 1 << 16, 0, 10);
    cut(s, 4, f.len);
    offer(&f, s[0].off, s[0].len);
    ack(&f, s[1].off + s[1].len); /* s[1] reached the peer, not us */
    assert_int_equal(f.c.ngaps, 1);
    assert_int_equal(f.c.gap_at[0], s[1].off);
    assert_int_equal(f.c.gap_len[0], s[1].len);
    assert_int_equal(f.r.offset, s[2].off);
    offer(&f, s[2].off, s[2].len);
    offer(&f, s[3].off, s[3].len);
    assert_int_equal(f.r.offset, f.len);
    ack(&f, f.len);              /* everything acked: no gap */
    ack(&f, f.len + (1u << 31)); /* implausible */
    assert_int_equal(f.c.ngaps, 1);
    check_consistent(&f);
    fx_done(&f);
}

static void test_ack_before_start(void **state)
{
    ss_reasm r;
    ss_mem mem = {0};
    rec c = {0};
    ss_reasm_sink sink = {on_data, on_gap, &c};
    (void)state;
    ss_reasm_init(&r, 1000, &mem);
    c.r = &r;
    c.mem = &mem;
    ss_reasm_acked(&r, 5000, NULL, &sink); /* no position yet: nothing to measure from */
    assert_int_equal(c.ngaps, 0);
    assert_int_equal(r.offset, 0);
    assert_false(r.started);
    ss_reasm_free(&r);
}

/* ---- sequence wrap ---- */

static void test_sequence_wrap(void **state)
{
    seg s[12];
    unsigned idx[12];
    (void)state;
    for (unsigned round = 0; round < 50; round++) {
        srand(1300 + round);
        cut(s, 12, STREAM_LEN);
        for (unsigned i = 0; i < 12; i++)
            idx[i] = i;
        shuffle(idx, 12);
        /* the stream crosses 2^32 somewhere in its first 256 + round bytes */
        run_order(s, idx, 12, STREAM_LEN, 0xFFFFFF00u + round, round);
    }
}

static void test_wrap_hole_and_ack(void **state)
{
    fixture f;
    seg s[6];
    (void)state;
    fx_init(&f, 1800, 0xFFFFFC00u, 1 << 16, 0, 11);
    cut(s, 6, f.len);
    offer(&f, s[5].off, s[5].len);
    offer(&f, s[0].off, s[0].len);
    offer(&f, s[3].off, s[3].len);
    ack(&f, s[4].off);
    assert_int_equal(f.c.ngaps, 1);
    assert_int_equal(f.c.gap_at[0], s[1].off);
    assert_int_equal(f.c.gap_len[0], s[1].len + s[2].len);
    flush(&f);
    assert_int_equal(f.c.ngaps, 2);
    assert_int_equal(f.c.gap_at[1], s[4].off);
    assert_int_equal(f.r.offset, f.len);
    assert_int_equal(f.r.next_seq, (uint32_t)(f.isn1 + f.len));
    check_consistent(&f);
    fx_done(&f);
}

/* ---- caps ---- */

static void test_max_buffer_gives_up_hole(void **state)
{
    fixture f;
    const size_t seglen = 250, maxbuf = 1000;
    const size_t held_max = maxbuf / seglen; /* segments that fit behind the hole */
    (void)state;
    fx_init(&f, 3000, 31337, maxbuf, 0, 12);
    for (size_t off = seglen; off < f.len; off += seglen) {
        offer(&f, off, seglen);
        if (off / seglen <= held_max) {
            assert_int_equal(f.c.ngaps, 0);
            assert_int_equal(f.r.held_bytes, off);
        }
    }
    /* the hole was given up when the buffer was full; nothing was dropped */
    assert_int_equal(f.c.ngaps, 1);
    assert_int_equal(f.c.gap_at[0], 0);
    assert_int_equal(f.c.gap_len[0], seglen);
    assert_int_equal(f.r.dropped_bytes, 0);
    assert_int_equal(f.r.offset, f.len);
    assert_true(f.mem.peak <= held_max * (seglen + 64));
    check_consistent(&f);
    offer(&f, 0, seglen); /* the lost segment, too late */
    assert_int_equal(f.r.retransmits, 1);
    fx_done(&f);
}

static void test_segment_bigger_than_buffer(void **state)
{
    fixture f;
    (void)state;
    fx_init(&f, 2000, 7, 100, 0, 13);
    offer(&f, 0, 100);
    offer(&f, 1200, 50); /* held */
    offer(&f, 300, 800); /* cannot be held: the hole before it is given up */
    assert_int_equal(f.c.ngaps, 1);
    assert_int_equal(f.c.gap_at[0], 100);
    assert_int_equal(f.c.gap_len[0], 200);
    assert_int_equal(f.r.offset, 1100); /* the 800 bytes went straight on */
    assert_int_equal(f.r.held_bytes, 50);
    assert_int_equal(f.r.dropped_bytes, 0);
    offer(&f, 1100, 100); /* fills up to the held segment */
    assert_int_equal(f.r.offset, 1250);
    check_consistent(&f);
    fx_done(&f);
}

static void test_full_buffer_then_earlier_segment(void **state)
{
    fixture f;
    (void)state;
    fx_init(&f, 2000, 99, 600, 0, 14);
    offer(&f, 1000, 300);
    offer(&f, 1300, 300); /* buffer full: [1000, 1600) */
    offer(&f, 400, 200);  /* before all held data: the hole before it goes, it is in order */
    assert_int_equal(f.c.ngaps, 1);
    assert_int_equal(f.c.gap_at[0], 0);
    assert_int_equal(f.c.gap_len[0], 400);
    assert_int_equal(f.r.offset, 600);
    assert_int_equal(f.r.held_bytes, 600); /* the later segments are still waiting */
    offer(&f, 600, 400);
    assert_int_equal(f.r.offset, 1600);
    assert_int_equal(f.c.ngaps, 1);
    check_consistent(&f);
    fx_done(&f);
}

static void test_mem_cap(void **state)
{
    (void)state;
    for (unsigned round = 0; round < 50; round++) {
        fixture f;
        seg s[100];
        unsigned idx[100];
        const size_t cap = 1024 + 37 * round;
        fx_init(&f, STREAM_LEN, (uint32_t)(round * 2654435761u), 1 << 20, cap, 1500 + round);
        cut(s, 100, f.len);
        for (unsigned i = 0; i < 100; i++)
            idx[i] = i;
        shuffle(idx, 100);
        for (unsigned i = 0; i < 100; i++) {
            offer(&f, s[idx[i]].off, s[idx[i]].len);
            check_consistent(&f);
        }
        assert_true(f.mem.peak <= cap);
        assert_true((f.mem.used == 0) == (f.r.held == NULL));
        flush(&f);
        assert_int_equal(f.mem.used, 0);
        assert_int_equal(f.r.offset, f.len); /* the last segment was seen, so all is accounted */
        check_consistent(&f);
        fx_done(&f);
    }
}

static void test_free_returns_budget(void **state)
{
    fixture f;
    (void)state;
    fx_init(&f, 1000, 5, 1 << 16, 4096, 16);
    offer(&f, 100, 100);
    offer(&f, 300, 100);
    offer(&f, 600, 100);
    assert_true(f.mem.used > 300);
    assert_int_equal(f.r.held_bytes, 300);
    assert_int_equal(f.c.pos, 0); /* nothing handed on */
    fx_done(&f);                  /* frees held data and checks used == 0 */
}

static void test_no_budget(void **state)
{
    ss_reasm r;
    rec c = {0};
    ss_mem mem = {0};
    ss_reasm_sink sink = {on_data, on_gap, &c};
    uint8_t d[300];
    (void)state;
    memset(d, 'x', sizeof(d));
    ss_reasm_init(&r, 1000, NULL); /* no budget: nothing can be held, nothing is lost */
    c.r = &r;
    c.mem = &mem;
    ss_reasm_set_start(&r, 0);
    ss_reasm_segment(&r, 200, d + 200, 100, NULL, &sink);
    assert_int_equal(c.ngaps, 1);
    assert_int_equal(r.gap_bytes, 200);
    assert_int_equal(r.delivered, 100);
    assert_false(c.bad);
    ss_reasm_free(&r);
}

/* ---- byte at a time ---- */

static void test_one_byte_at_a_time(void **state)
{
    fixture whole, bytes;
    (void)state;
    fx_init(&whole, STREAM_LEN, 0xFFFFFFFFu, 1 << 16, 0, 17);
    fx_init(&bytes, STREAM_LEN, 0xFFFFFFFFu, 1 << 16, 0, 17);
    offer(&whole, 0, whole.len);
    for (size_t i = 0; i < bytes.len; i++)
        offer(&bytes, i, 1);
    assert_int_equal(bytes.c.data_calls, bytes.len);
    assert_memory_equal(whole.c.out, bytes.c.out, whole.len);
    assert_int_equal(whole.r.offset, bytes.r.offset);
    assert_int_equal(whole.r.next_seq, bytes.r.next_seq);
    check_exact(&whole);
    check_exact(&bytes);
    fx_done(&whole);
    fx_done(&bytes);
}

static void test_one_byte_reverse(void **state)
{
    fixture f;
    (void)state;
    fx_init(&f, STREAM_LEN, 777, 1 << 16, 1 << 20, 18);
    for (size_t i = f.len; i-- > 0;)
        offer(&f, i, 1);
    check_exact(&f);
    assert_int_equal(f.r.out_of_order, f.len - 1);
    fx_done(&f);
}

/* ---- hostile input ---- */

static void test_far_away_segments(void **state)
{
    fixture f;
    const uint32_t far[] = {1u << 31, (1u << 30) + 1, (uint32_t) - (1 << 30) - 1,
                            0xC0000000u - 100};
    uint64_t want = 0;
    (void)state;
    fx_init(&f, 1000, 0x7FFFFFF0u, 1 << 16, 1 << 20, 19);
    offer(&f, 0, 100);
    for (unsigned i = 0; i < sizeof(far) / sizeof(far[0]); i++) {
        int64_t rel = far[i] < 0x80000000u ? (int64_t)far[i] : (int64_t)far[i] - (1LL << 32);
        ss_reasm_segment(&f.r, f.r.next_seq + far[i], f.data, 500, NULL, &f.sink);
        if (rel > (1 << 30) || rel < -(1 << 30))
            want += 500;
    }
    assert_int_equal(want, 4 * 500);
    assert_int_equal(f.r.dropped_bytes, want);
    assert_int_equal(f.mem.peak, 0);
    assert_int_equal(f.c.ngaps, 0);
    assert_int_equal(f.r.offset, 100);
    assert_int_equal(f.r.retransmits, 0);
    /* far behind but within a window: a retransmission, not a drop */
    ss_reasm_segment(&f.r, f.r.next_seq - (1u << 29), f.data, 500, NULL, &f.sink);
    assert_int_equal(f.r.retransmits, 1);
    assert_int_equal(f.r.dropped_bytes, want);
    /* exactly one window ahead is still plausible: held, not dropped */
    ss_reasm_segment(&f.r, f.r.next_seq + (1u << 30), f.data, 10, NULL, &f.sink);
    assert_int_equal(f.r.dropped_bytes, want);
    assert_int_equal(f.r.held_bytes, 10);
    offer(&f, 100, 900);
    check_consistent(&f);
    fx_done(&f);
}

static void test_large_real_segment_small_buffer(void **state)
{
    fixture f;
    (void)state;
    fx_init(&f, 1 << 20, 3, 4096, 8192, 20);
    f.c.src = f.data;
    f.c.src_len = f.len;
    offer(&f, 0, 10);
    offer(&f, 1000, f.len - 1000); /* ~1 MiB ahead of a hole, real bytes */
    assert_true(f.mem.peak <= 8192);
    assert_int_equal(f.r.offset, f.len);
    assert_int_equal(f.r.gap_bytes, 990);
    check_consistent(&f);
    fx_done(&f);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void tiny_segments(unsigned reverse)
{
    fixture f;
    const size_t n = 100000, cap = 1 << 20;
    unsigned *idx = malloc(n * sizeof(*idx));
    unsigned max_held = 0;
    double t0 = now_s();
    assert_non_null(idx);
    fx_init(&f, n, 0xFFFF0000u, 1 << 20, cap, 21 + reverse);
    for (unsigned i = 0; i < n; i++)
        idx[i] = reverse ? (unsigned)(n - 1 - i) : i;
    if (!reverse)
        shuffle(idx, (unsigned)n);
    for (size_t i = 0; i < n; i++) {
        ss_reasm_segment(&f.r, f.isn1 + idx[i], f.data + idx[i], 1, NULL, &f.sink);
        if (f.r.held_count > max_held)
            max_held = f.r.held_count;
    }
    assert_false(f.c.bad);
    assert_true(f.mem.peak <= cap);
    assert_true(max_held <= 4096);
    flush(&f);
    check_consistent(&f);
    assert_int_equal(f.r.offset, n);  /* the last byte was offered, so all is accounted */
    assert_true(now_s() - t0 < 20.0); /* linear work: well under a second without sanitizers */
    free(idx);
    fx_done(&f);
}

static void test_many_tiny_reverse(void **state)
{
    (void)state;
    tiny_segments(1);
}

static void test_many_tiny_random(void **state)
{
    (void)state;
    tiny_segments(0);
}

/* ---- start of stream ---- */

static void test_mid_stream_pickup(void **state)
{
    ss_reasm r;
    ss_mem mem = {0};
    rec c = {0};
    ss_reasm_sink sink = {on_data, on_gap, &c};
    uint8_t buf[64], out[64];
    (void)state;
    for (unsigned i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 7);
    c.out = out;
    c.isgap = calloc(1, sizeof(out));
    c.cap = sizeof(out);
    c.r = &r;
    c.mem = &mem;
    ss_reasm_init(&r, 1000, &mem);
    ss_reasm_segment(&r, 4000, buf, 0, NULL, &sink); /* empty: ignored, does not start */
    ss_reasm_segment(&r, 4000, NULL, 10, NULL, &sink);
    assert_false(r.started);
    ss_reasm_segment(&r, 4000, buf + 16, 16, NULL, &sink); /* starts the stream */
    assert_true(r.started);
    assert_int_equal(r.offset, 16);
    ss_reasm_set_start(&r, 3984); /* too late: the position is fixed */
    assert_int_equal(r.next_seq, 4016);
    ss_reasm_segment(&r, 3984, buf, 32, NULL, &sink); /* behind, partly before the pick-up */
    assert_int_equal(r.retransmits, 1);
    ss_reasm_segment(&r, 4016, buf + 32, 32, NULL, &sink);
    assert_int_equal(r.offset, 48);
    assert_memory_equal(out, buf + 16, 48);
    assert_false(c.bad);
    free(c.isgap);
    ss_reasm_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order_zero_copy),
        cmocka_unit_test(test_reverse),
        cmocka_unit_test(test_all_permutations),
        cmocka_unit_test(test_random_orders),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_overlapping_same_bytes),
        cmocka_unit_test(test_conflict_held_first_wins),
        cmocka_unit_test(test_conflict_in_order_over_held),
        cmocka_unit_test(test_hole_flush_one_gap),
        cmocka_unit_test(test_flush_no_gap_after_last),
        cmocka_unit_test(test_ack_beyond_hole),
        cmocka_unit_test(test_ack_between_held),
        cmocka_unit_test(test_ack_nothing_held),
        cmocka_unit_test(test_ack_before_start),
        cmocka_unit_test(test_sequence_wrap),
        cmocka_unit_test(test_wrap_hole_and_ack),
        cmocka_unit_test(test_max_buffer_gives_up_hole),
        cmocka_unit_test(test_segment_bigger_than_buffer),
        cmocka_unit_test(test_full_buffer_then_earlier_segment),
        cmocka_unit_test(test_mem_cap),
        cmocka_unit_test(test_free_returns_budget),
        cmocka_unit_test(test_no_budget),
        cmocka_unit_test(test_one_byte_at_a_time),
        cmocka_unit_test(test_one_byte_reverse),
        cmocka_unit_test(test_far_away_segments),
        cmocka_unit_test(test_large_real_segment_small_buffer),
        cmocka_unit_test(test_many_tiny_reverse),
        cmocka_unit_test(test_many_tiny_random),
        cmocka_unit_test(test_mid_stream_pickup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

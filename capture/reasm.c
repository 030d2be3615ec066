/* reasm.c — one direction of a TCP byte stream put back in order (see reasm.h).
 *
 * Sequence numbers follow RFC 9293 §3.4: 32-bit, compared by their signed difference. That is
 * only unambiguous within half the space, and RFC 7323 §2.3 caps the window at 2^30 bytes so
 * that it stays so; a segment whose signed distance from next_seq exceeds 2^30 either way
 * cannot be part of this stream as we know it (a sender never has bytes in flight further
 * than one window past what the receiver acknowledged), so it is refused and counted in
 * dropped_bytes instead of being buffered, compared or turned into a 1 GiB gap.
 *
 * Held segments carry 64-bit stream offsets, not sequence numbers: once a segment is accepted
 * within 2^30 of next_seq its offset is exact, and the list code uses plain comparisons.
 *
 * Making room: when an out-of-order segment does not fit (max_buffer, the segment count cap or
 * the ss_mem budget), the earliest hole is given up as a GAP and the held data after it handed
 * on, hole by hole, until the segment fits; when the earliest hole is the one just before the
 * new segment, giving it up puts the segment in order and it is handed on without copying. A
 * segment is therefore never lost for lack of room (that would only turn into a larger gap
 * later, when its bytes are acknowledged and never retransmitted), and a stream keeps moving
 * even when the budget is exhausted by other flows.
 *
 * Held data handed on later carries the timestamp of the call that made it contiguous: that is
 * when the bytes became usable. Sinks see r->offset equal to the stream offset of the bytes
 * (or gap) they are given; a sink must not call back into the same ss_reasm.
 */
#include "reasm.h"

#include <string.h>

/* RFC 7323 §2.3: the largest window is 2^30 bytes (see the file comment). */
#define SS_REASM_WINDOW ((int64_t)1 << 30)
/* Held segments per direction. Bounds the list walk per segment (1-byte segments sent out of
 * order would otherwise make every insertion slower) and the per-segment overhead charged to
 * the budget; a real window of 1460-byte segments is far below it. */
#define SS_REASM_MAX_SEGS 4096u

struct ss_reasm_seg {
    struct ss_reasm_seg *next;
    uint64_t off; /* stream offset of data[0] */
    uint32_t len;
    uint8_t data[];
};

/* One call's segment as it is trimmed and placed; flags are counted once per segment. */
struct offer {
    const uint8_t *d;
    uint64_t s; /* stream offset of d[0] */
    uint32_t n;
    int repeat;   /* carries bytes already handed on or held */
    int conflict; /* and some of those held bytes differ */
    const struct timeval *ts;
    const ss_reasm_sink *sink;
};

/* Where a segment's new bytes would go among the held ones. */
struct plan {
    struct ss_reasm_seg *prev; /* last held segment wholly before the new one, or NULL */
    uint32_t pieces;           /* held gaps the new bytes fill */
    uint64_t bytes;            /* new bytes in them */
};

static int64_t seq_diff(uint32_t a, uint32_t b)
{
    uint32_t d = a - b;
    return d < 0x80000000u ? (int64_t)d : (int64_t)d - ((int64_t)1 << 32);
}

static size_t seg_size(uint32_t len)
{
    return sizeof(struct ss_reasm_seg) + len;
}

static uint64_t seg_end(const struct ss_reasm_seg *g)
{
    return g->off + g->len;
}

static void bump(uint32_t *c)
{
    if (*c != UINT32_MAX)
        (*c)++;
}

static void emit_data(ss_reasm *r, const uint8_t *d, uint64_t n, const struct offer *o)
{
    if (n == 0)
        return;
    if (o->sink && o->sink->data)
        o->sink->data(o->sink->ctx, d, (size_t)n, o->ts);
    r->offset += n;
    r->next_seq += (uint32_t)n;
    r->delivered += n;
}

static void emit_gap(ss_reasm *r, uint64_t n, const struct offer *o)
{
    if (n == 0)
        return;
    if (o->sink && o->sink->gap)
        o->sink->gap(o->sink->ctx, n, o->ts);
    r->offset += n;
    r->next_seq += (uint32_t)n;
    r->gap_bytes += n;
}

static void free_seg(ss_reasm *r, struct ss_reasm_seg *g)
{
    r->held_bytes -= g->len;
    r->held_count--;
    ss_mem_free(r->mem, g, seg_size(g->len));
}

/* Unlinks the first held segment and hands on what of it lies at or after next_seq. */
static void hand_on_head(ss_reasm *r, const struct offer *o)
{
    struct ss_reasm_seg *g = r->held;
    r->held = g->next;
    if (!r->held)
        r->held_tail = NULL;
    if (seg_end(g) > r->offset) {
        uint64_t skip = g->off < r->offset ? r->offset - g->off : 0;
        emit_data(r, g->data + skip, g->len - skip, o);
    }
    free_seg(r, g);
}

/* Hands on held segments that have become contiguous with next_seq. */
static void drain(ss_reasm *r, const struct offer *o)
{
    while (r->held && r->held->off <= r->offset)
        hand_on_head(r, o);
}

/* The bytes before stream offset upto will not come: report them and move on. */
static void give_up_hole(ss_reasm *r, uint64_t upto, const struct offer *o)
{
    if (upto > r->offset)
        emit_gap(r, upto - r->offset, o);
    drain(r, o);
}

/* Drops the part of the offer that lies before next_seq; 0 when nothing is left. */
static int trim_behind(const ss_reasm *r, struct offer *o)
{
    uint64_t k;
    if (o->s >= r->offset)
        return 1;
    o->repeat = 1;
    k = r->offset - o->s;
    if (k >= o->n)
        return 0;
    o->d += k;
    o->n -= (uint32_t)k;
    o->s = r->offset;
    return 1;
}

/* The offer starts at next_seq. Held bytes were seen first, so where they overlap they are the
 * ones handed on, and the new copy is only compared with them. */
static void take_in_order(ss_reasm *r, struct offer *o)
{
    while (o->n > 0) {
        const struct ss_reasm_seg *h = r->held;
        uint64_t before, ov;
        if (!h || h->off >= r->offset + o->n) {
            emit_data(r, o->d, o->n, o);
            break;
        }
        before = h->off - r->offset; /* held segments never start behind next_seq */
        emit_data(r, o->d, before, o);
        o->d += before;
        o->n -= (uint32_t)before;
        ov = o->n < h->len ? o->n : h->len;
        o->repeat = 1;
        if (memcmp(o->d, h->data, (size_t)ov) != 0)
            o->conflict = 1;
        o->d += ov;
        o->n -= (uint32_t)ov;
        hand_on_head(r, o);
    }
    drain(r, o);
}

/* Finds where the offer's new bytes go; compares the bytes it shares with held segments. */
static void plan_hold(ss_reasm *r, struct offer *o, struct plan *p)
{
    uint64_t e = o->s + o->n, cur = o->s;
    struct ss_reasm_seg *h;

    p->prev = NULL;
    p->pieces = 0;
    p->bytes = 0;
    if (r->held_tail && seg_end(r->held_tail) <= o->s) {
        p->prev = r->held_tail; /* the usual case: the stream goes on after one hole */
        p->pieces = 1;
        p->bytes = o->n;
        return;
    }
    for (h = r->held; h && seg_end(h) <= o->s; h = h->next)
        p->prev = h;
    for (; h && h->off < e; h = h->next) {
        uint64_t lo = h->off > o->s ? h->off : o->s;
        uint64_t hi = seg_end(h) < e ? seg_end(h) : e;
        if (h->off > cur) {
            p->pieces++;
            p->bytes += h->off - cur;
        }
        o->repeat = 1;
        if (memcmp(o->d + (lo - o->s), h->data + (lo - h->off), (size_t)(hi - lo)) != 0)
            o->conflict = 1;
        cur = hi;
    }
    if (cur < e) {
        p->pieces++;
        p->bytes += e - cur;
    }
}

static int plan_fits(const ss_reasm *r, const struct plan *p)
{
    uint64_t need;
    if (p->pieces > SS_REASM_MAX_SEGS - r->held_count)
        return 0;
    if (p->bytes > r->max_buffer - r->held_bytes)
        return 0;
    need = p->bytes + (uint64_t)p->pieces * sizeof(struct ss_reasm_seg);
    return r->mem && need <= SIZE_MAX && ss_mem_fits(r->mem, (size_t)need);
}

/* Copies the offer's new bytes into the holes between held segments, after p->prev. */
static void insert_pieces(ss_reasm *r, const struct offer *o, struct ss_reasm_seg *prev)
{
    uint64_t e = o->s + o->n, cur = o->s;
    struct ss_reasm_seg *next = prev ? prev->next : r->held;

    while (cur < e) {
        uint64_t pe;
        uint32_t len;
        struct ss_reasm_seg *g;
        if (next && next->off <= cur) {
            if (seg_end(next) > cur)
                cur = seg_end(next);
            prev = next;
            next = next->next;
            continue;
        }
        pe = next && next->off < e ? next->off : e;
        len = (uint32_t)(pe - cur);
        cur = pe;
        g = ss_mem_alloc(r->mem, seg_size(len));
        if (!g) {
            r->dropped_bytes += len; /* malloc itself failed: the budget was checked */
            continue;
        }
        g->off = pe - len;
        g->len = len;
        memcpy(g->data, o->d + (g->off - o->s), len);
        g->next = next;
        if (prev)
            prev->next = g;
        else
            r->held = g;
        if (!next)
            r->held_tail = g;
        prev = g;
        r->held_count++;
        r->held_bytes += len;
    }
}

/* Holds an offer that starts after next_seq. Returns 1 when done with it, 0 when making room
 * moved next_seq up to (or past) its start: the caller then hands it on in order. */
static int hold(ss_reasm *r, struct offer *o)
{
    struct plan p;

    plan_hold(r, o, &p);
    if (p.pieces == 0)
        return 1; /* every byte is held already */
    /* Holes wholly before the offer do not change its plan: give them up one by one. */
    while (!plan_fits(r, &p) && r->held && seg_end(r->held) <= o->s) {
        give_up_hole(r, r->held->off, o);
        if (r->offset >= o->s)
            return 0;
    }
    if (plan_fits(r, &p)) {
        plan_hold(r, o, &p); /* p.prev may have been handed on; same pieces, found again */
        insert_pieces(r, o, p.prev);
        return 1;
    }
    /* The earliest hole now ends at the offer or at a held segment reaching into it. */
    if (r->held && r->held->off < o->s)
        give_up_hole(r, r->held->off, o);
    else
        give_up_hole(r, o->s, o);
    return 0;
}

void ss_reasm_init(ss_reasm *r, size_t max_buffer, ss_mem *mem)
{
    memset(r, 0, sizeof(*r));
    r->max_buffer = max_buffer;
    r->mem = mem;
}

void ss_reasm_set_start(ss_reasm *r, uint32_t seq)
{
    /* Once bytes were handed on or held, their position is fixed (a retransmitted SYN). */
    if (r->started && (r->offset != 0 || r->held))
        return;
    r->next_seq = seq;
    r->started = 1;
}

void ss_reasm_segment(ss_reasm *r, uint32_t seq, const uint8_t *d, uint32_t n,
                      const struct timeval *ts, const ss_reasm_sink *sink)
{
    struct offer o = {d, 0, n, 0, 0, ts, sink};
    int64_t rel;

    if (!d || n == 0)
        return;
    if (!r->started) {
        r->next_seq = seq;
        r->started = 1;
    }
    rel = seq_diff(seq, r->next_seq);
    if (rel > SS_REASM_WINDOW || rel < -SS_REASM_WINDOW) {
        r->dropped_bytes += n;
        return;
    }
    if (rel < 0) {
        /* behind next_seq: those bytes were handed on and are not kept to compare */
        o.repeat = 1;
        if ((uint64_t)-rel >= n)
            goto done;
        o.d += -rel;
        o.n -= (uint32_t)-rel;
        rel = 0;
    }
    o.s = r->offset + (uint64_t)rel;
    if (rel > 0) {
        bump(&r->out_of_order);
        if (hold(r, &o) || !trim_behind(r, &o))
            goto done;
    }
    take_in_order(r, &o);
done:
    if (o.repeat)
        bump(&r->retransmits);
    if (o.conflict)
        bump(&r->overlap_conflicts);
}

void ss_reasm_acked(ss_reasm *r, uint32_t ack, const struct timeval *ts, const ss_reasm_sink *sink)
{
    struct offer o = {NULL, 0, 0, 0, 0, ts, sink};
    int64_t rel;
    uint64_t upto;

    if (!r->started)
        return;
    rel = seq_diff(ack, r->next_seq);
    if (rel <= 0 || rel > SS_REASM_WINDOW)
        return;
    upto = r->offset + (uint64_t)rel;
    while (r->held && r->held->off < upto)
        give_up_hole(r, r->held->off, &o);
    /* bytes the peer received that our capture never saw */
    give_up_hole(r, upto, &o);
}

void ss_reasm_flush(ss_reasm *r, const struct timeval *ts, const ss_reasm_sink *sink)
{
    struct offer o = {NULL, 0, 0, 0, 0, ts, sink};

    while (r->held)
        give_up_hole(r, r->held->off, &o);
}

void ss_reasm_free(ss_reasm *r)
{
    if (!r)
        return;
    while (r->held) {
        struct ss_reasm_seg *g = r->held;
        r->held = g->next;
        free_seg(r, g);
    }
    r->held_tail = NULL;
}

/* reasm.h — one direction of a TCP byte stream, put back in order.
 *
 * In-order segments are handed on at once without copying; segments ahead of a hole are copied
 * and held (up to max_buffer bytes, charged to the engine's ss_mem) until the hole fills. When
 * the hole cannot fill — the peer acknowledged past it, the buffer cap was reached, or the
 * stream ends — the missing bytes are reported as a GAP: bytes our capture lacks, never
 * invented data. Retransmissions are dropped; where a later copy overlaps earlier bytes the
 * first copy wins, and a copy with different bytes is counted as a conflict. Sequence numbers
 * wrap (RFC 793 modular arithmetic); offsets handed on are 64-bit counts from the stream start.
 */
#ifndef SS_REASM_H
#define SS_REASM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include "mem.h"

/* Where the reassembled stream goes. */
typedef struct ss_reasm_sink {
    void (*data)(void *ctx, const uint8_t *d, size_t n, const struct timeval *ts);
    void (*gap)(void *ctx, uint64_t n, const struct timeval *ts);
    void *ctx;
} ss_reasm_sink;

struct ss_reasm_seg; /* held out-of-order segment (private to reasm.c) */

typedef struct ss_reasm {
    uint32_t next_seq;              /* sequence number of the next byte to hand on */
    uint64_t offset;                /* stream offset of next_seq (bytes handed on + gaps) */
    int started;                    /* 0 until the first byte position is known */
    struct ss_reasm_seg *held;      /* held segments, sorted by sequence, non-overlapping */
    struct ss_reasm_seg *held_tail; /* private: last held segment (appends are O(1)) */
    unsigned held_count;            /* private: number of held segments (capped) */
    size_t held_bytes;
    size_t max_buffer;
    ss_mem *mem;
    /* counters */
    uint64_t delivered;
    uint64_t gap_bytes;
    uint64_t dropped_bytes; /* bytes refused: implausibly far from next_seq, or out of memory */
    uint32_t retransmits;
    uint32_t out_of_order;
    uint32_t overlap_conflicts;
} ss_reasm;

void ss_reasm_init(ss_reasm *r, size_t max_buffer, ss_mem *mem);

/* The stream's first byte has sequence number seq (the SYN's ISN + 1). Without this call the
 * first segment seen starts the stream (a mid-stream pick-up). */
void ss_reasm_set_start(ss_reasm *r, uint32_t seq);

/* Offers one segment's payload. Hands on whatever becomes in order. */
void ss_reasm_segment(ss_reasm *r, uint32_t seq, const uint8_t *d, uint32_t n,
                      const struct timeval *ts, const ss_reasm_sink *sink);

/* The other side acknowledged everything before ack: a hole below it is capture loss, so hand
 * on held data up to ack with GAP events for the holes. An ack that counts a SYN or FIN must be
 * passed without that sequence number (ack - 1), or it reads as a missing byte. */
void ss_reasm_acked(ss_reasm *r, uint32_t ack, const struct timeval *ts, const ss_reasm_sink *sink);

/* The stream ends (FIN, RST, timeout, end of input): hand on all held data, gaps included. */
void ss_reasm_flush(ss_reasm *r, const struct timeval *ts, const ss_reasm_sink *sink);

/* Frees held segments (without handing them on). */
void ss_reasm_free(ss_reasm *r);

#endif

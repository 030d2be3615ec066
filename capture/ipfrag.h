/* ipfrag.h — IPv4 and IPv6 fragment reassembly (RFC 791, RFC 8200 §4.5), bounded.
 *
 * Datagrams are keyed by (version, src, dst, id, protocol). Each holds its fragments until it
 * is complete, times out, or passes a cap; memory comes from the engine's ss_mem budget.
 * Overlapping fragments with different bytes (a classic evasion) drop the datagram and are
 * counted. Nothing here is global: one table per engine.
 */
#ifndef SS_IPFRAG_H
#define SS_IPFRAG_H

#include <stdint.h>
#include <sys/time.h>

#include "mem.h"

typedef struct ss_ipfrag ss_ipfrag;

typedef struct ss_ipfrag_stats {
    uint64_t fragments;   /* fragments offered */
    uint64_t reassembled; /* datagrams completed */
    uint64_t dropped;     /* fragments discarded: cap, timeout, conflict, bad offsets */
} ss_ipfrag_stats;

/* max_datagrams: datagrams in progress at once; timeout: seconds a datagram may wait. */
ss_ipfrag *ss_ipfrag_new(ss_mem *mem, unsigned max_datagrams, unsigned timeout);
void ss_ipfrag_free(ss_ipfrag *f);

typedef enum ss_frag_result { SS_FRAG_HELD, SS_FRAG_DONE, SS_FRAG_DROPPED } ss_frag_result;

/* Offers one fragment: its IP version, the addresses (4 or 16 bytes), id, upper protocol,
 * offset in bytes, more-fragments flag and its payload (after the IP header / fragment header).
 * On SS_FRAG_DONE, *out and *out_len hold the whole upper-layer payload (owned by the table, valid
 * until the next call). */
ss_frag_result ss_ipfrag_add(ss_ipfrag *f, const struct timeval *ts, int version,
                             const uint8_t *src, const uint8_t *dst, uint32_t id, uint8_t proto,
                             uint32_t offset, int more, const uint8_t *data, uint32_t len,
                             const uint8_t **out, uint32_t *out_len);

/* Drops datagrams older than the timeout. */
void ss_ipfrag_expire(ss_ipfrag *f, const struct timeval *now);

void ss_ipfrag_get_stats(const ss_ipfrag *f, ss_ipfrag_stats *out);

#endif

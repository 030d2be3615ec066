/* flow_table.h — the table of TCP flows: a seeded, direction-symmetric hash with chaining, a
 * fixed cap on entries, and one list per timeout class ordered by last activity (oldest
 * first), so that expiry and eviction never scan the table.
 */
#ifndef SS_FLOW_TABLE_H
#define SS_FLOW_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "capture/flow.h"
#include "capture/mem.h"

typedef struct ss_flow_table ss_flow_table;

ss_flow_table *ss_flow_table_new(ss_mem *mem, size_t max_flows, uint64_t seed);
/* Frees every flow's memory without reporting anything (the caller reports first). */
void ss_flow_table_free(ss_flow_table *t);

/* Finds the flow of this endpoint pair in either direction; *dir is set to the direction of
 * a packet sent from (a, ap) to (b, bp). NULL when unknown. */
ss_flow *ss_flow_table_find(ss_flow_table *t, int ipv, const uint8_t *a, uint16_t ap,
                            const uint8_t *b, uint16_t bp, int *dir);

/* A new zeroed flow with client (c, cp) and server (s, sp), or NULL when the table is at its
 * cap or memory refuses it (the caller evicts and retries). It starts in class SYN. */
ss_flow *ss_flow_table_add(ss_flow_table *t, int ipv, const uint8_t *c, uint16_t cp,
                           const uint8_t *s, uint16_t sp);

/* Unlinks f and frees it (its reassembly state must already be freed). */
void ss_flow_table_remove(ss_flow_table *t, ss_flow *f);

/* f was active in second now_sec of packet time: moves it to the newest end of class c's list.
 * A flow moves at most once a second within its class, so each list is ordered by that second,
 * not by the exact last packet: moving on every packet touched two neighbouring flows' memory
 * per packet, and timeouts are whole seconds anyway. */
void ss_flow_table_touch(ss_flow_table *t, ss_flow *f, ss_tclass c, int64_t now_sec);

/* The least recently active flow of class c, or NULL. */
ss_flow *ss_flow_table_oldest(const ss_flow_table *t, ss_tclass c);

size_t ss_flow_table_count(const ss_flow_table *t);
size_t ss_flow_table_cap(const ss_flow_table *t);

#endif

/* mem.h — the engine's memory budget.
 *
 * All state that grows with traffic (flows, out-of-order segments, IP fragments, nDPI flow
 * state) is allocated through one budget, so that a SYN flood or a hostile capture runs in
 * flat memory: an allocation that would pass the cap fails (and the caller evicts or drops and
 * counts), it never grows past it. One budget per engine; no globals.
 */
#ifndef SS_MEM_H
#define SS_MEM_H

#include <stddef.h>

typedef struct ss_mem {
    size_t cap; /* bytes; 0 means unlimited */
    size_t used;
    size_t peak;
    unsigned long long denied; /* allocations refused at the cap */
} ss_mem;

/* malloc/calloc of n bytes charged to m; NULL when over the cap or out of memory. */
void *ss_mem_alloc(ss_mem *m, size_t n);
void *ss_mem_calloc(ss_mem *m, size_t n);
/* Frees p, which was allocated with n bytes; p may be NULL. */
void ss_mem_free(ss_mem *m, void *p, size_t n);
/* 1 when n more bytes fit under the cap. */
int ss_mem_fits(const ss_mem *m, size_t n);

#endif

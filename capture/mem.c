/* mem.c — the engine's memory budget (see mem.h). */
#include "mem.h"

#include <stdlib.h>

int ss_mem_fits(const ss_mem *m, size_t n)
{
    return m->cap == 0 || (m->used <= m->cap && n <= m->cap - m->used);
}

static void *charge(ss_mem *m, void *p, size_t n)
{
    if (!p)
        return NULL;
    m->used += n;
    if (m->used > m->peak)
        m->peak = m->used;
    return p;
}

void *ss_mem_alloc(ss_mem *m, size_t n)
{
    if (!ss_mem_fits(m, n)) {
        m->denied++;
        return NULL;
    }
    return charge(m, malloc(n ? n : 1), n);
}

void *ss_mem_calloc(ss_mem *m, size_t n)
{
    if (!ss_mem_fits(m, n)) {
        m->denied++;
        return NULL;
    }
    return charge(m, calloc(1, n ? n : 1), n);
}

void ss_mem_free(ss_mem *m, void *p, size_t n)
{
    if (!p)
        return;
    m->used -= n <= m->used ? n : m->used;
    free(p);
}

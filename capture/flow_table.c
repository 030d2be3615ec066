/* flow_table.c — seeded, direction-symmetric flow hash with capped size and LRU lists per
 * timeout class (see flow_table.h).
 *
 * Open addressing with linear probing (Knuth 6.4, algorithm L; deletion by moving later
 * entries back, algorithm R): each slot holds a flow's full hash beside its pointer, so a probe
 * past other flows reads only the slot array, never their memory. With chaining every flow
 * passed on a chain was a cache miss, and that was the largest single cost per packet.
 *
 * The hash is written here rather than taken from OpenSSL (EVP_MAC SipHash) because it runs
 * for every packet and must cost a few nanoseconds; it is seeded per engine so that an
 * attacker who does not know the seed cannot aim traffic at one chain (p0f does the same).
 * Symmetry comes from ordering the two endpoints before hashing.
 */
#include "capture/flow_table.h"

#include <string.h>

/* The slot array starts small and doubles with the flow count, keeping it at most half full
 * (probes stay short): a table sized for the cap from the start spreads a few thousand flows
 * over megabytes of slots, and every lookup becomes a cache miss. */
#define SS_FT_MIN_SLOTS 2048

typedef struct slot {
    uint64_t hash;
    ss_flow *f; /* NULL: empty */
} slot;

struct ss_flow_table {
    ss_mem *mem;
    slot *slots;
    size_t nslots; /* power of two */
    size_t max_slots;
    size_t count;
    size_t cap;
    uint64_t seed;
    ss_flow *head[SS_TCLASS_N], *tail[SS_TCLASS_N];
};

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static uint64_t word(const uint8_t *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

static uint64_t endpoint_hash(uint64_t h, int ipv, const uint8_t *a, uint16_t port)
{
    h = mix64(h ^ word(a));
    if (ipv == 6)
        h = mix64(h ^ word(a + 8));
    return mix64(h ^ port);
}

static int addr_eq(const uint8_t *a, const uint8_t *b)
{
    return word(a) == word(b) && word(a + 8) == word(b + 8);
}

/* Orders endpoints so that both directions give the same key: <0 when (a,ap) is the lower. */
static int endpoint_cmp(const uint8_t *a, uint16_t ap, const uint8_t *b, uint16_t bp)
{
    int c = memcmp(a, b, 16);
    if (c)
        return c;
    return (int)ap - (int)bp;
}

static uint64_t pair_hash(const ss_flow_table *t, int ipv, const uint8_t *a, uint16_t ap,
                          const uint8_t *b, uint16_t bp)
{
    uint64_t h = t->seed ^ (uint64_t)ipv;
    if (endpoint_cmp(a, ap, b, bp) <= 0) {
        h = endpoint_hash(h, ipv, a, ap);
        return endpoint_hash(h, ipv, b, bp);
    }
    h = endpoint_hash(h, ipv, b, bp);
    return endpoint_hash(h, ipv, a, ap);
}

ss_flow_table *ss_flow_table_new(ss_mem *mem, size_t max_flows, uint64_t seed)
{
    ss_flow_table *t = ss_mem_calloc(mem, sizeof(*t));
    if (!t)
        return NULL;
    t->mem = mem;
    t->cap = max_flows ? max_flows : 1;
    t->seed = seed;
    t->max_slots = SS_FT_MIN_SLOTS;
    while (t->max_slots < 2 * t->cap && t->max_slots < ((size_t)1 << 30))
        t->max_slots <<= 1;
    t->nslots = SS_FT_MIN_SLOTS;
    t->slots = ss_mem_calloc(mem, t->nslots * sizeof(*t->slots));
    if (!t->slots) {
        ss_mem_free(mem, t, sizeof(*t));
        return NULL;
    }
    return t;
}

static void list_unlink(ss_flow_table *t, ss_flow *f)
{
    if (f->lprev)
        f->lprev->lnext = f->lnext;
    else
        t->head[f->tclass] = f->lnext;
    if (f->lnext)
        f->lnext->lprev = f->lprev;
    else
        t->tail[f->tclass] = f->lprev;
    f->lprev = f->lnext = NULL;
}

static void list_append(ss_flow_table *t, ss_flow *f, ss_tclass c)
{
    f->tclass = (uint8_t)c;
    f->lnext = NULL;
    f->lprev = t->tail[c];
    if (t->tail[c])
        t->tail[c]->lnext = f;
    else
        t->head[c] = f;
    t->tail[c] = f;
}

void ss_flow_table_free(ss_flow_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nslots; i++)
        ss_mem_free(t->mem, t->slots[i].f, sizeof(ss_flow));
    ss_mem_free(t->mem, t->slots, t->nslots * sizeof(*t->slots));
    ss_mem_free(t->mem, t, sizeof(*t));
}

ss_flow *ss_flow_table_find(ss_flow_table *t, int ipv, const uint8_t *a, uint16_t ap,
                            const uint8_t *b, uint16_t bp, int *dir)
{
    uint64_t h = pair_hash(t, ipv, a, ap, b, bp);
    size_t mask = t->nslots - 1;
    for (size_t i = h & mask; t->slots[i].f; i = (i + 1) & mask) {
        if (t->slots[i].hash != h)
            continue;
        ss_flow *f = t->slots[i].f;
        if (f->ipv != ipv)
            continue;
        if (f->port[0] == ap && f->port[1] == bp && addr_eq(f->addr[0], a) &&
            addr_eq(f->addr[1], b)) {
            *dir = SCEPSNIFF_DIR_TO_SERVER;
            return f;
        }
        if (f->port[0] == bp && f->port[1] == ap && addr_eq(f->addr[0], b) &&
            addr_eq(f->addr[1], a)) {
            *dir = SCEPSNIFF_DIR_TO_CLIENT;
            return f;
        }
    }
    return NULL;
}

static void place(slot *slots, size_t mask, uint64_t h, ss_flow *f)
{
    size_t i = h & mask;
    while (slots[i].f)
        i = (i + 1) & mask;
    slots[i].hash = h;
    slots[i].f = f;
}

/* Doubles the slot array; on allocation failure the table stays as it is (the caller then
 * treats it as full below the cap, and evicts). */
static int grow(ss_flow_table *t)
{
    size_t n = t->nslots * 2;
    slot *b = ss_mem_calloc(t->mem, n * sizeof(*b));
    if (!b)
        return -1;
    for (size_t i = 0; i < t->nslots; i++)
        if (t->slots[i].f)
            place(b, n - 1, t->slots[i].hash, t->slots[i].f);
    ss_mem_free(t->mem, t->slots, t->nslots * sizeof(*t->slots));
    t->slots = b;
    t->nslots = n;
    return 0;
}

ss_flow *ss_flow_table_add(ss_flow_table *t, int ipv, const uint8_t *c, uint16_t cp,
                           const uint8_t *s, uint16_t sp)
{
    if (t->count >= t->cap)
        return NULL;
    /* at most half full, so that probes stay short and there is always an empty slot */
    if (2 * (t->count + 1) > t->nslots && (t->nslots >= t->max_slots || grow(t) < 0))
        return NULL;
    ss_flow *f = ss_mem_calloc(t->mem, sizeof(*f));
    if (!f)
        return NULL;
    f->ipv = (uint8_t)ipv;
    memcpy(f->addr[0], c, 16);
    memcpy(f->addr[1], s, 16);
    f->port[0] = cp;
    f->port[1] = sp;
    f->hash = pair_hash(t, ipv, c, cp, s, sp);
    place(t->slots, t->nslots - 1, f->hash, f);
    list_append(t, f, SS_TCLASS_SYN);
    t->count++;
    return f;
}

void ss_flow_table_remove(ss_flow_table *t, ss_flow *f)
{
    size_t mask = t->nslots - 1, i = f->hash & mask;
    while (t->slots[i].f && t->slots[i].f != f)
        i = (i + 1) & mask;
    if (t->slots[i].f) {
        /* Knuth's algorithm R: move back every later entry of the run whose home slot does
         * not lie cyclically in (i, j], so that no probe meets a hole before its flow */
        for (size_t j = (i + 1) & mask; t->slots[j].f; j = (j + 1) & mask) {
            size_t home = t->slots[j].hash & mask;
            if (((j - home) & mask) >= ((j - i) & mask)) {
                t->slots[i] = t->slots[j];
                i = j;
            }
        }
        t->slots[i].f = NULL;
        t->slots[i].hash = 0;
    }
    list_unlink(t, f);
    t->count--;
    ss_mem_free(t->mem, f, sizeof(*f));
}

void ss_flow_table_touch(ss_flow_table *t, ss_flow *f, ss_tclass c, int64_t now_sec)
{
    if (f->tclass == c && f->lru_sec == now_sec)
        return;
    f->lru_sec = now_sec;
    if (t->tail[f->tclass] == f && f->tclass == c)
        return;
    list_unlink(t, f);
    list_append(t, f, c);
}

ss_flow *ss_flow_table_oldest(const ss_flow_table *t, ss_tclass c)
{
    return t->head[c];
}

size_t ss_flow_table_count(const ss_flow_table *t)
{
    return t->count;
}

size_t ss_flow_table_cap(const ss_flow_table *t)
{
    return t->cap;
}

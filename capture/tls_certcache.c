/* tls_certcache.c — decoded server certificates by their DER bytes (see tls_certcache.h).
 *
 * Two-way set-associative: a certificate's set is its hash modulo the number of sets, and a
 * new certificate replaces the less recently used of the set's two. Chains repeat per server,
 * so this keeps the certificates of the busiest couple of thousand servers; a slot costs a
 * pointer's worth until it is used.
 */
#include "capture/tls_certcache.h"

#include <string.h>

#include <openssl/x509.h>

#define SS_CERTCACHE_SETS 1024 /* power of two */
#define SS_CERTCACHE_WAYS 2

/* One decoded certificate: its summary, then a copy of its bytes, in one allocation. */
typedef struct entry {
    uint64_t hash;
    size_t len;
    X509 *x; /* NULL: the bytes did not decode */
    ss_tls_cert summary;
    uint8_t der[];
} entry;

typedef struct set {
    entry *way[SS_CERTCACHE_WAYS];
    unsigned recent; /* the way used last */
} set;

struct ss_tls_certcache {
    ss_mem *mem;
    uint64_t seed;
    set sets[SS_CERTCACHE_SETS];
};

/* Seeded so that traffic cannot be built to make every certificate share one set. */
static uint64_t der_hash(uint64_t seed, const uint8_t *p, size_t n)
{
    uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 29;
        p += 8;
        n -= 8;
    }
    while (n--)
        h = (h ^ *p++) * 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h * 0x94d049bb133111ebULL;
}

ss_tls_certcache *ss_tls_certcache_new(ss_mem *mem, uint64_t seed)
{
    ss_tls_certcache *cc = ss_mem_calloc(mem, sizeof(*cc));
    if (!cc)
        return NULL;
    cc->mem = mem;
    cc->seed = seed;
    return cc;
}

static void drop(ss_tls_certcache *cc, entry **e)
{
    if (!*e)
        return;
    X509_free((*e)->x);
    ss_mem_free(cc->mem, *e, sizeof(**e) + (*e)->len);
    *e = NULL;
}

void ss_tls_certcache_free(ss_tls_certcache *cc)
{
    if (!cc)
        return;
    for (size_t i = 0; i < SS_CERTCACHE_SETS; i++)
        for (int w = 0; w < SS_CERTCACHE_WAYS; w++)
            drop(cc, &cc->sets[i].way[w]);
    ss_mem_free(cc->mem, cc, sizeof(*cc));
}

int ss_tls_certcache_get(ss_tls_certcache *cc, const uint8_t *der, size_t len, X509 **x,
                         ss_tls_cert *c)
{
    if (!cc || !len)
        return 0;
    uint64_t h = der_hash(cc->seed, der, len);
    set *s = &cc->sets[h & (SS_CERTCACHE_SETS - 1)];
    for (unsigned w = 0; w < SS_CERTCACHE_WAYS; w++) {
        const entry *e = s->way[w];
        if (e && e->hash == h && e->len == len && memcmp(e->der, der, len) == 0) {
            s->recent = w;
            *x = e->x;
            *c = e->summary;
            return 1;
        }
    }
    return 0;
}

void ss_tls_certcache_put(ss_tls_certcache *cc, const uint8_t *der, size_t len, X509 *x,
                          const ss_tls_cert *c)
{
    if (!cc || !len)
        return;
    uint64_t h = der_hash(cc->seed, der, len);
    set *s = &cc->sets[h & (SS_CERTCACHE_SETS - 1)];
    unsigned w = !s->way[0] ? 0 : !s->way[1] ? 1 : !s->recent;
    drop(cc, &s->way[w]);
    entry *e = ss_mem_alloc(cc->mem, sizeof(*e) + len);
    if (!e)
        return;
    if (x && X509_up_ref(x) != 1) {
        ss_mem_free(cc->mem, e, sizeof(*e) + len);
        return;
    }
    e->hash = h;
    e->len = len;
    e->x = x;
    e->summary = *c;
    memcpy(e->der, der, len);
    s->way[w] = e;
    s->recent = w;
}

/* tls_certcache.c — decoded server certificates by their DER bytes (see tls_certcache.h).
 *
 * Direct-mapped: an entry's slot is its hash modulo the table size, and a new certificate
 * replaces whatever held its slot. Chains repeat per server, so even this simple policy keeps
 * the certificates of the few hundred busiest servers.
 */
#include "capture/tls_certcache.h"

#include <string.h>

#include <openssl/x509.h>

#define SS_CERTCACHE_SLOTS 256 /* power of two */

typedef struct entry {
    uint64_t hash;
    uint8_t *der; /* NULL: empty slot */
    size_t len;
    X509 *x; /* NULL: the bytes did not decode */
    ss_tls_cert summary;
} entry;

struct ss_tls_certcache {
    ss_mem *mem;
    uint64_t seed;
    entry slot[SS_CERTCACHE_SLOTS];
};

/* Seeded so that traffic cannot be built to make every certificate share one slot. */
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

static void clear(ss_tls_certcache *cc, entry *e)
{
    ss_mem_free(cc->mem, e->der, e->len);
    X509_free(e->x);
    memset(e, 0, sizeof(*e));
}

void ss_tls_certcache_free(ss_tls_certcache *cc)
{
    if (!cc)
        return;
    for (size_t i = 0; i < SS_CERTCACHE_SLOTS; i++)
        clear(cc, &cc->slot[i]);
    ss_mem_free(cc->mem, cc, sizeof(*cc));
}

int ss_tls_certcache_get(ss_tls_certcache *cc, const uint8_t *der, size_t len, X509 **x,
                         ss_tls_cert *c)
{
    if (!cc || !len)
        return 0;
    uint64_t h = der_hash(cc->seed, der, len);
    const entry *e = &cc->slot[h & (SS_CERTCACHE_SLOTS - 1)];
    if (!e->der || e->hash != h || e->len != len || memcmp(e->der, der, len) != 0)
        return 0;
    *x = e->x;
    *c = e->summary;
    return 1;
}

void ss_tls_certcache_put(ss_tls_certcache *cc, const uint8_t *der, size_t len, X509 *x,
                          const ss_tls_cert *c)
{
    if (!cc || !len)
        return;
    uint64_t h = der_hash(cc->seed, der, len);
    entry *e = &cc->slot[h & (SS_CERTCACHE_SLOTS - 1)];
    clear(cc, e);
    if (x && X509_up_ref(x) != 1)
        return;
    if (!(e->der = ss_mem_alloc(cc->mem, len))) {
        X509_free(x);
        return;
    }
    memcpy(e->der, der, len);
    e->hash = h;
    e->len = len;
    e->x = x;
    e->summary = *c;
}

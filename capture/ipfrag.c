/* ipfrag.c — IPv4 and IPv6 fragment reassembly, bounded (see ipfrag.h).
 *
 * Follows RFC 791 §3.2 (reassembly), RFC 8200 §4.5 (IPv6 fragments) and RFC 5722 (overlapping
 * fragments). Each datagram in progress keeps its bytes as a sorted list of non-overlapping
 * pieces: a fragment that overlaps what is held must carry the same bytes there (else the whole
 * datagram is dropped as an evasion attempt and counted), and only its new bytes are stored, so
 * no datagram ever holds more than 65535 bytes however often fragments are repeated.
 *
 * Bounds: max_datagrams in progress (the oldest is dropped beyond), a timeout counted from a
 * datagram's first fragment, a piece count per datagram (tiny-fragment floods), and the engine's
 * ss_mem budget (at the cap the oldest other datagrams are dropped to make room). Every
 * fragment given up is counted in stats.dropped.
 */
#include "ipfrag.h"

#include <stdint.h>
#include <string.h>

enum {
    MAX_DATAGRAM = 65535,  /* reassembled payload, both versions */
    MAX_PIECES = 1024,     /* a 64 KiB datagram in 64-byte fragments */
    MAX_BUCKETS = 1 << 16, /* hash buckets, at most */
    MIN_BUCKETS = 16,
};

typedef struct piece {
    struct piece *next;
    uint32_t off, len;
    uint8_t data[];
} piece;

typedef struct dgram {
    struct dgram *hnext;         /* hash chain */
    struct dgram *older, *newer; /* age list, by first fragment */
    struct timeval first;
    uint32_t hash, id;
    uint8_t version, proto;
    uint8_t src[16], dst[16];
    piece *pieces; /* sorted by offset, non-overlapping */
    unsigned npieces;
    unsigned nfrags; /* fragments accepted, counted as dropped if the datagram is */
    uint32_t held;   /* bytes in pieces */
    uint32_t end;    /* payload length, once the last fragment was seen */
    int have_end;
    size_t bytes; /* charged to the budget: this struct and its pieces */
} dgram;

struct ss_ipfrag {
    ss_mem *mem;
    unsigned max_datagrams, timeout, count;
    dgram **buckets;
    size_t nbuckets; /* a power of two */
    uint32_t seed;
    size_t dgram_bytes; /* all datagrams' bytes: what evicting could give back */
    dgram *oldest, *newest;
    uint8_t *out; /* the last datagram handed out */
    uint32_t out_len;
    ss_ipfrag_stats stats;
};

/* FNV-1a over the key, started from a per-table seed so the chains are not the same in every
 * process. The table is small and capped, so a collision attack costs at most a linear scan. */
static uint32_t key_hash(const ss_ipfrag *f, int version, const uint8_t *src, const uint8_t *dst,
                         uint32_t id, uint8_t proto)
{
    uint32_t h = 2166136261u ^ f->seed;
    size_t alen = version == 4 ? 4 : 16, i;

    for (i = 0; i < alen; i++)
        h = (h ^ src[i]) * 16777619u;
    for (i = 0; i < alen; i++)
        h = (h ^ dst[i]) * 16777619u;
    for (i = 0; i < 4; i++)
        h = (h ^ ((id >> (8 * i)) & 0xff)) * 16777619u;
    h = (h ^ proto) * 16777619u;
    h = (h ^ (uint32_t)version) * 16777619u;
    return h;
}

ss_ipfrag *ss_ipfrag_new(ss_mem *mem, unsigned max_datagrams, unsigned timeout)
{
    ss_ipfrag *f = NULL;
    size_t nb = MIN_BUCKETS;

    if (!mem)
        goto fail;
    if (max_datagrams == 0)
        max_datagrams = 1;
    while (nb < max_datagrams && nb < MAX_BUCKETS)
        nb <<= 1;
    f = ss_mem_calloc(mem, sizeof *f);
    if (!f)
        goto fail;
    f->mem = mem;
    f->max_datagrams = max_datagrams;
    f->timeout = timeout;
    f->nbuckets = nb;
    f->seed = (uint32_t)((uintptr_t)f >> 4) * 2654435761u; /* not secret, just not constant */
    f->buckets = ss_mem_calloc(mem, nb * sizeof *f->buckets);
    if (!f->buckets)
        goto fail;
    return f;
fail:
    if (f)
        ss_mem_free(mem, f, sizeof *f);
    return NULL;
}

static void release_out(ss_ipfrag *f)
{
    ss_mem_free(f->mem, f->out, f->out_len);
    f->out = NULL;
    f->out_len = 0;
}

/* Unlinks and frees d; its fragments count as dropped when `dropped` says so. */
static void dgram_free(ss_ipfrag *f, dgram *d, int dropped)
{
    dgram **pp = &f->buckets[d->hash & (f->nbuckets - 1)];
    piece *p, *next;

    while (*pp && *pp != d)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = d->hnext;
    if (d->older)
        d->older->newer = d->newer;
    else
        f->oldest = d->newer;
    if (d->newer)
        d->newer->older = d->older;
    else
        f->newest = d->older;
    for (p = d->pieces; p; p = next) {
        next = p->next;
        ss_mem_free(f->mem, p, sizeof *p + p->len);
    }
    if (dropped)
        f->stats.dropped += d->nfrags;
    f->count--;
    f->dgram_bytes -= d->bytes;
    ss_mem_free(f->mem, d, sizeof *d);
}

void ss_ipfrag_free(ss_ipfrag *f)
{
    if (!f)
        return;
    while (f->oldest)
        dgram_free(f, f->oldest, 0);
    release_out(f);
    ss_mem_free(f->mem, f->buckets, f->nbuckets * sizeof *f->buckets);
    ss_mem_free(f->mem, f, sizeof *f);
}

/* 1 when d waited longer than the timeout at time now (time going backwards is no age). */
static int expired(const ss_ipfrag *f, const dgram *d, const struct timeval *now)
{
    int64_t age = ((int64_t)now->tv_sec - d->first.tv_sec) * 1000000 +
                  ((int64_t)now->tv_usec - d->first.tv_usec);
    return age > (int64_t)f->timeout * 1000000;
}

void ss_ipfrag_expire(ss_ipfrag *f, const struct timeval *now)
{
    if (!f || !now)
        return;
    while (f->oldest && expired(f, f->oldest, now))
        dgram_free(f, f->oldest, 1);
}

void ss_ipfrag_get_stats(const ss_ipfrag *f, ss_ipfrag_stats *out)
{
    if (f)
        *out = f->stats;
    else
        memset(out, 0, sizeof *out);
}

/* Allocates n bytes, dropping the oldest datagrams other than keep while the budget says no;
 * gives up at once when even dropping all of them could not make room. */
static void *alloc_evicting(ss_ipfrag *f, const dgram *keep, size_t n)
{
    const ss_mem *m = f->mem;
    size_t others = f->dgram_bytes - (keep ? keep->bytes : 0);
    dgram *victim;
    void *p;

    if (m->cap && (m->used > m->cap || n > m->cap - m->used + others))
        return ss_mem_alloc(f->mem, n); /* fails, and is counted as denied */
    while ((p = ss_mem_alloc(f->mem, n)) == NULL) {
        victim = f->oldest;
        if (victim && victim == keep)
            victim = victim->newer;
        if (!victim)
            return NULL;
        dgram_free(f, victim, 1);
    }
    return p;
}

static dgram *lookup(ss_ipfrag *f, uint32_t hash, int version, const uint8_t *src,
                     const uint8_t *dst, uint32_t id, uint8_t proto)
{
    dgram *d = f->buckets[hash & (f->nbuckets - 1)];
    size_t alen = version == 4 ? 4 : 16;

    for (; d; d = d->hnext)
        if (d->hash == hash && d->version == version && d->id == id && d->proto == proto &&
            memcmp(d->src, src, alen) == 0 && memcmp(d->dst, dst, alen) == 0)
            return d;
    return NULL;
}

static dgram *create(ss_ipfrag *f, const struct timeval *now, uint32_t hash, int version,
                     const uint8_t *src, const uint8_t *dst, uint32_t id, uint8_t proto)
{
    size_t alen = version == 4 ? 4 : 16;
    dgram *d, **bucket;

    if (f->count >= f->max_datagrams)
        dgram_free(f, f->oldest, 1);
    d = alloc_evicting(f, NULL, sizeof *d);
    if (!d)
        return NULL;
    memset(d, 0, sizeof *d);
    d->bytes = sizeof *d;
    f->dgram_bytes += d->bytes;
    d->first = *now;
    d->hash = hash;
    d->id = id;
    d->version = (uint8_t)version;
    d->proto = proto;
    memcpy(d->src, src, alen);
    memcpy(d->dst, dst, alen);
    bucket = &f->buckets[hash & (f->nbuckets - 1)];
    d->hnext = *bucket;
    *bucket = d;
    d->older = f->newest;
    if (f->newest)
        f->newest->newer = d;
    else
        f->oldest = d;
    f->newest = d;
    f->count++;
    return d;
}

/* 0 when [off, off+len) agrees with everything held and with the known end; -1 otherwise. */
static int consistent(const dgram *d, uint32_t off, int more, const uint8_t *data, uint32_t len)
{
    uint32_t end = off + len, lo, hi;
    const piece *p;

    if (d->have_end && (more ? end > d->end : end != d->end))
        return -1;
    for (p = d->pieces; p; p = p->next) {
        if (!more && p->off + p->len > end)
            return -1; /* bytes held beyond what the last fragment says is the end */
        if (p->off >= end || p->off + p->len <= off)
            continue;
        lo = p->off > off ? p->off : off;
        hi = p->off + p->len < end ? p->off + p->len : end;
        if (memcmp(data + (lo - off), p->data + (lo - p->off), hi - lo) != 0)
            return -1;
    }
    return 0;
}

/* Stores the bytes of [off, off+len) not yet held, as new pieces; -1 at a cap. */
static int store(ss_ipfrag *f, dgram *d, uint32_t off, const uint8_t *data, uint32_t len)
{
    uint32_t cur = off, end = off + len, stop;
    piece **pp = &d->pieces, *p, *n;

    while (cur < end) {
        p = *pp;
        if (p && p->off + p->len <= cur) { /* wholly before cur */
            pp = &p->next;
            continue;
        }
        if (p && p->off <= cur) { /* covers cur: those bytes are already held (and equal) */
            cur = p->off + p->len;
            pp = &p->next;
            continue;
        }
        stop = p && p->off < end ? p->off : end;
        if (d->npieces >= MAX_PIECES)
            return -1;
        n = alloc_evicting(f, d, sizeof *n + (stop - cur));
        if (!n)
            return -1;
        n->off = cur;
        n->len = stop - cur;
        memcpy(n->data, data + (cur - off), n->len);
        n->next = p;
        *pp = n;
        pp = &n->next;
        d->npieces++;
        d->held += n->len;
        d->bytes += sizeof *n + n->len;
        f->dgram_bytes += sizeof *n + n->len;
        cur = stop;
    }
    return 0;
}

/* Copies the complete datagram d into the table's output buffer; -1 at the memory cap. */
static int emit(ss_ipfrag *f, dgram *d, const uint8_t **out, uint32_t *out_len)
{
    const piece *p;

    f->out = alloc_evicting(f, d, d->end);
    if (!f->out)
        return -1;
    f->out_len = d->end;
    for (p = d->pieces; p; p = p->next)
        memcpy(f->out + p->off, p->data, p->len);
    *out = f->out;
    *out_len = f->out_len;
    return 0;
}

ss_frag_result ss_ipfrag_add(ss_ipfrag *f, const struct timeval *ts, int version,
                             const uint8_t *src, const uint8_t *dst, uint32_t id, uint8_t proto,
                             uint32_t offset, int more, const uint8_t *data, uint32_t len,
                             const uint8_t **out, uint32_t *out_len)
{
    struct timeval now = {0, 0};
    uint32_t hash;
    dgram *d = NULL;

    if (!f)
        return SS_FRAG_DROPPED;
    if (ts)
        now = *ts;
    release_out(f);
    f->stats.fragments++;
    /* Offsets count 8-octet units and every fragment but the last is a multiple of 8. */
    if ((version != 4 && version != 6) || !src || !dst || !data || len == 0 || offset % 8 ||
        (more && len % 8) || (uint64_t)offset + len > MAX_DATAGRAM)
        goto fail;
    ss_ipfrag_expire(f, &now);
    hash = key_hash(f, version, src, dst, id, proto);
    d = lookup(f, hash, version, src, dst, id, proto);
    if (!d && !(d = create(f, &now, hash, version, src, dst, id, proto)))
        goto fail;
    d->nfrags++;
    if (consistent(d, offset, more, data, len) != 0 || store(f, d, offset, data, len) != 0)
        goto fail;
    if (!more) {
        d->have_end = 1;
        d->end = offset + len;
    }
    if (!d->have_end || d->held != d->end)
        return SS_FRAG_HELD;
    if (emit(f, d, out, out_len) != 0)
        goto fail;
    f->stats.reassembled++;
    dgram_free(f, d, 0);
    return SS_FRAG_DONE;

fail: /* the whole datagram goes when it holds this fragment, else just the fragment */
    if (d)
        dgram_free(f, d, 1);
    else
        f->stats.dropped++;
    return SS_FRAG_DROPPED;
}

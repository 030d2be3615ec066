/* extract.c — the -w writer (see extract.h). Held packets are capped per flow and in total
 * (SS_EXTRACT_*); at the cap the flow's earliest packets are not kept and the loss is counted
 * and printed at the end, never silent. */
#include "cli/extract.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SS_EXTRACT_BUCKETS   4096
#define SS_EXTRACT_FLOW_CAP  (1024 * 1024)
#define SS_EXTRACT_TOTAL_CAP (64 * 1024 * 1024)

typedef struct held {
    struct pcap_pkthdr h;
    struct held *next;
    uint8_t data[];
} held;

typedef struct xflow {
    uint64_t id;
    int marked;
    held *first, *last;
    size_t bytes;
    struct xflow *hnext;
} xflow;

struct ss_extract {
    char *path;
    pcap_t *dead;
    pcap_dumper_t *dump;
    int linktype;
    xflow *buckets[SS_EXTRACT_BUCKETS];
    size_t held_bytes;
    unsigned long long written, not_kept;
    int mixed_links;
};

ss_extract *ss_extract_new(const char *path)
{
    ss_extract *x = calloc(1, sizeof(*x));
    if (!x || !(x->path = strdup(path))) {
        fprintf(stderr, "scepsniff: out of memory\n");
        free(x);
        return NULL;
    }
    x->linktype = -1;
    return x;
}

static xflow **slot(ss_extract *x, uint64_t id)
{
    xflow **p = &x->buckets[id % SS_EXTRACT_BUCKETS];
    while (*p && (*p)->id != id)
        p = &(*p)->hnext;
    return p;
}

static void drop_held(ss_extract *x, xflow *f)
{
    for (held *p = f->first, *n; p; p = n) {
        n = p->next;
        x->held_bytes -= p->h.caplen;
        free(p);
    }
    f->first = f->last = NULL;
    f->bytes = 0;
}

static int open_dump(ss_extract *x, int linktype)
{
    if (x->dump)
        return 0;
    x->dead = pcap_open_dead(linktype, 262144);
    if (!x->dead)
        return -1;
    x->dump = pcap_dump_open(x->dead, x->path);
    if (!x->dump) {
        fprintf(stderr, "scepsniff: -w %s: %s\n", x->path, pcap_geterr(x->dead));
        return -1;
    }
    x->linktype = linktype;
    return 0;
}

static void write_one(ss_extract *x, const struct pcap_pkthdr *h, const uint8_t *pkt)
{
    pcap_dump((u_char *)x->dump, h, pkt);
    x->written++;
}

void ss_extract_packet(ss_extract *x, uint64_t id, int linktype, const struct pcap_pkthdr *h,
                       const uint8_t *pkt)
{
    if (!id)
        return;
    if (x->linktype >= 0 && linktype != x->linktype) {
        x->mixed_links = 1; /* one pcap file holds one link type */
        return;
    }
    if (open_dump(x, linktype))
        return;
    xflow **p = slot(x, id);
    if (!*p) {
        if (!(*p = calloc(1, sizeof(**p))))
            return;
        (*p)->id = id;
    }
    xflow *f = *p;
    if (f->marked) {
        write_one(x, h, pkt);
        return;
    }
    if (f->bytes + h->caplen > SS_EXTRACT_FLOW_CAP ||
        x->held_bytes + h->caplen > SS_EXTRACT_TOTAL_CAP) {
        x->not_kept++;
        return;
    }
    held *k = malloc(sizeof(*k) + h->caplen);
    if (!k) {
        x->not_kept++;
        return;
    }
    k->h = *h;
    k->next = NULL;
    memcpy(k->data, pkt, h->caplen);
    if (f->last)
        f->last->next = k;
    else
        f->first = k;
    f->last = k;
    f->bytes += h->caplen;
    x->held_bytes += h->caplen;
}

void ss_extract_event(ss_extract *x, const scepsniff_event *ev)
{
    if (!ev->flow)
        return;
    xflow **p = slot(x, ev->flow->id);
    xflow *f = *p;
    if (!f)
        return;
    if (ev->type == SCEPSNIFF_EVENT_EXCHANGE && !f->marked) {
        f->marked = 1;
        for (held *k = f->first; k; k = k->next)
            write_one(x, &k->h, k->data);
        drop_held(x, f);
    } else if (ev->type == SCEPSNIFF_EVENT_FLOW_END) {
        drop_held(x, f);
        *p = f->hnext;
        free(f);
    }
}

void ss_extract_free(ss_extract *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < SS_EXTRACT_BUCKETS; i++) {
        while (x->buckets[i]) {
            xflow *f = x->buckets[i];
            x->buckets[i] = f->hnext;
            drop_held(x, f);
            free(f);
        }
    }
    if (x->dump)
        pcap_dump_close(x->dump);
    if (x->dead)
        pcap_close(x->dead);
    fprintf(stderr, "scepsniff: wrote %llu packets of SCEP flows to %s", x->written, x->path);
    if (x->not_kept)
        fprintf(stderr, " (%llu earlier packets could not be held and are missing)", x->not_kept);
    if (x->mixed_links)
        fprintf(stderr, " (packets of inputs with another link type were left out)");
    fputc('\n', stderr);
    free(x->path);
    free(x);
}

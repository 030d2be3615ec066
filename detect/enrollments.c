/* enrollments.c — per-device enrollment tracking (see enrollments.h). A chained hash on the
 * device name and one list in order of last activity, so that the stall check only looks at
 * the oldest entries. */
#include "detect/enrollments.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Buckets for the detector's device cap (16384) at a load of 1/8: a SYN flood makes a
 * device of every source, and each lookup must stay O(1). */
#define SS_ENR_BUCKETS 131072
/* Transactions that ended recently: the same transaction seen on a second leg (device → proxy
 * and proxy → NDES) or retransmitted belongs to the enrollment already reported. */
#define SS_ENR_RECENT 256

typedef struct entry {
    scepsniff_enrollment pub;
    scepsniff_flow flow;
    struct timeval last;
    int cacert_ok;
    int pkiop;
    int pending;
    scepsniff_severity worst;
    char problem[256]; /* the latest error, in words */
    struct entry *hnext, *prev, *next;
} entry;

struct ss_enrollments {
    entry **buckets; /* SS_ENR_BUCKETS, allocated with the first device: most engines (one per
                        capture worker, one per fuzz input) never see one */
    entry *oldest, *newest;
    size_t n, max;
    unsigned stall;
    uint64_t next_id;
    char recent[SS_ENR_RECENT][72]; /* transaction ids of concluded enrollments, a ring */
    unsigned recent_next;
    ss_enrollment_fn emit;
    void *ctx;
};

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h % SS_ENR_BUCKETS;
}

ss_enrollments *ss_enrollments_new(size_t max, unsigned stall, ss_enrollment_fn emit, void *ctx)
{
    ss_enrollments *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;

    e->max = max ? max : 1;
    e->stall = stall;
    e->emit = emit;
    e->ctx = ctx;
    return e;
}

static void unlink_entry(ss_enrollments *e, entry *x)
{
    entry **p = &e->buckets[hash(x->pub.device)];
    while (*p && *p != x)
        p = &(*p)->hnext;
    if (*p)
        *p = x->hnext;
    if (x->prev)
        x->prev->next = x->next;
    else
        e->oldest = x->next;
    if (x->next)
        x->next->prev = x->prev;
    else
        e->newest = x->prev;
    e->n--;
}

static void to_newest(ss_enrollments *e, entry *x)
{
    if (e->newest == x)
        return;
    if (x->prev || x->next || e->oldest == x) { /* in the list: take it out */
        if (x->prev)
            x->prev->next = x->next;
        else
            e->oldest = x->next;
        if (x->next)
            x->next->prev = x->prev;
        else
            e->newest = x->prev;
    }
    x->next = NULL;
    x->prev = e->newest;
    if (e->newest)
        e->newest->next = x;
    else
        e->oldest = x;
    e->newest = x;
}

/* Reports x with outcome and reason, and forgets it. */
static int recently_concluded(const ss_enrollments *e, const char *txid)
{
    if (!*txid)
        return 0;
    for (unsigned i = 0; i < SS_ENR_RECENT; i++)
        if (!strcmp(e->recent[i], txid))
            return 1;
    return 0;
}

static void conclude(ss_enrollments *e, entry *x, const char *outcome, const char *reason,
                     const struct timeval *ts)
{
    if (x->pub.transaction_id[0]) {
        snprintf(e->recent[e->recent_next], sizeof(e->recent[0]), "%s", x->pub.transaction_id);
        e->recent_next = (e->recent_next + 1) % SS_ENR_RECENT;
    }
    x->pub.outcome = outcome;
    snprintf(x->pub.reason, sizeof(x->pub.reason), "%s", reason);
    x->pub.end = x->last;
    unlink_entry(e, x);
    e->emit(e->ctx, &x->pub, &x->flow, ts);
    free(x);
}

/* The outcome of an enrollment that went quiet (at_end: the input ended). */
static void settle(ss_enrollments *e, entry *x, const struct timeval *now, int at_end)
{
    char why[256];
    int quiet = !at_end || (double)(now->tv_sec - x->last.tv_sec) >= (double)e->stall;
    if (x->worst == SCEPSNIFF_SEV_ERROR) {
        conclude(e, x, "failed", x->problem, now);
    } else if (x->pending) {
        conclude(e, x, "pending", "the CA holds the request for approval; the device polls", now);
    } else if (quiet && !x->pkiop && x->cacert_ok) {
        snprintf(why, sizeof(why),
                 "fetched the CA certificate and sent no PKIOperation within %u s: the device "
                 "likely rejected the CA (the trusted root thumbprint in the profile does not "
                 "match)",
                 e->stall);
        conclude(e, x, "stalled", why, now);
    } else if (quiet && !at_end) {
        conclude(e, x, "stalled", "no further exchange within the stall time", now);
    } else {
        conclude(e, x, "open", "still in progress when the capture ended", now);
    }
}

static entry *find(ss_enrollments *e, const char *device)
{
    if (!e->buckets)
        return NULL;
    for (entry *x = e->buckets[hash(device)]; x; x = x->hnext)
        if (!strcmp(x->pub.device, device))
            return x;
    return NULL;
}

void ss_enrollments_add(ss_enrollments *e, const scepsniff_exchange *ex, const scepsniff_flow *flow,
                        const struct timeval *ts)
{
    if (!strcmp(ex->operation, "PKIOperation") && recently_concluded(e, ex->transaction_id))
        return; /* the other leg of a transaction already reported */
    if (!e->buckets && !(e->buckets = calloc(SS_ENR_BUCKETS, sizeof(*e->buckets))))
        return; /* out of memory: this exchange is reported, its enrollment is not followed */
    entry *x = find(e, ex->device);
    if (!x) {
        if (e->n >= e->max && e->oldest)
            conclude(e, e->oldest, "open", "not followed further: scepsniff's device table is full",
                     ts);
        if (!(x = calloc(1, sizeof(*x))))
            return;
        x->pub.id = ++e->next_id;
        snprintf(x->pub.device, sizeof(x->pub.device), "%s", ex->device);
        x->pub.start = *ts;
        unsigned h = hash(x->pub.device);
        x->hnext = e->buckets[h];
        e->buckets[h] = x;
        e->n++;
    }
    to_newest(e, x);
    x->last = *ts;
    x->flow = *flow;
    x->pub.exchanges++;
    if (ex->platform[0])
        snprintf(x->pub.platform, sizeof(x->pub.platform), "%s", ex->platform);
    if (ex->user_agent[0])
        snprintf(x->pub.user_agent, sizeof(x->pub.user_agent), "%s", ex->user_agent);
    int v6 = flow->ip_version == 6;
    snprintf(x->pub.server, sizeof(x->pub.server), "%s%s%s:%u", v6 ? "[" : "", flow->server_ip,
             v6 ? "]" : "", flow->server_port);
    if (ex->transaction_id[0])
        snprintf(x->pub.transaction_id, sizeof(x->pub.transaction_id), "%s", ex->transaction_id);
    if (ex->severity > SCEPSNIFF_SEV_OK)
        x->pub.problems++;
    /* where the enrollment stands is where its latest exchange left it: a retry that works
     * clears an earlier error */
    x->worst = ex->severity;
    if (ex->severity == SCEPSNIFF_SEV_ERROR) {
        const scepsniff_finding *f = NULL;
        for (unsigned i = 0; i < ex->nfindings; i++)
            if (ex->findings[i].code == ex->verdict)
                f = &ex->findings[i];
        snprintf(x->problem, sizeof(x->problem), "%s: %s%s%s", ex->operation,
                 f ? f->summary : ex->verdict, f && f->detail[0] ? " — " : "", f ? f->detail : "");
    }
    if (!strcmp(ex->operation, "GetCACert") && ex->status == 200 &&
        ex->severity != SCEPSNIFF_SEV_ERROR)
        x->cacert_ok = 1;
    if (strcmp(ex->operation, "PKIOperation"))
        return;
    x->pkiop = 1;
    if (!strcmp(ex->pki_status, "SUCCESS") && ex->severity == SCEPSNIFF_SEV_ERROR) {
        conclude(e, x, "failed", x->problem, ts); /* issued, but the device cannot accept it */
    } else if (!strcmp(ex->pki_status, "SUCCESS")) {
        conclude(e, x, "issued", "the CA issued the certificate", ts);
    } else if (!strcmp(ex->pki_status, "FAILURE")) {
        char why[256];
        snprintf(why, sizeof(why), "the CA refused: failInfo %s%s%s",
                 ex->fail_info[0] ? ex->fail_info : "(none)", ex->hresult[0] ? ", NDES error " : "",
                 ex->hresult);
        conclude(e, x, "refused", why, ts);
    } else if (!strcmp(ex->pki_status, "PENDING")) {
        x->pending = 1;
    }
}

void ss_enrollments_tick(ss_enrollments *e, const struct timeval *now)
{
    while (e->oldest && (double)(now->tv_sec - e->oldest->last.tv_sec) >= (double)e->stall)
        settle(e, e->oldest, now, 0);
}

void ss_enrollments_finish(ss_enrollments *e, const struct timeval *now)
{
    while (e->oldest)
        settle(e, e->oldest, now, 1);
}

void ss_enrollments_free(ss_enrollments *e)
{
    if (!e)
        return;
    while (e->oldest) {
        entry *x = e->oldest;
        unlink_entry(e, x);
        free(x);
    }
    free(e->buckets);
    free(e);
}

/* classify.h — which flows may carry SCEP: HTTP or TLS on any port, the TLS server name, and
 * the Microsoft Entra application proxy (*.msappproxy.net).
 *
 * A cheap look at a direction's first payload bytes decides first (HTTP method / status line,
 * TLS record header); nDPI 4.2 then confirms and reads the SNI from the first packets of those
 * flows only, and is given up after a bounded number of packets. nDPI does no reassembly; that
 * is ours. One ss_classifier per engine (nDPI's module is per instance, not global).
 */
#ifndef SS_CLASSIFY_H
#define SS_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include "mem.h"

typedef enum ss_app {
    SS_APP_UNKNOWN = 0, /* not decided yet */
    SS_APP_HTTP,
    SS_APP_TLS,
    SS_APP_OTHER /* decided: neither; not worth reassembling */
} ss_app;

/* The cheap first look: what a direction's first payload bytes say (SS_APP_UNKNOWN when too
 * short to tell). to_server: 1 for the client's direction. */
ss_app ss_classify_first_bytes(const uint8_t *p, size_t n, int to_server);

typedef struct ss_classifier ss_classifier;
typedef struct ss_classify_flow ss_classify_flow; /* per-flow nDPI state */

typedef struct ss_classify_result {
    int done;      /* 1: nothing more will be learnt; the flow's state was freed */
    char app[16];  /* nDPI's master protocol name ("HTTP", "TLS"), "" if none */
    char sni[256]; /* TLS SNI or HTTP Host, "" if none */
    int app_proxy; /* 1: the name is an Entra application proxy host */
} ss_classify_result;

/* NULL with a message in errbuf on failure. */
ss_classifier *ss_classifier_new(ss_mem *mem, char *errbuf, size_t errlen);
void ss_classifier_free(ss_classifier *c);

/* Per-flow state, NULL when the memory budget refuses it. */
ss_classify_flow *ss_classify_flow_new(ss_classifier *c);
void ss_classify_flow_free(ss_classifier *c, ss_classify_flow *f);

/* Feeds one IP packet (l3 = IP header onward) of the flow; fills res. After res->done the
 * flow state is freed and must not be used again. */
void ss_classify_packet(ss_classifier *c, ss_classify_flow **f, const uint8_t *l3, uint32_t l3_len,
                        const struct timeval *ts, ss_classify_result *res);

/* 1 when name is an application proxy host (*.msappproxy.net). */
int ss_is_app_proxy_name(const char *name);

#endif

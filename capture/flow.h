/* flow.h — one TCP flow as the capture layer tracks it.
 *
 * Side 0 is the client (whoever sent the SYN, or inferred by ports), side 1 the server; the
 * index of every per-direction array is the direction of the bytes (SCEPSNIFF_DIR_TO_SERVER =
 * sent by the client). The public summary lives in ->pub and is what reports see.
 */
#ifndef SS_FLOW_H
#define SS_FLOW_H

#include <stdint.h>
#include <sys/time.h>

#include "scepsniff/scepsniff.h"
#include "capture/classify.h"
#include "capture/reasm.h"
#include "capture/tls.h"

/* Segments a direction picked up mid-stream may show before we stop looking for an HTTP or
 * TLS start (the first ones may be the middle of a body). */
#define SS_MIDSTREAM_PROBES 8

typedef enum ss_tcp_state {
    SS_TCP_SYN_SENT = 0, /* client SYN seen, no answer yet */
    SS_TCP_SYN_RCVD,     /* SYN-ACK seen */
    SS_TCP_ESTABLISHED,  /* handshake done, or picked up mid-stream */
    SS_TCP_CLOSED        /* both FINs, or a RST */
} ss_tcp_state;

/* Timeout classes: each has one list ordered by last activity, so expiry is O(1) a flow. */
typedef enum ss_tclass {
    SS_TCLASS_SYN = 0,
    SS_TCLASS_EST,
    SS_TCLASS_CLOSED,
    SS_TCLASS_N
} ss_tclass;

typedef struct ss_flow {
    /* What every lookup touches comes first, in one cache line; the public summary is large
     * and read rarely, so it comes last. */
    uint64_t hash;
    uint16_t port[2]; /* key: [0] client, [1] server */
    uint8_t ipv;
    uint8_t tclass; /* ss_tclass */
    uint8_t addr[2][16];
    struct ss_flow *lprev, *lnext; /* timeout-class list */
    int64_t lru_sec;               /* packet-time second of its last move in that list */

    ss_tcp_state state;
    int synack_seen;
    int fin_pending[2];  /* FIN seen, not yet reached by the reassembled stream */
    uint32_t fin_seq[2]; /* sequence number the FIN occupies */
    int fin_done[2];
    struct timeval first_syn, last_syn;
    struct timeval end_ts; /* when it closed (FIN pair or RST) */

    ss_app app[2];  /* what each direction's first bytes say */
    int reassemble; /* 0 once the flow is known not to matter: counters only */
    ss_reasm rs[2];
    ss_classify_flow *cls;
    int cls_done;
    int probes[2];          /* mid-stream: segments left to look for an HTTP/TLS start */
    ss_tls *tls;            /* TLS state of a TLS flow until it closes, NULL otherwise */
    scepsniff_tls *tls_sum; /* the summary pub.tls points to, kept until FLOW_END */
    void *tls_ctx;          /* tls_track.c's callback context for it */
    uint64_t tls_pair_bytes[2];
    struct timeval tls_pair_ts;
    void *upper; /* the layer above's per-flow state; it frees it at FLOW_END */
    scepsniff_flow pub;
} ss_flow;

#endif

/* capture_int.h — state shared by the capture layer's own files (capture.c, tcp_track.c);
 * nothing outside capture/ includes it. */
#ifndef SS_CAPTURE_INT_H
#define SS_CAPTURE_INT_H

#include <openssl/types.h>

#include "capture/capture.h"
#include "capture/classify.h"
#include "capture/flow_table.h"
#include "capture/ipfrag.h"
#include "capture/mem.h"
#include "capture/packet.h"
#include "capture/tls_certcache.h"
#include "capture/tls_keylog.h"

struct ss_capture {
    scepsniff_config cfg;
    ss_capture_emit_fn emit;
    void *ctx;
    ss_mem *mem; /* the engine's budget */
    ss_ipfrag *frag;
    ss_flow_table *flows;
    ss_classifier *cls;
    ss_tls_keylog *keylog;   /* TLS secrets; NULL: none given */
    EVP_MD *md5;             /* for TLS JA3 fingerprints; NULL: fetched per use */
    ss_tls_certcache *certs; /* server certificates decoded so far; NULL: none kept */
    scepsniff_stats st;
    uint64_t next_id;
    uint64_t last_flow;        /* flow id of the last packet, 0 for none */
    struct timeval now;        /* newest packet or tick time */
    struct timeval frag_check; /* last fragment-table expiry */
    time_t expired_at;         /* second of the last flow expiry pass */
};

/* Tracks one TCP segment of f sent in direction dir (tcp_track.c). */
void ss_track_packet(ss_capture *c, ss_flow *f, int dir, const ss_packet *p);
/* Sends a DATA event of f: n in-order bytes of dir (reassembled, or decrypted from TLS). */
void ss_track_emit_data(ss_capture *c, ss_flow *f, int dir, const uint8_t *d, size_t n,
                        const struct timeval *ts);
/* Sends one stream event of f. */
void ss_track_emit(ss_capture *c, ss_flow *f, scepsniff_stream_kind kind, int dir,
                   const struct timeval *ts, uint64_t count);
/* Ends f: hands on what reassembly holds, reports the reason (an IDLE_TIMEOUT,
 * END_OF_CAPTURE or EVICTED kind, or 0 for a normal close), FLOW_END, and removes it. */
void ss_track_end(ss_capture *c, ss_flow *f, int reason, const struct timeval *ts);

#endif

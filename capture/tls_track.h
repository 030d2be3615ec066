/* tls_track.h — TLS flows inside the capture layer: their reassembled bytes go to the TLS
 * parser (tls.c) instead of up the stack; what it decrypts comes out as ordinary DATA events,
 * so the HTTP and SCEP layers work the same through TLS; what it learns without keys (version,
 * cipher, alerts, server certificate, record sizes) lands in the flow's public summary. */
#ifndef SS_TLS_TRACK_H
#define SS_TLS_TRACK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include "capture/capture_int.h"

/* 1 when f is a TLS flow (by its first bytes). */
int ss_tls_track_is_tls(const ss_flow *f);
/* Reassembled bytes of a TLS flow. */
void ss_tls_track_data(ss_capture *c, ss_flow *f, int dir, const uint8_t *d, size_t n,
                       const struct timeval *ts);
/* Bytes of dir missing from our capture: that direction cannot be decrypted further. */
void ss_tls_track_gap(ss_capture *c, ss_flow *f, int dir, uint64_t n);
/* dir finished (FIN, RST or the flow's end). */
void ss_tls_track_end(ss_capture *c, ss_flow *f, int dir, const struct timeval *ts);
/* The flow closed or ends: final summary into f->pub.tls, parser state freed. */
void ss_tls_track_free(ss_capture *c, ss_flow *f);
/* After FLOW_END: the summary itself is freed and pub.tls is NULL again. */
void ss_tls_track_forget(ss_capture *c, ss_flow *f);

#endif

/* capture.h — the capture layer: frames in, TCP stream events out.
 *
 * Decodes each frame (packet.c), finds or creates its flow (flow_table.c), tracks the TCP
 * handshake and teardown, reassembles the directions of flows that may carry SCEP (reasm.c),
 * classifies them (classify.c), expires idle flows and evicts at the caps. Everything it
 * learns goes out through one emit callback as scepsniff_event values of type STREAM and
 * FLOW_END, in order. The layer above may hang its own per-flow state on *upper; it must free
 * that state when it sees the flow's FLOW_END event (the last event of every flow).
 */
#ifndef SS_CAPTURE_H
#define SS_CAPTURE_H

#include <stdint.h>
#include <sys/time.h>

#include "scepsniff/scepsniff.h"

typedef struct ss_capture ss_capture;

typedef void (*ss_capture_emit_fn)(void *ctx, void **upper, const scepsniff_event *ev);

struct ss_mem;

/* NULL with a message in errbuf (SCEPSNIFF_ERRBUF_SIZE) on failure. mem is the engine's memory
 * budget, shared with the layers above; it must outlive the capture layer. */
ss_capture *ss_capture_new(const scepsniff_config *cfg, struct ss_mem *mem, ss_capture_emit_fn emit,
                           void *ctx, char *errbuf);
/* -1 for an unsupported link type; every other frame is used or counted. */
int ss_capture_packet(ss_capture *c, int linktype, const struct pcap_pkthdr *h, const uint8_t *pkt);
void ss_capture_tick(ss_capture *c, struct timeval now);
/* Ends every open flow (END_OF_CAPTURE). */
void ss_capture_finish(ss_capture *c);
/* Adds TLS secrets (NSS key log text). Returns how many, or -1 with a message. */
int ss_capture_add_keylog(ss_capture *c, const char *text, size_t len, char *errbuf);
/* The flow id of the last packet (0 when it belonged to no flow). */
uint64_t ss_capture_last_flow(const ss_capture *c);
/* The newest packet or tick time seen. */
void ss_capture_now(const ss_capture *c, struct timeval *now);
void ss_capture_stats(const ss_capture *c, scepsniff_stats *st);
void ss_capture_free(ss_capture *c);

#endif

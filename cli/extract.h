/* extract.h — -w FILE: write only the packets of flows that carried SCEP (or tried to), to
 * hand to support. A flow's packets are held (bounded) until the engine reports an exchange
 * on it, then written in order with everything after; flows that end without one are
 * dropped. */
#ifndef SS_CLI_EXTRACT_H
#define SS_CLI_EXTRACT_H

#include <pcap/pcap.h>

#include "scepsniff/scepsniff.h"

typedef struct ss_extract ss_extract;

/* NULL with a message printed on failure. */
ss_extract *ss_extract_new(const char *path);
/* The packet just given to the engine, of flow id (0: none), on a capture of linktype. */
void ss_extract_packet(ss_extract *x, uint64_t flow, int linktype, const struct pcap_pkthdr *h,
                       const uint8_t *pkt);
/* Engine events: an exchange marks its flow, FLOW_END forgets it. */
void ss_extract_event(ss_extract *x, const scepsniff_event *ev);
/* Flushes and closes; prints what was written and what could not be kept. */
void ss_extract_free(ss_extract *x);

#endif

/* frames.h — builds Ethernet/IPv4/IPv6/TCP frames for unit tests of edge cases that loopback
 * cannot produce on demand (lost segments, snaplen cuts, precise orderings). Checksums are
 * left zero: scepsniff, like a passive sensor, does not verify them. */
#ifndef SS_TEST_FRAMES_H
#define SS_TEST_FRAMES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct ss_test_tcp {
    int v6;
    const char *src, *dst; /* textual addresses */
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags; /* SS_TH_* */
    const void *payload;
    size_t len;
} ss_test_tcp;

/* Writes an Ethernet frame into buf (at least 128 + len bytes); returns its length. */
size_t ss_test_frame(uint8_t *buf, const ss_test_tcp *t);

#endif

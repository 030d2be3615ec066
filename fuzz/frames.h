/* frames.h — the input framing shared by the packet-path fuzz targets (fuzz_packet.c: the whole
 * engine; fuzz_capture.c: the capture layer alone). fuzz/pcap2seed.py writes it from pcaps.
 *
 *   | selector | length (BE, 16) | frame (length bytes) |   repeated to the end of the input;
 *   a short last frame is cut to what is left.
 *   selector bits 0-2: link type (index into ss_fuzz_link_types)
 *            bits 3-6: time step before the frame (index into ss_fuzz_time_steps_us)
 *            bit 7:    the wire length is 1000 bytes longer than captured (a snaplen cut)
 * Each frame is copied into an exact-size allocation, so ASan sees any read past its end.
 */
#ifndef SS_FUZZ_FRAMES_H
#define SS_FUZZ_FRAMES_H

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

/* LINKTYPE_* values as pcap files carry them (tcpdump.org/linktypes.html). */
static const int ss_fuzz_link_types[8] = {
    1,   /* ETHERNET */
    113, /* LINUX_SLL */
    276, /* LINUX_SLL2 */
    101, /* RAW */
    0,   /* NULL (BSD loopback, host byte order) */
    108, /* LOOP (BSD loopback, network byte order) */
    228, /* IPV4 */
    229, /* IPV6 */
};

/* Spread so that retransmission timing, the SYN, closed and idle timeouts are all reached. */
static const uint32_t ss_fuzz_time_steps_us[16] = {
    0,        1,        100,       1000,      10000,     50000,      200000,     1000000,
    2000000u, 5000000u, 15000000u, 31000000u, 61000000u, 121000000u, 301000000u, 3601000000u,
};

typedef void (*ss_fuzz_frame_fn)(void *ctx, int linktype, const struct pcap_pkthdr *h,
                                 const uint8_t *frame);
/* a quiet second or more passed: what live capture would tick */
typedef void (*ss_fuzz_tick_fn)(void *ctx, struct timeval now);

static inline void ss_fuzz_frames(const uint8_t *data, size_t size, ss_fuzz_frame_fn frame_fn,
                                  ss_fuzz_tick_fn tick_fn, void *ctx)
{
    struct timeval now = {1700000000, 0};
    size_t off = 0;
    while (size - off >= 3) {
        struct pcap_pkthdr h;
        uint8_t sel = data[off];
        size_t len = ((size_t)data[off + 1] << 8) | data[off + 2];
        uint32_t step = ss_fuzz_time_steps_us[(sel >> 3) & 0x0f];
        off += 3;
        if (len > size - off)
            len = size - off;
        uint64_t usec = (uint64_t)now.tv_usec + step;
        now.tv_sec += (time_t)(usec / 1000000u);
        now.tv_usec = (suseconds_t)(usec % 1000000u);
        if (step >= 1000000u)
            tick_fn(ctx, now);
        uint8_t *frame = malloc(len); /* exact size, even zero: ASan guards the end */
        if (!frame && len)
            break;
        memcpy(frame, data + off, len);
        memset(&h, 0, sizeof(h));
        h.ts = now;
        h.caplen = (bpf_u_int32)len;
        h.len = (bpf_u_int32)len + ((sel & 0x80) ? 1000u : 0u);
        frame_fn(ctx, ss_fuzz_link_types[sel & 0x07], &h, frame);
        free(frame);
        off += len;
    }
}

#endif

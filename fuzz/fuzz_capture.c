/* fuzz_capture.c — libFuzzer target for the capture layer alone (frames → link, IP, fragments,
 * TCP, flow table, reassembly, TLS records, stream events), without the HTTP and SCEP layers
 * above, so that the packet path gets millions of inputs in a fuzzing session. Same framing as
 * fuzz_packet.c (fuzz/frames.h); every event's fields and bytes are read. */
#include <stddef.h>
#include <stdint.h>

#include "capture/capture.h"
#include "capture/mem.h"
#include "fuzz/frames.h"

#define FUZZ_MAX_FLOWS  64
#define FUZZ_MAX_MEMORY (4u << 20)

static void on_event(void *ctx, void **upper, const scepsniff_event *ev)
{
    uint64_t *sink = ctx;
    (void)upper;
    *sink += (uint64_t)ev->type + (uint64_t)ev->kind + ev->count + (uint64_t)ev->dir;
    if (ev->len && !ev->data)
        __builtin_trap();
    for (size_t i = 0; i < ev->len; i++)
        *sink += ev->data[i];
    if (ev->dir != SCEPSNIFF_DIR_TO_SERVER && ev->dir != SCEPSNIFF_DIR_TO_CLIENT)
        __builtin_trap();
}

static void feed(void *ctx, int linktype, const struct pcap_pkthdr *h, const uint8_t *frame)
{
    if (ss_capture_packet(ctx, linktype, h, frame) != 0)
        __builtin_trap(); /* every link type in the table is supported */
}

static void tick(void *ctx, struct timeval now)
{
    ss_capture_tick(ctx, now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char errbuf[SCEPSNIFF_ERRBUF_SIZE];
    scepsniff_config cfg;
    uint64_t sink = 0;

    scepsniff_config_init(&cfg);
    cfg.max_flows = FUZZ_MAX_FLOWS;
    cfg.max_memory = FUZZ_MAX_MEMORY;
    cfg.hash_seed = 0x5ce95eed;
    cfg.classify = 0; /* nDPI is fuzzed through fuzz_packet.c (its set-up is slow) */
    ss_mem mem = {cfg.max_memory, 0, 0, 0};
    ss_capture *c = ss_capture_new(&cfg, &mem, on_event, &sink, errbuf);
    if (!c)
        __builtin_trap();
    ss_fuzz_frames(data, size, feed, tick, c);
    if (mem.peak > FUZZ_MAX_MEMORY)
        __builtin_trap(); /* the budget is a cap, not a hint */
    ss_capture_free(c);   /* reports what is still open */
    if (mem.used != 0)
        __builtin_trap(); /* everything charged was given back */
    volatile uint64_t keep = sink;
    (void)keep;
    return 0;
}

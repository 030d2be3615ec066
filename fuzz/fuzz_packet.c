/* fuzz_packet.c — libFuzzer target for the whole packet path of the public API: link layers, IP
 * (fragments included), TCP tracking and reassembly, nDPI classification, stream events, JSON.
 *
 * Input framing (fuzz/pcap2seed.py writes it from pcap files), repeated to the end of input:
 *
 *   +----------+-----------------+---------------------+
 *   | selector | length (BE, 16) | frame (length bytes)|   a short last frame is cut to what is
 * left
 *   +----------+-----------------+---------------------+
 *   selector bits 0-2: link type (index into link_types)
 *            bits 3-6: time step since the previous frame (index into time_steps_us)
 *            bit  7:   the capture cut the frame: its wire length is larger than captured
 *
 * A fresh engine per input with small caps, so that eviction and the memory cap are reached by
 * small inputs. Each frame is copied into an exact-size buffer so AddressSanitizer sees an
 * overread by one byte. The event callback reads every field and byte and checks what the API
 * promises (terminated strings, data behind every DATA length, valid JSON).
 */
#include <jansson.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scepsniff/scepsniff.h"
#include "fuzz/frames.h"

#define FUZZ_MAX_FLOWS  64
#define FUZZ_MAX_MEMORY (4u << 20)

typedef struct fuzz_ctx {
    uint64_t sink; /* everything read ends here, so nothing is optimised away */
} fuzz_ctx;

/* The API promises NUL-terminated strings in fixed arrays. */
static size_t checked_strlen(const char *s, size_t cap)
{
    const char *nul = memchr(s, '\0', cap);
    if (!nul)
        __builtin_trap();
    return (size_t)(nul - s);
}

static void touch_flow(fuzz_ctx *x, const scepsniff_flow *f)
{
    int d;

    x->sink += f->id + (uint64_t)f->ip_version + f->client_port + f->server_port;
    x->sink += checked_strlen(f->client_ip, sizeof(f->client_ip));
    x->sink += checked_strlen(f->server_ip, sizeof(f->server_ip));
    x->sink += checked_strlen(f->app, sizeof(f->app));
    x->sink += checked_strlen(f->sni, sizeof(f->sni));
    x->sink += (uint64_t)f->client_inferred + (uint64_t)f->app_proxy;
    x->sink += (uint64_t)f->first_seen.tv_sec + (uint64_t)f->first_seen.tv_usec;
    x->sink += (uint64_t)f->last_seen.tv_sec + (uint64_t)f->last_seen.tv_usec;
    for (d = 0; d < 2; d++)
        x->sink += f->packets[d] + f->wire_bytes[d] + f->payload_bytes[d] + f->delivered[d] +
                   f->gap_bytes[d];
    x->sink += f->syns + f->retransmits + f->out_of_order + f->overlap_conflicts;
    if (f->ip_version != 4 && f->ip_version != 6)
        __builtin_trap();
}

/* JSON into a stack buffer; if it does not fit, once more into one of the size it asked for.
 * Whatever comes out must parse as one JSON object of exactly the announced length. */
static void touch_json(fuzz_ctx *x, const scepsniff_event *ev)
{
    char stack[2048], *buf = stack;
    int n = scepsniff_event_to_json(ev, stack, sizeof(stack)), n2;
    json_error_t err;
    json_t *obj;

    if (n < 0)
        return; /* an error is allowed; a lie about the length is not */
    if ((size_t)n >= sizeof(stack)) {
        buf = malloc((size_t)n + 1);
        if (!buf)
            return;
        n2 = scepsniff_event_to_json(ev, buf, (size_t)n + 1);
        if (n2 != n)
            __builtin_trap();
    }
    if (strlen(buf) != (size_t)n)
        __builtin_trap();
    obj = json_loadb(buf, (size_t)n, JSON_ALLOW_NUL, &err);
    if (!obj || !json_is_object(obj))
        __builtin_trap();
    x->sink += json_object_size(obj);
    json_decref(obj);
    if (buf != stack)
        free(buf);
}

static void on_event(const scepsniff_event *ev, void *user)
{
    fuzz_ctx *x = user;
    const char *kname;
    size_t i;

    x->sink += (uint64_t)ev->type + (uint64_t)ev->ts.tv_sec + (uint64_t)ev->ts.tv_usec;
    x->sink += (uint64_t)ev->kind + (uint64_t)ev->dir + ev->count + (uint64_t)ev->duration;
    if (ev->flow)
        touch_flow(x, ev->flow);
    if (ev->type == SCEPSNIFF_EVENT_STREAM) {
        kname = scepsniff_stream_kind_name(ev->kind);
        if (!kname)
            __builtin_trap();
        x->sink += strlen(kname);
        if (ev->dir != SCEPSNIFF_DIR_TO_SERVER && ev->dir != SCEPSNIFF_DIR_TO_CLIENT)
            __builtin_trap();
    }
    if (ev->len && !ev->data)
        __builtin_trap();
    for (i = 0; i < ev->len; i++)
        x->sink += ev->data[i];
    touch_json(x, ev);
}

static void feed(void *ctx, int linktype, const struct pcap_pkthdr *h, const uint8_t *frame)
{
    if (scepsniff_engine_packet(ctx, linktype, h, frame) != 0)
        __builtin_trap(); /* every link type in the table is supported */
}

static void tick(void *ctx, struct timeval now)
{
    scepsniff_engine_tick(ctx, now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char errbuf[SCEPSNIFF_ERRBUF_SIZE];
    scepsniff_config cfg;
    scepsniff_engine *e;
    scepsniff_stats st;
    fuzz_ctx x = {0};

    scepsniff_config_init(&cfg);
    cfg.max_flows = FUZZ_MAX_FLOWS;
    cfg.max_memory = FUZZ_MAX_MEMORY;
    cfg.hash_seed = 0x5ce95eed; /* fixed: a crash must replay the same way */
    cfg.stream_events = 1;
    /* nDPI's set-up costs ~80 ms under ASan: with it on every input the fuzzer crawls at a few
     * inputs a second. One input in 64 (by its length) runs with nDPI; the rest exercise the
     * rest of the engine at full speed. */
    cfg.classify = (size % 64) == 0;
    e = scepsniff_engine_new(&cfg, on_event, &x, errbuf);
    if (!e)
        __builtin_trap(); /* these settings are valid: failing to start is a bug */

    ss_fuzz_frames(data, size, feed, tick, e);

    scepsniff_engine_stats(e, &st);
    /* the budget is a cap, not a hint */
    if (st.memory_peak > FUZZ_MAX_MEMORY || st.flows_active > FUZZ_MAX_FLOWS)
        __builtin_trap();
    scepsniff_engine_finish(e);
    scepsniff_engine_free(e);
    {
        volatile uint64_t keep = x.sink; /* so the callback's reads are not optimised away */
        (void)keep;
    }
    return 0;
}

/* engine.c — the public engine (include/scepsniff/scepsniff.h): owns one instance of each
 * layer and wires them in one direction, capture → (decode → detect) → the host's callback.
 * No globals: every engine is independent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scepsniff/scepsniff.h"
#include "capture/capture.h"
#include "capture/packet.h"

struct scepsniff_engine {
    scepsniff_config cfg;
    scepsniff_event_fn on_event;
    void *user;
    ss_capture *cap;
};

void scepsniff_config_init(scepsniff_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->max_flows = 262144;
    cfg->max_stream_buffer = 1024 * 1024;
    cfg->max_memory = (size_t)512 * 1024 * 1024;
    /* Linux retries a SYN for ~127 s with gaps up to 64 s; Windows for ~21 s. */
    cfg->syn_timeout = 75;
    cfg->idle_timeout = 300;
    cfg->closed_timeout = 10;
    cfg->classify = 1;
}

/* The capture layer's events, handed on. Stream events reach the host only in the
 * diagnostic view; FLOW_END always does. */
static void from_capture(void *ctx, void **upper, const scepsniff_event *ev)
{
    scepsniff_engine *e = ctx;
    (void)upper;
    if (!e->on_event)
        return;
    if (ev->type == SCEPSNIFF_EVENT_STREAM && !e->cfg.stream_events)
        return;
    e->on_event(ev, e->user);
}

scepsniff_engine *scepsniff_engine_new(const scepsniff_config *cfg, scepsniff_event_fn on_event,
                                       void *user, char *errbuf)
{
    scepsniff_engine *e = calloc(1, sizeof(*e));
    if (!e) {
        snprintf(errbuf, SCEPSNIFF_ERRBUF_SIZE, "out of memory");
        return NULL;
    }
    if (cfg)
        e->cfg = *cfg;
    else
        scepsniff_config_init(&e->cfg);
    e->on_event = on_event;
    e->user = user;
    e->cap = ss_capture_new(&e->cfg, from_capture, e, errbuf);
    if (!e->cap) {
        free(e);
        return NULL;
    }
    return e;
}

int scepsniff_linktype_supported(int linktype)
{
    return ss_packet_linktype_supported(linktype);
}

int scepsniff_engine_packet(scepsniff_engine *e, int linktype, const struct pcap_pkthdr *hdr,
                            const uint8_t *pkt)
{
    return ss_capture_packet(e->cap, linktype, hdr, pkt);
}

void scepsniff_engine_tick(scepsniff_engine *e, struct timeval now)
{
    ss_capture_tick(e->cap, now);
}

void scepsniff_engine_finish(scepsniff_engine *e)
{
    ss_capture_finish(e->cap);
}

void scepsniff_engine_stats(const scepsniff_engine *e, scepsniff_stats *out)
{
    ss_capture_stats(e->cap, out);
}

void scepsniff_engine_free(scepsniff_engine *e)
{
    if (!e)
        return;
    ss_capture_free(e->cap);
    free(e);
}

/* engine.c — the public engine (include/scepsniff/scepsniff.h): owns one instance of each
 * layer and wires them in one direction, capture → (decode → detect) → the host's callback.
 * No globals: every engine is independent.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scepsniff/scepsniff.h"
#include "capture/capture.h"
#include "capture/mem.h"
#include "capture/packet.h"
#include "decode/decoder.h"
#include "detect/detector.h"

struct scepsniff_engine {
    scepsniff_config cfg;
    ss_mem mem; /* one budget for every layer's per-flow state */
    ss_detector *detect;
    ss_decoder *decode;
    ss_capture *cap;
    time_t ticked; /* second of the last detector tick */
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
    cfg->stall_timeout = 60;
    cfg->cert_warn_days = 30;
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
    e->mem.cap = e->cfg.max_memory;
    /* built top-down so that each layer's sink exists before the layer below feeds it */
    if (!(e->detect = ss_detector_new(&e->cfg, on_event, user, errbuf)))
        goto fail;
    ss_decoder_sink sink = {ss_detector_on_tx, ss_detector_on_event, e->detect};
    if (!(e->decode = ss_decoder_new(&e->mem, &sink, errbuf)))
        goto fail;
    for (size_t i = 0; i < e->cfg.nra_keys; i++)
        if (ss_decoder_add_ra_key(e->decode, e->cfg.ra_keys[i], e->cfg.ra_key_password, errbuf))
            goto fail;
    ss_decoder_show_secrets(e->decode, e->cfg.show_secrets);
    for (size_t i = 0; i < e->cfg.nca_files; i++)
        if (ss_decoder_add_ca_file(e->decode, e->cfg.ca_files[i], errbuf))
            goto fail;
    if (ss_detector_expect_ca(e->detect, e->cfg.expect_ca_thumbprints,
                              ss_decoder_ca_certs(e->decode), errbuf))
        goto fail;
    e->cfg.ca_files = NULL;
    e->cfg.nca_files = 0;
    /* the engine keeps no pointer to the host's key list or password */
    e->cfg.ra_keys = NULL;
    e->cfg.nra_keys = 0;
    e->cfg.ra_key_password = NULL;
    if (!(e->cap = ss_capture_new(&e->cfg, &e->mem, ss_decoder_on_capture, e->decode, errbuf)))
        goto fail;
    return e;
fail:
    scepsniff_engine_free(e);
    return NULL;
}

int scepsniff_linktype_supported(int linktype)
{
    return ss_packet_linktype_supported(linktype);
}

/* Enrollment stall times are whole seconds: one detector tick per second of time is enough. */
static void tick_detector(scepsniff_engine *e, const struct timeval *now)
{
    if (now->tv_sec > e->ticked) {
        e->ticked = now->tv_sec;
        ss_detector_tick(e->detect, now);
    }
}

int scepsniff_engine_packet(scepsniff_engine *e, int linktype, const struct pcap_pkthdr *hdr,
                            const uint8_t *pkt)
{
    int rc = ss_capture_packet(e->cap, linktype, hdr, pkt);
    tick_detector(e, &hdr->ts);
    return rc;
}

int scepsniff_engine_add_keylog(scepsniff_engine *e, const char *text, size_t len, char *errbuf)
{
    return ss_capture_add_keylog(e->cap, text, len, errbuf);
}

uint64_t scepsniff_engine_last_flow(const scepsniff_engine *e)
{
    return ss_capture_last_flow(e->cap);
}

void scepsniff_engine_tick(scepsniff_engine *e, struct timeval now)
{
    ss_capture_tick(e->cap, now);
    tick_detector(e, &now);
}

void scepsniff_engine_finish(scepsniff_engine *e)
{
    struct timeval now;
    ss_capture_finish(e->cap);
    ss_capture_now(e->cap, &now);
    if (!now.tv_sec)
        gettimeofday(&now, NULL); /* no packet at all: judge the certificates as of today */
    if (ss_decoder_ca_certs(e->decode))
        ss_detector_judge_ca_file(e->detect, ss_decoder_libctx(e->decode),
                                  ss_decoder_ca_certs(e->decode), &now);
    ss_detector_finish(e->detect, &now);
}

void scepsniff_engine_stats(const scepsniff_engine *e, scepsniff_stats *out)
{
    ss_capture_stats(e->cap, out);
}

void scepsniff_engine_free(scepsniff_engine *e)
{
    if (!e)
        return;
    ss_capture_free(e->cap); /* reports what is still open through the layers above */
    ss_decoder_free(e->decode);
    ss_detector_free(e->detect);
    free(e);
}

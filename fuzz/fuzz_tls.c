/* fuzz_tls.c — libFuzzer target for the TLS layer: record layer, handshake parser, certificate
 * facts, decryption (capture/tls*.c: tls.c and the files it is split into, tls_crypto.c) and
 * the key log reader (tls_keylog.c).
 *
 * The input is a script for one connection, as the capture layer would hand it on:
 *   byte 0            bit 0 a key log follows; bit 1 tight memory budget; bit 2 small
 *                     max_handshake; bit 3 feed data one byte at a time; bit 4 big-endian DSB
 *   [if bit 0]        key log length (16-bit little-endian) and that many bytes of key log
 *                     text; added as text and again wrapped in a Decryption Secrets Block
 *   then records      [op][len lo][len hi][payload]
 *     op & 3 = 0 / 1  data to the server / to the client, len payload bytes follow
 *              2      a capture gap of len bytes (direction: op bit 2), no payload
 *              3      end of stream (direction: op bit 2), len ignored
 *     op bits 4-7     seconds added to the timestamp
 * After the script both directions end, everything is freed, and the memory budget must be
 * back to zero. Seeds (fuzz/corpus/tls/) are the captures of tests/data/tls/ with their key
 * logs, written by the unit test: SS_TLS_WRITE_SEEDS=fuzz/corpus/tls tests/unit/test_tls.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/mem.h"
#include "capture/tls.h"
#include "capture/tls_keylog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_plain(void *ctx, int dir, const uint8_t *d, size_t n, const struct timeval *ts)
{
    unsigned *sum = ctx;

    (void)ts;
    if (dir < 0 || dir > 1 || n == 0)
        abort();
    for (size_t i = 0; i < n; i++)
        *sum += d[i];
}

/* Reads every field a report would, so that the sanitizers check them. */
static void on_event(void *ctx, const ss_tls_event *ev)
{
    const ss_tls_info *in = ev->info;
    unsigned *sum = ctx;

    *sum += (unsigned)(strlen(ss_tls_ev_name(ev->kind)) + strlen(ev->detail) +
                       strlen(ss_tls_reason_name(ev->reason)) +
                       strlen(ss_tls_alert_name(ev->alert_desc)));
    *sum += (unsigned)(strlen(in->sni) + strlen(in->alpn_offered) + strlen(in->ja3) +
                       strlen(in->ja3_hash) + strlen(in->cipher) + strlen(in->cipher_openssl) +
                       strlen(in->alpn) + strlen(ss_tls_version_name(in->version)));
    if (in->ncerts > SS_TLS_MAX_CERTS || in->nversions_offered > SS_TLS_MAX_VERSIONS)
        abort();
    for (unsigned i = 0; i < in->ncerts; i++)
        *sum += (unsigned)(strlen(in->certs[i].subject) + strlen(in->certs[i].issuer) +
                           strlen(in->certs[i].sans) + strlen(in->certs[i].not_after_iso));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ss_mem mem = {0};
    ss_tls_keylog *kl = NULL;
    ss_tls_config cfg;
    ss_tls_sink sink;
    ss_tls *t = NULL;
    struct timeval ts = {1700000000, 0};
    unsigned sum = 0;
    size_t pos = 1;
    uint8_t flags;

    if (size < 1)
        return 0;
    flags = data[0];
    if (flags & 1) {
        size_t k;
        uint8_t *dsb;

        if (size < 3)
            return 0;
        k = (size_t)data[1] | (size_t)data[2] << 8;
        pos = 3;
        if (k > size - pos)
            k = size - pos;
        /* a small table, so that eviction runs too */
        kl = ss_tls_keylog_new(16);
        if (!kl)
            return 0;
        ss_tls_keylog_add_text(kl, (const char *)data + pos, k);
        dsb = malloc(8 + k);
        if (dsb) {
            int be = (flags >> 4) & 1;
            for (int i = 0; i < 4; i++) {
                dsb[be ? i : 3 - i] = (uint8_t)(SS_TLS_DSB_TLS_KEYLOG >> (24 - 8 * i));
                dsb[4 + (be ? i : 3 - i)] = (uint8_t)(k >> (24 - 8 * i));
            }
            memcpy(dsb + 8, data + pos, k);
            ss_tls_keylog_add_dsb(kl, dsb, 8 + k, be);
            free(dsb);
        }
        pos += k;
    }
    if (flags & 2)
        mem.cap = 64 * 1024;
    memset(&cfg, 0, sizeof(cfg));
    cfg.keylog = kl;
    cfg.mem = &mem;
    cfg.max_handshake = flags & 4 ? 256 : 0;
    sink.plaintext = on_plain;
    sink.event = on_event;
    sink.ctx = &sum;
    t = ss_tls_new(&cfg, &sink);
    if (!t)
        goto done;

    while (pos + 3 <= size) {
        uint8_t op = data[pos];
        size_t len = (size_t)data[pos + 1] | (size_t)data[pos + 2] << 8;
        int dir = (op >> 2) & 1;

        pos += 3;
        ts.tv_sec += op >> 4;
        switch (op & 3) {
        case 0:
        case 1:
            if (len > size - pos)
                len = size - pos;
            if (flags & 8)
                for (size_t i = 0; i < len; i++)
                    ss_tls_feed(t, op & 1, data + pos + i, 1, &ts);
            else
                ss_tls_feed(t, op & 1, data + pos, len, &ts);
            pos += len;
            break;
        case 2:
            ss_tls_gap(t, dir, len);
            break;
        case 3:
            ss_tls_end(t, dir, &ts);
            break;
        }
    }
    ss_tls_end(t, 0, &ts);
    ss_tls_end(t, 1, &ts);
    {
        /* the info block stays readable after the end */
        ss_tls_event ev;
        memset(&ev, 0, sizeof(ev));
        ev.info = ss_tls_get_info(t);
        ev.detail = "";
        on_event(&sum, &ev);
    }
done:
    ss_tls_free(t);
    ss_tls_keylog_free(kl);
    /* every byte charged to the budget was given back */
    if (mem.used != 0)
        abort();
    return (int)(sum & 0);
}

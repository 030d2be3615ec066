/* decoder.c — the decode layer (see decoder.h): stream events → libhtp → SCEP bodies. */
#include "decode/decoder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "decode/ossl_ctx.h"
#include "decode/ra_keys.h"
#include "decode/scep_certset.h"

struct ss_decoder {
    ss_mem *mem;
    ss_decoder_sink sink;
    ss_http_ctx *http;
    ss_ossl *ossl;
    ss_ra_keys *keys;          /* NULL until a key is added */
    STACK_OF(X509) * ca_certs; /* --ca-file certificates, NULL when none */
    unsigned content_flags;
};

/* What the decoder keeps per flow (in the capture layer's slot). */
typedef struct flow_state {
    ss_decoder *d;
    const scepsniff_flow *flow;
    ss_http_conn *http;
    int http_failed; /* the connection parser could not be had: counted once, not retried */
    void *above;     /* the detector's slot */
} flow_state;

ss_decoder *ss_decoder_new(ss_mem *mem, const ss_decoder_sink *sink, char *errbuf)
{
    char err[SCEPSNIFF_ERRBUF_SIZE] = "";
    ss_decoder *d = calloc(1, sizeof(*d));
    if (!d) {
        snprintf(errbuf, SCEPSNIFF_ERRBUF_SIZE, "out of memory");
        return NULL;
    }
    d->mem = mem;
    d->sink = *sink;
    if (!(d->ossl = ss_ossl_new(err, sizeof(err)))) {
        snprintf(errbuf, SCEPSNIFF_ERRBUF_SIZE, "OpenSSL: %s", err);
        goto fail;
    }
    if (!(d->http = ss_http_ctx_new(NULL, mem, err, sizeof(err)))) {
        snprintf(errbuf, SCEPSNIFF_ERRBUF_SIZE, "HTTP parser: %s", err);
        goto fail;
    }
    return d;
fail:
    ss_decoder_free(d);
    return NULL;
}

OSSL_LIB_CTX *ss_decoder_libctx(const ss_decoder *d)
{
    return ss_ossl_libctx(d->ossl);
}

int ss_decoder_add_ra_key(ss_decoder *d, const char *path, const char *password, char *errbuf)
{
    char err[SCEPSNIFF_ERRBUF_SIZE] = "";
    if (!d->keys && !(d->keys = ss_ra_keys_new(ss_ossl_libctx(d->ossl)))) {
        snprintf(errbuf, SCEPSNIFF_ERRBUF_SIZE, "out of memory");
        return -1;
    }
    if (ss_ra_keys_load_file(d->keys, path, password, err, sizeof(err)) < 0) {
        snprintf(errbuf, SCEPSNIFF_ERRBUF_SIZE, "RA key %s: %s", path, err);
        return -1;
    }
    return 0;
}

int ss_decoder_add_ca_file(ss_decoder *d, const char *path, char *errbuf)
{
    char err[SCEPSNIFF_ERRBUF_SIZE] = "";
    STACK_OF(X509) *set =
        ss_scep_certset_read_file(ss_ossl_libctx(d->ossl), path, err, sizeof(err));
    if (!set) {
        snprintf(errbuf, SCEPSNIFF_ERRBUF_SIZE, "CA file %s: %s", path, err);
        return -1;
    }
    if (!d->ca_certs) {
        d->ca_certs = set;
        return 0;
    }
    while (sk_X509_num(set) > 0)
        sk_X509_push(d->ca_certs, sk_X509_shift(set));
    ss_scep_certset_free(set);
    return 0;
}

STACK_OF(X509) * ss_decoder_ca_certs(const ss_decoder *d)
{
    return d->ca_certs;
}

void ss_decoder_show_secrets(ss_decoder *d, int on)
{
    d->content_flags = on ? SS_SCEP_CONTENT_SECRETS : 0;
}

void ss_decoder_free(ss_decoder *d)
{
    if (!d)
        return;
    ss_ra_keys_free(d->keys);
    ss_scep_certset_free(d->ca_certs);
    ss_http_ctx_free(d->http);
    ss_ossl_free(d->ossl);
    free(d);
}

/* The PKIOperation request: the POST body, or the GET message= already base64-decoded. */
static void request_body(const ss_http_tx *h, const uint8_t **p, size_t *n)
{
    *p = NULL;
    *n = 0;
    if (h->scep.der &&
        (h->scep.der_status == SS_SCEP_DER_OK || h->scep.der_status == SS_SCEP_DER_REPAIRED)) {
        *p = h->scep.der;
        *n = h->scep.der_len;
    } else if (h->req_body_len) {
        *p = h->req_body;
        *n = h->req_body_len;
    }
}

/* Bodies are decoded only when the response is a success: an error page is not a message. */
static void on_tx(void *user, const ss_http_tx *h)
{
    flow_state *fs = user;
    ss_decoder *d = fs->d;
    OSSL_LIB_CTX *lib = ss_ossl_libctx(d->ossl);
    ss_decoded_tx tx = {h, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    ss_scep_content *content = NULL;
    ss_scep_sigcheck *sig = NULL;
    ss_scep_msg *req = NULL, *rep = NULL;
    ss_scep_caps *caps = NULL;
    ss_scep_certs *certs = NULL;
    int ok = h->status == 200 && h->res_body_len > 0;

    if (h->scep.is_scep) {
        switch (h->scep.op) {
        case SS_SCEP_OP_PKIOPERATION: {
            const uint8_t *p;
            size_t n;
            request_body(h, &p, &n);
            if (n && (req = malloc(sizeof(*req)))) {
                ss_scep_msg_decode(lib, p, n, req);
                tx.request = req;
            }
            if (n && d->keys && (content = calloc(1, sizeof(*content)))) {
                ss_scep_content_decode(lib, d->keys, p, n, req ? req->message_type : -1,
                                       d->content_flags, content);
                tx.content = content;
            }
            if (ok && (rep = malloc(sizeof(*rep)))) {
                ss_scep_msg_decode(lib, h->res_body, h->res_body_len, rep);
                tx.reply = rep;
            }
            if (ok && (sig = calloc(1, sizeof(*sig)))) {
                ss_scep_msg_verify(lib, h->res_body, h->res_body_len, d->ca_certs, sig);
                tx.reply_sig = sig;
            }
            break;
        }
        case SS_SCEP_OP_GETCACAPS:
            if (ok && (caps = malloc(sizeof(*caps)))) {
                ss_scep_caps_decode(h->res_body, h->res_body_len, caps);
                tx.caps = caps;
            }
            break;
        case SS_SCEP_OP_GETCACERT:
        case SS_SCEP_OP_GETNEXTCACERT:
            if (ok && (certs = malloc(sizeof(*certs)))) {
                ss_scep_certs_decode(lib, h->res_body, h->res_body_len, certs);
                tx.certs = certs;
                tx.certs_x509 = ss_scep_certset_from_body(lib, h->res_body, h->res_body_len);
            }
            break;
        default:
            break;
        }
    }
    if (d->sink.tx)
        d->sink.tx(d->sink.ctx, &fs->above, fs->flow, &tx);
    if (content) /* the challenge may be in it: wipe before freeing */
        OPENSSL_cleanse(content, sizeof(*content));
    free(content);
    ss_scep_certset_free(tx.certs_x509);
    free(sig);
    free(req);
    free(rep);
    free(caps);
    free(certs);
}

static flow_state *state_of(ss_decoder *d, void **upper, const scepsniff_flow *flow)
{
    flow_state *fs = *upper;
    if (!fs && (fs = ss_mem_calloc(d->mem, sizeof(*fs)))) {
        fs->d = d;
        *upper = fs;
    }
    if (fs)
        fs->flow = flow;
    return fs;
}

static ss_http_conn *http_of(flow_state *fs, const scepsniff_flow *flow)
{
    /* a TLS flow's DATA events carry what TLS decrypted: HTTP too */
    if (fs->http || fs->http_failed || (strcmp(flow->app, "HTTP") && !flow->tls))
        return fs->http;
    char err[SCEPSNIFF_ERRBUF_SIZE];
    fs->http = ss_http_conn_new(fs->d->http, on_tx, fs, err, sizeof(err));
    fs->http_failed = !fs->http;
    return fs->http;
}

static void feed_http(flow_state *fs, const scepsniff_event *ev)
{
    ss_http_conn *c = fs->http;
    switch (ev->kind) {
    case SCEPSNIFF_STREAM_DATA:
        if ((c = http_of(fs, ev->flow)))
            ss_http_conn_data(c, ev->dir, ev->data, ev->len, &ev->ts);
        break;
    case SCEPSNIFF_STREAM_GAP:
        if (c)
            ss_http_conn_gap(c, ev->dir, ev->count, &ev->ts);
        break;
    case SCEPSNIFF_STREAM_FIN:
    case SCEPSNIFF_STREAM_RST:
        if (c)
            ss_http_conn_close(c, ev->dir, ev->kind == SCEPSNIFF_STREAM_RST, &ev->ts);
        break;
    default:
        break;
    }
}

void ss_decoder_on_capture(void *ctx, void **upper, const scepsniff_event *ev)
{
    ss_decoder *d = ctx;
    flow_state *fs = state_of(d, upper, ev->flow);
    if (!fs) {
        /* the memory budget refused even this: pass the event on without decoding */
        void *none = NULL;
        d->sink.event(d->sink.ctx, &none, ev);
        return;
    }
    if (ev->type == SCEPSNIFF_EVENT_STREAM) {
        /* the detector hears how a flow ended before the transactions it leaves open */
        if (ev->kind != SCEPSNIFF_STREAM_DATA && ev->kind != SCEPSNIFF_STREAM_GAP)
            d->sink.event(d->sink.ctx, &fs->above, ev);
        feed_http(fs, ev);
        if (ev->kind == SCEPSNIFF_STREAM_DATA || ev->kind == SCEPSNIFF_STREAM_GAP)
            d->sink.event(d->sink.ctx, &fs->above, ev);
        return;
    }
    if (fs->http) {
        ss_http_conn_finish(fs->http, &ev->ts);
        ss_http_conn_free(fs->http);
        fs->http = NULL;
    }
    d->sink.event(d->sink.ctx, &fs->above, ev);
    ss_mem_free(d->mem, fs, sizeof(*fs));
    *upper = NULL;
}

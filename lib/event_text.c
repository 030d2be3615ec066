/* event_text.c — the readable multi-line view of an exchange's decoded fields (-v), built from
 * the decoder's own text renderers so that text and JSON show the same facts. */
#include <stdio.h>
#include <string.h>

#include "scepsniff/scepsniff.h"
#include "decode/decoder.h"
#include "decode/scep_content_render.h"
#include "decode/scep_render.h"

typedef struct out {
    char *buf;
    size_t len, used;
} out;

static void put(out *o, const char *s, size_t n)
{
    if (o->used < o->len) {
        size_t room = o->len - o->used - 1;
        memcpy(o->buf + o->used, s, n < room ? n : room);
        o->buf[o->used + (n < room ? n : room)] = '\0';
    }
    o->used += n;
}

static void line(out *o, const char *indent, const char *key, const char *val)
{
    char tmp[1024];
    if (!val || !*val)
        return;
    int n = snprintf(tmp, sizeof(tmp), "%s%s: %s\n", indent, key, val);
    if (n > 0)
        put(o, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

typedef size_t (*render_fn)(const void *, const char *, char *, size_t);

static void block(out *o, const char *indent, const char *title, render_fn fn, const void *obj)
{
    char head[128], sub[64];
    int n = snprintf(head, sizeof(head), "%s%s:\n", indent, title);
    put(o, head, (size_t)n);
    snprintf(sub, sizeof(sub), "%s  ", indent);
    size_t need = fn(obj, sub, NULL, 0);
    if (o->used + need < o->len)
        fn(obj, sub, o->buf + o->used, o->len - o->used);
    o->used += need;
}

static size_t msg_text(const void *m, const char *i, char *b, size_t l)
{
    return ss_scep_msg_text(m, i, b, l);
}

static size_t content_text(const void *c, const char *i, char *b, size_t l)
{
    return ss_scep_content_text(c, i, b, l);
}

static size_t caps_text(const void *c, const char *i, char *b, size_t l)
{
    return ss_scep_caps_text(c, i, b, l);
}

static size_t certs_text(const void *c, const char *i, char *b, size_t l)
{
    return ss_scep_certs_text(c, i, b, l);
}

size_t scepsniff_exchange_describe(const scepsniff_exchange *ex, const char *indent, char *buf,
                                   size_t len)
{
    out o = {buf, len, 0};
    if (len)
        buf[0] = '\0';
    if (!indent)
        indent = "";
    const ss_decoded_tx *tx = ex->detail;
    line(&o, indent, "host", ex->host);
    line(&o, indent, "user-agent", ex->user_agent);
    if (!tx)
        return o.used;
    const ss_http_tx *h = tx->http;
    line(&o, indent, "request content-type", h->req_content_type);
    line(&o, indent, "response content-type", h->res_content_type);
    line(&o, indent, "x-forwarded-for", h->xff);
    if (tx->request)
        block(&o, indent, "request pkiMessage", msg_text, tx->request);
    if (tx->content)
        block(&o, indent, "request opened with the RA key", content_text, tx->content);
    if (tx->reply)
        block(&o, indent, "reply pkiMessage", msg_text, tx->reply);
    if (tx->caps)
        block(&o, indent, "capabilities", caps_text, tx->caps);
    if (tx->certs)
        block(&o, indent, "certificates", certs_text, tx->certs);
    return o.used;
}

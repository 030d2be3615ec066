/* event_json.c — events as JSON lines in the style of Suricata's EVE: one header builder
 * (timestamp, flow_id, 5-tuple, event_type) and one nested object per layer. jansson does the
 * escaping, so hostile strings from the wire cannot break a record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "scepsniff/scepsniff.h"
#include "decode/decoder.h"
#include "decode/scep_content_render.h"
#include "decode/scep_render.h"
#include "lib/community_id.h"

static json_t *timestamp(const struct timeval *tv)
{
    char buf[64];
    struct tm tm;
    time_t t = tv->tv_sec;
    if (!gmtime_r(&t, &tm))
        return json_string("");
    size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, sizeof(buf) - n, ".%06ld+0000", (long)tv->tv_usec);
    return json_string(buf);
}

static const char *dir_name(int dir)
{
    return dir == SCEPSNIFF_DIR_TO_CLIENT ? "to_client" : "to_server";
}

/* The fields every record starts with. */
static json_t *eve_header(const scepsniff_event *ev, const char *event_type)
{
    const scepsniff_flow *f = ev->flow;
    json_t *o = json_object();
    json_object_set_new(o, "timestamp", timestamp(&ev->ts));
    json_object_set_new(o, "flow_id", json_integer((json_int_t)f->id));
    json_object_set_new(o, "event_type", json_string(event_type));
    json_object_set_new(o, "src_ip", json_string(f->client_ip));
    json_object_set_new(o, "src_port", json_integer(f->client_port));
    json_object_set_new(o, "dest_ip", json_string(f->server_ip));
    json_object_set_new(o, "dest_port", json_integer(f->server_port));
    json_object_set_new(o, "proto", json_string("TCP"));
    char cid[64];
    if (!ss_community_id(f->client_ip, f->client_port, f->server_ip, f->server_port, 0, cid,
                         sizeof(cid)))
        json_object_set_new(o, "community_id", json_string(cid));
    if (f->app[0])
        json_object_set_new(o, "app_proto", json_string(f->app));
    return o;
}

static json_t *pair(uint64_t to_server, uint64_t to_client)
{
    return json_pack("{s:I,s:I}", "to_server", (json_int_t)to_server, "to_client",
                     (json_int_t)to_client);
}

static json_t *flow_object(const scepsniff_flow *f)
{
    json_t *o = json_object();
    json_object_set_new(o, "start", timestamp(&f->first_seen));
    json_object_set_new(o, "end", timestamp(&f->last_seen));
    json_object_set_new(o, "client_inferred", json_boolean(f->client_inferred));
    json_object_set_new(o, "pkts", pair(f->packets[0], f->packets[1]));
    json_object_set_new(o, "bytes", pair(f->wire_bytes[0], f->wire_bytes[1]));
    json_object_set_new(o, "payload_bytes", pair(f->payload_bytes[0], f->payload_bytes[1]));
    json_object_set_new(o, "delivered", pair(f->delivered[0], f->delivered[1]));
    json_object_set_new(o, "capture_gap_bytes", pair(f->gap_bytes[0], f->gap_bytes[1]));
    json_object_set_new(o, "syns", json_integer(f->syns));
    json_object_set_new(o, "retransmits", json_integer(f->retransmits));
    json_object_set_new(o, "out_of_order", json_integer(f->out_of_order));
    json_object_set_new(o, "overlap_conflicts", json_integer(f->overlap_conflicts));
    if (f->sni[0])
        json_object_set_new(o, "sni", json_string(f->sni));
    if (f->app_proxy)
        json_object_set_new(o, "app_proxy", json_true());
    return o;
}

static json_t *stream_object(const scepsniff_event *ev)
{
    json_t *o = json_object();
    json_object_set_new(o, "event", json_string(scepsniff_stream_kind_name(ev->kind)));
    switch (ev->kind) {
    case SCEPSNIFF_STREAM_DATA:
    case SCEPSNIFF_STREAM_GAP:
        json_object_set_new(o, "direction", json_string(dir_name(ev->dir)));
        json_object_set_new(o, "bytes", json_integer((json_int_t)ev->count));
        break;
    case SCEPSNIFF_STREAM_FIN:
    case SCEPSNIFF_STREAM_RST:
        json_object_set_new(o, "direction", json_string(dir_name(ev->dir)));
        json_object_set_new(o, "by",
                            json_string(ev->dir == SCEPSNIFF_DIR_TO_SERVER ? "client" : "server"));
        break;
    case SCEPSNIFF_STREAM_UNANSWERED:
        json_object_set_new(o, "syns", json_integer((json_int_t)ev->count));
        json_object_set_new(o, "duration", json_real(ev->duration));
        break;
    default:
        break;
    }
    return o;
}

static const char *severity_name(scepsniff_severity s)
{
    return s == SCEPSNIFF_SEV_ERROR ? "error" : s == SCEPSNIFF_SEV_WARNING ? "warning" : "ok";
}

static void set_str(json_t *o, const char *key, const char *v)
{
    if (v && *v)
        json_object_set_new(o, key, json_string(v));
}

/* jansson refuses invalid UTF-8: wire strings are sanitised by the decoder, but a last guard
 * keeps a record from losing a field silently. */
static void set_wire(json_t *o, const char *key, const char *v)
{
    if (!v || !*v)
        return;
    json_t *j = json_string(v);
    if (!j) {
        char buf[512];
        size_t i = 0;
        for (; v[i] && i < sizeof(buf) - 1; i++)
            buf[i] = (v[i] & 0x80) ? '?' : v[i];
        buf[i] = 0;
        j = json_string(buf);
    }
    json_object_set_new(o, key, j);
}

static json_t *tls_object(const scepsniff_flow *f)
{
    const scepsniff_tls *t = f->tls;
    json_t *o = json_object();
    set_str(o, "sni", f->sni);
    set_str(o, "version", t->version);
    set_str(o, "cipher", t->cipher);
    set_str(o, "alpn", t->alpn);
    set_str(o, "ja3", t->ja3);
    json_object_set_new(o, "handshake_complete", json_boolean(t->handshake_complete));
    if (t->alert_dir >= 0 && t->alert[0]) {
        json_object_set_new(o, "alert",
                            json_pack("{s:s,s:s,s:i}", "description", t->alert, "by",
                                      t->alert_dir ? "server" : "client", "level", t->alert_level));
    }
    if (t->cert_subject[0]) {
        json_t *c = json_object();
        set_wire(c, "subject", t->cert_subject);
        set_wire(c, "issuer", t->cert_issuer);
        set_str(c, "not_after", t->cert_not_after);
        json_object_set_new(c, "expired", json_boolean(t->cert_expired));
        json_object_set_new(c, "not_yet_valid", json_boolean(t->cert_not_yet_valid));
        json_object_set_new(c, "name_mismatch", json_boolean(t->cert_name_mismatch));
        json_object_set_new(o, "server_certificate", c);
    }
    json_object_set_new(
        o, "decrypted",
        json_pack("{s:b,s:b}", "to_server", t->decrypted[0], "to_client", t->decrypted[1]));
    set_str(o, "not_decrypted", t->not_decrypted);
    json_object_set_new(o, "app_records", pair(t->app_records[0], t->app_records[1]));
    json_object_set_new(o, "app_bytes", pair(t->app_bytes[0], t->app_bytes[1]));
    set_str(o, "pairs", t->pairs);
    if (f->app_proxy)
        json_object_set_new(o, "app_proxy", json_true());
    return o;
}

static json_t *timing(const struct timeval *t0, const struct timeval *t)
{
    if (!t->tv_sec || !t0->tv_sec)
        return json_null();
    return json_real((double)(t->tv_sec - t0->tv_sec) + (double)(t->tv_usec - t0->tv_usec) / 1e6);
}

static json_t *http_object(const scepsniff_exchange *ex, const ss_http_tx *h)
{
    json_t *o = json_object();
    set_wire(o, "hostname", ex->host);
    set_wire(o, "url", ex->uri);
    json_object_set_new(o, "url_length", json_integer((json_int_t)ex->uri_len));
    set_str(o, "http_method", ex->method);
    set_wire(o, "http_user_agent", ex->user_agent);
    if (ex->status)
        json_object_set_new(o, "status", json_integer(ex->status));
    set_wire(o, "reason", ex->reason);
    set_wire(o, "server", ex->server_header);
    json_object_set_new(o, "request_body_bytes", json_integer((json_int_t)ex->request_bytes));
    json_object_set_new(o, "response_body_bytes", json_integer((json_int_t)ex->response_bytes));
    if (h) {
        set_wire(o, "http_content_type", h->res_content_type);
        set_wire(o, "request_content_type", h->req_content_type);
        set_wire(o, "xff", h->xff);
        json_t *flags = json_array();
        for (unsigned b = 0; b < 32; b++) {
            const char *n = (h->flags & (1u << b)) ? ss_http_flag_name(1u << b) : NULL;
            if (n)
                json_array_append_new(flags, json_string(n));
        }
        json_object_set_new(o, "flags", flags);
    }
    return o;
}

static json_t *scep_object(const scepsniff_exchange *ex, const ss_decoded_tx *tx)
{
    json_t *o = json_object();
    set_wire(o, "operation", ex->operation);
    set_str(o, "message_type", ex->message_type);
    set_wire(o, "transaction_id", ex->transaction_id);
    set_str(o, "pki_status", ex->pki_status);
    set_str(o, "fail_info", ex->fail_info);
    set_str(o, "ndes_error", ex->hresult);
    if (tx) {
        const ss_http_tx *h = tx->http;
        if (h->scep.damage) {
            json_t *d = json_array();
            for (unsigned b = 0; b < SS_SCEP_MSG_NBITS; b++)
                if (h->scep.damage & (1u << b))
                    json_array_append_new(d, json_string(ss_scep_damage_name(1u << b)));
            json_object_set_new(o, "message_damage", d);
        }
        if (tx->request)
            json_object_set_new(o, "request", ss_scep_msg_json(tx->request));
        if (tx->content)
            json_object_set_new(o, "request_content", ss_scep_content_json(tx->content));
        if (tx->reply)
            json_object_set_new(o, "reply", ss_scep_msg_json(tx->reply));
        if (tx->caps)
            json_object_set_new(o, "caps", ss_scep_caps_json(tx->caps));
        if (tx->certs)
            json_object_set_new(o, "certificates", ss_scep_certs_json(tx->certs));
    }
    return o;
}

static json_t *verdict_object(const scepsniff_exchange *ex)
{
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string(ex->verdict ? ex->verdict : "ok"));
    json_object_set_new(o, "severity", json_string(severity_name(ex->severity)));
    json_t *arr = json_array();
    for (unsigned i = 0; i < ex->nfindings; i++) {
        const scepsniff_finding *f = &ex->findings[i];
        json_t *fo = json_object();
        json_object_set_new(fo, "code", json_string(f->code));
        json_object_set_new(fo, "severity", json_string(severity_name(f->severity)));
        set_str(fo, "summary", f->summary);
        set_wire(fo, "detail", f->detail);
        set_str(fo, "causes", f->causes);
        set_str(fo, "check", f->check);
        set_str(fo, "doc", f->doc);
        json_array_append_new(arr, fo);
    }
    json_object_set_new(o, "findings", arr);
    return o;
}

static json_t *exchange_record(const scepsniff_event *ev)
{
    const scepsniff_exchange *ex = ev->exchange;
    const ss_decoded_tx *tx = ex->detail;
    json_t *o = eve_header(ev, "scep");
    json_object_set_new(o, "exchange_id", json_integer((json_int_t)ex->id));
    json_object_set_new(o, "device", json_string(ex->device)); /* "" for a --ca-file record */
    set_str(o, "platform", ex->platform);
    if (tx) /* connection attempts and TLS-level records carry no HTTP */
        json_object_set_new(o, "http", http_object(ex, tx->http));
    json_object_set_new(o, "scep", scep_object(ex, tx));
    if (ev->flow->tls)
        json_object_set_new(o, "tls", tls_object(ev->flow));
    json_object_set_new(o, "verdict", verdict_object(ex));
    json_t *t = json_object();
    const struct timeval *t0 = &ex->t_syn;
    json_object_set_new(t, "established", timing(t0, &ex->t_established));
    json_object_set_new(t, "request_start", timing(t0, &ex->t_request));
    json_object_set_new(t, "request_end", timing(t0, &ex->t_request_end));
    json_object_set_new(t, "response_start", timing(t0, &ex->t_response));
    json_object_set_new(t, "response_end", timing(t0, &ex->t_response_end));
    json_object_set_new(o, "timings", t);
    return o;
}

static json_t *enrollment_record(const scepsniff_event *ev)
{
    const scepsniff_enrollment *en = ev->enrollment;
    json_t *o = eve_header(ev, "enrollment");
    json_t *e = json_object();
    json_object_set_new(e, "id", json_integer((json_int_t)en->id));
    set_wire(e, "device", en->device);
    set_str(e, "platform", en->platform);
    set_wire(e, "user_agent", en->user_agent);
    set_str(e, "server", en->server);
    set_wire(e, "transaction_id", en->transaction_id);
    json_object_set_new(e, "outcome", json_string(en->outcome));
    set_wire(e, "reason", en->reason);
    json_object_set_new(e, "exchanges", json_integer(en->exchanges));
    json_object_set_new(e, "problems", json_integer(en->problems));
    json_object_set_new(e, "start", timestamp(&en->start));
    json_object_set_new(e, "end", timestamp(&en->end));
    json_object_set_new(o, "enrollment", e);
    return o;
}

int scepsniff_event_to_json(const scepsniff_event *ev, char *buf, size_t len)
{
    if (!ev || !ev->flow)
        return -1;
    json_t *o;
    switch (ev->type) {
    case SCEPSNIFF_EVENT_STREAM:
        o = eve_header(ev, "stream");
        json_object_set_new(o, "stream", stream_object(ev));
        break;
    case SCEPSNIFF_EVENT_FLOW_END: {
        o = eve_header(ev, "flow");
        json_t *fo = flow_object(ev->flow);
        if (ev->flow->tls)
            json_object_set_new(fo, "tls", tls_object(ev->flow));
        json_object_set_new(
            fo, "reason", json_string(ev->kind ? scepsniff_stream_kind_name(ev->kind) : "closed"));
        json_object_set_new(o, "flow", fo);
        break;
    }
    case SCEPSNIFF_EVENT_EXCHANGE:
        if (!ev->exchange)
            return -1;
        o = exchange_record(ev);
        break;
    case SCEPSNIFF_EVENT_ENROLLMENT:
        if (!ev->enrollment)
            return -1;
        o = enrollment_record(ev);
        break;
    default:
        return -1;
    }
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
    json_decref(o);
    if (!s)
        return -1;
    size_t n = strlen(s);
    if (len) {
        size_t c = n < len - 1 ? n : len - 1;
        memcpy(buf, s, c);
        buf[c] = '\0';
    }
    free(s);
    return (int)n;
}

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

int scepsniff_event_to_json(const scepsniff_event *ev, char *buf, size_t len)
{
    if (!ev || !ev->flow)
        return -1;
    json_t *o;
    if (ev->type == SCEPSNIFF_EVENT_STREAM) {
        o = eve_header(ev, "stream");
        json_object_set_new(o, "stream", stream_object(ev));
    } else if (ev->type == SCEPSNIFF_EVENT_FLOW_END) {
        o = eve_header(ev, "flow");
        json_t *fo = flow_object(ev->flow);
        json_object_set_new(
            fo, "reason", json_string(ev->kind ? scepsniff_stream_kind_name(ev->kind) : "closed"));
        json_object_set_new(o, "flow", fo);
    } else {
        return -1;
    }
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
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

/* flows_view.c — the --flows view (see flows_view.h). Consecutive DATA events of one flow and
 * direction are merged into one line, so a long download reads as one line, not thousands.
 * The conversation table keeps at most SS_VIEW_MAX_ROWS flows (a SYN flood must not grow the
 * view without bound); the rest are counted. */
#include "cli/flows_view.h"

#include <stdlib.h>
#include <string.h>

#define SS_VIEW_MAX_ROWS 100000

typedef struct row {
    scepsniff_flow flow;
    scepsniff_stream_kind end;
} row;

struct ss_flows_view {
    FILE *out;
    int json;
    int quiet;
    int have_t0;
    struct timeval t0; /* first event: times are printed relative to it, as tshark does */
    /* the DATA run being merged */
    int run_open;
    uint64_t run_flow;
    int run_dir;
    uint64_t run_bytes;
    unsigned run_chunks;
    struct timeval run_ts;
    char run_ep[128];
    row *rows;
    size_t nrows, cap;
    uint64_t rows_dropped;
};

ss_flows_view *ss_flows_view_new(FILE *out, int json, int quiet)
{
    ss_flows_view *v = calloc(1, sizeof(*v));
    if (!v)
        return NULL;
    v->out = out;
    v->json = json;
    v->quiet = quiet;
    return v;
}

static double rel(ss_flows_view *v, const struct timeval *ts)
{
    return (double)(ts->tv_sec - v->t0.tv_sec) + (double)(ts->tv_usec - v->t0.tv_usec) / 1e6;
}

static void endpoints(const scepsniff_flow *f, char *buf, size_t n)
{
    int v6 = f->ip_version == 6;
    snprintf(buf, n, "%s%s%s:%u > %s%s%s:%u", v6 ? "[" : "", f->client_ip, v6 ? "]" : "",
             f->client_port, v6 ? "[" : "", f->server_ip, v6 ? "]" : "", f->server_port);
}

static const char *dir_word(int dir)
{
    return dir == SCEPSNIFF_DIR_TO_CLIENT ? "to client" : "to server";
}

static void close_run(ss_flows_view *v)
{
    if (!v->run_open)
        return;
    fprintf(v->out, "%12.6f  #%-4llu %s  data %s %llu bytes", rel(v, &v->run_ts),
            (unsigned long long)v->run_flow, v->run_ep, dir_word(v->run_dir),
            (unsigned long long)v->run_bytes);
    if (v->run_chunks > 1)
        fprintf(v->out, " (%u pieces)", v->run_chunks);
    fputc('\n', v->out);
    v->run_open = 0;
}

static void text_event(ss_flows_view *v, const scepsniff_event *ev)
{
    const scepsniff_flow *f = ev->flow;
    char ep[128];
    endpoints(f, ep, sizeof(ep));
    if (ev->kind == SCEPSNIFF_STREAM_DATA) {
        if (v->run_open && v->run_flow == f->id && v->run_dir == ev->dir) {
            v->run_bytes += ev->count;
            v->run_chunks++;
            return;
        }
        close_run(v);
        v->run_open = 1;
        v->run_flow = f->id;
        v->run_dir = ev->dir;
        v->run_bytes = ev->count;
        v->run_chunks = 1;
        v->run_ts = ev->ts;
        snprintf(v->run_ep, sizeof(v->run_ep), "%s", ep);
        return;
    }
    close_run(v);
    fprintf(v->out, "%12.6f  #%-4llu %s  ", rel(v, &ev->ts), (unsigned long long)f->id, ep);
    switch (ev->kind) {
    case SCEPSNIFF_STREAM_ESTABLISHED:
        fprintf(v->out, "%s",
                f->client_inferred ? "picked up mid-stream (client inferred from ports)"
                                   : "established");
        break;
    case SCEPSNIFF_STREAM_UNANSWERED:
        fprintf(v->out, "unanswered: %llu SYN%s over %.3f s, no reply",
                (unsigned long long)ev->count, ev->count == 1 ? "" : "s", ev->duration);
        break;
    case SCEPSNIFF_STREAM_REFUSED:
        fprintf(v->out, "refused: RST answered the SYN");
        break;
    case SCEPSNIFF_STREAM_GAP:
        fprintf(v->out, "capture gap %s: %llu bytes missing from this capture", dir_word(ev->dir),
                (unsigned long long)ev->count);
        break;
    case SCEPSNIFF_STREAM_FIN:
        fprintf(v->out, "fin by %s", ev->dir == SCEPSNIFF_DIR_TO_SERVER ? "client" : "server");
        break;
    case SCEPSNIFF_STREAM_RST:
        fprintf(v->out, "reset by %s", ev->dir == SCEPSNIFF_DIR_TO_SERVER ? "client" : "server");
        break;
    default:
        fprintf(v->out, "%s", scepsniff_stream_kind_name(ev->kind));
        break;
    }
    fputc('\n', v->out);
}

static void keep_row(ss_flows_view *v, const scepsniff_event *ev)
{
    if (v->nrows == v->cap) {
        size_t ncap = v->cap ? v->cap * 2 : 256;
        row *r = ncap <= SS_VIEW_MAX_ROWS ? realloc(v->rows, ncap * sizeof(*r)) : NULL;
        if (!r) {
            v->rows_dropped++;
            return;
        }
        v->rows = r;
        v->cap = ncap;
    }
    v->rows[v->nrows].flow = *ev->flow;
    v->rows[v->nrows].end = ev->kind;
    v->nrows++;
}

void ss_flows_view_event(const scepsniff_event *ev, void *view)
{
    ss_flows_view *v = view;
    if (!v->have_t0) {
        /* flows are numbered in order of first packet: the first event's flow starts early */
        v->t0 = ev->flow->first_seen;
        v->have_t0 = 1;
    }
    if (ev->type == SCEPSNIFF_EVENT_FLOW_END)
        keep_row(v, ev);
    if (v->json) {
        char buf[4096];
        int n = scepsniff_event_to_json(ev, buf, sizeof(buf));
        if (n >= 0 && (size_t)n < sizeof(buf))
            fprintf(v->out, "%s\n", buf);
        return;
    }
    if (ev->type == SCEPSNIFF_EVENT_STREAM && !v->quiet)
        text_event(v, ev);
}

static int by_id(const void *a, const void *b)
{
    const row *x = a, *y = b;
    return x->flow.id < y->flow.id ? -1 : x->flow.id > y->flow.id;
}

void ss_flows_view_summary(ss_flows_view *v, const scepsniff_stats *st)
{
    close_run(v);
    if (v->json)
        return;
    qsort(v->rows, v->nrows, sizeof(*v->rows), by_id);
    fprintf(v->out, "\nTCP conversations (client > server)\n");
    fprintf(v->out, "%-5s %-48s %8s %10s %8s %10s %12s %10s %-5s %s\n", "#", "endpoints",
            "c>s pkts", "c>s bytes", "s>c pkts", "s>c bytes", "start", "duration", "app", "end");
    for (size_t i = 0; i < v->nrows; i++) {
        const scepsniff_flow *f = &v->rows[i].flow;
        char ep[128];
        endpoints(f, ep, sizeof(ep));
        fprintf(v->out, "%-5llu %-48s %8llu %10llu %8llu %10llu %12.6f %10.6f %-5s %s",
                (unsigned long long)f->id, ep, (unsigned long long)f->packets[0],
                (unsigned long long)f->wire_bytes[0], (unsigned long long)f->packets[1],
                (unsigned long long)f->wire_bytes[1], rel(v, &f->first_seen),
                rel(v, &f->last_seen) - rel(v, &f->first_seen), f->app[0] ? f->app : "-",
                v->rows[i].end ? scepsniff_stream_kind_name(v->rows[i].end) : "closed");
        if (f->sni[0])
            fprintf(v->out, " sni=%s%s", f->sni, f->app_proxy ? " (app proxy)" : "");
        if (f->gap_bytes[0] || f->gap_bytes[1])
            fprintf(v->out, " capture-gaps=%llu/%llu", (unsigned long long)f->gap_bytes[0],
                    (unsigned long long)f->gap_bytes[1]);
        fputc('\n', v->out);
    }
    if (v->rows_dropped)
        fprintf(v->out, "(%llu more flows not listed)\n", (unsigned long long)v->rows_dropped);
    fprintf(v->out,
            "\n%llu packets, %llu TCP, %llu flows (%llu evicted at caps), %llu not IP, "
            "%llu not TCP, %llu cut short by the capture, %llu malformed, "
            "%llu IP fragments (%llu datagrams rebuilt, %llu given up)\n",
            (unsigned long long)st->packets, (unsigned long long)st->tcp_packets,
            (unsigned long long)st->flows, (unsigned long long)st->flows_evicted,
            (unsigned long long)st->not_ip, (unsigned long long)st->not_tcp,
            (unsigned long long)(st->truncated + st->payload_cut), (unsigned long long)st->invalid,
            (unsigned long long)st->ip_fragments, (unsigned long long)st->ip_reassembled,
            (unsigned long long)st->ip_frag_dropped);
    if (st->stream_bytes_dropped)
        fprintf(v->out, "%llu out-of-order bytes dropped at the stream buffer cap\n",
                (unsigned long long)st->stream_bytes_dropped);
}

void ss_flows_view_free(ss_flows_view *v)
{
    if (!v)
        return;
    free(v->rows);
    free(v);
}

/* report.c — the default report of the command (see report.h).
 *
 * Text is for a person in an outage: time (UTC, as IIS logs it), device, server, operation,
 * status, verdict and the reason in words; the causes and what to check are printed the first
 * time each finding appears and referred to afterwards. The tables at the end are bounded
 * (SS_REPORT_MAX_*); what does not fit is counted.
 */
#include "cli/report.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SS_REPORT_MAX_DEVICES  4096
#define SS_REPORT_MAX_SERVERS  256
#define SS_REPORT_MAX_SAMPLES  4096 /* response times kept per server for the percentiles */
#define SS_REPORT_MAX_CODES    128
#define SS_REPORT_DEVICE_SLOTS (2 * SS_REPORT_MAX_DEVICES) /* power of two, at most half full */

typedef struct device_row {
    char device[64];
    char platform[24];
    unsigned exchanges, problems;
    char outcome[16];
    char reason[256];
} device_row;

typedef struct server_row {
    char server[64];
    unsigned exchanges, errors, warnings;
    double *samples;
    unsigned nsamples;
} server_row;

struct ss_report {
    FILE *out;
    ss_report_opts o;
    int problems;
    device_row *devices;
    size_t ndevices;
    int32_t device_index[SS_REPORT_DEVICE_SLOTS]; /* open addressing into devices, -1 empty */
    unsigned devices_dropped;
    server_row *servers;
    size_t nservers;
    const char *explained[SS_REPORT_MAX_CODES]; /* codes whose causes were printed */
    size_t nexplained;
    char *json;
    size_t json_cap;
    char *text;
    size_t text_cap;
    int printed_date;
};

ss_report *ss_report_new(FILE *out, const ss_report_opts *opts)
{
    ss_report *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->out = out;
    r->o = *opts;
    r->devices = calloc(SS_REPORT_MAX_DEVICES, sizeof(*r->devices));
    for (size_t i = 0; i < SS_REPORT_DEVICE_SLOTS; i++)
        r->device_index[i] = -1;
    r->servers = calloc(SS_REPORT_MAX_SERVERS, sizeof(*r->servers));
    if (!r->devices || !r->servers) {
        ss_report_free(r);
        return NULL;
    }
    return r;
}

void ss_report_free(ss_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nservers; i++)
        free(r->servers[i].samples);
    free(r->servers);
    free(r->devices);
    free(r->json);
    free(r->text);
    free(r);
}

int ss_report_problems(const ss_report *r)
{
    return r->problems;
}

static const char *color(const ss_report *r, scepsniff_severity s)
{
    if (!r->o.color)
        return "";
    return s == SCEPSNIFF_SEV_ERROR     ? "\033[31m"
           : s == SCEPSNIFF_SEV_WARNING ? "\033[33m"
                                        : "\033[32m";
}

static const char *reset(const ss_report *r)
{
    return r->o.color ? "\033[0m" : "";
}

static void clock_text(const struct timeval *tv, char *buf, size_t n, int with_date)
{
    struct tm tm;
    time_t t = tv->tv_sec;
    if (!gmtime_r(&t, &tm)) {
        snprintf(buf, n, "?");
        return;
    }
    size_t k = strftime(buf, n, with_date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
    snprintf(buf + k, n - k, ".%03ld", (long)tv->tv_usec / 1000);
}

/* A SYN flood makes a "device" of every source: the lookup must not scan the table. */
static device_row *device_of(ss_report *r, const char *device)
{
    uint32_t h = 2166136261u;
    for (const char *c = device; *c; c++)
        h = (h ^ (unsigned char)*c) * 16777619u;
    uint32_t i = h & (SS_REPORT_DEVICE_SLOTS - 1);
    for (; r->device_index[i] >= 0; i = (i + 1) & (SS_REPORT_DEVICE_SLOTS - 1))
        if (!strcmp(r->devices[r->device_index[i]].device, device))
            return &r->devices[r->device_index[i]];
    if (r->ndevices == SS_REPORT_MAX_DEVICES) {
        r->devices_dropped++;
        return NULL;
    }
    r->device_index[i] = (int32_t)r->ndevices; /* i is the empty slot the probe ended on */
    device_row *d = &r->devices[r->ndevices++];
    snprintf(d->device, sizeof(d->device), "%s", device);
    return d;
}

static server_row *server_of(ss_report *r, const scepsniff_flow *f)
{
    char key[64];
    int v6 = f->ip_version == 6;
    snprintf(key, sizeof(key), "%s%s%s:%u", v6 ? "[" : "", f->server_ip, v6 ? "]" : "",
             f->server_port);
    for (size_t i = 0; i < r->nservers; i++)
        if (!strcmp(r->servers[i].server, key))
            return &r->servers[i];
    if (r->nservers == SS_REPORT_MAX_SERVERS)
        return NULL;
    server_row *s = &r->servers[r->nservers++];
    snprintf(s->server, sizeof(s->server), "%s", key);
    return s;
}

static double elapsed(const struct timeval *a, const struct timeval *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_usec - a->tv_usec) / 1e6;
}

static void account(ss_report *r, const scepsniff_event *ev)
{
    const scepsniff_exchange *ex = ev->exchange;
    if (!ev->flow->id)
        return; /* a --ca-file judgment: no device, no server */
    device_row *d = device_of(r, ex->device);
    if (d) {
        d->exchanges++;
        d->problems += ex->severity > SCEPSNIFF_SEV_OK;
        if (ex->platform[0])
            snprintf(d->platform, sizeof(d->platform), "%s", ex->platform);
    }
    server_row *s = server_of(r, ev->flow);
    if (!s)
        return;
    s->exchanges++;
    s->errors += ex->severity == SCEPSNIFF_SEV_ERROR;
    s->warnings += ex->severity == SCEPSNIFF_SEV_WARNING;
    /* response time: request sent to first response byte */
    if (ex->t_response.tv_sec && ex->t_request_end.tv_sec) {
        if (!s->samples && !(s->samples = calloc(SS_REPORT_MAX_SAMPLES, sizeof(double))))
            return;
        if (s->nsamples < SS_REPORT_MAX_SAMPLES)
            s->samples[s->nsamples++] = elapsed(&ex->t_request_end, &ex->t_response);
    }
}

static int explained(ss_report *r, const char *code)
{
    for (size_t i = 0; i < r->nexplained; i++)
        if (r->explained[i] == code)
            return 1;
    if (r->nexplained < SS_REPORT_MAX_CODES)
        r->explained[r->nexplained++] = code;
    return 0;
}

static void print_findings(ss_report *r, const scepsniff_exchange *ex)
{
    for (unsigned i = 0; i < ex->nfindings; i++) {
        const scepsniff_finding *f = &ex->findings[i];
        /* healthy findings stay quiet, except where they are all there is to say about an
         * exchange without an HTTP status (encrypted traffic, still open at the end) */
        if (f->severity == SCEPSNIFF_SEV_OK && !r->o.verbose &&
            !(ex->status == 0 && f->code == ex->verdict && f->detail[0]))
            continue;
        fprintf(r->out, "    %s%s%s: %s%s%s\n", color(r, f->severity), f->code, reset(r),
                f->summary, f->detail[0] ? " — " : "", f->detail);
        if (f->severity == SCEPSNIFF_SEV_OK)
            continue;
        if (explained(r, f->code)) {
            fprintf(r->out, "      (causes and checks as above; %s)\n", f->doc);
            continue;
        }
        fprintf(r->out, "      likely: %s\n      check:  %s\n      see:    %s\n", f->causes,
                f->check, f->doc);
    }
}

static void print_exchange(ss_report *r, const scepsniff_event *ev)
{
    const scepsniff_exchange *ex = ev->exchange;
    const scepsniff_flow *f = ev->flow;
    char when[40], op[64], status[8] = "-";
    const struct timeval *t = ex->t_request.tv_sec ? &ex->t_request : &ev->ts;
    if (!r->printed_date) {
        clock_text(t, when, sizeof(when), 1);
        fprintf(r->out, "# times are UTC, as in IIS logs; capture starts %s\n", when);
        r->printed_date = 1;
    }
    clock_text(t, when, sizeof(when), 0);
    snprintf(op, sizeof(op), "%s%s%s%s", ex->method, ex->method[0] ? " " : "", ex->operation,
             ex->message_type[0] ? "/" : "");
    if (ex->message_type[0])
        strncat(op, ex->message_type, sizeof(op) - strlen(op) - 1);
    if (ex->status)
        snprintf(status, sizeof(status), "%d", ex->status);
    int v6 = f->ip_version == 6;
    char server[80];
    if (!f->id) /* --ca-file: judged, not seen on the wire */
        snprintf(server, sizeof(server), "(your CA file)");
    else
        snprintf(server, sizeof(server), "%s%s%s:%u", v6 ? "[" : "", f->server_ip, v6 ? "]" : "",
                 f->server_port);
    const char *sev = ex->severity == SCEPSNIFF_SEV_ERROR     ? "ERROR"
                      : ex->severity == SCEPSNIFF_SEV_WARNING ? "WARN"
                                                              : "ok";
    char who[96];
    if (strcmp(ex->device, f->client_ip))
        snprintf(who, sizeof(who), "%s via %s", ex->device, f->client_ip); /* X-Forwarded-For */
    else
        snprintf(who, sizeof(who), "%s", ex->device);
    fprintf(r->out, "%s  %-15s > %-21s %-28s %3s  %s%-5s %s%s", when, who, server, op, status,
            color(r, ex->severity), sev, ex->verdict, reset(r));
    if (ex->pki_status[0])
        fprintf(r->out, "  pkiStatus=%s%s%s", ex->pki_status, ex->fail_info[0] ? " failInfo=" : "",
                ex->fail_info);
    if (ex->transaction_id[0] && r->o.verbose)
        fprintf(r->out, "  txid=%s", ex->transaction_id);
    if (ex->csr_subject[0])
        fprintf(r->out, "  csr=\"%s\"", ex->csr_subject);
    fputc('\n', r->out);
    print_findings(r, ex);
    if (r->o.verbose) {
        size_t need = scepsniff_exchange_describe(ex, "      ", r->text, r->text_cap);
        if (need >= r->text_cap) {
            char *t2 = realloc(r->text, need + 1);
            if (t2) {
                r->text = t2;
                r->text_cap = need + 1;
                scepsniff_exchange_describe(ex, "      ", r->text, r->text_cap);
            }
        }
        if (r->text_cap)
            fputs(r->text, r->out);
    }
}

static void print_enrollment(ss_report *r, const scepsniff_event *ev)
{
    const scepsniff_enrollment *en = ev->enrollment;
    int bad = strcmp(en->outcome, "issued") && strcmp(en->outcome, "open");
    scepsniff_severity s = bad ? SCEPSNIFF_SEV_ERROR : SCEPSNIFF_SEV_OK;
    if (!strcmp(en->outcome, "pending"))
        s = SCEPSNIFF_SEV_WARNING;
    device_row *d = device_of(r, en->device);
    if (d) {
        snprintf(d->outcome, sizeof(d->outcome), "%s", en->outcome);
        snprintf(d->reason, sizeof(d->reason), "%s", en->reason);
    }
    if (s == SCEPSNIFF_SEV_OK && r->o.quiet)
        return;
    fprintf(r->out, "== enrollment of %s%s%s%s via %s: %s%s%s — %s (%u exchanges)\n", en->device,
            en->platform[0] ? " (" : "", en->platform, en->platform[0] ? ")" : "", en->server,
            color(r, s), en->outcome, reset(r), en->reason, en->exchanges);
}

static void print_json(ss_report *r, const scepsniff_event *ev)
{
    int n = scepsniff_event_to_json(ev, r->json, r->json_cap);
    if (n < 0)
        return;
    if ((size_t)n >= r->json_cap) {
        char *j = realloc(r->json, (size_t)n + 1);
        if (!j)
            return;
        r->json = j;
        r->json_cap = (size_t)n + 1;
        scepsniff_event_to_json(ev, r->json, r->json_cap);
    }
    fprintf(r->out, "%s\n", r->json);
}

void ss_report_event(const scepsniff_event *ev, void *report)
{
    ss_report *r = report;
    if (ev->type == SCEPSNIFF_EVENT_EXCHANGE) {
        account(r, ev);
        if (ev->exchange->severity > SCEPSNIFF_SEV_OK)
            r->problems = 1;
        if (r->o.silent)
            return;
        if (r->o.json)
            print_json(r, ev);
        else if (!r->o.quiet || ev->exchange->severity > SCEPSNIFF_SEV_OK)
            print_exchange(r, ev);
    } else if (ev->type == SCEPSNIFF_EVENT_ENROLLMENT) {
        const char *o = ev->enrollment->outcome;
        if (strcmp(o, "issued") && strcmp(o, "open"))
            r->problems = 1;
        if (r->o.silent)
            return;
        if (r->o.json)
            print_json(r, ev);
        else
            print_enrollment(r, ev);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v (n > 0): the smallest value with at least p of the
 * samples at or below it. */
static double pct(const double *v, unsigned n, double p)
{
    double rank = p * (double)n;
    unsigned i = (unsigned)rank;
    if ((double)i < rank)
        i++;
    return v[i ? i - 1 : 0];
}

void ss_report_summary(ss_report *r, const scepsniff_stats *st)
{
    if (r->o.json || r->o.silent)
        return;
    fprintf(r->out, "\nDevices\n%-24s %-10s %9s %8s  %-8s %s\n", "device", "platform", "exchanges",
            "problems", "outcome", "why");
    for (size_t i = 0; i < r->ndevices; i++) {
        const device_row *d = &r->devices[i];
        fprintf(r->out, "%-24s %-10s %9u %8u  %-8s %s\n", d->device,
                d->platform[0] ? d->platform : "-", d->exchanges, d->problems,
                d->outcome[0] ? d->outcome : "-", d->reason);
    }
    if (r->devices_dropped)
        fprintf(r->out, "(%u exchanges of devices beyond the first %d not listed)\n",
                r->devices_dropped, SS_REPORT_MAX_DEVICES);
    fprintf(r->out, "\nServers\n%-28s %9s %7s %9s  %s\n", "server", "exchanges", "errors",
            "warnings", "response time p50 / p90 / p99 / max (s)");
    for (size_t i = 0; i < r->nservers; i++) {
        server_row *s = &r->servers[i];
        fprintf(r->out, "%-28s %9u %7u %9u  ", s->server, s->exchanges, s->errors, s->warnings);
        if (s->nsamples) {
            qsort(s->samples, s->nsamples, sizeof(double), cmp_double);
            fprintf(r->out, "%.3f / %.3f / %.3f / %.3f (%u responses)\n",
                    pct(s->samples, s->nsamples, 0.5), pct(s->samples, s->nsamples, 0.9),
                    pct(s->samples, s->nsamples, 0.99), s->samples[s->nsamples - 1], s->nsamples);
        } else {
            fprintf(r->out, "-\n");
        }
    }
    fprintf(r->out,
            "\n%llu packets, %llu TCP flows (%llu evicted at caps), %llu packets cut short by "
            "the capture%s, %llu malformed\n",
            (unsigned long long)st->packets, (unsigned long long)st->flows,
            (unsigned long long)st->flows_evicted,
            (unsigned long long)(st->truncated + st->payload_cut),
            st->truncated + st->payload_cut ? " (snaplen: bytes missing from this capture, not "
                                              "from the network)"
                                            : "",
            (unsigned long long)st->invalid);
}

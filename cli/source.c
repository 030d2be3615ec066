/* source.c — packets from capture files and live interfaces into the engine (see source.h).
 *
 * Offline: pcap and pcapng through libpcap, several files in order into one engine, a BPF
 * expression applied as tcpdump does, and a progress line on a terminal. Live: a large ring
 * buffer, full snaplen, a default filter keeping TCP (tagged or not), root given up once the
 * device is open, and kernel drops reported periodically and at exit — never silent.
 */
#include "cli/source.h"

#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "capture/pcapng_secrets.h"
#include "cli/privdrop.h"

volatile sig_atomic_t ss_cli_stop;

/* Keeps TCP, including inside one or two VLAN tags and IPv6 fragments (SCEP on any port). */
#define SS_LIVE_FILTER      "tcp or (vlan and tcp) or (vlan and vlan and tcp) or (ip6 and ip6[6] == 44)"
#define SS_DROP_REPORT_SECS 10

static int set_filter(pcap_t *p, const char *expr, const char *what)
{
    struct bpf_program prog;
    if (pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
        fprintf(stderr, "scepsniff: %s: bad filter '%s': %s\n", what, expr, pcap_geterr(p));
        return -1;
    }
    int rc = pcap_setfilter(p, &prog);
    if (rc < 0)
        fprintf(stderr, "scepsniff: %s: cannot set filter: %s\n", what, pcap_geterr(p));
    pcap_freecode(&prog);
    return rc < 0 ? -1 : 0;
}

static int check_linktype(pcap_t *p, const char *what)
{
    int lt = pcap_datalink(p);
    if (scepsniff_linktype_supported(lt))
        return 0;
    const char *name = pcap_datalink_val_to_name(lt);
    fprintf(stderr,
            "scepsniff: %s: unsupported link type %d (%s); supported: Ethernet "
            "(with VLAN tags), Linux cooked SLL/SLL2, raw IP, BSD NULL/LOOP\n",
            what, lt, name ? name : "unknown");
    return -1;
}

typedef struct progress {
    int on;
    off_t size;
    FILE *fp;
    struct timespec start, last;
    unsigned long long packets;
} progress;

static double since(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void progress_show(progress *pr, scepsniff_engine *e, int final)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!final && since(&pr->last, &now) < 0.25)
        return;
    pr->last = now;
    scepsniff_stats st;
    scepsniff_engine_stats(e, &st);
    double secs = since(&pr->start, &now);
    char share[16] = "";
    if (pr->size > 0) {
        long pos = ftell(pr->fp);
        if (pos >= 0)
            snprintf(share, sizeof(share), "%3.0f%% ", 100.0 * (double)pos / (double)pr->size);
    }
    fprintf(stderr, "\r%s%llu packets, %llu flows, %.0f packets/s%s", share, pr->packets,
            (unsigned long long)st.flows, secs > 0 ? (double)pr->packets / secs : 0.0,
            final ? "\n" : "   ");
}

static void add_secrets(void *ctx, const char *text, size_t len)
{
    char err[SCEPSNIFF_ERRBUF_SIZE];
    if (scepsniff_engine_add_keylog(ctx, text, len, err) < 0)
        fprintf(stderr, "scepsniff: %s\n", err);
}

/* TLS keys embedded in a pcapng file, read before its packets (libpcap skips those blocks). */
static void read_embedded_secrets(scepsniff_engine *e, const char *path, const char *name)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : NULL;
    char err[128];
    if (!f)
        return;
    int n = ss_pcapng_secrets(f, add_secrets, e, err, sizeof(err));
    fclose(f);
    if (n < 0)
        fprintf(stderr, "scepsniff: %s: %s\n", name, err);
}

int ss_source_file(scepsniff_engine *e, const ss_options *o, const char *path, long long *budget,
                   ss_extract *x)
{
    char err[PCAP_ERRBUF_SIZE] = "";
    const char *name = strcmp(path, "-") ? path : "standard input";
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, err);
    if (!p) {
        /* libpcap names the file itself when it cannot open it ("PATH: No such file ...") */
        if (!strncmp(err, path, strlen(path)) && err[strlen(path)] == ':')
            fprintf(stderr, "scepsniff: %s\n", err);
        else
            fprintf(stderr, "scepsniff: %s: %s\n", name, err);
        return 2;
    }
    int rc = 0;
    if (check_linktype(p, name) || (o->filter && set_filter(p, o->filter, name))) {
        rc = 2;
        goto done;
    }
    read_embedded_secrets(e, path, name);
    int lt = pcap_datalink(p);
    progress pr = {0};
    pr.on = o->progress && isatty(STDERR_FILENO);
    pr.fp = pcap_file(p);
    struct stat sb;
    if (strcmp(path, "-") && stat(path, &sb) == 0)
        pr.size = sb.st_size;
    clock_gettime(CLOCK_MONOTONIC, &pr.start);
    pr.last = pr.start;

    struct pcap_pkthdr *h;
    const u_char *pkt;
    int r;
    while (!ss_cli_stop && (r = pcap_next_ex(p, &h, &pkt)) == 1) {
        scepsniff_engine_packet(e, lt, h, pkt);
        if (x)
            ss_extract_packet(x, scepsniff_engine_last_flow(e), lt, h, pkt);
        pr.packets++;
        if (pr.on && (pr.packets & 0x3ff) == 0)
            progress_show(&pr, e, 0);
        if (*budget > 0 && --*budget == 0) {
            ss_cli_stop = 1;
            break;
        }
    }
    if (pr.on)
        progress_show(&pr, e, 1);
    if (!ss_cli_stop && r == PCAP_ERROR) {
        fprintf(stderr,
                "scepsniff: %s: cannot read past packet %llu: %s (everything before it "
                "was analysed)\n",
                name, pr.packets, pcap_geterr(p));
        rc = 2;
    }
done:
    pcap_close(p);
    return rc;
}

typedef struct live_ctx {
    scepsniff_engine *e;
    ss_extract *x;
    int lt;
    long long count;
    long long seen;
} live_ctx;

static void on_live_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *pkt)
{
    live_ctx *lc = (live_ctx *)user;
    scepsniff_engine_packet(lc->e, lc->lt, h, pkt);
    if (lc->x)
        ss_extract_packet(lc->x, scepsniff_engine_last_flow(lc->e), lc->lt, h, pkt);
    if (lc->count && ++lc->seen >= lc->count)
        ss_cli_stop = 1;
}

static void report_drops(pcap_t *p, unsigned long long *reported, int final)
{
    struct pcap_stat ps;
    if (pcap_stats(p, &ps) < 0)
        return;
    unsigned long long drops = (unsigned long long)ps.ps_drop + ps.ps_ifdrop;
    if (drops > *reported || final)
        fprintf(stderr,
                "scepsniff: %u packets received, %llu dropped by the kernel or interface"
                "%s\n",
                ps.ps_recv, drops,
                drops ? " (flows that lost packets show capture gaps, not network faults)" : "");
    *reported = drops;
}

int ss_source_live(scepsniff_engine *e, const ss_options *o, ss_extract *x)
{
    char err[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_create(o->iface, err);
    if (!p) {
        fprintf(stderr, "scepsniff: %s: %s\n", o->iface, err);
        return 2;
    }
    int rc = 2;
    pcap_set_snaplen(p, o->snaplen);
    pcap_set_promisc(p, 1);
    pcap_set_timeout(p, 250);
    pcap_set_buffer_size(p, o->buffer_kib * 1024);
    int act = pcap_activate(p);
    if (act < 0) {
        fprintf(stderr, "scepsniff: %s: %s\n", o->iface, pcap_geterr(p));
        goto done;
    }
    if (act > 0)
        fprintf(stderr, "scepsniff: %s: warning: %s\n", o->iface, pcap_geterr(p));
    if (check_linktype(p, o->iface) ||
        set_filter(p, o->filter ? o->filter : SS_LIVE_FILTER, o->iface) ||
        ss_drop_privileges(o->user))
        goto done;

    live_ctx lc = {e, x, pcap_datalink(p), o->count, 0};
    unsigned long long reported = 0;
    struct timeval last_report;
    gettimeofday(&last_report, NULL);
    /* Non-blocking reads behind our own poll(): libpcap's TPACKET_V3 read blocks until a
     * packet arrives, which would starve the timeout ticks on a quiet link and hold off a
     * SIGINT; a 250 ms poll bounds both. */
    int fd = pcap_get_selectable_fd(p);
    if (fd < 0 || pcap_setnonblock(p, 1, err) < 0) {
        fprintf(stderr, "scepsniff: %s: cannot read without blocking: %s\n", o->iface, err);
        goto done;
    }
    while (!ss_cli_stop) {
        struct pollfd pfd = {fd, POLLIN, 0};
        poll(&pfd, 1, 250); /* EINTR (a signal) just ends the wait early */
        int n = pcap_dispatch(p, -1, on_live_packet, (u_char *)&lc);
        if (n == PCAP_ERROR) {
            fprintf(stderr, "scepsniff: %s: %s\n", o->iface, pcap_geterr(p));
            goto done;
        }
        struct timeval now;
        gettimeofday(&now, NULL);
        scepsniff_engine_tick(e, now);
        if (now.tv_sec - last_report.tv_sec >= SS_DROP_REPORT_SECS) {
            report_drops(p, &reported, 0);
            last_report = now;
        }
    }
    rc = 0;
done:
    if (rc == 0)
        report_drops(p, &reported, 1);
    pcap_close(p);
    return rc;
}

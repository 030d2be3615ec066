/* main.c — the scepsniff command: options, signals, input, the report. The only place that
 * calls exit() or owns process-wide state (the stop flag). Exit status: 0 no problem found,
 * 1 problems found, 2 usage or input error. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <stdlib.h>
#include <unistd.h>

#include "cli/flows_view.h"
#include "cli/options.h"
#include "cli/extract.h"
#include "cli/report.h"
#include "cli/w3c.h"
#include "cli/source.h"
#include "scepsniff/scepsniff.h"

static void on_signal(int sig)
{
    (void)sig;
    ss_cli_stop = 1;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* Every engine event goes to the chosen view, and to the -w writer when there is one. */
typedef struct sinks {
    scepsniff_event_fn view;
    void *view_user;
    ss_extract *extract;
    int w3c;
    int w3c_started;
} sinks;

static void on_event(const scepsniff_event *ev, void *user)
{
    sinks *s = user;
    if (s->w3c)
        ss_w3c_event(stdout, ev, &s->w3c_started);
    if (s->view)
        s->view(ev, s->view_user);
    if (s->extract)
        ss_extract_event(s->extract, ev);
}

int main(int argc, char **argv)
{
    ss_options o;
    int rc = ss_options_parse(&o, argc, argv);
    if (rc)
        return rc == 1 ? 0 : 2;
    install_signals();
    if (o.iface) /* live: each exchange is seen when it happens, even through a pipe or file */
        setvbuf(stdout, NULL, _IOLBF, 0);

    /* one of two views receives the engine's events (or the W3C writer alone) */
    sinks sk = {0};
    ss_flows_view *view = NULL;
    ss_report *report = NULL;
    int ok = 1;
    if (o.flows) {
        ok = (view = ss_flows_view_new(stdout, o.json, o.quiet)) != NULL;
        sk.view = ss_flows_view_event;
        sk.view_user = view;
    } else {
        int color = o.color < 0 ? isatty(STDOUT_FILENO) && !getenv("NO_COLOR") : o.color;
        ss_report_opts ro = {o.json, o.quiet || o.w3c, o.verbose, color, o.w3c};
        ok = (report = ss_report_new(stdout, &ro)) != NULL;
        sk.view = ss_report_event;
        sk.view_user = report;
        sk.w3c = o.w3c;
    }
    if (ok && o.write_file)
        ok = (sk.extract = ss_extract_new(o.write_file)) != NULL;
    char err[SCEPSNIFF_ERRBUF_SIZE] = "";
    scepsniff_engine *e = ok ? scepsniff_engine_new(&o.cfg, on_event, &sk, err) : NULL;
    if (!e) {
        fprintf(stderr, "scepsniff: %s\n", err[0] ? err : "out of memory");
        ss_flows_view_free(view);
        ss_report_free(report);
        ss_extract_free(sk.extract);
        ss_options_free(&o);
        return 2;
    }
    rc = 0;
    if (o.iface) {
        rc = ss_source_live(e, &o, sk.extract);
    } else {
        long long budget = o.count;
        for (int i = 0; i < o.nfiles && !ss_cli_stop; i++)
            if (ss_source_file(e, &o, o.files[i], &budget, sk.extract))
                rc = 2;
    }
    scepsniff_engine_finish(e);
    scepsniff_stats st;
    scepsniff_engine_stats(e, &st);
    /* nothing was read because of an error (a wrong path, a link type, a filter): the error
     * says it all, an empty report would only hide it, as with tcpdump */
    if (rc == 2 && st.packets == 0)
        ; /* nothing to report */
    else if (view)
        ss_flows_view_summary(view, &st);
    else
        ss_report_summary(report, &st);
    fflush(stdout);
    if (rc == 0 && report && ss_report_problems(report))
        rc = 1;
    scepsniff_engine_free(e);
    ss_extract_free(sk.extract);
    ss_flows_view_free(view);
    ss_report_free(report);
    ss_options_free(&o);
    return rc;
}

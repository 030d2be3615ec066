/* w3c.c — IIS W3C extended log lines for exchanges (see w3c.h). Field order and encoding as
 * IIS writes them: UTC date and time, '-' for empty fields, spaces in the User-Agent as '+',
 * time-taken in milliseconds from the request's first byte to the response's last. IIS's
 * substatus and win32 status are not on the wire: written as 0 and left for the IIS log. */
#include "cli/w3c.h"

#include <string.h>
#include <time.h>

static void field(FILE *out, const char *s, size_t n)
{
    if (!n) {
        fputc('-', out);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        fputc(c == ' ' ? '+' : (c < 0x21 || c == 0x7f) ? '?' : c, out);
    }
}

void ss_w3c_event(FILE *out, const scepsniff_event *ev, int *started)
{
    if (ev->type != SCEPSNIFF_EVENT_EXCHANGE)
        return;
    const scepsniff_exchange *ex = ev->exchange;
    const scepsniff_flow *f = ev->flow;
    const struct timeval *t = ex->t_request.tv_sec ? &ex->t_request : &ev->ts;
    struct tm tm;
    time_t sec = t->tv_sec;
    char date[16] = "-", tod[16] = "-";
    if (gmtime_r(&sec, &tm)) {
        strftime(date, sizeof(date), "%Y-%m-%d", &tm);
        strftime(tod, sizeof(tod), "%H:%M:%S", &tm);
    }
    if (!*started) {
        fprintf(out,
                "#Software: scepsniff %s (from the wire)\n#Version: 1.0\n#Date: %s %s\n"
                "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port "
                "cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus "
                "sc-win32-status time-taken\n",
                SCEPSNIFF_VERSION, date, tod);
        *started = 1;
    }
    if (!strcmp(ex->operation, "connect")) {
        fprintf(out, "# %s %s %s -> %s:%u %s: no IIS line exists for this attempt\n", date, tod,
                f->client_ip, f->server_ip, f->server_port, ex->verdict);
        return;
    }
    const char *q = strchr(ex->uri, '?');
    size_t stem = q ? (size_t)(q - ex->uri) : strlen(ex->uri);
    fprintf(out, "%s %s %s ", date, tod, f->server_ip);
    field(out, ex->method, strlen(ex->method));
    fputc(' ', out);
    field(out, ex->uri, stem);
    fputc(' ', out);
    field(out, q ? q + 1 : "", q ? strlen(q + 1) : 0);
    fprintf(out, " %u - %s ", f->server_port, f->client_ip);
    field(out, ex->user_agent, strlen(ex->user_agent));
    long ms = -1;
    if (ex->t_request.tv_sec && ex->t_response_end.tv_sec)
        ms = (long)((ex->t_response_end.tv_sec - ex->t_request.tv_sec) * 1000 +
                    (ex->t_response_end.tv_usec - ex->t_request.tv_usec) / 1000);
    if (ex->status)
        fprintf(out, " - %d 0 0 %ld\n", ex->status, ms < 0 ? 0 : ms);
    else /* no response: IIS would log the request only if it got that far; mark it */
        fprintf(out, " - - - - - # no response: %s\n", ex->verdict);
}

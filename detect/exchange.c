/* exchange.c — findings on an exchange record and its verdict (see exchange.h). */
#include "detect/exchange.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int ss_exchange_has(const scepsniff_exchange *ex, ss_finding_id id)
{
    const char *code = ss_finding_get(id)->code;
    for (unsigned i = 0; i < ex->nfindings; i++)
        if (ex->findings[i].code == code)
            return 1;
    return 0;
}

void ss_exchange_append(scepsniff_exchange *ex, ss_finding_id id, const char *text)
{
    const char *code = ss_finding_get(id)->code;
    for (unsigned i = 0; i < ex->nfindings; i++) {
        if (ex->findings[i].code != code)
            continue;
        size_t n = strlen(ex->findings[i].detail);
        snprintf(ex->findings[i].detail + n, sizeof(ex->findings[i].detail) - n, "%s", text);
    }
}

void ss_exchange_add(scepsniff_exchange *ex, ss_finding_id id, const char *fmt, ...)
{
    const ss_finding_def *def = ss_finding_get(id);
    if (ss_exchange_has(ex, id))
        return;
    unsigned slot = ex->nfindings;
    if (slot == SCEPSNIFF_MAX_FINDINGS) {
        /* full: replace the least severe, if this one is worse */
        unsigned least = 0;
        for (unsigned i = 1; i < ex->nfindings; i++)
            if (ex->findings[i].severity < ex->findings[least].severity)
                least = i;
        if (ex->findings[least].severity >= def->severity)
            return;
        slot = least;
    } else {
        ex->nfindings++;
    }
    scepsniff_finding *f = &ex->findings[slot];
    memset(f, 0, sizeof(*f));
    f->code = def->code;
    f->severity = def->severity;
    f->summary = def->summary;
    f->causes = def->causes;
    f->check = def->check;
    ss_finding_doc(def->code, f->doc, sizeof(f->doc));
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(f->detail, sizeof(f->detail), fmt, ap);
        va_end(ap);
    }
    ss_exchange_settle(ex);
}

void ss_exchange_settle(scepsniff_exchange *ex)
{
    ex->verdict = "ok";
    ex->severity = SCEPSNIFF_SEV_OK;
    for (unsigned i = 0; i < ex->nfindings; i++) {
        if (ex->findings[i].severity > ex->severity) {
            ex->severity = ex->findings[i].severity;
            ex->verdict = ex->findings[i].code;
        }
    }
    /* a healthy sign worth naming (403 on the bare URL, issued) still names the exchange */
    if (ex->severity == SCEPSNIFF_SEV_OK && ex->nfindings)
        ex->verdict = ex->findings[0].code;
}

const char *ss_platform_of(const char *ua)
{
    if (!ua || !*ua)
        return "";
    if (strstr(ua, "NDES client") || strstr(ua, "Windows"))
        return "Windows";
    if (strstr(ua, "Android") || strstr(ua, "Dalvik"))
        return "Android";
    if (strstr(ua, "CFNetwork") || strstr(ua, "Darwin") || strstr(ua, "profiled"))
        return "iOS/macOS";
    return "other";
}

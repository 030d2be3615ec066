/* exchange.h — building one exchange record: findings added from the catalogue, the verdict
 * (the worst finding) kept current. */
#ifndef SS_EXCHANGE_H
#define SS_EXCHANGE_H

#include "detect/findings.h"
#include "scepsniff/scepsniff.h"

/* Adds finding id with a printf-style detail (fmt may be NULL). A finding already present is
 * not added twice; past SCEPSNIFF_MAX_FINDINGS the least severe is dropped. */
void ss_exchange_add(scepsniff_exchange *ex, ss_finding_id id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Appends text to the detail of finding id, when ex carries it. */
void ss_exchange_append(scepsniff_exchange *ex, ss_finding_id id, const char *text);
/* 1 when ex carries finding id. */
int ss_exchange_has(const scepsniff_exchange *ex, ss_finding_id id);
/* Recomputes ex->verdict and ex->severity from the findings ("ok" when none is a problem). */
void ss_exchange_settle(scepsniff_exchange *ex);

/* The platform named by a User-Agent: "Windows", "Android", "iOS/macOS", or "other". */
const char *ss_platform_of(const char *user_agent);

#endif

/* enrollments.h — each device's enrollment, followed through its exchanges (GetCACaps →
 * GetCACert → PKIOperation → CertRep, with retries and CertPoll), and reported once when it
 * ends: issued or refused by the CA at once; stalled, failed or pending after the stall time
 * without activity; open at the end of input. Devices are keyed by the original client
 * (X-Forwarded-For behind a proxy, else the address). Bounded: at the cap the least recently
 * active enrollment is reported as it stands and dropped.
 */
#ifndef SS_ENROLLMENTS_H
#define SS_ENROLLMENTS_H

#include <stddef.h>
#include <sys/time.h>

#include "scepsniff/scepsniff.h"

typedef struct ss_enrollments ss_enrollments;

/* flow is the flow of the enrollment's latest exchange (for the record's header). */
typedef void (*ss_enrollment_fn)(void *ctx, const scepsniff_enrollment *en,
                                 const scepsniff_flow *flow, const struct timeval *ts);

ss_enrollments *ss_enrollments_new(size_t max, unsigned stall_timeout, ss_enrollment_fn emit,
                                   void *ctx);
void ss_enrollments_free(ss_enrollments *e);
/* One more exchange of a device; ts is its time. */
void ss_enrollments_add(ss_enrollments *e, const scepsniff_exchange *ex, const scepsniff_flow *flow,
                        const struct timeval *ts);
/* Reports enrollments idle for the stall time. */
void ss_enrollments_tick(ss_enrollments *e, const struct timeval *now);
/* Reports every enrollment still open. */
void ss_enrollments_finish(ss_enrollments *e, const struct timeval *now);

#endif

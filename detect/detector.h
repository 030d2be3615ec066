/* detector.h — the detect layer: decoded transactions and stream events in, exchanges and
 * enrollments out (through the engine's event callback), each with findings from the
 * catalogue. Connection attempts that never carried a request (blocked, refused, reset) are
 * exchanges too when they were aimed at a web port or at a server seen speaking SCEP.
 */
#ifndef SS_DETECTOR_H
#define SS_DETECTOR_H

#include "decode/decoder.h"
#include "scepsniff/scepsniff.h"

typedef struct ss_detector ss_detector;

ss_detector *ss_detector_new(const scepsniff_config *cfg, scepsniff_event_fn out, void *user,
                             char *errbuf);
/* The decoder's sink callbacks (ctx = the detector). */
void ss_detector_on_tx(void *ctx, void **above, const scepsniff_flow *flow,
                       const ss_decoded_tx *tx);
void ss_detector_on_event(void *ctx, void **above, const scepsniff_event *ev);
/* The CA the device profiles trust (thumbprints, comma-separated; may be NULL) and the
 * certificates the user vouches for (not owned; may be NULL). Returns 0, or -1 with a message
 * in errbuf. */
int ss_detector_expect_ca(ss_detector *d, const char *thumbprints, STACK_OF(X509) * anchors,
                          char *errbuf);
/* Judges the certificates the user gave (--ca-file) as at time now — validity, expiry horizon,
 * the CA/RA set, the expected thumbprint — and reports them as one exchange "CA file", whose
 * flow has id 0 and no addresses (it is not from the wire). */
void ss_detector_judge_ca_file(ss_detector *d, OSSL_LIB_CTX *libctx, STACK_OF(X509) * certs,
                               const struct timeval *now);
/* Time moves on (packet time offline, wall time live): stalled enrollments are reported. */
void ss_detector_tick(ss_detector *d, const struct timeval *now);
/* End of input: every enrollment still open is reported. */
void ss_detector_finish(ss_detector *d, const struct timeval *now);
void ss_detector_free(ss_detector *d);

#endif

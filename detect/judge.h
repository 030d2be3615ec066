/* judge.h — the verdict on one HTTP transaction: transport (reset, no response, truncated,
 * capture gap, open at end), then HTTP as NDES / IIS / the application proxy answer it, then
 * the SCEP inside (CertRep status, malformed messages, mismatches), then the warnings that
 * come before failures (URL limits, base64 damage, weak ciphers, unknown RA recipient, CA/RA
 * certificate validity, capabilities). SCEP.md §4 is the reading of each signature.
 */
#ifndef SS_JUDGE_H
#define SS_JUDGE_H

#include <sys/time.h>

#include "decode/decoder.h"
#include "detect/cert_checks.h"
#include "detect/servers.h"
#include "scepsniff/scepsniff.h"

typedef struct ss_judge_ctx {
    unsigned cert_warn_days;
    scepsniff_stream_kind flow_end; /* how the flow ended when the transaction was flushed:
                                       0 while open, IDLE_TIMEOUT, END_OF_CAPTURE, EVICTED */
    const ss_server *server;        /* what is known of this server, NULL if nothing */
    const ss_ca_expect *ca_expect;  /* --expect-ca-thumbprint / --ca-file, NULL if none */
} ss_judge_ctx;

/* Fills ex (zeroed by the caller) from tx: request/response fields, SCEP fields, findings. */
void ss_judge_tx(const ss_judge_ctx *jc, const ss_decoded_tx *tx, scepsniff_exchange *ex);

/* Findings on CA/RA certificates handed out at time now. */
void ss_judge_certs(const ss_scep_certs *certs, const struct timeval *now, unsigned warn_days,
                    scepsniff_exchange *ex);

#endif

/* cert_checks.h — the server's certificates judged beyond their dates (ss_judge_certs in
 * judge.h does validity and the expiry horizon): is a GetCACert / GetNextCACert answer a sane
 * CA/RA set (RFC 8894 2.2 and 4.2), is its CA the one the device profile trusts, and does a
 * CertRep's signature verify with a certificate allowed to sign.
 *
 * A single CA certificate (a CA without RA, like micromdm scepserver) is not an RA set: the
 * client encrypts to it and verifies replies with it whatever its keyUsage, so the RA checks
 * apply only when the answer holds a certificate that is not a CA (NDES's "CEP Encryption"
 * and "Exchange Enrollment Agent (Offline request)").
 */
#ifndef SS_CERT_CHECKS_H
#define SS_CERT_CHECKS_H

#include <stddef.h>

#include <openssl/types.h>
#include <openssl/x509.h>

#include "decode/scep_certs.h"
#include "decode/scep_verify.h"
#include "scepsniff/scepsniff.h"

#define SS_CA_EXPECT_MAX 8

/* What the device is configured to trust (the Intune trusted certificate profile). */
typedef struct ss_ca_expect {
    unsigned n;
    char thumbprint[SS_CA_EXPECT_MAX][65]; /* upper-case hex: 40 (SHA-1) or 64 (SHA-256) */
    /* Certificates the user gave (--ca-file), not owned, may be NULL: a root the profile trusts
     * above the intermediate CA an answer carries counts as a match when its thumbprint is
     * expected and it signed that intermediate. */
    STACK_OF(X509) * anchors;
} ss_ca_expect;

/* Adds the thumbprints in text to e: SHA-1 or SHA-256 hex in any case, ':' and spaces ignored,
 * several separated by ','. Returns 0, or -1 with a message in err (nothing added) when one is
 * not 40 or 64 hex digits or e would hold more than SS_CA_EXPECT_MAX. */
int ss_ca_expect_add(ss_ca_expect *e, const char *text, char *err, size_t errlen);

/* Judges a CA/RA set: certs as decoded, x509s the same certificates as OpenSSL objects in the
 * same order (ss_scep_certset_from_body), or NULL to judge issuers by name only. expect may be
 * NULL. Adds to ex: cert.ra_not_issued_by_ca, cert.ra_encryption_missing,
 * cert.ra_signing_missing (RA sets only) and cert.ca_thumbprint_mismatch. */
void ss_judge_ca_set(const ss_scep_certs *certs, STACK_OF(X509) * x509s, const ss_ca_expect *expect,
                     scepsniff_exchange *ex);

/* Judges a CertRep's signature check (ss_scep_msg_verify on the reply body): adds
 * cert.reply_signature_invalid when it does not verify, and
 * cert.reply_signer_no_digital_signature when an RA (not CA) certificate whose keyUsage lacks
 * digitalSignature signed it. A signature that could not be checked adds nothing. */
void ss_judge_reply_sig(const ss_scep_sigcheck *sc, scepsniff_exchange *ex);

/* One line on the set for reports: each certificate's role and, for CAs, root or intermediate:
 * "CA C=US, O=... (self-signed root); RA encryption CN=...; RA signing CN=...". Always
 * NUL-terminated (len > 0). */
void ss_ca_set_describe(const ss_scep_certs *certs, char *buf, size_t len);

/* "self-signed root", "intermediate" or "self-issued, its signature does not verify". */
const char *ss_ca_kind(const ss_scep_cert *c);

#endif

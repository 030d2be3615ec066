/* cert_checks.c — a CA/RA certificate set and a CertRep signature judged (see cert_checks.h).
 *
 * RFC 8894 2.2: a CA with an RA hands out the CA certificate and the RA certificates; the
 * client picks the RA certificate to encrypt to and to verify replies with by keyUsage
 * (keyEncipherment, digitalSignature: RFC 5280 4.2.1.3). Issuance is checked the way a client
 * would: names, key identifiers and the CA's keyUsage (X509_check_issued), then the signature
 * with the CA's key (X509_verify). The expected-CA check follows what Intune puts on the
 * device: the thumbprint of the trusted certificate profile, which the certificate GetCACert
 * returns, or a certificate above it, must have.
 */
#include "detect/cert_checks.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "detect/exchange.h"

/* Issuers followed from the answer towards an expected thumbprint: the answer's certificates
 * and at most this many given with --ca-file. */
#define POOL_MAX (SS_SCEP_MAX_CERTS + 16)

/* ---- expected thumbprints ---------------------------------------------------------------- */

int ss_ca_expect_add(ss_ca_expect *e, const char *text, char *err, size_t errlen)
{
    char got[SS_CA_EXPECT_MAX][65];
    unsigned k = 0;
    const char *p = text;

    if (!text) {
        snprintf(err, errlen, "no thumbprint given");
        return -1;
    }
    for (;;) {
        const char *start = p;
        size_t nhex = 0;
        int bad = 0;
        char hex[65];

        for (; *p && *p != ','; p++) {
            unsigned char c = (unsigned char)*p;

            /* the Windows certificate dialog copies a U+200E mark in front of the thumbprint */
            if (c == 0xE2 && (unsigned char)p[1] == 0x80 &&
                ((unsigned char)p[2] == 0x8E || (unsigned char)p[2] == 0x8F)) {
                p += 2;
                continue;
            }
            if (c == ':' || c == ' ' || c == '\t')
                continue;
            if (!isxdigit(c)) {
                bad = 1;
                continue;
            }
            if (nhex < 64)
                hex[nhex] = (char)toupper(c);
            nhex++;
        }
        if (bad || (nhex != 40 && nhex != 64)) {
            int shown = (int)(p - start > 80 ? 80 : p - start);
            snprintf(err, errlen,
                     "'%.*s' is not a SHA-1 (40 hex digits) or SHA-256 (64 hex digits) thumbprint",
                     shown, start);
            return -1;
        }
        if (e->n + k >= SS_CA_EXPECT_MAX) {
            snprintf(err, errlen, "more than %d expected CA thumbprints", SS_CA_EXPECT_MAX);
            return -1;
        }
        hex[nhex] = '\0';
        memcpy(got[k++], hex, nhex + 1);
        if (!*p)
            break;
        p++;
    }
    for (unsigned i = 0; i < k; i++)
        memcpy(e->thumbprint[e->n++], got[i], sizeof(got[i]));
    return 0;
}

static int expected(const ss_ca_expect *e, const char *sha1, const char *sha256)
{
    for (unsigned i = 0; i < e->n; i++) {
        const char *t = e->thumbprint[i];
        if (!strcmp(t, strlen(t) == 40 ? sha1 : sha256))
            return 1;
    }
    return 0;
}

static void digest_hex(X509 *x, const EVP_MD *md, char *dst, size_t dstlen)
{
    unsigned char buf[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    dst[0] = '\0';
    if (X509_digest(x, md, buf, &n) == 1)
        ss_scep_hex(dst, dstlen, buf, n);
}

/* ---- small facts ------------------------------------------------------------------------- */

const char *ss_ca_kind(const ss_scep_cert *c)
{
    if (c->self_signed)
        return "self-signed root";
    if (c->self_issued)
        return "self-issued, its signature does not verify";
    return "intermediate";
}

static int is_ca(const ss_scep_cert *c)
{
    return c->role == SS_SCEP_ROLE_CA;
}

static int can_encrypt(const ss_scep_cert *c)
{
    return c->role == SS_SCEP_ROLE_RA_ENCRYPT || c->role == SS_SCEP_ROLE_RA_BOTH;
}

static int can_sign(const ss_scep_cert *c)
{
    return c->role == SS_SCEP_ROLE_RA_SIGN || c->role == SS_SCEP_ROLE_RA_BOTH;
}

static void key_usage_text(const ss_scep_cert *c, char *dst, size_t dstlen)
{
    size_t n = 0;

    dst[0] = '\0';
    if (!c->has_key_usage) {
        snprintf(dst, dstlen, "no keyUsage");
        return;
    }
    for (unsigned b = 0; b < SS_SCEP_KU_COUNT; b++) {
        if (!(c->key_usage & (1u << b)))
            continue;
        snprintf(dst + n, dstlen - n, "%s%s", n ? "," : "", ss_scep_key_usage_name(b));
        n = strlen(dst);
    }
    if (!n)
        snprintf(dst, dstlen, "empty keyUsage");
}

/* x509s holds the certificates of certs in the same order (checked by serial). */
static int same_set(const ss_scep_certs *certs, STACK_OF(X509) * x509s)
{
    char serial[SS_SCEP_SERIAL_LEN];

    if (!x509s || (unsigned)sk_X509_num(x509s) != certs->ncerts + certs->certs_dropped)
        return 0;
    for (unsigned i = 0; i < certs->ncerts; i++) {
        ss_scep_serial(X509_get0_serialNumber(sk_X509_value(x509s, (int)i)), serial,
                       sizeof(serial));
        if (strcmp(serial, certs->certs[i].serial))
            return 0;
    }
    return 1;
}

/* Did issuer issue subject? 2: yes (names, key identifiers, keyCertSign and signature);
 * 1: it is named as the issuer but does not check out (*why says how); 0: not named. */
static int issued(X509 *issuer, X509 *subject, const char **why)
{
    int rc = X509_check_issued(issuer, subject);
    EVP_PKEY *k;

    if (rc == X509_V_ERR_SUBJECT_ISSUER_MISMATCH)
        return 0;
    if (rc != X509_V_OK) {
        *why = X509_verify_cert_error_string(rc);
        return 1;
    }
    k = X509_get0_pubkey(issuer);
    if (!k || X509_verify(subject, k) != 1) {
        *why = "its signature does not verify with that CA's key";
        return 1;
    }
    return 2;
}

/* ---- the set ----------------------------------------------------------------------------- */

static void judge_chain(const ss_scep_certs *certs, STACK_OF(X509) * xs, scepsniff_exchange *ex)
{
    unsigned bad = 0, first = 0, nca = 0, ca_first = 0;
    const char *first_why = NULL;

    for (unsigned j = 0; j < certs->ncerts; j++)
        if (is_ca(&certs->certs[j]) && nca++ == 0)
            ca_first = j;
    for (unsigned i = 0; i < certs->ncerts; i++) {
        const ss_scep_cert *ra = &certs->certs[i];
        const char *why = NULL;
        int best = 0;

        if (is_ca(ra))
            continue;
        for (unsigned j = 0; j < certs->ncerts && best < 2; j++) {
            int r;
            const char *w = NULL;

            if (j == i || !is_ca(&certs->certs[j]))
                continue;
            if (xs)
                r = issued(sk_X509_value(xs, (int)j), sk_X509_value(xs, (int)i), &w);
            else
                r = strcmp(ra->issuer, certs->certs[j].subject) ? 0 : 2;
            if (r > best) {
                best = r;
                why = w;
            }
        }
        if (best == 2)
            continue;
        if (bad++ == 0) {
            first = i;
            first_why = why;
        }
    }
    if (!bad)
        return;
    const ss_scep_cert *ra = &certs->certs[first];
    char more[32] = "";
    if (bad > 1)
        snprintf(more, sizeof(more), " (and %u more)", bad - 1);
    if (first_why)
        ss_exchange_add(ex, SS_F_RA_NOT_ISSUED_BY_CA,
                        "%s: its issuer %s is in the answer, but %s%s", ra->subject, ra->issuer,
                        first_why, more);
    else if (!nca)
        ss_exchange_add(ex, SS_F_RA_NOT_ISSUED_BY_CA,
                        "%s is issued by %s; the answer holds no CA certificate%s", ra->subject,
                        ra->issuer, more);
    else
        ss_exchange_add(ex, SS_F_RA_NOT_ISSUED_BY_CA, "%s is issued by %s, not by the CA %s%s%s",
                        ra->subject, ra->issuer, certs->certs[ca_first].subject,
                        xs ? "" : " (by name)", more);
}

/* "CN=A (keyEncipherment); CN=B (digitalSignature)" for the RA certificates. */
static void ra_list(const ss_scep_certs *certs, char *dst, size_t dstlen)
{
    size_t n = 0;

    dst[0] = '\0';
    for (unsigned i = 0; i < certs->ncerts && n + 1 < dstlen; i++) {
        const ss_scep_cert *c = &certs->certs[i];
        char ku[160];

        if (is_ca(c))
            continue;
        key_usage_text(c, ku, sizeof(ku));
        snprintf(dst + n, dstlen - n, "%s%s (%s)", n ? "; " : "", c->subject, ku);
        n = strlen(dst);
    }
}

/* Does some certificate of the answer have an expected thumbprint, or chain (issuer by issuer,
 * within the answer and the anchors) to one that has? */
static int answer_trusted(const ss_scep_certs *certs, STACK_OF(X509) * xs, const ss_ca_expect *e)
{
    X509 *pool[POOL_MAX];
    int trusted[POOL_MAX] = {0};
    /* issued() of each pair at most once: -1 not asked yet, else its answer */
    signed char edge[POOL_MAX][POOL_MAX];
    unsigned n = 0, nanswer;

    for (unsigned i = 0; i < certs->ncerts; i++)
        if (expected(e, certs->certs[i].sha1, certs->certs[i].sha256))
            return 1;
    if (!xs || !e->anchors)
        return 0;
    nanswer = certs->ncerts;
    for (unsigned i = 0; i < nanswer; i++)
        pool[n++] = sk_X509_value(xs, (int)i);
    for (int i = 0; i < sk_X509_num(e->anchors) && n < POOL_MAX; i++) {
        X509 *a = sk_X509_value(e->anchors, i);
        char sha1[41], sha256[65];

        /* the default context's SHA-1 and SHA-256: the anchors come from the user's file */
        digest_hex(a, EVP_sha1(), sha1, sizeof(sha1));
        digest_hex(a, EVP_sha256(), sha256, sizeof(sha256));
        trusted[n] = expected(e, sha1, sha256);
        pool[n++] = a;
    }
    memset(edge, -1, sizeof(edge));
    /* spread trust from issuer to subject; each round adds one level, n rounds reach all */
    for (unsigned round = 0; round < n; round++) {
        int changed = 0;

        for (unsigned s = 0; s < n; s++) {
            for (unsigned i = 0; i < n && !trusted[s]; i++) {
                const char *why;

                if (i == s || !trusted[i])
                    continue;
                if (edge[i][s] < 0)
                    edge[i][s] = (signed char)issued(pool[i], pool[s], &why);
                if (edge[i][s] == 2) {
                    trusted[s] = 1;
                    changed = 1;
                }
            }
        }
        if (!changed)
            break;
    }
    for (unsigned i = 0; i < nanswer; i++)
        if (trusted[i])
            return 1;
    return 0;
}

static void judge_thumbprint(const ss_scep_certs *certs, STACK_OF(X509) * xs, const ss_ca_expect *e,
                             scepsniff_exchange *ex)
{
    const ss_scep_cert *ca = &certs->certs[0];
    int sha1 = strlen(e->thumbprint[0]) == 40;
    char more[24] = "";

    if (answer_trusted(certs, xs, e))
        return;
    for (unsigned i = 0; i < certs->ncerts; i++) {
        if (is_ca(&certs->certs[i])) {
            ca = &certs->certs[i];
            break;
        }
    }
    if (e->n > 1)
        snprintf(more, sizeof(more), " (or %u more)", e->n - 1);
    ss_exchange_add(ex, SS_F_CA_THUMBPRINT_MISMATCH,
                    "expected %s%s; the answer's CA has SHA-%s %s (%s): %s", e->thumbprint[0], more,
                    sha1 ? "1" : "256", sha1 ? ca->sha1 : ca->sha256, ss_ca_kind(ca), ca->subject);
}

void ss_judge_ca_set(const ss_scep_certs *certs, STACK_OF(X509) * x509s, const ss_ca_expect *expect,
                     scepsniff_exchange *ex)
{
    unsigned nra = 0, enc = 0, sign = 0;
    char list[200];

    if (!certs || !certs->ncerts)
        return;
    ERR_set_mark();
    if (!same_set(certs, x509s))
        x509s = NULL;
    for (unsigned i = 0; i < certs->ncerts; i++) {
        const ss_scep_cert *c = &certs->certs[i];

        if (is_ca(c))
            continue;
        nra++;
        enc += can_encrypt(c);
        sign += can_sign(c);
    }
    if (nra) {
        judge_chain(certs, x509s, ex);
        if (!enc || !sign)
            ra_list(certs, list, sizeof(list));
        if (!enc)
            ss_exchange_add(ex, SS_F_RA_ENCRYPT_MISSING, "%u RA certificate%s: %s", nra,
                            nra > 1 ? "s" : "", list);
        if (!sign)
            ss_exchange_add(ex, SS_F_RA_SIGN_MISSING, "%u RA certificate%s: %s", nra,
                            nra > 1 ? "s" : "", list);
    }
    if (expect && expect->n)
        judge_thumbprint(certs, x509s, expect, ex);
    ERR_pop_to_mark();
}

/* ---- the CertRep signature --------------------------------------------------------------- */

void ss_judge_reply_sig(const ss_scep_sigcheck *sc, scepsniff_exchange *ex)
{
    if (sc->status == SS_SCEP_SIG_INVALID)
        ss_exchange_add(ex, SS_F_REPLY_SIGNATURE_INVALID, "%s; signer %s%s", sc->detail,
                        sc->signer_known ? sc->signer.subject : sc->signer_ref,
                        sc->signer_from_extra ? " (its certificate from GetCACert or --ca-file)"
                                              : "");
    if ((sc->status == SS_SCEP_SIG_VERIFIED || sc->status == SS_SCEP_SIG_INVALID) &&
        sc->signer_known && !sc->signer_digital_signature && !is_ca(&sc->signer)) {
        char ku[160];

        key_usage_text(&sc->signer, ku, sizeof(ku));
        ss_exchange_add(ex, SS_F_REPLY_SIGNER_NO_DIGITAL_SIG,
                        "signed by %s (serial %s), keyUsage %s", sc->signer.subject,
                        sc->signer.serial, ku);
    }
}

/* ---- description ------------------------------------------------------------------------- */

void ss_ca_set_describe(const ss_scep_certs *certs, char *buf, size_t len)
{
    size_t n = 0;

    if (!buf || !len)
        return;
    buf[0] = '\0';
    for (unsigned i = 0; certs && i < certs->ncerts && n + 1 < len; i++) {
        const ss_scep_cert *c = &certs->certs[i];

        if (is_ca(c))
            snprintf(buf + n, len - n, "%sCA %s (%s)", n ? "; " : "", c->subject, ss_ca_kind(c));
        else
            snprintf(buf + n, len - n, "%s%s %s", n ? "; " : "", ss_scep_role_name(c->role),
                     c->subject);
        n = strlen(buf);
    }
    if (certs && certs->certs_dropped && n + 1 < len)
        snprintf(buf + n, len - n, "; %u more not read", certs->certs_dropped);
}

/* tls_chain.c — the server's certificate chain (see tls_int.h): the Certificate message (RFC
 * 5246 7.4.2, RFC 8446 4.4.2), each certificate decoded by OpenSSL or taken from the engine's
 * certificate cache (tls_certcache.h), and summarised for reports: subject and issuer (RFC 2253
 * escaping), subjectAltNames and validity (RFC 5280 4.2.1.6, 4.1.2.5). The leaf is also judged
 * against the time it was seen and the SNI.
 */
#include "tls_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls_certcache.h"

/* "C=.., O=.., CN=.." with RFC 2253 escaping, in the order of the certificate. */
static void dn_string(const X509_NAME *name, char *dst, size_t cap)
{
    unsigned long flags =
        ((XN_FLAG_RFC2253 & ~XN_FLAG_DN_REV) & ~XN_FLAG_SEP_MASK) | XN_FLAG_SEP_CPLUS_SPC;
    BIO *b = BIO_new(BIO_s_mem());
    char *data = NULL;
    long n;

    dst[0] = '\0';
    if (!b)
        return;
    if (X509_NAME_print_ex(b, name, 0, flags) >= 0) {
        n = BIO_get_mem_data(b, &data);
        if (n > 0 && data)
            ss_tls_copy_printable(dst, cap, (const uint8_t *)data, (size_t)n);
    }
    BIO_free(b);
}

static void time_string(time_t t, char *dst, size_t cap)
{
    struct tm tm;

    if (!gmtime_r(&t, &tm) || !strftime(dst, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
        dst[0] = '\0';
}

static int asn1_time(const ASN1_TIME *a, time_t *out)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    if (!a || ASN1_TIME_to_tm(a, &tm) != 1)
        return -1;
    *out = timegm(&tm);
    return 0;
}

static void sans_string(X509 *x, ss_tls_cert *c)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    char ip[INET6_ADDRSTRLEN + 4];
    int i, n;

    if (!gens)
        return;
    n = sk_GENERAL_NAME_num(gens);
    for (i = 0; i < n; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        const ASN1_STRING *s;
        const char *tag = NULL;
        char buf[300];

        c->nsans++;
        switch (g->type) {
        case GEN_DNS:
            tag = "DNS:";
            s = g->d.dNSName;
            break;
        case GEN_EMAIL:
            tag = "email:";
            s = g->d.rfc822Name;
            break;
        case GEN_URI:
            tag = "URI:";
            s = g->d.uniformResourceIdentifier;
            break;
        case GEN_IPADD:
            s = g->d.iPAddress;
            if (s && (s->length == 4 || s->length == 16) &&
                inet_ntop(s->length == 4 ? AF_INET : AF_INET6, s->data, ip, sizeof(ip))) {
                snprintf(buf, sizeof(buf), "IP:%s", ip);
                ss_tls_append(c->sans, sizeof(c->sans), ", ", (const uint8_t *)buf, strlen(buf));
            }
            continue;
        default:
            continue;
        }
        if (!s)
            continue;
        snprintf(buf, sizeof(buf), "%s", tag);
        ss_tls_copy_printable(buf + strlen(buf), sizeof(buf) - strlen(buf), s->data,
                              (size_t)(s->length > 0 ? s->length : 0));
        ss_tls_append(c->sans, sizeof(c->sans), ", ", (const uint8_t *)buf, strlen(buf));
    }
    GENERAL_NAMES_free(gens);
}

/* What a certificate says, for the summary. */
static void cert_summary(X509 *x, size_t len, ss_tls_cert *c)
{
    memset(c, 0, sizeof(*c));
    c->der_len = len;
    dn_string(X509_get_subject_name(x), c->subject, sizeof(c->subject));
    dn_string(X509_get_issuer_name(x), c->issuer, sizeof(c->issuer));
    c->self_issued = X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0;
    sans_string(x, c);
    if (asn1_time(X509_get0_notBefore(x), &c->not_before) == 0 &&
        asn1_time(X509_get0_notAfter(x), &c->not_after) == 0) {
        c->times_ok = 1;
        time_string(c->not_before, c->not_before_iso, sizeof(c->not_before_iso));
        time_string(c->not_after, c->not_after_iso, sizeof(c->not_after_iso));
    }
}

/* One DER certificate of the server chain; the leaf is also judged against time and SNI. A
 * certificate decoded before (by this engine, on any flow) comes from the cache. */
static void one_cert(ss_tls *t, const uint8_t *der, size_t len, int leaf, const struct timeval *ts)
{
    ss_tls_info *in = &t->info;
    X509 *x = NULL, *own = NULL;
    ss_tls_cert *c;

    if (in->ncerts >= SS_TLS_MAX_CERTS) {
        in->certs_dropped++;
        return;
    }
    if (!in->certs && !(in->certs = ss_mem_calloc(t->cfg.mem, SS_TLS_MAX_CERTS * sizeof(*c)))) {
        in->certs_invalid = 1; /* the memory budget said no: the chain goes undescribed */
        return;
    }
    c = &in->certs[in->ncerts];
    if (!ss_tls_certcache_get(t->cfg.certs, der, len, &x, c)) {
        const unsigned char *q = der;
        own = X509_new_ex(t->cfg.libctx, NULL);
        /* on failure d2i frees the object it was given and sets own to NULL */
        if (own && d2i_X509(&own, &q, (long)len) && q == der + len) {
            x = own;
            cert_summary(x, len, c);
        } else {
            memset(c, 0, sizeof(*c));
        }
        ss_tls_certcache_put(t->cfg.certs, der, len, x, c);
    }
    if (!x) {
        in->certs_invalid = 1;
        goto done;
    }
    in->ncerts++;
    if (leaf) {
        in->cert_expired = c->times_ok && ts->tv_sec > c->not_after;
        in->cert_not_yet_valid = c->times_ok && ts->tv_sec < c->not_before;
        if (in->sni[0])
            in->cert_name_mismatch = X509_check_host(x, in->sni, strlen(in->sni), 0, NULL) != 1;
    }
done:
    X509_free(own);
}

/* RFC 5246 7.4.2 (list of ASN.1Cert) / RFC 8446 4.4.2 (context, CertificateEntry list) */
void ss_tls_certificates(ss_tls *t, const uint8_t *body, size_t len, const struct timeval *ts)
{
    ss_tls_info *in = &t->info;
    ss_cursor c = ss_cur(body, len), ctx, list, cert, ext;
    int tls13 = in->version == TLS13, n = 0;

    in->ncerts = in->certs_dropped = 0;
    if (tls13 && ss_tls_cur_vec(&c, 1, &ctx) < 0)
        goto bad;
    if (ss_tls_cur_vec(&c, 3, &list) < 0)
        goto bad;
    while (list.len) {
        if (ss_tls_cur_vec(&list, 3, &cert) < 0 || (tls13 && ss_tls_cur_vec(&list, 2, &ext) < 0))
            goto bad;
        one_cert(t, cert.p, cert.len, n++ == 0, ts);
    }
    ss_tls_emit_simple(t, SS_TLS_EV_CERTIFICATES, SS_TLS_TO_CLIENT, ts);
    return;
bad:
    in->malformed[1]++;
    in->certs_invalid = 1;
    ss_tls_emit_simple(t, SS_TLS_EV_CERTIFICATES, SS_TLS_TO_CLIENT, ts);
}

/* scep_certset.c — CA/RA certificate sets as OpenSSL objects, from a GetCACert/GetNextCACert
 * body (RFC 8894 4.2, 4.7) or from a file the user gives (see scep_certset.h).
 *
 * The body walk is ss_scep_certs_walk(), the one ss_scep_certs_decode() makes, so that
 * certificate i here is certs[i] there.
 */
#include "scep_certset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

void ss_scep_certset_free(STACK_OF(X509) * set)
{
    sk_X509_pop_free(set, X509_free);
}

STACK_OF(X509) * ss_scep_certset_from_body(OSSL_LIB_CTX *libctx, const uint8_t *body, size_t len)
{
    STACK_OF(X509) * set;
    ss_scep_certs_form form;
    unsigned nsigners;
    ss_scep_verdict v;

    if (!body)
        return NULL;
    memset(&v, 0, sizeof(v));
    set = ss_scep_certs_walk(libctx, body, len, &form, &nsigners, &v);
    if (set && sk_X509_num(set) == 0) {
        sk_X509_free(set);
        set = NULL;
    }
    return set;
}

/* Moves every certificate of from (freed) to the end of to. Returns 0, -1 when out of memory. */
static int take_all(STACK_OF(X509) * to, STACK_OF(X509) * from)
{
    int rc = 0;

    while (from && sk_X509_num(from) > 0) {
        X509 *x = sk_X509_shift(from);
        if (!sk_X509_push(to, x)) {
            X509_free(x);
            rc = -1;
        }
    }
    sk_X509_free(from);
    return rc;
}

/* Every CERTIFICATE and PKCS7 block of a PEM text; other blocks are skipped undecoded, so an
 * encrypted private key in the same file never asks for a password. */
static int read_pem(OSSL_LIB_CTX *libctx, const uint8_t *buf, size_t len, STACK_OF(X509) * set)
{
    BIO *bio = BIO_new_mem_buf(buf, (int)len);
    char *name = NULL, *header = NULL;
    unsigned char *data = NULL;
    long dlen = 0;
    int rc = 0;

    if (!bio)
        return -1;
    while (PEM_read_bio(bio, &name, &header, &data, &dlen) == 1) {
        const unsigned char *q = data;

        if (!strcmp(name, "CERTIFICATE") || !strcmp(name, "X509 CERTIFICATE")) {
            X509 *x = X509_new_ex(libctx, NULL);
            if (x && d2i_X509(&x, &q, dlen) && sk_X509_push(set, x))
                x = NULL;
            X509_free(x);
        } else if (!strcmp(name, "PKCS7") || !strcmp(name, "CMS")) {
            if (take_all(set, ss_scep_certset_from_body(libctx, data, (size_t)dlen)) < 0)
                rc = -1;
        }
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);
        name = header = NULL;
        data = NULL;
    }
    BIO_free(bio);
    return rc;
}

static const char *find(const uint8_t *p, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (!memcmp(p + i, needle, k))
            return (const char *)p + i;
    return NULL;
}

STACK_OF(X509) *
    ss_scep_certset_read_file(OSSL_LIB_CTX *libctx, const char *path, char *err, size_t errlen)
{
    STACK_OF(X509) *set = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    FILE *f = NULL;

    ERR_set_mark();
    f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open %s", path);
        goto fail;
    }
    /* one byte more than the cap tells a file over it from one exactly at it */
    buf = malloc(SS_SCEP_CERTSET_MAX_FILE + 1);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    len = fread(buf, 1, SS_SCEP_CERTSET_MAX_FILE + 1, f);
    if (ferror(f)) {
        snprintf(err, errlen, "cannot read %s", path);
        goto fail;
    }
    if (len > SS_SCEP_CERTSET_MAX_FILE) {
        snprintf(err, errlen, "%s is larger than %u bytes: not a certificate file", path,
                 SS_SCEP_CERTSET_MAX_FILE);
        goto fail;
    }
    if (find(buf, len, "-----BEGIN ")) {
        set = sk_X509_new_null();
        if (!set || read_pem(libctx, buf, len, set) < 0) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
    } else {
        set = ss_scep_certset_from_body(libctx, buf, len);
    }
    if (!set || sk_X509_num(set) == 0) {
        snprintf(err, errlen,
                 "%s holds no certificate (PEM CERTIFICATE or PKCS7, DER certificate or DER "
                 "PKCS#7 expected)",
                 path);
        goto fail;
    }
    fclose(f);
    free(buf);
    ERR_pop_to_mark();
    return set;
fail:
    ss_scep_certset_free(set);
    if (f)
        fclose(f);
    free(buf);
    ERR_pop_to_mark();
    return NULL;
}

void ss_scep_certset_facts(OSSL_LIB_CTX *libctx, STACK_OF(X509) * set, ss_scep_certs *out)
{
    int n = set ? sk_X509_num(set) : 0;

    memset(out, 0, sizeof(*out));
    out->form = SS_SCEP_CERTS_PKCS7;
    for (int i = 0; i < n; i++) {
        if (out->ncerts == SS_SCEP_MAX_CERTS) {
            out->certs_dropped++;
            continue;
        }
        ss_scep_cert_facts(libctx, sk_X509_value(set, i), &out->certs[out->ncerts++]);
    }
    if (out->ncerts == 0)
        ss_scep_verdict_set(&out->verdict, SS_SCEP_R_NO_CERTS, "no certificate");
}

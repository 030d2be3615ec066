/* ra_keys.c — loading RA private keys and their certificates from PEM, DER and PKCS#12 files
 * with OpenSSL, in the decoder's library context (see ra_keys.h).
 *
 * A file is parsed into a staging area first and merged into the set only when the whole file
 * was understood, so a failed load leaves the set as it was. OpenSSL is always given a password
 * callback: without one it would prompt on the terminal for an encrypted key.
 */
#include "ra_keys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

typedef struct ra_key {
    EVP_PKEY *pkey; /* one reference owned by the set (entries may share a key) */
    X509 *cert;     /* one reference, or NULL */
    ss_ra_key_info info;
} ra_key;

struct ss_ra_keys {
    OSSL_LIB_CTX *libctx;
    unsigned n;
    ra_key keys[SS_RA_MAX_KEYS];
};

#define MAX_STAGED_CERTS 32 /* a PEM bundle with its chain; more are ignored */

/* What one file held, before it is merged. Every pointer is a reference owned here. */
typedef struct staged {
    unsigned nkeys;
    EVP_PKEY *keys[SS_RA_MAX_KEYS];
    X509 *key_certs[SS_RA_MAX_KEYS]; /* the certificate a PKCS#12 pairs with the key */
    unsigned ncerts;
    X509 *certs[MAX_STAGED_CERTS];
    int too_many;
} staged;

typedef struct pw {
    const char *pw; /* NULL: none given */
    int asked;      /* OpenSSL wanted a password since the flag was cleared */
} pw;

/* OpenSSL's pem_password_cb. Returning -1 refuses, so OpenSSL never falls back to a prompt. */
static int pw_cb(char *buf, int size, int rwflag, void *u)
{
    pw *p = u;
    size_t n;

    (void)rwflag;
    p->asked = 1;
    if (!p->pw)
        return -1;
    n = strlen(p->pw);
    if (size < 0 || n > (size_t)size)
        return -1;
    memcpy(buf, p->pw, n);
    return (int)n;
}

ss_ra_keys *ss_ra_keys_new(OSSL_LIB_CTX *libctx)
{
    ss_ra_keys *k = calloc(1, sizeof(*k));

    if (k)
        k->libctx = libctx;
    return k;
}

static void release_entry(ra_key *e)
{
    EVP_PKEY_free(e->pkey);
    X509_free(e->cert);
    memset(e, 0, sizeof(*e));
}

void ss_ra_keys_free(ss_ra_keys *k)
{
    unsigned i;

    if (!k)
        return;
    for (i = 0; i < k->n; i++)
        release_entry(&k->keys[i]);
    free(k);
}

unsigned ss_ra_keys_count(const ss_ra_keys *k)
{
    return k ? k->n : 0;
}

const ss_ra_key_info *ss_ra_keys_info(const ss_ra_keys *k, unsigned i)
{
    return k && i < k->n ? &k->keys[i].info : NULL;
}

EVP_PKEY *ss_ra_keys_pkey(const ss_ra_keys *k, unsigned i)
{
    return k && i < k->n ? k->keys[i].pkey : NULL;
}

X509 *ss_ra_keys_cert(const ss_ra_keys *k, unsigned i)
{
    return k && i < k->n ? k->keys[i].cert : NULL;
}

/* ---- staging ----------------------------------------------------------------------------- */

static void staged_free(staged *s)
{
    unsigned i;

    for (i = 0; i < s->nkeys; i++) {
        EVP_PKEY_free(s->keys[i]);
        X509_free(s->key_certs[i]);
    }
    for (i = 0; i < s->ncerts; i++)
        X509_free(s->certs[i]);
    memset(s, 0, sizeof(*s));
}

/* Takes the references pk and x (x may be NULL). */
static void stage_key(staged *s, EVP_PKEY *pk, X509 *x)
{
    if (s->nkeys == SS_RA_MAX_KEYS) {
        s->too_many = 1;
        EVP_PKEY_free(pk);
        X509_free(x);
        return;
    }
    s->keys[s->nkeys] = pk;
    s->key_certs[s->nkeys++] = x;
}

static void stage_cert(staged *s, X509 *x)
{
    if (s->ncerts == MAX_STAGED_CERTS) {
        X509_free(x);
        return;
    }
    s->certs[s->ncerts++] = x;
}

static int contains(const uint8_t *p, size_t n, const char *what)
{
    size_t w = strlen(what), i;

    for (i = 0; n >= w && i <= n - w; i++)
        if (memcmp(p + i, what, w) == 0)
            return 1;
    return 0;
}

/* The password problem, when OpenSSL asked for one and the read failed. */
static int pw_error(const pw *p, const char *label, const char *what, char *err, size_t errlen)
{
    if (!p->pw)
        snprintf(err, errlen, "%s: the %s is password-protected; give its password", label, what);
    else
        snprintf(err, errlen, "%s: wrong password for the %s", label, what);
    return -1;
}

static int load_pem(OSSL_LIB_CTX *libctx, const uint8_t *d, size_t n, const char *label, pw *p,
                    staged *s, char *err, size_t errlen)
{
    pw none = {NULL, 0};
    BIO *b = BIO_new_mem_buf(d, (int)n);
    X509 *x;
    EVP_PKEY *pk;
    int rc = -1;

    if (!b)
        goto oom;
    /* Each call finds the next private key block, skipping certificates and other blocks. */
    for (;;) {
        p->asked = 0;
        pk = PEM_read_bio_PrivateKey_ex(b, NULL, pw_cb, p, libctx, NULL);
        if (!pk)
            break;
        stage_key(s, pk, NULL);
    }
    if (p->asked) {
        pw_error(p, label, "PEM private key", err, errlen);
        goto fail;
    }
    if (s->nkeys == 0 && contains(d, n, "PRIVATE KEY-----")) {
        snprintf(err, errlen,
                 "%s: a PEM private key block could not be read (corrupt, or a key type this "
                 "OpenSSL does not support)",
                 label);
        goto fail;
    }
    BIO_free(b);
    if (!(b = BIO_new_mem_buf(d, (int)n)))
        goto oom;
    for (;;) {
        x = X509_new_ex(libctx, NULL);
        if (!x)
            goto oom;
        if (!PEM_read_bio_X509(b, &x, pw_cb, &none)) {
            X509_free(x);
            break;
        }
        stage_cert(s, x);
    }
    rc = 0;
    goto fail;
oom:
    snprintf(err, errlen, "%s: out of memory", label);
fail:
    BIO_free(b);
    return rc;
}

/* PKCS#12. Returns 1 when the bytes are a PKCS#12 (loaded, or -1 with a message), 0 when not. */
static int load_p12(OSSL_LIB_CTX *libctx, const uint8_t *d, size_t n, const char *label, pw *p,
                    staged *s, char *err, size_t errlen)
{
    /* Created in libctx before d2i so that its ciphers (RC2-40, 3DES in older Windows exports)
     * are fetched from the context that has the legacy provider. */
    PKCS12 *p12 = PKCS12_init_ex(NID_pkcs7_data, libctx, NULL);
    const unsigned char *q = d;
    const char *pass = p->pw;
    EVP_PKEY *pk = NULL;
    X509 *x = NULL;
    STACK_OF(X509) *ca = NULL;
    unsigned long e;
    int rc = -1;

    if (!p12 || !d2i_PKCS12(&p12, &q, (long)n)) {
        PKCS12_free(p12);
        return 0;
    }
    if (PKCS12_mac_present(p12)) {
        if (!pass) {
            /* No password given: Windows and openssl both write files "without" one as an
             * empty password or as none at all. */
            if (PKCS12_verify_mac(p12, "", 0))
                pass = "";
            else if (PKCS12_verify_mac(p12, NULL, 0))
                pass = NULL;
            else {
                pw_error(p, label, "PKCS#12 file", err, errlen);
                goto done;
            }
        } else if (!PKCS12_verify_mac(p12, pass, -1)) {
            pw_error(p, label, "PKCS#12 file", err, errlen);
            goto done;
        }
    }
    if (!PKCS12_parse(p12, pass, &pk, &x, &ca)) {
        e = ERR_peek_last_error();
        snprintf(err, errlen, "%s: the PKCS#12 contents cannot be read%s%s", label,
                 ERR_reason_error_string(e) ? ": " : "",
                 ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "");
        goto done;
    }
    if (pk && x && EVP_PKEY_eq(X509_get0_pubkey(x), pk) != 1) {
        stage_cert(s, x); /* not this key's after all: let it find its key */
        x = NULL;
    }
    if (pk) {
        stage_key(s, pk, x);
        pk = NULL;
        x = NULL;
    }
    if (x) {
        stage_cert(s, x);
        x = NULL;
    }
    while (sk_X509_num(ca) > 0)
        stage_cert(s, sk_X509_shift(ca));
    rc = 1;
done:
    sk_X509_pop_free(ca, X509_free);
    EVP_PKEY_free(pk);
    X509_free(x);
    PKCS12_free(p12);
    return rc;
}

static int load_der(OSSL_LIB_CTX *libctx, const uint8_t *d, size_t n, const char *label, pw *p,
                    staged *s, char *err, size_t errlen)
{
    const unsigned char *q;
    X509_SIG *sig;
    EVP_PKEY *pk;
    X509 *x;
    int r;

    if ((r = load_p12(libctx, d, n, label, p, s, err, errlen)) != 0)
        return r < 0 ? -1 : 0;
    /* EncryptedPrivateKeyInfo (encrypted PKCS#8, RFC 5208 6) */
    q = d;
    if ((sig = d2i_X509_SIG(NULL, &q, (long)n)) != NULL) {
        PKCS8_PRIV_KEY_INFO *p8 = NULL;

        pk = NULL;
        if (p->pw)
            p8 = PKCS8_decrypt_ex(sig, p->pw, (int)strlen(p->pw), libctx, NULL);
        if (p8)
            pk = EVP_PKCS82PKEY_ex(p8, libctx, NULL);
        PKCS8_PRIV_KEY_INFO_free(p8);
        X509_SIG_free(sig);
        if (!pk)
            return pw_error(p, label, "encrypted PKCS#8 key", err, errlen);
        stage_key(s, pk, NULL);
        return 0;
    }
    /* PrivateKeyInfo or a traditional key (RFC 8017 A.1.2 RSAPrivateKey, ...) */
    q = d;
    if ((pk = d2i_AutoPrivateKey_ex(NULL, &q, (long)n, libctx, NULL)) != NULL) {
        stage_key(s, pk, NULL);
        return 0;
    }
    q = d;
    x = X509_new_ex(libctx, NULL);
    if (x && d2i_X509(&x, &q, (long)n)) {
        stage_cert(s, x);
        return 0;
    }
    X509_free(x);
    snprintf(err, errlen,
             "%s: not a private key, certificate or PKCS#12 file (PEM, DER and PKCS#12 are "
             "supported)",
             label);
    return -1;
}

/* ---- merging ----------------------------------------------------------------------------- */

static void fill_info(OSSL_LIB_CTX *libctx, ra_key *e, const char *label, unsigned nth)
{
    const char *t = EVP_PKEY_get0_type_name(e->pkey);

    if (nth > 0)
        snprintf(e->info.label, sizeof(e->info.label), "%.50s#%u", label, nth);
    else
        snprintf(e->info.label, sizeof(e->info.label), "%s", label);
    if (t)
        ss_scep_sanitize(e->info.key_type, sizeof(e->info.key_type), (const uint8_t *)t, strlen(t));
    e->info.key_bits = EVP_PKEY_get_bits(e->pkey);
    if (e->info.key_bits < 0)
        e->info.key_bits = 0;
    if (e->cert) {
        e->info.has_cert = 1;
        ss_scep_cert_facts(libctx, e->cert, &e->info.cert);
    }
}

static int same_cert(X509 *a, X509 *b)
{
    return a && b && X509_cmp(a, b) == 0;
}

/* Adds pk (and x) as a new entry of next, taking new references; nth > 0 numbers the label
 * (the nth key of its file). -1 when full. */
static int add_entry(ss_ra_keys *next, EVP_PKEY *pk, X509 *x, const char *label, unsigned nth)
{
    ra_key *e;

    if (next->n == SS_RA_MAX_KEYS)
        return -1;
    e = &next->keys[next->n++];
    memset(e, 0, sizeof(*e));
    EVP_PKEY_up_ref(pk);
    e->pkey = pk;
    if (x) {
        X509_up_ref(x);
        e->cert = x;
    }
    fill_info(next->libctx, e, label, nth);
    return 0;
}

/* Puts certificate x with the entry whose key it carries: on the entry when it has none, as a
 * new entry sharing the key when the key has another certificate (a renewed RA certificate on
 * the same key). Returns 1 when placed, 0 when no key matches, -1 when full. */
static int place_cert(ss_ra_keys *next, X509 *x)
{
    EVP_PKEY *pub = X509_get0_pubkey(x);
    unsigned i, n = next->n;
    int matched = 0;

    if (!pub)
        return 0;
    for (i = 0; i < n; i++) {
        ra_key *e = &next->keys[i];

        if (EVP_PKEY_eq(pub, e->pkey) != 1)
            continue;
        if (same_cert(e->cert, x))
            return 1;
        matched = 1;
        if (!e->cert) {
            X509_up_ref(x);
            e->cert = x;
            e->info.has_cert = 1;
            ss_scep_cert_facts(next->libctx, x, &e->info.cert);
            return 1;
        }
    }
    if (!matched)
        return 0;
    for (i = 0; i < n; i++)
        if (EVP_PKEY_eq(pub, next->keys[i].pkey) == 1)
            return add_entry(next, next->keys[i].pkey, x, next->keys[i].info.label, 0) < 0 ? -1 : 1;
    return 0;
}

/* Drops the references next holds that k does not. */
static void undo(const ss_ra_keys *k, ss_ra_keys *next)
{
    unsigned i;

    for (i = 0; i < next->n; i++) {
        if (i >= k->n)
            release_entry(&next->keys[i]);
        else if (!k->keys[i].cert && next->keys[i].cert)
            X509_free(next->keys[i].cert);
    }
}

static int merge(ss_ra_keys *k, staged *s, const char *label, char *err, size_t errlen)
{
    ss_ra_keys *next = malloc(sizeof(*next));
    unsigned i, j, added = 0, placed = 0;
    int r;

    if (!next) {
        snprintf(err, errlen, "%s: out of memory", label);
        return -1;
    }
    memcpy(next, k, sizeof(*next));
    for (i = 0; i < s->nkeys; i++) {
        int dup = 0;

        for (j = 0; j < next->n && !dup; j++) {
            ra_key *e = &next->keys[j];

            if (EVP_PKEY_eq(s->keys[i], e->pkey) != 1)
                continue;
            /* The same key again: keep one entry per certificate. */
            if (!s->key_certs[i] || same_cert(e->cert, s->key_certs[i]))
                dup = 1;
            else if (!e->cert) {
                dup = 1;
                X509_up_ref(s->key_certs[i]);
                e->cert = s->key_certs[i];
                e->info.has_cert = 1;
                ss_scep_cert_facts(next->libctx, e->cert, &e->info.cert);
            }
        }
        if (dup)
            continue;
        if (add_entry(next, s->keys[i], s->key_certs[i], label, s->nkeys > 1 ? i + 1 : 0) < 0)
            goto full;
        added++;
    }
    for (i = 0; i < s->ncerts; i++) {
        r = place_cert(next, s->certs[i]);
        if (r < 0)
            goto full;
        placed += (unsigned)r;
    }
    if (s->nkeys == 0 && placed == 0) {
        char subj[SS_SCEP_DN_LEN] = "";

        if (s->ncerts)
            ss_scep_dn(X509_get_subject_name(s->certs[0]), subj, sizeof(subj));
        snprintf(err, errlen,
                 "%s: no private key in it, and its certificate (%.120s) matches none of the keys "
                 "loaded before it",
                 label, subj[0] ? subj : "no subject");
        goto fail;
    }
    memcpy(k, next, sizeof(*k));
    free(next);
    return (int)added;
full:
    snprintf(err, errlen, "%s: more than %d RA keys", label, SS_RA_MAX_KEYS);
fail:
    undo(k, next);
    free(next);
    return -1;
}

/* ---- entry points ------------------------------------------------------------------------ */

int ss_ra_keys_load_mem(ss_ra_keys *k, const uint8_t *data, size_t len, const char *label,
                        const char *password, char *err, size_t errlen)
{
    staged s;
    pw p = {password, 0};
    int rc = -1;

    memset(&s, 0, sizeof(s));
    if (errlen)
        err[0] = '\0';
    if (!label)
        label = "key";
    ERR_set_mark();
    if (len == 0 || len > SS_RA_MAX_FILE) {
        snprintf(err, errlen, "%s: %zu bytes; not a key file", label, len);
        goto done;
    }
    if (contains(data, len, "-----BEGIN ")) {
        if (load_pem(k->libctx, data, len, label, &p, &s, err, errlen) < 0)
            goto done;
        if (s.nkeys == 0 && s.ncerts == 0) {
            snprintf(err, errlen, "%s: no private key or certificate in this PEM file", label);
            goto done;
        }
    } else if (load_der(k->libctx, data, len, label, &p, &s, err, errlen) < 0) {
        goto done;
    }
    if (s.too_many) {
        snprintf(err, errlen, "%s: more than %d keys in one file", label, SS_RA_MAX_KEYS);
        goto done;
    }
    rc = merge(k, &s, label, err, errlen);
done:
    staged_free(&s);
    ERR_pop_to_mark();
    return rc;
}

int ss_ra_keys_load_file(ss_ra_keys *k, const char *path, const char *password, char *err,
                         size_t errlen)
{
    const char *base = strrchr(path, '/');
    char label[SS_RA_LABEL_LEN];
    uint8_t *buf = NULL;
    struct stat st;
    FILE *f;
    size_t n = 0;
    int rc = -1;

    ss_scep_sanitize(label, sizeof(label), (const uint8_t *)(base ? base + 1 : path),
                     strlen(base ? base + 1 : path));
    f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        goto fail;
    }
    if (st.st_size <= 0 || (unsigned long long)st.st_size > SS_RA_MAX_FILE) {
        snprintf(err, errlen, "%s: %lld bytes; not a key file", path, (long long)st.st_size);
        goto fail;
    }
    n = (size_t)st.st_size;
    buf = malloc(n);
    if (!buf) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto fail;
    }
    if (fread(buf, 1, n, f) != n) {
        snprintf(err, errlen, "%s: short read", path);
        goto fail;
    }
    rc = ss_ra_keys_load_mem(k, buf, n, label, password, err, errlen);
fail:
    if (buf) {
        OPENSSL_cleanse(buf, n);
        free(buf);
    }
    fclose(f);
    return rc;
}

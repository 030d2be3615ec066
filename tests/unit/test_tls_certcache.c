/* test_tls_certcache.c — the engine's cache of decoded server certificates
 * (capture/tls_certcache.c): a hit only for the very same bytes, misses for other bytes of the
 * same length, undecodable bytes remembered as such, replacement, and the memory budget. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "capture/tls_certcache.h"

/* A self-signed certificate for cn with key k (a new one when NULL), DER-encoded into *der
 * (caller frees). */
static size_t make_cert_with(EVP_PKEY *key, const char *cn, uint8_t **der)
{
    EVP_PKEY *k = key ? key : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = X509_new();
    X509_NAME *n = X509_NAME_new();
    assert_non_null(k);
    assert_non_null(x);
    assert_non_null(n);
    assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_subject_name(x, n);
    X509_set_issuer_name(x, n);
    X509_set_pubkey(x, k);
    assert_true(X509_sign(x, k, EVP_sha256()) > 0);
    *der = NULL;
    int len = i2d_X509(x, der);
    assert_true(len > 0);
    X509_NAME_free(n);
    X509_free(x);
    if (!key)
        EVP_PKEY_free(k);
    return (size_t)len;
}

static size_t make_cert(const char *cn, uint8_t **der)
{
    return make_cert_with(NULL, cn, der);
}

static X509 *decode(const uint8_t *der, size_t len)
{
    const unsigned char *q = der;
    X509 *x = d2i_X509(NULL, &q, (long)len);
    assert_non_null(x);
    return x;
}

static void test_hit_only_for_same_bytes(void **state)
{
    (void)state;
    ss_mem mem = {0};
    ss_tls_certcache *cc = ss_tls_certcache_new(&mem, 1234);
    assert_non_null(cc);
    uint8_t *der;
    size_t len = make_cert("ndes.example.com", &der);
    X509 *x = decode(der, len), *got = NULL;
    ss_tls_cert c, out;
    memset(&c, 0, sizeof(c));
    strcpy(c.subject, "CN=ndes.example.com");
    c.der_len = len;

    assert_int_equal(ss_tls_certcache_get(cc, der, len, &got, &out), 0);
    ss_tls_certcache_put(cc, der, len, x, &c);
    X509_free(x); /* the cache holds a reference of its own */
    assert_int_equal(ss_tls_certcache_get(cc, der, len, &got, &out), 1);
    assert_non_null(got);
    assert_string_equal(out.subject, "CN=ndes.example.com");
    assert_int_equal(X509_check_host(got, "ndes.example.com", 0, 0, NULL), 1);

    /* one byte different (the signature's last): same length, same slot or not, a miss */
    der[len - 1] ^= 1;
    assert_int_equal(ss_tls_certcache_get(cc, der, len, &got, &out), 0);
    der[len - 1] ^= 1;
    /* a prefix of the same bytes is not the same certificate */
    assert_int_equal(ss_tls_certcache_get(cc, der, len - 1, &got, &out), 0);
    assert_int_equal(ss_tls_certcache_get(cc, der, 0, &got, &out), 0);

    ss_tls_certcache_free(cc);
    assert_int_equal(mem.used, 0);
    OPENSSL_free(der);
}

static void test_undecodable_remembered(void **state)
{
    (void)state;
    ss_mem mem = {0};
    ss_tls_certcache *cc = ss_tls_certcache_new(&mem, 99);
    static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x05};
    ss_tls_cert c, out;
    X509 *got = (X509 *)1;
    memset(&c, 0, sizeof(c));
    ss_tls_certcache_put(cc, junk, sizeof(junk), NULL, &c);
    assert_int_equal(ss_tls_certcache_get(cc, junk, sizeof(junk), &got, &out), 1);
    assert_null(got);
    ss_tls_certcache_free(cc);
    assert_int_equal(mem.used, 0);
}

/* More certificates than the cache holds (2048): every lookup that hits returns the summary
 * that was stored with those bytes, the newest is always there, and some had to make room. */
static void test_replacement_keeps_answers_right(void **state)
{
    (void)state;
    ss_mem mem = {0};
    ss_tls_certcache *cc = ss_tls_certcache_new(&mem, 5);
    enum { N = 2600 };
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_non_null(key);
    uint8_t *der[N];
    size_t len[N];
    for (int i = 0; i < N; i++) {
        char cn[32];
        snprintf(cn, sizeof(cn), "host%d.example", i);
        len[i] = make_cert_with(key, cn, &der[i]);
        X509 *x = decode(der[i], len[i]), *got;
        ss_tls_cert c, out;
        memset(&c, 0, sizeof(c));
        snprintf(c.subject, sizeof(c.subject), "CN=%s", cn);
        ss_tls_certcache_put(cc, der[i], len[i], x, &c);
        X509_free(x);
        assert_int_equal(ss_tls_certcache_get(cc, der[i], len[i], &got, &out), 1);
    }
    int hits = 0;
    for (int i = 0; i < N; i++) {
        X509 *got;
        ss_tls_cert out;
        char want[40];
        snprintf(want, sizeof(want), "CN=host%d.example", i);
        if (ss_tls_certcache_get(cc, der[i], len[i], &got, &out)) {
            hits++;
            assert_string_equal(out.subject, want);
            assert_int_equal(X509_check_host(got, want + 3, 0, 0, NULL), 1);
        }
        OPENSSL_free(der[i]);
    }
    assert_true(hits > N / 2 && hits <= 2048);
    EVP_PKEY_free(key);
    ss_tls_certcache_free(cc);
    assert_int_equal(mem.used, 0);
}

/* Without memory for the copy of the bytes nothing is kept, and nothing leaks. */
static void test_budget_refuses(void **state)
{
    (void)state;
    ss_mem mem = {0};
    ss_tls_certcache *cc = ss_tls_certcache_new(&mem, 5);
    uint8_t *der;
    size_t len = make_cert("a.example", &der);
    mem.cap = mem.used + len - 1;
    X509 *x = decode(der, len), *got;
    ss_tls_cert c, out;
    memset(&c, 0, sizeof(c));
    ss_tls_certcache_put(cc, der, len, x, &c);
    X509_free(x);
    assert_int_equal(ss_tls_certcache_get(cc, der, len, &got, &out), 0);
    ss_tls_certcache_free(cc);
    assert_int_equal(mem.used, 0);
    OPENSSL_free(der);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_only_for_same_bytes),
        cmocka_unit_test(test_undecodable_remembered),
        cmocka_unit_test(test_replacement_keeps_answers_right),
        cmocka_unit_test(test_budget_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

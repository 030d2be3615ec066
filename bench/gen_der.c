/* gen_der.c — DER (X.690) encoding of the X.509 certificates that the benchmark generator's
 * TLS 1.2 servers send (gen_traffic.c): a small DER writer into a fixed buffer and the
 * certificate builder on top of it. It keeps no randomness of its own; the caller's hook
 * supplies every random byte, so a seeded generator stays reproducible.
 *
 * Why not OpenSSL, which the project uses for all ASN.1: this is test data that must be
 * byte-identical for a seed, and OpenSSL makes keys and signatures from its own random source
 * (and an RSA key per server would take longer to make than the rest of a capture); here the
 * keys and signatures are random bytes by design, and only the encoding is needed. What reads
 * these certificates in scepsniff is OpenSSL: tests/golden/ja3_check.py has it decode every
 * chain of a generated capture and checks names, issuer and validity.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen_der.h"

#define RSA_LEN   256 /* bytes of an RSA-2048 modulus and of its signature */
#define DER_DEPTH 10  /* values open at once in a DER writer: a certificate nests 8 deep */

/* A DER writer (X.690 10) into a fixed buffer. Constructed values are opened, filled and
 * closed like the ASN.1 they encode: the length is written at the close, when it is known,
 * moving the content up when it needs the long form. Running out of room or of nesting only
 * sets failed, so a caller checks once at the end. */
typedef struct der {
    uint8_t *buf;
    size_t len, cap;
    size_t open[DER_DEPTH]; /* where the content of each value not yet closed starts */
    int depth;
    int failed;
} der;

enum {
    DER_BOOLEAN = 0x01,
    DER_INTEGER = 0x02,
    DER_BIT_STRING = 0x03,
    DER_OCTET_STRING = 0x04,
    DER_NULL = 0x05,
    DER_OID = 0x06,
    DER_UTF8_STRING = 0x0c,
    DER_PRINTABLE_STRING = 0x13,
    DER_UTC_TIME = 0x17,
    DER_SEQUENCE = 0x30,
    DER_SET = 0x31,
    DER_DNS_NAME = 0x82, /* GeneralName [2] IMPLICIT IA5String, RFC 5280 4.2.1.6 */
    DER_EXPLICIT_0 = 0xa0,
    DER_EXPLICIT_3 = 0xa3
};

static void der_bytes(der *d, const void *src, size_t n)
{
    if (n == 0) /* NULL's empty content: memcpy from a null pointer is undefined */
        return;
    if (d->failed || d->cap - d->len < n) {
        d->failed = 1;
        return;
    }
    memcpy(d->buf + d->len, src, n);
    d->len += n;
}

static void der_byte(der *d, uint8_t v)
{
    der_bytes(d, &v, 1);
}

/* The length byte is a placeholder until der_close. */
static void der_open(der *d, uint8_t tag)
{
    der_byte(d, tag);
    der_byte(d, 0);
    if (d->depth == DER_DEPTH)
        d->failed = 1;
    else
        d->open[d->depth++] = d->len;
}

/* DER wants the shortest length (X.690 10.1): one byte below 128, else 0x80 | count and the
 * count of big-endian bytes after it. */
static void der_close(der *d)
{
    if (d->failed || d->depth == 0) {
        d->failed = 1;
        return;
    }
    size_t start = d->open[--d->depth];
    size_t n = d->len - start;
    size_t k = n < 0x80 ? 0 : n < 0x100 ? 1 : n < 0x10000 ? 2 : 3;
    if (d->cap - d->len < k) {
        d->failed = 1;
        return;
    }
    memmove(d->buf + start + k, d->buf + start, n);
    d->len += k;
    d->buf[start - 1] = (uint8_t)(k > 0 ? 0x80 | k : n);
    for (size_t i = 0; i < k; i++)
        d->buf[start + i] = (uint8_t)(n >> (8 * (k - 1 - i)));
}

static void der_tlv(der *d, uint8_t tag, const void *val, size_t n)
{
    der_open(d, tag);
    der_bytes(d, val, n);
    der_close(d);
}

static void der_string(der *d, uint8_t tag, const char *s)
{
    der_tlv(d, tag, s, strlen(s));
}

/* From the dotted form, so the OIDs below read as the RFCs write them (X.690 8.19): the
 * first two arcs make one subidentifier, each in base 128, high bit set but on its last
 * byte. */
static void der_oid(der *d, const char *dotted)
{
    uint8_t v[32];
    size_t n = 0;
    char *end;
    unsigned long arc = strtoul(dotted, &end, 10) * 40;
    arc += strtoul(end + 1, &end, 10);
    for (;;) {
        uint8_t b[10];
        size_t k = 0;
        do {
            b[k++] = arc & 0x7f;
            arc >>= 7;
        } while (arc > 0);
        if (n + k > sizeof v) {
            d->failed = 1;
            return;
        }
        while (k-- > 0)
            v[n++] = (uint8_t)(b[k] | (k > 0 ? 0x80 : 0));
        if (*end != '.')
            break;
        arc = strtoul(end + 1, &end, 10);
    }
    der_tlv(d, DER_OID, v, n);
}

#define OID_SHA256_RSA "1.2.840.113549.1.1.11"
#define OID_RSA        "1.2.840.113549.1.1.1"

/* AlgorithmIdentifier with the NULL parameters RSA algorithms take (RFC 4055 5, 1.2). */
static void der_alg(der *d, const char *oid)
{
    der_open(d, DER_SEQUENCE);
    der_oid(d, oid);
    der_tlv(d, DER_NULL, NULL, 0);
    der_close(d);
}

/* One RDN of one attribute (RFC 5280 4.1.2.4). */
static void der_rdn(der *d, const char *oid, uint8_t tag, const char *value)
{
    der_open(d, DER_SET);
    der_open(d, DER_SEQUENCE);
    der_oid(d, oid);
    der_string(d, tag, value);
    der_close(d);
    der_close(d);
}

/* C=US, O=org, CN=cn as CAs write them, or CN=cn alone as in a domain-validated leaf.
 * countryName is a PrintableString (RFC 5280 A.1), the others UTF8String (4.1.2.4). */
static void der_name(der *d, const char *org, const char *cn)
{
    der_open(d, DER_SEQUENCE);
    if (org != NULL) {
        der_rdn(d, "2.5.4.6", DER_PRINTABLE_STRING, "US");
        der_rdn(d, "2.5.4.10", DER_UTF8_STRING, org);
    }
    der_rdn(d, "2.5.4.3", DER_UTF8_STRING, cn);
    der_close(d);
}

/* UTCTime YYMMDDHHMMSSZ, which RFC 5280 4.1.2.5.1 requires up to 2049. */
static void der_time(der *d, uint64_t sec)
{
    time_t t = (time_t)sec;
    struct tm tm;
    char s[16];
    if (gmtime_r(&t, &tm) == NULL || strftime(s, sizeof s, "%y%m%d%H%M%SZ", &tm) != 13) {
        d->failed = 1;
        return;
    }
    der_string(d, DER_UTC_TIME, s);
}

/* An extension (RFC 5280 4.1, 4.2): its value is DER inside an OCTET STRING, written between
 * ext_open and ext_close. */
static void ext_open(der *d, const char *oid, int critical)
{
    der_open(d, DER_SEQUENCE);
    der_oid(d, oid);
    if (critical)
        der_tlv(d, DER_BOOLEAN, "\xff", 1);
    der_open(d, DER_OCTET_STRING);
}

static void ext_close(der *d)
{
    der_close(d);
    der_close(d);
}

/* An X.509 v3 certificate (RFC 5280 4.1) as gen_der.h describes it. The order of the three
 * draws from rand_fn is part of the interface: callers' captures depend on it. */
static void x509_cert(der *d, const gen_der_cert *c, gen_der_random_fn rand_fn, void *ctx)
{
    const char *host = c->host;
    uint8_t b[1 + RSA_LEN];
    der_open(d, DER_SEQUENCE); /* Certificate */
    der_open(d, DER_SEQUENCE); /* tbsCertificate */
    der_open(d, DER_EXPLICIT_0);
    der_tlv(d, DER_INTEGER, "\x02", 1); /* v3, for the extensions */
    der_close(d);
    /* 16 bytes, as CAs use (at least 64 bits of randomness, CA/B Baseline Requirements 7.1);
     * a first byte under 0x80 keeps it positive, nonzero keeps the encoding minimal. */
    rand_fn(ctx, b, 16);
    b[0] = (uint8_t)(b[0] & 0x7f);
    if (b[0] == 0)
        b[0] = 1;
    der_tlv(d, DER_INTEGER, b, 16);
    der_alg(d, OID_SHA256_RSA);
    der_name(d, "Example CA", c->issuer_cn);
    der_open(d, DER_SEQUENCE);
    der_time(d, c->not_before);
    der_time(d, c->not_after);
    der_close(d);
    der_name(d, host != NULL ? NULL : "Example CA", c->subject_cn);
    /* subjectPublicKeyInfo: an RSAPublicKey (RFC 8017 A.1.1) in a BIT STRING with no unused
     * bits. The modulus has its top bit set, so it is 2048 bits and its INTEGER needs a
     * leading zero to stay positive; odd, as a product of two odd primes is. */
    der_open(d, DER_SEQUENCE);
    der_alg(d, OID_RSA);
    der_open(d, DER_BIT_STRING);
    der_byte(d, 0);
    der_open(d, DER_SEQUENCE);
    b[0] = 0;
    rand_fn(ctx, b + 1, RSA_LEN);
    b[1] |= 0x80;
    b[RSA_LEN] |= 1;
    der_tlv(d, DER_INTEGER, b, 1 + RSA_LEN);
    der_tlv(d, DER_INTEGER, "\x01\x00\x01", 3); /* 65537 */
    der_close(d);
    der_close(d);
    der_close(d);
    der_open(d, DER_EXPLICIT_3);
    der_open(d, DER_SEQUENCE);
    if (host != NULL) {
        /* subjectAltName: what clients check the name against (RFC 6125 6.4.4) */
        ext_open(d, "2.5.29.17", 0);
        der_open(d, DER_SEQUENCE);
        der_string(d, DER_DNS_NAME, host);
        der_close(d);
        ext_close(d);
    }
    /* basicConstraints: cA FALSE is the DEFAULT, so DER leaves it out; the CA may issue
     * only leaves (pathLenConstraint 0). */
    ext_open(d, "2.5.29.19", 1);
    der_open(d, DER_SEQUENCE);
    if (host == NULL) {
        der_tlv(d, DER_BOOLEAN, "\xff", 1);
        der_tlv(d, DER_INTEGER, "\x00", 1);
    }
    der_close(d);
    ext_close(d);
    /* keyUsage, trailing zero bits dropped (X.690 11.2.2): the leaf's digitalSignature and
     * keyEncipherment are bits 0 and 2 (5 unused), the CA's digitalSignature, keyCertSign
     * and cRLSign bits 0, 5 and 6 (1 unused). */
    ext_open(d, "2.5.29.15", 1);
    der_tlv(d, DER_BIT_STRING, host != NULL ? "\x05\xa0" : "\x01\x86", 2);
    ext_close(d);
    if (host != NULL) {
        ext_open(d, "2.5.29.37", 0); /* extKeyUsage: serverAuth */
        der_open(d, DER_SEQUENCE);
        der_oid(d, "1.3.6.1.5.5.7.3.1");
        der_close(d);
        ext_close(d);
    }
    der_close(d);
    der_close(d);
    der_close(d); /* tbsCertificate */
    der_alg(d, OID_SHA256_RSA);
    b[0] = 0; /* no unused bits */
    rand_fn(ctx, b + 1, RSA_LEN);
    der_tlv(d, DER_BIT_STRING, b, 1 + RSA_LEN);
    der_close(d);
}

size_t gen_der_x509_cert(uint8_t *dst, size_t cap, const gen_der_cert *c, gen_der_random_fn rand_fn,
                         void *ctx)
{
    der d = {.buf = dst, .cap = cap};
    x509_cert(&d, c, rand_fn, ctx);
    return d.failed || d.depth != 0 ? 0 : d.len;
}

/* gen_der.h — the X.509 certificates of the benchmark generator's TLS 1.2 servers, DER-encoded
 * (gen_der.c); gen_tls.c puts them in the Certificate message.
 *
 * The certificates have real names, validity and extensions, so X.509 decoders parse them as
 * they would real ones; the serial, the RSA-2048 key and the signature are random bytes, so
 * the signature does not verify.
 */
#ifndef GEN_DER_H
#define GEN_DER_H

#include <stddef.h>
#include <stdint.h>

/* Fills dst with n random bytes. The caller supplies them, rather than this module keeping a
 * generator, so that every byte of a capture comes from the caller's seeded streams (the
 * generator gives each server's chain a stream of its own). */
typedef void (*gen_der_random_fn)(void *ctx, uint8_t *dst, size_t n);

/* One certificate, signed by issuer_cn with sha256WithRSAEncryption (RFC 5280 4.1). */
typedef struct gen_der_cert {
    const char *host;       /* a server's leaf for this DNS name; NULL: a CA under the root */
    const char *subject_cn; /* commonName of the subject */
    const char *issuer_cn;  /* commonName of the issuer */
    uint64_t not_before;    /* validity, in seconds since the Unix epoch (UTC) */
    uint64_t not_after;
} gen_der_cert;

/* Writes the certificate's DER at dst and returns its length, or 0 when it does not fit in
 * cap bytes (dst's contents are then unspecified). Draws the serial (16 bytes), the key's
 * modulus (256) and the signature (256) from rand_fn, in that order and nothing else, so the
 * bytes a seeded caller draws depend only on how many certificates it builds. */
size_t gen_der_x509_cert(uint8_t *dst, size_t cap, const gen_der_cert *c, gen_der_random_fn rand_fn,
                         void *ctx);

#endif

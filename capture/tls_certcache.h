/* tls_certcache.h — the server certificates an engine has already decoded, by their DER bytes.
 *
 * A server sends the same chain on every connection, and decoding a certificate with OpenSSL 3
 * (d2i_X509 builds a key decoder for the public key) costs a hundred times more than the rest
 * of a TLS handshake: on a busy segment it was half of the capture layer's time. So each
 * engine keeps the last couple of thousand certificates it decoded, with their summaries, and looks
 * new ones up by their bytes (a seeded hash, then a full comparison, so a collision is never a
 * wrong answer). Zeek caches X.509 decoding for the same reason. The summaries and copies of
 * the bytes are charged to the engine's budget; the decoded X509 objects are OpenSSL's, outside
 * it, and there are never more than the cache's 2048 entries of them.
 */
#ifndef SS_TLS_CERTCACHE_H
#define SS_TLS_CERTCACHE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "capture/mem.h"
#include "capture/tls.h"

typedef struct ss_tls_certcache ss_tls_certcache;

/* NULL when the memory budget refuses it (TLS then decodes every certificate). */
ss_tls_certcache *ss_tls_certcache_new(ss_mem *mem, uint64_t seed);
void ss_tls_certcache_free(ss_tls_certcache *cc); /* cc may be NULL */

/* 1 when these DER bytes were decoded before: *x is the certificate (NULL when the bytes did not
 * decode; owned by the cache, valid until the next put) and *c its summary. 0 otherwise. */
int ss_tls_certcache_get(ss_tls_certcache *cc, const uint8_t *der, size_t len, X509 **x,
                         ss_tls_cert *c);

/* Remembers a decoding: x (NULL for bytes that did not decode; the cache takes a reference of
 * its own) and its summary c. Replaces an older entry; without memory for the copy of the bytes
 * nothing is remembered. */
void ss_tls_certcache_put(ss_tls_certcache *cc, const uint8_t *der, size_t len, X509 *x,
                          const ss_tls_cert *c);

#endif

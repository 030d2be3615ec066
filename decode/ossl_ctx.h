/* ossl_ctx.h — the decoder's own OpenSSL library context.
 *
 * SCEP clients still encrypt with single DES (micromdm scepclient does by default), which
 * OpenSSL 3 keeps in the "legacy" provider. Loading it process-wide would change what every
 * other OpenSSL user in the host program (an appliance) accepts, so each engine gets an
 * OSSL_LIB_CTX of its own with the "default" and "legacy" providers loaded into it, and passes
 * it to the decoders. No globals: create one per engine, free it with the engine.
 */
#ifndef SS_OSSL_CTX_H
#define SS_OSSL_CTX_H

#include <stddef.h>

#include <openssl/types.h>

typedef struct ss_ossl ss_ossl;

/* A new context with "default" loaded and "legacy" if this OpenSSL has it (single DES then
 * works). NULL with a message in err (errlen bytes) when the context or the default provider
 * cannot be had. */
ss_ossl *ss_ossl_new(char *err, size_t errlen);
void ss_ossl_free(ss_ossl *o); /* o may be NULL */

/* The library context to hand to the decoders and to *_ex OpenSSL calls; owned by o. */
OSSL_LIB_CTX *ss_ossl_libctx(const ss_ossl *o);
/* 1 when the legacy provider (single DES, RC2) was loaded. */
int ss_ossl_has_legacy(const ss_ossl *o);

#endif

/* ossl_ctx.c — the decoder's own OpenSSL library context with the default and legacy
 * providers (see ossl_ctx.h).
 */
#include "ossl_ctx.h"

#include <stdio.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/provider.h>

struct ss_ossl {
    OSSL_LIB_CTX *libctx;
    OSSL_PROVIDER *deflt;
    OSSL_PROVIDER *legacy; /* NULL when this OpenSSL has no legacy module */
};

ss_ossl *ss_ossl_new(char *err, size_t errlen)
{
    ss_ossl *o = calloc(1, sizeof(*o));

    ERR_set_mark();
    if (!o) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    o->libctx = OSSL_LIB_CTX_new();
    if (!o->libctx) {
        snprintf(err, errlen, "cannot create an OpenSSL library context");
        goto fail;
    }
    o->deflt = OSSL_PROVIDER_load(o->libctx, "default");
    if (!o->deflt) {
        snprintf(err, errlen, "cannot load the OpenSSL default provider");
        goto fail;
    }
    /* Without legacy only single-DES decryption is lost; parsing still works. */
    o->legacy = OSSL_PROVIDER_load(o->libctx, "legacy");
    ERR_pop_to_mark();
    return o;
fail:
    ERR_pop_to_mark();
    ss_ossl_free(o);
    return NULL;
}

void ss_ossl_free(ss_ossl *o)
{
    if (!o)
        return;
    if (o->legacy)
        OSSL_PROVIDER_unload(o->legacy);
    if (o->deflt)
        OSSL_PROVIDER_unload(o->deflt);
    OSSL_LIB_CTX_free(o->libctx);
    free(o);
}

OSSL_LIB_CTX *ss_ossl_libctx(const ss_ossl *o)
{
    return o ? o->libctx : NULL;
}

int ss_ossl_has_legacy(const ss_ossl *o)
{
    return o && o->legacy != NULL;
}

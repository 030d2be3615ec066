/* fuzz_scep.c — libFuzzer target for the SCEP body decoders (decode/scep_msg.c, scep_certs.c,
 * scep_caps.c) and their renderers. The first input byte picks the decoder, the rest is the
 * HTTP body: 0 pkiMessage, 1 GetCACert/GetNextCACert, 2 GetCACaps, 3 the envelope extraction
 * (whose output is decoded again as a pkiMessage and as a certificate list). Each input gets a
 * fresh library context, as an engine would, so no state carries from one input to the next.
 * Seeds: fuzz/corpus/scep/, bodies from tests/data/scep/ behind their selector byte.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "decode/ossl_ctx.h"
#include "decode/scep_render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void render(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);

    free(s);
    json_decref(j);
}

static void msg(OSSL_LIB_CTX *libctx, const uint8_t *p, size_t n)
{
    ss_scep_msg *m = malloc(sizeof(*m));
    char text[4096];

    if (!m)
        return;
    ss_scep_msg_decode(libctx, p, n, m);
    render(ss_scep_msg_json(m));
    ss_scep_msg_text(m, "  ", text, sizeof(text));
    free(m);
}

static void certs(OSSL_LIB_CTX *libctx, const uint8_t *p, size_t n)
{
    ss_scep_certs *c = malloc(sizeof(*c));
    char text[4096];

    if (!c)
        return;
    ss_scep_certs_decode(libctx, p, n, c);
    render(ss_scep_certs_json(c));
    ss_scep_certs_text(c, "  ", text, sizeof(text));
    free(c);
}

static void caps(const uint8_t *p, size_t n)
{
    ss_scep_caps c;
    char text[4096];

    ss_scep_caps_decode(p, n, &c);
    render(ss_scep_caps_json(&c));
    ss_scep_caps_text(&c, "", text, sizeof(text));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[128];
    ss_ossl *o;
    uint8_t *der = NULL;
    size_t der_len = 0;

    if (size < 1)
        return 0;
    o = ss_ossl_new(err, sizeof(err));
    if (!o)
        return 0;
    switch (data[0] & 3) {
    case 0:
        msg(ss_ossl_libctx(o), data + 1, size - 1);
        break;
    case 1:
        certs(ss_ossl_libctx(o), data + 1, size - 1);
        break;
    case 2:
        caps(data + 1, size - 1);
        break;
    default:
        if (ss_scep_msg_envelope(data + 1, size - 1, &der, &der_len) == 0) {
            msg(ss_ossl_libctx(o), der, der_len);
            certs(ss_ossl_libctx(o), der, der_len);
            free(der);
        }
        break;
    }
    ss_ossl_free(o);
    return 0;
}

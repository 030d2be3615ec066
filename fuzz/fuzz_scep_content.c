/* fuzz_scep_content.c — libFuzzer target for the decoders of what a SCEP request's envelope holds
 * once decrypted (decode/scep_content.c: PKCS#10, IssuerAndSubject, IssuerAndSerialNumber) and
 * their renderers. Decryption itself is OpenSSL's and needs a key, so the target starts after it.
 *
 * The first input byte picks the messageType (low bits, modulo 5: PKCSReq, RenewalReq, CertPoll,
 * GetCert, GetCRL) and whether secrets are kept (0x80); the rest is the decrypted content. Each
 * input gets a fresh library context, as an engine would.
 * Seeds (fuzz/corpus/scep_content/): the CSRs the captures' clients sent (pcaps/keys/ROLE/csr.pem
 * as DER, which is exactly what their envelopes decrypt to), a CSR with SANs and extensions made
 * with `openssl req -addext`, and IssuerAndSubject / IssuerAndSerialNumber made with
 * `openssl asn1parse -genconf`, each behind its selector byte.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "decode/ossl_ctx.h"
#include "decode/scep_content.h"
#include "decode/scep_content_render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const long types[5] = {SS_SCEP_MT_PKCSREQ, SS_SCEP_MT_RENEWALREQ, SS_SCEP_MT_CERTPOLL,
                                  SS_SCEP_MT_GETCERT, SS_SCEP_MT_GETCRL};
    ss_scep_content *c;
    char err[128], text[4096], *s;
    json_t *j;
    ss_ossl *o;

    if (size < 1)
        return 0;
    o = ss_ossl_new(err, sizeof(err));
    c = calloc(1, sizeof(*c));
    if (!o || !c)
        goto done;
    c->decrypt.key_index = -1;
    ss_scep_content_parse(ss_ossl_libctx(o), types[(data[0] & 0x7f) % 5], data + 1, size - 1, NULL,
                          data[0] & 0x80 ? SS_SCEP_CONTENT_SECRETS : 0, c);
    j = ss_scep_content_json(c);
    s = json_dumps(j, JSON_COMPACT);
    free(s);
    json_decref(j);
    ss_scep_content_text(c, "  ", text, sizeof(text));
done:
    free(c);
    ss_ossl_free(o);
    return 0;
}

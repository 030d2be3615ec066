/* fuzz_scep_verify.c — libFuzzer target for pkiMessage signature verification
 * (decode/scep_verify.c), certificate sets from GetCACert bodies (decode/scep_certset.c) and the
 * CA/RA set judgement on them (detect/cert_checks.c).
 *
 * Input: byte 0 selects, the rest is split in two at the big-endian 16-bit length in bytes 1-2:
 * A = the first part, B = what follows.
 *   selector & 1 == 0: B is a pkiMessage, verified with A's certificates (a GetCACert body) as
 *                      the known certificates;
 *   selector & 1 == 1: A is a GetCACert body judged as a CA/RA set (thumbprint expected, and B's
 *                      certificates as anchors), B's reply signature judged.
 * Each input gets a fresh library context, as an engine would. Seeds: fuzz/corpus/scep_verify/,
 * made from tests/data/scep/ bodies.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/ossl_ctx.h"
#include "decode/scep_certset.h"
#include "decode/scep_verify.h"
#include "detect/cert_checks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ss_scep_sigcheck *sc = NULL;
    ss_scep_certs *certs = NULL;
    scepsniff_exchange *ex = NULL;
    STACK_OF(X509) *a = NULL, *b = NULL;
    const uint8_t *pa, *pb;
    size_t na, nb;
    char err[128], line[512];
    ss_ossl *o;

    if (size < 3)
        return 0;
    na = (size_t)data[1] << 8 | data[2];
    if (na > size - 3)
        na = size - 3;
    pa = data + 3;
    pb = pa + na;
    nb = size - 3 - na;
    o = ss_ossl_new(err, sizeof(err));
    sc = malloc(sizeof(*sc));
    certs = malloc(sizeof(*certs));
    ex = calloc(1, sizeof(*ex));
    if (!o || !sc || !certs || !ex)
        goto done;
    a = ss_scep_certset_from_body(ss_ossl_libctx(o), pa, na);
    if (!(data[0] & 1)) {
        ss_scep_msg_verify(ss_ossl_libctx(o), pb, nb, a, sc);
        ss_judge_reply_sig(sc, ex);
    } else {
        ss_ca_expect e;

        memset(&e, 0, sizeof(e));
        ss_ca_expect_add(&e, "12C58BC7C6B25DBBBC0A0CCC79E77867ED00CFB20C2552A67AAA0908A5BA89EE",
                         err, sizeof(err));
        b = ss_scep_certset_from_body(ss_ossl_libctx(o), pb, nb);
        e.anchors = b;
        ss_scep_certs_decode(ss_ossl_libctx(o), pa, na, certs);
        ss_judge_ca_set(certs, a, &e, ex);
        ss_ca_set_describe(certs, line, sizeof(line));
        ss_scep_msg_verify(ss_ossl_libctx(o), pb, nb, NULL, sc);
        ss_judge_reply_sig(sc, ex);
    }
done:
    ss_scep_certset_free(a);
    ss_scep_certset_free(b);
    free(ex);
    free(certs);
    free(sc);
    ss_ossl_free(o);
    return 0;
}

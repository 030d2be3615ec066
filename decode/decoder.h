/* decoder.h — the decode layer: the capture layer's stream events in, HTTP transactions with
 * their SCEP bodies decoded out.
 *
 * Per flow that carries HTTP, one libhtp connection (http.c) is fed the reassembled bytes, gaps
 * and closes. Each finished transaction that is SCEP (by path or operation=) has its bodies
 * decoded with OpenSSL: the GetCACaps list, the GetCACert/GetNextCACert certificates, the
 * PKIOperation request (POST body or GET message=) and the CertRep. The result goes to the
 * layer above through ss_decoder_sink, together with every stream event, in order.
 * The decoder keeps its per-flow state in the capture layer's per-flow slot and gives the
 * layer above a slot of its own (*above), which that layer frees at FLOW_END.
 */
#ifndef SS_DECODER_H
#define SS_DECODER_H

#include "capture/mem.h"
#include "decode/http.h"
#include "decode/scep_content.h"
#include "decode/scep_verify.h"
#include "decode/scep_caps.h"
#include "decode/scep_certs.h"
#include "decode/scep_msg.h"
#include "scepsniff/scepsniff.h"

/* One HTTP transaction and whatever SCEP it carried; the pointers are valid during the call. */
typedef struct ss_decoded_tx {
    const ss_http_tx *http;
    const ss_scep_msg *request;     /* PKIOperation request, NULL when none or not readable */
    const ss_scep_msg *reply;       /* CertRep */
    const ss_scep_caps *caps;       /* GetCACaps reply */
    const ss_scep_certs *certs;     /* GetCACert / GetNextCACert reply */
    const ss_scep_content *content; /* the request opened with an RA key (NULL: no key given) */
    STACK_OF(X509) * certs_x509;    /* GetCACert certificates as OpenSSL objects (chain checks) */
    const ss_scep_sigcheck *reply_sig; /* the CertRep's signature, checked */
} ss_decoded_tx;

typedef struct ss_decoder_sink {
    /* a transaction of flow; above is the layer above's per-flow slot */
    void (*tx)(void *ctx, void **above, const scepsniff_flow *flow, const ss_decoded_tx *tx);
    /* every stream event, then FLOW_END (the last call for the flow) */
    void (*event)(void *ctx, void **above, const scepsniff_event *ev);
    void *ctx;
} ss_decoder_sink;

typedef struct ss_decoder ss_decoder;

/* NULL with a message in errbuf (SCEPSNIFF_ERRBUF_SIZE) on failure. */
ss_decoder *ss_decoder_new(ss_mem *mem, const ss_decoder_sink *sink, char *errbuf);
/* The capture layer's emit callback (ctx = the decoder). */
void ss_decoder_on_capture(void *ctx, void **upper, const scepsniff_event *ev);
/* Adds the RA private keys in path (PEM, DER or PKCS#12; password may be NULL) for opening
 * PKIOperation requests. Returns 0, or -1 with a message in errbuf that never holds key
 * material. */
int ss_decoder_add_ra_key(ss_decoder *d, const char *path, const char *password, char *errbuf);
/* Adds the certificates in path (PEM, DER, PKCS#7) as ones the user vouches for. Returns 0, or
 * -1 with a message in errbuf. */
int ss_decoder_add_ca_file(ss_decoder *d, const char *path, char *errbuf);
/* Those certificates (owned by the decoder; NULL when none were given). */
STACK_OF(X509) * ss_decoder_ca_certs(const ss_decoder *d);
/* Keep challenge passwords in decoded requests (the default masks them). */
void ss_decoder_show_secrets(ss_decoder *d, int on);
/* The OpenSSL library context the decoder uses (legacy provider loaded when available). */
OSSL_LIB_CTX *ss_decoder_libctx(const ss_decoder *d);
void ss_decoder_free(ss_decoder *d);

#endif

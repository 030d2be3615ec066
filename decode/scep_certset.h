/* scep_certset.h — CA/RA certificate sets as OpenSSL objects, for the checks that need keys and
 * signatures rather than the facts in ss_scep_certs: which CA issued an RA certificate, which
 * certificate signed a CertRep.
 *
 * Two sources: a GetCACert / GetNextCACert body (RFC 8894 sections 4.2 and 4.7: one DER
 * certificate, a certs-only SignedData, or a SignedData around one), giving the certificates
 * in the order ss_scep_certs_decode() lists them; and a file the user names (--ca-file): PEM
 * (any number of CERTIFICATE or PKCS7 blocks), a DER certificate, or a DER PKCS#7 list.
 */
#ifndef SS_SCEP_CERTSET_H
#define SS_SCEP_CERTSET_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>
#include <openssl/x509.h>

#include "scep_certs.h"

/* The certificates of a GetCACert / GetNextCACert body, in the order (and under the same shape
 * checks) of ss_scep_certs_decode(); NULL when the body holds none or is not such a body. The
 * caller frees the result with ss_scep_certset_free(). libctx may be NULL. */
STACK_OF(X509) * ss_scep_certset_from_body(OSSL_LIB_CTX *libctx, const uint8_t *body, size_t len);

/* The certificates in the file at path (at most SS_SCEP_CERTSET_MAX_FILE bytes). NULL with a
 * message in err when the file cannot be read or holds no certificate. Private keys or other
 * PEM blocks in the file are skipped without being decoded (never a password prompt). */
#define SS_SCEP_CERTSET_MAX_FILE (1024u * 1024u)
STACK_OF(X509) *
    ss_scep_certset_read_file(OSSL_LIB_CTX *libctx, const char *path, char *err, size_t errlen);

/* The facts of each certificate of set, as ss_scep_certs_decode() gives them for a body (form
 * SS_SCEP_CERTS_PKCS7; beyond SS_SCEP_MAX_CERTS counted in certs_dropped). Always fills *out;
 * an empty or NULL set gives verdict SS_SCEP_R_NO_CERTS. */
void ss_scep_certset_facts(OSSL_LIB_CTX *libctx, STACK_OF(X509) * set, ss_scep_certs *out);

/* set may be NULL. */
void ss_scep_certset_free(STACK_OF(X509) * set);

#endif

/* scep_certs.h — GetCACert / GetNextCACert response bodies (RFC 8894 sections 4.2 and 4.7) and
 * the facts scepsniff reports about any X.509 certificate it meets (also the pkiMessage
 * signer's).
 *
 * A GetCACert body is one DER certificate (application/x-x509-ca-cert) or a certs-only
 * PKCS#7 SignedData holding the CA and RA certificates (application/x-x509-ca-ra-cert); a
 * GetNextCACert body is a SignedData whose content is such a certs-only SignedData. Everything
 * is parsed by OpenSSL; the results hold no pointer into the body and every string in them is
 * sanitized (ss_scep_sanitize).
 */
#ifndef SS_SCEP_CERTS_H
#define SS_SCEP_CERTS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/types.h>
#include <openssl/x509.h> /* STACK_OF(X509), STACK_OF(ASN1_OBJECT) */

#include "scep_names.h"

#define SS_SCEP_MAX_CERTS  8
#define SS_SCEP_MAX_EKUS   8
#define SS_SCEP_DN_LEN     256 /* "C=US, O=..., CN=..." */
#define SS_SCEP_SERIAL_LEN 68  /* upper-case hex; 20-byte serials fit, longer are cut "..." */
#define SS_SCEP_ALG_LEN    48  /* OpenSSL long name ("sha256WithRSAEncryption") or dotted OID */

/* keyUsage bits (RFC 5280 4.2.1.3), ours so that users need not include OpenSSL. */
enum {
    SS_SCEP_KU_DIGITAL_SIGNATURE = 1u << 0,
    SS_SCEP_KU_NON_REPUDIATION = 1u << 1,
    SS_SCEP_KU_KEY_ENCIPHERMENT = 1u << 2,
    SS_SCEP_KU_DATA_ENCIPHERMENT = 1u << 3,
    SS_SCEP_KU_KEY_AGREEMENT = 1u << 4,
    SS_SCEP_KU_KEY_CERT_SIGN = 1u << 5,
    SS_SCEP_KU_CRL_SIGN = 1u << 6,
    SS_SCEP_KU_ENCIPHER_ONLY = 1u << 7,
    SS_SCEP_KU_DECIPHER_ONLY = 1u << 8
};
#define SS_SCEP_KU_COUNT 9
/* RFC 5280 name of bit i (0 <= i < SS_SCEP_KU_COUNT), e.g. "keyEncipherment". */
const char *ss_scep_key_usage_name(unsigned i);

/* What a certificate in a GetCACert answer is for, guessed from its extensions. */
typedef enum ss_scep_role {
    SS_SCEP_ROLE_UNKNOWN = 0,
    SS_SCEP_ROLE_CA,         /* basicConstraints cA */
    SS_SCEP_ROLE_RA_ENCRYPT, /* keyEncipherment, not a CA (NDES "CEP Encryption") */
    SS_SCEP_ROLE_RA_SIGN,    /* digitalSignature, not a CA (NDES "Exchange Enrollment Agent") */
    SS_SCEP_ROLE_RA_BOTH,    /* both, or no keyUsage at all (then any use is allowed) */
    SS_SCEP_ROLE_OTHER       /* a keyUsage that allows neither */
} ss_scep_role;
const char *ss_scep_role_name(ss_scep_role r); /* "CA", "RA encryption", ... */

typedef struct ss_scep_cert {
    char subject[SS_SCEP_DN_LEN];
    char issuer[SS_SCEP_DN_LEN];
    char serial[SS_SCEP_SERIAL_LEN];
    int times_ok; /* 0 when notBefore/notAfter could not be read */
    time_t not_before;
    time_t not_after;
    char not_before_iso[24]; /* "2026-11-25T14:40:55Z" */
    char not_after_iso[24];
    char key_type[24];  /* "RSA", "EC", "ED25519", or the algorithm OID when unknown */
    char key_group[32]; /* EC curve name, "" otherwise */
    int key_bits;       /* 0 when the key could not be decoded */
    char sig_alg[SS_SCEP_ALG_LEN];
    int has_key_usage;
    uint32_t key_usage; /* SS_SCEP_KU_* */
    int has_eku;
    unsigned neku;
    unsigned eku_dropped;                        /* EKUs beyond SS_SCEP_MAX_EKUS, counted */
    char eku[SS_SCEP_MAX_EKUS][SS_SCEP_ALG_LEN]; /* "clientAuth", or dotted OID */
    int has_basic_constraints;
    int ca;
    long path_len;          /* -1: no limit / not a CA */
    int self_issued;        /* subject == issuer */
    int self_signed;        /* self-issued and its signature verifies with its own key */
    int extensions_invalid; /* OpenSSL found an extension it could not decode */
    char sha1[41];          /* thumbprints, upper-case hex */
    char sha256[65];
    ss_scep_role role;
} ss_scep_cert;

typedef enum ss_scep_certs_form {
    SS_SCEP_CERTS_NONE = 0,
    SS_SCEP_CERTS_SINGLE,      /* one DER certificate */
    SS_SCEP_CERTS_PKCS7,       /* certs-only (degenerate) SignedData */
    SS_SCEP_CERTS_PKCS7_SIGNED /* SignedData with signers around certs (GetNextCACert) */
} ss_scep_certs_form;
const char *ss_scep_certs_form_name(ss_scep_certs_form f);

typedef struct ss_scep_certs {
    ss_scep_verdict verdict;
    size_t body_len;
    ss_scep_certs_form form;
    unsigned nsigners;      /* signerInfos of the outer SignedData */
    unsigned ncerts;        /* certificates filled in certs[] */
    unsigned certs_dropped; /* beyond SS_SCEP_MAX_CERTS, counted */
    ss_scep_cert certs[SS_SCEP_MAX_CERTS];
} ss_scep_certs;

/* Decodes a GetCACert / GetNextCACert body. Always fills *out (status in out->verdict).
 * libctx may be NULL for OpenSSL's default context. Returns 0 when the body decoded cleanly,
 * -1 otherwise (see out->verdict). */
int ss_scep_certs_decode(OSSL_LIB_CTX *libctx, const uint8_t *body, size_t len, ss_scep_certs *out);

/* The walk under ss_scep_certs_decode() and ss_scep_certset_from_body(), shared so that
 * certificate i of a set is certs[i] of the facts: the body's certificates as OpenSSL objects
 * (NULL when there are none; the caller frees them with sk_X509_pop_free(.., X509_free)), its
 * form and outer signer count, and its first problem recorded in *v (which the caller zeroes). */
STACK_OF(X509) * ss_scep_certs_walk(OSSL_LIB_CTX *libctx, const uint8_t *body, size_t len,
                                    ss_scep_certs_form *form, unsigned *nsigners,
                                    ss_scep_verdict *v);

/* The facts of one certificate (also used for the pkiMessage signer). Returns 0. */
int ss_scep_cert_facts(OSSL_LIB_CTX *libctx, X509 *x, ss_scep_cert *out);

/* Shared by the DER decoders. */

/* A distinguished name as "C=US, O=..., CN=..." (RFC 2253 escaping, forward order), sanitized. */
/* Type ("RSA", "EC", or the algorithm OID when OpenSSL cannot decode the key), size in bits and
 * EC group of a public key; pk may be NULL (then xpk names the algorithm). */
void ss_scep_key_facts(EVP_PKEY *pk, X509_PUBKEY *xpk, char *type, size_t typelen, int *bits,
                       char *group, size_t grouplen);
void ss_scep_dn(const X509_NAME *name, char *dst, size_t dstlen);
/* An INTEGER (serial) as upper-case hex, "-" for negative; cut with "...". */
void ss_scep_serial(const ASN1_INTEGER *serial, char *dst, size_t dstlen);
/* An algorithm OID as OpenSSL's long name, or dotted when OpenSSL does not know it. */
void ss_scep_alg(const ASN1_OBJECT *obj, char *dst, size_t dstlen);
/* Appends the extended key usages of eku (a certificate's or a request's) to names[*n..] as
 * OpenSSL short names ("clientAuth"), dotted OIDs for those OpenSSL does not know; beyond
 * SS_SCEP_MAX_EKUS names they are counted in *dropped. Appends, so that a request carrying the
 * extension twice lists both. */
void ss_scep_eku_names(const STACK_OF(ASN1_OBJECT) * eku, char names[][SS_SCEP_ALG_LEN],
                       unsigned *n, unsigned *dropped);

/* Checks the outer shape of a DER/BER body before OpenSSL decodes it: one ASN.1 object that
 * starts with a SEQUENCE, fits in the body, ends where the body ends, nests no deeper than
 * SS_SCEP_MAX_DEPTH, and whose inner lengths fit in their containers. Text where DER was
 * expected is named (HTML, PEM, base64). Records the problem in v; returns 0 when the shape is
 * sound, -1 otherwise. what names the expected thing in messages ("pkiMessage"). */
#define SS_SCEP_MAX_DEPTH 32
int ss_scep_der_shape(const uint8_t *p, size_t len, const char *what, ss_scep_verdict *v);

/* " (OpenSSL: <reason>: <data>)" for the newest OpenSSL error queued after the one that was
 * newest when the caller started (before = ERR_peek_last_error() then); "" when none. */
void ss_scep_ossl_detail(unsigned long before, char *dst, size_t dstlen);

/* When a DER body is not what was expected, what it is: "an X.509 certificate",
 * "a PKCS#10 request", "a CRL", or NULL. */
const char *ss_scep_der_guess(const uint8_t *p, size_t len);

#endif

/* scep_content.h — what a SCEP request says once its pkcsPKIEnvelope is opened with an RA key
 * (RFC 8894 3.2.2; CMS EnvelopedData, RFC 5652 6): the PKCS#10 request of a PKCSReq or
 * RenewalReq (RFC 8894 3.3.1, RFC 2986), the IssuerAndSubject of a CertPoll (3.3.3), the
 * IssuerAndSerialNumber of a GetCert or GetCRL (3.3.4, 3.3.5).
 *
 * ss_scep_content_decode() finds the recipient that matches a key of the set (by the key's
 * certificate, else by trying each key), decrypts, and decodes the inner content by message
 * type. Decryption and decoding each end with their own outcome; neither crashes, leaks or hangs
 * on hostile bytes. The challengePassword is secret: only its presence and length are kept
 * unless the caller asks for secrets. Every string in the result is sanitized.
 */
#ifndef SS_SCEP_CONTENT_H
#define SS_SCEP_CONTENT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "ra_keys.h"
#include "scep_certs.h"
#include "scep_names.h"

#define SS_CSR_MAX_SANS      16
#define SS_CSR_MAX_EXTS      16
#define SS_CSR_MAX_ATTRS     8
#define SS_CSR_SAN_LEN       256
#define SS_CSR_CHALLENGE_LEN 2048 /* Intune challenges are long encrypted blobs; cut "..." */

/* Flags for ss_scep_content_decode(). */
#define SS_SCEP_CONTENT_SECRETS 1u /* keep the challengePassword's value (--show-secrets) */

typedef enum ss_scep_decrypt_status {
    SS_SCEP_DEC_NONE = 0,    /* not attempted: no key loaded, or not a request type */
    SS_SCEP_DEC_OK,          /* opened; see key_index */
    SS_SCEP_DEC_NO_ENVELOPE, /* the body carries no EnvelopedData to open */
    SS_SCEP_DEC_NO_MATCH,    /* no key matches the recipient (and no key opens it by trial) */
    SS_SCEP_DEC_FAILED,      /* a key matched, the decryption failed (wrong key?) */
    SS_SCEP_DEC_UNSUPPORTED  /* a cipher or recipient kind this OpenSSL context cannot do */
} ss_scep_decrypt_status;
const char *ss_scep_decrypt_status_name(ss_scep_decrypt_status s); /* "ok", "no_key_match", ... */

typedef struct ss_scep_decrypt {
    ss_scep_decrypt_status status;
    char detail[300]; /* one line: which key, or why not */
    int key_index;    /* of the key that opened it, -1 otherwise */
    char key_label[SS_RA_LABEL_LEN];
    int by_certificate; /* 1: the key's certificate is the recipient; 0: found by trying keys */
    int other_cert;     /* opened by a key whose certificate is NOT the recipient: the client
                           encrypts to another certificate of the same key (an old RA cert?) */
    char recipient_issuer[SS_SCEP_DN_LEN]; /* the recipient that was opened, or the first one */
    char recipient_serial[SS_SCEP_SERIAL_LEN];
    unsigned keys_tried; /* private-key operations spent */
} ss_scep_decrypt;

typedef enum ss_csr_san_type {
    SS_CSR_SAN_DNS = 0,
    SS_CSR_SAN_EMAIL,
    SS_CSR_SAN_UPN, /* otherName 1.3.6.1.4.1.311.20.2.3 (Microsoft UPN) */
    SS_CSR_SAN_URI,
    SS_CSR_SAN_IP,
    SS_CSR_SAN_DIRNAME,
    SS_CSR_SAN_RID,
    SS_CSR_SAN_OTHERNAME, /* value: "<oid>:<string>" or "<oid>" */
    SS_CSR_SAN_OTHER      /* x400Address, ediPartyName */
} ss_csr_san_type;
const char *ss_csr_san_type_name(ss_csr_san_type t); /* "dns", "email", "upn", ... */

typedef struct ss_csr_san {
    ss_csr_san_type type;
    char value[SS_CSR_SAN_LEN];
} ss_csr_san;

typedef struct ss_csr_ext {
    char name[SS_SCEP_ALG_LEN]; /* OpenSSL's long name, or the OID when it has none */
    char oid[SS_SCEP_ALG_LEN];
    int critical;
    int invalid; /* OpenSSL knows this extension and could not decode its value */
} ss_csr_ext;

typedef enum ss_csr_sig {
    SS_CSR_SIG_UNCHECKED = 0, /* unknown algorithm or undecodable key */
    SS_CSR_SIG_VALID,
    SS_CSR_SIG_INVALID
} ss_csr_sig;
const char *ss_csr_sig_name(ss_csr_sig s); /* "unchecked", "valid", "invalid" */

/* A PKCS#10 certificate request (RFC 2986) as a CA would read it. */
typedef struct ss_scep_csr {
    long version; /* 0 for v1, the only one */
    char subject[SS_SCEP_DN_LEN];
    unsigned subject_entries; /* 0: empty subject */
    char key_type[24];        /* "RSA", "EC", ..., or the algorithm OID when undecodable */
    char key_group[32];       /* EC curve */
    int key_bits;
    char key_sha256[65]; /* SHA-256 of the SubjectPublicKeyInfo, to follow the key elsewhere */
    char sig_alg[SS_SCEP_ALG_LEN];
    ss_csr_sig signature;

    /* requested extensions (the extensionRequest attribute, RFC 2985 5.4.2) */
    int has_extension_request;
    unsigned nexts, exts_dropped;
    ss_csr_ext exts[SS_CSR_MAX_EXTS]; /* every requested extension, in order */
    int has_san;                      /* a subjectAltName extension is requested */
    unsigned nsans, sans_dropped;
    ss_csr_san sans[SS_CSR_MAX_SANS];
    int has_key_usage;
    uint32_t key_usage; /* SS_SCEP_KU_* */
    int has_eku;
    unsigned neku, eku_dropped;
    char eku[SS_SCEP_MAX_EKUS][SS_SCEP_ALG_LEN];
    int has_basic_constraints;
    int ca;
    long path_len; /* -1: none */

    /* challengePassword (RFC 2985 5.4.1) */
    int has_challenge;
    size_t challenge_len;     /* bytes of the value as sent */
    int challenge_value_kept; /* challenge[] filled: SS_SCEP_CONTENT_SECRETS was given */
    char challenge[SS_CSR_CHALLENGE_LEN];       /* secret; sanitized UTF-8 */
    unsigned nother_attrs, other_attrs_dropped; /* attributes besides the two above */
    char other_attrs[SS_CSR_MAX_ATTRS][SS_SCEP_ALG_LEN];

    /* against the pkiMessage's signer certificate */
    int signer_known;        /* the body carried the signer's certificate */
    int signer_key_same;     /* the CSR key is the signer's key */
    int signer_subject_same; /* the CSR subject is the signer's subject */
} ss_scep_csr;

typedef enum ss_scep_content_kind {
    SS_SCEP_CONTENT_NONE = 0,
    SS_SCEP_CONTENT_CSR,                /* PKCSReq, RenewalReq */
    SS_SCEP_CONTENT_ISSUER_AND_SUBJECT, /* CertPoll */
    SS_SCEP_CONTENT_ISSUER_AND_SERIAL   /* GetCert, GetCRL */
} ss_scep_content_kind;

typedef struct ss_scep_content {
    long message_type;
    ss_scep_decrypt decrypt;
    ss_scep_verdict verdict; /* of the decrypted content; OK when nothing was decrypted */
    ss_scep_content_kind kind;
    size_t content_len; /* bytes decrypted */

    ss_scep_csr csr; /* kind CSR */
    /* kind ISSUER_AND_SUBJECT: issuer, subject; kind ISSUER_AND_SERIAL: issuer, serial */
    char issuer[SS_SCEP_DN_LEN];
    char subject[SS_SCEP_DN_LEN];
    char serial[SS_SCEP_SERIAL_LEN];

    /* Inputs for the detector's findings (each 0 unless a CSR was read). */
    int csr_signature_invalid;  /* the CSR's self-signature does not verify */
    int csr_rsa_weak;           /* RSA key under 2048 bits */
    int csr_no_san;             /* no subjectAltName requested */
    int csr_empty_identity;     /* empty subject and no subjectAltName */
    int csr_signer_key_differs; /* PKCSReq signed by a key other than the CSR's (RFC 8894 3.3.1) */
} ss_scep_content;

/* Opens the pkcsPKIEnvelope of a pkiMessage body with the keys and decodes what is inside.
 * message_type is the body's messageType (ss_scep_msg.message_type); only request types are
 * opened (a CertRep's envelope is encrypted to the requester). flags: SS_SCEP_CONTENT_*.
 * keys may be NULL (nothing is tried). libctx must be the one the keys were loaded with.
 * Always fills *out. Returns 0 when the content was decrypted and decoded cleanly, -1 otherwise
 * (see out->decrypt and out->verdict). */
int ss_scep_content_decode(OSSL_LIB_CTX *libctx, const ss_ra_keys *keys, const uint8_t *body,
                           size_t len, long message_type, unsigned flags, ss_scep_content *out);

/* Decodes already-decrypted content (what the envelope held) for message_type; signer (may be
 * NULL) is the pkiMessage's signer certificate, to compare keys with. Used by
 * ss_scep_content_decode, the tests and the fuzzer. out->decrypt is left as set by the caller
 * (zero it first). Returns 0 when the content decoded cleanly, -1 otherwise (out->verdict). */
int ss_scep_content_parse(OSSL_LIB_CTX *libctx, long message_type, const uint8_t *p, size_t n,
                          X509 *signer, unsigned flags, ss_scep_content *out);

#endif

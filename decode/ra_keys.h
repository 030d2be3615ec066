/* ra_keys.h — the RA private keys (NDES "CEP Encryption", micromdm's CA key) that open the
 * pkcsPKIEnvelope of SCEP requests (RFC 8894 3.2.2), loaded from the files an administrator has:
 * PEM (PKCS#8, encrypted PKCS#8, traditional "RSA PRIVATE KEY" with or without Proc-Type
 * encryption), DER (PKCS#8, encrypted PKCS#8, traditional) and PKCS#12 (.pfx/.p12, the key with
 * its certificate).
 *
 * A key that comes with its certificate (PKCS#12, a PEM bundle, or a certificate file loaded
 * after its key) is matched to a request by the recipient's issuer + serial; a key without one
 * is tried on every recipient. Passwords are strings the caller read from a file or the
 * environment (never argv); they are used once and not kept. Nothing in this module ever prints
 * or copies key material; error messages name the file and the problem only.
 *
 * A key set belongs to one OpenSSL library context (the engine's, ossl_ctx.h) and to one
 * thread: give each engine its own set.
 */
#ifndef SS_RA_KEYS_H
#define SS_RA_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "scep_certs.h"

#define SS_RA_MAX_KEYS  16            /* old and new RA keys after renewals, with room */
#define SS_RA_MAX_FILE  (256u * 1024) /* no key, certificate or PKCS#12 file comes close */
#define SS_RA_LABEL_LEN 64
#define SS_RA_ERR_LEN   256 /* a good size for the err buffers below */

typedef struct ss_ra_keys ss_ra_keys;

/* What may be shown about a loaded key: never the key itself. */
typedef struct ss_ra_key_info {
    char label[SS_RA_LABEL_LEN]; /* the file's base name, "#n" added for the n-th key of a file */
    char key_type[24];           /* "RSA", "EC", ... */
    int key_bits;
    int has_cert;      /* its certificate is known: matched by issuer + serial */
    ss_scep_cert cert; /* valid when has_cert */
} ss_ra_key_info;

/* An empty set whose keys will live in libctx (may be NULL for OpenSSL's default context, but
 * pass the decoder's so that legacy PKCS#12 files, RC2 and single DES, can be read). NULL when
 * out of memory. */
ss_ra_keys *ss_ra_keys_new(OSSL_LIB_CTX *libctx);
void ss_ra_keys_free(ss_ra_keys *k); /* frees every key; k may be NULL */

/* Adds the private keys and certificates in the file at path (format found from the content).
 * password may be NULL (none given); "" is a real, empty password (micromdm encrypts its CA key
 * under one). A certificate joins the key (loaded before or in the same file) whose public key
 * it carries; a file of certificates only must match a key already loaded. Loading the same key
 * again only adds its certificate. Returns the number of keys added (0 for a certificate or a
 * repeated key), or -1 with a message in err (errlen bytes): password needed, wrong password, not
 * a key, too many keys, unreadable. The set is unchanged on error. */
int ss_ra_keys_load_file(ss_ra_keys *k, const char *path, const char *password, char *err,
                         size_t errlen);

/* The same for bytes in memory; label names them in messages and in ss_ra_key_info. */
int ss_ra_keys_load_mem(ss_ra_keys *k, const uint8_t *data, size_t len, const char *label,
                        const char *password, char *err, size_t errlen);

unsigned ss_ra_keys_count(const ss_ra_keys *k);
/* Facts of key i (< count), NULL otherwise. Owned by the set. */
const ss_ra_key_info *ss_ra_keys_info(const ss_ra_keys *k, unsigned i);

/* For the envelope decryption (scep_content.c): key i and its certificate (NULL when none),
 * owned by the set. NULL when i is out of range. */
EVP_PKEY *ss_ra_keys_pkey(const ss_ra_keys *k, unsigned i);
X509 *ss_ra_keys_cert(const ss_ra_keys *k, unsigned i);

#endif

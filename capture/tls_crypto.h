/* tls_crypto.h — TLS record protection: cipher suites, key derivation and record decryption.
 *
 * Everything cryptographic is OpenSSL 3's (EVP_KDF "TLS1-PRF" and "TLS13-KDF", EVP_CIPHER AEAD
 * and CBC, EVP_MAC HMAC); this file only arranges inputs as the RFCs say:
 *   TLS 1.0-1.2  RFC 5246 6.3 key block from the master secret (RFC 2246/4346 PRF for 1.0/1.1),
 *                6.2.3.2 CBC block ciphers with MAC-then-encrypt, RFC 7366 encrypt-then-MAC,
 *                RFC 5288 AES-GCM (4-byte implicit + 8-byte explicit nonce),
 *                RFC 7905 ChaCha20-Poly1305 (nonce = iv XOR sequence number)
 *   TLS 1.3      RFC 8446 7.1 HKDF-Expand-Label, 7.2 KeyUpdate, 7.3 traffic keys,
 *                5.2 TLSInnerPlaintext, 5.3 per-record nonce
 * One ss_tls_rp protects one direction. Nothing here reads past the bytes it was given; a
 * record that does not authenticate yields no plaintext at all.
 */
#ifndef SS_TLS_CRYPTO_H
#define SS_TLS_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#define SS_TLS_SECRET_MAX 64 /* longest secret handled (a SHA-512 sized one) */

typedef enum ss_tls_cipher_kind {
    SS_TLS_CK_NONE = 0, /* named, but not decrypted by scepsniff (CCM, 3DES, RC4, NULL, ...) */
    SS_TLS_CK_GCM,
    SS_TLS_CK_CHACHA,
    SS_TLS_CK_CBC
} ss_tls_cipher_kind;

typedef struct ss_tls_suite {
    uint16_t id;
    const char *name;      /* IANA name ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256") */
    const char *ossl_name; /* OpenSSL's, as nginx and curl print it, "" when it has none */
    ss_tls_cipher_kind kind;
    const char *cipher; /* EVP cipher name, NULL for SS_TLS_CK_NONE */
    uint8_t key_len;
    uint8_t mac_len;    /* CBC: HMAC output and key length; 0 for AEAD */
    const char *mac_md; /* CBC: the HMAC digest */
    const char *prf_md; /* TLS 1.2 PRF / TLS 1.3 HKDF hash */
    uint8_t tls13;      /* 1: a TLS 1.3 suite */
} ss_tls_suite;

/* The table entry for a cipher suite number, NULL when scepsniff does not know it. */
const ss_tls_suite *ss_tls_suite_find(uint16_t id);

typedef enum ss_tls_dec_status {
    SS_TLS_DEC_OK = 0,
    SS_TLS_DEC_BAD,       /* authentication failed: wrong key, or bytes altered */
    SS_TLS_DEC_MALFORMED, /* too short or misaligned for the cipher; or a 1.3 record of zeros */
    SS_TLS_DEC_ERROR      /* OpenSSL failed (out of memory, algorithm unavailable) */
} ss_tls_dec_status;

/* One direction's record protection. Zero it before the first init. */
typedef struct ss_tls_rp {
    const ss_tls_suite *suite;
    uint16_t version; /* 0x0301-0x0304 */
    int etm;          /* CBC: encrypt-then-MAC negotiated (RFC 7366) */
    uint64_t seq;     /* sequence number of the next record */
    uint8_t key[32];
    uint8_t iv[16]; /* GCM: 4 implicit bytes; ChaCha/1.3: 12; CBC TLS 1.0: the chained IV */
    uint8_t mac_key[48];
    uint8_t secret[SS_TLS_SECRET_MAX]; /* TLS 1.3: the current traffic secret (KeyUpdate) */
    size_t secret_len;
    OSSL_LIB_CTX *libctx;
    EVP_CIPHER *cipher;
    EVP_CIPHER_CTX *ctx;
    EVP_MAC *mac;
} ss_tls_rp;

/* TLS 1.0-1.2: both directions' keys from the 48-byte master secret (RFC 5246 6.3). 0 on
 * success, -1 when OpenSSL fails or the suite/version is not one this code decrypts. */
int ss_tls_rp_init12(ss_tls_rp *client, ss_tls_rp *server, OSSL_LIB_CTX *libctx,
                     const ss_tls_suite *s, uint16_t version, int etm, const uint8_t master[48],
                     const uint8_t client_random[32], const uint8_t server_random[32]);

/* TLS 1.3: one direction's keys from a traffic secret (RFC 8446 7.3); sequence number 0. */
int ss_tls_rp_init13(ss_tls_rp *rp, OSSL_LIB_CTX *libctx, const ss_tls_suite *s,
                     const uint8_t *secret, size_t secret_len);

/* TLS 1.3 KeyUpdate: the next generation of the direction's traffic secret (RFC 8446 7.2). */
int ss_tls_rp_key_update(ss_tls_rp *rp);

/* Frees OpenSSL state and wipes the keys; rp may be reused with an init afterwards. */
void ss_tls_rp_clear(ss_tls_rp *rp);

/* Decrypts one record: hdr is its 5-byte header, in its len payload bytes. out (outcap >= len)
 * receives the plaintext content (TLS 1.3: without the inner type and padding); *type is the
 * real content type (TLS 1.3: the inner one). On success the sequence number advances. On any
 * other status *outlen is 0 and nothing in out may be used. */
ss_tls_dec_status ss_tls_rp_decrypt(ss_tls_rp *rp, const uint8_t hdr[5], const uint8_t *in,
                                    size_t len, uint8_t *out, size_t outcap, size_t *outlen,
                                    uint8_t *type);

/* HKDF-Expand-Label(secret, label, context, outlen) with the "tls13 " prefix (RFC 8446 7.1).
 * 0 on success. */
int ss_tls13_expand_label(OSSL_LIB_CTX *libctx, const char *md, const uint8_t *secret,
                          size_t secret_len, const char *label, const uint8_t *context,
                          size_t context_len, uint8_t *out, size_t outlen);

#endif

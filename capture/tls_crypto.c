/* tls_crypto.c — TLS record protection with OpenSSL 3 (see tls_crypto.h for the RFC sections).
 *
 * Key derivation is EVP_KDF "TLS1-PRF" (TLS 1.0-1.2) and "TLS13-KDF" in EXPAND_ONLY mode
 * (TLS 1.3); records are opened with EVP_CIPHER (AES-GCM, ChaCha20-Poly1305, AES-CBC) and
 * checked with EVP_MAC HMAC. What is ours is only the arrangement of nonces, additional data,
 * MAC input and padding checks. A passive reader need not be constant-time: there is no oracle
 * to protect, and a record that fails any check yields no plaintext.
 */
#include "tls_crypto.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#define AEAD_TAG   16
#define CBC_BLOCK  16
#define GCM_FIXED  4
#define GCM_EXPL   8
#define NONCE_LEN  12
#define MASTER_LEN 48

/* Names as IANA and OpenSSL spell them. Suites with SS_TLS_CK_NONE are here so that reports can
 * name what a peer chose even where scepsniff cannot decrypt it. */
#define AEAD(id, n, o, k, c, kl, md)                                                               \
    {                                                                                              \
        id, n, o, k, c, kl, 0, NULL, md, 0                                                         \
    }
#define CBC(id, n, o, c, kl, ml, mac, prf)                                                         \
    {                                                                                              \
        id, n, o, SS_TLS_CK_CBC, c, kl, ml, mac, prf, 0                                            \
    }
#define NAMED(id, n, o)                                                                            \
    {                                                                                              \
        id, n, o, SS_TLS_CK_NONE, NULL, 0, 0, NULL, "SHA256", 0                                    \
    }
static const ss_tls_suite suites[] = {
    {0x1301, "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", SS_TLS_CK_GCM, "AES-128-GCM", 16,
     0, NULL, "SHA256", 1},
    {0x1302, "TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384", SS_TLS_CK_GCM, "AES-256-GCM", 32,
     0, NULL, "SHA384", 1},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256", SS_TLS_CK_CHACHA,
     "ChaCha20-Poly1305", 32, 0, NULL, "SHA256", 1},
    {0x1304, "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_SHA256", SS_TLS_CK_NONE, NULL, 0, 0, NULL,
     "SHA256", 1},
    {0x1305, "TLS_AES_128_CCM_8_SHA256", "TLS_AES_128_CCM_8_SHA256", SS_TLS_CK_NONE, NULL, 0, 0,
     NULL, "SHA256", 1},
    AEAD(0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256",
         SS_TLS_CK_GCM, "AES-128-GCM", 16, "SHA256"),
    AEAD(0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384",
         SS_TLS_CK_GCM, "AES-256-GCM", 32, "SHA384"),
    AEAD(0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
         SS_TLS_CK_GCM, "AES-128-GCM", 16, "SHA256"),
    AEAD(0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
         SS_TLS_CK_GCM, "AES-256-GCM", 32, "SHA384"),
    AEAD(0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "DHE-RSA-AES128-GCM-SHA256", SS_TLS_CK_GCM,
         "AES-128-GCM", 16, "SHA256"),
    AEAD(0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "DHE-RSA-AES256-GCM-SHA384", SS_TLS_CK_GCM,
         "AES-256-GCM", 32, "SHA384"),
    AEAD(0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256", SS_TLS_CK_GCM,
         "AES-128-GCM", 16, "SHA256"),
    AEAD(0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384", SS_TLS_CK_GCM,
         "AES-256-GCM", 32, "SHA384"),
    AEAD(0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305",
         SS_TLS_CK_CHACHA, "ChaCha20-Poly1305", 32, "SHA256"),
    AEAD(0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305",
         SS_TLS_CK_CHACHA, "ChaCha20-Poly1305", 32, "SHA256"),
    AEAD(0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "DHE-RSA-CHACHA20-POLY1305",
         SS_TLS_CK_CHACHA, "ChaCha20-Poly1305", 32, "SHA256"),
    CBC(0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA-AES128-SHA256",
        "AES-128-CBC", 16, 32, "SHA256", "SHA256"),
    CBC(0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "ECDHE-ECDSA-AES256-SHA384",
        "AES-256-CBC", 32, 48, "SHA384", "SHA384"),
    CBC(0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256", "AES-128-CBC",
        16, 32, "SHA256", "SHA256"),
    CBC(0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "ECDHE-RSA-AES256-SHA384", "AES-256-CBC",
        32, 48, "SHA384", "SHA384"),
    CBC(0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA", "AES-128-CBC", 16,
        20, "SHA1", "SHA256"),
    CBC(0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA", "AES-256-CBC", 32,
        20, "SHA1", "SHA256"),
    CBC(0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA", "AES-128-CBC", 16, 20,
        "SHA1", "SHA256"),
    CBC(0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA", "AES-256-CBC", 32, 20,
        "SHA1", "SHA256"),
    CBC(0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", "DHE-RSA-AES128-SHA256", "AES-128-CBC", 16,
        32, "SHA256", "SHA256"),
    CBC(0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", "DHE-RSA-AES256-SHA256", "AES-256-CBC", 32,
        32, "SHA256", "SHA256"),
    CBC(0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", "DHE-RSA-AES128-SHA", "AES-128-CBC", 16, 20,
        "SHA1", "SHA256"),
    CBC(0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", "DHE-RSA-AES256-SHA", "AES-256-CBC", 32, 20,
        "SHA1", "SHA256"),
    CBC(0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256", "AES-128-CBC", 16, 32, "SHA256",
        "SHA256"),
    CBC(0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256", "AES256-SHA256", "AES-256-CBC", 32, 32, "SHA256",
        "SHA256"),
    CBC(0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA", "AES-128-CBC", 16, 20, "SHA1",
        "SHA256"),
    CBC(0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA", "AES-256-CBC", 32, 20, "SHA1",
        "SHA256"),
    NAMED(0xC012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-RSA-DES-CBC3-SHA"),
    NAMED(0xC011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA", "ECDHE-RSA-RC4-SHA"),
    NAMED(0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA", "DHE-RSA-DES-CBC3-SHA"),
    NAMED(0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA"),
    NAMED(0x0005, "TLS_RSA_WITH_RC4_128_SHA", "RC4-SHA"),
    NAMED(0x0004, "TLS_RSA_WITH_RC4_128_MD5", "RC4-MD5"),
    NAMED(0xC0AC, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM", "ECDHE-ECDSA-AES128-CCM"),
    NAMED(0xC0AD, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM", "ECDHE-ECDSA-AES256-CCM"),
    NAMED(0x00FF, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV", ""),
    NAMED(0x5600, "TLS_FALLBACK_SCSV", ""),
};

const ss_tls_suite *ss_tls_suite_find(uint16_t id)
{
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
        if (suites[i].id == id)
            return &suites[i];
    return NULL;
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static int setup_cipher(ss_tls_rp *rp, OSSL_LIB_CTX *libctx, const ss_tls_suite *s)
{
    rp->libctx = libctx;
    rp->suite = s;
    rp->cipher = EVP_CIPHER_fetch(libctx, s->cipher, NULL);
    rp->ctx = EVP_CIPHER_CTX_new();
    if (!rp->cipher || !rp->ctx)
        return -1;
    if (s->kind == SS_TLS_CK_CBC) {
        rp->mac = EVP_MAC_fetch(libctx, "HMAC", NULL);
        if (!rp->mac)
            return -1;
    }
    return 0;
}

void ss_tls_rp_clear(ss_tls_rp *rp)
{
    EVP_CIPHER_CTX_free(rp->ctx);
    EVP_CIPHER_free(rp->cipher);
    EVP_MAC_free(rp->mac);
    /* wipes the keys and leaves every field zero */
    OPENSSL_cleanse(rp, sizeof(*rp));
}

int ss_tls_rp_init12(ss_tls_rp *client, ss_tls_rp *server, OSSL_LIB_CTX *libctx,
                     const ss_tls_suite *s, uint16_t version, int etm, const uint8_t master[48],
                     const uint8_t client_random[32], const uint8_t server_random[32])
{
    static const char label[] = "key expansion";
    uint8_t seed[sizeof(label) - 1 + 64], block[2 * (48 + 32 + 16)];
    EVP_KDF *kdf = NULL;
    EVP_KDF_CTX *kctx = NULL;
    OSSL_PARAM params[4];
    size_t iv_len, need, off = 0;
    int rc = -1;

    ss_tls_rp_clear(client);
    ss_tls_rp_clear(server);
    if (!s || s->tls13 || s->kind == SS_TLS_CK_NONE || version < 0x0301 || version > 0x0303)
        goto fail;
    /* AEAD suites exist only from TLS 1.2 on */
    if (s->kind != SS_TLS_CK_CBC && version != 0x0303)
        goto fail;
    iv_len = s->kind == SS_TLS_CK_GCM      ? GCM_FIXED
             : s->kind == SS_TLS_CK_CHACHA ? NONCE_LEN
                                           : CBC_BLOCK;
    need = 2 * ((size_t)s->mac_len + s->key_len + iv_len);

    /* RFC 5246 6.3: key_block = PRF(master, "key expansion", server_random + client_random) */
    memcpy(seed, label, sizeof(label) - 1);
    memcpy(seed + sizeof(label) - 1, server_random, 32);
    memcpy(seed + sizeof(label) - 1 + 32, client_random, 32);
    kdf = EVP_KDF_fetch(libctx, OSSL_KDF_NAME_TLS1_PRF, NULL);
    kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    if (!kctx)
        goto fail;
    /* TLS 1.0/1.1 split the secret over MD5 and SHA-1; OpenSSL's "MD5-SHA1" digest does that */
    params[0] = OSSL_PARAM_construct_utf8_string(
        OSSL_KDF_PARAM_DIGEST, (char *)(version < 0x0303 ? "MD5-SHA1" : s->prf_md), 0);
    params[1] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)master, MASTER_LEN);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, sizeof(seed));
    params[3] = OSSL_PARAM_construct_end();
    if (EVP_KDF_derive(kctx, block, need, params) != 1)
        goto fail;

    if (setup_cipher(client, libctx, s) < 0 || setup_cipher(server, libctx, s) < 0)
        goto fail;
    client->version = server->version = version;
    client->etm = server->etm = s->kind == SS_TLS_CK_CBC && etm;
    memcpy(client->mac_key, block + off, s->mac_len);
    off += s->mac_len;
    memcpy(server->mac_key, block + off, s->mac_len);
    off += s->mac_len;
    memcpy(client->key, block + off, s->key_len);
    off += s->key_len;
    memcpy(server->key, block + off, s->key_len);
    off += s->key_len;
    memcpy(client->iv, block + off, iv_len);
    off += iv_len;
    memcpy(server->iv, block + off, iv_len);
    rc = 0;
fail:
    OPENSSL_cleanse(block, sizeof(block));
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    if (rc < 0) {
        ss_tls_rp_clear(client);
        ss_tls_rp_clear(server);
    }
    return rc;
}

int ss_tls13_expand_label(OSSL_LIB_CTX *libctx, const char *md, const uint8_t *secret,
                          size_t secret_len, const char *label, const uint8_t *context,
                          size_t context_len, uint8_t *out, size_t outlen)
{
    static const char prefix[] = "tls13 ";
    EVP_KDF *kdf = NULL;
    EVP_KDF_CTX *kctx = NULL;
    OSSL_PARAM params[7];
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY, rc = -1;

    kdf = EVP_KDF_fetch(libctx, OSSL_KDF_NAME_TLS1_3_KDF, NULL);
    kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    if (!kctx)
        goto fail;
    params[0] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    params[1] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, secret_len);
    params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PREFIX, (void *)prefix,
                                                  sizeof(prefix) - 1);
    params[4] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_LABEL, (void *)label, strlen(label));
    /* OpenSSL refuses a NULL octet string even when it is empty */
    params[5] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_DATA, (void *)(context ? context : (const uint8_t *)""), context_len);
    params[6] = OSSL_PARAM_construct_end();
    if (EVP_KDF_derive(kctx, out, outlen, params) != 1)
        goto fail;
    rc = 0;
fail:
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    return rc;
}

/* key and iv of the current secret (RFC 8446 7.3) */
static int derive13(ss_tls_rp *rp)
{
    const ss_tls_suite *s = rp->suite;

    if (ss_tls13_expand_label(rp->libctx, s->prf_md, rp->secret, rp->secret_len, "key", NULL, 0,
                              rp->key, s->key_len) < 0 ||
        ss_tls13_expand_label(rp->libctx, s->prf_md, rp->secret, rp->secret_len, "iv", NULL, 0,
                              rp->iv, NONCE_LEN) < 0)
        return -1;
    rp->seq = 0;
    return 0;
}

int ss_tls_rp_init13(ss_tls_rp *rp, OSSL_LIB_CTX *libctx, const ss_tls_suite *s,
                     const uint8_t *secret, size_t secret_len)
{
    ss_tls_rp_clear(rp);
    if (!s || !s->tls13 || s->kind == SS_TLS_CK_NONE || secret_len == 0 ||
        secret_len > sizeof(rp->secret))
        goto fail;
    if (setup_cipher(rp, libctx, s) < 0)
        goto fail;
    rp->version = 0x0304;
    memcpy(rp->secret, secret, secret_len);
    rp->secret_len = secret_len;
    if (derive13(rp) < 0)
        goto fail;
    return 0;
fail:
    ss_tls_rp_clear(rp);
    return -1;
}

int ss_tls_rp_key_update(ss_tls_rp *rp)
{
    uint8_t next[SS_TLS_SECRET_MAX];

    if (rp->version != 0x0304 || !rp->suite)
        return -1;
    /* application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length)
     */
    if (ss_tls13_expand_label(rp->libctx, rp->suite->prf_md, rp->secret, rp->secret_len,
                              "traffic upd", NULL, 0, next, rp->secret_len) < 0)
        return -1;
    memcpy(rp->secret, next, rp->secret_len);
    OPENSSL_cleanse(next, sizeof(next));
    return derive13(rp);
}

/* AEAD open: in = ciphertext || tag. */
static ss_tls_dec_status aead_open(ss_tls_rp *rp, const uint8_t *nonce, const uint8_t *aad,
                                   size_t aad_len, const uint8_t *in, size_t len, uint8_t *out,
                                   size_t *outlen)
{
    size_t ct_len = len - AEAD_TAG;
    int n = 0, fin = 0;

    if (EVP_DecryptInit_ex2(rp->ctx, rp->cipher, rp->key, nonce, NULL) != 1)
        return SS_TLS_DEC_ERROR;
    if (EVP_DecryptUpdate(rp->ctx, NULL, &n, aad, (int)aad_len) != 1)
        return SS_TLS_DEC_ERROR;
    if (EVP_DecryptUpdate(rp->ctx, out, &n, in, (int)ct_len) != 1)
        return SS_TLS_DEC_ERROR;
    if (EVP_CIPHER_CTX_ctrl(rp->ctx, EVP_CTRL_AEAD_SET_TAG, AEAD_TAG, (void *)(in + ct_len)) != 1)
        return SS_TLS_DEC_ERROR;
    if (EVP_DecryptFinal_ex(rp->ctx, out + n, &fin) != 1) {
        OPENSSL_cleanse(out, ct_len);
        return SS_TLS_DEC_BAD;
    }
    *outlen = (size_t)n + (size_t)fin;
    return SS_TLS_DEC_OK;
}

/* nonce = iv XOR (sequence number, left-padded to 12 bytes): RFC 8446 5.3, RFC 7905 2 */
static void xor_nonce(const ss_tls_rp *rp, uint8_t nonce[NONCE_LEN])
{
    uint8_t seq[8];

    put_be64(seq, rp->seq);
    memcpy(nonce, rp->iv, NONCE_LEN);
    for (int i = 0; i < 8; i++)
        nonce[4 + i] ^= seq[i];
}

/* TLS 1.2 additional data: seq_num + type + version + length (RFC 5246 6.2.3.3) */
static void aad12(const ss_tls_rp *rp, const uint8_t hdr[5], size_t plain_len, uint8_t aad[13])
{
    put_be64(aad, rp->seq);
    aad[8] = hdr[0];
    aad[9] = hdr[1];
    aad[10] = hdr[2];
    aad[11] = (uint8_t)(plain_len >> 8);
    aad[12] = (uint8_t)plain_len;
}

static ss_tls_dec_status hmac(ss_tls_rp *rp, const uint8_t *a, size_t alen, const uint8_t *b,
                              size_t blen, uint8_t *out)
{
    EVP_MAC_CTX *m = EVP_MAC_CTX_new(rp->mac);
    OSSL_PARAM params[2];
    size_t outl = 0;
    ss_tls_dec_status st = SS_TLS_DEC_ERROR;

    if (!m)
        return SS_TLS_DEC_ERROR;
    params[0] =
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)rp->suite->mac_md, 0);
    params[1] = OSSL_PARAM_construct_end();
    if (EVP_MAC_init(m, rp->mac_key, rp->suite->mac_len, params) == 1 &&
        EVP_MAC_update(m, a, alen) == 1 && EVP_MAC_update(m, b, blen) == 1 &&
        EVP_MAC_final(m, out, &outl, 64) == 1 && outl == rp->suite->mac_len)
        st = SS_TLS_DEC_OK;
    EVP_MAC_CTX_free(m);
    return st;
}

static ss_tls_dec_status cbc_decrypt(ss_tls_rp *rp, const uint8_t *iv, const uint8_t *in,
                                     size_t len, uint8_t *out)
{
    int n = 0, fin = 0;

    if (EVP_DecryptInit_ex2(rp->ctx, rp->cipher, rp->key, iv, NULL) != 1 ||
        EVP_CIPHER_CTX_set_padding(rp->ctx, 0) != 1 ||
        EVP_DecryptUpdate(rp->ctx, out, &n, in, (int)len) != 1 ||
        EVP_DecryptFinal_ex(rp->ctx, out + n, &fin) != 1 || (size_t)(n + fin) != len)
        return SS_TLS_DEC_ERROR;
    return SS_TLS_DEC_OK;
}

/* TLS 1.0 (RFC 2246 6.2.3.2) chains the IV from the previous record's last block; 1.1 and 1.2
 * send it explicitly in front of each record. */
static ss_tls_dec_status open_cbc(ss_tls_rp *rp, const uint8_t hdr[5], const uint8_t *in,
                                  size_t len, uint8_t *out, size_t *outlen)
{
    size_t ml = rp->suite->mac_len, ivl = rp->version >= 0x0302 ? CBC_BLOCK : 0, ct_len, plen;
    uint8_t mac[64], mhdr[13], iv[CBC_BLOCK], pad;
    const uint8_t *ct;
    ss_tls_dec_status st;

    if (rp->etm) {
        /* RFC 7366: IV || ciphertext || MAC, the MAC over header + IV + ciphertext */
        if (len < ivl + CBC_BLOCK + ml || (len - ml - ivl) % CBC_BLOCK != 0)
            return SS_TLS_DEC_MALFORMED;
        aad12(rp, hdr, len - ml, mhdr);
        if ((st = hmac(rp, mhdr, sizeof(mhdr), in, len - ml, mac)) != SS_TLS_DEC_OK)
            return st;
        if (CRYPTO_memcmp(mac, in + len - ml, ml) != 0)
            return SS_TLS_DEC_BAD;
        ct_len = len - ml - ivl;
    } else {
        if (len < ivl + CBC_BLOCK || (len - ivl) % CBC_BLOCK != 0)
            return SS_TLS_DEC_MALFORMED;
        ct_len = len - ivl;
    }
    ct = in + ivl;
    memcpy(iv, ivl ? in : rp->iv, CBC_BLOCK);
    if ((st = cbc_decrypt(rp, iv, ct, ct_len, out)) != SS_TLS_DEC_OK)
        return st;
    /* padding: pad+1 bytes, each of value pad */
    pad = out[ct_len - 1];
    if ((size_t)pad + 1 + (rp->etm ? 0 : ml) > ct_len)
        goto bad;
    for (size_t i = ct_len - 1 - pad; i < ct_len - 1; i++)
        if (out[i] != pad)
            goto bad;
    plen = ct_len - pad - 1;
    if (!rp->etm) {
        /* MAC-then-encrypt: MAC(seq + type + version + length + content) follows the content */
        plen -= ml;
        aad12(rp, hdr, plen, mhdr);
        if ((st = hmac(rp, mhdr, sizeof(mhdr), out, plen, mac)) != SS_TLS_DEC_OK)
            goto fail;
        if (CRYPTO_memcmp(mac, out + plen, ml) != 0)
            goto bad;
    }
    if (rp->version < 0x0302)
        memcpy(rp->iv, ct + ct_len - CBC_BLOCK, CBC_BLOCK);
    *outlen = plen;
    return SS_TLS_DEC_OK;
bad:
    st = SS_TLS_DEC_BAD;
fail:
    OPENSSL_cleanse(out, ct_len);
    return st;
}

ss_tls_dec_status ss_tls_rp_decrypt(ss_tls_rp *rp, const uint8_t hdr[5], const uint8_t *in,
                                    size_t len, uint8_t *out, size_t outcap, size_t *outlen,
                                    uint8_t *type)
{
    uint8_t nonce[NONCE_LEN], aad[13];
    ss_tls_dec_status st;
    size_t n = 0;

    *outlen = 0;
    *type = hdr[0];
    if (!rp->suite || !rp->ctx || outcap < len || len > 0xffff)
        return SS_TLS_DEC_ERROR;

    if (rp->version == 0x0304) {
        /* RFC 8446 5.2: the additional data is the record header itself */
        if (len < AEAD_TAG + 1)
            return SS_TLS_DEC_MALFORMED;
        xor_nonce(rp, nonce);
        st = aead_open(rp, nonce, hdr, 5, in, len, out, &n);
        if (st != SS_TLS_DEC_OK)
            return st;
        /* TLSInnerPlaintext: content || type || zeros; the type is the last non-zero byte */
        while (n > 0 && out[n - 1] == 0)
            n--;
        if (n == 0)
            return SS_TLS_DEC_MALFORMED;
        *type = out[n - 1];
        n--;
    } else if (rp->suite->kind == SS_TLS_CK_GCM) {
        /* RFC 5288 3: nonce = 4 implicit bytes || 8 explicit bytes sent before the ciphertext */
        if (len < GCM_EXPL + AEAD_TAG)
            return SS_TLS_DEC_MALFORMED;
        memcpy(nonce, rp->iv, GCM_FIXED);
        memcpy(nonce + GCM_FIXED, in, GCM_EXPL);
        aad12(rp, hdr, len - GCM_EXPL - AEAD_TAG, aad);
        st = aead_open(rp, nonce, aad, sizeof(aad), in + GCM_EXPL, len - GCM_EXPL, out, &n);
        if (st != SS_TLS_DEC_OK)
            return st;
    } else if (rp->suite->kind == SS_TLS_CK_CHACHA) {
        if (len < AEAD_TAG)
            return SS_TLS_DEC_MALFORMED;
        xor_nonce(rp, nonce);
        aad12(rp, hdr, len - AEAD_TAG, aad);
        st = aead_open(rp, nonce, aad, sizeof(aad), in, len, out, &n);
        if (st != SS_TLS_DEC_OK)
            return st;
    } else if (rp->suite->kind == SS_TLS_CK_CBC) {
        st = open_cbc(rp, hdr, in, len, out, &n);
        if (st != SS_TLS_DEC_OK)
            return st;
    } else {
        return SS_TLS_DEC_ERROR;
    }
    rp->seq++;
    *outlen = n;
    return SS_TLS_DEC_OK;
}

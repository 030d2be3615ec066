/* scep_msg.h — the SCEP pkiMessage (RFC 8894 section 3.2; CMS per RFC 5652 5 and 6): a
 * SignedData whose signed attributes carry the SCEP fields and whose content is a DER
 * EnvelopedData (pkcsPKIEnvelope), readable without any key up to the encrypted content.
 *
 * ss_scep_msg_decode() turns a PKIOperation request or CertRep body into an ss_scep_msg: the
 * signer, the algorithms, every SCEP attribute, and the envelope's recipients and cipher. The
 * result holds no pointer into the body; every string in it is sanitized. Hostile bodies end
 * as MALFORMED or TRUNCATED with a reason, never as a crash, a leak or a hang.
 */
#ifndef SS_SCEP_MSG_H
#define SS_SCEP_MSG_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "scep_certs.h"
#include "scep_names.h"

#define SS_SCEP_MAX_RECIPIENTS 8
#define SS_SCEP_MAX_MSG_CERTS                                                                      \
    4 /* certificates besides the signer's (scepserver adds the issued one) */
#define SS_SCEP_TXID_LEN  132 /* transactionID text; real ones are 28-64 characters */
#define SS_SCEP_NONCE_HEX 68  /* 16-byte nonces fit; longer are cut "..." (length is kept) */
#define SS_SCEP_TEXT_LEN  256 /* failInfoText and other free text */

typedef enum ss_scep_recipient_kind {
    SS_SCEP_RI_KTRI_ISSUER_SERIAL = 0, /* key transport to issuer + serial: what SCEP uses */
    SS_SCEP_RI_KTRI_SKID,              /* key transport to a subjectKeyIdentifier */
    SS_SCEP_RI_KARI,                   /* key agreement */
    SS_SCEP_RI_KEKRI,
    SS_SCEP_RI_PASSWORD,
    SS_SCEP_RI_OTHER
} ss_scep_recipient_kind;
const char *ss_scep_recipient_kind_name(ss_scep_recipient_kind k);

typedef struct ss_scep_recipient {
    ss_scep_recipient_kind kind;
    char issuer[SS_SCEP_DN_LEN]; /* issuer + serial of the certificate encrypted to */
    char serial[SS_SCEP_SERIAL_LEN];
    char skid[SS_SCEP_NONCE_HEX];  /* SS_SCEP_RI_KTRI_SKID: the key identifier, hex */
    char key_alg[SS_SCEP_ALG_LEN]; /* "rsaEncryption", "rsaesOaep", ... */
    int oaep;                      /* RSAES-OAEP key transport (many servers refuse it) */
    size_t enc_key_len;            /* bytes of the encrypted content key */
} ss_scep_recipient;

typedef struct ss_scep_envelope {
    int present;             /* the SignedData carried a non-empty content */
    ss_scep_verdict verdict; /* of the EnvelopedData itself */
    size_t der_len;          /* bytes of the EnvelopedData ContentInfo */
    unsigned nrecipients;
    unsigned recipients_dropped; /* beyond SS_SCEP_MAX_RECIPIENTS, counted */
    ss_scep_recipient recipients[SS_SCEP_MAX_RECIPIENTS];
    char cipher[SS_SCEP_ALG_LEN]; /* "des-cbc", "des-ede3-cbc", "aes-128-cbc", ... */
    char cipher_oid[SS_SCEP_ALG_LEN];
    int cipher_key_bits;                /* 0 when this OpenSSL context does not know the cipher */
    int cipher_available;               /* the decoder's OpenSSL context can run it (DES: legacy) */
    int single_des;                     /* des-cbc: refused by OpenSSL 3 servers without legacy */
    char content_type[SS_SCEP_ALG_LEN]; /* of the encrypted content ("pkcs7-data") */
    int encrypted_present;
    size_t encrypted_len; /* bytes of encrypted content */
} ss_scep_envelope;

typedef struct ss_scep_msg {
    ss_scep_verdict verdict;
    size_t body_len;

    /* SignedData */
    unsigned ncerts; /* certificates carried */
    unsigned nsigners;
    int signer_cert_found;              /* the signer's certificate is among them */
    ss_scep_cert signer;                /* valid when signer_cert_found */
    char signer_issuer[SS_SCEP_DN_LEN]; /* the signerInfo's own reference to its certificate */
    char signer_serial[SS_SCEP_SERIAL_LEN];
    char signer_skid[SS_SCEP_NONCE_HEX]; /* when it names its key by identifier instead */
    unsigned nother_certs;               /* the other certificates carried, in order */
    unsigned other_certs_dropped;        /* beyond SS_SCEP_MAX_MSG_CERTS, counted */
    ss_scep_cert other_certs[SS_SCEP_MAX_MSG_CERTS];
    char digest_alg[SS_SCEP_ALG_LEN];
    char signature_alg[SS_SCEP_ALG_LEN];
    char econtent_type[SS_SCEP_ALG_LEN]; /* encapsulated content type, "pkcs7-data" */

    /* signed attributes; numbers are -1 when the attribute is absent or unreadable */
    long message_type;
    char message_type_raw[16]; /* as sent, when it is not a plain number */
    char transaction_id[SS_SCEP_TXID_LEN];
    int has_transaction_id;
    int has_sender_nonce;
    size_t sender_nonce_len;
    char sender_nonce[SS_SCEP_NONCE_HEX];
    int has_recipient_nonce;
    size_t recipient_nonce_len;
    char recipient_nonce[SS_SCEP_NONCE_HEX];
    long pki_status;
    long fail_info;
    int has_fail_info_text;
    char fail_info_text[SS_SCEP_TEXT_LEN];
    int has_ms_error;          /* Microsoft NDES 1.3.6.1.4.1.311.21.33 */
    int64_t ms_error_value;    /* as sent (a signed decimal) */
    uint32_t ms_hresult;       /* the same as an HRESULT */
    int has_content_type_attr; /* CMS contentType signed attribute (strict clients need it) */
    int has_message_digest_attr;
    int has_signing_time;
    time_t signing_time;
    unsigned unknown_attrs; /* signed attributes neither SCEP nor CMS */

    /* encapsulated content */
    int has_content;
    size_t content_len; /* bytes of eContent (0 in a FAILURE/PENDING CertRep) */
    ss_scep_envelope envelope;
} ss_scep_msg;

/* Decodes a pkiMessage body. Always fills *out (the fields it could read, and the verdict).
 * libctx may be NULL for OpenSSL's default context; pass the decoder's own (ossl_ctx.h) so that
 * cipher availability reflects the legacy provider. Returns 0 when the message is a clean SCEP
 * message, -1 otherwise (see out->verdict; out->envelope.verdict for the envelope). */
int ss_scep_msg_decode(OSSL_LIB_CTX *libctx, const uint8_t *body, size_t len, ss_scep_msg *out);

/* The DER EnvelopedData (pkcsPKIEnvelope) carried in a pkiMessage body, for decryption with
 * the RA key elsewhere. On success *der is a malloc'd copy the caller frees with free(), and
 * 0 is returned; -1 (and *der NULL) when the body is not a SignedData with a non-empty
 * content. */
int ss_scep_msg_envelope(const uint8_t *body, size_t len, uint8_t **der, size_t *der_len);

#endif

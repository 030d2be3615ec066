/* tls.h — one TLS connection seen from the side: record layer, handshake facts, decryption.
 *
 * Fed the two reassembled TCP byte streams of a flow (client to server, server to client), in
 * order, in pieces of any size, with capture gaps. Without keys it reports what the handshake
 * shows in the clear (RFC 8446 4.1-4.4, RFC 5246 7.4): ClientHello (SNI, ALPN, versions, a JA3
 * string), ServerHello (version, cipher suite, HelloRetryRequest), the server certificate chain
 * up to TLS 1.2, alerts and who sent them, whether the handshake completed, and the size and
 * time of every application-data record. With a key log it decrypts (tls_crypto.h): TLS 1.2
 * and earlier after each ChangeCipherSpec, TLS 1.3 handshake and application traffic with
 * KeyUpdate, and hands on the application data of each direction in order.
 *
 * Decryption never guesses: a record that fails to decrypt stops decryption of its direction,
 * reported once per flow with the reason; the records that follow are still counted. A gap in
 * the capture stops the direction's record parsing (record boundaries are lost with it).
 * Partial records are buffered up to one record (SS_TLS_MAX_RECORD), handshake messages up to
 * max_handshake; both charged to the engine's memory budget.
 */
#ifndef SS_TLS_H
#define SS_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>
#include <time.h>

#include <openssl/types.h>

#include "mem.h"
#include "tls_keylog.h"

#define SS_TLS_MAX_RECORD    (16384 + 2048) /* TLSCiphertext.length limit, RFC 5246 6.2.3 */
#define SS_TLS_MAX_HANDSHAKE (64 * 1024)    /* default: longest handshake message buffered */
#define SS_TLS_MAX_CERTS     4              /* certificates of the server chain described */
#define SS_TLS_MAX_VERSIONS  8

enum { SS_TLS_TO_SERVER = 0, SS_TLS_TO_CLIENT = 1 }; /* = SCEPSNIFF_DIR_* */

/* Why a direction is not (or no longer) decrypted or parsed. */
typedef enum ss_tls_reason {
    SS_TLS_R_NONE = 0,
    SS_TLS_R_NO_KEY,         /* the key log holds nothing for this client random */
    SS_TLS_R_MISSING_SECRET, /* it holds the client random, but not the secret needed here */
    SS_TLS_R_UNSUPPORTED,    /* a cipher suite, version or feature scepsniff does not decrypt */
    SS_TLS_R_BAD_RECORD,     /* a record did not authenticate: wrong key, or altered bytes */
    SS_TLS_R_CAPTURE_GAP,    /* bytes missing from our capture */
    SS_TLS_R_NO_HANDSHAKE,   /* the hellos were not seen (flow picked up in the middle) */
    SS_TLS_R_MALFORMED,      /* a record or message not shaped as TLS requires */
    SS_TLS_R_NOT_TLS,        /* the stream does not start with a TLS record */
    SS_TLS_R_TRUNCATED,      /* the stream ended inside a record */
    SS_TLS_R_INTERNAL        /* OpenSSL or memory failed */
} ss_tls_reason;
const char *ss_tls_reason_name(ss_tls_reason r); /* "no key for this client random", ... */

typedef struct ss_tls_cert {
    char subject[256]; /* "O=Example, CN=host" (RFC 2253 escaping, forward order) */
    char issuer[256];
    char sans[512]; /* "DNS:a.example, DNS:b.example, IP:192.0.2.1", cut to fit */
    unsigned nsans;
    int times_ok; /* 0 when the validity could not be read */
    time_t not_before, not_after;
    char not_before_iso[24]; /* "2026-11-25T14:40:55Z" */
    char not_after_iso[24];
    int self_issued; /* subject == issuer */
    size_t der_len;
} ss_tls_cert;

/* Everything learnt about the connection so far. Strings are NUL-terminated, printable ASCII
 * (other bytes from the wire become '?'), "" when unknown. */
typedef struct ss_tls_info {
    /* ClientHello */
    unsigned client_hellos;  /* 2 after a HelloRetryRequest */
    uint16_t client_version; /* legacy_version */
    char sni[256];
    char alpn_offered[128];                         /* "h2,http/1.1" */
    uint16_t versions_offered[SS_TLS_MAX_VERSIONS]; /* supported_versions, GREASE left out */
    unsigned nversions_offered;
    unsigned ciphers_offered;
    int offered_early_data;
    char ja3[768];     /* JA3 string; "" when it did not fit */
    char ja3_hash[33]; /* its MD5, lower-case hex */
    /* ServerHello */
    int server_hello;
    int hello_retry;         /* a HelloRetryRequest was sent */
    uint16_t version;        /* negotiated (supported_versions for TLS 1.3), 0 before */
    uint16_t cipher_suite;   /* 0 before the ServerHello */
    char cipher[64];         /* IANA name, or "0xC0FF" when unknown */
    char cipher_openssl[48]; /* OpenSSL's name ("ECDHE-RSA-AES128-GCM-SHA256"), "" if none */
    char alpn[64];           /* chosen: ServerHello (TLS 1.2), EncryptedExtensions (1.3, keys) */
    int encrypt_then_mac;    /* RFC 7366 negotiated */
    int extended_master;     /* RFC 7627 negotiated */
    int resumed;             /* session id echoed (1.2) or pre_shared_key accepted (1.3) */
    int cert_requested;      /* the server asked for a client certificate */
    int client_cert_sent;    /* the client sent a non-empty Certificate */
    /* the server's certificate chain (TLS 1.2 and earlier; TLS 1.3 with keys) */
    unsigned ncerts;
    unsigned certs_dropped; /* beyond SS_TLS_MAX_CERTS */
    int certs_invalid;      /* a certificate OpenSSL could not decode, or a chain too long */
    /* ncerts of them; NULL until a Certificate message is read (most flows never show one, and
     * SS_TLS_MAX_CERTS summaries were two thirds of the parser's size) */
    ss_tls_cert *certs;
    int cert_expired; /* the leaf, at the time its message was seen */
    int cert_not_yet_valid;
    int cert_name_mismatch; /* the leaf does not cover the SNI (only judged with an SNI) */
    /* progress, [dir] = SS_TLS_TO_SERVER / SS_TLS_TO_CLIENT */
    int ccs[2];      /* ChangeCipherSpec sent */
    int finished[2]; /* Finished sent (decrypted, or inferred without keys) */
    int handshake_complete;
    int complete_inferred;   /* judged from record order alone, without keys */
    unsigned key_updates[2]; /* TLS 1.3 KeyUpdate messages (seen decrypted) */
    /* alerts */
    unsigned alerts[2];           /* alerts sent, encrypted ones included */
    unsigned encrypted_alerts[2]; /* alerts that could not be read */
    int last_alert_dir;           /* -1 when none */
    int last_alert_level;         /* 1 warning, 2 fatal, -1 unknown (encrypted) */
    int last_alert_desc;          /* RFC 8446 6 code, -1 unknown (encrypted) */
    /* records */
    uint64_t records[2];
    unsigned malformed[2];   /* handshake messages or alerts not shaped as TLS says (skipped) */
    uint64_t app_records[2]; /* application-data records */
    uint64_t app_bytes[2];   /* their TLSCiphertext lengths */
    uint64_t plain_bytes[2]; /* application data decrypted and handed on */
    struct timeval first_app[2], last_app[2];
    /* decryption */
    int decrypting[2];              /* 1 while the direction's records decrypt */
    ss_tls_reason not_decrypted[2]; /* why the direction is not decrypted; NONE otherwise */
    ss_tls_reason stopped[2];       /* why parsing the direction stopped; NONE while it runs */
} ss_tls_info;

typedef enum ss_tls_ev_kind {
    SS_TLS_EV_CLIENT_HELLO = 1,
    SS_TLS_EV_SERVER_HELLO,
    SS_TLS_EV_HELLO_RETRY,
    SS_TLS_EV_CERTIFICATES,   /* the server chain is in info->certs */
    SS_TLS_EV_HANDSHAKE_DONE, /* both Finished messages seen (or inferred) */
    SS_TLS_EV_ALERT,          /* alert_level, alert_desc (-1 each when encrypted and unread) */
    SS_TLS_EV_APP_DATA,       /* one application-data record: record_len, plain_len */
    SS_TLS_EV_DECRYPT_FAILED, /* once per flow: reason, dir */
    SS_TLS_EV_STOPPED         /* parsing of dir stopped: reason */
} ss_tls_ev_kind;
const char *ss_tls_ev_name(ss_tls_ev_kind k);

typedef struct ss_tls_event {
    ss_tls_ev_kind kind;
    int dir;                 /* the sender */
    struct timeval ts;       /* when the record that caused it was complete */
    struct timeval ts_first; /* APP_DATA: when its first byte arrived */
    const ss_tls_info *info; /* the connection so far */
    int alert_level;
    int alert_desc;
    uint32_t record_len;  /* APP_DATA: TLSCiphertext length */
    long plain_len;       /* APP_DATA: plaintext length, -1 when not decrypted */
    int inferred;         /* APP_DATA: TLS 1.3 without keys: may be a ticket, alert, ... */
    ss_tls_reason reason; /* DECRYPT_FAILED, STOPPED */
    const char *detail;   /* DECRYPT_FAILED, STOPPED: specifics, static, may be "" */
} ss_tls_event;

/* Where results go. Callbacks must not feed or free the ss_tls they are called from. */
typedef struct ss_tls_sink {
    /* application data decrypted, in order, per direction */
    void (*plaintext)(void *ctx, int dir, const uint8_t *d, size_t n, const struct timeval *ts);
    void (*event)(void *ctx, const ss_tls_event *ev);
    void *ctx;
} ss_tls_sink;

typedef struct ss_tls_config {
    OSSL_LIB_CTX *libctx;        /* NULL: OpenSSL's default context */
    const ss_tls_keylog *keylog; /* NULL: no decryption (and no DECRYPT_FAILED events) */
    ss_mem *mem;                 /* charged for buffers; NULL: an unlimited budget of its own */
    size_t max_handshake;        /* 0: SS_TLS_MAX_HANDSHAKE */
    /* MD5 for JA3, fetched once by the owner: a fetch per ClientHello (EVP_Q_digest) cost more
     * than the digest. NULL: fetched per use. */
    const EVP_MD *md5;
    /* certificates decoded before, shared by the owner's flows; NULL: decode every one */
    struct ss_tls_certcache *certs;
} ss_tls_config;

typedef struct ss_tls ss_tls;

/* NULL when the memory budget refuses it. cfg and sink are copied; the key log and the memory
 * budget must outlive the ss_tls. */
ss_tls *ss_tls_new(const ss_tls_config *cfg, const ss_tls_sink *sink);
void ss_tls_free(ss_tls *t); /* t may be NULL */

/* n bytes of direction dir (SS_TLS_TO_SERVER / SS_TLS_TO_CLIENT), in stream order; ts is when
 * they arrived. */
void ss_tls_feed(ss_tls *t, int dir, const uint8_t *d, size_t n, const struct timeval *ts);
/* n bytes of dir are missing from the capture. */
void ss_tls_gap(ss_tls *t, int dir, uint64_t n);
/* dir's stream ended (FIN, RST, end of capture): a record left unfinished is reported. */
void ss_tls_end(ss_tls *t, int dir, const struct timeval *ts);

const ss_tls_info *ss_tls_get_info(const ss_tls *t);

/* Names: "TLS 1.2", "handshake_failure", ... Unknown values give a static "unknown". */
const char *ss_tls_version_name(uint16_t v);
const char *ss_tls_alert_name(int desc);

#endif

/* tls_keylog.h — TLS secrets from an NSS key log (the SSLKEYLOGFILE format that curl, browsers,
 * OpenSSL -keylogfile and Wireshark use), from a file or from pcapng Decryption Secrets Blocks.
 *
 * Lines are "LABEL <client random, 64 hex> <secret, hex>"; the labels kept are CLIENT_RANDOM
 * (TLS 1.2 and earlier: the 48-byte master secret) and the TLS 1.3 traffic secrets
 * CLIENT_/SERVER_HANDSHAKE_TRAFFIC_SECRET and CLIENT_/SERVER_TRAFFIC_SECRET_0. Other labels
 * (EXPORTER_SECRET, CLIENT_EARLY_TRAFFIC_SECRET, RSA, ...) are counted and ignored, comments and
 * blank lines skipped, malformed lines counted. All lines of one client random make one entry.
 *
 * The table is bounded: at max_entries the oldest entry gives way to the newest (counted), as
 * the newest connections are the ones a live capture still has to decrypt. The key log is the
 * engine's, shared by its flows; the TLS layer copies what it finds.
 */
#ifndef SS_TLS_KEYLOG_H
#define SS_TLS_KEYLOG_H

#include <stddef.h>
#include <stdint.h>

#include "tls_crypto.h"

typedef enum ss_tls_secret_kind {
    SS_TLS_SK_MASTER = 0, /* CLIENT_RANDOM */
    SS_TLS_SK_CLIENT_HS,  /* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
    SS_TLS_SK_SERVER_HS,  /* SERVER_HANDSHAKE_TRAFFIC_SECRET */
    SS_TLS_SK_CLIENT_AP0, /* CLIENT_TRAFFIC_SECRET_0 */
    SS_TLS_SK_SERVER_AP0, /* SERVER_TRAFFIC_SECRET_0 */
    SS_TLS_SK_COUNT
} ss_tls_secret_kind;

typedef struct ss_tls_secret {
    uint8_t len; /* 0: not in the key log */
    uint8_t b[SS_TLS_SECRET_MAX];
} ss_tls_secret;

typedef struct ss_tls_keys {
    uint8_t client_random[32];
    ss_tls_secret s[SS_TLS_SK_COUNT];
} ss_tls_keys;

typedef struct ss_tls_keylog_stats {
    uint64_t lines;     /* lines read, comments and blank ones included */
    uint64_t secrets;   /* secrets stored */
    uint64_t ignored;   /* lines with a label scepsniff does not use */
    uint64_t malformed; /* lines that are not "LABEL hex hex", or too long */
    uint64_t replaced;  /* a secret given again with another value (the newer one is kept) */
    uint64_t evicted;   /* entries dropped at max_entries */
    uint64_t dsb_other; /* Decryption Secrets Blocks of a type other than TLS */
    size_t entries;     /* client randoms held now */
} ss_tls_keylog_stats;

typedef struct ss_tls_keylog ss_tls_keylog;

#define SS_TLS_KEYLOG_DEFAULT_MAX 100000
#define SS_TLS_KEYLOG_LINE_MAX    1024 /* longer lines are malformed */

/* An empty key log holding at most max_entries client randoms (0: the default). NULL when out
 * of memory. */
ss_tls_keylog *ss_tls_keylog_new(size_t max_entries);
void ss_tls_keylog_free(ss_tls_keylog *kl); /* kl may be NULL */

/* Adds the lines of key-log text held in memory (a last line without a newline counts too).
 * Returns 0, or -1 when memory ran out (what was added before stays). */
int ss_tls_keylog_add_text(ss_tls_keylog *kl, const char *text, size_t len);

/* Reads a key log file. -1 with a message in err when it cannot be read. */
int ss_tls_keylog_load_file(ss_tls_keylog *kl, const char *path, char *err, size_t errlen);

/* The body of a pcapng Decryption Secrets Block (block type 0x0000000A; the bytes after the
 * block type and total length): Secrets Type, Secrets Length, Secrets Data, padding, options.
 * big_endian: the byte order of the section (from its Section Header Block). TLS key logs
 * (type 0x544c534b) are added; other types are counted in dsb_other. Returns 0, or -1 when the
 * block is malformed or memory ran out. */
#define SS_TLS_DSB_TLS_KEYLOG 0x544c534bu
int ss_tls_keylog_add_dsb(ss_tls_keylog *kl, const uint8_t *body, size_t len, int big_endian);

/* The secrets for a client random, NULL when none. The pointer is valid until the next add or
 * load call: copy what is kept. */
const ss_tls_keys *ss_tls_keylog_find(const ss_tls_keylog *kl, const uint8_t client_random[32]);

void ss_tls_keylog_get_stats(const ss_tls_keylog *kl, ss_tls_keylog_stats *st);

#endif

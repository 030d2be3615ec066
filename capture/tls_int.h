/* tls_int.h — the state of one TLS connection and the calls between the parser's own files:
 * tls.c (records, events, API), tls_keys.c (which secret when), tls_handshake.c (handshake
 * messages) and tls_chain.c (the server's certificates). Only they include it; the rest of
 * scepsniff sees tls.h, which keeps struct ss_tls opaque.
 */
#ifndef SS_TLS_INT_H
#define SS_TLS_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include "cursor.h"
#include "tls.h"
#include "tls_crypto.h"

#define TLS13     0x0304 /* RFC 8446 4.2.1 */
#define REC_HDR   5
#define HS_HDR    4
#define KEY_NONE  0
#define KEY_READY 1
#define KEY_OFF   (-1)

typedef struct tls_dir {
    /* record being read */
    uint8_t hdr[REC_HDR];
    size_t hdr_have;
    uint8_t *rec; /* only while a record spans feeds: rec_need bytes */
    size_t rec_have, rec_need;
    struct timeval ts_first, last_ts;
    /* handshake message being read */
    uint8_t hs_hdr[HS_HDR];
    size_t hs_hdr_have;
    uint8_t *hs; /* only while a message spans records: hs_len bytes */
    size_t hs_have, hs_len;
    size_t hs_skip; /* bytes left of a message longer than max_handshake */
    /* protection */
    int encrypted; /* protected records from here on */
    int key_state; /* KEY_NONE (not tried), KEY_READY, KEY_OFF */
    int to_app;    /* TLS 1.3: Finished in this record, switch secrets after it */
    int update;    /* TLS 1.3: KeyUpdate in this record */
    ss_tls_rp rp;
} tls_dir;

struct ss_tls {
    ss_tls_config cfg;
    ss_tls_sink sink;
    ss_mem own_mem;
    ss_tls_info info;
    tls_dir d[2];
    uint8_t client_random[32], server_random[32];
    int have_cr;
    uint8_t sid[32]; /* the ClientHello's session id */
    size_t sid_len;
    const ss_tls_suite *suite;
    ss_tls_keys *keys; /* copy of the key log entry once found */
    uint8_t *plain;    /* decryption output, SS_TLS_MAX_RECORD bytes, once keyed */
    int fail_reported;
    int done_reported;
};

/* tls.c: events, the handshake's progress, the end of decryption. */

/* An event of kind with nothing but its direction and time. */
void ss_tls_emit_simple(ss_tls *t, ss_tls_ev_kind kind, int dir, const struct timeval *ts);
/* HANDSHAKE_DONE, once, as soon as both Finished messages are known. */
void ss_tls_check_done(ss_tls *t, const struct timeval *ts);
/* The client's Finished: the server's came first, seen or not. */
void ss_tls_client_finished(ss_tls *t, int inferred, const struct timeval *ts);
/* Decryption of dir ends here (or never starts); the first time in the flow it is reported. */
void ss_tls_decrypt_fail(ss_tls *t, int dir, ss_tls_reason r, const char *detail,
                         const struct timeval *ts);

/* tls_keys.c: keys for dir's first protected record; on failure, decryption of dir is off. */
void ss_tls_setup_keys(ss_tls *t, int dir, const struct timeval *ts);
/* tls_keys.c: TLS 1.3, dir from its handshake secret to its first application secret. */
void ss_tls_to_app_secret(ss_tls *t, int dir, const struct timeval *ts);

/* tls_handshake.c: the handshake bytes of one record (plaintext or decrypted) of dir. */
void ss_tls_handshake_bytes(ss_tls *t, int dir, const uint8_t *p, size_t n,
                            const struct timeval *ts);
/* tls_handshake.c, shared with tls_chain.c: wire bytes as printable ASCII, '?' for anything
 * else; cut to fit. */
void ss_tls_copy_printable(char *dst, size_t cap, const uint8_t *s, size_t n);
/* Appends sep (when dst is not empty) and s[0..n) printable, only when all of it fits. */
int ss_tls_append(char *dst, size_t cap, const char *sep, const uint8_t *s, size_t n);
/* A sub-cursor over a length-prefixed vector (prefix of 1, 2 or 3 bytes). */
int ss_tls_cur_vec(ss_cursor *c, int prefix, ss_cursor *sub);

/* tls_chain.c: the server's Certificate message. */
void ss_tls_certificates(ss_tls *t, const uint8_t *body, size_t len, const struct timeval *ts);

#endif

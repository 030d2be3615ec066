/* tls_keys.c — the record protection of each direction, from the key log (see tls_int.h): which
 * secret applies when. TLS 1.3 (RFC 8446 7.1-7.3): the handshake traffic secret for a
 * direction's first protected record, its first application traffic secret after its Finished
 * (KeyUpdate, 4.6.3, is tls_crypto.c's). TLS 1.2 and earlier (RFC 5246 6.3): one key block
 * from the master secret for both directions, each starting at its own ChangeCipherSpec.
 * Set up at a direction's first protected record: by then the hellos that choose them (client
 * random, version, cipher suite) have been read.
 */
#include "tls_int.h"

#include <string.h>

/* A secret from the key log (looked up again if the copy lacks it: the log may have grown). */
static const ss_tls_secret *secret(ss_tls *t, ss_tls_secret_kind kind)
{
    const ss_tls_keys *k;

    if (t->keys && t->keys->s[kind].len)
        return &t->keys->s[kind];
    k = ss_tls_keylog_find(t->cfg.keylog, t->client_random);
    if (!k)
        return NULL;
    if (!t->keys && !(t->keys = ss_mem_alloc(t->cfg.mem, sizeof(*t->keys))))
        return NULL;
    *t->keys = *k;
    return t->keys->s[kind].len ? &t->keys->s[kind] : NULL;
}

/* Keys for dir's first protected record. */
void ss_tls_setup_keys(ss_tls *t, int dir, const struct timeval *ts)
{
    tls_dir *D = &t->d[dir];
    const ss_tls_secret *s;
    ss_tls_reason r = SS_TLS_R_INTERNAL;
    const char *detail = "";
    uint16_t v = t->info.version;

    if (!t->cfg.keylog) {
        D->key_state = KEY_OFF;
        return;
    }
    if (!t->have_cr || !t->info.server_hello) {
        r = SS_TLS_R_NO_HANDSHAKE;
        detail = "ClientHello or ServerHello not seen";
        goto fail;
    }
    if (!t->suite || t->suite->kind == SS_TLS_CK_NONE || (v == TLS13) != (t->suite->tls13 != 0)) {
        r = SS_TLS_R_UNSUPPORTED;
        detail = "cipher suite";
        goto fail;
    }
    if (v < 0x0301 || v > TLS13) {
        r = SS_TLS_R_UNSUPPORTED;
        detail = "protocol version";
        goto fail;
    }
    if (!ss_tls_keylog_find(t->cfg.keylog, t->client_random) && !t->keys) {
        r = SS_TLS_R_NO_KEY;
        goto fail;
    }
    if (!t->plain && !(t->plain = ss_mem_alloc(t->cfg.mem, SS_TLS_MAX_RECORD))) {
        detail = "memory budget";
        goto fail;
    }
    if (v == TLS13) {
        s = secret(t, dir == SS_TLS_TO_SERVER ? SS_TLS_SK_CLIENT_HS : SS_TLS_SK_SERVER_HS);
        if (!s) {
            r = SS_TLS_R_MISSING_SECRET;
            detail = dir == SS_TLS_TO_SERVER ? "CLIENT_HANDSHAKE_TRAFFIC_SECRET"
                                             : "SERVER_HANDSHAKE_TRAFFIC_SECRET";
            goto fail;
        }
        if (ss_tls_rp_init13(&D->rp, t->cfg.libctx, t->suite, s->b, s->len) < 0) {
            detail = "TLS 1.3 key derivation";
            goto fail;
        }
    } else {
        ss_tls_rp other;
        tls_dir *O = &t->d[!dir];

        memset(&other, 0, sizeof(other));
        s = secret(t, SS_TLS_SK_MASTER);
        if (!s || s->len != 48) {
            r = SS_TLS_R_MISSING_SECRET;
            detail = "CLIENT_RANDOM";
            goto fail;
        }
        /* one key block gives both directions; the other one starts at its own CCS */
        if (ss_tls_rp_init12(dir == 0 ? &D->rp : &other, dir == 0 ? &other : &D->rp, t->cfg.libctx,
                             t->suite, v, t->info.encrypt_then_mac, s->b, t->client_random,
                             t->server_random) < 0) {
            detail = "TLS 1.2 key derivation";
            goto fail;
        }
        if (O->key_state == KEY_NONE) {
            O->rp = other;
            O->key_state = KEY_READY;
            t->info.decrypting[!dir] = 1;
        } else {
            ss_tls_rp_clear(&other);
        }
    }
    D->key_state = KEY_READY;
    t->info.decrypting[dir] = 1;
    t->info.not_decrypted[dir] = SS_TLS_R_NONE;
    return;
fail:
    ss_tls_decrypt_fail(t, dir, r, detail, ts);
}

/* TLS 1.3: from the handshake secret to the first application secret (after Finished). */
void ss_tls_to_app_secret(ss_tls *t, int dir, const struct timeval *ts)
{
    tls_dir *D = &t->d[dir];
    const ss_tls_secret *s =
        secret(t, dir == SS_TLS_TO_SERVER ? SS_TLS_SK_CLIENT_AP0 : SS_TLS_SK_SERVER_AP0);

    if (!s) {
        ss_tls_decrypt_fail(
            t, dir, SS_TLS_R_MISSING_SECRET,
            dir == SS_TLS_TO_SERVER ? "CLIENT_TRAFFIC_SECRET_0" : "SERVER_TRAFFIC_SECRET_0", ts);
        return;
    }
    if (ss_tls_rp_init13(&D->rp, t->cfg.libctx, t->suite, s->b, s->len) < 0)
        ss_tls_decrypt_fail(t, dir, SS_TLS_R_INTERNAL, "TLS 1.3 key derivation", ts);
}

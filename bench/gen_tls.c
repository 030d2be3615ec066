/* gen_tls.c — the TLS shapes of the benchmark's capture generator (gen_traffic.c drives the
 * flows): the messages of TLS 1.3 and 1.2 connections on port 443 and the application-data
 * records after them.
 *
 * TLS handshakes have the messages, records and length fields of real ones, and the
 * ClientHello and ServerHello are complete (SNI "www<N>.example.com" named after the server
 * address, versions, ALPN, key shares), so parsers and nDPI see real hellos. What would be
 * encrypted or secret is random bytes: key shares, the ServerKeyExchange signature, Finished,
 * the TLS 1.3 server flight, application data; nothing could decrypt them. The TLS 1.2 server
 * sends a real DER chain (RFC 5280 4.1, encoded by gen_der.c): a leaf for the SNI name and its
 * issuing CA, with real names, validity around the capture time and extensions, so X.509
 * decoders parse it as they would a real one; only the serial numbers, RSA keys and signatures
 * are random bytes, and the signatures do not verify. As with real servers, a server sends the
 * same chain on every connection, and the three issuing CAs each have one certificate.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gen.h"
#include "gen_der.h"

#define TLS_REC_MAX   16384
#define TLS_KEY_LEN   32  /* an x25519 public key, RFC 7748 */
#define TLS_SIG_LEN   256 /* an RSA-2048 signature */
#define TLS_SKE_LEN   (4 + TLS_KEY_LEN + 4 + TLS_SIG_LEN)
#define TLS_CH_MIN    220 /* ClientHello handshake message sizes, padding included */
#define TLS_CH_MAX    560
#define DAY_S         86400u
#define ISSUING_CAS   3
#define STREAM_SERVER 1 /* side streams: a server's chain */
#define STREAM_CA     2 /* an issuing CA's certificate */

/* The start of a side stream for item idx of a kind (STREAM_*), from the seed alone, so it
 * does not depend on how far the main stream has gone. The seed is scrambled before the rest
 * goes in, else seeds 1 and 2 would give the same chains one server apart. */
static uint64_t side_stream(uint64_t seed, uint32_t kind, uint32_t idx)
{
    uint64_t s = seed;
    uint64_t scrambled = rnd_in(&s);
    s = scrambled ^ ((uint64_t)kind << 32 | idx);
    return rnd_in(&s);
}

/* TLS application data (RFC 8446 5.1): records of at most 2^14 bytes, each behind a 5-byte
 * header; body_param is the total payload, so every record header is at a computable offset
 * and a reader that walks records stays in step. */
void gen_tls_fill_records(gen *g, uint8_t *dst, size_t bpos, size_t n, size_t payload)
{
    const size_t span = TLS_REC_MAX + 5;
    while (n > 0) {
        size_t rec = bpos / span;
        size_t off = bpos % span;
        if (off < 5) {
            size_t left = payload - rec * TLS_REC_MAX;
            size_t rlen = left < TLS_REC_MAX ? left : TLS_REC_MAX;
            uint8_t h[5] = {0x17, 0x03, 0x03, (uint8_t)(rlen >> 8), (uint8_t)rlen};
            *dst++ = h[off];
            bpos++;
            n--;
            continue;
        }
        size_t k = span - off < n ? span - off : n;
        fill_random(g, dst, k);
        dst += k;
        bpos += k;
        n -= k;
    }
}

static size_t tls_body_len(size_t payload)
{
    return payload + 5 * ((payload + TLS_REC_MAX - 1) / TLS_REC_MAX);
}

/* A record header (RFC 8446 5.1) and a handshake message header (RFC 8446 4); each returns
 * where what it announces starts. */
static uint8_t *tls_record(uint8_t *p, uint8_t type, uint32_t version, size_t len)
{
    p[0] = type;
    put16(p + 1, version);
    put16(p + 3, (uint32_t)len);
    return p + 5;
}

static uint8_t *tls_handshake(uint8_t *p, uint8_t type, size_t len)
{
    p[0] = type;
    put24(p + 1, (uint32_t)len);
    return p + 4;
}

static uint8_t *put_bytes(uint8_t *p, const uint8_t *src, size_t n)
{
    memcpy(p, src, n);
    return p + n;
}

static uint8_t *put_random(gen *g, uint8_t *p, size_t n)
{
    fill_random(g, p, n);
    return p + n;
}

/* A browser-like offer: the TLS 1.3 suites first for a client that can do 1.3, then the
 * ECDHE AEAD suites of TLS 1.2 (RFC 8446 B.4, RFC 5289, RFC 7905). */
static const uint16_t ch_suites[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f,
                                     0xc02c, 0xc030, 0xcca9, 0xcca8};
#define CH_SUITES_13 3 /* TLS 1.3 suites at the start of ch_suites */

/* An extension with fixed contents (RFC 8446 4.2). */
typedef struct tls_ext {
    uint16_t type;
    uint8_t len;
    const char *data;
} tls_ext;

/* ClientHello extensions whatever the versions offered, in the order a browser sends them;
 * server_name comes before them, the TLS 1.3 ones and padding after. */
static const tls_ext ch_exts[] = {
    {0x0017, 0, ""},                                /* extended_master_secret, RFC 7627 */
    {0xff01, 1, "\0"},                              /* renegotiation_info, RFC 5746 */
    {0x000a, 10, "\0\x08\0\x1d\0\x17\0\x18\0\x19"}, /* groups: x25519, P-256, P-384, P-521 */
    {0x000b, 2, "\x01\0"},                          /* ec_point_formats: uncompressed */
    {0x0023, 0, ""},                                /* session_ticket, RFC 5077 */
    {0x0010, 14, "\0\x0c\x02h2\x08http/1.1"},       /* ALPN, RFC 7301 */
    /* signature_algorithms: ECDSA, RSA-PSS and RSA PKCS#1 with SHA-256/384/512 */
    {0x000d, 18, "\0\x10\x04\x03\x08\x04\x04\x01\x05\x03\x08\x05\x05\x01\x08\x06\x06\x01"},
};

/* What a client that can do TLS 1.3 adds before its key_share. */
static const tls_ext ch_exts_13[] = {
    {0x002d, 2, "\x01\x01"},             /* psk_key_exchange_modes: psk_dhe_ke */
    {0x002b, 5, "\x04\x03\x04\x03\x03"}, /* supported_versions: 1.3, 1.2 */
};

static const tls_ext sh_exts_13[] = {
    {0x002b, 2, "\x03\x04"}, /* supported_versions: 1.3 */
};

/* A TLS 1.2 server answers only what the client offered: renegotiation_info,
 * ec_point_formats, extended_master_secret and its ALPN choice. */
static const tls_ext sh_exts_12[] = {
    {0xff01, 1, "\0"},
    {0x000b, 2, "\x01\0"},
    {0x0017, 0, ""},
    {0x0010, 5, "\0\x03\x02h2"},
};

static size_t exts_len(const tls_ext *e, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += 4 + e[i].len;
    return len;
}

static uint8_t *put_exts(uint8_t *p, const tls_ext *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        put16(p, e[i].type);
        put16(p + 2, e[i].len);
        p = put_bytes(p + 4, (const uint8_t *)e[i].data, e[i].len);
    }
    return p;
}

/* key_share (RFC 8446 4.2.8) with one x25519 share: the client's is a list, the server's not. */
#define KEY_SHARE_LEN(client) (4 + ((client) ? 2 : 0) + 4 + TLS_KEY_LEN)

static uint8_t *put_key_share(gen *g, uint8_t *p, int client)
{
    put16(p, 0x0033);
    put16(p + 2, KEY_SHARE_LEN(client) - 4);
    p += 4;
    if (client) {
        put16(p, 4 + TLS_KEY_LEN);
        p += 2;
    }
    put16(p, 0x001d);
    put16(p + 2, TLS_KEY_LEN);
    return put_random(g, p + 4, TLS_KEY_LEN);
}

/* Which server a flow talks to, from the low 16 bits of its address. */
static unsigned server_index(const endpoints *ep)
{
    const uint8_t *sip = ep->ip[DIR_S2C] + (ep->v6 ? 14 : 2);
    return (unsigned)(sip[0] << 8 | sip[1]);
}

/* The server's host name, the ClientHello's SNI and its certificate's name: named after the
 * server address so that one server always gets the same name. Returns its length. */
static size_t server_name(const endpoints *ep, char *dst, size_t cap)
{
    int n = snprintf(dst, cap, "www%u.example.com", server_index(ep));
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

/* The base ClientHello is at most about 250 bytes; padding never takes it past TLS_CH_MAX. */
_Static_assert(HDR_MAX >= 5 + 4 + TLS_CH_MAX, "a ClientHello record fits in a message header");

/* The whole ClientHello record into hdr. Browsers' hellos vary in size with what they offer
 * (and some pad, RFC 7685); here the padding extension makes a random size, so the sizes stay
 * as varied as before. A TLS 1.2 flow's client offers 1.3 half the time, as an up-to-date
 * browser meeting an old server does. */
static void tls_client_hello(gen *g, flow *fl)
{
    int offer13 = fl->tls13 || below(g, 2) == 0;
    size_t target = between(g, TLS_CH_MIN, TLS_CH_MAX);
    char host[32];
    size_t hlen = server_name(&fl->ep, host, sizeof host);
    size_t first = offer13 ? 0 : CH_SUITES_13;
    size_t suites = 2 * (N_ELEMS(ch_suites) - first);
    size_t ext = 9 + hlen + exts_len(ch_exts, N_ELEMS(ch_exts));
    if (offer13)
        ext += exts_len(ch_exts_13, N_ELEMS(ch_exts_13)) + KEY_SHARE_LEN(1);
    size_t fixed = 2 + 32 + 1 + TLS_SID_LEN + 2 + suites + 2 + 2;
    size_t pad = fixed + ext + 4 <= target ? target - fixed - ext - 4 : SIZE_MAX;
    if (pad != SIZE_MAX)
        ext += 4 + pad;
    uint8_t *p = tls_record(fl->hdr, 0x16, 0x0301, 4 + fixed + ext);
    p = tls_handshake(p, 1, fixed + ext);
    put16(p, 0x0303);
    p = put_random(g, p + 2, 32);
    *p++ = TLS_SID_LEN;
    /* A random session id even without resumption: RFC 8446 D.4 middlebox compatibility. */
    fill_random(g, fl->tls_sid, TLS_SID_LEN);
    p = put_bytes(p, fl->tls_sid, TLS_SID_LEN);
    put16(p, (uint32_t)suites);
    p += 2;
    for (size_t i = first; i < N_ELEMS(ch_suites); i++, p += 2)
        put16(p, ch_suites[i]);
    *p++ = 1; /* compression methods: null only */
    *p++ = 0;
    put16(p, (uint32_t)ext);
    p += 2;
    put16(p, 0x0000); /* server_name, RFC 6066 3: one host_name */
    put16(p + 2, (uint32_t)(hlen + 5));
    put16(p + 4, (uint32_t)(hlen + 3));
    p[6] = 0;
    put16(p + 7, (uint32_t)hlen);
    p = put_bytes(p + 9, (const uint8_t *)host, hlen);
    p = put_exts(p, ch_exts, N_ELEMS(ch_exts));
    if (offer13)
        p = put_key_share(g, put_exts(p, ch_exts_13, N_ELEMS(ch_exts_13)), 1);
    if (pad != SIZE_MAX) {
        put16(p, 0x0015);
        put16(p + 2, (uint32_t)pad);
        memset(p + 4, 0, pad);
        p += 4 + pad;
    }
    fl->hdr_len = (size_t)(p - fl->hdr);
    fl->body_len = 0;
    fl->msg_dir = DIR_C2S;
}

/* The ServerHello record at p; returns its end. A TLS 1.3 server echoes the session id
 * (RFC 8446 4.1.3); a TLS 1.2 one starting a new session gives a new one, since echoing it
 * would announce a resumption (RFC 5246 7.4.1.3). */
static uint8_t *tls_server_hello(gen *g, flow *fl, uint8_t *p)
{
    size_t ext = fl->tls13 ? exts_len(sh_exts_13, N_ELEMS(sh_exts_13)) + KEY_SHARE_LEN(0)
                           : exts_len(sh_exts_12, N_ELEMS(sh_exts_12));
    size_t len = 2 + 32 + 1 + TLS_SID_LEN + 2 + 1 + 2 + ext;
    p = tls_handshake(tls_record(p, 0x16, 0x0303, 4 + len), 2, len);
    put16(p, 0x0303);
    p = put_random(g, p + 2, 32);
    *p++ = TLS_SID_LEN;
    if (fl->tls13)
        p = put_bytes(p, fl->tls_sid, TLS_SID_LEN);
    else
        p = put_random(g, p, TLS_SID_LEN);
    put16(p, fl->tls13 ? 0x1301 + below(g, 2) : 0xc02f + below(g, 2));
    p[2] = 0;
    put16(p + 3, (uint32_t)ext);
    p += 5;
    if (fl->tls13)
        return put_key_share(g, put_exts(p, sh_exts_13, N_ELEMS(sh_exts_13)), 0);
    return put_exts(p, sh_exts_12, N_ELEMS(sh_exts_12));
}

static uint8_t *tls_ccs(uint8_t *p)
{
    p = tls_record(p, 0x14, 0x0303, 1);
    *p = 1;
    return p + 1;
}

/* TLS 1.3 after the ClientHello: ServerHello, ChangeCipherSpec (RFC 8446 D.4) and the
 * encrypted EncryptedExtensions..Finished as application data; then the client's
 * ChangeCipherSpec and encrypted Finished. */
static void tls13_handshake(gen *g, flow *fl)
{
    uint8_t *h = fl->hdr;
    if (fl->msg_no == 1) {
        fl->hdr_len = (size_t)(tls_ccs(tls_server_hello(g, fl, h)) - h);
        fl->body_param = between(g, 2400, 6000);
        fl->body_len = tls_body_len(fl->body_param);
        fl->body_kind = BODY_TLS;
        fl->msg_dir = DIR_S2C;
        return;
    }
    /* Finished: 32 bytes of HMAC-SHA256, 4 of header, 1 of inner type, 16 of tag. */
    fl->hdr_len = (size_t)(tls_record(tls_ccs(h), 0x17, 0x0303, 53) - h);
    fl->body_len = 53;
    fl->msg_dir = DIR_C2S;
}

/* gen_der's random hook; ctx is the stream of the chain being built. */
static void der_random(void *ctx, uint8_t *dst, size_t n)
{
    fill_random_in(ctx, dst, n);
}

/* Appends one certificate, behind its 3-byte length, to the list of len bytes at dst; its
 * validity starts between lo and hi days (and up to a day more) before the capture starts,
 * drawn from *state, which then gives the certificate's random bytes. Returns the list's new
 * length, 0 when it does not fit in cap. */
static size_t put_cert(uint8_t *dst, size_t len, size_t cap, gen_der_cert *c, uint32_t lo,
                       uint32_t hi, uint32_t days, uint64_t *state)
{
    uint64_t from = CAPTURE_START - (uint64_t)between_in(state, lo, hi) * DAY_S;
    from -= below_in(state, DAY_S);
    c->not_before = from;
    c->not_after = from + (uint64_t)days * DAY_S;
    if (cap - len < 3)
        return 0;
    size_t n = gen_der_x509_cert(dst + len + 3, cap - len - 3, c, der_random, state);
    if (n == 0)
        return 0;
    put24(dst + len, (uint32_t)n);
    return len + 3 + n;
}

/* The certificate_list (RFC 5246 7.4.2) of server idx, whose name is host: its leaf, then
 * the issuing CA, as servers send it (the root, which clients have, left out). The leaf and
 * the choice of CA come from the server's own stream, the CA certificate from the CA's, so a
 * server's chain is the same on every connection and servers of one CA share its
 * certificate, as they do in real traffic. The leaf is valid for a year from 1 to 300 days
 * before the capture, so at least 64 days after its start, far longer than any capture
 * runs; the CA for ten years from 400 to 1500 days before. Returns the length, 0 when it
 * does not fit in cap. */
static size_t build_chain(uint64_t seed, unsigned idx, const char *host, uint8_t *dst, size_t cap)
{
    uint64_t server = side_stream(seed, STREAM_SERVER, idx);
    unsigned ca_no = 1 + below_in(&server, ISSUING_CAS);
    uint64_t ca_stream = side_stream(seed, STREAM_CA, ca_no);
    char ca[32];
    snprintf(ca, sizeof ca, "Example Issuing CA %u", ca_no);
    gen_der_cert leaf = {.host = host, .subject_cn = host, .issuer_cn = ca};
    gen_der_cert inter = {.host = NULL, .subject_cn = ca, .issuer_cn = "Example Root CA"};
    size_t len = put_cert(dst, 0, cap, &leaf, 1, 300, 365, &server);
    return len == 0 ? 0 : put_cert(dst, len, cap, &inter, 400, 1500, 3652, &ca_stream);
}

/* The flow's server's certificate_list at dst, built once per server and copied after.
 * Returns its length, 0 when it does not fit in cap. */
static size_t tls_cert_list(gen *g, const flow *fl, uint8_t *dst, size_t cap)
{
    char host[32];
    unsigned idx = server_index(&fl->ep);
    server_name(&fl->ep, host, sizeof host);
    if (idx >= N_ELEMS(g->chains)) /* not a web server: build it each time, still the same */
        return build_chain(g->seed, idx, host, dst, cap);
    cert_chain *c = &g->chains[idx];
    if (c->len == 0)
        c->len = build_chain(g->seed, idx, host, c->list, sizeof c->list);
    if (c->len == 0 || c->len > cap)
        return 0;
    memcpy(dst, c->list, c->len);
    return c->len;
}

/* TLS 1.2 with ECDHE-RSA after the ClientHello: ServerHello, then Certificate,
 * ServerKeyExchange and ServerHelloDone in one record, sent as two messages so that hdr need
 * hold only the ServerHello and the chain; ClientKeyExchange, ChangeCipherSpec, Finished; the
 * server's ChangeCipherSpec and Finished. Returns 0 when a message does not fit in hdr. */
static int tls12_handshake(gen *g, flow *fl)
{
    uint8_t *h = fl->hdr;
    uint8_t *p = h;
    fl->msg_dir = fl->msg_no == 3 ? DIR_C2S : DIR_S2C;
    switch (fl->msg_no) {
    case 1: {
        p = tls_server_hello(g, fl, p);
        /* The list goes after the record, handshake and list headers, whose lengths it sets. */
        uint8_t *list = p + 5 + 4 + 3;
        size_t len = tls_cert_list(g, fl, list, (size_t)(h + HDR_MAX - list));
        if (len == 0)
            return 0;
        p = tls_record(p, 0x16, 0x0303, 4 + 3 + len + 4 + TLS_SKE_LEN + 4);
        p = tls_handshake(p, 11, 3 + len);
        put24(p, (uint32_t)len);
        fl->hdr_len = (size_t)(list + len - h);
        return 1;
    }
    case 2:
        /* ServerKeyExchange (RFC 8422 5.4): named_curve x25519, the server's share, then
         * rsa_pkcs1_sha256 and its signature; ServerHelloDone (RFC 5246 7.4.5) after it. */
        p = tls_handshake(p, 12, TLS_SKE_LEN);
        p[0] = 3;
        put16(p + 1, 0x001d);
        p[3] = TLS_KEY_LEN;
        p = put_random(g, p + 4, TLS_KEY_LEN);
        put16(p, 0x0401);
        put16(p + 2, TLS_SIG_LEN);
        p = put_random(g, p + 4, TLS_SIG_LEN);
        fl->hdr_len = (size_t)(tls_handshake(p, 14, 0) - h);
        return 1;
    case 3:
        /* ClientKeyExchange (RFC 8422 5.7): the client's x25519 share */
        p = tls_handshake(tls_record(p, 0x16, 0x0303, 4 + 1 + TLS_KEY_LEN), 16, 1 + TLS_KEY_LEN);
        *p++ = TLS_KEY_LEN;
        p = put_random(g, p, TLS_KEY_LEN);
        break;
    default:
        break;
    }
    /* After ChangeCipherSpec the Finished is encrypted: a handshake record of AES-GCM
     * explicit nonce (8), verify_data with its header (16) and tag (16). */
    fl->hdr_len = (size_t)(tls_record(tls_ccs(p), 0x16, 0x0303, 40) - h);
    fl->body_len = 40;
    return 1;
}

/* TLS on the wire (RFC 8446 2, RFC 5246 7.3), seen from outside: the hellos are complete and
 * parsable, what would be encrypted is random. After the handshake, application-data
 * exchanges. */
int gen_tls_message(gen *g, flow *fl)
{
    unsigned handshake = fl->tls13 ? 3 : 5; /* messages before the first request */
    fl->msg_active = 1;
    fl->pos = 0;
    fl->body_kind = BODY_RANDOM;
    fl->body_len = 0;
    if (fl->msg_no == 0) {
        tls_client_hello(g, fl);
        return 1;
    }
    if (fl->msg_no < handshake) {
        if (fl->tls13)
            tls13_handshake(g, fl);
        else if (!tls12_handshake(g, fl))
            fl->msg_active = 0;
        return fl->msg_active;
    }
    if ((fl->msg_no - handshake) / 2 >= fl->exchanges) {
        fl->msg_active = 0;
        return 0;
    }
    int req = (fl->msg_no - handshake) % 2 == 0;
    fl->body_param = req ? between(g, 80, 1500) : log_size(g, 200, 7);
    fl->hdr_len = 0;
    fl->body_len = tls_body_len(fl->body_param);
    fl->body_kind = BODY_TLS;
    fl->msg_dir = req ? DIR_C2S : DIR_S2C;
    return 1;
}

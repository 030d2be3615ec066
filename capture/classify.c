/* classify.c — which flows may carry SCEP: the cheap first-bytes look and nDPI 4.2 (see
 * classify.h).
 *
 * The first-bytes look follows the wire formats directly: an HTTP/1.x request line starts with a
 * method token and a space (RFC 9112 section 3), a status line with "HTTP/1." (RFC 9112 section
 * 4), a TLS record with type, legacy version 3.x and a length of at most 2^14 + 2048 (RFC 8446
 * section 5.1 and 5.2; RFC 5246 section 6.2).
 *
 * nDPI is used for what it is made for (HTTP/TLS on any port, the SNI), one detection module per
 * classifier so that two engines never share state. nDPI's allocator hooks (set_ndpi_malloc)
 * are process-global, so they are left alone and the flow structs are allocated here, charged
 * to the engine's budget; the small strings nDPI allocates inside a flow (URL, user agent, ALPN)
 * come from its default malloc and are freed with ndpi_free_flow_data().
 *
 * Debian's nDPI 4.2 lacks later upstream overflow fixes, so what it sees is kept bounded: at most
 * SS_CLASSIFY_MAX_PACKETS packets per flow, never more than the captured IP length (and never
 * more than its 16-bit length argument), and only the flows the caller chose to hand over.
 * The fuzzer in fuzz/ runs through this path.
 */
#include "classify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ndpi_api.h>

/* nDPI decides HTTP and reads the SNI from the first few packets; after this many it is not
 * going to learn anything, and each packet more is exposure to its parsers. */
#define SS_CLASSIFY_MAX_PACKETS 24

/* TLSCiphertext may carry 2^14 + 2048 bytes (RFC 5246 section 6.2.3); anything larger is not
 * a TLS record. */
#define SS_TLS_MAX_RECORD (16384 + 2048)

/* The custom rule for Entra application proxy hosts. nDPI's rule grammar (as in its
 * protos.txt): host:"<name>"@<protocol>. */
#define SS_APP_PROXY_DOMAIN "msappproxy.net"
#define SS_APP_PROXY_RULE   "host:\"" SS_APP_PROXY_DOMAIN "\"@MSAppProxy\n"

struct ss_classifier {
    ss_mem *mem;
    struct ndpi_detection_module_struct *ndpi;
};

struct ss_classify_flow {
    unsigned packets; /* fed to nDPI so far */
    struct ndpi_flow_struct nf;
};

/* ---- the cheap first look ---------------------------------------------------------------- */

static const char *const http_methods[] = {"GET",     "POST",    "HEAD",  "PUT",  "DELETE",
                                           "OPTIONS", "CONNECT", "PATCH", "TRACE"};

/* 1: p[0..n) is a prefix of s (so more bytes could still make it s). */
static int is_prefix_of(const uint8_t *p, size_t n, const char *s)
{
    size_t sl = strlen(s);
    return n <= sl && memcmp(p, s, n) == 0;
}

static ss_app http_request_line(const uint8_t *p, size_t n)
{
    int maybe = 0;
    size_t i;

    for (i = 0; i < sizeof(http_methods) / sizeof(http_methods[0]); i++) {
        size_t ml = strlen(http_methods[i]);
        if (n > ml) {
            if (memcmp(p, http_methods[i], ml) == 0 && p[ml] == ' ')
                return SS_APP_HTTP;
        } else if (is_prefix_of(p, n, http_methods[i])) {
            maybe = 1;
        }
    }
    return maybe ? SS_APP_UNKNOWN : SS_APP_OTHER;
}

static ss_app http_status_line(const uint8_t *p, size_t n)
{
    static const char status[] = "HTTP/1.";
    size_t sl = sizeof(status) - 1;

    if (n < sl)
        return is_prefix_of(p, n, status) ? SS_APP_UNKNOWN : SS_APP_OTHER;
    return memcmp(p, status, sl) == 0 ? SS_APP_HTTP : SS_APP_OTHER;
}

/* A TLS record header: content type (one of types), major version 3, minor 0..4 (SSL 3.0 up to
 * the 0x0304 some stacks put in the record), a length that a record can have. */
static ss_app tls_record(const uint8_t *p, size_t n, const uint8_t *types, size_t ntypes)
{
    size_t i;
    int type_ok = 0;

    if (n == 0)
        return SS_APP_UNKNOWN;
    for (i = 0; i < ntypes; i++)
        type_ok |= p[0] == types[i];
    if (!type_ok)
        return SS_APP_OTHER;
    if (n < 2)
        return SS_APP_UNKNOWN;
    if (p[1] != 0x03)
        return SS_APP_OTHER;
    if (n < 3)
        return SS_APP_UNKNOWN;
    if (p[2] > 0x04)
        return SS_APP_OTHER;
    if (n < 5)
        return SS_APP_UNKNOWN;
    {
        unsigned len = ((unsigned)p[3] << 8) | p[4];
        return len > 0 && len <= SS_TLS_MAX_RECORD ? SS_APP_TLS : SS_APP_OTHER;
    }
}

ss_app ss_classify_first_bytes(const uint8_t *p, size_t n, int to_server)
{
    /* handshake; the server may also open with an alert (it refused the ClientHello) */
    static const uint8_t client_types[] = {0x16};
    static const uint8_t server_types[] = {0x15, 0x16};
    ss_app http, tls;

    if (!p || n == 0)
        return SS_APP_UNKNOWN;
    if (to_server) {
        http = http_request_line(p, n);
        tls = tls_record(p, n, client_types, sizeof(client_types));
    } else {
        http = http_status_line(p, n);
        tls = tls_record(p, n, server_types, sizeof(server_types));
    }
    if (http == SS_APP_HTTP || tls == SS_APP_TLS)
        return http == SS_APP_HTTP ? SS_APP_HTTP : SS_APP_TLS;
    if (http == SS_APP_UNKNOWN || tls == SS_APP_UNKNOWN)
        return SS_APP_UNKNOWN;
    return SS_APP_OTHER;
}

/* ---- names ------------------------------------------------------------------------------- */

int ss_is_app_proxy_name(const char *name)
{
    static const char dom[] = SS_APP_PROXY_DOMAIN;
    size_t dl = sizeof(dom) - 1, n;

    if (!name)
        return 0;
    n = strlen(name);
    if (n > 0 && name[n - 1] == '.') /* absolute form "host.msappproxy.net." */
        n--;
    if (n < dl || strncasecmp(name + n - dl, dom, dl) != 0)
        return 0;
    /* the bare domain, or a label boundary before it: "evilmsappproxy.net" is someone else's */
    return n == dl || name[n - dl - 1] == '.';
}

/* The host part of an HTTP Host value ("name:port" or "[v6]:port"), for the app proxy test. */
static int host_is_app_proxy(const char *host)
{
    char buf[sizeof(((ss_classify_result *)0)->sni)];
    const char *colon = strrchr(host, ':');
    size_t n;

    if (!colon || strchr(host, ':') != colon || host[0] == '[')
        return ss_is_app_proxy_name(host);
    n = (size_t)(colon - host);
    if (n >= sizeof(buf))
        return 0;
    memcpy(buf, host, n);
    buf[n] = '\0';
    return ss_is_app_proxy_name(buf);
}

/* ---- nDPI -------------------------------------------------------------------------------- */

static void errmsg(char *errbuf, size_t errlen, const char *msg)
{
    if (errbuf && errlen)
        snprintf(errbuf, errlen, "classify: %s", msg);
}

/* nDPI 4.2's public API has no call that takes a rule from memory (ndpi_handle_rule is exported
 * but not declared in ndpi_api.h, i.e. not a promise), so the rule goes through a private
 * temporary file that lives only for the duration of the load. */
static int load_app_proxy_rule(struct ndpi_detection_module_struct *ndpi)
{
    static const char rule[] = SS_APP_PROXY_RULE;
    const char *dir = getenv("TMPDIR");
    char path[512];
    int fd, n, rc = -1;
    u_int before = ndpi_get_ndpi_num_custom_protocols(ndpi);

    if (!dir || !*dir)
        dir = "/tmp";
    n = snprintf(path, sizeof(path), "%s/scepsniff-ndpi-XXXXXX", dir);
    if (n < 0 || (size_t)n >= sizeof(path))
        return -1;
    fd = mkstemp(path);
    if (fd < 0)
        return -1;
    if (write(fd, rule, sizeof(rule) - 1) != (ssize_t)(sizeof(rule) - 1))
        goto fail;
    if (ndpi_load_protocols_file(ndpi, path) != 0)
        goto fail;
    /* the loader ignores a rule it could not apply; check that ours took */
    if (ndpi_get_ndpi_num_custom_protocols(ndpi) != before + 1)
        goto fail;
    rc = 0;
fail:
    close(fd);
    unlink(path);
    return rc;
}

ss_classifier *ss_classifier_new(ss_mem *mem, char *errbuf, size_t errlen)
{
    ss_classifier *c = NULL;
    NDPI_PROTOCOL_BITMASK wanted;

    if (!mem) {
        errmsg(errbuf, errlen, "no memory budget");
        return NULL;
    }
    c = calloc(1, sizeof(*c));
    if (!c) {
        errmsg(errbuf, errlen, "out of memory");
        goto fail;
    }
    c->mem = mem;
    c->ndpi = ndpi_init_detection_module(ndpi_no_prefs);
    if (!c->ndpi) {
        errmsg(errbuf, errlen, "nDPI detection module could not be created");
        goto fail;
    }
    /* Only the dissectors of what we ask nDPI about: with all ~250 enabled, every packet of
     * an unfinished flow is offered to each of them, and that was most of nDPI's cost. */
    NDPI_BITMASK_RESET(wanted);
    NDPI_ADD_PROTOCOL_TO_BITMASK(wanted, NDPI_PROTOCOL_TLS);
    NDPI_ADD_PROTOCOL_TO_BITMASK(wanted, NDPI_PROTOCOL_HTTP);
    ndpi_set_protocol_detection_bitmask2(c->ndpi, &wanted);
    if (load_app_proxy_rule(c->ndpi) != 0) {
        errmsg(errbuf, errlen, "could not load the nDPI rule for " SS_APP_PROXY_DOMAIN);
        goto fail;
    }
    ndpi_finalize_initialization(c->ndpi);
    return c;
fail:
    ss_classifier_free(c);
    return NULL;
}

void ss_classifier_free(ss_classifier *c)
{
    if (!c)
        return;
    if (c->ndpi)
        ndpi_exit_detection_module(c->ndpi);
    free(c);
}

ss_classify_flow *ss_classify_flow_new(ss_classifier *c)
{
    if (!c)
        return NULL;
    /* zeroed: nDPI 4.2 expects a fresh flow struct to be all zero */
    return ss_mem_calloc(c->mem, sizeof(ss_classify_flow));
}

void ss_classify_flow_free(ss_classifier *c, ss_classify_flow *f)
{
    if (!c || !f)
        return;
    ndpi_free_flow_data(&f->nf);
    ss_mem_free(c->mem, f, sizeof(*f));
}

static void copy_name(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

/* The master protocol names the carrier ("TLS" for TLS to a known site); without one, the app
 * protocol is the carrier itself. */
static void fill_result(ss_classifier *c, const ss_classify_flow *f, ndpi_protocol proto,
                        ss_classify_result *res)
{
    u_int16_t id =
        proto.master_protocol != NDPI_PROTOCOL_UNKNOWN ? proto.master_protocol : proto.app_protocol;

    if (id != NDPI_PROTOCOL_UNKNOWN)
        copy_name(res->app, sizeof(res->app), ndpi_get_proto_name(c->ndpi, id));
    /* nDPI keeps the last 79 bytes of a longer name, lower-cased: the suffix test still holds */
    {
        char host[sizeof(f->nf.host_server_name) + 1];
        memcpy(host, f->nf.host_server_name, sizeof(f->nf.host_server_name));
        host[sizeof(f->nf.host_server_name)] = '\0';
        copy_name(res->sni, sizeof(res->sni), host);
    }
    res->app_proxy = host_is_app_proxy(res->sni);
}

void ss_classify_packet(ss_classifier *c, ss_classify_flow **f, const uint8_t *l3, uint32_t l3_len,
                        const struct timeval *ts, ss_classify_result *res)
{
    ss_classify_flow *fl;
    ndpi_protocol proto;
    uint64_t ms = 0;
    int classified;

    memset(res, 0, sizeof(*res));
    memset(&proto, 0, sizeof(proto));
    if (!c || !f || !*f) {
        res->done = 1;
        return;
    }
    fl = *f;
    if (l3 && l3_len > 0) {
        /* nDPI's length argument is 16 bits: a longer (reassembled) datagram is cut, which
         * only ever shows nDPI less */
        unsigned short len = l3_len > 0xffff ? 0xffff : (unsigned short)l3_len;
        if (ts)
            ms = (uint64_t)ts->tv_sec * 1000u + (uint64_t)ts->tv_usec / 1000u;
        proto = ndpi_detection_process_packet(c->ndpi, &fl->nf, l3, len, ms);
        fl->packets++;
    } else {
        proto.master_protocol = fl->nf.detected_protocol_stack[1];
        proto.app_protocol = fl->nf.detected_protocol_stack[0];
    }

    classified = proto.app_protocol != NDPI_PROTOCOL_UNKNOWN;
    if (!classified && fl->packets >= SS_CLASSIFY_MAX_PACKETS) {
        u_int8_t guessed = 0;
        /* no port guessing: "443 so TLS" would be a claim nDPI did not check */
        proto = ndpi_detection_giveup(c->ndpi, &fl->nf, 0, &guessed);
        classified = 1; /* or given up: either way done */
    }
    fill_result(c, fl, proto, res);
    /* Done once nothing we report can change: the name is known, or nDPI has no more to look
     * at, or the packet budget is spent. */
    if (classified && (res->sni[0] != '\0' || fl->packets >= SS_CLASSIFY_MAX_PACKETS ||
                       !ndpi_extra_dissection_possible(c->ndpi, &fl->nf))) {
        res->done = 1;
        ss_classify_flow_free(c, fl);
        *f = NULL;
    }
}

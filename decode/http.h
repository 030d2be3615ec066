/* http.h — HTTP/1.x transactions from a TCP connection's two reassembled byte streams.
 *
 * One libhtp 0.5 connection parser per flow (IIS 7.5 personality, as NDES runs on IIS), fed per
 * direction by the capture layer; libhtp does request/response pairing, pipelining, chunked
 * bodies, gzip/deflate, "100 Continue". Each transaction reaches the caller once, through a
 * callback, when both sides are done — or earlier/later with completeness flags saying why not:
 * cut short (bytes declared vs seen), missing, touched by a gap in OUR capture, pending when a
 * side closed (FIN) or reset (RST), or still open at the end of input.
 *
 * The libhtp configuration (personality, hooks, limits) is built once per engine in an
 * ss_http_ctx and shared read-only by every connection: libhtp registers hooks on the
 * configuration, so a per-flow copy would cost a config allocation per HTTP flow for nothing.
 *
 * Capture gaps. libhtp 0.5.42 accepts a gap (data NULL, length n) only inside an identity body
 * (Content-Length, or to close) — there the next message still starts where expected, so the
 * gap is handed to libhtp, the transaction is marked and later ones parse normally. Anywhere
 * else (headers, chunked or compressed bodies, between messages) the position of the next
 * message is unknown: that direction stops being parsed for the rest of the connection, its
 * pending transactions are marked as touched by the gap, and the bytes are counted, never
 * guessed at.
 *
 * Packet boundaries do not change the result. Bytes go to libhtp in pieces that end at a line
 * end or exactly where a Content-Length body ends, and an unfinished start or header line is
 * held until its end arrives: libhtp 0.5.42 treats a line split across calls differently from
 * a whole one in places (and corrupts a status line split right after a body). Feeding a stream
 * whole, byte by byte or in any split gives the same transactions, times included (a message's
 * start time is the arrival of its first byte). Known exceptions, on malformed input only:
 * libhtp's recovery from invalid compressed data, and from some binary junk where a request
 * should be, still depends on how the bytes were chunked.
 *
 * Everything is bounded: start and header lines (max_field, ours, since libhtp applies its own
 * only to lines split across calls), header count, transactions in flight (max_pending), bytes
 * held while libhtp waits for the other direction (max_hold), and bodies kept (max_body, SCEP
 * transactions only). The libhtp parser is recycled at idle points so that its per-connection
 * transaction list does not grow for ever. libhtp's own log is switched off (its message list
 * grows per connection without a bound).
 */
#ifndef SS_HTTP_H
#define SS_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include "capture/mem.h"
#include "decode/scep_url.h"

#define SS_HTTP_URI_MAX     8192u /* raw request-target bytes copied into ss_http_tx.uri */
#define SS_HTTP_PATH_MAX    1024u
#define SS_HTTP_HTML_HEAD   512u /* first bytes of a text/HTML response body kept */
#define SS_HTTP_FIELD_SHORT 128u
#define SS_HTTP_FIELD_LONG  512u

typedef struct ss_http_limits {
    size_t max_body;      /* SCEP body bytes kept per message (after dechunking/decompression) */
    size_t max_field;     /* longest start line or header line (a longer one stops the side) */
    unsigned max_headers; /* headers per message */
    unsigned max_pending; /* transactions in flight per connection (beyond: SS_HTTP_LIMIT) */
    size_t max_hold;      /* bytes held while libhtp waits for the other direction (CONNECT) */
} ss_http_limits;

/* Defaults: max_body 1 MiB, max_field 128 KiB (NDES' raised 65534-byte query plus the rest of
 * the request line), max_headers 256, max_pending 32, max_hold 64 KiB. */
void ss_http_limits_init(ss_http_limits *lim);

/* Completeness and property flags of one transaction (ss_http_tx.flags). */
enum {
    SS_HTTP_REQ_COMPLETE = 1u << 0,  /* request fully seen, body as long as declared */
    SS_HTTP_REQ_CUT_SHORT = 1u << 1, /* request started but ended short (see *_seen vs
                                        req_content_length, and the close/finish flags) */
    SS_HTTP_REQ_MISSING = 1u << 2,   /* a response without any request seen */
    SS_HTTP_RES_COMPLETE = 1u << 3,
    SS_HTTP_RES_CUT_SHORT = 1u << 4,
    SS_HTTP_RES_MISSING = 1u << 5, /* not one byte of response */
    SS_HTTP_GAP_REQ = 1u << 6,     /* our capture lost bytes of this request (or of the request
                                      stream before it could be parsed) */
    SS_HTTP_GAP_RES = 1u << 7,     /* ... of this response */
    SS_HTTP_CLIENT_FIN = 1u << 8,  /* the client closed while this transaction was pending */
    SS_HTTP_CLIENT_RST = 1u << 9,
    SS_HTTP_SERVER_FIN = 1u << 10,
    SS_HTTP_SERVER_RST = 1u << 11,
    SS_HTTP_AT_FINISH = 1u << 12,   /* still pending at ss_http_conn_finish (end of capture,
                                       idle timeout, eviction: whatever ended the input) */
    SS_HTTP_REQ_INVALID = 1u << 13, /* libhtp could not parse the request stream here */
    SS_HTTP_RES_INVALID = 1u << 14,
    SS_HTTP_REQ_BODY_CAPPED = 1u << 15, /* req_body holds only the first max_body bytes */
    SS_HTTP_RES_BODY_CAPPED = 1u << 16,
    SS_HTTP_LIMIT = 1u << 17,    /* parsing stopped at max_pending / max_hold / memory */
    SS_HTTP_CONTINUE = 1u << 18, /* an interim "100 Continue" preceded the response */
    SS_HTTP_REQ_CHUNKED = 1u << 19,
    SS_HTTP_RES_CHUNKED = 1u << 20,
    SS_HTTP_RES_COMPRESSED = 1u << 21, /* Content-Encoding gzip/deflate/lzma (decompressed) */
    SS_HTTP_REQ_COMPRESSED = 1u << 22,
    SS_HTTP_TUNNEL = 1u << 23,       /* CONNECT or Upgrade: what follows is not HTTP */
    SS_HTTP_REQ_TOO_LONG = 1u << 24, /* a request line or header line over max_field */
    SS_HTTP_RES_TOO_LONG = 1u << 25  /* a status line or header line over max_field */
};

/* One request and its response. Pointer-free (copy it whole) except the four body/DER pointers,
 * which are valid only during the callback. Strings are NUL-terminated, cut to fit (the real
 * lengths are kept where they matter), NUL bytes replaced by '?'. Times are zero when unseen. */
typedef struct ss_http_tx {
    uint64_t index;     /* 0-based, in order of the requests on the connection */
    unsigned flags;     /* SS_HTTP_* above */
    uint64_t htp_flags; /* libhtp's anomaly flags (HTP_REQUEST_SMUGGLING, HTP_HOST_MISSING, ...) */

    /* request */
    char method[24];
    char protocol[16];             /* "HTTP/1.1", "" for HTTP/0.9 */
    char uri[SS_HTTP_URI_MAX + 1]; /* raw request-target as sent, first SS_HTTP_URI_MAX bytes */
    size_t uri_len;                /* its real length */
    char path[SS_HTTP_PATH_MAX];   /* path as IIS sees it (libhtp-normalised), cut to fit */
    size_t path_len;
    size_t query_off; /* query (after '?') is uri + query_off, query_len real bytes, */
    size_t query_len; /* of which min(query_len, strlen(uri) - query_off) are in uri */
    char host[256];   /* Host header */
    char user_agent[SS_HTTP_FIELD_LONG];
    char xff[256]; /* X-Forwarded-For */
    char req_content_type[SS_HTTP_FIELD_SHORT];
    int64_t req_content_length; /* declared; -1 when absent or invalid */
    uint64_t req_body_seen;     /* body bytes on the wire (before decompression) */
    uint64_t req_body_decoded;  /* after dechunking and decompression */
    uint64_t req_gap;           /* body bytes our capture lost */
    uint64_t req_header_bytes;  /* request line + headers, bytes on the wire */

    /* response */
    int status; /* 0 when no status line was seen */
    char res_protocol[16];
    char reason[SS_HTTP_FIELD_SHORT];
    char res_content_type[SS_HTTP_FIELD_SHORT];
    int64_t res_content_length;
    char server[SS_HTTP_FIELD_SHORT];
    uint64_t res_body_seen;
    uint64_t res_body_decoded;
    uint64_t res_gap;
    uint64_t res_header_bytes;
    uint8_t html_head[SS_HTTP_HTML_HEAD]; /* first bytes of a text/HTML (or untyped) body */
    size_t html_head_len;

    struct timeval req_start, req_end, res_start, res_end;

    /* SCEP, from the request line (ss_scep_url); scep.der valid during the callback only */
    ss_scep_url scep;
    /* Decoded bodies, kept only when scep.is_scep, up to max_body (see *_BODY_CAPPED) */
    const uint8_t *req_body;
    size_t req_body_len;
    const uint8_t *res_body;
    size_t res_body_len;
} ss_http_tx;

typedef void (*ss_http_tx_fn)(void *user, const ss_http_tx *tx);

typedef struct ss_http_ctx ss_http_ctx;
typedef struct ss_http_conn ss_http_conn;

/* Why a direction stopped being parsed (ss_http_conn_stats.stopped[dir]). */
typedef enum ss_http_stop {
    SS_HTTP_RUNNING = 0,
    SS_HTTP_STOP_GAP,     /* a capture gap outside an identity body */
    SS_HTTP_STOP_INVALID, /* libhtp found the stream unparseable */
    SS_HTTP_STOP_CLOSED,  /* FIN/RST, or finish */
    SS_HTTP_STOP_LIMIT,   /* a limit (max_pending, max_hold, max_field) or the memory budget */
    SS_HTTP_STOP_TUNNEL   /* CONNECT/Upgrade */
} ss_http_stop;

typedef struct ss_http_conn_stats {
    uint64_t txs;        /* transactions reported */
    uint64_t fed[2];     /* bytes handed to libhtp, per direction */
    uint64_t ignored[2]; /* bytes not parsed because the direction had stopped */
    uint64_t gap[2];     /* gap bytes reported by the capture layer */
    ss_http_stop stopped[2];
} ss_http_conn_stats;

/* lim may be NULL for defaults; mem (may be NULL) is charged with connection state and kept
 * bodies. Returns NULL with a message in err on failure. */
ss_http_ctx *ss_http_ctx_new(const ss_http_limits *lim, ss_mem *mem, char *err, size_t errlen);
void ss_http_ctx_free(ss_http_ctx *hc);

/* A parser for one TCP connection; hc must outlive it. cb runs with user for every transaction;
 * it must not call back into this connection. Returns NULL with a message in err. */
ss_http_conn *ss_http_conn_new(ss_http_ctx *hc, ss_http_tx_fn cb, void *user, char *err,
                               size_t errlen);

/* dir 0: client to server, 1: server to client. ts is the time of the packet that made these
 * bytes available (may be NULL). */
void ss_http_conn_data(ss_http_conn *c, int dir, const uint8_t *d, size_t n,
                       const struct timeval *ts);
/* n bytes of dir missing from OUR capture. */
void ss_http_conn_gap(ss_http_conn *c, int dir, uint64_t n, const struct timeval *ts);
/* dir sent FIN (reset 0) or RST (reset 1). A client FIN lets responses continue; a server FIN or
 * any RST ends the connection: every pending transaction is reported. */
void ss_http_conn_close(ss_http_conn *c, int dir, int reset, const struct timeval *ts);
/* End of input: reports every pending transaction, marked, without guessing completion. */
void ss_http_conn_finish(ss_http_conn *c, const struct timeval *ts);
void ss_http_conn_stats_get(const ss_http_conn *c, ss_http_conn_stats *out);
/* Frees without reporting (call finish first to report). c may be NULL. */
void ss_http_conn_free(ss_http_conn *c);

const char *ss_http_stop_name(ss_http_stop s);
/* Name of one SS_HTTP_* flag bit ("req_complete", ...); NULL for an unknown bit. */
const char *ss_http_flag_name(unsigned bit);

#endif

/* scepsniff.h — the public API of libscepsniff, the passive SCEP inspector.
 *
 * An engine takes packets (from libpcap or from a host program), reassembles TCP, and reports
 * events through one callback. It holds no globals: any number of engines may live in one
 * process, e.g. one per capture worker. Nothing here calls exit(); every error comes back as a
 * return value with a message in the caller's errbuf (SCEPSNIFF_ERRBUF_SIZE bytes).
 *
 * Ownership: everything an event points to belongs to the engine and is valid only during the
 * callback. Copy what you keep.
 */
#ifndef SCEPSNIFF_SCEPSNIFF_H
#define SCEPSNIFF_SCEPSNIFF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SCEPSNIFF_BUILDING) && defined(__GNUC__)
#define SCEPSNIFF_API __attribute__((visibility("default")))
#else
#define SCEPSNIFF_API
#endif

#define SCEPSNIFF_VERSION     "0.1.0"
#define SCEPSNIFF_ERRBUF_SIZE 256

struct pcap_pkthdr;

typedef struct scepsniff_engine scepsniff_engine;

/* Limits and behaviour. Fill with scepsniff_config_init() and then change what you need; new
 * fields are only ever added at the end. */
typedef struct scepsniff_config {
    size_t max_flows;           /* TCP flows tracked at once; the oldest idle is evicted beyond */
    size_t max_stream_buffer;   /* out-of-order bytes held per flow direction */
    size_t max_memory;          /* all flow, reassembly and fragment state together */
    unsigned syn_timeout;       /* seconds: a flow with no answer to its SYN ends after this */
    unsigned idle_timeout;      /* seconds: an established flow with no packet ends after this */
    unsigned closed_timeout;    /* seconds: a closed flow is kept this long for stragglers */
    uint64_t hash_seed;         /* flow-table hash seed; 0 picks a random one */
    int stream_events;          /* 1: report every stream event (the --flows diagnostic view) */
    int classify;               /* 1: classify HTTP/TLS flows with nDPI (SNI, app proxy) */
    unsigned stall_timeout;     /* seconds after GetCACert without a PKIOperation: "stalled" */
    unsigned cert_warn_days;    /* CA/RA certificates expiring within this many days: warning */
    const char *const *ra_keys; /* RA (NDES "CEP Encryption") private key files: PEM, DER or
                                   PKCS#12, to open requests and read their CSR; NULL: none */
    size_t nra_keys;
    const char *ra_key_password; /* for encrypted key files; NULL: none. Never logged. */
    int show_secrets;            /* 1: keep challenge passwords in reports (default: masked) */
    const char *keylog_file;     /* NSS key log (SSLKEYLOGFILE) to decrypt TLS; NULL: none */
    const char *expect_ca_thumbprints; /* SHA-1/SHA-256 of the CA the device profiles trust,
                                          comma-separated: GetCACert answers are checked */
    const char *const *ca_files; /* CA/RA certificates (PEM, DER, PKCS#7) the user vouches for:
                                    anchors for the thumbprint, signers for CertRep checks */
    size_t nca_files;
} scepsniff_config;

typedef enum scepsniff_event_type {
    SCEPSNIFF_EVENT_STREAM = 1,    /* a TCP stream event of one flow (kind, dir, count) */
    SCEPSNIFF_EVENT_FLOW_END = 2,  /* a flow ended: its final summary in ->flow */
    SCEPSNIFF_EVENT_EXCHANGE = 3,  /* one request (or connection attempt) and its fate */
    SCEPSNIFF_EVENT_ENROLLMENT = 4 /* one device's enrollment, when it ended */
} scepsniff_event_type;

typedef enum scepsniff_severity {
    SCEPSNIFF_SEV_OK = 0,  /* healthy, or worth knowing but not a problem */
    SCEPSNIFF_SEV_WARNING, /* works now, likely to fail, or cannot be judged */
    SCEPSNIFF_SEV_ERROR    /* enrollment fails here */
} scepsniff_severity;

/* What happened on a TCP stream. */
typedef enum scepsniff_stream_kind {
    SCEPSNIFF_STREAM_ESTABLISHED = 1, /* handshake completed (or a mid-stream pick-up) */
    SCEPSNIFF_STREAM_UNANSWERED,      /* SYNs without answer: count = SYNs, duration = span */
    SCEPSNIFF_STREAM_REFUSED,         /* RST answered the SYN */
    SCEPSNIFF_STREAM_DATA,            /* in-order bytes: dir, data, len */
    SCEPSNIFF_STREAM_GAP,             /* bytes missing from OUR capture: count = bytes */
    SCEPSNIFF_STREAM_FIN,             /* dir finished sending */
    SCEPSNIFF_STREAM_RST,             /* dir reset the established connection */
    SCEPSNIFF_STREAM_IDLE_TIMEOUT,    /* no packet for the idle timeout */
    SCEPSNIFF_STREAM_END_OF_CAPTURE,  /* input ended with the flow still open */
    SCEPSNIFF_STREAM_EVICTED          /* dropped at a flow-count or memory cap */
} scepsniff_stream_kind;

enum { SCEPSNIFF_DIR_TO_SERVER = 0, SCEPSNIFF_DIR_TO_CLIENT = 1 };

/* What a TLS flow showed (scepsniff_flow.tls). Without keys: the handshake (TLS 1.2 and
 * earlier also the server certificate), alerts and record sizes; with keys (--keylog, pcapng
 * secrets) the application data is decrypted and decoded like plain HTTP. */
typedef struct scepsniff_tls {
    char version[16]; /* "TLS 1.3", "" before the ServerHello */
    char cipher[64];  /* IANA name */
    char alpn[32];
    int handshake_complete; /* both Finished seen (or inferred from record order) */
    int alert_dir;          /* sender of the last alert, SCEPSNIFF_DIR_*; -1 none */
    int alert_level;        /* 1 warning, 2 fatal, -1 encrypted (unread) */
    char alert[40];         /* "handshake_failure", "certificate_expired", "encrypted", ... */
    char cert_subject[256]; /* server leaf certificate, when visible */
    char cert_issuer[256];
    char cert_not_after[24];
    int cert_expired; /* at the time it was seen */
    int cert_not_yet_valid;
    int cert_name_mismatch; /* the leaf does not cover the SNI */
    int keys;               /* a key for this connection was found */
    int decrypted[2];       /* application data decrypted, per direction */
    char not_decrypted[96]; /* why not, when a key was expected to work */
    uint32_t app_records[2];
    uint64_t app_bytes[2];
    char pairs[192]; /* request/response sizes and times: "517>1420@0.012 ..." */
    char ja3[33];    /* JA3 fingerprint of the ClientHello (MD5, hex), "" if none */
} scepsniff_tls;

/* One TCP flow, as far as it has been seen. Index [dir] with SCEPSNIFF_DIR_*. */
typedef struct scepsniff_flow {
    uint64_t id;        /* per engine, in order of first packet, from 1 */
    int ip_version;     /* 4 or 6 */
    char client_ip[46]; /* textual, as inet_ntop writes */
    char server_ip[46];
    uint16_t client_port;
    uint16_t server_port;
    int client_inferred; /* 1: no SYN seen; client chosen by ports */
    char app[16];        /* "HTTP", "TLS" or "" (nDPI, or the first payload bytes) */
    char sni[256];       /* TLS server name, "" when none */
    int app_proxy;       /* 1: SNI is a Microsoft Entra application proxy host */
    struct timeval first_seen;
    struct timeval last_seen;
    uint64_t packets[2];        /* frames per direction */
    uint64_t wire_bytes[2];     /* frame bytes per direction (as on the wire) */
    uint64_t payload_bytes[2];  /* TCP payload bytes per direction, incl. retransmissions */
    uint64_t delivered[2];      /* reassembled bytes handed on */
    uint64_t gap_bytes[2];      /* bytes missing from the capture */
    uint32_t syns;              /* SYNs from the client (retransmissions included) */
    uint32_t retransmits;       /* segments that were all already seen */
    uint32_t out_of_order;      /* segments that arrived ahead of a hole */
    uint32_t overlap_conflicts; /* overlaps whose bytes differed from the first copy */
    /* NULL unless the flow carried TLS records: most flows do not, and a closed flow is kept
     * for a while, so the summary is not part of every flow's record */
    const scepsniff_tls *tls;
} scepsniff_flow;

#define SCEPSNIFF_MAX_FINDINGS 8

/* One finding: a stable code from the catalogue (docs/findings.md) and what this occurrence
 * adds. The catalogue strings are static; detail is this occurrence's own. */
typedef struct scepsniff_finding {
    const char *code; /* "transport.blocked", "http.503", "scep.failure", ... */
    scepsniff_severity severity;
    const char *summary; /* one line */
    const char *causes;  /* likely causes, "; "-separated */
    const char *check;   /* what to check, "; "-separated */
    char doc[96];        /* "docs/findings.md#..." */
    char detail[256];    /* specifics: status, failInfo, HRESULT, sizes, names */
} scepsniff_finding;

/* One request and its fate, or one connection attempt that never carried a request. Times are
 * zero where not seen. */
typedef struct scepsniff_exchange {
    uint64_t id;           /* per engine, from 1 */
    char operation[32];    /* "GetCACaps", "GetCACert", "GetNextCACert", "PKIOperation",
                              "bare URL", an unknown operation as sent, or "connect" */
    char message_type[16]; /* PKIOperation: "PKCSReq", "RenewalReq", "CertPoll", ... */
    char method[16];
    char uri[256];  /* as sent, cut to fit (a GET PKIOperation is cut) */
    size_t uri_len; /* its real length */
    char host[128];
    char user_agent[256];
    char platform[24]; /* "Windows", "Android", "iOS/macOS", "other", "" */
    char device[64];   /* the client: X-Forwarded-For's first address, else the IP */
    int status;        /* HTTP status, 0 when none */
    char reason[64];
    char server_header[64];
    uint64_t request_bytes; /* body bytes */
    uint64_t response_bytes;
    char transaction_id[72]; /* SCEP transactionID, "" when none */
    char pki_status[12];     /* CertRep: "SUCCESS", "FAILURE", "PENDING" */
    char fail_info[24];      /* CertRep FAILURE: "badRequest", ... or the number */
    char hresult[48];        /* NDES SCEP error attribute: "0x80070057 E_INVALIDARG" */
    char csr_subject[256];   /* the CSR subject, when an RA key opened the request */
    const char *verdict;     /* the worst finding's code, or "ok" */
    scepsniff_severity severity;
    unsigned nfindings;
    scepsniff_finding findings[SCEPSNIFF_MAX_FINDINGS];
    struct timeval t_syn, t_established, t_request, t_request_end, t_response, t_response_end;
    const void *detail; /* internal decoded transaction for the JSON and -v renderers */
} scepsniff_exchange;

/* One device's enrollment: GetCACaps/GetCACert → PKIOperation(s) → CertRep. */
typedef struct scepsniff_enrollment {
    uint64_t id;
    char device[64];
    char platform[24];
    char user_agent[256];
    char server[64]; /* "ip:port" of the SCEP server it talked to */
    char transaction_id[72];
    const char *outcome; /* "issued", "refused", "pending", "stalled", "failed", "open" */
    char reason[256];    /* why, in words (the deciding finding's summary and detail) */
    unsigned exchanges;
    unsigned problems; /* exchanges with a warning or error */
    struct timeval start, end;
} scepsniff_enrollment;

typedef struct scepsniff_event {
    scepsniff_event_type type;
    struct timeval ts;
    const scepsniff_flow *flow;
    scepsniff_stream_kind kind; /* SCEPSNIFF_EVENT_STREAM only */
    int dir;                    /* SCEPSNIFF_DIR_*, where the kind has a direction */
    uint64_t count;             /* DATA/GAP: bytes; UNANSWERED: SYNs sent */
    double duration;            /* UNANSWERED: seconds from first to last SYN */
    const uint8_t *data;        /* DATA: the bytes */
    size_t len;
    const scepsniff_exchange *exchange;     /* SCEPSNIFF_EVENT_EXCHANGE */
    const scepsniff_enrollment *enrollment; /* SCEPSNIFF_EVENT_ENROLLMENT */
} scepsniff_event;

typedef void (*scepsniff_event_fn)(const scepsniff_event *ev, void *user);

/* Counters for the whole run; nothing is dropped without being counted here. */
typedef struct scepsniff_stats {
    uint64_t packets; /* handed to scepsniff_engine_packet */
    uint64_t bytes;
    uint64_t tcp_packets;
    uint64_t not_ip;               /* link payload that is not IPv4/IPv6 (ARP, LLDP, ...) */
    uint64_t not_tcp;              /* IP, but UDP, ICMP, ... */
    uint64_t truncated;            /* cut by the capture (snaplen) before the TCP header ended */
    uint64_t payload_cut;          /* TCP payload cut by the capture (snaplen): capture gaps */
    uint64_t invalid;              /* malformed headers */
    uint64_t ip_fragments;         /* IPv4/IPv6 fragments seen */
    uint64_t ip_reassembled;       /* datagrams rebuilt from fragments */
    uint64_t ip_frag_dropped;      /* fragments given up (timeout, cap, overlap) */
    uint64_t flows;                /* flows created */
    uint64_t flows_evicted;        /* flows dropped at the flow or memory cap */
    uint64_t stream_bytes_dropped; /* out-of-order bytes dropped at the buffer/memory cap */
    size_t memory_in_use;
    size_t memory_peak;
    size_t flows_active;
} scepsniff_stats;

SCEPSNIFF_API void scepsniff_config_init(scepsniff_config *cfg);

/* Returns NULL with a message in errbuf on failure. cfg may be NULL for defaults. */
SCEPSNIFF_API scepsniff_engine *scepsniff_engine_new(const scepsniff_config *cfg,
                                                     scepsniff_event_fn on_event, void *user,
                                                     char *errbuf);

/* 1 when scepsniff decodes this DLT/LINKTYPE value. */
SCEPSNIFF_API int scepsniff_linktype_supported(int linktype);

/* Feed one packet. Returns 0 when it was used or counted (any wire content is accepted and
 * counted), -1 when linktype is unsupported. */
SCEPSNIFF_API int scepsniff_engine_packet(scepsniff_engine *e, int linktype,
                                          const struct pcap_pkthdr *hdr, const uint8_t *pkt);

/* The id of the flow the packet last given to scepsniff_engine_packet belongs to (0: none —
 * not TCP, malformed, an IP fragment still waiting). Lets a host keep packets per flow, e.g.
 * to write out the flows that carried SCEP. */
SCEPSNIFF_API uint64_t scepsniff_engine_last_flow(const scepsniff_engine *e);

/* Adds TLS secrets in NSS key log format (as SSLKEYLOGFILE writes, or as a pcapng Decryption
 * Secrets Block carries them). Returns 0, or -1 with a message. Secrets added after a flow's
 * first TLS record do not apply to that flow. */
SCEPSNIFF_API int scepsniff_engine_add_keylog(scepsniff_engine *e, const char *text, size_t len,
                                              char *errbuf);

/* Advance time without a packet (live capture): expire idle flows and report them. */
SCEPSNIFF_API void scepsniff_engine_tick(scepsniff_engine *e, struct timeval now);

/* End of input: report everything still open as open at end of capture. */
SCEPSNIFF_API void scepsniff_engine_finish(scepsniff_engine *e);

SCEPSNIFF_API void scepsniff_engine_stats(const scepsniff_engine *e, scepsniff_stats *out);

SCEPSNIFF_API void scepsniff_engine_free(scepsniff_engine *e);

/* Names for the enum values, for reports ("established", "gap", ...). */
SCEPSNIFF_API const char *scepsniff_stream_kind_name(scepsniff_stream_kind k);

/* One JSON object (no newline) for the event into buf. Returns the length it needs (excluding
 * the NUL), like snprintf, or -1 on error. */
SCEPSNIFF_API int scepsniff_event_to_json(const scepsniff_event *ev, char *buf, size_t len);

/* The decoded fields of an exchange (HTTP and SCEP: signer, attributes, envelope, CertRep,
 * capabilities, certificates) as readable multi-line text, each line starting with indent.
 * Like snprintf: returns the length needed (excluding the NUL) and cuts at len. Valid only
 * inside the event callback that carries the exchange. */
SCEPSNIFF_API size_t scepsniff_exchange_describe(const scepsniff_exchange *ex, const char *indent,
                                                 char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif

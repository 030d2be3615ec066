/* packet.h — from a captured frame to the TCP segment inside it.
 *
 * ss_packet_decode() walks link layer (Ethernet + 802.1Q/802.1ad tags, Linux SLL and SLL2, raw
 * IP, BSD NULL/LOOP), IPv4 (options) or IPv6 (extension headers) and TCP, each layer clamped to
 * min(captured, declared) length so that Ethernet padding never becomes payload. IP fragments
 * go through the engine's ss_ipfrag table and come out whole, or are held.
 *
 * Outcomes are kept apart all the way up: TRUNCATED means our capture lacks bytes (snaplen),
 * INVALID means the bytes on the wire are malformed. Neither is a network failure.
 */
#ifndef SS_PACKET_H
#define SS_PACKET_H

#include <stdint.h>
#include <sys/time.h>

struct ss_ipfrag;

typedef enum ss_pkt_status {
    SS_PKT_TCP = 0,      /* a TCP segment: every ss_packet field is set */
    SS_PKT_NOT_IP,       /* link payload is not IPv4/IPv6 */
    SS_PKT_NOT_TCP,      /* IP carrying another protocol */
    SS_PKT_TRUNCATED,    /* the capture cut the headers short */
    SS_PKT_INVALID,      /* malformed headers */
    SS_PKT_FRAG_HELD,    /* an IP fragment, kept until its datagram is complete */
    SS_PKT_FRAG_DROPPED, /* an IP fragment given up (cap, overlap conflict) */
    SS_PKT_UNSUPPORTED_LINK
} ss_pkt_status;

/* TCP flag bits as in the header. */
enum { SS_TH_FIN = 0x01, SS_TH_SYN = 0x02, SS_TH_RST = 0x04, SS_TH_PUSH = 0x08, SS_TH_ACK = 0x10 };

typedef struct ss_packet {
    struct timeval ts;
    uint8_t ip_version;       /* 4 or 6 */
    uint8_t src[16], dst[16]; /* IPv4 in the first 4 bytes, rest zero */
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags; /* SS_TH_* */
    uint16_t window;
    const uint8_t *payload; /* TCP payload actually captured */
    uint32_t payload_len;
    uint32_t payload_declared; /* what IP's length says; > payload_len when snaplen cut it */
    const uint8_t *l3;         /* the IP header onward, for nDPI */
    uint32_t l3_len;           /* captured bytes from l3, clamped to the IP length */
    uint32_t wire_len;         /* the frame's original length */
    int from_fragments;        /* 1: rebuilt from IP fragments (payload lives in the frag table) */
} ss_packet;

/* Decodes one frame. frag may be NULL (fragments are then counted and dropped). The packet's
 * pointers refer to pkt, or to frag's buffer when rebuilt; valid until the next call. */
ss_pkt_status ss_packet_decode(int linktype, const struct timeval *ts, const uint8_t *pkt,
                               uint32_t caplen, uint32_t wirelen, struct ss_ipfrag *frag,
                               ss_packet *out);

/* 1 for the DLT/LINKTYPE values ss_packet_decode understands. */
int ss_packet_linktype_supported(int linktype);

#endif

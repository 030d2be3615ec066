/* packet.c — from a captured frame to the TCP segment inside it (see packet.h).
 *
 * Follows IEEE 802.3/802.1Q (Ethernet and VLAN tags), the Linux cooked headers (SLL, SLL2),
 * BSD NULL/LOOP, RFC 791 §3.1 (IPv4 header), RFC 8200 §4 (IPv6 extension headers), RFC 4302
 * §2 (AH length) and RFC 9293 §3.1 (TCP header).
 *
 * Every layer is read through a `layer`: a checked cursor over the captured bytes, clamped to
 * the layer's declared length, plus that declared length itself. A read that needs more than
 * the declared length is INVALID (the packet contradicts itself); a read within the declared
 * length but past the captured bytes is TRUNCATED when the capture cut the frame (caplen <
 * wirelen), and INVALID when the whole frame was captured (a runt on the wire).
 *
 * Choices worth knowing:
 * - Only TCP is reassembled from IP fragments (others are NOT_TCP at once, costing no memory).
 *   A rebuilt segment has from_fragments=1 and l3=NULL/l3_len=0: nDPI sees unfragmented
 *   packets only, since it would need an IP header in front of the rebuilt payload.
 * - A fragment whose bytes the capture cut is TRUNCATED and not offered (it would leave a hole).
 * - IPv4 total length 0 (Linux BIG TCP) and IPv6 jumbograms (payload length 0, RFC 2675) are
 *   INVALID: neither fits a declared length we can trust, and SCEP never needs them.
 * - IPv4 header checksums are not checked: checksum offload makes them wrong in captures.
 * - 802.3 frames with an LLC header (ethertype < 0x0600) are NOT_IP, even IP over SNAP.
 */
#include "packet.h"

#include <pcap/dlt.h>
#include <string.h>

#include "cursor.h"
#include "ipfrag.h"

#define LINKTYPE_RAW_VALUE  101 /* LINKTYPE_RAW in files; DLT_RAW is 12 or 14 by platform */
#define LINKTYPE_IPV4_VALUE 228
#define LINKTYPE_IPV6_VALUE 229
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

enum {
    ETH_HDR = 14,
    SLL_HDR = 16,
    SLL2_HDR = 20,
    ETHERTYPE_IPV4 = 0x0800,
    ETHERTYPE_IPV6 = 0x86dd,
    ETHERTYPE_MIN = 0x0600, /* below: an 802.3 length, an LLC header follows */
    MAX_VLAN_TAGS = 4,
    MAX_IP6_EXT = 8, /* extension headers walked before giving up */
    IPPROTO_TCP_NUM = 6,
    IP6_HOPOPTS = 0,
    IP6_ROUTING = 43,
    IP6_FRAGMENT = 44,
    IP6_AH = 51,
    IP6_DSTOPTS = 60,
    IP4_MF = 0x2000,
    IP4_OFFMASK = 0x1fff,
};

/* One layer's bytes: what was captured (clamped to the declaration) and what was declared. */
typedef struct layer {
    ss_cursor c;
    uint32_t decl; /* bytes the enclosing header says this layer has */
    int cut;       /* 1 when the capture dropped bytes of the frame (snaplen) */
} layer;

/* Returned by the layer helpers for "go on"; SS_PKT_TCP is also the final success. */
#define PKT_OK SS_PKT_TCP

/* The status for needing n bytes when fewer are there. */
static ss_pkt_status missing(const layer *l, size_t n)
{
    if (n > l->decl)
        return SS_PKT_INVALID;
    return l->cut ? SS_PKT_TRUNCATED : SS_PKT_INVALID;
}

/* Moves past n bytes of the layer, handing them back as a cursor of their own. */
static ss_pkt_status take(layer *l, size_t n, ss_cursor *out)
{
    const uint8_t *p;

    if (n > l->decl || ss_cur_bytes(&l->c, n, &p) != 0)
        return missing(l, n);
    l->decl -= (uint32_t)n;
    *out = ss_cur(p, n);
    return PKT_OK;
}

/* Narrows the layer to the declared length n of the next one (IP total length). */
static void declare(layer *l, uint32_t n)
{
    l->decl = n;
    ss_cur_clamp(&l->c, n);
}

typedef enum link_kind {
    LINK_NONE,
    LINK_ETHER,
    LINK_SLL,
    LINK_SLL2,
    LINK_RAW,
    LINK_IPV4,
    LINK_IPV6,
    LINK_NULL,
    LINK_LOOP
} link_kind;

/* An if-chain, not a switch: DLT_RAW and DLT_LOOP take different values by platform. */
static link_kind link_of(int linktype)
{
    if (linktype == DLT_EN10MB)
        return LINK_ETHER;
    if (linktype == DLT_LINUX_SLL)
        return LINK_SLL;
    if (linktype == DLT_LINUX_SLL2)
        return LINK_SLL2;
    if (linktype == DLT_RAW || linktype == LINKTYPE_RAW_VALUE)
        return LINK_RAW;
    if (linktype == LINKTYPE_IPV4_VALUE)
        return LINK_IPV4;
    if (linktype == LINKTYPE_IPV6_VALUE)
        return LINK_IPV6;
    if (linktype == DLT_NULL)
        return LINK_NULL;
    if (linktype == DLT_LOOP)
        return LINK_LOOP;
    return LINK_NONE;
}

int ss_packet_linktype_supported(int linktype)
{
    return link_of(linktype) != LINK_NONE;
}

/* Skips 802.1Q (0x8100), 802.1ad (0x88a8) and the older 0x9100 tags in front of *etype. */
static ss_pkt_status skip_vlan_tags(layer *l, uint16_t *etype)
{
    ss_cursor h;
    ss_pkt_status st;
    int tags = 0;

    while (*etype == 0x8100 || *etype == 0x88a8 || *etype == 0x9100) {
        if (tags++ == MAX_VLAN_TAGS)
            return SS_PKT_INVALID;
        if ((st = take(l, 4, &h)) != PKT_OK)
            return st;
        if (ss_cur_skip(&h, 2) || ss_cur_be16(&h, etype))
            return SS_PKT_INVALID;
    }
    return PKT_OK;
}

/* BSD address family values for IPv6 differ by OS (NetBSD/OpenBSD 24, FreeBSD 28, macOS 30). */
static uint16_t etype_of_af(uint32_t af)
{
    if (af == 2)
        return ETHERTYPE_IPV4;
    if (af == 24 || af == 28 || af == 30)
        return ETHERTYPE_IPV6;
    return 0;
}

/* Walks the link header; *etype becomes ETHERTYPE_IPV4/IPV6 or another (non-IP) value. */
static ss_pkt_status decode_link(link_kind k, layer *l, uint16_t *etype)
{
    ss_cursor h;
    ss_pkt_status st = PKT_OK;
    uint32_t af = 0;
    uint8_t vers;

    switch (k) {
    case LINK_ETHER:
        if ((st = take(l, ETH_HDR, &h)) != PKT_OK)
            return st;
        if (ss_cur_skip(&h, 12) || ss_cur_be16(&h, etype))
            return SS_PKT_INVALID;
        return skip_vlan_tags(l, etype);
    case LINK_SLL: /* packet type, ARPHRD, address length, address[8], protocol */
        if ((st = take(l, SLL_HDR, &h)) != PKT_OK)
            return st;
        if (ss_cur_skip(&h, 14) || ss_cur_be16(&h, etype))
            return SS_PKT_INVALID;
        return skip_vlan_tags(l, etype); /* libpcap puts stripped tags back here */
    case LINK_SLL2: /* protocol, reserved, ifindex, ARPHRD, packet type, address length+[8] */
        if ((st = take(l, SLL2_HDR, &h)) != PKT_OK)
            return st;
        if (ss_cur_be16(&h, etype))
            return SS_PKT_INVALID;
        return skip_vlan_tags(l, etype);
    case LINK_RAW: {
        ss_cursor peek = l->c;
        if (ss_cur_u8(&peek, &vers))
            return missing(l, 1);
        vers >>= 4;
        if (vers != 4 && vers != 6)
            return SS_PKT_INVALID;
        *etype = vers == 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6;
        return PKT_OK;
    }
    case LINK_IPV4:
        *etype = ETHERTYPE_IPV4;
        return PKT_OK;
    case LINK_IPV6:
        *etype = ETHERTYPE_IPV6;
        return PKT_OK;
    case LINK_NULL: /* the capturing host's byte order: an AF value never exceeds 16 bits */
        if ((st = take(l, 4, &h)) != PKT_OK)
            return st;
        if (ss_cur_le32(&h, &af))
            return SS_PKT_INVALID;
        if (af > 0xffff)
            af = ((af & 0xff) << 24) | ((af & 0xff00) << 8) | ((af >> 8) & 0xff00) | (af >> 24);
        *etype = etype_of_af(af);
        return PKT_OK;
    case LINK_LOOP:
        if ((st = take(l, 4, &h)) != PKT_OK)
            return st;
        if (ss_cur_be32(&h, &af))
            return SS_PKT_INVALID;
        *etype = etype_of_af(af);
        return PKT_OK;
    case LINK_NONE:
        break;
    }
    return SS_PKT_UNSUPPORTED_LINK;
}

/* TCP header (RFC 9293 §3.1); the rest of the layer is payload. */
static ss_pkt_status decode_tcp(layer *l, ss_packet *out)
{
    ss_cursor h;
    ss_pkt_status st;
    uint8_t off, flags;
    uint16_t csum, urg;
    size_t thl;

    if ((st = take(l, 20, &h)) != PKT_OK)
        return st;
    if (ss_cur_be16(&h, &out->sport) || ss_cur_be16(&h, &out->dport) ||
        ss_cur_be32(&h, &out->seq) || ss_cur_be32(&h, &out->ack) || ss_cur_u8(&h, &off) ||
        ss_cur_u8(&h, &flags) || ss_cur_be16(&h, &out->window) || ss_cur_be16(&h, &csum) ||
        ss_cur_be16(&h, &urg))
        return SS_PKT_INVALID;
    thl = (size_t)(off >> 4) * 4;
    if (thl < 20)
        return SS_PKT_INVALID;
    if ((st = take(l, thl - 20, &h)) != PKT_OK) /* options: not needed here */
        return st;
    out->flags = flags;
    out->payload = l->c.p;
    out->payload_len = (uint32_t)l->c.len;
    out->payload_declared = l->decl;
    return SS_PKT_TCP;
}

/* The layer becomes the rebuilt payload held by the fragment table. */
static void use_reassembled(layer *l, const uint8_t *buf, uint32_t n, ss_packet *out)
{
    l->c = ss_cur(buf, n);
    l->decl = n;
    l->cut = 0;
    out->from_fragments = 1;
    out->l3 = NULL;
    out->l3_len = 0;
}

static ss_pkt_status frag_status(ss_frag_result r)
{
    return r == SS_FRAG_HELD ? SS_PKT_FRAG_HELD : SS_PKT_FRAG_DROPPED;
}

/* IPv4 header (RFC 791 §3.1); options are skipped. */
static ss_pkt_status decode_ipv4(layer *l, ss_ipfrag *frag, ss_packet *out)
{
    const uint8_t *start = l->c.p, *src, *dst, *buf = NULL;
    size_t captured = l->c.len;
    ss_cursor h;
    ss_pkt_status st;
    ss_frag_result r;
    uint8_t vihl, tos, ttl, proto;
    uint16_t total, id, frag_field, csum;
    uint32_t ihl, n = 0;

    if ((st = take(l, 20, &h)) != PKT_OK)
        return st;
    if (ss_cur_u8(&h, &vihl) || ss_cur_u8(&h, &tos) || ss_cur_be16(&h, &total) ||
        ss_cur_be16(&h, &id) || ss_cur_be16(&h, &frag_field) || ss_cur_u8(&h, &ttl) ||
        ss_cur_u8(&h, &proto) || ss_cur_be16(&h, &csum) || ss_cur_bytes(&h, 4, &src) ||
        ss_cur_bytes(&h, 4, &dst))
        return SS_PKT_INVALID;
    ihl = (uint32_t)(vihl & 0x0f) * 4;
    if (vihl >> 4 != 4 || ihl < 20 || total < ihl)
        return SS_PKT_INVALID;
    if ((st = take(l, ihl - 20, &h)) != PKT_OK) /* options: not needed here */
        return st;
    memcpy(out->src, src, 4);
    memcpy(out->dst, dst, 4);
    out->ip_version = 4;
    out->l3 = start;
    out->l3_len = captured < total ? (uint32_t)captured : total;
    declare(l, total - ihl);
    if (proto != IPPROTO_TCP_NUM)
        return SS_PKT_NOT_TCP;
    if ((frag_field & (IP4_MF | IP4_OFFMASK)) == 0)
        return decode_tcp(l, out);

    if (l->c.len < l->decl)
        return missing(l, l->decl);
    if (!frag)
        return SS_PKT_FRAG_DROPPED;
    r = ss_ipfrag_add(frag, &out->ts, 4, out->src, out->dst, id, proto,
                      (uint32_t)(frag_field & IP4_OFFMASK) * 8, (frag_field & IP4_MF) != 0, l->c.p,
                      l->decl, &buf, &n);
    if (r != SS_FRAG_DONE)
        return frag_status(r);
    use_reassembled(l, buf, n, out);
    return decode_tcp(l, out);
}

/* Whether a header that starts the fragmentable part can lead to TCP (RFC 8200 §4.5). */
static int ip6_may_lead_to_tcp(uint8_t nh)
{
    return nh == IPPROTO_TCP_NUM || nh == IP6_DSTOPTS || nh == IP6_ROUTING || nh == IP6_AH;
}

/* IPv6 header and extension headers (RFC 8200 §4), up to TCP. */
static ss_pkt_status decode_ipv6(layer *l, ss_ipfrag *frag, ss_packet *out)
{
    const uint8_t *start = l->c.p, *buf = NULL;
    size_t captured = l->c.len, hlen;
    ss_cursor h;
    ss_pkt_status st;
    ss_frag_result r;
    uint32_t vtf, id, n = 0;
    uint16_t plen, offflags;
    uint8_t nh, hlim, extlen, reserved;
    const uint8_t *src, *dst;
    int hdrs, ah, rebuilt = 0;

    if ((st = take(l, 40, &h)) != PKT_OK)
        return st;
    if (ss_cur_be32(&h, &vtf) || ss_cur_be16(&h, &plen) || ss_cur_u8(&h, &nh) ||
        ss_cur_u8(&h, &hlim) || ss_cur_bytes(&h, 16, &src) || ss_cur_bytes(&h, 16, &dst))
        return SS_PKT_INVALID;
    if (vtf >> 28 != 6)
        return SS_PKT_INVALID;
    memcpy(out->src, src, 16);
    memcpy(out->dst, dst, 16);
    out->ip_version = 6;
    out->l3 = start;
    out->l3_len = captured < 40u + plen ? (uint32_t)captured : 40u + plen;
    declare(l, plen); /* a jumbogram (plen 0) then fails on its hop-by-hop header: INVALID */

    for (hdrs = 0; nh != IPPROTO_TCP_NUM; hdrs++) {
        if (hdrs == MAX_IP6_EXT)
            return SS_PKT_INVALID;
        switch (nh) {
        case IP6_HOPOPTS: /* only straight after the IPv6 header (§4.3) */
            if (hdrs != 0 || rebuilt)
                return SS_PKT_INVALID;
            /* fall through */
        case IP6_ROUTING:
        case IP6_DSTOPTS: /* next header, length in 8-octet units not counting the first */
        case IP6_AH:      /* next header, length in 4-octet units minus 2 (RFC 4302 §2.2) */
            if ((st = take(l, 2, &h)) != PKT_OK)
                return st;
            ah = nh == IP6_AH;
            if (ss_cur_u8(&h, &nh) || ss_cur_u8(&h, &extlen))
                return SS_PKT_INVALID;
            hlen = ah ? ((size_t)extlen + 2) * 4 : ((size_t)extlen + 1) * 8;
            if ((st = take(l, hlen - 2, &h)) != PKT_OK)
                return st;
            break;
        case IP6_FRAGMENT:
            if ((st = take(l, 8, &h)) != PKT_OK)
                return st;
            if (ss_cur_u8(&h, &nh) || ss_cur_u8(&h, &reserved) || ss_cur_be16(&h, &offflags) ||
                ss_cur_be32(&h, &id))
                return SS_PKT_INVALID;
            if ((offflags & 0xfff9) == 0)
                break; /* an atomic fragment (RFC 6946): the whole datagram, go on */
            if (rebuilt)
                return SS_PKT_INVALID; /* a fragment inside a fragment */
            if (!ip6_may_lead_to_tcp(nh))
                return SS_PKT_NOT_TCP;
            if (l->c.len < l->decl)
                return missing(l, l->decl);
            if (!frag)
                return SS_PKT_FRAG_DROPPED;
            r = ss_ipfrag_add(frag, &out->ts, 6, out->src, out->dst, id, nh, offflags & 0xfff8,
                              offflags & 1, l->c.p, l->decl, &buf, &n);
            if (r != SS_FRAG_DONE)
                return frag_status(r);
            use_reassembled(l, buf, n, out);
            rebuilt = 1;
            break;
        default: /* ESP (50), no next header (59), UDP, ICMPv6, ... */
            return SS_PKT_NOT_TCP;
        }
    }
    return decode_tcp(l, out);
}

ss_pkt_status ss_packet_decode(int linktype, const struct timeval *ts, const uint8_t *pkt,
                               uint32_t caplen, uint32_t wirelen, struct ss_ipfrag *frag,
                               ss_packet *out)
{
    link_kind k = link_of(linktype);
    ss_pkt_status st;
    uint16_t etype = 0;
    layer l;

    memset(out, 0, sizeof *out);
    if (ts)
        out->ts = *ts;
    out->wire_len = wirelen;
    if (k == LINK_NONE)
        return SS_PKT_UNSUPPORTED_LINK;
    if (!pkt)
        caplen = 0;
    l.c = ss_cur(pkt, caplen);
    l.cut = caplen < wirelen;
    l.decl = l.cut ? wirelen : caplen;

    if ((st = decode_link(k, &l, &etype)) != PKT_OK)
        return st;
    if (etype == ETHERTYPE_IPV4)
        return decode_ipv4(&l, frag, out);
    if (etype == ETHERTYPE_IPV6)
        return decode_ipv6(&l, frag, out);
    return SS_PKT_NOT_IP;
}

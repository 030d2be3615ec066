/* frames.c — test frame builder (see frames.h). */
#include "tests/support/frames.h"

#include <arpa/inet.h>

static void be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
    be16(p, (uint16_t)(v >> 16));
    be16(p + 2, (uint16_t)v);
}

size_t ss_test_frame(uint8_t *buf, const ss_test_tcp *t)
{
    size_t iphl = t->v6 ? 40 : 20, n = 14 + iphl + 20 + t->len;
    memset(buf, 0, n);
    buf[5] = 1;
    buf[11] = 2;
    be16(buf + 12, t->v6 ? 0x86dd : 0x0800);
    uint8_t *ip = buf + 14;
    if (t->v6) {
        ip[0] = 0x60;
        be16(ip + 4, (uint16_t)(20 + t->len));
        ip[6] = 6;
        ip[7] = 64;
        inet_pton(AF_INET6, t->src, ip + 8);
        inet_pton(AF_INET6, t->dst, ip + 24);
    } else {
        ip[0] = 0x45;
        be16(ip + 2, (uint16_t)(20 + 20 + t->len));
        ip[8] = 64;
        ip[9] = 6;
        inet_pton(AF_INET, t->src, ip + 12);
        inet_pton(AF_INET, t->dst, ip + 16);
    }
    uint8_t *tcp = ip + iphl;
    be16(tcp, t->sport);
    be16(tcp + 2, t->dport);
    be32(tcp + 4, t->seq);
    be32(tcp + 8, t->ack);
    tcp[12] = 5 << 4;
    tcp[13] = t->flags;
    be16(tcp + 14, 65535);
    if (t->len)
        memcpy(tcp + 20, t->payload, t->len);
    return n;
}

/* community_id.c — Community ID v1 (see community_id.h): SHA-1 over seed, the ordered
 * endpoints, protocol and ports, base64-encoded; OpenSSL does the hash and the encoding. */
#include "lib/community_id.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <string.h>

#define SS_IPPROTO_TCP 6

int ss_community_id(const char *src_ip, uint16_t src_port, const char *dst_ip, uint16_t dst_port,
                    uint16_t seed, char *buf, size_t len)
{
    uint8_t a[16], b[16];
    size_t alen = 4;
    if (inet_pton(AF_INET, src_ip, a) == 1) {
        if (inet_pton(AF_INET, dst_ip, b) != 1)
            return -1;
    } else if (inet_pton(AF_INET6, src_ip, a) == 1 && inet_pton(AF_INET6, dst_ip, b) == 1) {
        alen = 16;
    } else {
        return -1;
    }
    /* the lower endpoint (address, then port) goes first, so both directions hash alike */
    int c = memcmp(a, b, alen);
    const uint8_t *s = a, *d = b;
    uint16_t sp = src_port, dp = dst_port;
    if (c > 0 || (c == 0 && sp > dp)) {
        s = b;
        d = a;
        sp = dst_port;
        dp = src_port;
    }
    uint8_t msg[2 + 16 + 16 + 2 + 4], *p = msg;
    *p++ = (uint8_t)(seed >> 8);
    *p++ = (uint8_t)seed;
    memcpy(p, s, alen);
    p += alen;
    memcpy(p, d, alen);
    p += alen;
    *p++ = SS_IPPROTO_TCP;
    *p++ = 0;
    *p++ = (uint8_t)(sp >> 8);
    *p++ = (uint8_t)sp;
    *p++ = (uint8_t)(dp >> 8);
    *p++ = (uint8_t)dp;
    uint8_t digest[EVP_MAX_MD_SIZE];
    unsigned dlen = 0;
    if (!EVP_Digest(msg, (size_t)(p - msg), digest, &dlen, EVP_sha1(), NULL))
        return -1;
    uint8_t b64[64];
    int n = EVP_EncodeBlock(b64, digest, (int)dlen);
    if (n <= 0 || len < (size_t)n + 3)
        return -1;
    memcpy(buf, "1:", 2);
    memcpy(buf + 2, b64, (size_t)n);
    buf[n + 2] = '\0';
    return 0;
}

/* pcapng_secrets.c — Decryption Secrets Blocks from a pcapng file (see pcapng_secrets.h).
 *
 *  block:  type (4) | total length (4) | body ... | total length (4)
 *  SHB:    type 0x0A0D0D0A, body starts with the byte-order magic 0x1A2B3C4D (sets endianness
 *          for its section)
 *  DSB:    type 0x0000000A, body: secrets type (4) | secrets length (4) | data, padded to 4
 *          secrets type 0x544C534B "TLSK" = NSS key log text
 */
#include "capture/pcapng_secrets.h"

#include <stdlib.h>
#include <string.h>

#define SHB_TYPE    0x0A0D0D0Au
#define DSB_TYPE    0x0000000Au
#define BOM         0x1A2B3C4Du
#define TLS_KEY_LOG 0x544C534Bu

static uint32_t get32(const uint8_t *p, int big)
{
    return big ? ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3])
               : ((uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]);
}

int ss_pcapng_secrets(FILE *f, ss_secrets_fn fn, void *ctx, char *err, size_t errlen)
{
    uint8_t hdr[12];
    int big = 0, found = 0, first = 1;
    if (fseek(f, 0, SEEK_SET) != 0)
        return 0; /* a pipe: the secrets cannot be read ahead of the packets */
    for (;;) {
        size_t got = fread(hdr, 1, 8, f);
        if (got == 0)
            return found;
        if (got < 8)
            goto broken;
        uint32_t type = get32(hdr, 0); /* the SHB type reads the same in both orders */
        if (type == SHB_TYPE) {
            if (fread(hdr + 8, 1, 4, f) != 4)
                goto broken;
            if (get32(hdr + 8, 0) == BOM)
                big = 0;
            else if (get32(hdr + 8, 1) == BOM)
                big = 1;
            else
                goto broken;
            if (fseek(f, -4, SEEK_CUR) != 0)
                goto broken;
        } else if (first) {
            return 0; /* not pcapng */
        } else {
            type = get32(hdr, big);
        }
        first = 0;
        uint32_t total = get32(hdr + 4, big);
        if (total < 12 || total % 4)
            goto broken;
        uint32_t body = total - 12;
        if (type == DSB_TYPE && body >= 8 && body <= SS_PCAPNG_MAX_SECRETS) {
            uint8_t *b = malloc(body);
            if (!b || fread(b, 1, body, f) != body) {
                free(b);
                goto broken;
            }
            uint32_t stype = get32(b, big), slen = get32(b + 4, big);
            if (stype == TLS_KEY_LOG && slen <= body - 8) {
                fn(ctx, (const char *)b + 8, slen);
                found++;
            }
            free(b);
            if (fseek(f, 4, SEEK_CUR) != 0)
                goto broken;
        } else if (fseek(f, (long)body + 4, SEEK_CUR) != 0) {
            goto broken;
        }
    }
broken:
    snprintf(err, errlen, "pcapng block structure broken after %d secrets blocks", found);
    return -1;
}

/* pcapng_secrets.h — the TLS key logs carried in a pcapng file's Decryption Secrets Blocks
 * (pcapng spec §4.7, as `editcap --inject-secrets` writes them). libpcap 1.10 skips these
 * blocks, so scepsniff walks the file's blocks itself, before the packets are read. */
#ifndef SS_PCAPNG_SECRETS_H
#define SS_PCAPNG_SECRETS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Called with the NSS key log text of each TLS secrets block. */
typedef void (*ss_secrets_fn)(void *ctx, const char *text, size_t len);

/* Reads f from its start. Returns the number of TLS secrets blocks found (0 also for a file
 * that is not pcapng), or -1 with a message in err when the block structure is broken (the
 * blocks before the damage were used). Blocks over SS_PCAPNG_MAX_SECRETS are skipped. */
#define SS_PCAPNG_MAX_SECRETS (16u * 1024 * 1024)
int ss_pcapng_secrets(FILE *f, ss_secrets_fn fn, void *ctx, char *err, size_t errlen);

#endif

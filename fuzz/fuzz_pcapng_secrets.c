/* fuzz_pcapng_secrets.c — libFuzzer target for the pcapng Decryption Secrets Block reader:
 * the input is a whole file, read through fmemopen as the command reads a real one. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "capture/pcapng_secrets.h"

static void consume(void *ctx, const char *text, size_t len)
{
    size_t *sum = ctx;
    for (size_t i = 0; i < len; i++) /* read every byte handed out: ASan checks the bounds */
        *sum += (unsigned char)text[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size)
        return 0;
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f)
        return 0;
    size_t sum = 0;
    char err[128];
    ss_pcapng_secrets(f, consume, &sum, err, sizeof(err));
    fclose(f);
    return 0;
}

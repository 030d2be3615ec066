/* data.c — test data files from the source tree (see data.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "tests/support/data.h"

uint8_t *ss_test_read(const char *dir, const char *name, size_t *len)
{
    const char *root = getenv("SS_SOURCE_DIR");
    char path[1024];
    *len = 0;
    if (!root)
        fail_msg("SS_SOURCE_DIR is not set (ctest sets it to the source tree)");
    snprintf(path, sizeof(path), "%s/%s/%s", root, dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
        buf[n] = 0;
        *len = (size_t)n;
    } else {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

void ss_test_path(const char *rel, char *path, size_t n)
{
    const char *root = getenv("SS_SOURCE_DIR");
    if (!root)
        fail_msg("SS_SOURCE_DIR is not set (ctest sets it to the source tree)");
    snprintf(path, n, "%s/%s", root, rel);
}

uint8_t *ss_test_load(const char *dir, const char *name, size_t *len)
{
    uint8_t *b = ss_test_read(dir, name, len);
    if (!b)
        fail_msg("cannot read %s/%s from the source tree", dir, name);
    return b;
}

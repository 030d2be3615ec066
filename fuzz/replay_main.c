/* replay_main.c — runs a fuzz target over saved inputs without libFuzzer, so that ctest (and CI
 * without clang) replays every seed and every reproduced crash under the sanitizers.
 *
 * Arguments are files or directories (one level deep; hidden and non-regular entries skipped).
 * Each input is copied into an allocation of exactly its size, so that AddressSanitizer sees a
 * one-byte overread that a larger buffer would hide. An argument that does not exist, a
 * directory without inputs, or no input at all is a failure: a replay that replayed nothing must
 * not pass.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads path whole into an exact-size buffer and runs the target on it. 0 on success. */
static int replay_file(const char *path, size_t expect)
{
    FILE *fp = NULL;
    uint8_t *buf = NULL;
    int rc = -1;

    fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        goto fail;
    }
    /* malloc(0) still gives ASan a distinct zero-byte block to guard */
    buf = malloc(expect);
    if (!buf && expect) {
        fprintf(stderr, "replay: %s: out of memory (%zu bytes)\n", path, expect);
        goto fail;
    }
    if (expect && fread(buf, 1, expect, fp) != expect) {
        fprintf(stderr, "replay: %s: short read\n", path);
        goto fail;
    }
    LLVMFuzzerTestOneInput(buf, expect);
    rc = 0;
fail:
    free(buf);
    if (fp)
        fclose(fp);
    return rc;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays the regular files in dir, in name order (so a run is repeatable). Returns how many,
 * or -1 on error. */
static long replay_dir(const char *dir)
{
    DIR *d = NULL;
    struct dirent *de;
    char **names = NULL, **grown, path[4096];
    size_t n = 0, cap = 0, i;
    long done = -1;
    struct stat st;

    d = opendir(dir);
    if (!d) {
        fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
        goto fail;
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            grown = realloc(names, cap * sizeof(*names));
            if (!grown)
                goto fail;
            names = grown;
        }
        names[n] = strdup(de->d_name);
        if (!names[n])
            goto fail;
        n++;
    }
    if (n > 1)
        qsort(names, n, sizeof(*names), cmp_names);
    done = 0;
    for (i = 0; i < n; i++) {
        int len = snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        if (len < 0 || (size_t)len >= sizeof(path) || stat(path, &st) != 0) {
            fprintf(stderr, "replay: %s/%s: cannot stat\n", dir, names[i]);
            done = -1;
            goto fail;
        }
        if (!S_ISREG(st.st_mode))
            continue;
        if (replay_file(path, (size_t)st.st_size) != 0) {
            done = -1;
            goto fail;
        }
        done++;
    }
    if (done == 0) {
        fprintf(stderr, "replay: %s: no inputs\n", dir);
        done = -1;
    }
fail:
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (d)
        closedir(d);
    return done;
}

int main(int argc, char **argv)
{
    long total = 0;
    int i;

    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
        return 1;
    }
    for (i = 1; i < argc; i++) {
        struct stat st;

        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            return 1;
        }
        if (S_ISDIR(st.st_mode)) {
            long n = replay_dir(argv[i]);
            if (n < 0)
                return 1;
            total += n;
        } else {
            if (replay_file(argv[i], (size_t)st.st_size) != 0)
                return 1;
            total++;
        }
    }
    if (total == 0) {
        fprintf(stderr, "replay: no inputs\n");
        return 1;
    }
    printf("replayed %ld inputs\n", total);
    return 0;
}

/* render_util.h — the small helpers every decoder renderer uses: JSON fields, and multi-line
 * text into a caller's buffer with snprintf's contract (report the length needed, cut at the
 * buffer). Shared by scep_render.c and scep_content_render.c. */
#ifndef SS_RENDER_UTIL_H
#define SS_RENDER_UTIL_H

#include <stddef.h>

#include <jansson.h>

void ss_j_str(json_t *o, const char *key, const char *s);
void ss_j_str_nonempty(json_t *o, const char *key, const char *s);
void ss_j_int(json_t *o, const char *key, json_int_t v);
void ss_j_bool(json_t *o, const char *key, int v);

typedef struct ss_tbuf {
    char *buf;
    size_t len;
    size_t need; /* length of the whole text so far, written or not */
    const char *indent;
} ss_tbuf;

ss_tbuf ss_tstart(const char *indent, char *buf, size_t len);
void ss_tprintf(ss_tbuf *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One "label  value" line at depth; values up to 2 KiB (a long challenge) in full. */
void ss_tline(ss_tbuf *t, int depth, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif

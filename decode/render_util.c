/* render_util.c — shared renderer helpers (see render_util.h). */
#include "decode/render_util.h"

#include <stdarg.h>
#include <stdio.h>

void ss_j_str(json_t *o, const char *key, const char *s)
{
    /* Decoder strings are valid UTF-8; a NULL from jansson would only drop this one field. */
    json_object_set_new(o, key, json_string(s));
}

void ss_j_str_nonempty(json_t *o, const char *key, const char *s)
{
    if (s && s[0])
        ss_j_str(o, key, s);
}

void ss_j_int(json_t *o, const char *key, json_int_t v)
{
    json_object_set_new(o, key, json_integer(v));
}

void ss_j_bool(json_t *o, const char *key, int v)
{
    json_object_set_new(o, key, json_boolean(v));
}

ss_tbuf ss_tstart(const char *indent, char *buf, size_t len)
{
    ss_tbuf t = {buf, len, 0, indent ? indent : ""};
    if (buf && len)
        buf[0] = '\0';
    return t;
}

void ss_tprintf(ss_tbuf *t, const char *fmt, ...)
{
    va_list ap;
    int room = t->need < t->len;
    va_start(ap, fmt);
    int n = vsnprintf(room ? t->buf + t->need : NULL, room ? t->len - t->need : 0, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->need += (size_t)n;
}

void ss_tline(ss_tbuf *t, int depth, const char *label, const char *fmt, ...)
{
    char value[2048 + 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(value, sizeof(value), fmt, ap);
    va_end(ap);
    ss_tprintf(t, "%s%*s%-16s %s\n", t->indent, 2 * depth, "", label, value);
}

/* cursor.h — checked reads of wire bytes.
 *
 * Every parser of untrusted bytes reads through an ss_cursor: it knows how much is left, every
 * read checks first and returns 0 on success or -1 when the bytes are not there (the caller
 * then decides whether that means "truncated by our capture" or "invalid on the wire"). Wire
 * integers are big-endian unless the name says otherwise. Nothing here allocates.
 */
#ifndef SS_CURSOR_H
#define SS_CURSOR_H

#include <stddef.h>
#include <stdint.h>

typedef struct ss_cursor {
    const uint8_t *p;
    size_t len; /* bytes left from p */
} ss_cursor;

static inline ss_cursor ss_cur(const uint8_t *p, size_t len)
{
    ss_cursor c = {p, len};
    return c;
}

static inline int ss_cur_skip(ss_cursor *c, size_t n)
{
    if (c->len < n)
        return -1;
    c->p += n;
    c->len -= n;
    return 0;
}

static inline int ss_cur_u8(ss_cursor *c, uint8_t *v)
{
    if (c->len < 1)
        return -1;
    *v = c->p[0];
    return ss_cur_skip(c, 1);
}

static inline int ss_cur_be16(ss_cursor *c, uint16_t *v)
{
    if (c->len < 2)
        return -1;
    *v = (uint16_t)((c->p[0] << 8) | c->p[1]);
    return ss_cur_skip(c, 2);
}

static inline int ss_cur_le16(ss_cursor *c, uint16_t *v)
{
    if (c->len < 2)
        return -1;
    *v = (uint16_t)((c->p[1] << 8) | c->p[0]);
    return ss_cur_skip(c, 2);
}

static inline int ss_cur_be32(ss_cursor *c, uint32_t *v)
{
    if (c->len < 4)
        return -1;
    *v = ((uint32_t)c->p[0] << 24) | ((uint32_t)c->p[1] << 16) | ((uint32_t)c->p[2] << 8) |
         (uint32_t)c->p[3];
    return ss_cur_skip(c, 4);
}

static inline int ss_cur_le32(ss_cursor *c, uint32_t *v)
{
    if (c->len < 4)
        return -1;
    *v = ((uint32_t)c->p[3] << 24) | ((uint32_t)c->p[2] << 16) | ((uint32_t)c->p[1] << 8) |
         (uint32_t)c->p[0];
    return ss_cur_skip(c, 4);
}

/* Points *out at the next n bytes and moves past them. */
static inline int ss_cur_bytes(ss_cursor *c, size_t n, const uint8_t **out)
{
    if (c->len < n)
        return -1;
    *out = c->p;
    return ss_cur_skip(c, n);
}

/* Keeps only the first n bytes (clamping a layer to its declared length); never grows. */
static inline void ss_cur_clamp(ss_cursor *c, size_t n)
{
    if (n < c->len)
        c->len = n;
}

#endif

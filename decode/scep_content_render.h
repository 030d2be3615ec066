/* scep_content_render.h — a decrypted SCEP request content (scep_content.h) as JSON (jansson,
 * for --json and the library's events) and as readable -v text, in the style of scep_render.h.
 *
 * The challengePassword appears as present + length; its value only when the decoder kept it
 * (the caller asked for secrets).
 */
#ifndef SS_SCEP_CONTENT_RENDER_H
#define SS_SCEP_CONTENT_RENDER_H

#include <stddef.h>

#include <jansson.h>

#include "scep_content.h"

/* A new JSON object owned by the caller (json_decref); NULL when out of memory. */
json_t *ss_scep_content_json(const ss_scep_content *c);

/* Multi-line text into buf (len bytes, NUL-terminated when len > 0), each line starting with
 * indent (may be NULL). Like snprintf, returns the length the whole text needs, excluding the
 * NUL; the text is cut when that is >= len. */
size_t ss_scep_content_text(const ss_scep_content *c, const char *indent, char *buf, size_t len);

#endif

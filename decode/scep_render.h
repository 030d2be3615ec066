/* scep_render.h — the decoded SCEP bodies as JSON (jansson objects, for --json and the library's
 * event rendering) and as readable multi-line text (for -v).
 *
 * JSON field names are snake_case and stable; a field whose attribute is absent on the wire is
 * left out rather than set to null. Text is for people and may change. All strings were
 * sanitized by the decoders; jansson adds the JSON escaping.
 */
#ifndef SS_SCEP_RENDER_H
#define SS_SCEP_RENDER_H

#include <stddef.h>

#include <jansson.h>

#include "scep_caps.h"
#include "scep_certs.h"
#include "scep_msg.h"

/* New JSON objects owned by the caller (json_decref); NULL when out of memory. */
json_t *ss_scep_verdict_json(const ss_scep_verdict *v);
json_t *ss_scep_cert_json(const ss_scep_cert *c);
json_t *ss_scep_msg_json(const ss_scep_msg *m);
json_t *ss_scep_certs_json(const ss_scep_certs *c);
json_t *ss_scep_caps_json(const ss_scep_caps *c);

/* Multi-line text into buf (len bytes, NUL-terminated when len > 0), each line starting with
 * indent (may be NULL). Like snprintf, returns the length the whole text needs, excluding the
 * NUL; the text is cut when that is >= len. */
size_t ss_scep_msg_text(const ss_scep_msg *m, const char *indent, char *buf, size_t len);
size_t ss_scep_certs_text(const ss_scep_certs *c, const char *indent, char *buf, size_t len);
size_t ss_scep_caps_text(const ss_scep_caps *c, const char *indent, char *buf, size_t len);

#endif

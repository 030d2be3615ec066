/* scep_content_render.c — a decrypted SCEP request content as jansson JSON and as -v text (see
 * scep_content_render.h). Field names follow scep_render.c: snake_case, stable, a field whose
 * thing is absent is left out. The small output helpers are this file's own because
 * scep_render.c keeps its helpers static.
 */
#include "scep_content_render.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- JSON ---------------------------------------------------------------------------------- */

static void j_str(json_t *o, const char *key, const char *s)
{
    json_object_set_new(o, key, json_string(s));
}

static void j_str_nonempty(json_t *o, const char *key, const char *s)
{
    if (s && s[0])
        j_str(o, key, s);
}

static void j_int(json_t *o, const char *key, json_int_t v)
{
    json_object_set_new(o, key, json_integer(v));
}

static void j_bool(json_t *o, const char *key, int v)
{
    json_object_set_new(o, key, json_boolean(v));
}

static json_t *decrypt_json(const ss_scep_decrypt *d)
{
    json_t *o = json_object();

    if (!o)
        return NULL;
    j_str(o, "status", ss_scep_decrypt_status_name(d->status));
    j_str_nonempty(o, "detail", d->detail);
    if (d->status == SS_SCEP_DEC_OK) {
        j_str(o, "key", d->key_label);
        j_int(o, "key_index", d->key_index);
        j_str(o, "matched_by", d->by_certificate ? "certificate" : "trial");
        if (d->other_cert)
            j_bool(o, "other_certificate", 1);
    }
    j_str_nonempty(o, "recipient_issuer", d->recipient_issuer);
    j_str_nonempty(o, "recipient_serial", d->recipient_serial);
    if (d->keys_tried)
        j_int(o, "keys_tried", d->keys_tried);
    return o;
}

static json_t *str_array(const char (*v)[SS_SCEP_ALG_LEN], unsigned n)
{
    json_t *a = json_array();
    unsigned i;

    for (i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static json_t *csr_json(const ss_scep_csr *c)
{
    json_t *o = json_object(), *a, *x;
    unsigned i;

    if (!o)
        return NULL;
    if (c->version != 0)
        j_int(o, "version", c->version);
    j_str(o, "subject", c->subject);
    j_str_nonempty(o, "key_type", c->key_type);
    j_str_nonempty(o, "key_group", c->key_group);
    j_int(o, "key_bits", c->key_bits);
    j_str_nonempty(o, "key_sha256", c->key_sha256);
    j_str_nonempty(o, "signature_alg", c->sig_alg);
    j_str(o, "signature", ss_csr_sig_name(c->signature));
    if (c->nsans && (a = json_array()) != NULL) {
        for (i = 0; i < c->nsans; i++) {
            if ((x = json_object()) == NULL)
                continue;
            j_str(x, "type", ss_csr_san_type_name(c->sans[i].type));
            j_str(x, "value", c->sans[i].value);
            json_array_append_new(a, x);
        }
        json_object_set_new(o, "subject_alt_names", a);
    }
    if (c->sans_dropped)
        j_int(o, "subject_alt_names_dropped", c->sans_dropped);
    if (c->has_key_usage && (a = json_array()) != NULL) {
        for (i = 0; i < SS_SCEP_KU_COUNT; i++)
            if (c->key_usage & (1u << i))
                json_array_append_new(a, json_string(ss_scep_key_usage_name(i)));
        json_object_set_new(o, "key_usage", a);
    }
    if (c->has_eku) {
        json_object_set_new(o, "extended_key_usage", str_array(c->eku, c->neku));
        if (c->eku_dropped)
            j_int(o, "extended_key_usage_dropped", c->eku_dropped);
    }
    if (c->has_basic_constraints && (x = json_object()) != NULL) {
        j_bool(x, "ca", c->ca);
        if (c->path_len >= 0)
            j_int(x, "path_len", c->path_len);
        json_object_set_new(o, "basic_constraints", x);
    }
    if (c->nexts && (a = json_array()) != NULL) {
        for (i = 0; i < c->nexts; i++) {
            if ((x = json_object()) == NULL)
                continue;
            j_str(x, "name", c->exts[i].name);
            j_str(x, "oid", c->exts[i].oid);
            j_bool(x, "critical", c->exts[i].critical);
            if (c->exts[i].invalid)
                j_bool(x, "invalid", 1);
            json_array_append_new(a, x);
        }
        json_object_set_new(o, "extensions", a);
    }
    if (c->exts_dropped)
        j_int(o, "extensions_dropped", c->exts_dropped);
    if ((x = json_object()) != NULL) {
        j_bool(x, "present", c->has_challenge);
        if (c->has_challenge)
            j_int(x, "length", (json_int_t)c->challenge_len);
        if (c->has_challenge && c->challenge_value_kept)
            j_str(x, "value", c->challenge);
        json_object_set_new(o, "challenge_password", x);
    }
    if (c->nother_attrs)
        json_object_set_new(o, "other_attributes", str_array(c->other_attrs, c->nother_attrs));
    if (c->other_attrs_dropped)
        j_int(o, "other_attributes_dropped", c->other_attrs_dropped);
    if (c->signer_known) {
        j_bool(o, "signer_key_matches", c->signer_key_same);
        j_bool(o, "signer_subject_matches", c->signer_subject_same);
    }
    return o;
}

json_t *ss_scep_content_json(const ss_scep_content *c)
{
    json_t *o = json_object();
    const char *name = ss_scep_message_type_name(c->message_type);

    if (!o)
        return NULL;
    j_int(o, "message_type", c->message_type);
    if (name)
        j_str(o, "message_type_name", name);
    json_object_set_new(o, "decryption", decrypt_json(&c->decrypt));
    if (c->decrypt.status != SS_SCEP_DEC_OK && c->kind == SS_SCEP_CONTENT_NONE &&
        c->verdict.reason == SS_SCEP_R_NONE)
        return o;
    j_str(o, "status", ss_scep_status_name(c->verdict.status));
    if (c->verdict.reason != SS_SCEP_R_NONE) {
        j_str(o, "reason", ss_scep_reason_name(c->verdict.reason));
        j_str_nonempty(o, "reason_detail", c->verdict.detail);
    }
    j_int(o, "length", (json_int_t)c->content_len);
    switch (c->kind) {
    case SS_SCEP_CONTENT_CSR:
        json_object_set_new(o, "csr", csr_json(&c->csr));
        break;
    case SS_SCEP_CONTENT_ISSUER_AND_SUBJECT:
        j_str(o, "issuer", c->issuer);
        j_str(o, "subject", c->subject);
        break;
    case SS_SCEP_CONTENT_ISSUER_AND_SERIAL:
        j_str(o, "issuer", c->issuer);
        j_str(o, "serial", c->serial);
        break;
    case SS_SCEP_CONTENT_NONE:
        break;
    }
    return o;
}

/* ---- text ---------------------------------------------------------------------------------- */

typedef struct tbuf {
    char *buf;
    size_t len;
    size_t need;
    const char *indent;
} tbuf;

static void tprintf(tbuf *t, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void tprintf(tbuf *t, const char *fmt, ...)
{
    va_list ap;
    int n;
    int room = t->need < t->len;

    va_start(ap, fmt);
    n = vsnprintf(room ? t->buf + t->need : NULL, room ? t->len - t->need : 0, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->need += (size_t)n;
}

static void tline(tbuf *t, int depth, const char *label, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* One "label  value" line; values up to a long challenge in full. */
static void tline(tbuf *t, int depth, const char *label, const char *fmt, ...)
{
    char value[SS_CSR_CHALLENGE_LEN + 64];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(value, sizeof(value), fmt, ap);
    va_end(ap);
    tprintf(t, "%s%*s%-16s %s\n", t->indent, 2 * depth, "", label, value);
}

/* A list on one text line, cut with "..." (never inside a UTF-8 character) when full. */
typedef struct tlist {
    char s[1200];
    int full;
} tlist;

static void list_add(tlist *l, const char *item)
{
    size_t used = strlen(l->s), need = strlen(item) + (used ? 2 : 0);

    if (l->full)
        return;
    if (used + need < sizeof(l->s)) {
        snprintf(l->s + used, sizeof(l->s) - used, "%s%s", used ? ", " : "", item);
        return;
    }
    l->full = 1;
    if (used + 5 < sizeof(l->s))
        snprintf(l->s + used, sizeof(l->s) - used, "%s...", used ? ", " : "");
}

static void csr_text(tbuf *t, const ss_scep_csr *c)
{
    char item[SS_CSR_SAN_LEN + 24];
    tlist list;
    unsigned i;

    tline(t, 2, "subject", "%s", c->subject_entries ? c->subject : "(empty)");
    tline(t, 2, "key", "%s%s%s %d bits", c->key_type[0] ? c->key_type : "(unknown)",
          c->key_group[0] ? " " : "", c->key_group, c->key_bits);
    tline(t, 2, "signature", "%s, %s", c->sig_alg[0] ? c->sig_alg : "(unknown)",
          c->signature == SS_CSR_SIG_VALID     ? "verifies"
          : c->signature == SS_CSR_SIG_INVALID ? "DOES NOT VERIFY"
                                               : "not checked (algorithm or key unknown)");
    memset(&list, 0, sizeof(list));
    for (i = 0; i < c->nsans; i++) {
        snprintf(item, sizeof(item), "%s:%s", ss_csr_san_type_name(c->sans[i].type),
                 c->sans[i].value);
        list_add(&list, item);
    }
    if (c->sans_dropped)
        list_add(&list, "...");
    tline(t, 2, "subjectAltName", "%s", list.s[0] ? list.s : "(none)");
    if (c->has_key_usage) {
        memset(&list, 0, sizeof(list));
        for (i = 0; i < SS_SCEP_KU_COUNT; i++)
            if (c->key_usage & (1u << i))
                list_add(&list, ss_scep_key_usage_name(i));
        tline(t, 2, "keyUsage", "%s", list.s[0] ? list.s : "(empty)");
    }
    if (c->has_eku) {
        memset(&list, 0, sizeof(list));
        for (i = 0; i < c->neku; i++)
            list_add(&list, c->eku[i]);
        if (c->eku_dropped)
            list_add(&list, "...");
        tline(t, 2, "extKeyUsage", "%s", list.s[0] ? list.s : "(empty)");
    }
    if (c->has_basic_constraints && c->ca && c->path_len >= 0)
        tline(t, 2, "CA", "yes (requested), path length %ld", c->path_len);
    else if (c->has_basic_constraints)
        tline(t, 2, "CA", "%s", c->ca ? "yes (requested)" : "no");
    for (i = 0; i < c->nexts; i++)
        tline(t, 2, "extension", "%s%s%s", c->exts[i].name,
              c->exts[i].critical ? " (critical)" : "",
              c->exts[i].invalid ? " (cannot be decoded)" : "");
    if (c->exts_dropped)
        tline(t, 2, "extensions", "%u more not shown", c->exts_dropped);
    if (!c->has_challenge)
        tline(t, 2, "challenge", "absent");
    else if (c->challenge_value_kept)
        tline(t, 2, "challenge", "\"%s\" (%zu bytes)", c->challenge, c->challenge_len);
    else
        tline(t, 2, "challenge", "present, %zu bytes", c->challenge_len);
    for (i = 0; i < c->nother_attrs; i++)
        tline(t, 2, "attribute", "%s", c->other_attrs[i]);
    if (c->other_attrs_dropped)
        tline(t, 2, "attributes", "%u more not shown", c->other_attrs_dropped);
    if (c->signer_known)
        tline(t, 2, "signer key", "%s", c->signer_key_same ? "the CSR's key" : "NOT the CSR's key");
}

size_t ss_scep_content_text(const ss_scep_content *c, const char *indent, char *buf, size_t len)
{
    tbuf t = {buf, len, 0, indent ? indent : ""};
    const char *name = ss_scep_message_type_name(c->message_type);
    const ss_scep_decrypt *d = &c->decrypt;

    if (buf && len)
        buf[0] = '\0';
    tprintf(&t, "%srequest content %s (%ld): %s%s%s\n", t.indent, name ? name : "unknown",
            c->message_type, ss_scep_decrypt_status_name(d->status), d->detail[0] ? ", " : "",
            d->detail);
    if (d->recipient_issuer[0])
        tline(&t, 1, "recipient", "%s%s%s", d->recipient_issuer,
              d->recipient_serial[0] ? ", serial " : "", d->recipient_serial);
    if (d->status != SS_SCEP_DEC_OK && c->kind == SS_SCEP_CONTENT_NONE &&
        c->verdict.reason == SS_SCEP_R_NONE)
        return t.need;
    if (c->verdict.reason == SS_SCEP_R_NONE)
        tline(&t, 1, "content", "%zu bytes: ok", c->content_len);
    else
        tline(&t, 1, "content", "%zu bytes: %s (%s): %s", c->content_len,
              ss_scep_status_name(c->verdict.status), ss_scep_reason_name(c->verdict.reason),
              c->verdict.detail);
    switch (c->kind) {
    case SS_SCEP_CONTENT_CSR:
        tline(&t, 1, "CSR", "PKCS#10");
        csr_text(&t, &c->csr);
        break;
    case SS_SCEP_CONTENT_ISSUER_AND_SUBJECT:
        tline(&t, 1, "issuer", "%s", c->issuer);
        tline(&t, 1, "subject", "%s", c->subject);
        break;
    case SS_SCEP_CONTENT_ISSUER_AND_SERIAL:
        tline(&t, 1, "issuer", "%s", c->issuer);
        tline(&t, 1, "serial", "%s", c->serial);
        break;
    case SS_SCEP_CONTENT_NONE:
        break;
    }
    return t.need;
}

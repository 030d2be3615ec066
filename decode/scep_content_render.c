/* scep_content_render.c — a decrypted SCEP request content as jansson JSON and as -v text (see
 * scep_content_render.h). Field names follow scep_render.c: snake_case, stable, a field whose
 * thing is absent is left out. The small output helpers are this file's own because
 * scep_render.c keeps its helpers static.
 */
#include "decode/render_util.h"
#include "scep_content_render.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- JSON ---------------------------------------------------------------------------------- */

static json_t *decrypt_json(const ss_scep_decrypt *d)
{
    json_t *o = json_object();

    if (!o)
        return NULL;
    ss_j_str(o, "status", ss_scep_decrypt_status_name(d->status));
    ss_j_str_nonempty(o, "detail", d->detail);
    if (d->status == SS_SCEP_DEC_OK) {
        ss_j_str(o, "key", d->key_label);
        ss_j_int(o, "key_index", d->key_index);
        ss_j_str(o, "matched_by", d->by_certificate ? "certificate" : "trial");
        if (d->other_cert)
            ss_j_bool(o, "other_certificate", 1);
    }
    ss_j_str_nonempty(o, "recipient_issuer", d->recipient_issuer);
    ss_j_str_nonempty(o, "recipient_serial", d->recipient_serial);
    if (d->keys_tried)
        ss_j_int(o, "keys_tried", d->keys_tried);
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
        ss_j_int(o, "version", c->version);
    ss_j_str(o, "subject", c->subject);
    ss_j_str_nonempty(o, "key_type", c->key_type);
    ss_j_str_nonempty(o, "key_group", c->key_group);
    ss_j_int(o, "key_bits", c->key_bits);
    ss_j_str_nonempty(o, "key_sha256", c->key_sha256);
    ss_j_str_nonempty(o, "signature_alg", c->sig_alg);
    ss_j_str(o, "signature", ss_csr_sig_name(c->signature));
    if (c->nsans && (a = json_array()) != NULL) {
        for (i = 0; i < c->nsans; i++) {
            if ((x = json_object()) == NULL)
                continue;
            ss_j_str(x, "type", ss_csr_san_type_name(c->sans[i].type));
            ss_j_str(x, "value", c->sans[i].value);
            json_array_append_new(a, x);
        }
        json_object_set_new(o, "subject_alt_names", a);
    }
    if (c->sans_dropped)
        ss_j_int(o, "subject_alt_names_dropped", c->sans_dropped);
    if (c->has_key_usage && (a = json_array()) != NULL) {
        for (i = 0; i < SS_SCEP_KU_COUNT; i++)
            if (c->key_usage & (1u << i))
                json_array_append_new(a, json_string(ss_scep_key_usage_name(i)));
        json_object_set_new(o, "key_usage", a);
    }
    if (c->has_eku) {
        json_object_set_new(o, "extended_key_usage", str_array(c->eku, c->neku));
        if (c->eku_dropped)
            ss_j_int(o, "extended_key_usage_dropped", c->eku_dropped);
    }
    if (c->has_basic_constraints && (x = json_object()) != NULL) {
        ss_j_bool(x, "ca", c->ca);
        if (c->path_len >= 0)
            ss_j_int(x, "path_len", c->path_len);
        json_object_set_new(o, "basic_constraints", x);
    }
    if (c->nexts && (a = json_array()) != NULL) {
        for (i = 0; i < c->nexts; i++) {
            if ((x = json_object()) == NULL)
                continue;
            ss_j_str(x, "name", c->exts[i].name);
            ss_j_str(x, "oid", c->exts[i].oid);
            ss_j_bool(x, "critical", c->exts[i].critical);
            if (c->exts[i].invalid)
                ss_j_bool(x, "invalid", 1);
            json_array_append_new(a, x);
        }
        json_object_set_new(o, "extensions", a);
    }
    if (c->exts_dropped)
        ss_j_int(o, "extensions_dropped", c->exts_dropped);
    if ((x = json_object()) != NULL) {
        ss_j_bool(x, "present", c->has_challenge);
        if (c->has_challenge)
            ss_j_int(x, "length", (json_int_t)c->challenge_len);
        if (c->has_challenge && c->challenge_value_kept)
            ss_j_str(x, "value", c->challenge);
        json_object_set_new(o, "challenge_password", x);
    }
    if (c->nother_attrs)
        json_object_set_new(o, "other_attributes", str_array(c->other_attrs, c->nother_attrs));
    if (c->other_attrs_dropped)
        ss_j_int(o, "other_attributes_dropped", c->other_attrs_dropped);
    if (c->signer_known) {
        ss_j_bool(o, "signer_key_matches", c->signer_key_same);
        ss_j_bool(o, "signer_subject_matches", c->signer_subject_same);
    }
    return o;
}

json_t *ss_scep_content_json(const ss_scep_content *c)
{
    json_t *o = json_object();
    const char *name = ss_scep_message_type_name(c->message_type);

    if (!o)
        return NULL;
    ss_j_int(o, "message_type", c->message_type);
    if (name)
        ss_j_str(o, "message_type_name", name);
    json_object_set_new(o, "decryption", decrypt_json(&c->decrypt));
    if (c->decrypt.status != SS_SCEP_DEC_OK && c->kind == SS_SCEP_CONTENT_NONE &&
        c->verdict.reason == SS_SCEP_R_NONE)
        return o;
    ss_j_str(o, "status", ss_scep_status_name(c->verdict.status));
    if (c->verdict.reason != SS_SCEP_R_NONE) {
        ss_j_str(o, "reason", ss_scep_reason_name(c->verdict.reason));
        ss_j_str_nonempty(o, "reason_detail", c->verdict.detail);
    }
    ss_j_int(o, "length", (json_int_t)c->content_len);
    switch (c->kind) {
    case SS_SCEP_CONTENT_CSR:
        json_object_set_new(o, "csr", csr_json(&c->csr));
        break;
    case SS_SCEP_CONTENT_ISSUER_AND_SUBJECT:
        ss_j_str(o, "issuer", c->issuer);
        ss_j_str(o, "subject", c->subject);
        break;
    case SS_SCEP_CONTENT_ISSUER_AND_SERIAL:
        ss_j_str(o, "issuer", c->issuer);
        ss_j_str(o, "serial", c->serial);
        break;
    case SS_SCEP_CONTENT_NONE:
        break;
    }
    return o;
}

/* ---- text ---------------------------------------------------------------------------------- */

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

static void csr_text(ss_tbuf *t, const ss_scep_csr *c)
{
    char item[SS_CSR_SAN_LEN + 24];
    tlist list;
    unsigned i;

    ss_tline(t, 2, "subject", "%s", c->subject_entries ? c->subject : "(empty)");
    ss_tline(t, 2, "key", "%s%s%s %d bits", c->key_type[0] ? c->key_type : "(unknown)",
             c->key_group[0] ? " " : "", c->key_group, c->key_bits);
    ss_tline(t, 2, "signature", "%s, %s", c->sig_alg[0] ? c->sig_alg : "(unknown)",
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
    ss_tline(t, 2, "subjectAltName", "%s", list.s[0] ? list.s : "(none)");
    if (c->has_key_usage) {
        memset(&list, 0, sizeof(list));
        for (i = 0; i < SS_SCEP_KU_COUNT; i++)
            if (c->key_usage & (1u << i))
                list_add(&list, ss_scep_key_usage_name(i));
        ss_tline(t, 2, "keyUsage", "%s", list.s[0] ? list.s : "(empty)");
    }
    if (c->has_eku) {
        memset(&list, 0, sizeof(list));
        for (i = 0; i < c->neku; i++)
            list_add(&list, c->eku[i]);
        if (c->eku_dropped)
            list_add(&list, "...");
        ss_tline(t, 2, "extKeyUsage", "%s", list.s[0] ? list.s : "(empty)");
    }
    if (c->has_basic_constraints && c->ca && c->path_len >= 0)
        ss_tline(t, 2, "CA", "yes (requested), path length %ld", c->path_len);
    else if (c->has_basic_constraints)
        ss_tline(t, 2, "CA", "%s", c->ca ? "yes (requested)" : "no");
    for (i = 0; i < c->nexts; i++)
        ss_tline(t, 2, "extension", "%s%s%s", c->exts[i].name,
                 c->exts[i].critical ? " (critical)" : "",
                 c->exts[i].invalid ? " (cannot be decoded)" : "");
    if (c->exts_dropped)
        ss_tline(t, 2, "extensions", "%u more not shown", c->exts_dropped);
    if (!c->has_challenge)
        ss_tline(t, 2, "challenge", "absent");
    else if (c->challenge_value_kept)
        ss_tline(t, 2, "challenge", "\"%s\" (%zu bytes)", c->challenge, c->challenge_len);
    else
        ss_tline(t, 2, "challenge", "present, %zu bytes", c->challenge_len);
    for (i = 0; i < c->nother_attrs; i++)
        ss_tline(t, 2, "attribute", "%s", c->other_attrs[i]);
    if (c->other_attrs_dropped)
        ss_tline(t, 2, "attributes", "%u more not shown", c->other_attrs_dropped);
    if (c->signer_known)
        ss_tline(t, 2, "signer key", "%s",
                 c->signer_key_same ? "the CSR's key" : "NOT the CSR's key");
}

size_t ss_scep_content_text(const ss_scep_content *c, const char *indent, char *buf, size_t len)
{
    ss_tbuf t = {buf, len, 0, indent ? indent : ""};
    const char *name = ss_scep_message_type_name(c->message_type);
    const ss_scep_decrypt *d = &c->decrypt;

    if (buf && len)
        buf[0] = '\0';
    ss_tprintf(&t, "%srequest content %s (%ld): %s%s%s\n", t.indent, name ? name : "unknown",
               c->message_type, ss_scep_decrypt_status_name(d->status), d->detail[0] ? ", " : "",
               d->detail);
    if (d->recipient_issuer[0])
        ss_tline(&t, 1, "recipient", "%s%s%s", d->recipient_issuer,
                 d->recipient_serial[0] ? ", serial " : "", d->recipient_serial);
    if (d->status != SS_SCEP_DEC_OK && c->kind == SS_SCEP_CONTENT_NONE &&
        c->verdict.reason == SS_SCEP_R_NONE)
        return t.need;
    if (c->verdict.reason == SS_SCEP_R_NONE)
        ss_tline(&t, 1, "content", "%zu bytes: ok", c->content_len);
    else
        ss_tline(&t, 1, "content", "%zu bytes: %s (%s): %s", c->content_len,
                 ss_scep_status_name(c->verdict.status), ss_scep_reason_name(c->verdict.reason),
                 c->verdict.detail);
    switch (c->kind) {
    case SS_SCEP_CONTENT_CSR:
        ss_tline(&t, 1, "CSR", "PKCS#10");
        csr_text(&t, &c->csr);
        break;
    case SS_SCEP_CONTENT_ISSUER_AND_SUBJECT:
        ss_tline(&t, 1, "issuer", "%s", c->issuer);
        ss_tline(&t, 1, "subject", "%s", c->subject);
        break;
    case SS_SCEP_CONTENT_ISSUER_AND_SERIAL:
        ss_tline(&t, 1, "issuer", "%s", c->issuer);
        ss_tline(&t, 1, "serial", "%s", c->serial);
        break;
    case SS_SCEP_CONTENT_NONE:
        break;
    }
    return t.need;
}

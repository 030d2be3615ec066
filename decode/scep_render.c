/* scep_render.c — decoded SCEP bodies (scep_msg.h, scep_certs.h, scep_caps.h) as jansson JSON
 * objects and as -v text (see scep_render.h).
 */
#include "scep_render.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- JSON ---------------------------------------------------------------------------------- */

static void j_str(json_t *o, const char *key, const char *s)
{
    /* Decoder strings are valid UTF-8; a NULL from jansson would only drop this one field. */
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

json_t *ss_scep_verdict_json(const ss_scep_verdict *v)
{
    json_t *o = json_object();

    if (!o)
        return NULL;
    j_str(o, "status", ss_scep_status_name(v->status));
    if (v->reason != SS_SCEP_R_NONE) {
        j_str(o, "reason", ss_scep_reason_name(v->reason));
        j_str_nonempty(o, "detail", v->detail);
    }
    return o;
}

static void j_verdict(json_t *o, const ss_scep_verdict *v)
{
    j_str(o, "status", ss_scep_status_name(v->status));
    if (v->reason != SS_SCEP_R_NONE) {
        j_str(o, "reason", ss_scep_reason_name(v->reason));
        j_str_nonempty(o, "reason_detail", v->detail);
    }
}

json_t *ss_scep_cert_json(const ss_scep_cert *c)
{
    json_t *o = json_object(), *ku, *eku;
    unsigned i;

    if (!o)
        return NULL;
    j_str(o, "subject", c->subject);
    j_str(o, "issuer", c->issuer);
    j_str(o, "serial", c->serial);
    if (c->times_ok) {
        j_str(o, "not_before", c->not_before_iso);
        j_str(o, "not_after", c->not_after_iso);
        j_int(o, "not_before_epoch", (json_int_t)c->not_before);
        j_int(o, "not_after_epoch", (json_int_t)c->not_after);
    }
    j_str(o, "key_type", c->key_type);
    j_str_nonempty(o, "key_group", c->key_group);
    j_int(o, "key_bits", c->key_bits);
    j_str(o, "signature_alg", c->sig_alg);
    if (c->has_key_usage && (ku = json_array()) != NULL) {
        for (i = 0; i < SS_SCEP_KU_COUNT; i++)
            if (c->key_usage & (1u << i))
                json_array_append_new(ku, json_string(ss_scep_key_usage_name(i)));
        json_object_set_new(o, "key_usage", ku);
    }
    if (c->has_eku && (eku = json_array()) != NULL) {
        for (i = 0; i < c->neku; i++)
            json_array_append_new(eku, json_string(c->eku[i]));
        json_object_set_new(o, "extended_key_usage", eku);
        if (c->eku_dropped)
            j_int(o, "extended_key_usage_dropped", c->eku_dropped);
    }
    if (c->has_basic_constraints)
        j_bool(o, "ca", c->ca);
    if (c->ca && c->path_len >= 0)
        j_int(o, "path_len", c->path_len);
    j_bool(o, "self_issued", c->self_issued);
    j_bool(o, "self_signed", c->self_signed);
    if (c->extensions_invalid)
        j_bool(o, "extensions_invalid", 1);
    j_str(o, "sha1", c->sha1);
    j_str(o, "sha256", c->sha256);
    j_str(o, "role", ss_scep_role_name(c->role));
    return o;
}

static json_t *recipient_json(const ss_scep_recipient *r)
{
    json_t *o = json_object();

    if (!o)
        return NULL;
    j_str(o, "kind", ss_scep_recipient_kind_name(r->kind));
    j_str_nonempty(o, "issuer", r->issuer);
    j_str_nonempty(o, "serial", r->serial);
    j_str_nonempty(o, "subject_key_id", r->skid);
    j_str_nonempty(o, "key_alg", r->key_alg);
    j_bool(o, "oaep", r->oaep);
    j_int(o, "encrypted_key_len", (json_int_t)r->enc_key_len);
    return o;
}

static json_t *envelope_json(const ss_scep_envelope *e)
{
    json_t *o = json_object(), *ra;
    unsigned i;

    if (!o)
        return NULL;
    j_verdict(o, &e->verdict);
    j_int(o, "length", (json_int_t)e->der_len);
    if ((ra = json_array()) != NULL) {
        for (i = 0; i < e->nrecipients; i++)
            json_array_append_new(ra, recipient_json(&e->recipients[i]));
        json_object_set_new(o, "recipients", ra);
    }
    if (e->recipients_dropped)
        j_int(o, "recipients_dropped", e->recipients_dropped);
    j_str_nonempty(o, "cipher", e->cipher);
    j_str_nonempty(o, "cipher_oid", e->cipher_oid);
    if (e->cipher_key_bits)
        j_int(o, "cipher_key_bits", e->cipher_key_bits);
    if (e->cipher[0]) {
        j_bool(o, "cipher_available", e->cipher_available);
        j_bool(o, "single_des", e->single_des);
    }
    j_str_nonempty(o, "content_type", e->content_type);
    if (e->encrypted_present)
        j_int(o, "encrypted_length", (json_int_t)e->encrypted_len);
    return o;
}

/* A certificate carried in a pkiMessage: the CA/RA role guess does not apply there. */
static json_t *msg_cert_json(const ss_scep_cert *c)
{
    json_t *o = ss_scep_cert_json(c);

    if (o)
        json_object_del(o, "role");
    return o;
}

static void j_named(json_t *o, const char *key, const char *name_key, long v, const char *name)
{
    j_int(o, key, v);
    if (name)
        j_str(o, name_key, name);
}

json_t *ss_scep_msg_json(const ss_scep_msg *m)
{
    json_t *o = json_object();

    if (!o)
        return NULL;
    j_verdict(o, &m->verdict);
    j_int(o, "length", (json_int_t)m->body_len);
    if (m->message_type >= 0)
        j_named(o, "message_type", "message_type_name", m->message_type,
                ss_scep_message_type_name(m->message_type));
    else
        j_str_nonempty(o, "message_type_raw", m->message_type_raw);
    if (m->has_transaction_id)
        j_str(o, "transaction_id", m->transaction_id);
    if (m->has_sender_nonce) {
        j_str(o, "sender_nonce", m->sender_nonce);
        j_int(o, "sender_nonce_len", (json_int_t)m->sender_nonce_len);
    }
    if (m->has_recipient_nonce) {
        j_str(o, "recipient_nonce", m->recipient_nonce);
        j_int(o, "recipient_nonce_len", (json_int_t)m->recipient_nonce_len);
    }
    if (m->pki_status >= 0)
        j_named(o, "pki_status", "pki_status_name", m->pki_status,
                ss_scep_pki_status_name(m->pki_status));
    if (m->fail_info >= 0) {
        j_named(o, "fail_info", "fail_info_name", m->fail_info,
                ss_scep_fail_info_name(m->fail_info));
        if (ss_scep_fail_info_cmp_name(m->fail_info))
            j_str(o, "fail_info_cmp_name", ss_scep_fail_info_cmp_name(m->fail_info));
    }
    if (m->has_fail_info_text)
        j_str(o, "fail_info_text", m->fail_info_text);
    if (m->has_ms_error) {
        json_t *e = json_object();
        char hex[12];

        if (e) {
            snprintf(hex, sizeof(hex), "0x%08X", (unsigned)m->ms_hresult);
            j_int(e, "value", (json_int_t)m->ms_error_value);
            j_str(e, "hresult", hex);
            if (ss_scep_hresult_name(m->ms_hresult)) {
                j_str(e, "name", ss_scep_hresult_name(m->ms_hresult));
                j_str(e, "text", ss_scep_hresult_text(m->ms_hresult));
            }
            json_object_set_new(o, "ms_scep_error", e);
        }
    }
    j_bool(o, "content_type_attr", m->has_content_type_attr);
    j_bool(o, "message_digest_attr", m->has_message_digest_attr);
    if (m->has_signing_time)
        j_int(o, "signing_time_epoch", (json_int_t)m->signing_time);
    if (m->unknown_attrs)
        j_int(o, "unknown_attrs", m->unknown_attrs);
    if (m->nsigners || m->ncerts) {
        json_t *s = json_object();

        if (s) {
            j_int(s, "signers", m->nsigners);
            j_int(s, "certificates", m->ncerts);
            j_str_nonempty(s, "digest_alg", m->digest_alg);
            j_str_nonempty(s, "signature_alg", m->signature_alg);
            j_str_nonempty(s, "issuer", m->signer_issuer);
            j_str_nonempty(s, "serial", m->signer_serial);
            j_str_nonempty(s, "subject_key_id", m->signer_skid);
            j_str_nonempty(s, "econtent_type", m->econtent_type);
            if (m->signer_cert_found)
                json_object_set_new(s, "certificate", msg_cert_json(&m->signer));
            if (m->nother_certs) {
                json_t *a = json_array();
                unsigned i;

                for (i = 0; a && i < m->nother_certs; i++)
                    json_array_append_new(a, msg_cert_json(&m->other_certs[i]));
                json_object_set_new(s, "other_certificates", a);
            }
            if (m->other_certs_dropped)
                j_int(s, "other_certificates_dropped", m->other_certs_dropped);
            json_object_set_new(o, "signed_data", s);
        }
    }
    if (m->has_content)
        j_int(o, "content_length", (json_int_t)m->content_len);
    if (m->envelope.present)
        json_object_set_new(o, "envelope", envelope_json(&m->envelope));
    return o;
}

json_t *ss_scep_certs_json(const ss_scep_certs *c)
{
    json_t *o = json_object(), *a;
    unsigned i;

    if (!o)
        return NULL;
    j_verdict(o, &c->verdict);
    j_int(o, "length", (json_int_t)c->body_len);
    j_str(o, "form", ss_scep_certs_form_name(c->form));
    if (c->form == SS_SCEP_CERTS_PKCS7_SIGNED)
        j_int(o, "signers", c->nsigners);
    if ((a = json_array()) != NULL) {
        for (i = 0; i < c->ncerts; i++)
            json_array_append_new(a, ss_scep_cert_json(&c->certs[i]));
        json_object_set_new(o, "certificates", a);
    }
    if (c->certs_dropped)
        j_int(o, "certificates_dropped", c->certs_dropped);
    return o;
}

json_t *ss_scep_caps_json(const ss_scep_caps *c)
{
    json_t *o = json_object(), *a, *u;
    unsigned i;

    if (!o)
        return NULL;
    j_verdict(o, &c->verdict);
    j_int(o, "length", (json_int_t)c->body_len);
    if ((a = json_array()) != NULL) {
        for (i = 0; i < SS_SCEP_CAP_COUNT; i++)
            if (c->flags & (1u << i))
                json_array_append_new(a, json_string(ss_scep_cap_name(i)));
        json_object_set_new(o, "capabilities", a);
    }
    if (c->nunknown && (u = json_array()) != NULL) {
        for (i = 0; i < c->nunknown; i++)
            json_array_append_new(u, json_string(c->unknown[i]));
        json_object_set_new(o, "unknown", u);
    }
    if (c->unknown_dropped)
        j_int(o, "unknown_dropped", c->unknown_dropped);
    if (c->noncanonical)
        j_int(o, "noncanonical_case", c->noncanonical);
    if (c->duplicates)
        j_int(o, "duplicates", c->duplicates);
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

/* One "label  value" line. */
static void tline(tbuf *t, int depth, const char *label, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static void tline(tbuf *t, int depth, const char *label, const char *fmt, ...)
{
    char value[600];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(value, sizeof(value), fmt, ap);
    va_end(ap);
    tprintf(t, "%s%*s%-16s %s\n", t->indent, 2 * depth, "", label, value);
}

static tbuf tstart(const char *indent, char *buf, size_t len)
{
    tbuf t = {buf, len, 0, indent ? indent : ""};

    if (buf && len)
        buf[0] = '\0';
    return t;
}

static void verdict_suffix(const ss_scep_verdict *v, char *dst, size_t dstlen)
{
    if (v->reason == SS_SCEP_R_NONE)
        snprintf(dst, dstlen, "ok");
    else
        snprintf(dst, dstlen, "%s (%s): %s", ss_scep_status_name(v->status),
                 ss_scep_reason_name(v->reason), v->detail);
}

/* role: only for GetCACert answers, where the guess means something. */
static void cert_text(tbuf *t, int depth, const ss_scep_cert *c, int role)
{
    char ku[200] = "", eku[420] = "";
    size_t p = 0;
    unsigned i;

    tline(t, depth, "subject", "%s", c->subject[0] ? c->subject : "(empty)");
    tline(t, depth, "issuer", "%s%s", c->issuer[0] ? c->issuer : "(empty)",
          c->self_signed   ? " (self-signed)"
          : c->self_issued ? " (self-issued)"
                           : "");
    tline(t, depth, "serial", "%s", c->serial);
    if (c->times_ok)
        tline(t, depth, "validity", "%s .. %s", c->not_before_iso, c->not_after_iso);
    else
        tline(t, depth, "validity", "(unreadable)");
    tline(t, depth, "key", "%s%s%s %d bits", c->key_type[0] ? c->key_type : "(unknown)",
          c->key_group[0] ? " " : "", c->key_group, c->key_bits);
    tline(t, depth, "signature", "%s", c->sig_alg);
    for (i = 0; i < SS_SCEP_KU_COUNT && p < sizeof(ku); i++)
        if (c->key_usage & (1u << i))
            p += (size_t)snprintf(ku + p, sizeof(ku) - p, "%s%s", p ? ", " : "",
                                  ss_scep_key_usage_name(i));
    tline(t, depth, "keyUsage", "%s", c->has_key_usage ? ku : "(none: any use)");
    p = 0;
    for (i = 0; i < c->neku && p < sizeof(eku); i++)
        p += (size_t)snprintf(eku + p, sizeof(eku) - p, "%s%s", p ? ", " : "", c->eku[i]);
    if (c->has_eku)
        tline(t, depth, "extKeyUsage", "%s%s", eku, c->eku_dropped ? ", ..." : "");
    if (c->ca && c->path_len >= 0)
        tline(t, depth, "CA", "yes, path length %ld", c->path_len);
    else if (c->ca)
        tline(t, depth, "CA", "yes");
    else
        tline(t, depth, "CA", "no%s", c->has_basic_constraints ? "" : " (no basicConstraints)");
    if (role)
        tline(t, depth, "role", "%s", ss_scep_role_name(c->role));
    tline(t, depth, "SHA-1", "%s", c->sha1);
    tline(t, depth, "SHA-256", "%s", c->sha256);
    if (c->extensions_invalid)
        tline(t, depth, "warning", "an extension could not be decoded");
}

static void envelope_text(tbuf *t, const ss_scep_envelope *e)
{
    unsigned i;
    char v[200];

    verdict_suffix(&e->verdict, v, sizeof(v));
    tline(t, 1, "envelope", "%zu bytes: %s", e->der_len, v);
    if (e->cipher[0])
        tline(t, 2, "cipher", "%s%s%s", e->cipher,
              e->single_des ? " (single DES: OpenSSL 3 servers refuse it)" : "",
              e->cipher_available ? "" : " (not available in this OpenSSL)");
    if (e->encrypted_present)
        tline(t, 2, "encrypted", "%zu bytes of %s", e->encrypted_len,
              e->content_type[0] ? e->content_type : "content");
    for (i = 0; i < e->nrecipients; i++) {
        const ss_scep_recipient *r = &e->recipients[i];

        if (r->kind == SS_SCEP_RI_KTRI_ISSUER_SERIAL)
            tline(t, 2, "recipient", "%s, serial %s, %s%s", r->issuer, r->serial, r->key_alg,
                  r->oaep ? " (RSAES-OAEP: many servers refuse it)" : "");
        else if (r->kind == SS_SCEP_RI_KTRI_SKID)
            tline(t, 2, "recipient", "key id %s, %s", r->skid, r->key_alg);
        else
            tline(t, 2, "recipient", "%s", ss_scep_recipient_kind_name(r->kind));
    }
    if (e->recipients_dropped)
        tline(t, 2, "recipients", "%u more not shown", e->recipients_dropped);
}

size_t ss_scep_msg_text(const ss_scep_msg *m, const char *indent, char *buf, size_t len)
{
    tbuf t = tstart(indent, buf, len);
    const char *name = m->message_type >= 0 ? ss_scep_message_type_name(m->message_type) : NULL;
    char v[200];

    verdict_suffix(&m->verdict, v, sizeof(v));
    if (m->message_type >= 0)
        tprintf(&t, "%spkiMessage %s (%ld), %zu bytes: %s\n", t.indent, name ? name : "unknown",
                m->message_type, m->body_len, v);
    else
        tprintf(&t, "%spkiMessage, %zu bytes: %s\n", t.indent, m->body_len, v);
    if (m->has_transaction_id)
        tline(&t, 1, "transactionID", "%s", m->transaction_id);
    if (m->pki_status >= 0) {
        const char *s = ss_scep_pki_status_name(m->pki_status);
        tline(&t, 1, "pkiStatus", "%s (%ld)", s ? s : "unknown", m->pki_status);
    }
    if (m->fail_info >= 0) {
        const char *f = ss_scep_fail_info_name(m->fail_info);
        const char *cmp = ss_scep_fail_info_cmp_name(m->fail_info);

        if (f)
            tline(&t, 1, "failInfo", "%s (%ld)", f, m->fail_info);
        else
            tline(&t, 1, "failInfo", "%ld, not a SCEP value%s%s%s", m->fail_info,
                  cmp ? " (CMP " : "", cmp ? cmp : "", cmp ? ")" : "");
    }
    if (m->has_fail_info_text)
        tline(&t, 1, "failInfoText", "%s", m->fail_info_text);
    if (m->has_ms_error) {
        const char *hn = ss_scep_hresult_name(m->ms_hresult);

        tline(&t, 1, "NDES error", "0x%08X%s%s%s%s (%lld)", (unsigned)m->ms_hresult, hn ? " " : "",
              hn ? hn : "", hn ? ": " : "", hn ? ss_scep_hresult_text(m->ms_hresult) : "",
              (long long)m->ms_error_value);
    }
    if (m->has_sender_nonce)
        tline(&t, 1, "senderNonce", "%s (%zu bytes)", m->sender_nonce, m->sender_nonce_len);
    if (m->has_recipient_nonce)
        tline(&t, 1, "recipientNonce", "%s (%zu bytes)", m->recipient_nonce,
              m->recipient_nonce_len);
    if (m->nsigners) {
        tline(&t, 1, "algorithms", "digest %s, signature %s", m->digest_alg, m->signature_alg);
        tline(&t, 1, "CMS attributes", "contentType %s, messageDigest %s%s",
              m->has_content_type_attr ? "present" : "MISSING",
              m->has_message_digest_attr ? "present" : "MISSING",
              m->unknown_attrs ? ", other attributes" : "");
        if (m->signer_cert_found) {
            tline(&t, 1, "signer", "%s", m->signer.subject);
            cert_text(&t, 2, &m->signer, 0);
        } else {
            tline(&t, 1, "signer", "%s%s%s serial %s (certificate not included)", m->signer_issuer,
                  m->signer_skid[0] ? " key id " : "", m->signer_skid, m->signer_serial);
        }
    }
    {
        unsigned i;

        for (i = 0; i < m->nother_certs; i++) {
            tline(&t, 1, "certificate", "%s (also carried)", m->other_certs[i].subject);
            cert_text(&t, 2, &m->other_certs[i], 0);
        }
        if (m->other_certs_dropped)
            tline(&t, 1, "certificates", "%u more not shown", m->other_certs_dropped);
    }
    if (m->has_content && !m->envelope.present)
        tline(&t, 1, "envelope", "none (empty content)");
    if (m->envelope.present)
        envelope_text(&t, &m->envelope);
    if (m->message_type == SS_SCEP_MT_CERTREP && m->envelope.present)
        tline(&t, 1, "note", "the issued certificate is encrypted to the device's key");
    return t.need;
}

size_t ss_scep_certs_text(const ss_scep_certs *c, const char *indent, char *buf, size_t len)
{
    tbuf t = tstart(indent, buf, len);
    char v[200], label[16];
    unsigned i;

    verdict_suffix(&c->verdict, v, sizeof(v));
    tprintf(&t, "%scertificates (%s, %u), %zu bytes: %s\n", t.indent,
            ss_scep_certs_form_name(c->form), c->ncerts + c->certs_dropped, c->body_len, v);
    for (i = 0; i < c->ncerts; i++) {
        snprintf(label, sizeof(label), "[%u]", i);
        tline(&t, 1, label, "%s", ss_scep_role_name(c->certs[i].role));
        cert_text(&t, 2, &c->certs[i], 1);
    }
    if (c->certs_dropped)
        tline(&t, 1, "more", "%u certificates not shown", c->certs_dropped);
    return t.need;
}

size_t ss_scep_caps_text(const ss_scep_caps *c, const char *indent, char *buf, size_t len)
{
    tbuf t = tstart(indent, buf, len);
    char v[200], list[400] = "";
    size_t p = 0;
    unsigned i;

    verdict_suffix(&c->verdict, v, sizeof(v));
    tprintf(&t, "%scapabilities, %zu bytes: %s\n", t.indent, c->body_len, v);
    for (i = 0; i < SS_SCEP_CAP_COUNT && p < sizeof(list); i++)
        if (c->flags & (1u << i))
            p += (size_t)snprintf(list + p, sizeof(list) - p, "%s%s", p ? ", " : "",
                                  ss_scep_cap_name(i));
    tline(&t, 1, "offered", "%s", p ? list : "(none)");
    if (!(c->flags & SS_SCEP_CAP_POSTPKIOPERATION) && c->verdict.reason == SS_SCEP_R_NONE)
        tline(&t, 1, "note", "no POSTPKIOperation: clients send PKIOperation by GET");
    for (i = 0; i < c->nunknown; i++)
        tline(&t, 1, "unknown", "%s", c->unknown[i]);
    if (c->unknown_dropped)
        tline(&t, 1, "unknown", "%u more not shown", c->unknown_dropped);
    return t.need;
}

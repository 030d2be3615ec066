/* scep_render.c — decoded SCEP bodies (scep_msg.h, scep_certs.h, scep_caps.h) as jansson JSON
 * objects and as -v text (see scep_render.h).
 */
#include "decode/render_util.h"
#include "scep_render.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- JSON ---------------------------------------------------------------------------------- */

json_t *ss_scep_verdict_json(const ss_scep_verdict *v)
{
    json_t *o = json_object();

    if (!o)
        return NULL;
    ss_j_str(o, "status", ss_scep_status_name(v->status));
    if (v->reason != SS_SCEP_R_NONE) {
        ss_j_str(o, "reason", ss_scep_reason_name(v->reason));
        ss_j_str_nonempty(o, "detail", v->detail);
    }
    return o;
}

static void j_verdict(json_t *o, const ss_scep_verdict *v)
{
    ss_j_str(o, "status", ss_scep_status_name(v->status));
    if (v->reason != SS_SCEP_R_NONE) {
        ss_j_str(o, "reason", ss_scep_reason_name(v->reason));
        ss_j_str_nonempty(o, "reason_detail", v->detail);
    }
}

json_t *ss_scep_cert_json(const ss_scep_cert *c)
{
    json_t *o = json_object(), *ku, *eku;
    unsigned i;

    if (!o)
        return NULL;
    ss_j_str(o, "subject", c->subject);
    ss_j_str(o, "issuer", c->issuer);
    ss_j_str(o, "serial", c->serial);
    if (c->times_ok) {
        ss_j_str(o, "not_before", c->not_before_iso);
        ss_j_str(o, "not_after", c->not_after_iso);
        ss_j_int(o, "not_before_epoch", (json_int_t)c->not_before);
        ss_j_int(o, "not_after_epoch", (json_int_t)c->not_after);
    }
    ss_j_str(o, "key_type", c->key_type);
    ss_j_str_nonempty(o, "key_group", c->key_group);
    ss_j_int(o, "key_bits", c->key_bits);
    ss_j_str(o, "signature_alg", c->sig_alg);
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
            ss_j_int(o, "extended_key_usage_dropped", c->eku_dropped);
    }
    if (c->has_basic_constraints)
        ss_j_bool(o, "ca", c->ca);
    if (c->ca && c->path_len >= 0)
        ss_j_int(o, "path_len", c->path_len);
    ss_j_bool(o, "self_issued", c->self_issued);
    ss_j_bool(o, "self_signed", c->self_signed);
    if (c->extensions_invalid)
        ss_j_bool(o, "extensions_invalid", 1);
    ss_j_str(o, "sha1", c->sha1);
    ss_j_str(o, "sha256", c->sha256);
    ss_j_str(o, "role", ss_scep_role_name(c->role));
    return o;
}

static json_t *recipient_json(const ss_scep_recipient *r)
{
    json_t *o = json_object();

    if (!o)
        return NULL;
    ss_j_str(o, "kind", ss_scep_recipient_kind_name(r->kind));
    ss_j_str_nonempty(o, "issuer", r->issuer);
    ss_j_str_nonempty(o, "serial", r->serial);
    ss_j_str_nonempty(o, "subject_key_id", r->skid);
    ss_j_str_nonempty(o, "key_alg", r->key_alg);
    ss_j_bool(o, "oaep", r->oaep);
    ss_j_int(o, "encrypted_key_len", (json_int_t)r->enc_key_len);
    return o;
}

static json_t *envelope_json(const ss_scep_envelope *e)
{
    json_t *o = json_object(), *ra;
    unsigned i;

    if (!o)
        return NULL;
    j_verdict(o, &e->verdict);
    ss_j_int(o, "length", (json_int_t)e->der_len);
    if ((ra = json_array()) != NULL) {
        for (i = 0; i < e->nrecipients; i++)
            json_array_append_new(ra, recipient_json(&e->recipients[i]));
        json_object_set_new(o, "recipients", ra);
    }
    if (e->recipients_dropped)
        ss_j_int(o, "recipients_dropped", e->recipients_dropped);
    ss_j_str_nonempty(o, "cipher", e->cipher);
    ss_j_str_nonempty(o, "cipher_oid", e->cipher_oid);
    if (e->cipher_key_bits)
        ss_j_int(o, "cipher_key_bits", e->cipher_key_bits);
    if (e->cipher[0]) {
        ss_j_bool(o, "cipher_available", e->cipher_available);
        ss_j_bool(o, "single_des", e->single_des);
    }
    ss_j_str_nonempty(o, "content_type", e->content_type);
    if (e->encrypted_present)
        ss_j_int(o, "encrypted_length", (json_int_t)e->encrypted_len);
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
    ss_j_int(o, key, v);
    if (name)
        ss_j_str(o, name_key, name);
}

json_t *ss_scep_msg_json(const ss_scep_msg *m)
{
    json_t *o = json_object();

    if (!o)
        return NULL;
    j_verdict(o, &m->verdict);
    ss_j_int(o, "length", (json_int_t)m->body_len);
    if (m->message_type >= 0)
        j_named(o, "message_type", "message_type_name", m->message_type,
                ss_scep_message_type_name(m->message_type));
    else
        ss_j_str_nonempty(o, "message_type_raw", m->message_type_raw);
    if (m->has_transaction_id)
        ss_j_str(o, "transaction_id", m->transaction_id);
    if (m->has_sender_nonce) {
        ss_j_str(o, "sender_nonce", m->sender_nonce);
        ss_j_int(o, "sender_nonce_len", (json_int_t)m->sender_nonce_len);
    }
    if (m->has_recipient_nonce) {
        ss_j_str(o, "recipient_nonce", m->recipient_nonce);
        ss_j_int(o, "recipient_nonce_len", (json_int_t)m->recipient_nonce_len);
    }
    if (m->pki_status >= 0)
        j_named(o, "pki_status", "pki_status_name", m->pki_status,
                ss_scep_pki_status_name(m->pki_status));
    if (m->fail_info >= 0) {
        j_named(o, "fail_info", "fail_info_name", m->fail_info,
                ss_scep_fail_info_name(m->fail_info));
        if (ss_scep_fail_info_cmp_name(m->fail_info))
            ss_j_str(o, "fail_info_cmp_name", ss_scep_fail_info_cmp_name(m->fail_info));
    }
    if (m->has_fail_info_text)
        ss_j_str(o, "fail_info_text", m->fail_info_text);
    if (m->has_ms_error) {
        json_t *e = json_object();
        char hex[12];

        if (e) {
            snprintf(hex, sizeof(hex), "0x%08X", (unsigned)m->ms_hresult);
            ss_j_int(e, "value", (json_int_t)m->ms_error_value);
            ss_j_str(e, "hresult", hex);
            if (ss_scep_hresult_name(m->ms_hresult)) {
                ss_j_str(e, "name", ss_scep_hresult_name(m->ms_hresult));
                ss_j_str(e, "text", ss_scep_hresult_text(m->ms_hresult));
            }
            json_object_set_new(o, "ms_scep_error", e);
        }
    }
    ss_j_bool(o, "content_type_attr", m->has_content_type_attr);
    ss_j_bool(o, "message_digest_attr", m->has_message_digest_attr);
    if (m->has_signing_time)
        ss_j_int(o, "signing_time_epoch", (json_int_t)m->signing_time);
    if (m->unknown_attrs)
        ss_j_int(o, "unknown_attrs", m->unknown_attrs);
    if (m->nsigners || m->ncerts) {
        json_t *s = json_object();

        if (s) {
            ss_j_int(s, "signers", m->nsigners);
            ss_j_int(s, "certificates", m->ncerts);
            ss_j_str_nonempty(s, "digest_alg", m->digest_alg);
            ss_j_str_nonempty(s, "signature_alg", m->signature_alg);
            ss_j_str_nonempty(s, "issuer", m->signer_issuer);
            ss_j_str_nonempty(s, "serial", m->signer_serial);
            ss_j_str_nonempty(s, "subject_key_id", m->signer_skid);
            ss_j_str_nonempty(s, "econtent_type", m->econtent_type);
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
                ss_j_int(s, "other_certificates_dropped", m->other_certs_dropped);
            json_object_set_new(o, "signed_data", s);
        }
    }
    if (m->has_content)
        ss_j_int(o, "content_length", (json_int_t)m->content_len);
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
    ss_j_int(o, "length", (json_int_t)c->body_len);
    ss_j_str(o, "form", ss_scep_certs_form_name(c->form));
    if (c->form == SS_SCEP_CERTS_PKCS7_SIGNED)
        ss_j_int(o, "signers", c->nsigners);
    if ((a = json_array()) != NULL) {
        for (i = 0; i < c->ncerts; i++)
            json_array_append_new(a, ss_scep_cert_json(&c->certs[i]));
        json_object_set_new(o, "certificates", a);
    }
    if (c->certs_dropped)
        ss_j_int(o, "certificates_dropped", c->certs_dropped);
    return o;
}

json_t *ss_scep_caps_json(const ss_scep_caps *c)
{
    json_t *o = json_object(), *a, *u;
    unsigned i;

    if (!o)
        return NULL;
    j_verdict(o, &c->verdict);
    ss_j_int(o, "length", (json_int_t)c->body_len);
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
        ss_j_int(o, "unknown_dropped", c->unknown_dropped);
    if (c->noncanonical)
        ss_j_int(o, "noncanonical_case", c->noncanonical);
    if (c->duplicates)
        ss_j_int(o, "duplicates", c->duplicates);
    return o;
}

/* ---- text ---------------------------------------------------------------------------------- */

static void verdict_suffix(const ss_scep_verdict *v, char *dst, size_t dstlen)
{
    if (v->reason == SS_SCEP_R_NONE)
        snprintf(dst, dstlen, "ok");
    else
        snprintf(dst, dstlen, "%s (%s): %s", ss_scep_status_name(v->status),
                 ss_scep_reason_name(v->reason), v->detail);
}

/* role: only for GetCACert answers, where the guess means something. */
static void cert_text(ss_tbuf *t, int depth, const ss_scep_cert *c, int role)
{
    char ku[200] = "", eku[420] = "";
    size_t p = 0;
    unsigned i;

    ss_tline(t, depth, "subject", "%s", c->subject[0] ? c->subject : "(empty)");
    ss_tline(t, depth, "issuer", "%s%s", c->issuer[0] ? c->issuer : "(empty)",
             c->self_signed   ? " (self-signed)"
             : c->self_issued ? " (self-issued)"
                              : "");
    ss_tline(t, depth, "serial", "%s", c->serial);
    if (c->times_ok)
        ss_tline(t, depth, "validity", "%s .. %s", c->not_before_iso, c->not_after_iso);
    else
        ss_tline(t, depth, "validity", "(unreadable)");
    ss_tline(t, depth, "key", "%s%s%s %d bits", c->key_type[0] ? c->key_type : "(unknown)",
             c->key_group[0] ? " " : "", c->key_group, c->key_bits);
    ss_tline(t, depth, "signature", "%s", c->sig_alg);
    for (i = 0; i < SS_SCEP_KU_COUNT && p < sizeof(ku); i++)
        if (c->key_usage & (1u << i))
            p += (size_t)snprintf(ku + p, sizeof(ku) - p, "%s%s", p ? ", " : "",
                                  ss_scep_key_usage_name(i));
    ss_tline(t, depth, "keyUsage", "%s", c->has_key_usage ? ku : "(none: any use)");
    p = 0;
    for (i = 0; i < c->neku && p < sizeof(eku); i++)
        p += (size_t)snprintf(eku + p, sizeof(eku) - p, "%s%s", p ? ", " : "", c->eku[i]);
    if (c->has_eku)
        ss_tline(t, depth, "extKeyUsage", "%s%s", eku, c->eku_dropped ? ", ..." : "");
    if (c->ca && c->path_len >= 0)
        ss_tline(t, depth, "CA", "yes, path length %ld", c->path_len);
    else if (c->ca)
        ss_tline(t, depth, "CA", "yes");
    else
        ss_tline(t, depth, "CA", "no%s", c->has_basic_constraints ? "" : " (no basicConstraints)");
    if (role)
        ss_tline(t, depth, "role", "%s", ss_scep_role_name(c->role));
    ss_tline(t, depth, "SHA-1", "%s", c->sha1);
    ss_tline(t, depth, "SHA-256", "%s", c->sha256);
    if (c->extensions_invalid)
        ss_tline(t, depth, "warning", "an extension could not be decoded");
}

static void envelope_text(ss_tbuf *t, const ss_scep_envelope *e)
{
    unsigned i;
    char v[200];

    verdict_suffix(&e->verdict, v, sizeof(v));
    ss_tline(t, 1, "envelope", "%zu bytes: %s", e->der_len, v);
    if (e->cipher[0])
        ss_tline(t, 2, "cipher", "%s%s%s", e->cipher,
                 e->single_des ? " (single DES: OpenSSL 3 servers refuse it)" : "",
                 e->cipher_available ? "" : " (not available in this OpenSSL)");
    if (e->encrypted_present)
        ss_tline(t, 2, "encrypted", "%zu bytes of %s", e->encrypted_len,
                 e->content_type[0] ? e->content_type : "content");
    for (i = 0; i < e->nrecipients; i++) {
        const ss_scep_recipient *r = &e->recipients[i];

        if (r->kind == SS_SCEP_RI_KTRI_ISSUER_SERIAL)
            ss_tline(t, 2, "recipient", "%s, serial %s, %s%s", r->issuer, r->serial, r->key_alg,
                     r->oaep ? " (RSAES-OAEP: many servers refuse it)" : "");
        else if (r->kind == SS_SCEP_RI_KTRI_SKID)
            ss_tline(t, 2, "recipient", "key id %s, %s", r->skid, r->key_alg);
        else
            ss_tline(t, 2, "recipient", "%s", ss_scep_recipient_kind_name(r->kind));
    }
    if (e->recipients_dropped)
        ss_tline(t, 2, "recipients", "%u more not shown", e->recipients_dropped);
}

size_t ss_scep_msg_text(const ss_scep_msg *m, const char *indent, char *buf, size_t len)
{
    ss_tbuf t = ss_tstart(indent, buf, len);
    const char *name = m->message_type >= 0 ? ss_scep_message_type_name(m->message_type) : NULL;
    char v[200];

    verdict_suffix(&m->verdict, v, sizeof(v));
    if (m->message_type >= 0)
        ss_tprintf(&t, "%spkiMessage %s (%ld), %zu bytes: %s\n", t.indent, name ? name : "unknown",
                   m->message_type, m->body_len, v);
    else
        ss_tprintf(&t, "%spkiMessage, %zu bytes: %s\n", t.indent, m->body_len, v);
    if (m->has_transaction_id)
        ss_tline(&t, 1, "transactionID", "%s", m->transaction_id);
    if (m->pki_status >= 0) {
        const char *s = ss_scep_pki_status_name(m->pki_status);
        ss_tline(&t, 1, "pkiStatus", "%s (%ld)", s ? s : "unknown", m->pki_status);
    }
    if (m->fail_info >= 0) {
        const char *f = ss_scep_fail_info_name(m->fail_info);
        const char *cmp = ss_scep_fail_info_cmp_name(m->fail_info);

        if (f)
            ss_tline(&t, 1, "failInfo", "%s (%ld)", f, m->fail_info);
        else
            ss_tline(&t, 1, "failInfo", "%ld, not a SCEP value%s%s%s", m->fail_info,
                     cmp ? " (CMP " : "", cmp ? cmp : "", cmp ? ")" : "");
    }
    if (m->has_fail_info_text)
        ss_tline(&t, 1, "failInfoText", "%s", m->fail_info_text);
    if (m->has_ms_error) {
        const char *hn = ss_scep_hresult_name(m->ms_hresult);

        ss_tline(&t, 1, "NDES error", "0x%08X%s%s%s%s (%lld)", (unsigned)m->ms_hresult,
                 hn ? " " : "", hn ? hn : "", hn ? ": " : "",
                 hn ? ss_scep_hresult_text(m->ms_hresult) : "", (long long)m->ms_error_value);
    }
    if (m->has_sender_nonce)
        ss_tline(&t, 1, "senderNonce", "%s (%zu bytes)", m->sender_nonce, m->sender_nonce_len);
    if (m->has_recipient_nonce)
        ss_tline(&t, 1, "recipientNonce", "%s (%zu bytes)", m->recipient_nonce,
                 m->recipient_nonce_len);
    if (m->nsigners) {
        ss_tline(&t, 1, "algorithms", "digest %s, signature %s", m->digest_alg, m->signature_alg);
        ss_tline(&t, 1, "CMS attributes", "contentType %s, messageDigest %s%s",
                 m->has_content_type_attr ? "present" : "MISSING",
                 m->has_message_digest_attr ? "present" : "MISSING",
                 m->unknown_attrs ? ", other attributes" : "");
        if (m->signer_cert_found) {
            ss_tline(&t, 1, "signer", "%s", m->signer.subject);
            cert_text(&t, 2, &m->signer, 0);
        } else {
            ss_tline(&t, 1, "signer", "%s%s%s serial %s (certificate not included)",
                     m->signer_issuer, m->signer_skid[0] ? " key id " : "", m->signer_skid,
                     m->signer_serial);
        }
    }
    {
        unsigned i;

        for (i = 0; i < m->nother_certs; i++) {
            ss_tline(&t, 1, "certificate", "%s (also carried)", m->other_certs[i].subject);
            cert_text(&t, 2, &m->other_certs[i], 0);
        }
        if (m->other_certs_dropped)
            ss_tline(&t, 1, "certificates", "%u more not shown", m->other_certs_dropped);
    }
    if (m->has_content && !m->envelope.present)
        ss_tline(&t, 1, "envelope", "none (empty content)");
    if (m->envelope.present)
        envelope_text(&t, &m->envelope);
    if (m->message_type == SS_SCEP_MT_CERTREP && m->envelope.present)
        ss_tline(&t, 1, "note", "the issued certificate is encrypted to the device's key");
    return t.need;
}

size_t ss_scep_certs_text(const ss_scep_certs *c, const char *indent, char *buf, size_t len)
{
    ss_tbuf t = ss_tstart(indent, buf, len);
    char v[200], label[16];
    unsigned i;

    verdict_suffix(&c->verdict, v, sizeof(v));
    ss_tprintf(&t, "%scertificates (%s, %u), %zu bytes: %s\n", t.indent,
               ss_scep_certs_form_name(c->form), c->ncerts + c->certs_dropped, c->body_len, v);
    for (i = 0; i < c->ncerts; i++) {
        snprintf(label, sizeof(label), "[%u]", i);
        ss_tline(&t, 1, label, "%s", ss_scep_role_name(c->certs[i].role));
        cert_text(&t, 2, &c->certs[i], 1);
    }
    if (c->certs_dropped)
        ss_tline(&t, 1, "more", "%u certificates not shown", c->certs_dropped);
    return t.need;
}

size_t ss_scep_caps_text(const ss_scep_caps *c, const char *indent, char *buf, size_t len)
{
    ss_tbuf t = ss_tstart(indent, buf, len);
    char v[200], list[400] = "";
    size_t p = 0;
    unsigned i;

    verdict_suffix(&c->verdict, v, sizeof(v));
    ss_tprintf(&t, "%scapabilities, %zu bytes: %s\n", t.indent, c->body_len, v);
    for (i = 0; i < SS_SCEP_CAP_COUNT && p < sizeof(list); i++)
        if (c->flags & (1u << i))
            p += (size_t)snprintf(list + p, sizeof(list) - p, "%s%s", p ? ", " : "",
                                  ss_scep_cap_name(i));
    ss_tline(&t, 1, "offered", "%s", p ? list : "(none)");
    if (!(c->flags & SS_SCEP_CAP_POSTPKIOPERATION) && c->verdict.reason == SS_SCEP_R_NONE)
        ss_tline(&t, 1, "note", "no POSTPKIOperation: clients send PKIOperation by GET");
    for (i = 0; i < c->nunknown; i++)
        ss_tline(&t, 1, "unknown", "%s", c->unknown[i]);
    if (c->unknown_dropped)
        ss_tline(&t, 1, "unknown", "%u more not shown", c->unknown_dropped);
    return t.need;
}

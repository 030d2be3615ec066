/* judge.c — the verdict on one HTTP transaction (see judge.h; SCEP.md §4 for each reading).
 *
 * Order matters: what the transport did decides whether there is an answer to read at all; a
 * capture gap makes us say "cannot tell" rather than blame the network; an HTML error page is
 * judged as a page, never decoded as a pkiMessage.
 */
#include "detect/judge.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "decode/scep_names.h"
#include "detect/exchange.h"

/* HTTP.sys default MaxFieldLength/MaxRequestBytes; NDES guidance raises both to 65534. */
#define SS_HTTPSYS_DEFAULT_FIELD 16384u

static void copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

/* Case-insensitive search in the first bytes of the response body. */
static int head_has(const ss_http_tx *h, const char *needle)
{
    size_t n = strlen(needle);
    if (n > h->html_head_len)
        return 0;
    for (size_t i = 0; i + n <= h->html_head_len; i++)
        if (!strncasecmp((const char *)h->html_head + i, needle, n))
            return 1;
    return 0;
}

static int is_html(const ss_http_tx *h)
{
    const char *ct = h->res_content_type;
    for (; *ct; ct++)
        if (!strncasecmp(ct, "html", 4))
            return 1;
    return head_has(h, "<html") || head_has(h, "<!doctype html");
}

static void fill_fields(const ss_http_tx *h, scepsniff_exchange *ex)
{
    const ss_scep_url *u = &h->scep;
    if (!u->is_scep || u->op == SS_SCEP_OP_NONE)
        copy(ex->operation, sizeof(ex->operation), "bare URL");
    else if (u->op == SS_SCEP_OP_OTHER)
        copy(ex->operation, sizeof(ex->operation), u->op_text);
    else
        copy(ex->operation, sizeof(ex->operation), ss_scep_op_name(u->op));
    copy(ex->method, sizeof(ex->method), h->method);
    copy(ex->uri, sizeof(ex->uri), h->uri);
    ex->uri_len = h->uri_len;
    copy(ex->host, sizeof(ex->host), h->host);
    copy(ex->user_agent, sizeof(ex->user_agent), h->user_agent);
    copy(ex->platform, sizeof(ex->platform), ss_platform_of(h->user_agent));
    if (h->xff[0]) {
        size_t n = strcspn(h->xff, ", ");
        snprintf(ex->device, sizeof(ex->device), "%.*s", (int)(n < 63 ? n : 63), h->xff);
    }
    ex->status = h->status;
    copy(ex->reason, sizeof(ex->reason), h->reason);
    copy(ex->server_header, sizeof(ex->server_header), h->server);
    ex->request_bytes = h->req_body_seen;
    ex->response_bytes = h->res_body_seen;
    ex->t_request = h->req_start;
    ex->t_request_end = h->req_end;
    ex->t_response = h->res_start;
    ex->t_response_end = h->res_end;
}

/* What the transport did to the answer. Returns 1 when there is no response to judge. */
static int judge_transport(const ss_judge_ctx *jc, const ss_http_tx *h, scepsniff_exchange *ex)
{
    unsigned f = h->flags;
    int gap = f & (SS_HTTP_GAP_REQ | SS_HTTP_GAP_RES);
    if (f & SS_HTTP_RES_MISSING) {
        if (gap)
            ss_exchange_add(ex, SS_F_CAPTURE_GAP,
                            "our capture lost bytes of this exchange: whether the server "
                            "answered cannot be told");
        else if (f & SS_HTTP_SERVER_RST)
            ss_exchange_add(ex, SS_F_RESET_BY_SERVER,
                            "the server reset the connection before "
                            "answering");
        else if (f & SS_HTTP_CLIENT_RST)
            ss_exchange_add(ex, SS_F_RESET_BY_CLIENT,
                            "the client reset the connection before "
                            "an answer came");
        else if ((f & SS_HTTP_AT_FINISH) && jc->flow_end == SCEPSNIFF_STREAM_IDLE_TIMEOUT)
            ss_exchange_add(ex, SS_F_TIMED_OUT, "no response and no packet for the idle timeout");
        else if ((f & SS_HTTP_AT_FINISH) && jc->flow_end == SCEPSNIFF_STREAM_EVICTED)
            ss_exchange_add(ex, SS_F_CAPTURE_GAP,
                            "the flow was dropped at scepsniff's flow or "
                            "memory cap before an answer");
        else if (f & SS_HTTP_AT_FINISH)
            ss_exchange_add(ex, SS_F_OPEN_AT_END, "awaiting the response when the capture ended");
        else if (f & SS_HTTP_REQ_CUT_SHORT)
            ss_exchange_add(ex, SS_F_REQUEST_TRUNCATED,
                            "the %s closed after %llu of %lld declared request body bytes%s",
                            (f & SS_HTTP_SERVER_FIN) ? "server" : "client",
                            (unsigned long long)h->req_body_seen, (long long)h->req_content_length,
                            (f & SS_HTTP_SERVER_FIN) ? " (a request size limit on the server?)"
                                                     : "");
        else if (f & SS_HTTP_SERVER_FIN)
            ss_exchange_add(ex, SS_F_NO_RESPONSE,
                            "the server closed the connection without "
                            "answering");
        else
            ss_exchange_add(ex, SS_F_NO_RESPONSE,
                            "the client closed the connection before any "
                            "answer");
        return 1;
    }
    if (f & SS_HTTP_RES_CUT_SHORT) {
        if (f & SS_HTTP_GAP_RES)
            ss_exchange_add(ex, SS_F_CAPTURE_GAP, "our capture lost bytes of the response");
        else if (f & SS_HTTP_SERVER_RST)
            ss_exchange_add(ex, SS_F_RESET_BY_SERVER, "reset after %llu response body bytes",
                            (unsigned long long)h->res_body_seen);
        else if (f & SS_HTTP_CLIENT_RST)
            ss_exchange_add(ex, SS_F_RESET_BY_CLIENT, "reset after %llu response body bytes",
                            (unsigned long long)h->res_body_seen);
        else if ((f & SS_HTTP_AT_FINISH) && jc->flow_end == SCEPSNIFF_STREAM_EVICTED)
            ss_exchange_add(ex, SS_F_CAPTURE_GAP,
                            "the flow was dropped at scepsniff's flow or "
                            "memory cap while the response arrived");
        else if ((f & SS_HTTP_AT_FINISH) && jc->flow_end == SCEPSNIFF_STREAM_IDLE_TIMEOUT)
            ss_exchange_add(ex, SS_F_TIMED_OUT,
                            "the response stopped after %llu body bytes and "
                            "no packet came for the idle timeout",
                            (unsigned long long)h->res_body_seen);
        else if (f & SS_HTTP_AT_FINISH)
            ss_exchange_add(ex, SS_F_OPEN_AT_END,
                            "the response was still arriving when the "
                            "capture ended");
        else if (h->res_content_length >= 0)
            ss_exchange_add(ex, SS_F_RESPONSE_TRUNCATED,
                            "%llu of %lld declared body bytes, then the connection closed",
                            (unsigned long long)h->res_body_seen, (long long)h->res_content_length);
        else
            ss_exchange_add(ex, SS_F_RESPONSE_TRUNCATED,
                            "the response body ended early "
                            "(chunked encoding not finished)");
        return 0;
    }
    if (gap)
        ss_exchange_add(ex, SS_F_CAPTURE_GAP, "our capture lost %llu bytes of this exchange",
                        (unsigned long long)(h->req_gap + h->res_gap));
    return 0;
}

/* The damage to a GET message= that servers trip over. */
static void judge_message_param(const ss_http_tx *h, scepsniff_exchange *ex)
{
    const ss_scep_url *u = &h->scep;
    if (u->op != SS_SCEP_OP_PKIOPERATION || !u->is_get)
        return;
    if (u->damage & SS_SCEP_MSG_RAW_PLUS)
        ss_exchange_add(ex, SS_F_MESSAGE_PLUS_UNESCAPED, "message= has '+' not escaped as %%2B");
    if (u->damage & SS_SCEP_MSG_BASE64URL)
        ss_exchange_add(ex, SS_F_MESSAGE_BASE64URL, "message= has '-' or '_' (base64url)");
    unsigned other = u->damage & ~(SS_SCEP_MSG_RAW_PLUS | SS_SCEP_MSG_BASE64URL |
                                   SS_SCEP_MSG_TOO_LONG | SS_SCEP_MSG_EMPTY);
    if (other) {
        char names[160] = "";
        for (unsigned b = 0; b < SS_SCEP_MSG_NBITS; b++) {
            if (!(other & (1u << b)))
                continue;
            size_t n = strlen(names);
            snprintf(names + n, sizeof(names) - n, "%s%s", n ? ", " : "",
                     ss_scep_damage_name(1u << b));
        }
        ss_exchange_add(ex, SS_F_MESSAGE_BAD_BASE64, "message=: %s", names);
    }
    /* A server that answered 200 has its limits raised: the size warnings would be noise. */
    if (h->status == 200)
        return;
    size_t line = h->uri_len + strlen(h->method) + 10;
    /* IIS's maxUrl counts the part before '?', maxQueryString the rest */
    if (u->query_len > SS_SCEP_IIS_MAX_QUERY || u->path_len > SS_SCEP_IIS_MAX_URL)
        ss_exchange_add(ex, SS_F_URL_OVER_IIS_LIMIT,
                        "query %zu bytes, URL %zu bytes; IIS request filtering allows %u and %u "
                        "by default",
                        u->query_len, u->url_len, SS_SCEP_IIS_MAX_QUERY, SS_SCEP_IIS_MAX_URL);
    if (line > SS_HTTPSYS_DEFAULT_FIELD * 8 / 10)
        ss_exchange_add(ex, SS_F_URL_NEAR_HTTPSYS_LIMIT,
                        "request line %zu bytes; HTTP.sys allows %u by default (NDES needs 65534)",
                        line, SS_HTTPSYS_DEFAULT_FIELD);
}

static void judge_status(const ss_http_tx *h, scepsniff_exchange *ex)
{
    const ss_scep_url *u = &h->scep;
    if (head_has(h, "page can't be displayed") ||
        head_has(h, "page can\xe2\x80\x99t be displayed") ||
        head_has(h, "page cannot be displayed")) {
        ss_exchange_add(ex, SS_F_APP_PROXY_ERROR_PAGE,
                        "HTTP %d with the \"This page can't be "
                        "displayed\" page",
                        h->status);
        return;
    }
    switch (h->status) {
    case 200:
        if (head_has(h, "Network Device Enrollment Service"))
            ss_exchange_add(ex, SS_F_NDES_DEFAULT_PAGE, "%s answered with the NDES web page",
                            ex->operation);
        else if (u->op != SS_SCEP_OP_NONE && is_html(h))
            ss_exchange_add(ex, SS_F_HTML_NOT_SCEP, "%s answered an HTML page (Content-Type %s)",
                            ex->operation, h->res_content_type[0] ? h->res_content_type : "none");
        else if ((u->op == SS_SCEP_OP_GETCACERT || u->op == SS_SCEP_OP_PKIOPERATION) &&
                 !strncasecmp(h->res_content_type, "text/", 5))
            ss_exchange_add(ex, SS_F_WRONG_CONTENT_TYPE, "%s answered Content-Type %s",
                            ex->operation, h->res_content_type);
        return;
    case 401:
        ss_exchange_add(ex, SS_F_HTTP_401, "HTTP 401 %s", h->reason);
        return;
    case 403:
        if (u->op == SS_SCEP_OP_NONE)
            ss_exchange_add(ex, SS_F_HTTP_403_BARE_URL, NULL);
        else
            ss_exchange_add(ex, SS_F_HTTP_403_OPERATION, "HTTP 403 on %s", ex->operation);
        return;
    case 404:
        if (head_has(h, "404.14") || head_has(h, "URL too long"))
            ss_exchange_add(ex, SS_F_HTTP_URL_TOO_LONG, "IIS 404.14 URL too long (%zu bytes)",
                            h->uri_len);
        else if (head_has(h, "404.15") || head_has(h, "query string too long"))
            ss_exchange_add(ex, SS_F_HTTP_URL_TOO_LONG,
                            "IIS 404.15 query string too long (%zu bytes)", u->query_len);
        else
            ss_exchange_add(ex, SS_F_HTTP_404, "HTTP 404 for %.120s", h->path);
        return;
    case 414:
        ss_exchange_add(ex, SS_F_HTTP_URL_TOO_LONG, "HTTP 414, URL %zu bytes", h->uri_len);
        return;
    case 500:
        if (u->damage & (SS_SCEP_MSG_RAW_PLUS | SS_SCEP_MSG_BASE64URL | SS_SCEP_MSG_PAD_BAD |
                         SS_SCEP_MSG_INVALID_CHAR))
            ss_exchange_add(ex, SS_F_HTTP_500,
                            "HTTP 500 on %s; the request's message= is "
                            "damaged, which the server likely could not "
                            "parse",
                            ex->operation);
        else
            ss_exchange_add(ex, SS_F_HTTP_500, "HTTP 500 on %s", ex->operation);
        return;
    case 502:
        ss_exchange_add(ex, SS_F_HTTP_502, "HTTP 502 %s", h->reason);
        return;
    case 503:
        ss_exchange_add(ex, SS_F_HTTP_503, "HTTP 503 %s%s%s", h->reason,
                        h->server[0] ? ", Server: " : "", h->server);
        return;
    case 504:
        if (strstr(h->host, "msappproxy.net"))
            ss_exchange_add(ex, SS_F_HTTP_504,
                            "HTTP 504 %s from the Entra application proxy "
                            "(Host %s): its connector did not reach NDES",
                            h->reason, h->host);
        else
            ss_exchange_add(ex, SS_F_HTTP_504, "HTTP 504 %s", h->reason);
        return;
    default:
        if (h->status >= 300)
            ss_exchange_add(ex, SS_F_HTTP_OTHER_ERROR, "HTTP %d %s on %s", h->status, h->reason,
                            ex->operation);
        return;
    }
}

/* The body could not be read because our capture (or the body cap) lost part of it. */
static int body_incomplete(const ss_http_tx *h, int request)
{
    unsigned f = h->flags;
    if (request)
        return f & (SS_HTTP_GAP_REQ | SS_HTTP_REQ_CUT_SHORT | SS_HTTP_REQ_BODY_CAPPED);
    return f & (SS_HTTP_GAP_RES | SS_HTTP_RES_CUT_SHORT | SS_HTTP_RES_BODY_CAPPED);
}

static void judge_request_msg(const ss_judge_ctx *jc, const ss_decoded_tx *tx,
                              scepsniff_exchange *ex)
{
    const ss_http_tx *h = tx->http;
    const ss_scep_msg *m = tx->request;
    if (!m) {
        if (h->scep.op == SS_SCEP_OP_PKIOPERATION && h->scep.is_get &&
            h->scep.der_status == SS_SCEP_DER_FAILED)
            ss_exchange_add(ex, SS_F_SCEP_MALFORMED_REQUEST,
                            "message= does not decode as "
                            "base64");
        return;
    }
    if (m->message_type >= 0)
        copy(ex->message_type, sizeof(ex->message_type),
             ss_scep_message_type_name(m->message_type));
    copy(ex->transaction_id, sizeof(ex->transaction_id), m->transaction_id);
    if (m->verdict.status != SS_SCEP_OK) {
        if (!body_incomplete(h, 1))
            ss_exchange_add(ex, SS_F_SCEP_MALFORMED_REQUEST, "%s: %s",
                            ss_scep_reason_name(m->verdict.reason), m->verdict.detail);
        return;
    }
    const ss_scep_envelope *env = &m->envelope;
    if (env->single_des)
        ss_exchange_add(ex, SS_F_SINGLE_DES, "content encrypted with %s", env->cipher);
    for (unsigned i = 0; i < env->nrecipients; i++) {
        const ss_scep_recipient *r = &env->recipients[i];
        if (r->oaep)
            ss_exchange_add(ex, SS_F_RSA_OAEP, "key transport %s", r->key_alg);
        if (jc->server && jc->server->ncerts && r->kind == SS_SCEP_RI_KTRI_ISSUER_SERIAL &&
            !ss_server_knows_cert(jc->server, r->issuer, r->serial))
            ss_exchange_add(ex, SS_F_UNKNOWN_RECIPIENT,
                            "encrypted to serial %s of %s, which this server's GetCACert did not "
                            "hand out",
                            r->serial, r->issuer);
    }
}

/* What the request says once opened with the RA key (--ra-key). */
static void judge_content(const ss_decoded_tx *tx, scepsniff_exchange *ex)
{
    const ss_scep_content *c = tx->content;
    switch (c->decrypt.status) {
    case SS_SCEP_DEC_OK:
        if (c->decrypt.other_cert)
            ss_exchange_add(ex, SS_F_RA_KEY_OLD_CERT, "%s", c->decrypt.detail);
        break;
    case SS_SCEP_DEC_NO_MATCH:
    case SS_SCEP_DEC_FAILED:
    case SS_SCEP_DEC_UNSUPPORTED:
        ss_exchange_add(ex, SS_F_RA_KEY_NO_MATCH, "%s", c->decrypt.detail);
        return;
    default:
        return;
    }
    if (c->verdict.status != SS_SCEP_OK) {
        ss_exchange_add(ex, SS_F_SCEP_MALFORMED_REQUEST, "the decrypted content: %s: %s",
                        ss_scep_reason_name(c->verdict.reason), c->verdict.detail);
        return;
    }
    if (c->kind != SS_SCEP_CONTENT_CSR)
        return;
    copy(ex->csr_subject, sizeof(ex->csr_subject), c->csr.subject);
    if (c->csr_signature_invalid)
        ss_exchange_add(ex, SS_F_CSR_SIGNATURE_INVALID, "%s", c->csr.sig_alg);
    if (c->csr_rsa_weak)
        ss_exchange_add(ex, SS_F_CSR_WEAK_KEY, "RSA %d bits", c->csr.key_bits);
    if (c->csr_empty_identity)
        ss_exchange_add(ex, SS_F_CSR_EMPTY_IDENTITY, NULL);
    else if (c->csr_no_san && !strcmp(ex->platform, "Android"))
        ss_exchange_add(ex, SS_F_CSR_NO_SAN, "subject %s", c->csr.subject);
    if (c->csr_signer_key_differs)
        ss_exchange_add(ex, SS_F_CSR_SIGNER_KEY_DIFFERS, NULL);
}

static void judge_reply_msg(const ss_decoded_tx *tx, scepsniff_exchange *ex)
{
    const ss_http_tx *h = tx->http;
    const ss_scep_msg *m = tx->reply, *q = tx->request;
    /* The decoder calls a reply without the CMS contentType attribute malformed; when that is
     * all that is wrong, the reply is readable and the specific finding says more. */
    int only_content_type = m->verdict.status == SS_SCEP_MALFORMED &&
                            m->verdict.reason == SS_SCEP_R_MISSING_ATTR &&
                            !m->has_content_type_attr && strstr(m->verdict.detail, "contentType");
    if ((m->verdict.status != SS_SCEP_OK && !only_content_type) || m->message_type != 3) {
        if (!body_incomplete(h, 0))
            ss_exchange_add(ex, SS_F_SCEP_MALFORMED_REPLY, "%s: %s",
                            m->verdict.status != SS_SCEP_OK ? ss_scep_reason_name(m->verdict.reason)
                                                            : "not a CertRep",
                            m->verdict.status != SS_SCEP_OK
                                ? m->verdict.detail
                                : ss_scep_message_type_name(m->message_type));
        return;
    }
    if (!ex->transaction_id[0])
        copy(ex->transaction_id, sizeof(ex->transaction_id), m->transaction_id);
    if (m->pki_status >= 0)
        copy(ex->pki_status, sizeof(ex->pki_status), ss_scep_pki_status_name(m->pki_status));
    if (m->fail_info >= 0) {
        const char *n = ss_scep_fail_info_name(m->fail_info);
        const char *cmp = ss_scep_fail_info_cmp_name(m->fail_info); /* EJBCA's CMP numbers */
        if (n)
            copy(ex->fail_info, sizeof(ex->fail_info), n);
        else if (cmp)
            snprintf(ex->fail_info, sizeof(ex->fail_info), "%ld (%s)", m->fail_info, cmp);
        else
            snprintf(ex->fail_info, sizeof(ex->fail_info), "%ld", m->fail_info);
    }
    if (m->has_ms_error) {
        const char *n = ss_scep_hresult_name(m->ms_hresult);
        snprintf(ex->hresult, sizeof(ex->hresult), "0x%08X%s%s", (unsigned)m->ms_hresult,
                 n ? " " : "", n ? n : "");
    }
    switch (m->pki_status) {
    case 0:
        ss_exchange_add(ex, SS_F_SCEP_ISSUED, "%s issued",
                        ex->message_type[0] ? ex->message_type : "request");
        break;
    case 2:
        ss_exchange_add(ex, SS_F_SCEP_FAILURE, "failInfo %s%s%s%s%s",
                        ex->fail_info[0] ? ex->fail_info : "(none)",
                        ex->hresult[0] ? "; NDES error " : "", ex->hresult,
                        m->has_fail_info_text ? "; " : "",
                        m->has_fail_info_text ? m->fail_info_text : "");
        break;
    case 3:
        ss_exchange_add(ex, SS_F_SCEP_PENDING, "the CA holds the request for approval");
        break;
    default:
        ss_exchange_add(ex, SS_F_SCEP_MALFORMED_REPLY, "pkiStatus %ld", m->pki_status);
        break;
    }
    if (q && q->verdict.status == SS_SCEP_OK) {
        if (q->has_transaction_id && m->has_transaction_id &&
            strcmp(q->transaction_id, m->transaction_id))
            ss_exchange_add(ex, SS_F_SCEP_TXID_MISMATCH, "request %s, reply %s", q->transaction_id,
                            m->transaction_id);
        if (q->has_sender_nonce && m->has_recipient_nonce &&
            strcmp(q->sender_nonce, m->recipient_nonce))
            ss_exchange_add(ex, SS_F_SCEP_NONCE_MISMATCH, "senderNonce %s, recipientNonce %s",
                            q->sender_nonce, m->recipient_nonce);
    }
    if (!m->has_content_type_attr)
        ss_exchange_add(ex, SS_F_SCEP_NO_CONTENT_TYPE, NULL);
    /* A reply signed with a certificate outside its validity is rejected by the device. */
    const struct timeval *now = h->res_end.tv_sec ? &h->res_end : &h->req_start;
    if (m->signer_cert_found && m->signer.times_ok && now->tv_sec > m->signer.not_after)
        ss_exchange_add(ex, SS_F_CERT_EXPIRED,
                        "the reply is signed by %s, which expired %s: the device rejects it",
                        m->signer.subject, m->signer.not_after_iso);
    else if (m->signer_cert_found && m->signer.times_ok && now->tv_sec < m->signer.not_before)
        ss_exchange_add(ex, SS_F_CERT_NOT_YET_VALID,
                        "the reply is signed by %s, valid only from %s", m->signer.subject,
                        m->signer.not_before_iso);
}

static void judge_caps(const ss_decoded_tx *tx, scepsniff_exchange *ex)
{
    const ss_scep_caps *c = tx->caps;
    if (c->verdict.status != SS_SCEP_OK) {
        if (!body_incomplete(tx->http, 0))
            ss_exchange_add(ex, SS_F_SCEP_MALFORMED_REPLY, "GetCACaps: %s", c->verdict.detail);
        return;
    }
    if (!(c->flags & (SS_SCEP_CAP_SHA256 | SS_SCEP_CAP_SHA512)))
        ss_exchange_add(ex, SS_F_CAPS_NO_SHA2, "no SHA-256 or SHA-512 offered");
    if (!(c->flags & SS_SCEP_CAP_AES))
        ss_exchange_add(ex, SS_F_CAPS_NO_AES, "%s",
                        (c->flags & SS_SCEP_CAP_DES3) ? "DES3 offered, no AES"
                                                      : "neither AES nor DES3 offered");
}

void ss_judge_certs(const ss_scep_certs *certs, const struct timeval *now, unsigned warn_days,
                    scepsniff_exchange *ex)
{
    for (unsigned i = 0; i < certs->ncerts; i++) {
        const ss_scep_cert *c = &certs->certs[i];
        if (!c->times_ok)
            continue;
        const char *role = ss_scep_role_name(c->role);
        if (now->tv_sec < c->not_before)
            ss_exchange_add(ex, SS_F_CERT_NOT_YET_VALID, "%s certificate %s valid from %s", role,
                            c->subject, c->not_before_iso);
        else if (now->tv_sec > c->not_after)
            ss_exchange_add(ex, SS_F_CERT_EXPIRED, "%s certificate %s expired %s", role, c->subject,
                            c->not_after_iso);
        else if ((double)(c->not_after - now->tv_sec) < (double)warn_days * 86400.0)
            ss_exchange_add(ex, SS_F_CERT_EXPIRING, "%s certificate %s expires %s (%ld days)", role,
                            c->subject, c->not_after_iso,
                            (long)((c->not_after - now->tv_sec) / 86400));
    }
}

static void judge_certs_reply(const ss_judge_ctx *jc, const ss_decoded_tx *tx,
                              scepsniff_exchange *ex)
{
    const ss_scep_certs *c = tx->certs;
    if (c->verdict.status != SS_SCEP_OK) {
        if (!body_incomplete(tx->http, 0))
            ss_exchange_add(ex, SS_F_SCEP_MALFORMED_REPLY, "%s: %s", ex->operation,
                            c->verdict.detail);
        return;
    }
    const struct timeval *now =
        tx->http->res_end.tv_sec ? &tx->http->res_end : &tx->http->req_start;
    ss_judge_certs(c, now, jc->cert_warn_days, ex);
    ss_judge_ca_set(c, tx->certs_x509, jc->ca_expect, ex);
}

void ss_judge_tx(const ss_judge_ctx *jc, const ss_decoded_tx *tx, scepsniff_exchange *ex)
{
    const ss_http_tx *h = tx->http;
    fill_fields(h, ex);
    judge_message_param(h, ex);
    judge_request_msg(jc, tx, ex);
    if (tx->content)
        judge_content(tx, ex);
    if (judge_transport(jc, h, ex))
        return;
    if (h->status)
        judge_status(h, ex);
    /* a page where a message was expected has been named as such: do not also decode it */
    if (ss_exchange_has(ex, SS_F_HTML_NOT_SCEP) || ss_exchange_has(ex, SS_F_NDES_DEFAULT_PAGE) ||
        ss_exchange_has(ex, SS_F_APP_PROXY_ERROR_PAGE))
        return;
    if (tx->reply)
        judge_reply_msg(tx, ex);
    if (tx->reply_sig)
        ss_judge_reply_sig(tx->reply_sig, ex);
    /* the server failed on a request encrypted to a certificate it never handed out: say so
     * where the administrator reads first, in the failure itself */
    if (ss_exchange_has(ex, SS_F_UNKNOWN_RECIPIENT))
        ss_exchange_append(ex,
                           ss_exchange_has(ex, SS_F_HTTP_500) ? SS_F_HTTP_500 : SS_F_SCEP_FAILURE,
                           "; the request is encrypted to a certificate this server did not hand "
                           "out (scep.unknown_recipient): it cannot decrypt it");
    if (tx->caps)
        judge_caps(tx, ex);
    if (tx->certs)
        judge_certs_reply(jc, tx, ex);
}

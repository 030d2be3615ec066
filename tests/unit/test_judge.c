/* test_judge.c — the verdict on one transaction (detect/judge.c) and the exchange record it
 * fills (detect/exchange.c), read against SCEP.md section 4.
 *
 * The decoded transactions are built by hand: zeroed structures with only the fields that
 * matter set, which is how edge cases loopback cannot produce on demand (a capture gap in a
 * response, an idle timeout mid-body, every failInfo, an NDES HRESULT) get their test. Each case
 * asserts the exact set of finding codes, the verdict and the severity, and the facts the
 * details must carry.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/exchange.h"
#include "detect/findings.h"
#include "detect/judge.h"
#include "detect/servers.h"

#define T0   1700000000 /* request time of every case */
#define NONE (-1)       /* ends a list of finding ids; as a verdict: "ok" */

/* Everything one judged transaction needs, owned by the test (cmocka state). */
typedef struct fx {
    ss_http_tx http;
    ss_scep_msg req, rep;
    ss_scep_caps caps;
    ss_scep_certs certs;
    ss_server server;
    ss_decoded_tx tx;
    ss_judge_ctx jc;
    scepsniff_exchange ex;
    const char *label; /* the table case being run, for failure messages */
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    ss_http_tx *h = &f->http;
    h->req_content_length = -1;
    h->res_content_length = -1;
    h->scep.is_scep = 1;
    h->scep.path_kind = SS_SCEP_PATH_NDES;
    snprintf(h->path, sizeof(h->path), "/certsrv/mscep/mscep.dll");
    h->path_len = strlen(h->path);
    snprintf(h->protocol, sizeof(h->protocol), "HTTP/1.1");
    snprintf(h->host, sizeof(h->host), "ndes.example.test");
    h->req_start.tv_sec = T0;
    h->req_end.tv_sec = T0;
    f->tx.http = h;
    f->jc.cert_warn_days = 30;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

/* The request line: op with query (NULL for none) by method. */
static void request(fx *f, ss_scep_op op, const char *method, const char *query)
{
    ss_http_tx *h = &f->http;
    snprintf(h->method, sizeof(h->method), "%s", method);
    if (query)
        snprintf(h->uri, sizeof(h->uri), "%s?%s", h->path, query);
    else
        snprintf(h->uri, sizeof(h->uri), "%s", h->path);
    h->uri_len = strlen(h->uri);
    h->query_off = query ? h->path_len + 1 : 0;
    h->query_len = query ? strlen(query) : 0;
    h->scep.op = op;
    h->scep.is_get = !strcmp(method, "GET");
    h->scep.url_len = h->uri_len;
    h->scep.path_len = h->path_len;
    h->scep.query_len = h->query_len;
    h->scep.has_query = query != NULL;
    h->flags |= SS_HTTP_REQ_COMPLETE;
}

/* A complete response; body (may be NULL) goes to html_head as the decoder keeps it. */
static void respond(fx *f, int status, const char *reason, const char *ctype, const char *body)
{
    ss_http_tx *h = &f->http;
    size_t n = body ? strlen(body) : 0;
    h->status = status;
    snprintf(h->res_protocol, sizeof(h->res_protocol), "HTTP/1.1");
    snprintf(h->reason, sizeof(h->reason), "%s", reason);
    snprintf(h->res_content_type, sizeof(h->res_content_type), "%s", ctype);
    if (n > SS_HTTP_HTML_HEAD)
        n = SS_HTTP_HTML_HEAD;
    memcpy(h->html_head, body ? body : "", n);
    h->html_head_len = n;
    h->res_content_length = (int64_t)n;
    h->res_body_seen = n;
    h->res_start.tv_sec = T0 + 1;
    h->res_end.tv_sec = T0 + 1;
    h->flags |= SS_HTTP_RES_COMPLETE;
}

/* A clean PKCSReq (POST body or GET message=), AES, to the RA certificate 1A of "CN=NDES CA". */
static void pkcsreq(fx *f)
{
    ss_scep_msg *m = &f->req;
    memset(m, 0, sizeof(*m));
    m->verdict.status = SS_SCEP_OK;
    m->message_type = SS_SCEP_MT_PKCSREQ;
    snprintf(m->transaction_id, sizeof(m->transaction_id), "7F3A9C0E5B21");
    m->has_transaction_id = 1;
    snprintf(m->sender_nonce, sizeof(m->sender_nonce), "00112233445566778899AABBCCDDEEFF");
    m->has_sender_nonce = 1;
    m->sender_nonce_len = 16;
    m->pki_status = -1;
    m->fail_info = -1;
    m->has_content_type_attr = 1;
    m->envelope.present = 1;
    snprintf(m->envelope.cipher, sizeof(m->envelope.cipher), "aes-256-cbc");
    m->envelope.nrecipients = 1;
    ss_scep_recipient *r = &m->envelope.recipients[0];
    r->kind = SS_SCEP_RI_KTRI_ISSUER_SERIAL;
    snprintf(r->issuer, sizeof(r->issuer), "CN=NDES CA");
    snprintf(r->serial, sizeof(r->serial), "1A");
    snprintf(r->key_alg, sizeof(r->key_alg), "rsaEncryption");
    f->tx.request = m;
}

/* A CertRep answering pkcsreq(): same transactionID, recipientNonce = its senderNonce. */
static void certrep(fx *f, long pki_status, long fail_info)
{
    ss_scep_msg *m = &f->rep;
    memset(m, 0, sizeof(*m));
    m->verdict.status = SS_SCEP_OK;
    m->message_type = SS_SCEP_MT_CERTREP;
    snprintf(m->transaction_id, sizeof(m->transaction_id), "7F3A9C0E5B21");
    m->has_transaction_id = 1;
    snprintf(m->sender_nonce, sizeof(m->sender_nonce), "FFEEDDCCBBAA99887766554433221100");
    m->has_sender_nonce = 1;
    snprintf(m->recipient_nonce, sizeof(m->recipient_nonce), "00112233445566778899AABBCCDDEEFF");
    m->has_recipient_nonce = 1;
    m->pki_status = pki_status;
    m->fail_info = fail_info;
    m->has_content_type_attr = 1;
    f->tx.reply = m;
}

/* POST PKIOperation with a clean PKCSReq answered 200 by a CertRep. */
static void pkiop_answered(fx *f, long pki_status, long fail_info)
{
    f->http.flags = 0;
    request(f, SS_SCEP_OP_PKIOPERATION, "POST", "operation=PKIOperation");
    pkcsreq(f);
    f->http.req_content_length = 2000;
    f->http.req_body_seen = 2000;
    respond(f, 200, "OK", "application/x-pki-message", NULL);
    f->http.res_content_length = 1500;
    f->http.res_body_seen = 1500;
    certrep(f, pki_status, fail_info);
}

/* The detector settles every exchange after judging it (an exchange without findings has its
 * verdict "ok" only then); so does this. */
static void judge(fx *f)
{
    memset(&f->ex, 0, sizeof(f->ex));
    ss_judge_tx(&f->jc, &f->tx, &f->ex);
    ss_exchange_settle(&f->ex);
}

static const char *code_of(int id)
{
    return id == NONE ? "ok" : ss_finding_get((ss_finding_id)id)->code;
}

static void list_codes(const scepsniff_exchange *ex, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = 0;
    for (unsigned i = 0; i < ex->nfindings && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "", ex->findings[i].code);
}

/* The exchange carries exactly the findings ids (NONE-terminated), its verdict is verdict's
 * code ("ok" for NONE) and its severity sev. */
static void expect_findings(int line, const char *label, const scepsniff_exchange *ex, int verdict,
                            scepsniff_severity sev, const int *ids)
{
    char have[512];
    unsigned n = 0;
    list_codes(ex, have, sizeof(have));
    for (; ids[n] != NONE; n++) {
        if (!ss_exchange_has(ex, (ss_finding_id)ids[n]))
            fail_msg("line %d%s%s: %s missing; findings: [%s]", line, label ? ", " : "",
                     label ? label : "", code_of(ids[n]), have);
    }
    if (ex->nfindings != n)
        fail_msg("line %d%s%s: %u findings, expected %u: [%s]", line, label ? ", " : "",
                 label ? label : "", ex->nfindings, n, have);
    if (!ex->verdict || strcmp(ex->verdict, code_of(verdict)))
        fail_msg("line %d%s%s: verdict %s, expected %s; findings: [%s]", line, label ? ", " : "",
                 label ? label : "", ex->verdict ? ex->verdict : "(null)", code_of(verdict), have);
    if (ex->severity != sev)
        fail_msg("line %d%s%s: severity %d, expected %d; findings: [%s]", line, label ? ", " : "",
                 label ? label : "", (int)ex->severity, (int)sev, have);
    for (unsigned i = 0; i < ex->nfindings; i++) {
        const scepsniff_finding *fd = &ex->findings[i];
        assert_non_null(fd->summary);
        assert_non_null(fd->causes);
        assert_non_null(fd->check);
        assert_true(strncmp(fd->doc, "docs/findings.md#", 17) == 0);
    }
}

#define EXPECT(f, verdict, sev, ...)                                                               \
    expect_findings(__LINE__, (f)->label, &(f)->ex, (verdict), (sev),                              \
                    (const int[]){__VA_ARGS__, NONE})

/* The detail of finding id (fails when the exchange does not carry it). */
static const char *detail_of(const scepsniff_exchange *ex, ss_finding_id id)
{
    const char *code = ss_finding_get(id)->code;
    for (unsigned i = 0; i < ex->nfindings; i++)
        if (!strcmp(ex->findings[i].code, code))
            return ex->findings[i].detail;
    fail_msg("no %s finding", code);
    return "";
}

#define DETAIL_HAS(f, id, text)                                                                    \
    do {                                                                                           \
        const char *d_ = detail_of(&(f)->ex, (id));                                                \
        if (!strstr(d_, (text)))                                                                   \
            fail_msg("line %d: %s detail \"%s\" lacks \"%s\"", __LINE__, code_of(id), d_, (text)); \
    } while (0)

/* ---- transport: no response ---- */

typedef struct missing_case {
    const char *name;
    unsigned flags;
    scepsniff_stream_kind flow_end;
    int id;
    scepsniff_severity sev;
    const char *detail; /* a fact the detail must carry */
} missing_case;

static void test_response_missing(void **state)
{
    static const missing_case cases[] = {
        {"server RST", SS_HTTP_SERVER_RST, 0, SS_F_RESET_BY_SERVER, SCEPSNIFF_SEV_ERROR,
         "server reset"},
        {"client RST", SS_HTTP_CLIENT_RST, 0, SS_F_RESET_BY_CLIENT, SCEPSNIFF_SEV_ERROR,
         "client reset"},
        {"request gap", SS_HTTP_GAP_REQ | SS_HTTP_SERVER_FIN, 0, SS_F_CAPTURE_GAP,
         SCEPSNIFF_SEV_WARNING, "cannot be told"},
        /* a RST after a gap in OUR capture: what the server said in between is unknown */
        {"response gap then RST", SS_HTTP_GAP_RES | SS_HTTP_SERVER_RST, 0, SS_F_CAPTURE_GAP,
         SCEPSNIFF_SEV_WARNING, "cannot be told"},
        {"idle timeout", SS_HTTP_AT_FINISH, SCEPSNIFF_STREAM_IDLE_TIMEOUT, SS_F_TIMED_OUT,
         SCEPSNIFF_SEV_ERROR, "idle timeout"},
        {"end of capture", SS_HTTP_AT_FINISH, SCEPSNIFF_STREAM_END_OF_CAPTURE, SS_F_OPEN_AT_END,
         SCEPSNIFF_SEV_OK, "capture ended"},
        {"evicted", SS_HTTP_AT_FINISH, SCEPSNIFF_STREAM_EVICTED, SS_F_CAPTURE_GAP,
         SCEPSNIFF_SEV_WARNING, "cap"},
        {"server FIN", SS_HTTP_SERVER_FIN, 0, SS_F_NO_RESPONSE, SCEPSNIFF_SEV_ERROR,
         "server closed"},
        {"server FIN after client FIN", SS_HTTP_CLIENT_FIN | SS_HTTP_SERVER_FIN, 0,
         SS_F_NO_RESPONSE, SCEPSNIFF_SEV_ERROR, "server closed"},
    };
    fx *f = *state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const missing_case *c = &cases[i];
        f->http.flags = 0;
        request(f, SS_SCEP_OP_PKIOPERATION, "POST", "operation=PKIOperation");
        pkcsreq(f);
        f->tx.reply = NULL;
        f->http.req_content_length = 1800;
        f->http.req_body_seen = 1800;
        f->http.flags |= SS_HTTP_RES_MISSING | c->flags;
        f->jc.flow_end = c->flow_end;
        judge(f);
        f->label = c->name;
        EXPECT(f, c->id, c->sev, c->id);
        DETAIL_HAS(f, c->id, c->detail);
        /* what was asked is still on record */
        assert_string_equal(f->ex.operation, "PKIOperation");
        assert_string_equal(f->ex.message_type, "PKCSReq");
        assert_string_equal(f->ex.transaction_id, "7F3A9C0E5B21");
        assert_int_equal(f->ex.status, 0);
    }
}

static void test_request_cut_short(void **state)
{
    fx *f = *state;
    request(f, SS_SCEP_OP_PKIOPERATION, "POST", "operation=PKIOperation");
    f->http.flags =
        SS_HTTP_REQ_CUT_SHORT | SS_HTTP_RES_MISSING | SS_HTTP_CLIENT_FIN | SS_HTTP_SERVER_FIN;
    f->http.req_content_length = 1000;
    f->http.req_body_seen = 700;
    /* the body is short, so its pkiMessage cannot be read: not "malformed" */
    pkcsreq(f);
    f->req.verdict.status = SS_SCEP_TRUNCATED;
    f->req.verdict.reason = SS_SCEP_R_TRUNCATED;
    judge(f);
    EXPECT(f, SS_F_REQUEST_TRUNCATED, SCEPSNIFF_SEV_ERROR, SS_F_REQUEST_TRUNCATED);
    DETAIL_HAS(f, SS_F_REQUEST_TRUNCATED, "700 of 1000");
    assert_int_equal(f->ex.request_bytes, 700);
}

/* ---- transport: response cut short ---- */

static void cut_response(fx *f, unsigned flags, int64_t declared, uint64_t seen)
{
    request(f, SS_SCEP_OP_GETCACERT, "GET", "operation=GetCACert&message=ca");
    respond(f, 200, "OK", "application/x-x509-ca-ra-cert", NULL);
    f->http.flags = SS_HTTP_REQ_COMPLETE | SS_HTTP_RES_CUT_SHORT | flags;
    f->http.res_content_length = declared;
    f->http.res_body_seen = seen;
    /* the decoder hands on what it could read of the cut body */
    f->certs.verdict.status = SS_SCEP_TRUNCATED;
    f->certs.verdict.reason = SS_SCEP_R_TRUNCATED;
    snprintf(f->certs.verdict.detail, sizeof(f->certs.verdict.detail), "ends early");
    f->tx.certs = &f->certs;
}

static void test_response_cut_with_length(void **state)
{
    fx *f = *state;
    cut_response(f, SS_HTTP_SERVER_FIN, 1000, 400);
    judge(f);
    EXPECT(f, SS_F_RESPONSE_TRUNCATED, SCEPSNIFF_SEV_ERROR, SS_F_RESPONSE_TRUNCATED);
    DETAIL_HAS(f, SS_F_RESPONSE_TRUNCATED, "400 of 1000");
    assert_int_equal(f->ex.status, 200);
    assert_int_equal(f->ex.response_bytes, 400);
}

static void test_response_cut_chunked(void **state)
{
    fx *f = *state;
    cut_response(f, SS_HTTP_SERVER_FIN | SS_HTTP_RES_CHUNKED, -1, 400);
    judge(f);
    EXPECT(f, SS_F_RESPONSE_TRUNCATED, SCEPSNIFF_SEV_ERROR, SS_F_RESPONSE_TRUNCATED);
    DETAIL_HAS(f, SS_F_RESPONSE_TRUNCATED, "chunked");
}

static void test_response_cut_by_gap(void **state)
{
    fx *f = *state;
    /* our capture lost bytes; the server's FIN says nothing about the network */
    cut_response(f, SS_HTTP_GAP_RES | SS_HTTP_SERVER_FIN, 1000, 400);
    f->http.res_gap = 600;
    judge(f);
    EXPECT(f, SS_F_CAPTURE_GAP, SCEPSNIFF_SEV_WARNING, SS_F_CAPTURE_GAP);

    /* even with a RST: the gap comes first */
    cut_response(f, SS_HTTP_GAP_RES | SS_HTTP_SERVER_RST, 1000, 400);
    judge(f);
    EXPECT(f, SS_F_CAPTURE_GAP, SCEPSNIFF_SEV_WARNING, SS_F_CAPTURE_GAP);
}

static void test_response_cut_by_reset(void **state)
{
    fx *f = *state;
    cut_response(f, SS_HTTP_SERVER_RST, 1000, 400);
    judge(f);
    EXPECT(f, SS_F_RESET_BY_SERVER, SCEPSNIFF_SEV_ERROR, SS_F_RESET_BY_SERVER);
    DETAIL_HAS(f, SS_F_RESET_BY_SERVER, "400");

    cut_response(f, SS_HTTP_CLIENT_RST, 1000, 400);
    judge(f);
    EXPECT(f, SS_F_RESET_BY_CLIENT, SCEPSNIFF_SEV_ERROR, SS_F_RESET_BY_CLIENT);
}

static void test_response_cut_at_end_of_capture(void **state)
{
    fx *f = *state;
    cut_response(f, SS_HTTP_AT_FINISH, 1000, 400);
    f->jc.flow_end = SCEPSNIFF_STREAM_END_OF_CAPTURE;
    judge(f);
    EXPECT(f, SS_F_OPEN_AT_END, SCEPSNIFF_SEV_OK, SS_F_OPEN_AT_END);
}

static void test_complete_with_gap(void **state)
{
    fx *f = *state;
    request(f, SS_SCEP_OP_GETCACAPS, "GET", "operation=GetCACaps&message=default");
    respond(f, 200, "OK", "text/plain", "AES\nSHA-256\n");
    f->http.flags |= SS_HTTP_GAP_REQ;
    f->http.req_gap = 12;
    f->caps.verdict.status = SS_SCEP_OK;
    f->caps.flags = SS_SCEP_CAP_AES | SS_SCEP_CAP_SHA256;
    f->tx.caps = &f->caps;
    judge(f);
    EXPECT(f, SS_F_CAPTURE_GAP, SCEPSNIFF_SEV_WARNING, SS_F_CAPTURE_GAP);
    DETAIL_HAS(f, SS_F_CAPTURE_GAP, "12 bytes");
}

/* ---- HTTP as NDES, IIS and the application proxy answer ---- */

typedef struct status_case {
    const char *name;
    ss_scep_op op;
    int status;
    const char *reason, *ctype, *body;
    int id; /* NONE: no finding */
    scepsniff_severity sev;
} status_case;

static void test_http_statuses(void **state)
{
    static const status_case cases[] = {
        {"403 bare URL", SS_SCEP_OP_NONE, 403, "Forbidden", "text/html",
         "403 - Forbidden: Access is denied.", SS_F_HTTP_403_BARE_URL, SCEPSNIFF_SEV_OK},
        {"403 on an operation", SS_SCEP_OP_PKIOPERATION, 403, "Forbidden", "text/html",
         "403 - Forbidden: Access is denied.", SS_F_HTTP_403_OPERATION, SCEPSNIFF_SEV_ERROR},
        {"401", SS_SCEP_OP_GETCACERT, 401, "Unauthorized", "text/html", "401 - Unauthorized",
         SS_F_HTTP_401, SCEPSNIFF_SEV_ERROR},
        {"404", SS_SCEP_OP_GETCACAPS, 404, "Not Found", "text/html", "<html>Not Found</html>",
         SS_F_HTTP_404, SCEPSNIFF_SEV_ERROR},
        {"IIS 404.14", SS_SCEP_OP_PKIOPERATION, 404, "Not Found", "text/html",
         "<html><h3>HTTP Error 404.14 - Not Found</h3>The request filtering module is "
         "configured to deny a request where the URL is too long.</html>",
         SS_F_HTTP_URL_TOO_LONG, SCEPSNIFF_SEV_ERROR},
        {"IIS 404.15", SS_SCEP_OP_PKIOPERATION, 404, "Not Found", "text/html",
         "<html><h3>HTTP Error 404.15 - Not Found</h3>The request filtering module is "
         "configured to deny a request where the query string is too long.</html>",
         SS_F_HTTP_URL_TOO_LONG, SCEPSNIFF_SEV_ERROR},
        {"414", SS_SCEP_OP_PKIOPERATION, 414, "Request-URI Too Long", "text/html",
         "<html>414 Request-URI Too Large</html>", SS_F_HTTP_URL_TOO_LONG, SCEPSNIFF_SEV_ERROR},
        {"500", SS_SCEP_OP_GETCACERT, 500, "Internal Server Error", "text/html",
         "500 - Internal server error.", SS_F_HTTP_500, SCEPSNIFF_SEV_ERROR},
        {"502", SS_SCEP_OP_GETCACERT, 502, "Bad Gateway", "text/html", "<html>502</html>",
         SS_F_HTTP_502, SCEPSNIFF_SEV_ERROR},
        {"503", SS_SCEP_OP_GETCACAPS, 503, "Service Unavailable", "text/html",
         "HTTP Error 503. The service is unavailable.", SS_F_HTTP_503, SCEPSNIFF_SEV_ERROR},
        {"504", SS_SCEP_OP_GETCACAPS, 504, "Gateway Timeout", "text/html", "GatewayTimeout",
         SS_F_HTTP_504, SCEPSNIFF_SEV_ERROR},
        {"302", SS_SCEP_OP_GETCACAPS, 302, "Found", "text/html", "", SS_F_HTTP_OTHER_ERROR,
         SCEPSNIFF_SEV_ERROR},
        {"400", SS_SCEP_OP_PKIOPERATION, 400, "Bad Request", "text/html", "Bad Request",
         SS_F_HTTP_OTHER_ERROR, SCEPSNIFF_SEV_ERROR},
        {"405", SS_SCEP_OP_PKIOPERATION, 405, "Method Not Allowed", "", "", SS_F_HTTP_OTHER_ERROR,
         SCEPSNIFF_SEV_ERROR},
        {"200 NDES page on GetCACert", SS_SCEP_OP_GETCACERT, 200, "OK", "text/html",
         "<html><head><title>Network Device Enrollment Service</title></head><body>Network "
         "Device Enrollment Service allows you to obtain certificates</body></html>",
         SS_F_NDES_DEFAULT_PAGE, SCEPSNIFF_SEV_ERROR},
        {"200 NDES page on the bare URL", SS_SCEP_OP_NONE, 200, "OK", "text/html",
         "<HTML><TITLE>Network Device Enrollment Service</TITLE></HTML>", SS_F_NDES_DEFAULT_PAGE,
         SCEPSNIFF_SEV_ERROR},
        {"app proxy page", SS_SCEP_OP_GETCACAPS, 200, "OK", "text/html",
         "<html><title>Error</title><body>This page can't be displayed. Contact your "
         "administrator.</body></html>",
         SS_F_APP_PROXY_ERROR_PAGE, SCEPSNIFF_SEV_ERROR},
        {"app proxy page, typographic apostrophe", SS_SCEP_OP_GETCACERT, 200, "OK", "text/html",
         "<html><body>This page can\xe2\x80\x99t be displayed.</body></html>",
         SS_F_APP_PROXY_ERROR_PAGE, SCEPSNIFF_SEV_ERROR},
        {"app proxy page on a 404", SS_SCEP_OP_GETCACERT, 404, "Not Found", "text/html",
         "<html><body>This page can't be displayed.</body></html>", SS_F_APP_PROXY_ERROR_PAGE,
         SCEPSNIFF_SEV_ERROR},
        {"HTML where GetCACert expected", SS_SCEP_OP_GETCACERT, 200, "OK", "text/html",
         "<html><body>Welcome</body></html>", SS_F_HTML_NOT_SCEP, SCEPSNIFF_SEV_ERROR},
        {"untyped HTML where GetCACaps expected", SS_SCEP_OP_GETCACAPS, 200, "OK", "",
         "<!DOCTYPE html><title>Welcome</title>", SS_F_HTML_NOT_SCEP, SCEPSNIFF_SEV_ERROR},
        {"200 HTML on the bare URL, not NDES", SS_SCEP_OP_NONE, 200, "OK", "text/html",
         "<html><body>It works</body></html>", NONE, SCEPSNIFF_SEV_OK},
    };
    fx *f = *state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const status_case *c = &cases[i];
        f->http.flags = 0;
        request(f, c->op, "GET", c->op == SS_SCEP_OP_NONE ? NULL : "operation=X&message=x");
        respond(f, c->status, c->reason, c->ctype, c->body);
        judge(f);
        f->label = c->name;
        if (c->id == NONE)
            EXPECT(f, NONE, SCEPSNIFF_SEV_OK, NONE);
        else
            EXPECT(f, c->id, c->sev, c->id);
        assert_int_equal(f->ex.status, c->status);
        assert_string_equal(f->ex.reason, c->reason);
        assert_string_equal(f->ex.operation,
                            c->op == SS_SCEP_OP_NONE ? "bare URL" : ss_scep_op_name(c->op));
    }
}

static void test_http_details(void **state)
{
    fx *f = *state;
    request(f, SS_SCEP_OP_GETCACAPS, "GET", "operation=GetCACaps&message=x");
    respond(f, 503, "Service Unavailable", "text/html", "HTTP Error 503.");
    snprintf(f->http.server, sizeof(f->http.server), "Microsoft-HTTPAPI/2.0");
    judge(f);
    DETAIL_HAS(f, SS_F_HTTP_503, "Microsoft-HTTPAPI/2.0");
    assert_string_equal(f->ex.server_header, "Microsoft-HTTPAPI/2.0");

    respond(f, 404, "Not Found", "text/html", "nothing here");
    judge(f);
    DETAIL_HAS(f, SS_F_HTTP_404, "/certsrv/mscep/mscep.dll");

    f->http.flags = 0;
    request(f, SS_SCEP_OP_PKIOPERATION, "GET", "operation=PKIOperation&message=AAAA");
    f->http.scep.query_len = 2500;
    respond(f, 404, "Not Found", "text/html", "HTTP Error 404.15 - Not Found");
    judge(f);
    DETAIL_HAS(f, SS_F_HTTP_URL_TOO_LONG, "404.15");
    DETAIL_HAS(f, SS_F_HTTP_URL_TOO_LONG, "2500");

    request(f, SS_SCEP_OP_GETCACERT, "GET", "operation=GetCACert&message=ca");
    respond(f, 200, "OK", "text/html; charset=utf-8", "<html></html>");
    judge(f);
    DETAIL_HAS(f, SS_F_HTML_NOT_SCEP, "text/html; charset=utf-8");

    respond(f, 302, "Found", "", "");
    judge(f);
    DETAIL_HAS(f, SS_F_HTTP_OTHER_ERROR, "302");
}

/* A page where a message was expected is named as a page, never also decoded as one. */
static void test_page_not_decoded(void **state)
{
    fx *f = *state;
    request(f, SS_SCEP_OP_GETCACERT, "GET", "operation=GetCACert&message=ca");
    respond(f, 200, "OK", "text/html", "<title>Network Device Enrollment Service</title>");
    f->certs.verdict.status = SS_SCEP_MALFORMED;
    f->certs.verdict.reason = SS_SCEP_R_TEXT;
    f->tx.certs = &f->certs;
    judge(f);
    EXPECT(f, SS_F_NDES_DEFAULT_PAGE, SCEPSNIFF_SEV_ERROR, SS_F_NDES_DEFAULT_PAGE);

    f->http.flags = 0;
    f->tx.certs = NULL;
    pkiop_answered(f, 0, -1);
    snprintf(f->http.res_content_type, sizeof(f->http.res_content_type), "text/html");
    memcpy(f->http.html_head, "<html>", 6);
    f->http.html_head_len = 6;
    f->rep.verdict.status = SS_SCEP_MALFORMED;
    f->rep.verdict.reason = SS_SCEP_R_TEXT;
    judge(f);
    EXPECT(f, SS_F_HTML_NOT_SCEP, SCEPSNIFF_SEV_ERROR, SS_F_HTML_NOT_SCEP);
}

static void test_text_plain_on_pkioperation(void **state)
{
    fx *f = *state;
    /* a text body: named as the wrong type and, decoded, not a pkiMessage */
    pkiop_answered(f, 0, -1);
    snprintf(f->http.res_content_type, sizeof(f->http.res_content_type), "text/plain");
    f->rep.verdict.status = SS_SCEP_MALFORMED;
    f->rep.verdict.reason = SS_SCEP_R_TEXT;
    snprintf(f->rep.verdict.detail, sizeof(f->rep.verdict.detail), "text where DER expected");
    judge(f);
    EXPECT(f, SS_F_SCEP_MALFORMED_REPLY, SCEPSNIFF_SEV_ERROR, SS_F_WRONG_CONTENT_TYPE,
           SS_F_SCEP_MALFORMED_REPLY);
    DETAIL_HAS(f, SS_F_WRONG_CONTENT_TYPE, "text/plain");

    /* a good CertRep with a wrong label still issues: only the warning */
    pkiop_answered(f, 0, -1);
    snprintf(f->http.res_content_type, sizeof(f->http.res_content_type), "text/plain");
    judge(f);
    EXPECT(f, SS_F_WRONG_CONTENT_TYPE, SCEPSNIFF_SEV_WARNING, SS_F_WRONG_CONTENT_TYPE,
           SS_F_SCEP_ISSUED);
}

static void test_500_with_damaged_message(void **state)
{
    fx *f = *state;
    request(f, SS_SCEP_OP_PKIOPERATION, "GET", "operation=PKIOperation&message=MIIB+AA==");
    f->http.scep.damage = SS_SCEP_MSG_RAW_PLUS;
    f->http.scep.der_status = SS_SCEP_DER_REPAIRED;
    pkcsreq(f);
    respond(f, 500, "Internal Server Error", "text/html", "500 - Internal server error.");
    judge(f);
    EXPECT(f, SS_F_HTTP_500, SCEPSNIFF_SEV_ERROR, SS_F_HTTP_500, SS_F_MESSAGE_PLUS_UNESCAPED);
    DETAIL_HAS(f, SS_F_HTTP_500, "damaged");

    /* a clean message: the 500 is the server's own */
    f->http.scep.damage = 0;
    f->http.scep.der_status = SS_SCEP_DER_OK;
    judge(f);
    EXPECT(f, SS_F_HTTP_500, SCEPSNIFF_SEV_ERROR, SS_F_HTTP_500);
    if (strstr(detail_of(&f->ex, SS_F_HTTP_500), "damaged"))
        fail_msg("a clean message= is blamed: %s", detail_of(&f->ex, SS_F_HTTP_500));
}

/* ---- SCEP ---- */

static void test_certrep_success(void **state)
{
    fx *f = *state;
    pkiop_answered(f, SS_SCEP_PKI_SUCCESS, -1);
    judge(f);
    EXPECT(f, SS_F_SCEP_ISSUED, SCEPSNIFF_SEV_OK, SS_F_SCEP_ISSUED);
    DETAIL_HAS(f, SS_F_SCEP_ISSUED, "PKCSReq");
    assert_string_equal(f->ex.pki_status, "SUCCESS");
    assert_string_equal(f->ex.message_type, "PKCSReq");
    assert_string_equal(f->ex.transaction_id, "7F3A9C0E5B21");
    assert_string_equal(f->ex.fail_info, "");
    assert_string_equal(f->ex.hresult, "");
    assert_int_equal(f->ex.request_bytes, 2000);
    assert_int_equal(f->ex.response_bytes, 1500);
}

static void test_certrep_failure_fail_infos(void **state)
{
    static const char *const names[] = {"badAlg", "badMessageCheck", "badRequest", "badTime",
                                        "badCertId"};
    fx *f = *state;
    for (long fi = 0; fi < 5; fi++) {
        pkiop_answered(f, SS_SCEP_PKI_FAILURE, fi);
        judge(f);
        EXPECT(f, SS_F_SCEP_FAILURE, SCEPSNIFF_SEV_ERROR, SS_F_SCEP_FAILURE);
        assert_string_equal(f->ex.pki_status, "FAILURE");
        assert_string_equal(f->ex.fail_info, names[fi]);
        DETAIL_HAS(f, SS_F_SCEP_FAILURE, names[fi]);
    }
    /* a number SCEP and RFC 4210 do not define: the number itself */
    pkiop_answered(f, SS_SCEP_PKI_FAILURE, 99);
    judge(f);
    EXPECT(f, SS_F_SCEP_FAILURE, SCEPSNIFF_SEV_ERROR, SS_F_SCEP_FAILURE);
    assert_string_equal(f->ex.fail_info, "99");
    DETAIL_HAS(f, SS_F_SCEP_FAILURE, "failInfo 99");

    /* no failInfo at all */
    pkiop_answered(f, SS_SCEP_PKI_FAILURE, -1);
    judge(f);
    EXPECT(f, SS_F_SCEP_FAILURE, SCEPSNIFF_SEV_ERROR, SS_F_SCEP_FAILURE);
    assert_string_equal(f->ex.fail_info, "");
    DETAIL_HAS(f, SS_F_SCEP_FAILURE, "(none)");
}

static void test_certrep_failure_hresult(void **state)
{
    fx *f = *state;
    pkiop_answered(f, SS_SCEP_PKI_FAILURE, 2);
    f->rep.has_ms_error = 1;
    f->rep.ms_error_value = -2147024809; /* SCEP.md: 0x80070057 */
    f->rep.ms_hresult = 0x80070057u;
    f->rep.has_fail_info_text = 1;
    snprintf(f->rep.fail_info_text, sizeof(f->rep.fail_info_text), "challenge rejected");
    judge(f);
    EXPECT(f, SS_F_SCEP_FAILURE, SCEPSNIFF_SEV_ERROR, SS_F_SCEP_FAILURE);
    assert_string_equal(f->ex.hresult, "0x80070057 E_INVALIDARG");
    assert_string_equal(f->ex.fail_info, "badRequest");
    DETAIL_HAS(f, SS_F_SCEP_FAILURE, "0x80070057 E_INVALIDARG");
    DETAIL_HAS(f, SS_F_SCEP_FAILURE, "challenge rejected");

    /* cannot decrypt (SCEP.md: wrong RA certificate) */
    f->rep.fail_info = 1;
    f->rep.ms_hresult = 0x80090005u;
    f->rep.has_fail_info_text = 0;
    judge(f);
    assert_string_equal(f->ex.hresult, "0x80090005 NTE_BAD_DATA");
    assert_string_equal(f->ex.fail_info, "badMessageCheck");

    /* an HRESULT outside the table: the number alone */
    f->rep.ms_hresult = 0x80071234u;
    judge(f);
    assert_string_equal(f->ex.hresult, "0x80071234");
}

static void test_certrep_pending(void **state)
{
    fx *f = *state;
    pkiop_answered(f, SS_SCEP_PKI_PENDING, -1);
    judge(f);
    EXPECT(f, SS_F_SCEP_PENDING, SCEPSNIFF_SEV_WARNING, SS_F_SCEP_PENDING);
    assert_string_equal(f->ex.pki_status, "PENDING");

    /* the poll that follows */
    f->req.message_type = SS_SCEP_MT_CERTPOLL;
    f->rep.pki_status = SS_SCEP_PKI_SUCCESS;
    judge(f);
    EXPECT(f, SS_F_SCEP_ISSUED, SCEPSNIFF_SEV_OK, SS_F_SCEP_ISSUED);
    assert_string_equal(f->ex.message_type, "CertPoll");
}

static void test_reply_malformed(void **state)
{
    fx *f = *state;
    pkiop_answered(f, SS_SCEP_PKI_SUCCESS, -1);
    f->rep.verdict.status = SS_SCEP_MALFORMED;
    f->rep.verdict.reason = SS_SCEP_R_BAD_ASN1;
    snprintf(f->rep.verdict.detail, sizeof(f->rep.verdict.detail), "bad signerInfo");
    judge(f);
    EXPECT(f, SS_F_SCEP_MALFORMED_REPLY, SCEPSNIFF_SEV_ERROR, SS_F_SCEP_MALFORMED_REPLY);
    DETAIL_HAS(f, SS_F_SCEP_MALFORMED_REPLY, "bad signerInfo");
    assert_string_equal(f->ex.pki_status, "");

    /* the same reply cut by a gap in our capture: cannot be judged, not malformed */
    f->rep.verdict.status = SS_SCEP_TRUNCATED;
    f->rep.verdict.reason = SS_SCEP_R_TRUNCATED;
    f->http.flags |= SS_HTTP_GAP_RES;
    f->http.res_gap = 100;
    judge(f);
    EXPECT(f, SS_F_CAPTURE_GAP, SCEPSNIFF_SEV_WARNING, SS_F_CAPTURE_GAP);

    /* or capped by our body limit */
    f->http.flags &= ~(unsigned)SS_HTTP_GAP_RES;
    f->http.flags |= SS_HTTP_RES_BODY_CAPPED;
    judge(f);
    EXPECT(f, NONE, SCEPSNIFF_SEV_OK, NONE);
}

static void test_reply_not_certrep(void **state)
{
    fx *f = *state;
    pkiop_answered(f, SS_SCEP_PKI_SUCCESS, -1);
    f->rep.message_type = SS_SCEP_MT_PKCSREQ; /* the request echoed back */
    judge(f);
    EXPECT(f, SS_F_SCEP_MALFORMED_REPLY, SCEPSNIFF_SEV_ERROR, SS_F_SCEP_MALFORMED_REPLY);
    DETAIL_HAS(f, SS_F_SCEP_MALFORMED_REPLY, "not a CertRep");
    DETAIL_HAS(f, SS_F_SCEP_MALFORMED_REPLY, "PKCSReq");

    /* a CertRep with a pkiStatus SCEP does not define */
    pkiop_answered(f, 7, -1);
    judge(f);
    EXPECT(f, SS_F_SCEP_MALFORMED_REPLY, SCEPSNIFF_SEV_ERROR, SS_F_SCEP_MALFORMED_REPLY);
    DETAIL_HAS(f, SS_F_SCEP_MALFORMED_REPLY, "pkiStatus 7");
}

static void test_reply_mismatches(void **state)
{
    fx *f = *state;
    pkiop_answered(f, SS_SCEP_PKI_SUCCESS, -1);
    snprintf(f->rep.transaction_id, sizeof(f->rep.transaction_id), "OTHER-TX");
    judge(f);
    EXPECT(f, SS_F_SCEP_TXID_MISMATCH, SCEPSNIFF_SEV_ERROR, SS_F_SCEP_ISSUED,
           SS_F_SCEP_TXID_MISMATCH);
    DETAIL_HAS(f, SS_F_SCEP_TXID_MISMATCH, "7F3A9C0E5B21");
    DETAIL_HAS(f, SS_F_SCEP_TXID_MISMATCH, "OTHER-TX");
    assert_string_equal(f->ex.transaction_id, "7F3A9C0E5B21"); /* the request's */

    pkiop_answered(f, SS_SCEP_PKI_SUCCESS, -1);
    snprintf(f->rep.recipient_nonce, sizeof(f->rep.recipient_nonce),
             "0102030405060708090A0B0C0D0E0F10");
    judge(f);
    EXPECT(f, SS_F_SCEP_NONCE_MISMATCH, SCEPSNIFF_SEV_ERROR, SS_F_SCEP_ISSUED,
           SS_F_SCEP_NONCE_MISMATCH);
    DETAIL_HAS(f, SS_F_SCEP_NONCE_MISMATCH, "0102030405060708090A0B0C0D0E0F10");

    /* without a readable request there is nothing to compare */
    f->tx.request = NULL;
    judge(f);
    EXPECT(f, SS_F_SCEP_ISSUED, SCEPSNIFF_SEV_OK, SS_F_SCEP_ISSUED);
    assert_string_equal(f->ex.transaction_id, "7F3A9C0E5B21"); /* the reply's */

    /* nor when the reply lacks the nonce */
    pkiop_answered(f, SS_SCEP_PKI_SUCCESS, -1);
    f->rep.has_recipient_nonce = 0;
    f->rep.recipient_nonce[0] = 0;
    judge(f);
    EXPECT(f, SS_F_SCEP_ISSUED, SCEPSNIFF_SEV_OK, SS_F_SCEP_ISSUED);
}

static void test_reply_no_content_type(void **state)
{
    fx *f = *state;
    pkiop_answered(f, SS_SCEP_PKI_SUCCESS, -1);
    f->rep.has_content_type_attr = 0;
    judge(f);
    EXPECT(f, SS_F_SCEP_NO_CONTENT_TYPE, SCEPSNIFF_SEV_WARNING, SS_F_SCEP_ISSUED,
           SS_F_SCEP_NO_CONTENT_TYPE);
}

static void test_request_malformed(void **state)
{
    fx *f = *state;
    pkiop_answered(f, SS_SCEP_PKI_FAILURE, 1);
    f->req.verdict.status = SS_SCEP_MALFORMED;
    f->req.verdict.reason = SS_SCEP_R_MISSING_ATTR;
    snprintf(f->req.verdict.detail, sizeof(f->req.verdict.detail), "no transactionID");
    judge(f);
    EXPECT(f, SS_F_SCEP_MALFORMED_REQUEST, SCEPSNIFF_SEV_ERROR, SS_F_SCEP_MALFORMED_REQUEST,
           SS_F_SCEP_FAILURE);
    DETAIL_HAS(f, SS_F_SCEP_MALFORMED_REQUEST, "no transactionID");
    DETAIL_HAS(f, SS_F_SCEP_MALFORMED_REQUEST, ss_scep_reason_name(SS_SCEP_R_MISSING_ATTR));

    /* the body was cut by a gap in our capture: not the client's fault */
    f->req.verdict.status = SS_SCEP_TRUNCATED;
    f->req.verdict.reason = SS_SCEP_R_TRUNCATED;
    f->http.flags |= SS_HTTP_GAP_REQ;
    f->http.req_gap = 300;
    judge(f);
    EXPECT(f, SS_F_SCEP_FAILURE, SCEPSNIFF_SEV_ERROR, SS_F_SCEP_FAILURE, SS_F_CAPTURE_GAP);

    /* nor when our body cap kept only its start */
    f->http.flags &= ~(unsigned)SS_HTTP_GAP_REQ;
    f->http.flags |= SS_HTTP_REQ_BODY_CAPPED;
    judge(f);
    EXPECT(f, SS_F_SCEP_FAILURE, SCEPSNIFF_SEV_ERROR, SS_F_SCEP_FAILURE);
}

static void test_get_message_not_base64(void **state)
{
    fx *f = *state;
    request(f, SS_SCEP_OP_PKIOPERATION, "GET", "operation=PKIOperation&message=%%%");
    f->http.scep.damage = SS_SCEP_MSG_BAD_PERCENT | SS_SCEP_MSG_INVALID_CHAR;
    f->http.scep.der_status = SS_SCEP_DER_FAILED;
    respond(f, 500, "Internal Server Error", "text/html", "500");
    judge(f);
    EXPECT(f, SS_F_SCEP_MALFORMED_REQUEST, SCEPSNIFF_SEV_ERROR, SS_F_SCEP_MALFORMED_REQUEST,
           SS_F_MESSAGE_BAD_BASE64, SS_F_HTTP_500);
    DETAIL_HAS(f, SS_F_SCEP_MALFORMED_REQUEST, "base64");
    DETAIL_HAS(f, SS_F_MESSAGE_BAD_BASE64, "bad_percent");
    DETAIL_HAS(f, SS_F_MESSAGE_BAD_BASE64, "invalid_char");
}

static void test_message_damage(void **state)
{
    fx *f = *state;
    request(f, SS_SCEP_OP_PKIOPERATION, "GET", "operation=PKIOperation&message=MIIB");
    f->http.scep.der_status = SS_SCEP_DER_REPAIRED;
    pkcsreq(f);
    respond(f, 200, "OK", "application/x-pki-message", NULL);
    certrep(f, SS_SCEP_PKI_SUCCESS, -1);

    f->http.scep.damage = SS_SCEP_MSG_RAW_PLUS;
    judge(f);
    EXPECT(f, SS_F_MESSAGE_PLUS_UNESCAPED, SCEPSNIFF_SEV_WARNING, SS_F_MESSAGE_PLUS_UNESCAPED,
           SS_F_SCEP_ISSUED);

    f->http.scep.damage = SS_SCEP_MSG_BASE64URL;
    judge(f);
    EXPECT(f, SS_F_MESSAGE_BASE64URL, SCEPSNIFF_SEV_WARNING, SS_F_MESSAGE_BASE64URL,
           SS_F_SCEP_ISSUED);

    f->http.scep.damage = SS_SCEP_MSG_PAD_BAD;
    judge(f);
    EXPECT(f, SS_F_MESSAGE_BAD_BASE64, SCEPSNIFF_SEV_WARNING, SS_F_MESSAGE_BAD_BASE64,
           SS_F_SCEP_ISSUED);
    DETAIL_HAS(f, SS_F_MESSAGE_BAD_BASE64, ss_scep_damage_name(SS_SCEP_MSG_PAD_BAD));

    f->http.scep.damage = SS_SCEP_MSG_RAW_PLUS | SS_SCEP_MSG_BASE64URL | SS_SCEP_MSG_PAD_MISSING;
    judge(f);
    EXPECT(f, SS_F_MESSAGE_PLUS_UNESCAPED, SCEPSNIFF_SEV_WARNING, SS_F_MESSAGE_PLUS_UNESCAPED,
           SS_F_MESSAGE_BASE64URL, SS_F_MESSAGE_BAD_BASE64, SS_F_SCEP_ISSUED);
    DETAIL_HAS(f, SS_F_MESSAGE_BAD_BASE64, "padding_missing");
    if (strstr(detail_of(&f->ex, SS_F_MESSAGE_BAD_BASE64), "raw_plus"))
        fail_msg("raw_plus counted twice");

    /* too long and empty have findings of their own elsewhere: not "bad base64" */
    f->http.scep.damage = SS_SCEP_MSG_TOO_LONG | SS_SCEP_MSG_EMPTY;
    judge(f);
    EXPECT(f, SS_F_SCEP_ISSUED, SCEPSNIFF_SEV_OK, SS_F_SCEP_ISSUED);

    /* a POST carries no message= */
    f->http.flags = 0;
    request(f, SS_SCEP_OP_PKIOPERATION, "POST", "operation=PKIOperation");
    respond(f, 200, "OK", "application/x-pki-message", NULL);
    f->http.scep.damage = SS_SCEP_MSG_RAW_PLUS;
    judge(f);
    EXPECT(f, SS_F_SCEP_ISSUED, SCEPSNIFF_SEV_OK, SS_F_SCEP_ISSUED);
}

static void test_url_over_iis_limits(void **state)
{
    fx *f = *state;
    request(f, SS_SCEP_OP_PKIOPERATION, "GET", "operation=PKIOperation&message=MIIB");
    f->http.scep.der_status = SS_SCEP_DER_OK;
    f->http.scep.query_len = 3000;
    f->http.scep.url_len = 3025;
    f->http.uri_len = 3025;
    pkcsreq(f);

    respond(f, 414, "Request-URI Too Long", "text/html", "414");
    judge(f);
    EXPECT(f, SS_F_HTTP_URL_TOO_LONG, SCEPSNIFF_SEV_ERROR, SS_F_HTTP_URL_TOO_LONG,
           SS_F_URL_OVER_IIS_LIMIT);
    DETAIL_HAS(f, SS_F_URL_OVER_IIS_LIMIT, "3000");
    assert_int_equal(f->ex.uri_len, 3025);

    /* no answer at all: the warning says where to look */
    f->http.flags = SS_HTTP_REQ_COMPLETE | SS_HTTP_RES_MISSING | SS_HTTP_SERVER_RST;
    f->http.status = 0;
    judge(f);
    EXPECT(f, SS_F_RESET_BY_SERVER, SCEPSNIFF_SEV_ERROR, SS_F_RESET_BY_SERVER,
           SS_F_URL_OVER_IIS_LIMIT);

    /* a server that answered 200 has raised its limits: no warning */
    f->http.flags = 0;
    respond(f, 200, "OK", "application/x-pki-message", NULL);
    certrep(f, SS_SCEP_PKI_SUCCESS, -1);
    judge(f);
    EXPECT(f, SS_F_SCEP_ISSUED, SCEPSNIFF_SEV_OK, SS_F_SCEP_ISSUED);

    /* near HTTP.sys's 16 KiB request line */
    f->tx.reply = NULL;
    respond(f, 400, "Bad Request", "text/html", "Bad Request - Request Too Long");
    f->http.scep.query_len = 14000;
    f->http.scep.url_len = 14025;
    f->http.uri_len = 14025;
    judge(f);
    EXPECT(f, SS_F_HTTP_OTHER_ERROR, SCEPSNIFF_SEV_ERROR, SS_F_HTTP_OTHER_ERROR,
           SS_F_URL_OVER_IIS_LIMIT, SS_F_URL_NEAR_HTTPSYS_LIMIT);

    /* under the limits: nothing */
    f->http.scep.query_len = 2000;
    f->http.scep.url_len = 2025;
    f->http.uri_len = 2025;
    judge(f);
    EXPECT(f, SS_F_HTTP_OTHER_ERROR, SCEPSNIFF_SEV_ERROR, SS_F_HTTP_OTHER_ERROR);
}

static void test_weak_crypto(void **state)
{
    fx *f = *state;
    pkiop_answered(f, SS_SCEP_PKI_SUCCESS, -1);
    f->req.envelope.single_des = 1;
    snprintf(f->req.envelope.cipher, sizeof(f->req.envelope.cipher), "des-cbc");
    judge(f);
    EXPECT(f, SS_F_SINGLE_DES, SCEPSNIFF_SEV_WARNING, SS_F_SINGLE_DES, SS_F_SCEP_ISSUED);
    DETAIL_HAS(f, SS_F_SINGLE_DES, "des-cbc");

    pkiop_answered(f, SS_SCEP_PKI_FAILURE, 0);
    f->req.envelope.recipients[0].oaep = 1;
    snprintf(f->req.envelope.recipients[0].key_alg, SS_SCEP_ALG_LEN, "rsaesOaep");
    judge(f);
    EXPECT(f, SS_F_SCEP_FAILURE, SCEPSNIFF_SEV_ERROR, SS_F_RSA_OAEP, SS_F_SCEP_FAILURE);
    DETAIL_HAS(f, SS_F_RSA_OAEP, "rsaesOaep");
}

static void test_unknown_recipient(void **state)
{
    fx *f = *state;
    ss_scep_certs learned = {0};
    learned.verdict.status = SS_SCEP_OK;
    learned.ncerts = 2;
    snprintf(learned.certs[0].issuer, SS_SCEP_DN_LEN, "CN=Root");
    snprintf(learned.certs[0].serial, SS_SCEP_SERIAL_LEN, "01");
    snprintf(learned.certs[1].issuer, SS_SCEP_DN_LEN, "CN=NDES CA");
    snprintf(learned.certs[1].serial, SS_SCEP_SERIAL_LEN, "2B");
    snprintf(f->server.key, sizeof(f->server.key), "10.0.0.1:80");
    f->server.scep = 1;
    ss_server_learn_certs(&f->server, &learned);
    f->jc.server = &f->server;

    /* encrypted to 1A, the server handed out 2B (a renewed RA certificate) */
    pkiop_answered(f, SS_SCEP_PKI_FAILURE, 1);
    judge(f);
    EXPECT(f, SS_F_SCEP_FAILURE, SCEPSNIFF_SEV_ERROR, SS_F_UNKNOWN_RECIPIENT, SS_F_SCEP_FAILURE);
    DETAIL_HAS(f, SS_F_UNKNOWN_RECIPIENT, "1A");
    DETAIL_HAS(f, SS_F_UNKNOWN_RECIPIENT, "CN=NDES CA");

    /* encrypted to a certificate it handed out */
    pkiop_answered(f, SS_SCEP_PKI_SUCCESS, -1);
    snprintf(f->req.envelope.recipients[0].serial, SS_SCEP_SERIAL_LEN, "2B");
    judge(f);
    EXPECT(f, SS_F_SCEP_ISSUED, SCEPSNIFF_SEV_OK, SS_F_SCEP_ISSUED);

    /* same serial, other issuer: not the same certificate */
    snprintf(f->req.envelope.recipients[0].issuer, SS_SCEP_DN_LEN, "CN=Other CA");
    judge(f);
    EXPECT(f, SS_F_UNKNOWN_RECIPIENT, SCEPSNIFF_SEV_WARNING, SS_F_UNKNOWN_RECIPIENT,
           SS_F_SCEP_ISSUED);

    /* a recipient named by key identifier cannot be compared */
    f->req.envelope.recipients[0].kind = SS_SCEP_RI_KTRI_SKID;
    judge(f);
    EXPECT(f, SS_F_SCEP_ISSUED, SCEPSNIFF_SEV_OK, SS_F_SCEP_ISSUED);

    /* a server whose GetCACert this capture did not see: nothing to compare with */
    f->req.envelope.recipients[0].kind = SS_SCEP_RI_KTRI_ISSUER_SERIAL;
    f->server.ncerts = 0;
    judge(f);
    EXPECT(f, SS_F_SCEP_ISSUED, SCEPSNIFF_SEV_OK, SS_F_SCEP_ISSUED);
    f->jc.server = NULL;
    judge(f);
    EXPECT(f, SS_F_SCEP_ISSUED, SCEPSNIFF_SEV_OK, SS_F_SCEP_ISSUED);
}

static void caps_answered(fx *f, uint32_t flags)
{
    f->http.flags = 0;
    request(f, SS_SCEP_OP_GETCACAPS, "GET", "operation=GetCACaps&message=default");
    respond(f, 200, "OK", "text/plain", "caps");
    memset(&f->caps, 0, sizeof(f->caps));
    f->caps.verdict.status = SS_SCEP_OK;
    f->caps.flags = flags;
    f->tx.caps = &f->caps;
}

static void test_caps(void **state)
{
    fx *f = *state;
    caps_answered(f, SS_SCEP_CAP_AES | SS_SCEP_CAP_SHA256 | SS_SCEP_CAP_POSTPKIOPERATION);
    judge(f);
    EXPECT(f, NONE, SCEPSNIFF_SEV_OK, NONE);
    assert_string_equal(f->ex.operation, "GetCACaps");

    caps_answered(f, SS_SCEP_CAP_AES | SS_SCEP_CAP_SHA512);
    judge(f);
    EXPECT(f, NONE, SCEPSNIFF_SEV_OK, NONE);

    /* NDES's list (SCEP.md section 2): DES3, no AES — worth naming, not a problem */
    caps_answered(f, SS_SCEP_CAP_RENEWAL | SS_SCEP_CAP_SHA512 | SS_SCEP_CAP_SHA256 |
                         SS_SCEP_CAP_SHA1 | SS_SCEP_CAP_DES3);
    judge(f);
    EXPECT(f, SS_F_CAPS_NO_AES, SCEPSNIFF_SEV_OK, SS_F_CAPS_NO_AES);
    DETAIL_HAS(f, SS_F_CAPS_NO_AES, "DES3 offered");

    /* no SHA-2: iOS refuses such a server */
    caps_answered(f, SS_SCEP_CAP_AES | SS_SCEP_CAP_SHA1);
    judge(f);
    EXPECT(f, SS_F_CAPS_NO_SHA2, SCEPSNIFF_SEV_WARNING, SS_F_CAPS_NO_SHA2);

    /* an empty list: neither */
    caps_answered(f, 0);
    judge(f);
    EXPECT(f, SS_F_CAPS_NO_SHA2, SCEPSNIFF_SEV_WARNING, SS_F_CAPS_NO_SHA2, SS_F_CAPS_NO_AES);
    DETAIL_HAS(f, SS_F_CAPS_NO_AES, "neither AES nor DES3");

    /* not a capability list */
    caps_answered(f, 0);
    f->caps.verdict.status = SS_SCEP_MALFORMED;
    f->caps.verdict.reason = SS_SCEP_R_NON_PRINTABLE;
    snprintf(f->caps.verdict.detail, sizeof(f->caps.verdict.detail), "byte 0x00 at 3");
    judge(f);
    EXPECT(f, SS_F_SCEP_MALFORMED_REPLY, SCEPSNIFF_SEV_ERROR, SS_F_SCEP_MALFORMED_REPLY);
    DETAIL_HAS(f, SS_F_SCEP_MALFORMED_REPLY, "byte 0x00 at 3");
}

static void one_cert(fx *f, time_t not_before, time_t not_after)
{
    f->http.flags = 0;
    request(f, SS_SCEP_OP_GETCACERT, "GET", "operation=GetCACert&message=ca");
    respond(f, 200, "OK", "application/x-x509-ca-ra-cert", NULL);
    f->http.res_end.tv_sec = T0 + 1;
    memset(&f->certs, 0, sizeof(f->certs));
    f->certs.verdict.status = SS_SCEP_OK;
    f->certs.form = SS_SCEP_CERTS_PKCS7;
    f->certs.ncerts = 2;
    ss_scep_cert *ca = &f->certs.certs[0], *ra = &f->certs.certs[1];
    snprintf(ca->subject, SS_SCEP_DN_LEN, "CN=NDES CA");
    ca->role = SS_SCEP_ROLE_CA;
    ca->times_ok = 1;
    ca->not_before = T0 - 365 * 86400L;
    ca->not_after = T0 + 5 * 365 * 86400L;
    snprintf(ca->issuer, SS_SCEP_DN_LEN, "CN=NDES CA");
    snprintf(ra->subject, SS_SCEP_DN_LEN, "CN=NDES-MSCEP-RA");
    /* a consistent set (the RA issued by the CA, usable for both RA jobs), so that only the
     * validity under test decides */
    snprintf(ra->issuer, SS_SCEP_DN_LEN, "CN=NDES CA");
    ra->role = SS_SCEP_ROLE_RA_BOTH;
    ra->times_ok = 1;
    ra->not_before = not_before;
    ra->not_after = not_after;
    snprintf(ra->not_before_iso, sizeof(ra->not_before_iso), "NB-ISO");
    snprintf(ra->not_after_iso, sizeof(ra->not_after_iso), "NA-ISO");
    f->tx.certs = &f->certs;
}

static void test_cert_validity(void **state)
{
    fx *f = *state;
    const time_t now = T0 + 1;

    one_cert(f, now - 86400, now + 365 * 86400L);
    judge(f);
    EXPECT(f, NONE, SCEPSNIFF_SEV_OK, NONE);

    one_cert(f, now - 2 * 365 * 86400L, now - 86400);
    judge(f);
    EXPECT(f, SS_F_CERT_EXPIRED, SCEPSNIFF_SEV_ERROR, SS_F_CERT_EXPIRED);
    DETAIL_HAS(f, SS_F_CERT_EXPIRED, "CN=NDES-MSCEP-RA");
    DETAIL_HAS(f, SS_F_CERT_EXPIRED, "NA-ISO");
    DETAIL_HAS(f, SS_F_CERT_EXPIRED, "encryption certificate");

    one_cert(f, now + 3600, now + 365 * 86400L);
    judge(f);
    EXPECT(f, SS_F_CERT_NOT_YET_VALID, SCEPSNIFF_SEV_WARNING, SS_F_CERT_NOT_YET_VALID);
    DETAIL_HAS(f, SS_F_CERT_NOT_YET_VALID, "NB-ISO");

    one_cert(f, now - 86400, now + 10 * 86400L + 60);
    judge(f);
    EXPECT(f, SS_F_CERT_EXPIRING, SCEPSNIFF_SEV_WARNING, SS_F_CERT_EXPIRING);
    DETAIL_HAS(f, SS_F_CERT_EXPIRING, "(10 days)");

    /* the horizon is the configured one */
    f->jc.cert_warn_days = 7;
    judge(f);
    EXPECT(f, NONE, SCEPSNIFF_SEV_OK, NONE);
    f->jc.cert_warn_days = 30;

    /* validity that could not be read is not judged */
    one_cert(f, now - 2 * 365 * 86400L, now - 86400);
    f->certs.certs[1].times_ok = 0;
    judge(f);
    EXPECT(f, NONE, SCEPSNIFF_SEV_OK, NONE);

    /* an unreadable GetCACert answer */
    one_cert(f, now - 86400, now + 365 * 86400L);
    f->certs.verdict.status = SS_SCEP_MALFORMED;
    f->certs.verdict.reason = SS_SCEP_R_NO_CERTS;
    snprintf(f->certs.verdict.detail, sizeof(f->certs.verdict.detail), "no certificate");
    judge(f);
    EXPECT(f, SS_F_SCEP_MALFORMED_REPLY, SCEPSNIFF_SEV_ERROR, SS_F_SCEP_MALFORMED_REPLY);
    DETAIL_HAS(f, SS_F_SCEP_MALFORMED_REPLY, "GetCACert");
}

static void test_judge_certs_direct(void **state)
{
    fx *f = *state;
    ss_scep_certs *c = &f->certs;
    scepsniff_exchange *ex = &f->ex;
    struct timeval now = {T0, 0};
    c->ncerts = 3;
    for (unsigned i = 0; i < 3; i++) {
        c->certs[i].times_ok = 1;
        c->certs[i].role = SS_SCEP_ROLE_RA_SIGN;
        snprintf(c->certs[i].subject, SS_SCEP_DN_LEN, "CN=cert%u", i);
    }
    c->certs[0].not_before = T0 - 100;
    c->certs[0].not_after = T0 - 1; /* expired a second ago */
    c->certs[1].not_before = T0 + 1;
    c->certs[1].not_after = T0 + 86400 * 400L;
    c->certs[2].not_before = T0 - 100;
    c->certs[2].not_after = T0 + 86400 * 29L;
    ss_judge_certs(c, &now, 30, ex);
    assert_int_equal(ex->nfindings, 3);
    assert_true(ss_exchange_has(ex, SS_F_CERT_EXPIRED));
    assert_true(ss_exchange_has(ex, SS_F_CERT_NOT_YET_VALID));
    assert_true(ss_exchange_has(ex, SS_F_CERT_EXPIRING));
    assert_string_equal(ex->verdict, ss_finding_get(SS_F_CERT_EXPIRED)->code);
    assert_int_equal(ex->severity, SCEPSNIFF_SEV_ERROR);
    const char *d = detail_of(ex, SS_F_CERT_EXPIRED);
    assert_non_null(strstr(d, "CN=cert0"));
    assert_non_null(strstr(d, "RA signing"));
}

/* ---- the exchange record ---- */

static void test_exchange_fields(void **state)
{
    fx *f = *state;
    pkiop_answered(f, SS_SCEP_PKI_SUCCESS, -1);
    snprintf(f->http.user_agent, sizeof(f->http.user_agent), "Dalvik/2.1.0 (Linux; U; Android 14)");
    snprintf(f->http.xff, sizeof(f->http.xff), "203.0.113.7, 10.1.1.1");
    snprintf(f->http.server, sizeof(f->http.server), "Microsoft-IIS/10.0");
    f->http.req_end.tv_sec = T0;
    f->http.req_end.tv_usec = 500;
    f->http.res_start.tv_usec = 10;
    f->http.res_end.tv_usec = 20;
    judge(f);
    assert_string_equal(f->ex.operation, "PKIOperation");
    assert_string_equal(f->ex.method, "POST");
    assert_string_equal(f->ex.uri, "/certsrv/mscep/mscep.dll?operation=PKIOperation");
    assert_int_equal(f->ex.uri_len, strlen("/certsrv/mscep/mscep.dll?operation=PKIOperation"));
    assert_string_equal(f->ex.host, "ndes.example.test");
    assert_string_equal(f->ex.user_agent, "Dalvik/2.1.0 (Linux; U; Android 14)");
    assert_string_equal(f->ex.platform, "Android");
    assert_string_equal(f->ex.device, "203.0.113.7");
    assert_string_equal(f->ex.server_header, "Microsoft-IIS/10.0");
    assert_int_equal(f->ex.status, 200);
    assert_string_equal(f->ex.reason, "OK");
    assert_int_equal(f->ex.t_request.tv_sec, T0);
    assert_int_equal(f->ex.t_request_end.tv_usec, 500);
    assert_int_equal(f->ex.t_response.tv_sec, T0 + 1);
    assert_int_equal(f->ex.t_response.tv_usec, 10);
    assert_int_equal(f->ex.t_response_end.tv_usec, 20);

    /* no X-Forwarded-For: the detector names the device by address */
    f->http.xff[0] = 0;
    judge(f);
    assert_string_equal(f->ex.device, "");

    /* an operation SCEP does not define is shown as sent */
    f->tx.request = NULL;
    f->tx.reply = NULL;
    request(f, SS_SCEP_OP_OTHER, "GET", "operation=GetCRL");
    snprintf(f->http.scep.op_text, sizeof(f->http.scep.op_text), "GetCRL");
    respond(f, 200, "OK", "application/octet-stream", NULL);
    judge(f);
    assert_string_equal(f->ex.operation, "GetCRL");

    request(f, SS_SCEP_OP_NONE, "GET", NULL);
    judge(f);
    assert_string_equal(f->ex.operation, "bare URL");
}

static void test_exchange_add_once(void **state)
{
    scepsniff_exchange *ex = &((fx *)*state)->ex;
    ss_exchange_settle(ex);
    assert_string_equal(ex->verdict, "ok");
    assert_int_equal(ex->severity, SCEPSNIFF_SEV_OK);

    ss_exchange_add(ex, SS_F_HTTP_500, "first %d", 1);
    ss_exchange_add(ex, SS_F_HTTP_500, "second %d", 2);
    assert_int_equal(ex->nfindings, 1);
    assert_string_equal(ex->findings[0].detail, "first 1");
    assert_string_equal(ex->findings[0].code, "http.500");
    assert_string_equal(ex->findings[0].doc, "docs/findings.md#http-500");
    assert_ptr_equal(ex->findings[0].summary, ss_finding_get(SS_F_HTTP_500)->summary);
    assert_true(ss_exchange_has(ex, SS_F_HTTP_500));
    assert_false(ss_exchange_has(ex, SS_F_HTTP_503));

    /* a detail is printf-formatted; a NULL format leaves it empty */
    ss_exchange_add(ex, SS_F_SCEP_NO_CONTENT_TYPE, NULL);
    assert_int_equal(ex->nfindings, 2);
    assert_string_equal(ex->findings[1].detail, "");
}

static void test_exchange_verdict_worst(void **state)
{
    scepsniff_exchange *ex = &((fx *)*state)->ex;
    ss_exchange_add(ex, SS_F_CAPS_NO_AES, NULL); /* ok */
    assert_string_equal(ex->verdict, "caps.no_aes");
    assert_int_equal(ex->severity, SCEPSNIFF_SEV_OK);
    ss_exchange_add(ex, SS_F_CAPS_NO_SHA2, NULL); /* warning */
    assert_string_equal(ex->verdict, "caps.no_sha2");
    assert_int_equal(ex->severity, SCEPSNIFF_SEV_WARNING);
    ss_exchange_add(ex, SS_F_HTTP_503, NULL); /* error */
    assert_string_equal(ex->verdict, "http.503");
    assert_int_equal(ex->severity, SCEPSNIFF_SEV_ERROR);
    ss_exchange_add(ex, SS_F_SINGLE_DES, NULL); /* a later warning does not take over */
    assert_string_equal(ex->verdict, "http.503");
    ss_exchange_add(ex, SS_F_HTTP_504, NULL); /* nor a later error of the same weight */
    assert_string_equal(ex->verdict, "http.503");
    assert_int_equal(ex->nfindings, 5);
}

static void test_exchange_full_replaces_least_severe(void **state)
{
    static const ss_finding_id warnings[] = {
        SS_F_CAPS_NO_SHA2,          SS_F_SINGLE_DES,         SS_F_RSA_OAEP,
        SS_F_MESSAGE_BASE64URL,     SS_F_MESSAGE_BAD_BASE64, SS_F_CERT_EXPIRING,
        SS_F_URL_NEAR_HTTPSYS_LIMIT};
    fx *f = *state;
    scepsniff_exchange *ex = &f->ex;
    assert_int_equal(sizeof(warnings) / sizeof(warnings[0]) + 1, SCEPSNIFF_MAX_FINDINGS);
    ss_exchange_add(ex, SS_F_CAPS_NO_AES, "the ok one"); /* ok */
    for (size_t i = 0; i < sizeof(warnings) / sizeof(warnings[0]); i++)
        ss_exchange_add(ex, warnings[i], NULL);
    assert_int_equal(ex->nfindings, SCEPSNIFF_MAX_FINDINGS);
    assert_string_equal(ex->verdict, "caps.no_sha2");

    /* full: another ok finding has nothing less severe to replace */
    ss_exchange_add(ex, SS_F_SCEP_ISSUED, NULL);
    assert_false(ss_exchange_has(ex, SS_F_SCEP_ISSUED));
    assert_int_equal(ex->nfindings, SCEPSNIFF_MAX_FINDINGS);

    /* a warning replaces the ok one */
    ss_exchange_add(ex, SS_F_URL_OVER_IIS_LIMIT, "big");
    assert_int_equal(ex->nfindings, SCEPSNIFF_MAX_FINDINGS);
    assert_true(ss_exchange_has(ex, SS_F_URL_OVER_IIS_LIMIT));
    assert_false(ss_exchange_has(ex, SS_F_CAPS_NO_AES));
    assert_string_equal(detail_of(ex, SS_F_URL_OVER_IIS_LIMIT), "big");

    /* all warnings now: a further warning is dropped */
    ss_exchange_add(ex, SS_F_CERT_NOT_YET_VALID, NULL);
    assert_false(ss_exchange_has(ex, SS_F_CERT_NOT_YET_VALID));
    for (size_t i = 0; i < sizeof(warnings) / sizeof(warnings[0]); i++)
        assert_true(ss_exchange_has(ex, warnings[i]));

    /* an error replaces a warning and becomes the verdict */
    ss_exchange_add(ex, SS_F_HTTP_500, "boom");
    assert_int_equal(ex->nfindings, SCEPSNIFF_MAX_FINDINGS);
    assert_true(ss_exchange_has(ex, SS_F_HTTP_500));
    assert_string_equal(ex->verdict, "http.500");
    assert_int_equal(ex->severity, SCEPSNIFF_SEV_ERROR);
    assert_string_equal(detail_of(ex, SS_F_HTTP_500), "boom");

    /* a second error replaces another warning, never the first error */
    ss_exchange_add(ex, SS_F_SCEP_FAILURE, NULL);
    assert_int_equal(ex->nfindings, SCEPSNIFF_MAX_FINDINGS);
    assert_true(ss_exchange_has(ex, SS_F_SCEP_FAILURE));
    assert_true(ss_exchange_has(ex, SS_F_HTTP_500));
    unsigned warn = 0;
    for (unsigned i = 0; i < ex->nfindings; i++)
        warn += ex->findings[i].severity == SCEPSNIFF_SEV_WARNING;
    assert_int_equal(warn, SCEPSNIFF_MAX_FINDINGS - 2);
    assert_string_equal(ex->verdict, "http.500");

    /* and never twice */
    ss_exchange_add(ex, SS_F_HTTP_500, NULL);
    unsigned n500 = 0;
    for (unsigned i = 0; i < ex->nfindings; i++)
        n500 += !strcmp(ex->findings[i].code, "http.500");
    assert_int_equal(n500, 1);
}

static void test_platform_of(void **state)
{
    (void)state;
    /* SCEP.md section 5 */
    assert_string_equal(ss_platform_of("Mozilla/4.0 (compatible; Win32; NDES client)"), "Windows");
    assert_string_equal(ss_platform_of("Dalvik/2.1.0 (Linux; U; Android 13; Pixel 7 Build/TQ3A)"),
                        "Android");
    assert_string_equal(ss_platform_of("profiled/1.0 CFNetwork/1410.0.3 Darwin/22.6.0"),
                        "iOS/macOS");
    assert_string_equal(ss_platform_of("CFNetwork/1240.0.4 Darwin/20.6.0"), "iOS/macOS");
    assert_string_equal(ss_platform_of("Darwin/23.1.0"), "iOS/macOS");
    assert_string_equal(ss_platform_of("Dalvik/1.6.0"), "Android");
    assert_string_equal(ss_platform_of("profiled/1.0"), "iOS/macOS");
    assert_string_equal(ss_platform_of("curl/7.88.1"), "other");
    assert_string_equal(ss_platform_of("Go-http-client/1.1"), "other");
    assert_string_equal(ss_platform_of(""), "");
    assert_string_equal(ss_platform_of(NULL), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_response_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_cut_short, setup, teardown),
        cmocka_unit_test_setup_teardown(test_response_cut_with_length, setup, teardown),
        cmocka_unit_test_setup_teardown(test_response_cut_chunked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_response_cut_by_gap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_response_cut_by_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_response_cut_at_end_of_capture, setup, teardown),
        cmocka_unit_test_setup_teardown(test_complete_with_gap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_statuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_details, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_not_decoded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_plain_on_pkioperation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_500_with_damaged_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_certrep_success, setup, teardown),
        cmocka_unit_test_setup_teardown(test_certrep_failure_fail_infos, setup, teardown),
        cmocka_unit_test_setup_teardown(test_certrep_failure_hresult, setup, teardown),
        cmocka_unit_test_setup_teardown(test_certrep_pending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reply_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reply_not_certrep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reply_mismatches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reply_no_content_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_message_not_base64, setup, teardown),
        cmocka_unit_test_setup_teardown(test_message_damage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_url_over_iis_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_weak_crypto, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_recipient, setup, teardown),
        cmocka_unit_test_setup_teardown(test_caps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cert_validity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_judge_certs_direct, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exchange_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exchange_add_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exchange_verdict_worst, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exchange_full_replaces_least_severe, setup, teardown),
        cmocka_unit_test(test_platform_of),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_enrollments.c — each device's enrollment followed through its exchanges
 * (detect/enrollments.c): issued and refused conclude at once; stalled (the CA certificate
 * fetched, then silence: SCEP.md section 4, "the device rejected the CA"), failed and pending
 * after the stall time; open at the end of input; the device cap reports what it drops;
 * X-Forwarded-For keeps devices behind one proxy apart; a retry that succeeds wins.
 *
 * Exchanges are built by hand with findings from the catalogue, as the judge would add them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/enrollments.h"
#include "detect/exchange.h"
#include "detect/findings.h"

#define STALL   60
#define MAX_GOT 16
#define T0      1700000000

/* One reported enrollment, copied out of the callback. */
typedef struct got {
    scepsniff_enrollment en;
    char outcome[16];
    char flow_client[46];
    struct timeval ts;
} got;

typedef struct fx {
    ss_enrollments *e;
    got got[MAX_GOT];
    unsigned n;
    scepsniff_flow flow;
    scepsniff_exchange ex;
} fx;

static void on_enrollment(void *ctx, const scepsniff_enrollment *en, const scepsniff_flow *flow,
                          const struct timeval *ts)
{
    fx *f = ctx;
    if (f->n == MAX_GOT)
        fail_msg("more enrollments than the test expects");
    got *g = &f->got[f->n++];
    g->en = *en;
    snprintf(g->outcome, sizeof(g->outcome), "%s", en->outcome ? en->outcome : "(null)");
    snprintf(g->flow_client, sizeof(g->flow_client), "%s", flow->client_ip);
    g->ts = *ts;
}

static fx *make(size_t max)
{
    fx *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->e = ss_enrollments_new(max, STALL, on_enrollment, f);
    if (!f->e) {
        free(f);
        return NULL;
    }
    f->flow.id = 1;
    f->flow.ip_version = 4;
    snprintf(f->flow.client_ip, sizeof(f->flow.client_ip), "10.0.0.5");
    snprintf(f->flow.server_ip, sizeof(f->flow.server_ip), "10.0.0.1");
    f->flow.client_port = 50000;
    f->flow.server_port = 80;
    return f;
}

static int setup(void **state)
{
    *state = make(8);
    return *state ? 0 : -1;
}

static int setup_cap2(void **state)
{
    *state = make(2);
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    fx *f = *state;
    ss_enrollments_free(f->e);
    free(f);
    return 0;
}

/* A fresh exchange of device for op answered status, as the detector hands it on. */
static scepsniff_exchange *ex_new(fx *f, const char *device, const char *op, int status)
{
    scepsniff_exchange *ex = &f->ex;
    memset(ex, 0, sizeof(*ex));
    snprintf(ex->device, sizeof(ex->device), "%s", device);
    snprintf(ex->operation, sizeof(ex->operation), "%s", op);
    snprintf(ex->method, sizeof(ex->method), "GET");
    snprintf(ex->user_agent, sizeof(ex->user_agent), "Dalvik/2.1.0 (Linux; U; Android 14)");
    snprintf(ex->platform, sizeof(ex->platform), "Android");
    ex->status = status;
    ss_exchange_settle(ex);
    return ex;
}

/* PKIOperation answered by a CertRep with pki_status ("SUCCESS", ...). */
static scepsniff_exchange *certrep(fx *f, const char *device, const char *pki_status)
{
    scepsniff_exchange *ex = ex_new(f, device, "PKIOperation", 200);
    snprintf(ex->message_type, sizeof(ex->message_type), "PKCSReq");
    snprintf(ex->transaction_id, sizeof(ex->transaction_id), "TX-%s", device);
    snprintf(ex->pki_status, sizeof(ex->pki_status), "%s", pki_status);
    if (!strcmp(pki_status, "SUCCESS"))
        ss_exchange_add(ex, SS_F_SCEP_ISSUED, "PKCSReq issued");
    else if (!strcmp(pki_status, "PENDING"))
        ss_exchange_add(ex, SS_F_SCEP_PENDING, "held");
    return ex;
}

static void add_at(fx *f, const scepsniff_exchange *ex, long t)
{
    struct timeval ts = {T0 + t, 0};
    ss_enrollments_add(f->e, ex, &f->flow, &ts);
}

static void tick_at(fx *f, long t)
{
    struct timeval ts = {T0 + t, 0};
    ss_enrollments_tick(f->e, &ts);
}

static void finish_at(fx *f, long t)
{
    struct timeval ts = {T0 + t, 0};
    ss_enrollments_finish(f->e, &ts);
}

static void caps_and_cacert(fx *f, const char *device, long t)
{
    add_at(f, ex_new(f, device, "GetCACaps", 200), t);
    add_at(f, ex_new(f, device, "GetCACert", 200), t + 1);
}

static const got *only(fx *f, const char *outcome)
{
    if (f->n != 1)
        fail_msg("%u enrollments reported, expected 1", f->n);
    if (strcmp(f->got[0].outcome, outcome))
        fail_msg("outcome %s (%s), expected %s", f->got[0].outcome, f->got[0].en.reason, outcome);
    return &f->got[0];
}

static void test_issued_at_once(void **state)
{
    fx *f = *state;
    caps_and_cacert(f, "10.0.0.5", 0);
    assert_int_equal(f->n, 0);
    add_at(f, certrep(f, "10.0.0.5", "SUCCESS"), 2);
    const got *g = only(f, "issued");
    assert_string_equal(g->en.device, "10.0.0.5");
    assert_string_equal(g->en.platform, "Android");
    assert_string_equal(g->en.user_agent, "Dalvik/2.1.0 (Linux; U; Android 14)");
    assert_string_equal(g->en.server, "10.0.0.1:80");
    assert_string_equal(g->en.transaction_id, "TX-10.0.0.5");
    assert_int_equal(g->en.exchanges, 3);
    assert_int_equal(g->en.problems, 0);
    assert_int_equal(g->en.start.tv_sec, T0);
    assert_int_equal(g->en.end.tv_sec, T0 + 2);
    assert_int_equal(g->ts.tv_sec, T0 + 2);
    assert_string_equal(g->flow_client, "10.0.0.5");
    assert_true(g->en.id > 0);

    /* concluded means forgotten: nothing is left to report */
    finish_at(f, 1000);
    assert_int_equal(f->n, 1);
}

static void test_refused_with_fail_info(void **state)
{
    fx *f = *state;
    caps_and_cacert(f, "10.0.0.5", 0);
    scepsniff_exchange *ex = certrep(f, "10.0.0.5", "FAILURE");
    snprintf(ex->fail_info, sizeof(ex->fail_info), "badRequest");
    snprintf(ex->hresult, sizeof(ex->hresult), "0x80094800 CERTSRV_E_UNSUPPORTED_CERT_TYPE");
    ss_exchange_add(ex, SS_F_SCEP_FAILURE, "failInfo badRequest");
    add_at(f, ex, 3);
    const got *g = only(f, "refused");
    if (!strstr(g->en.reason, "badRequest") ||
        !strstr(g->en.reason, "0x80094800 CERTSRV_E_UNSUPPORTED_CERT_TYPE"))
        fail_msg("reason lacks failInfo or HRESULT: %s", g->en.reason);
    assert_int_equal(g->en.problems, 1);
    assert_int_equal(g->en.exchanges, 3);

    /* without a failInfo */
    f->n = 0;
    ex = certrep(f, "10.0.0.6", "FAILURE");
    ss_exchange_add(ex, SS_F_SCEP_FAILURE, NULL);
    add_at(f, ex, 4);
    g = only(f, "refused");
    assert_non_null(strstr(g->en.reason, "(none)"));
}

static void test_stalled_after_cacert(void **state)
{
    fx *f = *state;
    caps_and_cacert(f, "10.0.0.5", 0); /* last activity at +1 */
    tick_at(f, 30);
    tick_at(f, STALL); /* 59 s of silence */
    assert_int_equal(f->n, 0);
    tick_at(f, STALL + 1);
    const got *g = only(f, "stalled");
    if (!strstr(g->en.reason, "rejected the CA"))
        fail_msg("reason does not name the CA rejection: %s", g->en.reason);
    assert_int_equal(g->en.exchanges, 2);
    assert_int_equal(g->en.end.tv_sec, T0 + 1);
    assert_int_equal(g->ts.tv_sec, T0 + STALL + 1);
    tick_at(f, 10 * STALL);
    assert_int_equal(f->n, 1);
}

static void test_stalled_without_cacert(void **state)
{
    fx *f = *state;
    /* only GetCACaps, then silence: stalled, but not blamed on the CA certificate */
    add_at(f, ex_new(f, "10.0.0.5", "GetCACaps", 200), 0);
    tick_at(f, STALL);
    const got *g = only(f, "stalled");
    if (strstr(g->en.reason, "rejected the CA"))
        fail_msg("the CA is blamed without a GetCACert: %s", g->en.reason);
}

static void test_failed_after_error(void **state)
{
    fx *f = *state;
    scepsniff_exchange *ex = ex_new(f, "10.0.0.5", "GetCACert", 500);
    ss_exchange_add(ex, SS_F_HTTP_500, "HTTP 500 on GetCACert");
    add_at(f, ex, 0);
    assert_int_equal(f->n, 0);
    tick_at(f, STALL - 1);
    assert_int_equal(f->n, 0);
    tick_at(f, STALL);
    const got *g = only(f, "failed");
    if (!strstr(g->en.reason, "GetCACert") ||
        !strstr(g->en.reason, ss_finding_get(SS_F_HTTP_500)->summary) ||
        !strstr(g->en.reason, "HTTP 500 on GetCACert"))
        fail_msg("reason lacks the error: %s", g->en.reason);
    assert_int_equal(g->en.problems, 1);
}

static void test_failed_at_finish(void **state)
{
    fx *f = *state;
    scepsniff_exchange *ex = ex_new(f, "10.0.0.5", "PKIOperation", 0);
    ss_exchange_add(ex, SS_F_RESET_BY_SERVER, "the server reset the connection");
    add_at(f, ex, 0);
    finish_at(f, 5); /* not yet quiet for the stall time: the error still decides */
    const got *g = only(f, "failed");
    assert_non_null(strstr(g->en.reason, "PKIOperation"));
    assert_non_null(strstr(g->en.reason, "the server reset the connection"));
}

static void test_pending(void **state)
{
    fx *f = *state;
    caps_and_cacert(f, "10.0.0.5", 0);
    add_at(f, certrep(f, "10.0.0.5", "PENDING"), 2);
    assert_int_equal(f->n, 0);
    tick_at(f, 2 + STALL);
    const got *g = only(f, "pending");
    assert_int_equal(g->en.problems, 1); /* PENDING is a warning */
    assert_int_equal(g->en.exchanges, 3);
}

static void test_pending_then_polled_to_issue(void **state)
{
    fx *f = *state;
    add_at(f, certrep(f, "10.0.0.5", "PENDING"), 0);
    scepsniff_exchange *ex = certrep(f, "10.0.0.5", "PENDING");
    snprintf(ex->message_type, sizeof(ex->message_type), "CertPoll");
    add_at(f, ex, 30);
    tick_at(f, 30 + STALL - 1);
    assert_int_equal(f->n, 0);
    ex = certrep(f, "10.0.0.5", "SUCCESS");
    snprintf(ex->message_type, sizeof(ex->message_type), "CertPoll");
    add_at(f, ex, 60);
    const got *g = only(f, "issued");
    assert_int_equal(g->en.exchanges, 3);
    assert_int_equal(g->en.start.tv_sec, T0);
}

static void test_open_at_finish(void **state)
{
    fx *f = *state;
    caps_and_cacert(f, "10.0.0.5", 0);
    finish_at(f, 10); /* 9 s after the GetCACert: too soon to call it stalled */
    const got *g = only(f, "open");
    assert_int_equal(g->en.exchanges, 2);
    assert_int_equal(g->ts.tv_sec, T0 + 10);

    /* quiet for the stall time when the input ended: stalled after all */
    f->n = 0;
    caps_and_cacert(f, "10.0.0.6", 100);
    finish_at(f, 101 + STALL);
    only(f, "stalled");
}

static void test_device_cap_reports_oldest(void **state)
{
    fx *f = *state; /* cap of 2 */
    add_at(f, ex_new(f, "10.0.0.1", "GetCACaps", 200), 0);
    add_at(f, ex_new(f, "10.0.0.2", "GetCACaps", 200), 1);
    add_at(f, ex_new(f, "10.0.0.1", "GetCACert", 200), 2); /* .1 is now the more recent */
    assert_int_equal(f->n, 0);
    add_at(f, ex_new(f, "10.0.0.3", "GetCACaps", 200), 3);
    /* the least recently active device (.2) is reported as it stands, not lost */
    const got *g = only(f, "open");
    assert_string_equal(g->en.device, "10.0.0.2");
    assert_int_equal(g->en.exchanges, 1);

    finish_at(f, 4);
    assert_int_equal(f->n, 3);
    int seen1 = 0, seen3 = 0;
    for (unsigned i = 1; i < f->n; i++) {
        seen1 += !strcmp(f->got[i].en.device, "10.0.0.1") && f->got[i].en.exchanges == 2;
        seen3 += !strcmp(f->got[i].en.device, "10.0.0.3") && f->got[i].en.exchanges == 1;
    }
    assert_int_equal(seen1, 1);
    assert_int_equal(seen3, 1);
}

static void test_devices_behind_one_proxy(void **state)
{
    fx *f = *state;
    /* one proxy address on the wire, two devices named by X-Forwarded-For */
    snprintf(f->flow.client_ip, sizeof(f->flow.client_ip), "10.9.9.9");
    caps_and_cacert(f, "203.0.113.7", 0);
    caps_and_cacert(f, "203.0.113.8", 1);
    add_at(f, certrep(f, "203.0.113.7", "SUCCESS"), 3);
    const got *g = only(f, "issued");
    assert_string_equal(g->en.device, "203.0.113.7");
    assert_int_equal(g->en.exchanges, 3);
    tick_at(f, 2 + STALL);
    assert_int_equal(f->n, 2);
    assert_string_equal(f->got[1].en.device, "203.0.113.8");
    assert_string_equal(f->got[1].outcome, "stalled");
    assert_int_equal(f->got[1].en.exchanges, 2);
}

static void test_retry_succeeds_after_error(void **state)
{
    fx *f = *state;
    caps_and_cacert(f, "10.0.0.5", 0);
    scepsniff_exchange *ex = ex_new(f, "10.0.0.5", "PKIOperation", 503);
    ss_exchange_add(ex, SS_F_HTTP_503, "HTTP 503 Service Unavailable");
    add_at(f, ex, 2);
    assert_int_equal(f->n, 0);
    add_at(f, certrep(f, "10.0.0.5", "SUCCESS"), 20);
    const got *g = only(f, "issued");
    assert_int_equal(g->en.exchanges, 4);
    assert_int_equal(g->en.problems, 1);
}

/* The latest attempt decides: a retry still in flight when the capture ended leaves the
 * enrollment open, not failed by the error before it. */
static void test_retry_in_flight_at_end(void **state)
{
    fx *f = *state;
    scepsniff_exchange *ex = ex_new(f, "10.0.0.5", "PKIOperation", 503);
    ss_exchange_add(ex, SS_F_HTTP_503, "HTTP 503 Service Unavailable");
    add_at(f, ex, 0);
    ex = ex_new(f, "10.0.0.5", "PKIOperation", 0);
    ss_exchange_add(ex, SS_F_OPEN_AT_END, "awaiting the response");
    add_at(f, ex, 5);
    finish_at(f, 6);
    const got *g = only(f, "open");
    assert_int_equal(g->en.exchanges, 2);
    assert_int_equal(g->en.problems, 1);
}

static void test_tick_reports_only_the_quiet(void **state)
{
    fx *f = *state;
    caps_and_cacert(f, "10.0.0.5", 0);  /* last at +1 */
    caps_and_cacert(f, "10.0.0.6", 40); /* last at +41 */
    tick_at(f, 1 + STALL);
    const got *g = only(f, "stalled");
    assert_string_equal(g->en.device, "10.0.0.5");
    tick_at(f, 41 + STALL);
    assert_int_equal(f->n, 2);
    assert_string_equal(f->got[1].en.device, "10.0.0.6");
    assert_true(f->got[1].en.id != f->got[0].en.id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_issued_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_with_fail_info, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stalled_after_cacert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stalled_without_cacert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_after_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_at_finish, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pending_then_polled_to_issue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_at_finish, setup, teardown),
        cmocka_unit_test_setup_teardown(test_device_cap_reports_oldest, setup_cap2, teardown),
        cmocka_unit_test_setup_teardown(test_devices_behind_one_proxy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_succeeds_after_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_in_flight_at_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tick_reports_only_the_quiet, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

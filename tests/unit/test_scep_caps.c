/* test_scep_caps.c — GetCACaps bodies (decode/scep_caps.c): the list scepserver sent, NDES's
 * list (SCEP.md section 2), case and line-ending variants, unknown and too many keywords, and
 * bodies that are not a capability list at all.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/data.h"
#include "decode/scep_caps.h"
#include "decode/scep_render.h"

#define load(name, len) ss_test_load("tests/data/scep", name, len)

static int caps(const char *s, ss_scep_caps *c)
{
    size_t n = strlen(s);
    uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan sees any over-read */
    int rc;
    json_t *j;
    char text[4096];

    memcpy(copy, s, n);
    rc = ss_scep_caps_decode(copy, n, c);
    free(copy);
    assert_int_equal(rc == 0, c->verdict.reason == SS_SCEP_R_NONE);
    j = ss_scep_caps_json(c);
    assert_non_null(j);
    json_decref(j);
    assert_true(ss_scep_caps_text(c, "", text, sizeof(text)) > 0);
    return rc;
}

static void test_scepserver(void **state)
{
    size_t n;
    uint8_t *b = load("getcacaps_scepserver.txt", &n);
    ss_scep_caps c;
    json_t *j, *a;
    char text[1024];

    (void)state;
    assert_int_equal(ss_scep_caps_decode(b, n, &c), 0);
    /* the body, as captured: Renewal SHA-1 SHA-256 AES DES3 SCEPStandard POSTPKIOperation */
    assert_int_equal(c.flags, SS_SCEP_CAP_RENEWAL | SS_SCEP_CAP_SHA1 | SS_SCEP_CAP_SHA256 |
                                  SS_SCEP_CAP_AES | SS_SCEP_CAP_DES3 | SS_SCEP_CAP_SCEPSTANDARD |
                                  SS_SCEP_CAP_POSTPKIOPERATION);
    assert_int_equal(c.lines, 7);
    assert_int_equal(c.nunknown, 0);
    assert_int_equal(c.noncanonical, 0);
    j = ss_scep_caps_json(&c);
    a = json_object_get(j, "capabilities");
    assert_int_equal(json_array_size(a), 7);
    assert_string_equal(json_string_value(json_array_get(a, 0)), "AES");
    json_decref(j);
    ss_scep_caps_text(&c, "", text, sizeof(text));
    assert_null(strstr(text, "by GET"));
    free(b);
}

static void test_ndes(void **state)
{
    ss_scep_caps c;
    char text[1024];

    (void)state;
    /* NDES: no POSTPKIOperation, CRLF */
    assert_int_equal(caps("Renewal\r\nSHA-512\r\nSHA-256\r\nSHA-1\r\nDES3\r\n", &c), 0);
    assert_int_equal(c.flags, SS_SCEP_CAP_RENEWAL | SS_SCEP_CAP_SHA512 | SS_SCEP_CAP_SHA256 |
                                  SS_SCEP_CAP_SHA1 | SS_SCEP_CAP_DES3);
    assert_int_equal(c.lines, 5);
    ss_scep_caps_text(&c, "> ", text, sizeof(text));
    assert_non_null(strstr(text, "> capabilities, 40 bytes: ok\n"));
    assert_non_null(strstr(text, "no POSTPKIOperation: clients send PKIOperation by GET"));
}

static void test_case_and_spacing(void **state)
{
    ss_scep_caps c;

    (void)state;
    assert_int_equal(caps("  sha-256\t\nposTPKIoperation\n\n\nGETNEXTCACERT\nupdate", &c), 0);
    assert_int_equal(c.flags, SS_SCEP_CAP_SHA256 | SS_SCEP_CAP_POSTPKIOPERATION |
                                  SS_SCEP_CAP_GETNEXTCACERT | SS_SCEP_CAP_UPDATE);
    assert_int_equal(c.noncanonical, 4);
    assert_int_equal(c.lines, 4);
    assert_int_equal(caps("AES\nAES\naes\r\n", &c), 0);
    assert_int_equal(c.flags, SS_SCEP_CAP_AES);
    assert_int_equal(c.duplicates, 2);
    /* an empty answer is valid: no capability at all */
    assert_int_equal(caps("", &c), 0);
    assert_int_equal(c.flags, 0);
    assert_int_equal(c.lines, 0);
}

static void test_unknown(void **state)
{
    ss_scep_caps c;
    char body[2048] = "SHA1\nDES\nSHA-384\n";
    size_t i;
    json_t *j;

    (void)state;
    /* near misses are not the keywords */
    assert_int_equal(caps(body, &c), 0);
    assert_int_equal(c.flags, 0);
    assert_int_equal(c.nunknown, 3);
    assert_string_equal(c.unknown[0], "SHA1");
    assert_string_equal(c.unknown[2], "SHA-384");
    for (i = 0; i < 20; i++)
        snprintf(body + strlen(body), sizeof(body) - strlen(body), "X-Vendor-%zu\n", i);
    strcat(body, "AES\n");
    for (i = 0; i < 100; i++)
        strcat(body, "L");
    assert_int_equal(caps(body, &c), 0);
    assert_int_equal(c.flags, SS_SCEP_CAP_AES);
    assert_int_equal(c.nunknown, SS_SCEP_MAX_UNKNOWN_CAPS);
    assert_int_equal(c.unknown_dropped, 3 + 20 + 1 - SS_SCEP_MAX_UNKNOWN_CAPS);
    assert_string_equal(c.unknown[3], "X-Vendor-0");
    j = ss_scep_caps_json(&c);
    assert_int_equal(json_array_size(json_object_get(j, "unknown")), SS_SCEP_MAX_UNKNOWN_CAPS);
    assert_int_equal(json_integer_value(json_object_get(j, "unknown_dropped")), 8);
    json_decref(j);
    /* a long unknown line is cut, not overflowed */
    assert_int_equal(
        caps("AES\nKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKK", &c),
        0);
    assert_int_equal(strlen(c.unknown[0]), SS_SCEP_CAP_LEN - 1);
    assert_string_equal(c.unknown[0] + SS_SCEP_CAP_LEN - 4, "...");
}

static void test_not_caps(void **state)
{
    ss_scep_caps c;
    static const uint8_t bin[] = {'A', 'E', 'S', '\n', 0x30, 0x82, 0x01};
    uint8_t *big;

    (void)state;
    assert_int_equal(ss_scep_caps_decode(bin, sizeof(bin), &c), -1);
    assert_int_equal(c.verdict.reason, SS_SCEP_R_NON_PRINTABLE);
    assert_non_null(strstr(c.verdict.detail, "offset 5"));
    assert_int_equal(c.flags, 0);
    assert_int_equal(caps("AES\rDES3\n", &c), -1); /* a lone CR */
    assert_int_equal(c.verdict.reason, SS_SCEP_R_NON_PRINTABLE);
    assert_int_equal(caps("\r\n<html><head><title>IIS Windows Server</title>", &c), -1);
    assert_int_equal(c.verdict.reason, SS_SCEP_R_WRONG_TYPE);
    assert_non_null(strstr(c.verdict.detail, "<html><head>"));
    assert_int_equal(caps("AES\nSHA-256\r", &c), 0); /* a CR at the very end */
    assert_int_equal(c.flags, SS_SCEP_CAP_AES | SS_SCEP_CAP_SHA256);
    big = malloc(SS_SCEP_MAX_BODY + 1);
    memset(big, 'A', SS_SCEP_MAX_BODY + 1);
    assert_int_equal(ss_scep_caps_decode(big, SS_SCEP_MAX_BODY + 1, &c), -1);
    assert_int_equal(c.verdict.reason, SS_SCEP_R_TOO_LARGE);
    free(big);
}

static void test_names(void **state)
{
    unsigned i;

    (void)state;
    for (i = 0; i < SS_SCEP_CAP_COUNT; i++)
        assert_true(strlen(ss_scep_cap_name(i)) > 0);
    assert_string_equal(ss_scep_cap_name(3), "POSTPKIOperation");
    assert_string_equal(ss_scep_cap_name(SS_SCEP_CAP_COUNT), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scepserver),       cmocka_unit_test(test_ndes),
        cmocka_unit_test(test_case_and_spacing), cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_not_caps),         cmocka_unit_test(test_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

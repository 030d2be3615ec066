/* test_scep_url.c — unit tests for SCEP recognition from the request line (decode/scep_url.c).
 *
 * Message tests start from DER-like bytes, encode them (OpenSSL EVP_EncodeBlock), damage the
 * encoding the way real clients do, and check both the damage reported and that the bytes the
 * sender meant come back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "decode/scep_url.h"

static void parse(const char *method, const char *uri, ss_scep_url *u)
{
    assert_int_equal(ss_scep_url_parse((const uint8_t *)method, strlen(method),
                                       (const uint8_t *)uri, strlen(uri), u),
                     0);
}

/* Standard base64 of p[0..n) into a new string. */
static char *b64(const uint8_t *p, size_t n)
{
    char *s = malloc(4 * ((n + 2) / 3) + 1);

    assert_non_null(s);
    assert_int_equal(EVP_EncodeBlock((unsigned char *)s, p, (int)n), 4 * ((n + 2) / 3));
    return s;
}

typedef enum { ESC_ALL, ESC_NONE_PLUS, ESC_URLSAFE, ESC_NOPAD, ESC_SPACES, ESC_DOUBLE } esc_mode;

/* Puts s into a GET PKIOperation URL, escaped according to mode. */
static char *url_for(const char *s, esc_mode mode)
{
    size_t n = strlen(s), i, o;
    char *u = malloc(n * 5 + 128);

    assert_non_null(u);
    o = (size_t)sprintf(u,
                        "/certsrv/mscep/mscep.dll/pkiclient.exe?operation=PKIOperation&message=");
    for (i = 0; i < n; i++) {
        char ch = s[i];
        if (mode == ESC_NOPAD && ch == '=')
            continue;
        if (mode == ESC_URLSAFE && (ch == '+' || ch == '/')) {
            u[o++] = ch == '+' ? '-' : '_';
        } else if (ch == '+' && (mode == ESC_NONE_PLUS)) {
            u[o++] = '+';
        } else if (ch == '+' && mode == ESC_SPACES) {
            o += (size_t)sprintf(u + o, "%%20");
        } else if (ch == '+' || ch == '/' || ch == '=') {
            o += (size_t)sprintf(u + o, mode == ESC_DOUBLE ? "%%25%02X" : "%%%02X",
                                 (unsigned)(unsigned char)ch);
        } else {
            u[o++] = ch;
        }
    }
    u[o] = '\0';
    return u;
}

static void test_operations(void **state)
{
    static const struct {
        const char *uri;
        ss_scep_op op;
    } cases[] = {
        {"/certsrv/mscep/mscep.dll?operation=GetCACaps&message=default", SS_SCEP_OP_GETCACAPS},
        {"/certsrv/mscep/mscep.dll?operation=GetCACert&message=default", SS_SCEP_OP_GETCACERT},
        {"/certsrv/mscep/mscep.dll?operation=GetNextCACert", SS_SCEP_OP_GETNEXTCACERT},
        {"/certsrv/mscep/mscep.dll?operation=PKIOperation", SS_SCEP_OP_PKIOPERATION},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ss_scep_url u;
        parse("GET", cases[i].uri, &u);
        assert_true(u.is_scep);
        assert_int_equal(u.op, cases[i].op);
        assert_int_equal(u.op_case_differs, 0);
        assert_int_equal(u.path_kind, SS_SCEP_PATH_NDES);
        assert_string_equal(u.op_text, ss_scep_op_name(cases[i].op));
        assert_int_equal(u.url_len, strlen(cases[i].uri));
        assert_int_equal(u.path_len, strlen("/certsrv/mscep/mscep.dll"));
        assert_int_equal(u.query_len, strlen(cases[i].uri) - u.path_len - 1);
        ss_scep_url_free(&u);
    }
}

static void test_case_and_paths(void **state)
{
    static const struct {
        const char *uri;
        ss_scep_path kind;
        ss_scep_op op;
        int case_differs;
        int is_scep;
    } cases[] = {
        {"/CertSrv/MSCEP/MSCEP.DLL?OPERATION=getcacaps", SS_SCEP_PATH_NDES, SS_SCEP_OP_GETCACAPS, 1,
         1},
        {"/certsrv/mscep/mscep.dll/", SS_SCEP_PATH_NDES, SS_SCEP_OP_NONE, 0, 1},
        {"\\certsrv\\mscep\\mscep.dll", SS_SCEP_PATH_NDES, SS_SCEP_OP_NONE, 0, 1},
        {"//certsrv//mscep/mscep.dll?Operation=GetCACert", SS_SCEP_PATH_NDES, SS_SCEP_OP_GETCACERT,
         0, 1},
        {"/certsrv/mscep/%6Dscep.dll", SS_SCEP_PATH_NDES, SS_SCEP_OP_NONE, 0, 1},
        {"/certsrv/mscep/mscep.dll/PKICLIENT.EXE?operation=PKIOperation",
         SS_SCEP_PATH_NDES_PKICLIENT, SS_SCEP_OP_PKIOPERATION, 0, 1},
        {"http://ndes.corp.test:80/certsrv/mscep/mscep.dll?operation=GetCACaps", SS_SCEP_PATH_NDES,
         SS_SCEP_OP_GETCACAPS, 0, 1},
        {"/certsrv/mscep_admin/", SS_SCEP_PATH_NDES_ADMIN, SS_SCEP_OP_NONE, 0, 0},
        {"/scep?operation=GetCACaps", SS_SCEP_PATH_GENERIC, SS_SCEP_OP_GETCACAPS, 0, 1},
        {"/scep", SS_SCEP_PATH_GENERIC, SS_SCEP_OP_NONE, 0, 1},
        {"/cgi-bin/pkiclient.exe?operation=GetCACert&message=CA", SS_SCEP_PATH_GENERIC,
         SS_SCEP_OP_GETCACERT, 0, 1},
        {"/ejbca/publicweb/apply/scep/pkiclient.exe?operation=GetCACert", SS_SCEP_PATH_GENERIC,
         SS_SCEP_OP_GETCACERT, 0, 1},
        {"/scep/?operation=Bogus", SS_SCEP_PATH_GENERIC, SS_SCEP_OP_OTHER, 0, 1},
        {"/api/enroll?operation=GetCACaps", SS_SCEP_PATH_OTHER, SS_SCEP_OP_GETCACAPS, 0, 1},
        {"/api/files?operation=delete", SS_SCEP_PATH_OTHER, SS_SCEP_OP_OTHER, 0, 0},
        {"/index.html", SS_SCEP_PATH_OTHER, SS_SCEP_OP_NONE, 0, 0},
        {"/certsrv/mscep/mscep.dll.bak", SS_SCEP_PATH_OTHER, SS_SCEP_OP_NONE, 0, 0},
        {"/scepter?x=1", SS_SCEP_PATH_OTHER, SS_SCEP_OP_NONE, 0, 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ss_scep_url u;
        parse("GET", cases[i].uri, &u);
        if (u.path_kind != cases[i].kind || u.op != cases[i].op ||
            u.op_case_differs != cases[i].case_differs || u.is_scep != cases[i].is_scep)
            fail_msg("%s: kind %s op %s case %d scep %d", cases[i].uri,
                     ss_scep_path_name(u.path_kind), ss_scep_op_name(u.op), u.op_case_differs,
                     u.is_scep);
        ss_scep_url_free(&u);
    }
}

static void test_other_operation_kept(void **state)
{
    ss_scep_url u;

    (void)state;
    parse("GET", "/scep?operation=Get%43RL&operation=GetCACaps", &u);
    assert_int_equal(u.op, SS_SCEP_OP_OTHER);
    assert_string_equal(u.op_text, "GetCRL"); /* percent-decoded, the first one wins */
    assert_int_equal(u.op_repeated, 1);
    ss_scep_url_free(&u);
}

static void test_message_label(void **state)
{
    ss_scep_url u;

    (void)state;
    parse("GET", "/certsrv/mscep/mscep.dll?operation=GetCACert&message=SCEP+Authority", &u);
    assert_string_equal(u.message_text, "SCEP Authority");
    assert_int_equal(u.damage, 0);
    assert_int_equal(u.der_status, SS_SCEP_DER_NONE);
    ss_scep_url_free(&u);
    parse("GET", "/certsrv/mscep/mscep.dll?message=My%20CA%00x&operation=GetCACaps", &u);
    assert_string_equal(u.message_text, "My CA?x");
    assert_int_equal(u.op, SS_SCEP_OP_GETCACAPS);
    ss_scep_url_free(&u);
}

static void test_bare_url(void **state)
{
    ss_scep_url u;

    (void)state;
    parse("GET", "/certsrv/mscep/mscep.dll", &u);
    assert_true(u.is_scep);
    assert_int_equal(u.op, SS_SCEP_OP_NONE);
    assert_int_equal(u.has_query, 0);
    assert_int_equal(u.query_len, 0);
    assert_int_equal(u.has_message, 0);
    ss_scep_url_free(&u);
}

/* Random messages through every escaping a client may use. */
static void test_message_roundtrip(void **state)
{
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    int iter;

    (void)state;
    for (iter = 0; iter < 400; iter++) {
        size_t n = 1 + (size_t)(iter * 37 % 700), i;
        uint8_t *der = malloc(n);
        char *enc;
        int has_plus, has_slash, has_pad;
        esc_mode m;

        assert_non_null(der);
        for (i = 0; i < n; i++) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            der[i] = (uint8_t)seed;
        }
        der[0] = 0x30;
        enc = b64(der, n);
        has_plus = strchr(enc, '+') != NULL;
        has_slash = strchr(enc, '/') != NULL;
        has_pad = strchr(enc, '=') != NULL;
        for (m = ESC_ALL; m <= ESC_DOUBLE; m++) {
            char *url = url_for(enc, m);
            ss_scep_url u;
            unsigned want = 0;

            if (m == ESC_NONE_PLUS && has_plus)
                want = SS_SCEP_MSG_RAW_PLUS;
            if (m == ESC_URLSAFE && (has_plus || has_slash))
                want = SS_SCEP_MSG_BASE64URL;
            if (m == ESC_NOPAD && has_pad)
                want = SS_SCEP_MSG_PAD_MISSING;
            if (m == ESC_SPACES && has_plus)
                want = SS_SCEP_MSG_SPACE;
            if (m == ESC_DOUBLE && (has_plus || has_slash || has_pad))
                want = SS_SCEP_MSG_DOUBLE_ENCODED;
            parse("GET", url, &u);
            if (u.damage != want)
                fail_msg("iter %d mode %d: damage %x, want %x (%s)", iter, (int)m, u.damage, want,
                         url);
            assert_int_equal(u.der_status, want ? SS_SCEP_DER_REPAIRED : SS_SCEP_DER_OK);
            assert_int_equal(u.der_len, n);
            assert_memory_equal(u.der, der, n);
            assert_int_equal(u.message_len, strlen(strstr(url, "message=") + 8));
            ss_scep_url_free(&u);
            assert_null(u.der);
            free(url);
        }
        free(enc);
        free(der);
    }
}

static void test_message_damage(void **state)
{
    static const struct {
        const char *msg;
        unsigned damage;
        ss_scep_der_status st;
    } cases[] = {
        {"MIIB%2B%2F%3D%3D", 0, SS_SCEP_DER_OK}, /* sanity: decodes "MIIB+/==" */
        {"MIIB*AAA", SS_SCEP_MSG_INVALID_CHAR, SS_SCEP_DER_FAILED},
        {"MIIB%G1AA", SS_SCEP_MSG_BAD_PERCENT, SS_SCEP_DER_FAILED},
        {"MIIB%0AAAAA", SS_SCEP_MSG_LINE_BREAK, SS_SCEP_DER_REPAIRED},
        {"MI%3DIBAAAA", SS_SCEP_MSG_PAD_BAD, SS_SCEP_DER_FAILED},
        {"MIIBA%3D%3D%3D", SS_SCEP_MSG_PAD_BAD, SS_SCEP_DER_FAILED},
        {"MIIBA", SS_SCEP_MSG_PAD_BAD, SS_SCEP_DER_FAILED}, /* 5 chars: no byte count fits */
        {"MI%3D%3DAAAA", SS_SCEP_MSG_PAD_BAD, SS_SCEP_DER_FAILED},
        {"MIIBAA", SS_SCEP_MSG_PAD_MISSING, SS_SCEP_DER_REPAIRED},
        {"MIIBAA%3D", SS_SCEP_MSG_PAD_BAD, SS_SCEP_DER_REPAIRED},
        {"", SS_SCEP_MSG_EMPTY, SS_SCEP_DER_NONE},
        {"MII+B-AA", SS_SCEP_MSG_RAW_PLUS | SS_SCEP_MSG_BASE64URL, SS_SCEP_DER_REPAIRED},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char url[256];
        ss_scep_url u;

        snprintf(url, sizeof(url), "/scep?operation=PKIOperation&message=%s", cases[i].msg);
        parse("GET", url, &u);
        if (u.damage != cases[i].damage || u.der_status != cases[i].st)
            fail_msg("%s: damage %x status %s", cases[i].msg, u.damage,
                     ss_scep_der_status_name(u.der_status));
        if (u.der_status == SS_SCEP_DER_FAILED || u.der_status == SS_SCEP_DER_NONE)
            assert_null(u.der);
        ss_scep_url_free(&u);
    }
}

static void test_no_message_or_post(void **state)
{
    ss_scep_url u;

    (void)state;
    parse("GET", "/scep?operation=PKIOperation", &u);
    assert_int_equal(u.damage, SS_SCEP_MSG_EMPTY);
    assert_int_equal(u.has_message, 0);
    ss_scep_url_free(&u);
    /* POST: the message is the body; a message= in the URL is not decoded */
    parse("POST", "/scep?operation=PKIOperation&message=MIIB", &u);
    assert_int_equal(u.is_get, 0);
    assert_int_equal(u.der_status, SS_SCEP_DER_NONE);
    assert_null(u.der);
    assert_int_equal(u.damage, 0);
    ss_scep_url_free(&u);
}

/* A URL over every IIS default limit: lengths are reported exactly, nothing is decoded past the
 * bound, nothing overflows. */
static void test_huge_url(void **state)
{
    const char *prefix = "/certsrv/mscep/mscep.dll/pkiclient.exe?operation=PKIOperation&message=";
    size_t pl = strlen(prefix), n = SS_SCEP_URL_MAX_MESSAGE + 5000;
    char *uri = malloc(pl + n + 1);
    ss_scep_url u;

    (void)state;
    assert_non_null(uri);
    memcpy(uri, prefix, pl);
    memset(uri + pl, 'A', n);
    uri[pl + n] = '\0';
    parse("GET", uri, &u);
    assert_int_equal(u.url_len, pl + n);
    assert_int_equal(u.path_len, strlen("/certsrv/mscep/mscep.dll/pkiclient.exe"));
    assert_int_equal(u.query_len, pl + n - u.path_len - 1);
    assert_true(u.query_len > SS_SCEP_IIS_MAX_QUERY);
    assert_int_equal(u.message_len, n);
    assert_int_equal(u.damage, SS_SCEP_MSG_TOO_LONG);
    assert_int_equal(u.der_status, SS_SCEP_DER_TOO_LONG);
    assert_null(u.der);
    ss_scep_url_free(&u);

    /* just under the bound: decoded (a multiple of 4 'A's is valid base64 of zeros) */
    n = SS_SCEP_URL_MAX_MESSAGE;
    uri[pl + n] = '\0';
    parse("GET", uri, &u);
    assert_int_equal(u.der_status, SS_SCEP_DER_OK);
    assert_int_equal(u.der_len, n / 4 * 3);
    ss_scep_url_free(&u);
    free(uri);
}

/* Every prefix of a damaged URL parses without reading past its end (ASan checks). */
static void test_prefixes(void **state)
{
    static const char uri[] = "http://h/certsrv/mscep/mscep.dll/pkiclient.exe?operation=PKIOper"
                              "ation&message=MI+B%2b%2F%25%3D%0A-_%G%";
    size_t n;

    (void)state;
    for (n = 0; n <= sizeof(uri) - 1; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        ss_scep_url u;

        assert_non_null(copy);
        memcpy(copy, uri, n);
        ss_scep_url_parse((const uint8_t *)"GET", 3, n ? copy : NULL, n, &u);
        assert_int_equal(u.url_len, n);
        ss_scep_url_free(&u);
        free(copy);
    }
}

static void test_names(void **state)
{
    unsigned i, j;

    (void)state;
    for (i = 0; i < SS_SCEP_MSG_NBITS; i++) {
        assert_non_null(ss_scep_damage_name(1u << i));
        for (j = 0; j < i; j++)
            assert_string_not_equal(ss_scep_damage_name(1u << i), ss_scep_damage_name(1u << j));
    }
    assert_null(ss_scep_damage_name(1u << SS_SCEP_MSG_NBITS));
    assert_null(ss_scep_damage_name(3));
    assert_string_equal(ss_scep_op_name(SS_SCEP_OP_GETNEXTCACERT), "GetNextCACert");
    assert_string_equal(ss_scep_path_name(SS_SCEP_PATH_NDES_PKICLIENT), "ndes_pkiclient");
    assert_string_equal(ss_scep_der_status_name(SS_SCEP_DER_REPAIRED), "repaired");
}

static void test_move(void **state)
{
    ss_scep_url a, b;

    (void)state;
    parse("GET", "/scep?operation=PKIOperation&message=MIIBAA%3D%3D", &a);
    assert_non_null(a.der);
    ss_scep_url_move(&b, &a);
    assert_null(a.der);
    assert_int_equal(b.der_len, 4);
    ss_scep_url_free(&a);
    ss_scep_url_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_operations),
        cmocka_unit_test(test_case_and_paths),
        cmocka_unit_test(test_other_operation_kept),
        cmocka_unit_test(test_message_label),
        cmocka_unit_test(test_bare_url),
        cmocka_unit_test(test_message_roundtrip),
        cmocka_unit_test(test_message_damage),
        cmocka_unit_test(test_no_message_or_post),
        cmocka_unit_test(test_huge_url),
        cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_move),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

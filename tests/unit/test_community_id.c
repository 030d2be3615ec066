/* test_community_id.c — Community ID v1 against the published test vectors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "lib/community_id.h"

static void test_spec_vector(void **state)
{
    (void)state;
    char buf[64];
    /* the spec's TCP example, both directions */
    assert_int_equal(ss_community_id("128.232.110.120", 34855, "66.35.250.204", 80, 0, buf,
                                     sizeof(buf)),
                     0);
    assert_string_equal(buf, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    assert_int_equal(ss_community_id("66.35.250.204", 80, "128.232.110.120", 34855, 0, buf,
                                     sizeof(buf)),
                     0);
    assert_string_equal(buf, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
}

static void test_seed_changes_hash(void **state)
{
    (void)state;
    char a[64], b[64];
    assert_int_equal(ss_community_id("10.0.0.1", 1000, "10.0.0.2", 80, 0, a, sizeof(a)), 0);
    assert_int_equal(ss_community_id("10.0.0.1", 1000, "10.0.0.2", 80, 1, b, sizeof(b)), 0);
    assert_string_not_equal(a, b);
}

static void test_ipv6_and_errors(void **state)
{
    (void)state;
    char a[64], b[64];
    assert_int_equal(ss_community_id("::1", 5000, "::1", 80, 0, a, sizeof(a)), 0);
    assert_int_equal(ss_community_id("::1", 80, "::1", 5000, 0, b, sizeof(b)), 0);
    assert_string_equal(a, b);
    assert_int_equal(strncmp(a, "1:", 2), 0);
    assert_int_equal(ss_community_id("not-an-ip", 1, "::1", 2, 0, a, sizeof(a)), -1);
    assert_int_equal(ss_community_id("10.0.0.1", 1, "::1", 2, 0, a, sizeof(a)), -1);
    assert_int_equal(ss_community_id("10.0.0.1", 1, "10.0.0.2", 2, 0, a, 8), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_vector),
        cmocka_unit_test(test_seed_changes_hash),
        cmocka_unit_test(test_ipv6_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

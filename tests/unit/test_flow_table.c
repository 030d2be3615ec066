/* test_flow_table.c — the flow table (capture/flow_table.c): lookups in both directions,
 * the cap, growth, and deletion from the open-addressed slots (a removed flow's run must stay
 * reachable), checked against a plain list over many random inserts and removals. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "capture/flow_table.h"

typedef struct key {
    uint8_t c[16], s[16];
    uint16_t cp, sp;
    int ipv;
} key;

static uint64_t next(uint64_t *st)
{
    uint64_t z = (*st += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Few addresses and ports, so that keys share halves and some pairs repeat reversed. */
static key random_key(uint64_t *st)
{
    key k;
    memset(&k, 0, sizeof(k));
    k.ipv = next(st) % 5 == 0 ? 6 : 4;
    k.c[0] = 10;
    k.c[3] = (uint8_t)(next(st) % 8);
    k.s[0] = 10;
    k.s[3] = (uint8_t)(100 + next(st) % 3);
    k.cp = (uint16_t)(40000 + next(st) % 300);
    k.sp = (uint16_t)(next(st) % 2 ? 80 : 443);
    return k;
}

static ss_flow *find(ss_flow_table *t, const key *k, int reversed, int *dir)
{
    if (reversed)
        return ss_flow_table_find(t, k->ipv, k->s, k->sp, k->c, k->cp, dir);
    return ss_flow_table_find(t, k->ipv, k->c, k->cp, k->s, k->sp, dir);
}

static void test_both_directions(void **state)
{
    (void)state;
    ss_mem mem = {0};
    ss_flow_table *t = ss_flow_table_new(&mem, 16, 7);
    uint64_t st = 1;
    key k = random_key(&st);
    int dir = -1;
    ss_flow *f = ss_flow_table_add(t, k.ipv, k.c, k.cp, k.s, k.sp);
    assert_non_null(f);
    assert_ptr_equal(find(t, &k, 0, &dir), f);
    assert_int_equal(dir, 0);
    assert_ptr_equal(find(t, &k, 1, &dir), f);
    assert_int_equal(dir, 1);
    k.cp++;
    assert_null(find(t, &k, 0, &dir));
    ss_flow_table_free(t);
    assert_int_equal(mem.used, 0);
}

static void test_cap(void **state)
{
    (void)state;
    ss_mem mem = {0};
    ss_flow_table *t = ss_flow_table_new(&mem, 3, 7);
    uint8_t c[16] = {10, 0, 0, 1}, s[16] = {10, 0, 0, 2};
    for (uint16_t p = 1; p <= 3; p++)
        assert_non_null(ss_flow_table_add(t, 4, c, p, s, 80));
    assert_null(ss_flow_table_add(t, 4, c, 4, s, 80));
    assert_int_equal(ss_flow_table_count(t), 3);
    ss_flow_table_free(t);
    assert_int_equal(mem.used, 0);
}

/* 30000 random inserts and removals with up to 3000 flows alive (the slot array grows past its
 * first size and then runs long clusters): after every step, every live flow is found from
 * both ends and every removed one is not. */
static void test_random_against_list(void **state)
{
    (void)state;
    enum { MAXLIVE = 3000, STEPS = 30000 };
    static key keys[MAXLIVE];
    static ss_flow *flows[MAXLIVE];
    ss_mem mem = {0};
    ss_flow_table *t = ss_flow_table_new(&mem, MAXLIVE, 12345);
    uint64_t st = 99;
    size_t live = 0, checks = 0;
    key gone;
    int have_gone = 0;
    for (int step = 0; step < STEPS; step++) {
        int dir;
        if (live < MAXLIVE && (live == 0 || next(&st) % 100 < 55)) {
            key k = random_key(&st);
            if (find(t, &k, 0, &dir))
                continue; /* that pair (either way round) is already a flow */
            ss_flow *f = ss_flow_table_add(t, k.ipv, k.c, k.cp, k.s, k.sp);
            assert_non_null(f);
            keys[live] = k;
            flows[live++] = f;
        } else {
            size_t i = next(&st) % live;
            ss_flow_table_remove(t, flows[i]);
            gone = keys[i];
            have_gone = 1;
            keys[i] = keys[live - 1];
            flows[i] = flows[--live];
        }
        assert_int_equal(ss_flow_table_count(t), live);
        /* a sample each step, everything every 1000 steps */
        size_t from = step % 1000 == 0 ? 0 : (live ? next(&st) % live : 0);
        size_t to = step % 1000 == 0 ? live : (live ? from + 1 : 0);
        for (size_t i = from; i < to; i++, checks++) {
            assert_ptr_equal(find(t, &keys[i], 0, &dir), flows[i]);
            assert_ptr_equal(find(t, &keys[i], 1, &dir), flows[i]);
        }
        if (have_gone) /* right after its removal: later the same pair may come back */
            assert_null(find(t, &gone, 0, &dir));
        have_gone = 0;
    }
    assert_true(checks > STEPS);
    ss_flow_table_free(t);
    assert_int_equal(mem.used, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_both_directions),
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_random_against_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

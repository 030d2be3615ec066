/* test_findings.c — the findings catalogue (detect/findings.c) is complete, well formed and in
 * step with docs/findings.md: every code has its section, under a heading whose GitHub anchor is
 * the one ss_finding_doc() links to, in catalogue order, with the same severity and summary.
 * The doc is read from $SS_SOURCE_DIR (set by ctest); the test fails when it is missing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/findings.h"

#define DOC_PREFIX   "docs/findings.md#"
#define MAX_HEADINGS 256
#define MAX_LINE     4096

static const char *sev_name(scepsniff_severity s)
{
    switch (s) {
    case SCEPSNIFF_SEV_OK:
        return "ok";
    case SCEPSNIFF_SEV_WARNING:
        return "warning";
    case SCEPSNIFF_SEV_ERROR:
        return "error";
    }
    return NULL;
}

static int printable_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return 0;
    return 1;
}

static void test_every_entry_complete(void **state)
{
    (void)state;
    for (int id = 0; id < SS_F_COUNT; id++) {
        const ss_finding_def *d = ss_finding_get((ss_finding_id)id);
        assert_non_null(d);
        assert_non_null(d->code);
        assert_non_null(d->summary);
        assert_non_null(d->causes);
        assert_non_null(d->check);
        if (!d->code[0] || !d->summary[0] || !d->causes[0] || !d->check[0])
            fail_msg("id %d (%s) has an empty field", id, d->code);
        assert_non_null(sev_name(d->severity));
    }
}

static void test_codes_well_formed_and_unique(void **state)
{
    regex_t re;
    (void)state;
    assert_int_equal(regcomp(&re, "^[a-z0-9_]+\\.[a-z0-9_.]+$", REG_EXTENDED | REG_NOSUB), 0);
    for (int i = 0; i < SS_F_COUNT; i++) {
        const char *c = ss_finding_get((ss_finding_id)i)->code;
        char ai[128], aj[128];
        if (regexec(&re, c, 0, NULL, 0) != 0)
            fail_msg("code '%s' does not match ^[a-z0-9_]+\\.[a-z0-9_.]+$", c);
        if (c[strlen(c) - 1] == '.' || strstr(c, ".."))
            fail_msg("code '%s' has an empty part", c);
        ss_finding_doc(c, ai, sizeof(ai));
        for (int j = i + 1; j < SS_F_COUNT; j++) {
            const char *o = ss_finding_get((ss_finding_id)j)->code;
            if (!strcmp(c, o))
                fail_msg("code '%s' used by ids %d and %d", c, i, j);
            /* '.' and '_' both become '-' in the anchor: two codes must not meet there */
            ss_finding_doc(o, aj, sizeof(aj));
            if (!strcmp(ai, aj))
                fail_msg("codes '%s' and '%s' share the anchor %s", c, o, ai);
        }
    }
    regfree(&re);
}

static void test_summaries_one_short_line(void **state)
{
    (void)state;
    for (int i = 0; i < SS_F_COUNT; i++) {
        const ss_finding_def *d = ss_finding_get((ss_finding_id)i);
        if (strlen(d->summary) >= 100)
            fail_msg("summary of %s is %zu chars (max 99)", d->code, strlen(d->summary));
        if (!printable_ascii(d->summary))
            fail_msg("summary of %s is not one line of printable ASCII", d->code);
        if (d->summary[strlen(d->summary) - 1] == '.')
            fail_msg("summary of %s ends with a full stop", d->code);
    }
}

/* causes and check are "; "-separated lists that report writers may split. */
static void check_list(const char *code, const char *what, const char *list)
{
    if (!printable_ascii(list))
        fail_msg("%s of %s is not printable ASCII", what, code);
    const char *p = list;
    for (;;) {
        const char *sep = strstr(p, "; ");
        size_t n = sep ? (size_t)(sep - p) : strlen(p);
        if (n == 0)
            fail_msg("%s of %s has an empty item", what, code);
        if (p[0] == ' ' || p[n - 1] == ' ')
            fail_msg("%s of %s has an item with stray spaces: '%.*s'", what, code, (int)n, p);
        if (memchr(p, ';', n))
            fail_msg("%s of %s has a ';' inside an item: '%.*s'", what, code, (int)n, p);
        if (p[n - 1] == '.')
            fail_msg("%s of %s has an item ending in '.': '%.*s'", what, code, (int)n, p);
        if (!sep)
            break;
        p = sep + 2;
    }
}

static void test_lists_well_formed(void **state)
{
    (void)state;
    for (int i = 0; i < SS_F_COUNT; i++) {
        const ss_finding_def *d = ss_finding_get((ss_finding_id)i);
        check_list(d->code, "causes", d->causes);
        check_list(d->code, "check", d->check);
    }
}

static void test_severities(void **state)
{
    (void)state;
    /* healthy signs must never raise an alarm */
    assert_int_equal(ss_finding_get(SS_F_HTTP_403_BARE_URL)->severity, SCEPSNIFF_SEV_OK);
    assert_int_equal(ss_finding_get(SS_F_SCEP_ISSUED)->severity, SCEPSNIFF_SEV_OK);
    assert_int_equal(ss_finding_get(SS_F_OPEN_AT_END)->severity, SCEPSNIFF_SEV_OK);
    /* our capture missing bytes is never blamed on the network */
    assert_int_not_equal(ss_finding_get(SS_F_CAPTURE_GAP)->severity, SCEPSNIFF_SEV_ERROR);
    /* failures where enrollment stops */
    assert_int_equal(ss_finding_get(SS_F_BLOCKED)->severity, SCEPSNIFF_SEV_ERROR);
    assert_int_equal(ss_finding_get(SS_F_HTTP_500)->severity, SCEPSNIFF_SEV_ERROR);
    assert_int_equal(ss_finding_get(SS_F_SCEP_FAILURE)->severity, SCEPSNIFF_SEV_ERROR);
    /* OK is reserved: only these ids may carry it, so no problem is hidden by a typo */
    for (int i = 0; i < SS_F_COUNT; i++) {
        if (ss_finding_get((ss_finding_id)i)->severity != SCEPSNIFF_SEV_OK)
            continue;
        if (i != SS_F_HTTP_403_BARE_URL && i != SS_F_SCEP_ISSUED && i != SS_F_OPEN_AT_END &&
            i != SS_F_CAPS_NO_AES && i != SS_F_TLS_ENCRYPTED)
            fail_msg("%s is OK but not a known healthy sign", ss_finding_get(i)->code);
    }
}

static void test_out_of_range(void **state)
{
    const ss_finding_id bad[] = {SS_F_COUNT, (ss_finding_id)(SS_F_COUNT + 1000), (ss_finding_id)-1};
    (void)state;
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        const ss_finding_def *d = ss_finding_get(bad[k]);
        assert_non_null(d);
        assert_non_null(d->code);
        assert_non_null(d->summary);
        assert_non_null(d->causes);
        assert_non_null(d->check);
        assert_string_equal(d->code, "");
        for (int i = 0; i < SS_F_COUNT; i++)
            assert_ptr_not_equal(d, ss_finding_get((ss_finding_id)i));
    }
}

static void test_doc_anchor(void **state)
{
    char buf[96], small[8];
    (void)state;
    ss_finding_doc("transport.blocked", buf, sizeof(buf));
    assert_string_equal(buf, "docs/findings.md#transport-blocked");
    ss_finding_doc("http.403_bare_url", buf, sizeof(buf));
    assert_string_equal(buf, "docs/findings.md#http-403-bare-url");
    /* GitHub's rule for anything else: lowercase, punctuation dropped */
    ss_finding_doc("App_Proxy.Error/Page!", buf, sizeof(buf));
    assert_string_equal(buf, "docs/findings.md#app-proxy-errorpage");
    ss_finding_doc(NULL, buf, sizeof(buf));
    assert_string_equal(buf, DOC_PREFIX);
    /* cut to fit, always terminated */
    memset(small, 'x', sizeof(small));
    ss_finding_doc("transport.blocked", small, sizeof(small));
    assert_string_equal(small, "docs/fi");
    memset(buf, 'x', sizeof(buf));
    ss_finding_doc("transport.blocked", buf, 0);
    assert_int_equal(buf[0], 'x');
    ss_finding_doc("transport.blocked", NULL, 10);
    /* every code's link fits the report's field without being cut */
    for (int i = 0; i < SS_F_COUNT; i++) {
        const char *c = ss_finding_get((ss_finding_id)i)->code;
        scepsniff_finding f;
        ss_finding_doc(c, f.doc, sizeof(f.doc));
        if (strlen(f.doc) != strlen(DOC_PREFIX) + strlen(c))
            fail_msg("doc link of %s is cut or altered: %s", c, f.doc);
    }
}

/* ---- docs/findings.md ---- */

/* GitHub's heading anchor: lowercase; letters, digits, '-' and '_' kept; spaces become '-';
 * other punctuation dropped; a repeated anchor gets "-1", "-2", ... Headings must be ASCII
 * so this stays exact. */
static void github_slug(const char *text, char *out, size_t len)
{
    size_t n = 0;
    for (const char *p = text; *p && n + 1 < len; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c == ' ')
            c = '-';
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')
            out[n++] = c;
    }
    out[n] = '\0';
}

typedef struct heading {
    char anchor[128];
    char code[96];     /* from the "Code: `...`" line, "" for other headings */
    char severity[16]; /* from "Severity: **...**" */
    char summary[160]; /* from the "> " line */
} heading;

typedef struct doc {
    heading h[MAX_HEADINGS];
    int n;
    char links[MAX_HEADINGS * 2][128]; /* "(#anchor)" targets */
    int nlinks;
} doc;

static int anchor_taken(const doc *d, const char *a)
{
    for (int i = 0; i < d->n; i++)
        if (!strcmp(d->h[i].anchor, a))
            return 1;
    return 0;
}

static void chomp(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
        s[--n] = '\0';
}

static void collect_links(doc *d, const char *line)
{
    for (const char *p = strstr(line, "](#"); p; p = strstr(p + 1, "](#")) {
        const char *a = p + 3, *e = strchr(a, ')');
        assert_non_null(e);
        assert_true(d->nlinks < MAX_HEADINGS * 2);
        snprintf(d->links[d->nlinks++], sizeof(d->links[0]), "%.*s", (int)(e - a), a);
    }
}

/* The section's metadata lines follow its heading: "Code: `x.y` · Severity: **sev**", then
 * "> summary". */
static void parse_meta(heading *h, const char *line)
{
    const char *c = strstr(line, "Code: `"), *s = strstr(line, "Severity: **");
    if (c == line) {
        const char *e = strchr(c + 7, '`');
        assert_non_null(e);
        snprintf(h->code, sizeof(h->code), "%.*s", (int)(e - (c + 7)), c + 7);
        if (s) {
            const char *se = strstr(s + 12, "**");
            assert_non_null(se);
            snprintf(h->severity, sizeof(h->severity), "%.*s", (int)(se - (s + 12)), s + 12);
        }
    } else if (h->code[0] && !h->summary[0] && !strncmp(line, "> ", 2)) {
        /* a summary longer than the field is cut here and then fails the comparison */
        snprintf(h->summary, sizeof(h->summary), "%.*s", (int)sizeof(h->summary) - 1, line + 2);
    }
}

static void load_doc(doc *d)
{
    const char *dir = getenv("SS_SOURCE_DIR");
    char path[1024], line[MAX_LINE];
    int fence = 0, meta_lines = 0;
    FILE *f;

    /* no silent pass: this test exists to hold the doc and the table together */
    if (!dir)
        fail_msg("SS_SOURCE_DIR is not set: run through ctest or set it to the source root");
    snprintf(path, sizeof(path), "%s/docs/findings.md", dir);
    f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    memset(d, 0, sizeof(*d));
    while (fgets(line, sizeof(line), f)) {
        chomp(line);
        if (!strncmp(line, "```", 3)) {
            fence = !fence;
            continue;
        }
        if (fence)
            continue;
        collect_links(d, line);
        if (line[0] == '#') {
            const char *t = line;
            char base[112], a[128];
            while (*t == '#')
                t++;
            if (*t != ' ')
                continue;
            t++;
            if (!printable_ascii(t))
                fail_msg("heading '%s' is not ASCII: its anchor cannot be predicted", t);
            assert_true(d->n < MAX_HEADINGS);
            github_slug(t, base, sizeof(base));
            snprintf(a, sizeof(a), "%s", base);
            for (int k = 1; anchor_taken(d, a); k++)
                snprintf(a, sizeof(a), "%s-%d", base, k);
            snprintf(d->h[d->n].anchor, sizeof(d->h[0].anchor), "%s", a);
            d->n++;
            meta_lines = 0;
            continue;
        }
        /* only the first two non-empty lines after a heading are its metadata */
        if (d->n && line[0] && meta_lines < 2) {
            parse_meta(&d->h[d->n - 1], line);
            meta_lines++;
        }
    }
    fclose(f);
    assert_false(fence);
}

static void test_doc_sections_match_catalogue(void **state)
{
    static doc d;
    int next = 0;
    (void)state;
    load_doc(&d);
    for (int i = 0; i < d.n; i++) {
        const heading *h = &d.h[i];
        char want[128];
        if (!h->code[0])
            continue;
        if (next >= SS_F_COUNT)
            fail_msg("section for '%s' has no catalogue entry", h->code);
        const ss_finding_def *def = ss_finding_get((ss_finding_id)next);
        if (strcmp(h->code, def->code))
            fail_msg("section %d is '%s', catalogue order wants '%s'", next, h->code, def->code);
        ss_finding_doc(def->code, want, sizeof(want));
        if (strcmp(want + strlen(DOC_PREFIX), h->anchor))
            fail_msg("%s links to %s but its heading's anchor is #%s", def->code, want, h->anchor);
        if (strcmp(h->severity, sev_name(def->severity)))
            fail_msg("%s: doc says severity '%s', catalogue '%s'", def->code, h->severity,
                     sev_name(def->severity));
        if (strcmp(h->summary, def->summary))
            fail_msg("%s: doc summary '%s' differs from catalogue '%s'", def->code, h->summary,
                     def->summary);
        next++;
    }
    if (next != SS_F_COUNT)
        fail_msg("docs/findings.md has %d finding sections, the catalogue %d", next,
                 (int)SS_F_COUNT);
}

static void test_doc_links_resolve(void **state)
{
    static doc d;
    (void)state;
    load_doc(&d);
    assert_true(d.nlinks > 0);
    for (int i = 0; i < d.nlinks; i++)
        if (!anchor_taken(&d, d.links[i]))
            fail_msg("link #%s points at no heading", d.links[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_entry_complete),
        cmocka_unit_test(test_codes_well_formed_and_unique),
        cmocka_unit_test(test_summaries_one_short_line),
        cmocka_unit_test(test_lists_well_formed),
        cmocka_unit_test(test_severities),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_doc_anchor),
        cmocka_unit_test(test_doc_sections_match_catalogue),
        cmocka_unit_test(test_doc_links_resolve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

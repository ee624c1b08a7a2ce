/* test_core.c: the error record, aligned allocation, the logging hook, the
 * version, and the text helpers (did-you-mean, string builder, strdup). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_test.h"

static void error_set_and_format(void **state)
{
    (void)state;
    rs_error err;
    rs_error_clear(&err);
    assert_int_equal(err.code, RS_OK);
    assert_int_equal(rs_error_set(&err, RS_EINVAL, "dt = %g; expected > 0", -1.0), RS_EINVAL);
    assert_int_equal(err.code, RS_EINVAL);
    assert_string_equal(err.msg, "dt = -1; expected > 0");
    assert_int_equal(err.line, 0);

    char buf[600];
    rs_error_format(&err, buf, sizeof buf);
    assert_string_equal(buf, "dt = -1; expected > 0");
    rs_error_set_at(&err, RS_EINVAL, "m.yaml", 14, 17, "bad value");
    rs_error_format(&err, buf, sizeof buf);
    assert_string_equal(buf, "m.yaml:14:17: bad value");
}

static void error_null_record_is_allowed(void **state)
{
    (void)state;
    assert_int_equal(rs_error_set(NULL, RS_ENOMEM, "x"), RS_ENOMEM);
    rs_error_clear(NULL);
}

static void error_long_message_is_truncated(void **state)
{
    (void)state;
    char longs[2000];
    memset(longs, 'a', sizeof longs - 1);
    longs[sizeof longs - 1] = '\0';
    rs_error err;
    rs_error_set(&err, RS_EINVAL, "%s", longs);
    assert_int_equal(strlen(err.msg), sizeof err.msg - 1);
}

static void strerror_names_every_code(void **state)
{
    (void)state;
    const rs_status codes[] = {RS_OK, RS_EINVAL, RS_ENOMEM, RS_EIO,
                               RS_EUNSTABLE, RS_EUNSUPPORTED, RS_ETOOBIG};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        assert_string_not_equal(rs_strerror(codes[i]), "unknown status");
    assert_string_equal(rs_strerror((rs_status)-99), "unknown status");
}

static void alloc_is_aligned_and_zeroed(void **state)
{
    (void)state;
    double *p = NULL;
    rs_error err;
    assert_int_equal(rs_alloc_doubles(&p, 1001, &err), RS_OK);
    assert_int_equal((uintptr_t)p % RS_ALIGNMENT, 0);
    for (int i = 0; i < 1001; i++) assert_true(p[i] == 0.0);
    rs_free_aligned(p);
    assert_null(rs_alloc_aligned(0));
    rs_free_aligned(NULL);
}

static void alloc_refuses_overflowing_sizes(void **state)
{
    (void)state;
    double *p = (double *)1;
    rs_error err;
    assert_int_equal(rs_alloc_doubles(&p, SIZE_MAX / 2, &err), RS_ETOOBIG);
    assert_null(p);
    assert_non_null(strstr(err.msg, "doubles"));
}

static void memory_available_is_plausible(void **state)
{
    (void)state;
    double m = rs_memory_available();
    assert_true(m > 1e8);  /* more than 100 MB */
    assert_true(m < 1e16); /* less than 10 PB */
}

typedef struct {
    int calls;
    rs_log_level last;
    char msg[64];
} log_sink;

static void sink_fn(void *user, rs_log_level level, const char *msg)
{
    log_sink *s = user;
    s->calls++;
    s->last = level;
    snprintf(s->msg, sizeof s->msg, "%s", msg);
}

static void log_filters_by_level(void **state)
{
    (void)state;
    log_sink sink = {0};
    rs_logger lg = {sink_fn, &sink, RS_LOG_INFO};
    rs_log(&lg, RS_LOG_DEBUG, "hidden %d", 1);
    assert_int_equal(sink.calls, 0);
    rs_log(&lg, RS_LOG_WARN, "shown %d", 2);
    assert_int_equal(sink.calls, 1);
    assert_int_equal(sink.last, RS_LOG_WARN);
    assert_string_equal(sink.msg, "shown 2");
    rs_log(NULL, RS_LOG_ERROR, "discarded");
    rs_logger none = {0};
    rs_log(&none, RS_LOG_ERROR, "discarded");
    assert_string_equal(rs_log_level_name(RS_LOG_WARN), "warning");
}

static void version_is_consistent(void **state)
{
    (void)state;
    assert_string_equal(rs_version(), RS_VERSION_STRING);
    char v[32];
    snprintf(v, sizeof v, "%d.%d.%d", RS_VERSION_MAJOR, RS_VERSION_MINOR, RS_VERSION_PATCH);
    assert_string_equal(v, RS_VERSION_STRING);
}

/* ---- text.h: the suggester and the string builder ---- */

static void suggest_exact_hit_and_typos(void **state)
{
    (void)state;
    static const char *const names[] = {"diffusion", "decay", "boundary", "initial"};
    /* An exact hit is returned as itself (distance 0 beats everything). */
    assert_string_equal(rs_suggest("decay", names, 4), "decay");
    /* Deletion, insertion, substitution, adjacent swap. */
    assert_string_equal(rs_suggest("difusion", names, 4), "diffusion");
    assert_string_equal(rs_suggest("decayy", names, 4), "decay");
    assert_string_equal(rs_suggest("boundery", names, 4), "boundary");
    assert_string_equal(rs_suggest("intial", names, 4), "initial");
    assert_string_equal(rs_suggest("inital", names, 4), "initial");
    assert_string_equal(rs_suggest("dceay", names, 4), "decay"); /* one swap */
    /* The returned pointer is the candidate itself, not a copy. */
    assert_ptr_equal(rs_suggest("decya", names, 4), names[1]);
}

static void suggest_threshold_follows_length(void **state)
{
    (void)state;
    static const char *const one[] = {"k"}, *const hill[] = {"hill"},
                             *const expl[] = {"explicit"};
    /* One character: only an exact hit; 2 to 4: one edit. */
    assert_null(rs_suggest("x", (const char *const[]){"y"}, 1));
    assert_string_equal(rs_suggest("kk", one, 1), "k");
    assert_string_equal(rs_suggest("hil", hill, 1), "hill");
    assert_null(rs_suggest("hl", hill, 1));     /* 2 edits for 2 letters */
    assert_null(rs_suggest("hxly", hill, 1));   /* 2 edits for 4 letters */
    assert_string_equal(rs_suggest("hilxy", hill, 1), "hill"); /* 5 letters: 2 */
    /* 8 letters: three edits. */
    assert_string_equal(rs_suggest("implicit", expl, 1), "explicit");
    assert_string_equal(rs_suggest("implicit", (const char *const[]){"xyzlicit"}, 1),
                        "xyzlicit");
    assert_null(rs_suggest("implicit", (const char *const[]){"abcdicit"}, 1)); /* 4 */
}

static void suggest_nothing_for_unrelated_or_empty(void **state)
{
    (void)state;
    static const char *const names[] = {"myelin", "cytokine", NULL, "oligodendrocyte"};
    assert_null(rs_suggest("temperature", names, 4));
    assert_null(rs_suggest("foo", names, 4));
    assert_null(rs_suggest("myelin", NULL, 0));
    assert_null(rs_suggest("myelin", names, 0));
    assert_null(rs_suggest("", names, 4));
    assert_null(rs_suggest(NULL, names, 4));
    /* Words longer than RS_SUGGEST_MAX_LEN are not compared. */
    char longw[RS_SUGGEST_MAX_LEN + 2];
    memset(longw, 'a', sizeof longw - 1);
    longw[sizeof longw - 1] = '\0';
    const char *const same[] = {longw};
    assert_null(rs_suggest(longw, same, 1));
    longw[RS_SUGGEST_MAX_LEN] = '\0'; /* exactly the limit: compared */
    assert_string_equal(rs_suggest(longw, same, 1), longw);
}

static void suggest_ties_go_to_the_first_offered(void **state)
{
    (void)state;
    static const char *const ab[] = {"cat", "cut"}, *const ba[] = {"cut", "cat"};
    assert_string_equal(rs_suggest("cot", ab, 2), "cat");
    assert_string_equal(rs_suggest("cot", ba, 2), "cut");
    /* A closer candidate later in the list still wins. */
    static const char *const later[] = {"cytokines", "cytokine"};
    assert_string_equal(rs_suggest("cytokin", later, 2), "cytokine");
    /* The incremental form over several lists, word not NUL-terminated. */
    rs_suggester sg;
    rs_suggester_init(&sg, "mylein + 1", 6);
    rs_suggester_offer(&sg, NULL);
    rs_suggester_offer_list(&sg, NULL, 3);
    rs_suggester_offer_list(&sg, (const char *const[]){"k", "D"}, 2);
    rs_suggester_offer(&sg, "myelin");
    rs_suggester_offer(&sg, "mylein2"); /* also 1 edit: the first stays */
    assert_string_equal(sg.best, "myelin");
    char dym[64];
    assert_string_equal(rs_did_you_mean(sg.best, dym, sizeof dym),
                        " (did you mean 'myelin'?)");
    assert_string_equal(rs_did_you_mean(NULL, dym, sizeof dym), "");
}

static void strbuf_grows_past_its_capacity(void **state)
{
    (void)state;
    rs_strbuf b;
    rs_strbuf_init(&b);
    assert_null(b.s);
    for (int i = 0; i < 1000; i++) rs_strbuf_append(&b, "0123456789");
    rs_strbuf_append(&b, NULL);
    assert_false(b.failed);
    assert_int_equal(b.len, 10000);
    assert_true(b.cap > b.len);
    assert_int_equal(strlen(b.s), 10000);
    for (int i = 0; i < 1000; i++) assert_memory_equal(b.s + 10 * i, "0123456789", 10);
    char *s = rs_strbuf_take(&b);
    assert_non_null(s);
    assert_int_equal(strlen(s), 10000);
    free(s);
    assert_null(b.s);
    assert_int_equal(b.len, 0);
    /* Nothing appended: take gives "". */
    s = rs_strbuf_take(&b);
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
    rs_strbuf_free(&b);
    rs_strbuf_free(NULL);
}

static void strbuf_appendf_long_formats(void **state)
{
    (void)state;
    rs_strbuf b;
    rs_strbuf_init(&b);
    rs_strbuf_appendf(&b, "%s=%d;", "n", 42);
    assert_string_equal(b.s, "n=42;");
    /* One format far longer than the capacity so far. */
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    rs_strbuf_appendf(&b, "[%s|%.17g|%s]", big, 0.1, big);
    assert_false(b.failed);
    size_t want = 5 + 1 + 4999 + 1 + strlen("0.10000000000000001") + 1 + 4999 + 1;
    assert_int_equal(b.len, want);
    assert_int_equal(strlen(b.s), want);
    assert_memory_equal(b.s, "n=42;[xxx", 9);
    assert_string_equal(b.s + want - 4, "xxx]");
    assert_non_null(strstr(b.s, "|0.10000000000000001|"));
    /* An empty format appends nothing. */
    rs_strbuf_appendf(&b, "%s", "");
    assert_int_equal(b.len, want);
    rs_strbuf_free(&b);
    assert_null(b.s);
}

static void strdup_copies_and_allows_null(void **state)
{
    (void)state;
    assert_null(rs_strdup(NULL));
    const char *src = "cytokine";
    char *d = rs_strdup(src);
    assert_non_null(d);
    assert_ptr_not_equal(d, src);
    assert_string_equal(d, src);
    free(d);
    d = rs_strdup("");
    assert_string_equal(d, "");
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(error_set_and_format),
        cmocka_unit_test(error_null_record_is_allowed),
        cmocka_unit_test(error_long_message_is_truncated),
        cmocka_unit_test(strerror_names_every_code),
        cmocka_unit_test(alloc_is_aligned_and_zeroed),
        cmocka_unit_test(alloc_refuses_overflowing_sizes),
        cmocka_unit_test(memory_available_is_plausible),
        cmocka_unit_test(log_filters_by_level),
        cmocka_unit_test(version_is_consistent),
        cmocka_unit_test(suggest_exact_hit_and_typos),
        cmocka_unit_test(suggest_threshold_follows_length),
        cmocka_unit_test(suggest_nothing_for_unrelated_or_empty),
        cmocka_unit_test(suggest_ties_go_to_the_first_offered),
        cmocka_unit_test(strbuf_grows_past_its_capacity),
        cmocka_unit_test(strbuf_appendf_long_formats),
        cmocka_unit_test(strdup_copies_and_allows_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

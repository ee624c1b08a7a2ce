/* test_core.c: the error record, aligned allocation, the logging hook and
 * the version. */
#include <stdio.h>
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

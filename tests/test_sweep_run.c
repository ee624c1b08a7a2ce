/* test_sweep_run.c: the local runner through the library (regensim/sweep.h):
 * a sweep whose second run crashes (its process killed by SIGSEGV) records
 * that run as failed with the signal and completes the others; a progress
 * callback that asks to stop stops the sweep with its finished runs
 * recorded, and a second call finishes it with every run once. The runs'
 * program is a shell script that crashes for run 1 and otherwise execs the
 * regensim program of this build (RS_REGENSIM_EXE). */
#include <stdio.h>
#include <sys/stat.h>

#include "rs_test.h"
#include "test_dirs.h"

static const char model[] =
    "regensim: 1\nname: m\ndomain: {size: [50, 50], dx: 10}\n"
    "time: {end: 5, dt: {diffusion: 1, mechanics: 1, phenotype: 1}}\n"
    "parameters: {k: 0.1}\n"
    "substrates: {u: {diffusion: 100, decay: k, initial: 1}}\n"
    "metrics: {u_mean: \"mean(u)\"}\n";

static const char sweep[] =
    "sweep: 1\nmodel: m.yaml\ndesign: grid\nparameters: {k: {values: [0.01, 0.1, 1, 2]}}\n";

/* Stops the sweep once two runs have finished. */
static int stop_after_two(void *user, const rs_sweep_progress *p)
{
    int *calls = user;
    (*calls)++;
    return p->finished >= 2;
}

/* Loads dir/sweep.yaml and opens dir/out. */
static void open_sweep(const char *dir, rs_sweep **s, rs_sweep_dir **d)
{
    char path[600];
    snprintf(path, sizeof path, "%s/sweep.yaml", dir);
    rs_errors errs;
    rs_errors_clear(&errs);
    assert_int_equal(rs_sweep_load(s, path, &errs), RS_OK);
    snprintf(path, sizeof path, "%s/out", dir);
    rs_error err;
    assert_int_equal(rs_sweep_dir_open(d, *s, path, 0, &err), RS_OK);
}

static void crash_is_one_failed_run(void **state)
{
    const char *dir = *state;
    char path[600], exe[600];
    rs_test_write_file(dir, "m.yaml", model, path, sizeof path);
    rs_test_write_file(dir, "sweep.yaml", sweep, path, sizeof path);
    char script[1200];
    snprintf(script, sizeof script,
             "#!/bin/sh\ncase \"$*\" in *'/runs/1-0 '*) kill -SEGV $$ ;; esac\nexec '%s' \"$@\"\n",
             RS_REGENSIM_EXE);
    rs_test_write_file(dir, "runner.sh", script, exe, sizeof exe);
    chmod(exe, 0755);

    rs_sweep *s;
    rs_sweep_dir *d;
    open_sweep(dir, &s, &d);
    int calls = 0, stopped = -1;
    rs_sweep_local_options o = {exe, 1, 1, stop_after_two, &calls};
    rs_error err;
    assert_int_equal(rs_sweep_run_local(s, d, &o, &stopped, &err), RS_OK);
    assert_int_equal(stopped, 1);
    assert_true(calls > 0);
    assert_int_equal(rs_sweep_dir_nfinished(d), 2); /* -j 1: nothing else ran */
    assert_int_equal(rs_sweep_dir_nfailed(d), 1);
    rs_sweep_dir_close(d);
    rs_sweep_destroy(s);

    /* A second runner finishes the sweep: runs 2 and 3 only. */
    open_sweep(dir, &s, &d);
    assert_int_equal(rs_sweep_dir_nfinished(d), 2);
    rs_sweep_local_options all = {exe, 2, 1, NULL, NULL};
    assert_int_equal(rs_sweep_run_local(s, d, &all, &stopped, &err), RS_OK);
    assert_int_equal(stopped, 0);
    assert_int_equal(rs_sweep_dir_nfinished(d), 4);
    assert_int_equal(rs_sweep_dir_nfailed(d), 1);
    rs_sweep_dir_close(d);
    rs_sweep_destroy(s);

    /* The summary: every run once, in order; run 1 failed by its signal. */
    snprintf(path, sizeof path, "%s/out/summary.csv", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[1024];
    int rows = 0;
    assert_non_null(fgets(line, sizeof line, f)); /* the header */
    while (fgets(line, sizeof line, f)) {
        char want[16];
        snprintf(want, sizeof want, "%d,0,", rows);
        assert_true(strncmp(line, want, strlen(want)) == 0);
        if (rows == 1)
            assert_non_null(strstr(line, ",failed,crashed: killed by signal 11"));
        else
            assert_non_null(strstr(line, ",completed,,"));
        rows++;
    }
    fclose(f);
    assert_int_equal(rows, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(crash_is_one_failed_run, rs_test_dir_setup,
                                        rs_test_dir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

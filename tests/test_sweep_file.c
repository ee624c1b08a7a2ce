/* test_sweep_file.c: sweep files (src/sweep/sweep_file.c, sweep_runs.c):
 * a good file loads with its design, defaults and model metrics; both
 * spellings of the design; a list design from a CSV file; every mistake is
 * reported at its file:line:column (several at once), an unknown parameter
 * path or a value the model refuses before anything runs; the overrides of
 * a run carry its parameters exactly and its replicate seed. */
#include <stdio.h>

#include "rs_test.h"
#include "test_dirs.h"

static const char model[] =
    "regensim: 1\nname: m\ndomain: {size: [50, 50], dx: 10}\n"
    "time: {end: 5, dt: {diffusion: 1, mechanics: 1, phenotype: 1}}\n"
    "parameters: {D: 100, k: 0.1}\n"
    "substrates: {u: {diffusion: D, decay: k, initial: 1}}\n"
    "metrics: {u_mean: \"mean(u)\", u_max: \"max(u)\"}\n";

/* Loads text as dir/sweep.yaml (next to the model m.yaml). */
static rs_status load(void **state, const char *text, rs_sweep **s, rs_errors *errs)
{
    char path[512];
    rs_test_write_file(*state, "m.yaml", model, path, sizeof path);
    rs_test_write_file(*state, "sweep.yaml", text, path, sizeof path);
    rs_errors_clear(errs);
    return rs_sweep_load(s, path, errs);
}

/* Whether some error is at line:col and contains text. */
static int has_error(const rs_errors *e, int line, int col, const char *text)
{
    for (int i = 0; i < e->count; i++)
        if (e->item[i].line == line && e->item[i].col == col && strstr(e->item[i].msg, text))
            return 1;
    for (int i = 0; i < e->count; i++)
        print_message("  error %d:%d: %s\n", e->item[i].line, e->item[i].col, e->item[i].msg);
    return 0;
}

static void loads_good_file(void **state)
{
    rs_sweep *s;
    rs_errors e;
    assert_int_equal(load(state, "sweep: 1\nmodel: m.yaml\ndesign: {type: lhs, samples: 8, "
                                 "seed: 5}\nreplicates: 3\nparameters:\n  D: {range: [10, 1000], "
                                 "scale: log}\n  parameters.k: {values: [0.1, 0.2]}\n",
                          &s, &e),
                     RS_OK);
    assert_int_equal(s->design, RS_SWEEP_LHS);
    assert_int_equal(s->npoints, 8);
    assert_int_equal(rs_sweep_nruns(s), 24);
    assert_int_equal(s->seed, 5);
    assert_int_equal(s->keep, RS_SWEEP_KEEP_FINAL); /* the default */
    assert_int_equal(s->noutputs, 2);              /* every model metric */
    assert_string_equal(s->outputs[1].name, "u_max");
    for (size_t i = 0; i < s->npoints; i++) {
        double d = s->points[2 * i], k = s->points[2 * i + 1];
        assert_true(d >= 10 && d <= 1000);
        assert_true(k == 0.1 || k == 0.2);
    }
    /* run 7 = point 2, replicate 1: its overrides, exact, and its seed */
    int n = 0;
    char **ov = rs_sweep_run_overrides(s, 7, &n);
    assert_non_null(ov);
    char want[128];
    snprintf(want, sizeof want, "D=%.17g", s->points[4]);
    assert_string_equal(ov[0], want);
    assert_true(strtod(ov[0] + 2, NULL) == s->points[4]);
    snprintf(want, sizeof want, "seed=%llu",
             (unsigned long long)rs_sweep_replicate_seed(5, 2, 1));
    assert_string_equal(ov[2], want);
    assert_string_equal(ov[3], "time.checkpoint_every=0");
    assert_string_equal(ov[4], "time.save_every=0"); /* keep: final */
    assert_int_equal(n, 5);
    rs_sweep_strings_free(ov, n);
    /* the identity: the same files give the same; another model another */
    uint64_t id = rs_sweep_identity(s);
    rs_sweep_destroy(s);
    assert_int_equal(load(state, "sweep: 1\nmodel: m.yaml\ndesign: {type: lhs, samples: 8, "
                                 "seed: 5}\nreplicates: 3\nparameters:\n  D: {range: [10, 1000], "
                                 "scale: log}\n  parameters.k: {values: [0.1, 0.2]}\n",
                          &s, &e),
                     RS_OK);
    assert_true(rs_sweep_identity(s) == id);
    free(s->model_text);
    s->model_text = rs_strdup("another model");
    assert_true(rs_sweep_identity(s) != id);
    rs_sweep_destroy(s);
    /* the other spelling of the design, and outputs with crossings */
    assert_int_equal(load(state, "sweep: 1\nmodel: m.yaml\ndesign: random\nsamples: 4\nseed: 5\n"
                                 "parameters: {k: {range: [0, 1]}}\nkeep: none\nset: "
                                 "{time.end: 3}\nmetrics: [u_max, {name: t1, metric: u_mean, "
                                 "first_below: 0.5}]\n",
                          &s, &e),
                     RS_OK);
    assert_int_equal(s->design, RS_SWEEP_RANDOM);
    assert_int_equal(s->npoints, 4);
    assert_int_equal(s->nsets, 1);
    assert_string_equal(s->sets[0], "time.end=3");
    assert_int_equal(s->outputs[1].kind, RS_SWEEP_FIRST_BELOW);
    assert_int_equal(s->outputs[1].metric, 0);
    assert_true(s->outputs[1].level == 0.5);
    rs_sweep_destroy(s);
}

static void list_design(void **state)
{
    char path[512];
    rs_test_write_file(*state, "points.csv", "# a comment\nD, k\n100, 0.1\n200,0.3\n\n300,0.5\n", path,
        sizeof path);
    rs_sweep *s;
    rs_errors e;
    assert_int_equal(load(state, "sweep: 1\nmodel: m.yaml\ndesign: {type: list, file: "
                                 "points.csv}\n", &s, &e),
                     RS_OK);
    assert_int_equal(s->npoints, 3);
    assert_int_equal(s->nparameters, 2);
    assert_string_equal(s->parameters[1].path, "k");
    assert_true(s->points[4] == 300 && s->points[5] == 0.5);
    rs_sweep_destroy(s);
    rs_test_write_file(*state, "points.csv", "D,k\n100,0.1\n200,x\n", path, sizeof path);
    assert_int_equal(load(state, "sweep: 1\nmodel: m.yaml\ndesign: {type: list, file: "
                                 "points.csv}\n", &s, &e),
                     RS_EINVAL);
    assert_true(has_error(&e, 3, 5, "'x' in column 'k'"));
    assert_non_null(strstr(e.item[0].file, "points.csv"));
    /* a value the model refuses (a negative diffusion) */
    rs_test_write_file(*state, "points.csv", "D\n100\n-5\n", path, sizeof path);
    assert_int_equal(load(state, "sweep: 1\nmodel: m.yaml\ndesign: {type: list, file: "
                                 "points.csv}\n", &s, &e),
                     RS_EINVAL);
    assert_true(has_error(&e, 1, 1, "parameter D = -5"));
}

static void errors_at_their_place(void **state)
{
    rs_sweep *s = (rs_sweep *)1;
    rs_errors e;
    assert_int_equal(load(state, "sweep: 1\nmodel: m.yaml\ndesign: lhs\nsamples: 0\n"
                                 "parameters:\n  k: {range: [1, 0]}\n  q: {values: [1]}\n"
                                 "keep: most\nreplicate: 2\n", &s, &e),
                     RS_EINVAL);
    assert_null(s);
    assert_true(has_error(&e, 4, 10, "samples: 0"));
    assert_true(has_error(&e, 6, 14, "LO <= HI"));
    assert_true(has_error(&e, 8, 7, "none, final or all"));
    assert_true(has_error(&e, 9, 1, "unknown key 'replicate' (did you mean 'replicates'?)"));
    /* parameters are checked against the model only once the file is good */
    assert_int_equal(load(state, "sweep: 1\nmodel: m.yaml\ndesign: grid\nparameters:\n"
                                 "  q: {values: [1]}\n  substrates.u.diffusion: {values: [1, "
                                 "-1]}\n", &s, &e),
                     RS_EINVAL);
    assert_true(has_error(&e, 5, 3, "parameter q = 1"));
    assert_int_equal(load(state, "sweep: 1\nmodel: m.yaml\ndesign: grid\nparameters:\n"
                                 "  substrates.u.diffusion: {values: [1, -1]}\n", &s, &e),
                     RS_EINVAL);
    assert_true(has_error(&e, 5, 3, "parameter substrates.u.diffusion = -1"));
    assert_int_equal(load(state, "sweep: 1\nmodel: nope.yaml\ndesign: grid\nparameters:\n"
                                 "  k: {values: [1]}\n", &s, &e),
                     RS_EINVAL);
    assert_true(has_error(&e, 2, 8, "nope.yaml does not load"));
    assert_int_equal(load(state, "sweep: 1\nmodel: m.yaml\ndesign: grid\nparameters:\n"
                                 "  k: {values: [1]}\nmetrics: [u_men]\n", &s, &e),
                     RS_EINVAL);
    assert_true(has_error(&e, 6, 11, "did you mean 'u_mean'"));
    assert_int_equal(load(state, "sweep: 1\nmodel: m.yaml\ndesign: grid\nparameters:\n"
                                 "  seed: {values: [1]}\n", &s, &e),
                     RS_EINVAL);
    assert_true(has_error(&e, 5, 3, "replicates"));
    assert_int_equal(load(state, "sweep: 2\n", &s, &e), RS_EINVAL);
    assert_true(has_error(&e, 1, 8, "format 1"));
    /* a parameter twice (k and parameters.k), a `set` of what the sweep sets
     * or varies, a column name no file can hold */
    assert_int_equal(load(state, "sweep: 1\nmodel: m.yaml\ndesign: grid\nparameters:\n"
                                 "  k: {values: [1]}\n  parameters.k: {values: [2]}\n"
                                 "set: {seed: 3, parameters.k: 1, time.end: 2}\n",
                          &s, &e),
                     RS_EINVAL);
    assert_true(has_error(&e, 6, 3, "the same parameter as k"));
    assert_true(has_error(&e, 7, 7, "set.seed: the sweep sets it"));
    assert_true(has_error(&e, 7, 16, "set.parameters.k: a parameter the sweep varies"));
    assert_int_equal(load(state, "sweep: 1\nmodel: m.yaml\ndesign: grid\nparameters:\n"
                                 "  k: {values: [1]}\n"
                                 "metrics: [{name: a/b, metric: u_mean, first_above: 1}]\n",
                          &s, &e),
                     RS_EINVAL);
    assert_true(has_error(&e, 6, 18, "no '/'"));
    /* every bad parameter at once */
    assert_int_equal(load(state, "sweep: 1\nmodel: m.yaml\ndesign: grid\nparameters:\n"
                                 "  nope.x: {values: [1]}\n  k: {values: [-1]}\n", &s, &e),
                     RS_EINVAL);
    assert_true(has_error(&e, 5, 3, "parameter nope.x = 1"));
    assert_true(has_error(&e, 6, 3, "parameter k = -1"));
    /* too many runs: refused before any point is made */
    assert_int_equal(load(state, "sweep: 1\nmodel: m.yaml\ndesign: grid\nsamples: 10000\n"
                                 "parameters:\n  k: {range: [0, 1]}\n  D: {range: [1, 2]}\n",
                          &s, &e),
                     RS_EINVAL);
    assert_true(has_error(&e, 3, 9, "more than"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(loads_good_file, rs_test_dir_setup, rs_test_dir_teardown),
        cmocka_unit_test_setup_teardown(list_design, rs_test_dir_setup, rs_test_dir_teardown),
        cmocka_unit_test_setup_teardown(errors_at_their_place, rs_test_dir_setup,
                                        rs_test_dir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

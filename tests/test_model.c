/* test_model.c: the model loader (regensim/model.h): tutorial models load,
 * defaults are applied, errors carry file:line:col and are all collected,
 * --set overrides reach parameters and any scalar, the resolved YAML loads
 * back to an identical model, and absurd inputs are refused. */
#define _POSIX_C_SOURCE 200809L /* mkfifo */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rs_test.h"

#define TUTORIAL RS_SOURCE_DIR "/models/tutorial/"

static const char *const small =
    "regensim: 1\n"
    "name: small\n"
    "domain: {size: [200, 100], dx: 10}\n"
    "time: {end: 100}\n"
    "parameters: {D0: 100, k: 0.5}\n"
    "substrates:\n"
    "  cytokine: {diffusion: \"2 * D0\", decay: 0.01}\n"
    "  myelin: {initial: 1, reaction: \"-k * cytokine * myelin\"}\n";

/* Loads text as "t.yaml"; returns the status and fills *m and errs. */
static rs_status load(const char *text, rs_model **m, rs_errors *errs,
                      const char *const *sets, int nsets)
{
    return rs_model_load_string(m, text, strlen(text), "t.yaml", sets, nsets, errs);
}

/* The formatted error i. */
static const char *errline(const rs_errors *errs, int i)
{
    static char buf[1200];
    rs_error_format(&errs->item[i], buf, sizeof buf);
    return buf;
}

static void tutorials_load(void **state)
{
    (void)state;
    const char *files[] = {TUTORIAL "cytokine_source.yaml", TUTORIAL "demyelination.yaml",
                           TUTORIAL "microglia_debris.yaml"};
    for (int i = 0; i < (int)(sizeof files / sizeof files[0]); i++) {
        rs_model *m = NULL;
        rs_errors errs;
        rs_status s = rs_model_load(&m, files[i], NULL, 0, &errs);
        if (s != RS_OK) fprintf(stderr, "%s\n", errline(&errs, 0));
        assert_int_equal(s, RS_OK);
        assert_non_null(m);
        assert_true(m->nsubstrates >= 1);
        rs_model_destroy(m);
    }
}

static void defaults_are_applied(void **state)
{
    (void)state;
    rs_model *m = NULL;
    rs_errors errs;
    assert_int_equal(load(small, &m, &errs, NULL, 0), RS_OK);
    assert_string_equal(m->name, "small");
    assert_string_equal(m->solver, "lod");
    assert_true(m->solver_options.time_order.value == 1);
    assert_true(m->seed.value == 1);
    assert_true(m->time.dt.diffusion.value == 0.1);
    assert_true(m->time.dt.mechanics.value == 0.1);
    assert_true(m->time.dt.phenotype.value == 6);
    assert_true(m->time.save_every.value == 0);
    assert_int_equal(m->nsubstrates, 2);
    const rs_model_substrate *c = &m->substrates[0], *my = &m->substrates[1];
    assert_true(c->diffusion.value == 200);           /* "2 * D0" */
    assert_string_equal(c->diffusion.expr, "2 * D0");
    assert_true(my->diffusion.value == 0 && my->decay.value == 0);
    assert_true(my->initial.value == 1);
    for (int f = 0; f < RS_NFACES; f++) assert_int_equal(c->bc[f].kind, RS_BC_NEUMANN);
    assert_string_equal(c->units, "a.u.");
    rs_grid g = rs_model_grid(m);
    assert_int_equal(g.nx, 20);
    assert_int_equal(g.ny, 10);
    assert_int_equal(g.nz, 1);
    rs_model_summary sum;
    rs_model_summarize(m, &sum);
    assert_int_equal(sum.dims, 2);
    assert_true(sum.voxels == 200);
    /* 2 / (4 * 2 * 200 / 100 + 0.01) */
    assert_true(fabs(sum.explicit_dt_limit - 2.0 / (16.0 + 0.01)) < 1e-12);
    assert_true(sum.memory_bytes >= 200 * 2 * 8);
    rs_model_destroy(m);
}

static void error_names_file_line_col(void **state)
{
    (void)state;
    rs_model *m = NULL;
    rs_errors errs;
    const char *text =
        "regensim: 1\n"
        "domain: {size: [200, 100], dx: 10}\n"
        "time: {end: 100}\n"
        "substrates:\n"
        "  cytokine: {diffusion: -3}\n";
    assert_int_equal(load(text, &m, &errs, NULL, 0), RS_EINVAL);
    assert_null(m);
    assert_int_equal(errs.count, 1);
    assert_string_equal(errline(&errs, 0),
                        "t.yaml:5:25: substrates.cytokine.diffusion: -3 is negative; "
                        "expected a diffusion coefficient >= 0 (um^2/min)");
}

static void all_errors_are_collected(void **state)
{
    (void)state;
    rs_model *m = NULL;
    rs_errors errs;
    const char *text =
        "regensim: 1\n"
        "domain: {size: [200, 100], dx: 10}\n"
        "time: {end: -1}\n"
        "solver: explicitt\n"
        "substrates:\n"
        "  cytokine: {diffusion: 5, decay: -1, difusion: 2}\n";
    assert_int_equal(load(text, &m, &errs, NULL, 0), RS_EINVAL);
    assert_int_equal(errs.count, 4);
    assert_string_equal(errline(&errs, 0), "t.yaml:3:13: time.end: -1 is negative; expected "
                                           "an end time >= 0 and <= 1e+09 (min)");
    assert_string_equal(errline(&errs, 1),
                        "t.yaml:4:9: solver: unknown value 'explicitt' (did you mean "
                        "'explicit'?); expected a diffusion solver: explicit, lod, spectral");
    assert_string_equal(errline(&errs, 2),
                        "t.yaml:6:39: substrates.cytokine: unknown key 'difusion' (did you "
                        "mean 'diffusion'?); expected diffusion, decay, boundary, initial, "
                        "reaction, units or save");
    assert_string_equal(errline(&errs, 3), "t.yaml:6:35: substrates.cytokine.decay: -1 is "
                                           "negative; expected a decay rate >= 0 (1/min)");
}

static void errors_are_capped(void **state)
{
    (void)state;
    char text[8000];
    size_t k = (size_t)snprintf(text, sizeof text,
                                "regensim: 1\ndomain: {size: [20, 10]}\ntime: {end: 1}\n"
                                "parameters:\n");
    for (int i = 0; i < 30; i++)
        k += (size_t)snprintf(text + k, sizeof text - k, "  p%d: bad%d\n", i, i);
    rs_model *m = NULL;
    rs_errors errs;
    assert_int_equal(load(text, &m, &errs, NULL, 0), RS_EINVAL);
    assert_int_equal(errs.count, RS_ERRORS_MAX);
    assert_int_equal(errs.dropped, 30 - RS_ERRORS_MAX);
}

static void expression_errors_point_inside(void **state)
{
    (void)state;
    rs_model *m = NULL;
    rs_errors errs;
    const char *text =
        "regensim: 1\n"
        "domain: {size: [200, 100]}\n"
        "time: {end: 100}\n"
        "substrates:\n"
        "  cytokine: {}\n"
        "  myelin: {reaction: \"-0.1 * cytokin * myelin\"}\n";
    assert_int_equal(load(text, &m, &errs, NULL, 0), RS_EINVAL);
    assert_int_equal(errs.count, 1);
    /* The scalar's text starts at column 23 (after the quote); 'cytokin'
     * is at column 8 of the expression: 23 + 8 - 1 = 30. */
    const char *e = errline(&errs, 0);
    assert_non_null(strstr(e, "t.yaml:6:30: substrates.myelin.reaction: "));
    assert_non_null(strstr(e, "cytokin"));
    /* A number that is not constant. */
    const char *text2 =
        "regensim: 1\n"
        "domain: {size: [200, 100]}\n"
        "time: {end: 100}\n"
        "substrates:\n"
        "  cytokine: {decay: x}\n";
    assert_int_equal(load(text2, &m, &errs, NULL, 0), RS_EINVAL);
    assert_non_null(strstr(errline(&errs, 0), "t.yaml:5:21: substrates.cytokine.decay: "));
}

static void overrides_reach_values(void **state)
{
    (void)state;
    rs_model *m = NULL;
    rs_errors errs;
    const char *sets[] = {"D0=300", "parameters.k=2", "substrates.myelin.decay=0.5",
                          "solver=explicit", "time.dt.diffusion=0.01",
                          "substrates.cytokine.boundary=neumann", "domain.size[1]=50"};
    assert_int_equal(load(small, &m, &errs, sets, 7), RS_OK);
    assert_true(m->substrates[0].diffusion.value == 600); /* "2 * D0" with D0 = 300 */
    assert_true(m->parameters[1].value.value == 2);
    assert_true(m->substrates[1].decay.value == 0.5);
    assert_string_equal(m->solver, "explicit");
    assert_int_equal(rs_model_grid(m).ny, 5);
    rs_model_destroy(m);
}

static void bad_overrides_are_errors(void **state)
{
    (void)state;
    rs_model *m = NULL;
    rs_errors errs;
    const char *sets[] = {"D1=3", "substrates.cytokine.difusion=1", "substrates.cytokin.decay=1",
                          "substrates.myelin.decay=abc + 1", "substrates.cytokine.decay=-1",
                          "seed", "substrates=1"};
    assert_int_equal(load(small, &m, &errs, sets, 7), RS_EINVAL);
    assert_int_equal(errs.count, 7);
    assert_string_equal(errline(&errs, 0),
                        "--set: D1: unknown parameter (did you mean 'D0'?); expected a "
                        "parameter of the model or a dotted path such as "
                        "substrates.NAME.diffusion");
    assert_string_equal(errline(&errs, 1),
                        "--set: substrates.cytokine.difusion: unknown key 'difusion' (did "
                        "you mean 'diffusion'?) in path 'substrates.cytokine.difusion'");
    assert_string_equal(errline(&errs, 2),
                        "--set: substrates.cytokin.decay: no name 'cytokin' in substrates "
                        "(did you mean 'cytokine'?); expected a name the model defines");
    assert_string_equal(errline(&errs, 3), "--set: substrates.cytokine.decay: -1 is negative; "
                                           "expected a decay rate >= 0 (1/min)");
    assert_string_equal(errline(&errs, 4), "--set: 'seed': expected PATH=VALUE, e.g. "
                                           "parameters.k_damage=0.004");
    assert_string_equal(errline(&errs, 5), "--set: substrates: a section, not a single value; "
                                           "expected a path to one of its keys");
    /* The expression set on the command line is compiled with the rest. */
    assert_non_null(strstr(errline(&errs, 6), "--set: substrates.myelin.decay: "));
    assert_non_null(strstr(errline(&errs, 6), "abc"));
}

/* Writes m, loads the text, writes again: the two texts must agree. */
static void check_round_trip(const rs_model *m)
{
    char *a = NULL, *b = NULL;
    assert_int_equal(rs_model_write_resolved(m, &a), RS_OK);
    rs_model *m2 = NULL;
    rs_errors errs;
    rs_status s = rs_model_load_string(&m2, a, strlen(a), m->source, NULL, 0, &errs);
    if (s != RS_OK) fprintf(stderr, "%s\n---\n%s", errline(&errs, 0), a);
    assert_int_equal(s, RS_OK);
    assert_int_equal(rs_model_write_resolved(m2, &b), RS_OK);
    assert_string_equal(a, b);
    assert_int_equal(m2->nsubstrates, m->nsubstrates);
    for (int i = 0; i < m->nsubstrates; i++) {
        assert_true(m2->substrates[i].diffusion.value == m->substrates[i].diffusion.value);
        assert_true(m2->substrates[i].decay.value == m->substrates[i].decay.value);
    }
    assert_int_equal(m2->ncell_types, m->ncell_types);
    assert_int_equal(m2->ninitial, m->ninitial);
    assert_int_equal(m2->ninterventions, m->ninterventions);
    assert_true(m2->time.end.value == m->time.end.value);
    free(a);
    free(b);
    rs_model_destroy(m2);
}

static void resolved_model_round_trips(void **state)
{
    (void)state;
    const char *files[] = {TUTORIAL "cytokine_source.yaml", TUTORIAL "demyelination.yaml"};
    const char *sets[] = {"k_damage=0.004", "substrates.cytokine.diffusion=2000.125"};
    for (int i = 0; i < 2; i++) {
        rs_model *m = NULL;
        rs_errors errs;
        assert_int_equal(rs_model_load(&m, files[i], sets, i, &errs), RS_OK);
        check_round_trip(m);
        rs_model_destroy(m);
    }
    rs_model *m = NULL;
    rs_errors errs;
    const char *text =
        "regensim: 1\n"
        "domain: {size: [100, 100, 40], dx: 2.5}\n"
        "time: {end: 0.1, dt: {diffusion: 0.001}}\n"
        "solver: explicit\n"
        "parameters: {r: 12.5}\n"
        "substrates:\n"
        "  s: {diffusion: 0.1, boundary: {all: {dirichlet: 0.3}, xmin: neumann}, "
        "initial: \"1 + x / 100\"}\n"
        "cell_types:\n"
        "  a: {states: {energy: {initial: 1, rate: \"-0.1 * energy\"}}}\n"
        "initial:\n"
        "  - {cells: a, density: 1e-4, region: {difference: [{box: {min: [0, 0, 0], "
        "max: [50, 50, 40]}}, {sphere: {center: [1, 2, 3], radius: \"r\"}}]}}\n"
        "interventions:\n"
        "  - {at: 0.05, remove: {cells: a, fraction: 0.1}}\n";
    rs_status s = load(text, &m, &errs, NULL, 0);
    if (s != RS_OK) fprintf(stderr, "%s\n", errline(&errs, 0));
    assert_int_equal(s, RS_OK);
    assert_int_equal(m->substrates[0].bc[RS_FACE_XLO].kind, RS_BC_NEUMANN);
    assert_int_equal(m->substrates[0].bc[RS_FACE_XHI].kind, RS_BC_DIRICHLET);
    assert_true(m->substrates[0].bc[RS_FACE_ZHI].value.value == 0.3);
    assert_int_equal(m->substrates[0].initial.varies, 1);
    check_round_trip(m);
    rs_model_destroy(m);
}

static void yaml_hazards_are_refused(void **state)
{
    (void)state;
    rs_model *m = NULL;
    rs_errors errs;
    /* Billion laughs: refused at the first anchor. */
    const char *lol = "a: &a [\"lol\", \"lol\"]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n";
    assert_int_equal(load(lol, &m, &errs, NULL, 0), RS_EINVAL);
    assert_string_equal(errline(&errs, 0), "t.yaml:1:4: YAML anchor '&a' is not supported; "
                                           "expected plain values");
    /* Deep flow nesting. */
    char deep[300];
    memset(deep, '[', 200);
    deep[200] = '\0';
    assert_int_equal(load(deep, &m, &errs, NULL, 0), RS_EINVAL);
    assert_string_equal(errline(&errs, 0), "t.yaml:1:33: nesting deeper than 32 levels; "
                                           "expected a model file");
    /* A file over 1 MiB is refused before it is read. */
    const char *big = "/tmp/regensim_test_model_big.yaml";
    FILE *f = fopen(big, "w");
    assert_non_null(f);
    for (int i = 0; i < (1 << 20) / 16 + 10; i++) fputs("# padding.......\n", f);
    fclose(f);
    assert_int_equal(rs_model_load(&m, big, NULL, 0, &errs), RS_EINVAL);
    assert_non_null(strstr(errline(&errs, 0), "expected a model file of at most"));
    remove(big);
    /* A missing file. */
    assert_int_equal(rs_model_load(&m, "/nonexistent/model.yaml", NULL, 0, &errs), RS_EIO);
    assert_null(m);
    /* A FIFO is refused at once (it used to wait forever for a writer), and
     * so is a directory. */
    const char *fifo = "/tmp/regensim_test_model_fifo.yaml";
    remove(fifo);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(rs_model_load(&m, fifo, NULL, 0, &errs), RS_EINVAL);
    assert_non_null(strstr(errline(&errs, 0), "is not a regular file (a FIFO"));
    remove(fifo);
    assert_int_equal(rs_model_load(&m, "/tmp", NULL, 0, &errs), RS_EINVAL);
    assert_non_null(strstr(errline(&errs, 0), "/tmp: is a directory"));
}

/* Schedules that are typos, not plans, are refused at load with the
 * position of the number to change. */
static void absurd_schedules_are_refused(void **state)
{
    (void)state;
    static const char *const text =
        "regensim: 1\nname: s\ndomain: {size: [100, 100], dx: 10}\n"
        "time: {end: 1e9, dt: {diffusion: 1e-6}}\n";
    rs_model *m = NULL;
    rs_errors errs;
    assert_int_equal(load(text, &m, &errs, NULL, 0), RS_EINVAL);
    assert_string_equal(errline(&errs, 0),
                        "t.yaml:4:34: time.dt.diffusion: 1e-06 makes 1e+15 steps to time.end "
                        "1e+09; expected at most 1e+10 steps (a dt.diffusion >= 0.1 min)");
    const char *big_dt[] = {"time.end=60", "time.dt.diffusion=1e17"};
    assert_int_equal(load(text, &m, &errs, big_dt, 2), RS_EINVAL);
    assert_non_null(strstr(errline(&errs, 0), "1e+17 is above time.end (60): the run would take "
                                              "no step"));
    /* a snapshot every step of a million steps */
    const char *snaps[] = {"time.end=1e6", "time.dt.diffusion=1", "time.save_every=1e-300"};
    assert_int_equal(load(text, &m, &errs, snaps, 3), RS_EINVAL);
    assert_non_null(strstr(errline(&errs, 0), "time.save_every: 1e-300 makes 1e+06 snapshots to "
                                              "time.end 1e+06; expected at most 1e+05"));
    /* and the same schedule with a snapshot a day is fine */
    const char *ok[] = {"time.end=1e6", "time.dt.diffusion=1", "time.save_every=1440"};
    assert_int_equal(load(text, &m, &errs, ok, 3), RS_OK);
    rs_model_destroy(m);
}

/* A byte-order mark is skipped; a bad --set gives one error, not a second
 * from the NaN it would leave in a parameter others read. */
static void bom_and_one_error_per_bad_set(void **state)
{
    (void)state;
    char text[512];
    snprintf(text, sizeof text, "\xEF\xBB\xBF%s", small);
    rs_model *m = NULL;
    rs_errors errs;
    assert_int_equal(load(text, &m, &errs, NULL, 0), RS_OK);
    rs_model_destroy(m);
    m = NULL;
    const char *bad[] = {"D0=oops"};
    assert_int_equal(load(small, &m, &errs, bad, 1), RS_EINVAL);
    assert_int_equal(errs.count, 1);
    assert_string_equal(errline(&errs, 0), "--set: D0: 'oops' is not a number; expected a "
                                           "number");
}

/* Names that would break the output's readers (a substrate or metric
 * called time, x, y or z would clash with the dimension scales) are
 * refused at their position. */
static void reader_names_are_refused(void **state)
{
    (void)state;
    static const char *const text =
        "regensim: 1\nname: n\ndomain: {size: [100, 100], dx: 10}\ntime: {end: 10}\n"
        "substrates:\n  time: {diffusion: 10}\n  ok: {}\nmetrics:\n  z: \"mean(ok)\"\n";
    rs_model *m = NULL;
    rs_errors errs;
    assert_int_equal(load(text, &m, &errs, NULL, 0), RS_EINVAL);
    assert_int_equal(errs.count, 2);
    assert_string_equal(errline(&errs, 0), "t.yaml:6:3: substrates: 'time' is a reserved name "
                                           "(x, y, z, t, time, pi, e); expected another name");
    assert_string_equal(errline(&errs, 1), "t.yaml:9:3: metrics: 'z' is a reserved name "
                                           "(x, y, z, t, time, pi, e); expected another name");
}

/* The names of the cell rules' own inputs (age, neighbours, volume,
 * radius, grad) are refused for parameters, substrates, cell types and
 * states, each at its position; a metric may use them (nothing reads a
 * metric's name), and a cell rule reads the built-ins. */
static void cell_input_names_are_refused(void **state)
{
    (void)state;
    static const char *const text =
        "regensim: 1\nname: n\ndomain: {size: [100, 100], dx: 10}\ntime: {end: 10}\n"
        "parameters: {volume: 1}\n"
        "substrates:\n  grad: {diffusion: 10}\n  ok: {}\n"
        "cell_types:\n  radius: {}\n  m:\n    states: {neighbours: {}, a: {}}\n"
        "metrics:\n  age: \"count(m)\"\n";
    rs_model *m = NULL;
    rs_errors errs;
    assert_int_equal(load(text, &m, &errs, NULL, 0), RS_EINVAL);
    assert_null(m);
    assert_int_equal(errs.count, 4);
    const char *tail = " is reserved for cell rules (age, neighbours, volume, radius, grad); "
                       "expected another name";
    const char *want[4] = {"t.yaml:5:14: parameters: 'volume'", "t.yaml:7:3: substrates: 'grad'",
                           "t.yaml:10:3: cell_types: 'radius'",
                           "t.yaml:12:14: cell_types.m.states: 'neighbours'"};
    for (int i = 0; i < 4; i++) {
        char expected[400];
        snprintf(expected, sizeof expected, "%s%s", want[i], tail);
        assert_string_equal(errline(&errs, i), expected);
    }
}

/* Cell rules may read age, neighbours, volume, radius and grad(S); metrics
 * may use sum(type.state[, region]); a reaction may not read a cell input
 * (the error points at it). */
static void cell_rules_read_cell_inputs(void **state)
{
    (void)state;
    static const char *const text =
        "regensim: 1\nname: n\ndomain: {size: [100, 100], dx: 10}\ntime: {end: 10}\n"
        "substrates:\n  cytokine: {diffusion: 10}\n"
        "cell_types:\n  m:\n    apoptosis: \"1e-5 * step(age - 60) + 1e-6 * neighbours\"\n"
        "    states: {a: {rate: \"grad(cytokine) * volume / radius\"}}\n"
        "metrics:\n  total: \"sum(m.a) + sum(m.a, disk(50, 50, 20))\"\n";
    rs_model *m = NULL;
    rs_errors errs;
    rs_status s = load(text, &m, &errs, NULL, 0);
    if (s != RS_OK) fprintf(stderr, "%s\n", errline(&errs, 0));
    assert_int_equal(s, RS_OK);
    rs_model_destroy(m);
    m = NULL;
    static const char *const bad =
        "regensim: 1\nname: n\ndomain: {size: [100, 100], dx: 10}\ntime: {end: 10}\n"
        "substrates:\n  cytokine: {diffusion: 10, reaction: \"-grad(cytokine)\"}\n";
    assert_int_equal(load(bad, &m, &errs, NULL, 0), RS_EINVAL);
    assert_int_equal(errs.count, 1);
    assert_string_equal(errline(&errs, 0),
                        "t.yaml:6:41: substrates.cytokine.reaction: 'grad' can be used only in "
                        "cell rules: grad(S) is the magnitude of the gradient of substrate S "
                        "at the cell (concentration/um)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tutorials_load),
        cmocka_unit_test(defaults_are_applied),
        cmocka_unit_test(error_names_file_line_col),
        cmocka_unit_test(all_errors_are_collected),
        cmocka_unit_test(errors_are_capped),
        cmocka_unit_test(expression_errors_point_inside),
        cmocka_unit_test(overrides_reach_values),
        cmocka_unit_test(bad_overrides_are_errors),
        cmocka_unit_test(resolved_model_round_trips),
        cmocka_unit_test(yaml_hazards_are_refused),
        cmocka_unit_test(reader_names_are_refused),
        cmocka_unit_test(cell_input_names_are_refused),
        cmocka_unit_test(cell_rules_read_cell_inputs),
        cmocka_unit_test(absurd_schedules_are_refused),
        cmocka_unit_test(bom_and_one_error_per_bad_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_sim.c: the simulation driver (regensim/sim.h): reactions against
 * closed forms (logistic growth, first order in dt; production-decay to its
 * steady state through each solver), the step clock landing exactly on
 * snapshot, metrics, checkpoint and intervention times, `set` and `source`
 * interventions, metrics against direct computation, bitwise determinism
 * over 1 and 2 threads, bitwise continuation after a checkpoint written
 * and read back (rs_sim_checkpoint_write / _read), and refusal of bad
 * input. */
#define _POSIX_C_SOURCE 200809L /* mkstemp */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <omp.h>
#include <unistd.h>

#include "sim_fixture.h"

/* Copies the state of `from` into `to` (same model) through a checkpoint
 * file, as a resume does; returns the status of the read. */
static rs_status restore_from(rs_sim *to, const rs_sim *from, rs_error *err)
{
    char path[] = "/tmp/rs_test_sim_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(rs_sim_checkpoint_write(from, path, err), RS_OK);
    rs_status st = rs_sim_checkpoint_read(to, path, err);
    unlink(path);
    return st;
}

/* Runs s to the end with obs; fails the test on error. */
static void run(rs_sim *s, const rs_sim_observer *obs)
{
    rs_error err;
    rs_status st = rs_sim_run(s, obs, &err);
    if (st != RS_OK) fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(st, RS_OK);
    assert_true(rs_sim_finished(s));
}

/* --- (1) reactions against closed forms ---------------------------------- */

static const char *const logistic =
    "regensim: 1\n"
    "name: logistic\n"
    "domain: {size: [40, 30], dx: 10}\n"
    "time: {end: 10, dt: {diffusion: 0.2, phenotype: 1}}\n"
    "parameters: {r: 0.5}\n"
    "substrates:\n"
    "  u: {initial: 0.1, reaction: \"r * u * (1 - u)\"}\n";

/* Max error of the logistic run at t = 10 for time step dt. */
static double logistic_error(const char *dt)
{
    char set[64];
    snprintf(set, sizeof set, "time.dt.diffusion=%s", dt);
    const char *sets[] = {set};
    rs_model *m = fix_load(logistic, sets, 1);
    rs_sim *s = fix_sim(m);
    run(s, NULL);
    double t = rs_sim_time(s);
    assert_true(t == 10.0);
    double exact = 1.0 / (1.0 + (1.0 / 0.1 - 1.0) * exp(-0.5 * t));
    const double *u = rs_sim_field(s, 0);
    double e = 0;
    for (int i = 0; i < 12; i++) e = fmax(e, fabs(u[i] - exact));
    assert_true(u[0] == u[11]); /* uniform stays uniform */
    rs_sim_destroy(s);
    rs_model_destroy(m);
    return e;
}

static void logistic_first_order(void **state)
{
    (void)state;
    const char *dts[] = {"0.2", "0.1", "0.05", "0.025"};
    double prev = logistic_error(dts[0]);
    assert_true(prev < 1e-2);
    for (int i = 1; i < 4; i++) {
        double e = logistic_error(dts[i]);
        double order = log2(prev / e);
        printf("logistic: dt %s error %.3e order %.3f\n", dts[i], e, order);
        assert_true(fabs(order - 1.0) < 0.1);
        prev = e;
    }
}

static const char *const production =
    "regensim: 1\n"
    "name: production\n"
    "domain: {size: [100, 80], dx: 10}\n"
    "time: {end: 100, dt: {diffusion: 0.1}}\n"
    "parameters: {p: 1, k: 0.5}\n"
    "substrates:\n"
    "  u: {diffusion: 100, initial: \"0.1 * x / 100\", reaction: \"p - k * u\"}\n";

/* Production-decay with diffusion reaches p/k everywhere, with every solver. */
static void production_steady_state(void **state)
{
    (void)state;
    const char *solvers[] = {"solver=explicit", "solver=lod", "solver=spectral"};
    for (int k = 0; k < 3; k++) {
        const char *sets[] = {solvers[k]};
        rs_model *m = fix_load(production, sets, 1);
        rs_sim *s = fix_sim(m);
        run(s, NULL);
        const double *u = rs_sim_field(s, 0);
        for (int i = 0; i < 80; i++) assert_true(fabs(u[i] - 2.0) < 1e-9);
        rs_sim_destroy(s);
        rs_model_destroy(m);
    }
}

/* --- reaction sub-steps (time.dt.reaction) ------------------------------- */

/* A stiff logistic, u' = r u (1 - u), r = 1, u(0) = 0.1, at dt.diffusion
 * 2.5: plain explicit Euler has r dt = 2.5 > 2 and never settles on u = 1
 * (it oscillates); with sub-steps of dt.reaction it follows the closed form
 * to first order in dt.reaction. On a diffusing substrate (lod; uniform,
 * so diffusion does nothing) the same holds: the sub-steps are taken
 * before the solver's step. Runs nsteps steps (>= 4); returns max
 * |u - exact| at the end, and the spread of u over the last 4 steps. */
static double stiff_logistic(const char *dt_reaction, const char *diffusion, int nsteps,
                             double *spread)
{
    char set_r[64], set_d[64], set_e[64];
    snprintf(set_r, sizeof set_r, "time.dt.reaction=%s", dt_reaction);
    snprintf(set_d, sizeof set_d, "substrates.u.diffusion=%s", diffusion);
    snprintf(set_e, sizeof set_e, "time.end=%g", 2.5 * nsteps);
    const char *sets[] = {"time.dt.diffusion=2.5", set_e, "r=1", set_r, set_d, "solver=lod"};
    rs_model *m = fix_load(logistic, sets, 6);
    rs_sim *s = fix_sim(m);
    rs_error err;
    double last[4] = {0, 0, 0, 0};
    for (int n = 0; n < nsteps; n++) {
        assert_int_equal(rs_sim_step(s, &err), RS_OK);
        if (n >= nsteps - 4) last[n - (nsteps - 4)] = rs_sim_field(s, 0)[0];
    }
    assert_true(rs_sim_finished(s));
    double lo = last[0], hi = last[0];
    for (int i = 1; i < 4; i++) {
        lo = fmin(lo, last[i]);
        hi = fmax(hi, last[i]);
        assert_true(isfinite(last[i]));
    }
    *spread = hi - lo;
    double exact = 1.0 / (1.0 + (1.0 / 0.1 - 1.0) * exp(-2.5 * nsteps));
    double e = 0;
    const double *u = rs_sim_field(s, 0);
    for (int i = 0; i < 12; i++) {
        assert_true(isfinite(u[i]));
        e = fmax(e, fabs(u[i] - exact));
    }
    rs_sim_destroy(s);
    rs_model_destroy(m);
    return e;
}

static void reaction_substeps(void **state)
{
    (void)state;
    for (int d = 0; d < 2; d++) {
        const char *diff = d ? "100" : "0";
        double spread;
        /* plain Euler (dt.reaction 0): oscillates, far from u = 1 */
        double plain = stiff_logistic("0", diff, 8, &spread);
        printf("stiff logistic (D %s): plain Euler error %.3g, last-4 spread %.3g\n", diff,
               plain, spread);
        assert_true(plain > 0.1 && spread > 0.1);
        /* sub-steps: settled at t = 20, and first order in dt.reaction at
         * t = 10 (u = 0.9996, where the error is still well measurable) */
        stiff_logistic("0.05", diff, 8, &spread);
        assert_true(spread < 1e-4);
        const char *dts[] = {"0.05", "0.025", "0.0125"};
        double prev = stiff_logistic(dts[0], diff, 4, &spread);
        for (int i = 1; i < 3; i++) {
            double e = stiff_logistic(dts[i], diff, 4, &spread);
            double order = log2(prev / e);
            printf("stiff logistic (D %s): dt.reaction %s error %.3e order %.3f\n", diff, dts[i],
                   e, order);
            assert_true(fabs(order - 1.0) <= 0.1);
            prev = e;
        }
        /* measured 1.365e-5 at dt.reaction 0.0125 (D 0 and 100): tolerance x2 */
        assert_true(prev <= 2.8e-5);
    }
    /* A sub-step above dt.diffusion is refused at load with both values. */
    const char *bad[] = {"time.dt.reaction=0.5"};
    rs_model *m = NULL;
    rs_errors errs;
    assert_int_not_equal(rs_model_load_string(&m, logistic, strlen(logistic), "t.yaml", bad, 1,
                                              &errs),
                         RS_OK);
    assert_non_null(strstr(errs.item[0].msg, "time.dt.reaction: 0.5 is above time.dt.diffusion"));
}

/* --- (2) the clock --------------------------------------------------------- */

typedef struct record {
    int n[3];
    int64_t steps[3][64];
    double t[3][64];
    int progress;
} record;

/* Appends the current step and time to list `which`. */
static void note(record *r, int which, const rs_sim *s)
{
    int i = r->n[which]++;
    assert_true(i < 64);
    r->steps[which][i] = rs_sim_steps(s);
    r->t[which][i] = rs_sim_time(s);
}

static rs_status on_snapshot(void *u, const rs_sim *s, rs_error *e)
{
    (void)e;
    note(u, 0, s);
    return RS_OK;
}

static rs_status on_metrics(void *u, const rs_sim *s, rs_error *e)
{
    (void)e;
    note(u, 1, s);
    return RS_OK;
}

static rs_status on_checkpoint(void *u, const rs_sim *s, rs_error *e)
{
    (void)e;
    note(u, 2, s);
    return RS_OK;
}

static int on_progress(void *u, const rs_sim *s)
{
    (void)s;
    ((record *)u)->progress++;
    return 0;
}

/* Checks list `which` of r against expected step indices (times k * dt). */
static void expect(const record *r, int which, const int64_t *steps, int n, double dt)
{
    assert_int_equal(r->n[which], n);
    for (int i = 0; i < n; i++) {
        assert_true(r->steps[which][i] == steps[i]);
        assert_true(r->t[which][i] == (double)steps[i] * dt);
    }
}

static const char *const clocked =
    "regensim: 1\n"
    "name: clock\n"
    "domain: {size: [30, 30], dx: 10}\n"
    "time: {end: 10, dt: {diffusion: 0.1, phenotype: 1}, save_every: 2.5,\n"
    "       checkpoint_every: 4}\n"
    "parameters: {k: 1}\n"
    "substrates:\n"
    "  u: {initial: 0, reaction: \"k\"}\n"
    "interventions:\n"
    "  - {at: 3.3, set: {parameter: k, value: 3}}\n";

static void clock_lands_on_times(void **state)
{
    (void)state;
    rs_model *m = fix_load(clocked, NULL, 0);
    rs_sim *s = fix_sim(m);
    assert_true(rs_sim_total_steps(s) == 100);
    record r;
    memset(&r, 0, sizeof r);
    rs_sim_observer obs = {&r, on_snapshot, on_metrics, on_checkpoint, on_progress};
    run(s, &obs);
    const int64_t snaps[] = {0, 25, 50, 75, 100};
    const int64_t mets[] = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100};
    const int64_t cks[] = {40, 80, 100};
    expect(&r, 0, snaps, 5, 0.1);
    expect(&r, 1, mets, 11, 0.1);
    expect(&r, 2, cks, 3, 0.1);
    assert_int_equal(r.progress, 100);
    assert_true(rs_sim_time(s) == 10.0);
    /* the set at 3.3 (step 33) acts from step 33 on: 33 steps of 1, 67 of 3 */
    assert_true(fabs(rs_sim_field(s, 0)[0] - (3.3 + 3 * 6.7)) < 1e-12);
    assert_true(rs_sim_parameters(s)[0] == 3.0);
    rs_sim_destroy(s);
    rs_model_destroy(m);

    /* an intervention time between steps lands on the next step: 3.35 -> 34 */
    const char *late[] = {"interventions[0].at=3.35"};
    m = fix_load(clocked, late, 1);
    s = fix_sim(m);
    run(s, NULL);
    assert_true(fabs(rs_sim_field(s, 0)[0] - (3.4 + 3 * 6.6)) < 1e-12);
    rs_sim_destroy(s);
    rs_model_destroy(m);

    /* save_every not a multiple of dt: rounded up to 3 steps; metrics at 0, every
     * phenotype step and the end */
    const char *sets[] = {"time.save_every=0.25", "time.end=1", "time.dt.phenotype=0.5"};
    m = fix_load(clocked, sets, 3);
    s = fix_sim(m);
    memset(&r, 0, sizeof r);
    run(s, &obs);
    const int64_t snaps2[] = {0, 3, 6, 9, 10};
    const int64_t mets2[] = {0, 5, 10};
    const int64_t cks2[] = {10};
    expect(&r, 0, snaps2, 5, 0.1);
    expect(&r, 1, mets2, 3, 0.1);
    expect(&r, 2, cks2, 1, 0.1);
    rs_sim_destroy(s);
    rs_model_destroy(m);

    /* metrics_every overrides the phenotype step: every 0.3 min = 3 steps */
    const char *sets4[] = {"time.metrics_every=0.3", "time.end=1"};
    m = fix_load(clocked, sets4, 2);
    s = fix_sim(m);
    memset(&r, 0, sizeof r);
    run(s, &obs);
    const int64_t mets4[] = {0, 3, 6, 9, 10};
    expect(&r, 1, mets4, 5, 0.1);
    rs_sim_destroy(s);
    rs_model_destroy(m);

    /* save_every 0: the initial and final states only */
    const char *sets3[] = {"time.save_every=0", "time.end=1"};
    m = fix_load(clocked, sets3, 2);
    s = fix_sim(m);
    memset(&r, 0, sizeof r);
    run(s, &obs);
    const int64_t snaps3[] = {0, 10};
    expect(&r, 0, snaps3, 2, 0.1);
    rs_sim_destroy(s);
    rs_model_destroy(m);
}

/* A progress callback that stops the run after 7 steps. */
static int stop_at_7(void *u, const rs_sim *s)
{
    (void)u;
    return rs_sim_steps(s) >= 7;
}

static void progress_stops_run(void **state)
{
    (void)state;
    rs_model *m = fix_load(clocked, NULL, 0);
    rs_sim *s = fix_sim(m);
    rs_sim_observer obs = {0};
    obs.progress = stop_at_7;
    rs_error err;
    assert_int_equal(rs_sim_run(s, &obs, &err), RS_OK);
    assert_false(rs_sim_finished(s));
    assert_true(rs_sim_steps(s) == 7);
    rs_sim_destroy(s);
    rs_model_destroy(m);
}

/* --- (3) interventions ----------------------------------------------------- */

static const char *const sourced =
    "regensim: 1\n"
    "name: source\n"
    "domain: {size: [100, 100], dx: 10}\n"
    "time: {end: 5, dt: {diffusion: 0.1}}\n"
    "solver: lod\n"
    "substrates:\n"
    "  c: {diffusion: 100, initial: 0}\n"
    "interventions:\n"
    "  - {at: 1, source: {field: c, rate: 2, until: 3,\n"
    "     region: {disk: {center: [50, 50], radius: 15}}}}\n"
    "metrics:\n"
    "  mass: \"integral(c)\"\n";

static void source_adds_exact_mass(void **state)
{
    (void)state;
    rs_model *m = fix_load(sourced, NULL, 0);
    rs_sim *s = fix_sim(m);
    int inside = 0;
    for (int j = 0; j < 10; j++)
        for (int i = 0; i < 10; i++) {
            double x = (i + 0.5) * 10 - 50, y = (j + 0.5) * 10 - 50;
            inside += x * x + y * y <= 225;
        }
    assert_true(inside > 0);
    double per_step = 2 * 0.1 * inside * 100.0, prev = 0;
    rs_error err;
    while (!rs_sim_finished(s)) {
        int64_t n = rs_sim_steps(s);
        assert_int_equal(rs_sim_step(s, &err), RS_OK);
        const double *c = rs_sim_field(s, 0);
        double mass = 0;
        for (int v = 0; v < 100; v++) mass += c[v] * 100.0;
        double want = n >= 10 && n < 30 ? per_step : 0;
        assert_true(fabs(mass - prev - want) < 1e-12 * (1 + mass));
        prev = mass;
    }
    assert_true(fabs(prev - 20 * per_step) < 1e-10);
    assert_int_equal(rs_sim_step(s, &err), RS_EINVAL); /* at the end */
    rs_sim_destroy(s);
    rs_model_destroy(m);
}

/* --- (4) metrics ----------------------------------------------------------- */

static const char *const metered =
    "regensim: 1\n"
    "name: metrics\n"
    "domain: {size: [100, 60], dx: 10}\n"
    "time: {end: 1, dt: {diffusion: 0.5}}\n"
    "parameters: {rc: 25}\n"
    "substrates:\n"
    "  u: {initial: \"x + 2 * y\"}\n"
    "  w: {initial: 1}\n"
    "initial:\n"
    "  - {field: w, value: 5, region: {box: {min: [0, 0], max: [30, 60]}}}\n"
    "metrics:\n"
    "  mean_all: \"mean(u)\"\n"
    "  integral_all: \"integral(u)\"\n"
    "  max_all: \"max(u)\"\n"
    "  min_all: \"min(u)\"\n"
    "  mean_disk: \"mean(u, disk(50, 30, rc))\"\n"
    "  integral_disk: \"integral(u, disk(50, 30, rc))\"\n"
    "  max_disk: \"max(u, disk(50, 30, rc))\"\n"
    "  min_disk: \"min(u, disk(50, 30, rc))\"\n"
    "  w_total: \"integral(w) + t\"\n";

static void metrics_match_direct(void **state)
{
    (void)state;
    rs_model *m = fix_load(metered, NULL, 0);
    rs_sim *s = fix_sim(m);
    assert_int_equal(rs_sim_nmetrics(s), 9);
    assert_string_equal(rs_sim_metric_name(s, 4), "mean_disk");
    const double *u = rs_sim_field(s, 0), *w = rs_sim_field(s, 1);
    double sum = 0, mx = -INFINITY, mn = INFINITY, dsum = 0, dmx = -INFINITY, dmn = INFINITY;
    double wsum = 0;
    int dn = 0;
    for (int j = 0; j < 6; j++)
        for (int i = 0; i < 10; i++) {
            double x = (i + 0.5) * 10, y = (j + 0.5) * 10, v = u[i + 10 * j];
            assert_true(v == x + 2 * y);
            assert_true(w[i + 10 * j] == (x <= 30 ? 5.0 : 1.0));
            wsum += w[i + 10 * j];
            sum += v;
            mx = fmax(mx, v);
            mn = fmin(mn, v);
            if ((x - 50) * (x - 50) + (y - 30) * (y - 30) <= 625) {
                dsum += v;
                dmx = fmax(dmx, v);
                dmn = fmin(dmn, v);
                dn++;
            }
        }
    assert_true(dn > 0 && dn < 60);
    const double want[] = {sum / 60, sum * 100, mx, mn, dsum / dn, dsum * 100, dmx, dmn,
                           wsum * 100};
    const double *got = rs_sim_metric_values(s);
    for (int i = 0; i < 9; i++) assert_true(fabs(got[i] - want[i]) < 1e-12 * fabs(want[i]));
    run(s, NULL);
    assert_true(fabs(rs_sim_metric_values(s)[8] - (wsum * 100 + 1)) < 1e-9);
    rs_sim_destroy(s);
    rs_model_destroy(m);
}

/* --- initial field regions ------------------------------------------------- */

static const char *const regions2d =
    "regensim: 1\n"
    "name: regions\n"
    "domain: {size: [100, 100], dx: 10}\n"
    "time: {end: 1, dt: {diffusion: 1}}\n"
    "substrates:\n"
    "  u: {initial: 0}\n"
    "initial:\n"
    "  - {field: u, value: 1, region: {union: [{disk: {center: [20, 20], radius: 15}},\n"
    "                                         {box: {min: [60, 0], max: [100, 30]}}]}}\n"
    "  - {field: u, value: 2, region: {difference: [{box: {min: [0, 50], max: [100, 100]}},\n"
    "                                              {disk: {center: [50, 75], radius: 20}}]}}\n"
    "  - {field: u, value: \"3 + x\", region: {annulus: {center: [50, 75], inner: 5,\n"
    "                                                    outer: 12}}}\n";

static const char *const regions3d =
    "regensim: 1\n"
    "name: regions3d\n"
    "domain: {size: [60, 60, 60], dx: 10}\n"
    "time: {end: 1, dt: {diffusion: 1}}\n"
    "substrates:\n"
    "  u: {initial: 0}\n"
    "initial:\n"
    "  - {field: u, value: 1, region: {sphere: {center: [30, 30, 30], radius: 10}}}\n"
    "  - {field: u, value: 2, region: {shell: {center: [0, 0, 0], inner: 20, outer: 30}}}\n"
    "  - {field: u, value: 3, region: {box: {min: [50, 50, 50], max: [60, 60, 60]}}}\n";

/* The value the 2D region model should give at (x, y), computed directly. */
static double regions2d_want(double x, double y)
{
    double v = 0, d;
    if ((x - 20) * (x - 20) + (y - 20) * (y - 20) <= 225 || (x >= 60 && y <= 30)) v = 1;
    if (y >= 50 && !((x - 50) * (x - 50) + (y - 75) * (y - 75) <= 400)) v = 2;
    d = (x - 50) * (x - 50) + (y - 75) * (y - 75);
    if (d >= 25 && d <= 144) v = 3 + x;
    return v;
}

/* The value the 3D region model should give at (x, y, z). */
static double regions3d_want(double x, double y, double z)
{
    double v = 0, d = (x - 30) * (x - 30) + (y - 30) * (y - 30) + (z - 30) * (z - 30);
    if (d <= 100) v = 1;
    d = x * x + y * y + z * z;
    if (d >= 400 && d <= 900) v = 2;
    if (x >= 50 && y >= 50 && z >= 50) v = 3;
    return v;
}

static void initial_regions(void **state)
{
    (void)state;
    rs_model *m = fix_load(regions2d, NULL, 0);
    rs_sim *s = fix_sim(m);
    const double *u = rs_sim_field(s, 0);
    int seen[4] = {0};
    for (int j = 0; j < 10; j++)
        for (int i = 0; i < 10; i++) {
            double x = (i + 0.5) * 10, y = (j + 0.5) * 10, w = regions2d_want(x, y);
            assert_true(u[i + 10 * j] == w);
            seen[w >= 3 ? 3 : (int)w]++;
        }
    for (int k = 0; k < 4; k++) assert_true(seen[k] > 0);
    rs_sim_destroy(s);
    rs_model_destroy(m);

    m = fix_load(regions3d, NULL, 0);
    s = fix_sim(m);
    u = rs_sim_field(s, 0);
    int seen3[4] = {0};
    for (int k = 0; k < 6; k++)
        for (int j = 0; j < 6; j++)
            for (int i = 0; i < 6; i++) {
                double w = regions3d_want((i + 0.5) * 10, (j + 0.5) * 10, (k + 0.5) * 10);
                assert_true(u[i + 6 * (j + 6 * k)] == w);
                seen3[(int)w]++;
            }
    for (int k = 0; k < 4; k++) assert_true(seen3[k] > 0);
    rs_sim_destroy(s);
    rs_model_destroy(m);
}

/* --- (5) determinism and (6) restore --------------------------------------- */

static const char *const busy =
    "regensim: 1\n"
    "name: busy\n"
    "domain: {size: [1200, 1000], dx: 10}\n"
    "time: {end: 6, dt: {diffusion: 0.1, phenotype: 0.5}}\n"
    "solver: lod\n"
    "parameters: {k: 0.2, r: 1}\n"
    "substrates:\n"
    "  a: {diffusion: 200, decay: 0.01, initial: \"exp(-((x-600)^2 + (y-500)^2) / 1e4)\",\n"
    "      reaction: \"r * a * (1 - a) - k * a * b + 0.001 * sin(t + x / 100)\"}\n"
    "  b: {initial: 0.5, reaction: \"-k * a * b\"}\n"
    "interventions:\n"
    "  - {at: 2, set: {parameter: k, value: 0.7}}\n"
    "  - {at: 1, source: {field: a, rate: 0.3, until: 4,\n"
    "     region: {annulus: {center: [600, 500], inner: 100, outer: 300}}}}\n"
    "metrics:\n"
    "  a_mean: \"mean(a)\"\n"
    "  a_disk: \"integral(a, disk(600, 500, 200)) / (1 + max(b) - min(b, box(0, 0, 300, 300)))\"\n"
    "  b_mean: \"mean(b)\"\n";

typedef struct final_state {
    double *f[2];
    double met[3];
} final_state;

static const char *const solver_sets[] = {"solver=explicit", "solver=lod",
                                          "solver=spectral"};

/* Runs the busy model with solver override `set` on nthreads threads. */
static void run_busy(const char *set, int nthreads, final_state *fs)
{
    omp_set_num_threads(nthreads);
    const char *sets[] = {set};
    rs_model *m = fix_load(busy, sets, 1);
    rs_sim *s = fix_sim(m);
    assert_true(rs_grid_voxels(&(rs_grid){120, 100, 1, 10}) > 2 * 4096); /* several chunks */
    run(s, NULL);
    for (int i = 0; i < 2; i++) {
        fs->f[i] = malloc(12000 * sizeof(double));
        memcpy(fs->f[i], rs_sim_field(s, i), 12000 * sizeof(double));
    }
    memcpy(fs->met, rs_sim_metric_values(s), sizeof fs->met);
    rs_sim_destroy(s);
    rs_model_destroy(m);
}

static void two_threads_match_one_bitwise(void **state)
{
    (void)state;
    for (int k = 0; k < 3; k++) {
        final_state one, two;
        run_busy(solver_sets[k], 1, &one);
        run_busy(solver_sets[k], 2, &two);
        omp_set_num_threads(omp_get_num_procs());
        for (int i = 0; i < 2; i++) {
            assert_memory_equal(one.f[i], two.f[i], 12000 * sizeof(double));
            free(one.f[i]);
            free(two.f[i]);
        }
        assert_memory_equal(one.met, two.met, sizeof one.met);
        assert_true(isfinite(one.met[1]));
    }
}

/* Restores a copy of the state at step 25 into a second sim (solver k). */
static void restore_with(int k)
{
    const char *sets[] = {solver_sets[k]};
    rs_model *m = fix_load(busy, sets, 1);
    rs_sim *a = fix_sim(m), *b = fix_sim(m);
    rs_error err;
    /* step 25: after the source started (10) and the set (20), before the
     * source stops (40) */
    for (int n = 0; n < 25; n++) assert_int_equal(rs_sim_step(a, &err), RS_OK);
    assert_true(rs_sim_parameters(a)[0] == 0.7);
    assert_int_equal(restore_from(b, a, &err), RS_OK);
    assert_true(rs_sim_parameters(b)[0] == 0.7);
    assert_true(rs_sim_time(b) == 2.5);
    record r;
    memset(&r, 0, sizeof r);
    rs_sim_observer obs = {&r, on_snapshot, on_metrics, on_checkpoint, NULL};
    run(a, NULL);
    run(b, &obs);
    assert_true(r.steps[1][0] == 30); /* the restored state is not reported again */
    for (int i = 0; i < 2; i++)
        assert_memory_equal(rs_sim_field(a, i), rs_sim_field(b, i), 12000 * sizeof(double));
    assert_memory_equal(rs_sim_metric_values(a), rs_sim_metric_values(b), 3 * sizeof(double));
    /* A checkpoint of another model (another parameter value) is refused,
     * saying why. */
    const char *other_sets[] = {solver_sets[k], "r=2"};
    rs_model *m2 = fix_load(busy, other_sets, 2);
    rs_sim *c = fix_sim(m2);
    assert_int_equal(restore_from(c, a, &err), RS_EINVAL);
    assert_non_null(strstr(err.msg, "different model"));
    rs_sim_destroy(c);
    rs_model_destroy(m2);
    rs_sim_destroy(a);
    rs_sim_destroy(b);
    rs_model_destroy(m);
}

static void restore_continues_bitwise(void **state)
{
    (void)state;
    for (int k = 0; k < 3; k++) restore_with(k);
}

/* --- (7) bad input --------------------------------------------------------- */

/* A progress callback that stops the run after 15 steps. */
static int stop_at_15(void *u, const rs_sim *s)
{
    (void)u;
    return rs_sim_steps(s) >= 15;
}

/* Fixes found in review, each with the test that would have caught it. */
static void review_fixes(void **state)
{
    (void)state;
    rs_error err;
    /* A set of a parameter used by a decay re-plans the solver from that step
     * on (an earlier version silently kept the old decay): a uniform u = 1
     * with decay k = 0, then k = 1 from t = 1 (step 10), dt 0.1, 2D lod
     * (backward-Euler decay in the per-voxel step): u = (1 / (1 + 0.1))^20.
     * (The lod of before split the decay over the 2 directions:
     * (1 / 1.05)^40; docs/numerics.md.) */
    static const char *const setdecay =
        "regensim: 1\nname: sd\ndomain: {size: [30, 30], dx: 10}\n"
        "time: {end: 3, dt: {diffusion: 0.1}, checkpoint_every: 1.5}\n"
        "solver: lod\nparameters: {k: 0}\n"
        "substrates:\n  u: {diffusion: 10, decay: \"k\", initial: 1}\n"
        "interventions:\n  - {at: 1, set: {parameter: k, value: 1}}\n";
    rs_model *m = fix_load(setdecay, NULL, 0);
    rs_sim *s = fix_sim(m);
    run(s, NULL);
    double want = pow(1.0 / 1.1, 20);
    for (size_t v = 0; v < 9; v++) assert_true(fabs(rs_sim_field(s, 0)[v] - want) < 1e-12);
    /* ... and a run restored after the set re-plans too: bitwise equal. */
    rs_sim *part = fix_sim(m);
    rs_sim_observer stop = {NULL, NULL, NULL, NULL, stop_at_15};
    assert_int_equal(rs_sim_run(part, &stop, &err), RS_OK);
    assert_true(rs_sim_steps(part) == 15);
    rs_sim *resumed = fix_sim(m);
    assert_int_equal(restore_from(resumed, part, &err), RS_OK);
    run(resumed, NULL);
    assert_memory_equal(rs_sim_field(resumed, 0), rs_sim_field(s, 0), 9 * sizeof(double));
    rs_sim_destroy(resumed);
    rs_sim_destroy(part);
    rs_sim_destroy(s);
    rs_model_destroy(m);

    /* A source shorter than one step still acts for one step: 0.1..0.2 min
     * at dt 0.3 adds rate dt per voxel of its region once. */
    const char *shortsrc[] = {"time.dt.diffusion=0.3", "interventions[0].at=0.1",
                              "interventions[0].source.until=0.2"};
    m = fix_load(sourced, shortsrc, 3);
    s = fix_sim(m);
    run(s, NULL);
    double mass = 0;
    for (size_t v = 0; v < 100; v++) mass += rs_sim_field(s, 0)[v];
    /* the disk of radius 15 at (50, 50) holds the 4 voxel centres nearest */
    assert_true(fabs(mass - 4 * 2 * 0.3) < 1e-12);
    rs_sim_destroy(s);
    rs_model_destroy(m);

    /* A source region that holds no voxel centre is refused. */
    static const char *const outside =
        "regensim: 1\nname: out\ndomain: {size: [100, 100], dx: 10}\n"
        "time: {end: 5, dt: {diffusion: 0.1}}\nsubstrates:\n  c: {diffusion: 100}\n"
        "interventions:\n  - {at: 1, source: {field: c, rate: 2,\n"
        "     region: {disk: {center: [5000, 50], radius: 15}}}}\n";
    m = fix_load(outside, NULL, 0);
    assert_int_equal(rs_sim_create(&s, m, &err), RS_EINVAL);
    assert_non_null(strstr(err.msg, "contains no voxel centre"));
    rs_model_destroy(m);

    /* A run restored at step 0 does not report its start again (a resumed
     * end: 0 run once wrote t = 0 twice). */
    m = fix_load(clocked, NULL, 0);
    s = fix_sim(m);
    rs_sim *start = fix_sim(m);
    assert_int_equal(restore_from(s, start, &err), RS_OK);
    rs_sim_destroy(start);
    record r;
    memset(&r, 0, sizeof r);
    rs_sim_observer obs = {&r, on_snapshot, on_metrics, on_checkpoint, on_progress};
    run(s, &obs);
    const int64_t snaps[] = {25, 50, 75, 100};
    expect(&r, 0, snaps, 4, 0.1);
    rs_sim_destroy(s);
    rs_model_destroy(m);

    /* Event times land on the first step at or after them even in very long
     * runs (a relative 1e-9 tolerance once rounded 1e6 + 4e-4 min at dt 1e-3
     * down to step 1e9). */
    const char *longrun[] = {"time.end=1000000.0004", "time.dt.diffusion=0.001",
                             "time.dt.phenotype=1000", "time.save_every=0",
                             "time.checkpoint_every=0"};
    m = fix_load(clocked, longrun, 5);
    s = fix_sim(m);
    assert_true(rs_sim_total_steps(s) == 1000000001);
    rs_sim_destroy(s);
    rs_model_destroy(m);
}

/* A blow-up is caught at the first snapshot or metrics step after it,
 * before anything of that step is reported; a non-finite initial value is
 * refused at create. */
static void blowup_is_caught(void **state)
{
    (void)state;
    /* u' = k exp(1000 k u): inf in the first step after k = 1 (t = 3); metrics
     * every 1 min */
    static const char *const blowup =
        "regensim: 1\nname: b\ndomain: {size: [50, 40], dx: 10}\n"
        "time: {end: 10, dt: {diffusion: 0.5}, save_every: 2, metrics_every: 1}\n"
        "parameters: {k: 0}\n"
        "substrates:\n  ok: {initial: 1}\n"
        "  u: {initial: 1, reaction: \"k * exp(1000 * k * u)\"}\n"
        "interventions:\n  - {at: 3, set: {parameter: k, value: 1}}\n";
    rs_model *m = fix_load(blowup, NULL, 0);
    rs_sim *s = fix_sim(m);
    record r;
    memset(&r, 0, sizeof r);
    rs_sim_observer obs = {&r, on_snapshot, on_metrics, on_checkpoint, NULL};
    rs_error err;
    assert_int_equal(rs_sim_run(s, &obs, &err), RS_ENONFINITE);
    /* reported: metrics at 0, 1, 2, 3 and snapshots at 0, 2; stopped at
     * the metrics step t = 4 (u is inf after the steps from t = 3) */
    assert_int_equal(r.n[1], 4);
    assert_int_equal(r.n[0], 2);
    assert_true(rs_sim_time(s) == 4.0);
    assert_non_null(strstr(err.msg, "substrate 'u' is +inf at t = 4 min at voxel (0, 0, 0)"));
    assert_non_null(strstr(err.msg, "blew up"));
    rs_sim_destroy(s);
    rs_model_destroy(m);

    /* log of a negative value: NaN, found at its voxel */
    const char *nan_sets[] = {"substrates.u.reaction=log(x - 200)", "k=1"};
    m = fix_load(blowup, nan_sets, 2);
    s = fix_sim(m);
    assert_int_equal(rs_sim_run(s, NULL, &err), RS_ENONFINITE);
    assert_non_null(strstr(err.msg, "substrate 'u' is NaN at t = 1 min at voxel (0, 0, 0)"));
    rs_sim_destroy(s);
    rs_model_destroy(m);

    /* a non-finite initial value is refused before the run */
    const char *init_sets[] = {"substrates.u.initial=log(x - 200)"};
    m = fix_load(blowup, init_sets, 1);
    assert_int_equal(rs_sim_create(&s, m, &err), RS_EINVAL);
    assert_null(s);
    assert_non_null(strstr(err.msg, "substrate 'u' is NaN initially at voxel (0, 0, 0), centre "
                                    "(5, 5, 5) um"));
    rs_model_destroy(m);
}

static void bad_input_refused(void **state)
{
    (void)state;
    rs_sim *s = (rs_sim *)&s;
    rs_error err;
    assert_int_equal(rs_sim_create(&s, NULL, &err), RS_EINVAL);
    assert_null(s);
    assert_true(strstr(err.msg, "model") != NULL);
    rs_model *m = fix_load(logistic, NULL, 0);
    assert_int_equal(rs_sim_create(NULL, m, &err), RS_EINVAL);
    assert_int_equal(rs_sim_run(NULL, NULL, &err), RS_EINVAL);
    assert_int_equal(rs_sim_step(NULL, &err), RS_EINVAL);
    rs_sim_destroy(NULL);
    /* a spectral solver with a Dirichlet boundary is refused by the loader;
     * an unstable explicit dt too: the driver passes the solver's refusal on */
    rs_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(logistic_first_order),
        cmocka_unit_test(production_steady_state),
        cmocka_unit_test(reaction_substeps),
        cmocka_unit_test(clock_lands_on_times),
        cmocka_unit_test(progress_stops_run),
        cmocka_unit_test(source_adds_exact_mass),
        cmocka_unit_test(metrics_match_direct),
        cmocka_unit_test(initial_regions),
        cmocka_unit_test(two_threads_match_one_bitwise),
        cmocka_unit_test(restore_continues_bitwise),
        cmocka_unit_test(review_fixes),
        cmocka_unit_test(blowup_is_caught),
        cmocka_unit_test(bad_input_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

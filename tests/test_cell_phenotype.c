/* test_cell_phenotype.c: the cells' phenotype and contact interactions
 * (src/cells/phenotype.c, contact.c, src/sim/proc_cell_phenotype.c):
 *
 *   1. division at rate r: the mean population of a run against the exact
 *      expectation of its discrete-time branching process, N0 (2 -
 *      e^{-r h})^n, within 4 of its standard deviations (and against
 *      N0 e^{r t} within the O(r h) that discreteness explains); volume is
 *      conserved at division;
 *   2. death at rate d: the survivors are binomial with p = e^{-d t}
 *      exactly; each death leaves its deposit (integral = amount x deaths);
 *   3. a transition at rate k converts 1 - e^{-k t}, binomially, keeping
 *      ids, positions and the states of the same name;
 *   4. state ODEs by explicit Euler: s(n h) = s0 (1 - a h)^n exactly;
 *   5. contact exchange between two touching cells: one step moves
 *      k dt (s_j - s_i) both ways, the total is conserved, the difference
 *      decays as (1 - 2 k dt)^n; cells that do not touch exchange nothing;
 *   6. engulfment: a dead cell touching a live phagocyte of an engulfing
 *      type is cleared at a near-certain rate, one touching none stays,
 *      and one touching a phagocyte of a type that does not engulf it
 *      stays;
 *   7. motility factors: a speed_factor of 1 changes nothing, of 0 stops
 *      the cells; a chemotaxis_factor of 0 removes the drift;
 *   8. the same phenotype run is bitwise identical on 1 and 2 threads.
 * Statistical bounds are stated in standard deviations of the exact
 * distribution; every draw is keyed by a fixed seed, so a check gives
 * the same result on every run. Asserts are written `err <= tol`. */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <math.h>
#include <omp.h>
#include <stdio.h>

#include "sim_fixture.h"

/* The value of metric `name` of s now. */
static double metric(const rs_sim *s, const char *name)
{
    for (int i = 0; i < rs_sim_nmetrics(s); i++)
        if (strcmp(rs_sim_metric_name(s, i), name) == 0) return rs_sim_metric_values(s)[i];
    fail_msg("no metric %s", name);
    return NAN;
}

/* ---- 1. division ---------------------------------------------------------- */

static const char *const divide_model =
    "regensim: 1\nname: divide\n"
    "domain: {size: [4000, 4000], dx: 100}\n"
    "time: {end: 600, dt: {diffusion: 10, mechanics: 10, phenotype: 10}}\n"
    "seed: 11\n"
    "cell_types:\n"
    "  a: {radius: 2, cycle: \"0.001\", growth_time: 1e9, mechanics: {repulsion: 0.01, "
    "adhesion: 0}}\n"
    "initial: [{cells: a, count: 5000}]\n"
    "metrics: {n: \"count(a)\"}\n";

static void division_rate(void **state)
{
    (void)state;
    rs_model *m = fix_load(divide_model, NULL, 0);
    rs_sim *s = fix_sim(m);
    const rs_cells *c = rs_sim_cells(s);
    double v0 = 0;
    for (size_t i = 0; i < c->n; i++) v0 += c->volume[i];
    fix_run(s);
    /* Galton-Watson: each cell makes 1 or 2 per step, p = 1 - e^{-r h};
     * mean m = 1 + p, offspring variance p (1 - p); after n steps
     * Var Z_n = s2 m^{n-1} (m^n - 1) / (m - 1) per ancestor. */
    const double r = 0.001, h = 10, N0 = 5000;
    const int n = 60;
    const double p = -expm1(-r * h), mu = 1 + p, s2 = p * (1 - p);
    const double mean = N0 * pow(mu, n);
    const double sd = sqrt(N0 * s2 * pow(mu, n - 1) * (pow(mu, n) - 1) / (mu - 1));
    const double N = metric(s, "n");
    assert_true(fabs(N - mean) <= 4 * sd);
    /* The continuum N0 e^{r t} differs by N0 e^{rt} (1 - e^{-n (r h)^2 / 2 ...}):
     * about 0.3 % here (n (r h)^2 / 2 = 0.003); allow 4 sd plus 1 %. */
    assert_true(fabs(N - N0 * exp(r * 600)) <= 4 * sd + 0.01 * N0 * exp(r * 600));
    /* With regrowth switched off (growth_time 1e9 min) division conserves
     * the total volume to rounding. */
    double v1 = 0;
    for (size_t i = 0; i < c->n; i++) v1 += c->volume[i];
    assert_true(fabs(v1 - v0) <= 1e-6 * v0);
    rs_sim_destroy(s);
    rs_model_destroy(m);
}

/* ---- 2. death, with deposits --------------------------------------------- */

static const char *const death_model =
    "regensim: 1\nname: death\n"
    "domain: {size: [2000, 2000], dx: 100}\n"
    "time: {end: 300, dt: {diffusion: 5, mechanics: 5, phenotype: 5}}\n"
    "seed: 12\n"
    "substrates: {debris: {diffusion: 0}}\n"
    "cell_types:\n"
    "  a: {radius: 2, apoptosis: \"0.002\", death_deposit: {debris: 7.5}, "
    "mechanics: {repulsion: 0.01, adhesion: 0}}\n"
    "initial: [{cells: a, count: 4000}]\n"
    "metrics: {n: \"count(a)\", debris: \"integral(debris)\"}\n";

static void death_rate_and_deposit(void **state)
{
    (void)state;
    rs_model *m = fix_load(death_model, NULL, 0);
    rs_sim *s = fix_sim(m);
    fix_run(s);
    const double N0 = 4000, p = exp(-0.002 * 300); /* survival, exact at whole steps */
    const double N = metric(s, "n"), sd = sqrt(N0 * p * (1 - p));
    assert_true(fabs(N - N0 * p) <= 4 * sd);
    /* clearance_time 0: the dead are gone; each left 7.5 in debris. */
    assert_int_equal(rs_sim_cells(s)->n, (size_t)N);
    const double deaths = N0 - N, debris = metric(s, "debris");
    assert_true(fabs(debris - 7.5 * deaths) <= 1e-9 * 7.5 * N0);
    rs_sim_destroy(s);
    rs_model_destroy(m);
}

/* ---- 3. transitions ------------------------------------------------------ */

static const char *const transition_model =
    "regensim: 1\nname: transition\n"
    "domain: {size: [2000, 2000], dx: 100}\n"
    "time: {end: 400, dt: {diffusion: 4, mechanics: 4, phenotype: 4}}\n"
    "seed: 13\n"
    "cell_types:\n"
    "  opc: {radius: 2, transitions: {ol: \"0.003\"}, states: {load: {initial: 2.5}, "
    "mine: {initial: 1}}, mechanics: {repulsion: 0.01, adhesion: 0}}\n"
    "  ol: {radius: 2, fixed: true, states: {other: {initial: -4}, load: {initial: 9}}, "
    "mechanics: {repulsion: 0.01, adhesion: 0}}\n"
    "initial: [{cells: opc, count: 3000}]\n"
    "metrics: {opc: \"count(opc)\", ol: \"count(ol)\", ol_load: \"mean(ol.load)\", "
    "ol_other: \"mean(ol.other)\"}\n";

static void transition_rate(void **state)
{
    (void)state;
    rs_model *m = fix_load(transition_model, NULL, 0);
    rs_sim *s = fix_sim(m);
    fix_run(s);
    const double N0 = 3000, q = -expm1(-0.003 * 400);
    const double ol = metric(s, "ol"), sd = sqrt(N0 * q * (1 - q));
    assert_true(fabs(ol - N0 * q) <= 4 * sd);
    assert_true(metric(s, "opc") + ol == N0);
    /* `load` is kept by name; `other` starts at the new type's initial. */
    assert_true(fabs(metric(s, "ol_load") - 2.5) <= 1e-12);
    assert_true(fabs(metric(s, "ol_other") + 4) <= 1e-12);
    rs_sim_destroy(s);
    rs_model_destroy(m);
}

/* ---- 4. state ODEs ------------------------------------------------------- */

static const char *const state_model =
    "regensim: 1\nname: states\n"
    "domain: {size: [200, 200], dx: 10}\n"
    "time: {end: 100, dt: {diffusion: 1, mechanics: 1, phenotype: 2}}\n"
    "cell_types:\n"
    "  a: {radius: 2, states: {s: {initial: 3, rate: \"-0.05 * s\"}, "
    "u: {initial: 1, rate: \"0.5\"}}, mechanics: {repulsion: 0.01, adhesion: 0}}\n"
    "initial: [{cells: a, count: 3}]\n"
    "metrics: {s: \"mean(a.s)\", u: \"mean(a.u)\"}\n";

static void states_follow_euler(void **state)
{
    (void)state;
    rs_model *m = fix_load(state_model, NULL, 0);
    rs_sim *s = fix_sim(m);
    fix_run(s);
    /* phenotype steps at t = 0, 2, ..., 98: 50 Euler steps of h = 2 */
    const double want_s = 3 * pow(1 - 0.05 * 2, 50), want_u = 1 + 0.5 * 100;
    assert_true(fabs(metric(s, "s") - want_s) <= 1e-12 * want_s);
    assert_true(fabs(metric(s, "u") - want_u) <= 1e-12 * want_u);
    rs_sim_destroy(s);
    rs_model_destroy(m);
}

/* ---- 5. contact exchange ------------------------------------------------ */

static void exchange_between_touching_cells(void **state)
{
    (void)state;
    const double size[3] = {100, 100, 0};
    rs_cells *c = fix_cells(2, 1, 8);
    fix_cell_add(c, 0, 40, 50, 0, 5);  /* touches the next (d = 8 < 10) */
    fix_cell_add(c, 0, 48, 50, 0, 5);
    fix_cell_add(c, 0, 80, 50, 0, 5);  /* touches nobody */
    c->state[0][0] = 1;
    c->state[0][1] = 0;
    c->state[0][2] = 5;
    const int slot[1] = {0};
    const double rate[1] = {0.02};
    rs_cell_contact k = {.ntypes = 1, .nexchange = 1, .slot = slot, .rate = rate};
    rs_neighbour_bins *b = fix_bins(2, size, 10);
    const double dt = 5;
    for (int n = 1; n <= 20; n++) {
        rs_neighbour_bins_build(b, c);
        rs_cell_contact_step(c, b, &k, dt, 1, (uint64_t)n);
        const size_t i = rs_cells_find(c, 0), j = rs_cells_find(c, 1), l = rs_cells_find(c, 2);
        const double si = c->state[0][i], sj = c->state[0][j];
        assert_true(fabs(si + sj - 1) <= 1e-15);                         /* conserved */
        assert_true(fabs((si - sj) - pow(1 - 2 * 0.02 * dt, n)) <= 1e-14); /* decays */
        assert_true(c->state[0][l] == 5);                                /* untouched */
    }
    rs_neighbour_bins_destroy(b);
    rs_cells_destroy(c);
}

/* ---- 6. engulfment ------------------------------------------------------- */

static void engulfment_clears_touched_dead(void **state)
{
    (void)state;
    const double size[3] = {200, 200, 0};
    /* types: 0 neuron, 1 microglia (engulfs neurons), 2 astrocyte (does not) */
    rs_cells *c = fix_cells(2, 0, 16);
    fix_cell_add(c, 0, 20, 20, 0, 5);   /* id 0: dead, touched by microglia id 1 */
    fix_cell_add(c, 1, 27, 20, 0, 5);
    fix_cell_add(c, 0, 100, 100, 0, 5); /* id 2: dead, alone */
    fix_cell_add(c, 0, 150, 150, 0, 5); /* id 3: dead, touched by an astrocyte only */
    fix_cell_add(c, 2, 157, 150, 0, 5);
    fix_cell_add(c, 0, 20, 150, 0, 5);  /* id 5: alive, touched by microglia id 6 */
    fix_cell_add(c, 1, 27, 150, 0, 5);
    c->phase[0] = c->phase[2] = c->phase[3] = RS_CELL_APOPTOTIC;
    const double engulf[9] = {0, 0, 0, /* microglia engulf neurons: */ 1e3, 0, 0, 0, 0, 0};
    rs_cell_contact k = {.ntypes = 3, .engulf = engulf};
    rs_neighbour_bins *b = fix_bins(2, size, 10);
    rs_neighbour_bins_build(b, c);
    rs_cell_contact_step(c, b, &k, 1, 7, 1);
    assert_true(isinf(c->age[rs_cells_find(c, 0)]));
    assert_true(c->age[rs_cells_find(c, 2)] == 0);
    assert_true(c->age[rs_cells_find(c, 3)] == 0);
    assert_true(c->age[rs_cells_find(c, 5)] == 0);
    rs_neighbour_bins_destroy(b);
    rs_cells_destroy(c);
}

/* Through a run: dead neurons next to microglia are cleared, and the
 * count of cells falls by the deaths. */
static const char *const engulf_model =
    "regensim: 1\nname: engulf\n"
    "domain: {size: [400, 400], dx: 20}\n"
    "time: {end: 200, dt: {diffusion: 1, mechanics: 0.25, phenotype: 5}}\n"
    "seed: 14\n"
    "cell_types:\n"
    "  neuron: {radius: 6, fixed: true, apoptosis: \"0.01\", clearance_time: 1e6}\n"
    "  microglia: {radius: 5, fixed: true, contact: {engulfs: {neuron: 100}}}\n"
    "initial: [{cells: neuron, count: 300}, {cells: microglia, count: 300}]\n"
    "metrics: {alive: \"count(neuron)\"}\n";

static void engulfment_in_a_run(void **state)
{
    (void)state;
    rs_model *m = fix_load(engulf_model, NULL, 0);
    rs_sim *s = fix_sim(m);
    fix_run(s);
    const rs_cells *c = rs_sim_cells(s);
    size_t dead = 0, neurons = 0;
    for (size_t i = 0; i < c->n; i++) {
        dead += c->phase[i] != RS_CELL_ALIVE;
        neurons += c->type[i] == 0;
    }
    /* Some died (0.01/min over 200 min: most); the dead that stayed are
     * those no microglia touched, never more than the dead in all. */
    const double alive = metric(s, "alive");
    assert_true(alive < 300 && alive > 0);
    assert_true((double)neurons - alive == (double)dead);
    assert_true((double)dead < 300 - alive); /* some were engulfed */
    rs_sim_destroy(s);
    rs_model_destroy(m);
}

/* ---- motility factors ------------------------------------------------- */

static const char *const pace_model =
    "regensim: 1\nname: pace\n"
    "domain: {size: [600, 600], dx: 20}\n"
    "time: {end: 60, dt: {diffusion: 1, mechanics: 0.5, phenotype: 2}}\n"
    "seed: 16\n"
    "substrates: {c: {diffusion: 0, initial: \"x / 600\"}}\n"
    "cell_types:\n"
    "  a: {radius: 3, motility: {speed: 2, persistence: 3, chemotaxis: {c: 0.6}}, "
    "mechanics: {repulsion: 0, adhesion: 0}}\n"
    "initial: [{cells: a, count: 200, region: {box: {min: [100, 100], max: [500, 500]}}}]\n";

static const rs_cells *paced(const char *const *sets, int nsets, rs_sim **s, rs_model **m)
{
    *m = fix_load(pace_model, sets, nsets);
    *s = fix_sim(*m);
    fix_run(*s);
    return rs_sim_cells(*s);
}

/* A speed_factor of 1 (a rule that evaluates to 1) moves cells exactly as
 * none; 0 stops them; a chemotaxis_factor of 0 removes the drift up the
 * gradient (the walk alone), checked on the mean x displacement. */
static void motility_factors(void **state)
{
    (void)state;
    rs_sim *s0, *s1, *s2, *s3;
    rs_model *m0, *m1, *m2, *m3;
    const char *one[] = {"cell_types.a.motility.speed_factor=1 + 0 * c * age"};
    const char *zero[] = {"cell_types.a.motility.speed_factor=0 * c"};
    const char *nobias[] = {"cell_types.a.motility.chemotaxis_factor=0 * c"};
    const rs_cells *a = paced(NULL, 0, &s0, &m0), *b = paced(one, 1, &s1, &m1);
    const rs_cells *z = paced(zero, 1, &s2, &m2), *w = paced(nobias, 1, &s3, &m3);
    assert_int_equal(a->n, b->n);
    assert_memory_equal(a->x, b->x, a->n * sizeof(double));
    assert_memory_equal(a->y, b->y, a->n * sizeof(double));
    rs_sim *start = fix_sim(m0);
    const rs_cells *c0 = rs_sim_cells(start);
    double drift_a = 0, drift_w = 0;
    for (size_t i = 0; i < c0->n; i++) {
        const size_t k = rs_cells_find(z, c0->id[i]);
        assert_true(z->x[k] == c0->x[i] && z->y[k] == c0->y[i]);
        drift_a += a->x[rs_cells_find(a, c0->id[i])] - c0->x[i];
        drift_w += w->x[rs_cells_find(w, c0->id[i])] - c0->x[i];
    }
    drift_a /= (double)c0->n;
    drift_w /= (double)c0->n;
    /* with bias: 2 x 0.6 um/min x 60 min = 72 um up the gradient; without,
     * the walk's mean is 0 within its standard error (~ 2 x sqrt(2 x 3 x 60
     * / 2) / sqrt(200) ~ 2.7 um; 4 of those) */
    assert_true(fabs(drift_a - 72) <= 0.05 * 72);
    assert_true(fabs(drift_w) <= 11);
    rs_sim_destroy(start);
    rs_sim *all[4] = {s0, s1, s2, s3};
    rs_model *ms[4] = {m0, m1, m2, m3};
    for (int k = 0; k < 4; k++) {
        rs_sim_destroy(all[k]);
        rs_model_destroy(ms[k]);
    }
}

/* ---- the tutorial's promise -------------------------------------------- */

/* docs/cells.md says of models/tutorial/microglia_debris.yaml: within 6 h
 * 35 of the 36 microglia are at the injury and the debris has fallen from
 * 11200 to about 1400; by 18 h it is about 0; then they disperse. */
/* The metrics at 6 h and 18 h, as a run reports them. */
typedef struct tutorial_seen {
    double at6, debris6, debris18;
} tutorial_seen;

static rs_status tutorial_metrics(void *user, const rs_sim *s, rs_error *err)
{
    (void)err;
    tutorial_seen *seen = user;
    const double t = rs_sim_time(s);
    if (t == 360) {
        seen->at6 = metric(s, "microglia_at_injury");
        seen->debris6 = metric(s, "debris_left");
    }
    if (t == 1080) seen->debris18 = metric(s, "debris_left");
    return RS_OK;
}

static void tutorial_microglia_clear_debris(void **state)
{
    (void)state;
    rs_model *m = NULL;
    rs_errors errs;
    assert_int_equal(rs_model_load(&m, RS_SOURCE_DIR "/models/tutorial/microglia_debris.yaml",
                                   NULL, 0, &errs),
                     RS_OK);
    rs_sim *s = fix_sim(m);
    tutorial_seen seen = {-1, -1, -1};
    rs_sim_observer obs = {.user = &seen, .metrics = tutorial_metrics};
    rs_error err;
    assert_int_equal(rs_sim_run(s, &obs, &err), RS_OK);
    assert_true(seen.at6 >= 33);
    assert_true(seen.debris6 <= 2000 && seen.debris6 >= 500);
    assert_true(seen.debris18 >= 0 && seen.debris18 <= 1);
    assert_true(metric(s, "microglia_at_injury") <= 24); /* dispersed */
    rs_sim_destroy(s);
    rs_model_destroy(m);
}

/* ---- a blow-up ---------------------------------------------------------- */

/* A state that blows up stops the run (RS_ENONFINITE) at the next metrics
 * step, naming the cell, its type and the state. */
static const char *const blowup_model =
    "regensim: 1\nname: blow\n"
    "domain: {size: [100, 100], dx: 10}\n"
    "time: {end: 100, dt: {diffusion: 1, mechanics: 0.1, phenotype: 5}}\n"
    "cell_types:\n"
    "  a: {radius: 3, states: {load: {initial: 1, rate: \"load * load * 10\"}}}\n"
    "initial: [{cells: a, count: 5}]\n";

static rs_status no_metrics(void *user, const rs_sim *s, rs_error *err)
{
    (void)user, (void)s, (void)err;
    return RS_OK;
}

static void state_blowup_stops_the_run(void **state)
{
    (void)state;
    rs_model *m = fix_load(blowup_model, NULL, 0);
    rs_sim *s = fix_sim(m);
    rs_sim_observer obs = {.metrics = no_metrics};
    rs_error err;
    assert_int_equal(rs_sim_run(s, &obs, &err), RS_ENONFINITE);
    assert_non_null(strstr(err.msg, "(a) has state 'load' = +inf"));
    assert_false(rs_sim_finished(s));
    rs_sim_destroy(s);
    rs_model_destroy(m);
}

/* ---- 7. threads ---------------------------------------------------------- */

static const char *const busy_model =
    "regensim: 1\nname: busy\n"
    "domain: {size: [300, 300, 60], dx: 20}\n"
    "time: {end: 60, dt: {diffusion: 1, mechanics: 0.25, phenotype: 3}}\n"
    "seed: 15\n"
    "substrates: {debris: {diffusion: 50}}\n"
    "cell_types:\n"
    "  n: {radius: 5, cycle: \"0.01 * (neighbours < 4)\", apoptosis: \"0.004 + 0.1 * debris\", "
    "death_deposit: {debris: 30}, clearance_time: 10, transitions: {m: \"0.002 * age\"}, "
    "states: {load: {initial: 1, rate: \"0.01 * load\"}}, contact: {exchange: {load: 0.05}}, "
    "motility: {speed: 1, persistence: 3}}\n"
    "  m: {radius: 5, states: {load: {initial: 0}}, contact: {exchange: {load: 0.02}, "
    "engulfs: {n: 0.5}}, motility: {speed: 2, persistence: 2, chemotaxis: {debris: 0.5}}}\n"
    "initial: [{cells: n, count: 600}, {cells: m, count: 100}]\n";

static rs_sim *busy(int threads, rs_model *m)
{
    omp_set_num_threads(threads);
    rs_sim *s = fix_sim(m);
    fix_run(s);
    return s;
}

static void phenotype_threads_bitwise(void **state)
{
    (void)state;
    setenv("REGENSIM_MIN_WORK_PER_THREAD", "1", 1);
    omp_set_dynamic(0);
    rs_model *m = fix_load(busy_model, NULL, 0);
    rs_sim *a = busy(1, m), *b = busy(2, m);
    const rs_cells *x = rs_sim_cells(a), *y = rs_sim_cells(b);
    assert_true(x->n > 0);
    assert_int_equal(x->n, y->n);
    assert_memory_equal(x->id, y->id, x->n * sizeof *x->id);
    assert_memory_equal(x->type, y->type, x->n * sizeof *x->type);
    assert_memory_equal(x->x, y->x, x->n * sizeof *x->x);
    assert_memory_equal(x->y, y->y, x->n * sizeof *x->y);
    assert_memory_equal(x->z, y->z, x->n * sizeof *x->z);
    assert_memory_equal(x->state[0], y->state[0], x->n * sizeof(double));
    assert_memory_equal(x->volume, y->volume, x->n * sizeof(double));
    rs_sim_destroy(a);
    rs_sim_destroy(b);
    rs_model_destroy(m);
    unsetenv("REGENSIM_MIN_WORK_PER_THREAD");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(division_rate),
        cmocka_unit_test(death_rate_and_deposit),
        cmocka_unit_test(transition_rate),
        cmocka_unit_test(states_follow_euler),
        cmocka_unit_test(exchange_between_touching_cells),
        cmocka_unit_test(engulfment_clears_touched_dead),
        cmocka_unit_test(engulfment_in_a_run),
        cmocka_unit_test(motility_factors),
        cmocka_unit_test(tutorial_microglia_clear_debris),
        cmocka_unit_test(state_blowup_stops_the_run),
        cmocka_unit_test(phenotype_threads_bitwise),
    };
    const char *only = getenv("REGENSIM_TEST_FILTER");
    if (only && *only) cmocka_set_test_filter(only);
    return cmocka_run_group_tests(tests, NULL, NULL);
}

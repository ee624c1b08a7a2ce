/* test_cells.c: the cells (regensim/cells.h, src/cells) and the processes
 * that drive them in a run (src/sim/proc_cells.c, proc_cell_mechanics.c):
 *
 *   1. the persistent random walk's mean squared displacement against its
 *      exact discrete-time value (and the continuum formula), 2D and 3D,
 *      on the kernels and through whole runs (mechanics sub-steps and
 *      mechanics steps longer than the diffusion step);
 *   2. chemotaxis in a fixed linear gradient: drift v s up the gradient;
 *   3. pair mechanics: two cells relax to rs_cell_pair_equilibrium; a
 *      packed cluster at the stability limit of dt stays finite and
 *      relaxes; forces equal a brute-force sum over all pairs, also after
 *      a `set` lengthens the adhesion range mid-run; a `set` past the
 *      stability limit is refused;
 *   4. coupling: secretion balances mass exactly through whole runs with
 *      every solver; uptake follows its implicit closed form;
 *   5. bitwise determinism over 1, 2 and 4 threads, and over the storage
 *      order of the population;
 *   6. the pieces: neighbour bins, compaction, placement, removal,
 *      gradients, walls;
 *   7. cell metrics (count, mean of a state, in regions) against counts
 *      made by hand from the population.
 *
 * Statistical checks state their tolerance in standard errors estimated
 * from the sample itself; every draw is keyed by a fixed seed, so a check
 * gives the same result on every run (no retries, no flakiness). Every
 * assert on a computed number is written `err <= tol` so that a NaN fails
 * it. REGENSIM_TEST_FILTER=pattern runs only the matching tests. */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_fixture.h"

/* ---- helpers ------------------------------------------------------------ */

/* Places count cells of type in region (seed, key); fails the test on error. */
static void place(rs_cells *c, int type, double radius, size_t count, const rs_region *region,
                  const double size[3], uint64_t seed, uint64_t key)
{
    rs_cell_placement p = {.what = "test", .type = type, .radius = radius, .count = count,
                           .region = region, .size = {size[0], size[1], size[2]},
                           .seed = seed, .key = key};
    rs_error err;
    rs_status st = rs_cells_place(c, &p, &err);
    if (st != RS_OK) fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(st, RS_OK);
}

/* The velocity rs_cell_forces gives cells that do not interact (repulsion
 * and adhesion 0): zero. Set directly, so that thousands of cells started
 * at one point need no O(n^2) neighbour pass. */
static void zero_velocity(rs_cells *c)
{
    for (size_t i = 0; i < c->n; i++) c->vx[i] = c->vy[i] = c->vz[i] = 0;
}

/* Small populations (a pair, a few hundred cells) run on one thread: each
 * mechanics step opens a dozen parallel regions (bins, permutation,
 * forces, move), whose start-up under OMP_WAIT_POLICY=PASSIVE (as ctest
 * runs) costs far more than two cells' work. Threads are tested in (5). */
static void one_thread(void)
{
    omp_set_num_threads(1);
}

static void all_threads(void)
{
    omp_set_num_threads(omp_get_num_procs());
}

/* Sample mean and its standard error (sample standard deviation / sqrt n). */
typedef struct sample_stat {
    double mean, se;
} sample_stat;

static sample_stat sample(const double *v, size_t n)
{
    double m = 0, s = 0;
    for (size_t i = 0; i < n; i++) m += v[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++) s += (v[i] - m) * (v[i] - m);
    return (sample_stat){m, sqrt(s / (double)(n - 1) / (double)n)};
}

/* A random permutation of 0..n-1 (Fisher-Yates on the counter RNG). */
static uint32_t *random_perm(size_t n, uint64_t seed)
{
    uint32_t *p = malloc(n * sizeof *p);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++) p[i] = (uint32_t)i;
    rs_rng r;
    rs_rng_init(&r, seed, 99);
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(rs_rng_uniform(&r) * (double)i);
        if (j >= i) j = i - 1;
        uint32_t t = p[i - 1];
        p[i - 1] = p[j];
        p[j] = t;
    }
    return p;
}

/* ---- 1. persistent random walk ------------------------------------------ */

/* The exact mean squared displacement after n steps of h: the direction
 * u_k of step k is drawn at step 1 and renewed (uniformly, independently)
 * with probability 1 - q at each later step, q = exp(-h / tau), so
 * E[u_i . u_j] = q^|i-j| and E|h v sum_k u_k|^2 = v^2 h^2 [n + 2
 * sum_{k=1}^{n-1} (n - k) q^k]. */
static double msd_discrete(double v, double h, double tau, long n)
{
    const double q = exp(-h / tau);
    double s = 0, qk = 1;
    for (long k = 1; k < n; k++) {
        qk *= q;
        s += (double)(n - k) * qk;
    }
    return v * v * h * h * ((double)n + 2 * s);
}

/* The continuum limit (velocity autocorrelation v^2 exp(-|s| / tau)). */
static double msd_continuum(double v, double tau, double t)
{
    return 2 * v * v * tau * (t - tau * (1 - exp(-t / tau)));
}

/* 4000 non-interacting cells from the centre of a domain no cell can reach
 * the walls of (at most n h v = 30 um from the centre, 50 um to a wall).
 *
 * Tolerances. Against the exact discrete value: 4 standard errors of the
 * sample of squared displacements, plus 1e-12 relative for rounding (after
 * one step every cell is exactly v h away, so the standard error is 0).
 * Against the continuum 2 v^2 tau (t - tau (1 - e^{-t/tau})): the discrete
 * walk keeps its direction for whole steps, which makes the displacement
 * after one step exactly v h where the continuum has v^2 h^2 (1 - h/(3 tau)
 * + ...): the relative difference is at most h / (3 tau) (3.3% at h/tau =
 * 0.1, after one step), falling to 0.37% at t = tau and 0.095% at 15 tau
 * (O(h^2/tau^2) at long times). The check asserts that bound on the model
 * difference first, then the sample within 4 standard errors plus it. */
static void random_walk_msd(int dims)
{
    enum { N = 4000, STEPS = 150 };
    const double v = 2, tau = 1, h = 0.1, L = 100, mid = L / 2;
    const long checks[] = {1, 10, 40, 150};
    rs_cells *c = fix_cells(dims, 0, N);
    for (int i = 0; i < N; i++) fix_cell_add(c, 0, mid, mid, mid, 5);
    const rs_cell_mechanics mech = {0, 0, 1, 0};
    const rs_cell_motility mot = {.speed = v, .persistence = tau};
    const rs_grid g = {10, 10, dims == 3 ? 10 : 1, 10};
    const double size[3] = {L, L, dims == 3 ? L : 0};
    double *r2 = malloc(N * sizeof *r2);
    assert_non_null(r2);
    size_t next = 0;
    for (long n = 1; n <= STEPS; n++) {
        zero_velocity(c);
        rs_cell_motility_env env = {&g, NULL, 1000 + (uint64_t)dims, (uint64_t)n, h};
        rs_cell_motility_add(c, &mot, &mech, 1, &env);
        rs_cell_move(c, size, h);
        if (next < sizeof checks / sizeof *checks && n == checks[next]) {
            double far = 0;
            for (size_t i = 0; i < N; i++) {
                const double dx = c->x[i] - mid, dy = c->y[i] - mid,
                             dz = dims == 3 ? c->z[i] - mid : c->z[i];
                r2[i] = dx * dx + dy * dy + dz * dz;
                far = fmax(far, r2[i]);
            }
            assert_true(sqrt(far) <= (double)n * h * v * (1 + 1e-12)); /* no wall touched */
            const sample_stat st = sample(r2, N);
            const double exact = msd_discrete(v, h, tau, n),
                         cont = msd_continuum(v, tau, (double)n * h);
            const double model_diff = fabs(exact - cont) / exact;
            printf("walk %dD: t = %5.2f: msd %.5f, exact %.5f (%+.2f se), continuum %.5f "
                   "(%+.2f se; model difference %.3f%%)\n",
                   dims, (double)n * h, st.mean, exact,
                   st.se > 1e-9 * exact ? (st.mean - exact) / st.se : 0.0, cont,
                   st.se > 1e-9 * exact ? (st.mean - cont) / st.se : 0.0, 100 * model_diff);
            assert_true(fabs(st.mean - exact) <= 4 * st.se + 1e-12 * exact);
            assert_true(model_diff <= h / (3 * tau));
            assert_true(fabs(st.mean - cont) <= 4 * st.se + h / (3 * tau) * exact);
            next++;
        }
    }
    assert_int_equal(next, sizeof checks / sizeof *checks);
    /* 2D stays in the plane */
    for (size_t i = 0; dims == 2 && i < N; i++) assert_true(c->z[i] == 0 && c->uz[i] == 0);
    free(r2);
    rs_cells_destroy(c);
}

static void random_walk_msd_2d(void **state)
{
    (void)state;
    random_walk_msd(2);
}

static void random_walk_msd_3d(void **state)
{
    (void)state;
    random_walk_msd(3);
}

/* The same walk through whole runs, as the cell_mechanics process
 * schedules it: dt.mechanics 0.05 on dt.diffusion 0.1 (two sub-steps per
 * diffusion step) and 0.3 (one step every third diffusion step). 3000
 * cells that do not interact (repulsion and adhesion 0) start uniformly in
 * the middle of a large 2D domain, at least 500 um from the walls, and
 * walk at most v t = 12 um. The mean squared displacement from each cell's
 * start (by id) after t = 6 min matches the exact discrete value for the
 * scheduled step h = rs_model_mechanics_dt and n = t / h within 4
 * standard errors: a counter of draws reused between sub-steps, or a step
 * of the wrong length, would not. */
static const char *const walk_model =
    "regensim: 1\n"
    "name: walk\n"
    "domain: {size: [2000, 2000], dx: 50}\n"
    "time: {end: 6, dt: {diffusion: 0.1, mechanics: 0.05}}\n"
    "seed: 31\n"
    "substrates:\n"
    "  u: {}\n"
    "cell_types:\n"
    "  w: {radius: 5, motility: {speed: 2, persistence: 1.5},\n"
    "      mechanics: {repulsion: 0, adhesion: 0}}\n"
    "initial:\n"
    "  - {cells: w, count: 3000, region: {box: {min: [500, 500], max: [1500, 1500]}}}\n";

static void random_walk_through_runs(void **state)
{
    (void)state;
    const char *dts[2] = {"time.dt.mechanics=0.05", "time.dt.mechanics=0.3"};
    const double want_h[2] = {0.05, 0.3};
    const int want_sub[2] = {2, 1};
    for (int k = 0; k < 2; k++) {
        const char *sets[1] = {dts[k]};
        rs_model *m = fix_load(walk_model, sets, 1);
        int sub;
        const double h = rs_model_mechanics_dt(m, &sub);
        assert_true(fabs(h - want_h[k]) <= 1e-15 && sub == want_sub[k]);
        rs_sim *s = fix_sim(m);
        const rs_cells *c = rs_sim_cells(s);
        const size_t n = c->n;
        assert_int_equal(n, 3000);
        double *x0 = malloc(n * sizeof *x0), *y0 = malloc(n * sizeof *y0),
               *r2 = malloc(n * sizeof *r2);
        assert_true(x0 && y0 && r2);
        for (size_t i = 0; i < n; i++) {
            assert_true(c->id[i] == i); /* placement order */
            x0[i] = c->x[i];
            y0[i] = c->y[i];
        }
        fix_run(s);
        c = rs_sim_cells(s);
        assert_int_equal(c->n, n);
        for (size_t i = 0; i < n; i++) {
            const double dx = c->x[i] - x0[c->id[i]], dy = c->y[i] - y0[c->id[i]];
            r2[i] = dx * dx + dy * dy;
        }
        const long steps = lround(rs_sim_time(s) / h);
        const sample_stat st = sample(r2, n);
        const double exact = msd_discrete(2, h, 1.5, steps);
        printf("walk through a run, dt.mechanics %g: %ld steps, msd %.4f, exact %.4f "
               "(%+.2f se)\n", h, steps, st.mean, exact, (st.mean - exact) / st.se);
        assert_true(fabs(st.mean - exact) <= 4 * st.se);
        free(x0);
        free(y0);
        free(r2);
        rs_sim_destroy(s);
        rs_model_destroy(m);
    }
}

/* ---- 2. chemotaxis ------------------------------------------------------ */

/* 4000 cells from the centre of a 400 um grid with c = a x at the voxel
 * centres, sensitivity s: the central-difference gradient is (a, 0, 0) at
 * every voxel they reach (they stay within v T = 20 um of the centre, far
 * from the faces), so each moves at v ((1 - |s|) u + s e_x): the mean drift
 * velocity is v s along x and 0 along y and z. Tolerance: 4 standard
 * errors of the sample of per-cell mean velocities, per axis. */
static void chemotaxis_drift(int dims, double s)
{
    enum { N = 4000, STEPS = 100 };
    const double v = 2, tau = 1, h = 0.1, a = 0.01, T = STEPS * h;
    const rs_grid g = {40, 40, dims == 3 ? 40 : 1, 10};
    const double L = 400, mid = L / 2, size[3] = {L, L, dims == 3 ? L : 0};
    const size_t nvox = rs_grid_voxels(&g);
    double *f = malloc(nvox * sizeof *f), *vel = malloc(N * sizeof *vel);
    assert_non_null(f);
    assert_non_null(vel);
    for (size_t k = 0; k < nvox; k++) f[k] = a * rs_grid_centre(&g, (int)(k % (size_t)g.nx));
    const double *fields[1] = {f};
    const int substrate = 0;
    const rs_cell_mechanics mech = {0, 0, 1, 0};
    const rs_cell_motility mot = {.speed = v, .persistence = tau, .nchemotaxis = 1,
                                  .substrate = &substrate, .sensitivity = &s};
    rs_cells *c = fix_cells(dims, 0, N);
    for (int i = 0; i < N; i++) fix_cell_add(c, 0, mid, mid, mid, 5);
    for (long n = 0; n < STEPS; n++) {
        zero_velocity(c);
        /* a seed per case: the three samples are independent */
        const uint64_t seed = 70 + 10 * (uint64_t)dims + (s < 0);
        rs_cell_motility_env env = {&g, fields, seed, (uint64_t)n, h};
        rs_cell_motility_add(c, &mot, &mech, 1, &env);
        rs_cell_move(c, size, h);
    }
    const double *pos[3] = {c->x, c->y, c->z};
    for (int d = 0; d < dims; d++) {
        for (size_t i = 0; i < N; i++) vel[i] = (pos[d][i] - mid) / T;
        const sample_stat st = sample(vel, N);
        const double want = d == 0 ? v * s : 0;
        printf("chemotaxis %dD s = %+.2f: drift along %c %+.5f um/min, expected %+.5f "
               "(%+.2f se, se %.5f)\n",
               dims, s, "xyz"[d], st.mean, want, (st.mean - want) / st.se, st.se);
        assert_true(fabs(st.mean - want) <= 4 * st.se);
    }
    free(f);
    free(vel);
    rs_cells_destroy(c);
}

static void chemotaxis_linear_gradient(void **state)
{
    (void)state;
    chemotaxis_drift(2, 0.4);
    chemotaxis_drift(3, 0.4);
    chemotaxis_drift(3, -0.7);
}

/* ---- 3. mechanics ------------------------------------------------------- */

/* One mechanics step as the cell_mechanics process takes it, without
 * motility: bins, forces, move. */
static void mechanics_step(rs_cells *c, rs_neighbour_bins *b, const rs_cell_mechanics *types,
                           int ntypes, const double size[3], double h)
{
    rs_neighbour_bins_build(b, c);
    rs_cell_forces(c, b, types, ntypes);
    rs_cell_move(c, size, h);
}

/* The distance between the cells of ids 0 and 1, and their midpoint. */
static double pair_distance(const rs_cells *c, double mid[3])
{
    const size_t i = rs_cells_find(c, 0), j = rs_cells_find(c, 1);
    assert_true(i != (size_t)-1 && j != (size_t)-1);
    const double dx = c->x[i] - c->x[j], dy = c->y[i] - c->y[j], dz = c->z[i] - c->z[j];
    if (mid) {
        mid[0] = (c->x[i] + c->x[j]) / 2;
        mid[1] = (c->y[i] + c->y[j]) / 2;
        mid[2] = (c->z[i] + c->z[j]) / 2;
    }
    return sqrt(dx * dx + dy * dy + dz * dz);
}

/* Two cells of two types (radii 5 and 3, different constants) started at
 * distances d0 along (1, 2, 2)/3: coincident, overlapping, and beyond
 * contact within adhesion reach. With adhesion the pair speed crosses zero
 * with a non-zero slope at d*, so Euler at dt = 0.5 r_min / c_r converges
 * geometrically (about 4% per step here, so some 400 steps from 3 um to
 * 1e-6 um). From beyond contact the start is slow: adhesion has a double
 * zero at A, so a pair at A - e0 first closes in algebraically, taking
 * about A^2 / (2 c_a e0) = 175 min (1170 steps) from 10.2 um. After 800
 * steps (2500 from 10.2 um) |d - d*| <= 1e-6 um (the tolerance asked; in
 * fact it reaches rounding). Each cell moves by the same pair speed, opposite ways: the
 * midpoint stays within 1e-9 um (rounding of positions near 50 um). */
static void pair_relaxes_with_adhesion(void **state)
{
    (void)state;
    const rs_cell_mechanics types[2] = {{10, 0.4, 1.25, 0}, {6, 0.9, 1.5, 0}};
    const double radii[2] = {5, 3}, L = 100, size[3] = {L, L, L};
    const double h = 0.5 * 3 / 10; /* the stability limit: 0.5 r_min / max repulsion */
    double cr, ca;
    rs_cell_pair_constants(&types[0], &types[1], &cr, &ca);
    assert_true(fabs(cr - sqrt(60.0)) <= 1e-15 * cr && fabs(ca - 0.6) <= 1e-15);
    const double R = 8, A = 1.25 * 5 + 1.5 * 3;
    const double dstar = rs_cell_pair_equilibrium(R, A, cr, ca);
    assert_true(dstar > 0 && dstar < R);
    /* the pair speed's zero (1e-12 of c_r: rounding of the closed form) */
    assert_true(fabs(rs_cell_pair_speed(dstar, R, A, cr, ca)) <= 1e-12 * cr);
    one_thread();
    rs_neighbour_bins *b = fix_bins(3, size, rs_cell_mechanics_reach(types, radii, 2));
    const double d0s[] = {0, 3, 7.9, 10.2};
    const int steps[] = {800, 800, 800, 2500};
    for (size_t k = 0; k < sizeof d0s / sizeof *d0s; k++) {
        rs_cells *c = fix_cells(3, 0, 2);
        const double d0 = d0s[k];
        fix_cell_add(c, 0, 50, 50, 50, 5);
        fix_cell_add(c, 1, 50 + d0 / 3, 50 + 2 * d0 / 3, 50 + 2 * d0 / 3, 3);
        double mid0[3], mid[3];
        pair_distance(c, mid0);
        for (int n = 0; n < steps[k]; n++) mechanics_step(c, b, types, 2, size, h);
        const double d = pair_distance(c, mid);
        printf("pair with adhesion from d0 = %4.1f: d = %.12f, d* = %.12f (|d - d*| = %.1e)\n",
               d0, d, dstar, fabs(d - dstar));
        assert_true(fabs(d - dstar) <= 1e-6);
        for (int a = 0; a < 3; a++) assert_true(fabs(mid[a] - mid0[a]) <= 1e-9);
        assert_true(c->neighbours[0] == 1 && c->neighbours[1] == 1); /* they touch (d* < R) */
        rs_cells_destroy(c);
    }
    rs_neighbour_bins_destroy(b);
    all_threads();
}

/* Without adhesion d* = R (contact), but the repulsion (1 - d/R)^2 has a
 * double zero there: the gap e = R - d closes algebraically, e_{n+1} = e_n -
 * 2 h c_r (e_n / R)^2, e_n ~ R^2 / (2 h c_r n), so |d - d*| <= 1e-6 um needs
 * about 2e7 steps here (computed below), too many for a unit test. What is
 * checked instead: the kernels follow that exact recurrence step by step
 * (to 1e-10 um: rounding of positions near 50 um, which the contracting map
 * does not amplify), the gap shrinks monotonically and never overshoots
 * contact, and after 1000 steps it is below the bound 1 / (1/e_0 + 2 h c_r
 * n / R^2) that the recurrence implies; the recurrence itself reaches 1e-6. */
static void pair_relaxes_without_adhesion(void **state)
{
    (void)state;
    const rs_cell_mechanics types[2] = {{10, 0, 1.25, 0}, {6, 0, 1.5, 0}};
    const double radii[2] = {5, 3}, L = 100, size[3] = {L, L, L}, h = 0.15;
    double cr, ca;
    rs_cell_pair_constants(&types[0], &types[1], &cr, &ca);
    const double R = 8, A = 1.25 * 5 + 1.5 * 3;
    assert_true(rs_cell_pair_equilibrium(R, A, cr, ca) == R);
    one_thread();
    rs_neighbour_bins *b = fix_bins(3, size, rs_cell_mechanics_reach(types, radii, 2));
    rs_cells *c = fix_cells(3, 0, 2);
    const double d0 = 3;
    fix_cell_add(c, 0, 50, 50, 50, 5);
    fix_cell_add(c, 1, 50 + d0 / 3, 50 + 2 * d0 / 3, 50 + 2 * d0 / 3, 3);
    double d = d0, rec = d0, worst = 0;
    enum { STEPS = 1000 };
    for (int n = 0; n < STEPS; n++) {
        mechanics_step(c, b, types, 2, size, h);
        const double q = 1 - rec / R;
        rec += 2 * h * cr * q * q;
        const double dn = pair_distance(c, NULL);
        worst = fmax(worst, fabs(dn - rec));
        assert_true(dn >= d && dn <= R); /* monotone, no overshoot */
        d = dn;
    }
    const double a = 2 * h * cr / (R * R), e0 = R - d0;
    const double bound = 1 / (1 / e0 + a * STEPS);
    /* how many steps the recurrence takes to within 1e-6 um */
    double e = R - rec;
    long more = 0;
    while (e > 1e-6) {
        e -= a * e * e;
        more++;
    }
    printf("pair without adhesion: after %d steps R - d = %.3e (bound %.3e), kernel vs "
           "recurrence %.1e um; the recurrence is within 1e-6 um after %ld more steps\n",
           STEPS, R - d, bound, worst, more);
    assert_true(worst <= 1e-10);
    assert_true(R - d <= bound * (1 + 1e-9));
    rs_cells_destroy(c);
    rs_neighbour_bins_destroy(b);
    all_threads();
}

/* Per cell: how many cells touch it (d < r_i + r_j) and how many more lie
 * within adhesion reach (d < a (r_i + r_j)), by brute force (O(n^2): small
 * n); returns the total overlap, the sum over pairs of r_i + r_j - d. */
static double contacts(const rs_cells *c, double a, int *touch, int *near)
{
    double sum = 0;
    memset(touch, 0, c->n * sizeof *touch);
    memset(near, 0, c->n * sizeof *near);
    for (size_t i = 0; i < c->n; i++)
        for (size_t j = i + 1; j < c->n; j++) {
            const double dx = c->x[i] - c->x[j], dy = c->y[i] - c->y[j],
                         dz = c->z[i] - c->z[j], R = c->radius[i] + c->radius[j];
            const double d2 = dx * dx + dy * dy + dz * dz;
            if (d2 < R * R) {
                sum += R - sqrt(d2);
                touch[i]++;
                touch[j]++;
            } else if (d2 < a * a * R * R) {
                near[i]++;
                near[j]++;
            }
        }
    return sum;
}

static const char *const packed_model =
    "regensim: 1\n"
    "name: packed\n"
    "domain: {size: [200, 200, 200], dx: 20}\n"
    "time: {end: 1, dt: {diffusion: 0.25, mechanics: 0.25}}\n"
    "cell_types:\n"
    "  c: {radius: 5, mechanics: {repulsion: 10, adhesion: 0.4, adhesion_range: 1.25}}\n";

/* 500 cells of radius 5 dropped uniformly in a sphere of radius rs, stepped
 * at dt exactly rs_model_mechanics_dt_limit (0.5 r_min / c_r = 0.25 min, a
 * dt.mechanics the loader accepts). After every step: all positions are
 * finite; each cell moved at most h (c_r k_touch + c_a k_near) (each
 * touching neighbour pushes at most c_r, each other one within adhesion
 * reach pulls at most c_a; 1e-9 relative for rounding); the total overlap
 * never rose. Returns the largest step in radii; *ratio is the final total
 * overlap over the first. */
static double packed_cluster(double rs, int steps, double *ratio)
{
    rs_model *m = fix_load(packed_model, NULL, 0);
    const double h = rs_model_mechanics_dt_limit(m);
    assert_true(h == 0.5 * 5 / 10);
    int sub;
    assert_true(rs_model_mechanics_dt(m, &sub) == h && sub == 1);
    rs_model_destroy(m);
    const double cr = 10, ca = 0.4, a = 1.25;
    const rs_cell_mechanics types[1] = {{cr, ca, a, 0}};
    const double radii[1] = {5}, size[3] = {200, 200, 200};
    rs_region sphere = {.kind = RS_REGION_SPHERE, .ncoords = 3, .center = {100, 100, 100},
                        .radius = rs};
    one_thread();
    rs_cells *c = fix_cells(3, 0, 500);
    place(c, 0, 5, 500, &sphere, size, 3, 1);
    rs_neighbour_bins *b = fix_bins(3, size, rs_cell_mechanics_reach(types, radii, 1));
    double *ox = malloc(c->n * 3 * sizeof *ox);
    int *touch = malloc(c->n * sizeof *touch), *near = malloc(c->n * sizeof *near);
    assert_true(ox && touch && near);
    double first = -1, last = INFINITY, maxstep = 0;
    for (int n = 1; n <= steps; n++) {
        rs_neighbour_bins_build(b, c);
        const double o = contacts(c, a, touch, near);
        if (first < 0) first = o;
        if (!(o <= last)) fail_msg("step %d: total overlap rose from %g to %g", n, last, o);
        last = o;
        for (size_t i = 0; i < c->n; i++) {
            ox[3 * i] = c->x[i];
            ox[3 * i + 1] = c->y[i];
            ox[3 * i + 2] = c->z[i];
        }
        rs_cell_forces(c, b, types, 1);
        rs_cell_move(c, size, h);
        for (size_t i = 0; i < c->n; i++) {
            assert_true(isfinite(c->x[i]) && isfinite(c->y[i]) && isfinite(c->z[i]));
            assert_true(c->neighbours[i] == touch[i]);
            const double dx = c->x[i] - ox[3 * i], dy = c->y[i] - ox[3 * i + 1],
                         dz = c->z[i] - ox[3 * i + 2];
            const double step = sqrt(dx * dx + dy * dy + dz * dz);
            const double bound = h * (cr * touch[i] + ca * near[i]);
            maxstep = fmax(maxstep, step / c->radius[i]);
            if (!(step <= bound * (1 + 1e-9)))
                fail_msg("step %d: cell %llu moved %g um, more than %g (%d touching, %d near)",
                         n, (unsigned long long)c->id[i], step, bound, touch[i], near[i]);
        }
    }
    *ratio = contacts(c, a, touch, near) / first;
    printf("packed cluster in a sphere of %g um: total overlap %.1f -> %.1f um over %d steps, "
           "largest step %.3f radii\n", rs, first, first * *ratio, steps, maxstep);
    free(ox);
    free(touch);
    free(near);
    rs_neighbour_bins_destroy(b);
    rs_cells_destroy(c);
    all_threads();
    return maxstep;
}

/* In a sphere of 35 um the cells' volumes add up to 1.46 times the
 * sphere's: heavy overlaps. No step moves a cell more than its radius (the
 * largest is 0.8 radii) and the total overlap falls by at least half in 200
 * steps.
 *
 * In a sphere of 20 um (7.8 times) the first steps move some cells more
 * than a radius (1.65 at the first): the limit 0.5 r_min / c_r bounds a
 * pair's push to r/2 per step, and k neighbours pushing one way move a cell
 * up to k r / 2. That is a large step, not an instability: the overlap
 * still falls at every step (below a tenth in 100 steps) and every step
 * stays within the bound above. */
static void packed_cluster_relaxes(void **state)
{
    (void)state;
    double ratio;
    assert_true(packed_cluster(35, 200, &ratio) <= 1);
    assert_true(ratio <= 0.5);
    const double dense = packed_cluster(20, 100, &ratio);
    assert_true(dense <= 2);
    assert_true(ratio <= 0.1);
}

/* The pair velocities of every cell by brute force over all pairs closer
 * than cut (no bins), into v (3 n), the touching counts into touch, and per cell the sum
 * of the pair speeds' magnitudes (the scale of the rounding) into scale. */
static void brute_forces(const rs_cells *c, const rs_cell_mechanics *types, double cut,
                         double *v, int *touch, double *scale)
{
    for (size_t i = 0; i < c->n; i++) {
        double acc[3] = {0, 0, 0}, sc = 0;
        int k = 0;
        const int ti = c->type[i];
        for (size_t j = 0; j < c->n; j++) {
            if (j == i) continue;
            const int tj = c->type[j];
            double cr, ca;
            rs_cell_pair_constants(&types[ti], &types[tj], &cr, &ca);
            const double R = c->radius[i] + c->radius[j],
                         A = types[ti].adhesion_range * c->radius[i] +
                             types[tj].adhesion_range * c->radius[j];
            const double dx = c->x[i] - c->x[j], dy = c->y[i] - c->y[j], dz = c->z[i] - c->z[j];
            const double d = sqrt(dx * dx + dy * dy + dz * dz);
            assert_true(d > 0);
            if (!(d < cut)) continue;
            if (d < R) k++;
            const double sp = rs_cell_pair_speed(d, R, A, cr, ca);
            acc[0] += sp * dx / d;
            acc[1] += sp * dy / d;
            acc[2] += sp * dz / d;
            sc += fabs(sp);
        }
        const int still = types[ti].fixed || c->phase[i] != RS_CELL_ALIVE;
        for (int a = 0; a < 3; a++) v[3 * i + a] = still || (a == 2 && c->dims == 2) ? 0 : acc[a];
        touch[i] = k;
        scale[i] = sc;
    }
}

/* Compares the kernel's velocities and neighbour counts with brute_forces
 * at the cells' positions: within 1e-12 of the sum of the pair speeds'
 * magnitudes plus 1e-13 um/min absolute (the two sum the same terms in
 * different orders). */
static void same_as_brute(const rs_cells *c, const rs_cell_mechanics *types, const char *what)
{
    double *v = malloc(3 * c->n * sizeof *v), *scale = malloc(c->n * sizeof *scale);
    int *touch = malloc(c->n * sizeof *touch);
    assert_true(v && scale && touch);
    brute_forces(c, types, INFINITY, v, touch, scale);
    double worst = 0;
    for (size_t i = 0; i < c->n; i++) {
        const double got[3] = {c->vx[i], c->vy[i], c->vz[i]};
        for (int a = 0; a < 3; a++) {
            const double e = fabs(got[a] - v[3 * i + a]);
            worst = fmax(worst, e);
            if (!(e <= 1e-12 * scale[i] + 1e-13))
                fail_msg("%s: cell %llu: velocity %c %.17g, brute force %.17g", what,
                         (unsigned long long)c->id[i], "xyz"[a], got[a], v[3 * i + a]);
        }
        if (c->neighbours[i] != touch[i])
            fail_msg("%s: cell %llu: %g neighbours, brute force %d", what,
                     (unsigned long long)c->id[i], c->neighbours[i], touch[i]);
    }
    printf("%s: velocities within %.1e um/min of brute force\n", what, worst);
    free(v);
    free(scale);
    free(touch);
}

/* rs_cell_forces against a sum over all pairs, for three types of
 * different radii, adhesion ranges and constants (one fixed), a dead cell
 * among them, 1500 cells packed densely enough that every cell has
 * neighbours in several bins; 2D and 3D. A pair the bins missed would be
 * off by at least c_a (1 - d/A)^2, far above the tolerance of
 * same_as_brute. */
static void forces_match_brute_force(void **state)
{
    (void)state;
    const rs_cell_mechanics types[3] = {{10, 0.4, 1.25, 0}, {6, 1.2, 1.6, 0}, {14, 0, 1, 1}};
    const double radii[3] = {5, 3, 7};
    for (int dims = 2; dims <= 3; dims++) {
        const double size[3] = {dims == 3 ? 100 : 400, dims == 3 ? 90 : 350, dims == 3 ? 80 : 0};
        rs_cells *c = fix_cells(dims, 0, 0);
        const rs_region all = {.kind = RS_REGION_ALL};
        for (int t = 0; t < 3; t++) place(c, t, radii[t], 500, &all, size, 40 + dims, (uint64_t)t);
        c->phase[7] = RS_CELL_NECROTIC;
        rs_neighbour_bins *b = fix_bins(dims, size, rs_cell_mechanics_reach(types, radii, 3));
        rs_neighbour_bins_build(b, c);
        rs_cell_forces(c, b, types, 3);
        same_as_brute(c, types, dims == 2 ? "forces 2D" : "forces 3D");
        rs_neighbour_bins_destroy(b);
        rs_cells_destroy(c);
    }
}

/* A `set` that lengthens the adhesion range (ar 1.25 -> 3: reach 12.5 ->
 * 30 um) mid-run: the cell_mechanics process must widen its bins, or pairs
 * two bins apart are missed. With no motility the velocities left by the
 * last mechanics step are its forces, at positions x - h v (one rounding
 * away from the ones it used): they must be the brute-force ones there (the
 * tolerance of same_as_brute plus the position's rounding, so 1e-9). */
static const char *const widen_model =
    "regensim: 1\n"
    "name: widen\n"
    "domain: {size: [300, 300], dx: 10}\n"
    "time: {end: 0.6, dt: {diffusion: 0.1, mechanics: 0.1}}\n"
    "seed: 2\n"
    "parameters: {ar: 1.25, ca: 1}\n"
    "substrates:\n"
    "  u: {}\n"
    "cell_types:\n"
    "  c: {radius: 5, mechanics: {repulsion: 10, adhesion: \"ca\", adhesion_range: \"ar\"}}\n"
    "initial:\n"
    "  - {cells: c, count: 300, region: {disk: {center: [150, 150], radius: 80}}}\n"
    "interventions:\n"
    "  - {at: 0.3, set: {parameter: ar, value: 3}}\n";

static void set_widens_the_bins(void **state)
{
    (void)state;
    rs_model *m = fix_load(widen_model, NULL, 0);
    rs_sim *s = fix_sim(m);
    fix_run(s);
    const rs_cells *c = rs_sim_cells(s);
    rs_cells *back = fix_cells(2, 0, c->n);
    const double h = 0.1;
    for (size_t i = 0; i < c->n; i++) {
        assert_true(c->x[i] > 30 && c->x[i] < 270 && c->y[i] > 30 && c->y[i] < 270);
        fix_cell_add(back, 0, c->x[i] - h * c->vx[i], c->y[i] - h * c->vy[i], 0, 5);
        back->vx[i] = c->vx[i];
        back->vy[i] = c->vy[i];
        back->vz[i] = 0;
        back->neighbours[i] = c->neighbours[i];
    }
    const rs_cell_mechanics types[1] = {{10, 1, 3, 0}};
    double *v = malloc(3 * c->n * sizeof *v), *scale = malloc(c->n * sizeof *scale);
    int *touch = malloc(c->n * sizeof *touch);
    assert_true(v && scale && touch);
    brute_forces(back, types, INFINITY, v, touch, scale);
    double worst = 0, far = 0;
    for (size_t i = 0; i < c->n; i++) {
        worst = fmax(worst, fmax(fabs(v[3 * i] - c->vx[i]), fabs(v[3 * i + 1] - c->vy[i])));
        assert_true(back->neighbours[i] == touch[i]);
    }
    /* the pairs beyond the old reach (12.5 um) matter: they move cells visibly */
    double *v_old = malloc(3 * c->n * sizeof *v_old);
    assert_non_null(v_old);
    brute_forces(back, types, 12.5, v_old, touch, scale);
    for (size_t i = 0; i < c->n; i++) far = fmax(far, fabs(v_old[3 * i] - v[3 * i]));
    printf("set adhesion_range 1.25 -> 3: velocities within %.1e um/min of brute force "
           "(pairs beyond the old reach change some by %.2f um/min)\n", worst, far);
    assert_true(worst <= 1e-9);
    assert_true(far >= 0.01);
    free(v);
    free(v_old);
    free(scale);
    free(touch);
    rs_cells_destroy(back);
    rs_sim_destroy(s);
    rs_model_destroy(m);
}

/* A `set` that raises a repulsion past the stability limit of the
 * mechanics step (0.5 r_min / c_r, which the loader checks only for the
 * values at load) stops the run at that step with RS_EINVAL naming the
 * limit, instead of flinging cells across the domain (repulsion 10 -> 1000
 * makes dt.mechanics 0.1 forty times the limit 0.0025: cells jumped 90 um
 * in one step); a `set` within the limit (10 -> 20: limit 0.125) runs. */
static const char *const set_repulsion_model =
    "regensim: 1\n"
    "name: setrep\n"
    "domain: {size: [300, 300], dx: 10}\n"
    "time: {end: 1, dt: {diffusion: 0.1, mechanics: 0.1}}\n"
    "parameters: {rep: 10}\n"
    "substrates:\n"
    "  u: {}\n"
    "cell_types:\n"
    "  c: {radius: 5, mechanics: {repulsion: \"rep\", adhesion: 0}}\n"
    "initial:\n"
    "  - {cells: c, count: 400, region: {disk: {center: [150, 150], radius: 40}}}\n"
    "interventions:\n"
    "  - {at: 0.3, set: {parameter: rep, value: 1000}}\n";

static void set_beyond_the_stability_limit_is_refused(void **state)
{
    (void)state;
    const char *sets[1] = {"interventions[0].set.value=1000"};
    for (int k = 0; k < 2; k++) {
        if (k == 1) sets[0] = "interventions[0].set.value=20";
        rs_model *m = fix_load(set_repulsion_model, sets, 1);
        rs_sim *s = fix_sim(m);
        rs_error err;
        rs_status st = rs_sim_run(s, NULL, &err);
        if (k == 0) {
            printf("set repulsion 1000: %s\n", st == RS_OK ? "ran" : err.msg);
            assert_int_equal(st, RS_EINVAL);
            assert_non_null(strstr(err.msg, "stability limit"));
            assert_true(rs_sim_steps(s) == 3);
        } else {
            assert_int_equal(st, RS_OK);
            assert_true(rs_sim_finished(s));
        }
        rs_sim_destroy(s);
        rs_model_destroy(m);
    }
}

/* ---- 4. coupling: secretion and uptake through whole runs --------------- */

/* One fixed and one motile secreting cell in a closed domain (Neumann, no
 * decay): the field's integral is (R1 + R2) t. */
static const char *const secretion_2d =
    "regensim: 1\n"
    "name: secretion\n"
    "domain: {size: [100, 80], dx: 10}\n"
    "time: {end: 5, dt: {diffusion: 0.1}}\n"
    "seed: 4\n"
    "substrates:\n"
    "  u: {diffusion: 100}\n"
    "cell_types:\n"
    "  src: {radius: 5, fixed: true, secretes: {u: 2.5}}\n"
    "  walker: {radius: 4, motility: {speed: 6, persistence: 0.5}, secretes: {u: 0.75}}\n"
    "initial:\n"
    "  - {cells: src, count: 1, region: {disk: {center: [33, 47], radius: 3}}}\n"
    "  - {cells: walker, count: 1, region: {disk: {center: [70, 30], radius: 3}}}\n";

static const char *const secretion_3d =
    "regensim: 1\n"
    "name: secretion\n"
    "domain: {size: [60, 50, 40], dx: 10}\n"
    "time: {end: 5, dt: {diffusion: 0.1}}\n"
    "seed: 4\n"
    "substrates:\n"
    "  u: {diffusion: 100}\n"
    "cell_types:\n"
    "  src: {radius: 5, fixed: true, secretes: {u: 2.5}}\n"
    "  walker: {radius: 4, motility: {speed: 6, persistence: 0.5}, secretes: {u: 0.75}}\n"
    "initial:\n"
    "  - {cells: src, count: 1, region: {sphere: {center: [23, 27, 18], radius: 3}}}\n"
    "  - {cells: walker, count: 1, region: {sphere: {center: [40, 30, 20], radius: 3}}}\n";

/* Tolerance 1e-10 relative: every solver conserves the sum of a Neumann
 * field to rounding (a few hundred ulps over 50 steps). */
static void secretion_balances_mass(void **state)
{
    (void)state;
    const char *models[2] = {secretion_2d, secretion_3d};
    const char *solvers[3] = {"solver=explicit", "solver=lod", "solver=spectral"};
    for (int dm = 0; dm < 2; dm++)
        for (int k = 0; k < 3; k++) {
            const char *sets[1] = {solvers[k]};
            rs_model *m = fix_load(models[dm], sets, 1);
            rs_sim *s = fix_sim(m);
            fix_run(s);
            const rs_grid g = rs_sim_grid(s);
            const double *u = rs_sim_field(s, 0);
            const size_t nvox = rs_grid_voxels(&g);
            double sum = 0, lo = INFINITY;
            for (size_t v = 0; v < nvox; v++) {
                sum += u[v];
                lo = fmin(lo, u[v]);
            }
            const double vol = g.dx * g.dx * (dm == 1 ? g.dx : 1.0);
            const double want = (2.5 + 0.75) * rs_sim_time(s), got = sum * vol;
            const rs_cells *c = rs_sim_cells(s);
            assert_non_null(c);
            assert_int_equal(c->n, 2);
            printf("secretion %dD %-16s integral %.15g, R t = %.15g (rel %.1e)\n", dm + 2,
                   solvers[k], got, want, fabs(got - want) / want);
            assert_true(fabs(got - want) <= 1e-10 * want);
            assert_true(lo >= -1e-12 * want); /* (spectral may ring a little below 0) */
            rs_sim_destroy(s);
            rs_model_destroy(m);
        }
}

static const char *const uptake_2d =
    "regensim: 1\n"
    "name: uptake\n"
    "domain: {size: [100, 80], dx: 10}\n"
    "time: {end: 10, dt: {diffusion: 0.1}}\n"
    "substrates:\n"
    "  u: {initial: 1.5}\n"
    "cell_types:\n"
    "  eater: {radius: 4, fixed: true, uptakes: {u: 0.3}}\n"
    "initial:\n"
    "  - {cells: eater, count: 1, region: {disk: {center: [33, 47], radius: 2}}}\n";

static const char *const uptake_3d =
    "regensim: 1\n"
    "name: uptake\n"
    "domain: {size: [60, 50, 40], dx: 10}\n"
    "time: {end: 10, dt: {diffusion: 0.1}}\n"
    "substrates:\n"
    "  u: {initial: 1.5}\n"
    "cell_types:\n"
    "  eater: {radius: 4, fixed: true, uptakes: {u: 0.3}}\n"
    "initial:\n"
    "  - {cells: eater, count: 1, region: {sphere: {center: [23, 27, 18], radius: 2}}}\n";

/* A fixed cell with uptake k in a field that neither diffuses nor decays:
 * its voxel goes c <- c / (1 + dt k V_cell / V_voxel) each step, so after n
 * steps c0 / (1 + dt k V_cell / V_voxel)^n (1e-12 relative: n = 100
 * divisions against one pow), and every other voxel keeps c0 exactly. */
static void uptake_closed_form(void **state)
{
    (void)state;
    const char *models[2] = {uptake_2d, uptake_3d};
    for (int dm = 0; dm < 2; dm++) {
        const int dims = dm + 2;
        rs_model *m = fix_load(models[dm], NULL, 0);
        rs_sim *s = fix_sim(m);
        fix_run(s);
        const rs_grid g = rs_sim_grid(s);
        const rs_cells *c = rs_sim_cells(s);
        assert_non_null(c);
        assert_int_equal(c->n, 1);
        const size_t at = rs_cell_voxel(&g, c->x[0], c->y[0], c->z[0]);
        const double vcell = rs_cells_volume_of(dims, 4), vvox = dims == 3 ? 1000 : 100;
        assert_true(fabs(c->volume[0] - vcell) <= 1e-15 * vcell);
        const int64_t n = rs_sim_steps(s);
        assert_true(n == 100);
        const double want = 1.5 / pow(1 + 0.1 * 0.3 * vcell / vvox, (double)n);
        const double *u = rs_sim_field(s, 0);
        printf("uptake %dD: voxel %.17g, closed form %.17g (rel %.1e)\n", dims, u[at], want,
               fabs(u[at] - want) / want);
        assert_true(fabs(u[at] - want) <= 1e-12 * want);
        for (size_t v = 0; v < rs_grid_voxels(&g); v++)
            if (v != at) assert_true(u[v] == 1.5);
        rs_sim_destroy(s);
        rs_model_destroy(m);
    }
}

/* A fixed cell secreting R with saturation C into a field that neither
 * diffuses nor decays: its voxel follows the implicit recurrence
 * c <- (c + dt R / V) / (1 + dt R / (V C)) exactly (1e-12 relative), never
 * passes C, and approaches it; other voxels keep 0. */
static const char *const saturating_2d =
    "regensim: 1\n"
    "name: saturating\n"
    "domain: {size: [100, 80], dx: 10}\n"
    "time: {end: 200, dt: {diffusion: 0.5}}\n"
    "substrates:\n"
    "  u: {}\n"
    "cell_types:\n"
    "  maker: {radius: 4, fixed: true, secretes: {u: {rate: 40, saturation: 2}}}\n"
    "initial:\n"
    "  - {cells: maker, count: 1, region: {disk: {center: [33, 47], radius: 2}}}\n";

static void secretion_saturates(void **state)
{
    (void)state;
    rs_model *m = fix_load(saturating_2d, NULL, 0);
    rs_sim *s = fix_sim(m);
    fix_run(s);
    const rs_grid g = rs_sim_grid(s);
    const rs_cells *c = rs_sim_cells(s);
    const size_t at = rs_cell_voxel(&g, c->x[0], c->y[0], c->z[0]);
    const double R = 40, C = 2, V = 100, dt = 0.5;
    double want = 0;
    for (int64_t n = 0; n < rs_sim_steps(s); n++)
        want = (want + dt * R / V) / (1 + dt * R / (V * C));
    const double *u = rs_sim_field(s, 0);
    assert_true(fabs(u[at] - want) <= 1e-12 * want);
    assert_true(u[at] <= C && u[at] >= 0.99 * C);
    for (size_t v = 0; v < rs_grid_voxels(&g); v++)
        if (v != at) assert_true(u[v] == 0);
    rs_sim_destroy(s);
    rs_model_destroy(m);
}

/* ---- 5. determinism ----------------------------------------------------- */

/* A copy of a population's state arrays (as rs_sim_cells shows them). */
typedef struct cells_copy {
    size_t n;
    uint64_t next_id;
    uint64_t *id;
    int32_t *type, *phase;
    double *d[11]; /* x y z ux uy uz radius volume age neighbours state0 */
} cells_copy;

static cells_copy copy_cells(const rs_cells *c)
{
    cells_copy k = {.n = c->n, .next_id = c->next_id};
    k.id = malloc(c->n * sizeof *k.id + 1);
    k.type = malloc(c->n * sizeof *k.type + 1);
    k.phase = malloc(c->n * sizeof *k.phase + 1);
    assert_true(k.id && k.type && k.phase);
    memcpy(k.id, c->id, c->n * sizeof *k.id);
    memcpy(k.type, c->type, c->n * sizeof *k.type);
    memcpy(k.phase, c->phase, c->n * sizeof *k.phase);
    const double *src[11] = {c->x,      c->y,      c->z,   c->ux,         c->uy,
                             c->uz,     c->radius, c->volume, c->age,     c->neighbours,
                             c->nstates > 0 ? c->state[0] : NULL};
    for (int a = 0; a < 11; a++) {
        k.d[a] = calloc(c->n + 1, sizeof(double));
        assert_non_null(k.d[a]);
        if (src[a]) memcpy(k.d[a], src[a], c->n * sizeof(double));
    }
    return k;
}

static void free_copy(cells_copy *k)
{
    free(k->id);
    free(k->type);
    free(k->phase);
    for (int a = 0; a < 11; a++) free(k->d[a]);
}

/* Bitwise equal, array by array. */
static void same_cells(const cells_copy *a, const cells_copy *b, const char *what)
{
    static const char *const names[11] = {"x",  "y",      "z",      "ux",  "uy",        "uz",
                                          "radius", "volume", "age", "neighbours", "state0"};
    if (a->n != b->n || a->next_id != b->next_id)
        fail_msg("%s: %zu cells (next id %llu) vs %zu (%llu)", what, a->n,
                 (unsigned long long)a->next_id, b->n, (unsigned long long)b->next_id);
    if (memcmp(a->id, b->id, a->n * sizeof *a->id) != 0) fail_msg("%s: ids differ", what);
    if (memcmp(a->type, b->type, a->n * sizeof *a->type) != 0) fail_msg("%s: types differ", what);
    if (memcmp(a->phase, b->phase, a->n * sizeof *a->phase) != 0)
        fail_msg("%s: phases differ", what);
    for (int k = 0; k < 11; k++)
        if (memcmp(a->d[k], b->d[k], a->n * sizeof(double)) != 0)
            fail_msg("%s: %s differs", what, names[k]);
}

/* 3D, 2700 cells: motile, chemotactic (up one field, down another),
 * secreting and taking up; fixed secreting cells; 400 injected at t = 0.5
 * and 30% of the fixed ones removed at t = 0.8; two mechanics sub-steps
 * per diffusion step. */
static const char *const busy_model =
    "regensim: 1\n"
    "name: busy\n"
    "domain: {size: [200, 200, 160], dx: 10}\n"
    "time: {end: 1.2, dt: {diffusion: 0.1, mechanics: 0.05, phenotype: 0.5}}\n"
    "seed: 11\n"
    "substrates:\n"
    "  u: {diffusion: 50, decay: 0.01}\n"
    "  w: {diffusion: 20, initial: \"1 + x / 200\"}\n"
    "cell_types:\n"
    "  m: {radius: 5, motility: {speed: 3, persistence: 2, chemotaxis: {u: 0.4, w: -0.3}},\n"
    "      secretes: {u: 1}, uptakes: {w: 0.05}}\n"
    "  f: {radius: 6, fixed: true, secretes: {u: 3}}\n"
    "initial:\n"
    "  - {cells: m, count: 2500, region: {sphere: {center: [100, 100, 80], radius: 80}}}\n"
    "  - {cells: f, count: 200, region: all}\n"
    "interventions:\n"
    "  - {at: 0.5, inject: {cells: m, count: 400, region: {sphere: {center: [50, 50, 50], "
    "radius: 40}}}}\n"
    "  - {at: 0.8, remove: {cells: f, fraction: 0.3}}\n"
    "metrics:\n"
    "  nm: \"count(m)\"\n"
    "  nf: \"count(f)\"\n"
    "  u_total: \"integral(u)\"\n";

/* Runs the busy model on nthreads threads; returns its final population and
 * (into u, w) its fields, malloc'd. */
static cells_copy busy_run(int nthreads, double **u, double **w, double *metrics)
{
    omp_set_dynamic(0);
    omp_set_num_threads(nthreads);
    assert_int_equal(omp_get_max_threads(), nthreads);
    rs_model *m = fix_load(busy_model, NULL, 0);
    rs_sim *s = fix_sim(m);
    fix_run(s);
    const rs_cells *c = rs_sim_cells(s);
    assert_non_null(c);
    cells_copy k = copy_cells(c);
    const size_t nvox = rs_grid_voxels(&(rs_grid){20, 20, 16, 10});
    *u = malloc(nvox * sizeof **u);
    *w = malloc(nvox * sizeof **w);
    assert_true(*u && *w);
    memcpy(*u, rs_sim_field(s, 0), nvox * sizeof **u);
    memcpy(*w, rs_sim_field(s, 1), nvox * sizeof **w);
    memcpy(metrics, rs_sim_metric_values(s), 3 * sizeof *metrics);
    rs_sim_destroy(s);
    rs_model_destroy(m);
    all_threads();
    return k;
}

/* The cell kernels split their loops over cells with `omp parallel for`
 * (forces, motility, move, the bins' keys and the permutation), with no
 * work threshold; the field solvers' threshold is forced to 1 voxel
 * (REGENSIM_MIN_WORK_PER_THREAD) so they split this small grid too. The
 * final populations (every state array, in storage order), the fields and
 * the metrics are bitwise equal on 1, 2 and 4 threads. */
static void threads_are_bitwise(void **state)
{
    (void)state;
    setenv("REGENSIM_MIN_WORK_PER_THREAD", "1", 1);
    double *u1, *w1, met1[3];
    cells_copy ref = busy_run(1, &u1, &w1, met1);
    const size_t nvox = 20 * 20 * 16;
    printf("busy run: %zu cells (next id %llu), %g m, %g f, integral(u) %.17g\n", ref.n,
           (unsigned long long)ref.next_id, met1[0], met1[1], met1[2]);
    assert_true(met1[0] == 2900);                 /* 2500 + 400 injected */
    assert_true(met1[1] > 100 && met1[1] < 180); /* 200 less about 30% */
    assert_true(ref.n == (size_t)(met1[0] + met1[1]));
    for (int t = 2; t <= 4; t += 2) {
        double *u, *w, met[3];
        cells_copy k = busy_run(t, &u, &w, met);
        char what[32];
        snprintf(what, sizeof what, "%d threads", t);
        same_cells(&ref, &k, what);
        if (memcmp(u, u1, nvox * sizeof *u) != 0) fail_msg("%s: field u differs", what);
        if (memcmp(w, w1, nvox * sizeof *w) != 0) fail_msg("%s: field w differs", what);
        if (memcmp(met, met1, sizeof met) != 0) fail_msg("%s: metrics differ", what);
        free(u);
        free(w);
        free_copy(&k);
    }
    free(u1);
    free(w1);
    free_copy(&ref);
    unsetenv("REGENSIM_MIN_WORK_PER_THREAD");
}

/* Two copies of a population of 3000 cells of two types (one with
 * chemotaxis on a non-linear field), one of them permuted at random in
 * storage: 20 mechanics steps (bins, forces, motility, move) give every id
 * the same position, direction and neighbour count bitwise, and the same
 * storage order; then the deposits onto a grid are bitwise equal. */
static void storage_order_is_irrelevant(void **state)
{
    (void)state;
    const double size[3] = {200, 200, 160};
    const rs_grid g = {20, 20, 16, 10};
    const size_t nvox = rs_grid_voxels(&g);
    double *f = malloc(nvox * sizeof *f);
    assert_non_null(f);
    for (size_t v = 0; v < nvox; v++) {
        const int i = (int)(v % 20), j = (int)(v / 20 % 20), k = (int)(v / 400);
        f[v] = sin(i / 3.0) + 0.01 * j * j + cos(k);
    }
    const double *fields[1] = {f};
    const int substrate = 0;
    const double sens = 0.6;
    const rs_cell_mechanics mech[2] = {{10, 0.4, 1.25, 0}, {8, 1, 1.5, 0}};
    const rs_cell_motility mot[2] = {
        {.speed = 3, .persistence = 1, .nchemotaxis = 1, .substrate = &substrate,
         .sensitivity = &sens},
        {.speed = 1, .persistence = 4}};
    const double radii[2] = {5, 4};
    rs_region sphere = {.kind = RS_REGION_SPHERE, .ncoords = 3, .center = {100, 100, 80},
                        .radius = 70};
    rs_cells *c[2];
    for (int k = 0; k < 2; k++) {
        c[k] = fix_cells(3, 1, 0);
        place(c[k], 0, 5, 2000, &sphere, size, 21, 1);
        place(c[k], 1, 4, 1000, &(rs_region){.kind = RS_REGION_ALL}, size, 21, 2);
        for (size_t i = 0; i < c[k]->n; i++) c[k]->state[0][i] = (double)c[k]->id[i];
    }
    uint32_t *perm = random_perm(c[1]->n, 5);
    rs_cells_permute(c[1], perm);
    free(perm);
    assert_true(c[1]->id[0] != 0 || c[1]->id[1] != 1); /* really shuffled */
    rs_neighbour_bins *b = fix_bins(3, size, rs_cell_mechanics_reach(mech, radii, 2));
    for (int n = 0; n < 20; n++)
        for (int k = 0; k < 2; k++) {
            rs_neighbour_bins_build(b, c[k]);
            rs_cell_forces(c[k], b, mech, 2);
            rs_cell_motility_env env = {&g, fields, 8, (uint64_t)n, 0.1};
            rs_cell_motility_add(c[k], mot, mech, 2, &env);
            rs_cell_move(c[k], size, 0.1);
        }
    for (size_t i = 0; i < c[0]->n; i++) {
        const size_t j = rs_cells_find(c[1], c[0]->id[i]);
        assert_true(j != (size_t)-1);
        const double a[7] = {c[0]->x[i],  c[0]->y[i],  c[0]->z[i],         c[0]->ux[i],
                             c[0]->uy[i], c[0]->uz[i], c[0]->neighbours[i]};
        const double bb[7] = {c[1]->x[j],  c[1]->y[j],  c[1]->z[j],         c[1]->ux[j],
                              c[1]->uy[j], c[1]->uz[j], c[1]->neighbours[j]};
        if (memcmp(a, bb, sizeof a) != 0)
            fail_msg("cell %llu differs between the storage orders",
                     (unsigned long long)c[0]->id[i]);
        assert_true(c[1]->state[0][j] == (double)c[1]->id[j]); /* states travel with cells */
        assert_true(i == j); /* the bins' order is a function of positions and ids */
    }
    double *S[2], *U[2];
    const double secretion[2] = {1.5, 0.25}, uptake[2] = {0.1, 0.7};
    for (int k = 0; k < 2; k++) {
        S[k] = calloc(nvox, sizeof(double));
        U[k] = calloc(nvox, sizeof(double));
        assert_true(S[k] && U[k]);
        rs_cell_deposit(c[k], &g, secretion, NULL, uptake, S[k], U[k]);
    }
    assert_true(memcmp(S[0], S[1], nvox * sizeof(double)) == 0);
    assert_true(memcmp(U[0], U[1], nvox * sizeof(double)) == 0);
    for (int k = 0; k < 2; k++) {
        free(S[k]);
        free(U[k]);
        rs_cells_destroy(c[k]);
    }
    rs_neighbour_bins_destroy(b);
    free(f);
}

/* ---- 6. the pieces ------------------------------------------------------ */

/* After a build the cells are sorted by (bin, id), key[i] is cell i's bin,
 * b->start brackets every bin's cells (start[0] = 0, start[nbins] = n,
 * non-decreasing), and every cell kept its own data (checked by id against
 * a copy made before). Cells on the domain's faces (0 and size) and one
 * outside it are clamped to the edge bins. 2D and 3D. */
static void bins_sort_by_bin_and_id(void **state)
{
    (void)state;
    for (int dims = 2; dims <= 3; dims++) {
        const double size[3] = {120, 90, dims == 3 ? 70 : 0};
        rs_cells *c = fix_cells(dims, 2, 0);
        place(c, 0, 5, 1500, &(rs_region){.kind = RS_REGION_ALL}, size, 9, 1);
        fix_cell_add(c, 1, 0, 0, 0, 3);
        fix_cell_add(c, 1, size[0], size[1], size[2], 3);
        fix_cell_add(c, 1, size[0] + 5, -1, size[2], 3); /* outside: clamped */
        for (size_t i = 0; i < c->n; i++) {
            c->state[0][i] = c->x[i] + 1000 * (double)c->id[i];
            c->state[1][i] = -(double)c->id[i];
            c->ux[i] = c->y[i];
        }
        uint32_t *perm = random_perm(c->n, 17);
        rs_cells_permute(c, perm);
        free(perm);
        cells_copy before = copy_cells(c);
        rs_neighbour_bins *b = fix_bins(dims, size, 12.5);
        for (int d = 0; d < dims; d++) {
            assert_true(b->edge[d] >= 12.5);
            assert_true(fabs(b->edge[d] * b->nb[d] - size[d]) <= 1e-12 * size[d]);
        }
        rs_neighbour_bins_build(b, c);
        assert_int_equal(c->n, before.n);
        assert_true(b->start[0] == 0 && b->start[b->nbins] == c->n);
        for (size_t k = 0; k < b->nbins; k++) {
            assert_true(b->start[k] <= b->start[k + 1]);
            for (uint32_t i = b->start[k]; i < b->start[k + 1]; i++) assert_true(c->key[i] == k);
        }
        for (size_t i = 0; i < c->n; i++) {
            assert_true(c->key[i] == rs_neighbour_bins_of(b, c->x[i], c->y[i], c->z[i]));
            if (i > 0)
                assert_true(c->key[i - 1] < c->key[i] ||
                            (c->key[i - 1] == c->key[i] && c->id[i - 1] < c->id[i]));
            size_t j = 0;
            while (before.id[j] != c->id[i]) j++;
            assert_true(c->x[i] == before.d[0][j] && c->y[i] == before.d[1][j] &&
                        c->z[i] == before.d[2][j] && c->ux[i] == before.d[3][j] &&
                        c->type[i] == before.type[j]);
            assert_true(c->state[0][i] == c->x[i] + 1000 * (double)c->id[i]);
            assert_true(c->state[1][i] == -(double)c->id[i]);
        }
        /* the clamped ones */
        assert_true(rs_neighbour_bins_of(b, 0, 0, 0) == 0);
        assert_true(rs_neighbour_bins_of(b, size[0], size[1], size[2]) == b->nbins - 1);
        assert_true(rs_neighbour_bins_of(b, -3, 1e9, -1) ==
                    (size_t)b->nb[0] * (size_t)(b->nb[1] - 1));
        free_copy(&before);
        rs_neighbour_bins_destroy(b);
        rs_cells_destroy(c);
    }
}

/* rs_cells_compact removes exactly the cells marked 0, keeps the others in
 * their order with all their data, and leaves next_id alone. */
static void compact_keeps_order(void **state)
{
    (void)state;
    rs_cells *c = fix_cells(3, 3, 0);
    for (int i = 0; i < 1000; i++) {
        fix_cell_add(c, i % 3, i, 2 * i, 3 * i, 1 + i % 7);
        for (int s = 0; s < 3; s++) c->state[s][i] = i * 10 + s;
        c->ux[i] = -i;
        c->phase[i] = i % 5 == 0 ? RS_CELL_APOPTOTIC : RS_CELL_ALIVE;
        c->age[i] = 0.5 * i;
    }
    unsigned char *keep = malloc(c->n);
    assert_non_null(keep);
    rs_rng r;
    rs_rng_init(&r, 3, 4);
    size_t kept = 0;
    for (size_t i = 0; i < c->n; i++) kept += keep[i] = rs_rng_uniform(&r) < 0.6;
    const size_t removed = rs_cells_compact(c, keep);
    assert_int_equal(removed, 1000 - kept);
    assert_int_equal(c->n, kept);
    assert_true(c->next_id == 1000);
    size_t w = 0;
    for (size_t i = 0; i < 1000; i++) {
        if (!keep[i]) continue;
        assert_true(c->id[w] == i);
        assert_true(c->type[w] == (int32_t)(i % 3));
        assert_true(c->x[w] == (double)i && c->y[w] == 2.0 * i && c->z[w] == 3.0 * i);
        assert_true(c->radius[w] == 1.0 + i % 7 && c->ux[w] == -(double)i);
        assert_true(c->volume[w] == rs_cells_volume_of(3, 1.0 + i % 7));
        assert_true(c->phase[w] == (i % 5 == 0 ? RS_CELL_APOPTOTIC : RS_CELL_ALIVE));
        assert_true(c->age[w] == 0.5 * i);
        for (int s = 0; s < 3; s++) assert_true(c->state[s][w] == i * 10.0 + s);
        w++;
    }
    /* an add after a compaction gets the next id, never a reused one */
    fix_cell_add(c, 0, 1, 1, 1, 1);
    assert_true(c->id[c->n - 1] == 1000);
    free(keep);
    rs_cells_destroy(c);
}

/* rs_cells_place: every cell in the region and the domain, with the
 * placement's radius and states; the same (seed, key) gives the same cells
 * bitwise, another key others; uniform: the mean position over a box is
 * its centre within 4 standard errors per axis. Regions: an annulus (2D),
 * a sphere cut by the domain, a difference (3D), a box. */
static void place_inside_and_deterministic(void **state)
{
    (void)state;
    rs_region kids[2] = {
        {.kind = RS_REGION_BOX, .ncoords = 3, .lo = {10, 10, 10}, .hi = {90, 70, 50}},
        {.kind = RS_REGION_SPHERE, .ncoords = 3, .center = {50, 40, 30}, .radius = 20}};
    const rs_region regions[4] = {
        {.kind = RS_REGION_ANNULUS, .ncoords = 2, .center = {50, 40}, .inner = 10, .outer = 30},
        {.kind = RS_REGION_SPHERE, .ncoords = 3, .center = {95, 5, 30}, .radius = 25},
        {.kind = RS_REGION_DIFFERENCE, .nchildren = 2, .children = kids},
        {.kind = RS_REGION_BOX, .ncoords = 3, .lo = {20, 30, 5}, .hi = {80, 50, 25}}};
    const int dims_of[4] = {2, 3, 3, 3};
    const double size[3] = {100, 80, 60};
    const double states[2] = {4.5, -2};
    for (int k = 0; k < 4; k++) {
        const int dims = dims_of[k];
        const double sz[3] = {size[0], size[1], dims == 3 ? size[2] : 0};
        rs_cells *c[3];
        for (int rep = 0; rep < 3; rep++) {
            c[rep] = fix_cells(dims, 2, 0);
            fix_cell_add(c[rep], 1, 1, 1, 1, 1); /* placement appends */
            rs_cell_placement p = {.what = "test", .type = 0, .radius = 3.5, .count = 3000,
                                   .region = &regions[k], .size = {sz[0], sz[1], sz[2]},
                                   .nstates = 2, .states = states, .seed = 12,
                                   .key = rep == 2 ? 8 : 7};
            rs_error err;
            assert_int_equal(rs_cells_place(c[rep], &p, &err), RS_OK);
            assert_int_equal(c[rep]->n, 3001);
        }
        for (size_t i = 1; i < c[0]->n; i++) {
            const double x = c[0]->x[i], y = c[0]->y[i], z = c[0]->z[i];
            assert_true(rs_region_contains(&regions[k], x, y, z));
            assert_true(x >= 0 && x <= sz[0] && y >= 0 && y <= sz[1] && z >= 0 && z <= sz[2]);
            assert_true(c[0]->type[i] == 0 && c[0]->radius[i] == 3.5 && c[0]->id[i] == i);
            assert_true(c[0]->state[0][i] == 4.5 && c[0]->state[1][i] == -2);
        }
        const size_t bytes = c[0]->n * sizeof(double);
        assert_true(memcmp(c[0]->x, c[1]->x, bytes) == 0 && memcmp(c[0]->y, c[1]->y, bytes) == 0 &&
                    memcmp(c[0]->z, c[1]->z, bytes) == 0);
        assert_true(memcmp(c[0]->x, c[2]->x, bytes) != 0);
        if (k == 3) {
            double *v = malloc(3000 * sizeof *v);
            assert_non_null(v);
            const double *pos[3] = {c[0]->x + 1, c[0]->y + 1, c[0]->z + 1};
            for (int d = 0; d < 3; d++) {
                memcpy(v, pos[d], 3000 * sizeof *v);
                const sample_stat st = sample(v, 3000);
                const double centre = (regions[k].lo[d] + regions[k].hi[d]) / 2;
                assert_true(fabs(st.mean - centre) <= 4 * st.se);
            }
            free(v);
        }
        for (int rep = 0; rep < 3; rep++) rs_cells_destroy(c[rep]);
    }
    /* a region outside the domain is refused */
    rs_cells *c = fix_cells(2, 0, 0);
    rs_region away = {.kind = RS_REGION_DISK, .ncoords = 2, .center = {500, 500}, .radius = 5};
    rs_cell_placement p = {.what = "initial[3]", .radius = 1, .count = 1, .region = &away,
                           .size = {100, 80, 0}};
    rs_error err;
    assert_int_equal(rs_cells_place(c, &p, &err), RS_EINVAL);
    assert_non_null(strstr(err.msg, "initial[3]"));
    assert_int_equal(c->n, 0);
    rs_cells_destroy(c);
}

/* rs_cells_remove_fraction removes only cells of the type in the region,
 * about the fraction of them: within 5 binomial standard deviations of n p
 * (n = those eligible); the same ids whatever the storage order; fraction
 * 0 removes none and 1 all eligible ones. */
/* With a spacing no two placed cells (nor a placed one and one already
 * there) are closer than it, the placement is deterministic, and a request
 * that cannot fit is refused with a message. */
static void place_with_spacing(void **state)
{
    (void)state;
    const rs_region all = {.kind = RS_REGION_ALL};
    const double size[3] = {400, 400, 0};
    rs_cells *c[2];
    for (int rep = 0; rep < 2; rep++) {
        c[rep] = fix_cells(2, 0, 0);
        fix_cell_add(c[rep], 1, 200, 200, 0, 5); /* a cell already there */
        rs_cell_placement p = {.what = "test", .type = 0, .radius = 5, .count = 600,
                               .spacing = 10, .region = &all, .size = {400, 400, 0},
                               .seed = 3, .key = 9};
        rs_error err;
        assert_int_equal(rs_cells_place(c[rep], &p, &err), RS_OK);
        assert_int_equal(c[rep]->n, 601);
    }
    double closest = INFINITY;
    for (size_t i = 0; i < c[0]->n; i++)
        for (size_t j = i + 1; j < c[0]->n; j++) {
            const double dx = c[0]->x[i] - c[0]->x[j], dy = c[0]->y[i] - c[0]->y[j];
            closest = fmin(closest, sqrt(dx * dx + dy * dy));
        }
    assert_true(closest >= 10);
    assert_memory_equal(c[0]->x, c[1]->x, c[0]->n * sizeof(double));
    assert_memory_equal(c[0]->y, c[1]->y, c[0]->n * sizeof(double));
    /* 2000 cells 10 um apart do not fit in 400 x 400 um (at most ~1850 in
     * a hexagonal packing; random placement jams far sooner) */
    rs_cell_placement p = {.what = "initial[3]", .type = 0, .radius = 5, .count = 2000,
                           .spacing = 10, .region = &all, .size = {400, 400, 0}, .seed = 3,
                           .key = 10};
    rs_error err;
    assert_int_equal(rs_cells_place(c[1], &p, &err), RS_EINVAL);
    assert_non_null(strstr(err.msg, "initial[3]: placed"));
    assert_non_null(strstr(err.msg, "spacing"));
    (void)size;
    rs_cells_destroy(c[0]);
    rs_cells_destroy(c[1]);
}

static void remove_fraction_binomial_and_order_free(void **state)
{
    (void)state;
    const double size[3] = {100, 100, 100};
    const rs_region half = {.kind = RS_REGION_BOX, .ncoords = 2, .lo = {0, 0}, .hi = {50, 100}};
    rs_cells *c[2];
    for (int k = 0; k < 2; k++) {
        c[k] = fix_cells(3, 0, 0);
        place(c[k], 0, 2, 20000, &(rs_region){.kind = RS_REGION_ALL}, size, 2, 1);
        place(c[k], 1, 2, 5000, &(rs_region){.kind = RS_REGION_ALL}, size, 2, 2);
    }
    uint32_t *perm = random_perm(c[1]->n, 3);
    rs_cells_permute(c[1], perm);
    free(perm);
    size_t eligible = 0;
    for (size_t i = 0; i < c[0]->n; i++)
        eligible += c[0]->type[i] == 0 && rs_region_contains(&half, c[0]->x[i], c[0]->y[i], 0);
    unsigned char *keep = malloc(c[0]->n);
    assert_non_null(keep);
    const double p = 0.3;
    size_t removed[2];
    for (int k = 0; k < 2; k++)
        removed[k] = rs_cells_remove_fraction(c[k], 0, &half, p, 9, 4, keep);
    const double mean = p * (double)eligible, sd = sqrt(eligible * p * (1 - p));
    printf("remove: %zu of %zu eligible (expected %.0f +- %.0f)\n", removed[0], eligible, mean, sd);
    assert_true(fabs((double)removed[0] - mean) <= 5 * sd);
    assert_int_equal(removed[0], removed[1]);
    /* the same survivors by id, and no ineligible cell among the removed */
    unsigned char *alive = calloc(25000, 1);
    assert_non_null(alive);
    for (size_t i = 0; i < c[1]->n; i++) alive[c[1]->id[i]] = 1;
    size_t other = 0;
    for (size_t i = 0; i < c[0]->n; i++) {
        assert_true(alive[c[0]->id[i]]);
        other += !(c[0]->type[i] == 0 && rs_region_contains(&half, c[0]->x[i], c[0]->y[i], 0));
    }
    assert_int_equal(other, 25000 - eligible); /* nobody ineligible went */
    assert_int_equal(rs_cells_remove_fraction(c[0], 0, &half, 0, 9, 5, keep), 0);
    assert_int_equal(rs_cells_remove_fraction(c[0], 0, &half, 1, 9, 6, keep),
                     eligible - removed[0]);
    for (int k = 0; k < 2; k++) rs_cells_destroy(c[k]);
    free(alive);
    free(keep);
}

/* rs_cell_gradient on c = a x + b y + e z: exact (to 1e-12 relative) at
 * interior voxels; at a face the missing neighbour is the voxel itself
 * (the mirror image of a no-flux face), so the component is half the
 * one-sided difference; a 2D grid has no z component; rs_cell_voxel
 * clamps positions outside the grid. */
static void gradient_exact_and_mirrored(void **state)
{
    (void)state;
    const double a = 0.3, bb = -1.25, e = 2.5;
    for (int dims = 2; dims <= 3; dims++) {
        const rs_grid g = {7, 5, dims == 3 ? 4 : 1, 2.5};
        const size_t nvox = rs_grid_voxels(&g);
        double *f = malloc(nvox * sizeof *f);
        assert_non_null(f);
        for (size_t v = 0; v < nvox; v++) {
            const int i = (int)(v % 7), j = (int)(v / 7 % 5), k = (int)(v / 35);
            f[v] = a * rs_grid_centre(&g, i) + bb * rs_grid_centre(&g, j) +
                   (dims == 3 ? e * rs_grid_centre(&g, k) : 0);
        }
        for (size_t v = 0; v < nvox; v++) {
            const int idx[3] = {(int)(v % 7), (int)(v / 7 % 5), (int)(v / 35)};
            const int n[3] = {7, 5, g.nz};
            const double slope[3] = {a, bb, dims == 3 ? e : 0};
            double grad[3];
            rs_cell_gradient(&g, f, v, grad);
            for (int d = 0; d < 3; d++) {
                const int face = idx[d] == 0 || idx[d] == n[d] - 1;
                const double want = n[d] < 2 ? 0 : face ? slope[d] / 2 : slope[d];
                assert_true(fabs(grad[d] - want) <= 1e-12 * (fabs(slope[d]) + 1));
            }
        }
        assert_true(rs_cell_voxel(&g, 3.7, 8.1, 2.6) ==
                    1 + 7 * (3 + (size_t)(dims == 3 ? 5 * 1 : 0)));
        assert_true(rs_cell_voxel(&g, -4, 1e6, 1e6) ==
                    7 * (4 + (size_t)(dims == 3 ? 5 * 3 : 0)));
        free(f);
    }
}

/* rs_cell_move reflects at every wall: a cell driven 8 um past x = 0 ends
 * 8 um inside, one driven past x = size likewise, with the motility
 * direction's component reversed; z in 3D; a jump longer than the domain
 * still ends inside; in 2D z is untouched. */
static void walls_reflect(void **state)
{
    (void)state;
    const double size[3] = {100, 80, 60};
    rs_cells *c = fix_cells(3, 0, 0);
    fix_cell_add(c, 0, 2, 40, 30, 5);  /* -> x = -8 -> 8 */
    fix_cell_add(c, 0, 95, 78, 30, 5); /* -> x = 105 -> 95, y = 83 -> 77 */
    fix_cell_add(c, 0, 50, 40, 1, 5);  /* -> z = -4 -> 4 */
    fix_cell_add(c, 0, 50, 40, 30, 5); /* -> x = 350: longer than the domain */
    const double vel[4][3] = {{-10, 0, 0}, {10, 5, 0}, {0, 0, -5}, {300, 0, 0}};
    for (int i = 0; i < 4; i++) {
        c->vx[i] = vel[i][0];
        c->vy[i] = vel[i][1];
        c->vz[i] = vel[i][2];
        c->ux[i] = 0.6;
        c->uy[i] = 0.8;
        c->uz[i] = -1;
    }
    rs_cell_move(c, size, 1);
    assert_true(c->x[0] == 8 && c->ux[0] == -0.6 && c->uy[0] == 0.8 && c->uz[0] == -1);
    assert_true(c->x[1] == 95 && c->y[1] == 77 && c->ux[1] == -0.6 && c->uy[1] == -0.8);
    assert_true(c->z[2] == 4 && c->uz[2] == 1 && c->ux[2] == 0.6);
    for (size_t i = 0; i < c->n; i++)
        assert_true(c->x[i] >= 0 && c->x[i] <= size[0] && c->y[i] >= 0 && c->y[i] <= size[1] &&
                    c->z[i] >= 0 && c->z[i] <= size[2]);
    rs_cells_destroy(c);
    /* 2D */
    c = fix_cells(2, 0, 0);
    fix_cell_add(c, 0, 3, 79, 7, 5);
    assert_true(c->z[0] == 0);
    c->vx[0] = -5;
    c->vy[0] = 4;
    c->vz[0] = 100;
    rs_cell_move(c, (const double[3]){100, 80, 0}, 1);
    assert_true(c->x[0] == 2 && c->y[0] == 77 && c->z[0] == 0);
    rs_cells_destroy(c);
}

/* ---- 7. metrics --------------------------------------------------------- */

static const char *const metrics_model =
    "regensim: 1\n"
    "name: metrics\n"
    "domain: {size: [300, 200], dx: 10}\n"
    "time: {end: 3, dt: {diffusion: 0.1, phenotype: 1}}\n"
    "seed: 5\n"
    "substrates:\n"
    "  u: {diffusion: 10}\n"
    "cell_types:\n"
    "  a: {radius: 4, motility: {speed: 5, persistence: 1}, states: {en: {initial: 2.5}}}\n"
    "  b: {radius: 5, motility: {speed: 3, persistence: 3},\n"
    "      states: {p: {initial: -1}, q: {initial: 7}}}\n"
    "initial:\n"
    "  - {cells: a, count: 300, region: {disk: {center: [100, 100], radius: 80}}}\n"
    "  - {cells: b, count: 150, region: {box: {min: [150, 20], max: [290, 180]}}}\n"
    "interventions:\n"
    "  - {at: 1, remove: {cells: a, fraction: 0.25, region: {box: {min: [0, 0], max: [100, "
    "200]}}}}\n"
    "  - {at: 2, inject: {cells: b, count: 50, region: {disk: {center: [60, 60], radius: 30}}}}\n"
    "metrics:\n"
    "  na: \"count(a)\"\n"
    "  nb: \"count(b)\"\n"
    "  na_disk: \"count(a, disk(120, 90, 50))\"\n"
    "  nb_box: \"count(b, box(100, 0, 200, 200))\"\n"
    "  mean_e: \"mean(a.en)\"\n"
    "  mean_q_box: \"mean(b.q, box(100, 0, 200, 200))\"\n"
    "  mean_p_none: \"mean(b.p, disk(5, 5, 1))\"\n"
    "  mix: \"count(a) + 2 * count(b, disk(120, 90, 50))\"\n";

/* Counts and state means of the live cells of a type in a region (NULL:
 * all), by hand. */
static double hand_count(const rs_cells *c, int type, const rs_region *r)
{
    double n = 0;
    for (size_t i = 0; i < c->n; i++)
        n += c->type[i] == type && c->phase[i] == RS_CELL_ALIVE &&
             (!r || rs_region_contains(r, c->x[i], c->y[i], c->z[i]));
    return n;
}

static double hand_mean(const rs_cells *c, int type, int state, const rs_region *r)
{
    double n = 0, sum = 0;
    for (size_t i = 0; i < c->n; i++)
        if (c->type[i] == type && c->phase[i] == RS_CELL_ALIVE &&
            (!r || rs_region_contains(r, c->x[i], c->y[i], c->z[i]))) {
            n += 1;
            sum += c->state[state][i];
        }
    return n > 0 ? sum / n : NAN;
}

/* The metrics at t = 0 and at the end (after a removal and an injection,
 * cells having moved) equal the hand counts exactly, and the means within
 * 1e-12 relative (the same sum, maybe in another order); a mean over no
 * cells is NaN in both. */
static void metrics_match_population(void **state)
{
    (void)state;
    rs_model *m = fix_load(metrics_model, NULL, 0);
    rs_sim *s = fix_sim(m);
    const rs_region disk = {.kind = RS_REGION_DISK, .ncoords = 2, .center = {120, 90},
                            .radius = 50};
    const rs_region box = {.kind = RS_REGION_BOX, .ncoords = 2, .lo = {100, 0},
                           .hi = {200, 200}};
    const rs_region none = {.kind = RS_REGION_DISK, .ncoords = 2, .center = {5, 5},
                            .radius = 1};
    assert_int_equal(rs_sim_nmetrics(s), 8);
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) fix_run(s);
        const rs_cells *c = rs_sim_cells(s);
        const double *got = rs_sim_metric_values(s);
        /* states: a.en is slot 0; b.p slot 0, b.q slot 1 */
        const double want[8] = {hand_count(c, 0, NULL),
                                hand_count(c, 1, NULL),
                                hand_count(c, 0, &disk),
                                hand_count(c, 1, &box),
                                hand_mean(c, 0, 0, NULL),
                                hand_mean(c, 1, 1, &box),
                                hand_mean(c, 1, 0, &none),
                                hand_count(c, 0, NULL) + 2 * hand_count(c, 1, &disk)};
        printf("metrics at t = %g:", rs_sim_time(s));
        for (int i = 0; i < 8; i++) printf(" %s %g", rs_sim_metric_name(s, i), got[i]);
        printf("\n");
        for (int i = 0; i < 8; i++) {
            if (i == 6) {
                assert_true(isnan(got[i]) && isnan(want[i]));
                continue;
            }
            if (i == 4 || i == 5)
                assert_true(fabs(got[i] - want[i]) <= 1e-12 * fabs(want[i]));
            else
                assert_true(got[i] == want[i]);
        }
        if (pass == 0) {
            assert_true(got[0] == 300 && got[1] == 150 && got[4] == 2.5 && got[5] == 7);
        } else {
            assert_true(got[0] < 300 && got[1] == 200);
            assert_true(got[2] > 0 && got[3] > 0);
        }
    }
    rs_sim_destroy(s);
    rs_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(random_walk_msd_2d),
        cmocka_unit_test(random_walk_msd_3d),
        cmocka_unit_test(random_walk_through_runs),
        cmocka_unit_test(chemotaxis_linear_gradient),
        cmocka_unit_test(pair_relaxes_with_adhesion),
        cmocka_unit_test(pair_relaxes_without_adhesion),
        cmocka_unit_test(packed_cluster_relaxes),
        cmocka_unit_test(forces_match_brute_force),
        cmocka_unit_test(set_widens_the_bins),
        cmocka_unit_test(set_beyond_the_stability_limit_is_refused),
        cmocka_unit_test(secretion_balances_mass),
        cmocka_unit_test(uptake_closed_form),
        cmocka_unit_test(secretion_saturates),
        cmocka_unit_test(threads_are_bitwise),
        cmocka_unit_test(storage_order_is_irrelevant),
        cmocka_unit_test(bins_sort_by_bin_and_id),
        cmocka_unit_test(compact_keeps_order),
        cmocka_unit_test(place_inside_and_deterministic),
        cmocka_unit_test(place_with_spacing),
        cmocka_unit_test(remove_fraction_binomial_and_order_free),
        cmocka_unit_test(gradient_exact_and_mirrored),
        cmocka_unit_test(walls_reflect),
        cmocka_unit_test(metrics_match_population),
    };
    /* REGENSIM_TEST_FILTER=pattern runs only the matching tests. */
    const char *only = getenv("REGENSIM_TEST_FILTER");
    if (only && *only) cmocka_set_test_filter(only);
    return cmocka_run_group_tests(tests, NULL, NULL);
}

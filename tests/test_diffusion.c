/* test_diffusion.c: the conformance suite every diffusion solver must pass,
 * run over each solver (and each LOD time order) through the one public
 * interface, in the style of SUNDIALS' shared nvector tests and FFTW's
 * property checks: exact eigen-behaviour of cosine modes, mass balance,
 * linearity, mirror symmetry, a steady state and a point release against
 * closed forms, positivity, thread-count independence, the work-per-thread
 * setting (config and REGENSIM_MIN_WORK_PER_THREAD) and bad input. */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diffusion_fixtures.h"
#include "field/diffusion_impl.h" /* threads_used */

typedef struct solver_case {
    const char *name;
    int time_order;
} solver_case;

static const solver_case case_explicit = {"explicit", 1};
static const solver_case case_lod1 = {"lod", 1};
static const solver_case case_lod2 = {"lod", 2};
static const solver_case case_spectral = {"spectral", 1};

/* A dt every solver can take on grid g: half the explicit stability limit
 * for the explicit solver, `implicit_dt` for the others. */
static double case_dt(const solver_case *sc, const rs_grid *g, double D, double decay,
                      double implicit_dt)
{
    if (strcmp(sc->name, "explicit") != 0) return implicit_dt;
    rs_substrate_spec sp;
    rs_substrate_spec_init(&sp, D, decay);
    return 0.5 * rs_diffusion_explicit_dt_limit(g, &sp, 1);
}

static rs_diffusion_config case_config(const solver_case *sc, rs_grid g, double dt,
                                       int nsub, rs_substrate_spec *specs, double D,
                                       double decay)
{
    rs_diffusion_config cfg = fx_config(g, dt, nsub, specs, D, decay);
    cfg.time_order = sc->time_order;
    return cfg;
}

/* The factor by which one step of the scheme multiplies the cosine mode
 * (mx, my, mz), which is an eigenvector of every scheme here. */
static double amplification(const solver_case *sc, const rs_grid *g, double dt, double D,
                            double decay, int mx, int my, int mz)
{
    const int m[3] = {mx, my, mz}, n[3] = {g->nx, g->ny, g->nz};
    const int dims = rs_grid_dims(g);
    if (strcmp(sc->name, "spectral") == 0)
        return exp(-dt * (fx_exact_rate(g, D, mx, my, mz) + decay));
    if (strcmp(sc->name, "explicit") == 0)
        return 1.0 - dt * (fx_discrete_rate(g, D, mx, my, mz) + decay);
    /* lod: the decay's factor (per-voxel step: backward Euler for order 1,
     * exact for order 2) times each direction's. */
    double amp = sc->time_order == 1 ? 1.0 / (1.0 + dt * decay) : exp(-dt * decay);
    for (int a = 0; a < dims; a++) {
        double rate = D * (2.0 - 2.0 * cos(3.14159265358979323846 * m[a] / n[a])) / (g->dx * g->dx);
        if (sc->time_order == 1) amp *= 1.0 / (1.0 + dt * rate);
        else amp *= (1.0 - 0.5 * dt * rate) / (1.0 + 0.5 * dt * rate);
    }
    return amp;
}

/* A priori bound on |scheme^N - exp(-(D k^2 + lambda) t)| for a cosine
 * mode after t = N dt, split at the semi-discrete solution exp(-mu t) (mu:
 * the 3-point Laplacian's rate plus decay, mu_a per axis):
 *  - space: |exp(-mu t) - exp(-(D k^2 + lambda) t)| <= t exp(-mu t)
 *    sum_a D k_a^4 dx^2 / 12 (the rate error per axis is at most that);
 *  - time: |amp^N - exp(-mu t)| <= N max(|amp|, exp(-mu dt))^(N-1) times
 *    one step's error, at most (dt mu)^2 / 2 (forward Euler), sum_a
 *    (dt mu_a)^2 / 2 plus (dt lambda)^2 / 2 (backward-Euler LOD) or sum_a
 *    (dt mu_a)^3 / 12 (Crank-Nicolson LOD, whose decay is exact); spectral
 *    is exact (bound 0). */
static double mode_error_bound(const solver_case *sc, const rs_grid *g, double dt,
                               int steps, double D, double decay, int mx, int my, int mz)
{
    if (strcmp(sc->name, "spectral") == 0) return 0.0;
    const double pi = 3.14159265358979323846, t = dt * steps;
    const int m[3] = {mx, my, mz}, n[3] = {g->nx, g->ny, g->nz};
    const int dims = rs_grid_dims(g);
    double space = 0.0, mu = decay;
    double step_err = sc->time_order == 1 ? dt * decay * dt * decay / 2.0 : 0.0;
    for (int a = 0; a < dims; a++) {
        double k = pi * m[a] / (n[a] * g->dx);
        space += D * k * k * k * k * g->dx * g->dx / 12.0;
        double mu_a = D * (2.0 - 2.0 * cos(pi * m[a] / n[a])) / (g->dx * g->dx);
        mu += mu_a;
        double x = dt * mu_a;
        step_err += sc->time_order == 1 ? x * x / 2.0 : x * x * x / 12.0;
    }
    if (strcmp(sc->name, "explicit") == 0) step_err = dt * mu * dt * mu / 2.0;
    double amp = fabs(amplification(sc, g, dt, D, decay, mx, my, mz));
    double worst = pow(fmax(amp, exp(-mu * dt)), steps - 1);
    return t * exp(-mu * t) * space + steps * worst * step_err;
}

/* A cosine mode is multiplied by exactly the scheme's amplification factor
 * each step (to rounding: 1e-12 relative to the amplitude the scheme
 * predicts), and after t_end is within the a priori discretisation bound
 * above (relative to exp(-(D k^2 + lambda) t_end), plus 1e-12 for
 * rounding) of that exact amplitude; spectral within 1e-10 relative
 * (rounding only; measured <= 1.6e-14). Errors are relative, and t_end =
 * min(2, 1 / (D k^2 + lambda)) keeps every mode at >= 1/e of its start, far
 * above the tolerances, so no check passes because the mode decayed away. */
static void run_cosine_mode(const solver_case *sc, rs_grid g, int mx, int my, int mz)
{
    const double D = 1000.0, decay = 0.01;
    const double t_end = fmin(2.0, 1.0 / (fx_exact_rate(&g, D, mx, my, mz) + decay));
    double dt = case_dt(sc, &g, D, decay, fmin(0.01, t_end / 20));
    int steps = (int)ceil(t_end / dt);
    dt = t_end / steps;
    rs_substrate_spec spec[1];
    rs_diffusion_config cfg = case_config(sc, g, dt, 1, spec, D, decay);
    fx_problem p;
    fx_create(&p, sc->name, &cfg);
    size_t n = rs_grid_voxels(&g);
    double *mode = malloc(n * sizeof *mode);
    fx_fill_cosine(mode, &g, mx, my, mz);
    memcpy(p.fields[0], mode, n * sizeof *mode);
    fx_run(&p, steps);

    double scheme = pow(amplification(sc, &g, dt, D, decay, mx, my, mz), steps);
    double exact = exp(-(fx_exact_rate(&g, D, mx, my, mz) + decay) * t_end);
    assert_true(exact >= 0.35 && scheme >= 0.3); /* the mode is still there */
    double serr = fx_max_diff(p.fields[0], mode, scheme, n) / scheme;
    if (!(serr <= 1e-12)) fail_msg("%s: %.3e off the scheme's factor", sc->name, serr);
    double err = fx_max_diff(p.fields[0], mode, exact, n) / exact;
    double bound = mode_error_bound(sc, &g, dt, steps, D, decay, mx, my, mz) / exact + 1e-12;
    if (strcmp(sc->name, "spectral") == 0) bound = 1e-10;
    print_message("%s%d mode (%d,%d,%d) t %.3g: amplitude %.3f, relative error %.3e "
                  "(scheme %.1e), bound %.3e\n", sc->name, sc->time_order, mx, my, mz, t_end,
                  exact, err, serr, bound);
    if (!(err <= bound)) fail_msg("%s: mode error %.3e > bound %.3e", sc->name, err, bound);
    free(mode);
    fx_destroy(&p);
}

static void cosine_modes(void **state)
{
    const solver_case *sc = *state;
    run_cosine_mode(sc, (rs_grid){24, 20, 16, 10.0}, 2, 1, 1);
    run_cosine_mode(sc, (rs_grid){24, 20, 16, 10.0}, 0, 3, 0);
    run_cosine_mode(sc, (rs_grid){15, 12, 9, 10.0}, 1, 2, 3);
    run_cosine_mode(sc, (rs_grid){48, 30, 1, 10.0}, 3, 2, 0);
}

/* With no-flux boundaries and no decay, mass is conserved to 1e-12
 * (relative) over 50 steps, in 2D and 3D. */
static void mass_is_conserved(void **state)
{
    const solver_case *sc = *state;
    /* Ordinary grids, then degenerate ones: one voxel across x or y, two or
     * three planes in z, a single voxel. */
    const rs_grid grids[8] = {{20, 18, 14, 10.0}, {40, 30, 1, 10.0}, {1, 7, 5, 10.0},
                              {6, 1, 5, 10.0},    {5, 4, 2, 10.0},   {5, 4, 3, 10.0},
                              {1, 1, 4, 10.0},    {1, 1, 1, 10.0}};
    for (int gi = 0; gi < 8; gi++) {
        rs_grid g = grids[gi];
        rs_substrate_spec spec[2];
        double dt = case_dt(sc, &g, 1000.0, 0.0, 0.5);
        rs_diffusion_config cfg = case_config(sc, g, dt, 2, spec, 1000.0, 0.0);
        spec[1].diffusion = 50.0; /* a slow second substrate */
        fx_problem p;
        fx_create(&p, sc->name, &cfg);
        fx_fill_random(p.fields[0], rs_grid_voxels(&g), 11, 0.0, 1.0);
        fx_fill_random(p.fields[1], rs_grid_voxels(&g), 12, 0.0, 5.0);
        double m0 = fx_mass(p.fields[0], &g), m1 = fx_mass(p.fields[1], &g);
        fx_run(&p, 50);
        assert_true(fabs(fx_mass(p.fields[0], &g) - m0) <= 1e-12 * m0);
        assert_true(fabs(fx_mass(p.fields[1], &g) - m1) <= 1e-12 * m1);
        fx_destroy(&p);
    }
}

/* One step is linear: step(a u + b v) = a step(u) + b step(v) to 5e-12 of
 * the values' scale, about 5 in the combination (no sources; Neumann
 * faces). */
static void step_is_linear(void **state)
{
    const solver_case *sc = *state;
    rs_grid g = {17, 13, 11, 10.0};
    rs_substrate_spec spec[3];
    double dt = case_dt(sc, &g, 800.0, 0.02, 0.3);
    rs_diffusion_config cfg = case_config(sc, g, dt, 3, spec, 800.0, 0.02);
    fx_problem p;
    fx_create(&p, sc->name, &cfg);
    size_t n = rs_grid_voxels(&g);
    fx_fill_random(p.fields[0], n, 1, -1.0, 1.0);
    fx_fill_random(p.fields[1], n, 2, -1.0, 1.0);
    for (size_t i = 0; i < n; i++) p.fields[2][i] = 2.0 * p.fields[0][i] - 3.0 * p.fields[1][i];
    fx_run(&p, 3);
    for (size_t i = 0; i < n; i++)
        assert_true(fabs(p.fields[2][i] - (2.0 * p.fields[0][i] - 3.0 * p.fields[1][i])) <=
                    5e-12);
    fx_destroy(&p);
}

/* A field symmetric under x -> L - x stays symmetric to 1e-13 (relative). */
static void mirror_symmetry_is_kept(void **state)
{
    const solver_case *sc = *state;
    rs_grid g = {20, 9, 7, 10.0};
    rs_substrate_spec spec[1];
    double dt = case_dt(sc, &g, 1000.0, 0.0, 0.5);
    rs_diffusion_config cfg = case_config(sc, g, dt, 1, spec, 1000.0, 0.0);
    fx_problem p;
    fx_create(&p, sc->name, &cfg);
    fx_fill_random(p.fields[0], rs_grid_voxels(&g), 5, 0.0, 1.0);
    double *c = p.fields[0];
    for (int k = 0; k < g.nz; k++)
        for (int j = 0; j < g.ny; j++)
            for (int i = 0; i < g.nx / 2; i++) {
                size_t row = (size_t)g.nx * (j + (size_t)g.ny * k);
                c[row + g.nx - 1 - i] = c[row + i];
            }
    fx_run(&p, 10);
    for (int k = 0; k < g.nz; k++)
        for (int j = 0; j < g.ny; j++)
            for (int i = 0; i < g.nx / 2; i++) {
                size_t row = (size_t)g.nx * (j + (size_t)g.ny * k);
                assert_true(fabs(c[row + g.nx - 1 - i] - c[row + i]) <= 1e-13);
            }
    fx_destroy(&p);
}

/* Closed-form steady state of D c'' - lambda c + S 1[x < a] = 0 on [0, L]
 * with c'(0) = c'(L) = 0. */
static double steady_profile(double x, double D, double lambda, double S, double a,
                             double L)
{
    double al = sqrt(lambda / D);
    if (x < a)
        return S / lambda - S * sinh(al * (L - a)) / (lambda * sinh(al * L)) * cosh(al * x);
    return S * sinh(al * a) / (lambda * sinh(al * L)) * cosh(al * (L - x));
}

/* A source in x < 300 um with decay reaches the closed-form steady state
 * on a 1000 um line (dx = 10 um, reach sqrt(D/lambda) = 316 um). The
 * explicit scheme's discrete steady state solves the 3-point problem
 * exactly (spatial error about (dx/reach)^2/12 ~ 1e-4, larger next to the
 * source's edge); the others add an O(dt) splitting error: backward-Euler
 * lod, whose per-voxel step holds the decay, solves lambda c -
 * (1 + dt lambda) D lap_h c = S (dt lambda = 1e-3 here); Crank-Nicolson lod
 * and spectral split the source from the diffusion (an O(dt D S'') error
 * at the source's edge). Tolerances (of S/lambda) are twice the errors
 * measured (gcc 12, Release and ASan builds alike), each noted beside it
 * (before the decay moved out of the directional solves: lod1 1.77e-4,
 * lod2 4.67e-4, spectral 4.84e-4). */
static void steady_state_with_source(void **state)
{
    const solver_case *sc = *state;
    const double D = 1000.0, lambda = 0.01, S = 2.0, a = 300.0;
    rs_grid g = {100, 1, 1, 10.0};
    rs_substrate_spec spec[1];
    double dt = case_dt(sc, &g, D, lambda, 0.1);
    int steps = (int)ceil(3000.0 / dt); /* 30 relaxation times */
    rs_diffusion_config cfg = case_config(sc, g, dt, 1, spec, D, lambda);
    fx_problem p;
    fx_create(&p, sc->name, &cfg);
    fx_add_sources(&p);
    for (int i = 0; i < g.nx; i++) p.source[0][i] = rs_grid_centre(&g, i) < a ? S : 0.0;
    fx_run(&p, steps);
    double err = 0;
    for (int i = 0; i < g.nx; i++)
        err = fx_max_err(err, fabs(p.fields[0][i] - steady_profile(rs_grid_centre(&g, i), D,
                                                                   lambda, S, a, g.nx * g.dx)));
    double tol = S / lambda * (strcmp(sc->name, "explicit") == 0 ? 1.3e-4   /* 6.51e-5 */
                               : strcmp(sc->name, "spectral") == 0 ? 7.9e-4 /* 3.90e-4 */
                               : sc->time_order == 1               ? 2.9e-4 /* 1.40e-4 */
                                                                   : 4.4e-4 /* 2.16e-4 */);
    print_message("%s%d steady-state error %.3e of S/lambda\n", sc->name, sc->time_order,
                  err / (S / lambda));
    if (!(err <= tol)) fail_msg("%s: steady-state error %.3e > %.3e", sc->name, err, tol);
    fx_destroy(&p);
}

/* One step of the scheme on a uniform field with uniform S, U and decay
 * lambda (no-flux diffusion leaves a uniform field alone) is the affine map
 * c <- a c + b; a_b returns a and sets *b:
 *   explicit  c <- ((1 - dt lambda) c + dt S) / (1 + dt U)  (forward Euler);
 *   lod (1)   c <- (c + dt S) / (1 + dt (U + lambda))      (backward Euler);
 *   lod (2), spectral
 *             c <- (e c + phi S) / (1 + phi U), e = e^{-lambda dt},
 *             phi = (1 - e) / lambda                  (exponential).
 * Each has the fixed point b / (1 - a) = S / (lambda + U) exactly. */
static double uniform_map(const solver_case *sc, double dt, double lambda, double S,
                          double U, double *b)
{
    if (strcmp(sc->name, "explicit") == 0) {
        *b = dt * S / (1.0 + dt * U);
        return (1.0 - dt * lambda) / (1.0 + dt * U);
    }
    if (strcmp(sc->name, "lod") == 0 && sc->time_order == 1) {
        *b = dt * S / (1.0 + dt * (U + lambda));
        return 1.0 / (1.0 + dt * (U + lambda));
    }
    const double phi = lambda > 0 ? -expm1(-dt * lambda) / lambda : dt;
    *b = phi * S / (1.0 + phi * U);
    return exp(-dt * lambda) / (1.0 + phi * U);
}

/* Runs `steps` steps of a uniform field (start c0; S and U uniform, or
 * NULL arrays when 0) on grid g and returns the largest error, relative
 * to `scale`, of any voxel against `want`. */
static double uniform_run(const solver_case *sc, rs_grid g, double dt, double lambda,
                          double S, double U, double c0, int steps, double want,
                          double scale)
{
    const double D = 1000.0;
    rs_substrate_spec spec[1];
    rs_diffusion_config cfg = case_config(sc, g, dt, 1, spec, D, lambda);
    fx_problem p;
    fx_create(&p, sc->name, &cfg);
    fx_add_sources(&p);
    const size_t n = rs_grid_voxels(&g);
    for (size_t v = 0; v < n; v++) {
        p.fields[0][v] = c0;
        p.source[0][v] = S;
        p.uptake[0][v] = U;
    }
    const double *src[1] = {S != 0.0 ? p.source[0] : NULL};
    const double *upt[1] = {U != 0.0 ? p.uptake[0] : NULL};
    for (int s = 0; s < steps; s++)
        assert_int_equal(rs_diffusion_step(p.d, p.fields, src, upt), RS_OK);
    double err = 0.0;
    for (size_t v = 0; v < n; v++) err = fx_max_err(err, fabs(p.fields[0][v] - want));
    fx_destroy(&p);
    return err / scale;
}

/* Known answer: a uniform field with uniform source S, uptake U and decay
 * lambda has the steady state S / (lambda + U) of the continuous problem
 * for every solver and any dt (dt lambda = 1e-3 ... 1e3 and the reported
 * glutamate case S = 30 uM/min, lambda = 60 /min, dt = 30 min, which gave
 * 0.0011 uM (lod) instead of 0.5 uM), 2D and 3D, with D = 1000 (the
 * diffusion must leave the uniform field alone), with a source only, source
 * and uptake, and decay alone (steady state 0). Two checks, each to 1e-12
 * relative (rounding: measured <= 4e-15, printed by ctest -V): (a) started
 * at S / (lambda + U) the field stays there for 20 steps; (b) started at
 * c0, after 6 steps it equals the scheme's exact recurrence
 * c_N = c_inf + a^N (c0 - c_inf) (uniform_map). The explicit solver runs
 * only dt lambda <= 1 at half its stability limit (where dt lambda <= 1
 * keeps a >= 0). */
static void uniform_steady_state(void **state)
{
    const solver_case *sc = *state;
    const int is_explicit = strcmp(sc->name, "explicit") == 0;
    const rs_grid grids[2] = {{12, 10, 1, 10.0}, {8, 6, 5, 10.0}};
    static const struct {
        double dt, lambda, S, U;
    } cases[] = {
        {1.0, 1e-3, 2.0, 0.0},  {1.0, 1e-3, 2.0, 0.5},  {0.01, 1e-1, 2.0, 0.0},
        {0.01, 0.1, 2.0, 3.0},  {0.5, 2.0, 1.0, 0.0},   {0.5, 2.0, 1.0, 10.0},
        {1.0, 10.0, 5.0, 0.0},  {1.0, 10.0, 5.0, 1.0},  {2.0, 50.0, 30.0, 0.0},
        {10.0, 100.0, 3.0, 0.0}, {10.0, 100.0, 3.0, 7.0}, {30.0, 60.0, 30.0, 0.0},
        {1.0, 1e3, 8.0, 0.0},   {1.0, 1e3, 8.0, 250.0}, {0.5, 4.0, 0.0, 0.0},
        {1.0, 1e3, 0.0, 0.0},
    };
    double worst_fixed = 0.0, worst_path = 0.0;
    int ran = 0;
    for (int gi = 0; gi < 2; gi++)
        for (size_t q = 0; q < sizeof cases / sizeof cases[0]; q++) {
            const rs_grid g = grids[gi];
            double dt = cases[q].dt;
            const double lambda = cases[q].lambda, S = cases[q].S, U = cases[q].U;
            if (is_explicit) {
                rs_substrate_spec sp;
                rs_substrate_spec_init(&sp, 1000.0, lambda);
                dt = fmin(dt, 0.5 * rs_diffusion_explicit_dt_limit(&g, &sp, 1));
                if (dt * lambda > 1.0) continue;
            }
            const double c_inf = S / (lambda + U), c0 = S > 0 ? 0.25 * c_inf : 1.0;
            const double scale = fmax(c_inf, c0);
            double b, a = uniform_map(sc, dt, lambda, S, U, &b);
            assert_true(a >= 0.0 && a < 1.0); /* monotone approach */
            /* c_inf is the map's fixed point (the residual, not b / (1 - a),
             * which cancels when a is near 1). */
            if (!(fabs(a * c_inf + b - c_inf) <= 1e-13 * scale))
                fail_msg("map residual %.3e at c_inf %g", a * c_inf + b - c_inf, c_inf);
            const double fixed = uniform_run(sc, g, dt, lambda, S, U, c_inf, 20, c_inf, scale);
            const int steps = 6;
            const double path_want = c_inf + pow(a, steps) * (c0 - c_inf);
            const double path = uniform_run(sc, g, dt, lambda, S, U, c0, steps, path_want, scale);
            if (!(fixed <= 1e-12) || !(path <= 1e-12))
                fail_msg("%s%d %dD dt %g lambda %g S %g U %g: steady-state error %.3e, "
                         "recurrence error %.3e (of %g)", sc->name, sc->time_order, 2 + gi,
                         dt, lambda, S, U, fixed, path, scale);
            worst_fixed = fx_max_err(worst_fixed, fixed);
            worst_path = fx_max_err(worst_path, path);
            ran++;
        }
    print_message("%s%d uniform steady state: %d cases, max relative error %.2e at "
                  "S/(lambda+U), %.2e against the recurrence\n", sc->name, sc->time_order,
                  ran, worst_fixed, worst_path);
    assert_true(ran >= (is_explicit ? 8 : 32));
}

/* Max error, relative to the initial peak, of a Gaussian release (sigma0,
 * centred) after t_end against the free-space solution: amplitude
 * (sigma0^2/sigma^2)^(d/2), sigma^2 = sigma0^2 + 2 D t. */
static double gaussian_error(const solver_case *sc, rs_grid g, double s0, double t_end,
                             double dt)
{
    const double D = 1000.0;
    int d = g.nz > 1 ? 3 : g.ny > 1 ? 2 : 1;
    int steps = (int)ceil(t_end / dt);
    dt = t_end / steps;
    rs_substrate_spec spec[1];
    rs_diffusion_config cfg = case_config(sc, g, dt, 1, spec, D, 0.0);
    fx_problem p;
    fx_create(&p, sc->name, &cfg);
    const double cx = g.nx * g.dx / 2, cy = g.ny * g.dx / 2, cz = g.nz * g.dx / 2;
    const double s2 = s0 * s0 + 2 * D * t_end, amp = pow(s0 * s0 / s2, d / 2.0);
    double *c = p.fields[0], err = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (int k = 0; k < g.nz; k++)
            for (int j = 0; j < g.ny; j++)
                for (int i = 0; i < g.nx; i++) {
                    double x = rs_grid_centre(&g, i) - cx;
                    double y = d > 1 ? rs_grid_centre(&g, j) - cy : 0.0;
                    double z = d > 2 ? rs_grid_centre(&g, k) - cz : 0.0;
                    double r2 = x * x + y * y + z * z;
                    size_t v = i + (size_t)g.nx * (j + (size_t)g.ny * k);
                    if (pass == 0) c[v] = exp(-r2 / (2 * s0 * s0));
                    else err = fx_max_err(err, fabs(c[v] - amp * exp(-r2 / (2 * s2))));
                }
        if (pass == 0) fx_run(&p, steps);
    }
    fx_destroy(&p);
    return err;
}

/* A time step that keeps each scheme's time error well below its spatial
 * error at voxel size dx: explicit at half its stability limit (~dx^2),
 * backward-Euler LOD at 0.002 (dx/10)^2, Crank-Nicolson LOD at 0.01 (its
 * error is O(dt^2)); spectral is exact in time and takes 4 steps. */
static double gaussian_dt(const solver_case *sc, const rs_grid *g, double t_end)
{
    double scale = (g->dx / 10.0) * (g->dx / 10.0);
    if (strcmp(sc->name, "spectral") == 0) return t_end / 4;
    return case_dt(sc, g, 1000.0, 0.0, sc->time_order == 1 ? 0.002 * scale : 0.01);
}

/* A Gaussian release (sigma0 = 30 um = 3 dx) far from the walls (D = 1000,
 * 2D t = 2.5 min, 3D t = 1 min, walls >= 6 sigma away) against the
 * free-space solution. The 3-point Laplacian's error on this Gaussian is
 * 1.6e-3 of the peak in 1D at dx = 10 um (measured), converging as dx^2:
 * explicit and LOD show observed order 2 +- 0.1 in 1D over dx = 10, 5,
 * 2.5 um. Spectral is exact up to the walls' reflection (3D) and rounding
 * (2D). The 2D and 3D tolerances (of the peak) are twice the errors
 * measured, each noted beside it; for spectral 2D, whose error is rounding
 * (8.3e-17), a floor of 1e-14. */
static double gaussian_tol(const solver_case *sc, int three)
{
    static const double tol[4][2] = {
        {1.0e-4, 5.2e-4},  /* explicit: measured 4.96e-5, 2.57e-4 */
        {1.3e-3, 3.4e-3},  /* lod1:     measured 6.11e-4, 1.70e-3 */
        {1.1e-3, 3.1e-3},  /* lod2:     measured 5.45e-4, 1.52e-3 */
        {1.0e-14, 4.3e-9}, /* spectral: measured 8.3e-17, 2.11e-9 */
    };
    int row = strcmp(sc->name, "explicit") == 0 ? 0
              : strcmp(sc->name, "spectral") == 0 ? 3
                                                  : sc->time_order;
    return tol[row][three];
}


static void gaussian_release(void **state)
{
    const solver_case *sc = *state;
    const int spectral = strcmp(sc->name, "spectral") == 0;
    const rs_grid grids[2] = {{128, 128, 1, 10.0}, {64, 64, 64, 10.0}};
    const double t_end[2] = {2.5, 1.0};
    for (int gi = 0; gi < 2; gi++) {
        double err = gaussian_error(sc, grids[gi], 30.0, t_end[gi],
                                    gaussian_dt(sc, &grids[gi], t_end[gi]));
        print_message("%s%d %dD Gaussian error %.3e\n", sc->name, sc->time_order, 2 + gi,
                      err);
        double tol = gaussian_tol(sc, gi);
        if (!(err <= tol))
            fail_msg("%s %dD: Gaussian error %.3e > %.2e", sc->name, 2 + gi, err, tol);
    }
    if (spectral) return;
    double e[3];
    for (int r = 0; r < 3; r++) {
        rs_grid g = {128 << r, 1, 1, 10.0 / (1 << r)};
        e[r] = gaussian_error(sc, g, 30.0, 1.0, gaussian_dt(sc, &g, 1.0));
    }
    for (int r = 0; r < 2; r++) {
        double q = fx_order(e[r], e[r + 1], 2.0, 1.0);
        print_message("%s%d 1D Gaussian space order %d: %.3f (errors %.3e, %.3e)\n", sc->name,
                      sc->time_order, r, q, e[r], e[r + 1]);
        if (!(fabs(q - 2.0) <= 0.1)) fail_msg("%s: 1D Gaussian order %.3f", sc->name, q);
    }
}

/* However large the uptake, a non-negative field stays non-negative (the
 * uptake is implicit). The diffusion step must itself preserve
 * non-negativity: explicit at half its stability limit, backward-Euler LOD
 * and spectral at any dt, Crank-Nicolson LOD only for dt <= dx^2 / D (its
 * explicit half-step has centre weight 1 - dt D / dx^2), so lod2 runs at
 * dt = dx^2 / D. */
static void uptake_keeps_fields_non_negative(void **state)
{
    const solver_case *sc = *state;
    rs_grid g = {16, 14, 12, 10.0};
    rs_substrate_spec spec[1];
    double dt = case_dt(sc, &g, 1000.0, 0.0, sc->time_order == 2 ? 0.1 : 1.0);
    rs_diffusion_config cfg = case_config(sc, g, dt, 1, spec, 1000.0, 0.0);
    fx_problem p;
    fx_create(&p, sc->name, &cfg);
    fx_add_sources(&p);
    size_t n = rs_grid_voxels(&g);
    fx_fill_random(p.fields[0], n, 3, 0.0, 1.0);
    for (size_t i = 0; i < n; i++) p.uptake[0][i] = (i % 3 == 0) ? 1e6 : 0.0;
    fx_run(&p, 20);
    for (size_t i = 0; i < n; i++) assert_true(p.fields[0][i] >= 0.0);
    fx_destroy(&p);
}

/* Source only, no flux, no decay: each step adds exactly dt * sum(S) of
 * mass (to 1e-12 relative). */
static void source_adds_exact_mass(void **state)
{
    const solver_case *sc = *state;
    rs_grid g = {12, 10, 8, 10.0};
    rs_substrate_spec spec[1];
    double dt = case_dt(sc, &g, 500.0, 0.0, 0.7);
    rs_diffusion_config cfg = case_config(sc, g, dt, 1, spec, 500.0, 0.0);
    fx_problem p;
    fx_create(&p, sc->name, &cfg);
    p.uptake[0] = NULL;
    rs_error err;
    assert_int_equal(rs_alloc_doubles(&p.source[0], rs_grid_voxels(&g), &err), RS_OK);
    fx_fill_random(p.source[0], rs_grid_voxels(&g), 8, 0.0, 3.0);
    double m0 = fx_mass(p.fields[0], &g), ms = fx_mass(p.source[0], &g);
    const double *const src[1] = {p.source[0]};
    for (int s = 0; s < 7; s++)
        assert_int_equal(rs_diffusion_step(p.d, p.fields, src, NULL), RS_OK);
    double expect = m0 + 7 * dt * ms;
    assert_true(fabs(fx_mass(p.fields[0], &g) - expect) <= 1e-12 * expect);
    fx_destroy(&p);
}

/* The same steps on 1, 2 and 4 (oversubscribed) threads give
 * bitwise-identical fields (memcmp of the bytes), with sources and uptake,
 * two substrates, 3D, 2D and thin 3D, odd sizes. The work threshold is
 * forced down (min_work_per_thread = 64) so the teams really split the
 * work: every step on t > 1 threads must have run on more than one
 * (d->threads_used), and 4 threads on 4 for some grid. */
static void threads_give_identical_bits(void **state)
{
    const solver_case *sc = *state;
    const rs_grid grids[3] = {{23, 19, 35, 10.0}, {63, 41, 1, 10.0}, {45, 37, 5, 10.0}};
    const int threads[3] = {1, 2, 4};
    int most = 0; /* largest team seen on 4 threads */
    for (int gi = 0; gi < 3; gi++) {
        rs_grid g = grids[gi];
        size_t n = rs_grid_voxels(&g);
        rs_substrate_spec spec[2];
        double dt = case_dt(sc, &g, 1000.0, 0.01, 0.4);
        rs_diffusion_config cfg = case_config(sc, g, dt, 2, spec, 1000.0, 0.01);
        cfg.min_work_per_thread = 64;
        spec[1].diffusion = 30.0;
        omp_set_num_threads(4); /* create sizes per-thread work space for 4 */
        if (omp_get_max_threads() < 4 || omp_get_thread_limit() < 4)
            rs_skip_unless_ci("OpenMP allows %d threads (thread limit %d); this test needs 4",
                              omp_get_max_threads(), omp_get_thread_limit());
        fx_problem p;
        fx_create(&p, sc->name, &cfg);
        fx_add_sources(&p);
        double *result[3][2];
        for (int t = 0; t < 3; t++) {
            omp_set_num_threads(threads[t]);
            for (int s = 0; s < 2; s++) {
                fx_fill_random(p.fields[s], n, 100 + s, 0.0, 1.0);
                fx_fill_random(p.source[s], n, 200 + s, 0.0, 0.1);
                fx_fill_random(p.uptake[s], n, 300 + s, 0.0, 0.5);
            }
            fx_run(&p, 6);
            const int used = p.d->threads_used;
            if (threads[t] == 1 ? used != 1 : used < 2)
                fail_msg("grid %d, %d threads: the step ran on %d", gi, threads[t], used);
            if (threads[t] == 4 && used > most) most = used;
            for (int s = 0; s < 2; s++) {
                result[t][s] = malloc(n * sizeof(double));
                assert_non_null(result[t][s]);
                memcpy(result[t][s], p.fields[s], n * sizeof(double));
                for (size_t i = 0; i < n; i++) assert_true(isfinite(result[t][s][i]));
            }
        }
        omp_set_num_threads(omp_get_num_procs());
        for (int s = 0; s < 2; s++) {
            for (int t = 1; t < 3; t++)
                if (memcmp(result[0][s], result[t][s], n * sizeof(double)) != 0)
                    fail_msg("grid %d substrate %d: 1 and %d threads differ", gi, s, threads[t]);
            for (int t = 0; t < 3; t++) free(result[t][s]);
        }
        fx_destroy(&p);
    }
    assert_int_equal(most, 4);
}

/* Expects creation to fail with `code` and a message containing `needle`,
 * leaving *out NULL. */
static void expect_refused(const char *name, const rs_diffusion_config *cfg,
                           rs_status code, const char *needle)
{
    rs_diffusion *d = (rs_diffusion *)&d; /* not NULL, to see it reset */
    rs_error err;
    rs_error_clear(&err);
    rs_status s = rs_diffusion_create(&d, name, cfg, &err);
    if (s != code) fail_msg("%s: status %d, expected %d (%s)", name, s, code, err.msg);
    assert_null(d);
    if (!strstr(err.msg, needle)) fail_msg("%s: message '%s' lacks '%s'", name, err.msg, needle);
}

/* Creates lod on a 16 x 16 x 8 grid (2048 voxel-substrates) with the given
 * min_work_per_thread, steps once on 4 threads and returns the team size the
 * step used; -1 and the message in msg when creation is refused. */
static int team_for(long min_work, char *msg, size_t size)
{
    rs_substrate_spec spec[1];
    rs_diffusion_config cfg = fx_config((rs_grid){16, 16, 8, 10.0}, 0.5, 1, spec, 100.0, 0.0);
    cfg.min_work_per_thread = min_work;
    rs_diffusion *d = NULL;
    rs_error err;
    rs_error_clear(&err);
    omp_set_num_threads(4);
    if (rs_diffusion_create(&d, "lod", &cfg, &err) != RS_OK) {
        assert_null(d);
        snprintf(msg, size, "%s", err.msg);
        return -1;
    }
    double *c = NULL;
    assert_int_equal(rs_alloc_doubles(&c, 2048, &err), RS_OK);
    double *const f[1] = {c};
    assert_int_equal(rs_diffusion_step(d, f, NULL, NULL), RS_OK);
    int used = d->threads_used;
    rs_free_aligned(c);
    rs_diffusion_destroy(d);
    omp_set_num_threads(omp_get_num_procs());
    return used;
}

/* The thread threshold is a setting: the config's min_work_per_thread
 * when > 0, else REGENSIM_MIN_WORK_PER_THREAD when a whole number >= 1,
 * else 16384 voxel-substrates per thread; 0 or empty is "unset"; a
 * negative config value and an environment value that is not a whole
 * number >= 0 are refused, naming the setting. */
static void work_per_thread_is_a_setting(void **state)
{
    (void)state;
    omp_set_num_threads(4);
    if (omp_get_max_threads() < 4 || omp_get_thread_limit() < 4)
        rs_skip_unless_ci("OpenMP allows %d threads (thread limit %d); this test needs 4",
                              omp_get_max_threads(), omp_get_thread_limit());
    const char *saved_env = getenv("REGENSIM_MIN_WORK_PER_THREAD");
    char *saved = saved_env ? strdup(saved_env) : NULL;
    char msg[512];
    unsetenv("REGENSIM_MIN_WORK_PER_THREAD");
    assert_int_equal(team_for(0, msg, sizeof msg), 1);    /* 2048 < 16384 */
    assert_int_equal(team_for(1024, msg, sizeof msg), 2); /* 2048 / 1024 */
    assert_int_equal(team_for(1, msg, sizeof msg), 4);    /* capped by the 4 threads */
    setenv("REGENSIM_MIN_WORK_PER_THREAD", "256", 1);
    assert_int_equal(team_for(0, msg, sizeof msg), 4);
    assert_int_equal(team_for(1024, msg, sizeof msg), 2); /* the config wins */
    setenv("REGENSIM_MIN_WORK_PER_THREAD", "682", 1);
    assert_int_equal(team_for(0, msg, sizeof msg), 3); /* 2048 / 682 */
    setenv("REGENSIM_MIN_WORK_PER_THREAD", "", 1);
    assert_int_equal(team_for(0, msg, sizeof msg), 1);
    setenv("REGENSIM_MIN_WORK_PER_THREAD", "0", 1);
    assert_int_equal(team_for(0, msg, sizeof msg), 1);
    const char *const bad[] = {"abc", "-5", "12x", " 7", "1e3", "99999999999999999999999"};
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        setenv("REGENSIM_MIN_WORK_PER_THREAD", bad[b], 1);
        assert_int_equal(team_for(0, msg, sizeof msg), -1);
        if (!strstr(msg, "REGENSIM_MIN_WORK_PER_THREAD=") || !strstr(msg, "whole number"))
            fail_msg("'%s': message '%s'", bad[b], msg);
        assert_int_equal(team_for(512, msg, sizeof msg), 4); /* not read when configured */
    }
    unsetenv("REGENSIM_MIN_WORK_PER_THREAD");
    assert_int_equal(team_for(-1, msg, sizeof msg), -1);
    if (!strstr(msg, "min_work_per_thread = -1")) fail_msg("message '%s'", msg);
    if (saved) setenv("REGENSIM_MIN_WORK_PER_THREAD", saved, 1);
    free(saved);
}

/* Absurd requests are refused before any allocation, with the value named. */
static void bad_input_is_refused(void **state)
{
    const solver_case *sc = *state;
    rs_substrate_spec spec[1];
    rs_grid g = {16, 16, 16, 10.0};
    rs_diffusion_config cfg = case_config(sc, g, 0.001, 1, spec, 1000.0, 0.0);
    rs_diffusion_config bad;

    bad = cfg; bad.dt = 0.0;
    expect_refused(sc->name, &bad, RS_EINVAL, "dt = 0");
    bad = cfg; bad.dt = -0.5;
    expect_refused(sc->name, &bad, RS_EINVAL, "dt = -0.5");
    bad = cfg; bad.dt = NAN;
    expect_refused(sc->name, &bad, RS_EINVAL, "dt = nan");
    bad = cfg; bad.grid.nx = 0;
    expect_refused(sc->name, &bad, RS_EINVAL, "nx = 0");
    bad = cfg; bad.grid.dx = -2;
    expect_refused(sc->name, &bad, RS_EINVAL, "dx = -2");
    bad = cfg; bad.grid = (rs_grid){10000, 10000, 10000, 1.0};
    expect_refused(sc->name, &bad, RS_ETOOBIG, "voxels");
    if (rs_memory_available() < 60e9) {
        bad = cfg; bad.grid = (rs_grid){2048, 2048, 2048, 1.0};
        expect_refused(sc->name, &bad, RS_ETOOBIG, "GB");
    }
    bad = cfg; bad.nsubstrates = 0;
    expect_refused(sc->name, &bad, RS_EINVAL, "0 substrates");
    bad = cfg; bad.substrates = NULL;
    expect_refused(sc->name, &bad, RS_EINVAL, "no substrate");
    bad = cfg; bad.time_order = 3;
    expect_refused(sc->name, &bad, RS_EINVAL, "time_order = 3");

    rs_substrate_spec bad_spec = spec[0];
    bad = cfg; bad.substrates = &bad_spec;
    bad_spec.diffusion = -3;
    expect_refused(sc->name, &bad, RS_EINVAL, "diffusion = -3");
    bad_spec = spec[0]; bad_spec.decay = -0.1;
    expect_refused(sc->name, &bad, RS_EINVAL, "decay = -0.1");
    bad_spec = spec[0]; bad_spec.decay = INFINITY;
    expect_refused(sc->name, &bad, RS_EINVAL, "decay = inf");
    bad_spec = spec[0]; bad_spec.bc[RS_FACE_YHI].kind = (rs_bc_kind)7;
    expect_refused(sc->name, &bad, RS_EINVAL, "face y+");
    bad_spec = spec[0];
    bad_spec.bc[RS_FACE_ZLO] = (rs_bc){RS_BC_DIRICHLET, NAN};
    expect_refused(sc->name, &bad, RS_EINVAL, "Dirichlet value nan");
}

static void unknown_solver_is_refused(void **state)
{
    (void)state;
    rs_substrate_spec spec[1];
    rs_diffusion_config cfg = fx_config((rs_grid){8, 8, 1, 1.0}, 0.1, 1, spec, 0.1, 0.0);
    expect_refused("multigrid", &cfg, RS_EINVAL, "unknown solver 'multigrid'");
    expect_refused(NULL, &cfg, RS_EINVAL, "unknown solver");
    assert_null(rs_diffusion_find("nope"));
    assert_true(rs_diffusion_estimate_bytes("nope", &cfg) == 0.0);
    const char *const *names = rs_diffusion_names();
    int n = 0;
    for (; names[n]; n++) {
        assert_non_null(rs_diffusion_find(names[n]));
        assert_true(rs_diffusion_estimate_bytes(names[n], &cfg) >= 8.0);
    }
    assert_int_equal(n, 3);
    /* Only lod has a second-order variant. */
    cfg.time_order = 2;
    expect_refused("explicit", &cfg, RS_EUNSUPPORTED, "time_order 2");
    expect_refused("spectral", &cfg, RS_EUNSUPPORTED, "time_order 2");
}

/* Every solver needs at most 24 bytes per voxel-substrate, field included. */
static void memory_per_voxel_is_small(void **state)
{
    const solver_case *sc = *state;
    rs_substrate_spec spec[4];
    rs_grid g = {32, 32, 32, 10.0};
    double dt = case_dt(sc, &g, 1000.0, 0.0, 0.5);
    rs_diffusion_config cfg = case_config(sc, g, dt, 4, spec, 1000.0, 0.0);
    fx_problem p;
    fx_create(&p, sc->name, &cfg);
    double b = rs_diffusion_bytes_per_voxel_substrate(p.d);
    assert_true(b >= 8.0);
    assert_true(b <= 24.0);
    assert_string_equal(rs_diffusion_name(p.d), sc->name);
    fx_destroy(&p);
}

/* One test entry per solver, named "test/solver". */
#define FOR_SOLVER(fn, sc, label) {#fn "/" label, fn, NULL, NULL, (void *)&sc}
#define ALL_SOLVERS(fn)                                                          \
    FOR_SOLVER(fn, case_explicit, "explicit"), FOR_SOLVER(fn, case_lod1, "lod1"), \
        FOR_SOLVER(fn, case_lod2, "lod2"), FOR_SOLVER(fn, case_spectral, "spectral")

int main(void)
{
    const struct CMUnitTest tests[] = {
        ALL_SOLVERS(cosine_modes),
        ALL_SOLVERS(mass_is_conserved),
        ALL_SOLVERS(step_is_linear),
        ALL_SOLVERS(mirror_symmetry_is_kept),
        ALL_SOLVERS(steady_state_with_source),
        ALL_SOLVERS(uniform_steady_state),
        ALL_SOLVERS(gaussian_release),
        ALL_SOLVERS(uptake_keeps_fields_non_negative),
        ALL_SOLVERS(source_adds_exact_mass),
        ALL_SOLVERS(threads_give_identical_bits),
        ALL_SOLVERS(bad_input_is_refused),
        ALL_SOLVERS(memory_per_voxel_is_small),
        cmocka_unit_test(unknown_solver_is_refused),
        cmocka_unit_test(work_per_thread_is_a_setting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_diffusion_lod.c: the implicit locally one-dimensional solver ("lod"):
 * agreement with an independent reference implementation, cosine-mode
 * decay, time convergence orders, conservation, Dirichlet steady states,
 * unconditional stability, source/uptake and thread-count independence.
 * Only the public API is used, but for the team size a step used
 * (src/field/diffusion_impl.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "diffusion_fixtures.h"
#include "field/diffusion_impl.h" /* threads_used */

#define PI 3.14159265358979323846

/* ---- set-up helpers ---------------------------------------------------- */

static size_t voxels(rs_grid g) { return (size_t)g.nx * g.ny * g.nz; }

static size_t at(rs_grid g, int i, int j, int k)
{
    return (size_t)i + (size_t)g.nx * ((size_t)j + (size_t)g.ny * k);
}

static rs_diffusion_config config(rs_grid g, double dt, int order, int nsub,
                                  const rs_substrate_spec *specs)
{
    rs_diffusion_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.grid = g;
    cfg.dt = dt;
    cfg.nsubstrates = nsub;
    cfg.substrates = specs;
    cfg.time_order = order;
    return cfg;
}

static rs_diffusion *create(rs_grid g, double dt, int order, int nsub,
                            const rs_substrate_spec *specs)
{
    rs_diffusion_config cfg = config(g, dt, order, nsub, specs);
    rs_diffusion *d = NULL;
    rs_error err;
    rs_error_clear(&err);
    if (rs_diffusion_create(&d, "lod", &cfg, &err) != RS_OK)
        fail_msg("create lod: %s", err.msg);
    assert_string_equal(rs_diffusion_name(d), "lod");
    return d;
}

static double *field(rs_grid g)
{
    double *p = NULL;
    rs_error err;
    assert_int_equal(rs_alloc_doubles(&p, voxels(g), &err), RS_OK);
    return p;
}

static void run(rs_diffusion *d, double **c, const double *const *src,
                const double *const *upt, int steps)
{
    for (int s = 0; s < steps; s++)
        assert_int_equal(rs_diffusion_step(d, c, src, upt), RS_OK);
}

/* prod_a cos(pi m_a (i_a + 1/2) / n_a) at voxel centres. */
static void fill_cosine(double *c, rs_grid g, int mx, int my, int mz)
{
    for (int k = 0; k < g.nz; k++)
        for (int j = 0; j < g.ny; j++)
            for (int i = 0; i < g.nx; i++)
                c[at(g, i, j, k)] = cos(PI * mx * (i + 0.5) / g.nx) *
                                    cos(PI * my * (j + 0.5) / g.ny) *
                                    cos(PI * mz * (k + 0.5) / g.nz);
}

/* Eigenvalue of the no-flux 3-point Laplacian for mode m of n cells, times
 * dx^2: 2 - 2 cos(pi m / n). */
static double lap_eig(int m, int n) { return 2.0 - 2.0 * cos(PI * m / n); }

/* Least-squares amplitude of `mode` in c. */
static double amplitude(const double *c, const double *mode, size_t n)
{
    double cm = 0, mm = 0;
    for (size_t i = 0; i < n; i++) {
        cm += c[i] * mode[i];
        mm += mode[i] * mode[i];
    }
    return cm / mm;
}

/* Sum in long double (fixed order), for mass balances at 1e-12. */
static double sum(const double *c, size_t n)
{
    long double s = 0;
    for (size_t i = 0; i < n; i++) s += c[i];
    return (double)s;
}

/* ---- an independent reference: the same scheme, built line by line from
 * the ghost-cell definitions and solved by a general Thomas algorithm ---- */

/* One implicit step (theta = 1 or 1/2) of dc/dt = D c'' - mu c along one
 * line of n values `stride` apart, ghosts per lo/hi. */
static void ref_line(double *c, size_t stride, int n, double D, double mu, double dx,
                     double dt, double theta, const rs_bc *lo, const rs_bc *hi)
{
    double a[512], b[512], u[512], rhs[512];
    if (n < 1 || n > 512) {
        fail_msg("ref_line: n = %d", n);
        return;
    }
    const double q = D / (dx * dx);
    for (int i = 0; i < n; i++) {
        double ci = c[i * stride];
        /* Neighbour values (old) and their treatment on the implicit side:
         * a ghost 2g - x moves -x onto the diagonal and 2g to the right. */
        double left, right, diag = 1.0 + theta * dt * (2.0 * q + mu), konst = 0.0;
        a[i] = -theta * dt * q;
        u[i] = -theta * dt * q;
        if (i > 0) {
            left = c[(i - 1) * stride];
        } else if (lo->kind == RS_BC_DIRICHLET) {
            left = 2.0 * lo->value - ci;
            diag += theta * dt * q;
            konst += theta * dt * q * 2.0 * lo->value;
            a[i] = 0;
        } else {
            left = ci;
            diag -= theta * dt * q;
            a[i] = 0;
        }
        if (i < n - 1) {
            right = c[(i + 1) * stride];
        } else if (hi->kind == RS_BC_DIRICHLET) {
            right = 2.0 * hi->value - ci;
            diag += theta * dt * q;
            konst += theta * dt * q * 2.0 * hi->value;
            u[i] = 0;
        } else {
            right = ci;
            diag -= theta * dt * q;
            u[i] = 0;
        }
        b[i] = diag;
        rhs[i] = ci + (1.0 - theta) * dt * (q * (left - 2.0 * ci + right) - mu * ci) + konst;
    }
    for (int i = 1; i < n; i++) {
        double m = a[i] / b[i - 1];
        b[i] -= m * u[i - 1];
        rhs[i] -= m * rhs[i - 1];
    }
    c[(n - 1) * stride] = rhs[n - 1] / b[n - 1];
    for (int i = n - 2; i >= 0; i--)
        c[i * stride] = (rhs[i] - u[i] * c[(i + 1) * stride]) / b[i];
}

/* One reference step of one substrate. */
static void ref_step(double *c, rs_grid g, const rs_substrate_spec *sp, double dt,
                     int order, const double *src, const double *upt)
{
    const size_t n = voxels(g);
    /* Decay in the per-voxel step: backward Euler with the uptake (order 1),
     * exact with phi = (1 - e^{-lambda dt}) / lambda weighing S and U
     * (order 2). */
    const double lam = sp->decay;
    const double e = exp(-lam * dt), phi = lam > 0 ? (1.0 - e) / lam : dt;
    for (size_t v = 0; v < n; v++) {
        const double S = src ? src[v] : 0.0, U = upt ? upt[v] : 0.0;
        c[v] = order == 1 ? (c[v] + dt * S) / (1.0 + dt * (U + lam))
                          : (e * c[v] + phi * S) / (1.0 + phi * U);
    }
    const int dims = g.nz > 1 ? 3 : 2;
    const double theta = order == 2 ? 0.5 : 1.0, mu = 0.0;
    for (int k = 0; k < g.nz; k++)
        for (int j = 0; j < g.ny; j++)
            ref_line(c + at(g, 0, j, k), 1, g.nx, sp->diffusion, mu, g.dx, dt, theta,
                     &sp->bc[RS_FACE_XLO], &sp->bc[RS_FACE_XHI]);
    for (int k = 0; k < g.nz; k++)
        for (int i = 0; i < g.nx; i++)
            ref_line(c + at(g, i, 0, k), (size_t)g.nx, g.ny, sp->diffusion, mu, g.dx, dt,
                     theta, &sp->bc[RS_FACE_YLO], &sp->bc[RS_FACE_YHI]);
    if (dims == 3)
        for (int j = 0; j < g.ny; j++)
            for (int i = 0; i < g.nx; i++)
                ref_line(c + at(g, i, j, 0), (size_t)g.nx * g.ny, g.nz, sp->diffusion, mu,
                         g.dx, dt, theta, &sp->bc[RS_FACE_ZLO], &sp->bc[RS_FACE_ZHI]);
}

/* Two substrates with different coefficients and a mix of faces. */
static void mixed_specs(rs_substrate_spec sp[2])
{
    rs_substrate_spec_init(&sp[0], 2.0, 0.3);
    sp[0].bc[RS_FACE_XLO] = (rs_bc){RS_BC_DIRICHLET, 1.5};
    sp[0].bc[RS_FACE_YHI] = (rs_bc){RS_BC_DIRICHLET, -0.5};
    sp[0].bc[RS_FACE_ZLO] = (rs_bc){RS_BC_DIRICHLET, 0.25};
    rs_substrate_spec_init(&sp[1], 0.7, 0.0);
    sp[1].bc[RS_FACE_XHI] = (rs_bc){RS_BC_DIRICHLET, 2.0};
    sp[1].bc[RS_FACE_YLO] = (rs_bc){RS_BC_DIRICHLET, 1.0};
    sp[1].bc[RS_FACE_ZHI] = (rs_bc){RS_BC_DIRICHLET, 3.0};
}

/* The solver against ref_step on random fields, sources and uptakes, for
 * both orders and grids that exercise the 8-line groups, their remainders
 * and single-cell directions. Both compute the same scheme in a different
 * order, so they agree to rounding: tolerance 1e-12 on O(1) values after
 * 3 steps (observed differences are ~1e-15). */
static void matches_reference(void **state)
{
    (void)state;
    const rs_grid grids[] = {
        {21, 13, 9, 1.5}, {17, 19, 1, 1.0}, {1, 6, 5, 1.0}, {9, 1, 4, 2.0},
        {6, 5, 1, 1.0},   {1, 1, 1, 1.0},   {8, 16, 3, 0.5},
    };
    rs_substrate_spec sp[2];
    mixed_specs(sp);
    for (size_t gi = 0; gi < sizeof grids / sizeof grids[0]; gi++)
        for (int order = 1; order <= 2; order++) {
            const rs_grid g = grids[gi];
            const size_t n = voxels(g);
            const double dt = 0.8;
            rs_diffusion *d = create(g, dt, order, 2, sp);
            double *c[2], *ref[2], *src[2], *upt[2];
            for (int s = 0; s < 2; s++) {
                c[s] = field(g);
                ref[s] = field(g);
                src[s] = field(g);
                upt[s] = field(g);
                fx_fill_random(c[s], n, 10 + s, 0.0, 2.0);
                fx_fill_random(src[s], n, 20 + s, 0.0, 0.5);
                fx_fill_random(upt[s], n, 30 + s, 0.0, 0.4);
                memcpy(ref[s], c[s], n * sizeof(double));
            }
            /* Substrate 1 gets uptake only (a NULL source entry). */
            const double *srcs[2] = {src[0], NULL}, *upts[2] = {upt[0], upt[1]};
            for (int step = 0; step < 3; step++) {
                assert_int_equal(rs_diffusion_step(d, c, srcs, upts), RS_OK);
                for (int s = 0; s < 2; s++)
                    ref_step(ref[s], g, &sp[s], dt, order, srcs[s], upts[s]);
            }
            for (int s = 0; s < 2; s++) {
                double e = fx_max_diff(c[s], ref[s], 1.0, n);
                if (!(e <= 1e-12))
                    fail_msg("grid %dx%dx%d order %d substrate %d: |lod - ref| = %g", g.nx,
                             g.ny, g.nz, order, s, e);
                rs_free_aligned(c[s]);
                rs_free_aligned(ref[s]);
                rs_free_aligned(src[s]);
                rs_free_aligned(upt[s]);
            }
            rs_diffusion_destroy(d);
        }
}

/* ---- 1. cosine modes --------------------------------------------------- */

/* Runs a no-flux cosine mode and checks (a) it stays that mode (it is an
 * exact eigenvector of every directional operator): residual <= 1e-12,
 * rounding only; (b) its amplitude equals the fully discrete factor
 * (g_0 prod_a g_a)^N, g_a = 1/(1 + dt mu_a) (backward Euler) or
 * (1 - dt mu_a/2)/(1 + dt mu_a/2) (Crank-Nicolson), mu_a = D e_a/dx^2,
 * and the decay's factor g_0 = 1/(1 + dt lambda) (backward Euler, in the
 * per-voxel step) or e^{-lambda dt} (Crank-Nicolson: exact): relative
 * 1e-10 (rounding over N steps); (c) it matches the continuous
 * exp(-(D k^2 + lambda) t) within the discretisation error bound
 * exp(B) - 1, where B adds the spatial bound t D sum k_a^4 dx^2/12 (from
 * k^2 dx^2 - k^4 dx^4/12 <= 2 - 2 cos(k dx) <= k^2 dx^2) and the time
 * bound t dt sum mu_a^2 / 2 over the directions and the decay (BE:
 * z - z^2/2 <= log(1 + z) <= z) or 1.2 t dt^2 sum mu_a^3 / 12 over the
 * directions (CN: log((1+z/2)/(1-z/2)) = z + z^3/12 + O(z^5), z <= 0.5
 * here; the decay adds nothing). */
static void check_cosine(rs_grid g, int mx, int my, int mz, int order)
{
    const double D = 3.0, lambda = 0.01, dt = 0.5;
    const int steps = 100, dims = g.nz > 1 ? 3 : 2;
    const double t = steps * dt;
    rs_substrate_spec sp;
    rs_substrate_spec_init(&sp, D, lambda);
    rs_diffusion *d = create(g, dt, order, 1, &sp);
    const size_t n = voxels(g);
    double *c = field(g), *mode = field(g);
    fill_cosine(mode, g, mx, my, mz);
    memcpy(c, mode, n * sizeof(double));
    run(d, &c, NULL, NULL, steps);

    const int m[3] = {mx, my, mz}, len[3] = {g.nx, g.ny, g.nz};
    double log_g = order == 1 ? -log1p(dt * lambda) : -dt * lambda, k2 = 0, spatial = 0;
    double timeb = order == 1 ? t * dt * lambda * lambda / 2.0 : 0.0;
    for (int a = 0; a < dims; a++) {
        double mu = D * lap_eig(m[a], len[a]) / (g.dx * g.dx);
        double z = dt * mu;
        assert_true(z <= 0.5);
        log_g += order == 1 ? -log1p(z) : log((1.0 - z / 2) / (1.0 + z / 2));
        double k = PI * m[a] / (len[a] * g.dx);
        k2 += k * k;
        spatial += t * D * pow(k, 4) * g.dx * g.dx / 12.0;
        timeb += order == 1 ? t * dt * mu * mu / 2.0 : 1.2 * t * dt * dt * pow(mu, 3) / 12.0;
    }
    const double A = amplitude(c, mode, n);
    assert_true(fx_max_diff(c, mode, A, n) <= 1e-12);
    const double discrete = exp(steps * log_g);
    assert_true(fabs(A / discrete - 1.0) <= 1e-10);
    const double exact = exp(-(D * k2 + lambda) * t);
    assert_true(exact >= 0.05); /* the mode is still far above the tolerances */
    const double bound = expm1(spatial + timeb);
    assert_true(bound < 0.05); /* the comparison means something */
    if (!(fabs(A / exact - 1.0) <= bound))
        fail_msg("order %d: amplitude %.10g, exact %.10g, bound %g", order, A, exact, bound);
    rs_free_aligned(c);
    rs_free_aligned(mode);
    rs_diffusion_destroy(d);
}

static void cosine_mode_decays(void **state)
{
    (void)state;
    for (int order = 1; order <= 2; order++) {
        check_cosine((rs_grid){64, 1, 1, 2.0}, 2, 0, 0, order);
        check_cosine((rs_grid){64, 48, 1, 2.0}, 2, 1, 0, order);
        check_cosine((rs_grid){32, 24, 16, 2.0}, 1, 1, 1, order);
    }
}

/* ---- 2. time convergence ----------------------------------------------- */

/* Max error at t = 1 against the semi-discrete exact solution
 * exp(-(D sum e_a/dx^2 + lambda) t) times the mode, so only the time error
 * remains. */
static double time_error(rs_grid g, int mx, int my, int mz, int order, int steps)
{
    const double D = 2.0, lambda = 0.1, t = 1.0;
    rs_substrate_spec sp;
    rs_substrate_spec_init(&sp, D, lambda);
    rs_diffusion *d = create(g, t / steps, order, 1, &sp);
    const size_t n = voxels(g);
    double *c = field(g), *mode = field(g);
    fill_cosine(mode, g, mx, my, mz);
    memcpy(c, mode, n * sizeof(double));
    run(d, &c, NULL, NULL, steps);
    double rate = lambda + D * (lap_eig(mx, g.nx) + lap_eig(my, g.ny) +
                                (g.nz > 1 ? lap_eig(mz, g.nz) : 0.0)) / (g.dx * g.dx);
    double e = fx_max_diff(c, mode, exp(-rate * t), n);
    rs_free_aligned(c);
    rs_free_aligned(mode);
    rs_diffusion_destroy(d);
    return e;
}

/* Observed orders over four dt (t/20 ... t/160, three refinements) must be
 * within 0.1 of 1 (backward Euler) and 2 (Crank-Nicolson). The decay rate
 * is ~0.6/min, so dt rate <= 0.03 and the next term of the error
 * expansion changes the observed order by < 0.03; the finest CN error
 * (~1e-7) is far above rounding. */
static void check_time_order(rs_grid g, int mx, int my, int mz)
{
    for (int order = 1; order <= 2; order++) {
        double e[4];
        for (int r = 0; r < 4; r++) e[r] = time_error(g, mx, my, mz, order, 20 << r);
        for (int r = 0; r < 3; r++) {
            double p = fx_order(e[r], e[r + 1], 2.0, 1.0);
            print_message("lod %s time_order %d: dt = 1/%d -> 1/%d, errors %.3e -> %.3e, "
                          "observed order %.3f\n", g.nz > 1 ? "3D" : "2D", order, 20 << r,
                          40 << r, e[r], e[r + 1], p);
            if (!(fabs(p - order) <= 0.1))
                fail_msg("%s order %d: observed %.3f (errors %g, %g)",
                         g.nz > 1 ? "3D" : "2D", order, p, e[r], e[r + 1]);
        }
    }
}

static void time_convergence_orders(void **state)
{
    (void)state;
    check_time_order((rs_grid){24, 20, 1, 1.0}, 3, 2, 0);
    check_time_order((rs_grid){16, 12, 10, 1.0}, 2, 1, 1);
}

/* ---- 3. conservation --------------------------------------------------- */

/* No flux, no decay: the column sums of every directional matrix are
 * exactly 1, so mass is conserved up to rounding; 1e-12 relative after 25
 * steps at 36x the explicit limit. */
static void mass_is_conserved(void **state)
{
    (void)state;
    const rs_grid g = {20, 18, 14, 1.0};
    const size_t n = voxels(g);
    for (int order = 1; order <= 2; order++) {
        rs_substrate_spec sp;
        rs_substrate_spec_init(&sp, 2.0, 0.0);
        rs_diffusion *d = create(g, 3.0, order, 1, &sp);
        double *c = field(g);
        fx_fill_random(c, n, 7, 0.0, 1.0);
        const double m0 = sum(c, n);
        run(d, &c, NULL, NULL, 25);
        assert_true(fabs(sum(c, n) / m0 - 1.0) <= 1e-12);
        rs_free_aligned(c);
        rs_diffusion_destroy(d);
    }
}

/* ---- 4. Dirichlet steady states ---------------------------------------- */

/* c = 1 at x-, 0 at x+, no flux elsewhere: the steady state is linear, and
 * the ghost 2g - c is exact for linear profiles, so the discrete steady
 * state equals 1 - x/L at the centres; only convergence and rounding
 * remain: tolerance 1e-11. Backward Euler at dt = 1e4 damps the slowest
 * mode by ~60x per step; Crank-Nicolson at dt = 20 by >= 0.95 per step
 * for 800 steps. */
static void linear_steady_state(void **state)
{
    (void)state;
    const rs_grid grids[] = {{40, 1, 1, 1.0}, {40, 3, 2, 1.0}};
    for (int gi = 0; gi < 2; gi++)
        for (int order = 1; order <= 2; order++) {
            const rs_grid g = grids[gi];
            rs_substrate_spec sp;
            rs_substrate_spec_init(&sp, 1.0, 0.0);
            sp.bc[RS_FACE_XLO] = (rs_bc){RS_BC_DIRICHLET, 1.0};
            sp.bc[RS_FACE_XHI] = (rs_bc){RS_BC_DIRICHLET, 0.0};
            rs_diffusion *d = create(g, order == 1 ? 1e4 : 20.0, order, 1, &sp);
            double *c = field(g);
            run(d, &c, NULL, NULL, order == 1 ? 10 : 800);
            for (int k = 0; k < g.nz; k++)
                for (int j = 0; j < g.ny; j++)
                    for (int i = 0; i < g.nx; i++)
                        assert_true(fabs(c[at(g, i, j, k)] - (1.0 - (i + 0.5) / g.nx)) <=
                                    1e-11);
            rs_free_aligned(c);
            rs_diffusion_destroy(d);
        }
}

/* Max error of the steady state of D c'' = lambda c on [0, 1], c(0) = 1,
 * c(1) = 0, against c = sinh((1 - x)/l) / sinh(1/l), l = sqrt(D/lambda),
 * with nx cells (ny = 1), Crank-Nicolson from the exact profile for 10
 * relaxation times (rate >= lambda + D pi^2, so the start's error shrinks
 * by e^-10). The decay is exact and applied before the x step X (with
 * ny = 1 the y step is the identity), so the fixed point c = X(e c),
 * e = e^{-lambda dt}, solves (1 - e) c - dt (1 + e)/2 A_x c = dt b, A_x
 * the x operator and b its Dirichlet forcing, i.e. (tau - A_x) c =
 * 2 b / (1 + e) with tau = (2/dt) tanh(lambda dt/2): the steady state
 * with decay tau and the boundary values scaled by 2 / (1 + e) (about
 * 1 + dt lambda/2: first order in dt, see docs/numerics.md). The
 * comparison is against that closed form, leaving the spatial error. */
static double sinh_error(int nx)
{
    const double D = 1.0, lambda = 4.0, dt = 1e-4;
    const double tau = 2.0 / dt * tanh(lambda * dt / 2.0), l = sqrt(D / tau);
    const rs_grid g = {nx, 1, 1, 1.0 / nx};
    rs_substrate_spec sp;
    rs_substrate_spec_init(&sp, D, lambda);
    sp.bc[RS_FACE_XLO] = (rs_bc){RS_BC_DIRICHLET, 1.0};
    sp.bc[RS_FACE_XHI] = (rs_bc){RS_BC_DIRICHLET, 0.0};
    rs_diffusion *d = create(g, dt, 2, 1, &sp);
    double *c = field(g), *exact = field(g);
    const double scale = 2.0 / (1.0 + exp(-lambda * dt));
    for (int i = 0; i < nx; i++)
        exact[i] = c[i] = scale * sinh((1.0 - (i + 0.5) * g.dx) / l) / sinh(1.0 / l);
    const int steps = (int)(10.0 / (lambda + D * PI * PI) / dt);
    run(d, &c, NULL, NULL, steps);
    double e = fx_max_diff(c, exact, 1.0, (size_t)nx);
    rs_free_aligned(c);
    rs_free_aligned(exact);
    rs_diffusion_destroy(d);
    return e;
}

/* Observed spatial order within 0.1 of 2 over two refinements. */
static void decay_dirichlet_steady_state(void **state)
{
    (void)state;
    double e[3];
    for (int r = 0; r < 3; r++) e[r] = sinh_error(16 << r);
    for (int r = 0; r < 2; r++) {
        double p = fx_order(e[r], e[r + 1], 2.0, 1.0);
        print_message("lod steady state: nx = %d -> %d, errors %.3e -> %.3e, observed "
                      "order %.3f\n", 16 << r, 32 << r, e[r], e[r + 1], p);
        if (!(fabs(p - 2.0) <= 0.1))
            fail_msg("spatial order %.3f (errors %g, %g)", p, e[r], e[r + 1]);
    }
    assert_true(e[2] < 1e-3);
}

/* ---- 5. stability ------------------------------------------------------ */

/* dt = 1000x the explicit limit. Backward Euler: every directional matrix
 * is an M-matrix with row sums >= 1, so the field stays within [0, max of
 * start and face values] exactly (no tolerance beyond 1e-15 rounding).
 * Crank-Nicolson (no-flux faces): every directional factor is symmetric
 * with eigenvalues in (-1, 1], so the 2-norm never grows (relative slack
 * 1e-12 for rounding); it is not positivity-preserving at this dt. */
static void large_dt_is_stable(void **state)
{
    (void)state;
    const rs_grid g = {16, 14, 12, 1.0};
    const size_t n = voxels(g);
    rs_substrate_spec sp;
    rs_substrate_spec_init(&sp, 1.0, 0.05);
    const double dt = 1000.0 * rs_diffusion_explicit_dt_limit(&g, &sp, 1);

    sp.bc[RS_FACE_YLO] = (rs_bc){RS_BC_DIRICHLET, 0.5};
    rs_diffusion *d = create(g, dt, 1, 1, &sp);
    double *c = field(g);
    fx_fill_random(c, n, 3, 0.0, 1.0);
    for (int s = 0; s < 20; s++) {
        run(d, &c, NULL, NULL, 1);
        for (size_t v = 0; v < n; v++) assert_true(c[v] >= 0.0 && c[v] <= 1.0 + 1e-15);
    }
    rs_diffusion_destroy(d);

    /* A single spike in zeros next to a Dirichlet-0 face, at dt up to 1e12
     * times the explicit limit: backward Euler's factors (inverse pivots,
     * multipliers) are all positive, so every value stays >= 0 exactly, and
     * the values stay below the spike. */
    for (double f = 1e3; f <= 1e12; f *= 1e3) {
        sp.bc[RS_FACE_YLO] = (rs_bc){RS_BC_DIRICHLET, 0.0};
        d = create(g, f * rs_diffusion_explicit_dt_limit(&g, &sp, 1), 1, 1, &sp);
        for (size_t v = 0; v < n; v++) c[v] = 0.0;
        c[at(g, 3, 0, 5)] = 1.0;
        for (int s = 0; s < 3; s++) {
            run(d, &c, NULL, NULL, 1);
            for (size_t v = 0; v < n; v++) assert_true(c[v] >= 0.0 && c[v] <= 1.0);
        }
        rs_diffusion_destroy(d);
    }

    sp.bc[RS_FACE_YLO] = (rs_bc){RS_BC_NEUMANN, 0.0};
    d = create(g, dt, 2, 1, &sp);
    fx_fill_random(c, n, 4, 0.0, 1.0);
    double norm = 0;
    for (size_t v = 0; v < n; v++) norm += c[v] * c[v];
    for (int s = 0; s < 20; s++) {
        run(d, &c, NULL, NULL, 1);
        double nn = 0;
        for (size_t v = 0; v < n; v++) nn += c[v] * c[v];
        assert_true(isfinite(nn) && nn <= norm * (1.0 + 1e-12));
        norm = nn;
    }
    rs_free_aligned(c);
    rs_diffusion_destroy(d);
}

/* ---- 6. source and uptake ---------------------------------------------- */

/* Uptake 1e15/min (dt U ~ 1e15) drives the field to ~0 but never below:
 * exact non-negativity for backward Euler at 100x the explicit limit and
 * for Crank-Nicolson below the limit where its explicit half has
 * non-negative weights. */
static void huge_uptake_stays_non_negative(void **state)
{
    (void)state;
    const rs_grid g = {19, 17, 9, 1.0};
    const size_t n = voxels(g);
    rs_substrate_spec sp;
    rs_substrate_spec_init(&sp, 1.0, 0.0);
    double *c = field(g), *s = field(g), *u = field(g);
    for (int order = 1; order <= 2; order++) {
        const double dt = order == 1 ? 100.0 / 6.0 : 0.5;
        rs_diffusion *d = create(g, dt, order, 1, &sp);
        fx_fill_random(c, n, 5, 0.0, 1.0);
        fx_fill_random(s, n, 6, 0.0, 1.0);
        for (size_t v = 0; v < n; v++) u[v] = v % 3 == 0 ? 1e15 : 0.0;
        const double *src[1] = {s}, *upt[1] = {u};
        for (int step = 0; step < 10; step++) {
            assert_int_equal(rs_diffusion_step(d, &c, src, upt), RS_OK);
            for (size_t v = 0; v < n; v++) assert_true(c[v] >= 0.0 && isfinite(c[v]));
        }
        rs_diffusion_destroy(d);
    }
    rs_free_aligned(c);
    rs_free_aligned(s);
    rs_free_aligned(u);
}

/* Source only (uptake array NULL), no flux, no decay: each step adds
 * exactly dt sum S to the total: relative 1e-12 (rounding in the sums). */
static void source_adds_dt_s_per_step(void **state)
{
    (void)state;
    const rs_grid grids[] = {{23, 15, 11, 1.0}, {31, 27, 1, 1.0}};
    for (int gi = 0; gi < 2; gi++)
        for (int order = 1; order <= 2; order++) {
            const rs_grid g = grids[gi];
            const size_t n = voxels(g);
            const double dt = 0.7;
            rs_substrate_spec sp;
            rs_substrate_spec_init(&sp, 1.3, 0.0);
            rs_diffusion *d = create(g, dt, order, 1, &sp);
            double *c = field(g), *s = field(g);
            fx_fill_random(c, n, 8, 0.0, 1.0);
            fx_fill_random(s, n, 9, 0.0, 2.0);
            const double added = dt * sum(s, n);
            const double *src[1] = {s};
            for (int step = 0; step < 5; step++) {
                double before = sum(c, n);
                assert_int_equal(rs_diffusion_step(d, &c, src, NULL), RS_OK);
                assert_true(fabs(sum(c, n) - (before + added)) <= 1e-12 * (before + added));
            }
            rs_free_aligned(c);
            rs_free_aligned(s);
            rs_diffusion_destroy(d);
        }
}

/* ---- 7. threads -------------------------------------------------------- */

/* Same solver (created under 1 thread), same input, run with 1, 2 and 4
 * OpenMP threads: the fields must be bitwise identical (memcmp). 4 threads
 * also exercises the guard on per-thread scratch sized at create. The work
 * threshold is forced down (min_work_per_thread = 64) so the teams really
 * split the work, which the test checks (d->threads_used > 1): 3D, 2D and
 * 3D with a thin y, both time orders. */
static void threads_give_identical_bits(void **state)
{
    (void)state;
    const rs_grid grids[] = {{27, 19, 13, 1.0}, {73, 41, 1, 1.0}, {50, 3, 25, 1.0}};
    const int threads[3] = {1, 2, 4};
    rs_substrate_spec sp[2];
    mixed_specs(sp);
    const int saved = omp_get_max_threads();
    for (int gi = 0; gi < 3; gi++)
        for (int order = 1; order <= 2; order++) {
            const rs_grid g = grids[gi];
            const size_t n = voxels(g);
            omp_set_num_threads(1);
            rs_diffusion_config cfg = config(g, 1.7, order, 2, sp);
            cfg.min_work_per_thread = 64;
            rs_diffusion *d = NULL;
            rs_error err;
            if (rs_diffusion_create(&d, "lod", &cfg, &err) != RS_OK)
                fail_msg("create lod: %s", err.msg);
            double *c[3][2], *src[2], *upt[2];
            for (int s = 0; s < 2; s++) {
                src[s] = field(g);
                upt[s] = field(g);
                fx_fill_random(src[s], n, 40 + s, 0.0, 1.0);
                fx_fill_random(upt[s], n, 50 + s, 0.0, 0.3);
                for (int t = 0; t < 3; t++) {
                    c[t][s] = field(g);
                    fx_fill_random(c[t][s], n, 60 + s, 0.0, 1.0);
                }
            }
            for (int t = 0; t < 3; t++) {
                omp_set_num_threads(threads[t]);
                if (omp_get_max_threads() < threads[t] ||
                    omp_get_thread_limit() < threads[t])
                    rs_skip_unless_ci("OpenMP allows %d threads (thread limit %d); this "
                                      "test needs 4", omp_get_max_threads(),
                                      omp_get_thread_limit());
                run(d, c[t], (const double *const *)src, (const double *const *)upt, 4);
                const int used = d->threads_used;
                if (threads[t] == 1 ? used != 1 : used < 2)
                    fail_msg("grid %d order %d, %d threads: the step ran on %d", gi, order,
                             threads[t], used);
            }
            for (int s = 0; s < 2; s++) {
                for (size_t v = 0; v < n; v++) assert_true(isfinite(c[0][s][v]));
                for (int t = 1; t < 3; t++)
                    if (memcmp(c[0][s], c[t][s], n * sizeof(double)) != 0)
                        fail_msg("grid %d order %d substrate %d: 1 and %d threads differ", gi,
                                 order, s, threads[t]);
                for (int t = 0; t < 3; t++) rs_free_aligned(c[t][s]);
                rs_free_aligned(src[s]);
                rs_free_aligned(upt[s]);
            }
            rs_diffusion_destroy(d);
        }
    omp_set_num_threads(saved);
}

/* ---- memory ------------------------------------------------------------ */

/* The field plus a tiny work space: at most 8.1 bytes per voxel-substrate
 * on a 64^3 grid (the Thomas factors are O(n) per substrate), plus for
 * Crank-Nicolson a row of scratch per thread create sized for (which grows
 * with the machine's processor count, so it is allowed for exactly). */
/* With no flux and no decay, mass is conserved to 1e-13 (relative) even
 * for dt D / dx^2 up to 1e20 (the Thomas pivots are formed without
 * cancellation; an earlier factorisation lost 1e-4 of the mass at 1e13 and
 * returned inf at 1e19). Backward Euler only: Crank-Nicolson's explicit half
 * cancels at such steps (docs/numerics.md). */
static void huge_dt_conserves_mass(void **state)
{
    (void)state;
    const rs_grid grids[3] = {{64, 1, 1, 10.0}, {24, 20, 1, 10.0}, {12, 10, 8, 10.0}};
    rs_substrate_spec sp;
    rs_substrate_spec_init(&sp, 1000.0, 0.0);
    for (int gi = 0; gi < 3; gi++) {
        rs_grid g = grids[gi];
        size_t n = voxels(g);
        double *c = field(g);
        for (double r = 1e4; r <= 1e20; r *= 1e4) {
            rs_diffusion *d = create(g, r * g.dx * g.dx / sp.diffusion, 1, 1, &sp);
            fx_fill_random(c, n, 7, 0.0, 1.0);
            double m0 = sum(c, n);
            run(d, &c, NULL, NULL, 3);
            double m = sum(c, n);
            if (!(fabs(m - m0) <= 1e-13 * m0))
                fail_msg("grid %d, r = %g: mass %.17g -> %.17g", gi, r, m0, m);
            rs_diffusion_destroy(d);
        }
        rs_free_aligned(c);
    }
}

static void memory_is_small(void **state)
{
    (void)state;
    const rs_grid g = {64, 64, 64, 1.0};
    rs_substrate_spec sp;
    rs_substrate_spec_init(&sp, 1.0, 0.1);
    for (int order = 1; order <= 2; order++) {
        rs_diffusion *d = create(g, 1.0, order, 1, &sp);
        double b = rs_diffusion_bytes_per_voxel_substrate(d);
        int threads = omp_get_max_threads() > omp_get_num_procs() ? omp_get_max_threads()
                                                                 : omp_get_num_procs();
        double scratch = order == 2 ? 8.0 * threads * g.nx / (double)voxels(g) : 0.0;
        assert_true(b > 8.0 && b <= 8.1 + scratch);
        rs_diffusion_destroy(d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matches_reference),
        cmocka_unit_test(cosine_mode_decays),
        cmocka_unit_test(time_convergence_orders),
        cmocka_unit_test(mass_is_conserved),
        cmocka_unit_test(linear_steady_state),
        cmocka_unit_test(decay_dirichlet_steady_state),
        cmocka_unit_test(large_dt_is_stable),
        cmocka_unit_test(huge_uptake_stays_non_negative),
        cmocka_unit_test(source_adds_dt_s_per_step),
        cmocka_unit_test(threads_give_identical_bits),
        cmocka_unit_test(huge_dt_conserves_mass),
        cmocka_unit_test(memory_is_small),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

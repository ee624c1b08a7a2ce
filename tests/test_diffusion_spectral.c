/* test_diffusion_spectral.c: the spectral solver against exact solutions:
 * cosine modes, mass, a Gaussian release, source/uptake; its refusal of
 * Dirichlet faces; and bitwise determinism across thread counts. Public API
 * only, but for the team size a step used (src/field/diffusion_impl.h).
 * Each check states its tolerance and why. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_test.h"
#include "field/diffusion_impl.h" /* threads_used */

static const double pi = 3.14159265358979323846;

/* make_solver with a work-per-thread threshold (0: the default). */
static rs_diffusion *make_solver_work(int nx, int ny, int nz, double dx, double dt,
                                      double diffusion, double decay, int nsub,
                                      rs_fft_rigor rigor, long min_work);

/* A solver with nsub substrates of equal D and lambda on an nx x ny x nz
 * grid; fails the test if creation fails. */
static rs_diffusion *make_solver(int nx, int ny, int nz, double dx, double dt,
                                 double diffusion, double decay, int nsub,
                                 rs_fft_rigor rigor)
{
    return make_solver_work(nx, ny, nz, dx, dt, diffusion, decay, nsub, rigor, 0);
}

static rs_diffusion *make_solver_work(int nx, int ny, int nz, double dx, double dt,
                                      double diffusion, double decay, int nsub,
                                      rs_fft_rigor rigor, long min_work)
{
    rs_substrate_spec specs[4];
    assert_true(nsub >= 1 && nsub <= 4);
    for (int n = 0; n < nsub; n++) rs_substrate_spec_init(&specs[n], diffusion, decay);
    rs_diffusion_config cfg = {.grid = {nx, ny, nz, dx}, .dt = dt, .nsubstrates = nsub,
                               .substrates = specs, .fft_rigor = rigor,
                               .min_work_per_thread = min_work};
    rs_diffusion *d = NULL;
    rs_error err;
    rs_error_clear(&err);
    rs_status st = rs_diffusion_create(&d, "spectral", &cfg, &err);
    if (st != RS_OK) fail_msg("create: %s", err.msg);
    assert_non_null(d);
    assert_string_equal(rs_diffusion_name(d), "spectral");
    return d;
}

static double *alloc_field(size_t n)
{
    double *p = NULL;
    rs_error err;
    assert_int_equal(rs_alloc_doubles(&p, n, &err), RS_OK);
    return p;
}

static double sum(const double *c, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += c[i];
    return s;
}

/* A reproducible pseudo-random value in [0, 1) (splitmix-style hash). */
static double hash01(uint64_t i)
{
    uint64_t z = i * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e5ddull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
}

/* One cosine mode cos(pi mx x / Lx) cos(pi my y / Ly) cos(pi mz z / Lz) at
 * voxel (i, j, k) of a grid of n[3] voxels of edge dx. */
static double mode(const int n[3], const int m[3], int i, int j, int k, double dx)
{
    const int idx[3] = {i, j, k};
    double v = 1.0;
    for (int a = 0; a < 3; a++) {
        const double x = (idx[a] + 0.5) * dx, len = n[a] * dx;
        v *= cos(pi * m[a] * x / len);
    }
    return v;
}

/* D |k|^2 for a mode. */
static double mode_rate(const int n[3], const int m[3], double dx, double diffusion)
{
    double k2 = 0.0;
    for (int a = 0; a < 3; a++) {
        const double k = pi * m[a] / (n[a] * dx);
        k2 += k * k;
    }
    return diffusion * k2;
}

/* Runs a sum of three modes (amplitudes 1, 0.5, 0.25) for `steps` steps of
 * at most max_dt, short enough that the fastest mode keeps >= e^-3 of its
 * amplitude, and returns the max error against exp(-(D k^2 + lambda) t) per
 * mode relative to the smallest mode amplitude left (>= 0.25 e^-3 = 0.012),
 * so every mode weighs in the check. */
static double mode_error(int nx, int ny, int nz, const int modes[3][3], double diffusion,
                         double decay, double max_dt, int steps)
{
    const int n[3] = {nx, ny, nz};
    const double dx = 2.5, amp[3] = {1.0, 0.5, 0.25};
    const size_t nv = (size_t)nx * ny * nz;
    double fastest = decay;
    for (int q = 0; q < 3; q++)
        fastest = fmax(fastest, mode_rate(n, modes[q], dx, diffusion) + decay);
    const double dt = fmin(max_dt, 3.0 / (fastest * steps));
    rs_diffusion *d = make_solver(nx, ny, nz, dx, dt, diffusion, decay, 1, RS_FFT_ESTIMATE);
    double *c = alloc_field(nv);
    for (int k = 0; k < nz; k++)
        for (int j = 0; j < ny; j++)
            for (int i = 0; i < nx; i++) {
                double v = 0.0;
                for (int q = 0; q < 3; q++) v += amp[q] * mode(n, modes[q], i, j, k, dx);
                c[i + (size_t)nx * (j + (size_t)ny * k)] = v;
            }
    double *const f[1] = {c};
    for (int s = 0; s < steps; s++) assert_int_equal(rs_diffusion_step(d, f, NULL, NULL), RS_OK);
    const double t = steps * dt;
    double g[3], least = INFINITY;
    for (int q = 0; q < 3; q++) {
        g[q] = amp[q] * exp(-(mode_rate(n, modes[q], dx, diffusion) + decay) * t);
        least = fmin(least, g[q]);
    }
    assert_true(least >= 0.25 * exp(-3.0) * (1 - 1e-12));
    double worst = 0.0;
    for (int k = 0; k < nz; k++)
        for (int j = 0; j < ny; j++)
            for (int i = 0; i < nx; i++) {
                double v = 0.0;
                for (int q = 0; q < 3; q++) v += g[q] * mode(n, modes[q], i, j, k, dx);
                double e = fabs(c[i + (size_t)nx * (j + (size_t)ny * k)] - v);
                if (!(e <= worst)) worst = isnan(worst) ? worst : e; /* NaN sticks */
            }
    rs_free_aligned(c);
    rs_diffusion_destroy(d);
    return worst / least;
}

/* Cosine modes decay exactly as exp(-(D k^2 + lambda) t): tolerance 1e-12
 * relative to the smallest mode left (the only errors are the transforms'
 * round-off, ~1e-15 per step, and the exp() of the factors, a few ulp,
 * divided by that mode's amplitude >= 0.012; measured <= 1.5e-13). 2D and
 * 3D, even, odd and unit sizes (odd sizes exercise the unaligned plans),
 * with and without decay, mode 0 included; dt D / dx^2 up to 0.8 (past the
 * explicit limit), shorter where a mode would otherwise decay below e^-3 of
 * its start. */
static void cosine_modes_decay_exactly(void **state)
{
    (void)state;
    static const struct {
        int nx, ny, nz;
        int m[3][3];
        double decay;
    } cases[] = {
        {16, 10, 1, {{3, 2, 0}, {1, 0, 0}, {0, 0, 0}}, 0.0},
        {16, 10, 1, {{3, 2, 0}, {0, 5, 0}, {15, 9, 0}}, 0.03},
        {7, 9, 1, {{1, 1, 0}, {6, 0, 0}, {2, 8, 0}}, 0.0},
        {15, 12, 9, {{2, 3, 1}, {0, 0, 4}, {14, 11, 8}}, 0.0},
        {15, 12, 9, {{1, 0, 0}, {3, 5, 2}, {0, 0, 0}}, 0.05},
        {16, 8, 6, {{4, 1, 3}, {0, 7, 0}, {1, 1, 1}}, 0.02},
        {9, 7, 5, {{8, 6, 4}, {1, 2, 3}, {0, 0, 0}}, 0.0},
        {1, 6, 5, {{0, 2, 1}, {0, 5, 4}, {0, 0, 0}}, 0.01},
        {5, 1, 4, {{2, 0, 1}, {4, 0, 3}, {0, 0, 0}}, 0.0},
        {12, 12, 2, {{5, 5, 1}, {0, 0, 1}, {0, 0, 0}}, 0.0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        double err = mode_error(cases[c].nx, cases[c].ny, cases[c].nz, cases[c].m, 5.0,
                                cases[c].decay, 1.0, 6);
        print_message("case %zu: relative error %.3e\n", c, err);
        if (!(err <= 1e-12)) /* measured <= 1.5e-13 */
            fail_msg("case %zu (%d x %d x %d): max error %.3g > 1e-12", c, cases[c].nx,
                     cases[c].ny, cases[c].nz, err);
    }
}

/* Without decay the total is conserved: the mean is mode 0, whose factor is
 * exactly 1 (after the 1/(2n) normalisation). Tolerance 1e-12 relative: the
 * round-off of the transforms and of the sum itself over ~10^4 voxels. */
static void mass_is_conserved(void **state)
{
    (void)state;
    static const int sizes[][3] = {{20, 14, 1}, {15, 12, 9}, {16, 16, 16}};
    for (size_t q = 0; q < sizeof sizes / sizeof sizes[0]; q++) {
        const int nx = sizes[q][0], ny = sizes[q][1], nz = sizes[q][2];
        const size_t nv = (size_t)nx * ny * nz;
        rs_diffusion *d = make_solver(nx, ny, nz, 1.0, 0.5, 3.0, 0.0, 1, RS_FFT_ESTIMATE);
        double *c = alloc_field(nv);
        for (size_t i = 0; i < nv; i++) c[i] = hash01(i);
        const double m0 = sum(c, nv);
        double *const f[1] = {c};
        for (int s = 0; s < 10; s++) assert_int_equal(rs_diffusion_step(d, f, NULL, NULL), RS_OK);
        assert_true(fabs(sum(c, nv) - m0) <= 1e-12 * m0);
        rs_free_aligned(c);
        rs_diffusion_destroy(d);
    }
}

/* A Gaussian of width sigma0 = 2 dx in the middle of a 64^3 box matches the
 * free-space solution: sigma^2 = sigma0^2 + 2 D t, amplitude
 * (sigma0 / sigma)^3 exp(-lambda t). Here sigma = 4 dx. Error sources:
 *  - the walls: the mirror images sit >= 64 dx from the centre, adding at most
 *    exp(-32^2 / (2 sigma^2)) = exp(-32) ~ 1e-14 of the peak;
 *  - the sampling: aliased spectrum after evolution is at most
 *    exp(-2 pi^2 sigma0^2 (2 D t) / sigma^2 / dx^2) = exp(-59), nothing;
 *  - round-off of 2 x 3 transforms of 64 points: ~1e-15 of the peak.
 * Measured 5.6e-16 of the initial peak (rounding): tolerance 1e-14, a
 * rounding floor (twice the measured value would depend on the build). */
static void gaussian_matches_free_space(void **state)
{
    (void)state;
    const int n = 64;
    const double dx = 1.0, sigma0 = 2.0, diffusion = 1.5, decay = 0.01, dt = 1.0;
    const int steps = 4; /* 2 D t = 12, sigma^2 = 16 */
    const size_t nv = (size_t)n * n * n;
    rs_diffusion *d = make_solver(n, n, n, dx, dt, diffusion, decay, 1, RS_FFT_ESTIMATE);
    double *c = alloc_field(nv);
    const double centre = 0.5 * n * dx;
    for (int k = 0; k < n; k++)
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++) {
                double x = (i + 0.5) * dx - centre, y = (j + 0.5) * dx - centre,
                       z = (k + 0.5) * dx - centre;
                c[i + (size_t)n * (j + (size_t)n * k)] =
                    exp(-(x * x + y * y + z * z) / (2 * sigma0 * sigma0));
            }
    double *const f[1] = {c};
    for (int s = 0; s < steps; s++) assert_int_equal(rs_diffusion_step(d, f, NULL, NULL), RS_OK);
    const double t = steps * dt, s2 = sigma0 * sigma0 + 2 * diffusion * t;
    const double amp = pow(sigma0 * sigma0 / s2, 1.5) * exp(-decay * t);
    double worst = 0.0;
    for (int k = 0; k < n; k++)
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++) {
                double x = (i + 0.5) * dx - centre, y = (j + 0.5) * dx - centre,
                       z = (k + 0.5) * dx - centre;
                double exact = amp * exp(-(x * x + y * y + z * z) / (2 * s2));
                double e = fabs(c[i + (size_t)n * (j + (size_t)n * k)] - exact);
                if (!(e <= worst)) worst = isnan(worst) ? worst : e; /* NaN sticks */
            }
    print_message("Gaussian: max error %.3e of the initial peak\n", worst);
    if (!(worst <= 1e-14)) fail_msg("max error %.3g of the initial peak > 1e-14", worst);
    rs_free_aligned(c);
    rs_diffusion_destroy(d);
}

/* Dirichlet on any active face is refused with RS_EUNSUPPORTED, naming the
 * substrate and the face; in 2D the z faces are inactive and accepted. */
static void dirichlet_is_refused(void **state)
{
    (void)state;
    static const char *const faces[RS_NFACES] = {"x-", "x+", "y-", "y+", "z-", "z+"};
    for (int f = 0; f < RS_NFACES; f++) {
        rs_substrate_spec specs[2];
        rs_substrate_spec_init(&specs[0], 1.0, 0.0);
        rs_substrate_spec_init(&specs[1], 1.0, 0.0);
        specs[1].bc[f].kind = RS_BC_DIRICHLET;
        specs[1].bc[f].value = 1.0;
        rs_diffusion_config cfg = {.grid = {8, 6, 4, 1.0}, .dt = 1.0, .nsubstrates = 2,
                                   .substrates = specs};
        rs_diffusion *d = (rs_diffusion *)&d; /* not NULL: create must reset it */
        rs_error err;
        rs_error_clear(&err);
        assert_int_equal(rs_diffusion_create(&d, "spectral", &cfg, &err), RS_EUNSUPPORTED);
        assert_null(d);
        assert_int_equal(err.code, RS_EUNSUPPORTED);
        char want[64];
        snprintf(want, sizeof want, "substrate 1 has a Dirichlet boundary on face %s;",
                 faces[f]);
        if (!strstr(err.msg, want)) fail_msg("message '%s' lacks '%s'", err.msg, want);
        assert_non_null(strstr(err.msg, "use solver lod"));

        /* The same spec on a 2D grid: refused for x and y, accepted for z. */
        cfg.grid.nz = 1;
        rs_error_clear(&err);
        rs_status st = rs_diffusion_create(&d, "spectral", &cfg, &err);
        if (f >= RS_FACE_ZLO) {
            if (st != RS_OK) fail_msg("2D, z Dirichlet: %s", err.msg);
            rs_diffusion_destroy(d);
        } else {
            assert_int_equal(st, RS_EUNSUPPORTED);
            assert_null(d);
            assert_non_null(strstr(err.msg, want));
        }
    }
}

/* Source and uptake. With D = lambda = 0 the transforms are the identity up
 * to round-off, so each voxel must follow c <- (c + dt S) / (1 + dt U)
 * exactly: tolerance 1e-13 relative per voxel. A source alone adds exactly
 * dt sum(S) to the total: tolerance 1e-12 relative. NULL entries and NULL
 * arrays are allowed per substrate. */
static void source_and_uptake(void **state)
{
    (void)state;
    static const int sizes[][3] = {{11, 7, 1}, {10, 7, 5}};
    for (size_t q = 0; q < sizeof sizes / sizeof sizes[0]; q++) {
        const int nx = sizes[q][0], ny = sizes[q][1], nz = sizes[q][2];
        const size_t nv = (size_t)nx * ny * nz;
        const double dt = 0.5;

        /* Identity transform: per-voxel check, three substrates with
         * source+uptake, source only, and neither. */
        rs_diffusion *d = make_solver(nx, ny, nz, 1.0, dt, 0.0, 0.0, 3, RS_FFT_ESTIMATE);
        double *c[3], *s = alloc_field(nv), *u = alloc_field(nv), *c0 = alloc_field(nv);
        for (int n = 0; n < 3; n++) c[n] = alloc_field(nv);
        for (size_t i = 0; i < nv; i++) {
            c0[i] = 1.0 + hash01(i);
            s[i] = hash01(i + nv);
            u[i] = 100.0 * hash01(i + 2 * nv);
            for (int n = 0; n < 3; n++) c[n][i] = c0[i];
        }
        const double *src[3] = {s, s, NULL}, *upt[3] = {u, NULL, NULL};
        double *const f[3] = {c[0], c[1], c[2]};
        assert_int_equal(rs_diffusion_step(d, f, src, upt), RS_OK);
        for (size_t i = 0; i < nv; i++) {
            const double want[3] = {(c0[i] + dt * s[i]) / (1.0 + dt * u[i]),
                                    c0[i] + dt * s[i], c0[i]};
            for (int n = 0; n < 3; n++)
                if (!(fabs(c[n][i] - want[n]) <= 1e-13 * want[n]))
                    fail_msg("substrate %d voxel %zu: %.17g, expected %.17g", n, i,
                             c[n][i], want[n]);
        }
        rs_diffusion_destroy(d);

        /* Diffusing: a source alone adds dt sum(S) per step (no uptake array
         * at all). */
        d = make_solver(nx, ny, nz, 1.0, dt, 2.0, 0.0, 1, RS_FFT_ESTIMATE);
        memcpy(c[0], c0, nv * sizeof *c0);
        const double m0 = sum(c0, nv), ms = sum(s, nv);
        const double *src1[1] = {s};
        for (int step = 0; step < 3; step++)
            assert_int_equal(rs_diffusion_step(d, f, src1, NULL), RS_OK);
        const double want = m0 + 3 * dt * ms;
        if (!(fabs(sum(c[0], nv) - want) <= 1e-12 * want))
            fail_msg("mass %.17g, expected %.17g", sum(c[0], nv), want);

        rs_diffusion_destroy(d);

        /* A huge uptake (dt U = 5e6) on half the domain: an explicit update
         * would swing to -5e6 c; the implicit one keeps the field >= 0 up
         * to transform round-off (1e-12 of the peak) and drains the half.
         * D dt / dx^2 = 5 keeps the heat kernel's grid samples positive to
         * within exp(-pi^2 5), so diffusion adds no negative values. */
        d = make_solver(nx, ny, nz, 1.0, dt, 10.0, 0.0, 1, RS_FFT_ESTIMATE);
        for (size_t i = 0; i < nv; i++) {
            c[0][i] = c0[i];
            u[i] = (i % (size_t)nx) < (size_t)nx / 2 ? 1e7 : 0.0;
        }
        const double *upt1[1] = {u};
        for (int step = 0; step < 5; step++)
            assert_int_equal(rs_diffusion_step(d, f, NULL, upt1), RS_OK);
        double lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < nv; i++) {
            if (!isfinite(c[0][i])) fail_msg("voxel %zu: %g", i, c[0][i]);
            if (c[0][i] < lo) lo = c[0][i];
            if (c[0][i] > hi) hi = c[0][i];
        }
        if (lo < -1e-12 * 2.0) fail_msg("minimum %.3g < 0 beyond round-off", lo);
        assert_true(hi < 2.0 && sum(c[0], nv) < 0.5 * m0);
        rs_diffusion_destroy(d);

        for (int n = 0; n < 3; n++) rs_free_aligned(c[n]);
        rs_free_aligned(s);
        rs_free_aligned(u);
        rs_free_aligned(c0);
    }
}

/* Runs `steps` steps from c0 with `threads` threads into out (two
 * substrates, with source and uptake on the second). */
static void run_threads(rs_diffusion *d, const double *c0, double *out[2],
                        const double *s, const double *u, size_t nv, int threads)
{
    omp_set_num_threads(threads);
    for (int n = 0; n < 2; n++) memcpy(out[n], c0, nv * sizeof *c0);
    double *const f[2] = {out[0], out[1]};
    const double *src[2] = {NULL, s}, *upt[2] = {NULL, u};
    for (int step = 0; step < 3; step++) assert_int_equal(rs_diffusion_step(d, f, src, upt), RS_OK);
    if (threads == 1 ? d->threads_used != 1 : d->threads_used < 2)
        fail_msg("%d threads: the step ran on %d", threads, d->threads_used);
    for (int n = 0; n < 2; n++)
        for (size_t i = 0; i < nv; i++) assert_true(isfinite(out[n][i]));
}

/* One plan object, the same initial state, 1 thread, then 2, then 4: the
 * results are bitwise identical (memcmp), for ESTIMATE and MEASURE plans,
 * even and odd sizes, 2D and 3D. The work threshold is forced down
 * (min_work_per_thread = 64) so the teams really split the work (checked by
 * run_threads). */
static void bitwise_identical_across_threads(void **state)
{
    (void)state;
    static const int sizes[][3] = {{32, 32, 16}, {33, 20, 17}, {15, 12, 9}, {40, 30, 1}};
    const rs_fft_rigor rigors[2] = {RS_FFT_ESTIMATE, RS_FFT_MEASURE};
    const int threads[3] = {1, 2, 4};
    const int saved = omp_get_max_threads();
    omp_set_num_threads(4);
    if (omp_get_max_threads() < 4 || omp_get_thread_limit() < 4)
        rs_skip_unless_ci("OpenMP allows %d threads (thread limit %d); this test needs 4",
                              omp_get_max_threads(), omp_get_thread_limit());
    for (size_t q = 0; q < sizeof sizes / sizeof sizes[0]; q++)
        for (int r = 0; r < 2; r++) {
            const int nx = sizes[q][0], ny = sizes[q][1], nz = sizes[q][2];
            const size_t nv = (size_t)nx * ny * nz;
            rs_diffusion *d =
                make_solver_work(nx, ny, nz, 1.0, 0.7, 2.0, 0.01, 2, rigors[r], 64);
            double *c0 = alloc_field(nv), *s = alloc_field(nv), *u = alloc_field(nv);
            double *out[3][2];
            for (int t = 0; t < 3; t++)
                for (int n = 0; n < 2; n++) out[t][n] = alloc_field(nv);
            for (size_t i = 0; i < nv; i++) {
                c0[i] = hash01(i);
                s[i] = hash01(i + nv);
                u[i] = hash01(i + 2 * nv);
            }
            for (int t = 0; t < 3; t++) run_threads(d, c0, out[t], s, u, nv, threads[t]);
            for (int t = 1; t < 3; t++)
                for (int n = 0; n < 2; n++)
                    if (memcmp(out[0][n], out[t][n], nv * sizeof(double)) != 0)
                        fail_msg("%d x %d x %d, rigor %d, substrate %d: 1 and %d threads differ",
                                 nx, ny, nz, r, n, threads[t]);
            rs_diffusion_destroy(d);
            for (int t = 0; t < 3; t++)
                for (int n = 0; n < 2; n++) rs_free_aligned(out[t][n]);
            rs_free_aligned(c0);
            rs_free_aligned(s);
            rs_free_aligned(u);
        }
    omp_set_num_threads(saved);
}

/* A field off FFTW's 16-byte alignment (here 8 bytes into an allocation) is
 * refused with RS_EINVAL and left untouched when the plans assume alignment
 * (even sizes); odd sizes use unaligned plans and accept it. */
static void misaligned_field(void **state)
{
    (void)state;
    static const int sizes[][4] = {{16, 8, 4, 0}, {16, 8, 1, 0}, {15, 9, 5, 1}};
    for (size_t q = 0; q < sizeof sizes / sizeof sizes[0]; q++) {
        const int nx = sizes[q][0], ny = sizes[q][1], nz = sizes[q][2];
        const size_t nv = (size_t)nx * ny * nz;
        rs_diffusion *d = make_solver(nx, ny, nz, 1.0, 1.0, 1.0, 0.0, 1, RS_FFT_ESTIMATE);
        double *buf = alloc_field(nv + 1), *c = buf + 1;
        for (size_t i = 0; i < nv; i++) c[i] = hash01(i);
        double *const f[1] = {c};
        if (sizes[q][3]) {
            const double m0 = sum(c, nv);
            assert_int_equal(rs_diffusion_step(d, f, NULL, NULL), RS_OK);
            assert_true(fabs(sum(c, nv) - m0) <= 1e-12 * m0);
        } else {
            assert_int_equal(rs_diffusion_step(d, f, NULL, NULL), RS_EINVAL);
            for (size_t i = 0; i < nv; i++) assert_true(c[i] == hash01(i));
        }
        rs_diffusion_destroy(d);
        rs_free_aligned(buf);
    }
}

/* The reported work space is the planning buffer plus the factor tables
 * and the source step's three constants per substrate: about one field per
 * solver, shared among substrates. */
static void workspace_is_reported(void **state)
{
    (void)state;
    rs_diffusion *d = make_solver(16, 16, 16, 1.0, 1.0, 1.0, 0.0, 2, RS_FFT_ESTIMATE);
    const double b = rs_diffusion_bytes_per_voxel_substrate(d);
    /* 8 (field) + (15*256 + 16 + 2*(48 + 3)) * 8 / (4096 * 2) */
    assert_true(fabs(b - (8.0 + (15.0 * 256 + 16 + 102) * 8 / 8192)) < 1e-12);
    rs_diffusion_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cosine_modes_decay_exactly),
        cmocka_unit_test(mass_is_conserved),
        cmocka_unit_test(gaussian_matches_free_space),
        cmocka_unit_test(dirichlet_is_refused),
        cmocka_unit_test(source_and_uptake),
        cmocka_unit_test(bitwise_identical_across_threads),
        cmocka_unit_test(misaligned_field),
        cmocka_unit_test(workspace_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

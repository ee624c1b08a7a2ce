/* test_diffusion_explicit.c: what is particular to the explicit solver: the
 * stability limit it enforces, its second-order accuracy in space, its
 * Dirichlet boundaries on every face (steady states and a known-answer
 * step, checked NaN-safely), and thread-count independence. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diffusion_fixtures.h"
#include "field/diffusion_impl.h" /* threads_used */

/* dt above 2 / (4 dims D / dx^2 + lambda) is refused, naming the limit; dt
 * at the limit is accepted. */
static void unstable_dt_is_refused(void **state)
{
    (void)state;
    rs_substrate_spec spec[2];
    rs_grid g = {10, 10, 10, 10.0};
    rs_diffusion_config cfg = fx_config(g, 1.0, 2, spec, 1000.0, 0.0);
    spec[1].diffusion = 3000.0;
    double limit = rs_diffusion_explicit_dt_limit(&g, spec, 2);
    assert_true(fabs(limit - 2.0 / (12.0 * 3000.0 / 100.0)) < 1e-15);
    cfg.dt = limit * 1.01;
    rs_diffusion *d = NULL;
    rs_error err;
    assert_int_equal(rs_diffusion_create(&d, "explicit", &cfg, &err), RS_EUNSTABLE);
    assert_null(d);
    char want[64];
    snprintf(want, sizeof want, "stability limit %g min", limit);
    if (!strstr(err.msg, want)) fail_msg("'%s' lacks '%s'", err.msg, want);
    cfg.dt = limit;
    assert_int_equal(rs_diffusion_create(&d, "explicit", &cfg, &err), RS_OK);
    rs_diffusion_destroy(d);
    /* 2D has a larger limit (4 neighbours), decay lowers it. */
    g.nz = 1;
    spec[1].decay = 0.5;
    assert_true(fabs(rs_diffusion_explicit_dt_limit(&g, spec, 2) -
                     2.0 / (8.0 * 3000.0 / 100.0 + 0.5)) < 1e-15);
    /* Nothing diffusing or decaying: no limit. */
    rs_substrate_spec still;
    rs_substrate_spec_init(&still, 0.0, 0.0);
    assert_true(isinf(rs_diffusion_explicit_dt_limit(&g, &still, 1)));
}

/* Max error against the continuous decay of mode (1, 1, 1) after t_end,
 * with dt = 0.2 dx^2 / (2 dims D), so the time error also shrinks as dx^2. */
static double mode_error(int n, int nz)
{
    const double L = 320.0, D = 1000.0, t_end = 1.0;
    rs_grid g = {n, n, nz, L / n};
    int d = rs_grid_dims(&g);
    double dt = 0.2 * g.dx * g.dx / (2 * d * D);
    int steps = (int)ceil(t_end / dt);
    dt = t_end / steps;
    rs_substrate_spec spec[1];
    rs_diffusion_config cfg = fx_config(g, dt, 1, spec, D, 0.0);
    fx_problem p;
    fx_create(&p, "explicit", &cfg);
    size_t nv = rs_grid_voxels(&g);
    double *mode = malloc(nv * sizeof *mode);
    fx_fill_cosine(mode, &g, 1, 1, nz > 1 ? 1 : 0);
    memcpy(p.fields[0], mode, nv * sizeof *mode);
    fx_run(&p, steps);
    double exact = exp(-fx_exact_rate(&g, D, 1, 1, nz > 1 ? 1 : 0) * t_end);
    double e = fx_max_diff(p.fields[0], mode, exact, nv);
    free(mode);
    fx_destroy(&p);
    return e;
}

/* Observed order of accuracy in space is 2 within 0.1 over three
 * refinements (n = 8, 16, 32, 64), in 2D and 3D. */
static void second_order_in_space(void **state)
{
    (void)state;
    for (int three = 0; three < 2; three++) {
        double e[4];
        for (int r = 0; r < 4; r++) {
            int n = 8 << r;
            e[r] = mode_error(n, three ? n : 1);
        }
        for (int r = 0; r < 3; r++) {
            double q = fx_order(e[r], e[r + 1], 2.0, 1.0);
            print_message("explicit %dD space order, n = %d -> %d: %.3f\n", three ? 3 : 2,
                          8 << r, 16 << r, q);
            if (!(fabs(q - 2.0) <= 0.1))
                fail_msg("%dD refinement %d: observed order %.3f (errors %.3e, %.3e)",
                         three ? 3 : 2, r, q, e[r], e[r + 1]);
        }
    }
}

/* Dirichlet c = 1 on one face and 0 on the opposite face, no flux on the
 * others: the steady state is the linear profile, which the ghost-cell
 * scheme represents exactly (to 1e-9 after relaxation), whichever axis the
 * faces are on. */
static void dirichlet_linear_steady_state(void **state)
{
    (void)state;
    for (int axis = 0; axis < 3; axis++) {
        int n[3] = {5, 4, 6};
        n[axis] = 16;
        rs_grid g = {n[0], n[1], n[2], 10.0};
        rs_substrate_spec spec[1];
        rs_diffusion_config cfg = fx_config(g, 1.0, 1, spec, 1000.0, 0.0);
        spec[0].bc[2 * axis] = (rs_bc){RS_BC_DIRICHLET, 1.0};
        spec[0].bc[2 * axis + 1] = (rs_bc){RS_BC_DIRICHLET, 0.0};
        cfg.dt = 0.9 * rs_diffusion_explicit_dt_limit(&g, spec, 1);
        fx_problem p;
        fx_create(&p, "explicit", &cfg);
        /* Relaxation time L^2 / (pi^2 D) = 2.6 min; run 40 of them. */
        fx_run(&p, (int)(100.0 / cfg.dt));
        double L = n[axis] * g.dx, err = 0;
        for (int k = 0; k < g.nz; k++)
            for (int j = 0; j < g.ny; j++)
                for (int i = 0; i < g.nx; i++) {
                    int idx[3] = {i, j, k};
                    double x = rs_grid_centre(&g, idx[axis]);
                    err = fx_max_err(err, fabs(p.fields[0][i + g.nx * (j + g.ny * k)] -
                                               (1.0 - x / L)));
                }
        if (!(err <= 1e-9)) fail_msg("axis %d: error %.3e > 1e-9", axis, err);
        fx_destroy(&p);
    }
}

/* One step from a uniform field c0 = 1 with a Dirichlet value g = 3 on one
 * face, no flux elsewhere, no decay: the ghost 2 g - c gives the voxels
 * next to that face exactly c0 + r (2 g - 2 c0), r = dt D / dx^2, and
 * leaves every other voxel at c0; for each face of a 3D grid and the four
 * faces of a 2D one. Checked NaN-safely to 1e-14 (a few roundings of O(1)
 * values). */
static void dirichlet_known_step(void **state)
{
    (void)state;
    for (int dims = 2; dims <= 3; dims++)
        for (int f = 0; f < 2 * dims; f++) {
            rs_grid g = {5, 4, dims == 3 ? 6 : 1, 10.0};
            rs_substrate_spec spec[1];
            rs_diffusion_config cfg = fx_config(g, 1.0, 1, spec, 1000.0, 0.0);
            spec[0].bc[f] = (rs_bc){RS_BC_DIRICHLET, 3.0};
            cfg.dt = 0.5 * rs_diffusion_explicit_dt_limit(&g, spec, 1);
            const double r = cfg.dt * 1000.0 / (g.dx * g.dx);
            fx_problem p;
            fx_create(&p, "explicit", &cfg);
            size_t n = rs_grid_voxels(&g);
            for (size_t v = 0; v < n; v++) p.fields[0][v] = 1.0;
            fx_run(&p, 1);
            const int len[3] = {g.nx, g.ny, g.nz}, axis = f / 2;
            for (int k = 0; k < g.nz; k++)
                for (int j = 0; j < g.ny; j++)
                    for (int i = 0; i < g.nx; i++) {
                        const int idx[3] = {i, j, k};
                        const int next = f % 2 == 0 ? idx[axis] == 0 : idx[axis] == len[axis] - 1;
                        const double want = next ? 1.0 + r * (2 * 3.0 - 2 * 1.0) : 1.0;
                        const double got = p.fields[0][i + (size_t)g.nx * (j + (size_t)g.ny * k)];
                        if (!(fabs(got - want) <= 1e-14))
                            fail_msg("%dD face %d, voxel (%d, %d, %d): %.17g, expected %.17g",
                                     dims, f, i, j, k, got, want);
                    }
            fx_destroy(&p);
        }
}

/* Steady state of D c'' = lambda c with c = 1 at x = 0 and c = 0.2 at x = L:
 * (sinh(a (L - x)) + 0.2 sinh(a x)) / sinh(a L), a = sqrt(lambda / D). The
 * observed order over n = 20, 40, 80, 160 is 2 within 0.1. */
static void dirichlet_decay_second_order(void **state)
{
    (void)state;
    const double L = 1000.0, D = 1000.0, lambda = 0.01, al = sqrt(lambda / D);
    double e[4];
    for (int r = 0; r < 4; r++) {
        rs_grid g = {20 << r, 1, 1, L / (20 << r)};
        rs_substrate_spec spec[1];
        rs_diffusion_config cfg = fx_config(g, 1.0, 1, spec, D, lambda);
        spec[0].bc[RS_FACE_XLO] = (rs_bc){RS_BC_DIRICHLET, 1.0};
        spec[0].bc[RS_FACE_XHI] = (rs_bc){RS_BC_DIRICHLET, 0.2};
        cfg.dt = 0.9 * rs_diffusion_explicit_dt_limit(&g, spec, 1);
        fx_problem p;
        fx_create(&p, "explicit", &cfg);
        fx_run(&p, (int)(3000.0 / cfg.dt)); /* 30 / lambda */
        e[r] = 0;
        for (int i = 0; i < g.nx; i++) {
            double x = rs_grid_centre(&g, i);
            double exact = (sinh(al * (L - x)) + 0.2 * sinh(al * x)) / sinh(al * L);
            e[r] = fx_max_err(e[r], fabs(p.fields[0][i] - exact));
        }
        fx_destroy(&p);
    }
    for (int r = 0; r < 3; r++) {
        double q = fx_order(e[r], e[r + 1], 2.0, 1.0);
        print_message("explicit Dirichlet steady state order, n = %d -> %d: %.3f\n",
                      20 << r, 40 << r, q);
        if (!(fabs(q - 2.0) <= 0.1))
            fail_msg("refinement %d: observed order %.3f (errors %.3e, %.3e)", r, q, e[r],
                     e[r + 1]);
    }
}

/* Chunked scheduling gives the same bits (memcmp) for 1, 2, 3 and 4
 * threads, including uneven chunks and chunks of the minimum 4 planes
 * (nz = 16), with Dirichlet z faces (the chunk ends are halos, not faces),
 * and shared rows in 2D. The work threshold is forced down
 * (min_work_per_thread = 64) and each team checked (d->threads_used). */
static void chunks_give_identical_bits(void **state)
{
    (void)state;
    const rs_grid grids[3] = {{41, 33, 29, 10.0}, {64, 48, 16, 10.0}, {57, 43, 1, 10.0}};
    for (int gi = 0; gi < 3; gi++) {
        rs_grid g = grids[gi];
        size_t n = rs_grid_voxels(&g);
        omp_set_num_threads(4); /* create sizes work space for 4 threads */
        rs_substrate_spec spec[2];
        rs_diffusion_config cfg = fx_config(g, 0.01, 2, spec, 1000.0, 0.05);
        cfg.min_work_per_thread = 64;
        spec[0].bc[RS_FACE_ZLO] = (rs_bc){RS_BC_DIRICHLET, 2.0};
        spec[1].bc[RS_FACE_ZHI] = (rs_bc){RS_BC_DIRICHLET, 0.5};
        fx_problem p;
        fx_create(&p, "explicit", &cfg);
        fx_add_sources(&p);
        double *ref[2] = {malloc(n * sizeof(double)), malloc(n * sizeof(double))};
        for (int t = 1; t <= 4; t++) {
            omp_set_num_threads(t);
            for (int s = 0; s < 2; s++) {
                fx_fill_random(p.fields[s], n, 10 + s, 0.0, 1.0);
                fx_fill_random(p.source[s], n, 20 + s, 0.0, 0.1);
                fx_fill_random(p.uptake[s], n, 30 + s, 0.0, 0.5);
            }
            fx_run(&p, 5);
            if (t == 1 ? p.d->threads_used != 1 : p.d->threads_used < 2)
                fail_msg("grid %d, %d threads: the step ran on %d", gi, t, p.d->threads_used);
            for (int s = 0; s < 2; s++) {
                for (size_t i = 0; i < n; i++) assert_true(isfinite(p.fields[s][i]));
                if (t == 1) memcpy(ref[s], p.fields[s], n * sizeof(double));
                else if (memcmp(ref[s], p.fields[s], n * sizeof(double)) != 0)
                    fail_msg("grid %d substrate %d: 1 and %d threads differ", gi, s, t);
            }
        }
        omp_set_num_threads(omp_get_num_procs());
        free(ref[0]);
        free(ref[1]);
        fx_destroy(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unstable_dt_is_refused),
        cmocka_unit_test(second_order_in_space),
        cmocka_unit_test(dirichlet_linear_steady_state),
        cmocka_unit_test(dirichlet_known_step),
        cmocka_unit_test(dirichlet_decay_second_order),
        cmocka_unit_test(chunks_give_identical_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* diffusion_fixtures.c: see diffusion_fixtures.h. */
#include <math.h>
#include <string.h>

#include "diffusion_fixtures.h"

rs_diffusion_config fx_config(rs_grid g, double dt, int nsub, rs_substrate_spec *specs,
                              double D, double decay)
{
    for (int n = 0; n < nsub; n++) rs_substrate_spec_init(&specs[n], D, decay);
    rs_diffusion_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.grid = g;
    cfg.dt = dt;
    cfg.nsubstrates = nsub;
    cfg.substrates = specs;
    cfg.time_order = 1;
    cfg.fft_rigor = RS_FFT_ESTIMATE;
    return cfg;
}

void fx_create(fx_problem *p, const char *name, const rs_diffusion_config *cfg)
{
    memset(p, 0, sizeof *p);
    rs_error err;
    rs_error_clear(&err);
    rs_status s = rs_diffusion_create(&p->d, name, cfg, &err);
    if (s != RS_OK) fail_msg("create %s: %s", name, err.msg);
    p->grid = cfg->grid;
    p->nsub = cfg->nsubstrates;
    assert_true(p->nsub <= 4);
    for (int n = 0; n < p->nsub; n++)
        assert_int_equal(rs_alloc_doubles(&p->fields[n], rs_grid_voxels(&p->grid), &err),
                         RS_OK);
}

void fx_add_sources(fx_problem *p)
{
    rs_error err;
    for (int n = 0; n < p->nsub; n++) {
        assert_int_equal(rs_alloc_doubles(&p->source[n], rs_grid_voxels(&p->grid), &err),
                         RS_OK);
        assert_int_equal(rs_alloc_doubles(&p->uptake[n], rs_grid_voxels(&p->grid), &err),
                         RS_OK);
    }
}

void fx_destroy(fx_problem *p)
{
    rs_diffusion_destroy(p->d);
    for (int n = 0; n < 4; n++) {
        rs_free_aligned(p->fields[n]);
        rs_free_aligned(p->source[n]);
        rs_free_aligned(p->uptake[n]);
    }
    memset(p, 0, sizeof *p);
}

void fx_run(fx_problem *p, int steps)
{
    const double *const *src = p->source[0] ? (const double *const *)p->source : NULL;
    const double *const *upt = p->uptake[0] ? (const double *const *)p->uptake : NULL;
    for (int s = 0; s < steps; s++)
        assert_int_equal(rs_diffusion_step(p->d, p->fields, src, upt), RS_OK);
}

void fx_fill_cosine(double *c, const rs_grid *g, int mx, int my, int mz)
{
    const double pi = 3.14159265358979323846;
    for (int k = 0; k < g->nz; k++)
        for (int j = 0; j < g->ny; j++)
            for (int i = 0; i < g->nx; i++)
                c[i + (size_t)g->nx * (j + (size_t)g->ny * k)] =
                    cos(pi * mx * (i + 0.5) / g->nx) * cos(pi * my * (j + 0.5) / g->ny) *
                    cos(pi * mz * (k + 0.5) / g->nz);
}

/* 2 - 2 cos(pi m / n), the 3-point Laplacian's eigenvalue times dx^2. */
static double lap_eig(int m, int n)
{
    return 2.0 - 2.0 * cos(3.14159265358979323846 * m / n);
}

double fx_discrete_rate(const rs_grid *g, double D, int mx, int my, int mz)
{
    return D * (lap_eig(mx, g->nx) + lap_eig(my, g->ny) + lap_eig(mz, g->nz)) /
           (g->dx * g->dx);
}

double fx_exact_rate(const rs_grid *g, double D, int mx, int my, int mz)
{
    const double pi = 3.14159265358979323846;
    double kx = pi * mx / (g->nx * g->dx), ky = pi * my / (g->ny * g->dx),
           kz = pi * mz / (g->nz * g->dx);
    return D * (kx * kx + ky * ky + kz * kz);
}

void fx_fill_random(double *c, size_t n, uint64_t seed, double lo, double hi)
{
    rs_rng r;
    rs_rng_init(&r, seed, 0);
    for (size_t i = 0; i < n; i++) c[i] = lo + (hi - lo) * rs_rng_uniform(&r);
}

double fx_mass(const double *c, const rs_grid *g)
{
    long double s = 0;
    size_t n = rs_grid_voxels(g);
    for (size_t i = 0; i < n; i++) s += c[i];
    double vol = g->dx * g->dx * (g->nz > 1 ? g->dx : 1.0);
    return (double)s * vol;
}

double fx_max_diff(const double *a, const double *b, double s, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs(a[i] - s * b[i]);
        if (isnan(e)) return NAN; /* (a NaN would lose every comparison) */
        if (e > m) m = e;
    }
    return m;
}

double fx_max_err(double m, double e)
{
    return isnan(m) || isnan(e) ? NAN : e > m ? e : m;
}

double fx_order(double e_coarse, double e_fine, double h_coarse, double h_fine)
{
    return log(e_coarse / e_fine) / log(h_coarse / h_fine);
}

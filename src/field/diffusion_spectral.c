/* diffusion_spectral.c: the spectral solver: exact diffusion and decay in
 * the cosine basis of a cell-centred grid with no-flux faces. Voxel centres
 * sit at x = (i + 1/2) dx, so mode m of cos(pi m x / L) along an axis of n
 * voxels (L = n dx) is exactly what FFTW's DCT-II (REDFT10) picks out, and
 * DCT-III (REDFT01) puts it back; the round trip multiplies by 2n. A step is
 *
 *     c <- DCT-III[ DCT-II[c] * exp(-dt (D |k|^2 + lambda)) / (2 nx 2 ny 2 nz) ]
 *     c <- (c + phi S) / (1 + phi U)                   (per voxel, Lie split)
 *
 * with k = pi m / L per axis and phi = (1 - e^{-lambda dt}) / lambda (dt
 * when lambda = 0): the exponential-integrator weight of a source held
 * over the step, which makes a uniform field's steady state exactly
 * S / (lambda + U) at any dt (with dt in its place it would be
 * dt S e^{-lambda dt} / (1 - e^{-lambda dt}), which vanishes at large
 * dt lambda). The factor is separable, so create stores per substrate
 * three 1D tables fx, fy, fz (normalisation and decay folded in).
 *
 * FFTW's own threading does not promise bitwise-identical results across
 * thread counts, so the threading is ours and FFTW only ever runs serial
 * plans, made once at create and executed on many arrays with the new-array
 * interface (which is thread-safe). A 3D step is three passes over the
 * field, each parallel over independent pieces:
 *   1. per xy plane k: the 2D DCT-II of the plane;
 *   2. per y index j, on the slab of nz rows of nx starting at c + j nx
 *      (stride nx ny): DCT-II along z, multiply by fx[i] fy[j] fz[k],
 *      DCT-III along z, all while the slab is in cache;
 *   3. per xy plane: the 2D DCT-III, then source/uptake.
 * Each piece is computed by the same plan and the same loops whichever
 * thread runs it, hence the determinism. In 2D the field is one plane:
 * 2D DCT-II, multiply, 2D DCT-III, source/uptake, serially per field, with
 * the substrates run in parallel (the 2D planes this solver is used for are
 * cheap next to the 3D ones; a row/column split like the 3D one would
 * parallelise a single field if that ever matters).
 *
 * FFTW's planner is global and not thread-safe: every plan creation and
 * destruction here runs inside the named critical section rs_fftw_planner
 * (any other FFTW user in the library must use the same name). FFTW state
 * is never cleaned up (fftw_cleanup) since other solvers may be alive. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include <fftw3.h>

#include "regensim/alloc.h"
#include "field/diffusion_impl.h"
#include "field/source_kernel.h"
#include "field/spectral_kernel.h"

/* A 1D factor exp(-dt D k^2) below exp(-SPECTRAL_FLUSH) is stored as 0: such
 * a mode is gone to any precision, and zeroing it keeps the product of three
 * factors (and what it multiplies) clear of slow subnormal arithmetic. */
#define SPECTRAL_FLUSH 150.0

typedef struct spectral_solver {
    rs_diffusion base;
    fftw_plan plane_fwd, plane_bwd; /* 2D DCT-II / DCT-III of one xy plane, in place */
    fftw_plan z_fwd, z_bwd;         /* 3D only: DCT-II / DCT-III along z of a slab */
    int needs_alignment;            /* some plan assumes FFTW's 16-byte alignment */
    double *factor;                 /* per substrate: fx[nx], fy[ny], fz[nz] */
    rs_source_coef *coef;           /* per substrate: the source step's constants */
} spectral_solver;

static const char *const face_names[RS_NFACES] = {"x-", "x+", "y-", "y+", "z-", "z+"};

/* Doubles the planning buffer spans: one plane in 2D; in 3D the extent of
 * the z plan's slab, (nz - 1) planes plus a row, which also holds a plane. */
static size_t planning_span(const rs_grid *g)
{
    const size_t plane = (size_t)g->nx * (size_t)g->ny;
    return g->nz > 1 ? (size_t)(g->nz - 1) * plane + (size_t)g->nx : plane;
}

/* Work space per voxel and substrate: the peak, reached during create. */
static double spectral_workspace(const rs_diffusion_config *cfg)
{
    /* The factor tables live as long as the solver. The planning buffer
     * lives only during create, but it is the peak, so it counts: FFTW must
     * be given an array as long as the z plan's slab (nearly a whole field)
     * even though measuring touches only nx nz of its doubles (one row per
     * plane; the rest of a large buffer stays unbacked virtual memory). */
    const rs_grid *g = &cfg->grid;
    const double tables = (double)cfg->nsubstrates * ((double)g->nx + g->ny + g->nz + 3);
    const double voxels = (double)rs_grid_voxels(g);
    return sizeof(double) * ((double)planning_span(g) + tables) /
           (voxels * cfg->nsubstrates);
}

/* Destroys the plans (serialised with all other planner calls) and frees
 * everything. Accepts a partly built solver. */
static void spectral_destroy(rs_diffusion *d)
{
    spectral_solver *s = (spectral_solver *)d;
    if (!s) return;
#pragma omp critical(rs_fftw_planner)
    {
        if (s->plane_fwd) fftw_destroy_plan(s->plane_fwd);
        if (s->plane_bwd) fftw_destroy_plan(s->plane_bwd);
        if (s->z_fwd) fftw_destroy_plan(s->z_fwd);
        if (s->z_bwd) fftw_destroy_plan(s->z_bwd);
    }
    free(s->factor);
    free(s->coef);
    rs_diffusion_base_free(d);
    free(s);
}

/* Refuses a Dirichlet boundary on any face that takes part. */
static rs_status check_boundaries(const rs_diffusion_config *cfg, rs_error *err)
{
    for (int n = 0; n < cfg->nsubstrates; n++)
        for (int f = 0; f < RS_NFACES; f++)
            if (rs_face_active(&cfg->grid, f) &&
                cfg->substrates[n].bc[f].kind == RS_BC_DIRICHLET)
                return rs_error_set(err, RS_EUNSUPPORTED,
                                    "spectral solver: substrate %d has a Dirichlet "
                                    "boundary on face %s; the spectral solver needs "
                                    "no-flux (neumann) boundaries on every face; use "
                                    "solver lod", n, face_names[f]);
    return RS_OK;
}

/* Fills one axis table: f[m] = exp(-dt (D k_m^2 + lambda)) / (2n) with
 * k_m = pi m / (n dx), the diffusion and the decay part each flushed to 0
 * when negligible. */
static void fill_axis(double *f, int n, double dx, double dt, double diffusion,
                      double decay)
{
    const double pi = 3.14159265358979323846;
    const double decay_factor = dt * decay > SPECTRAL_FLUSH ? 0.0 : exp(-dt * decay);
    for (int m = 0; m < n; m++) {
        const double k = pi * m / (n * dx);
        const double rate = dt * diffusion * k * k;
        const double diff = rate > SPECTRAL_FLUSH ? 0.0 : exp(-rate);
        f[m] = diff * decay_factor / (2.0 * n);
    }
}

/* Makes the four plans on a scratch array (measuring overwrites it). A plan
 * executed at offsets that break 16-byte alignment is made FFTW_UNALIGNED:
 * plane k starts k nx ny doubles in, slab j starts j nx doubles in. */
static rs_status spectral_plan(spectral_solver *s, rs_error *err)
{
    const rs_grid *g = &s->base.cfg.grid;
    const int nx = g->nx, ny = g->ny, nz = g->nz;
    const int plane = nx * ny; /* checked to fit an int by the caller */
    const unsigned rigor =
        s->base.cfg.fft_rigor == RS_FFT_ESTIMATE ? FFTW_ESTIMATE : FFTW_MEASURE;
    const int plane_unaligned = nz > 1 && plane % 2 != 0;
    const int slab_unaligned = ny > 1 && nx % 2 != 0;
    const unsigned plane_flags = rigor | (plane_unaligned ? FFTW_UNALIGNED : 0u);
    const unsigned slab_flags = rigor | (slab_unaligned ? FFTW_UNALIGNED : 0u);
    s->needs_alignment = !plane_unaligned || (nz > 1 && !slab_unaligned);

    double *scratch = rs_alloc_aligned(planning_span(g) * sizeof(double));
    if (!scratch)
        return rs_error_set(err, RS_ENOMEM,
                            "spectral solver: out of memory for the planning buffer "
                            "(%.3g GB)", (double)planning_span(g) * sizeof(double) / 1e9);
#pragma omp critical(rs_fftw_planner)
    {
        s->plane_fwd = fftw_plan_r2r_2d(ny, nx, scratch, scratch, FFTW_REDFT10,
                                        FFTW_REDFT10, plane_flags);
        s->plane_bwd = fftw_plan_r2r_2d(ny, nx, scratch, scratch, FFTW_REDFT01,
                                        FFTW_REDFT01, plane_flags);
        if (nz > 1) {
            const int n[1] = {nz};
            const fftw_r2r_kind fwd[1] = {FFTW_REDFT10}, bwd[1] = {FFTW_REDFT01};
            s->z_fwd = fftw_plan_many_r2r(1, n, nx, scratch, NULL, plane, 1, scratch,
                                          NULL, plane, 1, fwd, slab_flags);
            s->z_bwd = fftw_plan_many_r2r(1, n, nx, scratch, NULL, plane, 1, scratch,
                                          NULL, plane, 1, bwd, slab_flags);
        }
    }
    rs_free_aligned(scratch);
    if (!s->plane_fwd || !s->plane_bwd || (nz > 1 && (!s->z_fwd || !s->z_bwd)))
        return rs_error_set(err, RS_EUNSUPPORTED,
                            "spectral solver: FFTW could not plan the cosine transforms "
                            "for a %d x %d x %d grid", nx, ny, nz);
    return RS_OK;
}

/* Checks what only this solver refuses, fills the factor tables, plans. */
static rs_status spectral_create(rs_diffusion **out, const rs_diffusion_config *cfg,
                                 rs_error *err)
{
    *out = NULL;
    rs_status st = check_boundaries(cfg, err);
    if (st != RS_OK) return st;
    const rs_grid *g = &cfg->grid;
    /* FFTW's basic and advanced interfaces take sizes and strides as int. */
    if ((size_t)g->nx * (size_t)g->ny > INT_MAX)
        return rs_error_set(err, RS_EUNSUPPORTED,
                            "spectral solver: an xy plane of %d x %d voxels exceeds "
                            "FFTW's int index range (%d); use solver lod",
                            g->nx, g->ny, INT_MAX);
    spectral_solver *s = calloc(1, sizeof *s);
    if (!s) return rs_error_set(err, RS_ENOMEM, "spectral solver: out of memory");
    st = rs_diffusion_base_init(&s->base, &rs_diffusion_spectral_ops, cfg, err);
    if (st != RS_OK) {
        spectral_destroy(&s->base);
        return st;
    }
    const size_t per_sub = (size_t)g->nx + (size_t)g->ny + (size_t)g->nz;
    s->factor = malloc((size_t)cfg->nsubstrates * per_sub * sizeof *s->factor);
    s->coef = malloc((size_t)cfg->nsubstrates * sizeof *s->coef);
    if (!s->factor || !s->coef) {
        spectral_destroy(&s->base);
        return rs_error_set(err, RS_ENOMEM, "spectral solver: out of memory for factors");
    }
    for (int n = 0; n < cfg->nsubstrates; n++) {
        const rs_substrate_spec *sp = &cfg->substrates[n];
        double *fx = s->factor + (size_t)n * per_sub, *fy = fx + g->nx, *fz = fy + g->ny;
        /* Decay is folded into fx only; fz stays unused in 2D. */
        fill_axis(fx, g->nx, g->dx, cfg->dt, sp->diffusion, sp->decay);
        fill_axis(fy, g->ny, g->dx, cfg->dt, sp->diffusion, 0.0);
        fill_axis(fz, g->nz, g->dx, cfg->dt, sp->diffusion, 0.0);
        s->coef[n] = rs_source_coef_exponential(cfg->dt, sp->decay, 0);
    }
    st = spectral_plan(s, err);
    if (st != RS_OK) {
        spectral_destroy(&s->base);
        return st;
    }
    *out = &s->base;
    return RS_OK;
}

/* Advances one 3D field; called by every thread of the parallel region
 * (the loops are shared out with orphaned omp for, barrier after each). */
static void spectral_field_3d(const spectral_solver *s, int n, double *c,
                              const double *source, const double *uptake)
{
    const rs_grid *g = &s->base.cfg.grid;
    const int nx = g->nx, ny = g->ny, nz = g->nz;
    const size_t plane = (size_t)nx * ny;
    const rs_source_coef *coef = &s->coef[n];
    const double *fx = s->factor + (size_t)n * ((size_t)nx + ny + nz);
    const double *fy = fx + nx, *fz = fy + ny;

#pragma omp for schedule(static)
    for (int k = 0; k < nz; k++) {
        const size_t off = (size_t)k * plane;
        fftw_execute_r2r(s->plane_fwd, c + off, c + off);
    }
#pragma omp for schedule(static)
    for (int j = 0; j < ny; j++) {
        double *slab = c + (size_t)j * nx;
        fftw_execute_r2r(s->z_fwd, slab, slab);
        rs_spectral_scale_rows(slab, plane, nz, nx, fx, fz, fy[j]);
        fftw_execute_r2r(s->z_bwd, slab, slab);
    }
#pragma omp for schedule(static)
    for (int k = 0; k < nz; k++) {
        const size_t off = (size_t)k * plane;
        fftw_execute_r2r(s->plane_bwd, c + off, c + off);
        if (source || uptake)
            rs_source_coef_step(c + off, c + off, source ? source + off : NULL,
                                uptake ? uptake + off : NULL, plane, coef);
    }
}

/* Advances one 2D field (a single plane), serially. */
static void spectral_field_2d(const spectral_solver *s, int n, double *c,
                              const double *source, const double *uptake)
{
    const rs_grid *g = &s->base.cfg.grid;
    const int nx = g->nx, ny = g->ny;
    const double *fx = s->factor + (size_t)n * ((size_t)nx + ny + 1);
    const double *fy = fx + nx;

    fftw_execute_r2r(s->plane_fwd, c, c);
    rs_spectral_scale_rows(c, (size_t)nx, ny, nx, fx, fy, 1.0);
    fftw_execute_r2r(s->plane_bwd, c, c);
    if (source || uptake)
        rs_source_coef_step(c, c, source, uptake, (size_t)nx * ny, &s->coef[n]);
}

/* Fields must be 16-byte aligned (malloc and rs_alloc_doubles are) unless
 * every plan in use is FFTW_UNALIGNED; RS_EINVAL, nothing touched, if not. */
static rs_status spectral_step(rs_diffusion *d, double *const *fields,
                               const double *const *source, const double *const *uptake)
{
    const spectral_solver *s = (const spectral_solver *)d;
    const int nsub = d->cfg.nsubstrates;
    if (s->needs_alignment)
        for (int n = 0; n < nsub; n++)
            if (fftw_alignment_of(fields[n]) != 0) return RS_EINVAL;
    if (d->cfg.grid.nz > 1) {
#pragma omp parallel num_threads(rs_diffusion_team_size(d))
        {
            rs_diffusion_note_team(d);
            for (int n = 0; n < nsub; n++)
                spectral_field_3d(s, n, fields[n], source ? source[n] : NULL,
                                  uptake ? uptake[n] : NULL);
        }
    } else {
#pragma omp parallel num_threads(rs_diffusion_team_size(d))
        {
            rs_diffusion_note_team(d);
#pragma omp for schedule(static)
            for (int n = 0; n < nsub; n++)
                spectral_field_2d(s, n, fields[n], source ? source[n] : NULL,
                                  uptake ? uptake[n] : NULL);
        }
    }
    return RS_OK;
}

const rs_diffusion_ops rs_diffusion_spectral_ops = {
    .name = "spectral",
    .create = spectral_create,
    .step = spectral_step,
    .destroy = spectral_destroy,
    .workspace_bytes_per_voxel = spectral_workspace,
};

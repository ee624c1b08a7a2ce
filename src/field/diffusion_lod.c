/* diffusion_lod.c: the implicit, locally one-dimensional solver. Each step
 * applies the per-voxel source/uptake/decay step, then one implicit step
 * per direction (x, y, then z in 3D): backward Euler (time_order 1) or
 * Crank-Nicolson (time_order 2) of dc/dt = D d2c/da2. The decay is in the
 * per-voxel step (source_kernel.h): backward Euler together with the
 * uptake, c <- (c + dt S) / (1 + dt (U + lambda)), for time_order 1; exact,
 * c <- (e^{-lambda dt} c + phi S) / (1 + phi U), for time_order 2. Either
 * way a uniform field reaches exactly S / (lambda + U) at any dt. The
 * directional operators and the (uniform) decay commute on a box with
 * uniform coefficients, so the Crank-Nicolson sequence is second order in
 * time and backward Euler first order; both are unconditionally stable.
 *
 * Every tridiagonal system has constant coefficients, so create factorises
 * each (substrate, direction) once and a step only runs Thomas sweeps. A
 * step makes two passes over memory: pass 1 takes one xy-plane at a time
 * (source/uptake, x sweep, y sweep while the plane is in cache), pass 2 one
 * y-index at a time (the z sweep over the {i, k} slab). In 2D pass 1 is
 * split into a row-parallel x pass and a column-parallel y pass instead.
 * Work is divided by plane, row or column block, never by thread count, so
 * results are bitwise identical for any number of threads. */
#include <math.h>
#include <stdlib.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "regensim/alloc.h"
#include "field/diffusion_impl.h"
#include "field/lod_kernel.h"
#include "field/source_kernel.h"

/* Columns per block of the 2D y pass. */
#define LOD_COLUMN_BLOCK 64
/* Rows per block of the 2D x pass (a multiple of the kernel's line group). */
#define LOD_ROW_BLOCK 16

typedef struct lod_solver {
    rs_diffusion base;
    rs_lod_dir *dirs;  /* 3 per substrate: x, y, z (z unused in 2D) */
    double *factors;   /* the inv and up arrays the dirs point into */
    rs_source_coef *coef; /* per substrate: the per-voxel step's constants */
    double *scratch;   /* Crank-Nicolson: nthreads rows of nx doubles */
    int nthreads;      /* threads the scratch is sized for (0: no scratch) */
} lod_solver;

/* Threads a step may use (OpenMP's current limit). */
/* Doubles of Thomas factors per substrate: inv and up per direction. */
static size_t lod_factor_doubles(const rs_grid *g)
{
    return 2 * ((size_t)g->nx + (size_t)g->ny + (g->nz > 1 ? (size_t)g->nz : 0));
}

static double lod_workspace(const rs_diffusion_config *cfg)
{
    const rs_grid *g = &cfg->grid;
    double bytes = (double)cfg->nsubstrates *
                   ((double)lod_factor_doubles(g) * sizeof(double) + 3.0 * sizeof(rs_lod_dir) +
                    sizeof(rs_source_coef));
    if (cfg->time_order == 2)
        bytes += (double)rs_diffusion_team_capacity() * g->nx * sizeof(double);
    return bytes / (double)rs_grid_voxels(g) / cfg->nsubstrates;
}

static void lod_destroy(rs_diffusion *d)
{
    lod_solver *s = (lod_solver *)d;
    if (!s) return;
    rs_free_aligned(s->scratch);
    rs_free_aligned(s->factors);
    free(s->coef);
    free(s->dirs);
    rs_diffusion_base_free(d);
    free(s);
}

/* Fills one direction: r, boundary weights and constants, and the Thomas
 * factors (inv, up: n doubles each) of the matrix with off-diagonal -r and
 * diagonal 2 - w: 1 + 2r inside; a Neumann end
 * (ghost = c) drops an r, a Dirichlet end (ghost = 2g - c) adds one and
 * puts 2 r g (backward Euler) or 4 r g (Crank-Nicolson: 2 r g from each
 * half) on the right-hand side. */
static void lod_factorise(rs_lod_dir *dir, int n, double r, const rs_bc *lo,
                          const rs_bc *hi, int cn, double *inv, double *up)
{
    const double kscale = (cn ? 4.0 : 2.0) * r;
    const double alo = lo->kind == RS_BC_DIRICHLET ? -r : r;
    const double ahi = hi->kind == RS_BC_DIRICHLET ? -r : r;
    dir->n = n;
    dir->r = r;
    dir->w_mid = 1.0 - 2.0 * r;
    dir->w_lo = dir->w_mid + alo + (n == 1 ? ahi : 0.0);
    dir->w_hi = n == 1 ? dir->w_lo : dir->w_mid + ahi;
    dir->k_lo = lo->kind == RS_BC_DIRICHLET ? kscale * lo->value : 0.0;
    dir->k_hi = hi->kind == RS_BC_DIRICHLET ? kscale * hi->value : 0.0;
    /* The Thomas pivots p_0 = d_0, p_i = d_i - r^2 / p_{i-1} lose all their
     * digits to cancellation when r = dt D / dx^2 is large (a no-flux line
     * without decay has d_i - r^2/p_{i-1} = O(1) from O(r) terms). Written
     * as q_i = p_i - r (for i < n-1; p_{n-1} = q_{n-1}), the recurrence
     * q_i = a_i + r q_{i-1} / (q_{i-1} + r), a_i = 1 + 2r per
     * Dirichlet end at cell i, adds only positive terms: exact to rounding
     * for any r. */
    double q = 0.0;
    for (int i = 0; i < n; i++) {
        const int dirichlet_ends = (i == 0 && lo->kind == RS_BC_DIRICHLET) +
                                   (i == n - 1 && hi->kind == RS_BC_DIRICHLET);
        const double a = 1.0 + 2.0 * r * dirichlet_ends;
        q = i == 0 ? a : a + r * (q / (q + r));
        const double pivot = i < n - 1 ? q + r : q;
        inv[i] = 1.0 / pivot;
        up[i] = r * inv[i];
    }
    dir->inv = inv;
    dir->up = up;
}

static rs_status lod_create(rs_diffusion **out, const rs_diffusion_config *cfg,
                            rs_error *err)
{
    const rs_grid *g = &cfg->grid;
    lod_solver *s = calloc(1, sizeof *s);
    if (!s) return rs_error_set(err, RS_ENOMEM, "lod solver: out of memory");
    rs_status st = rs_diffusion_base_init(&s->base, &rs_diffusion_lod_ops, cfg, err);
    if (st != RS_OK) {
        lod_destroy(&s->base);
        return st;
    }
    const int nsub = cfg->nsubstrates;
    const int cn = s->base.cfg.time_order == 2;
    const size_t per_sub = lod_factor_doubles(g);
    s->dirs = calloc(3 * (size_t)nsub, sizeof *s->dirs);
    s->coef = calloc((size_t)nsub, sizeof *s->coef);
    s->factors = rs_alloc_aligned((size_t)nsub * per_sub * sizeof(double));
    if (cn) {
        s->nthreads = rs_diffusion_team_capacity();
        s->scratch = rs_alloc_aligned((size_t)s->nthreads * g->nx * sizeof(double));
    }
    if (!s->dirs || !s->coef || !s->factors || (cn && !s->scratch)) {
        lod_destroy(&s->base);
        return rs_error_set(err, RS_ENOMEM, "lod solver: out of memory for work space");
    }
    const int dims = rs_grid_dims(g);
    const double theta = cn ? 0.5 : 1.0;
    const int len[3] = {g->nx, g->ny, g->nz};
    for (int n = 0; n < nsub; n++) {
        const rs_substrate_spec *sp = &cfg->substrates[n];
        const double r = theta * cfg->dt * sp->diffusion / (g->dx * g->dx);
        const double decay = cfg->dt * sp->decay;
        if (!isfinite(r) || !isfinite(decay)) {
            lod_destroy(&s->base);
            return rs_error_set(err, RS_EINVAL,
                                "lod solver: substrate %d: dt D / dx^2 = %g and dt decay = "
                                "%g; expected finite values (dt, D or dx out of range)",
                                n, cfg->dt * sp->diffusion / (g->dx * g->dx), decay);
        }
        s->coef[n] = cn ? rs_source_coef_exponential(cfg->dt, sp->decay, 1)
                        : rs_source_coef_implicit(cfg->dt, sp->decay);
        double *f = s->factors + (size_t)n * per_sub;
        for (int a = 0; a < dims; a++) {
            lod_factorise(&s->dirs[3 * n + a], len[a], r, &sp->bc[2 * a],
                          &sp->bc[2 * a + 1], cn, f, f + len[a]);
            f += 2 * (size_t)len[a];
        }
    }
    *out = &s->base;
    return RS_OK;
}

/* One step of one substrate; called by every thread of the parallel region.
 * 3D: pass 1 by xy-plane, pass 2 (z) by y-index. 2D: the x sweep by blocks
 * of rows, then the y sweep by blocks of columns. */
static void lod_substrate(const lod_solver *s, int n, double *c, const double *src,
                          const double *upt, double *scratch)
{
    const rs_grid *g = &s->base.cfg.grid;
    const rs_lod_dir *dx = &s->dirs[3 * n], *dy = dx + 1, *dz = dx + 2;
    const int nx = g->nx, ny = g->ny, nz = g->nz;
    const int cn = s->base.cfg.time_order == 2;
    const rs_source_coef *coef = &s->coef[n];
    const int voxel_step = src || upt || rs_source_coef_acts(coef);
    const size_t plane = (size_t)nx * ny;

    if (nz == 1) {
        const int nrows = (ny + LOD_ROW_BLOCK - 1) / LOD_ROW_BLOCK;
#pragma omp for schedule(static)
        for (int b = 0; b < nrows; b++) {
            const int j0 = b * LOD_ROW_BLOCK;
            const int rows = ny - j0 < LOD_ROW_BLOCK ? ny - j0 : LOD_ROW_BLOCK;
            const size_t off = (size_t)j0 * nx;
            if (voxel_step)
                rs_source_coef_step(c + off, c + off, src ? src + off : NULL,
                                    upt ? upt + off : NULL, (size_t)rows * nx, coef);
            rs_lod_lines(c + off, (size_t)nx, rows, dx, cn);
        }
        const int ncols = (nx + LOD_COLUMN_BLOCK - 1) / LOD_COLUMN_BLOCK;
#pragma omp for schedule(static)
        for (int b = 0; b < ncols; b++) {
            const int i0 = b * LOD_COLUMN_BLOCK;
            const int w = nx - i0 < LOD_COLUMN_BLOCK ? nx - i0 : LOD_COLUMN_BLOCK;
            rs_lod_rows(c + i0, (size_t)nx, (size_t)w, dy, cn, scratch);
        }
        return;
    }
#pragma omp for schedule(static)
    for (int k = 0; k < nz; k++) {
        const size_t off = (size_t)k * plane;
        rs_lod_plane(c + off, src ? src + off : NULL, upt ? upt + off : NULL,
                     voxel_step ? coef : NULL, dx, dy, cn, scratch);
    }
#pragma omp for schedule(static)
    for (int j = 0; j < ny; j++)
        rs_lod_rows(c + (size_t)j * nx, plane, (size_t)nx, dz, cn, scratch);
}

static rs_status lod_step(rs_diffusion *d, double *const *fields,
                          const double *const *source, const double *const *uptake)
{
    const lod_solver *s = (const lod_solver *)d;
    const int nsub = d->cfg.nsubstrates;
    int nt = rs_diffusion_team_size(d);
    if (s->scratch && nt > s->nthreads) nt = s->nthreads; /* one scratch row each */
#pragma omp parallel num_threads(nt)
    {
#ifdef _OPENMP
        const int t = omp_get_thread_num();
#else
        const int t = 0;
#endif
        double *scratch = s->scratch ? s->scratch + (size_t)t * s->base.cfg.grid.nx : NULL;
        rs_diffusion_note_team(d);
        for (int n = 0; n < nsub; n++)
            lod_substrate(s, n, fields[n], source ? source[n] : NULL,
                          uptake ? uptake[n] : NULL, scratch);
    }
    return RS_OK;
}

const rs_diffusion_ops rs_diffusion_lod_ops = {
    .name = "lod",
    .create = lod_create,
    .step = lod_step,
    .destroy = lod_destroy,
    .workspace_bytes_per_voxel = lod_workspace,
};

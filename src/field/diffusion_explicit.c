/* diffusion_explicit.c: the forward-Euler solver (7-point stencil in 3D,
 * 5-point in 2D). Create checks dt against the stability limit and
 * precomputes coefficients; step updates each field in place through a ring
 * of two plane buffers, so a step reads and writes each voxel once (16 bytes
 * per voxel-update) and needs only two planes of work space. The
 * source/uptake term is applied when a finished plane is written back
 * (diffusion, then the implicit source step: Lie splitting). */
#include <math.h>
#include <stdlib.h>

#include "regensim/alloc.h"
#include "field/diffusion_impl.h"
#include "field/explicit_kernel.h"

typedef struct explicit_coef {
    double r;  /* dt D / dx^2 */
    double wc; /* weight of the centre voxel, boundaries excluded */
    rs_explicit_xbc xbc;
} explicit_coef;

typedef struct explicit_solver {
    rs_diffusion base;
    explicit_coef *coef; /* one per substrate */
    double *ring;        /* two planes of nx*ny doubles */
} explicit_solver;

static double explicit_workspace(const rs_diffusion_config *cfg)
{
    /* Two planes shared by all substrates. */
    return 2.0 * sizeof(double) / cfg->grid.nz / cfg->nsubstrates;
}

static void explicit_destroy(rs_diffusion *d)
{
    explicit_solver *s = (explicit_solver *)d;
    if (!s) return;
    rs_free_aligned(s->ring);
    free(s->coef);
    rs_diffusion_base_free(d);
    free(s);
}

static rs_status explicit_create(rs_diffusion **out, const rs_diffusion_config *cfg,
                                 rs_error *err)
{
    const rs_grid *g = &cfg->grid;
    double limit = rs_diffusion_explicit_dt_limit(g, cfg->substrates, cfg->nsubstrates);
    if (cfg->dt > limit)
        return rs_error_set(err, RS_EUNSTABLE,
                            "explicit solver: dt = %g min exceeds the stability limit "
                            "%g min (2 / (4 dims D / dx^2 + decay) for the fastest "
                            "substrate); use a smaller dt or solver lod",
                            cfg->dt, limit);
    explicit_solver *s = calloc(1, sizeof *s);
    if (!s) return rs_error_set(err, RS_ENOMEM, "explicit solver: out of memory");
    rs_status st = rs_diffusion_base_init(&s->base, &rs_diffusion_explicit_ops, cfg, err);
    if (st != RS_OK) {
        explicit_destroy(&s->base);
        return st;
    }
    s->coef = calloc((size_t)cfg->nsubstrates, sizeof *s->coef);
    s->ring = rs_alloc_aligned(2 * (size_t)g->nx * (size_t)g->ny * sizeof(double));
    if (!s->coef || !s->ring) {
        explicit_destroy(&s->base);
        return rs_error_set(err, RS_ENOMEM, "explicit solver: out of memory for work space");
    }
    for (int n = 0; n < cfg->nsubstrates; n++) {
        const rs_substrate_spec *sp = &cfg->substrates[n];
        explicit_coef *c = &s->coef[n];
        c->r = cfg->dt * sp->diffusion / (g->dx * g->dx);
        /* Six neighbours always enter the row kernel; in 2D the z neighbours
         * are the voxel itself, whose 2 r c cancels against the -6 r here. */
        c->wc = 1.0 - cfg->dt * sp->decay - 6.0 * c->r;
        c->xbc.dirichlet_lo = sp->bc[RS_FACE_XLO].kind == RS_BC_DIRICHLET;
        c->xbc.dirichlet_hi = sp->bc[RS_FACE_XHI].kind == RS_BC_DIRICHLET;
        c->xbc.value_lo = sp->bc[RS_FACE_XLO].value;
        c->xbc.value_hi = sp->bc[RS_FACE_XHI].value;
    }
    *out = &s->base;
    return RS_OK;
}

/* Folds a y or z boundary into the row's centre weight and constant: the
 * kernel reads the row itself as the missing neighbour, contributing r c;
 * a Dirichlet face needs r (2 g - c) instead. */
static void fold_boundary(const rs_bc *bc, double r, double *wc, double *k)
{
    if (bc->kind == RS_BC_DIRICHLET) {
        *wc -= 2.0 * r;
        *k += 2.0 * r * bc->value;
    }
}

/* Updates one substrate; called by every thread of the parallel region. */
static void explicit_substrate(const explicit_solver *s, int n, double *c,
                               const double *source, const double *uptake)
{
    const rs_grid *g = &s->base.cfg.grid;
    const rs_substrate_spec *sp = &s->base.specs[n];
    const explicit_coef *co = &s->coef[n];
    const int nx = g->nx, ny = g->ny, nz = g->nz;
    const size_t plane = (size_t)nx * ny;
    const double dt = s->base.cfg.dt;
    double *ring[2] = {s->ring, s->ring + plane};

    for (int k = 0; k < nz; k++) {
        double *cur = c + (size_t)k * plane;
        const double *below = k > 0 ? cur - plane : NULL;
        const double *above = k < nz - 1 ? cur + plane : NULL;
        double wc_plane = co->wc, k_plane = 0.0;
        if (nz > 1) {
            if (!below) fold_boundary(&sp->bc[RS_FACE_ZLO], co->r, &wc_plane, &k_plane);
            if (!above) fold_boundary(&sp->bc[RS_FACE_ZHI], co->r, &wc_plane, &k_plane);
        }
#pragma omp for schedule(static)
        for (int j = 0; j < ny; j++) {
            const double *row = cur + (size_t)j * nx;
            double wc = wc_plane, kc = k_plane;
            const double *ym = row, *yp = row;
            if (j > 0) ym = row - nx;
            else fold_boundary(&sp->bc[RS_FACE_YLO], co->r, &wc, &kc);
            if (j < ny - 1) yp = row + nx;
            else fold_boundary(&sp->bc[RS_FACE_YHI], co->r, &wc, &kc);
            const double *zm = below ? below + (size_t)j * nx : row;
            const double *zp = above ? above + (size_t)j * nx : row;
            rs_explicit_row(ring[k & 1] + (size_t)j * nx, row, ym, yp, zm, zp, nx, co->r,
                            wc, kc, &co->xbc);
            /* Row j of plane k-1 is read by nobody any more: plane k needed
             * only its own row j of plane k-1 (as zm), read just above. */
            if (k > 0) {
                size_t off = (size_t)(k - 1) * plane + (size_t)j * nx;
                rs_explicit_writeback(c + off, ring[(k - 1) & 1] + (size_t)j * nx,
                                      source ? source + off : NULL,
                                      uptake ? uptake + off : NULL, nx, dt);
            }
        }
    }
#pragma omp for schedule(static)
    for (int j = 0; j < ny; j++) {
        size_t off = (size_t)(nz - 1) * plane + (size_t)j * nx;
        rs_explicit_writeback(c + off, ring[(nz - 1) & 1] + (size_t)j * nx,
                              source ? source + off : NULL, uptake ? uptake + off : NULL,
                              nx, dt);
    }
}

static rs_status explicit_step(rs_diffusion *d, double *const *fields,
                               const double *const *source, const double *const *uptake)
{
    const explicit_solver *s = (const explicit_solver *)d;
    const int nsub = d->cfg.nsubstrates;
#pragma omp parallel num_threads(rs_diffusion_team_size(d))
    for (int n = 0; n < nsub; n++)
        explicit_substrate(s, n, fields[n], source ? source[n] : NULL,
                           uptake ? uptake[n] : NULL);
    return RS_OK;
}

const rs_diffusion_ops rs_diffusion_explicit_ops = {
    .name = "explicit",
    .create = explicit_create,
    .step = explicit_step,
    .destroy = explicit_destroy,
    .workspace_bytes_per_voxel = explicit_workspace,
};

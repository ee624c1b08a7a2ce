/* diffusion_explicit.c: the forward-Euler solver (7-point stencil in 3D,
 * 5-point in 2D). Create checks dt against the stability limit and
 * precomputes coefficients; step updates each field in place through a ring
 * of two plane buffers (new plane k is written back once plane k+1 no longer
 * needs old plane k), so a step reads and writes each voxel once: 16 bytes
 * per voxel-update. The source/uptake term is applied when a finished row is
 * written back (diffusion, then the implicit source step: Lie splitting).
 *
 * Threads share the work in one of two ways. With enough planes (3D, at
 * least EXPLICIT_PLANES_PER_CHUNK per thread) each thread takes a
 * contiguous chunk of planes with its own ring, after saving copies of its
 * first and last old planes for its neighbours (halos): two barriers per
 * substrate, so the step stays fast on a loaded machine. Otherwise (2D, thin
 * 3D grids) all threads share the rows of each plane, one barrier per plane.
 * Each voxel's new value is the same arithmetic on the same old values
 * either way, so results are identical for any number of threads. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "regensim/alloc.h"
#include "field/diffusion_impl.h"
#include "field/explicit_kernel.h"
#include "field/source_kernel.h"

typedef struct explicit_coef {
    double r;  /* dt D / dx^2 */
    double wc; /* weight of the centre voxel, boundaries excluded */
    rs_explicit_xbc xbc;
} explicit_coef;

/* Fewest planes a thread's chunk may have for chunked scheduling: its four
 * planes of work space then add at most half a plane per plane (4 bytes
 * per voxel). */
#define EXPLICIT_PLANES_PER_CHUNK 8

typedef struct explicit_solver {
    rs_diffusion base;
    explicit_coef *coef; /* one per substrate */
    int max_chunks;      /* chunks the work space holds (1: shared rows only) */
    double *work;        /* per chunk: ring[2] + halo first/last planes */
} explicit_solver;

/* Chunks of planes the work space is sized for: one per thread that may
 * run, while each keeps EXPLICIT_PLANES_PER_CHUNK planes. */
static int explicit_max_chunks(const rs_diffusion_config *cfg)
{
    int chunks = rs_diffusion_team_capacity();
    int most = cfg->grid.nz / EXPLICIT_PLANES_PER_CHUNK;
    return chunks < most ? chunks : (most < 1 ? 1 : most);
}

/* Planes of work space: a two-plane ring, and with chunks four planes
 * (ring and the two halos) per chunk. */
static size_t explicit_work_planes(const rs_diffusion_config *cfg)
{
    int chunks = explicit_max_chunks(cfg);
    return chunks > 1 ? 4 * (size_t)chunks : 2;
}

static double explicit_workspace(const rs_diffusion_config *cfg)
{
    /* Shared by all substrates. */
    return (double)explicit_work_planes(cfg) * sizeof(double) / cfg->grid.nz /
           cfg->nsubstrates;
}

static void explicit_destroy(rs_diffusion *d)
{
    explicit_solver *s = (explicit_solver *)d;
    if (!s) return;
    rs_free_aligned(s->work);
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
    s->max_chunks = explicit_max_chunks(cfg);
    s->work = rs_alloc_aligned(explicit_work_planes(cfg) * (size_t)g->nx * (size_t)g->ny *
                               sizeof(double));
    if (!s->coef || !s->work) {
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

/* One substrate's update: the field, its source terms and coefficients. */
typedef struct explicit_job {
    const explicit_solver *s;
    const rs_substrate_spec *sp;
    const explicit_coef *co;
    double *c;
    const double *source, *uptake;
} explicit_job;

/* Computes new row j of plane k into out (a plane buffer) from old planes
 * below/at/above (below/above NULL at the z faces). */
static void row_update(const explicit_job *job, int k, int j, const double *below,
                       const double *above, double *out)
{
    const rs_grid *g = &job->s->base.cfg.grid;
    const int nx = g->nx, ny = g->ny;
    const explicit_coef *co = job->co;
    const rs_bc *bc = job->sp->bc;
    const double *row = job->c + (size_t)k * nx * ny + (size_t)j * nx;
    double wc = co->wc, kc = 0.0;
    if (g->nz > 1) {
        if (!below) fold_boundary(&bc[RS_FACE_ZLO], co->r, &wc, &kc);
        if (!above) fold_boundary(&bc[RS_FACE_ZHI], co->r, &wc, &kc);
    }
    const double *ym = row, *yp = row;
    if (j > 0) ym = row - nx;
    else fold_boundary(&bc[RS_FACE_YLO], co->r, &wc, &kc);
    if (j < ny - 1) yp = row + nx;
    else fold_boundary(&bc[RS_FACE_YHI], co->r, &wc, &kc);
    const double *zm = below ? below + (size_t)j * nx : row;
    const double *zp = above ? above + (size_t)j * nx : row;
    rs_explicit_row(out + (size_t)j * nx, row, ym, yp, zm, zp, nx, co->r, wc, kc, &co->xbc);
}

/* Writes finished row j of plane k from its plane buffer back into the
 * field, applying the source/uptake step. */
static void row_writeback(const explicit_job *job, int k, int j, const double *buf)
{
    const rs_grid *g = &job->s->base.cfg.grid;
    size_t off = (size_t)k * g->nx * g->ny + (size_t)j * g->nx;
    rs_source_step(job->c + off, buf + (size_t)j * g->nx,
                   job->source ? job->source + off : NULL,
                   job->uptake ? job->uptake + off : NULL, (size_t)g->nx,
                   job->s->base.cfg.dt);
}

/* Shared rows: every thread of the team takes part in each plane. Row j of
 * old plane k-1 is written back right after new row j of plane k, the only
 * row that still needed it. */
static void substrate_shared_rows(const explicit_job *job)
{
    const rs_grid *g = &job->s->base.cfg.grid;
    const int ny = g->ny, nz = g->nz;
    const size_t plane = (size_t)g->nx * ny;
    double *ring[2] = {job->s->work, job->s->work + plane};
    for (int k = 0; k < nz; k++) {
        const double *cur = job->c + (size_t)k * plane;
        const double *below = k > 0 ? cur - plane : NULL;
        const double *above = k < nz - 1 ? cur + plane : NULL;
#pragma omp for schedule(static)
        for (int j = 0; j < ny; j++) {
            row_update(job, k, j, below, above, ring[k & 1]);
            if (k > 0) row_writeback(job, k - 1, j, ring[(k - 1) & 1]);
        }
    }
#pragma omp for schedule(static)
    for (int j = 0; j < ny; j++) row_writeback(job, nz - 1, j, ring[(nz - 1) & 1]);
}

/* Chunked planes: thread t < nchunks owns planes [k0, k1) and its own ring.
 * Its neighbours overwrite the planes next to its chunk, so each chunk
 * first saves its first and last old planes (halos) for them. */
static void substrate_chunks(const explicit_job *job, int nchunks)
{
    const rs_grid *g = &job->s->base.cfg.grid;
    const int ny = g->ny, nz = g->nz, t = omp_get_thread_num();
    const size_t plane = (size_t)g->nx * ny;
    double *const work = job->s->work;
    const int k0 = (int)((long long)nz * t / nchunks);
    const int k1 = (int)((long long)nz * (t + 1) / nchunks);
    /* Chunk c's planes: ring 4c, 4c+1; halo of its first plane 4c+2, of its
     * last plane 4c+3. */
    if (t < nchunks) {
        memcpy(work + (4 * (size_t)t + 2) * plane, job->c + (size_t)k0 * plane,
               plane * sizeof(double));
        memcpy(work + (4 * (size_t)t + 3) * plane, job->c + (size_t)(k1 - 1) * plane,
               plane * sizeof(double));
    }
#pragma omp barrier
    if (t < nchunks) {
        double *ring[2] = {work + 4 * (size_t)t * plane, work + (4 * (size_t)t + 1) * plane};
        const double *halo_below = t > 0 ? work + (4 * (size_t)(t - 1) + 3) * plane : NULL;
        const double *halo_above =
            t < nchunks - 1 ? work + (4 * (size_t)(t + 1) + 2) * plane : NULL;
        for (int k = k0; k < k1; k++) {
            const double *cur = job->c + (size_t)k * plane;
            const double *below = k > k0 ? cur - plane : halo_below;
            const double *above = k < k1 - 1 ? cur + plane : halo_above;
            for (int j = 0; j < ny; j++) {
                row_update(job, k, j, below, above, ring[k & 1]);
                if (k > k0) row_writeback(job, k - 1, j, ring[(k - 1) & 1]);
            }
        }
        for (int j = 0; j < ny; j++) row_writeback(job, k1 - 1, j, ring[(k1 - 1) & 1]);
    }
    /* The next substrate reuses the halos. */
#pragma omp barrier
}

static rs_status explicit_step(rs_diffusion *d, double *const *fields,
                               const double *const *source, const double *const *uptake)
{
    const explicit_solver *s = (const explicit_solver *)d;
    const int nsub = d->cfg.nsubstrates;
    int nt = rs_diffusion_team_size(d);
    if (s->max_chunks > 1 && nt > s->max_chunks) nt = s->max_chunks;
#pragma omp parallel num_threads(nt)
    {
        rs_diffusion_note_team(d);
        const int nchunks = omp_get_num_threads() <= s->max_chunks ? omp_get_num_threads() : 1;
        for (int n = 0; n < nsub; n++) {
            explicit_job job = {s, &s->base.specs[n], &s->coef[n], fields[n],
                                source ? source[n] : NULL, uptake ? uptake[n] : NULL};
            if (nchunks > 1) substrate_chunks(&job, nchunks);
            else substrate_shared_rows(&job);
        }
    }
    return RS_OK;
}

const rs_diffusion_ops rs_diffusion_explicit_ops = {
    .name = "explicit",
    .create = explicit_create,
    .step = explicit_step,
    .destroy = explicit_destroy,
    .workspace_bytes_per_voxel = explicit_workspace,
};

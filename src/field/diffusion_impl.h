/* diffusion_impl.h: what the three solver implementations share and the
 * generic driver (diffusion.c) calls; not public. */
#ifndef RS_FIELD_DIFFUSION_IMPL_H
#define RS_FIELD_DIFFUSION_IMPL_H

#ifdef _OPENMP
#include <omp.h>
#endif

#include "regensim/diffusion.h"

/* The operations every solver provides (SUNDIALS-style ops table). */
struct rs_diffusion_ops {
    const char *name;
    /* Checked config in; a complete solver out, or an error and nothing
     * allocated (*out untouched: rs_diffusion_create resets it). */
    rs_status (*create)(rs_diffusion **out, const rs_diffusion_config *cfg,
                        rs_error *err);
    /* Advances every field by dt; source/uptake (and each entry) may be NULL. */
    rs_status (*step)(rs_diffusion *d, double *const *fields,
                      const double *const *source, const double *const *uptake);
    void (*destroy)(rs_diffusion *d);
    /* Bytes of solver work space per voxel and substrate, fields excluded,
     * at the peak, for a config: used to refuse plans that cannot fit before
     * allocating, and recorded at create. */
    double (*workspace_bytes_per_voxel)(const rs_diffusion_config *cfg);
};

/* Every solver object starts with this header. */
struct rs_diffusion {
    const rs_diffusion_ops *ops;
    rs_diffusion_config cfg; /* cfg.substrates points at `specs` below */
    rs_substrate_spec *specs;
    size_t nvoxels;
    double workspace_bytes; /* per voxel-substrate, as allocated at create */
    int threads_used;       /* threads the last step ran on (for tests) */
};

extern const rs_diffusion_ops rs_diffusion_explicit_ops;
extern const rs_diffusion_ops rs_diffusion_lod_ops;
extern const rs_diffusion_ops rs_diffusion_spectral_ops;

/* Fills the common header of a freshly allocated solver: ops, a copy of cfg
 * and of its substrate specs (allocated here; freed by
 * rs_diffusion_base_free). */
rs_status rs_diffusion_base_init(rs_diffusion *d, const rs_diffusion_ops *ops,
                                 const rs_diffusion_config *cfg, rs_error *err);

/* Frees what rs_diffusion_base_init allocated (not d itself). */
void rs_diffusion_base_free(rs_diffusion *d);

/* Voxel-substrate updates per step below which adding a thread costs more
 * (start-up, barriers) than it saves: the default of the config's
 * min_work_per_thread (and of REGENSIM_MIN_WORK_PER_THREAD). */
#define RS_DIFFUSION_WORK_PER_THREAD 16384

/* Threads a step of d should use: OpenMP's current limit, capped so each
 * thread has at least d->cfg.min_work_per_thread voxel-substrates (resolved
 * by rs_diffusion_create: never 0 here). Work is always split by whole
 * rows, planes or slabs, so the result is the same for any team size. */
int rs_diffusion_team_size(const rs_diffusion *d);

/* Called by every thread inside a step's parallel region: thread 0 records
 * the team's size in d->threads_used (read after the region, by tests). */
static inline void rs_diffusion_note_team(rs_diffusion *d)
{
#ifdef _OPENMP
    if (omp_get_thread_num() == 0) d->threads_used = omp_get_num_threads();
#else
    d->threads_used = 1;
#endif
}

/* Threads to size per-thread work space for at create: OpenMP's current
 * limit or the processor count, whichever is larger (a caller may raise
 * the limit later; steps cap their team at what create sized for). */
int rs_diffusion_team_capacity(void);

/* Does face f take part on this grid? (z faces only in 3D.) */
static inline int rs_face_active(const rs_grid *g, int f)
{
    return f < RS_FACE_ZLO || g->nz > 1;
}

#endif

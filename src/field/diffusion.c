/* diffusion.c: the solver registry and the checks every solver shares
 * (see regensim/diffusion.h). Callers go through rs_diffusion_create/step/
 * destroy; the implementations live in diffusion_{explicit,lod,spectral}.c. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "regensim/alloc.h"
#include "regensim/threads.h"
#include "field/diffusion_impl.h"

static const rs_diffusion_ops *const solvers[] = {
    &rs_diffusion_explicit_ops,
    &rs_diffusion_lod_ops,
    &rs_diffusion_spectral_ops,
};
#define NSOLVERS ((int)(sizeof solvers / sizeof solvers[0]))

static const char *const solver_names[] = {"explicit", "lod", "spectral", NULL};

const rs_diffusion_ops *rs_diffusion_find(const char *name)
{
    if (!name) return NULL;
    for (int i = 0; i < NSOLVERS; i++)
        if (strcmp(solvers[i]->name, name) == 0) return solvers[i];
    return NULL;
}

const char *const *rs_diffusion_names(void) { return solver_names; }

void rs_substrate_spec_init(rs_substrate_spec *spec, double diffusion, double decay)
{
    memset(spec, 0, sizeof *spec);
    spec->diffusion = diffusion;
    spec->decay = decay;
    for (int f = 0; f < RS_NFACES; f++) spec->bc[f].kind = RS_BC_NEUMANN;
}

static const char *const face_names[RS_NFACES] = {"x-", "x+", "y-", "y+", "z-", "z+"};

/* Checks what every solver needs of a config: grid, dt, coefficients. */
static rs_status config_check(const rs_diffusion_config *cfg, rs_error *err)
{
    rs_status s = rs_grid_check(&cfg->grid, err);
    if (s != RS_OK) return s;
    if (!isfinite(cfg->dt) || cfg->dt <= 0)
        return rs_error_set(err, RS_EINVAL,
                            "diffusion: dt = %g; expected a time step > 0 (min)", cfg->dt);
    if (cfg->nsubstrates < 1 || cfg->nsubstrates > 4096)
        return rs_error_set(err, RS_EINVAL,
                            "diffusion: %d substrates; expected 1 to 4096", cfg->nsubstrates);
    if (!cfg->substrates)
        return rs_error_set(err, RS_EINVAL, "diffusion: no substrate specs given");
    if (cfg->time_order < 0 || cfg->time_order > 2)
        return rs_error_set(err, RS_EINVAL,
                            "diffusion: time_order = %d; expected 1 or 2", cfg->time_order);
    if (cfg->min_work_per_thread < 0)
        return rs_error_set(err, RS_EINVAL, "diffusion: min_work_per_thread = %ld; expected "
                            "voxel-substrates per thread >= 1, or 0 for the default",
                            cfg->min_work_per_thread);
    if (cfg->fft_rigor != RS_FFT_MEASURE && cfg->fft_rigor != RS_FFT_ESTIMATE)
        return rs_error_set(err, RS_EINVAL, "diffusion: fft_rigor = %d; expected "
                            "RS_FFT_MEASURE or RS_FFT_ESTIMATE", (int)cfg->fft_rigor);
    for (int n = 0; n < cfg->nsubstrates; n++) {
        const rs_substrate_spec *sp = &cfg->substrates[n];
        if (!isfinite(sp->diffusion) || sp->diffusion < 0)
            return rs_error_set(err, RS_EINVAL,
                                "substrate %d: diffusion = %g; expected a diffusion "
                                "coefficient >= 0 (um^2/min)", n, sp->diffusion);
        if (!isfinite(sp->decay) || sp->decay < 0)
            return rs_error_set(err, RS_EINVAL,
                                "substrate %d: decay = %g; expected a decay rate >= 0 "
                                "(1/min)", n, sp->decay);
        for (int f = 0; f < RS_NFACES; f++) {
            const rs_bc *bc = &sp->bc[f];
            if (bc->kind != RS_BC_NEUMANN && bc->kind != RS_BC_DIRICHLET)
                return rs_error_set(err, RS_EINVAL,
                                    "substrate %d, face %s: boundary kind %d; expected "
                                    "neumann or dirichlet", n, face_names[f], (int)bc->kind);
            if (bc->kind == RS_BC_DIRICHLET && !isfinite(bc->value))
                return rs_error_set(err, RS_EINVAL,
                                    "substrate %d, face %s: Dirichlet value %g; expected "
                                    "a finite concentration", n, face_names[f], bc->value);
        }
    }
    return RS_OK;
}

/* The work per thread a solver for cfg uses: cfg's value, else
 * REGENSIM_MIN_WORK_PER_THREAD, else the default (regensim/threads.h). */
static rs_status resolve_min_work(const rs_diffusion_config *cfg, long *out, rs_error *err)
{
    *out = cfg->min_work_per_thread;
    if (*out > 0) return RS_OK;
    return rs_threads_min_work(RS_DIFFUSION_WORK_PER_THREAD, "voxel-substrates", out, err);
}

rs_status rs_diffusion_create(rs_diffusion **out, const char *name,
                              const rs_diffusion_config *cfg, rs_error *err)
{
    *out = NULL;
    const rs_diffusion_ops *ops = rs_diffusion_find(name);
    if (!ops)
        return rs_error_set(err, RS_EINVAL,
                            "diffusion: unknown solver '%s'; expected explicit, lod or "
                            "spectral", name ? name : "(null)");
    if (!cfg) return rs_error_set(err, RS_EINVAL, "diffusion: no config given");
    rs_status s = config_check(cfg, err);
    if (s != RS_OK) return s;
    if (cfg->time_order == 2 && ops != &rs_diffusion_lod_ops)
        return rs_error_set(err, RS_EUNSUPPORTED,
                            "diffusion: time_order 2 is offered by solver lod only; %s is "
                            "first order in time (spectral: exact)", ops->name);
    double per_voxel = (double)cfg->nsubstrates *
                       (sizeof(double) + ops->workspace_bytes_per_voxel(cfg));
    s = rs_grid_check_memory(&cfg->grid, per_voxel, 0.0, err);
    if (s != RS_OK) return s;
    rs_diffusion_config resolved = *cfg;
    s = resolve_min_work(cfg, &resolved.min_work_per_thread, err);
    if (s != RS_OK) return s;
    return ops->create(out, &resolved, err);
}

rs_status rs_diffusion_step(rs_diffusion *d, double *const *fields,
                            const double *const *source, const double *const *uptake)
{
    return d->ops->step(d, fields, source, uptake);
}

void rs_diffusion_destroy(rs_diffusion *d)
{
    if (d) d->ops->destroy(d);
}

const char *rs_diffusion_name(const rs_diffusion *d) { return d->ops->name; }

double rs_diffusion_bytes_per_voxel_substrate(const rs_diffusion *d)
{
    return sizeof(double) + d->workspace_bytes;
}

double rs_diffusion_estimate_bytes(const char *name, const rs_diffusion_config *cfg)
{
    const rs_diffusion_ops *ops = rs_diffusion_find(name);
    if (!ops || !cfg || cfg->nsubstrates < 1) return 0.0;
    return sizeof(double) + ops->workspace_bytes_per_voxel(cfg);
}

double rs_diffusion_explicit_dt_limit(const rs_grid *g, const rs_substrate_spec *specs,
                                      int n)
{
    double worst = 0.0;
    const double dims = (double)rs_grid_dims(g);
    for (int s = 0; s < n; s++) {
        double rate = 4.0 * dims * specs[s].diffusion / (g->dx * g->dx) + specs[s].decay;
        if (rate > worst) worst = rate;
    }
    return worst > 0 ? 2.0 / worst : INFINITY;
}

int rs_diffusion_team_size(const rs_diffusion *d)
{
    size_t work = d->nvoxels * (size_t)d->cfg.nsubstrates;
    size_t most = work / (size_t)d->cfg.min_work_per_thread;
    int nt = omp_get_max_threads();
    if (most < 1) most = 1;
    return (size_t)nt > most ? (int)most : nt;
}

int rs_diffusion_team_capacity(void)
{
    int n = omp_get_max_threads();
    return omp_get_num_procs() > n ? omp_get_num_procs() : n;
}

rs_status rs_diffusion_base_init(rs_diffusion *d, const rs_diffusion_ops *ops,
                                 const rs_diffusion_config *cfg, rs_error *err)
{
    d->ops = ops;
    d->cfg = *cfg;
    if (d->cfg.time_order == 0) d->cfg.time_order = 1;
    if (d->cfg.min_work_per_thread <= 0)
        d->cfg.min_work_per_thread = RS_DIFFUSION_WORK_PER_THREAD;
    d->nvoxels = rs_grid_voxels(&cfg->grid);
    d->workspace_bytes = ops->workspace_bytes_per_voxel(cfg);
    d->specs = malloc((size_t)cfg->nsubstrates * sizeof *d->specs);
    if (!d->specs)
        return rs_error_set(err, RS_ENOMEM, "diffusion: out of memory for %d specs",
                            cfg->nsubstrates);
    memcpy(d->specs, cfg->substrates, (size_t)cfg->nsubstrates * sizeof *d->specs);
    d->cfg.substrates = d->specs;
    return RS_OK;
}

void rs_diffusion_base_free(rs_diffusion *d)
{
    free(d->specs);
    d->specs = NULL;
}

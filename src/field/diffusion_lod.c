/* diffusion_lod.c: placeholder until the lod solver lands. */
#include "field/diffusion_impl.h"

static double lod_workspace(const rs_diffusion_config *cfg)
{
    (void)cfg;
    return 0.0;
}

static rs_status lod_create(rs_diffusion **out, const rs_diffusion_config *cfg,
                              rs_error *err)
{
    (void)cfg;
    *out = NULL;
    return rs_error_set(err, RS_EUNSUPPORTED, "lod solver: not implemented yet");
}

static rs_status lod_step(rs_diffusion *d, double *const *fields,
                            const double *const *source, const double *const *uptake)
{
    (void)d; (void)fields; (void)source; (void)uptake;
    return RS_EUNSUPPORTED;
}

static void lod_destroy(rs_diffusion *d) { (void)d; }

const rs_diffusion_ops rs_diffusion_lod_ops = {
    .name = "lod",
    .create = lod_create,
    .step = lod_step,
    .destroy = lod_destroy,
    .workspace_bytes_per_voxel = lod_workspace,
};

/* diffusion_spectral.c: placeholder until the spectral solver lands. */
#include "field/diffusion_impl.h"

static double spectral_workspace(const rs_diffusion_config *cfg)
{
    (void)cfg;
    return 0.0;
}

static rs_status spectral_create(rs_diffusion **out, const rs_diffusion_config *cfg,
                              rs_error *err)
{
    (void)cfg;
    *out = NULL;
    return rs_error_set(err, RS_EUNSUPPORTED, "spectral solver: not implemented yet");
}

static rs_status spectral_step(rs_diffusion *d, double *const *fields,
                            const double *const *source, const double *const *uptake)
{
    (void)d; (void)fields; (void)source; (void)uptake;
    return RS_EUNSUPPORTED;
}

static void spectral_destroy(rs_diffusion *d) { (void)d; }

const rs_diffusion_ops rs_diffusion_spectral_ops = {
    .name = "spectral",
    .create = spectral_create,
    .step = spectral_step,
    .destroy = spectral_destroy,
    .workspace_bytes_per_voxel = spectral_workspace,
};

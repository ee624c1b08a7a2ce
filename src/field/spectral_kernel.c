/* spectral_kernel.c: the per-voxel loops of the spectral solver (see
 * spectral_kernel.h). Kept apart from the driver so they stay plain loops
 * the compiler vectorises. */
#include "field/diffusion_impl.h"
#include "field/spectral_kernel.h"

void rs_spectral_source_uptake(double *restrict c, const double *restrict source,
                               const double *restrict uptake, size_t n, double dt)
{
    if (!source && !uptake) return;
    if (!uptake) {
#pragma omp simd
        for (size_t i = 0; i < n; i++) c[i] += dt * source[i];
    } else if (!source) {
#pragma omp simd
        for (size_t i = 0; i < n; i++) c[i] /= 1.0 + dt * uptake[i];
    } else {
#pragma omp simd
        for (size_t i = 0; i < n; i++) c[i] = rs_source_uptake(c[i], dt, source[i], uptake[i]);
    }
}

void rs_spectral_scale_rows(double *c, size_t stride, int nrows, int nx,
                            const double *restrict fx, const double *restrict frow,
                            double f)
{
    for (int r = 0; r < nrows; r++) {
        double *restrict row = c + (size_t)r * stride;
        const double fr = f * frow[r];
#pragma omp simd
        for (int i = 0; i < nx; i++) row[i] *= fx[i] * fr;
    }
}

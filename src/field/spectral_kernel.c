/* spectral_kernel.c: the per-voxel loops of the spectral solver (see
 * spectral_kernel.h). Kept apart from the driver so they stay plain loops
 * the compiler vectorises. */
#include "field/spectral_kernel.h"

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

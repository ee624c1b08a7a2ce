/* source_kernel.c: the per-voxel source/uptake loop shared by the explicit,
 * lod and spectral solvers (see source_kernel.h). One loop per case, so the
 * compiler vectorises each and a missing S or U costs nothing; the cases
 * with one term drop the other (c + dt S rather than (c + dt S) / 1, and
 * c / (1 + dt U) rather than (c + 0) / (1 + dt U), which would turn -0
 * into +0), exactly as each solver did before they shared this loop. */
#include <string.h>

#include "field/source_kernel.h"

void rs_source_step(double *dst, const double *src, const double *restrict s,
                    const double *restrict u, size_t n, double dt)
{
    /* dst and src are either the same array or disjoint: each iteration
     * reads src[i] before writing dst[i], so the loops vectorise. */
    if (s && u) {
#pragma omp simd
        for (size_t i = 0; i < n; i++) dst[i] = rs_source_uptake(src[i], dt, s[i], u[i]);
    } else if (s) {
#pragma omp simd
        for (size_t i = 0; i < n; i++) dst[i] = src[i] + dt * s[i];
    } else if (u) {
#pragma omp simd
        for (size_t i = 0; i < n; i++) dst[i] = src[i] / (1.0 + dt * u[i]);
    } else if (dst != src) {
        memcpy(dst, src, n * sizeof *dst);
    }
}

/* source_kernel.c: the per-voxel source/uptake/decay loop shared by the
 * explicit, lod and spectral solvers (see source_kernel.h). One loop per
 * case, so the compiler vectorises each and a missing S or U costs
 * nothing; the cases with one term drop the other (m c + h S rather than
 * (m c + h S) / 1, and m c / (q + h U) rather than (m c + 0) / (q + h U),
 * which would turn -0 into +0). With m = q = 1 every case computes exactly
 * what rs_source_step always did (1 c and x / 1 are exact). */
#include <math.h>
#include <string.h>

#include "field/source_kernel.h"

/* Backward-Euler decay: see source_kernel.h. */
rs_source_coef rs_source_coef_implicit(double dt, double lambda)
{
    rs_source_coef k = {1.0, dt, 1.0 + dt * lambda};
    return k;
}

/* A decay factor e^{-lambda dt} below e^{-SOURCE_FLUSH} is stored as 0 (as
 * the spectral solver's mode factors are): the old value is gone to any
 * precision, and no subnormal factor slows the per-voxel loop. */
#define SOURCE_FLUSH 150.0

/* Exact decay: see source_kernel.h. */
rs_source_coef rs_source_coef_exponential(double dt, double lambda, int with_decay)
{
    /* -expm1(-x) / lambda keeps phi's digits when lambda dt is tiny. */
    rs_source_coef k = {1.0, dt, 1.0};
    if (lambda > 0) {
        const double x = dt * lambda;
        k.h = -expm1(-x) / lambda;
        if (with_decay) k.m = x > SOURCE_FLUSH ? 0.0 : exp(-x);
    }
    return k;
}

/* The loop, one case per pair of present terms: see source_kernel.h. */
void rs_source_coef_step(double *dst, const double *src, const double *restrict s,
                         const double *restrict u, size_t n, const rs_source_coef *k)
{
    /* dst and src are either the same array or disjoint: each iteration
     * reads src[i] before writing dst[i], so the loops vectorise. */
    const double m = k->m, h = k->h, q = k->q;
    if (s && u) {
#pragma omp simd
        for (size_t i = 0; i < n; i++) dst[i] = (m * src[i] + h * s[i]) / (q + h * u[i]);
    } else if (s) {
        if (q == 1.0) {
#pragma omp simd
            for (size_t i = 0; i < n; i++) dst[i] = m * src[i] + h * s[i];
        } else {
#pragma omp simd
            for (size_t i = 0; i < n; i++) dst[i] = (m * src[i] + h * s[i]) / q;
        }
    } else if (u) {
#pragma omp simd
        for (size_t i = 0; i < n; i++) dst[i] = m * src[i] / (q + h * u[i]);
    } else if (rs_source_coef_acts(k)) {
        const double f = m / q;
#pragma omp simd
        for (size_t i = 0; i < n; i++) dst[i] = f * src[i];
    } else if (dst != src) {
        memcpy(dst, src, n * sizeof *dst);
    }
}

/* The public step: m = q = 1, h = dt (regensim/diffusion.h). */
void rs_source_step(double *dst, const double *src, const double *restrict s,
                    const double *restrict u, size_t n, double dt)
{
    const rs_source_coef k = {1.0, dt, 1.0};
    rs_source_coef_step(dst, src, s, u, n, &k);
}

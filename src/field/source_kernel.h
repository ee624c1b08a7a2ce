/* source_kernel.h: the implicit source/uptake(/decay) step that all three
 * solvers apply per voxel (operator splitting, include/regensim/diffusion.h).
 * Its general form is
 *     c <- (m c + h S) / (q + h U)
 * with per-substrate constants (rs_source_coef): m multiplies the old value,
 * h weighs source and uptake, q = 1 + (implicit decay). The solvers use
 *     explicit:          m = 1, h = dt, q = 1 (decay is in the stencil);
 *     lod, order 1:      m = 1, h = dt, q = 1 + dt lambda (backward Euler);
 *     lod, order 2:      m = e^{-lambda dt}, h = phi, q = 1;
 *     spectral:          m = 1, h = phi, q = 1 (decay is in the modes, and
 *                        this step follows them);
 * phi = (1 - e^{-lambda dt}) / lambda (dt when lambda = 0). Each makes the
 * steady state of a uniform field exactly S / (lambda + U) at any dt (see
 * docs/numerics.md). With m = q = 1 and h = dt it is the public
 * rs_source_step, c <- (c + dt S) / (1 + dt U). rs_source_coef_step
 * (source_kernel.c) is its plain loop over contiguous values. */
#ifndef RS_FIELD_SOURCE_KERNEL_H
#define RS_FIELD_SOURCE_KERNEL_H

#include <stddef.h>

#include "regensim/diffusion.h" /* rs_source_step, the loop (public: the
                                   simulation applies it to the fields that
                                   skip the solver) */

/* One substrate's constants of the per-voxel step. */
typedef struct rs_source_coef {
    double m; /* multiplies the old value */
    double h; /* weighs S and U */
    double q; /* denominator without uptake: 1 + implicit decay */
} rs_source_coef;

/* The step for one voxel: (c + dt S) / (1 + dt U). */
static inline double rs_source_uptake(double c, double dt, double s, double u)
{
    return (c + dt * s) / (1.0 + dt * u);
}

/* Does the step change anything without S and U? (m != 1 or q != 1.) */
static inline int rs_source_coef_acts(const rs_source_coef *k)
{
    return k->m != 1.0 || k->q != 1.0;
}

/* The constants of backward-Euler decay: m = 1, h = dt, q = 1 + dt lambda. */
rs_source_coef rs_source_coef_implicit(double dt, double lambda);

/* The constants of exact (exponential) decay: h = phi = (1 - e^{-lambda
 * dt}) / lambda (dt when lambda = 0), q = 1, and m = e^{-lambda dt} when
 * the step applies the decay itself (`with_decay`), else 1. */
rs_source_coef rs_source_coef_exponential(double dt, double lambda, int with_decay);

/* dst[i] = (m src[i] + h S[i]) / (q + h U[i]) for i < n; s or u may be
 * NULL (that term dropped); dst may be src (in place) but must not
 * otherwise overlap it. */
void rs_source_coef_step(double *dst, const double *src, const double *restrict s,
                         const double *restrict u, size_t n, const rs_source_coef *k);

#endif

/* source_kernel.h: the implicit source/uptake step that all three solvers
 * apply per voxel (operator splitting, include/regensim/diffusion.h):
 *     c <- (c + dt S) / (1 + dt U)
 * The formula is written once, in rs_source_uptake below; rs_source_step
 * (source_kernel.c) is its plain loop over contiguous values, which the
 * explicit solver calls as it writes a finished row back, and the lod and
 * spectral solvers call in place on a plane or a block of rows. */
#ifndef RS_FIELD_SOURCE_KERNEL_H
#define RS_FIELD_SOURCE_KERNEL_H

#include <stddef.h>

/* The step for one voxel: (c + dt S) / (1 + dt U). */
static inline double rs_source_uptake(double c, double dt, double s, double u)
{
    return (c + dt * s) / (1.0 + dt * u);
}

/* dst[i] = the step applied to src[i], for i < n: with both S and U the
 * formula above; with S only c + dt S; with U only c / (1 + dt U); with
 * neither a copy (nothing when dst == src). s or u may be NULL. dst may be
 * src itself (in place) but must not otherwise overlap it. No allocation,
 * no threading: callers split whole rows or planes over threads, so every
 * voxel gets the same operations for any number of threads. */
void rs_source_step(double *dst, const double *src, const double *restrict s,
                    const double *restrict u, size_t n, double dt);

#endif

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

#include "regensim/diffusion.h" /* rs_source_step, the loop (public: the
                                   simulation applies it to the fields that
                                   skip the solver) */

/* The step for one voxel: (c + dt S) / (1 + dt U). */
static inline double rs_source_uptake(double c, double dt, double s, double u)
{
    return (c + dt * s) / (1.0 + dt * u);
}


#endif

/* spectral_kernel.h: the per-voxel loops of the spectral solver; plain loops
 * over contiguous rows, no allocation, no threading, no FFTW (the driver in
 * diffusion_spectral.c runs the transforms and schedules planes and slabs
 * over threads). */
#ifndef RS_FIELD_SPECTRAL_KERNEL_H
#define RS_FIELD_SPECTRAL_KERNEL_H

#include <stddef.h>

/* Multiplies nrows rows of nx coefficients, row r starting at c + r*stride,
 * by the separable factor: c[r*stride + i] *= fx[i] * (f * frow[r]). The
 * rows must not overlap. */
void rs_spectral_scale_rows(double *c, size_t stride, int nrows, int nx,
                            const double *restrict fx, const double *restrict frow,
                            double f);

#endif

/* explicit_kernel.h: the per-row kernel of the explicit solver; plain loops
 * over contiguous arrays, no allocation, no threading (the driver in
 * diffusion_explicit.c schedules rows over threads). */
#ifndef RS_FIELD_EXPLICIT_KERNEL_H
#define RS_FIELD_EXPLICIT_KERNEL_H

/* x-boundary data for one substrate: for each x face, whether it is
 * Dirichlet and its value. */
typedef struct rs_explicit_xbc {
    int dirichlet_lo, dirichlet_hi;
    double value_lo, value_hi;
} rs_explicit_xbc;

/* One row of the forward-Euler update
 *   out[i] = wc c[i] + r (c[i-1] + c[i+1] + ym[i] + yp[i] + zm[i] + zp[i]) + k
 * for i in [0, nx), with the x neighbours outside the row taken from xbc
 * (mirror for Neumann, 2g - c for Dirichlet). ym..zp are the neighbouring
 * rows (the row itself where the neighbour is a boundary: the caller folds
 * the boundary into wc and k). out must not alias any input. */
void rs_explicit_row(double *restrict out, const double *restrict c,
                     const double *restrict ym, const double *restrict yp,
                     const double *restrict zm, const double *restrict zp, int nx,
                     double r, double wc, double k, const rs_explicit_xbc *xbc);

#endif

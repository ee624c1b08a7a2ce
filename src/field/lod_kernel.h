/* lod_kernel.h: the sweep kernels of the lod solver; plain loops over the
 * field, no allocation, no threading (the driver in diffusion_lod.c
 * schedules planes, row blocks and slabs over threads).
 *
 * Every kernel solves, along one direction of n cells, the tridiagonal
 * system with off-diagonal -r and diagonal 2 - w[i],
 *     -r x[i-1] + (2 - w[i]) x[i] - r x[i+1] = e[i],
 * by the pre-factorised Thomas sweep (inv: inverse pivots, up = r inv:
 * minus the modified superdiagonal)
 *     y[0] = e[0] inv[0],   y[i] = e[i] inv[i] + up[i] y[i-1]   (forward)
 *     x[n-1] = y[n-1],      x[i] = y[i] + up[i] x[i+1]          (backward)
 * The right-hand side e is the old value plus the boundary constant k
 * (backward Euler), or the explicit half w[i] c[i] + r (c[i-1] + c[i+1])
 * plus k (Crank-Nicolson; the missing neighbour of a boundary cell is
 * folded into w and k). Each value is computed by the same operations in
 * the same order whichever kernel, line group or thread handles it, so
 * results do not depend on the thread count. */
#ifndef RS_FIELD_LOD_KERNEL_H
#define RS_FIELD_LOD_KERNEL_H

#include <stddef.h>

#include "field/source_kernel.h"

/* One direction of one substrate: its factorised system and boundary
 * terms. */
typedef struct rs_lod_dir {
    int n;            /* cells along the direction */
    double r;         /* theta dt D / dx^2 */
    double w_lo, w_mid, w_hi; /* explicit-half centre weight at the first, an
                               * interior and the last cell (for n == 1,
                               * w_lo = w_hi holds both ends); the diagonal
                               * is 2 - w */
    double k_lo, k_hi; /* right-hand-side constant (Dirichlet faces) at the
                        * first and the last cell */
    const double *inv; /* n inverse pivots */
    const double *up;  /* n multipliers r inv[i] */
} rs_lod_dir;

/* x sweeps of `nlines` lines of x->n contiguous values, line l at
 * c + l * stride: backward Euler (cn = 0) or Crank-Nicolson (cn = 1). */
void rs_lod_lines(double *c, size_t stride, int nlines, const rs_lod_dir *x, int cn);

/* A sweep along a direction whose d->n cells are rows of `len` contiguous
 * values, row m at c + m * stride, vectorised across the row: backward
 * Euler (prev unused, may be NULL) or Crank-Nicolson (prev: scratch for
 * `len` values). */
void rs_lod_rows(double *c, size_t stride, size_t len, const rs_lod_dir *d, int cn,
                 double *restrict prev);

/* The whole first pass over one xy-plane of x->n by y->n values: the
 * per-voxel source/uptake/decay step with constants k (s, u: that plane's
 * values or NULL; no step when k is NULL), the x sweep and the y
 * sweep, the y forward elimination following each group of x lines while
 * they are in cache. prev: scratch for x->n values (Crank-Nicolson only). */
void rs_lod_plane(double *c, const double *s, const double *u, const rs_source_coef *k,
                  const rs_lod_dir *x, const rs_lod_dir *y, int cn,
                  double *restrict prev);

#endif

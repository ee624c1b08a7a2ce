/* explicit_kernel.c: the hot loops of the explicit solver (see
 * explicit_kernel.h). Kept apart from the driver so they stay plain loops
 * the compiler vectorises. */
#include "field/explicit_kernel.h"

void rs_explicit_row(double *restrict out, const double *restrict c,
                     const double *restrict ym, const double *restrict yp,
                     const double *restrict zm, const double *restrict zp, int nx,
                     double r, double wc, double k, const rs_explicit_xbc *xbc)
{
    const double ghost_lo = xbc->dirichlet_lo ? 2.0 * xbc->value_lo - c[0] : c[0];
    const double ghost_hi =
        xbc->dirichlet_hi ? 2.0 * xbc->value_hi - c[nx - 1] : c[nx - 1];
    if (nx == 1) {
        out[0] = wc * c[0] + r * ((ghost_lo + ghost_hi) + (ym[0] + yp[0]) + (zm[0] + zp[0])) + k;
        return;
    }
    out[0] = wc * c[0] + r * ((ghost_lo + c[1]) + (ym[0] + yp[0]) + (zm[0] + zp[0])) + k;
#pragma omp simd
    for (int i = 1; i < nx - 1; i++)
        out[i] = wc * c[i] + r * ((c[i - 1] + c[i + 1]) + (ym[i] + yp[i]) + (zm[i] + zp[i])) + k;
    const int e = nx - 1;
    out[e] = wc * c[e] + r * ((c[e - 1] + ghost_hi) + (ym[e] + yp[e]) + (zm[e] + zp[e])) + k;
}

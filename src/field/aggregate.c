/* aggregate.c: the per-row reduction kernel behind aggregates over a field
 * (metrics such as mean(myelin, disk(...))): for each grid row (fixed j,
 * k) the sum, max, min and count of a field's values at the voxels whose
 * centres lie in a region (region.h). One partial per row, written by
 * whichever thread owns the row, so the caller can combine them in row
 * order and get the same bits for any number of threads. */
#include <math.h>

#include "regensim/region.h"

/* Per-row partials of f over region r (RS_REGION_ALL: every voxel). */
void rs_region_reduce_rows(const rs_grid *g, const double *f, const rs_region *r,
                           double *psum, double *pmax, double *pmin, double *pcount)
{
    long nrows = (long)g->ny * (long)g->nz;
    int nx = g->nx, ny = g->ny;
    int all = r->kind == RS_REGION_ALL;
#pragma omp parallel for schedule(static)
    for (long row = 0; row < nrows; row++) {
        int j = (int)(row % ny), k = (int)(row / ny);
        double y = rs_grid_centre(g, j), z = rs_grid_centre(g, k);
        const double *c = f + (size_t)row * (size_t)nx;
        double sum = 0, mx = -INFINITY, mn = INFINITY, cnt = 0;
        for (int i = 0; i < nx; i++) {
            if (!all && !rs_region_contains(r, rs_grid_centre(g, i), y, z)) continue;
            double v = c[i];
            sum += v;
            mx = fmax(mx, v);
            mn = fmin(mn, v);
            cnt += 1;
        }
        psum[row] = sum;
        pmax[row] = mx;
        pmin[row] = mn;
        pcount[row] = cnt;
    }
}

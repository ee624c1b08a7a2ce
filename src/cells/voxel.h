/* voxel.h: the voxel holding a position, inline for the loops over cells
 * (private to src/cells): sensing.c's rs_cell_voxel and the deposit of
 * coupling.c both use it, so sensing and deposition agree on the voxel. */
#ifndef RS_CELLS_VOXEL_H
#define RS_CELLS_VOXEL_H

#include <stddef.h>

#include "regensim/grid.h"

/* Voxel index along one axis of a position, clamped to [0, n). */
static inline int rs_cell_axis_voxel(double v, double dx, int n)
{
    if (!(v > 0)) return 0; /* (NaN too: never cast to int) */
    if (v / dx >= n) return n - 1;
    int k = (int)(v / dx);
    return k < 0 ? 0 : k >= n ? n - 1 : k;
}

/* What rs_cell_voxel returns. */
static inline size_t rs_cell_voxel_of(const rs_grid *g, double x, double y, double z)
{
    size_t i = (size_t)rs_cell_axis_voxel(x, g->dx, g->nx);
    size_t j = (size_t)rs_cell_axis_voxel(y, g->dx, g->ny);
    size_t k = g->nz > 1 ? (size_t)rs_cell_axis_voxel(z, g->dx, g->nz) : 0;
    return i + (size_t)g->nx * (j + (size_t)g->ny * k);
}

#endif

/* sensing.c: what a cell reads of the fields: the value of the voxel that
 * holds its centre, and the gradient there by central differences
 * (regensim/cells.h). The voxel's value, not an interpolation, is what a
 * cell senses: the same voxel receives what it secretes and loses what it
 * takes up, so sensing and deposition agree and mass balances exactly
 * (docs/cells.md, "Coupling to fields"). */
#include "regensim/cells.h"
#include "cells/voxel.h"

size_t rs_cell_voxel(const rs_grid *g, double x, double y, double z)
{
    return rs_cell_voxel_of(g, x, y, z);
}

/* (f[v + s] - f[v - s]) / (2 dx) along an axis of n voxels where the voxel
 * has index a; a missing neighbour at a face is the voxel itself (the
 * mirror image of a no-flux face). */
static inline double central(const double *f, size_t v, size_t s, int a, int n, double dx)
{
    if (n < 2) return 0;
    double hi = a + 1 < n ? f[v + s] : f[v];
    double lo = a > 0 ? f[v - s] : f[v];
    return (hi - lo) / (2 * dx);
}

void rs_cell_gradient(const rs_grid *g, const double *f, size_t v, double grad[3])
{
    const size_t sy = (size_t)g->nx, sz = (size_t)g->nx * (size_t)g->ny;
    const int i = (int)(v % sy), j = (int)(v / sy % (size_t)g->ny), k = (int)(v / sz);
    grad[0] = central(f, v, 1, i, g->nx, g->dx);
    grad[1] = central(f, v, sy, j, g->ny, g->dx);
    grad[2] = central(f, v, sz, k, g->nz, g->dx);
}

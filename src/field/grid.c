/* grid.c: validation of grid requests, so that absurd ones (non-positive
 * sizes, 1e12 voxels, more memory than the machine has) are refused before
 * anything is allocated. */
#include <math.h>

#include "regensim/alloc.h"
#include "regensim/grid.h"

rs_status rs_grid_check(const rs_grid *g, rs_error *err)
{
    if (!g) return rs_error_set(err, RS_EINVAL, "grid: no grid given");
    const int n[3] = {g->nx, g->ny, g->nz};
    const char *name[3] = {"nx", "ny", "nz"};
    for (int a = 0; a < 3; a++) {
        if (n[a] < 1)
            return rs_error_set(err, RS_EINVAL,
                                "grid: %s = %d; expected a voxel count >= 1", name[a], n[a]);
    }
    if (!isfinite(g->dx) || g->dx <= 0)
        return rs_error_set(err, RS_EINVAL,
                            "grid: dx = %g; expected a voxel size > 0 (um)", g->dx);
    double voxels = (double)g->nx * (double)g->ny * (double)g->nz;
    if (voxels > (double)RS_GRID_MAX_VOXELS)
        return rs_error_set(err, RS_ETOOBIG,
                            "grid: %d x %d x %d = %.3g voxels; expected at most %.3g",
                            g->nx, g->ny, g->nz, voxels, (double)RS_GRID_MAX_VOXELS);
    return RS_OK;
}

rs_status rs_grid_check_memory(const rs_grid *g, double bytes_per_voxel,
                               double extra_bytes, rs_error *err)
{
    rs_status s = rs_grid_check(g, err);
    if (s != RS_OK) return s;
    double voxels = (double)g->nx * (double)g->ny * (double)g->nz;
    double need = voxels * bytes_per_voxel + extra_bytes;
    double have = rs_memory_available();
    if (need > have)
        return rs_error_set(err, RS_ETOOBIG,
                            "grid: %d x %d x %d voxels need about %.3g GB; this machine "
                            "has %.3g GB",
                            g->nx, g->ny, g->nz, need / 1e9, have / 1e9);
    return RS_OK;
}

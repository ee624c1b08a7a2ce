/* grid.h: the cell-centred Cartesian grid every field lives on. 2D is nz = 1
 * through the same code; x varies fastest: voxel (i, j, k) is stored at
 * i + nx*(j + ny*k). Voxel centres are at ((i + 1/2) dx, (j + 1/2) dx, ...)
 * in micrometres, so the domain is [0, nx dx] x [0, ny dx] x [0, nz dx]. */
#ifndef REGENSIM_GRID_H
#define REGENSIM_GRID_H

#include <stddef.h>
#include "regensim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The largest voxel count any grid may have (2^34, about 1.7e10), whatever
 * the memory: beyond it index arithmetic and run times stop making sense. */
#define RS_GRID_MAX_VOXELS (1ull << 34)

typedef struct rs_grid {
    int nx, ny, nz; /* voxels per direction; nz = 1 for a 2D grid */
    double dx;      /* voxel edge, um */
} rs_grid;

/* Boundary conditions on the grid's six faces (what every field solver and
 * the model file speak of). */
typedef enum rs_bc_kind {
    RS_BC_NEUMANN = 0,  /* no flux through the face */
    RS_BC_DIRICHLET = 1 /* concentration fixed to `value` on the face */
} rs_bc_kind;

typedef enum rs_face {
    RS_FACE_XLO = 0, RS_FACE_XHI, RS_FACE_YLO, RS_FACE_YHI,
    RS_FACE_ZLO, RS_FACE_ZHI, RS_NFACES
} rs_face;

typedef struct rs_bc {
    rs_bc_kind kind;
    double value; /* Dirichlet value (concentration); unused for Neumann */
} rs_bc;

/* Checks sizes (>= 1), dx (finite, > 0) and the voxel count. RS_OK, or
 * RS_EINVAL / RS_ETOOBIG with the offending value named in err. */
RS_API rs_status rs_grid_check(const rs_grid *g, rs_error *err);

/* Checks that bytes_per_voxel bytes for every voxel plus extra_bytes fit in
 * available memory; RS_ETOOBIG with both figures otherwise. Call it before
 * allocating. */
RS_API rs_status rs_grid_check_memory(const rs_grid *g, double bytes_per_voxel,
                                      double extra_bytes, rs_error *err);

/* Number of voxels nx*ny*nz (the grid must have passed rs_grid_check). */
static inline size_t rs_grid_voxels(const rs_grid *g)
{
    return (size_t)g->nx * (size_t)g->ny * (size_t)g->nz;
}

/* 2 for a 2D grid (nz == 1), else 3. */
static inline int rs_grid_dims(const rs_grid *g) { return g->nz > 1 ? 3 : 2; }

/* Centre of voxel index i along an axis, in um. */
static inline double rs_grid_centre(const rs_grid *g, int i)
{
    return ((double)i + 0.5) * g->dx;
}

#ifdef __cplusplus
}
#endif
#endif

/* region.h: regions of the domain, the one description shared by initial
 * conditions and interventions (model files: `region: {disk: ...}`) and by
 * expression aggregates (`mean(myelin, disk(500, 500, 100))`), with the one
 * point-in-region test, the voxels of a region and the per-row reduction
 * behind aggregates over a field.
 *
 * A region is closed: a point exactly on its boundary is inside. 2D shapes
 * (disk, annulus, a box given with 2 coordinates) ignore z, so in a 3D
 * domain they are infinite cylinders and slabs. Units are micrometres. */
#ifndef REGENSIM_REGION_H
#define REGENSIM_REGION_H

#include <stddef.h>

#include "regensim/error.h"
#include "regensim/grid.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum rs_region_kind {
    RS_REGION_ALL = 0,    /* the whole domain */
    RS_REGION_DISK,       /* center [x, y], radius (2D: z ignored) */
    RS_REGION_SPHERE,     /* center [x, y, z], radius */
    RS_REGION_BOX,        /* lo, hi: 2 (z ignored) or 3 coordinates */
    RS_REGION_ANNULUS,    /* center [x, y], inner <= d <= outer (2D: z ignored) */
    RS_REGION_SHELL,      /* center [x, y, z], inner <= d <= outer */
    RS_REGION_UNION,      /* in any of the children */
    RS_REGION_DIFFERENCE  /* in children[0] and not in children[1] */
} rs_region_kind;

/* Number of kinds (names: rs_region_kind_name). */
#define RS_REGION_NKINDS 8

/* Most numbers a region kind is given (a 3D box: lo[3], hi[3]). */
#define RS_REGION_MAX_NUMBERS 6

/* A region. Only the members of its kind are used; a zeroed region is
 * `all`. Whoever builds a tree of children owns it (rs_region_free frees
 * the children of a malloc'd tree). */
typedef struct rs_region {
    rs_region_kind kind;
    int ncoords;               /* coordinates in center or lo/hi: 2 for disk and
                                * annulus, 3 for sphere and shell, 2 or 3 for a
                                * box (2: z ignored) */
    double center[3];          /* disk, sphere, annulus, shell */
    double lo[3], hi[3];       /* box */
    double radius;             /* disk, sphere */
    double inner, outer;       /* annulus, shell */
    int nchildren;             /* union: 1 or more; difference: 2 */
    struct rs_region *children;
} rs_region;

/* Whether the point (x, y, z) lies in r: boundaries are inside, 2D shapes
 * ignore z, and a comparison with NaN (in the point or the region) is
 * false, so NaN is outside every shape (but inside `all`). */
RS_API int rs_region_contains(const rs_region *r, double x, double y, double z);

/* The kind's name as written in model files and expressions ("disk"), or
 * "?" for a value that is not a kind. */
RS_API const char *rs_region_kind_name(rs_region_kind k);

/* The kind named name[0..len) (need not be NUL-terminated), or -1. */
RS_API int rs_region_kind_from_name(const char *name, size_t len);

/* The numbers that define r's own shape, in the order they are written
 * (in model files and as arguments in expressions): the centre's
 * coordinates then radius (disk, sphere) or inner, outer (annulus,
 * shell); a box's lo then hi coordinates; none for all, union and
 * difference. rs_region_nnumbers is how many (by kind and ncoords, at most
 * RS_REGION_MAX_NUMBERS), rs_region_number the address of the i-th (NULL
 * when i is out of range), rs_region_value its value (NaN out of range). */
RS_API int rs_region_nnumbers(const rs_region *r);
RS_API double *rs_region_number(rs_region *r, int i);
RS_API double rs_region_value(const rs_region *r, int i);

/* The area (dims 2, um^2) or volume (dims 3, um^3) of r in grid g, from
 * its formula, not from voxels: `all` is the domain, a 2D shape in 3D is
 * extruded through the domain's depth, a union adds its children (an upper
 * bound when they overlap), a difference subtracts the second child from
 * the first (at least 0). For estimates (regensim info). */
RS_API double rs_region_volume(const rs_region *r, const rs_grid *g, int dims);

/* The indices of the voxels of g whose centres lie in r, in increasing
 * order, in a malloc'd array the caller frees (*idx NULL when *n is 0).
 * RS_OK, or RS_ENOMEM with *idx NULL and *n 0. */
RS_API rs_status rs_region_voxels(const rs_grid *g, const rs_region *r, size_t **idx,
                                  size_t *n, rs_error *err);

/* Frees the children of r, recursively (not r itself), and makes r `all`'s
 * empty tree: for trees whose children arrays were malloc'd. NULL is
 * allowed. */
RS_API void rs_region_free(rs_region *r);

/* The reduction kernel behind aggregates over a field (src/field/
 * aggregate.c): per grid row (row = j + ny k; ny nz of them) the sum, max,
 * min and count of f's values at the voxels of the row whose centres lie
 * in r (-inf, +inf and 0 for a row with none). Rows are shared over
 * OpenMP threads, each partial written by the thread that owns its row:
 * combining them in row order gives the same bits for any thread count. */
RS_API void rs_region_reduce_rows(const rs_grid *g, const double *f, const rs_region *r,
                                  double *psum, double *pmax, double *pmin, double *pcount);

#ifdef __cplusplus
}
#endif
#endif

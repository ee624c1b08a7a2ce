/* sweep.h: parameter sweeps (the sweep layer, on top of run): the designs
 * that choose a sweep's parameter points, and the seeds of its replicates
 * (docs/sweeps.md; the sweep file is ../shared/design.md, "Sweep file").
 *
 * A design is a deterministic function of its axes, its size and the
 * sweep's seed: the same sweep file always names the same runs, on any
 * machine, so a sweep can be resumed, split over MPI ranks or re-run. */
#ifndef REGENSIM_SWEEP_H
#define REGENSIM_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "regensim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Most points a design may have (a sweep of more runs is refused before
 * anything is allocated). */
#define RS_SWEEP_MAX_POINTS 10000000u
/* Most parameters a sweep may vary. */
#define RS_SWEEP_MAX_AXES 64

typedef enum rs_sweep_scale {
    RS_SWEEP_LINEAR = 0, /* evenly in the value */
    RS_SWEEP_LOG = 1     /* evenly in the logarithm (range > 0) */
} rs_sweep_scale;

typedef enum rs_sweep_design_kind {
    RS_SWEEP_GRID = 0,   /* every combination; a range axis takes `samples` levels */
    RS_SWEEP_RANDOM = 1, /* `samples` independent uniform points */
    RS_SWEEP_LHS = 2     /* Latin hypercube: `samples` points, each axis's
                          * `samples` equal strata each hit exactly once */
} rs_sweep_design_kind;

/* One varied parameter: a range [lo, hi] with a scale, or a list of values
 * (values != NULL: lo, hi and scale are ignored). */
typedef struct rs_sweep_axis {
    double lo, hi;
    rs_sweep_scale scale;
    const double *values;
    size_t nvalues;
} rs_sweep_axis;

/* The points of a design: *points (allocated here, free() it) holds
 * *npoints rows of naxes values, row-major, in run-index order. A grid
 * varies the last axis fastest, its range axes at `samples` levels from lo
 * to hi inclusive (1 level: the centre, in the axis's scale). Random and
 * LHS designs have `samples` points drawn from `seed` (a value-list axis
 * picks among its values: uniformly, or by stratum of its index). Refused
 * with RS_EINVAL and a message naming the axis: lo > hi, a non-finite
 * bound or value, a log range not above 0, samples of 0, no axes; with
 * RS_ETOOBIG: more than RS_SWEEP_MAX_POINTS points. */
RS_API rs_status rs_sweep_design(rs_sweep_design_kind kind, const rs_sweep_axis *axes,
                                 size_t naxes, size_t samples, uint64_t seed,
                                 double **points, size_t *npoints, rs_error *err);

/* The model seed of replicate `replicate` of run `index` of a sweep with
 * seed `sweep_seed`: a hash of the three (Philox), in [1, 1e15] (a model's
 * seed range), so replicates differ and a run's seed does not depend on
 * how many runs the sweep has. */
RS_API uint64_t rs_sweep_replicate_seed(uint64_t sweep_seed, uint64_t index,
                                        uint32_t replicate);

#ifdef __cplusplus
}
#endif
#endif

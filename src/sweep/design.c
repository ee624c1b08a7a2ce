/* design.c: the designs of a parameter sweep (regensim/sweep.h): which
 * parameter points a sweep runs, as a pure function of its axes, its size
 * and its seed, and the seeds of the replicates of each point.
 *
 * Every design first chooses, per axis, a position q in [0, 1] (a grid
 * level, a uniform draw, or a draw inside a Latin-hypercube stratum), then
 * maps it to a value: lo + q (hi - lo), geometrically for a log axis, or
 * the value of index floor(q n) of a value list. Random draws come from
 * Philox streams keyed by the sweep seed and the axis (regensim/rng.h), so
 * a design never depends on the order it is computed in. */
#include <math.h>
#include <stdlib.h>

#include "regensim/rng.h"
#include "regensim/sweep.h"

/* Purposes of the design's random streams (stream = axis << 8 | purpose). */
enum { DRAW_UNIFORM = 1, DRAW_PERMUTE = 2 };

/* Checks one axis; a message names it by its number (from 1). */
static rs_status check_axis(const rs_sweep_axis *a, size_t i, rs_error *err)
{
    if (a->values) {
        if (a->nvalues == 0)
            return rs_error_set(err, RS_EINVAL, "sweep axis %zu: an empty list of values", i + 1);
        for (size_t k = 0; k < a->nvalues; k++)
            if (!isfinite(a->values[k]))
                return rs_error_set(err, RS_EINVAL, "sweep axis %zu: value %zu is %g; expected "
                                    "a finite number", i + 1, k + 1, a->values[k]);
        return RS_OK;
    }
    if (!isfinite(a->lo) || !isfinite(a->hi))
        return rs_error_set(err, RS_EINVAL, "sweep axis %zu: range [%g, %g]; expected finite "
                            "bounds", i + 1, a->lo, a->hi);
    if (!(a->lo <= a->hi))
        return rs_error_set(err, RS_EINVAL, "sweep axis %zu: range [%g, %g] has lo > hi",
                            i + 1, a->lo, a->hi);
    if (a->scale == RS_SWEEP_LOG && !(a->lo > 0))
        return rs_error_set(err, RS_EINVAL, "sweep axis %zu: a log scale needs a range above 0, "
                            "got [%g, %g]", i + 1, a->lo, a->hi);
    return RS_OK;
}

/* The value at position q in [0, 1] of an axis. */
static double axis_value(const rs_sweep_axis *a, double q)
{
    if (a->values) {
        size_t k = (size_t)(q * (double)a->nvalues);
        return a->values[k < a->nvalues ? k : a->nvalues - 1];
    }
    if (a->lo == a->hi) return a->lo;
    if (a->scale == RS_SWEEP_LOG) {
        if (q <= 0) return a->lo; /* exact at the ends */
        if (q >= 1) return a->hi;
        double v = exp(log(a->lo) + q * (log(a->hi) - log(a->lo)));
        return v < a->lo ? a->lo : v > a->hi ? a->hi : v;
    }
    return q >= 1 ? a->hi : a->lo + q * (a->hi - a->lo);
}

/* Levels of an axis in a grid: its values, or `samples` levels. */
static size_t grid_levels(const rs_sweep_axis *a, size_t samples)
{
    return a->values ? a->nvalues : samples;
}

/* The grid's value of level j of an axis with n levels. */
static double grid_value(const rs_sweep_axis *a, size_t j, size_t n)
{
    if (a->values) return a->values[j];
    return axis_value(a, n == 1 ? 0.5 : (double)j / (double)(n - 1));
}

/* Fills a grid, the last axis varying fastest. */
static void fill_grid(const rs_sweep_axis *axes, size_t naxes, size_t samples, double *p,
                      size_t n)
{
    for (size_t r = 0; r < n; r++) {
        size_t rest = r;
        for (size_t a = naxes; a-- > 0;) {
            size_t levels = grid_levels(&axes[a], samples);
            p[r * naxes + a] = grid_value(&axes[a], rest % levels, levels);
            rest /= levels;
        }
    }
}

/* Fills a Latin hypercube (lhs != 0) or independent uniform points: axis a
 * of point k is in stratum perm_a[k] of n (LHS) or anywhere (random). */
static void fill_sampled(const rs_sweep_axis *axes, size_t naxes, size_t n, uint64_t seed,
                         int lhs, double *p, size_t *perm)
{
    for (size_t a = 0; a < naxes; a++) {
        rs_rng u, s;
        rs_rng_init(&u, seed, ((uint64_t)(a + 1) << 8) | DRAW_UNIFORM);
        if (lhs) {
            /* Fisher-Yates over the strata */
            rs_rng_init(&s, seed, ((uint64_t)(a + 1) << 8) | DRAW_PERMUTE);
            for (size_t k = 0; k < n; k++) perm[k] = k;
            for (size_t k = n; k-- > 1;) {
                size_t j = (size_t)(rs_rng_uniform(&s) * (double)(k + 1));
                if (j > k) j = k;
                size_t t = perm[k];
                perm[k] = perm[j];
                perm[j] = t;
            }
        }
        for (size_t k = 0; k < n; k++) {
            double q = rs_rng_uniform(&u);
            if (lhs) q = ((double)perm[k] + q) / (double)n;
            p[k * naxes + a] = axis_value(&axes[a], q);
        }
    }
}

rs_status rs_sweep_design(rs_sweep_design_kind kind, const rs_sweep_axis *axes, size_t naxes,
                          size_t samples, uint64_t seed, double **points, size_t *npoints,
                          rs_error *err)
{
    *points = NULL;
    *npoints = 0;
    if (naxes == 0 || !axes)
        return rs_error_set(err, RS_EINVAL, "a sweep needs at least one parameter");
    if (naxes > RS_SWEEP_MAX_AXES)
        return rs_error_set(err, RS_EINVAL, "%zu sweep parameters; at most %d", naxes,
                            RS_SWEEP_MAX_AXES);
    if (kind != RS_SWEEP_GRID && kind != RS_SWEEP_RANDOM && kind != RS_SWEEP_LHS)
        return rs_error_set(err, RS_EINVAL, "unknown sweep design %d", (int)kind);
    for (size_t i = 0; i < naxes; i++) {
        rs_status s = check_axis(&axes[i], i, err);
        if (s != RS_OK) return s;
    }
    int need_samples = kind != RS_SWEEP_GRID;
    for (size_t i = 0; i < naxes && !need_samples; i++) need_samples = axes[i].values == NULL;
    if (need_samples && samples == 0)
        return rs_error_set(err, RS_EINVAL, "sweep samples: 0; expected at least 1");
    size_t n = 1;
    if (kind == RS_SWEEP_GRID) {
        for (size_t i = 0; i < naxes; i++) {
            size_t levels = grid_levels(&axes[i], samples);
            if (levels > RS_SWEEP_MAX_POINTS / n)
                return rs_error_set(err, RS_ETOOBIG, "a grid of more than %u points; at most %u",
                                    RS_SWEEP_MAX_POINTS, RS_SWEEP_MAX_POINTS);
            n *= levels;
        }
    } else {
        if (samples > RS_SWEEP_MAX_POINTS)
            return rs_error_set(err, RS_ETOOBIG, "sweep samples: %zu; at most %u", samples,
                                RS_SWEEP_MAX_POINTS);
        n = samples;
    }
    if (n > RS_SWEEP_MAX_VALUES / naxes)
        return rs_error_set(err, RS_ETOOBIG, "a design of %zu points x %zu parameters: more "
                            "than %u values; expected fewer points or parameters", n, naxes,
                            RS_SWEEP_MAX_VALUES);
    double *p = malloc(n * naxes * sizeof *p);
    size_t *perm = kind == RS_SWEEP_LHS ? malloc(n * sizeof *perm) : NULL;
    if (!p || (kind == RS_SWEEP_LHS && !perm)) {
        free(p);
        free(perm);
        return rs_error_set(err, RS_ENOMEM, "no memory for a design of %zu points", n);
    }
    if (kind == RS_SWEEP_GRID)
        fill_grid(axes, naxes, samples, p, n);
    else
        fill_sampled(axes, naxes, n, seed, kind == RS_SWEEP_LHS, p, perm);
    free(perm);
    *points = p;
    *npoints = n;
    return RS_OK;
}

uint64_t rs_sweep_replicate_seed(uint64_t sweep_seed, uint64_t index, uint32_t replicate)
{
    uint32_t w[4];
    rs_rng_block(sweep_seed, index, replicate, w);
    uint64_t bits = ((uint64_t)w[0] << 32) | w[1];
    return bits % 1000000000000000ull + 1; /* a model seed is 0 to 1e15 */
}

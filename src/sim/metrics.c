/* metrics.c: the model's `metrics:` expressions, compiled once and evaluated
 * over the simulation state. Each aggregate the compiler lists is computed
 * here: mean, integral (sum times the voxel volume, dx^2 in 2D and dx^3 in
 * 3D), max and min of a substrate over all voxels or over the voxels whose
 * centres lie in a region (closed). Sums are reduced in a fixed order (one
 * partial per grid row from the kernel in aggregate.c, then rows in
 * order), so the values are bitwise the
 * same for any number of threads. Cell aggregates count the live cells of
 * a type (in a region) or average one of their states, in storage order;
 * over no cells a mean is NaN. Over an empty region mean, max and min are
 * NaN and the integral 0. Region arguments are read from the
 * compiled expression at every evaluation, so a `set` intervention that
 * changes a parameter used in a region moves the region. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "regensim/region.h"
#include "sim/sim_impl.h"

struct rs_metrics {
    int n;
    rs_expr **e;
    int maxagg;      /* largest aggregate count of one metric */
    double *aggs;    /* maxagg values */
    size_t nrows;
    double *psum, *pmax, *pmin, *pcount; /* per row partials */
};

/* Frees mt. NULL is allowed. */
void rs_metrics_destroy(rs_metrics *mt)
{
    if (!mt) return;
    for (int i = 0; i < mt->n; i++) rs_expr_destroy(mt->e[i]);
    free(mt->e);
    free(mt->aggs);
    free(mt->psum);
    free(mt->pmax);
    free(mt->pmin);
    free(mt->pcount);
    free(mt);
}

/* Compiles the model's metrics. */
rs_status rs_metrics_create(rs_metrics **out, const rs_model *m, const rs_sim_symbols *sy,
                            const double *params, rs_error *err)
{
    *out = NULL;
    rs_metrics *mt = calloc(1, sizeof *mt);
    if (!mt) return rs_error_set(err, RS_ENOMEM, "out of memory for metrics");
    rs_grid g = rs_model_grid(m);
    mt->n = m->nmetrics;
    mt->nrows = (size_t)g.ny * (size_t)g.nz;
    mt->e = calloc((size_t)mt->n + 1, sizeof *mt->e);
    mt->psum = malloc(mt->nrows * sizeof(double));
    mt->pmax = malloc(mt->nrows * sizeof(double));
    mt->pmin = malloc(mt->nrows * sizeof(double));
    mt->pcount = malloc(mt->nrows * sizeof(double));
    if (!mt->e || !mt->psum || !mt->pmax || !mt->pmin || !mt->pcount) {
        rs_metrics_destroy(mt);
        return rs_error_set(err, RS_ENOMEM, "out of memory for metrics");
    }
    rs_expr_symbols sym = rs_sim_symbols_table(
        sy, m, params, RS_EXPR_ALLOW_TIME | RS_EXPR_ALLOW_AGGREGATES);
    for (int i = 0; i < mt->n; i++) {
        const rs_model_named_expr *me = &m->metrics[i];
        rs_status st = rs_expr_compile(&mt->e[i], me->expr.text ? me->expr.text : "0", &sym,
                                       err);
        if (st != RS_OK) {
            char msg[sizeof err->msg];
            memcpy(msg, err->msg, sizeof msg);
            rs_error_set(err, st, "metrics.%.100s: %.380s", me->name, msg);
            rs_metrics_destroy(mt);
            return st;
        }
        int na = rs_expr_naggregates(mt->e[i]);
        if (na > mt->maxagg) mt->maxagg = na;
    }
    mt->aggs = calloc((size_t)mt->maxagg + 1, sizeof(double));
    if (!mt->aggs) {
        rs_metrics_destroy(mt);
        return rs_error_set(err, RS_ENOMEM, "out of memory for metrics");
    }
    *out = mt;
    return RS_OK;
}

/* Re-binds every metric's parameters. */
void rs_metrics_rebind(rs_metrics *mt, const double *params)
{
    for (int i = 0; i < mt->n; i++) rs_expr_rebind(mt->e[i], params);
}

/* One substrate aggregate, reduced row by row then over rows in order. */
static double field_aggregate(rs_metrics *mt, const rs_expr_aggregate *a, const rs_grid *g,
                              const double *f)
{
    rs_region_reduce_rows(g, f, &a->region, mt->psum, mt->pmax, mt->pmin, mt->pcount);
    long nrows = (long)mt->nrows;
    double sum = 0, mx = -INFINITY, mn = INFINITY, cnt = 0;
    for (long r = 0; r < nrows; r++) {
        sum += mt->psum[r];
        mx = fmax(mx, mt->pmax[r]);
        mn = fmin(mn, mt->pmin[r]);
        cnt += mt->pcount[r];
    }
    double vol = g->dx * g->dx * (g->nz > 1 ? g->dx : 1.0);
    switch (a->kind) {
    case RS_AGG_MEAN: return cnt > 0 ? sum / cnt : NAN;
    case RS_AGG_INTEGRAL: return sum * vol;
    case RS_AGG_MAX: return cnt > 0 ? mx : NAN;
    case RS_AGG_MIN: return cnt > 0 ? mn : NAN;
    case RS_AGG_COUNT:
    case RS_AGG_SUM: return NAN;
    }
    return NAN;
}

/* One cell aggregate: the number of live cells of a type in the region,
 * or the sum or mean of one of their states, summed in storage order (the
 * same for any thread count). No cells: count and sum 0, mean NaN. */
static double cell_aggregate(const rs_expr_aggregate *a, const rs_cells *c)
{
    double count = 0, sum = 0;
    const int all = a->region.kind == RS_REGION_ALL;
    for (size_t i = 0; c && i < c->n; i++) {
        if (c->type[i] != a->cell_type || c->phase[i] != RS_CELL_ALIVE) continue;
        if (!all && !rs_region_contains(&a->region, c->x[i], c->y[i], c->z[i])) continue;
        count += 1;
        if (a->state >= 0) sum += c->state[a->state][i];
    }
    if (a->kind == RS_AGG_COUNT) return count;
    if (a->kind == RS_AGG_SUM) return sum;
    return count > 0 ? sum / count : NAN;
}

/* Evaluates every metric. */
void rs_metrics_eval(rs_metrics *mt, const rs_grid *g, const double *const *fields,
                     const rs_cells *cells, double t, double *values)
{
    for (int i = 0; i < mt->n; i++) {
        const rs_expr *e = mt->e[i];
        int na = rs_expr_naggregates(e);
        for (int k = 0; k < na; k++) {
            const rs_expr_aggregate *a = rs_expr_aggregate_at(e, k);
            if (a->substrate >= 0)
                mt->aggs[k] = field_aggregate(mt, a, g, fields[a->substrate]);
            else
                mt->aggs[k] = cell_aggregate(a, cells);
        }
        rs_expr_inputs in;
        memset(&in, 0, sizeof in);
        in.t = t;
        in.aggregates = mt->aggs;
        values[i] = rs_expr_eval1(e, &in);
    }
}

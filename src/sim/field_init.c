/* field_init.c: initial fields for the simulation driver: voxel centre
 * coordinates, and the initial state of the fields (the substrates'
 * `initial` values or expressions of x, y, z, then the `initial:` field
 * entries in their regions, in file order). Which voxels a region holds is
 * decided by the one point-in-region test, rs_region_contains (region.h:
 * closed, 2D shapes ignore z). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "regensim/alloc.h"
#include "regensim/region.h"
#include "sim/sim_impl.h"

/* Voxel centre coordinates, x fastest. */
void rs_field_coordinates(const rs_grid *g, double *x, double *y, double *z)
{
    size_t v = 0;
    for (int k = 0; k < g->nz; k++)
        for (int j = 0; j < g->ny; j++)
            for (int i = 0; i < g->nx; i++, v++) {
                x[v] = rs_grid_centre(g, i);
                y[v] = rs_grid_centre(g, j);
                z[v] = rs_grid_centre(g, k);
            }
}

/* Evaluates a number that may vary with x, y, z into out (nvoxels). */
static rs_status eval_number(const rs_model_number *num, const rs_model *m,
                             const rs_sim_symbols *sy, const double *params, const double *x,
                             const double *y, const double *z, size_t nvox, double *out,
                             rs_error *err)
{
    if (!num->varies || !num->expr) {
        for (size_t v = 0; v < nvox; v++) out[v] = num->value;
        return RS_OK;
    }
    rs_expr_symbols sym = rs_sim_symbols_table(sy, m, params, RS_EXPR_ALLOW_POSITION);
    sym.nsubstrates = 0;
    rs_expr *e = NULL;
    rs_status st = rs_expr_compile(&e, num->expr, &sym, err);
    if (st != RS_OK) return st;
    rs_expr_inputs in;
    memset(&in, 0, sizeof in);
    in.x = x;
    in.y = y;
    in.z = z;
    rs_expr_eval(e, &in, nvox, out);
    rs_expr_destroy(e);
    return RS_OK;
}

/* Sets every field to its initial state. */
rs_status rs_field_init(const rs_model *m, const rs_sim_symbols *sy, const double *params,
                        const rs_grid *g, const double *x, const double *y,
                        const double *z, double *const *fields, double *scratch,
                        rs_error *err)
{
    size_t nvox = rs_grid_voxels(g);
    for (int s = 0; s < m->nsubstrates; s++) {
        rs_status st = eval_number(&m->substrates[s].initial, m, sy, params, x, y, z, nvox,
                                   fields[s], err);
        if (st != RS_OK) return st;
    }
    for (int i = 0; i < m->ninitial; i++) {
        const rs_model_initial *in = &m->initial[i];
        if (!in->field) continue;
        int s = rs_model_find_substrate(m, in->field);
        if (s < 0)
            return rs_error_set(err, RS_EINVAL, "initial[%d]: unknown substrate '%s'", i,
                                in->field);
        rs_status st = eval_number(&in->value, m, sy, params, x, y, z, nvox, scratch, err);
        if (st != RS_OK) return st;
        for (size_t v = 0; v < nvox; v++)
            if (rs_region_contains(&in->region.shape, x[v], y[v], z[v]))
                fields[s][v] = scratch[v];
    }
    return RS_OK;
}

/* field_init.c: regions and initial fields for the simulation driver.
 * A point-in-region test for every model region kind (all, disk, sphere,
 * box, annulus, shell, union, difference) and for expression aggregate
 * regions, voxel lists of a region, and the initial state of the fields
 * (the substrates' `initial` values or expressions of x, y, z, then the
 * `initial:` field entries in their regions, in file order). Regions are
 * closed (a centre exactly on the boundary is inside); 2D shapes (disk,
 * annulus, a box with 2 coordinates) ignore z. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "regensim/alloc.h"
#include "sim/sim_impl.h"

/* Squared distance from (x, y[, z]) to a centre. */
static double dist2(const rs_model_number *c, int use_z, double x, double y, double z)
{
    double dx = x - c[0].value, dy = y - c[1].value;
    double d = dx * dx + dy * dy;
    if (use_z) {
        double dz = z - c[2].value;
        d += dz * dz;
    }
    return d;
}

/* Whether (x, y, z) lies in the model region r. */
int rs_field_region_contains(const rs_model_region *r, double x, double y, double z)
{
    switch (r->kind) {
    case RS_REGION_ALL: return 1;
    case RS_REGION_DISK:
    case RS_REGION_SPHERE: {
        double rad = r->radius.value;
        return dist2(r->center, r->kind == RS_REGION_SPHERE, x, y, z) <= rad * rad;
    }
    case RS_REGION_ANNULUS:
    case RS_REGION_SHELL: {
        double d = dist2(r->center, r->kind == RS_REGION_SHELL, x, y, z);
        return d >= r->inner.value * r->inner.value && d <= r->outer.value * r->outer.value;
    }
    case RS_REGION_BOX: {
        double p[3] = {x, y, z};
        int n = r->ncoords < 3 ? 2 : 3;
        for (int a = 0; a < n; a++)
            if (p[a] < r->lo[a].value || p[a] > r->hi[a].value) return 0;
        return 1;
    }
    case RS_REGION_UNION:
        for (int i = 0; i < r->nchildren; i++)
            if (rs_field_region_contains(&r->children[i], x, y, z)) return 1;
        return 0;
    case RS_REGION_DIFFERENCE:
        return r->nchildren >= 1 && rs_field_region_contains(&r->children[0], x, y, z) &&
               !(r->nchildren >= 2 && rs_field_region_contains(&r->children[1], x, y, z));
    }
    return 0;
}

/* Whether (x, y, z) lies in an expression aggregate's region. */
int rs_field_expr_region_contains(const rs_expr_region *r, double x, double y, double z)
{
    const double *p = r->p;
    switch (r->kind) {
    case RS_EXPR_REGION_ALL: return 1;
    case RS_EXPR_REGION_DISK: {
        double dx = x - p[0], dy = y - p[1];
        return dx * dx + dy * dy <= p[2] * p[2];
    }
    case RS_EXPR_REGION_SPHERE: {
        double dx = x - p[0], dy = y - p[1], dz = z - p[2];
        return dx * dx + dy * dy + dz * dz <= p[3] * p[3];
    }
    case RS_EXPR_REGION_BOX:
        return x >= p[0] && y >= p[1] && z >= p[2] && x <= p[3] && y <= p[4] && z <= p[5];
    case RS_EXPR_REGION_ANNULUS: {
        double dx = x - p[0], dy = y - p[1], d = dx * dx + dy * dy;
        return d >= p[2] * p[2] && d <= p[3] * p[3];
    }
    case RS_EXPR_REGION_SHELL: {
        double dx = x - p[0], dy = y - p[1], dz = z - p[2], d = dx * dx + dy * dy + dz * dz;
        return d >= p[3] * p[3] && d <= p[4] * p[4];
    }
    }
    return 0;
}

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

/* The voxels of g in r, in increasing order. */
rs_status rs_field_region_voxels(const rs_grid *g, const rs_model_region *r, size_t **idx,
                                 size_t *n, rs_error *err)
{
    *idx = NULL;
    *n = 0;
    size_t count = 0, v = 0;
    for (int pass = 0; pass < 2; pass++) {
        v = 0;
        count = 0;
        for (int k = 0; k < g->nz; k++)
            for (int j = 0; j < g->ny; j++)
                for (int i = 0; i < g->nx; i++, v++)
                    if (rs_field_region_contains(r, rs_grid_centre(g, i), rs_grid_centre(g, j),
                                                 rs_grid_centre(g, k))) {
                        if (pass == 1) (*idx)[count] = v;
                        count++;
                    }
        if (pass == 0) {
            if (count == 0) return RS_OK;
            *idx = malloc(count * sizeof **idx);
            if (!*idx) return rs_error_set(err, RS_ENOMEM, "out of memory for a region");
        }
    }
    *n = count;
    return RS_OK;
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
            if (rs_field_region_contains(&in->region, x[v], y[v], z[v]))
                fields[s][v] = scratch[v];
    }
    return RS_OK;
}

/* region.c: regions of the domain (include/regensim/region.h): the kind
 * names, the point-in-region test, the numbers of a shape in written
 * order, the area or volume estimate and the voxel list. The model
 * (initial conditions, interventions), expression aggregates and the
 * simulation's initial fields all use these, so a region means the same
 * wherever it is written. The row reduction over a region is in
 * aggregate.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "regensim/region.h"

static const char *const kind_names[RS_REGION_NKINDS] = {
    "all", "disk", "sphere", "box", "annulus", "shell", "union", "difference"};

const char *rs_region_kind_name(rs_region_kind k)
{
    return (int)k >= 0 && (int)k < RS_REGION_NKINDS ? kind_names[k] : "?";
}

int rs_region_kind_from_name(const char *name, size_t len)
{
    if (!name) return -1;
    for (int k = 0; k < RS_REGION_NKINDS; k++)
        if (strlen(kind_names[k]) == len && memcmp(kind_names[k], name, len) == 0) return k;
    return -1;
}

/* Squared distance from (x, y[, z]) to the centre c: the terms added in the
 * order x, y, z (the same bits as before regions were shared). */
static double dist2(const double *c, int use_z, double x, double y, double z)
{
    double dx = x - c[0], dy = y - c[1];
    double d = dx * dx + dy * dy;
    if (use_z) {
        double dz = z - c[2];
        d += dz * dz;
    }
    return d;
}

/* Every comparison below is written so that NaN makes it false: a NaN
 * point or a NaN number of the region is outside the shape. (The model's
 * box test used to be written the other way round, p < lo || p > hi ->
 * outside, which put NaN inside; the expression aggregates' was NaN-safe.
 * The two agree for every finite point.) */
int rs_region_contains(const rs_region *r, double x, double y, double z)
{
    switch (r->kind) {
    case RS_REGION_ALL: return 1;
    case RS_REGION_DISK:
    case RS_REGION_SPHERE:
        return dist2(r->center, r->kind == RS_REGION_SPHERE, x, y, z) <= r->radius * r->radius;
    case RS_REGION_ANNULUS:
    case RS_REGION_SHELL: {
        double d = dist2(r->center, r->kind == RS_REGION_SHELL, x, y, z);
        return d >= r->inner * r->inner && d <= r->outer * r->outer;
    }
    case RS_REGION_BOX: {
        const double p[3] = {x, y, z};
        const int n = r->ncoords < 3 ? 2 : 3;
        for (int a = 0; a < n; a++)
            if (!(p[a] >= r->lo[a] && p[a] <= r->hi[a])) return 0;
        return 1;
    }
    case RS_REGION_UNION:
        for (int i = 0; i < r->nchildren; i++)
            if (rs_region_contains(&r->children[i], x, y, z)) return 1;
        return 0;
    case RS_REGION_DIFFERENCE:
        return r->nchildren >= 1 && rs_region_contains(&r->children[0], x, y, z) &&
               !(r->nchildren >= 2 && rs_region_contains(&r->children[1], x, y, z));
    }
    return 0;
}

/* Coordinates actually stored: ncoords clamped to 0..3. */
static int coords(const rs_region *r)
{
    return r->ncoords < 0 ? 0 : r->ncoords > 3 ? 3 : r->ncoords;
}

int rs_region_nnumbers(const rs_region *r)
{
    switch (r->kind) {
    case RS_REGION_DISK:
    case RS_REGION_SPHERE: return coords(r) + 1;
    case RS_REGION_ANNULUS:
    case RS_REGION_SHELL: return coords(r) + 2;
    case RS_REGION_BOX: return 2 * coords(r);
    default: return 0;
    }
}

/* The place of number i in r, or NULL (rs_region_number, rs_region_value). */
static const double *number_at(const rs_region *r, int i)
{
    const int n = coords(r);
    if (i < 0 || i >= rs_region_nnumbers(r)) return NULL;
    if (r->kind == RS_REGION_BOX) return i < n ? &r->lo[i] : &r->hi[i - n];
    if (i < n) return &r->center[i];
    if (r->kind == RS_REGION_DISK || r->kind == RS_REGION_SPHERE) return &r->radius;
    return i == n ? &r->inner : &r->outer;
}

double *rs_region_number(rs_region *r, int i)
{
    /* r is not const here, so neither is the member number_at points to. */
    return (double *)number_at(r, i);
}

double rs_region_value(const rs_region *r, int i)
{
    const double *v = number_at(r, i);
    return v ? *v : NAN;
}

double rs_region_volume(const rs_region *r, const rs_grid *g, int dims)
{
    const double pi = 3.14159265358979323846;
    double depth = dims == 3 ? g->nz * g->dx : 1.0;
    switch (r->kind) {
    case RS_REGION_ALL: return g->nx * g->dx * g->ny * g->dx * depth;
    case RS_REGION_DISK: return pi * r->radius * r->radius * depth;
    case RS_REGION_SPHERE: return 4.0 / 3.0 * pi * pow(r->radius, 3);
    case RS_REGION_ANNULUS: return pi * (pow(r->outer, 2) - pow(r->inner, 2)) * depth;
    case RS_REGION_SHELL: return 4.0 / 3.0 * pi * (pow(r->outer, 3) - pow(r->inner, 3));
    case RS_REGION_BOX: {
        double v = 1;
        for (int a = 0; a < coords(r); a++) v *= fabs(r->hi[a] - r->lo[a]);
        return coords(r) == 2 ? v * depth : v;
    }
    case RS_REGION_UNION: {
        double v = 0;
        for (int i = 0; i < r->nchildren; i++) v += rs_region_volume(&r->children[i], g, dims);
        return v;
    }
    case RS_REGION_DIFFERENCE: {
        double v = r->nchildren == 2 ? rs_region_volume(&r->children[0], g, dims) -
                                           rs_region_volume(&r->children[1], g, dims)
                                     : 0;
        return v > 0 ? v : 0;
    }
    }
    return 0;
}

/* Two passes over the voxel centres: count, then fill. */
rs_status rs_region_voxels(const rs_grid *g, const rs_region *r, size_t **idx, size_t *n,
                           rs_error *err)
{
    *idx = NULL;
    *n = 0;
    size_t count = 0;
    for (int pass = 0; pass < 2; pass++) {
        size_t v = 0;
        count = 0;
        for (int k = 0; k < g->nz; k++)
            for (int j = 0; j < g->ny; j++)
                for (int i = 0; i < g->nx; i++, v++)
                    if (rs_region_contains(r, rs_grid_centre(g, i), rs_grid_centre(g, j),
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

void rs_region_free(rs_region *r)
{
    if (!r) return;
    for (int i = 0; i < r->nchildren; i++) rs_region_free(&r->children[i]);
    free(r->children);
    r->children = NULL;
    r->nchildren = 0;
}

/* placement.c: cells placed uniformly at random in a region of the domain
 * (initial cells, `inject` interventions) and removed at random from one
 * (`remove`), deterministically (regensim/cells.h).
 *
 * Placement samples the region's bounding box (cut to the domain) and
 * keeps the points inside the region, drawing from one stream of the
 * counter RNG per placement, so the positions depend on the seed and the
 * placement's key only. Removal draws per cell, keyed by its id. */
#include <math.h>

#include "regensim/cells.h"
#include "regensim/threads.h"
#include "regensim/rng.h"

/* Most candidate points tried per cell before a placement gives up. */
#define ATTEMPTS_PER_CELL 10000.0

/* Bounding box of r (within [lo, hi] given, the domain): shrinks lo, hi. */
static void bounding_box(const rs_region *r, double lo[3], double hi[3])
{
    double blo[3] = {lo[0], lo[1], lo[2]}, bhi[3] = {hi[0], hi[1], hi[2]};
    switch (r->kind) {
    case RS_REGION_DISK:
    case RS_REGION_SPHERE:
    case RS_REGION_ANNULUS:
    case RS_REGION_SHELL: {
        double rad = r->kind == RS_REGION_DISK || r->kind == RS_REGION_SPHERE ? r->radius
                                                                                : r->outer;
        int nd = r->kind == RS_REGION_SPHERE || r->kind == RS_REGION_SHELL ? 3 : 2;
        for (int d = 0; d < nd; d++) {
            blo[d] = r->center[d] - rad;
            bhi[d] = r->center[d] + rad;
        }
        break;
    }
    case RS_REGION_BOX:
        for (int d = 0; d < r->ncoords; d++) {
            blo[d] = r->lo[d];
            bhi[d] = r->hi[d];
        }
        break;
    case RS_REGION_UNION: {
        double ulo[3] = {INFINITY, INFINITY, INFINITY}, uhi[3] = {-INFINITY, -INFINITY, -INFINITY};
        for (int k = 0; k < r->nchildren; k++) {
            double clo[3] = {lo[0], lo[1], lo[2]}, chi[3] = {hi[0], hi[1], hi[2]};
            bounding_box(&r->children[k], clo, chi);
            for (int d = 0; d < 3; d++) {
                ulo[d] = fmin(ulo[d], clo[d]);
                uhi[d] = fmax(uhi[d], chi[d]);
            }
        }
        for (int d = 0; d < 3; d++) {
            blo[d] = ulo[d];
            bhi[d] = uhi[d];
        }
        break;
    }
    case RS_REGION_DIFFERENCE:
        if (r->nchildren > 0) bounding_box(&r->children[0], blo, bhi);
        break;
    case RS_REGION_ALL: break;
    }
    for (int d = 0; d < 3; d++) {
        lo[d] = fmax(lo[d], blo[d]);
        hi[d] = fmin(hi[d], bhi[d]);
    }
}

rs_status rs_cells_place(rs_cells *c, const rs_cell_placement *p, rs_error *err)
{
    double lo[3] = {0, 0, 0}, hi[3] = {p->size[0], p->size[1], c->dims == 3 ? p->size[2] : 0};
    bounding_box(p->region, lo, hi);
    if (p->count == 0) return RS_OK;
    if (!(lo[0] <= hi[0] && lo[1] <= hi[1] && lo[2] <= hi[2]))
        return rs_error_set(err, RS_EINVAL,
                            "%s: the region lies outside the domain; no cell can be placed",
                            p->what);
    rs_status s = rs_cells_reserve(c, c->n + p->count, err);
    if (s != RS_OK) return s;
    rs_rng r;
    rs_rng_init(&r, p->seed, rs_cells_stream(p->key, RS_DRAW_PLACE));
    const double limit = ATTEMPTS_PER_CELL * (double)p->count + 1e6;
    size_t placed = 0;
    for (double tries = 0; placed < p->count; tries++) {
        if (tries > limit)
            return rs_error_set(err, RS_EINVAL,
                                "%s: placed %zu of %zu cells in %.0f tries: the region is too "
                                "small a part of its bounding box",
                                p->what, placed, p->count, tries);
        double x = lo[0] + (hi[0] - lo[0]) * rs_rng_uniform(&r);
        double y = lo[1] + (hi[1] - lo[1]) * rs_rng_uniform(&r);
        double z = c->dims == 3 ? lo[2] + (hi[2] - lo[2]) * rs_rng_uniform(&r) : 0;
        if (!rs_region_contains(p->region, x, y, z)) continue;
        size_t i;
        s = rs_cells_add(c, p->type, x, y, z, p->radius, &i, err);
        if (s != RS_OK) return s;
        for (int k = 0; k < c->nstates; k++)
            c->state[k][i] = k < p->nstates ? p->states[k] : 0;
        placed++;
    }
    return RS_OK;
}

size_t rs_cells_remove_fraction(rs_cells *c, int type, const rs_region *region,
                                double fraction, uint64_t seed, uint64_t step,
                                unsigned char *keep)
{
    const long n = (long)c->n;
#pragma omp parallel for schedule(static) num_threads(rs_threads_team(c->n, c->min_work))
    for (long i = 0; i < n; i++) {
        keep[i] = 1;
        if (c->type[i] != type || !rs_region_contains(region, c->x[i], c->y[i], c->z[i]))
            continue;
        uint32_t w[4];
        rs_rng_block(seed, rs_cells_stream(c->id[i], RS_DRAW_REMOVE), step, w);
        double u = rs_uniform_from_bits(((uint64_t)w[0] << 32) | w[1]);
        keep[i] = !(u < fraction);
    }
    return rs_cells_compact(c, keep);
}

/* placement.c: cells placed uniformly at random in a region of the domain
 * (initial cells, `inject` interventions) and removed at random from one
 * (`remove`), deterministically (regensim/cells.h).
 *
 * Placement samples the region's bounding box (cut to the domain) and
 * keeps the points inside the region, drawing from one stream of the
 * counter RNG per placement, so the positions depend on the seed and the
 * placement's key only. With a spacing, a point closer than it to any cell
 * (already there or just placed) is drawn again (a hash grid of the
 * cells, made for the placement). Removal draws per cell, keyed by its
 * id. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* A hash grid of the cells for the spacing test: bins of edge >= the
 * spacing over the domain, each a chain of cell indices. */
typedef struct spacing_grid {
    double edge;
    size_t nb[3], nbins;
    uint32_t *head, *next;
} spacing_grid;

static void spacing_free(spacing_grid *s)
{
    free(s->head);
    free(s->next);
}

static size_t spacing_bin(const spacing_grid *s, const double v[3], size_t k[3])
{
    for (int d = 0; d < 3; d++) {
        double q = floor(v[d] / s->edge);
        k[d] = q < 0 ? 0 : q >= (double)s->nb[d] ? s->nb[d] - 1 : (size_t)q;
    }
    return k[0] + s->nb[0] * (k[1] + s->nb[1] * k[2]);
}

static void spacing_insert(spacing_grid *s, const rs_cells *c, uint32_t i)
{
    const double v[3] = {c->x[i], c->y[i], c->z[i]};
    size_t k[3];
    const size_t b = spacing_bin(s, v, k);
    s->next[i] = s->head[b];
    s->head[b] = i;
}

/* Whether a cell of c lies closer than the spacing to v. */
static int spacing_near(const spacing_grid *s, const rs_cells *c, const double v[3],
                        double spacing)
{
    size_t k[3];
    spacing_bin(s, v, k);
    for (size_t z = k[2] ? k[2] - 1 : 0; z <= k[2] + 1 && z < s->nb[2]; z++)
        for (size_t y = k[1] ? k[1] - 1 : 0; y <= k[1] + 1 && y < s->nb[1]; y++)
            for (size_t x = k[0] ? k[0] - 1 : 0; x <= k[0] + 1 && x < s->nb[0]; x++)
                for (uint32_t i = s->head[x + s->nb[0] * (y + s->nb[1] * z)]; i != UINT32_MAX;
                     i = s->next[i]) {
                    const double dx = c->x[i] - v[0], dy = c->y[i] - v[1], dz = c->z[i] - v[2];
                    if (dx * dx + dy * dy + dz * dz < spacing * spacing) return 1;
                }
    return 0;
}

/* The grid over the domain for the cells there and `more` to come. */
static rs_status spacing_init(spacing_grid *s, const rs_cells *c, const double size[3],
                              double spacing, size_t more, rs_error *err)
{
    memset(s, 0, sizeof *s);
    s->edge = spacing;
    for (;;) {
        s->nbins = 1;
        for (int d = 0; d < 3; d++) {
            double n = d < c->dims ? floor(size[d] / s->edge) : 1;
            s->nb[d] = n < 1 ? 1 : (size_t)n;
            s->nbins *= s->nb[d];
        }
        if (s->nbins <= ((size_t)1 << 24)) break;
        s->edge *= 2;
    }
    /* the last bin along an axis also holds what lies beyond n x edge */
    s->head = malloc(s->nbins * sizeof *s->head);
    s->next = malloc((c->n + more + 1) * sizeof *s->next);
    if (!s->head || !s->next) {
        spacing_free(s);
        return rs_error_set(err, RS_ENOMEM, "out of memory for placing cells");
    }
    memset(s->head, 0xff, s->nbins * sizeof *s->head);
    for (size_t i = 0; i < c->n; i++) spacing_insert(s, c, (uint32_t)i);
    return RS_OK;
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
    spacing_grid grid;
    const int spaced = p->spacing > 0;
    if (spaced && (s = spacing_init(&grid, c, p->size, p->spacing, p->count, err)) != RS_OK)
        return s;
    rs_rng r;
    rs_rng_init(&r, p->seed, rs_cells_stream(p->key, RS_DRAW_PLACE));
    const double limit = ATTEMPTS_PER_CELL * (double)p->count + 1e6;
    size_t placed = 0;
    for (double tries = 0; placed < p->count; tries++) {
        if (tries > limit) {
            s = rs_error_set(err, RS_EINVAL,
                             "%s: placed %zu of %zu cells in %.0f tries: the region is too "
                             "small a part of its bounding box%s",
                             p->what, placed, p->count, tries,
                             spaced ? ", or too small for this many cells at this spacing" : "");
            break;
        }
        double v[3];
        v[0] = lo[0] + (hi[0] - lo[0]) * rs_rng_uniform(&r);
        v[1] = lo[1] + (hi[1] - lo[1]) * rs_rng_uniform(&r);
        v[2] = c->dims == 3 ? lo[2] + (hi[2] - lo[2]) * rs_rng_uniform(&r) : 0;
        if (!rs_region_contains(p->region, v[0], v[1], v[2])) continue;
        if (spaced && spacing_near(&grid, c, v, p->spacing)) continue;
        size_t i;
        s = rs_cells_add(c, p->type, v[0], v[1], v[2], p->radius, &i, err);
        if (s != RS_OK) break;
        for (int k = 0; k < c->nstates; k++)
            c->state[k][i] = k < p->nstates ? p->states[k] : 0;
        if (spaced) spacing_insert(&grid, c, (uint32_t)i);
        placed++;
    }
    if (spaced) spacing_free(&grid);
    return s;
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

/* phenotype.c: applying the phenotype's decisions to the population
 * (regensim/cells.h; docs/cells.md, "Phenotype"). The simulation layer
 * evaluates each cell's rates and writes one event per cell into c->key
 * (RS_FATE_*); rs_cells_apply_fates then, in id order so that storage
 * order never changes a result:
 *   - removes dead cells whose clearance time has passed;
 *   - kills (apoptosis, necrosis: the cell stays, immobile, until cleared,
 *     leaving its type's death deposit in the fields at its voxel);
 *   - changes type (keeping id, position and the states of the same name);
 *   - divides: two daughters of half the volume each, at +-(r/2) along a
 *     random direction, the parent keeping its id and the other the next
 *     id, both with the parent's states and age 0.
 * Ageing and regrowth (a volume relaxes to its type's with time constant
 * growth_time) apply to every cell. */
#include <math.h>
#include <string.h>

#include "regensim/cells.h"
#include "regensim/threads.h"
#include "regensim/rng.h"

/* Ages every cell by dt and regrows the live ones. */
static void age_and_grow(rs_cells *c, const rs_cell_fates *f, double dt)
{
    const long n = (long)c->n;
#pragma omp parallel for schedule(static) num_threads(rs_threads_team(c->n, c->min_work))
    for (long i = 0; i < n; i++) {
        c->age[i] += dt;
        if (c->phase[i] != RS_CELL_ALIVE) continue;
        const double target = f->volume[c->type[i]];
        if (c->volume[i] == target) continue;
        const double k = 1 - exp(-dt / f->growth_time[c->type[i]]);
        c->volume[i] += k * (target - c->volume[i]);
        c->radius[i] = rs_cells_radius_of(c->dims, c->volume[i]);
    }
}

/* Removes the dead cells that have been dead for their clearance time. */
static size_t clear_dead(rs_cells *c, const rs_cell_fates *f)
{
    unsigned char *keep = c->scratch;
    size_t dead = 0;
    for (size_t i = 0; i < c->n; i++) {
        keep[i] = !(c->phase[i] != RS_CELL_ALIVE && c->age[i] >= f->clearance_time[c->type[i]]);
        dead += !keep[i];
    }
    return dead ? rs_cells_compact(c, keep) : 0;
}

/* Cell i dies: its phase, age and death deposit. */
static void die(rs_cells *c, size_t i, int phase, const rs_cell_fates *f)
{
    c->phase[i] = phase;
    c->age[i] = 0;
    c->ux[i] = c->uy[i] = c->uz[i] = 0;
    const int t = c->type[i];
    if (f->ndeposits[t] == 0) return;
    const rs_grid *g = f->g;
    const double vvox = g->dx * g->dx * (g->nz > 1 ? g->dx : 1.0);
    const size_t v = rs_cell_voxel(g, c->x[i], c->y[i], c->z[i]);
    for (int k = 0; k < f->ndeposits[t]; k++)
        f->fields[f->deposit_substrate[t][k]][v] += f->deposit_amount[t][k] / vvox;
}

/* Cell i becomes type `to`. */
static void transform(rs_cells *c, size_t i, int to, const rs_cell_fates *f)
{
    const int from = c->type[i], ns = c->nstates;
    double old[RS_CELLS_MAX_STATES];
    for (int s = 0; s < ns; s++) old[s] = c->state[s][i];
    const int *map = f->state_map + ((size_t)from * f->ntypes + to) * (size_t)ns;
    for (int s = 0; s < ns; s++)
        c->state[s][i] = map[s] >= 0 ? old[map[s]] : f->state_initial[(size_t)to * ns + s];
    c->type[i] = to;
}

/* Cell i divides; the daughter is appended (room was made). */
static void divide(rs_cells *c, size_t i, uint64_t seed, uint64_t step)
{
    uint32_t w[4];
    rs_rng_block(seed, rs_cells_stream(c->id[i], RS_DRAW_DIVISION), step, w);
    const double inv = 1.0 / 4294967296.0;
    const double phi = 2 * RS_CELLS_PI * ((w[2] + 0.5) * inv);
    double u[3];
    if (c->dims == 2) {
        u[0] = cos(phi);
        u[1] = sin(phi);
        u[2] = 0;
    } else {
        const double cz = 2 * ((w[3] + 0.5) * inv) - 1, sz = sqrt(1 - cz * cz);
        u[0] = sz * cos(phi);
        u[1] = sz * sin(phi);
        u[2] = cz;
    }
    const double v = c->volume[i] / 2, r = rs_cells_radius_of(c->dims, v), d = r / 2;
    const size_t j = c->n++;
    c->id[j] = c->next_id++;
    c->type[j] = c->type[i];
    c->phase[j] = RS_CELL_ALIVE;
    c->x[j] = c->x[i] + d * u[0];
    c->y[j] = c->y[i] + d * u[1];
    c->z[j] = c->z[i] + d * u[2];
    c->x[i] -= d * u[0];
    c->y[i] -= d * u[1];
    c->z[i] -= d * u[2];
    c->ux[i] = c->uy[i] = c->uz[i] = c->ux[j] = c->uy[j] = c->uz[j] = 0;
    c->radius[i] = c->radius[j] = r;
    c->volume[i] = c->volume[j] = v;
    c->age[i] = c->age[j] = 0;
    c->neighbours[j] = c->neighbours[i];
    c->pace[j] = c->pace[i];
    c->bias[j] = c->bias[i];
    for (int s = 0; s < c->nstates; s++) c->state[s][j] = c->state[s][i];
}

/* Keeps a position inside [0, size] (a daughter placed past a wall). */
static double inside(double v, double size)
{
    return v < 0 ? 0 : v > size ? size : v;
}

rs_status rs_cells_apply_fates(rs_cells *c, const rs_cell_fates *f, double dt, uint64_t seed,
                               uint64_t step, rs_cell_fate_counts *counts, rs_error *err)
{
    memset(counts, 0, sizeof *counts);
    age_and_grow(c, f, dt);
    /* The events, in id order (indices in c->perm). */
    size_t ne = 0, ndiv = 0;
    for (size_t i = 0; i < c->n; i++)
        if (c->key[i] != RS_FATE_NONE) {
            c->perm[ne++] = (uint32_t)i;
            ndiv += c->key[i] == RS_FATE_DIVIDE;
        }
    if (ndiv > 0) {
        rs_status s = rs_cells_reserve(c, c->n + ndiv, err);
        if (s != RS_OK) return s;
    }
    rs_cells_sort_by_id(c, c->perm, ne, c->scratch);
    for (size_t k = 0; k < ne; k++) {
        const size_t i = c->perm[k];
        const uint32_t e = c->key[i];
        if (e == RS_FATE_APOPTOSIS || e == RS_FATE_NECROSIS) {
            die(c, i, e == RS_FATE_APOPTOSIS ? RS_CELL_APOPTOTIC : RS_CELL_NECROTIC, f);
            counts->deaths++;
        } else if (e == RS_FATE_DIVIDE) {
            divide(c, i, seed, step);
            const size_t j = c->n - 1;
            c->key[j] = RS_FATE_NONE;
            for (size_t a = i; ; a = j) {
                c->x[a] = inside(c->x[a], f->size[0]);
                c->y[a] = inside(c->y[a], f->size[1]);
                if (c->dims == 3) c->z[a] = inside(c->z[a], f->size[2]);
                if (a == j) break;
            }
            counts->divisions++;
        } else if (e >= RS_FATE_BECOME) {
            transform(c, i, (int)(e - RS_FATE_BECOME), f);
            counts->transitions++;
        }
    }
    counts->cleared = clear_dead(c, f);
    return RS_OK;
}

/* contact.c: interactions between touching cells (regensim/cells.h;
 * docs/cells.md, "Contact"), each deterministic:
 *   - exchange: a state passes between touching cells whose types both
 *     exchange it, ds_i/dt = sum_j k_ij (s_j - s_i) with k_ij the geometric
 *     mean of the two types' rates (prion-like spread of a misfolded
 *     protein load); every cell sums its own pairs from the states at the
 *     start of the step, in bin order, so a pair's two flows are exact
 *     negatives and no write is shared;
 *   - engulfment: a dead cell touching live cells whose types engulf its
 *     type is engulfed with probability 1 - exp(-dt sum_j r_j), drawn
 *     keyed by its id; it is then cleared at once (its age set to +inf,
 *     which rs_cells_apply_fates removes).
 * Two cells touch when their centres are closer than the sum of their
 * radii. The bins must have been built over the cells. */
#include <math.h>

#include "regensim/cells.h"
#include "regensim/rng.h"
#include "regensim/threads.h"

/* The bins around bin `home` (itself included), in a fixed order; returns
 * how many (up to 27; 9 in 2D). */
static int adjacent_bins(const rs_neighbour_bins *b, size_t home, size_t out[27])
{
    const size_t nx = (size_t)b->nb[0], ny = (size_t)b->nb[1];
    const int bi = (int)(home % nx), bj = (int)(home / nx % ny), bk = (int)(home / (nx * ny));
    const int nz = b->dims == 3 ? 1 : 0;
    int n = 0;
    for (int dk = -nz; dk <= nz; dk++) {
        const int k = bk + dk;
        if (k < 0 || k >= b->nb[2]) continue;
        for (int dj = -1; dj <= 1; dj++) {
            const int j = bj + dj;
            if (j < 0 || j >= b->nb[1]) continue;
            for (int di = -1; di <= 1; di++) {
                const int i = bi + di;
                if (i < 0 || i >= b->nb[0]) continue;
                out[n++] = (size_t)i + nx * ((size_t)j + ny * (size_t)k);
            }
        }
    }
    return n;
}

/* Whether cells i and j touch. */
static inline int touching(const rs_cells *c, size_t i, size_t j)
{
    const double dx = c->x[i] - c->x[j], dy = c->y[i] - c->y[j], dz = c->z[i] - c->z[j];
    const double R = c->radius[i] + c->radius[j];
    return dx * dx + dy * dy + dz * dz < R * R;
}

/* One exchanged state e: the change of every cell's slot into c->vx, then
 * applied. */
static void exchange(rs_cells *c, const rs_neighbour_bins *b, const rs_cell_contact *k, int e,
                     double dt)
{
    const long n = (long)c->n;
    const int E = k->nexchange;
    double *delta = c->vx;
#pragma omp parallel for schedule(static) num_threads(rs_threads_team(c->n, c->min_work))
    for (long i = 0; i < n; i++) {
        delta[i] = 0;
        const int ti = c->type[i], si = k->slot[ti * E + e];
        const double ki = k->rate[ti * E + e];
        if (si < 0 || !(ki > 0) || c->phase[i] != RS_CELL_ALIVE) continue;
        size_t around[27];
        const int na = adjacent_bins(b, rs_neighbour_bins_of(b, c->x[i], c->y[i], c->z[i]), around);
        double sum = 0;
        for (int a = 0; a < na; a++)
            for (uint32_t j = b->start[around[a]]; j < b->start[around[a] + 1]; j++) {
                if (j == (uint32_t)i || c->phase[j] != RS_CELL_ALIVE) continue;
                const int tj = c->type[j], sj = k->slot[tj * E + e];
                const double kj = k->rate[tj * E + e];
                if (sj < 0 || !(kj > 0) || !touching(c, (size_t)i, j)) continue;
                sum += sqrt(ki * kj) * (c->state[sj][j] - c->state[si][i]);
            }
        delta[i] = dt * sum;
    }
#pragma omp parallel for schedule(static) num_threads(rs_threads_team(c->n, c->min_work))
    for (long i = 0; i < n; i++) {
        const int si = k->slot[c->type[i] * E + e];
        if (si >= 0) c->state[si][i] += delta[i];
    }
}

/* Dead cells engulfed by touching live cells: age set to +inf. */
static void engulf(rs_cells *c, const rs_neighbour_bins *b, const rs_cell_contact *k, double dt,
                   uint64_t seed, uint64_t step)
{
    const long n = (long)c->n;
    const int nt = k->ntypes;
#pragma omp parallel for schedule(static) num_threads(rs_threads_team(c->n, c->min_work))
    for (long i = 0; i < n; i++) {
        if (c->phase[i] == RS_CELL_ALIVE) continue;
        const int ti = c->type[i];
        size_t around[27];
        const int na = adjacent_bins(b, rs_neighbour_bins_of(b, c->x[i], c->y[i], c->z[i]), around);
        double total = 0;
        for (int a = 0; a < na; a++)
            for (uint32_t j = b->start[around[a]]; j < b->start[around[a] + 1]; j++) {
                if (c->phase[j] != RS_CELL_ALIVE) continue;
                const double r = k->engulf[c->type[j] * nt + ti];
                if (r > 0 && touching(c, (size_t)i, j)) total += r;
            }
        if (!(total > 0)) continue;
        uint32_t w[4];
        rs_rng_block(seed, rs_cells_stream(c->id[i], RS_DRAW_ENGULF), step, w);
        if (rs_uniform_from_bits(((uint64_t)w[0] << 32) | w[1]) < -expm1(-total * dt))
            c->age[i] = INFINITY;
    }
}

void rs_cell_contact_step(rs_cells *c, const rs_neighbour_bins *b, const rs_cell_contact *k,
                          double dt, uint64_t seed, uint64_t step)
{
    for (int e = 0; e < k->nexchange; e++) exchange(c, b, k, e, dt);
    if (k->engulf) engulf(c, b, k, dt, seed, step);
}

/* mechanics.c: centre-based pair potentials and overdamped motion
 * (regensim/cells.h; equations in docs/cells.md, "Mechanics").
 *
 * Two cells i, j at distance d repel with speed c_r (1 - d/R)^2 while they
 * overlap (d < R = r_i + r_j) and attract with speed c_a (1 - d/A)^2
 * within the adhesion reach A = a_i r_i + a_j r_j, where c_r and c_a are
 * the geometric means of the two types' constants. Motion is overdamped:
 * a cell's velocity is the sum of its pair speeds along the unit vectors
 * from its neighbours, plus its motility, integrated by explicit Euler
 * over dt.mechanics. Each cell sums its own neighbours (the bins are
 * visited in a fixed order and hold their cells by id), so there are no
 * shared writes and the sums are the same for any thread count. */
#include <math.h>
#include <stddef.h>

#include "regensim/cells.h"
#include "regensim/threads.h"

void rs_cell_pair_constants(const rs_cell_mechanics *a, const rs_cell_mechanics *b,
                            double *repulsion, double *adhesion)
{
    *repulsion = sqrt(a->repulsion * b->repulsion);
    *adhesion = sqrt(a->adhesion * b->adhesion);
}

double rs_cell_pair_equilibrium(double R, double A, double cr, double ca)
{
    /* sqrt(cr) (1 - d/R) = sqrt(ca) (1 - d/A) for d < R, else R. */
    if (!(ca > 0) || !(cr > 0)) return R;
    double sr = sqrt(cr), sa = sqrt(ca);
    double denom = sr / R - sa / A;
    if (!(denom > 0)) return 0; /* adhesion wins everywhere: cells collapse */
    double d = (sr - sa) / denom;
    return d < 0 ? 0 : d > R ? R : d;
}

double rs_cell_mechanics_reach(const rs_cell_mechanics *types, const double *radii, int ntypes)
{
    double reach = 0;
    for (int t = 0; t < ntypes; t++) {
        double a = types[t].adhesion_range > 1 ? types[t].adhesion_range : 1;
        reach = fmax(reach, a * radii[t]);
    }
    return 2 * reach;
}

/* The pair velocities on cell i from the cells of bin k; adds to v and
 * counts touching cells. */
static inline void bin_pairs(const rs_cells *c, const rs_neighbour_bins *b, size_t k,
                             size_t i, const rs_cell_mechanics *types, int ntypes,
                             const double *cr, const double *ca, double v[3], int *touching)
{
    const double xi = c->x[i], yi = c->y[i], zi = c->z[i], ri = c->radius[i];
    const int ti = c->type[i];
    const double ai = types[ti].adhesion_range;
    const uint32_t end = b->start[k + 1];
    for (uint32_t j = b->start[k]; j < end; j++) {
        if (j == i) continue;
        const double dx = xi - c->x[j], dy = yi - c->y[j], dz = zi - c->z[j];
        const double rj = c->radius[j];
        const double A = ai * ri + types[c->type[j]].adhesion_range * rj;
        const double d2 = dx * dx + dy * dy + dz * dz;
        if (d2 >= A * A && d2 >= (ri + rj) * (ri + rj)) continue;
        const double R = ri + rj;
        const int p = ti * ntypes + c->type[j];
        double d = sqrt(d2);
        if (d2 < R * R) (*touching)++;
        if (d > 0) {
            double s = rs_cell_pair_speed(d, R, A, cr[p], ca[p]) / d;
            v[0] += s * dx;
            v[1] += s * dy;
            v[2] += s * dz;
        } else {
            /* Coincident centres: the cell with the larger id moves +x,
             * the other -x, at full repulsion. */
            v[0] += (c->id[i] > c->id[j] ? 1.0 : -1.0) * cr[p];
        }
    }
}

void rs_cell_forces(rs_cells *c, const rs_neighbour_bins *b, const rs_cell_mechanics *types,
                    int ntypes)
{
    /* Pair constants, per ordered pair of types (small: types^2). */
    enum { MAXT = RS_CELLS_MAX_TYPES };
    double cr[MAXT * MAXT], ca[MAXT * MAXT];
    const int nt = ntypes < MAXT ? ntypes : MAXT;
    for (int s = 0; s < nt; s++)
        for (int t = 0; t < nt; t++)
            rs_cell_pair_constants(&types[s], &types[t], &cr[s * nt + t], &ca[s * nt + t]);
    const long n = (long)c->n;
    const int nz = b->dims == 3 ? 1 : 0;
#pragma omp parallel for schedule(static) num_threads(rs_threads_team(c->n, c->min_work))
    for (long i = 0; i < n; i++) {
        const size_t home = c->key[i]; /* the bin build left each cell's bin here */
        const int bi = (int)(home % (size_t)b->nb[0]);
        const int bj = (int)(home / (size_t)b->nb[0] % (size_t)b->nb[1]);
        const int bk = (int)(home / ((size_t)b->nb[0] * (size_t)b->nb[1]));
        double v[3] = {0, 0, 0};
        int touching = 0;
        for (int dk = -nz; dk <= nz; dk++) {
            const int k = bk + dk;
            if (k < 0 || k >= b->nb[2]) continue;
            for (int dj = -1; dj <= 1; dj++) {
                const int j = bj + dj;
                if (j < 0 || j >= b->nb[1]) continue;
                for (int di = -1; di <= 1; di++) {
                    const int ii = bi + di;
                    if (ii < 0 || ii >= b->nb[0]) continue;
                    size_t bin = (size_t)ii + (size_t)b->nb[0] * ((size_t)j + (size_t)b->nb[1] * (size_t)k);
                    bin_pairs(c, b, bin, (size_t)i, types, nt, cr, ca, v, &touching);
                }
            }
        }
        c->neighbours[i] = touching;
        const int still = types[c->type[i]].fixed || c->phase[i] != RS_CELL_ALIVE;
        c->vx[i] = still ? 0 : v[0];
        c->vy[i] = still ? 0 : v[1];
        c->vz[i] = still || c->dims == 2 ? 0 : v[2];
    }
}

/* Reflects coordinate v into [0, L]; returns -1 when it was reflected
 * (so the caller flips the direction), else 1. */
static inline double reflect(double *v, double L)
{
    double s = 1;
    if (*v < 0) {
        *v = -*v;
        s = -1;
    }
    if (*v > L) {
        *v = 2 * L - *v;
        s = -s;
    }
    if (*v < 0) *v = 0; /* a jump longer than the domain */
    return s;
}

void rs_cell_move(rs_cells *c, const double size[3], double dt)
{
    const long n = (long)c->n;
    const int three = c->dims == 3;
#pragma omp parallel for schedule(static) num_threads(rs_threads_team(c->n, c->min_work))
    for (long i = 0; i < n; i++) {
        c->x[i] += dt * c->vx[i];
        c->y[i] += dt * c->vy[i];
        c->ux[i] *= reflect(&c->x[i], size[0]);
        c->uy[i] *= reflect(&c->y[i], size[1]);
        if (three) {
            c->z[i] += dt * c->vz[i];
            c->uz[i] *= reflect(&c->z[i], size[2]);
        }
    }
}

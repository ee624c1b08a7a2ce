/* motility.c: persistent random walk plus chemotaxis (regensim/cells.h;
 * docs/cells.md, "Motility").
 *
 * A moving cell keeps a unit direction u and renews it, uniformly on the
 * sphere (the circle in 2D), with probability p = 1 - exp(-dt / tau) at
 * each mechanics step (tau: the persistence time), so direction changes
 * form a Poisson process of rate 1/tau and the velocity autocorrelation
 * is v^2 exp(-t / tau). Chemotaxis biases the walk: with sensitivities
 * s_k towards the unit gradients g_k of substrates k, the cell moves at
 *     speed * ((1 - sum_k |s_k|) u + sum_k s_k g_k),
 * whose mean, u averaging to zero, is speed * sum_k s_k g_k: the drift
 * does not depend on the gradient's magnitude (it saturates). A cell's
 * pace multiplies its speed and its bias (0..1) the sensitivities, each 1
 * unless the type's speed_factor / chemotaxis_factor rule sets it at the
 * phenotype steps (docs/cells.md). Every draw
 * is keyed by (seed, cell id, step, RS_DRAW_MOTILITY). */
#include <math.h>

#include "regensim/cells.h"
#include "regensim/threads.h"
#include "regensim/rng.h"

/* A uniform unit vector from three 32-bit words (two used in 2D). */
static inline void random_direction(int dims, const uint32_t w[4], double u[3])
{
    const double inv = 1.0 / 4294967296.0;
    double phi = 2 * RS_CELLS_PI * ((w[1] + 0.5) * inv);
    if (dims == 2) {
        u[0] = cos(phi);
        u[1] = sin(phi);
        u[2] = 0;
        return;
    }
    double cz = 2 * ((w[2] + 0.5) * inv) - 1, sz = sqrt(1 - cz * cz);
    u[0] = sz * cos(phi);
    u[1] = sz * sin(phi);
    u[2] = cz;
}

void rs_cell_motility_add(rs_cells *c, const rs_cell_motility *types,
                          const rs_cell_mechanics *mech, int ntypes,
                          const rs_cell_motility_env *env)
{
    const long n = (long)c->n;
    /* Per type: whether it moves, and the probability of a new direction
     * this step. */
    double renew_of[RS_CELLS_MAX_TYPES];
    int moves[RS_CELLS_MAX_TYPES];
    const int nt = ntypes < RS_CELLS_MAX_TYPES ? ntypes : RS_CELLS_MAX_TYPES;
    for (int t = 0; t < nt; t++) {
        moves[t] = !(types[t].speed <= 0) && !mech[t].fixed;
        renew_of[t] = moves[t] ? 1 - exp(-env->dt / types[t].persistence) : 0;
    }
#pragma omp parallel for schedule(static) num_threads(rs_threads_team(c->n, c->min_work))
    for (long i = 0; i < n; i++) {
        const int t = c->type[i];
        const rs_cell_motility *mt = &types[t];
        if (!moves[t] || c->phase[i] != RS_CELL_ALIVE) continue;
        uint32_t w[4];
        rs_rng_block(env->seed, rs_cells_stream(c->id[i], RS_DRAW_MOTILITY), env->step, w);
        const double renew = renew_of[t];
        const double u01 = (w[0] + 0.5) * (1.0 / 4294967296.0);
        if (u01 < renew || (c->ux[i] == 0 && c->uy[i] == 0 && c->uz[i] == 0)) {
            double u[3];
            random_direction(c->dims, w, u);
            c->ux[i] = u[0];
            c->uy[i] = u[1];
            c->uz[i] = u[2];
        }
        double bias = 0, g[3] = {0, 0, 0};
        if (mt->nchemotaxis > 0) {
            const size_t v = rs_cell_voxel(env->g, c->x[i], c->y[i], c->z[i]);
            for (int k = 0; k < mt->nchemotaxis; k++) {
                double gk[3];
                rs_cell_gradient(env->g, env->fields[mt->substrate[k]], v, gk);
                if (c->dims == 2) gk[2] = 0;
                const double m = sqrt(gk[0] * gk[0] + gk[1] * gk[1] + gk[2] * gk[2]);
                const double s = mt->sensitivity[k];
                bias += fabs(s);
                if (m > 0) {
                    g[0] += s * gk[0] / m;
                    g[1] += s * gk[1] / m;
                    g[2] += s * gk[2] / m;
                }
            }
        }
        const double p = mt->speed * c->pace[i], q = c->bias[i];
        const double r = p * (1 - q * bias), b = p * q;
        c->vx[i] += r * c->ux[i] + b * g[0];
        c->vy[i] += r * c->uy[i] + b * g[1];
        if (c->dims == 3) c->vz[i] += r * c->uz[i] + b * g[2];
    }
}

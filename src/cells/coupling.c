/* coupling.c: what cells put into and take out of the fields, as the
 * shared source (S, concentration/min) and uptake (U, 1/min) arrays the
 * field solvers apply (regensim/cells.h; docs/cells.md, "Coupling").
 *
 * A cell secreting at rate R (amount/min; amount = concentration x um^3,
 * x um^2 in 2D) adds R / V_voxel to S at its voxel, so the field's integral
 * grows by R per minute exactly; a cell taking up at rate k (1/min) adds
 * k V_cell / V_voxel to U there: it clears k times its own volume of fluid
 * per minute, implicitly (c / (1 + dt U)), so the field stays
 * non-negative. A secretion with a saturation C secretes R (1 - c/C): R /
 * V_voxel to S and R / (V_voxel C) to U, so an implicit step never takes
 * the voxel past C. Several cells in one voxel add up in storage order, which
 * is the same for any thread count (cells.h), so the sums are too. */
#include "regensim/cells.h"
#include "cells/voxel.h"

void rs_cell_deposit(const rs_cells *c, const rs_grid *g, const double *secretion,
                     const double *saturation, const double *uptake, double *S, double *U)
{
    const double vvox = g->dx * g->dx * (g->nz > 1 ? g->dx : 1.0); /* as metrics integrate */
    /* The rates of the type of the cell before (runs of one type are the
     * rule): read, and the source divided, once per run. */
    int last = -1;
    double rs = 0, ru = 0, source = 0, sink = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (c->phase[i] != RS_CELL_ALIVE) continue;
        const int t = c->type[i];
        if (t != last) {
            last = t;
            rs = secretion ? secretion[t] : 0;
            ru = uptake ? uptake[t] : 0;
            source = rs / vvox;
            const double sat = saturation ? saturation[t] : 0;
            sink = rs != 0 && sat > 0 && U ? rs / (vvox * sat) : 0;
        }
        if (rs == 0 && ru == 0) continue;
        const size_t v = rs_cell_voxel_of(g, c->x[i], c->y[i], c->z[i]);
        if (rs != 0) S[v] += source;
        if (sink != 0) U[v] += sink;
        if (ru != 0) U[v] += ru * c->volume[i] / vvox;
    }
}

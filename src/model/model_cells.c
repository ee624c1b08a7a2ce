/* model_cells.c: the checks of a model's cell types that need more than
 * one key (model_resolve.c calls them once every value is resolved): the
 * number of types and states the engine holds, chemotactic sensitivities
 * that add up to at most 1, and a mechanics step within the stability
 * limit of the types' pair potentials (docs/cells.md, "Mechanics"). */
#include <math.h>
#include <stdio.h>

#include "regensim/alloc.h"
#include "model/model_impl.h"

/* Most cell types and states per type (regensim/cells.h has the same
 * limits: RS_CELLS_MAX_TYPES, RS_CELLS_MAX_STATES). */
#define MAX_TYPES 64
#define MAX_STATES 64

double rs_model_mechanics_dt_limit(const rs_model *m)
{
    double rmin = INFINITY, cmax = 0;
    for (int t = 0; t < m->ncell_types; t++) {
        rmin = fmin(rmin, m->cell_types[t].radius.value);
        cmax = fmax(cmax, m->cell_types[t].mechanics.repulsion.value);
    }
    return cmax > 0 && rmin < INFINITY ? 0.5 * rmin / cmax : INFINITY;
}

/* Where a value came from, or the file's top when it was defaulted. */
static rs_model_pos at_or_top(rs_model_pos p)
{
    return p.line || p.set ? p : (rs_model_pos){1, 1, 0, 0};
}

/* Initial cells that would not fit in memory, refused before anything is
 * allocated, at the entry that asks for the most. */
static void check_cell_memory(mctx *c)
{
    const rs_model *m = c->m;
    rs_model_summary sum;
    rs_model_summarize(m, &sum);
    const double bytes = sum.memory_bytes; /* fields and cells */
    if (!(bytes > rs_memory_available())) return;
    int worst = -1;
    double most = -1;
    for (int i = 0; i < m->ninitial; i++) {
        const rs_model_initial *in = &m->initial[i];
        if (!in->cells) continue;
        double n = !isnan(in->count.value)
                       ? in->count.value
                       : in->density.value *
                             rs_region_volume(&in->region.shape, &sum.grid, sum.dims);
        if (n > most) {
            most = n;
            worst = i;
        }
    }
    if (worst < 0) return;
    const rs_model_initial *in = &m->initial[worst];
    const rs_model_number *num = !isnan(in->count.value) ? &in->count : &in->density;
    rs_model_err(c, at_or_top(num->pos),
                 "initial[%d].%s: %g places about %.3g cells; with the model's other cells "
                 "(%.3g in all, about %g bytes each) and its fields the run needs %.3g GB "
                 "and this machine has %.3g GB; expected fewer cells",
                 worst, num == &in->count ? "count" : "density", num->value, most,
                 sum.expected_cells, RS_MODEL_BYTES_PER_CELL, bytes / 1e9,
                 rs_memory_available() / 1e9);
}

void rs_model_check_cells(mctx *c)
{
    const rs_model *m = c->m;
    if (m->ncell_types == 0) return;
    check_cell_memory(c);
    if (m->ncell_types > MAX_TYPES)
        rs_model_err(c, at_or_top(m->cell_types[MAX_TYPES].radius.pos),
                     "cell_types: %d types; expected at most %d", m->ncell_types, MAX_TYPES);
    for (int t = 0; t < m->ncell_types; t++) {
        const rs_model_cell_type *ct = &m->cell_types[t];
        if (ct->nstates > MAX_STATES)
            rs_model_err(c, at_or_top(ct->states[MAX_STATES].initial.pos),
                         "cell_types.%s.states: %d states; expected at most %d", ct->name,
                         ct->nstates, MAX_STATES);
        double sum = 0;
        for (int k = 0; k < ct->motility.nchemotaxis; k++)
            sum += fabs(ct->motility.chemotaxis[k].value.value);
        if (sum > 1 + 1e-12)
            rs_model_err(c, at_or_top(ct->motility.chemotaxis[0].value.pos),
                         "cell_types.%s.motility.chemotaxis: sensitivities add up to %g in "
                         "absolute value; expected at most 1 (the share of the cell's speed "
                         "that follows gradients)", ct->name, sum);
    }
    const double limit = rs_model_mechanics_dt_limit(m);
    const double d = m->time.dt.diffusion.value, k = m->time.dt.mechanics.value;
    if (!(d > 0) || !(k > 0) || !isfinite(limit)) return; /* said already, or no limit */
    int sub;
    const double h = rs_model_mechanics_dt(m, &sub);
    if (h > limit * (1 + 1e-12)) {
        char sched[96] = "";
        if (h != k) snprintf(sched, sizeof sched, " (%g min as scheduled on dt.diffusion %g)", h, d);
        rs_model_err(c, at_or_top(m->time.dt.mechanics.pos),
                     "time.dt.mechanics: %g%s is above the stability limit %.4g min of the "
                     "cells' mechanics (0.5 x the smallest radius / the largest repulsion); "
                     "expected a mechanics step <= %.4g (min)", k, sched, limit, limit);
    }
}

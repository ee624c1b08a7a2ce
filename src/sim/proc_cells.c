/* proc_cells.c: the `cells` process, after `reactions` in the table
 * (processes.c). It owns the population in the shared state: it places the
 * model's initial cells at create, applies the `inject` and `remove`
 * interventions at their steps, and at every diffusion step adds the live
 * cells' secretion and uptake, from their positions at the start of the
 * step, to the shared source and uptake arrays that `fields` applies
 * (kernels in src/cells: placement.c, coupling.c).
 *
 * A model without cell types has no population: the process then does
 * nothing. Random draws are keyed by (seed, key, step, purpose): an
 * initial entry's placement by 2^40 + its index, an intervention's by
 * 2^41 + its index, a removal by the cell's id. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/process.h"

/* Keys of the placement streams (beyond any cell id a run reaches). */
#define KEY_INITIAL (1ull << 40)
#define KEY_INJECT (1ull << 41)

/* An `inject` or `remove` intervention at its step. */
typedef struct cell_iv {
    int64_t step;
    int index; /* into the model's interventions */
} cell_iv;

typedef struct cells_proc {
    int ntypes, nf;
    double *secretion;  /* nf x ntypes: amount/min per cell */
    double *uptake;     /* nf x ntypes: 1/min of the cell's volume */
    double **S, **U;    /* per substrate: the shared arrays, or NULL when no cell uses them */
    int nivs;
    cell_iv *ivs;
    unsigned char *keep; /* removal work space */
    size_t keep_cap;
} cells_proc;

static void cells_destroy(void *self)
{
    cells_proc *p = self;
    if (!p) return;
    free(p->secretion);
    free(p->uptake);
    free(p->S);
    free(p->U);
    free(p->ivs);
    free(p->keep);
    free(p);
}

/* The number of cells a count or density asks for in a region: the count,
 * or the density times the region's measure on the grid (voxel centres in
 * it times the voxel's volume; area in 2D), rounded. */
static rs_status cells_wanted(const rs_sim_state *st, const rs_model_number *count,
                              const rs_model_number *density, const rs_region *region,
                              const char *what, size_t *out, rs_error *err)
{
    if (!isnan(count->value)) {
        *out = (size_t)count->value;
        return RS_OK;
    }
    double d;
    rs_status s = rs_sim_number_now(st, density, &d, err);
    if (s != RS_OK) return s;
    size_t *idx = NULL, nv = 0;
    s = rs_region_voxels(&st->g, region, &idx, &nv, err);
    free(idx);
    if (s != RS_OK) return s;
    const double vox = st->g.dx * st->g.dx * (st->dims == 3 ? st->g.dx : 1.0);
    const double n = floor(d * (double)nv * vox + 0.5);
    if (!(n <= (double)RS_CELLS_MAX))
        return rs_error_set(err, RS_ETOOBIG, "%s: density %g asks for %.3g cells; at most %zu",
                            what, d, n, (size_t)RS_CELLS_MAX);
    *out = (size_t)n;
    return RS_OK;
}

/* Places cells of the named type: count or density in region. */
static rs_status place(rs_sim_state *st, const char *what, const char *type_name,
                       const rs_model_number *count, const rs_model_number *density,
                       const rs_region *region, uint64_t key, rs_error *err)
{
    const rs_model *m = st->m;
    const int type = rs_model_find_cell_type(m, type_name);
    if (type < 0) return rs_error_set(err, RS_EINVAL, "%s: unknown cell type '%s'", what, type_name);
    const rs_model_cell_type *ct = &m->cell_types[type];
    double states[RS_CELLS_MAX_STATES];
    for (int k = 0; k < ct->nstates && k < RS_CELLS_MAX_STATES; k++)
        states[k] = ct->states[k].initial.value;
    rs_cell_placement p = {.what = what, .type = type, .radius = ct->radius.value,
                           .region = region, .nstates = ct->nstates, .states = states,
                           .seed = st->seed, .key = key};
    memcpy(p.size, st->size, sizeof p.size);
    rs_status s = cells_wanted(st, count, density, region, what, &p.count, err);
    if (s != RS_OK) return s;
    return rs_cells_place(st->cells, &p, err);
}

/* Per type and substrate, the secretion and uptake rates. */
static rs_status plan_coupling(cells_proc *p, rs_sim_state *st, rs_error *err)
{
    const rs_model *m = st->m;
    for (int t = 0; t < p->ntypes; t++) {
        const rs_model_cell_type *ct = &m->cell_types[t];
        for (int k = 0; k < ct->nsecretes + ct->nuptakes; k++) {
            const int up = k >= ct->nsecretes;
            const rs_model_named_number *nn = up ? &ct->uptakes[k - ct->nsecretes]
                                                 : &ct->secretes[k];
            int f = rs_model_find_substrate(m, nn->name);
            if (f < 0)
                return rs_error_set(err, RS_EINVAL, "cell_types.%s.%s: unknown substrate '%s'",
                                    ct->name, up ? "uptakes" : "secretes", nn->name);
            double v;
            rs_status s = rs_sim_number_now(st, &nn->value, &v, err);
            if (s != RS_OK) return s;
            (up ? p->uptake : p->secretion)[(size_t)f * p->ntypes + t] = v;
            s = up ? rs_sim_state_uptake(st, f, &p->U[f], err)
                   : rs_sim_state_source(st, f, &p->S[f], err);
            if (s != RS_OK) return s;
        }
    }
    return RS_OK;
}

static rs_status cells_create(void **self, rs_sim_state *st, rs_error *err)
{
    const rs_model *m = st->m;
    cells_proc *p = calloc(1, sizeof *p);
    if (!p) return rs_error_set(err, RS_ENOMEM, "out of memory");
    *self = p;
    if (!st->cells) return RS_OK;
    p->ntypes = m->ncell_types;
    p->nf = st->nf;
    const size_t rates = (size_t)p->nf * (size_t)p->ntypes + 1;
    p->secretion = calloc(rates, sizeof *p->secretion);
    p->uptake = calloc(rates, sizeof *p->uptake);
    p->S = calloc((size_t)p->nf + 1, sizeof *p->S);
    p->U = calloc((size_t)p->nf + 1, sizeof *p->U);
    p->ivs = calloc((size_t)m->ninterventions + 1, sizeof *p->ivs);
    rs_status s = p->secretion && p->uptake && p->S && p->U && p->ivs
                      ? plan_coupling(p, st, err)
                      : rs_error_set(err, RS_ENOMEM, "out of memory");
    for (int i = 0; s == RS_OK && i < m->ninitial; i++) {
        const rs_model_initial *in = &m->initial[i];
        if (!in->cells) continue;
        char what[32];
        snprintf(what, sizeof what, "initial[%d]", i);
        s = place(st, what, in->cells, &in->count, &in->density, &in->region.shape,
                  KEY_INITIAL + (uint64_t)i, err);
    }
    for (int i = 0; s == RS_OK && i < m->ninterventions; i++) {
        const rs_model_intervention *iv = &m->interventions[i];
        if (iv->action != RS_ACTION_INJECT && iv->action != RS_ACTION_REMOVE) continue;
        int64_t at = rs_clock_step_of(iv->at.value, st->dt);
        if (at < 0)
            s = rs_error_set(err, RS_EINVAL, "interventions[%d].at: %g is out of range", i,
                             iv->at.value);
        p->ivs[p->nivs++] = (cell_iv){at, i};
    }
    if (s != RS_OK) {
        cells_destroy(p);
        *self = NULL;
    }
    return s;
}

/* Applies one `inject` or `remove` intervention. */
static rs_status apply_intervention(cells_proc *p, rs_sim_state *st, int i, rs_error *err)
{
    const rs_model_intervention *iv = &st->m->interventions[i];
    char what[48];
    if (iv->action == RS_ACTION_INJECT) {
        snprintf(what, sizeof what, "interventions[%d].inject", i);
        return place(st, what, iv->inject.cells, &iv->inject.count, &iv->inject.density,
                     &iv->inject.region.shape, KEY_INJECT + (uint64_t)i, err);
    }
    rs_cells *c = st->cells;
    const int type = rs_model_find_cell_type(st->m, iv->remove.cells);
    if (type < 0)
        return rs_error_set(err, RS_EINVAL, "interventions[%d].remove: unknown cell type '%s'",
                            i, iv->remove.cells);
    if (p->keep_cap < c->n) {
        /* An intervention's one allocation: the removal mask, grown once. */
        unsigned char *k = realloc(p->keep, c->cap);
        if (!k) return rs_error_set(err, RS_ENOMEM, "out of memory for a removal");
        p->keep = k;
        p->keep_cap = c->cap;
    }
    double fraction;
    rs_status s = rs_sim_number_now(st, &iv->remove.fraction, &fraction, err);
    if (s != RS_OK) return s;
    rs_cells_remove_fraction(c, type, &iv->remove.region.shape, fraction, st->seed,
                             (uint64_t)st->steps, p->keep);
    return RS_OK;
}

static rs_status cells_step(void *self, rs_sim_state *st, rs_error *err)
{
    cells_proc *p = self;
    if (!st->cells) return RS_OK;
    for (int k = 0; k < p->nivs; k++)
        if (p->ivs[k].step == st->steps) {
            rs_status s = apply_intervention(p, st, p->ivs[k].index, err);
            if (s != RS_OK) return s;
        }
    for (int f = 0; f < p->nf; f++)
        if (p->S[f] || p->U[f])
            rs_cell_deposit(st->cells, &st->g,
                            p->S[f] ? p->secretion + (size_t)f * p->ntypes : NULL,
                            p->U[f] ? p->uptake + (size_t)f * p->ntypes : NULL, p->S[f],
                            p->U[f]);
    return RS_OK;
}

/* Re-evaluates the rates (they may be expressions of parameters). */
static rs_status cells_parameters_changed(void *self, rs_sim_state *st, rs_error *err)
{
    cells_proc *p = self;
    if (!st->cells) return RS_OK;
    return plan_coupling(p, st, err);
}

const rs_process_ops rs_process_cells = {
    .name = "cells",
    .cadence = RS_CADENCE_DIFFUSION,
    .create = cells_create,
    .step = cells_step,
    .destroy = cells_destroy,
    .parameters_changed = cells_parameters_changed,
};

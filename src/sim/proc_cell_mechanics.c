/* proc_cell_mechanics.c: the `cell_mechanics` process, every dt.mechanics
 * (processes.c). It builds the kernels' per-type tables from the model
 * (mechanics, motility and chemotaxis: numbers that may be expressions of
 * parameters, re-evaluated when a `set` changes them) and the neighbour
 * bins once, then at each of its steps runs the kernels of src/cells in
 * order: bins (counting sort of the cells), pair forces, motility, move.
 * A dt.mechanics shorter than dt.diffusion is run as that many sub-steps
 * of each diffusion step (rs_model_mechanics_dt). Nothing is allocated in
 * a step. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/process.h"

typedef struct mechanics_proc {
    int ntypes;
    double dt;                 /* the mechanics step as scheduled (rs_model_mechanics_dt) */
    int nsub;                  /* mechanics steps per diffusion step when dt.mechanics is shorter */
    rs_cell_mechanics *mech;   /* per type */
    rs_cell_motility *mot;     /* per type */
    int *chemo_substrate;      /* all types' chemotaxis entries, in order */
    double *chemo_sensitivity;
    rs_neighbour_bins *bins;
} mechanics_proc;

static void mechanics_destroy(void *self)
{
    mechanics_proc *p = self;
    if (!p) return;
    free(p->mech);
    free(p->mot);
    free(p->chemo_substrate);
    free(p->chemo_sensitivity);
    rs_neighbour_bins_destroy(p->bins);
    free(p);
}

/* Fills the per-type tables from the model under the current parameters. */
static rs_status plan_types(mechanics_proc *p, rs_sim_state *st, rs_error *err)
{
    const rs_model *m = st->m;
    int e = 0;
    for (int t = 0; t < p->ntypes; t++) {
        const rs_model_cell_type *ct = &m->cell_types[t];
        rs_cell_mechanics *mc = &p->mech[t];
        rs_cell_motility *mo = &p->mot[t];
        rs_status s;
        if ((s = rs_sim_number_now(st, &ct->mechanics.repulsion, &mc->repulsion, err)) ||
            (s = rs_sim_number_now(st, &ct->mechanics.adhesion, &mc->adhesion, err)) ||
            (s = rs_sim_number_now(st, &ct->mechanics.adhesion_range, &mc->adhesion_range,
                                   err)) ||
            (s = rs_sim_number_now(st, &ct->motility.speed, &mo->speed, err)) ||
            (s = rs_sim_number_now(st, &ct->motility.persistence, &mo->persistence, err)))
            return s;
        mc->fixed = ct->fixed;
        mo->nchemotaxis = ct->motility.nchemotaxis;
        mo->substrate = p->chemo_substrate + e;
        mo->sensitivity = p->chemo_sensitivity + e;
        for (int k = 0; k < ct->motility.nchemotaxis; k++, e++) {
            const rs_model_named_number *ch = &ct->motility.chemotaxis[k];
            p->chemo_substrate[e] = rs_model_find_substrate(m, ch->name);
            if (p->chemo_substrate[e] < 0)
                return rs_error_set(err, RS_EINVAL,
                                    "cell_types.%s.motility.chemotaxis: unknown substrate '%s'",
                                    ct->name, ch->name);
            if ((s = rs_sim_number_now(st, &ch->value, &p->chemo_sensitivity[e], err)))
                return s;
        }
    }
    return RS_OK;
}

static rs_status mechanics_create(void **self, rs_sim_state *st, rs_error *err)
{
    const rs_model *m = st->m;
    mechanics_proc *p = calloc(1, sizeof *p);
    if (!p) return rs_error_set(err, RS_ENOMEM, "out of memory");
    *self = p;
    if (!st->cells) return RS_OK;
    p->ntypes = m->ncell_types;
    int nchemo = 0;
    for (int t = 0; t < p->ntypes; t++) nchemo += m->cell_types[t].motility.nchemotaxis;
    p->mech = calloc((size_t)p->ntypes, sizeof *p->mech);
    p->mot = calloc((size_t)p->ntypes, sizeof *p->mot);
    p->chemo_substrate = calloc((size_t)nchemo + 1, sizeof *p->chemo_substrate);
    p->chemo_sensitivity = calloc((size_t)nchemo + 1, sizeof *p->chemo_sensitivity);
    double radii[RS_CELLS_MAX_TYPES];
    rs_status s = p->mech && p->mot && p->chemo_substrate && p->chemo_sensitivity
                      ? RS_OK
                      : rs_error_set(err, RS_ENOMEM, "out of memory");
    if (s == RS_OK && p->ntypes > RS_CELLS_MAX_TYPES)
        s = rs_error_set(err, RS_EINVAL, "%d cell types; at most %d", p->ntypes,
                         RS_CELLS_MAX_TYPES);
    if (s == RS_OK) s = plan_types(p, st, err);
    for (int t = 0; s == RS_OK && t < p->ntypes; t++) radii[t] = m->cell_types[t].radius.value;
    if (s == RS_OK) {
        /* The adhesion range may grow through a `set`: bins sized for the
         * largest the model's numbers give now. */
        double reach = rs_cell_mechanics_reach(p->mech, radii, p->ntypes);
        s = rs_neighbour_bins_create(&p->bins, st->dims, st->size, reach, err);
    }
    p->dt = rs_model_mechanics_dt(m, &p->nsub);
    if (s != RS_OK) {
        mechanics_destroy(p);
        *self = NULL;
    }
    return s;
}

static rs_status mechanics_step(void *self, rs_sim_state *st, rs_error *err)
{
    (void)err;
    mechanics_proc *p = self;
    rs_cells *c = st->cells;
    if (!c) return RS_OK;
    for (int k = 0; k < p->nsub; k++) {
        rs_neighbour_bins_build(p->bins, c);
        rs_cell_forces(c, p->bins, p->mech, p->ntypes);
        /* The draws' counter: one per mechanics step of the run. */
        rs_cell_motility_env env = {&st->g, (const double *const *)st->fields, st->seed,
                                    (uint64_t)st->steps * (uint64_t)p->nsub + (uint64_t)k,
                                    p->dt};
        rs_cell_motility_add(c, p->mot, p->mech, p->ntypes, &env);
        rs_cell_move(c, st->size, p->dt);
    }
    return RS_OK;
}

/* The loader refuses a dt.mechanics above the stability limit 0.5 r_min /
 * c_r max of the values at load (model_cells.c); a `set` may raise a
 * repulsion past it during the run, which would fling cells across the
 * domain: refused here, at the step of the `set` (or at a restore). */
static rs_status check_stable(const mechanics_proc *p, const rs_sim_state *st, rs_error *err)
{
    double rmin = INFINITY, cmax = 0;
    int worst = 0;
    for (int t = 0; t < p->ntypes; t++) {
        rmin = fmin(rmin, st->m->cell_types[t].radius.value);
        if (p->mech[t].repulsion > cmax) {
            cmax = p->mech[t].repulsion;
            worst = t;
        }
    }
    const double limit = cmax > 0 ? 0.5 * rmin / cmax : INFINITY;
    if (!(p->dt > limit * (1 + 1e-12))) return RS_OK;
    return rs_error_set(err, RS_EINVAL,
                        "cell_types.%s.mechanics.repulsion: %g um/min from t = %g min (a "
                        "`set`) puts the mechanics step %g min above its stability limit "
                        "%.4g min (0.5 x the smallest radius / the largest repulsion); "
                        "expected time.dt.mechanics <= %.4g, or a smaller repulsion",
                        st->m->cell_types[worst].name, cmax, rs_sim_state_time(st), p->dt,
                        limit, limit);
}

static rs_status mechanics_parameters_changed(void *self, rs_sim_state *st, rs_error *err)
{
    mechanics_proc *p = self;
    if (!st->cells) return RS_OK;
    rs_status s = plan_types(p, st, err);
    if (s == RS_OK) s = check_stable(p, st, err);
    if (s != RS_OK) return s;
    /* A longer adhesion range needs wider bins. */
    double radii[RS_CELLS_MAX_TYPES];
    for (int t = 0; t < p->ntypes; t++) radii[t] = st->m->cell_types[t].radius.value;
    double reach = rs_cell_mechanics_reach(p->mech, radii, p->ntypes);
    int wide = 1;
    for (int d = 0; d < st->dims; d++)
        wide &= p->bins->edge[d] >= reach || p->bins->nb[d] == 1;
    if (wide) return RS_OK;
    rs_neighbour_bins *b = NULL;
    s = rs_neighbour_bins_create(&b, st->dims, st->size, reach, err);
    if (s != RS_OK) return s;
    rs_neighbour_bins_destroy(p->bins);
    p->bins = b;
    return RS_OK;
}

const rs_process_ops rs_process_cell_mechanics = {
    .name = "cell_mechanics",
    .cadence = RS_CADENCE_MECHANICS,
    .create = mechanics_create,
    .step = mechanics_step,
    .destroy = mechanics_destroy,
    .parameters_changed = mechanics_parameters_changed,
};

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
 * 2^41 + its index, a removal by the cell's id.
 *
 * It owns the population's sections of the output (docs/output.md): at
 * every snapshot the table /cells/<k> of run.h5 (id, type, position,
 * radius, phase, age and one column per distinct state name, NaN for the
 * cells whose type lacks that state), and in checkpoint.h5 the group
 * /cells with every array of the state, exactly (doubles, and uint64 for
 * ids), in storage order, so that a resumed run continues bitwise. */
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
    double *saturation; /* nf x ntypes: concentration a secretion stops at; 0: none */
    double **S, **U;    /* per substrate: the shared arrays, or NULL when no cell uses them */
    int nivs;
    cell_iv *ivs;
    unsigned char *keep; /* removal work space */
    size_t keep_cap;
    /* output: the run.h5 section and its table's state columns */
    rs_io_section *out;
    int nnames;          /* distinct state names over all types */
    const char **names;  /* borrowed from the model */
    int *slot_of;        /* ntypes x nnames: the type's slot of name k, or -1 */
    double *col;         /* one column's values (snapshots, checkpoints), grown as needed */
    size_t col_cap;
} cells_proc;

static void cells_destroy(void *self)
{
    cells_proc *p = self;
    if (!p) return;
    free(p->secretion);
    free(p->uptake);
    free(p->saturation);
    free(p->S);
    free(p->U);
    free(p->ivs);
    free(p->keep);
    free(p->names);
    free(p->slot_of);
    free(p->col);
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
                       const rs_model_number *spacing, const rs_region *region, uint64_t key,
                       rs_error *err)
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
    if (s == RS_OK) s = rs_sim_number_now(st, spacing, &p.spacing, err);
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
            const char *name = up ? ct->uptakes[k - ct->nsecretes].name : ct->secretes[k].name;
            const rs_model_number *rate = up ? &ct->uptakes[k - ct->nsecretes].value
                                             : &ct->secretes[k].rate;
            int f = rs_model_find_substrate(m, name);
            if (f < 0)
                return rs_error_set(err, RS_EINVAL, "cell_types.%s.%s: unknown substrate '%s'",
                                    ct->name, up ? "uptakes" : "secretes", name);
            const size_t at = (size_t)f * p->ntypes + t;
            rs_status s = rs_sim_number_now(st, rate, up ? &p->uptake[at] : &p->secretion[at],
                                            err);
            if (s == RS_OK && !up)
                s = rs_sim_number_now(st, &ct->secretes[k].saturation, &p->saturation[at], err);
            if (s != RS_OK) return s;
            s = up ? rs_sim_state_uptake(st, f, &p->U[f], err)
                   : rs_sim_state_source(st, f, &p->S[f], err);
            /* a saturating secretion needs the uptake array too */
            if (s == RS_OK && !up && p->saturation[at] > 0)
                s = rs_sim_state_uptake(st, f, &p->U[f], err);
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
    p->saturation = calloc(rates, sizeof *p->saturation);
    p->S = calloc((size_t)p->nf + 1, sizeof *p->S);
    p->U = calloc((size_t)p->nf + 1, sizeof *p->U);
    p->ivs = calloc((size_t)m->ninterventions + 1, sizeof *p->ivs);
    rs_status s = p->secretion && p->uptake && p->saturation && p->S && p->U && p->ivs
                      ? plan_coupling(p, st, err)
                      : rs_error_set(err, RS_ENOMEM, "out of memory");
    for (int i = 0; s == RS_OK && i < m->ninitial; i++) {
        const rs_model_initial *in = &m->initial[i];
        if (!in->cells) continue;
        char what[32];
        snprintf(what, sizeof what, "initial[%d]", i);
        s = place(st, what, in->cells, &in->count, &in->density, &in->spacing,
                  &in->region.shape,
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
                     &iv->inject.spacing, &iv->inject.region.shape, KEY_INJECT + (uint64_t)i, err);
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
                            p->S[f] ? p->saturation + (size_t)f * p->ntypes : NULL,
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

/* ---- output: /cells/<k> in run.h5 --------------------------------------- */

/* The fixed columns of the table, before the state columns. */
enum { COL_ID, COL_TYPE, COL_POSITION, COL_RADIUS, COL_PHASE, COL_AGE, NFIXED };
static const rs_io_column fixed_columns[NFIXED] = {
    {"id", RS_IO_COLUMN_UINT64, 1, NULL},
    {"type", RS_IO_COLUMN_INT32, 1, NULL},
    {"position", RS_IO_COLUMN_REAL, 3, "um"},
    {"radius", RS_IO_COLUMN_REAL, 1, "um"},
    {"phase", RS_IO_COLUMN_INT32, 1, NULL},
    {"age", RS_IO_COLUMN_REAL, 1, "min"},
};

/* p->col with room for n values. */
static rs_status col_reserve(cells_proc *p, size_t n, rs_error *err)
{
    if (n <= p->col_cap) return RS_OK;
    double *c = realloc(p->col, n * sizeof *c);
    if (!c) return rs_error_set(err, RS_ENOMEM, "out of memory for %zu cells' output", n);
    p->col = c;
    p->col_cap = n;
    return RS_OK;
}

/* The distinct state names (types in order, then their slots) and, per
 * type, the slot holding each. */
static rs_status plan_state_names(cells_proc *p, const rs_model *m, rs_error *err)
{
    int total = 0;
    for (int t = 0; t < p->ntypes; t++) total += m->cell_types[t].nstates;
    p->names = calloc((size_t)total + 1, sizeof *p->names);
    p->slot_of = malloc(((size_t)p->ntypes * (size_t)total + 1) * sizeof *p->slot_of);
    if (!p->names || !p->slot_of) return rs_error_set(err, RS_ENOMEM, "out of memory");
    for (int t = 0; t < p->ntypes; t++)
        for (int s = 0; s < m->cell_types[t].nstates; s++) {
            const char *name = m->cell_types[t].states[s].name;
            int k = 0;
            while (k < p->nnames && strcmp(p->names[k], name) != 0) k++;
            if (k == p->nnames) {
                for (int f = 0; f < NFIXED; f++)
                    if (strcmp(name, fixed_columns[f].name) == 0)
                        return rs_error_set(err, RS_EINVAL,
                                            "cell_types.%s.states.%s: '%s' names a column of "
                                            "every cell in run.h5 (/cells/<k>/: id, type, "
                                            "position, radius, phase, age); rename the state",
                                            m->cell_types[t].name, name, name);
                p->names[p->nnames++] = name;
            }
        }
    for (int t = 0; t < p->ntypes; t++)
        for (int k = 0; k < p->nnames; k++) {
            int slot = -1;
            for (int s = 0; s < m->cell_types[t].nstates; s++)
                if (strcmp(m->cell_types[t].states[s].name, p->names[k]) == 0) slot = s;
            p->slot_of[(size_t)t * (size_t)p->nnames + (size_t)k] = slot;
        }
    return RS_OK;
}

static rs_status cells_output_declare(void *self, const rs_sim_state *st, rs_io_run *w,
                                      rs_error *err)
{
    cells_proc *p = self;
    if (!st->cells) return RS_OK; /* no cell types: no /cells */
    rs_status s = p->names ? RS_OK : plan_state_names(p, st->m, err);
    if (s != RS_OK) {
        free(p->names);
        free(p->slot_of);
        p->names = NULL;
        p->slot_of = NULL;
        p->nnames = 0;
        return s;
    }
    rs_io_column *cols = calloc((size_t)NFIXED + (size_t)p->nnames, sizeof *cols);
    if (!cols) return rs_error_set(err, RS_ENOMEM, "out of memory");
    memcpy(cols, fixed_columns, sizeof fixed_columns);
    for (int k = 0; k < p->nnames; k++)
        cols[NFIXED + k] = (rs_io_column){p->names[k], RS_IO_COLUMN_REAL, 1, NULL};
    s = rs_io_run_section(w, "cells", &p->out, err);
    if (s == RS_OK) s = rs_io_section_table(p->out, NFIXED + p->nnames, cols, COL_POSITION, err);
    free(cols);
    return s;
}

static rs_status cells_output_snapshot(void *self, const rs_sim_state *st, rs_error *err)
{
    cells_proc *p = self;
    const rs_cells *c = st->cells;
    if (!c || !p->out) return RS_OK;
    const size_t n = c->n;
    const void *id[1] = {c->id}, *type[1] = {c->type}, *pos[3] = {c->x, c->y, c->z},
               *radius[1] = {c->radius}, *phase[1] = {c->phase}, *age[1] = {c->age};
    rs_status s = rs_io_section_table_begin(p->out, n, err);
    if (s == RS_OK) s = rs_io_section_table_put_column(p->out, COL_ID, id, err);
    if (s == RS_OK) s = rs_io_section_table_put_column(p->out, COL_TYPE, type, err);
    if (s == RS_OK) s = rs_io_section_table_put_column(p->out, COL_POSITION, pos, err);
    if (s == RS_OK) s = rs_io_section_table_put_column(p->out, COL_RADIUS, radius, err);
    if (s == RS_OK) s = rs_io_section_table_put_column(p->out, COL_PHASE, phase, err);
    if (s == RS_OK) s = rs_io_section_table_put_column(p->out, COL_AGE, age, err);
    if (s == RS_OK && p->nnames > 0) s = col_reserve(p, n, err);
    for (int k = 0; s == RS_OK && k < p->nnames; k++) {
        /* slot s of a cell of type t is the type's state s: one column per
         * name, NaN where the cell's type has no such state */
        for (size_t i = 0; i < n; i++) {
            const int slot = p->slot_of[(size_t)c->type[i] * (size_t)p->nnames + (size_t)k];
            p->col[i] = slot >= 0 ? c->state[slot][i] : NAN;
        }
        const void *v[1] = {p->col};
        s = rs_io_section_table_put_column(p->out, NFIXED + k, v, err);
    }
    return s == RS_OK ? rs_io_section_table_end(p->out, err) : s;
}

/* ---- checkpoint: /cells in checkpoint.h5 -------------------------------- */

/* Every double array of the population's state, by name (a quantity
 * added to rs_cells must be added here too, or a resume loses it). */
enum { NDOUBLES = 12 };
static void double_arrays(const rs_cells *c, const char **names, double **arrays)
{
    const char *const n[NDOUBLES] = {"x", "y", "z", "ux", "uy", "uz", "radius",
                                     "volume", "age", "neighbours", "pace", "bias"};
    double *const a[NDOUBLES] = {c->x, c->y, c->z, c->ux, c->uy, c->uz, c->radius,
                                 c->volume, c->age, c->neighbours, c->pace, c->bias};
    for (int i = 0; i < NDOUBLES; i++) {
        names[i] = n[i];
        arrays[i] = a[i];
    }
}

static rs_status cells_checkpoint_save(void *self, const rs_sim_state *st, rs_io_section *sec,
                                       rs_error *err)
{
    cells_proc *p = self;
    const rs_cells *c = st->cells;
    if (!c) return RS_OK;
    const size_t n = c->n;
    /* the counts as a checksummed array (attributes carry none) */
    const uint64_t counts[2] = {(uint64_t)n, c->next_id};
    rs_status s = rs_io_section_put_int64(sec, "dims", c->dims, err);
    if (s == RS_OK) s = rs_io_section_put_int64(sec, "nstates", c->nstates, err);
    if (s == RS_OK) s = rs_io_section_put_uint64s(sec, "counts", 2, counts, err);
    if (s == RS_OK) s = rs_io_section_put_uint64s(sec, "id", n, c->id, err);
    /* type and phase as doubles (exact for int32) */
    if (s == RS_OK) s = col_reserve(p, n + 1, err);
    for (int k = 0; s == RS_OK && k < 2; k++) {
        const int32_t *v = k == 0 ? c->type : c->phase;
        for (size_t i = 0; i < n; i++) p->col[i] = v[i];
        s = rs_io_section_put_doubles(sec, k == 0 ? "type" : "phase", 1, &n, p->col, err);
    }
    const char *names[NDOUBLES];
    double *arrays[NDOUBLES];
    double_arrays(c, names, arrays);
    for (int i = 0; s == RS_OK && i < NDOUBLES; i++)
        s = rs_io_section_put_doubles(sec, names[i], 1, &n, arrays[i], err);
    for (int k = 0; s == RS_OK && k < c->nstates; k++) {
        char name[32];
        snprintf(name, sizeof name, "state_%d", k);
        s = rs_io_section_put_doubles(sec, name, 1, &n, c->state[k], err);
    }
    return s;
}

/* Reads the int32 array `name` (stored as doubles) into out, checking
 * every value is a whole number in [0, limit). tmp: n doubles. */
static rs_status load_ints(rs_io_section *sec, const char *name, size_t n, int limit,
                           double *tmp, int32_t *out, rs_error *err)
{
    rs_status s = rs_io_section_get_doubles(sec, name, 1, &n, tmp, err);
    for (size_t i = 0; s == RS_OK && i < n; i++) {
        if (!(tmp[i] >= 0 && tmp[i] < limit && tmp[i] == floor(tmp[i])))
            return rs_error_set(err, RS_EIO, "checkpoint cells/%s[%zu] is %g; expected a whole "
                                "number from 0 to %d", name, i, tmp[i], limit - 1);
        out[i] = (int32_t)tmp[i];
    }
    return s;
}

static rs_status cells_checkpoint_load(void *self, rs_sim_state *st, rs_io_section *sec,
                                       rs_error *err)
{
    cells_proc *p = self;
    rs_cells *c = st->cells;
    if (!c) return RS_OK;
    int64_t dims = 0, nstates = -1;
    uint64_t counts[2] = {0, 0};
    rs_status s = rs_io_section_get_int64(sec, "dims", &dims, err);
    if (s == RS_OK) s = rs_io_section_get_int64(sec, "nstates", &nstates, err);
    if (s == RS_OK) s = rs_io_section_get_uint64s(sec, "counts", 2, counts, err);
    if (s != RS_OK) return s;
    if (dims != c->dims || nstates != c->nstates || counts[0] > RS_CELLS_MAX ||
        counts[0] > counts[1])
        return rs_error_set(err, RS_EINVAL,
                            "the checkpoint's cells (%lld-D, %lld state slots, %llu cells, next "
                            "id %llu) do not fit this model's (%d-D, %d state slots)",
                            (long long)dims, (long long)nstates, (unsigned long long)counts[0],
                            (unsigned long long)counts[1], c->dims, c->nstates);
    const size_t n = (size_t)counts[0];
    s = rs_cells_reserve(c, n, err);
    if (s == RS_OK) s = rs_io_section_get_uint64s(sec, "id", n, c->id, err);
    for (size_t i = 0; s == RS_OK && i < n; i++)
        if (c->id[i] >= counts[1])
            s = rs_error_set(err, RS_EIO, "checkpoint cells/id[%zu] is %llu, not below the next "
                             "id %llu", i, (unsigned long long)c->id[i],
                             (unsigned long long)counts[1]);
    /* the velocity work space holds the stored types and phases on the way */
    if (s == RS_OK) s = load_ints(sec, "type", n, p->ntypes, c->vx, c->type, err);
    if (s == RS_OK) s = load_ints(sec, "phase", n, RS_CELL_NECROTIC + 1, c->vx, c->phase, err);
    const char *names[NDOUBLES];
    double *arrays[NDOUBLES];
    double_arrays(c, names, arrays);
    for (int i = 0; s == RS_OK && i < NDOUBLES; i++)
        s = rs_io_section_get_doubles(sec, names[i], 1, &n, arrays[i], err);
    for (int k = 0; s == RS_OK && k < c->nstates; k++) {
        char name[32];
        snprintf(name, sizeof name, "state_%d", k);
        s = rs_io_section_get_doubles(sec, name, 1, &n, c->state[k], err);
    }
    if (s != RS_OK) return s;
    c->n = n;
    c->next_id = counts[1];
    return RS_OK;
}

const rs_process_ops rs_process_cells = {
    .name = "cells",
    .cadence = RS_CADENCE_DIFFUSION,
    .create = cells_create,
    .step = cells_step,
    .destroy = cells_destroy,
    .parameters_changed = cells_parameters_changed,
    .checkpoint_save = cells_checkpoint_save,
    .checkpoint_load = cells_checkpoint_load,
    .output_declare = cells_output_declare,
    .output_snapshot = cells_output_snapshot,
};

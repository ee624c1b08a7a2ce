/* proc_cell_phenotype.c: the `cell_phenotype` process, every dt.phenotype
 * (processes.c). It compiles each cell type's rules once (cycle,
 * apoptosis, necrosis, transitions and state rates: expressions of
 * parameters, the substrates and their gradients' magnitudes at the cell,
 * its states, age, neighbours, volume and radius, t and x, y, z) and
 * at each of its steps:
 *   1. evaluates them over blocks of cells of one type (inputs gathered
 *      into per-thread buffers, so each instruction is a loop over a
 *      block), all from the state at the start of the step;
 *   2. advances the states by explicit Euler (s += dt x rate) and sets
 *      the motility's pace and bias from the type's speed_factor and
 *      chemotaxis_factor rules (1 without them);
 *   3. decides at most one event per live cell, each with probability
 *      1 - exp(-rate dt), in the order apoptosis, necrosis, transition
 *      (the targets competing in proportion to their rates), division,
 *      from draws keyed by (seed, cell id, step, purpose);
 *   4. lets rs_cells_apply_fates (src/cells/phenotype.c) apply them in id
 *      order.
 * Before the rules, when the model has contact interactions, the cells
 * are binned and touching cells exchange states and engulf the dead
 * (src/cells/contact.c).
 * A rate that is negative or NaN counts as 0. Nothing is allocated in a
 * step, except room for daughters when the population outgrows it. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regensim/rng.h"
#include "regensim/threads.h"
#include "sim/process.h"

/* Cells per evaluation block. */
#define BLOCK 256

/* One cell type's compiled rules. */
typedef struct type_rules {
    rs_expr *cycle, *apoptosis, *necrosis;
    rs_expr *pace, *bias; /* motility.speed_factor, chemotaxis_factor */
    int ntrans;
    rs_expr **trans;  /* per transition */
    int *trans_to;    /* its target type */
    int nstates;
    rs_expr **state_rate;
    unsigned uses;    /* RS_EXPR_ALLOW_* read by any rule */
    int *uses_subst;  /* per substrate: read by any rule */
    int *uses_grad;   /* per substrate: its gradient read by any rule */
    int uses_cell[RS_EXPR_NCELL_INPUTS]; /* age, neighbours, volume, radius */
} type_rules;

/* One thread's block buffers. */
typedef struct block_buf {
    uint32_t idx[BLOCK];
    size_t vox[BLOCK]; /* each cell's voxel, found once per block */
    double x[BLOCK], y[BLOCK], z[BLOCK];
    double *subst; /* nf x BLOCK */
    double *grad;  /* nf x BLOCK: gradient magnitudes */
    double cell[RS_EXPR_NCELL_INPUTS][BLOCK];
    double *state; /* nstates x BLOCK */
    double *rate;  /* (nstates + 3 + ntrans max) x BLOCK */
    const double **subst_in, **state_in, **grad_in;
} block_buf;

typedef struct phenotype_proc {
    int ntypes, nf, ns, maxtrans;
    double dt;
    type_rules *rules;
    int nbuf;
    block_buf *buf;
    /* the fates' tables (rs_cell_fates points into these) */
    double *volume, *growth_time, *clearance_time;
    int *ndeposits;
    int **deposit_substrate;
    double **deposit_amount;
    int *state_map;
    double *state_initial;
    rs_cell_fates fates;
    /* contact interactions: NULL bins when the model has none */
    rs_neighbour_bins *bins;
    int *contact_slot;
    double *contact_rate, *engulf;
    rs_cell_contact contact;
} phenotype_proc;

static void rules_free(type_rules *r)
{
    rs_expr_destroy(r->cycle);
    rs_expr_destroy(r->apoptosis);
    rs_expr_destroy(r->necrosis);
    rs_expr_destroy(r->pace);
    rs_expr_destroy(r->bias);
    for (int k = 0; k < r->ntrans; k++) rs_expr_destroy(r->trans[k]);
    for (int k = 0; k < r->nstates; k++) rs_expr_destroy(r->state_rate[k]);
    free(r->trans);
    free(r->trans_to);
    free(r->state_rate);
    free(r->uses_subst);
    free(r->uses_grad);
}

static void phenotype_destroy(void *self)
{
    phenotype_proc *p = self;
    if (!p) return;
    for (int t = 0; p->rules && t < p->ntypes; t++) rules_free(&p->rules[t]);
    free(p->rules);
    for (int b = 0; p->buf && b < p->nbuf; b++) {
        free(p->buf[b].subst);
        free(p->buf[b].state);
        free(p->buf[b].rate);
        free(p->buf[b].subst_in);
        free(p->buf[b].state_in);
        free(p->buf[b].grad);
        free(p->buf[b].grad_in);
    }
    free(p->buf);
    free(p->volume);
    free(p->growth_time);
    free(p->clearance_time);
    free(p->ndeposits);
    for (int t = 0; t < p->ntypes; t++) {
        if (p->deposit_substrate) free(p->deposit_substrate[t]);
        if (p->deposit_amount) free(p->deposit_amount[t]);
    }
    free(p->deposit_substrate);
    free(p->deposit_amount);
    free(p->state_map);
    free(p->state_initial);
    rs_neighbour_bins_destroy(p->bins);
    free(p->contact_slot);
    free(p->contact_rate);
    free(p->engulf);
    free(p);
}

/* Compiles one rule of type t (NULL text or "0": no rule, *out NULL). */
static rs_status compile_rule(rs_sim_state *st, int t, const rs_model_expr *x, const char *key,
                              type_rules *r, rs_expr **out, rs_error *err)
{
    *out = NULL;
    if (!x->text || strcmp(x->text, "0") == 0) return RS_OK;
    const rs_model_cell_type *ct = &st->m->cell_types[t];
    rs_expr_symbols sym = rs_sim_symbols_table(
        &st->sy, st->m, st->params,
        RS_EXPR_ALLOW_POSITION | RS_EXPR_ALLOW_TIME | RS_EXPR_ALLOW_SUBSTRATES |
            RS_EXPR_ALLOW_STATES | RS_EXPR_ALLOW_CELL);
    sym.nstates = ct->nstates;
    sym.state_names = st->sy.type_states[t];
    rs_status s = rs_expr_compile(out, x->text, &sym, err);
    if (s != RS_OK) {
        char msg[sizeof err->msg];
        memcpy(msg, err->msg, sizeof msg);
        return rs_error_set(err, s, "cell_types.%.60s.%.60s: %.360s", ct->name, key, msg);
    }
    r->uses |= rs_expr_uses(*out);
    for (int f = 0; f < st->nf; f++) {
        r->uses_subst[f] |= rs_expr_uses_substrate(*out, f);
        r->uses_grad[f] |= rs_expr_uses_gradient(*out, f);
    }
    for (int k = 0; k < RS_EXPR_NCELL_INPUTS; k++) r->uses_cell[k] |= rs_expr_uses_cell_input(*out, k);
    return RS_OK;
}

/* Compiles every rule of type t. */
static rs_status compile_type(phenotype_proc *p, rs_sim_state *st, int t, rs_error *err)
{
    const rs_model_cell_type *ct = &st->m->cell_types[t];
    type_rules *r = &p->rules[t];
    r->ntrans = ct->ntransitions;
    r->nstates = ct->nstates;
    r->trans = calloc((size_t)r->ntrans + 1, sizeof *r->trans);
    r->trans_to = calloc((size_t)r->ntrans + 1, sizeof *r->trans_to);
    r->state_rate = calloc((size_t)r->nstates + 1, sizeof *r->state_rate);
    r->uses_subst = calloc((size_t)st->nf + 1, sizeof *r->uses_subst);
    r->uses_grad = calloc((size_t)st->nf + 1, sizeof *r->uses_grad);
    if (!r->trans || !r->trans_to || !r->state_rate || !r->uses_subst || !r->uses_grad)
        return rs_error_set(err, RS_ENOMEM, "out of memory");
    rs_status s;
    if ((s = compile_rule(st, t, &ct->cycle, "cycle", r, &r->cycle, err)) ||
        (s = compile_rule(st, t, &ct->apoptosis, "apoptosis", r, &r->apoptosis, err)) ||
        (s = compile_rule(st, t, &ct->necrosis, "necrosis", r, &r->necrosis, err)) ||
        (s = compile_rule(st, t, &ct->motility.speed_factor, "motility.speed_factor", r,
                          &r->pace, err)) ||
        (s = compile_rule(st, t, &ct->motility.chemotaxis_factor, "motility.chemotaxis_factor",
                          r, &r->bias, err)))
        return s;
    for (int k = 0; k < r->ntrans; k++) {
        char key[160];
        snprintf(key, sizeof key, "transitions.%.100s", ct->transitions[k].name);
        r->trans_to[k] = rs_model_find_cell_type(st->m, ct->transitions[k].name);
        if (r->trans_to[k] < 0)
            return rs_error_set(err, RS_EINVAL, "cell_types.%s.%s: unknown cell type",
                                ct->name, key);
        if ((s = compile_rule(st, t, &ct->transitions[k].expr, key, r, &r->trans[k], err)))
            return s;
    }
    for (int k = 0; k < r->nstates; k++) {
        char key[160];
        snprintf(key, sizeof key, "states.%.100s.rate", ct->states[k].name);
        if ((s = compile_rule(st, t, &ct->states[k].rate, key, r, &r->state_rate[k], err)))
            return s;
    }
    if (r->ntrans > p->maxtrans) p->maxtrans = r->ntrans;
    return RS_OK;
}

/* The per-type tables of rs_cell_fates. */
static rs_status plan_fates(phenotype_proc *p, rs_sim_state *st, rs_error *err)
{
    const rs_model *m = st->m;
    const int nt = p->ntypes, ns = p->ns;
    p->volume = calloc((size_t)nt, sizeof *p->volume);
    p->growth_time = calloc((size_t)nt, sizeof *p->growth_time);
    p->clearance_time = calloc((size_t)nt, sizeof *p->clearance_time);
    p->ndeposits = calloc((size_t)nt, sizeof *p->ndeposits);
    p->deposit_substrate = calloc((size_t)nt, sizeof *p->deposit_substrate);
    p->deposit_amount = calloc((size_t)nt, sizeof *p->deposit_amount);
    p->state_map = calloc((size_t)nt * nt * ns + 1, sizeof *p->state_map);
    p->state_initial = calloc((size_t)nt * ns + 1, sizeof *p->state_initial);
    if (!p->volume || !p->growth_time || !p->clearance_time || !p->ndeposits ||
        !p->deposit_substrate || !p->deposit_amount || !p->state_map || !p->state_initial)
        return rs_error_set(err, RS_ENOMEM, "out of memory");
    for (int t = 0; t < nt; t++) {
        const rs_model_cell_type *ct = &m->cell_types[t];
        rs_status s;
        double r;
        if ((s = rs_sim_number_now(st, &ct->radius, &r, err)) ||
            (s = rs_sim_number_now(st, &ct->growth_time, &p->growth_time[t], err)) ||
            (s = rs_sim_number_now(st, &ct->clearance_time, &p->clearance_time[t], err)))
            return s;
        p->volume[t] = rs_cells_volume_of(st->dims, r);
        p->ndeposits[t] = ct->ndeath_deposits;
        p->deposit_substrate[t] = calloc((size_t)ct->ndeath_deposits + 1, sizeof(int));
        p->deposit_amount[t] = calloc((size_t)ct->ndeath_deposits + 1, sizeof(double));
        if (!p->deposit_substrate[t] || !p->deposit_amount[t])
            return rs_error_set(err, RS_ENOMEM, "out of memory");
        for (int k = 0; k < ct->ndeath_deposits; k++) {
            p->deposit_substrate[t][k] = rs_model_find_substrate(m, ct->death_deposits[k].name);
            if (p->deposit_substrate[t][k] < 0)
                return rs_error_set(err, RS_EINVAL,
                                    "cell_types.%s.death_deposit: unknown substrate '%s'",
                                    ct->name, ct->death_deposits[k].name);
            if ((s = rs_sim_number_now(st, &ct->death_deposits[k].value,
                                       &p->deposit_amount[t][k], err)))
                return s;
        }
        for (int k = 0; k < ct->nstates; k++)
            p->state_initial[(size_t)t * ns + k] = ct->states[k].initial.value;
        /* From type a to t: slot k takes a's state of the same name. */
        for (int a = 0; a < nt; a++) {
            const rs_model_cell_type *from = &m->cell_types[a];
            int *map = p->state_map + ((size_t)a * nt + t) * (size_t)ns;
            for (int k = 0; k < ns; k++) {
                map[k] = -1;
                for (int j = 0; k < ct->nstates && j < from->nstates; j++)
                    if (strcmp(from->states[j].name, ct->states[k].name) == 0) map[k] = j;
            }
        }
    }
    p->fates = (rs_cell_fates){.ntypes = nt, .volume = p->volume, .growth_time = p->growth_time,
                               .clearance_time = p->clearance_time, .ndeposits = p->ndeposits,
                               .deposit_substrate = (const int *const *)p->deposit_substrate,
                               .deposit_amount = (const double *const *)p->deposit_amount,
                               .state_map = p->state_map, .state_initial = p->state_initial,
                               .g = &st->g, .fields = st->fields};
    memcpy(p->fates.size, st->size, sizeof p->fates.size);
    return RS_OK;
}

/* The contact tables (exchanged states by name, engulfment rates) and
 * bins as wide as the widest touching pair; none when no type has
 * contact interactions. */
static rs_status plan_contact(phenotype_proc *p, rs_sim_state *st, rs_error *err)
{
    const rs_model *m = st->m;
    const int nt = p->ntypes;
    const char *names[RS_CELLS_MAX_TYPES * RS_CELLS_MAX_STATES];
    int E = 0, engulfs = 0;
    double rmax = 0;
    for (int t = 0; t < nt; t++) {
        const rs_model_contact *k = &m->cell_types[t].contact;
        engulfs |= k->nengulfs > 0;
        rmax = fmax(rmax, m->cell_types[t].radius.value);
        for (int x = 0; x < k->nexchange; x++) {
            int seen = 0;
            for (int e = 0; e < E; e++) seen |= strcmp(names[e], k->exchange[x].name) == 0;
            if (!seen) names[E++] = k->exchange[x].name;
        }
    }
    if (E == 0 && !engulfs) return RS_OK;
    p->contact_slot = malloc(((size_t)nt * E + 1) * sizeof *p->contact_slot);
    p->contact_rate = calloc((size_t)nt * E + 1, sizeof *p->contact_rate);
    p->engulf = engulfs ? calloc((size_t)nt * nt, sizeof *p->engulf) : NULL;
    if (!p->contact_slot || !p->contact_rate || (engulfs && !p->engulf))
        return rs_error_set(err, RS_ENOMEM, "out of memory");
    for (int t = 0; t < nt; t++) {
        const rs_model_cell_type *ct = &m->cell_types[t];
        for (int e = 0; e < E; e++) {
            int *slot = &p->contact_slot[t * E + e];
            *slot = -1;
            for (int k = 0; k < ct->nstates; k++)
                if (strcmp(ct->states[k].name, names[e]) == 0) *slot = k;
            for (int x = 0; x < ct->contact.nexchange; x++)
                if (strcmp(ct->contact.exchange[x].name, names[e]) == 0) {
                    rs_status s = rs_sim_number_now(st, &ct->contact.exchange[x].value,
                                                    &p->contact_rate[t * E + e], err);
                    if (s != RS_OK) return s;
                }
        }
        for (int x = 0; x < ct->contact.nengulfs; x++) {
            const int b = rs_model_find_cell_type(m, ct->contact.engulfs[x].name);
            if (b < 0)
                return rs_error_set(err, RS_EINVAL,
                                    "cell_types.%s.contact.engulfs: unknown cell type '%s'",
                                    ct->name, ct->contact.engulfs[x].name);
            rs_status s = rs_sim_number_now(st, &ct->contact.engulfs[x].value,
                                            &p->engulf[t * nt + b], err);
            if (s != RS_OK) return s;
        }
    }
    p->contact = (rs_cell_contact){.ntypes = nt, .nexchange = E, .slot = p->contact_slot,
                                   .rate = p->contact_rate, .engulf = p->engulf};
    /* Cells grow back to their type's radius at most: touching pairs are
     * within twice the largest. */
    if (!p->bins) return rs_neighbour_bins_create(&p->bins, st->dims, st->size, 2 * rmax, err);
    return RS_OK;
}

/* One block buffer per thread the process may run on. */
static rs_status plan_buffers(phenotype_proc *p, rs_error *err)
{
    p->nbuf = omp_get_max_threads();
    p->buf = calloc((size_t)p->nbuf, sizeof *p->buf);
    if (!p->buf) return rs_error_set(err, RS_ENOMEM, "out of memory");
    const size_t nrates = (size_t)p->ns + 5 + (size_t)p->maxtrans;
    for (int b = 0; b < p->nbuf; b++) {
        block_buf *bb = &p->buf[b];
        bb->subst = calloc((size_t)p->nf * BLOCK + 1, sizeof *bb->subst);
        bb->state = calloc((size_t)p->ns * BLOCK + 1, sizeof *bb->state);
        bb->rate = calloc(nrates * BLOCK, sizeof *bb->rate);
        bb->subst_in = calloc((size_t)p->nf + 1, sizeof *bb->subst_in);
        bb->state_in = calloc((size_t)p->ns + 1, sizeof *bb->state_in);
        bb->grad = calloc((size_t)p->nf * BLOCK + 1, sizeof *bb->grad);
        bb->grad_in = calloc((size_t)p->nf + 1, sizeof *bb->grad_in);
        if (!bb->subst || !bb->state || !bb->rate || !bb->subst_in || !bb->state_in ||
            !bb->grad || !bb->grad_in)
            return rs_error_set(err, RS_ENOMEM, "out of memory");
    }
    return RS_OK;
}

static rs_status phenotype_create(void **self, rs_sim_state *st, rs_error *err)
{
    phenotype_proc *p = calloc(1, sizeof *p);
    if (!p) return rs_error_set(err, RS_ENOMEM, "out of memory");
    *self = p;
    if (!st->cells) return RS_OK;
    const rs_model *m = st->m;
    p->ntypes = m->ncell_types;
    p->nf = st->nf;
    p->ns = st->cells->nstates;
    int64_t period = rs_clock_period(m->time.dt.phenotype.value, st->dt);
    p->dt = (double)(period > 0 ? period : 1) * st->dt;
    p->rules = calloc((size_t)p->ntypes, sizeof *p->rules);
    rs_status s = p->rules ? RS_OK : rs_error_set(err, RS_ENOMEM, "out of memory");
    for (int t = 0; s == RS_OK && t < p->ntypes; t++) s = compile_type(p, st, t, err);
    if (s == RS_OK) s = plan_fates(p, st, err);
    if (s == RS_OK) s = plan_contact(p, st, err);
    if (s == RS_OK) s = plan_buffers(p, err);
    if (s != RS_OK) {
        phenotype_destroy(p);
        *self = NULL;
    }
    return s;
}

/* Evaluates e over the block into out (0 when there is no rule). */
static void eval_rule(const rs_expr *e, const rs_expr_inputs *in, size_t n, double *out)
{
    if (e) rs_expr_eval(e, in, n, out);
    else memset(out, 0, n * sizeof *out);
}

/* The probability of an event at rate r over dt; 0 for r <= 0 or NaN. */
static inline double chance(double r, double dt)
{
    return r > 0 ? -expm1(-r * dt) : 0;
}

/* A uniform draw in (0, 1) from two words. */
static inline double draw(uint32_t hi, uint32_t lo)
{
    return rs_uniform_from_bits(((uint64_t)hi << 32) | lo);
}

/* Decides cell i's event from its rates (rate rows of the block). */
static uint32_t decide(const rs_cells *c, size_t i, const type_rules *r, const double *apo,
                       const double *nec, const double *cyc, const double *const *tr,
                       size_t k, double dt, uint64_t seed, uint64_t step)
{
    uint32_t w[4];
    if (r->apoptosis || r->necrosis) {
        rs_rng_block(seed, rs_cells_stream(c->id[i], RS_DRAW_DEATH), step, w);
        if (draw(w[0], w[1]) < chance(apo[k], dt)) return RS_FATE_APOPTOSIS;
        if (draw(w[2], w[3]) < chance(nec[k], dt)) return RS_FATE_NECROSIS;
    }
    if (r->ntrans > 0) {
        double total = 0;
        for (int j = 0; j < r->ntrans; j++) total += tr[j][k] > 0 ? tr[j][k] : 0;
        rs_rng_block(seed, rs_cells_stream(c->id[i], RS_DRAW_TRANSITION), step, w);
        if (total > 0 && draw(w[0], w[1]) < chance(total, dt)) {
            double pick = draw(w[2], w[3]) * total, acc = 0;
            int j = 0;
            for (; j < r->ntrans - 1; j++) {
                acc += tr[j][k] > 0 ? tr[j][k] : 0;
                if (pick < acc) break;
            }
            return RS_FATE_BECOME + (uint32_t)r->trans_to[j];
        }
    }
    if (r->cycle) {
        rs_rng_block(seed, rs_cells_stream(c->id[i], RS_DRAW_DIVISION), step, w);
        if (draw(w[0], w[1]) < chance(cyc[k], dt)) return RS_FATE_DIVIDE;
    }
    return RS_FATE_NONE;
}

/* Evaluates type t's rules over the n cells of bb->idx, advances their
 * states and writes their events into c->key. */
static void run_block(phenotype_proc *p, rs_sim_state *st, int t, block_buf *bb, size_t n)
{
    rs_cells *c = st->cells;
    const type_rules *r = &p->rules[t];
    for (size_t k = 0; k < n; k++) {
        const uint32_t i = bb->idx[k];
        bb->x[k] = c->x[i];
        bb->y[k] = c->y[i];
        bb->z[k] = c->z[i];
        bb->vox[k] = rs_cell_voxel(&st->g, c->x[i], c->y[i], c->z[i]);
    }
    for (int f = 0; f < p->nf; f++) {
        bb->subst_in[f] = NULL;
        if (!r->uses_subst[f]) continue;
        double *col = bb->subst + (size_t)f * BLOCK;
        const double *field = st->fields[f];
        for (size_t k = 0; k < n; k++) col[k] = field[bb->vox[k]];
        bb->subst_in[f] = col;
    }
    for (int f = 0; f < p->nf; f++) {
        bb->grad_in[f] = NULL;
        if (!r->uses_grad[f]) continue;
        double *col = bb->grad + (size_t)f * BLOCK;
        for (size_t k = 0; k < n; k++) {
            double g[3];
            rs_cell_gradient(&st->g, st->fields[f], bb->vox[k], g);
            if (st->dims == 2) g[2] = 0;
            col[k] = sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
        }
        bb->grad_in[f] = col;
    }
    const double *cell_src[RS_EXPR_NCELL_INPUTS] = {c->age, c->neighbours, c->volume,
                                                     c->radius};
    for (int q = 0; q < RS_EXPR_NCELL_INPUTS; q++)
        if (r->uses_cell[q])
            for (size_t k = 0; k < n; k++) bb->cell[q][k] = cell_src[q][bb->idx[k]];
    for (int s = 0; s < r->nstates; s++) {
        double *col = bb->state + (size_t)s * BLOCK;
        for (size_t k = 0; k < n; k++) col[k] = c->state[s][bb->idx[k]];
        bb->state_in[s] = col;
    }
    rs_expr_inputs in = {.substrates = bb->subst_in, .states = bb->state_in, .x = bb->x,
                         .y = bb->y, .z = bb->z, .t = rs_sim_state_time(st),
                         .gradients = bb->grad_in};
    for (int q = 0; q < RS_EXPR_NCELL_INPUTS; q++)
        in.cell[q] = r->uses_cell[q] ? bb->cell[q] : NULL;
    double *apo = bb->rate, *nec = apo + BLOCK, *cyc = nec + BLOCK, *srate = cyc + BLOCK;
    double *pace = srate + (size_t)p->ns * BLOCK, *bias = pace + BLOCK;
    double *tr0 = bias + BLOCK;
    eval_rule(r->apoptosis, &in, n, apo);
    eval_rule(r->necrosis, &in, n, nec);
    eval_rule(r->cycle, &in, n, cyc);
    const double *tr[RS_CELLS_MAX_TYPES];
    for (int j = 0; j < r->ntrans && j < RS_CELLS_MAX_TYPES; j++) {
        double *row = tr0 + (size_t)j * BLOCK;
        eval_rule(r->trans[j], &in, n, row);
        tr[j] = row;
    }
    for (int s = 0; s < r->nstates; s++)
        eval_rule(r->state_rate[s], &in, n, srate + (size_t)s * BLOCK);
    if (r->pace) eval_rule(r->pace, &in, n, pace);
    if (r->bias) eval_rule(r->bias, &in, n, bias);
    const uint64_t step = (uint64_t)st->steps;
    for (size_t k = 0; k < n; k++) {
        const uint32_t i = bb->idx[k];
        for (int s = 0; s < r->nstates; s++)
            c->state[s][i] += p->dt * srate[(size_t)s * BLOCK + k];
        /* (NaN counts as 0, as for rates) */
        c->pace[i] = r->pace ? (pace[k] > 0 ? pace[k] : 0) : 1;
        c->bias[i] = r->bias ? (bias[k] > 0 ? (bias[k] < 1 ? bias[k] : 1) : 0) : 1;
        c->key[i] = decide(c, i, r, apo, nec, cyc, tr, k, p->dt, st->seed, step);
    }
}

static rs_status phenotype_step(void *self, rs_sim_state *st, rs_error *err)
{
    phenotype_proc *p = self;
    rs_cells *c = st->cells;
    if (!c) return RS_OK;
    if (p->bins) {
        rs_neighbour_bins_build(p->bins, c);
        rs_cell_contact_step(c, p->bins, &p->contact, p->dt, st->seed, (uint64_t)st->steps);
    }
    /* Blocks of storage, each split by type; a block's cells are written
     * by the thread that owns it. */
    const long n = (long)c->n, nblocks = (n + BLOCK - 1) / BLOCK;
    int team = rs_threads_team(c->n, c->min_work);
    if (team > p->nbuf) team = p->nbuf;
#pragma omp parallel for schedule(static) num_threads(team)
    for (long b = 0; b < nblocks; b++) {
        block_buf *bb = &p->buf[omp_get_thread_num()];
        const long lo = b * BLOCK, hi = lo + BLOCK < n ? lo + BLOCK : n;
        for (long i = lo; i < hi; i++)
            if (c->phase[i] != RS_CELL_ALIVE) c->key[i] = RS_FATE_NONE;
        for (int t = 0; t < p->ntypes; t++) {
            size_t m = 0;
            for (long i = lo; i < hi; i++)
                if (c->type[i] == t && c->phase[i] == RS_CELL_ALIVE) bb->idx[m++] = (uint32_t)i;
            if (m > 0) run_block(p, st, t, bb, m);
        }
    }
    rs_cell_fate_counts counts;
    return rs_cells_apply_fates(c, &p->fates, p->dt, st->seed, (uint64_t)st->steps, &counts,
                                err);
}

static rs_status phenotype_parameters_changed(void *self, rs_sim_state *st, rs_error *err)
{
    phenotype_proc *p = self;
    if (!st->cells) return RS_OK;
    for (int t = 0; t < p->ntypes; t++) {
        type_rules *r = &p->rules[t];
        rs_expr *all[5] = {r->cycle, r->apoptosis, r->necrosis, r->pace, r->bias};
        for (int k = 0; k < 5; k++)
            if (all[k]) rs_expr_rebind(all[k], st->params);
        for (int k = 0; k < r->ntrans; k++)
            if (r->trans[k]) rs_expr_rebind(r->trans[k], st->params);
        for (int k = 0; k < r->nstates; k++)
            if (r->state_rate[k]) rs_expr_rebind(r->state_rate[k], st->params);
    }
    /* The fates' numbers may be expressions of parameters too. */
    for (int t = 0; t < p->ntypes; t++) {
        free(p->deposit_substrate[t]);
        free(p->deposit_amount[t]);
    }
    free(p->volume);
    free(p->growth_time);
    free(p->clearance_time);
    free(p->ndeposits);
    free(p->deposit_substrate);
    free(p->deposit_amount);
    free(p->state_map);
    free(p->state_initial);
    p->volume = p->growth_time = p->clearance_time = NULL;
    p->ndeposits = NULL;
    p->deposit_substrate = NULL;
    p->deposit_amount = NULL;
    p->state_map = NULL;
    p->state_initial = NULL;
    free(p->contact_slot);
    free(p->contact_rate);
    free(p->engulf);
    p->contact_slot = NULL;
    p->contact_rate = p->engulf = NULL;
    rs_status s = plan_fates(p, st, err);
    return s == RS_OK ? plan_contact(p, st, err) : s;
}

const rs_process_ops rs_process_cell_phenotype = {
    .name = "cell_phenotype",
    .cadence = RS_CADENCE_PHENOTYPE,
    .create = phenotype_create,
    .step = phenotype_step,
    .destroy = phenotype_destroy,
    .parameters_changed = phenotype_parameters_changed,
};

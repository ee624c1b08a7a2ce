/* proc_reactions.c: the `reactions` process, first in the table. At every
 * diffusion step it sets the shared source arrays from the state at the
 * start of the step: per substrate, S = reaction(all substrates, t, x, y, z)
 * plus the rates of the `source` interventions active at the step (from
 * <= n < until; until -1: forever), S = 0 for every other allocated source
 * array, and U = 0 for every allocated uptake array. Later processes add
 * to S and U (cells: secretion and uptake); the
 * `fields` process applies it (docs/numerics.md, "Reactions").
 *
 * With time.dt.reaction set, the reactions instead take m = dt.diffusion /
 * dt.reaction explicit Euler sub-steps of their own, applied to the fields
 * here (all rates of a sub-step from its start, Lie splitting), and S holds
 * only the sources: a stiff reaction then runs stably without shrinking the
 * diffusion step. The kernels are in reaction.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "regensim/alloc.h"
#include "sim/process.h"

/* A `source` intervention: its steps, substrate, rate and voxels. */
typedef struct source_iv {
    int64_t from, until; /* until -1: never stops */
    int substrate;
    const rs_model_number *rate_num; /* re-evaluated when parameters change */
    double rate;
    size_t *idx;
    size_t n;
} source_iv;

typedef struct reactions {
    int nf;
    rs_expr **reaction;          /* per substrate, NULL for none */
    double **rate;               /* per substrate: the shared source array, or NULL */
    double *x, *y, *z;           /* voxel centres, NULL unless a reaction reads them */
    const double **chunk_inputs; /* nchunks * nf */
    int nsub;                    /* reaction sub-steps per diffusion step (1: none) */
    int nsources;
    source_iv *sources;
} reactions;

/* Frees everything of r (the shared arrays are the state's). */
static void reactions_destroy(void *self)
{
    reactions *r = self;
    if (!r) return;
    if (r->reaction)
        for (int i = 0; i < r->nf; i++) rs_expr_destroy(r->reaction[i]);
    free(r->reaction);
    free(r->rate);
    rs_free_aligned(r->x);
    rs_free_aligned(r->y);
    rs_free_aligned(r->z);
    free(r->chunk_inputs);
    for (int i = 0; i < r->nsources; i++) free(r->sources[i].idx);
    free(r->sources);
    free(r);
}

/* Plans the `source` interventions (their voxels and steps). */
static rs_status plan_sources(reactions *r, rs_sim_state *st, rs_error *err)
{
    const rs_model *m = st->m;
    r->sources = calloc((size_t)m->ninterventions + 1, sizeof *r->sources);
    if (!r->sources) return rs_error_set(err, RS_ENOMEM, "out of memory");
    for (int i = 0; i < m->ninterventions; i++) {
        const rs_model_intervention *iv = &m->interventions[i];
        if (iv->action != RS_ACTION_SOURCE) continue;
        source_iv *src = &r->sources[r->nsources];
        src->substrate = rs_model_find_substrate(m, iv->source.field);
        if (src->substrate < 0)
            return rs_error_set(err, RS_EINVAL, "interventions[%d].source: unknown substrate '%s'",
                                i, iv->source.field);
        src->from = rs_clock_step_of(iv->at.value, st->dt);
        if (src->from < 0)
            return rs_error_set(err, RS_EINVAL, "interventions[%d].at: %g is out of range", i,
                                iv->at.value);
        src->until = iv->source.until.value > 0 ? rs_clock_step_of(iv->source.until.value, st->dt)
                                                : -1;
        /* A source shorter than a step still acts for one step. */
        if (src->until >= 0 && src->until <= src->from) src->until = src->from + 1;
        src->rate_num = &iv->source.rate;
        src->rate = iv->source.rate.value;
        r->nsources++;
        rs_status s = rs_region_voxels(&st->g, &iv->source.region.shape, &src->idx, &src->n, err);
        if (s != RS_OK) return s;
        if (src->n == 0)
            return rs_error_set(err, RS_EINVAL,
                                "interventions[%d].source.region: contains no voxel centre of "
                                "the domain; expected a region inside it", i);
    }
    return RS_OK;
}

/* The number of reaction sub-steps: dt.diffusion / dt.reaction rounded up
 * (so the sub-step is at most the one asked for), 1 when it is 0. */
static int substeps(const rs_model *m, double dt)
{
    double r = m->time.dt.reaction.value;
    if (!(r > 0) || r >= dt) return 1;
    double q = dt / r, k = floor(q + 0.5);
    /* a whole ratio up to rounding is taken as it is */
    double n = fabs(q - k) <= 1e-9 * q ? k : ceil(q);
    return n > 1e6 ? 1000000 : (int)n;
}

static rs_status reactions_create(void **self, rs_sim_state *st, rs_error *err)
{
    const rs_model *m = st->m;
    reactions *r = calloc(1, sizeof *r);
    if (!r) return rs_error_set(err, RS_ENOMEM, "out of memory");
    r->nf = st->nf;
    r->reaction = calloc((size_t)st->nf + 1, sizeof *r->reaction);
    r->rate = calloc((size_t)st->nf + 1, sizeof *r->rate);
    rs_status s = r->reaction && r->rate ? plan_sources(r, st, err)
                                         : rs_error_set(err, RS_ENOMEM, "out of memory");
    rs_expr_symbols sym = rs_sim_symbols_table(
        &st->sy, m, st->params,
        RS_EXPR_ALLOW_POSITION | RS_EXPR_ALLOW_TIME | RS_EXPR_ALLOW_SUBSTRATES);
    unsigned uses = 0;
    for (int i = 0; s == RS_OK && i < st->nf; i++) {
        const rs_model_substrate *sub = &m->substrates[i];
        if (sub->reaction.text) {
            s = rs_expr_compile(&r->reaction[i], sub->reaction.text, &sym, err);
            if (s != RS_OK) {
                char msg[sizeof err->msg];
                memcpy(msg, err->msg, sizeof msg);
                s = rs_error_set(err, s, "substrates.%.100s.reaction: %.380s", sub->name, msg);
                break;
            }
            uses |= rs_expr_uses(r->reaction[i]);
        }
        int sourced = 0;
        for (int k = 0; k < r->nsources; k++) sourced |= r->sources[k].substrate == i;
        if (r->reaction[i] || sourced) s = rs_sim_state_source(st, i, &r->rate[i], err);
    }
    size_t nchunks = (st->nvox + RS_REACTION_CHUNK - 1) / RS_REACTION_CHUNK;
    if (s == RS_OK) {
        r->chunk_inputs = calloc(nchunks * (size_t)st->nf + 1, sizeof *r->chunk_inputs);
        if (!r->chunk_inputs) s = rs_error_set(err, RS_ENOMEM, "out of memory");
    }
    for (size_t c = 0; s == RS_OK && c < nchunks; c++)
        for (int i = 0; i < st->nf; i++)
            r->chunk_inputs[c * (size_t)st->nf + (size_t)i] = st->fields[i] + c * RS_REACTION_CHUNK;
    if (s == RS_OK && (uses & RS_EXPR_ALLOW_POSITION)) {
        if ((s = rs_alloc_doubles(&r->x, st->nvox, err)) == RS_OK &&
            (s = rs_alloc_doubles(&r->y, st->nvox, err)) == RS_OK &&
            (s = rs_alloc_doubles(&r->z, st->nvox, err)) == RS_OK)
            rs_field_coordinates(&st->g, r->x, r->y, r->z);
    }
    r->nsub = substeps(m, st->dt);
    if (s != RS_OK) {
        reactions_destroy(r);
        return s;
    }
    *self = r;
    return RS_OK;
}

/* The rates of every reacting substrate at time t into their arrays, all
 * from the same state. */
static void rates_at(reactions *r, const rs_sim_state *st, double t)
{
    for (int i = 0; i < st->nf; i++)
        if (r->reaction[i])
            rs_reaction_rates(r->reaction[i], r->chunk_inputs, st->nf, r->x, r->y, r->z, t,
                              st->nvox, r->rate[i]);
}

static rs_status reactions_step(void *self, rs_sim_state *st, rs_error *err)
{
    (void)err;
    reactions *r = self;
    const int64_t n = st->steps;
    const double t = rs_sim_state_time(st);
    /* Arrays other processes asked for after this one was created are
     * reset here too: every process after this one adds to them. */
    for (int i = 0; i < st->nf; i++) {
        r->rate[i] = st->source[i];
        if (st->uptake[i]) rs_reaction_fill(st->uptake[i], st->nvox, 0.0);
    }
    if (r->nsub == 1) {
        rates_at(r, st, t);
        for (int i = 0; i < st->nf; i++)
            if (r->rate[i] && !r->reaction[i]) rs_reaction_fill(r->rate[i], st->nvox, 0.0);
    } else {
        const double h = st->dt / r->nsub;
        for (int k = 0; k < r->nsub; k++) {
            rates_at(r, st, t + k * h);
            for (int i = 0; i < st->nf; i++)
                if (r->reaction[i]) rs_reaction_euler(st->fields[i], r->rate[i], h, st->nvox);
        }
        for (int i = 0; i < st->nf; i++)
            if (r->rate[i]) rs_reaction_fill(r->rate[i], st->nvox, 0.0);
    }
    for (int k = 0; k < r->nsources; k++) {
        const source_iv *src = &r->sources[k];
        if (n >= src->from && (src->until < 0 || n < src->until))
            rs_reaction_add_at(r->rate[src->substrate], src->idx, src->n, src->rate);
    }
    return RS_OK;
}

/* Re-binds the reactions and re-evaluates the sources' rates. */
static rs_status reactions_parameters_changed(void *self, rs_sim_state *st, rs_error *err)
{
    reactions *r = self;
    for (int i = 0; i < st->nf; i++)
        if (r->reaction[i]) rs_expr_rebind(r->reaction[i], st->params);
    for (int k = 0; k < r->nsources; k++) {
        rs_status s = rs_sim_number_now(st, r->sources[k].rate_num, &r->sources[k].rate, err);
        if (s != RS_OK) return s;
    }
    return RS_OK;
}

const rs_process_ops rs_process_reactions = {
    .name = "reactions",
    .cadence = RS_CADENCE_DIFFUSION,
    .create = reactions_create,
    .step = reactions_step,
    .destroy = reactions_destroy,
    .parameters_changed = reactions_parameters_changed,
};

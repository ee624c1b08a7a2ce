/* sim.c: the simulation driver (regensim/sim.h). Creates the state of one
 * run from a model (fields, parameters, solver plan, compiled reactions
 * and metrics, intervention schedules), advances it one diffusion step at
 * a time on an integer step clock (sim_clock.c), and reports snapshots,
 * metrics and checkpoints to an observer. All allocation happens in
 * rs_sim_create; a step allocates nothing.
 *
 * One step (from t = n dt to (n+1) dt):
 *   1. `set` interventions due at step n change parameters (every compiled
 *      expression is re-bound);
 *   2. per substrate, the source array S = reaction(all substrates at step
 *      n, t, x, y, z) + the rates of the `source` interventions active at
 *      step n (at_step <= n < until_step; until 0: forever);
 *   3. substrates that neither diffuse nor decay get u += dt S (explicit
 *      Euler); the others go through the diffusion solver with S as its
 *      source array (docs/numerics.md, "Reactions").
 * Interventions take effect at the start of the step they fall on, so the
 * state reported at that time is the one before them. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regensim/alloc.h"
#include "regensim/diffusion.h"
#include "regensim/expr.h"
#include "regensim/sim.h"
#include "sim/sim_impl.h"

/* A `set` intervention, at its step. */
typedef struct sim_set {
    int64_t step;
    int param;
    double value;
    int replans; /* the parameter reaches the solver or a source's rate */
} sim_set;

/* A `source` intervention: its steps, substrate, rate and voxels. */
typedef struct sim_source {
    int64_t from, until; /* until -1: never stops */
    int substrate;
    int intervention;    /* its index in the model, to re-evaluate its rate */
    double rate;
    size_t *idx;
    size_t n;
} sim_source;

struct rs_sim {
    const rs_model *m;
    rs_grid g;
    size_t nvox;
    int nf, np;
    double **fields;
    double *params;
    rs_sim_symbols sy;
    /* clock */
    double dt;
    int64_t steps, total;
    int start_reported; /* the run's starting state went to an observer */
    int64_t save_period, metrics_period, checkpoint_period;
    /* reactions and sources */
    rs_expr **reaction;   /* per substrate, NULL for none */
    double **rate;        /* per substrate: NULL, or the source array S */
    double *x, *y, *z;    /* voxel centres, NULL unless a reaction reads them */
    const double **chunk_inputs; /* nchunks * nf */
    int *solved;          /* per substrate: 1 if it goes through the solver */
    /* solver (NULL when no substrate diffuses or decays) */
    rs_diffusion *solver;
    int nsolved;
    double **solved_fields;
    const double **solved_rates;
    /* interventions */
    int nsets, nsources;
    sim_set *sets;
    sim_source *sources;
    /* metrics */
    rs_metrics *metrics;
    double *metric_values;
};

/* Frees everything; NULL is allowed. */
void rs_sim_destroy(rs_sim *s)
{
    if (!s) return;
    for (int i = 0; i < s->nf; i++) {
        if (s->fields) rs_free_aligned(s->fields[i]);
        if (s->rate) rs_free_aligned(s->rate[i]);
        if (s->reaction) rs_expr_destroy(s->reaction[i]);
    }
    free(s->fields);
    free(s->rate);
    free(s->reaction);
    rs_free_aligned(s->x);
    rs_free_aligned(s->y);
    rs_free_aligned(s->z);
    free(s->chunk_inputs);
    free(s->solved);
    rs_diffusion_destroy(s->solver);
    free(s->solved_fields);
    free(s->solved_rates);
    for (int i = 0; i < s->nsources; i++) free(s->sources[i].idx);
    free(s->sources);
    free(s->sets);
    rs_metrics_destroy(s->metrics);
    free(s->metric_values);
    free(s->params);
    rs_sim_symbols_free(&s->sy);
    free(s);
}

/* Converts the model's times to steps; RS_EINVAL for unusable ones. */
static rs_status plan_clock(rs_sim *s, rs_error *err)
{
    const rs_model *m = s->m;
    s->dt = m->time.dt.diffusion.value;
    if (!(s->dt > 0) || !isfinite(s->dt))
        return rs_error_set(err, RS_EINVAL, "time.dt.diffusion: %g; expected a number > 0",
                            s->dt);
    s->total = rs_clock_step_of(m->time.end.value, s->dt);
    s->save_period = rs_clock_period(m->time.save_every.value, s->dt);
    const double metrics_every = m->time.metrics_every.value > 0 ? m->time.metrics_every.value
                                                                   : m->time.dt.phenotype.value;
    s->metrics_period = rs_clock_period(metrics_every, s->dt);
    s->checkpoint_period = rs_clock_period(m->time.checkpoint_every.value, s->dt);
    if (s->total < 0 || s->save_period < 0 || s->metrics_period < 0 ||
        s->checkpoint_period < 0)
        return rs_error_set(err, RS_EINVAL,
                            "time: end %g, save_every %g, metrics every %g or "
                            "checkpoint_every %g is not a usable number of steps of %g min",
                            m->time.end.value, m->time.save_every.value, metrics_every,
                            m->time.checkpoint_every.value, s->dt);
    return RS_OK;
}

/* Compiles the reactions and allocates the source arrays. */
static rs_status plan_reactions(rs_sim *s, rs_error *err)
{
    const rs_model *m = s->m;
    rs_expr_symbols sym = rs_sim_symbols_table(
        &s->sy, m, s->params,
        RS_EXPR_ALLOW_POSITION | RS_EXPR_ALLOW_TIME | RS_EXPR_ALLOW_SUBSTRATES);
    for (int i = 0; i < s->nf; i++) {
        const rs_model_substrate *sub = &m->substrates[i];
        if (sub->reaction.text) {
            rs_status st = rs_expr_compile(&s->reaction[i], sub->reaction.text, &sym, err);
            if (st != RS_OK) {
                char msg[sizeof err->msg];
                memcpy(msg, err->msg, sizeof msg);
                return rs_error_set(err, st, "substrates.%.100s.reaction: %.380s", sub->name,
                                    msg);
            }
        }
        int sourced = 0;
        for (int k = 0; k < s->nsources; k++) sourced |= s->sources[k].substrate == i;
        if (s->reaction[i] || sourced) {
            rs_status st = rs_alloc_doubles(&s->rate[i], s->nvox, err);
            if (st != RS_OK) return st;
        }
    }
    size_t nchunks = (s->nvox + RS_REACTION_CHUNK - 1) / RS_REACTION_CHUNK;
    s->chunk_inputs = calloc(nchunks * (size_t)s->nf + 1, sizeof *s->chunk_inputs);
    if (!s->chunk_inputs) return rs_error_set(err, RS_ENOMEM, "out of memory");
    for (size_t c = 0; c < nchunks; c++)
        for (int i = 0; i < s->nf; i++)
            s->chunk_inputs[c * (size_t)s->nf + (size_t)i] =
                s->fields[i] + c * RS_REACTION_CHUNK;
    return RS_OK;
}

/* The value of a model number under the current parameters: its
 * expression (of parameters only) re-evaluated, or its plain value. */
static rs_status number_now(const rs_sim *s, const rs_model_number *num, double *out,
                            rs_error *err)
{
    if (!num->expr) {
        *out = num->value;
        return RS_OK;
    }
    rs_expr_symbols sym = rs_sim_symbols_table(&s->sy, s->m, s->params, 0);
    rs_expr *e = NULL;
    rs_status st = rs_expr_compile(&e, num->expr, &sym, err);
    if (st != RS_OK) return st;
    *out = rs_expr_constant(e);
    rs_expr_destroy(e);
    return RS_OK;
}

/* The substrates' coefficients and boundaries under the current
 * parameters. */
static rs_status specs_now(const rs_sim *s, rs_substrate_spec *all, rs_error *err)
{
    for (int i = 0; i < s->nf; i++) {
        const rs_model_substrate *sb = &s->m->substrates[i];
        rs_substrate_spec_init(&all[i], 0, 0);
        for (int f = 0; f < RS_NFACES; f++) all[i].bc[f].kind = sb->bc[f].kind;
        rs_status st = number_now(s, &sb->diffusion, &all[i].diffusion, err);
        if (st == RS_OK) st = number_now(s, &sb->decay, &all[i].decay, err);
        for (int f = 0; st == RS_OK && f < RS_NFACES; f++)
            if (all[i].bc[f].kind == RS_BC_DIRICHLET)
                st = number_now(s, &sb->bc[f].value, &all[i].bc[f].value, err);
        if (st != RS_OK) return st;
    }
    return RS_OK;
}

/* Plans the solver over the substrates that diffuse or decay, with the
 * coefficients under the current parameters. */
static rs_status plan_solver(rs_sim *s, rs_error *err)
{
    rs_substrate_spec *all = calloc((size_t)s->nf + 1, sizeof *all);
    if (!all) return rs_error_set(err, RS_ENOMEM, "out of memory");
    const rs_model *m = s->m;
    rs_status st0 = specs_now(s, all, err);
    if (st0 != RS_OK) {
        free(all);
        return st0;
    }
    int n = 0;
    for (int i = 0; i < s->nf; i++) {
        s->solved[i] = all[i].diffusion > 0 || all[i].decay > 0;
        if (s->solved[i]) all[n++] = all[i];
    }
    s->nsolved = n;
    s->solver = NULL;
    rs_status st = RS_OK;
    if (n > 0) {
        rs_diffusion_config cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.grid = s->g;
        cfg.dt = s->dt;
        cfg.nsubstrates = n;
        cfg.substrates = all;
        cfg.time_order = (int)m->solver_options.time_order.value;
        cfg.fft_rigor = RS_FFT_ESTIMATE; /* the same plan in every process: resumable */
        st = rs_diffusion_create(&s->solver, m->solver ? m->solver : "lod", &cfg, err);
    }
    free(all);
    if (st != RS_OK) return st;
    s->solved_fields = calloc((size_t)n + 1, sizeof *s->solved_fields);
    s->solved_rates = calloc((size_t)n + 1, sizeof *s->solved_rates);
    if (!s->solved_fields || !s->solved_rates)
        return rs_error_set(err, RS_ENOMEM, "out of memory");
    for (int i = 0, k = 0; i < s->nf; i++)
        if (s->solved[i]) {
            s->solved_fields[k] = s->fields[i];
            s->solved_rates[k++] = s->rate[i];
        }
    return RS_OK;
}

/* Plans the solver and the source rates again under the current parameters,
 * after a `set` of a parameter they use (a new plan, made on purpose: this
 * allocates, at the intervention's step only) or a restore. */
static rs_status replan(rs_sim *s, rs_error *err)
{
    rs_diffusion_destroy(s->solver);
    free(s->solved_fields);
    free(s->solved_rates);
    s->solver = NULL;
    s->solved_fields = NULL;
    s->solved_rates = NULL;
    rs_status st = plan_solver(s, err);
    for (int k = 0; st == RS_OK && k < s->nsources; k++) {
        const rs_model_intervention *iv = &s->m->interventions[s->sources[k].intervention];
        st = number_now(s, &iv->source.rate, &s->sources[k].rate, err);
    }
    return st;
}

/* Whether identifier `name` occurs in expression text `text`. */
static int mentions(const char *text, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = text; p && *p;) {
        if (isalpha((unsigned char)*p) || *p == '_') {
            const char *q = p;
            while (isalnum((unsigned char)*q) || *q == '_') q++;
            if ((size_t)(q - p) == len && strncmp(p, name, len) == 0) return 1;
            p = q;
        } else {
            p++;
        }
    }
    return 0;
}

/* Writes into buf (and returns it) the first number fixed at the start of
 * a run (a substrate's diffusion, decay or boundary value, a source's rate)
 * whose expression uses parameter `name`; NULL when there is none. */
static const char *load_time_use(const rs_model *m, const char *name, char *buf,
                                 size_t size)
{
    static const char *const keys[3] = {"diffusion", "decay", "boundary"};
    for (int i = 0; i < m->nsubstrates; i++) {
        const rs_model_substrate *sb = &m->substrates[i];
        const rs_model_number *nums[2 + RS_NFACES] = {&sb->diffusion, &sb->decay};
        for (int f = 0; f < RS_NFACES; f++) nums[2 + f] = &sb->bc[f].value;
        for (int k = 0; k < 2 + RS_NFACES; k++)
            if (nums[k]->expr && mentions(nums[k]->expr, name)) {
                snprintf(buf, size, "substrates.%s.%s", sb->name, keys[k < 2 ? k : 2]);
                return buf;
            }
    }
    for (int i = 0; i < m->ninterventions; i++)
        if (m->interventions[i].action == RS_ACTION_SOURCE &&
            m->interventions[i].source.rate.expr &&
            mentions(m->interventions[i].source.rate.expr, name)) {
            snprintf(buf, size, "interventions[%d].source.rate", i);
            return buf;
        }
    return NULL;
}

/* Schedules the interventions that concern fields (cell ones: later). */
static rs_status plan_interventions(rs_sim *s, rs_error *err)
{
    const rs_model *m = s->m;
    s->sets = calloc((size_t)m->ninterventions + 1, sizeof *s->sets);
    s->sources = calloc((size_t)m->ninterventions + 1, sizeof *s->sources);
    if (!s->sets || !s->sources) return rs_error_set(err, RS_ENOMEM, "out of memory");
    for (int i = 0; i < m->ninterventions; i++) {
        const rs_model_intervention *iv = &m->interventions[i];
        int64_t at = rs_clock_step_of(iv->at.value, s->dt);
        if (at < 0)
            return rs_error_set(err, RS_EINVAL, "interventions[%d].at: %g is out of range", i,
                                iv->at.value);
        /* One at or after the end never happens (a shortened test run of a
         * longer model); the CLI says so. */
        if (iv->action == RS_ACTION_SET) {
            int p = rs_model_find_parameter(m, iv->set.parameter);
            if (p < 0)
                return rs_error_set(err, RS_EINVAL, "interventions[%d].set: unknown parameter "
                                    "'%s'", i, iv->set.parameter);
            char where[160];
            int replans = load_time_use(m, iv->set.parameter, where, sizeof where) != NULL;
            s->sets[s->nsets++] = (sim_set){at, p, iv->set.value.value, replans};
        } else if (iv->action == RS_ACTION_SOURCE) {
            sim_source *src = &s->sources[s->nsources];
            src->substrate = rs_model_find_substrate(m, iv->source.field);
            if (src->substrate < 0)
                return rs_error_set(err, RS_EINVAL, "interventions[%d].source: unknown "
                                    "substrate '%s'", i, iv->source.field);
            src->from = at;
            src->intervention = i;
            src->until = iv->source.until.value > 0
                             ? rs_clock_step_of(iv->source.until.value, s->dt) : -1;
            /* A source shorter than a step still acts for one step. */
            if (src->until >= 0 && src->until <= src->from) src->until = src->from + 1;
            src->rate = iv->source.rate.value;
            s->nsources++;
            rs_status st = rs_region_voxels(&s->g, &iv->source.region.shape, &src->idx,
                                            &src->n, err);
            if (st != RS_OK) return st;
            if (src->n == 0)
                return rs_error_set(err, RS_EINVAL,
                                    "interventions[%d].source.region: contains no voxel "
                                    "centre of the domain; expected a region inside it", i);
        }
    }
    return RS_OK;
}

/* Allocates the fields, coordinates and parameters and sets initial values. */
static rs_status init_state(rs_sim *s, rs_error *err)
{
    const rs_model *m = s->m;
    rs_status st;
    for (int i = 0; i < s->np; i++) s->params[i] = m->parameters[i].value.value;
    for (int i = 0; i < s->nf; i++)
        if ((st = rs_alloc_doubles(&s->fields[i], s->nvox, err)) != RS_OK) return st;
    if ((st = rs_alloc_doubles(&s->x, s->nvox, err)) != RS_OK ||
        (st = rs_alloc_doubles(&s->y, s->nvox, err)) != RS_OK ||
        (st = rs_alloc_doubles(&s->z, s->nvox, err)) != RS_OK)
        return st;
    rs_field_coordinates(&s->g, s->x, s->y, s->z);
    double *scratch = NULL;
    if ((st = rs_alloc_doubles(&scratch, s->nvox, err)) != RS_OK) return st;
    st = rs_field_init(m, &s->sy, s->params, &s->g, s->x, s->y, s->z, s->fields, scratch,
                       err);
    rs_free_aligned(scratch);
    return st;
}

/* Drops the coordinate arrays when no reaction reads them. */
static void trim_coordinates(rs_sim *s)
{
    for (int i = 0; i < s->nf; i++)
        if (s->reaction[i] && (rs_expr_uses(s->reaction[i]) & RS_EXPR_ALLOW_POSITION)) return;
    rs_free_aligned(s->x);
    rs_free_aligned(s->y);
    rs_free_aligned(s->z);
    s->x = s->y = s->z = NULL;
}

/* Evaluates the metrics at the current step. */
static void eval_metrics(rs_sim *s)
{
    rs_metrics_eval(s->metrics, &s->g, (const double *const *)s->fields, rs_sim_time(s),
                    s->metric_values);
}

/* Builds the run's state from m. */
rs_status rs_sim_create(rs_sim **out, const rs_model *m, rs_error *err)
{
    rs_error_clear(err);
    if (!out) return rs_error_set(err, RS_EINVAL, "rs_sim_create: out is NULL");
    *out = NULL;
    if (!m) return rs_error_set(err, RS_EINVAL, "rs_sim_create: model is NULL");
    rs_sim *s = calloc(1, sizeof *s);
    if (!s) return rs_error_set(err, RS_ENOMEM, "out of memory");
    s->m = m;
    s->g = rs_model_grid(m);
    s->nf = m->nsubstrates;
    s->np = m->nparameters;
    rs_status st = rs_grid_check(&s->g, err);
    if (st == RS_OK) {
        s->nvox = rs_grid_voxels(&s->g);
        st = rs_grid_check_memory(&s->g, 8.0 * (2.0 * s->nf + 4.0), 0, err);
    }
    if (st == RS_OK) st = plan_clock(s, err);
    if (st == RS_OK) {
        s->fields = calloc((size_t)s->nf + 1, sizeof *s->fields);
        s->rate = calloc((size_t)s->nf + 1, sizeof *s->rate);
        s->reaction = calloc((size_t)s->nf + 1, sizeof *s->reaction);
        s->solved = calloc((size_t)s->nf + 1, sizeof *s->solved);
        s->params = calloc((size_t)s->np + 1, sizeof *s->params);
        s->metric_values = calloc((size_t)m->nmetrics + 1, sizeof *s->metric_values);
        if (!s->fields || !s->rate || !s->reaction || !s->solved || !s->params ||
            !s->metric_values)
            st = rs_error_set(err, RS_ENOMEM, "out of memory");
    }
    if (st == RS_OK && rs_sim_symbols_init(&s->sy, m) != RS_OK)
        st = rs_error_set(err, RS_ENOMEM, "out of memory");
    if (st == RS_OK) st = init_state(s, err);
    if (st == RS_OK) st = plan_interventions(s, err);
    if (st == RS_OK) st = plan_reactions(s, err);
    if (st == RS_OK) st = plan_solver(s, err);
    if (st == RS_OK) st = rs_metrics_create(&s->metrics, m, &s->sy, s->params, err);
    if (st != RS_OK) {
        rs_sim_destroy(s);
        return st;
    }
    trim_coordinates(s);
    eval_metrics(s);
    *out = s;
    return RS_OK;
}

/* Re-binds every compiled expression to the current parameters. */
static void rebind_all(rs_sim *s)
{
    for (int i = 0; i < s->nf; i++)
        if (s->reaction[i]) rs_expr_rebind(s->reaction[i], s->params);
    rs_metrics_rebind(s->metrics, s->params);
}

/* Advances one diffusion step. */
rs_status rs_sim_step(rs_sim *s, rs_error *err)
{
    if (!s) return rs_error_set(err, RS_EINVAL, "rs_sim_step: sim is NULL");
    if (s->steps >= s->total)
        return rs_error_set(err, RS_EINVAL, "rs_sim_step: the run is at its end (step %lld)",
                            (long long)s->steps);
    int64_t n = s->steps;
    int changed = 0, replans = 0;
    for (int i = 0; i < s->nsets; i++)
        if (s->sets[i].step == n) {
            s->params[s->sets[i].param] = s->sets[i].value;
            changed = 1;
            replans |= s->sets[i].replans;
        }
    if (changed) rebind_all(s);
    if (replans) {
        rs_status st = replan(s, err);
        if (st != RS_OK) return st;
    }
    double t = rs_sim_time(s);
    for (int i = 0; i < s->nf; i++) {
        if (!s->rate[i]) continue;
        if (s->reaction[i])
            rs_reaction_rates(s->reaction[i], s->chunk_inputs, s->nf, s->x, s->y, s->z, t,
                              s->nvox, s->rate[i]);
        else
            rs_reaction_fill(s->rate[i], s->nvox, 0.0);
    }
    for (int k = 0; k < s->nsources; k++) {
        const sim_source *src = &s->sources[k];
        if (n >= src->from && (src->until < 0 || n < src->until))
            rs_reaction_add_at(s->rate[src->substrate], src->idx, src->n, src->rate);
    }
    /* All rates are computed from the step-n state before any field moves. */
    for (int i = 0; i < s->nf; i++)
        if (!s->solved[i] && s->rate[i])
            rs_reaction_euler(s->fields[i], s->rate[i], s->dt, s->nvox);
    if (s->solver) {
        rs_status st = rs_diffusion_step(s->solver, s->solved_fields, s->solved_rates, NULL);
        if (st != RS_OK)
            return rs_error_set(err, st, "diffusion step %lld failed: %s", (long long)n,
                                rs_strerror(st));
    }
    s->steps = n + 1;
    return RS_OK;
}

/* Reports what is due at the current step (start: the t = 0 report). */
static rs_status report(rs_sim *s, const rs_sim_observer *obs, rs_error *err)
{
    int64_t n = s->steps;
    int end = n == s->total;
    int met = end || n == 0 || rs_clock_due(n, s->metrics_period);
    /* snapshots at t = 0 and the end even with save_every 0 (sim.h, running.md) */
    int snap = end || n == 0 || rs_clock_due(n, s->save_period);
    int ck = end || (n > 0 && rs_clock_due(n, s->checkpoint_period));
    rs_status st = RS_OK;
    if (met) {
        eval_metrics(s);
        if (obs && obs->metrics) st = obs->metrics(obs->user, s, err);
    }
    if (st == RS_OK && snap && obs && obs->snapshot) st = obs->snapshot(obs->user, s, err);
    if (st == RS_OK && ck && obs && obs->checkpoint) st = obs->checkpoint(obs->user, s, err);
    return st;
}

/* Runs to the end. */
rs_status rs_sim_run(rs_sim *s, const rs_sim_observer *obs, rs_error *err)
{
    if (!s) return rs_error_set(err, RS_EINVAL, "rs_sim_run: sim is NULL");
    rs_status st;
    if (!s->start_reported) {
        s->start_reported = 1;
        if ((st = report(s, obs, err)) != RS_OK) return st;
    }
    while (s->steps < s->total) {
        if ((st = rs_sim_step(s, err)) != RS_OK) return st;
        if ((st = report(s, obs, err)) != RS_OK) return st;
        if (obs && obs->progress && obs->progress(obs->user, s)) return RS_OK;
    }
    return RS_OK;
}

/* Restores a checkpointed state. */
rs_status rs_sim_restore(rs_sim *s, int64_t steps, const double *const *fields,
                         const double *parameters, rs_error *err)
{
    if (!s) return rs_error_set(err, RS_EINVAL, "rs_sim_restore: sim is NULL");
    if (steps < 0 || steps > s->total)
        return rs_error_set(err, RS_EINVAL, "rs_sim_restore: step %lld is outside 0..%lld",
                            (long long)steps, (long long)s->total);
    if (s->nf > 0 && !fields)
        return rs_error_set(err, RS_EINVAL, "rs_sim_restore: fields is NULL");
    for (int i = 0; i < s->nf; i++)
        if (!fields[i])
            return rs_error_set(err, RS_EINVAL, "rs_sim_restore: field %d is NULL", i);
    if (s->np > 0 && !parameters)
        return rs_error_set(err, RS_EINVAL, "rs_sim_restore: parameters is NULL");
    for (int i = 0; i < s->nf; i++) memcpy(s->fields[i], fields[i], s->nvox * sizeof(double));
    if (s->np > 0) memcpy(s->params, parameters, (size_t)s->np * sizeof(double));
    s->steps = steps;
    s->start_reported = 1; /* the checkpointed state was reported by its run */
    rebind_all(s);
    int replans = 0;
    for (int i = 0; i < s->nsets; i++) replans |= s->sets[i].replans;
    if (replans) {
        rs_status st = replan(s, err);
        if (st != RS_OK) return st;
    }
    eval_metrics(s);
    return RS_OK;
}

/* Accessors. */
double rs_sim_time(const rs_sim *s) { return (double)s->steps * s->dt; }
int64_t rs_sim_steps(const rs_sim *s) { return s->steps; }
int64_t rs_sim_total_steps(const rs_sim *s) { return s->total; }
int rs_sim_finished(const rs_sim *s) { return s->steps >= s->total; }
const rs_model *rs_sim_model(const rs_sim *s) { return s->m; }
rs_grid rs_sim_grid(const rs_sim *s) { return s->g; }
int rs_sim_nfields(const rs_sim *s) { return s->nf; }

/* Name of field i, or NULL out of range. */
const char *rs_sim_field_name(const rs_sim *s, int i)
{
    return i >= 0 && i < s->nf ? s->m->substrates[i].name : NULL;
}

/* Units of field i ("" when the model gives none), or NULL out of range. */
const char *rs_sim_field_units(const rs_sim *s, int i)
{
    if (i < 0 || i >= s->nf) return NULL;
    return s->m->substrates[i].units ? s->m->substrates[i].units : "";
}

/* Values of field i (nvoxels), or NULL out of range. */
const double *rs_sim_field(const rs_sim *s, int i)
{
    return i >= 0 && i < s->nf ? s->fields[i] : NULL;
}

int rs_sim_nmetrics(const rs_sim *s) { return s->m->nmetrics; }

/* Name of metric i, or NULL out of range. */
const char *rs_sim_metric_name(const rs_sim *s, int i)
{
    return i >= 0 && i < s->m->nmetrics ? s->m->metrics[i].name : NULL;
}

const double *rs_sim_metric_values(const rs_sim *s) { return s->metric_values; }
int rs_sim_nparameters(const rs_sim *s) { return s->np; }
const double *rs_sim_parameters(const rs_sim *s) { return s->params; }

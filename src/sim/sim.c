/* sim.c: the scheduler (regensim/sim.h). Creates the shared state of one
 * run from a model (fields with their initial values, parameters, clock,
 * symbol tables), creates the processes of the table (processes.c) on it,
 * and advances it one diffusion step at a time on an integer step clock
 * (sim_clock.c):
 *
 *   1. `set` interventions due at step n change st->params, and every
 *      process hears of it (parameters_changed: re-bind, re-plan);
 *   2. every process whose cadence is due at n steps, in table order;
 *   3. the clock moves to n + 1.
 *
 * It evaluates the metrics and reports snapshots, metrics and checkpoints
 * to an observer, and writes the processes' sections of run.h5 and
 * checkpoint.h5 through regensim/io.h without knowing what they hold.
 * Interventions take effect at the start of the step they fall on, so the
 * state reported at that time is the one before them. All allocation
 * happens in rs_sim_create (and in the re-plans a `set` asks for); a step
 * allocates nothing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regensim/alloc.h"
#include "regensim/sim.h"
#include "regensim/version.h"
#include "sim/process.h"

/* checkpoint.h5's format: 3 since the cells' section (every run has one);
 * 2 (per-process sections, before cells) and 1 (regensim 0.1) are
 * refused with a message. */
#define RS_CHECKPOINT_FORMAT 3

/* A `set` intervention, at its step. */
typedef struct sim_set {
    int64_t step;
    int param;
    double value;
} sim_set;

struct rs_sim {
    rs_sim_state st;
    int nproc;
    void **self;             /* per process of rs_processes */
    int64_t cadence_period[3]; /* per rs_cadence, in diffusion steps */
    int start_reported;      /* the run's starting state went to an observer */
    int64_t save_period, metrics_period, checkpoint_period;
    int nsets;
    sim_set *sets;
    int64_t *iv_step;        /* per intervention: the step it falls on */
    rs_metrics *metrics;
    double *metric_values;
};

/* *slot, allocated (zeroed) on the first request, into *out. */
static rs_status shared_array(const rs_sim_state *st, double **slot, double **out, rs_error *err)
{
    if (!*slot) {
        rs_status s = rs_alloc_doubles(slot, st->nvox, err);
        if (s != RS_OK) return s;
        memset(*slot, 0, st->nvox * sizeof(double));
    }
    *out = *slot;
    return RS_OK;
}

rs_status rs_sim_state_source(rs_sim_state *st, int i, double **out, rs_error *err)
{
    return shared_array(st, &st->source[i], out, err);
}

rs_status rs_sim_state_uptake(rs_sim_state *st, int i, double **out, rs_error *err)
{
    return shared_array(st, &st->uptake[i], out, err);
}

/* Frees everything; NULL is allowed. */
void rs_sim_destroy(rs_sim *s)
{
    if (!s) return;
    for (int p = 0; s->self && p < s->nproc; p++)
        if (s->self[p]) rs_processes[p]->destroy(s->self[p]);
    free(s->self);
    rs_sim_state *st = &s->st;
    for (int i = 0; i < st->nf; i++) {
        if (st->fields) rs_free_aligned(st->fields[i]);
        if (st->source) rs_free_aligned(st->source[i]);
        if (st->uptake) rs_free_aligned(st->uptake[i]);
    }
    free(st->fields);
    free(st->source);
    free(st->uptake);
    free(st->params);
    rs_cells_destroy(st->cells);
    rs_sim_symbols_free(&st->sy);
    free(s->sets);
    free(s->iv_step);
    rs_metrics_destroy(s->metrics);
    free(s->metric_values);
    free(s);
}

/* Converts the model's times to steps; RS_EINVAL for unusable ones. */
static rs_status plan_clock(rs_sim *s, rs_error *err)
{
    const rs_model *m = s->st.m;
    double dt = m->time.dt.diffusion.value;
    if (!(dt > 0) || !isfinite(dt))
        return rs_error_set(err, RS_EINVAL, "time.dt.diffusion: %g; expected a number > 0", dt);
    s->st.dt = dt;
    s->st.total = rs_clock_step_of(m->time.end.value, dt);
    s->save_period = rs_clock_period(m->time.save_every.value, dt);
    const double metrics_every = m->time.metrics_every.value > 0 ? m->time.metrics_every.value
                                                                   : m->time.dt.phenotype.value;
    s->metrics_period = rs_clock_period(metrics_every, dt);
    s->checkpoint_period = rs_clock_period(m->time.checkpoint_every.value, dt);
    s->cadence_period[RS_CADENCE_DIFFUSION] = 1;
    s->cadence_period[RS_CADENCE_MECHANICS] = rs_clock_period(m->time.dt.mechanics.value, dt);
    s->cadence_period[RS_CADENCE_PHENOTYPE] = rs_clock_period(m->time.dt.phenotype.value, dt);
    if (s->st.total < 0 || s->save_period < 0 || s->metrics_period < 0 ||
        s->checkpoint_period < 0 || s->cadence_period[RS_CADENCE_MECHANICS] < 0 ||
        s->cadence_period[RS_CADENCE_PHENOTYPE] < 0)
        return rs_error_set(err, RS_EINVAL,
                            "time: end %g, save_every %g, metrics every %g, checkpoint_every "
                            "%g, dt.mechanics %g or dt.phenotype %g is not a usable number of "
                            "steps of %g min",
                            m->time.end.value, m->time.save_every.value, metrics_every,
                            m->time.checkpoint_every.value, m->time.dt.mechanics.value,
                            m->time.dt.phenotype.value, dt);
    return RS_OK;
}

/* Schedules the `set` interventions and notes every intervention's step
 * (the processes schedule the others). */
static rs_status plan_interventions(rs_sim *s, rs_error *err)
{
    const rs_model *m = s->st.m;
    s->sets = calloc((size_t)m->ninterventions + 1, sizeof *s->sets);
    s->iv_step = calloc((size_t)m->ninterventions + 1, sizeof *s->iv_step);
    if (!s->sets || !s->iv_step) return rs_error_set(err, RS_ENOMEM, "out of memory");
    for (int i = 0; i < m->ninterventions; i++) {
        const rs_model_intervention *iv = &m->interventions[i];
        int64_t at = rs_clock_step_of(iv->at.value, s->st.dt);
        if (at < 0)
            return rs_error_set(err, RS_EINVAL, "interventions[%d].at: %g is out of range", i,
                                iv->at.value);
        s->iv_step[i] = at;
        if (iv->action != RS_ACTION_SET) continue;
        int p = rs_model_find_parameter(m, iv->set.parameter);
        if (p < 0)
            return rs_error_set(err, RS_EINVAL, "interventions[%d].set: unknown parameter '%s'",
                                i, iv->set.parameter);
        s->sets[s->nsets++] = (sim_set){at, p, iv->set.value.value};
    }
    return RS_OK;
}

/* Allocates the shared state's arrays and sets the fields' initial values. */
static rs_status init_state(rs_sim *s, rs_error *err)
{
    rs_sim_state *st = &s->st;
    const rs_model *m = st->m;
    size_t n = (size_t)st->nf + 1;
    st->fields = calloc(n, sizeof *st->fields);
    st->source = calloc(n, sizeof *st->source);
    st->uptake = calloc(n, sizeof *st->uptake);
    st->params = calloc((size_t)st->np + 1, sizeof *st->params);
    s->metric_values = calloc((size_t)m->nmetrics + 1, sizeof *s->metric_values);
    if (!st->fields || !st->source || !st->uptake || !st->params || !s->metric_values)
        return rs_error_set(err, RS_ENOMEM, "out of memory");
    if (rs_sim_symbols_init(&st->sy, m) != RS_OK)
        return rs_error_set(err, RS_ENOMEM, "out of memory");
    for (int i = 0; i < st->np; i++) st->params[i] = m->parameters[i].value.value;
    rs_status r;
    for (int i = 0; i < st->nf; i++)
        if ((r = rs_alloc_doubles(&st->fields[i], st->nvox, err)) != RS_OK) return r;
    if (m->ncell_types > 0) {
        int nstates = 0;
        for (int t = 0; t < m->ncell_types; t++)
            if (m->cell_types[t].nstates > nstates) nstates = m->cell_types[t].nstates;
        rs_model_summary sum;
        rs_model_summarize(m, &sum);
        r = rs_cells_create(&st->cells, st->dims, nstates, (size_t)sum.expected_cells, err);
        if (r != RS_OK) return r;
    }
    /* Voxel coordinates and scratch for the initial expressions only. */
    double *x = NULL, *y = NULL, *z = NULL, *scratch = NULL;
    if ((r = rs_alloc_doubles(&x, st->nvox, err)) == RS_OK &&
        (r = rs_alloc_doubles(&y, st->nvox, err)) == RS_OK &&
        (r = rs_alloc_doubles(&z, st->nvox, err)) == RS_OK &&
        (r = rs_alloc_doubles(&scratch, st->nvox, err)) == RS_OK) {
        rs_field_coordinates(&st->g, x, y, z);
        r = rs_field_init(m, &st->sy, st->params, &st->g, x, y, z, st->fields, scratch, err);
    }
    rs_free_aligned(x);
    rs_free_aligned(y);
    rs_free_aligned(z);
    rs_free_aligned(scratch);
    return r;
}

/* Creates the processes of the table, in order. */
static rs_status create_processes(rs_sim *s, rs_error *err)
{
    while (rs_processes[s->nproc]) s->nproc++;
    s->self = calloc((size_t)s->nproc + 1, sizeof *s->self);
    if (!s->self) return rs_error_set(err, RS_ENOMEM, "out of memory");
    for (int p = 0; p < s->nproc; p++) {
        rs_status r = rs_processes[p]->create(&s->self[p], &s->st, err);
        if (r != RS_OK) return r;
    }
    return RS_OK;
}

/* RS_ENONFINITE naming the first field (in model order) with a value that
 * is NaN or infinite, its voxel, position and the time; RS_OK when every
 * value is finite. `what` says when ("at t = 12 min"). */
/* RS_ENONFINITE naming the first live cell (in storage order) whose state
 * variable is NaN or infinite, with its id, type, state and position. */
static rs_status check_cells_finite(const rs_sim_state *st, const char *what, rs_error *err)
{
    const rs_cells *c = st->cells;
    for (size_t i = 0; c && i < c->n; i++) {
        const rs_model_cell_type *ct = &st->m->cell_types[c->type[i]];
        for (int k = 0; k < ct->nstates; k++) {
            const double v = c->state[k][i];
            if (isfinite(v)) continue;
            return rs_error_set(err, RS_ENONFINITE,
                                "cell %llu (%s) has state '%s' = %s %s at (%g, %g, %g) um: the "
                                "run blew up (a state rate too steep for dt.phenotype, or a "
                                "log, division or power out of its domain); the last "
                                "snapshot before it is kept",
                                (unsigned long long)c->id[i], ct->name, ct->states[k].name,
                                isnan(v) ? "NaN" : v > 0 ? "+inf" : "-inf", what, c->x[i],
                                c->y[i], c->z[i]);
        }
    }
    return RS_OK;
}

static rs_status check_finite(const rs_sim_state *st, const char *what, rs_status code,
                              rs_error *err)
{
    if (code == RS_ENONFINITE) {
        rs_status r = check_cells_finite(st, what, err);
        if (r != RS_OK) return r;
    }
    for (int i = 0; i < st->nf; i++) {
        size_t v = rs_field_first_nonfinite(st->fields[i], st->nvox);
        if (v == st->nvox) continue;
        const rs_grid *g = &st->g;
        int x = (int)(v % (size_t)g->nx), y = (int)(v / (size_t)g->nx % (size_t)g->ny),
            z = (int)(v / ((size_t)g->nx * (size_t)g->ny));
        double bad = st->fields[i][v];
        return rs_error_set(err, code,
                            "substrate '%s' is %s %s at voxel (%d, %d, %d), centre (%g, %g, "
                            "%g) um%s",
                            st->m->substrates[i].name,
                            isnan(bad) ? "NaN" : bad > 0 ? "+inf" : "-inf", what, x, y, z,
                            rs_grid_centre(g, x), rs_grid_centre(g, y), rs_grid_centre(g, z),
                            code == RS_ENONFINITE
                                ? ": the run blew up (a reaction too stiff for the step: "
                                  "lower time.dt.diffusion or set time.dt.reaction; or a "
                                  "log, division or power out of its domain); the last "
                                  "snapshot before it is kept"
                                : "");
    }
    return RS_OK;
}

/* Evaluates the metrics at the current step. */
static void eval_metrics(rs_sim *s)
{
    rs_metrics_eval(s->metrics, &s->st.g, (const double *const *)s->st.fields, s->st.cells,
                    rs_sim_time(s), s->metric_values);
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
    rs_sim_state *st = &s->st;
    st->m = m;
    st->g = rs_model_grid(m);
    st->nf = m->nsubstrates;
    st->np = m->nparameters;
    st->dims = m->domain.nsize == 3 ? 3 : 2;
    st->size[0] = st->g.nx * st->g.dx;
    st->size[1] = st->g.ny * st->g.dx;
    st->size[2] = st->dims == 3 ? st->g.nz * st->g.dx : 0;
    double seed = m->seed.value;
    st->seed = seed >= 0 && seed < 18446744073709551616.0 ? (uint64_t)seed : 0;
    rs_status r = rs_grid_check(&st->g, err);
    if (r == RS_OK) {
        st->nvox = rs_grid_voxels(&st->g);
        r = rs_grid_check_memory(&st->g, 8.0 * (2.0 * st->nf + 4.0), 0, err);
    }
    if (r == RS_OK) r = plan_clock(s, err);
    if (r == RS_OK) r = init_state(s, err);
    if (r == RS_OK) r = check_finite(st, "initially", RS_EINVAL, err);
    if (r == RS_OK) r = plan_interventions(s, err);
    if (r == RS_OK) r = create_processes(s, err);
    if (r == RS_OK) r = rs_metrics_create(&s->metrics, m, &st->sy, st->params, err);
    if (r != RS_OK) {
        rs_sim_destroy(s);
        return r;
    }
    eval_metrics(s);
    *out = s;
    return RS_OK;
}

/* Tells every process (and the metrics) that the parameters changed. */
static rs_status parameters_changed(rs_sim *s, rs_error *err)
{
    for (int p = 0; p < s->nproc; p++)
        if (rs_processes[p]->parameters_changed) {
            rs_status r = rs_processes[p]->parameters_changed(s->self[p], &s->st, err);
            if (r != RS_OK) return r;
        }
    rs_metrics_rebind(s->metrics, s->st.params);
    return RS_OK;
}

/* Advances one diffusion step. */
rs_status rs_sim_step(rs_sim *s, rs_error *err)
{
    if (!s) return rs_error_set(err, RS_EINVAL, "rs_sim_step: sim is NULL");
    rs_sim_state *st = &s->st;
    if (st->steps >= st->total)
        return rs_error_set(err, RS_EINVAL, "rs_sim_step: the run is at its end (step %lld)",
                            (long long)st->steps);
    const int64_t n = st->steps;
    int changed = 0;
    for (int i = 0; i < s->nsets; i++)
        if (s->sets[i].step == n) {
            st->params[s->sets[i].param] = s->sets[i].value;
            changed = 1;
        }
    if (changed) {
        rs_status r = parameters_changed(s, err);
        if (r != RS_OK) return r;
    }
    for (int p = 0; p < s->nproc; p++) {
        const rs_process_ops *ops = rs_processes[p];
        if (!rs_clock_due(n, s->cadence_period[ops->cadence])) continue;
        rs_status r = ops->step(s->self[p], st, err);
        if (r != RS_OK) return r;
    }
    st->steps = n + 1;
    return RS_OK;
}

/* Reports what is due at the current step (start: the t = 0 report). */
static rs_status report(rs_sim *s, const rs_sim_observer *obs, rs_error *err)
{
    int64_t n = s->st.steps;
    int end = n == s->st.total;
    int met = end || n == 0 || rs_clock_due(n, s->metrics_period);
    /* snapshots at t = 0 and the end even with save_every 0 (sim.h, running.md) */
    int snap = end || n == 0 || rs_clock_due(n, s->save_period);
    int ck = end || (n > 0 && rs_clock_due(n, s->checkpoint_period));
    rs_status r = RS_OK;
    /* A blow-up stops the run before anything of this step is reported:
     * run.h5 keeps the last good snapshot and metric row. */
    if (met || snap || ck) {
        char when[64];
        snprintf(when, sizeof when, "at t = %.9g min", rs_sim_time(s));
        if ((r = check_finite(&s->st, when, RS_ENONFINITE, err)) != RS_OK) return r;
    }
    if (met) {
        eval_metrics(s);
        if (obs && obs->metrics) r = obs->metrics(obs->user, s, err);
    }
    if (r == RS_OK && snap && obs && obs->snapshot) r = obs->snapshot(obs->user, s, err);
    if (r == RS_OK && ck && obs && obs->checkpoint) r = obs->checkpoint(obs->user, s, err);
    return r;
}

/* Runs to the end. */
rs_status rs_sim_run(rs_sim *s, const rs_sim_observer *obs, rs_error *err)
{
    if (!s) return rs_error_set(err, RS_EINVAL, "rs_sim_run: sim is NULL");
    rs_status r;
    if (!s->start_reported) {
        s->start_reported = 1;
        if ((r = report(s, obs, err)) != RS_OK) return r;
    }
    while (s->st.steps < s->st.total) {
        if ((r = rs_sim_step(s, err)) != RS_OK) return r;
        if ((r = report(s, obs, err)) != RS_OK) return r;
        if (obs && obs->progress && obs->progress(obs->user, s)) return RS_OK;
    }
    return RS_OK;
}

/* ---- output and checkpoints --------------------------------------------- */

rs_status rs_sim_output_declare(rs_sim *s, rs_io_run *w, rs_error *err)
{
    if (!s || !w) return rs_error_set(err, RS_EINVAL, "rs_sim_output_declare: NULL argument");
    for (int p = 0; p < s->nproc; p++)
        if (rs_processes[p]->output_declare) {
            rs_status r = rs_processes[p]->output_declare(s->self[p], &s->st, w, err);
            if (r != RS_OK) return r;
        }
    return RS_OK;
}

rs_status rs_sim_output_snapshot(const rs_sim *s, rs_io_run *w, rs_error *err)
{
    if (!s || !w) return rs_error_set(err, RS_EINVAL, "rs_sim_output_snapshot: NULL argument");
    rs_status r = rs_io_run_snapshot_begin(w, rs_sim_time(s), err);
    for (int p = 0; r == RS_OK && p < s->nproc; p++)
        if (rs_processes[p]->output_snapshot)
            r = rs_processes[p]->output_snapshot(s->self[p], &s->st, err);
    return r == RS_OK ? rs_io_run_snapshot_commit(w, err) : r;
}

/* Writes the scheduler's own part of a checkpoint into the root section. */
static rs_status save_root(const rs_sim *s, rs_io_section *root, const char *resolved,
                           rs_error *err)
{
    const rs_sim_state *st = &s->st;
    rs_status r = rs_io_section_put_string(root, "format", "regensim-checkpoint", err);
    if (r == RS_OK) r = rs_io_section_put_int64(root, "format_version", RS_CHECKPOINT_FORMAT, err);
    if (r == RS_OK) r = rs_io_section_put_string(root, "regensim_version", rs_version(), err);
    if (r == RS_OK) r = rs_io_section_put_int64(root, "steps", st->steps, err);
    /* the clock again as a checksummed array (attributes carry none) */
    const double clock[2] = {(double)st->steps, rs_sim_time(s)};
    const size_t two = 2;
    if (r == RS_OK) r = rs_io_section_put_doubles(root, "clock", 1, &two, clock, err);
    if (r == RS_OK) r = rs_io_section_put_double(root, "t", rs_sim_time(s), err);
    if (r == RS_OK) r = rs_io_section_put_uint64(root, "seed", st->seed, err);
    if (r == RS_OK) r = rs_io_section_put_int64(root, "nx", st->g.nx, err);
    if (r == RS_OK) r = rs_io_section_put_int64(root, "ny", st->g.ny, err);
    if (r == RS_OK) r = rs_io_section_put_int64(root, "nz", st->g.nz, err);
    if (r == RS_OK) r = rs_io_section_put_double(root, "dx", st->g.dx, err);
    if (r == RS_OK) r = rs_io_section_put_int64(root, "nparameters", st->np, err);
    if (r == RS_OK && st->np > 0) {
        size_t n = (size_t)st->np;
        r = rs_io_section_put_doubles(root, "parameters", 1, &n, st->params, err);
    }
    if (r == RS_OK) r = rs_io_section_put_string(root, "model_resolved", resolved, err);
    return r;
}

rs_status rs_sim_checkpoint_write(const rs_sim *s, const char *path, rs_error *err)
{
    if (!s || !path) return rs_error_set(err, RS_EINVAL, "rs_sim_checkpoint_write: NULL argument");
    char *resolved = NULL;
    if (rs_model_write_resolved(s->st.m, &resolved) != RS_OK)
        return rs_error_set(err, RS_ENOMEM, "out of memory");
    rs_io_checkpoint *ck = NULL;
    rs_io_section *sec = NULL;
    rs_status r = rs_io_checkpoint_create(&ck, path, err);
    if (r == RS_OK) r = rs_io_checkpoint_section(ck, NULL, &sec, err);
    if (r == RS_OK) r = save_root(s, sec, resolved, err);
    for (int p = 0; r == RS_OK && p < s->nproc; p++) {
        const rs_process_ops *ops = rs_processes[p];
        if (!ops->checkpoint_save) continue;
        r = rs_io_checkpoint_section(ck, ops->name, &sec, err);
        if (r == RS_OK) r = ops->checkpoint_save(s->self[p], &s->st, sec, err);
    }
    free(resolved);
    if (r != RS_OK) {
        rs_io_checkpoint_close(ck);
        return r;
    }
    return rs_io_checkpoint_commit(ck, err);
}

/* Reads and checks the scheduler's part of a checkpoint: that it is one,
 * of this format, made from this model on this grid; fills *steps and the
 * parameters. */
static rs_status load_root(rs_sim *s, rs_io_section *root, const char *path, int64_t *steps,
                           rs_error *err)
{
    rs_sim_state *st = &s->st;
    char *format = NULL, *resolved = NULL, *mine = NULL;
    int64_t version = 0, nx = 0, ny = 0, nz = 0, np = -1;
    /* The version first: it is an attribute in every format. */
    rs_status r = rs_io_section_get_int64(root, "format_version", &version, err);
    if (r == RS_OK && version != RS_CHECKPOINT_FORMAT)
        return rs_error_set(err, RS_EINVAL,
                            "%s has checkpoint format %lld; this regensim (%s) reads format "
                            "%d: start the run again (--force) instead of resuming it",
                            path, (long long)version, rs_version(), RS_CHECKPOINT_FORMAT);
    if (r == RS_OK) r = rs_io_section_get_string(root, "format", &format, err);
    if (r != RS_OK || strcmp(format, "regensim-checkpoint") != 0) {
        free(format);
        return rs_error_set(err, RS_EINVAL, "%s is not a regensim checkpoint", path);
    }
    free(format);
    if (r == RS_OK) r = rs_io_section_get_string(root, "model_resolved", &resolved, err);
    if (r == RS_OK && rs_model_write_resolved(st->m, &mine) != RS_OK)
        r = rs_error_set(err, RS_ENOMEM, "out of memory");
    if (r == RS_OK && strcmp(resolved, mine) != 0)
        r = rs_error_set(err, RS_EINVAL,
                         "%s was made from a different model (or other --set overrides) than "
                         "this run's; give the same model and --set options, or start again "
                         "with --force instead of --resume",
                         path);
    free(resolved);
    free(mine);
    if (r == RS_OK) r = rs_io_section_get_int64(root, "steps", steps, err);
    double clock[2] = {-1, -1};
    const size_t two = 2;
    if (r == RS_OK) r = rs_io_section_get_doubles(root, "clock", 1, &two, clock, err);
    if (r == RS_OK && clock[0] != (double)*steps)
        r = rs_error_set(err, RS_EIO, "%s is corrupt: its step count %lld disagrees with its "
                         "checksummed clock (%.17g)", path, (long long)*steps, clock[0]);
    if (r == RS_OK) r = rs_io_section_get_int64(root, "nx", &nx, err);
    if (r == RS_OK) r = rs_io_section_get_int64(root, "ny", &ny, err);
    if (r == RS_OK) r = rs_io_section_get_int64(root, "nz", &nz, err);
    if (r == RS_OK) r = rs_io_section_get_int64(root, "nparameters", &np, err);
    if (r != RS_OK) return r;
    if (nx != st->g.nx || ny != st->g.ny || nz != st->g.nz || np != st->np || *steps < 0 ||
        *steps > st->total)
        return rs_error_set(err, RS_EINVAL,
                            "%s does not match the model (%lld x %lld x %lld voxels, %lld "
                            "parameters, step %lld; the model has %d x %d x %d, %d, at most "
                            "%lld); start again with --force",
                            path, (long long)nx, (long long)ny, (long long)nz, (long long)np,
                            (long long)*steps, st->g.nx, st->g.ny, st->g.nz, st->np,
                            (long long)st->total);
    if (st->np > 0) {
        size_t n = (size_t)st->np;
        r = rs_io_section_get_doubles(root, "parameters", 1, &n, st->params, err);
    }
    return r;
}

rs_status rs_sim_checkpoint_read(rs_sim *s, const char *path, rs_error *err)
{
    if (!s || !path) return rs_error_set(err, RS_EINVAL, "rs_sim_checkpoint_read: NULL argument");
    rs_io_checkpoint *ck = NULL;
    rs_io_section *sec = NULL;
    int64_t steps = 0;
    rs_status r = rs_io_checkpoint_open(&ck, path, err);
    if (r == RS_OK) r = rs_io_checkpoint_section(ck, NULL, &sec, err);
    if (r == RS_OK) r = load_root(s, sec, path, &steps, err);
    for (int p = 0; r == RS_OK && p < s->nproc; p++) {
        const rs_process_ops *ops = rs_processes[p];
        if (!ops->checkpoint_load) continue;
        r = rs_io_checkpoint_section(ck, ops->name, &sec, err);
        if (r == RS_OK) r = ops->checkpoint_load(s->self[p], &s->st, sec, err);
    }
    rs_io_checkpoint_close(ck);
    if (r != RS_OK) return r;
    s->st.steps = steps;
    s->start_reported = 1; /* the checkpointed state was reported by its run */
    r = parameters_changed(s, err);
    if (r == RS_OK) eval_metrics(s);
    return r;
}

/* ---- accessors ----------------------------------------------------------- */

double rs_sim_time(const rs_sim *s) { return rs_sim_state_time(&s->st); }
int64_t rs_sim_steps(const rs_sim *s) { return s->st.steps; }
int64_t rs_sim_total_steps(const rs_sim *s) { return s->st.total; }
int rs_sim_finished(const rs_sim *s) { return s->st.steps >= s->st.total; }
const rs_model *rs_sim_model(const rs_sim *s) { return s->st.m; }
rs_grid rs_sim_grid(const rs_sim *s) { return s->st.g; }
int rs_sim_nfields(const rs_sim *s) { return s->st.nf; }

/* Name of field i, or NULL out of range. */
const char *rs_sim_field_name(const rs_sim *s, int i)
{
    return i >= 0 && i < s->st.nf ? s->st.m->substrates[i].name : NULL;
}

/* Units of field i ("" when the model gives none), or NULL out of range. */
const char *rs_sim_field_units(const rs_sim *s, int i)
{
    if (i < 0 || i >= s->st.nf) return NULL;
    return s->st.m->substrates[i].units ? s->st.m->substrates[i].units : "";
}

/* Values of field i (nvoxels), or NULL out of range. */
const double *rs_sim_field(const rs_sim *s, int i)
{
    return i >= 0 && i < s->st.nf ? s->st.fields[i] : NULL;
}

int rs_sim_nmetrics(const rs_sim *s) { return s->st.m->nmetrics; }

/* Name of metric i, or NULL out of range. */
const char *rs_sim_metric_name(const rs_sim *s, int i)
{
    return i >= 0 && i < s->st.m->nmetrics ? s->st.m->metrics[i].name : NULL;
}

const double *rs_sim_metric_values(const rs_sim *s) { return s->metric_values; }
/* The population (sim.c owns it through st.cells; NULL without cell types). */
const rs_cells *rs_sim_cells(const rs_sim *s) { return s->st.cells; }
int rs_sim_nparameters(const rs_sim *s) { return s->st.np; }
const double *rs_sim_parameters(const rs_sim *s) { return s->st.params; }

/* Snapshots at step 0, every save period and at the end (report()). */
int64_t rs_sim_snapshots_written(const rs_sim *s)
{
    const int64_t n = s->st.steps, p = s->save_period;
    int64_t k = 1 + (p > 0 ? n / p : 0);
    if (n > 0 && n == s->st.total && !rs_clock_due(n, p)) k++;
    return k;
}

double rs_sim_snapshot_time(const rs_sim *s, int64_t k)
{
    const int64_t p = s->save_period, total = s->st.total;
    int64_t step = k <= 0 ? 0 : (p > 0 && k <= (total - 1) / p) ? k * p : total;
    return (double)step * s->st.dt;
}

int rs_sim_intervention_reached(const rs_sim *s, int i)
{
    if (i < 0 || i >= s->st.m->ninterventions) return 0;
    return s->iv_step[i] < s->st.total;
}

/* proc_fields.c: the `fields` process, last in the table: moves every
 * field by one diffusion step with the shared source (and uptake) arrays
 * the processes before it filled. Substrates that diffuse or decay go
 * through the model's solver (regensim/diffusion.h) with S as its source;
 * the others take u <- (u + dt S) / (1 + dt U) (explicit Euler for S, as
 * the solvers do per voxel). It owns the fields' sections of run.h5
 * (/fields/<name>, one grid series each) and of checkpoint.h5.
 *
 * The solver is planned at create with the coefficients under the current
 * parameters, and planned again (on purpose: this allocates) only when a
 * parameter its coefficients read has changed, after a `set` or a
 * restore. */
#include <stdlib.h>
#include <string.h>

#include "regensim/diffusion.h"
#include "sim/process.h"

typedef struct diffusion {
    int nf;
    int *solved;           /* per substrate: 1 if it goes through the solver */
    rs_diffusion *solver;  /* NULL when no substrate diffuses or decays */
    int nsolved;
    double **solved_fields;
    const double **solved_rates, **solved_uptakes;
    int *uses;             /* per parameter: the coefficients read it */
    double *planned;       /* the parameters the solver was planned with */
    /* run.h5 */
    rs_io_section *out;
    int *series;           /* per substrate: its grid series */
} diffusion;

static void diffusion_destroy(void *self)
{
    diffusion *d = self;
    if (!d) return;
    rs_diffusion_destroy(d->solver);
    free(d->solved);
    free(d->solved_fields);
    free(d->solved_rates);
    free(d->solved_uptakes);
    free(d->uses);
    free(d->planned);
    free(d->series);
    free(d);
}

/* The numbers that become solver coefficients of substrate i: diffusion,
 * decay and the six faces' boundary values (NULL for a Neumann face). */
static int coefficient_numbers(const rs_model_substrate *sb, const rs_model_number **nums)
{
    int n = 0;
    nums[n++] = &sb->diffusion;
    nums[n++] = &sb->decay;
    for (int f = 0; f < RS_NFACES; f++)
        nums[n++] = sb->bc[f].kind == RS_BC_DIRICHLET ? &sb->bc[f].value : NULL;
    return n;
}

/* The substrates' coefficients and boundaries under the current
 * parameters. */
static rs_status specs_now(const rs_sim_state *st, rs_substrate_spec *all, rs_error *err)
{
    for (int i = 0; i < st->nf; i++) {
        const rs_model_substrate *sb = &st->m->substrates[i];
        rs_substrate_spec_init(&all[i], 0, 0);
        for (int f = 0; f < RS_NFACES; f++) all[i].bc[f].kind = sb->bc[f].kind;
        rs_status s = rs_sim_number_now(st, &sb->diffusion, &all[i].diffusion, err);
        if (s == RS_OK) s = rs_sim_number_now(st, &sb->decay, &all[i].decay, err);
        for (int f = 0; s == RS_OK && f < RS_NFACES; f++)
            if (all[i].bc[f].kind == RS_BC_DIRICHLET)
                s = rs_sim_number_now(st, &sb->bc[f].value, &all[i].bc[f].value, err);
        if (s != RS_OK) return s;
    }
    return RS_OK;
}

/* Plans the solver over the substrates that diffuse or decay, with the
 * coefficients under the current parameters (replacing any earlier plan). */
static rs_status plan(diffusion *d, const rs_sim_state *st, rs_error *err)
{
    rs_diffusion_destroy(d->solver);
    d->solver = NULL;
    rs_substrate_spec *all = calloc((size_t)st->nf + 1, sizeof *all);
    if (!all) return rs_error_set(err, RS_ENOMEM, "out of memory");
    rs_status s = specs_now(st, all, err);
    int n = 0;
    for (int i = 0; s == RS_OK && i < st->nf; i++) {
        d->solved[i] = all[i].diffusion > 0 || all[i].decay > 0;
        if (d->solved[i]) all[n++] = all[i];
    }
    if (s == RS_OK && n > 0) {
        rs_diffusion_config cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.grid = st->g;
        cfg.dt = st->dt;
        cfg.nsubstrates = n;
        cfg.substrates = all;
        cfg.time_order = (int)st->m->solver_options.time_order.value;
        cfg.fft_rigor = RS_FFT_ESTIMATE; /* the same plan in every process: resumable */
        s = rs_diffusion_create(&d->solver, st->m->solver ? st->m->solver : "lod", &cfg, err);
    }
    free(all);
    if (s != RS_OK) return s;
    d->nsolved = n;
    for (int i = 0, k = 0; i < st->nf; i++)
        if (d->solved[i]) {
            d->solved_fields[k] = st->fields[i];
            d->solved_rates[k] = st->source[i];
            d->solved_uptakes[k++] = st->uptake[i];
        }
    if (st->np > 0) memcpy(d->planned, st->params, (size_t)st->np * sizeof *d->planned);
    return RS_OK;
}

static rs_status diffusion_create(void **self, rs_sim_state *st, rs_error *err)
{
    diffusion *d = calloc(1, sizeof *d);
    if (!d) return rs_error_set(err, RS_ENOMEM, "out of memory");
    d->nf = st->nf;
    size_t n = (size_t)st->nf + 1;
    d->solved = calloc(n, sizeof *d->solved);
    d->solved_fields = calloc(n, sizeof *d->solved_fields);
    d->solved_rates = calloc(n, sizeof *d->solved_rates);
    d->solved_uptakes = calloc(n, sizeof *d->solved_uptakes);
    d->uses = calloc((size_t)st->np + 1, sizeof *d->uses);
    d->planned = calloc((size_t)st->np + 1, sizeof *d->planned);
    d->series = calloc(n, sizeof *d->series);
    rs_status s = RS_OK;
    if (!d->solved || !d->solved_fields || !d->solved_rates || !d->solved_uptakes || !d->uses ||
        !d->planned || !d->series)
        s = rs_error_set(err, RS_ENOMEM, "out of memory");
    /* Which parameters the coefficients read: asked of the compiled
     * expressions once, here. */
    for (int i = 0; s == RS_OK && i < st->nf; i++) {
        const rs_model_number *nums[2 + RS_NFACES];
        int k = coefficient_numbers(&st->m->substrates[i], nums);
        for (int j = 0; j < k; j++)
            for (int p = 0; nums[j] && nums[j]->expr && p < st->np; p++)
                d->uses[p] |= rs_sim_number_uses(st, nums[j], p);
    }
    if (s == RS_OK) s = plan(d, st, err);
    if (s != RS_OK) {
        diffusion_destroy(d);
        return s;
    }
    *self = d;
    return RS_OK;
}

static rs_status diffusion_step(void *self, rs_sim_state *st, rs_error *err)
{
    diffusion *d = self;
    /* All sources were computed from the step's starting state before any
     * field moves. */
    for (int i = 0; i < st->nf; i++)
        if (!d->solved[i] && (st->source[i] || st->uptake[i]))
            rs_reaction_apply(st->fields[i], st->source[i], st->uptake[i], st->dt, st->nvox);
    if (d->solver) {
        rs_status s = rs_diffusion_step(d->solver, d->solved_fields, d->solved_rates,
                                        d->solved_uptakes);
        if (s != RS_OK)
            return rs_error_set(err, s, "diffusion step %lld failed: %s", (long long)st->steps,
                                rs_strerror(s));
    }
    return RS_OK;
}

/* Plans the solver again when a parameter its coefficients read changed. */
static rs_status diffusion_parameters_changed(void *self, rs_sim_state *st, rs_error *err)
{
    diffusion *d = self;
    for (int p = 0; p < st->np; p++)
        if (d->uses[p] && memcmp(&d->planned[p], &st->params[p], sizeof(double)) != 0)
            return plan(d, st, err);
    return RS_OK;
}

static rs_status diffusion_checkpoint_save(void *self, const rs_sim_state *st,
                                           rs_io_section *sec, rs_error *err)
{
    (void)self;
    const size_t dims[3] = {(size_t)st->g.nz, (size_t)st->g.ny, (size_t)st->g.nx};
    for (int i = 0; i < st->nf; i++) {
        rs_status s = rs_io_section_put_doubles(sec, st->m->substrates[i].name, 3, dims,
                                                st->fields[i], err);
        if (s != RS_OK) return s;
    }
    return RS_OK;
}

static rs_status diffusion_checkpoint_load(void *self, rs_sim_state *st, rs_io_section *sec,
                                           rs_error *err)
{
    (void)self;
    const size_t dims[3] = {(size_t)st->g.nz, (size_t)st->g.ny, (size_t)st->g.nx};
    for (int i = 0; i < st->nf; i++) {
        rs_status s = rs_io_section_get_doubles(sec, st->m->substrates[i].name, 3, dims,
                                                st->fields[i], err);
        if (s != RS_OK) return s;
    }
    return RS_OK;
}

static rs_status diffusion_output_declare(void *self, const rs_sim_state *st, rs_io_run *w,
                                          rs_error *err)
{
    diffusion *d = self;
    rs_status s = rs_io_run_section(w, "fields", &d->out, err);
    for (int i = 0; s == RS_OK && i < st->nf; i++) {
        const rs_model_substrate *sb = &st->m->substrates[i];
        d->series[i] = -1;
        if (!sb->save) continue; /* not in snapshots (checkpoints hold it) */
        s = rs_io_section_grid_series(d->out, sb->name, sb->units ? sb->units : "",
                                      &d->series[i], err);
    }
    return s;
}

static rs_status diffusion_output_snapshot(void *self, const rs_sim_state *st, rs_error *err)
{
    diffusion *d = self;
    for (int i = 0; i < st->nf; i++) {
        if (d->series[i] < 0) continue;
        rs_status s = rs_io_section_append_grid(d->out, d->series[i], st->fields[i], err);
        if (s != RS_OK) return s;
    }
    return RS_OK;
}

const rs_process_ops rs_process_fields = {
    .name = "fields",
    .cadence = RS_CADENCE_DIFFUSION,
    .create = diffusion_create,
    .step = diffusion_step,
    .destroy = diffusion_destroy,
    .parameters_changed = diffusion_parameters_changed,
    .checkpoint_save = diffusion_checkpoint_save,
    .checkpoint_load = diffusion_checkpoint_load,
    .output_declare = diffusion_output_declare,
    .output_snapshot = diffusion_output_snapshot,
};

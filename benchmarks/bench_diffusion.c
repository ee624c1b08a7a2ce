/* bench_diffusion.c: the per-case diffusion measurement of regensim-bench.
 * Fields start from a smooth, non-trivial state (a product of cosines per
 * substrate, different modes per substrate) so no solver meets a special
 * case such as a constant field; source and uptake are NULL (pure
 * diffusion-decay). */
#include "bench_diffusion.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regensim/alloc.h"
#include "regensim/diffusion.h"

static const double pi = 3.14159265358979323846;

/* 1 + 0.5 cos(a x) cos(b y) cos(c z) with modes that differ per substrate,
 * each plane written by the thread that will later work on it (static
 * schedule over planes). */
static int fill_fields(double **fields, int nsub, int n)
{
    double *tab = malloc(3 * (size_t)n * sizeof *tab);
    if (!tab) return -1;
    const size_t plane = (size_t)n * n;
    for (int s = 0; s < nsub; s++) {
        for (int i = 0; i < n; i++) {
            double x = ((double)i + 0.5) / n;
            tab[i] = cos(pi * x * (1 + s));
            tab[n + i] = cos(pi * x * (2 + s));
            tab[2 * n + i] = cos(pi * x * (3 + s)) + 0.25 * sin(2 * pi * x);
        }
        double *f = fields[s];
#pragma omp parallel for schedule(static)
        for (int k = 0; k < n; k++)
            for (int j = 0; j < n; j++) {
                double *row = f + (size_t)k * plane + (size_t)j * n;
                double yz = 0.5 * tab[n + j] * tab[2 * n + k];
                for (int i = 0; i < n; i++) row[i] = 1.0 + yz * tab[i];
            }
    }
    free(tab);
    return 0;
}

/* 1 when every value is finite. */
static int fields_finite(double *const *fields, int nsub, size_t nvox)
{
    int ok = 1;
    for (int s = 0; s < nsub; s++) {
        const double *f = fields[s];
#pragma omp parallel for schedule(static) reduction(&& : ok)
        for (long long i = 0; i < (long long)nvox; i++) ok = ok && isfinite(f[i]);
    }
    return ok;
}

static void set_error(bench_result *r, bench_outcome o, const char *msg)
{
    r->outcome = o;
    snprintf(r->error, sizeof r->error, "%s", msg);
}

/* Steps until at least min_seconds and min_steps have passed; returns the
 * seconds per step, or a negative value if a step failed. */
static double timed_repeat(rs_diffusion *d, double *const *fields, const bench_timing *t,
                           int *steps, rs_status *st)
{
    double t0 = omp_get_wtime(), elapsed = 0.0;
    *steps = 0;
    while (*steps < t->min_steps || elapsed < t->min_seconds) {
        *st = rs_diffusion_step(d, fields, NULL, NULL);
        if (*st != RS_OK) return -1.0;
        ++*steps;
        elapsed = omp_get_wtime() - t0;
    }
    return elapsed / *steps;
}

/* One warm-up step (first touch of the work space, FFTW's own set-up), then
 * the repeats; the best per-step time counts. */
static void measure(rs_diffusion *d, double *const *fields, const bench_timing *t,
                    bench_result *r)
{
    rs_status st = rs_diffusion_step(d, fields, NULL, NULL);
    double best = INFINITY;
    for (int rep = 0; st == RS_OK && rep < t->repeats; rep++) {
        int steps;
        double sec = timed_repeat(d, fields, t, &steps, &st);
        if (sec < 0) break;
        if (sec < best) best = sec;
        r->steps += steps;
        r->repeats++;
    }
    if (st != RS_OK) {
        char msg[128];
        snprintf(msg, sizeof msg, "rs_diffusion_step failed: %s", rs_strerror(st));
        set_error(r, st == RS_EUNSUPPORTED ? BENCH_SKIPPED : BENCH_FAILED, msg);
        return;
    }
    r->seconds_per_step = best;
}

/* Creates the solver on ready fields and measures it. */
static void create_and_measure(const bench_case *c, const rs_diffusion_config *cfg,
                               double *const *fields, const bench_timing *t,
                               bench_result *r)
{
    rs_diffusion *d = NULL;
    rs_error err;
    rs_error_clear(&err);
    double t0 = omp_get_wtime();
    rs_status st = rs_diffusion_create(&d, c->solver, cfg, &err);
    r->create_seconds = omp_get_wtime() - t0;
    if (st != RS_OK) {
        char msg[sizeof err.msg + sizeof err.file + 32];
        rs_error_format(&err, msg, sizeof msg);
        set_error(r, st == RS_EUNSUPPORTED || st == RS_ETOOBIG ? BENCH_SKIPPED
                                                                : BENCH_FAILED, msg);
        return;
    }
    r->bytes_per_voxel_substrate = rs_diffusion_bytes_per_voxel_substrate(d);
    measure(d, fields, t, r);
    if (r->outcome == BENCH_MEASURED &&
        !fields_finite(fields, c->substrates, rs_grid_voxels(&cfg->grid)))
        set_error(r, BENCH_FAILED, "non-finite values in the fields after the timed steps");
    rs_diffusion_destroy(d);
}

void bench_diffusion_run(const bench_case *c, const bench_timing *t, bench_result *r)
{
    memset(r, 0, sizeof *r);
    r->outcome = BENCH_MEASURED;
    omp_set_num_threads(c->threads);

    rs_substrate_spec *specs = calloc((size_t)c->substrates, sizeof *specs);
    double **fields = calloc((size_t)c->substrates, sizeof *fields);
    if (!specs || !fields) {
        set_error(r, BENCH_SKIPPED, "out of memory");
        free(specs);
        free(fields);
        return;
    }
    for (int s = 0; s < c->substrates; s++)
        rs_substrate_spec_init(&specs[s], BENCH_DIFFUSION_D, BENCH_DECAY);

    rs_diffusion_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.grid = (rs_grid){.nx = c->n, .ny = c->n, .nz = c->n, .dx = BENCH_DX};
    cfg.dt = BENCH_DT_FRACTION *
             rs_diffusion_explicit_dt_limit(&cfg.grid, specs, c->substrates);
    cfg.nsubstrates = c->substrates;
    cfg.substrates = specs;
    cfg.time_order = c->time_order;
    cfg.fft_rigor = RS_FFT_MEASURE;
    r->dt = cfg.dt;

    /* Refuses what cannot fit before touching any memory (the solver checks
     * its work space again at create). */
    rs_error err;
    rs_error_clear(&err);
    if (rs_grid_check_memory(&cfg.grid, (double)c->substrates * sizeof(double), 0.0,
                             &err) != RS_OK) {
        set_error(r, BENCH_SKIPPED, err.msg);
        free(fields);
        free(specs);
        return;
    }
    const size_t nvox = rs_grid_voxels(&cfg.grid);
    int ok = 1;
    for (int s = 0; s < c->substrates && ok; s++) {
        fields[s] = rs_alloc_aligned(nvox * sizeof(double));
        ok = fields[s] != NULL;
    }
    if (ok) ok = fill_fields(fields, c->substrates, c->n) == 0;
    if (ok) {
        create_and_measure(c, &cfg, fields, t, r);
    } else {
        char msg[128];
        snprintf(msg, sizeof msg, "out of memory for %d fields of %zu voxels",
                 c->substrates, nvox);
        set_error(r, BENCH_SKIPPED, msg);
    }
    for (int s = 0; s < c->substrates; s++) rs_free_aligned(fields[s]);
    free(fields);
    free(specs);
}

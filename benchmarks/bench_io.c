/* bench_io.c: the run output (src/io) for regensim-bench.
 *  - Snapshot write throughput: a smooth (Gaussian) field, like a diffusing
 *    substrate, written with the library's own settings (one snapshot per
 *    chunk, capped; shuffle + deflate).
 *  - Run-time overhead of output: a representative model (a diffusing
 *    cytokine from a source, a non-diffusing myelin field it damages,
 *    metrics) run with a NULL observer and with the observer `regensim run`
 *    uses (src/cli/cmd_run.c: snapshots, metric rows, the final
 *    checkpoint), same process, same thread count. The run with output
 *    is split into the costs paid once per run (creating run.h5,
 *    finishing it, the final checkpoint) and those paid per snapshot, so
 *    that the steady per-snapshot overhead of a long run is reported
 *    apart from the total of this short one (bench_io_derive). */
#define _XOPEN_SOURCE 700
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_io.h"
#include "regensim/io.h"
#include "regensim/model.h"
#include "regensim/run.h"
#include "regensim/sim.h"

/* Removes the files a run writes (and their temporaries), keeping dir. */
static void remove_files(const char *dir)
{
    static const char *const files[] = {"run.h5",          "run.xmf",       "status",
                                        "checkpoint.h5",   "run.xmf.tmp",   "status.tmp",
                                        "checkpoint.h5.tmp", "run.h5.tmp",  "run-xdmf.h5",
                                        "run-xdmf.h5.tmp", "run.reserve"};
    char p[600];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        unlink(p);
    }
}

/* Removes the files the run wrote and the directory. */
static void remove_run(const char *dir)
{
    remove_files(dir);
    rmdir(dir);
}

static double file_mb(const char *dir, const char *name)
{
    char p[600];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &st) == 0 ? (double)st.st_size / 1e6 : 0.0;
}

const bench_io_format bench_io_formats[BENCH_IO_NFORMATS] = {
    {"float64", "deflate"}, {"float64", "none"}, {"float32", "deflate"}, {"float32", "none"}};

/* The io layer's form of a format. */
static rs_io_snapshot_format io_format(bench_io_format f)
{
    rs_io_snapshot_format x = {0};
    x.float32 = strcmp(f.precision, "float32") == 0;
    x.no_compression = strcmp(f.compression, "none") == 0;
    return x;
}

void bench_io_run(int n, int snapshots, bench_io_format fmt, bench_io_result *r)
{
    memset(r, 0, sizeof *r);
    r->n = n;
    r->fmt = fmt;
    r->snapshots = snapshots;
    char dir[] = "/tmp/regensim-bench-io-XXXXXX";
    if (!mkdtemp(dir)) {
        r->failed = 1;
        snprintf(r->error, sizeof r->error, "cannot make a temporary directory");
        return;
    }
    size_t nv = (size_t)n * n * n;
    double *u = malloc(nv * sizeof *u);
    if (!u) {
        r->failed = 1;
        snprintf(r->error, sizeof r->error, "cannot allocate %zu doubles", nv);
        rmdir(dir);
        return;
    }
    rs_io_run_info info = {.dir = dir, .force = 1, .model_name = "bench", .model_source = "",
                           .model_resolved = "", .grid = {n, n, n, 1.0},
                           .snapshots = io_format(fmt)};
    rs_io_run *w = NULL;
    rs_io_section *sec = NULL;
    int h = -1;
    rs_error err;
    rs_status s = rs_io_run_create(&w, &info, &err);
    if (s == RS_OK) s = rs_io_run_section(w, "fields", &sec, &err);
    if (s == RS_OK) s = rs_io_section_grid_series(sec, "u", "mM", &h, &err);
    if (s == RS_OK) s = rs_io_run_ready(w, &err);
    double best = -1;
    for (int k = 0; k < snapshots && s == RS_OK; k++) {
        double c = 0.5 * n, wdt = (0.15 + 0.05 * k) * n;
        for (int z = 0; z < n; z++)
            for (int y = 0; y < n; y++)
                for (int x = 0; x < n; x++) {
                    double d2 = (x - c) * (x - c) + (y - c) * (y - c) + (z - c) * (z - c);
                    u[(size_t)x + (size_t)n * ((size_t)y + (size_t)n * z)] =
                        exp(-d2 / (2 * wdt * wdt));
                }
        double t0 = omp_get_wtime();
        s = rs_io_run_snapshot_begin(w, k, &err);
        if (s == RS_OK) s = rs_io_section_append_grid(sec, h, u, &err);
        if (s == RS_OK) s = rs_io_run_snapshot_commit(w, &err);
        double dt = omp_get_wtime() - t0;
        if (best < 0 || dt < best) best = dt;
    }
    if (s == RS_OK) s = rs_io_run_finish(w, 1, NULL, &err);
    rs_io_run_destroy(w);
    if (s != RS_OK) {
        r->failed = 1;
        snprintf(r->error, sizeof r->error, "%s", err.msg);
    } else {
        char p[600];
        struct stat st;
        snprintf(p, sizeof p, "%s/run.h5", dir);
        r->seconds_per_snapshot = best;
        r->mb_per_s = (double)nv * sizeof(double) / best / 1e6;
        if (stat(p, &st) == 0 && st.st_size > 0)
            r->compression_ratio = (double)nv * sizeof(double) * snapshots / (double)st.st_size;
    }
    free(u);
    remove_run(dir);
}

/* The overhead model on an n^3 grid of 10 um voxels (see bench_io.h for
 * its clock), its snapshots in format fmt. */
static int overhead_model_text(char *buf, size_t size, int n, bench_io_format fmt)
{
    double len = 10.0 * n, c = 0.5 * len, radius = 0.1 * len;
    return snprintf(buf, size,
                    "regensim: 1\n"
                    "name: bench_io_overhead\n"
                    "domain: {size: [%g, %g, %g], dx: 10}\n"
                    "time:\n"
                    "  end: %d\n"
                    "  dt: {diffusion: 1, mechanics: 1, phenotype: 10}\n"
                    "  save_every: %d\n"
                    "  checkpoint_every: 0\n"
                    "solver: lod\n"
                    "output: {precision: %s, compression: %s}\n"
                    "seed: 1\n"
                    "parameters:\n"
                    "  k: 0.002\n"
                    "substrates:\n"
                    "  cytokine:\n"
                    "    diffusion: 3000\n"
                    "    decay: 0.01\n"
                    "    initial: 0\n"
                    "    units: ng/mL\n"
                    "  myelin:\n"
                    "    diffusion: 0\n"
                    "    initial: 1\n"
                    "    reaction: \"-k * cytokine * myelin\"\n"
                    "interventions:\n"
                    "  - {at: 0, source: {field: cytokine, rate: 0.5, region: {sphere: "
                    "{center: [%g, %g, %g], radius: %g}}}}\n"
                    "metrics:\n"
                    "  cytokine_total: \"integral(cytokine)\"\n"
                    "  myelin_mean: \"mean(myelin)\"\n",
                    len, len, len, BENCH_IO_STEPS, BENCH_IO_SAVE_EVERY, fmt.precision,
                    fmt.compression, c, c, c, radius);
}

/* What the observer's callbacks share. They make the library calls rs_run
 * makes (src/run/run.c), each timed. */
typedef struct overhead_state {
    rs_io_run *w;
    char checkpoint_path[600];
    bench_io_split t; /* seconds in each part of the output */
} overhead_state;

static rs_status ov_snapshot(void *user, const rs_sim *s, rs_error *err)
{
    overhead_state *os = user;
    double t0 = omp_get_wtime();
    rs_status st = rs_sim_output_snapshot(s, os->w, err);
    os->t.snapshots += omp_get_wtime() - t0;
    return st;
}

static rs_status ov_metrics(void *user, const rs_sim *s, rs_error *err)
{
    overhead_state *os = user;
    static const double none[1] = {0};
    double t0 = omp_get_wtime();
    const double *v = rs_sim_nmetrics(s) > 0 ? rs_sim_metric_values(s) : none;
    rs_status st = rs_io_run_metrics(os->w, rs_sim_time(s), v, err);
    os->t.metrics += omp_get_wtime() - t0;
    return st;
}

static rs_status ov_checkpoint(void *user, const rs_sim *s, rs_error *err)
{
    overhead_state *os = user;
    double t0 = omp_get_wtime();
    rs_status st = rs_sim_checkpoint_write(s, os->checkpoint_path, err);
    os->t.checkpoint += omp_get_wtime() - t0;
    return st;
}

/* One run of m from step 0 (a fresh rs_sim; its creation is not timed).
 * dir NULL: no output (observer NULL, metrics still evaluated); else the
 * output goes to dir as `regensim run` writes it, the time includes
 * rs_io_run_create and rs_io_run_finish, and *split says where the output's
 * share of it went. Returns the seconds, or -1 with err set. */
static double overhead_once(const rs_model *m, const char *text, const char *resolved,
                            const char *dir, int *snapshots, bench_io_split *split,
                            rs_error *err)
{
    rs_sim *sim = NULL;
    rs_status st = rs_sim_create(&sim, m, err);
    if (st != RS_OK) return -1;
    if (!dir) {
        double t0 = omp_get_wtime();
        st = rs_sim_run(sim, NULL, err);
        double t = omp_get_wtime() - t0;
        rs_sim_destroy(sim);
        return st == RS_OK ? t : -1;
    }
    int nm = rs_sim_nmetrics(sim);
    const char *mnames[8];
    if (nm > 8) {
        rs_sim_destroy(sim);
        rs_error_set(err, RS_EINVAL, "overhead model: too many metrics");
        return -1;
    }
    for (int i = 0; i < nm; i++) mnames[i] = rs_sim_metric_name(sim, i);
    overhead_state os = {0};
    snprintf(os.checkpoint_path, sizeof os.checkpoint_path, "%s/checkpoint.h5", dir);
    rs_io_run_info info = {.dir = dir, .force = 1, .model_name = m->name,
                           .model_source = text, .model_resolved = resolved, .seed = 1,
                           .grid = rs_sim_grid(sim), .nmetrics = nm, .metric_names = mnames,
                           .snapshots = rs_run_snapshot_format(m)};
    rs_io_run *w = NULL;
    double t0 = omp_get_wtime();
    st = rs_io_run_create(&w, &info, err);
    if (st == RS_OK) st = rs_sim_output_declare(sim, w, err);
    if (st == RS_OK) st = rs_io_run_ready(w, err);
    os.t.create = omp_get_wtime() - t0;
    if (st == RS_OK) {
        os.w = w;
        rs_sim_observer obs = {&os, ov_snapshot, ov_metrics, ov_checkpoint, NULL};
        st = rs_sim_run(sim, &obs, err);
        *snapshots = rs_io_run_nsnapshots(w);
        double t1 = omp_get_wtime();
        if (st == RS_OK) st = rs_io_run_finish(w, 1, NULL, err);
        os.t.finish = omp_get_wtime() - t1;
    }
    double t = omp_get_wtime() - t0;
    rs_io_run_destroy(w);
    rs_sim_destroy(sim);
    *split = os.t;
    return st == RS_OK ? t : -1;
}

void bench_io_overhead_run(int n, int threads, int repeats, bench_io_format fmt,
                           bench_io_overhead *r)
{
    memset(r, 0, sizeof *r);
    r->n = n;
    r->fmt = fmt;
    r->threads = threads;
    r->steps = BENCH_IO_STEPS;
    r->repeats = repeats;
    char text[2048];
    overhead_model_text(text, sizeof text, n, fmt);
    rs_model *m = NULL;
    rs_errors errs;
    rs_errors_clear(&errs);
    if (rs_model_load_string(&m, text, strlen(text), "bench_io_overhead.yaml", NULL, 0,
                             &errs) != RS_OK) {
        r->failed = 1;
        if (errs.count > 0) rs_error_format(&errs.item[0], r->error, sizeof r->error);
        else snprintf(r->error, sizeof r->error, "the overhead model does not load");
        return;
    }
    char *resolved = NULL;
    char dir[] = "/tmp/regensim-bench-io-XXXXXX";
    if (rs_model_write_resolved(m, &resolved) != RS_OK) {
        r->failed = 1;
        snprintf(r->error, sizeof r->error, "out of memory");
        rs_model_destroy(m);
        return;
    }
    if (!mkdtemp(dir)) {
        r->failed = 1;
        snprintf(r->error, sizeof r->error, "cannot make a temporary directory");
        free(resolved);
        rs_model_destroy(m);
        return;
    }
    omp_set_num_threads(threads);
    rs_error err;
    rs_error_clear(&err);
    double best_without = -1, best_with = -1;
    for (int k = 0; k < repeats && !r->failed; k++) {
        /* Alternate, so drifting machine load hits both kinds alike. */
        bench_io_split split = {0};
        double a = overhead_once(m, text, resolved, NULL, NULL, &split, &err);
        remove_files(dir);
        double b =
            a < 0 ? -1 : overhead_once(m, text, resolved, dir, &r->snapshots, &split, &err);
        if (a < 0 || b < 0) {
            r->failed = 1;
            rs_error_format(&err, r->error, sizeof r->error);
            break;
        }
        if (best_without < 0 || a < best_without) best_without = a;
        if (best_with < 0 || b < best_with) {
            best_with = b;
            r->split = split;
        }
        r->output_mb = file_mb(dir, "run.h5") + file_mb(dir, "checkpoint.h5");
    }
    if (!r->failed) {
        r->fields = m->nsubstrates;
        r->seconds_without_output = best_without;
        r->seconds_with_output = best_with;
        r->output_fraction = (best_with - best_without) / best_with;
    }
    remove_run(dir);
    free(resolved);
    rs_model_destroy(m);
}

void bench_io_derive(const bench_io_overhead *o, bench_io_derived *d)
{
    const bench_io_split *t = &o->split;
    const double diff = o->seconds_with_output - o->seconds_without_output;
    d->per_step = o->seconds_without_output / o->steps;
    d->per_snapshot = diff / o->snapshots;
    d->fixed = t->create + t->finish + t->checkpoint;
    d->per_snapshot_steady = (diff - d->fixed) / o->snapshots;
    d->callback_per_snapshot = (t->snapshots + t->metrics) / o->snapshots;
    d->fraction_steady = d->per_snapshot_steady /
                         (d->per_snapshot_steady + BENCH_IO_SAVE_EVERY * d->per_step);
    const double typical_out =
        (BENCH_IO_TYPICAL_STEPS / BENCH_IO_TYPICAL_SAVE_EVERY + 1) * d->per_snapshot_steady +
        d->fixed;
    d->fraction_typical = typical_out / (typical_out + BENCH_IO_TYPICAL_STEPS * d->per_step);
}

static void write_dims(bench_json *w, int n)
{
    bench_json_begin_array(w, "dims", 1);
    for (int d = 0; d < 3; d++) bench_json_int(w, NULL, n);
    bench_json_end_array(w);
}

void bench_io_write(bench_json *w, const bench_io_result *r, int n,
                    const bench_io_overhead *ov, int nov)
{
    bench_json_begin_array(w, "io", 0);
    for (int i = 0; i < n; i++) {
        bench_json_begin_object(w, NULL, 1);
        bench_json_string(w, "kind", "snapshot_write");
        bench_json_string(w, "what", "snapshot write");
        bench_json_string(w, "precision", r[i].fmt.precision);
        bench_json_string(w, "compression", r[i].fmt.compression);
        write_dims(w, r[i].n);
        bench_json_int(w, "snapshots", r[i].snapshots);
        if (r[i].failed) {
            bench_json_bool(w, "skipped", 1);
            bench_json_bool(w, "failed", 1);
            bench_json_string(w, "error", r[i].error);
        } else {
            bench_json_number(w, "seconds_per_snapshot", r[i].seconds_per_snapshot);
            bench_json_number(w, "mb_per_s", r[i].mb_per_s);
            bench_json_number(w, "compression_ratio", r[i].compression_ratio);
        }
        bench_json_end_object(w);
    }
    for (int i = 0; i < nov; i++) {
        const bench_io_overhead *o = &ov[i];
        bench_json_begin_object(w, NULL, 1);
        bench_json_string(w, "kind", "run_overhead");
        bench_json_string(w, "precision", o->fmt.precision);
        bench_json_string(w, "compression", o->fmt.compression);
        write_dims(w, o->n);
        bench_json_int(w, "steps", o->steps);
        bench_json_int(w, "save_every_steps", BENCH_IO_SAVE_EVERY);
        bench_json_int(w, "threads", o->threads);
        bench_json_int(w, "repeats", o->repeats);
        if (o->failed) {
            bench_json_bool(w, "skipped", 1);
            bench_json_bool(w, "failed", 1);
            bench_json_string(w, "error", o->error);
        } else {
            bench_json_int(w, "snapshots", o->snapshots);
            bench_json_int(w, "fields", o->fields);
            bench_json_number(w, "seconds_without_output", o->seconds_without_output);
            bench_json_number(w, "seconds_with_output", o->seconds_with_output);
            /* output_fraction: the whole short run, fixed costs included. */
            bench_json_number(w, "output_fraction", o->output_fraction);
            bench_io_derived d;
            bench_io_derive(o, &d);
            bench_json_number(w, "seconds_per_step", d.per_step);
            bench_json_number(w, "output_seconds_per_snapshot", d.per_snapshot);
            /* Steady state: a snapshot's cost once the fixed per-run costs
             * are taken out, measured by difference and, as a cross-check,
             * directly inside the callbacks; the fraction a long run at a
             * snapshot every BENCH_IO_SAVE_EVERY steps would see. */
            bench_json_number(w, "seconds_fixed_per_run", d.fixed);
            bench_json_number(w, "output_seconds_per_snapshot_steady", d.per_snapshot_steady);
            bench_json_number(w, "callback_seconds_per_snapshot", d.callback_per_snapshot);
            bench_json_number(w, "output_fraction_steady", d.fraction_steady);
            bench_json_int(w, "typical_save_every_steps", BENCH_IO_TYPICAL_SAVE_EVERY);
            bench_json_int(w, "typical_steps", BENCH_IO_TYPICAL_STEPS);
            bench_json_number(w, "output_fraction_at_typical_save_every", d.fraction_typical);
            bench_json_number(w, "steps_per_snapshot_for_5_percent",
                              19.0 * d.per_snapshot_steady / d.per_step);
            bench_json_number(w, "output_mb", o->output_mb);
            bench_json_number(w, "seconds_in_create", o->split.create);
            bench_json_number(w, "seconds_in_snapshots", o->split.snapshots);
            bench_json_number(w, "seconds_in_metrics", o->split.metrics);
            bench_json_number(w, "seconds_in_checkpoint", o->split.checkpoint);
            bench_json_number(w, "seconds_in_finish", o->split.finish);
        }
        bench_json_end_object(w);
    }
    bench_json_end_array(w);
}

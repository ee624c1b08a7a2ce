/* bench_main.c: regensim-bench, the benchmark program behind
 * scripts/bench.sh. It measures the machine's memory bandwidth (STREAM
 * triad), then every diffusion solver on cubic grids for 1 and 4 substrates
 * and each thread count, then the expression evaluator (a Hill reaction
 * over 10^6 points) per thread count, then the run output (snapshot write
 * throughput, and the run-time overhead of output per thread count), then
 * the cells, then the sweep machinery (the per-run overhead of `regensim
 * sweep` and the speedup of -j 2), and prints one JSON document on
 * stdout (format: docs/performance.md and design.md "Benchmark output");
 * progress goes to stderr. A solver that is not available
 * (RS_EUNSUPPORTED) or a case that does not fit in memory is reported as
 * skipped with the error; any other failure is reported the same way and
 * makes the exit status 1. */
#include <fftw3.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_cells.h"
#include "bench_diffusion.h"
#include "bench_expr.h"
#include "bench_fftw.h"
#include "bench_io.h"
#include "bench_json.h"
#include "bench_options.h"
#include "bench_stream.h"
#include "bench_sweep.h"
#include "regensim/diffusion.h"
#include "regensim/version.h"

/* How this program and the library it measures were built, from CMake
 * (benchmarks/CMakeLists.txt): the "build" object of the document. */
#ifndef RS_BENCH_COMPILER
#define RS_BENCH_COMPILER "unknown"
#endif
#ifndef RS_BENCH_C_FLAGS
#define RS_BENCH_C_FLAGS "unknown"
#endif
#ifndef RS_BENCH_BUILD_TYPE
#define RS_BENCH_BUILD_TYPE ""
#endif
#ifndef RS_BENCH_NATIVE
#define RS_BENCH_NATIVE 0
#endif

/* Bytes of memory traffic one voxel-update needs at best: each pass over
 * the field reads and writes every value once (8 + 8 bytes). explicit makes
 * one pass, lod two (the fused x+y plane pass and the z slab pass), spectral
 * three (the passes of its cosine transforms and multiplier). */
static double bytes_moved_per_voxel_update(const char *solver)
{
    if (strcmp(solver, "explicit") == 0) return 16.0;
    if (strcmp(solver, "lod") == 0) return 32.0;
    return 48.0; /* spectral */
}

typedef struct entry {
    bench_case c;
    bench_result r;
    double fftw_only_seconds; /* spectral: bare FFTW pair; <= 0 if none */
    char fftw_error[256];
} entry;

/* The 1-minute load average from /proc/loadavg, or -1: on a shared machine
 * it tells how much the figures may have been disturbed. */
static double load_average(void)
{
    double v = -1.0;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &v) != 1) v = -1.0;
        fclose(f);
    }
    return v;
}

typedef struct stream_figures {
    size_t n;
    int reps;
    int nthreads;
    int threads[BENCH_MAX_LIST];
    double gbs[BENCH_MAX_LIST];
    double best_gbs; /* <= 0 when the triad failed */
    int best_threads;
    double load_start, load_end; /* 1-minute load averages */
} stream_figures;

/* The cases of a run, in output order: per solver, size, substrate count
 * and thread count; lod also at time_order 2 on the largest grid with one
 * substrate. Returns the count (at most cap). */
static int plan_cases(const bench_options *o, bench_case *cases, int cap)
{
    static const int substrate_counts[] = {1, 4};
    const char *const *names = rs_diffusion_names();
    int largest = 0, n = 0;
    for (int s = 0; s < o->nsizes; s++)
        if (o->sizes[s] > largest) largest = o->sizes[s];
    for (int v = 0; names[v]; v++) {
        if (o->solver && strcmp(o->solver, names[v]) != 0) continue;
        int order = strcmp(names[v], "lod") == 0 ? 1 : 0;
        for (int s = 0; s < o->nsizes; s++)
            for (int b = 0; b < 2; b++)
                for (int t = 0; t < o->nthreads && n < cap; t++)
                    cases[n++] = (bench_case){names[v], o->sizes[s], substrate_counts[b],
                                              o->threads[t], order};
        if (order)
            for (int t = 0; t < o->nthreads && n < cap; t++)
                cases[n++] = (bench_case){names[v], largest, 1, o->threads[t], 2};
    }
    return n;
}

static void run_stream(const bench_options *o, stream_figures *sf)
{
    memset(sf, 0, sizeof *sf);
    sf->n = o->quick ? (size_t)1 << 23 : (size_t)1 << 25;
    sf->reps = o->quick ? 5 : 10;
    sf->best_gbs = -1.0;
    sf->nthreads = o->nthreads;
    for (int t = 0; t < o->nthreads; t++) {
        sf->threads[t] = o->threads[t];
        fprintf(stderr, "stream triad: 3 x %zu doubles, %d thread(s) ... ", sf->n,
                o->threads[t]);
        sf->gbs[t] = bench_stream_triad(sf->n, o->threads[t], sf->reps);
        if (sf->gbs[t] > 0) fprintf(stderr, "%.2f GB/s\n", sf->gbs[t]);
        else fprintf(stderr, "failed\n");
        if (sf->gbs[t] > sf->best_gbs) {
            sf->best_gbs = sf->gbs[t];
            sf->best_threads = o->threads[t];
        }
    }
}

static double voxel_updates_per_s(const entry *e)
{
    double nvox = (double)e->c.n * e->c.n * e->c.n;
    return nvox * e->c.substrates / e->r.seconds_per_step;
}

static double fraction_of_bound(const entry *e, double gbs)
{
    if (!(gbs > 0)) return -1.0;
    return voxel_updates_per_s(e) * bytes_moved_per_voxel_update(e->c.solver) /
           (gbs * 1e9);
}

/* The bare-FFTW reference for a spectral entry, measured once per grid size
 * and thread count and shared by the 1- and 4-substrate entries. */
static void fftw_reference(entry *entries, int i, const bench_timing *t)
{
    entry *e = &entries[i];
    for (int j = 0; j < i; j++) {
        const entry *p = &entries[j];
        if (strcmp(p->c.solver, "spectral") == 0 && p->c.n == e->c.n &&
            p->c.threads == e->c.threads && p->r.outcome == BENCH_MEASURED) {
            e->fftw_only_seconds = p->fftw_only_seconds;
            memcpy(e->fftw_error, p->fftw_error, sizeof e->fftw_error);
            return;
        }
    }
    fprintf(stderr, "    fftw reference: %d^3 REDFT10+REDFT01, %d thread(s) ... ", e->c.n,
            e->c.threads);
    e->fftw_only_seconds =
        bench_fftw_dct_pair(e->c.n, e->c.threads, t, e->fftw_error, sizeof e->fftw_error);
    if (e->fftw_only_seconds > 0)
        fprintf(stderr, "%.4g ms per pair\n", 1e3 * e->fftw_only_seconds);
    else
        fprintf(stderr, "%s\n", e->fftw_error);
}

static void progress(int i, int n, const entry *e, double gbs)
{
    fprintf(stderr, "[%d/%d] %s%s %d^3 x%d, %d thread(s): ", i + 1, n, e->c.solver,
            e->c.time_order == 2 ? " (time_order 2)" : "", e->c.n, e->c.substrates,
            e->c.threads);
    if (e->r.outcome == BENCH_MEASURED) {
        fprintf(stderr, "%.4g ms/step, %.3g voxel-updates/s", 1e3 * e->r.seconds_per_step,
                voxel_updates_per_s(e));
        if (gbs > 0) fprintf(stderr, ", %.2f of bandwidth bound", fraction_of_bound(e, gbs));
        fprintf(stderr, " (%d steps, create %.3g s)\n", e->r.steps, e->r.create_seconds);
    } else {
        fprintf(stderr, "%s: %s\n", e->r.outcome == BENCH_SKIPPED ? "skipped" : "FAILED",
                e->r.error);
    }
}

static void write_dims(bench_json *w, int n)
{
    bench_json_begin_array(w, "dims", 1);
    for (int d = 0; d < 3; d++) bench_json_int(w, NULL, n);
    bench_json_end_array(w);
}

static void write_fraction(bench_json *w, const entry *e, double gbs)
{
    double f = fraction_of_bound(e, gbs);
    if (f >= 0) bench_json_number(w, "fraction_of_bandwidth_bound", f);
    else bench_json_null(w, "fraction_of_bandwidth_bound");
}

static void write_entry(bench_json *w, const entry *e, double gbs)
{
    bench_json_begin_object(w, NULL, 1);
    bench_json_string(w, "solver", e->c.solver);
    write_dims(w, e->c.n);
    bench_json_int(w, "substrates", e->c.substrates);
    bench_json_int(w, "threads", e->c.threads);
    if (e->c.time_order) bench_json_int(w, "time_order", e->c.time_order);
    if (e->r.outcome != BENCH_MEASURED) {
        bench_json_bool(w, "skipped", 1);
        if (e->r.outcome == BENCH_FAILED) bench_json_bool(w, "failed", 1);
        bench_json_string(w, "error", e->r.error);
        bench_json_end_object(w);
        return;
    }
    bench_json_number(w, "dt_min", e->r.dt);
    bench_json_int(w, "steps", e->r.steps);
    bench_json_int(w, "repeats", e->r.repeats);
    bench_json_number(w, "seconds_per_step", e->r.seconds_per_step);
    bench_json_number(w, "voxel_updates_per_s", voxel_updates_per_s(e));
    bench_json_number(w, "bytes_per_voxel_substrate", e->r.bytes_per_voxel_substrate);
    bench_json_number(w, "bytes_moved_per_voxel_update",
                      bytes_moved_per_voxel_update(e->c.solver));
    write_fraction(w, e, gbs);
    bench_json_number(w, "create_seconds", e->r.create_seconds);
    if (strcmp(e->c.solver, "spectral") == 0) {
        if (e->fftw_only_seconds > 0) {
            bench_json_number(w, "fftw_only_seconds", e->fftw_only_seconds);
            bench_json_number(w, "ratio_to_fftw", e->r.seconds_per_step / e->c.substrates /
                                                      e->fftw_only_seconds);
        } else {
            bench_json_null(w, "fftw_only_seconds");
            bench_json_string(w, "fftw_error", e->fftw_error);
        }
    }
    bench_json_end_object(w);
}

/* Per solver, the best voxel_updates_per_s over thread counts on the
 * largest grid with one substrate (lod at time_order 1). */
static void write_summary(bench_json *w, const bench_options *o, const entry *es, int n,
                          double gbs)
{
    const char *const *names = rs_diffusion_names();
    int largest = 0;
    for (int s = 0; s < o->nsizes; s++)
        if (o->sizes[s] > largest) largest = o->sizes[s];
    bench_json_begin_object(w, "summary", 0);
    for (int v = 0; names[v]; v++) {
        if (o->solver && strcmp(o->solver, names[v]) != 0) continue;
        const entry *best = NULL, *other = NULL;
        for (int i = 0; i < n; i++) {
            const entry *e = &es[i];
            if (strcmp(e->c.solver, names[v]) != 0 || e->c.n != largest ||
                e->c.substrates != 1 || e->c.time_order > 1)
                continue;
            if (e->r.outcome != BENCH_MEASURED) {
                if (!other) other = e;
            } else if (!best || e->r.seconds_per_step < best->r.seconds_per_step) {
                best = e;
            }
        }
        bench_json_begin_object(w, names[v], 1);
        write_dims(w, largest);
        bench_json_int(w, "substrates", 1);
        if (best) {
            bench_json_int(w, "threads", best->c.threads);
            bench_json_number(w, "voxel_updates_per_s", voxel_updates_per_s(best));
            write_fraction(w, best, gbs);
        } else {
            bench_json_bool(w, "skipped", 1);
            bench_json_string(w, "error", other ? other->r.error : "not run");
        }
        bench_json_end_object(w);
    }
    bench_json_end_object(w);
}

static void write_document(const bench_options *o, const bench_timing *t,
                           const stream_figures *sf, const entry *es, int n,
                           const bench_expr_result *ex, int nex, const bench_io_result *io,
                           const bench_io_overhead *ov, int nov,
                           const bench_cells *cells, const bench_sweep *sweep)
{
    bench_json w;
    bench_json_init(&w, stdout);
    bench_json_begin_object(&w, NULL, 0);
    bench_json_string(&w, "regensim_version", rs_version());
    bench_json_string(&w, "git", o->git);
    bench_json_int(&w, "threads_available", omp_get_num_procs());
    bench_json_bool(&w, "quick", o->quick);
    bench_json_string(&w, "fftw_version", fftw_version);
#if defined(__GNUC__) && !defined(__clang__)
    bench_json_string(&w, "compiler", "gcc " __VERSION__);
#elif defined(__VERSION__)
    bench_json_string(&w, "compiler", __VERSION__);
#endif
    bench_json_begin_object(&w, "build", 1);
    bench_json_string(&w, "compiler", RS_BENCH_COMPILER);
    bench_json_string(&w, "c_flags", RS_BENCH_C_FLAGS);
    bench_json_string(&w, "build_type", RS_BENCH_BUILD_TYPE);
    bench_json_bool(&w, "native", RS_BENCH_NATIVE);
    bench_json_end_object(&w);
    bench_json_begin_object(&w, "timing", 1);
    bench_json_number(&w, "min_seconds_per_repeat", t->min_seconds);
    bench_json_int(&w, "repeats", t->repeats);
    bench_json_end_object(&w);

    bench_json_begin_object(&w, "machine", 0);
    if (sf->best_gbs > 0) {
        bench_json_number(&w, "stream_triad_gbs", sf->best_gbs);
        bench_json_int(&w, "stream_triad_threads", sf->best_threads);
    } else {
        bench_json_null(&w, "stream_triad_gbs");
    }
    bench_json_begin_object(&w, "stream_triad_gbs_by_threads", 1);
    for (int i = 0; i < sf->nthreads; i++) {
        char key[16];
        snprintf(key, sizeof key, "%d", sf->threads[i]);
        if (sf->gbs[i] > 0) bench_json_number(&w, key, sf->gbs[i]);
        else bench_json_null(&w, key);
    }
    bench_json_end_object(&w);
    bench_json_int(&w, "stream_array_doubles", (long long)sf->n);
    bench_json_int(&w, "stream_repetitions", sf->reps);
    if (sf->load_start >= 0) bench_json_number(&w, "load_average_start", sf->load_start);
    if (sf->load_end >= 0) bench_json_number(&w, "load_average_end", sf->load_end);
    bench_json_end_object(&w);

    bench_json_begin_array(&w, "diffusion", 0);
    for (int i = 0; i < n; i++) write_entry(&w, &es[i], sf->best_gbs);
    bench_json_end_array(&w);
    write_summary(&w, o, es, n, sf->best_gbs);
    bench_expr_write(&w, ex, nex);
    bench_io_write(&w, io, BENCH_IO_NFORMATS, ov, nov);
    if (o->ncells > 0) bench_cells_write(&w, cells);
    if (o->sweep_runs > 0) bench_sweep_write(&w, sweep);
    bench_json_end_object(&w);
    bench_json_finish(&w);
}

int main(int argc, char **argv)
{
    bench_options o;
    int rc = bench_options_parse(&o, argc, argv);
    if (rc == 1) return 0;
    if (rc != 0) return 2;
    if (bench_fftw_init() != 0) {
        fprintf(stderr, "regensim-bench: fftw_init_threads failed\n");
        return 1;
    }
    const bench_timing t = o.quick ? (bench_timing){.min_seconds = 0.05, .repeats = 2,
                                                    .min_steps = 2}
                                   : (bench_timing){.min_seconds = 0.4, .repeats = 3,
                                                    .min_steps = 2};
    enum { MAX_CASES = 3 * BENCH_MAX_LIST * 2 * BENCH_MAX_LIST + BENCH_MAX_LIST };
    static bench_case cases[MAX_CASES];
    static entry entries[MAX_CASES];
    const int ncases = plan_cases(&o, cases, MAX_CASES);

    fprintf(stderr, "regensim-bench %s (git %s)%s: %d diffusion cases\n", rs_version(), o.git,
            o.quick ? ", quick" : "", ncases);
    const double load_start = load_average();
    stream_figures sf;
    run_stream(&o, &sf);
    sf.load_start = load_start;

    int failed = 0;
    for (int i = 0; i < ncases; i++) {
        entry *e = &entries[i];
        e->c = cases[i];
        bench_diffusion_run(&e->c, &t, &e->r);
        progress(i, ncases, e, sf.best_gbs);
        if (e->r.outcome == BENCH_FAILED) failed = 1;
        if (e->r.outcome == BENCH_MEASURED && strcmp(e->c.solver, "spectral") == 0)
            fftw_reference(entries, i, &t);
    }
    bench_expr_result ex[BENCH_MAX_LIST];
    for (int i = 0; i < o.nthreads; i++) {
        fprintf(stderr, "expr: %s over %d points, %d thread(s): ", BENCH_EXPR_TEXT,
                BENCH_EXPR_POINTS, o.threads[i]);
        bench_expr_run(o.threads[i], &t, &ex[i]);
        if (ex[i].failed) fprintf(stderr, "FAILED: %s\n", ex[i].error);
        else fprintf(stderr, "%.3g evaluations/s\n", ex[i].evaluations_per_s);
        failed |= ex[i].failed;
    }
    /* Output, in each snapshot format: the write throughput, then the run
     * overhead at a snapshot every BENCH_IO_SAVE_EVERY steps; the default
     * format on every thread count, the others on the largest. */
    bench_io_result io[BENCH_IO_NFORMATS];
    const int io_n = o.quick ? 64 : 256;
    for (int f = 0; f < BENCH_IO_NFORMATS; f++) {
        const bench_io_format fmt = bench_io_formats[f];
        fprintf(stderr, "io: %d^3 snapshots to run.h5 (%s, %s): ", io_n, fmt.precision,
                fmt.compression);
        bench_io_run(io_n, 3, fmt, &io[f]);
        if (io[f].failed) fprintf(stderr, "FAILED: %s\n", io[f].error);
        else fprintf(stderr, "%.1f MB/s, compression %.1f:1\n", io[f].mb_per_s,
                     io[f].compression_ratio);
        failed |= io[f].failed;
    }
    bench_io_overhead ov[BENCH_MAX_LIST + BENCH_IO_NFORMATS];
    const int ov_n = o.quick ? 64 : 128, ov_repeats = o.quick ? 2 : 3;
    int nov = 0, tmax = 1;
    for (int i = 0; i < o.nthreads; i++) tmax = o.threads[i] > tmax ? o.threads[i] : tmax;
    for (int i = 0; i < o.nthreads + BENCH_IO_NFORMATS - 1; i++) {
        const int threads = i < o.nthreads ? o.threads[i] : tmax;
        const bench_io_format fmt = bench_io_formats[i < o.nthreads ? 0 : i - o.nthreads + 1];
        bench_io_overhead *r = &ov[nov++];
        fprintf(stderr, "io: run overhead, %d^3, %d steps, a snapshot every %d (%s, %s), %d "
                        "thread(s): ",
                ov_n, BENCH_IO_STEPS, BENCH_IO_SAVE_EVERY, fmt.precision, fmt.compression,
                threads);
        bench_io_overhead_run(ov_n, threads, ov_repeats, fmt, r);
        if (r->failed) {
            fprintf(stderr, "FAILED: %s\n", r->error);
        } else {
            bench_io_derived d;
            bench_io_derive(r, &d);
            fprintf(stderr, "%.3f s without output, %.3f s with (%d snapshots, %.1f MB): "
                            "output %.1f %% of the run; fixed %.3f s per run, %.4f s per "
                            "snapshot (callbacks %.4f s): %.1f %% steady\n",
                    r->seconds_without_output, r->seconds_with_output, r->snapshots,
                    r->output_mb, 100 * r->output_fraction, d.fixed, d.per_snapshot_steady,
                    d.callback_per_snapshot, 100 * d.fraction_steady);
        }
        failed |= r->failed;
    }
    /* Cells: the mechanics step per population and thread count, and a
     * PhysiCell-template run per thread count (bench_cells.h). */
    static bench_cells cells;
    failed |= bench_cells_run_all(&o, &cells);
    /* The sweep machinery: N tiny runs as a sweep and one by one, R times
     * (bench_sweep.h). */
    static bench_sweep sweep;
    if (o.sweep_runs > 0) failed |= bench_sweep_run(o.regensim, o.sweep_runs, o.quick ? 1 : 3,
                                                    &sweep);
    sf.load_end = load_average();
    write_document(&o, &t, &sf, entries, ncases, ex, o.nthreads, io, ov, nov, &cells, &sweep);
    if (failed) fprintf(stderr, "regensim-bench: some cases FAILED (see \"error\")\n");
    return failed ? 1 : 0;
}

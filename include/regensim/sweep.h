/* sweep.h: parameter sweeps (the sweep layer, on top of run): the designs
 * that choose a sweep's parameter points, and the seeds of its replicates
 * (docs/sweeps.md; the sweep file is ../shared/design.md, "Sweep file").
 *
 * A design is a deterministic function of its axes, its size and the
 * sweep's seed: the same sweep file always names the same runs, on any
 * machine, so a sweep can be resumed, split over MPI ranks or re-run. */
#ifndef REGENSIM_SWEEP_H
#define REGENSIM_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "regensim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Most points a design may have (a sweep of more runs is refused before
 * anything is allocated). */
#define RS_SWEEP_MAX_POINTS 10000000u
/* Most parameters a sweep may vary. */
#define RS_SWEEP_MAX_AXES 64
/* Most values (points x parameters) a design may hold: 800 MB. */
#define RS_SWEEP_MAX_VALUES 100000000u

typedef enum rs_sweep_scale {
    RS_SWEEP_LINEAR = 0, /* evenly in the value */
    RS_SWEEP_LOG = 1     /* evenly in the logarithm (range > 0) */
} rs_sweep_scale;

typedef enum rs_sweep_design_kind {
    RS_SWEEP_GRID = 0,   /* every combination; a range axis takes `samples` levels */
    RS_SWEEP_RANDOM = 1, /* `samples` independent uniform points */
    RS_SWEEP_LHS = 2,    /* Latin hypercube: `samples` points, each axis's
                          * `samples` equal strata each hit exactly once */
    RS_SWEEP_LIST = 3    /* sweep files only: the points of a CSV file */
} rs_sweep_design_kind;

/* One varied parameter: a range [lo, hi] with a scale, or a list of values
 * (values != NULL: lo, hi and scale are ignored). */
typedef struct rs_sweep_axis {
    double lo, hi;
    rs_sweep_scale scale;
    const double *values;
    size_t nvalues;
} rs_sweep_axis;

/* The points of a design: *points (allocated here, free() it) holds
 * *npoints rows of naxes values, row-major, in run-index order. A grid
 * varies the last axis fastest, its range axes at `samples` levels from lo
 * to hi inclusive (1 level: the centre, in the axis's scale). Random and
 * LHS designs have `samples` points drawn from `seed` (a value-list axis
 * picks among its values: uniformly, or by stratum of its index). Refused
 * with RS_EINVAL and a message naming the axis: lo > hi, a non-finite
 * bound or value, a log range not above 0, samples of 0, no axes; with
 * RS_ETOOBIG: more than RS_SWEEP_MAX_POINTS points, or more than
 * RS_SWEEP_MAX_VALUES values (points x axes). */
RS_API rs_status rs_sweep_design(rs_sweep_design_kind kind, const rs_sweep_axis *axes,
                                 size_t naxes, size_t samples, uint64_t seed,
                                 double **points, size_t *npoints, rs_error *err);

/* The model seed of replicate `replicate` of run `index` of a sweep with
 * seed `sweep_seed`: a hash of the three (Philox), in [1, 1e15] (a model's
 * seed range), so replicates differ and a run's seed does not depend on
 * how many runs the sweep has. */
RS_API uint64_t rs_sweep_replicate_seed(uint64_t sweep_seed, uint64_t index,
                                        uint32_t replicate);

/* --- sweep files (sweep_file.c) ----------------------------------------- */

/* What a sweep keeps of each run's output directory DIR/runs/<index>-<replicate>. */
typedef enum rs_sweep_keep {
    RS_SWEEP_KEEP_NONE = 0, /* nothing: the directory is removed once summarised */
    RS_SWEEP_KEEP_FINAL,    /* run.h5 with the initial and final snapshots and
                             * every metric row (time.save_every = 0) */
    RS_SWEEP_KEEP_ALL       /* the run's whole output, as its model says */
} rs_sweep_keep;

/* A varied parameter: its dotted path (as in --set) and its axis. */
typedef struct rs_sweep_parameter {
    char *path;
    rs_sweep_axis axis; /* axis.values, when a list, is owned here */
    int line, col;      /* its key in the sweep file */
} rs_sweep_parameter;

/* What a summary column reports of a metric's time series. */
typedef enum rs_sweep_output_kind {
    RS_SWEEP_FINAL = 0,   /* the value at the end of the run */
    RS_SWEEP_FIRST_BELOW, /* the time (min) it first crosses `level` downward */
    RS_SWEEP_FIRST_ABOVE  /* the time (min) it first crosses `level` upward */
} rs_sweep_output_kind;

/* A summary column from a metric (NaN when a crossing never happens). */
typedef struct rs_sweep_output {
    char *name;  /* the column's name */
    int metric;  /* index among the model's metrics */
    rs_sweep_output_kind kind;
    double level;
} rs_sweep_output;

/* A loaded sweep file (../shared/design.md, "Sweep file"; docs/sweeps.md). */
typedef struct rs_sweep {
    char *source;       /* the sweep file's path as given */
    char *text;         /* its text (NUL-terminated) */
    char *model_path;   /* the model file, relative to the sweep file's folder
                         * when not absolute, as a path a run can open */
    char *model_text;   /* the model file's text when loaded */
    char *list_text;    /* a list design's CSV file's text, else NULL */
    rs_sweep_design_kind design;
    size_t samples;     /* random, lhs: points; grid: levels of a range axis */
    uint64_t seed;      /* the sweep seed */
    uint32_t replicates;
    int nparameters;
    rs_sweep_parameter *parameters;
    int nsets;          /* fixed overrides for every run ("path=value") */
    char **sets;
    size_t npoints;     /* design points */
    double *points;     /* npoints x nparameters, row-major */
    rs_sweep_keep keep;
    int noutputs;       /* the summary's metric columns */
    rs_sweep_output *outputs;
    int threads_per_run; /* OpenMP threads of each run; 0: not given */
    char **metric_names; /* the model's metric names (nmodel_metrics) */
    char **metric_units; /* and their units (NULL: none given) */
    int nmodel_metrics;
} rs_sweep;

/* Most runs (points x replicates) a sweep may have. */
#define RS_SWEEP_MAX_RUNS RS_SWEEP_MAX_POINTS

/* Loads and checks the sweep file at path: its keys and values (errors at
 * file:line:col, several at once in errs), the design, the model it names
 * (loaded with the fixed `set` overrides) and every parameter path (the
 * model is loaded with the parameter at both ends of its range, or at each
 * of its values, so an unknown path or a value the model refuses is an
 * error here, before anything runs). RS_OK and *out (free with
 * rs_sweep_destroy), or an error status and *out NULL. */
RS_API rs_status rs_sweep_load(rs_sweep **out, const char *path, rs_errors *errs);
RS_API void rs_sweep_destroy(rs_sweep *s);

/* The sweep's runs: npoints x replicates, run k being replicate
 * k % replicates of point k / replicates. */
RS_API size_t rs_sweep_nruns(const rs_sweep *s);

/* A hash (64-bit FNV-1a) of what makes the sweep: the sweep file's text,
 * the model file's and a list design's CSV file's. Two loads of the same
 * files agree (e.g. on every MPI rank). */
RS_API uint64_t rs_sweep_identity(const rs_sweep *s);

/* The model seed of run k (rs_sweep_replicate_seed of its point and
 * replicate). */
RS_API uint64_t rs_sweep_run_seed(const rs_sweep *s, size_t k);

/* The overrides of run k ("path=value" for every `set`, every parameter
 * at its value (%.17g: exact), the seed, and what `keep` asks), as a
 * malloc'd array of *n malloc'd strings (free with rs_sweep_strings_free);
 * NULL when out of memory. */
RS_API char **rs_sweep_run_overrides(const rs_sweep *s, size_t k, int *n);
RS_API void rs_sweep_strings_free(char **v, int n);

/* --- running a sweep ------------------------------------------------------
 * DIR, a sweep's output directory (docs/sweeps.md):
 *   DIR/sweep.yaml, DIR/model.yaml  copies of the sweep and model files: a
 *                                   re-run must name the same sweep
 *   DIR/journal.csv                 a row per finished run, appended in one
 *                                   write each: the record a resume reads
 *   DIR/summary.csv, summary.h5     the rows sorted by run, rewritten
 *                                   atomically as runs finish and at the end
 *   DIR/runs/<index>-<replicate>/   each run's output (regensim run) and its
 *                                   log (its stdout and stderr)
 * A run is finished when its row is in the journal; a re-run skips those
 * and redoes the others from their start. */

/* How one run ended, as its summary row says. */
typedef struct rs_sweep_result {
    size_t run;        /* k */
    int failed;        /* 0: completed */
    int interrupted;   /* stopped from outside (SIGINT, SIGTERM): not finished,
                        * so not recorded; the next invocation redoes it */
    double wall;       /* s, from its start to its end */
    char message[512]; /* failed: why (its status file, its log or its signal) */
    double *values;    /* the sweep's noutputs summary values (NaN: none) */
} rs_sweep_result;

typedef struct rs_sweep_dir rs_sweep_dir;

/* How rs_sweep_dir_open treats what DIR holds. */
enum {
    RS_SWEEP_DIR_FORCE = 1,       /* replace another sweep's output in DIR */
    RS_SWEEP_DIR_RETRY_FAILED = 2 /* forget the failed runs, so they run again */
};

/* Opens DIR for sweep s (made with its parents when missing): takes its
 * lock (a second sweep into DIR is refused, RS_EINVAL naming its pid),
 * refuses a DIR that holds something other than this sweep (another sweep
 * or model file, another program's files) unless RS_SWEEP_DIR_FORCE for
 * another sweep's output, which is then removed; reads the journal (a torn
 * last row is cut off; with RS_SWEEP_DIR_RETRY_FAILED the failed runs' rows
 * are taken out of it). flags: a sum of RS_SWEEP_DIR_*. */
RS_API rs_status rs_sweep_dir_open(rs_sweep_dir **out, const rs_sweep *s, const char *dir,
                                   unsigned flags, rs_error *err);
RS_API void rs_sweep_dir_close(rs_sweep_dir *d);

/* The directory's path, as given. */
RS_API const char *rs_sweep_dir_path(const rs_sweep_dir *d);

/* Whether run k is finished (completed or failed); the counts. */
RS_API int rs_sweep_dir_finished(const rs_sweep_dir *d, size_t k);
RS_API size_t rs_sweep_dir_nfinished(const rs_sweep_dir *d);
RS_API size_t rs_sweep_dir_nfailed(const rs_sweep_dir *d);

/* Records a finished run: its row appended to the journal in one write. */
RS_API rs_status rs_sweep_dir_record(rs_sweep_dir *d, const rs_sweep_result *r, rs_error *err);

/* Rewrites DIR/summary.csv and DIR/summary.h5 (each atomically) from the
 * finished runs, sorted by run. */
RS_API rs_status rs_sweep_dir_summarize(rs_sweep_dir *d, rs_error *err);

/* Rewrites the summaries as rs_sweep_dir_summarize does, but only when due:
 * at least 2 s after the last rewrite, and at least 20 times as long as
 * that rewrite took, so a huge sweep spends at most 1/20 of its time on
 * them. RS_OK when not due. For runners, after each recorded run. */
RS_API rs_status rs_sweep_dir_summarize_due(rs_sweep_dir *d, rs_error *err);

/* The path of run k's directory, DIR/runs/<index>-<replicate>, in buf;
 * 0, or -1 when it does not fit. */
RS_API int rs_sweep_run_path(const rs_sweep *s, const char *dir, size_t k, char *buf,
                             size_t size);

/* The command line of run k: `exe run MODEL -o RUNDIR --quiet --force
 * --threads T --set ...` (exe: the regensim program; RUNDIR its run
 * directory under dir), as *argc malloc'd strings and a final NULL; free
 * with rs_sweep_strings_free(argv, argc). NULL when out of memory or a
 * path is too long. */
RS_API char **rs_sweep_run_argv(const rs_sweep *s, const char *dir, const char *exe, size_t k,
                                int threads, int *argc);

/* Starts run k as its own process (rs_sweep_run_argv's command line), its
 * output and log in its run directory; the process is killed if its
 * parent dies. *pid on success. */
RS_API rs_status rs_sweep_run_start(const rs_sweep *s, const char *dir, const char *exe,
                                    size_t k, int threads, long *pid, rs_error *err);

/* After run k's process ended with wait status `wstatus` after `wall`
 * seconds: reads how it ended (exit code, status file, log) and, when it
 * completed, its summary values from its run.h5 into r (r->values: the
 * caller's array of s->noutputs); then applies `keep` (keep: none removes
 * a completed run's directory). RS_OK whatever the run's outcome (a run
 * stopped by SIGINT or SIGTERM: r->interrupted); an error only when the
 * sweep cannot go on (RS_EIO: the runs' program could not be started). */
RS_API rs_status rs_sweep_run_collect(const rs_sweep *s, const char *dir, size_t k,
                                      int wstatus, double wall, rs_sweep_result *r,
                                      rs_error *err);

/* Progress of a running sweep, for a progress line. */
typedef struct rs_sweep_progress {
    size_t total, finished, failed, running;
    size_t finished_here; /* by this invocation (for an ETA) */
    double elapsed;       /* s since this invocation started */
} rs_sweep_progress;

/* Options of the local runner. */
typedef struct rs_sweep_local_options {
    const char *exe; /* the regensim program that runs each run */
    int jobs;        /* runs at a time (>= 1) */
    int threads;     /* OpenMP threads per run (>= 1) */
    /* Called when a run starts or ends and about every second; non-zero
     * stops the sweep: running runs get SIGTERM, and are redone by the
     * next invocation. */
    int (*progress)(void *user, const rs_sweep_progress *p);
    void *user;
} rs_sweep_local_options;

/* Runs every unfinished run of s, `jobs` at a time, recording each as it
 * ends and rewriting the summaries (every 2 s or more, and at the end).
 * RS_OK when every run is finished (some may have failed) or the sweep was
 * stopped (*stopped set); an error when the sweep itself cannot go on
 * (its directory, its journal, the runs' program). While it runs, SIGCHLD
 * has its default action and is blocked in the calling thread; the runs'
 * processes are killed if that thread ends (Linux PR_SET_PDEATHSIG), so
 * call it from a thread that outlives the sweep (the program's main
 * thread, typically). */
RS_API rs_status rs_sweep_run_local(const rs_sweep *s, rs_sweep_dir *d,
                                    const rs_sweep_local_options *o, int *stopped,
                                    rs_error *err);

#ifdef __cplusplus
}
#endif
#endif

/* bench_io.h: the run output (src/io) for the "io" section of
 * regensim-bench's JSON (docs/performance.md "Output"):
 *  - snapshot write throughput: one field on an n^3 grid written to run.h5
 *    with shuffle + deflate;
 *  - run-time overhead of output: a representative model run with and
 *    without writing its output, in the same process and thread count. */
#ifndef RS_BENCH_IO_H
#define RS_BENCH_IO_H

#include "bench_json.h"

/* The snapshot formats measured (the model's `output:` options), the
 * default first. */
typedef struct bench_io_format {
    const char *precision;   /* float64 | float32 */
    const char *compression; /* deflate | none */
} bench_io_format;
#define BENCH_IO_NFORMATS 4
extern const bench_io_format bench_io_formats[BENCH_IO_NFORMATS];

typedef struct bench_io_result {
    int n;                    /* grid edge: n^3 voxels */
    bench_io_format fmt;
    int snapshots;            /* snapshots written and timed */
    int failed;               /* non-zero: error says why */
    char error[600];
    double seconds_per_snapshot; /* best snapshot */
    double mb_per_s;          /* uncompressed MB (1e6 B) per second, best snapshot */
    double compression_ratio; /* uncompressed bytes / run.h5 size */
} bench_io_result;

/* Writes `snapshots` snapshots of a smooth field on an n^3 grid into a
 * temporary directory (removed afterwards) and times each
 * snapshot (rs_io_run_snapshot_begin, the series appended, _commit: data,
 * flushes, run.xmf). Always fills r. */
void bench_io_run(int n, int snapshots, bench_io_format fmt, bench_io_result *r);

/* The overhead model's clock: dt.diffusion 1 min, BENCH_IO_STEPS steps,
 * a snapshot every BENCH_IO_SAVE_EVERY steps (save_every 20 min), metrics
 * every 10 steps (dt.phenotype 10), no periodic checkpoint (only the final
 * one, as `regensim run` writes it). */
#define BENCH_IO_STEPS 160
#define BENCH_IO_SAVE_EVERY 20
/* The snapshot interval of the project's models, in steps: daily snapshots
 * (save_every 1440 min) at dt.diffusion 1 min over a 30-day run (43200
 * steps), as in models/tutorial/demyelination.yaml. */
#define BENCH_IO_TYPICAL_SAVE_EVERY 1440
#define BENCH_IO_TYPICAL_STEPS 43200

/* Where the output's time goes in a run with output (seconds). create,
 * finish and checkpoint are paid once per run (the fixed cost); snapshots
 * and metrics grow with the run's length. */
typedef struct bench_io_split {
    double create;     /* rs_io_run_create + the series declared + rs_io_run_ready */
    double snapshots;  /* inside the snapshot callback: rs_sim_output_snapshot */
    double metrics;    /* inside the metrics callback: rs_io_run_metrics */
    double checkpoint; /* inside the checkpoint callback: the final checkpoint */
    double finish;     /* rs_io_run_finish */
} bench_io_split;

typedef struct bench_io_overhead {
    int n;                        /* grid edge: n^3 voxels */
    bench_io_format fmt;
    int threads;
    int steps;                    /* diffusion steps per run */
    int snapshots;                /* snapshots a run with output writes */
    int fields;                   /* fields per snapshot */
    int repeats;                  /* runs of each kind; the best counts */
    int failed;                   /* non-zero: error says why */
    char error[600];
    double seconds_without_output; /* best rs_sim_run, observer NULL */
    double seconds_with_output;    /* best create + rs_sim_run + finish */
    double output_fraction;        /* (with - without) / with */
    double output_mb;              /* run.h5 + checkpoint.h5 sizes, MB (1e6 B) */
    bench_io_split split;          /* of the best run with output */
} bench_io_overhead;

/* Builds the model (in memory) on an n^3 grid and runs it `repeats` times
 * each without and with output (alternating), on `threads` OpenMP threads.
 * The run with output writes run.h5, run.xmf, status and checkpoint.h5 into
 * a temporary directory (removed afterwards) through the same calls as
 * `regensim run`. Always fills r. */
void bench_io_overhead_run(int n, int threads, int repeats, bench_io_format fmt,
                           bench_io_overhead *r);

/* Figures derived from a run-overhead result (seconds; docs/performance.md
 * "What is measured: io"). */
typedef struct bench_io_derived {
    double per_step;              /* a step without output */
    double per_snapshot;          /* (with - without) / snapshots: fixed costs included */
    double fixed;                 /* create + finish + final checkpoint: once per run */
    double per_snapshot_steady;   /* (with - without - fixed) / snapshots */
    double callback_per_snapshot; /* (in snapshots + in metrics) / snapshots */
    double fraction_steady;       /* steady / (steady + BENCH_IO_SAVE_EVERY * per_step) */
    double fraction_typical;      /* a BENCH_IO_TYPICAL_STEPS run, a snapshot every
                                     BENCH_IO_TYPICAL_SAVE_EVERY steps, fixed cost once */
} bench_io_derived;

/* Fills d from a measured (not failed) r. */
void bench_io_derive(const bench_io_overhead *r, bench_io_derived *d);

/* Writes the "io" array: the snapshot-throughput results, then the
 * run-overhead results. */
void bench_io_write(bench_json *w, const bench_io_result *r, int n,
                    const bench_io_overhead *ov, int nov);

#endif

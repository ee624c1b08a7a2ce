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
 * (save_every 1440 min) at dt.diffusion 1 min, as in
 * models/tutorial/demyelination.yaml. */
#define BENCH_IO_TYPICAL_SAVE_EVERY 1440

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
    /* time inside the observer's callbacks in the best run with output:
     * rs_sim_output_snapshot, rs_io_run_metrics, rs_sim_checkpoint_write */
    double seconds_in_snapshots, seconds_in_metrics, seconds_in_checkpoint;
} bench_io_overhead;

/* Builds the model (in memory) on an n^3 grid and runs it `repeats` times
 * each without and with output (alternating), on `threads` OpenMP threads.
 * The run with output writes run.h5, run.xmf, status and checkpoint.h5 into
 * a temporary directory (removed afterwards) through the same calls as
 * `regensim run`. Always fills r. */
void bench_io_overhead_run(int n, int threads, int repeats, bench_io_format fmt,
                           bench_io_overhead *r);

/* Writes the "io" array: the snapshot-throughput results, then the
 * run-overhead results. */
void bench_io_write(bench_json *w, const bench_io_result *r, int n,
                    const bench_io_overhead *ov, int nov);

#endif

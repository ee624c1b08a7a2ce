/* bench_sweep.h: the sweep machinery (src/sweep, `regensim sweep`) for the
 * "sweep" section of regensim-bench's JSON (docs/performance.md "Sweeps"):
 *  - per-run overhead: a sweep of N tiny runs (`regensim sweep -j 1`, one
 *    process) against the same N runs started one after another by the
 *    benchmark itself (`regensim run` with exactly the overrides the sweep
 *    gives them), the difference per run;
 *  - the speedup of `-j 2` over `-j 1` on the same sweep (reported only). */
#ifndef RS_BENCH_SWEEP_H
#define RS_BENCH_SWEEP_H

#include "bench_json.h"

/* The target of the per-run overhead, ms. */
#define BENCH_SWEEP_TARGET_MS 20.0
/* Most repeats of the measurement. */
#define BENCH_SWEEP_MAX_REPEATS 16

/* One measurement's outcome: a figure, or why there is none. */
typedef struct bench_sweep_part {
    int failed;    /* non-zero: not measured; error says why */
    int skipped;   /* ... because the regensim program is not there (not a failure) */
    char error[600];
} bench_sweep_part;

typedef struct bench_sweep {
    int runs;               /* N: runs of the sweep (a grid over k, one replicate) */
    int repeats;            /* R: repeats of (direct, sweep -j 1, sweep -j 2) */
    const char *exe;        /* the regensim program measured */
    bench_sweep_part overhead, jobs; /* the -j 1 comparison; the -j 2 one */
    double load_seconds;    /* rs_sweep_load of the sweep file, in this process */
    /* Per repeat (s): the sum of the N direct runs' walls and their CPU
     * time; each sweep's wall and CPU time (its runs' included). */
    double direct[BENCH_SWEEP_MAX_REPEATS], direct_cpu[BENCH_SWEEP_MAX_REPEATS];
    double j1[BENCH_SWEEP_MAX_REPEATS], j1_cpu[BENCH_SWEEP_MAX_REPEATS];
    double j1_runs[BENCH_SWEEP_MAX_REPEATS]; /* the sum of its summary's wall_s */
    double j2[BENCH_SWEEP_MAX_REPEATS];
    /* Derived: medians over the repeats. */
    double direct_s, j1_s, j2_s;
    double overhead_ms;     /* median of the per-repeat (j1 - direct) / N, ms */
    double cpu_overhead_ms; /* the same of the CPU times */
    double run_in_sweep_ms; /* median of the -j 1 summary's wall_s sum / N, ms */
    double between_runs_ms; /* median of (j1 - that sum) / N, ms */
    double speedup;         /* j1_s / j2_s */
} bench_sweep;

/* Measures the section with the regensim program exe: N = runs tiny runs,
 * `repeats` times (at most BENCH_SWEEP_MAX_REPEATS), in a temporary
 * directory (removed afterwards); progress on stderr. Always fills r.
 * Returns non-zero if a measurement failed (a missing program is skipped,
 * not failed). */
int bench_sweep_run(const char *exe, int runs, int repeats, bench_sweep *r);

/* Writes the "sweep" array: the overhead entry, then the jobs entry. */
void bench_sweep_write(bench_json *w, const bench_sweep *r);

#endif

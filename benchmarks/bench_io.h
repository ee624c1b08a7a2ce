/* bench_io.h: snapshot write throughput of the run output (src/io): one
 * field on an n^3 grid written to run.h5 with shuffle + deflate, for the
 * "io" section of regensim-bench's JSON (docs/performance.md). */
#ifndef RS_BENCH_IO_H
#define RS_BENCH_IO_H

#include "bench_json.h"

typedef struct bench_io_result {
    int n;                    /* grid edge: n^3 voxels */
    int snapshots;            /* snapshots written and timed */
    int failed;               /* non-zero: error says why */
    char error[600];
    double seconds_per_snapshot; /* best snapshot */
    double mb_per_s;          /* uncompressed MB (1e6 B) per second, best snapshot */
    double compression_ratio; /* uncompressed bytes / run.h5 size */
} bench_io_result;

/* Writes `snapshots` snapshots of a smooth field on an n^3 grid into a
 * temporary directory (removed afterwards) and times each
 * rs_io_run_snapshot call (data, flushes, run.xmf). Always fills r. */
void bench_io_run(int n, int snapshots, bench_io_result *r);

/* Writes the "io" array (one entry per result). */
void bench_io_write(bench_json *w, const bench_io_result *r, int n);

#endif

/* bench_stream.h: the STREAM-style triad that measures this machine's
 * sustainable memory bandwidth, the reference for every bandwidth-bound
 * figure regensim-bench reports. */
#ifndef RS_BENCH_STREAM_H
#define RS_BENCH_STREAM_H

#include <stddef.h>

/* Runs a[i] = b[i] + q c[i] over three arrays of n doubles with `threads`
 * OpenMP threads (static schedule, arrays first touched by the same
 * threads), `reps` times, and returns the best bandwidth in GB/s (1e9 B/s)
 * counting 24 bytes per element as STREAM does; a negative value if the
 * arrays cannot be allocated or the result is wrong. */
double bench_stream_triad(size_t n, int threads, int reps);

#endif

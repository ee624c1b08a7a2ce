/* bench_stream.c: the STREAM triad a[i] = b[i] + q c[i] (McCalpin's STREAM
 * convention: 24 bytes per element, best of several repetitions; write-
 * allocate traffic not counted). Arrays are allocated per call and first
 * touched in parallel with the schedule the triad uses, so each thread's
 * pages sit where it reads them. */
#include "bench_stream.h"

#include <math.h>
#include <omp.h>

#include "regensim/alloc.h"

double bench_stream_triad(size_t n, int threads, int reps)
{
    double *a = rs_alloc_aligned(n * sizeof *a);
    double *b = rs_alloc_aligned(n * sizeof *b);
    double *c = rs_alloc_aligned(n * sizeof *c);
    double best = INFINITY;
    const double q = 3.0;
    const long long nn = (long long)n;
    int ok = a && b && c;

    if (ok) {
#pragma omp parallel for schedule(static) num_threads(threads)
        for (long long i = 0; i < nn; i++) {
            a[i] = 0.0;
            b[i] = 1.0 + (double)(i & 7);
            c[i] = 2.0;
        }
        for (int r = 0; r < reps; r++) {
            double t0 = omp_get_wtime();
#pragma omp parallel for schedule(static) num_threads(threads)
            for (long long i = 0; i < nn; i++) a[i] = b[i] + q * c[i];
            double t = omp_get_wtime() - t0;
            if (t < best) best = t;
        }
        /* Checks a sample of results so the loop is not optimised away and
         * a broken build is noticed. */
        for (size_t i = 0; i < n; i += 4099)
            if (a[i] != 1.0 + (double)(i & 7) + q * 2.0) ok = 0;
    }
    rs_free_aligned(a);
    rs_free_aligned(b);
    rs_free_aligned(c);
    if (!ok || !(best > 0)) return -1.0;
    return 24.0 * (double)n / best / 1e9;
}

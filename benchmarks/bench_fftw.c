/* bench_fftw.c: times bare FFTW 3D cosine transforms of the size the
 * spectral solver uses, so its step can be reported as a ratio to what FFTW
 * alone needs. The unnormalised REDFT10/REDFT01 pair multiplies the data by
 * 8 n^3; the array is scaled back after every pair, outside the timing.
 * FFTW's planner thread count is reset to 1 after planning, since it is
 * global state the library's spectral solver also plans under. */
#include "bench_fftw.h"

#include <fftw3.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>

int bench_fftw_init(void) { return fftw_init_threads() ? 0 : -1; }

/* The test data: smooth plus rough, every value in [0.25, 1.75]. */
static double value(size_t i)
{
    return 1.0 + 0.5 * sin(1e-3 * (double)i) + 0.25 * cos(0.37 * (double)i);
}

static void fill(double *a, size_t nvox)
{
#pragma omp parallel for schedule(static)
    for (long long i = 0; i < (long long)nvox; i++) a[i] = value((size_t)i);
}

static void scale(double *a, size_t nvox, double f)
{
#pragma omp parallel for schedule(static)
    for (long long i = 0; i < (long long)nvox; i++) a[i] *= f;
}

/* Seconds for one forward + backward pair, then the untimed rescale. */
static double time_pair(fftw_plan fwd, fftw_plan bwd, double *a, size_t nvox)
{
    double t0 = omp_get_wtime();
    fftw_execute(fwd);
    fftw_execute(bwd);
    double t = omp_get_wtime() - t0;
    scale(a, nvox, 1.0 / (8.0 * (double)nvox));
    return t;
}

double bench_fftw_dct_pair(int n, int threads, const bench_timing *t, char *err,
                           size_t errsize)
{
    const size_t nvox = (size_t)n * n * n;
    omp_set_num_threads(threads);
    double *a = fftw_alloc_real(nvox);
    if (!a) {
        snprintf(err, errsize, "fftw: out of memory for %zu doubles", nvox);
        return -1.0;
    }
    fftw_plan_with_nthreads(threads);
    fftw_plan fwd = fftw_plan_r2r_3d(n, n, n, a, a, FFTW_REDFT10, FFTW_REDFT10,
                                     FFTW_REDFT10, FFTW_MEASURE);
    fftw_plan bwd = fftw_plan_r2r_3d(n, n, n, a, a, FFTW_REDFT01, FFTW_REDFT01,
                                     FFTW_REDFT01, FFTW_MEASURE);
    /* Back to FFTW's default, so plans made later elsewhere (the spectral
     * solver's serial plans) are not silently multi-threaded. */
    fftw_plan_with_nthreads(1);
    double best = -1.0;
    if (!fwd || !bwd) {
        snprintf(err, errsize, "fftw: planning a %d^3 REDFT10/REDFT01 transform failed", n);
    } else {
        fill(a, nvox); /* FFTW_MEASURE overwrote the array */
        time_pair(fwd, bwd, a, nvox); /* warm-up */
        best = INFINITY;
        for (int rep = 0; rep < t->repeats; rep++) {
            double sum = 0.0;
            int pairs = 0;
            while (pairs < t->min_steps || sum < t->min_seconds) {
                sum += time_pair(fwd, bwd, a, nvox);
                pairs++;
            }
            if (sum / pairs < best) best = sum / pairs;
        }
        if (!(fabs(a[nvox / 2] - value(nvox / 2)) < 1e-6)) {
            snprintf(err, errsize, "fftw: transform pair did not round-trip");
            best = -1.0;
        }
    }
    if (fwd) fftw_destroy_plan(fwd);
    if (bwd) fftw_destroy_plan(bwd);
    fftw_free(a);
    return best;
}

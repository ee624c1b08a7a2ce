/* bench_fftw.h: the bare-FFTW reference for the spectral solver: one 3D
 * DCT-II forward and DCT-III backward transform of one field, in place,
 * with FFTW's own threads (fftw3_omp). */
#ifndef RS_BENCH_FFTW_H
#define RS_BENCH_FFTW_H

#include <stddef.h>

#include "bench_diffusion.h"

/* Calls fftw_init_threads() (once per process, before any other FFTW use);
 * 0 on success. */
int bench_fftw_init(void);

/* Best seconds for one forward (FFTW_REDFT10) plus backward (FFTW_REDFT01)
 * transform of an n^3 array with `threads` threads, planned with
 * FFTW_MEASURE; a negative value with err filled on failure. */
double bench_fftw_dct_pair(int n, int threads, const bench_timing *t, char *err,
                           size_t errsize);

#endif

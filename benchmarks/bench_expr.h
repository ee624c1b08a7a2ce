/* bench_expr.h: throughput of the expression evaluator (src/expr) on a
 * Hill-function reaction over 10^6 points, for the "expr" section of
 * regensim-bench's JSON (docs/performance.md). */
#ifndef RS_BENCH_EXPR_H
#define RS_BENCH_EXPR_H

#include <stddef.h>

#include "bench_diffusion.h"
#include "bench_json.h"

/* What is evaluated: a damage reaction of the MS models' form, with
 * parameters k and K and substrates cytokine and myelin. */
#define BENCH_EXPR_TEXT "k * hill(cytokine, K, 2) * (1 - myelin)"
#define BENCH_EXPR_POINTS 1000000

typedef struct bench_expr_result {
    int threads;
    int failed;                /* non-zero: error says why */
    char error[600];
    int passes;                /* timed passes over all points, all repeats */
    double seconds_per_pass;   /* best over the repeats */
    double evaluations_per_s;  /* points / seconds_per_pass */
} bench_expr_result;

/* Compiles BENCH_EXPR_TEXT, fills the fields (first touch by the threads
 * that evaluate them), and times passes of rs_expr_eval over all points,
 * split over `threads` OpenMP threads in chunks of whole blocks; each
 * repeat lasts at least t->min_seconds and t->min_steps passes, and the
 * best repeat counts. Checks a sample of results against plain C. Always
 * fills r; never exits. */
void bench_expr_run(int threads, const bench_timing *t, bench_expr_result *r);

/* Writes the "expr" array: one entry per result. */
void bench_expr_write(bench_json *w, const bench_expr_result *r, int n);

#endif

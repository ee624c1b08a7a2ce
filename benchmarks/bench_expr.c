/* bench_expr.c: the expression benchmark of regensim-bench (see
 * bench_expr.h). The points are split between the threads in chunks of
 * BENCH_EXPR_CHUNK points (whole evaluation blocks), each chunk evaluated
 * by one rs_expr_eval call on offset input pointers: the way the simulation
 * evaluates reactions over a field. */
#include "bench_expr.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "regensim/alloc.h"
#include "regensim/expr.h"

/* Points per chunk handed to one thread (16 blocks of 256). */
#define BENCH_EXPR_CHUNK 4096

static const double bench_k = 0.01, bench_K = 0.5;

typedef struct expr_case {
    const rs_expr *e;
    const double *cytokine, *myelin;
    double *out;
    long long nchunks;
    int threads;
} expr_case;

/* One pass over all points. */
static void eval_pass(const expr_case *c)
{
#pragma omp parallel for schedule(static) num_threads(c->threads)
    for (long long k = 0; k < c->nchunks; k++) {
        size_t b = (size_t)k * BENCH_EXPR_CHUNK;
        size_t n = BENCH_EXPR_POINTS - b < BENCH_EXPR_CHUNK ? BENCH_EXPR_POINTS - b
                                                            : BENCH_EXPR_CHUNK;
        const double *subs[2] = {c->cytokine + b, c->myelin + b};
        rs_expr_inputs in = {.substrates = subs};
        rs_expr_eval(c->e, &in, n, c->out + b);
    }
}

/* Fills the fields with the schedule eval_pass uses, so each thread's
 * pages sit where it reads them: cytokine in [0, 2] (zero at every 101st
 * point, where hill is 0), myelin in [0, 1]. */
static void fill(const expr_case *c, double *cyt, double *mye)
{
#pragma omp parallel for schedule(static) num_threads(c->threads)
    for (long long k = 0; k < c->nchunks; k++) {
        size_t b = (size_t)k * BENCH_EXPR_CHUNK;
        size_t e = b + BENCH_EXPR_CHUNK < BENCH_EXPR_POINTS ? b + BENCH_EXPR_CHUNK
                                                             : BENCH_EXPR_POINTS;
        for (size_t i = b; i < e; i++) {
            cyt[i] = i % 101 == 0 ? 0.0 : 1.0 + sin(0.001 * (double)i);
            mye[i] = 0.5 + 0.5 * cos(0.0007 * (double)i);
            c->out[i] = 0.0;
        }
    }
}

/* Compares every 997th point with the reaction computed directly. */
static int check(const expr_case *c)
{
    for (size_t i = 0; i < BENCH_EXPR_POINTS; i += 997) {
        double x = c->cytokine[i];
        double h = x > 0 ? x * x / (bench_K * bench_K + x * x) : 0.0;
        double want = bench_k * h * (1 - c->myelin[i]);
        if (!(fabs(c->out[i] - want) <= 1e-13 * fabs(want) + 1e-300)) return -1;
    }
    return 0;
}

static void measure(const expr_case *c, const bench_timing *t, bench_expr_result *r)
{
    double best = INFINITY;
    eval_pass(c); /* warm-up */
    for (int rep = 0; rep < t->repeats; rep++) {
        double t0 = omp_get_wtime(), elapsed = 0.0;
        int passes = 0;
        while (passes < t->min_steps || elapsed < t->min_seconds) {
            eval_pass(c);
            passes++;
            elapsed = omp_get_wtime() - t0;
        }
        if (elapsed / passes < best) best = elapsed / passes;
        r->passes += passes;
    }
    r->seconds_per_pass = best;
    r->evaluations_per_s = BENCH_EXPR_POINTS / best;
}

void bench_expr_run(int threads, const bench_timing *t, bench_expr_result *r)
{
    memset(r, 0, sizeof *r);
    r->threads = threads;
    static const char *const params[2] = {"k", "K"};
    const double values[2] = {bench_k, bench_K};
    static const char *const substrates[2] = {"cytokine", "myelin"};
    rs_expr_symbols sym = {.nparameters = 2, .parameter_names = params,
                           .parameter_values = values, .nsubstrates = 2,
                           .substrate_names = substrates, .allow = RS_EXPR_ALLOW_SUBSTRATES};
    rs_expr *e = NULL;
    rs_error err;
    rs_error_clear(&err);
    if (rs_expr_compile(&e, BENCH_EXPR_TEXT, &sym, &err) != RS_OK) {
        r->failed = 1;
        snprintf(r->error, sizeof r->error, "rs_expr_compile: %s", err.msg);
        return;
    }
    double *cyt = rs_alloc_aligned(BENCH_EXPR_POINTS * sizeof(double));
    double *mye = rs_alloc_aligned(BENCH_EXPR_POINTS * sizeof(double));
    double *out = rs_alloc_aligned(BENCH_EXPR_POINTS * sizeof(double));
    expr_case c = {e, cyt, mye, out,
                   (BENCH_EXPR_POINTS + BENCH_EXPR_CHUNK - 1) / BENCH_EXPR_CHUNK, threads};
    if (!cyt || !mye || !out) {
        r->failed = 1;
        snprintf(r->error, sizeof r->error, "out of memory for 3 arrays of %d doubles",
                 BENCH_EXPR_POINTS);
    } else {
        fill(&c, cyt, mye);
        measure(&c, t, r);
        if (check(&c) != 0) {
            r->failed = 1;
            snprintf(r->error, sizeof r->error, "wrong values from rs_expr_eval");
        }
    }
    rs_free_aligned(cyt);
    rs_free_aligned(mye);
    rs_free_aligned(out);
    rs_expr_destroy(e);
}

void bench_expr_write(bench_json *w, const bench_expr_result *r, int n)
{
    bench_json_begin_array(w, "expr", 0);
    for (int i = 0; i < n; i++) {
        bench_json_begin_object(w, NULL, 1);
        bench_json_string(w, "expression", BENCH_EXPR_TEXT);
        bench_json_int(w, "points", BENCH_EXPR_POINTS);
        bench_json_int(w, "threads", r[i].threads);
        if (r[i].failed) {
            bench_json_bool(w, "skipped", 1);
            bench_json_bool(w, "failed", 1);
            bench_json_string(w, "error", r[i].error);
        } else {
            bench_json_number(w, "evaluations_per_s", r[i].evaluations_per_s);
            bench_json_number(w, "seconds_per_pass", r[i].seconds_per_pass);
            bench_json_int(w, "passes", r[i].passes);
        }
        bench_json_end_object(w);
    }
    bench_json_end_array(w);
}

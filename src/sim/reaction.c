/* reaction.c: the reaction kernel: plain loops over contiguous voxel arrays,
 * threaded over fixed chunks of RS_REACTION_CHUNK voxels. Every voxel's
 * value depends only on that voxel's inputs, so results are identical for
 * any number of threads. Scheduling (which substrates, when, which sources
 * are on) is the driver's (src/sim/proc_reactions.c); the splitting is described in
 * docs/numerics.md, "Reactions". */
#include <float.h>
#include <math.h>
#include <string.h>

#include "regensim/diffusion.h"
#include "sim/sim_impl.h"

/* rate = e over every voxel, chunk by chunk. */
void rs_reaction_rates(const rs_expr *e, const double *const *chunk_inputs, int nf,
                       const double *x, const double *y, const double *z, double t,
                       size_t n, double *rate)
{
    long nchunks = (long)((n + RS_REACTION_CHUNK - 1) / RS_REACTION_CHUNK);
#pragma omp parallel for schedule(static)
    for (long c = 0; c < nchunks; c++) {
        size_t b = (size_t)c * RS_REACTION_CHUNK;
        size_t len = n - b < RS_REACTION_CHUNK ? n - b : RS_REACTION_CHUNK;
        rs_expr_inputs in;
        memset(&in, 0, sizeof in);
        in.substrates = chunk_inputs + (size_t)c * (size_t)nf;
        in.x = x ? x + b : NULL;
        in.y = y ? y + b : NULL;
        in.z = z ? z + b : NULL;
        in.t = t;
        rs_expr_eval(e, &in, len, rate + b);
    }
}

/* rate[0..n) = v. */
void rs_reaction_fill(double *rate, size_t n, double v)
{
    long nn = (long)n;
#pragma omp parallel for simd schedule(static)
    for (long i = 0; i < nn; i++) rate[i] = v;
}

/* rate[idx[i]] += v (distinct indices). */
void rs_reaction_add_at(double *rate, const size_t *idx, size_t n, double v)
{
    long nn = (long)n;
#pragma omp parallel for schedule(static)
    for (long i = 0; i < nn; i++) rate[idx[i]] += v;
}

/* f <- (f + dt S) / (1 + dt U) with S or U NULL for none: the solvers'
 * own per-voxel step (rs_source_step), over fixed chunks on the threads. */
void rs_reaction_apply(double *f, const double *S, const double *U, double dt, size_t n)
{
    if (!S && !U) return;
    long nchunks = (long)((n + RS_REACTION_CHUNK - 1) / RS_REACTION_CHUNK);
#pragma omp parallel for schedule(static)
    for (long c = 0; c < nchunks; c++) {
        size_t b = (size_t)c * RS_REACTION_CHUNK;
        size_t len = n - b < RS_REACTION_CHUNK ? n - b : RS_REACTION_CHUNK;
        rs_source_step(f + b, f + b, S ? S + b : NULL, U ? U + b : NULL, len, dt);
    }
}

/* Explicit Euler: f += dt * rate. */
void rs_reaction_euler(double *f, const double *rate, double dt, size_t n)
{
    long nn = (long)n;
#pragma omp parallel for simd schedule(static)
    for (long i = 0; i < nn; i++) f[i] += dt * rate[i];
}

/* The lowest index i < n with f[i] not finite, or n: each fixed chunk
 * finds its own first, then the lowest chunk wins, so the answer is the
 * same for any number of threads. A plain pass over the array. */
size_t rs_field_first_nonfinite(const double *f, size_t n)
{
    long nchunks = (long)((n + RS_REACTION_CHUNK - 1) / RS_REACTION_CHUNK);
    size_t first = n;
#pragma omp parallel for schedule(static) reduction(min : first)
    for (long c = 0; c < nchunks; c++) {
        size_t b = (size_t)c * RS_REACTION_CHUNK;
        size_t e = n - b < RS_REACTION_CHUNK ? n : b + RS_REACTION_CHUNK;
        /* a branch-free first look (|f| <= DBL_MAX is false for NaN and
         * infinities), the exact place only for a chunk that has one */
        int bad = 0;
        for (size_t i = b; i < e; i++) bad |= !(fabs(f[i]) <= DBL_MAX);
        if (!bad) continue;
        for (size_t i = b; i < e; i++)
            if (!isfinite(f[i])) {
                if (i < first) first = i;
                break;
            }
    }
    return first;
}

/* rng.h: counter-based random numbers (Philox4x32-10, Salmon et al., SC'11).
 *
 * A draw is a pure function of (seed, stream, counter): no hidden state, so
 * any cell, voxel or purpose can draw in any order on any thread and get the
 * same numbers. The key is the 64-bit seed; the 128-bit counter is the
 * 64-bit stream id (e.g. a cell id mixed with a purpose) and a 64-bit
 * counter (e.g. the step). Each block yields four 32-bit words. */
#ifndef REGENSIM_RNG_H
#define REGENSIM_RNG_H

#include <stdint.h>
#include "regensim/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The raw bijection: 10 Philox rounds of ctr under key, into out. */
RS_API void rs_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2],
                             uint32_t out[4]);

/* The block for (seed, stream, counter): key = seed, ctr = (counter low,
 * counter high, stream low, stream high). */
RS_API void rs_rng_block(uint64_t seed, uint64_t stream, uint64_t counter,
                         uint32_t out[4]);

/* A sequential reader over one stream: draws consume the stream's blocks in
 * order. Plain value type; copy it to fork, store it to checkpoint. */
typedef struct rs_rng {
    uint64_t seed, stream, counter; /* next block to generate */
    uint32_t buf[4];
    int used; /* words of buf consumed (4 = empty) */
} rs_rng;

/* Positions r at the start of (seed, stream). */
RS_API void rs_rng_init(rs_rng *r, uint64_t seed, uint64_t stream);

/* Next 32 random bits. */
RS_API uint32_t rs_rng_u32(rs_rng *r);

/* Uniform double in (0, 1) from the top 52 of 64 random bits (two words);
 * never 0 or 1. */
RS_API double rs_rng_uniform(rs_rng *r);

/* The uniform draw rs_rng_uniform makes of 64 random bits: the centre of
 * bin (bits >> 12) of 2^52 equal bins of (0, 1). */
RS_API double rs_uniform_from_bits(uint64_t bits);

/* Standard normal (mean 0, variance 1), Box-Muller. */
RS_API double rs_rng_normal(rs_rng *r);

/* Exponential with the given rate (> 0): mean 1/rate. */
RS_API double rs_rng_exponential(rs_rng *r, double rate);

#ifdef __cplusplus
}
#endif
#endif

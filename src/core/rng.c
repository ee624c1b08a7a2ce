/* rng.c: Philox4x32-10 counter-based generator and the draws built on it
 * (see regensim/rng.h). Written from the description in Salmon, Moraes,
 * Dror and Shaw, "Parallel random numbers: as easy as 1, 2, 3" (SC'11). */
#include <math.h>

#include "regensim/rng.h"

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u /* golden ratio */
#define PHILOX_W1 0xBB67AE85u /* sqrt(3) - 1 */

/* One Philox round: two 32x32->64 multiplies, a permutation and key xor. */
static inline void philox_round(uint32_t c[4], const uint32_t k[2])
{
    uint64_t p0 = (uint64_t)PHILOX_M0 * c[0];
    uint64_t p1 = (uint64_t)PHILOX_M1 * c[2];
    uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
    uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
    uint32_t n0 = hi1 ^ c[1] ^ k[0];
    uint32_t n2 = hi0 ^ c[3] ^ k[1];
    c[0] = n0;
    c[1] = lo1;
    c[2] = n2;
    c[3] = lo0;
}

void rs_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    uint32_t c[4] = {ctr[0], ctr[1], ctr[2], ctr[3]};
    uint32_t k[2] = {key[0], key[1]};
    for (int r = 0; r < 10; r++) {
        if (r > 0) {
            k[0] += PHILOX_W0;
            k[1] += PHILOX_W1;
        }
        philox_round(c, k);
    }
    out[0] = c[0];
    out[1] = c[1];
    out[2] = c[2];
    out[3] = c[3];
}

void rs_rng_block(uint64_t seed, uint64_t stream, uint64_t counter, uint32_t out[4])
{
    const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    const uint32_t ctr[4] = {(uint32_t)counter, (uint32_t)(counter >> 32),
                             (uint32_t)stream, (uint32_t)(stream >> 32)};
    rs_philox4x32_10(ctr, key, out);
}

void rs_rng_init(rs_rng *r, uint64_t seed, uint64_t stream)
{
    r->seed = seed;
    r->stream = stream;
    r->counter = 0;
    r->used = 4;
    r->buf[0] = r->buf[1] = r->buf[2] = r->buf[3] = 0;
}

uint32_t rs_rng_u32(rs_rng *r)
{
    if (r->used == 4) {
        rs_rng_block(r->seed, r->stream, r->counter++, r->buf);
        r->used = 0;
    }
    return r->buf[r->used++];
}

double rs_uniform_from_bits(uint64_t bits)
{
    /* The centre of one of 2^52 equal bins: (b + 1/2) / 2^52 for b < 2^52 is
     * exactly representable and lies in [2^-53, 1 - 2^-53]. (With 53 bits
     * the top bin's centre, 1 - 2^-54, would round to 1.) */
    uint64_t b = bits >> 12;
    return ((double)b + 0.5) * 0x1.0p-52;
}

double rs_rng_uniform(rs_rng *r)
{
    uint64_t hi = rs_rng_u32(r);
    uint64_t lo = rs_rng_u32(r);
    return rs_uniform_from_bits((hi << 32) | lo);
}

double rs_rng_normal(rs_rng *r)
{
    /* Box-Muller with the cosine branch only: one normal per two uniforms,
     * so every draw consumes a fixed amount of the stream. */
    double u1 = rs_rng_uniform(r);
    double u2 = rs_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}

double rs_rng_exponential(rs_rng *r, double rate)
{
    return -log(rs_rng_uniform(r)) / rate;
}

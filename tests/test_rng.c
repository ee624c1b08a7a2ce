/* test_rng.c: Philox4x32-10 against the published known-answer vectors
 * (Random123's kat_vectors), and the statistics of the derived draws. */
#include <math.h>

#include "rs_test.h"

static void philox_known_answers(void **state)
{
    (void)state;
    static const struct {
        uint32_t ctr[4], key[2], out[4];
    } kat[] = {
        {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
        {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
         {0xffffffff, 0xffffffff},
         {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
        {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
         {0xa4093822, 0x299f31d0},
         {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
    };
    for (size_t t = 0; t < sizeof kat / sizeof kat[0]; t++) {
        uint32_t out[4];
        rs_philox4x32_10(kat[t].ctr, kat[t].key, out);
        for (int w = 0; w < 4; w++) assert_int_equal(out[w], kat[t].out[w]);
    }
}

static void block_maps_seed_stream_counter(void **state)
{
    (void)state;
    /* (seed, stream, counter) = pi vector, laid out as rng.h documents. */
    uint32_t out[4];
    rs_rng_block(0x299f31d0a4093822ull, 0x037073441319 * 0x10000ull + 0x8a2eull,
                 0x85a308d3243f6a88ull, out);
    assert_int_equal(out[0], 0xd16cfe09);
    assert_int_equal(out[3], 0x24126ea1);
}

static void stream_reader_is_a_pure_function(void **state)
{
    (void)state;
    rs_rng a, b;
    rs_rng_init(&a, 42, 7);
    rs_rng_init(&b, 42, 7);
    for (int i = 0; i < 100; i++) assert_int_equal(rs_rng_u32(&a), rs_rng_u32(&b));
    /* The fifth word is word 0 of block 1. */
    rs_rng_init(&a, 42, 7);
    for (int i = 0; i < 4; i++) rs_rng_u32(&a);
    uint32_t blk[4];
    rs_rng_block(42, 7, 1, blk);
    assert_int_equal(rs_rng_u32(&a), blk[0]);
    /* Another stream differs. */
    rs_rng_init(&a, 42, 7);
    rs_rng_init(&b, 42, 8);
    assert_int_not_equal(rs_rng_u32(&a), rs_rng_u32(&b));
}

/* Mean and variance of n draws, within 5 standard errors of the truth. */
static void check_moments(double (*draw)(rs_rng *, double), double arg, double mean,
                          double var)
{
    rs_rng r;
    rs_rng_init(&r, 2026, 1);
    const int n = 200000;
    double s = 0, s2 = 0;
    for (int i = 0; i < n; i++) {
        double v = draw(&r, arg);
        s += v;
        s2 += v * v;
    }
    double m = s / n, v = s2 / n - m * m;
    assert_true(fabs(m - mean) < 5 * sqrt(var / n));
    /* Variance of the sample variance is about 2 var^2 / n for these tails;
     * allow 10 standard errors (exponential tails are heavier). */
    assert_true(fabs(v - var) < 10 * var * sqrt(2.0 / n));
}

static double draw_uniform(rs_rng *r, double a) { (void)a; return rs_rng_uniform(r); }
static double draw_normal(rs_rng *r, double a) { (void)a; return rs_rng_normal(r); }
static double draw_exponential(rs_rng *r, double rate) { return rs_rng_exponential(r, rate); }

static void uniform_moments_and_range(void **state)
{
    (void)state;
    check_moments(draw_uniform, 0, 0.5, 1.0 / 12.0);
    rs_rng r;
    rs_rng_init(&r, 0, 0);
    for (int i = 0; i < 100000; i++) {
        double u = rs_rng_uniform(&r);
        assert_true(u > 0.0 && u < 1.0);
    }
}

/* The extreme bit patterns stay strictly inside (0, 1) (a 53-bit version
 * once returned exactly 1.0 for all-ones bits). */
static void uniform_extremes_are_open(void **state)
{
    (void)state;
    double lo = rs_uniform_from_bits(0), hi = rs_uniform_from_bits(UINT64_MAX);
    assert_true(lo > 0.0 && lo == 0x1.0p-53);
    assert_true(hi < 1.0 && hi == 1.0 - 0x1.0p-53);
    /* Neighbouring bins give distinct values. */
    assert_true(rs_uniform_from_bits(UINT64_MAX - 4096) < hi);
}

static void normal_moments(void **state)
{
    (void)state;
    check_moments(draw_normal, 0, 0.0, 1.0);
}

static void exponential_moments(void **state)
{
    (void)state;
    check_moments(draw_exponential, 4.0, 0.25, 1.0 / 16.0);
}

static void uniform_histogram_is_flat(void **state)
{
    (void)state;
    /* Chi-square over 64 bins; the 0.9999 quantile of chi2(63) is about 113. */
    enum { BINS = 64, N = 640000 };
    int h[BINS] = {0};
    rs_rng r;
    rs_rng_init(&r, 99, 3);
    for (int i = 0; i < N; i++) h[(int)(rs_rng_uniform(&r) * BINS)]++;
    double chi2 = 0, e = (double)N / BINS;
    for (int b = 0; b < BINS; b++) chi2 += (h[b] - e) * (h[b] - e) / e;
    assert_true(chi2 < 113.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(philox_known_answers),
        cmocka_unit_test(block_maps_seed_stream_counter),
        cmocka_unit_test(stream_reader_is_a_pure_function),
        cmocka_unit_test(uniform_moments_and_range),
        cmocka_unit_test(uniform_extremes_are_open),
        cmocka_unit_test(normal_moments),
        cmocka_unit_test(exponential_moments),
        cmocka_unit_test(uniform_histogram_is_flat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_sweep.c: the designs of a parameter sweep (regensim/sweep.h): point
 * counts and grid order, bounds and log scales, Latin-hypercube strata
 * (each stratum of each parameter hit exactly once), determinism in the
 * seed, replicate seeds, and the refusals. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rs_test.h"

static rs_sweep_axis range(double lo, double hi, rs_sweep_scale scale)
{
    rs_sweep_axis a = {lo, hi, scale, NULL, 0};
    return a;
}

/* A grid varies the last axis fastest; a range axis takes `samples` levels
 * from lo to hi inclusive (geometric on a log axis), a list its values. */
static void grid_order_and_levels(void **state)
{
    (void)state;
    static const double v[] = {1, 2, 4};
    rs_sweep_axis ax[2] = {range(1e-3, 1e-1, RS_SWEEP_LOG), {0, 0, RS_SWEEP_LINEAR, v, 3}};
    double *p;
    size_t n;
    rs_error err;
    assert_int_equal(rs_sweep_design(RS_SWEEP_GRID, ax, 2, 3, 7, &p, &n, &err), RS_OK);
    assert_int_equal(n, 9);
    const double lv[3] = {1e-3, 1e-2, 1e-1};
    for (size_t r = 0; r < n; r++) {
        assert_true(fabs(p[2 * r] - lv[r / 3]) <= 1e-15 * lv[r / 3]);
        assert_true(p[2 * r + 1] == v[r % 3]);
    }
    /* the ends of a log range are its bounds exactly (exp(log(x)) is not) */
    assert_true(p[0] == 1e-3 && p[2 * 8] == 1e-1);
    free(p);
    rs_sweep_axis lin = range(0, 10, RS_SWEEP_LINEAR);
    assert_int_equal(rs_sweep_design(RS_SWEEP_GRID, &lin, 1, 5, 7, &p, &n, &err), RS_OK);
    assert_int_equal(n, 5);
    for (size_t r = 0; r < 5; r++) assert_true(p[r] == 2.5 * (double)r);
    free(p);
    /* one level: the centre in the axis's scale */
    rs_sweep_axis lg = range(1, 100, RS_SWEEP_LOG);
    assert_int_equal(rs_sweep_design(RS_SWEEP_GRID, &lg, 1, 1, 7, &p, &n, &err), RS_OK);
    assert_true(n == 1 && fabs(p[0] - 10) <= 1e-13);
    free(p);
}

/* LHS: each of the n equal strata of each axis holds exactly one point
 * (strata of log10 on a log axis); random: in bounds, and spread. */
static void lhs_strata_and_bounds(void **state)
{
    (void)state;
    enum { N = 200 };
    static const double v[] = {10, 20, 30, 40};
    rs_sweep_axis ax[3] = {range(0, 1, RS_SWEEP_LINEAR), range(1e-4, 1, RS_SWEEP_LOG),
                           {0, 0, RS_SWEEP_LINEAR, v, 4}};
    double *p;
    size_t n;
    rs_error err;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        assert_int_equal(rs_sweep_design(RS_SWEEP_LHS, ax, 3, N, seed, &p, &n, &err), RS_OK);
        assert_int_equal(n, N);
        int hit0[N] = {0}, hit1[N] = {0}, hitv[4] = {0};
        for (size_t k = 0; k < N; k++) {
            double a = p[3 * k], b = p[3 * k + 1], c = p[3 * k + 2];
            assert_true(a > 0 && a < 1);
            assert_true(b >= 1e-4 && b <= 1);
            size_t s0 = (size_t)(a * N), s1 = (size_t)((log10(b) + 4) / 4 * N);
            assert_true(s0 < N && s1 < N);
            hit0[s0]++;
            hit1[s1]++;
            for (int j = 0; j < 4; j++) hitv[j] += c == v[j];
        }
        for (size_t s = 0; s < N; s++) {
            assert_int_equal(hit0[s], 1);
            assert_int_equal(hit1[s], 1);
        }
        for (int j = 0; j < 4; j++) assert_int_equal(hitv[j], N / 4); /* strata of the index */
        free(p);
    }
    assert_int_equal(rs_sweep_design(RS_SWEEP_RANDOM, ax, 3, N, 5, &p, &n, &err), RS_OK);
    double lo = 1, hi = 0, mean = 0;
    for (size_t k = 0; k < N; k++) {
        double a = p[3 * k];
        lo = a < lo ? a : lo;
        hi = a > hi ? a : hi;
        mean += a / N;
        assert_true(p[3 * k + 1] >= 1e-4 && p[3 * k + 1] <= 1);
    }
    /* 200 uniform draws: the mean within 4 sd (sd = 1/sqrt(12 N) = 0.0204) */
    assert_true(lo > 0 && hi < 1 && fabs(mean - 0.5) <= 4 * 0.0204);
    free(p);
}

/* The same seed gives the same points bit for bit; another seed others. */
static void designs_are_deterministic(void **state)
{
    (void)state;
    rs_sweep_axis ax[2] = {range(0, 1, RS_SWEEP_LINEAR), range(1, 2, RS_SWEEP_LINEAR)};
    for (int kind = RS_SWEEP_RANDOM; kind <= RS_SWEEP_LHS; kind++) {
        double *a, *b, *c;
        size_t na, nb, nc;
        rs_error err;
        assert_int_equal(rs_sweep_design(kind, ax, 2, 64, 11, &a, &na, &err), RS_OK);
        assert_int_equal(rs_sweep_design(kind, ax, 2, 64, 11, &b, &nb, &err), RS_OK);
        assert_int_equal(rs_sweep_design(kind, ax, 2, 64, 12, &c, &nc, &err), RS_OK);
        assert_true(na == nb && nb == nc);
        assert_memory_equal(a, b, na * 2 * sizeof *a);
        size_t same = 0;
        for (size_t k = 0; k < 2 * na; k++) same += a[k] == c[k];
        assert_true(same == 0);
        free(a);
        free(b);
        free(c);
    }
}

/* Replicate seeds: reproducible, distinct over (index, replicate), in the
 * model's seed range, independent of the sweep's size. */
static void replicate_seeds(void **state)
{
    (void)state;
    enum { RUNS = 100, REPS = 5 };
    uint64_t s[RUNS * REPS];
    for (uint64_t i = 0; i < RUNS; i++)
        for (uint32_t r = 0; r < REPS; r++) {
            uint64_t x = rs_sweep_replicate_seed(7, i, r);
            assert_true(x >= 1 && x <= 1000000000000000ull);
            assert_true(x == rs_sweep_replicate_seed(7, i, r));
            assert_true(x != rs_sweep_replicate_seed(8, i, r));
            s[i * REPS + r] = x;
        }
    for (size_t a = 0; a < RUNS * REPS; a++)
        for (size_t b = a + 1; b < RUNS * REPS; b++) assert_true(s[a] != s[b]);
}

/* Bad axes and sizes are refused, naming the axis, before any allocation. */
static void refusals(void **state)
{
    (void)state;
    double *p = (double *)1;
    size_t n = 1;
    rs_error err;
    rs_sweep_axis bad_log = range(0, 1, RS_SWEEP_LOG);
    assert_int_equal(rs_sweep_design(RS_SWEEP_LHS, &bad_log, 1, 4, 1, &p, &n, &err), RS_EINVAL);
    assert_non_null(strstr(err.msg, "axis 1"));
    assert_non_null(strstr(err.msg, "log"));
    assert_true(p == NULL && n == 0);
    rs_sweep_axis flipped = range(2, 1, RS_SWEEP_LINEAR);
    assert_int_equal(rs_sweep_design(RS_SWEEP_GRID, &flipped, 1, 4, 1, &p, &n, &err), RS_EINVAL);
    assert_non_null(strstr(err.msg, "lo > hi"));
    rs_sweep_axis nan_axis = range(NAN, 1, RS_SWEEP_LINEAR);
    assert_int_equal(rs_sweep_design(RS_SWEEP_RANDOM, &nan_axis, 1, 4, 1, &p, &n, &err), RS_EINVAL);
    rs_sweep_axis ok = range(0, 1, RS_SWEEP_LINEAR);
    assert_int_equal(rs_sweep_design(RS_SWEEP_LHS, &ok, 1, 0, 1, &p, &n, &err), RS_EINVAL);
    assert_int_equal(rs_sweep_design(RS_SWEEP_LHS, &ok, 0, 4, 1, &p, &n, &err), RS_EINVAL);
    /* a grid of 1e4^3 = 1e12 points: refused before allocating */
    rs_sweep_axis three[3] = {ok, ok, ok};
    assert_int_equal(rs_sweep_design(RS_SWEEP_GRID, three, 3, 10000, 1, &p, &n, &err), RS_ETOOBIG);
    assert_int_equal(rs_sweep_design(RS_SWEEP_RANDOM, &ok, 1, (size_t)1 << 40, 1, &p, &n, &err),
                     RS_ETOOBIG);
    assert_true(p == NULL && n == 0);
    /* 1e7 points of 64 parameters would be 5 GB: refused by its size */
    rs_sweep_axis many[RS_SWEEP_MAX_AXES];
    for (int i = 0; i < RS_SWEEP_MAX_AXES; i++) many[i] = ok;
    assert_int_equal(rs_sweep_design(RS_SWEEP_LHS, many, RS_SWEEP_MAX_AXES, RS_SWEEP_MAX_POINTS, 1,
                                     &p, &n, &err),
                     RS_ETOOBIG);
    assert_non_null(strstr(err.msg, "values"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grid_order_and_levels),
        cmocka_unit_test(lhs_strata_and_bounds),
        cmocka_unit_test(designs_are_deterministic),
        cmocka_unit_test(replicate_seeds),
        cmocka_unit_test(refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

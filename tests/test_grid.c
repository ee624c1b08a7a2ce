/* test_grid.c: grid validation refuses absurd requests before allocation. */
#include <math.h>
#include <string.h>

#include "rs_test.h"

static void good_grids_pass(void **state)
{
    (void)state;
    rs_error err;
    rs_grid g2 = {200, 100, 1, 10.0}, g3 = {64, 64, 64, 5.0};
    assert_int_equal(rs_grid_check(&g2, &err), RS_OK);
    assert_int_equal(rs_grid_check(&g3, &err), RS_OK);
    assert_int_equal(rs_grid_dims(&g2), 2);
    assert_int_equal(rs_grid_dims(&g3), 3);
    assert_int_equal(rs_grid_voxels(&g3), 64 * 64 * 64);
    assert_true(rs_grid_centre(&g2, 0) == 5.0);
    assert_true(rs_grid_centre(&g2, 199) == 1995.0);
}

static void bad_sizes_are_refused(void **state)
{
    (void)state;
    rs_error err;
    rs_grid g = {0, 10, 1, 1.0};
    assert_int_equal(rs_grid_check(&g, &err), RS_EINVAL);
    assert_non_null(strstr(err.msg, "nx = 0"));
    g = (rs_grid){10, -3, 1, 1.0};
    assert_int_equal(rs_grid_check(&g, &err), RS_EINVAL);
    assert_non_null(strstr(err.msg, "ny = -3"));
    g = (rs_grid){10, 10, 0, 1.0};
    assert_int_equal(rs_grid_check(&g, &err), RS_EINVAL);
    assert_non_null(strstr(err.msg, "nz = 0"));
}

static void bad_dx_is_refused(void **state)
{
    (void)state;
    rs_error err;
    const double bad[] = {0.0, -1.0, NAN, INFINITY};
    for (int i = 0; i < 4; i++) {
        rs_grid g = {10, 10, 1, bad[i]};
        assert_int_equal(rs_grid_check(&g, &err), RS_EINVAL);
        assert_non_null(strstr(err.msg, "dx"));
        assert_non_null(strstr(err.msg, "um"));
    }
}

static void trillion_voxels_are_refused(void **state)
{
    (void)state;
    rs_error err;
    rs_grid g = {10000, 10000, 10000, 1.0}; /* 1e12 voxels */
    assert_int_equal(rs_grid_check(&g, &err), RS_ETOOBIG);
    assert_non_null(strstr(err.msg, "1e+12 voxels"));
}

static void memory_estimate_is_checked(void **state)
{
    (void)state;
    rs_error err;
    /* 2048^3 voxels pass the count check but need 69 GB per array. */
    rs_grid g = {2048, 2048, 2048, 1.0};
    assert_int_equal(rs_grid_check(&g, &err), RS_OK);
    if (rs_memory_available() < 60e9) {
        assert_int_equal(rs_grid_check_memory(&g, 8.0, 0.0, &err), RS_ETOOBIG);
        assert_non_null(strstr(err.msg, "GB"));
    }
    rs_grid small = {10, 10, 10, 1.0};
    assert_int_equal(rs_grid_check_memory(&small, 8.0, 0.0, &err), RS_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_grids_pass),
        cmocka_unit_test(bad_sizes_are_refused),
        cmocka_unit_test(bad_dx_is_refused),
        cmocka_unit_test(trillion_voxels_are_refused),
        cmocka_unit_test(memory_estimate_is_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

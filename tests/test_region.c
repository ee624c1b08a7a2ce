/* test_region.c: regions of the domain (regensim/region.h), shared by model
 * files and expression aggregates: the point-in-region test for every
 * kind (closed boundaries, 2D shapes ignoring z, NaN outside), union,
 * difference and nesting, the kind names, the numbers in written order,
 * areas and volumes, voxel lists and the per-row reduction. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "rs_test.h"

static rs_region disk(double cx, double cy, double r)
{
    rs_region g = {.kind = RS_REGION_DISK, .ncoords = 2, .center = {cx, cy, 0}, .radius = r};
    return g;
}

static rs_region sphere(double cx, double cy, double cz, double r)
{
    rs_region g = {.kind = RS_REGION_SPHERE, .ncoords = 3, .center = {cx, cy, cz}, .radius = r};
    return g;
}

static rs_region box2(double x0, double y0, double x1, double y1)
{
    rs_region g = {.kind = RS_REGION_BOX, .ncoords = 2, .lo = {x0, y0, 0}, .hi = {x1, y1, 0}};
    return g;
}

static rs_region box3(double x0, double y0, double z0, double x1, double y1, double z1)
{
    rs_region g = {.kind = RS_REGION_BOX, .ncoords = 3, .lo = {x0, y0, z0}, .hi = {x1, y1, z1}};
    return g;
}

static void all_contains_everything(void **state)
{
    (void)state;
    rs_region all;
    memset(&all, 0, sizeof all);
    assert_int_equal(all.kind, RS_REGION_ALL); /* a zeroed region is `all` */
    assert_true(rs_region_contains(&all, 0, 0, 0));
    assert_true(rs_region_contains(&all, -1e300, 1e300, 5));
    assert_true(rs_region_contains(&all, NAN, NAN, NAN));
}

static void disk_is_closed_and_ignores_z(void **state)
{
    (void)state;
    rs_region d = disk(10, 20, 5);
    assert_true(rs_region_contains(&d, 10, 20, 0));
    assert_true(rs_region_contains(&d, 15, 20, 0)); /* on the circle */
    assert_true(rs_region_contains(&d, 10, 15, 0));
    assert_true(rs_region_contains(&d, 13, 24, 0)); /* 3-4-5: on the circle */
    assert_false(rs_region_contains(&d, 15.000001, 20, 0));
    assert_false(rs_region_contains(&d, 14, 24, 0));
    assert_true(rs_region_contains(&d, 10, 20, 1e6)); /* z ignored */
    assert_true(rs_region_contains(&d, 13, 24, -7));
    assert_true(rs_region_contains(&d, 10, 20, NAN)); /* even a NaN z */
    rs_region point = disk(1, 1, 0);                 /* radius 0: the centre only */
    assert_true(rs_region_contains(&point, 1, 1, 0));
    assert_false(rs_region_contains(&point, 1, 1.0000001, 0));
}

static void sphere_uses_z(void **state)
{
    (void)state;
    rs_region s = sphere(0, 0, 100, 10);
    assert_true(rs_region_contains(&s, 0, 0, 100));
    assert_true(rs_region_contains(&s, 0, 0, 110)); /* closed */
    assert_true(rs_region_contains(&s, 0, 0, 90));
    assert_true(rs_region_contains(&s, 6, 0, 108)); /* 6-8-10 */
    assert_false(rs_region_contains(&s, 0, 0, 110.00001));
    assert_false(rs_region_contains(&s, 0, 0, 0));
    assert_false(rs_region_contains(&s, 7, 0, 108));
}

static void annulus_and_shell_include_both_radii(void **state)
{
    (void)state;
    rs_region a = {.kind = RS_REGION_ANNULUS, .ncoords = 2, .center = {0, 0, 0},
                   .inner = 3, .outer = 5};
    assert_true(rs_region_contains(&a, 3, 0, 0));
    assert_true(rs_region_contains(&a, 0, 5, 0));
    assert_true(rs_region_contains(&a, 4, 0, 999)); /* z ignored */
    assert_false(rs_region_contains(&a, 0, 0, 0));
    assert_false(rs_region_contains(&a, 2.999999, 0, 0));
    assert_false(rs_region_contains(&a, 5.000001, 0, 0));
    rs_region s = {.kind = RS_REGION_SHELL, .ncoords = 3, .center = {0, 0, 0},
                   .inner = 3, .outer = 5};
    assert_true(rs_region_contains(&s, 0, 0, 3));
    assert_true(rs_region_contains(&s, 0, 0, -5));
    assert_true(rs_region_contains(&s, 0, 3, 4)); /* 5 */
    assert_false(rs_region_contains(&s, 4, 0, 4)); /* sqrt 32 > 5 */
    assert_false(rs_region_contains(&s, 1, 1, 1));
    /* inner 0: the whole disk or ball. */
    s.inner = 0;
    assert_true(rs_region_contains(&s, 0, 0, 0));
}

static void box_is_closed_and_2d_ignores_z(void **state)
{
    (void)state;
    rs_region b = box3(0, 10, 20, 1, 11, 21);
    for (int c = 0; c < 8; c++) /* every corner */
        assert_true(rs_region_contains(&b, c & 1, 10 + (c >> 1 & 1), 20 + (c >> 2)));
    assert_true(rs_region_contains(&b, 0.5, 10.5, 20.5));
    assert_false(rs_region_contains(&b, -1e-9, 10.5, 20.5));
    assert_false(rs_region_contains(&b, 0.5, 11.000001, 20.5));
    assert_false(rs_region_contains(&b, 0.5, 10.5, 19.99999));
    assert_false(rs_region_contains(&b, 0.5, 10.5, 1e6));
    rs_region flat = box2(0, 10, 1, 11);
    assert_true(rs_region_contains(&flat, 1, 11, -1e6));
    assert_true(rs_region_contains(&flat, 0, 10, 1e300));
    assert_false(rs_region_contains(&flat, 1.5, 10.5, 0));
    /* NaN is outside every shape: in the point ... */
    assert_false(rs_region_contains(&b, NAN, 10.5, 20.5));
    assert_false(rs_region_contains(&flat, 0.5, NAN, 0));
    rs_region d = disk(0, 0, 1);
    assert_false(rs_region_contains(&d, NAN, 0, 0));
    /* ... or in the region. */
    b.hi[2] = NAN;
    assert_false(rs_region_contains(&b, 0.5, 10.5, 20.5));
    d.radius = NAN;
    assert_false(rs_region_contains(&d, 0, 0, 0));
}

static void union_difference_and_nesting(void **state)
{
    (void)state;
    rs_region left = disk(0, 0, 1), right = disk(10, 0, 1);
    rs_region pair[2] = {left, right};
    rs_region u = {.kind = RS_REGION_UNION, .nchildren = 2, .children = pair};
    assert_true(rs_region_contains(&u, 0, 1, 0));
    assert_true(rs_region_contains(&u, 11, 0, 0));
    assert_false(rs_region_contains(&u, 5, 0, 0));
    rs_region empty_union = {.kind = RS_REGION_UNION};
    assert_false(rs_region_contains(&empty_union, 0, 0, 0));

    /* A square with a hole: the hole's boundary belongs to the hole. */
    rs_region sq_hole[2] = {box2(-5, -5, 5, 5), disk(0, 0, 2)};
    rs_region d = {.kind = RS_REGION_DIFFERENCE, .nchildren = 2, .children = sq_hole};
    assert_true(rs_region_contains(&d, 4, 4, 0));
    assert_true(rs_region_contains(&d, 5, 5, 0));
    assert_true(rs_region_contains(&d, 2.0001, 0, 0));
    assert_false(rs_region_contains(&d, 2, 0, 0));
    assert_false(rs_region_contains(&d, 0, 0, 0));
    assert_false(rs_region_contains(&d, 6, 0, 0));
    /* all minus a sphere. */
    rs_region all_but[2] = {{.kind = RS_REGION_ALL}, sphere(0, 0, 0, 1)};
    rs_region ab = {.kind = RS_REGION_DIFFERENCE, .nchildren = 2, .children = all_but};
    assert_true(rs_region_contains(&ab, 0, 0, 2));
    assert_false(rs_region_contains(&ab, 0, 0, 1));

    /* Nested: (square minus hole) or the right disk, minus a thin box. */
    rs_region inner[2] = {d, right};
    rs_region un = {.kind = RS_REGION_UNION, .nchildren = 2, .children = inner};
    rs_region outer[2] = {un, box2(-100, -0.5, 100, 0.5)};
    rs_region nest = {.kind = RS_REGION_DIFFERENCE, .nchildren = 2, .children = outer};
    assert_true(rs_region_contains(&nest, 4, 4, 0));
    assert_true(rs_region_contains(&nest, 10, 0.9, 0));
    assert_false(rs_region_contains(&nest, 10, 0, 0));  /* in the thin box */
    assert_false(rs_region_contains(&nest, 4, 0.5, 0)); /* its edge too */
    assert_false(rs_region_contains(&nest, 0, 1, 0));   /* in the hole */
    assert_false(rs_region_contains(&nest, 7, 3, 0));   /* in nothing */
}

static void kind_names_round_trip(void **state)
{
    (void)state;
    static const char *const want[RS_REGION_NKINDS] = {
        "all", "disk", "sphere", "box", "annulus", "shell", "union", "difference"};
    for (int k = 0; k < RS_REGION_NKINDS; k++) {
        assert_string_equal(rs_region_kind_name((rs_region_kind)k), want[k]);
        assert_int_equal(rs_region_kind_from_name(want[k], strlen(want[k])), k);
    }
    assert_string_equal(rs_region_kind_name((rs_region_kind)RS_REGION_NKINDS), "?");
    assert_string_equal(rs_region_kind_name((rs_region_kind)-1), "?");
    assert_int_equal(rs_region_kind_from_name("disks", 5), -1);
    assert_int_equal(rs_region_kind_from_name("disk(1, 2, 3)", 4), RS_REGION_DISK);
    assert_int_equal(rs_region_kind_from_name("Disk", 4), -1);
    assert_int_equal(rs_region_kind_from_name("", 0), -1);
    assert_int_equal(rs_region_kind_from_name(NULL, 0), -1);
}

static void numbers_in_written_order(void **state)
{
    (void)state;
    rs_region d = disk(1, 2, 3);
    assert_int_equal(rs_region_nnumbers(&d), 3);
    assert_ptr_equal(rs_region_number(&d, 0), &d.center[0]);
    assert_ptr_equal(rs_region_number(&d, 1), &d.center[1]);
    assert_ptr_equal(rs_region_number(&d, 2), &d.radius);
    assert_null(rs_region_number(&d, 3));
    assert_null(rs_region_number(&d, -1));
    assert_true(isnan(rs_region_value(&d, 3)));
    rs_region s = {.kind = RS_REGION_SHELL, .ncoords = 3};
    assert_int_equal(rs_region_nnumbers(&s), 5);
    for (int i = 0; i < 5; i++) *rs_region_number(&s, i) = i + 1;
    assert_true(s.center[0] == 1 && s.center[1] == 2 && s.center[2] == 3);
    assert_true(s.inner == 4 && s.outer == 5);
    rs_region a = {.kind = RS_REGION_ANNULUS, .ncoords = 2};
    assert_int_equal(rs_region_nnumbers(&a), 4);
    assert_ptr_equal(rs_region_number(&a, 2), &a.inner);
    assert_ptr_equal(rs_region_number(&a, 3), &a.outer);
    rs_region b = box3(1, 2, 3, 4, 5, 6);
    assert_int_equal(rs_region_nnumbers(&b), 6);
    for (int i = 0; i < 6; i++) assert_true(rs_region_value(&b, i) == i + 1);
    rs_region b2 = box2(1, 2, 3, 4);
    assert_int_equal(rs_region_nnumbers(&b2), 4);
    assert_ptr_equal(rs_region_number(&b2, 2), &b2.hi[0]);
    assert_int_equal(rs_region_nnumbers(&(rs_region){.kind = RS_REGION_ALL}), 0);
    assert_int_equal(rs_region_nnumbers(&(rs_region){.kind = RS_REGION_UNION}), 0);
    assert_int_equal(rs_region_nnumbers(&(rs_region){.kind = RS_REGION_DIFFERENCE}), 0);
}

static void volume_formulas(void **state)
{
    (void)state;
    const double pi = 3.14159265358979323846;
    const rs_grid g2 = {100, 50, 1, 2.0}, g3 = {10, 10, 5, 2.0};
    rs_region all = {.kind = RS_REGION_ALL};
    assert_true(rs_region_volume(&all, &g2, 2) == 200.0 * 100.0);
    assert_true(rs_region_volume(&all, &g3, 3) == 20.0 * 20.0 * 10.0);
    rs_region d = disk(0, 0, 3);
    assert_true(fabs(rs_region_volume(&d, &g2, 2) - 9 * pi) <= 1e-12);
    assert_true(fabs(rs_region_volume(&d, &g3, 3) - 9 * pi * 10) <= 1e-12); /* extruded */
    rs_region s = sphere(0, 0, 0, 3);
    assert_true(fabs(rs_region_volume(&s, &g3, 3) - 36 * pi) <= 1e-12);
    rs_region b = box2(0, 0, 4, 5);
    assert_true(rs_region_volume(&b, &g2, 2) == 20.0);
    assert_true(rs_region_volume(&b, &g3, 3) == 200.0);
    rs_region b3 = box3(0, 0, 0, 1, 2, 3);
    assert_true(rs_region_volume(&b3, &g3, 3) == 6.0);
    rs_region two[2] = {box2(0, 0, 4, 5), box2(0, 0, 1, 1)};
    rs_region u = {.kind = RS_REGION_UNION, .nchildren = 2, .children = two};
    assert_true(rs_region_volume(&u, &g2, 2) == 21.0); /* children added */
    rs_region df = {.kind = RS_REGION_DIFFERENCE, .nchildren = 2, .children = two};
    assert_true(rs_region_volume(&df, &g2, 2) == 19.0);
    rs_region rev[2] = {two[1], two[0]};
    df.children = rev;
    assert_true(rs_region_volume(&df, &g2, 2) == 0.0); /* never negative */
}

static void voxels_are_the_centres_inside(void **state)
{
    (void)state;
    const rs_grid g = {4, 3, 2, 10.0}; /* centres 5, 15, 25, 35 / 5, 15, 25 / 5, 15 */
    rs_error err;
    size_t *idx = NULL, n = 0;
    rs_region b = box3(5, 5, 15, 15, 15, 15); /* closed: the centres on its faces */
    assert_int_equal(rs_region_voxels(&g, &b, &idx, &n, &err), RS_OK);
    assert_int_equal(n, 4);
    const size_t want[4] = {12, 13, 16, 17}; /* i + 4 (j + 3 k), k = 1 */
    for (size_t i = 0; i < n; i++) assert_int_equal(idx[i], want[i]);
    free(idx);
    rs_region d = disk(100, 100, 1);
    assert_int_equal(rs_region_voxels(&g, &d, &idx, &n, &err), RS_OK);
    assert_int_equal(n, 0);
    assert_null(idx);
    rs_region all = {.kind = RS_REGION_ALL};
    assert_int_equal(rs_region_voxels(&g, &all, &idx, &n, &err), RS_OK);
    assert_int_equal(n, 24);
    for (size_t i = 0; i < n; i++) assert_int_equal(idx[i], i);
    free(idx);
}

static void reduce_rows_over_a_region(void **state)
{
    (void)state;
    const rs_grid g = {64, 48, 3, 1.0};
    const size_t nv = rs_grid_voxels(&g), nrows = (size_t)g.ny * (size_t)g.nz;
    double *f = malloc(nv * sizeof *f), *p[2][4];
    assert_non_null(f);
    for (size_t v = 0; v < nv; v++) f[v] = sin(0.37 * (double)v) * 1e3 + 0.1 * (double)(v % 7);
    for (int t = 0; t < 2; t++)
        for (int q = 0; q < 4; q++) {
            p[t][q] = malloc(nrows * sizeof(double));
            assert_non_null(p[t][q]);
        }
    rs_region pair[2] = {disk(20, 20, 12), sphere(50, 30, 1.5, 8)};
    rs_region u = {.kind = RS_REGION_UNION, .nchildren = 2, .children = pair};
    int saved = omp_get_max_threads();
    for (int t = 0; t < 2; t++) {
        omp_set_num_threads(t + 1);
        rs_region_reduce_rows(&g, f, &u, p[t][0], p[t][1], p[t][2], p[t][3]);
    }
    omp_set_num_threads(saved);
    /* The same bits for 1 and 2 threads, and each row as computed here. */
    for (int q = 0; q < 4; q++)
        assert_memory_equal(p[0][q], p[1][q], nrows * sizeof(double));
    for (size_t row = 0; row < nrows; row++) {
        int j = (int)(row % (size_t)g.ny), k = (int)(row / (size_t)g.ny);
        double sum = 0, mx = -INFINITY, mn = INFINITY, cnt = 0;
        for (int i = 0; i < g.nx; i++) {
            if (!rs_region_contains(&u, rs_grid_centre(&g, i), rs_grid_centre(&g, j),
                                    rs_grid_centre(&g, k)))
                continue;
            double v = f[row * (size_t)g.nx + (size_t)i];
            sum += v;
            mx = fmax(mx, v);
            mn = fmin(mn, v);
            cnt += 1;
        }
        assert_true(p[0][0][row] == sum && p[0][1][row] == mx && p[0][2][row] == mn &&
                    p[0][3][row] == cnt);
    }
    /* A row outside the region: no voxels, -inf and +inf. */
    assert_true(p[0][3][47] == 0 && p[0][1][47] == -INFINITY && p[0][2][47] == INFINITY);
    double total = 0;
    for (size_t row = 0; row < nrows; row++) total += p[0][3][row];
    size_t *idx = NULL, n = 0;
    rs_error err;
    assert_int_equal(rs_region_voxels(&g, &u, &idx, &n, &err), RS_OK);
    assert_true(total == (double)n && n > 0);
    free(idx);
    for (int t = 0; t < 2; t++)
        for (int q = 0; q < 4; q++) free(p[t][q]);
    free(f);
}

static void free_releases_a_malloced_tree(void **state)
{
    (void)state;
    rs_region r = {.kind = RS_REGION_UNION, .nchildren = 2};
    r.children = calloc(2, sizeof *r.children);
    assert_non_null(r.children);
    r.children[0] = disk(0, 0, 1);
    r.children[1].kind = RS_REGION_DIFFERENCE;
    r.children[1].nchildren = 2;
    r.children[1].children = calloc(2, sizeof(rs_region));
    assert_non_null(r.children[1].children);
    rs_region_free(&r); /* ASan reports a leak if a level is missed */
    assert_null(r.children);
    assert_int_equal(r.nchildren, 0);
    rs_region_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(all_contains_everything),
        cmocka_unit_test(disk_is_closed_and_ignores_z),
        cmocka_unit_test(sphere_uses_z),
        cmocka_unit_test(annulus_and_shell_include_both_radii),
        cmocka_unit_test(box_is_closed_and_2d_ignores_z),
        cmocka_unit_test(union_difference_and_nesting),
        cmocka_unit_test(kind_names_round_trip),
        cmocka_unit_test(numbers_in_written_order),
        cmocka_unit_test(volume_formulas),
        cmocka_unit_test(voxels_are_the_centres_inside),
        cmocka_unit_test(reduce_rows_over_a_region),
        cmocka_unit_test(free_releases_a_malloced_tree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_cell_forces.c: rs_cell_forces (src/cells/mechanics.c) against a
 * plain loop over the 27 bins around each cell (9 in 2D), the kernel as it
 * was first written: the velocities and neighbour counts must agree bit for
 * bit, on 1, 2 and 3 threads, for one and several cell types, fixed and
 * dead cells, 2D, a pile-up of cells (more candidates than the force pass
 * gathers at once) with coincident centres, and tiny populations. */
#include <math.h>
#include <omp.h>

#include "rs_test.h"
#include "regensim/rng.h"

/* ---- the reference: a plain loop ------------------------------------- */

static void ref_bin_pairs(const rs_cells *c, const rs_neighbour_bins *b, size_t k, size_t i,
                          const rs_cell_mechanics *types, int ntypes, const double *cr,
                          const double *ca, double v[3], int *touching)
{
    const double xi = c->x[i], yi = c->y[i], zi = c->z[i], ri = c->radius[i];
    const int ti = c->type[i];
    const double ai = types[ti].adhesion_range;
    for (uint32_t j = b->start[k]; j < b->start[k + 1]; j++) {
        if (j == i) continue;
        const double dx = xi - c->x[j], dy = yi - c->y[j], dz = zi - c->z[j];
        const double rj = c->radius[j];
        const double A = ai * ri + types[c->type[j]].adhesion_range * rj;
        const double d2 = dx * dx + dy * dy + dz * dz;
        if (d2 >= A * A && d2 >= (ri + rj) * (ri + rj)) continue;
        const double R = ri + rj;
        const int p = ti * ntypes + c->type[j];
        double d = sqrt(d2);
        if (d2 < R * R) (*touching)++;
        if (d > 0) {
            double s = rs_cell_pair_speed(d, R, A, cr[p], ca[p]) / d;
            v[0] += s * dx;
            v[1] += s * dy;
            v[2] += s * dz;
        } else {
            v[0] += (c->id[i] > c->id[j] ? 1.0 : -1.0) * cr[p];
        }
    }
}

/* The velocities and neighbour counts of every cell into v (3n) and nb. */
static void ref_forces(const rs_cells *c, const rs_neighbour_bins *b,
                       const rs_cell_mechanics *types, int ntypes, double *v, double *nb)
{
    double cr[RS_CELLS_MAX_TYPES * RS_CELLS_MAX_TYPES], ca[RS_CELLS_MAX_TYPES * RS_CELLS_MAX_TYPES];
    for (int s = 0; s < ntypes; s++)
        for (int t = 0; t < ntypes; t++)
            rs_cell_pair_constants(&types[s], &types[t], &cr[s * ntypes + t],
                                   &ca[s * ntypes + t]);
    const int nz = b->dims == 3 ? 1 : 0;
    for (size_t i = 0; i < c->n; i++) {
        const size_t home = c->key[i];
        const int bi = (int)(home % (size_t)b->nb[0]);
        const int bj = (int)(home / (size_t)b->nb[0] % (size_t)b->nb[1]);
        const int bk = (int)(home / ((size_t)b->nb[0] * (size_t)b->nb[1]));
        double w[3] = {0, 0, 0};
        int touching = 0;
        for (int k = bk - nz; k <= bk + nz; k++) {
            if (k < 0 || k >= b->nb[2]) continue;
            for (int j = bj - 1; j <= bj + 1; j++) {
                if (j < 0 || j >= b->nb[1]) continue;
                for (int ii = bi - 1; ii <= bi + 1; ii++) {
                    if (ii < 0 || ii >= b->nb[0]) continue;
                    size_t bin = (size_t)ii + (size_t)b->nb[0] * ((size_t)j + (size_t)b->nb[1] * (size_t)k);
                    ref_bin_pairs(c, b, bin, i, types, ntypes, cr, ca, w, &touching);
                }
            }
        }
        nb[i] = touching;
        const int still = types[c->type[i]].fixed || c->phase[i] != RS_CELL_ALIVE;
        v[3 * i] = still ? 0 : w[0];
        v[3 * i + 1] = still ? 0 : w[1];
        v[3 * i + 2] = still || c->dims == 2 ? 0 : w[2];
    }
}

/* ---- scenarios -------------------------------------------------------- */

typedef struct scenario {
    const char *name;
    int dims, ntypes;
    size_t n;
    int pileup;  /* half the cells in a 30 um cube, every fifth of those at one point */
    int varied;  /* radii vary by +-20 %, every 13th cell dead */
} scenario;

static const rs_cell_mechanics mech[3] = {
    {10, 0.4, 1.25, 0}, {5, 1.0, 1.6, 0}, {20, 0.0, 1.0, 1}};
static const rs_cell_motility mot[3] = {
    {1, 1, 0, NULL, NULL}, {2, 5, 0, NULL, NULL}, {0, 1, 0, NULL, NULL}};
static const double radii[3] = {8.3, 5.0, 12.0};

/* Places the scenario's cells; returns the population and its bins. */
static void make(const scenario *sc, rs_cells **out, rs_neighbour_bins **bins, double size[3])
{
    rs_error err;
    rs_cells *c = NULL;
    size[0] = 300;
    size[1] = 250;
    size[2] = sc->dims == 3 ? 200 : 0;
    assert_int_equal(rs_cells_create(&c, sc->dims, 0, 16, &err), RS_OK);
    rs_rng r;
    rs_rng_init(&r, 3, 7);
    for (size_t i = 0; i < sc->n; i++) {
        const int t = (int)(rs_rng_u32(&r) % (uint32_t)sc->ntypes);
        double x = size[0] * rs_rng_uniform(&r), y = size[1] * rs_rng_uniform(&r);
        double z = sc->dims == 3 ? size[2] * rs_rng_uniform(&r) : 0;
        if (sc->pileup && i % 2) {
            x = 100 + 30 * rs_rng_uniform(&r);
            y = 100 + 30 * rs_rng_uniform(&r);
            z = sc->dims == 3 ? 100 + 30 * rs_rng_uniform(&r) : 0;
            if (i % 10 == 1) x = y = z = 110;
        }
        const double rad = radii[t] * (sc->varied ? 0.8 + 0.4 * rs_rng_uniform(&r) : 1.0);
        assert_int_equal(rs_cells_add(c, t, x, y, z, rad, NULL, &err), RS_OK);
        if (sc->varied && i % 13 == 0) c->phase[c->n - 1] = RS_CELL_APOPTOTIC;
    }
    double rmax[3];
    for (int t = 0; t < 3; t++) rmax[t] = radii[t] * 1.2;
    assert_int_equal(rs_neighbour_bins_create(bins, sc->dims, size,
                                              rs_cell_mechanics_reach(mech, rmax, sc->ntypes),
                                              &err),
                     RS_OK);
    *out = c;
}

/* A few mechanics steps; at each, the forces on 1, 2 and 3 threads
 * against the reference. */
static void check(const scenario *sc)
{
    rs_cells *c;
    rs_neighbour_bins *b;
    double size[3];
    make(sc, &c, &b, size);
    const size_t n = sc->n;
    double *v = malloc((3 * n + 1) * sizeof *v), *nb = malloc((n + 1) * sizeof *nb);
    assert_non_null(v);
    assert_non_null(nb);
    const int threads0 = omp_get_max_threads();
    double touching = 0;
    for (int step = 0; step < 3; step++) {
        rs_neighbour_bins_build(b, c);
        ref_forces(c, b, mech, sc->ntypes, v, nb);
        for (int threads = 1; threads <= 3; threads++) {
            omp_set_num_threads(threads);
            rs_cell_forces(c, b, mech, sc->ntypes);
            for (size_t i = 0; i < n; i++) {
                const double got[4] = {c->vx[i], c->vy[i], c->vz[i], c->neighbours[i]};
                const double want[4] = {v[3 * i], v[3 * i + 1], v[3 * i + 2], nb[i]};
                if (memcmp(got, want, sizeof got) != 0)
                    fail_msg("%s, step %d, %d thread(s), cell %zu (id %llu): got (%.17g, "
                             "%.17g, %.17g; %g), expected (%.17g, %.17g, %.17g; %g)",
                             sc->name, step, threads, i, (unsigned long long)c->id[i], got[0],
                             got[1], got[2], got[3], want[0], want[1], want[2], want[3]);
            }
        }
        for (size_t i = 0; i < n; i++) touching += nb[i];
        rs_cell_motility_env env = {NULL, NULL, 1, (uint64_t)step * 10, 0.1};
        rs_cell_motility_add(c, mot, mech, sc->ntypes, &env);
        rs_cell_move(c, size, 0.1);
    }
    omp_set_num_threads(threads0);
    /* The scenarios with cells close enough do exercise the pairs. */
    if (n > 100) assert_true(touching > 0);
    free(v);
    free(nb);
    rs_neighbour_bins_destroy(b);
    rs_cells_destroy(c);
}

static void test_uniform_3d(void **state)
{
    (void)state;
    check(&(scenario){"3D, one type", 3, 1, 3000, 0, 0});
}

static void test_uniform_2d(void **state)
{
    (void)state;
    check(&(scenario){"2D, one type", 2, 1, 3000, 0, 0});
}

static void test_types_fixed_dead(void **state)
{
    (void)state;
    check(&(scenario){"3D, three types, fixed and dead cells", 3, 3, 3000, 0, 1});
    check(&(scenario){"2D, three types, fixed and dead cells", 2, 3, 2000, 0, 1});
}

static void test_pileup(void **state)
{
    (void)state;
    /* About 1500 cells in a 30 um cube: neighbourhoods of far more than
     * the 256 candidates gathered at once; coincident centres. */
    check(&(scenario){"3D pile-up", 3, 1, 3000, 1, 0});
    check(&(scenario){"3D pile-up, three types", 3, 3, 3000, 1, 1});
}

static void test_tiny(void **state)
{
    (void)state;
    check(&(scenario){"no cells", 3, 1, 0, 0, 0});
    check(&(scenario){"one cell", 3, 1, 1, 0, 0});
    check(&(scenario){"seven cells", 3, 3, 7, 0, 1});
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uniform_3d),
        cmocka_unit_test(test_uniform_2d),
        cmocka_unit_test(test_types_fixed_dead),
        cmocka_unit_test(test_pileup),
        cmocka_unit_test(test_tiny),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

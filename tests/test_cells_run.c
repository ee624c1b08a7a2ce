/* test_cells_run.c: the cells in a run's output (src/sim/proc_cells.c
 * through rs_io_section's tables and checkpoint arrays): a 2D model with
 * moving, secreting cells (chemotaxis up what they and fixed cells
 * secrete, uptake) and an `inject` intervention, run straight and stopped
 * at a checkpoint and resumed (at the inject's own step, in the middle of
 * a mechanics period, on other thread counts, and from an older checkpoint
 * so that later /cells groups are dropped and rewritten): the final cell
 * arrays and fields (checkpoint.h5) and every /cells/<k> of run.h5 are
 * bitwise the uninterrupted run's. Also the /cells layout (types, filters,
 * float32, NaN for the states a type lacks, time and count), a model
 * without cell types writing no /cells, a state named like a column
 * refused, and a corrupt cell array refused on resume. The microglia
 * divide and die (PHENOTYPE), so the population's size and order change
 * across the stops. */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <hdf5.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rs_test.h"
#include "test_dirs.h"

/* The microglia's phenotype: division, and apoptosis with dead cells
 * kept for a while (phase apoptotic in the output), one line; "" runs
 * the model without (the comparisons below cover whatever the population
 * becomes). */
#define PHENOTYPE "    cycle: 0.06\n    apoptosis: 0.03\n    clearance_time: 2\n"

/* 30 x 20 voxels; microglia wander and climb the attractant that they
 * and the fixed astrocytes secrete, divide and die; more microglia are
 * injected at t = 2, the step of a checkpoint; mechanics every 2
 * diffusion steps (the stability limit for radius 4: 0.2 min). */
static const char *const model =
    "regensim: 1\n"
    "name: cells_run\n"
    "domain: {size: [300, 200], dx: 10}\n"
    "time: {end: 6, dt: {diffusion: 0.1, mechanics: 0.2, phenotype: 0.5}, save_every: 1,\n"
    "       checkpoint_every: 2}\n"
    "solver: lod\n"
    "seed: 11\n"
    "substrates:\n"
    "  attractant: {diffusion: 300, decay: 0.05, units: uM}\n"
    "  food: {initial: 1}\n"
    "cell_types:\n"
    "  astrocyte:\n"
    "    radius: 6\n"
    "    fixed: true\n"
    "    secretes: {attractant: 3}\n"
    "    states: {reactivity: {initial: 0.5}}\n"
    "  microglia:\n"
    "    radius: 4\n"
    "    motility: {speed: 4, persistence: 0.5, chemotaxis: {attractant: 0.7}}\n"
    "    secretes: {attractant: 0.5}\n"
    "    uptakes: {food: 0.01}\n"
    "    states: {load: {initial: 1, rate: \"-0.1 * load\"}, reactivity: {initial: 0.25}}\n"
    PHENOTYPE
    "initial:\n"
    "  - {cells: astrocyte, count: 4, region: {disk: {center: [150, 100], radius: 30}}}\n"
    "  - {cells: microglia, count: 30, region: {box: {min: [0, 0], max: [300, 200]}}}\n"
    "interventions:\n"
    "  - {at: 2, inject: {cells: microglia, count: 15, region: {disk: {center: [60, 60], "
    "radius: 40}}}}\n"
    "metrics:\n"
    "  attractant_mean: \"mean(attractant)\"\n";

static rs_model *load_text(const char *text, const char *const *sets, int nsets)
{
    rs_model *m = NULL;
    rs_errors errs;
    rs_status st = rs_model_load_string(&m, text, strlen(text), "cells_run.yaml", sets, nsets,
                                        &errs);
    if (st != RS_OK) fail_msg("model: %s", errs.item[0].msg);
    return m;
}

/* The step at which the progress callback stops the run (0: never). */
static int64_t stop_step;

static int stop_at(void *user, const rs_sim *s)
{
    (void)user;
    return stop_step > 0 && rs_sim_steps(s) >= stop_step;
}

/* Runs the model into dir on nthreads threads, resuming when resume,
 * stopping at step `stop` (0: runs to the end); returns the outcome. */
static rs_run_outcome run_into(const char *dir, const char *const *sets, int nsets,
                               int nthreads, int resume, int64_t stop)
{
    omp_set_num_threads(nthreads);
    stop_step = stop;
    rs_model *m = load_text(model, sets, nsets);
    rs_run_config cfg = {.model = m, .model_text = model, .dir = dir, .force = !resume,
                         .progress = stop_at};
    rs_run *r = NULL;
    rs_error err;
    rs_status st = resume ? rs_run_resume(&r, &cfg, &err) : rs_run_create(&r, &cfg, &err);
    if (st != RS_OK) fail_msg("%s %s: %s", resume ? "resume" : "create", dir, err.msg);
    st = rs_run_execute(r, &err);
    if (st != RS_OK) fail_msg("execute %s: %s", dir, err.msg);
    rs_run_outcome out = rs_run_outcome_of(r);
    rs_run_destroy(r);
    rs_model_destroy(m);
    omp_set_num_threads(omp_get_num_procs());
    return out;
}

/* dir/name. */
static void path_of(char *buf, size_t size, const char *dir, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
}

static hid_t open_file(const char *dir, const char *name)
{
    char p[512];
    path_of(p, sizeof p, dir, name);
    hid_t f = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) fail_msg("cannot open %s", p);
    return f;
}

/* The stored bytes of dataset `name` in f (its own type; caller frees),
 * with its type and number of bytes. */
static unsigned char *raw(hid_t f, const char *name, size_t *nbytes, hid_t *type)
{
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    if (d < 0) fail_msg("no dataset %s", name);
    hid_t t = H5Dget_type(d), s = H5Dget_space(d);
    hssize_t np = H5Sget_simple_extent_npoints(s);
    *nbytes = (size_t)np * H5Tget_size(t);
    unsigned char *b = malloc(*nbytes + 1);
    assert_non_null(b);
    if (np > 0) assert_true(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, b) >= 0);
    H5Sclose(s);
    H5Dclose(d);
    *type = t;
    return b;
}

/* Dataset `name` is byte for byte and type for type the same in fa and fb. */
static void same_dataset(hid_t fa, hid_t fb, const char *name, const char *what)
{
    size_t na, nb;
    hid_t ta, tb;
    unsigned char *a = raw(fa, name, &na, &ta), *b = raw(fb, name, &nb, &tb);
    if (H5Tequal(ta, tb) <= 0 || na != nb || memcmp(a, b, na) != 0)
        fail_msg("%s: %s differs (%zu and %zu bytes)", what, name, na, nb);
    H5Tclose(ta);
    H5Tclose(tb);
    free(a);
    free(b);
}

/* The names of a group's members (caller frees each and the array). */
static char **members(hid_t f, const char *group, int *n)
{
    hid_t g = H5Gopen2(f, group, H5P_DEFAULT);
    if (g < 0) fail_msg("no group %s", group);
    H5G_info_t info;
    assert_true(H5Gget_info(g, &info) >= 0);
    char **names = calloc(info.nlinks + 1, sizeof *names);
    for (hsize_t i = 0; i < info.nlinks; i++) {
        char buf[256];
        assert_true(H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, buf, sizeof buf,
                                       H5P_DEFAULT) > 0);
        names[i] = strdup(buf);
    }
    H5Gclose(g);
    *n = (int)info.nlinks;
    return names;
}

static void free_names(char **v, int n)
{
    for (int i = 0; i < n; i++) free(v[i]);
    free(v);
}

static int64_t attr_i64(hid_t obj, const char *name)
{
    int64_t v = -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    assert_true(a >= 0 && H5Aread(a, H5T_NATIVE_INT64, &v) >= 0);
    H5Aclose(a);
    return v;
}

static double attr_f64(hid_t obj, const char *name)
{
    double v = NAN;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    assert_true(a >= 0 && H5Aread(a, H5T_NATIVE_DOUBLE, &v) >= 0);
    H5Aclose(a);
    return v;
}

/* Every group of /cells in run.h5, every column and its attributes, the
 * fields, times and metrics, and the final state in checkpoint.h5 (every
 * cell array and field) are bitwise the same in dirs a and b. */
static void same_run(const char *a, const char *b)
{
    hid_t fa = open_file(a, "run.h5"), fb = open_file(b, "run.h5");
    const int64_t n = attr_i64(fa, "nsnapshots");
    assert_int_equal(n, attr_i64(fb, "nsnapshots"));
    static const char *const sets[] = {"/fields/attractant", "/fields/food", "/time",
                                       "/timeseries/time", "/timeseries/attractant_mean"};
    for (int i = 0; i < 5; i++) same_dataset(fa, fb, sets[i], b);
    /* exactly the counted snapshots' groups, each the same */
    int ng, nb;
    char **groups = members(fa, "/cells", &ng), **other = members(fb, "/cells", &nb);
    assert_int_equal(ng, n);
    assert_int_equal(nb, n);
    for (int k = 0; k < ng; k++) {
        assert_string_equal(groups[k], other[k]);
        char g[64];
        snprintf(g, sizeof g, "/cells/%s", groups[k]);
        hid_t ga = H5Gopen2(fa, g, H5P_DEFAULT), gb = H5Gopen2(fb, g, H5P_DEFAULT);
        assert_true(ga >= 0 && gb >= 0);
        assert_int_equal(attr_i64(ga, "count"), attr_i64(gb, "count"));
        assert_true(attr_f64(ga, "time") == attr_f64(gb, "time"));
        H5Gclose(ga);
        H5Gclose(gb);
        int nc, nc2;
        char **cols = members(fa, g, &nc), **cols2 = members(fb, g, &nc2);
        assert_int_equal(nc, nc2);
        for (int c = 0; c < nc; c++) {
            char d[128];
            assert_string_equal(cols[c], cols2[c]);
            snprintf(d, sizeof d, "%s/%s", g, cols[c]);
            same_dataset(fa, fb, d, b);
        }
        free_names(cols, nc);
        free_names(cols2, nc2);
    }
    free_names(groups, ng);
    free_names(other, nb);
    H5Fclose(fa);
    H5Fclose(fb);
    /* the final state: every array of the population and every field */
    fa = open_file(a, "checkpoint.h5");
    fb = open_file(b, "checkpoint.h5");
    static const char *const groups2[] = {"/cells", "/fields"};
    for (int i = 0; i < 2; i++) {
        int na2, nb2;
        char **x = members(fa, groups2[i], &na2), **y = members(fb, groups2[i], &nb2);
        assert_int_equal(na2, nb2);
        assert_true(na2 >= (i == 0 ? 16 : 2)); /* counts, id, type, phase, 10 arrays, 2 slots */
        for (int k = 0; k < na2; k++) {
            char d[128];
            assert_string_equal(x[k], y[k]);
            snprintf(d, sizeof d, "%s/%s", groups2[i], x[k]);
            same_dataset(fa, fb, d, b);
        }
        free_names(x, na2);
        free_names(y, nb2);
    }
    H5Fclose(fa);
    H5Fclose(fb);
}

/* Reads a whole column of /cells/<k> as doubles (caller frees; *n values). */
static double *column(hid_t f, int k, const char *name, size_t *n)
{
    char p[128];
    snprintf(p, sizeof p, "/cells/%d/%s", k, name);
    hid_t d = H5Dopen2(f, p, H5P_DEFAULT);
    if (d < 0) fail_msg("no %s", p);
    hid_t s = H5Dget_space(d);
    *n = (size_t)H5Sget_simple_extent_npoints(s);
    double *v = malloc((*n + 1) * sizeof *v);
    if (*n) assert_true(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    H5Sclose(s);
    H5Dclose(d);
    return v;
}

static void copy_file(const char *from, const char *to)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", from, to);
    assert_int_equal(system(cmd), 0);
}

static void resume_is_bitwise(void **state)
{
    const char *dir = *state;
    setenv("REGENSIM_MIN_WORK_PER_THREAD", "1", 1);
    char ref[300], other[300], p[400], q[400];
    snprintf(ref, sizeof ref, "%s/straight", dir);
    assert_int_equal(run_into(ref, NULL, 0, 1, 0, 0), RS_RUN_COMPLETED);
    /* the run is what it says: cells move, are injected, secrete */
    hid_t f = open_file(ref, "run.h5");
    assert_int_equal(attr_i64(f, "nsnapshots"), 7);
    size_t n0, n6, nx;
    double *id0 = column(f, 0, "id", &n0), *id6 = column(f, 6, "id", &n6);
    assert_int_equal(n0, 34);
    double top = 0; /* ids 34 to 48 are the injected cells', later ones daughters' */
    for (size_t j = 0; j < n6; j++) top = id6[j] > top ? id6[j] : top;
    assert_true(top >= 34);
    if (strlen(PHENOTYPE) > 0) assert_true(top >= 49);
    else assert_int_equal(n6, 49);
    double *p0 = column(f, 0, "position", &nx), *p6 = column(f, 6, "position", &nx);
    int moved = 0;
    for (size_t i = 0; i < n0; i++)
        for (size_t j = 0; j < n6; j++)
            if (id0[i] == id6[j] && (p0[3 * i] != p6[3 * j] || p0[3 * i + 1] != p6[3 * j + 1]))
                moved++;
    assert_true(moved >= 15); /* microglia (some may have died); never the 4 fixed astrocytes */
    assert_true(moved <= 30);
    free(id0);
    free(id6);
    free(p0);
    free(p6);
    H5Fclose(f);
    /* stopped at the inject's step (a checkpoint's), on 2 threads; resumed on 1 */
    snprintf(other, sizeof other, "%s/at-inject", dir);
    assert_int_equal(run_into(other, NULL, 0, 2, 0, 20), RS_RUN_STOPPED);
    assert_int_equal(run_into(other, NULL, 0, 1, 1, 0), RS_RUN_COMPLETED);
    same_run(ref, other);
    /* stopped mid mechanics and phenotype periods (step 25), resumed on 2 */
    snprintf(other, sizeof other, "%s/mid-mechanics", dir);
    assert_int_equal(run_into(other, NULL, 0, 1, 0, 25), RS_RUN_STOPPED);
    assert_int_equal(run_into(other, NULL, 0, 2, 1, 0), RS_RUN_COMPLETED);
    same_run(ref, other);
    /* resumed from an older checkpoint (step 25) after the run wrote
     * snapshots up to t = 4: /cells/3 and /cells/4 are dropped and written
     * again, and the result is still the straight run's */
    snprintf(other, sizeof other, "%s/older", dir);
    assert_int_equal(run_into(other, NULL, 0, 1, 0, 25), RS_RUN_STOPPED);
    path_of(p, sizeof p, other, "checkpoint.h5");
    path_of(q, sizeof q, other, "checkpoint-25.h5");
    copy_file(p, q);
    assert_int_equal(run_into(other, NULL, 0, 1, 1, 45), RS_RUN_STOPPED);
    f = open_file(other, "run.h5");
    assert_int_equal(attr_i64(f, "nsnapshots"), 5);
    H5Fclose(f);
    copy_file(q, p);
    assert_int_equal(run_into(other, NULL, 0, 2, 1, 0), RS_RUN_COMPLETED);
    same_run(ref, other);
    unsetenv("REGENSIM_MIN_WORK_PER_THREAD");
}

/* The datatype class and size of dataset name, and whether it is deflated. */
static void dataset_is(hid_t f, const char *name, H5T_class_t cls, size_t size, int deflated,
                       int rank, hsize_t rows)
{
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    if (d < 0) fail_msg("no %s", name);
    hid_t t = H5Dget_type(d), p = H5Dget_create_plist(d), s = H5Dget_space(d);
    if (H5Tget_class(t) != cls || H5Tget_size(t) != size)
        fail_msg("%s: class %d size %zu; expected %d, %zu", name, (int)H5Tget_class(t),
                 H5Tget_size(t), (int)cls, size);
    int has = 0;
    for (int i = 0; i < H5Pget_nfilters(p); i++) {
        unsigned flags, cd[8];
        size_t ncd = 8;
        if (H5Pget_filter2(p, (unsigned)i, &flags, &ncd, cd, 0, NULL, NULL) == H5Z_FILTER_DEFLATE)
            has = 1;
    }
    if (has != deflated) fail_msg("%s: deflate %d; expected %d", name, has, deflated);
    hsize_t dims[2] = {0, 0};
    assert_int_equal(H5Sget_simple_extent_ndims(s), rank);
    H5Sget_simple_extent_dims(s, dims, NULL);
    assert_int_equal(dims[0], rows);
    if (rank == 2) assert_int_equal(dims[1], 3);
    H5Sclose(s);
    H5Pclose(p);
    H5Tclose(t);
    H5Dclose(d);
}

static void layout(void **state)
{
    const char *dir = *state;
    char a[300], b[300], c[300];
    snprintf(a, sizeof a, "%s/f64", dir);
    snprintf(b, sizeof b, "%s/f32", dir);
    snprintf(c, sizeof c, "%s/none", dir);
    /* no cells at t = 0: the microglia come with the inject, the
     * astrocytes not at all */
    /* (and no phenotype: the states stay at their initial values) */
#define STILL "initial[0].count=0", "initial[1].count=0", "cell_types.microglia.cycle=0", \
              "cell_types.microglia.apoptosis=0", "cell_types.microglia.states.load.rate=0"
    const char *sets[] = {STILL};
    assert_int_equal(run_into(a, sets, 5, 2, 0, 0), RS_RUN_COMPLETED);
    const char *sets32[] = {STILL, "output.precision=float32"};
    assert_int_equal(run_into(b, sets32, 6, 2, 0, 0), RS_RUN_COMPLETED);
    const char *setsnone[] = {STILL, "output.compression=none"};
    assert_int_equal(run_into(c, setsnone, 6, 2, 0, 0), RS_RUN_COMPLETED);
    hid_t f = open_file(a, "run.h5"), g = open_file(b, "run.h5"), h = open_file(c, "run.h5");
    static const char *const real[] = {"radius", "age", "load", "reactivity"};
    for (int k = 0; k < 7; k++) {
        const hsize_t n = k < 3 ? 0 : 15; /* the inject at t = 2 follows its snapshot */
        char p[128], grp[32];
        snprintf(grp, sizeof grp, "/cells/%d", k);
        hid_t gr = H5Gopen2(f, grp, H5P_DEFAULT);
        assert_int_equal(attr_i64(gr, "count"), (int64_t)n);
        assert_true(attr_f64(gr, "time") == (double)k);
        H5Gclose(gr);
        const int z = n > 0;
        snprintf(p, sizeof p, "%s/id", grp);
        dataset_is(f, p, H5T_INTEGER, 8, z, 1, n);
        snprintf(p, sizeof p, "%s/type", grp);
        dataset_is(f, p, H5T_INTEGER, 4, z, 1, n);
        snprintf(p, sizeof p, "%s/phase", grp);
        dataset_is(f, p, H5T_INTEGER, 4, z, 1, n);
        snprintf(p, sizeof p, "%s/position", grp);
        dataset_is(f, p, H5T_FLOAT, 8, z, 2, n);
        dataset_is(g, p, H5T_FLOAT, 4, z, 2, n);
        dataset_is(h, p, H5T_FLOAT, 8, 0, 2, n);
        for (int i = 0; i < 4; i++) {
            snprintf(p, sizeof p, "%s/%s", grp, real[i]);
            dataset_is(f, p, H5T_FLOAT, 8, z, 1, n);
            dataset_is(g, p, H5T_FLOAT, 4, z, 1, n);
        }
        if (n == 0) continue;
        /* float32 is float64 rounded to nearest */
        size_t n64, n32;
        double *x64 = column(f, k, "position", &n64), *x32 = column(g, k, "position", &n32);
        assert_int_equal(n64, n32);
        for (size_t i = 0; i < n64; i++) assert_true(x32[i] == (double)(float)x64[i]);
        free(x64);
        free(x32);
        /* microglia: type 1, their states; no astrocyte state is NaN */
        size_t nt;
        double *type = column(f, k, "type", &nt), *load = column(f, k, "load", &nt),
               *re = column(f, k, "reactivity", &nt), *id = column(f, k, "id", &nt);
        for (size_t i = 0; i < nt; i++) {
            assert_true(type[i] == 1 && load[i] == 1 && re[i] == 0.25);
            assert_true(id[i] < 15);
        }
        free(type);
        free(load);
        free(re);
        free(id);
    }
    H5Fclose(f);
    H5Fclose(g);
    H5Fclose(h);
    /* astrocytes only: a microglia state reads NaN for each of them */
    const char *astro[] = {"initial[1].count=0", "interventions[0].inject.cells=astrocyte"};
    assert_int_equal(run_into(a, astro, 2, 1, 0, 0), RS_RUN_COMPLETED);
#undef STILL
    f = open_file(a, "run.h5");
    size_t n;
    double *load = column(f, 6, "load", &n), *re = column(f, 6, "reactivity", &n);
    assert_int_equal(n, 19);
    for (size_t i = 0; i < n; i++) assert_true(isnan(load[i]) && re[i] == 0.5);
    free(load);
    free(re);
    H5Fclose(f);
}

/* A model without cell types writes no /cells; a state named like a
 * column is refused, naming it. */
static void no_cells_and_bad_names(void **state)
{
    const char *dir = *state;
    static const char *const plain =
        "regensim: 1\nname: plain\ndomain: {size: [100, 100], dx: 10}\n"
        "time: {end: 1, dt: {diffusion: 0.5}, save_every: 0.5}\n"
        "substrates:\n  u: {diffusion: 10, initial: 1}\n";
    rs_model *m = load_text(plain, NULL, 0);
    rs_run_config cfg = {.model = m, .model_text = plain, .dir = dir, .force = 1};
    rs_run *r = NULL;
    rs_error err;
    assert_int_equal(rs_run_create(&r, &cfg, &err), RS_OK);
    assert_int_equal(rs_run_execute(r, &err), RS_OK);
    rs_run_destroy(r);
    rs_model_destroy(m);
    hid_t f = open_file(dir, "run.h5");
    assert_int_equal(H5Lexists(f, "cells", H5P_DEFAULT), 0);
    H5Fclose(f);
    /* the microglia's state `reactivity` renamed `phase` (a column of
     * /cells) is refused by the model, with its place */
    const char *from = "reactivity: {initial: 0.25}", *at = strstr(model, from);
    assert_non_null(at);
    const size_t size = strlen(model) + 64;
    char *text = malloc(size);
    snprintf(text, size, "%.*sphase: {initial: 0.25}%s", (int)(at - model), model,
             at + strlen(from));
    rs_errors errs;
    m = NULL;
    assert_int_equal(rs_model_load_string(&m, text, strlen(text), "t.yaml", NULL, 0, &errs),
                     RS_EINVAL);
    assert_null(m);
    char line[512];
    rs_error_format(&errs.item[0], line, sizeof line);
    if (!strstr(line, "cell_types.microglia.states: 'phase' is a column") ||
        !strstr(line, "t.yaml:"))
        fail_msg("%s", line);
    free(text);
}

/* A checkpoint whose cell positions lost a bit is refused on resume. */
static void corrupt_cells_refused(void **state)
{
    const char *dir = *state;
    assert_int_equal(run_into(dir, NULL, 0, 1, 0, 25), RS_RUN_STOPPED);
    char ck[400];
    path_of(ck, sizeof ck, dir, "checkpoint.h5");
    hid_t f = H5Fopen(ck, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "cells/y", H5P_DEFAULT);
    assert_true(f >= 0 && d >= 0);
    haddr_t addr = H5Dget_offset(d);
    H5Dclose(d);
    H5Fclose(f);
    assert_true(addr != HADDR_UNDEF);
    int fd = open(ck, O_RDWR);
    unsigned char byte;
    assert_int_equal(pread(fd, &byte, 1, (off_t)addr + 100), 1);
    byte ^= 0x01;
    assert_int_equal(pwrite(fd, &byte, 1, (off_t)addr + 100), 1);
    close(fd);
    rs_model *m = load_text(model, NULL, 0);
    rs_run_config cfg = {.model = m, .model_text = model, .dir = dir};
    rs_run *r = NULL;
    rs_error err;
    assert_int_equal(rs_run_resume(&r, &cfg, &err), RS_EINVAL);
    if (!strstr(err.msg, "cells/y") || !strstr(err.msg, "corrupt")) fail_msg("%s", err.msg);
    rs_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(resume_is_bitwise, rs_test_dir_setup, rs_test_dir_teardown),
        cmocka_unit_test_setup_teardown(layout, rs_test_dir_setup, rs_test_dir_teardown),
        cmocka_unit_test_setup_teardown(no_cells_and_bad_names, rs_test_dir_setup,
                                        rs_test_dir_teardown),
        cmocka_unit_test_setup_teardown(corrupt_cells_refused, rs_test_dir_setup,
                                        rs_test_dir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

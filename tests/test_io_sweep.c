/* test_io_sweep.c: what sweeps need from src/io: a run.h5's metrics read
 * back (rs_io_timeseries_read: names in the model's order, times and
 * values bitwise, only the counted rows, the old files' name order, no
 * metrics, no rows; a missing file, a text file, a directory and an HDF5
 * file that is not a run.h5 refused with the path in the message), and the
 * table file (rs_io_table_file_write) read back with plain HDF5 calls:
 * every kind of column and attribute bitwise, the dimension scale
 * attached, zero rows, bad names refused before a file exists, an old file
 * replaced whole with no .tmp left, a failed write leaving it intact. */
#define _XOPEN_SOURCE 700
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rs_test.h"
#include "test_dirs.h"

/* In the model's order, which is not the name order. */
static const char *const metric_names[] = {"zeta", "alpha", "cell_types.opc.motility.speed"};

/* Metric m's value in row r (some awkward ones: -0, a NaN, a tiny one). */
static double metric_value(int m, int r)
{
    if (m == 1 && r == 2) return -0.0;
    if (m == 2 && r == 3) return NAN;
    if (m == 0 && r == 4) return 1e-310;
    return (double)r / 3.0 + 100.0 * m;
}

/* Writes dir/run.h5 with nmetrics of metric_names and nrows metric rows
 * at t = 0.1 r (no grid series), finished. */
static void write_run(const char *dir, int nmetrics, int nrows)
{
    rs_io_run_info info = {0};
    info.dir = dir;
    info.force = 1;
    info.model_name = "sweep io";
    info.model_source = "name: sweep io\n";
    info.model_resolved = "name: sweep io\n";
    info.grid = (rs_grid){.nx = 4, .ny = 3, .nz = 1, .dx = 10.0};
    info.nmetrics = nmetrics;
    info.metric_names = metric_names;
    rs_error err;
    rs_io_run *w = NULL;
    assert_int_equal(rs_io_run_create(&w, &info, &err), RS_OK);
    assert_int_equal(rs_io_run_ready(w, &err), RS_OK);
    for (int r = 0; r < nrows; r++) {
        double v[3];
        for (int m = 0; m < 3; m++) v[m] = metric_value(m, r);
        assert_int_equal(rs_io_run_metrics(w, 0.1 * r, v, &err), RS_OK);
    }
    assert_int_equal(rs_io_run_finish(w, 1, NULL, &err), RS_OK);
    rs_io_run_destroy(w);
}

/* "dir/name" (static buffer: one at a time). */
static const char *in(const char *dir, const char *name)
{
    static char buf[512];
    snprintf(buf, sizeof buf, "%s/%s", dir, name);
    return buf;
}

/* Checks ts against the run written by write_run (metric order order[]). */
static void check_ts(const rs_io_timeseries *ts, int nmetrics, const int *order, int nrows)
{
    assert_int_equal(ts->nmetrics, nmetrics);
    assert_int_equal(ts->nrows, (size_t)nrows);
    for (int r = 0; r < nrows; r++) {
        double t = 0.1 * r;
        assert_memory_equal(&ts->time[r], &t, sizeof t);
    }
    for (int i = 0; i < nmetrics; i++) {
        assert_string_equal(ts->names[i], metric_names[order[i]]);
        for (int r = 0; r < nrows; r++) {
            double v = metric_value(order[i], r);
            assert_memory_equal(&ts->values[(size_t)i * ts->nrows + r], &v, sizeof v);
        }
    }
}

/* Sets /timeseries's attribute nrows, or deletes attribute metrics. */
static void edit_run(const char *path, int64_t nrows, int drop_metrics)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_true(f >= 0);
    hid_t g = H5Gopen2(f, "timeseries", H5P_DEFAULT);
    assert_true(g >= 0);
    if (drop_metrics) {
        assert_true(H5Adelete(g, "metrics") >= 0);
    } else {
        hid_t a = H5Aopen(g, "nrows", H5P_DEFAULT);
        assert_true(a >= 0 && H5Awrite(a, H5T_NATIVE_INT64, &nrows) >= 0);
        H5Aclose(a);
    }
    H5Gclose(g);
    H5Fclose(f);
}

static void timeseries_reads_back(void **state)
{
    const char *dir = *state;
    write_run(dir, 3, 6);
    char path[512];
    snprintf(path, sizeof path, "%s", in(dir, "run.h5"));
    rs_error err;
    rs_io_timeseries *ts = NULL;
    assert_int_equal(rs_io_timeseries_read(path, &ts, &err), RS_OK);
    static const int model_order[] = {0, 1, 2};
    check_ts(ts, 3, model_order, 6);
    rs_io_timeseries_free(ts);

    /* Rows past nrows (a row being written at a kill) are not read. */
    edit_run(path, 4, 0);
    assert_int_equal(rs_io_timeseries_read(path, &ts, &err), RS_OK);
    check_ts(ts, 3, model_order, 4);
    rs_io_timeseries_free(ts);

    /* A file written before the attribute metrics: the group's name order. */
    edit_run(path, 0, 1);
    assert_int_equal(rs_io_timeseries_read(path, &ts, &err), RS_OK);
    static const int name_order[] = {1, 2, 0};
    check_ts(ts, 3, name_order, 4);
    rs_io_timeseries_free(ts);

    /* nrows larger than the datasets: refused, naming the file. */
    edit_run(path, 99, 0);
    assert_int_equal(rs_io_timeseries_read(path, &ts, &err), RS_EIO);
    assert_null(ts);
    assert_non_null(strstr(err.msg, path));
}

static void timeseries_without_metrics_or_rows(void **state)
{
    const char *dir = *state;
    write_run(dir, 0, 3);
    char path[512];
    snprintf(path, sizeof path, "%s", in(dir, "run.h5"));
    rs_error err;
    rs_io_timeseries *ts = NULL;
    assert_int_equal(rs_io_timeseries_read(path, &ts, &err), RS_OK);
    check_ts(ts, 0, NULL, 3);
    rs_io_timeseries_free(ts);

    write_run(dir, 2, 0);
    assert_int_equal(rs_io_timeseries_read(path, &ts, &err), RS_OK);
    static const int order[] = {0, 1};
    check_ts(ts, 2, order, 0);
    rs_io_timeseries_free(ts);
    rs_io_timeseries_free(NULL);
}

/* Reading path fails with RS_EIO, path in the message, *out NULL. */
static void refused(const char *path)
{
    rs_error err;
    static rs_io_timeseries dummy;
    rs_io_timeseries *ts = &dummy; /* must be reset to NULL */
    assert_int_equal(rs_io_timeseries_read(path, &ts, &err), RS_EIO);
    assert_null(ts);
    assert_non_null(strstr(err.msg, path));
}

static void timeseries_refuses_other_files(void **state)
{
    const char *dir = *state;
    char path[512];
    snprintf(path, sizeof path, "%s", in(dir, "missing.h5"));
    refused(path);
    refused(dir); /* a directory */
    snprintf(path, sizeof path, "%s", in(dir, "text.h5"));
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("not an HDF5 file\n", fp);
    fclose(fp);
    refused(path);
    snprintf(path, sizeof path, "%s", in(dir, "empty.h5"));
    fp = fopen(path, "w");
    assert_non_null(fp);
    fclose(fp);
    refused(path);
    /* HDF5, but not a run.h5 (a table file). */
    snprintf(path, sizeof path, "%s", in(dir, "table.h5"));
    rs_error err;
    assert_int_equal(rs_io_table_file_write(path, "run", NULL, 0, 2, NULL, 0, &err), RS_OK);
    refused(path);
}

/* --- the table file --- */

enum { NROWS = 5 };
static const double f64_col[NROWS] = {1.0 / 3.0, -0.0, NAN, 1e-310, -1e300};
static const int64_t i64_col[NROWS] = {INT64_MIN, -1, 0, 42, INT64_MAX};
static const char *const str_col[NROWS] = {"ms", "", "pd \xc3\xa9\xe2\x82\xac", "a much longer "
                                           "string than the others, with spaces", "mnd"};
static const char *const list[] = {"seed", "cell_types.opc.motility.speed", "\xce\xbc"};

/* The test table's columns (nrows rows). */
static void table_columns(rs_io_file_column c[3])
{
    memset(c, 0, 3 * sizeof *c);
    c[0] = (rs_io_file_column){.name = "cell_types.opc.motility.speed", .kind = RS_IO_F64,
                               .f64 = f64_col, .units = "um/min"};
    c[1] = (rs_io_file_column){.name = "seed", .kind = RS_IO_I64, .i64 = i64_col};
    c[2] = (rs_io_file_column){.name = "family", .kind = RS_IO_STR, .str = str_col};
}

/* The test table's attributes. */
static void table_attrs(rs_io_file_attr a[5])
{
    memset(a, 0, 5 * sizeof *a);
    a[0] = (rs_io_file_attr){.name = "design", .kind = RS_IO_STR, .str = "lhs \xc3\xa9"};
    a[1] = (rs_io_file_attr){.name = "nruns", .kind = RS_IO_I64, .i64 = INT64_MIN};
    a[2] = (rs_io_file_attr){.name = "t_end", .kind = RS_IO_F64, .f64 = 1.0 / 7.0};
    a[3] = (rs_io_file_attr){.name = "parameters", .kind = RS_IO_STRS, .strs = list, .nstrs = 3};
    a[4] = (rs_io_file_attr){.name = "none", .kind = RS_IO_STRS, .strs = NULL, .nstrs = 0};
}

/* 1 if path exists. */
static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The length of 1-D dataset name of f, checked attached to scale dim. */
static hsize_t column_length(hid_t f, const char *name, hid_t dim)
{
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    assert_true(d >= 0);
    hid_t s = H5Dget_space(d);
    hsize_t n = 0;
    assert_int_equal(H5Sget_simple_extent_ndims(s), 1);
    H5Sget_simple_extent_dims(s, &n, NULL);
    H5Sclose(s);
    assert_true(H5DSis_attached(d, dim, 0) > 0);
    H5Dclose(d);
    return n;
}

/* Reads n strings of dataset or attribute (attr: 1) name of loc and
 * compares them with want. */
static void check_strings(hid_t loc, const char *name, int attr, const char *const *want,
                          size_t n)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    hid_t o = attr ? H5Aopen(loc, name, H5P_DEFAULT) : H5Dopen2(loc, name, H5P_DEFAULT);
    assert_true(o >= 0);
    hid_t ft = attr ? H5Aget_type(o) : H5Dget_type(o);
    assert_true(H5Tis_variable_str(ft) > 0);
    assert_int_equal(H5Tget_cset(ft), H5T_CSET_UTF8);
    H5Tclose(ft);
    hid_t s = attr ? H5Aget_space(o) : H5Dget_space(o);
    assert_int_equal(H5Sget_simple_extent_npoints(s), (hssize_t)n);
    char *v[8] = {0};
    assert_true(n <= 8);
    if (n > 0) {
        assert_true((attr ? H5Aread(o, t, v) : H5Dread(o, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v)) >=
                    0);
        for (size_t i = 0; i < n; i++) assert_string_equal(v[i], want[i]);
        H5Dvlen_reclaim(t, s, H5P_DEFAULT, v);
    }
    H5Sclose(s);
    attr ? H5Aclose(o) : H5Dclose(o);
    H5Tclose(t);
}

/* Checks the table file at path against the test table of nrows rows. */
static void check_table(const char *path, size_t nrows)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    hid_t dim = H5Dopen2(f, "run", H5P_DEFAULT);
    assert_true(dim >= 0);
    assert_true(H5DSis_scale(dim) > 0);
    char label[16] = "";
    assert_true(H5DSget_scale_name(dim, label, sizeof label) == 3);
    assert_string_equal(label, "run");
    hid_t dt = H5Dget_type(dim);
    assert_true(H5Tequal(dt, H5T_STD_I64LE) > 0);
    H5Tclose(dt);
    int64_t idx[NROWS] = {-1};
    if (nrows > 0) {
        assert_true(H5Dread(dim, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, idx) >= 0);
        for (size_t r = 0; r < nrows; r++) assert_int_equal(idx[r], (int64_t)r);
    }
    rs_io_file_column c[3];
    table_columns(c);
    for (int i = 0; i < 3; i++) assert_int_equal(column_length(f, c[i].name, dim), nrows);
    H5Dclose(dim);
    if (nrows > 0) {
        double fv[NROWS];
        int64_t iv[NROWS];
        hid_t d = H5Dopen2(f, c[0].name, H5P_DEFAULT);
        assert_true(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, fv) >= 0);
        H5Dclose(d);
        assert_memory_equal(fv, f64_col, sizeof fv);
        d = H5Dopen2(f, "seed", H5P_DEFAULT);
        assert_true(H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, iv) >= 0);
        H5Dclose(d);
        assert_memory_equal(iv, i64_col, sizeof iv);
    }
    check_strings(f, "family", 0, str_col, nrows);
    hid_t d = H5Dopen2(f, c[0].name, H5P_DEFAULT);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    char *units = NULL;
    hid_t a = H5Aopen(d, "units", H5P_DEFAULT);
    assert_true(a >= 0 && H5Aread(a, t, &units) >= 0);
    assert_string_equal(units, "um/min");
    H5free_memory(units);
    H5Aclose(a);
    H5Dclose(d);
    H5Tclose(t);
    d = H5Dopen2(f, "seed", H5P_DEFAULT);
    assert_true(H5Aexists(d, "units") == 0);
    H5Dclose(d);
    /* The root attributes. */
    int64_t nruns = 0;
    double t_end = 0;
    a = H5Aopen(f, "nruns", H5P_DEFAULT);
    assert_true(a >= 0 && H5Aread(a, H5T_NATIVE_INT64, &nruns) >= 0);
    H5Aclose(a);
    assert_true(nruns == INT64_MIN);
    a = H5Aopen(f, "t_end", H5P_DEFAULT);
    assert_true(a >= 0 && H5Aread(a, H5T_NATIVE_DOUBLE, &t_end) >= 0);
    H5Aclose(a);
    double want = 1.0 / 7.0;
    assert_memory_equal(&t_end, &want, sizeof want);
    const char *design[] = {"lhs \xc3\xa9"};
    check_strings(f, "design", 1, design, 1);
    check_strings(f, "parameters", 1, list, 3);
    check_strings(f, "none", 1, NULL, 0);
    H5Fclose(f);
}

static void table_file_reads_back(void **state)
{
    const char *dir = *state;
    char path[512], tmp[600];
    snprintf(path, sizeof path, "%s", in(dir, "sweep.h5"));
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    rs_io_file_column c[3];
    rs_io_file_attr a[5];
    table_columns(c);
    table_attrs(a);
    rs_error err;
    assert_int_equal(rs_io_table_file_write(path, "run", c, 3, NROWS, a, 5, &err), RS_OK);
    assert_false(exists(tmp));
    check_table(path, NROWS);
    /* No rows: zero-length datasets, still on the scale. */
    assert_int_equal(rs_io_table_file_write(path, "run", c, 3, 0, a, 5, &err), RS_OK);
    assert_false(exists(tmp));
    check_table(path, 0);
    /* No rows and NULL data is fine too. */
    for (int i = 0; i < 3; i++) c[i].f64 = NULL, c[i].i64 = NULL, c[i].str = NULL;
    assert_int_equal(rs_io_table_file_write(path, "run", c, 3, 0, a, 5, &err), RS_OK);
    check_table(path, 0);
}

/* Writing the test table with column (or attribute) k changed by edit
 * fails with RS_EINVAL naming `named`, and leaves no file. */
static void bad_table(const char *path, const char *dim, int col, rs_io_file_column cc,
                      int attr, rs_io_file_attr aa, const char *named)
{
    rs_io_file_column c[3];
    rs_io_file_attr a[5];
    table_columns(c);
    table_attrs(a);
    if (col >= 0) c[col] = cc;
    if (attr >= 0) a[attr] = aa;
    rs_error err;
    assert_int_equal(rs_io_table_file_write(path, dim, c, 3, NROWS, a, 5, &err), RS_EINVAL);
    if (named && !strstr(err.msg, named)) fail_msg("\"%s\" does not name %s", err.msg, named);
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_false(exists(path));
    assert_false(exists(tmp));
}

static void table_file_refuses_bad_names(void **state)
{
    const char *dir = *state;
    char path[512];
    snprintf(path, sizeof path, "%s", in(dir, "sweep.h5"));
    const rs_io_file_attr na = {0};
    const rs_io_file_column nc = {0};
    rs_io_file_column c = {.name = "", .kind = RS_IO_F64, .f64 = f64_col};
    bad_table(path, "run", 1, c, -1, na, "column 1");
    c.name = NULL;
    bad_table(path, "run", 1, c, -1, na, "column 1");
    c.name = "a/b";
    bad_table(path, "run", 1, c, -1, na, "a/b");
    c.name = "family"; /* a duplicate */
    bad_table(path, "run", 0, c, -1, na, "family");
    c.name = "run"; /* the dimension's */
    bad_table(path, "run", 0, c, -1, na, "run");
    c = (rs_io_file_column){.name = "nodata", .kind = RS_IO_F64};
    bad_table(path, "run", 0, c, -1, na, "nodata");
    c = (rs_io_file_column){.name = "nostr", .kind = RS_IO_STR};
    bad_table(path, "run", 2, c, -1, na, "nostr");
    static const char *const holes[NROWS] = {"a", "b", NULL, "d", "e"};
    c.str = holes;
    bad_table(path, "run", 2, c, -1, na, "nostr");
    c = (rs_io_file_column){.name = "list", .kind = RS_IO_STRS, .str = str_col};
    bad_table(path, "run", 2, c, -1, na, "list");
    bad_table(path, "", -1, nc, -1, na, "dimension");
    bad_table(path, "r/n", -1, nc, -1, na, "r/n");
    rs_io_file_attr a = {.name = "", .kind = RS_IO_I64};
    bad_table(path, "run", -1, nc, 2, a, "attribute 2");
    a.name = "design"; /* a duplicate */
    bad_table(path, "run", -1, nc, 1, a, "design");
    a = (rs_io_file_attr){.name = "nostr", .kind = RS_IO_STR};
    bad_table(path, "run", -1, nc, 0, a, "nostr");
    a = (rs_io_file_attr){.name = "nostrs", .kind = RS_IO_STRS, .nstrs = 2};
    bad_table(path, "run", -1, nc, 0, a, "nostrs");
    rs_error err;
    assert_int_equal(rs_io_table_file_write(path, "run", NULL, 2, 0, NULL, 0, &err), RS_EINVAL);
    assert_false(exists(path));
}

/* The rows of the scale run of the table file at path. */
static hsize_t table_rows(const char *path)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    hid_t dim = H5Dopen2(f, "run", H5P_DEFAULT);
    hsize_t n = column_length(f, "seed", dim);
    H5Dclose(dim);
    H5Fclose(f);
    return n;
}

static void table_file_replaces_atomically(void **state)
{
    const char *dir = *state;
    char path[512], tmp[600];
    snprintf(path, sizeof path, "%s", in(dir, "sweep.h5"));
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    rs_io_file_column c[3];
    table_columns(c);
    rs_error err;
    assert_int_equal(rs_io_table_file_write(path, "run", c, 3, 2, NULL, 0, &err), RS_OK);
    assert_int_equal(table_rows(path), 2);
    assert_int_equal(rs_io_table_file_write(path, "run", c, 3, NROWS, NULL, 0, &err), RS_OK);
    assert_int_equal(table_rows(path), NROWS);
    assert_false(exists(tmp));
    /* A write that fails (its .tmp cannot be created) leaves the old file. */
    assert_int_equal(mkdir(tmp, 0755), 0);
    assert_int_equal(rs_io_table_file_write(path, "run", c, 3, 1, NULL, 0, &err), RS_EIO);
    assert_non_null(strstr(err.msg, tmp));
    assert_int_equal(table_rows(path), NROWS);
    assert_int_equal(rmdir(tmp), 0);
    /* A directory that does not exist: RS_EIO naming the file, nothing made. */
    snprintf(path, sizeof path, "%s", in(dir, "no/such/sweep.h5"));
    assert_int_equal(rs_io_table_file_write(path, "run", c, 3, 1, NULL, 0, &err), RS_EIO);
    assert_non_null(strstr(err.msg, path));
    /* rs_io_write_atomic, public: the same replacement for any bytes. */
    snprintf(path, sizeof path, "%s", in(dir, "note.txt"));
    assert_int_equal(rs_io_write_atomic(path, "one\n", 4, &err), RS_OK);
    assert_int_equal(rs_io_write_atomic(path, "two!\n", 5, &err), RS_OK);
    FILE *fp = fopen(path, "r");
    char buf[16] = "";
    assert_non_null(fp);
    assert_non_null(fgets(buf, sizeof buf, fp));
    fclose(fp);
    assert_string_equal(buf, "two!\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(timeseries_reads_back, rs_test_dir_setup,
                                        rs_test_dir_teardown),
        cmocka_unit_test_setup_teardown(timeseries_without_metrics_or_rows, rs_test_dir_setup,
                                        rs_test_dir_teardown),
        cmocka_unit_test_setup_teardown(timeseries_refuses_other_files, rs_test_dir_setup,
                                        rs_test_dir_teardown),
        cmocka_unit_test_setup_teardown(table_file_reads_back, rs_test_dir_setup,
                                        rs_test_dir_teardown),
        cmocka_unit_test_setup_teardown(table_file_refuses_bad_names, rs_test_dir_setup,
                                        rs_test_dir_teardown),
        cmocka_unit_test_setup_teardown(table_file_replaces_atomically, rs_test_dir_setup,
                                        rs_test_dir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

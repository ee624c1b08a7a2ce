/* test_io.c: run output (src/io): the run.h5 layout read back with plain
 * HDF5 calls, refusing to overwrite, resume truncation, run.xmf, the
 * checkpoint round trip, a writer killed with SIGKILL at random moments
 * (also during creation; seeds printed, REGENSIM_KILL_SEED replays), and the
 * file's free-space strategy. `test_io --write-sample DIR` writes a small
 * run for io_h5py_test.py; `test_io --kill-only` runs only the kill test. */
#define _XOPEN_SOURCE 700
#include <omp.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rs_test.h"
#include "test_dirs.h"

static const char *const names[] = {"glucose", "oxygen"};
static const char *const units[] = {"mM", "mmHg"};
static const char *const metric_names[] = {"live_cells", "mean_oxygen"};
static const char *const cell_types[] = {"neuron", "glia"};

/* The known value of voxel i of field f in snapshot k. */
static double value(int k, int f, size_t i) { return 1000.0 * k + 100.0 * f + 0.25 * (double)i; }

/* Fills the two fields for snapshot k. */
static void fill(double *a, double *b, size_t n, int k)
{
    for (size_t i = 0; i < n; i++) {
        a[i] = value(k, 0, i);
        b[i] = value(k, 1, i);
    }
}

/* A run description for dir on grid g. */
static rs_io_run_info make_info(const char *dir, rs_grid g, int force)
{
    rs_io_run_info info = {0};
    info.dir = dir;
    info.force = force;
    info.model_name = "test model";
    info.model_source = "name: test model\n";
    info.model_resolved = "name: test model\ngrid: {}\n";
    info.seed = 42;
    info.grid = g;
    info.nmetrics = 2;
    info.metric_names = metric_names;
    info.ncell_types = 2;
    info.cell_type_names = cell_types;
    return info;
}

/* The test's two grid series in section "fields" of a run.h5. */
typedef struct io_fields {
    rs_io_section *sec;
    int h[2];
} io_fields;

/* Declares the two series in w (created or reopened) and readies it. */
static rs_status declare(rs_io_run *w, io_fields *fs, rs_error *err)
{
    rs_status s = rs_io_run_section(w, "fields", &fs->sec, err);
    for (int i = 0; i < 2 && s == RS_OK; i++)
        s = rs_io_section_grid_series(fs->sec, names[i], units[i], &fs->h[i], err);
    return s == RS_OK ? rs_io_run_ready(w, err) : s;
}

/* A new run.h5 with the two series, ready for snapshots. */
static rs_status open_new(rs_io_run **w, const rs_io_run_info *info, io_fields *fs,
                          rs_error *err)
{
    rs_status s = rs_io_run_create(w, info, err);
    if (s == RS_OK && (s = declare(*w, fs, err)) != RS_OK) {
        rs_io_run_destroy(*w);
        *w = NULL;
    }
    return s;
}

/* The run.h5 in info->dir reopened at time t, with the two series. */
static rs_status open_again(rs_io_run **w, const rs_io_run_info *info, double t, io_fields *fs,
                            rs_error *err)
{
    rs_status s = rs_io_run_reopen(w, info, t, err);
    if (s == RS_OK && (s = declare(*w, fs, err)) != RS_OK) {
        rs_io_run_destroy(*w);
        *w = NULL;
    }
    return s;
}

/* One snapshot of the two fields at time t. */
static rs_status snapshot(rs_io_run *w, const io_fields *fs, double t, const double *const *f,
                          rs_error *err)
{
    rs_status s = rs_io_run_snapshot_begin(w, t, err);
    for (int i = 0; i < 2 && s == RS_OK; i++)
        s = rs_io_section_append_grid(fs->sec, fs->h[i], f[i], err);
    return s == RS_OK ? rs_io_run_snapshot_commit(w, err) : s;
}

/* Writes nsnap snapshots at t = 10 k and 2 nsnap metric rows; finishes.
 * Without cell types when ncell is 0. */
static rs_status write_run_format(const char *dir, rs_grid g, int nsnap, int force, int ncell,
                                  rs_io_snapshot_format fmt)
{
    rs_error err;
    rs_io_run *w = NULL;
    rs_io_run_info info = make_info(dir, g, force);
    info.ncell_types = ncell;
    info.snapshots = fmt;
    io_fields fs;
    rs_status s = open_new(&w, &info, &fs, &err);
    if (s != RS_OK) return s;
    size_t n = rs_grid_voxels(&g);
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    for (int k = 0; k < nsnap && s == RS_OK; k++) {
        fill(a, b, n, k);
        const double *f[2] = {a, b};
        s = snapshot(w, &fs, 10.0 * k, f, &err);
        for (int r = 0; r < 2 && s == RS_OK; r++) {
            double m[2] = {k * 2.0 + r, 0.5 * r};
            s = rs_io_run_metrics(w, 10.0 * k + 5.0 * r, m, &err);
        }
    }
    if (s == RS_OK) s = rs_io_run_finish(w, 1, NULL, &err);
    rs_io_run_destroy(w);
    free(a);
    free(b);
    return s;
}

/* write_run_format in the default format. */
static rs_status write_run_cells(const char *dir, rs_grid g, int nsnap, int force, int ncell)
{
    return write_run_format(dir, g, nsnap, force, ncell, (rs_io_snapshot_format){0});
}

/* write_run_cells with both cell types. */
static rs_status write_run(const char *dir, rs_grid g, int nsnap, int force)
{
    return write_run_cells(dir, g, nsnap, force, 2);
}

/* dir/name into buf. */
static void join(char *buf, size_t size, const char *dir, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
}

/* The whole text of a small file (caller frees), or NULL. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *s = calloc(1, 1 << 20);
    size_t n = fread(s, 1, (1 << 20) - 1, f);
    s[n] = '\0';
    fclose(f);
    return s;
}

/* Reads an int64 root attribute. */
static int64_t attr_i64(hid_t obj, const char *name)
{
    int64_t v = -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    assert_true(a >= 0);
    assert_true(H5Aread(a, H5T_NATIVE_INT64, &v) >= 0);
    H5Aclose(a);
    return v;
}

/* Checks snapshot k of both fields in file f (grid g) against value(). */
static void check_snapshot(hid_t f, rs_grid g, int k)
{
    size_t n = rs_grid_voxels(&g);
    double *v = malloc(n * sizeof *v);
    for (int fi = 0; fi < 2; fi++) {
        char p[64];
        snprintf(p, sizeof p, "/fields/%s", names[fi]);
        hid_t d = H5Dopen2(f, p, H5P_DEFAULT);
        assert_true(d >= 0);
        hid_t fs = H5Dget_space(d);
        hsize_t start[4] = {(hsize_t)k, 0, 0, 0};
        hsize_t count[4] = {1, (hsize_t)g.nz, (hsize_t)g.ny, (hsize_t)g.nx};
        assert_true(H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0);
        hid_t ms = H5Screate_simple(4, count, NULL);
        assert_true(H5Dread(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, v) >= 0);
        for (size_t i = 0; i < n; i++)
            if (v[i] != value(k, fi, i)) fail_msg("snapshot %d field %d voxel %zu: %g", k, fi, i, v[i]);
        H5Sclose(ms);
        H5Sclose(fs);
        H5Dclose(d);
    }
    free(v);
}

/* Reads value k of a 1D double dataset. */
static double read_at(hid_t f, const char *path, hsize_t k)
{
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    assert_true(d >= 0);
    hid_t fs = H5Dget_space(d);
    hsize_t one = 1;
    assert_true(H5Sselect_hyperslab(fs, H5S_SELECT_SET, &k, NULL, &one, NULL) >= 0);
    hid_t ms = H5Screate_simple(1, &one, NULL);
    double v = 0;
    assert_true(H5Dread(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, &v) >= 0);
    H5Sclose(ms);
    H5Sclose(fs);
    H5Dclose(d);
    return v;
}

/* Number of entries along the first axis of a dataset. */
static hsize_t length(hid_t f, const char *path)
{
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    assert_true(d >= 0);
    hid_t s = H5Dget_space(d);
    hsize_t dims[4] = {0};
    H5Sget_simple_extent_dims(s, dims, NULL);
    H5Sclose(s);
    H5Dclose(d);
    return dims[0];
}

static void layout_reads_back(void **state)
{
    const char *dir = *state;
    rs_grid g = {6, 5, 4, 2.0};
    assert_int_equal(write_run(dir, g, 3, 0), RS_OK);
    char p[256];
    join(p, sizeof p, dir, "run.h5");
    hid_t f = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    assert_int_equal(attr_i64(f, "nsnapshots"), 3);
    assert_int_equal(attr_i64(f, "format_version"), 1);
    for (int k = 0; k < 3; k++) {
        check_snapshot(f, g, k);
        assert_true(read_at(f, "/time", (hsize_t)k) == 10.0 * k);
    }
    assert_int_equal(length(f, "/fields/oxygen"), 3);
    assert_int_equal(length(f, "/timeseries/time"), 6);
    assert_true(read_at(f, "/timeseries/time", 3) == 15.0);
    assert_true(read_at(f, "/timeseries/live_cells", 3) == 3.0);
    assert_true(read_at(f, "/x", 0) == 1.0 && read_at(f, "/z", 3) == 7.0);
    /* the fields hang on /fields' own scales (so that a netCDF reader of
     * the group alone sees coordinates), which copy the root's */
    hid_t d = H5Dopen2(f, "/fields/glucose", H5P_DEFAULT);
    hid_t time = H5Dopen2(f, "/fields/time", H5P_DEFAULT),
          x = H5Dopen2(f, "/fields/x", H5P_DEFAULT);
    assert_true(H5DSis_attached(d, time, 0) > 0);
    assert_true(H5DSis_attached(d, x, 3) > 0);
    assert_int_equal(length(f, "/fields/time"), 3);
    for (int k = 0; k < 3; k++) assert_true(read_at(f, "/fields/time", (hsize_t)k) == 10.0 * k);
    assert_true(read_at(f, "/fields/x", 0) == 1.0 && read_at(f, "/fields/z", 3) == 7.0);
    H5Dclose(x);
    H5Dclose(time);
    H5Dclose(d);
    assert_int_equal(length(f, "/cell_types"), 2);
    H5Fclose(f);
    join(p, sizeof p, dir, "status");
    char *st = slurp(p);
    assert_string_equal(st, "completed\n");
    free(st);
}

/* Fields larger than one 4 MB chunk are deflated chunk by chunk on several
 * threads and written with H5Dwrite_chunk: they read back exactly through
 * HDF5's own filter pipeline, with 1 thread (HDF5's path) and with 2, 3
 * (more threads than a wave of chunks needs) and 4, including edge chunks
 * that the grid fills only partly (113 x 97 x 61: 2 chunks of 47 planes). */
static void parallel_chunks_read_back(void **state)
{
    const char *dir = *state;
    rs_grid g = {113, 97, 61, 1.0};
    for (int t = 1; t <= 4; t++) {
        omp_set_num_threads(t);
        assert_int_equal(write_run(dir, g, 2, 1), RS_OK);
        char p[256];
        join(p, sizeof p, dir, "run.h5");
        hid_t f = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
        assert_true(f >= 0);
        for (int k = 0; k < 2; k++) check_snapshot(f, g, k);
        hid_t d = H5Dopen2(f, "/fields/oxygen", H5P_DEFAULT);
        hid_t pl = H5Dget_create_plist(d);
        hsize_t c[4];
        assert_int_equal(H5Pget_chunk(pl, 4, c), 4);
        assert_true(c[1] < (hsize_t)g.nz); /* really several chunks */
        H5Pclose(pl);
        H5Dclose(d);
        H5Fclose(f);
    }
    omp_set_num_threads(omp_get_num_procs());
}

/* The snapshot formats (float64 or float32, deflate at level 1 or 6, or
 * none) read back through HDF5's own pipeline as the values rounded to the
 * stored type, on 1 and 2 threads (the parallel deflate and HDF5's paths),
 * on a grid of several chunks, with the stored type and filters as asked. */
static void snapshot_formats_read_back(void **state)
{
    const char *dir = *state;
    rs_grid g = {113, 97, 61, 1.0};
    const size_t n = rs_grid_voxels(&g);
    const rs_io_snapshot_format fmts[] = {
        {0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {1, 1, 0}, {1, 0, 6},
    };
    double *v = malloc(n * sizeof *v);
    for (size_t c = 0; c < sizeof fmts / sizeof fmts[0]; c++)
        for (int t = 1; t <= 2; t++) {
            omp_set_num_threads(t);
            assert_int_equal(write_run_format(dir, g, 2, 1, 0, fmts[c]), RS_OK);
            char p[256];
            join(p, sizeof p, dir, "run.h5");
            hid_t f = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
            hid_t d = H5Dopen2(f, "/fields/oxygen", H5P_DEFAULT);
            assert_true(f >= 0 && d >= 0);
            hid_t ty = H5Dget_type(d);
            assert_int_equal(H5Tget_size(ty), fmts[c].float32 ? 4 : 8);
            H5Tclose(ty);
            hid_t pl = H5Dget_create_plist(d);
            assert_int_equal(H5Pget_nfilters(pl), fmts[c].no_compression ? 0 : 2);
            H5Pclose(pl);
            hid_t fs = H5Dget_space(d);
            hsize_t start[4] = {1, 0, 0, 0}, count[4] = {1, 61, 97, 113};
            assert_true(H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0);
            hid_t ms = H5Screate_simple(4, count, NULL);
            assert_true(H5Dread(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, v) >= 0);
            for (size_t i = 0; i < n; i++) {
                double want = value(1, 1, i);
                if (fmts[c].float32) want = (double)(float)want;
                if (v[i] != want)
                    fail_msg("format %zu, %d threads: voxel %zu: %.17g, expected %.17g", c, t, i,
                             v[i], want);
            }
            H5Sclose(ms);
            H5Sclose(fs);
            H5Dclose(d);
            H5Fclose(f);
        }
    free(v);
    omp_set_num_threads(omp_get_num_procs());
}

static void existing_output_is_refused(void **state)
{
    const char *dir = *state;
    rs_grid g = {4, 3, 1, 1.0};
    assert_int_equal(write_run(dir, g, 1, 0), RS_OK);
    rs_error err;
    rs_io_run *w = NULL;
    rs_io_run_info info = make_info(dir, g, 0);
    io_fields fs;
    assert_int_equal(open_new(&w, &info, &fs, &err), RS_EINVAL);
    assert_null(w);
    assert_non_null(strstr(err.msg, "--force"));
    assert_non_null(strstr(err.msg, dir));
    assert_int_equal(write_run(dir, g, 2, 1), RS_OK);
    /* A directory holding only a stale checkpoint.h5 is output too: a new
     * run there could otherwise be resumed from the old run's state. */
    char stale_dir[256], stale[300];
    join(stale_dir, sizeof stale_dir, dir, "stale");
    assert_int_equal(write_run(stale_dir, g, 1, 0), RS_OK);
    const char *const gone[] = {"run.h5", "status", "run.xmf"};
    for (int i = 0; i < 3; i++) {
        join(stale, sizeof stale, stale_dir, gone[i]);
        unlink(stale);
    }
    join(stale, sizeof stale, stale_dir, "checkpoint.h5");
    FILE *fp = fopen(stale, "w");
    assert_non_null(fp);
    fclose(fp);
    rs_io_run_info sinfo = make_info(stale_dir, g, 0);
    assert_int_equal(open_new(&w, &sinfo, &fs, &err), RS_EINVAL);
    assert_non_null(strstr(err.msg, "checkpoint.h5"));
    /* A nested directory that does not exist yet is made. */
    char sub[256];
    join(sub, sizeof sub, dir, "a/b/c");
    assert_int_equal(write_run(sub, g, 1, 0), RS_OK);
}

static void failed_status_is_written(void **state)
{
    const char *dir = *state;
    rs_grid g = {4, 3, 1, 1.0};
    rs_error err;
    rs_io_run *w = NULL;
    rs_io_run_info info = make_info(dir, g, 0);
    io_fields fs;
    assert_int_equal(open_new(&w, &info, &fs, &err), RS_OK);
    char p[256];
    join(p, sizeof p, dir, "status");
    char *st = slurp(p);
    assert_string_equal(st, "running\n");
    free(st);
    assert_int_equal(rs_io_run_finish(w, 0, "unstable time step\nat t = 3", &err), RS_OK);
    assert_int_equal(rs_io_run_finish(w, 1, NULL, &err), RS_EINVAL); /* already closed */
    rs_io_run_destroy(w);
    st = slurp(p);
    assert_string_equal(st, "failed: unstable time step at t = 3\n");
    free(st);
}

static void reopen_drops_later_snapshots(void **state)
{
    const char *dir = *state;
    rs_grid g = {5, 4, 1, 1.0};
    assert_int_equal(write_run(dir, g, 5, 0), RS_OK); /* t = 0 10 20 30 40 */
    rs_error err;
    rs_io_run *w = NULL;
    rs_io_run_info info = make_info(dir, g, 0);
    io_fields fs;
    assert_int_equal(open_again(&w, &info, 20.0, &fs, &err), RS_OK);
    assert_int_equal(rs_io_run_nsnapshots(w), 3);
    size_t n = rs_grid_voxels(&g);
    double a[20], b[20];
    fill(a, b, n, 3);
    const double *f[2] = {a, b};
    assert_int_equal(snapshot(w, &fs, 30.0, f, &err), RS_OK);
    assert_int_equal(rs_io_run_finish(w, 1, NULL, &err), RS_OK);
    rs_io_run_destroy(w);
    char p[256];
    join(p, sizeof p, dir, "run.h5");
    hid_t h = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_int_equal(attr_i64(h, "nsnapshots"), 4);
    assert_int_equal(length(h, "/time"), 4);
    /* Metric rows at 0 5 10 15 20 (25 dropped). */
    assert_int_equal(length(h, "/timeseries/time"), 5);
    for (int k = 0; k < 4; k++) check_snapshot(h, g, k);
    H5Fclose(h);
    /* A grid that does not match is refused. */
    info.grid.nx = 7;
    assert_int_equal(open_again(&w, &info, 20.0, &fs, &err), RS_EINVAL);
}

static void xdmf_lists_completed_snapshots(void **state)
{
    const char *dir = *state;
    rs_grid g = {6, 5, 1, 2.0};
    assert_int_equal(write_run(dir, g, 3, 0), RS_OK);
    char p[256];
    join(p, sizeof p, dir, "run.xmf");
    char *x = slurp(p);
    assert_non_null(x);
    int grids = 0;
    for (const char *s = x; (s = strstr(s, "<Grid Name=\"snapshot")); s++) grids++;
    assert_int_equal(grids, 3);
    assert_non_null(strstr(x, "TopologyType=\"3DCoRectMesh\" Dimensions=\"1 5 6\""));
    assert_non_null(strstr(x, "Dimensions=\"1 5 6\" NumberType=\"Float\" Precision=\"8\" "
                              "Format=\"HDF\">run-xdmf.h5:/fields/oxygen/2<"));
    assert_non_null(strstr(x, "</Xdmf>"));
    free(x);
    join(p, sizeof p, dir, "run.xmf.tmp");
    assert_int_not_equal(access(p, F_OK), 0);
    /* the virtual datasets it names: one per field and snapshot, each the
     * snapshot's slab of run.h5, read here through HDF5 itself */
    join(p, sizeof p, dir, "run-xdmf.h5");
    hid_t f = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    double v[30];
    for (int k = 0; k < 3; k++)
        for (int fi = 0; fi < 2; fi++) {
            char name[64];
            snprintf(name, sizeof name, "/fields/%s/%d", names[fi], k);
            hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
            assert_true(d >= 0);
            assert_true(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
            for (size_t i = 0; i < 30; i++) assert_true(v[i] == value(k, fi, i));
            H5Dclose(d);
        }
    H5Fclose(f);
    join(p, sizeof p, dir, "run-xdmf.h5.tmp");
    assert_int_not_equal(access(p, F_OK), 0);
}

/* A checkpoint's sections: arrays and attributes read back bitwise, a
 * second commit replaces the first, shapes and names are checked on the
 * way back, and nothing is left in path.tmp. */
static void checkpoint_round_trip_is_bitwise(void **state)
{
    const char *dir = *state;
    double f0[42], par[3] = {0.1, -0.0, 1e-300};
    for (size_t i = 0; i < 42; i++) f0[i] = i % 2 ? 1.0 / (double)(i + 3) : -(double)i * 1e100;
    const size_t dims[3] = {2, 3, 7}, npar = 3;
    char p[256];
    join(p, sizeof p, dir, "checkpoint.h5");
    rs_error err;
    for (int round = 0; round < 2; round++) {
        rs_io_checkpoint *c = NULL;
        rs_io_section *root = NULL, *sec = NULL;
        assert_int_equal(rs_io_checkpoint_create(&c, p, &err), RS_OK);
        assert_int_equal(rs_io_checkpoint_section(c, NULL, &root, &err), RS_OK);
        assert_int_equal(rs_io_section_put_int64(root, "steps", 123456789012345LL + round, &err),
                         RS_OK);
        assert_int_equal(rs_io_section_put_double(root, "t", 0.1 + 0.2, &err), RS_OK);
        assert_int_equal(rs_io_section_put_uint64(root, "seed", 0xFFFFFFFFFFFFFFFFull, &err),
                         RS_OK);
        assert_int_equal(rs_io_section_put_doubles(root, "parameters", 1, &npar, par, &err), RS_OK);
        assert_int_equal(rs_io_section_put_string(root, "model", "model: yes\nµ: 1\n", &err), RS_OK);
        assert_int_equal(rs_io_checkpoint_section(c, "fields", &sec, &err), RS_OK);
        assert_int_equal(rs_io_section_put_doubles(sec, "u", 3, dims, f0, &err), RS_OK);
        /* reading from a checkpoint being written is refused */
        assert_int_equal(rs_io_section_get_doubles(sec, "u", 3, dims, f0, &err), RS_EINVAL);
        assert_int_equal(rs_io_checkpoint_commit(c, &err), RS_OK);
    }
    rs_io_checkpoint *r = NULL;
    rs_io_section *root = NULL, *sec = NULL;
    assert_int_equal(rs_io_checkpoint_open(&r, p, &err), RS_OK);
    assert_int_equal(rs_io_checkpoint_section(r, "/", &root, &err), RS_OK);
    int64_t steps = 0;
    double t = 0, back[42], pb[3];
    uint64_t seed = 0;
    char *text = NULL;
    assert_int_equal(rs_io_section_get_int64(root, "steps", &steps, &err), RS_OK);
    assert_true(steps == 123456789012346LL); /* the second commit replaced the first */
    assert_int_equal(rs_io_section_get_double(root, "t", &t, &err), RS_OK);
    double want_t = 0.1 + 0.2;
    assert_memory_equal(&t, &want_t, sizeof t);
    assert_int_equal(rs_io_section_get_uint64(root, "seed", &seed, &err), RS_OK);
    assert_true(seed == 0xFFFFFFFFFFFFFFFFull);
    assert_int_equal(rs_io_section_get_doubles(root, "parameters", 1, &npar, pb, &err), RS_OK);
    assert_memory_equal(pb, par, sizeof par);
    assert_int_equal(rs_io_section_get_string(root, "model", &text, &err), RS_OK);
    assert_string_equal(text, "model: yes\nµ: 1\n");
    free(text);
    assert_int_equal(rs_io_checkpoint_section(r, "fields", &sec, &err), RS_OK);
    assert_int_equal(rs_io_section_get_doubles(sec, "u", 3, dims, back, &err), RS_OK);
    assert_memory_equal(back, f0, sizeof f0);
    /* another shape, another name, another section: refused, saying what */
    const size_t other[3] = {3, 2, 7};
    assert_int_equal(rs_io_section_get_doubles(sec, "u", 3, other, back, &err), RS_EIO);
    assert_non_null(strstr(err.msg, "holds 2x3x7 values; expected 3x2x7"));
    assert_int_equal(rs_io_section_get_doubles(sec, "v", 3, dims, back, &err), RS_EIO);
    assert_non_null(strstr(err.msg, "no fields/v"));
    assert_int_equal(rs_io_section_get_int64(root, "absent", &steps, &err), RS_EIO);
    assert_int_equal(rs_io_checkpoint_section(r, "cells", &sec, &err), RS_EIO);
    assert_non_null(strstr(err.msg, "cells"));
    rs_io_checkpoint_close(r);
    char tmp[300];
    snprintf(tmp, sizeof tmp, "%s.tmp", p);
    assert_int_not_equal(access(tmp, F_OK), 0);
    /* An abandoned checkpoint leaves the previous one and no temporary. */
    rs_io_checkpoint *c = NULL;
    assert_int_equal(rs_io_checkpoint_create(&c, p, &err), RS_OK);
    assert_int_equal(access(tmp, F_OK), 0);
    rs_io_checkpoint_close(c);
    assert_int_not_equal(access(tmp, F_OK), 0);
    assert_int_equal(rs_io_checkpoint_open(&r, p, &err), RS_OK);
    rs_io_checkpoint_close(r);
    /* missing and foreign files */
    join(p, sizeof p, dir, "missing.h5");
    assert_int_equal(rs_io_checkpoint_open(&r, p, &err), RS_EIO);
    assert_null(r);
    join(p, sizeof p, dir, "foreign.h5");
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    fputs("not hdf5\n", fp);
    fclose(fp);
    assert_int_equal(rs_io_checkpoint_open(&r, p, &err), RS_EIO);
    assert_non_null(strstr(err.msg, "not an HDF5 file"));
}

/* The child of the crash test: writes snapshots until killed. It writes
 * 'r' to ready_fd before creating the output when `early` (so the kill can
 * land inside rs_io_run_create), after it otherwise, and 'c' once creation
 * is done. */
static void crash_child(const char *dir, rs_grid g, int ready_fd, int early)
{
    rs_error err;
    rs_io_run *w = NULL;
    rs_io_run_info info = make_info(dir, g, 1);
    if (early) (void)!write(ready_fd, "r", 1);
    io_fields fs;
    if (open_new(&w, &info, &fs, &err) != RS_OK) _exit(2);
    (void)!write(ready_fd, early ? "c" : "rc", early ? 1 : 2);
    size_t n = rs_grid_voxels(&g);
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    for (int k = 0; k < 100000; k++) {
        fill(a, b, n, k);
        const double *f[2] = {a, b};
        if (snapshot(w, &fs, 10.0 * k, f, &err) != RS_OK) _exit(3);
        double m[2] = {k, 1.0};
        if (rs_io_run_metrics(w, 10.0 * k, m, &err) != RS_OK) _exit(4);
    }
    _exit(0);
}

/* The kill tests' random seed: REGENSIM_KILL_SEED when set (to replay a
 * failure; a value that is not a whole number fails the test), otherwise
 * from the clock and the process id. */
static unsigned kill_seed(void)
{
    const char *e = getenv("REGENSIM_KILL_SEED");
    if (e && *e) {
        char *end;
        unsigned long v = strtoul(e, &end, 10);
        if (*end != '\0') fail_msg("REGENSIM_KILL_SEED=%s is not a whole number", e);
        return (unsigned)v;
    }
    return (unsigned)time(NULL) ^ ((unsigned)getpid() << 16);
}

/* A whole number from environment variable name, or def when unset. */
static int env_int(const char *name, int def, int lo, int hi)
{
    const char *e = getenv(name);
    if (!e || !*e) return def;
    char *end;
    long v = strtol(e, &end, 10);
    if (*end != '\0' || v < lo || v > hi) fail_msg("%s=%s: expected %d to %d", name, e, lo, hi);
    return (int)v;
}

/* Microseconds since an arbitrary origin. */
static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Checks what a kill left in dir and resumes from it: run.h5 opens and
 * holds the snapshots it counts, each complete; run.xmf (if any) is whole
 * and lists no more; rs_io_run_reopen continues from there. A kill during
 * creation (`created` 0) may leave no run.h5: then resuming is refused with
 * a clear message and a new run starts cleanly over the leftovers. Returns
 * the snapshots counted. */
static int64_t check_killed(const char *dir, rs_grid g, int created)
{
    char p[256];
    rs_error err;
    rs_io_run *w = NULL;
    join(p, sizeof p, dir, "run.h5");
    if (!created && access(p, F_OK) != 0) {
        rs_io_run_info info = make_info(dir, g, 0);
        io_fields ofs;
        rs_status s = open_again(&w, &info, 1e300, &ofs, &err);
        if (s != RS_EINVAL || !strstr(err.msg, "nothing to resume"))
            fail_msg("resume without run.h5: status %d (%s)", s, err.msg);
        assert_null(w);
        info.force = 1;
        s = open_new(&w, &info, &ofs, &err);
        if (s != RS_OK) fail_msg("new run over a killed creation: %s", err.msg);
        assert_int_equal(rs_io_run_finish(w, 1, NULL, &err), RS_OK);
        rs_io_run_destroy(w);
        printf("# no run.h5 left: resume refused, a new run starts\n");
        return 0;
    }
    hid_t f = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    int64_t n = attr_i64(f, "nsnapshots");
    assert_true(n >= 0);
    assert_true(length(f, "/time") >= (hsize_t)n);
    for (int k = 0; k < n; k++) {
        check_snapshot(f, g, k);
        assert_true(read_at(f, "/time", (hsize_t)k) == 10.0 * k);
    }
    H5Fclose(f);
    /* run.xmf is whole and lists no more than the counted snapshots (it
     * may be missing only when creation was cut short). */
    join(p, sizeof p, dir, "run.xmf");
    char *x = slurp(p);
    if (created || x) {
        assert_non_null(x);
        assert_non_null(strstr(x, "</Xdmf>"));
        int grids = 0;
        for (const char *s = x; (s = strstr(s, "<Grid Name=\"snapshot")); s++) grids++;
        assert_true(grids <= n && grids >= n - 1);
    }
    free(x);
    /* Resuming after the kill continues from the counted snapshots. */
    rs_io_run_info info = make_info(dir, g, 0);
    io_fields ofs;
    rs_status s = open_again(&w, &info, 1e300, &ofs, &err);
    if (s != RS_OK)
        fail_msg("resume after %lld snapshots: status %d: %s", (long long)n, s, err.msg);
    assert_int_equal(rs_io_run_nsnapshots(w), (int)n);
    size_t nv = rs_grid_voxels(&g);
    double *a = malloc(nv * sizeof *a), *b = malloc(nv * sizeof *b);
    fill(a, b, nv, (int)n);
    const double *fs[2] = {a, b};
    assert_int_equal(snapshot(w, &ofs, 10.0 * (double)n, fs, &err), RS_OK);
    double m[2] = {(double)n, 1.0};
    assert_int_equal(rs_io_run_metrics(w, 10.0 * (double)n, m, &err), RS_OK);
    assert_int_equal(rs_io_run_finish(w, 1, NULL, &err), RS_OK);
    rs_io_run_destroy(w);
    free(a);
    free(b);
    join(p, sizeof p, dir, "run.h5");
    f = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    assert_int_equal(attr_i64(f, "nsnapshots"), n + 1);
    assert_int_equal(length(f, "/time"), n + 1);
    check_snapshot(f, g, (int)n);
    H5Fclose(f);
    return n;
}

/* SIGKILL at random moments, REGENSIM_KILL_ROUNDS times (default 6): while
 * snapshots and metric rows are written, and every third round (which ones
 * depends on the seed) while the output is created (run.h5.tmp, then the
 * rename once the layout is complete), retrying with shorter
 * delays until a kill lands inside creation. Every round prints its seed
 * and delay; REGENSIM_KILL_SEED=N replays a run (scripts/kill-soak.sh). */
static void killed_writer_leaves_readable_file(void **state)
{
    const char *dir = *state;
    rs_grid g = {40, 30, 12, 1.0};
    const unsigned seed = kill_seed();
    const int rounds = env_int("REGENSIM_KILL_ROUNDS", 6, 1, 1000000);
    printf("# kill test: seed %u (replay: REGENSIM_KILL_SEED=%u), %d rounds\n", seed, seed,
           rounds);
    unsigned rng = seed;
    /* How long creating the output takes here, to aim the creation kills. */
    double t0 = now_us();
    assert_int_equal(write_run(dir, g, 0, 1), RS_OK);
    double create_us = now_us() - t0;
    int64_t counted = 0; /* snapshots found complete over all rounds */
    int in_creation = 0; /* kills that landed inside rs_io_run_create */
    for (int round = 0; round < rounds; round++) {
        const int early = (round + seed) % 3 == 1;
        double span = early ? create_us : 150000.0;
        for (int attempt = 0;; attempt++) {
            long delay = early ? (long)((double)rand_r(&rng) / RAND_MAX * span)
                               : (long)(rand_r(&rng) % 150 + 5) * 1000L;
            printf("# kill %d.%d: %s, delay %ld us\n", round, attempt,
                   early ? "during creation" : "while writing", delay);
            fflush(stdout);
            int pfd[2];
            assert_int_equal(pipe(pfd), 0);
            pid_t pid = fork();
            assert_true(pid >= 0);
            if (pid == 0) {
                close(pfd[0]);
                crash_child(dir, g, pfd[1], early);
            }
            close(pfd[1]);
            char c[2];
            assert_int_equal(read(pfd[0], c, 1), 1);
            struct timespec ts = {delay / 1000000, (delay % 1000000) * 1000L};
            nanosleep(&ts, NULL);
            kill(pid, SIGKILL);
            int wst;
            assert_int_equal(waitpid(pid, &wst, 0), pid);
            assert_true(WIFSIGNALED(wst));
            /* Every write end is closed now: 'c' is there iff creation ended. */
            int created = read(pfd[0], c, 1) == 1;
            close(pfd[0]);
            if (!created) in_creation++;
            int64_t n = check_killed(dir, g, created);
            counted += n;
            printf("# kill %d.%d: %s; %lld snapshots counted, resumed\n", round, attempt,
                   created ? "after creation" : "inside creation", (long long)n);
            if (!early || !created || attempt >= 6) break;
            span /= 2; /* missed creation: aim earlier */
        }
    }
    /* The kills must have caught the writer with snapshots on disk at least
     * once, and inside creation at least once, or the checks above tested
     * nothing. */
    if (rounds >= 3) {
        assert_true(counted > 0);
        assert_true(in_creation > 0);
    }
}

/* A kill can cut an H5Fflush short after the object headers and index
 * nodes are written but before the superblock, which HDF5 writes last: the
 * superblock's end of allocation (EOA) then lies before metadata and
 * chunks that exist. Built here deterministically by putting back an
 * earlier superblock (v2: the first 48 bytes) on a later file. Resuming
 * must keep every counted snapshot and allocate past all of it (before the
 * fix, new chunks went at the stale EOA, over existing ones, or resuming
 * failed with "cannot truncate ..."; the kill test met it about once in 200
 * kills). */
static void stale_superblock_is_resumed(void **state)
{
    const char *dir = *state;
    rs_grid g = {40, 30, 12, 1.0};
    char p[256];
    join(p, sizeof p, dir, "run.h5");
    assert_int_equal(write_run(dir, g, 2, 0), RS_OK);
    unsigned char sb[48];
    FILE *fp = fopen(p, "rb");
    assert_non_null(fp);
    assert_int_equal(fread(sb, 1, sizeof sb, fp), sizeof sb);
    fclose(fp);
    assert_int_equal(sb[8], 2); /* superblock version 2: 48 bytes, checksummed */
    size_t nv = rs_grid_voxels(&g);
    double *a = malloc(nv * sizeof *a), *b = malloc(nv * sizeof *b);
    rs_error err;
    rs_io_run *w = NULL;
    rs_io_run_info info = make_info(dir, g, 0);
    io_fields fs;
    assert_int_equal(open_again(&w, &info, 1e300, &fs, &err), RS_OK);
    for (int k = 2; k < 6; k++) {
        fill(a, b, nv, k);
        const double *f[2] = {a, b};
        assert_int_equal(snapshot(w, &fs, 10.0 * k, f, &err), RS_OK);
    }
    assert_int_equal(rs_io_run_finish(w, 1, NULL, &err), RS_OK);
    rs_io_run_destroy(w);
    fp = fopen(p, "r+b");
    assert_non_null(fp);
    assert_int_equal(fwrite(sb, 1, sizeof sb, fp), sizeof sb);
    fclose(fp);
    rs_status s = open_again(&w, &info, 1e300, &fs, &err);
    if (s != RS_OK) fail_msg("resume with a stale superblock: status %d: %s", s, err.msg);
    assert_int_equal(rs_io_run_nsnapshots(w), 6);
    fill(a, b, nv, 6);
    const double *f[2] = {a, b};
    assert_int_equal(snapshot(w, &fs, 60.0, f, &err), RS_OK);
    assert_int_equal(rs_io_run_finish(w, 1, NULL, &err), RS_OK);
    rs_io_run_destroy(w);
    free(a);
    free(b);
    hid_t h = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(h >= 0);
    assert_int_equal(attr_i64(h, "nsnapshots"), 7);
    for (int k = 0; k < 7; k++) check_snapshot(h, g, k);
    H5Fclose(h);
}

/* run.h5 never reuses freed file space (H5F_FSPACE_STRATEGY_NONE, which
 * the crash safety above relies on), when created and after a resume. */
static void free_space_is_never_reused(void **state)
{
    const char *dir = *state;
    rs_grid g = {6, 5, 4, 1.0};
    char p[256];
    join(p, sizeof p, dir, "run.h5");
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 0) {
            assert_int_equal(write_run(dir, g, 2, 0), RS_OK);
        } else {
            rs_error err;
            rs_io_run *w = NULL;
            rs_io_run_info info = make_info(dir, g, 0);
            io_fields fs;
            assert_int_equal(open_again(&w, &info, 5.0, &fs, &err), RS_OK);
            assert_int_equal(rs_io_run_finish(w, 1, NULL, &err), RS_OK);
            rs_io_run_destroy(w);
        }
        hid_t f = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
        assert_true(f >= 0);
        hid_t fcpl = H5Fget_create_plist(f);
        assert_true(fcpl >= 0);
        H5F_fspace_strategy_t strategy = H5F_FSPACE_STRATEGY_FSM_AGGR;
        hbool_t persist = 1;
        hsize_t threshold = 0;
        assert_true(H5Pget_file_space_strategy(fcpl, &strategy, &persist, &threshold) >= 0);
        if (strategy != H5F_FSPACE_STRATEGY_NONE)
            fail_msg("pass %d: file space strategy %d, expected H5F_FSPACE_STRATEGY_NONE (%d)",
                     pass, (int)strategy, (int)H5F_FSPACE_STRATEGY_NONE);
        assert_false(persist);
        H5Pclose(fcpl);
        H5Fclose(f);
    }
}

/* Writes the sample run that io_h5py_test.py checks. */
static int write_sample(const char *dir)
{
    rs_grid g3 = {6, 5, 4, 2.0}, g2 = {8, 6, 1, 2.5};
    char sub[512];
    snprintf(sub, sizeof sub, "%s/3d", dir);
    if (write_run(sub, g3, 3, 1) != RS_OK) return 1;
    snprintf(sub, sizeof sub, "%s/2d", dir);
    return write_run_cells(sub, g2, 2, 1, 0) != RS_OK;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-sample") == 0) return write_sample(argv[2]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(layout_reads_back, rs_test_dir_setup, rs_test_dir_teardown),
        cmocka_unit_test_setup_teardown(snapshot_formats_read_back, rs_test_dir_setup,
                                        rs_test_dir_teardown),
        cmocka_unit_test_setup_teardown(parallel_chunks_read_back, rs_test_dir_setup, rs_test_dir_teardown),
        cmocka_unit_test_setup_teardown(existing_output_is_refused, rs_test_dir_setup, rs_test_dir_teardown),
        cmocka_unit_test_setup_teardown(failed_status_is_written, rs_test_dir_setup, rs_test_dir_teardown),
        cmocka_unit_test_setup_teardown(reopen_drops_later_snapshots, rs_test_dir_setup, rs_test_dir_teardown),
        cmocka_unit_test_setup_teardown(xdmf_lists_completed_snapshots, rs_test_dir_setup, rs_test_dir_teardown),
        cmocka_unit_test_setup_teardown(checkpoint_round_trip_is_bitwise, rs_test_dir_setup, rs_test_dir_teardown),
        cmocka_unit_test_setup_teardown(killed_writer_leaves_readable_file, rs_test_dir_setup,
                                        rs_test_dir_teardown),
        cmocka_unit_test_setup_teardown(stale_superblock_is_resumed, rs_test_dir_setup, rs_test_dir_teardown),
        cmocka_unit_test_setup_teardown(free_space_is_never_reused, rs_test_dir_setup, rs_test_dir_teardown),
    };
    /* `test_io --kill-only`: just the kill test (scripts/kill-soak.sh). */
    if (argc == 2 && strcmp(argv[1], "--kill-only") == 0)
        cmocka_set_test_filter("killed_writer_leaves_readable_file");
    return cmocka_run_group_tests(tests, NULL, NULL);
}

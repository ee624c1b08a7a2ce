/* run_h5.c: the run.h5 writer (rs_io_run_*): creates the file with every
 * group, dimension scale and attribute in place, appends field snapshots
 * and metric rows, and marks the run finished. Crash safety is
 * flush-and-mark: each snapshot is written, the file flushed, and only then
 * the root attribute `nsnapshots` raised and flushed again; readers trust
 * only that many snapshots (docs/output.md). */
#define _POSIX_C_SOURCE 200809L
#include <hdf5_hl.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io/chunk_deflate.h"
#include "io/io_impl.h"
#include "regensim/alloc.h"
#include "regensim/io.h"
#include "regensim/version.h"

/* Largest chunk of a field dataset: one snapshot per chunk up to this, then
 * fewer z planes (then y rows, then x) per chunk. */
#define RS_IO_CHUNK_BYTES (4u << 20)
#define RS_IO_DEFLATE 1

struct rs_io_run {
    char *dir;
    rs_grid grid;
    int nfields, nmetrics;
    char **field_names, **metric_names;
    hid_t file, time, ts_time;
    hid_t *fields, *metrics;
    int nsnap;
    int64_t nrows;
    double *times; /* snapshot times, for run.xmf */
    int times_cap;
    /* the fields' chunk shape and one compression work space per thread
     * (nbufs 0: write through HDF5's own filter pipeline instead) */
    hsize_t chunk[4];
    int nbufs;
    rs_io_deflate_buf *bufs;
};

/* A malloc'd copy of s (NULL for NULL). */
static char *dup_string(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

/* Copies n strings; NULL on allocation failure or a NULL entry. */
static char **dup_strings(int n, const char *const *v)
{
    char **p = calloc((size_t)(n > 0 ? n : 1), sizeof *p);
    if (!p) return NULL;
    for (int i = 0; i < n; i++) {
        p[i] = v && v[i] ? dup_string(v[i]) : NULL;
        if (!p[i]) {
            for (int j = 0; j < i; j++) free(p[j]);
            free(p);
            return NULL;
        }
    }
    return p;
}

/* Frees n strings and the array. */
static void free_strings(int n, char **v)
{
    if (!v) return;
    for (int i = 0; i < n; i++) free(v[i]);
    free(v);
}

/* Closes every HDF5 handle of w and frees w. */
static void run_free(rs_io_run *w)
{
    if (!w) return;
    for (int i = 0; w->fields && i < w->nfields; i++)
        if (w->fields[i] > 0) H5Dclose(w->fields[i]);
    for (int i = 0; w->metrics && i < w->nmetrics; i++)
        if (w->metrics[i] > 0) H5Dclose(w->metrics[i]);
    if (w->time > 0) H5Dclose(w->time);
    if (w->ts_time > 0) H5Dclose(w->ts_time);
    if (w->file > 0) H5Fclose(w->file);
    free(w->fields);
    free(w->metrics);
    free_strings(w->nfields, w->field_names);
    free_strings(w->nmetrics, w->metric_names);
    free(w->times);
    free(w->dir);
    for (int i = 0; i < w->nbufs; i++) {
        rs_free_aligned(w->bufs[i].packed);
        free(w->bufs[i].shuffled);
        free(w->bufs[i].out);
    }
    free(w->bufs);
    free(w);
}

static void field_chunk(const rs_grid *g, hsize_t c[4]);

/* Allocates one compression work space per thread that may write a
 * snapshot (at most one per chunk of a field); on failure leaves none, and
 * snapshots go through HDF5's filter pipeline on one thread instead. */
static void alloc_deflate(rs_io_run *w)
{
    field_chunk(&w->grid, w->chunk);
    const rs_grid *g = &w->grid;
    size_t nchunks = (((size_t)g->nz + w->chunk[1] - 1) / w->chunk[1]) *
                     (((size_t)g->ny + w->chunk[2] - 1) / w->chunk[2]) *
                     (((size_t)g->nx + w->chunk[3] - 1) / w->chunk[3]);
    int n = omp_get_max_threads();
    if ((size_t)n > nchunks) n = (int)nchunks;
    if (n < 2 || w->nfields == 0) return; /* one thread: HDF5 does the same */
    const size_t values = (size_t)(w->chunk[1] * w->chunk[2] * w->chunk[3]);
    w->bufs = calloc((size_t)n, sizeof *w->bufs);
    if (!w->bufs) return;
    w->nbufs = n;
    for (int i = 0; i < n; i++) {
        rs_io_deflate_buf *b = &w->bufs[i];
        b->out_cap = rs_io_deflate_out_cap(values);
        b->packed = rs_alloc_aligned(values * sizeof(double));
        b->shuffled = malloc(values * sizeof(double));
        b->out = malloc(b->out_cap);
        if (!b->packed || !b->shuffled || !b->out) {
            for (int j = 0; j <= i; j++) {
                rs_free_aligned(w->bufs[j].packed);
                free(w->bufs[j].shuffled);
                free(w->bufs[j].out);
            }
            free(w->bufs);
            w->bufs = NULL;
            w->nbufs = 0;
            return;
        }
    }
}

/* Checks info and allocates w with copies of what it keeps. */
static rs_status run_alloc(rs_io_run **out, const rs_io_run_info *info, rs_error *err)
{
    *out = NULL;
    if (!info || !info->dir || !*info->dir)
        return rs_error_set(err, RS_EINVAL, "no output directory given");
    rs_status s = rs_grid_check(&info->grid, err);
    if (s != RS_OK) return s;
    if (info->nfields < 0 || info->nmetrics < 0 || info->ncell_types < 0 ||
        (info->nfields > 0 && (!info->field_names || !info->field_units)) ||
        (info->nmetrics > 0 && !info->metric_names) ||
        (info->ncell_types > 0 && !info->cell_type_names))
        return rs_error_set(err, RS_EINVAL, "run output: bad field, metric or cell-type lists");
    for (int i = 0; i < info->nfields; i++)
        if (!info->field_names[i] || !*info->field_names[i] || strchr(info->field_names[i], '/'))
            return rs_error_set(err, RS_EINVAL, "run output: field %d has no valid name", i);
    for (int i = 0; i < info->nmetrics; i++)
        if (!info->metric_names[i] || !*info->metric_names[i] ||
            strchr(info->metric_names[i], '/') || strcmp(info->metric_names[i], "time") == 0)
            return rs_error_set(err, RS_EINVAL, "run output: metric %d has no valid name "
                                                "(not empty, no '/', not \"time\")", i);
    rs_io_run *w = calloc(1, sizeof *w);
    if (!w) return rs_error_set(err, RS_ENOMEM, "out of memory");
    w->grid = info->grid;
    w->nfields = info->nfields;
    w->nmetrics = info->nmetrics;
    w->dir = dup_string(info->dir);
    w->field_names = dup_strings(info->nfields, info->field_names);
    w->metric_names = dup_strings(info->nmetrics, info->metric_names);
    w->fields = calloc((size_t)(w->nfields > 0 ? w->nfields : 1), sizeof *w->fields);
    w->metrics = calloc((size_t)(w->nmetrics > 0 ? w->nmetrics : 1), sizeof *w->metrics);
    if (!w->dir || !w->field_names || !w->metric_names || !w->fields || !w->metrics) {
        if (!w->field_names) w->nfields = 0;
        if (!w->metric_names) w->nmetrics = 0;
        run_free(w);
        return rs_error_set(err, RS_ENOMEM, "out of memory");
    }
    w->file = w->time = w->ts_time = -1;
    alloc_deflate(w);
    for (int i = 0; i < w->nfields; i++) w->fields[i] = -1;
    for (int i = 0; i < w->nmetrics; i++) w->metrics[i] = -1;
    *out = w;
    return RS_OK;
}

/* Creates a 1D double dataset of n values (a fixed-size scale). */
static hid_t create_axis(hid_t loc, const char *name, const rs_grid *g, int n)
{
    hsize_t dim = (hsize_t)n;
    hid_t s = H5Screate_simple(1, &dim, NULL);
    if (s < 0) return -1;
    hid_t d = H5Dcreate2(loc, name, H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Sclose(s);
    if (d < 0) return -1;
    double *v = malloc((size_t)n * sizeof *v);
    herr_t r = -1;
    if (v) {
        for (int i = 0; i < n; i++) v[i] = rs_grid_centre(g, i);
        r = H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
        free(v);
    }
    if (r < 0 || H5DSset_scale(d, name) < 0 || rs_io_attr_string(d, "units", "um") < 0) {
        H5Dclose(d);
        return -1;
    }
    return d;
}

/* Creates an empty extendible 1D dataset of type t (chunks of chunk). */
static hid_t create_series(hid_t loc, const char *name, hid_t t, hsize_t chunk)
{
    hsize_t dim = 0, maxdim = H5S_UNLIMITED;
    hid_t s = H5Screate_simple(1, &dim, &maxdim);
    hid_t p = H5Pcreate(H5P_DATASET_CREATE);
    hid_t d = -1;
    if (s >= 0 && p >= 0 && H5Pset_chunk(p, 1, &chunk) >= 0)
        d = H5Dcreate2(loc, name, t, s, H5P_DEFAULT, p, H5P_DEFAULT);
    if (p >= 0) H5Pclose(p);
    if (s >= 0) H5Sclose(s);
    return d;
}

/* Chunk shape for a [T, nz, ny, nx] field: one snapshot, shrunk along z,
 * then y, then x until it holds at most RS_IO_CHUNK_BYTES. */
static void field_chunk(const rs_grid *g, hsize_t c[4])
{
    c[0] = 1;
    c[1] = (hsize_t)g->nz;
    c[2] = (hsize_t)g->ny;
    c[3] = (hsize_t)g->nx;
    const hsize_t cap = RS_IO_CHUNK_BYTES / sizeof(double);
    for (int k = 1; k < 4; k++) {
        hsize_t rest = 1;
        for (int j = k + 1; j < 4; j++) rest *= c[j];
        if (rest * c[k] <= cap) break;
        c[k] = rest >= cap ? 1 : cap / rest;
    }
}

/* Creates /fields/<name> with its filters, units and attached scales. */
static hid_t create_field(rs_io_run *w, hid_t group, const char *name, const char *units,
                          hid_t x, hid_t y, hid_t z)
{
    const rs_grid *g = &w->grid;
    hsize_t dims[4] = {0, (hsize_t)g->nz, (hsize_t)g->ny, (hsize_t)g->nx};
    hsize_t maxd[4] = {H5S_UNLIMITED, dims[1], dims[2], dims[3]}, chunk[4];
    field_chunk(g, chunk);
    hid_t s = H5Screate_simple(4, dims, maxd);
    hid_t p = H5Pcreate(H5P_DATASET_CREATE);
    hid_t d = -1;
    if (s >= 0 && p >= 0 && H5Pset_chunk(p, 4, chunk) >= 0 && H5Pset_shuffle(p) >= 0 &&
        H5Pset_deflate(p, RS_IO_DEFLATE) >= 0 && H5Pset_fill_time(p, H5D_FILL_TIME_NEVER) >= 0)
        d = H5Dcreate2(group, name, H5T_IEEE_F64LE, s, H5P_DEFAULT, p, H5P_DEFAULT);
    if (p >= 0) H5Pclose(p);
    if (s >= 0) H5Sclose(s);
    if (d < 0) return -1;
    if (rs_io_attr_string(d, "units", units ? units : "") < 0 ||
        H5DSattach_scale(d, w->time, 0) < 0 || H5DSattach_scale(d, z, 1) < 0 ||
        H5DSattach_scale(d, y, 2) < 0 || H5DSattach_scale(d, x, 3) < 0) {
        H5Dclose(d);
        return -1;
    }
    return d;
}

/* Creates the chunk index of an empty extendible dataset of doubles now:
 * writes its first chunk (zeros) and sets the extent back to 0 (the index
 * stays). Otherwise the first snapshot's flush creates it, and a kill in
 * that flush can leave the object header pointing at an index node never
 * written (HDF5 writes metadata in address order, not children first):
 * such a run could not be resumed. 0 or -1. */
static int make_index(hid_t d)
{
    hsize_t dims[4] = {0}, chunk[4] = {0}, start[4] = {0};
    hid_t s = H5Dget_space(d), p = H5Dget_create_plist(d);
    int rank = s >= 0 ? H5Sget_simple_extent_ndims(s) : -1, rc = -1;
    if (rank < 1 || rank > 4 || H5Sget_simple_extent_dims(s, dims, NULL) != rank || p < 0 ||
        H5Pget_chunk(p, rank, chunk) != rank) {
        if (s >= 0) H5Sclose(s);
        if (p >= 0) H5Pclose(p);
        return -1;
    }
    H5Sclose(s);
    H5Pclose(p);
    size_t n = 1;
    dims[0] = chunk[0] = 1;
    for (int k = 1; k < rank; k++) {
        if (chunk[k] > dims[k]) chunk[k] = dims[k];
        n *= (size_t)chunk[k];
    }
    double *zeros = calloc(n, sizeof *zeros);
    hid_t ms = H5Screate_simple(rank, chunk, NULL);
    s = -1;
    if (zeros && ms >= 0 && H5Dset_extent(d, dims) >= 0 && (s = H5Dget_space(d)) >= 0 &&
        H5Sselect_hyperslab(s, H5S_SELECT_SET, start, NULL, chunk, NULL) >= 0 &&
        H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, s, H5P_DEFAULT, zeros) >= 0) {
        dims[0] = 0;
        if (H5Dset_extent(d, dims) >= 0) rc = 0;
    }
    if (s >= 0) H5Sclose(s);
    if (ms >= 0) H5Sclose(ms);
    free(zeros);
    return rc;
}

/* Writes the cell-type names into an extendible string dataset. */
static int create_cell_types(hid_t file, int n, const char *const *names)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0) return -1;
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    hid_t d = create_series(file, "cell_types", t, 16);
    /* Its own dimension scale, so netCDF readers see a coordinate variable
     * (h5netcdf refuses a root dataset without one). */
    int rc = d < 0 || H5DSset_scale(d, "cell_types") < 0 ? -1 : 0;
    if (rc == 0 && n > 0) {
        hsize_t dim = (hsize_t)n;
        rc = H5Dset_extent(d, &dim) < 0 ||
                     H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, names) < 0
                 ? -1
                 : 0;
    }
    if (d >= 0) H5Dclose(d);
    H5Tclose(t);
    return rc;
}

/* ISO 8601 UTC time of now into buf. */
static void iso_now(char *buf, size_t size)
{
    time_t now = time(NULL);
    struct tm tm;
    if (!gmtime_r(&now, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, size, "unknown");
}

/* Builds the whole layout of a new run.h5 in w->file. 0 or -1. */
static int create_layout(rs_io_run *w, const rs_io_run_info *info)
{
    char created[64];
    iso_now(created, sizeof created);
    hid_t f = w->file;
    if (rs_io_attr_string(f, "format", "regensim-output") < 0 ||
        rs_io_attr_int64(f, "format_version", 1) < 0 ||
        rs_io_attr_string(f, "regensim_version", rs_version()) < 0 ||
        rs_io_attr_string(f, "model_name", info->model_name ? info->model_name : "") < 0 ||
        rs_io_attr_uint64(f, "seed", info->seed) < 0 ||
        rs_io_attr_string(f, "created", created) < 0 ||
        rs_io_attr_string(f, "status", "running") < 0 ||
        rs_io_attr_double(f, "dx", w->grid.dx) < 0 || rs_io_attr_int64(f, "nsnapshots", 0) < 0)
        return -1;
    int rc = -1;
    hid_t x = create_axis(f, "x", &w->grid, w->grid.nx);
    hid_t y = create_axis(f, "y", &w->grid, w->grid.ny);
    hid_t z = create_axis(f, "z", &w->grid, w->grid.nz);
    hid_t model = H5Gcreate2(f, "model", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t fields = H5Gcreate2(f, "fields", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t ts = H5Gcreate2(f, "timeseries", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (x < 0 || y < 0 || z < 0 || model < 0 || fields < 0 || ts < 0) goto done;
    w->time = create_series(f, "time", H5T_IEEE_F64LE, 256);
    if (w->time < 0 || H5DSset_scale(w->time, "time") < 0 ||
        rs_io_attr_string(w->time, "units", "min") < 0 || make_index(w->time) < 0)
        goto done;
    if (rs_io_write_string(model, "source", info->model_source) < 0 ||
        rs_io_write_string(model, "resolved", info->model_resolved) < 0)
        goto done;
    for (int i = 0; i < w->nfields; i++) {
        w->fields[i] = create_field(w, fields, w->field_names[i], info->field_units[i], x, y, z);
        if (w->fields[i] < 0 || make_index(w->fields[i]) < 0) goto done;
    }
    w->ts_time = create_series(ts, "time", H5T_IEEE_F64LE, 1024);
    if (w->ts_time < 0 || H5DSset_scale(w->ts_time, "time") < 0 ||
        rs_io_attr_string(w->ts_time, "units", "min") < 0 || make_index(w->ts_time) < 0 ||
        rs_io_attr_int64(ts, "nrows", 0) < 0)
        goto done;
    for (int i = 0; i < w->nmetrics; i++) {
        w->metrics[i] = create_series(ts, w->metric_names[i], H5T_IEEE_F64LE, 1024);
        if (w->metrics[i] < 0 || H5DSattach_scale(w->metrics[i], w->ts_time, 0) < 0 ||
            make_index(w->metrics[i]) < 0)
            goto done;
    }
    if (create_cell_types(f, info->ncell_types, info->cell_type_names) < 0) goto done;
    rc = 0;
done:
    if (x >= 0) H5Dclose(x);
    if (y >= 0) H5Dclose(y);
    if (z >= 0) H5Dclose(z);
    if (model >= 0) H5Gclose(model);
    if (fields >= 0) H5Gclose(fields);
    if (ts >= 0) H5Gclose(ts);
    return rc;
}

static rs_status reopen_layout(rs_io_run *w, double t, const char *path, rs_error *err);

/* Closes every HDF5 handle of w (the file last) and marks them closed. */
static int close_handles(rs_io_run *w)
{
    int bad = 0;
    for (int i = 0; i < w->nfields; i++) {
        if (w->fields[i] >= 0 && H5Dclose(w->fields[i]) < 0) bad = 1;
        w->fields[i] = -1;
    }
    for (int i = 0; i < w->nmetrics; i++) {
        if (w->metrics[i] >= 0 && H5Dclose(w->metrics[i]) < 0) bad = 1;
        w->metrics[i] = -1;
    }
    if (w->time >= 0 && H5Dclose(w->time) < 0) bad = 1;
    if (w->ts_time >= 0 && H5Dclose(w->ts_time) < 0) bad = 1;
    if (w->file >= 0 && H5Fclose(w->file) < 0) bad = 1;
    w->time = w->ts_time = w->file = -1;
    return bad ? -1 : 0;
}

/* Grows w->times to hold n entries. */
static int reserve_times(rs_io_run *w, int n)
{
    if (n <= w->times_cap) return 0;
    int cap = w->times_cap ? w->times_cap * 2 : 64;
    while (cap < n) cap *= 2;
    double *p = realloc(w->times, (size_t)cap * sizeof *p);
    if (!p) return -1;
    w->times = p;
    w->times_cap = cap;
    return 0;
}

rs_status rs_io_run_create(rs_io_run **out, const rs_io_run_info *info, rs_error *err)
{
    if (!out) return rs_error_set(err, RS_EINVAL, "rs_io_run_create: out is NULL");
    rs_io_run *w;
    rs_status s = run_alloc(&w, info, err);
    if (s != RS_OK) return s;
    s = rs_io_dir_prepare(w->dir, info->force, err);
    if (s != RS_OK) {
        run_free(w);
        return s;
    }
    char path[4096];
    if (rs_io_path(path, sizeof path, w->dir, "run.h5") != 0) {
        run_free(w);
        return rs_error_set(err, RS_EINVAL, "output path too long: %s", w->dir);
    }
    /* The layout is built in run.h5.tmp, closed and renamed, so a kill
     * during creation leaves no half-made run.h5; then it is reopened. */
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    /* Never reuse freed file space within a session: a metadata block that
     * moves (an index growing, an object header extended) leaves its old
     * copy, still referenced by what was last flushed, untouched, so a kill
     * before the next flush cannot overwrite what the counted snapshots'
     * index points to. (With reuse, a new chunk written over a freed index
     * block corrupted a counted snapshot in about 1 kill in 200.) The
     * strategy is stored in the file and applies whenever it is reopened. */
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    if (fcpl >= 0 && H5Pset_file_space_strategy(fcpl, H5F_FSPACE_STRATEGY_NONE, 0,
                                                (hsize_t)1) >= 0)
        w->file = H5Fcreate(tmp, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
    else
        w->file = -1;
    if (fcpl >= 0) H5Pclose(fcpl);
    if (w->file < 0)
        s = rs_error_set(err, RS_EIO, "cannot create %s", tmp);
    else if (create_layout(w, info) < 0)
        s = rs_error_set(err, RS_EIO, "cannot write the layout of %s", tmp);
    close_handles(w);
    if (s == RS_OK && (rs_io_fsync_path(tmp) != 0 || rename(tmp, path) != 0))
        s = rs_error_set(err, RS_EIO, "cannot move %s to %s", tmp, path);
    if (s == RS_OK) {
        w->file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
        if (w->file < 0)
            s = rs_error_set(err, RS_EIO, "cannot reopen %s", path);
        else
            s = reopen_layout(w, HUGE_VAL, path, err);
    }
    if (s != RS_OK) unlink(tmp);
    rs_io_quiet_end(&q);
    if (s == RS_OK) s = rs_io_xdmf_write(w->dir, &w->grid, w->nfields, w->field_names, 0, NULL, err);
    if (s == RS_OK) s = rs_io_status_write(w->dir, "running", err);
    if (s != RS_OK) {
        run_free(w);
        return s;
    }
    *out = w;
    return RS_OK;
}

/* Reads the first n values of 1D dataset d into v. */
static int read_prefix(hid_t d, hsize_t n, double *v)
{
    if (n == 0) return 0;
    hid_t fs = H5Dget_space(d);
    hsize_t start = 0;
    hid_t ms = H5Screate_simple(1, &n, NULL);
    int rc = -1;
    if (fs >= 0 && ms >= 0 &&
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &n, NULL) >= 0 &&
        H5Dread(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, v) >= 0)
        rc = 0;
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    return rc;
}

/* Number of leading entries of v[0..n) not after t (with a relative
 * tolerance of a few ulps so the checkpoint's own time is kept). */
static int64_t count_upto(const double *v, int64_t n, double t)
{
    double tol = 1e-12 * (fabs(t) > 1 ? fabs(t) : 1);
    int64_t k = 0;
    while (k < n && v[k] <= t + tol) k++;
    return k;
}

/* Opens the datasets of an existing run.h5, checks them against w's grid,
 * and truncates snapshots and metric rows after t. */
static rs_status reopen_layout(rs_io_run *w, double t, const char *path, rs_error *err)
{
    hid_t f = w->file;
    int64_t nsnap = 0, nrows = 0;
    if (rs_io_attr_read_int64(f, "nsnapshots", &nsnap) < 0 || nsnap < 0 || nsnap > INT32_MAX)
        return rs_error_set(err, RS_EIO, "%s is not a regensim run file (no nsnapshots)", path);
    w->time = H5Dopen2(f, "time", H5P_DEFAULT);
    w->ts_time = H5Dopen2(f, "timeseries/time", H5P_DEFAULT);
    hid_t ts = H5Gopen2(f, "timeseries", H5P_DEFAULT);
    if (w->time < 0 || w->ts_time < 0 || ts < 0 || rs_io_attr_read_int64(ts, "nrows", &nrows) < 0) {
        if (ts >= 0) H5Gclose(ts);
        return rs_error_set(err, RS_EIO, "%s lacks /time or /timeseries", path);
    }
    H5Gclose(ts);
    for (int i = 0; i < w->nfields; i++) {
        char name[512];
        snprintf(name, sizeof name, "fields/%s", w->field_names[i]);
        w->fields[i] = H5Dopen2(f, name, H5P_DEFAULT);
        hsize_t dims[4] = {0};
        hid_t s = w->fields[i] >= 0 ? H5Dget_space(w->fields[i]) : -1;
        int ok = s >= 0 && H5Sget_simple_extent_ndims(s) == 4 &&
                 H5Sget_simple_extent_dims(s, dims, NULL) == 4 &&
                 dims[1] == (hsize_t)w->grid.nz && dims[2] == (hsize_t)w->grid.ny &&
                 dims[3] == (hsize_t)w->grid.nx;
        if (s >= 0) H5Sclose(s);
        if (!ok)
            return rs_error_set(err, RS_EINVAL,
                                "%s: field %s is missing or not on a %dx%dx%d grid", path,
                                w->field_names[i], w->grid.nx, w->grid.ny, w->grid.nz);
    }
    for (int i = 0; i < w->nmetrics; i++) {
        char name[512];
        snprintf(name, sizeof name, "timeseries/%s", w->metric_names[i]);
        w->metrics[i] = H5Dopen2(f, name, H5P_DEFAULT);
        if (w->metrics[i] < 0)
            return rs_error_set(err, RS_EINVAL, "%s: metric %s is missing", path,
                                w->metric_names[i]);
    }
    /* Snapshots: keep those at or before t. */
    if (reserve_times(w, (int)nsnap + 1) < 0) return rs_error_set(err, RS_ENOMEM, "out of memory");
    if (read_prefix(w->time, (hsize_t)nsnap, w->times) < 0)
        return rs_error_set(err, RS_EIO, "cannot read /time of %s", path);
    w->nsnap = (int)count_upto(w->times, nsnap, t);
    hsize_t d4[4] = {(hsize_t)w->nsnap, (hsize_t)w->grid.nz, (hsize_t)w->grid.ny,
                     (hsize_t)w->grid.nx};
    hsize_t d1 = (hsize_t)w->nsnap;
    for (int i = 0; i < w->nfields; i++)
        if (H5Dset_extent(w->fields[i], d4) < 0)
            return rs_error_set(err, RS_EIO, "cannot truncate field %s in %s to its %d counted "
                                "snapshots: its chunk index is unreadable (a kill during a "
                                "flush can leave it so); the counted snapshots can still be "
                                "read, but this run cannot be resumed", w->field_names[i],
                                path, w->nsnap);
    if (H5Dset_extent(w->time, &d1) < 0 || rs_io_attr_int64(f, "nsnapshots", w->nsnap) < 0)
        return rs_error_set(err, RS_EIO, "cannot truncate /time in %s", path);
    /* Metric rows likewise. */
    double *rt = malloc((size_t)(nrows > 0 ? nrows : 1) * sizeof *rt);
    if (!rt) return rs_error_set(err, RS_ENOMEM, "out of memory");
    int bad = read_prefix(w->ts_time, (hsize_t)nrows, rt) < 0;
    if (!bad) w->nrows = count_upto(rt, nrows, t);
    free(rt);
    if (bad) return rs_error_set(err, RS_EIO, "cannot read /timeseries/time of %s", path);
    d1 = (hsize_t)w->nrows;
    for (int i = 0; i < w->nmetrics; i++)
        if (H5Dset_extent(w->metrics[i], &d1) < 0) bad = 1;
    ts = H5Gopen2(f, "timeseries", H5P_DEFAULT);
    if (bad || H5Dset_extent(w->ts_time, &d1) < 0 || ts < 0 ||
        rs_io_attr_int64(ts, "nrows", w->nrows) < 0)
        bad = 1;
    if (ts >= 0) H5Gclose(ts);
    if (bad || rs_io_attr_string(f, "status", "running") < 0 ||
        H5Fflush(f, H5F_SCOPE_LOCAL) < 0)
        return rs_error_set(err, RS_EIO, "cannot truncate the time series of %s", path);
    return RS_OK;
}

rs_status rs_io_run_reopen(rs_io_run **out, const rs_io_run_info *info, double t,
                           rs_error *err)
{
    if (!out) return rs_error_set(err, RS_EINVAL, "rs_io_run_reopen: out is NULL");
    if (!isfinite(t)) return rs_error_set(err, RS_EINVAL, "resume time %g is not finite", t);
    rs_io_run *w;
    rs_status s = run_alloc(&w, info, err);
    if (s != RS_OK) return s;
    char path[4096];
    struct stat st;
    if (rs_io_path(path, sizeof path, w->dir, "run.h5") != 0 || stat(path, &st) != 0) {
        s = rs_error_set(err, RS_EINVAL, "%s/run.h5 does not exist: nothing to resume", w->dir);
        run_free(w);
        return s;
    }
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    w->file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    /* A kill during a flush can leave the superblock (written last) with
     * an end of allocation before metadata and chunks already written:
     * allocate from the end of the file instead, or new chunks would go
     * over existing ones (and closing would cut the file short). */
    if (w->file < 0)
        s = rs_error_set(err, RS_EIO, "cannot open %s for writing", path);
    else if (H5Fincrement_filesize(w->file, 0) < 0)
        s = rs_error_set(err, RS_EIO, "cannot extend the allocation of %s to its size", path);
    else
        s = reopen_layout(w, t, path, err);
    rs_io_quiet_end(&q);
    if (s == RS_OK)
        s = rs_io_xdmf_write(w->dir, &w->grid, w->nfields, w->field_names, w->nsnap, w->times,
                             err);
    if (s == RS_OK) s = rs_io_status_write(w->dir, "running", err);
    if (s != RS_OK) {
        run_free(w);
        return s;
    }
    *out = w;
    return RS_OK;
}

/* Writes one [nz, ny, nx] array at index k of a [T, nz, ny, nx] dataset
 * (already extended) through HDF5's own filter pipeline. */
static int append_field_hdf5(hid_t d, const rs_grid *g, hsize_t k, const double *v)
{
    hsize_t start[4] = {k, 0, 0, 0},
            count[4] = {1, (hsize_t)g->nz, (hsize_t)g->ny, (hsize_t)g->nx};
    hid_t fs = H5Dget_space(d);
    hid_t ms = H5Screate_simple(4, count, NULL);
    int rc = -1;
    if (fs >= 0 && ms >= 0 &&
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
        H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, v) >= 0)
        rc = 0;
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    return rc;
}

/* Whether dataset d's chunks have the shape w->chunk (a file written by
 * another version may differ: then HDF5's own pipeline is used). */
static int chunks_match(const rs_io_run *w, hid_t d)
{
    hid_t p = H5Dget_create_plist(d);
    hsize_t c[4] = {0, 0, 0, 0};
    int ok = p >= 0 && H5Pget_chunk(p, 4, c) == 4 && memcmp(c, w->chunk, sizeof c) == 0;
    if (p >= 0) H5Pclose(p);
    return ok;
}

/* Appends snapshot k of one field: extends the dataset, then deflates its
 * chunks nbufs at a time on OpenMP threads and writes them with
 * H5Dwrite_chunk (or, with no work spaces, through HDF5's pipeline). */
static int append_field(rs_io_run *w, hid_t d, hsize_t k, const double *v)
{
    const rs_grid *g = &w->grid;
    hsize_t dims[4] = {k + 1, (hsize_t)g->nz, (hsize_t)g->ny, (hsize_t)g->nx};
    if (H5Dset_extent(d, dims) < 0) return -1;
    if (w->nbufs < 2 || !chunks_match(w, d)) return append_field_hdf5(d, g, k, v);
    const size_t cz = w->chunk[1], cy = w->chunk[2], cx = w->chunk[3];
    const size_t nzc = ((size_t)g->nz + cz - 1) / cz, nyc = ((size_t)g->ny + cy - 1) / cy,
                 nxc = ((size_t)g->nx + cx - 1) / cx, nch = nzc * nyc * nxc;
    for (size_t c0 = 0; c0 < nch; c0 += (size_t)w->nbufs) {
        const int nw = nch - c0 < (size_t)w->nbufs ? (int)(nch - c0) : w->nbufs;
#pragma omp parallel for num_threads(nw) schedule(static, 1)
        for (int j = 0; j < nw; j++) {
            size_t id = c0 + (size_t)j;
            rs_io_chunk_deflate(v, g, id / (nyc * nxc) * cz, id / nxc % nyc * cy,
                                id % nxc * cx, cz, cy, cx, RS_IO_DEFLATE, &w->bufs[j]);
        }
        for (int j = 0; j < nw; j++) {
            size_t id = c0 + (size_t)j;
            hsize_t off[4] = {k, id / (nyc * nxc) * cz, id / nxc % nyc * cy, id % nxc * cx};
            if (w->bufs[j].out_len == 0 ||
                H5Dwrite_chunk(d, H5P_DEFAULT, 0, off, w->bufs[j].out_len, w->bufs[j].out) < 0)
                return -1;
        }
    }
    return 0;
}

/* Appends value v at index k of a 1D extendible dataset. */
static int append_value(hid_t d, hsize_t k, double v)
{
    hsize_t n = k + 1, one = 1;
    if (H5Dset_extent(d, &n) < 0) return -1;
    hid_t fs = H5Dget_space(d);
    hid_t ms = H5Screate_simple(1, &one, NULL);
    int rc = -1;
    if (fs >= 0 && ms >= 0 &&
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, &k, NULL, &one, NULL) >= 0 &&
        H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, &v) >= 0)
        rc = 0;
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    return rc;
}

rs_status rs_io_run_snapshot(rs_io_run *w, double t, const double *const *fields,
                             rs_error *err)
{
    if (!w || w->file < 0) return rs_error_set(err, RS_EINVAL, "run output is not open");
    if (!isfinite(t)) return rs_error_set(err, RS_EINVAL, "snapshot time %g is not finite", t);
    if (w->nfields > 0 && !fields) return rs_error_set(err, RS_EINVAL, "no field arrays given");
    for (int i = 0; i < w->nfields; i++)
        if (!fields[i])
            return rs_error_set(err, RS_EINVAL, "no array given for field %s", w->field_names[i]);
    if (w->nsnap == INT32_MAX || reserve_times(w, w->nsnap + 1) < 0)
        return rs_error_set(err, RS_ENOMEM, "out of memory");
    rs_status s = RS_OK;
    hsize_t k = (hsize_t)w->nsnap;
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    for (int i = 0; i < w->nfields && s == RS_OK; i++)
        if (append_field(w, w->fields[i], k, fields[i]) < 0)
            s = rs_error_set(err, RS_EIO, "cannot write snapshot %d of field %s to %s/run.h5",
                             w->nsnap, w->field_names[i], w->dir);
    /* The data first, flushed; then the counter that makes it count. */
    if (s == RS_OK && (append_value(w->time, k, t) < 0 || H5Fflush(w->file, H5F_SCOPE_LOCAL) < 0 ||
                       rs_io_attr_int64(w->file, "nsnapshots", (int64_t)k + 1) < 0 ||
                       H5Fflush(w->file, H5F_SCOPE_LOCAL) < 0))
        s = rs_error_set(err, RS_EIO, "cannot flush snapshot %d to %s/run.h5", w->nsnap, w->dir);
    rs_io_quiet_end(&q);
    if (s != RS_OK) return s;
    w->times[w->nsnap++] = t;
    return rs_io_xdmf_write(w->dir, &w->grid, w->nfields, w->field_names, w->nsnap, w->times,
                            err);
}

rs_status rs_io_run_metrics(rs_io_run *w, double t, const double *values, rs_error *err)
{
    if (!w || w->file < 0) return rs_error_set(err, RS_EINVAL, "run output is not open");
    if (!isfinite(t)) return rs_error_set(err, RS_EINVAL, "metric time %g is not finite", t);
    if (w->nmetrics > 0 && !values) return rs_error_set(err, RS_EINVAL, "no metric values given");
    rs_status s = RS_OK;
    hsize_t k = (hsize_t)w->nrows;
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    for (int i = 0; i < w->nmetrics && s == RS_OK; i++)
        if (append_value(w->metrics[i], k, values[i]) < 0)
            s = rs_error_set(err, RS_EIO, "cannot write metric %s to %s/run.h5",
                             w->metric_names[i], w->dir);
    hid_t ts = -1;
    if (s == RS_OK &&
        (append_value(w->ts_time, k, t) < 0 || H5Fflush(w->file, H5F_SCOPE_LOCAL) < 0 ||
         (ts = H5Gopen2(w->file, "timeseries", H5P_DEFAULT)) < 0 ||
         rs_io_attr_int64(ts, "nrows", (int64_t)k + 1) < 0 ||
         H5Fflush(w->file, H5F_SCOPE_LOCAL) < 0))
        s = rs_error_set(err, RS_EIO, "cannot flush metrics to %s/run.h5", w->dir);
    if (ts >= 0) H5Gclose(ts);
    rs_io_quiet_end(&q);
    if (s == RS_OK) w->nrows++;
    return s;
}

rs_status rs_io_run_finish(rs_io_run *w, int ok, const char *message, rs_error *err)
{
    if (!w || w->file < 0) return rs_error_set(err, RS_EINVAL, "run output is not open");
    char status[1024];
    if (ok)
        snprintf(status, sizeof status, "completed");
    else
        snprintf(status, sizeof status, "failed: %s", message && *message ? message : "unknown");
    for (char *c = status; *c; c++) /* the status file is one line */
        if (*c == '\n' || *c == '\r') *c = ' ';
    rs_status s = RS_OK;
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    if (rs_io_attr_string(w->file, "status", status) < 0 || H5Fflush(w->file, H5F_SCOPE_LOCAL) < 0)
        s = rs_error_set(err, RS_EIO, "cannot write the status of %s/run.h5", w->dir);
    if (close_handles(w) < 0 && s == RS_OK)
        s = rs_error_set(err, RS_EIO, "cannot close %s/run.h5", w->dir);
    rs_io_quiet_end(&q);
    rs_status s2 = rs_io_status_write(w->dir, status, s == RS_OK ? err : NULL);
    return s != RS_OK ? s : s2;
}

void rs_io_run_destroy(rs_io_run *w)
{
    if (!w) return;
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    run_free(w);
    rs_io_quiet_end(&q);
}

int rs_io_run_nsnapshots(const rs_io_run *w) { return w ? w->nsnap : 0; }

/* run_h5.c: run.h5's file-and-counter protocol (rs_io_run_*): creates the
 * file (as run.h5.tmp until its layout is complete) with the root
 * attributes, the dimension scales x, y, z, time, /model, /timeseries and
 * /cell_types, or reopens it for a resume and truncates it; hands out the
 * sections in which components declare and append their own series
 * (section.c) and per-snapshot tables (table.c); counts snapshots (a
 * snapshot counts only once every series and table of it is complete)
 * and metric rows; marks the run finished.
 * Crash safety is flush-and-mark: each snapshot is written, the file
 * flushed, and only then the root attribute `nsnapshots` raised and
 * flushed again; readers trust only that many snapshots (docs/output.md). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <hdf5_hl.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io/io_impl.h"

/* run.h5's group layout against kills (see where they are used). */
#define RUN_SYM_LEAF_K 256
#define RUN_SECTION_HEAP ((size_t)32 * 1024)
#include "regensim/alloc.h"
#include "regensim/io.h"
#include "regensim/text.h"
#include "regensim/version.h"

/* Copies n strings; NULL on allocation failure or a NULL entry. */
static char **dup_strings(int n, const char *const *v)
{
    char **p = calloc((size_t)(n > 0 ? n : 1), sizeof *p);
    if (!p) return NULL;
    for (int i = 0; i < n; i++) {
        p[i] = v && v[i] ? rs_strdup(v[i]) : NULL;
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

/* Closes every HDF5 handle of w (sections first, then the file, then the
 * in-memory XDMF view) and marks them closed; -1 if any close of run.h5's
 * handles failed. */
static int close_handles(rs_io_run *w)
{
    int bad = 0;
    rs_io_section_free_all(w->sections);
    w->sections = NULL;
    for (int i = 0; w->metrics && i < w->nmetrics; i++) {
        if (w->metrics[i] >= 0 && H5Dclose(w->metrics[i]) < 0) bad = 1;
        w->metrics[i] = -1;
    }
    hid_t *ds[5] = {&w->time, &w->ts_time, &w->x, &w->y, &w->z};
    for (int i = 0; i < 5; i++) {
        if (*ds[i] >= 0 && H5Dclose(*ds[i]) < 0) bad = 1;
        *ds[i] = -1;
    }
    if (w->file >= 0 && H5Fclose(w->file) < 0) bad = 1;
    w->file = -1;
    rs_io_xdmf_drop(w);
    return bad ? -1 : 0;
}

/* Closes every HDF5 handle of w and frees w. */
static void run_free(rs_io_run *w)
{
    if (!w) return;
    close_handles(w);
    free(w->metrics);
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

/* Allocates one compression work space per thread that may write a
 * snapshot (at most one per chunk of a grid series); on failure leaves
 * none, and snapshots go through HDF5's filter pipeline on one thread. */
static void alloc_deflate(rs_io_run *w)
{
    rs_io_grid_chunk(&w->grid, w->chunk);
    const rs_grid *g = &w->grid;
    size_t nchunks = (((size_t)g->nz + w->chunk[1] - 1) / w->chunk[1]) *
                     (((size_t)g->ny + w->chunk[2] - 1) / w->chunk[2]) *
                     (((size_t)g->nx + w->chunk[3] - 1) / w->chunk[3]);
    int n = omp_get_max_threads();
    if ((size_t)n > nchunks) n = (int)nchunks;
    if (n < 2) return; /* one thread: HDF5 does the same */
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
    if (info->nmetrics < 0 || info->ncell_types < 0 ||
        (info->nmetrics > 0 && !info->metric_names) ||
        (info->ncell_types > 0 && !info->cell_type_names))
        return rs_error_set(err, RS_EINVAL, "run output: bad metric or cell-type lists");
    for (int i = 0; i < info->nmetrics; i++)
        if (!info->metric_names[i] || !*info->metric_names[i] ||
            strchr(info->metric_names[i], '/') || strcmp(info->metric_names[i], "time") == 0)
            return rs_error_set(err, RS_EINVAL, "run output: metric %d has no valid name "
                                                "(not empty, no '/', not \"time\")", i);
    rs_io_run *w = calloc(1, sizeof *w);
    if (!w) return rs_error_set(err, RS_ENOMEM, "out of memory");
    w->grid = info->grid;
    w->nmetrics = info->nmetrics;
    w->fmt = info->snapshots;
    if (w->fmt.deflate_level < 1 || w->fmt.deflate_level > 9) w->fmt.deflate_level = 1;
    w->dir = rs_strdup(info->dir);
    w->metric_names = dup_strings(info->nmetrics, info->metric_names);
    w->metrics = calloc((size_t)(w->nmetrics > 0 ? w->nmetrics : 1), sizeof *w->metrics);
    w->file = w->time = w->ts_time = w->x = w->y = w->z = w->xdmf_vds = -1;
    if (!w->dir || !w->metric_names || !w->metrics) {
        if (!w->metric_names) w->nmetrics = 0;
        if (w->metrics)
            for (int i = 0; i < w->nmetrics; i++) w->metrics[i] = -1;
        run_free(w);
        return rs_error_set(err, RS_ENOMEM, "out of memory");
    }
    for (int i = 0; i < w->nmetrics; i++) w->metrics[i] = -1;
    alloc_deflate(w);
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

/* Builds the protocol's layout of a new run.h5 in w->file (the scales
 * stay open in w for the sections' series). 0 or -1. */
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
    w->x = create_axis(f, "x", &w->grid, w->grid.nx);
    w->y = create_axis(f, "y", &w->grid, w->grid.ny);
    w->z = create_axis(f, "z", &w->grid, w->grid.nz);
    hid_t model = H5Gcreate2(f, "model", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t ts = H5Gcreate2(f, "timeseries", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (w->x < 0 || w->y < 0 || w->z < 0 || model < 0 || ts < 0) goto done;
    w->time = create_series(f, "time", H5T_IEEE_F64LE, 256);
    if (w->time < 0 || H5DSset_scale(w->time, "time") < 0 ||
        rs_io_attr_string(w->time, "units", "min") < 0 || rs_io_make_index(w->time) < 0)
        goto done;
    if (rs_io_write_string(model, "source", info->model_source) < 0 ||
        rs_io_write_string(model, "resolved", info->model_resolved) < 0)
        goto done;
    w->ts_time = create_series(ts, "time", H5T_IEEE_F64LE, 1024);
    if (w->ts_time < 0 || H5DSset_scale(w->ts_time, "time") < 0 ||
        rs_io_attr_string(w->ts_time, "units", "min") < 0 || rs_io_make_index(w->ts_time) < 0 ||
        rs_io_attr_int64(ts, "nrows", 0) < 0)
        goto done;
    /* The metric names in the model's order (the group lists its members
     * by name): rs_io_timeseries_read gives them back in this order. */
    if (w->nmetrics > 0 &&
        rs_io_attr_strings(ts, "metrics", w->nmetrics, (const char *const *)w->metric_names) < 0)
        goto done;
    for (int i = 0; i < w->nmetrics; i++) {
        const char *units = info->metric_units ? info->metric_units[i] : NULL;
        w->metrics[i] = create_series(ts, w->metric_names[i], H5T_IEEE_F64LE, 1024);
        if (w->metrics[i] >= 0 && units && rs_io_attr_string(w->metrics[i], "units", units) < 0)
            goto done;
        if (w->metrics[i] < 0 || H5DSattach_scale(w->metrics[i], w->ts_time, 0) < 0 ||
            rs_io_make_index(w->metrics[i]) < 0)
            goto done;
    }
    if (create_cell_types(f, info->ncell_types, info->cell_type_names) < 0) goto done;
    rc = 0;
done:
    if (model >= 0) H5Gclose(model);
    if (ts >= 0) H5Gclose(ts);
    return rc;
}

static rs_status reopen_layout(rs_io_run *w, const rs_io_run_info *info, double t,
                               const char *path, rs_error *err);
static int truncate_layout(rs_io_run *w);

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

/* "dir/run.h5" and "dir/run.h5.tmp". */
static int run_paths(const rs_io_run *w, char *path, size_t size, char *tmp, size_t tsize)
{
    if (rs_io_path(path, size, w->dir, "run.h5") != 0) return -1;
    int n = snprintf(tmp, tsize, "%s.tmp", path);
    return n < 0 || (size_t)n >= tsize ? -1 : 0;
}

rs_status rs_io_run_create(rs_io_run **out, const rs_io_run_info *info, rs_error *err)
{
    if (!out) return rs_error_set(err, RS_EINVAL, "rs_io_run_create: out is NULL");
    *out = NULL;
    rs_io_run *w;
    rs_status s = run_alloc(&w, info, err);
    if (s != RS_OK) return s;
    s = rs_io_dir_prepare(w->dir, info->force, err);
    if (s == RS_OK) s = rs_io_reserve_make(w->dir, err);
    if (s != RS_OK) {
        run_free(w);
        return s;
    }
    char path[4096], tmp[4200];
    if (run_paths(w, path, sizeof path, tmp, sizeof tmp) != 0) {
        run_free(w);
        return rs_error_set(err, RS_EINVAL, "output path too long: %s", info->dir);
    }
    /* The layout is built in run.h5.tmp, which takes the name run.h5 in
     * rs_io_run_ready, so a kill during creation leaves no half-made run.h5. */
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    /* Never reuse freed file space within a session: a metadata block that
     * moves (an index growing, an object header extended) leaves its old
     * copy, still referenced by what was last flushed, untouched, so a kill
     * before the next flush cannot overwrite what the counted snapshots'
     * index points to. (With reuse, a new chunk written over a freed index
     * block corrupted a counted snapshot in about 1 kill in 200.) The
     * strategy is stored in the file and applies whenever it is reopened. */
    /* A group's symbol-table leaf holds 2 x RUN_SYM_LEAF_K entries: a leaf
     * that splits moves half its entries to a new node written after it in
     * the next flush, and a kill between the two writes loses them. The
     * per-snapshot groups of a table (/cells/<k>) would split every 8
     * snapshots with HDF5's default; with this, every 512 (larger leaves
     * cost file space: each is rewritten whole). */
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    if (fcpl >= 0 && H5Pset_file_space_strategy(fcpl, H5F_FSPACE_STRATEGY_NONE, 0,
                                                (hsize_t)1) >= 0 &&
        H5Pset_sym_k(fcpl, 16, RUN_SYM_LEAF_K) >= 0)
        w->file = H5Fcreate(tmp, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
    if (fcpl >= 0) H5Pclose(fcpl);
    w->creating = 1;
    if (w->file < 0)
        s = rs_error_set(err, RS_EIO, "cannot create %s", tmp);
    else if (create_layout(w, info) < 0)
        s = rs_error_set(err, RS_EIO, "cannot write the layout of %s", tmp);
    rs_io_quiet_end(&q);
    if (s != RS_OK) {
        rs_io_run_destroy(w);
        return s;
    }
    *out = w;
    return RS_OK;
}

/* A section's group, its local heap (the names of its members) made room
 * for RUN_SECTION_HEAP bytes at once: a heap that outgrows its block moves,
 * and the group's pointer to the new block could reach the file before
 * the block does (a kill between: every member's name lost, counted
 * snapshots' tables too). Room for some 4,000 snapshot groups. */
static hid_t section_group_create(hid_t file, const char *name)
{
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    hid_t g = -1;
    if (gcpl >= 0 && H5Pset_local_heap_size_hint(gcpl, RUN_SECTION_HEAP) >= 0)
        g = H5Gcreate2(file, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    if (gcpl >= 0) H5Pclose(gcpl);
    return g;
}

rs_status rs_io_run_section(rs_io_run *w, const char *name, rs_io_section **sec, rs_error *err)
{
    if (!w || w->file < 0 || !name || !*name || strchr(name, '/') || !sec)
        return rs_error_set(err, RS_EINVAL, "run section: bad arguments");
    if (w->ready)
        return rs_error_set(err, RS_EINVAL, "run section %s: the layout is already complete",
                            name);
    for (rs_io_section *p = w->sections; p; p = p->next)
        if (strcmp(p->name, name) == 0) {
            *sec = p;
            return RS_OK;
        }
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    hid_t g = H5Lexists(w->file, name, H5P_DEFAULT) > 0
                  ? H5Gopen2(w->file, name, H5P_DEFAULT)
                  : (w->creating ? section_group_create(w->file, name) : -1);
    rs_io_quiet_end(&q);
    if (g < 0)
        return rs_error_set(err, w->creating ? RS_EIO : RS_EINVAL,
                            "%s/run.h5: cannot %s group /%s", w->dir,
                            w->creating ? "create" : "find", name);
    rs_io_section *s = rs_io_section_new(g, name, w, 1);
    if (!s) return rs_error_set(err, RS_ENOMEM, "out of memory");
    /* Appended at the end: run.xmf lists series in declaration order. */
    rs_io_section **tail = &w->sections;
    while (*tail) tail = &(*tail)->next;
    *tail = s;
    *sec = s;
    return RS_OK;
}

rs_status rs_io_run_ready(rs_io_run *w, rs_error *err)
{
    if (!w || w->file < 0) return rs_error_set(err, RS_EINVAL, "run output is not open");
    if (w->ready) return RS_OK;
    rs_status s = RS_OK;
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    hid_t *scales[3] = {&w->x, &w->y, &w->z};
    for (int i = 0; i < 3; i++) {
        if (*scales[i] >= 0) H5Dclose(*scales[i]);
        *scales[i] = -1;
    }
    errno = 0;
    if (!w->creating && truncate_layout(w) < 0)
        s = rs_error_set(err, RS_EIO,
                         "cannot truncate %s/run.h5 to its %d counted snapshots: a chunk index "
                         "is unreadable (a kill during a flush can leave it so); the counted "
                         "snapshots can still be read, but this run cannot be resumed",
                         w->dir, w->nsnap);
    else if (H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0)
        s = rs_error_set(err, RS_EIO, "cannot flush %s/run.h5: %s", w->dir, rs_io_reason());
    rs_io_quiet_end(&q);
    if (s == RS_OK && w->creating) {
        /* The layout is whole on disk: now it may be called run.h5 (the
         * file stays open; its descriptor follows the rename). */
        char path[4096], tmp[4200];
        if (run_paths(w, path, sizeof path, tmp, sizeof tmp) != 0 ||
            rs_io_fsync_path(tmp) != 0 || rename(tmp, path) != 0)
            s = rs_error_set(err, RS_EIO, "cannot move %s/run.h5.tmp to run.h5", w->dir);
        else
            w->creating = 0;
    }
    if (s == RS_OK) s = rs_io_xdmf_write(w, err);
    if (s == RS_OK) s = rs_io_status_write(w->dir, "running", err);
    if (s == RS_OK) w->ready = 1;
    return s;
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
static rs_status reopen_layout(rs_io_run *w, const rs_io_run_info *info, double t,
                               const char *path, rs_error *err)
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
    /* The file must be this model's output: the resolved model texts agree
     * (a run.h5 of another model would be continued and the two mixed). */
    if (info->model_resolved) {
        char *text = NULL;
        int same = rs_io_read_string(f, "model/resolved", &text) == 0 &&
                   strcmp(text, info->model_resolved) == 0;
        free(text);
        if (!same)
            return rs_error_set(err, RS_EINVAL,
                                "%s was written by a different model (or other --set "
                                "overrides) than this run's: it cannot be continued", path);
    }
    for (int i = 0; i < w->nmetrics; i++) {
        char name[512];
        snprintf(name, sizeof name, "timeseries/%s", w->metric_names[i]);
        w->metrics[i] = H5Dopen2(f, name, H5P_DEFAULT);
        if (w->metrics[i] < 0)
            return rs_error_set(err, RS_EINVAL, "%s: metric %s is missing", path,
                                w->metric_names[i]);
    }
    /* The grid: the scales must match it (checked before anything is
     * changed; the sections' series are checked as they are declared). */
    const char *axes[3] = {"x", "y", "z"};
    const int n[3] = {w->grid.nx, w->grid.ny, w->grid.nz};
    for (int a = 0; a < 3; a++) {
        hid_t d = H5Dopen2(f, axes[a], H5P_DEFAULT);
        hid_t sp = d >= 0 ? H5Dget_space(d) : -1;
        hssize_t len = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
        if (sp >= 0) H5Sclose(sp);
        if (d >= 0) H5Dclose(d);
        if (len != n[a])
            return rs_error_set(err, RS_EINVAL, "%s is not on a %dx%dx%d grid (/%s has %lld "
                                "values)", path, w->grid.nx, w->grid.ny, w->grid.nz, axes[a],
                                (long long)len);
    }
    /* Which snapshots and metric rows to keep: those at or before t. The
     * file is truncated only in rs_io_run_ready, once every section's
     * series has been found to fit. */
    if (reserve_times(w, (int)nsnap + 1) < 0) return rs_error_set(err, RS_ENOMEM, "out of memory");
    if (read_prefix(w->time, (hsize_t)nsnap, w->times) < 0)
        return rs_error_set(err, RS_EIO, "cannot read /time of %s", path);
    w->nsnap = (int)count_upto(w->times, nsnap, t);
    double *rt = malloc((size_t)(nrows > 0 ? nrows : 1) * sizeof *rt);
    if (!rt) return rs_error_set(err, RS_ENOMEM, "out of memory");
    int bad = read_prefix(w->ts_time, (hsize_t)nrows, rt) < 0;
    if (!bad) w->nrows = count_upto(rt, nrows, t);
    free(rt);
    if (bad) return rs_error_set(err, RS_EIO, "cannot read /timeseries/time of %s", path);
    return RS_OK;
}

/* Truncates a reopened file to the snapshots and rows kept: every series,
 * /time and the counters, the metric rows; status "running". 0 or -1. */
static int truncate_layout(rs_io_run *w)
{
    hid_t f = w->file;
    int bad = 0;
    hsize_t d1 = (hsize_t)w->nsnap;
    for (rs_io_section *sec = w->sections; sec; sec = sec->next) {
        for (int i = 0; i < sec->nseries; i++) {
            hsize_t d4[4] = {(hsize_t)w->nsnap, (hsize_t)w->grid.nz, (hsize_t)w->grid.ny,
                             (hsize_t)w->grid.nx};
            if (H5Dset_extent(sec->series[i].d, d4) < 0) bad = 1;
        }
        if (sec->time >= 0 && H5Dset_extent(sec->time, &d1) < 0) bad = 1;
        if (rs_io_table_truncate(sec, w->nsnap) < 0) bad = 1;
    }
    if (bad || H5Dset_extent(w->time, &d1) < 0 ||
        rs_io_attr_int64(f, "nsnapshots", w->nsnap) < 0)
        return -1;
    d1 = (hsize_t)w->nrows;
    for (int i = 0; i < w->nmetrics; i++)
        if (H5Dset_extent(w->metrics[i], &d1) < 0) bad = 1;
    hid_t ts = H5Gopen2(f, "timeseries", H5P_DEFAULT);
    if (bad || H5Dset_extent(w->ts_time, &d1) < 0 || ts < 0 ||
        rs_io_attr_int64(ts, "nrows", w->nrows) < 0)
        bad = 1;
    if (ts >= 0) H5Gclose(ts);
    if (bad || rs_io_attr_string(f, "status", "running") < 0) return -1;
    return 0;
}

rs_status rs_io_run_reopen(rs_io_run **out, const rs_io_run_info *info, double t,
                           rs_error *err)
{
    if (!out) return rs_error_set(err, RS_EINVAL, "rs_io_run_reopen: out is NULL");
    *out = NULL;
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
        s = reopen_layout(w, info, t, path, err);
    rs_io_quiet_end(&q);
    if (s == RS_OK) s = rs_io_reserve_make(w->dir, err);
    if (s != RS_OK) {
        rs_io_run_destroy(w);
        return s;
    }
    *out = w;
    return RS_OK;
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

rs_status rs_io_run_snapshot_begin(rs_io_run *w, double t, rs_error *err)
{
    if (!w || w->file < 0 || !w->ready)
        return rs_error_set(err, RS_EINVAL, "run output is not open and ready");
    if (!isfinite(t)) return rs_error_set(err, RS_EINVAL, "snapshot time %g is not finite", t);
    if (w->nsnap == INT32_MAX || reserve_times(w, w->nsnap + 1) < 0)
        return rs_error_set(err, RS_ENOMEM, "out of memory");
    /* Room for the snapshot uncompressed, before a byte of it is written. */
    double bytes = 0;
    for (const rs_io_section *sec = w->sections; sec; sec = sec->next)
        bytes += (double)sec->nseries * (double)rs_grid_voxels(&w->grid) *
                 (w->fmt.float32 ? 4.0 : 8.0);
    char what[64];
    snprintf(what, sizeof what, "snapshot %d", w->nsnap);
    rs_status s = rs_io_space_check(w->dir, bytes, what, err);
    if (s != RS_OK) return s;
    w->in_snapshot = 1;
    w->snap_t = t;
    return RS_OK;
}

rs_status rs_io_run_snapshot_commit(rs_io_run *w, rs_error *err)
{
    if (!w || w->file < 0 || !w->in_snapshot)
        return rs_error_set(err, RS_EINVAL, "no snapshot begun");
    w->in_snapshot = 0;
    for (const rs_io_section *sec = w->sections; sec; sec = sec->next)
        for (int i = 0; i < sec->nseries; i++)
            if (sec->series[i].nwritten != w->nsnap + 1)
                return rs_error_set(err, RS_EINVAL, "snapshot %d: %s was not written", w->nsnap,
                                    sec->series[i].path);
    for (const rs_io_section *sec = w->sections; sec; sec = sec->next)
        if (sec->table && (sec->table->g >= 0 || sec->table->nwritten != w->nsnap + 1))
            return rs_error_set(err, RS_EINVAL, "snapshot %d: the table of /%s was not completed",
                                w->nsnap, sec->name);
    rs_status s = RS_OK;
    hsize_t k = (hsize_t)w->nsnap;
    errno = 0;
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    /* The data first (with the time in every scale), flushed; then the
     * counter that makes it count. */
    int bad = 0;
    for (const rs_io_section *sec = w->sections; sec; sec = sec->next)
        if (sec->time >= 0 && append_value(sec->time, k, w->snap_t) < 0) bad = 1;
    if (bad || append_value(w->time, k, w->snap_t) < 0 || H5Fflush(w->file, H5F_SCOPE_LOCAL) < 0 ||
        rs_io_attr_int64(w->file, "nsnapshots", (int64_t)k + 1) < 0 ||
        H5Fflush(w->file, H5F_SCOPE_LOCAL) < 0)
        s = rs_error_set(err, RS_EIO, "cannot flush snapshot %d to %s/run.h5: %s", w->nsnap,
                         w->dir, rs_io_reason());
    rs_io_quiet_end(&q);
    if (s != RS_OK) return s;
    w->times[w->nsnap++] = w->snap_t;
    return rs_io_xdmf_write(w, err);
}

rs_status rs_io_run_metrics(rs_io_run *w, double t, const double *values, rs_error *err)
{
    if (!w || w->file < 0 || !w->ready) return rs_error_set(err, RS_EINVAL, "run output is not open");
    if (!isfinite(t)) return rs_error_set(err, RS_EINVAL, "metric time %g is not finite", t);
    if (w->nmetrics > 0 && !values) return rs_error_set(err, RS_EINVAL, "no metric values given");
    rs_status s = RS_OK;
    hsize_t k = (hsize_t)w->nrows;
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    for (int i = 0; i < w->nmetrics && s == RS_OK; i++)
        if (append_value(w->metrics[i], k, values[i]) < 0)
            s = rs_error_set(err, RS_EIO, "cannot write metric %s to %s/run.h5: %s",
                             w->metric_names[i], w->dir, rs_io_reason());
    hid_t ts = -1;
    if (s == RS_OK &&
        (append_value(w->ts_time, k, t) < 0 || H5Fflush(w->file, H5F_SCOPE_LOCAL) < 0 ||
         (ts = H5Gopen2(w->file, "timeseries", H5P_DEFAULT)) < 0 ||
         rs_io_attr_int64(ts, "nrows", (int64_t)k + 1) < 0 ||
         H5Fflush(w->file, H5F_SCOPE_LOCAL) < 0))
        s = rs_error_set(err, RS_EIO, "cannot flush metrics to %s/run.h5: %s", w->dir,
                         rs_io_reason());
    if (ts >= 0) H5Gclose(ts);
    rs_io_quiet_end(&q);
    if (s == RS_OK) w->nrows++;
    return s;
}

rs_status rs_io_run_finish(rs_io_run *w, int ok, const char *message, rs_error *err)
{
    if (!w || w->file < 0 || !w->ready) return rs_error_set(err, RS_EINVAL, "run output is not open");
    char status[1024];
    if (ok)
        snprintf(status, sizeof status, "completed");
    else
        snprintf(status, sizeof status, "failed: %s", message && *message ? message : "unknown");
    for (char *c = status; *c; c++) /* the status file is one line */
        if (*c == '\n' || *c == '\r') *c = ' ';
    rs_status s = RS_OK;
    /* The reserve goes first: whatever filled the disk, the last flush and
     * the status now have room. */
    rs_io_reserve_release(w->dir);
    errno = 0;
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    if (rs_io_attr_string(w->file, "status", status) < 0 || H5Fflush(w->file, H5F_SCOPE_LOCAL) < 0)
        s = rs_error_set(err, RS_EIO, "cannot write the status of %s/run.h5: %s", w->dir,
                         rs_io_reason());
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
    int abandoned = w->creating;
    char path[4096], tmp[4200];
    int named = run_paths(w, path, sizeof path, tmp, sizeof tmp) == 0;
    rs_io_reserve_release(w->dir);
    close_handles(w);
    if (abandoned && named) unlink(tmp); /* a layout never completed */
    run_free(w);
    rs_io_quiet_end(&q);
}

int rs_io_run_nsnapshots(const rs_io_run *w) { return w ? w->nsnap : 0; }

double rs_io_run_snapshot_time(const rs_io_run *w, int k)
{
    return w && k >= 0 && k < w->nsnap ? w->times[k] : NAN;
}

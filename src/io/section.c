/* section.c: rs_io_section, the one interface through which components
 * write their own parts of run.h5 and checkpoint.h5 (regensim/io.h). A
 * section is an HDF5 group. In run.h5 it holds grid series, [T, nz, ny, nx]
 * datasets appended once per snapshot (created in a new file; reopened,
 * checked and truncated to the counted snapshots in a resumed one); the
 * snapshot's chunks are deflated on all threads and written with
 * H5Dwrite_chunk (its per-snapshot tables are table.c's). In checkpoint.h5
 * it holds whole arrays (doubles, uint64) and attributes, read back with
 * their shapes and checksums checked. The file protocols themselves
 * (counters, atomic renames) are run_h5.c's and checkpoint.c's. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <hdf5_hl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/io_impl.h"
#include "regensim/alloc.h"
#include "regensim/text.h"

/* Largest chunk of a grid series (bytes). */
#define RS_IO_CHUNK_BYTES (4u << 20)

rs_io_section *rs_io_section_new(hid_t group, const char *name, rs_io_run *run, int writing)
{
    rs_io_section *s = calloc(1, sizeof *s);
    char *n = rs_strdup(name);
    if (!s || !n) {
        free(s);
        free(n);
        H5Gclose(group);
        return NULL;
    }
    s->group = group;
    s->name = n;
    s->run = run;
    s->writing = writing;
    s->time = s->x = s->y = s->z = -1;
    return s;
}

void rs_io_section_free_all(rs_io_section *s)
{
    while (s) {
        rs_io_section *next = s->next;
        for (int i = 0; i < s->nseries; i++) {
            if (s->series[i].d >= 0) H5Dclose(s->series[i].d);
            free(s->series[i].name);
            free(s->series[i].path);
        }
        free(s->series);
        rs_io_table_free(s->table);
        hid_t *scales[4] = {&s->time, &s->x, &s->y, &s->z};
        for (int i = 0; i < 4; i++)
            if (*scales[i] >= 0) H5Dclose(*scales[i]);
        if (s->group >= 0) H5Gclose(s->group);
        free(s->name);
        free(s);
        s = next;
    }
}

void rs_io_grid_chunk(const rs_grid *g, hsize_t c[4])
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

/* A 1D dimension scale `name` in group: fixed (n values: voxel centres of
 * grid g, in um) or, with n < 0, empty and extendible (snapshot times, in
 * min). -1 on failure. */
static hid_t create_scale(hid_t group, const char *name, const rs_grid *g, int n)
{
    hsize_t dim = n < 0 ? 0 : (hsize_t)n, maxdim = n < 0 ? H5S_UNLIMITED : dim, chunk = 256;
    hid_t s = H5Screate_simple(1, &dim, &maxdim);
    hid_t p = H5Pcreate(H5P_DATASET_CREATE);
    hid_t d = -1;
    if (s >= 0 && p >= 0 && (n >= 0 || H5Pset_chunk(p, 1, &chunk) >= 0))
        d = H5Dcreate2(group, name, H5T_IEEE_F64LE, s, H5P_DEFAULT, p, H5P_DEFAULT);
    if (p >= 0) H5Pclose(p);
    if (s >= 0) H5Sclose(s);
    if (d < 0) return -1;
    int bad = 0;
    if (n > 0) {
        double *v = malloc((size_t)n * sizeof *v);
        if (v) {
            for (int i = 0; i < n; i++) v[i] = rs_grid_centre(g, i);
            bad = H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0;
            free(v);
        } else {
            bad = 1;
        }
    }
    if (bad || H5DSset_scale(d, name) < 0 ||
        rs_io_attr_string(d, "units", n < 0 ? "min" : "um") < 0 ||
        (n < 0 && rs_io_make_index(d) < 0)) {
        H5Dclose(d);
        return -1;
    }
    return d;
}

/* The section's own scales time, z, y, x: created with its first grid
 * series in a new file, opened in a reopened one. 0 or -1. */
static int section_scales(rs_io_section *sec)
{
    if (sec->time >= 0) return 0;
    rs_io_run *w = sec->run;
    if (w->creating) {
        sec->time = create_scale(sec->group, "time", &w->grid, -1);
        sec->x = create_scale(sec->group, "x", &w->grid, w->grid.nx);
        sec->y = create_scale(sec->group, "y", &w->grid, w->grid.ny);
        sec->z = create_scale(sec->group, "z", &w->grid, w->grid.nz);
    } else {
        /* it must hold at least the snapshots kept */
        sec->time = H5Dopen2(sec->group, "time", H5P_DEFAULT);
        hid_t sp = sec->time >= 0 ? H5Dget_space(sec->time) : -1;
        hssize_t n = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
        if (sp >= 0) H5Sclose(sp);
        if (n < w->nsnap) {
            if (sec->time >= 0) H5Dclose(sec->time);
            sec->time = -1;
        }
    }
    return sec->time >= 0 && (!w->creating || (sec->x >= 0 && sec->y >= 0 && sec->z >= 0))
               ? 0
               : -1;
}

/* Creates a grid series dataset with its filters, units and scales. */
static hid_t create_series(rs_io_run *w, const rs_io_section *sec, const char *name,
                           const char *units)
{
    hid_t group = sec->group;
    const rs_grid *g = &w->grid;
    hsize_t dims[4] = {0, (hsize_t)g->nz, (hsize_t)g->ny, (hsize_t)g->nx};
    hsize_t maxd[4] = {H5S_UNLIMITED, dims[1], dims[2], dims[3]};
    hid_t s = H5Screate_simple(4, dims, maxd);
    hid_t p = H5Pcreate(H5P_DATASET_CREATE);
    hid_t d = -1;
    int ok = s >= 0 && p >= 0 && H5Pset_chunk(p, 4, w->chunk) >= 0 &&
             H5Pset_fill_time(p, H5D_FILL_TIME_NEVER) >= 0;
    if (ok && !w->fmt.no_compression)
        ok = H5Pset_shuffle(p) >= 0 && H5Pset_deflate(p, (unsigned)w->fmt.deflate_level) >= 0;
    if (ok)
        d = H5Dcreate2(group, name, w->fmt.float32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE, s,
                       H5P_DEFAULT, p, H5P_DEFAULT);
    if (p >= 0) H5Pclose(p);
    if (s >= 0) H5Sclose(s);
    if (d < 0) return -1;
    if (rs_io_attr_string(d, "units", units ? units : "") < 0 || rs_io_make_index(d) < 0 ||
        H5DSattach_scale(d, sec->time, 0) < 0 || H5DSattach_scale(d, sec->z, 1) < 0 ||
        H5DSattach_scale(d, sec->y, 2) < 0 || H5DSattach_scale(d, sec->x, 3) < 0) {
        H5Dclose(d);
        return -1;
    }
    return d;
}

/* Opens an existing grid series and checks it lies on the run's grid and
 * holds the snapshots kept (rs_io_run_ready truncates it to them). */
static rs_status reopen_series(rs_io_run *w, hid_t group, const char *name, hid_t *out,
                               rs_error *err)
{
    const rs_grid *g = &w->grid;
    hid_t d = H5Dopen2(group, name, H5P_DEFAULT);
    hsize_t dims[4] = {0};
    hid_t s = d >= 0 ? H5Dget_space(d) : -1;
    int ok = s >= 0 && H5Sget_simple_extent_ndims(s) == 4 &&
             H5Sget_simple_extent_dims(s, dims, NULL) == 4 && dims[1] == (hsize_t)g->nz &&
             dims[2] == (hsize_t)g->ny && dims[3] == (hsize_t)g->nx &&
             dims[0] >= (hsize_t)w->nsnap;
    if (s >= 0) H5Sclose(s);
    if (!ok) {
        if (d >= 0) H5Dclose(d);
        return rs_error_set(err, RS_EINVAL,
                            "%s/run.h5: %s is missing, not on a %dx%dx%d grid or shorter than "
                            "the %d counted snapshots",
                            w->dir, name, g->nx, g->ny, g->nz, w->nsnap);
    }
    *out = d;
    return RS_OK;
}

rs_status rs_io_section_grid_series(rs_io_section *sec, const char *name, const char *units,
                                    int *handle, rs_error *err)
{
    if (!sec || !sec->run || !name || !*name || strchr(name, '/') || !handle)
        return rs_error_set(err, RS_EINVAL, "grid series: bad section or name '%s'",
                            name ? name : "(null)");
    static const char *const scales[] = {"time", "x", "y", "z"};
    for (int i = 0; i < 4; i++)
        if (strcmp(name, scales[i]) == 0)
            return rs_error_set(err, RS_EINVAL,
                                "grid series '%s': the name of one of the section's dimension "
                                "scales (time, x, y, z); expected another name", name);
    rs_io_run *w = sec->run;
    if (w->ready)
        return rs_error_set(err, RS_EINVAL, "grid series %s: the layout is already complete",
                            name);
    if (sec->nseries == sec->cap) {
        int cap = sec->cap ? 2 * sec->cap : 8;
        rs_io_series *p = realloc(sec->series, (size_t)cap * sizeof *p);
        if (!p) return rs_error_set(err, RS_ENOMEM, "out of memory");
        sec->series = p;
        sec->cap = cap;
    }
    rs_io_series *ser = &sec->series[sec->nseries];
    memset(ser, 0, sizeof *ser);
    ser->d = -1;
    size_t plen = strlen(sec->name) + strlen(name) + 2;
    ser->name = rs_strdup(name);
    ser->path = malloc(plen);
    if (!ser->name || !ser->path) {
        free(ser->name);
        free(ser->path);
        return rs_error_set(err, RS_ENOMEM, "out of memory");
    }
    snprintf(ser->path, plen, "%s/%s", sec->name, name);
    rs_status st = RS_OK;
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    if (section_scales(sec) < 0)
        st = rs_error_set(err, w->creating ? RS_EIO : RS_EINVAL,
                          "%s/run.h5: cannot %s the scales of /%s (a file of an older "
                          "regensim?)",
                          w->dir, w->creating ? "create" : "find", sec->name);
    else if (w->creating) {
        ser->d = create_series(w, sec, name, units);
        if (ser->d < 0)
            st = rs_error_set(err, RS_EIO, "%s/run.h5: cannot create %s", w->dir, ser->path);
    } else {
        st = reopen_series(w, sec->group, name, &ser->d, err);
    }
    rs_io_quiet_end(&q);
    if (st != RS_OK) {
        free(ser->name);
        free(ser->path);
        return st;
    }
    ser->nwritten = w->nsnap;
    *handle = sec->nseries++;
    return RS_OK;
}

/* Writes one [nz, ny, nx] array at index k of a [T, nz, ny, nx] dataset
 * (already extended) through HDF5's own filter pipeline. */
static int append_hdf5(hid_t d, const rs_grid *g, hsize_t k, const double *v)
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

/* Appends snapshot k of one grid series: extends the dataset, then packs
 * (and deflates, unless the format says none) its chunks nbufs at a time on
 * OpenMP threads and writes them with H5Dwrite_chunk (or, with no work
 * spaces, through HDF5's pipeline). */
static int append_grid(rs_io_run *w, hid_t d, hsize_t k, const double *v)
{
    const rs_grid *g = &w->grid;
    hsize_t dims[4] = {k + 1, (hsize_t)g->nz, (hsize_t)g->ny, (hsize_t)g->nx};
    if (H5Dset_extent(d, dims) < 0) return -1;
    if (w->nbufs < 2 || !chunks_match(w, d)) return append_hdf5(d, g, k, v);
    const size_t cz = w->chunk[1], cy = w->chunk[2], cx = w->chunk[3];
    const size_t nzc = ((size_t)g->nz + cz - 1) / cz, nyc = ((size_t)g->ny + cy - 1) / cy,
                 nxc = ((size_t)g->nx + cx - 1) / cx, nch = nzc * nyc * nxc;
    for (size_t c0 = 0; c0 < nch; c0 += (size_t)w->nbufs) {
        const int nw = nch - c0 < (size_t)w->nbufs ? (int)(nch - c0) : w->nbufs;
#pragma omp parallel for num_threads(nw) schedule(static, 1)
        for (int j = 0; j < nw; j++) {
            size_t id = c0 + (size_t)j;
            rs_io_chunk_deflate(v, g, id / (nyc * nxc) * cz, id / nxc % nyc * cy,
                                id % nxc * cx, cz, cy, cx,
                                w->fmt.no_compression ? 0 : w->fmt.deflate_level,
                                w->fmt.float32, &w->bufs[j]);
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

rs_status rs_io_section_append_grid(rs_io_section *sec, int handle, const double *v,
                                    rs_error *err)
{
    if (!sec || !sec->run || handle < 0 || handle >= sec->nseries || !v)
        return rs_error_set(err, RS_EINVAL, "append: bad section, series or array");
    rs_io_run *w = sec->run;
    rs_io_series *ser = &sec->series[handle];
    if (!w->in_snapshot)
        return rs_error_set(err, RS_EINVAL, "append to %s: no snapshot begun", ser->path);
    if (ser->nwritten != w->nsnap)
        return rs_error_set(err, RS_EINVAL, "append to %s: already written for snapshot %d",
                            ser->path, w->nsnap);
    errno = 0;
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    int bad = append_grid(w, ser->d, (hsize_t)w->nsnap, v) < 0;
    rs_io_quiet_end(&q);
    if (bad)
        return rs_error_set(err, RS_EIO, "cannot write snapshot %d of %s to %s/run.h5: %s",
                            w->nsnap, ser->path, w->dir, rs_io_reason());
    ser->nwritten++;
    return RS_OK;
}

/* ---- checkpoint sections ------------------------------------------------ */

/* Checks that sec is a checkpoint section in the wanted mode. */
static rs_status check_mode(const rs_io_section *sec, int writing, const char *name,
                            rs_error *err)
{
    if (!sec || sec->run || !name || !*name)
        return rs_error_set(err, RS_EINVAL, "checkpoint section: bad arguments");
    if (sec->writing != writing)
        return rs_error_set(err, RS_EINVAL, "checkpoint %s/%s: the file is open for %s",
                            sec->name, name, sec->writing ? "writing" : "reading");
    return RS_OK;
}

/* A checksum of n 8-byte values (doubles or uint64): Fletcher's two
 * running sums over the 32-bit halves of each value, in 64-bit arithmetic, mixed. Any flipped bit, and
 * any swap of two values, changes it. (HDF5's Fletcher-32 filter does the
 * same job but needs chunked datasets and tripled a checkpoint's cost.) */
static uint64_t checksum(const void *v, size_t n)
{
    const uint32_t *w = (const uint32_t *)v;
    uint64_t a = 0x9E3779B97F4A7C15ull, b = 0;
    for (size_t i = 0; i < 2 * n; i++) {
        a += w[i];
        b += a;
    }
    return a ^ (b * 0xBF58476D1CE4E5B9ull);
}

/* Writes an array of 8-byte values (file type ftype, memory type mtype)
 * with its checksum into a checkpoint section. */
static rs_status put_array(rs_io_section *sec, const char *name, int rank, const size_t *dims,
                           hid_t ftype, hid_t mtype, const void *v, rs_error *err)
{
    rs_status st = check_mode(sec, 1, name, err);
    if (st != RS_OK) return st;
    if (rank < 1 || rank > 4 || !dims || !v)
        return rs_error_set(err, RS_EINVAL, "checkpoint %s: bad rank, dims or array", name);
    hsize_t hd[4];
    size_t n = 1;
    for (int i = 0; i < rank; i++) {
        hd[i] = (hsize_t)dims[i];
        n *= dims[i];
    }
    char what[300];
    snprintf(what, sizeof what, "%s/%s of the checkpoint", sec->name, name);
    if (sec->file && (st = rs_io_space_check(sec->file, 8.0 * (double)n, what, err)) != RS_OK)
        return st;
    errno = 0;
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    hid_t s = H5Screate_simple(rank, hd, NULL);
    hid_t d = s >= 0 ? H5Dcreate2(sec->group, name, ftype, s, H5P_DEFAULT, H5P_DEFAULT,
                                  H5P_DEFAULT)
                     : -1;
    /* every array carries its checksum, checked when it is read, so a
     * flipped byte is refused rather than resumed from */
    int bad = d < 0 || (n > 0 && H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) ||
              rs_io_attr_uint64(d, "checksum", checksum(v, n)) < 0;
    if (d >= 0) H5Dclose(d);
    if (s >= 0) H5Sclose(s);
    rs_io_quiet_end(&q);
    return bad ? rs_error_set(err, RS_EIO, "cannot write %s/%s to the checkpoint: %s", sec->name,
                              name, rs_io_reason())
               : RS_OK;
}

/* Reads an array written by put_array, checking its shape and checksum. */
static rs_status get_array(rs_io_section *sec, const char *name, int rank, const size_t *dims,
                           hid_t mtype, void *v, rs_error *err)
{
    rs_status st = check_mode(sec, 0, name, err);
    if (st != RS_OK) return st;
    if (rank < 1 || rank > 4 || !dims || !v)
        return rs_error_set(err, RS_EINVAL, "checkpoint %s: bad rank, dims or array", name);
    size_t n = 1;
    for (int i = 0; i < rank; i++) n *= dims[i];
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    hid_t d = H5Dopen2(sec->group, name, H5P_DEFAULT);
    hid_t s = d >= 0 ? H5Dget_space(d) : -1;
    hsize_t have[4] = {0, 0, 0, 0};
    int hr = s >= 0 ? H5Sget_simple_extent_ndims(s) : -1;
    int same = hr == rank && H5Sget_simple_extent_dims(s, have, NULL) == rank;
    for (int i = 0; same && i < rank; i++) same = have[i] == (hsize_t)dims[i];
    int bad = !same || (n > 0 && H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0);
    uint64_t sum = 0;
    int corrupt = 0;
    if (!bad)
        corrupt = rs_io_attr_read_uint64(d, "checksum", &sum) < 0 || sum != checksum(v, n);
    if (s >= 0) H5Sclose(s);
    if (d >= 0) H5Dclose(d);
    rs_io_quiet_end(&q);
    if (d < 0) return rs_error_set(err, RS_EIO, "the checkpoint has no %s/%s", sec->name, name);
    if (!same) {
        char want[96] = "", got[96] = "";
        for (int i = 0; i < rank; i++)
            snprintf(want + strlen(want), sizeof want - strlen(want), "%s%zu", i ? "x" : "",
                     dims[i]);
        for (int i = 0; i < hr && i < 4; i++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%llu", i ? "x" : "",
                     (unsigned long long)have[i]);
        return rs_error_set(err, RS_EIO, "checkpoint %s/%s holds %s values; expected %s",
                            sec->name, name, hr == rank ? got : "an array of another rank",
                            want);
    }
    if (bad) return rs_error_set(err, RS_EIO, "cannot read %s/%s from the checkpoint", sec->name,
                                 name);
    return corrupt ? rs_error_set(err, RS_EIO,
                                  "the checkpoint's %s/%s is corrupt (its checksum does not "
                                  "match its data)",
                                  sec->name, name)
                   : RS_OK;
}

rs_status rs_io_section_put_doubles(rs_io_section *sec, const char *name, int rank,
                                    const size_t *dims, const double *v, rs_error *err)
{
    return put_array(sec, name, rank, dims, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, v, err);
}

rs_status rs_io_section_get_doubles(rs_io_section *sec, const char *name, int rank,
                                    const size_t *dims, double *v, rs_error *err)
{
    return get_array(sec, name, rank, dims, H5T_NATIVE_DOUBLE, v, err);
}

rs_status rs_io_section_put_uint64s(rs_io_section *sec, const char *name, size_t n,
                                    const uint64_t *v, rs_error *err)
{
    return put_array(sec, name, 1, &n, H5T_STD_U64LE, H5T_NATIVE_UINT64, v, err);
}

rs_status rs_io_section_get_uint64s(rs_io_section *sec, const char *name, size_t n,
                                    uint64_t *v, rs_error *err)
{
    return get_array(sec, name, 1, &n, H5T_NATIVE_UINT64, v, err);
}

/* Writes or reads one attribute of a checkpoint section through the
 * h5util helper f (of the same shape for every type). */
#define RS_SECTION_ATTR(put, get, type, writer, reader)                                     \
    rs_status put(rs_io_section *sec, const char *name, type v, rs_error *err)             \
    {                                                                                      \
        rs_status st = check_mode(sec, 1, name, err);                                      \
        if (st != RS_OK) return st;                                                        \
        rs_io_quiet q;                                                                     \
        rs_io_quiet_begin(&q);                                                             \
        int bad = writer(sec->group, name, v) < 0;                                         \
        rs_io_quiet_end(&q);                                                               \
        return bad ? rs_error_set(err, RS_EIO, "cannot write attribute %s of %s", name,    \
                                  sec->name)                                               \
                   : RS_OK;                                                                \
    }                                                                                      \
    rs_status get(rs_io_section *sec, const char *name, type *v, rs_error *err)            \
    {                                                                                      \
        rs_status st = check_mode(sec, 0, name, err);                                      \
        if (st != RS_OK) return st;                                                        \
        rs_io_quiet q;                                                                     \
        rs_io_quiet_begin(&q);                                                             \
        int bad = !v || reader(sec->group, name, v) < 0;                                   \
        rs_io_quiet_end(&q);                                                               \
        return bad ? rs_error_set(err, RS_EIO, "the checkpoint has no attribute %s in %s", \
                                  name, sec->name)                                         \
                   : RS_OK;                                                                \
    }

RS_SECTION_ATTR(rs_io_section_put_int64, rs_io_section_get_int64, int64_t, rs_io_attr_int64,
                rs_io_attr_read_int64)
RS_SECTION_ATTR(rs_io_section_put_double, rs_io_section_get_double, double, rs_io_attr_double,
                rs_io_attr_read_double)
RS_SECTION_ATTR(rs_io_section_put_uint64, rs_io_section_get_uint64, uint64_t,
                rs_io_attr_uint64, rs_io_attr_read_uint64)

rs_status rs_io_section_put_string(rs_io_section *sec, const char *name, const char *v,
                                   rs_error *err)
{
    rs_status st = check_mode(sec, 1, name, err);
    if (st != RS_OK) return st;
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    int bad = rs_io_write_string(sec->group, name, v ? v : "") < 0;
    rs_io_quiet_end(&q);
    return bad ? rs_error_set(err, RS_EIO, "cannot write %s/%s to the checkpoint", sec->name,
                              name)
               : RS_OK;
}

rs_status rs_io_section_get_string(rs_io_section *sec, const char *name, char **v,
                                   rs_error *err)
{
    rs_status st = check_mode(sec, 0, name, err);
    if (st != RS_OK) return st;
    if (!v) return rs_error_set(err, RS_EINVAL, "checkpoint %s: no place for the string", name);
    *v = NULL;
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    int bad = rs_io_read_string(sec->group, name, v) < 0;
    rs_io_quiet_end(&q);
    return bad ? rs_error_set(err, RS_EIO, "the checkpoint has no %s/%s", sec->name, name)
               : RS_OK;
}

/* table_file.c: a table as a small HDF5 file that xarray opens as a
 * Dataset (rs_io_table_file_write; a sweep's summary: one row per run).
 * Layout, all at the root: the dimension scale DIM (int64 0..nrows-1),
 * one 1-D dataset per column attached to it (float64, int64, or
 * variable-length UTF-8 strings; attribute units when given), and the
 * root attributes (scalar float64, int64, variable-length UTF-8 string,
 * or a 1-D array of such strings). The root tracks creation order, so
 * readers list columns and attributes in the caller's order (h5py and
 * netCDF readers otherwise sort by name). The file is built in memory
 * (HDF5's core driver) and written with rs_io_write_atomic: HDF5 never
 * writes to disk (a full disk fails one write(2), cleanly), and a reader
 * or a kill sees the old file or the new one, at most a stray path.tmp. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <hdf5_hl.h>

#include "io/io_impl.h"
#include "regensim/io.h"

/* RS_OK if name can be a dataset's or attribute's name (not empty, no
 * '/', not "."); else RS_EINVAL naming what (e.g. "column 3"). */
static rs_status check_name(const char *path, const char *what, int i, const char *name,
                            rs_error *err)
{
    if (!name || !*name)
        return rs_error_set(err, RS_EINVAL, "table file %s: %s %d has no name", path, what, i);
    if (strchr(name, '/') || strcmp(name, ".") == 0)
        return rs_error_set(err, RS_EINVAL, "table file %s: %s \"%s\": a name may not contain "
                            "'/' or be \".\"", path, what, name);
    return RS_OK;
}

/* Checks the columns: names valid, unique and not dim's; kinds; values
 * given for nrows rows (every string of a string column). */
static rs_status check_columns(const char *path, const char *dim, const rs_io_file_column *cols,
                               int ncols, size_t nrows, rs_error *err)
{
    for (int i = 0; i < ncols; i++) {
        const rs_io_file_column *c = &cols[i];
        rs_status s = check_name(path, "column", i, c->name, err);
        if (s != RS_OK) return s;
        if (strcmp(c->name, dim) == 0)
            return rs_error_set(err, RS_EINVAL, "table file %s: column \"%s\" has the name of "
                                "the dimension", path, c->name);
        for (int j = 0; j < i; j++)
            if (strcmp(cols[j].name, c->name) == 0)
                return rs_error_set(err, RS_EINVAL, "table file %s: column \"%s\" appears "
                                    "twice", path, c->name);
        const void *data = c->kind == RS_IO_F64   ? (const void *)c->f64
                           : c->kind == RS_IO_I64 ? (const void *)c->i64
                           : c->kind == RS_IO_STR ? (const void *)c->str
                                                  : NULL;
        if (c->kind != RS_IO_F64 && c->kind != RS_IO_I64 && c->kind != RS_IO_STR)
            return rs_error_set(err, RS_EINVAL, "table file %s: column \"%s\" has kind %d, not "
                                "float64, int64 or string", path, c->name, (int)c->kind);
        if (nrows > 0 && !data)
            return rs_error_set(err, RS_EINVAL, "table file %s: column \"%s\" has no values "
                                "(NULL) for %zu rows", path, c->name, nrows);
        for (size_t r = 0; c->kind == RS_IO_STR && r < nrows; r++)
            if (!c->str[r])
                return rs_error_set(err, RS_EINVAL, "table file %s: column \"%s\": row %zu's "
                                    "string is NULL", path, c->name, r);
    }
    return RS_OK;
}

/* Checks the attributes: names valid and unique, kinds, strings given. */
static rs_status check_attrs(const char *path, const rs_io_file_attr *attrs, int nattrs,
                             rs_error *err)
{
    for (int i = 0; i < nattrs; i++) {
        const rs_io_file_attr *a = &attrs[i];
        rs_status s = check_name(path, "attribute", i, a->name, err);
        if (s != RS_OK) return s;
        for (int j = 0; j < i; j++)
            if (strcmp(attrs[j].name, a->name) == 0)
                return rs_error_set(err, RS_EINVAL, "table file %s: attribute \"%s\" appears "
                                    "twice", path, a->name);
        int bad = 0;
        if (a->kind == RS_IO_STR)
            bad = !a->str;
        else if (a->kind == RS_IO_STRS) {
            bad = a->nstrs < 0 || (a->nstrs > 0 && !a->strs);
            for (int k = 0; !bad && k < a->nstrs; k++) bad = !a->strs[k];
        } else if (a->kind != RS_IO_F64 && a->kind != RS_IO_I64)
            return rs_error_set(err, RS_EINVAL, "table file %s: attribute \"%s\" has kind %d",
                                path, a->name, (int)a->kind);
        if (bad)
            return rs_error_set(err, RS_EINVAL, "table file %s: attribute \"%s\" has a NULL "
                                "string (or a negative count)", path, a->name);
    }
    return RS_OK;
}

/* A variable-length UTF-8 string type (caller closes), or -1. */
static hid_t utf8_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0 && (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0)) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/* Creates the 1-D dataset name of n values of file type ft, writes buf
 * (memory type mt; nothing for n = 0) and returns it open, or -1. */
static hid_t write_1d(hid_t f, const char *name, hid_t ft, hid_t mt, size_t n, const void *buf)
{
    hsize_t dim = (hsize_t)n;
    hid_t s = H5Screate_simple(1, &dim, NULL);
    hid_t d = s >= 0 ? H5Dcreate2(f, name, ft, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
    if (s >= 0) H5Sclose(s);
    if (d >= 0 && n > 0 && H5Dwrite(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        H5Dclose(d);
        return -1;
    }
    return d;
}

/* The dimension scale dim (0..nrows-1), open, or -1. */
static hid_t write_scale(hid_t f, const char *dim, size_t nrows)
{
    int64_t *v = malloc((nrows > 0 ? nrows : 1) * sizeof *v);
    if (!v) return -1;
    for (size_t r = 0; r < nrows; r++) v[r] = (int64_t)r;
    hid_t d = write_1d(f, dim, H5T_STD_I64LE, H5T_NATIVE_INT64, nrows, v);
    free(v);
    if (d >= 0 && H5DSset_scale(d, dim) < 0) {
        H5Dclose(d);
        return -1;
    }
    return d;
}

/* Writes column c (nrows rows) attached to scale; 0 or -1. */
static int write_column(hid_t f, hid_t scale, const rs_io_file_column *c, size_t nrows,
                        hid_t str)
{
    hid_t d;
    if (c->kind == RS_IO_F64)
        d = write_1d(f, c->name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, nrows, c->f64);
    else if (c->kind == RS_IO_I64)
        d = write_1d(f, c->name, H5T_STD_I64LE, H5T_NATIVE_INT64, nrows, c->i64);
    else
        d = write_1d(f, c->name, str, str, nrows, c->str);
    if (d < 0) return -1;
    int rc = H5DSattach_scale(d, scale, 0) < 0 ||
                     (c->units && rs_io_attr_string(d, "units", c->units) < 0)
                 ? -1
                 : 0;
    H5Dclose(d);
    return rc;
}

/* Writes root attribute a of f; 0 or -1. */
static int write_attr(hid_t f, const rs_io_file_attr *a)
{
    switch (a->kind) {
    case RS_IO_F64: return rs_io_attr_double(f, a->name, a->f64);
    case RS_IO_I64: return rs_io_attr_int64(f, a->name, a->i64);
    case RS_IO_STR: return rs_io_attr_string(f, a->name, a->str);
    case RS_IO_STRS: return rs_io_attr_strings(f, a->name, a->nstrs, a->strs);
    }
    return -1;
}

/* Builds the table in a new in-memory HDF5 file (label: its name for
 * HDF5) and returns it open, or -1. */
static hid_t build(const char *label, const char *dim, const rs_io_file_column *cols, int ncols,
                   size_t nrows, const rs_io_file_attr *attrs, int nattrs)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    const unsigned order = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
    hid_t f = -1;
    /* No backing store: nothing touches the disk until the image is written. */
    if (fapl >= 0 && fcpl >= 0 && H5Pset_fapl_core(fapl, (size_t)1 << 16, 0) >= 0 &&
        H5Pset_link_creation_order(fcpl, order) >= 0 &&
        H5Pset_attr_creation_order(fcpl, order) >= 0)
        f = H5Fcreate(label, H5F_ACC_TRUNC, fcpl, fapl);
    if (fcpl >= 0) H5Pclose(fcpl);
    if (fapl >= 0) H5Pclose(fapl);
    if (f < 0) return -1;
    hid_t str = utf8_type();
    hid_t scale = str >= 0 ? write_scale(f, dim, nrows) : -1;
    int bad = scale < 0;
    for (int i = 0; !bad && i < ncols; i++) bad = write_column(f, scale, &cols[i], nrows, str) < 0;
    for (int i = 0; !bad && i < nattrs; i++) bad = write_attr(f, &attrs[i]) < 0;
    if (scale >= 0) H5Dclose(scale);
    if (str >= 0) H5Tclose(str);
    if (bad || H5Fflush(f, H5F_SCOPE_LOCAL) < 0) {
        H5Fclose(f);
        return -1;
    }
    return f;
}

rs_status rs_io_table_file_write(const char *path, const char *dim,
                                 const rs_io_file_column *cols, int ncols, size_t nrows,
                                 const rs_io_file_attr *attrs, int nattrs, rs_error *err)
{
    if (!path || !*path) return rs_error_set(err, RS_EINVAL, "table file: no path given");
    if (ncols < 0 || nattrs < 0 || (ncols > 0 && !cols) || (nattrs > 0 && !attrs))
        return rs_error_set(err, RS_EINVAL, "table file %s: bad column or attribute list", path);
    rs_status s = check_name(path, "dimension", 0, dim, err);
    if (s == RS_OK) s = check_columns(path, dim, cols, ncols, nrows, err);
    if (s == RS_OK) s = check_attrs(path, attrs, nattrs, err);
    if (s != RS_OK) return s;
    if (nrows > (size_t)INT64_MAX / 8 || nrows > SIZE_MAX / 8)
        return rs_error_set(err, RS_EINVAL, "table file %s: %zu rows are too many", path, nrows);
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    hid_t f = build(path, dim, cols, ncols, nrows, attrs, nattrs);
    ssize_t n = f >= 0 ? H5Fget_file_image(f, NULL, 0) : -1;
    char *image = n > 0 ? malloc((size_t)n) : NULL;
    if (f < 0 || n <= 0)
        s = rs_error_set(err, RS_EIO, "table file %s: cannot build it in memory (HDF5 failed)",
                         path);
    else if (!image)
        s = rs_error_set(err, RS_ENOMEM, "table file %s: out of memory (%zd bytes)", path, n);
    else if (H5Fget_file_image(f, image, (size_t)n) != n)
        s = rs_error_set(err, RS_EIO, "table file %s: cannot make its image", path);
    if (f >= 0) H5Fclose(f);
    rs_io_quiet_end(&q);
    if (s == RS_OK) s = rs_io_write_atomic(path, image, (size_t)n, err);
    free(image);
    return s;
}

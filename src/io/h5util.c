/* h5util.c: small HDF5 and file helpers for src/io: attributes, string
 * datasets, error-printing control, atomic writes of small files. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "regensim/text.h"
#include "io/io_impl.h"

void rs_io_quiet_begin(rs_io_quiet *q)
{
    q->func = NULL;
    q->data = NULL;
    H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void rs_io_quiet_end(const rs_io_quiet *q) { H5Eset_auto2(H5E_DEFAULT, q->func, q->data); }

/* Creates (or reopens, deleting an attribute of another type) attribute
 * name of type t, scalar, and writes buf. */
static int attr_write(hid_t obj, const char *name, hid_t t, const void *buf)
{
    if (H5Aexists(obj, name) > 0) {
        hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
        if (a < 0) return -1;
        hid_t at = H5Aget_type(a);
        htri_t same = at >= 0 ? H5Tequal(at, t) : -1;
        if (at >= 0) H5Tclose(at);
        if (same > 0) {
            herr_t r = H5Awrite(a, t, buf);
            H5Aclose(a);
            return r < 0 ? -1 : 0;
        }
        H5Aclose(a);
        if (H5Adelete(obj, name) < 0) return -1;
    }
    hid_t s = H5Screate(H5S_SCALAR);
    if (s < 0) return -1;
    hid_t a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
    H5Sclose(s);
    if (a < 0) return -1;
    herr_t r = H5Awrite(a, t, buf);
    H5Aclose(a);
    return r < 0 ? -1 : 0;
}

/* A variable-length UTF-8 string type (caller closes). */
static hid_t vlen_string_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0) return -1;
    if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

int rs_io_attr_string(hid_t obj, const char *name, const char *value)
{
    hid_t t = vlen_string_type();
    if (t < 0) return -1;
    int r = attr_write(obj, name, t, &value);
    H5Tclose(t);
    return r;
}

int rs_io_attr_strings(hid_t obj, const char *name, int n, const char *const *values)
{
    hsize_t dim = (hsize_t)(n > 0 ? n : 0);
    const char *none = "";
    hid_t t = vlen_string_type();
    hid_t s = t >= 0 ? H5Screate_simple(1, &dim, NULL) : -1;
    if (s >= 0 && H5Aexists(obj, name) > 0 && H5Adelete(obj, name) < 0) {
        H5Sclose(s);
        s = -1;
    }
    hid_t a = s >= 0 ? H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT) : -1;
    /* HDF5 wants a buffer even for no values. */
    herr_t r = a >= 0 ? H5Awrite(a, t, n > 0 ? (const void *)values : (const void *)&none) : -1;
    if (a >= 0) H5Aclose(a);
    if (s >= 0) H5Sclose(s);
    if (t >= 0) H5Tclose(t);
    return r < 0 ? -1 : 0;
}

int rs_io_attr_double(hid_t obj, const char *name, double value)
{
    return attr_write(obj, name, H5T_NATIVE_DOUBLE, &value);
}

int rs_io_attr_int64(hid_t obj, const char *name, int64_t value)
{
    return attr_write(obj, name, H5T_NATIVE_INT64, &value);
}

int rs_io_attr_uint64(hid_t obj, const char *name, uint64_t value)
{
    return attr_write(obj, name, H5T_NATIVE_UINT64, &value);
}

/* Reads scalar attribute name converted to memory type t. */
static int attr_read(hid_t obj, const char *name, hid_t t, void *buf)
{
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return -1;
    herr_t r = H5Aread(a, t, buf);
    H5Aclose(a);
    return r < 0 ? -1 : 0;
}

int rs_io_attr_read_int64(hid_t obj, const char *name, int64_t *value)
{
    return attr_read(obj, name, H5T_NATIVE_INT64, value);
}

int rs_io_attr_read_double(hid_t obj, const char *name, double *value)
{
    return attr_read(obj, name, H5T_NATIVE_DOUBLE, value);
}

int rs_io_attr_read_uint64(hid_t obj, const char *name, uint64_t *value)
{
    return attr_read(obj, name, H5T_NATIVE_UINT64, value);
}

int rs_io_write_string(hid_t loc, const char *name, const char *value)
{
    hid_t t = vlen_string_type();
    if (t < 0) return -1;
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t d = s >= 0 ? H5Dcreate2(loc, name, t, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
    const char *v = value ? value : "";
    herr_t r = d >= 0 ? H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) : -1;
    if (d >= 0) H5Dclose(d);
    if (s >= 0) H5Sclose(s);
    H5Tclose(t);
    return r < 0 ? -1 : 0;
}

int rs_io_read_string(hid_t loc, const char *name, char **out)
{
    *out = NULL;
    hid_t t = vlen_string_type();
    if (t < 0) return -1;
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    char *v = NULL;
    int rc = -1;
    if (d >= 0 && H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) >= 0) {
        *out = rs_strdup(v ? v : "");
        if (*out) rc = 0;
        /* The library allocated v: give it back through the library. */
        hid_t s = H5Dget_space(d);
        if (s >= 0) {
            H5Dvlen_reclaim(t, s, H5P_DEFAULT, &v);
            H5Sclose(s);
        }
    }
    if (d >= 0) H5Dclose(d);
    H5Tclose(t);
    return rc;
}

int rs_io_path(char *buf, size_t size, const char *dir, const char *name)
{
    int n = snprintf(buf, size, "%s/%s", dir, name);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

int rs_io_fsync_path(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    int r = fsync(fd);
    close(fd);
    return r;
}

rs_status rs_io_write_atomic(const char *path, const char *data, size_t len, rs_error *err)
{
    char tmp[4096];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return rs_error_set(err, RS_EINVAL, "path too long: %s", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return rs_error_set(err, RS_EIO, "cannot create %s: %s", tmp, strerror(errno));
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            close(fd);
            unlink(tmp);
            return rs_error_set(err, RS_EIO, "cannot write %s: %s", tmp, strerror(e));
        }
        done += (size_t)w;
    }
    if (close(fd) != 0) {
        int e = errno;
        unlink(tmp);
        return rs_error_set(err, RS_EIO, "cannot write %s: %s", tmp, strerror(e));
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return rs_error_set(err, RS_EIO, "cannot rename %s to %s: %s", tmp, path, strerror(e));
    }
    return RS_OK;
}

/* Creates the chunk index of an empty extendible dataset of doubles now:
 * writes its first chunk (zeros) and sets the extent back to 0 (the index
 * stays). Otherwise the first snapshot's flush creates it, and a kill in
 * that flush can leave the object header pointing at an index node never
 * written (HDF5 writes metadata in address order, not children first):
 * such a run could not be resumed. 0 or -1. */
int rs_io_make_index(hid_t d)
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

const char *rs_io_reason(void)
{
    return errno ? strerror(errno) : "no reason given by the system";
}

int rs_io_names_add(rs_io_names *l, const char *name)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 16;
        char **p = realloc(l->v, (size_t)cap * sizeof *p);
        if (!p) {
            l->failed = 1;
            return -1;
        }
        l->v = p;
        l->cap = cap;
    }
    if (!(l->v[l->n] = rs_strdup(name))) {
        l->failed = 1;
        return -1;
    }
    l->n++;
    return 0;
}

void rs_io_names_free(rs_io_names *l)
{
    for (int i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

void rs_io_skip_exit_cleanup(void)
{
    H5dont_atexit(); /* fails (harmlessly) once the library has started */
}

/* timeseries_read.c: a finished (or killed) run's metric time series read
 * back from its run.h5 (rs_io_timeseries_read): /timeseries/time and one
 * dataset per metric, only the rows counted by /timeseries's attribute
 * nrows (a row past it may be half written), the metrics in the model's
 * order (the attribute metrics; in files written before it existed, the
 * group's name order). Read-only, HDF5's error printing silenced. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/io_impl.h"
#include "regensim/io.h"
#include "regensim/text.h"

/* H5Literate callback: notes every dataset but time (the old files'
 * metric list). */
static herr_t note_metric(hid_t g, const char *name, const RS_LINK_INFO *info, void *data)
{
    (void)info;
    if (strcmp(name, "time") == 0) return 0;
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT); /* fails quietly for a group */
    if (d < 0) return 0;
    H5Dclose(d);
    return rs_io_names_add(data, name) < 0 ? -1 : 0;
}

/* Reads the 1-D string attribute name of obj into l. 0, or -1 when it
 * is not a 1-D array of strings or memory ran out (l->failed). */
static int read_names_attr(hid_t obj, const char *name, rs_io_names *l)
{
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t s = a >= 0 ? H5Aget_space(a) : -1;
    hid_t t = H5Tcopy(H5T_C_S1);
    hsize_t n = 0;
    int rc = -1;
    if (a < 0 || s < 0 || t < 0 || H5Tset_size(t, H5T_VARIABLE) < 0 ||
        H5Tset_cset(t, H5T_CSET_UTF8) < 0 || H5Sget_simple_extent_ndims(s) != 1 ||
        H5Sget_simple_extent_dims(s, &n, NULL) != 1 || n > INT32_MAX)
        goto done;
    char **v = calloc(n > 0 ? (size_t)n : 1, sizeof *v);
    if (!v) {
        l->failed = 1;
        goto done;
    }
    if (H5Aread(a, t, v) >= 0) {
        rc = 0;
        for (hsize_t i = 0; i < n && rc == 0; i++)
            if (!v[i] || rs_io_names_add(l, v[i]) < 0) rc = -1;
        H5Dvlen_reclaim(t, s, H5P_DEFAULT, v);
    }
    free(v);
done:
    if (t >= 0) H5Tclose(t);
    if (s >= 0) H5Sclose(s);
    if (a >= 0) H5Aclose(a);
    return rc;
}

/* Reads the first n values of the 1-D dataset name under g into v (as
 * doubles). 0, or -1 when it is missing, not 1-D or shorter than n. */
static int read_rows(hid_t g, const char *name, hsize_t n, double *v)
{
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    hid_t fs = d >= 0 ? H5Dget_space(d) : -1;
    hsize_t len = 0, start = 0;
    int rc = -1;
    if (fs >= 0 && H5Sget_simple_extent_ndims(fs) == 1 &&
        H5Sget_simple_extent_dims(fs, &len, NULL) == 1 && len >= n) {
        if (n == 0) {
            rc = 0;
        } else {
            hid_t ms = H5Screate_simple(1, &n, NULL);
            if (ms >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &n, NULL) >= 0 &&
                H5Dread(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, v) >= 0)
                rc = 0;
            if (ms >= 0) H5Sclose(ms);
        }
    }
    if (fs >= 0) H5Sclose(fs);
    if (d >= 0) H5Dclose(d);
    return rc;
}

/* Reads /timeseries of the open file f (path: for messages) into ts. */
static rs_status read_timeseries(hid_t f, const char *path, rs_io_timeseries *ts,
                                 rs_error *err)
{
    hid_t g = H5Lexists(f, "timeseries", H5P_DEFAULT) > 0
                  ? H5Gopen2(f, "timeseries", H5P_DEFAULT)
                  : -1;
    if (g < 0)
        return rs_error_set(err, RS_EIO, "%s is not a run.h5: it has no group /timeseries", path);
    rs_status s = RS_OK;
    rs_io_names names = {0};
    int64_t nrows = -1;
    if (rs_io_attr_read_int64(g, "nrows", &nrows) < 0 || nrows < 0) {
        s = rs_error_set(err, RS_EIO, "%s is not a run.h5: /timeseries has no attribute nrows",
                         path);
        goto done;
    }
    /* Every row's values in one block: guard the size before multiplying. */
    if ((uint64_t)nrows > SIZE_MAX / sizeof(double) / 2) {
        s = rs_error_set(err, RS_EIO, "%s: /timeseries counts %lld rows, more than can be read",
                         path, (long long)nrows);
        goto done;
    }
    int listed = H5Aexists(g, "metrics") > 0;
    hsize_t idx = 0;
    if (listed ? read_names_attr(g, "metrics", &names) < 0
               : RS_LITERATE(g, H5_INDEX_NAME, H5_ITER_INC, &idx, note_metric, &names) < 0) {
        s = names.failed ? rs_error_set(err, RS_ENOMEM, "out of memory")
                        : rs_error_set(err, RS_EIO, "%s: cannot read the metric names of "
                                       "/timeseries", path);
        goto done;
    }
    ts->nrows = (size_t)nrows;
    size_t n = ts->nrows;
    if ((size_t)names.n > (SIZE_MAX / sizeof(double)) / (n > 0 ? n : 1)) {
        s = rs_error_set(err, RS_ENOMEM, "out of memory");
        goto done;
    }
    ts->time = malloc((n > 0 ? n : 1) * sizeof *ts->time);
    ts->values = malloc((names.n > 0 && n > 0 ? (size_t)names.n * n : 1) * sizeof *ts->values);
    if (!ts->time || !ts->values) {
        s = rs_error_set(err, RS_ENOMEM, "out of memory");
        goto done;
    }
    if (read_rows(g, "time", n, ts->time) < 0) {
        s = rs_error_set(err, RS_EIO, "%s: /timeseries/time is missing or shorter than the "
                         "%zu rows counted", path, n);
        goto done;
    }
    for (int m = 0; m < names.n; m++)
        if (read_rows(g, names.v[m], n, ts->values + (size_t)m * n) < 0) {
            s = rs_error_set(err, RS_EIO, "%s: metric /timeseries/%s is missing or shorter than "
                             "the %zu rows counted", path, names.v[m], n);
            goto done;
        }
    ts->nmetrics = names.n;
    ts->names = names.v;
    names.v = NULL;
    names.n = 0;
done:
    rs_io_names_free(&names);
    H5Gclose(g);
    return s;
}

rs_status rs_io_timeseries_read(const char *path, rs_io_timeseries **out, rs_error *err)
{
    if (!out) return rs_error_set(err, RS_EINVAL, "rs_io_timeseries_read: out is NULL");
    *out = NULL;
    if (!path || !*path) return rs_error_set(err, RS_EINVAL, "rs_io_timeseries_read: no path");
    /* What HDF5 would only call "unable to open": said plainly. */
    struct stat st;
    if (stat(path, &st) != 0)
        return rs_error_set(err, RS_EIO, "cannot open %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return rs_error_set(err, RS_EIO, "%s is not a run.h5: not a regular file", path);
    rs_io_timeseries *ts = calloc(1, sizeof *ts);
    if (!ts) return rs_error_set(err, RS_ENOMEM, "out of memory");
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    rs_status s;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        s = rs_error_set(err, RS_EIO, "cannot open %s: not an HDF5 file (or unreadable)", path);
    } else {
        s = read_timeseries(f, path, ts, err);
        H5Fclose(f);
    }
    rs_io_quiet_end(&q);
    if (s != RS_OK) {
        rs_io_timeseries_free(ts);
        return s;
    }
    *out = ts;
    return RS_OK;
}

void rs_io_timeseries_free(rs_io_timeseries *ts)
{
    if (!ts) return;
    for (int i = 0; ts->names && i < ts->nmetrics; i++) free(ts->names[i]);
    free(ts->names);
    free(ts->time);
    free(ts->values);
    free(ts);
}

/* table.c: per-snapshot tables in run.h5 (rs_io_section_table*,
 * regensim/io.h): a section's rows of per-item values (the cells) at each
 * snapshot k, as the group SECTION/<k> with one dataset per column and the
 * attributes time and count, written last. The counted-snapshot protocol
 * is run_h5.c's: a group counts only for k < nsnapshots, the commit
 * refuses a snapshot whose table is incomplete, and a resume deletes the
 * groups of uncounted snapshots (rs_io_table_truncate) once every section
 * has been checked. Columns are packed (interleaved, rounded to float32)
 * in one work space and written through HDF5's own filter pipeline. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/io_impl.h"
#include "regensim/text.h"

/* Largest chunk of a column (bytes): within HDF5's default chunk cache. */
#define RS_IO_TABLE_CHUNK_BYTES (1u << 20)
/* Widest column. */
#define RS_IO_TABLE_MAX_WIDTH 16

/* Whether s is a non-empty string of decimal digits (a snapshot's group). */
static int all_digits(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return 0;
    return 1;
}

/* Bytes of one stored value of column c. */
static size_t stored_size(const rs_io_table_column *c, int float32)
{
    return c->kind == RS_IO_COLUMN_INT32 || (c->kind == RS_IO_COLUMN_REAL && float32) ? 4 : 8;
}

/* The file and memory types of column c (memory: as packed or given). */
static void column_types(const rs_io_table_column *c, int float32, hid_t *file, hid_t *mem)
{
    switch (c->kind) {
    case RS_IO_COLUMN_UINT64:
        *file = H5T_STD_U64LE;
        *mem = H5T_NATIVE_UINT64;
        break;
    case RS_IO_COLUMN_INT32:
        *file = H5T_STD_I32LE;
        *mem = H5T_NATIVE_INT32;
        break;
    default:
        *file = float32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
        *mem = float32 ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE;
        break;
    }
}

void rs_io_table_free(rs_io_table *t)
{
    if (!t) return;
    if (t->g >= 0) H5Gclose(t->g);
    for (int i = 0; t->cols && i < t->ncols; i++) {
        free(t->cols[i].name);
        free(t->cols[i].units);
    }
    free(t->cols);
    free(t->rows);
    free(t->buf);
    rs_strbuf_free(&t->xmf);
    free(t);
}

/* Grows t->rows to hold n entries. 0 or -1. */
static int reserve_rows(rs_io_table *t, int64_t n)
{
    if (n <= t->rows_cap) return 0;
    int64_t cap = t->rows_cap ? 2 * (int64_t)t->rows_cap : 64;
    while (cap < n) cap *= 2;
    if (cap > INT32_MAX) cap = INT32_MAX;
    if (cap < n) return -1;
    int64_t *p = realloc(t->rows, (size_t)cap * sizeof *p);
    if (!p) return -1;
    t->rows = p;
    t->rows_cap = (int)cap;
    return 0;
}

/* Checks the columns a table is declared with. */
static rs_status check_columns(const rs_io_section *sec, int ncolumns,
                               const rs_io_column *columns, int points, rs_error *err)
{
    if (ncolumns < 1 || !columns)
        return rs_error_set(err, RS_EINVAL, "table of /%s: no columns", sec->name);
    for (int i = 0; i < ncolumns; i++) {
        const rs_io_column *c = &columns[i];
        if (!c->name || !*c->name || strchr(c->name, '/') || all_digits(c->name))
            return rs_error_set(err, RS_EINVAL,
                                "table of /%s: column %d has no valid name ('%s'; expected a "
                                "name, not empty, without '/', not all digits)",
                                sec->name, i, c->name ? c->name : "(null)");
        if (c->kind != RS_IO_COLUMN_UINT64 && c->kind != RS_IO_COLUMN_INT32 &&
            c->kind != RS_IO_COLUMN_REAL)
            return rs_error_set(err, RS_EINVAL, "table of /%s: column %s has an unknown kind %d",
                                sec->name, c->name, (int)c->kind);
        if (c->width < 1 || c->width > RS_IO_TABLE_MAX_WIDTH)
            return rs_error_set(err, RS_EINVAL, "table of /%s: column %s has width %d; expected "
                                "1 to %d", sec->name, c->name, c->width, RS_IO_TABLE_MAX_WIDTH);
        for (int j = 0; j < i; j++)
            if (strcmp(columns[j].name, c->name) == 0)
                return rs_error_set(err, RS_EINVAL, "table of /%s: two columns named %s",
                                    sec->name, c->name);
    }
    if (points >= ncolumns || points < -1 ||
        (points >= 0 && (columns[points].kind != RS_IO_COLUMN_REAL || columns[points].width != 3)))
        return rs_error_set(err, RS_EINVAL, "table of /%s: the positions' column %d is not a "
                            "column of 3 reals", sec->name, points);
    return RS_OK;
}

/* In a reopened run.h5: the row counts of the counted snapshots' groups. */
static rs_status read_counts(rs_io_section *sec, rs_io_table *t, rs_error *err)
{
    const rs_io_run *w = sec->run;
    for (int k = 0; k < w->nsnap; k++) {
        char name[24];
        snprintf(name, sizeof name, "%d", k);
        hid_t g = H5Lexists(sec->group, name, H5P_DEFAULT) > 0
                      ? H5Gopen2(sec->group, name, H5P_DEFAULT)
                      : -1;
        int64_t n = -1;
        int ok = g >= 0 && rs_io_attr_read_int64(g, "count", &n) == 0 && n >= 0;
        if (g >= 0) H5Gclose(g);
        if (!ok)
            return rs_error_set(err, RS_EINVAL,
                                "%s/run.h5: /%s/%d is missing or incomplete although snapshot "
                                "%d is counted: not this run's output",
                                w->dir, sec->name, k, k);
        t->rows[k] = n;
    }
    return RS_OK;
}

rs_status rs_io_section_table(rs_io_section *sec, int ncolumns, const rs_io_column *columns,
                              int points, rs_error *err)
{
    if (!sec || !sec->run) return rs_error_set(err, RS_EINVAL, "table: not a run.h5 section");
    rs_io_run *w = sec->run;
    if (w->ready)
        return rs_error_set(err, RS_EINVAL, "table of /%s: the layout is already complete",
                            sec->name);
    if (sec->table)
        return rs_error_set(err, RS_EINVAL, "table of /%s: already declared", sec->name);
    rs_status s = check_columns(sec, ncolumns, columns, points, err);
    if (s != RS_OK) return s;
    rs_io_table *t = calloc(1, sizeof *t);
    if (t) {
        t->g = -1;
        t->cols = calloc((size_t)ncolumns, sizeof *t->cols);
    }
    if (!t || !t->cols || reserve_rows(t, (int64_t)w->nsnap + 1) < 0) {
        rs_io_table_free(t);
        return rs_error_set(err, RS_ENOMEM, "out of memory");
    }
    t->ncols = ncolumns;
    t->points = points;
    for (int i = 0; i < ncolumns; i++) {
        rs_io_table_column *c = &t->cols[i];
        c->name = rs_strdup(columns[i].name);
        c->units = columns[i].units ? rs_strdup(columns[i].units) : NULL;
        c->kind = columns[i].kind;
        c->width = columns[i].width;
        if (!c->name || (columns[i].units && !c->units)) {
            rs_io_table_free(t);
            return rs_error_set(err, RS_ENOMEM, "out of memory");
        }
    }
    if (!w->creating) {
        rs_io_quiet q;
        rs_io_quiet_begin(&q);
        s = read_counts(sec, t, err);
        rs_io_quiet_end(&q);
        if (s != RS_OK) {
            rs_io_table_free(t);
            return s;
        }
    }
    t->nwritten = w->nsnap;
    sec->table = t;
    return RS_OK;
}

/* The section's table, checked to be writable now (in a snapshot, and
 * with its group open when open is 1, not yet begun when 0). */
static rs_status table_now(rs_io_section *sec, int open, rs_io_table **out, rs_error *err)
{
    if (!sec || !sec->run || !sec->table)
        return rs_error_set(err, RS_EINVAL, "table: a run.h5 section without a table");
    rs_io_run *w = sec->run;
    rs_io_table *t = sec->table;
    if (!w->in_snapshot)
        return rs_error_set(err, RS_EINVAL, "table of /%s: no snapshot begun", sec->name);
    if (open && t->g < 0)
        return rs_error_set(err, RS_EINVAL, "table of /%s: not begun for snapshot %d", sec->name,
                            w->nsnap);
    if (!open && (t->g >= 0 || t->nwritten != w->nsnap))
        return rs_error_set(err, RS_EINVAL, "table of /%s: already %s for snapshot %d",
                            sec->name, t->g >= 0 ? "begun" : "written", w->nsnap);
    *out = t;
    return RS_OK;
}

rs_status rs_io_section_table_begin(rs_io_section *sec, size_t nrows, rs_error *err)
{
    rs_io_table *t = NULL;
    rs_status s = table_now(sec, 0, &t, err);
    if (s != RS_OK) return s;
    rs_io_run *w = sec->run;
    if (nrows > (size_t)1 << 40)
        return rs_error_set(err, RS_ETOOBIG, "table of /%s: %zu rows; at most 2^40", sec->name,
                            nrows);
    /* The work space: the widest column packed. */
    double bytes = 0;
    size_t widest = 0;
    for (int i = 0; i < t->ncols; i++) {
        const size_t e = stored_size(&t->cols[i], w->fmt.float32);
        bytes += (double)nrows * (double)t->cols[i].width * (double)e;
        if ((size_t)t->cols[i].width * 8 > widest) widest = (size_t)t->cols[i].width * 8;
    }
    if (reserve_rows(t, (int64_t)w->nsnap + 1) < 0)
        return rs_error_set(err, RS_ENOMEM, "out of memory");
    if (nrows * widest > t->buf_cap) {
        void *b = realloc(t->buf, nrows * widest);
        if (!b)
            return rs_error_set(err, RS_ENOMEM, "out of memory for a table of %zu rows",
                                nrows);
        t->buf = b;
        t->buf_cap = nrows * widest;
    }
    char what[320];
    snprintf(what, sizeof what, "the table /%s/%d", sec->name, w->nsnap);
    s = rs_io_space_check(w->dir, bytes, what, err);
    if (s != RS_OK) return s;
    char name[24];
    snprintf(name, sizeof name, "%d", w->nsnap);
    errno = 0;
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    /* A group of this number can only be a partial one that was never
     * counted (a resume deletes them; this is a second line of defence). */
    if (H5Lexists(sec->group, name, H5P_DEFAULT) > 0) H5Ldelete(sec->group, name, H5P_DEFAULT);
    t->g = H5Gcreate2(sec->group, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    rs_io_quiet_end(&q);
    if (t->g < 0)
        return rs_error_set(err, RS_EIO, "cannot create /%s/%s in %s/run.h5: %s", sec->name,
                            name, w->dir, rs_io_reason());
    t->nrows = nrows;
    for (int i = 0; i < t->ncols; i++) t->cols[i].written = 0;
    return RS_OK;
}

/* Packs the parts of column c (nrows values each) into buf as [nrows,
 * width] of its stored type; returns what to write (buf, or parts[0] when
 * it is already in that form). */
static const void *pack(const rs_io_table_column *c, int float32, size_t nrows,
                        const void *const *parts, void *buf)
{
    const size_t w = (size_t)c->width;
    const int narrow = c->kind == RS_IO_COLUMN_REAL && float32;
    if (w == 1 && !narrow) return parts[0];
    if (narrow) {
        float *out = buf;
        for (size_t j = 0; j < w; j++) {
            const double *in = parts[j];
            for (size_t i = 0; i < nrows; i++) out[i * w + j] = (float)in[i];
        }
    } else if (c->kind == RS_IO_COLUMN_INT32) {
        int32_t *out = buf;
        for (size_t j = 0; j < w; j++) {
            const int32_t *in = parts[j];
            for (size_t i = 0; i < nrows; i++) out[i * w + j] = in[i];
        }
    } else { /* 8-byte values: uint64 or double */
        uint64_t *out = buf;
        for (size_t j = 0; j < w; j++) {
            const uint64_t *in = parts[j];
            for (size_t i = 0; i < nrows; i++) out[i * w + j] = in[i];
        }
    }
    return buf;
}

/* Creates column c's dataset of nrows rows in group g (chunked and
 * filtered when it has rows and the run compresses) and writes v. 0 or -1. */
static int write_column(const rs_io_run *w, hid_t g, const rs_io_table_column *c, size_t nrows,
                        const void *v)
{
    hid_t ftype, mtype;
    column_types(c, w->fmt.float32, &ftype, &mtype);
    const int rank = c->width > 1 ? 2 : 1;
    hsize_t dims[2] = {(hsize_t)nrows, (hsize_t)c->width};
    hid_t s = H5Screate_simple(rank, dims, NULL);
    hid_t p = H5Pcreate(H5P_DATASET_CREATE);
    int ok = s >= 0 && p >= 0;
    if (ok && nrows > 0 && !w->fmt.no_compression) {
        size_t row_bytes = (size_t)c->width * stored_size(c, w->fmt.float32);
        hsize_t rows = RS_IO_TABLE_CHUNK_BYTES / row_bytes;
        if (rows < 1) rows = 1;
        if (rows > nrows) rows = (hsize_t)nrows;
        hsize_t chunk[2] = {rows, (hsize_t)c->width};
        ok = H5Pset_chunk(p, rank, chunk) >= 0 && H5Pset_shuffle(p) >= 0 &&
             H5Pset_deflate(p, (unsigned)w->fmt.deflate_level) >= 0;
    }
    hid_t d = ok ? H5Dcreate2(g, c->name, ftype, s, H5P_DEFAULT, p, H5P_DEFAULT) : -1;
    int bad = d < 0 ||
              (nrows > 0 && H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) ||
              (c->units && rs_io_attr_string(d, "units", c->units) < 0);
    if (d >= 0 && H5Dclose(d) < 0) bad = 1;
    if (p >= 0) H5Pclose(p);
    if (s >= 0) H5Sclose(s);
    return bad ? -1 : 0;
}

rs_status rs_io_section_table_put_column(rs_io_section *sec, int column,
                                         const void *const *parts, rs_error *err)
{
    rs_io_table *t = NULL;
    rs_status s = table_now(sec, 1, &t, err);
    if (s != RS_OK) return s;
    if (column < 0 || column >= t->ncols)
        return rs_error_set(err, RS_EINVAL, "table of /%s: no column %d", sec->name, column);
    rs_io_table_column *c = &t->cols[column];
    if (c->written)
        return rs_error_set(err, RS_EINVAL, "table of /%s: column %s already written",
                            sec->name, c->name);
    for (int j = 0; t->nrows > 0 && j < c->width; j++)
        if (!parts || !parts[j])
            return rs_error_set(err, RS_EINVAL, "table of /%s: column %s: no values given",
                                sec->name, c->name);
    rs_io_run *w = sec->run;
    const void *v = t->nrows > 0 ? pack(c, w->fmt.float32, t->nrows, parts, t->buf) : NULL;
    errno = 0;
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    int bad = write_column(w, t->g, c, t->nrows, v) < 0;
    rs_io_quiet_end(&q);
    if (bad)
        return rs_error_set(err, RS_EIO, "cannot write /%s/%d/%s to %s/run.h5: %s", sec->name,
                            w->nsnap, c->name, w->dir, rs_io_reason());
    c->written = 1;
    return RS_OK;
}

rs_status rs_io_section_table_end(rs_io_section *sec, rs_error *err)
{
    rs_io_table *t = NULL;
    rs_status s = table_now(sec, 1, &t, err);
    if (s != RS_OK) return s;
    rs_io_run *w = sec->run;
    for (int i = 0; i < t->ncols; i++)
        if (!t->cols[i].written)
            return rs_error_set(err, RS_EINVAL, "table /%s/%d: column %s was not written",
                                sec->name, w->nsnap, t->cols[i].name);
    errno = 0;
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    int bad = rs_io_attr_double(t->g, "time", w->snap_t) < 0 ||
              rs_io_attr_int64(t->g, "count", (int64_t)t->nrows) < 0;
    if (H5Gclose(t->g) < 0) bad = 1;
    rs_io_quiet_end(&q);
    t->g = -1;
    if (bad)
        return rs_error_set(err, RS_EIO, "cannot complete /%s/%d in %s/run.h5: %s", sec->name,
                            w->nsnap, w->dir, rs_io_reason());
    t->rows[w->nsnap] = (int64_t)t->nrows;
    t->nwritten++;
    return RS_OK;
}

/* The names of a group's links that are snapshot numbers >= the limit. */
typedef struct doomed {
    int64_t from;
    rs_io_names names;
} doomed;

/* H5Literate callback: notes a link to delete. */
static herr_t note_doomed(hid_t g, const char *name, const RS_LINK_INFO *info, void *data)
{
    (void)g;
    (void)info;
    doomed *d = data;
    if (!all_digits(name) || strlen(name) > 12 || strtoll(name, NULL, 10) < d->from) return 0;
    return rs_io_names_add(&d->names, name) < 0 ? -1 : 0;
}

int rs_io_table_truncate(rs_io_section *sec, int nsnap)
{
    if (!sec->table) return 0;
    doomed d = {.from = nsnap};
    hsize_t idx = 0;
    int bad = RS_LITERATE(sec->group, H5_INDEX_NAME, H5_ITER_NATIVE, &idx, note_doomed, &d) < 0 ||
              d.names.failed;
    for (int i = 0; i < d.names.n && !bad; i++)
        if (H5Ldelete(sec->group, d.names.v[i], H5P_DEFAULT) < 0) bad = 1;
    rs_io_names_free(&d.names);
    return bad ? -1 : 0;
}

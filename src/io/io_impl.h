/* io_impl.h: what the files of src/io share: the run.h5 writer and the
 * section structs (run_h5.c, section.c, checkpoint.c), HDF5 attribute and
 * string plumbing, atomic small-file writes, the run directory and the
 * XDMF sidecar. Nothing here is exported. */
#ifndef RS_IO_IMPL_H
#define RS_IO_IMPL_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#include "io/chunk_deflate.h"
#include "regensim/error.h"
#include "regensim/grid.h"
#include "regensim/io.h"
#include "regensim/text.h"

/* One grid series of run.h5: its dataset and where run.xmf finds it. */
typedef struct rs_io_series {
    hid_t d;
    char *name;     /* the attribute name ParaView shows */
    char *path;     /* "section/name" in run.h5 */
    int64_t nwritten; /* snapshots appended (== the run's count between snapshots) */
} rs_io_series;

/* One column of a per-snapshot table (table.c). */
typedef struct rs_io_table_column {
    char *name, *units;
    rs_io_column_kind kind;
    int width;
    int written;  /* in the snapshot's table being written */
} rs_io_table_column;

/* A section's per-snapshot table: group SECTION/<k> for snapshot k. */
typedef struct rs_io_table {
    int ncols;
    rs_io_table_column *cols;
    int points;       /* the positions' column (run.xmf), or -1 */
    int64_t nwritten; /* snapshots whose table is complete (== the run's count between snapshots) */
    int64_t *rows;    /* per snapshot (counted, and the one being written): its rows */
    int rows_cap;
    hid_t g;          /* the group being written, or -1 */
    size_t nrows;     /* its rows */
    void *buf;        /* packing work space (interleaving, float32), grown as needed */
    size_t buf_cap;
    rs_strbuf xmf;    /* its grids in run.xmf as last written (xdmf.c) */
} rs_io_table;

/* A section: one HDF5 group of run.h5 or of checkpoint.h5, owned by its
 * file's writer (a singly linked list, freed with it). */
struct rs_io_section {
    hid_t group;
    char *name;
    rs_io_run *run;         /* run.h5 section, or NULL */
    const char *file;       /* checkpoint section: the file written (its path) */
    int writing;            /* checkpoint: 1 writing, 0 reading */
    rs_io_series *series;   /* run.h5: declared grid series */
    int nseries, cap;
    /* run.h5, once it holds a grid series: its own dimension scales, so
     * that netCDF readers (xarray) opening the group alone see indexed
     * coordinates; time grows with the snapshots like the root's */
    hid_t time, x, y, z;
    rs_io_table *table;     /* run.h5: its per-snapshot table, or NULL */
    struct rs_io_section *next;
};

/* The run.h5 writer (run_h5.c). */
struct rs_io_run {
    char *dir;
    rs_grid grid;
    int nmetrics;
    char **metric_names;
    hid_t file, time, ts_time;
    hid_t x, y, z;    /* the root scales, open until the layout is ready */
    hid_t *metrics;
    int creating;     /* a new file, named run.h5.tmp until ready */
    int ready;
    int in_snapshot;  /* between snapshot_begin and _commit */
    double snap_t;
    int nsnap;
    int64_t nrows;
    double *times;    /* snapshot times, for run.xmf */
    int times_cap;
    rs_io_section *sections;
    /* the grid series' chunk shape and one compression work space per
     * thread (nbufs 0: write through HDF5's own filter pipeline instead) */
    hsize_t chunk[4];
    int nbufs;
    rs_io_deflate_buf *bufs;
    rs_io_snapshot_format fmt; /* deflate_level resolved to 1..9 */
    /* the XDMF views as last written (xdmf.c), kept so that a snapshot adds
     * only its own part: run-xdmf.h5 as an HDF5 file in memory (-1: none
     * yet), run.xmf's text without its closing tags, both up to snapshot
     * xdmf_nsnap */
    hid_t xdmf_vds;
    rs_strbuf xdmf_text;   /* run.xmf's header and the fields' grids */
    rs_strbuf xdmf_out;    /* work space: the whole run.xmf, assembled to be written */
    int xdmf_nsnap;
};

/* section.c: a new section over an open group (taken over: closed with
 * it), or NULL (group closed) when out of memory. */
rs_io_section *rs_io_section_new(hid_t group, const char *name, rs_io_run *run, int writing);

/* section.c: closes a section's handles and frees it, and its successors. */
void rs_io_section_free_all(rs_io_section *s);

/* table.c: closes a table's group and frees it (NULL allowed). */
void rs_io_table_free(rs_io_table *t);

/* table.c: in a reopened run.h5, deletes the section's snapshot groups
 * from nsnap on (rs_io_run_ready's truncation). 0 or -1. */
int rs_io_table_truncate(rs_io_section *sec, int nsnap);

/* section.c: the chunk shape of a grid series of grid g: one snapshot,
 * shrunk along z, then y, then x until it holds at most 4 MiB. */
void rs_io_grid_chunk(const rs_grid *g, hsize_t c[4]);

/* HDF5's automatic error printing, saved and switched off for the length of
 * one public call (the library never prints), then restored. */
typedef struct rs_io_quiet {
    H5E_auto2_t func;
    void *data;
} rs_io_quiet;

void rs_io_quiet_begin(rs_io_quiet *q);
void rs_io_quiet_end(const rs_io_quiet *q);

/* Attributes on an object: create-or-overwrite. Return 0 or -1. */
int rs_io_attr_string(hid_t obj, const char *name, const char *value);
/* A 1-D attribute of n variable-length UTF-8 strings (n may be 0). */
int rs_io_attr_strings(hid_t obj, const char *name, int n, const char *const *values);
int rs_io_attr_double(hid_t obj, const char *name, double value);
int rs_io_attr_int64(hid_t obj, const char *name, int64_t value);
int rs_io_attr_uint64(hid_t obj, const char *name, uint64_t value);
int rs_io_attr_read_int64(hid_t obj, const char *name, int64_t *value);
int rs_io_attr_read_double(hid_t obj, const char *name, double *value);
int rs_io_attr_read_uint64(hid_t obj, const char *name, uint64_t *value);

/* Creates the chunk index of an empty extendible dataset of doubles now
 * (h5util.c: why, there). 0 or -1. */
int rs_io_make_index(hid_t d);

/* A scalar variable-length UTF-8 string dataset name under loc. */
int rs_io_write_string(hid_t loc, const char *name, const char *value);
/* Reads it into a malloc'd copy (*out; caller frees). */
int rs_io_read_string(hid_t loc, const char *name, char **out);

/* The operating system's reason for the last failed write (errno's text),
 * for messages after an HDF5 call failed: callers set errno to 0 first. */
const char *rs_io_reason(void);

/* run_dir.c: RS_OK when the file system of path (a file in it, or a
 * directory) has room for `bytes` more and a margin of 256 KiB for HDF5's
 * metadata, else RS_EIO
 * saying so ("No space left on device": needed and free sizes), before
 * anything is written: HDF5 copes badly with a write that fails half way,
 * so a write that cannot fit is not started. */
rs_status rs_io_space_check(const char *path, double bytes, const char *what, rs_error *err);

/* run_dir.c: closes the HDF5 file f, written at path; when the close
 * fails (a full disk: HDF5 could not write the last metadata, and would
 * keep the file open, which crashed its exit handler), frees the reserve
 * of path's directory so that a second close can finish, removes path and
 * makes the reserve again. 0 if the first close succeeded, else -1 (errno:
 * the reason of the first failure). */
int rs_io_close_or_drop(hid_t f, const char *path);

/* "dir/name" into buf (size bytes); -1 if it does not fit. */
int rs_io_path(char *buf, size_t size, const char *dir, const char *name);

/* HDF5 1.12 renamed the link iteration (H5Literate2, H5L_info2_t). */
#if H5_VERSION_GE(1, 12, 0)
#define RS_LINK_INFO H5L_info2_t
#define RS_LITERATE H5Literate2
#else
#define RS_LINK_INFO H5L_info_t
#define RS_LITERATE H5Literate
#endif

/* h5util.c: a growing list of malloc'd names (links found while iterating
 * a group); `failed` is set when memory ran out. */
typedef struct rs_io_names {
    char **v;
    int n, cap;
    int failed;
} rs_io_names;

/* Appends a copy of name; 0, or -1 (and l->failed) when out of memory. */
int rs_io_names_add(rs_io_names *l, const char *name);

/* Frees the names and the list's array; the list is empty after. */
void rs_io_names_free(rs_io_names *l);

/* rs_io_write_atomic (io.h) is not fsynced: it writes the views rewritten
 * at every snapshot (run.xmf), and on ext4 an fsync also forces out the
 * snapshot data just written to run.h5, which cost more than the snapshot
 * itself (the status file, which must survive, is written by
 * rs_io_status_write). */

/* fsyncs a closed file by path (and nothing else); 0 or -1. */
int rs_io_fsync_path(const char *path);

/* run_dir.c: makes dir and its parents; refuses one that holds a run's
 * output (run.h5, status or checkpoint.h5) unless force, in which case the old output
 * files are removed. */
rs_status rs_io_dir_prepare(const char *dir, int force, rs_error *err);

/* run_dir.c: allocates dir/run.reserve (1 MiB) while a run writes, and
 * frees it (release) when the run ends, whatever the end, so that a run
 * that filled its disk can still write its last flush and status. */
rs_status rs_io_reserve_make(const char *dir, rs_error *err);
void rs_io_reserve_release(const char *dir);

/* run_dir.c: writes dir/status atomically ("running", "completed",
 * "failed: MESSAGE"), with a final newline. */
rs_status rs_io_status_write(const char *dir, const char *text, rs_error *err);

/* xdmf.c: rewrites dir/run-xdmf.h5, then dir/run.xmf, each atomically,
 * listing w's nsnap snapshots at times[] of the run's grid series (each
 * [T, nz, ny, nx] in run.h5, over every section of w); adds to the copies
 * w keeps in memory only the snapshots written since the last call. */
rs_status rs_io_xdmf_write(rs_io_run *w, rs_error *err);

/* xdmf.c: frees the copies of the views w keeps (the next write rebuilds
 * them whole). */
void rs_io_xdmf_drop(rs_io_run *w);

#endif

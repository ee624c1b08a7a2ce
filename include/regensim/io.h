/* io.h: run output. Only src/io touches files; this layer knows the grid
 * and nothing of models or simulations (the caller hands it plain arrays).
 *
 * A run directory OUT holds
 *   run.h5          snapshots, the metrics' time series, the model text
 *                   (docs/output.md: the format, every path);
 *   run.xmf         an XDMF sidecar so ParaView opens the grid series (and
 *                   a table's positions, the cells, as points) as a time
 *                   series (rewritten after each snapshot: lists only
 *                   completed ones);
 *   checkpoint.h5   the complete state for a resume;
 *   status          "running", "completed" or "failed: MESSAGE".
 *
 * Two files, one interface for their contents. rs_io_run owns run.h5's
 * file-and-counter protocol (root attributes, dimension scales, the
 * snapshot counter `nsnapshots` and the metric row counter, status) and
 * rs_io_checkpoint owns checkpoint.h5's atomic replacement. Everything
 * else is written by the components that own it, each into its own
 * section (an HDF5 group) through rs_io_section: grid series appended per
 * snapshot and per-snapshot tables in run.h5, arrays and attributes in
 * checkpoint.h5.
 *
 * run.h5, in order:
 *   rs_io_run_create / rs_io_run_reopen    the file and its protocol
 *   rs_io_run_section + rs_io_section_grid_series ...   each component
 *                                          declares its series: created, or
 *                                          reopened and truncated to the
 *                                          counted snapshots
 *   rs_io_run_ready                        the layout is complete: a new
 *                                          file takes its name run.h5 only
 *                                          now (a kill before leaves none)
 *   (or rs_io_section_table: a per-snapshot table of columns)
 *   rs_io_run_snapshot_begin, rs_io_section_append_grid ...,
 *     rs_io_section_table_begin, _put_column ..., _end,
 *   rs_io_run_snapshot_commit              one snapshot: data, flush, then
 *                                          the counter that makes it count
 *   rs_io_run_metrics                      one metric row
 *   rs_io_run_finish, rs_io_run_destroy
 * A run killed at any moment leaves a run.h5 that opens and holds every
 * snapshot committed before the kill. */
#ifndef REGENSIM_IO_H
#define REGENSIM_IO_H

#include <stddef.h>
#include <stdint.h>
#include "regensim/error.h"
#include "regensim/grid.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How the grid series of run.h5 are stored. Zeroed: float64, shuffle +
 * deflate level 1 (checkpoints are always float64, uncompressed). */
typedef struct rs_io_snapshot_format {
    int float32;        /* 1: float32 (rounded to nearest) */
    int no_compression; /* 1: no filters at all */
    int deflate_level;  /* 1..9; 0: 1 */
} rs_io_snapshot_format;

/* What a run's output describes (strings are copied). */
typedef struct rs_io_run_info {
    const char *dir;            /* output directory */
    int force;                  /* replace an existing run's output */
    const char *model_name;
    const char *model_source;   /* the model text as given */
    const char *model_resolved; /* the resolved model (YAML) */
    uint64_t seed;
    rs_grid grid;
    int nmetrics;
    const char *const *metric_names;
    const char *const *metric_units; /* NULL, or per metric: its units or NULL */
    int ncell_types;
    const char *const *cell_type_names;
    rs_io_snapshot_format snapshots;
} rs_io_run_info;

typedef struct rs_io_run rs_io_run;
typedef struct rs_io_section rs_io_section;
typedef struct rs_io_lock rs_io_lock;

/* Takes the output directory dir (made with its parents if missing and
 * make, else RS_EINVAL when it does not exist) for one run: an exclusive lock on dir/run.lock, held until rs_io_dir_unlock
 * or the process ends (however it ends: the lock of a dead run never
 * blocks). A directory locked by a live run is refused (RS_EINVAL, naming
 * its pid). Take it before anything in dir is created, replaced or
 * resumed (rs_run does). */
RS_API rs_status rs_io_dir_lock(const char *dir, int make, rs_io_lock **out, rs_error *err);
RS_API void rs_io_dir_unlock(rs_io_lock *l);

/* Creates OUT (and parents) and a new run.h5 (under a temporary name until
 * rs_io_run_ready) with the protocol's groups, scales and attributes.
 * Refuses (RS_EINVAL, naming the path and --force) a directory that already
 * holds a run's output unless info->force. */
RS_API rs_status rs_io_run_create(rs_io_run **out, const rs_io_run_info *info,
                                  rs_error *err);

/* Reopens an existing run's output to continue it after a resume from the
 * checkpoint at time t: drops snapshots and metric rows after t. */
RS_API rs_status rs_io_run_reopen(rs_io_run **out, const rs_io_run_info *info, double t,
                                  rs_error *err);

/* The section (group) `name` of run.h5, created or opened; owned by w.
 * Only before rs_io_run_ready. */
RS_API rs_status rs_io_run_section(rs_io_run *w, const char *name, rs_io_section **sec,
                                   rs_error *err);

/* Declares a grid series in a run.h5 section: a dataset [T, nz, ny, nx] of
 * doubles on the run's grid, compressed, with a `units` attribute and the
 * dimension scales time, z, y, x attached, listed in run.xmf. In a new file
 * it is created; in a reopened one it is opened, checked and truncated to
 * the counted snapshots. *handle identifies it to rs_io_section_append_grid. */
RS_API rs_status rs_io_section_grid_series(rs_io_section *sec, const char *name,
                                           const char *units, int *handle, rs_error *err);

/* ---- per-snapshot tables (run.h5) --------------------------------------
 * A section may hold one table written at every snapshot: rows of
 * per-item values (the cells), the group SECTION/<k> for snapshot k, one
 * dataset per column ([nrows], or [nrows, width]) and the attributes time
 * (min) and count (rows). Like every series, /SECTION/<k> counts only for
 * k < the root's nsnapshots: a run killed while writing snapshot k can
 * leave that group partial (its attributes are written last), readers
 * ignore it, and a resume deletes every group from the first uncounted
 * snapshot on. */

/* How a column is given and stored. */
typedef enum rs_io_column_kind {
    RS_IO_COLUMN_UINT64 = 0, /* uint64_t in, uint64 stored (ids) */
    RS_IO_COLUMN_INT32,      /* int32_t in, int32 stored (types, phases) */
    RS_IO_COLUMN_REAL        /* double in; float64 stored, or float32 (rounded to
                              * nearest) when the run's snapshot format says so */
} rs_io_column_kind;

/* One column of a table (strings are copied). */
typedef struct rs_io_column {
    const char *name;   /* dataset name: not empty, no '/', not all digits */
    rs_io_column_kind kind;
    int width;          /* 1: [nrows]; 2..16: [nrows, width] (3: positions) */
    const char *units;  /* its `units` attribute, or NULL for none */
} rs_io_column;

/* Declares the section's table (at most one per section; only before
 * rs_io_run_ready): its ncolumns columns, in order (names distinct), and
 * `points`, the index of a REAL column of width 3 holding positions (um),
 * or -1. With points >= 0, run.xmf lists every snapshot that has rows as
 * a set of points (XDMF Polyvertex) at those positions, with every other
 * column as an attribute. In a reopened run.h5 the counted snapshots'
 * groups must exist (their row counts are read for run.xmf); the
 * uncounted ones are deleted in rs_io_run_ready. Each snapshot is
 * compressed as the grid series are (shuffle + deflate at the run's level,
 * unless no_compression) when it has rows. */
RS_API rs_status rs_io_section_table(rs_io_section *sec, int ncolumns,
                                     const rs_io_column *columns, int points, rs_error *err);

/* Starts the table's group for the snapshot begun (rs_io_run_snapshot_begin),
 * with nrows rows (0 allowed: empty datasets). RS_EIO when the disk has no
 * room for it uncompressed. */
RS_API rs_status rs_io_section_table_begin(rs_io_section *sec, size_t nrows, rs_error *err);

/* Writes column `column` of the table begun: parts holds `width` arrays
 * of nrows values each, of the column's kind (for a position: x, y, z),
 * interleaved into [nrows, width] on the way. Each column once. */
RS_API rs_status rs_io_section_table_put_column(rs_io_section *sec, int column,
                                                const void *const *parts, rs_error *err);

/* Completes the table of the snapshot: every column written; the
 * attributes time and count, then the group closed. The snapshot counts
 * only at rs_io_run_snapshot_commit, which refuses a snapshot whose table
 * was not completed. */
RS_API rs_status rs_io_section_table_end(rs_io_section *sec, rs_error *err);

/* The layout is complete: a new run.h5 is flushed and takes its name;
 * run.xmf and the status file ("running") are written. */
RS_API rs_status rs_io_run_ready(rs_io_run *w, rs_error *err);

/* Starts snapshot number rs_io_run_nsnapshots(w) at time t (min). */
RS_API rs_status rs_io_run_snapshot_begin(rs_io_run *w, double t, rs_error *err);

/* Appends v (nvoxels values) to a grid series as the snapshot begun. */
RS_API rs_status rs_io_section_append_grid(rs_io_section *sec, int handle, const double *v,
                                           rs_error *err);

/* Completes the snapshot: every series declared must have been appended;
 * the data is flushed, then the counter raised and flushed. On RS_OK the
 * snapshot is on disk and counted, and run.xmf lists it. */
RS_API rs_status rs_io_run_snapshot_commit(rs_io_run *w, rs_error *err);

/* Appends one row of metric values at time t. */
RS_API rs_status rs_io_run_metrics(rs_io_run *w, double t, const double *values,
                                   rs_error *err);

/* Marks the run completed (ok) or failed (message) and closes it. */
RS_API rs_status rs_io_run_finish(rs_io_run *w, int ok, const char *message,
                                  rs_error *err);

/* Closes without changing the status (destroy after finish, or to abandon;
 * an abandoned new file that never got ready is removed). */
RS_API void rs_io_run_destroy(rs_io_run *w);

RS_API int rs_io_run_nsnapshots(const rs_io_run *w);

/* The time of counted snapshot k (0 <= k < rs_io_run_nsnapshots), or NaN. */
RS_API double rs_io_run_snapshot_time(const rs_io_run *w, int k);

/* ---- checkpoint.h5 ------------------------------------------------------ */

typedef struct rs_io_checkpoint rs_io_checkpoint;

/* Starts writing a checkpoint to path: it goes to path.tmp until
 * rs_io_checkpoint_commit renames it over path, so a kill leaves either the
 * previous checkpoint or the new one. */
RS_API rs_status rs_io_checkpoint_create(rs_io_checkpoint **out, const char *path,
                                         rs_error *err);

/* Opens an existing checkpoint for reading. */
RS_API rs_status rs_io_checkpoint_open(rs_io_checkpoint **out, const char *path,
                                       rs_error *err);

/* The section `name` of the checkpoint (NULL or "/": the root), created
 * when writing, opened when reading (RS_EIO naming it when missing). */
RS_API rs_status rs_io_checkpoint_section(rs_io_checkpoint *c, const char *name,
                                          rs_io_section **sec, rs_error *err);

/* Flushes, closes, fsyncs and renames the checkpoint into place, then
 * frees c (also on error, when the temporary file is removed). */
RS_API rs_status rs_io_checkpoint_commit(rs_io_checkpoint *c, rs_error *err);

/* Closes c: a checkpoint being read, or one being written that is then
 * abandoned (its temporary file removed). NULL is allowed. */
RS_API void rs_io_checkpoint_close(rs_io_checkpoint *c);

/* Arrays and attributes of a checkpoint section. Doubles are stored as
 * IEEE little-endian doubles, so they read back bitwise. A get checks the
 * stored shape against the one expected (rank and dims) and says both
 * when they differ (RS_EIO). */
RS_API rs_status rs_io_section_put_doubles(rs_io_section *sec, const char *name, int rank,
                                           const size_t *dims, const double *v,
                                           rs_error *err);
RS_API rs_status rs_io_section_get_doubles(rs_io_section *sec, const char *name, int rank,
                                           const size_t *dims, double *v, rs_error *err);
RS_API rs_status rs_io_section_put_int64(rs_io_section *sec, const char *name, int64_t v,
                                         rs_error *err);
RS_API rs_status rs_io_section_get_int64(rs_io_section *sec, const char *name, int64_t *v,
                                         rs_error *err);
RS_API rs_status rs_io_section_put_double(rs_io_section *sec, const char *name, double v,
                                          rs_error *err);
RS_API rs_status rs_io_section_get_double(rs_io_section *sec, const char *name, double *v,
                                          rs_error *err);
RS_API rs_status rs_io_section_put_uint64(rs_io_section *sec, const char *name, uint64_t v,
                                          rs_error *err);
RS_API rs_status rs_io_section_get_uint64(rs_io_section *sec, const char *name, uint64_t *v,
                                          rs_error *err);
/* A 1D array of n uint64 values (ids, counters), stored as uint64 with
 * the same checksum as the doubles; get checks the length (RS_EIO). */
RS_API rs_status rs_io_section_put_uint64s(rs_io_section *sec, const char *name, size_t n,
                                           const uint64_t *v, rs_error *err);
RS_API rs_status rs_io_section_get_uint64s(rs_io_section *sec, const char *name, size_t n,
                                           uint64_t *v, rs_error *err);
/* A string (a scalar dataset); get returns a malloc'd copy in *v. */
RS_API rs_status rs_io_section_put_string(rs_io_section *sec, const char *name,
                                          const char *v, rs_error *err);
RS_API rs_status rs_io_section_get_string(rs_io_section *sec, const char *name, char **v,
                                          rs_error *err);

/* For programs, called first (before any other regensim call): asks HDF5
 * not to shut itself down at the process's exit. HDF5 1.10 crashes in that
 * shutdown when a file's close failed (a disk full while run.h5 was being
 * made); regensim closes every file it opens, so skipping it loses
 * nothing. A no-op once HDF5 has started. */
RS_API void rs_io_skip_exit_cleanup(void);

/* --- for sweeps: a finished run's metrics, a table file, atomic writes --- */

/* A run's metric time series as read back from its run.h5. */
typedef struct rs_io_timeseries {
    int nmetrics;
    char **names;   /* nmetrics names, in run.h5's order (the model's) */
    size_t nrows;   /* the counted rows (/timeseries attribute nrows) */
    double *time;   /* nrows times, min */
    double *values; /* metric-major: values[m * nrows + r] */
} rs_io_timeseries;

/* Reads the counted rows of /timeseries of the run.h5 at path into *out
 * (free with rs_io_timeseries_free; NULL allowed): the metrics in the
 * order of /timeseries's attribute metrics (the model's; a file written
 * before it existed: name order). No metrics or no rows is fine (names,
 * values may then be NULL or empty). On error *out is NULL: RS_EIO with a
 * message naming the file when it is missing, a directory, not HDF5, not
 * a run.h5, or shorter than nrows says; RS_ENOMEM. Prints nothing (HDF5's
 * error stack is silenced). */
RS_API rs_status rs_io_timeseries_read(const char *path, rs_io_timeseries **out,
                                       rs_error *err);
RS_API void rs_io_timeseries_free(rs_io_timeseries *ts);

/* The type of a table file's column or attribute. */
typedef enum rs_io_value_kind {
    RS_IO_F64 = 0, /* float64 */
    RS_IO_I64,     /* int64 */
    RS_IO_STR,     /* variable-length UTF-8 strings */
    RS_IO_STRS     /* attributes only: a 1-D array of strings */
} rs_io_value_kind;

/* A column: nrows values in f64, i64 or str (by kind). */
typedef struct rs_io_file_column {
    const char *name;  /* its dataset's name (dots allowed, no '/') */
    rs_io_value_kind kind;   /* RS_IO_F64, RS_IO_I64 or RS_IO_STR */
    const double *f64;
    const int64_t *i64;
    const char *const *str;
    const char *units; /* NULL, or its `units` attribute */
} rs_io_file_column;

/* A root attribute: str (RS_IO_STR), i64 (RS_IO_I64), f64 (RS_IO_F64) or
 * the nstrs strings strs (RS_IO_STRS). */
typedef struct rs_io_file_attr {
    const char *name;
    rs_io_value_kind kind;
    const char *str;
    int64_t i64;
    double f64;
    const char *const *strs;
    int nstrs;
} rs_io_file_attr;

/* Writes a table of nrows rows as the HDF5 file at path, atomically (a
 * temporary file renamed over path: a reader sees the old file or the new
 * one, never half): one 1-D dataset per column at the root, all on the
 * dimension scale `dim` (an int64 dataset 0..nrows-1), so xarray opens it
 * as a Dataset with dimension `dim` and pandas via h5py; plus the root
 * attributes; readers that follow creation order (xarray) list columns
 * and attributes in the given order. nrows may be 0 (zero-length
 * datasets; data pointers may then be NULL). Everything is checked before
 * anything is written: RS_EINVAL naming the column or attribute for a bad
 * name (NULL, empty, '/', ".", a duplicate or the name of dim), a bad
 * kind, NULL values for nrows > 0 or a NULL string. The file is built in
 * memory and written with rs_io_write_atomic (so not fsynced either);
 * RS_EIO naming the file (e.g. its directory does not exist), the old
 * file then untouched and no path.tmp left. */
RS_API rs_status rs_io_table_file_write(const char *path, const char *dim,
                                        const rs_io_file_column *cols, int ncols, size_t nrows,
                                        const rs_io_file_attr *attrs, int nattrs, rs_error *err);

/* Writes len bytes to path atomically: path.tmp, then rename, so a reader
 * (or a kill) sees the old file or the new one. Not fsynced (a crash of
 * the machine, not of the process, may lose the newest version). */
RS_API rs_status rs_io_write_atomic(const char *path, const char *data, size_t len,
                                    rs_error *err);

#ifdef __cplusplus
}
#endif
#endif

/* io.h: run output. Only src/io touches files.
 *
 * A run directory OUT holds
 *   run.h5          snapshots of every field, the metrics' time series, the
 *                   model text (docs/output.md: the format, every path);
 *   run.xmf         an XDMF sidecar so ParaView opens the fields as a time
 *                   series (rewritten after each snapshot: lists only
 *                   completed ones);
 *   checkpoint.h5   the complete state for --resume;
 *   status          "running", "completed" or "failed: MESSAGE".
 * A run killed at any moment leaves a run.h5 that opens and holds every
 * snapshot completed before the kill. This module knows nothing of rs_sim:
 * the caller hands it plain arrays. */
#ifndef REGENSIM_IO_H
#define REGENSIM_IO_H

#include <stdint.h>
#include "regensim/error.h"
#include "regensim/grid.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a run's output describes (strings are copied). */
typedef struct rs_io_run_info {
    const char *dir;            /* output directory */
    int force;                  /* replace an existing run's output */
    const char *model_name;
    const char *model_source;   /* the model text as given */
    const char *model_resolved; /* the resolved model (YAML) */
    uint64_t seed;
    rs_grid grid;
    int nfields;
    const char *const *field_names;
    const char *const *field_units;
    int nmetrics;
    const char *const *metric_names;
    int ncell_types;
    const char *const *cell_type_names;
} rs_io_run_info;

typedef struct rs_io_run rs_io_run;

/* Creates OUT (and parents) and a new run.h5 with every group, scale and
 * attribute in place, and writes status "running". Refuses (RS_EINVAL,
 * naming the path and --force) a directory that already holds a run's
 * output unless info->force. */
RS_API rs_status rs_io_run_create(rs_io_run **out, const rs_io_run_info *info,
                                  rs_error *err);

/* Reopens an existing run's output to continue it after a resume from the
 * checkpoint at time t: drops snapshots and metric rows after t, writes
 * status "running". */
RS_API rs_status rs_io_run_reopen(rs_io_run **out, const rs_io_run_info *info, double t,
                                  rs_error *err);

/* Appends a snapshot of every field at time t (min); when it returns RS_OK
 * the snapshot is on disk and counted, and run.xmf lists it. */
RS_API rs_status rs_io_run_snapshot(rs_io_run *w, double t, const double *const *fields,
                                    rs_error *err);

/* Appends one row of metric values at time t. */
RS_API rs_status rs_io_run_metrics(rs_io_run *w, double t, const double *values,
                                   rs_error *err);

/* Marks the run completed (ok) or failed (message) and closes it. */
RS_API rs_status rs_io_run_finish(rs_io_run *w, int ok, const char *message,
                                  rs_error *err);

/* Closes without changing the status (destroy after finish, or to abandon). */
RS_API void rs_io_run_destroy(rs_io_run *w);

RS_API int rs_io_run_nsnapshots(const rs_io_run *w);

/* The complete state of a run at one step, for checkpoint.h5. */
typedef struct rs_io_checkpoint {
    int64_t steps;
    double t;
    uint64_t seed;
    rs_grid grid;
    int nfields;
    double **fields;      /* nfields arrays of nvoxels */
    int nparameters;
    double *parameters;
    char *model_resolved; /* to check that a resume uses the same model */
} rs_io_checkpoint;

/* Writes c to path atomically (a temporary file, flushed, then renamed), so
 * a kill leaves either the previous checkpoint or the new one. */
RS_API rs_status rs_io_checkpoint_write(const char *path, const rs_io_checkpoint *c,
                                        rs_error *err);

/* Reads path into c (allocating its arrays; free with
 * rs_io_checkpoint_free). */
RS_API rs_status rs_io_checkpoint_read(const char *path, rs_io_checkpoint *c, rs_error *err);

RS_API void rs_io_checkpoint_free(rs_io_checkpoint *c);

#ifdef __cplusplus
}
#endif
#endif

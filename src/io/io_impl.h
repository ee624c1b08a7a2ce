/* io_impl.h: helpers shared by the files of src/io (HDF5 attribute and
 * string plumbing, atomic small-file writes, the run directory and the
 * XDMF sidecar). Nothing here is exported. */
#ifndef RS_IO_IMPL_H
#define RS_IO_IMPL_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#include "regensim/error.h"
#include "regensim/grid.h"

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
int rs_io_attr_double(hid_t obj, const char *name, double value);
int rs_io_attr_int64(hid_t obj, const char *name, int64_t value);
int rs_io_attr_uint64(hid_t obj, const char *name, uint64_t value);
int rs_io_attr_read_int64(hid_t obj, const char *name, int64_t *value);
int rs_io_attr_read_double(hid_t obj, const char *name, double *value);
int rs_io_attr_read_uint64(hid_t obj, const char *name, uint64_t *value);

/* A scalar variable-length UTF-8 string dataset name under loc. */
int rs_io_write_string(hid_t loc, const char *name, const char *value);
/* Reads it into a malloc'd copy (*out; caller frees). */
int rs_io_read_string(hid_t loc, const char *name, char **out);

/* "dir/name" into buf (size bytes); -1 if it does not fit. */
int rs_io_path(char *buf, size_t size, const char *dir, const char *name);

/* Writes len bytes to path atomically: path.tmp, fsync, rename. */
rs_status rs_io_write_atomic(const char *path, const char *data, size_t len, rs_error *err);

/* fsyncs a closed file by path (and nothing else); 0 or -1. */
int rs_io_fsync_path(const char *path);

/* run_dir.c: makes dir and its parents; refuses one that holds a run's
 * output (run.h5, status or checkpoint.h5) unless force, in which case the old output
 * files are removed. */
rs_status rs_io_dir_prepare(const char *dir, int force, rs_error *err);

/* run_dir.c: writes dir/status atomically ("running", "completed",
 * "failed: MESSAGE"), with a final newline. */
rs_status rs_io_status_write(const char *dir, const char *text, rs_error *err);

/* xdmf.c: rewrites dir/run.xmf atomically, listing nsnap snapshots at
 * times[] of the nfields fields held in run.h5 (shape [T, nz, ny, nx]). */
rs_status rs_io_xdmf_write(const char *dir, const rs_grid *g, int nfields,
                           char *const *field_names, int nsnap, const double *times,
                           rs_error *err);

#endif

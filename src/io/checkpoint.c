/* checkpoint.c: checkpoint.h5, the complete state of a run at one step.
 * Written to PATH.tmp, flushed, closed, fsynced and renamed over PATH, so a
 * kill leaves either the previous checkpoint or the new one. Layout: root
 * attributes format = "regensim-checkpoint", format_version, steps, t,
 * seed, nx ny nz dx, nfields; datasets field_<i> [nz, ny, nx],
 * parameters [n] and model_resolved (string). Doubles are stored as IEEE
 * little-endian doubles, so they read back bitwise. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/io_impl.h"
#include "regensim/alloc.h"
#include "regensim/io.h"

/* Writes n doubles as a dataset of the given rank and dims. */
static int write_doubles(hid_t f, const char *name, int rank, const hsize_t *dims,
                         const double *v)
{
    hid_t s = H5Screate_simple(rank, dims, NULL);
    if (s < 0) return -1;
    hid_t d = H5Dcreate2(f, name, H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Sclose(s);
    if (d < 0) return -1;
    herr_t r = H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    H5Dclose(d);
    return r < 0 ? -1 : 0;
}

/* Writes everything of c into the open file f. */
static int write_contents(hid_t f, const rs_io_checkpoint *c)
{
    const rs_grid *g = &c->grid;
    if (rs_io_attr_string(f, "format", "regensim-checkpoint") < 0 ||
        rs_io_attr_int64(f, "format_version", 1) < 0 || rs_io_attr_int64(f, "steps", c->steps) < 0 ||
        rs_io_attr_double(f, "t", c->t) < 0 || rs_io_attr_uint64(f, "seed", c->seed) < 0 ||
        rs_io_attr_int64(f, "nx", g->nx) < 0 || rs_io_attr_int64(f, "ny", g->ny) < 0 ||
        rs_io_attr_int64(f, "nz", g->nz) < 0 || rs_io_attr_double(f, "dx", g->dx) < 0 ||
        rs_io_attr_int64(f, "nfields", c->nfields) < 0 ||
        rs_io_attr_int64(f, "nparameters", c->nparameters) < 0)
        return -1;
    hsize_t dims[3] = {(hsize_t)g->nz, (hsize_t)g->ny, (hsize_t)g->nx};
    for (int i = 0; i < c->nfields; i++) {
        char name[32];
        snprintf(name, sizeof name, "field_%d", i);
        if (write_doubles(f, name, 3, dims, c->fields[i]) < 0) return -1;
    }
    if (c->nparameters > 0) {
        hsize_t n = (hsize_t)c->nparameters;
        if (write_doubles(f, "parameters", 1, &n, c->parameters) < 0) return -1;
    }
    return rs_io_write_string(f, "model_resolved", c->model_resolved ? c->model_resolved : "");
}

rs_status rs_io_checkpoint_write(const char *path, const rs_io_checkpoint *c, rs_error *err)
{
    if (!path || !c) return rs_error_set(err, RS_EINVAL, "rs_io_checkpoint_write: NULL argument");
    rs_status s = rs_grid_check(&c->grid, err);
    if (s != RS_OK) return s;
    if (c->nfields < 0 || (c->nfields > 0 && !c->fields) || c->nparameters < 0 ||
        (c->nparameters > 0 && !c->parameters))
        return rs_error_set(err, RS_EINVAL, "checkpoint: bad field or parameter arrays");
    for (int i = 0; i < c->nfields; i++)
        if (!c->fields[i]) return rs_error_set(err, RS_EINVAL, "checkpoint: field %d is NULL", i);
    char tmp[4096];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return rs_error_set(err, RS_EINVAL, "checkpoint path too long: %s", path);
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) {
        s = rs_error_set(err, RS_EIO, "cannot create %s", tmp);
    } else {
        int bad = write_contents(f, c) < 0 || H5Fflush(f, H5F_SCOPE_LOCAL) < 0;
        if (H5Fclose(f) < 0) bad = 1;
        if (bad) s = rs_error_set(err, RS_EIO, "cannot write checkpoint %s", tmp);
    }
    rs_io_quiet_end(&q);
    if (s == RS_OK && rs_io_fsync_path(tmp) != 0)
        s = rs_error_set(err, RS_EIO, "cannot flush %s: %s", tmp, strerror(errno));
    if (s == RS_OK && rename(tmp, path) != 0)
        s = rs_error_set(err, RS_EIO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
    if (s != RS_OK) unlink(tmp);
    return s;
}

/* Reads dataset name (of exactly n doubles) into v. */
static int read_doubles(hid_t f, const char *name, size_t n, double *v)
{
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    if (d < 0) return -1;
    hid_t s = H5Dget_space(d);
    hssize_t np = s >= 0 ? H5Sget_simple_extent_npoints(s) : -1;
    if (s >= 0) H5Sclose(s);
    herr_t r = np == (hssize_t)n ? H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v)
                                 : -1;
    H5Dclose(d);
    return r < 0 ? -1 : 0;
}

/* Reads the file f into c (zeroed beforehand). */
static rs_status read_contents(hid_t f, rs_io_checkpoint *c, const char *path, rs_error *err)
{
    int64_t nx, ny, nz, nfields, npar;
    if (rs_io_attr_read_int64(f, "steps", &c->steps) < 0 ||
        rs_io_attr_read_double(f, "t", &c->t) < 0 || rs_io_attr_read_uint64(f, "seed", &c->seed) < 0 ||
        rs_io_attr_read_int64(f, "nx", &nx) < 0 || rs_io_attr_read_int64(f, "ny", &ny) < 0 ||
        rs_io_attr_read_int64(f, "nz", &nz) < 0 || rs_io_attr_read_double(f, "dx", &c->grid.dx) < 0 ||
        rs_io_attr_read_int64(f, "nfields", &nfields) < 0 ||
        rs_io_attr_read_int64(f, "nparameters", &npar) < 0)
        return rs_error_set(err, RS_EIO, "%s is not a regensim checkpoint", path);
    if (nx < 1 || ny < 1 || nz < 1 || nx > INT32_MAX || ny > INT32_MAX || nz > INT32_MAX ||
        nfields < 0 || nfields > 100000 || npar < 0 || npar > INT32_MAX)
        return rs_error_set(err, RS_EIO, "%s: implausible sizes", path);
    c->grid.nx = (int)nx;
    c->grid.ny = (int)ny;
    c->grid.nz = (int)nz;
    rs_status s = rs_grid_check(&c->grid, err);
    if (s != RS_OK) return s;
    size_t nv = rs_grid_voxels(&c->grid);
    if (nfields > 0) {
        c->fields = calloc((size_t)nfields, sizeof *c->fields);
        if (!c->fields) return rs_error_set(err, RS_ENOMEM, "out of memory");
        c->nfields = (int)nfields;
    }
    for (int i = 0; i < c->nfields; i++) {
        char name[32];
        snprintf(name, sizeof name, "field_%d", i);
        s = rs_alloc_doubles(&c->fields[i], nv, err);
        if (s != RS_OK) return s;
        if (read_doubles(f, name, nv, c->fields[i]) < 0)
            return rs_error_set(err, RS_EIO, "%s: cannot read %s", path, name);
    }
    if (npar > 0) {
        c->parameters = malloc((size_t)npar * sizeof *c->parameters);
        if (!c->parameters) return rs_error_set(err, RS_ENOMEM, "out of memory");
        c->nparameters = (int)npar;
        if (read_doubles(f, "parameters", (size_t)npar, c->parameters) < 0)
            return rs_error_set(err, RS_EIO, "%s: cannot read parameters", path);
    }
    if (rs_io_read_string(f, "model_resolved", &c->model_resolved) < 0)
        return rs_error_set(err, RS_EIO, "%s: cannot read model_resolved", path);
    return RS_OK;
}

rs_status rs_io_checkpoint_read(const char *path, rs_io_checkpoint *c, rs_error *err)
{
    if (!path || !c) return rs_error_set(err, RS_EINVAL, "rs_io_checkpoint_read: NULL argument");
    memset(c, 0, sizeof *c);
    if (access(path, R_OK) != 0)
        return rs_error_set(err, RS_EIO, "cannot read checkpoint %s: %s", path, strerror(errno));
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    rs_status s;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        s = rs_error_set(err, RS_EIO, "cannot open checkpoint %s", path);
    } else {
        s = read_contents(f, c, path, err);
        H5Fclose(f);
    }
    rs_io_quiet_end(&q);
    if (s != RS_OK) rs_io_checkpoint_free(c);
    return s;
}

void rs_io_checkpoint_free(rs_io_checkpoint *c)
{
    if (!c) return;
    for (int i = 0; c->fields && i < c->nfields; i++) rs_free_aligned(c->fields[i]);
    free(c->fields);
    free(c->parameters);
    free(c->model_resolved);
    memset(c, 0, sizeof *c);
}

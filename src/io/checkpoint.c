/* checkpoint.c: checkpoint.h5's protocol (rs_io_checkpoint_*). A
 * checkpoint is written to PATH.tmp, closed, fsynced and renamed over
 * PATH, so a kill leaves either the previous checkpoint or the new one; a
 * full disk is an error with its reason, and the half-written temporary is
 * dropped (rs_io_close_or_drop). Its contents are sections (HDF5 groups, the root among them) that
 * the components owning the state write and read through rs_io_section
 * (section.c); this file knows none of them. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/io_impl.h"

struct rs_io_checkpoint {
    hid_t file;
    int writing;
    char *path, *tmp;
    rs_io_section *sections;
};

/* Frees c after closing its sections and file; 0, or -1 if a close failed. */
static int checkpoint_free(rs_io_checkpoint *c)
{
    int bad = 0;
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    rs_io_section_free_all(c->sections);
    if (c->file >= 0 && H5Fclose(c->file) < 0) bad = 1;
    rs_io_quiet_end(&q);
    free(c->path);
    free(c->tmp);
    free(c);
    return bad ? -1 : 0;
}

/* Allocates c with path (and path.tmp). */
static rs_status checkpoint_alloc(rs_io_checkpoint **out, const char *path, int writing,
                                  rs_error *err)
{
    *out = NULL;
    if (!path || !*path) return rs_error_set(err, RS_EINVAL, "checkpoint: no path given");
    rs_io_checkpoint *c = calloc(1, sizeof *c);
    size_t n = strlen(path);
    if (c) {
        c->file = -1;
        c->writing = writing;
        c->path = malloc(n + 1);
        c->tmp = malloc(n + 5);
    }
    if (!c || !c->path || !c->tmp) {
        if (c) checkpoint_free(c);
        return rs_error_set(err, RS_ENOMEM, "out of memory");
    }
    memcpy(c->path, path, n + 1);
    snprintf(c->tmp, n + 5, "%s.tmp", path);
    *out = c;
    return RS_OK;
}

rs_status rs_io_checkpoint_create(rs_io_checkpoint **out, const char *path, rs_error *err)
{
    if (!out) return rs_error_set(err, RS_EINVAL, "rs_io_checkpoint_create: out is NULL");
    *out = NULL;
    rs_io_checkpoint *c;
    rs_status s = checkpoint_alloc(&c, path, 1, err);
    if (s != RS_OK) return s;
    errno = 0;
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    c->file = H5Fcreate(c->tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    rs_io_quiet_end(&q);
    if (c->file < 0) {
        s = rs_error_set(err, RS_EIO, "cannot create %s: %s", c->tmp, rs_io_reason());
        checkpoint_free(c);
        return s;
    }
    *out = c;
    return RS_OK;
}

rs_status rs_io_checkpoint_open(rs_io_checkpoint **out, const char *path, rs_error *err)
{
    if (!out) return rs_error_set(err, RS_EINVAL, "rs_io_checkpoint_open: out is NULL");
    *out = NULL;
    rs_io_checkpoint *c;
    rs_status s = checkpoint_alloc(&c, path, 0, err);
    if (s != RS_OK) return s;
    if (access(path, R_OK) != 0) {
        s = rs_error_set(err, RS_EIO, "cannot read checkpoint %s: %s", path, strerror(errno));
        checkpoint_free(c);
        return s;
    }
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    c->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    rs_io_quiet_end(&q);
    if (c->file < 0) {
        s = rs_error_set(err, RS_EIO, "cannot open checkpoint %s (not an HDF5 file?)", path);
        checkpoint_free(c);
        return s;
    }
    *out = c;
    return RS_OK;
}

rs_status rs_io_checkpoint_section(rs_io_checkpoint *c, const char *name, rs_io_section **sec,
                                   rs_error *err)
{
    if (!c || c->file < 0 || !sec)
        return rs_error_set(err, RS_EINVAL, "checkpoint section: bad arguments");
    int root = !name || !*name || strcmp(name, "/") == 0;
    if (!root && strchr(name, '/'))
        return rs_error_set(err, RS_EINVAL, "checkpoint section '%s': no '/' allowed", name);
    const char *key = root ? "" : name;
    for (rs_io_section *p = c->sections; p; p = p->next)
        if (strcmp(p->name, key) == 0) {
            *sec = p;
            return RS_OK;
        }
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    hid_t g;
    if (root)
        g = H5Gopen2(c->file, "/", H5P_DEFAULT);
    else if (c->writing)
        g = H5Gcreate2(c->file, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    else
        g = H5Lexists(c->file, name, H5P_DEFAULT) > 0 ? H5Gopen2(c->file, name, H5P_DEFAULT)
                                                       : -1;
    rs_io_quiet_end(&q);
    if (g < 0)
        return rs_error_set(err, RS_EIO, "%s: cannot %s section /%s",
                            c->writing ? c->tmp : c->path, c->writing ? "create" : "find", key);
    rs_io_section *s = rs_io_section_new(g, key, NULL, c->writing);
    if (!s) return rs_error_set(err, RS_ENOMEM, "out of memory");
    s->file = c->writing ? c->tmp : c->path;
    s->next = c->sections;
    c->sections = s;
    *sec = s;
    return RS_OK;
}

rs_status rs_io_checkpoint_commit(rs_io_checkpoint *c, rs_error *err)
{
    if (!c) return rs_error_set(err, RS_EINVAL, "rs_io_checkpoint_commit: NULL checkpoint");
    if (!c->writing) {
        checkpoint_free(c);
        return rs_error_set(err, RS_EINVAL, "a checkpoint opened for reading cannot commit");
    }
    rs_status s = RS_OK;
    char *path = c->path, *tmp = c->tmp;
    c->path = c->tmp = NULL;
    hid_t f = c->file;
    c->file = -1;
    checkpoint_free(c); /* the sections; the file is closed below */
    errno = 0;
    rs_io_quiet q;
    rs_io_quiet_begin(&q);
    int bad = H5Fflush(f, H5F_SCOPE_LOCAL) < 0;
    int e = errno;
    if (rs_io_close_or_drop(f, tmp) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    rs_io_quiet_end(&q);
    errno = e;
    if (bad) {
        s = rs_error_set(err, RS_EIO, "cannot write %s: %s", tmp, rs_io_reason());
        unlink(tmp);
    }
    if (s == RS_OK && rs_io_fsync_path(tmp) != 0)
        s = rs_error_set(err, RS_EIO, "cannot flush %s: %s", tmp, strerror(errno));
    if (s == RS_OK && rename(tmp, path) != 0)
        s = rs_error_set(err, RS_EIO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
    if (s != RS_OK) unlink(tmp);
    free(path);
    free(tmp);
    return s;
}

void rs_io_checkpoint_close(rs_io_checkpoint *c)
{
    if (!c) return;
    if (c->writing && c->file >= 0) { /* abandoned: drop the temporary */
        hid_t f = c->file;
        c->file = -1;
        char *tmp = c->tmp;
        c->tmp = NULL;
        rs_io_section_free_all(c->sections);
        c->sections = NULL;
        rs_io_quiet q;
        rs_io_quiet_begin(&q);
        if (rs_io_close_or_drop(f, tmp) == 0) unlink(tmp);
        rs_io_quiet_end(&q);
        free(tmp);
    }
    checkpoint_free(c);
}

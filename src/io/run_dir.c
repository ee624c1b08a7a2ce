/* run_dir.c: the run directory: creating it (and its parents), its lock
 * (one live run per directory), refusing to overwrite an existing run's
 * output without force, and the status file. */
#define _DEFAULT_SOURCE /* flock */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "io/io_impl.h"

/* mkdir -p: makes path and every missing parent. 0 or -1 (errno set). */
static int mkdir_parents(const char *path)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        char c = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST) return -1;
        buf[i] = c;
    }
    struct stat st;
    if (stat(path, &st) != 0) return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

/* 1 if dir/name exists. */
static int exists_in(const char *dir, const char *name)
{
    char p[4096];
    struct stat st;
    return rs_io_path(p, sizeof p, dir, name) == 0 && stat(p, &st) == 0;
}

rs_status rs_io_dir_prepare(const char *dir, int force, rs_error *err)
{
    if (!dir || !*dir) return rs_error_set(err, RS_EINVAL, "no output directory given");
    if (mkdir_parents(dir) != 0)
        return rs_error_set(err, RS_EIO, "cannot create output directory %s: %s", dir,
                            strerror(errno));
    if (exists_in(dir, "run.h5") || exists_in(dir, "status") ||
        exists_in(dir, "checkpoint.h5")) {
        if (!force)
            return rs_error_set(err, RS_EINVAL,
                                "%s already holds a run's output (run.h5, status or "
                                "checkpoint.h5); "
                                "choose another directory or pass --force to replace it",
                                dir);
        static const char *const old[] = {"run.h5",        "run.xmf",    "run.xmf.tmp",
                                          "checkpoint.h5", "status",     "status.tmp",
                                          "checkpoint.h5.tmp", "run.h5.tmp", "run-xdmf.h5",
                                          "run-xdmf.h5.tmp", "run.reserve"};
        for (size_t i = 0; i < sizeof old / sizeof old[0]; i++) {
            char p[4096];
            if (rs_io_path(p, sizeof p, dir, old[i]) != 0)
                return rs_error_set(err, RS_EINVAL, "output path too long: %s", dir);
            if (unlink(p) != 0 && errno != ENOENT)
                return rs_error_set(err, RS_EIO, "cannot remove %s: %s", p, strerror(errno));
        }
    }
    return RS_OK;
}

/* Bytes kept allocated in status.tmp for the next status: a status line is
 * at most 1 KiB. */
#define RS_IO_STATUS_SPARE 4096

/* The status file is written into status.tmp and renamed over status, so
 * readers see a whole line. status.tmp is kept allocated between writes
 * (RS_IO_STATUS_SPARE bytes, written over in place), so that the last
 * status of a run that filled its disk can still be written: the file must
 * never say "running" of a run that has ended. */
rs_status rs_io_status_write(const char *dir, const char *text, rs_error *err)
{
    char p[4096], tmp[4200], line[1024];
    if (rs_io_path(p, sizeof p, dir, "status") != 0)
        return rs_error_set(err, RS_EINVAL, "output path too long: %s", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", p);
    int n = snprintf(line, sizeof line, "%s\n", text);
    if (n < 0) return rs_error_set(err, RS_EINVAL, "bad status text");
    size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    if ((size_t)n >= sizeof line) line[len - 1] = '\n'; /* truncated: keep the newline */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return rs_error_set(err, RS_EIO, "cannot open %s: %s", tmp, strerror(errno));
    int bad = pwrite(fd, line, len, 0) != (ssize_t)len || ftruncate(fd, (off_t)len) != 0 ||
              fsync(fd) != 0;
    int e = errno;
    if (close(fd) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (bad || rename(tmp, p) != 0) {
        if (!bad) e = errno;
        unlink(tmp);
        return rs_error_set(err, RS_EIO, "cannot write %s: %s", p, strerror(e));
    }
    /* the spare for the next status (best effort: a full disk may refuse) */
    fd = open(tmp, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
        if (posix_fallocate(fd, 0, RS_IO_STATUS_SPARE) != 0) {
            close(fd);
            unlink(tmp);
        } else {
            close(fd);
        }
    }
    return RS_OK;
}

/* Bytes of OUT/run.reserve: room for what a failing run must still write
 * (run.h5's last metadata flush and status, the status file). */
#define RS_IO_RESERVE_BYTES (1u << 20)

rs_status rs_io_reserve_make(const char *dir, rs_error *err)
{
    char p[4096];
    if (rs_io_path(p, sizeof p, dir, "run.reserve") != 0)
        return rs_error_set(err, RS_EINVAL, "output path too long: %s", dir);
    int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    int r = fd < 0 ? errno : posix_fallocate(fd, 0, RS_IO_RESERVE_BYTES);
    if (fd >= 0) close(fd);
    if (r != 0) {
        unlink(p);
        return rs_error_set(err, RS_EIO, "cannot reserve %u bytes in %s for the run's last "
                            "writes: %s", RS_IO_RESERVE_BYTES, dir, strerror(r));
    }
    return RS_OK;
}

void rs_io_reserve_release(const char *dir)
{
    char p[4096];
    if (rs_io_path(p, sizeof p, dir, "run.reserve") == 0) unlink(p);
}

struct rs_io_lock {
    int fd;
};

/* The lock is flock(2) on OUT/run.lock, held by an open descriptor: the
 * kernel drops it when the process ends however it ends, so the lock of a
 * dead run never blocks, and the file (which says the holder's pid, for
 * the message) is never removed: removing a lock file another process has
 * open would let a third take a second "exclusive" lock. */
rs_status rs_io_dir_lock(const char *dir, int make, rs_io_lock **out, rs_error *err)
{
    if (!out) return rs_error_set(err, RS_EINVAL, "rs_io_dir_lock: out is NULL");
    *out = NULL;
    if (!dir || !*dir) return rs_error_set(err, RS_EINVAL, "no output directory given");
    struct stat st;
    if (!make && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)))
        return rs_error_set(err, RS_EINVAL, "%s is not a directory: nothing to resume there",
                            dir);
    if (mkdir_parents(dir) != 0)
        return rs_error_set(err, RS_EIO, "cannot create output directory %s: %s", dir,
                            strerror(errno));
    char p[4096];
    if (rs_io_path(p, sizeof p, dir, "run.lock") != 0)
        return rs_error_set(err, RS_EINVAL, "output path too long: %s", dir);
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return rs_error_set(err, RS_EIO, "cannot open %s: %s", p, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        char pid[32] = "";
        ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        close(fd);
        if (e == EWOULDBLOCK)
            return rs_error_set(err, RS_EINVAL,
                                "%s is in use by a live run (pid %s); wait for it to end, or "
                                "give another output directory",
                                dir, pid[0] ? pid : "unknown");
        return rs_error_set(err, RS_EIO, "cannot lock %s: %s", p, strerror(e));
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
        /* The lock holds without the pid; the message would say "unknown". */
    }
    rs_io_lock *l = malloc(sizeof *l);
    if (!l) {
        close(fd);
        return rs_error_set(err, RS_ENOMEM, "out of memory");
    }
    l->fd = fd;
    *out = l;
    return RS_OK;
}

void rs_io_dir_unlock(rs_io_lock *l)
{
    if (!l) return;
    close(l->fd); /* releases the flock */
    free(l);
}

int rs_io_close_or_drop(hid_t f, const char *path)
{
    errno = 0;
    if (H5Fclose(f) >= 0) return 0;
    int e = errno ? errno : EIO;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    else snprintf(dir, sizeof dir, ".");
    rs_io_reserve_release(dir);
    H5Fclose(f); /* with the reserve's room, HDF5 can finish and let go */
    unlink(path);
    rs_error ignored;
    rs_io_reserve_make(dir, &ignored);
    errno = e;
    return -1;
}

rs_status rs_io_space_check(const char *path, double bytes, const char *what, rs_error *err)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        char *slash = strrchr(dir, '/');
        if (slash) *slash = '\0';
        else snprintf(dir, sizeof dir, ".");
    }
    struct statvfs fs;
    if (statvfs(dir, &fs) != 0) return RS_OK; /* cannot tell: let the write say */
    double avail = (double)fs.f_bavail * (double)fs.f_frsize, need = bytes + 262144.0;
    if (avail >= need) return RS_OK;
    return rs_error_set(err, RS_EIO, "cannot write %s in %s: %s (needs %.3g MB, %.3g MB free)",
                        what, dir, strerror(ENOSPC), need / 1e6, avail / 1e6);
}

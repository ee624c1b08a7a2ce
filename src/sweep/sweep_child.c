/* sweep_child.c: one run of a sweep as its own process (regensim/sweep.h):
 * starting it (`regensim run` into DIR/runs/<index>-<replicate>, its
 * stdout and stderr in the log there) and, once it has ended, reading how
 * it ended and its summary values. A process per run keeps the runs apart:
 * HDF5's error stack and FFTW's planner are process-wide, and a crash or a
 * blow-up of one run cannot take the sweep down. Both the local and the
 * MPI runner use these two calls. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "regensim/io.h"
#include "sweep/sweep_impl.h"

/* mkdir that accepts an existing directory. */
static int make_dir(const char *path)
{
    return mkdir(path, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

/* The exit code of a run's process that could not start its program (the
 * child's message says so): a fault of the machine, not of the run. */
#define EXIT_NO_PROGRAM 127
static const char no_program[] = "regensim sweep: cannot start the run's program";

/* The child between fork and exec: only async-signal-safe calls. Its own
 * process group, so that a Ctrl-C at the terminal reaches the sweep only
 * (which stops its runs itself); killed when the sweep's thread ends. */
static void exec_run(const char *exe, char *const *argv, int log, pid_t parent)
{
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* dies with the sweep */
#endif
    if (getppid() != parent) _exit(126); /* the sweep died before that */
    setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);
    if (log < 3) { /* stdio was closed: keep the log clear of 0, 1, 2 */
        int moved = fcntl(log, F_DUPFD, 3);
        if (moved >= 0) log = moved;
    }
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0 && devnull != 0) {
        dup2(devnull, 0);
        close(devnull);
    }
    dup2(log, 1);
    dup2(log, 2);
    if (log > 2) close(log);
    execv(exe, argv);
    ssize_t w = write(2, no_program, sizeof no_program - 1);
    w = write(2, "\n", 1);
    (void)w;
    _exit(EXIT_NO_PROGRAM);
}

char **rs_sweep_run_argv(const rs_sweep *s, const char *dir, const char *exe, size_t k,
                         int threads, int *argc)
{
    char path[4096], nthreads[16];
    if (rs_sweep_run_path(s, dir, k, path, sizeof path) != 0) return NULL;
    snprintf(nthreads, sizeof nthreads, "%d", threads > 0 ? threads : 1);
    int nov = 0;
    char **ov = rs_sweep_run_overrides(s, k, &nov);
    char **argv = ov ? calloc((size_t)(2 * nov + 10), sizeof *argv) : NULL;
    if (!argv) {
        rs_sweep_strings_free(ov, nov);
        return NULL;
    }
    const char *fixed[] = {exe, "run", s->model_path, "-o", path, "--quiet", "--force",
                           "--threads", nthreads};
    int a = 0, bad = 0;
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) bad |= !(argv[a++] = rs_strdup(fixed[i]));
    for (int i = 0; i < nov; i++) {
        bad |= !(argv[a++] = rs_strdup("--set"));
        argv[a++] = ov[i]; /* taken over */
        ov[i] = NULL;
    }
    argv[a] = NULL;
    rs_sweep_strings_free(ov, nov);
    if (bad) {
        rs_sweep_strings_free(argv, a);
        return NULL;
    }
    *argc = a;
    return argv;
}

rs_status rs_sweep_run_start(const rs_sweep *s, const char *dir, const char *exe, size_t k,
                             int threads, long *pid, rs_error *err)
{
    char path[4096], runs[4096], log_path[4200];
    if (rs_sweep_run_path(s, dir, k, path, sizeof path) != 0 ||
        snprintf(runs, sizeof runs, "%s/runs", dir) >= (int)sizeof runs)
        return rs_error_set(err, RS_EINVAL, "path too long: %s", dir);
    if (make_dir(runs) != 0 || make_dir(path) != 0)
        return rs_error_set(err, RS_EIO, "cannot make %s: %s", path, strerror(errno));
    snprintf(log_path, sizeof log_path, "%s/log", path);
    int argc = 0;
    char **argv = rs_sweep_run_argv(s, dir, exe, k, threads, &argc);
    if (!argv) return rs_error_set(err, RS_ENOMEM, "out of memory");
    rs_status st = RS_OK;
    int log = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log < 0) {
        st = rs_error_set(err, RS_EIO, "cannot create %s: %s", log_path, strerror(errno));
    } else {
        pid_t parent = getpid(), p = fork();
        if (p == 0) exec_run(exe, argv, log, parent);
        if (p < 0)
            st = rs_error_set(err, RS_EIO, "cannot start run %zu: %s", k, strerror(errno));
        else
            *pid = (long)p;
        close(log);
    }
    rs_sweep_strings_free(argv, argc);
    return st;
}

/* Copies prefix and text into buf, cut to fit (at a UTF-8 character's
 * start, so a message stays valid UTF-8). */
static void clip(char *buf, size_t size, const char *prefix, const char *text)
{
    size_t a = strlen(prefix), b = strlen(text);
    if (a > size - 1) a = size - 1;
    if (b > size - 1 - a) {
        b = size - 1 - a;
        while (b > 0 && ((unsigned char)text[b] & 0xC0) == 0x80) b--;
    }
    memcpy(buf, prefix, a);
    memcpy(buf + a, text, b);
    buf[a + b] = '\0';
}

/* The last non-empty line of the file at path (without a "regensim: "
 * prefix) in buf, read from its last 64 KiB; 0, or -1 when there is none. */
static int last_line(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    if (fseek(f, 0, SEEK_END) == 0 && ftell(f) > 65536) {
        fseek(f, -65536, SEEK_END);
        int c;
        while ((c = fgetc(f)) != EOF && c != '\n') {} /* to a line's start */
    } else {
        rewind(f);
    }
    char line[1024];
    int found = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0]) continue;
        const char *t = strncmp(line, "regensim: ", 10) == 0 ? line + 10 : line;
        clip(buf, size, "", t);
        found = 1;
    }
    fclose(f);
    return found ? 0 : -1;
}

/* The time metric m first crosses level (downward or upward), linearly
 * interpolated between rows; NaN when it never does. Rows whose value is
 * not finite are passed over (a crossing spans them). */
static double crossing(const rs_io_timeseries *ts, int m, double level, int upward)
{
    const double *v = ts->values + (size_t)m * ts->nrows, *t = ts->time;
    size_t prev = ts->nrows; /* the last finite row */
    for (size_t r = 0; r < ts->nrows; r++) {
        if (!isfinite(v[r])) continue;
        if (prev < ts->nrows) {
            double a = v[prev], b = v[r];
            int cross = upward ? a < level && b >= level : a > level && b <= level;
            if (cross) return t[prev] + (level - a) / (b - a) * (t[r] - t[prev]);
        }
        prev = r;
    }
    return NAN;
}

/* The summary values of a completed run from its run.h5; 0 or -1 (message). */
static int read_values(const rs_sweep *s, const char *path, rs_sweep_result *r)
{
    char h5[4200];
    snprintf(h5, sizeof h5, "%s/run.h5", path);
    rs_io_timeseries *ts = NULL;
    rs_error e;
    rs_error_clear(&e);
    if (rs_io_timeseries_read(h5, &ts, &e) != RS_OK) {
        clip(r->message, sizeof r->message, "completed, but its metrics cannot be read: ", e.msg);
        return -1;
    }
    int bad = 0;
    for (int i = 0; i < s->noutputs && !bad; i++) {
        const rs_sweep_output *o = &s->outputs[i];
        const char *name = s->metric_names[o->metric];
        int m = -1;
        for (int j = 0; j < ts->nmetrics; j++)
            if (strcmp(ts->names[j], name) == 0) m = j;
        if (m < 0) {
            snprintf(r->message, sizeof r->message, "its run.h5 has no metric '%s'", name);
            bad = 1;
        } else if (o->kind == RS_SWEEP_FINAL) {
            r->values[i] = ts->nrows ? ts->values[(size_t)m * ts->nrows + ts->nrows - 1] : NAN;
        } else {
            r->values[i] = crossing(ts, m, o->level, o->kind == RS_SWEEP_FIRST_ABOVE);
        }
    }
    rs_io_timeseries_free(ts);
    return bad ? -1 : 0;
}

rs_status rs_sweep_run_collect(const rs_sweep *s, const char *dir, size_t k, int wstatus,
                               double wall, rs_sweep_result *r, rs_error *err)
{
    char path[4096], file[4200], status[600] = "";
    if (rs_sweep_run_path(s, dir, k, path, sizeof path) != 0)
        return rs_error_set(err, RS_EINVAL, "path too long: %s", dir);
    r->run = k;
    r->wall = wall;
    r->failed = 1;
    r->interrupted = 0;
    r->message[0] = '\0';
    for (int i = 0; i < s->noutputs; i++) r->values[i] = NAN;
    snprintf(file, sizeof file, "%s/status", path);
    int have_status = last_line(file, status, sizeof status) == 0;
    if ((WIFSIGNALED(wstatus) && (WTERMSIG(wstatus) == SIGINT || WTERMSIG(wstatus) == SIGTERM)) ||
        (have_status && strcmp(status, "failed: interrupted") == 0)) {
        /* stopped from outside (the sweep or the user): not its outcome */
        r->interrupted = 1;
        snprintf(r->message, sizeof r->message, "interrupted");
        return RS_OK;
    }
    if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == EXIT_NO_PROGRAM) {
        snprintf(file, sizeof file, "%s/log", path);
        char line[600] = "";
        if (last_line(file, line, sizeof line) == 0 && strcmp(line, no_program) == 0)
            return rs_error_set(err, RS_EIO, "%s: the runs' program could not be started "
                                "(run %zu's log: %s)", path, k, line);
    }
    if (WIFSIGNALED(wstatus)) {
        int sig = WTERMSIG(wstatus);
        snprintf(r->message, sizeof r->message, "crashed: killed by signal %d (%s)", sig,
                 strsignal(sig));
    } else if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0 && have_status &&
               strcmp(status, "completed") == 0) {
        r->failed = read_values(s, path, r) != 0;
    } else if (have_status && strncmp(status, "failed: ", 8) == 0) {
        clip(r->message, sizeof r->message, "", status + 8);
    } else {
        snprintf(file, sizeof file, "%s/log", path);
        if (last_line(file, r->message, sizeof r->message) != 0)
            snprintf(r->message, sizeof r->message, "exited with code %d and no message",
                     WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
    }
    if (r->failed) return RS_OK; /* a failed run's directory is kept */
    if (s->keep == RS_SWEEP_KEEP_NONE) {
        if (rs_sweep_remove_tree(path) != 0)
            return rs_error_set(err, RS_EIO, "cannot remove %s: %s", path, strerror(errno));
    } else if (s->keep == RS_SWEEP_KEEP_FINAL) {
        snprintf(file, sizeof file, "%s/checkpoint.h5", path);
        if (unlink(file) != 0 && errno != ENOENT)
            return rs_error_set(err, RS_EIO, "cannot remove %s: %s", file, strerror(errno));
    }
    return RS_OK;
}

/* bench_sweep.c: the sweep machinery for regensim-bench (bench_sweep.h).
 * In a temporary directory it writes the sweep tests' tiny model (a copy
 * of tests/sweep/tiny.yaml, kept here so that the benchmark needs no
 * source tree) and a sweep file over it: a grid of N distinct values of
 * `k`, one replicate, keep: none, one thread per run. Then, R times over:
 *  (a) "direct": the N runs, one after another, each started by this
 *      program as `regensim run` (posix_spawn, wait) with exactly the
 *      arguments the sweep gives it (rs_sweep_run_overrides and
 *      rs_sweep_run_path, as src/sweep/sweep_child.c builds them); the sum
 *      of their walls (the time between the runs, spent removing their
 *      directories, is not counted);
 *  (b) `regensim sweep FILE -o DIR -j 1 --quiet`, one process, its wall;
 *  (c) the same with -j 2 (a fresh DIR each time).
 * (a) and (b) alternate in order from one repeat to the next, so a drift
 * of the machine's load falls on both. The overhead per run is
 * (b - a) / N; the speedup b / c. Medians over the repeats are reported. */
#define _XOPEN_SOURCE 700
#include "bench_sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#include "regensim/error.h"
#include "regensim/export.h"
#include "regensim/sweep.h"

/* tests/sweep/tiny.yaml: a 2D field on a 10 x 10 grid growing
 * logistically and decaying over 30 one-minute steps; a run is mostly
 * process start and HDF5 file creation. */
static const char tiny_model[] =
    "regensim: 1\n"
    "name: sweep_tiny\n"
    "\n"
    "domain:\n"
    "  size: [100, 100]\n"
    "  dx: 10\n"
    "\n"
    "time:\n"
    "  end: 30\n"
    "  dt: {diffusion: 1, mechanics: 1, phenotype: 1}\n"
    "  save_every: 10\n"
    "\n"
    "solver: lod\n"
    "\n"
    "parameters:\n"
    "  D: 100                 # um^2/min\n"
    "  k: 0.05                # 1/min\n"
    "  growth: 0.1            # 1/min\n"
    "  cap: 1\n"
    "\n"
    "substrates:\n"
    "  u:\n"
    "    diffusion: \"D\"\n"
    "    decay: \"k\"\n"
    "    reaction: \"growth * u * (1 - u / cap)\"\n"
    "    initial: \"0.2 + 0.1 * exp(-((x - 50)^2 + (y - 50)^2) / 400)\"\n"
    "\n"
    "metrics:\n"
    "  u_mean: \"mean(u)\"\n"
    "  u_max: \"max(u)\"\n";

/* printf into buf of size bytes, cut to fit (every path here lies under
 * a short temporary directory; messages may be cut). */
static void set_text(char *buf, size_t size, const char *fmt, ...) RS_PRINTF(3, 4);
static void set_text(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}

/* Seconds on the monotonic clock. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* User + system seconds in a resource-usage record. */
static double cpu_of(const struct rusage *ru)
{
    return (double)ru->ru_utime.tv_sec + 1e-6 * (double)ru->ru_utime.tv_usec +
           (double)ru->ru_stime.tv_sec + 1e-6 * (double)ru->ru_stime.tv_usec;
}

/* nftw's callback for remove_tree: removes one file or (emptied) folder. */
static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(path);
}

/* Removes path and everything under it (nothing there: 0); 0 or -1. */
static int remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return errno == ENOENT ? 0 : -1;
    return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes text to the file at path; 0 or -1. */
static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    int bad = fputs(text, f) < 0;
    bad |= fclose(f) != 0;
    return bad ? -1 : 0;
}

/* The sweep file: a grid over n distinct values of k (0.01, 0.011, ...),
 * one replicate, nothing kept, one thread per run. 0 or -1. */
static int write_sweep_file(const char *path, int n)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fputs("sweep: 1\nmodel: tiny.yaml\ndesign: grid\nreplicates: 1\nparameters:\n"
          "  k: {values: [", f);
    for (int i = 0; i < n; i++) fprintf(f, "%s%.3f", i ? ", " : "", 0.01 + 0.001 * i);
    fputs("]}\nkeep: none\nthreads_per_run: 1\n", f);
    return fclose(f) != 0 ? -1 : 0;
}

/* User + system seconds of this process's waited-for children so far. */
static double children_cpu(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_CHILDREN, &ru) == 0 ? cpu_of(&ru) : 0.0;
}

/* Runs argv[0] with argv, stdin from /dev/null and stdout and stderr to
 * the file at out (/dev/null when NULL), and waits for it. posix_spawn
 * (a vfork in glibc) rather than fork: starting the process costs this
 * program nothing that grows with its own size, so the time is the run's
 * own. Returns its wall seconds (from before the start to the end of the
 * wait) with its wait status and CPU seconds (its own waited-for children
 * included), or -1 (error set) when it could not be started. */
static double spawn(char *const *argv, const char *out, int *wstatus, double *cpu, char *error,
                    size_t size)
{
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0) {
        set_text(error, size, "cannot start %s: out of memory", argv[0]);
        return -1;
    }
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out ? out : "/dev/null",
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    const double cpu0 = children_cpu(), t0 = now();
    pid_t p;
    int e = posix_spawn(&p, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (e != 0) {
        set_text(error, size, "cannot start %s: %s", argv[0], strerror(e));
        return -1;
    }
    pid_t got;
    do got = waitpid(p, wstatus, 0);
    while (got < 0 && errno == EINTR);
    const double wall = now() - t0;
    if (got != p) {
        set_text(error, size, "waiting for %s: %s", argv[0], strerror(errno));
        return -1;
    }
    *cpu = children_cpu() - cpu0;
    return wall;
}

/* "exited with code C" / "killed by signal S" for a wait status. */
static void describe_status(int ws, char *buf, size_t size)
{
    if (WIFSIGNALED(ws)) set_text(buf, size, "killed by signal %d", WTERMSIG(ws));
    else set_text(buf, size, "exited with code %d", WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
}

/* (a): the sweep's runs started one by one as the sweep would start them,
 * their output under base/runs (each removed after its run). Sums their
 * walls and CPU times into *wall and *cpu; 0, or -1 with error set. */
static int direct_runs(const rs_sweep *s, const char *exe, const char *base, double *wall,
                       double *cpu, char *error, size_t size)
{
    char runs[4200], path[4200];
    set_text(runs, sizeof runs, "%s/runs", base);
    if (mkdir(base, 0755) != 0 && errno != EEXIST) {
        set_text(error, size, "cannot make %s: %s", base, strerror(errno));
        return -1;
    }
    if (mkdir(runs, 0755) != 0 && errno != EEXIST) {
        set_text(error, size, "cannot make %s: %s", runs, strerror(errno));
        return -1;
    }
    *wall = *cpu = 0;
    const size_t n = rs_sweep_nruns(s);
    for (size_t k = 0; k < n; k++) {
        /* Exactly the command line the sweep gives run k. */
        int argc = 0;
        char **argv = rs_sweep_run_argv(s, base, exe, k, 1, &argc);
        if (!argv || rs_sweep_run_path(s, base, k, path, sizeof path) != 0) {
            rs_sweep_strings_free(argv, argc);
            set_text(error, size, "direct run %zu: out of memory or path too long", k);
            return -1;
        }
        int ws = 0;
        double c = 0, t = spawn(argv, NULL, &ws, &c, error, size);
        rs_sweep_strings_free(argv, argc);
        if (t < 0) return -1;
        if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
            char how[64];
            describe_status(ws, how, sizeof how);
            set_text(error, size, "direct run %zu (regensim run %s -o %s ...): %s", k,
                     s->model_path, path, how);
            return -1;
        }
        *wall += t;
        *cpu += c;
        remove_tree(path);
    }
    return 0;
}

/* The last non-empty line of the file at path in buf ("" when none). */
static void last_line(const char *path, char *buf, size_t size)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0]) set_text(buf, size, "%s", line);
    }
    fclose(f);
}

/* Reads a summary.csv: its rows (less the header) and the sum of their
 * last column, wall_s (each run's wall as the sweep measured it, from its
 * start to its reaping), into *rows and *walls; 0, or -1 when the file
 * cannot be read. */
static int read_summary(const char *path, long *rows, double *walls)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[4096];
    *rows = -1;
    *walls = 0;
    while (fgets(line, sizeof line, f)) {
        if (!strchr(line, '\n')) break; /* longer than a row of this sweep can be */
        if (++*rows == 0) continue;
        const char *comma = strrchr(line, ',');
        if (comma) *walls += strtod(comma + 1, NULL);
    }
    fclose(f);
    return 0;
}

/* (b), (c): `exe sweep file -o dir -j jobs --quiet` (its output in log),
 * its wall and CPU time (its runs' included) in *wall and *cpu, and the
 * sum of its runs' walls from its summary in *walls. Checks that it exited
 * with 0 and that dir/summary.csv has a row per run (then removes dir).
 * 0, or -1 with error set. */
static int sweep_once(const char *exe, const char *file, const char *dir, int jobs, int runs,
                      const char *log, double *wall, double *cpu, double *walls, char *error,
                      size_t size)
{
    char j[16], summary[4200];
    set_text(j, sizeof j, "%d", jobs);
    char *argv[] = {(char *)exe, "sweep", (char *)file, "-o", (char *)dir, "-j", j, "--quiet",
                    NULL};
    int ws = 0;
    double c = 0, t = spawn(argv, log, &ws, &c, error, size);
    if (t < 0) return -1;
    int rc = 0;
    long rows = -1;
    if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
        char how[64], line[300];
        describe_status(ws, how, sizeof how);
        last_line(log, line, sizeof line);
        set_text(error, size, "regensim sweep -j %d %s%s%s", jobs, how, line[0] ? ": " : "",
                 line);
        rc = -1;
    } else {
        set_text(summary, sizeof summary, "%s/summary.csv", dir);
        if (read_summary(summary, &rows, walls) != 0 || rows != runs) {
            set_text(error, size, "regensim sweep -j %d: %s has %ld rows, expected %d", jobs,
                     summary, rows < 0 ? 0 : rows, runs);
            rc = -1;
        }
    }
    *wall = t;
    *cpu = c;
    remove_tree(dir);
    return rc;
}

/* The median of v[0..n) (n >= 1); v is reordered. */
static double median(double *v, int n)
{
    for (int i = 1; i < n; i++) /* insertion sort: n is tiny */
        for (int k = i; k > 0 && v[k - 1] > v[k]; k--) {
            double t = v[k];
            v[k] = v[k - 1];
            v[k - 1] = t;
        }
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Marks part p failed with a message (also printed on stderr). */
static void fail(bench_sweep_part *p, const char *msg)
{
    p->failed = 1;
    set_text(p->error, sizeof p->error, "%s", msg);
    fprintf(stderr, "sweep: FAILED: %s\n", msg);
}

/* The medians and the figures derived from r's first `done` repeats. */
static void derive(bench_sweep *r, int done)
{
    double v[BENCH_SWEEP_MAX_REPEATS], cv[BENCH_SWEEP_MAX_REPEATS],
        rv[BENCH_SWEEP_MAX_REPEATS], bv[BENCH_SWEEP_MAX_REPEATS];
    for (int i = 0; i < done; i++) {
        v[i] = (r->j1[i] - r->direct[i]) / r->runs * 1e3;
        cv[i] = (r->j1_cpu[i] - r->direct_cpu[i]) / r->runs * 1e3;
        rv[i] = r->j1_runs[i] / r->runs * 1e3;
        bv[i] = (r->j1[i] - r->j1_runs[i]) / r->runs * 1e3;
    }
    r->overhead_ms = median(v, done);
    r->cpu_overhead_ms = median(cv, done);
    r->run_in_sweep_ms = median(rv, done);
    r->between_runs_ms = median(bv, done);
    memcpy(v, r->direct, sizeof v);
    r->direct_s = median(v, done);
    memcpy(v, r->j1, sizeof v);
    r->j1_s = median(v, done);
    memcpy(v, r->j2, sizeof v);
    r->j2_s = median(v, done);
    r->speedup = r->j1_s / r->j2_s;
}

/* The repeats, in the temporary directory tmp holding sweep.yaml. */
static void measure(bench_sweep *r, const rs_sweep *s, const char *tmp)
{
    char file[4200], direct[4200], dir[4200], log[4200], msg[600];
    set_text(file, sizeof file, "%s/sweep.yaml", tmp);
    set_text(direct, sizeof direct, "%s/direct", tmp);
    set_text(log, sizeof log, "%s/sweep.log", tmp);
    int done = 0;
    for (int i = 0; i < r->repeats; i++) {
        fprintf(stderr, "sweep: %d tiny runs, repeat %d/%d: ", r->runs, i + 1, r->repeats);
        double c2 = 0, w2 = 0;
        int bad = 0;
        for (int step = 0; step < 2 && !bad; step++) {
            if ((step == 0) == (i % 2 == 0)) { /* odd repeats: the sweep first */
                bad = direct_runs(s, r->exe, direct, &r->direct[i], &r->direct_cpu[i], msg,
                                  sizeof msg) != 0;
            } else {
                set_text(dir, sizeof dir, "%s/sweep-j1-%d", tmp, i);
                bad = sweep_once(r->exe, file, dir, 1, r->runs, log, &r->j1[i], &r->j1_cpu[i],
                                 &r->j1_runs[i], msg, sizeof msg) != 0;
            }
        }
        if (bad) {
            fputc('\n', stderr);
            fail(&r->overhead, msg);
            fail(&r->jobs, "not measured: the -j 1 comparison failed");
            break;
        }
        fprintf(stderr, "direct %.2f s, sweep -j 1 %.2f s (%+.1f ms/run: runs %+.1f, between "
                        "runs %.1f; CPU %+.1f ms/run), ",
                r->direct[i], r->j1[i], (r->j1[i] - r->direct[i]) / r->runs * 1e3,
                (r->j1_runs[i] - r->direct[i]) / r->runs * 1e3,
                (r->j1[i] - r->j1_runs[i]) / r->runs * 1e3,
                (r->j1_cpu[i] - r->direct_cpu[i]) / r->runs * 1e3);
        set_text(dir, sizeof dir, "%s/sweep-j2-%d", tmp, i);
        if (sweep_once(r->exe, file, dir, 2, r->runs, log, &r->j2[i], &c2, &w2, msg,
                       sizeof msg) != 0) {
            fputc('\n', stderr);
            fail(&r->jobs, msg);
            done = i + 1;
            break;
        }
        fprintf(stderr, "-j 2 %.2f s (x%.2f)\n", r->j2[i], r->j1[i] / r->j2[i]);
        done = i + 1;
    }
    if (done == 0) return;
    r->repeats = done;
    derive(r, done);
}

int bench_sweep_run(const char *exe, int runs, int repeats, bench_sweep *r)
{
    memset(r, 0, sizeof *r);
    r->exe = exe;
    r->runs = runs < 1 ? 1 : runs;
    r->repeats = repeats < 1 ? 1 : repeats > BENCH_SWEEP_MAX_REPEATS ? BENCH_SWEEP_MAX_REPEATS
                                                                     : repeats;
    char msg[600];
    if (!exe || access(exe, X_OK) != 0) {
        set_text(msg, sizeof msg, "no regensim program at %s (build the regensim_cli target, "
                 "or pass --regensim PATH)", exe ? exe : "(none)");
        fprintf(stderr, "sweep: skipped: %s\n", msg);
        r->overhead.skipped = r->jobs.skipped = 1;
        set_text(r->overhead.error, sizeof r->overhead.error, "%s", msg);
        set_text(r->jobs.error, sizeof r->jobs.error, "%s", msg);
        return 0;
    }
    char tmp[] = "/tmp/regensim-bench-sweep-XXXXXX";
    if (!mkdtemp(tmp)) {
        fail(&r->overhead, "cannot make a temporary directory");
        fail(&r->jobs, "cannot make a temporary directory");
        return 1;
    }
    char model[4200], file[4200];
    set_text(model, sizeof model, "%s/tiny.yaml", tmp);
    set_text(file, sizeof file, "%s/sweep.yaml", tmp);
    rs_sweep *s = NULL;
    if (write_text(model, tiny_model) != 0 || write_sweep_file(file, r->runs) != 0) {
        set_text(msg, sizeof msg, "cannot write the model and sweep files in %s", tmp);
    } else {
        /* Where a sweep's runs get their arguments: the same overrides. */
        rs_errors *errs = malloc(sizeof *errs); /* 16 kB */
        rs_errors_clear(errs);
        double t0 = now();
        if (!errs || rs_sweep_load(&s, file, errs) != RS_OK)
            set_text(msg, sizeof msg, "rs_sweep_load %s: %s", file,
                     errs && errs->count ? errs->item[0].msg : "failed");
        r->load_seconds = now() - t0;
        free(errs);
    }
    if (!s) {
        fail(&r->overhead, msg);
        fail(&r->jobs, msg);
    } else {
        measure(r, s, tmp);
        rs_sweep_destroy(s);
    }
    remove_tree(tmp);
    return r->overhead.failed || r->jobs.failed;
}

/* The keys every entry has: what was run. */
static void write_case(bench_json *w, const bench_sweep *r, const char *kind, int jobs)
{
    bench_json_string(w, "kind", kind);
    bench_json_string(w, "model", "tests/sweep/tiny.yaml");
    bench_json_int(w, "runs", r->runs);
    bench_json_int(w, "replicates", 1);
    bench_json_int(w, "repeats", r->repeats);
    bench_json_int(w, "jobs", jobs);
    bench_json_int(w, "threads_per_run", 1);
    bench_json_string(w, "keep", "none");
}

/* Writes a part that was not measured; returns whether it was one. */
static int write_unmeasured(bench_json *w, const bench_sweep_part *p)
{
    if (!p->failed && !p->skipped) return 0;
    bench_json_bool(w, "skipped", 1);
    if (p->failed) bench_json_bool(w, "failed", 1);
    bench_json_string(w, "error", p->error);
    return 1;
}

void bench_sweep_write(bench_json *w, const bench_sweep *r)
{
    bench_json_begin_array(w, "sweep", 0);
    bench_json_begin_object(w, NULL, 1);
    write_case(w, r, "overhead", 1);
    if (!write_unmeasured(w, &r->overhead)) {
        bench_json_number(w, "seconds_direct", r->direct_s);
        bench_json_number(w, "seconds_sweep", r->j1_s);
        bench_json_number(w, "ms_per_run_direct", r->direct_s / r->runs * 1e3);
        bench_json_number(w, "overhead_ms_per_run", r->overhead_ms);
        bench_json_begin_array(w, "overhead_ms_per_run_by_repeat", 1);
        for (int i = 0; i < r->repeats; i++)
            bench_json_number(w, NULL, (r->j1[i] - r->direct[i]) / r->runs * 1e3);
        bench_json_end_array(w);
        /* Where it goes: the runs' own walls as the sweep measured them
         * (from its start of a run to its reaping), and the rest, the
         * sweep's own time between runs (reading each run.h5, removing its
         * directory, the journal, the summaries, loading the sweep file). */
        bench_json_number(w, "ms_per_run_in_sweep", r->run_in_sweep_ms);
        bench_json_number(w, "ms_per_run_between_runs", r->between_runs_ms);
        bench_json_number(w, "cpu_overhead_ms_per_run", r->cpu_overhead_ms);
        bench_json_number(w, "seconds_sweep_file_load", r->load_seconds);
        bench_json_number(w, "target_ms", BENCH_SWEEP_TARGET_MS);
        bench_json_bool(w, "within_target", r->overhead_ms < BENCH_SWEEP_TARGET_MS);
    }
    bench_json_end_object(w);
    bench_json_begin_object(w, NULL, 1);
    write_case(w, r, "jobs", 2);
    if (!write_unmeasured(w, &r->jobs)) {
        bench_json_number(w, "seconds_j1", r->j1_s);
        bench_json_number(w, "seconds_j2", r->j2_s);
        bench_json_number(w, "speedup_j2_over_j1", r->speedup);
    }
    bench_json_end_object(w);
    bench_json_end_array(w);
}

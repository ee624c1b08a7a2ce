/* cmd_sweep.c: `regensim sweep FILE -o DIR [-j N] [--threads-per-run T]
 * [--force] [--quiet]`: loads the sweep file (every error at file:line:col,
 * exit 2, before anything runs), opens DIR (a resume when it holds this
 * sweep) and runs every unfinished run, N at a time here, or over MPI ranks
 * when started by mpirun (cli/sweep_mpi.c); prints a progress line and
 * where the summaries are. SIGINT/SIGTERM stop the sweep: running runs are
 * stopped and redone by the next invocation. docs/sweeps.md describes it. */
#define _POSIX_C_SOURCE 200809L
#include <omp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/sweep_mpi.h"

/* Set by the SIGINT/SIGTERM handler (the program's state). */
static volatile sig_atomic_t interrupted = 0;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void sweep_usage(FILE *to)
{
    fprintf(to,
            "usage: regensim sweep FILE -o DIR [-j N] [--threads-per-run T] [--force]\n"
            "                      [--retry-failed] [--quiet]\n"
            "       regensim sweep FILE --dry-run\n"
            "       mpirun -n N regensim sweep FILE -o DIR\n"
            "\n"
            "Runs every run of a sweep file (a design of parameter points x replicates\n"
            "of a model), each as its own process. DIR/summary.csv and DIR/summary.h5\n"
            "get a row per run; DIR/runs/<index>-<replicate>/ its output and log.\n"
            "Running the same command again resumes: finished runs are kept.\n"
            "\n"
            "  -o, --output DIR        the sweep's output directory\n"
            "  -j, --jobs N            runs at a time on this machine (default 1)\n"
            "  --threads-per-run T     OpenMP threads of each run (default: the sweep\n"
            "                          file's threads_per_run, else cores / N)\n"
            "  --force                 replace another sweep's output in DIR\n"
            "  --retry-failed          run the runs that failed before again\n"
            "  --quiet                 no progress line\n"
            "  --dry-run               check the sweep file and list its runs; run nothing\n"
            "\n"
            "Under mpirun, rank 0 coordinates and every other rank runs one run at a\n"
            "time (-j is ignored).\n"
            "exit codes: 0 every run completed, 1 a run failed or the sweep was\n"
            "interrupted, 2 bad sweep file or options (docs/sweeps.md).\n");
}

/* Parses the options into o; -1 to go on, or an exit code. */
static int sweep_parse(int argc, char **argv, rs_cli_sweep_options *o)
{
    o->jobs = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            sweep_usage(stdout);
            return RS_EXIT_OK;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (!v || !v[0] || o->dir) {
                fprintf(stderr, "regensim: %s: expected one output directory\n", a);
                return RS_EXIT_USAGE;
            }
            o->dir = argv[++i];
        } else if (strcmp(a, "-j") == 0 || strcmp(a, "--jobs") == 0) {
            long j = rs_cli_count_arg(a, v, 1, 4096);
            if (j < 0) return RS_EXIT_USAGE;
            o->jobs = (int)j;
            i++;
        } else if (strcmp(a, "--threads-per-run") == 0) {
            long t = rs_cli_count_arg(a, v, 1, 4096);
            if (t < 0) return RS_EXIT_USAGE;
            o->threads = (int)t;
            i++;
        } else if (strcmp(a, "--force") == 0) {
            o->force = 1;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            o->quiet = 1;
        } else if (strcmp(a, "--dry-run") == 0) {
            o->dry_run = 1;
        } else if (strcmp(a, "--retry-failed") == 0) {
            o->retry_failed = 1;
        } else if (a[0] == '-' || o->file) {
            fprintf(stderr, "regensim: sweep: unexpected argument '%s'\n\n", a);
            sweep_usage(stderr);
            return RS_EXIT_USAGE;
        } else {
            o->file = a;
        }
    }
    if (!o->file || (!o->dir && !o->dry_run)) {
        fprintf(stderr, "regensim: sweep: %s\n\n", !o->file ? "no sweep file given"
                                                             : "no output directory given (-o DIR)");
        sweep_usage(stderr);
        return RS_EXIT_USAGE;
    }
    return -1;
}

/* The progress line's state. */
typedef struct sweep_progress {
    int quiet;
    rs_cli_line line;
    double last_plain;
    rs_sweep_progress last; /* the last figures reported */
} sweep_progress;

/* Prints the progress line (in place on a terminal, else every 10 s). */
static void print_progress(sweep_progress *sp, const rs_sweep_progress *p, int final)
{
    if (sp->quiet) return;
    if (!sp->line.tty && !final && p->elapsed - sp->last_plain < 10.0) return;
    sp->last_plain = p->elapsed;
    char el[32], eta[32] = "?";
    rs_cli_format_duration(p->elapsed, el, sizeof el);
    size_t left = p->total - p->finished;
    if (p->finished_here > 0 && left > 0)
        rs_cli_format_duration(p->elapsed / (double)p->finished_here * (double)left, eta,
                               sizeof eta);
    else if (left == 0)
        snprintf(eta, sizeof eta, "0 s");
    char line[256];
    int len = snprintf(line, sizeof line,
                       "sweep: %zu/%zu runs done, %zu failed, %zu running  elapsed %s  ETA %s",
                       p->finished, p->total, p->failed, p->running, el, eta);
    if (len >= 0) rs_cli_line_print(&sp->line, line, final);
}

static int on_progress(void *user, const rs_sweep_progress *p)
{
    sweep_progress *sp = user;
    sp->last = *p;
    print_progress(sp, p, 0);
    return interrupted != 0;
}

/* The path of this program, for the runs' processes. */
static int self_path(char *buf, size_t size)
{
    ssize_t n = readlink("/proc/self/exe", buf, size - 1);
    if (n <= 0 || (size_t)n >= size - 1) return -1;
    buf[n] = '\0';
    return 0;
}

unsigned rs_cli_sweep_dir_flags(const rs_cli_sweep_options *o)
{
    return (o->force ? RS_SWEEP_DIR_FORCE : 0u) | (o->retry_failed ? RS_SWEEP_DIR_RETRY_FAILED : 0u);
}

/* Loads the sweep file, printing every error; an exit code. */
int rs_cli_sweep_load(const char *file, rs_sweep **s)
{
    rs_errors errs;
    rs_errors_clear(&errs);
    if (rs_sweep_load(s, file, &errs) == RS_OK) return RS_EXIT_OK;
    for (int i = 0; i < errs.count; i++) rs_cli_print_error(&errs.item[i]);
    if (errs.dropped) fprintf(stderr, "regensim: ... and %d more errors\n", errs.dropped);
    return errs.count && errs.item[0].code == RS_ENOMEM ? RS_EXIT_FAILED : RS_EXIT_USAGE;
}

/* Threads per run: the option, the sweep file's, or the cores shared. */
int rs_cli_sweep_threads(const rs_cli_sweep_options *o, const rs_sweep *s, int runs_at_once)
{
    if (o->threads > 0) return o->threads;
    if (s->threads_per_run > 0) return s->threads_per_run;
    int t = omp_get_num_procs() / (runs_at_once > 0 ? runs_at_once : 1);
    return t > 0 ? t : 1;
}

/* The end of a sweep: where its summaries are, and the exit code. */
int rs_cli_sweep_finish(const rs_cli_sweep_options *o, rs_sweep_dir *d, const rs_sweep *s,
                        int stopped)
{
    size_t done = rs_sweep_dir_nfinished(d), failed = rs_sweep_dir_nfailed(d),
           total = rs_sweep_nruns(s);
    if (stopped || done < total) {
        fprintf(stderr, "regensim: sweep %s: %zu of %zu runs finished; continue with the "
                        "same command\n", stopped ? "interrupted" : "not finished (runs were "
                        "stopped from outside)", done, total);
        return RS_EXIT_FAILED;
    }
    if (!o->quiet) {
        printf("regensim sweep: %zu runs, %zu completed, %zu failed\n", total, done - failed,
               failed);
        printf("  summary:  %s/summary.csv, %s/summary.h5 (a row per run; docs/sweeps.md)\n",
               o->dir, o->dir);
        printf("  report:   /usr/bin/python3 scripts/sweep_report.py %s\n", o->dir);
        if (failed) printf("  failed runs: their message is in the summary, their log in "
                           "%s/runs/<index>-<replicate>/log; add --retry-failed to run them "
                           "again\n", o->dir);
    }
    return failed ? RS_EXIT_FAILED : RS_EXIT_OK;
}

void rs_cli_sweep_size(const rs_sweep *s, char *buf, size_t size)
{
    size_t n = rs_sweep_nruns(s);
    snprintf(buf, size, "%zu run%s (%zu point%s x %u replicate%s)", n, n == 1 ? "" : "s",
             s->npoints, s->npoints == 1 ? "" : "s", s->replicates,
             s->replicates == 1 ? "" : "s");
}

/* --dry-run: what the sweep would run. */
static void print_plan(const rs_sweep *s)
{
    static const char *const designs[] = {"grid", "random", "lhs", "list"};
    char size[128];
    rs_cli_sweep_size(s, size, sizeof size);
    printf("regensim sweep: %s ok: %s of %s, design %s, seed %llu\n", s->source, size,
           s->model_path, designs[s->design], (unsigned long long)s->seed);
    printf("  summary columns: index, replicate, seed");
    for (int i = 0; i < s->nparameters; i++) printf(", %s", s->parameters[i].path);
    for (int i = 0; i < s->noutputs; i++) printf(", %s", s->outputs[i].name);
    printf(", status, message, wall_s\n");
    size_t show = s->npoints < 10 ? s->npoints : 10;
    for (size_t p = 0; p < show; p++) {
        printf("  point %zu:", p);
        for (int i = 0; i < s->nparameters; i++)
            printf(" %s=%.6g", s->parameters[i].path, s->points[p * (size_t)s->nparameters + (size_t)i]);
        printf("\n");
    }
    if (show < s->npoints) printf("  ... and %zu more points\n", s->npoints - show);
}

int rs_cli_sweep(int argc, char **argv)
{
    rs_cli_sweep_options o = {0};
    int rc = sweep_parse(argc, argv, &o);
    if (rc >= 0) return rc;
    rs_sweep *s = NULL;
    if (o.dry_run) {
        rc = rs_cli_sweep_load(o.file, &s);
        if (rc == RS_EXIT_OK) print_plan(s);
        rs_sweep_destroy(s);
        return rc;
    }
    if (rs_cli_sweep_mpi_wanted()) return rs_cli_sweep_mpi(&o);

    rs_sweep_dir *d = NULL;
    rs_error err;
    rs_error_clear(&err);
    char exe[4096];
    rc = rs_cli_sweep_load(o.file, &s);
    if (rc != RS_EXIT_OK) return rc;
    if (self_path(exe, sizeof exe) != 0) {
        fprintf(stderr, "regensim: cannot find this program's path (/proc/self/exe)\n");
        rs_sweep_destroy(s);
        return RS_EXIT_FAILED;
    }
    if (rs_sweep_dir_open(&d, s, o.dir, rs_cli_sweep_dir_flags(&o), &err) != RS_OK) {
        rs_cli_print_error(&err);
        rs_sweep_destroy(s);
        return err.code == RS_EINVAL ? RS_EXIT_USAGE : RS_EXIT_FAILED;
    }
    int threads = rs_cli_sweep_threads(&o, s, o.jobs);
    if (!o.quiet) {
        size_t done = rs_sweep_dir_nfinished(d);
        char size[128];
        rs_cli_sweep_size(s, size, sizeof size);
        printf("regensim sweep: %s of %s, %d at a time, %d thread%s each%s; output in %s\n",
               size, s->model_path, o.jobs, threads, threads == 1 ? "" : "s",
               done ? " (resuming)" : "", o.dir);
        if (done) printf("  %zu runs already finished are kept\n", done);
        fflush(stdout);
    }
    sweep_progress sp;
    memset(&sp, 0, sizeof sp);
    sp.line.tty = isatty(fileno(stderr));
    sp.quiet = o.quiet;
    rs_sweep_local_options lo = {exe, o.jobs, threads, on_progress, &sp};
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    int stopped = 0;
    rs_status st = rs_sweep_run_local(s, d, &lo, &stopped, &err);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (sp.line.tty && sp.line.len) { /* the line's final state */
        sp.last.finished = rs_sweep_dir_nfinished(d);
        sp.last.failed = rs_sweep_dir_nfailed(d);
        sp.last.running = 0;
        print_progress(&sp, &sp.last, 1);
    }
    if (st != RS_OK) {
        rs_cli_print_error(&err);
        rc = RS_EXIT_FAILED;
    } else {
        rc = rs_cli_sweep_finish(&o, d, s, stopped);
    }
    rs_sweep_dir_close(d);
    rs_sweep_destroy(s);
    return rc;
}

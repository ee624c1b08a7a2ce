/* cmd_run.c: `regensim run MODEL -o OUT [--set PATH=VALUE ...] [--threads N]
 * [--quiet] [--force] [--resume]`: parses the options, loads the model and
 * hands the run to the library (regensim/run.h: output directory, run.h5,
 * checkpoints, resume checks); prints a progress line on a terminal and a
 * summary at the end. SIGINT/SIGTERM stop the run at the next step (the
 * library writes a checkpoint and marks the run failed: "interrupted").
 * docs/running.md describes it. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "regensim/run.h"

/* Set by the SIGINT/SIGTERM handler, read by the progress callback. This
 * is the program's state, not the library's. */
static volatile sig_atomic_t interrupted = 0;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

typedef struct run_options {
    const char *out;
    int threads; /* 0: OpenMP's default */
    int quiet, force, resume;
} run_options;

/* The progress line's state. */
typedef struct progress_state {
    int quiet;
    rs_cli_line line;        /* the progress line on screen */
    double wall0, last_report;
    int64_t steps0;          /* steps done when this invocation started */
} progress_state;

static void run_usage(FILE *to)
{
    fprintf(to,
            "usage: regensim run MODEL -o OUT [--set PATH=VALUE ...] [--threads N]\n"
            "                    [--quiet] [--force] [--resume]\n"
            "\n"
            "Runs a model to its end. OUT/run.h5 gets the snapshots, metrics and the\n"
            "model text, OUT/run.xmf opens it in ParaView, OUT/checkpoint.h5 holds the\n"
            "state for --resume, OUT/status says running, completed or failed.\n"
            "\n"
            "  -o, --output OUT  output directory (created; an existing run's output\n"
            "                    is kept unless --force)\n"
            "  --set PATH=VALUE  override a model value (as in regensim validate)\n"
            "  --threads N       OpenMP threads (results are identical for any N)\n"
            "  --quiet           no progress line and no summary\n"
            "  --force           replace an existing run's output in OUT\n"
            "  --resume          continue from OUT/checkpoint.h5 (same model and --set)\n"
            "\n"
            "Ctrl-C (SIGINT) or SIGTERM stops at the next step and writes a checkpoint.\n"
            "exit codes: 0 completed, 1 run failed or interrupted, 2 bad model or options\n"
            "(docs/running.md).\n");
}

/* A second -o is refused rather than silently taken. */
static int twice_output(const char *first, const char *second)
{
    fprintf(stderr, "regensim: -o given twice (%s and %s); expected one output directory\n",
            first, second);
    return RS_EXIT_USAGE;
}

/* Takes run's own options out of argv (into o) and leaves MODEL, --set and
 * --help in rest for rs_cli_parse_model_args. Returns -1 to go on, or an
 * exit code. */
static int run_parse(int argc, char **argv, run_options *o, char **rest, int *nrest)
{
    int n = 0;
    rest[n++] = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--set") == 0) {
            rest[n++] = argv[i];
            if (i + 1 < argc) rest[n++] = argv[++i];
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (i + 1 >= argc || !argv[i + 1][0]) {
                fprintf(stderr, "regensim: %s needs a directory\n", a);
                return RS_EXIT_USAGE;
            }
            if (o->out) return twice_output(o->out, argv[i + 1]);
            o->out = argv[++i];
        } else if (strncmp(a, "--output=", 9) == 0 && a[9]) {
            if (o->out) return twice_output(o->out, a + 9);
            o->out = a + 9;
        } else if (strcmp(a, "--threads") == 0 || strncmp(a, "--threads=", 10) == 0) {
            const char *v = a[9] == '=' ? a + 10 : (i + 1 < argc ? argv[++i] : NULL);
            long t = rs_cli_count_arg("--threads", v, 1, 4096);
            if (t < 0) return RS_EXIT_USAGE;
            o->threads = (int)t;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            o->quiet = 1;
        } else if (strcmp(a, "--force") == 0) {
            o->force = 1;
        } else if (strcmp(a, "--resume") == 0) {
            o->resume = 1;
        } else {
            rest[n++] = argv[i];
        }
    }
    *nrest = n;
    return -1;
}

/* Writes the progress line (in place on a terminal) or a plain line. */
static void report_progress(progress_state *rs, const rs_sim *s, double now, int final)
{
    int64_t done = rs_sim_steps(s), total = rs_sim_total_steps(s);
    double wall = now - rs->wall0;
    double rate = wall > 0 ? (double)(done - rs->steps0) / wall : 0;
    double pct = total > 0 ? 100.0 * (double)done / (double)total : 100.0;
    double end = rs_sim_model(s)->time.end.value;
    char w[32], eta[32];
    rs_cli_format_duration(wall, w, sizeof w);
    if (rate > 0)
        rs_cli_format_duration((double)(total - done) / rate, eta, sizeof eta);
    else
        snprintf(eta, sizeof eta, "?");
    char line[256];
    int len = snprintf(line, sizeof line,
                       "t %.6g / %g min  %5.1f%%  wall %s  ETA %s  %.*f steps/s",
                       rs_sim_time(s), end, pct, w, done >= total ? "0 s" : eta,
                       rate >= 100 ? 0 : 1, rate);
    if (len >= 0) rs_cli_line_print(&rs->line, line, final);
}

/* After every step: stop on a signal, else refresh the progress line. */
static int on_progress(void *user, const rs_sim *s)
{
    progress_state *rs = user;
    if (interrupted) return 1;
    if (rs->quiet) return 0;
    double now = omp_get_wtime();
    if (now - rs->last_report >= (rs->line.tty ? 0.25 : 10.0)) {
        rs->last_report = now;
        report_progress(rs, s, now, 0);
    }
    return 0;
}

/* Prints how the run ended and where its output is. */
static void print_summary(const rs_sim *sim, const char *out, int nsnap, double wall)
{
    char w[32];
    rs_cli_format_duration(wall, w, sizeof w);
    printf("regensim run: completed %g min (%lld steps) in %s wall; %d snapshot%s in "
           "run.h5\n",
           rs_sim_time(sim), (long long)rs_sim_steps(sim), w, nsnap, nsnap == 1 ? "" : "s");
    printf("  output:   %s/run.h5 (fields, metrics, model; docs/output.md)\n", out);
    printf("            %s/run.xmf (ParaView: File > Open, then Apply)\n", out);
    printf("  plots:    /usr/bin/python3 scripts/plot.py %s/run.h5   (PNGs in %s/plots/)\n",
           out, out);
}

int rs_cli_run(int argc, char **argv)
{
    run_options o = {0};
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    if (!rest) {
        fprintf(stderr, "regensim: out of memory\n");
        return RS_EXIT_FAILED;
    }
    int nrest = 0;
    rs_cli_model_args a = {0};
    int rc = run_parse(argc, argv, &o, rest, &nrest);
    if (rc < 0) rc = rs_cli_parse_model_args(nrest, rest, &a, run_usage);
    if (rc < 0 && !o.out) {
        fprintf(stderr, "regensim: no output directory given (-o OUT)\n\n");
        run_usage(stderr);
        rc = RS_EXIT_USAGE;
    }
    if (rc < 0 && o.resume && o.force) {
        fprintf(stderr, "regensim: --resume continues the run in %s and --force replaces "
                        "it: give one of them\n", o.out);
        rc = RS_EXIT_USAGE;
    }
    if (rc >= 0) {
        free(a.sets);
        free(rest);
        return rc;
    }

    rs_model *m = NULL;
    rs_run *run = NULL;
    progress_state ps;
    memset(&ps, 0, sizeof ps);
    rs_error err;
    rs_error_clear(&err);

    rc = rs_cli_load_model(&a, &m);
    if (rc != RS_EXIT_OK) goto done;
    if (o.threads > 0) omp_set_num_threads(o.threads);
    ps.quiet = o.quiet;
    ps.line.tty = isatty(fileno(stderr));

    rs_run_config cfg = {.model = m, .dir = o.out, .force = o.force,
                         .progress = on_progress, .user = &ps};
    rs_status st = o.resume ? rs_run_resume(&run, &cfg, &err) : rs_run_create(&run, &cfg, &err);
    if (st != RS_OK) {
        rs_cli_print_error(&err);
        /* A model that cannot run, an existing output without --force, a
         * directory that cannot be made, nothing to resume: bad input
         * (nothing has run yet). */
        rc = st == RS_ENOMEM ? RS_EXIT_FAILED : RS_EXIT_USAGE;
        goto done;
    }
    const rs_sim *sim = rs_run_sim(run);

    for (int i = 0; i < m->ninterventions; i++)
        if (!rs_sim_intervention_reached(sim, i))
            fprintf(stderr, "regensim: note: interventions[%d] at %g min is at or after "
                            "the end (%g min) and will not happen\n",
                    i, m->interventions[i].at.value, m->time.end.value);

    rs_grid g = rs_sim_grid(sim);
    if (!o.quiet) {
        if (o.resume)
            printf("regensim run: resuming '%s' at t = %g min (step %lld of %lld), %d "
                   "thread%s, output in %s\n",
                   m->name, rs_sim_time(sim), (long long)rs_sim_steps(sim),
                   (long long)rs_sim_total_steps(sim), omp_get_max_threads(),
                   omp_get_max_threads() == 1 ? "" : "s", o.out);
        else
            printf("regensim run: '%s', %dD %d x %d x %d voxels of %g um, %lld steps to %g "
                   "min, %d thread%s, output in %s\n",
                   m->name, g.nz > 1 ? 3 : 2, g.nx, g.ny, g.nz, g.dx,
                   (long long)rs_sim_total_steps(sim), m->time.end.value,
                   omp_get_max_threads(), omp_get_max_threads() == 1 ? "" : "s", o.out);
        fflush(stdout);
    }

    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    interrupted = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);

    ps.wall0 = ps.last_report = omp_get_wtime();
    ps.steps0 = rs_sim_steps(sim);
    st = rs_run_execute(run, &err);
    double wall = omp_get_wtime() - ps.wall0;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);

    if (!o.quiet && ps.line.tty && ps.line.len > 0) report_progress(&ps, sim, omp_get_wtime(), 1);
    switch (rs_run_outcome_of(run)) {
    case RS_RUN_COMPLETED:
        if (st != RS_OK) { /* completed, but the output could not be closed */
            rs_cli_print_error(&err);
            rc = RS_EXIT_FAILED;
            break;
        }
        if (!o.quiet) print_summary(sim, o.out, rs_run_nsnapshots(run), wall);
        rc = RS_EXIT_OK;
        break;
    case RS_RUN_STOPPED:
        if (st != RS_OK) rs_cli_print_error(&err);
        fprintf(stderr, "regensim: interrupted at t = %g min (step %lld of %lld); ",
                rs_sim_time(sim), (long long)rs_sim_steps(sim),
                (long long)rs_sim_total_steps(sim));
        if (rs_run_stop_checkpointed(run)) {
            fprintf(stderr, "checkpoint written; continue with: regensim run %s -o %s",
                    a.path, o.out);
            for (int i = 0; i < a.nsets; i++) fprintf(stderr, " --set %s", a.sets[i]);
            fprintf(stderr, " --resume\n");
        } else {
            fprintf(stderr, "no checkpoint written\n");
        }
        rc = RS_EXIT_FAILED;
        break;
    default:
        rs_cli_print_error(&err);
        fprintf(stderr, "regensim: failed at t = %g min; %s/status says so\n",
                rs_sim_time(sim), o.out);
        rc = RS_EXIT_FAILED;
        break;
    }

done:
    rs_run_destroy(run);
    rs_model_destroy(m);
    free(a.sets);
    free(rest);
    return rc;
}

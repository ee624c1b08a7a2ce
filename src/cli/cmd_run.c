/* cmd_run.c: `regensim run MODEL -o OUT [--set PATH=VALUE ...] [--threads N]
 * [--quiet] [--force] [--resume]`: runs a model to its end, writing
 * snapshots and metrics to OUT/run.h5 (+ run.xmf) and checkpoints to
 * OUT/checkpoint.h5, with a progress line on a terminal and a summary at
 * the end. SIGINT/SIGTERM stop the run at the next step, write a checkpoint
 * and mark the run failed ("interrupted"). docs/running.md describes it. */
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
#include "regensim/io.h"
#include "regensim/sim.h"

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

/* What the observer's callbacks share. */
typedef struct run_state {
    rs_io_run *w;
    const char *resolved;    /* the resolved model text */
    char *checkpoint_path;   /* OUT/checkpoint.h5 */
    const double **fields;   /* nfields pointers, refreshed per snapshot */
    double **cp_fields;      /* the same, for rs_io_checkpoint */
    int nfields;
    uint64_t seed;
    int checkpoints;         /* written by this invocation */
    /* progress */
    int tty, quiet;
    double wall0, last_report;
    int64_t steps0;          /* steps done when this invocation started */
    int line_len;            /* characters of the progress line on screen */
} run_state;

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
                fprintf(stderr, "regensim run: %s needs a directory\n", a);
                return RS_EXIT_USAGE;
            }
            o->out = argv[++i];
        } else if (strncmp(a, "--output=", 9) == 0 && a[9]) {
            o->out = a + 9;
        } else if (strcmp(a, "--threads") == 0 || strncmp(a, "--threads=", 10) == 0) {
            const char *v = a[9] == '=' ? a + 10 : (i + 1 < argc ? argv[++i] : NULL);
            char *end = NULL;
            long t = v ? strtol(v, &end, 10) : 0;
            if (!v || !*v || *end || t < 1 || t > 4096) {
                fprintf(stderr, "regensim run: --threads %s: expected a whole number of "
                                "threads from 1 to 4096\n", v ? v : "(missing)");
                return RS_EXIT_USAGE;
            }
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

/* Reads a whole (model) file into a malloc'd NUL-terminated string, or NULL. */
static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (len + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - 1 - len, f);
        len += got;
        if (got == 0) break;
    }
    if (buf && ferror(f)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) buf[len] = '\0';
    return buf;
}

/* "12.3 s", "4 min 05 s", "2 h 03 min". */
static void format_duration(double s, char *buf, size_t size)
{
    if (!(s >= 0) || s > 1e9) {
        snprintf(buf, size, "?");
    } else if (s < 60) {
        snprintf(buf, size, "%.1f s", s);
    } else if (s < 3600) {
        long t = lround(s);
        snprintf(buf, size, "%ld min %02ld s", t / 60, t % 60);
    } else {
        long t = lround(s / 60);
        snprintf(buf, size, "%ld h %02ld min", t / 60, t % 60);
    }
}

/* Writes the progress line (in place on a terminal) or a plain line. */
static void report_progress(run_state *rs, const rs_sim *s, double now, int final)
{
    int64_t done = rs_sim_steps(s), total = rs_sim_total_steps(s);
    double wall = now - rs->wall0;
    double rate = wall > 0 ? (double)(done - rs->steps0) / wall : 0;
    double pct = total > 0 ? 100.0 * (double)done / (double)total : 100.0;
    double end = rs_sim_model(s)->time.end.value;
    char w[32], eta[32];
    format_duration(wall, w, sizeof w);
    if (rate > 0)
        format_duration((double)(total - done) / rate, eta, sizeof eta);
    else
        snprintf(eta, sizeof eta, "?");
    char line[256];
    int len = snprintf(line, sizeof line,
                       "t %.6g / %g min  %5.1f%%  wall %s  ETA %s  %.*f steps/s",
                       rs_sim_time(s), end, pct, w, done >= total ? "0 s" : eta,
                       rate >= 100 ? 0 : 1, rate);
    if (len < 0) return;
    if (rs->tty) {
        /* Pad with spaces over a longer previous line. */
        int pad = rs->line_len > len ? rs->line_len - len : 0;
        fprintf(stderr, "\r%s%*s", line, pad, "");
        if (final) fputc('\n', stderr);
        rs->line_len = final ? 0 : len;
    } else {
        fprintf(stderr, "regensim run: %s\n", line);
    }
    fflush(stderr);
}

static rs_status on_snapshot(void *user, const rs_sim *s, rs_error *err)
{
    run_state *rs = user;
    for (int i = 0; i < rs->nfields; i++) rs->fields[i] = rs_sim_field(s, i);
    return rs_io_run_snapshot(rs->w, rs_sim_time(s), rs->fields, err);
}

static rs_status on_metrics(void *user, const rs_sim *s, rs_error *err)
{
    run_state *rs = user;
    static const double none[1] = {0};
    const double *v = rs_sim_nmetrics(s) > 0 ? rs_sim_metric_values(s) : none;
    return rs_io_run_metrics(rs->w, rs_sim_time(s), v, err);
}

static rs_status on_checkpoint(void *user, const rs_sim *s, rs_error *err)
{
    run_state *rs = user;
    for (int i = 0; i < rs->nfields; i++) rs->cp_fields[i] = (double *)rs_sim_field(s, i);
    rs_io_checkpoint c = {
        .steps = rs_sim_steps(s),
        .t = rs_sim_time(s),
        .seed = rs->seed,
        .grid = rs_sim_grid(s),
        .nfields = rs->nfields,
        .fields = rs->cp_fields,
        .nparameters = rs_sim_nparameters(s),
        .parameters = (double *)rs_sim_parameters(s),
        .model_resolved = (char *)rs->resolved,
    };
    rs_status st = rs_io_checkpoint_write(rs->checkpoint_path, &c, err);
    if (st == RS_OK) rs->checkpoints++;
    return st;
}

static int on_progress(void *user, const rs_sim *s)
{
    run_state *rs = user;
    if (interrupted) return 1;
    if (rs->quiet) return 0;
    double now = omp_get_wtime();
    if (now - rs->last_report >= (rs->tty ? 0.25 : 10.0)) {
        rs->last_report = now;
        report_progress(rs, s, now, 0);
    }
    return 0;
}

/* The seed as the output records it (the loader checks it is a whole number). */
static uint64_t model_seed(const rs_model *m)
{
    double v = m->seed.value;
    return v >= 0 && v < 18446744073709551616.0 ? (uint64_t)v : 0;
}

/* Reads OUT/checkpoint.h5, checks it belongs to this model and restores
 * sim from it; *t gets its time. Prints what is wrong; returns an exit code. */
static int resume_from(rs_sim *sim, const run_state *rs, const char *out, double *t)
{
    rs_io_checkpoint c;
    memset(&c, 0, sizeof c);
    rs_error err;
    rs_error_clear(&err);
    rs_status st = rs_io_checkpoint_read(rs->checkpoint_path, &c, &err);
    if (st != RS_OK) {
        rs_cli_print_error(&err);
        fprintf(stderr, "regensim run: --resume needs %s, written by an earlier run of this "
                        "model with -o %s\n", rs->checkpoint_path, out);
        rs_io_checkpoint_free(&c);
        return st == RS_ENOMEM ? RS_EXIT_FAILED : RS_EXIT_USAGE;
    }
    rs_grid g = rs_sim_grid(sim);
    int rc = RS_EXIT_OK;
    if (!c.model_resolved || strcmp(c.model_resolved, rs->resolved) != 0) {
        fprintf(stderr, "regensim run: --resume: %s was made from a different model (or other "
                        "--set overrides) than this run's; give the same model and --set "
                        "options, or start again with --force instead of --resume\n",
                rs->checkpoint_path);
        rc = RS_EXIT_USAGE;
    } else if (c.nfields != rs_sim_nfields(sim) || c.nparameters != rs_sim_nparameters(sim) ||
               c.grid.nx != g.nx || c.grid.ny != g.ny || c.grid.nz != g.nz ||
               c.steps < 0 || c.steps > rs_sim_total_steps(sim)) {
        fprintf(stderr, "regensim run: --resume: %s does not match the model (%d fields, "
                        "%d x %d x %d voxels, step %lld); start again with --force\n",
                rs->checkpoint_path, c.nfields, c.grid.nx, c.grid.ny, c.grid.nz,
                (long long)c.steps);
        rc = RS_EXIT_USAGE;
    } else {
        st = rs_sim_restore(sim, c.steps, (const double *const *)c.fields, c.parameters, &err);
        if (st != RS_OK) {
            rs_cli_print_error(&err);
            rc = rs_cli_exit_code(st);
        }
        *t = rs_sim_time(sim);
    }
    rs_io_checkpoint_free(&c);
    return rc;
}

/* Prints how the run ended and where its output is. */
static void print_summary(const rs_sim *sim, const char *out, int nsnap, double wall)
{
    char w[32];
    format_duration(wall, w, sizeof w);
    printf("regensim run: completed %g min (%lld steps) in %s wall; %d snapshot%s in "
           "run.h5\n",
           rs_sim_time(sim), (long long)rs_sim_steps(sim), w, nsnap, nsnap == 1 ? "" : "s");
    printf("  output:   %s/run.h5 (fields, metrics, model; docs/output.md)\n", out);
    printf("            %s/run.xmf (ParaView: open it with the \"XDMF Reader\")\n", out);
    printf("  plots:    /usr/bin/python3 scripts/plot.py %s/run.h5   (PNGs in %s/plots/)\n",
           out, out);
}

int rs_cli_run(int argc, char **argv)
{
    run_options o = {0};
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    if (!rest) {
        fprintf(stderr, "regensim run: out of memory\n");
        return RS_EXIT_FAILED;
    }
    int nrest = 0;
    rs_cli_model_args a = {0};
    int rc = run_parse(argc, argv, &o, rest, &nrest);
    if (rc < 0) rc = rs_cli_parse_model_args(nrest, rest, &a, "run", run_usage);
    if (rc < 0 && !o.out) {
        fprintf(stderr, "regensim run: no output directory given (-o OUT)\n\n");
        run_usage(stderr);
        rc = RS_EXIT_USAGE;
    }
    if (rc < 0 && o.resume && o.force) {
        fprintf(stderr, "regensim run: --resume continues the run in %s and --force replaces "
                        "it: give one of them\n", o.out);
        rc = RS_EXIT_USAGE;
    }
    if (rc >= 0) {
        free(a.sets);
        free(rest);
        return rc;
    }

    rs_model *m = NULL;
    rs_sim *sim = NULL;
    rs_io_run *w = NULL;
    char *source = NULL, *resolved = NULL;
    const char **field_names = NULL, **field_units = NULL, **metric_names = NULL,
               **cell_names = NULL;
    run_state rs;
    memset(&rs, 0, sizeof rs);
    rs_error err;
    rs_error_clear(&err);
    rs_status st = RS_OK;

    rc = rs_cli_load_model(&a, &m);
    if (rc != RS_EXIT_OK) goto done;
    rc = RS_EXIT_FAILED;
    if (o.threads > 0) omp_set_num_threads(o.threads);

    source = read_text(a.path);
    if (!source) {
        fprintf(stderr, "regensim run: cannot read %s: %s\n", a.path, strerror(errno));
        rc = RS_EXIT_USAGE;
        goto done;
    }
    if (rs_model_write_resolved(m, &resolved) != RS_OK) {
        fprintf(stderr, "regensim run: out of memory\n");
        goto done;
    }
    st = rs_sim_create(&sim, m, &err);
    if (st != RS_OK) {
        rs_cli_print_error(&err);
        rc = rs_cli_exit_code(st);
        goto done;
    }

    /* Interventions the (perhaps shortened) run never reaches: those whose
     * step (the first at or after their time) is not before the last. */
    const double last_start = (double)(rs_sim_total_steps(sim) - 1) * m->time.dt.diffusion.value;
    for (int i = 0; i < m->ninterventions; i++)
        if (m->interventions[i].at.value > last_start * (1 + 1e-12))
            fprintf(stderr, "regensim run: note: interventions[%d] at %g min is at or after "
                            "the end (%g min) and will not happen\n",
                    i, m->interventions[i].at.value, m->time.end.value);

    int nf = rs_sim_nfields(sim), nm = rs_sim_nmetrics(sim), nc = m->ncell_types;
    size_t plen = strlen(o.out) + sizeof "/checkpoint.h5";
    rs.checkpoint_path = malloc(plen);
    rs.fields = calloc((size_t)nf + 1, sizeof *rs.fields);
    rs.cp_fields = calloc((size_t)nf + 1, sizeof *rs.cp_fields);
    field_names = calloc((size_t)nf + 1, sizeof *field_names);
    field_units = calloc((size_t)nf + 1, sizeof *field_units);
    metric_names = calloc((size_t)nm + 1, sizeof *metric_names);
    cell_names = calloc((size_t)nc + 1, sizeof *cell_names);
    if (!rs.checkpoint_path || !rs.fields || !rs.cp_fields || !field_names || !field_units ||
        !metric_names || !cell_names) {
        fprintf(stderr, "regensim run: out of memory\n");
        goto done;
    }
    snprintf(rs.checkpoint_path, plen, "%s/checkpoint.h5", o.out);
    for (int i = 0; i < nf; i++) {
        field_names[i] = rs_sim_field_name(sim, i);
        field_units[i] = rs_sim_field_units(sim, i);
    }
    for (int i = 0; i < nm; i++) metric_names[i] = rs_sim_metric_name(sim, i);
    for (int i = 0; i < nc; i++) cell_names[i] = m->cell_types[i].name;
    rs.nfields = nf;
    rs.resolved = resolved;
    rs.seed = model_seed(m);
    rs.quiet = o.quiet;
    rs.tty = isatty(fileno(stderr));

    rs_io_run_info info = {
        .dir = o.out,
        .force = o.force,
        .model_name = m->name,
        .model_source = source,
        .model_resolved = resolved,
        .seed = rs.seed,
        .grid = rs_sim_grid(sim),
        .nfields = nf,
        .field_names = field_names,
        .field_units = field_units,
        .nmetrics = nm,
        .metric_names = metric_names,
        .ncell_types = nc,
        .cell_type_names = cell_names,
    };
    if (o.resume) {
        double t = 0;
        rc = resume_from(sim, &rs, o.out, &t);
        if (rc != RS_EXIT_OK) goto done;
        rc = RS_EXIT_FAILED;
        st = rs_io_run_reopen(&w, &info, t, &err);
    } else {
        st = rs_io_run_create(&w, &info, &err);
    }
    if (st != RS_OK) {
        rs_cli_print_error(&err);
        /* An existing output without --force, a directory that cannot be
         * made, no run.h5 to resume: bad input (nothing has run yet). */
        rc = st == RS_ENOMEM ? RS_EXIT_FAILED : RS_EXIT_USAGE;
        goto done;
    }
    rs.w = w;

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

    rs.wall0 = rs.last_report = omp_get_wtime();
    rs.steps0 = rs_sim_steps(sim);
    rs_sim_observer obs = {&rs, on_snapshot, on_metrics, on_checkpoint, on_progress};
    st = rs_sim_run(sim, &obs, &err);
    double wall = omp_get_wtime() - rs.wall0;
    int stopped = st == RS_OK && !rs_sim_finished(sim);

    if (!o.quiet && rs.tty && rs.line_len > 0) report_progress(&rs, sim, omp_get_wtime(), 1);
    int nsnap = rs_io_run_nsnapshots(w);
    rs_error ferr;
    rs_error_clear(&ferr);
    if (st != RS_OK) {
        rs_cli_print_error(&err);
        char msg[600];
        snprintf(msg, sizeof msg, "%s", err.msg[0] ? err.msg : rs_strerror(st));
        if (rs_io_run_finish(w, 0, msg, &ferr) != RS_OK) rs_cli_print_error(&ferr);
        fprintf(stderr, "regensim run: failed at t = %g min; %s/status says so\n",
                rs_sim_time(sim), o.out);
        rc = RS_EXIT_FAILED;
    } else if (stopped) {
        /* Interrupted: keep the state reached so --resume can go on. */
        st = on_checkpoint(&rs, sim, &err);
        if (st != RS_OK) rs_cli_print_error(&err);
        if (rs_io_run_finish(w, 0, "interrupted", &ferr) != RS_OK) rs_cli_print_error(&ferr);
        fprintf(stderr, "regensim run: interrupted at t = %g min (step %lld of %lld); ",
                rs_sim_time(sim), (long long)rs_sim_steps(sim),
                (long long)rs_sim_total_steps(sim));
        if (st == RS_OK) {
            fprintf(stderr, "checkpoint written; continue with: regensim run %s -o %s",
                    a.path, o.out);
            for (int i = 0; i < a.nsets; i++) fprintf(stderr, " --set %s", a.sets[i]);
            fprintf(stderr, " --resume\n");
        } else
            fprintf(stderr, "no checkpoint written\n");
        rc = RS_EXIT_FAILED;
    } else if (rs_io_run_finish(w, 1, NULL, &ferr) != RS_OK) {
        rs_cli_print_error(&ferr);
        rc = RS_EXIT_FAILED;
    } else {
        if (!o.quiet) print_summary(sim, o.out, nsnap, wall);
        rc = RS_EXIT_OK;
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);

done:
    rs_io_run_destroy(w);
    rs_sim_destroy(sim);
    rs_model_destroy(m);
    free(source);
    free(resolved);
    free(rs.checkpoint_path);
    free(rs.fields);
    free(rs.cp_fields);
    free(field_names);
    free(field_units);
    free(metric_names);
    free(cell_names);
    free(a.sets);
    free(rest);
    return rc;
}

/* sweep_mpi.c: `mpirun -n N regensim sweep FILE -o DIR`: the sweep over MPI
 * ranks (cli/sweep_mpi.h). Rank 0 is the coordinator: it owns DIR (lock,
 * journal, summaries, as the local runner does) and hands out runs one at a
 * time; each other rank is a worker that sends the result of its last run
 * with each request, so scheduling is dynamic and a slow run holds up no
 * one. A worker runs each run as its own process (sweep_child.c) and reads
 * its result itself, so only rows travel. Every rank reads the sweep file,
 * and all must have read the same sweep (rs_sweep_identity, checked before
 * DIR is touched); DIR must be on a file system every rank sees. Built only with
 * REGENSIM_HAVE_MPI; otherwise a run under mpirun is refused. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/sweep_mpi.h"

/* The ranks mpirun (OpenMPI, MPICH/PMI, Slurm's srun) said this job has. */
static int launcher_size(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        const char *v = getenv(vars[i]);
        if (v && atoi(v) > 0) return atoi(v);
    }
    return 1;
}

int rs_cli_sweep_mpi_wanted(void) { return launcher_size() > 1; }

#ifndef REGENSIM_HAVE_MPI

int rs_cli_sweep_mpi(const rs_cli_sweep_options *o)
{
    (void)o;
    fprintf(stderr, "regensim: started by mpirun with %d ranks, but this regensim was built "
                    "without MPI (-DREGENSIM_MPI=OFF); expected a build with MPI, or "
                    "`regensim sweep FILE -o DIR -j N` without mpirun\n", launcher_size());
    return RS_EXIT_USAGE;
}

#else
#include <mpi.h>

enum { TAG_RESULT = 1, TAG_WORK = 2 };

/* What a worker's message says of the run it was given. */
enum {
    W_NONE = 0,     /* no run yet (the first request) */
    W_RESULT,       /* the run ended: its row */
    W_INTERRUPTED,  /* stopped by a signal: not finished, redone next time */
    W_BROKEN        /* this rank cannot start runs: give the run to another */
};

/* Set by SIGINT/SIGTERM (mpirun forwards them to every rank): a worker
 * stops its run and asks for no more; the coordinator hands out no more. */
static volatile sig_atomic_t stop_flag = 0;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

/* A message from a worker: what, the run, its row, then the values. */
typedef struct wire {
    int what;
    long long run;
    int failed;
    double wall;
    char message[512];
} wire;

static size_t wire_size(const rs_sweep *s)
{
    return sizeof(wire) + (size_t)s->noutputs * sizeof(double);
}

/* The coordinator's state. */
typedef struct coord {
    const rs_cli_sweep_options *o;
    const rs_sweep *s;
    rs_sweep_dir *d;
    size_t next;         /* runs below it were handed out or finished */
    size_t *requeue;     /* runs a broken rank gave back */
    size_t nrequeue;
    int failed, stopped;
} coord;

/* The next run to hand out, or -1. */
static long long next_run(coord *c)
{
    if (c->nrequeue) return (long long)c->requeue[--c->nrequeue];
    size_t n = rs_sweep_nruns(c->s);
    while (c->next < n && rs_sweep_dir_finished(c->d, c->next)) c->next++;
    return c->next < n ? (long long)c->next++ : -1;
}

/* Records a worker's message; 1 when that worker is to stop (it cannot
 * start runs, or it was told to stop): its run goes back to be handed out
 * again. */
static int take(coord *c, const unsigned char *buf, double *values, rs_error *err)
{
    wire w;
    memcpy(&w, buf, sizeof w);
    if (w.what == W_BROKEN || w.what == W_INTERRUPTED) {
        if (w.what == W_BROKEN)
            fprintf(stderr, "regensim: an MPI rank cannot start runs (%s); its run goes to "
                            "another rank\n", w.message);
        if (w.run >= 0) c->requeue[c->nrequeue++] = (size_t)w.run;
        return 1;
    }
    if (w.what != W_RESULT || c->failed) return 0;
    rs_sweep_result r = {.run = (size_t)w.run, .failed = w.failed, .wall = w.wall,
                         .values = values};
    memcpy(r.message, w.message, sizeof r.message);
    memcpy(values, buf + sizeof w, (size_t)c->s->noutputs * sizeof *values);
    if (rs_sweep_dir_record(c->d, &r, err) != RS_OK) {
        rs_cli_print_error(err);
        c->failed = 1;
    }
    return 0;
}

/* The coordinator: hands out every unfinished run, records the results. */
static int coordinate(const rs_cli_sweep_options *o, const rs_sweep *s, rs_sweep_dir *d,
                      int nranks)
{
    size_t n = rs_sweep_nruns(s);
    int active = nranks - 1, working = nranks - 1;
    unsigned char *buf = malloc(wire_size(s));
    double *values = malloc(((size_t)s->noutputs + 1) * sizeof *values);
    coord c = {o, s, d, 0, malloc((size_t)nranks * sizeof(size_t)), 0, 0, 0};
    double last_line = MPI_Wtime(); /* the last progress line */
    rs_error err;
    rs_error_clear(&err);
    if (!buf || !values || !c.requeue) {
        fprintf(stderr, "regensim: out of memory\n");
        c.failed = 1; /* every worker is still answered, and told to stop */
    }
    if (!o->quiet) {
        char size[128];
        rs_cli_sweep_size(s, size, sizeof size);
        printf("regensim sweep: %s of %s over %d MPI workers%s; output in %s\n", size,
               s->model_path, nranks - 1, rs_sweep_dir_nfinished(d) ? " (resuming)" : "",
               o->dir);
    }
    fflush(stdout);
    while (active > 0) {
        MPI_Status ms;
        unsigned char small[sizeof(wire)];
        MPI_Recv(buf ? (void *)buf : (void *)small, buf ? (int)wire_size(s) : 0, MPI_BYTE,
                 MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &ms);
        int retire = buf && values && take(&c, buf, values, &err);
        if (retire) working--;
        if (stop_flag) c.stopped = 1;
        if (!o->quiet && MPI_Wtime() - last_line >= 10.0) {
            fprintf(stderr, "regensim: sweep: %zu/%zu runs done, %zu failed\n",
                    rs_sweep_dir_nfinished(d), n, rs_sweep_dir_nfailed(d));
            last_line = MPI_Wtime();
        }
        if (!c.failed && rs_sweep_dir_summarize_due(d, &err) != RS_OK) {
            rs_cli_print_error(&err);
            c.failed = 1;
        }
        long long give = retire || c.failed || c.stopped ? -1 : next_run(&c);
        if (give < 0) active--;
        MPI_Send(&give, 1, MPI_LONG_LONG, ms.MPI_SOURCE, TAG_WORK, MPI_COMM_WORLD);
    }
    if (working == 0 && !c.failed && !c.stopped && rs_sweep_dir_nfinished(d) < n)
        fprintf(stderr, "regensim: no MPI rank is left to run the runs (each could not start "
                        "them or was stopped)\n");
    if (!c.failed && rs_sweep_dir_summarize(d, &err) != RS_OK) {
        rs_cli_print_error(&err);
        c.failed = 1;
    }
    int rc = c.failed ? RS_EXIT_FAILED : rs_cli_sweep_finish(o, d, s, c.stopped);
    free(buf);
    free(values);
    free(c.requeue);
    return rc;
}

/* Waits for run process pid, stopping it (SIGTERM) once the worker is told
 * to stop; SIGCHLD is blocked, so sigtimedwait wakes at its end. */
static int wait_run(long pid, int *ws)
{
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    int told = 0;
    for (;;) {
        pid_t w = waitpid((pid_t)pid, ws, WNOHANG);
        if (w == (pid_t)pid) return 0;
        if (w < 0 && errno != EINTR) return -1;
        if (stop_flag && !told) {
            kill((pid_t)pid, SIGTERM);
            told = 1;
        }
        struct timespec wait = {0, 200000000};
        sigtimedwait(&chld, NULL, &wait);
    }
}

/* Runs run k and fills its message *w (and values). */
static void run_one(const rs_cli_sweep_options *o, const rs_sweep *s, const char *exe,
                    int threads, long long k, wire *w, double *values)
{
    rs_error err;
    rs_error_clear(&err);
    long pid = 0;
    int ws = 0;
    double t0 = MPI_Wtime();
    rs_sweep_result r = {.run = (size_t)k, .values = values};
    *w = (wire){W_BROKEN, k, 1, 0, ""};
    if (stop_flag) {
        w->what = W_INTERRUPTED;
        return;
    }
    if (rs_sweep_run_start(s, o->dir, exe, (size_t)k, threads, &pid, &err) != RS_OK) {
        snprintf(w->message, sizeof w->message, "%.500s", err.msg);
        return;
    }
    if (wait_run(pid, &ws) != 0) {
        snprintf(w->message, sizeof w->message, "run %lld's process cannot be waited for", k);
        return;
    }
    if (rs_sweep_run_collect(s, o->dir, (size_t)k, ws, MPI_Wtime() - t0, &r, &err) != RS_OK) {
        snprintf(w->message, sizeof w->message, "%.500s", err.msg);
        return;
    }
    *w = (wire){r.interrupted ? W_INTERRUPTED : W_RESULT, k, r.failed, r.wall, ""};
    memcpy(w->message, r.message, sizeof w->message);
}

/* A worker: asks for runs until told to stop. */
static void work(const rs_cli_sweep_options *o, const rs_sweep *s, const char *exe, int threads)
{
    size_t size = wire_size(s);
    unsigned char *buf = calloc(1, size);
    double *values = calloc((size_t)s->noutputs + 1, sizeof *values);
    wire w = {W_NONE, -1, 0, 0, ""};
    if (!buf || !values) { /* ask once, say why, and stop */
        free(buf);
        buf = calloc(1, size);
        w = (wire){W_BROKEN, -1, 1, 0, "out of memory"};
    }
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGCHLD, &dfl, NULL);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &chld, NULL);
    for (;;) {
        if (buf) {
            memcpy(buf, &w, sizeof w);
            if (w.what == W_RESULT) memcpy(buf + sizeof w, values, (size_t)s->noutputs * sizeof *values);
        }
        MPI_Send(buf, buf ? (int)size : 0, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
        long long k;
        MPI_Recv(&k, 1, MPI_LONG_LONG, 0, TAG_WORK, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (k < 0) break;
        run_one(o, s, exe, threads, k, &w, values);
    }
    free(buf);
    free(values);
}

/* Runs at once on this rank's node: the ranks that share its memory. */
static int ranks_on_node(void)
{
    MPI_Comm node;
    int n = 1;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) ==
        MPI_SUCCESS) {
        MPI_Comm_size(node, &n);
        MPI_Comm_free(&node);
    }
    return n;
}

int rs_cli_sweep_mpi(const rs_cli_sweep_options *o)
{
    int provided = 0, rank = 0, nranks = 1;
    MPI_Init_thread(NULL, NULL, MPI_THREAD_SINGLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    rs_sweep *s = NULL;
    rs_sweep_dir *d = NULL;
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    int rc = RS_EXIT_OK;
    if (rank == 0) {
        rc = rs_cli_sweep_load(o->file, &s);
    } else {
        rs_errors quiet; /* rank 0 prints the errors */
        rs_errors_clear(&quiet);
        if (rs_sweep_load(&s, o->file, &quiet) != RS_OK) rc = RS_EXIT_USAGE;
    }
    if (len <= 0 || (size_t)len >= sizeof exe - 1) rc = RS_EXIT_FAILED;
    else exe[len] = '\0';
    /* Every rank must have read the same sweep (a relative path from another
     * working directory, or a file changed while the job queued, would mix
     * two sweeps' rows). */
    unsigned long long id = s ? rs_sweep_identity(s) : 0, id0 = id;
    MPI_Bcast(&id0, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
    if (rank > 0 && rc == RS_EXIT_OK && id != id0) {
        fprintf(stderr, "regensim: MPI rank %d read another sweep than rank 0 (%s or its model "
                        "differs there); expected the same files on every rank\n", rank, o->file);
        rc = RS_EXIT_USAGE;
    }
    /* Every rank goes on only if every rank could load the same sweep; then
     * only if rank 0 could open DIR. */
    int worst = rc;
    MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (worst != RS_EXIT_OK && rank == 0 && rc == RS_EXIT_OK)
        fprintf(stderr, "regensim: another MPI rank could not load %s (its message above)\n",
                o->file);
    if (worst == RS_EXIT_OK && rank == 0) {
        rs_error err;
        rs_error_clear(&err);
        if (nranks < 2) {
            fprintf(stderr, "regensim: an MPI sweep needs at least 2 ranks (1 coordinator)\n");
            worst = RS_EXIT_USAGE;
        } else if (rs_sweep_dir_open(&d, s, o->dir, rs_cli_sweep_dir_flags(o), &err) != RS_OK) {
            rs_cli_print_error(&err);
            worst = err.code == RS_EINVAL ? RS_EXIT_USAGE : RS_EXIT_FAILED;
        }
    }
    int per_node = ranks_on_node();
    MPI_Bcast(&worst, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (worst == RS_EXIT_OK) {
        if (rank == 0)
            worst = coordinate(o, s, d, nranks);
        else
            work(o, s, exe, rs_cli_sweep_threads(o, s, per_node));
        MPI_Bcast(&worst, 1, MPI_INT, 0, MPI_COMM_WORLD);
    }
    rs_sweep_dir_close(d);
    rs_sweep_destroy(s);
    MPI_Finalize();
    return worst;
}
#endif

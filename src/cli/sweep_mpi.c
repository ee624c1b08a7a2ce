/* sweep_mpi.c: `mpirun -n N regensim sweep FILE -o DIR`: the sweep over MPI
 * ranks (cli/sweep_mpi.h). Rank 0 is the coordinator: it owns DIR (lock,
 * journal, summaries, as the local runner does) and hands out runs one at a
 * time; each other rank is a worker that sends the result of its last run
 * with each request, so scheduling is dynamic and a slow run holds up no
 * one. A worker runs each run as its own process (sweep_child.c) and reads
 * its result itself, so only rows travel. Every rank reads the sweep file;
 * DIR must be on a file system every rank sees. Built only with
 * REGENSIM_HAVE_MPI; otherwise a run under mpirun is refused. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
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

/* Set by SIGINT/SIGTERM on a worker: stop its run and ask for no more. */
static volatile sig_atomic_t stop_worker = 0;

static void on_signal(int sig)
{
    (void)sig;
    stop_worker = 1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A result on the wire: run (-1: none yet or none to give), failed, wall,
 * message, then the summary values. */
typedef struct wire {
    long long run;
    int failed;
    double wall;
    char message[512];
} wire;

static size_t wire_size(const rs_sweep *s)
{
    return sizeof(wire) + (size_t)s->noutputs * sizeof(double);
}

/* The coordinator: hands out every unfinished run, records the results. */
static int coordinate(const rs_cli_sweep_options *o, rs_sweep *s, rs_sweep_dir *d, int nranks)
{
    size_t n = rs_sweep_nruns(s), next = 0;
    int active = nranks - 1, rc = RS_EXIT_OK;
    unsigned char *buf = malloc(wire_size(s));
    double *values = malloc(((size_t)s->noutputs + 1) * sizeof *values);
    double last_summary = now(), summary_wait = 2.0; /* as the local runner */
    double last_line = last_summary;                 /* the last progress line */
    rs_error err;
    rs_error_clear(&err);
    int failed_sweep = !buf || !values, stopped = 0;
    if (!o->quiet)
        printf("regensim sweep: %zu runs (%zu points x %u replicates) of %s over %d MPI "
               "workers; output in %s\n", n, s->npoints, s->replicates, s->model_path,
               nranks - 1, o->dir);
    fflush(stdout);
    while (active > 0) {
        MPI_Status ms;
        MPI_Recv(buf, (int)wire_size(s), MPI_BYTE, MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD,
                 &ms);
        wire w;
        memcpy(&w, buf, sizeof w);
        if (w.run == -2) stopped = 1; /* a worker was interrupted */
        if (w.run >= 0 && !failed_sweep) {
            rs_sweep_result r = {(size_t)w.run, w.failed, w.wall, "", values};
            memcpy(r.message, w.message, sizeof r.message);
            memcpy(values, buf + sizeof w, (size_t)s->noutputs * sizeof *values);
            if (rs_sweep_dir_record(d, &r, &err) != RS_OK) {
                rs_cli_print_error(&err);
                failed_sweep = 1;
            }
            if (!o->quiet && now() - last_line >= 10.0) {
                fprintf(stderr, "regensim: sweep: %zu/%zu runs done, %zu failed\n",
                        rs_sweep_dir_nfinished(d), n, rs_sweep_dir_nfailed(d));
                last_line = now();
            }
            if (now() - last_summary >= summary_wait) {
                double t = now();
                if (rs_sweep_dir_summarize(d, &err) != RS_OK) {
                    rs_cli_print_error(&err);
                    failed_sweep = 1;
                }
                last_summary = now();
                summary_wait = fmax(2.0, 20.0 * (last_summary - t));
            }
        }
        while (next < n && rs_sweep_dir_finished(d, next)) next++;
        long long give = -1;
        if (!failed_sweep && !stopped && next < n) give = (long long)next++;
        else active--;
        MPI_Send(&give, 1, MPI_LONG_LONG, ms.MPI_SOURCE, TAG_WORK, MPI_COMM_WORLD);
    }
    if (rs_sweep_dir_summarize(d, &err) != RS_OK) {
        rs_cli_print_error(&err);
        failed_sweep = 1;
    }
    rc = failed_sweep ? RS_EXIT_FAILED : rs_cli_sweep_finish(o, d, s, stopped);
    free(buf);
    free(values);
    return rc;
}

/* A worker: asks for runs until told to stop. */
static void work(const rs_cli_sweep_options *o, rs_sweep *s, const char *exe, int threads)
{
    unsigned char *buf = calloc(1, wire_size(s));
    double *values = malloc(((size_t)s->noutputs + 1) * sizeof *values);
    wire w = {-1, 0, 0, ""};
    for (;;) {
        memcpy(buf, &w, sizeof w);
        if (w.run >= 0) memcpy(buf + sizeof w, values, (size_t)s->noutputs * sizeof *values);
        MPI_Send(buf, (int)wire_size(s), MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
        long long k;
        MPI_Recv(&k, 1, MPI_LONG_LONG, 0, TAG_WORK, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (k < 0) break;
        rs_error err;
        rs_error_clear(&err);
        long pid = 0;
        double t0 = now();
        rs_sweep_result r = {(size_t)k, 1, 0, "", values};
        int ws = 0;
        if (!buf || !values) {
            snprintf(r.message, sizeof r.message, "out of memory on its MPI rank");
        } else if (rs_sweep_run_start(s, o->dir, exe, (size_t)k, threads, &pid, &err) != RS_OK) {
            snprintf(r.message, sizeof r.message, "could not start: %.400s", err.msg);
        } else {
            while (waitpid((pid_t)pid, &ws, 0) < 0 && errno == EINTR)
                if (stop_worker) kill((pid_t)pid, SIGTERM);
            if (stop_worker) {
                w = (wire){-2, 0, 0, ""}; /* interrupted: redone next time */
                continue;
            }
            if (rs_sweep_run_collect(s, o->dir, (size_t)k, ws, now() - t0, &r, &err) != RS_OK) {
                r.failed = 1;
                snprintf(r.message, sizeof r.message, "%.500s", err.msg);
            }
        }
        w = (wire){(long long)r.run, r.failed, r.wall, ""};
        memcpy(w.message, r.message, sizeof w.message);
        if (stop_worker) w.run = -2;
    }
    free(buf);
    free(values);
}

int rs_cli_sweep_mpi(const rs_cli_sweep_options *o)
{
    int provided = 0, rank = 0, nranks = 1;
    MPI_Init_thread(NULL, NULL, MPI_THREAD_SINGLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
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
    if (rc == RS_EXIT_OK && rank == 0) {
        rs_error err;
        rs_error_clear(&err);
        if (nranks < 2) {
            fprintf(stderr, "regensim: an MPI sweep needs at least 2 ranks (1 coordinator)\n");
            rc = RS_EXIT_USAGE;
        } else if (rs_sweep_dir_open(&d, s, o->dir, rs_cli_sweep_dir_flags(o), &err) != RS_OK) {
            rs_cli_print_error(&err);
            rc = err.code == RS_EINVAL ? RS_EXIT_USAGE : RS_EXIT_FAILED;
        }
    }
    /* Every rank goes on only if every rank can. */
    int worst = rc;
    MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (worst == RS_EXIT_OK) {
        if (rank == 0) {
            worst = coordinate(o, s, d, nranks);
        } else {
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = on_signal;
            sigemptyset(&sa.sa_mask);
            sigaction(SIGINT, &sa, NULL);
            sigaction(SIGTERM, &sa, NULL);
            work(o, s, exe, rs_cli_sweep_threads(o, s, 1));
        }
        MPI_Bcast(&worst, 1, MPI_INT, 0, MPI_COMM_WORLD);
    } else if (rank == 0 && rc == RS_EXIT_OK) {
        fprintf(stderr, "regensim: another MPI rank could not load %s\n", o->file);
    }
    rs_sweep_dir_close(d);
    rs_sweep_destroy(s);
    MPI_Finalize();
    return worst;
}
#endif

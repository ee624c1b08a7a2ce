/* sweep_mpi.h: what `regensim sweep` (cmd_sweep.c) and its MPI runner
 * (sweep_mpi.c) share. */
#ifndef RS_CLI_SWEEP_MPI_H
#define RS_CLI_SWEEP_MPI_H

#include "regensim/regensim.h"

/* The options of `regensim sweep`. */
typedef struct rs_cli_sweep_options {
    const char *file, *dir;
    int jobs;    /* runs at a time (local runner) */
    int threads; /* --threads-per-run; 0: not given */
    int force, quiet, dry_run, retry_failed;
} rs_cli_sweep_options;

/* The rs_sweep_dir_open flags the options ask for. */
unsigned rs_cli_sweep_dir_flags(const rs_cli_sweep_options *o);

/* Loads the sweep file, printing every error; an exit code. */
int rs_cli_sweep_load(const char *file, rs_sweep **s);

/* OpenMP threads of each run: the option, the sweep file's, or this
 * machine's cores shared by runs_at_once runs. */
int rs_cli_sweep_threads(const rs_cli_sweep_options *o, const rs_sweep *s, int runs_at_once);

/* Prints how the sweep ended and where its summaries are; the exit code. */
int rs_cli_sweep_finish(const rs_cli_sweep_options *o, rs_sweep_dir *d, const rs_sweep *s,
                        int stopped);

/* "N runs (P points x R replicates)" for s, in buf. */
void rs_cli_sweep_size(const rs_sweep *s, char *buf, size_t size);

/* Whether this process was started by mpirun with more than one rank. */
int rs_cli_sweep_mpi_wanted(void);

/* Runs the sweep over the MPI ranks: rank 0 coordinates (DIR, journal,
 * summaries), every other rank asks it for a run, runs it as its own
 * process and sends back its result. The exit code, the same on every
 * rank. Without MPI in this build: exit 2 with a message. */
int rs_cli_sweep_mpi(const rs_cli_sweep_options *o);

#endif

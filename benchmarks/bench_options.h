/* bench_options.h: the command line of regensim-bench. */
#ifndef RS_BENCH_OPTIONS_H
#define RS_BENCH_OPTIONS_H

#define BENCH_MAX_LIST 16

typedef struct bench_options {
    int quick;
    const char *git;        /* "unknown" unless --git */
    const char *solver;     /* NULL: all solvers */
    int nsizes, sizes[BENCH_MAX_LIST];
    int nthreads, threads[BENCH_MAX_LIST];
    int ncells, cells[BENCH_MAX_LIST]; /* populations of the cells section (0: none) */
    int sweep_runs;         /* runs of the sweep section (0: none) */
    const char *regensim;   /* the regensim program the sweep section runs */
} bench_options;

/* Parses argv into o (defaults: full run, sizes 128,256 or 128 with --quick,
 * threads 1,2, cells 1e4,1e5,1e6,1e7 or 1e4,1e5 with --quick, sweep runs
 * 200 or 20 with --quick, the regensim program built with this one).
 * Returns 0 to run, 1 after printing help on stdout, 2 after printing an
 * error and the usage on stderr. */
int bench_options_parse(bench_options *o, int argc, char **argv);

#endif

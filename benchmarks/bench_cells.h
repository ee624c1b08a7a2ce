/* bench_cells.h: the cells for the "cells" section of regensim-bench's JSON
 * (docs/performance.md "Cells"):
 *  - the mechanics step (neighbour bins, pair forces, motility, move: what
 *    src/sim/proc_cell_mechanics.c runs every dt.mechanics) on populations
 *    of 10^4 to 10^7 motile cells in 3D at tissue density, per thread count;
 *  - a whole run of a model mirroring PhysiCell's template project (30,000
 *    motile cells, one secreted and taken-up substrate) through rs_sim_run,
 *    per thread count. */
#ifndef RS_BENCH_CELLS_H
#define RS_BENCH_CELLS_H

#include <stddef.h>
#include <stdint.h>

#include "bench_json.h"
#include "bench_options.h"

/* The tissue: cells of radius BENCH_CELLS_RADIUS um at the density of the
 * PhysiCell template (30,000 cells in a 580 um cube: one cell per
 * BENCH_CELLS_UM3_PER_CELL um^3, a volume fraction of 0.368), moving at
 * 1 um/min with persistence 1 min, mechanics step 0.1 min. */
#define BENCH_CELLS_RADIUS 8.3
#define BENCH_CELLS_UM3_PER_CELL (580.0 * 580.0 * 580.0 / 30000.0)
#define BENCH_CELLS_DT 0.1
/* Mechanics steps run before the timing, from the uniform random
 * placement (the first one also sorts the cells by bin). */
#define BENCH_CELLS_RELAX_STEPS 3

/* The PhysiCell template reference (issue 10): PhysiCell 1.14.2 on the
 * same workload on this machine, and the target. */
#define BENCH_CELLS_WORKLOAD "physicell-template-30k"
#define BENCH_CELLS_PHYSICELL_1T 5.5e4
#define BENCH_CELLS_PHYSICELL_2T 1.14e5
#define BENCH_CELLS_TARGET 3e6

/* One mechanics case: n cells, on `threads` threads. */
typedef struct bench_cells_result {
    size_t cells;
    int threads;
    double edge;             /* um: the cube's edge */
    int steps, repeats;      /* timed steps in all, and repeats */
    int failed;              /* non-zero: not measured; error says why */
    int too_big;             /* ... because it does not fit in memory (skipped, not failed) */
    char error[300];
    double create_seconds;   /* placement and the relaxing steps */
    double seconds_per_step; /* best repeat */
    double cpu_seconds_per_step; /* the process's CPU time in that repeat, per step */
    double cell_steps_per_s;
    double phase_seconds[4]; /* per step in the best repeat: bins, forces, motility, move */
    double rss_bytes_per_cell; /* resident-memory growth over the population's life / n; < 0 unknown */
    double neighbours_mean;  /* cells touching a cell, at the last step */
    uint64_t checksum;       /* positions after the relaxing steps (same for any thread count) */
} bench_cells_result;

/* The PhysiCell-template run on `threads` threads. */
typedef struct bench_cells_workload {
    int threads;
    int cells;
    double end;              /* simulated minutes */
    int64_t mechanics_steps, diffusion_steps;
    int repeats;
    int failed;
    char error[600];
    double create_seconds;   /* rs_sim_create: fields, solver, placement */
    double seconds;          /* best rs_sim_run */
    double cpu_seconds;      /* the process's CPU time in that run */
    double cell_steps_per_s; /* cells x mechanics_steps / seconds */
} bench_cells_workload;

/* One phenotype case: n cells at the same density, fixed (no mechanics
 * after the first step), a phenotype step at every diffusion step with
 * typical rules (a contact-inhibited cycle, apoptosis as a Hill function
 * of a substrate, a transition, two states with rates), timed as whole
 * steps of rs_sim_step (the fields are a small grid). */
typedef struct bench_cells_phenotype {
    size_t cells;
    int threads, steps, failed;
    char error[600];
    double seconds_per_step;  /* best of the repeats */
    double cell_steps_per_s;
} bench_cells_phenotype;

typedef struct bench_cells {
    int nresults, nworkloads, nphenotypes;
    bench_cells_result results[BENCH_MAX_LIST * BENCH_MAX_LIST];
    bench_cells_workload workloads[BENCH_MAX_LIST];
    bench_cells_phenotype phenotypes[2 * BENCH_MAX_LIST];
} bench_cells;

/* Times the mechanics step of n cells on `threads` threads: repeats of at
 * least min_seconds and min_steps steps each, the best counting. Always
 * fills r. */
void bench_cells_run(size_t n, int threads, double min_seconds, int min_steps, int repeats,
                     bench_cells_result *r);

/* Runs the PhysiCell-template model to `end` minutes on `threads` threads,
 * `repeats` times (a fresh rs_sim each, created outside the timing), the
 * best counting. Always fills r. */
void bench_cells_workload_run(int threads, double end, int repeats, bench_cells_workload *r);

/* The whole section as regensim-bench runs it (sizes o->cells, thread
 * counts o->threads; --quick: short runs), progress on stderr. Returns
 * non-zero if a case failed. */
int bench_cells_run_all(const bench_options *o, bench_cells *out);

/* Writes the "cells" object: the cases, then the linearity, the thread
 * scaling and the comparison with PhysiCell. */
void bench_cells_write(bench_json *w, const bench_cells *c);

#endif

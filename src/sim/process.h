/* process.h: the contract between the scheduler (sim.c) and the processes
 * it runs. A simulation is a table of processes (processes.c), each an ops
 * table of the SUNDIALS kind: a name, a cadence, create / step / destroy,
 * and optional hooks for parameter changes, checkpoints and snapshots. All
 * of them read and write one shared state, rs_sim_state, which the
 * scheduler owns; a process keeps its own plans and work space in `self`.
 *
 * Adding a component (cells: a phenotype, a mechanics and a coupling
 * process) means new files that fill an rs_process_ops and one entry in
 * the table; the scheduler, run.h5 and checkpoint.h5 need no edit, since
 * each process declares and writes its own sections there through
 * rs_io_section (docs/architecture.md, "Processes").
 *
 * Order and cadence. At every diffusion step n the scheduler
 *   1. applies the `set` interventions due at n to st->params and, if any,
 *      calls every process's parameters_changed;
 *   2. calls, in table order, the step of every process whose cadence is
 *      due at n (diffusion: every step; mechanics / phenotype: every
 *      dt.mechanics / dt.phenotype, converted to whole diffusion steps);
 *   3. advances the clock to n + 1.
 * The first process of the table, `reactions`, sets every allocated source
 * array at each step (reaction rate, or 0, plus `source` interventions)
 * and zeroes every allocated uptake array;
 * processes after it add to the source and uptake arrays; `fields`, the
 * last, moves every field by one step with them (diffusion, decay, S, U). */
#ifndef RS_SIM_PROCESS_H
#define RS_SIM_PROCESS_H

#include <stddef.h>
#include <stdint.h>

#include "regensim/cells.h"
#include "regensim/error.h"
#include "regensim/grid.h"
#include "regensim/io.h"
#include "regensim/model.h"
#include "sim/sim_impl.h"

/* The state every process shares. Arrays are the scheduler's: processes
 * read and write their contents but never (re)allocate them, except
 * through rs_sim_state_source / _uptake at create. */
typedef struct rs_sim_state {
    const rs_model *m;
    rs_grid g;
    size_t nvox;
    int nf;              /* substrates, in the model's order */
    double **fields;     /* nf arrays of nvox values */
    double **source;     /* per substrate: NULL or nvox source rates S (conc/min) */
    double **uptake;     /* per substrate: NULL or nvox uptake rates U (1/min) */
    int np;
    double *params;      /* the parameters as changed by interventions so far */
    rs_sim_symbols sy;   /* names for compiling expressions */
    uint64_t seed;       /* the RNG key (rs_rng): draws are keyed by (seed, id, step, purpose) */
    rs_cells *cells;     /* the population; NULL when the model has no cell types */
    double size[3];      /* the domain, um (the grid's extent; 0 along z in 2D) */
    int dims;            /* the model's: 2 or 3 */
    /* clock: time t = steps * dt exactly */
    double dt;           /* dt.diffusion, min */
    int64_t steps, total;
} rs_sim_state;

/* The time of the current step (min). */
static inline double rs_sim_state_time(const rs_sim_state *st)
{
    return (double)st->steps * st->dt;
}

/* Substrate i's source (or uptake) array, allocated (zeroed) on the first
 * request; for processes' create only. RS_ENOMEM. */
rs_status rs_sim_state_source(rs_sim_state *st, int i, double **out, rs_error *err);
rs_status rs_sim_state_uptake(rs_sim_state *st, int i, double **out, rs_error *err);

/* When a process's step runs. */
typedef enum rs_cadence {
    RS_CADENCE_DIFFUSION = 0, /* every dt.diffusion */
    RS_CADENCE_MECHANICS,     /* every dt.mechanics */
    RS_CADENCE_PHENOTYPE      /* every dt.phenotype */
} rs_cadence;

typedef struct rs_process_ops {
    const char *name;   /* also the name of its sections in run.h5 and checkpoint.h5 */
    rs_cadence cadence;

    /* Required. create plans everything (compiles expressions, plans
     * solvers, allocates work space) into *self, or fails having freed what
     * it made; step executes one step of its cadence and allocates nothing
     * (a re-plan after a parameter change is made in parameters_changed);
     * destroy frees self (NULL allowed). */
    rs_status (*create)(void **self, rs_sim_state *st, rs_error *err);
    rs_status (*step)(void *self, rs_sim_state *st, rs_error *err);
    void (*destroy)(void *self);

    /* Optional (NULL: nothing to do). */
    /* st->params changed (a `set`, or a restore): re-bind, re-plan. */
    rs_status (*parameters_changed)(void *self, rs_sim_state *st, rs_error *err);
    /* Writes / reads what the process owns of the state into / from its
     * checkpoint section; a restore then calls parameters_changed. */
    rs_status (*checkpoint_save)(void *self, const rs_sim_state *st, rs_io_section *sec,
                                 rs_error *err);
    rs_status (*checkpoint_load)(void *self, rs_sim_state *st, rs_io_section *sec,
                                 rs_error *err);
    /* Declares its series in run.h5 (rs_io_run_section with its name, then
     * rs_io_section_grid_series ...), keeping the handles in self; then, at
     * every snapshot, appends one entry to each. */
    rs_status (*output_declare)(void *self, const rs_sim_state *st, rs_io_run *w,
                                rs_error *err);
    rs_status (*output_snapshot)(void *self, const rs_sim_state *st, rs_error *err);
} rs_process_ops;

/* The table (processes.c), in step order, NULL-terminated. */
extern const rs_process_ops *const rs_processes[];

/* The processes of today's engine (proc_reactions.c, proc_fields.c). */
extern const rs_process_ops rs_process_reactions;
extern const rs_process_ops rs_process_fields;
/* The cells' processes (proc_cells.c, proc_cell_phenotype.c,
 * proc_cell_mechanics.c). */
extern const rs_process_ops rs_process_cells;
extern const rs_process_ops rs_process_cell_phenotype;
extern const rs_process_ops rs_process_cell_mechanics;

/* The value of a model number under the current parameters: its
 * expression (of parameters only) compiled and evaluated, or its plain
 * value (sim_symbols.c). Allocates: for create and re-plans only. */
rs_status rs_sim_number_now(const rs_sim_state *st, const rs_model_number *num, double *out,
                            rs_error *err);

/* Whether the model number's expression reads parameter p (sim_symbols.c). */
int rs_sim_number_uses(const rs_sim_state *st, const rs_model_number *num, int p);

#endif

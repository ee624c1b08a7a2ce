/* sim.h: the simulation. An rs_sim owns the state of one run of a model
 * (fields, clock, parameters as changed by interventions, and later cells)
 * and advances it as a scheduler over a table of processes (reactions,
 * [cells], fields; docs/architecture.md) on a multi-rate clock:
 *
 *   per diffusion step (dt.diffusion): `set` interventions due -> each
 *   process due (diffusion, mechanics or phenotype cadence) in table order
 *   -> metrics / snapshot / checkpoint when due, reported to an observer.
 *
 * Output goes through regensim/io.h: rs_sim_output_declare lets every
 * process declare its series in a run.h5, rs_sim_output_snapshot writes
 * one snapshot of them, and rs_sim_checkpoint_write / _read save and
 * restore the complete state (every process's section of checkpoint.h5).
 * regensim/run.h gives the whole run (directory, status, resume) in a few
 * calls.
 *
 * Times are integer step counts, never accumulated floats: time t = steps *
 * dt.diffusion exactly, and every event time (save_every, checkpoint_every,
 * interventions, metrics every dt.phenotype, end) is converted once at
 * create to the step it falls on (docs/running.md says how). Same model and
 * seed give bitwise-identical state for any number of OpenMP threads. */
#ifndef REGENSIM_SIM_H
#define REGENSIM_SIM_H

#include <stdint.h>
#include "regensim/cells.h"
#include "regensim/error.h"
#include "regensim/grid.h"
#include "regensim/io.h"
#include "regensim/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rs_sim rs_sim;

/* Builds the run's state from a loaded model (which must outlive the
 * rs_sim): allocates and initialises the fields (initial values and
 * expressions, `initial:` field regions), plans the diffusion solver,
 * compiles reactions and metrics. Refuses what cannot run with a clear
 * error and allocates nothing then. Destroy with rs_sim_destroy. */
RS_API rs_status rs_sim_create(rs_sim **out, const rs_model *m, rs_error *err);

RS_API void rs_sim_destroy(rs_sim *s);

/* What a run reports to its caller, all optional (NULL entries skipped).
 * A callback returning non-RS_OK stops the run with that status. */
typedef struct rs_sim_observer {
    void *user;
    /* at t = 0 (before any step), every save_every, and at the end */
    rs_status (*snapshot)(void *user, const rs_sim *s, rs_error *err);
    /* at t = 0 and every metrics step (dt.phenotype), and at the end */
    rs_status (*metrics)(void *user, const rs_sim *s, rs_error *err);
    /* every checkpoint_every, and at the end */
    rs_status (*checkpoint)(void *user, const rs_sim *s, rs_error *err);
    /* after every step; return non-zero to stop (e.g. an interrupt): the run
     * then returns RS_OK with rs_sim_finished() false */
    int (*progress)(void *user, const rs_sim *s);
} rs_sim_observer;

/* Runs from the current step to the model's end, reporting to obs (may be
 * NULL). A run that starts at step 0 reports t = 0 first; a restored run
 * does not report its starting state again. */
RS_API rs_status rs_sim_run(rs_sim *s, const rs_sim_observer *obs, rs_error *err);

/* Advances exactly one diffusion step (interventions, reactions, diffusion);
 * reports nothing. */
RS_API rs_status rs_sim_step(rs_sim *s, rs_error *err);

RS_API double rs_sim_time(const rs_sim *s);          /* min */
RS_API int64_t rs_sim_steps(const rs_sim *s);        /* steps done */
RS_API int64_t rs_sim_total_steps(const rs_sim *s);  /* steps to the end */
RS_API int rs_sim_finished(const rs_sim *s);
RS_API const rs_model *rs_sim_model(const rs_sim *s);
RS_API rs_grid rs_sim_grid(const rs_sim *s);

/* Fields, in the model's substrate order. */
RS_API int rs_sim_nfields(const rs_sim *s);
RS_API const char *rs_sim_field_name(const rs_sim *s, int i);
RS_API const char *rs_sim_field_units(const rs_sim *s, int i);
RS_API const double *rs_sim_field(const rs_sim *s, int i);

/* Metrics, in the model's order, as last evaluated. */
RS_API int rs_sim_nmetrics(const rs_sim *s);
RS_API const char *rs_sim_metric_name(const rs_sim *s, int i);
RS_API const double *rs_sim_metric_values(const rs_sim *s);

/* The cell population as it stands (for reading: tests, tools, output),
 * or NULL when the model has no cell types. The rs_sim owns it, and the
 * next step may reorder, grow or compact it: re-read after each step. */
RS_API const rs_cells *rs_sim_cells(const rs_sim *s);

/* Parameters, in the model's order, as changed by interventions so far. */
RS_API int rs_sim_nparameters(const rs_sim *s);
RS_API const double *rs_sim_parameters(const rs_sim *s);

/* Whether intervention i of the model happens in this run: its time falls
 * on a step before the end (a shortened run of a longer model may never
 * reach some). 0 for an index out of range. */
RS_API int rs_sim_intervention_reached(const rs_sim *s, int i);

/* How many snapshots a run of this model has written once it reached the
 * current step (t = 0, every save_every, the end): what a resumed run.h5
 * must hold. */
RS_API int64_t rs_sim_snapshots_written(const rs_sim *s);

/* The time (min) of snapshot k of a run of this model (0, every
 * save_every, then the end), computed as the run computes it. */
RS_API double rs_sim_snapshot_time(const rs_sim *s, int64_t k);

/* Declares every process's series in w (a run.h5 just created or
 * reopened, before rs_io_run_ready). */
RS_API rs_status rs_sim_output_declare(rs_sim *s, rs_io_run *w, rs_error *err);

/* Writes one snapshot of the current state to w (declared as above):
 * begin, every process's series, commit. */
RS_API rs_status rs_sim_output_snapshot(const rs_sim *s, rs_io_run *w, rs_error *err);

/* Writes the complete state to the checkpoint file path, atomically: the
 * clock, the parameters, the seed, the resolved model text (to check a
 * resume) and every process's section. */
RS_API rs_status rs_sim_checkpoint_write(const rs_sim *s, const char *path, rs_error *err);

/* Restores the state from the checkpoint file path, which must come from
 * this model (the same resolved text, grid and names: RS_EINVAL saying
 * what differs otherwise); rs_sim_run then continues bitwise as the
 * uninterrupted run would have. On error the state is unusable: destroy
 * the rs_sim. */
RS_API rs_status rs_sim_checkpoint_read(rs_sim *s, const char *path, rs_error *err);

#ifdef __cplusplus
}
#endif
#endif

/* run.h: a whole run of a model, in the library: what `regensim run` does,
 * in a few calls, for any program (a sweep runner, a notebook driver, the
 * CLI). An rs_run owns an rs_sim and its output directory:
 *
 *   OUT/run.h5, OUT/run.xmf   snapshots and metrics (regensim/io.h)
 *   OUT/checkpoint.h5         written every time.checkpoint_every, at the
 *                             end, and when the run is stopped
 *   OUT/status                running, completed, or failed: MESSAGE
 *
 *   rs_run_create   a new run (refuses an OUT holding a run unless force)
 *   rs_run_resume   continues the run in OUT from its checkpoint, after
 *                   checking the checkpoint and run.h5 belong to this
 *                   model; snapshots after the checkpoint are dropped
 *   rs_run_execute  runs to the end, or until the progress callback asks
 *                   to stop (then a checkpoint is written and the status
 *                   says "failed: interrupted")
 *   rs_run_destroy
 *
 * A resumed run ends bitwise identical to an uninterrupted one. The
 * library prints nothing: the caller reads the outcome and the error. */
#ifndef REGENSIM_RUN_H
#define REGENSIM_RUN_H

#include "regensim/error.h"
#include "regensim/io.h"
#include "regensim/model.h"
#include "regensim/sim.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rs_run rs_run;

typedef struct rs_run_config {
    const rs_model *model;  /* loaded (rs_model_load); must outlive the run */
    const char *model_text; /* the model file's text for /model/source; NULL:
                               read from model->source, the path it was
                               loaded from */
    const char *dir;        /* the output directory OUT */
    int force;              /* rs_run_create: replace a run's output in OUT */
    /* Optional: called after every step with the simulation; return
     * non-zero to stop the run (e.g. on SIGINT). */
    int (*progress)(void *user, const rs_sim *s);
    void *user;
} rs_run_config;

/* How a run ended (rs_run_outcome). */
typedef enum rs_run_outcome {
    RS_RUN_NOT_DONE = 0, /* not executed yet */
    RS_RUN_COMPLETED,    /* reached the model's end */
    RS_RUN_STOPPED,      /* progress asked to stop; a checkpoint allows a resume */
    RS_RUN_FAILED        /* an error; the status file says which */
} rs_run_outcome;

/* Starts a new run: creates the simulation (refusing a model that cannot
 * run, RS_EINVAL), the output directory and run.h5. On error nothing is
 * left running and *out is NULL; a run.h5 is never left half made. */
RS_API rs_status rs_run_create(rs_run **out, const rs_run_config *cfg, rs_error *err);

/* Continues the run in cfg->dir from its checkpoint.h5: RS_EINVAL saying
 * what is wrong when there is none, or it comes from another model, other
 * --set overrides or another format; run.h5 is reopened and truncated to
 * the checkpoint's time. */
RS_API rs_status rs_run_resume(rs_run **out, const rs_run_config *cfg, rs_error *err);

/* Runs to the end (or a stop). Snapshots and metrics go to run.h5 as the
 * model says, checkpoints to checkpoint.h5, and the status file says how
 * it ended. RS_OK for a completed or stopped run; an error status (and
 * err) for a failed one. */
RS_API rs_status rs_run_execute(rs_run *r, rs_error *err);

RS_API void rs_run_destroy(rs_run *r);

/* The snapshot format the model's `output:` options ask for. */
RS_API rs_io_snapshot_format rs_run_snapshot_format(const rs_model *m);

RS_API rs_run_outcome rs_run_outcome_of(const rs_run *r);
RS_API const rs_sim *rs_run_sim(const rs_run *r);
RS_API int rs_run_nsnapshots(const rs_run *r);   /* counted in run.h5 */
RS_API int rs_run_ncheckpoints(const rs_run *r); /* written by this rs_run */
RS_API int rs_run_stop_checkpointed(const rs_run *r); /* a stopped run wrote its checkpoint */

#ifdef __cplusplus
}
#endif
#endif

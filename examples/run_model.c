/* run_model.c: runs a model file with the installed libregensim, the way
 * `regensim run` does, in a handful of calls: load the model, create (or
 * resume) the run, execute, look at how it ended.
 *
 *   ./run_model MODEL.yaml OUT            a new run into OUT (replacing one)
 *   ./run_model MODEL.yaml OUT --resume   continue OUT from its checkpoint
 *   ./run_model MODEL.yaml OUT --stop N   stop after N steps (a checkpoint
 *                                         is written: resume it later)
 *
 * OUT gets run.h5 (open it with h5py or xarray), run.xmf (ParaView),
 * checkpoint.h5 and status. Exit code 0 when the run completed or stopped
 * as asked, 1 when it failed, 2 for bad input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <regensim/regensim.h>

/* Asks the run to stop after *(long *)user steps. */
static int stop_after(void *user, const rs_sim *s)
{
    return rs_sim_steps(s) >= *(const long *)user;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s MODEL.yaml OUT [--resume | --stop N]\n", argv[0]);
        return 2;
    }
    int resume = argc > 3 && strcmp(argv[3], "--resume") == 0;
    long stop = argc > 4 && strcmp(argv[3], "--stop") == 0 ? atol(argv[4]) : -1;

    /* 1. The model: every error with its file, line and column. */
    rs_model *m = NULL;
    rs_errors errs;
    if (rs_model_load(&m, argv[1], NULL, 0, &errs) != RS_OK) {
        for (int i = 0; i < errs.count; i++) {
            char line[1200];
            rs_error_format(&errs.item[i], line, sizeof line);
            fprintf(stderr, "%s\n", line);
        }
        return 2;
    }

    /* 2. The run: a new one, or the one in OUT continued. */
    rs_run_config cfg = {.model = m, .dir = argv[2], .force = 1};
    if (stop >= 0) {
        cfg.progress = stop_after;
        cfg.user = &stop;
    }
    rs_run *run = NULL;
    rs_error err;
    rs_status st = resume ? rs_run_resume(&run, &cfg, &err) : rs_run_create(&run, &cfg, &err);
    if (st != RS_OK) {
        fprintf(stderr, "run_model: %s\n", err.msg);
        rs_model_destroy(m);
        return 2;
    }

    /* 3. Execute and report. */
    st = rs_run_execute(run, &err);
    const rs_sim *sim = rs_run_sim(run);
    int rc = 0;
    switch (rs_run_outcome_of(run)) {
    case RS_RUN_COMPLETED:
        printf("completed at t = %g min: %d snapshots in %s/run.h5\n", rs_sim_time(sim),
               rs_run_nsnapshots(run), argv[2]);
        for (int i = 0; i < rs_sim_nmetrics(sim); i++)
            printf("  %s = %.6g\n", rs_sim_metric_name(sim, i), rs_sim_metric_values(sim)[i]);
        break;
    case RS_RUN_STOPPED:
        printf("stopped at t = %g min; continue with: %s %s %s --resume\n", rs_sim_time(sim),
               argv[0], argv[1], argv[2]);
        break;
    default:
        fprintf(stderr, "run_model: failed: %s\n", st != RS_OK ? err.msg : "see status");
        rc = 1;
    }
    rs_run_destroy(run);
    rs_model_destroy(m);
    return rc;
}

/* run.c: rs_run, a whole run of a model in the library (regensim/run.h):
 * the output directory and its status file, run.h5 (created, or reopened
 * and truncated for a resume), checkpoint cadence and resume validation,
 * over an rs_sim. The simulation reports snapshots, metrics and
 * checkpoints to this file's observer, which hands them to the writers;
 * the processes write their own sections (rs_sim_output_*,
 * rs_sim_checkpoint_*). Nothing here prints. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regensim/io.h"
#include "regensim/run.h"

struct rs_run {
    const rs_model *m;
    rs_sim *sim;
    rs_io_run *w;
    rs_io_lock *lock;      /* OUT is this run's until destroy */
    char *checkpoint_path; /* OUT/checkpoint.h5 */
    int (*progress)(void *user, const rs_sim *s);
    void *user;
    rs_run_outcome outcome;
    int checkpoints;       /* written by this rs_run */
    int stop_checkpointed;
};

/* Reads a whole file into a malloc'd NUL-terminated string, or NULL. */
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

rs_io_snapshot_format rs_run_snapshot_format(const rs_model *m)
{
    rs_io_snapshot_format f = {0};
    f.float32 = m->output.precision && strcmp(m->output.precision, "float32") == 0;
    f.no_compression = m->output.compression && strcmp(m->output.compression, "none") == 0;
    f.deflate_level = (int)m->output.level.value;
    return f;
}

void rs_run_destroy(rs_run *r)
{
    if (!r) return;
    rs_io_run_destroy(r->w);
    rs_sim_destroy(r->sim);
    rs_io_dir_unlock(r->lock);
    free(r->checkpoint_path);
    free(r);
}

/* What both constructors share: checks cfg, creates the simulation and
 * the checkpoint path. */
static rs_status run_alloc(rs_run **out, const rs_run_config *cfg, int resume, rs_error *err)
{
    rs_error_clear(err);
    if (!out) return rs_error_set(err, RS_EINVAL, "rs_run: out is NULL");
    *out = NULL;
    if (!cfg || !cfg->model)
        return rs_error_set(err, RS_EINVAL, "rs_run: no model given");
    if (!cfg->dir || !*cfg->dir)
        return rs_error_set(err, RS_EINVAL, "rs_run: no output directory given");
    rs_run *r = calloc(1, sizeof *r);
    size_t plen = strlen(cfg->dir) + sizeof "/checkpoint.h5";
    if (r) r->checkpoint_path = malloc(plen);
    if (!r || !r->checkpoint_path) {
        rs_run_destroy(r);
        return rs_error_set(err, RS_ENOMEM, "out of memory");
    }
    snprintf(r->checkpoint_path, plen, "%s/checkpoint.h5", cfg->dir);
    r->m = cfg->model;
    r->progress = cfg->progress;
    r->user = cfg->user;
    /* The directory first: nothing in it is read or changed before this run
     * holds it (two runs into one directory, with or without --force, would
     * mix their files). */
    rs_status s = rs_io_dir_lock(cfg->dir, !resume, &r->lock, err);
    if (s == RS_OK) s = rs_sim_create(&r->sim, cfg->model, err);
    if (s != RS_OK) {
        rs_run_destroy(r);
        return s;
    }
    *out = r;
    return RS_OK;
}

/* Opens run.h5 (new, or reopened at time t when resuming) with every
 * process's series declared, and marks it ready. */
static rs_status open_output(rs_run *r, const rs_run_config *cfg, int resume, double t,
                             rs_error *err)
{
    const rs_model *m = r->m;
    char *source = cfg->model_text ? NULL : read_text(m->source);
    char *resolved = NULL;
    const char **metric_names = calloc((size_t)m->nmetrics + 1, sizeof *metric_names);
    const char **metric_units = calloc((size_t)m->nmetrics + 1, sizeof *metric_units);
    const char **cell_names = calloc((size_t)m->ncell_types + 1, sizeof *cell_names);
    rs_status s = RS_OK;
    if (!cfg->model_text && !source)
        s = rs_error_set(err, RS_EINVAL, "cannot read the model file %s: %s", m->source,
                         strerror(errno));
    else if (!metric_names || !metric_units || !cell_names ||
             rs_model_write_resolved(m, &resolved) != RS_OK)
        s = rs_error_set(err, RS_ENOMEM, "out of memory");
    if (s == RS_OK) {
        for (int i = 0; i < m->nmetrics; i++) {
            metric_names[i] = m->metrics[i].name;
            metric_units[i] = m->metrics[i].units;
        }
        for (int i = 0; i < m->ncell_types; i++) cell_names[i] = m->cell_types[i].name;
        double seed = m->seed.value;
        rs_io_run_info info = {
            .dir = cfg->dir,
            .force = cfg->force,
            .model_name = m->name,
            .model_source = cfg->model_text ? cfg->model_text : source,
            .model_resolved = resolved,
            .seed = seed >= 0 && seed < 18446744073709551616.0 ? (uint64_t)seed : 0,
            .grid = rs_sim_grid(r->sim),
            .nmetrics = m->nmetrics,
            .metric_names = metric_names,
            .metric_units = metric_units,
            .ncell_types = m->ncell_types,
            .cell_type_names = cell_names,
            .snapshots = rs_run_snapshot_format(m),
        };
        s = resume ? rs_io_run_reopen(&r->w, &info, t, err) : rs_io_run_create(&r->w, &info, err);
    }
    /* A resumed run.h5 must hold exactly the snapshots this model wrote up
     * to the checkpoint (fewer: not this run's file, or damaged). */
    if (s == RS_OK && resume && rs_io_run_nsnapshots(r->w) != rs_sim_snapshots_written(r->sim))
        s = rs_error_set(err, RS_EINVAL,
                         "%s/run.h5 holds %d snapshots up to t = %g min where this run wrote "
                         "%lld: it is not this run's output (start again with --force)",
                         cfg->dir, rs_io_run_nsnapshots(r->w), t,
                         (long long)rs_sim_snapshots_written(r->sim));
    for (int k = 0; s == RS_OK && resume && k < rs_io_run_nsnapshots(r->w); k++)
        if (rs_io_run_snapshot_time(r->w, k) != rs_sim_snapshot_time(r->sim, k))
            s = rs_error_set(err, RS_EINVAL,
                             "%s/run.h5: snapshot %d is at t = %.17g min where this run wrote "
                             "it at %.17g: it is not this run's output (start again with "
                             "--force)",
                             cfg->dir, k, rs_io_run_snapshot_time(r->w, k),
                             rs_sim_snapshot_time(r->sim, k));
    if (s == RS_OK) s = rs_sim_output_declare(r->sim, r->w, err);
    if (s == RS_OK) s = rs_io_run_ready(r->w, err);
    if (s != RS_OK) {
        rs_io_run_destroy(r->w);
        r->w = NULL;
    }
    free(source);
    free(resolved);
    free(metric_names);
    free(metric_units);
    free(cell_names);
    return s;
}

rs_status rs_run_create(rs_run **out, const rs_run_config *cfg, rs_error *err)
{
    if (out) *out = NULL;
    rs_run *r;
    rs_status s = run_alloc(&r, cfg, 0, err);
    if (s != RS_OK) return s;
    s = open_output(r, cfg, 0, 0.0, err);
    if (s != RS_OK) {
        rs_run_destroy(r);
        return s;
    }
    *out = r;
    return RS_OK;
}

rs_status rs_run_resume(rs_run **out, const rs_run_config *cfg, rs_error *err)
{
    if (out) *out = NULL;
    rs_run *r;
    rs_status s = run_alloc(&r, cfg, 1, err);
    if (s != RS_OK) return s;
    s = rs_sim_checkpoint_read(r->sim, r->checkpoint_path, err);
    if (s == RS_EIO) {
        /* No checkpoint, or not one we can read: nothing ran yet, so this
         * is the caller's input, not a failed run. */
        char msg[sizeof err->msg];
        memcpy(msg, err->msg, sizeof msg);
        s = rs_error_set(err, RS_EINVAL, "%.300s; a resume needs the checkpoint.h5 written by "
                         "an earlier run of this model in %.150s", msg, cfg->dir);
    }
    if (s == RS_OK) s = open_output(r, cfg, 1, rs_sim_time(r->sim), err);
    if (s != RS_OK) {
        rs_run_destroy(r);
        return s;
    }
    *out = r;
    return RS_OK;
}

static rs_status on_snapshot(void *user, const rs_sim *s, rs_error *err)
{
    rs_run *r = user;
    return rs_sim_output_snapshot(s, r->w, err);
}

static rs_status on_metrics(void *user, const rs_sim *s, rs_error *err)
{
    rs_run *r = user;
    static const double none[1] = {0};
    const double *v = rs_sim_nmetrics(s) > 0 ? rs_sim_metric_values(s) : none;
    return rs_io_run_metrics(r->w, rs_sim_time(s), v, err);
}

static rs_status on_checkpoint(void *user, const rs_sim *s, rs_error *err)
{
    rs_run *r = user;
    rs_status st = rs_sim_checkpoint_write(s, r->checkpoint_path, err);
    if (st == RS_OK) r->checkpoints++;
    return st;
}

static int on_progress(void *user, const rs_sim *s)
{
    rs_run *r = user;
    return r->progress ? r->progress(r->user, s) : 0;
}

rs_status rs_run_execute(rs_run *r, rs_error *err)
{
    if (!r || !r->w) return rs_error_set(err, RS_EINVAL, "rs_run_execute: no run");
    if (r->outcome != RS_RUN_NOT_DONE)
        return rs_error_set(err, RS_EINVAL, "rs_run_execute: the run has been executed");
    rs_sim_observer obs = {r, on_snapshot, on_metrics, on_checkpoint, on_progress};
    rs_status st = rs_sim_run(r->sim, &obs, err);
    rs_error ferr;
    rs_error_clear(&ferr);
    if (st != RS_OK) {
        r->outcome = RS_RUN_FAILED;
        char msg[600];
        snprintf(msg, sizeof msg, "%s", err && err->msg[0] ? err->msg : rs_strerror(st));
        rs_io_run_finish(r->w, 0, msg, &ferr); /* the run's own error is the one to report */
        return st;
    }
    if (!rs_sim_finished(r->sim)) {
        /* Stopped: keep the state reached so a resume can go on. */
        r->outcome = RS_RUN_STOPPED;
        st = on_checkpoint(r, r->sim, err);
        r->stop_checkpointed = st == RS_OK;
        rs_status f = rs_io_run_finish(r->w, 0, "interrupted", st == RS_OK ? err : &ferr);
        return st != RS_OK ? st : f;
    }
    r->outcome = RS_RUN_COMPLETED;
    st = rs_io_run_finish(r->w, 1, NULL, err);
    if (st != RS_OK) r->outcome = RS_RUN_FAILED;
    return st;
}

rs_run_outcome rs_run_outcome_of(const rs_run *r) { return r ? r->outcome : RS_RUN_NOT_DONE; }
const rs_sim *rs_run_sim(const rs_run *r) { return r ? r->sim : NULL; }
int rs_run_nsnapshots(const rs_run *r) { return r ? rs_io_run_nsnapshots(r->w) : 0; }
int rs_run_ncheckpoints(const rs_run *r) { return r ? r->checkpoints : 0; }
int rs_run_stop_checkpointed(const rs_run *r) { return r ? r->stop_checkpointed : 0; }

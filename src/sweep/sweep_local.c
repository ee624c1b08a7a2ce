/* sweep_local.c: the local runner (regensim/sweep.h): every unfinished run
 * of a sweep, `jobs` processes at a time on this machine (sweep_child.c
 * starts and reads each), each recorded in the sweep's journal as it ends
 * (sweep_dir.c), the summaries rewritten every few seconds and at the end.
 * The runner sleeps in sigtimedwait on SIGCHLD, so a run that ends is
 * replaced at once and an idle sweep costs nothing. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "sweep/sweep_impl.h"


typedef struct slot {
    long pid; /* 0: free */
    size_t run;
    double t0;
} slot;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The runner's state. */
typedef struct local {
    const rs_sweep *s;
    rs_sweep_dir *d;
    const rs_sweep_local_options *o;
    slot *slots;
    int running, stop;
    size_t next, here;
    double start, last_progress;
    double *values;
} local;

/* Stops the sweep: the running runs get SIGTERM (they checkpoint and
 * exit; the next invocation redoes them). */
static void stop_all(local *l)
{
    if (l->stop) return;
    l->stop = 1;
    for (int i = 0; i < l->o->jobs; i++)
        if (l->slots[i].pid) kill((pid_t)l->slots[i].pid, SIGTERM);
}

/* Calls the progress callback; a non-zero answer stops the sweep. */
static void report(local *l)
{
    l->last_progress = now();
    if (!l->o->progress) return;
    rs_sweep_progress p = {rs_sweep_nruns(l->s), rs_sweep_dir_nfinished(l->d),
                           rs_sweep_dir_nfailed(l->d), (size_t)l->running, l->here,
                           l->last_progress - l->start};
    if (l->o->progress(l->o->user, &p)) stop_all(l);
}

/* Starts unfinished runs into the free slots. */
static rs_status fill(local *l, rs_error *err)
{
    size_t n = rs_sweep_nruns(l->s);
    for (int i = 0; i < l->o->jobs && !l->stop; i++) {
        if (l->slots[i].pid) continue;
        while (l->next < n && rs_sweep_dir_finished(l->d, l->next)) l->next++;
        if (l->next == n) return RS_OK;
        slot *sl = &l->slots[i];
        rs_status st = rs_sweep_run_start(l->s, rs_sweep_dir_path(l->d), l->o->exe, l->next,
                                          l->o->threads, &sl->pid, err);
        if (st != RS_OK) return st;
        sl->run = l->next++;
        sl->t0 = now();
        l->running++;
        report(l);
    }
    return RS_OK;
}

/* Reaps every slot whose process has ended: reads it, records it. */
static rs_status reap(local *l, int *reaped, rs_error *err)
{
    *reaped = 0;
    for (int i = 0; i < l->o->jobs; i++) {
        slot *sl = &l->slots[i];
        int ws = 0;
        if (!sl->pid) continue;
        pid_t w = waitpid((pid_t)sl->pid, &ws, WNOHANG);
        if (w == 0 || (w < 0 && errno == EINTR)) continue;
        double wall = now() - sl->t0;
        sl->pid = 0;
        l->running--;
        (*reaped)++;
        if (w < 0) /* reaped by someone else: its end is unknown */
            return rs_error_set(err, RS_EIO, "run %zu's process cannot be waited for: %s",
                                sl->run, strerror(errno));
        if (l->stop) continue; /* stopped: redone next time */
        rs_sweep_result r = {.values = l->values};
        rs_status st = rs_sweep_run_collect(l->s, rs_sweep_dir_path(l->d), sl->run, ws, wall,
                                            &r, err);
        if (st == RS_OK && r.interrupted) continue; /* a signal from outside: redone */
        if (st == RS_OK) st = rs_sweep_dir_record(l->d, &r, err);
        if (st != RS_OK) return st;
        l->here++;
        report(l);
    }
    return RS_OK;
}

rs_status rs_sweep_run_local(const rs_sweep *s, rs_sweep_dir *d, const rs_sweep_local_options *o,
                             int *stopped, rs_error *err)
{
    *stopped = 0;
    if (!o || !o->exe || o->jobs < 1 || o->threads < 1)
        return rs_error_set(err, RS_EINVAL, "rs_sweep_run_local: expected an exe, jobs >= 1 "
                            "and threads >= 1");
    local l = {.s = s, .d = d, .o = o, .slots = calloc((size_t)o->jobs, sizeof(slot)),
               .start = now(), .values = malloc(((size_t)s->noutputs + 1) * sizeof(double))};
    if (!l.slots || !l.values) {
        free(l.slots);
        free(l.values);
        return rs_error_set(err, RS_ENOMEM, "out of memory");
    }
    l.last_progress = l.start;
    /* SIGCHLD as the default (an inherited SIG_IGN would reap the runs
     * before waitpid could), blocked, and waited for in sigtimedwait. */
    struct sigaction dfl, old_action;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGCHLD, &dfl, &old_action);
    sigset_t chld, old;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &chld, &old);
    rs_status st = RS_OK;
    report(&l);
    for (;;) {
        if (st == RS_OK && !l.stop) st = fill(&l, err);
        if (st != RS_OK) stop_all(&l);
        if (l.running == 0) break;
        int reaped = 0;
        rs_error e2;
        rs_status rs = reap(&l, &reaped, st == RS_OK ? err : &e2);
        if (rs != RS_OK && st == RS_OK) {
            st = rs;
            stop_all(&l);
        }
        if (reaped) {
            rs_status ss = rs_sweep_dir_summarize_due(d, st == RS_OK ? err : &e2);
            if (st == RS_OK) st = ss;
            continue;
        }
        struct timespec wait = {1, 0};
        int sig = sigtimedwait(&chld, NULL, &wait);
        if (sig < 0 || now() - l.last_progress >= 1.0) report(&l);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    sigaction(SIGCHLD, &old_action, NULL);
    rs_error e3;
    rs_status ss = rs_sweep_dir_summarize(d, st == RS_OK ? err : &e3);
    if (st == RS_OK) st = ss;
    *stopped = l.stop && st == RS_OK;
    free(l.slots);
    free(l.values);
    return st;
}

/* test_run.c: the run in the library (regensim/run.h): a whole run writes
 * run.h5, checkpoint.h5 and status; its output is byte-for-byte the same on
 * 1, 2 and 4 (oversubscribed) threads, with the solvers' per-thread work
 * threshold forced low (REGENSIM_MIN_WORK_PER_THREAD) so the threads
 * really split the work, for every solver, through a `set` that re-plans
 * the solver; a run stopped mid-way and resumed (on another thread count)
 * ends byte-for-byte as the uninterrupted one; a resume is refused, saying
 * why, without a checkpoint or with another model; an existing output is
 * refused without force. */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <hdf5.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rs_test.h"
#include "test_dirs.h"

/* 90 x 70 voxels: two reaction chunks, rows for the metrics' threads; a
 * decay that a `set` changes at t = 1 (the solver is planned again), a
 * source that starts and stops, checkpoints every 1 min. */
static const char *const model =
    "regensim: 1\n"
    "name: threads\n"
    "domain: {size: [900, 700], dx: 10}\n"
    "time: {end: 3, dt: {diffusion: 0.1, phenotype: 0.5}, save_every: 0.5,\n"
    "       checkpoint_every: 1}\n"
    "solver: lod\n"
    "parameters: {k: 0.05, r: 1}\n"
    "substrates:\n"
    "  a: {diffusion: 200, decay: \"k\", initial: \"exp(-((x-450)^2 + (y-350)^2) / 2e4)\",\n"
    "      reaction: \"r * a * (1 - a) - 0.2 * a * b\"}\n"
    "  b: {initial: 0.5, reaction: \"-0.2 * a * b\"}\n"
    "interventions:\n"
    "  - {at: 1, set: {parameter: k, value: 0.4}}\n"
    "  - {at: 0.5, source: {field: a, rate: 0.3, until: 2,\n"
    "     region: {disk: {center: [450, 350], radius: 150}}}}\n"
    "metrics:\n"
    "  a_mean: \"mean(a)\"\n"
    "  b_disk: \"integral(b, disk(450, 350, 200))\"\n";

static rs_model *load(const char *const *sets, int nsets)
{
    rs_model *m = NULL;
    rs_errors errs;
    rs_status st = rs_model_load_string(&m, model, strlen(model), "threads.yaml", sets, nsets,
                                        &errs);
    if (st != RS_OK) fprintf(stderr, "%s\n", errs.item[0].msg);
    assert_int_equal(st, RS_OK);
    return m;
}

/* Stops the run at step 17 (between checkpoints, after the source began). */
static int stop_at_17(void *user, const rs_sim *s)
{
    (void)user;
    return rs_sim_steps(s) >= 17;
}

/* Runs the model into dir on nthreads threads (resuming when resume), with
 * a progress callback; returns the outcome. */
static rs_run_outcome run_into(const char *dir, const char *const *sets, int nsets, int nthreads,
                               int resume, int (*progress)(void *, const rs_sim *))
{
    omp_set_num_threads(nthreads);
    rs_model *m = load(sets, nsets);
    rs_run_config cfg = {.model = m, .model_text = model, .dir = dir, .force = !resume,
                         .progress = progress};
    rs_run *r = NULL;
    rs_error err;
    rs_status st = resume ? rs_run_resume(&r, &cfg, &err) : rs_run_create(&r, &cfg, &err);
    if (st != RS_OK) fail_msg("%s: %s", resume ? "resume" : "create", err.msg);
    st = rs_run_execute(r, &err);
    if (st != RS_OK) fail_msg("execute: %s", err.msg);
    rs_run_outcome out = rs_run_outcome_of(r);
    rs_run_destroy(r);
    rs_model_destroy(m);
    omp_set_num_threads(omp_get_num_procs());
    return out;
}

/* The bytes of a whole dataset of run.h5 in dir (caller frees; *n bytes). */
static unsigned char *dataset_bytes(const char *dir, const char *name, size_t *n)
{
    char p[512];
    snprintf(p, sizeof p, "%s/run.h5", dir);
    hid_t f = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    assert_true(d >= 0);
    hid_t s = H5Dget_space(d);
    hssize_t np = H5Sget_simple_extent_npoints(s);
    assert_true(np > 0);
    *n = (size_t)np * sizeof(double);
    unsigned char *b = malloc(*n);
    assert_true(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, b) >= 0);
    H5Sclose(s);
    H5Dclose(d);
    H5Fclose(f);
    return b;
}

/* Every data set a run writes, compared byte for byte between two runs. */
static void same_output(const char *a, const char *b)
{
    static const char *const sets[] = {"/fields/a", "/fields/b", "/time", "/timeseries/time",
                                       "/timeseries/a_mean", "/timeseries/b_disk"};
    for (int i = 0; i < 6; i++) {
        size_t na, nb;
        unsigned char *x = dataset_bytes(a, sets[i], &na), *y = dataset_bytes(b, sets[i], &nb);
        if (na != nb || memcmp(x, y, na) != 0)
            fail_msg("%s differs between %s and %s (%zu and %zu bytes)", sets[i], a, b, na, nb);
        free(x);
        free(y);
    }
}

/* The status file's text. */
static void status_is(const char *dir, const char *want)
{
    char p[512], got[256] = "";
    snprintf(p, sizeof p, "%s/status", dir);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    size_t n = fread(got, 1, sizeof got - 1, f);
    fclose(f);
    got[n] = '\0';
    assert_string_equal(got, want);
}

static void threads_and_resume_are_bitwise(void **state)
{
    const char *dir = *state;
    /* Every solver splits even this grid over the threads. */
    setenv("REGENSIM_MIN_WORK_PER_THREAD", "1", 1);
    static const char *const solvers[] = {"solver=lod", "solver=explicit", "solver=spectral"};
    for (int k = 0; k < 3; k++) {
        const char *sets[] = {solvers[k]};
        char ref[300], other[300];
        snprintf(ref, sizeof ref, "%s/%d-t1", dir, k);
        assert_int_equal(run_into(ref, sets, 1, 1, 0, NULL), RS_RUN_COMPLETED);
        status_is(ref, "completed\n");
        for (int t = 2; t <= 4; t += 2) {
            snprintf(other, sizeof other, "%s/%d-t%d", dir, k, t);
            assert_int_equal(run_into(other, sets, 1, t, 0, NULL), RS_RUN_COMPLETED);
            same_output(ref, other);
        }
        /* stopped at step 17 on 4 threads, resumed on 1 (and on 2) */
        for (int t = 1; t <= 2; t++) {
            snprintf(other, sizeof other, "%s/%d-resumed%d", dir, k, t);
            assert_int_equal(run_into(other, sets, 1, 4, 0, stop_at_17), RS_RUN_STOPPED);
            status_is(other, "failed: interrupted\n");
            assert_int_equal(run_into(other, sets, 1, t, 1, NULL), RS_RUN_COMPLETED);
            same_output(ref, other);
        }
    }
    unsetenv("REGENSIM_MIN_WORK_PER_THREAD");
}

/* Sets run.h5's snapshot counter (to damage a file on purpose). */
static void nsnap_fix(const char *h5, int64_t n)
{
    hid_t f = H5Fopen(h5, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_true(f >= 0);
    hid_t a = H5Aopen(f, "nsnapshots", H5P_DEFAULT);
    assert_true(a >= 0 && H5Awrite(a, H5T_NATIVE_INT64, &n) >= 0);
    H5Aclose(a);
    H5Fclose(f);
}

/* Sets /time[k] of run.h5 (to damage a file on purpose). */
static void time_fix(const char *h5, hsize_t k, double t)
{
    hid_t f = H5Fopen(h5, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "time", H5P_DEFAULT);
    assert_true(f >= 0 && d >= 0);
    hid_t fs = H5Dget_space(d);
    hsize_t one = 1;
    hid_t ms = H5Screate_simple(1, &one, NULL);
    assert_true(H5Sselect_hyperslab(fs, H5S_SELECT_SET, &k, NULL, &one, NULL) >= 0);
    assert_true(H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, &t) >= 0);
    H5Sclose(ms);
    H5Sclose(fs);
    H5Dclose(d);
    H5Fclose(f);
}

static void resume_and_overwrite_refused(void **state)
{
    const char *dir = *state;
    rs_model *m = load(NULL, 0);
    rs_run_config cfg = {.model = m, .model_text = model, .dir = dir};
    rs_run *r = (rs_run *)&r;
    rs_error err;
    /* nothing to resume: no directory (none is made), then no checkpoint */
    char missing[300];
    snprintf(missing, sizeof missing, "%s/not-there", dir);
    rs_run_config cfg0 = {.model = m, .model_text = model, .dir = missing};
    assert_int_equal(rs_run_resume(&r, &cfg0, &err), RS_EINVAL);
    assert_non_null(strstr(err.msg, "nothing to resume"));
    assert_int_not_equal(access(missing, F_OK), 0);
    assert_int_equal(rs_run_resume(&r, &cfg, &err), RS_EINVAL);
    assert_null(r);
    assert_non_null(strstr(err.msg, "checkpoint.h5"));
    /* a run there; another without force is refused, naming --force */
    assert_int_equal(rs_run_create(&r, &cfg, &err), RS_OK);
    assert_int_equal(rs_run_execute(r, &err), RS_OK);
    assert_int_equal(rs_run_execute(r, &err), RS_EINVAL); /* once only */
    assert_true(rs_run_nsnapshots(r) == 7 && rs_run_ncheckpoints(r) == 3);
    rs_run_destroy(r);
    assert_int_equal(rs_run_create(&r, &cfg, &err), RS_EINVAL);
    assert_null(r);
    assert_non_null(strstr(err.msg, "--force"));
    /* a resume with other overrides is refused: another model */
    const char *other[] = {"r=2"};
    rs_model *m2 = load(other, 1);
    rs_run_config cfg2 = {.model = m2, .model_text = model, .dir = dir};
    assert_int_equal(rs_run_resume(&r, &cfg2, &err), RS_EINVAL);
    assert_non_null(strstr(err.msg, "different model"));
    /* the right checkpoint with another model's run.h5 beside it is
     * refused before either file changes: run.h5 is checked too */
    char other_dir[300], cmd[700];
    snprintf(other_dir, sizeof other_dir, "%s/other", dir);
    rs_run_config cfg3 = {.model = m2, .model_text = model, .dir = other_dir};
    assert_int_equal(rs_run_create(&r, &cfg3, &err), RS_OK);
    assert_int_equal(rs_run_execute(r, &err), RS_OK);
    rs_run_destroy(r);
    snprintf(cmd, sizeof cmd, "cp '%s/run.h5' '%s/run.h5' && cp '%s/run.h5' '%s/saved.h5'",
             other_dir, dir, dir, dir);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(rs_run_resume(&r, &cfg, &err), RS_EINVAL);
    assert_non_null(strstr(err.msg, "run.h5 was written by a different model"));
    snprintf(cmd, sizeof cmd, "cmp -s '%s/run.h5' '%s/saved.h5'", dir, dir);
    assert_int_equal(system(cmd), 0); /* untouched */
    /* a run.h5 of this model that lost snapshots (a counter set back) is
     * not this run's output either */
    assert_int_equal(rs_run_create(&r, &cfg3, &err), RS_EINVAL); /* exists, no force */
    cfg3.model = m;
    cfg3.force = 1;
    assert_int_equal(rs_run_create(&r, &cfg3, &err), RS_OK);
    assert_int_equal(rs_run_execute(r, &err), RS_OK);
    rs_run_destroy(r);
    char h5[400];
    snprintf(h5, sizeof h5, "%s/run.h5", other_dir);
    nsnap_fix(h5, 2);
    cfg3.force = 0;
    assert_int_equal(rs_run_resume(&r, &cfg3, &err), RS_EINVAL);
    assert_non_null(strstr(err.msg, "holds 2 snapshots up to t = 3 min where this run wrote 7"));
    /* ... nor one whose snapshot times are not this run's */
    nsnap_fix(h5, 7);
    time_fix(h5, 1, 0.75);
    assert_int_equal(rs_run_resume(&r, &cfg3, &err), RS_EINVAL);
    assert_non_null(strstr(err.msg, "snapshot 1 is at t = 0.75 min where this run wrote it at 0.5"));
    time_fix(h5, 1, 0.5);
    /* a checkpoint with one flipped byte in its field data is refused */
    char ckpath[400];
    snprintf(ckpath, sizeof ckpath, "%s/checkpoint.h5", other_dir);
    hid_t cf = H5Fopen(ckpath, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t cd = H5Dopen2(cf, "fields/a", H5P_DEFAULT);
    assert_true(cf >= 0 && cd >= 0);
    haddr_t addr = H5Dget_offset(cd);
    hsize_t csize = H5Dget_storage_size(cd);
    H5Dclose(cd);
    H5Fclose(cf);
    assert_true(addr != HADDR_UNDEF && csize > 1000);
    int fd = open(ckpath, O_RDWR);
    unsigned char byte;
    assert_int_equal(pread(fd, &byte, 1, (off_t)addr + 500), 1);
    byte ^= 0x10;
    assert_int_equal(pwrite(fd, &byte, 1, (off_t)addr + 500), 1);
    close(fd);
    nsnap_fix(h5, 7); /* run.h5 itself made whole again */
    assert_int_equal(rs_run_resume(&r, &cfg3, &err), RS_EINVAL);
    assert_non_null(strstr(err.msg, "fields/a"));
    assert_non_null(strstr(err.msg, "corrupt"));
    /* a foreign checkpoint.h5 is refused, not crashed on */
    char p[300];
    snprintf(p, sizeof p, "%s/checkpoint.h5", dir);
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    fputs("garbage", fp);
    fclose(fp);
    assert_int_equal(rs_run_resume(&r, &cfg, &err), RS_EINVAL);
    assert_non_null(strstr(err.msg, "checkpoint"));
    /* a checkpoint of an older format (regensim 0.1 wrote format 1) is
     * refused, saying so */
    rs_io_checkpoint *ck = NULL;
    rs_io_section *root = NULL;
    assert_int_equal(rs_io_checkpoint_create(&ck, p, &err), RS_OK);
    assert_int_equal(rs_io_checkpoint_section(ck, NULL, &root, &err), RS_OK);
    assert_int_equal(rs_io_section_put_int64(root, "format_version", 1, &err), RS_OK);
    assert_int_equal(rs_io_checkpoint_commit(ck, &err), RS_OK);
    assert_int_equal(rs_run_resume(&r, &cfg, &err), RS_EINVAL);
    assert_non_null(strstr(err.msg, "checkpoint format 1"));
    rs_model_destroy(m2);
    rs_model_destroy(m);
}

/* A blow-up ends the run failed (not completed), says where in the status
 * file, and run.h5 keeps the snapshots before it. */
static void blowup_fails_the_run(void **state)
{
    const char *dir = *state;
    const char *sets[] = {"substrates.b.reaction=-0.2 * a * b + (t > 1.2) * exp(1000 * b)"};
    rs_model *m = load(sets, 1);
    rs_run_config cfg = {.model = m, .model_text = model, .dir = dir, .force = 1};
    rs_run *r = NULL;
    rs_error err;
    assert_int_equal(rs_run_create(&r, &cfg, &err), RS_OK);
    assert_int_equal(rs_run_execute(r, &err), RS_ENONFINITE);
    assert_int_equal(rs_run_outcome_of(r), RS_RUN_FAILED);
    assert_int_equal(rs_run_nsnapshots(r), 3); /* t = 0, 0.5, 1; caught at 1.5 */
    rs_run_destroy(r);
    rs_model_destroy(m);
    char p[512], text[1024] = "";
    snprintf(p, sizeof p, "%s/status", dir);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    /* b becomes inf, and a (which reads b) NaN: the first in model order */
    if (!strstr(text, "failed: substrate 'a' is NaN at t = 1.5 min") || !strstr(text, "blew up"))
        fail_msg("status: %s", text);
    size_t nb;
    unsigned char *times = dataset_bytes(dir, "/time", &nb);
    assert_int_equal(nb, 3 * sizeof(double));
    free(times);
}

/* One live run per output directory: a second is refused (with or
 * without force) naming the live run's pid; the lock of a dead process
 * does not block. */
static void directory_lock(void **state)
{
    const char *dir = *state;
    rs_model *m = load(NULL, 0);
    rs_run_config cfg = {.model = m, .model_text = model, .dir = dir, .force = 1};
    rs_run *a = NULL, *b = (rs_run *)&b;
    rs_error err;
    assert_int_equal(rs_run_create(&a, &cfg, &err), RS_OK);
    assert_int_equal(rs_run_create(&b, &cfg, &err), RS_EINVAL);
    assert_null(b);
    char want[64];
    snprintf(want, sizeof want, "in use by a live run (pid %ld)", (long)getpid());
    assert_non_null(strstr(err.msg, want));
    assert_int_equal(rs_run_resume(&b, &cfg, &err), RS_EINVAL);
    assert_non_null(strstr(err.msg, want));
    assert_int_equal(rs_run_execute(a, &err), RS_OK);
    rs_run_destroy(a);
    /* a process that holds the lock and dies leaves it free */
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        rs_io_lock *l = NULL;
        rs_error e;
        if (rs_io_dir_lock(dir, 0, &l, &e) != RS_OK) _exit(2);
        (void)!write(pfd[1], "l", 1);
        pause();
        _exit(0);
    }
    char c;
    assert_int_equal(read(pfd[0], &c, 1), 1);
    assert_int_equal(rs_run_create(&b, &cfg, &err), RS_EINVAL); /* the child holds it */
    kill(pid, SIGKILL);
    int wst;
    assert_int_equal(waitpid(pid, &wst, 0), pid);
    assert_int_equal(rs_run_create(&b, &cfg, &err), RS_OK);
    rs_run_destroy(b);
    close(pfd[0]);
    close(pfd[1]);
    rs_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(threads_and_resume_are_bitwise, rs_test_dir_setup, rs_test_dir_teardown),
        cmocka_unit_test_setup_teardown(resume_and_overwrite_refused, rs_test_dir_setup, rs_test_dir_teardown),
        cmocka_unit_test_setup_teardown(blowup_fails_the_run, rs_test_dir_setup, rs_test_dir_teardown),
        cmocka_unit_test_setup_teardown(directory_lock, rs_test_dir_setup, rs_test_dir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

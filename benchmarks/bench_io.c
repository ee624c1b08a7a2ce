/* bench_io.c: snapshot write throughput of src/io for regensim-bench: a
 * smooth (Gaussian) field, like a diffusing substrate, written with the
 * library's own settings (one snapshot per chunk, capped; shuffle +
 * deflate). */
#define _XOPEN_SOURCE 700
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_io.h"
#include "regensim/io.h"

/* Removes the files the run wrote and the directory. */
static void remove_run(const char *dir)
{
    static const char *const files[] = {"run.h5", "run.xmf", "status"};
    char p[600];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        unlink(p);
    }
    rmdir(dir);
}

void bench_io_run(int n, int snapshots, bench_io_result *r)
{
    memset(r, 0, sizeof *r);
    r->n = n;
    r->snapshots = snapshots;
    char dir[] = "/tmp/regensim-bench-io-XXXXXX";
    if (!mkdtemp(dir)) {
        r->failed = 1;
        snprintf(r->error, sizeof r->error, "cannot make a temporary directory");
        return;
    }
    size_t nv = (size_t)n * n * n;
    double *u = malloc(nv * sizeof *u);
    if (!u) {
        r->failed = 1;
        snprintf(r->error, sizeof r->error, "cannot allocate %zu doubles", nv);
        rmdir(dir);
        return;
    }
    const char *names[] = {"u"}, *units[] = {"mM"};
    rs_io_run_info info = {.dir = dir, .force = 1, .model_name = "bench", .model_source = "",
                           .model_resolved = "", .grid = {n, n, n, 1.0}, .nfields = 1,
                           .field_names = names, .field_units = units};
    rs_io_run *w = NULL;
    rs_error err;
    rs_status s = rs_io_run_create(&w, &info, &err);
    double best = -1;
    for (int k = 0; k < snapshots && s == RS_OK; k++) {
        double c = 0.5 * n, wdt = (0.15 + 0.05 * k) * n;
        for (int z = 0; z < n; z++)
            for (int y = 0; y < n; y++)
                for (int x = 0; x < n; x++) {
                    double d2 = (x - c) * (x - c) + (y - c) * (y - c) + (z - c) * (z - c);
                    u[(size_t)x + (size_t)n * ((size_t)y + (size_t)n * z)] =
                        exp(-d2 / (2 * wdt * wdt));
                }
        const double *f[1] = {u};
        double t0 = omp_get_wtime();
        s = rs_io_run_snapshot(w, k, f, &err);
        double dt = omp_get_wtime() - t0;
        if (best < 0 || dt < best) best = dt;
    }
    if (s == RS_OK) s = rs_io_run_finish(w, 1, NULL, &err);
    rs_io_run_destroy(w);
    if (s != RS_OK) {
        r->failed = 1;
        snprintf(r->error, sizeof r->error, "%s", err.msg);
    } else {
        char p[600];
        struct stat st;
        snprintf(p, sizeof p, "%s/run.h5", dir);
        r->seconds_per_snapshot = best;
        r->mb_per_s = (double)nv * sizeof(double) / best / 1e6;
        if (stat(p, &st) == 0 && st.st_size > 0)
            r->compression_ratio = (double)nv * sizeof(double) * snapshots / (double)st.st_size;
    }
    free(u);
    remove_run(dir);
}

void bench_io_write(bench_json *w, const bench_io_result *r, int n)
{
    bench_json_begin_array(w, "io", 0);
    for (int i = 0; i < n; i++) {
        bench_json_begin_object(w, NULL, 1);
        bench_json_string(w, "what", "snapshot write, shuffle+deflate");
        bench_json_begin_array(w, "dims", 1);
        for (int d = 0; d < 3; d++) bench_json_int(w, NULL, r[i].n);
        bench_json_end_array(w);
        bench_json_int(w, "snapshots", r[i].snapshots);
        if (r[i].failed) {
            bench_json_bool(w, "skipped", 1);
            bench_json_bool(w, "failed", 1);
            bench_json_string(w, "error", r[i].error);
        } else {
            bench_json_number(w, "seconds_per_snapshot", r[i].seconds_per_snapshot);
            bench_json_number(w, "mb_per_s", r[i].mb_per_s);
            bench_json_number(w, "compression_ratio", r[i].compression_ratio);
        }
        bench_json_end_object(w);
    }
    bench_json_end_array(w);
}

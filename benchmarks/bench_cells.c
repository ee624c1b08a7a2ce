/* bench_cells.c: the cells for regensim-bench (bench_cells.h).
 *  - Mechanics: n cells placed uniformly at random (rs_cells_place) in a
 *    cube holding them at the PhysiCell template's density, relaxed a few
 *    steps, then the step proc_cell_mechanics.c runs (rs_neighbour_bins_build,
 *    rs_cell_forces, rs_cell_motility_add, rs_cell_move) timed phase by
 *    phase.
 *  - Workload: the PhysiCell template mirrored as a model text, loaded with
 *    rs_model_load_string and run with rs_sim_run (fields, coupling and
 *    mechanics: the whole loop), as bench_io.c runs its overhead model. */
#define _XOPEN_SOURCE 700
#include "bench_cells.h"

#include <math.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "regensim/cells.h"
#include "regensim/model.h"
#include "regensim/sim.h"

/* CPU time of this process (all threads), seconds. On a shared machine
 * it says how much of the wall time the run actually had a CPU. */
static double cpu_seconds(void)
{
    struct timespec t;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t) != 0) return 0;
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Resident memory of this process, bytes (-1 if unknown). */
static double resident_bytes(void)
{
    long pages = -1, resident = -1;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = -1;
        fclose(f);
    }
    long page = sysconf(_SC_PAGESIZE);
    return resident >= 0 && page > 0 ? (double)resident * (double)page : -1.0;
}

/* The one cell type of the benchmark: PhysiCell's default mechanics
 * (repulsion 10, adhesion 0.4 um/min, adhesion range 1.25 radii), motile
 * at 1 um/min with persistence 1 min. */
static const rs_cell_mechanics bench_mech = {10.0, 0.4, 1.25, 0};
static const rs_cell_motility bench_mot = {1.0, 1.0, 0, NULL, NULL};

/* What a mechanics step needs besides the cells. */
typedef struct mech_run {
    rs_cells *c;
    rs_neighbour_bins *b;
    double size[3];
    uint64_t step; /* the draws' counter, as st->steps: 10 diffusion steps per mechanics step */
} mech_run;

/* One mechanics step as proc_cell_mechanics.c runs it; adds each phase's
 * time to phase[4]. */
static void mech_step(mech_run *m, double phase[4])
{
    double t0 = omp_get_wtime();
    rs_neighbour_bins_build(m->b, m->c);
    double t1 = omp_get_wtime();
    rs_cell_forces(m->c, m->b, &bench_mech, 1);
    double t2 = omp_get_wtime();
    rs_cell_motility_env env = {NULL, NULL, 1, m->step, BENCH_CELLS_DT};
    rs_cell_motility_add(m->c, &bench_mot, &bench_mech, 1, &env);
    double t3 = omp_get_wtime();
    rs_cell_move(m->c, m->size, BENCH_CELLS_DT);
    double t4 = omp_get_wtime();
    phase[0] += t1 - t0;
    phase[1] += t2 - t1;
    phase[2] += t3 - t2;
    phase[3] += t4 - t3;
    m->step += 10;
}

/* FNV-1a over the positions' bits, in storage order (which depends on
 * the positions and ids only). */
static uint64_t positions_checksum(const rs_cells *c)
{
    uint64_t h = 1469598103934665603ull;
    const double *a[3] = {c->x, c->y, c->z};
    for (size_t i = 0; i < c->n; i++)
        for (int d = 0; d < 3; d++) {
            uint64_t bits;
            memcpy(&bits, &a[d][i], sizeof bits);
            h = (h ^ bits) * 1099511628211ull;
        }
    return h;
}

void bench_cells_run(size_t n, int threads, double min_seconds, int min_steps, int repeats,
                     bench_cells_result *r)
{
    memset(r, 0, sizeof *r);
    r->cells = n;
    r->threads = threads;
    r->rss_bytes_per_cell = -1;
    r->edge = cbrt((double)n * BENCH_CELLS_UM3_PER_CELL);
    omp_set_num_threads(threads);
#ifdef __GLIBC__
    /* Arrays of 64 kB and more in pages of their own, returned on free,
     * and the free memory of the heap given back: the resident memory then
     * grows by what this population touches. */
    mallopt(M_MMAP_THRESHOLD, 64 * 1024);
    malloc_trim(0);
#endif
    mech_run m = {.size = {r->edge, r->edge, r->edge}};
    rs_error err;
    rs_error_clear(&err);
    const double rss0 = resident_bytes();
    double t0 = omp_get_wtime();
    rs_status s = rs_cells_create(&m.c, 3, 0, n, &err);
    const rs_region all = {.kind = RS_REGION_ALL};
    rs_cell_placement p = {.what = "bench", .type = 0, .radius = BENCH_CELLS_RADIUS,
                           .count = n, .region = &all,
                           .size = {r->edge, r->edge, r->edge}, .seed = 1, .key = 1};
    if (s == RS_OK) s = rs_cells_place(m.c, &p, &err);
    if (s == RS_OK)
        s = rs_neighbour_bins_create(&m.b, 3, m.size,
                                     rs_cell_mechanics_reach(&bench_mech,
                                                             (const double[]){BENCH_CELLS_RADIUS},
                                                             1),
                                     &err);
    if (s != RS_OK) {
        r->failed = 1;
        r->too_big = s == RS_ETOOBIG || s == RS_ENOMEM;
        rs_error_format(&err, r->error, sizeof r->error);
        rs_neighbour_bins_destroy(m.b);
        rs_cells_destroy(m.c);
        return;
    }
    double phase[4] = {0, 0, 0, 0};
    for (int k = 0; k < BENCH_CELLS_RELAX_STEPS; k++) mech_step(&m, phase);
    r->create_seconds = omp_get_wtime() - t0;
    r->checksum = positions_checksum(m.c);
    const double rss1 = resident_bytes();
    if (rss0 >= 0 && rss1 >= 0) r->rss_bytes_per_cell = (rss1 - rss0) / (double)n;
    r->repeats = repeats;
    double best = -1;
    for (int k = 0; k < repeats; k++) {
        double ph[4] = {0, 0, 0, 0};
        int steps = 0;
        const double cpu0 = cpu_seconds();
        double start = omp_get_wtime(), el = 0;
        while (steps < min_steps || el < min_seconds) {
            mech_step(&m, ph);
            steps++;
            el = omp_get_wtime() - start;
        }
        const double cpu = cpu_seconds() - cpu0;
        r->steps += steps;
        const double per = el / steps;
        if (best < 0 || per < best) {
            best = per;
            r->cpu_seconds_per_step = cpu / steps;
            for (int q = 0; q < 4; q++) r->phase_seconds[q] = ph[q] / steps;
        }
    }
    r->seconds_per_step = best;
    r->cell_steps_per_s = (double)n / best;
    double touching = 0;
    for (size_t i = 0; i < m.c->n; i++) touching += m.c->neighbours[i];
    r->neighbours_mean = touching / (double)n;
    rs_neighbour_bins_destroy(m.b);
    rs_cells_destroy(m.c);
}

/* The PhysiCell template (sample_projects/template, PhysiCell 1.14.2) as a
 * regensim model: 30,000 motile cells in a 580 um cube (volume fraction
 * 0.368), one substrate on 20 um voxels (D 1e5 um^2/min, decay 10/min, as
 * the template's), secreted at 0.1/min towards a saturation of 1 (PhysiCell's
 * rate times the cell's volume: the amount per minute at concentration 0)
 * and taken up at 0.01/min; dt 0.01 (diffusion), 0.1 (mechanics) min; no
 * division, death or output. */
static int workload_model_text(char *buf, size_t size, double end)
{
    const double volume = rs_cells_volume_of(3, BENCH_CELLS_RADIUS);
    return snprintf(buf, size,
                    "regensim: 1\n"
                    "name: bench_cells_physicell_template\n"
                    "domain: {size: [580, 580, 580], dx: 20}\n"
                    "time:\n"
                    "  end: %g\n"
                    "  dt: {diffusion: 0.01, mechanics: 0.1, phenotype: 6}\n"
                    "solver: lod\n"
                    "seed: 1\n"
                    "substrates:\n"
                    "  S: {diffusion: 100000, decay: 10, initial: 0}\n"
                    "cell_types:\n"
                    "  cell:\n"
                    "    radius: %g\n"
                    "    motility: {speed: 1, persistence: 1}\n"
                    "    secretes: {S: %.17g}\n"
                    "    uptakes: {S: 0.01}\n"
                    "    mechanics: {repulsion: 10, adhesion: 0.4, adhesion_range: 1.25}\n"
                    "initial:\n"
                    "  - {cells: cell, count: 30000}\n",
                    end, BENCH_CELLS_RADIUS, 0.1 * volume);
}

void bench_cells_workload_run(int threads, double end, int repeats, bench_cells_workload *r)
{
    memset(r, 0, sizeof *r);
    r->threads = threads;
    r->cells = 30000;
    r->end = end;
    r->repeats = repeats;
    char text[2048];
    workload_model_text(text, sizeof text, end);
    rs_model *model = NULL;
    rs_errors errs;
    rs_errors_clear(&errs);
    if (rs_model_load_string(&model, text, strlen(text), "bench_cells_workload.yaml", NULL, 0,
                             &errs) != RS_OK) {
        r->failed = 1;
        if (errs.count > 0) rs_error_format(&errs.item[0], r->error, sizeof r->error);
        else snprintf(r->error, sizeof r->error, "the workload model does not load");
        return;
    }
    omp_set_num_threads(threads);
    rs_error err;
    rs_error_clear(&err);
    double best = -1;
    for (int k = 0; k < repeats; k++) {
        rs_sim *sim = NULL;
        double t0 = omp_get_wtime();
        rs_status s = rs_sim_create(&sim, model, &err);
        const double cpu0 = cpu_seconds();
        double t1 = omp_get_wtime();
        if (s == RS_OK) s = rs_sim_run(sim, NULL, &err);
        double t2 = omp_get_wtime();
        const double cpu = cpu_seconds() - cpu0;
        if (s == RS_OK) {
            r->diffusion_steps = rs_sim_steps(sim);
            if (best < 0 || t2 - t1 < best) {
                best = t2 - t1;
                r->create_seconds = t1 - t0;
                r->cpu_seconds = cpu;
            }
        }
        rs_sim_destroy(sim);
        if (s != RS_OK) {
            r->failed = 1;
            rs_error_format(&err, r->error, sizeof r->error);
            break;
        }
    }
    if (!r->failed) {
        r->mechanics_steps = (int64_t)floor(end / 0.1 + 0.5);
        r->seconds = best;
        r->cell_steps_per_s = (double)r->cells * (double)r->mechanics_steps / best;
    }
    rs_model_destroy(model);
}

/* The phenotype model for n cells (a cube at the benchmark's density). */
static int phenotype_model_text(char *buf, size_t size, size_t n, int steps)
{
    const double edge = cbrt((double)n * BENCH_CELLS_UM3_PER_CELL);
    const double dx = edge / 16;
    return snprintf(buf, size,
                    "regensim: 1\n"
                    "name: bench_cells_phenotype\n"
                    "domain: {size: [%.17g, %.17g, %.17g], dx: %.17g}\n"
                    "time: {end: %d, dt: {diffusion: 1, mechanics: %d, phenotype: 1}}\n"
                    "solver: lod\n"
                    "seed: 1\n"
                    "substrates:\n"
                    "  s: {diffusion: 0, initial: \"x / %.17g\"}\n"
                    "cell_types:\n"
                    "  a:\n"
                    "    radius: %g\n"
                    "    fixed: true\n"
                    "    mechanics: {repulsion: 0, adhesion: 0}\n"
                    "    cycle: \"1e-4 * (neighbours < 6)\"\n"
                    "    apoptosis: \"1e-5 + 1e-4 * hill(s, 0.5, 2)\"\n"
                    "    transitions: {b: \"1e-5 * age\"}\n"
                    "    states:\n"
                    "      load: {initial: 0.1, rate: \"0.01 * s - 0.001 * load\"}\n"
                    "      clock: {rate: \"1\"}\n"
                    "  b: {radius: %g, fixed: true, mechanics: {repulsion: 0, adhesion: 0}}\n"
                    "initial:\n"
                    "  - {cells: a, count: %zu}\n",
                    edge, edge, edge, dx, steps, steps, edge, BENCH_CELLS_RADIUS,
                    BENCH_CELLS_RADIUS, n);
}

/* Times `steps` phenotype steps of n cells on `threads` threads (the
 * first step, which also runs the mechanics once, untimed). */
static void phenotype_run(size_t n, int threads, int steps, int repeats,
                          bench_cells_phenotype *r)
{
    memset(r, 0, sizeof *r);
    r->cells = n;
    r->threads = threads;
    r->steps = steps;
    char text[2048];
    phenotype_model_text(text, sizeof text, n, steps + 1);
    rs_model *model = NULL;
    rs_errors errs;
    rs_errors_clear(&errs);
    if (rs_model_load_string(&model, text, strlen(text), "bench_cells_phenotype.yaml", NULL, 0,
                             &errs) != RS_OK) {
        r->failed = 1;
        if (errs.count > 0) rs_error_format(&errs.item[0], r->error, sizeof r->error);
        return;
    }
    omp_set_num_threads(threads);
    rs_error err;
    rs_error_clear(&err);
    double best = -1;
    for (int k = 0; k < repeats && !r->failed; k++) {
        rs_sim *sim = NULL;
        rs_status s = rs_sim_create(&sim, model, &err);
        if (s == RS_OK) s = rs_sim_step(sim, &err);
        const double t0 = omp_get_wtime();
        for (int i = 0; s == RS_OK && i < steps; i++) s = rs_sim_step(sim, &err);
        const double t = omp_get_wtime() - t0;
        if (s == RS_OK && (best < 0 || t < best)) best = t;
        if (s != RS_OK) {
            r->failed = 1;
            rs_error_format(&err, r->error, sizeof r->error);
        }
        rs_sim_destroy(sim);
    }
    if (!r->failed) {
        r->seconds_per_step = best / steps;
        r->cell_steps_per_s = (double)n / r->seconds_per_step;
    }
    rs_model_destroy(model);
}

int bench_cells_run_all(const bench_options *o, bench_cells *out)
{
    memset(out, 0, sizeof *out);
    int failed = 0;
    const double min_seconds = o->quick ? 0.05 : 0.4;
    const int min_steps = 2, repeats = o->quick ? 1 : 3;
    for (int s = 0; s < o->ncells; s++)
        for (int t = 0; t < o->nthreads; t++) {
            bench_cells_result *r = &out->results[out->nresults++];
            const size_t n = (size_t)o->cells[s];
            fprintf(stderr, "cells: mechanics step, %zu cells, %d thread(s): ", n,
                    o->threads[t]);
            /* The largest populations take seconds a step: fewer repeats. */
            bench_cells_run(n, o->threads[t], min_seconds, min_steps,
                            n >= 5000000 ? 1 : repeats, r);
            if (r->failed) {
                fprintf(stderr, "%s: %s\n", r->too_big ? "skipped" : "FAILED", r->error);
                failed |= !r->too_big;
                continue;
            }
            fprintf(stderr,
                    "%.3g cell-steps/s (%.3g ms/step, CPU %.3g ms: bins %.3g, forces %.3g, "
                    "motility %.3g, move %.3g; %d steps), %.3g neighbours, set-up %.2g s\n",
                    r->cell_steps_per_s, 1e3 * r->seconds_per_step,
                    1e3 * r->cpu_seconds_per_step,
                    1e3 * r->phase_seconds[0], 1e3 * r->phase_seconds[1],
                    1e3 * r->phase_seconds[2], 1e3 * r->phase_seconds[3], r->steps,
                    r->neighbours_mean, r->create_seconds);
        }
    if (o->ncells == 0) return 0;
    /* The phenotype step at the two smallest populations asked for (the
     * rules' cost is per cell: larger ones add nothing but time). */
    for (int s = 0; s < o->ncells && s < 2; s++)
        for (int t = 0; t < o->nthreads; t++) {
            bench_cells_phenotype *r = &out->phenotypes[out->nphenotypes++];
            const size_t n = (size_t)o->cells[s];
            fprintf(stderr, "cells: phenotype step, %zu cells, %d thread(s): ", n,
                    o->threads[t]);
            phenotype_run(n, o->threads[t], o->quick ? 3 : 10, o->quick ? 1 : 3, r);
            if (r->failed) {
                fprintf(stderr, "FAILED: %s\n", r->error);
                failed = 1;
                continue;
            }
            fprintf(stderr, "%.3g cell-steps/s (%.3g ms/step)\n", r->cell_steps_per_s,
                    1e3 * r->seconds_per_step);
        }
    /* The PhysiCell template: 1 simulated minute (10 mechanics steps) with
     * --quick, else 10 (100). */
    const double end = o->quick ? 1.0 : 10.0;
    for (int t = 0; t < o->nthreads; t++) {
        bench_cells_workload *r = &out->workloads[out->nworkloads++];
        fprintf(stderr, "cells: %s, %g min, %d thread(s): ", BENCH_CELLS_WORKLOAD, end,
                o->threads[t]);
        bench_cells_workload_run(o->threads[t], end, o->quick ? 1 : 3, r);
        if (r->failed) {
            fprintf(stderr, "FAILED: %s\n", r->error);
            failed = 1;
            continue;
        }
        fprintf(stderr,
                "%.3g cell-steps/s (%.3g s, CPU %.3g s, for %lld mechanics steps; create %.2g "
                "s)\n",
                r->cell_steps_per_s, r->seconds, r->cpu_seconds, (long long)r->mechanics_steps,
                r->create_seconds);
    }
    return failed;
}

static const char *const phase_names[4] = {"bins", "forces", "motility", "move"};

static void write_result(bench_json *w, const bench_cells_result *r)
{
    bench_json_begin_object(w, NULL, 1);
    bench_json_string(w, "kind", "mechanics");
    bench_json_int(w, "cells", (long long)r->cells);
    bench_json_int(w, "threads", r->threads);
    bench_json_number(w, "edge_um", r->edge);
    if (r->failed) {
        bench_json_bool(w, "skipped", 1);
        if (!r->too_big) bench_json_bool(w, "failed", 1);
        bench_json_string(w, "error", r->error);
        bench_json_end_object(w);
        return;
    }
    bench_json_int(w, "steps", r->steps);
    bench_json_int(w, "repeats", r->repeats);
    bench_json_number(w, "seconds_per_step", r->seconds_per_step);
    bench_json_number(w, "cpu_seconds_per_step", r->cpu_seconds_per_step);
    bench_json_number(w, "cell_steps_per_s", r->cell_steps_per_s);
    bench_json_number(w, "ns_per_cell_step", 1e9 * r->seconds_per_step / (double)r->cells);
    bench_json_begin_object(w, "phase_seconds_per_step", 1);
    for (int q = 0; q < 4; q++) bench_json_number(w, phase_names[q], r->phase_seconds[q]);
    bench_json_end_object(w);
    bench_json_number(w, "neighbours_mean", r->neighbours_mean);
    if (r->rss_bytes_per_cell >= 0) bench_json_number(w, "rss_bytes_per_cell", r->rss_bytes_per_cell);
    else bench_json_null(w, "rss_bytes_per_cell");
    char sum[32];
    snprintf(sum, sizeof sum, "%016llx", (unsigned long long)r->checksum);
    bench_json_string(w, "checksum", sum);
    bench_json_number(w, "setup_seconds", r->create_seconds);
    bench_json_end_object(w);
}

static void write_workload(bench_json *w, const bench_cells_workload *r)
{
    bench_json_begin_object(w, NULL, 1);
    bench_json_string(w, "kind", "workload");
    bench_json_string(w, "workload", BENCH_CELLS_WORKLOAD);
    bench_json_int(w, "cells", r->cells);
    bench_json_int(w, "threads", r->threads);
    bench_json_number(w, "end_min", r->end);
    if (r->failed) {
        bench_json_bool(w, "skipped", 1);
        bench_json_bool(w, "failed", 1);
        bench_json_string(w, "error", r->error);
        bench_json_end_object(w);
        return;
    }
    bench_json_int(w, "mechanics_steps", r->mechanics_steps);
    bench_json_int(w, "diffusion_steps", r->diffusion_steps);
    bench_json_int(w, "repeats", r->repeats);
    bench_json_number(w, "seconds", r->seconds);
    bench_json_number(w, "cpu_seconds", r->cpu_seconds);
    bench_json_number(w, "create_seconds", r->create_seconds);
    bench_json_number(w, "cell_steps_per_s", r->cell_steps_per_s);
    const double ref = r->threads == 1 ? BENCH_CELLS_PHYSICELL_1T
                       : r->threads == 2 ? BENCH_CELLS_PHYSICELL_2T
                                         : -1;
    if (ref > 0) {
        bench_json_number(w, "physicell_cell_steps_per_s", ref);
        bench_json_number(w, "ratio_to_physicell", r->cell_steps_per_s / ref);
    }
    bench_json_end_object(w);
}

/* The measured case of n cells on `threads` threads, or NULL. */
static const bench_cells_result *find(const bench_cells *c, size_t n, int threads)
{
    for (int i = 0; i < c->nresults; i++)
        if (c->results[i].cells == n && c->results[i].threads == threads &&
            !c->results[i].failed)
            return &c->results[i];
    return NULL;
}

void bench_cells_write(bench_json *w, const bench_cells *c)
{
    bench_json_begin_object(w, "cells", 0);
    bench_json_int(w, "dims", 3);
    bench_json_number(w, "radius_um", BENCH_CELLS_RADIUS);
    bench_json_number(w, "um3_per_cell", BENCH_CELLS_UM3_PER_CELL);
    bench_json_number(w, "volume_fraction",
                      rs_cells_volume_of(3, BENCH_CELLS_RADIUS) / BENCH_CELLS_UM3_PER_CELL);
    bench_json_number(w, "dt_min", BENCH_CELLS_DT);
    bench_json_number(w, "speed_um_per_min", bench_mot.speed);
    bench_json_number(w, "persistence_min", bench_mot.persistence);
    bench_json_int(w, "relax_steps", BENCH_CELLS_RELAX_STEPS);
    bench_json_int(w, "bytes_per_cell", (long long)rs_cells_bytes_per_cell(0));
    bench_json_begin_array(w, "entries", 0);
    for (int i = 0; i < c->nresults; i++) write_result(w, &c->results[i]);
    for (int i = 0; i < c->nworkloads; i++) write_workload(w, &c->workloads[i]);
    for (int i = 0; i < c->nphenotypes; i++) {
        const bench_cells_phenotype *r = &c->phenotypes[i];
        bench_json_begin_object(w, NULL, 1);
        bench_json_string(w, "kind", "phenotype");
        bench_json_int(w, "cells", (long long)r->cells);
        bench_json_int(w, "threads", r->threads);
        bench_json_int(w, "steps", r->steps);
        if (r->failed) {
            bench_json_bool(w, "skipped", 1);
            bench_json_bool(w, "failed", 1);
            bench_json_string(w, "error", r->error);
        } else {
            bench_json_number(w, "seconds_per_step", r->seconds_per_step);
            bench_json_number(w, "cell_steps_per_s", r->cell_steps_per_s);
        }
        bench_json_end_object(w);
    }
    bench_json_end_array(w);

    /* Linearity: time per cell at the largest population of at most 1e6
     * cells over the time per cell at the smallest, per thread count. */
    size_t small = 0, large = 0;
    for (int i = 0; i < c->nresults; i++) {
        size_t n = c->results[i].cells;
        if (!small || n < small) small = n;
        if (n <= 1000000 && n > large) large = n;
    }
    bench_json_begin_array(w, "linearity", 0);
    for (int i = 0; i < c->nresults && large > small; i++) {
        const bench_cells_result *a = &c->results[i];
        if (a->cells != small || a->failed) continue;
        const bench_cells_result *b = find(c, large, a->threads);
        if (!b) continue;
        bench_json_begin_object(w, NULL, 1);
        bench_json_int(w, "threads", a->threads);
        bench_json_int(w, "small_cells", (long long)small);
        bench_json_int(w, "large_cells", (long long)large);
        bench_json_number(w, "ratio", (b->seconds_per_step / (double)large) /
                                          (a->seconds_per_step / (double)small));
        bench_json_number(w, "target", 1.5);
        bench_json_end_object(w);
    }
    bench_json_end_array(w);

    /* Thread scaling: cell-steps/s on the most threads over on one. */
    bench_json_begin_array(w, "thread_scaling", 0);
    for (int i = 0; i < c->nresults; i++) {
        const bench_cells_result *a = &c->results[i];
        if (a->threads != 1 || a->failed) continue;
        for (int j = 0; j < c->nresults; j++) {
            const bench_cells_result *b = &c->results[j];
            if (b->cells != a->cells || b->threads <= 1 || b->failed) continue;
            bench_json_begin_object(w, NULL, 1);
            bench_json_int(w, "cells", (long long)a->cells);
            bench_json_int(w, "threads", b->threads);
            bench_json_number(w, "ratio_to_1_thread", b->cell_steps_per_s / a->cell_steps_per_s);
            bench_json_end_object(w);
        }
    }
    for (int i = 0; i < c->nworkloads; i++) {
        const bench_cells_workload *a = &c->workloads[i];
        if (a->threads != 1 || a->failed) continue;
        for (int j = 0; j < c->nworkloads; j++) {
            const bench_cells_workload *b = &c->workloads[j];
            if (b->threads <= 1 || b->failed) continue;
            bench_json_begin_object(w, NULL, 1);
            bench_json_string(w, "workload", BENCH_CELLS_WORKLOAD);
            bench_json_int(w, "threads", b->threads);
            bench_json_number(w, "ratio_to_1_thread", b->cell_steps_per_s / a->cell_steps_per_s);
            bench_json_end_object(w);
        }
    }
    bench_json_end_array(w);

    /* The PhysiCell comparison: the best thread count. */
    const bench_cells_workload *best = NULL;
    for (int i = 0; i < c->nworkloads; i++)
        if (!c->workloads[i].failed &&
            (!best || c->workloads[i].cell_steps_per_s > best->cell_steps_per_s))
            best = &c->workloads[i];
    bench_json_begin_object(w, "physicell", 1);
    bench_json_string(w, "workload", BENCH_CELLS_WORKLOAD);
    bench_json_number(w, "physicell_1_thread", BENCH_CELLS_PHYSICELL_1T);
    bench_json_number(w, "physicell_2_threads", BENCH_CELLS_PHYSICELL_2T);
    bench_json_number(w, "target_cell_steps_per_s", BENCH_CELLS_TARGET);
    if (best) {
        bench_json_int(w, "best_threads", best->threads);
        bench_json_number(w, "best_cell_steps_per_s", best->cell_steps_per_s);
        bench_json_number(w, "best_ratio_to_physicell_2_threads",
                          best->cell_steps_per_s / BENCH_CELLS_PHYSICELL_2T);
    } else {
        bench_json_null(w, "best_cell_steps_per_s");
    }
    bench_json_end_object(w);
    bench_json_end_object(w);
}

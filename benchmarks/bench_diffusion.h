/* bench_diffusion.h: times one diffusion solver on one grid, substrate count
 * and thread count through the public rs_diffusion interface. */
#ifndef RS_BENCH_DIFFUSION_H
#define RS_BENCH_DIFFUSION_H

/* How long to measure: `repeats` timed runs, each stepping until it has
 * made at least min_steps steps and lasted at least min_seconds; the best
 * per-step time of the repeats counts. */
typedef struct bench_timing {
    double min_seconds;
    int repeats;
    int min_steps;
} bench_timing;

/* One measurement to make. */
typedef struct bench_case {
    const char *solver; /* "explicit", "lod", "spectral" */
    int n;              /* cubic grid of n^3 voxels */
    int substrates;
    int threads;
    int time_order;     /* lod: 1 or 2; 0 for the other solvers */
} bench_case;

typedef enum bench_outcome {
    BENCH_MEASURED = 0,
    BENCH_SKIPPED = 1, /* solver not available, or the case does not fit */
    BENCH_FAILED = 2   /* anything else: a bug to look at */
} bench_outcome;

typedef struct bench_result {
    bench_outcome outcome;
    char error[1024];                 /* why, unless measured */
    double dt;                        /* min */
    int steps;                        /* timed steps, all repeats */
    int repeats;
    double seconds_per_step;          /* best over the repeats */
    double create_seconds;            /* rs_diffusion_create (planning) */
    double bytes_per_voxel_substrate; /* rs_diffusion_bytes_per_voxel_substrate */
} bench_result;

/* The benchmark's physics: D = 1000 um^2/min, decay 0.01/min, dx = 10 um,
 * no-flux boundaries, dt = 0.9 times the explicit stability limit. */
#define BENCH_DIFFUSION_D 1000.0
#define BENCH_DECAY 0.01
#define BENCH_DX 10.0
#define BENCH_DT_FRACTION 0.9

/* Sets the OpenMP thread count, allocates and fills the fields (first touch
 * by the solver's threads), creates the solver, does one warm-up step and
 * times steps. Always fills r; never exits. */
void bench_diffusion_run(const bench_case *c, const bench_timing *t, bench_result *r);

#endif

/* diffusion.h: one interface to the three diffusion solvers.
 *
 * Each solver advances n substrate fields on one grid by one step dt of
 *
 *     dc/dt = D lap(c) - lambda c + S - U c
 *
 * with per-substrate diffusion D (um^2/min) and decay lambda (1/min),
 * per-voxel source S (concentration/min) and uptake rate U (1/min >= 0),
 * and a boundary condition per face. A solver is a "plan" in FFTW's sense:
 * rs_diffusion_create does everything that depends on the grid, dt and the
 * coefficients (stability checks, Thomas factors, FFT plans, work arrays),
 * and rs_diffusion_step only executes: it allocates nothing.
 *
 * Implementations (chosen at run time by name):
 *   "explicit"  forward Euler, 7-point (5-point in 2D) stencil; refuses a dt
 *               above its stability limit.
 *   "lod"       implicit, locally one-dimensional; per direction backward
 *               Euler (time_order 1) or Crank-Nicolson (time_order 2), each
 *               line solved by a pre-factorised Thomas sweep.
 *   "spectral"  exact diffusion and decay in the cosine (DCT-II/DCT-III)
 *               basis; no-flux boundaries only.
 * The source/uptake term is applied per voxel as the implicit step
 * c <- (c + dt S) / (1 + dt U) (operator splitting), so concentrations
 * stay non-negative however large U is; lod and spectral fold the decay
 * into that step (lod time_order 1: c <- (c + dt S) / (1 + dt (U +
 * lambda)); lod time_order 2 and spectral: exact decay with
 * phi = (1 - e^{-lambda dt}) / lambda in place of dt), so that a uniform
 * field with uniform S, U and lambda has exactly the steady state
 * S / (lambda + U) at any dt (docs/numerics.md). Results are bitwise
 * identical for any number of OpenMP threads. */
#ifndef REGENSIM_DIFFUSION_H
#define REGENSIM_DIFFUSION_H

#include <stddef.h>
#include "regensim/error.h"
#include "regensim/grid.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One substrate's coefficients. A zeroed spec is a no-flux, non-decaying,
 * non-diffusing field. In 2D the z faces are ignored. */
typedef struct rs_substrate_spec {
    double diffusion; /* D, um^2/min, >= 0 */
    double decay;     /* lambda, 1/min, >= 0 */
    rs_bc bc[RS_NFACES];
} rs_substrate_spec;

/* FFTW planning rigour for the spectral solver. MEASURE finds faster plans
 * but, being timing-based, may pick different (equally exact) algorithms in
 * different processes; ESTIMATE always picks the same one. */
typedef enum rs_fft_rigor {
    RS_FFT_MEASURE = 0,
    RS_FFT_ESTIMATE = 1
} rs_fft_rigor;

/* Everything a solver is planned for. The caller keeps `substrates` alive
 * only during rs_diffusion_create (it is copied). */
typedef struct rs_diffusion_config {
    rs_grid grid;
    double dt; /* min, > 0 */
    int nsubstrates;
    const rs_substrate_spec *substrates;
    int time_order;         /* lod: 1 (default when 0) or 2 */
    rs_fft_rigor fft_rigor; /* spectral */
    /* Voxel-substrate updates per thread below which a step uses fewer
     * threads (a thread's start-up and barriers would cost more than it
     * saves); >= 0. 0: the environment variable REGENSIM_MIN_WORK_PER_THREAD
     * when set to a whole number >= 1, else 16384. The variable is read
     * once, by rs_diffusion_create; a value that is not a whole number >= 0
     * (0 and empty mean unset) is refused with RS_EINVAL naming it. Results
     * are the same bits whatever the setting: it only changes speed. */
    long min_work_per_thread;
} rs_diffusion_config;

/* The source/uptake step every solver applies per voxel, as a plain loop:
 * dst[i] = (src[i] + dt S[i]) / (1 + dt U[i]) for i < n; with S only
 * src + dt S, with U only src / (1 + dt U), with neither a copy (nothing
 * when dst == src). s or u may be NULL. dst may be src itself (in place)
 * but must not otherwise overlap it. No allocation, no threading: callers
 * split whole rows, planes or chunks over threads, so every voxel gets the
 * same operations for any number of threads. The simulation applies it to
 * the fields that skip the solver, so the formula exists once. */
RS_API void rs_source_step(double *dst, const double *src, const double *restrict s,
                           const double *restrict u, size_t n, double dt);

/* A solver: an opaque plan made by rs_diffusion_create. */
typedef struct rs_diffusion rs_diffusion;

/* A solver implementation (opaque: solvers are used through the functions
 * below, which run the shared checks). */
typedef struct rs_diffusion_ops rs_diffusion_ops;

/* The implementation named `name` ("explicit", "lod", "spectral"), or NULL
 * when there is none. */
RS_API const rs_diffusion_ops *rs_diffusion_find(const char *name);

/* Bytes per voxel and substrate, the field included, that solver `name`
 * would need for cfg (its peak, work space included), without creating it;
 * 0 for an unknown name. */
RS_API double rs_diffusion_estimate_bytes(const char *name, const rs_diffusion_config *cfg);

/* Names of all solvers, NULL-terminated. */
RS_API const char *const *rs_diffusion_names(void);

/* Checks cfg (grid, dt, coefficients, boundaries, memory) and creates the
 * solver `name`. On error nothing is allocated, *out is NULL and err says
 * which value is wrong and what was expected. Destroy with
 * rs_diffusion_destroy. */
RS_API rs_status rs_diffusion_create(rs_diffusion **out, const char *name,
                                     const rs_diffusion_config *cfg, rs_error *err);

/* Advances fields[0..n-1] (nvoxels doubles each, caller-owned) by one dt.
 * source and uptake are NULL or arrays of n pointers, each NULL or an array
 * of nvoxels values. Fields must be at least 16-byte aligned (malloc's and
 * rs_alloc_doubles' are); the spectral solver returns RS_EINVAL, leaving
 * the fields untouched, for one that is not. Allocates nothing. */
RS_API rs_status rs_diffusion_step(rs_diffusion *d, double *const *fields,
                                   const double *const *source,
                                   const double *const *uptake);

/* Frees the solver and its work space. NULL is allowed. */
RS_API void rs_diffusion_destroy(rs_diffusion *d);

/* The solver's name. */
RS_API const char *rs_diffusion_name(const rs_diffusion *d);

/* Bytes per voxel and substrate, the field array itself included: what this
 * solver allocated (at its peak, during create) per voxel-substrate. */
RS_API double rs_diffusion_bytes_per_voxel_substrate(const rs_diffusion *d);

/* The largest stable dt of the explicit scheme for these coefficients on
 * grid g: 2 / max over substrates of (4 dims D / dx^2 + lambda); +inf when
 * nothing diffuses or decays. */
RS_API double rs_diffusion_explicit_dt_limit(const rs_grid *g,
                                             const rs_substrate_spec *specs, int n);

/* Fills spec with D, lambda and a no-flux boundary on every face. */
RS_API void rs_substrate_spec_init(rs_substrate_spec *spec, double diffusion,
                                   double decay);

#ifdef __cplusplus
}
#endif
#endif

/* diffusion_fixtures.h: set-up shared by the diffusion test programs: a
 * solver with its fields, analytic initial states, and measurements. */
#ifndef RS_TEST_DIFFUSION_FIXTURES_H
#define RS_TEST_DIFFUSION_FIXTURES_H

#include "rs_test.h"

/* A solver and the fields it advances (all freed by fx_destroy). */
typedef struct fx_problem {
    rs_diffusion *d;
    rs_grid grid;
    int nsub;
    double *fields[4];
    double *source[4];
    double *uptake[4];
} fx_problem;

/* A config for nsub identical substrates with D, decay and no-flux faces;
 * specs must hold nsub entries. */
rs_diffusion_config fx_config(rs_grid g, double dt, int nsub, rs_substrate_spec *specs,
                              double D, double decay);

/* Creates solver `name` for cfg and allocates its fields (zeroed); asserts
 * success. */
void fx_create(fx_problem *p, const char *name, const rs_diffusion_config *cfg);

/* Allocates (zeroed) source and uptake arrays for every substrate. */
void fx_add_sources(fx_problem *p);

void fx_destroy(fx_problem *p);

/* Advances p by `steps` steps (sources/uptake passed when allocated). */
void fx_run(fx_problem *p, int steps);

/* The separable cosine mode prod_a cos(pi m_a x_a / L_a) at voxel centres. */
void fx_fill_cosine(double *c, const rs_grid *g, int mx, int my, int mz);

/* Semi-discrete decay rate of that mode under the 3-point Laplacian:
 * D sum_a (2 - 2 cos(pi m_a / n_a)) / dx^2. */
double fx_discrete_rate(const rs_grid *g, double D, int mx, int my, int mz);

/* Continuous decay rate D k^2 of that mode, k_a = pi m_a / (n_a dx). */
double fx_exact_rate(const rs_grid *g, double D, int mx, int my, int mz);

/* Fills c with uniform random values in [lo, hi) from the given seed. */
void fx_fill_random(double *c, size_t n, uint64_t seed, double lo, double hi);

/* Sum of c over the grid times the voxel volume (dx^3, or dx^2 in 2D),
 * summed in a fixed order. */
double fx_mass(const double *c, const rs_grid *g);

/* max_i |a_i - s * b_i|; NaN when any difference is NaN. Check the result
 * as !(x <= tol) (or assert_true(x <= tol)), never x > tol. */
double fx_max_diff(const double *a, const double *b, double s, size_t n);

/* The larger of a running maximum m and e, NaN once either is NaN (fmax
 * and `if (e > m)` drop NaNs). */
double fx_max_err(double m, double e);

/* Observed order log(e1/e2)/log(h1/h2) between two refinements. */
double fx_order(double e_coarse, double e_fine, double h_coarse, double h_fine);

#endif

/* sim_impl.h: internal interfaces of the simulation driver (src/sim/sim.c)
 * and its helpers: expression symbol tables
 * (sim_symbols.c), initial fields (field_init.c), the reaction kernel
 * (reaction.c) and metrics (metrics.c; their reductions over regions are
 * the field layer's rs_region_reduce_rows). Not installed; nothing here is
 * exported. */
#ifndef RS_SIM_SIM_IMPL_H
#define RS_SIM_SIM_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "regensim/cells.h"
#include "regensim/error.h"
#include "regensim/expr.h"
#include "regensim/grid.h"
#include "regensim/model.h"
#include "regensim/region.h"

/* ---- symbol tables (sim_symbols.c) ------------------------------------ */

/* Names of a model's parameters, substrates, cell types and their states,
 * as rs_expr_symbols wants them (arrays of borrowed model strings). */
typedef struct rs_sim_symbols {
    const char **params;
    const char **substrates;
    const char **types;
    int *type_nstates;
    const char ***type_states;
    int ntypes;
} rs_sim_symbols;

/* Fills sy from m; RS_ENOMEM (everything freed) on failure. */
rs_status rs_sim_symbols_init(rs_sim_symbols *sy, const rs_model *m);
void rs_sim_symbols_free(rs_sim_symbols *sy);

/* A symbol table over sy allowing `allow`, parameters bound to values. */
rs_expr_symbols rs_sim_symbols_table(const rs_sim_symbols *sy, const rs_model *m,
                                     const double *values, unsigned allow);

/* ---- initial fields (field_init.c) ----------------------------------- */

/* Voxel centre coordinates of grid g into x, y, z (nvoxels each). */
void rs_field_coordinates(const rs_grid *g, double *x, double *y, double *z);

/* Sets every field to its initial state: the substrate's `initial` (number
 * or expression of x, y, z and parameters), then each `initial:` entry with
 * a field, in order, within its region (later entries win). x, y, z are the
 * voxel coordinates, scratch nvoxels doubles of work space. */
rs_status rs_field_init(const rs_model *m, const rs_sim_symbols *sy, const double *params,
                        const rs_grid *g, const double *x, const double *y,
                        const double *z, double *const *fields, double *scratch,
                        rs_error *err);

/* ---- reaction kernel (reaction.c) ------------------------------- */

/* Voxels per chunk of the reaction kernel (one unit of OpenMP work). */
#define RS_REACTION_CHUNK 4096

/* rate[0..n) = e at every voxel. chunk_inputs[c * nf .. +nf) are the
 * substrate arrays offset to chunk c; x, y, z full arrays or NULL. */
void rs_reaction_rates(const rs_expr *e, const double *const *chunk_inputs, int nf,
                       const double *x, const double *y, const double *z, double t,
                       size_t n, double *rate);

/* rate[0..n) = v. */
void rs_reaction_fill(double *rate, size_t n, double v);

/* rate[idx[i]] += v for i < n (indices distinct). */
void rs_reaction_add_at(double *rate, const size_t *idx, size_t n, double v);

/* The lowest index with f[i] NaN or infinite, or n when every value is
 * finite (the same for any number of threads). */
size_t rs_field_first_nonfinite(const double *f, size_t n);

/* Explicit Euler: f[i] += dt * rate[i]. */
void rs_reaction_euler(double *f, const double *rate, double dt, size_t n);

/* f[i] <- (f[i] + dt S[i]) / (1 + dt U[i]); S or U NULL: none (U NULL:
 * f + dt S, bitwise rs_reaction_euler). */
void rs_reaction_apply(double *f, const double *S, const double *U, double dt, size_t n);

/* ---- metrics (metrics.c) ---------------------------------------------- */

typedef struct rs_metrics rs_metrics;

/* Compiles the model's metrics (parameters bound to params). */
rs_status rs_metrics_create(rs_metrics **out, const rs_model *m, const rs_sim_symbols *sy,
                            const double *params, rs_error *err);
void rs_metrics_destroy(rs_metrics *mt);

/* Re-binds the parameters of every metric expression. */
void rs_metrics_rebind(rs_metrics *mt, const double *params);

/* Evaluates every metric at time t over the fields into values[nmetrics]. */
void rs_metrics_eval(rs_metrics *mt, const rs_grid *g, const double *const *fields,
                     const rs_cells *cells,
                     double t, double *values);

#endif

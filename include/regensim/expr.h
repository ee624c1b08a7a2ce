/* expr.h: the expression language in which reactions, cell rules, initial
 * fields and metrics are written (docs/expressions.md).
 *
 * An expression is compiled once to bytecode: names are resolved against a
 * symbol table (parameters, substrates, cell state, cell types), parameters
 * are bound as constants and folded, and the result is evaluated over blocks
 * of points (voxels or cells: each instruction is a plain loop over a block
 * of contiguous values), never re-parsed. Evaluation is deterministic and
 * thread-safe: a compiled rs_expr is read-only while evaluated.
 *
 * Aggregates (mean(field), integral, max, min, count(cell_type),
 * mean(cell_type.state), sum(cell_type.state), each optionally restricted
 * to a region) are allowed only where the symbol table says so (metrics).
 * The compiler lists them; the caller computes their values over the
 * simulation state and passes them in, so the evaluator itself never
 * touches fields or cells. The same holds for the per-cell inputs of cell
 * rules (age, neighbours, volume, radius, grad(S)): the compiler says which
 * are read, the caller computes those per cell. */
#ifndef REGENSIM_EXPR_H
#define REGENSIM_EXPR_H

#include <stddef.h>
#include "regensim/error.h"
#include "regensim/region.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Deepest evaluation stack an expression may need; deeper ones are refused
 * at compile time with a clear error. */
#define RS_EXPR_MAX_DEPTH 32
/* Longest expression text accepted (bytes). */
#define RS_EXPR_MAX_LENGTH 4096

/* What an expression may refer to (rs_expr_symbols.allow). */
enum {
    RS_EXPR_ALLOW_POSITION = 1u << 0,   /* x, y, z (um) */
    RS_EXPR_ALLOW_TIME = 1u << 1,       /* t (min) */
    RS_EXPR_ALLOW_SUBSTRATES = 1u << 2, /* substrate concentrations at the point */
    RS_EXPR_ALLOW_STATES = 1u << 3,     /* the cell's internal state variables */
    RS_EXPR_ALLOW_AGGREGATES = 1u << 4, /* mean(...), integral(...), count(...), ... */
    RS_EXPR_ALLOW_CELL = 1u << 5        /* age, neighbours, volume, radius, grad(S):
                                           cell rules */
};

/* The built-in per-cell inputs (RS_EXPR_ALLOW_CELL), by index into
 * rs_expr_inputs.cell; their names in expressions are those of
 * rs_expr_cell_input_name. */
enum {
    RS_EXPR_CELL_AGE = 0,    /* `age`: min since the cell was born or last divided */
    RS_EXPR_CELL_NEIGHBOURS, /* `neighbours`: number of cells touching it */
    RS_EXPR_CELL_VOLUME,     /* `volume`: um^3 (um^2 in 2D) */
    RS_EXPR_CELL_RADIUS,     /* `radius`: um */
    RS_EXPR_NCELL_INPUTS
};

/* The expression name of built-in cell input k ("age", "neighbours",
 * "volume", "radius"), or NULL when k is out of range. The gradient,
 * grad(S), is a function of a substrate and not among them. */
RS_API const char *rs_expr_cell_input_name(int k);

/* The names an expression may use. Arrays are read during compilation only
 * (names are not kept). Parameters are constants: their values are bound
 * at compile time and can be re-bound with rs_expr_rebind. */
typedef struct rs_expr_symbols {
    int nparameters;
    const char *const *parameter_names;
    const double *parameter_values;
    int nsubstrates;
    const char *const *substrate_names;
    int nstates; /* internal state variables of the cell being evaluated */
    const char *const *state_names;
    int ncell_types; /* for count(type) and mean(type.state) */
    const char *const *cell_type_names;
    const int *cell_type_nstates;                  /* per type */
    const char *const *const *cell_type_state_names; /* per type, per state */
    unsigned allow; /* RS_EXPR_ALLOW_* */
} rs_expr_symbols;

typedef enum rs_expr_agg_kind {
    RS_AGG_MEAN = 0,  /* mean over voxels (field) or cells (state) */
    RS_AGG_INTEGRAL,  /* sum over voxels times voxel volume */
    RS_AGG_MAX,
    RS_AGG_MIN,
    RS_AGG_COUNT,     /* number of cells of a type */
    RS_AGG_SUM        /* sum of a state over the cells of a type */
} rs_expr_agg_kind;

/* One aggregate an expression uses: over substrate `substrate` (>= 0), or
 * over cells of type `cell_type` (>= 0) counting them (RS_AGG_COUNT) or
 * averaging (RS_AGG_MEAN) or summing (RS_AGG_SUM) state `state` (>= 0),
 * within `region` (region.h): RS_REGION_ALL when none is given, else the
 * disk, sphere, box, annulus or shell written as the second argument, its
 * numbers in argument order (disk(cx, cy, r): center [cx, cy], radius r;
 * box(x0, y0, x1, y1): a 2-coordinate box, z ignored), re-evaluated by
 * rs_expr_rebind. No children. */
typedef struct rs_expr_aggregate {
    rs_expr_agg_kind kind;
    int substrate, cell_type, state;
    rs_region region;
} rs_expr_aggregate;

typedef struct rs_expr rs_expr;

/* Compiles text against sym. On error *out is NULL and err holds the
 * message with err->col = the 1-based column within text of the offending
 * token (err->line = 1); e.g. "unknown name 'cytokin' (did you mean
 * 'cytokine'?)". Destroy with rs_expr_destroy. */
RS_API rs_status rs_expr_compile(rs_expr **out, const char *text, const rs_expr_symbols *sym,
                                 rs_error *err);

RS_API void rs_expr_destroy(rs_expr *e);

/* Re-binds the parameter values (same count and order as at compile time)
 * and re-folds constants, e.g. after a --set override. */
RS_API void rs_expr_rebind(rs_expr *e, const double *parameter_values);

/* True when the value depends on nothing but parameters (and constants). */
RS_API int rs_expr_is_constant(const rs_expr *e);

/* The value of a constant expression (rs_expr_is_constant). */
RS_API double rs_expr_constant(const rs_expr *e);

/* Which RS_EXPR_ALLOW_* inputs the expression actually reads
 * (RS_EXPR_ALLOW_CELL when it reads any built-in cell input or grad(S)). */
RS_API unsigned rs_expr_uses(const rs_expr *e);

/* Whether the expression reads parameter p (its index in the symbol
 * table's parameters): what a caller asks to know whether a change of p
 * concerns it. */
RS_API int rs_expr_uses_parameter(const rs_expr *e, int p);

/* Whether the expression reads substrate s / state variable v. */
RS_API int rs_expr_uses_substrate(const rs_expr *e, int s);
RS_API int rs_expr_uses_state(const rs_expr *e, int v);

/* Whether the expression reads built-in cell input k (RS_EXPR_CELL_*) /
 * the gradient magnitude of substrate s (grad(S)); 0 for k or s out of
 * range. Reading grad(S) is not reading S: rs_expr_uses_substrate(e, s)
 * stays 0 for an expression that only takes S's gradient. */
RS_API int rs_expr_uses_cell_input(const rs_expr *e, int k);
RS_API int rs_expr_uses_gradient(const rs_expr *e, int s);

/* The aggregates the expression uses, in the order their values are
 * expected in rs_expr_inputs.aggregates. */
RS_API int rs_expr_naggregates(const rs_expr *e);
RS_API const rs_expr_aggregate *rs_expr_aggregate_at(const rs_expr *e, int i);

/* Inputs for evaluating at n points: per substrate and per state an array of
 * n values (entries the expression does not use may be NULL), positions (n
 * values each, or NULL when unused), the time, the aggregate values, and
 * for cell rules per built-in cell input (RS_EXPR_CELL_*) and per substrate
 * gradient magnitude (concentration/um) an array of n values (NULL when
 * unused; `gradients` itself may be NULL when no grad(S) is read). */
typedef struct rs_expr_inputs {
    const double *const *substrates;
    const double *const *states;
    const double *x, *y, *z;
    double t;
    const double *aggregates;
    const double *cell[RS_EXPR_NCELL_INPUTS];
    const double *const *gradients;
} rs_expr_inputs;

/* Evaluates e at n points into out[0..n-1]. Allocates nothing; safe to call
 * from several threads at once on the same e. */
RS_API void rs_expr_eval(const rs_expr *e, const rs_expr_inputs *in, size_t n, double *out);

/* Evaluates e at one point (in's arrays hold one value each). */
RS_API double rs_expr_eval1(const rs_expr *e, const rs_expr_inputs *in);

#ifdef __cplusplus
}
#endif
#endif

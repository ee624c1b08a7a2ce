/* model.h: model files (YAML) -> a validated, resolved rs_model.
 *
 * A model is data: the domain, clocks, solver, parameters, substrates,
 * cell types, initial conditions, interventions and metrics of one
 * scenario (docs/model-reference.md lists every key with its unit,
 * default and range). rs_model_load reads and checks a file, applies
 * defaults and `--set path=value` overrides, evaluates every number given
 * as an expression of parameters, and compiles every expression once to
 * check its names, so that a model that loads can be simulated.
 * Errors are collected (up to RS_ERRORS_MAX) rather than stopping at the
 * first, each with file:line:column, the key path, the offending value and
 * what was expected.
 *
 * The structs below are the resolved model, for reading: rs_model_destroy
 * frees everything in them. Units are micrometres and minutes throughout. */
#ifndef REGENSIM_MODEL_H
#define REGENSIM_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "regensim/error.h"
#include "regensim/grid.h"
#include "regensim/region.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The model format version this library reads (`regensim: 1`). */
#define RS_MODEL_FORMAT 1

/* Schedule limits a model is checked against (docs/model-reference.md):
 * diffusion steps to the end, snapshots and checkpoints, metric rows. */
#define RS_MODEL_MAX_STEPS 1e10
#define RS_MODEL_MAX_SNAPSHOTS 1e5
#define RS_MODEL_MAX_METRIC_ROWS 1e8

/* Where a value came from, for messages: a file position (line >= 1), the
 * n-th --set override (set = n >= 1), or a default (both 0). tcol is the
 * file column of the first character of the value's text when columns
 * inside it map one to one onto the file (a one-line scalar), else 0. */
typedef struct rs_model_pos {
    int line, col, tcol, set;
} rs_model_pos;

/* A number: `value` after defaults, overrides and evaluation. `expr` is the
 * expression text when it was given as one (of parameters, e.g. "2 * v0";
 * NULL for a plain number). `varies` is 1 for keys that allow position or
 * time (a substrate's initial value) when the expression uses them: then
 * `value` is NaN and `expr` must be evaluated per point. */
typedef struct rs_model_number {
    double value;
    char *expr;
    int varies;
    rs_model_pos pos;
} rs_model_number;

/* An expression (reaction, rate, metric): its text, or NULL when absent. */
typedef struct rs_model_expr {
    char *text;
    rs_model_pos pos;
} rs_model_expr;

/* Where a region's numbers came from, beside the region itself: for the
 * i-th number of the shape (rs_region_number order: centre, then radius or
 * inner and outer; a box's min then max) its expression text (NULL for a
 * plain number) and position, and the same for each child. */
typedef struct rs_model_region_src {
    char *expr[RS_REGION_MAX_NUMBERS];
    rs_model_pos at[RS_REGION_MAX_NUMBERS];
    struct rs_model_region_src *children; /* one per child of the shape */
    rs_model_pos pos;                      /* of the region itself */
} rs_model_region_src;

/* A region of the domain (initial conditions, interventions): `shape` is
 * the region (region.h), its numbers evaluated (they may be expressions of
 * parameters, e.g. radius: "2 * r0"); src says where they came from. */
typedef struct rs_model_region {
    rs_region shape;
    rs_model_region_src src;
} rs_model_region;

/* A named number (parameters, secretion and uptake rates, chemotaxis). */
typedef struct rs_model_named_number {
    char *name;
    rs_model_number value;
} rs_model_named_number;

/* A named expression (metrics, transitions); units: a metric's, or NULL. */
typedef struct rs_model_named_expr {
    char *name;
    rs_model_expr expr;
    char *units;
} rs_model_named_expr;

/* One face's boundary condition; value is used for Dirichlet only. */
typedef struct rs_model_bc {
    rs_bc_kind kind;
    rs_model_number value;
} rs_model_bc;

typedef struct rs_model_substrate {
    char *name;
    rs_model_number diffusion; /* um^2/min */
    rs_model_number decay;     /* 1/min */
    rs_model_bc bc[RS_NFACES]; /* x-, x+, y-, y+, z-, z+ */
    rs_model_pos bc_pos;
    rs_model_number initial;   /* concentration, or an expression of x, y, z */
    rs_model_expr reaction;    /* concentration/min; NULL text for none */
    char *units;               /* of the concentration */
    int save;                  /* 1: in run.h5's snapshots (checkpoints hold every field) */
} rs_model_substrate;

typedef struct rs_model_motility {
    rs_model_number speed;       /* um/min */
    rs_model_number persistence; /* min */
    int nchemotaxis;
    rs_model_named_number *chemotaxis; /* substrate -> sensitivity (-1..1) */
    rs_model_expr speed_factor;      /* cell rule: speed multiplier (>= 0), or NULL: 1 */
    rs_model_expr chemotaxis_factor; /* cell rule: sensitivity multiplier (0..1), or NULL: 1 */
} rs_model_motility;

typedef struct rs_model_mechanics {
    rs_model_number repulsion;      /* um/min */
    rs_model_number adhesion;       /* um/min */
    rs_model_number adhesion_range; /* multiple of the radius */
} rs_model_mechanics;

/* An internal state variable: initial value and d(state)/dt. */
typedef struct rs_model_state {
    char *name;
    rs_model_number initial;
    rs_model_expr rate;
} rs_model_state;

/* Contact interactions with touching cells (docs/cells.md, "Contact"). */
typedef struct rs_model_contact {
    int nexchange;
    rs_model_named_number *exchange; /* own state -> exchange rate, 1/min */
    int nengulfs;
    rs_model_named_number *engulfs;  /* cell type -> rate of engulfing its dead, 1/min */
} rs_model_contact;

/* A secretion: its rate and, optionally, the concentration it stops at. */
typedef struct rs_model_secretion {
    char *name;                 /* substrate */
    rs_model_number rate;       /* amount/min per cell */
    rs_model_number saturation; /* concentration; 0: none */
} rs_model_secretion;

typedef struct rs_model_cell_type {
    char *name;
    rs_model_number radius; /* um */
    int fixed;              /* 1: does not move */
    rs_model_motility motility;
    int nsecretes;
    rs_model_secretion *secretes;    /* substrate -> rate (amount/min per cell) */
    int nuptakes;
    rs_model_named_number *uptakes;  /* substrate -> 1/min */
    rs_model_expr cycle;     /* division rate, 1/min */
    rs_model_expr apoptosis; /* 1/min */
    rs_model_expr necrosis;  /* 1/min */
    int ntransitions;
    rs_model_named_expr *transitions; /* target cell type -> rate, 1/min */
    int nstates;
    rs_model_state *states;
    rs_model_mechanics mechanics;
    rs_model_number growth_time;    /* min: a daughter's volume relaxes to the type's */
    rs_model_number clearance_time; /* min: a dead cell stays this long, then is removed */
    int ndeath_deposits;
    rs_model_named_number *death_deposits; /* substrate -> amount left at death */
    rs_model_contact contact;
} rs_model_cell_type;

/* One initial condition: cells of a type (count or density) or a field
 * value, in a region. */
typedef struct rs_model_initial {
    char *cells;  /* cell type name, or NULL */
    char *field;  /* substrate name, or NULL */
    rs_model_number count;   /* cells; when cells and no density */
    rs_model_number density; /* cells per um^2 (2D) or um^3 (3D) */
    rs_model_number spacing; /* um: least distance between the placed cells' centres */
    rs_model_number value;   /* field: concentration or expression of x, y, z */
    rs_model_region region;
    rs_model_pos pos;
} rs_model_initial;

typedef enum rs_model_action {
    RS_ACTION_INJECT = 0, /* inject cells (count or density in a region) */
    RS_ACTION_SET,        /* set a parameter */
    RS_ACTION_SOURCE,     /* a source of a substrate in a region, until a time */
    RS_ACTION_REMOVE      /* remove a fraction of a cell type (in a region) */
} rs_model_action;

/* One intervention: at a time, exactly one action; the action's struct is
 * filled (its name field non-NULL), the others are empty. */
typedef struct rs_model_intervention {
    rs_model_number at; /* min */
    rs_model_action action;
    struct {
        char *cells;
        rs_model_number count, density; /* one of them given */
        rs_model_number spacing;        /* um, 0: none */
        rs_model_region region;
    } inject;
    struct {
        char *parameter;
        rs_model_number value;
    } set;
    struct {
        char *field;
        rs_model_number rate;  /* concentration/min per voxel */
        rs_model_number until; /* min; 0 (default): never stops */
        rs_model_region region;
    } source;
    struct {
        char *cells;
        rs_model_number fraction; /* 0..1 */
        rs_model_region region;
    } remove;
    rs_model_pos pos;
} rs_model_intervention;

typedef struct rs_model {
    char *source;   /* file name as given (or the load_string name) */
    char *name;
    rs_model_number format; /* RS_MODEL_FORMAT */
    struct {
        int nsize;             /* 2 or 3 */
        rs_model_number size[3]; /* um */
        rs_model_number dx;      /* um */
    } domain;
    struct {
        rs_model_number end; /* min */
        /* min; reaction 0: one reaction step per diffusion step, else the
         * reactions take dt.diffusion / dt.reaction explicit sub-steps */
        struct { rs_model_number diffusion, mechanics, phenotype, reaction; } dt;
        rs_model_number save_every;       /* min; 0: final state only */
        rs_model_number checkpoint_every; /* min; 0: never */
        rs_model_number metrics_every;    /* min; 0: every dt.phenotype */
    } time;
    char *solver;   /* explicit | lod | spectral */
    struct {
        char *precision;   /* float64 | float32: of the snapshots (checkpoints: float64) */
        char *compression; /* deflate | none */
        rs_model_number level; /* deflate level 1..9 */
    } output;
    struct { rs_model_number time_order; } solver_options; /* lod: 1 or 2 */
    rs_model_number seed;
    int nparameters;
    rs_model_named_number *parameters;
    int nsubstrates;
    rs_model_substrate *substrates;
    int ncell_types;
    rs_model_cell_type *cell_types;
    int ninitial;
    rs_model_initial *initial;
    int ninterventions;
    rs_model_intervention *interventions;
    int nmetrics;
    rs_model_named_expr *metrics;
} rs_model;

/* Loads and checks the model file at path, applies the overrides
 * ("path=value" strings, e.g. "parameters.k_damage=0.004", "k_damage=0.004",
 * "substrates.cytokine.diffusion=2000"; later ones win) and resolves
 * defaults and expressions. RS_OK and *out, or an error status, *out NULL
 * and every error found in errs (which may be NULL). Free with
 * rs_model_destroy. */
RS_API rs_status rs_model_load(rs_model **out, const char *path,
                               const char *const *overrides, int noverrides,
                               rs_errors *errs);

/* As rs_model_load for text already in memory (len bytes; no NUL needed);
 * source_name is what messages call the file. */
RS_API rs_status rs_model_load_string(rs_model **out, const char *text, size_t len,
                                      const char *source_name,
                                      const char *const *overrides, int noverrides,
                                      rs_errors *errs);

/* Frees the model. NULL is allowed. */
RS_API void rs_model_destroy(rs_model *m);

/* The resolved model (every key, defaults filled in, overrides applied) as
 * YAML in a malloc'd, NUL-terminated string the caller frees. Loading it
 * gives an identical model. RS_ENOMEM on allocation failure. */
RS_API rs_status rs_model_write_resolved(const rs_model *m, char **text);

/* The grid the model's fields live on (sizes rounded to whole voxels). */
RS_API rs_grid rs_model_grid(const rs_model *m);

/* Figures for `regensim info`. */
typedef struct rs_model_summary {
    int dims;                 /* 2 or 3 */
    rs_grid grid;
    double voxels;
    int nsubstrates, ncell_types, nparameters, ninitial, ninterventions, nmetrics;
    double expected_cells;    /* cells placed by `initial` (count + density x volume) */
    double memory_bytes;      /* estimate: fields and solver work space + cells */
    double explicit_dt_limit; /* min; +inf when nothing diffuses or decays */
} rs_model_summary;

RS_API void rs_model_summarize(const rs_model *m, rs_model_summary *sum);

/* ---- the model's clock (model_clock.c) ------------------------------ *
 * A run advances in whole diffusion steps; event times (the end,
 * interventions) and intervals (save_every, dt.mechanics, ...) are
 * converted once to step indices and periods, and time is always steps x
 * dt, never an accumulated sum. A time T falls on step round(T / dt) when
 * T / dt is a whole number up to a few ulps (so decimal steps land
 * exactly), and otherwise on the first step after it, ceil(T / dt). */

/* The step of time `when` for step dt; -1 when when/dt is not finite or
 * above 2^53. */
RS_API int64_t rs_clock_step_of(double when, double dt);

/* The step period of an interval: 0 when every is 0 (never), else at
 * least 1; -1 as above. */
RS_API int64_t rs_clock_period(double every, double dt);

/* Whether an event of step period `period` (0: none) is due at `step`. */
RS_API int rs_clock_due(int64_t step, int64_t period);

/* The mechanics step as scheduled (min): dt.mechanics rounded to whole
 * diffusion steps when it is at least dt.diffusion (*substeps = 1), else
 * dt.diffusion split into *substeps = ceil(dt.diffusion / dt.mechanics)
 * equal sub-steps. substeps may be NULL. */
RS_API double rs_model_mechanics_dt(const rs_model *m, int *substeps);

/* The largest stable mechanics step (min) of the model's cell types:
 * 0.5 x the smallest radius / the largest repulsion (docs/cells.md,
 * "Mechanics"); +inf when no type repels. */
RS_API double rs_model_mechanics_dt_limit(const rs_model *m);

/* Index of the named substrate / cell type / parameter, or -1. */
RS_API int rs_model_find_substrate(const rs_model *m, const char *name);
RS_API int rs_model_find_cell_type(const rs_model *m, const char *name);
RS_API int rs_model_find_parameter(const rs_model *m, const char *name);

#ifdef __cplusplus
}
#endif
#endif

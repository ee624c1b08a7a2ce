/* schema.c: every key of a model file, as data (see model_impl.h): kind,
 * place in the rs_model structs, default, range, unit and the phrase used
 * in messages. docs/model-reference.md documents the same table for
 * people; tests/test_model.c checks that every key there loads. */
#include <stddef.h>

#include "model/model_impl.h"

#define COUNT(a) ((int)(sizeof a / sizeof a[0]))
#define DESC(nm, T, inl, arr) {nm, sizeof(T), inl, COUNT(arr), arr, 0, 0}

/* A number with a default and a lower bound (inclusive or open). */
#define NUM_GE(k, T, m, d, lo, w, u) \
    {.key = k, .kind = FK_NUMBER, .off = offsetof(T, m), .def = d, .range = R_MIN, \
     .min = lo, .what = w, .unit = u}
#define NUM_GT(k, T, m, d, lo, w, u) \
    {.key = k, .kind = FK_NUMBER, .off = offsetof(T, m), .def = d, \
     .range = R_MIN | R_MIN_OPEN, .min = lo, .what = w, .unit = u}
#define EXPR(k, T, m, d, cx, w, u) \
    {.key = k, .kind = FK_EXPR, .off = offsetof(T, m), .def_str = d, .ctx = cx, .what = w, \
     .unit = u}

static const char *const solver_choices[] = {"explicit", "lod", "spectral", NULL};

/* --- parameters, named numbers and expressions -------------------------- */
static const field_desc parameter_fields[] = {
    {.key = "value", .kind = FK_NUMBER, .off = offsetof(rs_model_named_number, value),
     .required = 1, .literal = 1, .what = "a number", .unit = NULL},
};
static const struct_desc parameter_desc =
    DESC("parameter", rs_model_named_number, 1, parameter_fields);

/* A secretion is a rate, or the long form {rate: R, saturation: C}. */
static const field_desc secrete_fields[] = {
    {.key = "rate", .kind = FK_NUMBER, .off = offsetof(rs_model_secretion, rate),
     .required = 1, .range = R_MIN, .min = 0, .what = "a secretion rate",
     .unit = "amount/min per cell (amount: concentration x um^3; x um^2 in 2D)"},
    {.key = "saturation", .kind = FK_NUMBER, .off = offsetof(rs_model_secretion, saturation),
     .def = 0, .range = R_MIN, .min = 0,
     .what = "a saturation concentration (secretion falls to 0 there; 0: none)",
     .unit = "concentration"},
};
static const struct_desc secrete_desc =
    DESC("secretion", rs_model_secretion, 2, secrete_fields);

static const field_desc uptake_fields[] = {
    {.key = "rate", .kind = FK_NUMBER, .off = offsetof(rs_model_named_number, value),
     .required = 1, .range = R_MIN, .min = 0, .what = "an uptake rate", .unit = "1/min (volumes of the cell cleared per minute)"},
};
static const struct_desc uptake_desc = DESC("uptake", rs_model_named_number, 1, uptake_fields);

static const field_desc chemotaxis_fields[] = {
    {.key = "sensitivity", .kind = FK_NUMBER, .off = offsetof(rs_model_named_number, value),
     .required = 1, .range = R_MIN | R_MAX, .min = -1, .max = 1,
     .what = "a chemotactic sensitivity (-1 away, 1 up the gradient)", .unit = NULL},
};
static const struct_desc chemotaxis_desc =
    DESC("chemotaxis", rs_model_named_number, 1, chemotaxis_fields);

static const field_desc transition_fields[] = {
    EXPR("rate", rs_model_named_expr, expr, NULL, EC_CELL, "a transition rate", "1/min"),
};
static const struct_desc transition_desc =
    DESC("transition", rs_model_named_expr, 1, transition_fields);

/* A metric is an expression, or the long form {expr: ..., units: ...}. */
static const field_desc metric_fields[] = {
    EXPR("expr", rs_model_named_expr, expr, NULL, EC_METRIC, "a metric expression", NULL),
    {.key = "units", .kind = FK_STRING, .off = offsetof(rs_model_named_expr, units),
     .what = "the metric's units (free text, e.g. \"ng/mL\")"},
};
static const struct_desc metric_desc = DESC("metric", rs_model_named_expr, 2, metric_fields);

/* --- substrates ------------------------------------------------------------ */
static const field_desc substrate_fields[] = {
    NUM_GE("diffusion", rs_model_substrate, diffusion, 0, 0, "a diffusion coefficient",
           "um^2/min"),
    NUM_GE("decay", rs_model_substrate, decay, 0, 0, "a decay rate", "1/min"),
    {.key = "boundary", .kind = FK_BOUNDARY, .off = offsetof(rs_model_substrate, bc),
     .off_n = offsetof(rs_model_substrate, bc_pos), .def_str = "neumann",
     .what = "neumann, {dirichlet: VALUE}, or a mapping of faces (all, xmin, xmax, ymin, "
             "ymax, zmin, zmax) to those"},
    {.key = "initial", .kind = FK_VARYING, .off = offsetof(rs_model_substrate, initial),
     .def = 0, .what = "an initial concentration (a number or an expression of x, y, z)"},
    EXPR("reaction", rs_model_substrate, reaction, NULL, EC_REACTION,
         "a reaction rate expression", "concentration/min"),
    {.key = "units", .kind = FK_STRING, .off = offsetof(rs_model_substrate, units),
     .def_str = "a.u.", .what = "the concentration's units (text)"},
    {.key = "save", .kind = FK_BOOL, .off = offsetof(rs_model_substrate, save), .def = 1,
     .what = "whether snapshots save it (true or false)"},
};
static const struct_desc substrate_desc = DESC("substrate", rs_model_substrate, 0,
                                               substrate_fields);

/* --- cell types --------------------------------------------------------------- */
static const field_desc motility_fields[] = {
    NUM_GE("speed", rs_model_motility, speed, 0, 0, "a speed", "um/min"),
    NUM_GT("persistence", rs_model_motility, persistence, 1, 0, "a persistence time",
           "min"),
    {.key = "chemotaxis", .kind = FK_DICT, .off = offsetof(rs_model_motility, chemotaxis),
     .off_n = offsetof(rs_model_motility, nchemotaxis), .sub = &chemotaxis_desc,
     .what = "a mapping of substrate names to sensitivities"},
    EXPR("speed_factor", rs_model_motility, speed_factor, NULL, EC_CELL,
         "a speed multiplier (a cell rule; values below 0 count as 0)", NULL),
    EXPR("chemotaxis_factor", rs_model_motility, chemotaxis_factor, NULL, EC_CELL,
         "a sensitivity multiplier (a cell rule, clamped to 0..1)", NULL),
};
static const struct_desc motility_desc = DESC("motility", rs_model_motility, 0,
                                              motility_fields);

static const field_desc mechanics_fields[] = {
    NUM_GE("repulsion", rs_model_mechanics, repulsion, 10, 0, "a repulsion strength",
           "um/min"),
    NUM_GE("adhesion", rs_model_mechanics, adhesion, 0.4, 0, "an adhesion strength",
           "um/min"),
    NUM_GE("adhesion_range", rs_model_mechanics, adhesion_range, 1.25, 1,
           "an adhesion range (multiple of the radius)", NULL),
};
static const struct_desc mechanics_desc = DESC("mechanics", rs_model_mechanics, 0,
                                               mechanics_fields);

static const field_desc state_fields[] = {
    {.key = "initial", .kind = FK_NUMBER, .off = offsetof(rs_model_state, initial), .def = 0,
     .what = "an initial value"},
    EXPR("rate", rs_model_state, rate, "0", EC_CELL, "a rate of change expression",
         "per min"),
};
static const struct_desc state_desc = DESC("state", rs_model_state, 0, state_fields);

static const field_desc deposit_fields[] = {
    {.key = "amount", .kind = FK_NUMBER, .off = offsetof(rs_model_named_number, value),
     .required = 1, .range = R_MIN, .min = 0, .what = "an amount left in the field at death",
     .unit = "amount per cell (concentration x um^3; x um^2 in 2D)"},
};
static const struct_desc deposit_desc = DESC("death deposit", rs_model_named_number, 1,
                                             deposit_fields);

static const field_desc exchange_fields[] = {
    {.key = "rate", .kind = FK_NUMBER, .off = offsetof(rs_model_named_number, value),
     .required = 1, .range = R_MIN, .min = 0,
     .what = "an exchange rate with touching cells", .unit = "1/min"},
};
static const struct_desc exchange_desc = DESC("exchange", rs_model_named_number, 1,
                                              exchange_fields);

static const field_desc engulf_fields[] = {
    {.key = "rate", .kind = FK_NUMBER, .off = offsetof(rs_model_named_number, value),
     .required = 1, .range = R_MIN, .min = 0,
     .what = "a rate of engulfing a touching dead cell", .unit = "1/min"},
};
static const struct_desc engulf_desc = DESC("engulfment", rs_model_named_number, 1,
                                            engulf_fields);

static const field_desc contact_fields[] = {
    {.key = "exchange", .kind = FK_DICT, .off = offsetof(rs_model_contact, exchange),
     .off_n = offsetof(rs_model_contact, nexchange), .sub = &exchange_desc,
     .what = "a mapping of the type's state names to exchange rates"},
    {.key = "engulfs", .kind = FK_DICT, .off = offsetof(rs_model_contact, engulfs),
     .off_n = offsetof(rs_model_contact, nengulfs), .sub = &engulf_desc,
     .what = "a mapping of cell type names to engulfment rates"},
};
static const struct_desc contact_desc = DESC("contact", rs_model_contact, 0, contact_fields);

static const field_desc cell_type_fields[] = {
    {.key = "radius", .kind = FK_NUMBER, .off = offsetof(rs_model_cell_type, radius),
     .def = 5, .range = R_MIN | R_MIN_OPEN | R_MAX, .min = 0, .max = 1000,
     .what = "a cell radius", .unit = "um"},
    {.key = "fixed", .kind = FK_BOOL, .off = offsetof(rs_model_cell_type, fixed), .def = 0,
     .what = "true or false"},
    {.key = "motility", .kind = FK_STRUCT, .off = offsetof(rs_model_cell_type, motility),
     .sub = &motility_desc, .what = "a mapping of speed, persistence, chemotaxis"},
    {.key = "secretes", .kind = FK_DICT, .off = offsetof(rs_model_cell_type, secretes),
     .off_n = offsetof(rs_model_cell_type, nsecretes), .sub = &secrete_desc,
     .what = "a mapping of substrate names to secretion rates"},
    {.key = "uptakes", .kind = FK_DICT, .off = offsetof(rs_model_cell_type, uptakes),
     .off_n = offsetof(rs_model_cell_type, nuptakes), .sub = &uptake_desc,
     .what = "a mapping of substrate names to uptake rates"},
    EXPR("cycle", rs_model_cell_type, cycle, "0", EC_CELL, "a division rate", "1/min"),
    EXPR("apoptosis", rs_model_cell_type, apoptosis, "0", EC_CELL, "an apoptosis rate",
         "1/min"),
    EXPR("necrosis", rs_model_cell_type, necrosis, "0", EC_CELL, "a necrosis rate",
         "1/min"),
    {.key = "transitions", .kind = FK_DICT, .off = offsetof(rs_model_cell_type, transitions),
     .off_n = offsetof(rs_model_cell_type, ntransitions), .sub = &transition_desc,
     .what = "a mapping of cell type names to rate expressions"},
    {.key = "states", .kind = FK_DICT, .off = offsetof(rs_model_cell_type, states),
     .off_n = offsetof(rs_model_cell_type, nstates), .sub = &state_desc,
     .what = "a mapping of state names to {initial, rate}"},
    {.key = "mechanics", .kind = FK_STRUCT, .off = offsetof(rs_model_cell_type, mechanics),
     .sub = &mechanics_desc, .what = "a mapping of repulsion, adhesion, adhesion_range"},
    NUM_GT("growth_time", rs_model_cell_type, growth_time, 600, 0,
           "a growth time (a daughter's volume relaxes to the type's)", "min"),
    NUM_GE("clearance_time", rs_model_cell_type, clearance_time, 0, 0,
           "a clearance time (how long a dead cell stays)", "min"),
    {.key = "death_deposit", .kind = FK_DICT,
     .off = offsetof(rs_model_cell_type, death_deposits),
     .off_n = offsetof(rs_model_cell_type, ndeath_deposits), .sub = &deposit_desc,
     .what = "a mapping of substrate names to amounts left at death"},
    {.key = "contact", .kind = FK_STRUCT, .off = offsetof(rs_model_cell_type, contact),
     .sub = &contact_desc, .what = "a mapping of exchange, engulfs"},
};
static const struct_desc cell_type_desc = DESC("cell type", rs_model_cell_type, 0,
                                               cell_type_fields);

/* --- initial conditions and interventions ------------------------------------ */
#define REGION(T, m) REGION_AT(offsetof(T, m))
#define REGION_IN(T, sub) REGION_AT(offsetof(T, sub.region) - offsetof(T, sub))
#define REGION_AT(o) \
    {.key = "region", .kind = FK_REGION, .off = o, .def_str = "all", \
     .what = "a region: all, {disk: ...}, {sphere: ...}, {box: ...}, {annulus: ...}, " \
             "{shell: ...}, {union: [...]} or {difference: [A, B]}"}

static const field_desc initial_fields[] = {
    {.key = "cells", .kind = FK_STRING, .off = offsetof(rs_model_initial, cells),
     .optional = 1, .what = "a cell type name"},
    {.key = "field", .kind = FK_STRING, .off = offsetof(rs_model_initial, field),
     .optional = 1, .what = "a substrate name"},
    {.key = "count", .kind = FK_INT, .off = offsetof(rs_model_initial, count), .optional = 1,
     .range = R_MIN | R_MAX, .min = 0, .max = 1e9, .what = "a number of cells"},
    {.key = "density", .kind = FK_NUMBER, .off = offsetof(rs_model_initial, density),
     .optional = 1, .range = R_MIN, .min = 0, .what = "a cell density",
     .unit = "cells/um^2 in 2D, cells/um^3 in 3D"},
    NUM_GE("spacing", rs_model_initial, spacing, 0, 0,
           "a minimum distance between the centres of the cells placed", "um"),
    {.key = "value", .kind = FK_VARYING, .off = offsetof(rs_model_initial, value),
     .optional = 1, .what = "a concentration (a number or an expression of x, y, z)"},
    REGION(rs_model_initial, region),
};
static const struct_desc initial_desc = {"initial condition", sizeof(rs_model_initial), 0,
                                         COUNT(initial_fields), initial_fields, 1,
                                         offsetof(rs_model_initial, pos)};

typedef rs_model_intervention iv;
static const field_desc inject_fields[] = {
    {.key = "cells", .kind = FK_STRING, .off = offsetof(iv, inject.cells) - offsetof(iv, inject),
     .required = 1, .what = "a cell type name"},
    {.key = "count", .kind = FK_INT, .off = offsetof(iv, inject.count) - offsetof(iv, inject),
     .optional = 1, .range = R_MIN | R_MAX, .min = 0, .max = 1e9, .what = "a number of cells"},
    {.key = "density", .kind = FK_NUMBER,
     .off = offsetof(iv, inject.density) - offsetof(iv, inject), .optional = 1,
     .range = R_MIN, .min = 0, .what = "a cell density",
     .unit = "cells/um^2 in 2D, cells/um^3 in 3D"},
    {.key = "spacing", .kind = FK_NUMBER,
     .off = offsetof(iv, inject.spacing) - offsetof(iv, inject), .def = 0, .range = R_MIN,
     .min = 0, .what = "a minimum distance between the centres of the cells placed",
     .unit = "um"},
    REGION_IN(iv, inject) ,
};
static const field_desc set_fields[] = {
    {.key = "parameter", .kind = FK_STRING, .off = offsetof(iv, set.parameter) - offsetof(iv, set),
     .required = 1, .what = "a parameter name"},
    {.key = "value", .kind = FK_NUMBER, .off = offsetof(iv, set.value) - offsetof(iv, set),
     .required = 1, .what = "the parameter's new value"},
};
static const field_desc source_fields[] = {
    {.key = "field", .kind = FK_STRING, .off = offsetof(iv, source.field) - offsetof(iv, source),
     .required = 1, .what = "a substrate name"},
    {.key = "rate", .kind = FK_NUMBER, .off = offsetof(iv, source.rate) - offsetof(iv, source),
     .required = 1, .range = R_MIN, .min = 0, .what = "a source rate",
     .unit = "concentration/min"},
    {.key = "until", .kind = FK_NUMBER, .off = offsetof(iv, source.until) - offsetof(iv, source),
     .def = 0, .range = R_MIN, .min = 0, .what = "a stop time (0: never)", .unit = "min"},
    REGION_IN(iv, source),
};
static const field_desc remove_fields[] = {
    {.key = "cells", .kind = FK_STRING, .off = offsetof(iv, remove.cells) - offsetof(iv, remove),
     .required = 1, .what = "a cell type name"},
    {.key = "fraction", .kind = FK_NUMBER,
     .off = offsetof(iv, remove.fraction) - offsetof(iv, remove), .required = 1,
     .range = R_MIN | R_MAX, .min = 0, .max = 1, .what = "a fraction of the cells"},
    REGION_IN(iv, remove),
};
#undef REGION
#undef REGION_IN
#undef REGION_AT
#define SUBDESC(nm, m, arr) {nm, sizeof(((iv *)0)->m), 0, COUNT(arr), arr, 0, 0}
static const struct_desc inject_desc = SUBDESC("inject", inject, inject_fields);
static const struct_desc set_desc = SUBDESC("set", set, set_fields);
static const struct_desc source_desc = SUBDESC("source", source, source_fields);
static const struct_desc remove_desc = SUBDESC("remove", remove, remove_fields);

static const field_desc intervention_fields[] = {
    {.key = "at", .kind = FK_NUMBER, .off = offsetof(iv, at), .required = 1, .range = R_MIN,
     .min = 0, .what = "a time", .unit = "min"},
    {.key = "inject", .kind = FK_STRUCT, .off = offsetof(iv, inject), .optional = 1,
     .sub = &inject_desc, .what = "{cells, count or density, region}"},
    {.key = "set", .kind = FK_STRUCT, .off = offsetof(iv, set), .optional = 1,
     .sub = &set_desc, .what = "{parameter, value}"},
    {.key = "source", .kind = FK_STRUCT, .off = offsetof(iv, source), .optional = 1,
     .sub = &source_desc, .what = "{field, rate, until, region}"},
    {.key = "remove", .kind = FK_STRUCT, .off = offsetof(iv, remove), .optional = 1,
     .sub = &remove_desc, .what = "{cells, fraction, region}"},
};
static const struct_desc intervention_desc = {"intervention", sizeof(iv), 0,
                                              COUNT(intervention_fields), intervention_fields,
                                              1, offsetof(iv, pos)};

/* --- the top level ----------------------------------------------------------- */
typedef rs_model M;
static const field_desc domain_fields[] = {
    {.key = "size", .kind = FK_VECTOR, .off = offsetof(M, domain.size) - offsetof(M, domain),
     .off_n = offsetof(M, domain.nsize) - offsetof(M, domain), .required = 1,
     .range = R_MIN | R_MIN_OPEN | R_MAX, .min = 0, .max = 1e7,
     .what = "2 sizes (2D) or 3 (3D), each", .unit = "um"},
    {.key = "dx", .kind = FK_NUMBER, .off = offsetof(M, domain.dx) - offsetof(M, domain),
     .def = 10, .range = R_MIN | R_MIN_OPEN, .min = 0, .what = "a voxel size", .unit = "um"},
};
static const struct_desc domain_desc = {"domain", sizeof(((M *)0)->domain), 0,
                                        COUNT(domain_fields), domain_fields, 0, 0};

#define TOFF(m) (offsetof(M, time.m) - offsetof(M, time))
#define DTOFF(m) (offsetof(M, time.dt.m) - offsetof(M, time.dt))
static const field_desc dt_fields[] = {
    {.key = "diffusion", .kind = FK_NUMBER, .off = DTOFF(diffusion), .def = 0.1,
     .range = R_MIN | R_MIN_OPEN, .min = 0, .what = "a time step", .unit = "min"},
    {.key = "mechanics", .kind = FK_NUMBER, .off = DTOFF(mechanics), .def = 0.1,
     .range = R_MIN | R_MIN_OPEN, .min = 0, .what = "a time step", .unit = "min"},
    {.key = "phenotype", .kind = FK_NUMBER, .off = DTOFF(phenotype), .def = 6,
     .range = R_MIN | R_MIN_OPEN, .min = 0, .what = "a time step", .unit = "min"},
    {.key = "reaction", .kind = FK_NUMBER, .off = DTOFF(reaction), .def = 0,
     .range = R_MIN, .min = 0,
     .what = "a reaction sub-step <= dt.diffusion (0: one per diffusion step)", .unit = "min"},
};
static const struct_desc dt_desc = {"dt", sizeof(((M *)0)->time.dt), 0, COUNT(dt_fields),
                                    dt_fields, 0, 0};
static const field_desc time_fields[] = {
    {.key = "end", .kind = FK_NUMBER, .off = TOFF(end), .required = 1,
     .range = R_MIN | R_MAX, .min = 0, .max = 1e9, .what = "an end time", .unit = "min"},
    {.key = "dt", .kind = FK_STRUCT, .off = TOFF(dt), .sub = &dt_desc,
     .what = "a mapping of diffusion, mechanics, phenotype, reaction time steps"},
    {.key = "save_every", .kind = FK_NUMBER, .off = TOFF(save_every), .def = 0,
     .range = R_MIN, .min = 0, .what = "a snapshot interval (0: the initial and final states only)",
     .unit = "min"},
    {.key = "checkpoint_every", .kind = FK_NUMBER, .off = TOFF(checkpoint_every), .def = 0,
     .range = R_MIN, .min = 0, .what = "a checkpoint interval (0: never)", .unit = "min"},
    {.key = "metrics_every", .kind = FK_NUMBER, .off = TOFF(metrics_every), .def = 0,
     .range = R_MIN, .min = 0,
     .what = "a metrics interval (0: every phenotype step)", .unit = "min"},
};
static const struct_desc time_desc = {"time", sizeof(((M *)0)->time), 0, COUNT(time_fields),
                                      time_fields, 0, 0};

static const field_desc solver_option_fields[] = {
    {.key = "time_order", .kind = FK_INT,
     .off = offsetof(M, solver_options.time_order) - offsetof(M, solver_options), .def = 1,
     .range = R_MIN | R_MAX, .min = 1, .max = 2,
     .what = "the lod solver's time order (1 backward Euler, 2 Crank-Nicolson)"},
};
static const struct_desc solver_option_desc = {"solver_options",
                                               sizeof(((M *)0)->solver_options), 0,
                                               COUNT(solver_option_fields),
                                               solver_option_fields, 0, 0};

static const char *const precision_choices[] = {"float64", "float32", NULL};
static const char *const compression_choices[] = {"deflate", "none", NULL};
#define OOFF(m) (offsetof(M, output.m) - offsetof(M, output))
static const field_desc output_fields[] = {
    {.key = "precision", .kind = FK_ENUM, .off = OOFF(precision), .def_str = "float64",
     .choices = precision_choices, .what = "the snapshots' precision"},
    {.key = "compression", .kind = FK_ENUM, .off = OOFF(compression), .def_str = "deflate",
     .choices = compression_choices, .what = "the snapshots' compression"},
    {.key = "level", .kind = FK_INT, .off = OOFF(level), .def = 1, .range = R_MIN | R_MAX,
     .min = 1, .max = 9, .what = "a deflate level (1 fastest, 9 smallest)"},
};
static const struct_desc output_desc = {"output", sizeof(((M *)0)->output), 0,
                                        COUNT(output_fields), output_fields, 0, 0};

static const field_desc top_fields[] = {
    {.key = "regensim", .kind = FK_INT, .off = offsetof(M, format), .required = 1,
     .literal = 1, .what = "the model format version 1"},
    {.key = "name", .kind = FK_STRING, .off = offsetof(M, name), .def_str = "model",
     .what = "a model name"},
    {.key = "domain", .kind = FK_STRUCT, .off = offsetof(M, domain), .required = 1,
     .sub = &domain_desc, .what = "a mapping of size and dx"},
    {.key = "time", .kind = FK_STRUCT, .off = offsetof(M, time), .required = 1,
     .sub = &time_desc, .what = "a mapping of end, dt, save_every, checkpoint_every, metrics_every"},
    {.key = "solver", .kind = FK_ENUM, .off = offsetof(M, solver), .def_str = "lod",
     .choices = solver_choices, .what = "a diffusion solver"},
    {.key = "solver_options", .kind = FK_STRUCT, .off = offsetof(M, solver_options),
     .sub = &solver_option_desc, .what = "a mapping of time_order"},
    {.key = "output", .kind = FK_STRUCT, .off = offsetof(M, output), .sub = &output_desc,
     .what = "a mapping of precision, compression, level"},
    {.key = "seed", .kind = FK_INT, .off = offsetof(M, seed), .def = 1,
     .range = R_MIN | R_MAX, .min = 0, .max = 1e15,
     .what = "a random seed (a whole number)"},
    {.key = "parameters", .kind = FK_DICT, .off = offsetof(M, parameters),
     .off_n = offsetof(M, nparameters), .sub = &parameter_desc,
     .what = "a mapping of parameter names to numbers"},
    {.key = "substrates", .kind = FK_DICT, .off = offsetof(M, substrates),
     .off_n = offsetof(M, nsubstrates), .sub = &substrate_desc,
     .what = "a mapping of substrate names to their settings"},
    {.key = "cell_types", .kind = FK_DICT, .off = offsetof(M, cell_types),
     .off_n = offsetof(M, ncell_types), .sub = &cell_type_desc,
     .what = "a mapping of cell type names to their settings"},
    {.key = "initial", .kind = FK_LIST, .off = offsetof(M, initial),
     .off_n = offsetof(M, ninitial), .sub = &initial_desc,
     .what = "a list of initial conditions"},
    {.key = "interventions", .kind = FK_LIST, .off = offsetof(M, interventions),
     .off_n = offsetof(M, ninterventions), .sub = &intervention_desc,
     .what = "a list of interventions"},
    {.key = "metrics", .kind = FK_DICT, .off = offsetof(M, metrics),
     .off_n = offsetof(M, nmetrics), .sub = &metric_desc,
     .what = "a mapping of metric names to expressions"},
};
const struct_desc rs_model_schema_top = {"model", sizeof(M), 0, COUNT(top_fields), top_fields,
                                       0, 0};

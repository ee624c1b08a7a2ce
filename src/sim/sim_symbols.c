/* sim_symbols.c: expression symbol tables built from a model: the names of
 * its parameters, substrates, cell types and their state variables, in
 * model order, as the expression compiler wants them. The strings are the
 * model's own (borrowed); the arrays are owned here. */
#include <stdlib.h>
#include <string.h>

#include "sim/process.h"
#include "sim/sim_impl.h"

/* Frees the arrays; safe on a zeroed or partly filled table. */
void rs_sim_symbols_free(rs_sim_symbols *sy)
{
    if (!sy) return;
    if (sy->type_states)
        for (int i = 0; i < sy->ntypes; i++) free(sy->type_states[i]);
    free(sy->type_states);
    free(sy->type_nstates);
    free(sy->types);
    free(sy->substrates);
    free(sy->params);
    memset(sy, 0, sizeof *sy);
}

/* Fills sy from m. */
rs_status rs_sim_symbols_init(rs_sim_symbols *sy, const rs_model *m)
{
    memset(sy, 0, sizeof *sy);
    int np = m->nparameters, ns = m->nsubstrates, nt = m->ncell_types;
    sy->ntypes = nt;
    sy->params = calloc((size_t)np + 1, sizeof *sy->params);
    sy->substrates = calloc((size_t)ns + 1, sizeof *sy->substrates);
    sy->types = calloc((size_t)nt + 1, sizeof *sy->types);
    sy->type_nstates = calloc((size_t)nt + 1, sizeof *sy->type_nstates);
    sy->type_states = calloc((size_t)nt + 1, sizeof *sy->type_states);
    if (!sy->params || !sy->substrates || !sy->types || !sy->type_nstates ||
        !sy->type_states) {
        rs_sim_symbols_free(sy);
        return RS_ENOMEM;
    }
    for (int i = 0; i < np; i++) sy->params[i] = m->parameters[i].name;
    for (int i = 0; i < ns; i++) sy->substrates[i] = m->substrates[i].name;
    for (int i = 0; i < nt; i++) {
        const rs_model_cell_type *ct = &m->cell_types[i];
        sy->types[i] = ct->name;
        sy->type_nstates[i] = ct->nstates;
        sy->type_states[i] = calloc((size_t)ct->nstates + 1, sizeof(char *));
        if (!sy->type_states[i]) {
            rs_sim_symbols_free(sy);
            return RS_ENOMEM;
        }
        for (int k = 0; k < ct->nstates; k++) sy->type_states[i][k] = ct->states[k].name;
    }
    return RS_OK;
}

/* A symbol table over sy (cell types only when aggregates are allowed). */
rs_expr_symbols rs_sim_symbols_table(const rs_sim_symbols *sy, const rs_model *m,
                                     const double *values, unsigned allow)
{
    rs_expr_symbols t;
    memset(&t, 0, sizeof t);
    t.nparameters = m->nparameters;
    t.parameter_names = sy->params;
    t.parameter_values = values;
    t.nsubstrates = m->nsubstrates;
    t.substrate_names = sy->substrates;
    if (allow & RS_EXPR_ALLOW_AGGREGATES) {
        t.ncell_types = m->ncell_types;
        t.cell_type_names = sy->types;
        t.cell_type_nstates = sy->type_nstates;
        t.cell_type_state_names = (const char *const *const *)sy->type_states;
    }
    t.allow = allow;
    return t;
}

/* Compiles a model number's expression (of parameters only) against the
 * current parameters into *e (NULL for a plain number). */
static rs_status number_compile(const rs_sim_state *st, const rs_model_number *num, rs_expr **e,
                                rs_error *err)
{
    *e = NULL;
    if (!num->expr) return RS_OK;
    rs_expr_symbols sym = rs_sim_symbols_table(&st->sy, st->m, st->params, 0);
    return rs_expr_compile(e, num->expr, &sym, err);
}

rs_status rs_sim_number_now(const rs_sim_state *st, const rs_model_number *num, double *out,
                            rs_error *err)
{
    rs_expr *e;
    rs_status s = number_compile(st, num, &e, err);
    if (s != RS_OK) return s;
    *out = e ? rs_expr_constant(e) : num->value;
    rs_expr_destroy(e);
    return RS_OK;
}

int rs_sim_number_uses(const rs_sim_state *st, const rs_model_number *num, int p)
{
    rs_expr *e;
    rs_error err;
    rs_error_clear(&err);
    /* The loader compiled the same text against the same names: a failure
     * here can only be out of memory, when "uses" is the safe answer. */
    if (number_compile(st, num, &e, &err) != RS_OK) return 1;
    int uses = e ? rs_expr_uses_parameter(e, p) : 0;
    rs_expr_destroy(e);
    return uses;
}

/* expr_compile.c: rs_expr_compile and the queries on a compiled expression
 * (see regensim/expr.h). After lexing and parsing (expr_lexer.c,
 * expr_parser.c) it folds constants and emits bytecode for the block
 * evaluator (expr_eval.c).
 *
 * Folding is structural: a subtree is constant when it depends only on
 * numbers and parameters, whatever their values, and each largest constant
 * subtree becomes one entry of the constant pool. The tree is kept, so
 * rs_expr_rebind recomputes the pool from new parameter values without
 * touching the code. Binary operations with one constant operand and
 * ternary ones with two take them straight from the pool (no push), which
 * keeps the common reaction forms to few passes over a block.
 *
 * The tree's array order is a post-order (expr_impl.h), so marking what to
 * emit is one loop from the root down and emitting is one loop up: the
 * compiler never recurses. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expr/expr_impl.h"
#include "expr/expr_math.h"

/* How a node is emitted. */
enum {
    EMIT_NONE = 0, /* not part of the code (folded into a parent, or unused) */
    EMIT_PENDING,  /* reached from the root; its form is decided when visited */
    EMIT_CONST,
    EMIT_LEAF,
    EMIT_CALL,
    EMIT_CALL_RK,
    EMIT_CALL_LK,
    EMIT_CALL_KK
};

/* Frees everything (NULL allowed); also used on half-built expressions. */
void rs_expr_destroy(rs_expr *e)
{
    if (!e) return;
    free(e->code);
    free(e->pool);
    free(e->pool_node);
    free(e->nodes);
    free(e->value);
    free(e->params);
    free(e->aggs);
    free(e->agg_pnode);
    free(e->uses_substrate);
    free(e->uses_state);
    free(e->uses_gradient);
    free(e);
}

/* Forward over the nodes: kids are computed before their parents. */
void rs_expr_refold(rs_expr *e)
{
    for (int i = 0; i < e->nnodes; i++) {
        const rs_expr_node *n = &e->nodes[i];
        if (!n->constant) continue;
        double v = 0.0;
        if (n->kind == RS_NODE_NUM) {
            v = n->value;
        } else if (n->kind == RS_NODE_PARAM) {
            v = e->params[n->index];
        } else {
            double a[3] = {0.0, 0.0, 0.0};
            for (int k = 0; k < n->nkids; k++) a[k] = e->value[n->kid[k]];
            v = rs_expr_apply(n->fn, a[0], a[1], a[2]);
        }
        e->value[i] = v;
    }
    for (int i = 0; i < e->npool; i++) e->pool[i] = e->value[e->pool_node[i]];
    for (int i = 0; i < e->naggs; i++)
        for (int j = 0; j < rs_region_nnumbers(&e->aggs[i].region); j++)
            *rs_region_number(&e->aggs[i].region, j) = e->value[e->agg_pnode[i][j]];
    if (e->is_constant) e->constant = e->value[e->root];
}

/* Refuses symbol tables whose counts and arrays disagree (a caller's bug,
 * so no column). */
static rs_status check_symbols(const rs_expr_symbols *s, rs_error *err)
{
    if (s->nparameters < 0 || s->nsubstrates < 0 || s->nstates < 0 || s->ncell_types < 0)
        return rs_error_set(err, RS_EINVAL,
                            "expression symbol table: negative count (parameters %d, "
                            "substrates %d, states %d, cell types %d)",
                            s->nparameters, s->nsubstrates, s->nstates, s->ncell_types);
    if (s->nparameters > 0 && (!s->parameter_names || !s->parameter_values))
        return rs_error_set(err, RS_EINVAL,
                            "expression symbol table: %d parameters but no names or values",
                            s->nparameters);
    if ((s->nsubstrates > 0 && !s->substrate_names) || (s->nstates > 0 && !s->state_names) ||
        (s->ncell_types > 0 && !s->cell_type_names))
        return rs_error_set(err, RS_EINVAL,
                            "expression symbol table: a count of substrates, states or cell "
                            "types without its names");
    return RS_OK;
}

/* Marks what to emit, from the root down (kids have smaller indices), and
 * returns the number of pool entries the code needs. */
static int plan_code(const rs_expr *e, unsigned char *emit)
{
    int npool = 0;
    memset(emit, EMIT_NONE, (size_t)e->nnodes);
    emit[e->root] = EMIT_PENDING;
    for (int i = e->root; i >= 0; i--) {
        if (!emit[i]) continue;
        const rs_expr_node *n = &e->nodes[i];
        if (n->constant) {
            emit[i] = EMIT_CONST;
            npool++;
            continue;
        }
        if (n->kind != RS_NODE_OP) {
            emit[i] = EMIT_LEAF;
            continue;
        }
        int nconst = 0, var = -1;
        for (int k = 0; k < n->nkids; k++) {
            if (e->nodes[n->kid[k]].constant) nconst++;
            else var = k;
        }
        if (n->nkids == 2 && nconst == 1) {
            emit[i] = var == 0 ? EMIT_CALL_RK : EMIT_CALL_LK;
        } else if (n->nkids == 3 && nconst == 2) {
            emit[i] = EMIT_CALL_KK;
        } else {
            emit[i] = EMIT_CALL;
            var = -1;
        }
        npool += n->nkids > 1 && var >= 0 ? n->nkids - 1 : 0;
        for (int k = 0; k < n->nkids; k++)
            if (var < 0 || k == var) emit[n->kid[k]] = EMIT_PENDING;
    }
    return npool;
}

/* A new pool entry holding the value of node; its index. */
static int add_pool(rs_expr *e, int node)
{
    e->pool_node[e->npool] = node;
    return e->npool++;
}

/* Emits the marked nodes in array (post-)order and computes the stack
 * depth; refuses code deeper than RS_EXPR_MAX_DEPTH. */
static rs_status emit_code(rs_expr *e, const unsigned char *emit, rs_error *err)
{
    int sp = 0, deepest_col = 1;
    e->max_depth = 0;
    for (int i = 0; i < e->nnodes; i++) {
        if (!emit[i]) continue;
        const rs_expr_node *n = &e->nodes[i];
        rs_expr_instr *ins = &e->code[e->ncode++];
        memset(ins, 0, sizeof *ins);
        ins->fn = n->fn;
        switch (emit[i]) {
        case EMIT_CONST:
            ins->op = RS_OP_CONST;
            ins->a = add_pool(e, i);
            sp++;
            break;
        case EMIT_LEAF:
            ins->a = n->index;
            ins->op = n->kind == RS_NODE_SUBST   ? RS_OP_SUBST
                      : n->kind == RS_NODE_STATE ? RS_OP_STATE
                      : n->kind == RS_NODE_POS   ? RS_OP_POS
                      : n->kind == RS_NODE_TIME  ? RS_OP_TIME
                      : n->kind == RS_NODE_CELL  ? RS_OP_CELL
                      : n->kind == RS_NODE_GRAD  ? RS_OP_GRAD
                                                 : RS_OP_AGG;
            sp++;
            break;
        case EMIT_CALL:
            ins->op = RS_OP_CALL;
            sp -= n->nkids - 1;
            break;
        case EMIT_CALL_RK:
            ins->op = RS_OP_CALL_RK;
            ins->a = add_pool(e, n->kid[1]);
            break;
        case EMIT_CALL_LK:
            ins->op = RS_OP_CALL_LK;
            ins->a = add_pool(e, n->kid[0]);
            break;
        default: /* EMIT_CALL_KK */
            ins->op = RS_OP_CALL_KK;
            ins->a = -1;
            for (int k = 0; k < 3; k++) {
                if (!e->nodes[n->kid[k]].constant) {
                    ins->b = (unsigned short)k;
                } else {
                    int j = add_pool(e, n->kid[k]);
                    if (ins->a < 0) ins->a = j;
                }
            }
            break;
        }
        if (sp > e->max_depth) {
            e->max_depth = sp;
            if (sp == RS_EXPR_MAX_DEPTH + 1) deepest_col = n->col;
        }
    }
    if (e->max_depth > RS_EXPR_MAX_DEPTH)
        return rs_error_set_at(err, RS_EINVAL, NULL, 1, deepest_col,
                               "expression too deeply nested to evaluate: it needs a stack of "
                               "%d values, more than the limit of %d (nest less on the right, "
                               "e.g. (a + b) + c rather than a + (b + c))",
                               e->max_depth, RS_EXPR_MAX_DEPTH);
    return RS_OK;
}

/* Checks the (folded) region of each aggregate: finite values, radii >= 0,
 * ordered bounds. */
static rs_status check_regions(const rs_expr *e, const rs_expr_tree *t, rs_error *err)
{
    for (int i = 0; i < e->naggs; i++) {
        const rs_region *r = &e->aggs[i].region;
        const int col = t->aggs[i].col;
        const char *name = rs_region_kind_name(r->kind);
        for (int j = 0; j < rs_region_nnumbers(r); j++)
            if (!isfinite(rs_region_value(r, j)))
                return rs_error_set_at(err, RS_EINVAL, NULL, 1, col,
                                       "'%s': argument %d is %g; expected a finite number (um)",
                                       name, j + 1, rs_region_value(r, j));
        double rin = 0.0, rout = 0.0;
        switch (r->kind) {
        case RS_REGION_DISK:
        case RS_REGION_SPHERE: rout = r->radius; break;
        case RS_REGION_ANNULUS:
        case RS_REGION_SHELL:
            rin = r->inner;
            rout = r->outer;
            break;
        case RS_REGION_BOX:
            for (int j = 0; j < r->ncoords; j++)
                if (r->lo[j] > r->hi[j])
                    return rs_error_set_at(err, RS_EINVAL, NULL, 1, col,
                                           "'box': the lower %c bound %g is above the upper "
                                           "bound %g (um)",
                                           "xyz"[j], r->lo[j], r->hi[j]);
            break;
        default: break; /* all (aggregates have no union or difference) */
        }
        if (rout < 0.0)
            return rs_error_set_at(err, RS_EINVAL, NULL, 1, col,
                                   "'%s': radius %g is negative; expected >= 0 (um)", name,
                                   rout);
        if (rin < 0.0 || rin > rout)
            return rs_error_set_at(err, RS_EINVAL, NULL, 1, col,
                                   "'%s': radii %g and %g; expected 0 <= inner <= outer (um)",
                                   name, rin, rout);
    }
    return RS_OK;
}

/* What the expression reads (constant subtrees read nothing). */
static void find_uses(rs_expr *e)
{
    for (int i = 0; i < e->nnodes; i++) {
        const rs_expr_node *n = &e->nodes[i];
        switch (n->kind) {
        case RS_NODE_SUBST:
            e->uses |= RS_EXPR_ALLOW_SUBSTRATES;
            e->uses_substrate[n->index] = 1;
            break;
        case RS_NODE_STATE:
            e->uses |= RS_EXPR_ALLOW_STATES;
            e->uses_state[n->index] = 1;
            break;
        case RS_NODE_POS: e->uses |= RS_EXPR_ALLOW_POSITION; break;
        case RS_NODE_TIME: e->uses |= RS_EXPR_ALLOW_TIME; break;
        case RS_NODE_CELL:
            e->uses |= RS_EXPR_ALLOW_CELL;
            e->uses_cell[n->index] = 1;
            break;
        case RS_NODE_GRAD:
            e->uses |= RS_EXPR_ALLOW_CELL;
            e->uses_gradient[n->index] = 1;
            break;
        case RS_NODE_AGG: e->uses |= RS_EXPR_ALLOW_AGGREGATES; break;
        default: break;
        }
    }
}

/* Builds the compiled expression from a parsed tree (taking its nodes). */
static rs_status build(rs_expr **out, rs_expr_tree *t, const rs_expr_symbols *sym,
                       rs_error *err)
{
    rs_expr *e = calloc(1, sizeof *e);
    unsigned char *emit = malloc((size_t)t->nnodes);
    if (!e || !emit) {
        free(e);
        free(emit);
        return rs_error_set(err, RS_ENOMEM, "out of memory compiling an expression");
    }
    e->nodes = t->nodes;
    t->nodes = NULL;
    e->nnodes = t->nnodes;
    e->root = t->root;
    for (int i = 0; i < e->nnodes; i++) {
        rs_expr_node *n = &e->nodes[i];
        n->constant = n->kind == RS_NODE_NUM || n->kind == RS_NODE_PARAM;
        if (n->kind == RS_NODE_OP) {
            n->constant = 1;
            for (int k = 0; k < n->nkids; k++) n->constant &= e->nodes[n->kid[k]].constant;
        }
    }
    e->is_constant = e->nodes[e->root].constant;
    const int npool = plan_code(e, emit);
    int ncode = 0;
    for (int i = 0; i < e->nnodes; i++) ncode += emit[i] != 0;
    e->nparams = sym->nparameters;
    e->nsubstrates = sym->nsubstrates;
    e->nstates = sym->nstates;
    e->naggs = t->naggs;
    e->code = malloc((size_t)ncode * sizeof *e->code);
    e->pool = malloc(((size_t)npool + 1) * sizeof *e->pool);
    e->pool_node = malloc(((size_t)npool + 1) * sizeof *e->pool_node);
    e->value = malloc((size_t)e->nnodes * sizeof *e->value);
    e->params = malloc(((size_t)e->nparams + 1) * sizeof *e->params);
    e->aggs = malloc(((size_t)e->naggs + 1) * sizeof *e->aggs);
    e->agg_pnode = malloc(((size_t)e->naggs + 1) * sizeof *e->agg_pnode);
    e->uses_substrate = calloc((size_t)e->nsubstrates + 1, 1);
    e->uses_state = calloc((size_t)e->nstates + 1, 1);
    e->uses_gradient = calloc((size_t)e->nsubstrates + 1, 1);
    if (!e->code || !e->pool || !e->pool_node || !e->value || !e->params || !e->aggs ||
        !e->agg_pnode || !e->uses_substrate || !e->uses_state || !e->uses_gradient) {
        free(emit);
        rs_expr_destroy(e);
        return rs_error_set(err, RS_ENOMEM, "out of memory compiling an expression");
    }
    if (e->nparams > 0)
        memcpy(e->params, sym->parameter_values, (size_t)e->nparams * sizeof *e->params);
    for (int i = 0; i < e->naggs; i++) {
        e->aggs[i] = t->aggs[i].agg;
        memcpy(e->agg_pnode[i], t->aggs[i].pnode, sizeof e->agg_pnode[i]);
    }
    rs_status st = emit_code(e, emit, err);
    free(emit);
    if (st == RS_OK) {
        rs_expr_refold(e);
        st = check_regions(e, t, err);
    }
    if (st != RS_OK) {
        rs_expr_destroy(e);
        return st;
    }
    find_uses(e);
    *out = e;
    return RS_OK;
}

/* Checks, lexes, parses and builds; the length is measured without reading
 * past the limit, so a huge text costs nothing. */
rs_status rs_expr_compile(rs_expr **out, const char *text, const rs_expr_symbols *sym,
                          rs_error *err)
{
    if (!out) return rs_error_set(err, RS_EINVAL, "rs_expr_compile: out is NULL");
    *out = NULL;
    if (!text) return rs_error_set(err, RS_EINVAL, "rs_expr_compile: text is NULL");
    rs_expr_symbols none;
    if (!sym) {
        memset(&none, 0, sizeof none);
        sym = &none;
    }
    rs_status st = check_symbols(sym, err);
    if (st != RS_OK) return st;
    int len = 0;
    while (len <= RS_EXPR_MAX_LENGTH && text[len]) len++;
    if (len > RS_EXPR_MAX_LENGTH)
        return rs_error_set_at(err, RS_EINVAL, NULL, 1, 1,
                               "expression too long: more than %d bytes", RS_EXPR_MAX_LENGTH);

    rs_expr_token *tok = NULL;
    int ntok = 0;
    st = rs_expr_lex(text, len, &tok, &ntok, err);
    if (st != RS_OK) return st;
    rs_expr_tree tree;
    st = rs_expr_parse(text, tok, ntok, sym, &tree, err);
    free(tok);
    if (st != RS_OK) return st;
    st = build(out, &tree, sym, err);
    free(tree.nodes);
    free(tree.aggs);
    return st;
}

/* New parameter values, refolded; the code is unchanged. */
void rs_expr_rebind(rs_expr *e, const double *parameter_values)
{
    if (!e || !parameter_values || e->nparams == 0) return;
    memcpy(e->params, parameter_values, (size_t)e->nparams * sizeof *e->params);
    rs_expr_refold(e);
}

/* The queries of expr.h; NULL and out-of-range arguments give 0 / NULL / NaN. */
int rs_expr_is_constant(const rs_expr *e) { return e ? e->is_constant : 0; }

double rs_expr_constant(const rs_expr *e) { return e && e->is_constant ? e->constant : NAN; }

unsigned rs_expr_uses(const rs_expr *e) { return e ? e->uses : 0u; }

/* The tree is kept for re-folding, so the parameters read are those of
 * its parameter nodes (a parameter folded away, as in 0*k, still counts:
 * re-binding it could change nothing, but asking costs no harm). */
int rs_expr_uses_parameter(const rs_expr *e, int p)
{
    if (!e || p < 0 || p >= e->nparams) return 0;
    for (int i = 0; i < e->nnodes; i++)
        if (e->nodes[i].kind == RS_NODE_PARAM && e->nodes[i].index == p) return 1;
    return 0;
}

int rs_expr_uses_substrate(const rs_expr *e, int s)
{
    return e && s >= 0 && s < e->nsubstrates ? e->uses_substrate[s] : 0;
}

int rs_expr_uses_state(const rs_expr *e, int v)
{
    return e && v >= 0 && v < e->nstates ? e->uses_state[v] : 0;
}

int rs_expr_uses_cell_input(const rs_expr *e, int k)
{
    return e && k >= 0 && k < RS_EXPR_NCELL_INPUTS ? e->uses_cell[k] : 0;
}

int rs_expr_uses_gradient(const rs_expr *e, int s)
{
    return e && s >= 0 && s < e->nsubstrates ? e->uses_gradient[s] : 0;
}

int rs_expr_naggregates(const rs_expr *e) { return e ? e->naggs : 0; }

const rs_expr_aggregate *rs_expr_aggregate_at(const rs_expr *e, int i)
{
    return e && i >= 0 && i < e->naggs ? &e->aggs[i] : NULL;
}

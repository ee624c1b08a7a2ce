/* expr_parser.c: recursive-descent parser from tokens (expr_lexer.c) to the
 * syntax tree that expr_compile.c folds and compiles. Names are resolved
 * here, against the symbol table and what it allows, so every error can
 * point at the token that caused it. Aggregates (mean, integral, max, min,
 * count, sum) and their regions are parsed into a de-duplicated list. The
 * per-cell inputs of cell rules are names (age, neighbours, volume,
 * radius: expr_names.c) and grad(S), a call whose one argument must be a
 * substrate name.
 *
 * Grammar, loosest first (all binary operators left-associative except ^):
 *   expr    = and { "||" and }
 *   and     = eq { "&&" eq }
 *   eq      = rel [ ("==" | "!=") rel ]          (not chained)
 *   rel     = add [ ("<" | "<=" | ">" | ">=") add ] (not chained)
 *   add     = mul { ("+" | "-") mul }
 *   mul     = unary { ("*" | "/") unary }
 *   unary   = ("-" | "!" | "+") unary | power
 *   power   = primary [ "^" unary ]              (so -x^2 = -(x^2), 2^3^2 = 2^9)
 *   primary = number | name | name "(" args ")" | "(" expr ")"
 * The parser recurses once per nesting level (parentheses, calls, unary
 * operators, exponents) and refuses more than RS_EXPR_MAX_NESTING levels,
 * so no input can exhaust the C stack. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr/expr_impl.h"

/* Longest piece of a token quoted in a message. */
#define QUOTE_MAX 64

typedef struct fn_info {
    const char *name;
    int fn, nargs;
    const char *args; /* for arity messages */
} fn_info;

static const fn_info functions[] = {
    {"if", RS_FN_IF, 3, "condition, then, else"},
    {"exp", RS_FN_EXP, 1, "x"},
    {"log", RS_FN_LOG, 1, "x"},
    {"sqrt", RS_FN_SQRT, 1, "x"},
    {"pow", RS_FN_POW, 2, "a, b"},
    {"min", RS_FN_MIN, 2, "a, b"},
    {"max", RS_FN_MAX, 2, "a, b"},
    {"abs", RS_FN_ABS, 1, "x"},
    {"hill", RS_FN_HILL, 3, "x, K, n"},
    {"step", RS_FN_STEP, 1, "x"},
    {"smoothstep", RS_FN_SMOOTHSTEP, 3, "e0, e1, x"},
    {"clamp", RS_FN_CLAMP, 3, "x, lo, hi"},
    {"sin", RS_FN_SIN, 1, "x"},
    {"cos", RS_FN_COS, 1, "x"},
    {"tanh", RS_FN_TANH, 1, "x"},
    {"floor", RS_FN_FLOOR, 1, "x"},
};
#define NFUNCTIONS ((int)(sizeof functions / sizeof functions[0]))

typedef struct agg_info {
    const char *name;
    rs_expr_agg_kind kind;
} agg_info;

static const agg_info aggregates[] = {
    {"mean", RS_AGG_MEAN}, {"integral", RS_AGG_INTEGRAL}, {"max", RS_AGG_MAX},
    {"min", RS_AGG_MIN},   {"count", RS_AGG_COUNT},       {"sum", RS_AGG_SUM},
};
#define NAGGREGATES ((int)(sizeof aggregates / sizeof aggregates[0]))

/* The regions an aggregate may take (names: rs_region_kind_name), by kind;
 * nargs 0 for the kinds that are not written as a call (all, union,
 * difference). */
typedef struct region_info {
    int nargs, nargs_alt; /* nargs_alt: 0, or the other accepted count (box) */
    const char *args;
} region_info;

static const region_info regions[RS_REGION_NKINDS] = {
    [RS_REGION_DISK] = {3, 0, "(cx, cy, r)"},
    [RS_REGION_SPHERE] = {4, 0, "(cx, cy, cz, r)"},
    [RS_REGION_BOX] = {4, 6, "(x0, y0, x1, y1) or 6 (x0, y0, z0, x1, y1, z1)"},
    [RS_REGION_ANNULUS] = {4, 0, "(cx, cy, r_inner, r_outer)"},
    [RS_REGION_SHELL] = {5, 0, "(cx, cy, cz, r_inner, r_outer)"},
};

/* The region kind an expression may call by the name text[0..len), or -1. */
static int region_call(const char *text, size_t len)
{
    int k = rs_region_kind_from_name(text, len);
    return k >= 0 && regions[k].nargs > 0 ? k : -1;
}

static const char *const builtin_names[] = {"t", "x", "y", "z", "pi", "e"};
#define NBUILTINS 6

/* What each built-in cell input is, for messages (RS_EXPR_CELL_* order). */
static const char *const cell_input_what[RS_EXPR_NCELL_INPUTS] = {
    [RS_EXPR_CELL_AGE] = "the cell's age (min since it was born or last divided)",
    [RS_EXPR_CELL_NEIGHBOURS] = "the number of cells touching the cell",
    [RS_EXPR_CELL_VOLUME] = "the cell's volume (um^3; um^2 in 2D)",
    [RS_EXPR_CELL_RADIUS] = "the cell's radius (um)",
};

/* The one function of a substrate that cell rules may call. */
#define GRAD_NAME "grad"

typedef struct parser {
    const char *text;
    const rs_expr_token *tok;
    int ntok, pos;
    const rs_expr_symbols *sym;
    unsigned allow;
    rs_expr_node *nodes;
    int nnodes, cap;
    rs_expr_agg_info *aggs;
    int naggs, aggcap;
    int depth;
    const char *const_owner; /* region whose (constant) arguments are parsed */
    rs_status status;        /* of the first failure */
    rs_error *err;
} parser;

/* What a name refers to. */
typedef enum name_cat {
    CAT_NONE = 0,
    CAT_PARAM,
    CAT_SUBST,
    CAT_STATE,
    CAT_TIME,
    CAT_POS,
    CAT_CONST,
    CAT_CELL, /* a built-in cell input (index: RS_EXPR_CELL_*) */
    CAT_CELL_TYPE,
    CAT_TYPE_STATE /* a state variable of some cell type (index: the type) */
} name_cat;

static int expr_level(parser *p, int level);
static int parse_expr(parser *p);
static int parse_unary(parser *p);

/* The token being looked at. */
static const rs_expr_token *cur(const parser *p) { return &p->tok[p->pos]; }

/* How much of a token a message quotes. */
static int tok_quote_len(const rs_expr_token *t)
{
    return t->len > QUOTE_MAX ? QUOTE_MAX : t->len;
}

/* Is t the name s? */
static int same_text(const parser *p, const rs_expr_token *t, const char *s)
{
    size_t n = strlen(s);
    return t->kind == RS_TOK_NAME && (size_t)t->len == n &&
           memcmp(p->text + t->pos, s, n) == 0;
}

/* Records the first error (RS_EINVAL at column col) and returns -1. */
static int fail(parser *p, int col, const char *fmt, ...) RS_PRINTF(3, 4);
static int fail(parser *p, int col, const char *fmt, ...)
{
    if (p->status != RS_OK) return -1;
    char msg[sizeof p->err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    p->status = RS_EINVAL;
    rs_error_set_at(p->err, RS_EINVAL, NULL, 1, col, "%s", msg);
    return -1;
}

/* "name 'k'", "number '2'", "')'" or "end of expression", into buf. */
static const char *describe(const parser *p, const rs_expr_token *t, char *buf, size_t n)
{
    if (t->kind == RS_TOK_END) snprintf(buf, n, "end of expression");
    else if (t->kind == RS_TOK_NAME)
        snprintf(buf, n, "name '%.*s'", tok_quote_len(t), p->text + t->pos);
    else if (t->kind == RS_TOK_NUMBER)
        snprintf(buf, n, "number '%.*s'", tok_quote_len(t), p->text + t->pos);
    else snprintf(buf, n, "'%.*s'", t->len, p->text + t->pos);
    return buf;
}

/* Enters one nesting level at token t; -1 (with the error) past the limit. */
static int enter(parser *p, const rs_expr_token *t)
{
    if (++p->depth > RS_EXPR_MAX_NESTING)
        return fail(p, t->pos + 1,
                    "expression nested too deeply: more than %d levels of parentheses, "
                    "function calls and operators",
                    RS_EXPR_MAX_NESTING);
    return 0;
}

/* A fresh node; its index, or -1. */
static int node_new(parser *p, rs_expr_node_kind kind, int col)
{
    if (p->nnodes >= p->cap) return fail(p, col, "expression too large to compile");
    rs_expr_node *n = &p->nodes[p->nnodes];
    memset(n, 0, sizeof *n);
    n->kind = (unsigned char)kind;
    n->col = col;
    n->kid[0] = n->kid[1] = n->kid[2] = -1;
    return p->nnodes++;
}

/* A node for operation fn on kids a, b, c (as many as its arity). */
static int make_op(parser *p, int fn, int col, int a, int b, int c)
{
    int i = node_new(p, RS_NODE_OP, col);
    if (i < 0) return -1;
    rs_expr_node *n = &p->nodes[i];
    n->fn = (unsigned char)fn;
    n->nkids = (unsigned char)rs_expr_fn_arity(fn);
    n->kid[0] = a;
    n->kid[1] = b;
    n->kid[2] = c;
    return i;
}

/* A node without kids (a number, name or aggregate). */
static int make_leaf(parser *p, rs_expr_node_kind kind, int col, int index, double value)
{
    int i = node_new(p, kind, col);
    if (i < 0) return -1;
    p->nodes[i].index = index;
    p->nodes[i].value = value;
    return i;
}

/* ---- names ---- */

/* Index of the cell type that has a state variable s[0..len), or -1. */
static int find_type_state(const rs_expr_symbols *sym, const char *s, size_t len)
{
    if (!sym->cell_type_state_names || !sym->cell_type_nstates) return -1;
    for (int k = 0; k < sym->ncell_types; k++)
        if (rs_expr_find_name(sym->cell_type_state_names[k], sym->cell_type_nstates[k], s,
                              len) >= 0)
            return k;
    return -1;
}

/* What s[0..len) names; *index says which one. User names come first, in
 * the order parameters, substrates, state variables; then the built-ins
 * (t, x, y, z, pi, e, then the cell inputs), cell types and their states. */
static name_cat resolve(const rs_expr_symbols *sym, const char *s, size_t len, int *index)
{
    if ((*index = rs_expr_find_name(sym->parameter_names, sym->nparameters, s, len)) >= 0)
        return CAT_PARAM;
    if ((*index = rs_expr_find_name(sym->substrate_names, sym->nsubstrates, s, len)) >= 0)
        return CAT_SUBST;
    if ((*index = rs_expr_find_name(sym->state_names, sym->nstates, s, len)) >= 0)
        return CAT_STATE;
    if ((*index = rs_expr_find_name(builtin_names, NBUILTINS, s, len)) >= 0)
        return *index == 0 ? CAT_TIME : *index <= 3 ? CAT_POS : CAT_CONST;
    if ((*index = rs_expr_find_cell_input(s, len)) >= 0) return CAT_CELL;
    if ((*index = rs_expr_find_name(sym->cell_type_names, sym->ncell_types, s, len)) >= 0)
        return CAT_CELL_TYPE;
    if ((*index = find_type_state(sym, s, len)) >= 0) return CAT_TYPE_STATE;
    return CAT_NONE;
}

/* "a parameter", "a substrate", ... for messages. */
static const char *cat_noun(name_cat c)
{
    switch (c) {
    case CAT_PARAM: return "a parameter";
    case CAT_SUBST: return "a substrate";
    case CAT_STATE: return "a state variable";
    case CAT_TIME: return "the time";
    case CAT_POS: return "a coordinate";
    case CAT_CONST: return "a constant";
    case CAT_CELL: return "a cell property";
    case CAT_CELL_TYPE: return "a cell type";
    case CAT_TYPE_STATE: return "a cell state variable";
    case CAT_NONE: break;
    }
    return "unknown";
}

/* The error for a name that is nowhere, with a suggestion if one is close. */
static int unknown_name(parser *p, const rs_expr_token *t)
{
    const rs_expr_symbols *sym = p->sym;
    const char *s = p->text + t->pos;
    rs_suggester sg;
    char dym[QUOTE_MAX + 32];
    if (same_text(p, t, GRAD_NAME))
        return fail(p, t->pos + 1,
                    "'" GRAD_NAME "' is a function, not a value: " GRAD_NAME "(S) is the "
                    "magnitude of the gradient of substrate S at a cell (in cell rules)");
    rs_suggester_init(&sg, s, (size_t)t->len);
    rs_suggester_offer_list(&sg, sym->parameter_names, sym->nparameters);
    rs_suggester_offer_list(&sg, sym->substrate_names, sym->nsubstrates);
    rs_suggester_offer_list(&sg, sym->state_names, sym->nstates);
    rs_suggester_offer_list(&sg, builtin_names, NBUILTINS);
    const int cell = (p->allow & RS_EXPR_ALLOW_CELL) != 0;
    for (int k = 0; cell && k < RS_EXPR_NCELL_INPUTS; k++)
        rs_suggester_offer(&sg, rs_expr_cell_input_name(k));
    if (sg.best)
        return fail(p, t->pos + 1, "unknown name '%.*s'%s", tok_quote_len(t), s,
                    rs_did_you_mean(sg.best, dym, sizeof dym));
    return fail(p, t->pos + 1,
                "unknown name '%.*s' (not a parameter, substrate, state variable, t, x, y, z, "
                "pi%s)",
                tok_quote_len(t), s,
                cell ? ", e, age, neighbours, volume or radius" : " or e");
}

/* A name used as a value: a leaf node, or an error saying why it cannot be
 * used here and where it could. */
static int parse_name(parser *p)
{
    const rs_expr_token *t = cur(p);
    const rs_expr_symbols *sym = p->sym;
    const char *s = p->text + t->pos;
    const int q = tok_quote_len(t), col = t->pos + 1;
    int index;
    name_cat c = resolve(sym, s, (size_t)t->len, &index);
    if (c == CAT_NONE) return unknown_name(p, t);
    if (p->const_owner && c != CAT_PARAM && c != CAT_CONST)
        return fail(p, col,
                    "the arguments of '%s' must be constant (numbers and parameters); '%.*s' "
                    "is %s",
                    p->const_owner, q, s, cat_noun(c));
    const int agg = (p->allow & RS_EXPR_ALLOW_AGGREGATES) != 0;
    switch (c) {
    case CAT_PARAM:
        p->pos++;
        return make_leaf(p, RS_NODE_PARAM, col, index, 0.0);
    case CAT_CONST:
        p->pos++;
        return make_leaf(p, RS_NODE_NUM, col, 0,
                         index == 4 ? 3.14159265358979323846 : 2.71828182845904523536);
    case CAT_SUBST:
        if (!(p->allow & RS_EXPR_ALLOW_SUBSTRATES))
            return fail(p, col,
                        "'%.*s' cannot be used here: substrate concentrations at a point are "
                        "allowed in reactions and cell rules%s%.*s%s",
                        q, s, agg ? "; in a metric use an aggregate, e.g. mean(" : "",
                        agg ? q : 0, s, agg ? ")" : "");
        p->pos++;
        return make_leaf(p, RS_NODE_SUBST, col, index, 0.0);
    case CAT_STATE:
        if (!(p->allow & RS_EXPR_ALLOW_STATES))
            return fail(p, col,
                        "'%.*s' cannot be used here: cell state variables are allowed only in "
                        "the rules of their cell type",
                        q, s);
        p->pos++;
        return make_leaf(p, RS_NODE_STATE, col, index, 0.0);
    case CAT_TIME:
        if (!(p->allow & RS_EXPR_ALLOW_TIME))
            return fail(p, col,
                        "'t' cannot be used here: this expression is evaluated once, before "
                        "the run (time is allowed in reactions, cell rules and metrics)");
        p->pos++;
        return make_leaf(p, RS_NODE_TIME, col, 0, 0.0);
    case CAT_POS:
        if (!(p->allow & RS_EXPR_ALLOW_POSITION))
            return fail(p, col,
                        "'%.*s' cannot be used here: this expression is not evaluated at a "
                        "point in space (positions x, y, z are allowed in initial fields, "
                        "reactions and cell rules)",
                        q, s);
        p->pos++;
        return make_leaf(p, RS_NODE_POS, col, index - 1, 0.0);
    case CAT_CELL:
        if (!(p->allow & RS_EXPR_ALLOW_CELL))
            return fail(p, col, "'%.*s' can be used only in cell rules: it is %s", q, s,
                        cell_input_what[index]);
        p->pos++;
        return make_leaf(p, RS_NODE_CELL, col, index, 0.0);
    case CAT_CELL_TYPE:
        return fail(p, col,
                    "'%.*s' is a cell type, not a value; count(%.*s), the number of its "
                    "cells, can be used in metrics",
                    q, s, q, s);
    case CAT_TYPE_STATE: {
        const char *type = sym->cell_type_names[index];
        if (p->allow & RS_EXPR_ALLOW_STATES)
            return fail(p, col,
                        "'%.*s' is a state variable of cell type '%s', not of the cell type "
                        "this rule belongs to",
                        q, s, type);
        return fail(p, col,
                    "'%.*s' is a state variable of cell type '%s' and cannot be used here: "
                    "state variables are allowed only in the rules of their cell type%s%s%s"
                    "%.*s%s",
                    q, s, type, agg ? "; in a metric use mean(" : "", agg ? type : "",
                    agg ? "." : "", agg ? q : 0, s, agg ? ")" : "");
    }
    case CAT_NONE: break;
    }
    return unknown_name(p, t);
}

/* ---- calls ---- */

/* Parses "(" args ")" after a function name at token index name; the
 * argument nodes go to kids (at most maxkids kept); returns the count or -1. */
static int parse_args(parser *p, int name, int *kids, int maxkids)
{
    const rs_expr_token *nt = &p->tok[name];
    const int q = tok_quote_len(nt);
    const char *s = p->text + nt->pos;
    char what[QUOTE_MAX + 32];
    if (enter(p, nt) < 0) return -1;
    p->pos = name + 2;
    int nargs = 0;
    if (cur(p)->kind == RS_TOK_RPAREN) {
        p->pos++;
    } else {
        for (;;) {
            int a = parse_expr(p);
            if (a < 0) return -1;
            if (nargs < maxkids) kids[nargs] = a;
            nargs++;
            const rs_expr_token *t = cur(p);
            p->pos++;
            if (t->kind == RS_TOK_COMMA) continue;
            if (t->kind == RS_TOK_RPAREN) break;
            if (t->kind == RS_TOK_END)
                return fail(p, t->pos + 1,
                            "unexpected end of expression: expected ')' after the arguments "
                            "of '%.*s'",
                            q, s);
            return fail(p, t->pos + 1,
                        "expected ',' or ')' after argument %d of '%.*s', found %s", nargs, q,
                        s, describe(p, t, what, sizeof what));
        }
    }
    p->depth--;
    return nargs;
}

/* A region constructor as an aggregate's second argument, into info. */
static int parse_region(parser *p, const char *owner, rs_expr_agg_info *info)
{
    const rs_expr_token *t = cur(p);
    char what[QUOTE_MAX + 32];
    const int kind = t->kind == RS_TOK_NAME ? region_call(p->text + t->pos, (size_t)t->len) : -1;
    if (kind < 0 || p->tok[p->pos + 1].kind != RS_TOK_LPAREN)
        return fail(p, t->pos + 1,
                    "expected a region (disk, sphere, box, annulus or shell) as the second "
                    "argument of '%s', found %s",
                    owner, describe(p, t, what, sizeof what));
    const region_info *r = &regions[kind];
    const char *rname = rs_region_kind_name((rs_region_kind)kind);
    const int name = p->pos;
    int args[RS_REGION_MAX_NUMBERS];
    const char *saved = p->const_owner;
    p->const_owner = rname;
    int n = parse_args(p, name, args, RS_REGION_MAX_NUMBERS);
    p->const_owner = saved;
    if (n < 0) return -1;
    /* (nargs_alt 0 is no alternative: `disk()` has no arguments, not a
     * second form) */
    if (n != r->nargs && !(r->nargs_alt > 0 && n == r->nargs_alt))
        return fail(p, t->pos + 1, "'%s' expects %d arguments %s, got %d", rname, r->nargs,
                    r->args, n);
    /* The arguments are the region's numbers in order (rs_region_number):
     * the centre then one radius (disk, sphere) or two (annulus, shell);
     * a box's lower then upper corner, 2 coordinates (z ignored) or 3. */
    rs_region *rg = &info->agg.region;
    rg->kind = (rs_region_kind)kind;
    rg->ncoords = kind == RS_REGION_BOX                                 ? n / 2
                  : kind == RS_REGION_DISK || kind == RS_REGION_SPHERE ? n - 1
                                                                       : n - 2;
    for (int j = 0; j < RS_REGION_MAX_NUMBERS; j++) info->pnode[j] = j < n ? args[j] : -1;
    info->col = t->pos + 1;
    info->tok_first = name;
    info->tok_end = p->pos;
    return 0;
}

/* Same tokens (numbers by value, names by text)? For de-duplication. */
static int same_tokens(const parser *p, int a0, int a1, int b0, int b1)
{
    if (a1 - a0 != b1 - b0) return 0;
    for (int i = 0; i < a1 - a0; i++) {
        const rs_expr_token *a = &p->tok[a0 + i], *b = &p->tok[b0 + i];
        if (a->kind != b->kind) return 0;
        if (a->kind == RS_TOK_NUMBER && a->value != b->value) return 0;
        if (a->kind == RS_TOK_NAME &&
            (a->len != b->len || memcmp(p->text + a->pos, p->text + b->pos, (size_t)a->len)))
            return 0;
    }
    return 1;
}

/* Index of info in the aggregate list, appending it unless an identical one
 * (same kind, target and region text) is there; -1 if out of memory. */
static int add_aggregate(parser *p, const rs_expr_agg_info *info)
{
    for (int i = 0; i < p->naggs; i++) {
        const rs_expr_agg_info *o = &p->aggs[i];
        if (o->agg.kind == info->agg.kind && o->agg.substrate == info->agg.substrate &&
            o->agg.cell_type == info->agg.cell_type && o->agg.state == info->agg.state &&
            o->agg.region.kind == info->agg.region.kind &&
            same_tokens(p, o->tok_first, o->tok_end, info->tok_first, info->tok_end))
            return i;
    }
    if (p->naggs == p->aggcap) {
        int cap = p->aggcap ? 2 * p->aggcap : 4;
        rs_expr_agg_info *a = realloc(p->aggs, (size_t)cap * sizeof *a);
        if (!a) {
            p->status = RS_ENOMEM;
            rs_error_set(p->err, RS_ENOMEM, "out of memory compiling an expression");
            return -1;
        }
        p->aggs = a;
        p->aggcap = cap;
    }
    p->aggs[p->naggs] = *info;
    return p->naggs++;
}

/* The substrate named by token t, the argument of fname: its index, or -1
 * with an error saying what the name is instead (hint follows the message
 * for a name that is something else) or which substrate was meant. */
static int substrate_arg(parser *p, const char *fname, const rs_expr_token *t,
                         const char *hint)
{
    const rs_expr_symbols *sym = p->sym;
    const char *s = p->text + t->pos;
    const int q = tok_quote_len(t), col = t->pos + 1;
    int index;
    name_cat c = resolve(sym, s, (size_t)t->len, &index);
    if (c == CAT_SUBST) return index;
    if (c != CAT_NONE)
        return fail(p, col, "'%.*s' is %s, not a substrate: '%s' takes a substrate name%s", q,
                    s, cat_noun(c), fname, hint);
    rs_suggester sg;
    char dym[QUOTE_MAX + 32];
    rs_suggester_init(&sg, s, (size_t)t->len);
    rs_suggester_offer_list(&sg, sym->substrate_names, sym->nsubstrates);
    return fail(p, col, "unknown substrate '%.*s'%s", q, s,
                rs_did_you_mean(sg.best, dym, sizeof dym));
}

/* The first argument of a substrate aggregate (mean, integral, max, min) that
 * is a single name: must be a substrate. */
static int aggregate_substrate(parser *p, const char *fname, const rs_expr_token *t,
                               rs_expr_agg_info *info)
{
    const char *s = p->text + t->pos;
    const int q = tok_quote_len(t);
    int index;
    if (info->agg.kind == RS_AGG_MEAN &&
        resolve(p->sym, s, (size_t)t->len, &index) == CAT_CELL_TYPE)
        return fail(p, t->pos + 1,
                    "'%.*s' is a cell type: a mean over cells needs a state variable, e.g. "
                    "mean(%.*s.STATE); count(%.*s) is the number of its cells",
                    q, s, q, s, q, s);
    index = substrate_arg(p, fname, t,
                          info->agg.kind == RS_AGG_MAX || info->agg.kind == RS_AGG_MIN
                              ? " (for the larger or smaller of two values give two arguments)"
                              : "");
    if (index < 0) return -1;
    info->agg.substrate = index;
    return 0;
}

/* cell_type (count) or cell_type.state (mean, sum); p->pos at the type
 * name. */
static int aggregate_cells(parser *p, const char *fname, rs_expr_agg_info *info)
{
    const rs_expr_symbols *sym = p->sym;
    const rs_expr_token *t = cur(p);
    const char *s = p->text + t->pos;
    const int q = tok_quote_len(t);
    rs_suggester sg;
    char dym[QUOTE_MAX + 32], what[QUOTE_MAX + 32];
    int type = rs_expr_find_name(sym->cell_type_names, sym->ncell_types, s, (size_t)t->len);
    const rs_expr_agg_kind kind = info->agg.kind;
    if (type < 0) {
        int index;
        name_cat c = resolve(sym, s, (size_t)t->len, &index);
        if (c == CAT_SUBST && kind == RS_AGG_SUM)
            return fail(p, t->pos + 1,
                        "'%.*s' is a substrate: 'sum' adds a state variable over cells, "
                        "sum(cell_type.state); over a field use integral(%.*s)",
                        q, s, q, s);
        if (c != CAT_NONE)
            return fail(p, t->pos + 1, "'%.*s' is %s, not a cell type: '%s' takes %s", q, s,
                        cat_noun(c), fname,
                        kind == RS_AGG_COUNT ? "a cell type name"
                        : kind == RS_AGG_SUM ? "cell_type.state"
                                             : "a substrate or cell_type.state");
        rs_suggester_init(&sg, s, (size_t)t->len);
        rs_suggester_offer_list(&sg, sym->cell_type_names, sym->ncell_types);
        return fail(p, t->pos + 1, "unknown cell type '%.*s'%s", q, s,
                    rs_did_you_mean(sg.best, dym, sizeof dym));
    }
    info->agg.cell_type = type;
    p->pos++;
    if (kind == RS_AGG_COUNT) return 0;
    if (cur(p)->kind != RS_TOK_DOT) /* sum(type): mean(type) is refused before */
        return fail(p, t->pos + 1,
                    "'%.*s' is a cell type: a %s over cells needs a state variable, e.g. "
                    "%s(%.*s.STATE); count(%.*s) is the number of its cells",
                    q, s, fname, fname, q, s, q, s);
    p->pos++; /* the '.' */
    const rs_expr_token *st = cur(p);
    if (st->kind != RS_TOK_NAME)
        return fail(p, st->pos + 1, "expected a state variable name after '%.*s.', found %s",
                    q, s, describe(p, st, what, sizeof what));
    const int nst = sym->cell_type_nstates ? sym->cell_type_nstates[type] : 0;
    const char *const *names =
        sym->cell_type_state_names ? sym->cell_type_state_names[type] : NULL;
    const char *ss = p->text + st->pos;
    int state = rs_expr_find_name(names, nst, ss, (size_t)st->len);
    if (state < 0) {
        rs_suggester_init(&sg, ss, (size_t)st->len);
        rs_suggester_offer_list(&sg, names, nst);
        return fail(p, st->pos + 1, "cell type '%.*s' has no state variable '%.*s'%s", q, s,
                    tok_quote_len(st), ss, rs_did_you_mean(sg.best, dym, sizeof dym));
    }
    info->agg.state = state;
    p->pos++;
    return 0;
}

/* An aggregate call: name at token index `name`, "(" after it. */
static int parse_aggregate(parser *p, int name, rs_expr_agg_kind kind)
{
    const rs_expr_token *nt = &p->tok[name];
    const char *fname = aggregates[kind].name;
    const int col = nt->pos + 1;
    char what[QUOTE_MAX + 32];
    if (p->const_owner)
        return fail(p, col,
                    "the arguments of '%s' must be constant (numbers and parameters); '%s' "
                    "is an aggregate",
                    p->const_owner, fname);
    if (!(p->allow & RS_EXPR_ALLOW_AGGREGATES)) {
        if (kind == RS_AGG_MAX || kind == RS_AGG_MIN)
            return fail(p, col,
                        "'%s' of a substrate is an aggregate (the %s over the domain) and "
                        "cannot be used here: aggregates are allowed only in metrics; for the "
                        "%s of two values write %s(a, b)",
                        fname, kind == RS_AGG_MAX ? "maximum" : "minimum",
                        kind == RS_AGG_MAX ? "larger" : "smaller", fname);
        return fail(p, col,
                    "'%s' cannot be used here: aggregates (mean, integral, max, min, count, "
                    "sum) are allowed only in metrics",
                    fname);
    }
    if (enter(p, nt) < 0) return -1;
    p->pos = name + 2;
    rs_expr_agg_info info;
    memset(&info, 0, sizeof info);
    info.agg.kind = kind;
    info.agg.substrate = info.agg.cell_type = info.agg.state = -1;
    info.agg.region.kind = RS_REGION_ALL;
    info.tok_first = info.tok_end = -1;
    for (int j = 0; j < RS_REGION_MAX_NUMBERS; j++) info.pnode[j] = -1;

    const rs_expr_token *t = cur(p);
    if (t->kind != RS_TOK_NAME)
        return fail(p, t->pos + 1, "expected %s as the argument of '%s', found %s",
                    kind == RS_AGG_COUNT  ? "a cell type name"
                    : kind == RS_AGG_MEAN ? "a substrate name or cell_type.state"
                    : kind == RS_AGG_SUM  ? "cell_type.state"
                                          : "a substrate name",
                    fname, describe(p, t, what, sizeof what));
    const int dotted = p->tok[p->pos + 1].kind == RS_TOK_DOT;
    if (kind == RS_AGG_COUNT || kind == RS_AGG_SUM || (kind == RS_AGG_MEAN && dotted)) {
        if (kind == RS_AGG_COUNT && dotted)
            return fail(p, p->tok[p->pos + 1].pos + 1,
                        "'count' takes a cell type name, e.g. count(%.*s), not a state "
                        "variable",
                        tok_quote_len(t), p->text + t->pos);
        if (aggregate_cells(p, fname, &info) < 0) return -1;
    } else if (dotted) {
        return fail(p, t->pos + 1,
                    "'%s' of a cell state variable is not supported: '%s' takes a substrate "
                    "name (mean(cell_type.state) and sum(cell_type.state) average and add "
                    "a state over cells)",
                    fname, fname);
    } else {
        if (aggregate_substrate(p, fname, t, &info) < 0) return -1;
        p->pos++;
    }
    if (cur(p)->kind == RS_TOK_COMMA) {
        p->pos++;
        if (parse_region(p, fname, &info) < 0) return -1;
    }
    t = cur(p);
    if (t->kind == RS_TOK_END)
        return fail(p, t->pos + 1,
                    "unexpected end of expression: expected ')' after the arguments of '%s'",
                    fname);
    if (t->kind != RS_TOK_RPAREN)
        return fail(p, t->pos + 1, "expected ')' after the arguments of '%s', found %s", fname,
                    describe(p, t, what, sizeof what));
    p->pos++;
    p->depth--;
    int index = add_aggregate(p, &info);
    if (index < 0) return -1;
    return make_leaf(p, RS_NODE_AGG, col, index, 0.0);
}

/* grad(S) at token index `name`: the gradient magnitude of substrate S at
 * the cell (cell rules only). The arguments are counted before anything
 * is parsed, so a wrong count is reported as such; the one argument must
 * be a substrate name alone. */
static int parse_grad(parser *p, int name)
{
    const rs_expr_token *tk = p->tok, *nt = &tk[name];
    const int col = nt->pos + 1;
    char what[QUOTE_MAX + 32];
    if (p->const_owner)
        return fail(p, col,
                    "the arguments of '%s' must be constant (numbers and parameters); '"
                    GRAD_NAME "' is a gradient at a cell",
                    p->const_owner);
    if (!(p->allow & RS_EXPR_ALLOW_CELL))
        return fail(p, col,
                    "'" GRAD_NAME "' can be used only in cell rules: " GRAD_NAME "(S) is the "
                    "magnitude of the gradient of substrate S at the cell (concentration/um)");
    if (enter(p, nt) < 0) return -1;
    int i = name + 2, level = 0, nargs = tk[i].kind == RS_TOK_RPAREN ? 0 : 1;
    for (; tk[i].kind != RS_TOK_END; i++) {
        if (tk[i].kind == RS_TOK_LPAREN) level++;
        else if (tk[i].kind == RS_TOK_RPAREN && level-- == 0) break;
        else if (tk[i].kind == RS_TOK_COMMA && level == 0) nargs++;
    }
    if (tk[i].kind == RS_TOK_END)
        return fail(p, tk[i].pos + 1,
                    "unexpected end of expression: expected ')' after the arguments of '"
                    GRAD_NAME "'");
    if (nargs != 1)
        return fail(p, col, "'" GRAD_NAME "' expects 1 argument (a substrate name), got %d",
                    nargs);
    const rs_expr_token *t = &tk[name + 2];
    if (t->kind != RS_TOK_NAME)
        return fail(p, t->pos + 1,
                    "expected a substrate name as the argument of '" GRAD_NAME "', found %s",
                    describe(p, t, what, sizeof what));
    if (t[1].kind != RS_TOK_RPAREN)
        return fail(p, t[1].pos + 1,
                    "expected ')' after '%.*s', found %s: '" GRAD_NAME "' takes a substrate "
                    "name, not an expression",
                    tok_quote_len(t), p->text + t->pos, describe(p, &t[1], what, sizeof what));
    const int index = substrate_arg(p, GRAD_NAME, t, "");
    if (index < 0) return -1;
    p->pos = name + 4; /* past grad ( S ) */
    p->depth--;
    return make_leaf(p, RS_NODE_GRAD, col, index, 0.0);
}

/* Is the call max(...) / min(...) at token index name the aggregate form:
 * one bare name, or a second argument that is a region constructor? */
static int is_aggregate_form(const parser *p, int name)
{
    const rs_expr_token *tk = p->tok;
    int i = name + 2; /* first token of the first argument */
    if (tk[i].kind == RS_TOK_NAME &&
        (tk[i + 1].kind == RS_TOK_RPAREN || tk[i + 1].kind == RS_TOK_DOT))
        return 1;
    int level = 0;
    for (; tk[i].kind != RS_TOK_END; i++) {
        if (tk[i].kind == RS_TOK_LPAREN) level++;
        else if (tk[i].kind == RS_TOK_RPAREN && level-- == 0) return 0;
        else if (tk[i].kind == RS_TOK_COMMA && level == 0) {
            const rs_expr_token *r = &tk[i + 1];
            return r->kind == RS_TOK_NAME && r[1].kind == RS_TOK_LPAREN &&
                   region_call(p->text + r->pos, (size_t)r->len) >= 0;
        }
    }
    return 0;
}

/* A name followed by "(": function, aggregate, or an error. */
static int parse_call(parser *p)
{
    const int name = p->pos;
    const rs_expr_token *nt = cur(p);
    const char *s = p->text + nt->pos;
    const int q = tok_quote_len(nt), col = nt->pos + 1;
    for (int k = 0; k < NAGGREGATES; k++) {
        if (!same_text(p, nt, aggregates[k].name)) continue;
        if (aggregates[k].kind == RS_AGG_MAX || aggregates[k].kind == RS_AGG_MIN) {
            if (!is_aggregate_form(p, name)) break;
        }
        return parse_aggregate(p, name, aggregates[k].kind);
    }
    if (same_text(p, nt, GRAD_NAME)) return parse_grad(p, name);
    const fn_info *f = NULL;
    for (int k = 0; k < NFUNCTIONS && !f; k++)
        if (same_text(p, nt, functions[k].name)) f = &functions[k];
    if (f) {
        int kids[3] = {-1, -1, -1};
        int n = parse_args(p, name, kids, 3);
        if (n < 0) return -1;
        if (n != f->nargs)
            return fail(p, col, "'%s' expects %d argument%s (%s), got %d%s", f->name, f->nargs,
                        f->nargs == 1 ? "" : "s", f->args, n,
                        (f->fn == RS_FN_MAX || f->fn == RS_FN_MIN) && n == 1
                            ? " (with one substrate name it is the aggregate over a field)"
                            : "");
        return make_op(p, f->fn, col, kids[0], kids[1], kids[2]);
    }
    if (region_call(s, (size_t)nt->len) >= 0)
        return fail(p, col,
                    "'%.*s' makes a region, which can only be the second argument of an "
                    "aggregate, e.g. mean(myelin, disk(500, 500, 100))",
                    q, s);
    int index;
    name_cat c = resolve(p->sym, s, (size_t)nt->len, &index);
    if (c != CAT_NONE)
        return fail(p, col, "'%.*s' is %s, not a function", q, s, cat_noun(c));
    rs_suggester sg;
    char dym[QUOTE_MAX + 32];
    rs_suggester_init(&sg, s, (size_t)nt->len);
    for (int k = 0; k < NFUNCTIONS; k++) rs_suggester_offer(&sg, functions[k].name);
    for (int k = 0; k < NAGGREGATES; k++) rs_suggester_offer(&sg, aggregates[k].name);
    rs_suggester_offer(&sg, GRAD_NAME);
    for (int k = 0; k < RS_REGION_NKINDS; k++)
        if (regions[k].nargs > 0) rs_suggester_offer(&sg, rs_region_kind_name((rs_region_kind)k));
    return fail(p, col, "unknown function '%.*s'%s", q, s,
                rs_did_you_mean(sg.best, dym, sizeof dym));
}

/* ---- expressions ---- */

/* "after '+'" or "at the start" for messages about token index i. */
static const char *after_what(const parser *p, int i, char *buf, size_t n)
{
    if (i == 0) {
        snprintf(buf, n, "at the start");
    } else {
        const rs_expr_token *t = &p->tok[i - 1];
        snprintf(buf, n, "after '%.*s'", tok_quote_len(t), p->text + t->pos);
    }
    return buf;
}

/* A number, a name, a call or a parenthesised expression. */
static int parse_primary(parser *p)
{
    const rs_expr_token *t = cur(p);
    char what[QUOTE_MAX + 32], where[QUOTE_MAX + 32];
    switch (t->kind) {
    case RS_TOK_NUMBER:
        p->pos++;
        return make_leaf(p, RS_NODE_NUM, t->pos + 1, 0, t->value);
    case RS_TOK_LPAREN: {
        if (enter(p, t) < 0) return -1;
        p->pos++;
        int e = parse_expr(p);
        if (e < 0) return -1;
        const rs_expr_token *r = cur(p);
        if (r->kind == RS_TOK_END)
            return fail(p, r->pos + 1,
                        "unexpected end of expression: expected ')' to match the '(' at "
                        "column %d",
                        t->pos + 1);
        if (r->kind != RS_TOK_RPAREN)
            return fail(p, r->pos + 1, "expected ')' to match the '(' at column %d, found %s",
                        t->pos + 1, describe(p, r, what, sizeof what));
        p->pos++;
        p->depth--;
        return e;
    }
    case RS_TOK_NAME: {
        const rs_expr_token *next = &p->tok[p->pos + 1];
        if (next->kind == RS_TOK_LPAREN) return parse_call(p);
        if (next->kind == RS_TOK_DOT && next[1].kind == RS_TOK_NAME &&
            rs_expr_find_name(p->sym->cell_type_names, p->sym->ncell_types,
                              p->text + t->pos, (size_t)t->len) >= 0)
            return fail(p, t->pos + 1,
                        "'%.*s.%.*s' can be used only inside an aggregate in a metric, e.g. "
                        "mean(%.*s.%.*s)",
                        tok_quote_len(t), p->text + t->pos, tok_quote_len(&next[1]),
                        p->text + next[1].pos, tok_quote_len(t), p->text + t->pos,
                        tok_quote_len(&next[1]), p->text + next[1].pos);
        return parse_name(p);
    }
    case RS_TOK_END:
        return fail(p, t->pos + 1,
                    "unexpected end of expression: expected a number, a name or '(' %s",
                    after_what(p, p->pos, where, sizeof where));
    default:
        return fail(p, t->pos + 1, "expected a number, a name or '(' %s, found %s",
                    after_what(p, p->pos, where, sizeof where),
                    describe(p, t, what, sizeof what));
    }
}

/* primary [ "^" unary ]: the exponent may carry a sign and nest (2^3^2). */
static int parse_power(parser *p)
{
    int base = parse_primary(p);
    if (base < 0) return -1;
    const rs_expr_token *t = cur(p);
    if (t->kind != RS_TOK_CARET) return base;
    if (enter(p, t) < 0) return -1;
    p->pos++;
    int e = parse_unary(p); /* right-associative, and 2^-1 works */
    if (e < 0) return -1;
    p->depth--;
    return make_op(p, RS_FN_POW, t->pos + 1, base, e, -1);
}

/* Prefix -, ! and + (one nesting level each), then a power. */
static int parse_unary(parser *p)
{
    const rs_expr_token *t = cur(p);
    if (t->kind != RS_TOK_MINUS && t->kind != RS_TOK_BANG && t->kind != RS_TOK_PLUS)
        return parse_power(p);
    if (enter(p, t) < 0) return -1;
    p->pos++;
    int a = parse_unary(p);
    if (a < 0) return -1;
    p->depth--;
    if (t->kind == RS_TOK_PLUS) return a;
    return make_op(p, t->kind == RS_TOK_MINUS ? RS_FN_NEG : RS_FN_NOT, t->pos + 1, a, -1, -1);
}

/* Binary operator levels, loosest first. */
typedef struct level_op {
    rs_expr_tok_kind tok;
    int fn;
} level_op;

typedef struct level_info {
    level_op ops[4];
    int nops;
    int chainable;
} level_info;

static const level_info levels[] = {
    {{{RS_TOK_OR, RS_FN_OR}}, 1, 1},
    {{{RS_TOK_AND, RS_FN_AND}}, 1, 1},
    {{{RS_TOK_EQ, RS_FN_EQ}, {RS_TOK_NE, RS_FN_NE}}, 2, 0},
    {{{RS_TOK_LT, RS_FN_LT}, {RS_TOK_LE, RS_FN_LE}, {RS_TOK_GT, RS_FN_GT},
      {RS_TOK_GE, RS_FN_GE}},
     4, 0},
    {{{RS_TOK_PLUS, RS_FN_ADD}, {RS_TOK_MINUS, RS_FN_SUB}}, 2, 1},
    {{{RS_TOK_STAR, RS_FN_MUL}, {RS_TOK_SLASH, RS_FN_DIV}}, 2, 1},
};
#define NLEVELS ((int)(sizeof levels / sizeof levels[0]))

/* The operation token k stands for at this level, or -1. */
static int level_fn(int level, rs_expr_tok_kind k)
{
    for (int i = 0; i < levels[level].nops; i++)
        if (levels[level].ops[i].tok == k) return levels[level].ops[i].fn;
    return -1;
}

/* The binary operators of one level, then the tighter levels below it. */
static int expr_level(parser *p, int level)
{
    if (level == NLEVELS) return parse_unary(p);
    int left = expr_level(p, level + 1);
    int chained = 0;
    while (left >= 0) {
        const rs_expr_token *t = cur(p);
        int fn = level_fn(level, t->kind);
        if (fn < 0) break;
        if (chained && !levels[level].chainable)
            return fail(p, t->pos + 1,
                        "comparisons cannot be chained: write (a < b) && (b < c) instead of "
                        "a < b < c");
        p->pos++;
        int right = expr_level(p, level + 1);
        if (right < 0) return -1;
        left = make_op(p, fn, t->pos + 1, left, right, -1);
        chained = 1;
    }
    return left;
}

/* A whole (sub)expression. */
static int parse_expr(parser *p) { return expr_level(p, 0); }

/* The entry point (expr_impl.h): the whole text must be one expression. */
rs_status rs_expr_parse(const char *text, const rs_expr_token *tok, int ntok,
                        const rs_expr_symbols *sym, rs_expr_tree *tree, rs_error *err)
{
    memset(tree, 0, sizeof *tree);
    parser p;
    memset(&p, 0, sizeof p);
    p.text = text;
    p.tok = tok;
    p.ntok = ntok;
    p.sym = sym;
    p.allow = sym->allow;
    p.err = err;
    p.status = RS_OK;
    if (tok[0].kind == RS_TOK_END)
        return rs_error_set_at(err, RS_EINVAL, NULL, 1, 1, "empty expression");
    p.cap = ntok; /* every node comes from a distinct token */
    p.nodes = malloc((size_t)p.cap * sizeof *p.nodes);
    if (!p.nodes) return rs_error_set(err, RS_ENOMEM, "out of memory compiling an expression");
    int root = parse_expr(&p);
    if (root >= 0 && cur(&p)->kind != RS_TOK_END) {
        const rs_expr_token *t = cur(&p);
        char what[QUOTE_MAX + 32];
        if (t->kind == RS_TOK_RPAREN) fail(&p, t->pos + 1, "unmatched ')'");
        else
            fail(&p, t->pos + 1, "expected an operator or the end of the expression, found %s",
                 describe(&p, t, what, sizeof what));
        root = -1;
    }
    if (root < 0) {
        free(p.nodes);
        free(p.aggs);
        return p.status != RS_OK ? p.status : RS_EINVAL;
    }
    tree->nodes = p.nodes;
    tree->nnodes = p.nnodes;
    tree->root = root;
    tree->aggs = p.aggs;
    tree->naggs = p.naggs;
    return RS_OK;
}

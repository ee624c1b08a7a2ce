/* expr_impl.h: what the files of the expression compiler share; not public.
 *
 * The pipeline (docs/expressions.md): expr_lexer.c turns the text into
 * tokens, expr_parser.c builds the syntax tree (resolving names against the
 * symbol table, listing aggregates), expr_compile.c folds constants and
 * emits bytecode, expr_eval.c runs the bytecode over blocks of points, and
 * expr_names.c finds names (near misses are suggested by rs_suggester,
 * regensim/text.h). expr_math.h holds the scalar meaning of every
 * operation, shared by folding and evaluation. */
#ifndef RS_EXPR_IMPL_H
#define RS_EXPR_IMPL_H

#include <stddef.h>

#include "regensim/expr.h"
#include "regensim/text.h"

/* Deepest nesting of parentheses, calls, unary operators and exponents the
 * parser accepts (it recurses once per level, so this bounds its C stack). */
#define RS_EXPR_MAX_NESTING 64

/* Points per evaluation block: each instruction is a loop over this many. */
#define RS_EXPR_BLOCK 256

/* ---- tokens (expr_lexer.c) ---- */

typedef enum rs_expr_tok_kind {
    RS_TOK_END = 0,
    RS_TOK_NUMBER,
    RS_TOK_NAME,
    RS_TOK_LPAREN,
    RS_TOK_RPAREN,
    RS_TOK_COMMA,
    RS_TOK_DOT,
    RS_TOK_PLUS,
    RS_TOK_MINUS,
    RS_TOK_STAR,
    RS_TOK_SLASH,
    RS_TOK_CARET,
    RS_TOK_BANG,
    RS_TOK_LT,
    RS_TOK_LE,
    RS_TOK_GT,
    RS_TOK_GE,
    RS_TOK_EQ,
    RS_TOK_NE,
    RS_TOK_AND,
    RS_TOK_OR
} rs_expr_tok_kind;

typedef struct rs_expr_token {
    rs_expr_tok_kind kind;
    int pos, len; /* byte offset and length in the text */
    double value; /* RS_TOK_NUMBER */
} rs_expr_token;

/* Splits text[0..len) into tokens, ending with one RS_TOK_END (at pos len).
 * On success *out is a malloc'd array of *ntok tokens (the caller frees);
 * on error *out is NULL and err says which character or number is wrong. */
rs_status rs_expr_lex(const char *text, int len, rs_expr_token **out, int *ntok,
                      rs_error *err);

/* ---- operations (their scalar meaning is in expr_math.h) ---- */

typedef enum rs_expr_fn {
    RS_FN_NEG = 0, /* -a */
    RS_FN_NOT,     /* !a */
    RS_FN_EXP,
    RS_FN_LOG,
    RS_FN_SQRT,
    RS_FN_ABS,
    RS_FN_STEP,
    RS_FN_SIN,
    RS_FN_COS,
    RS_FN_TANH,
    RS_FN_FLOOR, /* last unary */
    RS_FN_ADD,
    RS_FN_SUB,
    RS_FN_MUL,
    RS_FN_DIV,
    RS_FN_POW,
    RS_FN_LT,
    RS_FN_LE,
    RS_FN_GT,
    RS_FN_GE,
    RS_FN_EQ,
    RS_FN_NE,
    RS_FN_AND,
    RS_FN_OR,
    RS_FN_MIN,
    RS_FN_MAX, /* last binary */
    RS_FN_IF,
    RS_FN_HILL,
    RS_FN_SMOOTHSTEP,
    RS_FN_CLAMP,
    RS_FN_COUNT_
} rs_expr_fn;

/* Arguments an operation takes (1, 2 or 3). */
static inline int rs_expr_fn_arity(int fn)
{
    return fn <= RS_FN_FLOOR ? 1 : fn <= RS_FN_MAX ? 2 : 3;
}

/* ---- syntax tree (expr_parser.c) ---- */

typedef enum rs_expr_node_kind {
    RS_NODE_NUM = 0, /* a number or pi, e */
    RS_NODE_PARAM,   /* parameter `index` */
    RS_NODE_SUBST,   /* substrate `index` at the point */
    RS_NODE_STATE,   /* state variable `index` of the cell */
    RS_NODE_POS,     /* x, y, z: index 0, 1, 2 */
    RS_NODE_TIME,
    RS_NODE_CELL, /* built-in cell input `index` (RS_EXPR_CELL_*) */
    RS_NODE_GRAD, /* gradient magnitude of substrate `index` at the cell */
    RS_NODE_AGG,  /* aggregate `index` (a value the caller computes) */
    RS_NODE_OP    /* operation `fn` of nkids children */
} rs_expr_node_kind;

/* Nodes live in one array in creation order; the parser makes a node after
 * its operands, so children always have smaller indices than their parent
 * and the array order is a post-order of every subtree. Compilation and
 * re-folding are therefore plain loops, never recursion. */
typedef struct rs_expr_node {
    unsigned char kind;     /* rs_expr_node_kind */
    unsigned char fn;       /* rs_expr_fn, RS_NODE_OP only */
    unsigned char constant; /* depends only on numbers and parameters */
    unsigned char nkids;
    int kid[3];
    int index;    /* parameter, substrate, state, axis, cell input or aggregate */
    double value; /* RS_NODE_NUM */
    int col;      /* 1-based column of the token it came from */
} rs_expr_node;

/* An aggregate as parsed: the public description, and for each number of
 * its region (rs_region_number order, which is the order of the region's
 * arguments) the node holding its (constant) value. */
typedef struct rs_expr_agg_info {
    rs_expr_aggregate agg;
    int pnode[RS_REGION_MAX_NUMBERS];
    int col;               /* of the region constructor (value checks) */
    int tok_first, tok_end; /* the region's tokens, for de-duplication */
} rs_expr_agg_info;

/* What the parser produces. The caller frees nodes and aggs. */
typedef struct rs_expr_tree {
    rs_expr_node *nodes;
    int nnodes, root;
    rs_expr_agg_info *aggs;
    int naggs;
} rs_expr_tree;

/* Parses the tokens of text against sym into *tree. On error fills err
 * (line 1, column of the offending token), frees what it made and returns
 * RS_EINVAL or RS_ENOMEM. */
rs_status rs_expr_parse(const char *text, const rs_expr_token *tok, int ntok,
                        const rs_expr_symbols *sym, rs_expr_tree *tree, rs_error *err);

/* ---- names (expr_names.c) ---- */

/* Index of the name equal to s[0..len) in names[0..n), or -1. NULL arrays
 * and NULL entries are allowed (they match nothing). */
int rs_expr_find_name(const char *const *names, int n, const char *s, size_t len);

/* Index (RS_EXPR_CELL_*) of the built-in cell input named s[0..len), or -1. */
int rs_expr_find_cell_input(const char *s, size_t len);

/* ---- bytecode (expr_compile.c, expr_eval.c) ---- */

typedef enum rs_expr_opcode {
    RS_OP_CONST = 0, /* push pool[a] */
    RS_OP_SUBST,     /* push substrate a */
    RS_OP_STATE,     /* push state a */
    RS_OP_POS,       /* push x, y or z (a = 0, 1, 2) */
    RS_OP_TIME,      /* push t */
    RS_OP_CELL,      /* push built-in cell input a (RS_EXPR_CELL_*) */
    RS_OP_GRAD,      /* push the gradient magnitude of substrate a */
    RS_OP_AGG,       /* push aggregates[a] */
    RS_OP_CALL,      /* fn on the top rs_expr_fn_arity(fn) values */
    RS_OP_CALL_RK,   /* binary fn(top, pool[a]) */
    RS_OP_CALL_LK,   /* binary fn(pool[a], top) */
    RS_OP_CALL_KK    /* ternary fn with one argument (number `b`) on the stack
                        and the other two pool[a], pool[a + 1] in order */
} rs_expr_opcode;

typedef struct rs_expr_instr {
    unsigned char op; /* rs_expr_opcode */
    unsigned char fn; /* rs_expr_fn for the RS_OP_CALL* */
    unsigned short b;
    int a;
} rs_expr_instr;

struct rs_expr {
    rs_expr_instr *code;
    int ncode;
    int max_depth; /* evaluation stack the code needs */

    double *pool; /* constants; pool[i] = value of node pool_node[i] */
    int *pool_node;
    int npool;

    rs_expr_node *nodes; /* the tree, kept for re-folding */
    double *value;       /* per node: its value when constant */
    int nnodes, root;

    double *params; /* the bound parameter values */
    int nparams;

    rs_expr_aggregate *aggs;
    int (*agg_pnode)[RS_REGION_MAX_NUMBERS];
    int naggs;

    int is_constant;
    double constant;
    unsigned uses;
    unsigned char *uses_substrate; /* nsubstrates flags */
    int nsubstrates;
    unsigned char *uses_state; /* nstates flags */
    int nstates;
    unsigned char uses_cell[RS_EXPR_NCELL_INPUTS]; /* per built-in cell input */
    unsigned char *uses_gradient;                  /* nsubstrates flags */
};

/* Computes the value of every constant node from the parameters in
 * e->params, then the pool, the regions of the aggregates and, for a
 * constant expression, e->constant. Allocates nothing. */
void rs_expr_refold(rs_expr *e);

#endif

/* expr_eval.c: the block evaluator, the kernel behind rs_expr_eval. The
 * points are taken RS_EXPR_BLOCK at a time; each instruction of the
 * bytecode (expr_compile.c) is one plain loop over the block, so the
 * dispatch costs one switch per instruction per block and the loops
 * vectorise where the operation allows.
 *
 * The evaluation stack holds blocks, on the C stack (RS_EXPR_MAX_DEPTH of
 * them, 64 KiB): each stack entry is a pointer to its block of values,
 * which is either one of the stack's own buffers or, for a substrate,
 * state, position, cell input or gradient, the caller's array itself (no
 * copy). An operation writes into the buffer of its lowest operand, and the
 * last instruction writes straight into the output. Every value is computed
 * by the functions of expr_math.h, the same ones constant folding uses, so
 * a point's value does not depend on the block it falls in or on the
 * thread evaluating it.
 * Nothing is allocated and the compiled expression is only read, so any
 * number of threads may evaluate it at once. An input the expression reads
 * but the caller left NULL reads as NaN. */
#include <math.h>

#include "expr/expr_impl.h"
#include "expr/expr_math.h"

/* `omp simd` is a request: clang warns where it cannot honour it (e.g. at
 * -O1 under sanitizers); the loops are correct either way. */
#ifdef __clang__
#pragma clang diagnostic ignored "-Wpass-failed"
#endif

/* r[i] = EXPR for i in [0, n), as a loop the compiler may vectorise. */
#define SIMD_LOOP(EXPR)                                                                       \
    do {                                                                                      \
        _Pragma("omp simd") for (int i = 0; i < n; i++) r[i] = (EXPR);                        \
    } while (0)
/* The same for operations that call the C library (kept scalar, so the
 * values are those of the scalar functions). */
#define LOOP(EXPR)                                                                            \
    do {                                                                                      \
        for (int i = 0; i < n; i++) r[i] = (EXPR);                                            \
    } while (0)

/* r[0..n) = v. */
static void fill(double *r, int n, double v) { SIMD_LOOP(v); }

/* The block of an input array at begin, or NaNs in scratch when missing. */
static const double *input(const double *const *arrays, int index, size_t begin, int n,
                           double *scratch)
{
    const double *a = arrays ? arrays[index] : NULL;
    if (a) return a + begin;
    fill(scratch, n, NAN);
    return scratch;
}

/* r = fn(a) for a unary fn. */
static void unary(int fn, double *r, const double *a, int n)
{
    switch (fn) {
    case RS_FN_NEG: SIMD_LOOP(rs_expr_neg(a[i])); break;
    case RS_FN_NOT: SIMD_LOOP(rs_expr_not(a[i])); break;
    case RS_FN_ABS: SIMD_LOOP(fabs(a[i])); break;
    case RS_FN_STEP: SIMD_LOOP(rs_expr_step(a[i])); break;
    case RS_FN_FLOOR: LOOP(floor(a[i])); break;
    case RS_FN_SQRT: LOOP(sqrt(a[i])); break;
    case RS_FN_EXP: LOOP(exp(a[i])); break;
    case RS_FN_LOG: LOOP(log(a[i])); break;
    case RS_FN_SIN: LOOP(sin(a[i])); break;
    case RS_FN_COS: LOOP(cos(a[i])); break;
    case RS_FN_TANH: LOOP(tanh(a[i])); break;
    default: LOOP(rs_expr_apply(fn, a[i], 0.0, 0.0)); break;
    }
}

/* r = fn(A, B) where A and B are each a block (a, b) or, when the pointer
 * is NULL, the constant ka or kb. The three forms expand from one list. */
#define BINARY_CASES(A, B)                                                                    \
    case RS_FN_ADD: SIMD_LOOP(rs_expr_add(A, B)); break;                                      \
    case RS_FN_SUB: SIMD_LOOP(rs_expr_sub(A, B)); break;                                      \
    case RS_FN_MUL: SIMD_LOOP(rs_expr_mul(A, B)); break;                                      \
    case RS_FN_DIV: SIMD_LOOP(rs_expr_div(A, B)); break;                                      \
    case RS_FN_LT: SIMD_LOOP(rs_expr_lt(A, B)); break;                                        \
    case RS_FN_LE: SIMD_LOOP(rs_expr_le(A, B)); break;                                        \
    case RS_FN_GT: SIMD_LOOP(rs_expr_gt(A, B)); break;                                        \
    case RS_FN_GE: SIMD_LOOP(rs_expr_ge(A, B)); break;                                        \
    case RS_FN_EQ: SIMD_LOOP(rs_expr_eq(A, B)); break;                                        \
    case RS_FN_NE: SIMD_LOOP(rs_expr_ne(A, B)); break;                                        \
    case RS_FN_AND: SIMD_LOOP(rs_expr_and(A, B)); break;                                      \
    case RS_FN_OR: SIMD_LOOP(rs_expr_or(A, B)); break;                                        \
    case RS_FN_MIN: SIMD_LOOP(rs_expr_min(A, B)); break;                                      \
    case RS_FN_MAX: SIMD_LOOP(rs_expr_max(A, B)); break;                                      \
    default: LOOP(rs_expr_apply(fn, A, B, 0.0)); break;

/* r = fn(a, b), both blocks. */
static void binary(int fn, double *r, const double *a, const double *b, int n)
{
    switch (fn) { BINARY_CASES(a[i], b[i]) }
}

/* fn(a, k): a power with a constant exponent of 2 or 1 becomes a product
 * or a copy (as rs_expr_pow would decide per point). */
static void binary_rk(int fn, double *r, const double *a, double k, int n)
{
    if (fn == RS_FN_POW) {
        if (k == 2.0) SIMD_LOOP(rs_expr_pow(a[i], 2.0));
        else if (k == 1.0) SIMD_LOOP(rs_expr_pow(a[i], 1.0));
        else LOOP(rs_expr_pow(a[i], k));
        return;
    }
    switch (fn) { BINARY_CASES(a[i], k) }
}

/* fn(k, b). */
static void binary_lk(int fn, double *r, double k, const double *b, int n)
{
    switch (fn) { BINARY_CASES(k, b[i]) }
}

/* r = fn(a, b, c), all blocks. */
static void ternary(int fn, double *r, const double *a, const double *b, const double *c,
                    int n)
{
    switch (fn) {
    case RS_FN_IF: SIMD_LOOP(rs_expr_if(a[i], b[i], c[i])); break;
    case RS_FN_CLAMP: SIMD_LOOP(rs_expr_clamp(a[i], b[i], c[i])); break;
    case RS_FN_HILL: LOOP(rs_expr_hill(a[i], b[i], c[i])); break;
    case RS_FN_SMOOTHSTEP: LOOP(rs_expr_smoothstep(a[i], b[i], c[i])); break;
    default: LOOP(rs_expr_apply(fn, a[i], b[i], c[i])); break;
    }
}

/* A ternary fn whose argument number `pos` is the block a and the other
 * two the constants k0, k1 in order. The common forms (hill(x, K, n),
 * clamp(x, lo, hi), if(c, a, b), smoothstep(e0, e1, x)) have their own
 * loops; hill with n = 2 or 1 needs no pow. */
static void ternary_kk(int fn, int pos, double *r, const double *a, double k0, double k1,
                       int n)
{
    if (fn == RS_FN_HILL && pos == 0) {
        if (k1 == 2.0) SIMD_LOOP(rs_expr_hill(a[i], k0, 2.0));
        else if (k1 == 1.0) SIMD_LOOP(rs_expr_hill(a[i], k0, 1.0));
        else LOOP(rs_expr_hill(a[i], k0, k1));
    } else if (fn == RS_FN_CLAMP && pos == 0) {
        SIMD_LOOP(rs_expr_clamp(a[i], k0, k1));
    } else if (fn == RS_FN_IF && pos == 0) {
        SIMD_LOOP(rs_expr_if(a[i], k0, k1));
    } else if (fn == RS_FN_SMOOTHSTEP && pos == 2) {
        LOOP(rs_expr_smoothstep(k0, k1, a[i]));
    } else if (pos == 0) {
        LOOP(rs_expr_apply(fn, a[i], k0, k1));
    } else if (pos == 1) {
        LOOP(rs_expr_apply(fn, k0, a[i], k1));
    } else {
        LOOP(rs_expr_apply(fn, k0, k1, a[i]));
    }
}

/* Evaluates points [begin, begin + n) into dst[0..n). */
static void eval_block(const rs_expr *e, const rs_expr_inputs *in, size_t begin, int n,
                       double *dst)
{
    _Alignas(64) double buf[RS_EXPR_MAX_DEPTH][RS_EXPR_BLOCK];
    const double *slot[RS_EXPR_MAX_DEPTH];
    const double *const pool = e->pool;
    const int last = e->ncode - 1;
    int sp = 0;
    for (int pc = 0; pc <= last; pc++) {
        const rs_expr_instr *ins = &e->code[pc];
        double *r;
        switch ((rs_expr_opcode)ins->op) {
        case RS_OP_CONST:
            fill(buf[sp], n, pool[ins->a]);
            slot[sp] = buf[sp];
            sp++;
            break;
        case RS_OP_SUBST:
            slot[sp] = input(in->substrates, ins->a, begin, n, buf[sp]);
            sp++;
            break;
        case RS_OP_STATE:
            slot[sp] = input(in->states, ins->a, begin, n, buf[sp]);
            sp++;
            break;
        case RS_OP_POS: {
            const double *xyz[3] = {in->x, in->y, in->z};
            slot[sp] = input(xyz, ins->a, begin, n, buf[sp]);
            sp++;
            break;
        }
        case RS_OP_TIME:
            fill(buf[sp], n, in->t);
            slot[sp] = buf[sp];
            sp++;
            break;
        case RS_OP_CELL:
            slot[sp] = input(in->cell, ins->a, begin, n, buf[sp]);
            sp++;
            break;
        case RS_OP_GRAD:
            slot[sp] = input(in->gradients, ins->a, begin, n, buf[sp]);
            sp++;
            break;
        case RS_OP_AGG:
            fill(buf[sp], n, in->aggregates ? in->aggregates[ins->a] : NAN);
            slot[sp] = buf[sp];
            sp++;
            break;
        case RS_OP_CALL: {
            const int arity = rs_expr_fn_arity(ins->fn), j = sp - arity;
            r = pc == last ? dst : buf[j];
            if (arity == 1) unary(ins->fn, r, slot[j], n);
            else if (arity == 2) binary(ins->fn, r, slot[j], slot[j + 1], n);
            else ternary(ins->fn, r, slot[j], slot[j + 1], slot[j + 2], n);
            slot[j] = r;
            sp = j + 1;
            break;
        }
        case RS_OP_CALL_RK:
            r = pc == last ? dst : buf[sp - 1];
            binary_rk(ins->fn, r, slot[sp - 1], pool[ins->a], n);
            slot[sp - 1] = r;
            break;
        case RS_OP_CALL_LK:
            r = pc == last ? dst : buf[sp - 1];
            binary_lk(ins->fn, r, pool[ins->a], slot[sp - 1], n);
            slot[sp - 1] = r;
            break;
        case RS_OP_CALL_KK:
            r = pc == last ? dst : buf[sp - 1];
            ternary_kk(ins->fn, ins->b, r, slot[sp - 1], pool[ins->a], pool[ins->a + 1], n);
            slot[sp - 1] = r;
            break;
        }
    }
    if (slot[0] != dst) {
        const double *s = slot[0];
        double *r = dst;
        SIMD_LOOP(s[i]);
    }
}

/* Block by block; a constant expression just fills out. */
void rs_expr_eval(const rs_expr *e, const rs_expr_inputs *in, size_t n, double *out)
{
    if (!e || !out || n == 0) return;
    if (e->is_constant) {
        for (size_t i = 0; i < n; i++) out[i] = e->constant;
        return;
    }
    const rs_expr_inputs none = {0};
    if (!in) in = &none;
    for (size_t b = 0; b < n; b += RS_EXPR_BLOCK) {
        size_t left = n - b;
        int nb = left < RS_EXPR_BLOCK ? (int)left : RS_EXPR_BLOCK;
        eval_block(e, in, b, nb, out + b);
    }
}

/* One point through the same kernels (so the same bits as rs_expr_eval). */
double rs_expr_eval1(const rs_expr *e, const rs_expr_inputs *in)
{
    double v = NAN;
    rs_expr_eval(e, in, 1, &v);
    return v;
}

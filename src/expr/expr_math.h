/* expr_math.h: the value of every operation of the expression language at
 * one point. Constant folding (expr_compile.c) and the block kernels
 * (expr_eval.c) both call these, so a folded constant is bit for bit what
 * evaluation would have given. NaN propagates through every function;
 * comparisons and logic give 0 or 1 (NaN counts as true, being non-zero). */
#ifndef RS_EXPR_MATH_H
#define RS_EXPR_MATH_H

#include <math.h>

#include "expr/expr_impl.h"

static inline double rs_expr_neg(double a) { return -a; }
static inline double rs_expr_not(double a) { return a == 0.0 ? 1.0 : 0.0; }
static inline double rs_expr_step(double a) { return a >= 0.0 ? 1.0 : (a < 0.0 ? 0.0 : a); }
static inline double rs_expr_add(double a, double b) { return a + b; }
static inline double rs_expr_sub(double a, double b) { return a - b; }
static inline double rs_expr_mul(double a, double b) { return a * b; }
static inline double rs_expr_div(double a, double b) { return a / b; }
static inline double rs_expr_lt(double a, double b) { return a < b ? 1.0 : 0.0; }
static inline double rs_expr_le(double a, double b) { return a <= b ? 1.0 : 0.0; }
static inline double rs_expr_gt(double a, double b) { return a > b ? 1.0 : 0.0; }
static inline double rs_expr_ge(double a, double b) { return a >= b ? 1.0 : 0.0; }
static inline double rs_expr_eq(double a, double b) { return a == b ? 1.0 : 0.0; }
static inline double rs_expr_ne(double a, double b) { return a != b ? 1.0 : 0.0; }
static inline double rs_expr_and(double a, double b)
{
    return ((a != 0.0) & (b != 0.0)) ? 1.0 : 0.0;
}
static inline double rs_expr_or(double a, double b)
{
    return ((a != 0.0) | (b != 0.0)) ? 1.0 : 0.0;
}

/* The smaller / larger of a and b; NaN if either is NaN. */
static inline double rs_expr_min(double a, double b)
{
    const double m = a < b ? a : b; /* b if either is NaN */
    return a != a ? a : m;
}
static inline double rs_expr_max(double a, double b)
{
    const double m = a > b ? a : b;
    return a != a ? a : m;
}

/* a^b. b = 2 is a * a (the correctly rounded square) and b = 1 is a, so
 * x^2 is exact to the last bit and fast; anything else is C's pow. */
static inline double rs_expr_pow(double a, double b)
{
    return b == 2.0 ? a * a : (b == 1.0 ? a : pow(a, b));
}

/* hill(x, K, n) = x^n / (K^n + x^n), computed as 1 / (1 + (K/x)^n) so it
 * neither overflows nor loses precision for large x or n; 0 for x <= 0 and
 * NaN for NaN x. Written without branches around the divisions (x <= 0
 * divides K by +inf instead, and the result is masked) so that the block
 * loops vectorise; NaN K or n, or an infinite K, give NaN. */
static inline double rs_expr_hill(double x, double k, double n)
{
    const double positive = x > 0.0 ? 1.0 : 0.0;
    const double q = k / (x > 0.0 ? x : HUGE_VAL);
    const double h = 1.0 / (1.0 + rs_expr_pow(q, n));
    return positive * h + (x != x ? x : 0.0);
}

/* x limited to [lo, hi] (hi wins if lo > hi). */
static inline double rs_expr_clamp(double x, double lo, double hi)
{
    return rs_expr_min(rs_expr_max(x, lo), hi);
}

/* 0 below e0, 1 above e1, the cubic Hermite 3u^2 - 2u^3 of
 * u = (x - e0) / (e1 - e0) in between (e0 > e1 gives a falling step);
 * with e0 == e1, step(x - e0). */
static inline double rs_expr_smoothstep(double e0, double e1, double x)
{
    if (e0 == e1) return rs_expr_step(x - e0);
    double u = rs_expr_clamp((x - e0) / (e1 - e0), 0.0, 1.0);
    return u * u * (3.0 - 2.0 * u);
}

/* c non-zero (or NaN) ? a : b; both branches have been evaluated. */
static inline double rs_expr_if(double c, double a, double b) { return c != 0.0 ? a : b; }

/* The value of operation fn on its arguments (a, b, c as its arity needs). */
static inline double rs_expr_apply(int fn, double a, double b, double c)
{
    switch ((rs_expr_fn)fn) {
    case RS_FN_NEG: return rs_expr_neg(a);
    case RS_FN_NOT: return rs_expr_not(a);
    case RS_FN_EXP: return exp(a);
    case RS_FN_LOG: return log(a);
    case RS_FN_SQRT: return sqrt(a);
    case RS_FN_ABS: return fabs(a);
    case RS_FN_STEP: return rs_expr_step(a);
    case RS_FN_SIN: return sin(a);
    case RS_FN_COS: return cos(a);
    case RS_FN_TANH: return tanh(a);
    case RS_FN_FLOOR: return floor(a);
    case RS_FN_ADD: return rs_expr_add(a, b);
    case RS_FN_SUB: return rs_expr_sub(a, b);
    case RS_FN_MUL: return rs_expr_mul(a, b);
    case RS_FN_DIV: return rs_expr_div(a, b);
    case RS_FN_POW: return rs_expr_pow(a, b);
    case RS_FN_LT: return rs_expr_lt(a, b);
    case RS_FN_LE: return rs_expr_le(a, b);
    case RS_FN_GT: return rs_expr_gt(a, b);
    case RS_FN_GE: return rs_expr_ge(a, b);
    case RS_FN_EQ: return rs_expr_eq(a, b);
    case RS_FN_NE: return rs_expr_ne(a, b);
    case RS_FN_AND: return rs_expr_and(a, b);
    case RS_FN_OR: return rs_expr_or(a, b);
    case RS_FN_MIN: return rs_expr_min(a, b);
    case RS_FN_MAX: return rs_expr_max(a, b);
    case RS_FN_IF: return rs_expr_if(a, b, c);
    case RS_FN_HILL: return rs_expr_hill(a, b, c);
    case RS_FN_SMOOTHSTEP: return rs_expr_smoothstep(a, b, c);
    case RS_FN_CLAMP: return rs_expr_clamp(a, b, c);
    case RS_FN_COUNT_: break;
    }
    return NAN;
}

#endif

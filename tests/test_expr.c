/* test_expr.c: the expression language (regensim/expr.h,
 * docs/expressions.md): values of every operator and function computed by
 * hand, constant folding and re-binding, evaluation over blocks of several
 * sizes against plain C, folding against block evaluation bit for bit,
 * the per-cell inputs of cell rules (age, neighbours, volume, radius,
 * grad), aggregates (sum included) and regions, every kind of error with
 * its message and column, garbage input, and evaluation from two threads
 * at once. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_test.h"

/* ---- the symbol table every test compiles against ---- */

enum { P_K, P_KH, P_N, P_R0, NPARAMS };
enum { S_CYT, S_MYE, S_OXY, NSUBS };
enum { V_DAMAGE, V_AGE, NSTATES };

static const char *const param_names[NPARAMS] = {"k", "K", "n", "r0"};
static const double param_values[NPARAMS] = {2.0, 0.5, 2.0, 100.0};
static const char *const substrate_names[NSUBS] = {"cytokine", "myelin", "oxygen"};
static const char *const state_names[NSTATES] = {"damage", "age"};
static const char *const type_names[2] = {"microglia", "oligodendrocyte"};
static const int type_nstates[2] = {1, 2};
static const char *const microglia_states[1] = {"activation"};
static const char *const oligo_states[2] = {"damage", "myelination"};
static const char *const *const type_states[2] = {microglia_states, oligo_states};

#define ALLOW_ALL                                                                             \
    (RS_EXPR_ALLOW_POSITION | RS_EXPR_ALLOW_TIME | RS_EXPR_ALLOW_SUBSTRATES |                \
     RS_EXPR_ALLOW_STATES | RS_EXPR_ALLOW_AGGREGATES)

static rs_expr_symbols symbols(unsigned allow)
{
    rs_expr_symbols s = {NPARAMS, param_names, param_values, NSUBS, substrate_names,
                         NSTATES, state_names, 2, type_names, type_nstates, type_states,
                         allow};
    return s;
}

/* Compiles text with everything allowed; fails the test on error. */
static rs_expr *compile_ok(const char *text, unsigned allow)
{
    rs_expr_symbols s = symbols(allow);
    rs_expr *e = NULL;
    rs_error err;
    rs_error_clear(&err);
    rs_status st = rs_expr_compile(&e, text, &s, &err);
    if (st != RS_OK) fail_msg("'%s' did not compile: %s (column %d)", text, err.msg, err.col);
    assert_non_null(e);
    return e;
}

/* The value of a constant expression. */
static double value_of(const char *text)
{
    rs_expr *e = compile_ok(text, ALLOW_ALL);
    if (!rs_expr_is_constant(e)) fail_msg("'%s' is not constant", text);
    double v = rs_expr_constant(e);
    /* Evaluating a constant gives the constant. */
    double w = rs_expr_eval1(e, NULL);
    assert_memory_equal(&v, &w, sizeof v);
    rs_expr_destroy(e);
    return v;
}

static void check_value(const char *text, double expected)
{
    double v = value_of(text);
    if (!(v == expected)) fail_msg("'%s' = %.17g, expected %.17g", text, v, expected);
}

static void check_near(const char *text, double expected)
{
    double v = value_of(text);
    if (!(fabs(v - expected) <= 1e-15 * fabs(expected) + 1e-300))
        fail_msg("'%s' = %.17g, expected %.17g", text, v, expected);
}

/* Compiling text against s fails with exactly this message and column. */
static void check_error_in(const rs_expr_symbols *s, const char *text, int col,
                           const char *msg)
{
    rs_expr *e = (rs_expr *)1;
    rs_error err;
    rs_error_clear(&err);
    rs_status st = rs_expr_compile(&e, text, s, &err);
    if (st == RS_OK) fail_msg("'%s' compiled; expected the error: %s", text, msg);
    assert_int_equal(st, RS_EINVAL);
    assert_int_equal(err.code, RS_EINVAL);
    assert_null(e);
    if (strcmp(err.msg, msg) != 0)
        fail_msg("'%s':\n  got      '%s'\n  expected '%s'", text, err.msg, msg);
    if (err.line != 1 || err.col != col)
        fail_msg("'%s': error at %d:%d, expected 1:%d (%s)", text, err.line, err.col, col, msg);
}

/* Compiling text under allow fails with exactly this message and column. */
static void check_error(const char *text, unsigned allow, int col, const char *msg)
{
    rs_expr_symbols s = symbols(allow);
    check_error_in(&s, text, col, msg);
}

/* ---- values ---- */

static void numbers_and_constants(void **state)
{
    (void)state;
    check_value("1", 1.0);
    check_value("1.5", 1.5);
    check_value(".5", 0.5);
    check_value("1.", 1.0);
    check_value("0.1", 0.1);
    check_value("1e-5", 1e-5);
    check_value("2.5E+3", 2500.0);
    check_value("12.5e-3", 0.0125);
    check_value("000123", 123.0);
    check_value("1e-400", 0.0);
    check_value("  \t42\n", 42.0);
    check_value("pi", 3.14159265358979323846);
    check_value("e", 2.71828182845904523536);
}

static void operators_precedence_and_associativity(void **state)
{
    (void)state;
    check_value("1 + 2 * 3", 7.0);
    check_value("(1 + 2) * 3", 9.0);
    check_value("1 - 2 - 3", -4.0);
    check_value("8 / 4 / 2", 1.0);
    check_value("2 * 3 / 4", 1.5);
    check_value("2^3^2", 512.0);
    check_value("(2^3)^2", 64.0);
    check_value("-2^2", -4.0);
    check_value("(-2)^2", 4.0);
    check_value("2^-1", 0.5);
    check_value("-3 * -2", 6.0);
    check_value("- -3", 3.0);
    check_value("+3", 3.0);
    check_value("3 - -2", 5.0);
    check_value("1 / 0", HUGE_VAL);
    check_value("!0", 1.0);
    check_value("!5", 0.0);
    check_value("!!2", 1.0);
    check_value("-2^2 + 10", 6.0);
}

static void comparisons_and_logic(void **state)
{
    (void)state;
    check_value("1 < 2", 1.0);
    check_value("2 < 1", 0.0);
    check_value("1 <= 1", 1.0);
    check_value("2 <= 1", 0.0);
    check_value("2 > 1", 1.0);
    check_value("1 > 1", 0.0);
    check_value("1 >= 1", 1.0);
    check_value("1 >= 2", 0.0);
    check_value("1 == 1", 1.0);
    check_value("1 == 2", 0.0);
    check_value("1 != 2", 1.0);
    check_value("1 != 1", 0.0);
    check_value("1 + 1 == 2", 1.0);     /* arithmetic before comparison */
    check_value("1 < 2 == 2 < 3", 1.0); /* relational before equality */
    check_value("1 && 2", 1.0);
    check_value("1 && 0", 0.0);
    check_value("0 || 0", 0.0);
    check_value("0 || -3", 1.0);
    check_value("1 || 0 && 0", 1.0); /* && binds tighter than || */
    check_value("(1 || 0) && 0", 0.0);
    check_value("!0 && 1", 1.0);
    check_value("2 > 1 && 3 > 2", 1.0);
    check_value("0/0 && 1", 1.0); /* NaN is non-zero: true */
}

static void functions(void **state)
{
    (void)state;
    check_value("if(1, 2, 3)", 2.0);
    check_value("if(0, 2, 3)", 3.0);
    check_value("if(-1, 2, 3)", 2.0);
    check_value("exp(0)", 1.0);
    check_value("exp(1)", exp(1.0));
    check_value("log(1)", 0.0);
    check_value("log(e)", log(2.71828182845904523536));
    check_value("sqrt(16)", 4.0);
    check_value("pow(2, 10)", 1024.0);
    check_value("pow(9, 0.5)", 3.0);
    check_value("min(3, -1)", -1.0);
    check_value("max(3, -1)", 3.0);
    check_value("abs(-2.5)", 2.5);
    check_value("abs(2.5)", 2.5);
    check_value("hill(2, 1, 2)", 0.8);
    check_value("hill(1, 1, 3)", 0.5);
    check_value("hill(0.5, 0.5, 7)", 0.5);
    check_near("hill(3, 2, 2)", 9.0 / 13.0);
    check_near("hill(2, 1, 1)", 2.0 / 3.0);
    check_near("hill(2, 3, 1.5)", pow(2, 1.5) / (pow(3, 1.5) + pow(2, 1.5)));
    check_value("hill(0, 1, 2)", 0.0);
    check_value("hill(-1, 1, 2)", 0.0);
    check_value("hill(1e300, 1, 4)", 1.0); /* no overflow for large x^n */
    check_value("step(0)", 1.0);
    check_value("step(2)", 1.0);
    check_value("step(-0.1)", 0.0);
    check_value("smoothstep(0, 1, 0.5)", 0.5);
    check_value("smoothstep(0, 2, 0.5)", 0.15625); /* u = 1/4: 3u^2 - 2u^3 */
    check_value("smoothstep(0, 1, -1)", 0.0);
    check_value("smoothstep(0, 1, 2)", 1.0);
    check_value("smoothstep(1, 0, 0.25)", 0.84375); /* falling: u = 3/4 */
    check_value("smoothstep(1, 1, 1)", 1.0);
    check_value("smoothstep(1, 1, 0.5)", 0.0);
    check_value("clamp(5, 0, 1)", 1.0);
    check_value("clamp(-5, 0, 1)", 0.0);
    check_value("clamp(0.25, 0, 1)", 0.25);
    check_value("sin(0)", 0.0);
    check_value("sin(pi / 2)", 1.0);
    check_value("cos(0)", 1.0);
    check_value("tanh(0)", 0.0);
    check_value("tanh(1)", tanh(1.0));
    check_value("floor(2.7)", 2.0);
    check_value("floor(-2.5)", -3.0);
    /* NaN propagates through functions */
    assert_true(isnan(value_of("min(0/0, 1)")));
    assert_true(isnan(value_of("max(1, 0/0)")));
    assert_true(isnan(value_of("clamp(0/0, 0, 1)")));
    assert_true(isnan(value_of("hill(0/0, 1, 2)")));
    assert_true(isnan(value_of("sqrt(-1)")));
}

/* ---- constants and re-binding ---- */

static void folding_and_rebind(void **state)
{
    (void)state;
    rs_expr *e = compile_ok("2 * k + K^n", 0);
    assert_true(rs_expr_is_constant(e));
    assert_true(rs_expr_constant(e) == 4.25);
    assert_int_equal(rs_expr_uses(e), 0);
    assert_int_equal(rs_expr_naggregates(e), 0);
    const double v2[NPARAMS] = {3.0, 2.0, 3.0, 0.0};
    rs_expr_rebind(e, v2);
    assert_true(rs_expr_constant(e) == 14.0);
    rs_expr_rebind(e, param_values);
    assert_true(rs_expr_constant(e) == 4.25);
    rs_expr_destroy(e);

    /* A partly constant expression: the constant part follows the rebind. */
    e = compile_ok("k * K * cytokine + r0", RS_EXPR_ALLOW_SUBSTRATES);
    assert_false(rs_expr_is_constant(e));
    assert_true(isnan(rs_expr_constant(e)));
    const double c[1] = {3.0};
    const double *subs[NSUBS] = {c, NULL, NULL};
    rs_expr_inputs in = {.substrates = subs};
    assert_true(rs_expr_eval1(e, &in) == 2.0 * 0.5 * 3.0 + 100.0);
    const double v3[NPARAMS] = {4.0, 0.25, 2.0, -1.0};
    rs_expr_rebind(e, v3);
    assert_true(rs_expr_eval1(e, &in) == 4.0 * 0.25 * 3.0 - 1.0);
    rs_expr_destroy(e);

    /* Region arguments follow the rebind too. */
    e = compile_ok("mean(myelin, disk(r0, r0 / 2, r0 / 4))", RS_EXPR_ALLOW_AGGREGATES);
    const rs_expr_aggregate *a = rs_expr_aggregate_at(e, 0);
    assert_true(a->region.center[0] == 100.0 && a->region.center[1] == 50.0 &&
                a->region.radius == 25.0);
    const double v4[NPARAMS] = {0, 0, 0, 40.0};
    rs_expr_rebind(e, v4);
    assert_true(a->region.center[0] == 40.0 && a->region.center[1] == 20.0 &&
                a->region.radius == 10.0);
    rs_expr_destroy(e);

    /* Harmless calls. */
    rs_expr_rebind(NULL, v4);
    rs_expr_destroy(NULL);
    assert_false(rs_expr_is_constant(NULL));
    assert_int_equal(rs_expr_naggregates(NULL), 0);
    assert_null(rs_expr_aggregate_at(NULL, 0));
}

/* ---- evaluation over blocks ---- */

/* Smooth, varied per-point inputs, including zeros and negatives. */
static void fill_inputs(size_t n, double *cyt, double *mye, double *oxy, double *dmg,
                        double *age, double *x, double *y, double *z)
{
    for (size_t i = 0; i < n; i++) {
        double s = (double)i;
        cyt[i] = i % 17 == 0 ? 0.0 : 1.5 + sin(0.37 * s);
        mye[i] = 0.5 + 0.5 * cos(0.11 * s);
        oxy[i] = -0.2 + 0.013 * (double)(i % 101);
        dmg[i] = 0.001 * s;
        age[i] = 10.0 + (double)(i % 7);
        x[i] = 10.0 * (double)(i % 31);
        y[i] = 7.0 * (double)(i % 13) - 40.0;
        z[i] = 0.5 * (double)(i % 5);
    }
}

static double ref_hill(double x, double k, double n)
{
    return x > 0 ? pow(x, n) / (pow(k, n) + pow(x, n)) : 0.0;
}

static void block_sizes_against_plain_c(void **state)
{
    (void)state;
    const char *text = "k * hill(cytokine, K, n) * (1 - myelin) + 0.1 * x - y / (1 + z^2)"
                       " + if(t > 5, damage, age) + clamp(oxygen, 0, 0.5)"
                       " + smoothstep(0.2, 0.8, myelin) - max(cytokine, myelin)"
                       " + exp(-age / 10) * (oxygen >= 0.3 || damage < 0.2)";
    rs_expr *e = compile_ok(text, ALLOW_ALL);
    assert_int_equal(rs_expr_uses(e), RS_EXPR_ALLOW_POSITION | RS_EXPR_ALLOW_TIME |
                                          RS_EXPR_ALLOW_SUBSTRATES | RS_EXPR_ALLOW_STATES);
    assert_true(rs_expr_uses_substrate(e, S_CYT) && rs_expr_uses_substrate(e, S_OXY));
    assert_true(rs_expr_uses_state(e, V_DAMAGE) && rs_expr_uses_state(e, V_AGE));
    assert_false(rs_expr_uses_substrate(e, -1) || rs_expr_uses_substrate(e, NSUBS));
    const size_t sizes[] = {0, 1, 255, 256, 257, 1000};
    const size_t nmax = 1000;
    double *buf = malloc(10 * nmax * sizeof *buf);
    assert_non_null(buf);
    double *cyt = buf, *mye = cyt + nmax, *oxy = mye + nmax, *dmg = oxy + nmax,
           *age = dmg + nmax, *x = age + nmax, *y = x + nmax, *z = y + nmax,
           *out = z + nmax, *one = out + nmax;
    fill_inputs(nmax, cyt, mye, oxy, dmg, age, x, y, z);
    const double *subs[NSUBS] = {cyt, mye, oxy};
    const double *sts[NSTATES] = {dmg, age};
    for (int tt = 0; tt < 2; tt++) {
        const double t = tt ? 7.0 : 1.0;
        rs_expr_inputs in = {.substrates = subs, .states = sts, .x = x, .y = y, .z = z, .t = t};
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            const size_t n = sizes[s];
            for (size_t i = 0; i < nmax; i++) out[i] = -12345.0;
            rs_expr_eval(e, &in, n, out);
            for (size_t i = 0; i < n; i++) {
                double ref = 2.0 * ref_hill(cyt[i], 0.5, 2.0) * (1 - mye[i]) + 0.1 * x[i] -
                             y[i] / (1 + z[i] * z[i]) + (t > 5 ? dmg[i] : age[i]) +
                             fmin(fmax(oxy[i], 0.0), 0.5);
                double u = fmin(fmax((mye[i] - 0.2) / 0.6, 0.0), 1.0);
                ref += u * u * (3 - 2 * u) - fmax(cyt[i], mye[i]);
                ref += exp(-age[i] / 10) * ((oxy[i] >= 0.3 || dmg[i] < 0.2) ? 1.0 : 0.0);
                if (!(fabs(out[i] - ref) <= 1e-12 * (1 + fabs(ref))))
                    fail_msg("n = %zu, point %zu: %.17g, expected %.17g", n, i, out[i], ref);
            }
            assert_true(n == nmax || out[n] == -12345.0); /* nothing written past n */
            /* one point at a time gives the same bits */
            for (size_t i = 0; i < n; i += 37) {
                const double *s1[NSUBS] = {cyt + i, mye + i, oxy + i};
                const double *v1[NSTATES] = {dmg + i, age + i};
                rs_expr_inputs in1 = {.substrates = s1, .states = v1, .x = x + i,
                                      .y = y + i, .z = z + i, .t = t};
                one[0] = rs_expr_eval1(e, &in1);
                assert_memory_equal(&one[0], &out[i], sizeof(double));
            }
        }
    }
    free(buf);
    rs_expr_destroy(e);
}

/* The text of operation f (0-10 unary, 11-23 binary operators, 24-26
 * binary functions, 27-30 ternary functions) applied to args. */
static int op_arity(int f) { return f < 11 ? 1 : f < 27 ? 2 : 3; }

static void op_text(int f, char args[3][64], char *buf, size_t n)
{
    static const char *const unary[] = {"-", "!", "exp", "log", "sqrt", "abs", "step", "sin",
                                        "cos", "tanh", "floor"};
    static const char *const binary_ops[] = {"+", "-", "*", "/", "^", "<", "<=", ">",
                                             ">=", "==", "!=", "&&", "||"};
    static const char *const binary_fns[] = {"pow", "min", "max"};
    static const char *const ternary[] = {"if", "hill", "smoothstep", "clamp"};
    if (f < 2) snprintf(buf, n, "%s%s", unary[f], args[0]);
    else if (f < 11) snprintf(buf, n, "%s(%s)", unary[f], args[0]);
    else if (f < 24) snprintf(buf, n, "%s %s %s", args[0], binary_ops[f - 11], args[1]);
    else if (f < 27) snprintf(buf, n, "%s(%s, %s)", binary_fns[f - 24], args[0], args[1]);
    else snprintf(buf, n, "%s(%s, %s, %s)", ternary[f - 27], args[0], args[1], args[2]);
}

/* A number as expression text that reads back as exactly v. */
static void number_text(double v, char *buf, size_t n)
{
    if (isnan(v)) snprintf(buf, n, "(0/0)");
    else if (isinf(v)) snprintf(buf, n, v > 0 ? "(1/0)" : "(-1/0)");
    else snprintf(buf, n, "(%.17g)", v);
}

/* Evaluating an operation over per-point values gives exactly what folding
 * the same call with those values written as numbers gives: every
 * specialised loop (constant operands, x^2, hill with n = 2) agrees with
 * the scalar definition, for every mix of per-point and constant arguments
 * and for special values (signed zeros, NaN, infinities, huge and tiny). */
static void folding_matches_block_evaluation(void **state)
{
    (void)state;
    static const double vals[] = {0.0, -0.0, 1.0, 2.0, -1.5, 0.5, 3.25, 1e300, -1e-300,
                                  NAN, HUGE_VAL};
    enum { NV = sizeof vals / sizeof vals[0], NP = NV * NV * NV };
    static double a[NP], b[NP], c[NP], out[NP], ref[NP];
    for (int i = 0; i < NP; i++) {
        a[i] = vals[i % NV];
        b[i] = vals[(i / NV) % NV];
        c[i] = vals[i / (NV * NV)];
    }
    const double *subs[NSUBS] = {a, b, c};
    rs_expr_inputs in = {.substrates = subs};
    const char *const argname[3] = {"cytokine", "myelin", "oxygen"};
    char args[3][64], text[256];
    for (int f = 0; f < 31; f++) {
        const int arity = op_arity(f);
        const int nref = arity == 1 ? NV : arity == 2 ? NV * NV : NP;
        /* the folded value for every combination of argument values */
        for (int j = 0; j < nref; j++) {
            for (int k = 0, rest = j; k < arity; k++, rest /= NV)
                number_text(vals[rest % NV], args[k], sizeof args[k]);
            op_text(f, args, text, sizeof text);
            ref[j] = value_of(text);
        }
        /* each mix of per-point (bit set) and constant arguments */
        for (int mask = 1; mask < (1 << arity); mask++) {
            int ncomb = 1;
            for (int k = 0; k < arity; k++)
                if (!(mask & (1 << k))) ncomb *= NV;
            for (int comb = 0; comb < ncomb; comb++) {
                int cidx[3] = {-1, -1, -1};
                for (int k = 0, rest = comb; k < arity; k++) {
                    if (mask & (1 << k)) {
                        snprintf(args[k], sizeof args[k], "%s", argname[k]);
                    } else {
                        cidx[k] = rest % NV;
                        rest /= NV;
                        number_text(vals[cidx[k]], args[k], sizeof args[k]);
                    }
                }
                op_text(f, args, text, sizeof text);
                rs_expr *e = compile_ok(text, RS_EXPR_ALLOW_SUBSTRATES);
                rs_expr_eval(e, &in, NP, out);
                rs_expr_destroy(e);
                for (int i = 0; i < NP; i++) {
                    int idx[3] = {i % NV, (i / NV) % NV, i / (NV * NV)}, match = 1;
                    for (int k = 0; k < arity; k++)
                        if (cidx[k] >= 0 && cidx[k] != idx[k]) match = 0;
                    if (!match) continue;
                    const double want = ref[i % nref];
                    if (memcmp(&out[i], &want, sizeof want) != 0 &&
                        !(isnan(out[i]) && isnan(want)))
                        fail_msg("'%s' at (%g, %g, %g): %.17g, folded %.17g", text, a[i], b[i],
                                 c[i], out[i], want);
                }
            }
        }
    }
}

static void missing_inputs_read_as_nan(void **state)
{
    (void)state;
    rs_expr *e = compile_ok("cytokine + x + damage", ALLOW_ALL);
    rs_expr_inputs none = {0};
    assert_true(isnan(rs_expr_eval1(e, &none)));
    assert_true(isnan(rs_expr_eval1(e, NULL)));
    rs_expr_destroy(e);
    e = compile_ok("t * 2 + mean(myelin)", ALLOW_ALL);
    rs_expr_inputs in = {.t = 3.0};
    assert_true(isnan(rs_expr_eval1(e, &in)));
    const double agg[1] = {0.5};
    in.aggregates = agg;
    assert_true(rs_expr_eval1(e, &in) == 6.5);
    double out[3];
    rs_expr_eval(e, &in, 3, out);
    assert_true(out[0] == 6.5 && out[2] == 6.5);
    rs_expr_eval(e, &in, 0, NULL); /* n = 0: nothing happens */
    rs_expr_destroy(e);
}

/* ---- aggregates ---- */

static void aggregates_are_listed_and_deduplicated(void **state)
{
    (void)state;
    rs_expr *e = compile_ok(
        "mean(myelin) + integral(cytokine, disk(100, 200, 50)) - max(myelin)"
        " + min(oxygen, box(0, 0, 10, 20)) + count(microglia)"
        " + mean(oligodendrocyte.damage, sphere(1, 2, 3, 4)) + mean( myelin )"
        " + count(oligodendrocyte, annulus(0, 0, 5, 10)) + max(cytokine, shell(1, 2, 3, 4, 5))"
        " + integral(cytokine, disk(100, 200, 5e1)) + min(oxygen, box(0, 1, 2, 3, 4, 5))",
        RS_EXPR_ALLOW_AGGREGATES);
    assert_int_equal(rs_expr_naggregates(e), 9);
    assert_int_equal(rs_expr_uses(e), RS_EXPR_ALLOW_AGGREGATES);
    assert_false(rs_expr_uses_substrate(e, S_MYE)); /* aggregates are not point reads */
    const rs_expr_aggregate *a;
    a = rs_expr_aggregate_at(e, 0);
    assert_int_equal(a->kind, RS_AGG_MEAN);
    assert_int_equal(a->substrate, S_MYE);
    assert_int_equal(a->cell_type, -1);
    assert_int_equal(a->region.kind, RS_REGION_ALL);
    a = rs_expr_aggregate_at(e, 1);
    assert_int_equal(a->kind, RS_AGG_INTEGRAL);
    assert_int_equal(a->substrate, S_CYT);
    assert_int_equal(a->region.kind, RS_REGION_DISK);
    assert_int_equal(a->region.ncoords, 2);
    assert_true(a->region.center[0] == 100 && a->region.center[1] == 200 &&
                a->region.radius == 50);
    a = rs_expr_aggregate_at(e, 2);
    assert_int_equal(a->kind, RS_AGG_MAX);
    assert_int_equal(a->substrate, S_MYE);
    a = rs_expr_aggregate_at(e, 3);
    assert_int_equal(a->kind, RS_AGG_MIN);
    assert_int_equal(a->region.kind, RS_REGION_BOX);
    assert_int_equal(a->region.ncoords, 2); /* 4 arguments: z ignored */
    assert_true(a->region.lo[0] == 0 && a->region.lo[1] == 0 && a->region.hi[0] == 10 &&
                a->region.hi[1] == 20);
    assert_true(rs_region_contains(&a->region, 5, 5, -1e300));
    a = rs_expr_aggregate_at(e, 4);
    assert_int_equal(a->kind, RS_AGG_COUNT);
    assert_int_equal(a->cell_type, 0);
    assert_int_equal(a->substrate, -1);
    assert_int_equal(a->state, -1);
    a = rs_expr_aggregate_at(e, 5);
    assert_int_equal(a->kind, RS_AGG_MEAN);
    assert_int_equal(a->cell_type, 1);
    assert_int_equal(a->state, 0);
    assert_int_equal(a->region.kind, RS_REGION_SPHERE);
    assert_int_equal(a->region.ncoords, 3);
    assert_true(a->region.radius == 4);
    a = rs_expr_aggregate_at(e, 6);
    assert_int_equal(a->kind, RS_AGG_COUNT);
    assert_int_equal(a->region.kind, RS_REGION_ANNULUS);
    assert_true(a->region.inner == 5 && a->region.outer == 10);
    a = rs_expr_aggregate_at(e, 7);
    assert_int_equal(a->kind, RS_AGG_MAX);
    assert_int_equal(a->region.kind, RS_REGION_SHELL);
    assert_true(a->region.outer == 5);
    /* disk(100, 200, 5e1) is the same region as disk(100, 200, 50) */
    a = rs_expr_aggregate_at(e, 8);
    assert_int_equal(a->kind, RS_AGG_MIN);
    assert_int_equal(a->region.kind, RS_REGION_BOX);
    assert_int_equal(a->region.ncoords, 3);
    assert_int_equal(rs_region_nnumbers(&a->region), 6);
    for (int j = 0; j < 6; j++) assert_true(rs_region_value(&a->region, j) == j);
    for (int j = 0; j < 3; j++) assert_true(a->region.lo[j] == j && a->region.hi[j] == j + 3);
    assert_null(rs_expr_aggregate_at(e, 9));
    assert_null(rs_expr_aggregate_at(e, -1));
    /* The value adds the aggregates as given (two of them twice). */
    const double agg[9] = {1, 2, 4, 8, 16, 32, 64, 128, 256};
    rs_expr_inputs in = {.aggregates = agg};
    assert_true(rs_expr_eval1(e, &in) == 1 + 2 - 4 + 8 + 16 + 32 + 1 + 64 + 128 + 2 + 256);
    rs_expr_destroy(e);

    /* Same region text with other spacing and number spelling: one entry. */
    e = compile_ok("mean(myelin, disk(1,2,3)) + mean( myelin , disk(1, 2, 3.0)) + "
                   "mean(myelin, disk(1, 2, 4)) + integral(myelin, disk(1,2,3))",
                   RS_EXPR_ALLOW_AGGREGATES);
    assert_int_equal(rs_expr_naggregates(e), 3);
    rs_expr_destroy(e);
}

static void max_and_min_forms(void **state)
{
    (void)state;
    /* two ordinary arguments: elementwise */
    rs_expr *e = compile_ok("max(cytokine, myelin) + min(cytokine, 1)", ALLOW_ALL);
    assert_int_equal(rs_expr_naggregates(e), 0);
    const double c[1] = {3.0}, m[1] = {5.0};
    const double *subs[NSUBS] = {c, m, NULL};
    rs_expr_inputs in = {.substrates = subs};
    assert_true(rs_expr_eval1(e, &in) == 6.0);
    rs_expr_destroy(e);
    /* one name, or a region second: aggregate */
    e = compile_ok("max(cytokine) - min(myelin, disk(0, 0, 1)) + max(k, K)", ALLOW_ALL);
    assert_int_equal(rs_expr_naggregates(e), 2);
    assert_int_equal(rs_expr_aggregate_at(e, 0)->kind, RS_AGG_MAX);
    assert_int_equal(rs_expr_aggregate_at(e, 1)->kind, RS_AGG_MIN);
    rs_expr_destroy(e);
}

/* ---- cell inputs (cell rules) ---- */

/* A cell rule's symbol table: the usual parameters and substrates, one
 * state ("damage"; the usual table's state "age" would shadow the
 * built-in), and RS_EXPR_ALLOW_CELL added to allow. */
static rs_expr_symbols cell_symbols(unsigned allow)
{
    rs_expr_symbols s = symbols(allow);
    s.nstates = 1;
    return s;
}

/* Compiles text as a cell rule (everything a cell rule may read). */
static rs_expr *compile_cell(const char *text)
{
    rs_expr_symbols s = cell_symbols(RS_EXPR_ALLOW_POSITION | RS_EXPR_ALLOW_TIME |
                                     RS_EXPR_ALLOW_SUBSTRATES | RS_EXPR_ALLOW_STATES |
                                     RS_EXPR_ALLOW_CELL);
    rs_expr *e = NULL;
    rs_error err;
    rs_error_clear(&err);
    if (rs_expr_compile(&e, text, &s, &err) != RS_OK)
        fail_msg("'%s' did not compile: %s (column %d)", text, err.msg, err.col);
    return e;
}

static void cell_input_names(void **state)
{
    (void)state;
    assert_string_equal(rs_expr_cell_input_name(RS_EXPR_CELL_AGE), "age");
    assert_string_equal(rs_expr_cell_input_name(RS_EXPR_CELL_NEIGHBOURS), "neighbours");
    assert_string_equal(rs_expr_cell_input_name(RS_EXPR_CELL_VOLUME), "volume");
    assert_string_equal(rs_expr_cell_input_name(RS_EXPR_CELL_RADIUS), "radius");
    assert_null(rs_expr_cell_input_name(RS_EXPR_NCELL_INPUTS));
    assert_null(rs_expr_cell_input_name(-1));
}

/* Each built-in over 1000 cells (four blocks, the last partial), against
 * plain C, and point by point with the same bits; the uses_* queries say
 * exactly what is read. */
static void cell_inputs_over_blocks(void **state)
{
    (void)state;
    enum { N = 1000 };
    static double age[N], nb[N], vol[N], rad[N], gcyt[N], gmye[N], cyt[N], dmg[N], out[N];
    for (int i = 0; i < N; i++) {
        age[i] = 0.5 * i;
        nb[i] = (double)(i % 7);
        vol[i] = 500.0 + i;
        rad[i] = 4.0 + 0.01 * i;
        gcyt[i] = 1e-3 * (i % 13);
        gmye[i] = 0.25 - 1e-4 * i;
        cyt[i] = 2.0 + sin(0.1 * i);
        dmg[i] = 0.001 * i;
    }
    const double *subs[NSUBS] = {cyt, NULL, NULL};
    const double *grads[NSUBS] = {gcyt, gmye, NULL};
    const double *sts[1] = {dmg};
    rs_expr_inputs in = {.substrates = subs, .states = sts, .t = 3.0, .gradients = grads};
    in.cell[RS_EXPR_CELL_AGE] = age;
    in.cell[RS_EXPR_CELL_NEIGHBOURS] = nb;
    in.cell[RS_EXPR_CELL_VOLUME] = vol;
    in.cell[RS_EXPR_CELL_RADIUS] = rad;

    /* 2*age + neighbours */
    rs_expr *e = compile_cell("2*age + neighbours");
    assert_false(rs_expr_is_constant(e));
    assert_int_equal(rs_expr_uses(e), RS_EXPR_ALLOW_CELL);
    assert_true(rs_expr_uses_cell_input(e, RS_EXPR_CELL_AGE));
    assert_true(rs_expr_uses_cell_input(e, RS_EXPR_CELL_NEIGHBOURS));
    assert_false(rs_expr_uses_cell_input(e, RS_EXPR_CELL_VOLUME));
    assert_false(rs_expr_uses_cell_input(e, RS_EXPR_CELL_RADIUS));
    for (int s = 0; s < NSUBS; s++) assert_false(rs_expr_uses_gradient(e, s));
    rs_expr_eval(e, &in, N, out);
    for (int i = 0; i < N; i++) assert_true(out[i] == 2 * age[i] + nb[i]);
    rs_expr_destroy(e);

    /* grad(cytokine) * volume: the gradient is read, the concentration not */
    e = compile_cell("grad(cytokine) * volume");
    assert_int_equal(rs_expr_uses(e), RS_EXPR_ALLOW_CELL);
    assert_true(rs_expr_uses_gradient(e, S_CYT));
    assert_false(rs_expr_uses_gradient(e, S_MYE));
    assert_false(rs_expr_uses_substrate(e, S_CYT));
    assert_true(rs_expr_uses_cell_input(e, RS_EXPR_CELL_VOLUME));
    assert_false(rs_expr_uses_cell_input(e, RS_EXPR_CELL_AGE));
    rs_expr_eval(e, &in, N, out);
    for (int i = 0; i < N; i++) assert_true(out[i] == gcyt[i] * vol[i]);
    rs_expr_destroy(e);

    /* everything at once, with substrates, states, time and parameters */
    const char *text = "k * radius^2 - grad(myelin) / (1 + grad(cytokine)) + cytokine * damage"
                       " + if(age > 100, neighbours, -volume) + t + grad(cytokine)";
    e = compile_cell(text);
    assert_int_equal(rs_expr_uses(e), RS_EXPR_ALLOW_CELL | RS_EXPR_ALLOW_SUBSTRATES |
                                          RS_EXPR_ALLOW_STATES | RS_EXPR_ALLOW_TIME);
    for (int k = 0; k < RS_EXPR_NCELL_INPUTS; k++) assert_true(rs_expr_uses_cell_input(e, k));
    assert_true(rs_expr_uses_gradient(e, S_CYT) && rs_expr_uses_gradient(e, S_MYE));
    assert_false(rs_expr_uses_gradient(e, S_OXY));
    assert_true(rs_expr_uses_substrate(e, S_CYT));
    assert_false(rs_expr_uses_substrate(e, S_MYE));
    assert_false(rs_expr_uses_cell_input(e, -1) ||
                 rs_expr_uses_cell_input(e, RS_EXPR_NCELL_INPUTS));
    assert_false(rs_expr_uses_gradient(e, -1) || rs_expr_uses_gradient(e, NSUBS));
    const size_t sizes[] = {1, 255, 256, 257, N};
    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
        const size_t n = sizes[z];
        rs_expr_eval(e, &in, n, out);
        for (size_t i = 0; i < n; i++) {
            double ref = 2.0 * rad[i] * rad[i] - gmye[i] / (1 + gcyt[i]) + cyt[i] * dmg[i] +
                         (age[i] > 100 ? nb[i] : -vol[i]) + 3.0 + gcyt[i];
            if (!(fabs(out[i] - ref) <= 1e-12 * (1 + fabs(ref))))
                fail_msg("n = %zu, cell %zu: %.17g, expected %.17g", n, i, out[i], ref);
        }
    }
    for (size_t i = 0; i < N; i += 41) {
        const double *s1[NSUBS] = {cyt + i, NULL, NULL};
        const double *g1[NSUBS] = {gcyt + i, gmye + i, NULL};
        const double *v1[1] = {dmg + i};
        rs_expr_inputs in1 = {.substrates = s1, .states = v1, .t = 3.0, .gradients = g1};
        in1.cell[RS_EXPR_CELL_AGE] = age + i;
        in1.cell[RS_EXPR_CELL_NEIGHBOURS] = nb + i;
        in1.cell[RS_EXPR_CELL_VOLUME] = vol + i;
        in1.cell[RS_EXPR_CELL_RADIUS] = rad + i;
        double one = rs_expr_eval1(e, &in1);
        assert_memory_equal(&one, &out[i], sizeof one);
    }
    /* inputs left NULL read as NaN */
    rs_expr_inputs partial = in;
    partial.cell[RS_EXPR_CELL_RADIUS] = NULL;
    assert_true(isnan(rs_expr_eval1(e, &partial)));
    partial = in;
    partial.gradients = NULL;
    assert_true(isnan(rs_expr_eval1(e, &partial)));
    const double *grads_cyt_only[NSUBS] = {gcyt, NULL, NULL};
    partial.gradients = grads_cyt_only;
    assert_true(isnan(rs_expr_eval1(e, &partial)));
    rs_expr_destroy(e);

    /* not read: 0 from the queries (and NULL is harmless) */
    e = compile_cell("cytokine * damage");
    assert_int_equal(rs_expr_uses(e), RS_EXPR_ALLOW_SUBSTRATES | RS_EXPR_ALLOW_STATES);
    for (int k = 0; k < RS_EXPR_NCELL_INPUTS; k++) assert_false(rs_expr_uses_cell_input(e, k));
    for (int s = 0; s < NSUBS; s++) assert_false(rs_expr_uses_gradient(e, s));
    rs_expr_destroy(e);
    assert_false(rs_expr_uses_cell_input(NULL, 0));
    assert_false(rs_expr_uses_gradient(NULL, 0));

    /* A model name shadows a built-in (model loaders refuse such names):
     * the usual table has a state called age. */
    e = compile_ok("2 * age", RS_EXPR_ALLOW_STATES | RS_EXPR_ALLOW_CELL);
    assert_true(rs_expr_uses_state(e, V_AGE));
    assert_false(rs_expr_uses_cell_input(e, RS_EXPR_CELL_AGE));
    assert_int_equal(rs_expr_uses(e), RS_EXPR_ALLOW_STATES);
    rs_expr_destroy(e);
}

static void errors_cell_inputs(void **state)
{
    (void)state;
    const unsigned CELL = RS_EXPR_ALLOW_SUBSTRATES | RS_EXPR_ALLOW_STATES | RS_EXPR_ALLOW_CELL;
    const rs_expr_symbols cell = cell_symbols(CELL);
    const rs_expr_symbols reaction = cell_symbols(RS_EXPR_ALLOW_SUBSTRATES | RS_EXPR_ALLOW_TIME);
    const rs_expr_symbols metric = cell_symbols(RS_EXPR_ALLOW_AGGREGATES | RS_EXPR_ALLOW_TIME);
    /* outside cell rules */
    check_error_in(&reaction, "1 + age", 5,
                   "'age' can be used only in cell rules: it is the cell's age (min since it "
                   "was born or last divided)");
    check_error_in(&reaction, "neighbours > 2", 1,
                   "'neighbours' can be used only in cell rules: it is the number of cells "
                   "touching the cell");
    check_error_in(&metric, "t * volume", 5,
                   "'volume' can be used only in cell rules: it is the cell's volume (um^3; "
                   "um^2 in 2D)");
    check_error_in(&reaction, "cytokine / radius", 12,
                   "'radius' can be used only in cell rules: it is the cell's radius (um)");
    check_error_in(&reaction, "k * grad(cytokine)", 5,
                   "'grad' can be used only in cell rules: grad(S) is the magnitude of the "
                   "gradient of substrate S at the cell (concentration/um)");
    /* a region with no arguments is not the box's second form (the
     * fuzzer found `disk()` read before its numbers) */
    check_error_in(&metric, "mean(myelin, disk())", 14,
                   "'disk' expects 3 arguments (cx, cy, r), got 0");
    check_error_in(&metric, "mean(myelin, box())", 14,
                   "'box' expects 4 arguments (x0, y0, x1, y1) or 6 (x0, y0, z0, x1, y1, z1), "
                   "got 0");
    check_error_in(&metric, "mean(myelin, disk(0, 0, radius))", 25,
                   "the arguments of 'disk' must be constant (numbers and parameters); "
                   "'radius' is a cell property");
    check_error_in(&metric, "mean(myelin, disk(0, 0, grad(myelin)))", 25,
                   "the arguments of 'disk' must be constant (numbers and parameters); "
                   "'grad' is a gradient at a cell");
    /* grad of something that is not a substrate */
    check_error_in(&cell, "2 * grad(k)", 10,
                   "'k' is a parameter, not a substrate: 'grad' takes a substrate name");
    check_error_in(&cell, "grad(damage)", 6,
                   "'damage' is a state variable, not a substrate: 'grad' takes a substrate "
                   "name");
    check_error_in(&cell, "grad(age)", 6,
                   "'age' is a cell property, not a substrate: 'grad' takes a substrate name");
    check_error_in(&cell, "grad(cytokin)", 6,
                   "unknown substrate 'cytokin' (did you mean 'cytokine'?)");
    check_error_in(&cell, "grad(foo)", 6, "unknown substrate 'foo'");
    check_error_in(&cell, "grad(2)", 6,
                   "expected a substrate name as the argument of 'grad', found number '2'");
    check_error_in(&cell, "grad((myelin))", 6,
                   "expected a substrate name as the argument of 'grad', found '('");
    check_error_in(&cell, "grad(cytokine * 2)", 15,
                   "expected ')' after 'cytokine', found '*': 'grad' takes a substrate name, "
                   "not an expression");
    /* arity */
    check_error_in(&cell, "grad()", 1, "'grad' expects 1 argument (a substrate name), got 0");
    check_error_in(&cell, "1 + grad(cytokine, myelin)", 5,
                   "'grad' expects 1 argument (a substrate name), got 2");
    check_error_in(&cell, "grad(min(1, 2), (3, 4), 5)", 1,
                   "'grad' expects 1 argument (a substrate name), got 3");
    check_error_in(&cell, "grad(cytokine", 14,
                   "unexpected end of expression: expected ')' after the arguments of 'grad'");
    /* names */
    check_error_in(&cell, "grad + 1", 1,
                   "'grad' is a function, not a value: grad(S) is the magnitude of the "
                   "gradient of substrate S at a cell (in cell rules)");
    check_error_in(&cell, "age(2)", 1, "'age' is a cell property, not a function");
    check_error_in(&cell, "1 + agee", 5, "unknown name 'agee' (did you mean 'age'?)");
    check_error_in(&cell, "neighbors", 1,
                   "unknown name 'neighbors' (did you mean 'neighbours'?)");
    check_error_in(&cell, "gard(cytokine)", 1, "unknown function 'gard' (did you mean 'grad'?)");
    check_error_in(&cell, "foo", 1,
                   "unknown name 'foo' (not a parameter, substrate, state variable, t, x, y, z, "
                   "pi, e, age, neighbours, volume or radius)");
    /* outside cell rules the cell inputs are not offered as near misses */
    check_error_in(&reaction, "agee", 1,
                   "unknown name 'agee' (not a parameter, substrate, state variable, t, x, y, "
                   "z, pi or e)");
}

/* sum(type.state[, region]): listed beside mean and count, de-duplicated
 * the same way, distinct from the mean of the same state. */
static void sum_aggregates(void **state)
{
    (void)state;
    rs_expr *e = compile_ok(
        "sum(oligodendrocyte.damage) + sum(oligodendrocyte.damage, disk(0, 0, 10))"
        " - mean(oligodendrocyte.damage) + sum( oligodendrocyte.damage )"
        " + sum(microglia.activation, box(0, 0, 1, 1)) + sum(oligodendrocyte.damage,"
        " disk(0,0,1e1)) + sum(oligodendrocyte.myelination, sphere(1, 2, 3, 4))"
        " + count(oligodendrocyte)",
        RS_EXPR_ALLOW_AGGREGATES);
    assert_int_equal(rs_expr_naggregates(e), 6);
    assert_int_equal(rs_expr_uses(e), RS_EXPR_ALLOW_AGGREGATES);
    const rs_expr_aggregate *a = rs_expr_aggregate_at(e, 0);
    assert_int_equal(a->kind, RS_AGG_SUM);
    assert_int_equal(a->cell_type, 1);
    assert_int_equal(a->state, 0);
    assert_int_equal(a->substrate, -1);
    assert_int_equal(a->region.kind, RS_REGION_ALL);
    a = rs_expr_aggregate_at(e, 1);
    assert_int_equal(a->kind, RS_AGG_SUM);
    assert_int_equal(a->cell_type, 1);
    assert_int_equal(a->state, 0);
    assert_int_equal(a->region.kind, RS_REGION_DISK);
    assert_true(a->region.center[0] == 0 && a->region.center[1] == 0 &&
                a->region.radius == 10);
    a = rs_expr_aggregate_at(e, 2);
    assert_int_equal(a->kind, RS_AGG_MEAN);
    assert_int_equal(a->cell_type, 1);
    assert_int_equal(a->state, 0);
    a = rs_expr_aggregate_at(e, 3);
    assert_int_equal(a->kind, RS_AGG_SUM);
    assert_int_equal(a->cell_type, 0);
    assert_int_equal(a->state, 0);
    assert_int_equal(a->region.kind, RS_REGION_BOX);
    assert_true(a->region.hi[0] == 1 && a->region.hi[1] == 1);
    a = rs_expr_aggregate_at(e, 4);
    assert_int_equal(a->kind, RS_AGG_SUM);
    assert_int_equal(a->cell_type, 1);
    assert_int_equal(a->state, 1);
    assert_int_equal(a->region.kind, RS_REGION_SPHERE);
    assert_true(a->region.radius == 4);
    a = rs_expr_aggregate_at(e, 5);
    assert_int_equal(a->kind, RS_AGG_COUNT);
    assert_null(rs_expr_aggregate_at(e, 6));
    const double agg[6] = {1, 2, 4, 8, 16, 32};
    rs_expr_inputs in = {.aggregates = agg};
    assert_true(rs_expr_eval1(e, &in) == 1 + 2 - 4 + 1 + 8 + 2 + 16 + 32);
    /* region arguments follow a rebind */
    rs_expr_destroy(e);
    e = compile_ok("sum(microglia.activation, disk(r0, 0, r0 / 2))", RS_EXPR_ALLOW_AGGREGATES);
    a = rs_expr_aggregate_at(e, 0);
    assert_true(a->region.center[0] == 100 && a->region.radius == 50);
    const double v[NPARAMS] = {0, 0, 0, 8.0};
    rs_expr_rebind(e, v);
    assert_true(a->region.center[0] == 8 && a->region.radius == 4);
    rs_expr_destroy(e);
}

static void errors_sum(void **state)
{
    (void)state;
    const unsigned A = RS_EXPR_ALLOW_AGGREGATES;
    check_error("sum(microglia)", A, 5,
                "'microglia' is a cell type: a sum over cells needs a state variable, e.g. "
                "sum(microglia.STATE); count(microglia) is the number of its cells");
    check_error("sum(microglia, disk(0, 0, 1))", A, 5,
                "'microglia' is a cell type: a sum over cells needs a state variable, e.g. "
                "sum(microglia.STATE); count(microglia) is the number of its cells");
    check_error("sum(myelin)", A, 5,
                "'myelin' is a substrate: 'sum' adds a state variable over cells, "
                "sum(cell_type.state); over a field use integral(myelin)");
    check_error("sum(k)", A, 5, "'k' is a parameter, not a cell type: 'sum' takes "
                                "cell_type.state");
    check_error("sum(microglai.activation)", A, 5,
                "unknown cell type 'microglai' (did you mean 'microglia'?)");
    check_error("sum(microglia.activatoin)", A, 15,
                "cell type 'microglia' has no state variable 'activatoin' (did you mean "
                "'activation'?)");
    check_error("sum(microglia.)", A, 15,
                "expected a state variable name after 'microglia.', found ')'");
    check_error("sum(2)", A, 5,
                "expected cell_type.state as the argument of 'sum', found number '2'");
    check_error("sum(microglia.activation, 3)", A, 27,
                "expected a region (disk, sphere, box, annulus or shell) as the second "
                "argument of 'sum', found number '3'");
    check_error("sum(microglia.activation, disk(0, 0, -1))", A, 27,
                "'disk': radius -1 is negative; expected >= 0 (um)");
    check_error("sum(microglia.activation", A, 25,
                "unexpected end of expression: expected ')' after the arguments of 'sum'");
    check_error("k * sum(microglia.activation)", RS_EXPR_ALLOW_SUBSTRATES, 5,
                "'sum' cannot be used here: aggregates (mean, integral, max, min, count, sum) "
                "are allowed only in metrics");
}

/* ---- errors ---- */

static void errors_names(void **state)
{
    (void)state;
    const unsigned S = RS_EXPR_ALLOW_SUBSTRATES;
    check_error("1 + cytokin", S, 5, "unknown name 'cytokin' (did you mean 'cytokine'?)");
    check_error("k * Myelin", S, 5, "unknown name 'Myelin' (did you mean 'myelin'?)");
    check_error("k * mylein", S, 5, "unknown name 'mylein' (did you mean 'myelin'?)");
    check_error("foo * 2", S, 1,
                "unknown name 'foo' (not a parameter, substrate, state variable, t, x, y, z, "
                "pi or e)");
    check_error("hil(cytokine, K, 2)", S, 1, "unknown function 'hil' (did you mean 'hill'?)");
    check_error("2 * expp(1)", S, 5, "unknown function 'expp' (did you mean 'exp'?)");
    check_error("frobnicate(1)", S, 1, "unknown function 'frobnicate'");
    check_error("k(2)", S, 1, "'k' is a parameter, not a function");
    check_error("disk(1, 2, 3)", ALLOW_ALL, 1,
                "'disk' makes a region, which can only be the second argument of an "
                "aggregate, e.g. mean(myelin, disk(500, 500, 100))");
    check_error("microglia + 1", ALLOW_ALL, 1,
                "'microglia' is a cell type, not a value; count(microglia), the number of "
                "its cells, can be used in metrics");
    check_error("oligodendrocyte.damage", ALLOW_ALL, 1,
                "'oligodendrocyte.damage' can be used only inside an aggregate in a metric, "
                "e.g. mean(oligodendrocyte.damage)");
}

static void errors_arity(void **state)
{
    (void)state;
    const unsigned S = RS_EXPR_ALLOW_SUBSTRATES;
    check_error("hill(cytokine, K)", S, 1, "'hill' expects 3 arguments (x, K, n), got 2");
    check_error("1 + exp(1, 2)", S, 5, "'exp' expects 1 argument (x), got 2");
    check_error("if(1, 2)", S, 1, "'if' expects 3 arguments (condition, then, else), got 2");
    check_error("clamp()", S, 1, "'clamp' expects 3 arguments (x, lo, hi), got 0");
    check_error("pow(1, 2, 3, 4)", S, 1, "'pow' expects 2 arguments (a, b), got 4");
    check_error("max(1)", S, 1,
                "'max' expects 2 arguments (a, b), got 1 (with one substrate name it is the "
                "aggregate over a field)");
    check_error("smoothstep(0, 1)", S, 1,
                "'smoothstep' expects 3 arguments (e0, e1, x), got 2");
    check_error("mean(myelin, box(1, 2, 3, 4, 5))", ALLOW_ALL, 14,
                "'box' expects 4 arguments (x0, y0, x1, y1) or 6 (x0, y0, z0, x1, y1, z1), "
                "got 5");
    check_error("count(microglia, disk(1, 2))", ALLOW_ALL, 18,
                "'disk' expects 3 arguments (cx, cy, r), got 2");
}

static void errors_context(void **state)
{
    (void)state;
    const unsigned POS = RS_EXPR_ALLOW_POSITION;
    check_error("1 + t", POS, 5,
                "'t' cannot be used here: this expression is evaluated once, before the run "
                "(time is allowed in reactions, cell rules and metrics)");
    check_error("2 * y", RS_EXPR_ALLOW_TIME, 5,
                "'y' cannot be used here: this expression is not evaluated at a point in "
                "space (positions x, y, z are allowed in initial fields, reactions and cell "
                "rules)");
    check_error("x * cytokine", POS, 5,
                "'cytokine' cannot be used here: substrate concentrations at a point are "
                "allowed in reactions and cell rules");
    check_error("cytokine / 2", RS_EXPR_ALLOW_AGGREGATES, 1,
                "'cytokine' cannot be used here: substrate concentrations at a point are "
                "allowed in reactions and cell rules; in a metric use an aggregate, e.g. "
                "mean(cytokine)");
    check_error("age > 3", RS_EXPR_ALLOW_SUBSTRATES, 1,
                "'age' cannot be used here: cell state variables are allowed only in the "
                "rules of their cell type");
    check_error("myelination", RS_EXPR_ALLOW_AGGREGATES, 1,
                "'myelination' is a state variable of cell type 'oligodendrocyte' and cannot "
                "be used here: state variables are allowed only in the rules of their cell "
                "type; in a metric use mean(oligodendrocyte.myelination)");
    check_error("activation", RS_EXPR_ALLOW_STATES, 1,
                "'activation' is a state variable of cell type 'microglia', not of the cell "
                "type this rule belongs to");
    check_error("k * mean(myelin)", RS_EXPR_ALLOW_SUBSTRATES, 5,
                "'mean' cannot be used here: aggregates (mean, integral, max, min, count, sum) "
                "are allowed only in metrics");
    check_error("max(myelin)", RS_EXPR_ALLOW_SUBSTRATES, 1,
                "'max' of a substrate is an aggregate (the maximum over the domain) and "
                "cannot be used here: aggregates are allowed only in metrics; for the larger "
                "of two values write max(a, b)");
    check_error("mean(myelin, disk(x, 0, 10))", ALLOW_ALL, 19,
                "the arguments of 'disk' must be constant (numbers and parameters); 'x' is a "
                "coordinate");
    check_error("mean(myelin, disk(0, 0, 10 * oxygen))", ALLOW_ALL, 30,
                "the arguments of 'disk' must be constant (numbers and parameters); 'oxygen' "
                "is a substrate");
    check_error("mean(myelin, disk(0, 0, mean(oxygen)))", ALLOW_ALL, 25,
                "the arguments of 'disk' must be constant (numbers and parameters); 'mean' is "
                "an aggregate");
}

static void errors_aggregates(void **state)
{
    (void)state;
    const unsigned A = RS_EXPR_ALLOW_AGGREGATES;
    check_error("mean(myelinn)", A, 6, "unknown substrate 'myelinn' (did you mean 'myelin'?)");
    check_error("count(microglai)", A, 7,
                "unknown cell type 'microglai' (did you mean 'microglia'?)");
    check_error("mean(oligodendrocyte.damag)", A, 22,
                "cell type 'oligodendrocyte' has no state variable 'damag' (did you mean "
                "'damage'?)");
    check_error("mean(microglia)", A, 6,
                "'microglia' is a cell type: a mean over cells needs a state variable, e.g. "
                "mean(microglia.STATE); count(microglia) is the number of its cells");
    check_error("integral(k)", A, 10,
                "'k' is a parameter, not a substrate: 'integral' takes a substrate name");
    check_error("count(myelin)", A, 7,
                "'myelin' is a substrate, not a cell type: 'count' takes a cell type name");
    check_error("count(microglia.activation)", A, 16,
                "'count' takes a cell type name, e.g. count(microglia), not a state variable");
    check_error("max(microglia.activation)", A, 5,
                "'max' of a cell state variable is not supported: 'max' takes a substrate "
                "name (mean(cell_type.state) and sum(cell_type.state) average and add a state "
                "over cells)");
    check_error("mean(2 * myelin)", A, 6,
                "expected a substrate name or cell_type.state as the argument of 'mean', "
                "found number '2'");
    check_error("mean(myelin, 3)", A, 14,
                "expected a region (disk, sphere, box, annulus or shell) as the second "
                "argument of 'mean', found number '3'");
    check_error("mean(myelin, disk(1, 2, 3), 4)", A, 27,
                "expected ')' after the arguments of 'mean', found ','");
    check_error("mean(myelin", A, 12,
                "unexpected end of expression: expected ')' after the arguments of 'mean'");
    check_error("mean(myelin, disk(0, 0, -5))", A, 14,
                "'disk': radius -5 is negative; expected >= 0 (um)");
    check_error("mean(myelin, annulus(0, 0, 5, 2))", A, 14,
                "'annulus': radii 5 and 2; expected 0 <= inner <= outer (um)");
    check_error("mean(myelin, box(0, 5, 1, 2))", A, 14,
                "'box': the lower y bound 5 is above the upper bound 2 (um)");
    check_error("mean(myelin, sphere(0, 0, 1/0, 1))", A, 14,
                "'sphere': argument 3 is inf; expected a finite number (um)");
    check_error("mean(myelin, box(0, 0, 1/0, 2))", A, 14,
                "'box': argument 3 is inf; expected a finite number (um)");
    check_error("mean(myelin, box(0, 0, 0, 1, 2, -1/0))", A, 14,
                "'box': argument 6 is -inf; expected a finite number (um)");
}

static void errors_syntax(void **state)
{
    (void)state;
    const unsigned S = RS_EXPR_ALLOW_SUBSTRATES;
    check_error("", S, 1, "empty expression");
    check_error("   ", S, 1, "empty expression");
    check_error("(1 + 2", S, 7,
                "unexpected end of expression: expected ')' to match the '(' at column 1");
    check_error("((1 + 2) * 3", S, 13,
                "unexpected end of expression: expected ')' to match the '(' at column 1");
    check_error("(1 + 2 3)", S, 8,
                "expected ')' to match the '(' at column 1, found number '3'");
    check_error("1 + 2)", S, 6, "unmatched ')'");
    check_error("hill(cytokine, K, 2", S, 20,
                "unexpected end of expression: expected ')' after the arguments of 'hill'");
    check_error("hill(cytokine K, 2)", S, 15,
                "expected ',' or ')' after argument 1 of 'hill', found name 'K'");
    check_error("1 2", S, 3,
                "expected an operator or the end of the expression, found number '2'");
    check_error("k myelin", S, 3,
                "expected an operator or the end of the expression, found name 'myelin'");
    check_error("1 +", S, 4,
                "unexpected end of expression: expected a number, a name or '(' after '+'");
    check_error("* 2", S, 1, "expected a number, a name or '(' at the start, found '*'");
    check_error("2 * (, 3)", S, 6, "expected a number, a name or '(' after '(', found ','");
    check_error("()", S, 2, "expected a number, a name or '(' after '(', found ')'");
    const char *chained =
        "comparisons cannot be chained: write (a < b) && (b < c) instead of a < b < c";
    check_error("1 < 2 < 3", S, 7, chained);
    check_error("1 == 1 != 0", S, 8, chained);
    check_error("1 # 2", S, 3, "unexpected character '#'");
    check_error("k = 2", S, 3, "unexpected character '=': use '==' to compare");
    check_error("1 & 2", S, 3, "unexpected character '&': use '&&' for 'and'");
    check_error("1 | 2", S, 3, "unexpected character '|': use '||' for 'or'");
    check_error("1 + \xc3\xa9", S, 5, "unexpected byte 0xC3 (expressions are plain ASCII)");
    check_error("1 +\x01 2", S, 4, "unexpected control character 0x01");
    check_error("1e", S, 1, "malformed number '1e': expected digits after the exponent 'e'");
    check_error("2 * 1e+", S, 5,
                "malformed number '1e+': expected digits after the exponent 'e'");
    check_error("2x", S, 1,
                "malformed number '2x': unexpected 'x' after it (write '*' for a product)");
    check_error("1.5.3", S, 1,
                "malformed number '1.5.': unexpected '.' after it (write '*' for a product)");
    check_error("1e999", S, 1, "number '1e999' is too large (the largest is about 1.8e308)");
    check_error("myelin.x", S, 7,
                "expected an operator or the end of the expression, found '.'");
}

static void errors_limits(void **state)
{
    (void)state;
    const unsigned S = RS_EXPR_ALLOW_SUBSTRATES;
    char *text = malloc(RS_EXPR_MAX_LENGTH + 2);
    assert_non_null(text);
    /* exactly the limit: fine; one more byte: refused */
    memset(text, ' ', RS_EXPR_MAX_LENGTH);
    text[0] = '1';
    text[RS_EXPR_MAX_LENGTH] = '\0';
    rs_expr *e = compile_ok(text, S);
    rs_expr_destroy(e);
    text[RS_EXPR_MAX_LENGTH] = ' ';
    text[RS_EXPR_MAX_LENGTH + 1] = '\0';
    check_error(text, S, 1, "expression too long: more than 4096 bytes");

    /* 64 levels of parentheses: fine; 65: refused at the 65th '(' */
    char buf[512];
    int n = 0;
    for (int i = 0; i < 64; i++) buf[n++] = '(';
    buf[n++] = '1';
    for (int i = 0; i < 64; i++) buf[n++] = ')';
    buf[n] = '\0';
    e = compile_ok(buf, S);
    assert_true(rs_expr_constant(e) == 1.0);
    rs_expr_destroy(e);
    n = 0;
    for (int i = 0; i < 65; i++) buf[n++] = '(';
    buf[n++] = '1';
    for (int i = 0; i < 65; i++) buf[n++] = ')';
    buf[n] = '\0';
    const char *deep = "expression nested too deeply: more than 64 levels of parentheses, "
                       "function calls and operators";
    check_error(buf, S, 65, deep);
    n = 0;
    for (int i = 0; i < 70; i++) buf[n++] = '-';
    buf[n++] = '1';
    buf[n] = '\0';
    check_error(buf, S, 65, deep);
    /* a long flat chain is not nesting */
    n = 0;
    for (int i = 0; i < 200; i++) n += snprintf(buf + n, sizeof buf - (size_t)n, "1+");
    buf[n++] = '1';
    buf[n] = '\0';
    e = compile_ok(buf, S);
    assert_true(rs_expr_constant(e) == 201.0);
    rs_expr_destroy(e);

    /* Right-nested sums need one stack slot per level: 32 fit, 33 do not. */
    for (int depth = 31; depth <= 32; depth++) {
        n = 0;
        for (int i = 0; i < depth; i++)
            n += snprintf(buf + n, sizeof buf - (size_t)n, "myelin+(");
        n += snprintf(buf + n, sizeof buf - (size_t)n, "myelin");
        for (int i = 0; i < depth; i++) buf[n++] = ')';
        buf[n] = '\0';
        if (depth == 31) {
            e = compile_ok(buf, S);
            const double m[1] = {1.0};
            const double *subs[NSUBS] = {NULL, m, NULL};
            rs_expr_inputs in = {.substrates = subs};
            assert_true(rs_expr_eval1(e, &in) == 32.0);
            rs_expr_destroy(e);
        } else {
            check_error(buf, S, 257,
                         "expression too deeply nested to evaluate: it needs a stack of 33 "
                         "values, more than the limit of 32 (nest less on the right, e.g. "
                         "(a + b) + c rather than a + (b + c))");
        }
    }
    free(text);
}

static void errors_bad_arguments(void **state)
{
    (void)state;
    rs_expr *e = (rs_expr *)1;
    rs_error err;
    assert_int_equal(rs_expr_compile(&e, NULL, NULL, &err), RS_EINVAL);
    assert_null(e);
    assert_int_equal(rs_expr_compile(NULL, "1", NULL, &err), RS_EINVAL);
    /* no symbol table: numbers only */
    assert_int_equal(rs_expr_compile(&e, "2 * pi", NULL, &err), RS_OK);
    assert_true(rs_expr_is_constant(e));
    rs_expr_destroy(e);
    assert_int_equal(rs_expr_compile(&e, "k", NULL, NULL), RS_EINVAL); /* err may be NULL */
    rs_expr_symbols s = symbols(0);
    s.parameter_names = NULL;
    assert_int_equal(rs_expr_compile(&e, "1", &s, &err), RS_EINVAL);
    assert_string_equal(err.msg,
                        "expression symbol table: 4 parameters but no names or values");
    s = symbols(0);
    s.nsubstrates = -1;
    assert_int_equal(rs_expr_compile(&e, "1", &s, &err), RS_EINVAL);
    assert_null(e);
}

/* Random bytes and random token soup: every input compiles or is refused
 * with a column inside the text (+1 for the end), never crashes (run under
 * ASan by scripts/test.sh). */
static void garbage_never_crashes(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        "(", ")", ",", ".", "+", "-", "*", "/", "^", "!", "<", "<=", ">", ">=", "==", "!=",
        "&&", "||", "1", "2.5e3", ".5", "1e", "x", "t", "k", "K", "cytokine", "myelin",
        "microglia", "oligodendrocyte", "damage", "hill", "max", "min", "mean", "count",
        "integral", "disk", "box", "sphere", "annulus", "shell", "if", "smoothstep", " ",
        "\xff", "#", "=", "&", "|", "e", "pi", "clamp", "activation", "sum", "grad",
        "neighbours", "volume", "radius"};
    const int npieces = (int)(sizeof pieces / sizeof pieces[0]);
    unsigned long long seed = 12345;
    char text[1024];
    for (int iter = 0; iter < 20000; iter++) {
        int len = 0;
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        int count = (int)((seed >> 33) % 40);
        for (int i = 0; i < count; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            if (iter % 4 == 0) {
                text[len++] = (char)(1 + (seed >> 40) % 255); /* any byte but NUL */
            } else {
                const char *p = pieces[(seed >> 33) % (unsigned)npieces];
                size_t pl = strlen(p);
                memcpy(text + len, p, pl);
                len += (int)pl;
            }
        }
        text[len] = '\0';
        unsigned allow = (unsigned)(iter % 64);
        rs_expr_symbols s = symbols(allow);
        rs_expr *e = NULL;
        rs_error err;
        rs_error_clear(&err);
        rs_status st = rs_expr_compile(&e, text, &s, &err);
        if (st == RS_OK) {
            double zeros[4] = {0, 0, 0, 0}, out[4];
            const double *arr[3] = {zeros, zeros, zeros};
            const double agg[64] = {0};
            rs_expr_inputs in = {.substrates = arr, .states = arr, .x = zeros, .y = zeros,
                                 .z = zeros, .aggregates = agg, .gradients = arr};
            for (int k = 0; k < RS_EXPR_NCELL_INPUTS; k++) in.cell[k] = zeros;
            assert_true(rs_expr_naggregates(e) <= 64);
            rs_expr_eval(e, &in, 4, out);
            rs_expr_destroy(e);
        } else {
            assert_int_equal(st, RS_EINVAL);
            assert_null(e);
            assert_int_equal(err.line, 1);
            assert_true(err.col >= 1 && err.col <= len + 1);
            assert_true(err.msg[0] != '\0');
        }
    }
}

/* ---- threads ---- */

static void two_threads_match_one_bitwise(void **state)
{
    (void)state;
    rs_expr *e = compile_ok("k * hill(cytokine, K, 2) * (1 - myelin) + sin(x) * exp(-t)"
                            " + if(damage > 0.5, pow(oxygen, 1.7), log(1 + age))",
                            ALLOW_ALL);
    const size_t n = 100003;
    double *buf = malloc(11 * n * sizeof *buf);
    assert_non_null(buf);
    double *cyt = buf, *mye = cyt + n, *oxy = mye + n, *dmg = oxy + n, *age = dmg + n,
           *x = age + n, *y = x + n, *z = y + n, *ref = z + n, *out0 = ref + n,
           *out1 = out0 + n;
    fill_inputs(n, cyt, mye, oxy, dmg, age, x, y, z);
    for (size_t i = 0; i < n; i++) dmg[i] = 0.5 + 0.5 * sin((double)i);
    const double *subs[NSUBS] = {cyt, mye, oxy};
    const double *sts[NSTATES] = {dmg, age};
    rs_expr_inputs in = {.substrates = subs, .states = sts, .x = x, .y = y, .z = z, .t = 2.5};
    rs_expr_eval(e, &in, n, ref);
    /* both threads evaluate everything at once */
#pragma omp parallel num_threads(2)
    {
        double *o = omp_get_thread_num() == 0 ? out0 : out1;
        rs_expr_eval(e, &in, n, o);
    }
    assert_memory_equal(ref, out0, n * sizeof *ref);
    assert_memory_equal(ref, out1, n * sizeof *ref);
    /* the points split between two threads in odd-sized chunks */
    memset(out0, 0, n * sizeof *out0);
    const long long chunk = 1000 + 7;
    const long long nchunks = ((long long)n + chunk - 1) / chunk;
#pragma omp parallel for schedule(dynamic) num_threads(2)
    for (long long c = 0; c < nchunks; c++) {
        size_t b = (size_t)c * (size_t)chunk;
        size_t len = n - b < (size_t)chunk ? n - b : (size_t)chunk;
        const double *s1[NSUBS] = {cyt + b, mye + b, oxy + b};
        const double *v1[NSTATES] = {dmg + b, age + b};
        rs_expr_inputs inc = {.substrates = s1, .states = v1, .x = x + b, .y = y + b,
                              .z = z + b, .t = 2.5};
        rs_expr_eval(e, &inc, len, out0 + b);
    }
    assert_memory_equal(ref, out0, n * sizeof *ref);
    free(buf);
    rs_expr_destroy(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers_and_constants),
        cmocka_unit_test(operators_precedence_and_associativity),
        cmocka_unit_test(comparisons_and_logic),
        cmocka_unit_test(functions),
        cmocka_unit_test(folding_and_rebind),
        cmocka_unit_test(block_sizes_against_plain_c),
        cmocka_unit_test(folding_matches_block_evaluation),
        cmocka_unit_test(missing_inputs_read_as_nan),
        cmocka_unit_test(aggregates_are_listed_and_deduplicated),
        cmocka_unit_test(max_and_min_forms),
        cmocka_unit_test(cell_input_names),
        cmocka_unit_test(cell_inputs_over_blocks),
        cmocka_unit_test(errors_cell_inputs),
        cmocka_unit_test(sum_aggregates),
        cmocka_unit_test(errors_sum),
        cmocka_unit_test(errors_names),
        cmocka_unit_test(errors_arity),
        cmocka_unit_test(errors_context),
        cmocka_unit_test(errors_aggregates),
        cmocka_unit_test(errors_syntax),
        cmocka_unit_test(errors_limits),
        cmocka_unit_test(errors_bad_arguments),
        cmocka_unit_test(garbage_never_crashes),
        cmocka_unit_test(two_threads_match_one_bitwise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

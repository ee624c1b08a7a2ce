/* fuzz_expr.c: libFuzzer harness for the expression compiler and evaluator
 * (include/regensim/expr.h). The input bytes are an expression text; it is
 * compiled against a fixed symbol table three times (everything allowed;
 * position and time only, as for an initial field; parameters only) and,
 * whenever it compiles, evaluated over a block of points and point by point,
 * checking the properties the header promises:
 *   - a failed compile returns a negative status, leaves *out NULL and fills
 *     the error with a message and a column inside (or just past) the text;
 *     a text longer than RS_EXPR_MAX_LENGTH never compiles;
 *   - rs_expr_uses / rs_expr_uses_substrate / rs_expr_uses_state are honest:
 *     inputs reported unused are passed as NULL (ASan catches a read), and
 *     never exceed what the symbol table allowed;
 *   - aggregates appear only where allowed, and each names a valid
 *     substrate, cell type, state and region;
 *   - a constant expression evaluates to rs_expr_constant(e) everywhere, and
 *     an expression compiled with nothing but parameters allowed is constant;
 *   - evaluation is deterministic: a block (sizes up to NMAX, across the
 *     evaluator's internal blocks) gives bitwise the same values as
 *     point-by-point rs_expr_eval and rs_expr_eval1, a second evaluation, a
 *     second compile, and a rebind to other values and back;
 *   - n = 0 writes nothing.
 * "Bitwise the same" treats any two NaNs as equal. A broken property calls
 * abort(), so libFuzzer saves the input and the stack names the check. The
 * harness prints nothing. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "regensim/error.h"
#include "regensim/expr.h"

#define CAP (RS_EXPR_MAX_LENGTH + 16)
/* Largest number of points per evaluation; the sizes used vary with the
 * input and straddle 256, the evaluator's internal block (expr_impl.h). */
#define NMAX 600

/* ---- the fixed symbol table ---------------------------------------------- */

enum { NPAR = 8, NSUB = 3, NSTATE = 2, NTYPES = 3 };

static const char *const par_names[NPAR] = {"k_damage", "v0",   "K_half", "n_hill",
                                            "zero",     "huge", "neg",    "tiny"};
static const double par_values[NPAR] = {0.002, 2.0, 0.5, 2.0, 0.0, 1e308, -3.5, 5e-324};
/* Other values for rebind: different, still including the awkward ones. */
static const double par_values2[NPAR] = {0.004, -1.0, 0.0, 0.5, -0.0, -1e308, 7.25, 1e-300};

static const char *const sub_names[NSUB] = {"cytokine", "myelin", "oxygen"};
static const char *const state_names[NSTATE] = {"activation", "age"};

static const char *const type_names[NTYPES] = {"microglia", "opc", "neuron"};
static const int type_nstates[NTYPES] = {2, 1, 0};
static const char *const microglia_states[2] = {"activation", "age"};
static const char *const opc_states[1] = {"differentiation"};
static const char *const *const type_state_names[NTYPES] = {microglia_states, opc_states,
                                                           NULL};

static rs_expr_symbols symbols(unsigned allow)
{
    rs_expr_symbols s = {
        .nparameters = NPAR,
        .parameter_names = par_names,
        .parameter_values = par_values,
        .nsubstrates = NSUB,
        .substrate_names = sub_names,
        .nstates = NSTATE,
        .state_names = state_names,
        .ncell_types = NTYPES,
        .cell_type_names = type_names,
        .cell_type_nstates = type_nstates,
        .cell_type_state_names = type_state_names,
        .allow = allow,
    };
    return s;
}

#define ALLOW_ALL                                                                      \
    (RS_EXPR_ALLOW_POSITION | RS_EXPR_ALLOW_TIME | RS_EXPR_ALLOW_SUBSTRATES |          \
     RS_EXPR_ALLOW_STATES | RS_EXPR_ALLOW_AGGREGATES)
#define ALLOW_FIELD (RS_EXPR_ALLOW_POSITION | RS_EXPR_ALLOW_TIME)

/* ---- input values -------------------------------------------------------- */

/* A pool of ordinary and awkward values; each input array reads it from a
 * different offset so points differ from one another. */
static const double pool[] = {0.0,  1.0,    0.5,  -1.0,    2.0,   1e-300, 1e300, -0.0,
                              3.25, 1000.0, -2.5, INFINITY, 0.125, 7.0,   -1e-5, NAN,
                              1e-5, 42.0,   -INFINITY,      0.75,  10.0,  -7.5,  1.5,
                              0.001};
#define NPOOL (sizeof pool / sizeof pool[0])

typedef struct inputs {
    double sub[NSUB][NMAX], st[NSTATE][NMAX], x[NMAX], y[NMAX], z[NMAX];
    double agg[CAP]; /* an expression cannot name more aggregates than bytes */
} inputs;

static void fill_inputs(inputs *v, unsigned seed)
{
    for (int i = 0; i < NMAX; i++) {
        for (int s = 0; s < NSUB; s++) v->sub[s][i] = pool[(seed + 3u * i + 5u * s) % NPOOL];
        for (int s = 0; s < NSTATE; s++)
            v->st[s][i] = pool[(seed + 7u * i + 11u * s + 1u) % NPOOL];
        v->x[i] = 10.0 * i - 150.0;
        v->y[i] = pool[(seed + i + 13u) % NPOOL];
        v->z[i] = (i % 5) * 2.5;
    }
    for (int a = 0; a < CAP; a++) v->agg[a] = pool[(seed + 17u * a + 2u) % NPOOL];
}

/* Pointers for rs_expr_inputs: NULL for whatever e says it does not read,
 * starting `at` point `at` (for point-by-point evaluation). */
typedef struct views {
    const double *sub[NSUB], *st[NSTATE];
    rs_expr_inputs in;
} views;

static void make_views(views *w, const rs_expr *e, inputs *v, int at, double t,
                       int with_substrates, int with_states)
{
    const unsigned uses = rs_expr_uses(e);
    memset(w, 0, sizeof *w);
    for (int s = 0; s < NSUB; s++)
        w->sub[s] = rs_expr_uses_substrate(e, s) ? v->sub[s] + at : NULL;
    for (int s = 0; s < NSTATE; s++)
        w->st[s] = rs_expr_uses_state(e, s) ? v->st[s] + at : NULL;
    w->in.substrates = with_substrates ? w->sub : NULL;
    w->in.states = with_states ? w->st : NULL;
    if (uses & RS_EXPR_ALLOW_POSITION) {
        w->in.x = v->x + at;
        w->in.y = v->y + at;
        w->in.z = v->z + at;
    }
    w->in.t = t;
    w->in.aggregates = rs_expr_naggregates(e) > 0 ? v->agg : NULL;
}

/* ---- checks -------------------------------------------------------------- */

/* A broken property: abort, so libFuzzer keeps the input. Not inlined, so
 * the stack shows the failing check's line (also in `line`). */
__attribute__((noinline)) static void check_failed(int line)
{
    volatile int where = line;
    (void)where;
    abort();
}
#define check(ok)                                                               \
    do {                                                                        \
        if (!(ok)) check_failed(__LINE__);                                      \
    } while (0)

static int same(double a, double b)
{
    if (isnan(a) && isnan(b)) return 1;
    return memcmp(&a, &b, sizeof a) == 0;
}

static void check_error(rs_status st, const rs_expr *e, const rs_error *err, size_t len)
{
    check(st < 0);
    check(e == NULL);
    check(err->code == st);
    check(memchr(err->msg, '\0', sizeof err->msg) != NULL);
    check(err->msg[0] != '\0');
    check(err->col >= 0 && (size_t)err->col <= len + 1);
}

static int region_ok(const rs_region *r)
{
    return r->kind >= RS_REGION_ALL && r->kind <= RS_REGION_SHELL && r->nchildren == 0;
}

static void check_aggregates(const rs_expr *e, unsigned allow, size_t len)
{
    const int na = rs_expr_naggregates(e);
    check(na >= 0 && (size_t)na <= len);
    if (!(allow & RS_EXPR_ALLOW_AGGREGATES)) check(na == 0);
    for (int i = 0; i < na; i++) {
        const rs_expr_aggregate *a = rs_expr_aggregate_at(e, i);
        check(a != NULL);
        check(a->kind >= RS_AGG_MEAN && a->kind <= RS_AGG_SUM);
        check(region_ok(&a->region));
        if (a->substrate >= 0) { /* over a field */
            check(a->substrate < NSUB);
            check(a->cell_type < 0);
            check(a->kind != RS_AGG_COUNT && a->kind != RS_AGG_SUM);
        } else { /* over cells */
            check(a->cell_type >= 0 && a->cell_type < NTYPES);
            if (a->kind == RS_AGG_COUNT) continue;
            check(a->state >= 0 && a->state < type_nstates[a->cell_type]);
        }
    }
}

static void check_uses(const rs_expr *e, unsigned allow)
{
    const unsigned uses = rs_expr_uses(e);
    check((uses & ~(unsigned)ALLOW_ALL) == 0);
    check((uses & ~allow) == 0);
    for (int s = 0; s < NSUB; s++)
        if (rs_expr_uses_substrate(e, s)) check(uses & RS_EXPR_ALLOW_SUBSTRATES);
    for (int s = 0; s < NSTATE; s++)
        if (rs_expr_uses_state(e, s)) check(uses & RS_EXPR_ALLOW_STATES);
}

/* Evaluates e over n points in several ways and checks they agree; returns
 * the block's values in out. */
static void check_eval(const rs_expr *e, inputs *v, int n, double t, double *out)
{
    const unsigned uses = rs_expr_uses(e);
    const int with_sub = (uses & RS_EXPR_ALLOW_SUBSTRATES) != 0;
    const int with_st = (uses & RS_EXPR_ALLOW_STATES) != 0;
    views w;
    double again[NMAX + 1], one;

    make_views(&w, e, v, 0, t, with_sub, with_st);
    out[n] = 12345.0; /* sentinel: nothing past out[n-1] is written */
    rs_expr_eval(e, &w.in, (size_t)n, out);
    check(out[n] == 12345.0);

    again[0] = 54321.0;
    rs_expr_eval(e, &w.in, 0, again);
    check(again[0] == 54321.0);

    rs_expr_eval(e, &w.in, (size_t)n, again);
    for (int i = 0; i < n; i++) check(same(out[i], again[i]));

    /* Point by point: the first and last points and those around the
     * evaluator's internal block boundaries (256, 512). */
    for (int i = 0; i < n; i++) {
        if (!(i < 3 || i >= n - 2 || (i >= 254 && i <= 258) || (i >= 510 && i <= 514)))
            continue;
        make_views(&w, e, v, i, t, with_sub, with_st);
        rs_expr_eval(e, &w.in, 1, &one);
        check(same(one, out[i]));
        check(same(rs_expr_eval1(e, &w.in), out[i]));
    }

    if (rs_expr_is_constant(e)) {
        const double c = rs_expr_constant(e);
        for (int i = 0; i < n; i++) check(same(out[i], c));
    }
}

/* UBSan stops at the first finding (so libFuzzer saves the input) unless
 * UBSAN_OPTIONS says otherwise, e.g. suppressions for a known one. */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void) { return "halt_on_error=1:print_stacktrace=1"; }

/* ---- the target ---------------------------------------------------------- */

static inputs vals;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char text[CAP + 1];
    if (size > CAP) size = CAP;
    memcpy(text, data, size);
    text[size] = '\0';
    const size_t len = strlen(text);

    /* Block size and input values vary with the text, deterministically. */
    unsigned h = 2166136261u;
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)text[i]) * 16777619u;
    static const int sizes[] = {1, 2, 3, 7, 8, 17, 64, 65, 255, 256, 257, 300, 513, NMAX - 1};
    const int n = sizes[h % (sizeof sizes / sizeof sizes[0])];
    fill_inputs(&vals, h >> 8);
    const double t = pool[(h >> 4) % NPOOL];

    rs_expr_destroy(NULL);

    static const unsigned allows[3] = {ALLOW_ALL, ALLOW_FIELD, 0};
    for (int k = 0; k < 3; k++) {
        const rs_expr_symbols sym = symbols(allows[k]);
        rs_expr *e = (rs_expr *)(uintptr_t)1; /* must become NULL on error */
        rs_error err;
        memset(&err, 0x5a, sizeof err);
        const rs_status st = rs_expr_compile(&e, text, &sym, &err);
        if (st != RS_OK) {
            check_error(st, e, &err, len);
            continue;
        }
        check(e != NULL);
        check(len <= RS_EXPR_MAX_LENGTH);
        check_uses(e, allows[k]);
        check_aggregates(e, allows[k], len);
        if (allows[k] == 0) check(rs_expr_is_constant(e));

        double out[NMAX + 1], out2[NMAX + 1];
        check_eval(e, &vals, n, t, out);

        /* A second compile of the same text gives the same values. */
        rs_expr *e2 = NULL;
        check(rs_expr_compile(&e2, text, &sym, &err) == RS_OK && e2 != NULL);
        check(rs_expr_naggregates(e2) == rs_expr_naggregates(e));
        check(rs_expr_uses(e2) == rs_expr_uses(e));
        check(rs_expr_is_constant(e2) == rs_expr_is_constant(e));
        check_eval(e2, &vals, n, t, out2);
        for (int i = 0; i < n; i++) check(same(out[i], out2[i]));
        rs_expr_destroy(e2);

        /* Rebind to other values (checks hold there too), then back. */
        rs_expr_rebind(e, par_values2);
        check_eval(e, &vals, n, t, out2);
        rs_expr_rebind(e, par_values);
        check_eval(e, &vals, n, t, out2);
        for (int i = 0; i < n; i++) check(same(out[i], out2[i]));

        rs_expr_destroy(e);
    }
    return 0;
}

/* model_parse.c: the generic half of the loader: a YAML tree -> the
 * rs_model structs, key by key as schema.c describes them, with defaults
 * for absent keys and an error (file:line:col, key path, value, what was
 * expected) for each mistake; parsing goes on after an error so that one
 * run reports them all. Numbers given as expressions are kept as text here
 * and evaluated by model_resolve.c once overrides are in. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_impl.h"

void rs_model_err(mctx *c, rs_model_pos pos, const char *fmt, ...)
{
    char msg[512];
    if (c->quiet) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->nerr++;
    if (pos.set)
        rs_errors_add_at(c->errs, RS_EINVAL, "--set", 0, 0, "%s", msg);
    else
        rs_errors_add_at(c->errs, RS_EINVAL, c->file, pos.line, pos.col, "%s", msg);
}

void rs_model_expected(const field_desc *f, char *buf, size_t size)
{
    size_t k = (size_t)snprintf(buf, size, "%s", f->what ? f->what : "a value");
    if (k >= size) return;
    if (f->kind == FK_ENUM && f->choices) {
        k += (size_t)snprintf(buf + k, size - k, ":");
        for (int i = 0; f->choices[i] && k < size; i++)
            k += (size_t)snprintf(buf + k, size - k, "%s %s", i ? "," : "", f->choices[i]);
        return;
    }
    const char *lo = (f->range & R_MIN_OPEN) ? ">" : ">=";
    if ((f->range & R_MIN) && (f->range & R_MAX))
        k += (size_t)snprintf(buf + k, size - k, " %s %g and <= %g", lo, f->min, f->max);
    else if (f->range & R_MIN)
        k += (size_t)snprintf(buf + k, size - k, " %s %g", lo, f->min);
    else if (f->range & R_MAX)
        k += (size_t)snprintf(buf + k, size - k, " <= %g", f->max);
    if (f->unit && k < size) snprintf(buf + k, size - k, " (%s)", f->unit);
}

/* path + "." + key (or key alone at the top). */
static void join(char *out, size_t size, const char *path, const char *key)
{
    if (path[0])
        snprintf(out, size, "%s.%s", path, key);
    else
        snprintf(out, size, "%s", key);
}

/* True if the whole text is a decimal number (no hex, inf or nan). */
static int parse_literal(const char *text, double *v)
{
    if (!text[0]) return 0;
    for (const char *p = text; *p; p++)
        if (!strchr("0123456789+-.eE", *p)) return 0;
    char *end = NULL;
    double d = strtod(text, &end);
    if (*end || !isfinite(d)) return 0;
    *v = d;
    return 1;
}

/* Checks value against f's range and whole-number rule; display is how the
 * value is shown ("-3" or "'2 * v0' = -4"). Returns 1 if fine. */
int rs_model_check_range(mctx *c, const field_desc *f, double v, const char *display,
                         const char *path, rs_model_pos pos)
{
    char exp[320], why[64] = "";
    if (!isfinite(v)) {
        snprintf(why, sizeof why, "is not finite");
    } else if (f->kind == FK_INT && v != floor(v)) {
        snprintf(why, sizeof why, "is not a whole number");
    } else if ((f->range & R_MIN) && (f->range & R_MIN_OPEN) && !(v > f->min)) {
        if (f->min == 0)
            snprintf(why, sizeof why, "is not positive");
        else
            snprintf(why, sizeof why, "is not above %g", f->min);
    } else if ((f->range & R_MIN) && !(f->range & R_MIN_OPEN) && v < f->min) {
        if (f->min == 0)
            snprintf(why, sizeof why, "is negative");
        else
            snprintf(why, sizeof why, "is below %g", f->min);
    } else if ((f->range & R_MAX) && v > f->max) {
        snprintf(why, sizeof why, "is above %g", f->max);
    } else {
        return 1;
    }
    rs_model_expected(f, exp, sizeof exp);
    rs_model_err(c, pos, "%s: %s %s; expected %s", path, display, why, exp);
    return 0;
}

/* Parses a number (literal now, expression text for later) into num. */
void rs_model_parse_number(mctx *c, const field_desc *f, const rs_yaml_node *n,
                         rs_model_number *num, const char *path, rs_model_pos pos)
{
    char exp[320];
    free(num->expr);
    num->expr = NULL;
    num->value = NAN;
    num->varies = 0;
    num->pos = pos;
    if (n->kind != RS_YAML_SCALAR || rs_yaml_is_null(n)) {
        rs_model_expected(f, exp, sizeof exp);
        rs_model_err(c, pos, "%s: %s is not a number; expected %s", path, rs_yaml_kind_name(n),
                     exp);
        return;
    }
    double v;
    if (n->style != RS_YAML_BLOCK && parse_literal(n->text, &v)) {
        if (rs_model_check_range(c, f, v, n->text, path, pos)) num->value = v;
        return;
    }
    if (n->style == RS_YAML_BLOCK) {
        rs_model_expected(f, exp, sizeof exp);
        rs_model_err(c, pos, "%s: a block scalar (| or >) is not a number; expected %s", path,
                     exp);
        return;
    }
    if (f->literal) {
        rs_model_expected(f, exp, sizeof exp);
        rs_model_err(c, pos, "%s: '%s' is not a number; expected %s", path, n->text, exp);
        return;
    }
    num->expr = rs_strdup(n->text);
}

/* Default for an absent number: f->def, or NaN for an optional one. */
static void default_number(const field_desc *f, rs_model_number *num)
{
    free(num->expr);
    memset(num, 0, sizeof *num);
    num->value = f->optional ? NAN : f->def;
}

/* Parses a boundary spec for one face: neumann | {dirichlet: VALUE}. */
static int parse_bc(mctx *c, const rs_yaml_node *n, rs_model_bc *bc, const char *path,
                    rs_model_pos pos)
{
    static const field_desc value_desc = {.key = "dirichlet", .kind = FK_NUMBER,
                                          .what = "a boundary concentration"};
    if (n->kind == RS_YAML_SCALAR && strcmp(n->text, "neumann") == 0) {
        free(bc->value.expr);
        memset(bc, 0, sizeof *bc);
        bc->kind = RS_BC_NEUMANN;
        return 1;
    }
    if (n->kind == RS_YAML_MAP && n->n == 1 && strcmp(n->keys[0]->text, "dirichlet") == 0) {
        char p[300];
        join(p, sizeof p, path, "dirichlet");
        bc->kind = RS_BC_DIRICHLET;
        rs_model_pos vp = pos.set ? pos : rs_model_pos_of(n->items[0]);
        rs_model_parse_number(c, &value_desc, n->items[0], &bc->value, p, vp);
        return 1;
    }
    if (n->kind == RS_YAML_SCALAR && strcmp(n->text, "dirichlet") == 0) {
        rs_model_err(c, pos, "%s: dirichlet needs a value; expected {dirichlet: VALUE}",
                     path);
        return 0;
    }
    return -1;
}

static const char *const face_keys[RS_NFACES] = {"xmin", "xmax", "ymin", "ymax", "zmin",
                                                 "zmax"};

/* boundary: a face spec for all faces, or a mapping of faces (and all). */
static void parse_boundary(mctx *c, const field_desc *f, const rs_yaml_node *n, rs_model_bc *bc,
                           rs_model_pos *bpos, const char *path, rs_model_pos pos)
{
    *bpos = pos;
    rs_model_bc all;
    memset(&all, 0, sizeof all);
    int r = parse_bc(c, n, &all, path, pos);
    if (r >= 0) {
        for (int k = 0; k < RS_NFACES; k++) {
            free(bc[k].value.expr);
            bc[k] = all;
            if (k && all.value.expr) bc[k].value.expr = rs_strdup(all.value.expr);
        }
        return;
    }
    if (n->kind != RS_YAML_MAP) {
        rs_model_err(c, pos, "%s: '%s' is not a boundary; expected %s", path,
                     n->kind == RS_YAML_SCALAR ? n->text : rs_yaml_kind_name(n), f->what);
        return;
    }
    const rs_yaml_node *a = rs_yaml_get(n, "all");
    if (a) parse_boundary(c, f, a, bc, bpos, path, pos.set ? pos : rs_model_pos_of(a));
    *bpos = pos;
    static const char *const keys[RS_NFACES + 1] = {"all", "xmin", "xmax", "ymin", "ymax",
                                                    "zmin", "zmax"};
    for (int i = 0; i < n->n; i++) {
        const char *key = n->keys[i]->text;
        int face = -1;
        for (int k = 0; k < RS_NFACES; k++)
            if (strcmp(key, face_keys[k]) == 0) face = k;
        char p[300], dym[80];
        join(p, sizeof p, path, key);
        if (strcmp(key, "all") == 0) continue;
        if (face < 0) {
            rs_model_err(c, rs_model_pos_of(n->keys[i]),
                         "%s: unknown face '%s'%s; expected all, xmin, xmax, ymin, ymax, "
                         "zmin or zmax", path, key,
                         rs_did_you_mean(rs_suggest(key, keys, 7), dym, sizeof dym));
            continue;
        }
        rs_model_pos fp = pos.set ? pos : rs_model_pos_of(n->items[i]);
        if (parse_bc(c, n->items[i], &bc[face], p, fp) < 0)
            rs_model_err(c, fp, "%s: '%s' is not a boundary condition; expected neumann "
                         "or {dirichlet: VALUE}", p,
                         n->items[i]->kind == RS_YAML_SCALAR ? n->items[i]->text
                                                        : rs_yaml_kind_name(n->items[i]));
    }
}

/* Names in dicts must work inside expressions. */
static int valid_name(const char *s)
{
    if (!s[0] || !(s[0] == '_' || (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
        return 0;
    for (const char *p = s; *p; p++)
        if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
              (*p >= '0' && *p <= '9')))
            return 0;
    return strlen(s) <= 64;
}

/* Names that expressions (x, y, z, t, pi, e) or the output files (time: the
 * time scale of /fields and /timeseries) already use. */
static const char *const reserved[] = {"x", "y", "z", "t", "time", "pi", "e", NULL};

/* Names that cell rules use for the cell's own inputs (regensim/expr.h:
 * age, neighbours, volume, radius, and the function grad): refused for
 * every name an expression can read (parameters, substrates, cell types,
 * states), so a cell rule never reads a model name where the built-in was
 * meant. Metric names are never read by an expression and may use them. */
static const char *const reserved_cell[] = {"age", "neighbours", "volume", "radius", "grad",
                                            NULL};

/* The columns run.h5 writes for every cell beside its states (the others,
 * age and radius, are reserved above): a state may not take their names. */
static const char *const cell_columns[] = {"id", "type", "position", "phase", NULL};

/* Is name in the NULL-terminated list? */
static int in_list(const char *const *list, const char *name)
{
    for (int r = 0; list[r]; r++)
        if (strcmp(name, list[r]) == 0) return 1;
    return 0;
}

/* For a name in one of the top-level sections that share a namespace
 * (parameters, substrates, cell types: expressions name all three), the
 * earlier section (in parse order, which is the schema's) that already
 * holds it, or NULL. Metrics have their own: `myelin: "mean(myelin)"` is
 * the natural name of a substrate's mean, and run.h5 keeps them apart
 * (/timeseries and /fields). */
static const char *shared_name(const rs_model *m, const char *section, const char *name)
{
    static const char *const order[] = {"parameters", "substrates", "cell_types"};
    int me = -1;
    for (int k = 0; k < 3; k++)
        if (strcmp(section, order[k]) == 0) me = k;
    for (int i = 0; me > 0 && i < m->nparameters; i++)
        if (strcmp(m->parameters[i].name, name) == 0) return "a parameter";
    for (int i = 0; me > 1 && i < m->nsubstrates; i++)
        if (strcmp(m->substrates[i].name, name) == 0) return "a substrate";
    return NULL;
}

/* A dict: mapping of names to items of f->sub. */
static void parse_dict(mctx *c, const field_desc *f, const rs_yaml_node *n, void *base,
                       const char *path, rs_model_pos pos)
{
    const struct_desc *d = f->sub;
    if (n->kind != RS_YAML_MAP) {
        rs_model_err(c, pos, "%s: %s is not a mapping; expected %s", path, rs_yaml_kind_name(n),
                     f->what);
        return;
    }
    char *items = calloc((size_t)(n->n ? n->n : 1), d->size);
    if (!items) {
        rs_model_err(c, pos, "%s: out of memory", path);
        return;
    }
    *FIELD(base, f, void *) = items;
    *FIELD_N(base, f) = 0;
    for (int i = 0; i < n->n; i++) {
        const char *name = n->keys[i]->text;
        char p[300];
        join(p, sizeof p, path, name);
        rs_model_pos kp = rs_model_pos_of(n->keys[i]);
        if (!valid_name(name)) {
            rs_model_err(c, kp, "%s: '%s' is not a valid name; expected letters, digits and "
                         "_, not starting with a digit (at most 64)", path, name);
            continue;
        }
        if (in_list(reserved, name)) {
            rs_model_err(c, kp,
                         "%s: '%s' is a reserved name (x, y, z, t, time, pi, e); expected "
                         "another name",
                         path, name);
            continue;
        }
        if (strcmp(path, "metrics") != 0 && in_list(reserved_cell, name)) {
            rs_model_err(c, kp,
                         "%s: '%s' is reserved for cell rules (age, neighbours, volume, "
                         "radius, grad); expected another name",
                         path, name);
            continue;
        }
        const size_t pl = strlen(path);
        if (pl > 7 && strcmp(path + pl - 7, ".states") == 0 && in_list(cell_columns, name)) {
            rs_model_err(c, kp,
                         "%s: '%s' is a column of every cell in run.h5's /cells (id, type, "
                         "position, phase); expected another name",
                         path, name);
            continue;
        }
        const char *other = shared_name(c->m, path, name);
        if (other) {
            rs_model_err(c, kp,
                         "%s: '%s' is also the name of %s; expected distinct names for "
                         "parameters, substrates and cell types",
                         path, name, other);
            continue;
        }
        void *item = items + (size_t)*FIELD_N(base, f) * d->size;
        *(char **)item = rs_strdup(name);
        (*FIELD_N(base, f))++;
        const rs_yaml_node *v = n->items[i];
        if (d->inline_item && !(d->inline_item == 2 && v->kind == RS_YAML_MAP))
            rs_model_parse_field(c, &d->fields[0], v, item, p, rs_model_pos_of(v));
        else
            rs_model_parse_struct(c, d, rs_yaml_is_null(v) ? NULL : v, item, p);
    }
}

/* A list of items of f->sub. */
static void parse_list(mctx *c, const field_desc *f, const rs_yaml_node *n, void *base,
                       const char *path, rs_model_pos pos)
{
    const struct_desc *d = f->sub;
    if (n->kind != RS_YAML_SEQ) {
        rs_model_err(c, pos, "%s: %s is not a list; expected %s", path, rs_yaml_kind_name(n),
                     f->what);
        return;
    }
    char *items = calloc((size_t)(n->n ? n->n : 1), d->size);
    if (!items) {
        rs_model_err(c, pos, "%s: out of memory", path);
        return;
    }
    *FIELD(base, f, void *) = items;
    *FIELD_N(base, f) = n->n;
    for (int i = 0; i < n->n; i++) {
        char p[300];
        snprintf(p, sizeof p, "%s[%d]", path, i);
        void *item = items + (size_t)i * d->size;
        const rs_yaml_node *v = n->items[i];
        rs_model_parse_struct(c, d, v, item, p);
    }
}

/* 2 or 3 numbers. */
static void parse_vector(mctx *c, const field_desc *f, const rs_yaml_node *n, void *base,
                         const char *path, rs_model_pos pos)
{
    rs_model_number *v = FIELD(base, f, rs_model_number);
    char exp[320];
    if (n->kind != RS_YAML_SEQ || n->n < 2 || n->n > 3) {
        rs_model_expected(f, exp, sizeof exp);
        if (n->kind == RS_YAML_SEQ)
            rs_model_err(c, pos, "%s: %d numbers; expected %s", path, n->n, exp);
        else
            rs_model_err(c, pos, "%s: %s is not a list; expected %s", path,
                         n->kind == RS_YAML_SCALAR && !rs_yaml_is_null(n) ? n->text : rs_yaml_kind_name(n),
                         exp);
        return;
    }
    *FIELD_N(base, f) = n->n;
    field_desc one = *f;
    one.what = "a size";
    for (int i = 0; i < n->n; i++) {
        char p[300];
        snprintf(p, sizeof p, "%s[%d]", path, i);
        rs_model_parse_number(c, &one, n->items[i], &v[i], p,
                     pos.set ? pos : rs_model_pos_of(n->items[i]));
    }
}

/* Fills an absent field with its default (or reports a missing one). */
static void parse_absent(mctx *c, const field_desc *f, void *base, const char *path,
                         const char *parent, rs_model_pos ppos)
{
    char exp[320];
    if (f->required) {
        rs_model_expected(f, exp, sizeof exp);
        if (parent[0])
            rs_model_err(c, ppos, "%s: missing key '%s'; expected %s", parent, f->key, exp);
        else
            rs_model_err(c, ppos, "missing key '%s'; expected %s", f->key, exp);
    }
    switch (f->kind) {
    case FK_NUMBER:
    case FK_INT:
    case FK_VARYING:
        default_number(f, FIELD(base, f, rs_model_number));
        if (f->required) FIELD(base, f, rs_model_number)->value = NAN;
        break;
    case FK_STRING:
    case FK_ENUM:
        *FIELD(base, f, char *) = rs_strdup(f->def_str);
        break;
    case FK_BOOL: *FIELD(base, f, int) = f->def != 0; break;
    case FK_EXPR:
        FIELD(base, f, rs_model_expr)->text = rs_strdup(f->def_str);
        break;
    case FK_STRUCT:
        if (!f->optional) {
            c->quiet += f->required; /* its missing keys are one error, said above */
            rs_model_parse_struct(c, f->sub, NULL, FIELD(base, f, char), path);
            c->quiet -= f->required;
        }
        break;
    case FK_VECTOR:
        *FIELD_N(base, f) = 0;
        break;
    case FK_BOUNDARY: {
        rs_model_bc *bc = FIELD(base, f, rs_model_bc);
        for (int k = 0; k < RS_NFACES; k++) memset(&bc[k], 0, sizeof bc[k]);
        break;
    }
    case FK_DICT:
    case FK_LIST:
    case FK_REGION:
        break; /* zeroed: empty, or the region "all" */
    }
}

void rs_model_parse_field(mctx *c, const field_desc *f, const rs_yaml_node *n, void *base,
                          const char *path, rs_model_pos pos)
{
    char exp[320];
    if (!n) return;
    if (rs_yaml_is_null(n) && (f->kind == FK_DICT || f->kind == FK_LIST || f->kind == FK_STRUCT)) {
        parse_absent(c, f, base, path, "", pos);
        return;
    }
    switch (f->kind) {
    case FK_NUMBER:
    case FK_INT:
    case FK_VARYING:
        rs_model_parse_number(c, f, n, FIELD(base, f, rs_model_number), path, pos);
        return;
    case FK_STRING:
    case FK_ENUM: {
        char **s = FIELD(base, f, char *);
        if (n->kind != RS_YAML_SCALAR || rs_yaml_is_null(n)) {
            rs_model_expected(f, exp, sizeof exp);
            rs_model_err(c, pos, "%s: %s is not a name; expected %s", path, rs_yaml_kind_name(n),
                         exp);
            return;
        }
        if (f->kind == FK_ENUM) {
            int ok = 0, nc = 0;
            for (; f->choices[nc]; nc++)
                if (strcmp(n->text, f->choices[nc]) == 0) ok = 1;
            if (!ok) {
                char dym[80];
                rs_model_expected(f, exp, sizeof exp);
                rs_model_err(c, pos, "%s: unknown value '%s'%s; expected %s", path, n->text,
                             rs_did_you_mean(rs_suggest(n->text, f->choices, nc), dym,
                                             sizeof dym),
                             exp);
                return;
            }
        }
        free(*s);
        *s = rs_strdup(n->text);
        return;
    }
    case FK_BOOL:
        if (n->kind == RS_YAML_SCALAR && n->style == RS_YAML_PLAIN &&
            (strcmp(n->text, "true") == 0 || strcmp(n->text, "false") == 0)) {
            *FIELD(base, f, int) = n->text[0] == 't';
        } else {
            rs_model_err(c, pos, "%s: '%s' is not a boolean; expected true or false", path,
                         n->kind == RS_YAML_SCALAR ? n->text : rs_yaml_kind_name(n));
        }
        return;
    case FK_EXPR: {
        rs_model_expr *e = FIELD(base, f, rs_model_expr);
        if (n->kind != RS_YAML_SCALAR || rs_yaml_is_null(n)) {
            rs_model_expected(f, exp, sizeof exp);
            rs_model_err(c, pos, "%s: %s is not an expression; expected %s", path,
                         rs_yaml_kind_name(n), exp);
            return;
        }
        free(e->text);
        e->text = rs_strdup(n->text);
        e->pos = pos;
        return;
    }
    case FK_STRUCT:
        if (f->optional && n->kind != RS_YAML_MAP) {
            rs_model_err(c, pos, "%s: %s is not a mapping; expected %s", path,
                         rs_yaml_kind_name(n), f->what);
            return;
        }
        rs_model_parse_struct(c, f->sub, n, FIELD(base, f, char), path);
        return;
    case FK_DICT: parse_dict(c, f, n, base, path, pos); return;
    case FK_LIST: parse_list(c, f, n, base, path, pos); return;
    case FK_VECTOR: parse_vector(c, f, n, base, path, pos); return;
    case FK_BOUNDARY:
        parse_boundary(c, f, n, FIELD(base, f, rs_model_bc),
                       (rs_model_pos *)((char *)base + f->off_n), path, pos);
        return;
    case FK_REGION: {
        rs_model_region *r = FIELD(base, f, rs_model_region);
        rs_model_free_region(r);
        memset(r, 0, sizeof *r);
        rs_model_parse_region(c, n, r, path, pos);
        return;
    }
    }
}

void rs_model_parse_struct(mctx *c, const struct_desc *d, const rs_yaml_node *n, void *base,
                           const char *path)
{
    rs_model_pos pos = rs_model_pos_of(n);
    if (!pos.line) pos.line = pos.col = 1;
    if (d->has_pos) *(rs_model_pos *)((char *)base + d->pos_off) = pos;
    if (n && n->kind != RS_YAML_MAP) {
        char keys[400];
        size_t k = 0;
        keys[0] = '\0';
        for (int i = 0; i < d->nfields && k < sizeof keys; i++)
            k += (size_t)snprintf(keys + k, sizeof keys - k, "%s%s", i ? ", " : "",
                                  d->fields[i].key);
        if (path[0])
            rs_model_err(c, pos, "%s: %s is not a mapping; expected the keys %s", path,
                         n->kind == RS_YAML_SCALAR && !rs_yaml_is_null(n) ? n->text : rs_yaml_kind_name(n),
                         keys);
        else
            rs_model_err(c, pos, "the document is %s, not a mapping; expected the keys %s",
                         rs_yaml_kind_name(n), keys);
        n = NULL;
    }
    const char *names[40];
    for (int i = 0; i < d->nfields && i < 40; i++) names[i] = d->fields[i].key;
    if (n) {
        for (int i = 0; i < n->n; i++) {
            const char *key = n->keys[i]->text;
            int found = 0;
            for (int k = 0; k < d->nfields; k++)
                if (strcmp(key, d->fields[k].key) == 0) found = 1;
            if (found) continue;
            char dym[80], list[400];
            size_t k = 0;
            list[0] = '\0';
            for (int j = 0; j < d->nfields && k < sizeof list; j++)
                k += (size_t)snprintf(list + k, sizeof list - k, "%s%s",
                                      j == 0 ? "" : j == d->nfields - 1 ? " or " : ", ",
                                      d->fields[j].key);
            rs_did_you_mean(rs_suggest(key, names, d->nfields), dym, sizeof dym);
            if (path[0])
                rs_model_err(c, rs_model_pos_of(n->keys[i]),
                             "%s: unknown key '%s'%s; expected %s", path, key, dym, list);
            else
                rs_model_err(c, rs_model_pos_of(n->keys[i]),
                             "unknown top-level key '%s'%s; expected %s", key, dym, list);
        }
    }
    for (int k = 0; k < d->nfields; k++) {
        const field_desc *f = &d->fields[k];
        char p[300];
        join(p, sizeof p, path, f->key);
        const rs_yaml_node *v = rs_yaml_get(n, f->key);
        if (v)
            rs_model_parse_field(c, f, v, base, p, rs_model_pos_of(v));
        else
            parse_absent(c, f, base, p, path, pos);
    }
}

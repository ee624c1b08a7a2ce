/* sweep_file.c: loads a sweep file (regensim/sweep.h, docs/sweeps.md) into
 * an rs_sweep: reads its YAML (regensim/yaml.h), checks every key and value
 * with file:line:col errors, reads a `list` design's CSV file, computes the
 * design's points (design.c), and checks the sweep against its model: the
 * model loads with the fixed `set` overrides, with every parameter at both
 * ends of its range or at each of its values, and every metric named
 * exists. Nothing runs until all of this has passed. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regensim/model.h"
#include "regensim/sweep.h"
#include "regensim/text.h"
#include "regensim/yaml.h"

/* Most fixed overrides and summary metrics a sweep file may name. */
#define MAX_SETS 256
#define MAX_OUTPUTS 256

/* The loader's state: the file's name, the error list, the sweep. */
typedef struct sctx {
    const char *file;
    rs_errors *errs;
    int nerr;
    rs_sweep *s;
    char list_path[4096]; /* a list design's CSV file */
} sctx;

static const char *const top_keys[] = {"sweep", "model", "design", "samples", "seed",
                                       "replicates", "parameters", "set", "keep", "metrics",
                                       "threads_per_run"};
#define NTOP ((int)(sizeof top_keys / sizeof top_keys[0]))

/* Summary columns the runner writes itself: no parameter or metric may
 * take one of these names. */
static const char *const reserved_columns[] = {"index", "replicate", "seed", "status",
                                               "message", "wall_s", "run"};

/* Records an error at node n (or at the top of the file). */
static void err_at(sctx *c, const rs_yaml_node *n, const char *fmt, ...) RS_PRINTF(3, 4);
static void err_at(sctx *c, const rs_yaml_node *n, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->nerr++;
    rs_errors_add_at(c->errs, RS_EINVAL, c->file, n ? n->line : 0, n ? n->col : 0, "%s", msg);
}

/* A scalar as a finite number; 0 and an error when it is not one. */
static int get_number(sctx *c, const rs_yaml_node *n, const char *what, double *v)
{
    if (!n || n->kind != RS_YAML_SCALAR || n->style != RS_YAML_PLAIN) {
        err_at(c, n, "%s: %s; expected a number", what, n ? rs_yaml_kind_name(n) : "missing");
        return 0;
    }
    char *end = NULL;
    errno = 0;
    double x = strtod(n->text, &end);
    if (!n->text[0] || *end || !isfinite(x)) {
        err_at(c, n, "%s: '%s'; expected a finite number", what, n->text);
        return 0;
    }
    *v = x;
    return 1;
}

/* A scalar as a whole number in [lo, hi]. */
static int get_count(sctx *c, const rs_yaml_node *n, const char *what, double lo, double hi,
                     uint64_t *v)
{
    double x;
    if (!get_number(c, n, what, &x)) return 0;
    if (x != floor(x) || x < lo || x > hi) {
        err_at(c, n, "%s: %s; expected a whole number from %.0f to %.0f", what, n->text, lo,
               hi);
        return 0;
    }
    *v = (uint64_t)x;
    return 1;
}

/* A plain scalar that is one of choices[] (NULL-terminated); its index or -1. */
static int get_choice(sctx *c, const rs_yaml_node *n, const char *what,
                      const char *const *choices)
{
    if (n && n->kind == RS_YAML_SCALAR)
        for (int i = 0; choices[i]; i++)
            if (strcmp(n->text, choices[i]) == 0) return i;
    char list[160] = "";
    for (int i = 0; choices[i]; i++) {
        size_t l = strlen(list);
        snprintf(list + l, sizeof list - l, "%s%s", i ? (choices[i + 1] ? ", " : " or ") : "",
                 choices[i]);
    }
    err_at(c, n, "%s: %s; expected %s", what,
           n && n->kind == RS_YAML_SCALAR ? n->text : (n ? rs_yaml_kind_name(n) : "missing"),
           list);
    return -1;
}

/* Refuses keys of map that are not in keys[] (with a suggestion). */
static void check_keys(sctx *c, const rs_yaml_node *map, const char *where,
                       const char *const *keys, int nkeys)
{
    for (int i = 0; i < map->n; i++) {
        const char *k = map->keys[i]->text;
        int known = 0;
        for (int j = 0; j < nkeys && !known; j++) known = strcmp(k, keys[j]) == 0;
        if (known) continue;
        char dym[80];
        err_at(c, map->keys[i], "%s: unknown key '%s'%s", where, k,
               rs_did_you_mean(rs_suggest(k, keys, nkeys), dym, sizeof dym));
    }
}

/* --- design -------------------------------------------------------------- */

static const char *const design_names[] = {"grid", "random", "lhs", "list", NULL};

/* Reads one CSV line's fields (comma-separated, no quoting) in place. */
static int split_csv(char *line, char **f, int max)
{
    int n = 0;
    for (char *p = line;;) {
        if (n == max) return -1;
        f[n++] = p;
        char *comma = strchr(p, ',');
        if (!comma) break;
        *comma = '\0';
        p = comma + 1;
    }
    for (int i = 0; i < n; i++) {
        while (isspace((unsigned char)*f[i])) f[i]++;
        char *e = f[i] + strlen(f[i]);
        while (e > f[i] && isspace((unsigned char)e[-1])) *--e = '\0';
    }
    return n;
}

/* A `list` design: the CSV file at path (relative to the sweep file's
 * folder), a header of parameter paths and a row of numbers per point. */
static void read_list(sctx *c, const rs_yaml_node *at, const char *name, const char *dir)
{
    rs_sweep *s = c->s;
    char *path = c->list_path;
    snprintf(path, sizeof c->list_path, "%s%s", name[0] == '/' ? "" : dir, name);
    char *bytes = NULL;
    size_t len = 0;
    rs_error e;
    rs_error_clear(&e);
    if (rs_yaml_read_file(path, &bytes, &len, &e) != RS_OK) {
        err_at(c, at, "design.file: %s", e.msg);
        return;
    }
    s->list_text = rs_strdup(bytes);
    if (!s->list_text) {
        free(bytes);
        err_at(c, at, "out of memory");
        return;
    }
    char *f[RS_SWEEP_MAX_AXES + 1], *next = bytes, what[16];
    int lineno = 0, ncols = 0;
    size_t cap = 0;
    while (next && !c->nerr) {
        char *line = next, *nl = strchr(line, '\n');
        next = nl ? nl + 1 : NULL;
        if (nl) *nl = '\0';
        lineno++;
        line[strcspn(line, "\r")] = '\0';
        if (!line[0] || line[0] == '#') continue;
        int n = split_csv(line, f, RS_SWEEP_MAX_AXES + 1);
        if (!ncols) { /* the header */
            if (n < 0 || n > RS_SWEEP_MAX_AXES) {
                rs_errors_add_at(c->errs, RS_EINVAL, path, lineno, 1,
                                 "more than %d columns; at most %d parameters", RS_SWEEP_MAX_AXES,
                                 RS_SWEEP_MAX_AXES);
                c->nerr++;
                break;
            }
            s->parameters = calloc((size_t)n, sizeof *s->parameters);
            if (!s->parameters) {
                err_at(c, at, "out of memory");
                break;
            }
            for (int i = 0; i < n; i++) {
                s->parameters[i].path = rs_strdup(f[i]);
                s->parameters[i].line = lineno;
                s->parameters[i].col = (int)(f[i] - line) + 1;
            }
            s->nparameters = ncols = n;
            continue;
        }
        if (n != ncols) {
            rs_errors_add_at(c->errs, RS_EINVAL, path, lineno, 1,
                             "%s values; expected %d, one per column of the header",
                             n < 0 ? "too many" : (snprintf(what, sizeof what, "%d", n), what),
                             ncols);
            c->nerr++;
            break;
        }
        if (s->npoints == RS_SWEEP_MAX_POINTS) {
            rs_errors_add_at(c->errs, RS_ETOOBIG, path, lineno, 1, "more than %u points",
                             RS_SWEEP_MAX_POINTS);
            c->nerr++;
            break;
        }
        if (s->npoints == cap) {
            cap = cap ? 2 * cap : 64;
            double *p = realloc(s->points, cap * (size_t)ncols * sizeof *p);
            if (!p) {
                err_at(c, at, "out of memory");
                break;
            }
            s->points = p;
        }
        for (int i = 0; i < ncols; i++) {
            char *end = NULL;
            double x = strtod(f[i], &end);
            if (!f[i][0] || *end || !isfinite(x)) {
                rs_errors_add_at(c->errs, RS_EINVAL, path, lineno, (int)(f[i] - line) + 1,
                                 "'%s' in column '%s'; expected a finite number", f[i],
                                 s->parameters[i].path);
                c->nerr++;
            }
            s->points[s->npoints * (size_t)ncols + (size_t)i] = x;
        }
        s->npoints++;
    }
    free(bytes);
    /* The parameters' ranges, for the checks against the model. */
    for (int i = 0; i < ncols && s->npoints; i++) {
        rs_sweep_axis *a = &s->parameters[i].axis;
        a->lo = a->hi = s->points[i];
        for (size_t k = 1; k < s->npoints; k++) {
            double x = s->points[k * (size_t)ncols + (size_t)i];
            a->lo = fmin(a->lo, x);
            a->hi = fmax(a->hi, x);
        }
    }
    if (!c->nerr && !s->npoints)
        err_at(c, at, "design.file: %s has no points; expected a header of parameter paths "
                      "and a row of values per point", path);
}

/* `design: KIND` or `design: {type: KIND, samples: N, seed: S, file: F}`
 * (samples and seed may also be top-level keys). */
static void parse_design(sctx *c, const rs_yaml_node *root, const char *dir)
{
    rs_sweep *s = c->s;
    const rs_yaml_node *d = rs_yaml_get(root, "design");
    const rs_yaml_node *type = d, *samples = rs_yaml_get(root, "samples"),
                       *seed = rs_yaml_get(root, "seed"), *file = NULL;
    if (!d) {
        err_at(c, NULL, "no 'design'; expected grid, random, lhs or list");
        return;
    }
    if (d->kind == RS_YAML_MAP) {
        static const char *const keys[] = {"type", "samples", "seed", "file"};
        check_keys(c, d, "design", keys, 4);
        type = rs_yaml_get(d, "type");
        if (!type) err_at(c, d, "design: no 'type'; expected grid, random, lhs or list");
        const rs_yaml_node *x;
        if ((x = rs_yaml_get(d, "samples"))) {
            if (samples) err_at(c, x, "design.samples: samples is also given at the top");
            samples = x;
        }
        if ((x = rs_yaml_get(d, "seed"))) {
            if (seed) err_at(c, x, "design.seed: seed is also given at the top");
            seed = x;
        }
        file = rs_yaml_get(d, "file");
    }
    if (!type) return;
    int kind = get_choice(c, type, "design", design_names);
    if (kind < 0) return;
    s->design = (rs_sweep_design_kind)kind;
    uint64_t v;
    if (samples && get_count(c, samples, "samples", 1, RS_SWEEP_MAX_POINTS, &v))
        s->samples = (size_t)v;
    s->seed = 1;
    if (seed && get_count(c, seed, "seed", 0, 1e15, &v)) s->seed = v;
    if ((kind == RS_SWEEP_RANDOM || kind == RS_SWEEP_LHS) && !samples)
        err_at(c, type, "design %s: no 'samples'; expected the number of points", type->text);
    if (kind == RS_SWEEP_LIST) {
        if (samples) err_at(c, samples, "samples: a list design has the points of its file");
        if (!file || file->kind != RS_YAML_SCALAR || !file->text[0])
            err_at(c, file ? file : d, "design: a list design needs 'file', a CSV file of "
                                       "points (header: the parameter paths)");
        else
            read_list(c, file, file->text, dir);
    } else if (file) {
        err_at(c, file, "design.file: only a list design reads its points from a file");
    }
}

/* --- parameters ---------------------------------------------------------- */

/* One parameter: `{range: [lo, hi], scale: linear|log}` or `{values: [...]}`. */
static void parse_parameter(sctx *c, const rs_yaml_node *key, const rs_yaml_node *v,
                            rs_sweep_parameter *p)
{
    char what[300];
    snprintf(what, sizeof what, "parameters.%s", key->text);
    p->path = rs_strdup(key->text);
    p->line = key->line;
    p->col = key->col;
    if (v->kind != RS_YAML_MAP) {
        err_at(c, v, "%s: %s; expected {range: [LO, HI], scale: linear|log} or "
                     "{values: [V1, V2, ...]}", what, rs_yaml_kind_name(v));
        return;
    }
    static const char *const keys[] = {"range", "scale", "values"};
    check_keys(c, v, what, keys, 3);
    const rs_yaml_node *range = rs_yaml_get(v, "range"), *scale = rs_yaml_get(v, "scale"),
                       *values = rs_yaml_get(v, "values");
    if (!range == !values) {
        err_at(c, v, "%s: expected exactly one of 'range' and 'values'", what);
        return;
    }
    if (values) {
        if (scale) err_at(c, scale, "%s.scale: only a range has a scale", what);
        if (values->kind != RS_YAML_SEQ || values->n < 1) {
            err_at(c, values, "%s.values: expected a list of at least one number", what);
            return;
        }
        double *x = calloc((size_t)values->n, sizeof *x);
        if (!x) return;
        for (int i = 0; i < values->n; i++) get_number(c, values->items[i], what, &x[i]);
        p->axis.values = x;
        p->axis.nvalues = (size_t)values->n;
        return;
    }
    if (range->kind != RS_YAML_SEQ || range->n != 2) {
        err_at(c, range, "%s.range: expected [LO, HI]", what);
        return;
    }
    int ok = get_number(c, range->items[0], what, &p->axis.lo) &
             get_number(c, range->items[1], what, &p->axis.hi);
    static const char *const scales[] = {"linear", "log", NULL};
    int sc = scale ? get_choice(c, scale, "scale", scales) : 0;
    p->axis.scale = sc == 1 ? RS_SWEEP_LOG : RS_SWEEP_LINEAR;
    if (!ok) return;
    if (!(p->axis.lo <= p->axis.hi))
        err_at(c, range, "%s.range: [%g, %g]; expected LO <= HI", what, p->axis.lo, p->axis.hi);
    else if (sc == 1 && !(p->axis.lo > 0))
        err_at(c, range, "%s.range: [%g, %g]; a log scale needs LO > 0", what, p->axis.lo,
               p->axis.hi);
}

static void parse_parameters(sctx *c, const rs_yaml_node *root)
{
    rs_sweep *s = c->s;
    const rs_yaml_node *ps = rs_yaml_get(root, "parameters");
    if (s->design == RS_SWEEP_LIST) {
        if (ps) err_at(c, ps, "parameters: a list design takes its parameters from its file's "
                              "header");
        return;
    }
    if (!ps || ps->kind != RS_YAML_MAP || ps->n == 0) {
        err_at(c, ps, "parameters: %s; expected a mapping of parameter paths to "
                      "{range: [LO, HI]} or {values: [...]}", ps ? rs_yaml_kind_name(ps) : "missing");
        return;
    }
    if (ps->n > RS_SWEEP_MAX_AXES) {
        err_at(c, ps, "parameters: %d; at most %d", ps->n, RS_SWEEP_MAX_AXES);
        return;
    }
    s->parameters = calloc((size_t)ps->n, sizeof *s->parameters);
    if (!s->parameters) return;
    s->nparameters = ps->n;
    for (int i = 0; i < ps->n; i++) parse_parameter(c, ps->keys[i], ps->items[i], &s->parameters[i]);
}

/* A path as the model reads it, for comparing two: "parameters.k" is "k". */
static const char *canonical(const char *path)
{
    return strncmp(path, "parameters.", 11) == 0 ? path + 11 : path;
}

/* Records an error at parameter i's place (the sweep file, or a list
 * design's CSV header). */
static void param_err(sctx *c, int i, const char *fmt, ...) RS_PRINTF(3, 4);
static void param_err(sctx *c, int i, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const rs_sweep_parameter *p = &c->s->parameters[i];
    c->nerr++;
    rs_errors_add_at(c->errs, RS_EINVAL, c->s->design == RS_SWEEP_LIST ? c->list_path : c->file,
                     p->line, p->col, "%s", msg);
}

/* Refuses a parameter named like a summary column of the runner's, the
 * seed (which replicates vary), a name no column can have, and a parameter
 * given twice (also as k and parameters.k). */
static void check_parameter_names(sctx *c)
{
    rs_sweep *s = c->s;
    for (int i = 0; i < s->nparameters; i++) {
        const char *p = s->parameters[i].path;
        if (!p) continue;
        if (strcmp(p, "seed") == 0) {
            param_err(c, i, "parameter seed: a sweep sets each run's seed from its own seed; "
                            "expected replicates: N for several seeds per point");
            continue;
        }
        if (!p[0] || strchr(p, '/') || !strcmp(p, ".")) {
            param_err(c, i, "parameter '%s': expected a dotted path such as "
                            "substrates.cytokine.diffusion", p);
            continue;
        }
        for (size_t k = 0; k < sizeof reserved_columns / sizeof *reserved_columns; k++)
            if (strcmp(p, reserved_columns[k]) == 0)
                param_err(c, i, "parameter %s: a name of a summary column; expected another", p);
        for (int j = 0; j < i; j++)
            if (s->parameters[j].path && !strcmp(canonical(p), canonical(s->parameters[j].path)))
                param_err(c, i, "parameter %s: the same parameter as %s; expected each once", p,
                          s->parameters[j].path);
    }
}

/* --- set, keep, metrics --------------------------------------------------- */

/* `set: {PATH: VALUE, ...}`: overrides for every run. */
static void parse_sets(sctx *c, const rs_yaml_node *root)
{
    const rs_yaml_node *set = rs_yaml_get(root, "set");
    if (!set) return;
    if (set->kind != RS_YAML_MAP || set->n > MAX_SETS) {
        err_at(c, set, "set: expected a mapping of at most %d paths to values, e.g. "
                       "{time.end: 1440}", MAX_SETS);
        return;
    }
    rs_sweep *s = c->s;
    s->sets = calloc((size_t)set->n + 1, sizeof *s->sets);
    if (!s->sets) return;
    for (int i = 0; i < set->n; i++) {
        const rs_yaml_node *v = set->items[i];
        if (v->kind != RS_YAML_SCALAR) {
            err_at(c, v, "set.%s: %s; expected one value", set->keys[i]->text,
                   rs_yaml_kind_name(v));
            continue;
        }
        const char *key = set->keys[i]->text;
        static const char *const owned[] = {"seed", "time.checkpoint_every", "time.save_every"};
        for (size_t k = 0; k < sizeof owned / sizeof *owned; k++)
            if (!strcmp(key, owned[k]) && (k < 2 || s->keep == RS_SWEEP_KEEP_FINAL))
                err_at(c, set->keys[i], "set.%s: the sweep sets it for every run (%s); expected "
                       "another key", key, k == 0 ? "from its seed and replicates"
                       : k == 1 ? "runs are redone, not resumed" : "keep: final");
        for (int j = 0; j < s->nparameters; j++)
            if (s->parameters[j].path && !strcmp(canonical(key), canonical(s->parameters[j].path))) {
                err_at(c, set->keys[i], "set.%s: a parameter the sweep varies; expected it in "
                       "one place", key);
                break;
            }
        rs_strbuf b;
        rs_strbuf_init(&b);
        rs_strbuf_appendf(&b, "%s=%s", key, v->text);
        s->sets[s->nsets++] = rs_strbuf_take(&b);
    }
}

/* One entry of `metrics`: a metric's name (its final value), or
 * {name: COLUMN, metric: NAME, first_below|first_above: LEVEL}. Resolved
 * against the model's metrics in check_model. */
static void parse_output(sctx *c, const rs_yaml_node *n, rs_sweep_output *o,
                         const char **metric, const rs_yaml_node **at)
{
    *at = n;
    if (n->kind == RS_YAML_SCALAR) {
        o->name = rs_strdup(n->text);
        *metric = n->text;
        o->kind = RS_SWEEP_FINAL;
        return;
    }
    if (n->kind != RS_YAML_MAP) {
        err_at(c, n, "metrics: %s; expected a metric's name or {name: COLUMN, metric: NAME, "
                     "first_below: LEVEL}", rs_yaml_kind_name(n));
        return;
    }
    static const char *const keys[] = {"name", "metric", "first_below", "first_above"};
    check_keys(c, n, "metrics", keys, 4);
    const rs_yaml_node *name = rs_yaml_get(n, "name"), *m = rs_yaml_get(n, "metric"),
                       *below = rs_yaml_get(n, "first_below"),
                       *above = rs_yaml_get(n, "first_above");
    if (!m || m->kind != RS_YAML_SCALAR) {
        err_at(c, m ? m : n, "metrics: expected 'metric', the name of a model metric");
        return;
    }
    *metric = m->text;
    *at = m;
    if (below && above) err_at(c, above, "metrics: give first_below or first_above, not both");
    const rs_yaml_node *lv = below ? below : above;
    if (lv) {
        o->kind = below ? RS_SWEEP_FIRST_BELOW : RS_SWEEP_FIRST_ABOVE;
        get_number(c, lv, below ? "first_below" : "first_above", &o->level);
    }
    if (name && name->kind == RS_YAML_SCALAR && name->text[0] && !strchr(name->text, '/') &&
        strcmp(name->text, ".") != 0) {
        o->name = rs_strdup(name->text);
    } else if (name) {
        err_at(c, name, "metrics.name: expected a column name (not empty, no '/')");
    } else if (lv) {
        err_at(c, n, "metrics: a crossing time needs 'name', its column's name");
    } else {
        o->name = rs_strdup(m->text);
    }
}

/* The model: loads with `set`, the metrics, then every parameter at the
 * ends of its range or at each value. */
static void check_model(sctx *c, const rs_yaml_node *root)
{
    rs_sweep *s = c->s;
    const rs_yaml_node *mnode = rs_yaml_get(root, "model");
    rs_errors me;
    rs_errors_clear(&me);
    rs_model *m = NULL;
    if (rs_model_load(&m, s->model_path, (const char *const *)s->sets, s->nsets, &me) != RS_OK) {
        err_at(c, mnode, "model: %s does not load (%d error%s follow%s)", s->model_path,
               me.count, me.count == 1 ? "" : "s", me.count == 1 ? "s" : "");
        for (int i = 0; i < me.count; i++) rs_errors_add(c->errs, &me.item[i]);
        return;
    }
    s->nmodel_metrics = m->nmetrics;
    s->metric_names = calloc((size_t)m->nmetrics + 1, sizeof *s->metric_names);
    s->metric_units = calloc((size_t)m->nmetrics + 1, sizeof *s->metric_units);
    for (int i = 0; s->metric_names && s->metric_units && i < m->nmetrics; i++) {
        s->metric_names[i] = rs_strdup(m->metrics[i].name);
        s->metric_units[i] = m->metrics[i].units ? rs_strdup(m->metrics[i].units) : NULL;
    }
    if (!s->metric_names || !s->metric_units) {
        err_at(c, NULL, "out of memory");
        rs_model_destroy(m);
        return;
    }

    /* Summary metrics: those named, or every metric of the model. */
    const rs_yaml_node *ms = rs_yaml_get(root, "metrics");
    if (ms && (ms->kind != RS_YAML_SEQ || ms->n > MAX_OUTPUTS)) {
        err_at(c, ms, "metrics: expected a list of at most %d metric names", MAX_OUTPUTS);
        ms = NULL;
    }
    int n = ms ? ms->n : m->nmetrics;
    s->outputs = calloc((size_t)n + 1, sizeof *s->outputs);
    for (int i = 0; s->outputs && i < n; i++) {
        rs_sweep_output *o = &s->outputs[s->noutputs++];
        const char *metric = NULL;
        const rs_yaml_node *at = NULL;
        if (ms) {
            parse_output(c, ms->items[i], o, &metric, &at);
        } else {
            o->name = rs_strdup(m->metrics[i].name);
            metric = o->name;
        }
        o->metric = -1;
        for (int k = 0; metric && k < m->nmetrics; k++)
            if (strcmp(m->metrics[k].name, metric) == 0) o->metric = k;
        if (metric && o->metric < 0) {
            char dym[80];
            rs_suggester sg;
            rs_suggester_init(&sg, metric, strlen(metric));
            for (int k = 0; k < m->nmetrics; k++) rs_suggester_offer(&sg, m->metrics[k].name);
            err_at(c, at, "metrics: '%s' is not a metric of %s%s", metric, s->model_path,
                   rs_did_you_mean(sg.best, dym, sizeof dym));
        }
    }
    rs_model_destroy(m);

    /* Every parameter at its extremes (or values), one at a time. */
    const char **ov = calloc((size_t)s->nsets + 1, sizeof *ov);
    for (int i = 0; ov && i < s->nparameters; i++) {
        const rs_sweep_parameter *p = &s->parameters[i];
        const rs_sweep_axis *a = &p->axis;
        size_t nv = a->values ? a->nvalues : 2;
        for (size_t k = 0; k < nv; k++) {
            double x = a->values ? a->values[k] : (k ? a->hi : a->lo);
            char buf[320];
            snprintf(buf, sizeof buf, "%s=%.17g", p->path, x);
            for (int j = 0; j < s->nsets; j++) ov[j] = s->sets[j];
            ov[s->nsets] = buf;
            rs_errors_clear(&me);
            if (rs_model_load(&m, s->model_path, ov, s->nsets + 1, &me) == RS_OK) {
                rs_model_destroy(m);
                continue;
            }
            for (int e = 0; e < me.count; e++)
                param_err(c, i, "parameter %s = %g: %s", p->path, x, me.item[e].msg);
            break;
        }
    }
    free(ov);
}

/* Refuses two summary columns of the same name. */
static void check_columns(sctx *c, const rs_yaml_node *root)
{
    rs_sweep *s = c->s;
    for (int i = 0; i < s->noutputs; i++) {
        const char *a = s->outputs[i].name;
        if (!a) continue;
        int clash = 0;
        for (int j = 0; j < i; j++) clash |= s->outputs[j].name && !strcmp(a, s->outputs[j].name);
        for (int j = 0; j < s->nparameters; j++) clash |= !strcmp(a, s->parameters[j].path);
        for (size_t k = 0; k < sizeof reserved_columns / sizeof *reserved_columns; k++)
            clash |= !strcmp(a, reserved_columns[k]);
        if (clash)
            err_at(c, rs_yaml_get(root, "metrics"), "metrics: two summary columns named '%s'; expected "
                                             "distinct names (give the metric a `name`)", a);
    }
}

/* The folder of path, with a final '/', or "" for the current one. */
static char *folder_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) + 1 : 0;
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, path, n);
        d[n] = '\0';
    }
    return d;
}

/* Reads the whole tree into c->s. */
static void parse_sweep(sctx *c, const rs_yaml_node *root, const char *dir)
{
    rs_sweep *s = c->s;
    if (!root || root->kind != RS_YAML_MAP) {
        err_at(c, root, "expected a mapping of sweep keys (sweep, model, design, parameters)");
        return;
    }
    check_keys(c, root, "sweep file", top_keys, NTOP);
    uint64_t v;
    const rs_yaml_node *n = rs_yaml_get(root, "sweep");
    if (!n)
        err_at(c, NULL, "no 'sweep: 1' (the sweep file format) at the top");
    else if (get_count(c, n, "sweep", 1, 1e9, &v) && v != 1)
        err_at(c, n, "sweep: %s; this regensim reads sweep files of format 1", n->text);
    n = rs_yaml_get(root, "model");
    if (!n || n->kind != RS_YAML_SCALAR || !n->text[0]) {
        err_at(c, n, "model: expected the model file's path (relative to the sweep file)");
    } else {
        rs_strbuf b;
        rs_strbuf_init(&b);
        rs_strbuf_appendf(&b, "%s%s", n->text[0] == '/' ? "" : dir, n->text);
        s->model_path = rs_strbuf_take(&b);
    }
    parse_design(c, root, dir);
    parse_parameters(c, root);
    check_parameter_names(c);
    s->replicates = 1;
    if ((n = rs_yaml_get(root, "replicates")) && get_count(c, n, "replicates", 1, 1e6, &v))
        s->replicates = (uint32_t)v;
    static const char *const keeps[] = {"none", "final", "all", NULL};
    s->keep = RS_SWEEP_KEEP_FINAL;
    if ((n = rs_yaml_get(root, "keep"))) {
        int k = get_choice(c, n, "keep", keeps);
        if (k >= 0) s->keep = (rs_sweep_keep)k;
    }
    if ((n = rs_yaml_get(root, "threads_per_run")) &&
        get_count(c, n, "threads_per_run", 1, 4096, &v))
        s->threads_per_run = (int)v;
    parse_sets(c, root);
}

/* How many points the design will have (a list's are read already). */
static double planned_points(const rs_sweep *s)
{
    if (s->design == RS_SWEEP_LIST) return (double)s->npoints;
    if (s->design != RS_SWEEP_GRID) return (double)s->samples;
    double n = 1;
    for (int i = 0; i < s->nparameters; i++)
        n *= s->parameters[i].axis.values ? (double)s->parameters[i].axis.nvalues
                                          : (double)s->samples;
    return n;
}

/* The design's points (not for a list, read with the file). */
static void make_points(sctx *c, const rs_yaml_node *root)
{
    rs_sweep *s = c->s;
    if (s->design == RS_SWEEP_LIST) return;
    rs_sweep_axis *axes = calloc((size_t)s->nparameters, sizeof *axes);
    if (!axes) return;
    for (int i = 0; i < s->nparameters; i++) axes[i] = s->parameters[i].axis;
    rs_error e;
    rs_error_clear(&e);
    if (rs_sweep_design(s->design, axes, (size_t)s->nparameters, s->samples, s->seed, &s->points,
                        &s->npoints, &e) != RS_OK) {
        const rs_yaml_node *d = rs_yaml_get(root, "design");
        err_at(c, d, "design: %s", e.msg);
    }
    free(axes);
}

rs_status rs_sweep_load(rs_sweep **out, const char *path, rs_errors *errs)
{
    *out = NULL;
    rs_error e;
    rs_error_clear(&e);
    char *bytes = NULL;
    size_t len = 0;
    if (rs_yaml_read_file(path, &bytes, &len, &e) != RS_OK) return rs_errors_add(errs, &e);
    rs_yaml_doc doc = {0};
    if (rs_yaml_parse(&doc, path, bytes, len, &e) != RS_OK) {
        free(bytes);
        return rs_errors_add(errs, &e);
    }
    rs_sweep *s = calloc(1, sizeof *s);
    char *dir = folder_of(path);
    if (!s || !dir) {
        free(s);
        free(dir);
        free(bytes);
        rs_yaml_free(&doc);
        return rs_errors_add_at(errs, RS_ENOMEM, NULL, 0, 0, "out of memory");
    }
    s->source = rs_strdup(path);
    s->text = bytes;
    sctx c = {path, errs, 0, s, ""};
    parse_sweep(&c, doc.root, dir);
    double planned = c.nerr ? 0 : planned_points(s) * s->replicates;
    if (planned > RS_SWEEP_MAX_RUNS) /* refused before any point is made */
        err_at(&c, rs_yaml_get(doc.root, "replicates") ? rs_yaml_get(doc.root, "replicates")
                                                        : rs_yaml_get(doc.root, "design"),
               "%.4g points x %u replicates: more than "
               "%u runs", planned / s->replicates, s->replicates, RS_SWEEP_MAX_RUNS);
    if (!c.nerr) make_points(&c, doc.root);
    if (!c.nerr) check_model(&c, doc.root);
    if (!c.nerr) check_columns(&c, doc.root);
    if (!c.nerr && s->model_path) {
        size_t mlen = 0;
        if (rs_yaml_read_file(s->model_path, &s->model_text, &mlen, &e) != RS_OK) {
            c.nerr++;
            rs_errors_add(errs, &e);
        }
    }
    rs_yaml_free(&doc);
    free(dir);
    if (c.nerr) {
        rs_sweep_destroy(s);
        return RS_EINVAL;
    }
    *out = s;
    return RS_OK;
}

void rs_sweep_destroy(rs_sweep *s)
{
    if (!s) return;
    free(s->source);
    free(s->text);
    free(s->model_path);
    free(s->model_text);
    free(s->list_text);
    for (int i = 0; i < s->nparameters; i++) {
        free(s->parameters[i].path);
        free((double *)s->parameters[i].axis.values);
    }
    free(s->parameters);
    rs_sweep_strings_free(s->sets, s->nsets);
    free(s->points);
    for (int i = 0; i < s->noutputs; i++) free(s->outputs[i].name);
    free(s->outputs);
    rs_sweep_strings_free(s->metric_names, s->nmodel_metrics);
    rs_sweep_strings_free(s->metric_units, s->nmodel_metrics);
    free(s);
}

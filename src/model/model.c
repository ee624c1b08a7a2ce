/* model.c: the model's life cycle (see regensim/model.h): load (read,
 * parse, override, resolve), destroy, and the accessors and summary that
 * `regensim info` and the simulation use. Parsing is in model_parse.c,
 * resolution and checks in model_resolve.c, the schema in schema.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_impl.h"
#include "regensim/diffusion.h"

/* Frees what one field owns. */
static void free_field(const field_desc *f, void *base)
{
    switch (f->kind) {
    case FK_NUMBER:
    case FK_INT:
    case FK_VARYING: free(FIELD(base, f, rs_model_number)->expr); return;
    case FK_STRING:
    case FK_ENUM: free(*FIELD(base, f, char *)); return;
    case FK_BOOL: return;
    case FK_EXPR: free(FIELD(base, f, rs_model_expr)->text); return;
    case FK_STRUCT: rs_model_free_struct(f->sub, FIELD(base, f, char)); return;
    case FK_VECTOR:
        for (int i = 0; i < 3; i++) free(FIELD(base, f, rs_model_number)[i].expr);
        return;
    case FK_BOUNDARY:
        for (int k = 0; k < RS_NFACES; k++) free(FIELD(base, f, rs_model_bc)[k].value.expr);
        return;
    case FK_REGION: rs_model_free_region(FIELD(base, f, rs_model_region)); return;
    case FK_DICT:
    case FK_LIST: {
        char *items = *FIELD(base, f, char *);
        if (!items) return;
        for (int i = 0; i < *FIELD_N(base, f); i++) {
            void *item = items + (size_t)i * f->sub->size;
            if (f->kind == FK_DICT) free(*(char **)item);
            rs_model_free_struct(f->sub, item); /* an inline item's other fields are NULL */
        }
        free(items);
        return;
    }
    }
}

void rs_model_free_struct(const struct_desc *d, void *base)
{
    for (int k = 0; k < d->nfields; k++) free_field(&d->fields[k], base);
}

void rs_model_destroy(rs_model *m)
{
    if (!m) return;
    rs_model_free_struct(&rs_model_schema_top, m);
    free(m->source);
    free(m);
}

static const char *const top_keys[] = {"regensim", "name", "domain", "time", "solver",
                                       "solver_options", "output", "seed", "parameters", "substrates",
                                       "cell_types", "initial", "interventions", "metrics"};

/* The field named key in d, or NULL. */
static const field_desc *find_field(const struct_desc *d, const char *key)
{
    for (int k = 0; k < d->nfields; k++)
        if (strcmp(d->fields[k].key, key) == 0) return &d->fields[k];
    return NULL;
}

/* Splits a path "a.b[2].c" into at most max tokens (in buf); returns the
 * count, or -1 if malformed. */
static int split_path(const char *path, char *buf, size_t size, char **tok, int max)
{
    size_t len = strlen(path);
    if (len == 0 || len >= size) return -1;
    memcpy(buf, path, len + 1);
    int n = 0;
    char *p = buf;
    while (*p) {
        if (n == max) return -1;
        tok[n++] = p;
        char *e = p + strcspn(p, ".[]");
        if (e == p) return -1;
        if (*e == ']') return -1;
        char sep = *e;
        *e = '\0';
        if (!sep) break;
        p = e + 1;
        if (sep == '[') {
            char *close = strchr(p, ']');
            if (!close || close == p || n == max) return -1;
            tok[n++] = p;
            *close = '\0';
            p = close + 1;
            if (*p == '.') p++;
            else if (*p && *p != '[') return -1;
            if (*p == '[') return -1;
        } else if (!*p) {
            return -1;
        }
    }
    return n;
}

/* Parses a list index token; -1 if not one below n. */
static int parse_index(const char *t, int n)
{
    char *end = NULL;
    long i = strtol(t, &end, 10);
    if (!t[0] || *end || i < 0 || i >= n) return -1;
    return (int)i;
}

/* Parses an override's value into field f of base. A number that does not
 * parse keeps its previous value, so that one bad --set gives one error,
 * not a second one from the NaN left behind (a parameter read by others). */
static void parse_override_value(mctx *c, const field_desc *f, const rs_yaml_node *node, void *base,
                                 const char *path, rs_model_pos pos)
{
    if (f->kind != FK_NUMBER) {
        rs_model_parse_field(c, f, node, base, path, pos);
        return;
    }
    rs_model_number *num = FIELD(base, f, rs_model_number);
    rs_model_number keep = *num;
    keep.expr = num->expr ? rs_strdup(num->expr) : NULL;
    int before = c->nerr;
    rs_model_parse_field(c, f, node, base, path, pos);
    if (c->nerr > before) {
        free(num->expr);
        *num = keep;
    } else {
        free(keep.expr);
    }
}

void rs_model_apply_override(mctx *c, int idx, const char *text)
{
    rs_model_pos pos = {0, 0, 0, idx + 1};
    const char *eq = strchr(text, '=');
    if (!eq || eq == text) {
        rs_model_err(c, pos, "'%s': expected PATH=VALUE, e.g. parameters.k_damage=0.004",
                     text);
        return;
    }
    char path[256], buf[256], shown[300];
    size_t plen = (size_t)(eq - text);
    if (plen >= sizeof path) {
        rs_model_err(c, pos, "'%.40s...': path too long; expected at most 255 characters",
                     text);
        return;
    }
    memcpy(path, text, plen);
    path[plen] = '\0';
    const char *value = eq + 1;
    char *tok[12];
    int nt = split_path(path, buf, sizeof buf, tok, 12);
    if (nt < 0) {
        rs_model_err(c, pos, "'%s': malformed path; expected keys separated by dots, e.g. "
                     "substrates.cytokine.diffusion", path);
        return;
    }
    rs_model *m = c->m;
    /* A bare name that is not a section is short for parameters.NAME. */
    if (nt == 1 && !find_field(&rs_model_schema_top, tok[0])) {
        tok[1] = tok[0];
        tok[0] = (char *)"parameters";
        nt = 2;
        if (rs_model_find_parameter(m, tok[1]) < 0) {
            rs_suggester sg;
            char dym[80];
            rs_suggester_init(&sg, tok[1], strlen(tok[1]));
            for (int i = 0; i < m->nparameters; i++)
                rs_suggester_offer(&sg, m->parameters[i].name);
            rs_suggester_offer_list(&sg, top_keys, (int)(sizeof top_keys / sizeof top_keys[0]));
            rs_model_err(c, pos, "%s: unknown parameter%s; expected a parameter of the "
                         "model or a dotted path such as substrates.NAME.diffusion", path,
                         rs_did_you_mean(sg.best, dym, sizeof dym));
            return;
        }
    }
    const struct_desc *d = &rs_model_schema_top;
    void *base = m;
    shown[0] = '\0';
    for (int i = 0; i < nt; i++) {
        const field_desc *f = find_field(d, tok[i]);
        size_t sl = strlen(shown);
        snprintf(shown + sl, sizeof shown - sl, "%s%s", sl ? "." : "", tok[i]);
        if (!f) {
            rs_suggester sg;
            char dym[80];
            rs_suggester_init(&sg, tok[i], strlen(tok[i]));
            for (int k = 0; k < d->nfields; k++) rs_suggester_offer(&sg, d->fields[k].key);
            rs_model_err(c, pos, "%s: unknown key '%s'%s in path '%s'", path, tok[i],
                         rs_did_you_mean(sg.best, dym, sizeof dym), shown);
            return;
        }
        int last = i == nt - 1;
        rs_yaml_node node = {.kind = RS_YAML_SCALAR, .style = RS_YAML_PLAIN, .text = (char *)value,
                        .len = strlen(value)};
        if (last) {
            if (f->kind == FK_STRUCT || f->kind == FK_DICT || f->kind == FK_LIST) {
                rs_model_err(c, pos, "%s: a section, not a single value; expected a path to "
                             "one of its keys", path);
                return;
            }
            parse_override_value(c, f, &node, base, path, pos);
            return;
        }
        switch (f->kind) {
        case FK_STRUCT:
            if (f->optional && !*FIELD(base, f, char *)) {
                rs_model_err(c, pos, "%s: '%s' is not given in the model; expected a path "
                             "to a value the model has", path, shown);
                return;
            }
            d = f->sub;
            base = FIELD(base, f, char);
            continue;
        case FK_DICT:
        case FK_LIST: {
            char *items = *FIELD(base, f, char *);
            int n = *FIELD_N(base, f), at = -1;
            const char *item = tok[++i];
            if (f->kind == FK_LIST) {
                at = parse_index(item, n);
            } else {
                for (int k = 0; k < n; k++)
                    if (strcmp(*(char **)(items + (size_t)k * f->sub->size), item) == 0) at = k;
            }
            if (at < 0) {
                rs_suggester sg;
                char dym[80];
                rs_suggester_init(&sg, item, strlen(item));
                for (int k = 0; f->kind == FK_DICT && k < n; k++)
                    rs_suggester_offer(&sg, *(char **)(items + (size_t)k * f->sub->size));
                rs_model_err(c, pos, "%s: no %s '%s' in %s%s; expected %s", path,
                             f->kind == FK_LIST ? "entry" : "name", item, shown,
                             rs_did_you_mean(sg.best, dym, sizeof dym),
                             f->kind == FK_LIST ? "an index of an existing entry"
                                                : "a name the model defines");
                return;
            }
            sl = strlen(shown);
            snprintf(shown + sl, sizeof shown - sl, ".%s", item);
            void *it = items + (size_t)at * f->sub->size;
            if (f->sub->inline_item == 1 || (f->sub->inline_item && i == nt - 1)) {
                if (i != nt - 1) {
                    rs_model_err(c, pos, "%s: '%s' is a single value; expected the path to "
                                 "end there", path, shown);
                    return;
                }
                parse_override_value(c, &f->sub->fields[0], &node, it, path, pos);
                return;
            }
            if (i == nt - 1) {
                rs_model_err(c, pos, "%s: a section, not a single value; expected a path to "
                             "one of its keys", path);
                return;
            }
            d = f->sub;
            base = it;
            continue;
        }
        case FK_VECTOR: {
            int n = *FIELD_N(base, f);
            int at = i + 2 == nt ? parse_index(tok[i + 1], n) : -1;
            if (at < 0) {
                rs_model_err(c, pos, "%s: expected %s.N with N from 0 to %d", path, shown,
                             n - 1);
                return;
            }
            field_desc one = *f;
            rs_model_parse_number(c, &one, &node, &FIELD(base, f, rs_model_number)[at], path,
                                  pos);
            return;
        }
        default:
            rs_model_err(c, pos, "%s: '%s' is a single value; expected the path to end there",
                         path, shown);
            return;
        }
    }
}

rs_status rs_model_load_string(rs_model **out, const char *text, size_t len,
                               const char *source_name, const char *const *overrides,
                               int noverrides, rs_errors *errs)
{
    *out = NULL;
    rs_errors_clear(errs);
    const char *name = source_name ? source_name : "(model)";
    rs_yaml_doc doc;
    rs_error err;
    rs_error_clear(&err);
    rs_status s = rs_yaml_parse(&doc, name, text, len, &err);
    if (s != RS_OK) {
        rs_errors_add(errs, &err);
        return s;
    }
    if (doc.root->kind != RS_YAML_MAP) {
        rs_yaml_free(&doc);
        rs_errors_add_at(errs, RS_EINVAL, name, doc.root ? 1 : 1, 1,
                         "the document is not a mapping; expected a model (a mapping "
                         "starting with 'regensim: 1')");
        return RS_EINVAL;
    }
    rs_model *m = calloc(1, sizeof *m);
    char *src = rs_strdup(name);
    if (!m || !src) {
        free(m);
        free(src);
        rs_yaml_free(&doc);
        return rs_errors_add_at(errs, RS_ENOMEM, name, 0, 0, "out of memory");
    }
    m->source = src;
    mctx c = {name, errs, 0, m, overrides, 0};
    rs_model_parse_struct(&c, &rs_model_schema_top, doc.root, m, "");
    rs_yaml_free(&doc);
    for (int i = 0; i < noverrides; i++) rs_model_apply_override(&c, i, overrides[i]);
    rs_model_resolve(&c);
    if (c.nerr > 0) {
        rs_model_destroy(m);
        return RS_EINVAL;
    }
    *out = m;
    return RS_OK;
}

rs_status rs_model_load(rs_model **out, const char *path, const char *const *overrides,
                        int noverrides, rs_errors *errs)
{
    *out = NULL;
    rs_errors_clear(errs);
    char *bytes = NULL;
    size_t len = 0;
    rs_error err;
    rs_error_clear(&err);
    rs_status s = rs_yaml_read_file(path, &bytes, &len, &err);
    if (s != RS_OK) {
        rs_errors_add(errs, &err);
        return s;
    }
    s = rs_model_load_string(out, bytes, len, path, overrides, noverrides, errs);
    free(bytes);
    return s;
}

rs_grid rs_model_grid(const rs_model *m)
{
    rs_grid g = {1, 1, 1, m->domain.dx.value};
    int *n[3] = {&g.nx, &g.ny, &g.nz};
    for (int a = 0; a < m->domain.nsize && a < 3; a++) {
        /* Sizes refused earlier may be NaN or huge: never cast those. */
        double v = floor(m->domain.size[a].value / g.dx + 0.5);
        *n[a] = v >= 1.0 && v <= 2147483647.0 ? (int)v : 1;
    }
    return g;
}

/* The substrates' coefficients and boundaries as given (plain values), for
 * the summary's solver estimates. */
static void substrate_specs(const rs_model *m, rs_substrate_spec *specs)
{
    for (int s = 0; s < m->nsubstrates; s++) {
        const rs_model_substrate *sub = &m->substrates[s];
        rs_substrate_spec_init(&specs[s], sub->diffusion.value, sub->decay.value);
        for (int k = 0; k < RS_NFACES; k++) {
            specs[s].bc[k].kind = sub->bc[k].kind;
            specs[s].bc[k].value = sub->bc[k].kind == RS_BC_DIRICHLET ? sub->bc[k].value.value
                                                                      : 0.0;
        }
    }
}


void rs_model_summarize(const rs_model *m, rs_model_summary *sum)
{
    memset(sum, 0, sizeof *sum);
    sum->grid = rs_model_grid(m);
    sum->dims = m->domain.nsize == 3 ? 3 : 2;
    sum->voxels = (double)sum->grid.nx * sum->grid.ny * sum->grid.nz;
    sum->nsubstrates = m->nsubstrates;
    sum->ncell_types = m->ncell_types;
    sum->nparameters = m->nparameters;
    sum->ninitial = m->ninitial;
    sum->ninterventions = m->ninterventions;
    sum->nmetrics = m->nmetrics;
    for (int i = 0; i < m->ninitial; i++) {
        const rs_model_initial *in = &m->initial[i];
        if (!in->cells) continue;
        if (!isnan(in->count.value))
            sum->expected_cells += in->count.value;
        else if (!isnan(in->density.value))
            sum->expected_cells +=
                in->density.value * rs_region_volume(&in->region.shape, &sum->grid, sum->dims);
    }
    sum->explicit_dt_limit = INFINITY;
    double per_voxel = 8.0 * m->nsubstrates;
    rs_substrate_spec *specs = m->nsubstrates ? malloc((size_t)m->nsubstrates * sizeof *specs)
                                              : NULL;
    if (specs) {
        substrate_specs(m, specs);
        sum->explicit_dt_limit = rs_diffusion_explicit_dt_limit(&sum->grid, specs,
                                                                m->nsubstrates);
        /* A value refused earlier is NaN: estimate with order 1 then. */
        const double order = m->solver_options.time_order.value;
        rs_diffusion_config cfg = {sum->grid, m->time.dt.diffusion.value, m->nsubstrates,
                                   specs, order == 2.0 ? 2 : 1, RS_FFT_ESTIMATE, 0};
        double bytes = rs_diffusion_estimate_bytes(m->solver, &cfg);
        if (bytes > 8.0) per_voxel += m->nsubstrates * (bytes - 8.0);
        free(specs);
    }
    sum->memory_bytes = sum->voxels * per_voxel + sum->expected_cells * RS_MODEL_BYTES_PER_CELL;
}

int rs_model_find_substrate(const rs_model *m, const char *name)
{
    for (int i = 0; name && i < m->nsubstrates; i++)
        if (strcmp(m->substrates[i].name, name) == 0) return i;
    return -1;
}

int rs_model_find_cell_type(const rs_model *m, const char *name)
{
    for (int i = 0; name && i < m->ncell_types; i++)
        if (strcmp(m->cell_types[i].name, name) == 0) return i;
    return -1;
}

int rs_model_find_parameter(const rs_model *m, const char *name)
{
    for (int i = 0; name && i < m->nparameters; i++)
        if (strcmp(m->parameters[i].name, name) == 0) return i;
    return -1;
}

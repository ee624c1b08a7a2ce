/* model_resolve.c: the second half of loading, after parsing and --set
 * overrides: numbers given as expressions of parameters are compiled and
 * evaluated, every expression (reactions, cell rules, metrics) is compiled
 * against the names it may use, and the model is checked as a whole:
 * references between sections, regions, the grid and its memory, and the
 * explicit solver's stability limit. Errors point into the file; those in
 * an expression point at the column of the offending name. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regensim/alloc.h"
#include "regensim/expr.h"
#include "model/model_impl.h"

/* Names an expression may use, built once from the parsed model. */
typedef struct names {
    const char **params;
    double *values;
    const char **substrates;
    const char **types;
    int *type_nstates;
    const char ***type_states;
} names;

static void names_free(names *nm, int ntypes)
{
    free(nm->params);
    free(nm->values);
    free(nm->substrates);
    free(nm->types);
    free(nm->type_nstates);
    if (nm->type_states)
        for (int i = 0; i < ntypes; i++) free(nm->type_states[i]);
    free(nm->type_states);
}

static int names_init(names *nm, const rs_model *m)
{
    memset(nm, 0, sizeof *nm);
    int np = m->nparameters, ns = m->nsubstrates, nt = m->ncell_types;
    nm->params = calloc((size_t)np + 1, sizeof *nm->params);
    nm->values = calloc((size_t)np + 1, sizeof *nm->values);
    nm->substrates = calloc((size_t)ns + 1, sizeof *nm->substrates);
    nm->types = calloc((size_t)nt + 1, sizeof *nm->types);
    nm->type_nstates = calloc((size_t)nt + 1, sizeof *nm->type_nstates);
    nm->type_states = calloc((size_t)nt + 1, sizeof *nm->type_states);
    if (!nm->params || !nm->values || !nm->substrates || !nm->types || !nm->type_nstates ||
        !nm->type_states)
        return 0;
    for (int i = 0; i < np; i++) {
        nm->params[i] = m->parameters[i].name;
        nm->values[i] = m->parameters[i].value.value;
    }
    for (int i = 0; i < ns; i++) nm->substrates[i] = m->substrates[i].name;
    for (int i = 0; i < nt; i++) {
        const rs_model_cell_type *ct = &m->cell_types[i];
        nm->types[i] = ct->name;
        nm->type_nstates[i] = ct->nstates;
        nm->type_states[i] = calloc((size_t)ct->nstates + 1, sizeof(char *));
        if (!nm->type_states[i]) return 0;
        for (int k = 0; k < ct->nstates; k++) nm->type_states[i][k] = ct->states[k].name;
    }
    return 1;
}

/* Walk state: the names and the cell type being walked (-1 outside). */
typedef struct walker {
    mctx *c;
    names nm;
    int cell_type;
} walker;

/* Reports a compile error, at the offending column when it can be mapped. */
static void expr_error(mctx *c, rs_model_pos pos, const char *path, const rs_error *err)
{
    rs_model_pos p = pos;
    if (!p.set && p.tcol > 0 && err->col > 0) p.col = p.tcol + err->col - 1;
    rs_model_err(c, p, "%s: %s", path, err->msg);
}

/* Compiles and evaluates a number given as an expression of parameters. */
static void eval_number(walker *w, const field_desc *f, rs_model_number *num,
                        const char *path)
{
    if (!num->expr) return;
    mctx *c = w->c;
    rs_expr_symbols sym = {0};
    sym.nparameters = c->m->nparameters;
    sym.parameter_names = w->nm.params;
    sym.parameter_values = w->nm.values;
    sym.allow = f->kind == FK_VARYING ? RS_EXPR_ALLOW_POSITION : 0;
    rs_expr *e = NULL;
    rs_error err;
    rs_error_clear(&err);
    if (rs_expr_compile(&e, num->expr, &sym, &err) != RS_OK) {
        expr_error(c, num->pos, path, &err);
        return;
    }
    if (!rs_expr_is_constant(e)) {
        num->varies = 1;
        num->value = NAN;
    } else {
        double v = rs_expr_constant(e);
        char shown[400];
        snprintf(shown, sizeof shown, "'%.300s' = %g", num->expr, v);
        if (rs_model_check_range(c, f, v, shown, path, num->pos)) num->value = v;
    }
    rs_expr_destroy(e);
}

/* Compiles an expression in its context, to check its names. */
static void check_expr(walker *w, const field_desc *f, rs_model_expr *x, const char *path)
{
    if (!x->text) return;
    mctx *c = w->c;
    const rs_model *m = c->m;
    rs_expr_symbols sym = {0};
    sym.nparameters = m->nparameters;
    sym.parameter_names = w->nm.params;
    sym.parameter_values = w->nm.values;
    sym.nsubstrates = m->nsubstrates;
    sym.substrate_names = w->nm.substrates;
    switch (f->ctx) {
    case EC_REACTION:
        sym.allow = RS_EXPR_ALLOW_POSITION | RS_EXPR_ALLOW_TIME | RS_EXPR_ALLOW_SUBSTRATES;
        break;
    case EC_CELL:
        sym.allow = RS_EXPR_ALLOW_POSITION | RS_EXPR_ALLOW_TIME | RS_EXPR_ALLOW_SUBSTRATES |
                    RS_EXPR_ALLOW_STATES | RS_EXPR_ALLOW_CELL;
        if (w->cell_type >= 0) {
            sym.nstates = w->nm.type_nstates[w->cell_type];
            sym.state_names = w->nm.type_states[w->cell_type];
        }
        break;
    case EC_METRIC:
        sym.allow = RS_EXPR_ALLOW_TIME | RS_EXPR_ALLOW_AGGREGATES;
        sym.ncell_types = m->ncell_types;
        sym.cell_type_names = w->nm.types;
        sym.cell_type_nstates = w->nm.type_nstates;
        sym.cell_type_state_names = (const char *const *const *)w->nm.type_states;
        break;
    }
    rs_expr *e = NULL;
    rs_error err;
    rs_error_clear(&err);
    if (rs_expr_compile(&e, x->text, &sym, &err) != RS_OK)
        expr_error(c, x->pos, path, &err);
    rs_expr_destroy(e);
}

static const field_desc region_number = {.kind = FK_NUMBER, .what = "a coordinate or radius",
                                         .unit = "um"};
static const field_desc bc_number = {.kind = FK_NUMBER, .what = "a boundary concentration"};

/* Evaluates the numbers of a region (and its children) given as
 * expressions, into the shape. */
static void walk_region(walker *w, rs_region *r, const rs_model_region_src *s,
                        const char *path)
{
    for (int i = 0; i < rs_region_nnumbers(r); i++) {
        double *v = rs_region_number(r, i);
        rs_model_number num = {*v, s->expr[i], 0, s->at[i]};
        eval_number(w, &region_number, &num, path);
        *v = num.value;
    }
    for (int i = 0; i < r->nchildren; i++)
        walk_region(w, &r->children[i], &s->children[i], path);
}

static void walk_struct(walker *w, const struct_desc *d, void *base, const char *path);

/* Visits one field: numbers are evaluated, expressions compiled. */
static void walk_field(walker *w, const field_desc *f, void *base, const char *path)
{
    switch (f->kind) {
    case FK_NUMBER:
    case FK_INT:
    case FK_VARYING: eval_number(w, f, FIELD(base, f, rs_model_number), path); return;
    case FK_EXPR: check_expr(w, f, FIELD(base, f, rs_model_expr), path); return;
    case FK_VECTOR: {
        rs_model_number *v = FIELD(base, f, rs_model_number);
        for (int i = 0; i < *FIELD_N(base, f); i++) {
            char p[320];
            snprintf(p, sizeof p, "%.250s[%d]", path, i);
            eval_number(w, f, &v[i], p);
        }
        return;
    }
    case FK_BOUNDARY: {
        rs_model_bc *bc = FIELD(base, f, rs_model_bc);
        for (int k = 0; k < RS_NFACES; k++)
            if (bc[k].kind == RS_BC_DIRICHLET) eval_number(w, &bc_number, &bc[k].value, path);
        return;
    }
    case FK_REGION: {
        rs_model_region *r = FIELD(base, f, rs_model_region);
        walk_region(w, &r->shape, &r->src, path);
        return;
    }
    case FK_STRUCT: walk_struct(w, f->sub, FIELD(base, f, char), path); return;
    case FK_DICT:
    case FK_LIST: {
        char *items = *FIELD(base, f, char *);
        int is_types = f->sub == NULL ? 0 : strcmp(f->sub->name, "cell type") == 0;
        for (int i = 0; i < *FIELD_N(base, f); i++) {
            void *item = items + (size_t)i * f->sub->size;
            char p[320];
            if (f->kind == FK_DICT)
                snprintf(p, sizeof p, "%.250s.%.64s", path, *(char **)item);
            else
                snprintf(p, sizeof p, "%.250s[%d]", path, i);
            if (is_types) w->cell_type = i;
            if (f->sub->inline_item)
                walk_field(w, &f->sub->fields[0], item, p);
            else
                walk_struct(w, f->sub, item, p);
            if (is_types) w->cell_type = -1;
        }
        return;
    }
    case FK_STRING:
    case FK_ENUM:
    case FK_BOOL: return;
    }
}

static void walk_struct(walker *w, const struct_desc *d, void *base, const char *path)
{
    for (int k = 0; k < d->nfields; k++) {
        char p[320];
        if (path[0])
            snprintf(p, sizeof p, "%.250s.%.60s", path, d->fields[k].key);
        else
            snprintf(p, sizeof p, "%s", d->fields[k].key);
        walk_field(w, &d->fields[k], base, p);
    }
}

/* Reports name unless it is one of known[0..n-1]. */
static int check_ref(mctx *c, rs_model_pos pos, const char *path, const char *name,
                     const char *const *known, int n, const char *what)
{
    if (!name) return 0;
    for (int i = 0; i < n; i++)
        if (strcmp(known[i], name) == 0) return 1;
    char dym[80];
    rs_model_err(c, pos, "%s: unknown %s '%s'%s; expected %s", path, what, name,
                 rs_did_you_mean(rs_suggest(name, known, n), dym, sizeof dym),
                 n ? "one defined in the model" : "one to be defined in the model first");
    return 0;
}

/* Positions of a named item's value (dict of numbers/exprs). */
static rs_model_pos num_pos(const rs_model_named_number *x) { return x->value.pos; }

/* Whether a number was given (in the file or by --set), valid or not. */
static int given(const rs_model_number *n) { return n->pos.line > 0 || n->pos.set > 0; }

/* Cross-section checks: names referred to, one action per intervention,
 * regions matching the dimension. */
static void check_refs(walker *w)
{
    mctx *c = w->c;
    rs_model *m = c->m;
    const char *const *subs = w->nm.substrates, *const *types = w->nm.types,
                      *const *pars = w->nm.params;
    /* (A name used in two sections is refused as it is parsed.) */
    for (int t = 0; t < m->ncell_types; t++) {
        rs_model_cell_type *ct = &m->cell_types[t];
        char p[300];
        for (int i = 0; i < ct->nsecretes; i++) {
            snprintf(p, sizeof p, "cell_types.%s.secretes", ct->name);
            check_ref(c, ct->secretes[i].rate.pos, p, ct->secretes[i].name, subs,
                      m->nsubstrates, "substrate");
        }
        for (int i = 0; i < ct->nuptakes; i++) {
            snprintf(p, sizeof p, "cell_types.%s.uptakes", ct->name);
            check_ref(c, num_pos(&ct->uptakes[i]), p, ct->uptakes[i].name, subs,
                      m->nsubstrates, "substrate");
        }
        for (int i = 0; i < ct->contact.nengulfs; i++) {
            snprintf(p, sizeof p, "cell_types.%s.contact.engulfs", ct->name);
            check_ref(c, num_pos(&ct->contact.engulfs[i]), p, ct->contact.engulfs[i].name,
                      types, m->ncell_types, "cell type");
        }
        for (int i = 0; i < ct->contact.nexchange; i++) {
            snprintf(p, sizeof p, "cell_types.%s.contact.exchange", ct->name);
            check_ref(c, num_pos(&ct->contact.exchange[i]), p, ct->contact.exchange[i].name,
                      (const char *const *)w->nm.type_states[t], ct->nstates,
                      "state of this cell type");
        }
        for (int i = 0; i < ct->ndeath_deposits; i++) {
            snprintf(p, sizeof p, "cell_types.%s.death_deposit", ct->name);
            check_ref(c, num_pos(&ct->death_deposits[i]), p, ct->death_deposits[i].name, subs,
                      m->nsubstrates, "substrate");
        }
        for (int i = 0; i < ct->motility.nchemotaxis; i++) {
            snprintf(p, sizeof p, "cell_types.%s.motility.chemotaxis", ct->name);
            check_ref(c, num_pos(&ct->motility.chemotaxis[i]), p,
                      ct->motility.chemotaxis[i].name, subs, m->nsubstrates, "substrate");
        }
        for (int i = 0; i < ct->ntransitions; i++) {
            snprintf(p, sizeof p, "cell_types.%s.transitions", ct->name);
            check_ref(c, ct->transitions[i].expr.pos, p, ct->transitions[i].name, types,
                      m->ncell_types, "cell type");
        }
    }
    for (int i = 0; i < m->ninitial; i++) {
        rs_model_initial *in = &m->initial[i];
        char p[64];
        snprintf(p, sizeof p, "initial[%d]", i);
        int hc = in->cells != NULL, hf = in->field != NULL;
        int hn = given(&in->count), hd = given(&in->density), hv = given(&in->value);
        if (hc == hf) {
            rs_model_err(c, in->pos, "%s: %s; expected either 'cells: TYPE' (with count or "
                         "density) or 'field: SUBSTRATE' (with value)", p,
                         hc ? "both cells and field" : "neither cells nor field");
        } else if (hc) {
            check_ref(c, in->pos, p, in->cells, types, m->ncell_types, "cell type");
            if (hn == hd)
                rs_model_err(c, in->pos, "%s: %s; expected one of count (cells) or density "
                             "(cells/um^2 in 2D, cells/um^3 in 3D)", p,
                             hn ? "both count and density" : "neither count nor density");
            if (hv)
                rs_model_err(c, in->value.pos, "%s.value: a value for cells; expected it "
                             "only with 'field'", p);
        } else {
            check_ref(c, in->pos, p, in->field, subs, m->nsubstrates, "substrate");
            if (!hv)
                rs_model_err(c, in->pos, "%s: missing key 'value'; expected a concentration "
                             "(a number or an expression of x, y, z) for the field", p);
            if (hn || hd)
                rs_model_err(c, in->pos, "%s: count or density for a field; expected them "
                             "only with 'cells'", p);
        }
    }
    for (int i = 0; i < m->ninterventions; i++) {
        rs_model_intervention *iv = &m->interventions[i];
        char p[64];
        snprintf(p, sizeof p, "interventions[%d]", i);
        int n = (iv->inject.cells != NULL) + (iv->set.parameter != NULL) +
                (iv->source.field != NULL) + (iv->remove.cells != NULL);
        if (n != 1) {
            rs_model_err(c, iv->pos, "%s: %s; expected exactly one of inject, set, source, "
                         "remove", p, n ? "more than one action" : "no action");
            continue;
        }
        if (iv->inject.cells) {
            iv->action = RS_ACTION_INJECT;
            strcat(p, ".inject");
            check_ref(c, iv->pos, p, iv->inject.cells, types, m->ncell_types, "cell type");
            int hn = given(&iv->inject.count), hd = given(&iv->inject.density);
            if (hn == hd)
                rs_model_err(c, iv->pos, "%s: %s; expected one of count or density", p,
                             hn ? "both count and density" : "neither count nor density");
        } else if (iv->set.parameter) {
            iv->action = RS_ACTION_SET;
            strcat(p, ".set");
            check_ref(c, iv->pos, p, iv->set.parameter, pars, m->nparameters, "parameter");
        } else if (iv->source.field) {
            iv->action = RS_ACTION_SOURCE;
            strcat(p, ".source");
            check_ref(c, iv->pos, p, iv->source.field, subs, m->nsubstrates, "substrate");
            double u = iv->source.until.value;
            if (u != 0 && u <= iv->at.value)
                rs_model_err(c, iv->source.until.pos, "%s.until: %g is not after at = %g; "
                             "expected a stop time > at, or 0 for never (min)", p, u,
                             iv->at.value);
        } else {
            iv->action = RS_ACTION_REMOVE;
            strcat(p, ".remove");
            check_ref(c, iv->pos, p, iv->remove.cells, types, m->ncell_types, "cell type");
        }
    }
}

/* The grid from domain.size and dx; 0 if they do not give one. */
static int make_grid(mctx *c, rs_grid *g)
{
    rs_model *m = c->m;
    double dx = m->domain.dx.value;
    int n[3] = {1, 1, 1};
    if (m->domain.nsize < 2 || !(dx > 0)) return 0;
    for (int a = 0; a < m->domain.nsize; a++) {
        double s = m->domain.size[a].value;
        if (!(s > 0)) return 0;
        double cells = s / dx;
        double r = floor(cells + 0.5);
        if (r > 2147483647.0) {
            rs_model_err(c, m->domain.size[a].pos, "domain.size[%d]: %g / dx = %g voxels; "
                         "expected at most 2147483647 per direction", a, s, cells);
            return 0;
        }
        if (r < 1 || fabs(cells - r) > 1e-9 * r) {
            rs_model_err(c, m->domain.size[a].pos, "domain.size[%d]: %g is not a multiple of "
                         "dx = %g; expected a whole number of voxels (um)", a, s, dx);
            return 0;
        }
        n[a] = (int)r;
    }
    *g = (rs_grid){n[0], n[1], n[2], dx};
    return 1;
}

/* Grid size, memory and the explicit solver's stability limit. */
static void check_grid(walker *w)
{
    mctx *c = w->c;
    rs_model *m = c->m;
    rs_grid g;
    if (!make_grid(c, &g)) return;
    rs_model_pos at = m->domain.size[0].pos;
    at.col = at.col > 0 ? at.col : 1;
    rs_error err;
    double voxels = (double)g.nx * g.ny * g.nz;
    if (voxels > (double)RS_GRID_MAX_VOXELS || rs_grid_check(&g, &err) != RS_OK) {
        rs_model_err(c, at, "domain: %d x %d x %d = %.3g voxels; expected at most %.3g "
                     "(coarser dx or a smaller domain)", g.nx, g.ny, g.nz, voxels,
                     (double)RS_GRID_MAX_VOXELS);
        return;
    }
    rs_model_summary sum;
    rs_model_summarize(m, &sum);
    /* (the cells' share is checked with the cells, at their entry) */
    const double field_bytes = sum.memory_bytes - sum.expected_cells * RS_MODEL_BYTES_PER_CELL;
    if (field_bytes > rs_memory_available()) {
        rs_model_err(c, at, "domain: %d x %d x %d voxels and %d substrates need about "
                     "%.3g GB; this machine has %.3g GB", g.nx, g.ny, g.nz, m->nsubstrates,
                     field_bytes / 1e9, rs_memory_available() / 1e9);
        return;
    }
    if (m->solver && strcmp(m->solver, "explicit") == 0 && m->nsubstrates > 0) {
        double dt = m->time.dt.diffusion.value;
        if (dt > sum.explicit_dt_limit)
            rs_model_err(c, m->time.dt.diffusion.pos.line || m->time.dt.diffusion.pos.set
                                ? m->time.dt.diffusion.pos : (rs_model_pos){1, 1, 0, 0},
                         "time.dt.diffusion: %g is above the explicit solver's stability "
                         "limit %.4g for this model; expected a time step <= %.4g (min), or "
                         "solver: lod", dt, sum.explicit_dt_limit, sum.explicit_dt_limit);
    }
    if (m->solver && strcmp(m->solver, "spectral") == 0) {
        for (int s = 0; s < m->nsubstrates; s++)
            for (int k = 0; k < RS_NFACES; k++)
                if (m->substrates[s].bc[k].kind == RS_BC_DIRICHLET) {
                    rs_model_err(c, m->substrates[s].bc_pos,
                                 "substrates.%s.boundary: dirichlet with solver spectral; "
                                 "expected neumann boundaries (or solver: lod)",
                                 m->substrates[s].name);
                    k = RS_NFACES;
                }
    }
}

/* Where a time number came from, or the file's top when it was defaulted. */
static rs_model_pos time_pos(const rs_model_number *n)
{
    return n->pos.line || n->pos.set ? n->pos : (rs_model_pos){1, 1, 0, 0};
}

/* The run's schedule: a diffusion step not above the end, a reaction
 * sub-step not above the diffusion step, and step, snapshot, checkpoint
 * and metric-row counts within the limits of model.h (a run of 10^15
 * steps or 10^9 snapshots is a typo, not a plan). */
static void check_schedule(walker *w)
{
    mctx *c = w->c;
    const rs_model *m = c->m;
    const double end = m->time.end.value, dt = m->time.dt.diffusion.value;
    if (!(end >= 0) || !(dt > 0) || !isfinite(end) || !isfinite(dt)) return; /* said already */
    if (end > 0 && dt > end) {
        rs_model_err(c, time_pos(&m->time.dt.diffusion),
                     "time.dt.diffusion: %g is above time.end (%g): the run would take no "
                     "step; expected a time step <= %g (min)", dt, end, end);
        return;
    }
    const double steps = end / dt;
    if (steps > RS_MODEL_MAX_STEPS) {
        rs_model_err(c, time_pos(&m->time.dt.diffusion),
                     "time.dt.diffusion: %g makes %.3g steps to time.end %g; expected at most "
                     "%.3g steps (a dt.diffusion >= %.3g min)", dt, steps, end,
                     RS_MODEL_MAX_STEPS, end / RS_MODEL_MAX_STEPS);
        return;
    }
    /* Periodic outputs happen at most once per step. */
    const struct {
        const rs_model_number *every;
        const char *key, *what;
        double max;
    } outs[] = {
        {&m->time.save_every, "time.save_every", "snapshots", RS_MODEL_MAX_SNAPSHOTS},
        {&m->time.checkpoint_every, "time.checkpoint_every", "checkpoints",
         RS_MODEL_MAX_SNAPSHOTS},
        {m->time.metrics_every.value > 0 ? &m->time.metrics_every : &m->time.dt.phenotype,
         m->time.metrics_every.value > 0 ? "time.metrics_every" : "time.dt.phenotype",
         "metric rows", RS_MODEL_MAX_METRIC_ROWS},
    };
    for (size_t k = 0; k < sizeof outs / sizeof outs[0]; k++) {
        const double every = outs[k].every->value;
        if (!(every > 0)) continue;
        const double n = end / (every > dt ? every : dt);
        if (n > outs[k].max)
            rs_model_err(c, time_pos(outs[k].every),
                         "%s: %g makes %.3g %s to time.end %g; expected at most %.3g (a %s >= "
                         "%.3g min)", outs[k].key, every, n, outs[k].what, end, outs[k].max,
                         outs[k].key, end / outs[k].max);
    }
    const rs_model_number *r = &m->time.dt.reaction;
    if (r->value > dt)
        rs_model_err(c, time_pos(r),
                     "time.dt.reaction: %g is above time.dt.diffusion (%g); expected a "
                     "reaction sub-step <= %g (min), or 0 for one per diffusion step",
                     r->value, dt, dt);
    else if (r->value > 0 && dt / r->value > 1e6)
        rs_model_err(c, time_pos(r),
                     "time.dt.reaction: %g makes %.3g sub-steps per diffusion step of "
                     "%g; expected at most 1e6 (a dt.reaction >= %g min)",
                     r->value, dt / r->value, dt, dt / 1e6);
}

void rs_model_resolve(mctx *c)
{
    walker w = {c, {0}, -1};
    rs_model *m = c->m;
    if (!names_init(&w.nm, m)) {
        rs_model_err(c, (rs_model_pos){0, 0, 0, 0}, "out of memory");
        names_free(&w.nm, m->ncell_types);
        return;
    }
    if (!isnan(m->format.value) && m->format.value != RS_MODEL_FORMAT)
        rs_model_err(c, m->format.pos, "regensim: %g is not a supported format version; "
                     "expected %d", m->format.value, RS_MODEL_FORMAT);
    walk_struct(&w, &rs_model_schema_top, m, "");
    check_refs(&w);
    check_grid(&w);
    check_schedule(&w);
    rs_model_check_cells(c);
    names_free(&w.nm, m->ncell_types);
}

/* model_region.c: regions of the domain in model files (initial
 * conditions, interventions): `all`, {disk|sphere: {center, radius}},
 * {box: {min, max}}, {annulus|shell: {center, inner, outer}},
 * {union: [...]}, {difference: [A, B]}. Parsed into the shared region
 * type (rs_region, region.h: values) plus a source record of where each
 * number came from (its expression of parameters, if any, and position),
 * and freed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_impl.h"

static const field_desc coord_desc = {.key = "center", .kind = FK_NUMBER,
                                      .what = "a coordinate", .unit = "um"};
static const field_desc radius_desc = {.key = "radius", .kind = FK_NUMBER,
                                       .range = R_MIN | R_MIN_OPEN, .min = 0,
                                       .what = "a radius", .unit = "um"};
static const field_desc inner_desc = {.key = "inner", .kind = FK_NUMBER, .range = R_MIN,
                                      .min = 0, .what = "an inner radius", .unit = "um"};
static const field_desc outer_desc = {.key = "outer", .kind = FK_NUMBER,
                                      .range = R_MIN | R_MIN_OPEN, .min = 0,
                                      .what = "an outer radius", .unit = "um"};

/* Frees the expression texts of s and its children (the shape r says how
 * many children there are). */
static void free_src(const rs_region *r, rs_model_region_src *s)
{
    for (int i = 0; i < RS_REGION_MAX_NUMBERS; i++) {
        free(s->expr[i]);
        s->expr[i] = NULL;
    }
    if (s->children)
        for (int i = 0; i < r->nchildren; i++) free_src(&r->children[i], &s->children[i]);
    free(s->children);
    s->children = NULL;
}

void rs_model_free_region(rs_model_region *r)
{
    if (!r) return;
    free_src(&r->shape, &r->src);
    rs_region_free(&r->shape);
}

/* Hands a parsed number over to number i of the shape (its value) and of
 * the source record (its text and position); a number the shape has no
 * place for (after an error) is dropped. */
static void store(rs_region *r, rs_model_region_src *s, int i, rs_model_number *num)
{
    double *v = rs_region_number(r, i);
    if (v) {
        *v = num->value;
        s->expr[i] = num->expr;
        s->at[i] = num->pos;
    } else {
        free(num->expr);
    }
    num->expr = NULL;
}

/* A list of 2 or 3 coordinates into v; returns the count or 0. */
static int parse_point(mctx *c, const rs_yaml_node *n, rs_model_number *v, const char *path,
                       rs_model_pos pos, int want)
{
    if (!n || n->kind != RS_YAML_SEQ || n->n < 2 || n->n > 3 || (want && n->n != want)) {
        char what[40];
        if (want)
            snprintf(what, sizeof what, "%d coordinates", want);
        else
            snprintf(what, sizeof what, "2 or 3 coordinates");
        if (n && n->kind == RS_YAML_SEQ)
            rs_model_err(c, pos, "%s: %d numbers; expected %s (um)", path, n->n, what);
        else
            rs_model_err(c, pos, "%s: %s; expected a list of %s (um)", path,
                         n ? rs_yaml_kind_name(n) : "missing", what);
        return 0;
    }
    for (int i = 0; i < n->n; i++) {
        char p[320];
        snprintf(p, sizeof p, "%s[%d]", path, i);
        rs_model_parse_number(c, &coord_desc, n->items[i], &v[i], p,
                              pos.set ? pos : rs_model_pos_of(n->items[i]));
    }
    return n->n;
}

/* One named number of a region's mapping (missing: an error). */
static void parse_key(mctx *c, const rs_yaml_node *map, const field_desc *f, rs_model_number *v,
                      const char *path, rs_model_pos pos)
{
    char p[320];
    snprintf(p, sizeof p, "%s.%s", path, f->key);
    const rs_yaml_node *n = rs_yaml_get(map, f->key);
    if (!n) {
        char exp[200];
        rs_model_expected(f, exp, sizeof exp);
        rs_model_err(c, pos, "%s: missing key '%s'; expected %s", path, f->key, exp);
        return;
    }
    rs_model_parse_number(c, f, n, v, p, pos.set ? pos : rs_model_pos_of(n));
}

/* Refuses keys of map other than those listed. */
static void only_keys(mctx *c, const rs_yaml_node *map, const char *const *keys, int nkeys,
                      const char *path)
{
    for (int i = 0; i < map->n; i++) {
        int ok = 0;
        for (int k = 0; k < nkeys; k++)
            if (strcmp(map->keys[i]->text, keys[k]) == 0) ok = 1;
        if (ok) continue;
        char dym[80];
        rs_did_you_mean(rs_suggest(map->keys[i]->text, keys, nkeys), dym, sizeof dym);
        rs_model_err(c, rs_model_pos_of(map->keys[i]), "%s: unknown key '%s'%s; expected %s%s%s%s%s",
                     path, map->keys[i]->text, dym, keys[0], nkeys > 1 ? ", " : "",
                     nkeys > 1 ? keys[1] : "", nkeys > 2 ? ", " : "", nkeys > 2 ? keys[2] : "");
    }
}

/* Parses the region at n into the shape r and its source record s. */
static void parse_tree(mctx *c, const rs_yaml_node *n, rs_region *r, rs_model_region_src *s,
                       const char *path, rs_model_pos pos)
{
    s->pos = pos;
    r->kind = RS_REGION_ALL;
    if (n->kind == RS_YAML_SCALAR && strcmp(n->text, "all") == 0) return;
    if (n->kind != RS_YAML_MAP || n->n != 1) {
        rs_model_err(c, pos, "%s: %s%s%s is not a region; expected all, {disk: ...}, "
                     "{sphere: ...}, {box: ...}, {annulus: ...}, {shell: ...}, "
                     "{union: [...]} or {difference: [A, B]}", path,
                     n->kind == RS_YAML_SCALAR ? "'" : "",
                     n->kind == RS_YAML_SCALAR ? n->text : rs_yaml_kind_name(n),
                     n->kind == RS_YAML_SCALAR ? "'" : "");
        return;
    }
    const char *kind = n->keys[0]->text;
    const rs_yaml_node *v = n->items[0];
    char p[300];
    snprintf(p, sizeof p, "%s.%s", path, kind);
    rs_model_pos vp = pos.set ? pos : rs_model_pos_of(v);
    int k = rs_region_kind_from_name(kind, strlen(kind));
    if (k <= RS_REGION_ALL) { /* `all` is a plain value, not a key */
        rs_suggester sg;
        char dym[80];
        rs_suggester_init(&sg, kind, strlen(kind));
        for (int i = RS_REGION_ALL + 1; i < RS_REGION_NKINDS; i++)
            rs_suggester_offer(&sg, rs_region_kind_name((rs_region_kind)i));
        rs_model_err(c, rs_model_pos_of(n->keys[0]),
                     "%s: unknown region '%s'%s; expected disk, sphere, box, annulus, shell, "
                     "union or difference", path, kind,
                     rs_did_you_mean(sg.best, dym, sizeof dym));
        return;
    }
    r->kind = (rs_region_kind)k;
    if (k == RS_REGION_UNION || k == RS_REGION_DIFFERENCE) {
        int want = k == RS_REGION_DIFFERENCE ? 2 : 0;
        if (v->kind != RS_YAML_SEQ || v->n < 1 || (want && v->n != want)) {
            rs_model_err(c, vp, "%s: %s; expected a list of %s regions", p,
                         v->kind == RS_YAML_SEQ ? "wrong number of regions" : rs_yaml_kind_name(v),
                         want ? "2" : "1 or more");
            r->kind = RS_REGION_ALL;
            return;
        }
        r->children = calloc((size_t)v->n, sizeof *r->children);
        s->children = calloc((size_t)v->n, sizeof *s->children);
        if (!r->children || !s->children) {
            free(r->children);
            free(s->children);
            r->children = NULL;
            s->children = NULL;
            rs_model_err(c, vp, "%s: out of memory", p);
            r->kind = RS_REGION_ALL;
            return;
        }
        r->nchildren = v->n;
        for (int i = 0; i < v->n; i++) {
            char q[320];
            snprintf(q, sizeof q, "%s[%d]", p, i);
            parse_tree(c, v->items[i], &r->children[i], &s->children[i], q,
                       pos.set ? pos : rs_model_pos_of(v->items[i]));
        }
        return;
    }
    if (v->kind != RS_YAML_MAP) {
        rs_model_err(c, vp, "%s: %s is not a mapping; expected %s", p, rs_yaml_kind_name(v),
                     k == RS_REGION_BOX ? "{min: [...], max: [...]}"
                     : (k == RS_REGION_DISK || k == RS_REGION_SPHERE)
                         ? "{center: [...], radius: R}"
                         : "{center: [...], inner: R1, outer: R2}");
        return;
    }
    char q[320];
    rs_model_number a[3], b[3]; /* centre or min, max */
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    int want = (k == RS_REGION_DISK || k == RS_REGION_ANNULUS) ? 2
               : (k == RS_REGION_SPHERE || k == RS_REGION_SHELL) ? 3 : 0;
    if (k == RS_REGION_BOX) {
        static const char *const keys[] = {"min", "max"};
        only_keys(c, v, keys, 2, p);
        snprintf(q, sizeof q, "%s.min", p);
        const rs_yaml_node *lo = rs_yaml_get(v, "min"), *hi = rs_yaml_get(v, "max");
        int na = parse_point(c, lo, a, q, lo && !pos.set ? rs_model_pos_of(lo) : vp, 0);
        snprintf(q, sizeof q, "%s.max", p);
        int nb = parse_point(c, hi, b, q, hi && !pos.set ? rs_model_pos_of(hi) : vp, na);
        r->ncoords = na && nb && na != nb ? 0 : na;
        for (int i = 0; i < r->ncoords; i++) {
            store(r, s, i, &a[i]);
            store(r, s, r->ncoords + i, &b[i]);
        }
    } else {
        const rs_yaml_node *ce = rs_yaml_get(v, "center");
        snprintf(q, sizeof q, "%s.center", p);
        r->ncoords = parse_point(c, ce, a, q, ce && !pos.set ? rs_model_pos_of(ce) : vp,
                                 want);
        for (int i = 0; i < r->ncoords; i++) store(r, s, i, &a[i]);
        if (k == RS_REGION_DISK || k == RS_REGION_SPHERE) {
            static const char *const keys[] = {"center", "radius"};
            only_keys(c, v, keys, 2, p);
            parse_key(c, v, &radius_desc, &b[0], p, vp);
            store(r, s, r->ncoords, &b[0]);
        } else {
            static const char *const keys[] = {"center", "inner", "outer"};
            only_keys(c, v, keys, 3, p);
            parse_key(c, v, &inner_desc, &b[0], p, vp);
            parse_key(c, v, &outer_desc, &b[1], p, vp);
            store(r, s, r->ncoords, &b[0]);
            store(r, s, r->ncoords + 1, &b[1]);
        }
    }
    for (int i = 0; i < 3; i++) { /* what was not stored (after an error) */
        free(a[i].expr);
        free(b[i].expr);
    }
}

void rs_model_parse_region(mctx *c, const rs_yaml_node *n, rs_model_region *r, const char *path,
                           rs_model_pos pos)
{
    parse_tree(c, n, &r->shape, &r->src, path, pos);
}

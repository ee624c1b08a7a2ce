/* model_write.c: the resolved model as YAML (rs_model_write_resolved):
 * every key of the schema in schema order, defaults filled in, numbers
 * given as expressions kept as their text (so a --set of a parameter still
 * reaches them), plain numbers in the shortest form that reads back to
 * the same double. Loading the text gives an identical model. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_impl.h"

/* The YAML being written: the text, and whether the next key line starts
 * a list item ("- "). */
typedef struct buf {
    rs_strbuf text;
    int dash;
} buf;

static void put(buf *b, const char *fmt, ...) RS_PRINTF(2, 3);
static void put(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rs_strbuf_vappendf(&b->text, fmt, ap);
    va_end(ap);
}

/* The shortest %g form of v that reads back as v. */
static void put_double(buf *b, double v)
{
    char t[40];
    if (v == floor(v) && fabs(v) < 1e15) {
        put(b, "%.0f", v);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(t, sizeof t, "%.*g", prec, v);
        if (strtod(t, NULL) == v) break;
    }
    put(b, "%s", t);
}

/* A double-quoted YAML string. */
static void put_quoted(buf *b, const char *s)
{
    put(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            put(b, "\\%c", *p);
        else if (*p == '\n')
            put(b, "\\n");
        else if (*p == '\t')
            put(b, "\\t");
        else if (*p < 0x20 || *p == 0x7f)
            put(b, "\\x%02X", *p);
        else
            put(b, "%c", *p);
    }
    put(b, "\"");
}

static void put_number(buf *b, const rs_model_number *n)
{
    if (n->expr)
        put_quoted(b, n->expr);
    else
        put_double(b, n->value);
}

/* Starts a line "key:" at indent (or "- key:" for a list item's first key). */
static void key_line(buf *b, int indent, const char *key)
{
    if (b->dash) {
        put(b, "%*s- ", indent - 2, "");
        b->dash = 0;
    } else {
        put(b, "%*s", indent, "");
    }
    put(b, "%s:", key);
}

/* Number i of a region: its expression text if it was given as one, else
 * its value. */
static void put_region_number(buf *b, const rs_region *r, const rs_model_region_src *s, int i)
{
    if (s->expr[i])
        put_quoted(b, s->expr[i]);
    else
        put_double(b, rs_region_value(r, i));
}

static void put_region(buf *b, const rs_region *r, const rs_model_region_src *s)
{
    if (r->kind == RS_REGION_ALL) {
        put(b, "all");
        return;
    }
    put(b, "{%s: ", rs_region_kind_name(r->kind));
    if (r->kind == RS_REGION_UNION || r->kind == RS_REGION_DIFFERENCE) {
        put(b, "[");
        for (int i = 0; i < r->nchildren; i++) {
            if (i) put(b, ", ");
            put_region(b, &r->children[i], &s->children[i]);
        }
        put(b, "]}");
        return;
    }
    const int n = r->ncoords, box = r->kind == RS_REGION_BOX;
    put(b, "{%s: [", box ? "min" : "center");
    for (int a = 0; a < n; a++) {
        if (a) put(b, ", ");
        put_region_number(b, r, s, a);
    }
    put(b, "]");
    if (box) {
        put(b, ", max: [");
        for (int a = 0; a < n; a++) {
            if (a) put(b, ", ");
            put_region_number(b, r, s, n + a);
        }
        put(b, "]");
    } else if (r->kind == RS_REGION_DISK || r->kind == RS_REGION_SPHERE) {
        put(b, ", radius: ");
        put_region_number(b, r, s, n);
    } else {
        put(b, ", inner: ");
        put_region_number(b, r, s, n);
        put(b, ", outer: ");
        put_region_number(b, r, s, n + 1);
    }
    put(b, "}}");
}

static void put_bc(buf *b, const rs_model_bc *bc)
{
    if (bc->kind == RS_BC_NEUMANN) {
        put(b, "neumann");
    } else {
        put(b, "{dirichlet: ");
        put_number(b, &bc->value);
        put(b, "}");
    }
}

static int same_bc(const rs_model_bc *a, const rs_model_bc *c)
{
    if (a->kind != c->kind) return 0;
    if (a->kind == RS_BC_NEUMANN) return 1;
    if ((a->value.expr == NULL) != (c->value.expr == NULL)) return 0;
    if (a->value.expr) return strcmp(a->value.expr, c->value.expr) == 0;
    return a->value.value == c->value.value;
}

static void put_struct(buf *b, const struct_desc *d, const void *base, int indent);

/* Whether an inline item needs its long form: a field other than the
 * first is set (a metric with units). */
static int long_form(const struct_desc *d, const void *item)
{
    if (d->inline_item != 2) return 0;
    for (int k = 1; k < d->nfields; k++)
        if (d->fields[k].kind == FK_STRING &&
            *(char *const *)((const char *)item + d->fields[k].off))
            return 1;
    return 0;
}


/* Whether an optional field is present. */
static int present(const field_desc *f, const void *base)
{
    const void *p = (const char *)base + f->off;
    switch (f->kind) {
    case FK_NUMBER:
    case FK_INT:
    case FK_VARYING: {
        const rs_model_number *n = p;
        return n->expr || !isnan(n->value);
    }
    case FK_STRING:
    case FK_ENUM: return *(char *const *)p != NULL;
    case FK_EXPR: return ((const rs_model_expr *)p)->text != NULL;
    case FK_STRUCT:
        return !f->optional || *(char *const *)p != NULL; /* first field: a name */
    default: return 1;
    }
}

static void put_field(buf *b, const field_desc *f, const void *base, int indent)
{
    if (!present(f, base)) return;
    const void *p = (const char *)base + f->off;
    switch (f->kind) {
    case FK_NUMBER:
    case FK_INT:
    case FK_VARYING:
        key_line(b, indent, f->key);
        put(b, " ");
        put_number(b, p);
        put(b, "\n");
        return;
    case FK_STRING:
        key_line(b, indent, f->key);
        put(b, " ");
        put_quoted(b, *(char *const *)p);
        put(b, "\n");
        return;
    case FK_ENUM:
        key_line(b, indent, f->key);
        put(b, " %s\n", *(char *const *)p);
        return;
    case FK_BOOL:
        key_line(b, indent, f->key);
        put(b, " %s\n", *(const int *)p ? "true" : "false");
        return;
    case FK_EXPR:
        key_line(b, indent, f->key);
        put(b, " ");
        put_quoted(b, ((const rs_model_expr *)p)->text);
        put(b, "\n");
        return;
    case FK_VECTOR: {
        const rs_model_number *v = p;
        int n = *(const int *)((const char *)base + f->off_n);
        key_line(b, indent, f->key);
        put(b, " [");
        for (int i = 0; i < n; i++) {
            if (i) put(b, ", ");
            put_number(b, &v[i]);
        }
        put(b, "]\n");
        return;
    }
    case FK_BOUNDARY: {
        const rs_model_bc *bc = p;
        int uniform = 1;
        for (int k = 1; k < RS_NFACES; k++) uniform &= same_bc(&bc[0], &bc[k]);
        key_line(b, indent, f->key);
        if (uniform) {
            put(b, " ");
            put_bc(b, &bc[0]);
            put(b, "\n");
            return;
        }
        static const char *const faces[RS_NFACES] = {"xmin", "xmax", "ymin", "ymax", "zmin",
                                                     "zmax"};
        put(b, "\n");
        for (int k = 0; k < RS_NFACES; k++) {
            put(b, "%*s%s: ", indent + 2, "", faces[k]);
            put_bc(b, &bc[k]);
            put(b, "\n");
        }
        return;
    }
    case FK_REGION: {
        const rs_model_region *r = p;
        key_line(b, indent, f->key);
        put(b, " ");
        put_region(b, &r->shape, &r->src);
        put(b, "\n");
        return;
    }
    case FK_STRUCT:
        key_line(b, indent, f->key);
        put(b, "\n");
        put_struct(b, f->sub, p, indent + 2);
        return;
    case FK_DICT:
    case FK_LIST: {
        const char *items = *(char *const *)p;
        int n = *(const int *)((const char *)base + f->off_n);
        key_line(b, indent, f->key);
        if (n == 0) {
            put(b, f->kind == FK_DICT ? " {}\n" : " []\n");
            return;
        }
        put(b, "\n");
        for (int i = 0; i < n; i++) {
            const void *item = items + (size_t)i * f->sub->size;
            if (f->kind == FK_LIST) {
                b->dash = 1;
                put_struct(b, f->sub, item, indent + 4);
                if (b->dash) {
                    put(b, "%*s- {}\n", indent + 2, "");
                    b->dash = 0;
                }
                continue;
            }
            const char *name = *(char *const *)item;
            if (f->sub->inline_item && !long_form(f->sub, item)) {
                field_desc one = f->sub->fields[0];
                one.key = name;
                put_field(b, &one, item, indent + 2);
            } else {
                put(b, "%*s%s:\n", indent + 2, "", name);
                put_struct(b, f->sub, item, indent + 4);
            }
        }
        return;
    }
    }
}

static void put_struct(buf *b, const struct_desc *d, const void *base, int indent)
{
    for (int k = 0; k < d->nfields; k++) put_field(b, &d->fields[k], base, indent);
}

rs_status rs_model_write_resolved(const rs_model *m, char **text)
{
    buf b = {{0}, 0};
    rs_strbuf_init(&b.text);
    put(&b, "# %s, resolved by regensim: defaults filled in, overrides applied.\n"
            "# Units: micrometres (um) and minutes (min).\n",
        m->source ? m->source : "model");
    put_struct(&b, &rs_model_schema_top, m, 0);
    *text = rs_strbuf_take(&b.text);
    return *text ? RS_OK : RS_ENOMEM;
}

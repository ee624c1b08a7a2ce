/* model_impl.h (internal): the model schema as data and what the loader's
 * files share. Each key of a model file is a field_desc: its kind, where
 * its value lives in the rs_model structs (offsets), its default, range,
 * unit and the phrase used in messages ("a diffusion coefficient"). One
 * generic loader, writer, override and free walk these tables, so adding a
 * key is adding a line to schema.c (and to docs/model-reference.md). */
#ifndef RS_MODEL_IMPL_H
#define RS_MODEL_IMPL_H

#include <stddef.h>

#include "regensim/model.h"
#include "regensim/text.h"
#include "regensim/yaml.h"

typedef enum fkind {
    FK_NUMBER,   /* rs_model_number: a number or constant expression of parameters */
    FK_INT,      /* rs_model_number holding a whole number */
    FK_VARYING,  /* rs_model_number that may also use x, y, z (initial values) */
    FK_STRING,   /* char *: a name */
    FK_ENUM,     /* char *: one of choices */
    FK_BOOL,     /* int */
    FK_EXPR,     /* rs_model_expr, compiled in context ctx */
    FK_STRUCT,   /* a nested mapping: sub */
    FK_DICT,     /* name -> item of sub; array at off, count (int) at off_n */
    FK_LIST,     /* list of items of sub; array at off, count at off_n */
    FK_VECTOR,   /* 2 or 3 numbers: rs_model_number[3] at off, count at off_n */
    FK_BOUNDARY, /* rs_model_bc[RS_NFACES] at off, rs_model_pos at off_n */
    FK_REGION    /* rs_model_region at off */
} fkind;

/* What an FK_EXPR may refer to (besides parameters and constants). */
typedef enum ectx {
    EC_REACTION, /* substrates, t, x, y, z */
    EC_CELL,     /* substrates at the cell, its states, t, x, y, z */
    EC_METRIC    /* aggregates over fields and cells, t */
} ectx;

/* Range flags. */
enum { R_MIN = 1, R_MIN_OPEN = 2, R_MAX = 4 };

typedef struct struct_desc struct_desc;

typedef struct field_desc {
    const char *key;
    fkind kind;
    size_t off, off_n;
    const struct_desc *sub;
    int required;      /* 1: no default; the key must be given */
    int optional;      /* numbers without a default: absent unless given;
                        * structs: absent unless given (first field a name) */
    int literal;       /* numbers: no expressions (parameter values) */
    double def;        /* numbers, bools */
    const char *def_str; /* strings, enums, expressions */
    unsigned range;
    double min, max;
    const char *what;  /* "a diffusion coefficient" */
    const char *unit;  /* "um^2/min", or NULL */
    const char *const *choices; /* enums, NULL-terminated */
    ectx ctx;
} field_desc;

struct struct_desc {
    const char *name;
    size_t size;
    int inline_item; /* dict items are a bare value for fields[0]; 2: or a
                        mapping of all the fields (the long form) */
    int nfields;
    const field_desc *fields;
    int has_pos;    /* items record their position in an rs_model_pos ... */
    size_t pos_off; /* ... at this offset */
};

/* The top of the schema: the whole model file. */
extern const struct_desc rs_model_schema_top;

/* Load context shared by the loader's files. */
typedef struct mctx {
    const char *file; /* name in messages */
    rs_errors *errs;
    int nerr;         /* errors reported (including dropped) */
    rs_model *m;
    const char *const *overrides;
    int quiet; /* > 0: filling defaults only; missing keys already reported */
} mctx;

/* Adds an error at pos (file position, or a --set override). */
void rs_model_err(mctx *c, rs_model_pos pos, const char *fmt, ...)
    RS_PRINTF(3, 4);

/* "a diffusion coefficient >= 0 (um^2/min)" for f, into buf. */
void rs_model_expected(const field_desc *f, char *buf, size_t size);

/* Parses node into the field f of the struct at base (path names it). */
void rs_model_parse_field(mctx *c, const field_desc *f, const rs_yaml_node *n, void *base,
                          const char *path, rs_model_pos pos);

/* Parses a mapping into a struct of desc d (defaults for absent keys). */
void rs_model_parse_struct(mctx *c, const struct_desc *d, const rs_yaml_node *n, void *base,
                           const char *path);

/* Applies one "path=value" override (index i); errors go to c. */
void rs_model_apply_override(mctx *c, int i, const char *text);

/* Evaluates number expressions, compiles expressions, range- and
 * cross-checks the whole model. */
void rs_model_resolve(mctx *c);

/* Estimated bytes per cell for memory checks: the population's
 * (rs_cells_bytes_per_cell: 152 + 8 per state) with room for states and
 * the neighbour bins. */
#define RS_MODEL_BYTES_PER_CELL 256.0

/* The checks of the cell types across keys (model_cells.c). */
void rs_model_check_cells(mctx *c);

/* Frees what the struct at base of desc d owns (not base itself). */
void rs_model_free_struct(const struct_desc *d, void *base);
void rs_model_free_region(rs_model_region *r);

/* Parses a number (a literal now; an expression's text for later). */
void rs_model_parse_number(mctx *c, const field_desc *f, const rs_yaml_node *n,
                           rs_model_number *num, const char *path, rs_model_pos pos);

/* Checks v against f's range (display: how to show the value); 1 if fine. */
int rs_model_check_range(mctx *c, const field_desc *f, double v, const char *display,
                         const char *path, rs_model_pos pos);

/* Region parsing and writing (model_region.c). */
void rs_model_parse_region(mctx *c, const rs_yaml_node *n, rs_model_region *r, const char *path,
                           rs_model_pos pos);

/* Field access. */
#define FIELD(base, f, type) ((type *)((char *)(base) + (f)->off))
#define FIELD_N(base, f) ((int *)((char *)(base) + (f)->off_n))

/* A position from a YAML node. */
static inline rs_model_pos rs_model_pos_of(const rs_yaml_node *n)
{
    rs_model_pos p = {0, 0, 0, 0};
    if (n) {
        p.line = n->line;
        p.col = n->col;
        if (n->kind == RS_YAML_SCALAR && n->end_line == n->line && n->style != RS_YAML_BLOCK) {
            int q = n->style == RS_YAML_QUOTED;
            if ((size_t)(n->end_col - n->col) == n->len + 2 * (size_t)q) p.tcol = n->col + q;
        }
    }
    return p;
}

#endif

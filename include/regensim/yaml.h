/* yaml.h: the YAML reader of model and sweep files (the model layer owns
 * it; the sweep layer reads sweep files with it): a file's YAML as a small
 * tree of scalars, sequences and mappings, each node with its line and
 * column, built with libyaml's event API. Only what these files need is
 * accepted: one document, UTF-8 without NUL bytes, at most
 * RS_YAML_MAX_BYTES, nesting at most RS_YAML_MAX_DEPTH, no anchors,
 * aliases or tags, no duplicate or complex keys. Everything else is
 * refused with a file:line:col error (RS_EINVAL), so neither a crash nor
 * an unbounded allocation can come from the input. */
#ifndef REGENSIM_YAML_H
#define REGENSIM_YAML_H

#include <stddef.h>

#include "regensim/error.h"
#include "regensim/export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RS_YAML_MAX_BYTES (1u << 20) /* 1 MiB */
#define RS_YAML_MAX_DEPTH 32
#define RS_YAML_MAX_NODES 200000

typedef enum rs_yaml_kind { RS_YAML_SCALAR, RS_YAML_SEQ, RS_YAML_MAP } rs_yaml_kind;

typedef enum rs_yaml_style {
    RS_YAML_PLAIN = 0, /* plain scalar (and every sequence or mapping) */
    RS_YAML_QUOTED,    /* 'single' or "double" quoted */
    RS_YAML_BLOCK      /* | literal or > folded */
} rs_yaml_style;

typedef struct rs_yaml_node {
    rs_yaml_kind kind;
    rs_yaml_style style;
    int line, col;         /* 1-based start */
    int end_line, end_col; /* 1-based, just past the end */
    char *text;            /* scalars: NUL-terminated value; else NULL */
    size_t len;
    int n;                 /* sequence items or mapping pairs */
    int cap;
    struct rs_yaml_node **keys;  /* mappings: the key scalars */
    struct rs_yaml_node **items; /* sequence items or mapping values */
} rs_yaml_node;

typedef struct rs_yaml_doc {
    rs_yaml_node *root;
    size_t nnodes;
} rs_yaml_doc;

/* Parses len bytes (a whole file; `name` is used in messages) into doc.
 * On error doc is empty and err holds name:line:col and the reason. */
RS_API rs_status rs_yaml_parse(rs_yaml_doc *doc, const char *name, const char *bytes,
                                size_t len, rs_error *err);

/* Reads the file at path (refusing one over RS_YAML_MAX_BYTES before reading
 * it) into a malloc'd, NUL-terminated buffer; the caller frees *bytes. */
RS_API rs_status rs_yaml_read_file(const char *path, char **bytes, size_t *len,
                                    rs_error *err);

/* Frees the tree; doc may be NULL or empty. */
RS_API void rs_yaml_free(rs_yaml_doc *doc);

/* The value for key in a mapping, or NULL. */
RS_API const rs_yaml_node *rs_yaml_get(const rs_yaml_node *map, const char *key);

/* True for a scalar that is YAML's null: empty plain, '~' or 'null'. */
RS_API int rs_yaml_is_null(const rs_yaml_node *n);

/* A short name for the node's kind ("a mapping", "a list", "a value"). */
RS_API const char *rs_yaml_kind_name(const rs_yaml_node *n);

#ifdef __cplusplus
}
#endif
#endif

/* yaml_tree.h (internal): a model file's YAML as a small tree of scalars,
 * sequences and mappings, each node with its line and column, built with
 * libyaml's event API. Only what model files need is accepted: one
 * document, UTF-8 without NUL bytes, at most YT_MAX_BYTES, nesting at most
 * YT_MAX_DEPTH, no anchors, aliases or tags, no duplicate or complex keys.
 * Everything else is refused with a file:line:col error (RS_EINVAL), so
 * neither a crash nor an unbounded allocation can come from the input. */
#ifndef RS_MODEL_YAML_TREE_H
#define RS_MODEL_YAML_TREE_H

#include <stddef.h>

#include "regensim/error.h"

#define YT_MAX_BYTES (1u << 20) /* 1 MiB */
#define YT_MAX_DEPTH 32
#define YT_MAX_NODES 200000

typedef enum yt_kind { YT_SCALAR, YT_SEQ, YT_MAP } yt_kind;

typedef enum yt_style {
    YT_PLAIN = 0, /* plain scalar (and every sequence or mapping) */
    YT_QUOTED,    /* 'single' or "double" quoted */
    YT_BLOCK      /* | literal or > folded */
} yt_style;

typedef struct yt_node {
    yt_kind kind;
    yt_style style;
    int line, col;         /* 1-based start */
    int end_line, end_col; /* 1-based, just past the end */
    char *text;            /* scalars: NUL-terminated value; else NULL */
    size_t len;
    int n;                 /* sequence items or mapping pairs */
    int cap;
    struct yt_node **keys;  /* mappings: the key scalars */
    struct yt_node **items; /* sequence items or mapping values */
} yt_node;

typedef struct yt_doc {
    yt_node *root;
    size_t nnodes;
} yt_doc;

/* Parses len bytes (a whole file; `name` is used in messages) into doc.
 * On error doc is empty and err holds name:line:col and the reason. */
rs_status yt_parse(yt_doc *doc, const char *name, const char *bytes, size_t len,
                   rs_error *err);

/* Reads the file at path (refusing one over YT_MAX_BYTES before reading
 * it) into a malloc'd, NUL-terminated buffer; the caller frees *bytes. */
rs_status yt_read_file(const char *path, char **bytes, size_t *len, rs_error *err);

/* Frees the tree; doc may be NULL or empty. */
void yt_free(yt_doc *doc);

/* The value for key in a mapping, or NULL. */
const yt_node *yt_get(const yt_node *map, const char *key);

/* True for a scalar that is YAML's null: empty plain, '~' or 'null'. */
int yt_is_null(const yt_node *n);

/* A short name for the node's kind ("a mapping", "a list", "a value"). */
const char *yt_kind_name(const yt_node *n);

#endif

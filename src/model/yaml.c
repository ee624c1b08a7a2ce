/* yaml.c: YAML bytes -> rs_yaml_node tree with positions (see regensim/yaml.h).
 * The bytes are checked first (size, NUL, UTF-8), then libyaml's event
 * parser drives an explicit stack bounded by RS_YAML_MAX_DEPTH; anchors,
 * aliases and tags are refused as they appear, so no input expands. */
#define _POSIX_C_SOURCE 200809L /* fileno */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "regensim/yaml.h"

/* Frees a node and everything under it (recursion depth <= RS_YAML_MAX_DEPTH). */
static void node_free(rs_yaml_node *n)
{
    if (!n) return;
    for (int i = 0; i < n->n; i++) {
        if (n->keys) node_free(n->keys[i]);
        node_free(n->items[i]);
    }
    if (n->keys && n->n < n->cap) node_free(n->keys[n->n]); /* a key awaiting its value */
    free(n->keys);
    free(n->items);
    free(n->text);
    free(n);
}

void rs_yaml_free(rs_yaml_doc *doc)
{
    if (!doc) return;
    node_free(doc->root);
    doc->root = NULL;
    doc->nnodes = 0;
}

/* Checks that bytes are UTF-8 without NUL; on failure fills err with the
 * position of the first bad byte (column in characters, as libyaml counts). */
static rs_status check_bytes(const char *name, const unsigned char *b, size_t len,
                             rs_error *err)
{
    int line = 1, col = 1;
    size_t i = 0;
    while (i < len) {
        unsigned c = b[i];
        size_t need = 0;
        unsigned min = 0, cp = 0;
        if (c == 0)
            return rs_error_set_at(err, RS_EINVAL, name, line, col,
                                   "NUL byte in the file; expected UTF-8 text");
        if (c < 0x80) {
            if (c == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
            i++;
            continue;
        }
        if ((c & 0xE0) == 0xC0) need = 1, cp = c & 0x1F, min = 0x80;
        else if ((c & 0xF0) == 0xE0) need = 2, cp = c & 0x0F, min = 0x800;
        else if ((c & 0xF8) == 0xF0) need = 3, cp = c & 0x07, min = 0x10000;
        else goto bad;
        if (len - i <= need) goto bad;
        for (size_t k = 1; k <= need; k++) {
            if ((b[i + k] & 0xC0) != 0x80) goto bad;
            cp = (cp << 6) | (b[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) goto bad;
        i += need + 1;
        col++;
    }
    return RS_OK;
bad:
    return rs_error_set_at(err, RS_EINVAL, name, line, col,
                           "byte 0x%02X is not valid UTF-8; expected UTF-8 text", b[i]);
}

rs_status rs_yaml_read_file(const char *path, char **bytes, size_t *len, rs_error *err)
{
    *bytes = NULL;
    *len = 0;
    /* Opened without blocking, so that a FIFO (or a device) is refused
     * instead of waiting forever for a writer; then read as a stream. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return rs_error_set(err, RS_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int dir = S_ISDIR(st.st_mode);
        close(fd);
        return rs_error_set(err, RS_EINVAL, "%s: is %s; expected a model file (a regular file)",
                            path, dir ? "a directory" : "not a regular file (a FIFO, socket or "
                                                         "device)");
    }
    FILE *f = fcntl(fd, F_SETFL, 0) == 0 ? fdopen(fd, "rb") : NULL;
    if (!f) {
        close(fd);
        return rs_error_set(err, RS_EIO, "%s: cannot read: %s", path, strerror(errno));
    }
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > RS_YAML_MAX_BYTES) {
        fclose(f);
        return rs_error_set(err, RS_EINVAL,
                            "%s: %lld bytes; expected a model file of at most %u bytes "
                            "(1 MiB)", path, (long long)st.st_size, RS_YAML_MAX_BYTES);
    }
    /* Read at most one byte past the limit, whatever the file claims. */
    char *buf = malloc(RS_YAML_MAX_BYTES + 2);
    if (!buf) {
        fclose(f);
        return rs_error_set(err, RS_ENOMEM, "%s: out of memory", path);
    }
    size_t got = fread(buf, 1, RS_YAML_MAX_BYTES + 1, f);
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        free(buf);
        return rs_error_set(err, RS_EIO, "%s: read error", path);
    }
    if (got > RS_YAML_MAX_BYTES) {
        free(buf);
        return rs_error_set(err, RS_EINVAL,
                            "%s: more than %u bytes; expected a model file of at most "
                            "1 MiB", path, RS_YAML_MAX_BYTES);
    }
    buf[got] = '\0';
    char *fit = realloc(buf, got + 1); /* give back the rest of the 1 MiB */
    *bytes = fit ? fit : buf;
    *len = got;
    return RS_OK;
}

/* Parser state: the stack of open containers and the error sink. */
typedef struct builder {
    const char *name;
    rs_error *err;
    rs_yaml_node *stack[RS_YAML_MAX_DEPTH + 1];
    int have_key[RS_YAML_MAX_DEPTH + 1]; /* per open mapping: a key awaits its value */
    int depth;
    rs_yaml_node *root;
    size_t nnodes;
} builder;

/* Error at a libyaml mark (0-based) into b->err; returns RS_EINVAL. */
static rs_status fail_at(builder *b, yaml_mark_t m, const char *msg, const char *arg)
{
    return rs_error_set_at(b->err, RS_EINVAL, b->name, (int)m.line + 1, (int)m.column + 1,
                           msg, arg ? arg : "");
}

/* Makes room for one more entry in container p. */
static int grow(rs_yaml_node *p)
{
    if (p->n < p->cap) return 1;
    int cap = p->cap ? 2 * p->cap : 4;
    rs_yaml_node **items = realloc(p->items, (size_t)cap * sizeof *items);
    if (!items) return 0;
    p->items = items;
    if (p->kind == RS_YAML_MAP) {
        rs_yaml_node **keys = realloc(p->keys, (size_t)cap * sizeof *keys);
        if (!keys) return 0;
        p->keys = keys;
    }
    for (int i = p->cap; i < cap; i++) {
        p->items[i] = NULL;
        if (p->keys) p->keys[i] = NULL;
    }
    p->cap = cap;
    return 1;
}

/* Attaches child to the container on top of the stack (or makes it the
 * root): as the next item, a mapping's next key, or the value of its
 * pending key. On failure child is freed. */
static rs_status attach(builder *b, rs_yaml_node *child, yaml_mark_t at)
{
    if (b->depth == 0) {
        b->root = child;
        return RS_OK;
    }
    rs_yaml_node *p = b->stack[b->depth - 1];
    int *have_key = &b->have_key[b->depth - 1];
    if (p->kind == RS_YAML_MAP && *have_key) {
        p->items[p->n++] = child;
        *have_key = 0;
        return RS_OK;
    }
    if (!grow(p)) {
        node_free(child);
        return rs_error_set(b->err, RS_ENOMEM, "%s: out of memory", b->name);
    }
    if (p->kind == RS_YAML_SEQ) {
        p->items[p->n++] = child;
        return RS_OK;
    }
    if (child->kind != RS_YAML_SCALAR) {
        const char *what = child->kind == RS_YAML_MAP ? "a mapping" : "a list";
        node_free(child);
        return fail_at(b, at, "%s used as a mapping key; expected a name", what);
    }
    p->keys[p->n] = child;
    *have_key = 1;
    return RS_OK;
}

/* A key and where it was, for sorting. */
typedef struct key_ref {
    const char *text;
    int index;
} key_ref;

/* Orders keys by text, then by position in the mapping. */
static int key_cmp(const void *a, const void *b)
{
    const key_ref *x = a, *y = b;
    int c = strcmp(x->text, y->text);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* Refuses a mapping with a repeated key, pointing at the second one. */
static rs_status check_duplicates(builder *b, const rs_yaml_node *map)
{
    if (map->n < 2) return RS_OK;
    if (map->n <= 16) { /* small maps: the plain quadratic scan */
        for (int j = 1; j < map->n; j++)
            for (int i = 0; i < j; i++)
                if (strcmp(map->keys[i]->text, map->keys[j]->text) == 0)
                    return rs_error_set_at(b->err, RS_EINVAL, b->name, map->keys[j]->line,
                                           map->keys[j]->col,
                                           "duplicate key '%s' (first at line %d); "
                                           "expected each key once per mapping",
                                           map->keys[j]->text, map->keys[i]->line);
        return RS_OK;
    }
    key_ref *refs = malloc((size_t)map->n * sizeof *refs);
    if (!refs) return rs_error_set(b->err, RS_ENOMEM, "%s: out of memory", b->name);
    for (int i = 0; i < map->n; i++) refs[i] = (key_ref){map->keys[i]->text, i};
    qsort(refs, (size_t)map->n, sizeof *refs, key_cmp);
    int dup = -1, first = -1;
    for (int k = 1; k < map->n; k++) {
        if (strcmp(refs[k - 1].text, refs[k].text) == 0 && (dup < 0 || refs[k].index < dup)) {
            dup = refs[k].index;
            first = refs[k - 1].index;
        }
    }
    free(refs);
    if (dup < 0) return RS_OK;
    return rs_error_set_at(b->err, RS_EINVAL, b->name, map->keys[dup]->line,
                           map->keys[dup]->col,
                           "duplicate key '%s' (first at line %d); expected each key once "
                           "per mapping", map->keys[dup]->text, map->keys[first]->line);
}

/* A new node of kind k at the event's marks. */
static rs_yaml_node *node_new(builder *b, rs_yaml_kind k, const yaml_event_t *ev)
{
    if (b->nnodes >= RS_YAML_MAX_NODES) return NULL;
    rs_yaml_node *n = calloc(1, sizeof *n);
    if (!n) return NULL;
    b->nnodes++;
    n->kind = k;
    n->line = (int)ev->start_mark.line + 1;
    n->col = (int)ev->start_mark.column + 1;
    n->end_line = (int)ev->end_mark.line + 1;
    n->end_col = (int)ev->end_mark.column + 1;
    return n;
}

/* Handles one event; returns RS_OK, or an error. *done is set at stream end. */
static rs_status on_event(builder *b, const yaml_event_t *ev, int *docs, int *done)
{
    const unsigned char *anchor = NULL, *tag = NULL;
    switch (ev->type) {
    case YAML_STREAM_START_EVENT:
    case YAML_NO_EVENT:
    case YAML_DOCUMENT_END_EVENT:
        return RS_OK;
    case YAML_STREAM_END_EVENT:
        *done = 1;
        return RS_OK;
    case YAML_DOCUMENT_START_EVENT:
        if (++*docs > 1)
            return fail_at(b, ev->start_mark,
                           "a second YAML document%s; expected one model per file", NULL);
        return RS_OK;
    case YAML_ALIAS_EVENT:
        return fail_at(b, ev->start_mark,
                       "YAML alias '*%s' is not supported; expected the value written out",
                       (const char *)ev->data.alias.anchor);
    case YAML_SCALAR_EVENT:
        anchor = ev->data.scalar.anchor;
        tag = ev->data.scalar.tag;
        break;
    case YAML_SEQUENCE_START_EVENT:
        anchor = ev->data.sequence_start.anchor;
        tag = ev->data.sequence_start.tag;
        break;
    case YAML_MAPPING_START_EVENT:
        anchor = ev->data.mapping_start.anchor;
        tag = ev->data.mapping_start.tag;
        break;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: {
        rs_yaml_node *top = b->stack[--b->depth];
        if (top->kind == RS_YAML_MAP) return check_duplicates(b, top);
        return RS_OK;
    }
    }
    if (anchor)
        return fail_at(b, ev->start_mark,
                       "YAML anchor '&%s' is not supported; expected plain values",
                       (const char *)anchor);
    if (tag)
        return fail_at(b, ev->start_mark,
                       "YAML tag '%s' is not supported; expected untagged values",
                       (const char *)tag);
    rs_yaml_kind k = ev->type == YAML_SCALAR_EVENT ? RS_YAML_SCALAR
                : ev->type == YAML_SEQUENCE_START_EVENT ? RS_YAML_SEQ : RS_YAML_MAP;
    if (k != RS_YAML_SCALAR && b->depth >= RS_YAML_MAX_DEPTH)
        return rs_error_set_at(b->err, RS_EINVAL, b->name, (int)ev->start_mark.line + 1,
                               (int)ev->start_mark.column + 1,
                               "nesting deeper than %d levels; expected a model file",
                               RS_YAML_MAX_DEPTH);
    if (b->nnodes >= RS_YAML_MAX_NODES)
        return rs_error_set_at(b->err, RS_EINVAL, b->name, (int)ev->start_mark.line + 1,
                               (int)ev->start_mark.column + 1,
                               "more than %d YAML nodes; expected a model file",
                               RS_YAML_MAX_NODES);
    rs_yaml_node *n = node_new(b, k, ev);
    if (!n) return rs_error_set(b->err, RS_ENOMEM, "%s: out of memory", b->name);
    if (k == RS_YAML_SCALAR) {
        n->len = ev->data.scalar.length;
        n->text = malloc(n->len + 1);
        if (!n->text) {
            free(n);
            return rs_error_set(b->err, RS_ENOMEM, "%s: out of memory", b->name);
        }
        memcpy(n->text, ev->data.scalar.value, n->len);
        n->text[n->len] = '\0';
        switch (ev->data.scalar.style) {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE:
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: n->style = RS_YAML_QUOTED; break;
        case YAML_LITERAL_SCALAR_STYLE:
        case YAML_FOLDED_SCALAR_STYLE: n->style = RS_YAML_BLOCK; break;
        default: n->style = RS_YAML_PLAIN; break;
        }
    }
    rs_status s = attach(b, n, ev->start_mark);
    if (s != RS_OK) return s;
    if (k != RS_YAML_SCALAR) {
        b->have_key[b->depth] = 0;
        b->stack[b->depth++] = n;
    }
    return RS_OK;
}

rs_status rs_yaml_parse(rs_yaml_doc *doc, const char *name, const char *bytes, size_t len,
                   rs_error *err)
{
    doc->root = NULL;
    doc->nnodes = 0;
    if (len > RS_YAML_MAX_BYTES)
        return rs_error_set(err, RS_EINVAL, "%s: %zu bytes; expected a model file of at "
                            "most %u bytes (1 MiB)", name, len, RS_YAML_MAX_BYTES);
    /* A UTF-8 byte-order mark (some Windows editors write one) is not part
     * of the text: skipped, so that line 1 parses and its columns count
     * from its first character. */
    if (len >= 3 && memcmp(bytes, "\xEF\xBB\xBF", 3) == 0) {
        bytes += 3;
        len -= 3;
    }
    rs_status s = check_bytes(name, (const unsigned char *)bytes, len, err);
    if (s != RS_OK) return s;

    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return rs_error_set(err, RS_ENOMEM, "%s: out of memory", name);
    yaml_parser_set_input_string(&p, (const unsigned char *)bytes, len);
    yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
    builder b = {.name = name, .err = err};
    int docs = 0, done = 0;
    while (s == RS_OK && !done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            yaml_mark_t m = p.problem_mark;
            if (p.error == YAML_MEMORY_ERROR)
                s = rs_error_set(err, RS_ENOMEM, "%s: out of memory", name);
            else
                s = rs_error_set_at(err, RS_EINVAL, name, (int)m.line + 1, (int)m.column + 1,
                                    "YAML syntax error: %s%s%s",
                                    p.problem ? p.problem : "unreadable input",
                                    p.context ? " " : "", p.context ? p.context : "");
            break;
        }
        s = on_event(&b, &ev, &docs, &done);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    if (s == RS_OK && (!b.root || rs_yaml_is_null(b.root)))
        s = rs_error_set_at(err, RS_EINVAL, name, 1, 1,
                            "empty document; expected a model (a mapping starting with "
                            "'regensim: 1')");
    if (s != RS_OK) {
        /* Unwind: the root owns every attached node. */
        node_free(b.root);
        return s;
    }
    doc->root = b.root;
    doc->nnodes = b.nnodes;
    return RS_OK;
}

const rs_yaml_node *rs_yaml_get(const rs_yaml_node *map, const char *key)
{
    if (!map || map->kind != RS_YAML_MAP) return NULL;
    for (int i = 0; i < map->n; i++)
        if (strcmp(map->keys[i]->text, key) == 0) return map->items[i];
    return NULL;
}

int rs_yaml_is_null(const rs_yaml_node *n)
{
    if (!n || n->kind != RS_YAML_SCALAR || n->style != RS_YAML_PLAIN) return 0;
    return n->len == 0 || strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0 ||
           strcmp(n->text, "Null") == 0 || strcmp(n->text, "NULL") == 0;
}

const char *rs_yaml_kind_name(const rs_yaml_node *n)
{
    if (!n) return "nothing";
    switch (n->kind) {
    case RS_YAML_MAP: return "a mapping";
    case RS_YAML_SEQ: return "a list";
    default: return rs_yaml_is_null(n) ? "an empty value" : "a value";
    }
}

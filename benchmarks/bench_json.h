/* bench_json.h: a minimal streaming JSON writer for regensim-bench. It keeps
 * track of nesting and commas, escapes strings, and prints numbers so that
 * the output is always valid JSON (non-finite numbers become null). */
#ifndef RS_BENCH_JSON_H
#define RS_BENCH_JSON_H

#include <stdio.h>

#define BENCH_JSON_MAX_DEPTH 16

typedef struct bench_json {
    FILE *out;
    int depth;
    int count[BENCH_JSON_MAX_DEPTH]; /* members written so far per level */
    int inline_from;                 /* levels deeper than this stay on one line */
} bench_json;

/* Starts a writer on `out` (nothing is written yet). */
void bench_json_init(bench_json *w, FILE *out);

/* Opens an object or array. key is the member name inside an object and
 * NULL inside an array or at the top. An `inline_` container is written on
 * one line (with all it contains). */
void bench_json_begin_object(bench_json *w, const char *key, int inline_);
void bench_json_end_object(bench_json *w);
void bench_json_begin_array(bench_json *w, const char *key, int inline_);
void bench_json_end_array(bench_json *w);

/* Members (key != NULL) or array elements (key == NULL). */
void bench_json_string(bench_json *w, const char *key, const char *value);
void bench_json_int(bench_json *w, const char *key, long long value);
void bench_json_bool(bench_json *w, const char *key, int value);
void bench_json_null(bench_json *w, const char *key);
/* A measured figure, printed with %.6g. */
void bench_json_number(bench_json *w, const char *key, double value);
/* A value that must round-trip exactly, printed with %.17g. */
void bench_json_exact(bench_json *w, const char *key, double value);

/* Ends the document with a newline. */
void bench_json_finish(bench_json *w);

#endif

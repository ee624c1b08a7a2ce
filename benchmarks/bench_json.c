/* bench_json.c: the streaming JSON writer of regensim-bench (see
 * bench_json.h). Output is indented by two spaces per level, except inside
 * containers opened "inline", which are written on one line. */
#include "bench_json.h"

#include <math.h>
#include <string.h>

void bench_json_init(bench_json *w, FILE *out)
{
    memset(w, 0, sizeof *w);
    w->out = out;
    w->depth = 0;
    w->inline_from = BENCH_JSON_MAX_DEPTH;
}

static void write_escaped(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\b': fputs("\\b", out); break;
        case '\f': fputs("\\f", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20) fprintf(out, "\\u%04x", *p);
            else fputc(*p, out);
        }
    }
    fputc('"', out);
}

static void newline_indent(bench_json *w, int depth)
{
    fputc('\n', w->out);
    for (int i = 0; i < depth; i++) fputs("  ", w->out);
}

/* Writes what goes before a new member or element: the comma, the line
 * break and indentation (unless inline), and the quoted key. */
static void write_key(bench_json *w, const char *key)
{
    if (w->depth > 0) {
        int inl = w->depth > w->inline_from;
        if (w->count[w->depth]++ > 0) fputs(inl ? ", " : ",", w->out);
        if (!inl) newline_indent(w, w->depth);
    }
    if (key) {
        write_escaped(w->out, key);
        fputs(": ", w->out);
    }
}

static void begin(bench_json *w, const char *key, int inline_, char open)
{
    write_key(w, key);
    fputc(open, w->out);
    if (w->depth + 1 >= BENCH_JSON_MAX_DEPTH) return; /* never happens here */
    w->depth++;
    w->count[w->depth] = 0;
    if (inline_ && w->inline_from > w->depth - 1) w->inline_from = w->depth - 1;
}

static void end(bench_json *w, char close)
{
    int had = w->count[w->depth] > 0;
    int inl = w->depth > w->inline_from;
    w->depth--;
    if (w->inline_from == w->depth) w->inline_from = BENCH_JSON_MAX_DEPTH;
    if (had && !inl) newline_indent(w, w->depth);
    fputc(close, w->out);
}

void bench_json_begin_object(bench_json *w, const char *key, int inline_)
{
    begin(w, key, inline_, '{');
}

void bench_json_end_object(bench_json *w) { end(w, '}'); }

void bench_json_begin_array(bench_json *w, const char *key, int inline_)
{
    begin(w, key, inline_, '[');
}

void bench_json_end_array(bench_json *w) { end(w, ']'); }

void bench_json_string(bench_json *w, const char *key, const char *value)
{
    write_key(w, key);
    if (value) write_escaped(w->out, value);
    else fputs("null", w->out);
}

void bench_json_int(bench_json *w, const char *key, long long value)
{
    write_key(w, key);
    fprintf(w->out, "%lld", value);
}

void bench_json_bool(bench_json *w, const char *key, int value)
{
    write_key(w, key);
    fputs(value ? "true" : "false", w->out);
}

void bench_json_null(bench_json *w, const char *key)
{
    write_key(w, key);
    fputs("null", w->out);
}

static void write_double(bench_json *w, const char *key, double value, const char *fmt)
{
    write_key(w, key);
    if (isfinite(value)) fprintf(w->out, fmt, value);
    else fputs("null", w->out);
}

void bench_json_number(bench_json *w, const char *key, double value)
{
    write_double(w, key, value, "%.6g");
}

void bench_json_exact(bench_json *w, const char *key, double value)
{
    write_double(w, key, value, "%.17g");
}

void bench_json_finish(bench_json *w)
{
    fputc('\n', w->out);
    fflush(w->out);
}

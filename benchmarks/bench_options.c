/* bench_options.c: parses and checks regensim-bench's options; a bad option
 * gets the usage message on stderr (the caller then exits 2). */
#include "bench_options.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regensim/diffusion.h"
#include "regensim/export.h"

/* The regensim program built with this one (benchmarks/CMakeLists.txt). */
#ifndef RS_BENCH_REGENSIM
#define RS_BENCH_REGENSIM "regensim"
#endif

static void usage(FILE *out)
{
    fputs("usage: regensim-bench [--quick] [--git HASH] [--solver NAME]\n"
          "                      [--sizes N,N,...] [--threads T,T,...] [--cells N,N,...]\n"
          "                      [--sweep-runs N] [--regensim PATH]\n"
          "  Prints one JSON document of benchmark figures on stdout (progress on\n"
          "  stderr).\n"
          "  --quick          128^3 grids only, short timings, smaller STREAM triad\n"
          "  --git HASH       the source revision to record (bench.sh passes it)\n"
          "  --solver NAME    only this diffusion solver (explicit, lod, spectral)\n"
          "  --sizes LIST     cubic grid edges to run (default 128,256; 128 quick)\n"
          "  --threads LIST   OpenMP thread counts to run (default 1,2)\n"
          "  --cells LIST     cell populations of the mechanics benchmark (default\n"
          "                   10000,100000,1000000,10000000; 10000,100000 quick;\n"
          "                   0: no cells section)\n"
          "  --sweep-runs N   runs of the sweep benchmark (default 200; 20 quick;\n"
          "                   0: no sweep section)\n"
          "  --regensim PATH  the regensim program the sweep benchmark runs (default:\n"
          "                   the one built with this program)\n"
          "  --help           this message\n",
          out);
}

/* Parses "a,b,c" of integers in [lo, hi]; 0 on success. */
static int parse_list(const char *s, int lo, int hi, int *vals, int *n)
{
    *n = 0;
    const char *p = s;
    while (*p) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno || v < lo || v > hi || *n >= BENCH_MAX_LIST) return -1;
        vals[(*n)++] = (int)v;
        if (*end == ',' && end[1]) p = end + 1;
        else if (*end == '\0') p = end;
        else return -1;
    }
    return *n > 0 ? 0 : -1;
}

/* Prints "regensim-bench: <message>" and the usage on stderr; returns 2. */
static int bad(const char *fmt, ...) RS_PRINTF(1, 2);
static int bad(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("regensim-bench: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    usage(stderr);
    return 2;
}

int bench_options_parse(bench_options *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->git = "unknown";
    o->sweep_runs = -1;
    o->regensim = RS_BENCH_REGENSIM;
    int sizes_given = 0, cells_given = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 1;
        } else if (strcmp(a, "--quick") == 0) {
            o->quick = 1;
        } else if (strcmp(a, "--git") == 0) {
            if (!has_value || !argv[i + 1][0]) return bad("%s needs a value", a);
            o->git = argv[++i];
        } else if (strcmp(a, "--solver") == 0) {
            if (!has_value) return bad("%s needs a value", a);
            o->solver = argv[++i];
            if (!rs_diffusion_find(o->solver))
                return bad("unknown solver '%s' (expected explicit, lod or spectral)",
                           o->solver);
        } else if (strcmp(a, "--sizes") == 0) {
            if (!has_value) return bad("%s needs a value", a);
            if (parse_list(argv[++i], 2, 2048, o->sizes, &o->nsizes) != 0)
                return bad("--sizes '%s': expected a comma-separated list of grid "
                           "edges from 2 to 2048", argv[i]);
            sizes_given = 1;
        } else if (strcmp(a, "--threads") == 0) {
            if (!has_value) return bad("%s needs a value", a);
            if (parse_list(argv[++i], 1, 1024, o->threads, &o->nthreads) != 0)
                return bad("--threads '%s': expected a comma-separated list of thread "
                           "counts from 1 to 1024", argv[i]);
        } else if (strcmp(a, "--cells") == 0) {
            if (!has_value) return bad("%s needs a value", a);
            int zero = 0;
            int bad_list = parse_list(argv[++i], 0, 100000000, o->cells, &o->ncells);
            for (int k = 0; k < o->ncells; k++) zero += o->cells[k] == 0;
            if (bad_list != 0 || (zero && o->ncells > 1))
                return bad("--cells '%s': expected a comma-separated list of cell counts "
                           "from 1 to 100000000, or 0", argv[i]);
            if (zero) o->ncells = 0;
            cells_given = 1;
        } else if (strcmp(a, "--sweep-runs") == 0) {
            int n = 0, v[BENCH_MAX_LIST];
            if (!has_value) return bad("%s needs a value", a);
            if (parse_list(argv[++i], 0, 100000, v, &n) != 0 || n != 1)
                return bad("--sweep-runs '%s': expected a run count from 0 to 100000", argv[i]);
            o->sweep_runs = v[0];
        } else if (strcmp(a, "--regensim") == 0) {
            if (!has_value || !argv[i + 1][0]) return bad("%s needs a value", a);
            o->regensim = argv[++i];
        } else {
            return bad("unknown option '%s'", a);
        }
    }
    if (!sizes_given) {
        o->sizes[o->nsizes++] = 128;
        if (!o->quick) o->sizes[o->nsizes++] = 256;
    }
    if (!cells_given) {
        o->cells[o->ncells++] = 10000;
        o->cells[o->ncells++] = 100000;
        if (!o->quick) {
            o->cells[o->ncells++] = 1000000;
            o->cells[o->ncells++] = 10000000;
        }
    }
    if (o->sweep_runs < 0) o->sweep_runs = o->quick ? 20 : 200;
    if (o->nthreads == 0) {
        o->threads[o->nthreads++] = 1;
        o->threads[o->nthreads++] = 2;
    }
    return 0;
}

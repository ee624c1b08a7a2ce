/* sweep_runs.c: the runs of a loaded sweep (regensim/sweep.h): how many,
 * which seed each has, and the overrides that make run k out of the
 * sweep's model. A run is always named by its number k = point x
 * replicates + replicate, so every runner (local, MPI) and every resume
 * agree on what run k is. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regensim/sweep.h"
#include "regensim/text.h"

size_t rs_sweep_nruns(const rs_sweep *s) { return s->npoints * s->replicates; }

/* FNV-1a over text (and a 0 byte, so "ab"+"c" differs from "a"+"bc"). */
static uint64_t fnv1a(uint64_t h, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)(text ? text : ""); ; p++) {
        h = (h ^ *p) * 0x100000001b3ull;
        if (!*p) return h;
    }
}

uint64_t rs_sweep_identity(const rs_sweep *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    h = fnv1a(h, s->text);
    h = fnv1a(h, s->model_text);
    return fnv1a(h, s->list_text);
}

uint64_t rs_sweep_run_seed(const rs_sweep *s, size_t k)
{
    return rs_sweep_replicate_seed(s->seed, k / s->replicates, (uint32_t)(k % s->replicates));
}

/* Appends text (NULL when out of memory: -1) to v. */
static int push(char **v, int *n, char *text)
{
    if (!text) return -1;
    v[(*n)++] = text;
    return 0;
}

/* A malloc'd printf-formatted string, or NULL. */
static char *format(const char *fmt, ...) RS_PRINTF(1, 2);
static char *format(const char *fmt, ...)
{
    rs_strbuf b;
    rs_strbuf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    rs_strbuf_vappendf(&b, fmt, ap);
    va_end(ap);
    return rs_strbuf_take(&b);
}

char **rs_sweep_run_overrides(const rs_sweep *s, size_t k, int *n)
{
    /* sets, parameters, the seed, and two output settings. */
    int cap = s->nsets + s->nparameters + 3, m = 0;
    char **v = calloc((size_t)cap, sizeof *v);
    if (!v) return NULL;
    int bad = 0;
    for (int i = 0; i < s->nsets && !bad; i++) bad = push(v, &m, rs_strdup(s->sets[i]));
    const double *x = s->points + (k / s->replicates) * (size_t)s->nparameters;
    for (int i = 0; i < s->nparameters && !bad; i++)
        bad = push(v, &m, format("%s=%.17g", s->parameters[i].path, x[i]));
    if (!bad) bad = push(v, &m, format("seed=%llu", (unsigned long long)rs_sweep_run_seed(s, k)));
    /* An interrupted run is redone, not resumed: no periodic checkpoints. */
    if (!bad) bad = push(v, &m, rs_strdup("time.checkpoint_every=0"));
    if (!bad && s->keep == RS_SWEEP_KEEP_FINAL) bad = push(v, &m, rs_strdup("time.save_every=0"));
    if (bad) {
        rs_sweep_strings_free(v, m);
        return NULL;
    }
    *n = m;
    return v;
}

void rs_sweep_strings_free(char **v, int n)
{
    if (!v) return;
    for (int i = 0; i < n; i++) free(v[i]);
    free(v);
}

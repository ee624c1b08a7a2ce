/* fuzz_model.c: libFuzzer harness for the YAML model loader
 * (include/regensim/model.h). The input bytes are a model file, passed to
 * rs_model_load_string as they are (no NUL added: the loader takes a
 * length, and ASan catches a read past it). Lines beginning "#--set "
 * (YAML comments) are also passed as --set overrides, at most MAXSET.
 * Checked:
 *   - a refused model returns a negative status, leaves *out NULL and lists
 *     at least one error, each with a message and a position that exists;
 *   - a loaded model lists no error, answers rs_model_grid and
 *     rs_model_summarize (which plans the solver's estimates), finds each of
 *     its substrates, cell types and parameters by name at its own index;
 *   - the resolved model round-trips: rs_model_write_resolved gives a text
 *     that loads, and writing that model again gives the same text.
 * A broken property calls abort(), so libFuzzer saves the input and the
 * stack names the check. The harness prints nothing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "regensim/error.h"
#include "regensim/model.h"

#define SOURCE "fuzz.yaml"
#define MAXSET 4
#define SETLEN 256
/* Round trips are checked for resolved texts up to this size: a larger
 * one may legitimately exceed the loader's own size or node limits. */
#define ROUNDTRIP_MAX (256u * 1024u)

/* UBSan stops at the first finding (so libFuzzer saves the input) unless
 * UBSAN_OPTIONS says otherwise, e.g. suppressions for a known one. */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void) { return "halt_on_error=1:print_stacktrace=1"; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken property: abort, so libFuzzer keeps the input. Not inlined, so
 * the stack shows the failing check's line (also in `line`). */
__attribute__((noinline)) static void check_failed(int line)
{
    volatile int where = line;
    (void)where;
    abort();
}
#define check(ok)                                                               \
    do {                                                                        \
        if (!(ok)) check_failed(__LINE__);                                      \
    } while (0)

/* An upper bound on the lines YAML sees: it breaks lines at LF, CR (CR LF
 * counts once, here twice) and, in UTF-8, NEL (C2 85), LS and PS
 * (E2 80 A8/A9). */
static int nlines(const char *text, size_t len)
{
    const unsigned char *u = (const unsigned char *)text;
    int n = 1;
    for (size_t i = 0; i < len; i++) {
        n += u[i] == '\n' || u[i] == '\r';
        n += u[i] == 0x85 && i > 0 && u[i - 1] == 0xc2;
        n += (u[i] == 0xa8 || u[i] == 0xa9) && i > 1 && u[i - 1] == 0x80 && u[i - 2] == 0xe2;
    }
    return n;
}

static void check_errors(const rs_errors *errs, int lines)
{
    check(errs->count >= 1 && errs->count <= RS_ERRORS_MAX);
    check(errs->dropped >= 0);
    for (int i = 0; i < errs->count; i++) {
        const rs_error *e = &errs->item[i];
        check(e->code < 0);
        check(memchr(e->msg, '\0', sizeof e->msg) != NULL);
        check(memchr(e->file, '\0', sizeof e->file) != NULL);
        check(e->msg[0] != '\0');
        check(e->line >= 0 && e->line <= lines + 1);
        check(e->col >= 0);
    }
}

static void check_model(const rs_model *m)
{
    rs_grid g = rs_model_grid(m);
    (void)g;
    rs_model_summary sum;
    rs_model_summarize(m, &sum);
    check(sum.dims == 2 || sum.dims == 3);
    check(sum.nsubstrates == m->nsubstrates && sum.ncell_types == m->ncell_types);
    check(m->nsubstrates >= 0 && m->ncell_types >= 0 && m->nparameters >= 0);
    for (int i = 0; i < m->nsubstrates; i++)
        check(rs_model_find_substrate(m, m->substrates[i].name) == i);
    for (int i = 0; i < m->ncell_types; i++)
        check(rs_model_find_cell_type(m, m->cell_types[i].name) == i);
    for (int i = 0; i < m->nparameters; i++)
        check(rs_model_find_parameter(m, m->parameters[i].name) == i);
}

/* Collects "#--set path=value" lines as overrides. */
static int collect_overrides(const char *text, size_t len, char set[MAXSET][SETLEN],
                             const char *ptrs[MAXSET])
{
    static const char tag[] = "#--set ";
    const size_t taglen = sizeof tag - 1;
    int n = 0;
    size_t i = 0;
    while (i < len && n < MAXSET) {
        size_t end = i;
        while (end < len && text[end] != '\n') end++;
        if (end - i > taglen && memcmp(text + i, tag, taglen) == 0) {
            size_t k = end - i - taglen;
            if (k >= SETLEN) k = SETLEN - 1;
            memcpy(set[n], text + i + taglen, k);
            set[n][k] = '\0';
            ptrs[n] = set[n];
            n++;
        }
        i = end + 1;
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    static char set[MAXSET][SETLEN];
    const char *overrides[MAXSET] = {0};
    const int noverrides = collect_overrides(text, size, set, overrides);
    static rs_errors errs;

    rs_model_destroy(NULL);

    rs_model *m = (rs_model *)(uintptr_t)1; /* must become NULL on error */
    rs_errors_clear(&errs);
    rs_status st = rs_model_load_string(&m, text, size, SOURCE, noverrides ? overrides : NULL,
                                        noverrides, &errs);
    if (st != RS_OK) {
        check(st < 0);
        check(m == NULL);
        check_errors(&errs, nlines(text, size));
        return 0;
    }
    check(m != NULL);
    check(errs.count == 0);
    check_model(m);

    /* Round trip: resolved text -> model -> the same resolved text. */
    char *resolved = NULL;
    st = rs_model_write_resolved(m, &resolved);
    rs_model_destroy(m);
    if (st == RS_ENOMEM) return 0;
    check(st == RS_OK && resolved != NULL);
    const size_t rlen = strlen(resolved);
    if (rlen <= ROUNDTRIP_MAX) {
        rs_model *m2 = NULL;
        rs_errors_clear(&errs);
        st = rs_model_load_string(&m2, resolved, rlen, SOURCE, NULL, 0, &errs);
        check(st == RS_OK && m2 != NULL);
        check_model(m2);
        char *resolved2 = NULL;
        check(rs_model_write_resolved(m2, &resolved2) == RS_OK && resolved2 != NULL);
        check(strcmp(resolved, resolved2) == 0);
        free(resolved2);
        rs_model_destroy(m2);
    }
    free(resolved);
    return 0;
}

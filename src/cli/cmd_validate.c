/* cmd_validate.c: `regensim validate MODEL [--set PATH=VALUE ...]`: loads
 * and checks a model file; prints a one-line summary and exits 0, or every
 * error found ("regensim: file:line:col: message") and exits 2. The model
 * options parser here is shared with `regensim info` (cli.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static void validate_usage(FILE *to)
{
    fprintf(to,
            "usage: regensim validate MODEL [--set PATH=VALUE ...]\n"
            "\n"
            "Checks a model file (docs/model-reference.md) with the overrides applied\n"
            "(e.g. --set parameters.k_damage=0.004, --set k_damage=0.004,\n"
            "--set substrates.cytokine.diffusion=2000). Prints a one-line summary and\n"
            "exits 0, or prints every error (file:line:col: message) and exits 2.\n");
}

int rs_cli_parse_model_args(int argc, char **argv, rs_cli_model_args *a,
                            void (*usage)(FILE *))
{
    int allow = a->allow_resolved;
    memset(a, 0, sizeof *a);
    a->allow_resolved = allow;
    a->sets = calloc((size_t)argc, sizeof *a->sets);
    if (!a->sets) {
        fprintf(stderr, "regensim: out of memory\n");
        return RS_EXIT_FAILED;
    }
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            usage(stdout);
            return RS_EXIT_OK;
        } else if (strcmp(s, "--set") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "regensim: --set needs PATH=VALUE\n");
                return RS_EXIT_USAGE;
            }
            a->sets[a->nsets++] = argv[++i];
        } else if (strncmp(s, "--set=", 6) == 0) {
            a->sets[a->nsets++] = s + 6;
        } else if (strcmp(s, "--resolved") == 0 && a->allow_resolved) {
            a->resolved = 1;
        } else if (s[0] == '-' && s[1]) {
            fprintf(stderr, "regensim: unknown option '%s'\n\n", s);
            usage(stderr);
            return RS_EXIT_USAGE;
        } else if (a->path) {
            fprintf(stderr, "regensim: one model file expected, got '%s' and '%s'\n",
                    a->path, s);
            return RS_EXIT_USAGE;
        } else {
            a->path = s;
        }
    }
    if (!a->path) {
        fprintf(stderr, "regensim: no model file given\n\n");
        usage(stderr);
        return RS_EXIT_USAGE;
    }
    return -1;
}

int rs_cli_load_model(const rs_cli_model_args *a, rs_model **m)
{
    rs_errors errs;
    rs_status s = rs_model_load(m, a->path, a->sets, a->nsets, &errs);
    if (s == RS_OK) return RS_EXIT_OK;
    for (int i = 0; i < errs.count; i++) rs_cli_print_error(&errs.item[i]);
    if (errs.dropped > 0)
        fprintf(stderr, "regensim: ... and %d more error%s\n", errs.dropped,
                errs.dropped == 1 ? "" : "s");
    /* A model that cannot be read is bad input, like one that is wrong. */
    return s == RS_EIO ? RS_EXIT_USAGE : rs_cli_exit_code(s);
}

int rs_cli_validate(int argc, char **argv)
{
    rs_cli_model_args a = {0};
    int rc = rs_cli_parse_model_args(argc, argv, &a, validate_usage);
    if (rc < 0) {
        rs_model *m = NULL;
        rc = rs_cli_load_model(&a, &m);
        if (rc == RS_EXIT_OK) {
            rs_model_summary sum;
            rs_model_summarize(m, &sum);
            printf("%s: ok: model '%s', %dD %d x %d x %d voxels of %g um, %d substrate%s, "
                   "%d cell type%s, solver %s, %g min\n",
                   a.path, m->name, sum.dims, sum.grid.nx, sum.grid.ny, sum.grid.nz,
                   sum.grid.dx, sum.nsubstrates, sum.nsubstrates == 1 ? "" : "s",
                   sum.ncell_types, sum.ncell_types == 1 ? "" : "s", m->solver,
                   m->time.end.value);
        }
        rs_model_destroy(m);
    }
    free(a.sets);
    return rc;
}

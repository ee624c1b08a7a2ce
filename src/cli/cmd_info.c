/* cmd_info.c: `regensim info MODEL [--set ...] [--resolved]`: what a model
 * asks of the machine before it is run: voxels, substrates, cell types,
 * expected cell count, memory estimate, the explicit solver's stability
 * limit; with --resolved the resolved model (defaults and overrides) as
 * YAML. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"

static void info_usage(FILE *to)
{
    fprintf(to,
            "usage: regensim info MODEL [--set PATH=VALUE ...] [--resolved]\n"
            "\n"
            "Prints the model's voxels, substrates, cell types, expected cell count,\n"
            "memory estimate and the explicit solver's stability limit; --resolved\n"
            "prints the resolved model (every key, defaults filled in, overrides\n"
            "applied) as YAML instead. Exits 2 on a bad model, as validate does.\n");
}

int rs_cli_info(int argc, char **argv)
{
    rs_cli_model_args a = {0};
    a.allow_resolved = 1;
    int rc = rs_cli_parse_model_args(argc, argv, &a, info_usage);
    if (rc >= 0) {
        free(a.sets);
        return rc;
    }
    rs_model *m = NULL;
    rc = rs_cli_load_model(&a, &m);
    if (rc != RS_EXIT_OK) {
        free(a.sets);
        return rc;
    }
    if (a.resolved) {
        char *text = NULL;
        if (rs_model_write_resolved(m, &text) != RS_OK) {
            fprintf(stderr, "regensim: out of memory\n");
            rc = RS_EXIT_FAILED;
        } else {
            fputs(text, stdout);
        }
        free(text);
    } else {
        rs_model_summary s;
        rs_model_summarize(m, &s);
        printf("model            %s (%s)\n", m->name, a.path);
        printf("domain           %dD, %d x %d x %d voxels of %g um = %.6g voxels\n", s.dims,
               s.grid.nx, s.grid.ny, s.grid.nz, s.grid.dx, s.voxels);
        printf("time             %g min; dt diffusion %g, mechanics %g, phenotype %g min\n",
               m->time.end.value, m->time.dt.diffusion.value, m->time.dt.mechanics.value,
               m->time.dt.phenotype.value);
        printf("solver           %s\n", m->solver);
        printf("substrates       %d:", s.nsubstrates);
        for (int i = 0; i < m->nsubstrates; i++)
            printf(" %s", m->substrates[i].name);
        printf("\ncell types       %d:", s.ncell_types);
        for (int i = 0; i < m->ncell_types; i++) printf(" %s", m->cell_types[i].name);
        printf("\nparameters       %d\n", s.nparameters);
        printf("expected cells   %.6g (from initial)\n", s.expected_cells);
        printf("memory estimate  %.3g MB\n", s.memory_bytes / 1e6);
        if (isinf(s.explicit_dt_limit))
            printf("explicit dt max  none (nothing diffuses or decays)\n");
        else
            printf("explicit dt max  %.4g min\n", s.explicit_dt_limit);
        const double mech = rs_model_mechanics_dt_limit(m);
        if (m->ncell_types > 0 && !isinf(mech)) {
            int sub;
            const double h = rs_model_mechanics_dt(m, &sub);
            printf("mechanics dt max %.4g min (scheduled: %.4g min%s)\n", mech, h,
                   sub > 1 ? ", as sub-steps of dt.diffusion" : "");
        }
    }
    rs_model_destroy(m);
    free(a.sets);
    return rc;
}

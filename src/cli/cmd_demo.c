/* cmd_demo.c: `regensim demo`, a built-in reaction-diffusion example that
 * needs no model file: TNF-alpha released by a cluster of activated
 * microglia spreads and decays in tissue (D* = 1200 um^2/min, half-life 19
 * min; ../docs/numerics.md). It prints the field's figures over time and
 * compares the measured reach with the theoretical sqrt(D/k) = 183 um. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

typedef struct demo_options {
    const char *solver;
    int size, dims;
    double minutes, dt;
} demo_options;

static void demo_usage(FILE *to)
{
    fprintf(to,
            "usage: regensim demo [--solver explicit|lod|spectral] [--size N] [--dims 2|3]\n"
            "                     [--minutes T] [--dt DT]\n"
            "\n"
            "Cytokine (TNF-alpha) from a microglial cluster at the centre of an N^dims\n"
            "grid of 10 um voxels (default N = 96, 3D, lod, 180 min, dt 0.1 min; the\n"
            "explicit solver takes 0.9 of its stability limit unless --dt is given).\n");
}

/* Parses argv into o; returns -1 to continue, or an exit code. */
static int demo_parse(int argc, char **argv, demo_options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            demo_usage(stdout);
            return RS_EXIT_OK;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "regensim: %s needs a value\n", a);
            return RS_EXIT_USAGE;
        }
        const char *v = argv[++i];
        char *end = NULL;
        if (strcmp(a, "--solver") == 0) {
            o->solver = v;
            continue;
        } else if (strcmp(a, "--size") == 0) {
            long n = strtol(v, &end, 10);
            if (*end || n < 8 || n > 1024) goto bad;
            o->size = (int)n;
        } else if (strcmp(a, "--dims") == 0) {
            long n = strtol(v, &end, 10);
            if (*end || (n != 2 && n != 3)) goto bad;
            o->dims = (int)n;
        } else if (strcmp(a, "--minutes") == 0) {
            o->minutes = strtod(v, &end);
            if (*end || !(o->minutes > 0) || o->minutes > 1e6) goto bad;
        } else if (strcmp(a, "--dt") == 0) {
            o->dt = strtod(v, &end);
            if (*end || !(o->dt > 0)) goto bad;
        } else {
            fprintf(stderr, "regensim: unknown option '%s'\n", a);
            demo_usage(stderr);
            return RS_EXIT_USAGE;
        }
        continue;
    bad:
        fprintf(stderr, "regensim: %s %s: not a valid value (see --help)\n", a, v);
        return RS_EXIT_USAGE;
    }
    return -1;
}

/* Concentration along +x from the centre voxel, at distance r (um), by
 * linear interpolation between voxel centres. */
static double along_x(const double *c, const rs_grid *g, int ci, int cj, int ck, double r)
{
    double fi = ci + r / g->dx;
    int i0 = (int)floor(fi);
    double w = fi - i0;
    size_t row = (size_t)g->nx * ((size_t)cj + (size_t)g->ny * ck);
    if (i0 + 1 >= g->nx) return c[row + g->nx - 1];
    return (1 - w) * c[row + i0] + w * c[row + i0 + 1];
}

int rs_cli_demo(int argc, char **argv)
{
    demo_options o = {"lod", 96, 3, 180.0, 0.0};
    int rc = demo_parse(argc, argv, &o);
    if (rc >= 0) return rc;

    const double D = 1200.0, k = log(2.0) / 19.0, S = 1.0, cluster = 20.0;
    rs_grid g = {o.size, o.size, o.dims == 3 ? o.size : 1, 10.0};
    rs_substrate_spec spec;
    rs_substrate_spec_init(&spec, D, k);
    rs_diffusion_config cfg = {g, o.dt > 0 ? o.dt : 0.1, 1, &spec, 1, RS_FFT_ESTIMATE, 0};
    if (strcmp(o.solver, "explicit") == 0 && o.dt <= 0)
        cfg.dt = 0.9 * rs_diffusion_explicit_dt_limit(&g, &spec, 1);

    rs_error err;
    rs_error_clear(&err);
    rs_diffusion *d = NULL;
    double *c = NULL, *src = NULL;
    rs_status st = rs_diffusion_create(&d, o.solver, &cfg, &err);
    if (st == RS_OK) st = rs_alloc_doubles(&c, rs_grid_voxels(&g), &err);
    if (st == RS_OK) st = rs_alloc_doubles(&src, rs_grid_voxels(&g), &err);
    if (st != RS_OK) {
        rs_cli_print_error(&err);
        rs_diffusion_destroy(d);
        rs_free_aligned(c);
        rs_free_aligned(src);
        return rs_cli_exit_code(st);
    }
    const int ci = g.nx / 2, cj = g.ny / 2, ck = g.nz / 2;
    const double cx = rs_grid_centre(&g, ci), cy = rs_grid_centre(&g, cj),
                 cz = g.nz > 1 ? rs_grid_centre(&g, ck) : 0.0;
    for (int kk = 0; kk < g.nz; kk++)
        for (int j = 0; j < g.ny; j++)
            for (int i = 0; i < g.nx; i++) {
                double x = rs_grid_centre(&g, i) - cx, y = rs_grid_centre(&g, j) - cy;
                double z = g.nz > 1 ? rs_grid_centre(&g, kk) - cz : 0.0;
                if (x * x + y * y + z * z <= cluster * cluster)
                    src[i + (size_t)g.nx * (j + (size_t)g.ny * kk)] = S;
            }

    double nsteps = ceil(o.minutes / cfg.dt);
    if (!(nsteps <= 1e9)) {
        fprintf(stderr, "regensim: %g min at dt %g min is %.3g steps; expected at most "
                        "1e9 (use a larger --dt or fewer --minutes)\n",
                o.minutes, cfg.dt, nsteps);
        rs_diffusion_destroy(d);
        rs_free_aligned(c);
        rs_free_aligned(src);
        return RS_EXIT_USAGE;
    }
    int steps = (int)nsteps, report = (int)ceil(steps / 12.0);
    printf("regensim %s demo: TNF-alpha from a %g um microglial cluster\n", rs_version(),
           cluster);
    printf("grid %d x %d x %d voxels of %g um, solver %s, dt %g min, %d steps, %d threads\n",
           g.nx, g.ny, g.nz, g.dx, o.solver, cfg.dt, steps, omp_get_max_threads());
    printf("%10s %14s %14s %14s\n", "t (min)", "total", "centre", "c(100 um)");
    const double *const sources[1] = {src};
    double t0 = omp_get_wtime();
    for (int s = 1; s <= steps; s++) {
        rs_diffusion_step(d, &c, sources, NULL);
        if (s % report == 0 || s == steps) {
            double total = 0;
            for (size_t v = 0; v < rs_grid_voxels(&g); v++) total += c[v];
            total *= g.dx * g.dx * (g.nz > 1 ? g.dx : 1.0);
            printf("%10.1f %14.6g %14.6g %14.6g\n", s * cfg.dt, total,
                   c[ci + (size_t)g.nx * (cj + (size_t)g.ny * ck)],
                   along_x(c, &g, ci, cj, ck, 100.0));
        }
    }
    double wall = omp_get_wtime() - t0;
    /* Far from a point source the steady 3D field falls as exp(-r/L)/r: fit
     * L between 100 and 200 um, where the box is large enough. (In 2D it
     * falls as K0(r/L), whose asymptotic form is poor at these distances: no
     * fit there.) */
    if (g.nz > 1 && 200.0 + 1.5 * g.dx < 0.5 * g.nx * g.dx) {
        double r1 = 100.0 + 0.5 * g.dx, r2 = 200.0 + 0.5 * g.dx;
        double c1 = along_x(c, &g, ci, cj, ck, r1), c2 = along_x(c, &g, ci, cj, ck, r2);
        double reach = (r2 - r1) / log(c1 * r1 / (c2 * r2));
        printf("reach of the cytokine: %.1f um measured, %.1f um = sqrt(D/k) in theory\n",
               reach, sqrt(D / k));
    }
    printf("%.3g voxel-updates/s (%.2f s wall)\n", (double)steps * rs_grid_voxels(&g) / wall,
           wall);
    rs_diffusion_destroy(d);
    rs_free_aligned(c);
    rs_free_aligned(src);
    return RS_EXIT_OK;
}

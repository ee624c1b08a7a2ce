/* diffuse.c: a first regensim program. Spreads a unit mass from the centre
 * voxel of a 2D grid with the explicit diffusion solver and checks that the
 * total mass is conserved (no-flux boundaries, no decay).
 *
 * Build against an installed regensim: see README.md in this directory. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <regensim/regensim.h>

static int fail(const char *what, const rs_error *err)
{
    char buf[1024];
    rs_error_format(err, buf, sizeof buf);
    fprintf(stderr, "diffuse: %s: %s (%s)\n", what, buf, rs_strerror(err->code));
    return EXIT_FAILURE;
}

int main(void)
{
    printf("regensim %s (compiled against %s)\n", rs_version(), RS_VERSION_STRING);

    rs_error err;
    rs_error_clear(&err);

    /* A 41 x 41 voxel 2D grid (nz = 1) of 10 um voxels. */
    const rs_grid grid = {.nx = 41, .ny = 41, .nz = 1, .dx = 10.0};
    if (rs_grid_check(&grid, &err) != RS_OK) return fail("grid", &err);
    const size_t n = rs_grid_voxels(&grid);

    /* One substrate: D = 1000 um^2/min, no decay, no flux on every face. */
    rs_substrate_spec spec;
    rs_substrate_spec_init(&spec, 1000.0, 0.0);

    /* Half the explicit scheme's stability limit. */
    const double dt = 0.5 * rs_diffusion_explicit_dt_limit(&grid, &spec, 1);
    const rs_diffusion_config cfg = {
        .grid = grid, .dt = dt, .nsubstrates = 1, .substrates = &spec};

    rs_diffusion *solver = NULL;
    if (rs_diffusion_create(&solver, "explicit", &cfg, &err) != RS_OK)
        return fail("creating the solver", &err);

    double *c = NULL;
    if (rs_alloc_doubles(&c, n, &err) != RS_OK) {
        rs_diffusion_destroy(solver);
        return fail("allocating the field", &err);
    }
    const size_t centre = (size_t)grid.nx / 2 + (size_t)grid.nx * ((size_t)grid.ny / 2);
    c[centre] = 1.0;

    const int steps = 20;
    double *const fields[1] = {c};
    for (int s = 0; s < steps; s++) {
        rs_status st = rs_diffusion_step(solver, fields, NULL, NULL);
        if (st != RS_OK) {
            /* step reports only the status; describe it ourselves. */
            rs_error_set(&err, st, "step %d of %d failed", s + 1, steps);
            rs_free_aligned(c);
            rs_diffusion_destroy(solver);
            return fail("stepping", &err);
        }
    }

    double total = 0.0;
    for (size_t i = 0; i < n; i++) total += c[i];
    printf("solver %s: %d steps of dt = %g min on %dx%d voxels\n",
           rs_diffusion_name(solver), steps, dt, grid.nx, grid.ny);
    printf("total mass %.15f (started at 1)\n", total);
    printf("centre value %.6e\n", c[centre]);

    int ok = fabs(total - 1.0) < 1e-12 && c[centre] > 0.0 && c[centre] < 1.0;
    rs_free_aligned(c);
    rs_diffusion_destroy(solver);

    /* Errors are reported, not printed, by the library: show one. */
    rs_diffusion *bad = NULL;
    rs_diffusion_config too_big = cfg;
    too_big.dt = 4.0 * dt;
    if (rs_diffusion_create(&bad, "explicit", &too_big, &err) == RS_OK) {
        fprintf(stderr, "diffuse: a dt above the stability limit was accepted\n");
        rs_diffusion_destroy(bad);
        return EXIT_FAILURE;
    }
    printf("as expected, a too-large dt is refused: %s\n", err.msg);

    if (!ok) {
        fprintf(stderr, "diffuse: mass not conserved or no diffusion happened\n");
        return EXIT_FAILURE;
    }
    printf("ok\n");
    return EXIT_SUCCESS;
}

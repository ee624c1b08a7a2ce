/* sim_fixture.h: what the tests of cells and runs share: a model from
 * text, a sim, a run to the end, a population and bins, each failing the
 * test (cmocka) on an error instead of returning it. */
#ifndef RS_SIM_FIXTURE_H
#define RS_SIM_FIXTURE_H

#include "rs_test.h"

/* The model in text (with optional overrides), as "t.yaml". */
rs_model *fix_load(const char *text, const char *const *sets, int nsets);

/* A sim of m. */
rs_sim *fix_sim(const rs_model *m);

/* Runs s to its end. */
void fix_run(rs_sim *s);

/* An empty population, and a cell appended to one. */
rs_cells *fix_cells(int dims, int nstates, size_t cap);
void fix_cell_add(rs_cells *c, int type, double x, double y, double z, double r);

/* Neighbour bins over a domain. */
rs_neighbour_bins *fix_bins(int dims, const double size[3], double reach);

#endif

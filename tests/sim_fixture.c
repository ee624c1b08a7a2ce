/* sim_fixture.c: see sim_fixture.h. */
#include <stdio.h>

#include "sim_fixture.h"

rs_model *fix_load(const char *text, const char *const *sets, int nsets)
{
    rs_model *m = NULL;
    rs_errors errs;
    rs_status st = rs_model_load_string(&m, text, strlen(text), "t.yaml", sets, nsets, &errs);
    if (st != RS_OK) {
        char buf[1200];
        rs_error_format(&errs.item[0], buf, sizeof buf);
        fprintf(stderr, "%s\n", buf);
    }
    assert_int_equal(st, RS_OK);
    return m;
}

rs_sim *fix_sim(const rs_model *m)
{
    rs_sim *s = NULL;
    rs_error err;
    rs_status st = rs_sim_create(&s, m, &err);
    if (st != RS_OK) fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(st, RS_OK);
    return s;
}

void fix_run(rs_sim *s)
{
    rs_error err;
    rs_status st = rs_sim_run(s, NULL, &err);
    if (st != RS_OK) fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(st, RS_OK);
    assert_true(rs_sim_finished(s));
}

rs_cells *fix_cells(int dims, int nstates, size_t cap)
{
    rs_cells *c = NULL;
    rs_error err;
    assert_int_equal(rs_cells_create(&c, dims, nstates, cap, &err), RS_OK);
    return c;
}

void fix_cell_add(rs_cells *c, int type, double x, double y, double z, double r)
{
    rs_error err;
    assert_int_equal(rs_cells_add(c, type, x, y, z, r, NULL, &err), RS_OK);
}

rs_neighbour_bins *fix_bins(int dims, const double size[3], double reach)
{
    rs_neighbour_bins *b = NULL;
    rs_error err;
    assert_int_equal(rs_neighbour_bins_create(&b, dims, size, reach, &err), RS_OK);
    return b;
}

/* expr_names.c: looking names up in the symbol table's lists, and the
 * names of the built-in cell inputs (age, neighbours, volume, radius). The
 * did-you-mean suggestion for a name that is not there is the shared one
 * (rs_suggester, include/regensim/text.h). */
#include <string.h>

#include "expr/expr_impl.h"

/* The names of the built-in cell inputs, in RS_EXPR_CELL_* order. */
static const char *const cell_input_names[RS_EXPR_NCELL_INPUTS] = {
    [RS_EXPR_CELL_AGE] = "age",
    [RS_EXPR_CELL_NEIGHBOURS] = "neighbours",
    [RS_EXPR_CELL_VOLUME] = "volume",
    [RS_EXPR_CELL_RADIUS] = "radius",
};

/* A plain scan of names (few, short). */
int rs_expr_find_name(const char *const *names, int n, const char *s, size_t len)
{
    if (!names) return -1;
    for (int i = 0; i < n; i++)
        if (names[i] && strlen(names[i]) == len && memcmp(names[i], s, len) == 0) return i;
    return -1;
}

/* The table above, bounds-checked. */
const char *rs_expr_cell_input_name(int k)
{
    return k >= 0 && k < RS_EXPR_NCELL_INPUTS ? cell_input_names[k] : NULL;
}

/* The table above, searched. */
int rs_expr_find_cell_input(const char *s, size_t len)
{
    return rs_expr_find_name(cell_input_names, RS_EXPR_NCELL_INPUTS, s, len);
}

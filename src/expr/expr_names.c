/* expr_names.c: looking names up in the symbol table's lists. The
 * did-you-mean suggestion for a name that is not there is the shared one
 * (rs_suggester, include/regensim/text.h). */
#include <string.h>

#include "expr/expr_impl.h"

int rs_expr_find_name(const char *const *names, int n, const char *s, size_t len)
{
    if (!names) return -1;
    for (int i = 0; i < n; i++)
        if (names[i] && strlen(names[i]) == len && memcmp(names[i], s, len) == 0) return i;
    return -1;
}

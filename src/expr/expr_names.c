/* expr_names.c: looking names up in the symbol table's lists, and the
 * did-you-mean suggestion for a name that is not there: the candidate with
 * the smallest edit distance (insertions, deletions, substitutions and
 * swaps of adjacent letters, each counting 1), if it is at most 2 and
 * smaller than the word itself; ties go to the first offered. */
#include <string.h>

#include "expr/expr_impl.h"

/* Names longer than this are not compared (no suggestion for them). */
#define SUGGEST_MAX_LEN 64
#define SUGGEST_MAX_DISTANCE 2

int rs_expr_find_name(const char *const *names, int n, const char *s, size_t len)
{
    if (!names) return -1;
    for (int i = 0; i < n; i++)
        if (names[i] && strlen(names[i]) == len && memcmp(names[i], s, len) == 0) return i;
    return -1;
}

static int min3(int a, int b, int c)
{
    int m = a < b ? a : b;
    return m < c ? m : c;
}

/* Optimal-string-alignment distance between a[0..la) and b[0..lb), both at
 * most SUGGEST_MAX_LEN long. */
static int edit_distance(const char *a, int la, const char *b, int lb)
{
    int rows[3][SUGGEST_MAX_LEN + 1];
    int *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    for (int j = 0; j <= lb; j++) prev[j] = j;
    for (int i = 1; i <= la; i++) {
        cur[0] = i;
        for (int j = 1; j <= lb; j++) {
            int cost = a[i - 1] != b[j - 1];
            cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                prev2[j - 2] + 1 < cur[j])
                cur[j] = prev2[j - 2] + 1;
        }
        int *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb];
}

void rs_expr_suggest_init(rs_expr_suggest *s, const char *word, size_t len)
{
    s->word = word;
    s->len = len;
    s->best = NULL;
    s->best_distance = SUGGEST_MAX_DISTANCE + 1;
}

void rs_expr_suggest_offer(rs_expr_suggest *s, const char *candidate)
{
    if (!candidate || s->len > SUGGEST_MAX_LEN) return;
    size_t lc = strlen(candidate);
    if (lc > SUGGEST_MAX_LEN || lc == 0) return;
    size_t diff = lc > s->len ? lc - s->len : s->len - lc;
    if (diff >= (size_t)s->best_distance) return;
    int d = edit_distance(s->word, (int)s->len, candidate, (int)lc);
    if (d < s->best_distance && (size_t)d < s->len && d > 0) {
        s->best = candidate;
        s->best_distance = d;
    }
}

void rs_expr_suggest_offer_all(rs_expr_suggest *s, const char *const *names, int n)
{
    if (!names) return;
    for (int i = 0; i < n; i++) rs_expr_suggest_offer(s, names[i]);
}

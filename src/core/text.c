/* text.c: the string builder, rs_strdup and the did-you-mean suggester
 * (include/regensim/text.h), used by the model loader and writer, the
 * expression compiler and the output files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regensim/text.h"

/* ---- string builder ---------------------------------------------------- */

void rs_strbuf_init(rs_strbuf *b)
{
    b->s = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}

/* Makes room for `more` bytes after the text plus the NUL; 0 on failure
 * (which sets failed). Grows geometrically, so appending is linear. */
static int reserve(rs_strbuf *b, size_t more)
{
    if (b->failed) return 0;
    if (more >= (size_t)-1 - b->len - 1) {
        b->failed = 1;
        return 0;
    }
    size_t need = b->len + more + 1;
    if (need <= b->cap) return 1;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap = cap > (size_t)-1 / 2 ? need : 2 * cap;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->failed = 1;
        return 0;
    }
    b->s = s;
    b->cap = cap;
    return 1;
}

void rs_strbuf_append(rs_strbuf *b, const char *text)
{
    if (!text) return;
    size_t n = strlen(text);
    if (!reserve(b, n)) return;
    memcpy(b->s + b->len, text, n + 1);
    b->len += n;
}

void rs_strbuf_vappendf(rs_strbuf *b, const char *fmt, va_list ap)
{
    if (b->failed) return;
    /* Try in the room there is; measure and retry once if it was short. */
    va_list again;
    va_copy(again, ap);
    size_t room = b->s ? b->cap - b->len : 0;
    int n = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, ap);
    if (n >= 0 && (size_t)n >= room && reserve(b, (size_t)n))
        n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, again);
    va_end(again);
    if (n < 0) b->failed = 1;
    if (b->failed) {
        if (b->s) b->s[b->len] = '\0';
        return;
    }
    b->len += (size_t)n;
}

void rs_strbuf_appendf(rs_strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rs_strbuf_vappendf(b, fmt, ap);
    va_end(ap);
}

char *rs_strbuf_take(rs_strbuf *b)
{
    char *s = NULL;
    if (!b->failed) s = b->s ? b->s : rs_strdup("");
    else free(b->s);
    rs_strbuf_init(b);
    return s;
}

void rs_strbuf_free(rs_strbuf *b)
{
    if (!b) return;
    free(b->s);
    rs_strbuf_init(b);
}

/* ---- strings ------------------------------------------------------------ */

char *rs_strdup(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* ---- did you mean ------------------------------------------------------- */

static int min3(int a, int b, int c)
{
    int m = a < b ? a : b;
    return m < c ? m : c;
}

/* Optimal-string-alignment distance between a[0..la) and b[0..lb), both at
 * most RS_SUGGEST_MAX_LEN long: three rows of the dynamic programme. */
static int edit_distance(const char *a, int la, const char *b, int lb)
{
    int rows[3][RS_SUGGEST_MAX_LEN + 1];
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

void rs_suggester_init(rs_suggester *s, const char *word, size_t len)
{
    s->word = word;
    s->len = len;
    s->best = NULL;
    /* The threshold (text.h): at most (len + 1) / 3 edits. */
    s->best_distance = len > RS_SUGGEST_MAX_LEN ? -1 : (int)(len + 1) / 3 + 1;
}

void rs_suggester_offer(rs_suggester *s, const char *candidate)
{
    if (!candidate || s->best_distance <= 0) return;
    size_t lc = strlen(candidate);
    if (lc > RS_SUGGEST_MAX_LEN) return;
    /* The distance is at least the difference in length. */
    size_t diff = lc > s->len ? lc - s->len : s->len - lc;
    if (diff >= (size_t)s->best_distance) return;
    int d = edit_distance(s->word, (int)s->len, candidate, (int)lc);
    if (d < s->best_distance) {
        s->best = candidate;
        s->best_distance = d;
    }
}

void rs_suggester_offer_list(rs_suggester *s, const char *const *candidates, int n)
{
    if (!candidates) return;
    for (int i = 0; i < n; i++) rs_suggester_offer(s, candidates[i]);
}

const char *rs_suggest(const char *word, const char *const *candidates, int n)
{
    if (!word) return NULL;
    rs_suggester s;
    rs_suggester_init(&s, word, strlen(word));
    rs_suggester_offer_list(&s, candidates, n);
    return s.best;
}

const char *rs_did_you_mean(const char *g, char *buf, size_t size)
{
    if (!size) return buf;
    if (g)
        snprintf(buf, size, " (did you mean '%s'?)", g);
    else
        buf[0] = '\0';
    return buf;
}

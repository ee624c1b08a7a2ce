/* text.h: the small text helpers every layer shares: a growable string
 * builder, a NULL-safe string copy and the one did-you-mean suggester
 * behind every "unknown name 'x' (did you mean 'y'?)" message (model keys,
 * names in expressions, --set paths). Plain C strings, no global state. */
#ifndef REGENSIM_TEXT_H
#define REGENSIM_TEXT_H

#include <stdarg.h>
#include <stddef.h>

#include "regensim/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- string builder ---------------------------------------------------- */

/* A growing, NUL-terminated string. Appends never report failure: after an
 * allocation failure `failed` is set, later appends do nothing, and the
 * caller checks once at the end (rs_strbuf_take returns NULL). Zeroed or
 * rs_strbuf_init'ed before use; s is NULL until something is appended. */
typedef struct rs_strbuf {
    char *s;
    size_t len, cap;
    int failed;
} rs_strbuf;

RS_API void rs_strbuf_init(rs_strbuf *b);

/* Appends the NUL-terminated text (NULL appends nothing). */
RS_API void rs_strbuf_append(rs_strbuf *b, const char *text);

/* Appends printf-style formatted text of any length. */
RS_API void rs_strbuf_appendf(rs_strbuf *b, const char *fmt, ...) RS_PRINTF(2, 3);
RS_API void rs_strbuf_vappendf(rs_strbuf *b, const char *fmt, va_list ap);

/* Hands the text over: a malloc'd string the caller frees ("" when nothing
 * was appended), or NULL when an append failed (the text is freed). The
 * builder is left empty and may be reused. */
RS_API char *rs_strbuf_take(rs_strbuf *b);

/* Frees the text and empties the builder. NULL is allowed. */
RS_API void rs_strbuf_free(rs_strbuf *b);

/* ---- strings ------------------------------------------------------------ */

/* A malloc'd copy of s (the caller frees); NULL when s is NULL or memory
 * runs out. */
RS_API char *rs_strdup(const char *s);

/* ---- did you mean ------------------------------------------------------- */

/* Words and candidates longer than this are not compared (no suggestion). */
#define RS_SUGGEST_MAX_LEN 64

/* The suggestion for a word that is not a known name: the candidate at
 * the smallest edit distance (insertions, deletions, substitutions and
 * swaps of two adjacent characters each count 1; case matters), if that
 * distance is at most (len + 1) / 3 for a word of len characters: 0 for
 * one character, 1 for 2-4, 2 for 5-7, 3 for 8-10, and so on. So at
 * least about two thirds of what was typed survives in the suggestion:
 * 'kk' -> 'k', 'hil' -> 'hill', 'difusion' -> 'diffusion', 'implicit' ->
 * 'explicit', but nothing for an unrelated word. Ties go to the candidate
 * offered first; a candidate equal to the word (distance 0) is returned.
 * Usable incrementally over several lists (rs_suggester) or over one
 * (rs_suggest). */
typedef struct rs_suggester {
    const char *word;
    size_t len;
    const char *best; /* NULL while no candidate is close enough */
    int best_distance;
} rs_suggester;

/* Starts a search for word[0..len) (word need not be NUL-terminated). */
RS_API void rs_suggester_init(rs_suggester *s, const char *word, size_t len);

/* Offers one candidate (NULL is ignored); it must outlive the suggester. */
RS_API void rs_suggester_offer(rs_suggester *s, const char *candidate);

/* Offers candidates[0..n) in order (a NULL list or NULL entries allowed). */
RS_API void rs_suggester_offer_list(rs_suggester *s, const char *const *candidates, int n);

/* The closest of candidates[0..n) to the NUL-terminated word, or NULL. */
RS_API const char *rs_suggest(const char *word, const char *const *candidates, int n);

/* " (did you mean 'g'?)" into buf when g is not NULL, else ""; returns buf. */
RS_API const char *rs_did_you_mean(const char *g, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif

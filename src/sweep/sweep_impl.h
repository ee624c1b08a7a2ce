/* sweep_impl.h (internal): what the sweep layer's files share: the
 * summary row's format (one function writes the journal's rows and the
 * summary's), and removing a directory tree. */
#ifndef RS_SWEEP_IMPL_H
#define RS_SWEEP_IMPL_H

#include <stddef.h>

#include "regensim/sweep.h"
#include "regensim/text.h"

/* Appends the summary's CSV header line (with its newline) to b. */
void rs_sweep_csv_header(const rs_sweep *s, rs_strbuf *b);

/* Appends run r's CSV row (with its newline) to b: index, replicate, seed,
 * the parameters, the summary values (%.17g; empty for NaN), status,
 * message (quoted; newlines become spaces) and wall time. */
void rs_sweep_csv_row(const rs_sweep *s, const rs_sweep_result *r, rs_strbuf *b);

/* Removes path and everything under it (not following links); 0 or -1. A
 * missing path is 0. */
int rs_sweep_remove_tree(const char *path);

#endif

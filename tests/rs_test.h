/* rs_test.h: what every regensim test program includes: cmocka (after the
 * headers it needs), the public API, and the CI-aware skip. */
#ifndef RS_TEST_H
#define RS_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "regensim/regensim.h"

/* 1 when the environment variable CI is set (and not "false" or "0"). */
static inline int rs_in_ci(void)
{
    const char *ci = getenv("CI");
    return ci && *ci && strcmp(ci, "false") != 0 && strcmp(ci, "0") != 0;
}

/* Skips the current test for a missing prerequisite (the printf-style
 * message says which), or fails it when CI is set: in CI a skip must not
 * read as a pass. */
#define rs_skip_unless_ci(...)                                                  \
    do {                                                                        \
        if (rs_in_ci()) fail_msg("CI is set, so this fails instead of skipping: " __VA_ARGS__); \
        print_message(__VA_ARGS__);                                             \
        print_message("\n");                                                    \
        skip();                                                                 \
    } while (0)

#endif

/* test_dirs.h: a fresh temporary directory per test, for the tests that
 * write files (cmocka setup and teardown functions). */
#ifndef RS_TEST_DIRS_H
#define RS_TEST_DIRS_H

#include <stddef.h>

/* Makes /tmp/rs_test_XXXXXX and puts its malloc'd path in *state. */
int rs_test_dir_setup(void **state);

/* Removes the directory in *state with everything in it, frees the path. */
int rs_test_dir_teardown(void **state);

/* Writes text as the file dir/name (the test fails if it cannot); its
 * path in buf. */
void rs_test_write_file(const char *dir, const char *name, const char *text, char *buf,
                        size_t size);

#endif

/* test_dirs.h: a fresh temporary directory per test, for the tests that
 * write files (cmocka setup and teardown functions). */
#ifndef RS_TEST_DIRS_H
#define RS_TEST_DIRS_H

/* Makes /tmp/rs_test_XXXXXX and puts its malloc'd path in *state. */
int rs_test_dir_setup(void **state);

/* Removes the directory in *state with everything in it, frees the path. */
int rs_test_dir_teardown(void **state);

#endif

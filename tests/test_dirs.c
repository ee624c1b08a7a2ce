/* test_dirs.c: a fresh temporary directory per test (test_dirs.h). */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "rs_test.h"
#include "test_dirs.h"

/* nftw callback removing one entry. */
static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

int rs_test_dir_setup(void **state)
{
    char *d = malloc(64);
    if (!d) return -1;
    snprintf(d, 64, "/tmp/rs_test_XXXXXX");
    if (!mkdtemp(d)) {
        free(d);
        return -1;
    }
    *state = d;
    return 0;
}

int rs_test_dir_teardown(void **state)
{
    nftw((char *)*state, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(*state);
    return 0;
}

void rs_test_write_file(const char *dir, const char *name, const char *text, char *buf,
                        size_t size)
{
    snprintf(buf, size, "%s/%s", dir, name);
    FILE *f = fopen(buf, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
}

/* test_model_bad.c: the catalogue of bad model files (tests/models/bad):
 * each must be refused with exactly the first error line listed in
 * tests/models/bad/EXPECTED ("file.yaml<TAB>file.yaml:line:col: message"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rs_test.h"

static void catalogue_matches(void **state)
{
    (void)state;
    assert_int_equal(chdir(RS_SOURCE_DIR "/tests/models/bad"), 0);
    FILE *f = fopen("EXPECTED", "r");
    assert_non_null(f);
    char line[2048];
    int n = 0, failed = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!line[0] || line[0] == '#') continue;
        char *tab = strchr(line, '\t');
        assert_non_null(tab);
        *tab = '\0';
        const char *file = line, *want = tab + 1;
        rs_model *m = NULL;
        rs_errors errs;
        rs_status s = rs_model_load(&m, file, NULL, 0, &errs);
        char got[1200] = "(loaded without error)";
        if (s != RS_OK && errs.count > 0) rs_error_format(&errs.item[0], got, sizeof got);
        if (s == RS_OK || strcmp(got, want) != 0) {
            fprintf(stderr, "%s:\n  expected: %s\n  got:      %s\n", file, want, got);
            failed++;
        }
        assert_null(s == RS_OK ? NULL : m);
        rs_model_destroy(m);
        n++;
    }
    fclose(f);
    fprintf(stderr, "%d bad models checked\n", n);
    assert_true(n >= 40);
    assert_int_equal(failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(catalogue_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

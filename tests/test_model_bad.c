/* test_model_bad.c: the catalogue of bad model files (tests/models/bad):
 * each must be refused with exactly the first error line listed in
 * tests/models/bad/EXPECTED ("file.yaml<TAB>file.yaml:line:col: message"),
 * and EXPECTED lists every .yaml file of the directory exactly once (a file
 * added without its expectation, or an entry without its file, fails). */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rs_test.h"

#define MAX_FILES 1024

/* The names of the directory's *.yaml files (malloc'd) into names; their
 * count. */
static int yaml_files(char *names[MAX_FILES])
{
    DIR *dir = opendir(".");
    assert_non_null(dir);
    int n = 0;
    for (struct dirent *e; (e = readdir(dir));) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0) continue;
        assert_true(n < MAX_FILES);
        names[n] = malloc(len + 1);
        assert_non_null(names[n]);
        memcpy(names[n++], e->d_name, len + 1);
    }
    closedir(dir);
    return n;
}

static void catalogue_matches(void **state)
{
    (void)state;
    assert_int_equal(chdir(RS_SOURCE_DIR "/tests/models/bad"), 0);
    char *files[MAX_FILES];
    int listed[MAX_FILES] = {0};
    const int nfiles = yaml_files(files);
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
        const char *file = line;
        char *want = tab + 1;
        int k = 0;
        while (k < nfiles && strcmp(files[k], file) != 0) k++;
        if (k == nfiles) {
            fprintf(stderr, "%s: listed in EXPECTED but no such file\n", file);
            failed++;
        } else if (listed[k]++) {
            fprintf(stderr, "%s: listed twice in EXPECTED\n", file);
            failed++;
        }
        /* {MEMORY_GB} stands for this machine's memory as messages print
         * it (%.3g GB), so a message that names it is checked anywhere. */
        char *mem = strstr(want, "{MEMORY_GB}");
        if (mem) {
            char tail[1200], gb[32];
            snprintf(tail, sizeof tail, "%s", mem + strlen("{MEMORY_GB}"));
            snprintf(gb, sizeof gb, "%.3g", rs_memory_available() / 1e9);
            snprintf(mem, sizeof line - (size_t)(mem - line), "%s%s", gb, tail);
        }
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
    for (int k = 0; k < nfiles; k++) {
        if (!listed[k]) {
            fprintf(stderr, "%s: not in EXPECTED (add its first error line)\n", files[k]);
            failed++;
        }
        free(files[k]);
    }
    fprintf(stderr, "%d bad models checked, %d files in the directory\n", n, nfiles);
    assert_int_equal(n, nfiles);
    assert_true(n >= 40); /* the catalogue is really there */
    assert_int_equal(failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(catalogue_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

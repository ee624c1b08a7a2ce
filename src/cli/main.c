/* main.c: the regensim command-line program (placeholder). */
#include <stdio.h>
#include <string.h>

#include "regensim/regensim.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("regensim %s\n", rs_version());
        return 0;
    }
    fprintf(stderr, "usage: regensim --version\n");
    return 2;
}

/* cli.h: what the regensim program's command files share. Only src/cli
 * prints or exits; the library reports through rs_error and rs_logger. */
#ifndef RS_CLI_H
#define RS_CLI_H

#include "regensim/regensim.h"

/* Exit codes (interface): 0 ok, 1 run failed, 2 bad input or usage. */
enum { RS_EXIT_OK = 0, RS_EXIT_FAILED = 1, RS_EXIT_USAGE = 2 };

/* A subcommand: its name, a one-line summary, and its entry point, which
 * gets argv with argv[0] = the command name and returns an exit code. */
typedef struct rs_cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} rs_cli_command;

/* Prints an error record as "regensim: file:line:col: message". */
void rs_cli_print_error(const rs_error *err);

/* Exit code for a library status: 2 for bad input, 1 for failures. */
int rs_cli_exit_code(rs_status s);

/* A logger that prints warnings and errors to stderr. */
rs_logger rs_cli_logger(void);

int rs_cli_demo(int argc, char **argv);

#endif

/* cli.h: what the regensim program's command files share. Only src/cli
 * prints or exits; the library reports through rs_error and rs_logger. */
#ifndef RS_CLI_H
#define RS_CLI_H

#include <stdio.h>

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

/* A duration for people: "12.3 s", "4 min 05 s", "2 h 03 min" ("?" if
 * negative, NaN or absurd). */
void rs_cli_format_duration(double s, char *buf, size_t size);

/* The value v of option name as a whole number in [lo, hi], or -1 (the
 * message printed). */
long rs_cli_count_arg(const char *name, const char *v, long lo, long hi);

/* A progress line on stderr: rewritten in place on a terminal (tty: padded
 * over a longer previous line, ended when final), else printed as a plain
 * "regensim: LINE" line. len: the characters on screen. */
typedef struct rs_cli_line {
    int tty, len;
} rs_cli_line;
void rs_cli_line_print(rs_cli_line *l, const char *text, int final);

/* A logger that prints warnings and errors to stderr. */
rs_logger rs_cli_logger(void);

/* Arguments of the commands that take a model (validate, info). */
typedef struct rs_cli_model_args {
    const char *path;
    const char **sets; /* --set PATH=VALUE, in order */
    int nsets;
    int allow_resolved, resolved;
} rs_cli_model_args;

/* Parses MODEL, --set and --help (and --resolved when the caller set
 * a->allow_resolved); returns -1 to go on, or an exit code. Free a->sets
 * afterwards. */
int rs_cli_parse_model_args(int argc, char **argv, rs_cli_model_args *a,
                            void (*usage)(FILE *));

/* Loads a->path with the overrides; prints every error. Returns an exit code. */
int rs_cli_load_model(const rs_cli_model_args *a, rs_model **m);

int rs_cli_demo(int argc, char **argv);
int rs_cli_validate(int argc, char **argv);
int rs_cli_info(int argc, char **argv);
int rs_cli_run(int argc, char **argv);
int rs_cli_sweep(int argc, char **argv);

#endif

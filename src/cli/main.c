/* main.c: the regensim program: global options (--help, --version) and
 * dispatch to a subcommand. Each subcommand lives in its own file. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const rs_cli_command commands[] = {
    {"demo", "run the built-in diffusion demo and print its figures", rs_cli_demo},
    {"validate", "check a model file and print a summary or every error", rs_cli_validate},
    {"info", "what a model asks of the machine; --resolved: the resolved model", rs_cli_info},
    {"run", "run a model: snapshots, metrics and checkpoints in OUT", rs_cli_run},
    {"sweep", "run a parameter sweep (locally or over MPI): a summary row per run",
     rs_cli_sweep},
};
#define NCOMMANDS ((int)(sizeof commands / sizeof commands[0]))

static void usage(FILE *to)
{
    fprintf(to,
            "usage: regensim [--version] [--help] COMMAND [ARGS]\n"
            "\n"
            "Simulates neural tissue damage and repair: reaction-diffusion fields\n"
            "coupled to cells. Units: micrometres and minutes.\n"
            "\n"
            "commands:\n");
    for (int i = 0; i < NCOMMANDS; i++)
        fprintf(to, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(to, "\n'regensim COMMAND --help' describes a command.\n"
                "exit codes: 0 ok, 1 run failed, 2 bad input or usage\n");
}

void rs_cli_print_error(const rs_error *err)
{
    char buf[1024];
    rs_error_format(err, buf, sizeof buf);
    fprintf(stderr, "regensim: %s\n", buf);
}

/* "12.3 s", "4 min 05 s", "2 h 03 min". */
void rs_cli_format_duration(double s, char *buf, size_t size)
{
    if (!(s >= 0) || s > 1e9) {
        snprintf(buf, size, "?");
    } else if (s < 60) {
        snprintf(buf, size, "%.1f s", s);
    } else if (s < 3600) {
        long t = lround(s);
        snprintf(buf, size, "%ld min %02ld s", t / 60, t % 60);
    } else {
        long t = lround(s / 60);
        snprintf(buf, size, "%ld h %02ld min", t / 60, t % 60);
    }
}

void rs_cli_line_print(rs_cli_line *l, const char *text, int final)
{
    int len = (int)strlen(text);
    if (l->tty) {
        int pad = l->len > len ? l->len - len : 0;
        fprintf(stderr, "\r%s%*s%s", text, pad, "", final ? "\n" : "");
        l->len = final ? 0 : len;
    } else {
        fprintf(stderr, "regensim: %s\n", text);
    }
    fflush(stderr);
}

long rs_cli_count_arg(const char *name, const char *v, long lo, long hi)
{
    char *end = NULL;
    long x = v ? strtol(v, &end, 10) : 0;
    if (!v || !*v || *end || x < lo || x > hi) {
        fprintf(stderr, "regensim: %s %s: expected a whole number from %ld to %ld\n", name,
                v ? v : "(missing)", lo, hi);
        return -1;
    }
    return x;
}

int rs_cli_exit_code(rs_status s)
{
    switch (s) {
    case RS_OK: return RS_EXIT_OK;
    case RS_EINVAL:
    case RS_EUNSTABLE:
    case RS_EUNSUPPORTED:
    case RS_ETOOBIG: return RS_EXIT_USAGE;
    default: return RS_EXIT_FAILED;
    }
}

static void print_log(void *user, rs_log_level level, const char *msg)
{
    (void)user;
    fprintf(stderr, "regensim: %s: %s\n", rs_log_level_name(level), msg);
}

rs_logger rs_cli_logger(void)
{
    rs_logger lg = {print_log, NULL, RS_LOG_WARN};
    return lg;
}

/* Runs the command, then makes sure what it printed reached stdout: a
 * write error (a full disk, a closed pipe, > /dev/full) is a failure. */
static int finish(int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "regensim: cannot write the output to stdout: %s\n", strerror(errno));
        return rc == RS_EXIT_OK ? RS_EXIT_FAILED : rc;
    }
    return rc;
}

int main(int argc, char **argv)
{
    rs_io_skip_exit_cleanup(); /* before any HDF5 call: see regensim/io.h */
    if (argc < 2) {
        usage(stderr);
        return RS_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("regensim %s\n", rs_version());
        return finish(RS_EXIT_OK);
    }
    /* `regensim help run` is `regensim run --help` */
    if (strcmp(argv[1], "help") == 0 && argc > 2) {
        for (int i = 0; i < NCOMMANDS; i++)
            if (strcmp(argv[2], commands[i].name) == 0) {
                char *hargv[3] = {argv[2], "--help", NULL};
                return finish(commands[i].run(2, hargv));
            }
        fprintf(stderr, "regensim: help: unknown command '%s'\n\n", argv[2]);
        usage(stderr);
        return RS_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return finish(RS_EXIT_OK);
    }
    for (int i = 0; i < NCOMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return finish(commands[i].run(argc - 1, argv + 1));
    fprintf(stderr, "regensim: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return RS_EXIT_USAGE;
}

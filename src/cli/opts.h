/*
 * opts.h - table-driven command-line options for the clgan subcommands: one table per command
 * gives each option's name, type, range and help; parsing checks every value and reports the
 * first bad one in a single line naming the flag; --help text comes from the same table.
 */
#ifndef CLGAN_CLI_OPTS_H
#define CLGAN_CLI_OPTS_H

#include <stddef.h>

enum opt_type {
    OPT_FLAG,   /* no value; sets int to 1 */
    OPT_INT,    /* int within [min, max] */
    OPT_LONG,   /* long long within [min, max] (e.g. seeds, iteration caps) */
    OPT_FLOAT,  /* double within [min, max] */
    OPT_STRING, /* const char * (points into argv) */
    OPT_CHOICE, /* const char *, one of choices ("a|b|c") */
};

struct opt {
    const char *name; /* "--batch" */
    enum opt_type type;
    void *dst;
    double min, max;
    const char *choices; /* OPT_CHOICE: "ns|minimax" */
    const char *meta;    /* "N", "SPEC", "DIR" */
    const char *help;
};

/*
 * Parse argv[first..argc) against opts (terminated by an entry with name NULL). Positional
 * arguments are not accepted unless pos/n_pos are given. On error writes one line into err and
 * returns -1; returns 1 when --help was asked (help printed to stdout), 0 on success.
 */
int clgan_opts_parse(const struct opt *opts, int argc, char **argv, int first, const char *usage,
                     const char **pos, int *n_pos, int max_pos, char *err, size_t err_len);

/* Print the usage line and one line per option with its default value. */
void clgan_opts_help(const struct opt *opts, const char *usage);

/* Parse one value for one option (also used by the fuzz target). */
int clgan_opt_set(const struct opt *o, const char *val, char *err, size_t err_len);

#endif /* CLGAN_CLI_OPTS_H */

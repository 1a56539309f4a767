/*
 * opts.h - table-driven command-line options for the clgan subcommands: one table per command
 * gives each option's name, type, range and help; parsing checks every value and reports the
 * first bad one in a single line naming the flag; --help text comes from the same table.
 *
 * As people type them: "--name value" or "--name=value"; "--" ends the options (what follows is
 * positional); --help (-h) and --version work everywhere; an unknown option gets the closest
 * known name suggested; "~" and "~/..." in path values (and after "scheme:" in data specs such as
 * folder:~/imgs) are expanded from $HOME, as the shell does for unquoted words.
 */
#ifndef CLGAN_CLI_OPTS_H
#define CLGAN_CLI_OPTS_H

#include <stddef.h>

/* The exit codes of every clgan command, as --help lists them. */
#define CLGAN_CLI_EXIT_CODES                                                                       \
    "exit codes: 0 done; 1 failed while running (a file, the data, the device, a failed check);\n" \
    "            2 usage error (an unknown command or option, a bad, missing or conflicting\n"     \
    "            value); 130 interrupted (Ctrl-C); 128 + N ended by signal N (143 SIGTERM)"

enum opt_type {
    OPT_FLAG,   /* no value; sets int to 1 */
    OPT_INT,    /* int within [min, max] */
    OPT_LONG,   /* long long within [min, max] (e.g. seeds, iteration caps) */
    OPT_FLOAT,  /* double within [min, max] */
    OPT_STRING, /* const char * (points into argv) */
    OPT_CHOICE, /* const char *, one of choices ("a|b|c") */
    OPT_PATH,   /* const char *, a file or folder: "~" and "~/..." expanded */
    OPT_DATA,   /* const char *, a data spec ("scheme:PATH" or PATH): "~" expanded in the path */
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
 * arguments are not accepted unless pos/n_pos are given (at most max_pos of them); after "--"
 * every argument is positional. On error writes one line into err and returns -1; returns 1 when
 * --help or --version was asked (printed to stdout), 0 on success.
 */
int clgan_opts_parse(const struct opt *opts, int argc, char **argv, int first, const char *usage,
                     const char **pos, int *n_pos, int max_pos, char *err, size_t err_len);

/* Print the usage line and one line per option with its default value. */
void clgan_opts_help(const struct opt *opts, const char *usage);

/* Parse one value for one option (also used by the fuzz target). */
int clgan_opt_set(const struct opt *o, const char *val, char *err, size_t err_len);

/* Print "clgan X.Y.Z" to stdout (what --version prints). */
void clgan_opts_version(void);

/*
 * The name among names[0..n) closest to word, or NULL when none is close enough to be what was
 * meant (a typo: an edit distance of 1 for short names, up to 3 for long ones, ignoring case,
 * leading dashes and the difference between '-' and '_'; or word starting with a name of 4 or
 * more characters, as --batchSize for --batch). Ties go to the earlier name.
 */
const char *clgan_opts_closest(const char *word, const char *const *names, int n);

/*
 * val with a leading "~" or "~/" replaced by the home folder ($HOME, else the password
 * database's); with spec, also "scheme:~/..." (folder:~/imgs). Other values, "~user" included,
 * come back unchanged. The expansion lives as long as the process. NULL with one line in err
 * naming opt when there is no home folder or no memory.
 */
const char *clgan_opts_expand_home(const char *opt, const char *val, int spec, char *err,
                                   size_t err_len);

#endif /* CLGAN_CLI_OPTS_H */

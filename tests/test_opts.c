/* labels: unit; timeout: 60 */
/*
 * test_opts.c - the command-line option parser (src/cli/opts.c, compiled in from the CLI): every
 * type, range edges held exactly (an integer bound of 2^53, an int option whose table range is
 * wider than int), choices, flags, positional arguments and the one-line errors; "--" ending the
 * options, "did you mean" suggestions, "~" expansion in paths and data specs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/opts.h"
#include "harness.h"

static int flag, batch, wide;
static long long iters, seed;
static double lr;
static const char *name, *loss, *path, *data;

static const struct opt table[] = {
    {"--flag", OPT_FLAG, &flag, 0, 0, NULL, NULL, "a flag"},
    {"--batch", OPT_INT, &batch, 1, 65536, NULL, "N", "batch size"},
    {"--wide", OPT_INT, &wide, -1e12, 1e12, NULL, "N", "int, table range wider than int"},
    {"--iters", OPT_LONG, &iters, 0, 9007199254740992.0, NULL, "N", "up to 2^53"},
    {"--seed", OPT_LONG, &seed, 0, 9223372036854775807.0, NULL, "N", "a seed"},
    {"--lr", OPT_FLOAT, &lr, 0, 1, NULL, "X", "learning rate"},
    {"--name", OPT_STRING, &name, 0, 0, NULL, "S", "a string"},
    {"--loss", OPT_CHOICE, &loss, 0, 0, NULL, "L", "a choice"},
    {"--path", OPT_PATH, &path, 0, 0, NULL, "FILE", "a path"},
    {"--data", OPT_DATA, &data, 0, 0, NULL, "SPEC", "a data spec"},
    {"--image-size", OPT_INT, &wide, 0, 4096, NULL, "N", "a name with a dash"},
    {NULL, OPT_FLAG, NULL, 0, 0, NULL, NULL, NULL},
};

static char err[256];

/* clgan_opt_set on the option called opt; returns its result. */
static int set(const char *opt, const char *val)
{
    err[0] = 0;
    for (const struct opt *o = table; o->name; o++)
        if (!strcmp(o->name, opt))
            return clgan_opt_set(o, val, err, sizeof(err));
    return -2;
}

static void test_integers(void)
{
    int rc = set("--iters", "9007199254740992");
    th_expect(rc == 0 && iters == 9007199254740992LL, "opts_long_at_max", NULL, "%lld %s", iters,
              err);
    /* 2^53 + 1 is 2^53 as a double: the bound must be compared as an integer */
    iters = 0;
    rc = set("--iters", "9007199254740993");
    th_expect(rc == -1 && iters == 0 && strstr(err, "out of range [0, 9007199254740992]"),
              "opts_long_above_max_by_one", NULL, "rc %d iters %lld: %s", rc, iters, err);
    rc = set("--seed", "9223372036854775807");
    th_expect(rc == 0 && seed == 9223372036854775807LL, "opts_long_llong_max", NULL, "%s", err);
    rc = set("--seed", "9223372036854775808");
    th_expect(rc == -1 && strstr(err, "not an integer"), "opts_long_overflow", NULL, "%s", err);
    rc = set("--seed", "-1");
    th_expect(rc == -1 && strstr(err, "out of range"), "opts_long_below_min", NULL, "%s", err);

    /* an int option holds at most INT_MAX whatever its table says; no wrap to negative */
    wide = 0;
    rc = set("--wide", "2147483647");
    th_expect(rc == 0 && wide == 2147483647, "opts_int_at_int_max", NULL, "%d %s", wide, err);
    wide = 0;
    rc = set("--wide", "2147483648");
    th_expect(rc == -1 && wide == 0 && strstr(err, "2147483648 is out of range"),
              "opts_int_beyond_int", NULL, "rc %d wide %d: %s", rc, wide, err);
    rc = set("--wide", "-2147483649");
    th_expect(rc == -1 && wide == 0, "opts_int_below_int", NULL, "rc %d: %s", rc, err);

    rc = set("--batch", "0");
    th_expect(rc == -1 && !strcmp(err, "--batch: 0 is out of range [1, 65536]"),
              "opts_int_below_min", NULL, "%s", err);
    rc = set("--batch", "12x");
    th_expect(rc == -1 && strstr(err, "'12x' is not an integer"), "opts_int_garbage", NULL, "%s",
              err);
    rc = set("--batch", "");
    th_expect(rc == -1 && err[0], "opts_int_empty", NULL, "%s", err);
}

static void test_others(void)
{
    int rc = set("--lr", "2e-4");
    th_expect(rc == 0 && lr == 2e-4, "opts_float", NULL, "%g %s", lr, err);
    rc = set("--lr", "nan");
    th_expect(rc == -1 && strstr(err, "not a finite number"), "opts_float_nan", NULL, "%s", err);
    rc = set("--lr", "1.5");
    th_expect(rc == -1 && strstr(err, "out of range"), "opts_float_range", NULL, "%s", err);
    rc = set("--name", "");
    th_expect(rc == -1 && strstr(err, "empty value"), "opts_string_empty", NULL, "%s", err);

    char a0[] = "clgan", a1[] = "--batch=32", a2[] = "--flag", a3[] = "in.csv", a4[] = "--lr",
         a5[] = "0.5", a6[] = "out";
    char *argv[] = {a0, a1, a2, a3, a4, a5, a6, NULL};
    const char *pos[2] = {NULL, NULL};
    int n_pos = 0;
    flag = 0;
    rc = clgan_opts_parse(table, 7, argv, 1, "usage", pos, &n_pos, 2, err, sizeof(err));
    int ok = rc == 0 && batch == 32 && flag == 1 && lr == 0.5 && n_pos == 2 &&
             !strcmp(pos[0], "in.csv") && !strcmp(pos[1], "out");
    th_expect(ok, "opts_parse_argv", NULL, "rc %d: %s", rc, err);
    rc = clgan_opts_parse(table, 7, argv, 1, "usage", NULL, NULL, 0, err, sizeof(err));
    th_expect(rc == -1 && strstr(err, "unexpected argument 'in.csv'"), "opts_parse_positional",
              NULL, "%s", err);
    char b1[] = "--flag=1";
    char *argv2[] = {a0, b1, NULL};
    rc = clgan_opts_parse(table, 2, argv2, 1, "usage", NULL, NULL, 0, err, sizeof(err));
    th_expect(rc == -1 && strstr(err, "takes no value"), "opts_parse_flag_value", NULL, "%s", err);
    char c1[] = "--iters";
    char *argv3[] = {a0, c1, NULL};
    rc = clgan_opts_parse(table, 2, argv3, 1, "usage", NULL, NULL, 0, err, sizeof(err));
    th_expect(rc == -1 && strstr(err, "--iters needs a value N"), "opts_parse_missing_value", NULL,
              "%s", err);
}

/* clgan_opts_parse over the words of a NULL-terminated list; err holds the message. */
static int parse_words(const char *const *words, const char **pos, int *n_pos, int max_pos)
{
    static char buf[16][64];
    char *argv[17];
    int argc = 0;
    for (; words[argc] && argc < 16; argc++) {
        snprintf(buf[argc], sizeof(buf[argc]), "%s", words[argc]);
        argv[argc] = buf[argc];
    }
    argv[argc] = NULL;
    err[0] = 0;
    return clgan_opts_parse(table, argc, argv, 1, "usage", pos, n_pos, max_pos, err, sizeof(err));
}

static void test_double_dash(void)
{
    const char *pos[3] = {NULL, NULL, NULL};
    int n_pos = 0;
    batch = 7;
    const char *w1[] = {"clgan", "--batch", "9", "--", "--batch", "--help", NULL};
    int rc = parse_words(w1, pos, &n_pos, 3);
    th_expect(rc == 0 && batch == 9 && n_pos == 2 && !strcmp(pos[0], "--batch") &&
                  !strcmp(pos[1], "--help"),
              "opts_double_dash_ends_options", NULL, "rc %d batch %d n_pos %d: %s", rc, batch,
              n_pos, err);
    const char *w2[] = {"clgan", "--", "x", NULL};
    rc = parse_words(w2, NULL, NULL, 0);
    th_expect(rc == -1 && !strcmp(err, "unexpected argument 'x' (this command takes none)"),
              "opts_double_dash_no_positionals", NULL, "rc %d: %s", rc, err);
    const char *w3[] = {"clgan", "--", "a", "b", NULL};
    rc = parse_words(w3, pos, &n_pos, 1);
    th_expect(rc == -1 && strstr(err, "unexpected argument 'b'"), "opts_double_dash_too_many", NULL,
              "rc %d: %s", rc, err);
    /* a second "--" after the first is an argument like any other */
    const char *w4[] = {"clgan", "--", "--", NULL};
    rc = parse_words(w4, pos, &n_pos, 3);
    th_expect(rc == 0 && n_pos == 1 && !strcmp(pos[0], "--"), "opts_double_dash_twice", NULL,
              "rc %d n_pos %d: %s", rc, n_pos, err);
    /* "-" (standard input) and negative numbers stay arguments */
    const char *w5[] = {"clgan", "-", "-3", NULL};
    rc = parse_words(w5, pos, &n_pos, 3);
    th_expect(rc == 0 && n_pos == 2 && !strcmp(pos[0], "-") && !strcmp(pos[1], "-3"),
              "opts_dash_and_negative_are_arguments", NULL, "rc %d n_pos %d: %s", rc, n_pos, err);
}

static void test_suggestions(void)
{
    static const struct {
        const char *typed, *want; /* want NULL: no suggestion */
    } cases[] = {
        {"--bacth", "--batch"},           /* transposition */
        {"--batc", "--batch"},            /* deletion */
        {"--batchSize", "--batch"},       /* PyTorch's spelling: the name with more after it */
        {"--imageSize", "--image-size"},  /* case and the dash ignored */
        {"--image_size", "--image-size"}, /* '_' for '-' */
        {"-batch", "--batch"},            /* one dash */
        {"--lrr", "--lr"},
        {"--verison", "--version"},
        {"--hlep", "--help"},
        {"--zzzzzz", NULL}, /* nothing near */
        {"--b", NULL},      /* too short to guess */
        {"--names", "--name"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *w[] = {"clgan", cases[i].typed, NULL};
        int rc = parse_words(w, NULL, NULL, 0);
        char want[128];
        if (cases[i].want)
            snprintf(want, sizeof(want), "unknown option '%s' (did you mean %s?)", cases[i].typed,
                     cases[i].want);
        else
            snprintf(want, sizeof(want), "unknown option '%s' (see --help)", cases[i].typed);
        char name_buf[96];
        snprintf(name_buf, sizeof(name_buf), "opts_suggest(%s)", cases[i].typed);
        th_expect(rc == -1 && !strcmp(err, want), name_buf, NULL, "rc %d: '%s', want '%s'", rc, err,
                  want);
    }
    /* the value after '=' is not part of the name compared */
    const char *w[] = {"clgan", "--bacth=3", NULL};
    int rc = parse_words(w, NULL, NULL, 0);
    th_expect(rc == -1 && !strcmp(err, "unknown option '--bacth' (did you mean --batch?)"),
              "opts_suggest_with_value", NULL, "%s", err);
    const char *const cmds[] = {"devices", "train",    "arch",  "sample", "augment",
                                "mlp",     "classify", "check", "bench"};
    const char *c = clgan_opts_closest("trian", cmds, 9);
    th_expect(c && !strcmp(c, "train"), "opts_closest_command", NULL, "%s", c ? c : "NULL");
    c = clgan_opts_closest("benhc", cmds, 9);
    th_expect(c && !strcmp(c, "bench"), "opts_closest_command_2", NULL, "%s", c ? c : "NULL");
    c = clgan_opts_closest("frobnicate", cmds, 9);
    th_expect(!c, "opts_closest_none", NULL, "%s", c ? c : "NULL");
    c = clgan_opts_closest("", cmds, 9);
    th_expect(!c, "opts_closest_empty", NULL, "%s", c ? c : "NULL");
}

static void test_home(void)
{
    setenv("HOME", "/home/u", 1);
    int rc = set("--path", "~/runs/a");
    th_expect(rc == 0 && !strcmp(path, "/home/u/runs/a"), "opts_path_tilde_slash", NULL, "%s %s",
              path, err);
    rc = set("--path", "~");
    th_expect(rc == 0 && !strcmp(path, "/home/u"), "opts_path_tilde_alone", NULL, "%s", path);
    rc = set("--path", "~bob/x");
    th_expect(rc == 0 && !strcmp(path, "~bob/x"), "opts_path_tilde_user_kept", NULL, "%s", path);
    rc = set("--path", "a/~/b");
    th_expect(rc == 0 && !strcmp(path, "a/~/b"), "opts_path_tilde_inside_kept", NULL, "%s", path);
    rc = set("--path", "folder:~/x");
    th_expect(rc == 0 && !strcmp(path, "folder:~/x"), "opts_path_no_scheme", NULL, "%s", path);
    static const struct {
        const char *in, *out;
    } specs[] = {
        {"folder:~/imgs", "folder:/home/u/imgs"},
        {"idx:~/x.idx", "idx:/home/u/x.idx"},
        {"mnist:~", "mnist:/home/u"},
        {"~/d", "/home/u/d"},
        {"fashion-mnist", "fashion-mnist"},
        {"folder:a/~", "folder:a/~"},
        {"folder:~bob", "folder:~bob"},
        {"none", "none"},
    };
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
        rc = set("--data", specs[i].in);
        char nm[96];
        snprintf(nm, sizeof(nm), "opts_data_tilde(%s)", specs[i].in);
        th_expect(rc == 0 && !strcmp(data, specs[i].out), nm, NULL, "got '%s', want '%s' %s", data,
                  specs[i].out, err);
    }
    /* through the parser, "--opt=~/x" as well as "--opt ~/x" */
    const char *w[] = {"clgan", "--path=~/p", "--data", "idx:~/q", NULL};
    rc = parse_words(w, NULL, NULL, 0);
    th_expect(rc == 0 && !strcmp(path, "/home/u/p") && !strcmp(data, "idx:/home/u/q"),
              "opts_parse_tilde", NULL, "rc %d %s %s %s", rc, path, data, err);
    /* a home of "/" gives "/x", not "//x" */
    setenv("HOME", "/", 1);
    rc = set("--path", "~/x");
    th_expect(rc == 0 && !strcmp(path, "/x"), "opts_path_tilde_root_home", NULL, "%s", path);
}

int main(int argc, char **argv)
{
    th_init(argc, argv, 0);
    test_integers();
    test_others();
    test_double_dash();
    test_suggestions();
    test_home();
    return th_finish();
}

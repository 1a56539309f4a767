/* labels: unit; timeout: 60 */
/*
 * test_opts.c - the command-line option parser (src/cli/opts.c, compiled in from the CLI): every
 * type, range edges held exactly (an integer bound of 2^53, an int option whose table range is
 * wider than int), choices, flags, positional arguments and the one-line errors.
 */
#include <stdio.h>
#include <string.h>

#include "cli/opts.h"
#include "harness.h"

static int flag, batch, wide;
static long long iters, seed;
static double lr;
static const char *name, *loss;

static const struct opt table[] = {
    {"--flag", OPT_FLAG, &flag, 0, 0, NULL, NULL, "a flag"},
    {"--batch", OPT_INT, &batch, 1, 65536, NULL, "N", "batch size"},
    {"--wide", OPT_INT, &wide, -1e12, 1e12, NULL, "N", "int, table range wider than int"},
    {"--iters", OPT_LONG, &iters, 0, 9007199254740992.0, NULL, "N", "up to 2^53"},
    {"--seed", OPT_LONG, &seed, 0, 9223372036854775807.0, NULL, "N", "a seed"},
    {"--lr", OPT_FLOAT, &lr, 0, 1, NULL, "X", "learning rate"},
    {"--name", OPT_STRING, &name, 0, 0, NULL, "S", "a string"},
    {"--loss", OPT_CHOICE, &loss, 0, 0, NULL, "L", "a choice"},
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

int main(int argc, char **argv)
{
    th_init(argc, argv, 0);
    test_integers();
    test_others();
    return th_finish();
}

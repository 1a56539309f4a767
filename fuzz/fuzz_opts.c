/*
 * fuzz_opts.c - command-line option values (cli/opts.h): clgan_opt_set on one option, and
 * clgan_opts_parse on an argv split from the input.
 *
 * The table has one option of each type with ranges like the real commands' (a batch size, a
 * seed, an iteration cap up to 2^53, a learning rate, a loss choice) and a few odd ones (an int
 * whose table range exceeds int, a choice list with empty entries). Input byte 0 picks the
 * mode: even, one option (byte 1) and its value (the rest); odd, argv = the rest split at
 * newlines and NUL bytes, with up to (byte 0 >> 1) % 4 positional arguments allowed. Whatever
 * is accepted must be in range and of the right form; a refusal must come with a message.
 */
#include <math.h>
#include <string.h>

#include "cli/opts.h"
#include "fuzz.h"

static int flag, batch, small, wide;
static long long seed, iters;
static double lr, scale;
static const char *name, *loss, *odd;

static const struct opt table[] = {
    {"--flag", OPT_FLAG, &flag, 0, 0, NULL, NULL, "a flag"},
    {"--batch", OPT_INT, &batch, 1, 65536, NULL, "N", "batch size"},
    {"--small", OPT_INT, &small, -3, 3, NULL, "N", "a small signed range"},
    {"--wide", OPT_INT, &wide, -1e12, 1e12, NULL, "N", "a range wider than int"},
    {"--seed", OPT_LONG, &seed, 0, 9223372036854775807.0, NULL, "N", "a seed"},
    {"--iters", OPT_LONG, &iters, 0, 9007199254740992.0, NULL, "N", "iterations up to 2^53"},
    {"--lr", OPT_FLOAT, &lr, 0, 1, NULL, "X", "learning rate"},
    {"--scale", OPT_FLOAT, &scale, -1e300, 1e300, NULL, "X", "a wide range"},
    {"--name", OPT_STRING, &name, 0, 0, NULL, "S", "a string"},
    {"--loss", OPT_CHOICE, &loss, 0, 0, "ns|minimax|ls", "L", "a choice"},
    {"--odd", OPT_CHOICE, &odd, 0, 0, "|a||bb|", "C", "a choice list with empty entries"},
    {NULL, OPT_FLAG, NULL, 0, 0, NULL, NULL, NULL},
};
#define N_OPTS (sizeof(table) / sizeof(table[0]) - 1)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    /* --help prints the table to stdout; keep the fuzzer's output readable */
    if (!freopen("/dev/null", "w", stdout))
        return 0;
    (void)argc;
    (void)argv;
    return 0;
}

static void reset(void)
{
    flag = 0;
    batch = 64;
    small = 0;
    wide = 0;
    seed = 0;
    iters = 0;
    lr = 2e-4;
    scale = 1;
    name = NULL;
    loss = "ns";
    odd = "a";
}

/* Is the choice value v one of the '|'-separated entries of list? */
static int listed(const char *list, const char *v)
{
    size_t n = strlen(v);
    for (const char *c = list;;) {
        const char *bar = strchr(c, '|');
        size_t len = bar ? (size_t)(bar - c) : strlen(c);
        if (len == n && !strncmp(c, v, n))
            return 1;
        if (!bar)
            return 0;
        c = bar + 1;
    }
}

/* Every value in the table is in range and of the right form. */
static void check_values(void)
{
    FUZZ_CHECK(flag == 0 || flag == 1, "flag %d", flag);
    FUZZ_CHECK(batch >= 1 && batch <= 65536, "batch %d", batch);
    FUZZ_CHECK(small >= -3 && small <= 3, "small %d", small);
    FUZZ_CHECK(seed >= 0, "seed %lld", seed);
    FUZZ_CHECK(iters >= 0 && iters <= 9007199254740992LL, "iters %lld", iters);
    FUZZ_CHECK(isfinite(lr) && lr >= 0 && lr <= 1, "lr %g", lr);
    FUZZ_CHECK(isfinite(scale) && scale >= -1e300 && scale <= 1e300, "scale %g", scale);
    FUZZ_CHECK(!name || *name, "empty name");
    FUZZ_CHECK(listed("ns|minimax|ls", loss), "loss '%s'", loss);
    FUZZ_CHECK(listed("|a||bb|", odd), "odd '%s'", odd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    reset();
    char err[128];
    memset(err, 0, sizeof(err));
    const uint8_t mode = data[0];
    if (!(mode & 1)) {
        const struct opt *o = &table[data[1] % N_OPTS];
        char *val = malloc(size - 1);
        FUZZ_CHECK(val, "out of memory");
        memcpy(val, data + 2, size - 2);
        val[size - 2] = 0;
        int rc = clgan_opt_set(o, val, err, sizeof(err));
        FUZZ_CHECK(rc == 0 || rc == -1, "rc %d", rc);
        if (rc)
            FUZZ_CHECK(err[0], "%s refused '%s' without a message", o->name, val);
        /* an accepted integer is stored as written, not rounded or wrapped */
        if (!rc && (o->type == OPT_INT || o->type == OPT_LONG)) {
            long long v = strtoll(val, NULL, 10);
            long long got = o->type == OPT_INT ? *(int *)o->dst : *(long long *)o->dst;
            FUZZ_CHECK(got == v, "%s '%s' stored as %lld", o->name, val, got);
        }
        check_values();
        free(val);
        return 0;
    }
    /* argv: the rest of the input, split at '\n' and NUL */
    size_t n = size - 1;
    char *buf = malloc(n + 1);
    char **argv = malloc((n + 3) * sizeof(*argv)); /* program name, n + 1 pieces, NULL */
    FUZZ_CHECK(buf && argv, "out of memory");
    memcpy(buf, data + 1, n);
    buf[n] = 0;
    int argc = 0;
    argv[argc++] = "clgan";
    for (char *s = buf, *end = buf + n;;) {
        char *cut = s;
        while (cut < end && *cut && *cut != '\n')
            cut++;
        *cut = 0;
        argv[argc++] = s;
        if (cut >= end)
            break;
        s = cut + 1;
    }
    argv[argc] = NULL;
    const char *pos[3] = {NULL, NULL, NULL};
    int n_pos = -1, max_pos = (mode >> 1) % 4;
    int rc = clgan_opts_parse(table, argc, argv, 1, "usage: fuzz [options]", max_pos ? pos : NULL,
                              max_pos ? &n_pos : NULL, max_pos ? max_pos : 0, err, sizeof(err));
    FUZZ_CHECK(rc >= -1 && rc <= 1, "rc %d", rc);
    if (rc == -1)
        FUZZ_CHECK(err[0], "refused without a message");
    if (max_pos) {
        FUZZ_CHECK(n_pos >= 0 && n_pos <= max_pos && n_pos <= 3, "%d positionals", n_pos);
        /* a positional that looks like an option comes after "--", which ends the options */
        int ended = argc;
        for (int i = 1; i < argc && ended == argc; i++)
            if (!strcmp(argv[i], "--"))
                ended = i;
        for (int i = 0; i < n_pos; i++) {
            int after = 0;
            for (int j = ended + 1; j < argc; j++)
                after |= pos[i] == argv[j];
            FUZZ_CHECK(pos[i] && (strncmp(pos[i], "--", 2) || after), "positional %d '%s'", i,
                       pos[i] ? pos[i] : "(null)");
        }
    }
    check_values();
    free(argv);
    free(buf);
    return 0;
}

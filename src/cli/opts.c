/* opts.c - see opts.h. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clgan.h"
#include "cli/opts.h"

static int in_choices(const char *choices, const char *v)
{
    size_t n = strlen(v);
    for (const char *c = choices; c && *c;) {
        const char *bar = strchr(c, '|');
        size_t len = bar ? (size_t)(bar - c) : strlen(c);
        if (len == n && !strncmp(c, v, n))
            return 1;
        c = bar ? bar + 1 : NULL;
    }
    return 0;
}

/* d as a long long within [lo, hi]: beyond either end (or NaN) gives that end. */
static long long clamp_ll(double d, long long lo, long long hi)
{
    if (!(d > (double)lo))
        return lo;
    /* (double)LLONG_MAX rounds up to 2^63, so >= catches everything that does not fit */
    if (d >= (double)hi)
        return hi;
    return (long long)d;
}

/*
 * The table's [min, max] of an integer option as integers, rounded inward and clipped to what
 * the destination holds. Comparing the value as a double instead would round it: 2^53 + 1
 * would pass a maximum of 2^53, and an int option would wrap values beyond INT_MAX.
 */
static void int_range(const struct opt *o, long long *lo, long long *hi)
{
    long long tmin = o->type == OPT_INT ? INT_MIN : LLONG_MIN;
    long long tmax = o->type == OPT_INT ? INT_MAX : LLONG_MAX;
    *lo = clamp_ll(ceil(o->min), tmin, tmax);
    *hi = clamp_ll(floor(o->max), tmin, tmax);
}

/* Expanded values, kept reachable for the life of the process (options point to them). */
struct kept {
    struct kept *next;
    char s[];
};
static struct kept *kept_list;

static const char *home_dir(void)
{
    const char *h = getenv("HOME");
    if (h && *h)
        return h;
    struct passwd *pw = getpwuid(getuid());
    return pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : NULL;
}

const char *clgan_opts_expand_home(const char *opt, const char *val, int spec, char *err,
                                   size_t err_len)
{
    const char *t = val;
    if (spec && *val != '~') {
        /* a scheme is a word of letters, digits and '-' before the first ':' */
        const char *c = val;
        while (isalnum((unsigned char)*c) || *c == '-')
            c++;
        if (c != val && *c == ':')
            t = c + 1;
    }
    if (t[0] != '~' || (t[1] && t[1] != '/'))
        return val;
    const char *home = home_dir();
    if (!home) {
        snprintf(err, err_len, "%s: cannot expand '~' in '%s': HOME is not set", opt, val);
        return NULL;
    }
    size_t pre = (size_t)(t - val), hl = strlen(home), rest = strlen(t + 1);
    /* "~/x" with HOME=/ is "/x", not "//x" */
    if (hl == 1 && home[0] == '/' && t[1] == '/')
        hl = 0;
    struct kept *k = malloc(sizeof(*k) + pre + hl + rest + 1);
    if (!k) {
        snprintf(err, err_len, "%s: out of memory", opt);
        return NULL;
    }
    memcpy(k->s, val, pre);
    memcpy(k->s + pre, home, hl);
    memcpy(k->s + pre + hl, t + 1, rest + 1);
    k->next = kept_list;
    kept_list = k;
    return k->s;
}

int clgan_opt_set(const struct opt *o, const char *val, char *err, size_t err_len)
{
    char *end = NULL;
    errno = 0;
    switch (o->type) {
    case OPT_FLAG:
        *(int *)o->dst = 1;
        return 0;
    case OPT_INT:
    case OPT_LONG: {
        long long v = strtoll(val, &end, 10);
        if (end == val || *end || errno == ERANGE) {
            snprintf(err, err_len, "%s: '%s' is not an integer", o->name, val);
            return -1;
        }
        long long lo, hi;
        int_range(o, &lo, &hi);
        if (v < lo || v > hi) {
            snprintf(err, err_len, "%s: %lld is out of range [%lld, %lld]", o->name, v, lo, hi);
            return -1;
        }
        if (o->type == OPT_INT)
            *(int *)o->dst = (int)v;
        else
            *(long long *)o->dst = v;
        return 0;
    }
    case OPT_FLOAT: {
        double v = strtod(val, &end);
        if (end == val || *end || errno == ERANGE || !isfinite(v)) {
            snprintf(err, err_len, "%s: '%s' is not a finite number", o->name, val);
            return -1;
        }
        if (v < o->min || v > o->max) {
            snprintf(err, err_len, "%s: %.10g is out of range [%.10g, %.10g]", o->name, v, o->min,
                     o->max);
            return -1;
        }
        *(double *)o->dst = v;
        return 0;
    }
    case OPT_STRING:
    case OPT_PATH:
    case OPT_DATA:
        if (!*val) {
            snprintf(err, err_len, "%s: empty value", o->name);
            return -1;
        }
        if (o->type != OPT_STRING &&
            !(val = clgan_opts_expand_home(o->name, val, o->type == OPT_DATA, err, err_len)))
            return -1;
        *(const char **)o->dst = val;
        return 0;
    case OPT_CHOICE:
        if (!in_choices(o->choices, val)) {
            snprintf(err, err_len, "%s: '%s' is not one of %s", o->name, val, o->choices);
            return -1;
        }
        *(const char **)o->dst = val;
        return 0;
    }
    snprintf(err, err_len, "%s: bad option table", o->name);
    return -1;
}

void clgan_opts_help(const struct opt *opts, const char *usage)
{
    printf("%s\n\noptions:\n", usage);
    for (const struct opt *o = opts; o->name; o++) {
        char left[64], def[64] = "";
        snprintf(left, sizeof(left), "%s%s%s", o->name, o->meta ? " " : "", o->meta ? o->meta : "");
        switch (o->type) {
        case OPT_INT:
            snprintf(def, sizeof(def), " (default %d)", *(int *)o->dst);
            break;
        case OPT_LONG:
            snprintf(def, sizeof(def), " (default %lld)", *(long long *)o->dst);
            break;
        case OPT_FLOAT:
            snprintf(def, sizeof(def), " (default %g)", *(double *)o->dst);
            break;
        case OPT_STRING:
        case OPT_PATH:
        case OPT_DATA:
        case OPT_CHOICE:
            if (*(const char **)o->dst)
                snprintf(def, sizeof(def), " (default %s)", *(const char **)o->dst);
            break;
        case OPT_FLAG:
            break;
        }
        printf("  %-22s %s%s\n", left, o->help, def);
    }
    printf("  %-22s %s\n  %-22s %s\n\n%s\n", "--help", "this text", "--version",
           "print the version", CLGAN_CLI_EXIT_CODES);
}

void clgan_opts_version(void)
{
    printf("clgan %s\n", clgan_version());
}

/* Lower case, no leading dashes, '_' as '-': how two option names are compared. */
static void normalise(const char *s, char *out, size_t len)
{
    size_t n = 0;
    while (*s == '-')
        s++;
    for (; *s && n + 1 < len; s++)
        out[n++] = *s == '_' ? '-' : (char)tolower((unsigned char)*s);
    out[n] = 0;
}

/* Edit distance with adjacent transpositions (optimal string alignment), for short strings. */
static int edit_distance(const char *a, const char *b)
{
    enum { MAXL = 64 };
    size_t la = strlen(a), lb = strlen(b);
    if (la >= MAXL || lb >= MAXL)
        return INT_MAX;
    int d[MAXL][MAXL];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int cost = a[i - 1] != b[j - 1];
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb];
}

const char *clgan_opts_closest(const char *word, const char *const *names, int n)
{
    char w[64], c[64];
    normalise(word, w, sizeof(w));
    if (!*w)
        return NULL;
    const char *best = NULL;
    int best_d = INT_MAX;
    for (int i = 0; i < n; i++) {
        normalise(names[i], c, sizeof(c));
        size_t lc = strlen(c);
        /* what a typo can change: 1 edit in names up to 4 characters, 2 up to 8, then 3 */
        int limit = lc <= 4 ? 1 : lc <= 8 ? 2 : 3;
        int d = edit_distance(w, c);
        if (d > limit && lc >= 4 && !strncmp(w, c, lc))
            d = limit; /* --batchSize, --iters-max: the name with more after it */
        if (d <= limit && d < best_d) {
            best = names[i];
            best_d = d;
        }
    }
    return best;
}

/* "unknown option '--x'", with the closest name of the table when one is close. */
static void unknown_option(const struct opt *opts, const char *a, size_t nl, char *err,
                           size_t err_len)
{
    const char *names[128];
    int n = 0;
    for (const struct opt *p = opts; p->name && n < 126; p++)
        names[n++] = p->name;
    names[n++] = "--help";
    names[n++] = "--version";
    char typed[64];
    snprintf(typed, sizeof(typed), "%.*s", (int)(nl < 63 ? nl : 63), a);
    const char *near = clgan_opts_closest(typed, names, n);
    if (near)
        snprintf(err, err_len, "unknown option '%.*s' (did you mean %s?)", (int)nl, a, near);
    else
        snprintf(err, err_len, "unknown option '%.*s' (see --help)", (int)nl, a);
}

int clgan_opts_parse(const struct opt *opts, int argc, char **argv, int first, const char *usage,
                     const char **pos, int *n_pos, int max_pos, char *err, size_t err_len)
{
    int only_pos = 0;
    if (n_pos)
        *n_pos = 0;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && !strcmp(a, "--")) {
            only_pos = 1;
            continue;
        }
        if (!only_pos && (!strcmp(a, "--help") || !strcmp(a, "-h"))) {
            clgan_opts_help(opts, usage);
            return 1;
        }
        if (!only_pos && !strcmp(a, "--version")) {
            clgan_opts_version();
            return 1;
        }
        /* "-" alone (standard input) and negative numbers are arguments; "-x" is a mistyped
         * option */
        int dash_word = a[0] == '-' && isalpha((unsigned char)a[1]);
        if (only_pos || (strncmp(a, "--", 2) && !dash_word)) {
            if (pos && n_pos && *n_pos < max_pos) {
                pos[(*n_pos)++] = a;
                continue;
            }
            if (!pos)
                snprintf(err, err_len, "unexpected argument '%s' (this command takes none)", a);
            else
                snprintf(err, err_len, "unexpected argument '%s' (at most %d)", a, max_pos);
            return -1;
        }
        const char *eq = strchr(a, '=');
        size_t nl = eq ? (size_t)(eq - a) : strlen(a);
        const struct opt *o = NULL;
        for (const struct opt *p = opts; p->name && !dash_word; p++)
            if (strlen(p->name) == nl && !strncmp(p->name, a, nl)) {
                o = p;
                break;
            }
        if (!o) {
            unknown_option(opts, a, nl, err, err_len);
            return -1;
        }
        const char *val = NULL;
        if (o->type == OPT_FLAG) {
            if (eq) {
                snprintf(err, err_len, "%s takes no value", o->name);
                return -1;
            }
        } else if (eq) {
            val = eq + 1;
        } else if (i + 1 < argc) {
            val = argv[++i];
        } else {
            snprintf(err, err_len, "%s needs a value%s%s", o->name, o->meta ? " " : "",
                     o->meta ? o->meta : "");
            return -1;
        }
        if (clgan_opt_set(o, val ? val : "", err, err_len))
            return -1;
    }
    return 0;
}

/* opts.c - see opts.h. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        if (!*val) {
            snprintf(err, err_len, "%s: empty value", o->name);
            return -1;
        }
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
        case OPT_CHOICE:
            if (*(const char **)o->dst)
                snprintf(def, sizeof(def), " (default %s)", *(const char **)o->dst);
            break;
        case OPT_FLAG:
            break;
        }
        printf("  %-22s %s%s\n", left, o->help, def);
    }
}

int clgan_opts_parse(const struct opt *opts, int argc, char **argv, int first, const char *usage,
                     const char **pos, int *n_pos, int max_pos, char *err, size_t err_len)
{
    if (n_pos)
        *n_pos = 0;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            clgan_opts_help(opts, usage);
            return 1;
        }
        if (strncmp(a, "--", 2)) {
            if (pos && n_pos && *n_pos < max_pos) {
                pos[(*n_pos)++] = a;
                continue;
            }
            snprintf(err, err_len, "unexpected argument '%s'", a);
            return -1;
        }
        const char *eq = strchr(a, '=');
        size_t nl = eq ? (size_t)(eq - a) : strlen(a);
        const struct opt *o = NULL;
        for (const struct opt *p = opts; p->name; p++)
            if (strlen(p->name) == nl && !strncmp(p->name, a, nl)) {
                o = p;
                break;
            }
        if (!o) {
            snprintf(err, err_len, "unknown option '%.*s' (see --help)", (int)nl, a);
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

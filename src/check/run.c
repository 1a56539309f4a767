/*
 * run.c - clgan_check_run: the table of op families, the size policy per device class, and the
 * helpers of runner.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check/runner.h"

/* One row per op family: the prefix of all its case names and the function that runs them. */
static const struct family {
    const char *prefix;
    void (*run)(struct chk *c);
} families[] = {
    {"gemm", clgan_check_gemm},   {"conv", clgan_check_conv}, {"linear", clgan_check_linear},
    {"bn", clgan_check_bn},       {"act", clgan_check_act},   {"loss", clgan_check_loss},
    {"rng", clgan_check_rng},     {"opt", clgan_check_opt},   {"join", clgan_check_join},
    {"model", clgan_check_model},
};

/* Per size class: full on GPUs and PoCL, reduced on llvmpipe, tiny on the simulator. */
static const struct chk_policy policies[] = {
    [CLGAN_CHECK_FULL] = {1, 16, 64, 2, 100003, 129, 65, 257},
    [CLGAN_CHECK_REDUCED] = {4, 4, 4, 1, 100003, 129, 65, 257},
    [CLGAN_CHECK_TINY] = {16, 1, 4, 0, 1003, 13, 7, 19},
};

struct clgan_check_params clgan_check_default_params(void)
{
    struct clgan_check_params p = {NULL, -1, 0x636865636bull};
    return p;
}

static int has_word(const char *hay, const char *needle)
{
    for (size_t n = strlen(needle); *hay; hay++)
        if (!strncasecmp(hay, needle, n))
            return 1;
    return 0;
}

enum clgan_check_size clgan_check_size_of(const struct clgan_device_info *d)
{
    if (d->kind == CLGAN_KIND_SIMULATOR)
        return CLGAN_CHECK_TINY;
    if (has_word(d->name, "llvmpipe") || has_word(d->platform_name, "clover"))
        return CLGAN_CHECK_REDUCED;
    return CLGAN_CHECK_FULL;
}

const char *clgan_check_size_str(enum clgan_check_size size)
{
    switch (size) {
    case CLGAN_CHECK_FULL:
        return "full";
    case CLGAN_CHECK_REDUCED:
        return "reduced";
    case CLGAN_CHECK_TINY:
        return "tiny";
    }
    return "unknown";
}

clgan_status clgan_check_run(clgan_ctx *ctx, const struct clgan_check_params *p,
                             clgan_check_report_fn fn, void *user, int *passed, int *failed)
{
    if (passed)
        *passed = 0;
    if (failed)
        *failed = 0;
    if (!ctx || !p)
        return CLGAN_STATUS_INVALID_ARGUMENT;
    if (p->size < -1 || p->size > CLGAN_CHECK_TINY)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "check: unknown size class %d (full 0, reduced 1, tiny 2, -1 auto)",
                             p->size);
    struct chk *c = calloc(1, sizeof(*c));
    if (!c)
        return clgan_rt_fail(ctx, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "check: out of host memory");
    c->ctx = ctx;
    c->size =
        p->size < 0 ? clgan_check_size_of(clgan_ctx_device(ctx)) : (enum clgan_check_size)p->size;
    c->pol = &policies[c->size];
    c->filter = p->op && *p->op ? p->op : NULL;
    c->rng = p->seed;
    c->fn = fn;
    c->user = user;
    for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
        if (chk_want_case(c, families[i].prefix)) {
            families[i].run(c);
            chk_done(c);
        }
    if (passed)
        *passed = c->passed;
    if (failed)
        *failed = c->failed;
    free(c);
    return CLGAN_STATUS_OK;
}

/* ---------------------------------------------------------------- helpers */

int chk_want(const struct chk *c, const char *name)
{
    return !c->filter || !strncasecmp(name, c->filter, strlen(c->filter));
}

int chk_want_case(const struct chk *c, const char *stem)
{
    if (!c->filter)
        return 1;
    size_t ns = strlen(stem), nf = strlen(c->filter);
    return !strncasecmp(stem, c->filter, ns < nf ? ns : nf);
}

static float urand(struct chk *c)
{
    c->rng = c->rng * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((c->rng >> 40) * (1.0 / 16777216.0));
}

static void *keep_host(struct chk *c, void *p)
{
    if (!p || c->n_host == CHK_MAX_HOST) {
        free(p);
        if (!c->short_of)
            c->short_of = "host memory";
        return NULL;
    }
    c->host[c->n_host++] = p;
    return p;
}

float *chk_rand(struct chk *c, size_t n, float lo, float hi)
{
    float *p = keep_host(c, malloc((n ? n : 1) * sizeof(float)));
    for (size_t i = 0; p && i < n; i++)
        p[i] = lo + (hi - lo) * urand(c);
    return p;
}

float *chk_zeros(struct chk *c, size_t n)
{
    return keep_host(c, calloc(n ? n : 1, sizeof(float)));
}

cl_mem chk_up(struct chk *c, const float *x, size_t n)
{
    cl_mem m = NULL;
    size_t bytes = (n ? n : 1) * sizeof(float);
    if (c->n_mem == CHK_MAX_MEM ||
        clgan_rt_alloc(c->ctx, bytes, "check buffer", &m) != CLGAN_STATUS_OK ||
        (x && clgan_rt_write(c->ctx, m, 0, n * sizeof(float), x) != CLGAN_STATUS_OK)) {
        if (m)
            clgan_rt_release(c->ctx, m, bytes);
        if (!c->short_of)
            c->short_of = "device memory";
        return NULL;
    }
    c->mem[c->n_mem] = m;
    c->mem_n[c->n_mem++] = bytes;
    return m;
}

int32_t *chk_labels(struct chk *c, size_t n, int classes)
{
    int32_t *p = keep_host(c, malloc((n ? n : 1) * sizeof(int32_t)));
    for (size_t i = 0; p && i < n; i++)
        p[i] = i + 1 == n && n > 1 ? p[0] : (int32_t)(urand(c) * (float)classes) % classes;
    return p;
}

cl_mem chk_up_labels(struct chk *c, const int32_t *labels, size_t n)
{
    /* a float buffer of the same byte size, written with the labels' bytes */
    cl_mem m = chk_up(c, NULL, n);
    if (m && clgan_rt_write(c->ctx, m, 0, n * sizeof(int32_t), labels) != CLGAN_STATUS_OK) {
        if (!c->short_of)
            c->short_of = "device memory";
        return NULL;
    }
    return m;
}

float *chk_down(struct chk *c, cl_mem m, size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof(float));
    if (p && clgan_rt_read(c->ctx, m, 0, n * sizeof(float), p) != CLGAN_STATUS_OK) {
        free(p);
        return NULL;
    }
    return keep_host(c, p);
}

void chk_done(struct chk *c)
{
    for (int i = 0; i < c->n_mem; i++)
        clgan_rt_release(c->ctx, c->mem[i], c->mem_n[i]);
    for (int i = 0; i < c->n_host; i++)
        free(c->host[i]);
    c->n_mem = c->n_host = 0;
    c->short_of = NULL;
}

int chk_ready(struct chk *c, const char *name)
{
    if (!c->short_of)
        return 1;
    if (!strcmp(c->short_of, "device memory")) {
        chk_dev_error(c, name);
    } else {
        chk_fail(c, name, "out of host memory");
    }
    return 0;
}

static void report(struct chk *c, struct clgan_check_result *r)
{
    if (r->ok)
        c->passed++;
    else
        c->failed++;
    if (c->fn)
        c->fn(r, c->user);
}

void chk_compare(struct chk *c, const char *name, const float *got, const float *ref, size_t n,
                 double atol, double rtol, double max_nmse)
{
    struct clgan_check_cmp cmp;
    if (!chk_want(c, name))
        return;
    clgan_check_compare(got, ref, n, atol, rtol, max_nmse, &cmp);
    struct clgan_check_result r = {name, cmp.ok,   cmp.max_err, cmp.max_rel, cmp.nmse, atol,
                                   rtol, max_nmse, n,           cmp.n_bad,   NULL};
    report(c, &r);
}

/* A failure inside a selected case is always reported, even under a name the filter does not
 * select (a forward that fails before the wanted backward), so that none goes unseen. */
void chk_fail(struct chk *c, const char *name, const char *msg)
{
    struct clgan_check_result r = {name, 0, NAN, NAN, NAN, 0, 0, 0, 0, 0, msg ? msg : ""};
    report(c, &r);
}

void chk_dev_error(struct chk *c, const char *name)
{
    chk_fail(c, name, clgan_ctx_last_error(c->ctx));
}

int chk_dcgan(const struct chk *c, int which, struct clgan_check_dcgan *out, int *batch)
{
    int f = c->pol->div;
    if (which == 1 && !c->pol->dcgan64)
        return 0;
    /* dcgan32 on Fashion-MNIST: one channel; dcgan64: colour images */
    struct clgan_check_dcgan v = {which ? 64 : 32, 100 / f, 64 / f, 64 / f, which ? 3 : 1};
    *out = v;
    *batch = which ? c->pol->dcgan64 : c->pol->conv_batch;
    return 1;
}

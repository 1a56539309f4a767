/* harness.c - see harness.h. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check/check.h"
#include "harness.h"

static struct th_device devs[16];
static int ndev;
static int passed, failed;
static const char *op_filter;
static uint64_t seed = 42;
static uint64_t rng_state;
static int need;

static void usage(const char *prog)
{
    fprintf(stderr, "usage: %s [-o OP] [-d DEVICE] [-s SEED]\n", prog);
    exit(2);
}

static int spec_matches(const char *specs, const struct clgan_device_info *all, int n, int i)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", specs);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        int idx = -1;
        if (clgan_device_select(tok, all, n, &idx, NULL, 0) == CLGAN_STATUS_OK && idx == i)
            return 1;
    }
    return 0;
}

void th_init(int argc, char **argv, int need_devices)
{
    const char *dev_filter = clgan_env("CLGAN_TEST_DEVICES");
    need = need_devices;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc)
            op_filter = argv[++i];
        else if (!strcmp(argv[i], "-d") && i + 1 < argc)
            dev_filter = argv[++i];
        else if (!strcmp(argv[i], "-s") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else
            usage(argv[0]);
    }
    rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
    if (!need_devices)
        return;
    struct clgan_device_info *all = NULL;
    int n = 0;
    char msg[1024] = "";
    if (clgan_devices_query(&all, &n, msg, sizeof(msg)) != CLGAN_STATUS_OK) {
        fprintf(stderr, "no devices: %s\n", msg);
        return;
    }
    for (int i = 0; i < n && ndev < 16; i++) {
        if (dev_filter && !spec_matches(dev_filter, all, n, i))
            continue;
        struct clgan_ctx_params p = clgan_ctx_default_params();
        char spec[32];
        snprintf(spec, sizeof(spec), "%d", i);
        p.device = spec;
        clgan_ctx *ctx = NULL;
        if (clgan_ctx_init(&p, &ctx, msg, sizeof(msg)) != CLGAN_STATUS_OK) {
            fprintf(stderr, "cannot open device %d: %s\n", i, msg);
            failed++;
            continue;
        }
        struct th_device *d = &devs[ndev++];
        d->ctx = ctx;
        d->info = clgan_ctx_device(ctx);
        d->small = d->info->kind == CLGAN_KIND_SIMULATOR;
        snprintf(d->tag, sizeof(d->tag), "%.40s:%.40s", d->info->platform_name, d->info->name);
        printf("device %d:%d  %s / %s (%s)\n", d->info->platform, d->info->device,
               d->info->platform_name, d->info->name, clgan_device_kind_str(d->info->kind));
    }
    free(all);
}

int th_ndev(void)
{
    return ndev;
}

struct th_device *th_dev(int i)
{
    return &devs[i];
}

uint64_t th_seed(void)
{
    return seed;
}

int th_quick(void)
{
    const char *q = clgan_env("CLGAN_TEST_QUICK");
    return q && strcmp(q, "0") != 0;
}

/* -o holds comma-separated prefixes; "!prefix" excludes the names it matches. A name runs when
 * no exclusion matches it and it matches an inclusion (or there is none). */
int th_want(const char *name)
{
    if (!op_filter)
        return 1;
    int any_include = 0, included = 0;
    for (const char *p = op_filter; *p;) {
        size_t len = strcspn(p, ",");
        int neg = *p == '!';
        const char *pre = p + neg;
        size_t plen = len - (size_t)neg;
        if (plen && !strncmp(name, pre, plen)) {
            if (neg)
                return 0;
            included = 1;
        }
        any_include |= !neg;
        p += len + (p[len] == ',');
    }
    return included || !any_include;
}

static void record(int ok)
{
    if (ok)
        passed++;
    else
        failed++;
}

/* The comparison is the one clgan check uses (check/check.h). */
int th_compare(const float *got, const float *ref, size_t n, double atol, double rtol,
               double max_nmse)
{
    return clgan_check_compare(got, ref, n, atol, rtol, max_nmse, NULL);
}

int th_check(const char *name, const struct th_device *dev, const float *got, const float *ref,
             size_t n, double atol, double rtol, double max_nmse)
{
    struct clgan_check_cmp cs;
    int ok = clgan_check_compare(got, ref, n, atol, rtol, max_nmse, &cs);
    printf("%-48s [%s] %s max_err=%.3g nmse=%.3g tol=(%.1g,%.1g,%.1g)", name,
           dev ? dev->tag : "host", ok ? "OK" : "FAIL", cs.max_err, cs.nmse, atol, rtol, max_nmse);
    if (cs.n_bad)
        printf(" bad=%zu first=[%zu] got=%.9g ref=%.9g", cs.n_bad, cs.where, got[cs.where],
               ref[cs.where]);
    printf("\n");
    record(ok);
    return ok;
}

int th_expect(int ok, const char *name, const struct th_device *dev, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    printf("%-48s [%s] %s %s\n", name, dev ? dev->tag : "host", ok ? "OK" : "FAIL", msg);
    record(ok);
    return ok;
}

int th_status(clgan_status st, const char *name, const struct th_device *dev)
{
    if (st == CLGAN_STATUS_OK)
        return 1;
    return th_expect(0, name, dev, "%s: %s", clgan_status_str(st),
                     dev ? clgan_ctx_last_error(dev->ctx) : "");
}

int th_finish(void)
{
    if (need && ndev == 0) {
        printf("no device compared\n");
        failed++;
    }
    for (int i = 0; i < ndev; i++)
        clgan_ctx_free(devs[i].ctx);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

static uint64_t next_u64(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

float *th_alloc(size_t n)
{
    float *p = calloc(n ? n : 1, sizeof(float));
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    return p;
}

float *th_rand(size_t n, float lo, float hi)
{
    float *p = th_alloc(n);
    for (size_t i = 0; i < n; i++)
        p[i] = lo + (hi - lo) * (float)((next_u64() >> 40) * (1.0 / 16777216.0));
    return p;
}

cl_mem th_upload(struct th_device *d, const float *x, size_t n)
{
    cl_mem m = NULL;
    if (clgan_rt_alloc(d->ctx, (n ? n : 1) * sizeof(float), "test buffer", &m) != CLGAN_STATUS_OK ||
        (x && clgan_rt_write(d->ctx, m, 0, n * sizeof(float), x) != CLGAN_STATUS_OK)) {
        fprintf(stderr, "upload failed: %s\n", clgan_ctx_last_error(d->ctx));
        exit(1);
    }
    return m;
}

void th_download(struct th_device *d, cl_mem m, float *x, size_t n)
{
    if (clgan_rt_read(d->ctx, m, 0, n * sizeof(float), x) != CLGAN_STATUS_OK) {
        fprintf(stderr, "download failed: %s\n", clgan_ctx_last_error(d->ctx));
        exit(1);
    }
}

void th_free_mem(struct th_device *d, cl_mem m, size_t n)
{
    clgan_rt_release(d->ctx, m, (n ? n : 1) * sizeof(float));
}

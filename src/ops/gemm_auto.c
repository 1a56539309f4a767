/*
 * gemm_auto.c - the GEMM backend of a context opened with CLGAN_GEMM_AUTO, chosen by
 * measurement on first use.
 *
 * The first GEMM (or clgan_ctx_gemm_backend) on such a context times both backends on three
 * shapes taken from dcgan32's layers (one per transpose case the convolutions use, K shortened
 * so that a slow backend still takes well under a second), keeps the faster one, and stores the
 * choice in the disk cache beside the program binaries (runtime/cache.c), keyed like them by
 * platform, device and driver, plus a hash of cl/gemm.cl, the CLBlast tuning files in use
 * (the context's clblast_tuning) and a version of this procedure: a new device, driver, kernel or
 * tuning measures again; later runs read the entry. No measurement where it
 * would mislead or cost too much: on a simulator (minutes per GEMM), or with the cache off
 * (no cache_dir, e.g. CLGAN_CACHE_DIR=off: every run would pay for it); the choice is then the
 * heuristic, our own kernel on CPUs and simulators, CLBlast elsewhere. A backend that fails during
 * the measurement loses; if both fail, the heuristic stands. Resolving never fails a run. The
 * choice and why are logged (INFO) and kept for clgan_ctx_gemm_note.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/hash.h"
#include "ops/gemm.h"

#define AUTO_VERSION 1

struct shape {
    int ta, tb;
    size_t m, n, k;
};

/* conv forward (NN), transposed-conv forward / conv input gradient (TN), weight gradient (NT) */
static const struct shape shapes[] = {
    {0, 0, 128, 1024, 512},
    {1, 0, 512, 1024, 128},
    {0, 1, 128, 512, 1024},
};
#define NSHAPES (sizeof(shapes) / sizeof(shapes[0]))

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static enum clgan_gemm_backend heuristic(const clgan_ctx *ctx)
{
    return ctx->info.kind == CLGAN_KIND_CPU || ctx->info.kind == CLGAN_KIND_SIMULATOR
               ? CLGAN_GEMM_OWN
               : CLGAN_GEMM_CLBLAST;
}

/* The cache key: what can change the outcome. */
static void make_key(const clgan_ctx *ctx, char *key, size_t len)
{
    uint64_t h = 0;
    for (size_t i = 0; i < clgan_cl_n_sources; i++)
        if (!strcmp(clgan_cl_sources[i].name, "gemm"))
            h = clgan_hash64(clgan_cl_sources[i].data, *clgan_cl_sources[i].len, CLGAN_HASH_SEED);
    const char *tuning = ctx->clblast_tuning;
    snprintf(key, len,
             "clgan-gemm-choice %d\ngemm.cl=%016llx\nclblast-tuning=%s\nplatform=%s|%s\n"
             "device=%s|%s|%s\ndriver=%s\n",
             AUTO_VERSION, (unsigned long long)h, tuning ? tuning : "", ctx->info.platform_name,
             ctx->info.platform_version, ctx->info.name, ctx->info.vendor, ctx->info.version,
             ctx->info.driver_version);
}

/* Seconds of one backend over the shapes (best of 3 after a warm-up call each); INFINITY when
 * it fails. */
static double time_backend(clgan_ctx *ctx, enum clgan_gemm_backend be, cl_mem a, cl_mem b, cl_mem c)
{
    double total = 0;
    for (size_t s = 0; s < NSHAPES; s++) {
        const struct shape *sh = &shapes[s];
        struct clgan_gemm_args g = {.ta = sh->ta,
                                    .tb = sh->tb,
                                    .m = sh->m,
                                    .n = sh->n,
                                    .k = sh->k,
                                    .alpha = 1.0f,
                                    .a = a,
                                    .lda = sh->ta ? sh->m : sh->k,
                                    .b = b,
                                    .ldb = sh->tb ? sh->k : sh->n,
                                    .c = c,
                                    .ldc = sh->n,
                                    .batch = 1};
        double best = INFINITY;
        for (int r = 0; r < 4; r++) {
            double t0 = now_s();
            if (clgan_ops_gemm_on(ctx, be, &g) != CLGAN_STATUS_OK ||
                clgan_ctx_finish(ctx) != CLGAN_STATUS_OK)
                return INFINITY;
            double t = now_s() - t0;
            if (r > 0 && t < best)
                best = t;
        }
        total += best;
    }
    return total;
}

/* Time both backends; the faster, or the heuristic when neither runs. */
static enum clgan_gemm_backend measure(clgan_ctx *ctx, double *t_own, double *t_clblast)
{
    size_t most = 0;
    for (size_t s = 0; s < NSHAPES; s++) {
        size_t mk = shapes[s].m * shapes[s].k, kn = shapes[s].k * shapes[s].n;
        size_t mn = shapes[s].m * shapes[s].n;
        most = mk > most ? mk : most;
        most = kn > most ? kn : most;
        most = mn > most ? mn : most;
    }
    cl_mem buf[3] = {NULL, NULL, NULL};
    *t_own = *t_clblast = INFINITY;
    int profiling = ctx->profiling;
    ctx->profiling = 0; /* keep the calibration out of a profile */
    float *fill = calloc(most, sizeof(float));
    int ok = fill != NULL;
    for (size_t i = 0; ok && i < most; i++)
        fill[i] = (float)(i % 7) * 0.25f - 0.75f;
    for (int i = 0; i < 3 && ok; i++)
        ok = clgan_rt_alloc(ctx, most * sizeof(float), "GEMM calibration", &buf[i]) ==
                 CLGAN_STATUS_OK &&
             clgan_rt_write(ctx, buf[i], 0, most * sizeof(float), fill) == CLGAN_STATUS_OK;
    if (ok) {
        *t_own = time_backend(ctx, CLGAN_GEMM_OWN, buf[0], buf[1], buf[2]);
        *t_clblast = time_backend(ctx, CLGAN_GEMM_CLBLAST, buf[0], buf[1], buf[2]);
    }
    for (int i = 0; i < 3; i++)
        if (buf[i])
            clgan_rt_release(ctx, buf[i], most * sizeof(float));
    free(fill);
    ctx->profiling = profiling;
    if (isinf(*t_own) && isinf(*t_clblast))
        return heuristic(ctx);
    return *t_own <= *t_clblast ? CLGAN_GEMM_OWN : CLGAN_GEMM_CLBLAST;
}

/* A cached choice: "own" or "clblast", then the two times in seconds. */
int clgan_ops_gemm_choice_parse(const unsigned char *p, size_t len, enum clgan_gemm_backend *be,
                                double *t_own, double *t_clblast)
{
    char text[128], name[16];
    if (len == 0 || len >= sizeof(text))
        return 0;
    memcpy(text, p, len);
    text[len] = 0;
    if (sscanf(text, "%15s %lf %lf", name, t_own, t_clblast) != 3)
        return 0;
    if (!strcmp(name, "own"))
        *be = CLGAN_GEMM_OWN;
    else if (!strcmp(name, "clblast"))
        *be = CLGAN_GEMM_CLBLAST;
    else
        return 0;
    /* times as measure() gives them: seconds, infinity for a backend that failed, not
     * both failed, the choice the faster one; anything else is measured again */
    for (int i = 0; i < 2; i++) {
        double t = i ? *t_clblast : *t_own;
        if (!(t >= 0) || (isfinite(t) && t > 3600))
            return 0;
    }
    if (isinf(*t_own) && isinf(*t_clblast))
        return 0;
    return *be == (*t_own <= *t_clblast ? CLGAN_GEMM_OWN : CLGAN_GEMM_CLBLAST);
}

static void fmt_ms(char *buf, size_t len, double t)
{
    if (isinf(t))
        snprintf(buf, len, "failed");
    else
        snprintf(buf, len, "%.1f ms", t * 1e3);
}

void clgan_ops_gemm_resolve(clgan_ctx *ctx)
{
    if (ctx->gemm != CLGAN_GEMM_AUTO)
        return;
    char key[2048], a[32], b[32];
    const char *dir = ctx->cache_dir;
    enum clgan_gemm_backend be = heuristic(ctx);
    double t_own = INFINITY, t_cl = INFINITY;
    if (ctx->info.kind == CLGAN_KIND_SIMULATOR) {
        snprintf(ctx->gemm_note, sizeof(ctx->gemm_note),
                 "auto: heuristic (simulator, not measured)");
    } else if (!dir) {
        snprintf(ctx->gemm_note, sizeof(ctx->gemm_note),
                 "auto: heuristic (program cache off, not measured)");
    } else {
        unsigned char *bin = NULL;
        size_t len = 0;
        make_key(ctx, key, sizeof(key));
        if (clgan_cache_load(ctx, key, &bin, &len) == CLGAN_STATUS_OK &&
            clgan_ops_gemm_choice_parse(bin, len, &be, &t_own, &t_cl)) {
            fmt_ms(a, sizeof(a), t_own);
            fmt_ms(b, sizeof(b), t_cl);
            snprintf(ctx->gemm_note, sizeof(ctx->gemm_note),
                     "auto: measured before (own %s, CLBlast %s; cached in %s)", a, b, dir);
        } else {
            clgan_rt_log(ctx, CLGAN_LOG_INFO,
                         "timing the GEMM backends on %s (once per device and "
                         "driver; the choice is cached)",
                         ctx->info.name);
            be = measure(ctx, &t_own, &t_cl);
            char entry[128];
            int n = snprintf(entry, sizeof(entry), "%s %.9f %.9f\n",
                             be == CLGAN_GEMM_OWN ? "own" : "clblast", t_own, t_cl);
            if (!isinf(t_own) || !isinf(t_cl))
                clgan_cache_store(ctx, key, (const unsigned char *)entry, (size_t)n);
            fmt_ms(a, sizeof(a), t_own);
            fmt_ms(b, sizeof(b), t_cl);
            snprintf(ctx->gemm_note, sizeof(ctx->gemm_note),
                     "auto: measured own %s, CLBlast %s (cached in %s)", a, b, dir);
        }
        free(bin);
    }
    ctx->gemm = be;
    clgan_rt_log(ctx, CLGAN_LOG_INFO, "GEMM on %s: %s (%s)", ctx->info.name,
                 clgan_gemm_backend_str(be), ctx->gemm_note);
}

enum clgan_gemm_backend clgan_ctx_gemm_backend(const clgan_ctx *ctx)
{
    /* resolving AUTO changes what the context will do, not what it is: callers see a const */
    clgan_ops_gemm_resolve((clgan_ctx *)ctx);
    return ctx->gemm;
}

const char *clgan_ctx_gemm_note(const clgan_ctx *ctx)
{
    clgan_ops_gemm_resolve((clgan_ctx *)ctx);
    return ctx->gemm_note;
}

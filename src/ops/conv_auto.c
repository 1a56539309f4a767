/*
 * conv_auto.c - the routes of a context opened with CLGAN_CONV_ROUTE_AUTO, chosen by
 * measurement on first use, pass by pass, as the GEMM backend is (ops/gemm_auto.c).
 *
 * The three passes that have a phase route (cl/convp.cl: up, the transposed convolution and the
 * convolution's input gradient; down, the convolution and the transposed one's input gradient;
 * the weight gradient) are timed on one layer of dcgan32's middle geometry (64 -> 128 channels,
 * 16 x 16 -> 8 x 8, batch 32) through the column matrix and through the phases, and each pass
 * keeps the faster (the heuristic's route unless the other is more than 15 % faster). The choice is
 * stored in the disk cache beside the program binaries, keyed by platform, device and driver, the
 * GEMM backend (the column route's speed is its GEMM's), a hash of the kernels both routes run, and
 * a version of this procedure. No measurement where it would mislead, cost too much or cannot help:
 * on a simulator, with the cache off, or under Mesa's compilers (which never get the phase
 * kernels); the choice is then the heuristic, the phases on CPUs (where they were measured faster,
 * see README) and the columns elsewhere. A route that fails during the measurement loses. Resolving
 * never fails a run. Whatever the choice, AUTO keeps layers of fewer than 8 output channels on the
 * columns (conv.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/hash.h"
#include "ops/conv_internal.h"
#include "ops/gemm.h"

#define AUTO_VERSION 3
#define NPASS        3

static const char *const pass_name[NPASS] = {"up", "down", "wgrad"};

/* The timed layer: dcgan32's D2 at batch 32 (conv2d fwd = down, bwd_data = up, bwd_weight =
 * wgrad), about 0.5 GFLOP a pass (at batch 8 the two routes of a pass were within the noise of
 * each other on PoCL, and the choice flipped between runs). */
static const struct clgan_conv_shape timed = {32, 64, 16, 16, 128, 4, 2, 1, 0};

/* The choice for pass times t (columns, phases): the heuristic's route unless the other one is
 * more than 15 % faster, so that noise does not flip it (on a loaded 2-core machine the best of
 * five calls of either route varied by up to 20 % from one run to the next). */
static int choose(int prior, const double t[2])
{
    return prior ? !(t[0] < 0.85 * t[1]) && !isinf(t[1]) : t[1] < 0.85 * t[0];
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void heuristic(const clgan_ctx *ctx, unsigned char phases[NPASS])
{
    for (int p = 0; p < NPASS; p++)
        phases[p] = ctx->info.kind == CLGAN_KIND_CPU && !ctx->no_wide_tiles;
}

static void make_key(const clgan_ctx *ctx, char *key, size_t len)
{
    uint64_t h = CLGAN_HASH_SEED;
    for (size_t i = 0; i < clgan_cl_n_sources; i++) {
        const char *n = clgan_cl_sources[i].name;
        if (!strcmp(n, "convp") || !strcmp(n, "conv") || !strcmp(n, "gemm"))
            h = clgan_hash64(clgan_cl_sources[i].data, *clgan_cl_sources[i].len, h);
    }
    snprintf(key, len,
             "clgan-conv-choice %d\nkernels=%016llx\ngemm=%s\nplatform=%s|%s\n"
             "device=%s|%s|%s\ndriver=%s\n",
             AUTO_VERSION, (unsigned long long)h, clgan_gemm_backend_str(ctx->gemm),
             ctx->info.platform_name, ctx->info.platform_version, ctx->info.name, ctx->info.vendor,
             ctx->info.version, ctx->info.driver_version);
}

/* One call of pass p by route r and its seconds; INFINITY when it fails or does not take that
 * route. */
static double time_once(clgan_ctx *ctx, const struct clgan_conv_geo *g, int p,
                        enum clgan_conv_route r, cl_mem big, cl_mem small, cl_mem w, cl_mem ws)
{
    ctx->conv = r;
    int chunk;
    if ((clgan_ops_conv_phase_route(ctx, g, (enum clgan_conv_phase_pass)p, &chunk) != 0) !=
        (r == CLGAN_CONV_ROUTE_PHASES))
        return INFINITY;
    double t0 = now_s();
    if (clgan_ops_conv_geo_pass(ctx, g, (enum clgan_conv_phase_pass)p, big, small, w, ws) !=
            CLGAN_STATUS_OK ||
        clgan_ctx_finish(ctx) != CLGAN_STATUS_OK)
        return INFINITY;
    return now_s() - t0;
}

/* Both routes of pass p into t (columns, phases): a warm-up call of each, then TIMED_CALLS of
 * each, alternating (so that a drift of the machine's load hits both alike), best of each. A
 * route slower than ten times the other's best stops being timed: it has lost (on a GPU the
 * phase kernels, one work-item a group, can be that much slower, and timing them again would
 * only delay the run). */
#define TIMED_CALLS 5
static void time_pass(clgan_ctx *ctx, const struct clgan_conv_geo *g, int p, cl_mem big,
                      cl_mem small, cl_mem w, cl_mem ws, double t[2])
{
    static const enum clgan_conv_route route[2] = {CLGAN_CONV_ROUTE_COLUMNS,
                                                   CLGAN_CONV_ROUTE_PHASES};
    int live[2];
    for (int r = 0; r < 2; r++) {
        live[r] = !isinf(time_once(ctx, g, p, route[r], big, small, w, ws));
        t[r] = INFINITY;
    }
    for (int k = 0; k < TIMED_CALLS; k++)
        for (int r = 0; r < 2; r++) {
            if (!live[r])
                continue;
            double s = time_once(ctx, g, p, route[r], big, small, w, ws);
            if (isinf(s)) {
                live[r] = 0;
                t[r] = INFINITY;
                continue;
            }
            if (s < t[r])
                t[r] = s;
            if (t[r] > 10.0 * t[1 - r])
                live[r] = 0;
        }
}

/* Time both routes of each pass: t[p][0] columns, t[p][1] phases. */
static void measure(clgan_ctx *ctx, double t[NPASS][2])
{
    for (int p = 0; p < NPASS; p++)
        t[p][0] = t[p][1] = INFINITY;
    struct clgan_conv_geo g;
    if (clgan_ops_conv_make_geo(NULL, &timed, 0, &g) != CLGAN_STATUS_OK)
        return;
    size_t sizes[4] = {(size_t)g.n * g.cb * g.hb * g.wb, (size_t)g.n * g.cs * g.hs * g.ws,
                       (size_t)g.cs * g.kc, 0};
    for (int p = CLGAN_CONV_FWD; p <= CLGAN_CONV_BWD_WEIGHT; p++) {
        size_t w = clgan_ops_conv_geo_workspace(&g, (enum clgan_conv_pass)p);
        sizes[3] = w > sizes[3] ? w : sizes[3];
    }
    size_t most = 0;
    for (int i = 0; i < 4; i++)
        most = sizes[i] > most ? sizes[i] : most;
    cl_mem buf[4] = {NULL, NULL, NULL, NULL};
    float *fill = calloc(most, sizeof(float));
    /* every program built first, so that no build time enters a timing */
    int ok = fill != NULL && clgan_rt_kernels_prepare(ctx) == CLGAN_STATUS_OK;
    for (size_t i = 0; ok && i < most; i++)
        fill[i] = (float)(i % 7) * 0.25f - 0.75f;
    for (int i = 0; i < 4 && ok; i++)
        ok = clgan_rt_alloc(ctx, sizes[i] * sizeof(float), "conv route calibration", &buf[i]) ==
                 CLGAN_STATUS_OK &&
             clgan_rt_write(ctx, buf[i], 0, sizes[i] * sizeof(float), fill) == CLGAN_STATUS_OK;
    enum clgan_conv_route keep = ctx->conv;
    int profiling = ctx->profiling;
    ctx->profiling = 0; /* keep the calibration out of a profile */
    for (int p = 0; ok && p < NPASS; p++)
        time_pass(ctx, &g, p, buf[0], buf[1], buf[2], buf[3], t[p]);
    ctx->conv = keep;
    ctx->profiling = profiling;
    for (int i = 0; i < 4; i++)
        if (buf[i])
            clgan_rt_release(ctx, buf[i], sizes[i] * sizeof(float));
    free(fill);
}

/*
 * A cached choice: per pass, in order, "NAME columns|phases T_COLUMNS T_PHASES" (seconds,
 * inf for a route that failed), the choice the one choose() makes of them and not both failed;
 * anything else is measured again.
 */
int clgan_ops_conv_choice_parse(const unsigned char *bin, size_t len, const unsigned char prior[3],
                                unsigned char phases[3], double t[3][2])
{
    char text[512];
    if (len == 0 || len >= sizeof(text))
        return 0;
    memcpy(text, bin, len);
    text[len] = 0;
    const char *s = text;
    for (int p = 0; p < NPASS; p++) {
        char name[16], route[16];
        int used = 0;
        if (sscanf(s, "%15s %15s %lf %lf\n%n", name, route, &t[p][0], &t[p][1], &used) != 4 ||
            used == 0 || strcmp(name, pass_name[p]))
            return 0;
        s += used;
        if (!strcmp(route, "phases"))
            phases[p] = 1;
        else if (!strcmp(route, "columns"))
            phases[p] = 0;
        else
            return 0;
        for (int r = 0; r < 2; r++)
            if (!(t[p][r] >= 0) || (isfinite(t[p][r]) && t[p][r] > 3600))
                return 0;
        if (isinf(t[p][0]) && isinf(t[p][1]))
            return 0;
        if (phases[p] != choose(prior[p], t[p]))
            return 0;
    }
    return *s == 0;
}

/* "up phases 1.2 ms (columns 2.3)": the note's part for one pass. */
static int fmt_pass(char *buf, size_t len, int p, int phases, const double t[2])
{
    char a[24], b[24];
    for (int r = 0; r < 2; r++)
        if (isinf(t[r]))
            snprintf(r ? b : a, sizeof(a), "failed");
        else
            snprintf(r ? b : a, sizeof(a), "%.2f ms", t[r] * 1e3);
    return snprintf(buf, len, "%s%s %s %s (%s %s)", p ? ", " : "", pass_name[p],
                    phases ? "phases" : "columns", phases ? b : a, phases ? "columns" : "phases",
                    phases ? a : b);
}

void clgan_ops_conv_resolve(clgan_ctx *ctx)
{
    if (ctx->conv != CLGAN_CONV_ROUTE_AUTO || ctx->conv_resolved)
        return;
    ctx->conv_resolved = 1;
    heuristic(ctx, ctx->conv_phases);
    const char *dir = ctx->cache_dir;
    const char *why = ctx->info.kind == CLGAN_KIND_SIMULATOR ? "simulator"
                      : ctx->no_wide_tiles                   ? "no phase kernels here"
                      : !dir                                 ? "program cache off"
                                                             : NULL;
    if (why) {
        snprintf(ctx->conv_note, sizeof(ctx->conv_note), "auto: heuristic (%s, not measured)", why);
    } else {
        (void)clgan_ctx_gemm_backend(ctx); /* the columns' GEMM, part of the key */
        char key[2048];
        unsigned char *bin = NULL;
        size_t len = 0;
        double t[NPASS][2];
        unsigned char phases[NPASS];
        make_key(ctx, key, sizeof(key));
        int cached = clgan_cache_load(ctx, key, &bin, &len) == CLGAN_STATUS_OK &&
                     clgan_ops_conv_choice_parse(bin, len, ctx->conv_phases, phases, t);
        free(bin);
        if (!cached) {
            clgan_rt_log(ctx, CLGAN_LOG_INFO,
                         "timing the convolution routes on %s (once per device and driver; the "
                         "choice is cached)",
                         ctx->info.name);
            measure(ctx, t);
            /* a pass whose two routes both failed keeps the heuristic's, and the choice is then
             * not stored (the parser refuses such a pass: the next run measures again) */
            char entry[512];
            int n = 0, whole = 1;
            for (int p = 0; p < NPASS; p++) {
                int failed = isinf(t[p][0]) && isinf(t[p][1]);
                whole &= !failed;
                phases[p] =
                    failed ? ctx->conv_phases[p] : (unsigned char)choose(ctx->conv_phases[p], t[p]);
                n += snprintf(entry + n, sizeof(entry) - (size_t)n, "%s %s %.9f %.9f\n",
                              pass_name[p], phases[p] ? "phases" : "columns", t[p][0], t[p][1]);
            }
            if (whole)
                clgan_cache_store(ctx, key, (const unsigned char *)entry, (size_t)n);
        }
        memcpy(ctx->conv_phases, phases, sizeof(phases));
        int n = snprintf(ctx->conv_note, sizeof(ctx->conv_note), "auto: %s ",
                         cached ? "measured before" : "measured");
        for (int p = 0; p < NPASS && n > 0 && (size_t)n < sizeof(ctx->conv_note); p++)
            n += fmt_pass(ctx->conv_note + n, sizeof(ctx->conv_note) - (size_t)n, p, phases[p],
                          t[p]);
    }
    clgan_rt_log(ctx, CLGAN_LOG_INFO, "convolution routes on %s: %s", ctx->info.name,
                 ctx->conv_note);
}

const char *clgan_ctx_conv_note(const clgan_ctx *ctx)
{
    /* resolving AUTO changes what the context will do, not what it is: callers see a const */
    clgan_ops_conv_resolve((clgan_ctx *)ctx);
    return ctx->conv_note;
}

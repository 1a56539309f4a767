/*
 * bench_conv.c - time of each kernel of every convolution pass of dcgan32 at batch 64 (G's
 * transposed convolutions G1..G4, D's convolutions D1..D4; forward, input gradient, weight
 * gradient), from OpenCL profiling events, best of several runs: a tuning aid for the
 * non-GEMM kernels (im2col, col2im, permutes) beside the GEMMs.
 *
 * usage: bench_conv [-d SPEC] [-r RUNS] [-o NAME] [-g auto|own|clblast] [-c auto|columns|phases]
 *                   [-b BATCH]
 * -c picks the route of the transposed passes (clgan_conv_route).
 * -o runs only the layers whose name contains NAME (G1, D2, ...). Each pass also gets the
 * process CPU time of its best run ("(cpu)"), which other programs' load disturbs much less
 * than the wall-clock times of the events.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ops/conv.h"

struct layer {
    const char *name;
    int transposed;
    struct clgan_conv_shape s; /* n is set from -b */
};

static const struct layer layers[] = {
    {"G1", 1, {0, 100, 1, 1, 256, 4, 1, 0, 0}}, {"G2", 1, {0, 256, 4, 4, 128, 4, 2, 1, 0}},
    {"G3", 1, {0, 128, 8, 8, 64, 4, 2, 1, 0}},  {"G4", 1, {0, 64, 16, 16, 1, 4, 2, 1, 0}},
    {"D1", 0, {0, 1, 32, 32, 64, 4, 2, 1, 0}},  {"D2", 0, {0, 64, 16, 16, 128, 4, 2, 1, 0}},
    {"D3", 0, {0, 128, 8, 8, 256, 4, 2, 1, 0}}, {"D4", 0, {0, 256, 4, 4, 1, 4, 1, 0, 0}},
};
#define NLAYERS (sizeof(layers) / sizeof(layers[0]))

static const char *const pass_names[] = {"fwd", "bwd_data", "bwd_weight"};

/* Best time per kernel name over the runs of one pass. */
struct ktime {
    char name[64];
    double ms;
};

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void die(clgan_ctx *ctx, const char *what)
{
    fprintf(stderr, "bench_conv: %s: %s\n", what, clgan_ctx_last_error(ctx));
    exit(1);
}

static cl_mem alloc(clgan_ctx *ctx, size_t n)
{
    size_t bytes = (n ? n : 1) * sizeof(float);
    float *h = malloc(bytes);
    if (!h) {
        fprintf(stderr, "bench_conv: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < (n ? n : 1); i++)
        h[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
    cl_mem m;
    if (clgan_rt_alloc(ctx, bytes, "bench", &m) != CLGAN_STATUS_OK ||
        clgan_rt_write(ctx, m, 0, bytes, h) != CLGAN_STATUS_OK)
        die(ctx, "alloc");
    free(h);
    return m;
}

static clgan_status run_pass(clgan_ctx *ctx, const struct layer *l, int pass, cl_mem x, cl_mem w,
                             cl_mem y, cl_mem ws)
{
    const struct clgan_conv_shape *s = &l->s;
    int ho, wo;
    if (l->transposed)
        clgan_ops_convt2d_out_hw(s, &ho, &wo);
    else
        clgan_ops_conv2d_out_hw(s, &ho, &wo);
    struct clgan_tensor vx = clgan_tensor_view(x, 0, CLGAN_DTYPE_F32, s->n, s->cin, s->h, s->w);
    struct clgan_tensor vy = clgan_tensor_view(y, 0, CLGAN_DTYPE_F32, s->n, s->cout, ho, wo);
    /* conv2d weight [cout, cin, k, k], transposed [cin, cout, k, k] */
    struct clgan_tensor vw =
        l->transposed ? clgan_tensor_view(w, 0, CLGAN_DTYPE_F32, s->cin, s->cout, s->k, s->k)
                      : clgan_tensor_view(w, 0, CLGAN_DTYPE_F32, s->cout, s->cin, s->k, s->k);
    if (l->transposed) {
        if (pass == 0)
            return clgan_ops_convt2d_fwd(ctx, s, &vx, &vw, NULL, &vy, ws, 0);
        if (pass == 1)
            return clgan_ops_convt2d_bwd_data(ctx, s, &vy, &vw, &vx, ws, 0);
        return clgan_ops_convt2d_bwd_weight(ctx, s, &vx, &vy, 0.0f, &vw, ws, 0);
    }
    if (pass == 0)
        return clgan_ops_conv2d_fwd(ctx, s, &vx, &vw, NULL, &vy, ws, 0);
    if (pass == 1)
        return clgan_ops_conv2d_bwd_data(ctx, s, &vy, &vw, &vx, ws, 0);
    return clgan_ops_conv2d_bwd_weight(ctx, s, &vx, &vy, 0.0f, &vw, ws, 0);
}

int main(int argc, char **argv)
{
    const char *spec = NULL, *only = NULL, *gemm = "auto", *route = "auto";
    int runs = 7, batch = 64;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-d") && i + 1 < argc)
            spec = argv[++i];
        else if (!strcmp(argv[i], "-r") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "-o") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "-g") && i + 1 < argc)
            gemm = argv[++i];
        else if (!strcmp(argv[i], "-c") && i + 1 < argc)
            route = argv[++i];
        else if (!strcmp(argv[i], "-b") && i + 1 < argc)
            batch = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_conv [-d SPEC] [-r RUNS] [-o NAME] "
                            "[-g auto|own|clblast] [-c auto|columns|phases] [-b BATCH]\n");
            return 2;
        }
    }
    if (runs < 1 || batch < 1)
        return 2;
    struct clgan_ctx_params p = clgan_ctx_default_params();
    p.device = spec;
    p.profiling = 1;
    p.gemm = !strcmp(gemm, "own")       ? CLGAN_GEMM_OWN
             : !strcmp(gemm, "clblast") ? CLGAN_GEMM_CLBLAST
                                        : CLGAN_GEMM_AUTO;
    p.conv = !strcmp(route, "columns")  ? CLGAN_CONV_ROUTE_COLUMNS
             : !strcmp(route, "phases") ? CLGAN_CONV_ROUTE_PHASES
                                        : CLGAN_CONV_ROUTE_AUTO;
    clgan_ctx *ctx = NULL;
    char msg[1024];
    if (clgan_ctx_init(&p, &ctx, msg, sizeof(msg)) != CLGAN_STATUS_OK) {
        fprintf(stderr, "bench_conv: %s\n", msg);
        return 1;
    }
    printf("device: %s / %s, GEMM %s, batch %d, best of %d runs (ms per call)\n",
           clgan_ctx_device(ctx)->platform_name, clgan_ctx_device(ctx)->name,
           clgan_gemm_backend_str(clgan_ctx_gemm_backend(ctx)), batch, runs);
    struct ktime total[32];
    int n_total = 0;
    double cpu_total = 0;
    for (size_t li = 0; li < NLAYERS; li++) {
        struct layer l = layers[li];
        l.s.n = batch;
        if (only && !strstr(l.name, only))
            continue;
        int ho, wo;
        if (l.transposed)
            clgan_ops_convt2d_out_hw(&l.s, &ho, &wo);
        else
            clgan_ops_conv2d_out_hw(&l.s, &ho, &wo);
        size_t nx = (size_t)batch * l.s.cin * l.s.h * l.s.w;
        size_t ny = (size_t)batch * l.s.cout * ho * wo;
        size_t nw = (size_t)l.s.cin * l.s.cout * l.s.k * l.s.k, nws = 0;
        for (int pass = 0; pass < 3; pass++) {
            size_t t = l.transposed ? clgan_ops_convt2d_workspace(NULL, &l.s, pass)
                                    : clgan_ops_conv2d_workspace(NULL, &l.s, pass);
            nws = t > nws ? t : nws;
        }
        cl_mem x = alloc(ctx, nx), y = alloc(ctx, ny), w = alloc(ctx, nw), ws = alloc(ctx, nws);
        for (int pass = 0; pass < 3; pass++) {
            struct ktime best[16];
            int nb = 0;
            double best_cpu = INFINITY;
            for (int r = 0; r <= runs; r++) {
                clgan_rt_prof_reset(ctx);
                double c0 = cpu_now();
                if (run_pass(ctx, &l, pass, x, w, y, ws) != CLGAN_STATUS_OK ||
                    clgan_rt_prof_collect(ctx) != CLGAN_STATUS_OK)
                    die(ctx, l.name);
                double c1 = cpu_now() - c0;
                if (r > 0 && c1 < best_cpu)
                    best_cpu = c1;
                if (r == 0)
                    continue; /* warm-up: builds, first-touch of buffers */
                for (int e = 0; e < ctx->n_prof; e++) {
                    int j = 0;
                    while (j < nb && strcmp(best[j].name, ctx->prof[e].name))
                        j++;
                    if (j == nb && nb < 16) {
                        snprintf(best[nb].name, sizeof(best[nb].name), "%s", ctx->prof[e].name);
                        best[nb++].ms = INFINITY;
                    }
                    if (j < nb && ctx->prof[e].ms < best[j].ms)
                        best[j].ms = ctx->prof[e].ms;
                }
            }
            double sum = 0;
            for (int j = 0; j < nb; j++) {
                printf("%-3s %-10s %-24s %8.3f\n", l.name, pass_names[pass], best[j].name,
                       best[j].ms);
                sum += best[j].ms;
                int t = 0;
                while (t < n_total && strcmp(total[t].name, best[j].name))
                    t++;
                if (t == n_total && n_total < 32) {
                    memcpy(total[n_total].name, best[j].name, sizeof(total[t].name));
                    total[n_total++].ms = 0;
                }
                if (t < n_total)
                    total[t].ms += best[j].ms;
            }
            printf("%-3s %-10s %-24s %8.3f\n", l.name, pass_names[pass], "(all)", sum);
            printf("%-3s %-10s %-24s %8.3f\n", l.name, pass_names[pass], "(cpu)", best_cpu * 1e3);
            cpu_total += best_cpu * 1e3;
        }
        clgan_rt_release(ctx, x, nx * sizeof(float));
        clgan_rt_release(ctx, y, ny * sizeof(float));
        clgan_rt_release(ctx, w, nw * sizeof(float));
        clgan_rt_release(ctx, ws, (nws ? nws : 1) * sizeof(float));
    }
    printf("\nsum over the passes (each once), ms:\n  %-24s %8.3f\n", "(cpu)", cpu_total);
    for (int t = 0; t < n_total; t++)
        printf("  %-24s %8.3f\n", total[t].name, total[t].ms);
    clgan_ctx_free(ctx);
    return 0;
}

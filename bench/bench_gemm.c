/*
 * bench_gemm.c - GFLOP/s of the GEMM backends (CLBlast, our own kernels, and OpenBLAS on the
 * host when the build found it; "own-pB": our own kernels given op(B) already packed in panels
 * of 32 columns, as the convolutions pass their column matrices) on dcgan32's GEMM shapes: the five
 * large ones, then every GEMM of every layer at batch 64 (convolutions through im2col, transposed
 * convolutions through col2im), each after warm-up, as the median of several timed runs.
 *
 * usage: bench_gemm [-d SPEC] [-r RUNS] [-o NAME] [-b clblast,own,packed,openblas] [-p] [-B] [-c]
 * -o runs only the shapes whose name contains NAME; -p prints the time of each kernel of the
 * device backends per shape (OpenCL profiling events, which add a little overhead); -B reports the
 * best run instead of the median (steadier on a machine shared with other work); -c divides by
 * the CPU time of the process instead of wall time (GFLOP/s per busy core: a tuning aid that
 * other programs' load hardly disturbs, but blind to idle threads). The last column compares
 * with OpenBLAS the variant training uses for that shape (own or own-pB, named after it).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ops/gemm.h"

#ifdef CLGAN_BENCH_OPENBLAS
#include <cblas.h>
char *openblas_get_corename(void);
char *openblas_get_config(void);
int openblas_get_num_threads(void);
#endif

struct bshape {
    const char *name;
    int ta, tb;
    size_t m, n, k;
};

/*
 * Batch 64. A convolution Cin -> Cout (k4) to Hout x Wout is, with P = 64 * Hout * Wout and
 * K = Cin * 16: forward W[Cout x K] * col[K x P] (NN), input gradient W^T * dY (TN, M = K),
 * weight gradient dY * col^T (NT). A transposed convolution Cin -> Cout from Hin x Win is its
 * adjoint, with P = 64 * Hin * Win and R = Cout * 16: forward col = W^T[R x Cin] * X[Cin x P]
 * (TN), input gradient W[Cin x R] * dcol[R x P] (NN), weight gradient X * dcol^T (NT).
 */
static const struct bshape shapes[] = {
    {"big1", 0, 0, 128, 4096, 1024},   {"big2", 0, 0, 256, 1024, 2048},
    {"big3", 0, 0, 2048, 1024, 256},   {"big4", 0, 0, 1024, 4096, 128},
    {"big5", 0, 0, 128, 1024, 4096},   {"D1.fwd", 0, 0, 64, 16384, 16},
    {"D1.dx", 1, 0, 16, 16384, 64},    {"D1.dw", 0, 1, 64, 16, 16384},
    {"D2.fwd", 0, 0, 128, 4096, 1024}, {"D2.dx", 1, 0, 1024, 4096, 128},
    {"D2.dw", 0, 1, 128, 1024, 4096},  {"D3.fwd", 0, 0, 256, 1024, 2048},
    {"D3.dx", 1, 0, 2048, 1024, 256},  {"D3.dw", 0, 1, 256, 2048, 1024},
    {"D4.fwd", 0, 0, 1, 64, 4096},     {"D4.dx", 1, 0, 4096, 64, 1},
    {"D4.dw", 0, 1, 1, 4096, 64},      {"G1.fwd", 1, 0, 4096, 64, 100},
    {"G1.dx", 0, 0, 100, 64, 4096},    {"G1.dw", 0, 1, 100, 4096, 64},
    {"G2.fwd", 1, 0, 2048, 1024, 256}, {"G2.dx", 0, 0, 256, 1024, 2048},
    {"G2.dw", 0, 1, 256, 2048, 1024},  {"G3.fwd", 1, 0, 1024, 4096, 128},
    {"G3.dx", 0, 0, 128, 4096, 1024},  {"G3.dw", 0, 1, 128, 1024, 4096},
    {"G4.fwd", 1, 0, 16, 16384, 64},   {"G4.dx", 0, 0, 64, 16384, 16},
    {"G4.dw", 0, 1, 64, 16, 16384},
};
#define NSHAPES (sizeof(shapes) / sizeof(shapes[0]))

enum { BE_CLBLAST, BE_OWN, BE_PACKED, BE_OPENBLAS, NBE };
static const char *be_names[NBE] = {"CLBlast", "own", "own-pB", "OpenBLAS"};

static int report_best, use_cpu_time;

/* Whether training hands this shape's op(B) to the own GEMM packed (the own-pB column): the
 * convolution forward and weight gradient of D1-D3 and the input and weight gradients of G2-G4,
 * whose column matrices im2col writes packed. D4 and G1 run as plain GEMMs on the tensors, the
 * input gradients of D and the forward passes of G with op(B) as it is (column "own"); the big
 * shapes are no layer's and compare "own". */
static int train_packed(const char *name)
{
    if (!strncmp(name, "big", 3) || !strncmp(name, "D4", 2) || !strncmp(name, "G1", 2))
        return 0;
    if (strstr(name, ".dw"))
        return 1;
    return name[0] == 'D' ? strstr(name, ".fwd") != NULL : strstr(name, ".dx") != NULL;
}

/* Wall-clock seconds, or with -c the CPU seconds of all threads of the process. */
static double now(void)
{
    struct timespec t;
    clock_gettime(use_cpu_time ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static float *rand_floats(size_t n, uint64_t *state)
{
    float *x = malloc(n * sizeof(*x));
    if (!x) {
        fprintf(stderr, "bench_gemm: out of host memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) {
        *state = *state * 6364136223846793005ull + 1442695040888963407ull;
        x[i] = (float)((*state >> 40) * (1.0 / 16777216.0)) * 2.0f - 1.0f;
    }
    return x;
}

/* Host matrices of one shape (row-major, packed leading dimensions). */
struct mats {
    float *a, *b, *c;
    size_t na, nb, nc, lda, ldb, ldc;
};

static void mats_init(struct mats *x, const struct bshape *s, uint64_t *state)
{
    x->lda = s->ta ? s->m : s->k;
    x->ldb = s->tb ? s->k : s->n;
    x->ldc = s->n;
    x->na = s->m * s->k;
    x->nb = s->k * s->n;
    x->nc = s->m * s->n;
    x->a = rand_floats(x->na, state);
    x->b = rand_floats(x->nb, state);
    x->c = rand_floats(x->nc, state);
}

static void mats_free(struct mats *x)
{
    free(x->a);
    free(x->b);
    free(x->c);
}

/* One backend call on the device; the caller waits. */
struct dev_call {
    clgan_ctx *ctx;
    enum clgan_gemm_backend be;
    struct clgan_gemm_args g;
};

static int call_once(int be, const struct bshape *s, struct mats *x, struct dev_call *dc)
{
    if (be == BE_OPENBLAS) {
#ifdef CLGAN_BENCH_OPENBLAS
        cblas_sgemm(CblasRowMajor, s->ta ? CblasTrans : CblasNoTrans,
                    s->tb ? CblasTrans : CblasNoTrans, (int)s->m, (int)s->n, (int)s->k, 1.0f, x->a,
                    (int)x->lda, x->b, (int)x->ldb, 0.0f, x->c, (int)x->ldc);
#endif
        return 0;
    }
    clgan_status st = clgan_ops_gemm_on(dc->ctx, dc->be, &dc->g);
    if (st == CLGAN_STATUS_OK)
        st = clgan_ctx_finish(dc->ctx);
    if (st != CLGAN_STATUS_OK) {
        fprintf(stderr, "bench_gemm: %s %s: %s\n", be_names[be], s->name,
                clgan_ctx_last_error(dc->ctx));
        return -1;
    }
    return 0;
}

/* Median (or best, with -B) GFLOP/s over runs; each run repeats the call for at least ~20 ms. */
static double measure(int be, const struct bshape *s, struct mats *x, struct dev_call *dc, int runs)
{
    double t = now();
    for (int w = 0; w < 2; w++)
        if (call_once(be, s, x, dc))
            return NAN;
    t = (now() - t) / 2;
    int reps = t > 0.02 ? 1 : (int)(0.02 / (t > 1e-7 ? t : 1e-7)) + 1;
    double *g = malloc((size_t)runs * sizeof(*g));
    if (!g)
        return NAN;
    double flops = 2.0 * (double)s->m * (double)s->n * (double)s->k;
    for (int r = 0; r < runs; r++) {
        double t0 = now();
        for (int i = 0; i < reps; i++)
            if (call_once(be, s, x, dc)) {
                free(g);
                return NAN;
            }
        g[r] = flops * reps / (now() - t0) / 1e9;
    }
    qsort(g, (size_t)runs, sizeof(*g), cmp_double);
    double med = report_best ? g[runs - 1] : g[runs / 2];
    free(g);
    return med;
}

static void print_profile(clgan_ctx *ctx, const char *shape, const char *be)
{
    clgan_rt_prof_collect(ctx);
    for (int e = 0; e < ctx->n_prof; e++)
        if (ctx->prof[e].calls)
            printf("  %-8s %-8s %-24s %6ld calls %9.3f ms/call\n", shape, be, ctx->prof[e].name,
                   ctx->prof[e].calls, ctx->prof[e].ms / (double)ctx->prof[e].calls);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: bench_gemm [-d SPEC] [-r RUNS] [-o NAME] [-b clblast,own,packed,openblas] "
            "[-p] [-B] [-c]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *spec = NULL, *only = NULL, *bes = "clblast,own,packed,openblas";
    int runs = 7, prof = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-d") && i + 1 < argc)
            spec = argv[++i];
        else if (!strcmp(argv[i], "-r") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "-o") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "-b") && i + 1 < argc)
            bes = argv[++i];
        else if (!strcmp(argv[i], "-p"))
            prof = 1;
        else if (!strcmp(argv[i], "-B"))
            report_best = 1;
        else if (!strcmp(argv[i], "-c"))
            use_cpu_time = 1;
        else
            usage();
    }
    if (runs < 1)
        usage();
    int want[NBE];
    for (int b = 0; b < NBE; b++)
        want[b] = strstr(bes, b == BE_CLBLAST  ? "clblast"
                              : b == BE_OWN    ? "own"
                              : b == BE_PACKED ? "packed"
                                               : "openblas") != 0;

    struct clgan_ctx_params p = clgan_ctx_default_params();
    p.device = spec;
    p.profiling = prof;
    clgan_ctx *ctx = NULL;
    char msg[1024];
    if (clgan_ctx_init(&p, &ctx, msg, sizeof(msg)) != CLGAN_STATUS_OK) {
        fprintf(stderr, "bench_gemm: %s\n", msg);
        return 1;
    }
    printf("device: %s / %s\n", clgan_ctx_device(ctx)->platform_name, clgan_ctx_device(ctx)->name);
#ifdef CLGAN_BENCH_OPENBLAS
    const char *ct = getenv("OPENBLAS_CORETYPE"), *nt = getenv("OPENBLAS_NUM_THREADS");
    printf("OpenBLAS: %s; core %s, %d threads (OPENBLAS_CORETYPE=%s, OPENBLAS_NUM_THREADS=%s)\n",
           openblas_get_config(), openblas_get_corename(), openblas_get_num_threads(),
           ct ? ct : "(unset)", nt ? nt : "(unset)");
#else
    if (want[BE_OPENBLAS])
        printf("OpenBLAS: not found at build time, skipped\n");
    want[BE_OPENBLAS] = 0;
#endif
    printf("%s of %d runs, GFLOP/s (2*M*N*K per %s second)\n", report_best ? "best" : "median",
           runs, use_cpu_time ? "CPU" : "wall-clock");

    /* Reserve the own backend's workspace for the largest shape, as a model does at init. */
    for (size_t i = 0; i < NSHAPES; i++)
        if (clgan_ops_gemm_reserve(ctx, shapes[i].m, shapes[i].n, shapes[i].k, 1) !=
            CLGAN_STATUS_OK) {
            fprintf(stderr, "bench_gemm: %s\n", clgan_ctx_last_error(ctx));
            return 1;
        }

    double res[NSHAPES][NBE];
    uint64_t state = 12345;
    /* Device backends first, then OpenBLAS, so that the host threads of one never compete
     * with the other's. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < NSHAPES; i++) {
            const struct bshape *s = &shapes[i];
            for (int b = 0; b < NBE; b++)
                if (pass == 0)
                    res[i][b] = NAN;
            if (only && !strstr(s->name, only))
                continue;
            struct mats x;
            mats_init(&x, s, &state);
            struct dev_call dc = {.ctx = ctx};
            clgan_buffer *da = NULL, *db = NULL, *dcb = NULL, *dpb = NULL;
            if (pass == 0) {
                if (clgan_buffer_init(ctx, x.na, &da) || clgan_buffer_init(ctx, x.nb, &db) ||
                    clgan_buffer_init(ctx, x.nc, &dcb) || clgan_buffer_write(da, 0, x.na, x.a) ||
                    clgan_buffer_write(db, 0, x.nb, x.b) || clgan_buffer_write(dcb, 0, x.nc, x.c)) {
                    fprintf(stderr, "bench_gemm: %s\n", clgan_ctx_last_error(ctx));
                    return 1;
                }
                struct clgan_gemm_args g = {.ta = s->ta,
                                            .tb = s->tb,
                                            .m = s->m,
                                            .n = s->n,
                                            .k = s->k,
                                            .alpha = 1.0f,
                                            .beta = 0.0f,
                                            .a = da->mem,
                                            .lda = x.lda,
                                            .b = db->mem,
                                            .ldb = x.ldb,
                                            .c = dcb->mem,
                                            .ldc = x.ldc,
                                            .batch = 1};
                /* op(B) packed in panels of 32 columns, for the own backend's packed-B path */
                size_t npb = clgan_ops_gemm_packed_b_size(s->k, s->n);
                float *pb = calloc(npb, sizeof(float));
                if (!pb || clgan_buffer_init(ctx, npb, &dpb)) {
                    fprintf(stderr, "bench_gemm: out of memory\n");
                    return 1;
                }
                for (size_t r = 0; r < s->k; r++)
                    for (size_t j = 0; j < s->n; j++)
                        pb[((j / 32) * s->k + r) * 32 + j % 32] =
                            s->tb ? x.b[j * x.ldb + r] : x.b[r * x.ldb + j];
                if (clgan_buffer_write(dpb, 0, npb, pb)) {
                    fprintf(stderr, "bench_gemm: %s\n", clgan_ctx_last_error(ctx));
                    return 1;
                }
                free(pb);
                for (int b = BE_CLBLAST; b <= BE_PACKED; b++) {
                    if (!want[b])
                        continue;
                    dc.g = g;
                    if (b == BE_PACKED) {
                        dc.g.b = dpb->mem;
                        dc.g.b_packed = 1;
                    }
                    dc.be = b == BE_CLBLAST ? CLGAN_GEMM_CLBLAST : CLGAN_GEMM_OWN;
                    clgan_rt_prof_reset(ctx);
                    res[i][b] = measure(b, s, &x, &dc, runs);
                    if (prof)
                        print_profile(ctx, s->name, be_names[b]);
                }
            } else if (want[BE_OPENBLAS]) {
                res[i][BE_OPENBLAS] = measure(BE_OPENBLAS, s, &x, &dc, runs);
            }
            clgan_buffer_free(da);
            clgan_buffer_free(db);
            clgan_buffer_free(dcb);
            clgan_buffer_free(dpb);
            mats_free(&x);
        }
    }

    printf("%-8s %2s %6s %6s %6s %9s %9s %9s %9s %14s\n", "shape", "op", "M", "N", "K", "CLBlast",
           "own", "own-pB", "OpenBLAS", "train/OpenBLAS");
    double tsum[NBE] = {0};
    for (size_t i = 0; i < NSHAPES; i++) {
        const struct bshape *s = &shapes[i];
        if (only && !strstr(s->name, only))
            continue;
        printf("%-8s %c%c %6zu %6zu %6zu", s->name, s->ta ? 'T' : 'N', s->tb ? 'T' : 'N', s->m,
               s->n, s->k);
        for (int b = 0; b < NBE; b++) {
            if (isnan(res[i][b]))
                printf(" %9s", "-");
            else
                printf(" %9.1f", res[i][b]);
            /* time of the layer GEMMs (not the five repeated big ones) per backend */
            if (strncmp(s->name, "big", 3) != 0)
                tsum[b] += 2.0 * (double)s->m * (double)s->n * (double)s->k / (res[i][b] * 1e9);
        }
        int used = train_packed(s->name) ? BE_PACKED : BE_OWN;
        if (!isnan(res[i][used]) && !isnan(res[i][BE_OPENBLAS]))
            printf(" %9.0f%% %s", 100.0 * res[i][used] / res[i][BE_OPENBLAS], be_names[used]);
        printf("\n");
    }
    printf("sum of the layer GEMMs' times (each once), ms:");
    for (int b = 0; b < NBE; b++)
        printf("  %s %.2f", be_names[b], tsum[b] * 1e3);
    printf("\n");
    clgan_ctx_free(ctx);
    return 0;
}

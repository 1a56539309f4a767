/*
 * gemm.c - the GEMM wrapper: argument checks, backend dispatch, and the CLBlast backend.
 * The packed kernel of our own is in gemm_own.c.
 */
#include <clblast_c.h>
#include <stdio.h>

#include "ops/gemm.h"

static clgan_status check_args(clgan_ctx *ctx, const struct clgan_gemm_args *g)
{
    size_t acols = g->a_run ? g->a_run : g->ta ? g->m : g->k, bcols = g->tb ? g->k : g->n;
    if (g->batch == 0 || g->lda < (acols ? acols : 1) ||
        (!g->b_packed && g->ldb < (bcols ? bcols : 1)) || /* packed: ldb unused */
        g->ldc < (g->c_run ? g->c_run
                  : g->n   ? g->n
                           : 1))
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "gemm: bad shape m=%zu n=%zu k=%zu lda=%zu ldb=%zu ldc=%zu batch=%zu",
                             g->m, g->n, g->k, g->lda, g->ldb, g->ldc, g->batch);
    return CLGAN_STATUS_OK;
}

static const char *clblast_errname(CLBlastStatusCode s)
{
    switch ((int)s) {
    case CLBlastNotImplemented:
        return "CLBlastNotImplemented";
    case CLBlastInvalidMatrixA:
        return "CLBlastInvalidMatrixA";
    case CLBlastInvalidMatrixB:
        return "CLBlastInvalidMatrixB";
    case CLBlastInvalidMatrixC:
        return "CLBlastInvalidMatrixC";
    case CLBlastInsufficientMemoryA:
        return "CLBlastInsufficientMemoryA";
    case CLBlastInsufficientMemoryB:
        return "CLBlastInsufficientMemoryB";
    case CLBlastInsufficientMemoryC:
        return "CLBlastInsufficientMemoryC";
    case CLBlastInvalidLocalMemUsage:
        return "CLBlastInvalidLocalMemUsage";
    case CLBlastNoHalfPrecision:
        return "CLBlastNoHalfPrecision";
    case CLBlastInvalidLocalThreadsDim:
        return "CLBlastInvalidLocalThreadsDim";
    case CLBlastUnknownError:
        return "CLBlastUnknownError";
    default:
        return clgan_cl_errname((cl_int)s);
    }
}

clgan_status clgan_gemm_clblast(clgan_ctx *ctx, const struct clgan_gemm_args *g)
{
    if (g->m == 0 || g->n == 0)
        return CLGAN_STATUS_OK;
    clgan_rt_clblast_tuning(ctx);
    CLBlastTranspose ta = g->ta ? CLBlastTransposeYes : CLBlastTransposeNo;
    CLBlastTranspose tb = g->tb ? CLBlastTransposeYes : CLBlastTransposeNo;
    cl_event *ev = clgan_rt_prof_event(ctx);
    CLBlastStatusCode s;
    if (g->batch == 1)
        s = CLBlastSgemm(CLBlastLayoutRowMajor, ta, tb, g->m, g->n, g->k, g->alpha, g->a, g->a_off,
                         g->lda, g->b, g->b_off, g->ldb, g->beta, g->c, g->c_off, g->ldc,
                         &ctx->queue, ev);
    else
        s = CLBlastSgemmStridedBatched(CLBlastLayoutRowMajor, ta, tb, g->m, g->n, g->k, g->alpha,
                                       g->a, g->a_off, g->lda, g->stride_a, g->b, g->b_off, g->ldb,
                                       g->stride_b, g->beta, g->c, g->c_off, g->ldc, g->stride_c,
                                       g->batch, &ctx->queue, ev);
    if (s != CLBlastSuccess)
        return clgan_rt_fail(ctx,
                             s == CLBlastOpenCLOutOfResources || s == CLBlastTempBufferAllocFailure
                                 ? CLGAN_STATUS_OUT_OF_DEVICE_MEMORY
                                 : CLGAN_STATUS_CLBLAST,
                             "CLBlastSgemm%s(m=%zu n=%zu k=%zu) failed: %s (%d) on %s",
                             g->batch == 1 ? "" : "StridedBatched", g->m, g->n, g->k,
                             clblast_errname(s), (int)s, ctx->info.name);
    if (ev)
        clgan_rt_prof_add(ctx, "clblast_sgemm", *ev,
                          2.0 * (double)g->m * (double)g->n * (double)g->k * (double)g->batch);
    return CLGAN_STATUS_OK;
}

clgan_status clgan_ops_gemm_on(clgan_ctx *ctx, enum clgan_gemm_backend be,
                               const struct clgan_gemm_args *g)
{
    clgan_status st = check_args(ctx, g);
    if (st != CLGAN_STATUS_OK)
        return st;
    if (be == CLGAN_GEMM_AUTO) {
        clgan_ops_gemm_resolve(ctx);
        be = ctx->gemm;
    }
    if (g->c_run && (!g->b_packed || (g->c_run != 16 && g->c_run % 32)))
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "gemm: C in runs of %zu (runs need packed B and a length of 16 or a "
                             "multiple of 32)",
                             g->c_run);
    if (g->a_run && (g->ta || g->a_run % 8))
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "gemm: A in runs of %zu (runs need A untransposed and a length that "
                             "is a multiple of 8)",
                             g->a_run);
    if (g->a_run && be != CLGAN_GEMM_OWN)
        return clgan_rt_fail(ctx, CLGAN_STATUS_UNSUPPORTED,
                             "gemm: A in runs is only taken by the own backend, not %s",
                             clgan_gemm_backend_str(be));
    if (g->b_packed && be != CLGAN_GEMM_OWN)
        return clgan_rt_fail(ctx, CLGAN_STATUS_UNSUPPORTED,
                             "gemm: packed B is only taken by the own backend, not %s",
                             clgan_gemm_backend_str(be));
    return be == CLGAN_GEMM_CLBLAST ? clgan_gemm_clblast(ctx, g) : clgan_gemm_own(ctx, g);
}

size_t clgan_ops_gemm_packed_b_size(size_t k, size_t n)
{
    return (n + 31) / 32 * 32 * k;
}

int clgan_ops_gemm_takes_packed_b(const clgan_ctx *ctx)
{
    return clgan_ctx_gemm_backend(ctx) == CLGAN_GEMM_OWN;
}

clgan_status clgan_ops_gemm(clgan_ctx *ctx, const struct clgan_gemm_args *g)
{
    return clgan_ops_gemm_on(ctx, CLGAN_GEMM_AUTO, g);
}

clgan_status clgan_ops_gemm1(clgan_ctx *ctx, int ta, int tb, size_t m, size_t n, size_t k,
                             float alpha, cl_mem a, size_t a_off, size_t lda, cl_mem b,
                             size_t b_off, size_t ldb, float beta, cl_mem c, size_t c_off,
                             size_t ldc)
{
    struct clgan_gemm_args g = {.ta = ta,
                                .tb = tb,
                                .m = m,
                                .n = n,
                                .k = k,
                                .alpha = alpha,
                                .beta = beta,
                                .a = a,
                                .a_off = a_off,
                                .lda = lda,
                                .b = b,
                                .b_off = b_off,
                                .ldb = ldb,
                                .c = c,
                                .c_off = c_off,
                                .ldc = ldc,
                                .batch = 1};
    return clgan_ops_gemm(ctx, &g);
}

/*
 * gemm_own.c - the GEMM backend of our own. For now the plain kernel (gemm_naive); the packed
 * kernel for CPUs replaces the large-shape path.
 */
#include "ops/gemm.h"

clgan_status clgan_gemm_own(clgan_ctx *ctx, const struct clgan_gemm_args *g)
{
    if (g->m == 0 || g->n == 0)
        return CLGAN_STATUS_OK;
    size_t gs[3] = {g->n, g->m, g->batch};
    size_t ls[3] = {8, 8, 1};
    double flops = 2.0 * (double)g->m * (double)g->n * (double)g->k * (double)g->batch;
    return clgan_rt_launch(ctx, "gemm_naive", 3, gs, ls, flops, "iiuuufmlumlufmlulll", g->ta,
                           g->tb, (unsigned)g->m, (unsigned)g->n, (unsigned)g->k,
                           (double)g->alpha, g->a, (uint64_t)g->a_off, (unsigned)g->lda, g->b,
                           (uint64_t)g->b_off, (unsigned)g->ldb, (double)g->beta, g->c,
                           (uint64_t)g->c_off, (unsigned)g->ldc, (uint64_t)g->stride_a,
                           (uint64_t)g->stride_b, (uint64_t)g->stride_c);
}

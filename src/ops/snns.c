/* snns.c - SNNS error and derivatives (cl/snns.cl); see snns.h. */
#include "ops/snns.h"
#include "ops/elt.h"

clgan_status clgan_ops_snns_sse(clgan_ctx *ctx, size_t n, float dmax, float flat, float scale,
                                cl_mem o, size_t o_off, cl_mem t, size_t t_off, cl_mem delta,
                                size_t delta_off, cl_mem err, size_t err_off, float err_beta)
{
    if (n == 0 || !(dmax >= 0.0f))
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "snns_sse: %zu elements, dmax %g: need n > 0 and dmax >= 0", n,
                             (double)dmax);
    size_t want = 1, l;
    while (want < n && want < 256)
        want *= 2;
    clgan_status st = clgan_ops_elt_group_size(ctx, CLGAN_K(snns_sse), want, sizeof(float), &l);
    if (st != CLGAN_STATUS_OK)
        return st;
    /* absent outputs get a valid buffer that the kernel never touches */
    return clgan_rt_launch(ctx, CLGAN_K(snns_sse), 1, &l, &l, 0.0, "lfffmlmlimlimlfL", (uint64_t)n,
                           (double)dmax, (double)flat, (double)scale, o, (uint64_t)o_off, t,
                           (uint64_t)t_off, delta != NULL, delta ? delta : o, (uint64_t)delta_off,
                           err != NULL, err ? err : o, (uint64_t)err_off, (double)err_beta,
                           l * sizeof(float));
}

clgan_status clgan_ops_snns_logistic_bwd(clgan_ctx *ctx, size_t n, float flat, cl_mem y,
                                         size_t y_off, cl_mem dy, size_t dy_off, cl_mem dx,
                                         size_t dx_off)
{
    if (n == 0)
        return CLGAN_STATUS_OK;
    return clgan_rt_launch1d(ctx, CLGAN_K(snns_logistic_bwd), n, "lfmlmlml", (uint64_t)n,
                             (double)flat, y, (uint64_t)y_off, dy, (uint64_t)dy_off, dx,
                             (uint64_t)dx_off);
}

/*
 * conv_linear.c - linear (dense) layers on the device, forward and backward: one GEMM per pass
 * (see conv.h), the bias kernels shared with the convolutions.
 */
#include "ops/conv.h"
#include "ops/conv_internal.h"
#include "ops/gemm.h"

clgan_status clgan_ops_linear_fwd(clgan_ctx *ctx, const struct clgan_linear_shape *s, cl_mem x,
                                  size_t x_off, cl_mem w, size_t w_off, cl_mem b, size_t b_off,
                                  cl_mem y, size_t y_off)
{
    clgan_status st = clgan_ops_linear_check(ctx, s);
    if (st != CLGAN_STATUS_OK)
        return st;
    size_t n = (size_t)s->n, in = (size_t)s->in, out = (size_t)s->out;
    const struct clgan_conv_arg a[] = {{"x", x, x_off, n * in, 0},
                                       {"w", w, w_off, out * in, 0},
                                       {"bias", b, b_off, out, 1},
                                       {"y", y, y_off, n * out, 0}};
    st = clgan_ops_conv_check_args(ctx, "linear_fwd", a, CLGAN_CONV_NARGS(a));
    if (st != CLGAN_STATUS_OK)
        return st;
    st = clgan_ops_gemm1(ctx, 0, 1, n, out, in, 1.0f, x, x_off, in, w, w_off, in, 0.0f, y, y_off,
                         out);
    if (st != CLGAN_STATUS_OK || !b)
        return st;
    return clgan_ops_conv_bias_add(ctx, s->n, s->out, 1, y, y_off, b, b_off);
}

clgan_status clgan_ops_linear_bwd_data(clgan_ctx *ctx, const struct clgan_linear_shape *s,
                                       cl_mem dy, size_t dy_off, cl_mem w, size_t w_off, cl_mem dx,
                                       size_t dx_off)
{
    clgan_status st = clgan_ops_linear_check(ctx, s);
    if (st != CLGAN_STATUS_OK)
        return st;
    size_t n = (size_t)s->n, in = (size_t)s->in, out = (size_t)s->out;
    const struct clgan_conv_arg a[] = {{"dy", dy, dy_off, n * out, 0},
                                       {"w", w, w_off, out * in, 0},
                                       {"dx", dx, dx_off, n * in, 0}};
    st = clgan_ops_conv_check_args(ctx, "linear_bwd_data", a, CLGAN_CONV_NARGS(a));
    if (st != CLGAN_STATUS_OK)
        return st;
    return clgan_ops_gemm1(ctx, 0, 0, n, in, out, 1.0f, dy, dy_off, out, w, w_off, in, 0.0f, dx,
                           dx_off, in);
}

clgan_status clgan_ops_linear_bwd_weight(clgan_ctx *ctx, const struct clgan_linear_shape *s,
                                         cl_mem x, size_t x_off, cl_mem dy, size_t dy_off,
                                         float beta, cl_mem dw, size_t dw_off)
{
    clgan_status st = clgan_ops_linear_check(ctx, s);
    if (st != CLGAN_STATUS_OK)
        return st;
    size_t n = (size_t)s->n, in = (size_t)s->in, out = (size_t)s->out;
    const struct clgan_conv_arg a[] = {{"x", x, x_off, n * in, 0},
                                       {"dy", dy, dy_off, n * out, 0},
                                       {"dw", dw, dw_off, out * in, 0}};
    st = clgan_ops_conv_check_args(ctx, "linear_bwd_weight", a, CLGAN_CONV_NARGS(a));
    if (st != CLGAN_STATUS_OK)
        return st;
    return clgan_ops_gemm1(ctx, 1, 0, out, in, n, 1.0f, dy, dy_off, out, x, x_off, in, beta, dw,
                           dw_off, in);
}

clgan_status clgan_ops_linear_bwd_bias(clgan_ctx *ctx, const struct clgan_linear_shape *s,
                                       cl_mem dy, size_t dy_off, float beta, cl_mem db,
                                       size_t db_off)
{
    clgan_status st = clgan_ops_linear_check(ctx, s);
    if (st != CLGAN_STATUS_OK)
        return st;
    const struct clgan_conv_arg a[] = {{"dy", dy, dy_off, (size_t)s->n * s->out, 0},
                                       {"db", db, db_off, (size_t)s->out, 0}};
    st = clgan_ops_conv_check_args(ctx, "linear_bwd_bias", a, CLGAN_CONV_NARGS(a));
    if (st != CLGAN_STATUS_OK)
        return st;
    return clgan_ops_conv_bias_grad(ctx, s->n, s->out, 1, dy, dy_off, beta, db, db_off);
}

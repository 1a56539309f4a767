/* act.c - activations (cl/act.cl); see act.h. */
#include <stdio.h>

#include "ops/act.h"

const char *clgan_ops_act_name(enum clgan_ops_act kind)
{
    switch (kind) {
    case CLGAN_OPS_ACT_RELU:
        return "relu";
    case CLGAN_OPS_ACT_LRELU:
        return "lrelu";
    case CLGAN_OPS_ACT_TANH:
        return "tanh";
    case CLGAN_OPS_ACT_SIGMOID:
        return "sigmoid";
    }
    return NULL;
}

/* The kernel of act_<kind>_<pass> (pass 0 forward, 1 backward), or INVALID_ARGUMENT. */
static clgan_status kernel_of(clgan_ctx *ctx, enum clgan_ops_act kind, float slope, int pass,
                              enum clgan_kid *id)
{
    static const enum clgan_kid ids[4][2] = {
        {CLGAN_K(act_relu_fwd), CLGAN_K(act_relu_bwd)},
        {CLGAN_K(act_lrelu_fwd), CLGAN_K(act_lrelu_bwd)},
        {CLGAN_K(act_tanh_fwd), CLGAN_K(act_tanh_bwd)},
        {CLGAN_K(act_sigmoid_fwd), CLGAN_K(act_sigmoid_bwd)},
    };
    if (!clgan_ops_act_name(kind))
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT, "unknown activation %d",
                             (int)kind);
    /* backward tells the sides of the kink apart by the sign of y, which needs slope >= 0 */
    if (kind == CLGAN_OPS_ACT_LRELU && !(slope >= 0.0f))
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "leaky ReLU slope %g: must be >= 0", (double)slope);
    *id = ids[kind][pass];
    return CLGAN_STATUS_OK;
}

clgan_status clgan_ops_act_fwd(clgan_ctx *ctx, enum clgan_ops_act kind, float slope, size_t n,
                               cl_mem x, size_t x_off, cl_mem y, size_t y_off)
{
    enum clgan_kid id = CLGAN_K(act_relu_fwd);
    clgan_status st = kernel_of(ctx, kind, slope, 0, &id);
    if (st != CLGAN_STATUS_OK)
        return st;
    return clgan_rt_launch1d(ctx, id, n, "lfmlml", (uint64_t)n, (double)slope, x, (uint64_t)x_off,
                             y, (uint64_t)y_off);
}

clgan_status clgan_ops_act_bwd(clgan_ctx *ctx, enum clgan_ops_act kind, float slope, size_t n,
                               cl_mem y, size_t y_off, cl_mem dy, size_t dy_off, cl_mem dx,
                               size_t dx_off)
{
    enum clgan_kid id = CLGAN_K(act_relu_fwd);
    clgan_status st = kernel_of(ctx, kind, slope, 1, &id);
    if (st != CLGAN_STATUS_OK)
        return st;
    return clgan_rt_launch1d(ctx, id, n, "lfmlmlml", (uint64_t)n, (double)slope, y, (uint64_t)y_off,
                             dy, (uint64_t)dy_off, dx, (uint64_t)dx_off);
}

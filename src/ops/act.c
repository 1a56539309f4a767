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

/* Kernel act_<kind>_<pass> into buf, or INVALID_ARGUMENT. */
static clgan_status kernel_name(clgan_ctx *ctx, enum clgan_ops_act kind, float slope,
                                const char *pass, char *buf, size_t len)
{
    const char *k = clgan_ops_act_name(kind);
    if (!k)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT, "unknown activation %d",
                             (int)kind);
    /* backward tells the sides of the kink apart by the sign of y, which needs slope >= 0 */
    if (kind == CLGAN_OPS_ACT_LRELU && !(slope >= 0.0f))
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "leaky ReLU slope %g: must be >= 0", (double)slope);
    snprintf(buf, len, "act_%s_%s", k, pass);
    return CLGAN_STATUS_OK;
}

clgan_status clgan_ops_act_fwd(clgan_ctx *ctx, enum clgan_ops_act kind, float slope, size_t n,
                               cl_mem x, size_t x_off, cl_mem y, size_t y_off)
{
    char name[32];
    clgan_status st = kernel_name(ctx, kind, slope, "fwd", name, sizeof(name));
    if (st != CLGAN_STATUS_OK)
        return st;
    return clgan_rt_launch1d(ctx, name, n, "lfmlml", (uint64_t)n, (double)slope, x, (uint64_t)x_off,
                             y, (uint64_t)y_off);
}

clgan_status clgan_ops_act_bwd(clgan_ctx *ctx, enum clgan_ops_act kind, float slope, size_t n,
                               cl_mem y, size_t y_off, cl_mem dy, size_t dy_off, cl_mem dx,
                               size_t dx_off)
{
    char name[32];
    clgan_status st = kernel_name(ctx, kind, slope, "bwd", name, sizeof(name));
    if (st != CLGAN_STATUS_OK)
        return st;
    return clgan_rt_launch1d(ctx, name, n, "lfmlmlml", (uint64_t)n, (double)slope, y,
                             (uint64_t)y_off, dy, (uint64_t)dy_off, dx, (uint64_t)dx_off);
}

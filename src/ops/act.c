/* act.c - activations (cl/act.cl); see act.h. */
#include <stdio.h>

#include "ops/act.h"
#include "ops/view.h"

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

/* The op's name for messages: act_<kind>_<pass>. */
static const char *op_name(char *buf, size_t len, enum clgan_ops_act kind, const char *pass)
{
    snprintf(buf, len, "act_%s_%s", clgan_ops_act_name(kind), pass);
    return buf;
}

clgan_status clgan_ops_act_fwd(clgan_ctx *ctx, enum clgan_ops_act kind, float slope,
                               const struct clgan_tensor *x, const struct clgan_tensor *y)
{
    enum clgan_kid id = CLGAN_K(act_relu_fwd);
    char op[32];
    clgan_status st = kernel_of(ctx, kind, slope, 0, &id);
    if (st == CLGAN_STATUS_OK)
        st = clgan_ops_view_check(ctx, op_name(op, sizeof(op), kind, "fwd"), "x", x);
    if (st != CLGAN_STATUS_OK)
        return st;
    size_t n = clgan_tensor_numel(x);
    const struct clgan_ops_view_arg a[] = {clgan_ops_view_count("y", y, n)};
    if ((st = clgan_ops_view_check_args(ctx, op, a, CLGAN_OPS_NARGS(a))) != CLGAN_STATUS_OK)
        return st;
    return clgan_rt_launch1d(ctx, id, n, "lfmlml", (uint64_t)n, (double)slope, x->mem,
                             (uint64_t)x->off, y->mem, (uint64_t)y->off);
}

clgan_status clgan_ops_act_bwd(clgan_ctx *ctx, enum clgan_ops_act kind, float slope,
                               const struct clgan_tensor *y, const struct clgan_tensor *dy,
                               const struct clgan_tensor *dx)
{
    enum clgan_kid id = CLGAN_K(act_relu_fwd);
    char op[32];
    clgan_status st = kernel_of(ctx, kind, slope, 1, &id);
    if (st == CLGAN_STATUS_OK)
        st = clgan_ops_view_check(ctx, op_name(op, sizeof(op), kind, "bwd"), "y", y);
    if (st != CLGAN_STATUS_OK)
        return st;
    size_t n = clgan_tensor_numel(y);
    const struct clgan_ops_view_arg a[] = {clgan_ops_view_count("dy", dy, n),
                                           clgan_ops_view_count("dx", dx, n)};
    if ((st = clgan_ops_view_check_args(ctx, op, a, CLGAN_OPS_NARGS(a))) != CLGAN_STATUS_OK)
        return st;
    return clgan_rt_launch1d(ctx, id, n, "lfmlmlml", (uint64_t)n, (double)slope, y->mem,
                             (uint64_t)y->off, dy->mem, (uint64_t)dy->off, dx->mem,
                             (uint64_t)dx->off);
}

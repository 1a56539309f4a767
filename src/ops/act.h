/*
 * act.h - activations on the device: ReLU, leaky ReLU, tanh, sigmoid, forward and backward over
 * n elements of flat buffers (any layout). Backward uses the forward's output y, so forward may
 * run in place.
 */
#ifndef CLGAN_OPS_ACT_H
#define CLGAN_OPS_ACT_H

#include "runtime/rt.h"

/* Activation kinds, in the order of nn's enum clgan_act. */
enum clgan_ops_act {
    CLGAN_OPS_ACT_RELU = 0,
    CLGAN_OPS_ACT_LRELU = 1,
    CLGAN_OPS_ACT_TANH = 2,
    CLGAN_OPS_ACT_SIGMOID = 3,
};

/* y = f(x) over n elements (y may be x). slope is leaky ReLU's negative slope (>= 0); unused
 * by the others. INVALID_ARGUMENT for an unknown kind or a negative slope. */
clgan_status clgan_ops_act_fwd(clgan_ctx *ctx, enum clgan_ops_act kind, float slope, size_t n,
                               cl_mem x, size_t x_off, cl_mem y, size_t y_off);

/* dx = dy * f'(x), from the forward's output y (dx may be dy). */
clgan_status clgan_ops_act_bwd(clgan_ctx *ctx, enum clgan_ops_act kind, float slope, size_t n,
                               cl_mem y, size_t y_off, cl_mem dy, size_t dy_off, cl_mem dx,
                               size_t dx_off);

/* "relu", "lrelu", "tanh", "sigmoid" (NULL for an unknown kind). */
const char *clgan_ops_act_name(enum clgan_ops_act kind);

#endif /* CLGAN_OPS_ACT_H */

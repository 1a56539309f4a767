/*
 * act.h - activations on the device: ReLU, leaky ReLU, tanh, sigmoid, forward and backward,
 * element by element over tensor views (runtime/tensor.h) of any shape. Backward uses the
 * forward's output y, so forward may run in place.
 *
 * The views of one call hold the same number of elements (their shapes may differ), are
 * float32 (another dtype: UNSUPPORTED, naming the op and the dtype) and lie inside their
 * buffers (bytes through the dtype); INVALID_ARGUMENT otherwise, naming the op and the tensor.
 */
#ifndef CLGAN_OPS_ACT_H
#define CLGAN_OPS_ACT_H

#include "runtime/rt.h"
#include "runtime/tensor.h"

/* Activation kinds, in the order of nn's enum clgan_act. */
enum clgan_ops_act {
    CLGAN_OPS_ACT_RELU = 0,
    CLGAN_OPS_ACT_LRELU = 1,
    CLGAN_OPS_ACT_TANH = 2,
    CLGAN_OPS_ACT_SIGMOID = 3,
};

/* y = f(x) over the elements of x (y may be x). slope is leaky ReLU's negative slope (>= 0);
 * unused by the others. INVALID_ARGUMENT for an unknown kind or a negative slope. */
clgan_status clgan_ops_act_fwd(clgan_ctx *ctx, enum clgan_ops_act kind, float slope,
                               const struct clgan_tensor *x, const struct clgan_tensor *y);

/* dx = dy * f'(x), from the forward's output y (dx may be dy). */
clgan_status clgan_ops_act_bwd(clgan_ctx *ctx, enum clgan_ops_act kind, float slope,
                               const struct clgan_tensor *y, const struct clgan_tensor *dy,
                               const struct clgan_tensor *dx);

/* "relu", "lrelu", "tanh", "sigmoid" (NULL for an unknown kind). */
const char *clgan_ops_act_name(enum clgan_ops_act kind);

#endif /* CLGAN_OPS_ACT_H */

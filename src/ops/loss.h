/*
 * loss.h - losses on the device, each writing its scalar into a device buffer (read back only
 * when logged) and its gradient. One work-group per call: deterministic sums, no atomics.
 *
 * Conventions: tensors are views (runtime/tensor.h). A scalar output is a view of one element:
 * out = out_beta*out + value (out_beta 0 overwrites, 1 accumulates, e.g. the D loss over real
 * and fake batches); the gradient likewise with dx_beta. An output view that is NULL or has no
 * buffer skips that output. The scale s multiplies both loss and gradient. Every view must be
 * float32 (another dtype: UNSUPPORTED, naming the op and the dtype), lie inside its buffer
 * (bytes through the dtype) and have the size the op says; INVALID_ARGUMENT otherwise, naming
 * the op and the tensor.
 */
#ifndef CLGAN_OPS_LOSS_H
#define CLGAN_OPS_LOSS_H

#include "runtime/rt.h"
#include "runtime/tensor.h"

/*
 * Binary cross-entropy with logits against one target value t for the whole batch (1 real,
 * 0 fake, 0.9 one-sided label smoothing), over the n elements of x (D's output [batch, 1, 1,
 * 1]; any shape), numerically stable for any |x|:
 *   loss = s * mean_i [max(x_i, 0) - x_i*t + log1p(exp(-|x_i|))]
 *   dx_i = s * (sigmoid(x_i) - t) / n
 *   prob = mean_i sigmoid(x_i)          (D(x) or D(G(z)) for the logs; overwritten)
 * The non-saturating G loss is t = 1, s = 1; the minimax G loss is t = 0, s = -1.
 * dx (n elements, any shape) may be x; loss and prob hold one element each.
 */
clgan_status clgan_ops_loss_bce_logits(clgan_ctx *ctx, float target, float scale,
                                       const struct clgan_tensor *x, const struct clgan_tensor *dx,
                                       float dx_beta, const struct clgan_tensor *loss,
                                       float loss_beta, const struct clgan_tensor *prob);

/* Weighting of the squared-error loss. */
enum clgan_ops_sq {
    CLGAN_OPS_SQ_MEAN = 0,     /* mean squared error: sum d^2 / n, gradient 2d/n (PyTorch) */
    CLGAN_OPS_SQ_HALF_SUM = 1, /* 1/2 sum d^2, gradient d */
    CLGAN_OPS_SQ_SUM = 2,      /* sum d^2, gradient 2d (SNNS's error) */
};

/*
 * Squared error between x (outputs) and y (targets) over the n elements of x (y and dx as many,
 * in any shape), d = x - y, where a difference with |d| <= dmax counts as 0 (SNNS's dmax; 0
 * turns it off):
 *   loss = s * w * sum d^2, dx = s * w * 2d, w = 1/n, 1/2 or 1 by kind.
 */
clgan_status clgan_ops_loss_sq(clgan_ctx *ctx, enum clgan_ops_sq kind, float scale, float dmax,
                               const struct clgan_tensor *x, const struct clgan_tensor *y,
                               const struct clgan_tensor *dx, float dx_beta,
                               const struct clgan_tensor *loss, float loss_beta);

/*
 * Softmax cross-entropy over rows: x logits, a row per sample (rows = x's n, cols = its c*h*w),
 * t targets and dx as many rows of as many floats (one-hot, or any non-negative weights):
 *   loss = s/rows * sum_r sum_c t_rc * (logsumexp(x_r) - x_rc)
 *   dx_rc = s/rows * (softmax(x_r)_c * sum_c t_rc - t_rc)
 *   acc = fraction of rows whose (first) largest logit is at the (first) largest target
 *         (overwritten; NULL skips).
 */
clgan_status clgan_ops_loss_softmax_xent(clgan_ctx *ctx, float scale, const struct clgan_tensor *x,
                                         const struct clgan_tensor *t,
                                         const struct clgan_tensor *dx, float dx_beta,
                                         const struct clgan_tensor *loss, float loss_beta,
                                         const struct clgan_tensor *acc);

#endif /* CLGAN_OPS_LOSS_H */

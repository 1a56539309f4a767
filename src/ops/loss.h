/*
 * loss.h - losses on the device, each writing its scalar into a device buffer (read back only
 * when logged) and its gradient. One work-group per call: deterministic sums, no atomics.
 *
 * Conventions: a scalar goes to out[off] = out_beta*out[off] + value (out_beta 0 overwrites, 1
 * accumulates, e.g. the D loss over real and fake batches); the gradient likewise with dx_beta.
 * A NULL buffer skips that output. The scale s multiplies both loss and gradient.
 */
#ifndef CLGAN_OPS_LOSS_H
#define CLGAN_OPS_LOSS_H

#include "runtime/rt.h"

/*
 * Binary cross-entropy with logits against one target value t for the whole batch (1 real,
 * 0 fake, 0.9 one-sided label smoothing), numerically stable for any |x|:
 *   loss = s * mean_i [max(x_i, 0) - x_i*t + log1p(exp(-|x_i|))]
 *   dx_i = s * (sigmoid(x_i) - t) / n
 *   prob = mean_i sigmoid(x_i)          (D(x) or D(G(z)) for the logs; overwritten)
 * The non-saturating G loss is t = 1, s = 1; the minimax G loss is t = 0, s = -1.
 * dx may be x.
 */
clgan_status clgan_ops_loss_bce_logits(clgan_ctx *ctx, size_t n, float target, float scale,
                                       cl_mem x, size_t x_off, cl_mem dx, size_t dx_off,
                                       float dx_beta, cl_mem loss, size_t loss_off, float loss_beta,
                                       cl_mem prob, size_t prob_off);

/* Weighting of the squared-error loss. */
enum clgan_ops_sq {
    CLGAN_OPS_SQ_MEAN = 0,     /* mean squared error: sum d^2 / n, gradient 2d/n (PyTorch) */
    CLGAN_OPS_SQ_HALF_SUM = 1, /* 1/2 sum d^2, gradient d */
    CLGAN_OPS_SQ_SUM = 2,      /* sum d^2, gradient 2d (SNNS's error) */
};

/*
 * Squared error between x (outputs) and y (targets) over n elements, d = x - y, where a
 * difference with |d| <= dmax counts as 0 (SNNS's dmax; 0 turns it off):
 *   loss = s * w * sum d^2, dx = s * w * 2d, w = 1/n, 1/2 or 1 by kind.
 */
clgan_status clgan_ops_loss_sq(clgan_ctx *ctx, enum clgan_ops_sq kind, size_t n, float scale,
                               float dmax, cl_mem x, size_t x_off, cl_mem y, size_t y_off,
                               cl_mem dx, size_t dx_off, float dx_beta, cl_mem loss,
                               size_t loss_off, float loss_beta);

/*
 * Softmax cross-entropy over rows: x logits [rows, cols], t targets [rows, cols] as floats
 * (one-hot, or any non-negative weights), row-major:
 *   loss = s/rows * sum_r sum_c t_rc * (logsumexp(x_r) - x_rc)
 *   dx_rc = s/rows * (softmax(x_r)_c * sum_c t_rc - t_rc)
 *   acc = fraction of rows whose (first) largest logit is at the (first) largest target
 *         (overwritten; NULL skips).
 */
clgan_status clgan_ops_loss_softmax_xent(clgan_ctx *ctx, size_t rows, size_t cols, float scale,
                                         cl_mem x, size_t x_off, cl_mem t, size_t t_off, cl_mem dx,
                                         size_t dx_off, float dx_beta, cl_mem loss, size_t loss_off,
                                         float loss_beta, cl_mem acc, size_t acc_off);

#endif /* CLGAN_OPS_LOSS_H */

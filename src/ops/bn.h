/*
 * bn.h - batch normalisation on the device, PyTorch's BatchNorm2d (NCHW, statistics per channel
 * over N, H, W) and BatchNorm1d (N x C features: x [n, c, 1, 1]). Training forward normalises with
 * the batch statistics (biased variance), saves mean and 1/sqrt(var + eps) for backward and updates
 * the running statistics (variance unbiased, as PyTorch); evaluation forward uses the running
 * statistics. Reductions are per channel in one work-group each: deterministic, no atomics.
 */
#ifndef CLGAN_OPS_BN_H
#define CLGAN_OPS_BN_H

#include "runtime/rt.h"
#include "runtime/tensor.h"

#define CLGAN_OPS_BN_EPS      1e-5f
#define CLGAN_OPS_BN_MOMENTUM 0.1f

/* Activation fused after the normalisation (struct clgan_ops_bn's act). */
enum clgan_ops_bn_act {
    CLGAN_OPS_BN_ACT_NONE = 0,
    CLGAN_OPS_BN_ACT_RELU = 1,
    CLGAN_OPS_BN_ACT_LRELU = 2, /* negative slope act_slope >= 0 */
};

/*
 * Settings and per-channel views of one batch-norm layer. The shape comes from the x view of
 * each call: x [n, c, h, w] (hw = h*w; [n, c, 1, 1] for 1-D batch norm), and every per-channel
 * view holds c elements in any shape. A view whose mem is NULL is absent.
 */
struct clgan_ops_bn {
    float eps;      /* CLGAN_OPS_BN_EPS */
    float momentum; /* running = (1 - momentum)*running + momentum*batch */
    struct clgan_tensor gamma, beta;
    struct clgan_tensor run_mean, run_var; /* absent: training forward leaves them alone */
    struct clgan_tensor save_mean;         /* written by training forward, read by backward */
    struct clgan_tensor save_invstd;
    /* With act set, the forwards write y = act(bn(x)) (one pass instead of two) and backward
     * takes dy as the gradient of that output: it needs the forward's output in act_y (x's
     * shape; the gradient is gated as the activation's own backward gates it, from its
     * output). */
    enum clgan_ops_bn_act act;
    float act_slope;
    struct clgan_tensor act_y;
};

/*
 * Every op checks its views: x and the tensors of its shape (y, dy, dx, act_y) [n, c, h, w],
 * the per-channel ones c elements; all float32 (another dtype: UNSUPPORTED naming the op and
 * the dtype) and inside their buffers (bytes through the dtype). INVALID_ARGUMENT otherwise,
 * naming the op and the tensor.
 *
 * Training forward: y = (x - mean) / sqrt(var + eps) * gamma + beta with the batch statistics
 * of each channel; y may be x. Needs n*h*w >= 2 per channel (INVALID_ARGUMENT otherwise, as
 * PyTorch refuses one value per channel).
 */
clgan_status clgan_ops_bn_fwd_train(clgan_ctx *ctx, const struct clgan_ops_bn *bn,
                                    const struct clgan_tensor *x, const struct clgan_tensor *y);

/* Evaluation forward with the running statistics; y may be x. */
clgan_status clgan_ops_bn_fwd_eval(clgan_ctx *ctx, const struct clgan_ops_bn *bn,
                                   const struct clgan_tensor *x, const struct clgan_tensor *y);

/*
 * Backward of the training forward, from its input x and saved statistics (and, with a fused
 * activation, its output act_y: INVALID_ARGUMENT when missing): dx (NULL or without a buffer:
 * skip; may be dy or x) and the parameter gradients dgamma, dbeta ([c]; either absent: skip
 * both) as grad = gbeta*grad + new (gbeta 0 overwrites, 1 accumulates).
 */
clgan_status clgan_ops_bn_bwd(clgan_ctx *ctx, const struct clgan_ops_bn *bn,
                              const struct clgan_tensor *x, const struct clgan_tensor *dy,
                              const struct clgan_tensor *dx, const struct clgan_tensor *dgamma,
                              const struct clgan_tensor *dbeta, float gbeta);

#endif /* CLGAN_OPS_BN_H */

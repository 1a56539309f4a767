/*
 * bn.h - batch normalisation on the device, PyTorch's BatchNorm2d (NCHW, statistics per channel
 * over N, H, W) and BatchNorm1d (N x C features: hw = 1). Training forward normalises with the
 * batch statistics (biased variance), saves mean and 1/sqrt(var + eps) for backward and updates
 * the running statistics (variance unbiased, as PyTorch); evaluation forward uses the running
 * statistics. Reductions are per channel in one work-group each: deterministic, no atomics.
 */
#ifndef CLGAN_OPS_BN_H
#define CLGAN_OPS_BN_H

#include "runtime/rt.h"

#define CLGAN_OPS_BN_EPS      1e-5f
#define CLGAN_OPS_BN_MOMENTUM 0.1f

/* Activation fused after the normalisation (struct clgan_ops_bn's act). */
enum clgan_ops_bn_act {
    CLGAN_OPS_BN_ACT_NONE = 0,
    CLGAN_OPS_BN_ACT_RELU = 1,
    CLGAN_OPS_BN_ACT_LRELU = 2, /* negative slope act_slope >= 0 */
};

/* Shape, settings and per-channel vectors ([c] floats each) of one batch-norm layer. */
struct clgan_ops_bn {
    size_t n, c, hw; /* x is [n, c, hw]; hw = H*W, 1 for 1-D batch norm */
    float eps;       /* CLGAN_OPS_BN_EPS */
    float momentum;  /* running = (1 - momentum)*running + momentum*batch */
    cl_mem gamma;
    size_t gamma_off;
    cl_mem beta;
    size_t beta_off;
    cl_mem run_mean; /* NULL: training forward leaves running statistics alone */
    size_t run_mean_off;
    cl_mem run_var;
    size_t run_var_off;
    cl_mem save_mean; /* written by training forward, read by backward */
    size_t save_mean_off;
    cl_mem save_invstd;
    size_t save_invstd_off;
    /* With act set, the forwards write y = act(bn(x)) (one pass instead of two) and backward
     * takes dy as the gradient of that output: it needs the forward's output in act_y (the
     * gradient is gated as the activation's own backward gates it, from its output). */
    enum clgan_ops_bn_act act;
    float act_slope;
    cl_mem act_y;
    size_t act_y_off;
};

/*
 * Training forward: y = (x - mean) / sqrt(var + eps) * gamma + beta with the batch statistics
 * of each channel; y may be x. Needs n*hw >= 2 per channel (INVALID_ARGUMENT otherwise, as
 * PyTorch refuses one value per channel).
 */
clgan_status clgan_ops_bn_fwd_train(clgan_ctx *ctx, const struct clgan_ops_bn *bn, cl_mem x,
                                    size_t x_off, cl_mem y, size_t y_off);

/* Evaluation forward with the running statistics; y may be x. */
clgan_status clgan_ops_bn_fwd_eval(clgan_ctx *ctx, const struct clgan_ops_bn *bn, cl_mem x,
                                   size_t x_off, cl_mem y, size_t y_off);

/*
 * Backward of the training forward, from its input x and saved statistics (and, with a fused
 * activation, its output act_y: INVALID_ARGUMENT when missing): dx (NULL: skip; may be dy or x) and
 * the parameter gradients dgamma, dbeta ([c]; NULL: skip both) as grad = gbeta*grad + new (gbeta 0
 * overwrites, 1 accumulates).
 */
clgan_status clgan_ops_bn_bwd(clgan_ctx *ctx, const struct clgan_ops_bn *bn, cl_mem x, size_t x_off,
                              cl_mem dy, size_t dy_off, cl_mem dx, size_t dx_off, cl_mem dgamma,
                              size_t dgamma_off, cl_mem dbeta, size_t dbeta_off, float gbeta);

#endif /* CLGAN_OPS_BN_H */

/*
 * opt.h - optimizers on the device over flat buffers: one launch updates all n parameters of a
 * model (theta), from its gradient buffer and its state buffers. Semantics are PyTorch's for
 * SGD and Adam and SNNS's batch Quickprop (see cl/opt.cl for the exact formulas).
 */
#ifndef CLGAN_OPS_OPT_H
#define CLGAN_OPS_OPT_H

#include "runtime/rt.h"

/*
 * SGD with momentum and L2 weight decay: g = grad + wd*theta; buf = momentum*buf + g (buf = g
 * when first, the first step); theta -= lr*buf. momentum 0: no buffer (buf may be NULL).
 */
clgan_status clgan_ops_opt_sgd(clgan_ctx *ctx, size_t n, float lr, float momentum,
                               float weight_decay, int first, cl_mem theta, size_t theta_off,
                               cl_mem grad, size_t grad_off, cl_mem buf, size_t buf_off);

/*
 * Adam, step t = 1, 2, ... (m and v start at 0): g = grad + wd*theta;
 * m = beta1*m + (1-beta1)*g; v = beta2*v + (1-beta2)*g^2;
 * theta -= lr * (m/(1-beta1^t)) / (sqrt(v/(1-beta2^t)) + eps)   (eps outside the root).
 */
clgan_status clgan_ops_opt_adam(clgan_ctx *ctx, size_t n, float lr, float beta1, float beta2,
                                float eps, float weight_decay, long long step, cl_mem theta,
                                size_t theta_off, cl_mem grad, size_t grad_off, cl_mem m,
                                size_t m_off, cl_mem v, size_t v_off);

/*
 * Quickprop (SNNS, batch): grad holds the slope dE/dtheta summed over the epoch, prev_step and
 * prev_slope the previous step and slope (0 before the first epoch). Updates theta, sets
 * prev_step and prev_slope, and sets grad to decay*theta so that the next epoch accumulates
 * onto it (zero grad before the first epoch). SNNS's dmax belongs to the loss
 * (clgan_ops_loss_sq). Needs eta >= 0 and mu >= 0.
 */
clgan_status clgan_ops_opt_quickprop(clgan_ctx *ctx, size_t n, float eta, float mu, float decay,
                                     cl_mem theta, size_t theta_off, cl_mem grad, size_t grad_off,
                                     cl_mem prev_step, size_t prev_step_off, cl_mem prev_slope,
                                     size_t prev_slope_off);

#endif /* CLGAN_OPS_OPT_H */

/* opt.c - optimizers (cl/opt.cl); see opt.h. */
#include <math.h>

#include "ops/opt.h"

clgan_status clgan_ops_opt_sgd(clgan_ctx *ctx, size_t n, float lr, float momentum,
                               float weight_decay, int first, cl_mem theta, size_t theta_off,
                               cl_mem grad, size_t grad_off, cl_mem buf, size_t buf_off)
{
    if (momentum != 0.0f && !buf)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "sgd: momentum %g needs a momentum buffer", (double)momentum);
    return clgan_rt_launch1d(ctx, CLGAN_K(opt_sgd), n, "lfffimlmlml", (uint64_t)n, (double)lr,
                             (double)momentum, (double)weight_decay, first ? 1 : 0, theta,
                             (uint64_t)theta_off, grad, (uint64_t)grad_off, buf ? buf : theta,
                             (uint64_t)buf_off);
}

clgan_status clgan_ops_opt_adam(clgan_ctx *ctx, size_t n, float lr, float beta1, float beta2,
                                float eps, float weight_decay, long long step, cl_mem theta,
                                size_t theta_off, cl_mem grad, size_t grad_off, cl_mem m,
                                size_t m_off, cl_mem v, size_t v_off)
{
    if (step < 1 || !(beta1 >= 0.0f && beta1 < 1.0f) || !(beta2 >= 0.0f && beta2 < 1.0f))
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "adam: step %lld, betas (%g, %g): need step >= 1, betas in [0, 1)",
                             step, (double)beta1, (double)beta2);
    double bc1 = 1.0 - pow(beta1, (double)step), bc2 = 1.0 - pow(beta2, (double)step);
    return clgan_rt_launch1d(ctx, CLGAN_K(opt_adam), n, "lffffffffmlmlmlml", (uint64_t)n,
                             (double)beta1, 1.0 - (double)beta1, (double)beta2, 1.0 - (double)beta2,
                             (double)eps, (double)weight_decay, lr / bc1, sqrt(bc2), theta,
                             (uint64_t)theta_off, grad, (uint64_t)grad_off, m, (uint64_t)m_off, v,
                             (uint64_t)v_off);
}

clgan_status clgan_ops_opt_quickprop(clgan_ctx *ctx, size_t n, float eta, float mu, float decay,
                                     cl_mem theta, size_t theta_off, cl_mem grad, size_t grad_off,
                                     cl_mem prev_step, size_t prev_step_off, cl_mem prev_slope,
                                     size_t prev_slope_off)
{
    if (!(eta >= 0.0f) || !(mu >= 0.0f))
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "quickprop: eta %g, mu %g: both must be >= 0", (double)eta,
                             (double)mu);
    float shrink = (float)((double)mu / (1.0 + (double)mu));
    return clgan_rt_launch1d(ctx, CLGAN_K(opt_quickprop), n, "lffffmlmlmlml", (uint64_t)n,
                             (double)eta, (double)mu, (double)shrink, (double)decay, theta,
                             (uint64_t)theta_off, grad, (uint64_t)grad_off, prev_step,
                             (uint64_t)prev_step_off, prev_slope, (uint64_t)prev_slope_off);
}

/*
 * opt.h - plain-C reference of the optimizers (ops/opt.h): arithmetic in double, state kept in
 * float arrays as on the device. Quickprop takes its branches on the float values exactly as
 * the device does.
 */
#ifndef CLGAN_REF_OPT_H
#define CLGAN_REF_OPT_H

#include <stddef.h>

void clgan_ref_opt_sgd(size_t n, float lr, float momentum, float weight_decay, int first,
                       float *theta, const float *grad, float *buf);

void clgan_ref_opt_adam(size_t n, float lr, float beta1, float beta2, float eps, float weight_decay,
                        long long step, float *theta, const float *grad, float *m, float *v);

void clgan_ref_opt_quickprop(size_t n, float eta, float mu, float decay, float *theta, float *grad,
                             float *prev_step, float *prev_slope);

#endif /* CLGAN_REF_OPT_H */

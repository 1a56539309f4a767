/*
 * bn.h - plain-C reference of batch normalisation (ops/bn.h), in double. x is [n, c, hw]
 * (NCHW, hw = H*W; hw = 1 for 1-D); per-channel vectors are [c]. The float functions match the
 * device ops; the _d ones do the same in double throughout (finite-difference tests).
 */
#ifndef CLGAN_REF_BN_H
#define CLGAN_REF_BN_H

#include <stddef.h>

/* Training forward (y may be x). run_mean/run_var NULL: no update. save_* receive the batch mean
 * and 1/sqrt(var + eps). n*hw must be >= 2. */
void clgan_ref_bn_fwd_train(size_t n, size_t c, size_t hw, float eps, float momentum,
                            const float *x, float *y, const float *gamma, const float *beta,
                            float *run_mean, float *run_var, float *save_mean, float *save_invstd);
void clgan_ref_bn_fwd_train_d(size_t n, size_t c, size_t hw, double eps, double momentum,
                              const double *x, double *y, const double *gamma, const double *beta,
                              double *run_mean, double *run_var, double *save_mean,
                              double *save_invstd);

/* Evaluation forward with running statistics. */
void clgan_ref_bn_fwd_eval(size_t n, size_t c, size_t hw, float eps, const float *x, float *y,
                           const float *gamma, const float *beta, const float *run_mean,
                           const float *run_var);

/* Backward: dx (NULL: skip), dgamma/dbeta (NULL: skip) as grad = gbeta*grad + new. */
void clgan_ref_bn_bwd(size_t n, size_t c, size_t hw, const float *x, const float *dy,
                      const float *gamma, const float *save_mean, const float *save_invstd,
                      float *dx, float *dgamma, float *dbeta, float gbeta);
void clgan_ref_bn_bwd_d(size_t n, size_t c, size_t hw, const double *x, const double *dy,
                        const double *gamma, const double *save_mean, const double *save_invstd,
                        double *dx, double *dgamma, double *dbeta, double gbeta);

#endif /* CLGAN_REF_BN_H */

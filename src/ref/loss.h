/*
 * loss.h - plain-C reference of the losses (ops/loss.h), in double. The float functions match
 * the device ops (NULL skips an output; *_beta 0 overwrites, 1 accumulates); the _d ones return
 * the loss in double and overwrite dx (NULL skips) for the finite-difference tests.
 */
#ifndef CLGAN_REF_LOSS_H
#define CLGAN_REF_LOSS_H

#include <stddef.h>

void clgan_ref_loss_bce_logits(size_t n, float target, float scale, const float *x, float *dx,
                               float dx_beta, float *loss, float loss_beta, float *prob);
double clgan_ref_loss_bce_logits_d(size_t n, double target, double scale, const double *x,
                                   double *dx);

/* kind: 0 mean (sum d^2 / n), 1 half sum, 2 sum, as enum clgan_ops_sq. */
void clgan_ref_loss_sq(int kind, size_t n, float scale, float dmax, const float *x, const float *y,
                       float *dx, float dx_beta, float *loss, float loss_beta);
double clgan_ref_loss_sq_d(int kind, size_t n, double scale, double dmax, const double *x,
                           const double *y, double *dx);

void clgan_ref_loss_softmax_xent(size_t rows, size_t cols, float scale, const float *x,
                                 const float *t, float *dx, float dx_beta, float *loss,
                                 float loss_beta, float *acc);
double clgan_ref_loss_softmax_xent_d(size_t rows, size_t cols, double scale, const double *x,
                                     const double *t, double *dx);

#endif /* CLGAN_REF_LOSS_H */

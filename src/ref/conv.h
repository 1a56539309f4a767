/*
 * conv.h - plain-C references of the convolution family: conv2d, transposed conv2d (the
 * adjoint of conv2d, PyTorch ConvTranspose2d) and linear (dense) layers, forward and every
 * backward. Computed directly from the definitions with nested loops and double accumulation
 * (no im2col), so that they check the device path independently.
 *
 * The shape structs come from base/shape.h, below both this reference and the device ops;
 * ops/conv.h adds the output-size, validation, workspace and FLOP helpers.
 *
 * Layouts (float32, row-major): images NCHW; conv2d weight [cout][cin][k][k]; transposed conv2d
 * weight [cin][cout][k][k]; linear x [n][in], y [n][out], weight [out][in]; biases [cout] or
 * [out]. Parameter gradients take beta: 0 overwrites (the old value is not read), otherwise
 * grad = beta * grad + new.
 */
#ifndef CLGAN_REF_CONV_H
#define CLGAN_REF_CONV_H

#include <stddef.h>

#include "base/shape.h"

/* conv2d: y = conv(x, w) + b; b may be NULL (no bias). */
void clgan_ref_conv2d_fwd(const struct clgan_conv_shape *s, const float *x, const float *w,
                          const float *b, float *y);
/* conv2d: dx = dL/dx given dy = dL/dy (overwrites dx). */
void clgan_ref_conv2d_bwd_data(const struct clgan_conv_shape *s, const float *dy, const float *w,
                               float *dx);
/* conv2d: dw = beta * dw + dL/dw. */
void clgan_ref_conv2d_bwd_weight(const struct clgan_conv_shape *s, const float *x, const float *dy,
                                 float beta, float *dw);
/* conv2d and transposed conv2d: db[c] = beta * db[c] + sum over n, y, x of dy[n][c][y][x]. */
void clgan_ref_conv2d_bwd_bias(const struct clgan_conv_shape *s, const float *dy, float beta,
                               float *db);

/* Transposed conv2d (PyTorch ConvTranspose2d, weight [cin][cout][k][k]); b may be NULL. */
void clgan_ref_convt2d_fwd(const struct clgan_conv_shape *s, const float *x, const float *w,
                           const float *b, float *y);
void clgan_ref_convt2d_bwd_data(const struct clgan_conv_shape *s, const float *dy, const float *w,
                                float *dx);
void clgan_ref_convt2d_bwd_weight(const struct clgan_conv_shape *s, const float *x, const float *dy,
                                  float beta, float *dw);
void clgan_ref_convt2d_bwd_bias(const struct clgan_conv_shape *s, const float *dy, float beta,
                                float *db);

/* Linear: y = x W^T + b (b may be NULL); dx = dy W; dw = beta dw + dy^T x;
 * db = beta db + sum over the batch of dy. */
void clgan_ref_linear_fwd(const struct clgan_linear_shape *s, const float *x, const float *w,
                          const float *b, float *y);
void clgan_ref_linear_bwd_data(const struct clgan_linear_shape *s, const float *dy, const float *w,
                               float *dx);
void clgan_ref_linear_bwd_weight(const struct clgan_linear_shape *s, const float *x,
                                 const float *dy, float beta, float *dw);
void clgan_ref_linear_bwd_bias(const struct clgan_linear_shape *s, const float *dy, float beta,
                               float *db);

#endif /* CLGAN_REF_CONV_H */

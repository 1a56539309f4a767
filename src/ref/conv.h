/*
 * conv.h - plain-C references of the convolution family: conv2d, transposed conv2d (the
 * adjoint of conv2d, PyTorch ConvTranspose2d) and linear (dense) layers, forward and every
 * backward. Computed directly from the definitions with nested loops and double accumulation
 * (no im2col), so that they check the device path independently.
 *
 * The shape structs are defined here, the lowest layer that uses them; ops/conv.h adds the
 * output-size, validation, workspace and FLOP helpers.
 *
 * Layouts (float32, row-major): images NCHW; conv2d weight [cout][cin][k][k]; transposed conv2d
 * weight [cin][cout][k][k]; linear x [n][in], y [n][out], weight [out][in]; biases [cout] or
 * [out]. Parameter gradients take beta: 0 overwrites (the old value is not read), otherwise
 * grad = beta * grad + new.
 */
#ifndef CLGAN_REF_CONV_H
#define CLGAN_REF_CONV_H

#include <stddef.h>

/*
 * A square-kernel 2-D convolution over a batch. Input [n][cin][h][w], output [n][cout][ho][wo]
 * with, for conv2d, ho = (h + 2 pad - k) / stride + 1 and, for the transposed convolution,
 * ho = (h - 1) stride - 2 pad + k + out_pad (same for w). out_pad (0 <= out_pad < stride) only
 * applies to the transposed convolution and must be 0 for conv2d.
 */
struct clgan_conv_shape {
    int n;              /* batch */
    int cin, h, w;      /* input channels and size */
    int cout;           /* output channels */
    int k, stride, pad; /* kernel size, stride, zero padding on every side */
    int out_pad;        /* transposed only: extra output rows/columns at the bottom/right */
};

/* A dense layer over a batch: x [n][in] -> y [n][out], y = x W^T + b. */
struct clgan_linear_shape {
    int n, in, out;
};

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

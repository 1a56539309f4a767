/*
 * shape.h - the shapes of the convolution family (conv2d, transposed conv2d, linear), plain C
 * types with no calls and no OpenCL. They sit below every layer so that the device ops
 * (ops/conv.h) and the plain-C reference they are checked against (ref/conv.h) share them
 * without either depending on the other.
 *
 * Layouts (float32, row-major): images NCHW; conv2d weight [cout][cin][k][k]; transposed conv2d
 * weight [cin][cout][k][k]; linear x [n][in], y [n][out], weight [out][in]; biases [cout] or
 * [out].
 */
#ifndef CLGAN_BASE_SHAPE_H
#define CLGAN_BASE_SHAPE_H

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

#endif /* CLGAN_BASE_SHAPE_H */

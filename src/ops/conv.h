/*
 * conv.h - device ops of the convolution family: conv2d, transposed conv2d (PyTorch
 * ConvTranspose2d, the exact adjoint of conv2d) and linear, forward and backward over a whole
 * batch, built from im2col / col2im kernels (cl/conv.cl) and the GEMM wrapper (ops/gemm.h).
 *
 * Shapes as in base/shape.h, layouts as in ref/conv.h: NCHW images; conv2d weight
 * [cout][cin][k][k]; transposed weight [cin][cout][k][k]; linear weight [out][in]; biases
 * [cout] / [out]. Tensors are views (runtime/tensor.h), checked against the shape, which stays
 * the geometry of the op (stride, padding and output padding are no part of a view):
 *   images: exactly [n][c][h][w] of their side (conv2d x [n, cin, h, w], y [n, cout, ho, wo]);
 *   linear x, y: n samples of in / out elements each, in any c x h x w (a sample is flattened);
 *   weights and biases: their element count in any shape (n = cout, c = cin, h = w = k reads
 *   best for a conv weight; a flat view c = count does as well).
 * Every view must be float32 (another dtype: UNSUPPORTED, naming the op and the dtype) and lie
 * inside its buffer, the range computed in bytes through its dtype. An optional view (a bias)
 * is absent as NULL or as a view without a buffer.
 *
 * Batched layout: the whole batch is unfolded at once into one column matrix with
 * cin*k*k rows and n*ho*wo columns (image-major), so a layer is one GEMM with a long N side
 * (for dcgan32 at batch 64: 1024 to 16384 columns) rather than n small GEMMs (down to 1x1
 * images in G's first and D's last layer). The GEMM produces or reads matrices in the layout
 * [channel][n][h*w] ("CNHW"); a permute kernel converts to or from NCHW, skipped when n == 1 or
 * the channel count is 1 (the layouts agree). So each pass is 2 or 3 launches:
 *   conv2d   fwd: im2col(x), GEMM W col, permute (+ bias)
 *            bwd_data: permute(dy), GEMM W^T dy, col2im          (a gather, no atomics)
 *            bwd_weight: im2col(x), permute(dy), GEMM dy col^T (beta)
 *   convt2d  fwd: permute(x), GEMM W^T x, col2im (+ bias)
 *            bwd_data: im2col(dy), GEMM W col, permute
 *            bwd_weight: im2col(dy), permute(x), GEMM x col^T (beta)
 *   linear   fwd: GEMM x W^T, bias add; bwd_data: GEMM dy W; bwd_weight: GEMM dy^T x (beta)
 *   bias grads: one reduction kernel, a work-group per channel (deterministic).
 *
 * Workspace: ops that need one take (ws, ws_off) from the caller and use the first
 * clgan_ops_*_workspace(shape, pass) elements (of the views' dtype) from element ws_off; its
 * content is scratch. It stays a buffer and an offset, not a view: it is no tensor, and its
 * size may pass what a view's int dimensions can say. A layer can allocate the largest over
 * the passes it runs. Parameter gradients take beta: 0 overwrites (the old content is not
 * read), otherwise grad = beta * grad + new. Data gradients overwrite.
 * Tensors of one call must not overlap, except that the workspace may be reused across calls.
 *
 * Errors: INVALID_ARGUMENT with a message naming the op and the bad value (shape, missing view
 * or buffer, a view that disagrees with the shape or reaches past the end of its buffer);
 * UNSUPPORTED for a dtype other than float32; otherwise what the kernel launch or GEMM returns.
 */
#ifndef CLGAN_OPS_CONV_H
#define CLGAN_OPS_CONV_H

#include "base/shape.h"
#include "ops/act.h"
#include "runtime/rt.h"
#include "runtime/tensor.h"

/* The passes of a layer, for workspace sizes and FLOP counts. */
enum clgan_conv_pass {
    CLGAN_CONV_FWD = 0,
    CLGAN_CONV_BWD_DATA = 1,
    CLGAN_CONV_BWD_WEIGHT = 2,
    CLGAN_CONV_BWD_BIAS = 3,
};

/* Output height and width of conv2d / transposed conv2d (computed, not validated). */
void clgan_ops_conv2d_out_hw(const struct clgan_conv_shape *s, int *ho, int *wo);
void clgan_ops_convt2d_out_hw(const struct clgan_conv_shape *s, int *ho, int *wo);

/*
 * Check a shape: sizes >= 1, pad >= 0, an output of at least 1x1, out_pad 0 (conv2d) or
 * 0 <= out_pad < stride (transposed), every tensor and the column matrix under 2^31 elements.
 * OK, or INVALID_ARGUMENT with the reason in ctx (ctx may be NULL).
 */
clgan_status clgan_ops_conv2d_check(clgan_ctx *ctx, const struct clgan_conv_shape *s);
clgan_status clgan_ops_convt2d_check(clgan_ctx *ctx, const struct clgan_conv_shape *s);
clgan_status clgan_ops_linear_check(clgan_ctx *ctx, const struct clgan_linear_shape *s);

/* Reserve the GEMM backend's workspace for every GEMM of this layer's passes at this shape, so
 * that running them allocates nothing (a model's plan does this at init). */
clgan_status clgan_ops_conv_reserve(clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                    int transposed);
clgan_status clgan_ops_linear_reserve(clgan_ctx *ctx, const struct clgan_linear_shape *s);

/* Workspace floats a pass needs (0 for none or for an invalid shape): by the route it takes on
 * ctx's device (which resolves the routes under AUTO, see clgan_ctx_conv_note), or with ctx NULL
 * enough for either route on any device. */
size_t clgan_ops_conv2d_workspace(const clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                  enum clgan_conv_pass pass);
size_t clgan_ops_convt2d_workspace(const clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                   enum clgan_conv_pass pass);

/* Floating-point operations of a pass: 2 per multiply-add of the GEMM (im2col, permutes not
 * counted); BWD_BIAS counts one add per dy element. 0 for an invalid shape. */
double clgan_ops_conv2d_flops(const struct clgan_conv_shape *s, enum clgan_conv_pass pass);
double clgan_ops_convt2d_flops(const struct clgan_conv_shape *s, enum clgan_conv_pass pass);
double clgan_ops_linear_flops(const struct clgan_linear_shape *s, enum clgan_conv_pass pass);

/* conv2d: y = conv(x, w) + b. b NULL or without a buffer: no bias. Workspace: FWD. */
clgan_status clgan_ops_conv2d_fwd(clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                  const struct clgan_tensor *x, const struct clgan_tensor *w,
                                  const struct clgan_tensor *b, const struct clgan_tensor *y,
                                  cl_mem ws, size_t ws_off);
/* conv2d: dx = dL/dx from dy (overwrites dx). Workspace: BWD_DATA. */
clgan_status clgan_ops_conv2d_bwd_data(clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                       const struct clgan_tensor *dy, const struct clgan_tensor *w,
                                       const struct clgan_tensor *dx, cl_mem ws, size_t ws_off);
/* conv2d: dw = beta dw + dL/dw. Workspace: BWD_WEIGHT. */
clgan_status clgan_ops_conv2d_bwd_weight(clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                         const struct clgan_tensor *x,
                                         const struct clgan_tensor *dy, float beta,
                                         const struct clgan_tensor *dw, cl_mem ws, size_t ws_off);
/* conv2d: db = beta db + sum of dy over batch and positions. No workspace. */
clgan_status clgan_ops_conv2d_bwd_bias(clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                       const struct clgan_tensor *dy, float beta,
                                       const struct clgan_tensor *db);

/* Transposed conv2d, the same four passes (weight [cin][cout][k][k]; x [n, cin, h, w], y
 * [n, cout, ho, wo]). */
clgan_status clgan_ops_convt2d_fwd(clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                   const struct clgan_tensor *x, const struct clgan_tensor *w,
                                   const struct clgan_tensor *b, const struct clgan_tensor *y,
                                   cl_mem ws, size_t ws_off);
clgan_status clgan_ops_convt2d_bwd_data(clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                        const struct clgan_tensor *dy, const struct clgan_tensor *w,
                                        const struct clgan_tensor *dx, cl_mem ws, size_t ws_off);
clgan_status clgan_ops_convt2d_bwd_weight(clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                          const struct clgan_tensor *x,
                                          const struct clgan_tensor *dy, float beta,
                                          const struct clgan_tensor *dw, cl_mem ws, size_t ws_off);
clgan_status clgan_ops_convt2d_bwd_bias(clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                        const struct clgan_tensor *dy, float beta,
                                        const struct clgan_tensor *db);

/*
 * Fused epilogues of the forward and input-gradient passes (the *_epi calls; NULL: none).
 * Without a gate the pass stores act(out): the activation after the layer, ReLU or leaky ReLU
 * (slope >= 0). With a gate (a view of the output's shape: the output of that activation in
 * the layer before, whose gradient this pass computes) it stores out * act'(gate), the gradient
 * through the activation, told from the sign of its output.
 * The phase routes (cl/convp.cl) apply it in their last stores; the other routes run the
 * activation kernel over the output after (ops/act.h). The gate must not overlap the output.
 * Another activation or a negative slope: INVALID_ARGUMENT naming the op.
 */
struct clgan_ops_conv_epi {
    enum clgan_ops_act act; /* CLGAN_OPS_ACT_RELU or CLGAN_OPS_ACT_LRELU */
    float slope;            /* leaky ReLU's negative slope */
    const struct clgan_tensor *gate;
};
clgan_status clgan_ops_conv2d_fwd_epi(clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                      const struct clgan_tensor *x, const struct clgan_tensor *w,
                                      const struct clgan_tensor *b,
                                      const struct clgan_ops_conv_epi *epi,
                                      const struct clgan_tensor *y, cl_mem ws, size_t ws_off);
clgan_status clgan_ops_conv2d_bwd_data_epi(clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                           const struct clgan_tensor *dy,
                                           const struct clgan_tensor *w,
                                           const struct clgan_ops_conv_epi *epi,
                                           const struct clgan_tensor *dx, cl_mem ws, size_t ws_off);
clgan_status clgan_ops_convt2d_fwd_epi(clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                       const struct clgan_tensor *x, const struct clgan_tensor *w,
                                       const struct clgan_tensor *b,
                                       const struct clgan_ops_conv_epi *epi,
                                       const struct clgan_tensor *y, cl_mem ws, size_t ws_off);
clgan_status clgan_ops_convt2d_bwd_data_epi(clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                            const struct clgan_tensor *dy,
                                            const struct clgan_tensor *w,
                                            const struct clgan_ops_conv_epi *epi,
                                            const struct clgan_tensor *dx, cl_mem ws,
                                            size_t ws_off);

/* Linear: y = x W^T + b (b NULL or without a buffer: no bias); dx = dy W; dw = beta dw + dy^T x;
 * db = beta db + sum over the batch of dy. No workspace. */
clgan_status clgan_ops_linear_fwd(clgan_ctx *ctx, const struct clgan_linear_shape *s,
                                  const struct clgan_tensor *x, const struct clgan_tensor *w,
                                  const struct clgan_tensor *b, const struct clgan_tensor *y);
clgan_status clgan_ops_linear_bwd_data(clgan_ctx *ctx, const struct clgan_linear_shape *s,
                                       const struct clgan_tensor *dy, const struct clgan_tensor *w,
                                       const struct clgan_tensor *dx);
clgan_status clgan_ops_linear_bwd_weight(clgan_ctx *ctx, const struct clgan_linear_shape *s,
                                         const struct clgan_tensor *x,
                                         const struct clgan_tensor *dy, float beta,
                                         const struct clgan_tensor *dw);
clgan_status clgan_ops_linear_bwd_bias(clgan_ctx *ctx, const struct clgan_linear_shape *s,
                                       const struct clgan_tensor *dy, float beta,
                                       const struct clgan_tensor *db);

#endif /* CLGAN_OPS_CONV_H */

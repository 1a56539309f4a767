/*
 * join.h - ops with several inputs on the device, forward and backward, on tensor views
 * (runtime/tensor.h): channel concatenation of two NCHW tensors, a label embedding (table
 * lookup by class), and the inner product of two tensors per sample.
 *
 * Every op checks its views before launching: a NULL view or buffer, a wrong dtype, shapes that
 * do not match, or a view reaching past the end of its buffer return INVALID_ARGUMENT with a
 * message naming the op and the argument. Gradients are accumulated as d = beta*d + new; beta 0
 * overwrites without reading d (it may hold NaN). Results are deterministic (no atomics).
 */
#ifndef CLGAN_OPS_JOIN_H
#define CLGAN_OPS_JOIN_H

#include "runtime/rt.h"
#include "runtime/tensor.h"

/* y[n][ca+cb][h][w] = channels of a then channels of b (a and b have the same n, h, w). */
clgan_status clgan_ops_join_concat_fwd(clgan_ctx *ctx, const struct clgan_tensor *a,
                                       const struct clgan_tensor *b, const struct clgan_tensor *y);

/* da = beta_a*da + dy[:, :ca]; db = beta_b*db + dy[:, ca:]. da or db may be NULL (skipped);
 * the split ca comes from da's channels, or from dy's less db's when da is NULL. */
clgan_status clgan_ops_join_concat_bwd(clgan_ctx *ctx, const struct clgan_tensor *dy,
                                       const struct clgan_tensor *da, float beta_a,
                                       const struct clgan_tensor *db, float beta_b);

/* Embedding: table w (F32, n = classes, c = dim, h = w = 1), labels (I32, n = batch,
 * c = h = w = 1), y (F32, n = batch, c = dim, h = w = 1): y[i] = w[labels[i]]. Other h, w are
 * accepted where the per-sample sizes c*h*w of w and y agree (an embedding read as a map). A
 * label outside 0..classes-1 gives a zero row; nothing is read outside the table. */
clgan_status clgan_ops_join_embed_fwd(clgan_ctx *ctx, const struct clgan_tensor *w,
                                      const struct clgan_tensor *labels,
                                      const struct clgan_tensor *y);

/* dw = beta*dw + sum over rows i with labels[i] == class of dy[i]; classes = dw's n. One
 * work-item per (class, element) adds the batch in order; labels out of range add nothing. */
clgan_status clgan_ops_join_embed_bwd(clgan_ctx *ctx, const struct clgan_tensor *dy,
                                      const struct clgan_tensor *labels, float beta,
                                      const struct clgan_tensor *dw);

/* Inner product per sample: y[i] = sum_j a[i][j] * b[i][j] over the c*h*w elements of a sample;
 * a and b have the same shape; y has n = batch and c = h = w = 1. */
clgan_status clgan_ops_join_inner_fwd(clgan_ctx *ctx, const struct clgan_tensor *a,
                                      const struct clgan_tensor *b, const struct clgan_tensor *y);

/* da = beta_a*da + dy[i]*b[i]; db = beta_b*db + dy[i]*a[i]; either may be NULL. */
clgan_status clgan_ops_join_inner_bwd(clgan_ctx *ctx, const struct clgan_tensor *dy,
                                      const struct clgan_tensor *a, const struct clgan_tensor *b,
                                      const struct clgan_tensor *da, float beta_a,
                                      const struct clgan_tensor *db, float beta_b);

/* FLOPs, for profiles: 2*n*len for the inner product's forward (a multiply and an add per
 * element pair); its backward counts as much per gradient written. */
double clgan_ops_join_flops_inner(int n, size_t len);

#endif /* CLGAN_OPS_JOIN_H */

/*
 * elt.h - element-wise helpers and reductions on the device: fill, copy, scale, axpy, add; sum and
 * mean into a device scalar (two stages, deterministic); a finite check; and the gather of a
 * uint8 data set into a float NCHW batch. Buffers are (cl_mem, offset in floats) pairs.
 */
#ifndef CLGAN_OPS_ELT_H
#define CLGAN_OPS_ELT_H

#include "runtime/rt.h"

/* Partial sums of the first reduction stage: the most work-groups it uses. */
#define CLGAN_OPS_ELT_SUM_GROUPS 64

/*
 * Work-group size for a local-memory tree reduction in kernel `name`: the largest power of two
 * <= want that the device, the kernel and the local memory (local_bytes_per_item each) allow.
 */
clgan_status clgan_ops_elt_group_size(clgan_ctx *ctx, enum clgan_kid id, size_t want,
                                      size_t local_bytes_per_item, size_t *out);

/* y[i] = value, i < n. */
clgan_status clgan_ops_elt_fill(clgan_ctx *ctx, size_t n, float value, cl_mem y, size_t y_off);

/* y[i] = x[i]; the two ranges must be the same or not overlap. */
clgan_status clgan_ops_elt_copy(clgan_ctx *ctx, size_t n, cl_mem x, size_t x_off, cl_mem y,
                                size_t y_off);

/* y[i] = a * x[i] (y may be x). */
clgan_status clgan_ops_elt_scale(clgan_ctx *ctx, size_t n, float a, cl_mem x, size_t x_off,
                                 cl_mem y, size_t y_off);

/* y[i] += a * x[i] (one fused multiply-add). */
clgan_status clgan_ops_elt_axpy(clgan_ctx *ctx, size_t n, float a, cl_mem x, size_t x_off, cl_mem y,
                                size_t y_off);

/* z[i] = x[i] + y[i] (z may be x or y). */
clgan_status clgan_ops_elt_add(clgan_ctx *ctx, size_t n, cl_mem x, size_t x_off, cl_mem y,
                               size_t y_off, cl_mem z, size_t z_off);

/* Floats of workspace that clgan_ops_elt_sum / _mean need. */
size_t clgan_ops_elt_sum_workspace(size_t n);

/*
 * out[out_off] = beta * out[out_off] + sum of x[0..n) (beta 0 overwrites). Two stages through
 * the workspace (ws, ws_off); the same n on the same device gives the same bits every time.
 */
clgan_status clgan_ops_elt_sum(clgan_ctx *ctx, size_t n, cl_mem x, size_t x_off, cl_mem ws,
                               size_t ws_off, float beta, cl_mem out, size_t out_off);

/* As clgan_ops_elt_sum with the mean (sum / n); n must be > 0. */
clgan_status clgan_ops_elt_mean(clgan_ctx *ctx, size_t n, cl_mem x, size_t x_off, cl_mem ws,
                                size_t ws_off, float beta, cl_mem out, size_t out_off);

/*
 * Finite check: flag[flag_off] becomes 1.0f if any of x[0..n) is NaN or infinite. Without
 * accumulate the flag is first set to 0; with it, earlier findings stay (check several buffers).
 */
clgan_status clgan_ops_elt_finite(clgan_ctx *ctx, size_t n, cl_mem x, size_t x_off, int accumulate,
                                  cl_mem flag, size_t flag_off);

/* A uint8 image data set resident on the device: count images of c x hs x ws bytes. */
struct clgan_ops_u8_set {
    cl_mem data;
    size_t data_off; /* bytes */
    size_t count, c, hs, ws;
};

/*
 * Gather the images idx[idx_off .. idx_off + n) (int32 indices) of a uint8 data set into the
 * float batch out [n, c, hd, wd] at out_off: each image is centred (hd >= hs pads (hd - hs) / 2
 * rows above, the rest below; hd < hs crops the centre), each byte v becomes v * scale + shift,
 * padding counts as byte 0 (so scale 2/255, shift -1 maps to [-1, 1] with -1 padding). An index
 * outside [0, count) gives NaN for that image (clgan_ops_elt_finite finds it).
 */
clgan_status clgan_ops_elt_gather_u8(clgan_ctx *ctx, const struct clgan_ops_u8_set *set, cl_mem idx,
                                     size_t idx_off, size_t n, size_t hd, size_t wd, float scale,
                                     float shift, cl_mem out, size_t out_off);

/* The labels of a batch: out[b] = labels[idx[idx_off + b]] (int32) for b < n, from the uint8
 * labels of a data set of count images on the device; an index outside 0..count-1 gives -1. */
clgan_status clgan_ops_elt_gather_labels(clgan_ctx *ctx, cl_mem labels, size_t count, cl_mem idx,
                                         size_t idx_off, size_t n, cl_mem out, size_t out_off);

#endif /* CLGAN_OPS_ELT_H */

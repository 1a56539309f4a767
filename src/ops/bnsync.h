/*
 * bnsync.h - batch normalisation over a batch split across processes (cl/bnsync.cl): the
 * training forward and backward of bn.h cut at their per-channel reductions, so that each
 * process's sums can be added to the others' in between. Every process then normalises with the
 * statistics of the whole batch, and the result is that of clgan_ops_bn_fwd_train / _bwd on the
 * whole batch up to the order of the float sums. The phases are exposed for tests, which add the
 * sums of slices themselves; the two drivers run them with a reduce callback.
 */
#ifndef CLGAN_OPS_BNSYNC_H
#define CLGAN_OPS_BNSYNC_H

#include "ops/bn.h"

/* A batch norm as the sync kernels take it: x is [n, c, hw] at the buffers' element offsets
 * (clgan_ops_bnsync_desc_of builds one from a clgan_ops_bn and the input view). */
struct clgan_ops_bnsync_desc {
    size_t n, c, hw;
    float eps, momentum;
    cl_mem gamma;
    size_t gamma_off;
    cl_mem beta;
    size_t beta_off;
    cl_mem run_mean; /* NULL: training forward leaves running statistics alone */
    size_t run_mean_off;
    cl_mem run_var;
    size_t run_var_off;
    cl_mem save_mean;
    size_t save_mean_off;
    cl_mem save_invstd;
    size_t save_invstd_off;
    enum clgan_ops_bn_act act;
    float act_slope;
    cl_mem act_y;
    size_t act_y_off;
};

/* The descriptor of bn over input x. */
struct clgan_ops_bnsync_desc clgan_ops_bnsync_desc_of(const struct clgan_ops_bn *bn,
                                                      const struct clgan_tensor *x);

/* How the per-channel sums cross the processes. */
struct clgan_ops_bn_sync {
    /* Sum n floats of mem (from float offset off) over the processes, in place. */
    clgan_status (*reduce)(void *user, clgan_ctx *ctx, cl_mem mem, size_t off, size_t n);
    void *user;
    int world;   /* processes, each with an equal slice of the batch */
    cl_mem sums; /* [2c] floats on the device, c the widest batch norm's channels */
    size_t sums_off;
};

/* sums[0..c) = per-channel sums of x (pass 0); sums[c..2c) = sums of (x - sums[ch]/count)^2
 * (pass 1, after pass 0's sums were added up). count: elements per channel over all slices. */
clgan_status clgan_ops_bnsync_sums(clgan_ctx *ctx, const struct clgan_ops_bnsync_desc *bn, int pass,
                                   double count, cl_mem x, size_t x_off, cl_mem sums,
                                   size_t sums_off);
/* Saved mean and inv-std from the added sums, running statistics updated (bn's run_mean). */
clgan_status clgan_ops_bnsync_stats(clgan_ctx *ctx, const struct clgan_ops_bnsync_desc *bn,
                                    double count, cl_mem sums, size_t sums_off);
/* y = act(bn(x)) with the saved statistics; y may be x. */
clgan_status clgan_ops_bnsync_apply(clgan_ctx *ctx, const struct clgan_ops_bnsync_desc *bn,
                                    cl_mem x, size_t x_off, cl_mem y, size_t y_off);
/* Backward sums of this slice into sums ([2c]: sum g, sum g*xhat), and into dgamma, dbeta
 * (NULL: skip) as grad = gbeta*grad + sum. */
clgan_status clgan_ops_bnsync_bwd_sums(clgan_ctx *ctx, const struct clgan_ops_bnsync_desc *bn,
                                       cl_mem x, size_t x_off, cl_mem dy, size_t dy_off,
                                       cl_mem dgamma, size_t dgamma_off, cl_mem dbeta,
                                       size_t dbeta_off, float gbeta, cl_mem sums, size_t sums_off);
/* dx from the added backward sums; dx may be dy or x. */
clgan_status clgan_ops_bnsync_bwd_apply(clgan_ctx *ctx, const struct clgan_ops_bnsync_desc *bn,
                                        double count, cl_mem x, size_t x_off, cl_mem dy,
                                        size_t dy_off, cl_mem dx, size_t dx_off, cl_mem sums,
                                        size_t sums_off);

/* The training forward of clgan_ops_bn_fwd_train over the processes of sync (every process
 * calls it for the same layer at the same point). */
clgan_status clgan_ops_bnsync_fwd_train(clgan_ctx *ctx, const struct clgan_ops_bnsync_desc *bn,
                                        const struct clgan_ops_bn_sync *sync, cl_mem x,
                                        size_t x_off, cl_mem y, size_t y_off);
/* The backward of clgan_ops_bn_bwd over the processes; the parameter gradients are this slice's
 * (summed across processes with the other gradients). Without dx nothing is reduced. */
clgan_status clgan_ops_bnsync_bwd(clgan_ctx *ctx, const struct clgan_ops_bnsync_desc *bn,
                                  const struct clgan_ops_bn_sync *sync, cl_mem x, size_t x_off,
                                  cl_mem dy, size_t dy_off, cl_mem dx, size_t dx_off, cl_mem dgamma,
                                  size_t dgamma_off, cl_mem dbeta, size_t dbeta_off, float gbeta);

#endif /* CLGAN_OPS_BNSYNC_H */

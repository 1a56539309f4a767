/*
 * snns.h - SNNS's backpropagation details on the device (cl/snns.cl): the squared error with the
 * dmax dead zone together with the output deltas, and the logistic derivative with a flat-spot
 * offset (SNNS's Quickprop adds 0.1 to every unit's derivative; 0 gives the plain one).
 */
#ifndef CLGAN_OPS_SNNS_H
#define CLGAN_OPS_SNNS_H

#include "runtime/rt.h"

/* The flat-spot offset SNNS's Quickprop adds to the logistic derivative. */
#define CLGAN_SNNS_QUICKPROP_FLAT 0.1f

/*
 * Over n elements of logistic outputs o and targets t, d = t - o; an element with |d| <= dmax
 * adds nothing, any other adds d^2 to the error and gets
 *   delta = -scale * d * (o (1 - o) + flat)      (dE/dnet for E = 1/2 sum d^2, times scale).
 * err[err_off] = err_beta * err[err_off] + sum of d^2 (err NULL: skipped); delta NULL: skipped.
 * One work-group: the sum is deterministic. INVALID_ARGUMENT for n = 0 or dmax < 0.
 */
clgan_status clgan_ops_snns_sse(clgan_ctx *ctx, size_t n, float dmax, float flat, float scale,
                                cl_mem o, size_t o_off, cl_mem t, size_t t_off, cl_mem delta,
                                size_t delta_off, cl_mem err, size_t err_off, float err_beta);

/* dx = dy * (y (1 - y) + flat) over n elements, y the logistic's output (dx may be dy). */
clgan_status clgan_ops_snns_logistic_bwd(clgan_ctx *ctx, size_t n, float flat, cl_mem y,
                                         size_t y_off, cl_mem dy, size_t dy_off, cl_mem dx,
                                         size_t dx_off);

#endif /* CLGAN_OPS_SNNS_H */

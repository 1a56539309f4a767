/*
 * conv_internal.h - what the files of the convolution family share (conv_shape.c: shapes,
 * workspaces and FLOPs; conv.c: the routines of conv2d and transposed conv2d; conv_pass.c:
 * their passes; conv_linear.c: linear). Not for use outside them: the interface is conv.h.
 */
#ifndef CLGAN_OPS_CONV_INTERNAL_H
#define CLGAN_OPS_CONV_INTERNAL_H

#include "ops/conv.h"

/*
 * The one geometry both convolutions reduce to (see conv.c): a "big" image, the conv2d input
 * side, and a "small" one, the conv2d output side, whose positions are the columns of the
 * column matrix.
 */
struct clgan_conv_geo {
    int n;
    int cb, hb, wb; /* big image */
    int cs, hs, ws; /* small image: the positions of the column matrix */
    int k, s, p;
    size_t kc;      /* column matrix rows: cb * k * k */
    size_t cols;    /* column matrix columns: n * hs * ws */
    int perm;       /* the small side needs a CNHW <-> NCHW permute */
    int full;       /* the kernel covers the whole unpadded big image and the small one is 1x1 */
    int transposed; /* made for convt2d (its forward pass goes big_from_small) */
};

/* Validate s (transposed: 1 for convt2d); on success fill g. INVALID_ARGUMENT with the bad
 * value in ctx (ctx may be NULL). */
clgan_status clgan_ops_conv_make_geo(clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                     int transposed, struct clgan_conv_geo *g);
/* Floats of the column matrix in its largest layout (packed ones pad to panels of 32). */
size_t clgan_ops_conv_col_size(const struct clgan_conv_geo *g);
/* Whether the geometry is one the phase route (cl/convp.cl) computes big_from_small for:
 * k = 4, s = 2, p = 1, the big side twice the small one, and small-side rows that split into
 * runs dividing 32 (a power of two wide, or a multiple of 32). */
int clgan_ops_conv_phases_fit(const struct clgan_conv_geo *g);
/* The passes of the phase routes (cl/convp.cl): big_from_small (convp_fwd), small_from_big
 * (convp_down), weight_grad (convp_wgrad). */
enum clgan_conv_phase_pass { CLGAN_PHASE_UP, CLGAN_PHASE_DOWN, CLGAN_PHASE_WGRAD };
/* Whether a pass takes its phase route on ctx's device: phases_fit (for WGRAD also small-side
 * images of a multiple of 8 positions), not under Mesa's compilers, ctx->conv not COLUMNS; under
 * AUTO only on CPUs and where the output has 8 or more channels (cb up, cs down) or panels (cb
 * for WGRAD); and the stack must fit in half the local memory. Then the input channels (UP,
 * DOWN) or positions (WGRAD) per chunk. */
int clgan_ops_conv_phase_route(const clgan_ctx *ctx, const struct clgan_conv_geo *g,
                               enum clgan_conv_phase_pass pass, int *chunk);
/* Resolve ctx->conv AUTO into ctx->conv_phases (ops/conv_auto.c): measured, or cached, or
 * the heuristic. Never fails. */
void clgan_ops_conv_resolve(clgan_ctx *ctx);
/* Parse a cached choice of routes (len bytes at bin, conv_auto.c's format) made under the
 * heuristic's choice prior: 1 with phases and t (seconds, columns then phases, per pass) filled
 * when it is well formed and consistent, 0 otherwise (then it is measured again). */
int clgan_ops_conv_choice_parse(const unsigned char *bin, size_t len, const unsigned char prior[3],
                                unsigned char phases[3], double t[3][2]);
/* Run one pass of geometry g on whole buffers (offsets 0; w is dw for WGRAD, beta 0) by the
 * route ctx decides: what conv_auto.c times. */
clgan_status clgan_ops_conv_geo_pass(clgan_ctx *ctx, const struct clgan_conv_geo *g,
                                     enum clgan_conv_phase_pass pass, cl_mem big, cl_mem small,
                                     cl_mem w, cl_mem ws);
/* Floats of a phase route's packed operands: up, 4 phases x ceil(cb / 8) * 8 rows x cs * 4;
 * down, ceil(cs / 8) * 8 rows x cb * 16; weight gradient, ceil(cs / 8) * 8 rows x n * hs * ws. */
size_t clgan_ops_conv_phase_pack_size(const struct clgan_conv_geo *g,
                                      enum clgan_conv_phase_pass pass);
/* Workspace floats of a pass on any device: the column matrix, then (when permuting) the small
 * side in CNHW; at least the phase routes' packed operands where they may run. */
size_t clgan_ops_conv_geo_workspace(const struct clgan_conv_geo *g, enum clgan_conv_pass pass);
/* Workspace floats of a pass by the route it takes on ctx's device (the packed operands of a
 * phase route need far less than a column matrix); the above when ctx is NULL. */
size_t clgan_ops_conv_route_workspace(const clgan_ctx *ctx, const struct clgan_conv_geo *g,
                                      enum clgan_conv_pass pass);

/* An epilogue as the routines take it (conv.h's clgan_ops_conv_epi checked; cl/convp.cl, fin): kind
 * 0 none, 1 the activation act, 2 the gradient through act gated by gate (at gate_off, the output's
 * layout). */
struct clgan_conv_epi {
    int kind;
    enum clgan_ops_act act;
    float slope;
    cl_mem gate;
    size_t gate_off;
};

extern const struct clgan_conv_epi clgan_ops_conv_no_epi; /* kind 0 */

/* The three routines (conv.c), offsets in floats, ws the pass' workspace (conv.c's header says
 * which pass runs which): small = W col(big) (+ b), then e; big = col2im(W^T small) (+ b), then
 * e; dw = beta dw + small col(big)^T. Each takes its phase route where
 * clgan_ops_conv_phase_route says so (which applies e in its stores), the column matrix or one
 * GEMM otherwise (then e by the activation kernel). */
clgan_status clgan_ops_conv_small_from_big(clgan_ctx *ctx, const struct clgan_conv_geo *g,
                                           cl_mem big, size_t big_off, cl_mem w, size_t w_off,
                                           cl_mem b, size_t b_off, cl_mem small, size_t small_off,
                                           cl_mem ws, size_t ws_off,
                                           const struct clgan_conv_epi *e);
clgan_status clgan_ops_conv_big_from_small(clgan_ctx *ctx, const struct clgan_conv_geo *g,
                                           cl_mem small, size_t small_off, cl_mem w, size_t w_off,
                                           cl_mem b, size_t b_off, cl_mem big, size_t big_off,
                                           cl_mem ws, size_t ws_off,
                                           const struct clgan_conv_epi *e);
clgan_status clgan_ops_conv_weight_grad(clgan_ctx *ctx, const struct clgan_conv_geo *g, cl_mem big,
                                        size_t big_off, cl_mem small, size_t small_off, float beta,
                                        cl_mem dw, size_t dw_off, cl_mem ws, size_t ws_off);

/* y[o][c][i] += b[c], y viewed as [outer][c][inner]. */
clgan_status clgan_ops_conv_bias_add(clgan_ctx *ctx, int outer, int c, int inner, cl_mem y,
                                     size_t y_off, cl_mem b, size_t b_off);
/* db[c] = beta db[c] + sum of dy[o][c][i], dy viewed as [outer][c][inner]. */
clgan_status clgan_ops_conv_bias_grad(clgan_ctx *ctx, int outer, int c, int inner, cl_mem dy,
                                      size_t dy_off, float beta, cl_mem db, size_t db_off);

#endif /* CLGAN_OPS_CONV_INTERNAL_H */

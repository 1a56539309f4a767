/* labels: kernel; timeout: 900 */
/*
 * test_conv.c - conv2d, transposed conv2d and linear on every device against the references
 * (ref/conv.c, direct loops): forward with and without bias, backward data, weights and bias,
 * the weight and bias gradients both overwritten (beta 0) and accumulated (beta 1). Odd shapes
 * (sizes not dividing work-group sizes or the stride, k = 1, k > image, k < stride, batch 1,
 * one channel), then every dcgan32 layer at batch 64 (batch 2 on simulators), then argument
 * checks (shapes, and views that are missing, disagree with the shape, reach past their buffer
 * or are not float32).
 *
 * Every device buffer starts at a nonzero offset, and outputs and workspace are filled with NaN
 * before each op, so an element left unwritten or a beta-0 gradient that reads its old content
 * shows as a NaN mismatch.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "harness.h"
#include "ops/conv.h"
#include "ops/conv_internal.h"
#include "ref/conv.h"

enum kind { CONV, CONVT, LINEAR };

/* appended to case names when the odd shapes run on the second GEMM backend */
static char gemm_tag[32];

#define OFF 3 /* leading offset of every buffer, in floats */

/* A device buffer holding floats [OFF, OFF + n). */
struct dbuf {
    cl_mem m;
    size_t n;
};

static struct dbuf up(struct th_device *d, const float *x, size_t n)
{
    float *h = th_alloc(OFF + n);
    for (size_t i = 0; i < OFF; i++)
        h[i] = NAN;
    if (x)
        memcpy(h + OFF, x, n * sizeof(float));
    else
        for (size_t i = 0; i < n; i++)
            h[OFF + i] = NAN;
    struct dbuf b = {th_upload(d, h, OFF + n), n};
    free(h);
    return b;
}

/* Overwrite the content with x (or NaN when x is NULL). */
static void reset(struct th_device *d, struct dbuf b, const float *x)
{
    float *h = th_alloc(b.n);
    for (size_t i = 0; i < b.n; i++)
        h[i] = x ? x[i] : NAN;
    if (clgan_rt_write(d->ctx, b.m, OFF * sizeof(float), b.n * sizeof(float), h) !=
        CLGAN_STATUS_OK) {
        fprintf(stderr, "write failed: %s\n", clgan_ctx_last_error(d->ctx));
        exit(1);
    }
    free(h);
}

static void down(struct th_device *d, struct dbuf b, float *x)
{
    if (clgan_rt_read(d->ctx, b.m, OFF * sizeof(float), b.n * sizeof(float), x) !=
        CLGAN_STATUS_OK) {
        fprintf(stderr, "read failed: %s\n", clgan_ctx_last_error(d->ctx));
        exit(1);
    }
}

static void drop(struct th_device *d, struct dbuf b)
{
    th_free_mem(d, b.m, OFF + b.n);
}

/* A float32 view [n, c, h, w] of b's content (from OFF on). */
static struct clgan_tensor view(struct dbuf b, int n, int c, int h, int w)
{
    return clgan_tensor_view(b.m, OFF, CLGAN_DTYPE_F32, n, c, h, w);
}

/* fp32 sums of `terms` products of values in [-1, 1]: error grows ~ sqrt(terms) ulp of the
 * sum, as in test_gemm.c. */
static double atol_for(double terms)
{
    return 1e-5 * (1.0 + terms / 64.0);
}

#define RTOL 1e-4
#define NMSE 1e-10

/* Compare a device output with the reference; st is the op's status. */
static void check(struct th_device *d, clgan_status st, const char *op, const char *tag,
                  struct dbuf b, const float *ref, double terms)
{
    char name[192];
    snprintf(name, sizeof(name), "%s%s", op, tag);
    if (!th_status(st, name, d))
        return;
    float *got = th_alloc(b.n);
    down(d, b, got);
    /* Over a handful of outputs the NMSE is one output's relative error squared: a sum whose
     * terms cancel (one channel's bias gradient, 64 terms summing to 0.01) exceeds 1e-10 by float
     * rounding alone. Those are judged by the elementwise bound, whose atol grows with the terms
     * summed. */
    th_check(name, d, got, ref, b.n, atol_for(terms), RTOL, b.n < 16 ? INFINITY : NMSE);
    free(got);
}

/* -------------------------------------------------------------------- conv2d and convt2d */

/* Whether the -o filter lets "<kind>_<op><tag>" run. */
static int want(const char *kind, const char *op, const char *tag)
{
    char name[192];
    snprintf(name, sizeof(name), "%s_%s%s", kind, op, tag);
    return th_want(name);
}

static void run_conv(struct th_device *d, enum kind kind, const struct clgan_conv_shape *s)
{
    int t = kind == CONVT;
    const char *kn = t ? "convt2d" : "conv2d";
    char tag[128];
    snprintf(tag, sizeof(tag), "(n=%d,c=%d,h=%d,w=%d,co=%d,k=%d,s=%d,p=%d,op=%d)%s", s->n, s->cin,
             s->h, s->w, s->cout, s->k, s->stride, s->pad, s->out_pad, gemm_tag);
    static const char *ops[] = {"fwd",           "fwd_bias",   "fwd_bias_lrelu", "bwd_data",
                                "bwd_data_gate", "bwd_weight", "bwd_weight_acc", "bwd_bias",
                                "bwd_bias_acc"};
    int any = 0;
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        any |= want(kn, ops[i], tag);
    if (!any)
        return;
    int ho, wo;
    if (t)
        clgan_ops_convt2d_out_hw(s, &ho, &wo);
    else
        clgan_ops_conv2d_out_hw(s, &ho, &wo);
    size_t nx = (size_t)s->n * s->cin * s->h * s->w, ny = (size_t)s->n * s->cout * ho * wo;
    size_t nw = (size_t)s->cin * s->cout * s->k * s->k, nb = (size_t)s->cout;
    /* the workspace of the routes this context takes, no more (a phase route's packed operands
     * are far smaller than a column matrix: under a checker, a size too small shows) */
    size_t nws = 0;
    for (int p = CLGAN_CONV_FWD; p <= CLGAN_CONV_BWD_BIAS; p++) {
        size_t q = t ? clgan_ops_convt2d_workspace(d->ctx, s, p)
                     : clgan_ops_conv2d_workspace(d->ctx, s, p);
        nws = q > nws ? q : nws;
    }
    float *x = th_rand(nx, -1, 1), *w = th_rand(nw, -1, 1), *b = th_rand(nb, -1, 1);
    float *dy = th_rand(ny, -1, 1), *dw0 = th_rand(nw, -1, 1), *db0 = th_rand(nb, -1, 1);
    float *y_ref = th_alloc(ny), *yb_ref = th_alloc(ny), *dx_ref = th_alloc(nx);
    float *dw_ref = th_alloc(nw), *dwa_ref = th_alloc(nw), *db_ref = th_alloc(nb);
    float *dba_ref = th_alloc(nb), *gate = th_rand(nx, -1, 1), *ya_ref = th_alloc(ny);
    float *dxg_ref = th_alloc(nx);
    memcpy(dwa_ref, dw0, nw * sizeof(float));
    memcpy(dba_ref, db0, nb * sizeof(float));
    if (t) {
        clgan_ref_convt2d_fwd(s, x, w, NULL, y_ref);
        clgan_ref_convt2d_fwd(s, x, w, b, yb_ref);
        clgan_ref_convt2d_bwd_data(s, dy, w, dx_ref);
        clgan_ref_convt2d_bwd_weight(s, x, dy, 0.0f, dw_ref);
        clgan_ref_convt2d_bwd_weight(s, x, dy, 1.0f, dwa_ref);
        clgan_ref_convt2d_bwd_bias(s, dy, 0.0f, db_ref);
        clgan_ref_convt2d_bwd_bias(s, dy, 1.0f, dba_ref);
    } else {
        clgan_ref_conv2d_fwd(s, x, w, NULL, y_ref);
        clgan_ref_conv2d_fwd(s, x, w, b, yb_ref);
        clgan_ref_conv2d_bwd_data(s, dy, w, dx_ref);
        clgan_ref_conv2d_bwd_weight(s, x, dy, 0.0f, dw_ref);
        clgan_ref_conv2d_bwd_weight(s, x, dy, 1.0f, dwa_ref);
        clgan_ref_conv2d_bwd_bias(s, dy, 0.0f, db_ref);
        clgan_ref_conv2d_bwd_bias(s, dy, 1.0f, dba_ref);
    }
    /* the fused epilogues: leaky ReLU (slope 0.2) after the forward pass with bias; the input
     * gradient through a ReLU whose output gate is */
    for (size_t i = 0; i < ny; i++)
        ya_ref[i] = yb_ref[i] > 0.0f ? yb_ref[i] : 0.2f * yb_ref[i];
    for (size_t i = 0; i < nx; i++)
        dxg_ref[i] = gate[i] > 0.0f ? dx_ref[i] : 0.0f;
    struct dbuf gx = up(d, x, nx), gw = up(d, w, nw), gb = up(d, b, nb), gdy = up(d, dy, ny);
    struct dbuf gy = up(d, NULL, ny), gdx = up(d, NULL, nx), gdw = up(d, NULL, nw);
    struct dbuf gdb = up(d, NULL, nb), gws = up(d, NULL, nws), ggate = up(d, gate, nx);
    /* products summed per output element: fwd cin k k, bwd_data cout k k (upper bounds);
     * weight and bias gradients: over the batch and the positions of the small side */
    double t_fwd = (double)s->cin * s->k * s->k, t_bwd = (double)s->cout * s->k * s->k;
    double t_w = t ? (double)s->n * s->h * s->w : (double)s->n * ho * wo;
    double t_b = (double)s->n * ho * wo;
    /* images as their NCHW shapes; the weight as [cout, cin, k, k] ([cin, cout, k, k]
     * transposed), the bias as a flat vector */
    int ci = t ? s->cout : s->cin, co = t ? s->cin : s->cout;
    struct clgan_tensor vx = view(gx, s->n, s->cin, s->h, s->w),
                        vy = view(gy, s->n, s->cout, ho, wo);
    struct clgan_tensor vdy = view(gdy, s->n, s->cout, ho, wo),
                        vdx = view(gdx, s->n, s->cin, s->h, s->w);
    struct clgan_tensor vw = view(gw, co, ci, s->k, s->k), vdw = view(gdw, co, ci, s->k, s->k);
    struct clgan_tensor vb = view(gb, 1, s->cout, 1, 1), vdb = view(gdb, 1, s->cout, 1, 1);
    struct clgan_tensor vgate = view(ggate, s->n, s->cin, s->h, s->w);
    const struct clgan_ops_conv_epi lrelu = {CLGAN_OPS_ACT_LRELU, 0.2f, NULL},
                                    relu_gate = {CLGAN_OPS_ACT_RELU, 0.0f, &vgate};
    clgan_ctx *c = d->ctx;
    clgan_status st;
    char op[48];

    if (want(kn, "fwd", tag)) {
        snprintf(op, sizeof(op), "%s_fwd", kn);
        st = t ? clgan_ops_convt2d_fwd(c, s, &vx, &vw, NULL, &vy, gws.m, OFF)
               : clgan_ops_conv2d_fwd(c, s, &vx, &vw, NULL, &vy, gws.m, OFF);
        check(d, st, op, tag, gy, y_ref, t_fwd);
    }

    if (want(kn, "fwd_bias", tag)) {
        reset(d, gy, NULL);
        reset(d, gws, NULL);
        snprintf(op, sizeof(op), "%s_fwd_bias", kn);
        st = t ? clgan_ops_convt2d_fwd(c, s, &vx, &vw, &vb, &vy, gws.m, OFF)
               : clgan_ops_conv2d_fwd(c, s, &vx, &vw, &vb, &vy, gws.m, OFF);
        check(d, st, op, tag, gy, yb_ref, t_fwd + 1);
    }

    if (want(kn, "fwd_bias_lrelu", tag)) {
        reset(d, gy, NULL);
        reset(d, gws, NULL);
        snprintf(op, sizeof(op), "%s_fwd_bias_lrelu", kn);
        st = t ? clgan_ops_convt2d_fwd_epi(c, s, &vx, &vw, &vb, &lrelu, &vy, gws.m, OFF)
               : clgan_ops_conv2d_fwd_epi(c, s, &vx, &vw, &vb, &lrelu, &vy, gws.m, OFF);
        check(d, st, op, tag, gy, ya_ref, t_fwd + 1);
    }

    if (want(kn, "bwd_data_gate", tag)) {
        reset(d, gws, NULL);
        reset(d, gdx, NULL);
        snprintf(op, sizeof(op), "%s_bwd_data_gate", kn);
        st = t ? clgan_ops_convt2d_bwd_data_epi(c, s, &vdy, &vw, &relu_gate, &vdx, gws.m, OFF)
               : clgan_ops_conv2d_bwd_data_epi(c, s, &vdy, &vw, &relu_gate, &vdx, gws.m, OFF);
        check(d, st, op, tag, gdx, dxg_ref, t_bwd);
    }

    if (want(kn, "bwd_data", tag)) {
        reset(d, gws, NULL);
        snprintf(op, sizeof(op), "%s_bwd_data", kn);
        st = t ? clgan_ops_convt2d_bwd_data(c, s, &vdy, &vw, &vdx, gws.m, OFF)
               : clgan_ops_conv2d_bwd_data(c, s, &vdy, &vw, &vdx, gws.m, OFF);
        check(d, st, op, tag, gdx, dx_ref, t_bwd);
    }

    if (want(kn, "bwd_weight", tag)) {
        reset(d, gws, NULL);
        snprintf(op, sizeof(op), "%s_bwd_weight", kn);
        st = t ? clgan_ops_convt2d_bwd_weight(c, s, &vx, &vdy, 0.0f, &vdw, gws.m, OFF)
               : clgan_ops_conv2d_bwd_weight(c, s, &vx, &vdy, 0.0f, &vdw, gws.m, OFF);
        check(d, st, op, tag, gdw, dw_ref, t_w);
    }

    if (want(kn, "bwd_weight_acc", tag)) {
        reset(d, gws, NULL);
        reset(d, gdw, dw0);
        snprintf(op, sizeof(op), "%s_bwd_weight_acc", kn);
        st = t ? clgan_ops_convt2d_bwd_weight(c, s, &vx, &vdy, 1.0f, &vdw, gws.m, OFF)
               : clgan_ops_conv2d_bwd_weight(c, s, &vx, &vdy, 1.0f, &vdw, gws.m, OFF);
        check(d, st, op, tag, gdw, dwa_ref, t_w + 1);
    }

    if (want(kn, "bwd_bias", tag)) {
        snprintf(op, sizeof(op), "%s_bwd_bias", kn);
        st = t ? clgan_ops_convt2d_bwd_bias(c, s, &vdy, 0.0f, &vdb)
               : clgan_ops_conv2d_bwd_bias(c, s, &vdy, 0.0f, &vdb);
        check(d, st, op, tag, gdb, db_ref, t_b);
    }

    if (want(kn, "bwd_bias_acc", tag)) {
        reset(d, gdb, db0);
        snprintf(op, sizeof(op), "%s_bwd_bias_acc", kn);
        st = t ? clgan_ops_convt2d_bwd_bias(c, s, &vdy, 1.0f, &vdb)
               : clgan_ops_conv2d_bwd_bias(c, s, &vdy, 1.0f, &vdb);
        check(d, st, op, tag, gdb, dba_ref, t_b + 1);
    }

    drop(d, gx);
    drop(d, gw);
    drop(d, gb);
    drop(d, gdy);
    drop(d, gy);
    drop(d, gdx);
    drop(d, gdw);
    drop(d, gdb);
    drop(d, gws);
    drop(d, ggate);
    float *all[] = {x,      w,      b,       dy,     dw0,     db0,  y_ref,  yb_ref,
                    dx_ref, dw_ref, dwa_ref, db_ref, dba_ref, gate, ya_ref, dxg_ref};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        free(all[i]);
}

/* -------------------------------------------------------------------- linear */

static void run_linear(struct th_device *d, const struct clgan_linear_shape *s)
{
    char tag[64];
    snprintf(tag, sizeof(tag), "(n=%d,in=%d,out=%d)%s", s->n, s->in, s->out, gemm_tag);
    size_t nx = (size_t)s->n * s->in, ny = (size_t)s->n * s->out, nw = (size_t)s->in * s->out;
    size_t nb = (size_t)s->out;
    float *x = th_rand(nx, -1, 1), *w = th_rand(nw, -1, 1), *b = th_rand(nb, -1, 1);
    float *dy = th_rand(ny, -1, 1), *dw0 = th_rand(nw, -1, 1), *db0 = th_rand(nb, -1, 1);
    float *y_ref = th_alloc(ny), *yb_ref = th_alloc(ny), *dx_ref = th_alloc(nx);
    float *dw_ref = th_alloc(nw), *dwa_ref = th_alloc(nw), *db_ref = th_alloc(nb);
    float *dba_ref = th_alloc(nb);
    memcpy(dwa_ref, dw0, nw * sizeof(float));
    memcpy(dba_ref, db0, nb * sizeof(float));
    clgan_ref_linear_fwd(s, x, w, NULL, y_ref);
    clgan_ref_linear_fwd(s, x, w, b, yb_ref);
    clgan_ref_linear_bwd_data(s, dy, w, dx_ref);
    clgan_ref_linear_bwd_weight(s, x, dy, 0.0f, dw_ref);
    clgan_ref_linear_bwd_weight(s, x, dy, 1.0f, dwa_ref);
    clgan_ref_linear_bwd_bias(s, dy, 0.0f, db_ref);
    clgan_ref_linear_bwd_bias(s, dy, 1.0f, dba_ref);
    struct dbuf gx = up(d, x, nx), gw = up(d, w, nw), gb = up(d, b, nb), gdy = up(d, dy, ny);
    struct dbuf gy = up(d, NULL, ny), gdx = up(d, NULL, nx), gdw = up(d, NULL, nw);
    struct dbuf gdb = up(d, NULL, nb);
    /* x as [n, in, 1, 1], dx as [n, 1, in, 1] (a sample is flattened either way), y and dy
     * as [n, out, 1, 1]; the weight flat, the bias as [out, 1, 1, 1] (any shape of its size) */
    struct clgan_tensor vx = view(gx, s->n, s->in, 1, 1), vdx = view(gdx, s->n, 1, s->in, 1);
    struct clgan_tensor vy = view(gy, s->n, s->out, 1, 1), vdy = view(gdy, s->n, s->out, 1, 1);
    struct clgan_tensor vw = view(gw, 1, (int)nw, 1, 1), vdw = view(gdw, 1, (int)nw, 1, 1);
    struct clgan_tensor vb = view(gb, s->out, 1, 1, 1), vdb = view(gdb, s->out, 1, 1, 1);
    clgan_ctx *c = d->ctx;
    clgan_status st;

    if (want("linear", "fwd", tag)) {
        st = clgan_ops_linear_fwd(c, s, &vx, &vw, NULL, &vy);
        check(d, st, "linear_fwd", tag, gy, y_ref, s->in);
    }
    if (want("linear", "fwd_bias", tag)) {
        reset(d, gy, NULL);
        st = clgan_ops_linear_fwd(c, s, &vx, &vw, &vb, &vy);
        check(d, st, "linear_fwd_bias", tag, gy, yb_ref, s->in + 1);
    }
    if (want("linear", "bwd_data", tag)) {
        st = clgan_ops_linear_bwd_data(c, s, &vdy, &vw, &vdx);
        check(d, st, "linear_bwd_data", tag, gdx, dx_ref, s->out);
    }
    if (want("linear", "bwd_weight", tag)) {
        st = clgan_ops_linear_bwd_weight(c, s, &vx, &vdy, 0.0f, &vdw);
        check(d, st, "linear_bwd_weight", tag, gdw, dw_ref, s->n);
    }
    if (want("linear", "bwd_weight_acc", tag)) {
        reset(d, gdw, dw0);
        st = clgan_ops_linear_bwd_weight(c, s, &vx, &vdy, 1.0f, &vdw);
        check(d, st, "linear_bwd_weight_acc", tag, gdw, dwa_ref, s->n + 1);
    }
    if (want("linear", "bwd_bias", tag)) {
        st = clgan_ops_linear_bwd_bias(c, s, &vdy, 0.0f, &vdb);
        check(d, st, "linear_bwd_bias", tag, gdb, db_ref, s->n);
    }
    if (want("linear", "bwd_bias_acc", tag)) {
        reset(d, gdb, db0);
        st = clgan_ops_linear_bwd_bias(c, s, &vdy, 1.0f, &vdb);
        check(d, st, "linear_bwd_bias_acc", tag, gdb, dba_ref, s->n + 1);
    }

    drop(d, gx);
    drop(d, gw);
    drop(d, gb);
    drop(d, gdy);
    drop(d, gy);
    drop(d, gdx);
    drop(d, gdw);
    drop(d, gdb);
    float *all[] = {x, w, b, dy, dw0, db0, y_ref, yb_ref, dx_ref, dw_ref, dwa_ref, db_ref, dba_ref};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        free(all[i]);
}

/* -------------------------------------------------------------------- argument checks */

static void expect_status(struct th_device *d, clgan_status st, clgan_status want, const char *name,
                          const char *needle)
{
    const char *msg = clgan_ctx_last_error(d->ctx);
    th_expect(st == want && msg[0] && (!needle || strstr(msg, needle)), name, d, "%s: %s",
              clgan_status_str(st), msg);
}

static void expect_invalid(struct th_device *d, clgan_status st, const char *name)
{
    expect_status(d, st, CLGAN_STATUS_INVALID_ARGUMENT, name, NULL);
}

static void run_invalid(struct th_device *d)
{
    if (!th_want("invalid"))
        return;
    clgan_ctx *c = d->ctx;
    struct dbuf small = up(d, NULL, 64), big = up(d, NULL, 4096);
    cl_mem m = big.m, sm = small.m;
    /* {n, cin, h, w, cout, k, stride, pad, out_pad}; good: x [2, 3, 6, 6], y [2, 4, 3, 3] */
    struct clgan_conv_shape good = {2, 3, 6, 6, 4, 3, 2, 1, 0};
    struct clgan_conv_shape stride0 = good, outpad = good, empty = good, neg = good;
    stride0.stride = 0;
    outpad.out_pad = 1;
    empty.k = 9; /* 6 + 2 * 1 < 9 */
    neg.pad = -1;
    struct clgan_conv_shape toutpad = {2, 3, 4, 4, 2, 4, 2, 1, 2}; /* out_pad >= stride */
    struct clgan_conv_shape tempty = {1, 1, 1, 1, 1, 1, 1, 1, 0};  /* 0 - 2 + 1 < 1 */
    struct clgan_conv_shape huge = {1 << 20, 64, 64, 64, 64, 4, 1, 0, 0};
    struct clgan_tensor x = view(big, 2, 3, 6, 6), y = view(big, 2, 4, 3, 3),
                        w = view(big, 4, 3, 3, 3), any = view(big, 1, 64, 1, 1);
    expect_invalid(d, clgan_ops_conv2d_fwd(c, &stride0, &x, &w, NULL, &y, m, 0),
                   "invalid_conv2d_stride0");
    expect_invalid(d, clgan_ops_conv2d_fwd(c, &outpad, &x, &w, NULL, &y, m, 0),
                   "invalid_conv2d_out_pad");
    expect_invalid(d, clgan_ops_conv2d_bwd_data(c, &empty, &y, &w, &x, m, 0),
                   "invalid_conv2d_empty_output");
    expect_invalid(d, clgan_ops_conv2d_bwd_bias(c, &neg, &y, 0.0f, &any),
                   "invalid_conv2d_negative_pad");
    expect_invalid(d, clgan_ops_convt2d_fwd(c, &toutpad, &x, &w, NULL, &y, m, 0),
                   "invalid_convt2d_out_pad");
    expect_invalid(d, clgan_ops_convt2d_bwd_weight(c, &tempty, &x, &y, 0.0f, &w, m, 0),
                   "invalid_convt2d_empty_output");
    expect_invalid(d, clgan_ops_conv2d_check(c, &huge), "invalid_conv2d_too_large");
    /* fused epilogues: only ReLU and leaky ReLU with a slope >= 0, a gate of the output's shape */
    const struct clgan_ops_conv_epi tanh_epi = {CLGAN_OPS_ACT_TANH, 0.0f, NULL},
                                    neg_slope = {CLGAN_OPS_ACT_LRELU, -0.1f, NULL},
                                    bad_gate = {CLGAN_OPS_ACT_RELU, 0.0f, &y};
    expect_invalid(d, clgan_ops_conv2d_fwd_epi(c, &good, &x, &w, NULL, &tanh_epi, &y, m, 0),
                   "invalid_conv2d_epilogue_tanh");
    expect_invalid(d, clgan_ops_convt2d_fwd_epi(c, &good, &y, &w, NULL, &neg_slope, &x, m, 0),
                   "invalid_convt2d_epilogue_slope");
    expect_invalid(d, clgan_ops_conv2d_bwd_data_epi(c, &good, &y, &w, &bad_gate, &x, m, 0),
                   "invalid_conv2d_epilogue_gate_shape");
    th_expect(clgan_ops_conv2d_workspace(NULL, &stride0, CLGAN_CONV_FWD) == 0 &&
                  clgan_ops_conv2d_flops(&stride0, CLGAN_CONV_FWD) == 0.0,
              "invalid_conv2d_sizes", d, "workspace and flops 0 for a bad shape");
    /* buffers and views: too short, NULL, offset past the end, no buffer */
    expect_invalid(d, clgan_ops_conv2d_fwd(c, &good, &x, &w, NULL, &y, sm, 0),
                   "invalid_conv2d_small_workspace");
    expect_invalid(d, clgan_ops_conv2d_fwd(c, &good, NULL, &w, NULL, &y, m, 0),
                   "invalid_conv2d_null_x");
    struct clgan_tensor nobuf = x;
    nobuf.mem = NULL;
    expect_status(d, clgan_ops_conv2d_fwd(c, &good, &nobuf, &w, NULL, &y, m, 0),
                  CLGAN_STATUS_INVALID_ARGUMENT, "invalid_conv2d_x_no_buffer", "no buffer");
    /* transposed, the good shape reads x [2, 3, 6, 6] and writes y [2, 4, 11, 11] */
    struct clgan_tensor yt = view(big, 2, 4, 11, 11);
    struct clgan_tensor db_past = clgan_tensor_view(sm, 66, CLGAN_DTYPE_F32, 1, 4, 1, 1);
    expect_status(d, clgan_ops_convt2d_bwd_bias(c, &good, &yt, 1.0f, &db_past),
                  CLGAN_STATUS_INVALID_ARGUMENT, "invalid_convt2d_bias_offset", "past the end");
    /* views that disagree with the shape: an image of other sizes, a weight of another count,
     * a bias of another length */
    struct clgan_tensor x_hw = view(big, 2, 3, 6, 7), w_short = view(big, 4, 3, 3, 2),
                        b_long = view(big, 1, 5, 1, 1);
    expect_status(d, clgan_ops_conv2d_fwd(c, &good, &x_hw, &w, NULL, &y, m, 0),
                  CLGAN_STATUS_INVALID_ARGUMENT, "invalid_conv2d_x_shape", "tensor x");
    expect_status(d, clgan_ops_conv2d_bwd_weight(c, &good, &x, &y, 0.0f, &w_short, m, 0),
                  CLGAN_STATUS_INVALID_ARGUMENT, "invalid_conv2d_dw_count", "tensor dw");
    expect_status(d, clgan_ops_conv2d_fwd(c, &good, &x, &w, &b_long, &y, m, 0),
                  CLGAN_STATUS_INVALID_ARGUMENT, "invalid_conv2d_bias_count", "tensor bias");
    /* a dtype other than float32: UNSUPPORTED, naming the op and the dtype */
    struct clgan_tensor xi = x, wi = w;
    xi.dtype = CLGAN_DTYPE_I32;
    wi.dtype = CLGAN_DTYPE_I32;
    expect_status(d, clgan_ops_conv2d_fwd(c, &good, &xi, &w, NULL, &y, m, 0),
                  CLGAN_STATUS_UNSUPPORTED, "unsupported_conv2d_fwd_int32",
                  "conv2d_fwd: tensor x is int32");
    expect_status(d, clgan_ops_convt2d_bwd_data(c, &good, &yt, &wi, &x, m, 0),
                  CLGAN_STATUS_UNSUPPORTED, "unsupported_convt2d_bwd_data_int32",
                  "convt2d_bwd_data: tensor w is int32");
    struct clgan_linear_shape lbad = {3, 0, 2}, lgood = {4, 5, 6};
    struct clgan_tensor lx = view(big, 4, 5, 1, 1), ly = view(big, 4, 6, 1, 1),
                        lw = view(big, 1, 30, 1, 1), lx_bad = view(big, 4, 2, 2, 1);
    struct clgan_tensor ldw_past = clgan_tensor_view(sm, 40, CLGAN_DTYPE_F32, 6, 5, 1, 1);
    expect_invalid(d, clgan_ops_linear_fwd(c, &lbad, &lx, &lw, NULL, &ly), "invalid_linear_shape");
    expect_status(d, clgan_ops_linear_bwd_weight(c, &lgood, &lx, &ly, 0.0f, &ldw_past),
                  CLGAN_STATUS_INVALID_ARGUMENT, "invalid_linear_dw_range", "past the end");
    expect_status(d, clgan_ops_linear_fwd(c, &lgood, &lx_bad, &lw, NULL, &ly),
                  CLGAN_STATUS_INVALID_ARGUMENT, "invalid_linear_x_sample", "tensor x");
    struct clgan_tensor lyi = ly;
    lyi.dtype = CLGAN_DTYPE_I32;
    expect_status(d, clgan_ops_linear_bwd_bias(c, &lgood, &lyi, 0.0f, &lw),
                  CLGAN_STATUS_UNSUPPORTED, "unsupported_linear_bwd_bias_int32",
                  "linear_bwd_bias: tensor dy is int32");
    drop(d, small);
    drop(d, big);
}

/* -------------------------------------------------------------------- FLOP counts */

/* dcgan32 layer FLOPs from the shapes: D2 forward is 2 * 128 * 1024 * (64 * 8 * 8). */
static void run_flops(void)
{
    if (!th_want("flops"))
        return;
    struct clgan_conv_shape d2 = {64, 64, 16, 16, 128, 4, 2, 1, 0};
    struct clgan_conv_shape g1 = {64, 100, 1, 1, 256, 4, 1, 0, 0};
    double f = clgan_ops_conv2d_flops(&d2, CLGAN_CONV_FWD);
    double e = 2.0 * 128 * 1024 * 64 * 8 * 8;
    double fg = clgan_ops_convt2d_flops(&g1, CLGAN_CONV_BWD_WEIGHT);
    double eg = 2.0 * 100 * 256 * 16 * 64;
    struct clgan_linear_shape l = {64, 100, 10};
    double fl = clgan_ops_linear_flops(&l, CLGAN_CONV_BWD_DATA);
    th_expect(f == e && fg == eg && fl == 2.0 * 64 * 100 * 10, "flops_dcgan32", NULL,
              "D2 fwd %.0f (expect %.0f), G1 bwd_weight %.0f (expect %.0f), linear %.0f", f, e, fg,
              eg, fl);
}

/* The four convolutions of dcgan32's G or D (nz 100, 64 features, one channel) at batch 64. */
static int dcgan32_convs(char net, struct clgan_conv_shape *out)
{
    struct clgan_check_dcgan d = {32, 100, 64, 64, 1};
    struct clgan_check_layer l[CLGAN_CHECK_MAX_LAYERS];
    char err[256] = "";
    int n = clgan_check_dcgan_layers(&d, net, 64, l, err, sizeof(err)), k = 0;
    for (int i = 0; i < n; i++)
        if (l[i].spec.kind == CLGAN_LAYER_CONV2D || l[i].spec.kind == CLGAN_LAYER_CONVT2D)
            if (k < 4)
                out[k++] = l[i].conv;
    return th_expect(n > 0 && k == 4, "dcgan32_layers", NULL, "%d layers, %d convolutions %s", n, k,
                     err);
}

/* Whether the phase route can run the shape's transposed pass (see conv_shape.c), with that
 * pass's geometry in g. */
static int phase_shape(const struct clgan_conv_shape *s, enum kind kind, struct clgan_conv_geo *g)
{
    return clgan_ops_conv_make_geo(NULL, s, kind == CONVT, g) == CLGAN_STATUS_OK &&
           clgan_ops_conv_phases_fit(g);
}

static const char *const pass_names[] = {"up", "down", "wgrad"};

/* Whether a forced phase route takes pass p of geometry g (conv_internal.h). */
static int forced_takes(const struct clgan_conv_geo *g, int p)
{
    return p != CLGAN_PHASE_WGRAD || ((size_t)g->hs * g->ws) % 8 == 0;
}

/* Run a shape the phase routes can take with the route forced to r, after checking that the
 * routes are what runs, for each pass (the convolution's forward pass and the transposed one's
 * input gradient go down, the other two up; both weight gradients by windows): the phases
 * where forced (all but Mesa's compilers), never the columns' shapes by phases. */
static void run_routed(struct th_device *d, enum kind kind, const struct clgan_conv_shape *s,
                       enum clgan_conv_route r)
{
    struct clgan_conv_geo g;
    if (!phase_shape(s, kind, &g))
        return;
    for (int p = CLGAN_PHASE_UP; p <= CLGAN_PHASE_WGRAD; p++) {
        int chunk = 0, takes = clgan_ops_conv_phase_route(d->ctx, &g, p, &chunk);
        int want = r == CLGAN_CONV_ROUTE_PHASES && forced_takes(&g, p);
        char name[96];
        snprintf(name, sizeof(name), "route_%s_%s(cs=%d,cb=%d,ws=%d)", pass_names[p],
                 clgan_conv_route_str(r), g.cs, g.cb, g.ws);
        th_expect(takes == want && (!takes || chunk >= 1), name, d, "phases %s, chunk %d",
                  takes ? "taken" : "not taken", chunk);
    }
    /* what a pass reserves follows its route: the packed operands where the phases run, at
     * least the column matrix elsewhere, and no more than the device-independent size */
    for (int p = CLGAN_CONV_FWD; p <= CLGAN_CONV_BWD_WEIGHT; p++) {
        size_t any = kind == CONVT ? clgan_ops_convt2d_workspace(NULL, s, p)
                                   : clgan_ops_conv2d_workspace(NULL, s, p);
        size_t here = kind == CONVT ? clgan_ops_convt2d_workspace(d->ctx, s, p)
                                    : clgan_ops_conv2d_workspace(d->ctx, s, p);
        size_t cols = clgan_ops_conv_col_size(&g);
        enum clgan_conv_phase_pass pp = p == CLGAN_CONV_BWD_WEIGHT ? CLGAN_PHASE_WGRAD
                                        : (p == CLGAN_CONV_FWD) == (kind == CONVT)
                                            ? CLGAN_PHASE_UP
                                            : CLGAN_PHASE_DOWN;
        int phased = r == CLGAN_CONV_ROUTE_PHASES && forced_takes(&g, pp);
        size_t pack = clgan_ops_conv_phase_pack_size(&g, pp);
        char name[96];
        snprintf(name, sizeof(name), "workspace_%s_pass%d(cs=%d,cb=%d,ws=%d)",
                 clgan_conv_route_str(r), p, g.cs, g.cb, g.ws);
        th_expect(here > 0 && here <= any && (phased ? here == pack : here >= cols), name, d,
                  "%zu floats here, %zu on any device, column matrix %zu, packed %zu", here, any,
                  cols, pack);
    }
    run_conv(d, kind, s);
}

/* Under AUTO each pass takes the route its kind was resolved to (conv_auto.c: measured, or the
 * heuristic), and the columns wherever the output has fewer than 8 channels (cb up, cs down;
 * cb for the weight gradient): dcgan32's G4 up (cb 3) and D1 weight gradient (cb 3) never take
 * the phases, whatever was measured. */
static void check_auto_route(struct th_device *d, const struct clgan_conv_shape *g32,
                             const struct clgan_conv_shape *d32)
{
    const char *note = clgan_ctx_conv_note(d->ctx);
    int sim = d->ctx->info.kind == CLGAN_KIND_SIMULATOR;
    th_expect(d->ctx->conv_resolved && !strncmp(note, "auto: ", 6) &&
                  (!sim || strstr(note, "heuristic (simulator")),
              "conv_auto_resolved", d, "%s", note);
    for (int j = 0; j < 4; j++)
        for (int side = 0; side < 2; side++) {
            struct clgan_conv_geo g;
            if (!phase_shape(side ? &d32[j] : &g32[j], side ? CONV : CONVT, &g))
                continue;
            for (int p = CLGAN_PHASE_UP; p <= CLGAN_PHASE_WGRAD; p++) {
                int chunk = 0, takes = clgan_ops_conv_phase_route(d->ctx, &g, p, &chunk);
                int want = d->ctx->conv_phases[p] && !sim && !d->ctx->no_wide_tiles &&
                           (p == CLGAN_PHASE_DOWN ? g.cs : g.cb) >= 8;
                char name[64];
                snprintf(name, sizeof(name), "route_auto_%s_%c%d(cs=%d,cb=%d)", pass_names[p],
                         side ? 'D' : 'G', j + 1, g.cs, g.cb);
                th_expect(takes == want, name, d, "phases %s, expected %s (%s)",
                          takes ? "taken" : "not taken", want ? "taken" : "not", note);
            }
        }
}

/* The routes' choice under AUTO through a cache folder of its own: measured on first use,
 * read back on the next context, measured again after the entry is cut short, the heuristic
 * with the cache off; a simulator, or a device without the phase kernels, is never measured. */
static void auto_cache_case(struct th_device *d)
{
    const char *name = "conv_auto_cache";
    if (!th_want(name))
        return;
    char dir[] = "/tmp/clgan-conv-auto.XXXXXX";
    if (!mkdtemp(dir)) {
        th_expect(0, name, d, "mkdtemp failed");
        return;
    }
    const char *want[] = {"auto: measured up", "auto: measured before up", "auto: measured up",
                          "auto: heuristic (program cache off"};
    for (int round = 0; round < 4; round++) {
        if (round == 2) {
            /* cut the conv choice's entry short: the only file whose key names it */
            char cmd[1400];
            snprintf(cmd, sizeof(cmd),
                     "f=$(grep -l clgan-conv-choice %s/*.bin | head -1) && [ -n \"$f\" ] && "
                     "truncate -s -4 \"$f\"",
                     dir);
            th_expect(d->small || d->ctx->no_wide_tiles || system(cmd) == 0,
                      "conv_auto_damage_entry", d, "no conv choice entry in %s", dir);
        }
        char msg[512];
        struct clgan_ctx_params p = clgan_ctx_default_params();
        p.device_index = d->info->index;
        p.cache_dir = round == 3 ? "off" : dir;
        clgan_ctx *c = NULL;
        if (clgan_ctx_init(&p, &c, msg, sizeof(msg)) != CLGAN_STATUS_OK) {
            th_expect(0, name, d, "%s", msg);
            break;
        }
        const char *note = clgan_ctx_conv_note(c);
        /* a simulator is never measured, nor a device without the phase kernels (Mesa's
         * compilers), whose heuristic is the columns */
        const char *w = d->small                ? "auto: heuristic (simulator"
                        : d->ctx->no_wide_tiles ? "auto: heuristic (no phase kernels here"
                                                : want[round];
        char nm[64];
        snprintf(nm, sizeof(nm), "conv_auto_round%d", round);
        th_expect(!strncmp(note, w, strlen(w)), nm, d, "%s (want %s...)", note, w);
        clgan_ctx_free(c);
    }
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        th_expect(0, name, d, "could not remove %s", dir);
}

int main(int argc, char **argv)
{
    th_init(argc, argv, 1);
    /* {n, cin, h, w, cout, k, stride, pad, out_pad} */
    static const struct clgan_conv_shape conv[] = {
        {3, 5, 7, 7, 6, 4, 2, 1, 0},   /* dcgan-like on odd sizes */
        {3, 5, 7, 9, 4, 3, 1, 1, 0},   /* same-size output, h != w */
        {2, 3, 5, 6, 7, 1, 1, 0, 0},   /* k = 1 */
        {2, 4, 10, 11, 3, 3, 3, 0, 0}, /* sizes not divisible by the stride */
        {1, 3, 8, 8, 5, 4, 2, 1, 0},   /* batch 1: no permute */
        {4, 3, 6, 6, 1, 3, 2, 2, 0},   /* one output channel: no permute, pad 2 */
        {2, 2, 3, 3, 3, 5, 1, 2, 0},   /* kernel larger than the image */
        {3, 2, 9, 7, 3, 2, 3, 0, 0},   /* k < stride: some inputs unused */
        {2, 9, 8, 16, 12, 4, 2, 1, 0}, /* input gradient by phases: rows of 8, 9 channels */
        {3, 4, 4, 4, 9, 4, 2, 1, 0},   /* down by phases: rows of 2, one partial panel */
        {1, 3, 4, 64, 5, 4, 2, 1, 0},  /* down by phases: rows of 32 */
        {2, 260, 8, 8, 9, 4, 2, 1, 0}, /* down by phases: two images a panel, chunks */
        {3, 2, 16, 32, 8, 4, 2, 1, 0}, /* weight gradient by phases: chunks of positions */
        {2, 3, 16, 2, 8, 4, 2, 1, 0},  /* weight gradient by phases: one position a row */
        {5, 17, 13, 13, 33, 3, 2, 1, 0}};
    static const struct clgan_conv_shape convt[] = {
        {3, 12, 2, 2, 9, 4, 2, 1, 0},  /* phases: rows of 2, one partial panel, 9 channels */
        {1, 3, 2, 32, 8, 4, 2, 1, 0},  /* phases: rows of 32 */
        {1, 3, 1, 64, 8, 4, 2, 1, 0},  /* phases: rows of 64 in runs of 32 */
        {1, 520, 2, 4, 8, 4, 2, 1, 0}, /* phases: chunks of input channels (2 on CPUs) */
        {2, 8, 8, 1, 3, 4, 2, 1, 0},   /* phases: one position a row */
        {3, 5, 4, 4, 6, 4, 2, 1, 0},   {3, 5, 4, 5, 4, 4, 2, 1, 1}, /* out_pad 1 */
        {2, 3, 5, 3, 2, 3, 3, 1, 2},                                /* out_pad 2, stride 3 */
        {2, 7, 3, 3, 3, 1, 1, 0, 0},                                /* k = 1 */
        {1, 4, 3, 3, 3, 3, 2, 0, 1},                                /* batch 1 */
        {4, 1, 5, 5, 3, 3, 1, 1, 0},                                /* one input channel */
        {2, 3, 4, 4, 2, 2, 3, 0, 2},                                /* k < stride: gaps */
        {3, 100, 1, 1, 5, 4, 1, 0, 0},                              /* from 1 x 1 */
        {5, 33, 7, 7, 17, 4, 2, 1, 1},   /* this and the next: not in quick runs */
        {1, 520, 2, 16, 8, 4, 2, 1, 0}}; /* chunks in rows of 16 (whole 16-float stores) */
    /* dcgan32's convolutions at batch 64, with the shapes the preset gives them */
    struct clgan_conv_shape g32[4], d32[4];
    if (!dcgan32_convs('G', g32) || !dcgan32_convs('D', d32))
        return th_finish();
    static const struct clgan_linear_shape lin[] = {{3, 5, 4},     {1, 7, 3},    {5, 1, 1},
                                                    {64, 100, 33}, {150, 4, 16}, {130, 257, 65}};
    for (int i = 0; i < th_ndev(); i++) {
        struct th_device *d = th_dev(i);
        /* a quick run leaves out the largest shapes (over a million multiply-adds each): the
         * last convolution, the last two transposed ones */
        size_t nconv = sizeof(conv) / sizeof(conv[0]) - (th_quick() ? 1 : 0);
        size_t nconvt = sizeof(convt) / sizeof(convt[0]) - (th_quick() ? 2 : 0);
        for (size_t j = 0; j < nconv; j++)
            run_conv(d, CONV, &conv[j]);
        for (size_t j = 0; j < nconvt; j++)
            run_conv(d, CONVT, &convt[j]);
        for (size_t j = 0; j < sizeof(lin) / sizeof(lin[0]); j++)
            if (!d->small || (size_t)lin[j].n * lin[j].in * lin[j].out < 100000)
                run_linear(d, &lin[j]);
        /* the model layers: their sizes only matter for speed and accumulation error, which
         * a quick run under a checker does not measure */
        for (int j = 0; j < 4 && !th_quick(); j++) {
            struct clgan_conv_shape g = g32[j], dd = d32[j];
            if (d->small) {
                /* The simulator runs the naive GEMM at ~0.5M multiply-adds a second: batch 2, and
                 * the middle layers (8M per image) with channels / 8 but their real sizes, kernel,
                 * stride and padding, which is what the non-GEMM kernels depend on. */
                g.n = dd.n = 2;
                if (j == 1 || j == 2) {
                    g.cin /= 8;
                    g.cout /= 8;
                    dd.cin /= 8;
                    dd.cout /= 8;
                }
            }
            run_conv(d, CONVT, &g);
            run_conv(d, CONV, &dd);
        }
        /* every shape the phase route takes, through each route by force (AUTO above took the
         * phases on CPUs only where a layer has 8 or more output channels) */
        for (int r = CLGAN_CONV_ROUTE_COLUMNS; r <= CLGAN_CONV_ROUTE_PHASES; r++) {
            if (r == CLGAN_CONV_ROUTE_PHASES && d->ctx->no_wide_tiles)
                continue; /* never there (rt.h) */
            if (r == CLGAN_CONV_ROUTE_COLUMNS && d->small)
                continue; /* what AUTO took above on a simulator */
            d->ctx->conv = (enum clgan_conv_route)r;
            snprintf(gemm_tag, sizeof(gemm_tag), "/%s", clgan_conv_route_str(d->ctx->conv));
            for (size_t j = 0; j < nconv; j++)
                run_routed(d, CONV, &conv[j], d->ctx->conv);
            for (size_t j = 0; j < nconvt; j++)
                run_routed(d, CONVT, &convt[j], d->ctx->conv);
            d->ctx->conv = CLGAN_CONV_ROUTE_AUTO;
            gemm_tag[0] = 0;
        }
        check_auto_route(d, g32, d32);
        auto_cache_case(d);
        run_invalid(d);
        if (!d->small) {
            /* the odd shapes again on the other GEMM backend */
            enum clgan_gemm_backend keep = clgan_ctx_gemm_backend(d->ctx);
            d->ctx->gemm = keep == CLGAN_GEMM_CLBLAST ? CLGAN_GEMM_OWN : CLGAN_GEMM_CLBLAST;
            snprintf(gemm_tag, sizeof(gemm_tag), "/%s", clgan_gemm_backend_str(d->ctx->gemm));
            for (size_t j = 0; j < sizeof(conv) / sizeof(conv[0]); j++)
                run_conv(d, CONV, &conv[j]);
            for (size_t j = 0; j < sizeof(convt) / sizeof(convt[0]); j++)
                run_conv(d, CONVT, &convt[j]);
            for (size_t j = 0; j < sizeof(lin) / sizeof(lin[0]); j++)
                run_linear(d, &lin[j]);
            d->ctx->gemm = keep;
            gemm_tag[0] = 0;
        }
    }
    run_flops();
    return th_finish();
}

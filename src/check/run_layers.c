/*
 * run_layers.c - the op families of a model's layers, with the shapes the presets give them
 * (clgan_check_dcgan_layers): every convolution and transposed convolution of dcgan32 (and
 * dcgan64 where the size class allows), every batch norm with the activation a model folds into
 * it, the activations a model runs on their own; plus odd shapes that divide no work-group size.
 *
 * Names: <op>_<tag>_<pass> for dcgan32 ("conv2d_D2_fwd", "bn_G1_bwd_data"), with "dcgan64_"
 * before the tag for dcgan64, "odd" as the tag of the odd shapes.
 */
#include <math.h>
#include <stdio.h>

#include "check/runner.h"
#include "ops/act.h"
#include "ops/bn.h"
#include "ops/conv.h"
#include "ref/act.h"
#include "ref/bn.h"
#include "ref/conv.h"

/* The layers of one net of a preset, with the name prefix of its cases ("", "dcgan64_"). */
static int preset_layers(struct chk *c, int which, char net, struct clgan_check_layer *l,
                         const char **prefix, int *conv_batch)
{
    struct clgan_check_dcgan d;
    char err[256];
    if (!chk_dcgan(c, which, &d, conv_batch))
        return 0;
    *prefix = which ? "dcgan64_" : "";
    int n = clgan_check_dcgan_layers(&d, net, *conv_batch, l, err, sizeof(err));
    if (n < 0)
        chk_fail(c, which ? "preset_dcgan64" : "preset_dcgan32", err);
    return n < 0 ? 0 : n;
}

/* ---------------------------------------------------------------- convolutions */

/* The ops' epilogue of an activation kind (an enum clgan_act: ReLU or leaky ReLU) with gate. */
static struct clgan_ops_conv_epi epi_of(int act, float slope, const struct clgan_tensor *gate)
{
    struct clgan_ops_conv_epi e = {(enum clgan_ops_act)act, slope, gate};
    return e;
}

/* The passes of one convolution; the forward pass with the activation folded into it and the
 * input gradient gated as a model runs them (l: the layer's fused_act and gate_act). */
static void conv_case(struct chk *c, const char *tag, int t, struct clgan_conv_shape s,
                      const struct clgan_check_layer *l)
{
    char op[96];
    int ho, wo;
    if (!chk_want_case(c, tag))
        return;
    if (t)
        clgan_ops_convt2d_out_hw(&s, &ho, &wo);
    else
        clgan_ops_conv2d_out_hw(&s, &ho, &wo);
    size_t nx = (size_t)s.n * s.cin * s.h * s.w, ny = (size_t)s.n * s.cout * ho * wo,
           nw = (size_t)s.cin * s.cout * s.k * s.k, ws = 0;
    for (int p = 0; p < 3; p++) {
        size_t w =
            t ? clgan_ops_convt2d_workspace(NULL, &s, p) : clgan_ops_conv2d_workspace(NULL, &s, p);
        ws = w > ws ? w : ws;
    }
    float *x = chk_rand(c, nx, -1, 1), *w = chk_rand(c, nw, -0.1f, 0.1f),
          *dy = chk_rand(c, ny, -1, 1), *bias = chk_rand(c, (size_t)s.cout, -0.5f, 0.5f);
    float *ry = chk_zeros(c, ny), *rdx = chk_zeros(c, nx), *rdw = chk_zeros(c, nw);
    /* the gate: the output of the activation before, as x is (the input of the pass' output) */
    float *gate = chk_rand(c, nx, -1, 1);
    cl_mem dgate = chk_up(c, gate, nx);
    cl_mem dx = chk_up(c, x, nx), dw = chk_up(c, w, nw), ddy = chk_up(c, dy, ny),
           db = chk_up(c, bias, (size_t)s.cout), out = chk_up(c, NULL, ny > nx ? ny : nx),
           gw = chk_up(c, NULL, nw), dws = chk_up(c, NULL, ws);
    /* images as their NCHW shapes, the weight [cout, cin, k, k] ([cin, cout, k, k] transposed),
     * the bias flat; the output buffer serves y and dx */
    int wa = t ? s.cin : s.cout, wb = t ? s.cout : s.cin;
    struct clgan_tensor vx = clgan_tensor_view(dx, 0, CLGAN_DTYPE_F32, s.n, s.cin, s.h, s.w),
                        vdy = clgan_tensor_view(ddy, 0, CLGAN_DTYPE_F32, s.n, s.cout, ho, wo),
                        vw = clgan_tensor_view(dw, 0, CLGAN_DTYPE_F32, wa, wb, s.k, s.k),
                        vb = clgan_tensor_view(db, 0, CLGAN_DTYPE_F32, 1, s.cout, 1, 1),
                        vy = clgan_tensor_view(out, 0, CLGAN_DTYPE_F32, s.n, s.cout, ho, wo),
                        vdx = clgan_tensor_view(out, 0, CLGAN_DTYPE_F32, s.n, s.cin, s.h, s.w),
                        vgw = clgan_tensor_view(gw, 0, CLGAN_DTYPE_F32, wa, wb, s.k, s.k),
                        vgate = clgan_tensor_view(dgate, 0, CLGAN_DTYPE_F32, s.n, s.cin, s.h, s.w);
    /* fp32 sums of cin*k*k (or cout*k*k) products */
    double atol = 1e-4, rtol = 2e-3, nm = 1e-9;
    snprintf(op, sizeof(op), "%s_alloc", tag);
    if (!chk_ready(c, op))
        goto out;
    /* the forward pass, then with the activation a model folds into the layer; the input
     * gradient, then gated through the folded activation of the layer before */
    for (int v = 0; v < 2; v++) {
        if (v && (!l || l->fused_act == CLGAN_CHECK_NO_ACT))
            break;
        struct clgan_ops_conv_epi e = epi_of(v ? l->fused_act : 0, v ? l->fused_slope : 0, NULL);
        if (v)
            snprintf(op, sizeof(op), "%s_fwd_%s", tag, clgan_ops_act_name(e.act));
        else
            snprintf(op, sizeof(op), "%s_fwd", tag);
        if (!chk_want(c, op))
            continue;
        const struct clgan_ops_conv_epi *ep = v ? &e : NULL;
        clgan_status st = t ? clgan_ops_convt2d_fwd_epi(c->ctx, &s, &vx, &vw, &vb, ep, &vy, dws, 0)
                            : clgan_ops_conv2d_fwd_epi(c->ctx, &s, &vx, &vw, &vb, ep, &vy, dws, 0);
        float *got = st == CLGAN_STATUS_OK ? chk_down(c, out, ny) : NULL;
        if (!got) {
            chk_dev_error(c, op);
            continue;
        }
        if (t)
            clgan_ref_convt2d_fwd(&s, x, w, bias, ry);
        else
            clgan_ref_conv2d_fwd(&s, x, w, bias, ry);
        if (v)
            clgan_ref_act_fwd((int)e.act, e.slope, ny, ry, ry);
        chk_compare(c, op, got, ry, ny, atol, rtol, nm);
    }
    for (int v = 0; v < 2; v++) {
        if (v && (!l || l->gate_act == CLGAN_CHECK_NO_ACT))
            break;
        struct clgan_ops_conv_epi e = epi_of(v ? l->gate_act : 0, v ? l->gate_slope : 0, &vgate);
        snprintf(op, sizeof(op), v ? "%s_bwd_data_gated" : "%s_bwd_data", tag);
        if (!chk_want(c, op))
            continue;
        const struct clgan_ops_conv_epi *ep = v ? &e : NULL;
        clgan_status st =
            t ? clgan_ops_convt2d_bwd_data_epi(c->ctx, &s, &vdy, &vw, ep, &vdx, dws, 0)
              : clgan_ops_conv2d_bwd_data_epi(c->ctx, &s, &vdy, &vw, ep, &vdx, dws, 0);
        float *got = st == CLGAN_STATUS_OK ? chk_down(c, out, nx) : NULL;
        if (!got) {
            chk_dev_error(c, op);
            continue;
        }
        if (t)
            clgan_ref_convt2d_bwd_data(&s, dy, w, rdx);
        else
            clgan_ref_conv2d_bwd_data(&s, dy, w, rdx);
        if (v)
            clgan_ref_act_bwd((int)e.act, e.slope, nx, gate, rdx, rdx);
        chk_compare(c, op, got, rdx, nx, atol, rtol, nm);
    }
    snprintf(op, sizeof(op), "%s_bwd_weight", tag);
    if (chk_want(c, op)) {
        clgan_status st =
            t ? clgan_ops_convt2d_bwd_weight(c->ctx, &s, &vx, &vdy, 0.0f, &vgw, dws, 0)
              : clgan_ops_conv2d_bwd_weight(c->ctx, &s, &vx, &vdy, 0.0f, &vgw, dws, 0);
        float *got = st == CLGAN_STATUS_OK ? chk_down(c, gw, nw) : NULL;
        if (!got) {
            chk_dev_error(c, op);
        } else {
            if (t)
                clgan_ref_convt2d_bwd_weight(&s, x, dy, 0.0f, rdw);
            else
                clgan_ref_conv2d_bwd_weight(&s, x, dy, 0.0f, rdw);
            /* sums over batch x positions: looser absolute tolerance */
            chk_compare(c, op, got, rdw, nw, 1e-3, rtol, nm);
        }
    }
out:
    chk_done(c);
}

void clgan_check_conv(struct chk *c)
{
    struct clgan_check_layer l[CLGAN_CHECK_MAX_LAYERS];
    char tag[64];
    for (int which = 0; which < 2; which++)
        for (const char *net = "DG"; *net; net++) {
            const char *prefix = "";
            int batch = 0, n = preset_layers(c, which, *net, l, &prefix, &batch);
            for (int i = 0; i < n; i++) {
                int t = l[i].spec.kind == CLGAN_LAYER_CONVT2D;
                if (!t && l[i].spec.kind != CLGAN_LAYER_CONV2D)
                    continue;
                snprintf(tag, sizeof(tag), "%s_%.8s%.15s", t ? "convt2d" : "conv2d", prefix,
                         l[i].tag);
                conv_case(c, tag, t, l[i].conv, &l[i]);
            }
        }
    /* odd shapes: kernel 3 stride 1 pad 1 on 7x5, output padding */
    struct clgan_conv_shape o1 = {3, 5, 7, 5, 4, 3, 1, 1, 0}, o2 = {2, 3, 5, 6, 4, 3, 2, 1, 1};
    conv_case(c, "conv2d_odd", 0, o1, NULL);
    conv_case(c, "convt2d_odd", 1, o2, NULL);
}

/* ---------------------------------------------------------------- batch norm */

/* Training forward, running statistics and backward of one batch norm over [n, ch, hw], with
 * the activation act (an enum clgan_act, or CLGAN_CHECK_NO_ACT) fused as a model fuses it. */
static void bn_case(struct chk *c, const char *stem, size_t n, size_t ch, size_t hw, int act,
                    float slope)
{
    char op[96];
    if (!chk_want_case(c, stem))
        return;
    size_t nx = n * ch * hw;
    float *x = chk_rand(c, nx, -2, 3), *dy = chk_rand(c, nx, -1, 1),
          *gam = chk_rand(c, ch, 0.5f, 1.5f), *bet = chk_rand(c, ch, -0.5f, 0.5f);
    float *st = chk_zeros(c, 4 * ch), *ry = chk_zeros(c, nx), *rg = chk_zeros(c, nx),
          *rdx = chk_zeros(c, nx), *rgb = chk_zeros(c, 2 * ch), *gb = chk_zeros(c, 2 * ch);
    for (size_t i = 0; st && i < ch; i++)
        st[ch + i] = 1.0f;
    for (size_t i = 0; gb && i < ch; i++) {
        gb[i] = gam[i];
        gb[ch + i] = bet[i];
    }
    cl_mem dx = chk_up(c, x, nx), ddy = chk_up(c, dy, nx), dgb = chk_up(c, gb, 2 * ch),
           dst = chk_up(c, st, 4 * ch), o = chk_up(c, NULL, nx), gx = chk_up(c, NULL, nx),
           dg = chk_up(c, NULL, 2 * ch);
    float *got = NULL;
    snprintf(op, sizeof(op), "%s_fwd_train", stem);
    if (!chk_ready(c, op))
        goto out;
    /* x and its kin as [n, ch, 1, hw]; gamma, beta and the four statistics as vectors of ch */
    int in = (int)n, ic = (int)ch, ihw = (int)hw;
    struct clgan_tensor vx = clgan_tensor_view(dx, 0, CLGAN_DTYPE_F32, in, ic, 1, ihw),
                        vdy = clgan_tensor_view(ddy, 0, CLGAN_DTYPE_F32, in, ic, 1, ihw),
                        vo = clgan_tensor_view(o, 0, CLGAN_DTYPE_F32, in, ic, 1, ihw),
                        vgx = clgan_tensor_view(gx, 0, CLGAN_DTYPE_F32, in, ic, 1, ihw),
                        vdg = clgan_tensor_view(dg, 0, CLGAN_DTYPE_F32, 1, ic, 1, 1),
                        vdb = clgan_tensor_view(dg, ch, CLGAN_DTYPE_F32, 1, ic, 1, 1);
    struct clgan_ops_bn bn = {
        .eps = CLGAN_OPS_BN_EPS,
        .momentum = CLGAN_OPS_BN_MOMENTUM,
        .gamma = clgan_tensor_view(dgb, 0, CLGAN_DTYPE_F32, 1, ic, 1, 1),
        .beta = clgan_tensor_view(dgb, ch, CLGAN_DTYPE_F32, 1, ic, 1, 1),
        .run_mean = clgan_tensor_view(dst, 0, CLGAN_DTYPE_F32, 1, ic, 1, 1),
        .run_var = clgan_tensor_view(dst, ch, CLGAN_DTYPE_F32, 1, ic, 1, 1),
        .save_mean = clgan_tensor_view(dst, 2 * ch, CLGAN_DTYPE_F32, 1, ic, 1, 1),
        .save_invstd = clgan_tensor_view(dst, 3 * ch, CLGAN_DTYPE_F32, 1, ic, 1, 1),
        .act = act == CLGAN_ACT_RELU    ? CLGAN_OPS_BN_ACT_RELU
               : act == CLGAN_ACT_LRELU ? CLGAN_OPS_BN_ACT_LRELU
                                        : CLGAN_OPS_BN_ACT_NONE,
        .act_slope = act == CLGAN_ACT_LRELU ? slope : 0.0f};
    if (act != CLGAN_CHECK_NO_ACT)
        bn.act_y = vo;
    if (clgan_ops_bn_fwd_train(c->ctx, &bn, &vx, &vo) != CLGAN_STATUS_OK ||
        !(got = chk_down(c, o, nx))) {
        chk_dev_error(c, op);
        goto out;
    }
    clgan_ref_bn_fwd_train(n, ch, hw, CLGAN_OPS_BN_EPS, CLGAN_OPS_BN_MOMENTUM, x, ry, gam, bet, st,
                           st + ch, st + 2 * ch, st + 3 * ch);
    if (act != CLGAN_CHECK_NO_ACT)
        clgan_ref_act_fwd(act, slope, nx, ry, ry);
    /* per-channel sums over n*hw values: fp32 rounding grows with their square root */
    double sq = sqrt((double)(n * hw)) * 1.2e-7;
    chk_compare(c, op, got, ry, nx, 1e-5 + 4 * sq, 1e-4, 1e-11);
    snprintf(op, sizeof(op), "%s_running_stats", stem);
    if ((got = chk_down(c, dst, 2 * ch)) != NULL)
        chk_compare(c, op, got, st, 2 * ch, 1e-6 + sq, 1e-4, 1e-11);
    else
        chk_dev_error(c, op);
    /* with an activation the gradient is that of its output, gated from the forward's output */
    snprintf(op, sizeof(op), "%s_bwd_data", stem);
    if (clgan_ops_bn_bwd(c->ctx, &bn, &vx, &vdy, &vgx, &vdg, &vdb, 0.0f) != CLGAN_STATUS_OK ||
        !(got = chk_down(c, gx, nx))) {
        chk_dev_error(c, op);
        goto out;
    }
    /* the gate from the device's own forward output, as the device gates it: a value within
     * rounding of the ReLU's edge may fall on either side in the two forwards */
    float *dev_y = act != CLGAN_CHECK_NO_ACT ? chk_down(c, o, nx) : NULL;
    if (act != CLGAN_CHECK_NO_ACT)
        clgan_ref_act_bwd(act, slope, nx, dev_y ? dev_y : ry, dy, rg);
    clgan_ref_bn_bwd(n, ch, hw, x, act != CLGAN_CHECK_NO_ACT ? rg : dy, gam, st + 2 * ch,
                     st + 3 * ch, rdx, rgb, rgb + ch, 0.0f);
    chk_compare(c, op, got, rdx, nx, 1e-5 + 4 * sq, 1e-3, 1e-10);
    snprintf(op, sizeof(op), "%s_bwd_gamma_beta", stem);
    if ((got = chk_down(c, dg, 2 * ch)) != NULL) /* sums over n x hw values */
        chk_compare(c, op, got, rgb, 2 * ch, 1e-3 + 8 * sq, 1e-4, 1e-10);
    else
        chk_dev_error(c, op);
out:
    chk_done(c);
}

void clgan_check_bn(struct chk *c)
{
    struct clgan_check_layer l[CLGAN_CHECK_MAX_LAYERS];
    char stem[64];
    for (int which = 0; which < 2; which++)
        for (const char *net = "DG"; *net; net++) {
            const char *prefix = "";
            int batch = 0, n = preset_layers(c, which, *net, l, &prefix, &batch);
            for (int i = 0; i < n; i++) {
                if (l[i].spec.kind != CLGAN_LAYER_BATCHNORM)
                    continue;
                snprintf(stem, sizeof(stem), "bn_%.8s%.15s", prefix, l[i].tag);
                bn_case(c, stem, (size_t)c->pol->bn_batch, (size_t)l[i].in.c,
                        (size_t)l[i].in.h * l[i].in.w, l[i].fused_act, l[i].fused_slope);
            }
        }
    /* no activation, sizes that are no multiple of a vector or a work-group */
    bn_case(c, "bn_odd", 3, 5, 21, CLGAN_CHECK_NO_ACT, 0.0f);
}

/* ---------------------------------------------------------------- activations */

static void act_case(struct chk *c, const char *stem, int k, float slope, size_t n)
{
    char op[96];
    if (!chk_want_case(c, stem))
        return;
    float *x = chk_rand(c, n, -5, 5), *dy = chk_rand(c, n, -1, 1), *ry = chk_zeros(c, n),
          *rdx = chk_zeros(c, n), *got = NULL;
    cl_mem dx = chk_up(c, x, n), ddy = chk_up(c, dy, n), y = chk_up(c, NULL, n),
           g = chk_up(c, NULL, n);
    snprintf(op, sizeof(op), "%s_fwd", stem);
    if (!chk_ready(c, op))
        goto out;
    struct clgan_tensor vx = clgan_tensor_view(dx, 0, CLGAN_DTYPE_F32, 1, (int)n, 1, 1),
                        vy = clgan_tensor_view(y, 0, CLGAN_DTYPE_F32, 1, (int)n, 1, 1),
                        vdy = clgan_tensor_view(ddy, 0, CLGAN_DTYPE_F32, 1, (int)n, 1, 1),
                        vg = clgan_tensor_view(g, 0, CLGAN_DTYPE_F32, 1, (int)n, 1, 1);
    if (clgan_ops_act_fwd(c->ctx, (enum clgan_ops_act)k, slope, &vx, &vy) != CLGAN_STATUS_OK ||
        !(got = chk_down(c, y, n))) {
        chk_dev_error(c, op);
        goto out;
    }
    clgan_ref_act_fwd(k, slope, n, x, ry);
    chk_compare(c, op, got, ry, n, 1e-6, 1e-5, 1e-12);
    snprintf(op, sizeof(op), "%s_bwd", stem);
    if (clgan_ops_act_bwd(c->ctx, (enum clgan_ops_act)k, slope, &vy, &vdy, &vg) !=
            CLGAN_STATUS_OK ||
        !(got = chk_down(c, g, n))) {
        chk_dev_error(c, op);
        goto out;
    }
    clgan_ref_act_bwd(k, slope, n, ry, dy, rdx);
    chk_compare(c, op, got, rdx, n, 1e-6, 1e-5, 1e-12);
out:
    chk_done(c);
}

void clgan_check_act(struct chk *c)
{
    char stem[64];
    /* every kind on an odd length */
    for (int k = CLGAN_OPS_ACT_RELU; k <= CLGAN_OPS_ACT_SIGMOID; k++) {
        snprintf(stem, sizeof(stem), "act_%s", clgan_ops_act_name((enum clgan_ops_act)k));
        act_case(c, stem, k, 0.2f, c->pol->elt_n);
    }
    /* the presets' activations that run as layers of their own (not folded into a batch norm) */
    struct clgan_check_layer l[CLGAN_CHECK_MAX_LAYERS];
    for (int which = 0; which < 2; which++)
        for (const char *net = "DG"; *net; net++) {
            const char *prefix = "";
            int batch = 0, n = preset_layers(c, which, *net, l, &prefix, &batch);
            for (int i = 0; i < n; i++) {
                if (l[i].spec.kind != CLGAN_LAYER_ACT || l[i].folded)
                    continue;
                snprintf(stem, sizeof(stem), "act_%.8s_%.8s%.15s",
                         clgan_ops_act_name((enum clgan_ops_act)l[i].spec.act), prefix, l[i].tag);
                act_case(c, stem, (int)l[i].spec.act, l[i].spec.slope,
                         (size_t)batch * clgan_shape_size(l[i].in));
            }
        }
}

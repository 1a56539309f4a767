/*
 * conv2d.c - convolution and transposed convolution layers (PyTorch Conv2d / ConvTranspose2d):
 * weight then optional bias in the flat parameters; N(0, 0.02) weights and zero bias by default,
 * as the DCGAN paper and PyTorch's example initialise them.
 */
#include <stdio.h>

#include "nn/nn.h"
#include "ops/act.h"
#include "ops/conv.h"
#include "ops/elt.h"
#include "ops/rng.h"

static struct clgan_conv_shape shape_of(const struct clgan_layer *l, int batch)
{
    struct clgan_conv_shape s = {.n = batch,
                                 .cin = l->in.c,
                                 .h = l->in.h,
                                 .w = l->in.w,
                                 .cout = l->spec.out,
                                 .k = l->spec.k,
                                 .stride = l->spec.stride,
                                 .pad = l->spec.pad,
                                 .out_pad = l->spec.out_pad};
    return s;
}

static int is_t(const struct clgan_layer *l)
{
    return l->spec.kind == CLGAN_LAYER_CONVT2D;
}

static clgan_status setup(struct clgan_layer *l, char *err, size_t err_len)
{
    struct clgan_conv_shape s = shape_of(l, 1);
    int ho, wo;
    if (s.cout <= 0 || s.k <= 0 || s.stride <= 0 || s.pad < 0 || s.out_pad < 0 ||
        (is_t(l) && s.out_pad >= s.stride)) {
        snprintf(err, err_len, "bad convolution (out %d, k %d, stride %d, pad %d, out_pad %d)",
                 s.cout, s.k, s.stride, s.pad, s.out_pad);
        return CLGAN_STATUS_INVALID_ARGUMENT;
    }
    if (is_t(l))
        clgan_ops_convt2d_out_hw(&s, &ho, &wo);
    else
        clgan_ops_conv2d_out_hw(&s, &ho, &wo);
    if (ho <= 0 || wo <= 0) {
        snprintf(err, err_len, "input %dx%d too small for kernel %d stride %d pad %d", s.h, s.w,
                 s.k, s.stride, s.pad);
        return CLGAN_STATUS_INVALID_ARGUMENT;
    }
    l->out.c = s.cout;
    l->out.h = ho;
    l->out.w = wo;
    l->n_weight = (size_t)s.cin * s.cout * s.k * s.k;
    l->n_params = l->n_weight + (l->spec.bias ? (size_t)s.cout : 0);
    return CLGAN_STATUS_OK;
}

static size_t workspace(const clgan_ctx *ctx, const struct clgan_layer *l, int batch)
{
    struct clgan_conv_shape s = shape_of(l, batch);
    size_t m = 0;
    for (int p = CLGAN_CONV_FWD; p <= CLGAN_CONV_BWD_WEIGHT; p++) {
        size_t w = is_t(l) ? clgan_ops_convt2d_workspace(ctx, &s, (enum clgan_conv_pass)p)
                           : clgan_ops_conv2d_workspace(ctx, &s, (enum clgan_conv_pass)p);
        if (w > m)
            m = w;
    }
    return m;
}

static clgan_status init(struct clgan_model *m, struct clgan_layer *l, uint64_t seed)
{
    clgan_status st =
        clgan_ops_init_normal(m->ctx, m->params, l->p_off, l->n_weight, 0.0f, 0.02f, seed, 0);
    if (st == CLGAN_STATUS_OK && l->spec.bias)
        st = clgan_ops_elt_fill(m->ctx, l->n_params - l->n_weight, 0.0f, m->params,
                                l->p_off + l->n_weight);
    return st;
}

static clgan_status prepare(struct clgan_model *m, struct clgan_layer *l)
{
    struct clgan_conv_shape s = shape_of(l, m->max_batch);
    return clgan_ops_conv_reserve(m->ctx, &s, is_t(l));
}

/* Views of the weight (conv2d [cout, cin, k, k], transposed [cin, cout, k, k]) and the bias
 * ([cout], flat) in buffer buf (the parameters or their gradients). */
static struct clgan_tensor weight_view(const struct clgan_layer *l, cl_mem buf)
{
    int a = is_t(l) ? l->in.c : l->spec.out, b = is_t(l) ? l->spec.out : l->in.c;
    return clgan_tensor_view(buf, l->p_off, CLGAN_DTYPE_F32, a, b, l->spec.k, l->spec.k);
}

static struct clgan_tensor bias_view(const struct clgan_layer *l, cl_mem buf)
{
    return clgan_tensor_view(buf, l->p_off + l->n_weight, CLGAN_DTYPE_F32, 1, l->spec.out, 1, 1);
}

/* The activation a folded layer a (ReLU or leaky ReLU) applies, as an epilogue gated by gate
 * (NULL: the activation itself). */
static struct clgan_ops_conv_epi epi_of(const struct clgan_layer *a,
                                        const struct clgan_tensor *gate)
{
    /* ops/act.h's kinds are nn's enum clgan_act in the same order */
    struct clgan_ops_conv_epi e = {(enum clgan_ops_act)a->spec.act, a->spec.slope, gate};
    return e;
}

static clgan_status forward(struct clgan_model *m, struct clgan_layer *l,
                            const struct clgan_tensor *x, const struct clgan_tensor *y, int mode)
{
    struct clgan_conv_shape s = shape_of(l, y->n);
    struct clgan_tensor w = weight_view(l, m->params), b = bias_view(l, m->params);
    const struct clgan_tensor *bp = l->spec.bias ? &b : NULL;
    /* the activation after this layer, folded into it (nn.h fuse_next) */
    struct clgan_ops_conv_epi act =
        l->fuse_next ? epi_of(l + 1, NULL) : (struct clgan_ops_conv_epi){0};
    const struct clgan_ops_conv_epi *e = l->fuse_next ? &act : NULL;
    (void)mode;
    if (is_t(l))
        return clgan_ops_convt2d_fwd_epi(m->ctx, &s, x, &w, bp, e, y, m->work, 0);
    return clgan_ops_conv2d_fwd_epi(m->ctx, &s, x, &w, bp, e, y, m->work, 0);
}

static clgan_status backward(struct clgan_model *m, struct clgan_layer *l,
                             const struct clgan_tensor *x, const struct clgan_tensor *y,
                             const struct clgan_tensor *dy, const struct clgan_tensor *dx,
                             const float *beta_x, int flags)
{
    struct clgan_conv_shape s = shape_of(l, dy->n);
    struct clgan_tensor w = weight_view(l, m->params), dw = weight_view(l, m->grads),
                        db = bias_view(l, m->grads);
    (void)beta_x;
    float beta = (flags & CLGAN_BWD_ACCUMULATE) ? 1.0f : 0.0f;
    clgan_status st = CLGAN_STATUS_OK;
    int param_grad = !(flags & CLGAN_BWD_NO_PARAM_GRAD);
    if (l->fuse_next && !l->dy_gated && (param_grad || dx->mem)) {
        /* dy is the folded activation's output gradient: through it, in place (dy is that
         * activation's gradient slot, read by this layer alone) */
        struct clgan_ops_conv_epi a = epi_of(l + 1, NULL);
        st = clgan_ops_act_bwd(m->ctx, a.act, a.slope, y, dy, dy);
    }
    if (st == CLGAN_STATUS_OK && param_grad) {
        st = is_t(l) ? clgan_ops_convt2d_bwd_weight(m->ctx, &s, x, dy, beta, &dw, m->work, 0)
                     : clgan_ops_conv2d_bwd_weight(m->ctx, &s, x, dy, beta, &dw, m->work, 0);
        if (st == CLGAN_STATUS_OK && l->spec.bias)
            st = is_t(l) ? clgan_ops_convt2d_bwd_bias(m->ctx, &s, dy, beta, &db)
                         : clgan_ops_conv2d_bwd_bias(m->ctx, &s, dy, beta, &db);
    }
    /* an input that is a folded activation's output: its gradient leaves gated (nn.h gate_in) */
    struct clgan_ops_conv_epi gate =
        l->gate_in ? epi_of(&m->layers[l->src[0]], x) : (struct clgan_ops_conv_epi){0};
    const struct clgan_ops_conv_epi *e = l->gate_in ? &gate : NULL;
    if (st == CLGAN_STATUS_OK && dx->mem)
        st = is_t(l) ? clgan_ops_convt2d_bwd_data_epi(m->ctx, &s, dy, &w, e, dx, m->work, 0)
                     : clgan_ops_conv2d_bwd_data_epi(m->ctx, &s, dy, &w, e, dx, m->work, 0);
    return st;
}

static double flops(const struct clgan_layer *l, int batch, int pass)
{
    struct clgan_conv_shape s = shape_of(l, batch);
    return is_t(l) ? clgan_ops_convt2d_flops(&s, (enum clgan_conv_pass)pass)
                   : clgan_ops_conv2d_flops(&s, (enum clgan_conv_pass)pass);
}

const struct clgan_layer_ops clgan_layer_conv2d = {
    .name = "conv2d",
    .setup = setup,
    .workspace = workspace,
    .init = init,
    .prepare = prepare,
    .forward = forward,
    .backward = backward,
    .flops = flops,
};

const struct clgan_layer_ops clgan_layer_convt2d = {
    .name = "convtranspose2d",
    .setup = setup,
    .workspace = workspace,
    .init = init,
    .prepare = prepare,
    .forward = forward,
    .backward = backward,
    .flops = flops,
};

/*
 * conv2d.c - convolution and transposed convolution layers (PyTorch Conv2d / ConvTranspose2d):
 * weight then optional bias in the flat parameters; N(0, 0.02) weights and zero bias by default,
 * as the DCGAN paper and PyTorch's example initialise them.
 */
#include <stdio.h>

#include "nn/nn.h"
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

static size_t workspace(const struct clgan_layer *l, int batch)
{
    struct clgan_conv_shape s = shape_of(l, batch);
    size_t m = 0;
    for (int p = CLGAN_CONV_FWD; p <= CLGAN_CONV_BWD_WEIGHT; p++) {
        size_t w = is_t(l) ? clgan_ops_convt2d_workspace(&s, (enum clgan_conv_pass)p)
                           : clgan_ops_conv2d_workspace(&s, (enum clgan_conv_pass)p);
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

static clgan_status forward(struct clgan_model *m, struct clgan_layer *l,
                            const struct clgan_tensor *xv, const struct clgan_tensor *y, int mode)
{
    struct clgan_conv_shape s = shape_of(l, y->n);
    cl_mem b = l->spec.bias ? m->params : NULL;
    size_t b_off = l->p_off + l->n_weight;
    (void)mode;
    if (is_t(l))
        return clgan_ops_convt2d_fwd(m->ctx, &s, xv->mem, xv->off, m->params, l->p_off, b, b_off,
                                     y->mem, y->off, m->work, 0);
    return clgan_ops_conv2d_fwd(m->ctx, &s, xv->mem, xv->off, m->params, l->p_off, b, b_off, y->mem,
                                y->off, m->work, 0);
}

static clgan_status backward(struct clgan_model *m, struct clgan_layer *l,
                             const struct clgan_tensor *xv, const struct clgan_tensor *yv,
                             const struct clgan_tensor *dyv, const struct clgan_tensor *dxv,
                             const float *beta_x, int flags)
{
    struct clgan_conv_shape s = shape_of(l, dyv->n);
    cl_mem x = xv->mem, dy = dyv->mem, dx = dxv->mem;
    size_t x_off = xv->off, dy_off = dyv->off, dx_off = dxv->off;
    (void)yv;
    (void)beta_x;
    float beta = (flags & CLGAN_BWD_ACCUMULATE) ? 1.0f : 0.0f;
    clgan_status st = CLGAN_STATUS_OK;
    if (!(flags & CLGAN_BWD_NO_PARAM_GRAD)) {
        st = is_t(l) ? clgan_ops_convt2d_bwd_weight(m->ctx, &s, x, x_off, dy, dy_off, beta,
                                                    m->grads, l->p_off, m->work, 0)
                     : clgan_ops_conv2d_bwd_weight(m->ctx, &s, x, x_off, dy, dy_off, beta, m->grads,
                                                   l->p_off, m->work, 0);
        if (st == CLGAN_STATUS_OK && l->spec.bias)
            st = is_t(l) ? clgan_ops_convt2d_bwd_bias(m->ctx, &s, dy, dy_off, beta, m->grads,
                                                      l->p_off + l->n_weight)
                         : clgan_ops_conv2d_bwd_bias(m->ctx, &s, dy, dy_off, beta, m->grads,
                                                     l->p_off + l->n_weight);
    }
    if (st == CLGAN_STATUS_OK && dx)
        st = is_t(l) ? clgan_ops_convt2d_bwd_data(m->ctx, &s, dy, dy_off, m->params, l->p_off, dx,
                                                  dx_off, m->work, 0)
                     : clgan_ops_conv2d_bwd_data(m->ctx, &s, dy, dy_off, m->params, l->p_off, dx,
                                                 dx_off, m->work, 0);
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

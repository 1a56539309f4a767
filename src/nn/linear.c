/*
 * linear.c - dense layer (PyTorch Linear): weight [out, in] then optional bias. Default
 * initialisation: Xavier/Glorot uniform weights, zero bias.
 */
#include <stdio.h>

#include "nn/nn.h"
#include "ops/conv.h"
#include "ops/elt.h"
#include "ops/rng.h"

static struct clgan_linear_shape shape_of(const struct clgan_layer *l, int batch)
{
    struct clgan_linear_shape s = {
        .n = batch, .in = (int)clgan_shape_size(l->in), .out = l->spec.out};
    return s;
}

static clgan_status setup(struct clgan_layer *l, char *err, size_t err_len)
{
    if (l->spec.out <= 0) {
        snprintf(err, err_len, "bad output size %d", l->spec.out);
        return CLGAN_STATUS_INVALID_ARGUMENT;
    }
    l->out.c = l->spec.out;
    l->out.h = l->out.w = 1;
    l->n_weight = clgan_shape_size(l->in) * (size_t)l->spec.out;
    l->n_params = l->n_weight + (l->spec.bias ? (size_t)l->spec.out : 0);
    return CLGAN_STATUS_OK;
}

static clgan_status init(struct clgan_model *m, struct clgan_layer *l, uint64_t seed)
{
    clgan_status st =
        clgan_ops_init_xavier_uniform(m->ctx, m->params, l->p_off, l->n_weight,
                                      clgan_shape_size(l->in), (size_t)l->spec.out, 1.0f, seed, 0);
    if (st == CLGAN_STATUS_OK && l->spec.bias)
        st = clgan_ops_elt_fill(m->ctx, l->n_params - l->n_weight, 0.0f, m->params,
                                l->p_off + l->n_weight);
    return st;
}

static clgan_status prepare(struct clgan_model *m, struct clgan_layer *l)
{
    struct clgan_linear_shape s = shape_of(l, m->max_batch);
    return clgan_ops_linear_reserve(m->ctx, &s);
}

/* Views of the weight [out, in] and the bias ([out], flat) in buffer buf (the parameters or
 * their gradients). */
static struct clgan_tensor weight_view(const struct clgan_layer *l, cl_mem buf)
{
    return clgan_tensor_view(buf, l->p_off, CLGAN_DTYPE_F32, l->spec.out,
                             (int)clgan_shape_size(l->in), 1, 1);
}

static struct clgan_tensor bias_view(const struct clgan_layer *l, cl_mem buf)
{
    return clgan_tensor_view(buf, l->p_off + l->n_weight, CLGAN_DTYPE_F32, 1, l->spec.out, 1, 1);
}

static clgan_status forward(struct clgan_model *m, struct clgan_layer *l,
                            const struct clgan_tensor *x, const struct clgan_tensor *y, int mode)
{
    struct clgan_linear_shape s = shape_of(l, y->n);
    struct clgan_tensor w = weight_view(l, m->params), b = bias_view(l, m->params);
    (void)mode;
    return clgan_ops_linear_fwd(m->ctx, &s, x, &w, l->spec.bias ? &b : NULL, y);
}

static clgan_status backward(struct clgan_model *m, struct clgan_layer *l,
                             const struct clgan_tensor *x, const struct clgan_tensor *y,
                             const struct clgan_tensor *dy, const struct clgan_tensor *dx,
                             const float *beta_x, int flags)
{
    struct clgan_linear_shape s = shape_of(l, dy->n);
    struct clgan_tensor w = weight_view(l, m->params), dw = weight_view(l, m->grads),
                        db = bias_view(l, m->grads);
    (void)y;
    (void)beta_x;
    float beta = (flags & CLGAN_BWD_ACCUMULATE) ? 1.0f : 0.0f;
    clgan_status st = CLGAN_STATUS_OK;
    if (!(flags & CLGAN_BWD_NO_PARAM_GRAD)) {
        st = clgan_ops_linear_bwd_weight(m->ctx, &s, x, dy, beta, &dw);
        if (st == CLGAN_STATUS_OK && l->spec.bias)
            st = clgan_ops_linear_bwd_bias(m->ctx, &s, dy, beta, &db);
    }
    if (st == CLGAN_STATUS_OK && dx->mem)
        st = clgan_ops_linear_bwd_data(m->ctx, &s, dy, &w, dx);
    return st;
}

static double flops(const struct clgan_layer *l, int batch, int pass)
{
    struct clgan_linear_shape s = shape_of(l, batch);
    return clgan_ops_linear_flops(&s, (enum clgan_conv_pass)pass);
}

const struct clgan_layer_ops clgan_layer_linear = {
    .name = "linear",
    .setup = setup,
    .init = init,
    .prepare = prepare,
    .forward = forward,
    .backward = backward,
    .flops = flops,
};

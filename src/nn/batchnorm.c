/*
 * batchnorm.c - batch norm layer (PyTorch BatchNorm2d on NCHW, BatchNorm1d on N x C): gamma then
 * beta as parameters, running mean and variance as state, batch mean and inv-std saved for
 * backward. DCGAN initialisation: gamma N(1, 0.02), beta 0; running mean 0, variance 1. A ReLU
 * or leaky ReLU right after it is computed here (see fuse_next in nn.h).
 */
#include <stdio.h>

#include "nn/nn.h"
#include "ops/bn.h"
#include "ops/elt.h"
#include "ops/rng.h"

/* A per-channel vector of c floats at off of buf. */
static struct clgan_tensor vec(cl_mem buf, size_t off, int c)
{
    return clgan_tensor_view(buf, off, CLGAN_DTYPE_F32, 1, c, 1, 1);
}

static struct clgan_ops_bn desc(struct clgan_model *m, const struct clgan_layer *l, int batch)
{
    int c = l->in.c;
    size_t cz = (size_t)c;
    struct clgan_ops_bn bn = {.eps = CLGAN_OPS_BN_EPS,
                              .momentum = CLGAN_OPS_BN_MOMENTUM,
                              .gamma = vec(m->params, l->p_off, c),
                              .beta = vec(m->params, l->p_off + cz, c),
                              .run_mean = vec(m->state, l->s_off, c),
                              .run_var = vec(m->state, l->s_off + cz, c),
                              .save_mean = vec(m->save, l->save_off, c),
                              .save_invstd = vec(m->save, l->save_off + cz, c)};
    if (l->fuse_next) {
        /* the activation layer after this one is folded in; both share this output slot */
        const struct clgan_layer *a = l + 1;
        bn.act = a->spec.act == CLGAN_ACT_LRELU ? CLGAN_OPS_BN_ACT_LRELU : CLGAN_OPS_BN_ACT_RELU;
        bn.act_slope = a->spec.act == CLGAN_ACT_LRELU ? a->spec.slope : 0.0f;
        bn.act_y = clgan_tensor_view(m->act, l->y_off, CLGAN_DTYPE_F32, batch, l->out.c, l->out.h,
                                     l->out.w);
    }
    return bn;
}

static clgan_status setup(struct clgan_layer *l, char *err, size_t err_len)
{
    (void)err;
    (void)err_len;
    l->out = l->in;
    l->n_weight = (size_t)l->in.c;
    l->n_params = 2 * (size_t)l->in.c;
    l->n_state = 2 * (size_t)l->in.c;
    l->n_save = 2 * (size_t)l->in.c;
    return CLGAN_STATUS_OK;
}

static clgan_status init(struct clgan_model *m, struct clgan_layer *l, uint64_t seed)
{
    size_t c = (size_t)l->in.c;
    clgan_status st = clgan_ops_init_normal(m->ctx, m->params, l->p_off, c, 1.0f, 0.02f, seed, 0);
    if (st == CLGAN_STATUS_OK)
        st = clgan_ops_elt_fill(m->ctx, c, 0.0f, m->params, l->p_off + c);
    if (st == CLGAN_STATUS_OK)
        st = clgan_ops_elt_fill(m->ctx, c, 0.0f, m->state, l->s_off);
    if (st == CLGAN_STATUS_OK)
        st = clgan_ops_elt_fill(m->ctx, c, 1.0f, m->state, l->s_off + c);
    return st;
}

static clgan_status forward(struct clgan_model *m, struct clgan_layer *l,
                            const struct clgan_tensor *x, const struct clgan_tensor *y, int mode)
{
    struct clgan_ops_bn bn = desc(m, l, y->n);
    if (mode == CLGAN_FWD_BATCH_STATS) {
        bn.run_mean.mem = NULL;
        bn.run_var.mem = NULL;
    }
    if (mode)
        return clgan_ops_bn_fwd_train(m->ctx, &bn, x, y);
    return clgan_ops_bn_fwd_eval(m->ctx, &bn, x, y);
}

static clgan_status backward(struct clgan_model *m, struct clgan_layer *l,
                             const struct clgan_tensor *x, const struct clgan_tensor *y,
                             const struct clgan_tensor *dy, const struct clgan_tensor *dx,
                             const float *beta_x, int flags)
{
    struct clgan_ops_bn bn = desc(m, l, dy->n);
    int c = l->in.c;
    int no_pg = (flags & CLGAN_BWD_NO_PARAM_GRAD) != 0;
    float beta = (flags & CLGAN_BWD_ACCUMULATE) ? 1.0f : 0.0f;
    struct clgan_tensor dgamma = vec(m->grads, l->p_off, c),
                        dbeta = vec(m->grads, l->p_off + (size_t)c, c);
    (void)y;
    (void)beta_x;
    return clgan_ops_bn_bwd(m->ctx, &bn, x, dy, dx, no_pg ? NULL : &dgamma, no_pg ? NULL : &dbeta,
                            beta);
}

static double flops(const struct clgan_layer *l, int batch, int pass)
{
    double n = (double)batch * (double)clgan_shape_size(l->in);
    return pass == 0 ? 8 * n : pass == 1 ? 10 * n : 0;
}

const struct clgan_layer_ops clgan_layer_batchnorm = {
    .name = "batchnorm",
    .setup = setup,
    .init = init,
    .forward = forward,
    .backward = backward,
    .flops = flops,
};

/*
 * batchnorm.c - batch norm layer (PyTorch BatchNorm2d on NCHW, BatchNorm1d on N x C): gamma then
 * beta as parameters, running mean and variance as state, batch mean and inv-std saved for
 * backward. DCGAN initialisation: gamma N(1, 0.02), beta 0; running mean 0, variance 1. A ReLU
 * or leaky ReLU right after it is computed here (see fuse_next in nn.h).
 */
#include <stdio.h>

#include "nn/nn.h"
#include "ops/bn.h"
#include "ops/bnsync.h"
#include "ops/elt.h"
#include "ops/rng.h"

static struct clgan_ops_bn desc(struct clgan_model *m, const struct clgan_layer *l, int batch)
{
    size_t c = (size_t)l->in.c;
    struct clgan_ops_bn bn = {.n = (size_t)batch,
                              .c = c,
                              .hw = (size_t)l->in.h * l->in.w,
                              .eps = CLGAN_OPS_BN_EPS,
                              .momentum = CLGAN_OPS_BN_MOMENTUM,
                              .gamma = m->params,
                              .gamma_off = l->p_off,
                              .beta = m->params,
                              .beta_off = l->p_off + c,
                              .run_mean = m->state,
                              .run_mean_off = l->s_off,
                              .run_var = m->state,
                              .run_var_off = l->s_off + c,
                              .save_mean = m->save,
                              .save_mean_off = l->save_off,
                              .save_invstd = m->save,
                              .save_invstd_off = l->save_off + c};
    if (l->fuse_next) {
        /* the activation layer after this one is folded in; both share this output slot */
        const struct clgan_layer *a = l + 1;
        bn.act = a->spec.act == CLGAN_ACT_LRELU ? CLGAN_OPS_BN_ACT_LRELU : CLGAN_OPS_BN_ACT_RELU;
        bn.act_slope = a->spec.act == CLGAN_ACT_LRELU ? a->spec.slope : 0.0f;
        bn.act_y = m->act;
        bn.act_y_off = l->y_off;
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
        bn.run_mean = NULL;
        bn.run_var = NULL;
    }
    if (mode == CLGAN_FWD_TRAIN && m->bn_sync)
        return clgan_ops_bnsync_fwd_train(m->ctx, &bn, m->bn_sync, x->mem, x->off, y->mem, y->off);
    if (mode)
        return clgan_ops_bn_fwd_train(m->ctx, &bn, x->mem, x->off, y->mem, y->off);
    return clgan_ops_bn_fwd_eval(m->ctx, &bn, x->mem, x->off, y->mem, y->off);
}

static clgan_status backward(struct clgan_model *m, struct clgan_layer *l,
                             const struct clgan_tensor *x, const struct clgan_tensor *y,
                             const struct clgan_tensor *dy, const struct clgan_tensor *dx,
                             const float *beta_x, int flags)
{
    struct clgan_ops_bn bn = desc(m, l, dy->n);
    size_t c = (size_t)l->in.c;
    int no_pg = (flags & CLGAN_BWD_NO_PARAM_GRAD) != 0;
    float beta = (flags & CLGAN_BWD_ACCUMULATE) ? 1.0f : 0.0f;
    (void)y;
    (void)beta_x;
    if (m->bn_sync)
        return clgan_ops_bnsync_bwd(m->ctx, &bn, m->bn_sync, x->mem, x->off, dy->mem, dy->off,
                                    dx->mem, dx->off, no_pg ? NULL : m->grads, l->p_off,
                                    no_pg ? NULL : m->grads, l->p_off + c, beta);
    return clgan_ops_bn_bwd(m->ctx, &bn, x->mem, x->off, dy->mem, dy->off, dx->mem, dx->off,
                            no_pg ? NULL : m->grads, l->p_off, no_pg ? NULL : m->grads,
                            l->p_off + c, beta);
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

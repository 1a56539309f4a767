/* act.c - activation layers (ReLU, leaky ReLU, tanh, sigmoid); backward from the output. */
#include "ops/act.h"
#include "nn/nn.h"

static enum clgan_ops_act kind(const struct clgan_layer *l)
{
    switch (l->spec.act) {
    case CLGAN_ACT_RELU:
        return CLGAN_OPS_ACT_RELU;
    case CLGAN_ACT_LRELU:
        return CLGAN_OPS_ACT_LRELU;
    case CLGAN_ACT_TANH:
        return CLGAN_OPS_ACT_TANH;
    case CLGAN_ACT_SIGMOID:
        return CLGAN_OPS_ACT_SIGMOID;
    }
    return CLGAN_OPS_ACT_RELU;
}

static clgan_status setup(struct clgan_layer *l, char *err, size_t err_len)
{
    (void)err;
    (void)err_len;
    l->out = l->in;
    return CLGAN_STATUS_OK;
}

static clgan_status forward(struct clgan_model *m, struct clgan_layer *l,
                            const struct clgan_tensor *x, const struct clgan_tensor *y, int mode)
{
    (void)mode;
    return clgan_ops_act_fwd(m->ctx, kind(l), l->spec.slope, x, y);
}

static clgan_status backward(struct clgan_model *m, struct clgan_layer *l,
                             const struct clgan_tensor *x, const struct clgan_tensor *y,
                             const struct clgan_tensor *dy, const struct clgan_tensor *dx,
                             const float *beta, int flags)
{
    (void)x;
    (void)beta;
    (void)flags;
    if (!dx->mem)
        return CLGAN_STATUS_OK;
    return clgan_ops_act_bwd(m->ctx, kind(l), l->spec.slope, y, dy, dx);
}

static double flops(const struct clgan_layer *l, int batch, int pass)
{
    double n = (double)batch * (double)clgan_shape_size(l->in);
    return pass == 2 ? 0 : n;
}

const struct clgan_layer_ops clgan_layer_act = {
    .name = "activation",
    .setup = setup,
    .forward = forward,
    .backward = backward,
    .flops = flops,
};

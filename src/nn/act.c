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

static clgan_status forward(struct clgan_model *m, struct clgan_layer *l, cl_mem x, size_t x_off,
                            int batch, int train)
{
    (void)train;
    return clgan_ops_act_fwd(m->ctx, kind(l), l->spec.slope,
                             (size_t)batch * clgan_shape_size(l->in), x, x_off, m->act, l->y_off);
}

static clgan_status backward(struct clgan_model *m, struct clgan_layer *l, cl_mem x, size_t x_off,
                             cl_mem dy, size_t dy_off, cl_mem dx, size_t dx_off, int batch,
                             int flags)
{
    (void)x;
    (void)x_off;
    (void)flags;
    if (!dx)
        return CLGAN_STATUS_OK;
    return clgan_ops_act_bwd(m->ctx, kind(l), l->spec.slope,
                             (size_t)batch * clgan_shape_size(l->in), m->act, l->y_off, dy, dy_off,
                             dx, dx_off);
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

/*
 * join.c - layers with two inputs, or with a label input: concatenation along channels, class
 * embedding (a learned row per class), per-sample inner product (the projection of a projection
 * discriminator) and sum. Their backward passes accumulate into input gradients (beta), as an
 * output that feeds several layers needs.
 */
#include <stdio.h>

#include "nn/nn.h"
#include "ops/elt.h"
#include "ops/join.h"
#include "ops/rng.h"

/* ---------------------------------------------------------------- concat */

static clgan_status concat_setup(struct clgan_layer *l, char *err, size_t err_len)
{
    if (l->in.h != l->in2.h || l->in.w != l->in2.w) {
        snprintf(err, err_len, "inputs are %dx%d and %dx%d: concatenation needs equal sizes",
                 l->in.h, l->in.w, l->in2.h, l->in2.w);
        return CLGAN_STATUS_INVALID_ARGUMENT;
    }
    l->out = l->in;
    l->out.c = l->in.c + l->in2.c;
    return CLGAN_STATUS_OK;
}

static clgan_status concat_forward(struct clgan_model *m, struct clgan_layer *l,
                                   const struct clgan_tensor *x, const struct clgan_tensor *y,
                                   int mode)
{
    (void)l;
    (void)mode;
    return clgan_ops_join_concat_fwd(m->ctx, &x[0], &x[1], y);
}

static clgan_status concat_backward(struct clgan_model *m, struct clgan_layer *l,
                                    const struct clgan_tensor *x, const struct clgan_tensor *y,
                                    const struct clgan_tensor *dy, const struct clgan_tensor *dx,
                                    const float *beta, int flags)
{
    (void)l;
    (void)x;
    (void)y;
    (void)flags;
    if (!dx[0].mem && !dx[1].mem)
        return CLGAN_STATUS_OK;
    return clgan_ops_join_concat_bwd(m->ctx, dy, dx[0].mem ? &dx[0] : NULL, beta[0],
                                     dx[1].mem ? &dx[1] : NULL, beta[1]);
}

static double copy_flops(const struct clgan_layer *l, int batch, int pass)
{
    (void)l;
    (void)batch;
    (void)pass;
    return 0;
}

const struct clgan_layer_ops clgan_layer_concat = {
    .name = "concat",
    .setup = concat_setup,
    .forward = concat_forward,
    .backward = concat_backward,
    .flops = copy_flops,
    .accumulates_dx = 1,
};

/* ---------------------------------------------------------------- embed */

static clgan_status embed_setup(struct clgan_layer *l, char *err, size_t err_len)
{
    if (l->spec.out < 1 || l->spec.out > 1 << 20 || l->spec.classes < 1) {
        snprintf(err, err_len, "embedding of %d classes into %d floats", l->spec.classes,
                 l->spec.out);
        return CLGAN_STATUS_INVALID_ARGUMENT;
    }
    l->out.c = l->spec.out;
    l->out.h = l->out.w = 1;
    l->n_weight = (size_t)l->spec.classes * (size_t)l->spec.out;
    l->n_params = l->n_weight;
    return CLGAN_STATUS_OK;
}

/* PyTorch's nn.Embedding default: N(0, 1). A projection discriminator's table starts small
 * (the features it meets are large), so the scale follows the dimension: N(0, 1/dim) for
 * more than 64 floats a row. */
static clgan_status embed_init(struct clgan_model *m, struct clgan_layer *l, uint64_t seed)
{
    float sd = l->spec.out > 64 ? 1.0f / (float)l->spec.out : 1.0f;
    return clgan_ops_init_normal(m->ctx, m->params, l->p_off, l->n_weight, 0.0f, sd, seed, 0);
}

static struct clgan_tensor table(const struct clgan_model *m, const struct clgan_layer *l,
                                 cl_mem buf)
{
    (void)m;
    return clgan_tensor_view(buf, l->p_off, CLGAN_DTYPE_F32, l->spec.classes, l->spec.out, 1, 1);
}

static clgan_status embed_forward(struct clgan_model *m, struct clgan_layer *l,
                                  const struct clgan_tensor *x, const struct clgan_tensor *y,
                                  int mode)
{
    (void)mode;
    struct clgan_tensor w = table(m, l, m->params);
    return clgan_ops_join_embed_fwd(m->ctx, &w, &x[0], y);
}

static clgan_status embed_backward(struct clgan_model *m, struct clgan_layer *l,
                                   const struct clgan_tensor *x, const struct clgan_tensor *y,
                                   const struct clgan_tensor *dy, const struct clgan_tensor *dx,
                                   const float *beta, int flags)
{
    (void)y;
    (void)dx;
    (void)beta;
    if (flags & CLGAN_BWD_NO_PARAM_GRAD)
        return CLGAN_STATUS_OK;
    struct clgan_tensor dw = table(m, l, m->grads);
    return clgan_ops_join_embed_bwd(m->ctx, dy, &x[0], (flags & CLGAN_BWD_ACCUMULATE) ? 1.0f : 0.0f,
                                    &dw);
}

const struct clgan_layer_ops clgan_layer_embed = {
    .name = "embed",
    .setup = embed_setup,
    .init = embed_init,
    .forward = embed_forward,
    .backward = embed_backward,
    .flops = copy_flops,
    .accumulates_dx = 1,
};

/* ---------------------------------------------------------------- inner product, sum */

static clgan_status same_size_setup(struct clgan_layer *l, char *err, size_t err_len)
{
    if (clgan_shape_size(l->in) != clgan_shape_size(l->in2)) {
        snprintf(err, err_len, "inputs of %dx%dx%d and %dx%dx%d floats differ in size", l->in.c,
                 l->in.h, l->in.w, l->in2.c, l->in2.h, l->in2.w);
        return CLGAN_STATUS_INVALID_ARGUMENT;
    }
    if (l->spec.kind == CLGAN_LAYER_INNER) {
        l->out.c = l->out.h = l->out.w = 1;
    } else {
        l->out = l->in;
    }
    return CLGAN_STATUS_OK;
}

/* Input 1 seen with input 0's shape (the two have equal sizes per sample). */
static struct clgan_tensor as_first(const struct clgan_tensor *a, struct clgan_tensor b)
{
    b.c = a->c;
    b.h = a->h;
    b.w = a->w;
    return b;
}

static clgan_status inner_forward(struct clgan_model *m, struct clgan_layer *l,
                                  const struct clgan_tensor *x, const struct clgan_tensor *y,
                                  int mode)
{
    (void)l;
    (void)mode;
    struct clgan_tensor b = as_first(&x[0], x[1]);
    return clgan_ops_join_inner_fwd(m->ctx, &x[0], &b, y);
}

static clgan_status inner_backward(struct clgan_model *m, struct clgan_layer *l,
                                   const struct clgan_tensor *x, const struct clgan_tensor *y,
                                   const struct clgan_tensor *dy, const struct clgan_tensor *dx,
                                   const float *beta, int flags)
{
    (void)l;
    (void)y;
    (void)flags;
    if (!dx[0].mem && !dx[1].mem)
        return CLGAN_STATUS_OK;
    struct clgan_tensor b = as_first(&x[0], x[1]), db = as_first(&x[0], dx[1]);
    return clgan_ops_join_inner_bwd(m->ctx, dy, &x[0], &b, dx[0].mem ? &dx[0] : NULL, beta[0],
                                    dx[1].mem ? &db : NULL, beta[1]);
}

static double inner_flops(const struct clgan_layer *l, int batch, int pass)
{
    double n = 2.0 * batch * (double)clgan_shape_size(l->in);
    return pass == 0 ? n : pass == 1 ? 2 * n : 0;
}

const struct clgan_layer_ops clgan_layer_inner = {
    .name = "inner",
    .setup = same_size_setup,
    .forward = inner_forward,
    .backward = inner_backward,
    .flops = inner_flops,
    .accumulates_dx = 1,
};

static clgan_status add_forward(struct clgan_model *m, struct clgan_layer *l,
                                const struct clgan_tensor *x, const struct clgan_tensor *y,
                                int mode)
{
    (void)l;
    (void)mode;
    return clgan_ops_elt_add(m->ctx, clgan_tensor_numel(y), x[0].mem, x[0].off, x[1].mem, x[1].off,
                             y->mem, y->off);
}

/* dx_j = beta_j dx_j + dy: a copy, or an addition where the slot already holds a gradient. */
static clgan_status add_backward(struct clgan_model *m, struct clgan_layer *l,
                                 const struct clgan_tensor *x, const struct clgan_tensor *y,
                                 const struct clgan_tensor *dy, const struct clgan_tensor *dx,
                                 const float *beta, int flags)
{
    (void)l;
    (void)x;
    (void)flags;
    clgan_status st = CLGAN_STATUS_OK;
    size_t n = clgan_tensor_numel(y);
    for (int j = 0; j < 2 && st == CLGAN_STATUS_OK; j++) {
        if (!dx[j].mem)
            continue;
        st = beta[j] != 0.0f
                 ? clgan_ops_elt_axpy(m->ctx, n, 1.0f, dy->mem, dy->off, dx[j].mem, dx[j].off)
                 : clgan_ops_elt_copy(m->ctx, n, dy->mem, dy->off, dx[j].mem, dx[j].off);
    }
    return st;
}

static double add_flops(const struct clgan_layer *l, int batch, int pass)
{
    return pass == 0 ? (double)batch * (double)clgan_shape_size(l->in) : 0;
}

const struct clgan_layer_ops clgan_layer_add = {
    .name = "add",
    .setup = same_size_setup,
    .forward = add_forward,
    .backward = add_backward,
    .flops = add_flops,
    .accumulates_dx = 1,
};

/*
 * host_model.c - a model run on the host with the plain-C references (src/ref/), layer by layer
 * in double accumulation: the ground truth of a whole model step. Layers read their inputs
 * through l->src[] (earlier layers, model input 0, the label input), so sequences and graphs
 * (concatenation, embedding, inner product, sum) take the same walk; backward gives every layer
 * output a gradient slot and adds into it what each reader of that output passes back.
 */
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "ops/bn.h"
#include "ref/act.h"
#include "ref/bn.h"
#include "ref/elt.h"
#include "ref/join.h"

static float *zeros(size_t n)
{
    return calloc(n ? n : 1, sizeof(float));
}

void clgan_check_host_free(struct clgan_check_host *h)
{
    if (!h)
        return;
    for (int i = 0; h->y && h->save && h->dy && i < h->m->n_layers; i++) {
        free(h->y[i]);
        free(h->save[i]);
        free(h->dy[i]);
    }
    free(h->y);
    free(h->save);
    free(h->dy);
    free(h->params);
    free(h->grads);
    free(h->state);
    free(h->d);
    free(h->dx);
    free(h);
}

clgan_status clgan_check_host_init(const struct clgan_model *m, int batch,
                                   struct clgan_check_host **out)
{
    *out = NULL;
    /* input 0 is always a tensor (clgan_model_init_net refuses labels there); input 1 is read
     * here only as labels */
    if (m->net.n_inputs > 1 && m->net.inputs[1].classes <= 0)
        return CLGAN_STATUS_UNSUPPORTED;
    struct clgan_check_host *h = calloc(1, sizeof(*h));
    if (!h)
        return CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    h->m = m;
    h->batch = batch;
    h->label_in = m->net.n_inputs > 1 ? 1 : -1;
    h->params = zeros(m->n_params);
    h->grads = zeros(m->n_params);
    h->state = zeros(m->n_state);
    h->y = calloc((size_t)m->n_layers + 1, sizeof(float *));
    h->save = calloc((size_t)m->n_layers + 1, sizeof(float *));
    h->dy = calloc((size_t)m->n_layers + 1, sizeof(float *));
    int ok = h->params && h->grads && h->state && h->y && h->save && h->dy;
    size_t nin = (size_t)batch * clgan_shape_size(m->in), maxn = nin;
    for (int i = 0; ok && i < m->n_layers; i++) {
        const struct clgan_layer *l = &m->layers[i];
        size_t ny = (size_t)batch * clgan_shape_size(l->out);
        size_t n1 = (size_t)batch * clgan_shape_size(l->in),
               n2 = l->n_in > 1 ? (size_t)batch * clgan_shape_size(l->in2) : 0;
        maxn = n1 > maxn ? n1 : maxn;
        maxn = n2 > maxn ? n2 : maxn;
        h->y[i] = zeros(ny);
        h->dy[i] = zeros(ny);
        h->save[i] = zeros(l->n_save);
        ok = h->y[i] && h->dy[i] && h->save[i];
    }
    if (ok) {
        h->d = zeros(maxn);
        h->dx = zeros(nin);
        ok = h->d && h->dx;
    }
    if (!ok) {
        clgan_check_host_free(h);
        return CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    }
    *out = h;
    return CLGAN_STATUS_OK;
}

clgan_status clgan_check_host_load(struct clgan_check_host *h)
{
    const struct clgan_model *m = h->m;
    clgan_status st = clgan_rt_read(m->ctx, m->params, 0, m->n_params * sizeof(float), h->params);
    if (st == CLGAN_STATUS_OK && m->n_state)
        st = clgan_rt_read(m->ctx, m->state, 0, m->n_state * sizeof(float), h->state);
    return st;
}

static struct clgan_conv_shape conv_shape(const struct clgan_layer *l, int batch)
{
    struct clgan_conv_shape s = {batch,          l->in.c,     l->in.h,
                                 l->in.w,        l->spec.out, l->spec.k,
                                 l->spec.stride, l->spec.pad, l->spec.out_pad};
    return s;
}

/* The floats layer l reads as input j: an earlier layer's output or model input 0. */
static const float *input_of(const struct clgan_check_host *h, const struct clgan_layer *l, int j,
                             const float *x)
{
    int s = l->src[j];
    return s >= 0 ? h->y[s] : s == CLGAN_FROM_INPUT(0) ? x : NULL;
}

/* Where the gradient of layer l's input j goes (NULL: a label input, which has none). */
static float *grad_of(struct clgan_check_host *h, const struct clgan_layer *l, int j)
{
    int s = l->src[j];
    return s >= 0 ? h->dy[s] : s == CLGAN_FROM_INPUT(0) ? h->dx : NULL;
}

void clgan_check_host_forward(struct clgan_check_host *h, const float *x, const int32_t *labels)
{
    const struct clgan_model *m = h->m;
    int batch = h->batch;
    for (int i = 0; i < m->n_layers; i++) {
        const struct clgan_layer *l = &m->layers[i];
        const float *in = input_of(h, l, 0, x), *in2 = l->n_in > 1 ? input_of(h, l, 1, x) : NULL;
        float *p = h->params + l->p_off;
        const float *b = l->n_params > l->n_weight ? p + l->n_weight : NULL;
        struct clgan_conv_shape cs = conv_shape(l, batch);
        struct clgan_linear_shape ls = {batch, (int)clgan_shape_size(l->in), l->spec.out};
        size_t n = (size_t)batch * clgan_shape_size(l->in), c = (size_t)l->in.c;
        size_t hw = (size_t)l->in.h * l->in.w;
        switch (l->spec.kind) {
        case CLGAN_LAYER_CONV2D:
            clgan_ref_conv2d_fwd(&cs, in, p, b, h->y[i]);
            break;
        case CLGAN_LAYER_CONVT2D:
            clgan_ref_convt2d_fwd(&cs, in, p, b, h->y[i]);
            break;
        case CLGAN_LAYER_LINEAR:
            clgan_ref_linear_fwd(&ls, in, p, b, h->y[i]);
            break;
        case CLGAN_LAYER_BATCHNORM:
            clgan_ref_bn_fwd_train((size_t)batch, c, hw, CLGAN_OPS_BN_EPS, CLGAN_OPS_BN_MOMENTUM,
                                   in, h->y[i], p, p + c, h->state + l->s_off,
                                   h->state + l->s_off + c, h->save[i], h->save[i] + c);
            break;
        case CLGAN_LAYER_ACT:
            clgan_ref_act_fwd((int)l->spec.act, l->spec.slope, n, in, h->y[i]);
            break;
        case CLGAN_LAYER_CONCAT:
            clgan_ref_join_concat_fwd(batch, l->in.c, l->in2.c, hw, in, in2, h->y[i]);
            break;
        case CLGAN_LAYER_EMBED:
            clgan_ref_join_embed_fwd(l->spec.classes, (size_t)l->spec.out, batch, p, labels,
                                     h->y[i]);
            break;
        case CLGAN_LAYER_INNER:
            clgan_ref_join_inner_fwd(batch, clgan_shape_size(l->in), in, in2, h->y[i]);
            break;
        case CLGAN_LAYER_ADD:
            clgan_ref_elt_add(n, in, in2, h->y[i]);
            break;
        }
    }
}

const float *clgan_check_host_slot(const struct clgan_check_host *h, int i)
{
    return h->y[h->m->layers[i].fuse_next ? i + 1 : i];
}

/* The input gradient of a kind that overwrites (in h->d) added to its slot. */
static void add_grad(struct clgan_check_host *h, const struct clgan_layer *l, int j, size_t n)
{
    float *to = grad_of(h, l, j);
    if (to)
        clgan_ref_elt_axpy(n, 1.0f, h->d, to);
}

void clgan_check_host_backward(struct clgan_check_host *h, const float *x, const int32_t *labels,
                               const float *dy, float *dx, float beta, int param_grads)
{
    const struct clgan_model *m = h->m;
    int batch = h->batch, last = m->n_layers - 1;
    /* every slot starts at 0 and each reader adds its part: the sum over the readers */
    for (int i = 0; i < m->n_layers; i++)
        memset(h->dy[i], 0, (size_t)batch * clgan_shape_size(m->layers[i].out) * sizeof(float));
    memset(h->dx, 0, (size_t)batch * clgan_shape_size(m->in) * sizeof(float));
    memcpy(h->dy[last], dy, (size_t)batch * clgan_shape_size(m->out) * sizeof(float));
    for (int i = last; i >= 0; i--) {
        const struct clgan_layer *l = &m->layers[i];
        const float *in = input_of(h, l, 0, x), *in2 = l->n_in > 1 ? input_of(h, l, 1, x) : NULL;
        const float *g = h->dy[i];
        float *p = h->params + l->p_off, *gp = h->grads + l->p_off, *d = h->d;
        struct clgan_conv_shape cs = conv_shape(l, batch);
        struct clgan_linear_shape ls = {batch, (int)clgan_shape_size(l->in), l->spec.out};
        size_t n = (size_t)batch * clgan_shape_size(l->in), c = (size_t)l->in.c;
        size_t hw = (size_t)l->in.h * l->in.w;
        int has_b = l->n_params > l->n_weight;
        switch (l->spec.kind) {
        case CLGAN_LAYER_CONV2D:
            if (param_grads) {
                clgan_ref_conv2d_bwd_weight(&cs, in, g, beta, gp);
                if (has_b)
                    clgan_ref_conv2d_bwd_bias(&cs, g, beta, gp + l->n_weight);
            }
            clgan_ref_conv2d_bwd_data(&cs, g, p, d);
            add_grad(h, l, 0, n);
            break;
        case CLGAN_LAYER_CONVT2D:
            if (param_grads) {
                clgan_ref_convt2d_bwd_weight(&cs, in, g, beta, gp);
                if (has_b)
                    clgan_ref_convt2d_bwd_bias(&cs, g, beta, gp + l->n_weight);
            }
            clgan_ref_convt2d_bwd_data(&cs, g, p, d);
            add_grad(h, l, 0, n);
            break;
        case CLGAN_LAYER_LINEAR:
            if (param_grads) {
                clgan_ref_linear_bwd_weight(&ls, in, g, beta, gp);
                if (has_b)
                    clgan_ref_linear_bwd_bias(&ls, g, beta, gp + l->n_weight);
            }
            clgan_ref_linear_bwd_data(&ls, g, p, d);
            add_grad(h, l, 0, n);
            break;
        case CLGAN_LAYER_BATCHNORM:
            clgan_ref_bn_bwd((size_t)batch, c, hw, in, g, p, h->save[i], h->save[i] + c, d,
                             param_grads ? gp : NULL, param_grads ? gp + c : NULL, beta);
            add_grad(h, l, 0, n);
            break;
        case CLGAN_LAYER_ACT:
            clgan_ref_act_bwd((int)l->spec.act, l->spec.slope, n, h->y[i], g, d);
            add_grad(h, l, 0, n);
            break;
        case CLGAN_LAYER_CONCAT:
            clgan_ref_join_concat_bwd(batch, l->in.c, l->in2.c, hw, g, grad_of(h, l, 0), 1.0f,
                                      grad_of(h, l, 1), 1.0f);
            break;
        case CLGAN_LAYER_EMBED:
            if (param_grads)
                clgan_ref_join_embed_bwd(l->spec.classes, (size_t)l->spec.out, batch, g, labels,
                                         beta, gp);
            break;
        case CLGAN_LAYER_INNER:
            clgan_ref_join_inner_bwd(batch, clgan_shape_size(l->in), g, in, in2, grad_of(h, l, 0),
                                     1.0f, grad_of(h, l, 1), 1.0f);
            break;
        case CLGAN_LAYER_ADD:
            for (int j = 0; j < 2; j++)
                if (grad_of(h, l, j))
                    clgan_ref_elt_axpy(n, 1.0f, g, grad_of(h, l, j));
            break;
        }
    }
    memcpy(dx, h->dx, (size_t)batch * clgan_shape_size(m->in) * sizeof(float));
}

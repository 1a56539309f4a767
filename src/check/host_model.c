/*
 * host_model.c - a sequential model run on the host with the plain-C references (src/ref/),
 * layer by layer in double accumulation: the ground truth of a whole model step.
 */
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "ops/bn.h"
#include "ref/act.h"
#include "ref/bn.h"

static float *zeros(size_t n)
{
    return calloc(n ? n : 1, sizeof(float));
}

void clgan_check_host_free(struct clgan_check_host *h)
{
    if (!h)
        return;
    for (int i = 0; h->y && h->save && i < h->m->n_layers; i++) {
        free(h->y[i]);
        free(h->save[i]);
    }
    free(h->y);
    free(h->save);
    free(h->params);
    free(h->grads);
    free(h->state);
    free(h->g);
    free(h->d);
    free(h);
}

clgan_status clgan_check_host_init(const struct clgan_model *m, int batch,
                                   struct clgan_check_host **out)
{
    struct clgan_check_host *h = calloc(1, sizeof(*h));
    *out = NULL;
    if (!h)
        return CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    h->m = m;
    h->batch = batch;
    h->params = zeros(m->n_params);
    h->grads = zeros(m->n_params);
    h->state = zeros(m->n_state);
    h->y = calloc((size_t)m->n_layers + 1, sizeof(float *));
    h->save = calloc((size_t)m->n_layers + 1, sizeof(float *));
    int ok = h->params && h->grads && h->state && h->y && h->save;
    size_t maxn = (size_t)batch * clgan_shape_size(m->in);
    for (int i = 0; ok && i < m->n_layers; i++) {
        size_t ny = (size_t)batch * clgan_shape_size(m->layers[i].out);
        maxn = ny > maxn ? ny : maxn;
        h->y[i] = zeros(ny);
        h->save[i] = zeros(m->layers[i].n_save);
        ok = h->y[i] && h->save[i];
    }
    if (ok) {
        h->g = zeros(maxn);
        h->d = zeros(maxn);
        ok = h->g && h->d;
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

void clgan_check_host_forward(struct clgan_check_host *h, const float *x)
{
    const struct clgan_model *m = h->m;
    int batch = h->batch;
    for (int i = 0; i < m->n_layers; i++) {
        const struct clgan_layer *l = &m->layers[i];
        const float *in = i ? h->y[i - 1] : x;
        float *p = h->params + l->p_off;
        const float *b = l->n_params > l->n_weight ? p + l->n_weight : NULL;
        struct clgan_conv_shape cs = conv_shape(l, batch);
        struct clgan_linear_shape ls = {batch, (int)clgan_shape_size(l->in), l->spec.out};
        size_t n = (size_t)batch * clgan_shape_size(l->in), c = (size_t)l->in.c;
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
            clgan_ref_bn_fwd_train((size_t)batch, c, (size_t)l->in.h * l->in.w, CLGAN_OPS_BN_EPS,
                                   CLGAN_OPS_BN_MOMENTUM, in, h->y[i], p, p + c,
                                   h->state + l->s_off, h->state + l->s_off + c, h->save[i],
                                   h->save[i] + c);
            break;
        case CLGAN_LAYER_ACT:
            clgan_ref_act_fwd((int)l->spec.act, l->spec.slope, n, in, h->y[i]);
            break;
        }
    }
}

const float *clgan_check_host_slot(const struct clgan_check_host *h, int i)
{
    return h->y[h->m->layers[i].fuse_next ? i + 1 : i];
}

void clgan_check_host_backward(struct clgan_check_host *h, const float *x, const float *dy,
                               float *dx, float beta, int param_grads)
{
    const struct clgan_model *m = h->m;
    int batch = h->batch;
    float *g = h->g, *d = h->d;
    memcpy(g, dy, (size_t)batch * clgan_shape_size(m->out) * sizeof(float));
    for (int i = m->n_layers - 1; i >= 0; i--) {
        const struct clgan_layer *l = &m->layers[i];
        const float *in = i ? h->y[i - 1] : x;
        float *p = h->params + l->p_off, *gp = h->grads + l->p_off;
        struct clgan_conv_shape cs = conv_shape(l, batch);
        struct clgan_linear_shape ls = {batch, (int)clgan_shape_size(l->in), l->spec.out};
        size_t n = (size_t)batch * clgan_shape_size(l->in), c = (size_t)l->in.c;
        int has_b = l->n_params > l->n_weight;
        switch (l->spec.kind) {
        case CLGAN_LAYER_CONV2D:
            if (param_grads) {
                clgan_ref_conv2d_bwd_weight(&cs, in, g, beta, gp);
                if (has_b)
                    clgan_ref_conv2d_bwd_bias(&cs, g, beta, gp + l->n_weight);
            }
            clgan_ref_conv2d_bwd_data(&cs, g, p, d);
            break;
        case CLGAN_LAYER_CONVT2D:
            if (param_grads) {
                clgan_ref_convt2d_bwd_weight(&cs, in, g, beta, gp);
                if (has_b)
                    clgan_ref_convt2d_bwd_bias(&cs, g, beta, gp + l->n_weight);
            }
            clgan_ref_convt2d_bwd_data(&cs, g, p, d);
            break;
        case CLGAN_LAYER_LINEAR:
            if (param_grads) {
                clgan_ref_linear_bwd_weight(&ls, in, g, beta, gp);
                if (has_b)
                    clgan_ref_linear_bwd_bias(&ls, g, beta, gp + l->n_weight);
            }
            clgan_ref_linear_bwd_data(&ls, g, p, d);
            break;
        case CLGAN_LAYER_BATCHNORM:
            clgan_ref_bn_bwd((size_t)batch, c, (size_t)l->in.h * l->in.w, in, g, p, h->save[i],
                             h->save[i] + c, d, param_grads ? gp : NULL,
                             param_grads ? gp + c : NULL, beta);
            break;
        case CLGAN_LAYER_ACT:
            clgan_ref_act_bwd((int)l->spec.act, l->spec.slope, n, h->y[i], g, d);
            break;
        }
        float *t = g;
        g = d;
        d = t;
    }
    memcpy(dx, g, (size_t)batch * clgan_shape_size(m->in) * sizeof(float));
}

/* labels: kernel; timeout: 600 */
/*
 * test_model.c - whole sequential models (dcgan32 G and D, dcgan64 on fast devices, an MLP) on
 * every device against a host model built from the plain-C references: every layer's output,
 * every parameter gradient and the input gradient; the backward flags (no parameter gradients,
 * accumulate); running statistics; FLOP counts.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "nn/nn.h"
#include "ref/act.h"
#include "ref/bn.h"
#include "ref/conv.h"

struct host_model {
    float *params, *grads, *state, **y, **save;
};

static struct clgan_conv_shape conv_shape(const struct clgan_layer *l, int batch)
{
    struct clgan_conv_shape s = {batch,          l->in.c,     l->in.h,
                                 l->in.w,        l->spec.out, l->spec.k,
                                 l->spec.stride, l->spec.pad, l->spec.out_pad};
    return s;
}

static void ref_forward(const struct clgan_model *m, struct host_model *h, const float *x,
                        int batch)
{
    for (int i = 0; i < m->n_layers; i++) {
        const struct clgan_layer *l = &m->layers[i];
        const float *in = i ? h->y[i - 1] : x;
        float *p = h->params + l->p_off;
        const float *b = l->n_params > l->n_weight ? p + l->n_weight : NULL;
        struct clgan_conv_shape cs = conv_shape(l, batch);
        struct clgan_linear_shape ls = {batch, (int)clgan_shape_size(l->in), l->spec.out};
        size_t n = (size_t)batch * clgan_shape_size(l->in);
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
            clgan_ref_bn_fwd_train((size_t)batch, (size_t)l->in.c, (size_t)l->in.h * l->in.w, 1e-5f,
                                   0.1f, in, h->y[i], p, p + l->in.c, h->state + l->s_off,
                                   h->state + l->s_off + l->in.c, h->save[i], h->save[i] + l->in.c);
            break;
        case CLGAN_LAYER_ACT:
            clgan_ref_act_fwd((int)l->spec.act, l->spec.slope, n, in, h->y[i]);
            break;
        }
    }
}

/* Backward; dx_out receives the input gradient. beta accumulates parameter gradients. */
static void ref_backward(const struct clgan_model *m, struct host_model *h, const float *x,
                         const float *dy, float *dx_out, int batch, float beta, int param_grads)
{
    size_t maxn = 0;
    for (int i = 0; i < m->n_layers; i++) {
        size_t a = (size_t)batch * clgan_shape_size(m->layers[i].in);
        size_t b = (size_t)batch * clgan_shape_size(m->layers[i].out);
        maxn = a > maxn ? a : maxn;
        maxn = b > maxn ? b : maxn;
    }
    float *g = th_alloc(maxn), *d = th_alloc(maxn);
    memcpy(g, dy, (size_t)batch * clgan_shape_size(m->out) * sizeof(float));
    for (int i = m->n_layers - 1; i >= 0; i--) {
        const struct clgan_layer *l = &m->layers[i];
        const float *in = i ? h->y[i - 1] : x;
        float *p = h->params + l->p_off, *gp = h->grads + l->p_off;
        struct clgan_conv_shape cs = conv_shape(l, batch);
        struct clgan_linear_shape ls = {batch, (int)clgan_shape_size(l->in), l->spec.out};
        size_t n = (size_t)batch * clgan_shape_size(l->in);
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
            clgan_ref_bn_bwd((size_t)batch, (size_t)l->in.c, (size_t)l->in.h * l->in.w, in, g, p,
                             h->save[i], h->save[i] + l->in.c, d, param_grads ? gp : NULL,
                             param_grads ? gp + l->in.c : NULL, beta);
            break;
        case CLGAN_LAYER_ACT:
            clgan_ref_act_bwd((int)l->spec.act, l->spec.slope, n, h->y[i], g, d);
            break;
        }
        float *t = g;
        g = d;
        d = t;
    }
    memcpy(dx_out, g, (size_t)batch * clgan_shape_size(m->in) * sizeof(float));
    free(g);
    free(d);
}

static void check_model(struct th_device *dev, const char *what,
                        const struct clgan_layer_spec *specs, int n, struct clgan_shape in,
                        int batch)
{
    char name[160];
    clgan_ctx *ctx = dev->ctx;
    struct clgan_model *m = NULL;
    clgan_status st = clgan_model_init(ctx, specs, n, in, batch, "main", &m);
    snprintf(name, sizeof(name), "model_%s_init", what);
    if (!th_status(st, name, dev))
        return;
    st = clgan_model_init_params(m, 7);
    size_t nin = (size_t)batch * clgan_shape_size(in),
           nout = (size_t)batch * clgan_shape_size(m->out);
    float *x = th_rand(nin, -1, 1), *dy = th_rand(nout, -1, 1);
    cl_mem dxm = th_upload(dev, x, nin), ddy = th_upload(dev, dy, nout);
    struct host_model h;
    h.params = th_alloc(m->n_params);
    h.grads = th_alloc(m->n_params);
    h.state = th_alloc(m->n_state);
    h.y = calloc((size_t)m->n_layers, sizeof(float *));
    h.save = calloc((size_t)m->n_layers, sizeof(float *));
    for (int i = 0; i < m->n_layers; i++) {
        h.y[i] = th_alloc((size_t)batch * clgan_shape_size(m->layers[i].out));
        h.save[i] = th_alloc(m->layers[i].n_save + 1);
    }
    if (st == CLGAN_STATUS_OK)
        st = clgan_rt_read(ctx, m->params, 0, m->n_params * sizeof(float), h.params);
    if (st == CLGAN_STATUS_OK)
        st = clgan_rt_read(ctx, m->state, 0, m->n_state * sizeof(float), h.state);
    if (st == CLGAN_STATUS_OK)
        st = clgan_model_forward(m, dxm, 0, batch, CLGAN_FWD_TRAIN);
    snprintf(name, sizeof(name), "model_%s_forward", what);
    if (!th_status(st, name, dev))
        goto out;
    ref_forward(m, &h, x, batch);
    /* fp32 through several layers of long sums: relative tolerance grows with depth */
    for (int i = 0; i < m->n_layers; i++) {
        size_t ny = (size_t)batch * clgan_shape_size(m->layers[i].out);
        float *got = th_alloc(ny);
        clgan_rt_read(ctx, m->act, m->layers[i].y_off * sizeof(float), ny * sizeof(float), got);
        snprintf(name, sizeof(name), "model_%s_fwd_layer%d_%s", what, i, m->layers[i].ops->name);
        /* a batch norm with the activation after it folded in holds that activation's output */
        th_check(name, dev, got, h.y[m->layers[i].fuse_next ? i + 1 : i], ny, 2e-4, 2e-3, 1e-8);
        free(got);
    }
    float *state = th_alloc(m->n_state);
    clgan_rt_read(ctx, m->state, 0, m->n_state * sizeof(float), state);
    snprintf(name, sizeof(name), "model_%s_running_stats", what);
    if (m->n_state)
        th_check(name, dev, state, h.state, m->n_state, 1e-5, 1e-3, 1e-9);
    free(state);

    /* backward with parameter and input gradients */
    float *rdx = th_alloc(nin), *gdx = th_alloc(nin), *gg = th_alloc(m->n_params);
    st = clgan_model_backward(m, dxm, 0, ddy, 0, batch, 0);
    snprintf(name, sizeof(name), "model_%s_backward", what);
    if (!th_status(st, name, dev))
        goto out2;
    ref_backward(m, &h, x, dy, rdx, batch, 0.0f, 1);
    clgan_rt_read(ctx, m->grads, 0, m->n_params * sizeof(float), gg);
    clgan_rt_read(ctx, m->dx, 0, nin * sizeof(float), gdx);
    for (int i = 0; i < m->n_layers; i++) {
        const struct clgan_layer *l = &m->layers[i];
        if (!l->n_params)
            continue;
        snprintf(name, sizeof(name), "model_%s_grad_layer%d_%s", what, i, l->ops->name);
        th_check(name, dev, gg + l->p_off, h.grads + l->p_off, l->n_params, 1e-3, 5e-3, 1e-7);
    }
    snprintf(name, sizeof(name), "model_%s_input_grad", what);
    th_check(name, dev, gdx, rdx, nin, 1e-4, 5e-3, 1e-7);

    /* accumulate: a second backward doubles the parameter gradients */
    st = clgan_model_backward(m, dxm, 0, ddy, 0, batch, CLGAN_BWD_ACCUMULATE);
    float *gg2 = th_alloc(m->n_params), *twice = th_alloc(m->n_params);
    clgan_rt_read(ctx, m->grads, 0, m->n_params * sizeof(float), gg2);
    for (size_t i = 0; i < m->n_params; i++)
        twice[i] = 2 * gg[i];
    snprintf(name, sizeof(name), "model_%s_accumulate", what);
    if (th_status(st, name, dev))
        th_check(name, dev, gg2, twice, m->n_params, 1e-6, 1e-5, 1e-10);
    /* no parameter gradients: the gradient buffer is left exactly as it was */
    st = clgan_model_backward(m, dxm, 0, ddy, 0, batch, CLGAN_BWD_NO_PARAM_GRAD);
    float *gg3 = th_alloc(m->n_params);
    clgan_rt_read(ctx, m->grads, 0, m->n_params * sizeof(float), gg3);
    snprintf(name, sizeof(name), "model_%s_no_param_grad", what);
    if (th_status(st, name, dev))
        th_check(name, dev, gg3, gg2, m->n_params, 0, 0, 0);
    free(gg2);
    free(gg3);
    free(twice);
out2:
    free(rdx);
    free(gdx);
    free(gg);
out:
    for (int i = 0; i < m->n_layers; i++) {
        free(h.y[i]);
        free(h.save[i]);
    }
    free(h.y);
    free(h.save);
    free(h.params);
    free(h.grads);
    free(h.state);
    free(x);
    free(dy);
    th_free_mem(dev, dxm, nin);
    th_free_mem(dev, ddy, nout);
    clgan_model_free(m);
}

static void test_flops(void)
{
    /* dcgan32 at batch 64: about 26 GFLOP per training step (DESIGN.md). A step runs G forward
     * and backward once, D forward and backward three times (real, fake, fake for G). */
    struct th_device *dev = th_ndev() ? th_dev(th_ndev() - 1) : NULL;
    if (!dev)
        return;
    struct clgan_layer_spec gs[CLGAN_MAX_LAYERS], ds[CLGAN_MAX_LAYERS];
    int ng = clgan_preset_dcgan_g(32, 100, 64, 1, gs), nd = clgan_preset_dcgan_d(32, 64, 1, ds);
    struct clgan_model *G = NULL, *D = NULL;
    struct clgan_shape zin = {100, 1, 1}, xin = {1, 32, 32};
    if (clgan_model_init(dev->ctx, gs, ng, zin, 1, "main", &G) != CLGAN_STATUS_OK ||
        clgan_model_init(dev->ctx, ds, nd, xin, 1, "main", &D) != CLGAN_STATUS_OK) {
        th_expect(0, "flops_models", dev, "%s", clgan_ctx_last_error(dev->ctx));
    } else {
        double g = 0, d = 0;
        for (int p = 0; p < 3; p++) {
            g += clgan_model_flops(G, 64, p);
            d += clgan_model_flops(D, 64, p);
        }
        double step = g + 3 * d;
        th_expect(step > 20e9 && step < 32e9, "flops_dcgan32_step", NULL,
                  "%.2f GFLOP (G %.2f, D %.2f per pass set)", step / 1e9, g / 1e9, d / 1e9);
        th_expect(G->n_params == 1066880 && D->n_params == 661248, "dcgan32_param_count", NULL,
                  "G %zu, D %zu", G->n_params, D->n_params);
        /* every BN -> ReLU of G and BN -> leaky ReLU of D is fused, the final tanh and D's
         * first leaky ReLU (after a convolution) are not */
        int fg = 0, fd = 0;
        for (int i = 0; i < G->n_layers; i++)
            fg += G->layers[i].folded;
        for (int i = 0; i < D->n_layers; i++)
            fd += D->layers[i].folded;
        th_expect(fg == 3 && fd == 2, "dcgan32_fused_activations", NULL, "G %d, D %d", fg, fd);
    }
    clgan_model_free(G);
    clgan_model_free(D);
}

int main(int argc, char **argv)
{
    th_init(argc, argv, 1);
    struct clgan_layer_spec sp[CLGAN_MAX_LAYERS];
    for (int i = 0; i < th_ndev(); i++) {
        struct th_device *d = th_dev(i);
        int small = d->small;
        /* quick runs (under checkers): the narrowest models that still have every layer */
        int w = th_quick() ? 2 : small ? 4 : 64, batch = small || th_quick() ? 2 : 16;
        struct clgan_shape zin = {small ? 8 : 100, 1, 1}, xin = {1, 32, 32};
        int n = clgan_preset_dcgan_g(32, zin.c, w, 1, sp);
        if (th_want("model_dcgan32_G"))
            check_model(d, "dcgan32_G", sp, n, zin, batch);
        n = clgan_preset_dcgan_d(32, w, 1, sp);
        if (th_want("model_dcgan32_D"))
            check_model(d, "dcgan32_D", sp, n, xin, batch);
        if (!small && th_want("model_dcgan64")) {
            struct clgan_shape z64 = {100, 1, 1}, x64 = {3, 64, 64};
            n = clgan_preset_dcgan_g(64, 100, 16, 3, sp);
            check_model(d, "dcgan64_G", sp, n, z64, 4);
            n = clgan_preset_dcgan_d(64, 16, 3, sp);
            check_model(d, "dcgan64_D", sp, n, x64, 4);
        }
        static const int sizes[] = {4, 5, 7, 3};
        n = clgan_preset_mlp(sizes, 4, CLGAN_ACT_SIGMOID, CLGAN_ACT_SIGMOID, sp);
        struct clgan_shape mi = {4, 1, 1};
        if (th_want("model_mlp"))
            check_model(d, "mlp", sp, n, mi, 9);
    }
    if (th_want("flops") || th_want("dcgan32_param"))
        test_flops();
    return th_finish();
}

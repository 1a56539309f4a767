/*
 * preset.c - the built-in networks as specs: PyTorch's DCGAN example for any power-of-two image
 * size (its class-conditional form too: G reads z concatenated with a label embedding, D adds a
 * projection <embed(y), features> to its logit, as Miyato and Koyama's projection
 * discriminator), and the MLP of `clgan mlp`.
 */
#include <stdio.h>
#include <string.h>

#include "nn/nn.h"

static struct clgan_layer_spec conv(enum clgan_layer_kind kind, int out, int k, int s, int p)
{
    struct clgan_layer_spec sp = {.kind = kind, .out = out, .k = k, .stride = s, .pad = p};
    return sp;
}

static struct clgan_layer_spec bn(void)
{
    struct clgan_layer_spec sp = {.kind = CLGAN_LAYER_BATCHNORM};
    return sp;
}

static struct clgan_layer_spec act(enum clgan_act a, float slope)
{
    struct clgan_layer_spec sp = {.kind = CLGAN_LAYER_ACT, .act = a, .slope = slope};
    return sp;
}

/* size / 8: the width multiplier of G's first and D's last hidden layer (4 for 32x32, 8 for
 * 64x64 as in PyTorch's example, which has ngf * 8 there). */
static int top_mult(int size)
{
    return size / 8;
}

int clgan_preset_dcgan_g(int size, int nz, int ngf, int nc, struct clgan_layer_spec *sp)
{
    int n = 0;
    /* nz -> 4x4 (ngf * size/8) -> ... each step doubles the side and halves the width down to
     * ngf at size/2 -> size (nc) */
    int mult = top_mult(size);
    (void)nz;
    sp[n++] = conv(CLGAN_LAYER_CONVT2D, ngf * mult, 4, 1, 0);
    sp[n++] = bn();
    sp[n++] = act(CLGAN_ACT_RELU, 0);
    for (mult /= 2; mult >= 1; mult /= 2) {
        sp[n++] = conv(CLGAN_LAYER_CONVT2D, ngf * mult, 4, 2, 1);
        sp[n++] = bn();
        sp[n++] = act(CLGAN_ACT_RELU, 0);
    }
    sp[n++] = conv(CLGAN_LAYER_CONVT2D, nc, 4, 2, 1);
    sp[n++] = act(CLGAN_ACT_TANH, 0);
    return n;
}

int clgan_preset_dcgan_d(int size, int ndf, int nc, struct clgan_layer_spec *sp)
{
    int n = 0, top = top_mult(size);
    (void)nc;
    sp[n++] = conv(CLGAN_LAYER_CONV2D, ndf, 4, 2, 1);
    sp[n++] = act(CLGAN_ACT_LRELU, 0.2f);
    for (int mult = 2; mult <= top; mult *= 2) {
        sp[n++] = conv(CLGAN_LAYER_CONV2D, ndf * mult, 4, 2, 1);
        sp[n++] = bn();
        sp[n++] = act(CLGAN_ACT_LRELU, 0.2f);
    }
    sp[n++] = conv(CLGAN_LAYER_CONV2D, 1, 4, 1, 0);
    return n;
}

/* Name every layer of a sequence "main.<i>" explicitly (they keep PyTorch's numbering when
 * other layers are put in front of them). */
static void name_main(struct clgan_layer_spec *sp, int n)
{
    for (int i = 0; i < n; i++)
        snprintf(sp[i].name, sizeof(sp[i].name), "main.%d", i);
}

static void set_inputs(struct clgan_layer_spec *sp, int a, int b)
{
    sp->n_in = b == -100 ? 1 : 2;
    sp->in[0] = a;
    sp->in[1] = b == -100 ? 0 : b;
}

clgan_status clgan_preset_dcgan(int size, int nz, int ngf, int ndf, int nc, int classes,
                                struct clgan_net_spec *g, struct clgan_net_spec *d, char *err,
                                size_t err_len)
{
    if (size < 16 || size > 4096 || (size & (size - 1))) {
        snprintf(err, err_len, "image size %d is not a power of two from 16 to 4096", size);
        return CLGAN_STATUS_INVALID_ARGUMENT;
    }
    if (nz < 1 || ngf < 1 || ndf < 1 || (nc != 1 && nc != 3) || classes < 0 || classes > 100000) {
        snprintf(err, err_len, "bad DCGAN sizes (nz %d, ngf %d, ndf %d, channels %d, classes %d)",
                 nz, ngf, ndf, nc, classes);
        return CLGAN_STATUS_INVALID_ARGUMENT;
    }
    memset(g, 0, sizeof(*g));
    memset(d, 0, sizeof(*d));
    g->n_inputs = d->n_inputs = classes ? 2 : 1;
    snprintf(g->inputs[0].name, sizeof(g->inputs[0].name), "z");
    g->inputs[0].shape = (struct clgan_shape){nz, 1, 1};
    snprintf(d->inputs[0].name, sizeof(d->inputs[0].name), "x");
    d->inputs[0].shape = (struct clgan_shape){nc, size, size};
    struct clgan_layer_spec gs[CLGAN_MAX_LAYERS], ds[CLGAN_MAX_LAYERS];
    int ng = clgan_preset_dcgan_g(size, nz, ngf, nc, gs);
    int nd = clgan_preset_dcgan_d(size, ndf, nc, ds);
    if (!classes) {
        memcpy(g->layers, gs, (size_t)ng * sizeof(gs[0]));
        memcpy(d->layers, ds, (size_t)nd * sizeof(ds[0]));
        g->n_layers = ng;
        d->n_layers = nd;
        return CLGAN_STATUS_OK;
    }
    for (int k = 0; k < 2; k++) {
        struct clgan_net_spec *s = k ? d : g;
        snprintf(s->inputs[1].name, sizeof(s->inputs[1].name), "y");
        s->inputs[1].classes = classes;
        s->inputs[1].shape = (struct clgan_shape){1, 1, 1};
    }
    name_main(gs, ng);
    name_main(ds, nd);
    /* G: label_embed(y) (classes floats, as PyTorch's conditional examples), cat(z, it), then the
     * DCGAN generator */
    struct clgan_layer_spec *l = g->layers;
    l[0] = (struct clgan_layer_spec){.kind = CLGAN_LAYER_EMBED, .out = classes};
    snprintf(l[0].name, sizeof(l[0].name), "label_embed");
    set_inputs(&l[0], CLGAN_FROM_INPUT(1), -100);
    l[1] = (struct clgan_layer_spec){.kind = CLGAN_LAYER_CONCAT};
    snprintf(l[1].name, sizeof(l[1].name), "cat");
    set_inputs(&l[1], CLGAN_FROM_INPUT(0), 0);
    memcpy(l + 2, gs, (size_t)ng * sizeof(gs[0]));
    g->n_layers = ng + 2;
    /* D: the DCGAN discriminator; its features (the last leaky ReLU) also meet
     * proj_embed(y) in an inner product that is added to the logit */
    memcpy(d->layers, ds, (size_t)nd * sizeof(ds[0]));
    int feat = nd - 2, head = nd - 1;
    int fdim = ndf * top_mult(size) * 16; /* features: ndf * size/8 channels of 4x4 */
    l = d->layers + nd;
    l[0] = (struct clgan_layer_spec){.kind = CLGAN_LAYER_EMBED, .out = fdim};
    snprintf(l[0].name, sizeof(l[0].name), "proj_embed");
    set_inputs(&l[0], CLGAN_FROM_INPUT(1), -100);
    l[1] = (struct clgan_layer_spec){.kind = CLGAN_LAYER_INNER};
    snprintf(l[1].name, sizeof(l[1].name), "proj");
    set_inputs(&l[1], feat, nd);
    l[2] = (struct clgan_layer_spec){.kind = CLGAN_LAYER_ADD};
    snprintf(l[2].name, sizeof(l[2].name), "logit");
    set_inputs(&l[2], head, nd + 1);
    d->n_layers = nd + 3;
    return CLGAN_STATUS_OK;
}

int clgan_preset_mlp(const int *sizes, int n, int hidden_act, int out_act,
                     struct clgan_layer_spec *sp)
{
    int k = 0;
    for (int i = 1; i < n; i++) {
        struct clgan_layer_spec lin = {.kind = CLGAN_LAYER_LINEAR, .out = sizes[i], .bias = 1};
        sp[k++] = lin;
        int a = i + 1 < n ? hidden_act : out_act;
        if (a >= 0)
            sp[k++] = act((enum clgan_act)a, 0.01f);
    }
    return k;
}

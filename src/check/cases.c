/*
 * cases.c - the layers of the model presets with the shapes a model gives them: the geometry of
 * the op checks comes from the presets themselves, never typed in a second time.
 */
#include <stdio.h>
#include <string.h>

#include "check/check.h"

int clgan_check_walk(const struct clgan_layer_spec *specs, int n, struct clgan_shape in, int batch,
                     char net, struct clgan_check_layer *out, char *err, size_t err_len)
{
    if (n < 0 || n > CLGAN_CHECK_MAX_LAYERS || batch <= 0) {
        snprintf(err, err_len, "bad model description (%d layers, batch %d)", n, batch);
        return -1;
    }
    int n_conv = 0;
    struct clgan_shape cur = in;
    for (int i = 0; i < n; i++) {
        struct clgan_check_layer *c = &out[i];
        struct clgan_layer l;
        memset(&l, 0, sizeof(l));
        memset(c, 0, sizeof(*c));
        l.spec = specs[i];
        l.in = cur;
        l.ops = clgan_layer_ops_of(specs[i].kind);
        if (!l.ops || l.ops->setup(&l, err, err_len) != CLGAN_STATUS_OK) {
            if (!l.ops)
                snprintf(err, err_len, "layer %d: unknown kind", i);
            return -1;
        }
        c->spec = specs[i];
        c->in = cur;
        c->out = l.out;
        c->batch = batch;
        c->fused_act = CLGAN_CHECK_NO_ACT;
        if (specs[i].kind == CLGAN_LAYER_CONV2D || specs[i].kind == CLGAN_LAYER_CONVT2D) {
            n_conv++;
            struct clgan_conv_shape s = {batch,           cur.c,        cur.h,
                                         cur.w,           specs[i].out, specs[i].k,
                                         specs[i].stride, specs[i].pad, specs[i].out_pad};
            c->conv = s;
        }
        snprintf(c->tag, sizeof(c->tag), "%c%d", net, n_conv);
        c->gate_act = CLGAN_CHECK_NO_ACT;
        /* the folding rules of clgan_model_init (nn.h fuse_next, gate_in): a batch norm, or a
         * convolution whose output is not the net's, takes the ReLU or leaky ReLU right after
         * it; a convolution right after such a folded activation of a convolution gates its
         * input gradient through it */
        int conv_i = specs[i].kind == CLGAN_LAYER_CONV2D || specs[i].kind == CLGAN_LAYER_CONVT2D;
        int conv_p = i > 0 && (specs[i - 1].kind == CLGAN_LAYER_CONV2D ||
                               specs[i - 1].kind == CLGAN_LAYER_CONVT2D);
        if (i > 0 && specs[i].kind == CLGAN_LAYER_ACT &&
            (specs[i - 1].kind == CLGAN_LAYER_BATCHNORM || (conv_p && i < n - 1)) &&
            (specs[i].act == CLGAN_ACT_RELU || specs[i].act == CLGAN_ACT_LRELU)) {
            out[i - 1].fused_act = (int)specs[i].act;
            out[i - 1].fused_slope = specs[i].slope;
            c->folded = 1;
        }
        if (conv_i && i > 1 && out[i - 1].folded &&
            (specs[i - 2].kind == CLGAN_LAYER_CONV2D || specs[i - 2].kind == CLGAN_LAYER_CONVT2D)) {
            c->gate_act = (int)specs[i - 1].act;
            c->gate_slope = specs[i - 1].slope;
        }
        cur = l.out;
    }
    return n;
}

int clgan_check_dcgan_layers(const struct clgan_check_dcgan *d, char net, int batch,
                             struct clgan_check_layer *out, char *err, size_t err_len)
{
    struct clgan_layer_spec sp[CLGAN_MAX_LAYERS];
    if ((d->size != 32 && d->size != 64) || d->nz <= 0 || d->ngf <= 0 || d->ndf <= 0 ||
        d->nc <= 0) {
        snprintf(err, err_len, "bad dcgan sizes (size %d, nz %d, ngf %d, ndf %d, nc %d)", d->size,
                 d->nz, d->ngf, d->ndf, d->nc);
        return -1;
    }
    if (net == 'G') {
        struct clgan_shape z = {d->nz, 1, 1};
        int n = clgan_preset_dcgan_g(d->size, d->nz, d->ngf, d->nc, sp);
        return clgan_check_walk(sp, n, z, batch, net, out, err, err_len);
    }
    struct clgan_shape x = {d->nc, d->size, d->size};
    int n = clgan_preset_dcgan_d(d->size, d->ndf, d->nc, sp);
    return clgan_check_walk(sp, n, x, batch, net, out, err, err_len);
}

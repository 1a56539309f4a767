/* labels: kernel; timeout: 600 */
/*
 * test_model.c - whole models (dcgan32 G and D, plain and class-conditional, dcgan64 on fast
 * devices, an MLP) on every device against the host reference model of check/check.h (the model
 * run layer by layer on the plain-C references, graphs and label inputs included): every layer's
 * output, every parameter gradient and the input gradient; the backward flags (no parameter
 * gradients, accumulate); running statistics; FLOP counts.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "harness.h"
#include "nn/nn.h"

/* Labels of the conditional models: the first two samples share a class (an embedding's gradient
 * row sums them, even at batch 2); from batch 3 on other classes come in, one of them twice. */
static int32_t *labels_for(int batch, int classes)
{
    int32_t *l = malloc((size_t)batch * sizeof(*l));
    if (!l) {
        fprintf(stderr, "out of host memory\n");
        exit(1);
    }
    static const int32_t pattern[] = {3, 3, 7, 0, 9, 7, 3};
    for (int i = 0; i < batch; i++)
        l[i] = (i < 7 ? pattern[i] : (int32_t)(i * 5 + 1)) % classes;
    return l;
}

static void check_model(struct th_device *dev, const char *what, const struct clgan_net_spec *net,
                        int batch)
{
    char name[160];
    clgan_ctx *ctx = dev->ctx;
    struct clgan_model *m = NULL;
    clgan_status st = clgan_model_init_net(ctx, net, batch, "main", &m);
    snprintf(name, sizeof(name), "model_%s_init", what);
    if (!th_status(st, name, dev))
        return;
    st = clgan_model_init_params(m, 7);
    int cond = net->n_inputs > 1;
    size_t nin = (size_t)batch * clgan_shape_size(m->in),
           nout = (size_t)batch * clgan_shape_size(m->out);
    float *x = th_rand(nin, -1, 1), *dy = th_rand(nout, -1, 1);
    int32_t *labels = cond ? labels_for(batch, net->inputs[1].classes) : NULL;
    cl_mem dxm = th_upload(dev, x, nin), ddy = th_upload(dev, dy, nout), dlm = NULL;
    if (cond && st == CLGAN_STATUS_OK) {
        st = clgan_rt_alloc(ctx, (size_t)batch * sizeof(int32_t), "test labels", &dlm);
        if (st == CLGAN_STATUS_OK)
            st = clgan_rt_write(ctx, dlm, 0, (size_t)batch * sizeof(int32_t), labels);
    }
    struct clgan_tensor in[CLGAN_MAX_INPUTS] = {clgan_model_input_view(m, 0, dxm, 0, batch)};
    if (cond)
        in[1] = clgan_model_input_view(m, 1, dlm, 0, batch);
    struct clgan_tensor dyv = clgan_model_output(m, batch);
    dyv.mem = ddy;
    dyv.off = 0;
    struct clgan_check_host *h = NULL;
    if (st == CLGAN_STATUS_OK)
        st = clgan_check_host_init(m, batch, &h);
    if (st == CLGAN_STATUS_OK)
        st = clgan_check_host_load(h);
    if (st == CLGAN_STATUS_OK)
        st = clgan_model_run(m, in, batch, CLGAN_FWD_TRAIN);
    snprintf(name, sizeof(name), "model_%s_forward", what);
    if (!th_status(st, name, dev))
        goto out;
    clgan_check_host_forward(h, x, labels);
    /* fp32 through several layers of long sums: relative tolerance grows with depth */
    for (int i = 0; i < m->n_layers; i++) {
        size_t ny = (size_t)batch * clgan_shape_size(m->layers[i].out);
        float *got = th_alloc(ny);
        clgan_rt_read(ctx, m->act, m->layers[i].y_off * sizeof(float), ny * sizeof(float), got);
        snprintf(name, sizeof(name), "model_%s_fwd_layer%d_%s", what, i, m->layers[i].ops->name);
        /* a batch norm with the activation after it folded in holds that activation's output */
        th_check(name, dev, got, clgan_check_host_slot(h, i), ny, 2e-4, 2e-3, 1e-8);
        free(got);
    }
    float *state = th_alloc(m->n_state);
    clgan_rt_read(ctx, m->state, 0, m->n_state * sizeof(float), state);
    snprintf(name, sizeof(name), "model_%s_running_stats", what);
    if (m->n_state)
        th_check(name, dev, state, h->state, m->n_state, 1e-5, 1e-3, 1e-9);
    free(state);

    /* backward with parameter and input gradients */
    float *rdx = th_alloc(nin), *gdx = th_alloc(nin), *gg = th_alloc(m->n_params);
    st = clgan_model_back(m, in, &dyv, batch, 0);
    snprintf(name, sizeof(name), "model_%s_backward", what);
    if (!th_status(st, name, dev))
        goto out2;
    clgan_check_host_backward(h, x, labels, dy, rdx, 0.0f, 1);
    clgan_rt_read(ctx, m->grads, 0, m->n_params * sizeof(float), gg);
    clgan_rt_read(ctx, m->dx, 0, nin * sizeof(float), gdx);
    for (int i = 0; i < m->n_layers; i++) {
        const struct clgan_layer *l = &m->layers[i];
        if (!l->n_params)
            continue;
        snprintf(name, sizeof(name), "model_%s_grad_layer%d_%s", what, i, l->ops->name);
        th_check(name, dev, gg + l->p_off, h->grads + l->p_off, l->n_params, 1e-3, 5e-3, 1e-7);
    }
    snprintf(name, sizeof(name), "model_%s_input_grad", what);
    th_check(name, dev, gdx, rdx, nin, 1e-4, 5e-3, 1e-7);
    /* under slow checkers the conditional models leave the two flag passes to the plain ones:
     * each is a whole backward more, and the simulator takes seconds a layer */
    if (cond && th_quick())
        goto out2;

    /* accumulate: a second backward doubles the parameter gradients */
    st = clgan_model_back(m, in, &dyv, batch, CLGAN_BWD_ACCUMULATE);
    float *gg2 = th_alloc(m->n_params), *twice = th_alloc(m->n_params);
    clgan_rt_read(ctx, m->grads, 0, m->n_params * sizeof(float), gg2);
    for (size_t i = 0; i < m->n_params; i++)
        twice[i] = 2 * gg[i];
    snprintf(name, sizeof(name), "model_%s_accumulate", what);
    /* the second pass adds into the gradients (beta 1), which a GEMM may sum in another order
     * than the first pass's overwrite: a weight gradient of the last layers sums thousands of
     * products with cancellation, and lands a few 1e-6 away (2.3e-6 measured at |g| 0.05);
     * the NMSE is the sharp test (a pass not accumulated gives 0.25) */
    if (th_status(st, name, dev))
        th_check(name, dev, gg2, twice, m->n_params, 1e-5, 1e-5, 1e-10);
    /* no parameter gradients: the gradient buffer is left exactly as it was */
    st = clgan_model_back(m, in, &dyv, batch, CLGAN_BWD_NO_PARAM_GRAD);
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
    clgan_check_host_free(h);
    free(x);
    free(dy);
    free(labels);
    th_free_mem(dev, dxm, nin);
    th_free_mem(dev, ddy, nout);
    if (dlm)
        clgan_rt_release(ctx, dlm, (size_t)batch * sizeof(int32_t));
    clgan_model_free(m);
}

/* A one-input sequence through check_model. */
static void check_seq(struct th_device *dev, const char *what, const struct clgan_layer_spec *specs,
                      int n, struct clgan_shape in, int batch)
{
    struct clgan_net_spec net;
    clgan_net_sequence(&net, specs, n, in);
    check_model(dev, what, &net, batch);
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
        /* every BN -> ReLU of G and BN -> leaky ReLU of D is fused, and D's first leaky ReLU
         * into the convolution before it, whose output gradient D's second convolution gates
         * (nn.h gate_in); the final tanh is not */
        int fg = 0, fd = 0, gates = 0;
        for (int i = 0; i < G->n_layers; i++) {
            fg += G->layers[i].folded;
            gates += G->layers[i].gate_in;
        }
        for (int i = 0; i < D->n_layers; i++) {
            fd += D->layers[i].folded;
            gates += D->layers[i].gate_in;
        }
        th_expect(fg == 3 && fd == 3 && D->layers[0].fuse_next && D->layers[0].dy_gated &&
                      D->layers[2].gate_in && gates == 1,
                  "dcgan32_fused_activations", NULL, "G %d, D %d folded, %d gated inputs", fg, fd,
                  gates);
    }
    clgan_model_free(G);
    clgan_model_free(D);
}

/* Sizes are checked before anything is allocated: the estimate matches what init allocates, a
 * model larger than the device (or than one allocation) fails with the sizes named and nothing
 * allocated, and sizes that overflow are refused. */
static void test_limits(struct th_device *dev)
{
    if (!th_want("model_limits"))
        return;
    clgan_ctx *ctx = dev->ctx;
    struct clgan_layer_spec sp[CLGAN_MAX_LAYERS];
    struct clgan_shape xin = {1, 32, 32};
    int n = clgan_preset_dcgan_d(32, 8, 1, sp);
    struct clgan_model_mem mem;
    struct clgan_model *m = NULL;
    uint64_t before, after;
    clgan_status st = clgan_model_mem(ctx, sp, n, xin, 4, 0, &mem);
    /* model init also reserves the context's GEMM workspace for the model's shapes, which
     * stays with the context: build the model once first, so that the second init allocates
     * exactly the model's own buffers */
    if (st == CLGAN_STATUS_OK &&
        (st = clgan_model_init(ctx, sp, n, xin, 4, "main", &m)) == CLGAN_STATUS_OK) {
        clgan_model_free(m);
        m = NULL;
    }
    clgan_ctx_memory(ctx, &before, NULL);
    if (st == CLGAN_STATUS_OK)
        st = clgan_model_init(ctx, sp, n, xin, 4, "main", &m);
    clgan_ctx_memory(ctx, &after, NULL);
    if (th_status(st, "model_limits_estimate", dev))
        th_expect(after - before == mem.total, "model_limits_estimate", dev,
                  "estimate %llu bytes, allocated %llu", (unsigned long long)mem.total,
                  (unsigned long long)(after - before));
    clgan_model_free(m);
    m = NULL;

    /* the device shrunk to less than the model: refused whole, nothing allocated */
    struct clgan_device_info keep = ctx->info;
    ctx->info.global_mem = mem.total / 2;
    clgan_ctx_memory(ctx, &before, NULL);
    st = clgan_model_init(ctx, sp, n, xin, 4, "main", &m);
    clgan_ctx_memory(ctx, &after, NULL);
    const char *e = clgan_ctx_last_error(ctx);
    th_expect(st == CLGAN_STATUS_OUT_OF_DEVICE_MEMORY && !m && after == before &&
                  strstr(e, "needs") && strstr(e, "device memory") && strstr(e, "has"),
              "model_limits_device_memory", dev, "%s: %s", clgan_status_str(st), e);
    ctx->info = keep;
    ctx->info.max_alloc = mem.largest - 1;
    st = clgan_model_init(ctx, sp, n, xin, 4, "main", &m);
    e = clgan_ctx_last_error(ctx);
    th_expect(st == CLGAN_STATUS_OUT_OF_DEVICE_MEMORY && !m && strstr(e, "per allocation") &&
                  strstr(e, mem.largest_what),
              "model_limits_one_allocation", dev, "%s: %s", clgan_status_str(st), e);
    ctx->info = keep;
    clgan_model_free(m);
    m = NULL;

    /* two layers of 2^30 x 2^30 weights: 2^61 parameters, whose bytes overflow size_t */
    static const int huge[] = {1 << 30, 1 << 30, 1 << 30};
    n = clgan_preset_mlp(huge, 3, -1, -1, sp);
    struct clgan_shape hin = {1 << 30, 1, 1};
    st = clgan_model_mem(ctx, sp, n, hin, 1, 2, &mem);
    e = clgan_ctx_last_error(ctx);
    th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT && strstr(e, "overflow"), "model_limits_overflow",
              dev, "%s: %s", clgan_status_str(st), e);
    st = clgan_model_init(ctx, sp, n, hin, 1, "main", &m);
    th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT && !m, "model_limits_overflow_init", dev, "%s",
              clgan_status_str(st));
    /* one such layer: each buffer's bytes fit, their sum (parameters, gradients and two
     * optimizer states of 4 GiB x 2^30 each) does not; the total saturates instead of wrapping
     * to a small number that would pass the device check */
    n = clgan_preset_mlp(huge, 2, -1, -1, sp);
    st = clgan_model_mem(ctx, sp, n, hin, 1, 2, &mem);
    th_expect(st == CLGAN_STATUS_OK && mem.total == UINT64_MAX, "model_limits_total_saturates", dev,
              "%s, total %llu", clgan_status_str(st), (unsigned long long)mem.total);
    st = clgan_model_init(ctx, sp, n, hin, 1, "main", &m);
    e = clgan_ctx_last_error(ctx);
    th_expect(st == CLGAN_STATUS_OUT_OF_DEVICE_MEMORY && !m, "model_limits_huge_init", dev,
              "%s: %s", clgan_status_str(st), e);
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
            check_seq(d, "dcgan32_G", sp, n, zin, batch);
        n = clgan_preset_dcgan_d(32, w, 1, sp);
        if (th_want("model_dcgan32_D"))
            check_seq(d, "dcgan32_D", sp, n, xin, batch);
        /* the class-conditional pair (10 classes): G embeds the label and concatenates it with
         * z, D is a projection discriminator (embedding, inner product with its features, sum
         * with its logit) */
        if (th_want("model_dcgan32_cond_G") || th_want("model_dcgan32_cond_D")) {
            struct clgan_net_spec g, dn;
            char err[256] = "";
            clgan_status st = clgan_preset_dcgan(32, zin.c, w, w, 1, 10, &g, &dn, err, sizeof(err));
            if (th_expect(st == CLGAN_STATUS_OK, "model_dcgan32_cond_preset", d, "%s", err)) {
                if (th_want("model_dcgan32_cond_G"))
                    check_model(d, "dcgan32_cond_G", &g, batch);
                if (th_want("model_dcgan32_cond_D"))
                    check_model(d, "dcgan32_cond_D", &dn, batch);
            }
        }
        if (!small && th_want("model_dcgan64")) {
            struct clgan_shape z64 = {100, 1, 1}, x64 = {3, 64, 64};
            n = clgan_preset_dcgan_g(64, 100, 16, 3, sp);
            check_seq(d, "dcgan64_G", sp, n, z64, 4);
            n = clgan_preset_dcgan_d(64, 16, 3, sp);
            check_seq(d, "dcgan64_D", sp, n, x64, 4);
        }
        /* activations folded into convolutions (nn.h fuse_next): one whose gradient the next
         * convolution gates (a leaky ReLU, gate_in), one gated in place before a linear layer */
        if (th_want("model_conv_folds")) {
            const struct clgan_layer_spec cf[] = {
                {.kind = CLGAN_LAYER_CONV2D, .out = 8, .k = 4, .stride = 2, .pad = 1, .bias = 1},
                {.kind = CLGAN_LAYER_ACT, .act = CLGAN_ACT_LRELU, .slope = 0.1f},
                {.kind = CLGAN_LAYER_CONVT2D, .out = 4, .k = 4, .stride = 2, .pad = 1},
                {.kind = CLGAN_LAYER_ACT, .act = CLGAN_ACT_RELU},
                {.kind = CLGAN_LAYER_LINEAR, .out = 3, .bias = 1}};
            struct clgan_shape cin = {2, 8, 8};
            check_seq(d, "conv_folds", cf, 5, cin, batch);
        }
        static const int sizes[] = {4, 5, 7, 3};
        n = clgan_preset_mlp(sizes, 4, CLGAN_ACT_SIGMOID, CLGAN_ACT_SIGMOID, sp);
        struct clgan_shape mi = {4, 1, 1};
        if (th_want("model_mlp"))
            check_seq(d, "mlp", sp, n, mi, 9);
        test_limits(d);
    }
    if (th_want("flops") || th_want("dcgan32_param"))
        test_flops();
    return th_finish();
}

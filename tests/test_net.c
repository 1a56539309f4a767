/* labels: kernel; timeout: 600 */
/*
 * test_net.c - networks as data: presets as specs for every power-of-two size, the JSON format
 * (round trips, and one clear error per kind of bad input), and graph models on every device:
 * a graph walk gives exactly the bits of the sequence walk on the same network, and the
 * gradients of a projection discriminator (embedding, inner product, sum, an output read by
 * two layers) agree with central finite differences of the device forward.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "nn/nn.h"

/* ---------------------------------------------------------------- specs and JSON */

static void test_presets(void)
{
    static const int sizes[] = {16, 32, 64, 128, 256};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        for (int classes = 0; classes <= 10; classes += 10) {
            char name[96], err[512] = "";
            snprintf(name, sizeof(name), "preset_dcgan%d%s_roundtrip", sizes[i],
                     classes ? "_cond" : "");
            if (!th_want(name))
                continue;
            struct clgan_net_spec *n = malloc(4 * sizeof(*n));
            char *a = NULL, *b = NULL;
            clgan_status st = clgan_preset_dcgan(sizes[i], 100, 64, 64, 3, classes, &n[0], &n[1],
                                                 err, sizeof(err));
            struct clgan_shape gs[CLGAN_MAX_LAYERS], ds[CLGAN_MAX_LAYERS];
            int ok = st == CLGAN_STATUS_OK &&
                     clgan_net_shapes(&n[0], gs, err, sizeof(err)) == CLGAN_STATUS_OK &&
                     clgan_net_shapes(&n[1], ds, err, sizeof(err)) == CLGAN_STATUS_OK;
            /* G makes what D reads; D ends in one logit */
            struct clgan_shape go = gs[n[0].n_layers - 1], dl = ds[n[1].n_layers - 1];
            ok = ok && go.c == 3 && go.h == sizes[i] && go.w == sizes[i] && dl.c == 1 &&
                 dl.h == 1 && dl.w == 1;
            /* JSON and back gives the same text again */
            ok = ok && clgan_arch_to_json(&n[0], &n[1], &a) == CLGAN_STATUS_OK &&
                 clgan_arch_from_json(a, &n[2], &n[3], err, sizeof(err)) == CLGAN_STATUS_OK &&
                 clgan_arch_to_json(&n[2], &n[3], &b) == CLGAN_STATUS_OK && !strcmp(a, b);
            th_expect(ok, name, NULL, "%s", ok ? "" : err[0] ? err : "G/D shapes or text differ");
            free(a);
            free(b);
            free(n);
        }
    char err[256] = "";
    struct clgan_net_spec g, d;
    th_expect(clgan_preset_dcgan(48, 100, 64, 64, 1, 0, &g, &d, err, sizeof(err)) ==
                      CLGAN_STATUS_INVALID_ARGUMENT &&
                  strstr(err, "48"),
              "preset_size_not_power_of_two", NULL, "%s", err);
}

/* A small graph network in JSON, with one edit (from -> to) applied. */
static const char *SMALL =
    "{\"inputs\": [{\"name\": \"x\", \"shape\": [2, 8, 8]}, {\"name\": \"y\", \"classes\": 3}],"
    " \"layers\": ["
    "  {\"type\": \"conv2d\", \"out\": 4, \"kernel\": 4, \"stride\": 2, \"padding\": 1},"
    "  {\"type\": \"tanh\", \"name\": \"feat\"},"
    "  {\"type\": \"conv2d\", \"out\": 1, \"kernel\": 4, \"stride\": 1, \"padding\": 0, "
    "   \"bias\": true, \"name\": \"head\"},"
    "  {\"type\": \"embed\", \"out\": 64, \"inputs\": [\"y\"], \"name\": \"emb\"},"
    "  {\"type\": \"inner\", \"inputs\": [\"feat\", \"emb\"], \"name\": \"proj\"},"
    "  {\"type\": \"add\", \"inputs\": [\"head\", \"proj\"]}]}";

static char *edit(const char *from, const char *to)
{
    const char *p = strstr(SMALL, from);
    size_t n = strlen(SMALL) + strlen(to) + 1;
    char *s = malloc(n);
    if (!p) {
        snprintf(s, n, "%s", SMALL);
        return s;
    }
    snprintf(s, n, "%.*s%s%s", (int)(p - SMALL), SMALL, to, p + strlen(from));
    return s;
}

static void test_json_errors(void)
{
    static const struct {
        const char *from, *to, *want;
    } cases[] = {
        {"", "", NULL}, /* the text as it is parses */
        {"\"kernel\": 4, \"stride\": 2", "\"kernel\": 4, \"strde\": 2", "unknown key 'strde'"},
        {"\"out\": 4,", "\"out\": -4,", "outside"},
        {"\"out\": 4,", "\"out\": 4.5,", "must be an integer"},
        {"\"conv2d\", \"out\": 4", "\"conv3d\", \"out\": 4", "type must be one of"},
        {"[\"feat\", \"emb\"]", "[\"feat\", \"nothere\"]", "'nothere' is no model input"},
        {"[\"head\", \"proj\"]", "[\"head\", \"later\"]", "'later' is no model input"},
        {"\"inputs\": [\"y\"]", "\"inputs\": [\"x\"]", "must be a label input"},
        {"[\"feat\", \"emb\"]", "[\"head\", \"emb\"]", "differ in size"},
        {"\"name\": \"head\"", "\"name\": \"feat\"", "is also an earlier layer"},
        {"\"name\": \"feat\"", "\"name\": \"y\"", "is also a model input"},
        {"\"classes\": 3", "\"classes\": 0", "outside"},
        {"{\"type\": \"add\", \"inputs\": [\"head\", \"proj\"]}", "{\"type\": \"add\"}",
         "takes 2 inputs"},
        /* the projection unused: the sum reads head twice */
        {"[\"head\", \"proj\"]", "[\"head\", \"head\"]", "not used"},
        {"\"layers\": [", "\"layer\": [", "unknown key 'layer'"},
        {"{\"inputs\"", "[{\"inputs\"", "not valid JSON"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char name[64], err[512] = "";
        snprintf(name, sizeof(name), "json_error_%zu", i);
        if (!th_want(name))
            continue;
        char *text = cases[i].from[0] ? edit(cases[i].from, cases[i].to) : edit("", "");
        struct clgan_net_spec net;
        clgan_status st = clgan_net_from_json(text, &net, err, sizeof(err));
        if (!cases[i].want)
            th_expect(st == CLGAN_STATUS_OK && net.n_layers == 6 && net.layers[4].in[0] == 1, name,
                      NULL, "%s", err);
        else
            th_expect(st != CLGAN_STATUS_OK && strstr(err, cases[i].want) != NULL, name, NULL,
                      "status %d, message '%s', want '%s'", (int)st, err, cases[i].want);
        free(text);
    }
}

/* ---------------------------------------------------------------- graph models on devices */

static float *download(struct th_device *d, cl_mem m, size_t off, size_t n)
{
    float *x = th_alloc(n);
    clgan_rt_read(d->ctx, m, off * sizeof(float), n * sizeof(float), x);
    return x;
}

/* dcgan32's D as a sequence, and as a graph (an unused label input makes it one): outputs,
 * parameter gradients and the input gradient must be the same bits, as the same kernels run
 * on the same values; only where the gradients are kept differs. */
static void test_graph_equals_chain(struct th_device *dev)
{
    const char *name = "graph_equals_chain_dcgan32_D";
    if (!th_want(name))
        return;
    int batch = dev->small ? 2 : 16;
    struct clgan_net_spec g, d[2];
    char err[256];
    clgan_preset_dcgan(32, 100, dev->small ? 8 : 64, dev->small ? 8 : 64, 1, 0, &g, &d[0], err,
                       sizeof(err));
    d[1] = d[0];
    d[1].n_inputs = 2;
    d[1].inputs[1].classes = 4;
    d[1].inputs[1].shape = (struct clgan_shape){1, 1, 1};
    struct clgan_model *m[2] = {NULL, NULL};
    size_t nin = (size_t)batch * 32 * 32;
    float *x = th_rand(nin, -1, 1), *dy = th_rand((size_t)batch, -1, 1);
    cl_mem xm = th_upload(dev, x, nin), dym = th_upload(dev, dy, (size_t)batch);
    float *res[2][3] = {{NULL}};
    int ok = 1;
    for (int k = 0; k < 2 && ok; k++) {
        clgan_status st = clgan_model_init_net(dev->ctx, &d[k], batch, "main", &m[k]);
        if (st == CLGAN_STATUS_OK)
            st = clgan_model_init_params(m[k], 3);
        struct clgan_tensor in = clgan_model_input_view(m[k], 0, xm, 0, batch);
        struct clgan_tensor dv = clgan_tensor_view(dym, 0, CLGAN_DTYPE_F32, batch, 1, 1, 1);
        if (st == CLGAN_STATUS_OK)
            st = clgan_model_run(m[k], &in, batch, CLGAN_FWD_TRAIN);
        if (st == CLGAN_STATUS_OK)
            st = clgan_model_back(m[k], &in, &dv, batch, 0);
        if (!th_status(st, name, dev)) {
            ok = 0;
            break;
        }
        res[k][0] = download(dev, m[k]->act, clgan_model_output_off(m[k]), (size_t)batch);
        res[k][1] = download(dev, m[k]->grads, 0, m[k]->n_params);
        res[k][2] = download(dev, m[k]->dx, 0, nin);
    }
    if (ok) {
        th_expect(m[0]->chain && !m[1]->chain, name, dev, "walks: %d %d", m[0]->chain, m[1]->chain);
        th_check("graph_equals_chain_output", dev, res[1][0], res[0][0], (size_t)batch, 0, 0, 0);
        th_check("graph_equals_chain_param_grads", dev, res[1][1], res[0][1], m[0]->n_params, 0, 0,
                 0);
        th_check("graph_equals_chain_input_grad", dev, res[1][2], res[0][2], nin, 0, 0, 0);
    }
    for (int k = 0; k < 2; k++) {
        for (int j = 0; j < 3; j++)
            free(res[k][j]);
        clgan_model_free(m[k]);
    }
    th_free_mem(dev, xm, nin);
    th_free_mem(dev, dym, (size_t)batch);
    free(x);
    free(dy);
}

/* L = sum_i w_i D(x, y)_i on the device, in double from the floats read back. */
static double loss_of(struct clgan_model *m, const struct clgan_tensor *in, const float *w,
                      int batch, float *out)
{
    if (clgan_model_run(m, in, batch, CLGAN_FWD_EVAL) != CLGAN_STATUS_OK)
        return NAN;
    clgan_rt_read(m->ctx, m->act, clgan_model_output_off(m) * sizeof(float),
                  (size_t)batch * sizeof(float), out);
    double l = 0;
    for (int i = 0; i < batch; i++)
        l += (double)w[i] * out[i];
    return l;
}

/* The small projection network's parameter and input gradients against central differences
 * of its device forward (tanh, not a ReLU, so that no kink lies within the step). */
static void test_projection_fd(struct th_device *dev)
{
    const char *name = "projection_grad_fd";
    if (!th_want(name))
        return;
    char err[512];
    struct clgan_net_spec net;
    clgan_status st = clgan_net_from_json(SMALL, &net, err, sizeof(err));
    if (!th_expect(st == CLGAN_STATUS_OK, name, dev, "%s", err))
        return;
    const int batch = 5;
    struct clgan_model *m = NULL;
    st = clgan_model_init_net(dev->ctx, &net, batch, "main", &m);
    if (st == CLGAN_STATUS_OK)
        st = clgan_model_init_params(m, 11);
    if (!th_status(st, name, dev)) {
        clgan_model_free(m);
        return;
    }
    size_t nin = (size_t)batch * 2 * 8 * 8;
    float *x = th_rand(nin, -1, 1), *w = th_rand((size_t)batch, -1, 1), out[8];
    int32_t labels[5] = {0, 2, 1, 2, 2}; /* class 2 three times: its row sums three samples */
    cl_mem xm = th_upload(dev, x, nin), wm = th_upload(dev, w, (size_t)batch), lm = NULL;
    clgan_rt_alloc(dev->ctx, sizeof(labels), "labels", &lm);
    clgan_rt_write(dev->ctx, lm, 0, sizeof(labels), labels);
    struct clgan_tensor in[2] = {clgan_model_input_view(m, 0, xm, 0, batch),
                                 clgan_model_input_view(m, 1, lm, 0, batch)};
    struct clgan_tensor dv = clgan_tensor_view(wm, 0, CLGAN_DTYPE_F32, batch, 1, 1, 1);
    /* the embedding starts small for 64 floats; make its rows count */
    float *p = download(dev, m->params, 0, m->n_params);
    for (size_t i = 0; i < m->n_params; i++)
        p[i] = p[i] * 4.0f;
    clgan_rt_write(dev->ctx, m->params, 0, m->n_params * sizeof(float), p);
    st = clgan_model_run(m, in, batch, CLGAN_FWD_EVAL);
    if (st == CLGAN_STATUS_OK)
        st = clgan_model_back(m, in, &dv, batch, 0);
    if (!th_status(st, name, dev))
        goto out;
    float *g = download(dev, m->grads, 0, m->n_params), *gx = download(dev, m->dx, 0, nin);
    /* every parameter of the small layers, a spread of the others; and some inputs */
    size_t np = m->n_params, count = 0;
    float *got = th_alloc(np + 64), *want = th_alloc(np + 64);
    const float h = 1e-2f;
    /* a simulator takes seconds a forward: a sample of the points there */
    size_t pstep = dev->small ? 41 : np > 400 ? 7 : 1, xstep = dev->small ? 160 : 13;
    for (size_t i = 0; i < np; i += pstep) {
        float keep = p[i];
        p[i] = keep + h;
        clgan_rt_write(dev->ctx, m->params, i * sizeof(float), sizeof(float), &p[i]);
        double lp = loss_of(m, in, w, batch, out);
        p[i] = keep - h;
        clgan_rt_write(dev->ctx, m->params, i * sizeof(float), sizeof(float), &p[i]);
        double lm2 = loss_of(m, in, w, batch, out);
        p[i] = keep;
        clgan_rt_write(dev->ctx, m->params, i * sizeof(float), sizeof(float), &p[i]);
        got[count] = g[i];
        want[count++] = (float)((lp - lm2) / (2 * h));
    }
    for (size_t i = 0; i < nin; i += xstep) {
        float keep = x[i];
        x[i] = keep + h;
        clgan_rt_write(dev->ctx, xm, i * sizeof(float), sizeof(float), &x[i]);
        double lp = loss_of(m, in, w, batch, out);
        x[i] = keep - h;
        clgan_rt_write(dev->ctx, xm, i * sizeof(float), sizeof(float), &x[i]);
        double lm2 = loss_of(m, in, w, batch, out);
        x[i] = keep;
        clgan_rt_write(dev->ctx, xm, i * sizeof(float), sizeof(float), &x[i]);
        got[count] = gx[i];
        want[count++] = (float)((lp - lm2) / (2 * h));
    }
    /* central differences of a float forward: truncation h^2 f'''/6 ~ 1e-5 for these sizes,
     * rounding about 1e-7 |L| / h ~ 1e-5; gradients are O(0.1..1) */
    th_check(name, dev, got, want, count, 2e-3, 2e-2, 1e-4);
    free(got);
    free(want);
    free(g);
    free(gx);
out:
    free(p);
    free(x);
    free(w);
    th_free_mem(dev, xm, nin);
    th_free_mem(dev, wm, (size_t)batch);
    clgan_rt_release(dev->ctx, lm, sizeof(labels));
    clgan_model_free(m);
}

int main(int argc, char **argv)
{
    th_init(argc, argv, 1);
    test_presets();
    test_json_errors();
    for (int i = 0; i < th_ndev(); i++) {
        test_graph_equals_chain(th_dev(i));
        test_projection_fd(th_dev(i));
    }
    return th_finish();
}

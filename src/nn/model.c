/*
 * model.c - sequential models: layer setup, the flat buffers (parameters, gradients, state,
 * activations, saved values, workspace, gradient ping-pong), forward and backward loops.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn.h"
#include "ops/elt.h"
#include "ops/opt.h"

static const struct clgan_layer_ops *kind_ops(enum clgan_layer_kind k)
{
    switch (k) {
    case CLGAN_LAYER_CONV2D:
        return &clgan_layer_conv2d;
    case CLGAN_LAYER_CONVT2D:
        return &clgan_layer_convt2d;
    case CLGAN_LAYER_LINEAR:
        return &clgan_layer_linear;
    case CLGAN_LAYER_BATCHNORM:
        return &clgan_layer_batchnorm;
    case CLGAN_LAYER_ACT:
        return &clgan_layer_act;
    }
    return NULL;
}

static clgan_status alloc_floats(clgan_ctx *ctx, size_t n, const char *what, cl_mem *out)
{
    size_t bytes;
    if (!clgan_mul_ok(n ? n : 1, sizeof(float), &bytes))
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT, "%s: size overflows", what);
    return clgan_rt_alloc(ctx, bytes, what, out);
}

static void release_floats(clgan_ctx *ctx, cl_mem *m, size_t n)
{
    if (*m)
        clgan_rt_release(ctx, *m, (n ? n : 1) * sizeof(float));
    *m = NULL;
}

void clgan_model_free(struct clgan_model *m)
{
    if (!m)
        return;
    clgan_ctx *ctx = m->ctx;
    release_floats(ctx, &m->params, m->n_params);
    release_floats(ctx, &m->grads, m->n_params);
    release_floats(ctx, &m->state, m->n_state);
    release_floats(ctx, &m->act, m->n_act);
    release_floats(ctx, &m->save, m->n_save);
    release_floats(ctx, &m->work, m->n_work);
    release_floats(ctx, &m->dbuf[0], m->n_grad);
    release_floats(ctx, &m->dbuf[1], m->n_grad);
    release_floats(ctx, &m->dx, m->n_grad);
    if (m->n_opt_bufs >= 1)
        release_floats(ctx, &m->opt_a, m->n_params);
    if (m->n_opt_bufs >= 2)
        release_floats(ctx, &m->opt_b, m->n_params);
    free(m);
}

/* Checked a += b * c for sizes. */
static int add_mul(size_t *a, size_t b, size_t c)
{
    size_t p;
    if (!clgan_mul_ok(b, c, &p) || *a > (size_t)-1 - p)
        return 0;
    *a += p;
    return 1;
}

/*
 * Lay the layers out in m (shapes, offsets and every buffer size) without allocating anything.
 * Errors are recorded in ctx.
 */
static clgan_status plan(clgan_ctx *ctx, const struct clgan_layer_spec *specs, int n,
                         struct clgan_shape in, int max_batch, const char *name_prefix,
                         struct clgan_model *m)
{
    if (n <= 0 || n > CLGAN_MAX_LAYERS || max_batch <= 0 || in.c <= 0 || in.h <= 0 || in.w <= 0)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "model: bad description (%d layers, batch %d, input %dx%dx%d)", n,
                             max_batch, in.c, in.h, in.w);
    m->ctx = ctx;
    m->in = in;
    m->max_batch = max_batch;
    m->n_layers = n;
    struct clgan_shape cur = in;
    size_t max_io = clgan_shape_size(in);
    int ok = 1;
    for (int i = 0; i < n; i++) {
        struct clgan_layer *l = &m->layers[i];
        l->spec = specs[i];
        l->ops = kind_ops(specs[i].kind);
        l->in = cur;
        snprintf(l->name, sizeof(l->name), "%s%s%d", name_prefix ? name_prefix : "",
                 name_prefix && *name_prefix ? "." : "", i);
        char err[256] = "";
        if (!l->ops)
            return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT, "layer %d: unknown kind", i);
        if (l->ops->setup(l, err, sizeof(err)) != CLGAN_STATUS_OK)
            return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT, "layer %s (%s): %s", l->name,
                                 l->ops->name, err);
        l->p_off = m->n_params;
        l->s_off = m->n_state;
        l->save_off = m->n_save;
        l->y_off = m->n_act;
        if (i > 0 && l->spec.kind == CLGAN_LAYER_ACT && m->layers[i - 1].ops &&
            m->layers[i - 1].spec.kind == CLGAN_LAYER_BATCHNORM &&
            (l->spec.act == CLGAN_ACT_RELU || l->spec.act == CLGAN_ACT_LRELU)) {
            m->layers[i - 1].fuse_next = 1;
            l->folded = 1;
            l->y_off = m->layers[i - 1].y_off;
        }
        ok = ok && add_mul(&m->n_params, l->n_params, 1) && add_mul(&m->n_state, l->n_state, 1) &&
             add_mul(&m->n_save, l->n_save, 1) &&
             add_mul(&m->n_act, l->folded ? 0 : clgan_shape_size(l->out), (size_t)max_batch);
        size_t ws = l->ops->workspace ? l->ops->workspace(l, max_batch) : 0;
        if (ws > m->n_work)
            m->n_work = ws;
        if (clgan_shape_size(l->out) > max_io)
            max_io = clgan_shape_size(l->out);
        cur = l->out;
    }
    m->out = cur;
    /* every buffer is allocated in bytes: its float count times 4 must fit too */
    size_t bytes;
    if (!ok || !clgan_mul_ok(max_io, (size_t)max_batch, &m->n_grad) ||
        !clgan_mul_ok(m->n_params, 2 * sizeof(float), &bytes) ||
        !clgan_mul_ok(m->n_act, sizeof(float), &bytes) ||
        !clgan_mul_ok(m->n_work, sizeof(float), &bytes) ||
        !clgan_mul_ok(m->n_grad, sizeof(float), &bytes))
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "model: sizes overflow at batch %d", max_batch);
    return CLGAN_STATUS_OK;
}

/* Sizes (floats) and names of the buffers clgan_model_init allocates, in that order, then the
 * optimizer state buffers. Returns the count. */
static int buffer_list(const struct clgan_model *m, int opt_bufs, size_t *n, const char **what)
{
    int k = 0;
#define ADD(count, name)              \
    do {                              \
        n[k] = (count) ? (count) : 1; \
        what[k++] = (name);           \
    } while (0)
    ADD(m->n_params, "model parameters");
    ADD(m->n_params, "model gradients");
    ADD(m->n_state, "model running statistics");
    ADD(m->n_act, "model activations");
    ADD(m->n_save, "model saved values");
    ADD(m->n_work, "model workspace");
    ADD(m->n_grad, "model gradient buffers");
    ADD(m->n_grad, "model gradient buffers");
    ADD(m->n_grad, "model input gradient");
    for (int i = 0; i < opt_bufs && i < 2; i++)
        ADD(m->n_params, "optimizer state");
#undef ADD
    return k;
}

static void sum_buffers(const struct clgan_model *m, int opt_bufs, struct clgan_model_mem *mem)
{
    size_t n[12] = {0};
    const char *what[12] = {NULL};
    int k = buffer_list(m, opt_bufs, n, what);
    memset(mem, 0, sizeof(*mem));
    mem->largest_what = what[0];
    for (int i = 0; i < k; i++) {
        uint64_t b = (uint64_t)n[i] * sizeof(float); /* plan() checked each product */
        mem->total += b;
        if (b > mem->largest) {
            mem->largest = b;
            mem->largest_what = what[i];
        }
    }
}

clgan_status clgan_model_mem(clgan_ctx *ctx, const struct clgan_layer_spec *specs, int n,
                             struct clgan_shape in, int max_batch, int opt_bufs,
                             struct clgan_model_mem *out)
{
    memset(out, 0, sizeof(*out));
    struct clgan_model *m = calloc(1, sizeof(*m));
    if (!m)
        return clgan_rt_fail(ctx, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "model: out of host memory");
    clgan_status st = plan(ctx, specs, n, in, max_batch, NULL, m);
    if (st == CLGAN_STATUS_OK)
        sum_buffers(m, opt_bufs, out);
    free(m);
    return st;
}

clgan_status clgan_model_init(clgan_ctx *ctx, const struct clgan_layer_spec *specs, int n,
                              struct clgan_shape in, int max_batch, const char *name_prefix,
                              struct clgan_model **out)
{
    *out = NULL;
    struct clgan_model *m = calloc(1, sizeof(*m));
    if (!m)
        return clgan_rt_fail(ctx, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "model: out of host memory");
    clgan_status st = plan(ctx, specs, n, in, max_batch, name_prefix, m);
    if (st == CLGAN_STATUS_OK) {
        /* the whole model against the device before the first buffer, so that a model too
         * large fails with its total size instead of at whichever buffer comes last */
        struct clgan_model_mem mem;
        sum_buffers(m, 0, &mem);
        st = clgan_rt_fits(ctx, mem.total, mem.largest, mem.largest_what, "the model");
    }
    cl_mem *bufs[] = {&m->params, &m->grads,   &m->state,   &m->act, &m->save,
                      &m->work,   &m->dbuf[0], &m->dbuf[1], &m->dx};
    size_t sizes[12] = {0};
    const char *what[12] = {NULL};
    buffer_list(m, 0, sizes, what);
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]) && st == CLGAN_STATUS_OK; i++)
        st = alloc_floats(ctx, sizes[i], what[i], bufs[i]);
    if (st != CLGAN_STATUS_OK) {
        clgan_model_free(m);
        return st;
    }
    *out = m;
    return CLGAN_STATUS_OK;
}

clgan_status clgan_model_init_params(struct clgan_model *m, uint64_t seed)
{
    m->seed = seed;
    for (int i = 0; i < m->n_layers; i++) {
        struct clgan_layer *l = &m->layers[i];
        if (!l->ops->init)
            continue;
        /* each layer draws from its own stream so adding a layer does not shift the others */
        clgan_status st = l->ops->init(m, l, seed * 1000003ull + (uint64_t)i * 7919ull + 1);
        if (st != CLGAN_STATUS_OK)
            return st;
    }
    return CLGAN_STATUS_OK;
}

static clgan_status check_batch(struct clgan_model *m, int batch)
{
    if (batch <= 0 || batch > m->max_batch)
        return clgan_rt_fail(m->ctx, CLGAN_STATUS_INVALID_ARGUMENT, "model: batch %d outside 1..%d",
                             batch, m->max_batch);
    return CLGAN_STATUS_OK;
}

clgan_status clgan_model_forward(struct clgan_model *m, cl_mem x, size_t x_off, int batch,
                                 int train)
{
    clgan_status st = check_batch(m, batch);
    for (int i = 0; i < m->n_layers && st == CLGAN_STATUS_OK; i++) {
        struct clgan_layer *l = &m->layers[i];
        cl_mem in = i ? m->act : x;
        size_t in_off = i ? m->layers[i - 1].y_off : x_off;
        if (l->folded)
            continue; /* the batch norm before it wrote its output */
        st = l->ops->forward(m, l, in, in_off, batch, train);
    }
    if (st == CLGAN_STATUS_OK && train == CLGAN_FWD_TRAIN)
        m->bn_batches++;
    return st;
}

size_t clgan_model_output_off(const struct clgan_model *m)
{
    return m->layers[m->n_layers - 1].y_off;
}

clgan_status clgan_model_backward(struct clgan_model *m, cl_mem x, size_t x_off, cl_mem dy,
                                  size_t dy_off, int batch, int flags)
{
    clgan_status st = check_batch(m, batch);
    cl_mem g = dy;
    size_t g_off = dy_off;
    for (int i = m->n_layers - 1; i >= 0 && st == CLGAN_STATUS_OK; i--) {
        struct clgan_layer *l = &m->layers[i];
        if (l->folded)
            continue; /* the batch norm before it takes this gradient and gates it */
        cl_mem in = i ? m->act : x;
        size_t in_off = i ? m->layers[i - 1].y_off : x_off;
        cl_mem dx = i ? m->dbuf[i & 1] : m->dx;
        if (i == 0 && (flags & CLGAN_BWD_NO_INPUT_GRAD))
            dx = NULL;
        st = l->ops->backward(m, l, in, in_off, g, g_off, dx, 0, batch, flags);
        g = dx;
        g_off = 0;
    }
    return st;
}

double clgan_model_flops(const struct clgan_model *m, int batch, int pass)
{
    double f = 0;
    for (int i = 0; i < m->n_layers; i++)
        if (m->layers[i].ops->flops)
            f += m->layers[i].ops->flops(&m->layers[i], batch, pass);
    return f;
}

/* ---------------------------------------------------------------- optimizers */

clgan_status clgan_model_optim_init(struct clgan_model *m, const struct clgan_optim *opt)
{
    size_t want = opt->kind == CLGAN_OPTIM_SGD ? 1 : opt->kind == CLGAN_OPTIM_NONE ? 0 : 2;
    clgan_status st = CLGAN_STATUS_OK;
    if (m->n_opt_bufs != want) {
        if (m->n_opt_bufs >= 1)
            release_floats(m->ctx, &m->opt_a, m->n_params);
        if (m->n_opt_bufs >= 2)
            release_floats(m->ctx, &m->opt_b, m->n_params);
        m->n_opt_bufs = 0;
        if (want >= 1)
            st = alloc_floats(m->ctx, m->n_params, "optimizer state", &m->opt_a);
        if (st == CLGAN_STATUS_OK && want >= 2)
            st = alloc_floats(m->ctx, m->n_params, "optimizer state", &m->opt_b);
        if (st != CLGAN_STATUS_OK) {
            release_floats(m->ctx, &m->opt_a, m->n_params);
            return st;
        }
        m->n_opt_bufs = want;
    }
    m->opt = *opt;
    m->opt.t = 0;
    if (want >= 1)
        st = clgan_ops_elt_fill(m->ctx, m->n_params, 0.0f, m->opt_a, 0);
    if (st == CLGAN_STATUS_OK && want >= 2)
        st = clgan_ops_elt_fill(m->ctx, m->n_params, 0.0f, m->opt_b, 0);
    return st;
}

clgan_status clgan_model_optim_step(struct clgan_model *m)
{
    const struct clgan_optim *o = &m->opt;
    clgan_status st = CLGAN_STATUS_OK;
    switch (o->kind) {
    case CLGAN_OPTIM_NONE:
        return clgan_rt_fail(m->ctx, CLGAN_STATUS_INVALID_ARGUMENT, "model has no optimizer");
    case CLGAN_OPTIM_SGD:
        st = clgan_ops_opt_sgd(m->ctx, m->n_params, o->lr, o->momentum, o->weight_decay, o->t == 0,
                               m->params, 0, m->grads, 0, m->opt_a, 0);
        break;
    case CLGAN_OPTIM_ADAM:
        st = clgan_ops_opt_adam(m->ctx, m->n_params, o->lr, o->beta1, o->beta2, o->eps,
                                o->weight_decay, o->t + 1, m->params, 0, m->grads, 0, m->opt_a, 0,
                                m->opt_b, 0);
        break;
    case CLGAN_OPTIM_QUICKPROP:
        st = clgan_ops_opt_quickprop(m->ctx, m->n_params, o->lr, o->momentum, o->weight_decay,
                                     m->params, 0, m->grads, 0, m->opt_a, 0, m->opt_b, 0);
        break;
    }
    if (st == CLGAN_STATUS_OK)
        m->opt.t++;
    return st;
}

/* ---------------------------------------------------------------- presets */

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

int clgan_preset_dcgan_g(int size, int nz, int ngf, int nc, struct clgan_layer_spec *sp)
{
    int n = 0;
    /* 32: nz -> 4x4 (ngf*4) -> 8 (ngf*2) -> 16 (ngf) -> 32 (nc)
     * 64: nz -> 4x4 (ngf*8) -> 8 (ngf*4) -> 16 (ngf*2) -> 32 (ngf) -> 64 (nc) */
    int mult = size == 64 ? 8 : 4;
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
    int n = 0, top = size == 64 ? 8 : 4;
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

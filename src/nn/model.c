/*
 * model.c - models built from network specs: resolving each layer's inputs and shapes, folding
 * activations into batch norms, laying out the flat buffers (parameters, gradients, state,
 * activations, saved values, workspace, gradients of layer outputs), and the forward and
 * backward walks. A plain sequence keeps two ping-pong gradient buffers; a graph (layers with
 * two inputs, or reading other than the layer before) gives every layer output a gradient slot
 * and accumulates where an output feeds several layers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn.h"
#include "ops/elt.h"
#include "ops/opt.h"

const struct clgan_layer_ops *clgan_layer_ops_of(enum clgan_layer_kind k)
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
    case CLGAN_LAYER_CONCAT:
        return &clgan_layer_concat;
    case CLGAN_LAYER_EMBED:
        return &clgan_layer_embed;
    case CLGAN_LAYER_INNER:
        return &clgan_layer_inner;
    case CLGAN_LAYER_ADD:
        return &clgan_layer_add;
    }
    return NULL;
}

/* Inputs a layer kind reads. */
static int kind_inputs(enum clgan_layer_kind k)
{
    return k == CLGAN_LAYER_CONCAT || k == CLGAN_LAYER_INNER || k == CLGAN_LAYER_ADD ? 2 : 1;
}

/* The element type of every buffer a model allocates (parameters, gradients, statistics,
 * activations, workspace, optimizer state): the dtype of the views made on them, which their
 * sizes in bytes come from. */
#define MODEL_DTYPE CLGAN_DTYPE_F32

static clgan_status alloc_floats(clgan_ctx *ctx, size_t n, const char *what, cl_mem *out)
{
    size_t bytes;
    if (!clgan_mul_ok(n ? n : 1, clgan_dtype_size(MODEL_DTYPE), &bytes))
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT, "%s: size overflows", what);
    return clgan_rt_alloc(ctx, bytes, what, out);
}

static void release_floats(clgan_ctx *ctx, cl_mem *m, size_t n)
{
    if (*m)
        clgan_rt_release(ctx, *m, (n ? n : 1) * clgan_dtype_size(MODEL_DTYPE));
    *m = NULL;
}

/* Sizes (floats) and names of the buffers clgan_model_init allocates, with where each goes,
 * then the optimizer state buffers. Returns the count. */
static int buffer_list(struct clgan_model *m, int opt_bufs, size_t *n, const char **what,
                       cl_mem **slot)
{
    int k = 0;
#define ADD(count, name, where)       \
    do {                              \
        n[k] = (count) ? (count) : 1; \
        slot[k] = (where);            \
        what[k++] = (name);           \
    } while (0)
    ADD(m->n_params, "model parameters", &m->params);
    ADD(m->n_params, "model gradients", &m->grads);
    ADD(m->n_state, "model running statistics", &m->state);
    ADD(m->n_act, "model activations", &m->act);
    ADD(m->n_save, "model saved values", &m->save);
    ADD(m->n_work, "model workspace", &m->work);
    ADD(m->n_grad, "model gradient buffers", &m->dbuf[0]);
    if (m->chain)
        ADD(m->n_grad, "model gradient buffers", &m->dbuf[1]);
    else
        ADD(m->n_act, "model output gradients", &m->dact);
    ADD(m->n_grad, "model input gradient", &m->dx);
    for (int i = 0; i < opt_bufs && i < 2; i++)
        ADD(m->n_params, "optimizer state", i ? &m->opt_b : &m->opt_a);
#undef ADD
    return k;
}

#define MAX_BUFS 12

void clgan_model_free(struct clgan_model *m)
{
    if (!m)
        return;
    size_t n[MAX_BUFS];
    const char *what[MAX_BUFS];
    cl_mem *slot[MAX_BUFS];
    int k = buffer_list(m, (int)m->n_opt_bufs, n, what, slot);
    for (int i = 0; i < k; i++)
        release_floats(m->ctx, slot[i], n[i]);
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

static int fail(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
    return 0;
}

/* The shape a layer input reads: a layer's output or a model input. */
static struct clgan_shape src_shape(const struct clgan_model *m, int src)
{
    return src >= 0 ? m->layers[src].out : m->net.inputs[-1 - src].shape;
}

static int src_is_label(const struct clgan_model *m, int src)
{
    return src < 0 && m->net.inputs[-1 - src].classes > 0;
}

/* Resolve inputs, names and shapes of every layer. Returns 0 with a message in err. */
static int resolve(struct clgan_model *m, const char *prefix, char *err, size_t len)
{
    const struct clgan_net_spec *net = &m->net;
    if (net->n_inputs < 1 || net->n_inputs > CLGAN_MAX_INPUTS)
        return fail(err, len, "a network has 1 or %d inputs, not %d", CLGAN_MAX_INPUTS,
                    net->n_inputs);
    if (net->n_layers < 1 || net->n_layers > CLGAN_MAX_LAYERS)
        return fail(err, len, "a network has 1 to %d layers, not %d", CLGAN_MAX_LAYERS,
                    net->n_layers);
    for (int k = 0; k < net->n_inputs; k++) {
        const struct clgan_net_input *in = &net->inputs[k];
        if (in->classes < 0 || in->classes > 1000000)
            return fail(err, len, "input %d: classes %d outside 0..1000000", k, in->classes);
        if (in->classes == 0 && (in->shape.c < 1 || in->shape.h < 1 || in->shape.w < 1))
            return fail(err, len, "input %d: bad shape %dx%dx%d", k, in->shape.c, in->shape.h,
                        in->shape.w);
    }
    if (net->inputs[0].classes > 0)
        return fail(err, len, "input 0 must be a tensor, not labels");
    m->in = net->inputs[0].shape;
    m->n_layers = net->n_layers;
    for (int i = 0; i < net->n_layers; i++) {
        struct clgan_layer *l = &m->layers[i];
        const struct clgan_layer_spec *sp = &net->layers[i];
        memset(l, 0, sizeof(*l));
        l->spec = *sp;
        l->ops = clgan_layer_ops_of(sp->kind);
        if (sp->name[0])
            snprintf(l->name, sizeof(l->name), "%s", sp->name);
        else
            snprintf(l->name, sizeof(l->name), "%s%s%d", prefix ? prefix : "",
                     prefix && *prefix ? "." : "", i);
        if (!l->ops)
            return fail(err, len, "layer %d: unknown kind %d", i, (int)sp->kind);
        for (int j = 0; j < i; j++)
            if (!strcmp(m->layers[j].name, l->name))
                return fail(err, len, "layer %d: name '%s' is also layer %d's", i, l->name, j);
        for (int k = 0; k < net->n_inputs; k++)
            if (!strcmp(net->inputs[k].name, l->name))
                return fail(err, len, "layer %d: name '%s' is also input %d's", i, l->name, k);
        int want = kind_inputs(sp->kind);
        if (sp->n_in == 0 && want == 1) {
            l->n_in = 1;
            l->src[0] = i ? i - 1 : CLGAN_FROM_INPUT(0);
        } else if (sp->n_in != want) {
            return fail(err, len, "layer %d (%s, %s): takes %d input%s, %d given", i, l->name,
                        l->ops->name, want, want > 1 ? "s" : "", sp->n_in);
        } else {
            l->n_in = want;
            for (int j = 0; j < want; j++) {
                int s = sp->in[j];
                if (s >= i || s < -net->n_inputs)
                    return fail(err, len,
                                "layer %d (%s): input %d refers to %s %d, which does not come "
                                "before it",
                                i, l->name, j, s >= 0 ? "layer" : "model input",
                                s >= 0 ? s : -1 - s);
                l->src[j] = s;
            }
        }
        for (int j = 0; j < l->n_in; j++) {
            int label = src_is_label(m, l->src[j]);
            if (label != (sp->kind == CLGAN_LAYER_EMBED))
                return fail(err, len, "layer %d (%s, %s): input %d must %sbe a label input", i,
                            l->name, l->ops->name, j, label ? "not " : "");
            if (l->src[j] >= 0)
                m->layers[l->src[j]].consumers++;
        }
        l->in = src_shape(m, l->src[0]);
        if (l->n_in > 1)
            l->in2 = src_shape(m, l->src[1]);
        if (sp->kind == CLGAN_LAYER_EMBED)
            l->spec.classes = net->inputs[-1 - l->src[0]].classes;
        char e[256] = "";
        if (l->ops->setup(l, e, sizeof(e)) != CLGAN_STATUS_OK)
            return fail(err, len, "layer %d (%s, %s): %s", i, l->name, l->ops->name, e);
    }
    for (int i = 0; i + 1 < net->n_layers; i++)
        if (!m->layers[i].consumers)
            return fail(err, len, "layer %d (%s): its output is not used by any later layer", i,
                        m->layers[i].name);
    return 1;
}

static int is_conv(const struct clgan_layer *l)
{
    return l->spec.kind == CLGAN_LAYER_CONV2D || l->spec.kind == CLGAN_LAYER_CONVT2D;
}

/*
 * Lay the layers out in m (inputs, shapes, offsets and every buffer size) without allocating
 * anything. Returns 0 with a message in err.
 */
static int plan(const struct clgan_net_spec *net, int max_batch, const char *prefix,
                struct clgan_model *m, char *err, size_t len)
{
    if (max_batch <= 0)
        return fail(err, len, "model: batch %d", max_batch);
    m->net = *net;
    m->max_batch = max_batch;
    if (!resolve(m, prefix, err, len))
        return 0;
    size_t max_io = clgan_shape_size(m->in);
    int ok = 1;
    m->chain = net->n_inputs == 1;
    for (int i = 0; i < m->n_layers; i++) {
        struct clgan_layer *l = &m->layers[i];
        if (l->n_in != 1 || l->src[0] != (i ? i - 1 : CLGAN_FROM_INPUT(0)))
            m->chain = 0;
        l->p_off = m->n_params;
        l->s_off = m->n_state;
        l->save_off = m->n_save;
        l->y_off = m->n_act;
        struct clgan_layer *p = i ? &m->layers[i - 1] : NULL;
        if (p && l->spec.kind == CLGAN_LAYER_ACT && l->src[0] == i - 1 &&
            (p->spec.kind == CLGAN_LAYER_BATCHNORM || (is_conv(p) && i < m->n_layers - 1)) &&
            p->consumers == 1 &&
            (l->spec.act == CLGAN_ACT_RELU || l->spec.act == CLGAN_ACT_LRELU)) {
            p->fuse_next = 1;
            l->folded = 1;
            l->y_off = p->y_off;
        }
        int s = l->n_in == 1 ? l->src[0] : -1;
        if (is_conv(l) && s >= 1 && m->layers[s].folded && m->layers[s].consumers == 1 &&
            is_conv(&m->layers[s - 1])) {
            l->gate_in = 1;
            m->layers[s - 1].dy_gated = 1;
        }
        ok = ok && add_mul(&m->n_params, l->n_params, 1) && add_mul(&m->n_state, l->n_state, 1) &&
             add_mul(&m->n_save, l->n_save, 1) &&
             add_mul(&m->n_act, l->folded ? 0 : clgan_shape_size(l->out), (size_t)max_batch);
        size_t ws = l->ops->workspace ? l->ops->workspace(m->ctx, l, max_batch) : 0;
        if (ws > m->n_work)
            m->n_work = ws;
        if (clgan_shape_size(l->out) > max_io)
            max_io = clgan_shape_size(l->out);
        if (clgan_shape_size(l->in) > max_io)
            max_io = clgan_shape_size(l->in);
        if (l->n_in > 1 && clgan_shape_size(l->in2) > max_io)
            max_io = clgan_shape_size(l->in2);
    }
    m->out = m->layers[m->n_layers - 1].out;
    /* every buffer is allocated in bytes: its element count times the element size must fit */
    size_t bytes, es = clgan_dtype_size(MODEL_DTYPE);
    if (!ok || !clgan_mul_ok(max_io, (size_t)max_batch, &m->n_grad) ||
        !clgan_mul_ok(m->n_params, 2 * es, &bytes) || !clgan_mul_ok(m->n_act, 2 * es, &bytes) ||
        !clgan_mul_ok(m->n_work, es, &bytes) || !clgan_mul_ok(m->n_grad, es, &bytes))
        return fail(err, len, "model: sizes overflow at batch %d", max_batch);
    return 1;
}

static void sum_buffers(struct clgan_model *m, int opt_bufs, struct clgan_model_mem *mem)
{
    size_t n[MAX_BUFS];
    const char *what[MAX_BUFS];
    cl_mem *slot[MAX_BUFS];
    int k = buffer_list(m, opt_bufs, n, what, slot);
    memset(mem, 0, sizeof(*mem));
    mem->largest_what = what[0];
    for (int i = 0; i < k; i++) {
        /* plan() checked each product */
        uint64_t b = (uint64_t)n[i] * clgan_dtype_size(MODEL_DTYPE);
        /* the sum can still pass 2^64 (four buffers of the parameters' size): saturate */
        mem->total = mem->total > UINT64_MAX - b ? UINT64_MAX : mem->total + b;
        if (b > mem->largest) {
            mem->largest = b;
            mem->largest_what = what[i];
        }
    }
}

clgan_status clgan_net_validate(const struct clgan_net_spec *net, char *err, size_t err_len)
{
    struct clgan_model *m = calloc(1, sizeof(*m));
    if (!m) {
        snprintf(err, err_len, "out of host memory");
        return CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    }
    int ok = plan(net, 1, "main", m, err, err_len);
    free(m);
    return ok ? CLGAN_STATUS_OK : CLGAN_STATUS_INVALID_ARGUMENT;
}

clgan_status clgan_net_shapes(const struct clgan_net_spec *net, struct clgan_shape *out, char *err,
                              size_t err_len)
{
    struct clgan_model *m = calloc(1, sizeof(*m));
    if (!m) {
        snprintf(err, err_len, "out of host memory");
        return CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    }
    int ok = plan(net, 1, "main", m, err, err_len);
    for (int i = 0; ok && i < m->n_layers; i++)
        out[i] = m->layers[i].out;
    free(m);
    return ok ? CLGAN_STATUS_OK : CLGAN_STATUS_INVALID_ARGUMENT;
}

clgan_status clgan_model_mem_net(clgan_ctx *ctx, const struct clgan_net_spec *net, int max_batch,
                                 int opt_bufs, struct clgan_model_mem *out)
{
    memset(out, 0, sizeof(*out));
    struct clgan_model *m = calloc(1, sizeof(*m));
    char err[512];
    if (!m)
        return clgan_rt_fail(ctx, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "model: out of host memory");
    clgan_status st = CLGAN_STATUS_OK;
    if (plan(net, max_batch, NULL, m, err, sizeof(err)))
        sum_buffers(m, opt_bufs, out);
    else
        st = clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT, "%s", err);
    free(m);
    return st;
}

void clgan_net_sequence(struct clgan_net_spec *net, const struct clgan_layer_spec *specs, int n,
                        struct clgan_shape in)
{
    memset(net, 0, sizeof(*net));
    net->n_inputs = 1;
    net->inputs[0].shape = in;
    net->n_layers = n < 0 ? 0 : n;
    for (int i = 0; i < n && i < CLGAN_MAX_LAYERS; i++)
        net->layers[i] = specs[i];
    if (n > CLGAN_MAX_LAYERS)
        net->n_layers = n; /* refused by plan() with the count */
}

clgan_status clgan_model_mem(clgan_ctx *ctx, const struct clgan_layer_spec *specs, int n,
                             struct clgan_shape in, int max_batch, int opt_bufs,
                             struct clgan_model_mem *out)
{
    struct clgan_net_spec *net = malloc(sizeof(*net));
    if (!net)
        return clgan_rt_fail(ctx, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "model: out of host memory");
    clgan_net_sequence(net, specs, n, in);
    clgan_status st = clgan_model_mem_net(ctx, net, max_batch, opt_bufs, out);
    free(net);
    return st;
}

clgan_status clgan_model_init_net(clgan_ctx *ctx, const struct clgan_net_spec *net, int max_batch,
                                  const char *name_prefix, struct clgan_model **out)
{
    *out = NULL;
    struct clgan_model *m = calloc(1, sizeof(*m));
    char err[512];
    if (!m)
        return clgan_rt_fail(ctx, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "model: out of host memory");
    m->ctx = ctx;
    clgan_status st = CLGAN_STATUS_OK;
    /* the convolution routes first (timed now if "auto" and not cached): the workspace the plan
     * reserves is that of the routes the layers will take */
    (void)clgan_ctx_conv_note(ctx);
    if (!plan(net, max_batch, name_prefix, m, err, sizeof(err)))
        st = clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT, "%s", err);
    if (st == CLGAN_STATUS_OK) {
        /* the whole model against the device before the first buffer, so that a model too
         * large fails with its total size instead of at whichever buffer comes last */
        struct clgan_model_mem mem;
        sum_buffers(m, 0, &mem);
        st = clgan_rt_fits(ctx, mem.total, mem.largest, mem.largest_what, "the model");
    }
    size_t sizes[MAX_BUFS];
    const char *what[MAX_BUFS];
    cl_mem *slot[MAX_BUFS];
    int k = buffer_list(m, 0, sizes, what, slot);
    for (int i = 0; i < k && st == CLGAN_STATUS_OK; i++)
        st = alloc_floats(ctx, sizes[i], what[i], slot[i]);
    /* the rest of the plan: every kernel created, the GEMM backend chosen (timed now if it is
     * "auto" and not cached; the convolution routes were chosen before the plan), each layer's
     * GEMM workspace reserved, so that a pass allocates, builds and measures nothing */
    if (st == CLGAN_STATUS_OK)
        st = clgan_rt_kernels_prepare(ctx);
    if (st == CLGAN_STATUS_OK)
        (void)clgan_ctx_gemm_backend(ctx);
    for (int i = 0; i < m->n_layers && st == CLGAN_STATUS_OK; i++)
        if (m->layers[i].ops->prepare)
            st = m->layers[i].ops->prepare(m, &m->layers[i]);
    if (st != CLGAN_STATUS_OK) {
        clgan_model_free(m);
        return st;
    }
    *out = m;
    return CLGAN_STATUS_OK;
}

clgan_status clgan_model_init(clgan_ctx *ctx, const struct clgan_layer_spec *specs, int n,
                              struct clgan_shape in, int max_batch, const char *name_prefix,
                              struct clgan_model **out)
{
    struct clgan_net_spec *net = malloc(sizeof(*net));
    *out = NULL;
    if (!net)
        return clgan_rt_fail(ctx, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "model: out of host memory");
    clgan_net_sequence(net, specs, n, in);
    clgan_status st = clgan_model_init_net(ctx, net, max_batch, name_prefix, out);
    free(net);
    return st;
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

/* ---------------------------------------------------------------- views */

static struct clgan_tensor f32_view(cl_mem mem, size_t off, int batch, struct clgan_shape s)
{
    return clgan_tensor_view(mem, off, CLGAN_DTYPE_F32, batch, s.c, s.h, s.w);
}

struct clgan_tensor clgan_model_output(const struct clgan_model *m, int batch)
{
    return f32_view(m->act, m->layers[m->n_layers - 1].y_off, batch, m->out);
}

struct clgan_tensor clgan_model_input_grad(const struct clgan_model *m, int batch)
{
    return f32_view(m->dx, 0, batch, m->in);
}

struct clgan_tensor clgan_model_input_view(const struct clgan_model *m, int k, cl_mem mem,
                                           size_t off, int batch)
{
    const struct clgan_net_input *in = &m->net.inputs[k];
    if (in->classes > 0)
        return clgan_tensor_view(mem, off, CLGAN_DTYPE_I32, batch, 1, 1, 1);
    return f32_view(mem, off, batch, in->shape);
}

/* The view layer i reads as input j. */
static struct clgan_tensor input_of(const struct clgan_model *m, const struct clgan_layer *l, int j,
                                    const struct clgan_tensor *in, int batch)
{
    int s = l->src[j];
    if (s >= 0)
        return f32_view(m->act, m->layers[s].y_off, batch, m->layers[s].out);
    struct clgan_tensor v = in[-1 - s];
    v.n = batch;
    return v;
}

static clgan_status check_batch(struct clgan_model *m, int batch)
{
    if (batch <= 0 || batch > m->max_batch)
        return clgan_rt_fail(m->ctx, CLGAN_STATUS_INVALID_ARGUMENT, "model: batch %d outside 1..%d",
                             batch, m->max_batch);
    return CLGAN_STATUS_OK;
}

/* ---------------------------------------------------------------- forward and backward */

clgan_status clgan_model_run(struct clgan_model *m, const struct clgan_tensor *in, int batch,
                             int mode)
{
    clgan_status st = check_batch(m, batch);
    for (int i = 0; i < m->n_layers && st == CLGAN_STATUS_OK; i++) {
        struct clgan_layer *l = &m->layers[i];
        if (l->folded)
            continue; /* the batch norm before it wrote its output */
        struct clgan_tensor x[CLGAN_MAX_INPUTS];
        for (int j = 0; j < l->n_in; j++)
            x[j] = input_of(m, l, j, in, batch);
        struct clgan_tensor y = f32_view(m->act, l->y_off, batch, l->out);
        st = l->ops->forward(m, l, x, &y, mode);
    }
    if (st == CLGAN_STATUS_OK && mode == CLGAN_FWD_TRAIN)
        m->bn_batches++;
    return st;
}

/* A sequence: input gradients ping-pong between dbuf[0] and dbuf[1]. */
static clgan_status back_chain(struct clgan_model *m, const struct clgan_tensor *in,
                               const struct clgan_tensor *dy, int batch, int flags)
{
    clgan_status st = CLGAN_STATUS_OK;
    struct clgan_tensor g = *dy;
    static const float beta0[CLGAN_MAX_INPUTS] = {0};
    for (int i = m->n_layers - 1; i >= 0 && st == CLGAN_STATUS_OK; i--) {
        struct clgan_layer *l = &m->layers[i];
        if (l->folded)
            continue; /* the batch norm before it takes this gradient and gates it */
        struct clgan_tensor x = input_of(m, l, 0, in, batch);
        struct clgan_tensor y = f32_view(m->act, l->y_off, batch, l->out);
        struct clgan_tensor dx = f32_view(i ? m->dbuf[i & 1] : m->dx, 0, batch, l->in);
        if (i == 0 && (flags & CLGAN_BWD_NO_INPUT_GRAD))
            dx.mem = NULL;
        g.n = batch;
        st = l->ops->backward(m, l, &x, &y, &g, &dx, beta0, flags);
        g = dx;
    }
    return st;
}

/* A graph: every output has a gradient slot in dact (laid out as act); the first layer to
 * write a slot (walking backwards) overwrites it, later ones add. */
static clgan_status back_graph(struct clgan_model *m, const struct clgan_tensor *in,
                               const struct clgan_tensor *dy, int batch, int flags)
{
    unsigned char seen[CLGAN_MAX_LAYERS] = {0}, seen_in[CLGAN_MAX_INPUTS] = {0};
    clgan_status st = CLGAN_STATUS_OK;
    int last = m->n_layers - 1;
    for (int i = last; i >= 0 && st == CLGAN_STATUS_OK; i--) {
        struct clgan_layer *l = &m->layers[i];
        if (l->folded)
            continue;
        int e = l->fuse_next ? i + 1 : i; /* whose output gradient this layer takes */
        struct clgan_tensor g =
            e == last ? *dy : f32_view(m->dact, m->layers[e].y_off, batch, m->layers[e].out);
        g.n = batch;
        struct clgan_tensor x[CLGAN_MAX_INPUTS], dx[CLGAN_MAX_INPUTS], add_to[CLGAN_MAX_INPUTS];
        float beta[CLGAN_MAX_INPUTS] = {0};
        int add[CLGAN_MAX_INPUTS] = {0};
        for (int j = 0; j < l->n_in; j++) {
            int s = l->src[j];
            x[j] = input_of(m, l, j, in, batch);
            if (s >= 0) {
                dx[j] = f32_view(m->dact, m->layers[s].y_off, batch, m->layers[s].out);
                beta[j] = seen[s] ? 1.0f : 0.0f;
                seen[s] = 1;
            } else if (s == CLGAN_FROM_INPUT(0) && !(flags & CLGAN_BWD_NO_INPUT_GRAD)) {
                dx[j] = clgan_model_input_grad(m, batch);
                beta[j] = seen_in[0] ? 1.0f : 0.0f;
                seen_in[0] = 1;
            } else {
                dx[j] = x[j];
                dx[j].mem = NULL; /* labels, or an input gradient nobody wants */
            }
            if (beta[j] != 0.0f && !l->ops->accumulates_dx) {
                /* this kind overwrites: compute into the scratch buffer and add */
                add_to[j] = dx[j];
                dx[j] = f32_view(m->dbuf[0], 0, batch, l->n_in > 1 && j ? l->in2 : l->in);
                beta[j] = 0.0f;
                add[j] = 1;
            }
        }
        struct clgan_tensor y = f32_view(m->act, l->y_off, batch, l->out);
        st = l->ops->backward(m, l, x, &y, &g, dx, beta, flags);
        for (int j = 0; j < l->n_in && st == CLGAN_STATUS_OK; j++)
            if (add[j])
                st = clgan_ops_elt_axpy(m->ctx, clgan_tensor_numel(&add_to[j]), 1.0f, dx[j].mem,
                                        dx[j].off, add_to[j].mem, add_to[j].off);
    }
    return st;
}

clgan_status clgan_model_back(struct clgan_model *m, const struct clgan_tensor *in,
                              const struct clgan_tensor *dy, int batch, int flags)
{
    clgan_status st = check_batch(m, batch);
    if (st != CLGAN_STATUS_OK)
        return st;
    return m->chain ? back_chain(m, in, dy, batch, flags) : back_graph(m, in, dy, batch, flags);
}

clgan_status clgan_model_forward(struct clgan_model *m, cl_mem x, size_t x_off, int batch,
                                 int train)
{
    struct clgan_tensor in = clgan_model_input_view(m, 0, x, x_off, batch);
    return clgan_model_run(m, &in, batch, train);
}

size_t clgan_model_output_off(const struct clgan_model *m)
{
    return m->layers[m->n_layers - 1].y_off;
}

clgan_status clgan_model_backward(struct clgan_model *m, cl_mem x, size_t x_off, cl_mem dy,
                                  size_t dy_off, int batch, int flags)
{
    struct clgan_tensor in = clgan_model_input_view(m, 0, x, x_off, batch);
    struct clgan_tensor d = f32_view(dy, dy_off, batch, m->out);
    return clgan_model_back(m, &in, &d, batch, flags);
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

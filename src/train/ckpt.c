/* ckpt.c - see ckpt.h. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/file.h"
#include "train/ckpt.h"

/* The PyTorch shape of a layer's weight. */
static int weight_shape(const struct clgan_layer *l, int64_t *shape)
{
    switch (l->spec.kind) {
    case CLGAN_LAYER_CONV2D:
        shape[0] = l->spec.out;
        shape[1] = l->in.c;
        shape[2] = shape[3] = l->spec.k;
        return 4;
    case CLGAN_LAYER_CONVT2D:
        shape[0] = l->in.c;
        shape[1] = l->spec.out;
        shape[2] = shape[3] = l->spec.k;
        return 4;
    case CLGAN_LAYER_LINEAR:
        shape[0] = l->spec.out;
        shape[1] = (int64_t)clgan_shape_size(l->in);
        return 2;
    case CLGAN_LAYER_BATCHNORM:
        shape[0] = l->in.c;
        return 1;
    case CLGAN_LAYER_EMBED: /* nn.Embedding: [classes, dim] */
        shape[0] = l->spec.classes;
        shape[1] = l->spec.out;
        return 2;
    case CLGAN_LAYER_ACT:
    case CLGAN_LAYER_CONCAT:
    case CLGAN_LAYER_INNER:
    case CLGAN_LAYER_ADD:
        break;
    }
    return 0;
}

/* Walk every tensor of the model: fn(name, ndim, shape, buffer, offset, count). */
typedef clgan_status (*tensor_fn)(void *user, const char *name, int ndim, const int64_t *shape,
                                  cl_mem buf, size_t off, size_t n);

static clgan_status each_tensor(struct clgan_model *m, const char *prefix, int optim, tensor_fn fn,
                                void *user)
{
    char name[128];
    int64_t shape[4];
    clgan_status st = CLGAN_STATUS_OK;
    for (int i = 0; i < m->n_layers && st == CLGAN_STATUS_OK; i++) {
        const struct clgan_layer *l = &m->layers[i];
        int nd = weight_shape(l, shape);
        if (!nd || !l->n_params)
            continue;
        snprintf(name, sizeof(name), "%s%s.weight", prefix, l->name);
        st = fn(user, name, nd, shape, m->params, l->p_off, l->n_weight);
        if (st == CLGAN_STATUS_OK && l->n_params > l->n_weight) {
            int64_t bs = (int64_t)(l->n_params - l->n_weight);
            snprintf(name, sizeof(name), "%s%s.bias", prefix, l->name);
            st = fn(user, name, 1, &bs, m->params, l->p_off + l->n_weight, (size_t)bs);
        }
        if (st == CLGAN_STATUS_OK && l->spec.kind == CLGAN_LAYER_BATCHNORM) {
            int64_t c = l->in.c;
            snprintf(name, sizeof(name), "%s%s.running_mean", prefix, l->name);
            st = fn(user, name, 1, &c, m->state, l->s_off, (size_t)c);
            snprintf(name, sizeof(name), "%s%s.running_var", prefix, l->name);
            if (st == CLGAN_STATUS_OK)
                st = fn(user, name, 1, &c, m->state, l->s_off + (size_t)c, (size_t)c);
        }
    }
    if (optim && st == CLGAN_STATUS_OK) {
        int64_t n = (int64_t)m->n_params;
        static const char *const slots[3][2] = {
            {"momentum_buffer", NULL}, {"exp_avg", "exp_avg_sq"}, {"prev_step", "prev_slope"}};
        int k = m->opt.kind == CLGAN_OPTIM_SGD ? 0 : m->opt.kind == CLGAN_OPTIM_ADAM ? 1 : 2;
        cl_mem bufs[2] = {m->opt_a, m->opt_b};
        for (size_t b = 0; b < m->n_opt_bufs && st == CLGAN_STATUS_OK; b++) {
            snprintf(name, sizeof(name), "%soptim.%s", prefix, slots[k][b]);
            st = fn(user, name, 1, &n, bufs[b], 0, m->n_params);
        }
        if (st == CLGAN_STATUS_OK && m->opt.kind == CLGAN_OPTIM_QUICKPROP) {
            /* Quickprop's gradient buffer carries decay * theta into the next epoch */
            snprintf(name, sizeof(name), "%soptim.slope", prefix);
            st = fn(user, name, 1, &n, m->grads, 0, m->n_params);
        }
    }
    return st;
}

struct walk {
    struct clgan_model *m;
    clgan_st_writer *w;
    const clgan_st_file *f;
    char *err;
    size_t err_len;
    float *tmp;
};

static clgan_status add_one(void *user, const char *name, int ndim, const int64_t *shape,
                            cl_mem buf, size_t off, size_t n)
{
    struct walk *wk = user;
    clgan_status st =
        clgan_rt_read(wk->m->ctx, buf, off * sizeof(float), n * sizeof(float), wk->tmp);
    if (st != CLGAN_STATUS_OK)
        return clgan_io_fail(wk->err, wk->err_len, st, "%s", clgan_ctx_last_error(wk->m->ctx));
    return clgan_io_st_writer_add(wk->w, name, CLGAN_ST_F32, ndim, shape, wk->tmp, wk->err,
                                  wk->err_len);
}

static clgan_status load_one(void *user, const char *name, int ndim, const int64_t *shape,
                             cl_mem buf, size_t off, size_t n)
{
    struct walk *wk = user;
    clgan_status st = clgan_io_st_read_f32(wk->f, name, ndim, shape, wk->tmp, wk->err, wk->err_len);
    if (st != CLGAN_STATUS_OK)
        return st;
    st = clgan_rt_write(wk->m->ctx, buf, off * sizeof(float), n * sizeof(float), wk->tmp);
    if (st != CLGAN_STATUS_OK)
        return clgan_io_fail(wk->err, wk->err_len, st, "%s", clgan_ctx_last_error(wk->m->ctx));
    return CLGAN_STATUS_OK;
}

static clgan_status bn_counters(struct walk *wk, const char *prefix, int load)
{
    char name[128];
    int64_t v = wk->m->bn_batches;
    for (int i = 0; i < wk->m->n_layers; i++) {
        const struct clgan_layer *l = &wk->m->layers[i];
        if (l->spec.kind != CLGAN_LAYER_BATCHNORM)
            continue;
        snprintf(name, sizeof(name), "%s%s.num_batches_tracked", prefix, l->name);
        clgan_status st;
        if (!load) {
            st = clgan_io_st_writer_add(wk->w, name, CLGAN_ST_I64, 0, NULL, &v, wk->err,
                                        wk->err_len);
        } else {
            const struct clgan_st_tensor *t = NULL;
            if (!clgan_io_st_find(wk->f, name))
                continue; /* optional, as in PyTorch's state_dicts before 0.4.1 */
            st = clgan_io_st_get(wk->f, name, CLGAN_ST_I64, 0, NULL, &t, wk->err, wk->err_len);
            int64_t n = 0;
            if (st == CLGAN_STATUS_OK)
                memcpy(&n, t->data, sizeof(int64_t));
            if (st == CLGAN_STATUS_OK && n < 0)
                st = clgan_io_fail(wk->err, wk->err_len, CLGAN_STATUS_CORRUPT_FILE,
                                   "tensor %s = %" PRId64 " is negative (a count of batches)", name,
                                   n);
            if (st == CLGAN_STATUS_OK)
                wk->m->bn_batches = n;
        }
        if (st != CLGAN_STATUS_OK)
            return st;
    }
    return CLGAN_STATUS_OK;
}

static clgan_status walk_init(struct walk *wk, struct clgan_model *m, char *err, size_t err_len)
{
    memset(wk, 0, sizeof(*wk));
    wk->m = m;
    wk->err = err;
    wk->err_len = err_len;
    size_t n = m->n_params > m->n_state ? m->n_params : m->n_state;
    wk->tmp = malloc((n ? n : 1) * sizeof(float));
    return wk->tmp ? CLGAN_STATUS_OK
                   : clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                                   "out of host memory for a checkpoint");
}

clgan_status clgan_ckpt_add_model(clgan_st_writer *w, struct clgan_model *m, const char *prefix,
                                  int optim, char *err, size_t err_len)
{
    struct walk wk;
    clgan_status st = walk_init(&wk, m, err, err_len);
    wk.w = w;
    if (st == CLGAN_STATUS_OK)
        st = each_tensor(m, prefix, optim, add_one, &wk);
    if (st == CLGAN_STATUS_OK)
        st = bn_counters(&wk, prefix, 0);
    free(wk.tmp);
    return st;
}

clgan_status clgan_ckpt_load_model(const clgan_st_file *f, struct clgan_model *m,
                                   const char *prefix, int optim, char *err, size_t err_len)
{
    struct walk wk;
    clgan_status st = walk_init(&wk, m, err, err_len);
    wk.f = f;
    if (st == CLGAN_STATUS_OK)
        st = each_tensor(m, prefix, optim, load_one, &wk);
    if (st == CLGAN_STATUS_OK)
        st = bn_counters(&wk, prefix, 1);
    free(wk.tmp);
    return st;
}

/*
 * classify.c - image classifiers (clgan.h, "image classifiers"): settings and their checks,
 * construction (data sets, the network from a preset or a file, device buffers, Adam), release,
 * and what a classifier reports about itself. classify.h says where the other jobs live.
 *
 * The batch: b_main images from the main set (the training set, or the extra set alone with
 * extra_only) and b_sec = round(ratio * batch) from the extra set when it is mixed in. An epoch
 * is one pass over the main set's permutation; the extra set cycles through permutations of
 * its own, independent of the epochs.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/file.h"
#include "nn/preset_classifier.h"
#include "train/classify.h"

#define SHUFFLE_SEED_MIX 0x73687566666c6521ull /* "shuffle!" */
#define EXTRA_SEED_MIX   0x6578747261736574ull /* "extraset" */

clgan_status clgan_cls_fail(struct clgan_classifier *c, clgan_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof(c->err), fmt, ap);
    va_end(ap);
    return st;
}

clgan_status clgan_cls_dev_fail(struct clgan_classifier *c, clgan_status st)
{
    if (st != CLGAN_STATUS_OK)
        snprintf(c->err, sizeof(c->err), "%s", clgan_ctx_last_error(c->ctx));
    return st;
}

struct clgan_classifier_params clgan_classifier_default_params(void)
{
    struct clgan_classifier_params p;
    memset(&p, 0, sizeof(p));
    p.arch = "cnn";
    p.data = "fashion-mnist";
    p.extra_ratio = 0.5;
    p.epochs = 5;
    p.batch = 64;
    p.lr = 1e-3;
    p.beta1 = 0.9;
    p.beta2 = 0.999;
    p.seed = 1;
    return p;
}

static int check_params(const struct clgan_classifier_params *p, char *msg, size_t len)
{
    if (!p->arch || !*p->arch)
        return snprintf(msg, len, "--arch: empty; use cnn, mlp or a network file"), 0;
    if (!p->data || !*p->data)
        return snprintf(msg, len, "--data: empty data set spec"), 0;
    if (p->width < 0 || p->image_size < 0 || p->image_size > 4096)
        return snprintf(msg, len, "--width %d, --image-size %d: need >= 0 (size <= 4096)", p->width,
                        p->image_size),
               0;
    if (p->epochs < 0 || p->batch < 2 || p->batch > 65536)
        return snprintf(msg, len, "--epochs %d, --batch %d: need epochs >= 0, batch 2..65536",
                        p->epochs, p->batch),
               0;
    if (!(p->lr > 0.0 && p->lr < 1e3) || !(p->beta1 >= 0.0 && p->beta1 < 1.0) ||
        !(p->beta2 >= 0.0 && p->beta2 < 1.0) || !(p->weight_decay >= 0.0 && p->weight_decay < 1e3))
        return snprintf(msg, len,
                        "Adam: lr %g, betas %g %g, weight decay %g: need lr > 0, betas in [0, 1), "
                        "decay >= 0",
                        p->lr, p->beta1, p->beta2, p->weight_decay),
               0;
    if (!(p->extra_ratio >= 0.0 && p->extra_ratio <= 1.0))
        return snprintf(msg, len, "--extra-ratio %g is outside [0, 1]", p->extra_ratio), 0;
    if (p->extra_only && !p->extra)
        return snprintf(msg, len, "--extra-only needs an extra set (--extra DIR)"), 0;
    if (p->per_class < 0 || p->test_max < 0)
        return snprintf(msg, len, "--per-class %d, --test-max %lld: need >= 0", p->per_class,
                        p->test_max),
               0;
    return 1;
}

/* ---------------------------------------------------------------- device side */

static clgan_status alloc_bytes(struct clgan_classifier *c, size_t bytes, const char *what,
                                cl_mem *out)
{
    return clgan_rt_alloc(c->ctx, bytes ? bytes : 4, what, out);
}

static void release(struct clgan_classifier *c, cl_mem *m, size_t bytes)
{
    if (*m)
        clgan_rt_release(c->ctx, *m, bytes ? bytes : 4);
    *m = NULL;
}

clgan_status clgan_cls_upload(struct clgan_classifier *c, struct clgan_cls_set *s, int perm,
                              const char *what)
{
    const struct clgan_dataset *ds = &s->ds;
    size_t img = (size_t)ds->channels * (size_t)ds->height * (size_t)ds->width, k = (size_t)c->k;
    uint8_t *hot = calloc(ds->count ? ds->count * k : 1, 1);
    s->perm_host = malloc((ds->count ? ds->count : 1) * sizeof(int32_t));
    if (!hot || !s->perm_host) {
        free(hot);
        return clgan_cls_fail(c, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "%s: out of host memory", what);
    }
    for (size_t i = 0; i < ds->count; i++) {
        if (ds->labels)
            hot[i * k + ds->labels[i]] = 1;
        s->perm_host[i] = (int32_t)i; /* identity until the first shuffle */
    }
    s->u8_bytes = ds->count * img;
    s->hot_bytes = ds->count * k;
    clgan_status st = alloc_bytes(c, s->u8_bytes, what, &s->u8);
    if (st == CLGAN_STATUS_OK && ds->labels)
        st = alloc_bytes(c, s->hot_bytes, "class targets", &s->hot);
    if (st == CLGAN_STATUS_OK && perm)
        st = alloc_bytes(c, ds->count * sizeof(int32_t), "image order", &s->perm);
    if (st == CLGAN_STATUS_OK)
        st = clgan_rt_write(c->ctx, s->u8, 0, s->u8_bytes, ds->pixels);
    if (st == CLGAN_STATUS_OK && ds->labels)
        st = clgan_rt_write(c->ctx, s->hot, 0, s->hot_bytes, hot);
    if (st == CLGAN_STATUS_OK && perm)
        st = clgan_rt_write(c->ctx, s->perm, 0, ds->count * sizeof(int32_t), s->perm_host);
    free(hot);
    return clgan_cls_dev_fail(c, st);
}

void clgan_cls_set_free(struct clgan_classifier *c, struct clgan_cls_set *s)
{
    release(c, &s->u8, s->u8_bytes);
    release(c, &s->hot, s->hot_bytes);
    release(c, &s->perm, s->ds.count * sizeof(int32_t));
    free(s->perm_host);
    s->perm_host = NULL;
    clgan_data_free(&s->ds);
}

/* Where the features are: the input of the last layer, when it is linear. */
static void find_features(struct clgan_classifier *c)
{
    const struct clgan_layer *l = &c->m->layers[c->m->n_layers - 1];
    c->n_feat = 0;
    if (l->spec.kind != CLGAN_LAYER_LINEAR || l->n_in != 1)
        return;
    c->feat_src = l->src[0] >= 0 ? l->src[0] : -1;
    c->feat_shape = l->in;
    c->n_feat = l->in.h * l->in.w > 1 ? l->in.c : (int)clgan_shape_size(l->in);
}

clgan_status clgan_cls_build(struct clgan_classifier *c)
{
    clgan_status st = clgan_model_init_net(c->ctx, &c->net, c->max_batch, "main", &c->m);
    if (st != CLGAN_STATUS_OK)
        return clgan_cls_dev_fail(c, st);
    find_features(c);
    size_t b = (size_t)c->max_batch, img = (size_t)c->nc * (size_t)c->size * (size_t)c->size;
    st = alloc_bytes(c, b * img * sizeof(float), "classifier batch", &c->x);
    if (st == CLGAN_STATUS_OK)
        st = alloc_bytes(c, b * (size_t)c->k * sizeof(float), "batch targets", &c->t);
    if (st == CLGAN_STATUS_OK)
        st = alloc_bytes(c, b * (size_t)c->k * sizeof(float), "logit gradients", &c->delta);
    return clgan_cls_dev_fail(c, st);
}

void clgan_classifier_free(clgan_classifier *c)
{
    if (!c)
        return;
    size_t b = (size_t)c->max_batch, img = (size_t)c->nc * (size_t)c->size * (size_t)c->size;
    clgan_cls_set_free(c, &c->train);
    clgan_cls_set_free(c, &c->xtra);
    clgan_cls_set_free(c, &c->tst);
    release(c, &c->x, b * img * sizeof(float));
    release(c, &c->t, b * (size_t)c->k * sizeof(float));
    release(c, &c->delta, b * (size_t)c->k * sizeof(float));
    release(c, &c->slots, 2 * (size_t)c->steps * sizeof(float));
    clgan_model_free(c->m);
    clgan_data_free_names(c->class_names, c->k);
    free(c->slots_host);
    free(c->rows_host);
    free(c->arch);
    free(c->data);
    free(c->test);
    free(c->extra);
    free(c);
}

/* ---------------------------------------------------------------- construction */

/* The network: a preset at the data's size, or a file whose input is one image and whose
 * output is one logit per class (classes 0: take the file's count). */
static clgan_status make_net(struct clgan_classifier *c, const char *arch, int nc, int size,
                             int classes, char *msg, size_t len)
{
    if (clgan_preset_classifier_known(arch))
        return clgan_preset_classifier(arch, nc, size, classes, c->p.width, &c->net, msg, len);
    char *text = NULL, err[1024];
    size_t n;
    clgan_status st = clgan_io_read_file(arch, (size_t)1 << 24, &text, &n, err, sizeof(err));
    if (st != CLGAN_STATUS_OK) {
        snprintf(msg, len, "--arch: '%s' is not cnn, mlp or a readable network file (%s)", arch,
                 err);
        return CLGAN_STATUS_INVALID_ARGUMENT;
    }
    st = clgan_net_from_json(text, &c->net, err, sizeof(err));
    free(text);
    if (st != CLGAN_STATUS_OK) {
        snprintf(msg, len, "--arch %s: %s", arch, err);
        return CLGAN_STATUS_INVALID_ARGUMENT;
    }
    return CLGAN_STATUS_OK;
}

clgan_status clgan_cls_check_net(struct clgan_classifier *c, const char *arch, char *msg,
                                 size_t len)
{
    struct clgan_shape out[CLGAN_MAX_LAYERS];
    const struct clgan_net_input *in = &c->net.inputs[0];
    if (c->net.n_inputs != 1 || in->classes || (in->shape.c != 1 && in->shape.c != 3) ||
        in->shape.h != in->shape.w) {
        snprintf(msg, len,
                 "--arch %s: a classifier reads one input of square images with 1 or 3 channels "
                 "(this network has %d input(s), the first [%d, %d, %d]%s)",
                 arch, c->net.n_inputs, in->shape.c, in->shape.h, in->shape.w,
                 in->classes ? ", a label input" : "");
        return CLGAN_STATUS_INVALID_ARGUMENT;
    }
    clgan_status st = clgan_net_shapes(&c->net, out, msg, len);
    if (st != CLGAN_STATUS_OK)
        return st;
    struct clgan_shape o = out[c->net.n_layers - 1];
    if (o.h != 1 || o.w != 1 || o.c < 2) {
        snprintf(msg, len, "--arch %s: the output is [%d, %d, %d], not one logit per class", arch,
                 o.c, o.h, o.w);
        return CLGAN_STATUS_INVALID_ARGUMENT;
    }
    c->nc = in->shape.c;
    c->size = in->shape.h;
    c->k = o.c;
    return CLGAN_STATUS_OK;
}

static char *dup_or_null(const char *s, int *oom)
{
    char *d = s ? strdup(s) : NULL;
    *oom |= s && !d;
    return d;
}

/* Images per batch from each set and steps per epoch. */
static clgan_status plan_batches(struct clgan_classifier *c, char *msg, size_t len)
{
    const struct clgan_classifier_params *p = &c->p;
    int only = p->extra_only || (p->extra && p->extra_ratio >= 1.0);
    c->main_set = only ? &c->xtra : &c->train;
    c->sec = p->extra && !only && p->extra_ratio > 0.0;
    c->sec_set = c->sec ? &c->xtra : NULL;
    c->b_sec = 0;
    if (c->sec) {
        long b = lround(p->extra_ratio * p->batch);
        c->b_sec = (int)(b < 1 ? 1 : b > p->batch - 1 ? p->batch - 1 : b);
    }
    c->b_main = p->batch - c->b_sec;
    size_t n = c->main_set->ds.count;
    if (n < 2) {
        snprintf(msg, len, "%s: %zu training images; need at least 2", only ? "--extra" : "--data",
                 n);
        return CLGAN_STATUS_INVALID_ARGUMENT;
    }
    if (c->sec && c->xtra.ds.count < (size_t)c->b_sec) {
        snprintf(msg, len,
                 "--extra %s: %zu images are fewer than the %d a batch draws from it (--batch %d, "
                 "--extra-ratio %g)",
                 p->extra, c->xtra.ds.count, c->b_sec, p->batch, p->extra_ratio);
        return CLGAN_STATUS_INVALID_ARGUMENT;
    }
    size_t b = (size_t)c->b_main;
    c->steps = (long long)((n + b - 1) / b);
    if (n % b == 1) /* a batch of one image has no batch statistics: leave it out */
        c->steps--;
    return CLGAN_STATUS_OK;
}

static clgan_status load_sets(struct clgan_classifier *c, char *msg, size_t len)
{
    const struct clgan_classifier_params *p = &c->p;
    int file = !clgan_preset_classifier_known(p->arch);
    int nc = file ? c->nc : 1;
    int size = file ? c->size : p->image_size ? p->image_size : 28; /* of folder images */
    clgan_status st = CLGAN_STATUS_OK;
    if (!p->extra_only) {
        st = clgan_cls_load(p->data, 0, 0, nc, size, 0, "--data", &c->train.ds, msg, len);
        if (st != CLGAN_STATUS_OK)
            return st;
    }
    if (p->extra) {
        st = clgan_cls_load(p->extra, 0, 0, nc, size, 0, "--extra", &c->xtra.ds, msg, len);
        if (st != CLGAN_STATUS_OK)
            return st;
        if (!p->extra_only && c->xtra.ds.n_classes != c->train.ds.n_classes) {
            snprintf(msg, len, "--extra %s: %d classes, but the training data (%s) has %d",
                     p->extra, c->xtra.ds.n_classes, p->data, c->train.ds.n_classes);
            return CLGAN_STATUS_INVALID_ARGUMENT;
        }
    }
    const struct clgan_dataset *lab = p->extra_only ? &c->xtra.ds : &c->train.ds;
    int k = lab->n_classes;
    if (k < 2) {
        snprintf(msg, len, "%s: labels of %d class; a classifier needs at least 2",
                 p->extra_only ? p->extra : p->data, k);
        return CLGAN_STATUS_INVALID_ARGUMENT;
    }
    if (file && k > c->k) {
        snprintf(msg, len, "--arch %s: %d logits, but %s has labels up to %d", p->arch, c->k,
                 p->extra_only ? p->extra : p->data, k - 1);
        return CLGAN_STATUS_INVALID_ARGUMENT;
    }
    if (!file)
        c->k = k;
    if (p->per_class) { /* of the set trained on: the extra set with extra_only */
        st = clgan_data_keep_per_class(p->extra_only ? &c->xtra.ds : &c->train.ds,
                                       (size_t)p->per_class, p->extra_only ? p->extra : p->data,
                                       msg, len);
        if (st != CLGAN_STATUS_OK)
            return st;
    }
    const char *test = p->test ? p->test : p->data;
    if (strcmp(test, "none")) {
        st = clgan_cls_load(test, p->test ? 2 : 1, 0, nc, file ? c->size : lab->height, p->test_max,
                            "--test", &c->tst.ds, msg, len);
        if (st != CLGAN_STATUS_OK)
            return st;
        if (c->tst.ds.n_classes > c->k) {
            snprintf(msg, len, "--test %s: labels up to %d, but the classifier has %d classes",
                     test, c->tst.ds.n_classes - 1, c->k);
            return CLGAN_STATUS_INVALID_ARGUMENT;
        }
    }
    /* the classes are named by the training data, else (an extra set alone) by the test set
     * when it has names */
    const struct clgan_dataset *named = !p->extra_only          ? &c->train.ds
                                        : c->tst.ds.class_names ? &c->tst.ds
                                                                : &c->xtra.ds;
    return clgan_data_copy_names(named, c->k, &c->class_names, msg, len);
}

clgan_status clgan_classifier_init(clgan_ctx *ctx, const struct clgan_classifier_params *params,
                                   clgan_classifier **out, char *msg, size_t msg_len)
{
    *out = NULL;
    if (!check_params(params, msg, msg_len))
        return CLGAN_STATUS_INVALID_ARGUMENT;
    struct clgan_classifier *c = calloc(1, sizeof(*c));
    if (!c)
        return snprintf(msg, msg_len, "out of host memory"), CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    c->ctx = ctx;
    c->p = *params;
    int oom = 0;
    c->arch = dup_or_null(params->arch, &oom);
    c->data = dup_or_null(params->data, &oom);
    c->extra = dup_or_null(params->extra, &oom);
    const char *test = params->test ? params->test : params->data;
    c->test = dup_or_null(strcmp(test, "none") ? test : NULL, &oom);
    c->p.arch = c->arch;
    c->p.data = c->data;
    c->p.extra = c->extra;
    c->p.test = params->test ? params->test : NULL;
    clgan_status st = CLGAN_STATUS_OK;
    if (oom) {
        st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
        snprintf(msg, msg_len, "out of host memory");
        goto out;
    }
    int file = !clgan_preset_classifier_known(c->arch);
    /* a file fixes the input size and the classes before the data are read */
    if (file && ((st = make_net(c, c->arch, 0, 0, 0, msg, msg_len)) != CLGAN_STATUS_OK ||
                 (st = clgan_cls_check_net(c, c->arch, msg, msg_len)) != CLGAN_STATUS_OK))
        goto out;
    if ((st = load_sets(c, msg, msg_len)) != CLGAN_STATUS_OK)
        goto out;
    if (!file) {
        const struct clgan_dataset *d = params->extra_only ? &c->xtra.ds : &c->train.ds;
        c->nc = 1;
        c->size = params->image_size ? params->image_size : d->height;
        st = make_net(c, c->arch, c->nc, c->size, c->k, msg, msg_len);
        if (st != CLGAN_STATUS_OK)
            goto out;
    }
    if ((st = plan_batches(c, msg, msg_len)) != CLGAN_STATUS_OK)
        goto out;
    c->has_data = 1;
    c->max_batch = params->batch;
    c->train.shuffle_state = params->seed ^ SHUFFLE_SEED_MIX;
    c->xtra.shuffle_state = params->seed ^ EXTRA_SEED_MIX;
    c->xtra.pos = c->xtra.ds.count; /* a fresh permutation before the first draw */
    c->slots_host = malloc(2 * (size_t)c->steps * sizeof(float));
    c->rows_host = malloc((size_t)c->steps * sizeof(int));
    if (!c->slots_host || !c->rows_host) {
        st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
        snprintf(msg, msg_len, "out of host memory");
        goto out;
    }
    if ((st = clgan_cls_build(c)) != CLGAN_STATUS_OK)
        goto fail;
    if (!params->extra_only)
        st = clgan_cls_upload(c, &c->train, 1, "training images");
    if (st == CLGAN_STATUS_OK && params->extra)
        st = clgan_cls_upload(c, &c->xtra, 1, "extra images");
    if (st == CLGAN_STATUS_OK && c->tst.ds.count)
        st = clgan_cls_upload(c, &c->tst, 1, "test images");
    if (st != CLGAN_STATUS_OK)
        goto fail;
    st = alloc_bytes(c, 2 * (size_t)c->steps * sizeof(float), "loss slots", &c->slots);
    if (st == CLGAN_STATUS_OK)
        st = clgan_model_init_params(c->m, params->seed);
    struct clgan_optim o = {.kind = CLGAN_OPTIM_ADAM,
                            .lr = (float)params->lr,
                            .beta1 = (float)params->beta1,
                            .beta2 = (float)params->beta2,
                            .eps = 1e-8f,
                            .weight_decay = (float)params->weight_decay};
    if (st == CLGAN_STATUS_OK)
        st = clgan_model_optim_init(c->m, &o);
    if (st == CLGAN_STATUS_OK)
        goto out;
    clgan_cls_dev_fail(c, st);
fail:
    snprintf(msg, msg_len, "%s", c->err);
out:
    if (st != CLGAN_STATUS_OK)
        clgan_classifier_free(c);
    else
        *out = c;
    return st;
}

void clgan_classifier_get_info(const clgan_classifier *c, struct clgan_classifier_info *info)
{
    memset(info, 0, sizeof(*info));
    info->classes = c->k;
    info->channels = c->nc;
    info->size = c->size;
    info->n_params = c->m ? c->m->n_params : 0;
    info->n_train = c->train.ds.count;
    info->n_extra = c->xtra.ds.count;
    info->n_test = c->tst.ds.count;
    info->batch_train = c->main_set == &c->train ? c->b_main : 0;
    info->batch_extra = c->main_set == &c->xtra ? c->b_main : c->b_sec;
    info->steps_per_epoch = c->steps;
    info->features = c->n_feat;
    info->epochs = c->epochs;
    info->arch = c->arch;
    info->class_names = (const char *const *)c->class_names;
    info->data = c->data;
    info->test = c->has_data ? c->test : NULL;
    info->extra = c->extra;
}

const char *clgan_classifier_last_error(const clgan_classifier *c)
{
    return c->err;
}

clgan_status clgan_classifier_preset_json(const char *arch, int channels, int size, int classes,
                                          int width, char **json, char *msg, size_t msg_len)
{
    struct clgan_net_spec *net = malloc(sizeof(*net));
    *json = NULL;
    if (!net)
        return snprintf(msg, msg_len, "out of host memory"), CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    clgan_status st =
        clgan_preset_classifier(arch, channels, size, classes, width, net, msg, msg_len);
    if (st == CLGAN_STATUS_OK && (st = clgan_net_to_json(net, json)) != CLGAN_STATUS_OK)
        snprintf(msg, msg_len, "out of host memory");
    free(net);
    return st;
}

/*
 * classify_eval.c - evaluation of the image classifiers: logits of a set on the device in
 * batches (running batch-norm statistics), the class decision, the test confusion matrix, and
 * prediction of host images or of a data set by spec.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/classify.h"

int clgan_cls_argmax(const float *v, int k)
{
    int best = 0;
    for (int q = 0; q < k; q++) {
        if (isnan(v[q]))
            return -1;
        if (v[q] > v[best])
            best = q;
    }
    return best;
}

/* Read b images' features after a forward: the input of the last (linear) layer, a feature map
 * averaged over its positions. scratch holds b x the map. */
static clgan_status read_features(struct clgan_classifier *c, size_t b, float *scratch, float *feat)
{
    size_t per = clgan_shape_size(c->feat_shape), hw = (size_t)c->feat_shape.h * c->feat_shape.w;
    size_t nf = (size_t)c->n_feat;
    cl_mem src = c->feat_src >= 0 ? c->m->act : c->x;
    size_t off = c->feat_src >= 0 ? c->m->layers[c->feat_src].y_off : 0;
    clgan_status st = clgan_rt_read(c->ctx, src, off * sizeof(float), b * per * sizeof(float),
                                    hw > 1 ? scratch : feat);
    if (st != CLGAN_STATUS_OK || hw <= 1)
        return st;
    for (size_t i = 0; i < b; i++)
        for (size_t ch = 0; ch < nf; ch++) {
            const float *v = scratch + i * per + ch * hw;
            double sum = 0.0;
            for (size_t p = 0; p < hw; p++)
                sum += v[p];
            feat[i * nf + ch] = (float)(sum / (double)hw);
        }
    return CLGAN_STATUS_OK;
}

clgan_status clgan_cls_logits(struct clgan_classifier *c, const struct clgan_cls_set *s,
                              size_t first, size_t n, float *out, float *feat)
{
    size_t k = (size_t)c->k, off = clgan_model_output_off(c->m), nf = (size_t)c->n_feat;
    struct clgan_ops_u8_set set = {.data = s->u8,
                                   .count = s->ds.count,
                                   .c = (size_t)s->ds.channels,
                                   .hs = (size_t)s->ds.height,
                                   .ws = (size_t)s->ds.width};
    float *scratch = NULL;
    if (feat &&
        !(scratch = malloc((size_t)c->max_batch * clgan_shape_size(c->feat_shape) * sizeof(float))))
        return clgan_cls_fail(c, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                              "out of host memory for %d images' features", c->max_batch);
    clgan_status st = CLGAN_STATUS_OK;
    for (size_t done = 0; done < n && st == CLGAN_STATUS_OK;) {
        size_t b = n - done < (size_t)c->max_batch ? n - done : (size_t)c->max_batch;
        st = clgan_ops_elt_gather_u8(c->ctx, &set, s->perm, first + done, b, (size_t)c->size,
                                     (size_t)c->size, 2.0f / 255.0f, -1.0f, c->x, 0);
        if (st == CLGAN_STATUS_OK)
            st = clgan_model_forward(c->m, c->x, 0, (int)b, CLGAN_FWD_EVAL);
        if (st == CLGAN_STATUS_OK)
            st = clgan_rt_read(c->ctx, c->m->act, off * sizeof(float), b * k * sizeof(float),
                               out + done * k);
        if (st == CLGAN_STATUS_OK && feat)
            st = read_features(c, b, scratch, feat + done * nf);
        done += b;
    }
    free(scratch);
    return clgan_cls_dev_fail(c, st);
}

/* Logits of a whole set to classes (cls, may be NULL), softmax probabilities (prob, may be
 * NULL) and features (feat, may be NULL). */
static clgan_status classify_set(struct clgan_classifier *c, const struct clgan_cls_set *s,
                                 int *cls, float *prob, float *feat)
{
    size_t n = s->ds.count, k = (size_t)c->k;
    clgan_status st = clgan_cls_bn_refresh(c);
    if (st != CLGAN_STATUS_OK)
        return st;
    float *o = prob ? prob : malloc((n ? n : 1) * k * sizeof(float));
    if (!o)
        return clgan_cls_fail(c, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                              "out of host memory for %zu images' logits", n);
    st = clgan_cls_logits(c, s, 0, n, o, feat);
    for (size_t i = 0; st == CLGAN_STATUS_OK && i < n; i++) {
        float *v = o + i * k, mx = v[0];
        if (cls)
            cls[i] = clgan_cls_argmax(v, (int)k);
        if (!prob)
            continue;
        double sum = 0.0;
        for (size_t q = 1; q < k; q++)
            mx = v[q] > mx ? v[q] : mx;
        for (size_t q = 0; q < k; q++)
            sum += exp((double)v[q] - mx);
        for (size_t q = 0; q < k; q++)
            v[q] = (float)(exp((double)v[q] - mx) / sum);
    }
    if (o != prob)
        free(o);
    return st;
}

clgan_status clgan_classifier_confusion(clgan_classifier *c, int *conf)
{
    size_t n = c->tst.ds.count, k = (size_t)c->k;
    if (!n)
        return clgan_cls_fail(c, CLGAN_STATUS_INVALID_ARGUMENT,
                              "this classifier has no test set (--test SPEC)");
    int *cls = malloc(n * sizeof(int));
    if (!cls)
        return clgan_cls_fail(c, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "out of host memory");
    clgan_status st = classify_set(c, &c->tst, cls, NULL, NULL);
    memset(conf, 0, k * (k + 1) * sizeof(int));
    for (size_t i = 0; st == CLGAN_STATUS_OK && i < n; i++)
        conf[(size_t)c->tst.ds.labels[i] * (k + 1) + (cls[i] < 0 ? k : (size_t)cls[i])]++;
    free(cls);
    return st;
}

/* Classify the images of ds (borrowed: not freed here) through a set made for the call. */
static clgan_status classify_ds(struct clgan_classifier *c, struct clgan_dataset *ds, int *cls,
                                float *prob, float *feat)
{
    if (ds->channels != c->nc)
        return clgan_cls_fail(c, CLGAN_STATUS_INVALID_ARGUMENT,
                              "images of %d channel(s), but the classifier reads %d", ds->channels,
                              c->nc);
    if (!ds->count)
        return CLGAN_STATUS_OK;
    struct clgan_cls_set s;
    memset(&s, 0, sizeof(s));
    s.ds = *ds;
    s.ds.labels = NULL; /* no targets needed */
    clgan_status st = clgan_cls_upload(c, &s, 1, "images to classify");
    if (st == CLGAN_STATUS_OK)
        st = classify_set(c, &s, cls, prob, feat);
    memset(&s.ds, 0, sizeof(s.ds)); /* the caller's */
    clgan_cls_set_free(c, &s);
    return st;
}

clgan_status clgan_classifier_predict(clgan_classifier *c, const uint8_t *images, size_t n,
                                      int channels, int height, int width, int *cls, float *prob)
{
    if (!images || height < 1 || width < 1 || height > 65536 || width > 65536)
        return clgan_cls_fail(c, CLGAN_STATUS_INVALID_ARGUMENT, "predict: bad images (%dx%d)",
                              height, width);
    struct clgan_dataset ds = {.count = n,
                               .channels = channels,
                               .height = height,
                               .width = width,
                               .pixels = (uint8_t *)images};
    return classify_ds(c, &ds, cls, prob, NULL);
}

clgan_status clgan_classifier_features(clgan_classifier *c, const uint8_t *images, size_t n,
                                       int channels, int height, int width, float *features,
                                       float *prob)
{
    if (features && !c->n_feat)
        return clgan_cls_fail(c, CLGAN_STATUS_INVALID_ARGUMENT,
                              "%s: features are the input of the last layer, which must be "
                              "linear (this network ends with a layer of kind %s)",
                              c->arch, c->m->layers[c->m->n_layers - 1].ops->name);
    if (!images || height < 1 || width < 1 || height > 65536 || width > 65536)
        return clgan_cls_fail(c, CLGAN_STATUS_INVALID_ARGUMENT, "features: bad images (%dx%d)",
                              height, width);
    struct clgan_dataset ds = {.count = n,
                               .channels = channels,
                               .height = height,
                               .width = width,
                               .pixels = (uint8_t *)images};
    return classify_ds(c, &ds, NULL, prob, features);
}

void clgan_classifier_pred_free(struct clgan_classifier_pred *p)
{
    if (!p)
        return;
    free(p->cls);
    free(p->target);
    free(p->prob);
    memset(p, 0, sizeof(*p));
}

clgan_status clgan_classifier_predict_data(clgan_classifier *c, const char *spec, int test,
                                           long long max, struct clgan_classifier_pred *out)
{
    memset(out, 0, sizeof(*out));
    struct clgan_dataset ds;
    char err[2048];
    clgan_status st =
        clgan_cls_load(spec, test ? 2 : 0, 1, c->nc, c->size, max, "--data", &ds, err, sizeof(err));
    if (st != CLGAN_STATUS_OK)
        return clgan_cls_fail(c, st, "%s", err);
    if (ds.labels && ds.n_classes > c->k) {
        st = clgan_cls_fail(c, CLGAN_STATUS_INVALID_ARGUMENT,
                            "--data %s: labels up to %d, but the classifier has %d classes", spec,
                            ds.n_classes - 1, c->k);
        goto out;
    }
    size_t n = ds.count ? ds.count : 1;
    out->n = ds.count;
    out->cls = malloc(n * sizeof(int));
    out->prob = malloc(n * (size_t)c->k * sizeof(float));
    out->target = ds.labels ? malloc(n * sizeof(int)) : NULL;
    if (!out->cls || !out->prob || (ds.labels && !out->target)) {
        st = clgan_cls_fail(c, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "out of host memory");
        goto out;
    }
    for (size_t i = 0; ds.labels && i < ds.count; i++)
        out->target[i] = ds.labels[i];
    st = classify_ds(c, &ds, out->cls, out->prob, NULL);
out:
    clgan_data_free(&ds);
    if (st != CLGAN_STATUS_OK)
        clgan_classifier_pred_free(out);
    return st;
}

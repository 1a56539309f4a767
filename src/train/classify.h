/*
 * classify.h - the image classifiers of clgan.h ("image classifiers"): the struct their files
 * share and the helpers between them. classify.c: settings, construction, release;
 * classify_data.c: labelled data sets by spec through the data layer; classify_train.c: the epoch
 * on the device; classify_eval.c: test confusion and prediction; classify_file.c: save and load.
 * Nothing outside src/train/ and the tests should use this header.
 */
#ifndef CLGAN_TRAIN_CLASSIFY_H
#define CLGAN_TRAIN_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "clgan.h"
#include "data/data.h"
#include "nn/nn.h"
#include "ops/elt.h"

/* A labelled set on the device: images, one-hot targets as K x 1 x 1 bytes (gathered into float
 * targets by the same kernel as the images), the epoch's permutation. */
struct clgan_cls_set {
    struct clgan_dataset ds;
    cl_mem u8, hot, perm;
    size_t u8_bytes, hot_bytes;
    int32_t *perm_host;
    uint64_t shuffle_state;
    size_t pos; /* next permutation position (the extra set cycles through its own) */
};

struct clgan_classifier {
    clgan_ctx *ctx;
    struct clgan_classifier_params p;
    char *arch, *data, *test, *extra; /* owned copies of the specs */
    struct clgan_net_spec net;
    int k, nc, size;
    char **class_names;

    struct clgan_model *m;
    int max_batch;
    int has_data;
    struct clgan_cls_set train, xtra, tst;
    int b_main, b_sec; /* images per full batch from the main and the secondary set */
    int sec;           /* the secondary set is used (the extra set mixed into batches) */
    struct clgan_cls_set *main_set, *sec_set;
    long long steps;    /* per epoch */
    cl_mem x, t, delta; /* the batch: images, one-hot targets, dLoss/dlogits */
    cl_mem slots;       /* per step: loss, then accuracy */
    cl_mem ident;       /* 0, 1, 2, ... (test and prediction gathers) */
    size_t ident_n;
    float *slots_host;
    int *rows_host; /* per step: rows of the batch */
    int epochs;
    int bn_stale; /* trained since the batch-norm statistics were last refreshed */
    clgan_classifier_step_fn prog_fn; /* in-epoch progress (NULL: none) */
    void *prog_user;
    double prog_s;
    /* features (clgan_classifier_features): the input of the last layer when it is linear, the
     * output of layer feat_src (-1: the model's input), feat_shape per image, n_feat values
     * after averaging a feature map over its positions; n_feat 0 when the last layer is not
     * linear */
    int feat_src, n_feat;
    struct clgan_shape feat_shape;
    char err[2048];
};

/* Set the classifier's message (printf format) and return st. */
clgan_status clgan_cls_fail(struct clgan_classifier *c, clgan_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A device failure: the context's message becomes the classifier's. Returns st. */
clgan_status clgan_cls_dev_fail(struct clgan_classifier *c, clgan_status st);

/* ---------------------------------------------------------------- data (classify_data.c) */

/*
 * Load a labelled data set by spec (see clgan.h) as gray (channels 1) or RGB: a data layer spec
 * (clgan_data_load), or a folder DIR as mnist:DIR; idx:FILE takes the labels file beside it
 * (clgan_data_idx_labels_beside). test 0: the training files; 1: the test split of
 * fashion-mnist, mnist:DIR or DIR (the default test set of a training spec; other specs have
 * none); 2: a set named as a test set (its test split where it has one, else the set itself).
 * size is the folder images' size; max > 0 keeps the first max images. what names the flag in
 * messages ("--data", "--test", "--extra"). A set without labels is INVALID_ARGUMENT unless
 * unlabelled_ok (then ds.labels is NULL).
 */
clgan_status clgan_cls_load(const char *spec, int test, int unlabelled_ok, int channels, int size,
                            long long max, const char *what, struct clgan_dataset *out, char *err,
                            size_t err_len);

/* ---------------------------------------------------------------- shared device helpers */

/* Put a set's images and one-hot targets (k classes; none without labels) on the device, with a
 * permutation buffer (the identity until shuffled) when perm is set. */
clgan_status clgan_cls_upload(struct clgan_classifier *c, struct clgan_cls_set *s, int perm,
                              const char *what);
void clgan_cls_set_free(struct clgan_classifier *c, struct clgan_cls_set *s);
/* Allocate the batch buffers and the identity indices for a model of max_batch. */
clgan_status clgan_cls_alloc_batch(struct clgan_classifier *c);
/* c->net fits a classifier (one image input of 1 or 3 channels, square; a flat output of at
 * least 2 logits): sets nc, size and k, or INVALID_ARGUMENT naming arch (the file) in msg. */
clgan_status clgan_cls_check_net(struct clgan_classifier *c, const char *arch, char *msg,
                                 size_t len);
/* Build the model from c->net for c->max_batch. */
clgan_status clgan_cls_build(struct clgan_classifier *c);

/* Refresh the batch-norm running statistics for the current weights when training has changed
 * them (see classify_train.c); evaluation and saving call it first. */
clgan_status clgan_cls_bn_refresh(struct clgan_classifier *c);

/* Logits of the n images of a set on the device (from image first) into out (n x k, host), and
 * their features into feat (n x n_feat; NULL: not read). */
clgan_status clgan_cls_logits(struct clgan_classifier *c, const struct clgan_cls_set *s,
                              size_t first, size_t n, float *out, float *feat);
/* The class of the largest logit (the first of equal ones); -1 when one is NaN. */
int clgan_cls_argmax(const float *v, int k);

#endif /* CLGAN_TRAIN_CLASSIFY_H */

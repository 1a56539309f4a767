/*
 * classify_train.c - training of the image classifiers: one epoch, all of it on the device.
 *
 *   at the epoch's start:  a fresh permutation of the main set, uploaded once
 *   each step:             gather b_main images of the main set and their one-hot targets by
 *                          the permutation (uint8 -> [-1, 1], centred to the input size), and
 *                          b_sec of the extra set behind them by its own permutation (a new one
 *                          when it runs out); forward (batch statistics); softmax cross-entropy
 *                          (mean over the batch) gives dLoss/dlogits, the loss and the batch
 *                          accuracy into this step's slots; backward (no input gradient); Adam.
 *   at the epoch's end:    the slots are read back once (with progress reports, also the first
 *                          steps' slots, about once a second: clgan_classifier_set_progress).
 * Nothing is allocated in a step. The last batch of an epoch takes what is left of the main set
 * (and a proportional share of extra images).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ops/loss.h"
#include "train/classify.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A new permutation of the set, on the device. */
static clgan_status reshuffle(struct clgan_classifier *c, struct clgan_cls_set *s)
{
    char err[256];
    clgan_status st =
        clgan_data_shuffle(s->perm_host, s->ds.count, &s->shuffle_state, err, sizeof(err));
    if (st != CLGAN_STATUS_OK)
        return clgan_cls_fail(c, st, "%s", err);
    s->pos = 0;
    return clgan_cls_dev_fail(
        c, clgan_rt_write(c->ctx, s->perm, 0, s->ds.count * sizeof(int32_t), s->perm_host));
}

/* Images perm[first .. first + n) of a set and their targets into batch rows at, at + n. */
static clgan_status gather(struct clgan_classifier *c, const struct clgan_cls_set *s, size_t first,
                           size_t n, size_t at)
{
    size_t img = (size_t)c->nc * (size_t)c->size * (size_t)c->size, k = (size_t)c->k;
    struct clgan_ops_u8_set set = {.data = s->u8,
                                   .count = s->ds.count,
                                   .c = (size_t)s->ds.channels,
                                   .hs = (size_t)s->ds.height,
                                   .ws = (size_t)s->ds.width};
    struct clgan_ops_u8_set hot = {.data = s->hot, .count = s->ds.count, .c = k, .hs = 1, .ws = 1};
    clgan_status st =
        clgan_ops_elt_gather_u8(c->ctx, &set, s->perm, first, n, (size_t)c->size, (size_t)c->size,
                                2.0f / 255.0f, -1.0f, c->x, at * img);
    if (st == CLGAN_STATUS_OK)
        st = clgan_ops_elt_gather_u8(c->ctx, &hot, s->perm, first, n, 1, 1, 1.0f, 0.0f, c->t,
                                     at * k);
    return st;
}

/* One step on `rows` images of the main set from permutation position first. */
static clgan_status step(struct clgan_classifier *c, long long i, size_t first, int rows)
{
    struct clgan_model *m = c->m;
    int sec = 0;
    clgan_status st = CLGAN_STATUS_OK;
    if (c->sec) {
        sec = rows == c->b_main ? c->b_sec : (rows * c->b_sec + c->b_main / 2) / c->b_main;
        if (sec > 0 && c->xtra.pos + (size_t)sec > c->xtra.ds.count)
            st = reshuffle(c, &c->xtra);
    }
    if (st != CLGAN_STATUS_OK)
        return st;
    st = gather(c, c->main_set, first, (size_t)rows, 0);
    if (st == CLGAN_STATUS_OK && sec > 0)
        st = gather(c, &c->xtra, c->xtra.pos, (size_t)sec, (size_t)rows);
    c->xtra.pos += (size_t)sec;
    int b = rows + sec;
    if (st == CLGAN_STATUS_OK)
        st = clgan_model_forward(m, c->x, 0, b, CLGAN_FWD_TRAIN);
    if (st == CLGAN_STATUS_OK) {
        /* logits, one-hot targets and their gradient: b rows of k; the step's loss and accuracy
         * into slots i and steps + i */
        struct clgan_tensor x = clgan_model_output(m, b);
        struct clgan_tensor t = clgan_tensor_view(c->t, 0, CLGAN_DTYPE_F32, b, c->k, 1, 1);
        struct clgan_tensor dx = clgan_tensor_view(c->delta, 0, CLGAN_DTYPE_F32, b, c->k, 1, 1);
        struct clgan_tensor lv =
            clgan_tensor_view(c->slots, (size_t)i, CLGAN_DTYPE_F32, 1, 1, 1, 1);
        struct clgan_tensor av =
            clgan_tensor_view(c->slots, (size_t)(c->steps + i), CLGAN_DTYPE_F32, 1, 1, 1, 1);
        st = clgan_ops_loss_softmax_xent(c->ctx, 1.0f, &x, &t, &dx, 0.0f, &lv, 0.0f, &av);
    }
    if (st == CLGAN_STATUS_OK)
        st = clgan_model_backward(m, c->x, 0, c->delta, 0, b, CLGAN_BWD_NO_INPUT_GRAD);
    if (st == CLGAN_STATUS_OK)
        st = clgan_model_optim_step(m);
    c->rows_host[i] = b;
    return st;
}

void clgan_classifier_set_progress(clgan_classifier *c, clgan_classifier_step_fn fn, double every_s,
                                   void *user)
{
    c->prog_fn = fn;
    c->prog_s = every_s;
    c->prog_user = user;
}

/* The mean loss and accuracy of the epoch's first n steps, read back (waiting for them). */
static clgan_status epoch_means(struct clgan_classifier *c, long long n, double *loss, double *acc)
{
    size_t bytes = (size_t)n * sizeof(float);
    clgan_status st = clgan_rt_read(c->ctx, c->slots, 0, bytes, c->slots_host);
    if (st == CLGAN_STATUS_OK)
        st = clgan_rt_read(c->ctx, c->slots, (size_t)c->steps * sizeof(float), bytes,
                           c->slots_host + c->steps);
    if (st != CLGAN_STATUS_OK)
        return clgan_cls_dev_fail(c, st);
    double l = 0.0, a = 0.0, total = 0.0;
    for (long long i = 0; i < n; i++) {
        l += (double)c->slots_host[i] * c->rows_host[i];
        a += (double)c->slots_host[c->steps + i] * c->rows_host[i];
        total += c->rows_host[i];
    }
    *loss = total > 0 ? l / total : 0.0;
    *acc = total > 0 ? a / total : 0.0;
    return CLGAN_STATUS_OK;
}

clgan_status clgan_classifier_epoch(clgan_classifier *c, double *loss, double *acc)
{
    if (!c->has_data)
        return clgan_cls_fail(c, CLGAN_STATUS_INVALID_ARGUMENT,
                              "this classifier was loaded from a file and has no training data");
    struct clgan_cls_set *s = c->main_set;
    size_t n = s->ds.count;
    c->err[0] = 0; /* a failure below without a message of its own takes the context's */
    clgan_status st = reshuffle(c, s);
    /* progress: steps are queued, so "every prog_s seconds" is counted in steps */
    long long next = 1, s_rep = 0;
    double t_rep = now_s();
    for (long long i = 0; i < c->steps && st == CLGAN_STATUS_OK; i++) {
        size_t first = (size_t)i * (size_t)c->b_main;
        int rows = (int)(n - first < (size_t)c->b_main ? n - first : (size_t)c->b_main);
        st = step(c, i, first, rows);
        if (st == CLGAN_STATUS_OK && c->prog_fn && i + 1 >= next && i + 1 < c->steps) {
            double l = 0.0, a = 0.0;
            if ((st = epoch_means(c, i + 1, &l, &a)) != CLGAN_STATUS_OK)
                break;
            c->prog_fn(c->epochs + 1, i + 1, c->steps, l, a, c->prog_user);
            double t = now_s();
            long long k = (long long)(c->prog_s * (double)(i + 1 - s_rep) /
                                      (t - t_rep > 1e-9 ? t - t_rep : 1e-9));
            next = i + 1 + (k > 1 ? k : 1);
            t_rep = t;
            s_rep = i + 1;
        }
    }
    if (st == CLGAN_STATUS_OK)
        st =
            clgan_rt_read(c->ctx, c->slots, 0, 2 * (size_t)c->steps * sizeof(float), c->slots_host);
    if (st != CLGAN_STATUS_OK)
        return c->err[0] ? st : clgan_cls_dev_fail(c, st);
    double l = 0.0, a = 0.0, total = 0.0;
    for (long long i = 0; i < c->steps; i++) {
        l += (double)c->slots_host[i] * c->rows_host[i];
        a += (double)c->slots_host[c->steps + i] * c->rows_host[i];
        total += c->rows_host[i];
    }
    c->epochs++;
    c->bn_stale = 1;
    if (loss)
        *loss = l / total;
    if (acc)
        *acc = a / total;
    return CLGAN_STATUS_OK;
}

/*
 * Batch-norm running statistics for the final weights. The running averages (momentum 0.1)
 * trail the weights and start from mean 0, variance 1, far from what DCGAN's N(0, 0.02)
 * convolutions give; after a short run (the small-data case: a few steps an epoch) evaluation
 * with them is wrong. So before the first evaluation after training, BN_PASSES forward passes in
 * training mode over training batches (mixed as in training, no backward, no update) bring them
 * to the statistics of the current weights (0.9^64: 0.1 % of the old value left), as "precise
 * BN" does.
 */
#define BN_PASSES 64

static clgan_status draw(struct clgan_classifier *c, struct clgan_cls_set *s, int n, size_t at)
{
    clgan_status st = CLGAN_STATUS_OK;
    if (s->pos + (size_t)n > s->ds.count)
        st = reshuffle(c, s);
    if (st == CLGAN_STATUS_OK)
        st = gather(c, s, s->pos, (size_t)n, at);
    s->pos += (size_t)n;
    return st;
}

clgan_status clgan_cls_bn_refresh(struct clgan_classifier *c)
{
    int has_bn = 0;
    for (int i = 0; i < c->m->n_layers; i++)
        has_bn |= c->m->layers[i].spec.kind == CLGAN_LAYER_BATCHNORM;
    if (!c->bn_stale || !c->has_data || !has_bn)
        return CLGAN_STATUS_OK;
    struct clgan_cls_set *s = c->main_set;
    int rows = (size_t)c->b_main < s->ds.count ? c->b_main : (int)s->ds.count;
    clgan_status st = CLGAN_STATUS_OK;
    c->err[0] = 0;
    for (int i = 0; i < BN_PASSES && st == CLGAN_STATUS_OK; i++) {
        st = draw(c, s, rows, 0);
        if (st == CLGAN_STATUS_OK && c->sec)
            st = draw(c, &c->xtra, c->b_sec, (size_t)rows);
        if (st == CLGAN_STATUS_OK)
            st =
                clgan_model_forward(c->m, c->x, 0, rows + (c->sec ? c->b_sec : 0), CLGAN_FWD_TRAIN);
    }
    if (st != CLGAN_STATUS_OK)
        return c->err[0] ? st : clgan_cls_dev_fail(c, st);
    c->bn_stale = 0;
    return CLGAN_STATUS_OK;
}

clgan_status clgan_classifier_train(clgan_classifier *c, clgan_classifier_epoch_fn fn, void *user)
{
    while (c->epochs < c->p.epochs) {
        double loss, acc, t0 = now_s();
        clgan_status st = clgan_classifier_epoch(c, &loss, &acc);
        if (st != CLGAN_STATUS_OK)
            return st;
        if (fn)
            fn(c->epochs, loss, acc, now_s() - t0, user);
        if (!isfinite(loss))
            return clgan_cls_fail(c, CLGAN_STATUS_NUMERICAL,
                                  "epoch %d: the training loss is not finite (%g); try a smaller "
                                  "--lr",
                                  c->epochs, loss);
    }
    return CLGAN_STATUS_OK;
}

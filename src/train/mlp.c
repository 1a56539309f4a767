/*
 * mlp.c - MLP classifiers (clgan.h, "MLP classifiers"): the network itself. Its settings and
 * their checks, construction from a table (split, device buffers, initial weights, optimizer
 * state), release, and what it reports about itself. The other jobs have files of their own:
 * mlp_data.c (split and normalisation of a table), mlp_train.c (learning rules, epochs),
 * mlp_eval.c (confusion matrices, prediction) and mlp_file.c (save and load); mlp.h holds the
 * struct they share.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/csv.h"
#include "data/data.h"
#include "nn/nn.h"
#include "ops/elt.h"
#include "train/mlp.h"

#define WEIGHT_SEED_MIX 0x7765696768747321ull /* "weights!" */
#define ORDER_SEED_MIX  0x6f72646572696e67ull /* "ordering" */

clgan_status clgan_mlp_fail(struct clgan_mlp *mm, clgan_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(mm->err, sizeof(mm->err), fmt, ap);
    va_end(ap);
    return st;
}

/* A device failure: the context's message becomes the network's. */
clgan_status clgan_mlp_dev_fail(struct clgan_mlp *mm, clgan_status st)
{
    if (st != CLGAN_STATUS_OK)
        snprintf(mm->err, sizeof(mm->err), "%s", clgan_ctx_last_error(mm->ctx));
    return st;
}

void clgan_mlp_init_weights(float *theta, size_t n, double range, uint64_t seed)
{
    uint64_t state = seed ^ WEIGHT_SEED_MIX;
    float hi = (float)range;
    for (size_t i = 0; i < n; i++) {
        double u = (double)(clgan_data_rng_next(&state) >> 11) * 0x1p-53; /* [0, 1) */
        float w = (float)(-range + 2.0 * range * u);
        theta[i] = w < hi ? w : nextafterf(hi, 0.0f); /* rounding must not reach range */
    }
}

/* ---------------------------------------------------------------- parameters */

struct clgan_mlp_params clgan_mlp_default_params(void)
{
    struct clgan_mlp_params p;
    memset(&p, 0, sizeof(p));
    p.hidden[0] = 5;
    p.n_hidden = 1;
    p.learn = CLGAN_MLP_QUICKPROP;
    p.loss = CLGAN_MLP_LOSS_SSE;
    p.maxit = 100;
    p.batch = 1;
    p.test_ratio = 0.15;
    p.init_range = 0.3;
    p.seed = 1;
    return p;
}

static int check_params(const struct clgan_mlp_params *p, char *msg, size_t msg_len)
{
    if (p->n_hidden < 0 || p->n_hidden > CLGAN_MLP_MAX_HIDDEN)
        return snprintf(msg, msg_len, "%d hidden layers; at most %d", p->n_hidden,
                        CLGAN_MLP_MAX_HIDDEN),
               0;
    for (int i = 0; i < p->n_hidden; i++)
        if (p->hidden[i] < 1 || p->hidden[i] > 65536)
            return snprintf(msg, msg_len, "hidden layer %d has %d units; need 1..65536", i + 1,
                            p->hidden[i]),
                   0;
    if (p->loss != CLGAN_MLP_LOSS_SSE && p->loss != CLGAN_MLP_LOSS_CE)
        return snprintf(msg, msg_len, "unknown loss %d", (int)p->loss), 0;
    if (p->maxit < 0 || p->batch < 0)
        return snprintf(msg, msg_len, "maxit %d, batch %d: need >= 0", p->maxit, p->batch), 0;
    if (!(p->test_ratio >= 0.0 && p->test_ratio < 1.0))
        return snprintf(msg, msg_len, "test ratio %g is outside [0, 1)", p->test_ratio), 0;
    if (!(p->init_range > 0.0 && p->init_range < 1e6))
        return snprintf(msg, msg_len, "initial weight range %g: need 0 < r < 1e6", p->init_range),
               0;
    return 1;
}

/* ---------------------------------------------------------------- device side */

static clgan_status dalloc(struct clgan_mlp *mm, struct clgan_mlp_dbuf *b, size_t n,
                           const char *what)
{
    size_t bytes;
    b->n = n ? n : 1;
    if (!clgan_mul_ok(b->n, sizeof(float), &bytes))
        return clgan_rt_fail(mm->ctx, CLGAN_STATUS_INVALID_ARGUMENT, "%s: size overflows", what);
    return clgan_rt_alloc(mm->ctx, bytes, what, &b->m);
}

static void dfree(struct clgan_mlp *mm, struct clgan_mlp_dbuf *b)
{
    if (b->m)
        clgan_rt_release(mm->ctx, b->m, b->n * sizeof(float));
    b->m = NULL;
}

void clgan_mlp_free_names(char **v, int n)
{
    for (int i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

void clgan_mlp_free(clgan_mlp *mm)
{
    if (!mm)
        return;
    dfree(mm, &mm->xtr);
    dfree(mm, &mm->ttr);
    dfree(mm, &mm->xte);
    dfree(mm, &mm->tte);
    dfree(mm, &mm->xin);
    dfree(mm, &mm->delta);
    dfree(mm, &mm->errs);
    clgan_model_free(mm->m);
    clgan_mlp_split_free(&mm->sp);
    clgan_mlp_free_names(mm->class_names, mm->k);
    clgan_mlp_free_names(mm->feature_names, mm->d);
    free(mm->class_column);
    free(mm->mean);
    free(mm->std);
    free(mm->err_host);
    free(mm->order);
    free(mm->hx);
    free(mm->ht);
    free(mm);
}

/* Build the network (sizes, loss and max_batch set) and the buffers every network has. */
clgan_status clgan_mlp_build(struct clgan_mlp *mm)
{
    struct clgan_layer_spec specs[CLGAN_MAX_LAYERS];
    int out_act = mm->p.loss == CLGAN_MLP_LOSS_CE ? -1 : (int)CLGAN_ACT_SIGMOID;
    int n = clgan_preset_mlp(mm->sizes, mm->n_sizes, CLGAN_ACT_SIGMOID, out_act, specs);
    struct clgan_shape in = {mm->d, 1, 1};
    clgan_status st = clgan_model_init(mm->ctx, specs, n, in, mm->max_batch, "main", &mm->m);
    if (st == CLGAN_STATUS_OK)
        st = dalloc(mm, &mm->xin, (size_t)mm->max_batch * mm->d, "MLP input rows");
    if (st == CLGAN_STATUS_OK)
        st = dalloc(mm, &mm->delta, (size_t)mm->max_batch * mm->k, "MLP output deltas");
    return clgan_mlp_dev_fail(mm, st);
}

static char **dup_names(char *const *src, int n)
{
    char **v = calloc((size_t)(n ? n : 1), sizeof(char *));
    for (int i = 0; v && i < n; i++)
        if (!(v[i] = strdup(src[i]))) {
            clgan_mlp_free_names(v, i);
            return NULL;
        }
    return v;
}

clgan_status clgan_mlp_init(clgan_ctx *ctx, const char *csv_path,
                            const struct clgan_mlp_params *params, clgan_mlp **out, char *msg,
                            size_t msg_len)
{
    *out = NULL;
    /* bad settings are reported before the file is read (init_table checks them again) */
    if (!check_params(params, msg, msg_len))
        return CLGAN_STATUS_INVALID_ARGUMENT;
    double lp[CLGAN_MLP_MAX_LEARN_PARAMS];
    int n_lp;
    if (!clgan_mlp_resolve_params(params, lp, &n_lp, msg, msg_len))
        return CLGAN_STATUS_INVALID_ARGUMENT;
    struct clgan_table t;
    clgan_status st = clgan_data_csv_read(csv_path, params->class_column, &t, msg, msg_len);
    if (st != CLGAN_STATUS_OK)
        return st;
    st = clgan_mlp_init_table(ctx, &t, csv_path, params, out, msg, msg_len);
    clgan_data_table_free(&t);
    return st;
}

clgan_status clgan_mlp_init_table(clgan_ctx *ctx, const struct clgan_table *tab, const char *name,
                                  const struct clgan_mlp_params *params, clgan_mlp **out, char *msg,
                                  size_t msg_len)
{
    *out = NULL;
    if (!check_params(params, msg, msg_len))
        return CLGAN_STATUS_INVALID_ARGUMENT;
    struct clgan_mlp *mm = calloc(1, sizeof(*mm));
    if (!mm)
        return snprintf(msg, msg_len, "out of host memory"), CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    mm->ctx = ctx;
    mm->p = *params;
    mm->p.class_column = NULL;
    const struct clgan_table t = *tab;
    clgan_status st = CLGAN_STATUS_OK;
    if (!clgan_mlp_resolve_params(params, mm->lp, &mm->n_lp, msg, msg_len)) {
        free(mm);
        return CLGAN_STATUS_INVALID_ARGUMENT;
    }
    st = clgan_mlp_split_table(&t, params->test_ratio, params->seed, name, &mm->sp, msg, msg_len);
    if (st != CLGAN_STATUS_OK)
        goto out;
    mm->has_data = 1;
    mm->d = (int)t.d;
    mm->k = t.n_classes;
    if (t.d > 65536) {
        st = CLGAN_STATUS_CORRUPT_FILE;
        snprintf(msg, msg_len, "%s: %zu feature columns; at most 65536", name, t.d);
        goto out;
    }
    mm->sizes[0] = mm->d;
    for (int i = 0; i < params->n_hidden; i++)
        mm->sizes[1 + i] = params->hidden[i];
    mm->sizes[1 + params->n_hidden] = mm->k;
    mm->n_sizes = params->n_hidden + 2;
    mm->class_names = dup_names(t.class_names, t.n_classes);
    mm->feature_names = dup_names(t.feature_names, (int)t.d);
    mm->class_column = strdup(t.class_column ? t.class_column : "class");
    mm->mean = malloc(t.d * sizeof(double));
    mm->std = malloc(t.d * sizeof(double));
    size_t ntr = mm->sp.n_train, nte = mm->sp.n_test;
    mm->max_batch = (int)(ntr > nte ? ntr : nte);
    mm->order = malloc(ntr * sizeof(int32_t));
    mm->hx = malloc(ntr * t.d * sizeof(float));
    mm->ht = malloc(ntr * (size_t)mm->k * sizeof(float));
    int groups =
        (int)((ntr + (size_t)clgan_mlp_group_rows(mm) - 1) / (size_t)clgan_mlp_group_rows(mm));
    mm->err_host = malloc(((size_t)groups + 1) * sizeof(float));
    if (!mm->class_names || !mm->feature_names || !mm->class_column || !mm->mean || !mm->std ||
        !mm->order || !mm->hx || !mm->ht || !mm->err_host) {
        st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
        snprintf(msg, msg_len, "out of host memory");
        goto out;
    }
    memcpy(mm->mean, mm->sp.mean, t.d * sizeof(double));
    memcpy(mm->std, mm->sp.std, t.d * sizeof(double));
    mm->order_state = params->seed ^ ORDER_SEED_MIX;

    if ((st = clgan_mlp_build(mm)) != CLGAN_STATUS_OK)
        goto dev;
    size_t xb = ntr * t.d, tb = ntr * (size_t)mm->k;
    st = dalloc(mm, &mm->xtr, xb, "MLP training rows");
    if (st == CLGAN_STATUS_OK)
        st = dalloc(mm, &mm->ttr, tb, "MLP training targets");
    if (st == CLGAN_STATUS_OK)
        st = dalloc(mm, &mm->xte, nte * t.d, "MLP test rows");
    if (st == CLGAN_STATUS_OK)
        st = dalloc(mm, &mm->tte, nte * (size_t)mm->k, "MLP test targets");
    if (st == CLGAN_STATUS_OK)
        st = dalloc(mm, &mm->errs, (size_t)groups + 1, "MLP error slots");
    if (st == CLGAN_STATUS_OK)
        st = clgan_rt_write(ctx, mm->xtr.m, 0, xb * sizeof(float), mm->sp.x_train);
    if (st == CLGAN_STATUS_OK)
        st = clgan_rt_write(ctx, mm->ttr.m, 0, tb * sizeof(float), mm->sp.t_train);
    if (st == CLGAN_STATUS_OK && nte)
        st = clgan_rt_write(ctx, mm->xte.m, 0, nte * t.d * sizeof(float), mm->sp.x_test);
    if (st == CLGAN_STATUS_OK && nte)
        st = clgan_rt_write(ctx, mm->tte.m, 0, nte * (size_t)mm->k * sizeof(float), mm->sp.t_test);
    if (st != CLGAN_STATUS_OK)
        goto dev;
    /* SNNS's Randomize_Weights: every weight and bias uniform in [-r, r) */
    float *theta = malloc(mm->m->n_params * sizeof(float));
    if (!theta) {
        st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
        snprintf(msg, msg_len, "out of host memory");
        goto out;
    }
    clgan_mlp_init_weights(theta, mm->m->n_params, params->init_range, params->seed);
    st = clgan_rt_write(ctx, mm->m->params, 0, mm->m->n_params * sizeof(float), theta);
    free(theta);
    struct clgan_optim o = clgan_mlp_optim_of(mm);
    if (st == CLGAN_STATUS_OK)
        st = clgan_model_optim_init(mm->m, &o);
    /* Quickprop's first epoch accumulates its slopes onto zero */
    if (st == CLGAN_STATUS_OK)
        st = clgan_ops_elt_fill(ctx, mm->m->n_params, 0.0f, mm->m->grads, 0);
    if (st == CLGAN_STATUS_OK)
        goto out;
dev:
    snprintf(msg, msg_len, "%s", clgan_ctx_last_error(ctx));
out:
    if (st != CLGAN_STATUS_OK)
        clgan_mlp_free(mm);
    else
        *out = mm;
    return st;
}

void clgan_mlp_get_info(const clgan_mlp *mm, struct clgan_mlp_info *info)
{
    memset(info, 0, sizeof(*info));
    info->n_layers = mm->n_sizes;
    memcpy(info->sizes, mm->sizes, sizeof(info->sizes));
    info->n_params = mm->m->n_params;
    info->n_train = mm->sp.n_train;
    info->n_test = mm->sp.n_test;
    info->epochs = mm->epochs;
    info->learn = mm->p.learn;
    info->loss = mm->p.loss;
    memcpy(info->learn_params, mm->lp, sizeof(info->learn_params));
    info->n_learn_params = mm->n_lp;
    info->seed = mm->p.seed;
    info->test_ratio = mm->p.test_ratio;
    info->class_names = (const char *const *)mm->class_names;
    info->feature_names = (const char *const *)mm->feature_names;
    info->class_column = mm->class_column;
}

const char *clgan_mlp_last_error(const clgan_mlp *mm)
{
    return mm->err;
}

struct clgan_model *clgan_mlp_model(clgan_mlp *mm)
{
    return mm->m;
}

const struct clgan_mlp_split *clgan_mlp_split_of(const clgan_mlp *mm)
{
    return &mm->sp;
}

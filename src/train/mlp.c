/*
 * mlp.c - MLP classifiers (clgan.h, "MLP classifiers"): the data pipeline, SNNS's and PyTorch's
 * learning rules with the whole epoch on the device, evaluation, save and load.
 *
 * One epoch, all enqueued. Rows go in groups of R: every training row for Quickprop (one batch
 * update), 1 for std-backprop (SNNS's online update), the batch size for SGD and Adam; except
 * for Quickprop the training rows are re-shuffled every epoch (SNNS shuffles patterns too) and
 * uploaded in that order, one write per epoch.
 *   for each group:  forward through linear and logistic layers;
 *                    SSE: snns_sse gives the output deltas dE/dnet (dead zone dmax, flat spot)
 *                         and the error; CE: loss_softmax_xent gives dE/dlogits and the error;
 *                    backward: linear layers through nn (parameter gradients accumulated onto
 *                    decay*theta for Quickprop, overwritten otherwise), hidden logistic units
 *                    through snns_logistic_bwd (flat spot 0.1 for Quickprop, 0 otherwise);
 *                    one optimizer launch.
 *   test rows:       forward, error.
 * The error slots (one per group, one for the test rows) are read back once per epoch.
 *
 * SNNS's Quickprop in these terms: the slope S is dE/dtheta summed over the epoch with the
 * weights of its start, E = 1/2 sum d^2 over outputs outside the dead zone, each output's and
 * hidden unit's derivative o (1 - o) + 0.1; the update is cl/opt.cl's opt_quickprop, which
 * leaves decay*theta in the gradient buffer for the next epoch to accumulate onto.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/csv.h"
#include "data/data.h"
#include "io/file.h"
#include "io/safetensors.h"
#include "nn/nn.h"
#include "ops/elt.h"
#include "ops/loss.h"
#include "ops/snns.h"
#include "train/ckpt.h"
#include "train/mlp.h"

#define WEIGHT_SEED_MIX 0x7765696768747321ull /* "weights!" */
#define ORDER_SEED_MIX  0x6f72646572696e67ull /* "ordering" */
#define LOAD_MAX_BATCH  256
#define FORMAT          "clgan-mlp-1"

/* A device buffer of n floats. */
struct dbuf {
    cl_mem m;
    size_t n;
};

struct clgan_mlp {
    clgan_ctx *ctx;
    struct clgan_mlp_params p; /* class_column is NULL here; see class_column below */
    double lp[CLGAN_MLP_MAX_LEARN_PARAMS];
    int n_lp;
    int sizes[CLGAN_MLP_MAX_HIDDEN + 2], n_sizes;
    int d, k;
    char **class_names, **feature_names, *class_column;
    double *mean, *std;

    struct clgan_model *m;
    int max_batch;
    struct dbuf xtr, ttr, xte, tte, xin, delta, errs;
    float *err_host;

    int has_data;
    struct clgan_mlp_split sp;
    int32_t *order; /* per-epoch pattern order */
    float *hx, *ht; /* the training rows in that order */
    uint64_t order_state;
    int epochs;
    char err[2048];
};

static clgan_status fail(struct clgan_mlp *mm, clgan_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static clgan_status fail(struct clgan_mlp *mm, clgan_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(mm->err, sizeof(mm->err), fmt, ap);
    va_end(ap);
    return st;
}

/* A device failure: the context's message becomes the network's. */
static clgan_status dev_fail(struct clgan_mlp *mm, clgan_status st)
{
    if (st != CLGAN_STATUS_OK)
        snprintf(mm->err, sizeof(mm->err), "%s", clgan_ctx_last_error(mm->ctx));
    return st;
}

/* ---------------------------------------------------------------- host side */

size_t clgan_mlp_n_train(size_t n, double test_ratio)
{
    /* R's floor(nrow * (1 - ratio)), double arithmetic included: 150 * 0.85 gives 127 */
    return (size_t)floor((double)n * (1.0 - test_ratio));
}

clgan_status clgan_mlp_split_perm(size_t n, uint64_t seed, int32_t *perm, char *err, size_t err_len)
{
    uint64_t state = seed;
    return clgan_data_shuffle(perm, n, &state, err, err_len);
}

void clgan_mlp_split_free(struct clgan_mlp_split *s)
{
    if (!s)
        return;
    free(s->x_train);
    free(s->x_test);
    free(s->t_train);
    free(s->t_test);
    free(s->y_train);
    free(s->y_test);
    free(s->perm);
    free(s->mean);
    free(s->std);
    memset(s, 0, sizeof(*s));
}

/* Copy rows perm[0..n) of t into x (normalised), t1 (one-hot) and y. */
static void take_rows(const struct clgan_table *t, const int32_t *perm, size_t n,
                      const double *mean, const double *std, int k, float *x, float *t1, int32_t *y)
{
    for (size_t i = 0; i < n; i++) {
        const double *row = t->x + (size_t)perm[i] * t->d;
        for (size_t j = 0; j < t->d; j++)
            x[i * t->d + j] = (float)((row[j] - mean[j]) / std[j]);
        int c = t->y[perm[i]];
        for (int q = 0; q < k; q++)
            t1[i * (size_t)k + q] = q == c ? 1.0f : 0.0f;
        y[i] = c;
    }
}

clgan_status clgan_mlp_split_table(const struct clgan_table *t, double test_ratio, uint64_t seed,
                                   const char *path, struct clgan_mlp_split *out, char *err,
                                   size_t err_len)
{
    memset(out, 0, sizeof(*out));
    if (!(test_ratio >= 0.0 && test_ratio < 1.0))
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "test ratio %g is outside [0, 1)", test_ratio);
    size_t n = t->n, ntr = clgan_mlp_n_train(n, test_ratio), nte = n - ntr;
    if (ntr < 2 || (test_ratio > 0.0 && nte < 1))
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: %zu data rows; a test ratio of %g leaves %zu for training and "
                             "%zu for testing: need at least 2 training rows%s",
                             path, n, test_ratio, ntr, nte,
                             test_ratio > 0.0 ? " and 1 test row" : "");
    size_t d = t->d;
    int k = t->n_classes;
    out->n_train = ntr;
    out->n_test = nte;
    out->d = d;
    out->k = k;
    out->perm = malloc(n * sizeof(*out->perm));
    out->mean = calloc(d, sizeof(double));
    out->std = calloc(d, sizeof(double));
    out->x_train = malloc(ntr * d * sizeof(float));
    out->t_train = malloc(ntr * (size_t)k * sizeof(float));
    out->y_train = malloc(ntr * sizeof(int32_t));
    out->x_test = malloc((nte ? nte : 1) * d * sizeof(float));
    out->t_test = malloc((nte ? nte : 1) * (size_t)k * sizeof(float));
    out->y_test = malloc((nte ? nte : 1) * sizeof(int32_t));
    if (!out->perm || !out->mean || !out->std || !out->x_train || !out->t_train || !out->y_train ||
        !out->x_test || !out->t_test || !out->y_test) {
        clgan_mlp_split_free(out);
        return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                             "%s: out of memory splitting %zu rows", path, n);
    }
    clgan_status st = clgan_mlp_split_perm(n, seed, out->perm, err, err_len);
    if (st != CLGAN_STATUS_OK) {
        clgan_mlp_split_free(out);
        return st;
    }
    /* mean and sample standard deviation (n - 1) of the training rows, two passes */
    for (size_t i = 0; i < ntr; i++)
        for (size_t j = 0; j < d; j++)
            out->mean[j] += t->x[(size_t)out->perm[i] * d + j];
    for (size_t j = 0; j < d; j++)
        out->mean[j] /= (double)ntr;
    for (size_t i = 0; i < ntr; i++)
        for (size_t j = 0; j < d; j++) {
            double v = t->x[(size_t)out->perm[i] * d + j] - out->mean[j];
            out->std[j] += v * v;
        }
    for (size_t j = 0; j < d; j++) {
        out->std[j] = sqrt(out->std[j] / (double)(ntr - 1));
        if (!(out->std[j] > 0.0)) /* a constant column: centred only */
            out->std[j] = 1.0;
    }
    take_rows(t, out->perm, ntr, out->mean, out->std, k, out->x_train, out->t_train, out->y_train);
    take_rows(t, out->perm + ntr, nte, out->mean, out->std, k, out->x_test, out->t_test,
              out->y_test);
    return CLGAN_STATUS_OK;
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

int clgan_mlp_wta(const float *out, int k)
{
    int best = 0;
    for (int q = 0; q < k; q++) {
        if (isnan(out[q]))
            return -1;
        if (out[q] > out[best])
            best = q;
    }
    for (int q = 0; q < k; q++)
        if (q != best && out[q] == out[best])
            return -1;
    return best;
}

/* ---------------------------------------------------------------- parameters */

const char *clgan_mlp_learn_str(enum clgan_mlp_learn learn)
{
    switch (learn) {
    case CLGAN_MLP_QUICKPROP:
        return "quickprop";
    case CLGAN_MLP_STD_BACKPROP:
        return "std-backprop";
    case CLGAN_MLP_SGD:
        return "sgd";
    case CLGAN_MLP_ADAM:
        return "adam";
    }
    return "unknown";
}

int clgan_mlp_learn_defaults(enum clgan_mlp_learn learn, double *d)
{
    static const double qp[] = {0.1, 2.0, 1e-4, 0.1}, bp[] = {0.2, 0.0}, sgd[] = {1e-3, 0.0, 0.0},
                        adam[] = {1e-3, 0.9, 0.999, 1e-8, 0.0};
    const double *src;
    int n;
    switch (learn) {
    case CLGAN_MLP_QUICKPROP:
        src = qp, n = 4;
        break;
    case CLGAN_MLP_STD_BACKPROP:
        src = bp, n = 2;
        break;
    case CLGAN_MLP_SGD:
        src = sgd, n = 3;
        break;
    case CLGAN_MLP_ADAM:
        src = adam, n = 5;
        break;
    default:
        return -1;
    }
    for (int i = 0; i < CLGAN_MLP_MAX_LEARN_PARAMS; i++)
        d[i] = i < n ? src[i] : 0.0;
    return n;
}

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

/* Fill lp with the rule's parameters (defaults, then the given ones) and check them. */
static int resolve_params(const struct clgan_mlp_params *p, double *lp, int *n_lp, char *msg,
                          size_t msg_len)
{
    int n = clgan_mlp_learn_defaults(p->learn, lp);
    const char *rule = clgan_mlp_learn_str(p->learn);
    if (n < 0)
        return snprintf(msg, msg_len, "unknown learning rule %d", (int)p->learn), 0;
    if (p->n_learn_params < 0 || p->n_learn_params > n)
        return snprintf(msg, msg_len, "%s takes at most %d learning parameters, not %d", rule, n,
                        p->n_learn_params),
               0;
    for (int i = 0; i < p->n_learn_params; i++)
        lp[i] = p->learn_params[i];
    *n_lp = n;
    for (int i = 0; i < n; i++)
        if (!isfinite(lp[i]) || lp[i] < 0.0)
            return snprintf(msg, msg_len,
                            "%s: learning parameter %d is %g; need a finite value >= 0", rule,
                            i + 1, lp[i]),
                   0;
    if ((p->learn == CLGAN_MLP_SGD || p->learn == CLGAN_MLP_ADAM) && !(lp[0] > 0.0))
        return snprintf(msg, msg_len, "%s: the learning rate must be > 0", rule), 0;
    if (p->learn == CLGAN_MLP_ADAM && (lp[1] >= 1.0 || lp[2] >= 1.0 || !(lp[3] > 0.0)))
        return snprintf(msg, msg_len, "adam: need beta1 and beta2 in [0, 1) and eps > 0"), 0;
    return 1;
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

static clgan_status dalloc(struct clgan_mlp *mm, struct dbuf *b, size_t n, const char *what)
{
    size_t bytes;
    b->n = n ? n : 1;
    if (!clgan_mul_ok(b->n, sizeof(float), &bytes))
        return clgan_rt_fail(mm->ctx, CLGAN_STATUS_INVALID_ARGUMENT, "%s: size overflows", what);
    return clgan_rt_alloc(mm->ctx, bytes, what, &b->m);
}

static void dfree(struct clgan_mlp *mm, struct dbuf *b)
{
    if (b->m)
        clgan_rt_release(mm->ctx, b->m, b->n * sizeof(float));
    b->m = NULL;
}

static void free_names(char **v, int n)
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
    free_names(mm->class_names, mm->k);
    free_names(mm->feature_names, mm->d);
    free(mm->class_column);
    free(mm->mean);
    free(mm->std);
    free(mm->err_host);
    free(mm->order);
    free(mm->hx);
    free(mm->ht);
    free(mm);
}

static int is_mean_rule(const struct clgan_mlp *mm)
{
    return mm->p.learn == CLGAN_MLP_SGD || mm->p.learn == CLGAN_MLP_ADAM;
}

/* Rows per update. */
static int group_rows(const struct clgan_mlp *mm)
{
    int n = (int)mm->sp.n_train;
    switch (mm->p.learn) {
    case CLGAN_MLP_QUICKPROP:
        return n;
    case CLGAN_MLP_STD_BACKPROP:
        return 1;
    default:
        return mm->p.batch > 0 && mm->p.batch < n ? mm->p.batch : n;
    }
}

/* The dead zone of the rule (SNNS's dmax; none for SGD and Adam). */
static float dmax_of(const struct clgan_mlp *mm)
{
    switch (mm->p.learn) {
    case CLGAN_MLP_QUICKPROP:
        return (float)mm->lp[3];
    case CLGAN_MLP_STD_BACKPROP:
        return (float)mm->lp[1];
    default:
        return 0.0f;
    }
}

/* Flat-spot offset of the logistic derivative (hidden and output units). */
static float flat_of(const struct clgan_mlp *mm)
{
    return mm->p.learn == CLGAN_MLP_QUICKPROP ? CLGAN_SNNS_QUICKPROP_FLAT : 0.0f;
}

/* Build the network (sizes, loss and max_batch set) and the buffers every network has. */
static clgan_status build(struct clgan_mlp *mm)
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
    return dev_fail(mm, st);
}

static struct clgan_optim optim_of(const struct clgan_mlp *mm)
{
    struct clgan_optim o;
    memset(&o, 0, sizeof(o));
    const double *lp = mm->lp;
    switch (mm->p.learn) {
    case CLGAN_MLP_QUICKPROP:
        o.kind = CLGAN_OPTIM_QUICKPROP;
        o.lr = (float)lp[0];
        o.momentum = (float)lp[1];
        o.weight_decay = (float)lp[2];
        break;
    case CLGAN_MLP_STD_BACKPROP:
        o.kind = CLGAN_OPTIM_SGD;
        o.lr = (float)lp[0];
        break;
    case CLGAN_MLP_SGD:
        o.kind = CLGAN_OPTIM_SGD;
        o.lr = (float)lp[0];
        o.momentum = (float)lp[1];
        o.weight_decay = (float)lp[2];
        break;
    case CLGAN_MLP_ADAM:
        o.kind = CLGAN_OPTIM_ADAM;
        o.lr = (float)lp[0];
        o.beta1 = (float)lp[1];
        o.beta2 = (float)lp[2];
        o.eps = (float)lp[3];
        o.weight_decay = (float)lp[4];
        break;
    }
    return o;
}

static char **dup_names(char *const *src, int n)
{
    char **v = calloc((size_t)(n ? n : 1), sizeof(char *));
    for (int i = 0; v && i < n; i++)
        if (!(v[i] = strdup(src[i]))) {
            free_names(v, i);
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
    if (!resolve_params(params, lp, &n_lp, msg, msg_len))
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
    if (!resolve_params(params, mm->lp, &mm->n_lp, msg, msg_len)) {
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
    int groups = (int)((ntr + (size_t)group_rows(mm) - 1) / (size_t)group_rows(mm));
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

    if ((st = build(mm)) != CLGAN_STATUS_OK)
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
    struct clgan_optim o = optim_of(mm);
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

/* Backward from mm->delta (dE/dnet of the output units, or of the logits) through the network
 * for rows of input x; Quickprop accumulates the parameter gradients. */
/* One layer's backward on views of (in, in_off), g and dx (dx NULL: no input gradient). */
static clgan_status layer_backward(struct clgan_model *m, struct clgan_layer *l, cl_mem in,
                                   size_t in_off, cl_mem g, cl_mem dx, int rows, int flags)
{
    static const float beta0[CLGAN_MAX_INPUTS] = {0};
    struct clgan_tensor xv =
        clgan_tensor_view(in, in_off, CLGAN_DTYPE_F32, rows, l->in.c, l->in.h, l->in.w);
    struct clgan_tensor yv =
        clgan_tensor_view(m->act, l->y_off, CLGAN_DTYPE_F32, rows, l->out.c, l->out.h, l->out.w);
    struct clgan_tensor gv = yv, dxv = xv;
    gv.mem = g;
    gv.off = 0;
    dxv.mem = dx;
    dxv.off = 0;
    return l->ops->backward(m, l, &xv, &yv, &gv, &dxv, beta0, flags);
}

static clgan_status backward(struct clgan_mlp *mm, cl_mem x, size_t x_off, int rows)
{
    struct clgan_model *m = mm->m;
    float flat = flat_of(mm);
    int accumulate = mm->p.learn == CLGAN_MLP_QUICKPROP;
    cl_mem g = mm->delta.m;
    int last = m->n_layers - 1;
    clgan_status st = CLGAN_STATUS_OK;
    if (m->layers[last].spec.kind == CLGAN_LAYER_ACT) /* its derivative is in the delta */
        last--;
    for (int i = last; i >= 0 && st == CLGAN_STATUS_OK; i--) {
        struct clgan_layer *l = &m->layers[i];
        cl_mem in = i ? m->act : x;
        size_t in_off = i ? m->layers[i - 1].y_off : x_off;
        cl_mem dx = i ? m->dbuf[i & 1] : NULL; /* no gradient of the data */
        if (l->spec.kind == CLGAN_LAYER_ACT)
            st = clgan_ops_snns_logistic_bwd(mm->ctx, (size_t)rows * clgan_shape_size(l->in), flat,
                                             m->act, l->y_off, g, 0, dx, 0);
        else
            st = layer_backward(m, l, in, in_off, g, dx, rows,
                                accumulate ? CLGAN_BWD_ACCUMULATE : 0);
        g = dx;
    }
    return st;
}

/*
 * Error of the rows just forwarded against targets t into error slot `slot` (err_beta 1 adds),
 * and the output deltas unless no_delta. SSE: sum d^2 outside the dead zone, deltas scaled by
 * 1/rows for the mini-batch rules (PyTorch's mean); CE: summed cross-entropy for the SNNS rules
 * and the test rows, the mean for the mini-batch rules (the slot is then scaled back on read).
 */
static clgan_status loss(struct clgan_mlp *mm, int rows, cl_mem t, size_t t_off, int no_delta,
                         int mean, size_t slot, float err_beta)
{
    size_t out_off = clgan_model_output_off(mm->m);
    cl_mem delta = no_delta ? NULL : mm->delta.m;
    if (mm->p.loss == CLGAN_MLP_LOSS_SSE)
        return clgan_ops_snns_sse(mm->ctx, (size_t)rows * mm->k, dmax_of(mm), flat_of(mm),
                                  mean ? 1.0f / (float)rows : 1.0f, mm->m->act, out_off, t, t_off,
                                  delta, 0, mm->errs.m, slot, err_beta);
    return clgan_ops_loss_softmax_xent(mm->ctx, (size_t)rows, (size_t)mm->k,
                                       mean ? 1.0f : (float)rows, mm->m->act, out_off, t, t_off,
                                       delta, 0, 0.0f, mm->errs.m, slot, err_beta, NULL, 0);
}

clgan_status clgan_mlp_epoch(clgan_mlp *mm, double *train_error, double *test_error)
{
    if (!mm->has_data)
        return fail(mm, CLGAN_STATUS_INVALID_ARGUMENT,
                    "this network was loaded from a file and has no training rows");
    clgan_ctx *ctx = mm->ctx;
    struct clgan_model *m = mm->m;
    size_t ntr = mm->sp.n_train, nte = mm->sp.n_test, d = (size_t)mm->d, k = (size_t)mm->k;
    int R = group_rows(mm), groups = (int)((ntr + (size_t)R - 1) / (size_t)R);
    int mean = is_mean_rule(mm), online = mm->p.learn == CLGAN_MLP_STD_BACKPROP;
    clgan_status st = CLGAN_STATUS_OK;
    char err[256];

    if (mm->p.learn != CLGAN_MLP_QUICKPROP) {
        /* a fresh pattern order each epoch, uploaded once */
        st = clgan_data_shuffle(mm->order, ntr, &mm->order_state, err, sizeof(err));
        if (st != CLGAN_STATUS_OK)
            return fail(mm, st, "%s", err);
        for (size_t i = 0; i < ntr; i++) {
            memcpy(mm->hx + i * d, mm->sp.x_train + (size_t)mm->order[i] * d, d * sizeof(float));
            memcpy(mm->ht + i * k, mm->sp.t_train + (size_t)mm->order[i] * k, k * sizeof(float));
        }
        st = clgan_rt_write(ctx, mm->xtr.m, 0, ntr * d * sizeof(float), mm->hx);
        if (st == CLGAN_STATUS_OK)
            st = clgan_rt_write(ctx, mm->ttr.m, 0, ntr * k * sizeof(float), mm->ht);
    }
    for (int g = 0; g < groups && st == CLGAN_STATUS_OK; g++) {
        size_t r0 = (size_t)g * (size_t)R;
        int rows = (int)(ntr - r0 < (size_t)R ? ntr - r0 : (size_t)R);
        st = clgan_model_forward(m, mm->xtr.m, r0 * d, rows, CLGAN_FWD_TRAIN);
        if (st == CLGAN_STATUS_OK)
            st = loss(mm, rows, mm->ttr.m, r0 * k, 0, mean, online ? 0 : (size_t)g,
                      online && g > 0 ? 1.0f : 0.0f);
        if (st == CLGAN_STATUS_OK)
            st = backward(mm, mm->xtr.m, r0 * d, rows);
        if (st == CLGAN_STATUS_OK)
            st = clgan_model_optim_step(m);
    }
    size_t test_slot = online ? 1 : (size_t)groups;
    if (st == CLGAN_STATUS_OK && nte) {
        st = clgan_model_forward(m, mm->xte.m, 0, (int)nte, CLGAN_FWD_EVAL);
        if (st == CLGAN_STATUS_OK)
            st = loss(mm, (int)nte, mm->tte.m, 0, 1, 0, test_slot, 0.0f);
    }
    if (st == CLGAN_STATUS_OK)
        st = clgan_rt_read(ctx, mm->errs.m, 0, (test_slot + 1) * sizeof(float), mm->err_host);
    if (st != CLGAN_STATUS_OK)
        return dev_fail(mm, st);
    double tr = 0.0;
    if (online) {
        tr = mm->err_host[0];
    } else {
        for (int g = 0; g < groups; g++) {
            size_t r0 = (size_t)g * (size_t)R;
            double rows = (double)(ntr - r0 < (size_t)R ? ntr - r0 : (size_t)R);
            tr += mm->err_host[g] * (mean && mm->p.loss == CLGAN_MLP_LOSS_CE ? rows : 1.0);
        }
    }
    mm->epochs++;
    if (train_error)
        *train_error = tr;
    if (test_error)
        *test_error = nte ? (double)mm->err_host[test_slot] : NAN;
    return CLGAN_STATUS_OK;
}

clgan_status clgan_mlp_train(clgan_mlp *mm, clgan_mlp_epoch_fn fn, void *user)
{
    while (mm->epochs < mm->p.maxit) {
        double tr, te;
        clgan_status st = clgan_mlp_epoch(mm, &tr, &te);
        if (st != CLGAN_STATUS_OK)
            return st;
        if (fn)
            fn(mm->epochs, tr, te, user);
        if (!isfinite(tr) || (mm->sp.n_test && !isfinite(te)))
            return fail(mm, CLGAN_STATUS_NUMERICAL,
                        "epoch %d: the error is not finite (training %g, test %g); try smaller "
                        "learning parameters",
                        mm->epochs, tr, te);
    }
    return CLGAN_STATUS_OK;
}

/* ---------------------------------------------------------------- evaluation */

/* Forward n normalised rows x (host) and return the outputs (host, n x k) in out. */
static clgan_status forward_rows(struct clgan_mlp *mm, const float *x, size_t n, float *out)
{
    size_t d = (size_t)mm->d, k = (size_t)mm->k, off = clgan_model_output_off(mm->m);
    for (size_t done = 0; done < n;) {
        size_t b = n - done < (size_t)mm->max_batch ? n - done : (size_t)mm->max_batch;
        clgan_status st =
            clgan_rt_write(mm->ctx, mm->xin.m, 0, b * d * sizeof(float), x + done * d);
        if (st == CLGAN_STATUS_OK)
            st = clgan_model_forward(mm->m, mm->xin.m, 0, (int)b, CLGAN_FWD_EVAL);
        if (st == CLGAN_STATUS_OK)
            st = clgan_rt_read(mm->ctx, mm->m->act, off * sizeof(float), b * k * sizeof(float),
                               out + done * k);
        if (st != CLGAN_STATUS_OK)
            return dev_fail(mm, st);
        done += b;
    }
    if (mm->p.loss == CLGAN_MLP_LOSS_CE) /* logits to probabilities */
        for (size_t i = 0; i < n; i++) {
            float *o = out + i * k, mx = o[0];
            double s = 0.0;
            for (size_t q = 1; q < k; q++)
                mx = o[q] > mx ? o[q] : mx;
            for (size_t q = 0; q < k; q++)
                s += exp((double)o[q] - mx);
            for (size_t q = 0; q < k; q++)
                o[q] = (float)(exp((double)o[q] - mx) / s);
        }
    return CLGAN_STATUS_OK;
}

clgan_status clgan_mlp_confusion(clgan_mlp *mm, enum clgan_mlp_rows rows, int *conf)
{
    if (!mm->has_data)
        return fail(mm, CLGAN_STATUS_INVALID_ARGUMENT,
                    "this network was loaded from a file and has no rows of its own; classify a "
                    "file instead");
    const float *x = rows == CLGAN_MLP_ROWS_TEST ? mm->sp.x_test : mm->sp.x_train;
    const int32_t *y = rows == CLGAN_MLP_ROWS_TEST ? mm->sp.y_test : mm->sp.y_train;
    size_t n = rows == CLGAN_MLP_ROWS_TEST ? mm->sp.n_test : mm->sp.n_train;
    int k = mm->k;
    if (rows == CLGAN_MLP_ROWS_ALL)
        return fail(mm, CLGAN_STATUS_INVALID_ARGUMENT, "confusion: pick training or test rows");
    memset(conf, 0, (size_t)k * (size_t)(k + 1) * sizeof(int));
    if (n == 0)
        return CLGAN_STATUS_OK;
    float *out = malloc(n * (size_t)k * sizeof(float));
    if (!out)
        return fail(mm, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "out of host memory");
    clgan_status st = forward_rows(mm, x, n, out);
    for (size_t i = 0; st == CLGAN_STATUS_OK && i < n; i++) {
        int c = clgan_mlp_wta(out + i * (size_t)k, k);
        conf[(size_t)y[i] * (size_t)(k + 1) + (size_t)(c < 0 ? k : c)]++;
    }
    free(out);
    return st;
}

clgan_status clgan_mlp_predict(clgan_mlp *mm, const double *x, size_t n, int *cls, float *out)
{
    size_t d = (size_t)mm->d, k = (size_t)mm->k;
    float *xn = calloc((n ? n : 1) * d, sizeof(float));
    float *o = out ? out : malloc((n ? n : 1) * k * sizeof(float));
    clgan_status st = CLGAN_STATUS_OK;
    if (!xn || !o) {
        st = fail(mm, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "out of host memory for %zu rows", n);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            xn[i * d + j] = (float)((x[i * d + j] - mm->mean[j]) / mm->std[j]);
    st = forward_rows(mm, xn, n, o);
    for (size_t i = 0; st == CLGAN_STATUS_OK && i < n; i++)
        cls[i] = clgan_mlp_wta(o + i * k, (int)k);
out:
    free(xn);
    if (o != out)
        free(o);
    return st;
}

void clgan_mlp_pred_free(struct clgan_mlp_pred *p)
{
    if (!p)
        return;
    free(p->cls);
    free(p->target);
    free(p->out);
    free(p->row);
    memset(p, 0, sizeof(*p));
}

clgan_status clgan_mlp_predict_csv(clgan_mlp *mm, const char *path, enum clgan_mlp_rows rows,
                                   struct clgan_mlp_pred *out)
{
    memset(out, 0, sizeof(*out));
    struct clgan_table t;
    char err[1024];
    clgan_status st = clgan_data_csv_read_flags(path, mm->class_column,
                                                CLGAN_CSV_CLASS_OPTIONAL | CLGAN_CSV_ONE_CLASS, &t,
                                                err, sizeof(err));
    if (st != CLGAN_STATUS_OK)
        return fail(mm, st, "%s", err);
    size_t d = (size_t)mm->d, n = t.n, sel_n = n, ntr = clgan_mlp_n_train(n, mm->p.test_ratio);
    int *col = malloc(d * sizeof(int)), *cmap = calloc((size_t)(t.n_classes + 1), sizeof(int));
    int32_t *perm = malloc(n * sizeof(int32_t));
    double *x = NULL;
    if (!col || !cmap || !perm) {
        st = fail(mm, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "out of host memory");
        goto out;
    }
    /* the network's features, by name */
    for (size_t j = 0; j < d; j++) {
        col[j] = -1;
        for (size_t c = 0; c < t.d; c++)
            if (!strcmp(t.feature_names[c], mm->feature_names[j]))
                col[j] = (int)c;
        if (col[j] < 0) {
            st = fail(mm, CLGAN_STATUS_INVALID_ARGUMENT,
                      "%s: no column '%s', a feature the network was trained on", path,
                      mm->feature_names[j]);
            goto out;
        }
    }
    /* the file's classes, by name */
    for (int c = 0; c < t.n_classes; c++) {
        cmap[c] = -1;
        for (int q = 0; q < mm->k; q++)
            if (!strcmp(t.class_names[c], mm->class_names[q]))
                cmap[c] = q;
        if (cmap[c] < 0) {
            st = fail(mm, CLGAN_STATUS_INVALID_ARGUMENT,
                      "%s: class '%s' in column '%s' is not one the network knows", path,
                      t.class_names[c], mm->class_column);
            goto out;
        }
    }
    /* which rows, in which order */
    if (rows == CLGAN_MLP_ROWS_ALL) {
        for (size_t i = 0; i < n; i++)
            perm[i] = (int32_t)i;
    } else {
        if (ntr < 2 || (mm->p.test_ratio > 0.0 && ntr == n)) {
            st = fail(mm, CLGAN_STATUS_CORRUPT_FILE,
                      "%s: %zu data rows are too few for the network's split (test ratio %g)", path,
                      n, mm->p.test_ratio);
            goto out;
        }
        if ((st = clgan_mlp_split_perm(n, mm->p.seed, perm, err, sizeof(err))) != CLGAN_STATUS_OK) {
            fail(mm, st, "%s", err);
            goto out;
        }
        if (rows == CLGAN_MLP_ROWS_TEST)
            memmove(perm, perm + ntr, (n - ntr) * sizeof(int32_t));
        sel_n = rows == CLGAN_MLP_ROWS_TEST ? n - ntr : ntr;
    }
    out->n = sel_n;
    x = malloc((sel_n ? sel_n : 1) * d * sizeof(double));
    out->cls = malloc((sel_n ? sel_n : 1) * sizeof(int));
    out->out = malloc((sel_n ? sel_n : 1) * (size_t)mm->k * sizeof(float));
    out->row = malloc((sel_n ? sel_n : 1) * sizeof(size_t));
    out->target = t.y ? malloc((sel_n ? sel_n : 1) * sizeof(int)) : NULL;
    if (!x || !out->cls || !out->out || !out->row || (t.y && !out->target)) {
        st = fail(mm, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "out of host memory");
        goto out;
    }
    for (size_t i = 0; i < sel_n; i++) {
        size_t r = (size_t)perm[i];
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = t.x[r * t.d + (size_t)col[j]];
        out->row[i] = r;
        if (t.y)
            out->target[i] = cmap[t.y[r]];
    }
    st = clgan_mlp_predict(mm, x, sel_n, out->cls, out->out);
out:
    free(col);
    free(cmap);
    free(perm);
    free(x);
    clgan_data_table_free(&t);
    if (st != CLGAN_STATUS_OK)
        clgan_mlp_pred_free(out);
    return st;
}

/* ---------------------------------------------------------------- save and load */

static const char *loss_str(enum clgan_mlp_loss l)
{
    return l == CLGAN_MLP_LOSS_CE ? "ce" : "sse";
}

clgan_status clgan_mlp_save(clgan_mlp *mm, const char *path)
{
    clgan_st_writer *w = NULL;
    char err[1024] = "", key[64], val[512];
    clgan_status st = clgan_io_st_writer_init(&w, err, sizeof(err));
    if (st == CLGAN_STATUS_OK)
        st = clgan_ckpt_add_model(w, mm->m, "", 0, err, sizeof(err));
    int64_t dshape = mm->d;
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_st_writer_add(w, "norm.mean", CLGAN_ST_F64, 1, &dshape, mm->mean, err,
                                    sizeof(err));
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_st_writer_add(w, "norm.std", CLGAN_ST_F64, 1, &dshape, mm->std, err,
                                    sizeof(err));
    /* sizes "4,5,3" and learning parameters as text */
    size_t used = 0;
    for (int i = 0; i < mm->n_sizes; i++)
        used +=
            (size_t)snprintf(val + used, sizeof(val) - used, "%s%d", i ? "," : "", mm->sizes[i]);
    struct {
        const char *k;
        char v[512];
    } meta[8];
    int nm = 0;
    snprintf(meta[nm].v, sizeof(meta[nm].v), "%s", FORMAT), meta[nm++].k = "format";
    snprintf(meta[nm].v, sizeof(meta[nm].v), "%s", val), meta[nm++].k = "sizes";
    snprintf(meta[nm].v, sizeof(meta[nm].v), "logistic"), meta[nm++].k = "hidden_act";
    snprintf(meta[nm].v, sizeof(meta[nm].v), "%s",
             mm->p.loss == CLGAN_MLP_LOSS_CE ? "softmax" : "logistic"),
        meta[nm++].k = "output_act";
    snprintf(meta[nm].v, sizeof(meta[nm].v), "%s", loss_str(mm->p.loss)), meta[nm++].k = "loss";
    snprintf(meta[nm].v, sizeof(meta[nm].v), "%s", clgan_mlp_learn_str(mm->p.learn)),
        meta[nm++].k = "learn";
    used = 0;
    for (int i = 0; i < mm->n_lp; i++)
        used += (size_t)snprintf(meta[nm].v + used, sizeof(meta[nm].v) - used, "%s%.17g",
                                 i ? "," : "", mm->lp[i]);
    meta[nm++].k = "learn_params";
    snprintf(meta[nm].v, sizeof(meta[nm].v), "%d", mm->epochs), meta[nm++].k = "epochs";
    for (int i = 0; i < nm && st == CLGAN_STATUS_OK; i++)
        st = clgan_io_st_writer_meta(w, meta[i].k, meta[i].v, err, sizeof(err));
    snprintf(val, sizeof(val), "%" PRIu64, mm->p.seed);
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_st_writer_meta(w, "seed", val, err, sizeof(err));
    snprintf(val, sizeof(val), "%.17g", mm->p.test_ratio);
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_st_writer_meta(w, "test_ratio", val, err, sizeof(err));
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_st_writer_meta(w, "class_column", mm->class_column, err, sizeof(err));
    /* names one entry each: labels may hold commas or quotes */
    for (int i = 0; i < mm->k && st == CLGAN_STATUS_OK; i++) {
        snprintf(key, sizeof(key), "class.%d", i);
        st = clgan_io_st_writer_meta(w, key, mm->class_names[i], err, sizeof(err));
    }
    for (int i = 0; i < mm->d && st == CLGAN_STATUS_OK; i++) {
        snprintf(key, sizeof(key), "feature.%d", i);
        st = clgan_io_st_writer_meta(w, key, mm->feature_names[i], err, sizeof(err));
    }
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_st_writer_save(w, path, err, sizeof(err));
    clgan_io_st_writer_free(w);
    if (st != CLGAN_STATUS_OK)
        fail(mm, st, "%s", err);
    return st;
}

/* Parse "a,b,c" into at most max numbers; returns the count or -1. */
static int parse_list(const char *s, double *v, int max)
{
    int n = 0;
    if (!s || !*s)
        return 0;
    for (;;) {
        char *end;
        if (n == max)
            return -1;
        v[n++] = strtod(s, &end);
        if (end == s)
            return -1;
        if (!*end)
            return n;
        if (*end != ',')
            return -1;
        s = end + 1;
    }
}

static char **meta_names(const clgan_st_file *f, const char *prefix, int n)
{
    char key[64];
    char **v = calloc((size_t)n, sizeof(char *));
    for (int i = 0; v && i < n; i++) {
        snprintf(key, sizeof(key), "%s.%d", prefix, i);
        const char *s = clgan_io_st_meta(f, key);
        if (!s || !(v[i] = strdup(s))) {
            free_names(v, i);
            return NULL;
        }
    }
    return v;
}

clgan_status clgan_mlp_load(clgan_ctx *ctx, const char *path, clgan_mlp **out, char *msg,
                            size_t msg_len)
{
    char err[2048] = "";
    clgan_st_file *f = NULL;
    *out = NULL;
    clgan_status st = clgan_io_st_load(path, &f, err, sizeof(err));
    if (st != CLGAN_STATUS_OK) {
        snprintf(msg, msg_len, "%s", err);
        return st;
    }
    struct clgan_mlp *mm = calloc(1, sizeof(*mm));
    if (!mm) {
        clgan_io_st_free(f);
        snprintf(msg, msg_len, "out of host memory");
        return CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    }
    mm->ctx = ctx;
    mm->p = clgan_mlp_default_params();
    mm->max_batch = LOAD_MAX_BATCH;
    const char *fmt = clgan_io_st_meta(f, "format"), *lo = clgan_io_st_meta(f, "loss");
    const char *learn = clgan_io_st_meta(f, "learn"), *cc = clgan_io_st_meta(f, "class_column");
    const char *seed = clgan_io_st_meta(f, "seed"), *ratio = clgan_io_st_meta(f, "test_ratio");
    const char *ep = clgan_io_st_meta(f, "epochs");
    double sz[CLGAN_MLP_MAX_HIDDEN + 2];
    int ns = parse_list(clgan_io_st_meta(f, "sizes"), sz, CLGAN_MLP_MAX_HIDDEN + 2);
    int ok = fmt && !strcmp(fmt, FORMAT) && lo && (!strcmp(lo, "sse") || !strcmp(lo, "ce")) &&
             learn && cc && seed && ratio && ns >= 2;
    for (int i = 0; ok && i < ns; i++) {
        ok = sz[i] >= 1 && sz[i] <= 65536 && sz[i] == floor(sz[i]);
        mm->sizes[i] = ok ? (int)sz[i] : 0;
    }
    if (ok) {
        char *end;
        mm->n_sizes = ns;
        mm->d = mm->sizes[0];
        mm->k = mm->sizes[ns - 1];
        mm->p.loss = !strcmp(lo, "ce") ? CLGAN_MLP_LOSS_CE : CLGAN_MLP_LOSS_SSE;
        mm->p.n_hidden = ns - 2;
        for (int i = 0; i < ns - 2; i++)
            mm->p.hidden[i] = mm->sizes[1 + i];
        for (int l = CLGAN_MLP_QUICKPROP; l <= CLGAN_MLP_ADAM; l++)
            if (!strcmp(learn, clgan_mlp_learn_str((enum clgan_mlp_learn)l)))
                mm->p.learn = (enum clgan_mlp_learn)l;
        mm->n_lp = clgan_mlp_learn_defaults(mm->p.learn, mm->lp);
        int nlp = parse_list(clgan_io_st_meta(f, "learn_params"), mm->lp, mm->n_lp);
        mm->p.seed = strtoull(seed, &end, 10);
        ok = nlp == mm->n_lp && *end == 0;
        mm->p.test_ratio = strtod(ratio, &end);
        ok = ok && *end == 0 && mm->p.test_ratio >= 0.0 && mm->p.test_ratio < 1.0;
        mm->epochs = ep ? atoi(ep) : 0;
        mm->class_names = meta_names(f, "class", mm->k);
        mm->feature_names = meta_names(f, "feature", mm->d);
        mm->class_column = strdup(cc);
        ok = ok && mm->class_names && mm->feature_names && mm->class_column;
    }
    if (!ok) {
        snprintf(msg, msg_len, "%s: not a clgan MLP file (metadata missing or bad)", path);
        st = CLGAN_STATUS_CORRUPT_FILE;
        goto out;
    }
    mm->mean = malloc((size_t)mm->d * sizeof(double));
    mm->std = malloc((size_t)mm->d * sizeof(double));
    if (!mm->mean || !mm->std) {
        snprintf(msg, msg_len, "out of host memory");
        st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
        goto out;
    }
    int64_t dshape = mm->d;
    const struct clgan_st_tensor *tm = NULL, *ts = NULL;
    st = clgan_io_st_get(f, "norm.mean", CLGAN_ST_F64, 1, &dshape, &tm, err, sizeof(err));
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_st_get(f, "norm.std", CLGAN_ST_F64, 1, &dshape, &ts, err, sizeof(err));
    if (st != CLGAN_STATUS_OK) {
        snprintf(msg, msg_len, "%s", err);
        goto out;
    }
    memcpy(mm->mean, tm->data, (size_t)mm->d * sizeof(double));
    memcpy(mm->std, ts->data, (size_t)mm->d * sizeof(double));
    for (int j = 0; j < mm->d; j++)
        if (!isfinite(mm->mean[j]) || !(mm->std[j] > 0.0) || !isfinite(mm->std[j])) {
            snprintf(msg, msg_len, "%s: normalisation of feature %d is not usable", path, j + 1);
            st = CLGAN_STATUS_CORRUPT_FILE;
            goto out;
        }
    if ((st = build(mm)) != CLGAN_STATUS_OK) {
        snprintf(msg, msg_len, "%s", mm->err);
        goto out;
    }
    st = clgan_ckpt_load_model(f, mm->m, "", 0, err, sizeof(err));
    if (st != CLGAN_STATUS_OK)
        snprintf(msg, msg_len, "%s: %s", path, err);
out:
    clgan_io_st_free(f);
    if (st != CLGAN_STATUS_OK)
        clgan_mlp_free(mm);
    else
        *out = mm;
    return st;
}

/*
 * mlp_train.c - training of the MLP classifiers: SNNS's and PyTorch's learning rules (their
 * parameters, defaults and optimizer) and the epoch, all of it on the device.
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
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "data/data.h"
#include "nn/nn.h"
#include "ops/loss.h"
#include "ops/snns.h"
#include "train/mlp.h"

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

/* Fill lp with the rule's parameters (defaults, then the given ones) and check them. */
int clgan_mlp_resolve_params(const struct clgan_mlp_params *p, double *lp, int *n_lp, char *msg,
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

static int is_mean_rule(const struct clgan_mlp *mm)
{
    return mm->p.learn == CLGAN_MLP_SGD || mm->p.learn == CLGAN_MLP_ADAM;
}

/* Rows per update. */
int clgan_mlp_group_rows(const struct clgan_mlp *mm)
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

struct clgan_optim clgan_mlp_optim_of(const struct clgan_mlp *mm)
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
    /* views: the model's output rows, targets and deltas as rows of k, the error slot */
    struct clgan_tensor x = clgan_model_output(mm->m, rows),
                        tv = clgan_tensor_view(t, t_off, CLGAN_DTYPE_F32, rows, mm->k, 1, 1),
                        dv = clgan_tensor_view(delta, 0, CLGAN_DTYPE_F32, rows, mm->k, 1, 1),
                        ev = clgan_tensor_view(mm->errs.m, slot, CLGAN_DTYPE_F32, 1, 1, 1, 1);
    return clgan_ops_loss_softmax_xent(mm->ctx, mean ? 1.0f : (float)rows, &x, &tv, &dv, 0.0f, &ev,
                                       err_beta, NULL);
}

clgan_status clgan_mlp_epoch(clgan_mlp *mm, double *train_error, double *test_error)
{
    if (!mm->has_data)
        return clgan_mlp_fail(mm, CLGAN_STATUS_INVALID_ARGUMENT,
                              "this network was loaded from a file and has no training rows");
    clgan_ctx *ctx = mm->ctx;
    struct clgan_model *m = mm->m;
    size_t ntr = mm->sp.n_train, nte = mm->sp.n_test, d = (size_t)mm->d, k = (size_t)mm->k;
    int R = clgan_mlp_group_rows(mm), groups = (int)((ntr + (size_t)R - 1) / (size_t)R);
    int mean = is_mean_rule(mm), online = mm->p.learn == CLGAN_MLP_STD_BACKPROP;
    clgan_status st = CLGAN_STATUS_OK;
    char err[256];

    if (mm->p.learn != CLGAN_MLP_QUICKPROP) {
        /* a fresh pattern order each epoch, uploaded once */
        st = clgan_data_shuffle(mm->order, ntr, &mm->order_state, err, sizeof(err));
        if (st != CLGAN_STATUS_OK)
            return clgan_mlp_fail(mm, st, "%s", err);
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
        return clgan_mlp_dev_fail(mm, st);
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
            return clgan_mlp_fail(
                mm, CLGAN_STATUS_NUMERICAL,
                "epoch %d: the error is not finite (training %g, test %g); try smaller "
                "learning parameters",
                mm->epochs, tr, te);
    }
    return CLGAN_STATUS_OK;
}

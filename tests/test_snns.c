/* labels: kernel; timeout: 300 */
/*
 * test_snns.c - SNNS's error and derivative kernels against the reference on every device (dead
 * zone edges included), and whole Quickprop epochs of small hand-built networks, run by the MLP
 * trainer on the device, against a host reference of the SNNS epoch written unit by unit as
 * SNNS does it: forward in double, the dmax dead zone, the 0.1 flat spot on every logistic
 * derivative, slopes summed over the patterns with the epoch's starting weights, then the
 * Quickprop update (ref/opt.h) with decay. Every Quickprop branch must be taken.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "ops/snns.h"
#include "ref/opt.h"
#include "ref/snns.h"
#include "train/mlp.h"

/* ---------------------------------------------------------------- kernels */

/* Outputs in (0, 1) and one-hot targets, with exact dead-zone edges planted: o = 0.5 against
 * t = 0 or 1 gives |d| = 0.5 exactly, o = 0.75 against 1 gives 0.25, o = 0.875 against 1 gives
 * 0.125 (all representable). */
static void sse_data(size_t n, float *o, float *t)
{
    float *r = th_rand(n, 0.001f, 0.999f), *c = th_rand(n, 0.0f, 1.0f);
    for (size_t i = 0; i < n; i++) {
        o[i] = r[i];
        t[i] = c[i] < 0.3f ? 1.0f : 0.0f;
        if (i % 11 == 3)
            o[i] = 0.5f;
        if (i % 13 == 5)
            o[i] = 0.75f, t[i] = 1.0f;
        if (i % 17 == 7)
            o[i] = 0.875f, t[i] = 1.0f;
    }
    free(r);
    free(c);
}

static void run_sse(struct th_device *d, size_t n, float dmax, float flat, float scale,
                    int want_delta, float err_beta)
{
    char name[160];
    snprintf(name, sizeof(name), "snns_sse(n=%zu dmax=%g flat=%g scale=%g delta=%d beta=%g)", n,
             (double)dmax, (double)flat, (double)scale, want_delta, (double)err_beta);
    if (!th_want(name))
        return;
    const size_t o_off = 3;
    float *o = th_alloc(o_off + n), *t = th_alloc(o_off + n), *want = th_alloc(n);
    float *got = th_alloc(o_off + n), err0[2] = {0.0f, 1.25f};
    sse_data(n, o + o_off, t + o_off);
    double ref = clgan_ref_snns_sse(n, dmax, flat, scale, o + o_off, t + o_off, want);
    ref += err_beta * err0[1];
    cl_mem mo = th_upload(d, o, o_off + n), mt = th_upload(d, t, o_off + n);
    cl_mem md = th_upload(d, NULL, o_off + n), me = th_upload(d, err0, 2);
    clgan_status st = clgan_ops_snns_sse(d->ctx, n, dmax, flat, scale, mo, o_off, mt, o_off,
                                         want_delta ? md : NULL, o_off, me, 1, err_beta);
    if (th_status(st, name, d)) {
        char part[200];
        float e[2], r = (float)ref;
        th_download(d, me, e, 2);
        snprintf(part, sizeof(part), "%s error", name);
        /* float sums of up to a few thousand terms of size <= 1 */
        th_check(part, d, e + 1, &r, 1, 1e-6, 2e-6, 1e-11);
        th_expect(e[0] == 0.0f, part, d, "slot before the error overwritten: %g", (double)e[0]);
        if (want_delta) {
            th_download(d, md, got, o_off + n);
            snprintf(part, sizeof(part), "%s delta", name);
            /* one fma against the reference's double: an ulp or two */
            th_check(part, d, got + o_off, want, n, 1e-7, 1e-6, 1e-13);
        }
    }
    th_free_mem(d, mo, o_off + n);
    th_free_mem(d, mt, o_off + n);
    th_free_mem(d, md, o_off + n);
    th_free_mem(d, me, 2);
    free(o), free(t), free(want), free(got);
}

/* The dead zone decided on the exact edges: with dmax 0.5, only |d| > 0.5 counts. */
static void run_sse_edges(struct th_device *d)
{
    const char *name = "snns_sse(dead zone edges)";
    if (!th_want(name))
        return;
    /* d = 0.5, -0.5, 0.25, 0.5 + 2^-24 (the next float), -0.75 */
    float o[] = {0.5f, 0.5f, 0.75f, 0.49999994f, 0.75f}, t[] = {1.0f, 0.0f, 1.0f, 1.0f, 0.0f};
    double d3 = 1.0 - (double)o[3];
    float want_err = (float)(d3 * d3 + 0.75 * 0.75);
    cl_mem mo = th_upload(d, o, 5), mt = th_upload(d, t, 5), md = th_upload(d, NULL, 5);
    cl_mem me = th_upload(d, NULL, 1);
    clgan_status st =
        clgan_ops_snns_sse(d->ctx, 5, 0.5f, 0.1f, 1.0f, mo, 0, mt, 0, md, 0, me, 0, 0);
    if (th_status(st, name, d)) {
        float e, g[5];
        th_download(d, me, &e, 1);
        th_download(d, md, g, 5);
        th_check(name, d, &e, &want_err, 1, 1e-7, 1e-6, 1e-12);
        th_expect(g[0] == 0.0f && g[1] == 0.0f && g[2] == 0.0f && g[3] != 0.0f && g[4] > 0.0f, name,
                  d, "deltas %g %g %g %g %g", (double)g[0], (double)g[1], (double)g[2],
                  (double)g[3], (double)g[4]);
    }
    th_free_mem(d, mo, 5);
    th_free_mem(d, mt, 5);
    th_free_mem(d, md, 5);
    th_free_mem(d, me, 1);
}

static void run_logistic_bwd(struct th_device *d, size_t n, float flat, int in_place)
{
    char name[128];
    snprintf(name, sizeof(name), "snns_logistic_bwd(n=%zu flat=%g%s)", n, (double)flat,
             in_place ? " in place" : "");
    if (!th_want(name))
        return;
    const size_t off = 2;
    float *y = th_rand(off + n, 0.0f, 1.0f), *dy = th_rand(off + n, -2.0f, 2.0f);
    float *want = th_alloc(n), *got = th_alloc(off + n);
    y[off] = 0.0f, y[off + n - 1] = 1.0f; /* saturated units: only the flat spot remains */
    clgan_ref_snns_logistic_bwd(n, flat, y + off, dy + off, want);
    cl_mem my = th_upload(d, y, off + n), mdy = th_upload(d, dy, off + n);
    cl_mem mdx = in_place ? mdy : th_upload(d, NULL, off + n);
    clgan_status st = clgan_ops_snns_logistic_bwd(d->ctx, n, flat, my, off, mdy, off, mdx, off);
    if (th_status(st, name, d)) {
        th_download(d, mdx, got, off + n);
        th_check(name, d, got + off, want, n, 1e-7, 1e-6, 1e-13);
    }
    th_free_mem(d, my, off + n);
    th_free_mem(d, mdy, off + n);
    if (!in_place)
        th_free_mem(d, mdx, off + n);
    free(y), free(dy), free(want), free(got);
}

/* ---------------------------------------------------------------- whole epochs */

struct qcase {
    const char *what;
    int hidden[2], n_hidden;
    int rows, k;
    double eta, mu, decay, dmax;
    int epochs;
};

/* Branches of the Quickprop update for one parameter: 0 a = 0, 1 a > 0 capped by mu, 2 a > 0
 * quadratic, 3 a < 0 capped, 4 a < 0 quadratic (as cl/opt.cl decides them, in float). */
static int qp_branch(float mu, float a, float b, float s)
{
    float fb = (float)((double)mu / (1.0 + (double)mu)) * b;
    if (a > 0.0f)
        return s <= fb ? 1 : 2;
    if (a < 0.0f)
        return s >= fb ? 3 : 4;
    return 0;
}

struct refnet {
    int L;        /* linear layers */
    int sizes[4]; /* units per layer, inputs first */
    size_t woff[3], boff[3], np;
    float *theta, *grad, *a, *b; /* as the device keeps them */
};

static double logistic(double v)
{
    return 1.0 / (1.0 + exp(-v));
}

/*
 * One SNNS Quickprop epoch over rows patterns (x rows x sizes[0], t rows x k): returns the error
 * sum of d^2, counts dead-zone outputs, records the smallest distance of any |d| from dmax
 * (a decision the device takes in float), and counts the update's branches.
 */
static double ref_epoch(struct refnet *n, const float *x, const float *t, int rows, float dmax,
                        float eta, float mu, float decay, size_t *dead, double *margin,
                        size_t *branches)
{
    double act[4][16], err[4][16], *S = calloc(n->np, sizeof(double)), sse = 0.0;
    /* the slopes start from what the last update left: decay * theta (0 before the first) */
    for (size_t i = 0; i < n->np; i++)
        S[i] = n->grad[i];
    for (int p = 0; p < rows; p++) {
        for (int i = 0; i < n->sizes[0]; i++)
            act[0][i] = x[p * n->sizes[0] + i];
        for (int l = 1; l <= n->L; l++)
            for (int j = 0; j < n->sizes[l]; j++) {
                const float *w = n->theta + n->woff[l - 1] + (size_t)j * n->sizes[l - 1];
                double net = n->theta[n->boff[l - 1] + j];
                for (int i = 0; i < n->sizes[l - 1]; i++)
                    net += (double)w[i] * act[l - 1][i];
                act[l][j] = logistic(net);
            }
        /* output units: SNNS's devit = target - output, skipped inside the dead zone */
        int L = n->L, k = n->sizes[L];
        for (int j = 0; j < k; j++) {
            double o = act[L][j], devit = t[p * k + j] - o;
            double m = fabs(fabs(devit) - dmax);
            *margin = m < *margin ? m : *margin;
            if (fabs(devit) <= dmax) {
                err[L][j] = 0.0;
                (*dead)++;
                continue;
            }
            sse += devit * devit;
            err[L][j] = devit * (o * (1.0 - o) + 0.1); /* flat spot */
        }
        /* hidden units: the error comes back through the epoch's starting weights */
        for (int l = L - 1; l >= 1; l--)
            for (int i = 0; i < n->sizes[l]; i++) {
                double e = 0.0;
                for (int j = 0; j < n->sizes[l + 1]; j++)
                    e += (double)n->theta[n->woff[l] + (size_t)j * n->sizes[l] + i] * err[l + 1][j];
                err[l][i] = e * (act[l][i] * (1.0 - act[l][i]) + 0.1);
            }
        /* slopes dE/dw = -error * input, summed over the patterns */
        for (int l = 1; l <= L; l++)
            for (int j = 0; j < n->sizes[l]; j++) {
                for (int i = 0; i < n->sizes[l - 1]; i++)
                    S[n->woff[l - 1] + (size_t)j * n->sizes[l - 1] + i] -=
                        err[l][j] * act[l - 1][i];
                S[n->boff[l - 1] + j] -= err[l][j];
            }
    }
    for (size_t i = 0; i < n->np; i++) {
        n->grad[i] = (float)S[i];
        branches[qp_branch(mu, n->a[i], n->b[i], n->grad[i])]++;
    }
    clgan_ref_opt_quickprop(n->np, eta, mu, decay, n->theta, n->grad, n->a, n->b);
    free(S);
    return sse;
}

static void run_epochs(struct th_device *d, const struct qcase *c)
{
    char name[200];
    snprintf(name, sizeof(name), "quickprop_epochs(%s, eta=%g mu=%g decay=%g dmax=%g, %d epochs)",
             c->what, c->eta, c->mu, c->decay, c->dmax, c->epochs);
    if (!th_want(name))
        return;
    /* a small table: 3 features on different scales, classes in turn */
    enum { D = 3 };
    double *x = malloc((size_t)c->rows * D * sizeof(double));
    int32_t *y = malloc((size_t)c->rows * sizeof(int32_t));
    for (int r = 0; r < c->rows; r++) {
        y[r] = r % c->k;
        x[r * D + 0] = 1.0 + 0.7 * y[r] + 0.3 * sin(1.3 * r);
        x[r * D + 1] = 50.0 + 8.0 * cos(0.9 * r + y[r]);
        x[r * D + 2] = 0.01 * r - 0.2 * y[r];
    }
    char *cls[] = {"a", "b", "c"}, *feat[] = {"f1", "f2", "f3"}, col[] = "class";
    struct clgan_table tab = {.n = (size_t)c->rows,
                              .d = D,
                              .x = x,
                              .y = y,
                              .n_classes = c->k,
                              .class_names = cls,
                              .feature_names = feat,
                              .class_column = col};
    struct clgan_mlp_params p = clgan_mlp_default_params();
    p.n_hidden = c->n_hidden;
    memcpy(p.hidden, c->hidden, sizeof(c->hidden));
    p.learn = CLGAN_MLP_QUICKPROP;
    p.learn_params[0] = c->eta, p.learn_params[1] = c->mu;
    p.learn_params[2] = c->decay, p.learn_params[3] = c->dmax;
    p.n_learn_params = 4;
    p.test_ratio = 0.0;
    clgan_mlp *mlp = NULL;
    char msg[512] = "";
    clgan_status st = clgan_mlp_init_table(d->ctx, &tab, "table", &p, &mlp, msg, sizeof(msg));
    if (!th_expect(st == CLGAN_STATUS_OK, name, d, "network built%s%s", *msg ? ": " : "", msg)) {
        free(x), free(y);
        return;
    }
    struct clgan_model *m = clgan_mlp_model(mlp);
    const struct clgan_mlp_split *sp = clgan_mlp_split_of(mlp);
    struct refnet n = {.L = c->n_hidden + 1};
    n.sizes[0] = D;
    for (int i = 0; i < c->n_hidden; i++)
        n.sizes[1 + i] = c->hidden[i];
    n.sizes[n.L] = c->k;
    for (int l = 0; l < n.L; l++) {
        n.woff[l] = n.np;
        n.np += (size_t)n.sizes[l] * n.sizes[l + 1];
        n.boff[l] = n.np;
        n.np += (size_t)n.sizes[l + 1];
    }
    th_expect(n.np == m->n_params, name, d, "%zu parameters, the reference has %zu", m->n_params,
              n.np);
    /* hand-built weights: a fixed pattern of both signs and several sizes */
    n.theta = th_alloc(n.np), n.grad = th_alloc(n.np), n.a = th_alloc(n.np), n.b = th_alloc(n.np);
    for (size_t i = 0; i < n.np; i++)
        n.theta[i] = (float)(0.6 * sin(1.7 * (double)i + 0.3) + 0.05 * (double)(i % 3));
    st = clgan_rt_write(d->ctx, m->params, 0, n.np * sizeof(float), n.theta);
    size_t dead = 0, branches[5] = {0, 0, 0, 0, 0};
    double margin = INFINITY, worst_err = 0.0;
    for (int e = 0; e < c->epochs && st == CLGAN_STATUS_OK; e++) {
        double got_err;
        double want =
            ref_epoch(&n, sp->x_train, sp->t_train, c->rows, (float)c->dmax, (float)c->eta,
                      (float)c->mu, (float)c->decay, &dead, &margin, branches);
        st = clgan_mlp_epoch(mlp, &got_err, NULL);
        if (st != CLGAN_STATUS_OK)
            th_expect(0, name, d, "epoch %d: %s", e + 1, clgan_mlp_last_error(mlp));
        double rel = fabs(got_err - want) / (1e-6 + fabs(want));
        worst_err = rel > worst_err ? rel : worst_err;
    }
    if (st == CLGAN_STATUS_OK) {
        char part[260];
        float *got = th_alloc(n.np);
        /* float sums over the patterns against double ones, through several updates */
        snprintf(part, sizeof(part), "%s error per epoch", name);
        th_expect(worst_err < 1e-4, part, d, "largest relative difference %.3g", worst_err);
        static const char *what[] = {"weights", "slope buffer (decay * theta)", "previous step",
                                     "previous slope"};
        cl_mem bufs[] = {m->params, m->grads, m->opt_a, m->opt_b};
        float *refs[] = {n.theta, n.grad, n.a, n.b};
        for (int j = 0; j < 4; j++) {
            th_download(d, bufs[j], got, n.np);
            snprintf(part, sizeof(part), "%s %s", name, what[j]);
            /* float accumulation and S / (b - S) amplify roundings over the epochs */
            th_check(part, d, got, refs[j], n.np, 2e-6, 1e-4, 1e-8);
        }
        snprintf(part, sizeof(part), "%s dead zone", name);
        th_expect(dead > 0 && dead < (size_t)(c->epochs * c->rows * c->k) && margin > 1e-5, part, d,
                  "%zu of %d outputs inside dmax; nearest |d| to dmax %.2g (must be clear of "
                  "float rounding)",
                  dead, c->epochs * c->rows * c->k, margin);
        snprintf(part, sizeof(part), "%s branches", name);
        th_expect(branches[0] && branches[1] && branches[2] && branches[3] && branches[4], part, d,
                  "a=0: %zu, a>0 mu cap: %zu, a>0 quadratic: %zu, a<0 mu cap: %zu, a<0 "
                  "quadratic: %zu",
                  branches[0], branches[1], branches[2], branches[3], branches[4]);
        free(got);
    } else {
        th_status(st, name, d);
    }
    clgan_mlp_free(mlp);
    free(n.theta), free(n.grad), free(n.a), free(n.b), free(x), free(y);
}

int main(int argc, char **argv)
{
    th_init(argc, argv, 1);
    static const struct qcase qcases[] = {
        {"3-4-3-2, two hidden layers", {4, 3}, 2, 10, 2, 0.1, 2.0, 1e-4, 0.1, 8},
        {"3-5-3", {5, 0}, 1, 12, 3, 0.3, 1.75, 0.01, 0.3, 8},
        {"3-4-2, SNNS settings", {4, 0}, 1, 9, 2, 0.1, 2.0, 1e-4, 0.1, 12},
    };
    for (int i = 0; i < th_ndev(); i++) {
        struct th_device *d = th_dev(i);
        size_t sizes[] = {1, 7, 69, 381, d->small ? 600 : 5003};
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
            run_sse(d, sizes[s], 0.1f, 0.1f, 1.0f, 1, 0.0f);
            run_sse(d, sizes[s], 0.0f, 0.0f, 1.0f / 127.0f, 1, 1.0f);
        }
        run_sse(d, 381, 0.5f, 0.1f, 1.0f, 0, 0.0f);
        run_sse(d, 381, 0.25f, 0.0f, 0.5f, 1, 1.0f);
        run_sse(d, 381, 0.125f, 0.1f, 1.0f, 1, 0.0f);
        run_sse_edges(d);
        size_t bn[] = {1, 5, 127 * 5, d->small ? 999 : 4099};
        for (size_t s = 0; s < sizeof(bn) / sizeof(bn[0]); s++) {
            run_logistic_bwd(d, bn[s], 0.1f, 0);
            run_logistic_bwd(d, bn[s], 0.0f, 1);
        }
        for (size_t q = 0; q < sizeof(qcases) / sizeof(qcases[0]); q++)
            run_epochs(d, &qcases[q]);
    }
    return th_finish();
}

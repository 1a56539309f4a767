/* labels: kernel ref; timeout: 300 */
/*
 * test_loss.c - losses: the reference gradients against central finite differences in double,
 * then BCE-with-logits, squared error and softmax cross-entropy on every device against the
 * reference, with accumulation on and off, absent outputs, extreme logits, batch 1 and odd
 * sizes; and the views the losses refuse.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "ops/loss.h"
#include "ref/loss.h"

enum { BCE, SQ, XENT };

struct lcase {
    int op;
    size_t n, cols;   /* elements (BCE, SQ) or rows x cols (XENT) */
    float t, s, dmax; /* BCE target; scale; SQ dmax */
    int kind;         /* SQ kind; XENT: 1 soft targets; BCE: 1 confident logits (|x| >= 15) */
};

static double *to_d(const float *f, size_t n)
{
    double *d = malloc((n ? n : 1) * sizeof(double));
    if (!d)
        exit(1);
    for (size_t i = 0; i < n; i++)
        d[i] = f[i];
    return d;
}

static double loss_d(const struct lcase *c, const double *x, const double *y, double *dx)
{
    switch (c->op) {
    case BCE:
        return clgan_ref_loss_bce_logits_d(c->n, c->t, c->s, x, dx);
    case SQ:
        return clgan_ref_loss_sq_d(c->kind, c->n, c->s, c->dmax, x, y, dx);
    default:
        return clgan_ref_loss_softmax_xent_d(c->n, c->cols, c->s, x, y, dx);
    }
}

static const char *op_name(int op)
{
    return op == BCE ? "bce_logits" : op == SQ ? "sq" : "softmax_xent";
}

/* Targets: SQ values, XENT one-hot rows (or soft rows). */
static float *targets(const struct lcase *c, size_t total)
{
    if (c->op == SQ)
        return th_rand(total, -1, 1);
    float *t = th_rand(total, 0, 1);
    if (c->op == XENT && !c->kind)
        for (size_t r = 0; r < c->n; r++)
            for (size_t k = 0; k < c->cols; k++)
                t[r * c->cols + k] = k == (r * 5 + 2) % c->cols ? 1.0f : 0.0f;
    return t;
}

static void ref_fd(const struct lcase *c)
{
    char name[96];
    snprintf(name, sizeof(name), "ref_loss_%s_fd(n=%zu t=%g s=%g k=%d dmax=%g)", op_name(c->op),
             c->n, (double)c->t, (double)c->s, c->kind, (double)c->dmax);
    if (!th_want(name))
        return;
    size_t total = c->op == XENT ? c->n * c->cols : c->n;
    float *xf = th_rand(total, -3, 3), *yf = targets(c, total);
    double *x = to_d(xf, total), *y = to_d(yf, total), *dx = to_d(xf, total);
    /* keep clear of the dmax step, where the loss is not differentiable */
    for (size_t i = 0; c->op == SQ && c->dmax > 0 && i < total; i++)
        if (fabs(fabs(x[i] - y[i]) - c->dmax) < 1e-3)
            x[i] += 0.01;
    loss_d(c, x, y, dx);
    float *an = th_alloc(total), *fd = th_alloc(total);
    const double h = 1e-6;
    for (size_t i = 0; i < total; i++) {
        double keep = x[i];
        x[i] = keep + h;
        double lp = loss_d(c, x, y, NULL);
        x[i] = keep - h;
        double lm = loss_d(c, x, y, NULL);
        x[i] = keep;
        fd[i] = (float)((lp - lm) / (2 * h));
        an[i] = (float)dx[i];
    }
    /* truncation h^2 L''' / 6 ~ 1e-13, rounding 1e-16 / h ~ 1e-10 */
    th_check(name, NULL, an, fd, total, 1e-8, 1e-6, 1e-14);
    free(xf), free(yf), free(x), free(y), free(dx), free(an), free(fd);
}

/* Device against reference. mode bit 0: accumulate dx and loss; bit 1: skip dx and the extra
 * scalar (prob / acc). */
static void run_case(struct th_device *d, const struct lcase *c, int mode)
{
    char name[128];
    snprintf(name, sizeof(name), "loss_%s(n=%zu%s%zu t=%g s=%g k=%d dmax=%g%s%s)", op_name(c->op),
             c->n, c->op == XENT ? "x" : "", c->op == XENT ? c->cols : 0, (double)c->t,
             (double)c->s, c->kind, (double)c->dmax, mode & 1 ? " acc" : "",
             mode & 2 ? " lossonly" : "");
    /* drop the "0" printed for the column count of flat losses */
    if (c->op != XENT) {
        char *z = strstr(name, "0 t=");
        if (z)
            memmove(z, z + 1, strlen(z));
    }
    if (!th_want(name))
        return;
    size_t total = c->op == XENT ? c->n * c->cols : c->n;
    const size_t ox = 2, oy = 1, od = 3;
    float *x = th_rand(ox + total, -6, 6), *y = targets(c, oy + total);
    static const float extreme[] = {100.0f, -100.0f, 1e4f, -1e4f, 0.0f, 30.0f, -30.0f};
    for (size_t i = 0;
         c->op == BCE && !c->kind && i < sizeof(extreme) / sizeof(extreme[0]) && i < total; i++)
        x[ox + (i * 31) % total] = extreme[i];
    if (c->op == BCE && c->kind)
        /* every logit confidently right: the loss is a sum of e^-|x| that log(1 + e^-|x|)
         * would round to 0 */
        for (size_t i = 0; i < total; i++)
            x[ox + i] = (c->t > 0.5f ? 1.0f : -1.0f) * (15.0f + 2.5f * fabsf(x[ox + i]));
    else if (c->op == XENT && total > 3)
        x[ox + 1] = 80.0f; /* exp overflows without the row maximum */
    float *dx0 = th_rand(od + total, -1, 1), *dxr = th_alloc(od + total);
    float *got = th_alloc(od + total);
    float sc0[4] = {9.0f, 0.25f, -3.0f, 9.0f}, scr[4], scg[4];
    memcpy(dxr, dx0, (od + total) * sizeof(float));
    memcpy(scr, sc0, sizeof(sc0));
    float beta = mode & 1 ? 1.0f : 0.0f;
    int skip = (mode & 2) != 0;
    float *dxp = skip ? NULL : dxr + od, *xp = x + ox, *yp = y + oy;
    switch (c->op) {
    case BCE:
        clgan_ref_loss_bce_logits(c->n, c->t, c->s, xp, dxp, beta, &scr[1], beta,
                                  skip ? NULL : &scr[2]);
        break;
    case SQ:
        clgan_ref_loss_sq(c->kind, c->n, c->s, c->dmax, xp, yp, dxp, beta, &scr[1], beta);
        break;
    default:
        clgan_ref_loss_softmax_xent(c->n, c->cols, c->s, xp, yp, dxp, beta, &scr[1], beta,
                                    skip ? NULL : &scr[2]);
    }
    cl_mem mx = th_upload(d, x, ox + total), my = th_upload(d, y, oy + total);
    cl_mem mdx = th_upload(d, dx0, od + total), ms = th_upload(d, sc0, 4);
    /* rows of cols for the cross-entropy; flat losses read n elements as [n, 1, 1, 1] (x) and
     * [1, n, 1, 1] (y, dx): their shapes may differ */
    int rows = (int)c->n, cols = c->op == XENT ? (int)c->cols : 1;
    struct clgan_tensor vx = clgan_tensor_view(mx, ox, CLGAN_DTYPE_F32, rows, cols, 1, 1),
                        vy = c->op == XENT
                                 ? clgan_tensor_view(my, oy, CLGAN_DTYPE_F32, rows, 1, cols, 1)
                                 : clgan_tensor_view(my, oy, CLGAN_DTYPE_F32, 1, rows, 1, 1),
                        vdx = c->op == XENT
                                  ? clgan_tensor_view(mdx, od, CLGAN_DTYPE_F32, rows, 1, 1, cols)
                                  : clgan_tensor_view(mdx, od, CLGAN_DTYPE_F32, 1, rows, 1, 1),
                        vl = clgan_tensor_view(ms, 1, CLGAN_DTYPE_F32, 1, 1, 1, 1),
                        vp = clgan_tensor_view(ms, 2, CLGAN_DTYPE_F32, 1, 1, 1, 1);
    const struct clgan_tensor *gdx = skip ? NULL : &vdx, *gp = skip ? NULL : &vp;
    clgan_status st;
    switch (c->op) {
    case BCE:
        st = clgan_ops_loss_bce_logits(d->ctx, c->t, c->s, &vx, gdx, beta, &vl, beta, gp);
        break;
    case SQ:
        st = clgan_ops_loss_sq(d->ctx, (enum clgan_ops_sq)c->kind, c->s, c->dmax, &vx, &vy, gdx,
                               beta, &vl, beta);
        break;
    default:
        st = clgan_ops_loss_softmax_xent(d->ctx, c->s, &vx, &vy, gdx, beta, &vl, beta, gp);
    }
    if (th_status(st, name, d)) {
        char part[160];
        th_download(d, mdx, got, od + total);
        snprintf(part, sizeof(part), "%s dx", name);
        /* a handful of roundings and exp/log1p (<= 4 ulp) per element; softmax's exp takes
         * x - max - lse, whose float rounding (|.| up to ~20) costs ~20 ulp of p, absolute
         * where p*sum(t) - t cancels */
        double gscale = fabs(c->s) * (c->op == SQ ? 1.0 : 1.0 / c->n);
        th_check(part, d, got, dxr, od + total, (c->op == XENT ? 2e-6 : 1e-7) * gscale, 1e-5,
                 1e-11);
        th_download(d, ms, scg, 4);
        snprintf(part, sizeof(part), "%s scalars", name);
        /* float tree sums of per-element values: relative rounding ~ sqrt(n) ulp; confident
         * logits give a loss of ~1e-7 that must keep its relative accuracy */
        th_check(part, d, scg, scr, 4, c->op == BCE && c->kind ? 0.0 : 1e-7,
                 2e-7 * (4 + sqrt((double)total)), 1e-12);
    }
    th_free_mem(d, mx, ox + total);
    th_free_mem(d, my, oy + total);
    th_free_mem(d, mdx, od + total);
    th_free_mem(d, ms, 4);
    free(x), free(y), free(dx0), free(dxr), free(got);
}

static void expect(struct th_device *d, clgan_status st, clgan_status want, const char *name,
                   const char *needle)
{
    const char *msg = clgan_ctx_last_error(d->ctx);
    th_expect(st == want && strstr(msg, needle), name, d, "%s: %s", clgan_status_str(st), msg);
}

/* Views the losses refuse: another dtype, a gradient or targets of another size, a scalar of
 * two elements, a view past the end, no logits. */
static void run_views(struct th_device *d)
{
    if (!th_want("loss_views"))
        return;
    cl_mem a = th_upload(d, NULL, 16), b = th_upload(d, NULL, 16), s = th_upload(d, NULL, 4);
    struct clgan_tensor x = clgan_tensor_view(a, 0, CLGAN_DTYPE_F32, 4, 3, 1, 1),
                        t = clgan_tensor_view(b, 0, CLGAN_DTYPE_F32, 4, 3, 1, 1),
                        t2 = clgan_tensor_view(b, 0, CLGAN_DTYPE_F32, 3, 4, 1, 1),
                        one = clgan_tensor_view(s, 0, CLGAN_DTYPE_F32, 1, 1, 1, 1),
                        two = clgan_tensor_view(s, 0, CLGAN_DTYPE_F32, 2, 1, 1, 1),
                        past = clgan_tensor_view(s, 4, CLGAN_DTYPE_F32, 1, 1, 1, 1), xi = x,
                        dx11 = clgan_tensor_view(b, 0, CLGAN_DTYPE_F32, 1, 11, 1, 1);
    xi.dtype = CLGAN_DTYPE_I32;
    expect(d, clgan_ops_loss_bce_logits(d->ctx, 1.0f, 1.0f, &xi, NULL, 0.0f, &one, 0.0f, NULL),
           CLGAN_STATUS_UNSUPPORTED, "loss_views_int32", "bce_logits: tensor x is int32");
    expect(
        d,
        clgan_ops_loss_sq(d->ctx, CLGAN_OPS_SQ_MEAN, 1.0f, 0.0f, &x, &t, &dx11, 0.0f, NULL, 0.0f),
        CLGAN_STATUS_INVALID_ARGUMENT, "loss_views_dx_count", "tensor dx");
    expect(d, clgan_ops_loss_softmax_xent(d->ctx, 1.0f, &x, &t2, NULL, 0.0f, &one, 0.0f, NULL),
           CLGAN_STATUS_INVALID_ARGUMENT, "loss_views_targets_rows", "tensor t");
    expect(d, clgan_ops_loss_bce_logits(d->ctx, 1.0f, 1.0f, &x, NULL, 0.0f, &two, 0.0f, NULL),
           CLGAN_STATUS_INVALID_ARGUMENT, "loss_views_scalar", "tensor loss");
    expect(d, clgan_ops_loss_softmax_xent(d->ctx, 1.0f, &x, &t, NULL, 0.0f, NULL, 0.0f, &past),
           CLGAN_STATUS_INVALID_ARGUMENT, "loss_views_past_end", "past the end");
    expect(
        d,
        clgan_ops_loss_sq(d->ctx, CLGAN_OPS_SQ_SUM, 1.0f, 0.0f, NULL, &t, NULL, 0.0f, &one, 0.0f),
        CLGAN_STATUS_INVALID_ARGUMENT, "loss_views_no_x", "no tensor x");
    th_free_mem(d, a, 16);
    th_free_mem(d, b, 16);
    th_free_mem(d, s, 4);
}

int main(int argc, char **argv)
{
    th_init(argc, argv, 1);
    static const struct lcase fd[] = {
        {BCE, 7, 0, 1.0f, 1.0f, 0, 0}, {BCE, 5, 0, 0.0f, -1.0f, 0, 0},
        {BCE, 6, 0, 0.9f, 0.5f, 0, 0}, {SQ, 9, 0, 0, 1.0f, 0.0f, 0},
        {SQ, 9, 0, 0, 1.0f, 0.0f, 1},  {SQ, 9, 0, 0, 2.0f, 0.0f, 2},
        {SQ, 30, 0, 0, 1.0f, 0.3f, 2}, {XENT, 3, 4, 0, 1.0f, 0, 0},
        {XENT, 4, 5, 0, 0.5f, 0, 1},   {XENT, 1, 1, 0, 1.0f, 0, 0},
    };
    for (size_t i = 0; i < sizeof(fd) / sizeof(fd[0]); i++)
        ref_fd(&fd[i]);
    for (int i = 0; i < th_ndev(); i++) {
        struct th_device *d = th_dev(i);
        run_views(d);
        static const size_t ns[] = {1, 7, 64, 1000, 100003};
        for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
            size_t n = ns[k];
            if (d->small && n > 5000)
                continue;
            struct lcase cs[] = {
                {BCE, n, 0, 1.0f, 1.0f, 0, 0},  {BCE, n, 0, 0.0f, 1.0f, 0, 0},
                {BCE, n, 0, 0.0f, -1.0f, 0, 0}, {BCE, n, 0, 0.9f, 1.0f, 0, 0},
                {BCE, n, 0, 1.0f, 1.0f, 0, 1},  {BCE, n, 0, 0.0f, 1.0f, 0, 1},
                {SQ, n, 0, 0, 1.0f, 0.0f, 0},   {SQ, n, 0, 0, 1.0f, 0.0f, 1},
                {SQ, n, 0, 0, 1.0f, 0.0f, 2},   {SQ, n, 0, 0, 0.5f, 0.4f, 2},
            };
            for (size_t j = 0; j < sizeof(cs) / sizeof(cs[0]); j++)
                for (int mode = 0; mode < 3; mode++)
                    if (mode == 0 || n == 64)
                        run_case(d, &cs[j], mode);
        }
        static const size_t shapes[][2] = {{1, 1},   {1, 10},    {7, 3},     {64, 10},
                                           {150, 3}, {1000, 17}, {20000, 10}};
        for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
            if (d->small && shapes[k][0] * shapes[k][1] > 5000)
                continue;
            for (int soft = 0; soft < 2; soft++) {
                struct lcase c = {XENT, shapes[k][0], shapes[k][1], 0, soft ? 0.5f : 1.0f, 0, soft};
                for (int mode = 0; mode < 3; mode++)
                    if (mode == 0 || shapes[k][0] == 64)
                        run_case(d, &c, mode);
            }
        }
    }
    return th_finish();
}

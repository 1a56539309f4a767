/* labels: kernel ref; timeout: 300 */
/*
 * test_bn.c - batch normalisation: the reference backward against central finite differences in
 * double, then training forward (output, saved and running statistics), evaluation forward and
 * backward (in place, accumulate, parts skipped) on every device against the reference, for odd
 * shapes, batch 1, 1-D (hw = 1) and the dcgan32 layers; and the views the ops refuse.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "ops/bn.h"
#include "ref/act.h"
#include "ref/bn.h"

static double *drand_vec(size_t n, double lo, double hi)
{
    float *f = th_rand(n, (float)lo, (float)hi);
    double *d = malloc(n * sizeof(double));
    if (!d)
        exit(1);
    for (size_t i = 0; i < n; i++)
        d[i] = f[i];
    free(f);
    return d;
}

/* L = sum w*y; d L/d(x, gamma, beta) from the reference backward vs central differences. */
static void ref_fd(size_t n, size_t c, size_t hw)
{
    char name[96];
    snprintf(name, sizeof(name), "ref_bn_fd(n=%zu c=%zu hw=%zu)", n, c, hw);
    if (!th_want(name))
        return;
    size_t t = n * c * hw;
    double *x = drand_vec(t, -1, 2), *w = drand_vec(t, -1, 1), *g = drand_vec(c, 0.5, 1.5);
    double *b = drand_vec(c, -0.5, 0.5), *y = drand_vec(t, 0, 0), *sm = drand_vec(c, 0, 0);
    double *si = drand_vec(c, 0, 0), *dx = drand_vec(t, 0, 0), *dg = drand_vec(c, 0, 0);
    double *db = drand_vec(c, 0, 0);
    clgan_ref_bn_fwd_train_d(n, c, hw, 1e-5, 0.1, x, y, g, b, NULL, NULL, sm, si);
    clgan_ref_bn_bwd_d(n, c, hw, x, w, g, sm, si, dx, dg, db, 0.0);
    size_t np = t + 2 * c;
    float *an = th_alloc(np), *fd = th_alloc(np);
    const double h = 1e-5;
    for (size_t i = 0; i < np; i++) {
        double *v = i < t ? &x[i] : i < t + c ? &g[i - t] : &b[i - t - c];
        double keep = *v, l[2];
        for (int s = 0; s < 2; s++) {
            *v = keep + (s ? -h : h);
            clgan_ref_bn_fwd_train_d(n, c, hw, 1e-5, 0.1, x, y, g, b, NULL, NULL, sm, si);
            l[s] = 0.0;
            for (size_t k = 0; k < t; k++)
                l[s] += w[k] * y[k];
        }
        *v = keep;
        fd[i] = (float)((l[0] - l[1]) / (2 * h));
        an[i] = (float)(i < t ? dx[i] : i < t + c ? dg[i - t] : db[i - t - c]);
    }
    /* truncation h^2 L''' ~ 1e-10 times the curvature of 1/sqrt(var) for small m */
    th_check(name, NULL, an, fd, np, 1e-7, 1e-6, 1e-12);
    free(x), free(w), free(g), free(b), free(y), free(sm), free(si), free(dx), free(dg), free(db);
    free(an), free(fd);
}

/* Views: a batch [n, c, 1, hw] and a per-channel vector [1, c, 1, 1], float32 at off. */
static struct clgan_tensor img(cl_mem m, size_t off, size_t n, size_t c, size_t hw)
{
    return clgan_tensor_view(m, off, CLGAN_DTYPE_F32, (int)n, (int)c, 1, (int)hw);
}

static struct clgan_tensor vec(cl_mem m, size_t off, size_t c)
{
    return clgan_tensor_view(m, off, CLGAN_DTYPE_F32, 1, (int)c, 1, 1);
}

/* The settings of a batch norm without activation over per-channel buffers at offset oc. */
static struct clgan_ops_bn bn_of(cl_mem gam, cl_mem bet, cl_mem rm, cl_mem rv, cl_mem sm, cl_mem si,
                                 size_t oc, size_t c)
{
    struct clgan_ops_bn bn = {.eps = 1e-5f,
                              .momentum = 0.1f,
                              .gamma = vec(gam, oc, c),
                              .beta = vec(bet, oc, c),
                              .run_mean = vec(rm, oc, c),
                              .run_var = vec(rv, oc, c),
                              .save_mean = vec(sm, oc, c),
                              .save_invstd = vec(si, oc, c),
                              .act = CLGAN_OPS_BN_ACT_NONE};
    return bn;
}

static void run_case(struct th_device *d, size_t n, size_t c, size_t hw)
{
    char name[96], nm[128];
    snprintf(name, sizeof(name), "bn(n=%zu c=%zu hw=%zu)", n, c, hw);
    if (!th_want(name))
        return;
    size_t t = n * c * hw, m = n * hw;
    const size_t ox = 3, oc = 2; /* element and per-channel offsets */
    float *x = th_rand(ox + t, -1.0f, 2.5f), *dy = th_rand(ox + t, -1, 1);
    float *gamma = th_rand(oc + c, 0.5f, 1.5f), *beta = th_rand(oc + c, -0.5f, 0.5f);
    float *rm = th_rand(oc + c, -0.2f, 0.2f), *rv = th_rand(oc + c, 0.5f, 2.0f);
    float *dg0 = th_rand(oc + c, -1, 1), *db0 = th_rand(oc + c, -1, 1);
    float *y = th_alloc(ox + t), *sm = th_alloc(oc + c), *si = th_alloc(oc + c);
    float *rm1 = th_alloc(oc + c), *rv1 = th_alloc(oc + c), *got = th_alloc(ox + t);
    memcpy(rm1, rm, (oc + c) * sizeof(float));
    memcpy(rv1, rv, (oc + c) * sizeof(float));
    clgan_ref_bn_fwd_train(n, c, hw, 1e-5f, 0.1f, x + ox, y + ox, gamma + oc, beta + oc, rm1 + oc,
                           rv1 + oc, sm + oc, si + oc);

    cl_mem dx_ = th_upload(d, x, ox + t), dyo = th_upload(d, NULL, ox + t);
    cl_mem dgam = th_upload(d, gamma, oc + c), dbet = th_upload(d, beta, oc + c);
    cl_mem drm = th_upload(d, rm, oc + c), drv = th_upload(d, rv, oc + c);
    cl_mem dsm = th_upload(d, NULL, oc + c), dsi = th_upload(d, NULL, oc + c);
    struct clgan_ops_bn bn = bn_of(dgam, dbet, drm, drv, dsm, dsi, oc, c);
    struct clgan_tensor vx = img(dx_, ox, n, c, hw), vy = img(dyo, ox, n, c, hw);

    /* fp32 per-channel sums of m values: rounding grows like sqrt(m) ulps of the sums */
    double sq = sqrt((double)m) * 1.2e-7;
    clgan_status st = clgan_ops_bn_fwd_train(d->ctx, &bn, &vx, &vy);
    if (th_status(st, name, d)) {
        th_download(d, dyo, got, ox + t);
        memset(got, 0, ox * sizeof(float));
        snprintf(nm, sizeof(nm), "%s fwd y", name);
        th_check(nm, d, got + ox, y + ox, t, 1e-6 + 4 * sq, 1e-6, 1e-11);
        th_download(d, dsm, got, oc + c);
        snprintf(nm, sizeof(nm), "%s fwd mean", name);
        th_check(nm, d, got + oc, sm + oc, c, 1e-6 + 3 * sq, 1e-6, 1e-11);
        th_download(d, dsi, got, oc + c);
        snprintf(nm, sizeof(nm), "%s fwd invstd", name);
        th_check(nm, d, got + oc, si + oc, c, 0.0, 1e-6 + 4 * sq, 1e-11);
        th_download(d, drm, got, oc + c);
        snprintf(nm, sizeof(nm), "%s fwd running mean", name);
        th_check(nm, d, got, rm1, oc + c, 1e-7 + sq, 1e-6, 1e-11);
        th_download(d, drv, got, oc + c);
        snprintf(nm, sizeof(nm), "%s fwd running var", name);
        th_check(nm, d, got, rv1, oc + c, 0.0, 1e-6 + 2 * sq, 1e-11);
    }
    /* in place over x, without running statistics: same y */
    snprintf(nm, sizeof(nm), "%s fwd inplace", name);
    struct clgan_ops_bn bn2 = bn;
    bn2.run_mean.mem = bn2.run_var.mem = NULL;
    cl_mem xi = th_upload(d, x, ox + t);
    struct clgan_tensor vxi = img(xi, ox, n, c, hw);
    st = clgan_ops_bn_fwd_train(d->ctx, &bn2, &vxi, &vxi);
    if (th_status(st, nm, d)) {
        th_download(d, xi, got, ox + t);
        th_check(nm, d, got + ox, y + ox, t, 1e-6 + 4 * sq, 1e-6, 1e-11);
    }

    /* evaluation with the updated running statistics */
    snprintf(nm, sizeof(nm), "%s eval", name);
    float *ye = th_alloc(ox + t);
    clgan_ref_bn_fwd_eval(n, c, hw, 1e-5f, x + ox, ye + ox, gamma + oc, beta + oc, rm1 + oc,
                          rv1 + oc);
    if (clgan_rt_write(d->ctx, drm, 0, (oc + c) * sizeof(float), rm1) == CLGAN_STATUS_OK &&
        clgan_rt_write(d->ctx, drv, 0, (oc + c) * sizeof(float), rv1) == CLGAN_STATUS_OK)
        st = clgan_ops_bn_fwd_eval(d->ctx, &bn, &vx, &vy);
    else
        st = CLGAN_STATUS_OPENCL;
    if (th_status(st, nm, d)) {
        th_download(d, dyo, got, ox + t);
        memset(got, 0, ox * sizeof(float));
        /* a few roundings per element, no sums */
        th_check(nm, d, got, ye, ox + t, 1e-6, 1e-6, 1e-12);
    }

    /* backward from the reference's saved statistics: separate dx with fresh parameter
     * gradients, in place over dy accumulating, dx only, parameter gradients only */
    float *dxr = th_alloc(ox + t), *dgr = th_alloc(oc + c), *dbr = th_alloc(oc + c);
    cl_mem ddy = th_upload(d, dy, ox + t), ddx = th_upload(d, NULL, ox + t);
    cl_mem ddg = th_upload(d, dg0, oc + c), ddb = th_upload(d, db0, oc + c);
    if (clgan_rt_write(d->ctx, dsm, 0, (oc + c) * sizeof(float), sm) != CLGAN_STATUS_OK ||
        clgan_rt_write(d->ctx, dsi, 0, (oc + c) * sizeof(float), si) != CLGAN_STATUS_OK)
        exit(1);
    for (int mode = 0; mode < 4; mode++) {
        static const char *modes[] = {"bwd", "bwd inplace acc", "bwd dx only", "bwd param only"};
        snprintf(nm, sizeof(nm), "%s %s", name, modes[mode]);
        float gb = mode == 1 ? 1.0f : 0.0f;
        memcpy(dxr, dy, (ox + t) * sizeof(float));
        memcpy(dgr, dg0, (oc + c) * sizeof(float));
        memcpy(dbr, db0, (oc + c) * sizeof(float));
        int with_dx = mode != 3, with_p = mode != 2;
        clgan_ref_bn_bwd(n, c, hw, x + ox, dy + ox, gamma + oc, sm + oc, si + oc,
                         with_dx ? dxr + ox : NULL, with_p ? dgr + oc : NULL,
                         with_p ? dbr + oc : NULL, gb);
        cl_mem out = mode == 1 ? ddy : ddx;
        struct clgan_tensor vdy = img(ddy, ox, n, c, hw), vout = img(out, ox, n, c, hw),
                            vdg = vec(ddg, oc, c), vdb = vec(ddb, oc, c);
        st = clgan_rt_write(d->ctx, ddy, 0, (ox + t) * sizeof(float), dy);
        if (st == CLGAN_STATUS_OK)
            st = clgan_rt_write(d->ctx, ddx, 0, (ox + t) * sizeof(float), dy);
        if (st == CLGAN_STATUS_OK)
            st = clgan_rt_write(d->ctx, ddg, 0, (oc + c) * sizeof(float), dg0);
        if (st == CLGAN_STATUS_OK)
            st = clgan_rt_write(d->ctx, ddb, 0, (oc + c) * sizeof(float), db0);
        if (st == CLGAN_STATUS_OK)
            st = clgan_ops_bn_bwd(d->ctx, &bn, &vx, &vdy, with_dx ? &vout : NULL,
                                  with_p ? &vdg : NULL, with_p ? &vdb : NULL, gb);
        if (!th_status(st, nm, d))
            continue;
        char part[160];
        th_download(d, out, got, ox + t);
        snprintf(part, sizeof(part), "%s dx", nm);
        /* dx subtracts the channel means of dy and dy*xhat: errors of the sums / m */
        th_check(part, d, got, dxr, ox + t, 1e-6 + 4 * sq, 1e-5, 1e-10);
        th_download(d, ddg, got, oc + c);
        snprintf(part, sizeof(part), "%s dgamma", nm);
        /* sums of m products, up to ~sqrt(m) in size: measured up to 3.3 sq at m = 65536 */
        th_check(part, d, got, dgr, oc + c, 1e-6 + 8 * sq, 1e-5, 1e-10);
        th_download(d, ddb, got, oc + c);
        snprintf(part, sizeof(part), "%s dbeta", nm);
        th_check(part, d, got, dbr, oc + c, 1e-6 + 8 * sq, 1e-5, 1e-10);
    }

    cl_mem mems[] = {dx_, dyo, xi, ddy, ddx};
    for (size_t i = 0; i < 5; i++)
        th_free_mem(d, mems[i], ox + t);
    cl_mem cm[] = {dgam, dbet, drm, drv, dsm, dsi, ddg, ddb};
    for (size_t i = 0; i < 8; i++)
        th_free_mem(d, cm[i], oc + c);
    float *fs[] = {x,  dy, gamma, beta, rm,  rv, dg0, db0, y,
                   sm, si, rm1,   rv1,  got, ye, dxr, dgr, dbr};
    for (size_t i = 0; i < sizeof(fs) / sizeof(fs[0]); i++)
        free(fs[i]);
}

/*
 * Batch norm with a fused ReLU or leaky ReLU against the references composed: training and
 * evaluation forward give act(bn(x)); backward gates dy by the activation's derivative at the
 * forward's output, then is batch norm's backward (dx in place over dy, gradients overwritten).
 */
static void run_act_case(struct th_device *d, size_t n, size_t c, size_t hw, int act)
{
    char name[96], nm[128];
    float slope = act == CLGAN_OPS_BN_ACT_LRELU ? 0.2f : 0.0f;
    int rk = act == CLGAN_OPS_BN_ACT_LRELU ? 1 : 0; /* the reference's kinds: relu 0, lrelu 1 */
    snprintf(name, sizeof(name), "bn_%s(n=%zu c=%zu hw=%zu)", rk ? "lrelu" : "relu", n, c, hw);
    if (!th_want(name))
        return;
    size_t t = n * c * hw, m = n * hw;
    float *x = th_rand(t, -1.0f, 2.5f), *dy = th_rand(t, -1, 1);
    float *gamma = th_rand(c, 0.5f, 1.5f), *beta = th_rand(c, -0.5f, 0.5f);
    float *rm = th_rand(c, -0.2f, 0.2f), *rv = th_rand(c, 0.5f, 2.0f);
    float *z = th_alloc(t), *y = th_alloc(t), *ye = th_alloc(t), *g = th_alloc(t);
    float *sm = th_alloc(c), *si = th_alloc(c), *dxr = th_alloc(t), *dgr = th_alloc(c);
    float *dbr = th_alloc(c), *got = th_alloc(t);
    clgan_ref_bn_fwd_eval(n, c, hw, 1e-5f, x, ye, gamma, beta, rm, rv);
    clgan_ref_act_fwd(rk, slope, t, ye, ye);
    clgan_ref_bn_fwd_train(n, c, hw, 1e-5f, 0.1f, x, z, gamma, beta, NULL, NULL, sm, si);
    clgan_ref_act_fwd(rk, slope, t, z, y);
    clgan_ref_act_bwd(rk, slope, t, y, dy, g);
    clgan_ref_bn_bwd(n, c, hw, x, g, gamma, sm, si, dxr, dgr, dbr, 0.0f);

    cl_mem dxm = th_upload(d, x, t), dym = th_upload(d, NULL, t), dgm = th_upload(d, dy, t);
    cl_mem dgam = th_upload(d, gamma, c), dbet = th_upload(d, beta, c);
    cl_mem drm = th_upload(d, rm, c), drv = th_upload(d, rv, c);
    cl_mem dsm = th_upload(d, NULL, c), dsi = th_upload(d, NULL, c);
    cl_mem ddg = th_upload(d, NULL, c), ddb = th_upload(d, NULL, c);
    struct clgan_ops_bn bn = bn_of(dgam, dbet, drm, drv, dsm, dsi, 0, c);
    bn.act = (enum clgan_ops_bn_act)act;
    bn.act_slope = slope;
    bn.act_y = img(dym, 0, n, c, hw);
    struct clgan_tensor vx = img(dxm, 0, n, c, hw), vy = img(dym, 0, n, c, hw),
                        vg = img(dgm, 0, n, c, hw), vdg = vec(ddg, 0, c), vdb = vec(ddb, 0, c);
    double sq = sqrt((double)m) * 1.2e-7;
    snprintf(nm, sizeof(nm), "%s eval", name);
    clgan_status st = clgan_ops_bn_fwd_eval(d->ctx, &bn, &vx, &vy);
    if (th_status(st, nm, d)) {
        th_download(d, dym, got, t);
        th_check(nm, d, got, ye, t, 1e-6, 1e-6, 1e-12);
    }
    snprintf(nm, sizeof(nm), "%s fwd", name);
    bn.run_mean.mem = bn.run_var.mem = NULL;
    st = clgan_ops_bn_fwd_train(d->ctx, &bn, &vx, &vy);
    if (th_status(st, nm, d)) {
        th_download(d, dym, got, t);
        th_check(nm, d, got, y, t, 1e-6 + 4 * sq, 1e-6, 1e-11);
    }
    /* the gate reads the device's own forward output, as a model does */
    snprintf(nm, sizeof(nm), "%s bwd inplace", name);
    st = clgan_ops_bn_bwd(d->ctx, &bn, &vx, &vg, &vg, &vdg, &vdb, 0.0f);
    if (th_status(st, nm, d)) {
        char part[160];
        th_download(d, dgm, got, t);
        snprintf(part, sizeof(part), "%s dx", nm);
        th_check(part, d, got, dxr, t, 1e-6 + 4 * sq, 1e-5, 1e-10);
        th_download(d, ddg, got, c);
        snprintf(part, sizeof(part), "%s dgamma", nm);
        th_check(part, d, got, dgr, c, 1e-6 + 8 * sq, 1e-5, 1e-10);
        th_download(d, ddb, got, c);
        snprintf(part, sizeof(part), "%s dbeta", nm);
        th_check(part, d, got, dbr, c, 1e-6 + 8 * sq, 1e-5, 1e-10);
    }
    /* without the forward's output a fused backward cannot gate */
    bn.act_y.mem = NULL;
    st = clgan_ops_bn_bwd(d->ctx, &bn, &vx, &vg, &vg, NULL, NULL, 0.0f);
    snprintf(nm, sizeof(nm), "%s bwd without output refused", name);
    th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT, nm, d, "status %d", (int)st);
    cl_mem big[] = {dxm, dym, dgm};
    for (size_t i = 0; i < 3; i++)
        th_free_mem(d, big[i], t);
    cl_mem small[] = {dgam, dbet, drm, drv, dsm, dsi, ddg, ddb};
    for (size_t i = 0; i < 8; i++)
        th_free_mem(d, small[i], c);
    float *fs[] = {x, dy, gamma, beta, rm, rv, z, y, ye, g, sm, si, dxr, dgr, dbr, got};
    for (size_t i = 0; i < sizeof(fs) / sizeof(fs[0]); i++)
        free(fs[i]);
}

struct shape {
    size_t n, c, hw;
};

static void expect(struct th_device *d, clgan_status st, clgan_status want, const char *name,
                   const char *needle)
{
    const char *msg = clgan_ctx_last_error(d->ctx);
    th_expect(st == want && strstr(msg, needle), name, d, "%s: %s", clgan_status_str(st), msg);
}

/* Views the ops refuse: another dtype, a per-channel view of another length, a gradient of
 * another shape than x, a view past the end of its buffer. */
static void run_views(struct th_device *d)
{
    if (!th_want("bn_views"))
        return;
    size_t n = 2, c = 3, hw = 5, t = n * c * hw;
    cl_mem xm = th_upload(d, NULL, t), ym = th_upload(d, NULL, t), pm = th_upload(d, NULL, 8 * c);
    struct clgan_ops_bn bn = bn_of(pm, pm, pm, pm, pm, pm, 0, c);
    bn.beta.off = c;
    bn.run_mean.off = 2 * c;
    bn.run_var.off = 3 * c;
    bn.save_mean.off = 4 * c;
    bn.save_invstd.off = 5 * c;
    struct clgan_tensor x = img(xm, 0, n, c, hw), y = img(ym, 0, n, c, hw);
    struct clgan_tensor xi = x, y_short = img(ym, 0, n, c, hw - 1), y_past = img(ym, 1, n, c, hw);
    xi.dtype = CLGAN_DTYPE_I32;
    expect(d, clgan_ops_bn_fwd_train(d->ctx, &bn, &xi, &y), CLGAN_STATUS_UNSUPPORTED,
           "bn_views_int32_x", "bn_fwd_train: tensor x is int32");
    struct clgan_ops_bn bi = bn;
    bi.save_invstd.dtype = CLGAN_DTYPE_I32;
    expect(d, clgan_ops_bn_bwd(d->ctx, &bi, &x, &y, &y, NULL, NULL, 0.0f), CLGAN_STATUS_UNSUPPORTED,
           "bn_views_int32_saved", "bn_bwd: tensor save_invstd is int32");
    struct clgan_ops_bn bg = bn;
    bg.gamma.c = 2;
    expect(d, clgan_ops_bn_fwd_eval(d->ctx, &bg, &x, &y), CLGAN_STATUS_INVALID_ARGUMENT,
           "bn_views_gamma_length", "tensor gamma");
    expect(d, clgan_ops_bn_bwd(d->ctx, &bn, &x, &y_short, NULL, NULL, NULL, 0.0f),
           CLGAN_STATUS_INVALID_ARGUMENT, "bn_views_dy_shape", "tensor dy");
    expect(d, clgan_ops_bn_fwd_train(d->ctx, &bn, &x, &y_past), CLGAN_STATUS_INVALID_ARGUMENT,
           "bn_views_y_past_end", "past the end");
    struct clgan_ops_bn bs = bn;
    bs.save_mean.mem = NULL;
    expect(d, clgan_ops_bn_fwd_train(d->ctx, &bs, &x, &y), CLGAN_STATUS_INVALID_ARGUMENT,
           "bn_views_no_saved_mean", "save_mean has no buffer");
    th_free_mem(d, xm, t);
    th_free_mem(d, ym, t);
    th_free_mem(d, pm, 8 * c);
}

int main(int argc, char **argv)
{
    th_init(argc, argv, 1);
    ref_fd(3, 2, 5);
    ref_fd(4, 3, 1);
    ref_fd(1, 2, 6);
    ref_fd(2, 1, 1);
    static const struct shape odd[] = {{3, 5, 7},   {1, 3, 9},    {7, 4, 1}, {2, 1, 1},
                                       {5, 3, 300}, {1, 2, 1000}, {64, 6, 1}};
    static const struct shape big[] = {
        {64, 256, 16}, {64, 128, 64}, {64, 64, 256}, {64, 1024, 1}, {64, 3, 1024}};
    for (int i = 0; i < th_ndev(); i++) {
        struct th_device *d = th_dev(i);
        if (th_want("bn(one value per channel)")) {
            cl_mem m = th_upload(d, NULL, 8);
            struct clgan_ops_bn bn = bn_of(m, m, m, m, m, m, 0, 3);
            struct clgan_tensor v = img(m, 0, 1, 3, 1);
            clgan_status st = clgan_ops_bn_fwd_train(d->ctx, &bn, &v, &v);
            th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT &&
                          strstr(clgan_ctx_last_error(d->ctx), "one value per channel"),
                      "bn(one value per channel)", d, "%s", clgan_ctx_last_error(d->ctx));
            th_free_mem(d, m, 8);
        }
        run_views(d);
        for (size_t s = 0; s < sizeof(odd) / sizeof(odd[0]); s++)
            run_case(d, odd[s].n, odd[s].c, odd[s].hw);
        /* fused activations: odd sizes (runs of 16 and a tail), 1-D, a dcgan32 layer */
        for (int a = CLGAN_OPS_BN_ACT_RELU; a <= CLGAN_OPS_BN_ACT_LRELU; a++) {
            run_act_case(d, 3, 5, 21, a);
            run_act_case(d, 7, 4, 1, a);
            run_act_case(d, d->small ? 4 : 64, d->small ? 8 : 128, 64, a);
        }
        if (d->small) {
            run_case(d, 8, 4, 16); /* a scaled-down dcgan32 layer */
            continue;
        }
        for (size_t s = 0; s < sizeof(big) / sizeof(big[0]); s++)
            run_case(d, big[s].n, big[s].c, big[s].hw);
    }
    return th_finish();
}

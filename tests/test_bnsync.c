/* labels: kernel; timeout: 300 */
/*
 * test_bnsync.c - batch norm split at its sums (ops/bnsync.h), on every device against the
 * reference batch norm of the whole batch (ref/bn.h, double accumulation): the batch is cut into
 * K slices, each slice runs the phases on its own buffers, and the test adds the slices' sums
 * in between, as the processes of a job do. Output, saved and running statistics, dx and the
 * summed parameter gradients must be those of the whole batch. Also the two drivers with one
 * process (a reduce that does nothing), with a fused ReLU, and their refusals.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "ops/bnsync.h"
#include "ref/bn.h"

#define MAXK 4

/* The sums of every slice added (in slice order) and written back to each: what a reduce does
 * across processes. */
static clgan_status add_sums(struct th_device *d, cl_mem *sums, int k, size_t off, size_t n)
{
    float *a = th_alloc(n), *t = th_alloc(n);
    clgan_status st = CLGAN_STATUS_OK;
    for (int i = 0; i < k && st == CLGAN_STATUS_OK; i++) {
        st = clgan_rt_read(d->ctx, sums[i], off * sizeof(float), n * sizeof(float), t);
        for (size_t j = 0; j < n; j++)
            a[j] += t[j];
    }
    for (int i = 0; i < k && st == CLGAN_STATUS_OK; i++)
        st = clgan_rt_write(d->ctx, sums[i], off * sizeof(float), n * sizeof(float), a);
    free(a);
    free(t);
    return st;
}

static clgan_status reduce_none(void *user, clgan_ctx *ctx, cl_mem mem, size_t off, size_t n)
{
    (void)ctx, (void)mem, (void)off, (void)n;
    ++*(int *)user;
    return CLGAN_STATUS_OK;
}

/* Reference of the whole batch: y = act(bn(x)), saved statistics, running statistics, and the
 * backward from dy (gated by the activation's output). */
struct ref {
    float *y, *sm, *si, *rm, *rv, *dx, *dg, *db;
};

static void reference(size_t n, size_t c, size_t hw, int relu, const float *x, const float *dy,
                      const float *gamma, const float *beta, const float *rm0, const float *rv0,
                      struct ref *r)
{
    size_t t = n * c * hw;
    r->y = th_alloc(t), r->sm = th_alloc(c), r->si = th_alloc(c), r->rm = th_alloc(c);
    r->rv = th_alloc(c), r->dx = th_alloc(t), r->dg = th_alloc(c), r->db = th_alloc(c);
    memcpy(r->rm, rm0, c * sizeof(float));
    memcpy(r->rv, rv0, c * sizeof(float));
    clgan_ref_bn_fwd_train(n, c, hw, 1e-5f, 0.1f, x, r->y, gamma, beta, r->rm, r->rv, r->sm, r->si);
    float *g = th_alloc(t);
    for (size_t i = 0; i < t; i++) {
        if (relu && r->y[i] < 0)
            r->y[i] = 0;
        g[i] = relu && !(r->y[i] > 0) ? 0.0f : dy[i];
    }
    clgan_ref_bn_bwd(n, c, hw, x, g, gamma, r->sm, r->si, r->dx, r->dg, r->db, 0.0f);
    free(g);
}

static void free_ref(struct ref *r)
{
    free(r->y), free(r->sm), free(r->si), free(r->rm), free(r->rv), free(r->dx), free(r->dg);
    free(r->db);
}

/* K slices of n samples each running the phases, sums added between them. */
static void run_split(struct th_device *d, size_t n, size_t c, size_t hw, int k, int relu)
{
    char name[128], nm[192];
    snprintf(name, sizeof(name), "bnsync(n=%zu c=%zu hw=%zu slices=%d%s)", n, c, hw, k,
             relu ? " relu" : "");
    if (!th_want(name))
        return;
    size_t t = n * c * hw, nk = n / (size_t)k, tk = nk * c * hw;
    float *x = th_rand(t, -1.0f, 2.5f), *dy = th_rand(t, -1, 1);
    float *gamma = th_rand(c, 0.5f, 1.5f), *beta = th_rand(c, -0.5f, 0.5f);
    float *rm = th_rand(c, -0.2f, 0.2f), *rv = th_rand(c, 0.5f, 2.0f);
    struct ref r;
    reference(n, c, hw, relu, x, dy, gamma, beta, rm, rv, &r);

    cl_mem dxs = th_upload(d, x, t), dys = th_upload(d, dy, t), dyo = th_upload(d, NULL, t);
    cl_mem ddx = th_upload(d, NULL, t), dgam = th_upload(d, gamma, c), dbet = th_upload(d, beta, c);
    cl_mem drm[MAXK], drv[MAXK], dsm[MAXK], dsi[MAXK], sums[MAXK], pg[MAXK], pb[MAXK];
    struct clgan_ops_bnsync_desc bn[MAXK];
    for (int i = 0; i < k; i++) {
        drm[i] = th_upload(d, rm, c), drv[i] = th_upload(d, rv, c);
        dsm[i] = th_upload(d, NULL, c), dsi[i] = th_upload(d, NULL, c);
        sums[i] = th_upload(d, NULL, 2 * c), pg[i] = th_upload(d, NULL, c);
        pb[i] = th_upload(d, NULL, c);
        struct clgan_ops_bnsync_desc b = {.n = nk,
                                          .c = c,
                                          .hw = hw,
                                          .eps = 1e-5f,
                                          .momentum = 0.1f,
                                          .gamma = dgam,
                                          .beta = dbet,
                                          .run_mean = drm[i],
                                          .run_var = drv[i],
                                          .save_mean = dsm[i],
                                          .save_invstd = dsi[i],
                                          .act =
                                              relu ? CLGAN_OPS_BN_ACT_RELU : CLGAN_OPS_BN_ACT_NONE,
                                          .act_y = dyo,
                                          .act_y_off = (size_t)i * tk};
        bn[i] = b;
    }
    double count = (double)n * hw;
    clgan_status st = CLGAN_STATUS_OK;
    for (int i = 0; i < k && st == CLGAN_STATUS_OK; i++)
        st = clgan_ops_bnsync_sums(d->ctx, &bn[i], 0, count, dxs, i * tk, sums[i], 0);
    if (st == CLGAN_STATUS_OK)
        st = add_sums(d, sums, k, 0, c);
    for (int i = 0; i < k && st == CLGAN_STATUS_OK; i++)
        st = clgan_ops_bnsync_sums(d->ctx, &bn[i], 1, count, dxs, i * tk, sums[i], 0);
    if (st == CLGAN_STATUS_OK)
        st = add_sums(d, sums, k, c, c);
    for (int i = 0; i < k && st == CLGAN_STATUS_OK; i++)
        st = clgan_ops_bnsync_stats(d->ctx, &bn[i], count, sums[i], 0);
    for (int i = 0; i < k && st == CLGAN_STATUS_OK; i++)
        st = clgan_ops_bnsync_apply(d->ctx, &bn[i], dxs, i * tk, dyo, i * tk);
    /* as test_bn: fp32 sums of m values round like sqrt(m) ulps of the sums */
    double sq = sqrt(count) * 1.2e-7;
    float *got = th_alloc(t), *acc = th_alloc(c);
    if (th_status(st, name, d)) {
        th_download(d, dyo, got, t);
        snprintf(nm, sizeof(nm), "%s fwd y", name);
        th_check(nm, d, got, r.y, t, 1e-6 + 4 * sq, 1e-6, 1e-11);
        for (int i = 0; i < k; i++) {
            /* every slice saved and updated the statistics of the whole batch */
            th_download(d, dsm[i], got, c);
            snprintf(nm, sizeof(nm), "%s fwd mean[%d]", name, i);
            th_check(nm, d, got, r.sm, c, 1e-6 + 3 * sq, 1e-6, 1e-11);
            th_download(d, dsi[i], got, c);
            snprintf(nm, sizeof(nm), "%s fwd invstd[%d]", name, i);
            th_check(nm, d, got, r.si, c, 0.0, 1e-6 + 4 * sq, 1e-11);
            th_download(d, drm[i], got, c);
            snprintf(nm, sizeof(nm), "%s fwd running mean[%d]", name, i);
            th_check(nm, d, got, r.rm, c, 1e-7 + sq, 1e-6, 1e-11);
            th_download(d, drv[i], got, c);
            snprintf(nm, sizeof(nm), "%s fwd running var[%d]", name, i);
            th_check(nm, d, got, r.rv, c, 0.0, 1e-6 + 2 * sq, 1e-11);
        }
    }
    /* backward from the device's own saved statistics and output */
    st = CLGAN_STATUS_OK;
    for (int i = 0; i < k && st == CLGAN_STATUS_OK; i++)
        st = clgan_ops_bnsync_bwd_sums(d->ctx, &bn[i], dxs, i * tk, dys, i * tk, pg[i], 0, pb[i], 0,
                                       0.0f, sums[i], 0);
    if (st == CLGAN_STATUS_OK)
        st = add_sums(d, sums, k, 0, 2 * c);
    for (int i = 0; i < k && st == CLGAN_STATUS_OK; i++)
        st = clgan_ops_bnsync_bwd_apply(d->ctx, &bn[i], count, dxs, i * tk, dys, i * tk, ddx,
                                        i * tk, sums[i], 0);
    snprintf(nm, sizeof(nm), "%s bwd", name);
    if (th_status(st, nm, d)) {
        th_download(d, ddx, got, t);
        snprintf(nm, sizeof(nm), "%s bwd dx", name);
        th_check(nm, d, got, r.dx, t, 1e-6 + 4 * sq, 1e-5, 1e-10);
        /* the slices' parameter gradients add up to the whole batch's (as the gradient
         * all-reduce adds them) */
        for (int p = 0; p < 2; p++) {
            memset(acc, 0, c * sizeof(float));
            for (int i = 0; i < k; i++) {
                th_download(d, p ? pb[i] : pg[i], got, c);
                for (size_t j = 0; j < c; j++)
                    acc[j] += got[j];
            }
            snprintf(nm, sizeof(nm), "%s bwd %s summed", name, p ? "dbeta" : "dgamma");
            th_check(nm, d, acc, p ? r.db : r.dg, c, 1e-6 + 8 * sq, 1e-5, 1e-10);
        }
    }
    th_free_mem(d, dxs, t), th_free_mem(d, dys, t), th_free_mem(d, dyo, t);
    th_free_mem(d, ddx, t), th_free_mem(d, dgam, c), th_free_mem(d, dbet, c);
    for (int i = 0; i < k; i++) {
        th_free_mem(d, drm[i], c), th_free_mem(d, drv[i], c), th_free_mem(d, dsm[i], c);
        th_free_mem(d, dsi[i], c), th_free_mem(d, sums[i], 2 * c), th_free_mem(d, pg[i], c);
        th_free_mem(d, pb[i], c);
    }
    free(x), free(dy), free(gamma), free(beta), free(rm), free(rv), free(got), free(acc);
    free_ref(&r);
}

/* The drivers with one process: every reduce is called (2 forward, 1 backward) and the result
 * is the plain batch norm's; without a reduction or with one value per channel they refuse. */
static void run_driver(struct th_device *d, size_t n, size_t c, size_t hw)
{
    char name[128], nm[192];
    snprintf(name, sizeof(name), "bnsync_driver(n=%zu c=%zu hw=%zu)", n, c, hw);
    if (!th_want(name))
        return;
    size_t t = n * c * hw;
    float *x = th_rand(t, -1.0f, 2.5f), *dy = th_rand(t, -1, 1);
    float *gamma = th_rand(c, 0.5f, 1.5f), *beta = th_rand(c, -0.5f, 0.5f);
    float *rm = th_rand(c, -0.2f, 0.2f), *rv = th_rand(c, 0.5f, 2.0f);
    struct ref r;
    reference(n, c, hw, 0, x, dy, gamma, beta, rm, rv, &r);
    cl_mem dxs = th_upload(d, x, t), dys = th_upload(d, dy, t), dyo = th_upload(d, NULL, t);
    cl_mem ddx = th_upload(d, NULL, t), dgam = th_upload(d, gamma, c), dbet = th_upload(d, beta, c);
    cl_mem drm = th_upload(d, rm, c), drv = th_upload(d, rv, c), dsm = th_upload(d, NULL, c);
    cl_mem dsi = th_upload(d, NULL, c), sums = th_upload(d, NULL, 2 * c);
    cl_mem pg = th_upload(d, NULL, c), pb = th_upload(d, NULL, c);
    struct clgan_ops_bnsync_desc bn = {.n = n,
                                       .c = c,
                                       .hw = hw,
                                       .eps = 1e-5f,
                                       .momentum = 0.1f,
                                       .gamma = dgam,
                                       .beta = dbet,
                                       .run_mean = drm,
                                       .run_var = drv,
                                       .save_mean = dsm,
                                       .save_invstd = dsi};
    int calls = 0;
    struct clgan_ops_bn_sync sync = {reduce_none, &calls, 1, sums, 0};
    clgan_status st = clgan_ops_bnsync_fwd_train(d->ctx, &bn, &sync, dxs, 0, dyo, 0);
    if (st == CLGAN_STATUS_OK)
        st = clgan_ops_bnsync_bwd(d->ctx, &bn, &sync, dxs, 0, dys, 0, ddx, 0, pg, 0, pb, 0, 0.0f);
    double sq = sqrt((double)n * hw) * 1.2e-7;
    float *got = th_alloc(t);
    if (th_status(st, name, d)) {
        th_expect(calls == 3, name, d, "%d reduce calls, 3 expected", calls);
        th_download(d, dyo, got, t);
        snprintf(nm, sizeof(nm), "%s y", name);
        th_check(nm, d, got, r.y, t, 1e-6 + 4 * sq, 1e-6, 1e-11);
        th_download(d, ddx, got, t);
        snprintf(nm, sizeof(nm), "%s dx", name);
        th_check(nm, d, got, r.dx, t, 1e-6 + 4 * sq, 1e-5, 1e-10);
        th_download(d, pg, got, c);
        snprintf(nm, sizeof(nm), "%s dgamma", name);
        th_check(nm, d, got, r.dg, c, 1e-6 + 8 * sq, 1e-5, 1e-10);
    }
    snprintf(nm, sizeof(nm), "%s refusals", name);
    struct clgan_ops_bn_sync none = {NULL, NULL, 1, sums, 0};
    struct clgan_ops_bnsync_desc one = bn;
    one.n = 1, one.hw = 1;
    clgan_status a = clgan_ops_bnsync_fwd_train(d->ctx, &bn, &none, dxs, 0, dyo, 0);
    clgan_status b = clgan_ops_bnsync_fwd_train(d->ctx, &one, &sync, dxs, 0, dyo, 0);
    th_expect(a == CLGAN_STATUS_INVALID_ARGUMENT && b == CLGAN_STATUS_INVALID_ARGUMENT, nm, d,
              "statuses %d and %d, INVALID_ARGUMENT expected", (int)a, (int)b);
    cl_mem big[] = {dxs, dys, dyo, ddx};
    for (int i = 0; i < 4; i++)
        th_free_mem(d, big[i], t);
    th_free_mem(d, sums, 2 * c);
    cl_mem small[] = {dgam, dbet, drm, drv, dsm, dsi, pg, pb};
    for (int i = 0; i < 8; i++)
        th_free_mem(d, small[i], c);
    free(x), free(dy), free(gamma), free(beta), free(rm), free(rv), free(got);
    free_ref(&r);
}

int main(int argc, char **argv)
{
    th_init(argc, argv, 1);
    for (int i = 0; i < th_ndev(); i++) {
        struct th_device *d = th_dev(i);
        /* odd sizes, 1-D (hw 1), a slice of one sample, and a dcgan32-like layer */
        run_split(d, 6, 5, 7, 2, 0);
        run_split(d, 6, 3, 13, 3, 1);
        run_split(d, 4, 7, 1, 4, 0);
        run_split(d, 2, 4, 9, 2, 1);
        if (!d->small && !th_quick())
            run_split(d, 16, 128, 64, 2, 1);
        run_driver(d, 5, 3, 11);
    }
    return th_finish();
}

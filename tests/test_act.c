/* labels: kernel ref; timeout: 300 */
/*
 * test_act.c - activations: the reference derivatives against central finite differences in
 * double, then forward and backward on every device against the reference (odd sizes, offsets,
 * in place, saturating and extreme inputs), and the views the ops refuse.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "ops/act.h"
#include "ref/act.h"

static const float slopes[4] = {0.0f, 0.2f, 0.0f, 0.0f};

/* f' of the reference (from y = f(x)) against (f(x+h) - f(x-h)) / 2h, away from ReLU's kink. */
static void ref_fd(int kind)
{
    char name[64];
    snprintf(name, sizeof(name), "ref_act_%s_fd", clgan_ops_act_name(kind));
    if (!th_want(name))
        return;
    const double h = 1e-5;
    size_t n = 0;
    float got[241], want[241];
    for (int k = -120; k <= 120; k++) {
        double x = k * 0.05 + 0.0123;
        double fd = (clgan_ref_act_f(kind, slopes[kind], x + h) -
                     clgan_ref_act_f(kind, slopes[kind], x - h)) /
                    (2 * h);
        double an = clgan_ref_act_df(kind, slopes[kind], clgan_ref_act_f(kind, slopes[kind], x));
        got[n] = (float)an;
        want[n] = (float)fd;
        n++;
    }
    /* truncation h^2 f''' / 6 < 1e-10, rounding 1e-16 / h = 1e-11 */
    th_check(name, NULL, got, want, n, 1e-9, 0.0, 1e-16);
}

/* A float32 view of n elements at off, as [1, n, 1, 1] or (rows) [n, 1, 1, 1]. */
static struct clgan_tensor flat(cl_mem m, size_t off, size_t n, int rows)
{
    return rows ? clgan_tensor_view(m, off, CLGAN_DTYPE_F32, (int)n, 1, 1, 1)
                : clgan_tensor_view(m, off, CLGAN_DTYPE_F32, 1, (int)n, 1, 1);
}

static void run_case(struct th_device *d, int kind, float slope, size_t n, int in_place)
{
    char name[96];
    snprintf(name, sizeof(name), "act_%s(n=%zu%s%s)", clgan_ops_act_name(kind), n,
             slope != slopes[kind] ? ",slope0" : "", in_place ? ",inplace" : "");
    if (!th_want(name))
        return;
    const size_t ox = 3, oy = 1;
    float *x = th_rand(n + ox, -8, 8), *dy = th_rand(n + oy, -1, 1);
    static const float extreme[] = {0.0f, -100.0f, 100.0f, -1e30f, 1e30f, 1e-30f, -1e-30f, 20.0f};
    for (size_t i = 0; i < n && i < sizeof(extreme) / sizeof(extreme[0]); i++)
        x[ox + (i * 7919) % n] = extreme[i];
    float *yref = th_alloc(n + oy), *dxref = th_alloc(n + oy), *got = th_alloc(n + ox + oy);
    memcpy(yref, dy, oy * sizeof(float));
    memcpy(dxref, dy, oy * sizeof(float));
    clgan_ref_act_fwd(kind, slope, n, x + ox, yref + oy);
    clgan_ref_act_bwd(kind, slope, n, yref + oy, dy + oy, dxref + oy);

    /* forward: y is a separate buffer or x itself */
    cl_mem dxm = th_upload(d, x, n + ox), dym = in_place ? dxm : th_upload(d, dy, n + oy);
    size_t yo = in_place ? ox : oy;
    /* the shapes of one call may differ; the element counts agree */
    struct clgan_tensor vx = flat(dxm, ox, n, 0), vy = flat(dym, yo, n, !in_place);
    clgan_status st = clgan_ops_act_fwd(d->ctx, kind, slope, &vx, &vy);
    if (th_status(st, name, d)) {
        th_download(d, dym, got, n + yo);
        if (in_place)
            memmove(got, got + ox - oy, (n + oy) * sizeof(float));
        got[0] = yref[0];
        /* tanh and exp are within a few ulp (OpenCL 1.2: 5 and 3); relu and lrelu exact */
        th_check(name, d, got, yref, n + oy, kind >= 2 ? 1e-7 : 0.0, kind >= 2 ? 1e-6 : 0.0, 1e-12);
    }
    /* backward from the reference y; dx in place over dy or separate */
    char bname[112];
    snprintf(bname, sizeof(bname), "%s bwd", name);
    cl_mem ym = th_upload(d, yref, n + oy), dyb = th_upload(d, dy, n + oy);
    cl_mem dxb = in_place ? dyb : th_upload(d, NULL, n + oy);
    struct clgan_tensor vym = flat(ym, oy, n, 1), vdy = flat(dyb, oy, n, 0),
                        vdx = flat(dxb, oy, n, 1);
    st = clgan_ops_act_bwd(d->ctx, kind, slope, &vym, &vdy, &vdx);
    if (th_status(st, bname, d)) {
        th_download(d, dxb, got, n + oy);
        got[0] = dxref[0];
        /* one or two float products against double: 2 ulp */
        th_check(bname, d, got, dxref, n + oy, 0.0, 2.5e-7, 1e-13);
    }
    th_free_mem(d, dxm, n + ox);
    if (!in_place) {
        th_free_mem(d, dym, n + oy);
        th_free_mem(d, dxb, n + oy);
    }
    th_free_mem(d, ym, n + oy);
    th_free_mem(d, dyb, n + oy);
    free(x);
    free(dy);
    free(yref);
    free(dxref);
    free(got);
}

static void expect(struct th_device *d, clgan_status st, clgan_status want, const char *name,
                   const char *needle)
{
    const char *msg = clgan_ctx_last_error(d->ctx);
    th_expect(st == want && strstr(msg, needle), name, d, "%s: %s", clgan_status_str(st), msg);
}

/* Views the ops refuse: another dtype, other element counts, past the end, none. */
static void run_views(struct th_device *d)
{
    if (!th_want("act_views"))
        return;
    cl_mem a = th_upload(d, NULL, 16), b = th_upload(d, NULL, 16);
    struct clgan_tensor x = flat(a, 0, 12, 0), y = flat(b, 0, 12, 1), xi = x;
    struct clgan_tensor y11 = flat(b, 0, 11, 0), past = flat(b, 6, 12, 0);
    xi.dtype = CLGAN_DTYPE_I32;
    expect(d, clgan_ops_act_fwd(d->ctx, CLGAN_OPS_ACT_TANH, 0.0f, &xi, &y),
           CLGAN_STATUS_UNSUPPORTED, "act_views_int32", "act_tanh_fwd: tensor x is int32");
    expect(d, clgan_ops_act_bwd(d->ctx, CLGAN_OPS_ACT_RELU, 0.0f, &y, &xi, &x),
           CLGAN_STATUS_UNSUPPORTED, "act_views_int32_bwd", "act_relu_bwd: tensor dy is int32");
    expect(d, clgan_ops_act_fwd(d->ctx, CLGAN_OPS_ACT_RELU, 0.0f, &x, &y11),
           CLGAN_STATUS_INVALID_ARGUMENT, "act_views_count", "tensor y");
    expect(d, clgan_ops_act_bwd(d->ctx, CLGAN_OPS_ACT_SIGMOID, 0.0f, &x, &y, &past),
           CLGAN_STATUS_INVALID_ARGUMENT, "act_views_past_end", "past the end");
    expect(d, clgan_ops_act_bwd(d->ctx, CLGAN_OPS_ACT_LRELU, 0.2f, &x, &y, NULL),
           CLGAN_STATUS_INVALID_ARGUMENT, "act_views_no_dx", "no tensor dx");
    th_free_mem(d, a, 16);
    th_free_mem(d, b, 16);
}

int main(int argc, char **argv)
{
    th_init(argc, argv, 1);
    for (int k = 0; k < 4; k++)
        ref_fd(k);
    for (int i = 0; i < th_ndev(); i++) {
        struct th_device *d = th_dev(i);
        if (th_want("act_lrelu(negative slope)")) {
            clgan_status st = clgan_ops_act_fwd(d->ctx, CLGAN_OPS_ACT_LRELU, -0.1f, NULL, NULL);
            th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT, "act_lrelu(negative slope)", d, "%s",
                      clgan_ctx_last_error(d->ctx));
        }
        run_views(d);
        static const size_t sizes[] = {1, 7, 1000, 4096, 1000003};
        for (int k = 0; k < 4; k++) {
            for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
                if (d->small && sizes[s] > 5000)
                    continue;
                run_case(d, k, slopes[k], sizes[s], 0);
            }
            run_case(d, k, slopes[k], 1000, 1);
        }
        run_case(d, CLGAN_OPS_ACT_LRELU, 0.0f, 1000, 0);
    }
    return th_finish();
}

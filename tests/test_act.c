/* labels: kernel ref; timeout: 300 */
/*
 * test_act.c - activations: the reference derivatives against central finite differences in
 * double, then forward and backward on every device against the reference (odd sizes, offsets,
 * in place, saturating and extreme inputs).
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
    clgan_status st = clgan_ops_act_fwd(d->ctx, kind, slope, n, dxm, ox, dym, yo);
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
    st = clgan_ops_act_bwd(d->ctx, kind, slope, n, ym, oy, dyb, oy, dxb, oy);
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

int main(int argc, char **argv)
{
    th_init(argc, argv, 1);
    for (int k = 0; k < 4; k++)
        ref_fd(k);
    for (int i = 0; i < th_ndev(); i++) {
        struct th_device *d = th_dev(i);
        if (th_want("act_lrelu(negative slope)")) {
            clgan_status st =
                clgan_ops_act_fwd(d->ctx, CLGAN_OPS_ACT_LRELU, -0.1f, 1, NULL, 0, NULL, 0);
            th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT, "act_lrelu(negative slope)", d, "%s",
                      clgan_ctx_last_error(d->ctx));
        }
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

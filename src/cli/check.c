/*
 * check.c - `clgan check`: every op, forward and backward, on each selected device against the
 * plain-C reference (src/ref/), with NMSE and the largest relative error; a table op x device
 * with OK/FAIL; exit 1 on any FAIL. Shapes are the dcgan32 layers plus odd sizes, scaled per
 * device class (full on GPUs and PoCL, reduced on llvmpipe, tiny on the simulator).
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "ops/act.h"
#include "ops/bn.h"
#include "ops/conv.h"
#include "ops/elt.h"
#include "ops/gemm.h"
#include "ops/loss.h"
#include "ops/opt.h"
#include "ops/rng.h"
#include "ref/act.h"
#include "ref/bn.h"
#include "ref/conv.h"
#include "ref/elt.h"
#include "ref/loss.h"
#include "ref/opt.h"
#include "ref/ref.h"
#include "ref/rng.h"

#define MAX_DEV  16
#define MAX_ROWS 512

enum size_class { SIZE_FULL, SIZE_REDUCED, SIZE_TINY };
static const char *const class_names[] = {"full", "reduced", "tiny"};

struct row {
    char op[96];
    int dev;
    double nmse, max_rel;
    int ok;
    char note[160];
};

struct chk {
    clgan_ctx *ctx;
    int dev;
    enum size_class cls;
    const char *filter;
    uint64_t rng;
    struct row *rows;
    int n_rows;
    int failed;
};

static float urand(struct chk *c)
{
    c->rng = c->rng * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((c->rng >> 40) * (1.0 / 16777216.0));
}

static float *rnd(struct chk *c, size_t n, float lo, float hi)
{
    float *p = malloc((n ? n : 1) * sizeof(float));
    for (size_t i = 0; p && i < n; i++)
        p[i] = lo + (hi - lo) * urand(c);
    return p;
}

static int want(const struct chk *c, const char *op)
{
    return !c->filter || !strncasecmp(op, c->filter, strlen(c->filter));
}

static void add_row(struct chk *c, const char *op, double nmse, double max_rel, int ok,
                    const char *note)
{
    if (c->n_rows == MAX_ROWS)
        return;
    struct row *r = &c->rows[c->n_rows++];
    snprintf(r->op, sizeof(r->op), "%s", op);
    r->dev = c->dev;
    r->nmse = nmse;
    r->max_rel = max_rel;
    r->ok = ok;
    snprintf(r->note, sizeof(r->note), "%s", note ? note : "");
    c->failed += !ok;
}

/* Compare and record: OK when NMSE <= max_nmse and every |d| <= atol + rtol |r|. */
static void compare(struct chk *c, const char *op, const float *got, const float *ref, size_t n,
                    double atol, double rtol, double max_nmse)
{
    double num = 0, den = 0, max_rel = 0;
    int ok = 1;
    for (size_t i = 0; i < n; i++) {
        double g = got[i], r = ref[i], d = fabs(g - r);
        if (!isfinite(g) || !isfinite(r)) {
            ok &= isnan(g) == isnan(r) && (isnan(g) || g == r);
            continue;
        }
        num += d * d;
        den += r * r;
        double rel = d / (fabs(r) + atol);
        if (rel > max_rel)
            max_rel = rel;
        if (d > atol + rtol * fabs(r))
            ok = 0;
    }
    double nmse = den > 0 ? num / den : num;
    add_row(c, op, nmse, max_rel, ok && nmse <= max_nmse, NULL);
}

/* Device buffers of the current case; all released by done(). */
struct bufs {
    cl_mem m[8];
    size_t n[8];
    int k;
};

static cl_mem up(struct chk *c, struct bufs *b, const float *x, size_t n)
{
    cl_mem m = NULL;
    if (clgan_rt_alloc(c->ctx, (n ? n : 1) * sizeof(float), "check buffer", &m) !=
            CLGAN_STATUS_OK ||
        (x && clgan_rt_write(c->ctx, m, 0, n * sizeof(float), x) != CLGAN_STATUS_OK)) {
        if (m)
            clgan_rt_release(c->ctx, m, (n ? n : 1) * sizeof(float));
        return NULL;
    }
    b->m[b->k] = m;
    b->n[b->k++] = n;
    return m;
}

static float *down(struct chk *c, cl_mem m, size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof(float));
    if (p && clgan_rt_read(c->ctx, m, 0, n * sizeof(float), p) != CLGAN_STATUS_OK) {
        free(p);
        return NULL;
    }
    return p;
}

static void done(struct chk *c, struct bufs *b)
{
    for (int i = 0; i < b->k; i++)
        clgan_rt_release(c->ctx, b->m[i], (b->n[i] ? b->n[i] : 1) * sizeof(float));
    b->k = 0;
}

/* A device call failed: a FAIL row with the context's message. */
static void dev_error(struct chk *c, const char *op)
{
    add_row(c, op, NAN, NAN, 0, clgan_ctx_last_error(c->ctx));
}

/* ---------------------------------------------------------------- GEMM */

static void check_gemm(struct chk *c)
{
    size_t m = c->cls == SIZE_TINY ? 13 : 129, n = c->cls == SIZE_TINY ? 7 : 65,
           k = c->cls == SIZE_TINY ? 19 : 257;
    static const enum clgan_gemm_backend be[] = {CLGAN_GEMM_OWN, CLGAN_GEMM_CLBLAST};
    for (int b = 0; b < 2; b++)
        for (int t = 0; t < 4; t++) {
            char op[64];
            int ta = t & 1, tb = t >> 1;
            snprintf(op, sizeof(op), "gemm_%s_%c%c", clgan_gemm_backend_str(be[b]), ta ? 'T' : 'N',
                     tb ? 'T' : 'N');
            if (!want(c, op))
                continue;
            struct bufs bb = {0};
            size_t lda = ta ? m : k, ldb = tb ? k : n;
            float *A = rnd(c, m * k, -1, 1), *B = rnd(c, k * n, -1, 1), *C = rnd(c, m * n, 0, 0);
            cl_mem da = up(c, &bb, A, m * k), db = up(c, &bb, B, k * n),
                   dc = up(c, &bb, NULL, m * n);
            struct clgan_gemm_args g = {ta, tb, m, n, k, 1.0f, 0.0f, da, 0, lda, db, 0, ldb,
                                        dc, 0,  n, 1, 0, 0,    0,    0,  0, 0,   0,  0};
            float *got = NULL;
            if (!da || !db || !dc || clgan_ops_gemm_on(c->ctx, be[b], &g) != CLGAN_STATUS_OK ||
                !(got = down(c, dc, m * n))) {
                dev_error(c, op);
            } else {
                clgan_ref_gemm(ta, tb, m, n, k, 1.0f, A, lda, B, ldb, 0.0f, C, n);
                compare(c, op, got, C, m * n, 1e-4, 1e-3, 1e-10);
            }
            free(A);
            free(B);
            free(C);
            free(got);
            done(c, &bb);
        }
}

/* ---------------------------------------------------------------- convolutions */

static void check_conv_layer(struct chk *c, const char *tag, int t, struct clgan_conv_shape s)
{
    char op[64];
    int ho, wo;
    if (t)
        clgan_ops_convt2d_out_hw(&s, &ho, &wo);
    else
        clgan_ops_conv2d_out_hw(&s, &ho, &wo);
    size_t nx = (size_t)s.n * s.cin * s.h * s.w, ny = (size_t)s.n * s.cout * ho * wo,
           nw = (size_t)s.cin * s.cout * s.k * s.k;
    size_t ws = 0;
    for (int p = 0; p < 3; p++) {
        size_t w = t ? clgan_ops_convt2d_workspace(&s, p) : clgan_ops_conv2d_workspace(&s, p);
        ws = w > ws ? w : ws;
    }
    float *x = rnd(c, nx, -1, 1), *w = rnd(c, nw, -0.1f, 0.1f), *dy = rnd(c, ny, -1, 1);
    float *bias = rnd(c, (size_t)s.cout, -0.5f, 0.5f);
    float *ry = malloc(ny * sizeof(float)), *rdx = malloc(nx * sizeof(float)),
          *rdw = calloc(nw, sizeof(float));
    struct bufs b = {0};
    cl_mem dx = up(c, &b, x, nx), dw = up(c, &b, w, nw), ddy = up(c, &b, dy, ny),
           db = up(c, &b, bias, (size_t)s.cout), out = up(c, &b, NULL, ny > nx ? ny : nx),
           gw = up(c, &b, NULL, nw), dws = up(c, &b, NULL, ws);
    /* fp32 sums of cin*k*k (or cout*k*k) products */
    double atol = 1e-4, rtol = 2e-3, nm = 1e-9;
    if (!dx || !dw || !ddy || !db || !out || !gw || !dws) {
        snprintf(op, sizeof(op), "%s_alloc", tag);
        dev_error(c, op);
        goto out;
    }
    snprintf(op, sizeof(op), "%s_fwd", tag);
    if (want(c, op)) {
        clgan_status st = t ? clgan_ops_convt2d_fwd(c->ctx, &s, dx, 0, dw, 0, db, 0, out, 0, dws, 0)
                            : clgan_ops_conv2d_fwd(c->ctx, &s, dx, 0, dw, 0, db, 0, out, 0, dws, 0);
        float *got = st == CLGAN_STATUS_OK ? down(c, out, ny) : NULL;
        if (!got) {
            dev_error(c, op);
        } else {
            if (t)
                clgan_ref_convt2d_fwd(&s, x, w, bias, ry);
            else
                clgan_ref_conv2d_fwd(&s, x, w, bias, ry);
            compare(c, op, got, ry, ny, atol, rtol, nm);
        }
        free(got);
    }
    snprintf(op, sizeof(op), "%s_bwd_data", tag);
    if (want(c, op)) {
        clgan_status st = t ? clgan_ops_convt2d_bwd_data(c->ctx, &s, ddy, 0, dw, 0, out, 0, dws, 0)
                            : clgan_ops_conv2d_bwd_data(c->ctx, &s, ddy, 0, dw, 0, out, 0, dws, 0);
        float *got = st == CLGAN_STATUS_OK ? down(c, out, nx) : NULL;
        if (!got) {
            dev_error(c, op);
        } else {
            if (t)
                clgan_ref_convt2d_bwd_data(&s, dy, w, rdx);
            else
                clgan_ref_conv2d_bwd_data(&s, dy, w, rdx);
            compare(c, op, got, rdx, nx, atol, rtol, nm);
        }
        free(got);
    }
    snprintf(op, sizeof(op), "%s_bwd_weight", tag);
    if (want(c, op)) {
        clgan_status st =
            t ? clgan_ops_convt2d_bwd_weight(c->ctx, &s, dx, 0, ddy, 0, 0.0f, gw, 0, dws, 0)
              : clgan_ops_conv2d_bwd_weight(c->ctx, &s, dx, 0, ddy, 0, 0.0f, gw, 0, dws, 0);
        float *got = st == CLGAN_STATUS_OK ? down(c, gw, nw) : NULL;
        if (!got) {
            dev_error(c, op);
        } else {
            if (t)
                clgan_ref_convt2d_bwd_weight(&s, x, dy, 0.0f, rdw);
            else
                clgan_ref_conv2d_bwd_weight(&s, x, dy, 0.0f, rdw);
            /* sums over batch x positions: looser absolute tolerance */
            compare(c, op, got, rdw, nw, 1e-3, rtol, nm);
        }
        free(got);
    }
out:
    done(c, &b);
    free(x);
    free(w);
    free(dy);
    free(bias);
    free(ry);
    free(rdx);
    free(rdw);
}

static void check_convs(struct chk *c)
{
    int f = c->cls == SIZE_FULL ? 1 : c->cls == SIZE_REDUCED ? 4 : 16;
    int n = c->cls == SIZE_FULL ? 16 : c->cls == SIZE_REDUCED ? 4 : 1;
    /* dcgan32 D: 1->64 (32->16), 64->128 (16->8), 128->256 (8->4), 256->1 (4->1) */
    struct clgan_conv_shape d[4] = {{n, 1, 32, 32, 64 / f, 4, 2, 1, 0},
                                    {n, 64 / f, 16, 16, 128 / f, 4, 2, 1, 0},
                                    {n, 128 / f, 8, 8, 256 / f, 4, 2, 1, 0},
                                    {n, 256 / f, 4, 4, 1, 4, 1, 0, 0}};
    /* dcgan32 G: 100->256 (1->4), 256->128 (4->8), 128->64 (8->16), 64->1 (16->32) */
    struct clgan_conv_shape g[4] = {{n, 100 / f, 1, 1, 256 / f, 4, 1, 0, 0},
                                    {n, 256 / f, 4, 4, 128 / f, 4, 2, 1, 0},
                                    {n, 128 / f, 8, 8, 64 / f, 4, 2, 1, 0},
                                    {n, 64 / f, 16, 16, 1, 4, 2, 1, 0}};
    char tag[48];
    for (int i = 0; i < 4; i++) {
        snprintf(tag, sizeof(tag), "conv2d_D%d", i + 1);
        check_conv_layer(c, tag, 0, d[i]);
        snprintf(tag, sizeof(tag), "convt2d_G%d", i + 1);
        check_conv_layer(c, tag, 1, g[i]);
    }
    /* odd shapes: kernel 3 stride 1 pad 1 on 7x5, output padding */
    struct clgan_conv_shape o1 = {3, 5, 7, 5, 4, 3, 1, 1, 0}, o2 = {2, 3, 5, 6, 4, 3, 2, 1, 1};
    check_conv_layer(c, "conv2d_odd", 0, o1);
    check_conv_layer(c, "convt2d_odd", 1, o2);
}

/* ---------------------------------------------------------------- linear */

static void check_linear(struct chk *c)
{
    struct clgan_linear_shape s = {127, 4, 5};
    if (!want(c, "linear"))
        return;
    size_t nx = (size_t)s.n * s.in, ny = (size_t)s.n * s.out, nw = (size_t)s.in * s.out;
    float *x = rnd(c, nx, -2, 2), *w = rnd(c, nw, -0.3f, 0.3f), *bias = rnd(c, s.out, -0.3f, 0.3f);
    float *dy = rnd(c, ny, -1, 1), *r1 = malloc(ny * sizeof(float)),
          *r2 = malloc(nx * sizeof(float)), *r3 = calloc(nw + s.out, sizeof(float));
    struct bufs b = {0};
    cl_mem dx = up(c, &b, x, nx), dw = up(c, &b, w, nw), db = up(c, &b, bias, s.out),
           ddy = up(c, &b, dy, ny), o = up(c, &b, NULL, nx > ny ? nx : ny),
           g = up(c, &b, NULL, nw + s.out);
    float *got = NULL;
    if (!dx || !dw || !db || !ddy || !o || !g ||
        clgan_ops_linear_fwd(c->ctx, &s, dx, 0, dw, 0, db, 0, o, 0) != CLGAN_STATUS_OK ||
        !(got = down(c, o, ny))) {
        dev_error(c, "linear_fwd");
    } else {
        clgan_ref_linear_fwd(&s, x, w, bias, r1);
        compare(c, "linear_fwd", got, r1, ny, 1e-5, 1e-4, 1e-11);
    }
    free(got);
    got = NULL;
    if (!o || clgan_ops_linear_bwd_data(c->ctx, &s, ddy, 0, dw, 0, o, 0) != CLGAN_STATUS_OK ||
        !(got = down(c, o, nx))) {
        dev_error(c, "linear_bwd_data");
    } else {
        clgan_ref_linear_bwd_data(&s, dy, w, r2);
        compare(c, "linear_bwd_data", got, r2, nx, 1e-5, 1e-4, 1e-11);
    }
    free(got);
    got = NULL;
    if (!g ||
        clgan_ops_linear_bwd_weight(c->ctx, &s, dx, 0, ddy, 0, 0.0f, g, 0) != CLGAN_STATUS_OK ||
        clgan_ops_linear_bwd_bias(c->ctx, &s, ddy, 0, 0.0f, g, nw) != CLGAN_STATUS_OK ||
        !(got = down(c, g, nw + s.out))) {
        dev_error(c, "linear_bwd_weight");
    } else {
        clgan_ref_linear_bwd_weight(&s, x, dy, 0.0f, r3);
        clgan_ref_linear_bwd_bias(&s, dy, 0.0f, r3 + nw);
        compare(c, "linear_bwd_weight", got, r3, nw + s.out, 1e-4, 1e-4, 1e-11);
    }
    free(got);
    done(c, &b);
    free(x);
    free(w);
    free(bias);
    free(dy);
    free(r1);
    free(r2);
    free(r3);
}

/* ---------------------------------------------------------------- batch norm */

static void check_bn(struct chk *c)
{
    int f = c->cls == SIZE_FULL ? 1 : c->cls == SIZE_REDUCED ? 4 : 16;
    size_t n = c->cls == SIZE_FULL ? 64 : 4, ch = 128 / f, hw = 64;
    if (!want(c, "bn"))
        return;
    size_t nx = n * ch * hw;
    float *x = rnd(c, nx, -2, 3), *dy = rnd(c, nx, -1, 1), *gam = rnd(c, ch, 0.5f, 1.5f),
          *bet = rnd(c, ch, -0.5f, 0.5f);
    float *st = calloc(4 * ch, sizeof(float)), *ry = malloc(nx * sizeof(float)),
          *rdx = malloc(nx * sizeof(float)), *rg = calloc(2 * ch, sizeof(float));
    for (size_t i = 0; i < ch; i++)
        st[ch + i] = 1.0f;
    struct bufs b = {0};
    cl_mem dx = up(c, &b, x, nx), ddy = up(c, &b, dy, nx), dgb = up(c, &b, NULL, 2 * ch),
           dst = up(c, &b, st, 4 * ch), o = up(c, &b, NULL, nx), dg = up(c, &b, NULL, 2 * ch);
    float *got = NULL;
    if (dgb) {
        clgan_rt_write(c->ctx, dgb, 0, ch * sizeof(float), gam);
        clgan_rt_write(c->ctx, dgb, ch * sizeof(float), ch * sizeof(float), bet);
    }
    struct clgan_ops_bn bn = {n,
                              ch,
                              hw,
                              CLGAN_OPS_BN_EPS,
                              CLGAN_OPS_BN_MOMENTUM,
                              dgb,
                              0,
                              dgb,
                              ch,
                              dst,
                              0,
                              dst,
                              ch,
                              dst,
                              2 * ch,
                              dst,
                              3 * ch,
                              CLGAN_OPS_BN_ACT_NONE,
                              0.0f,
                              NULL,
                              0};
    if (!dx || !ddy || !dgb || !dst || !o || !dg ||
        clgan_ops_bn_fwd_train(c->ctx, &bn, dx, 0, o, 0) != CLGAN_STATUS_OK ||
        !(got = down(c, o, nx))) {
        dev_error(c, "bn_fwd_train");
        goto out;
    }
    clgan_ref_bn_fwd_train(n, ch, hw, CLGAN_OPS_BN_EPS, CLGAN_OPS_BN_MOMENTUM, x, ry, gam, bet, st,
                           st + ch, st + 2 * ch, st + 3 * ch);
    compare(c, "bn_fwd_train", got, ry, nx, 1e-5, 1e-4, 1e-11);
    free(got);
    got = down(c, dst, 2 * ch);
    if (got)
        compare(c, "bn_running_stats", got, st, 2 * ch, 1e-6, 1e-4, 1e-11);
    free(got);
    got = NULL;
    if (clgan_ops_bn_bwd(c->ctx, &bn, dx, 0, ddy, 0, o, 0, dg, 0, dg, ch, 0.0f) !=
            CLGAN_STATUS_OK ||
        !(got = down(c, o, nx))) {
        dev_error(c, "bn_bwd");
        goto out;
    }
    clgan_ref_bn_bwd(n, ch, hw, x, dy, gam, st + 2 * ch, st + 3 * ch, rdx, rg, rg + ch, 0.0f);
    compare(c, "bn_bwd_data", got, rdx, nx, 1e-5, 1e-3, 1e-10);
    free(got);
    got = down(c, dg, 2 * ch);
    if (got) /* sums over n x hw values */
        compare(c, "bn_bwd_gamma_beta", got, rg, 2 * ch, 1e-3, 1e-4, 1e-10);
out:
    free(got);
    done(c, &b);
    free(x);
    free(dy);
    free(gam);
    free(bet);
    free(st);
    free(ry);
    free(rdx);
    free(rg);
}

/* ---------------------------------------------------------------- element-wise */

static void check_acts(struct chk *c)
{
    size_t n = c->cls == SIZE_TINY ? 1003 : 100003;
    for (int k = 0; k < 4; k++) {
        char op[64];
        snprintf(op, sizeof(op), "act_%s", clgan_ops_act_name((enum clgan_ops_act)k));
        if (!want(c, op))
            continue;
        float *x = rnd(c, n, -5, 5), *dy = rnd(c, n, -1, 1), *ry = malloc(n * sizeof(float)),
              *rdx = malloc(n * sizeof(float));
        struct bufs b = {0};
        cl_mem dx = up(c, &b, x, n), ddy = up(c, &b, dy, n), y = up(c, &b, NULL, n),
               g = up(c, &b, NULL, n);
        float *got = NULL;
        char op2[80];
        snprintf(op2, sizeof(op2), "%s_fwd", op);
        if (!dx || !ddy || !y || !g ||
            clgan_ops_act_fwd(c->ctx, (enum clgan_ops_act)k, 0.2f, n, dx, 0, y, 0) !=
                CLGAN_STATUS_OK ||
            !(got = down(c, y, n))) {
            dev_error(c, op2);
        } else {
            clgan_ref_act_fwd(k, 0.2f, n, x, ry);
            compare(c, op2, got, ry, n, 1e-6, 1e-5, 1e-12);
            free(got);
            got = NULL;
            snprintf(op2, sizeof(op2), "%s_bwd", op);
            if (clgan_ops_act_bwd(c->ctx, (enum clgan_ops_act)k, 0.2f, n, y, 0, ddy, 0, g, 0) !=
                    CLGAN_STATUS_OK ||
                !(got = down(c, g, n))) {
                dev_error(c, op2);
            } else {
                clgan_ref_act_bwd(k, 0.2f, n, ry, dy, rdx);
                compare(c, op2, got, rdx, n, 1e-6, 1e-5, 1e-12);
            }
        }
        free(got);
        done(c, &b);
        free(x);
        free(dy);
        free(ry);
        free(rdx);
    }
}

static void check_losses(struct chk *c)
{
    if (want(c, "loss_bce")) {
        size_t n = 64;
        float *x = rnd(c, n, -8, 8), rdx[64], rs[2] = {0, 0};
        struct bufs b = {0};
        cl_mem dx = up(c, &b, x, n), g = up(c, &b, NULL, n), s = up(c, &b, NULL, 2);
        float *got = NULL, *gs = NULL;
        if (!dx || !g || !s ||
            clgan_ops_loss_bce_logits(c->ctx, n, 0.9f, 1.0f, dx, 0, g, 0, 0.0f, s, 0, 0.0f, s, 1) !=
                CLGAN_STATUS_OK ||
            !(got = down(c, g, n)) || !(gs = down(c, s, 2))) {
            dev_error(c, "loss_bce_logits");
        } else {
            clgan_ref_loss_bce_logits(n, 0.9f, 1.0f, x, rdx, 0.0f, &rs[0], 0.0f, &rs[1]);
            compare(c, "loss_bce_logits_grad", got, rdx, n, 1e-7, 1e-5, 1e-12);
            compare(c, "loss_bce_logits_value", gs, rs, 2, 1e-6, 1e-5, 1e-12);
        }
        free(got);
        free(gs);
        free(x);
        done(c, &b);
    }
    if (want(c, "loss_softmax")) {
        size_t rows = 23, cols = 3, n = rows * cols;
        float *x = rnd(c, n, -4, 4), *t = calloc(n, sizeof(float)), rdx[69], rs[2] = {0, 0};
        for (size_t r = 0; r < rows; r++)
            t[r * cols + r % cols] = 1.0f;
        struct bufs b = {0};
        cl_mem dx = up(c, &b, x, n), dt = up(c, &b, t, n), g = up(c, &b, NULL, n),
               s = up(c, &b, NULL, 2);
        float *got = NULL, *gs = NULL;
        if (!dx || !dt || !g || !s ||
            clgan_ops_loss_softmax_xent(c->ctx, rows, cols, 1.0f, dx, 0, dt, 0, g, 0, 0.0f, s, 0,
                                        0.0f, s, 1) != CLGAN_STATUS_OK ||
            !(got = down(c, g, n)) || !(gs = down(c, s, 2))) {
            dev_error(c, "loss_softmax_xent");
        } else {
            clgan_ref_loss_softmax_xent(rows, cols, 1.0f, x, t, rdx, 0.0f, &rs[0], 0.0f, &rs[1]);
            compare(c, "loss_softmax_xent_grad", got, rdx, n, 1e-7, 1e-5, 1e-12);
            compare(c, "loss_softmax_xent_value", gs, rs, 2, 1e-6, 1e-5, 1e-12);
        }
        free(got);
        free(gs);
        free(x);
        free(t);
        done(c, &b);
    }
}

static void check_rng(struct chk *c)
{
    size_t n = c->cls == SIZE_TINY ? 1001 : 100001;
    if (!want(c, "rng_normal"))
        return;
    float *r = malloc(n * sizeof(float)), *got = NULL;
    struct bufs b = {0};
    cl_mem d = up(c, &b, NULL, n);
    if (!d || clgan_ops_rng_normal(c->ctx, d, 0, n, 0.0f, 1.0f, 12345, 77) != CLGAN_STATUS_OK ||
        !(got = down(c, d, n))) {
        dev_error(c, "rng_normal");
    } else {
        clgan_ref_rng_normal(r, n, 0.0f, 1.0f, 12345, 77);
        /* same integers everywhere; log/cos may differ in the last bits */
        compare(c, "rng_normal", got, r, n, 1e-5, 1e-5, 1e-12);
    }
    free(got);
    free(r);
    done(c, &b);
}

static void check_optim(struct chk *c)
{
    size_t n = c->cls == SIZE_TINY ? 1003 : 100003;
    for (int k = 0; k < 3; k++) {
        static const char *const names[] = {"opt_sgd", "opt_adam", "opt_quickprop"};
        if (!want(c, names[k]))
            continue;
        float *th = rnd(c, n, -1, 1), *gr = rnd(c, n, -1, 1), *s1 = rnd(c, n, -0.01f, 0.01f),
              *s2 = rnd(c, n, 0, 0.01f);
        struct bufs b = {0};
        cl_mem dt = up(c, &b, th, n), dg = up(c, &b, gr, n), d1 = up(c, &b, s1, n),
               d2 = up(c, &b, s2, n);
        clgan_status st =
            !dt || !dg || !d1 || !d2 ? CLGAN_STATUS_OUT_OF_DEVICE_MEMORY
            : k == 0 ? clgan_ops_opt_sgd(c->ctx, n, 0.1f, 0.9f, 1e-4f, 0, dt, 0, dg, 0, d1, 0)
            : k == 1
                ? clgan_ops_opt_adam(c->ctx, n, 2e-4f, 0.5f, 0.999f, 1e-8f, 0.0f, 3, dt, 0, dg, 0,
                                     d1, 0, d2, 0)
                : clgan_ops_opt_quickprop(c->ctx, n, 0.1f, 2.0f, 1e-4f, dt, 0, dg, 0, d1, 0, d2, 0);
        float *got = st == CLGAN_STATUS_OK ? down(c, dt, n) : NULL;
        if (!got) {
            dev_error(c, names[k]);
        } else {
            if (k == 0)
                clgan_ref_opt_sgd(n, 0.1f, 0.9f, 1e-4f, 0, th, gr, s1);
            else if (k == 1)
                clgan_ref_opt_adam(n, 2e-4f, 0.5f, 0.999f, 1e-8f, 0.0f, 3, th, gr, s1, s2);
            else
                clgan_ref_opt_quickprop(n, 0.1f, 2.0f, 1e-4f, th, gr, s1, s2);
            compare(c, names[k], got, th, n, 1e-6, 1e-5, 1e-12);
        }
        free(got);
        free(th);
        free(gr);
        free(s1);
        free(s2);
        done(c, &b);
    }
}

/* ---------------------------------------------------------------- driver */

static int has_word(const char *hay, const char *needle)
{
    for (size_t n = strlen(needle); *hay; hay++)
        if (!strncasecmp(hay, needle, n))
            return 1;
    return 0;
}

static enum size_class class_of(const struct clgan_device_info *d)
{
    if (d->kind == CLGAN_KIND_SIMULATOR)
        return SIZE_TINY;
    if (has_word(d->name, "llvmpipe") || has_word(d->platform_name, "clover"))
        return SIZE_REDUCED;
    return SIZE_FULL;
}

int clgan_cli_check(int argc, char **argv)
{
    const char *device = NULL, *op = NULL;
    int json = 0;
    const struct opt opts[] = {
        {"--device", OPT_STRING, &device, 0, 0, NULL, "SPEC|all", "device(s) to check"},
        {"--op", OPT_STRING, &op, 0, 0, NULL, "NAME", "only ops whose name starts with NAME"},
        {"--json", OPT_FLAG, &json, 0, 0, NULL, NULL, "print the results as JSON"},
        {NULL, 0, NULL, 0, 0, NULL, NULL, NULL},
    };
    char err[512];
    int rr = clgan_opts_parse(opts, argc, argv, 1,
                              "usage: clgan check [--device SPEC|all] [--op NAME] [--json]\n\n"
                              "Runs every op, forward and backward, against the plain-C "
                              "reference and prints NMSE, the largest\nrelative error and "
                              "OK/FAIL per op and device. Exits 1 on any FAIL.",
                              NULL, NULL, 0, err, sizeof(err));
    if (rr)
        return rr > 0 ? 0 : (clgan_cli_error("check: %s", err), 2);
    struct clgan_device_info *devs = NULL;
    int n = 0, sel[MAX_DEV], n_sel = 0;
    int rc = clgan_cli_select_devices(device, &devs, &n, sel, MAX_DEV, &n_sel);
    if (rc)
        return rc;
    struct chk c = {0};
    c.rows = calloc(MAX_ROWS, sizeof(*c.rows));
    c.filter = op;
    int any_failed = 0;
    for (int i = 0; i < n_sel; i++) {
        char spec[16];
        snprintf(spec, sizeof(spec), "%d", sel[i]);
        c.dev = sel[i];
        c.cls = class_of(&devs[sel[i]]);
        c.rng = 0x636865636bull + (uint64_t)sel[i];
        if (!json)
            printf("== %d:%d %s / %s: %s shapes\n", devs[sel[i]].platform, devs[sel[i]].device,
                   devs[sel[i]].platform_name, devs[sel[i]].name, class_names[c.cls]);
        fflush(stdout);
        if (clgan_cli_open(spec, 0, CLGAN_GEMM_AUTO, &c.ctx) != CLGAN_STATUS_OK) {
            add_row(&c, "open_device", NAN, NAN, 0, "cannot open");
            continue;
        }
        int first = c.n_rows;
        check_gemm(&c);
        check_convs(&c);
        check_linear(&c);
        check_bn(&c);
        check_acts(&c);
        check_losses(&c);
        check_rng(&c);
        check_optim(&c);
        clgan_ctx_free(c.ctx);
        c.ctx = NULL;
        if (!json)
            for (int r = first; r < c.n_rows; r++)
                printf("   %-28s %-4s nmse %-10.3g max_rel %-10.3g%s%s\n", c.rows[r].op,
                       c.rows[r].ok ? "OK" : "FAIL", c.rows[r].nmse, c.rows[r].max_rel,
                       c.rows[r].note[0] ? " " : "", c.rows[r].note);
    }
    any_failed = c.failed;
    if (op && c.n_rows == 0) {
        free(c.rows);
        free(devs);
        clgan_cli_error("check: no op name starts with '%s' (clgan check lists them all)", op);
        return 2;
    }
    if (json) {
        cJSON *arr = cJSON_CreateArray();
        for (int r = 0; r < c.n_rows; r++) {
            cJSON *o = cJSON_CreateObject();
            char d[300];
            snprintf(d, sizeof(d), "%d:%d %s", devs[c.rows[r].dev].platform,
                     devs[c.rows[r].dev].device, devs[c.rows[r].dev].name);
            cJSON_AddStringToObject(o, "op", c.rows[r].op);
            cJSON_AddStringToObject(o, "device", d);
            cJSON_AddStringToObject(o, "shapes", class_names[class_of(&devs[c.rows[r].dev])]);
            if (isfinite(c.rows[r].nmse))
                cJSON_AddNumberToObject(o, "nmse", c.rows[r].nmse);
            if (isfinite(c.rows[r].max_rel))
                cJSON_AddNumberToObject(o, "max_rel", c.rows[r].max_rel);
            cJSON_AddBoolToObject(o, "ok", c.rows[r].ok);
            if (c.rows[r].note[0])
                cJSON_AddStringToObject(o, "error", c.rows[r].note);
            cJSON_AddItemToArray(arr, o);
        }
        char *s = cJSON_Print(arr);
        if (s)
            printf("%s\n", s);
        free(s);
        cJSON_Delete(arr);
    } else if (n_sel > 1) {
        /* op x device summary */
        printf("\n%-28s", "op");
        for (int i = 0; i < n_sel; i++)
            printf(" %-10.10s", devs[sel[i]].platform_name);
        printf("\n");
        for (int r = 0; r < c.n_rows; r++) {
            int seen = 0;
            for (int q = 0; q < r; q++)
                seen |= !strcmp(c.rows[q].op, c.rows[r].op);
            if (seen)
                continue;
            printf("%-28s", c.rows[r].op);
            for (int i = 0; i < n_sel; i++) {
                const char *v = "-";
                for (int q = 0; q < c.n_rows; q++)
                    if (c.rows[q].dev == sel[i] && !strcmp(c.rows[q].op, c.rows[r].op))
                        v = c.rows[q].ok ? "OK" : "FAIL";
                printf(" %-10s", v);
            }
            printf("\n");
        }
    }
    if (!json)
        printf("%d checks, %d failed\n", c.n_rows, c.failed);
    free(c.rows);
    free(devs);
    return any_failed ? 1 : 0;
}

/*
 * run_ops.c - the op families outside a model's layers: GEMM on both backends, linear layers,
 * losses, the normal RNG and the optimizers, each against src/ref/.
 */
#include <stdio.h>

#include "check/runner.h"
#include "ops/conv.h"
#include "ops/gemm.h"
#include "ops/loss.h"
#include "ops/opt.h"
#include "ops/rng.h"
#include "ref/conv.h"
#include "ref/loss.h"
#include "ref/opt.h"
#include "ref/ref.h"
#include "ref/rng.h"

/* ---------------------------------------------------------------- GEMM */

void clgan_check_gemm(struct chk *c)
{
    size_t m = c->pol->gemm_m, n = c->pol->gemm_n, k = c->pol->gemm_k;
    static const enum clgan_gemm_backend be[] = {CLGAN_GEMM_OWN, CLGAN_GEMM_CLBLAST};
    for (int b = 0; b < 2; b++)
        for (int t = 0; t < 4; t++) {
            char op[64];
            int ta = t & 1, tb = t >> 1;
            snprintf(op, sizeof(op), "gemm_%s_%c%c", clgan_gemm_backend_str(be[b]), ta ? 'T' : 'N',
                     tb ? 'T' : 'N');
            if (!chk_want(c, op))
                continue;
            size_t lda = ta ? m : k, ldb = tb ? k : n;
            float *A = chk_rand(c, m * k, -1, 1), *B = chk_rand(c, k * n, -1, 1),
                  *C = chk_zeros(c, m * n), *got = NULL;
            cl_mem da = chk_up(c, A, m * k), db = chk_up(c, B, k * n), dc = chk_up(c, NULL, m * n);
            struct clgan_gemm_args g = {ta, tb, m, n, k, 1.0f, 0.0f, da, 0, lda, db, 0, ldb,
                                        dc, 0,  n, 1, 0, 0,    0,    0,  0, 0,   0,  0};
            if (!chk_ready(c, op)) {
                /* reported */
            } else if (clgan_ops_gemm_on(c->ctx, be[b], &g) != CLGAN_STATUS_OK ||
                       !(got = chk_down(c, dc, m * n))) {
                chk_dev_error(c, op);
            } else {
                clgan_ref_gemm(ta, tb, m, n, k, 1.0f, A, lda, B, ldb, 0.0f, C, n);
                chk_compare(c, op, got, C, m * n, 1e-4, 1e-3, 1e-10);
            }
            chk_done(c);
        }
}

/* ---------------------------------------------------------------- linear */

void clgan_check_linear(struct chk *c)
{
    struct clgan_linear_shape s = {127, 4, 5};
    size_t nx = (size_t)s.n * s.in, ny = (size_t)s.n * s.out, nw = (size_t)s.in * s.out;
    float *x = chk_rand(c, nx, -2, 2), *w = chk_rand(c, nw, -0.3f, 0.3f),
          *bias = chk_rand(c, s.out, -0.3f, 0.3f), *dy = chk_rand(c, ny, -1, 1);
    float *r1 = chk_zeros(c, ny), *r2 = chk_zeros(c, nx), *r3 = chk_zeros(c, nw + s.out);
    cl_mem dx = chk_up(c, x, nx), dw = chk_up(c, w, nw), db = chk_up(c, bias, s.out),
           ddy = chk_up(c, dy, ny), o = chk_up(c, NULL, nx > ny ? nx : ny),
           g = chk_up(c, NULL, nw + s.out);
    float *got = NULL;
    struct clgan_tensor vx = clgan_tensor_view(dx, 0, CLGAN_DTYPE_F32, s.n, s.in, 1, 1),
                        vw = clgan_tensor_view(dw, 0, CLGAN_DTYPE_F32, s.out, s.in, 1, 1),
                        vb = clgan_tensor_view(db, 0, CLGAN_DTYPE_F32, 1, s.out, 1, 1),
                        vdy = clgan_tensor_view(ddy, 0, CLGAN_DTYPE_F32, s.n, s.out, 1, 1),
                        vy = clgan_tensor_view(o, 0, CLGAN_DTYPE_F32, s.n, s.out, 1, 1),
                        vdx = clgan_tensor_view(o, 0, CLGAN_DTYPE_F32, s.n, s.in, 1, 1),
                        vgw = clgan_tensor_view(g, 0, CLGAN_DTYPE_F32, s.out, s.in, 1, 1),
                        vgb = clgan_tensor_view(g, nw, CLGAN_DTYPE_F32, 1, s.out, 1, 1);
    if (!chk_ready(c, "linear_fwd"))
        return;
    if (clgan_ops_linear_fwd(c->ctx, &s, &vx, &vw, &vb, &vy) != CLGAN_STATUS_OK ||
        !(got = chk_down(c, o, ny))) {
        chk_dev_error(c, "linear_fwd");
    } else {
        clgan_ref_linear_fwd(&s, x, w, bias, r1);
        chk_compare(c, "linear_fwd", got, r1, ny, 1e-5, 1e-4, 1e-11);
    }
    if (clgan_ops_linear_bwd_data(c->ctx, &s, &vdy, &vw, &vdx) != CLGAN_STATUS_OK ||
        !(got = chk_down(c, o, nx))) {
        chk_dev_error(c, "linear_bwd_data");
    } else {
        clgan_ref_linear_bwd_data(&s, dy, w, r2);
        chk_compare(c, "linear_bwd_data", got, r2, nx, 1e-5, 1e-4, 1e-11);
    }
    if (clgan_ops_linear_bwd_weight(c->ctx, &s, &vx, &vdy, 0.0f, &vgw) != CLGAN_STATUS_OK ||
        clgan_ops_linear_bwd_bias(c->ctx, &s, &vdy, 0.0f, &vgb) != CLGAN_STATUS_OK ||
        !(got = chk_down(c, g, nw + s.out))) {
        chk_dev_error(c, "linear_bwd_weight");
    } else {
        clgan_ref_linear_bwd_weight(&s, x, dy, 0.0f, r3);
        clgan_ref_linear_bwd_bias(&s, dy, 0.0f, r3 + nw);
        chk_compare(c, "linear_bwd_weight", got, r3, nw + s.out, 1e-4, 1e-4, 1e-11);
    }
}

/* ---------------------------------------------------------------- losses */

static void bce_case(struct chk *c)
{
    size_t n = 64;
    float *x = chk_rand(c, n, -8, 8), *rdx = chk_zeros(c, n), rs[2] = {0, 0}, *got = NULL,
          *gs = NULL;
    cl_mem dx = chk_up(c, x, n), g = chk_up(c, NULL, n), s = chk_up(c, NULL, 2);
    if (!chk_ready(c, "loss_bce_logits"))
        return;
    struct clgan_tensor vx = clgan_tensor_view(dx, 0, CLGAN_DTYPE_F32, (int)n, 1, 1, 1),
                        vg = clgan_tensor_view(g, 0, CLGAN_DTYPE_F32, (int)n, 1, 1, 1),
                        vl = clgan_tensor_view(s, 0, CLGAN_DTYPE_F32, 1, 1, 1, 1),
                        vp = clgan_tensor_view(s, 1, CLGAN_DTYPE_F32, 1, 1, 1, 1);
    if (clgan_ops_loss_bce_logits(c->ctx, 0.9f, 1.0f, &vx, &vg, 0.0f, &vl, 0.0f, &vp) !=
            CLGAN_STATUS_OK ||
        !(got = chk_down(c, g, n)) || !(gs = chk_down(c, s, 2))) {
        chk_dev_error(c, "loss_bce_logits");
        return;
    }
    clgan_ref_loss_bce_logits(n, 0.9f, 1.0f, x, rdx, 0.0f, &rs[0], 0.0f, &rs[1]);
    chk_compare(c, "loss_bce_logits_grad", got, rdx, n, 1e-7, 1e-5, 1e-12);
    chk_compare(c, "loss_bce_logits_value", gs, rs, 2, 1e-6, 1e-5, 1e-12);
}

static void softmax_case(struct chk *c)
{
    size_t rows = 23, cols = 3, n = rows * cols;
    float *x = chk_rand(c, n, -4, 4), *t = chk_zeros(c, n), *rdx = chk_zeros(c, n), rs[2] = {0, 0},
          *got = NULL, *gs = NULL;
    for (size_t r = 0; t && r < rows; r++)
        t[r * cols + r % cols] = 1.0f;
    cl_mem dx = chk_up(c, x, n), dt = chk_up(c, t, n), g = chk_up(c, NULL, n),
           s = chk_up(c, NULL, 2);
    if (!chk_ready(c, "loss_softmax_xent"))
        return;
    struct clgan_tensor vx = clgan_tensor_view(dx, 0, CLGAN_DTYPE_F32, (int)rows, (int)cols, 1, 1),
                        vt = clgan_tensor_view(dt, 0, CLGAN_DTYPE_F32, (int)rows, (int)cols, 1, 1),
                        vg = clgan_tensor_view(g, 0, CLGAN_DTYPE_F32, (int)rows, (int)cols, 1, 1),
                        vl = clgan_tensor_view(s, 0, CLGAN_DTYPE_F32, 1, 1, 1, 1),
                        va = clgan_tensor_view(s, 1, CLGAN_DTYPE_F32, 1, 1, 1, 1);
    if (clgan_ops_loss_softmax_xent(c->ctx, 1.0f, &vx, &vt, &vg, 0.0f, &vl, 0.0f, &va) !=
            CLGAN_STATUS_OK ||
        !(got = chk_down(c, g, n)) || !(gs = chk_down(c, s, 2))) {
        chk_dev_error(c, "loss_softmax_xent");
        return;
    }
    clgan_ref_loss_softmax_xent(rows, cols, 1.0f, x, t, rdx, 0.0f, &rs[0], 0.0f, &rs[1]);
    chk_compare(c, "loss_softmax_xent_grad", got, rdx, n, 1e-7, 1e-5, 1e-12);
    chk_compare(c, "loss_softmax_xent_value", gs, rs, 2, 1e-6, 1e-5, 1e-12);
}

void clgan_check_loss(struct chk *c)
{
    if (chk_want_case(c, "loss_bce"))
        bce_case(c);
    chk_done(c);
    if (chk_want_case(c, "loss_softmax"))
        softmax_case(c);
    chk_done(c);
}

/* ---------------------------------------------------------------- RNG */

void clgan_check_rng(struct chk *c)
{
    size_t n = c->pol->elt_n - 2; /* 100001: odd, as the Box-Muller pairs leave one alone */
    if (!chk_want_case(c, "rng_normal"))
        return;
    float *r = chk_zeros(c, n), *got = NULL;
    cl_mem d = chk_up(c, NULL, n);
    if (!chk_ready(c, "rng_normal"))
        return;
    if (clgan_ops_rng_normal(c->ctx, d, 0, n, 0.0f, 1.0f, 12345, 77) != CLGAN_STATUS_OK ||
        !(got = chk_down(c, d, n))) {
        chk_dev_error(c, "rng_normal");
        return;
    }
    clgan_ref_rng_normal(r, n, 0.0f, 1.0f, 12345, 77);
    /* same integers everywhere; log/cos may differ in the last bits */
    chk_compare(c, "rng_normal", got, r, n, 1e-5, 1e-5, 1e-12);
}

/* ---------------------------------------------------------------- optimizers */

void clgan_check_opt(struct chk *c)
{
    static const char *const names[] = {"opt_sgd", "opt_adam", "opt_quickprop"};
    size_t n = c->pol->elt_n;
    for (int k = 0; k < 3; k++) {
        if (!chk_want_case(c, names[k]))
            continue;
        float *th = chk_rand(c, n, -1, 1), *gr = chk_rand(c, n, -1, 1),
              *s1 = chk_rand(c, n, -0.01f, 0.01f), *s2 = chk_rand(c, n, 0, 0.01f), *got = NULL;
        cl_mem dt = chk_up(c, th, n), dg = chk_up(c, gr, n), d1 = chk_up(c, s1, n),
               d2 = chk_up(c, s2, n);
        if (!chk_ready(c, names[k])) {
            chk_done(c);
            continue;
        }
        clgan_status st =
            k == 0 ? clgan_ops_opt_sgd(c->ctx, n, 0.1f, 0.9f, 1e-4f, 0, dt, 0, dg, 0, d1, 0)
            : k == 1
                ? clgan_ops_opt_adam(c->ctx, n, 2e-4f, 0.5f, 0.999f, 1e-8f, 0.0f, 3, dt, 0, dg, 0,
                                     d1, 0, d2, 0)
                : clgan_ops_opt_quickprop(c->ctx, n, 0.1f, 2.0f, 1e-4f, dt, 0, dg, 0, d1, 0, d2, 0);
        if (st != CLGAN_STATUS_OK || !(got = chk_down(c, dt, n))) {
            chk_dev_error(c, names[k]);
        } else {
            if (k == 0)
                clgan_ref_opt_sgd(n, 0.1f, 0.9f, 1e-4f, 0, th, gr, s1);
            else if (k == 1)
                clgan_ref_opt_adam(n, 2e-4f, 0.5f, 0.999f, 1e-8f, 0.0f, 3, th, gr, s1, s2);
            else
                clgan_ref_opt_quickprop(n, 0.1f, 2.0f, 1e-4f, th, gr, s1, s2);
            chk_compare(c, names[k], got, th, n, 1e-6, 1e-5, 1e-12);
        }
        chk_done(c);
    }
}

/* labels: kernel; timeout: 300 */
/*
 * test_opt.c - optimizers on every device against the reference over several steps: SGD (with
 * and without momentum and weight decay), Adam (PyTorch's dcgan settings, weight decay), and
 * Quickprop, whose every branch is set up by hand (a > 0, a < 0, a = 0, the mu cap, gradient
 * term on and off, previous slope zero, of the same or the other sign, b = S) and checked
 * against worked-out steps, then run for more epochs with decay.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "ops/elt.h"
#include "ops/opt.h"
#include "ref/opt.h"

enum { SGD, ADAM };

struct ocase {
    int kind;
    float lr, mom, wd; /* SGD: momentum; Adam: beta1 = mom, beta2 0.999, eps 1e-8 */
};

static void run_case(struct th_device *d, const struct ocase *c, size_t n, int steps)
{
    char name[128];
    snprintf(name, sizeof(name), "opt_%s(n=%zu lr=%g mom=%g wd=%g steps=%d)",
             c->kind == SGD ? "sgd" : "adam", n, (double)c->lr, (double)c->mom, (double)c->wd,
             steps);
    if (!th_want(name))
        return;
    const size_t o = 5;
    float *th = th_rand(o + n, -1, 1), *s1 = th_alloc(o + n), *s2 = th_alloc(o + n);
    float *got = th_alloc(o + n);
    cl_mem mth = th_upload(d, th, o + n), mg = th_upload(d, NULL, o + n);
    cl_mem m1 = th_upload(d, s1, o + n), m2 = th_upload(d, s2, o + n);
    clgan_status st = CLGAN_STATUS_OK;
    for (int t = 1; t <= steps && st == CLGAN_STATUS_OK; t++) {
        /* gradients of varied size, a few exactly zero */
        float *g = th_rand(o + n, -1, 1);
        for (size_t i = 0; i < n; i++)
            g[o + i] *= (i % 5 == 0) ? 0.0f : (i % 3 == 0) ? 1e-4f : 1.0f;
        st = clgan_rt_write(d->ctx, mg, 0, (o + n) * sizeof(float), g);
        if (c->kind == SGD) {
            clgan_ref_opt_sgd(n, c->lr, c->mom, c->wd, t == 1, th + o, g + o, s1 + o);
            if (st == CLGAN_STATUS_OK)
                st = clgan_ops_opt_sgd(d->ctx, n, c->lr, c->mom, c->wd, t == 1, mth, o, mg, o,
                                       c->mom != 0.0f ? m1 : NULL, o);
        } else {
            clgan_ref_opt_adam(n, c->lr, c->mom, 0.999f, 1e-8f, c->wd, t, th + o, g + o, s1 + o,
                               s2 + o);
            if (st == CLGAN_STATUS_OK)
                st = clgan_ops_opt_adam(d->ctx, n, c->lr, c->mom, 0.999f, 1e-8f, c->wd, t, mth, o,
                                        mg, o, m1, o, m2, o);
        }
        free(g);
    }
    if (th_status(st, name, d)) {
        char part[160];
        th_download(d, mth, got, o + n);
        snprintf(part, sizeof(part), "%s theta", name);
        /* a few roundings per step on values of size 1 */
        th_check(part, d, got, th, o + n, 2e-7 * steps, 1e-6, 1e-12);
        th_download(d, m1, got, o + n);
        snprintf(part, sizeof(part), "%s %s", name, c->kind == SGD ? "buf" : "m");
        /* the momentum buffer sums terms of size 1 that may cancel */
        th_check(part, d, got, s1, o + n, 1e-7 * (1 + steps), 2e-6, 1e-12);
        if (c->kind == ADAM) {
            th_download(d, m2, got, o + n);
            snprintf(part, sizeof(part), "%s v", name);
            th_check(part, d, got, s2, o + n, 1e-12, 2e-6, 1e-12);
        }
    }
    th_free_mem(d, mth, o + n);
    th_free_mem(d, mg, o + n);
    th_free_mem(d, m1, o + n);
    th_free_mem(d, m2, o + n);
    free(th), free(s1), free(s2), free(got);
}

/* One parameter per Quickprop branch: previous step a, previous slope b, slope S, and the step
 * worked out by hand for eta 0.5, mu 1.75 (shrink f = 0.63636...). */
struct qp {
    float a, b, s;
    double step;
    const char *what;
};

static const struct qp qcases[] = {
    {0.5f, -1.0f, -0.9f, 0.45 + 0.875, "a>0, S<=fb: mu cap + gradient term"},
    {0.5f, -1.0f, -0.3f, 0.15 + 0.3 / 0.7 * 0.5, "a>0, fb<S<0: quadratic + gradient term"},
    {0.5f, -1.0f, 0.4f, 0.4 / -1.4 * 0.5, "a>0, S>0 (slope changed sign): quadratic only"},
    {0.5f, 0.0f, -0.2f, 0.1 + 0.875, "a>0, b=0, S<0: mu cap + gradient term"},
    {0.5f, 0.0f, 0.3f, -0.5, "a>0, b=0, S>0: quadratic"},
    {0.5f, 0.5f, 0.6f, 0.6 / -0.1 * 0.5, "a>0, b>0 same sign as S: quadratic"},
    {0.5f, 0.6f, 0.6f, -0.3, "a>0, b=S>0: gradient step instead of 0 division"},
    {0.5f, -1.0f, 0.0f, 0.0, "a>0, S=0: nothing"},
    {0.5f, 0.0f, 0.0f, 0.875, "a>0, b=S=0: mu cap"},
    {-0.5f, 1.0f, 0.9f, -0.45 - 0.875, "a<0, S>=fb: mu cap + gradient term"},
    {-0.5f, 1.0f, 0.3f, -0.15 - 0.3 / 0.7 * 0.5, "a<0, 0<S<fb: quadratic + gradient term"},
    {-0.5f, 1.0f, -0.4f, -0.4 / 1.4 * -0.5, "a<0, S<0: quadratic only"},
    {-0.5f, -0.6f, -0.6f, 0.3, "a<0, b=S<0: gradient step instead of 0 division"},
    {-0.5f, 0.0f, 0.2f, -0.1 - 0.875, "a<0, b=0, S>0: mu cap + gradient term"},
    {0.0f, 0.7f, 0.8f, -0.4, "a=0: gradient step"},
    {0.0f, 0.0f, 0.0f, 0.0, "a=0, S=0: nothing"},
    {0.0f, -0.3f, -1.2f, 0.6, "a=0, S<0: gradient step"},
};

/* Which branch the reference takes for one parameter: 0 a = 0, 1 a > 0 capped, 2 a > 0
 * quadratic, 3 a < 0 capped, 4 a < 0 quadratic. */
static int qp_branch(float mu, float a, float b, float s)
{
    float fb = (float)((double)mu / (1.0 + (double)mu)) * b;
    if (a > 0.0f)
        return s <= fb ? 1 : 2;
    if (a < 0.0f)
        return s >= fb ? 3 : 4;
    return 0;
}

/*
 * handmade: one epoch from the hand-made states (and random ones), checked against the worked-out
 * steps and the reference. Otherwise a run of several epochs as SNNS starts one (a = b = 0,
 * grad = the first slope) on E = sum k/4 (theta - c)^4, every branch taken along the way.
 */
static void run_quickprop(struct th_device *d, float decay, int epochs, int handmade)
{
    char name[128];
    snprintf(name, sizeof(name), "opt_quickprop(%s decay=%g epochs=%d)",
             handmade ? "branches" : "quartic", (double)decay, epochs);
    if (!th_want(name))
        return;
    const float eta = 0.5f, mu = 1.75f;
    const size_t nq = sizeof(qcases) / sizeof(qcases[0]);
    size_t n = d->small ? 200 : 10007;
    const size_t o = 2;
    float *th = th_rand(o + n, -1, 1), *g = th_rand(o + n, -1, 1), *a = th_rand(o + n, -1, 1);
    float *b = th_rand(o + n, -1, 1), *got = th_alloc(o + n), *want = th_alloc(o + n);
    /* small k keeps the plain gradient steps (eta * slope) from overshooting far */
    float *k = th_rand(o + n, 0.05f, 0.2f), *ctr = th_rand(o + n, -1, 1);
    if (handmade) {
        for (size_t i = 0; i < nq; i++) {
            a[o + i] = qcases[i].a;
            b[o + i] = qcases[i].b;
            g[o + i] = qcases[i].s;
        }
        for (size_t i = nq; i < n; i += 7)
            a[o + i] = 0.0f;
    } else {
        for (size_t i = o; i < o + n; i++) {
            float r = th[i] - ctr[i];
            a[i] = b[i] = 0.0f;
            g[i] = k[i] * r * r * r;
        }
    }
    cl_mem mth = th_upload(d, th, o + n), mg = th_upload(d, g, o + n);
    cl_mem ma = th_upload(d, a, o + n), mb = th_upload(d, b, o + n);
    clgan_status st = CLGAN_STATUS_OK;
    size_t taken[5] = {0, 0, 0, 0, 0};
    for (int e = 0; e < epochs && st == CLGAN_STATUS_OK; e++) {
        if (e > 0) {
            /* The next epoch's slope accumulates onto decay * theta. Each side takes it from
             * its own theta: slopes unrelated to theta would let S/(b - S) amplify rounding
             * differences without bound, where an objective keeps the two runs close.
             * Quartic, not quadratic: on a quadratic the secant step lands on the minimum at
             * once, and later slopes are rounding noise whose ratios differ anywhere. */
            float *sd = th_alloc(o + n);
            th_download(d, mth, got, o + n);
            for (size_t i = o; i < o + n; i++) {
                float r = th[i] - ctr[i], rd = got[i] - ctr[i];
                g[i] = g[i] + k[i] * r * r * r;
                sd[i] = k[i] * rd * rd * rd;
            }
            cl_mem ms = th_upload(d, sd, o + n);
            st = clgan_ops_elt_axpy(d->ctx, o + n, 1.0f, ms, 0, mg, 0);
            th_free_mem(d, ms, o + n);
            free(sd);
        }
        for (size_t i = o; i < o + n; i++)
            taken[qp_branch(mu, a[i], b[i], g[i])]++;
        clgan_ref_opt_quickprop(n, eta, mu, decay, th + o, g + o, a + o, b + o);
        if (st == CLGAN_STATUS_OK)
            st = clgan_ops_opt_quickprop(d->ctx, n, eta, mu, decay, mth, o, mg, o, ma, o, mb, o);
        if (handmade && st == CLGAN_STATUS_OK) {
            th_download(d, ma, got, o + n);
            for (size_t i = 0; i < nq; i++)
                want[i] = (float)qcases[i].step;
            char part[160];
            snprintf(part, sizeof(part), "%s worked-out steps", name);
            if (!th_check(part, d, got + o, want, nq, 1e-6, 1e-6, 1e-12))
                for (size_t i = 0; i < nq; i++)
                    if (fabs(got[o + i] - want[i]) > 1e-6 + 1e-6 * fabs(want[i]))
                        printf("    case %zu (%s): step %.7g, expected %.7g\n", i, qcases[i].what,
                               got[o + i], want[i]);
        }
    }
    if (th_status(st, name, d)) {
        char part[160];
        static const char *parts[] = {"theta", "grad", "prev step", "prev slope"};
        cl_mem ms[] = {mth, mg, ma, mb};
        float *refs[] = {th, g, a, b};
        for (int j = 0; j < 4; j++) {
            th_download(d, ms[j], got, o + n);
            snprintf(part, sizeof(part), "%s %s", name, parts[j]);
            /* a few roundings per epoch, amplified where b nears S */
            th_check(part, d, got, refs[j], o + n, 1e-6, 1e-5, 1e-11);
        }
        snprintf(part, sizeof(part), "%s branches", name);
        th_expect(taken[0] && taken[1] && taken[2] && taken[3] && taken[4], part, d,
                  "a=0: %zu, a>0 cap: %zu, a>0 quadratic: %zu, a<0 cap: %zu, a<0 quadratic: %zu",
                  taken[0], taken[1], taken[2], taken[3], taken[4]);
    }
    th_free_mem(d, mth, o + n);
    th_free_mem(d, mg, o + n);
    th_free_mem(d, ma, o + n);
    th_free_mem(d, mb, o + n);
    free(th), free(g), free(a), free(b), free(got), free(want), free(k), free(ctr);
}

int main(int argc, char **argv)
{
    th_init(argc, argv, 1);
    static const struct ocase cases[] = {
        {SGD, 0.1f, 0.0f, 0.0f},   {SGD, 0.05f, 0.9f, 0.0f},  {SGD, 0.05f, 0.9f, 5e-4f},
        {ADAM, 2e-4f, 0.5f, 0.0f}, {ADAM, 1e-3f, 0.9f, 0.0f}, {ADAM, 2e-4f, 0.5f, 1e-2f},
    };
    for (int i = 0; i < th_ndev(); i++) {
        struct th_device *d = th_dev(i);
        static const size_t ns[] = {1, 7, 1000, 100003};
        for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
            for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
                if (d->small && ns[k] > 5000)
                    continue;
                run_case(d, &cases[c], ns[k], ns[k] == 1000 ? 10 : 3);
            }
        run_quickprop(d, 0.0f, 1, 1);
        run_quickprop(d, 1e-3f, 1, 1);
        run_quickprop(d, 0.0f, 8, 0);
        run_quickprop(d, 1e-3f, 8, 0);
        if (th_want("opt_quickprop(negative eta)")) {
            clgan_status st = clgan_ops_opt_quickprop(d->ctx, 1, -1.0f, 1.75f, 0, NULL, 0, NULL, 0,
                                                      NULL, 0, NULL, 0);
            th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT, "opt_quickprop(negative eta)", d, "%s",
                      clgan_ctx_last_error(d->ctx));
        }
    }
    return th_finish();
}

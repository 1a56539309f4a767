/* labels: kernel; timeout: 300 */
/*
 * test_check.c - the verification module (src/check/) that the tests and `clgan check` share:
 * the comparator (a perturbed copy, NaN and infinities, the NMSE bound, the statistics it
 * reports; the harness's th_compare going through it), the preset layers it derives the op
 * cases from (checked against the dcgan32 and dcgan64 geometry written out independently, the
 * folded activations, bad descriptions), and clgan_check_run on every device (filters, counts,
 * bad parameters).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "check/check.h"
#include "harness.h"

static void test_comparator(void)
{
    float ref[64], got[64];
    struct clgan_check_cmp c;
    for (int i = 0; i < 64; i++)
        ref[i] = got[i] = (float)i / 7.0f - 3.0f;
    int same = clgan_check_compare(got, ref, 64, 1e-6, 1e-4, 1e-7, &c);
    th_expect(same && c.ok && c.n_bad == 0 && c.max_err == 0 && c.nmse == 0, "comparator_identical",
              NULL, "ok %d, bad %zu, max_err %g, nmse %g", c.ok, c.n_bad, c.max_err, c.nmse);

    /* one element off by 0.1%: out of rtol 1e-4, found where it is */
    got[17] = ref[17] * 1.001f;
    int perturbed = clgan_check_compare(got, ref, 64, 1e-6, 1e-4, 1e-7, &c);
    double d = fabs((double)got[17] - ref[17]);
    th_expect(!perturbed && !c.ok && c.n_bad == 1 && c.where == 17 && c.max_err == d &&
                  fabs(c.max_rel - d / (fabs(ref[17]) + 1e-6)) < 1e-12,
              "comparator_perturbed", NULL, "ok %d, bad %zu at %zu, max_err %g (expect %g)", c.ok,
              c.n_bad, c.where, c.max_err, d);
    /* the same copy passes a tolerance that covers it, and the harness agrees on both */
    int loose = clgan_check_compare(got, ref, 64, 1e-6, 2e-3, 1e-7, NULL);
    th_expect(loose && !th_compare(got, ref, 64, 1e-6, 1e-4, 1e-7) &&
                  th_compare(got, ref, 64, 1e-6, 2e-3, 1e-7),
              "comparator_tolerance", NULL, "rtol 2e-3 %d", loose);
    got[17] = ref[17];

    /* within every elementwise bound, but the NMSE bound is tighter */
    for (int i = 0; i < 64; i++)
        got[i] = ref[i] * (1.0f + 5e-5f);
    int nm = clgan_check_compare(got, ref, 64, 1e-6, 1e-4, 1e-12, &c);
    th_expect(!nm && c.n_bad == 0 && c.nmse > 1e-12, "comparator_nmse", NULL,
              "ok %d, bad %zu, nmse %g", nm, c.n_bad, c.nmse);
    memcpy(got, ref, sizeof(got));

    /* NaN and infinities match only themselves */
    float nan = nanf(""), inf = INFINITY;
    got[3] = nan;
    int nan_got = clgan_check_compare(got, ref, 64, 1e-6, 1e-4, 1e-7, &c);
    size_t nan_where = c.where;
    ref[3] = nan;
    int nan_both = clgan_check_compare(got, ref, 64, 1e-6, 1e-4, 1e-7, NULL);
    got[3] = ref[3] = inf;
    int inf_both = clgan_check_compare(got, ref, 64, 1e-6, 1e-4, 1e-7, NULL);
    got[3] = -inf;
    int inf_sign = clgan_check_compare(got, ref, 64, 1e-6, 1e-4, 1e-7, NULL);
    got[3] = 1e30f;
    int inf_finite = clgan_check_compare(got, ref, 64, 1e-6, 1e-4, 1e-7, NULL);
    got[3] = nan;
    int nan_inf = clgan_check_compare(got, ref, 64, 1e-6, 1e-4, 1e-7, NULL);
    th_expect(!nan_got && nan_where == 3 && nan_both && inf_both && !inf_sign && !inf_finite &&
                  !nan_inf,
              "comparator_nan_inf", NULL,
              "NaN in got %d (at %zu), NaN in both %d, +inf both %d, -inf vs +inf %d, finite vs "
              "inf %d, NaN vs inf %d",
              nan_got, nan_where, nan_both, inf_both, inf_sign, inf_finite, nan_inf);
}

/* Geometry written out from the model descriptions (PyTorch's DCGAN example), independently of
 * the presets: {n, cin, h, w, cout, k, stride, pad, out_pad}. */
static int same_conv(const struct clgan_conv_shape *a, const struct clgan_conv_shape *b)
{
    return a->n == b->n && a->cin == b->cin && a->h == b->h && a->w == b->w && a->cout == b->cout &&
           a->k == b->k && a->stride == b->stride && a->pad == b->pad && a->out_pad == b->out_pad;
}

static void expect_convs(const char *name, const struct clgan_check_dcgan *d, char net,
                         const struct clgan_conv_shape *want, int n_want, const char *last_tag)
{
    struct clgan_check_layer l[CLGAN_CHECK_MAX_LAYERS];
    char err[256] = "";
    int n = clgan_check_dcgan_layers(d, net, 8, l, err, sizeof(err)), k = 0, bad = -1;
    for (int i = 0; i < n; i++) {
        if (l[i].spec.kind != CLGAN_LAYER_CONV2D && l[i].spec.kind != CLGAN_LAYER_CONVT2D)
            continue;
        if (k >= n_want || !same_conv(&l[i].conv, &want[k]))
            bad = bad < 0 ? k : bad;
        k++;
    }
    th_expect(n > 0 && k == n_want && bad < 0 && !strcmp(l[n - 1].tag, last_tag), name, NULL,
              "%d layers, %d convolutions, first mismatch %d, last tag %s %s", n, k, bad,
              n > 0 ? l[n - 1].tag : "-", err);
}

static void test_presets(void)
{
    struct clgan_check_dcgan d32 = {32, 100, 64, 64, 1}, d64 = {64, 100, 64, 64, 3};
    static const struct clgan_conv_shape g32[] = {{8, 100, 1, 1, 256, 4, 1, 0, 0},
                                                  {8, 256, 4, 4, 128, 4, 2, 1, 0},
                                                  {8, 128, 8, 8, 64, 4, 2, 1, 0},
                                                  {8, 64, 16, 16, 1, 4, 2, 1, 0}};
    static const struct clgan_conv_shape dd32[] = {{8, 1, 32, 32, 64, 4, 2, 1, 0},
                                                   {8, 64, 16, 16, 128, 4, 2, 1, 0},
                                                   {8, 128, 8, 8, 256, 4, 2, 1, 0},
                                                   {8, 256, 4, 4, 1, 4, 1, 0, 0}};
    static const struct clgan_conv_shape g64[] = {{8, 100, 1, 1, 512, 4, 1, 0, 0},
                                                  {8, 512, 4, 4, 256, 4, 2, 1, 0},
                                                  {8, 256, 8, 8, 128, 4, 2, 1, 0},
                                                  {8, 128, 16, 16, 64, 4, 2, 1, 0},
                                                  {8, 64, 32, 32, 3, 4, 2, 1, 0}};
    static const struct clgan_conv_shape dd64[] = {{8, 3, 64, 64, 64, 4, 2, 1, 0},
                                                   {8, 64, 32, 32, 128, 4, 2, 1, 0},
                                                   {8, 128, 16, 16, 256, 4, 2, 1, 0},
                                                   {8, 256, 8, 8, 512, 4, 2, 1, 0},
                                                   {8, 512, 4, 4, 1, 4, 1, 0, 0}};
    expect_convs("preset_dcgan32_G", &d32, 'G', g32, 4, "G4");
    expect_convs("preset_dcgan32_D", &d32, 'D', dd32, 4, "D4");
    expect_convs("preset_dcgan64_G", &d64, 'G', g64, 5, "G5");
    expect_convs("preset_dcgan64_D", &d64, 'D', dd64, 5, "D5");

    /* the batch norms carry the activation a model folds into them, and so does D's first
     * convolution, whose leaky ReLU D's second convolution gates; G's tanh stays a layer of its
     * own */
    struct clgan_check_layer l[CLGAN_CHECK_MAX_LAYERS];
    char err[256] = "";
    int n = clgan_check_dcgan_layers(&d32, 'D', 2, l, err, sizeof(err));
    int bn = 0, fused = 0, own = 0, folded = 0;
    for (int i = 0; i < n; i++) {
        if (l[i].spec.kind == CLGAN_LAYER_BATCHNORM) {
            bn++;
            fused += l[i].fused_act == CLGAN_ACT_LRELU && l[i].fused_slope == 0.2f &&
                     l[i].in.c == l[i].out.c && l[i].tag[0] == 'D';
        }
        if (l[i].spec.kind == CLGAN_LAYER_ACT && l[i].folded)
            folded++;
        else if (l[i].spec.kind == CLGAN_LAYER_ACT)
            own++;
    }
    th_expect(n == 9 && bn == 2 && fused == 2 && folded == 3 && own == 0 &&
                  l[0].fused_act == CLGAN_ACT_LRELU && l[0].fused_slope == 0.2f &&
                  l[2].gate_act == CLGAN_ACT_LRELU && l[2].gate_slope == 0.2f &&
                  l[5].gate_act == CLGAN_CHECK_NO_ACT && l[3].spec.kind == CLGAN_LAYER_BATCHNORM &&
                  !strcmp(l[3].tag, "D2") && l[3].in.c == 128 && l[3].in.h == 8 &&
                  l[8].out.c == 1 && l[8].out.h == 1,
              "preset_dcgan32_D_layers", NULL, "%d layers, %d BN (%d fused), %d folded, %d own", n,
              bn, fused, folded, own);
    n = clgan_check_dcgan_layers(&d32, 'G', 2, l, err, sizeof(err));
    th_expect(n == 11 && l[1].fused_act == CLGAN_ACT_RELU && l[2].folded &&
                  l[0].fused_act == CLGAN_CHECK_NO_ACT && l[3].gate_act == CLGAN_CHECK_NO_ACT &&
                  l[10].spec.act == CLGAN_ACT_TANH && !l[10].folded && l[10].out.c == 1 &&
                  l[10].out.h == 32 && l[10].batch == 2,
              "preset_dcgan32_G_layers", NULL, "%d layers", n);

    /* bad descriptions: a message, never a crash */
    struct clgan_check_dcgan bad = {48, 100, 64, 64, 1};
    err[0] = 0;
    int nb = clgan_check_dcgan_layers(&bad, 'G', 2, l, err, sizeof(err));
    th_expect(nb < 0 && strstr(err, "size 48"), "preset_bad_size", NULL, "%d: %s", nb, err);
    struct clgan_layer_spec sp[2] = {{.kind = CLGAN_LAYER_CONV2D, .out = 4, .k = 5, .stride = 1}};
    struct clgan_shape small = {1, 3, 3};
    err[0] = 0;
    nb = clgan_check_walk(sp, 1, small, 1, 'D', l, err, sizeof(err));
    th_expect(nb < 0 && strstr(err, "too small"), "preset_bad_layer", NULL, "%d: %s", nb, err);
}

struct seen {
    int n, bad_name, n_err;
    char prefix[32];
};

static void on_result(const struct clgan_check_result *r, void *user)
{
    struct seen *s = user;
    s->n++;
    s->bad_name += strncasecmp(r->name, s->prefix, strlen(s->prefix)) != 0;
    s->n_err += r->error != NULL;
}

static void run_filtered(struct th_device *d, const char *name, const char *op, int expect)
{
    struct clgan_check_params p = clgan_check_default_params();
    struct seen s = {0};
    int passed = -1, failed = -1;
    p.op = op;
    p.size = CLGAN_CHECK_TINY;
    snprintf(s.prefix, sizeof(s.prefix), "%s", op);
    clgan_status st = clgan_check_run(d->ctx, &p, on_result, &s, &passed, &failed);
    th_expect(st == CLGAN_STATUS_OK && passed == expect && failed == 0 && s.n == expect &&
                  !s.bad_name && !s.n_err,
              name, d, "%s: %d passed, %d failed, %d reported (%d with another name)",
              clgan_status_str(st), passed, failed, s.n, s.bad_name);
}

static void test_runner(struct th_device *d)
{
    if (th_want("run_filter")) {
        run_filtered(d, "run_filter_act", "act_relu", 2);
        /* a backward's results without its forward's: the case runs, two results come back */
        run_filtered(d, "run_filter_bn_bwd", "BN_G1_bwd", 2);
        run_filtered(d, "run_filter_none", "nosuch", 0);
    }
    if (th_want("run_bad_params")) {
        struct clgan_check_params p = clgan_check_default_params();
        int passed = -1, failed = -1;
        p.size = 7;
        clgan_status st = clgan_check_run(d->ctx, &p, NULL, NULL, &passed, &failed);
        th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT && passed == 0 && failed == 0 &&
                      strstr(clgan_ctx_last_error(d->ctx), "size class 7"),
                  "run_bad_params", d, "%s: %s", clgan_status_str(st),
                  clgan_ctx_last_error(d->ctx));
        st = clgan_check_run(NULL, &p, NULL, NULL, NULL, NULL);
        th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT, "run_no_context", d, "%s",
                  clgan_status_str(st));
    }
    enum clgan_check_size sz = clgan_check_size_of(d->info);
    th_expect(d->small == (sz == CLGAN_CHECK_TINY) && strlen(clgan_check_size_str(sz)) >= 4,
              "run_size_class", d, "%s", clgan_check_size_str(sz));
}

int main(int argc, char **argv)
{
    th_init(argc, argv, 1);
    if (th_want("comparator"))
        test_comparator();
    if (th_want("preset"))
        test_presets();
    for (int i = 0; i < th_ndev(); i++)
        if (th_want("run"))
            test_runner(th_dev(i));
    return th_finish();
}

/*
 * run_join.c - the "join" family: channel concatenation, label embedding and per-sample inner
 * product (ops/join.h) against their references (ref/join.h). The shapes come from the
 * class-conditional dcgan32 pair at the run's widths (G's concatenation of z with the label
 * embedding, D's projection embedding and inner product), walked from the preset's own spec;
 * plus odd shapes that divide no work-group size and labels outside the classes.
 */
#include <math.h>
#include <stdio.h>

#include "check/runner.h"
#include "ops/join.h"
#include "ref/join.h"

/* Classes of the conditional pair, as the model family builds it. */
#define JOIN_CLASSES 10

static struct clgan_tensor f32(cl_mem m, int n, struct clgan_shape s)
{
    return clgan_tensor_view(m, 0, CLGAN_DTYPE_F32, n, s.c, s.h, s.w);
}

/* Largest sum of |terms| a float sum of k terms rounds: gamma_k = k u / (1 - k u), u = 2^-24,
 * times the largest sum of magnitudes; any order of summation stays within it. */
static double gamma_bound(size_t k, double abs_sum)
{
    double ku = (double)k * ldexp(1.0, -24);
    return ku / (1.0 - ku) * abs_sum;
}

/* ---------------------------------------------------------------- concat */

static void concat_case(struct chk *c, const char *stem, int n, struct clgan_shape sa,
                        struct clgan_shape sb)
{
    char op[96];
    if (!chk_want_case(c, stem))
        return;
    struct clgan_shape sy = {sa.c + sb.c, sa.h, sa.w};
    size_t na = (size_t)n * clgan_shape_size(sa), nb = (size_t)n * clgan_shape_size(sb),
           ny = na + nb, hw = (size_t)sa.h * sa.w;
    float *a = chk_rand(c, na, -1, 1), *b = chk_rand(c, nb, -1, 1), *dy = chk_rand(c, ny, -1, 1);
    float *da0 = chk_rand(c, na, -1, 1), *ry = chk_zeros(c, ny), *rda = chk_zeros(c, na),
          *rdb = chk_zeros(c, nb);
    cl_mem ma = chk_up(c, a, na), mb = chk_up(c, b, nb), my = chk_up(c, NULL, ny),
           mdy = chk_up(c, dy, ny), mda = chk_up(c, da0, na), mdb = chk_up(c, NULL, nb);
    float *got;
    snprintf(op, sizeof(op), "%s_fwd", stem);
    if (!chk_ready(c, op))
        goto out;
    struct clgan_tensor va = f32(ma, n, sa), vb = f32(mb, n, sb), vy = f32(my, n, sy);
    if (clgan_ops_join_concat_fwd(c->ctx, &va, &vb, &vy) != CLGAN_STATUS_OK ||
        !(got = chk_down(c, my, ny))) {
        chk_dev_error(c, op);
    } else {
        clgan_ref_join_concat_fwd(n, sa.c, sb.c, hw, a, b, ry);
        /* copies: bit for bit */
        chk_compare(c, op, got, ry, ny, 0, 0, 0);
    }
    /* da accumulates onto what it holds (beta 1), db is overwritten (beta 0, never read) */
    snprintf(op, sizeof(op), "%s_bwd", stem);
    struct clgan_tensor vdy = f32(mdy, n, sy), vda = f32(mda, n, sa), vdb = f32(mdb, n, sb);
    for (size_t i = 0; i < na; i++)
        rda[i] = da0[i];
    if (clgan_ops_join_concat_bwd(c->ctx, &vdy, &vda, 1.0f, &vdb, 0.0f) != CLGAN_STATUS_OK) {
        chk_dev_error(c, op);
        goto out;
    }
    clgan_ref_join_concat_bwd(n, sa.c, sb.c, hw, dy, rda, 1.0f, rdb, 0.0f);
    /* one rounded addition (or a copy) per element, the reference's own rounding: exact */
    if (!(got = chk_down(c, mda, na)))
        chk_dev_error(c, op);
    else
        chk_compare(c, op, got, rda, na, 0, 0, 0);
    snprintf(op, sizeof(op), "%s_bwd_second", stem);
    if (!(got = chk_down(c, mdb, nb)))
        chk_dev_error(c, op);
    else
        chk_compare(c, op, got, rdb, nb, 0, 0, 0);
out:
    chk_done(c);
}

/* ---------------------------------------------------------------- embed */

/* labels NULL: drawn (with a repeated class); else these n labels (out of range ones too). */
static void embed_case(struct chk *c, const char *stem, int classes, int dim, int n,
                       const int32_t *labels, float beta)
{
    char op[96];
    if (!chk_want_case(c, stem))
        return;
    size_t nw = (size_t)classes * dim, ny = (size_t)n * dim;
    int32_t *lab = chk_labels(c, (size_t)n, classes);
    for (int i = 0; labels && lab && i < n; i++)
        lab[i] = labels[i];
    float *w = chk_rand(c, nw, -1, 1), *dy = chk_rand(c, ny, -1, 1), *dw0 = chk_rand(c, nw, -1, 1);
    float *ry = chk_zeros(c, ny), *rdw = chk_zeros(c, nw);
    cl_mem mw = chk_up(c, w, nw), my = chk_up(c, NULL, ny), mdy = chk_up(c, dy, ny),
           mdw = chk_up(c, dw0, nw), ml = lab ? chk_up_labels(c, lab, (size_t)n) : NULL;
    float *got;
    snprintf(op, sizeof(op), "%s_fwd", stem);
    if (!chk_ready(c, op))
        goto out;
    struct clgan_shape row = {dim, 1, 1};
    struct clgan_tensor vw = f32(mw, classes, row), vy = f32(my, n, row),
                        vl = clgan_tensor_view(ml, 0, CLGAN_DTYPE_I32, n, 1, 1, 1);
    if (clgan_ops_join_embed_fwd(c->ctx, &vw, &vl, &vy) != CLGAN_STATUS_OK ||
        !(got = chk_down(c, my, ny))) {
        chk_dev_error(c, op);
    } else {
        clgan_ref_join_embed_fwd(classes, (size_t)dim, n, w, lab, ry);
        /* rows copied from the table (zeros for a label out of range): bit for bit */
        chk_compare(c, op, got, ry, ny, 0, 0, 0);
    }
    snprintf(op, sizeof(op), "%s_bwd", stem);
    struct clgan_tensor vdy = f32(mdy, n, row), vdw = f32(mdw, classes, row);
    if (clgan_ops_join_embed_bwd(c->ctx, &vdy, &vl, beta, &vdw) != CLGAN_STATUS_OK ||
        !(got = chk_down(c, mdw, nw))) {
        chk_dev_error(c, op);
        goto out;
    }
    for (size_t i = 0; i < nw; i++)
        rdw[i] = dw0[i];
    clgan_ref_join_embed_bwd(classes, (size_t)dim, n, dy, lab, beta, rdw);
    /* a class's row adds its samples' rows in float (and the old row under beta 1): at most
     * n + 1 terms of magnitude <= 1 each; the NMSE is the sharp test (a sample lost or sent to
     * the wrong row moves it by ~1e-1) */
    chk_compare(c, op, got, rdw, nw, gamma_bound((size_t)n + 1, (double)n + 1.0), 0, 1e-10);
out:
    chk_done(c);
}

/* ---------------------------------------------------------------- inner product */

static void inner_case(struct chk *c, const char *stem, int n, struct clgan_shape s)
{
    char op[96];
    if (!chk_want_case(c, stem))
        return;
    size_t len = clgan_shape_size(s), na = (size_t)n * len;
    float *a = chk_rand(c, na, -1, 1), *b = chk_rand(c, na, -1, 1), *dy = chk_rand(c, n, -1, 1);
    float *db0 = chk_rand(c, na, -1, 1), *ry = chk_zeros(c, n), *rda = chk_zeros(c, na),
          *rdb = chk_zeros(c, na);
    cl_mem ma = chk_up(c, a, na), mb = chk_up(c, b, na), my = chk_up(c, NULL, n),
           mdy = chk_up(c, dy, n), mda = chk_up(c, NULL, na), mdb = chk_up(c, db0, na);
    float *got;
    snprintf(op, sizeof(op), "%s_fwd", stem);
    if (!chk_ready(c, op))
        goto out;
    struct clgan_shape one = {1, 1, 1};
    struct clgan_tensor va = f32(ma, n, s), vb = f32(mb, n, s), vy = f32(my, n, one);
    if (clgan_ops_join_inner_fwd(c->ctx, &va, &vb, &vy) != CLGAN_STATUS_OK ||
        !(got = chk_down(c, my, n))) {
        chk_dev_error(c, op);
    } else {
        clgan_ref_join_inner_fwd(n, len, a, b, ry);
        /* the device sums len products in float in its own order: within gamma_len times the
         * largest sum of |a_j b_j| elementwise; the NMSE is the sharp test (measured ~1e-13
         * at len 4096, a term lost or doubled gives ~1e-4) */
        double s_abs = 0.0;
        for (int i = 0; i < n; i++) {
            double si = 0.0;
            for (size_t j = 0; j < len; j++)
                si += fabs((double)a[i * len + j] * b[i * len + j]);
            s_abs = si > s_abs ? si : s_abs;
        }
        chk_compare(c, op, got, ry, (size_t)n, gamma_bound(len, s_abs), 0, 1e-10);
    }
    /* da overwritten (beta 0), db accumulated onto (beta 1) */
    snprintf(op, sizeof(op), "%s_bwd", stem);
    struct clgan_tensor vdy = f32(mdy, n, one), vda = f32(mda, n, s), vdb = f32(mdb, n, s);
    if (clgan_ops_join_inner_bwd(c->ctx, &vdy, &va, &vb, &vda, 0.0f, &vdb, 1.0f) !=
        CLGAN_STATUS_OK) {
        chk_dev_error(c, op);
        goto out;
    }
    for (size_t i = 0; i < na; i++)
        rdb[i] = db0[i];
    clgan_ref_join_inner_bwd(n, len, dy, a, b, rda, 0.0f, rdb, 1.0f);
    /* a product, then at most one addition, each rounded in float where the reference rounds
     * once: two units of rounding of magnitudes <= 2 */
    if (!(got = chk_down(c, mda, na)))
        chk_dev_error(c, op);
    else
        chk_compare(c, op, got, rda, na, 2.5e-7, 0, 1e-12);
    snprintf(op, sizeof(op), "%s_bwd_second", stem);
    if (!(got = chk_down(c, mdb, na)))
        chk_dev_error(c, op);
    else
        chk_compare(c, op, got, rdb, na, 2.5e-7, 0, 1e-12);
out:
    chk_done(c);
}

/* ---------------------------------------------------------------- the family */

/* The shape layer input s of net reads (out: every layer's output shape). */
static struct clgan_shape src_shape(const struct clgan_net_spec *net, const struct clgan_shape *out,
                                    int s)
{
    return s >= 0 ? out[s] : net->inputs[-1 - s].shape;
}

/* Every join layer of net (tags 'G', 'D' and the layer's index) at this batch. */
static void preset_cases(struct chk *c, const struct clgan_net_spec *net, char tag, int batch)
{
    struct clgan_shape out[CLGAN_MAX_LAYERS];
    char err[256], stem[64];
    if (clgan_net_shapes(net, out, err, sizeof(err)) != CLGAN_STATUS_OK) {
        chk_fail(c, "join_preset", err);
        return;
    }
    for (int i = 0; i < net->n_layers; i++) {
        const struct clgan_layer_spec *l = &net->layers[i];
        switch (l->kind) {
        case CLGAN_LAYER_CONCAT:
            snprintf(stem, sizeof(stem), "join_concat_%c%d", tag, i);
            concat_case(c, stem, batch, src_shape(net, out, l->in[0]),
                        src_shape(net, out, l->in[1]));
            break;
        case CLGAN_LAYER_EMBED:
            snprintf(stem, sizeof(stem), "join_embed_%c%d", tag, i);
            embed_case(c, stem, net->inputs[-1 - l->in[0]].classes, l->out, batch, NULL, 0.0f);
            break;
        case CLGAN_LAYER_INNER:
            snprintf(stem, sizeof(stem), "join_inner_%c%d", tag, i);
            inner_case(c, stem, batch, src_shape(net, out, l->in[0]));
            break;
        default:
            break;
        }
    }
}

void clgan_check_join(struct chk *c)
{
    struct clgan_check_dcgan d;
    struct clgan_net_spec g, dn;
    char err[256];
    int batch = 0;
    if (chk_dcgan(c, 0, &d, &batch)) {
        /* at least three samples, so that a class can repeat beside another */
        batch = batch < 3 ? 3 : batch;
        if (clgan_preset_dcgan(d.size, d.nz, d.ngf, d.ndf, d.nc, JOIN_CLASSES, &g, &dn, err,
                               sizeof(err)) != CLGAN_STATUS_OK) {
            chk_fail(c, "join_preset", err);
        } else {
            preset_cases(c, &g, 'G', batch);
            preset_cases(c, &dn, 'D', batch);
        }
    }
    /* odd shapes; labels out of range (a zero row, no gradient) and a repeated class, the
     * gradient accumulated onto the table */
    struct clgan_shape a = {5, 7, 3}, b = {2, 7, 3}, s = {3, 37, 1};
    static const int32_t odd_labels[5] = {6, -1, 2, 7, 6};
    concat_case(c, "join_concat_odd", 3, a, b);
    embed_case(c, "join_embed_odd", 7, 13, 5, odd_labels, 1.0f);
    inner_case(c, "join_inner_odd", 3, s);
}

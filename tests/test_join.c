/* labels: kernel ref; timeout: 300 */
/*
 * test_join.c - channel concatenation, label embedding and per-sample inner product: the
 * reference backwards against central finite differences in double, then forward and backward
 * on every device against the reference (odd shapes, nonzero view offsets, beta 0 over NaN and
 * beta 1, absent gradients, labels out of range), and the argument checks.
 *
 * Most device cases draw their values from multiples of 1/64 in [-1, 1]: every product and
 * partial sum the ops form is then exact in float, whatever the order of summation, so those
 * cases compare bit for bit (tolerance 0). The inner product also runs on unrounded values,
 * with the tolerances derived at its case. Each view sits inside a larger buffer whose other
 * elements hold a sentinel; the whole buffer is compared, so a write outside a view fails as well.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "ops/elt.h"
#include "ops/join.h"
#include "ref/join.h"

#define PAD 3 /* sentinel elements after a view (and before it, at its offset) */

static const float sentinel = -7.25f;

/* Host image of a device buffer: [off sentinels][n values][tail sentinels]. */
struct hbuf {
    float *h;
    size_t off, n, len;
};

enum fill { FILL_Q, FILL_U, FILL_NAN };

/* Multiples of 1/64 in [-1, 1]. */
static void quantize(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = roundf(x[i] * 64.0f) / 64.0f;
}

static struct hbuf hb(size_t off, size_t n, size_t tail, enum fill f)
{
    struct hbuf b = {NULL, off, n, off + n + tail};
    b.h = th_rand(b.len, -1, 1);
    if (f == FILL_Q)
        quantize(b.h, b.len);
    for (size_t i = 0; i < b.len; i++)
        if (i < off || i >= off + n)
            b.h[i] = sentinel;
        else if (f == FILL_NAN)
            b.h[i] = NAN;
    return b;
}

static cl_mem upload_i32(struct th_device *d, const int32_t *x, size_t n)
{
    cl_mem m = NULL;
    if (clgan_rt_alloc(d->ctx, n * sizeof(int32_t), "test labels", &m) != CLGAN_STATUS_OK ||
        clgan_rt_write(d->ctx, m, 0, n * sizeof(int32_t), x) != CLGAN_STATUS_OK) {
        fprintf(stderr, "upload failed: %s\n", clgan_ctx_last_error(d->ctx));
        exit(1);
    }
    return m;
}

/* Download m (holding b's layout) and compare all of it with want. */
static void check_buf(struct th_device *d, const char *name, cl_mem m, const float *want,
                      size_t len, double atol, double rtol, double nmse)
{
    float *got = th_alloc(len);
    th_download(d, m, got, len);
    th_check(name, d, got, want, len, atol, rtol, nmse);
    free(got);
}

static struct clgan_tensor view(cl_mem m, size_t off, int n, int c, int h, int w)
{
    return clgan_tensor_view(m, off, CLGAN_DTYPE_F32, n, c, h, w);
}

/* ------------------------------------------------------------ finite differences */

/*
 * L = sum(dy * y) in double, and its derivative in each input by central differences with step
 * 1/64. On values that are multiples of 1/64 every perturbed input, every y and L are exact, and
 * L is linear in each input alone: the quotient is the derivative with no truncation or rounding
 * error, so the reference backward must match it to double rounding (1e-12).
 */
static const double fd_h = 1.0 / 64.0;

static double dot_d(const float *x, const float *y, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)x[i] * y[i];
    return s;
}

/* The concatenation with n = 2, ca = 2, cb = 3, hw = 3. */
static double concat_loss(const float *a, const float *b, const float *dy)
{
    float y[2 * 5 * 3];
    clgan_ref_join_concat_fwd(2, 2, 3, 3, a, b, y);
    return dot_d(dy, y, 30);
}

/* The embedding with 4 classes of 3 values, 7 labels (repeats, -1 and 4 out of range). */
static const int32_t fd_labels[7] = {0, 3, -1, 4, 1, 0, 3};

static double embed_loss(const float *w, const float *dy)
{
    float y[7 * 3];
    clgan_ref_join_embed_fwd(4, 3, 7, w, fd_labels, y);
    return dot_d(dy, y, 21);
}

/* The inner product with n = 3, len = 6. */
static double inner_loss(const float *a, const float *b, const float *dy)
{
    float y[3];
    clgan_ref_join_inner_fwd(3, 6, a, b, y);
    return dot_d(dy, y, 3);
}

/* The derivative of loss(x) in every element of x (n of them) into fd. */
static void fd_grad(float *x, size_t n, double (*loss)(void *), void *arg, float *fd)
{
    for (size_t i = 0; i < n; i++) {
        float keep = x[i];
        x[i] = (float)(keep + fd_h);
        double lp = loss(arg);
        x[i] = (float)(keep - fd_h);
        double lm = loss(arg);
        x[i] = keep;
        fd[i] = (float)((lp - lm) / (2.0 * fd_h));
    }
}

struct fd_args {
    float *a, *b, *dy;
};

static double concat_l(void *p)
{
    struct fd_args *f = p;
    return concat_loss(f->a, f->b, f->dy);
}

static double embed_l(void *p)
{
    struct fd_args *f = p;
    return embed_loss(f->a, f->dy);
}

static double inner_l(void *p)
{
    struct fd_args *f = p;
    return inner_loss(f->a, f->b, f->dy);
}

/* got = the backward with beta 0; beta 1 over prior must give prior + got. */
static void check_beta1(const char *name, const float *prior, const float *with1, const float *grad,
                        size_t n)
{
    float *want = th_alloc(n);
    for (size_t i = 0; i < n; i++)
        want[i] = prior[i] + grad[i];
    /* prior and gradient are multiples of 1/64 below 2^6: the sum is exact */
    th_check(name, NULL, with1, want, n, 0.0, 0.0, 0.0);
    free(want);
}

static void ref_fd(void)
{
    if (th_want("ref_join_concat_fd")) {
        float *a = th_rand(12, -1, 1), *b = th_rand(18, -1, 1), *dy = th_rand(30, -1, 1);
        float *prior_a = th_rand(12, -1, 1), *prior_b = th_rand(18, -1, 1);
        float da[12], db[18], fda[12], fdb[18];
        quantize(a, 12);
        quantize(b, 18);
        quantize(dy, 30);
        quantize(prior_a, 12);
        quantize(prior_b, 18);
        struct fd_args f = {a, b, dy};
        fd_grad(a, 12, concat_l, &f, fda);
        fd_grad(b, 18, concat_l, &f, fdb);
        for (int i = 0; i < 12; i++)
            da[i] = NAN; /* beta 0 must not read it */
        for (int i = 0; i < 18; i++)
            db[i] = NAN;
        clgan_ref_join_concat_bwd(2, 2, 3, 3, dy, da, 0.0f, db, 0.0f);
        th_check("ref_join_concat_fd da", NULL, da, fda, 12, 1e-12, 0.0, 1e-24);
        th_check("ref_join_concat_fd db", NULL, db, fdb, 18, 1e-12, 0.0, 1e-24);
        float pa[12], pb[18];
        memcpy(pa, prior_a, sizeof(pa));
        memcpy(pb, prior_b, sizeof(pb));
        clgan_ref_join_concat_bwd(2, 2, 3, 3, dy, pa, 1.0f, NULL, 0.0f);
        check_beta1("ref_join_concat_fd da beta1", prior_a, pa, da, 12);
        clgan_ref_join_concat_bwd(2, 2, 3, 3, dy, NULL, 0.0f, pb, 1.0f);
        check_beta1("ref_join_concat_fd db beta1", prior_b, pb, db, 18);
        free(a);
        free(b);
        free(dy);
        free(prior_a);
        free(prior_b);
    }
    if (th_want("ref_join_embed_fd")) {
        float *w = th_rand(12, -1, 1), *dy = th_rand(21, -1, 1), *prior = th_rand(12, -1, 1);
        float dw[12], fdw[12], pw[12];
        quantize(w, 12);
        quantize(dy, 21);
        quantize(prior, 12);
        struct fd_args f = {w, NULL, dy};
        fd_grad(w, 12, embed_l, &f, fdw);
        for (int i = 0; i < 12; i++)
            dw[i] = NAN;
        clgan_ref_join_embed_bwd(4, 3, 7, dy, fd_labels, 0.0f, dw);
        th_check("ref_join_embed_fd dw", NULL, dw, fdw, 12, 1e-12, 0.0, 1e-24);
        /* class 2 has no label: a zero gradient, not one left unwritten */
        th_expect(dw[6] == 0.0f && dw[7] == 0.0f && dw[8] == 0.0f, "ref_join_embed_fd unused row",
                  NULL, "%g %g %g", dw[6], dw[7], dw[8]);
        memcpy(pw, prior, sizeof(pw));
        clgan_ref_join_embed_bwd(4, 3, 7, dy, fd_labels, 1.0f, pw);
        check_beta1("ref_join_embed_fd dw beta1", prior, pw, dw, 12);
        float y[21];
        clgan_ref_join_embed_fwd(4, 3, 7, w, fd_labels, y);
        th_expect(y[6] == 0.0f && y[8] == 0.0f && y[9] == 0.0f && y[11] == 0.0f,
                  "ref_join_embed out-of-range rows", NULL, "labels -1 and 4 give zero rows");
        free(w);
        free(dy);
        free(prior);
    }
    if (th_want("ref_join_inner_fd")) {
        float *a = th_rand(18, -1, 1), *b = th_rand(18, -1, 1), *dy = th_rand(3, -1, 1);
        float *prior_a = th_rand(18, -1, 1), *prior_b = th_rand(18, -1, 1);
        float da[18], db[18], fda[18], fdb[18], pa[18], pb[18];
        quantize(a, 18);
        quantize(b, 18);
        quantize(dy, 3);
        quantize(prior_a, 18);
        quantize(prior_b, 18);
        struct fd_args f = {a, b, dy};
        fd_grad(a, 18, inner_l, &f, fda);
        fd_grad(b, 18, inner_l, &f, fdb);
        for (int i = 0; i < 18; i++)
            da[i] = db[i] = NAN;
        clgan_ref_join_inner_bwd(3, 6, dy, a, b, da, 0.0f, db, 0.0f);
        th_check("ref_join_inner_fd da", NULL, da, fda, 18, 1e-12, 0.0, 1e-24);
        th_check("ref_join_inner_fd db", NULL, db, fdb, 18, 1e-12, 0.0, 1e-24);
        memcpy(pa, prior_a, sizeof(pa));
        memcpy(pb, prior_b, sizeof(pb));
        clgan_ref_join_inner_bwd(3, 6, dy, a, b, pa, 1.0f, NULL, 0.0f);
        check_beta1("ref_join_inner_fd da beta1", prior_a, pa, da, 18);
        clgan_ref_join_inner_bwd(3, 6, dy, a, b, NULL, 0.0f, pb, 1.0f);
        check_beta1("ref_join_inner_fd db beta1", prior_b, pb, db, 18);
        free(a);
        free(b);
        free(dy);
        free(prior_a);
        free(prior_b);
    }
}

/* ------------------------------------------------------------ device cases */

/* Gradient destinations of a backward: beta, or absent. */
struct grads {
    int has_a, has_b;
    float beta_a, beta_b;
};

/* beta 0 over NaN (must not read it), beta 1 and 0.5 over values, and each one absent. */
static const struct grads grad_sets[] = {
    {1, 1, 0.0f, 0.0f},
    {1, 1, 1.0f, 0.5f},
    {1, 0, 0.0f, 0.0f},
    {0, 1, 0.0f, 1.0f},
};

static void grads_tag(const struct grads *g, char *buf, size_t len)
{
    char a[16] = "none", b[16] = "none";
    if (g->has_a)
        snprintf(a, sizeof(a), "%g", (double)g->beta_a);
    if (g->has_b)
        snprintf(b, sizeof(b), "%g", (double)g->beta_b);
    snprintf(buf, len, "beta_a=%s,beta_b=%s", a, b);
}

/* A gradient destination's host image: NaN inside where beta is 0, values otherwise. */
static struct hbuf grad_buf(size_t off, size_t n, float beta)
{
    return hb(off, n, PAD, beta == 0.0f ? FILL_NAN : FILL_Q);
}

static void concat_case(struct th_device *d, int n, int ca, int cb, int h, int w)
{
    char name[96];
    snprintf(name, sizeof(name), "join_concat(n=%d,ca=%d,cb=%d,hw=%dx%d)", n, ca, cb, h, w);
    if (!th_want(name))
        return;
    size_t hw = (size_t)h * w, na = (size_t)n * ca * hw, nb = (size_t)n * cb * hw, ny = na + nb;
    struct hbuf a = hb(3, na, PAD, FILL_Q), b = hb(5, nb, PAD, FILL_Q);
    struct hbuf y = hb(2, ny, PAD, FILL_NAN);
    cl_mem am = th_upload(d, a.h, a.len), bm = th_upload(d, b.h, b.len);
    cl_mem ym = th_upload(d, y.h, y.len);
    struct clgan_tensor av = view(am, a.off, n, ca, h, w), bv = view(bm, b.off, n, cb, h, w);
    struct clgan_tensor yv = view(ym, y.off, n, ca + cb, h, w);
    clgan_ref_join_concat_fwd(n, ca, cb, hw, a.h + a.off, b.h + b.off, y.h + y.off);
    char cname[256];
    snprintf(cname, sizeof(cname), "%s fwd", name);
    if (th_status(clgan_ops_join_concat_fwd(d->ctx, &av, &bv, &yv), cname, d))
        check_buf(d, cname, ym, y.h, y.len, 0.0, 0.0, 0.0); /* a copy: exact */

    /* backward from y's values (quantized) as dy */
    for (size_t k = 0; k < sizeof(grad_sets) / sizeof(grad_sets[0]); k++) {
        const struct grads *g = &grad_sets[k];
        char tag[64];
        grads_tag(g, tag, sizeof(tag));
        snprintf(cname, sizeof(cname), "%s bwd %s", name, tag);
        struct hbuf da = grad_buf(4, na, g->beta_a), db = grad_buf(1, nb, g->beta_b);
        cl_mem dam = th_upload(d, da.h, da.len), dbm = th_upload(d, db.h, db.len);
        struct clgan_tensor dav = view(dam, da.off, n, ca, h, w);
        struct clgan_tensor dbv = view(dbm, db.off, n, cb, h, w);
        clgan_ref_join_concat_bwd(n, ca, cb, hw, y.h + y.off, g->has_a ? da.h + da.off : NULL,
                                  g->beta_a, g->has_b ? db.h + db.off : NULL, g->beta_b);
        clgan_status st = clgan_ops_join_concat_bwd(d->ctx, &yv, g->has_a ? &dav : NULL, g->beta_a,
                                                    g->has_b ? &dbv : NULL, g->beta_b);
        if (th_status(st, cname, d)) {
            /* copies, or beta*d + g on multiples of 1/64: exact; an absent gradient's buffer
             * keeps its NaN and sentinels */
            char part[320];
            snprintf(part, sizeof(part), "%s da", cname);
            check_buf(d, part, dam, da.h, da.len, 0.0, 0.0, 0.0);
            snprintf(part, sizeof(part), "%s db", cname);
            check_buf(d, part, dbm, db.h, db.len, 0.0, 0.0, 0.0);
        }
        th_free_mem(d, dam, da.len);
        th_free_mem(d, dbm, db.len);
        free(da.h);
        free(db.h);
    }
    th_free_mem(d, am, a.len);
    th_free_mem(d, bm, b.len);
    th_free_mem(d, ym, y.len);
    free(a.h);
    free(b.h);
    free(y.h);
}

/* Labels in -1..classes (both ends out of range), with the extremes of int32 among them. */
static int32_t *make_labels(int n, int classes, size_t off)
{
    int32_t *l = calloc(off + (size_t)n + PAD, sizeof(int32_t));
    if (!l)
        exit(1);
    float *r = th_rand((size_t)n, 0, 1);
    for (int i = 0; i < n; i++)
        l[off + i] = (int32_t)floorf(r[i] * (float)(classes + 2)) - 1;
    static const int32_t edge[] = {-1, 0, INT32_MIN, INT32_MAX};
    for (int i = 0; i < 4 && n >= 7; i++)
        l[off + (size_t)(2 * i + 1) % (size_t)n] = i == 1 ? classes : edge[i];
    free(r);
    return l;
}

static void embed_case(struct th_device *d, int n, int classes, int c, int h, int w)
{
    char name[96];
    snprintf(name, sizeof(name), "join_embed(n=%d,classes=%d,dim=%dx%dx%d)", n, classes, c, h, w);
    if (!th_want(name))
        return;
    size_t dim = (size_t)c * h * w, lo = 2;
    /* a row of sentinels on either side of the table: reading the row of label -1 or classes
     * would bring sentinels into y instead of zeros */
    struct hbuf tw = hb(dim + 1, (size_t)classes * dim, dim + 1, FILL_Q);
    struct hbuf y = hb(4, (size_t)n * dim, PAD, FILL_NAN);
    int32_t *lab = make_labels(n, classes, lo);
    cl_mem wm = th_upload(d, tw.h, tw.len), ym = th_upload(d, y.h, y.len);
    cl_mem lm = upload_i32(d, lab, lo + n + PAD);
    struct clgan_tensor wv = view(wm, tw.off, classes, c, h, w), yv = view(ym, y.off, n, c, h, w);
    struct clgan_tensor lv = clgan_tensor_view(lm, lo, CLGAN_DTYPE_I32, n, 1, 1, 1);
    clgan_ref_join_embed_fwd(classes, dim, n, tw.h + tw.off, lab + lo, y.h + y.off);
    char cname[256];
    snprintf(cname, sizeof(cname), "%s fwd", name);
    if (th_status(clgan_ops_join_embed_fwd(d->ctx, &wv, &lv, &yv), cname, d))
        check_buf(d, cname, ym, y.h, y.len, 0.0, 0.0, 0.0); /* a copy or zeros: exact */

    static const float betas[] = {0.0f, 1.0f};
    for (int k = 0; k < 2; k++) {
        snprintf(cname, sizeof(cname), "%s bwd beta=%g", name, (double)betas[k]);
        struct hbuf dw = grad_buf(3, (size_t)classes * dim, betas[k]);
        cl_mem dwm = th_upload(d, dw.h, dw.len);
        struct clgan_tensor dwv = view(dwm, dw.off, classes, c, h, w);
        /* dy: y's values, quantized, zero rows included */
        clgan_ref_join_embed_bwd(classes, dim, n, y.h + y.off, lab + lo, betas[k], dw.h + dw.off);
        clgan_status st = clgan_ops_join_embed_bwd(d->ctx, &yv, &lv, betas[k], &dwv);
        /* sums of at most 64 multiples of 1/64 below 2^7: exact in any order */
        if (th_status(st, cname, d))
            check_buf(d, cname, dwm, dw.h, dw.len, 0.0, 0.0, 0.0);
        th_free_mem(d, dwm, dw.len);
        free(dw.h);
    }
    th_free_mem(d, wm, tw.len);
    th_free_mem(d, ym, y.len);
    th_free_mem(d, lm, lo + n + PAD);
    free(tw.h);
    free(y.h);
    free(lab);
}

/*
 * Inner product. quant: values on the 1/64 grid (exact: a product is a multiple of 2^-12 below
 * 1, and |y| <= len <= 4096 keeps every partial sum within float's 24 bits), else uniform
 * values in [-1, 1] with the tolerance below.
 */
static void inner_case(struct th_device *d, int n, int c, int h, int w, int quant)
{
    char name[96];
    snprintf(name, sizeof(name), "join_inner(n=%d,len=%dx%dx%d%s)", n, c, h, w,
             quant ? "" : ",unrounded");
    if (!th_want(name))
        return;
    size_t len = (size_t)c * h * w, na = (size_t)n * len;
    enum fill f = quant ? FILL_Q : FILL_U;
    struct hbuf a = hb(1, na, PAD, f), b = hb(4, na, PAD, f), y = hb(3, (size_t)n, PAD, FILL_NAN);
    cl_mem am = th_upload(d, a.h, a.len), bm = th_upload(d, b.h, b.len);
    cl_mem ym = th_upload(d, y.h, y.len);
    struct clgan_tensor av = view(am, a.off, n, c, h, w), bv = view(bm, b.off, n, c, h, w);
    struct clgan_tensor yv = view(ym, y.off, n, 1, 1, 1);
    clgan_ref_join_inner_fwd(n, len, a.h + a.off, b.h + b.off, y.h + y.off);
    /*
     * Unrounded: the device sums in float in its own order. Any order of adding len terms
     * passes each through at most len - 1 roundings, so |err| <= gamma_len * sum |a_j b_j|
     * (gamma_k = k u / (1 - k u), u = 2^-24): the elementwise bound. It is loose, since rounding
     * errors mostly cancel; the NMSE of 1e-10 is the sharp test (measured 1e-13 at len 4096;
     * one term of a sample lost or doubled gives ~1e-4).
     */
    double atol = 0.0, nmse = 0.0;
    if (!quant) {
        double s = 0.0, u = ldexp(1.0, -24), ku = (double)len * u;
        for (int i = 0; i < n; i++) {
            double si = 0.0;
            for (size_t j = 0; j < len; j++)
                si += fabs((double)a.h[a.off + i * len + j] * b.h[b.off + i * len + j]);
            s = si > s ? si : s;
        }
        atol = ku / (1.0 - ku) * s;
        nmse = 1e-10;
    }
    char cname[256];
    snprintf(cname, sizeof(cname), "%s fwd", name);
    if (th_status(clgan_ops_join_inner_fwd(d->ctx, &av, &bv, &yv), cname, d)) {
        check_buf(d, cname, ym, y.h, y.len, atol, 0.0, nmse);
        if (!quant) {
            /* the same bits on a second run: a fixed order, no atomics */
            float *first = th_alloc(y.len), *second = th_alloc(y.len);
            th_download(d, ym, first, y.len);
            clgan_status st = clgan_ops_join_inner_fwd(d->ctx, &av, &bv, &yv);
            th_download(d, ym, second, y.len);
            snprintf(cname, sizeof(cname), "%s fwd repeat", name);
            th_expect(st == CLGAN_STATUS_OK && !memcmp(first, second, y.len * sizeof(float)), cname,
                      d, "identical bits");
            free(first);
            free(second);
        }
    }

    /* dy: quantized values in [-1, 1] */
    struct hbuf dy = hb(2, (size_t)n, PAD, FILL_Q);
    cl_mem dym = th_upload(d, dy.h, dy.len);
    struct clgan_tensor dyv = view(dym, dy.off, n, 1, 1, 1);
    for (size_t k = 0; k < sizeof(grad_sets) / sizeof(grad_sets[0]); k++) {
        const struct grads *g = &grad_sets[k];
        char tag[64];
        grads_tag(g, tag, sizeof(tag));
        snprintf(cname, sizeof(cname), "%s bwd %s", name, tag);
        struct hbuf da = grad_buf(5, na, g->beta_a), db = grad_buf(2, na, g->beta_b);
        cl_mem dam = th_upload(d, da.h, da.len), dbm = th_upload(d, db.h, db.len);
        struct clgan_tensor dav = view(dam, da.off, n, c, h, w);
        struct clgan_tensor dbv = view(dbm, db.off, n, c, h, w);
        clgan_ref_join_inner_bwd(n, len, dy.h + dy.off, a.h + a.off, b.h + b.off,
                                 g->has_a ? da.h + da.off : NULL, g->beta_a,
                                 g->has_b ? db.h + db.off : NULL, g->beta_b);
        clgan_status st = clgan_ops_join_inner_bwd(d->ctx, &dyv, &av, &bv, g->has_a ? &dav : NULL,
                                                   g->beta_a, g->has_b ? &dbv : NULL, g->beta_b);
        if (th_status(st, cname, d)) {
            /* quantized: exact. Unrounded: the device rounds dy*b (|dy*b| <= 1) to float
             * before adding beta*d, the reference rounds once: at most u = 2^-24 = 5.96e-8
             * absolute, plus one rounding of the result on each side, 2u relative. */
            double ga = quant ? 0.0 : 6e-8, gr = quant ? 0.0 : 1.2e-7;
            char part[320];
            snprintf(part, sizeof(part), "%s da", cname);
            check_buf(d, part, dam, da.h, da.len, ga, gr, quant ? 0.0 : 1e-13);
            snprintf(part, sizeof(part), "%s db", cname);
            check_buf(d, part, dbm, db.h, db.len, ga, gr, quant ? 0.0 : 1e-13);
        }
        th_free_mem(d, dam, da.len);
        th_free_mem(d, dbm, db.len);
        free(da.h);
        free(db.h);
    }
    th_free_mem(d, dym, dy.len);
    th_free_mem(d, am, a.len);
    th_free_mem(d, bm, b.len);
    th_free_mem(d, ym, y.len);
    free(dy.h);
    free(a.h);
    free(b.h);
    free(y.h);
}

/*
 * The inner product's kernel at work-group sizes the op would not pick on this device (the op
 * takes one per sample on CPUs, up to 256 elsewhere): 1, 2, 4, 16 and 64 (within the device's
 * limits), on lengths below, at and above the group size, quantized so the sums are exact.
 */
static void inner_groups(struct th_device *d)
{
    static const size_t lens[] = {1, 3, 16, 37, 1000};
    static const size_t wants[] = {1, 2, 4, 16, 64};
    for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
        for (size_t wi = 0; wi < sizeof(wants) / sizeof(wants[0]); wi++) {
            size_t len = lens[li], l = 0;
            const int n = 3;
            char name[96];
            snprintf(name, sizeof(name), "join_inner_kernel(n=%d,len=%zu,L=%zu)", n, len,
                     wants[wi]);
            if (!th_want(name))
                continue;
            clgan_status st = clgan_ops_elt_group_size(d->ctx, CLGAN_K(join_inner_fwd), wants[wi],
                                                       sizeof(float), &l);
            if (!th_status(st, name, d))
                continue;
            if (l != wants[wi]) {
                printf("%-48s [%s] SKIPPED (largest group %zu)\n", name, d->tag, l);
                continue;
            }
            struct hbuf a = hb(2, n * len, PAD, FILL_Q), b = hb(1, n * len, PAD, FILL_Q);
            struct hbuf y = hb(1, n, PAD, FILL_NAN);
            cl_mem am = th_upload(d, a.h, a.len), bm = th_upload(d, b.h, b.len);
            cl_mem ym = th_upload(d, y.h, y.len);
            clgan_ref_join_inner_fwd(n, len, a.h + a.off, b.h + b.off, y.h + y.off);
            size_t g = n * l;
            st = clgan_rt_launch(d->ctx, CLGAN_K(join_inner_fwd), 1, &g, &l, 0.0, "umlmlmlL",
                                 (unsigned)len, am, (uint64_t)a.off, bm, (uint64_t)b.off, ym,
                                 (uint64_t)y.off, l * sizeof(float));
            if (th_status(st, name, d))
                check_buf(d, name, ym, y.h, y.len, 0.0, 0.0, 0.0);
            th_free_mem(d, am, a.len);
            th_free_mem(d, bm, b.len);
            th_free_mem(d, ym, y.len);
            free(a.h);
            free(b.h);
            free(y.h);
        }
    }
}

/* ------------------------------------------------------------ argument errors */

static void expect_invalid(struct th_device *d, clgan_status st, const char *name, const char *op)
{
    const char *msg = clgan_ctx_last_error(d->ctx);
    th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT && msg && strstr(msg, op), name, d, "%s: %s",
              clgan_status_str(st), msg ? msg : "");
}

static void invalid_args(struct th_device *d)
{
    if (!th_want("join_invalid"))
        return;
    /* 64 floats: room for every view below but the one placed past the end */
    cl_mem m = th_upload(d, NULL, 64);
    struct clgan_tensor a = view(m, 0, 2, 3, 1, 1), b = view(m, 8, 2, 2, 1, 1);
    struct clgan_tensor y = view(m, 16, 2, 5, 1, 1), bad;
    struct clgan_tensor w = view(m, 0, 4, 3, 1, 1), ye = view(m, 16, 2, 3, 1, 1);
    struct clgan_tensor lab = clgan_tensor_view(m, 40, CLGAN_DTYPE_I32, 2, 1, 1, 1);
    struct clgan_tensor s = view(m, 50, 2, 1, 1, 1);
    const char *cf = "join_concat_fwd", *cb = "join_concat_bwd", *ef = "join_embed_fwd";
    const char *eb = "join_embed_bwd", *nf = "join_inner_fwd", *nb = "join_inner_bwd";

    expect_invalid(d, clgan_ops_join_concat_fwd(d->ctx, NULL, &b, &y), "join_invalid null a", cf);
    bad = a;
    bad.mem = NULL;
    expect_invalid(d, clgan_ops_join_concat_fwd(d->ctx, &bad, &b, &y), "join_invalid no buffer",
                   cf);
    bad = a;
    bad.dtype = CLGAN_DTYPE_I32;
    expect_invalid(d, clgan_ops_join_concat_fwd(d->ctx, &bad, &b, &y), "join_invalid a int32", cf);
    bad = y;
    bad.c = 4;
    expect_invalid(d, clgan_ops_join_concat_fwd(d->ctx, &a, &b, &bad), "join_invalid y channels",
                   cf);
    bad = b;
    bad.n = 1;
    expect_invalid(d, clgan_ops_join_concat_fwd(d->ctx, &a, &bad, &y), "join_invalid b batch", cf);
    bad = a;
    bad.h = 0;
    expect_invalid(d, clgan_ops_join_concat_fwd(d->ctx, &bad, &b, &y), "join_invalid empty a", cf);
    bad = y;
    bad.off = 60;
    expect_invalid(d, clgan_ops_join_concat_fwd(d->ctx, &a, &b, &bad), "join_invalid y past end",
                   cf);
    bad = y;
    bad.n = 0x40000000;
    expect_invalid(d, clgan_ops_join_concat_fwd(d->ctx, &a, &b, &bad), "join_invalid y huge", cf);
    bad = a;
    bad.c = INT32_MAX;
    expect_invalid(d, clgan_ops_join_concat_fwd(d->ctx, &bad, &b, &y), "join_invalid a sample", cf);
    bad = a;
    bad.c = 4;
    expect_invalid(d, clgan_ops_join_concat_bwd(d->ctx, &y, &bad, 0.0f, &b, 0.0f),
                   "join_invalid concat split", cb);
    bad = y;
    bad.c = 2;
    expect_invalid(d, clgan_ops_join_concat_bwd(d->ctx, &bad, NULL, 0.0f, &b, 0.0f),
                   "join_invalid concat split db only", cb);
    expect_invalid(d, clgan_ops_join_concat_bwd(d->ctx, NULL, &a, 0.0f, &b, 0.0f),
                   "join_invalid null dy", cb);

    expect_invalid(d, clgan_ops_join_embed_fwd(d->ctx, &w, &s, &ye), "join_invalid float labels",
                   ef);
    bad = lab;
    bad.n = 3;
    expect_invalid(d, clgan_ops_join_embed_fwd(d->ctx, &w, &bad, &ye), "join_invalid labels batch",
                   ef);
    bad = lab;
    bad.c = 2;
    expect_invalid(d, clgan_ops_join_embed_fwd(d->ctx, &w, &bad, &ye), "join_invalid labels shape",
                   ef);
    bad = ye;
    bad.c = 2;
    expect_invalid(d, clgan_ops_join_embed_fwd(d->ctx, &w, &lab, &bad), "join_invalid embed dim",
                   ef);
    bad = w;
    bad.dtype = CLGAN_DTYPE_I32;
    expect_invalid(d, clgan_ops_join_embed_bwd(d->ctx, &ye, &lab, 0.0f, &bad),
                   "join_invalid dw int32", eb);
    bad = ye;
    bad.c = 4;
    expect_invalid(d, clgan_ops_join_embed_bwd(d->ctx, &bad, &lab, 0.0f, &w),
                   "join_invalid embed dy dim", eb);

    bad = b;
    bad.c = 3;
    bad.w = 2;
    expect_invalid(d, clgan_ops_join_inner_fwd(d->ctx, &a, &bad, &s), "join_invalid inner shapes",
                   nf);
    bad = s;
    bad.c = 2;
    expect_invalid(d, clgan_ops_join_inner_fwd(d->ctx, &a, &a, &bad), "join_invalid inner y", nf);
    bad = b;
    expect_invalid(d, clgan_ops_join_inner_bwd(d->ctx, &s, &a, &a, &bad, 0.0f, NULL, 0.0f),
                   "join_invalid inner da shape", nb);
    bad = s;
    bad.n = 3;
    expect_invalid(d, clgan_ops_join_inner_bwd(d->ctx, &bad, &a, &a, &a, 0.0f, NULL, 0.0f),
                   "join_invalid inner dy", nb);
    th_free_mem(d, m, 64);
}

int main(int argc, char **argv)
{
    th_init(argc, argv, 1);
    ref_fd();
    for (int i = 0; i < th_ndev(); i++) {
        struct th_device *d = th_dev(i);
        /* a simulator or a quick run: the odd shapes at small sizes only */
        int small = d->small || th_quick();
        invalid_args(d);
        static const int ns[] = {1, 3, 7, 64};
        static const int chans[][2] = {{1, 5}, {5, 100}, {100, 1}};
        static const int hws[][2] = {{1, 1}, {6, 5}};
        for (int k = 0; k < 4; k++) {
            for (int cc = 0; cc < 3; cc++) {
                for (int s = 0; s < 2; s++) {
                    int n = ns[k], ca = chans[cc][0], cb = chans[cc][1];
                    if (small && (n == 64 || (ca + cb > 10 && (n > 3 || s))))
                        continue;
                    concat_case(d, n, ca, cb, hws[s][0], hws[s][1]);
                }
            }
        }
        static const int classes[] = {1, 5, 100};
        static const int dims[][3] = {{1, 1, 1}, {5, 1, 1}, {100, 1, 1}, {2, 6, 5}};
        for (int k = 0; k < 4; k++) {
            for (int cl = 0; cl < 3; cl++) {
                for (int s = 0; s < 4; s++) {
                    int n = ns[k];
                    if (small &&
                        (n == 64 || (classes[cl] == 100 && s != 1) || (dims[s][0] == 100 && n > 3)))
                        continue;
                    embed_case(d, n, classes[cl], dims[s][0], dims[s][1], dims[s][2]);
                }
            }
        }
        static const int lens[] = {1, 5, 100};
        for (int k = 0; k < 4; k++) {
            for (int c = 0; c < 3; c++) {
                for (int s = 0; s < 2; s++) {
                    int n = ns[k];
                    if (small && (n == 64 || (lens[c] == 100 && (n > 3 || s))))
                        continue;
                    inner_case(d, n, lens[c], hws[s][0], hws[s][1], 1);
                }
            }
        }
        inner_groups(d);
        /* the largest sample and batch of the brief, quantized and not */
        if (small) {
            inner_case(d, 3, 4096, 1, 1, 1);
            inner_case(d, 7, 100, 1, 1, 0);
        } else {
            inner_case(d, 256, 16, 16, 16, 1);
            inner_case(d, 256, 16, 16, 16, 0);
            inner_case(d, 64, 5, 6, 5, 0);
        }
    }
    return th_finish();
}

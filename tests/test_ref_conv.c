/* labels: ref; timeout: 120 */
/*
 * test_ref_conv.c - the reference backward passes of conv2d, transposed conv2d and linear
 * against central finite differences of the scalar loss L = sum(Y * R), R random.
 *
 * Every input, weight, bias and R is drawn on the grid of multiples of 1/64 in [-1, 1] and the
 * step is 1/16, so x +- eps, each product, each forward sum (held in float: under 2^24 grid
 * units) and L (summed in double) are exact. The loss is linear in each parameter, so the
 * central difference equals the derivative exactly and the comparison can demand agreement to
 * rounding of the final float: any difference is an indexing error, not noise.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "ref/conv.h"

enum kind { CONV, CONVT, LINEAR };

static const char *kind_name[] = {"conv2d", "convt2d", "linear"};

/* One case: a conv shape, or a linear shape in (n, cin -> cout). */
struct problem {
    enum kind kind;
    struct clgan_conv_shape s;
    struct clgan_linear_shape l;
    size_t nx, ny, nw, nb;
};

static void sizes(struct problem *p)
{
    const struct clgan_conv_shape *s = &p->s;
    if (p->kind == LINEAR) {
        p->l = (struct clgan_linear_shape){s->n, s->cin, s->cout};
        p->nx = (size_t)s->n * s->cin;
        p->ny = (size_t)s->n * s->cout;
        p->nw = (size_t)s->cin * s->cout;
        p->nb = (size_t)s->cout;
        return;
    }
    int ho, wo;
    if (p->kind == CONV) {
        ho = (s->h + 2 * s->pad - s->k) / s->stride + 1;
        wo = (s->w + 2 * s->pad - s->k) / s->stride + 1;
    } else {
        ho = (s->h - 1) * s->stride - 2 * s->pad + s->k + s->out_pad;
        wo = (s->w - 1) * s->stride - 2 * s->pad + s->k + s->out_pad;
    }
    p->nx = (size_t)s->n * s->cin * s->h * s->w;
    p->ny = (size_t)s->n * s->cout * ho * wo;
    p->nw = (size_t)s->cin * s->cout * s->k * s->k;
    p->nb = (size_t)s->cout;
}

static void fwd(const struct problem *p, const float *x, const float *w, const float *b, float *y)
{
    if (p->kind == CONV)
        clgan_ref_conv2d_fwd(&p->s, x, w, b, y);
    else if (p->kind == CONVT)
        clgan_ref_convt2d_fwd(&p->s, x, w, b, y);
    else
        clgan_ref_linear_fwd(&p->l, x, w, b, y);
}

static void bwd(const struct problem *p, const float *x, const float *w, const float *dy,
                float beta, float *dx, float *dw, float *db)
{
    if (p->kind == CONV) {
        clgan_ref_conv2d_bwd_data(&p->s, dy, w, dx);
        clgan_ref_conv2d_bwd_weight(&p->s, x, dy, beta, dw);
        clgan_ref_conv2d_bwd_bias(&p->s, dy, beta, db);
    } else if (p->kind == CONVT) {
        clgan_ref_convt2d_bwd_data(&p->s, dy, w, dx);
        clgan_ref_convt2d_bwd_weight(&p->s, x, dy, beta, dw);
        clgan_ref_convt2d_bwd_bias(&p->s, dy, beta, db);
    } else {
        clgan_ref_linear_bwd_data(&p->l, dy, w, dx);
        clgan_ref_linear_bwd_weight(&p->l, x, dy, beta, dw);
        clgan_ref_linear_bwd_bias(&p->l, dy, beta, db);
    }
}

static float *grid_rand(size_t n)
{
    float *v = th_rand(n, -1.0f, 1.0f);
    for (size_t i = 0; i < n; i++)
        v[i] = roundf(v[i] * 64.0f) / 64.0f;
    return v;
}

static double loss(const struct problem *p, const float *x, const float *w, const float *b,
                   const float *r, float *y)
{
    fwd(p, x, w, b, y);
    double l = 0.0;
    for (size_t i = 0; i < p->ny; i++)
        l += (double)y[i] * r[i];
    return l;
}

/* Central differences of L with respect to every element of v (one of x, w, b). */
static void fd_grad(const struct problem *p, float *x, float *w, float *b, const float *r, float *v,
                    size_t nv, float *out)
{
    const float eps = 1.0f / 16.0f;
    float *y = th_alloc(p->ny);
    for (size_t i = 0; i < nv; i++) {
        float keep = v[i];
        v[i] = keep + eps;
        double lp = loss(p, x, w, b, r, y);
        v[i] = keep - eps;
        double lm = loss(p, x, w, b, r, y);
        v[i] = keep;
        out[i] = (float)((lp - lm) / (2.0 * eps));
    }
    free(y);
}

static void run(enum kind kind, struct clgan_conv_shape s)
{
    struct problem p = {.kind = kind, .s = s};
    sizes(&p);
    char tag[128];
    if (kind == LINEAR)
        snprintf(tag, sizeof(tag), "(n=%d,in=%d,out=%d)", s.n, s.cin, s.cout);
    else
        snprintf(tag, sizeof(tag), "(n=%d,c=%d,h=%d,w=%d,co=%d,k=%d,s=%d,p=%d,op=%d)", s.n, s.cin,
                 s.h, s.w, s.cout, s.k, s.stride, s.pad, s.out_pad);
    char name[3][192];
    static const char *part[3] = {"bwd_data", "bwd_weight", "bwd_bias"};
    for (int i = 0; i < 3; i++)
        snprintf(name[i], sizeof(name[i]), "ref_%s_%s%s", kind_name[kind], part[i], tag);
    if (!th_want(name[0]) && !th_want(name[1]) && !th_want(name[2]))
        return;

    float *x = grid_rand(p.nx), *w = grid_rand(p.nw), *b = grid_rand(p.nb);
    float *r = grid_rand(p.ny);
    float *dx = th_alloc(p.nx), *dw = th_alloc(p.nw), *db = th_alloc(p.nb);
    float *fx = th_alloc(p.nx), *fw = th_alloc(p.nw), *fb = th_alloc(p.nb);
    bwd(&p, x, w, r, 0.0f, dx, dw, db);
    fd_grad(&p, x, w, b, r, x, p.nx, fx);
    fd_grad(&p, x, w, b, r, w, p.nw, fw);
    fd_grad(&p, x, w, b, r, b, p.nb, fb);
    /* exact arithmetic (see the top of the file): only the last float rounding may differ */
    th_check(name[0], NULL, dx, fx, p.nx, 1e-12, 1e-7, 1e-14);
    th_check(name[1], NULL, dw, fw, p.nw, 1e-12, 1e-7, 1e-14);
    th_check(name[2], NULL, db, fb, p.nb, 1e-12, 1e-7, 1e-14);

    /* beta: grad = beta grad + new, with the new part checked above */
    float *dw2 = grid_rand(p.nw), *db2 = grid_rand(p.nb), *dx2 = th_alloc(p.nx);
    float *ew = th_alloc(p.nw), *eb = th_alloc(p.nb);
    for (size_t i = 0; i < p.nw; i++)
        ew[i] = 0.5f * dw2[i] + dw[i];
    for (size_t i = 0; i < p.nb; i++)
        eb[i] = 0.5f * db2[i] + db[i];
    bwd(&p, x, w, r, 0.5f, dx2, dw2, db2);
    char nb[200];
    snprintf(nb, sizeof(nb), "ref_%s_beta%s", kind_name[kind], tag);
    if (th_want(nb)) {
        th_check(nb, NULL, dw2, ew, p.nw, 1e-12, 1e-7, 1e-14);
        th_check(nb, NULL, db2, eb, p.nb, 1e-12, 1e-7, 1e-14);
    }
    free(x);
    free(w);
    free(b);
    free(r);
    free(dx);
    free(dw);
    free(db);
    free(fx);
    free(fw);
    free(fb);
    free(dw2);
    free(db2);
    free(dx2);
    free(ew);
    free(eb);
}

/*
 * The forwards themselves: conv2d is a cross-correlation with zero padding (hand-computed
 * values), and the transposed convolution is its adjoint, <convT(x; W), z> = <x, conv(z; W)>,
 * with the output size (h - 1) stride - 2 pad + k + out_pad of PyTorch's ConvTranspose2d.
 */
static void forward_semantics(void)
{
    const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w[4] = {1, 2, 3, 4};
    float y[4];
    struct clgan_conv_shape s1 = {1, 1, 3, 3, 1, 2, 1, 0, 0};
    const float e1[4] = {37, 47, 67, 77};
    clgan_ref_conv2d_fwd(&s1, x, w, NULL, y);
    if (th_want("ref_conv2d_values"))
        th_check("ref_conv2d_values(k=2,s=1,p=0)", NULL, y, e1, 4, 0, 0, 0);
    struct clgan_conv_shape s2 = {1, 1, 3, 3, 1, 2, 2, 1, 0};
    const float e2[4] = {4, 18, 36, 77};
    clgan_ref_conv2d_fwd(&s2, x, w, NULL, y);
    if (th_want("ref_conv2d_values"))
        th_check("ref_conv2d_values(k=2,s=2,p=1)", NULL, y, e2, 4, 0, 0, 0);
    const float lx[2] = {1, 2}, lw[6] = {1, 0, 0, 1, 1, 1}, lb[3] = {0.5f, 0, -1};
    const float le[3] = {1.5f, 2, 2};
    struct clgan_linear_shape ls = {1, 2, 3};
    clgan_ref_linear_fwd(&ls, lx, lw, lb, y);
    if (th_want("ref_linear_values"))
        th_check("ref_linear_values", NULL, y, le, 3, 0, 0, 0);

    static const struct clgan_conv_shape ts[] = {
        {2, 3, 4, 3, 2, 4, 2, 1, 1}, {2, 3, 3, 2, 4, 3, 3, 1, 2}, {1, 2, 1, 1, 3, 4, 1, 0, 0}};
    for (size_t t = 0; t < sizeof(ts) / sizeof(ts[0]); t++) {
        const struct clgan_conv_shape *s = &ts[t];
        int ho = (s->h - 1) * s->stride - 2 * s->pad + s->k + s->out_pad;
        int wo = (s->w - 1) * s->stride - 2 * s->pad + s->k + s->out_pad;
        /* the conv2d whose adjoint this is: cout -> cin channels, ho x wo -> h x w */
        struct clgan_conv_shape c = {s->n, s->cout, ho, wo, s->cin, s->k, s->stride, s->pad, 0};
        char name[128];
        snprintf(name, sizeof(name), "ref_convt2d_adjoint(h=%d,w=%d,k=%d,s=%d,p=%d,op=%d)", s->h,
                 s->w, s->k, s->stride, s->pad, s->out_pad);
        if (!th_want(name))
            continue;
        int ch = (ho + 2 * s->pad - s->k) / s->stride + 1;
        int cw = (wo + 2 * s->pad - s->k) / s->stride + 1;
        th_expect(ch == s->h && cw == s->w, name, NULL, "conv2d of the output is %d x %d", ch, cw);
        size_t nx = (size_t)s->n * s->cin * s->h * s->w, nz = (size_t)s->n * s->cout * ho * wo;
        size_t nw = (size_t)s->cin * s->cout * s->k * s->k;
        float *xx = grid_rand(nx), *z = grid_rand(nz), *ww = grid_rand(nw);
        float *ty = th_alloc(nz), *cz = th_alloc(nx);
        clgan_ref_convt2d_fwd(s, xx, ww, NULL, ty);
        clgan_ref_conv2d_fwd(&c, z, ww, NULL, cz);
        double a = 0, b = 0;
        for (size_t i = 0; i < nz; i++)
            a += (double)ty[i] * z[i];
        for (size_t i = 0; i < nx; i++)
            b += (double)xx[i] * cz[i];
        float fa = (float)a, fb = (float)b;
        th_check(name, NULL, &fa, &fb, 1, 0, 0, 0);
        free(xx);
        free(z);
        free(ww);
        free(ty);
        free(cz);
    }
}

/* The comparison must be able to fail: a reference gradient with one element moved. */
static void self_test(void)
{
    struct problem p = {.kind = CONV, .s = {2, 3, 5, 4, 2, 3, 2, 1, 0}};
    sizes(&p);
    float *x = grid_rand(p.nx), *w = grid_rand(p.nw), *b = grid_rand(p.nb);
    float *r = grid_rand(p.ny);
    float *dx = th_alloc(p.nx), *dw = th_alloc(p.nw), *db = th_alloc(p.nb), *fw = th_alloc(p.nw);
    bwd(&p, x, w, r, 0.0f, dx, dw, db);
    fd_grad(&p, x, w, b, r, w, p.nw, fw);
    /* the same rule as th_check's elementwise test, without recording a failure */
    size_t bad = 0;
    dw[p.nw / 2] += 1.0f / 1024.0f;
    for (size_t i = 0; i < p.nw; i++)
        bad += fabs((double)dw[i] - fw[i]) > 1e-12 + 1e-7 * fabs((double)fw[i]);
    th_expect(bad == 1, "ref_selftest", NULL, "a gradient off by 2^-10 in one element: %zu bad",
              bad);
    free(x);
    free(w);
    free(b);
    free(r);
    free(dx);
    free(dw);
    free(db);
    free(fw);
}

int main(int argc, char **argv)
{
    th_init(argc, argv, 0);
    /* {n, cin, h, w, cout, k, stride, pad, out_pad} */
    static const struct clgan_conv_shape conv[] = {
        {3, 5, 7, 7, 6, 4, 2, 1, 0}, {2, 3, 5, 6, 4, 3, 1, 1, 0}, {2, 3, 5, 4, 2, 1, 1, 0, 0},
        {2, 2, 7, 8, 3, 3, 3, 0, 0}, {1, 2, 5, 5, 3, 4, 3, 2, 0}, {2, 2, 3, 3, 3, 5, 1, 2, 0},
        {2, 2, 7, 5, 2, 2, 3, 0, 0}};
    static const struct clgan_conv_shape convt[] = {
        {3, 5, 4, 4, 6, 4, 2, 1, 0}, {2, 3, 4, 3, 2, 4, 2, 1, 1}, {2, 3, 3, 2, 2, 3, 3, 1, 2},
        {2, 4, 3, 3, 3, 1, 1, 0, 0}, {1, 3, 3, 3, 2, 3, 2, 0, 1}, {2, 3, 3, 4, 2, 2, 3, 0, 2},
        {3, 7, 1, 1, 4, 4, 1, 0, 0}};
    static const struct clgan_conv_shape lin[] = {
        {3, 5, 0, 0, 4, 0, 0, 0, 0}, {1, 7, 0, 0, 3, 0, 0, 0, 0}, {5, 1, 0, 0, 1, 0, 0, 0, 0}};
    for (size_t i = 0; i < sizeof(conv) / sizeof(conv[0]); i++)
        run(CONV, conv[i]);
    for (size_t i = 0; i < sizeof(convt) / sizeof(convt[0]); i++)
        run(CONVT, convt[i]);
    for (size_t i = 0; i < sizeof(lin) / sizeof(lin[0]); i++)
        run(LINEAR, lin[i]);
    forward_semantics();
    if (th_want("ref_selftest"))
        self_test();
    return th_finish();
}

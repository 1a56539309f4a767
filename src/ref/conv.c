/*
 * conv.c - reference convolution family (see conv.h), nested loops with double accumulation.
 *
 * conv2d and its transpose share three loops over one geometry: a "big" image (the conv2d
 * input side, [n][cb][hb][wb]) and a "small" image (the conv2d output side, [n][cs][hs][ws]),
 * linked by  big row = small row * stride - pad + ky  (same for columns), and a weight
 * W(o, i, ky, kx) for small-side channel o and big-side channel i:
 *   corr_fwd:   small[o] = sum over i, taps of big[i] W(o, i)        (conv2d forward)
 *   corr_adj:   big[i]   = sum over o, taps of small[o] W(o, i)      (its adjoint)
 *   corr_wgrad: W(o, i)  = sum over n, positions of small[o] big[i]  (weight gradient)
 * conv2d: big = x, small = y, W(o, i) = w[o][i]. Transposed conv2d: big = y, small = x,
 * W(o, i) = w[o][i] with o the input channel, which is its [cin][cout] layout.
 */
#include "ref/conv.h"

struct geo {
    int n;
    int cb, hb, wb; /* big side */
    int cs, hs, ws; /* small side */
    int k, s, p;
    size_t w_o, w_i; /* weight strides for small-side and big-side channels */
};

static double wt(const struct geo *g, const float *w, int o, int i, int ky, int kx)
{
    return w[(size_t)o * g->w_o + (size_t)i * g->w_i + (size_t)ky * g->k + kx];
}

static void corr_fwd(const struct geo *g, const float *big, const float *w, const float *bias,
                     float *small)
{
    for (int n = 0; n < g->n; n++)
        for (int o = 0; o < g->cs; o++)
            for (int y = 0; y < g->hs; y++)
                for (int x = 0; x < g->ws; x++) {
                    double acc = bias ? bias[o] : 0.0;
                    for (int i = 0; i < g->cb; i++)
                        for (int ky = 0; ky < g->k; ky++) {
                            int by = y * g->s - g->p + ky;
                            if (by < 0 || by >= g->hb)
                                continue;
                            for (int kx = 0; kx < g->k; kx++) {
                                int bx = x * g->s - g->p + kx;
                                if (bx < 0 || bx >= g->wb)
                                    continue;
                                size_t bi = (((size_t)n * g->cb + i) * g->hb + by) * g->wb + bx;
                                acc += (double)big[bi] * wt(g, w, o, i, ky, kx);
                            }
                        }
                    small[(((size_t)n * g->cs + o) * g->hs + y) * g->ws + x] = (float)acc;
                }
}

static void corr_adj(const struct geo *g, const float *small, const float *w, const float *bias,
                     float *big)
{
    for (int n = 0; n < g->n; n++)
        for (int i = 0; i < g->cb; i++)
            for (int by = 0; by < g->hb; by++)
                for (int bx = 0; bx < g->wb; bx++) {
                    double acc = bias ? bias[i] : 0.0;
                    /* every (ky, y) with by = y * s - p + ky, y inside the small image */
                    for (int ky = 0; ky < g->k; ky++) {
                        int t = by + g->p - ky;
                        if (t < 0 || t % g->s != 0 || t / g->s >= g->hs)
                            continue;
                        int y = t / g->s;
                        for (int kx = 0; kx < g->k; kx++) {
                            int u = bx + g->p - kx;
                            if (u < 0 || u % g->s != 0 || u / g->s >= g->ws)
                                continue;
                            int x = u / g->s;
                            for (int o = 0; o < g->cs; o++) {
                                size_t si = (((size_t)n * g->cs + o) * g->hs + y) * g->ws + x;
                                acc += (double)small[si] * wt(g, w, o, i, ky, kx);
                            }
                        }
                    }
                    big[(((size_t)n * g->cb + i) * g->hb + by) * g->wb + bx] = (float)acc;
                }
}

static void corr_wgrad(const struct geo *g, const float *big, const float *small, float beta,
                       float *w)
{
    for (int o = 0; o < g->cs; o++)
        for (int i = 0; i < g->cb; i++)
            for (int ky = 0; ky < g->k; ky++)
                for (int kx = 0; kx < g->k; kx++) {
                    double acc = 0.0;
                    for (int n = 0; n < g->n; n++)
                        for (int y = 0; y < g->hs; y++) {
                            int by = y * g->s - g->p + ky;
                            if (by < 0 || by >= g->hb)
                                continue;
                            for (int x = 0; x < g->ws; x++) {
                                int bx = x * g->s - g->p + kx;
                                if (bx < 0 || bx >= g->wb)
                                    continue;
                                size_t si = (((size_t)n * g->cs + o) * g->hs + y) * g->ws + x;
                                size_t bi = (((size_t)n * g->cb + i) * g->hb + by) * g->wb + bx;
                                acc += (double)small[si] * big[bi];
                            }
                        }
                    size_t wi = (size_t)o * g->w_o + (size_t)i * g->w_i + (size_t)ky * g->k + kx;
                    w[wi] = (float)(beta == 0.0f ? acc : (double)beta * w[wi] + acc);
                }
}

/* db[c] = beta db[c] + sum of dy over n and the m positions of each channel. */
static void bias_grad(int n, int c, size_t m, const float *dy, float beta, float *db)
{
    for (int ch = 0; ch < c; ch++) {
        double acc = 0.0;
        for (int i = 0; i < n; i++)
            for (size_t j = 0; j < m; j++)
                acc += dy[((size_t)i * c + ch) * m + j];
        db[ch] = (float)(beta == 0.0f ? acc : (double)beta * db[ch] + acc);
    }
}

static struct geo conv2d_geo(const struct clgan_conv_shape *s)
{
    struct geo g = {.n = s->n,
                    .cb = s->cin,
                    .hb = s->h,
                    .wb = s->w,
                    .cs = s->cout,
                    .hs = (s->h + 2 * s->pad - s->k) / s->stride + 1,
                    .ws = (s->w + 2 * s->pad - s->k) / s->stride + 1,
                    .k = s->k,
                    .s = s->stride,
                    .p = s->pad};
    g.w_i = (size_t)s->k * s->k;
    g.w_o = (size_t)s->cin * g.w_i;
    return g;
}

static struct geo convt2d_geo(const struct clgan_conv_shape *s)
{
    struct geo g = {.n = s->n,
                    .cb = s->cout,
                    .hb = (s->h - 1) * s->stride - 2 * s->pad + s->k + s->out_pad,
                    .wb = (s->w - 1) * s->stride - 2 * s->pad + s->k + s->out_pad,
                    .cs = s->cin,
                    .hs = s->h,
                    .ws = s->w,
                    .k = s->k,
                    .s = s->stride,
                    .p = s->pad};
    g.w_i = (size_t)s->k * s->k;
    g.w_o = (size_t)s->cout * g.w_i;
    return g;
}

void clgan_ref_conv2d_fwd(const struct clgan_conv_shape *s, const float *x, const float *w,
                          const float *b, float *y)
{
    struct geo g = conv2d_geo(s);
    corr_fwd(&g, x, w, b, y);
}

void clgan_ref_conv2d_bwd_data(const struct clgan_conv_shape *s, const float *dy, const float *w,
                               float *dx)
{
    struct geo g = conv2d_geo(s);
    corr_adj(&g, dy, w, NULL, dx);
}

void clgan_ref_conv2d_bwd_weight(const struct clgan_conv_shape *s, const float *x, const float *dy,
                                 float beta, float *dw)
{
    struct geo g = conv2d_geo(s);
    corr_wgrad(&g, x, dy, beta, dw);
}

void clgan_ref_conv2d_bwd_bias(const struct clgan_conv_shape *s, const float *dy, float beta,
                               float *db)
{
    struct geo g = conv2d_geo(s);
    bias_grad(g.n, g.cs, (size_t)g.hs * g.ws, dy, beta, db);
}

void clgan_ref_convt2d_fwd(const struct clgan_conv_shape *s, const float *x, const float *w,
                           const float *b, float *y)
{
    struct geo g = convt2d_geo(s);
    corr_adj(&g, x, w, b, y);
}

void clgan_ref_convt2d_bwd_data(const struct clgan_conv_shape *s, const float *dy, const float *w,
                                float *dx)
{
    struct geo g = convt2d_geo(s);
    corr_fwd(&g, dy, w, NULL, dx);
}

void clgan_ref_convt2d_bwd_weight(const struct clgan_conv_shape *s, const float *x, const float *dy,
                                  float beta, float *dw)
{
    struct geo g = convt2d_geo(s);
    corr_wgrad(&g, dy, x, beta, dw);
}

void clgan_ref_convt2d_bwd_bias(const struct clgan_conv_shape *s, const float *dy, float beta,
                                float *db)
{
    struct geo g = convt2d_geo(s);
    bias_grad(g.n, g.cb, (size_t)g.hb * g.wb, dy, beta, db);
}

void clgan_ref_linear_fwd(const struct clgan_linear_shape *s, const float *x, const float *w,
                          const float *b, float *y)
{
    for (int i = 0; i < s->n; i++)
        for (int o = 0; o < s->out; o++) {
            double acc = b ? b[o] : 0.0;
            for (int j = 0; j < s->in; j++)
                acc += (double)x[(size_t)i * s->in + j] * w[(size_t)o * s->in + j];
            y[(size_t)i * s->out + o] = (float)acc;
        }
}

void clgan_ref_linear_bwd_data(const struct clgan_linear_shape *s, const float *dy, const float *w,
                               float *dx)
{
    for (int i = 0; i < s->n; i++)
        for (int j = 0; j < s->in; j++) {
            double acc = 0.0;
            for (int o = 0; o < s->out; o++)
                acc += (double)dy[(size_t)i * s->out + o] * w[(size_t)o * s->in + j];
            dx[(size_t)i * s->in + j] = (float)acc;
        }
}

void clgan_ref_linear_bwd_weight(const struct clgan_linear_shape *s, const float *x,
                                 const float *dy, float beta, float *dw)
{
    for (int o = 0; o < s->out; o++)
        for (int j = 0; j < s->in; j++) {
            double acc = 0.0;
            for (int i = 0; i < s->n; i++)
                acc += (double)dy[(size_t)i * s->out + o] * x[(size_t)i * s->in + j];
            size_t wi = (size_t)o * s->in + j;
            dw[wi] = (float)(beta == 0.0f ? acc : (double)beta * dw[wi] + acc);
        }
}

void clgan_ref_linear_bwd_bias(const struct clgan_linear_shape *s, const float *dy, float beta,
                               float *db)
{
    bias_grad(s->n, s->out, 1, dy, beta, db);
}

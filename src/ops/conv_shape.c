/*
 * conv_shape.c - what a shape of the convolution family means on the device: output sizes,
 * validation (the one geometry both convolutions reduce to, conv_internal.h), workspace floats
 * and FLOPs of each pass, and the GEMM workspace each layer reserves.
 */
#include <limits.h>

#include "ops/conv.h"
#include "ops/conv_internal.h"
#include "ops/gemm.h"

/* ------------------------------------------------------------------ shapes */

static long long conv_out(long long h, long long k, long long s, long long p)
{
    return (h + 2 * p - k) / s + 1;
}

static long long convt_out(long long h, long long k, long long s, long long p, long long op)
{
    return (h - 1) * s - 2 * p + k + op;
}

void clgan_ops_conv2d_out_hw(const struct clgan_conv_shape *s, int *ho, int *wo)
{
    *ho = (int)conv_out(s->h, s->k, s->stride, s->pad);
    *wo = (int)conv_out(s->w, s->k, s->stride, s->pad);
}

void clgan_ops_convt2d_out_hw(const struct clgan_conv_shape *s, int *ho, int *wo)
{
    *ho = (int)convt_out(s->h, s->k, s->stride, s->pad, s->out_pad);
    *wo = (int)convt_out(s->w, s->k, s->stride, s->pad, s->out_pad);
}

static const char *op_name(int transposed)
{
    return transposed ? "convt2d" : "conv2d";
}

/* Validate s; on success fill g. Messages say what is wrong with which value. */
clgan_status clgan_ops_conv_make_geo(clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                     int transposed, struct clgan_conv_geo *g)
{
    const char *op = op_name(transposed);
    if (!s)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT, "%s: shape is NULL", op);
    if (s->n < 1 || s->cin < 1 || s->h < 1 || s->w < 1 || s->cout < 1 || s->k < 1 ||
        s->stride < 1 || s->pad < 0 || s->out_pad < 0)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: bad shape n=%d cin=%d h=%d w=%d cout=%d k=%d stride=%d pad=%d "
                             "out_pad=%d (sizes, kernel and stride must be >= 1, pads >= 0)",
                             op, s->n, s->cin, s->h, s->w, s->cout, s->k, s->stride, s->pad,
                             s->out_pad);
    if (!transposed && s->out_pad != 0)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "conv2d: out_pad=%d given; output padding only applies to the "
                             "transposed convolution",
                             s->out_pad);
    if (transposed && s->out_pad >= s->stride)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "convt2d: out_pad=%d must be smaller than stride=%d", s->out_pad,
                             s->stride);
    long long ho, wo;
    if (transposed) {
        ho = convt_out(s->h, s->k, s->stride, s->pad, s->out_pad);
        wo = convt_out(s->w, s->k, s->stride, s->pad, s->out_pad);
    } else {
        ho = s->h + 2LL * s->pad < s->k ? 0 : conv_out(s->h, s->k, s->stride, s->pad);
        wo = s->w + 2LL * s->pad < s->k ? 0 : conv_out(s->w, s->k, s->stride, s->pad);
    }
    if (ho < 1 || wo < 1)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: empty output (%lld x %lld) for input %d x %d, k=%d stride=%d "
                             "pad=%d out_pad=%d",
                             op, ho, wo, s->h, s->w, s->k, s->stride, s->pad, s->out_pad);
    /* Everything a kernel indexes stays under 2^31 elements, so int coordinates never wrap. */
    const double lim = (double)INT_MAX;
    double kk = (double)s->k * s->k, in = (double)s->n * s->cin * s->h * s->w;
    double out = (double)s->n * s->cout * (double)ho * (double)wo;
    double small_pos = transposed ? (double)s->h * s->w : (double)ho * (double)wo;
    double col = (transposed ? s->cout : s->cin) * kk * s->n * small_pos;
    double wsz = (double)s->cin * s->cout * kk;
    if (in > lim || out > lim || col > lim || wsz > lim || ho > INT_MAX || wo > INT_MAX)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: shape too large (input %.0f, output %.0f, column matrix %.0f, "
                             "weight %.0f elements; each must be below 2^31)",
                             op, in, out, col, wsz);
    g->n = s->n;
    g->k = s->k;
    g->s = s->stride;
    g->p = s->pad;
    if (transposed) {
        g->cb = s->cout;
        g->hb = (int)ho;
        g->wb = (int)wo;
        g->cs = s->cin;
        g->hs = s->h;
        g->ws = s->w;
    } else {
        g->cb = s->cin;
        g->hb = s->h;
        g->wb = s->w;
        g->cs = s->cout;
        g->hs = (int)ho;
        g->ws = (int)wo;
    }
    g->kc = (size_t)g->cb * g->k * g->k;
    g->cols = (size_t)g->n * g->hs * g->ws;
    g->transposed = transposed;
    g->perm = g->n > 1 && g->cs > 1;
    g->full = g->hs == 1 && g->ws == 1 && g->p == 0 && g->hb == g->k && g->wb == g->k;
    return CLGAN_STATUS_OK;
}

clgan_status clgan_ops_conv2d_check(clgan_ctx *ctx, const struct clgan_conv_shape *s)
{
    struct clgan_conv_geo g;
    return clgan_ops_conv_make_geo(ctx, s, 0, &g);
}

clgan_status clgan_ops_convt2d_check(clgan_ctx *ctx, const struct clgan_conv_shape *s)
{
    struct clgan_conv_geo g;
    return clgan_ops_conv_make_geo(ctx, s, 1, &g);
}

clgan_status clgan_ops_linear_check(clgan_ctx *ctx, const struct clgan_linear_shape *s)
{
    if (!s)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT, "linear: shape is NULL");
    if (s->n < 1 || s->in < 1 || s->out < 1)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "linear: bad shape n=%d in=%d out=%d (each must be >= 1)", s->n, s->in,
                             s->out);
    double lim = (double)INT_MAX;
    if ((double)s->n * s->in > lim || (double)s->n * s->out > lim || (double)s->in * s->out > lim)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "linear: shape too large n=%d in=%d out=%d (each tensor must stay "
                             "below 2^31 elements)",
                             s->n, s->in, s->out);
    return CLGAN_STATUS_OK;
}

/* Floats of the column matrix in its largest layout (packed ones pad to panels of 32). */
size_t clgan_ops_conv_col_size(const struct clgan_conv_geo *g)
{
    size_t pj = clgan_ops_gemm_packed_b_size(g->kc, g->cols);
    size_t pr = clgan_ops_gemm_packed_b_size(g->cols, g->kc);
    return pj > pr ? pj : pr;
}

int clgan_ops_conv_phases_fit(const struct clgan_conv_geo *g)
{
    if (g->full || g->k != 4 || g->s != 2 || g->p != 1 || g->hb != 2 * g->hs || g->wb != 2 * g->ws)
        return 0;
    return (g->ws & (g->ws - 1)) == 0 || g->ws % 32 == 0;
}

size_t clgan_ops_conv_phase_pack_size(const struct clgan_conv_geo *g,
                                      enum clgan_conv_phase_pass pass)
{
    if (pass == CLGAN_PHASE_UP)
        return (size_t)128 * (size_t)((g->cb + 7) / 8) * (size_t)g->cs;
    if (pass == CLGAN_PHASE_DOWN)
        return (size_t)128 * (size_t)((g->cs + 7) / 8) * (size_t)g->cb;
    return (size_t)8 * (size_t)((g->cs + 7) / 8) * g->cols;
}

/* The phase pass a pass of g is: weight gradients by windows; conv2d's forward pass and the
 * transposed one's input gradient down; the other two up. */
static enum clgan_conv_phase_pass phase_pass(const struct clgan_conv_geo *g,
                                             enum clgan_conv_pass pass)
{
    if (pass == CLGAN_CONV_BWD_WEIGHT)
        return CLGAN_PHASE_WGRAD;
    return (pass == CLGAN_CONV_FWD) != (g->transposed != 0) ? CLGAN_PHASE_DOWN : CLGAN_PHASE_UP;
}

static size_t columns_workspace(const struct clgan_conv_geo *g)
{
    return clgan_ops_conv_col_size(g) + (g->perm ? (size_t)g->cs * g->cols : 0);
}

/* Column matrix, then (when permuting) the small side in CNHW; at least the phase route's
 * packed weights where that route may run (the device decides, ops/conv.c). */
size_t clgan_ops_conv_geo_workspace(const struct clgan_conv_geo *g, enum clgan_conv_pass pass)
{
    if (pass == CLGAN_CONV_BWD_BIAS || g->full)
        return 0;
    size_t cols = columns_workspace(g);
    size_t ph =
        clgan_ops_conv_phases_fit(g) ? clgan_ops_conv_phase_pack_size(g, phase_pass(g, pass)) : 0;
    return cols > ph ? cols : ph;
}

size_t clgan_ops_conv_route_workspace(const clgan_ctx *ctx, const struct clgan_conv_geo *g,
                                      enum clgan_conv_pass pass)
{
    if (!ctx)
        return clgan_ops_conv_geo_workspace(g, pass);
    if (pass == CLGAN_CONV_BWD_BIAS || g->full)
        return 0;
    int chunk;
    enum clgan_conv_phase_pass pp = phase_pass(g, pass);
    return clgan_ops_conv_phase_route(ctx, g, pp, &chunk) ? clgan_ops_conv_phase_pack_size(g, pp)
                                                          : columns_workspace(g);
}

static double geo_flops(const struct clgan_conv_geo *g, enum clgan_conv_pass pass)
{
    if (pass == CLGAN_CONV_BWD_BIAS)
        return (double)g->cs * (double)g->cols;
    return 2.0 * (double)g->cs * (double)g->kc * (double)g->cols;
}

size_t clgan_ops_conv2d_workspace(const clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                  enum clgan_conv_pass pass)
{
    struct clgan_conv_geo g;
    return clgan_ops_conv_make_geo(NULL, s, 0, &g) == CLGAN_STATUS_OK
               ? clgan_ops_conv_route_workspace(ctx, &g, pass)
               : 0;
}

size_t clgan_ops_convt2d_workspace(const clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                   enum clgan_conv_pass pass)
{
    struct clgan_conv_geo g;
    return clgan_ops_conv_make_geo(NULL, s, 1, &g) == CLGAN_STATUS_OK
               ? clgan_ops_conv_route_workspace(ctx, &g, pass)
               : 0;
}

double clgan_ops_conv2d_flops(const struct clgan_conv_shape *s, enum clgan_conv_pass pass)
{
    struct clgan_conv_geo g;
    return clgan_ops_conv_make_geo(NULL, s, 0, &g) == CLGAN_STATUS_OK ? geo_flops(&g, pass) : 0.0;
}

double clgan_ops_convt2d_flops(const struct clgan_conv_shape *s, enum clgan_conv_pass pass)
{
    struct clgan_conv_geo g;
    return clgan_ops_conv_make_geo(NULL, s, 1, &g) == CLGAN_STATUS_OK ? geo_flops(&g, pass) : 0.0;
}

double clgan_ops_linear_flops(const struct clgan_linear_shape *s, enum clgan_conv_pass pass)
{
    if (clgan_ops_linear_check(NULL, s) != CLGAN_STATUS_OK)
        return 0.0;
    double mn = (double)s->n * s->out;
    return pass == CLGAN_CONV_BWD_BIAS ? mn : 2.0 * mn * s->in;
}

/* Every order of (a, b, c) as GEMM sizes m x n x k: the passes of a layer take three of them. */
static clgan_status reserve_orders(clgan_ctx *ctx, size_t a, size_t b, size_t c)
{
    const size_t v[3] = {a, b, c};
    static const int ord[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    clgan_status st = CLGAN_STATUS_OK;
    for (int i = 0; i < 6 && st == CLGAN_STATUS_OK; i++)
        st = clgan_ops_gemm_reserve(ctx, v[ord[i][0]], v[ord[i][1]], v[ord[i][2]], 1);
    return st;
}

clgan_status clgan_ops_conv_reserve(clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                    int transposed)
{
    struct clgan_conv_geo g;
    clgan_status st = clgan_ops_conv_make_geo(ctx, s, transposed, &g);
    if (st == CLGAN_STATUS_OK)
        st = reserve_orders(ctx, (size_t)g.cs, g.cols, g.kc);
    if (st == CLGAN_STATUS_OK && g.full)
        st = reserve_orders(ctx, (size_t)g.cs, (size_t)g.n, g.kc);
    return st;
}

clgan_status clgan_ops_linear_reserve(clgan_ctx *ctx, const struct clgan_linear_shape *s)
{
    return reserve_orders(ctx, (size_t)s->n, (size_t)s->out, (size_t)s->in);
}

/*
 * conv_linear.c - linear (dense) layers on the device, forward and backward: one GEMM per pass
 * (see conv.h), the bias kernels shared with the convolutions.
 */
#include "ops/conv.h"
#include "ops/conv_internal.h"
#include "ops/gemm.h"
#include "ops/view.h"

/* What the passes expect of their views: x as n rows of in elements, y and dy as n rows of out
 * (any c x h x w: a linear layer flattens each sample), W as out * in elements, b as out. */
static struct clgan_ops_view_arg in_arg(const char *name, const struct clgan_tensor *t,
                                        const struct clgan_linear_shape *s)
{
    return clgan_ops_view_rows(name, t, s->n, (size_t)s->in);
}

static struct clgan_ops_view_arg out_arg(const char *name, const struct clgan_tensor *t,
                                         const struct clgan_linear_shape *s)
{
    return clgan_ops_view_rows(name, t, s->n, (size_t)s->out);
}

static struct clgan_ops_view_arg weight_arg(const char *name, const struct clgan_tensor *t,
                                            const struct clgan_linear_shape *s)
{
    return clgan_ops_view_count(name, t, (size_t)s->out * (size_t)s->in);
}

clgan_status clgan_ops_linear_fwd(clgan_ctx *ctx, const struct clgan_linear_shape *s,
                                  const struct clgan_tensor *x, const struct clgan_tensor *w,
                                  const struct clgan_tensor *b, const struct clgan_tensor *y)
{
    clgan_status st = clgan_ops_linear_check(ctx, s);
    if (st != CLGAN_STATUS_OK)
        return st;
    size_t n = (size_t)s->n, in = (size_t)s->in, out = (size_t)s->out;
    const struct clgan_ops_view_arg a[] = {in_arg("x", x, s), weight_arg("w", w, s),
                                           clgan_ops_view_opt(clgan_ops_view_count("bias", b, out)),
                                           out_arg("y", y, s)};
    st = clgan_ops_view_check_args(ctx, "linear_fwd", a, CLGAN_OPS_NARGS(a));
    if (st != CLGAN_STATUS_OK)
        return st;
    st = clgan_ops_gemm1(ctx, 0, 1, n, out, in, 1.0f, x->mem, x->off, in, w->mem, w->off, in, 0.0f,
                         y->mem, y->off, out);
    if (st != CLGAN_STATUS_OK || clgan_ops_view_absent(b))
        return st;
    return clgan_ops_conv_bias_add(ctx, s->n, s->out, 1, y->mem, y->off, b->mem, b->off);
}

clgan_status clgan_ops_linear_bwd_data(clgan_ctx *ctx, const struct clgan_linear_shape *s,
                                       const struct clgan_tensor *dy, const struct clgan_tensor *w,
                                       const struct clgan_tensor *dx)
{
    clgan_status st = clgan_ops_linear_check(ctx, s);
    if (st != CLGAN_STATUS_OK)
        return st;
    size_t n = (size_t)s->n, in = (size_t)s->in, out = (size_t)s->out;
    const struct clgan_ops_view_arg a[] = {out_arg("dy", dy, s), weight_arg("w", w, s),
                                           in_arg("dx", dx, s)};
    st = clgan_ops_view_check_args(ctx, "linear_bwd_data", a, CLGAN_OPS_NARGS(a));
    if (st != CLGAN_STATUS_OK)
        return st;
    return clgan_ops_gemm1(ctx, 0, 0, n, in, out, 1.0f, dy->mem, dy->off, out, w->mem, w->off, in,
                           0.0f, dx->mem, dx->off, in);
}

clgan_status clgan_ops_linear_bwd_weight(clgan_ctx *ctx, const struct clgan_linear_shape *s,
                                         const struct clgan_tensor *x,
                                         const struct clgan_tensor *dy, float beta,
                                         const struct clgan_tensor *dw)
{
    clgan_status st = clgan_ops_linear_check(ctx, s);
    if (st != CLGAN_STATUS_OK)
        return st;
    size_t n = (size_t)s->n, in = (size_t)s->in, out = (size_t)s->out;
    const struct clgan_ops_view_arg a[] = {in_arg("x", x, s), out_arg("dy", dy, s),
                                           weight_arg("dw", dw, s)};
    st = clgan_ops_view_check_args(ctx, "linear_bwd_weight", a, CLGAN_OPS_NARGS(a));
    if (st != CLGAN_STATUS_OK)
        return st;
    return clgan_ops_gemm1(ctx, 1, 0, out, in, n, 1.0f, dy->mem, dy->off, out, x->mem, x->off, in,
                           beta, dw->mem, dw->off, in);
}

clgan_status clgan_ops_linear_bwd_bias(clgan_ctx *ctx, const struct clgan_linear_shape *s,
                                       const struct clgan_tensor *dy, float beta,
                                       const struct clgan_tensor *db)
{
    clgan_status st = clgan_ops_linear_check(ctx, s);
    if (st != CLGAN_STATUS_OK)
        return st;
    const struct clgan_ops_view_arg a[] = {out_arg("dy", dy, s),
                                           clgan_ops_view_count("db", db, (size_t)s->out)};
    st = clgan_ops_view_check_args(ctx, "linear_bwd_bias", a, CLGAN_OPS_NARGS(a));
    if (st != CLGAN_STATUS_OK)
        return st;
    return clgan_ops_conv_bias_grad(ctx, s->n, s->out, 1, dy->mem, dy->off, beta, db->mem, db->off);
}

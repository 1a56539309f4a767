/*
 * conv_pass.c - the passes of conv2d and transposed conv2d as conv.h gives them: each checks its
 * shape, views, workspace and epilogue, then runs one of the three routines of conv.c on the
 * geometry both convolutions reduce to (conv_internal.h).
 */
#include <math.h>

#include "ops/conv.h"
#include "ops/conv_internal.h"
#include "ops/view.h"

static size_t weight_size(const struct clgan_conv_geo *g)
{
    return (size_t)g->cs * g->kc;
}

/* What a pass expects of its views under geometry g: the big side [n, cb, hb, wb], the small
 * side [n, cs, hs, ws], the weight as cs * kc elements in any shape, a bias as c elements. */
static struct clgan_ops_view_arg big_arg(const char *name, const struct clgan_tensor *t,
                                         const struct clgan_conv_geo *g)
{
    return clgan_ops_view_shape(name, t, g->n, g->cb, g->hb, g->wb);
}

static struct clgan_ops_view_arg small_arg(const char *name, const struct clgan_tensor *t,
                                           const struct clgan_conv_geo *g)
{
    return clgan_ops_view_shape(name, t, g->n, g->cs, g->hs, g->ws);
}

static struct clgan_ops_view_arg weight_arg(const char *name, const struct clgan_tensor *t,
                                            const struct clgan_conv_geo *g)
{
    return clgan_ops_view_count(name, t, weight_size(g));
}

/* The views of a pass, then its workspace (for every pass but BWD_BIAS). */
static clgan_status check_pass(clgan_ctx *ctx, const char *op, const struct clgan_conv_geo *g,
                               const struct clgan_ops_view_arg *a, int count,
                               enum clgan_conv_pass pass, cl_mem ws, size_t ws_off)
{
    clgan_status st = clgan_ops_view_check_args(ctx, op, a, count);
    if (st != CLGAN_STATUS_OK || pass == CLGAN_CONV_BWD_BIAS)
        return st;
    return clgan_ops_view_check_ws(ctx, op, ws, ws_off,
                                   clgan_ops_conv_route_workspace(ctx, g, pass), CLGAN_DTYPE_F32);
}

/* The buffer and element offset of an optional view (NULL and 0 when absent). */
static cl_mem mem_of(const struct clgan_tensor *t)
{
    return clgan_ops_view_absent(t) ? NULL : t->mem;
}

static size_t off_of(const struct clgan_tensor *t)
{
    return clgan_ops_view_absent(t) ? 0 : t->off;
}

/* The epilogue of a public call (none for p NULL): the activation ReLU or leaky ReLU with a
 * slope >= 0; its gate, when given, is checked with the call's other views. */
static clgan_status epi_of(clgan_ctx *ctx, const char *op, const struct clgan_ops_conv_epi *p,
                           struct clgan_conv_epi *e)
{
    *e = clgan_ops_conv_no_epi;
    if (!p)
        return CLGAN_STATUS_OK;
    if (p->act != CLGAN_OPS_ACT_RELU && p->act != CLGAN_OPS_ACT_LRELU)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: epilogue activation %d (ReLU or leaky ReLU only)", op,
                             (int)p->act);
    if (p->act == CLGAN_OPS_ACT_LRELU && !(p->slope >= 0.0f && p->slope < INFINITY))
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: epilogue leaky ReLU slope %g (must be >= 0)", op,
                             (double)p->slope);
    e->act = p->act;
    e->slope = p->slope;
    e->kind = clgan_ops_view_absent(p->gate) ? 1 : 2;
    e->gate = mem_of(p->gate);
    e->gate_off = off_of(p->gate);
    return CLGAN_STATUS_OK;
}

static const struct clgan_tensor *gate_of(const struct clgan_ops_conv_epi *p)
{
    return p ? p->gate : NULL;
}

clgan_status clgan_ops_conv2d_fwd(clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                  const struct clgan_tensor *x, const struct clgan_tensor *w,
                                  const struct clgan_tensor *b, const struct clgan_tensor *y,
                                  cl_mem ws, size_t ws_off)
{
    return clgan_ops_conv2d_fwd_epi(ctx, s, x, w, b, NULL, y, ws, ws_off);
}

clgan_status clgan_ops_conv2d_fwd_epi(clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                      const struct clgan_tensor *x, const struct clgan_tensor *w,
                                      const struct clgan_tensor *b,
                                      const struct clgan_ops_conv_epi *epi,
                                      const struct clgan_tensor *y, cl_mem ws, size_t ws_off)
{
    struct clgan_conv_geo g;
    struct clgan_conv_epi e;
    clgan_status st = clgan_ops_conv_make_geo(ctx, s, 0, &g);
    if (st == CLGAN_STATUS_OK)
        st = epi_of(ctx, "conv2d_fwd", epi, &e);
    if (st != CLGAN_STATUS_OK)
        return st;
    const struct clgan_ops_view_arg a[] = {
        big_arg("x", x, &g), weight_arg("w", w, &g),
        clgan_ops_view_opt(clgan_ops_view_count("bias", b, (size_t)g.cs)), small_arg("y", y, &g),
        clgan_ops_view_opt(small_arg("gate", gate_of(epi), &g))};
    st = check_pass(ctx, "conv2d_fwd", &g, a, CLGAN_OPS_NARGS(a), CLGAN_CONV_FWD, ws, ws_off);
    if (st != CLGAN_STATUS_OK)
        return st;
    return clgan_ops_conv_small_from_big(ctx, &g, x->mem, x->off, w->mem, w->off, mem_of(b),
                                         off_of(b), y->mem, y->off, ws, ws_off, &e);
}

clgan_status clgan_ops_conv2d_bwd_data(clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                       const struct clgan_tensor *dy, const struct clgan_tensor *w,
                                       const struct clgan_tensor *dx, cl_mem ws, size_t ws_off)
{
    return clgan_ops_conv2d_bwd_data_epi(ctx, s, dy, w, NULL, dx, ws, ws_off);
}

clgan_status clgan_ops_conv2d_bwd_data_epi(clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                           const struct clgan_tensor *dy,
                                           const struct clgan_tensor *w,
                                           const struct clgan_ops_conv_epi *epi,
                                           const struct clgan_tensor *dx, cl_mem ws, size_t ws_off)
{
    struct clgan_conv_geo g;
    struct clgan_conv_epi e;
    clgan_status st = clgan_ops_conv_make_geo(ctx, s, 0, &g);
    if (st == CLGAN_STATUS_OK)
        st = epi_of(ctx, "conv2d_bwd_data", epi, &e);
    if (st != CLGAN_STATUS_OK)
        return st;
    const struct clgan_ops_view_arg a[] = {small_arg("dy", dy, &g), weight_arg("w", w, &g),
                                           big_arg("dx", dx, &g),
                                           clgan_ops_view_opt(big_arg("gate", gate_of(epi), &g))};
    st = check_pass(ctx, "conv2d_bwd_data", &g, a, CLGAN_OPS_NARGS(a), CLGAN_CONV_BWD_DATA, ws,
                    ws_off);
    if (st != CLGAN_STATUS_OK)
        return st;
    return clgan_ops_conv_big_from_small(ctx, &g, dy->mem, dy->off, w->mem, w->off, NULL, 0,
                                         dx->mem, dx->off, ws, ws_off, &e);
}

clgan_status clgan_ops_conv2d_bwd_weight(clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                         const struct clgan_tensor *x,
                                         const struct clgan_tensor *dy, float beta,
                                         const struct clgan_tensor *dw, cl_mem ws, size_t ws_off)
{
    struct clgan_conv_geo g;
    clgan_status st = clgan_ops_conv_make_geo(ctx, s, 0, &g);
    if (st != CLGAN_STATUS_OK)
        return st;
    const struct clgan_ops_view_arg a[] = {big_arg("x", x, &g), small_arg("dy", dy, &g),
                                           weight_arg("dw", dw, &g)};
    st = check_pass(ctx, "conv2d_bwd_weight", &g, a, CLGAN_OPS_NARGS(a), CLGAN_CONV_BWD_WEIGHT, ws,
                    ws_off);
    if (st != CLGAN_STATUS_OK)
        return st;
    return clgan_ops_conv_weight_grad(ctx, &g, x->mem, x->off, dy->mem, dy->off, beta, dw->mem,
                                      dw->off, ws, ws_off);
}

clgan_status clgan_ops_conv2d_bwd_bias(clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                       const struct clgan_tensor *dy, float beta,
                                       const struct clgan_tensor *db)
{
    struct clgan_conv_geo g;
    clgan_status st = clgan_ops_conv_make_geo(ctx, s, 0, &g);
    if (st != CLGAN_STATUS_OK)
        return st;
    const struct clgan_ops_view_arg a[] = {small_arg("dy", dy, &g),
                                           clgan_ops_view_count("db", db, (size_t)g.cs)};
    st =
        check_pass(ctx, "conv2d_bwd_bias", &g, a, CLGAN_OPS_NARGS(a), CLGAN_CONV_BWD_BIAS, NULL, 0);
    if (st != CLGAN_STATUS_OK)
        return st;
    return clgan_ops_conv_bias_grad(ctx, g.n, g.cs, g.hs * g.ws, dy->mem, dy->off, beta, db->mem,
                                    db->off);
}

clgan_status clgan_ops_convt2d_fwd(clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                   const struct clgan_tensor *x, const struct clgan_tensor *w,
                                   const struct clgan_tensor *b, const struct clgan_tensor *y,
                                   cl_mem ws, size_t ws_off)
{
    return clgan_ops_convt2d_fwd_epi(ctx, s, x, w, b, NULL, y, ws, ws_off);
}

clgan_status clgan_ops_convt2d_fwd_epi(clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                       const struct clgan_tensor *x, const struct clgan_tensor *w,
                                       const struct clgan_tensor *b,
                                       const struct clgan_ops_conv_epi *epi,
                                       const struct clgan_tensor *y, cl_mem ws, size_t ws_off)
{
    struct clgan_conv_geo g;
    struct clgan_conv_epi e;
    clgan_status st = clgan_ops_conv_make_geo(ctx, s, 1, &g);
    if (st == CLGAN_STATUS_OK)
        st = epi_of(ctx, "convt2d_fwd", epi, &e);
    if (st != CLGAN_STATUS_OK)
        return st;
    const struct clgan_ops_view_arg a[] = {
        small_arg("x", x, &g), weight_arg("w", w, &g),
        clgan_ops_view_opt(clgan_ops_view_count("bias", b, (size_t)g.cb)), big_arg("y", y, &g),
        clgan_ops_view_opt(big_arg("gate", gate_of(epi), &g))};
    st = check_pass(ctx, "convt2d_fwd", &g, a, CLGAN_OPS_NARGS(a), CLGAN_CONV_FWD, ws, ws_off);
    if (st != CLGAN_STATUS_OK)
        return st;
    return clgan_ops_conv_big_from_small(ctx, &g, x->mem, x->off, w->mem, w->off, mem_of(b),
                                         off_of(b), y->mem, y->off, ws, ws_off, &e);
}

clgan_status clgan_ops_convt2d_bwd_data(clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                        const struct clgan_tensor *dy, const struct clgan_tensor *w,
                                        const struct clgan_tensor *dx, cl_mem ws, size_t ws_off)
{
    return clgan_ops_convt2d_bwd_data_epi(ctx, s, dy, w, NULL, dx, ws, ws_off);
}

clgan_status clgan_ops_convt2d_bwd_data_epi(clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                            const struct clgan_tensor *dy,
                                            const struct clgan_tensor *w,
                                            const struct clgan_ops_conv_epi *epi,
                                            const struct clgan_tensor *dx, cl_mem ws, size_t ws_off)
{
    struct clgan_conv_geo g;
    struct clgan_conv_epi e;
    clgan_status st = clgan_ops_conv_make_geo(ctx, s, 1, &g);
    if (st == CLGAN_STATUS_OK)
        st = epi_of(ctx, "convt2d_bwd_data", epi, &e);
    if (st != CLGAN_STATUS_OK)
        return st;
    const struct clgan_ops_view_arg a[] = {big_arg("dy", dy, &g), weight_arg("w", w, &g),
                                           small_arg("dx", dx, &g),
                                           clgan_ops_view_opt(small_arg("gate", gate_of(epi), &g))};
    st = check_pass(ctx, "convt2d_bwd_data", &g, a, CLGAN_OPS_NARGS(a), CLGAN_CONV_BWD_DATA, ws,
                    ws_off);
    if (st != CLGAN_STATUS_OK)
        return st;
    return clgan_ops_conv_small_from_big(ctx, &g, dy->mem, dy->off, w->mem, w->off, NULL, 0,
                                         dx->mem, dx->off, ws, ws_off, &e);
}

clgan_status clgan_ops_convt2d_bwd_weight(clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                          const struct clgan_tensor *x,
                                          const struct clgan_tensor *dy, float beta,
                                          const struct clgan_tensor *dw, cl_mem ws, size_t ws_off)
{
    struct clgan_conv_geo g;
    clgan_status st = clgan_ops_conv_make_geo(ctx, s, 1, &g);
    if (st != CLGAN_STATUS_OK)
        return st;
    const struct clgan_ops_view_arg a[] = {small_arg("x", x, &g), big_arg("dy", dy, &g),
                                           weight_arg("dw", dw, &g)};
    st = check_pass(ctx, "convt2d_bwd_weight", &g, a, CLGAN_OPS_NARGS(a), CLGAN_CONV_BWD_WEIGHT, ws,
                    ws_off);
    if (st != CLGAN_STATUS_OK)
        return st;
    return clgan_ops_conv_weight_grad(ctx, &g, dy->mem, dy->off, x->mem, x->off, beta, dw->mem,
                                      dw->off, ws, ws_off);
}

clgan_status clgan_ops_convt2d_bwd_bias(clgan_ctx *ctx, const struct clgan_conv_shape *s,
                                        const struct clgan_tensor *dy, float beta,
                                        const struct clgan_tensor *db)
{
    struct clgan_conv_geo g;
    clgan_status st = clgan_ops_conv_make_geo(ctx, s, 1, &g);
    if (st != CLGAN_STATUS_OK)
        return st;
    const struct clgan_ops_view_arg a[] = {big_arg("dy", dy, &g),
                                           clgan_ops_view_count("db", db, (size_t)g.cb)};
    st = check_pass(ctx, "convt2d_bwd_bias", &g, a, CLGAN_OPS_NARGS(a), CLGAN_CONV_BWD_BIAS, NULL,
                    0);
    if (st != CLGAN_STATUS_OK)
        return st;
    return clgan_ops_conv_bias_grad(ctx, g.n, g.cb, g.hb * g.wb, dy->mem, dy->off, beta, db->mem,
                                    db->off);
}

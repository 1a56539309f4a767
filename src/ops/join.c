/* join.c - concatenation, embedding and inner product (cl/join.cl); see join.h. */
#include <stdio.h>

#include "ops/elt.h"
#include "ops/join.h"

#define FAIL(ctx, ...) clgan_rt_fail((ctx), CLGAN_STATUS_INVALID_ARGUMENT, __VA_ARGS__)

/* The kernels index a sample's elements, and the samples, in 32 bits (with room to round up). */
#define MAX_DIM 0x7fffffc0u

/*
 * Check one view: present, with a buffer, of dtype dt, every dimension >= 1, a sample small
 * enough for the kernels' 32-bit indices, and lying inside its buffer (so that no kernel can
 * reach past it whatever the caller's arithmetic).
 */
static clgan_status check_view(clgan_ctx *ctx, const char *op, const char *what,
                               const struct clgan_tensor *t, enum clgan_dtype dt)
{
    if (!t)
        return FAIL(ctx, "%s: no tensor %s", op, what);
    if (!t->mem)
        return FAIL(ctx, "%s: tensor %s has no buffer", op, what);
    if (t->dtype != dt)
        return FAIL(ctx, "%s: tensor %s is %s, must be %s", op, what, clgan_dtype_name(t->dtype),
                    clgan_dtype_name(dt));
    if (t->n < 1 || t->c < 1 || t->h < 1 || t->w < 1)
        return FAIL(ctx, "%s: tensor %s has shape [%d, %d, %d, %d]; every dimension must be >= 1",
                    op, what, t->n, t->c, t->h, t->w);
    size_t hw, s, total, bytes;
    if (!clgan_mul_ok((size_t)t->h, (size_t)t->w, &hw) || !clgan_mul_ok(hw, (size_t)t->c, &s) ||
        s > MAX_DIM || (size_t)t->n > MAX_DIM || !clgan_mul_ok(s, (size_t)t->n, &total) ||
        total > SIZE_MAX - t->off || !clgan_mul_ok(t->off + total, clgan_dtype_size(dt), &bytes))
        return FAIL(ctx, "%s: tensor %s [%d, %d, %d, %d] at offset %zu is too large", op, what,
                    t->n, t->c, t->h, t->w, t->off);
    size_t size = 0;
    cl_int err = clGetMemObjectInfo(t->mem, CL_MEM_SIZE, sizeof(size), &size, NULL);
    if (err != CL_SUCCESS)
        return FAIL(ctx, "%s: tensor %s: its buffer is not a memory object (%s)", op, what,
                    clgan_cl_errname(err));
    if (bytes > size)
        return FAIL(ctx,
                    "%s: tensor %s [%d, %d, %d, %d] at element offset %zu ends at byte %zu, past "
                    "the end of its %zu-byte buffer",
                    op, what, t->n, t->c, t->h, t->w, t->off, bytes, size);
    return CLGAN_STATUS_OK;
}

/* Same n, h, w for tensors x and y (channels may differ). */
static clgan_status check_nhw(clgan_ctx *ctx, const char *op, const char *xn,
                              const struct clgan_tensor *x, const char *yn,
                              const struct clgan_tensor *y)
{
    if (x->n == y->n && x->h == y->h && x->w == y->w)
        return CLGAN_STATUS_OK;
    return FAIL(ctx, "%s: %s [%d, %d, %d, %d] and %s [%d, %d, %d, %d] differ in n, h or w", op, xn,
                x->n, x->c, x->h, x->w, yn, y->n, y->c, y->h, y->w);
}

/* Same n, c, h, w. */
static clgan_status check_same(clgan_ctx *ctx, const char *op, const char *xn,
                               const struct clgan_tensor *x, const char *yn,
                               const struct clgan_tensor *y)
{
    if (x->n == y->n && x->c == y->c && x->h == y->h && x->w == y->w)
        return CLGAN_STATUS_OK;
    return FAIL(ctx, "%s: %s [%d, %d, %d, %d] and %s [%d, %d, %d, %d] must have the same shape", op,
                xn, x->n, x->c, x->h, x->w, yn, y->n, y->c, y->h, y->w);
}

/* One value per sample: n = batch, c*h*w = 1. */
static clgan_status check_scalar(clgan_ctx *ctx, const char *op, const char *what,
                                 const struct clgan_tensor *t, int batch)
{
    if (t->n == batch && clgan_tensor_sample(t) == 1)
        return CLGAN_STATUS_OK;
    return FAIL(ctx, "%s: tensor %s [%d, %d, %d, %d] must be [%d, 1, 1, 1]", op, what, t->n, t->c,
                t->h, t->w, batch);
}

/*
 * Work-group shape for the element kernels' (element j < s, row i < rows) grid: up to 64
 * work-items, as many along a row as it has elements (a power of two), the rest over rows, so
 * that short rows do not leave most of each group idle.
 */
static void grid2d(const clgan_ctx *ctx, size_t s, size_t rows, size_t g[2], size_t l[2])
{
    size_t lim = 64;
    if (ctx->info.max_work_group && ctx->info.max_work_group < lim)
        lim = ctx->info.max_work_group;
    size_t l0 = 1, l1 = 1;
    while (l0 * 2 <= lim && l0 < s)
        l0 *= 2;
    while (l0 * l1 * 2 <= lim && l1 < rows)
        l1 *= 2;
    l[0] = l0;
    l[1] = l1;
    g[0] = s;
    g[1] = rows;
}

/* Copy x (s elements per sample) into the samples of y, stride apart, from y_off on. */
static clgan_status concat_part(clgan_ctx *ctx, enum clgan_kid id, int n, size_t s, size_t stride,
                                const struct clgan_tensor *x, cl_mem y, size_t y_off)
{
    size_t g[2], l[2];
    grid2d(ctx, s, (size_t)n, g, l);
    return clgan_rt_launch(ctx, id, 2, g, l, 0.0, "uuumlml", (unsigned)n, (unsigned)s,
                           (unsigned)stride, x->mem, (uint64_t)x->off, y, (uint64_t)y_off);
}

/* d = beta*d + the s elements per sample of dy (samples stride apart) from dy_off on. */
static clgan_status concat_grad(clgan_ctx *ctx, int n, size_t s, size_t stride, cl_mem dy,
                                size_t dy_off, float beta, const struct clgan_tensor *d)
{
    size_t g[2], l[2];
    grid2d(ctx, s, (size_t)n, g, l);
    return clgan_rt_launch(ctx, CLGAN_K(join_concat_bwd), 2, g, l, 0.0, "uuumlfml", (unsigned)n,
                           (unsigned)s, (unsigned)stride, dy, (uint64_t)dy_off, (double)beta,
                           d->mem, (uint64_t)d->off);
}

clgan_status clgan_ops_join_concat_fwd(clgan_ctx *ctx, const struct clgan_tensor *a,
                                       const struct clgan_tensor *b, const struct clgan_tensor *y)
{
    const char *op = "join_concat_fwd";
    clgan_status st;
    if ((st = check_view(ctx, op, "a", a, CLGAN_DTYPE_F32)) != CLGAN_STATUS_OK ||
        (st = check_view(ctx, op, "b", b, CLGAN_DTYPE_F32)) != CLGAN_STATUS_OK ||
        (st = check_view(ctx, op, "y", y, CLGAN_DTYPE_F32)) != CLGAN_STATUS_OK ||
        (st = check_nhw(ctx, op, "a", a, "b", b)) != CLGAN_STATUS_OK ||
        (st = check_nhw(ctx, op, "a", a, "y", y)) != CLGAN_STATUS_OK)
        return st;
    if ((size_t)y->c != (size_t)a->c + (size_t)b->c)
        return FAIL(ctx, "%s: y has %d channels, a and b %d + %d", op, y->c, a->c, b->c);
    size_t sa = clgan_tensor_sample(a), sb = clgan_tensor_sample(b);
    if ((st = concat_part(ctx, CLGAN_K(join_concat_fwd), y->n, sa, sa + sb, a, y->mem, y->off)) !=
        CLGAN_STATUS_OK)
        return st;
    return concat_part(ctx, CLGAN_K(join_concat_fwd), y->n, sb, sa + sb, b, y->mem, y->off + sa);
}

clgan_status clgan_ops_join_concat_bwd(clgan_ctx *ctx, const struct clgan_tensor *dy,
                                       const struct clgan_tensor *da, float beta_a,
                                       const struct clgan_tensor *db, float beta_b)
{
    const char *op = "join_concat_bwd";
    clgan_status st;
    if ((st = check_view(ctx, op, "dy", dy, CLGAN_DTYPE_F32)) != CLGAN_STATUS_OK ||
        (da && (st = check_view(ctx, op, "da", da, CLGAN_DTYPE_F32)) != CLGAN_STATUS_OK) ||
        (db && (st = check_view(ctx, op, "db", db, CLGAN_DTYPE_F32)) != CLGAN_STATUS_OK) ||
        (da && (st = check_nhw(ctx, op, "da", da, "dy", dy)) != CLGAN_STATUS_OK) ||
        (db && (st = check_nhw(ctx, op, "db", db, "dy", dy)) != CLGAN_STATUS_OK))
        return st;
    if (!da && !db)
        return CLGAN_STATUS_OK;
    /* the split: from da, else from db; each side keeps at least one channel */
    int ca = da ? da->c : dy->c - db->c;
    if (ca < 1 || ca >= dy->c || (db && ca + db->c != dy->c)) {
        char na[16] = "none", nb[16] = "none";
        if (da)
            snprintf(na, sizeof(na), "%d", da->c);
        if (db)
            snprintf(nb, sizeof(nb), "%d", db->c);
        return FAIL(ctx, "%s: dy has %d channels; da (%s) and db (%s) do not split them", op, dy->c,
                    na, nb);
    }
    size_t sy = clgan_tensor_sample(dy), sa = (size_t)ca * dy->h * dy->w;
    if (da &&
        (st = concat_grad(ctx, dy->n, sa, sy, dy->mem, dy->off, beta_a, da)) != CLGAN_STATUS_OK)
        return st;
    if (db)
        st = concat_grad(ctx, dy->n, sy - sa, sy, dy->mem, dy->off + sa, beta_b, db);
    return st;
}

clgan_status clgan_ops_join_embed_fwd(clgan_ctx *ctx, const struct clgan_tensor *w,
                                      const struct clgan_tensor *labels,
                                      const struct clgan_tensor *y)
{
    const char *op = "join_embed_fwd";
    clgan_status st;
    if ((st = check_view(ctx, op, "w", w, CLGAN_DTYPE_F32)) != CLGAN_STATUS_OK ||
        (st = check_view(ctx, op, "labels", labels, CLGAN_DTYPE_I32)) != CLGAN_STATUS_OK ||
        (st = check_view(ctx, op, "y", y, CLGAN_DTYPE_F32)) != CLGAN_STATUS_OK ||
        (st = check_scalar(ctx, op, "labels", labels, y->n)) != CLGAN_STATUS_OK)
        return st;
    size_t dim = clgan_tensor_sample(w);
    if (clgan_tensor_sample(y) != dim)
        return FAIL(ctx, "%s: y [%d, %d, %d, %d] rows do not match the table w [%d, %d, %d, %d]",
                    op, y->n, y->c, y->h, y->w, w->n, w->c, w->h, w->w);
    size_t g[2], l[2];
    grid2d(ctx, dim, (size_t)y->n, g, l);
    return clgan_rt_launch(ctx, CLGAN_K(join_embed_fwd), 2, g, l, 0.0, "uuumlmlml", (unsigned)y->n,
                           (unsigned)dim, (unsigned)w->n, w->mem, (uint64_t)w->off, labels->mem,
                           (uint64_t)labels->off, y->mem, (uint64_t)y->off);
}

clgan_status clgan_ops_join_embed_bwd(clgan_ctx *ctx, const struct clgan_tensor *dy,
                                      const struct clgan_tensor *labels, float beta,
                                      const struct clgan_tensor *dw)
{
    const char *op = "join_embed_bwd";
    clgan_status st;
    if ((st = check_view(ctx, op, "dy", dy, CLGAN_DTYPE_F32)) != CLGAN_STATUS_OK ||
        (st = check_view(ctx, op, "labels", labels, CLGAN_DTYPE_I32)) != CLGAN_STATUS_OK ||
        (st = check_view(ctx, op, "dw", dw, CLGAN_DTYPE_F32)) != CLGAN_STATUS_OK ||
        (st = check_scalar(ctx, op, "labels", labels, dy->n)) != CLGAN_STATUS_OK)
        return st;
    size_t dim = clgan_tensor_sample(dw);
    if (clgan_tensor_sample(dy) != dim)
        return FAIL(ctx, "%s: dy [%d, %d, %d, %d] rows do not match the table dw [%d, %d, %d, %d]",
                    op, dy->n, dy->c, dy->h, dy->w, dw->n, dw->c, dw->h, dw->w);
    size_t g[2], l[2];
    grid2d(ctx, dim, (size_t)dw->n, g, l);
    return clgan_rt_launch(ctx, CLGAN_K(join_embed_bwd), 2, g, l, 0.0, "uuumlmlfml",
                           (unsigned)dw->n, (unsigned)dim, (unsigned)dy->n, dy->mem,
                           (uint64_t)dy->off, labels->mem, (uint64_t)labels->off, (double)beta,
                           dw->mem, (uint64_t)dw->off);
}

double clgan_ops_join_flops_inner(int n, size_t len)
{
    return 2.0 * (double)n * (double)len;
}

/*
 * Work-group size of join_inner_fwd for samples of len elements. GPUs: enough work-items to
 * cover a sample, at most 256. CPUs run a group's work-items one after another on one core, so
 * more than one only splits a sample's vector loop into shorter runs: one, with the samples
 * spread over the cores as groups.
 */
static clgan_status inner_group(clgan_ctx *ctx, size_t len, size_t *out)
{
    size_t cap = ctx->info.kind == CLGAN_KIND_CPU ? 1 : 256, want = 1;
    while (want < len && want < cap)
        want *= 2;
    return clgan_ops_elt_group_size(ctx, CLGAN_K(join_inner_fwd), want, sizeof(float), out);
}

clgan_status clgan_ops_join_inner_fwd(clgan_ctx *ctx, const struct clgan_tensor *a,
                                      const struct clgan_tensor *b, const struct clgan_tensor *y)
{
    const char *op = "join_inner_fwd";
    clgan_status st;
    if ((st = check_view(ctx, op, "a", a, CLGAN_DTYPE_F32)) != CLGAN_STATUS_OK ||
        (st = check_view(ctx, op, "b", b, CLGAN_DTYPE_F32)) != CLGAN_STATUS_OK ||
        (st = check_view(ctx, op, "y", y, CLGAN_DTYPE_F32)) != CLGAN_STATUS_OK ||
        (st = check_same(ctx, op, "a", a, "b", b)) != CLGAN_STATUS_OK ||
        (st = check_scalar(ctx, op, "y", y, a->n)) != CLGAN_STATUS_OK)
        return st;
    size_t len = clgan_tensor_sample(a), l;
    if ((st = inner_group(ctx, len, &l)) != CLGAN_STATUS_OK)
        return st;
    size_t g = (size_t)a->n * l;
    return clgan_rt_launch(ctx, CLGAN_K(join_inner_fwd), 1, &g, &l,
                           clgan_ops_join_flops_inner(a->n, len), "umlmlmlL", (unsigned)len, a->mem,
                           (uint64_t)a->off, b->mem, (uint64_t)b->off, y->mem, (uint64_t)y->off,
                           l * sizeof(float));
}

/* d = beta*d + dy[i]*x[i], one gradient of the inner product. */
static clgan_status inner_grad(clgan_ctx *ctx, const struct clgan_tensor *dy, size_t len,
                               const struct clgan_tensor *x, float beta,
                               const struct clgan_tensor *d)
{
    size_t g[2], l[2];
    grid2d(ctx, len, (size_t)x->n, g, l);
    return clgan_rt_launch(ctx, CLGAN_K(join_inner_bwd), 2, g, l,
                           clgan_ops_join_flops_inner(x->n, len), "uumlmlfml", (unsigned)x->n,
                           (unsigned)len, dy->mem, (uint64_t)dy->off, x->mem, (uint64_t)x->off,
                           (double)beta, d->mem, (uint64_t)d->off);
}

clgan_status clgan_ops_join_inner_bwd(clgan_ctx *ctx, const struct clgan_tensor *dy,
                                      const struct clgan_tensor *a, const struct clgan_tensor *b,
                                      const struct clgan_tensor *da, float beta_a,
                                      const struct clgan_tensor *db, float beta_b)
{
    const char *op = "join_inner_bwd";
    clgan_status st;
    if ((st = check_view(ctx, op, "dy", dy, CLGAN_DTYPE_F32)) != CLGAN_STATUS_OK ||
        (st = check_view(ctx, op, "a", a, CLGAN_DTYPE_F32)) != CLGAN_STATUS_OK ||
        (st = check_view(ctx, op, "b", b, CLGAN_DTYPE_F32)) != CLGAN_STATUS_OK ||
        (da && (st = check_view(ctx, op, "da", da, CLGAN_DTYPE_F32)) != CLGAN_STATUS_OK) ||
        (db && (st = check_view(ctx, op, "db", db, CLGAN_DTYPE_F32)) != CLGAN_STATUS_OK) ||
        (st = check_same(ctx, op, "a", a, "b", b)) != CLGAN_STATUS_OK ||
        (st = check_scalar(ctx, op, "dy", dy, a->n)) != CLGAN_STATUS_OK ||
        (da && (st = check_same(ctx, op, "da", da, "a", a)) != CLGAN_STATUS_OK) ||
        (db && (st = check_same(ctx, op, "db", db, "b", b)) != CLGAN_STATUS_OK))
        return st;
    size_t len = clgan_tensor_sample(a);
    if (da && (st = inner_grad(ctx, dy, len, b, beta_a, da)) != CLGAN_STATUS_OK)
        return st;
    if (db)
        st = inner_grad(ctx, dy, len, a, beta_b, db);
    return st;
}

/* view.c - checks of the tensor views the device ops take; see view.h. */
#include <stdint.h>

#include "ops/view.h"

#define FAIL(ctx, ...) clgan_rt_fail((ctx), CLGAN_STATUS_INVALID_ARGUMENT, __VA_ARGS__)

/* The buffer's size in bytes, or INVALID_ARGUMENT when it is no memory object. */
static clgan_status mem_size(clgan_ctx *ctx, const char *op, const char *what, cl_mem m,
                             size_t *size)
{
    *size = 0;
    cl_int err = clGetMemObjectInfo(m, CL_MEM_SIZE, sizeof(*size), size, NULL);
    if (err != CL_SUCCESS)
        return FAIL(ctx, "%s: %s: its buffer is not a memory object (%s)", op, what,
                    clgan_cl_errname(err));
    return CLGAN_STATUS_OK;
}

clgan_status clgan_ops_view_check(clgan_ctx *ctx, const char *op, const char *what,
                                  const struct clgan_tensor *t)
{
    if (!t)
        return FAIL(ctx, "%s: no tensor %s", op, what);
    if (!t->mem)
        return FAIL(ctx, "%s: tensor %s has no buffer", op, what);
    if (t->dtype != CLGAN_DTYPE_F32)
        return clgan_rt_fail(ctx, CLGAN_STATUS_UNSUPPORTED,
                             "%s: tensor %s is %s; this op supports %s only", op, what,
                             clgan_dtype_name(t->dtype), clgan_dtype_name(CLGAN_DTYPE_F32));
    if (t->n < 1 || t->c < 1 || t->h < 1 || t->w < 1)
        return FAIL(ctx, "%s: tensor %s has shape [%d, %d, %d, %d]; every dimension must be >= 1",
                    op, what, t->n, t->c, t->h, t->w);
    size_t hw, s, numel, end, bytes;
    if (!clgan_mul_ok((size_t)t->h, (size_t)t->w, &hw) || !clgan_mul_ok(hw, (size_t)t->c, &s) ||
        !clgan_mul_ok(s, (size_t)t->n, &numel) || numel > SIZE_MAX - t->off ||
        !clgan_mul_ok(t->off + numel, clgan_dtype_size(t->dtype), &end))
        return FAIL(ctx, "%s: tensor %s [%d, %d, %d, %d] at element offset %zu is too large", op,
                    what, t->n, t->c, t->h, t->w, t->off);
    clgan_status st = mem_size(ctx, op, what, t->mem, &bytes);
    if (st != CLGAN_STATUS_OK)
        return st;
    /* where the view ends, in bytes through its dtype (no overflow: checked above) */
    end = clgan_tensor_byte_off(t) + clgan_tensor_bytes(t);
    if (end > bytes)
        return FAIL(ctx,
                    "%s: tensor %s [%d, %d, %d, %d] at element offset %zu ends at byte %zu, past "
                    "the end of its %zu-byte buffer",
                    op, what, t->n, t->c, t->h, t->w, t->off, end, bytes);
    return CLGAN_STATUS_OK;
}

/* Does view t follow rule a? (t is checked: dimensions >= 1, sizes without overflow.) */
static clgan_status check_rule(clgan_ctx *ctx, const char *op, const struct clgan_ops_view_arg *a)
{
    const struct clgan_tensor *t = a->t;
    switch (a->rule) {
    case CLGAN_OPS_VIEW_SHAPE:
        if (t->n == a->n && t->c == a->c && t->h == a->h && t->w == a->w)
            return CLGAN_STATUS_OK;
        return FAIL(ctx, "%s: tensor %s is [%d, %d, %d, %d], must be [%d, %d, %d, %d]", op, a->name,
                    t->n, t->c, t->h, t->w, a->n, a->c, a->h, a->w);
    case CLGAN_OPS_VIEW_ROWS:
        if (t->n == a->n && clgan_tensor_sample(t) == a->count)
            return CLGAN_STATUS_OK;
        return FAIL(ctx, "%s: tensor %s is [%d, %d, %d, %d], must be %d samples of %zu elements",
                    op, a->name, t->n, t->c, t->h, t->w, a->n, a->count);
    case CLGAN_OPS_VIEW_COUNT:
        if (clgan_tensor_numel(t) == a->count)
            return CLGAN_STATUS_OK;
        return FAIL(ctx, "%s: tensor %s is [%d, %d, %d, %d] (%zu elements), must have %zu", op,
                    a->name, t->n, t->c, t->h, t->w, clgan_tensor_numel(t), a->count);
    }
    return FAIL(ctx, "%s: tensor %s: unknown rule %d", op, a->name, (int)a->rule);
}

clgan_status clgan_ops_view_check_args(clgan_ctx *ctx, const char *op,
                                       const struct clgan_ops_view_arg *a, int count)
{
    for (int i = 0; i < count; i++) {
        if (a[i].optional && clgan_ops_view_absent(a[i].t))
            continue;
        clgan_status st = clgan_ops_view_check(ctx, op, a[i].name, a[i].t);
        if (st == CLGAN_STATUS_OK)
            st = check_rule(ctx, op, &a[i]);
        if (st != CLGAN_STATUS_OK)
            return st;
    }
    return CLGAN_STATUS_OK;
}

clgan_status clgan_ops_view_check_ws(clgan_ctx *ctx, const char *op, cl_mem ws, size_t off,
                                     size_t count, enum clgan_dtype dt)
{
    if (!ws)
        return FAIL(ctx, "%s: workspace buffer is NULL", op);
    size_t bytes, esz = clgan_dtype_size(dt);
    clgan_status st = mem_size(ctx, op, "workspace", ws, &bytes);
    if (st != CLGAN_STATUS_OK)
        return st;
    size_t have = bytes / esz;
    if (off > have || count > have - off)
        return FAIL(ctx, "%s: workspace needs elements [%zu, %zu) of %s but its buffer holds %zu",
                    op, off, off + count, clgan_dtype_name(dt), have);
    return CLGAN_STATUS_OK;
}

/*
 * view.h - the checks every device op of the layer-facing families (conv, bn, act, loss) makes
 * of the tensor views it is given (runtime/tensor.h), before anything is launched. Internal to
 * src/ops/: the interfaces are the family headers.
 *
 * A view is accepted when it is present (or optional and absent: a NULL pointer or a view
 * without a buffer), of dtype float32 (any other dtype is UNSUPPORTED, naming the op, the
 * tensor and the dtype), has every dimension >= 1, agrees with what the op expects of it (one
 * of the rules below), and lies inside its buffer, the range computed in bytes through the
 * dtype. Otherwise INVALID_ARGUMENT naming the op and the tensor.
 */
#ifndef CLGAN_OPS_VIEW_H
#define CLGAN_OPS_VIEW_H

#include "runtime/rt.h"
#include "runtime/tensor.h"

/* What an op expects of a view. */
enum clgan_ops_view_rule {
    CLGAN_OPS_VIEW_SHAPE = 0, /* exactly [n, c, h, w] (images) */
    CLGAN_OPS_VIEW_ROWS = 1,  /* n samples of len elements each, as any c x h x w (rows) */
    CLGAN_OPS_VIEW_COUNT = 2, /* count elements in any shape (parameters, flat vectors) */
};

/* One view argument of an op: its name for messages, the view, the rule and its sizes. */
struct clgan_ops_view_arg {
    const char *name;
    const struct clgan_tensor *t;
    enum clgan_ops_view_rule rule;
    int n, c, h, w; /* SHAPE: all four; ROWS: n */
    size_t count;   /* ROWS: elements per sample; COUNT: elements in all */
    int optional;   /* absent is allowed (the op skips what it would read or write there) */
};

static inline struct clgan_ops_view_arg
clgan_ops_view_shape(const char *name, const struct clgan_tensor *t, int n, int c, int h, int w)
{
    struct clgan_ops_view_arg a = {name, t, CLGAN_OPS_VIEW_SHAPE, n, c, h, w, 0, 0};
    return a;
}

static inline struct clgan_ops_view_arg
clgan_ops_view_rows(const char *name, const struct clgan_tensor *t, int n, size_t len)
{
    struct clgan_ops_view_arg a = {name, t, CLGAN_OPS_VIEW_ROWS, n, 0, 0, 0, len, 0};
    return a;
}

static inline struct clgan_ops_view_arg
clgan_ops_view_count(const char *name, const struct clgan_tensor *t, size_t count)
{
    struct clgan_ops_view_arg a = {name, t, CLGAN_OPS_VIEW_COUNT, 0, 0, 0, 0, count, 0};
    return a;
}

/* The same argument, allowed to be absent. */
static inline struct clgan_ops_view_arg clgan_ops_view_opt(struct clgan_ops_view_arg a)
{
    a.optional = 1;
    return a;
}

/* An optional view that is not there: a NULL pointer or a view without a buffer. */
static inline int clgan_ops_view_absent(const struct clgan_tensor *t)
{
    return !t || !t->mem;
}

/* Check one view on its own: present, float32, dimensions >= 1, inside its buffer. */
clgan_status clgan_ops_view_check(clgan_ctx *ctx, const char *op, const char *what,
                                  const struct clgan_tensor *t);

/* Check every argument of an op, in order; the first failure is the status. */
clgan_status clgan_ops_view_check_args(clgan_ctx *ctx, const char *op,
                                       const struct clgan_ops_view_arg *a, int count);

#define CLGAN_OPS_NARGS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* A workspace: scratch of count elements of dtype dt from element offset off of ws (a buffer,
 * not a view: its size may pass what a view's int dimensions can say). */
clgan_status clgan_ops_view_check_ws(clgan_ctx *ctx, const char *op, cl_mem ws, size_t off,
                                     size_t count, enum clgan_dtype dt);

#endif /* CLGAN_OPS_VIEW_H */

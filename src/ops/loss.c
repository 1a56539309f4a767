/* loss.c - losses (cl/loss.cl); see loss.h. */
#include "ops/loss.h"
#include "ops/elt.h"
#include "ops/view.h"

/* One work-group of up to 256 work-items, fewer for small inputs. */
static clgan_status one_group(clgan_ctx *ctx, enum clgan_kid id, size_t items, size_t *l)
{
    size_t want = 1;
    while (want < items && want < 256)
        want *= 2;
    return clgan_ops_elt_group_size(ctx, id, want, sizeof(float), l);
}

/* An optional output: whether it is there, its buffer or (absent) x's, which the kernel never
 * touches, and its element offset. */
static int has(const struct clgan_tensor *t)
{
    return !clgan_ops_view_absent(t);
}

static cl_mem mem_or(const struct clgan_tensor *t, const struct clgan_tensor *x)
{
    return has(t) ? t->mem : x->mem;
}

static uint64_t off_of(const struct clgan_tensor *t)
{
    return t ? (uint64_t)t->off : 0;
}

/* An optional scalar output: one element. */
static struct clgan_ops_view_arg scalar_arg(const char *name, const struct clgan_tensor *t)
{
    return clgan_ops_view_opt(clgan_ops_view_count(name, t, 1));
}

clgan_status clgan_ops_loss_bce_logits(clgan_ctx *ctx, float target, float scale,
                                       const struct clgan_tensor *x, const struct clgan_tensor *dx,
                                       float dx_beta, const struct clgan_tensor *loss,
                                       float loss_beta, const struct clgan_tensor *prob)
{
    const char *op = "bce_logits";
    clgan_status st = clgan_ops_view_check(ctx, op, "x", x);
    if (st != CLGAN_STATUS_OK)
        return st;
    size_t n = clgan_tensor_numel(x), l;
    const struct clgan_ops_view_arg a[] = {clgan_ops_view_opt(clgan_ops_view_count("dx", dx, n)),
                                           scalar_arg("loss", loss), scalar_arg("prob", prob)};
    if ((st = clgan_ops_view_check_args(ctx, op, a, CLGAN_OPS_NARGS(a))) != CLGAN_STATUS_OK)
        return st;
    if ((st = one_group(ctx, CLGAN_K(loss_bce_logits), n, &l)) != CLGAN_STATUS_OK)
        return st;
    return clgan_rt_launch(ctx, CLGAN_K(loss_bce_logits), 1, &l, &l, 0.0, "lfffmlimlfimlfimlL",
                           (uint64_t)n, (double)target, (double)scale, 1.0 / (double)n, x->mem,
                           (uint64_t)x->off, has(dx), mem_or(dx, x), off_of(dx), (double)dx_beta,
                           has(loss), mem_or(loss, x), off_of(loss), (double)loss_beta, has(prob),
                           mem_or(prob, x), off_of(prob), l * sizeof(float));
}

clgan_status clgan_ops_loss_sq(clgan_ctx *ctx, enum clgan_ops_sq kind, float scale, float dmax,
                               const struct clgan_tensor *x, const struct clgan_tensor *y,
                               const struct clgan_tensor *dx, float dx_beta,
                               const struct clgan_tensor *loss, float loss_beta)
{
    const char *op = "loss_sq";
    if (kind != CLGAN_OPS_SQ_MEAN && kind != CLGAN_OPS_SQ_HALF_SUM && kind != CLGAN_OPS_SQ_SUM)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT, "loss_sq: unknown kind %d",
                             (int)kind);
    clgan_status st = clgan_ops_view_check(ctx, op, "x", x);
    if (st != CLGAN_STATUS_OK)
        return st;
    size_t n = clgan_tensor_numel(x), l;
    const struct clgan_ops_view_arg a[] = {clgan_ops_view_count("y", y, n),
                                           clgan_ops_view_opt(clgan_ops_view_count("dx", dx, n)),
                                           scalar_arg("loss", loss)};
    if ((st = clgan_ops_view_check_args(ctx, op, a, CLGAN_OPS_NARGS(a))) != CLGAN_STATUS_OK)
        return st;
    double w = kind == CLGAN_OPS_SQ_MEAN       ? 1.0 / (double)n
               : kind == CLGAN_OPS_SQ_HALF_SUM ? 0.5
                                               : 1.0;
    if ((st = one_group(ctx, CLGAN_K(loss_sq), n, &l)) != CLGAN_STATUS_OK)
        return st;
    return clgan_rt_launch(ctx, CLGAN_K(loss_sq), 1, &l, &l, 0.0, "lffmlmlimlfimlfL", (uint64_t)n,
                           w * scale, (double)dmax, x->mem, (uint64_t)x->off, y->mem,
                           (uint64_t)y->off, has(dx), mem_or(dx, x), off_of(dx), (double)dx_beta,
                           has(loss), mem_or(loss, x), off_of(loss), (double)loss_beta,
                           l * sizeof(float));
}

clgan_status clgan_ops_loss_softmax_xent(clgan_ctx *ctx, float scale, const struct clgan_tensor *x,
                                         const struct clgan_tensor *t,
                                         const struct clgan_tensor *dx, float dx_beta,
                                         const struct clgan_tensor *loss, float loss_beta,
                                         const struct clgan_tensor *acc)
{
    const char *op = "softmax_xent";
    clgan_status st = clgan_ops_view_check(ctx, op, "x", x);
    if (st != CLGAN_STATUS_OK)
        return st;
    size_t rows = (size_t)x->n, cols = clgan_tensor_sample(x), l;
    if (cols > 0x7fffffffu)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "softmax_xent: bad shape %zu x %zu", rows, cols);
    const struct clgan_ops_view_arg a[] = {
        clgan_ops_view_rows("t", t, x->n, cols),
        clgan_ops_view_opt(clgan_ops_view_rows("dx", dx, x->n, cols)), scalar_arg("loss", loss),
        scalar_arg("acc", acc)};
    if ((st = clgan_ops_view_check_args(ctx, op, a, CLGAN_OPS_NARGS(a))) != CLGAN_STATUS_OK)
        return st;
    if ((st = one_group(ctx, CLGAN_K(loss_softmax_xent), rows, &l)) != CLGAN_STATUS_OK)
        return st;
    return clgan_rt_launch(ctx, CLGAN_K(loss_softmax_xent), 1, &l, &l, 0.0, "uuffmlmlimlfimlfimlL",
                           (unsigned)rows, (unsigned)cols, (double)scale, 1.0 / (double)rows,
                           x->mem, (uint64_t)x->off, t->mem, (uint64_t)t->off, has(dx),
                           mem_or(dx, x), off_of(dx), (double)dx_beta, has(loss), mem_or(loss, x),
                           off_of(loss), (double)loss_beta, has(acc), mem_or(acc, x), off_of(acc),
                           l * sizeof(float));
}

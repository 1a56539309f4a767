/* bn.c - batch normalisation (cl/bn.cl); see bn.h. */
#include "ops/bn.h"
#include "ops/elt.h"
#include "ops/view.h"

/* Work-group size for the per-channel kernels: enough work-items to cover a channel, at most
 * 256 (a power of two, within the device's and kernel's limits). CPUs run a group's work-items
 * one after another on one core: 32, each with a contiguous run, measured 2-4x faster than 256
 * on PoCL for dcgan32's layers. */
static clgan_status group_size(clgan_ctx *ctx, enum clgan_kid id, size_t m, size_t *out)
{
    size_t cap = ctx->info.kind == CLGAN_KIND_CPU ? 32 : 256, want = 1;
    while (want < m && want < cap)
        want *= 2;
    return clgan_ops_elt_group_size(ctx, id, want, sizeof(float), out);
}

/* The buffer and element offset of an optional view, or the fallback's when it is absent (an
 * unused kernel argument still needs a valid buffer). */
static cl_mem mem_or(const struct clgan_tensor *t, const struct clgan_tensor *fallback)
{
    return clgan_ops_view_absent(t) ? fallback->mem : t->mem;
}

static uint64_t off_of(const struct clgan_tensor *t)
{
    return t ? (uint64_t)t->off : 0;
}

/*
 * What every pass checks first: the settings, x (its shape is the call's: n, c, hw = h*w, which
 * the kernels count in 32 bits, with room for the stride), the fused activation, and the
 * parameters gamma and beta ([c] each).
 */
static clgan_status check_common(clgan_ctx *ctx, const struct clgan_ops_bn *bn, const char *op,
                                 const struct clgan_tensor *x)
{
    if (!bn)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT, "%s: no batch-norm settings", op);
    clgan_status st = clgan_ops_view_check(ctx, op, "x", x);
    if (st != CLGAN_STATUS_OK)
        return st;
    size_t m = 0, total = 0;
    if (!clgan_mul_ok((size_t)x->n, (size_t)x->h * (size_t)x->w, &m) || m > 0x7fffffffu ||
        !clgan_mul_ok(m, (size_t)x->c, &total))
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: bad shape n=%d c=%d h=%d w=%d (n*h*w must be below 2^31)", op,
                             x->n, x->c, x->h, x->w);
    if (bn->act != CLGAN_OPS_BN_ACT_NONE && bn->act != CLGAN_OPS_BN_ACT_RELU &&
        bn->act != CLGAN_OPS_BN_ACT_LRELU)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT, "%s: unknown fused activation %d",
                             op, (int)bn->act);
    if (bn->act == CLGAN_OPS_BN_ACT_LRELU && !(bn->act_slope >= 0.0f))
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: leaky ReLU slope %g must be >= 0", op, (double)bn->act_slope);
    size_t c = (size_t)x->c;
    const struct clgan_ops_view_arg a[] = {clgan_ops_view_count("gamma", &bn->gamma, c),
                                           clgan_ops_view_count("beta", &bn->beta, c)};
    return clgan_ops_view_check_args(ctx, op, a, CLGAN_OPS_NARGS(a));
}

/* A view of x's shape. */
static struct clgan_ops_view_arg like_x(const char *name, const struct clgan_tensor *t,
                                        const struct clgan_tensor *x)
{
    return clgan_ops_view_shape(name, t, x->n, x->c, x->h, x->w);
}

clgan_status clgan_ops_bn_fwd_train(clgan_ctx *ctx, const struct clgan_ops_bn *bn,
                                    const struct clgan_tensor *x, const struct clgan_tensor *y)
{
    const char *op = "bn_fwd_train";
    clgan_status st = check_common(ctx, bn, op, x);
    if (st != CLGAN_STATUS_OK)
        return st;
    size_t n = (size_t)x->n, c = (size_t)x->c, hw = (size_t)x->h * x->w, m = n * hw;
    if (m < 2)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "bn_fwd_train: one value per channel (n=%zu, hw=%zu); training batch "
                             "norm needs at least 2",
                             n, hw);
    const struct clgan_ops_view_arg a[] = {
        like_x("y", y, x), clgan_ops_view_opt(clgan_ops_view_count("run_mean", &bn->run_mean, c)),
        clgan_ops_view_opt(clgan_ops_view_count("run_var", &bn->run_var, c)),
        clgan_ops_view_count("save_mean", &bn->save_mean, c),
        clgan_ops_view_count("save_invstd", &bn->save_invstd, c)};
    if ((st = clgan_ops_view_check_args(ctx, op, a, CLGAN_OPS_NARGS(a))) != CLGAN_STATUS_OK)
        return st;
    int update = !clgan_ops_view_absent(&bn->run_mean) && !clgan_ops_view_absent(&bn->run_var);
    /* without an update the running statistics are never touched: pass x */
    cl_mem rm = update ? bn->run_mean.mem : x->mem, rv = update ? bn->run_var.mem : x->mem;
    if (ctx->info.kind == CLGAN_KIND_CPU) {
        size_t g = c, l1 = 1;
        return clgan_rt_launch(
            ctx, CLGAN_K(bn_fwd_train_cpu), 1, &g, &l1, 0.0, "uuufffiifmlmlmlmlmlmlmlml",
            (unsigned)n, (unsigned)c, (unsigned)hw, (double)bn->eps, (double)bn->momentum,
            (double)m / (double)(m - 1), update, (int)bn->act, (double)bn->act_slope, x->mem,
            (uint64_t)x->off, y->mem, (uint64_t)y->off, bn->gamma.mem, (uint64_t)bn->gamma.off,
            bn->beta.mem, (uint64_t)bn->beta.off, rm, (uint64_t)bn->run_mean.off, rv,
            (uint64_t)bn->run_var.off, bn->save_mean.mem, (uint64_t)bn->save_mean.off,
            bn->save_invstd.mem, (uint64_t)bn->save_invstd.off);
    }
    size_t l;
    if ((st = group_size(ctx, CLGAN_K(bn_fwd_train), m, &l)) != CLGAN_STATUS_OK)
        return st;
    size_t g = c * l;
    return clgan_rt_launch(
        ctx, CLGAN_K(bn_fwd_train), 1, &g, &l, 0.0, "uuufffiifmlmlmlmlmlmlmlmlL", (unsigned)n,
        (unsigned)c, (unsigned)hw, (double)bn->eps, (double)bn->momentum,
        (double)m / (double)(m - 1), update, (int)bn->act, (double)bn->act_slope, x->mem,
        (uint64_t)x->off, y->mem, (uint64_t)y->off, bn->gamma.mem, (uint64_t)bn->gamma.off,
        bn->beta.mem, (uint64_t)bn->beta.off, rm, (uint64_t)bn->run_mean.off, rv,
        (uint64_t)bn->run_var.off, bn->save_mean.mem, (uint64_t)bn->save_mean.off,
        bn->save_invstd.mem, (uint64_t)bn->save_invstd.off, l * sizeof(float));
}

clgan_status clgan_ops_bn_fwd_eval(clgan_ctx *ctx, const struct clgan_ops_bn *bn,
                                   const struct clgan_tensor *x, const struct clgan_tensor *y)
{
    const char *op = "bn_fwd_eval";
    clgan_status st = check_common(ctx, bn, op, x);
    if (st != CLGAN_STATUS_OK)
        return st;
    size_t c = (size_t)x->c, hw = (size_t)x->h * x->w;
    const struct clgan_ops_view_arg a[] = {like_x("y", y, x),
                                           clgan_ops_view_count("run_mean", &bn->run_mean, c),
                                           clgan_ops_view_count("run_var", &bn->run_var, c)};
    if ((st = clgan_ops_view_check_args(ctx, op, a, CLGAN_OPS_NARGS(a))) != CLGAN_STATUS_OK)
        return st;
    size_t total = clgan_tensor_numel(x);
    return clgan_rt_launch1d(ctx, CLGAN_K(bn_fwd_eval), total, "luufifmlmlmlmlmlml",
                             (uint64_t)total, (unsigned)c, (unsigned)hw, (double)bn->eps,
                             (int)bn->act, (double)bn->act_slope, x->mem, (uint64_t)x->off, y->mem,
                             (uint64_t)y->off, bn->gamma.mem, (uint64_t)bn->gamma.off, bn->beta.mem,
                             (uint64_t)bn->beta.off, bn->run_mean.mem, (uint64_t)bn->run_mean.off,
                             bn->run_var.mem, (uint64_t)bn->run_var.off);
}

clgan_status clgan_ops_bn_bwd(clgan_ctx *ctx, const struct clgan_ops_bn *bn,
                              const struct clgan_tensor *x, const struct clgan_tensor *dy,
                              const struct clgan_tensor *dx, const struct clgan_tensor *dgamma,
                              const struct clgan_tensor *dbeta, float gbeta)
{
    const char *op = "bn_bwd";
    clgan_status st = check_common(ctx, bn, op, x);
    if (st != CLGAN_STATUS_OK)
        return st;
    size_t n = (size_t)x->n, c = (size_t)x->c, hw = (size_t)x->h * x->w, m = n * hw, l;
    const struct clgan_ops_view_arg a[] = {
        like_x("dy", dy, x),
        clgan_ops_view_opt(like_x("dx", dx, x)),
        clgan_ops_view_opt(clgan_ops_view_count("dgamma", dgamma, c)),
        clgan_ops_view_opt(clgan_ops_view_count("dbeta", dbeta, c)),
        clgan_ops_view_count("save_mean", &bn->save_mean, c),
        clgan_ops_view_count("save_invstd", &bn->save_invstd, c)};
    if ((st = clgan_ops_view_check_args(ctx, op, a, CLGAN_OPS_NARGS(a))) != CLGAN_STATUS_OK)
        return st;
    int want_dx = !clgan_ops_view_absent(dx);
    int want_param = !clgan_ops_view_absent(dgamma) && !clgan_ops_view_absent(dbeta);
    if (!want_dx && !want_param)
        return CLGAN_STATUS_OK;
    int fused = bn->act != CLGAN_OPS_BN_ACT_NONE;
    if (fused && clgan_ops_view_absent(&bn->act_y))
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "bn_bwd: a fused activation needs the forward's output (act_y)");
    if (fused) {
        const struct clgan_ops_view_arg ay = like_x("act_y", &bn->act_y, x);
        if ((st = clgan_ops_view_check_args(ctx, op, &ay, 1)) != CLGAN_STATUS_OK)
            return st;
    }
    /* without an activation the output is never read: pass dy; absent gradients likewise */
    const struct clgan_tensor *ay = fused ? &bn->act_y : dy;
    cl_mem gx = mem_or(dx, dy), gg = want_param ? dgamma->mem : dy->mem,
           gb = want_param ? dbeta->mem : dy->mem;
    if (ctx->info.kind == CLGAN_KIND_CPU) {
        size_t g = c, l1 = 1;
        return clgan_rt_launch(
            ctx, CLGAN_K(bn_bwd_cpu), 1, &g, &l1, 0.0, "uuuiififmlmlmlmlmlmlmlmlml", (unsigned)n,
            (unsigned)c, (unsigned)hw, want_dx, want_param, (double)gbeta, (int)bn->act,
            (double)bn->act_slope, ay->mem, (uint64_t)ay->off, x->mem, (uint64_t)x->off, dy->mem,
            (uint64_t)dy->off, gx, off_of(dx), bn->gamma.mem, (uint64_t)bn->gamma.off,
            bn->save_mean.mem, (uint64_t)bn->save_mean.off, bn->save_invstd.mem,
            (uint64_t)bn->save_invstd.off, gg, off_of(dgamma), gb, off_of(dbeta));
    }
    if ((st = group_size(ctx, CLGAN_K(bn_bwd), m, &l)) != CLGAN_STATUS_OK)
        return st;
    size_t g = c * l;
    return clgan_rt_launch(
        ctx, CLGAN_K(bn_bwd), 1, &g, &l, 0.0, "uuuiififmlmlmlmlmlmlmlmlmlL", (unsigned)n,
        (unsigned)c, (unsigned)hw, want_dx, want_param, (double)gbeta, (int)bn->act,
        (double)bn->act_slope, ay->mem, (uint64_t)ay->off, x->mem, (uint64_t)x->off, dy->mem,
        (uint64_t)dy->off, gx, off_of(dx), bn->gamma.mem, (uint64_t)bn->gamma.off,
        bn->save_mean.mem, (uint64_t)bn->save_mean.off, bn->save_invstd.mem,
        (uint64_t)bn->save_invstd.off, gg, off_of(dgamma), gb, off_of(dbeta), l * sizeof(float));
}

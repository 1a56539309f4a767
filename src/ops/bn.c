/* bn.c - batch normalisation (cl/bn.cl); see bn.h. */
#include "ops/bn.h"
#include "ops/elt.h"

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

/* The kernels count a channel's elements in 32 bits (with room for the stride). */
static clgan_status check_shape(clgan_ctx *ctx, const struct clgan_ops_bn *bn, const char *op)
{
    size_t m = 0, total = 0;
    if (!bn || bn->n == 0 || bn->c == 0 || bn->hw == 0 || !clgan_mul_ok(bn->n, bn->hw, &m) ||
        m > 0x7fffffffu || bn->c > 0x7fffffffu || !clgan_mul_ok(m, bn->c, &total))
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT, "%s: bad shape n=%zu c=%zu hw=%zu",
                             op, bn ? bn->n : 0, bn ? bn->c : 0, bn ? bn->hw : 0);
    if (!bn->gamma || !bn->beta)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT, "%s: no gamma or beta buffer", op);
    if (bn->act != CLGAN_OPS_BN_ACT_NONE && bn->act != CLGAN_OPS_BN_ACT_RELU &&
        bn->act != CLGAN_OPS_BN_ACT_LRELU)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT, "%s: unknown fused activation %d",
                             op, (int)bn->act);
    if (bn->act == CLGAN_OPS_BN_ACT_LRELU && !(bn->act_slope >= 0.0f))
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: leaky ReLU slope %g must be >= 0", op, (double)bn->act_slope);
    return CLGAN_STATUS_OK;
}

clgan_status clgan_ops_bn_fwd_train(clgan_ctx *ctx, const struct clgan_ops_bn *bn, cl_mem x,
                                    size_t x_off, cl_mem y, size_t y_off)
{
    clgan_status st = check_shape(ctx, bn, "bn_fwd_train");
    if (st != CLGAN_STATUS_OK)
        return st;
    size_t m = bn->n * bn->hw;
    if (m < 2)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "bn_fwd_train: one value per channel (n=%zu, hw=%zu); training batch "
                             "norm needs at least 2",
                             bn->n, bn->hw);
    if (!bn->save_mean || !bn->save_invstd)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "bn_fwd_train: no buffers for the saved statistics");
    int update = bn->run_mean && bn->run_var;
    if (ctx->info.kind == CLGAN_KIND_CPU) {
        size_t g = bn->c, l1 = 1;
        return clgan_rt_launch(
            ctx, CLGAN_K(bn_fwd_train_cpu), 1, &g, &l1, 0.0, "uuufffiifmlmlmlmlmlmlmlml",
            (unsigned)bn->n, (unsigned)bn->c, (unsigned)bn->hw, (double)bn->eps,
            (double)bn->momentum, (double)m / (double)(m - 1), update, (int)bn->act,
            (double)bn->act_slope, x, (uint64_t)x_off, y, (uint64_t)y_off, bn->gamma,
            (uint64_t)bn->gamma_off, bn->beta, (uint64_t)bn->beta_off, update ? bn->run_mean : x,
            (uint64_t)bn->run_mean_off, update ? bn->run_var : x, (uint64_t)bn->run_var_off,
            bn->save_mean, (uint64_t)bn->save_mean_off, bn->save_invstd,
            (uint64_t)bn->save_invstd_off);
    }
    size_t l;
    if ((st = group_size(ctx, CLGAN_K(bn_fwd_train), m, &l)) != CLGAN_STATUS_OK)
        return st;
    size_t g = bn->c * l;
    /* unused buffer arguments still need a valid object: pass x */
    return clgan_rt_launch(ctx, CLGAN_K(bn_fwd_train), 1, &g, &l, 0.0, "uuufffiifmlmlmlmlmlmlmlmlL",
                           (unsigned)bn->n, (unsigned)bn->c, (unsigned)bn->hw, (double)bn->eps,
                           (double)bn->momentum, (double)m / (double)(m - 1), update, (int)bn->act,
                           (double)bn->act_slope, x, (uint64_t)x_off, y, (uint64_t)y_off, bn->gamma,
                           (uint64_t)bn->gamma_off, bn->beta, (uint64_t)bn->beta_off,
                           update ? bn->run_mean : x, (uint64_t)bn->run_mean_off,
                           update ? bn->run_var : x, (uint64_t)bn->run_var_off, bn->save_mean,
                           (uint64_t)bn->save_mean_off, bn->save_invstd,
                           (uint64_t)bn->save_invstd_off, l * sizeof(float));
}

clgan_status clgan_ops_bn_fwd_eval(clgan_ctx *ctx, const struct clgan_ops_bn *bn, cl_mem x,
                                   size_t x_off, cl_mem y, size_t y_off)
{
    clgan_status st = check_shape(ctx, bn, "bn_fwd_eval");
    if (st != CLGAN_STATUS_OK)
        return st;
    if (!bn->run_mean || !bn->run_var)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "bn_fwd_eval: no running statistics");
    size_t total = bn->n * bn->c * bn->hw;
    return clgan_rt_launch1d(
        ctx, CLGAN_K(bn_fwd_eval), total, "luufifmlmlmlmlmlml", (uint64_t)total, (unsigned)bn->c,
        (unsigned)bn->hw, (double)bn->eps, (int)bn->act, (double)bn->act_slope, x, (uint64_t)x_off,
        y, (uint64_t)y_off, bn->gamma, (uint64_t)bn->gamma_off, bn->beta, (uint64_t)bn->beta_off,
        bn->run_mean, (uint64_t)bn->run_mean_off, bn->run_var, (uint64_t)bn->run_var_off);
}

clgan_status clgan_ops_bn_bwd(clgan_ctx *ctx, const struct clgan_ops_bn *bn, cl_mem x, size_t x_off,
                              cl_mem dy, size_t dy_off, cl_mem dx, size_t dx_off, cl_mem dgamma,
                              size_t dgamma_off, cl_mem dbeta, size_t dbeta_off, float gbeta)
{
    clgan_status st = check_shape(ctx, bn, "bn_bwd");
    if (st != CLGAN_STATUS_OK)
        return st;
    if (!bn->save_mean || !bn->save_invstd)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT, "bn_bwd: no saved statistics");
    int want_dx = dx != NULL, want_param = dgamma != NULL && dbeta != NULL;
    if (!want_dx && !want_param)
        return CLGAN_STATUS_OK;
    if (bn->act != CLGAN_OPS_BN_ACT_NONE && !bn->act_y)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "bn_bwd: a fused activation needs the forward's output (act_y)");
    /* without an activation the output is never read: pass dy */
    cl_mem ay = bn->act != CLGAN_OPS_BN_ACT_NONE ? bn->act_y : dy;
    size_t ay_off = bn->act != CLGAN_OPS_BN_ACT_NONE ? bn->act_y_off : dy_off;
    size_t m = bn->n * bn->hw, l;
    if (ctx->info.kind == CLGAN_KIND_CPU) {
        size_t g = bn->c, l1 = 1;
        return clgan_rt_launch(
            ctx, CLGAN_K(bn_bwd_cpu), 1, &g, &l1, 0.0, "uuuiififmlmlmlmlmlmlmlmlml",
            (unsigned)bn->n, (unsigned)bn->c, (unsigned)bn->hw, want_dx, want_param, (double)gbeta,
            (int)bn->act, (double)bn->act_slope, ay, (uint64_t)ay_off, x, (uint64_t)x_off, dy,
            (uint64_t)dy_off, want_dx ? dx : dy, (uint64_t)dx_off, bn->gamma,
            (uint64_t)bn->gamma_off, bn->save_mean, (uint64_t)bn->save_mean_off, bn->save_invstd,
            (uint64_t)bn->save_invstd_off, want_param ? dgamma : dy, (uint64_t)dgamma_off,
            want_param ? dbeta : dy, (uint64_t)dbeta_off);
    }
    if ((st = group_size(ctx, CLGAN_K(bn_bwd), m, &l)) != CLGAN_STATUS_OK)
        return st;
    size_t g = bn->c * l;
    return clgan_rt_launch(
        ctx, CLGAN_K(bn_bwd), 1, &g, &l, 0.0, "uuuiififmlmlmlmlmlmlmlmlmlL", (unsigned)bn->n,
        (unsigned)bn->c, (unsigned)bn->hw, want_dx, want_param, (double)gbeta, (int)bn->act,
        (double)bn->act_slope, ay, (uint64_t)ay_off, x, (uint64_t)x_off, dy, (uint64_t)dy_off,
        want_dx ? dx : dy, (uint64_t)dx_off, bn->gamma, (uint64_t)bn->gamma_off, bn->save_mean,
        (uint64_t)bn->save_mean_off, bn->save_invstd, (uint64_t)bn->save_invstd_off,
        want_param ? dgamma : dy, (uint64_t)dgamma_off, want_param ? dbeta : dy,
        (uint64_t)dbeta_off, l * sizeof(float));
}

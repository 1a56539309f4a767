/* bnsync.c - batch normalisation with its sums added across processes (cl/bnsync.cl); see
 * bnsync.h. */
#include "ops/bnsync.h"
#include <string.h>

#include "ops/elt.h"

/* One work-group per channel: a power of two covering the channel's elements, at most 256. */
static clgan_status group_size(clgan_ctx *ctx, enum clgan_kid id, size_t m, size_t *out)
{
    size_t want = 1;
    while (want < m && want < 256)
        want *= 2;
    return clgan_ops_elt_group_size(ctx, id, want, sizeof(float), out);
}

static clgan_status check(clgan_ctx *ctx, const struct clgan_ops_bnsync_desc *bn, const char *op)
{
    size_t m = 0, total = 0;
    if (!bn || bn->n == 0 || bn->c == 0 || bn->hw == 0 || !clgan_mul_ok(bn->n, bn->hw, &m) ||
        m > 0x7fffffffu || bn->c > 0x7fffffffu || !clgan_mul_ok(m, bn->c, &total))
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT, "%s: bad shape n=%zu c=%zu hw=%zu",
                             op, bn ? bn->n : 0, bn ? bn->c : 0, bn ? bn->hw : 0);
    if (!bn->gamma || !bn->beta || !bn->save_mean || !bn->save_invstd)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: no gamma, beta or saved-statistics buffer", op);
    if (bn->act != CLGAN_OPS_BN_ACT_NONE && !bn->act_y && !strcmp(op, "bnsync_bwd"))
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: a fused activation needs the forward's output (act_y)", op);
    return CLGAN_STATUS_OK;
}

clgan_status clgan_ops_bnsync_sums(clgan_ctx *ctx, const struct clgan_ops_bnsync_desc *bn, int pass,
                                   double count, cl_mem x, size_t x_off, cl_mem sums,
                                   size_t sums_off)
{
    clgan_status st = check(ctx, bn, "bnsync_sums");
    size_t l, m = bn ? bn->n * bn->hw : 0;
    if (st == CLGAN_STATUS_OK)
        st = group_size(ctx, CLGAN_K(bnsync_sums), m, &l);
    if (st != CLGAN_STATUS_OK)
        return st;
    size_t g = bn->c * l;
    return clgan_rt_launch(ctx, CLGAN_K(bnsync_sums), 1, &g, &l, 0.0, "uuuifmlmlL", (unsigned)bn->n,
                           (unsigned)bn->c, (unsigned)bn->hw, pass, count, x, (uint64_t)x_off, sums,
                           (uint64_t)sums_off, l * sizeof(float));
}

clgan_status clgan_ops_bnsync_stats(clgan_ctx *ctx, const struct clgan_ops_bnsync_desc *bn,
                                    double count, cl_mem sums, size_t sums_off)
{
    clgan_status st = check(ctx, bn, "bnsync_stats");
    if (st != CLGAN_STATUS_OK)
        return st;
    if (!(count >= 2))
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "bnsync_stats: %g values per channel; training batch norm needs at "
                             "least 2",
                             count);
    int update = bn->run_mean && bn->run_var;
    return clgan_rt_launch1d(ctx, CLGAN_K(bnsync_stats), bn->c, "uffffimlmlmlmlml", (unsigned)bn->c,
                             count, (double)bn->eps, (double)bn->momentum, count / (count - 1),
                             update, sums, (uint64_t)sums_off, update ? bn->run_mean : sums,
                             (uint64_t)bn->run_mean_off, update ? bn->run_var : sums,
                             (uint64_t)bn->run_var_off, bn->save_mean, (uint64_t)bn->save_mean_off,
                             bn->save_invstd, (uint64_t)bn->save_invstd_off);
}

clgan_status clgan_ops_bnsync_apply(clgan_ctx *ctx, const struct clgan_ops_bnsync_desc *bn,
                                    cl_mem x, size_t x_off, cl_mem y, size_t y_off)
{
    clgan_status st = check(ctx, bn, "bnsync_apply");
    if (st != CLGAN_STATUS_OK)
        return st;
    size_t total = bn->n * bn->c * bn->hw;
    return clgan_rt_launch1d(
        ctx, CLGAN_K(bnsync_apply), total, "luuifmlmlmlmlmlml", (uint64_t)total, (unsigned)bn->c,
        (unsigned)bn->hw, (int)bn->act, (double)bn->act_slope, x, (uint64_t)x_off, y,
        (uint64_t)y_off, bn->gamma, (uint64_t)bn->gamma_off, bn->beta, (uint64_t)bn->beta_off,
        bn->save_mean, (uint64_t)bn->save_mean_off, bn->save_invstd, (uint64_t)bn->save_invstd_off);
}

/* Without an activation the forward's output is never read: dy stands in for it. */
static void act_out(const struct clgan_ops_bnsync_desc *bn, cl_mem dy, size_t dy_off, cl_mem *ay,
                    size_t *ay_off)
{
    int a = bn->act != CLGAN_OPS_BN_ACT_NONE;
    *ay = a ? bn->act_y : dy;
    *ay_off = a ? bn->act_y_off : dy_off;
}

clgan_status clgan_ops_bnsync_bwd_sums(clgan_ctx *ctx, const struct clgan_ops_bnsync_desc *bn,
                                       cl_mem x, size_t x_off, cl_mem dy, size_t dy_off,
                                       cl_mem dgamma, size_t dgamma_off, cl_mem dbeta,
                                       size_t dbeta_off, float gbeta, cl_mem sums, size_t sums_off)
{
    clgan_status st = check(ctx, bn, "bnsync_bwd");
    size_t l, m = bn ? bn->n * bn->hw : 0;
    if (st == CLGAN_STATUS_OK)
        st = group_size(ctx, CLGAN_K(bnsync_bwd_sums), m, &l);
    if (st != CLGAN_STATUS_OK)
        return st;
    int want_param = dgamma && dbeta;
    cl_mem ay;
    size_t ay_off, g = bn->c * l;
    act_out(bn, dy, dy_off, &ay, &ay_off);
    return clgan_rt_launch(
        ctx, CLGAN_K(bnsync_bwd_sums), 1, &g, &l, 0.0, "uuuififmlmlmlmlmlmlmlmlL", (unsigned)bn->n,
        (unsigned)bn->c, (unsigned)bn->hw, want_param, (double)gbeta, (int)bn->act,
        (double)bn->act_slope, ay, (uint64_t)ay_off, x, (uint64_t)x_off, dy, (uint64_t)dy_off,
        bn->save_mean, (uint64_t)bn->save_mean_off, bn->save_invstd, (uint64_t)bn->save_invstd_off,
        want_param ? dgamma : sums, (uint64_t)dgamma_off, want_param ? dbeta : sums,
        (uint64_t)dbeta_off, sums, (uint64_t)sums_off, l * sizeof(float));
}

clgan_status clgan_ops_bnsync_bwd_apply(clgan_ctx *ctx, const struct clgan_ops_bnsync_desc *bn,
                                        double count, cl_mem x, size_t x_off, cl_mem dy,
                                        size_t dy_off, cl_mem dx, size_t dx_off, cl_mem sums,
                                        size_t sums_off)
{
    clgan_status st = check(ctx, bn, "bnsync_bwd");
    if (st != CLGAN_STATUS_OK)
        return st;
    cl_mem ay;
    size_t ay_off, total = bn->n * bn->c * bn->hw;
    act_out(bn, dy, dy_off, &ay, &ay_off);
    return clgan_rt_launch1d(
        ctx, CLGAN_K(bnsync_bwd_apply), total, "luufifmlmlmlmlmlmlmlml", (uint64_t)total,
        (unsigned)bn->c, (unsigned)bn->hw, count, (int)bn->act, (double)bn->act_slope, ay,
        (uint64_t)ay_off, x, (uint64_t)x_off, dy, (uint64_t)dy_off, dx, (uint64_t)dx_off, bn->gamma,
        (uint64_t)bn->gamma_off, bn->save_mean, (uint64_t)bn->save_mean_off, bn->save_invstd,
        (uint64_t)bn->save_invstd_off, sums, (uint64_t)sums_off);
}

struct clgan_ops_bnsync_desc clgan_ops_bnsync_desc_of(const struct clgan_ops_bn *bn,
                                                      const struct clgan_tensor *x)
{
    struct clgan_ops_bnsync_desc d = {
        .n = (size_t)x->n,
        .c = (size_t)x->c,
        .hw = (size_t)x->h * (size_t)x->w,
        .eps = bn->eps,
        .momentum = bn->momentum,
        .gamma = bn->gamma.mem,
        .gamma_off = bn->gamma.off,
        .beta = bn->beta.mem,
        .beta_off = bn->beta.off,
        .run_mean = bn->run_mean.mem,
        .run_mean_off = bn->run_mean.off,
        .run_var = bn->run_var.mem,
        .run_var_off = bn->run_var.off,
        .save_mean = bn->save_mean.mem,
        .save_mean_off = bn->save_mean.off,
        .save_invstd = bn->save_invstd.mem,
        .save_invstd_off = bn->save_invstd.off,
        .act = bn->act,
        .act_slope = bn->act_slope,
        .act_y = bn->act_y.mem,
        .act_y_off = bn->act_y.off,
    };
    return d;
}

static clgan_status reduce(clgan_ctx *ctx, const struct clgan_ops_bn_sync *sync, size_t off,
                           size_t n)
{
    return sync->reduce(sync->user, ctx, sync->sums, sync->sums_off + off, n);
}

clgan_status clgan_ops_bnsync_fwd_train(clgan_ctx *ctx, const struct clgan_ops_bnsync_desc *bn,
                                        const struct clgan_ops_bn_sync *sync, cl_mem x,
                                        size_t x_off, cl_mem y, size_t y_off)
{
    if (!sync || !sync->reduce || !sync->sums || sync->world < 1)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT, "bnsync: no reduction set");
    double count = (double)bn->n * (double)bn->hw * sync->world;
    clgan_status st =
        clgan_ops_bnsync_sums(ctx, bn, 0, count, x, x_off, sync->sums, sync->sums_off);
    if (st == CLGAN_STATUS_OK)
        st = reduce(ctx, sync, 0, bn->c);
    if (st == CLGAN_STATUS_OK)
        st = clgan_ops_bnsync_sums(ctx, bn, 1, count, x, x_off, sync->sums, sync->sums_off);
    if (st == CLGAN_STATUS_OK)
        st = reduce(ctx, sync, bn->c, bn->c);
    if (st == CLGAN_STATUS_OK)
        st = clgan_ops_bnsync_stats(ctx, bn, count, sync->sums, sync->sums_off);
    if (st == CLGAN_STATUS_OK)
        st = clgan_ops_bnsync_apply(ctx, bn, x, x_off, y, y_off);
    return st;
}

clgan_status clgan_ops_bnsync_bwd(clgan_ctx *ctx, const struct clgan_ops_bnsync_desc *bn,
                                  const struct clgan_ops_bn_sync *sync, cl_mem x, size_t x_off,
                                  cl_mem dy, size_t dy_off, cl_mem dx, size_t dx_off, cl_mem dgamma,
                                  size_t dgamma_off, cl_mem dbeta, size_t dbeta_off, float gbeta)
{
    if (!sync || !sync->reduce || !sync->sums || sync->world < 1)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT, "bnsync: no reduction set");
    if (!dx && !(dgamma && dbeta))
        return CLGAN_STATUS_OK;
    double count = (double)bn->n * (double)bn->hw * sync->world;
    clgan_status st =
        clgan_ops_bnsync_bwd_sums(ctx, bn, x, x_off, dy, dy_off, dgamma, dgamma_off, dbeta,
                                  dbeta_off, gbeta, sync->sums, sync->sums_off);
    if (st != CLGAN_STATUS_OK || !dx)
        return st;
    st = reduce(ctx, sync, 0, 2 * bn->c);
    if (st == CLGAN_STATUS_OK)
        st = clgan_ops_bnsync_bwd_apply(ctx, bn, count, x, x_off, dy, dy_off, dx, dx_off,
                                        sync->sums, sync->sums_off);
    return st;
}

/* elt.c - element-wise helpers and reductions (cl/elt.cl); see elt.h. */
#include "ops/elt.h"

clgan_status clgan_ops_elt_group_size(clgan_ctx *ctx, enum clgan_kid id, size_t want,
                                      size_t local_bytes_per_item, size_t *out)
{
    cl_kernel k;
    clgan_status st = clgan_rt_kernel_get(ctx, id, &k);
    if (st != CLGAN_STATUS_OK)
        return st;
    size_t kmax = 0, dims[3] = {0, 0, 0};
    st = CLG_CL(ctx, clGetKernelWorkGroupInfo(k, ctx->device, CL_KERNEL_WORK_GROUP_SIZE,
                                              sizeof(kmax), &kmax, NULL));
    if (st == CLGAN_STATUS_OK)
        st = CLG_CL(ctx, clGetDeviceInfo(ctx->device, CL_DEVICE_MAX_WORK_ITEM_SIZES, sizeof(dims),
                                         dims, NULL));
    if (st != CLGAN_STATUS_OK)
        return st;
    size_t lim = want;
    if (kmax && kmax < lim)
        lim = kmax;
    if (ctx->info.max_work_group && ctx->info.max_work_group < lim)
        lim = ctx->info.max_work_group;
    if (dims[0] && dims[0] < lim)
        lim = dims[0];
    size_t l = 1;
    while (l * 2 <= lim)
        l *= 2;
    /* Half of the local memory at most, leaving room for the implementation's own use. The size
     * must not depend on earlier launches (CL_KERNEL_LOCAL_MEM_SIZE counts the local arguments
     * last set), or the reduction order, and so the bits, would change between calls. */
    while (l > 1 && ctx->info.local_mem && l * local_bytes_per_item > ctx->info.local_mem / 2)
        l /= 2;
    *out = l;
    return CLGAN_STATUS_OK;
}

clgan_status clgan_ops_elt_fill(clgan_ctx *ctx, size_t n, float value, cl_mem y, size_t y_off)
{
    return clgan_rt_launch1d(ctx, CLGAN_K(elt_fill), n, "lfml", (uint64_t)n, (double)value, y,
                             (uint64_t)y_off);
}

clgan_status clgan_ops_elt_copy(clgan_ctx *ctx, size_t n, cl_mem x, size_t x_off, cl_mem y,
                                size_t y_off)
{
    return clgan_rt_launch1d(ctx, CLGAN_K(elt_copy), n, "lmlml", (uint64_t)n, x, (uint64_t)x_off, y,
                             (uint64_t)y_off);
}

clgan_status clgan_ops_elt_scale(clgan_ctx *ctx, size_t n, float a, cl_mem x, size_t x_off,
                                 cl_mem y, size_t y_off)
{
    return clgan_rt_launch1d(ctx, CLGAN_K(elt_scale), n, "lfmlml", (uint64_t)n, (double)a, x,
                             (uint64_t)x_off, y, (uint64_t)y_off);
}

clgan_status clgan_ops_elt_axpy(clgan_ctx *ctx, size_t n, float a, cl_mem x, size_t x_off, cl_mem y,
                                size_t y_off)
{
    return clgan_rt_launch1d(ctx, CLGAN_K(elt_axpy), n, "lfmlml", (uint64_t)n, (double)a, x,
                             (uint64_t)x_off, y, (uint64_t)y_off);
}

clgan_status clgan_ops_elt_add(clgan_ctx *ctx, size_t n, cl_mem x, size_t x_off, cl_mem y,
                               size_t y_off, cl_mem z, size_t z_off)
{
    return clgan_rt_launch1d(ctx, CLGAN_K(elt_add), n, "lmlmlml", (uint64_t)n, x, (uint64_t)x_off,
                             y, (uint64_t)y_off, z, (uint64_t)z_off);
}

size_t clgan_ops_elt_sum_workspace(size_t n)
{
    (void)n;
    return CLGAN_OPS_ELT_SUM_GROUPS;
}

static clgan_status sum_scaled(clgan_ctx *ctx, size_t n, cl_mem x, size_t x_off, cl_mem ws,
                               size_t ws_off, float mul, float beta, cl_mem out, size_t out_off)
{
    size_t l1, l2;
    clgan_status st = clgan_ops_elt_group_size(ctx, CLGAN_K(elt_sum_part), 256, sizeof(float), &l1);
    if (st == CLGAN_STATUS_OK)
        st = clgan_ops_elt_group_size(ctx, CLGAN_K(elt_sum_final), 64, sizeof(float), &l2);
    if (st != CLGAN_STATUS_OK)
        return st;
    size_t groups = (n + l1 - 1) / l1;
    if (groups > CLGAN_OPS_ELT_SUM_GROUPS)
        groups = CLGAN_OPS_ELT_SUM_GROUPS;
    if (groups == 0)
        groups = 1;
    size_t g1 = groups * l1;
    st = clgan_rt_launch(ctx, CLGAN_K(elt_sum_part), 1, &g1, &l1, 0.0, "lmlmlL", (uint64_t)n, x,
                         (uint64_t)x_off, ws, (uint64_t)ws_off, l1 * sizeof(float));
    if (st != CLGAN_STATUS_OK)
        return st;
    return clgan_rt_launch(ctx, CLGAN_K(elt_sum_final), 1, &l2, &l2, 0.0, "umlffmlL",
                           (unsigned)groups, ws, (uint64_t)ws_off, (double)mul, (double)beta, out,
                           (uint64_t)out_off, l2 * sizeof(float));
}

clgan_status clgan_ops_elt_sum(clgan_ctx *ctx, size_t n, cl_mem x, size_t x_off, cl_mem ws,
                               size_t ws_off, float beta, cl_mem out, size_t out_off)
{
    return sum_scaled(ctx, n, x, x_off, ws, ws_off, 1.0f, beta, out, out_off);
}

clgan_status clgan_ops_elt_mean(clgan_ctx *ctx, size_t n, cl_mem x, size_t x_off, cl_mem ws,
                                size_t ws_off, float beta, cl_mem out, size_t out_off)
{
    if (n == 0)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT, "mean of 0 elements");
    return sum_scaled(ctx, n, x, x_off, ws, ws_off, (float)(1.0 / (double)n), beta, out, out_off);
}

clgan_status clgan_ops_elt_finite(clgan_ctx *ctx, size_t n, cl_mem x, size_t x_off, int accumulate,
                                  cl_mem flag, size_t flag_off)
{
    clgan_status st = CLGAN_STATUS_OK;
    if (!accumulate)
        st = clgan_ops_elt_fill(ctx, 1, 0.0f, flag, flag_off);
    if (st != CLGAN_STATUS_OK)
        return st;
    return clgan_rt_launch1d(ctx, CLGAN_K(elt_finite), n, "lmlml", (uint64_t)n, x, (uint64_t)x_off,
                             flag, (uint64_t)flag_off);
}

/* Rows (or columns) placed before the source: padding when positive, crop when negative. */
static int centre_offset(size_t dst, size_t src)
{
    return dst >= src ? (int)((dst - src) / 2) : -(int)((src - dst) / 2);
}

clgan_status clgan_ops_elt_gather_u8(clgan_ctx *ctx, const struct clgan_ops_u8_set *set, cl_mem idx,
                                     size_t idx_off, size_t n, size_t hd, size_t wd, float scale,
                                     float shift, cl_mem out, size_t out_off)
{
    size_t total;
    if (!set || set->c == 0 || set->hs == 0 || set->ws == 0 || hd == 0 || wd == 0 ||
        set->hs > 65536 || set->ws > 65536 || hd > 65536 || wd > 65536 || set->c > 65536 ||
        !clgan_mul_ok(n, set->c * hd * wd, &total))
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "gather_u8: bad shape (c=%zu hs=%zu ws=%zu -> hd=%zu wd=%zu, n=%zu)",
                             set ? set->c : 0, set ? set->hs : 0, set ? set->ws : 0, hd, wd, n);
    return clgan_rt_launch1d(ctx, CLGAN_K(elt_gather_u8), total, "lmlluuumluuiiffml",
                             (uint64_t)total, set->data, (uint64_t)set->data_off,
                             (uint64_t)set->count, (unsigned)set->c, (unsigned)set->hs,
                             (unsigned)set->ws, idx, (uint64_t)idx_off, (unsigned)hd, (unsigned)wd,
                             centre_offset(hd, set->hs), centre_offset(wd, set->ws), (double)scale,
                             (double)shift, out, (uint64_t)out_off);
}

clgan_status clgan_ops_elt_gather_labels(clgan_ctx *ctx, cl_mem labels, size_t count, cl_mem idx,
                                         size_t idx_off, size_t n, cl_mem out, size_t out_off)
{
    if (!labels || !idx || !out)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT, "gather_labels: NULL buffer");
    return clgan_rt_launch1d(ctx, CLGAN_K(elt_gather_labels), n, "lmlmlml", (uint64_t)n, labels,
                             (uint64_t)count, idx, (uint64_t)idx_off, out, (uint64_t)out_off);
}

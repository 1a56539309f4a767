/* loss.c - losses (cl/loss.cl); see loss.h. */
#include "ops/loss.h"
#include "ops/elt.h"

/* One work-group of up to 256 work-items, fewer for small inputs. */
static clgan_status one_group(clgan_ctx *ctx, enum clgan_kid id, size_t items, size_t *l)
{
    size_t want = 1;
    while (want < items && want < 256)
        want *= 2;
    return clgan_ops_elt_group_size(ctx, id, want, sizeof(float), l);
}

clgan_status clgan_ops_loss_bce_logits(clgan_ctx *ctx, size_t n, float target, float scale,
                                       cl_mem x, size_t x_off, cl_mem dx, size_t dx_off,
                                       float dx_beta, cl_mem loss, size_t loss_off, float loss_beta,
                                       cl_mem prob, size_t prob_off)
{
    if (n == 0)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT, "bce_logits: empty batch");
    size_t l;
    clgan_status st = one_group(ctx, CLGAN_K(loss_bce_logits), n, &l);
    if (st != CLGAN_STATUS_OK)
        return st;
    /* absent outputs get a valid buffer that the kernel never touches */
    return clgan_rt_launch(
        ctx, CLGAN_K(loss_bce_logits), 1, &l, &l, 0.0, "lfffmlimlfimlfimlL", (uint64_t)n,
        (double)target, (double)scale, 1.0 / (double)n, x, (uint64_t)x_off, dx != NULL, dx ? dx : x,
        (uint64_t)dx_off, (double)dx_beta, loss != NULL, loss ? loss : x, (uint64_t)loss_off,
        (double)loss_beta, prob != NULL, prob ? prob : x, (uint64_t)prob_off, l * sizeof(float));
}

clgan_status clgan_ops_loss_sq(clgan_ctx *ctx, enum clgan_ops_sq kind, size_t n, float scale,
                               float dmax, cl_mem x, size_t x_off, cl_mem y, size_t y_off,
                               cl_mem dx, size_t dx_off, float dx_beta, cl_mem loss,
                               size_t loss_off, float loss_beta)
{
    double w;
    switch (kind) {
    case CLGAN_OPS_SQ_MEAN:
        w = n ? 1.0 / (double)n : 0.0;
        break;
    case CLGAN_OPS_SQ_HALF_SUM:
        w = 0.5;
        break;
    case CLGAN_OPS_SQ_SUM:
        w = 1.0;
        break;
    default:
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT, "loss_sq: unknown kind %d",
                             (int)kind);
    }
    if (n == 0)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT, "loss_sq: no elements");
    size_t l;
    clgan_status st = one_group(ctx, CLGAN_K(loss_sq), n, &l);
    if (st != CLGAN_STATUS_OK)
        return st;
    return clgan_rt_launch(ctx, CLGAN_K(loss_sq), 1, &l, &l, 0.0, "lffmlmlimlfimlfL", (uint64_t)n,
                           w * scale, (double)dmax, x, (uint64_t)x_off, y, (uint64_t)y_off,
                           dx != NULL, dx ? dx : x, (uint64_t)dx_off, (double)dx_beta, loss != NULL,
                           loss ? loss : x, (uint64_t)loss_off, (double)loss_beta,
                           l * sizeof(float));
}

clgan_status clgan_ops_loss_softmax_xent(clgan_ctx *ctx, size_t rows, size_t cols, float scale,
                                         cl_mem x, size_t x_off, cl_mem t, size_t t_off, cl_mem dx,
                                         size_t dx_off, float dx_beta, cl_mem loss, size_t loss_off,
                                         float loss_beta, cl_mem acc, size_t acc_off)
{
    if (rows == 0 || cols == 0 || rows > 0x7fffffffu || cols > 0x7fffffffu)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "softmax_xent: bad shape %zu x %zu", rows, cols);
    size_t l;
    clgan_status st = one_group(ctx, CLGAN_K(loss_softmax_xent), rows, &l);
    if (st != CLGAN_STATUS_OK)
        return st;
    return clgan_rt_launch(ctx, CLGAN_K(loss_softmax_xent), 1, &l, &l, 0.0, "uuffmlmlimlfimlfimlL",
                           (unsigned)rows, (unsigned)cols, (double)scale, 1.0 / (double)rows, x,
                           (uint64_t)x_off, t, (uint64_t)t_off, dx != NULL, dx ? dx : x,
                           (uint64_t)dx_off, (double)dx_beta, loss != NULL, loss ? loss : x,
                           (uint64_t)loss_off, (double)loss_beta, acc != NULL, acc ? acc : x,
                           (uint64_t)acc_off, l * sizeof(float));
}

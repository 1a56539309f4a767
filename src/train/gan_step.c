/*
 * gan_step.c - the step core: k D updates then one G update, all enqueued, nothing allocated and
 * nothing read back unless asked. Two hooks: where a batch's inputs are gathered (the shuffled
 * real images; labels come in here), and after a model's gradients are complete, before its
 * optimizer update. Also sampling from the run's G.
 *
 * Step (PyTorch's DCGAN example, with k D updates):
 *   for each of k:  real <- gather(data, perm); z <- N(0, 1); fake <- G(z)      (train mode)
 *                   D(real) -> BCE(real_label) -> backward (param grads)
 *                   D(fake) -> BCE(0)          -> backward (param grads accumulated); Adam(D)
 *   G update:       D(fake) of the last fake -> BCE(1) (ns) or -BCE(0) (minimax)
 *                   -> backward through D (input grad only) -> backward through G; Adam(G)
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "train/gan.h"

clgan_status clgan_gan_fail(clgan_gan *g, clgan_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->err, sizeof(g->err), fmt, ap);
    va_end(ap);
    return st;
}

/* "PATH (step N)" of the last checkpoint written or resumed from, for divergence messages. */
const char *clgan_gan_last_good(clgan_gan *g, char *buf, size_t len)
{
    if (!g->last_ckpt[0])
        return "none written yet";
    snprintf(buf, len, "%s (step %lld)", g->last_ckpt, g->last_ckpt_step);
    return buf;
}

/* A device failure: take the context's message. */
clgan_status clgan_gan_dev_fail(clgan_gan *g, clgan_ctx *ctx, clgan_status st)
{
    if (st != CLGAN_STATUS_OK && st != CLGAN_STATUS_INTERRUPTED)
        snprintf(g->err, sizeof(g->err), "%s", clgan_ctx_last_error(ctx));
    return st;
}

/* Draw this epoch's permutation from shuffle_state and put it on the device. */
clgan_status clgan_gan_new_permutation(clgan_gan *g)
{
    uint64_t s = g->shuffle_state;
    clgan_status st = clgan_data_shuffle(g->perm_host, g->ds.count, &s, g->err, sizeof(g->err));
    if (st != CLGAN_STATUS_OK)
        return st;
    g->shuffle_next = s;
    if (g->streaming)
        return CLGAN_STATUS_OK;
    return clgan_gan_dev_fail(
        g, g->dctx,
        clgan_rt_write(g->dctx, g->perm, 0, g->ds.count * sizeof(int32_t), g->perm_host));
}

/* ---------------------------------------------------------------- the step */

/* Next real batch into g->real. */
/* The labels of the batch that starts at position first of the permutation into g->y, and
 * their copy on G's device when G is on another one. */
static clgan_status gather_labels(clgan_gan *g, size_t first)
{
    size_t n = (size_t)g->batch;
    clgan_status st;
    if (!g->streaming) {
        st = clgan_ops_elt_gather_labels(g->dctx, g->labels_u8, g->ds.count, g->perm, first, n,
                                         g->y, 0);
        if (st == CLGAN_STATUS_OK && g->gctx != g->dctx)
            st = clgan_rt_read(g->dctx, g->y, 0, n * sizeof(int32_t), g->y_host);
    } else {
        for (size_t i = 0; i < n; i++)
            g->y_host[i] = g->ds.labels[g->perm_host[first + i]];
        st = clgan_rt_write(g->dctx, g->y, 0, n * sizeof(int32_t), g->y_host);
    }
    if (st != CLGAN_STATUS_OK)
        return clgan_gan_dev_fail(g, g->dctx, st);
    if (g->gctx != g->dctx)
        st = clgan_gan_dev_fail(g, g->gctx,
                                clgan_rt_write(g->gctx, g->y_g, 0, n * sizeof(int32_t), g->y_host));
    return st;
}

clgan_status clgan_gan_gather_real(clgan_gan *g, void *user)
{
    (void)user;
    struct clgan_ops_u8_set set = {.count = g->ds.count,
                                   .c = (size_t)g->ds.channels,
                                   .hs = (size_t)g->ds.height,
                                   .ws = (size_t)g->ds.width};
    if (g->batch_in_epoch >= (long long)(g->ds.count / (size_t)g->gbatch)) {
        /* epoch boundary within a multi-D-step step: start the next permutation */
        g->shuffle_state = g->shuffle_next;
        g->batch_in_epoch = 0;
        clgan_status st = clgan_gan_new_permutation(g);
        if (st != CLGAN_STATUS_OK)
            return st;
    }
    /* this process's slice of the global batch (the whole of it for one process) */
    size_t first = (size_t)g->batch_in_epoch * g->gbatch + g->slice0;
    g->batch_in_epoch++;
    clgan_status st = CLGAN_STATUS_OK;
    if (g->classes)
        st = gather_labels(g, first);
    if (st != CLGAN_STATUS_OK)
        return st;
    if (!g->streaming) {
        set.data = g->data_u8;
        return clgan_ops_elt_gather_u8(g->dctx, &set, g->perm, first, (size_t)g->batch,
                                       (size_t)g->size, (size_t)g->size, 2.0f / 255.0f, -1.0f,
                                       g->real, 0);
    }
    size_t ib = (size_t)g->ds.channels * g->ds.height * g->ds.width;
    uint8_t *h = g->stream_host[g->stream_i];
    for (int i = 0; i < g->batch; i++)
        memcpy(h + (size_t)i * ib, g->ds.pixels + (size_t)g->perm_host[first + i] * ib, ib);
    cl_mem buf = g->stream_u8[g->stream_i];
    g->stream_i ^= 1;
    /* non-blocking: the queue orders it before the gather; the other buffer is free to refill */
    st = CLG_CL(g->dctx, clEnqueueWriteBuffer(g->dctx->queue, buf, CL_FALSE, 0,
                                              (size_t)g->batch * ib, h, 0, NULL, NULL));
    if (st != CLGAN_STATUS_OK)
        return st;
    set.data = buf;
    set.count = (size_t)g->batch;
    return clgan_ops_elt_gather_u8(g->dctx, &set, g->perm, 0, (size_t)g->batch, (size_t)g->size,
                                   (size_t)g->size, 2.0f / 255.0f, -1.0f, g->real, 0);
}

/* Fake batch as D sees it: on D's device. */
static clgan_status fake_on_d(clgan_gan *g, struct clgan_tensor *fake)
{
    struct clgan_tensor out = clgan_model_output(g->G, g->batch);
    if (g->gctx == g->dctx) {
        *fake = out;
        return CLGAN_STATUS_OK;
    }
    clgan_status st = clgan_rt_read(g->gctx, out.mem, clgan_tensor_byte_off(&out),
                                    clgan_tensor_bytes(&out), g->xfer);
    if (st != CLGAN_STATUS_OK)
        return clgan_gan_dev_fail(g, g->gctx, st);
    *fake = clgan_tensor_view(g->fake_d, 0, CLGAN_DTYPE_F32, g->batch, g->nc, g->size, g->size);
    return clgan_gan_dev_fail(g, g->dctx,
                              clgan_rt_write(g->dctx, fake->mem, clgan_tensor_byte_off(fake),
                                             clgan_tensor_bytes(fake), g->xfer));
}

/* The grads_ready hook for model m, when one is set. */
static clgan_status grads_ready(clgan_gan *g, struct clgan_model *m)
{
    if (!g->hooks.grads_ready)
        return CLGAN_STATUS_OK;
    return g->hooks.grads_ready(g, m, g->hooks.user);
}

/* BCE with logits of D's output against target, its gradient into the logit gradient
 * (overwritten), the loss and the mean probability into scalar slots loss_slot and prob_slot. */
static clgan_status bce(clgan_gan *g, float target, float scale, const struct clgan_tensor *out,
                        int loss_slot, int prob_slot)
{
    struct clgan_tensor loss = clgan_tensor_view(g->scal, (size_t)loss_slot, CLGAN_DTYPE_F32, 1, 1,
                                                 1, 1),
                        prob = clgan_tensor_view(g->scal, (size_t)prob_slot, CLGAN_DTYPE_F32, 1, 1,
                                                 1, 1);
    return clgan_ops_loss_bce_logits(g->dctx, target, scale, out, &g->v_dlogit, 0.0f, &loss, 0.0f,
                                     &prob);
}

static clgan_status d_step(clgan_gan *g)
{
    clgan_ctx *d = g->dctx;
    struct clgan_model *D = g->D;
    size_t n = (size_t)g->batch;
    clgan_status st = g->hooks.gather(g, g->hooks.user);
    if (st != CLGAN_STATUS_OK)
        return clgan_gan_dev_fail(g, d, st);
    /* the global batch's noise, of which this process draws its slice (all of it for one) */
    st = clgan_ops_rng_normal(g->gctx, g->z, 0, g->z_lead + n * g->nz, 0.0f, 1.0f,
                              g->p.seed ^ NOISE_SEED_MIX, g->noise_counter + g->z_block0);
    g->noise_counter += clgan_ops_rng_blocks((size_t)g->gbatch * g->nz);
    if (st == CLGAN_STATUS_OK)
        st = clgan_model_run(g->G, g->in_g, g->batch, CLGAN_FWD_TRAIN);
    if (st != CLGAN_STATUS_OK)
        return clgan_gan_dev_fail(g, g->gctx, st);
    struct clgan_tensor fake;
    if ((st = fake_on_d(g, &fake)) != CLGAN_STATUS_OK)
        return st;
    struct clgan_tensor out = clgan_model_output(D, g->batch);
    struct clgan_tensor on_fake[CLGAN_MAX_INPUTS] = {fake, g->in_d[1]};
    st = clgan_model_run(D, g->in_d, g->batch, CLGAN_FWD_TRAIN);
    if (st == CLGAN_STATUS_OK)
        st = bce(g, (float)g->p.real_label, 1.0f, &out, S_LOSS_REAL, S_DX);
    if (st == CLGAN_STATUS_OK)
        st = clgan_model_back(D, g->in_d, &g->v_dlogit, g->batch, CLGAN_BWD_NO_INPUT_GRAD);
    if (st == CLGAN_STATUS_OK)
        st = clgan_model_run(D, on_fake, g->batch, CLGAN_FWD_TRAIN);
    if (st == CLGAN_STATUS_OK)
        st = bce(g, 0.0f, 1.0f, &out, S_LOSS_FAKE, S_DGZ1);
    if (st == CLGAN_STATUS_OK)
        st = clgan_model_back(D, on_fake, &g->v_dlogit, g->batch,
                              CLGAN_BWD_NO_INPUT_GRAD | CLGAN_BWD_ACCUMULATE);
    if (st == CLGAN_STATUS_OK)
        st = grads_ready(g, D);
    if (st == CLGAN_STATUS_OK)
        st = clgan_model_optim_step(D);
    return clgan_gan_dev_fail(g, d, st);
}

static clgan_status g_step(clgan_gan *g)
{
    clgan_ctx *d = g->dctx;
    struct clgan_model *D = g->D;
    /* the fake batch of the last D update, whose G activations are still in place (with two
     * devices, its copy on D's device) */
    struct clgan_tensor fake =
        g->gctx == g->dctx
            ? clgan_model_output(g->G, g->batch)
            : clgan_tensor_view(g->fake_d, 0, CLGAN_DTYPE_F32, g->batch, g->nc, g->size, g->size);
    struct clgan_tensor out = clgan_model_output(D, g->batch);
    struct clgan_tensor on_fake[CLGAN_MAX_INPUTS] = {fake, g->in_d[1]};
    clgan_status st = clgan_model_run(D, on_fake, g->batch, CLGAN_FWD_TRAIN);
    /* non-saturating: minimise BCE(D(G(z)), 1); minimax: minimise log(1 - D(G(z))) =
     * -BCE(D(G(z)), 0) */
    if (st == CLGAN_STATUS_OK)
        st = bce(g, g->minimax ? 0.0f : 1.0f, g->minimax ? -1.0f : 1.0f, &out, S_LOSS_G, S_DGZ2);
    if (st == CLGAN_STATUS_OK)
        st = clgan_model_back(D, on_fake, &g->v_dlogit, g->batch, CLGAN_BWD_NO_PARAM_GRAD);
    if (st != CLGAN_STATUS_OK)
        return clgan_gan_dev_fail(g, d, st);
    struct clgan_tensor dfake = clgan_model_input_grad(D, g->batch);
    if (g->gctx != g->dctx) {
        st = clgan_rt_read(d, dfake.mem, clgan_tensor_byte_off(&dfake), clgan_tensor_bytes(&dfake),
                           g->xfer);
        if (st != CLGAN_STATUS_OK)
            return clgan_gan_dev_fail(g, d, st);
        dfake.mem = g->dfake_g;
        dfake.off = 0;
        st = clgan_rt_write(g->gctx, dfake.mem, clgan_tensor_byte_off(&dfake),
                            clgan_tensor_bytes(&dfake), g->xfer);
    }
    if (st == CLGAN_STATUS_OK)
        st = clgan_model_back(g->G, g->in_g, &dfake, g->batch, CLGAN_BWD_NO_INPUT_GRAD);
    if (st == CLGAN_STATUS_OK)
        st = grads_ready(g, g->G);
    if (st == CLGAN_STATUS_OK)
        st = clgan_model_optim_step(g->G);
    return clgan_gan_dev_fail(g, g->gctx, st);
}

clgan_status clgan_gan_step(clgan_gan *g, struct clgan_gan_stats *stats)
{
    clgan_status st = CLGAN_STATUS_OK;
    if (g->dist)
        clgan_gan_dist_step_begin(g);
    for (int k = 0; k < g->p.d_steps && st == CLGAN_STATUS_OK; k++)
        st = d_step(g);
    if (st == CLGAN_STATUS_OK)
        st = g_step(g);
    if (st != CLGAN_STATUS_OK)
        return st;
    if (g->dist)
        clgan_gan_dist_step_end(g);
    g->step++;
    if (g->step % g->per_epoch == 0) {
        g->epoch++;
        g->shuffle_state = g->shuffle_next;
        g->batch_in_epoch = 0;
        if ((st = clgan_gan_new_permutation(g)) != CLGAN_STATUS_OK)
            return st;
    }
    if (!stats)
        return CLGAN_STATUS_OK;
    float s[S_N];
    st = clgan_rt_read(g->dctx, g->scal, 0, sizeof(float) * S_FINITE, s);
    if (st != CLGAN_STATUS_OK)
        return clgan_gan_dev_fail(g, g->dctx, st);
    if (g->dist && (st = clgan_gan_dist_stats(g, s)) != CLGAN_STATUS_OK)
        return st; /* the means over the global batch */
    stats->step = g->step;
    /* the epoch of the step just taken: at an epoch's last step g->epoch already counts it */
    stats->epoch = (int)((g->step - 1) / g->per_epoch + 1);
    stats->loss_d = (double)s[S_LOSS_REAL] + s[S_LOSS_FAKE];
    stats->loss_g = s[S_LOSS_G];
    stats->d_x = s[S_DX];
    stats->d_g_z1 = s[S_DGZ1];
    stats->d_g_z2 = s[S_DGZ2];
    return CLGAN_STATUS_OK;
}

/* ---------------------------------------------------------------- sampling */

clgan_status clgan_gan_sample(clgan_gan *g, uint64_t seed, int n, float *out)
{
    int grid = g->batch > GRID ? g->batch : GRID;
    for (int done = 0; done < n;) {
        int b = n - done < grid ? n - done : grid;
        /* batch statistics, as PyTorch's example samples in training mode, without moving the
         * running statistics; a tiny batch would give poor statistics, so draw at least 16 */
        int bb = b < 16 && grid >= 16 ? 16 : b;
        clgan_status st = clgan_ops_rng_normal(
            g->gctx, g->z, 0, (size_t)bb * g->nz, 0.0f, 1.0f, seed ^ FIXED_SEED_MIX,
            clgan_ops_rng_blocks((size_t)grid * g->nz) * (uint64_t)(done / grid));
        struct clgan_tensor in[CLGAN_MAX_INPUTS] = {clgan_model_input_view(g->G, 0, g->z, 0, bb)};
        if (g->classes) {
            /* rows of 8 per class */
            for (int i = 0; i < bb; i++)
                g->y_host[i] = ((done + i) / 8) % g->classes;
            in[1] = clgan_model_input_view(g->G, 1, g->y_g, 0, bb);
            if (st == CLGAN_STATUS_OK)
                st = clgan_rt_write(g->gctx, g->y_g, 0, (size_t)bb * sizeof(int32_t), g->y_host);
        }
        if (st == CLGAN_STATUS_OK)
            st = clgan_model_run(g->G, in, bb, CLGAN_FWD_BATCH_STATS);
        if (st == CLGAN_STATUS_OK) {
            struct clgan_tensor y = clgan_model_output(g->G, b);
            st = clgan_rt_read(g->gctx, y.mem, clgan_tensor_byte_off(&y), clgan_tensor_bytes(&y),
                               out + (size_t)done * g->img);
        }
        if (st != CLGAN_STATUS_OK)
            return clgan_gan_dev_fail(g, g->gctx, st);
        done += b;
    }
    /* the G activations now hold the samples, not the training fake: callers sample between
     * steps only, and every step computes its fake afresh */
    return CLGAN_STATUS_OK;
}

/* Prefix g->err with the file being written (device errors do not know the file). */
clgan_status clgan_gan_saving_fail(clgan_gan *g, clgan_status st, const char *path)
{
    char tmp[2048];
    snprintf(tmp, sizeof(tmp), "%s", g->err);
    return clgan_gan_fail(g, st, "writing %s: %s", path, tmp);
}

int clgan_gan_grid_count(const clgan_gan *g)
{
    return g->classes ? 8 * (g->classes < 16 ? g->classes : 16) : GRID;
}

clgan_status clgan_gan_grid(clgan_gan *g, const char *path)
{
    int n = clgan_gan_grid_count(g);
    float *buf = malloc((size_t)n * g->img * sizeof(float));
    if (!buf)
        return clgan_gan_fail(g, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "out of host memory");
    clgan_status st = clgan_gan_sample(g, g->p.seed, n, buf);
    if (st != CLGAN_STATUS_OK)
        clgan_gan_saving_fail(g, st, path);
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_png_grid(path, buf, n, g->nc, g->size, g->size, n / 8, 8, g->err,
                               sizeof(g->err));
    free(buf);
    return st;
}

clgan_status clgan_gan_write_grid(clgan_gan *g, const char *path)
{
    return clgan_gan_grid(g, path);
}

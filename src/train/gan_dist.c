/*
 * gan_dist.c - data-parallel GAN training over the processes of an MPI job (dist/dist.h).
 *
 * Every rank builds the same trainer; batch is its slice of the global batch gbatch (rank r
 * takes samples r*b .. r*b + b - 1 of each global batch of the one global permutation, and the
 * same samples of the global batch's noise). At start rank 0's parameters and batch-norm
 * statistics go to every rank. The grads_ready hook sums each model's flat gradient buffer over
 * the ranks and divides it by their count before the optimizer step: each rank's loss is a mean
 * over its slice, so the result is the gradient of the mean over the global batch, and every
 * rank applies the same update. With sync_bn the batch norms add their per-channel sums across
 * the ranks (ops/bnsync.h), so each sees the statistics of the global batch: the run is then the
 * computation of one process with the global batch, up to the order of float sums.
 *
 * Rank 0 alone writes files; the other ranks run clgan_gan_dist_follow, which makes the same
 * collective calls in the same order: per step the two gradient reductions (k + 1 with k D
 * updates), the batch-norm sums, the scalars of a logged step, and the agreement on stopping.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dist/dist.h"
#include "ops/bnsync.h"
#include "train/gan.h"

struct clgan_gan_dist {
    clgan_dist *d;
    int rank, size;
    int deterministic;
    float *host; /* staging for a model's gradients when the device does not share host memory */
    size_t n_host;
    struct clgan_ops_bn_sync sync[2]; /* G's, D's */
    size_t n_sums[2];
    float *sums_host;
    size_t n_sums_host;
    double t_step;
    struct clgan_gan_dist_stats stats;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int clgan_gan_dist_writer(const clgan_gan *g)
{
    return !g->dist || g->dist->rank == 0;
}

int clgan_gan_dist_world(const clgan_gan *g)
{
    return g->dist ? g->dist->size : 1;
}

void clgan_gan_dist_get_stats(const clgan_gan *g, struct clgan_gan_dist_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (g && g->dist)
        *out = g->dist->stats;
}

clgan_status clgan_gan_dist_setup(clgan_gan *g)
{
    g->gbatch = g->batch;
    if (!g->p.dist)
        return CLGAN_STATUS_OK;
    int n = clgan_dist_size(g->p.dist), r = clgan_dist_rank(g->p.dist);
    if (g->gctx != g->dctx)
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                              "distributed training runs G and D on one device per process, not "
                              "on two");
    if (g->batch % n)
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                              "the global batch %d is not a multiple of the %d processes", g->batch,
                              n);
    g->dist = calloc(1, sizeof(*g->dist));
    if (!g->dist)
        return clgan_gan_fail(g, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "out of host memory");
    g->dist->d = g->p.dist;
    g->dist->rank = r;
    g->dist->size = n;
    g->dist->deterministic = g->p.deterministic;
    g->batch = g->gbatch / n;
    g->slice0 = r * g->batch;
    return CLGAN_STATUS_OK;
}

void clgan_gan_dist_free(clgan_gan *g)
{
    if (!g->dist)
        return;
    for (int i = 0; i < 2; i++) {
        clgan_ctx *ctx = i ? g->dctx : g->gctx;
        if (g->dist->sync[i].sums && ctx)
            clgan_rt_release(ctx, g->dist->sync[i].sums, g->dist->n_sums[i] * sizeof(float));
    }
    free(g->dist->host);
    free(g->dist->sums_host);
    free(g->dist);
    g->dist = NULL;
}

/* Host memory of n floats in *buf (grown, never shrunk). */
static clgan_status staging(clgan_gan *g, float **buf, size_t *have, size_t n)
{
    if (*have >= n)
        return CLGAN_STATUS_OK;
    float *p = realloc(*buf, (n ? n : 1) * sizeof(float));
    if (!p)
        return clgan_gan_fail(g, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "out of host memory");
    *buf = p;
    *have = n;
    return CLGAN_STATUS_OK;
}

/* Sum n floats of a device buffer over the ranks in place, times scale: mapped where the device
 * shares host memory (no copy), else read and written back through host staging. */
static clgan_status allreduce_dev(clgan_gan *g, clgan_ctx *ctx, cl_mem mem, size_t off, size_t n,
                                  float scale, float **stage, size_t *have)
{
    struct clgan_gan_dist *dd = g->dist;
    clgan_status st;
    float *p = NULL;
    char err[512];
    int mapped = ctx->info.host_unified;
    if (mapped) {
        cl_int e = CL_SUCCESS;
        p = clEnqueueMapBuffer(ctx->queue, mem, CL_TRUE, CL_MAP_READ | CL_MAP_WRITE,
                               off * sizeof(float), n * sizeof(float), 0, NULL, NULL, &e);
        if ((st = CLG_CL(ctx, e)) != CLGAN_STATUS_OK)
            return clgan_gan_dev_fail(g, ctx, st);
    } else {
        if ((st = staging(g, stage, have, n)) != CLGAN_STATUS_OK)
            return st;
        p = *stage;
        st = clgan_rt_read(ctx, mem, off * sizeof(float), n * sizeof(float), p);
        if (st != CLGAN_STATUS_OK)
            return clgan_gan_dev_fail(g, ctx, st);
    }
    st = clgan_dist_allreduce_f32(dd->d, p, n, dd->deterministic, err, sizeof(err));
    if (st == CLGAN_STATUS_OK && scale != 1.0f)
        for (size_t i = 0; i < n; i++)
            p[i] *= scale;
    if (st != CLGAN_STATUS_OK)
        clgan_gan_fail(g, st, "rank %d: all-reduce: %s", dd->rank, err);
    clgan_status st2;
    if (mapped)
        st2 = CLG_CL(ctx, clEnqueueUnmapMemObject(ctx->queue, mem, p, 0, NULL, NULL));
    else
        st2 = st == CLGAN_STATUS_OK
                  ? clgan_rt_write(ctx, mem, off * sizeof(float), n * sizeof(float), p)
                  : CLGAN_STATUS_OK;
    if (st == CLGAN_STATUS_OK && st2 != CLGAN_STATUS_OK)
        st = clgan_gan_dev_fail(g, ctx, st2);
    return st;
}

/* The grads_ready hook: the model's gradients summed over the ranks, divided by their count. */
static clgan_status grads_ready(clgan_gan *g, struct clgan_model *m, void *user)
{
    struct clgan_gan_dist *dd = user;
    /* finish the backward first, so that the time below is the reduction's alone */
    clgan_status st = CLG_CL(m->ctx, clFinish(m->ctx->queue));
    if (st != CLGAN_STATUS_OK)
        return clgan_gan_dev_fail(g, m->ctx, st);
    double t0 = now_s();
    st = allreduce_dev(g, m->ctx, m->grads, 0, m->n_params, 1.0f / (float)dd->size, &dd->host,
                       &dd->n_host);
    dd->stats.allreduce_s += now_s() - t0;
    dd->stats.allreduces++;
    dd->stats.bytes += (unsigned long long)m->n_params * sizeof(float);
    return st;
}

/* Batch-norm sums (bn_sync's reduce): small vectors, through host memory. */
static clgan_status bn_reduce(void *user, clgan_ctx *ctx, cl_mem mem, size_t off, size_t n)
{
    clgan_gan *g = user;
    struct clgan_gan_dist *dd = g->dist;
    double t0 = now_s();
    char err[512];
    clgan_status st = staging(g, &dd->sums_host, &dd->n_sums_host, n);
    if (st == CLGAN_STATUS_OK)
        st = clgan_rt_read(ctx, mem, off * sizeof(float), n * sizeof(float), dd->sums_host);
    if (st != CLGAN_STATUS_OK)
        return st;
    st = clgan_dist_allreduce_f32(dd->d, dd->sums_host, n, dd->deterministic, err, sizeof(err));
    if (st != CLGAN_STATUS_OK)
        return clgan_rt_fail(ctx, st, "rank %d: batch-norm all-reduce: %s", dd->rank, err);
    st = clgan_rt_write(ctx, mem, off * sizeof(float), n * sizeof(float), dd->sums_host);
    dd->stats.bn_sync_s += now_s() - t0;
    return st;
}

/* Synchronised batch norm for model i (0 G, 1 D): sums for its widest batch norm. */
static clgan_status attach_bn_sync(clgan_gan *g, int i)
{
    struct clgan_model *m = i ? g->D : g->G;
    size_t c = 0;
    for (int k = 0; k < m->n_layers; k++)
        if (m->layers[k].ops == &clgan_layer_batchnorm && (size_t)m->layers[k].in.c > c)
            c = (size_t)m->layers[k].in.c;
    if (!c)
        return CLGAN_STATUS_OK;
    struct clgan_ops_bn_sync *s = &g->dist->sync[i];
    g->dist->n_sums[i] = 2 * c;
    clgan_status st = clgan_rt_alloc(m->ctx, 2 * c * sizeof(float), "batch-norm sums", &s->sums);
    if (st != CLGAN_STATUS_OK)
        return clgan_gan_dev_fail(g, m->ctx, st);
    s->reduce = bn_reduce;
    s->user = g;
    s->world = g->dist->size;
    m->bn_sync = s;
    return CLGAN_STATUS_OK;
}

/* Rank 0's n floats of mem to every rank. */
static clgan_status bcast_dev(clgan_gan *g, clgan_ctx *ctx, cl_mem mem, size_t n)
{
    struct clgan_gan_dist *dd = g->dist;
    char err[512];
    if (!n)
        return CLGAN_STATUS_OK;
    clgan_status st = staging(g, &dd->host, &dd->n_host, n);
    if (st == CLGAN_STATUS_OK && dd->rank == 0 &&
        (st = clgan_rt_read(ctx, mem, 0, n * sizeof(float), dd->host)) != CLGAN_STATUS_OK)
        return clgan_gan_dev_fail(g, ctx, st);
    /* a rank that failed above still takes part, so that none waits for it forever; its error
     * ends the job */
    clgan_status sb = clgan_dist_bcast(dd->d, dd->host, n * sizeof(float), err, sizeof(err));
    if (st != CLGAN_STATUS_OK)
        return st;
    if (sb != CLGAN_STATUS_OK)
        return clgan_gan_fail(g, sb, "rank %d: broadcast of the weights: %s", dd->rank, err);
    if (dd->rank == 0)
        return CLGAN_STATUS_OK;
    return clgan_gan_dev_fail(g, ctx, clgan_rt_write(ctx, mem, 0, n * sizeof(float), dd->host));
}

clgan_status clgan_gan_dist_start(clgan_gan *g)
{
    struct clgan_gan_dist *dd = g->dist;
    /* this slice's noise: the global batch's from sample slice0 on, Philox element i using
     * block counter + i/4 */
    size_t e = (size_t)g->slice0 * g->nz;
    g->z_block0 = e / 4;
    g->z_lead = e % 4;
    g->v_z = clgan_model_input_view(g->G, 0, g->z, g->z_lead, g->batch);
    g->in_g[0] = g->v_z;
    g->hooks.grads_ready = grads_ready;
    g->hooks.user = dd;
    clgan_status st = CLGAN_STATUS_OK;
    if (g->p.sync_bn && (st = attach_bn_sync(g, 0)) == CLGAN_STATUS_OK)
        st = attach_bn_sync(g, 1);
    if (st == CLGAN_STATUS_OK)
        st = bcast_dev(g, g->gctx, g->G->params, g->G->n_params);
    if (st == CLGAN_STATUS_OK)
        st = bcast_dev(g, g->gctx, g->G->state, g->G->n_state);
    if (st == CLGAN_STATUS_OK)
        st = bcast_dev(g, g->dctx, g->D->params, g->D->n_params);
    if (st == CLGAN_STATUS_OK)
        st = bcast_dev(g, g->dctx, g->D->state, g->D->n_state);
    return st;
}

clgan_status clgan_gan_dist_stats(clgan_gan *g, float *s)
{
    double v[S_FINITE];
    char err[512];
    for (int i = 0; i < S_FINITE; i++)
        v[i] = s[i];
    clgan_status st = clgan_dist_allreduce_f64(g->dist->d, v, S_FINITE, err, sizeof(err));
    if (st != CLGAN_STATUS_OK)
        return clgan_gan_fail(g, st, "rank %d: all-reduce of the step's losses: %s", g->dist->rank,
                              err);
    for (int i = 0; i < S_FINITE; i++)
        s[i] = (float)(v[i] / g->dist->size);
    return CLGAN_STATUS_OK;
}

void clgan_gan_dist_step_begin(clgan_gan *g)
{
    g->dist->t_step = now_s();
}

void clgan_gan_dist_step_end(clgan_gan *g)
{
    g->dist->stats.steps++;
    g->dist->stats.step_s += now_s() - g->dist->t_step;
}

int clgan_gan_dist_stop(clgan_gan *g, volatile int *stop)
{
    int f = stop && *stop;
    return g->dist ? clgan_dist_any(g->dist->d, f) : f;
}

/* FNV-1a over n floats of a device buffer, through the staging memory. */
static clgan_status hash_dev(clgan_gan *g, clgan_ctx *ctx, cl_mem mem, size_t n, uint64_t *h)
{
    struct clgan_gan_dist *dd = g->dist;
    clgan_status st = staging(g, &dd->host, &dd->n_host, n);
    if (st == CLGAN_STATUS_OK && n)
        st = clgan_rt_read(ctx, mem, 0, n * sizeof(float), dd->host);
    if (st != CLGAN_STATUS_OK)
        return clgan_gan_dev_fail(g, ctx, st);
    const unsigned char *b = (const unsigned char *)dd->host;
    for (size_t i = 0; i < n * sizeof(float); i++)
        *h = (*h ^ b[i]) * 0x100000001b3ull;
    return CLGAN_STATUS_OK;
}

clgan_status clgan_gan_dist_replicas_same(clgan_gan *g, int *same)
{
    *same = 1;
    if (!g || !g->dist)
        return CLGAN_STATUS_OK;
    uint64_t h = 0xcbf29ce484222325ull;
    clgan_status st = hash_dev(g, g->gctx, g->G->params, g->G->n_params, &h);
    if (st == CLGAN_STATUS_OK)
        st = hash_dev(g, g->dctx, g->D->params, g->D->n_params, &h);
    /* a rank that could not read takes part with a value of its own */
    *same =
        clgan_dist_same_u64(g->dist->d, st == CLGAN_STATUS_OK ? h : h ^ (uint64_t)g->dist->rank);
    return st;
}

clgan_status clgan_gan_dist_follow(clgan_gan *g, volatile int *stop)
{
    while (g->step < g->total) {
        int logged;
        int want = clgan_gan_reads_stats(g, &logged);
        struct clgan_gan_stats s;
        clgan_status st = clgan_gan_step(g, want ? &s : NULL);
        if (st != CLGAN_STATUS_OK)
            return st;
        /* rank 0 reports a divergence and an interruption: the same scalars, the same answer */
        if (logged && !(isfinite(s.loss_d) && isfinite(s.loss_g) && isfinite(s.d_x) &&
                        isfinite(s.d_g_z1) && isfinite(s.d_g_z2))) {
            g->err[0] = 0;
            return CLGAN_STATUS_NUMERICAL;
        }
        if (clgan_gan_dist_stop(g, stop)) {
            g->err[0] = 0;
            return CLGAN_STATUS_INTERRUPTED;
        }
    }
    return CLGAN_STATUS_OK;
}

/*
 * gan.c - DCGAN training: the data set resident on D's device, noise from the counter-based RNG,
 * k D updates then one G update per step, everything enqueued; scalars read back only when
 * asked for. G and D may sit on two devices: the fake batch and its gradient then cross through
 * host memory.
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

#include "data/data.h"
#include "io/csvlog.h"
#include "io/file.h"
#include "io/plot.h"
#include "io/png.h"
#include "nn/nn.h"
#include "ops/elt.h"
#include "ops/loss.h"
#include "ops/rng.h"
#include "train/ckpt.h"

/* Scalar slots on D's device. */
enum { S_LOSS_REAL, S_LOSS_FAKE, S_DX, S_DGZ1, S_LOSS_G, S_DGZ2, S_FINITE, S_N };

#define GRID           64
#define NOISE_SEED_MIX 0x6e6f697365ull /* "noise" */
#define FIXED_SEED_MIX 0x6669786564ull /* "fixed" */

struct hist_row {
    double step, loss_d, loss_g, d_x, d_gz1, d_gz2;
};

struct clgan_gan {
    struct clgan_gan_params p;
    char model[16], g_loss[16], data[1024], out_dir[1024];
    clgan_ctx *gctx, *dctx;
    struct clgan_model *G, *D;
    int size, nc, nz, batch;
    struct clgan_dataset ds;
    size_t img; /* floats per image */

    cl_mem data_u8; /* whole data set on D's device (resident mode) */
    size_t data_bytes;
    int streaming; /* data set too large: batches stream from host memory */
    cl_mem stream_u8[2];
    uint8_t *stream_host[2];
    int stream_i;
    cl_mem perm; /* int32 permutation of the epoch on D's device */
    int32_t *perm_host;
    cl_mem real, dlogit, scal, sumws; /* D's device */
    size_t n_sumws;
    cl_mem z;       /* G's device: batch (or GRID) x nz */
    cl_mem fake_d;  /* D's device copy of the fake batch (two devices) */
    cl_mem dfake_g; /* G's device copy of its gradient (two devices) */
    cl_mem flag_g;  /* G's device: the finite-check flag */
    float *xfer;    /* host staging for crossing devices */

    long long step, per_epoch, total;
    int epoch;
    long long batch_in_epoch; /* real batches consumed in this epoch */
    uint64_t shuffle_state;   /* state that produced this epoch's permutation */
    uint64_t shuffle_next;    /* state after it */
    uint64_t noise_counter;

    struct hist_row *hist;
    size_t n_hist, cap_hist;
    char last_ckpt[1400];
    char err[2048];
};

static clgan_status fail(clgan_gan *g, clgan_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static clgan_status fail(clgan_gan *g, clgan_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->err, sizeof(g->err), fmt, ap);
    va_end(ap);
    return st;
}

/* A device failure: take the context's message. */
static clgan_status dev_fail(clgan_gan *g, clgan_ctx *ctx, clgan_status st)
{
    if (st != CLGAN_STATUS_OK && st != CLGAN_STATUS_INTERRUPTED)
        snprintf(g->err, sizeof(g->err), "%s", clgan_ctx_last_error(ctx));
    return st;
}

struct clgan_gan_params clgan_gan_default_params(void)
{
    struct clgan_gan_params p;
    memset(&p, 0, sizeof(p));
    p.model = "dcgan32";
    p.nz = 100;
    p.ngf = 64;
    p.ndf = 64;
    p.batch = 64;
    p.lr = 2e-4;
    p.beta1 = 0.5;
    p.beta2 = 0.999;
    p.d_steps = 1;
    p.g_loss = "ns";
    p.real_label = 1.0;
    p.seed = 1;
    p.epochs = 1;
    p.data = "fashion-mnist";
    p.out_dir = "runs/dcgan32";
    p.log_every = 50;
    p.sample_every = 500;
    p.keep_ckpts = 3;
    return p;
}

const char *clgan_gan_last_error(const clgan_gan *g)
{
    return g ? g->err : "";
}

static clgan_status alloc_f(clgan_ctx *ctx, size_t n, const char *what, cl_mem *m)
{
    return clgan_rt_alloc(ctx, (n ? n : 1) * sizeof(float), what, m);
}

static void release_f(clgan_ctx *ctx, cl_mem *m, size_t n)
{
    if (*m)
        clgan_rt_release(ctx, *m, (n ? n : 1) * sizeof(float));
    *m = NULL;
}

void clgan_gan_free(clgan_gan *g)
{
    if (!g)
        return;
    int grid = g->batch > GRID ? g->batch : GRID;
    if (g->dctx) {
        if (g->data_u8)
            clgan_rt_release(g->dctx, g->data_u8, g->data_bytes);
        for (int i = 0; i < 2; i++)
            if (g->stream_u8[i])
                clgan_rt_release(g->dctx, g->stream_u8[i], (size_t)g->batch * g->img);
        release_f(g->dctx, &g->perm, g->ds.count);
        release_f(g->dctx, &g->real, (size_t)g->batch * g->img);
        release_f(g->dctx, &g->dlogit, (size_t)g->batch);
        release_f(g->dctx, &g->scal, S_N);
        release_f(g->dctx, &g->sumws, g->n_sumws);
        release_f(g->dctx, &g->fake_d, (size_t)g->batch * g->img);
    }
    if (g->gctx) {
        release_f(g->gctx, &g->z, (size_t)grid * g->nz);
        release_f(g->gctx, &g->dfake_g, (size_t)g->batch * g->img);
        release_f(g->gctx, &g->flag_g, 1);
    }
    clgan_model_free(g->G);
    clgan_model_free(g->D);
    clgan_data_free(&g->ds);
    free(g->perm_host);
    free(g->stream_host[0]);
    free(g->stream_host[1]);
    free(g->xfer);
    free(g->hist);
    free(g);
}

void clgan_gan_progress(const clgan_gan *g, long long *per_epoch, long long *done, long long *total)
{
    if (per_epoch)
        *per_epoch = g->per_epoch;
    if (done)
        *done = g->step;
    if (total)
        *total = g->total;
}

double clgan_gan_flops_per_step(const clgan_gan *g)
{
    int b = g->batch;
    double gf = clgan_model_flops(g->G, b, 0), gbd = clgan_model_flops(g->G, b, 1),
           gbw = clgan_model_flops(g->G, b, 2);
    double df = clgan_model_flops(g->D, b, 0), dbd = clgan_model_flops(g->D, b, 1),
           dbw = clgan_model_flops(g->D, b, 2);
    /* each D update: G forward, D forward and weight gradients on real and fake (the input
     * gradient of D's inner layers is needed too); the G update: D forward and input gradient,
     * G backward */
    double d_update = gf + 2 * df + 2 * dbw + 2 * dbd;
    return g->p.d_steps * d_update + df + dbd + gbd + gbw;
}

/* Draw this epoch's permutation from shuffle_state and put it on the device. */
static clgan_status new_permutation(clgan_gan *g)
{
    uint64_t s = g->shuffle_state;
    clgan_status st = clgan_data_shuffle(g->perm_host, g->ds.count, &s, g->err, sizeof(g->err));
    if (st != CLGAN_STATUS_OK)
        return st;
    g->shuffle_next = s;
    if (g->streaming)
        return CLGAN_STATUS_OK;
    return dev_fail(
        g, g->dctx,
        clgan_rt_write(g->dctx, g->perm, 0, g->ds.count * sizeof(int32_t), g->perm_host));
}

static int copy_str(char *dst, size_t len, const char *src)
{
    if (!src)
        src = "";
    if (strlen(src) >= len)
        return 0;
    memcpy(dst, src, strlen(src) + 1);
    return 1;
}

static clgan_status check_params(clgan_gan *g, const struct clgan_gan_params *p)
{
    if (strcmp(p->model, "dcgan32") && strcmp(p->model, "dcgan64"))
        return fail(g, CLGAN_STATUS_INVALID_ARGUMENT, "--model: '%s' is not dcgan32 or dcgan64",
                    p->model);
    if (strcmp(p->g_loss, "ns") && strcmp(p->g_loss, "minimax"))
        return fail(g, CLGAN_STATUS_INVALID_ARGUMENT, "--g-loss: '%s' is not ns or minimax",
                    p->g_loss);
    if (p->nz < 1 || p->nz > 4096 || p->ngf < 1 || p->ngf > 1024 || p->ndf < 1 || p->ndf > 1024)
        return fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                    "--nz/--ngf/--ndf out of range (nz 1..4096, ngf/ndf 1..1024)");
    if (p->batch < 1 || p->batch > 65536)
        return fail(g, CLGAN_STATUS_INVALID_ARGUMENT, "--batch: %d outside 1..65536", p->batch);
    if (p->channels != 0 && p->channels != 1 && p->channels != 3)
        return fail(g, CLGAN_STATUS_INVALID_ARGUMENT, "channels must be 1 or 3");
    /* the optimizer runs in single precision: a value that rounds to 1 (beta2 0.999999999) or
     * to infinity is refused here, not at the first Adam step after the data set is loaded */
    if (!(p->lr > 0) || !isfinite((float)p->lr) || !(p->beta1 >= 0 && (float)p->beta1 < 1.0f) ||
        !(p->beta2 >= 0 && (float)p->beta2 < 1.0f))
        return fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                    "--lr must be > 0 and --beta1/--beta2 in [0, 1), as single-precision floats "
                    "(lr %g, beta1 %.10g, beta2 %.10g)",
                    p->lr, p->beta1, p->beta2);
    if (p->d_steps < 1 || p->d_steps > 100)
        return fail(g, CLGAN_STATUS_INVALID_ARGUMENT, "--d-steps: %d outside 1..100", p->d_steps);
    if (!(p->real_label > 0 && p->real_label <= 1))
        return fail(g, CLGAN_STATUS_INVALID_ARGUMENT, "real label must be in (0, 1]");
    if (p->epochs < 0 || p->iters < 0 || (p->epochs == 0 && p->iters == 0))
        return fail(g, CLGAN_STATUS_INVALID_ARGUMENT, "--epochs or --iters must be positive");
    if (!copy_str(g->model, sizeof(g->model), p->model) ||
        !copy_str(g->g_loss, sizeof(g->g_loss), p->g_loss) ||
        !copy_str(g->data, sizeof(g->data), p->data) ||
        !copy_str(g->out_dir, sizeof(g->out_dir), p->out_dir))
        return fail(g, CLGAN_STATUS_INVALID_ARGUMENT, "a path or name is too long");
    return CLGAN_STATUS_OK;
}

/* The data set stays on D's device when it takes at most a quarter of it and one allocation;
 * else batches stream from host memory. */
static int data_streams(const clgan_gan *g, size_t bytes)
{
    const struct clgan_device_info *di = clgan_ctx_device(g->dctx);
    return bytes > di->max_alloc || bytes > di->global_mem / 4;
}

/* Bytes of the trainer's own buffers on D's and on G's device (alloc_buffers). */
static void own_bytes(const clgan_gan *g, uint64_t *on_d, uint64_t *on_g)
{
    uint64_t img_u8 = (uint64_t)g->ds.channels * g->ds.height * g->ds.width;
    uint64_t set = (uint64_t)g->ds.count * img_u8, b = (uint64_t)g->batch;
    uint64_t fb = b * g->img * sizeof(float); /* one float batch of images */
    int grid = g->batch > GRID ? g->batch : GRID;
    *on_d = data_streams(g, (size_t)set) ? 2 * b * img_u8 + b * sizeof(int32_t)
                                         : set + (uint64_t)g->ds.count * sizeof(int32_t);
    *on_d += fb + b * sizeof(float) + S_N * sizeof(float) +
             clgan_ops_elt_sum_workspace((size_t)g->batch) * sizeof(float);
    *on_g = (uint64_t)grid * g->nz * sizeof(float) + sizeof(float);
    if (g->gctx != g->dctx) {
        *on_d += fb;
        *on_g += fb;
    }
}

/*
 * Everything training will allocate, against each device, before allocating anything: a model
 * too large for the device is refused with its total size and the device's, instead of failing
 * at whichever buffer happens to come last (or, on a driver that allocates lazily, swapping).
 */
static clgan_status check_memory(clgan_gan *g)
{
    struct clgan_layer_spec gs[CLGAN_MAX_LAYERS], ds[CLGAN_MAX_LAYERS];
    int ng = clgan_preset_dcgan_g(g->size, g->nz, g->p.ngf, g->nc, gs);
    int nd = clgan_preset_dcgan_d(g->size, g->p.ndf, g->nc, ds);
    struct clgan_shape zin = {g->nz, 1, 1}, xin = {g->nc, g->size, g->size};
    int gbatch = g->batch > GRID ? g->batch : GRID;
    struct clgan_model_mem gm, dm;
    clgan_status st = clgan_model_mem(g->gctx, gs, ng, zin, gbatch, 2, &gm);
    if (st != CLGAN_STATUS_OK)
        return dev_fail(g, g->gctx, st);
    if ((st = clgan_model_mem(g->dctx, ds, nd, xin, g->batch, 2, &dm)) != CLGAN_STATUS_OK)
        return dev_fail(g, g->dctx, st);
    uint64_t own_d, own_g;
    own_bytes(g, &own_d, &own_g);
    char who[256], a[32], b[32], c[32];
    snprintf(who, sizeof(who), "%s (ngf %d, ndf %d, nz %d) at batch %d", g->model, g->p.ngf,
             g->p.ndf, g->nz, g->batch);
    if ((st = clgan_rt_fits(g->gctx, 0, gm.largest, gm.largest_what, who)) != CLGAN_STATUS_OK)
        return dev_fail(g, g->gctx, st);
    if ((st = clgan_rt_fits(g->dctx, 0, dm.largest, dm.largest_what, who)) != CLGAN_STATUS_OK)
        return dev_fail(g, g->dctx, st);
    uint64_t tg = gm.total + own_g, td = dm.total + own_d;
    if (g->gctx == g->dctx) {
        clgan_rt_fmt_bytes(a, sizeof(a), gm.total);
        clgan_rt_fmt_bytes(b, sizeof(b), dm.total);
        clgan_rt_fmt_bytes(c, sizeof(c), own_d + own_g);
        char who2[512];
        snprintf(who2, sizeof(who2), "%s (G %s, D %s, data and batches %s)", who, a, b, c);
        return dev_fail(g, g->dctx, clgan_rt_fits(g->dctx, tg + td, 0, "", who2));
    }
    clgan_rt_fmt_bytes(a, sizeof(a), gm.total);
    clgan_rt_fmt_bytes(b, sizeof(b), own_g);
    char who2[512];
    snprintf(who2, sizeof(who2), "%s: G (%s, noise and batches %s)", who, a, b);
    if ((st = clgan_rt_fits(g->gctx, tg, 0, "", who2)) != CLGAN_STATUS_OK)
        return dev_fail(g, g->gctx, st);
    clgan_rt_fmt_bytes(a, sizeof(a), dm.total);
    clgan_rt_fmt_bytes(b, sizeof(b), own_d);
    snprintf(who2, sizeof(who2), "%s: D (%s, data and batches %s)", who, a, b);
    return dev_fail(g, g->dctx, clgan_rt_fits(g->dctx, td, 0, "", who2));
}

static clgan_status build_models(clgan_gan *g)
{
    struct clgan_layer_spec gs[CLGAN_MAX_LAYERS], ds[CLGAN_MAX_LAYERS];
    int ng = clgan_preset_dcgan_g(g->size, g->nz, g->p.ngf, g->nc, gs);
    int nd = clgan_preset_dcgan_d(g->size, g->p.ndf, g->nc, ds);
    struct clgan_shape zin = {g->nz, 1, 1}, xin = {g->nc, g->size, g->size};
    int gbatch = g->batch > GRID ? g->batch : GRID;
    clgan_status st = check_memory(g);
    if (st != CLGAN_STATUS_OK)
        return st;
    st = clgan_model_init(g->gctx, gs, ng, zin, gbatch, "main", &g->G);
    if (st != CLGAN_STATUS_OK)
        return dev_fail(g, g->gctx, st);
    st = clgan_model_init(g->dctx, ds, nd, xin, g->batch, "main", &g->D);
    if (st != CLGAN_STATUS_OK)
        return dev_fail(g, g->dctx, st);
    struct clgan_optim adam = {.kind = CLGAN_OPTIM_ADAM,
                               .lr = (float)g->p.lr,
                               .beta1 = (float)g->p.beta1,
                               .beta2 = (float)g->p.beta2,
                               .eps = 1e-8f};
    st = clgan_model_optim_init(g->G, &adam);
    if (st != CLGAN_STATUS_OK)
        return dev_fail(g, g->gctx, st);
    st = clgan_model_optim_init(g->D, &adam);
    if (st != CLGAN_STATUS_OK)
        return dev_fail(g, g->dctx, st);
    st = clgan_model_init_params(g->G, g->p.seed * 2 + 0);
    if (st != CLGAN_STATUS_OK)
        return dev_fail(g, g->gctx, st);
    return dev_fail(g, g->dctx, clgan_model_init_params(g->D, g->p.seed * 2 + 1));
}

static clgan_status load_data(clgan_gan *g)
{
    char err[1024];
    clgan_status st = clgan_data_load(g->data, g->nc, g->size, &g->ds, err, sizeof(err));
    if (st != CLGAN_STATUS_OK)
        return fail(g, st, "%s", err);
    if (g->ds.height > g->size || g->ds.width > g->size)
        return fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                    "%s: images are %dx%d but %s makes %dx%d images", g->data, g->ds.height,
                    g->ds.width, g->model, g->size, g->size);
    if (g->p.max_images > 0 && (size_t)g->p.max_images < g->ds.count)
        g->ds.count = (size_t)g->p.max_images;
    g->nc = g->ds.channels;
    if (g->ds.count < (size_t)g->batch * g->p.d_steps)
        return fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                    "%s: %zu images are fewer than one step needs (batch %d x d-steps %d)", g->data,
                    g->ds.count, g->batch, g->p.d_steps);
    return CLGAN_STATUS_OK;
}

static clgan_status alloc_buffers(clgan_gan *g)
{
    clgan_ctx *d = g->dctx;
    size_t img_bytes = (size_t)g->ds.channels * g->ds.height * g->ds.width, bytes;
    int grid = g->batch > GRID ? g->batch : GRID;
    clgan_status st = CLGAN_STATUS_OK;
    g->perm_host = malloc(g->ds.count * sizeof(int32_t));
    if (!g->perm_host)
        return fail(g, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "out of host memory");
    if (!clgan_mul_ok(g->ds.count, img_bytes, &bytes))
        return fail(g, CLGAN_STATUS_INVALID_ARGUMENT, "data set size overflows");
    g->streaming = data_streams(g, bytes);
    if (!g->streaming) {
        g->data_bytes = bytes;
        st = clgan_rt_alloc(d, bytes, "data set", &g->data_u8);
        if (st == CLGAN_STATUS_OK)
            st = clgan_rt_write(d, g->data_u8, 0, bytes, g->ds.pixels);
        if (st == CLGAN_STATUS_OK)
            st = clgan_rt_alloc(d, g->ds.count * sizeof(int32_t), "permutation", &g->perm);
    } else {
        /* double buffering: the host fills one batch while the device reads the other */
        for (int i = 0; i < 2 && st == CLGAN_STATUS_OK; i++) {
            g->stream_host[i] = malloc((size_t)g->batch * img_bytes);
            if (!g->stream_host[i])
                return fail(g, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "out of host memory");
            st =
                clgan_rt_alloc(d, (size_t)g->batch * img_bytes, "streamed batch", &g->stream_u8[i]);
        }
        if (st == CLGAN_STATUS_OK)
            st = clgan_rt_alloc(d, (size_t)g->batch * sizeof(int32_t), "batch index", &g->perm);
        if (st == CLGAN_STATUS_OK) {
            for (int i = 0; i < g->batch; i++)
                g->perm_host[i] = i;
            st = clgan_rt_write(d, g->perm, 0, (size_t)g->batch * sizeof(int32_t), g->perm_host);
        }
    }
    g->n_sumws = clgan_ops_elt_sum_workspace((size_t)g->batch);
    if (st == CLGAN_STATUS_OK)
        st = alloc_f(d, (size_t)g->batch * g->img, "real batch", &g->real);
    if (st == CLGAN_STATUS_OK)
        st = alloc_f(d, (size_t)g->batch, "logit gradient", &g->dlogit);
    if (st == CLGAN_STATUS_OK)
        st = alloc_f(d, S_N, "scalars", &g->scal);
    if (st == CLGAN_STATUS_OK)
        st = alloc_f(d, g->n_sumws, "reduction workspace", &g->sumws);
    if (st != CLGAN_STATUS_OK)
        return dev_fail(g, d, st);
    st = alloc_f(g->gctx, (size_t)grid * g->nz, "noise", &g->z);
    if (st == CLGAN_STATUS_OK)
        st = alloc_f(g->gctx, 1, "flag", &g->flag_g);
    if (st != CLGAN_STATUS_OK)
        return dev_fail(g, g->gctx, st);
    if (g->gctx != g->dctx) {
        g->xfer = malloc((size_t)g->batch * g->img * sizeof(float));
        if (!g->xfer)
            return fail(g, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "out of host memory");
        st = alloc_f(d, (size_t)g->batch * g->img, "fake batch", &g->fake_d);
        if (st != CLGAN_STATUS_OK)
            return dev_fail(g, d, st);
        st = alloc_f(g->gctx, (size_t)g->batch * g->img, "fake gradient", &g->dfake_g);
        if (st != CLGAN_STATUS_OK)
            return dev_fail(g, g->gctx, st);
    }
    return CLGAN_STATUS_OK;
}

static clgan_status ensure_dir(clgan_gan *g, const char *dir)
{
    char tmp[1200];
    snprintf(tmp, sizeof(tmp), "%s", dir);
    for (char *s = tmp + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = 0;
        if (mkdir(tmp, 0755) && errno != EEXIST)
            return fail(g, CLGAN_STATUS_IO, "%s: cannot create folder: %s", tmp, strerror(errno));
        *s = '/';
    }
    if (mkdir(tmp, 0755) && errno != EEXIST)
        return fail(g, CLGAN_STATUS_IO, "%s: cannot create folder: %s", tmp, strerror(errno));
    /* writable? find out now, not at the first checkpoint an hour from now */
    char probe[1300];
    snprintf(probe, sizeof(probe), "%s/.clgan-write-test.%ld", tmp, (long)getpid());
    FILE *f = fopen(probe, "w");
    if (!f)
        return fail(g, CLGAN_STATUS_IO, "%s: folder is not writable: %s", tmp, strerror(errno));
    fclose(f);
    unlink(probe);
    return CLGAN_STATUS_OK;
}

static clgan_status resume_from(clgan_gan *g, const char *path);

clgan_status clgan_gan_init(clgan_ctx *g_ctx, clgan_ctx *d_ctx,
                            const struct clgan_gan_params *params, clgan_gan **out, char *msg,
                            size_t msg_len)
{
    *out = NULL;
    clgan_gan *g = calloc(1, sizeof(*g));
    if (!g)
        return CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    g->p = *params;
    g->gctx = g_ctx;
    g->dctx = d_ctx ? d_ctx : g_ctx;
    clgan_status st = check_params(g, params);
    if (st == CLGAN_STATUS_OK) {
        g->p.model = g->model;
        g->p.g_loss = g->g_loss;
        g->p.data = g->data;
        g->p.out_dir = g->out_dir;
        g->p.resume = NULL;
        g->size = !strcmp(g->model, "dcgan64") ? 64 : 32;
        g->nz = params->nz;
        g->batch = params->batch;
        /* unless asked: gray for IDX sets, RGB for image folders */
        g->nc = g->p.channels ? g->p.channels : !strncmp(g->data, "folder:", 7) ? 3 : 1;
        g->img = (size_t)g->nc * g->size * g->size;
        /* the models alone first: a size the device cannot hold fails before the data set is
         * read; build_models checks again with the data set */
        st = check_memory(g);
    }
    if (st == CLGAN_STATUS_OK)
        st = load_data(g);
    if (st == CLGAN_STATUS_OK) {
        g->img = (size_t)g->nc * g->size * g->size;
        g->per_epoch = (long long)(g->ds.count / ((size_t)g->batch * g->p.d_steps));
        g->total = g->p.iters > 0 ? g->p.iters : (long long)g->p.epochs * g->per_epoch;
        if (g->p.iters > 0 && g->p.epochs > 0 && (long long)g->p.epochs * g->per_epoch < g->total)
            g->total = (long long)g->p.epochs * g->per_epoch;
        g->shuffle_state = g->p.seed ^ 0x73687566666c65ull; /* "shuffle" */
        st = build_models(g);
    }
    if (st == CLGAN_STATUS_OK)
        st = alloc_buffers(g);
    if (st == CLGAN_STATUS_OK && params->resume)
        st = resume_from(g, params->resume);
    if (st == CLGAN_STATUS_OK)
        st = new_permutation(g);
    if (st == CLGAN_STATUS_OK && g->out_dir[0]) {
        st = ensure_dir(g, g->out_dir);
        /* temporary files of an earlier run that was killed while writing */
        static const char *const sub[] = {"", "/checkpoints", "/samples"};
        for (int i = 0; i < 3 && st == CLGAN_STATUS_OK; i++) {
            char dir[1200];
            snprintf(dir, sizeof(dir), "%s%s", g->out_dir, sub[i]);
            int n = clgan_io_atomic_sweep(dir);
            if (n)
                clgan_log(CLGAN_LOG_INFO, "%s: removed %d temporary file%s of an interrupted write",
                          dir, n, n == 1 ? "" : "s");
        }
    }
    if (st != CLGAN_STATUS_OK) {
        if (msg && msg_len)
            snprintf(msg, msg_len, "%s", g->err);
        clgan_gan_free(g);
        return st;
    }
    *out = g;
    return CLGAN_STATUS_OK;
}

/* ---------------------------------------------------------------- the step */

/* Next real batch into g->real. */
static clgan_status real_batch(clgan_gan *g)
{
    struct clgan_ops_u8_set set = {.count = g->ds.count,
                                   .c = (size_t)g->ds.channels,
                                   .hs = (size_t)g->ds.height,
                                   .ws = (size_t)g->ds.width};
    if (g->batch_in_epoch >= (long long)(g->ds.count / (size_t)g->batch)) {
        /* epoch boundary within a multi-D-step step: start the next permutation */
        g->shuffle_state = g->shuffle_next;
        g->batch_in_epoch = 0;
        clgan_status st = new_permutation(g);
        if (st != CLGAN_STATUS_OK)
            return st;
    }
    size_t first = (size_t)g->batch_in_epoch * g->batch;
    g->batch_in_epoch++;
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
    clgan_status st =
        CLG_CL(g->dctx, clEnqueueWriteBuffer(g->dctx->queue, buf, CL_FALSE, 0,
                                             (size_t)g->batch * ib, h, 0, NULL, NULL));
    if (st != CLGAN_STATUS_OK)
        return st;
    set.data = buf;
    set.count = (size_t)g->batch;
    return clgan_ops_elt_gather_u8(g->dctx, &set, g->perm, 0, (size_t)g->batch, (size_t)g->size,
                                   (size_t)g->size, 2.0f / 255.0f, -1.0f, g->real, 0);
}

/* Fake batch as D sees it: on D's device. */
static clgan_status fake_on_d(clgan_gan *g, cl_mem *mem, size_t *off)
{
    size_t n = (size_t)g->batch * g->img;
    if (g->gctx == g->dctx) {
        *mem = g->G->act;
        *off = clgan_model_output_off(g->G);
        return CLGAN_STATUS_OK;
    }
    clgan_status st =
        clgan_rt_read(g->gctx, g->G->act, clgan_model_output_off(g->G) * sizeof(float),
                      n * sizeof(float), g->xfer);
    if (st != CLGAN_STATUS_OK)
        return dev_fail(g, g->gctx, st);
    *mem = g->fake_d;
    *off = 0;
    return dev_fail(g, g->dctx, clgan_rt_write(g->dctx, g->fake_d, 0, n * sizeof(float), g->xfer));
}

static clgan_status d_step(clgan_gan *g)
{
    clgan_ctx *d = g->dctx;
    struct clgan_model *D = g->D;
    size_t n = (size_t)g->batch;
    clgan_status st = real_batch(g);
    if (st != CLGAN_STATUS_OK)
        return dev_fail(g, d, st);
    st = clgan_ops_rng_normal(g->gctx, g->z, 0, n * g->nz, 0.0f, 1.0f, g->p.seed ^ NOISE_SEED_MIX,
                              g->noise_counter);
    g->noise_counter += clgan_ops_rng_blocks(n * g->nz);
    if (st == CLGAN_STATUS_OK)
        st = clgan_model_forward(g->G, g->z, 0, g->batch, CLGAN_FWD_TRAIN);
    if (st != CLGAN_STATUS_OK)
        return dev_fail(g, g->gctx, st);
    cl_mem fake;
    size_t fake_off;
    if ((st = fake_on_d(g, &fake, &fake_off)) != CLGAN_STATUS_OK)
        return st;
    size_t out = clgan_model_output_off(D);
    st = clgan_model_forward(D, g->real, 0, g->batch, CLGAN_FWD_TRAIN);
    if (st == CLGAN_STATUS_OK)
        st = clgan_ops_loss_bce_logits(d, n, (float)g->p.real_label, 1.0f, D->act, out, g->dlogit,
                                       0, 0.0f, g->scal, S_LOSS_REAL, 0.0f, g->scal, S_DX);
    if (st == CLGAN_STATUS_OK)
        st = clgan_model_backward(D, g->real, 0, g->dlogit, 0, g->batch, CLGAN_BWD_NO_INPUT_GRAD);
    if (st == CLGAN_STATUS_OK)
        st = clgan_model_forward(D, fake, fake_off, g->batch, CLGAN_FWD_TRAIN);
    if (st == CLGAN_STATUS_OK)
        st = clgan_ops_loss_bce_logits(d, n, 0.0f, 1.0f, D->act, out, g->dlogit, 0, 0.0f, g->scal,
                                       S_LOSS_FAKE, 0.0f, g->scal, S_DGZ1);
    if (st == CLGAN_STATUS_OK)
        st = clgan_model_backward(D, fake, fake_off, g->dlogit, 0, g->batch,
                                  CLGAN_BWD_NO_INPUT_GRAD | CLGAN_BWD_ACCUMULATE);
    if (st == CLGAN_STATUS_OK)
        st = clgan_model_optim_step(D);
    return dev_fail(g, d, st);
}

static clgan_status g_step(clgan_gan *g)
{
    clgan_ctx *d = g->dctx;
    struct clgan_model *D = g->D;
    size_t n = (size_t)g->batch;
    int minimax = !strcmp(g->g_loss, "minimax");
    cl_mem fake;
    size_t fake_off;
    /* the fake batch of the last D update, whose G activations are still in place */
    clgan_status st = g->gctx == g->dctx ? fake_on_d(g, &fake, &fake_off) : CLGAN_STATUS_OK;
    if (g->gctx != g->dctx) {
        fake = g->fake_d;
        fake_off = 0;
    }
    if (st != CLGAN_STATUS_OK)
        return st;
    size_t out = clgan_model_output_off(D);
    st = clgan_model_forward(D, fake, fake_off, g->batch, CLGAN_FWD_TRAIN);
    /* non-saturating: minimise BCE(D(G(z)), 1); minimax: minimise log(1 - D(G(z))) =
     * -BCE(D(G(z)), 0) */
    if (st == CLGAN_STATUS_OK)
        st = clgan_ops_loss_bce_logits(d, n, minimax ? 0.0f : 1.0f, minimax ? -1.0f : 1.0f, D->act,
                                       out, g->dlogit, 0, 0.0f, g->scal, S_LOSS_G, 0.0f, g->scal,
                                       S_DGZ2);
    if (st == CLGAN_STATUS_OK)
        st = clgan_model_backward(D, fake, fake_off, g->dlogit, 0, g->batch,
                                  CLGAN_BWD_NO_PARAM_GRAD);
    if (st != CLGAN_STATUS_OK)
        return dev_fail(g, d, st);
    cl_mem dfake = D->dx;
    if (g->gctx != g->dctx) {
        st = clgan_rt_read(d, D->dx, 0, n * g->img * sizeof(float), g->xfer);
        if (st != CLGAN_STATUS_OK)
            return dev_fail(g, d, st);
        st = clgan_rt_write(g->gctx, g->dfake_g, 0, n * g->img * sizeof(float), g->xfer);
        dfake = g->dfake_g;
    }
    if (st == CLGAN_STATUS_OK)
        st = clgan_model_backward(g->G, g->z, 0, dfake, 0, g->batch, CLGAN_BWD_NO_INPUT_GRAD);
    if (st == CLGAN_STATUS_OK)
        st = clgan_model_optim_step(g->G);
    return dev_fail(g, g->gctx, st);
}

clgan_status clgan_gan_step(clgan_gan *g, struct clgan_gan_stats *stats)
{
    clgan_status st = CLGAN_STATUS_OK;
    for (int k = 0; k < g->p.d_steps && st == CLGAN_STATUS_OK; k++)
        st = d_step(g);
    if (st == CLGAN_STATUS_OK)
        st = g_step(g);
    if (st != CLGAN_STATUS_OK)
        return st;
    g->step++;
    if (g->step % g->per_epoch == 0) {
        g->epoch++;
        g->shuffle_state = g->shuffle_next;
        g->batch_in_epoch = 0;
        if ((st = new_permutation(g)) != CLGAN_STATUS_OK)
            return st;
    }
    if (!stats)
        return CLGAN_STATUS_OK;
    float s[S_N];
    st = clgan_rt_read(g->dctx, g->scal, 0, sizeof(float) * S_FINITE, s);
    if (st != CLGAN_STATUS_OK)
        return dev_fail(g, g->dctx, st);
    stats->step = g->step;
    stats->epoch = g->epoch;
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
        if (st == CLGAN_STATUS_OK)
            st = clgan_model_forward(g->G, g->z, 0, bb, CLGAN_FWD_BATCH_STATS);
        if (st == CLGAN_STATUS_OK)
            st = clgan_rt_read(g->gctx, g->G->act, clgan_model_output_off(g->G) * sizeof(float),
                               (size_t)b * g->img * sizeof(float), out + (size_t)done * g->img);
        if (st != CLGAN_STATUS_OK)
            return dev_fail(g, g->gctx, st);
        done += b;
    }
    /* the G activations now hold the samples, not the training fake: callers sample between
     * steps only, and every step computes its fake afresh */
    return CLGAN_STATUS_OK;
}

/* Prefix g->err with the file being written (device errors do not know the file). */
static clgan_status saving_fail(clgan_gan *g, clgan_status st, const char *path)
{
    char tmp[2048];
    snprintf(tmp, sizeof(tmp), "%s", g->err);
    return fail(g, st, "writing %s: %s", path, tmp);
}

static clgan_status write_grid(clgan_gan *g, const char *path)
{
    float *buf = malloc((size_t)GRID * g->img * sizeof(float));
    if (!buf)
        return fail(g, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "out of host memory");
    clgan_status st = clgan_gan_sample(g, g->p.seed, GRID, buf);
    if (st != CLGAN_STATUS_OK)
        saving_fail(g, st, path);
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_png_grid(path, buf, GRID, g->nc, g->size, g->size, 8, 8, g->err,
                               sizeof(g->err));
    free(buf);
    return st;
}

clgan_status clgan_gan_write_grid(clgan_gan *g, const char *path)
{
    return write_grid(g, path);
}

/* ---------------------------------------------------------------- checkpoints */

/* *ok = every parameter of m is finite (one device flag, read back once). */
static clgan_status finite_params(clgan_gan *g, struct clgan_model *m, int *ok)
{
    float flag = 0;
    cl_mem fm = m->ctx == g->dctx ? g->scal : g->flag_g;
    size_t fo = m->ctx == g->dctx ? S_FINITE : 0;
    clgan_status st = clgan_ops_elt_finite(m->ctx, m->n_params, m->params, 0, 0, fm, fo);
    if (st == CLGAN_STATUS_OK)
        st = clgan_rt_read(m->ctx, fm, fo * sizeof(float), sizeof(float), &flag);
    if (st != CLGAN_STATUS_OK)
        return dev_fail(g, m->ctx, st);
    *ok = flag == 0.0f;
    return CLGAN_STATUS_OK;
}

static void meta_num(clgan_st_writer *w, const char *k, double v)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%.17g", v);
    clgan_io_st_writer_meta(w, k, buf, NULL, 0);
}

static void meta_u64(clgan_st_writer *w, const char *k, uint64_t v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%" PRIu64, v);
    clgan_io_st_writer_meta(w, k, buf, NULL, 0);
}

clgan_status clgan_gan_save(clgan_gan *g, const char *path)
{
    int okg = 0, okd = 0;
    clgan_status st = finite_params(g, g->G, &okg);
    if (st == CLGAN_STATUS_OK)
        st = finite_params(g, g->D, &okd);
    if (st != CLGAN_STATUS_OK)
        return saving_fail(g, st, path);
    if (!okg || !okd)
        return fail(g, CLGAN_STATUS_NUMERICAL,
                    "step %lld: training diverged: %s weights are not finite; not writing %s; "
                    "last good checkpoint: %s",
                    g->step, !okg ? "G" : "D", path,
                    g->last_ckpt[0] ? g->last_ckpt : "none written yet");
    clgan_st_writer *w = NULL;
    st = clgan_io_st_writer_init(&w, g->err, sizeof(g->err));
    if (st == CLGAN_STATUS_OK)
        st = clgan_ckpt_add_model(w, g->G, "netG.", 1, g->err, sizeof(g->err));
    if (st == CLGAN_STATUS_OK)
        st = clgan_ckpt_add_model(w, g->D, "netD.", 1, g->err, sizeof(g->err));
    if (st != CLGAN_STATUS_OK)
        saving_fail(g, st, path);
    if (st == CLGAN_STATUS_OK) {
        clgan_io_st_writer_meta(w, "format", "clgan-gan-1", NULL, 0);
        clgan_io_st_writer_meta(w, "model", g->model, NULL, 0);
        clgan_io_st_writer_meta(w, "g_loss", g->g_loss, NULL, 0);
        clgan_io_st_writer_meta(w, "data", g->data, NULL, 0);
        meta_num(w, "nz", g->nz);
        meta_num(w, "ngf", g->p.ngf);
        meta_num(w, "ndf", g->p.ndf);
        meta_num(w, "nc", g->nc);
        meta_num(w, "batch", g->batch);
        meta_num(w, "lr", g->p.lr);
        meta_num(w, "beta1", g->p.beta1);
        meta_num(w, "beta2", g->p.beta2);
        meta_num(w, "d_steps", g->p.d_steps);
        meta_num(w, "real_label", g->p.real_label);
        meta_num(w, "max_images", (double)g->p.max_images);
        meta_u64(w, "seed", g->p.seed);
        meta_num(w, "step", (double)g->step);
        meta_num(w, "epoch", g->epoch);
        meta_num(w, "batch_in_epoch", (double)g->batch_in_epoch);
        meta_u64(w, "shuffle_state", g->shuffle_state);
        meta_u64(w, "noise_counter", g->noise_counter);
        meta_num(w, "adam_t_G", (double)g->G->opt.t);
        meta_num(w, "adam_t_D", (double)g->D->opt.t);
        meta_num(w, "bn_batches_D", (double)g->D->bn_batches);
        st = clgan_io_st_writer_save(w, path, g->err, sizeof(g->err));
    }
    clgan_io_st_writer_free(w);
    if (st == CLGAN_STATUS_OK)
        snprintf(g->last_ckpt, sizeof(g->last_ckpt), "%s", path);
    return st;
}

static int meta_get(const clgan_st_file *f, const char *k, double *v)
{
    const char *s = clgan_io_st_meta(f, k);
    char *end;
    if (!s)
        return 0;
    *v = strtod(s, &end);
    return end != s && *end == 0;
}

static int meta_getu(const clgan_st_file *f, const char *k, uint64_t *v)
{
    const char *s = clgan_io_st_meta(f, k);
    char *end;
    if (!s)
        return 0;
    *v = strtoull(s, &end, 10);
    return end != s && *end == 0;
}

static clgan_status resume_from(clgan_gan *g, const char *path)
{
    char file[1200];
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        snprintf(file, sizeof(file), "%s/checkpoints/latest.safetensors", path);
    else
        snprintf(file, sizeof(file), "%s", path);
    clgan_st_file *f = NULL;
    clgan_status st = clgan_io_st_load(file, &f, g->err, sizeof(g->err));
    if (st != CLGAN_STATUS_OK)
        return st;
    const char *fmt = clgan_io_st_meta(f, "format");
    const char *model = clgan_io_st_meta(f, "model");
    double v[8];
    uint64_t shuffle, noise, seed;
    if (!fmt || strcmp(fmt, "clgan-gan-1") || !model || !meta_get(f, "step", &v[0]) ||
        !meta_get(f, "epoch", &v[1]) || !meta_get(f, "batch_in_epoch", &v[2]) ||
        !meta_get(f, "adam_t_G", &v[3]) || !meta_get(f, "adam_t_D", &v[4]) ||
        !meta_get(f, "bn_batches_D", &v[5]) || !meta_getu(f, "shuffle_state", &shuffle) ||
        !meta_getu(f, "noise_counter", &noise) || !meta_getu(f, "seed", &seed)) {
        st = fail(g, CLGAN_STATUS_CORRUPT_FILE, "%s: not a clgan GAN checkpoint (metadata missing)",
                  file);
        goto out;
    }
    if (strcmp(model, g->model) || seed != g->p.seed) {
        st = fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                  "%s: checkpoint is %s with seed %" PRIu64 ", run asks for %s with seed %" PRIu64,
                  file, model, seed, g->model, g->p.seed);
        goto out;
    }
    st = clgan_ckpt_load_model(f, g->G, "netG.", 1, g->err, sizeof(g->err));
    if (st == CLGAN_STATUS_OK)
        st = clgan_ckpt_load_model(f, g->D, "netD.", 1, g->err, sizeof(g->err));
    if (st != CLGAN_STATUS_OK) {
        char tmp[2048];
        snprintf(tmp, sizeof(tmp), "%s", g->err);
        fail(g, st, "%s: %s", file, tmp);
        goto out;
    }
    g->step = (long long)v[0];
    g->epoch = (int)v[1];
    g->batch_in_epoch = (long long)v[2];
    g->G->opt.t = (long long)v[3];
    g->D->opt.t = (long long)v[4];
    g->D->bn_batches = (long long)v[5];
    g->shuffle_state = shuffle;
    g->noise_counter = noise;
    snprintf(g->last_ckpt, sizeof(g->last_ckpt), "%s", file);
out:
    clgan_io_st_free(f);
    return st;
}

/* ---------------------------------------------------------------- the loop */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void add_hist(clgan_gan *g, const struct clgan_gan_stats *s)
{
    if (g->n_hist == g->cap_hist) {
        size_t cap = g->cap_hist ? g->cap_hist * 2 : 256;
        void *p = realloc(g->hist, cap * sizeof(*g->hist));
        if (!p)
            return;
        g->hist = p;
        g->cap_hist = cap;
    }
    struct hist_row r = {(double)s->step, s->loss_d, s->loss_g, s->d_x, s->d_g_z1, s->d_g_z2};
    g->hist[g->n_hist++] = r;
}

/* Read metrics.csv back (a resumed run's curves cover the whole training). */
static void load_hist(clgan_gan *g, const char *path)
{
    FILE *f = fopen(path, "r");
    char line[512];
    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        struct clgan_gan_stats s;
        double ep, ips;
        if (sscanf(line, "%lld,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &s.step, &ep, &ips, &s.loss_d,
                   &s.loss_g, &s.d_x, &s.d_g_z1, &s.d_g_z2) == 8 &&
            s.step <= g->step)
            add_hist(g, &s);
    }
    fclose(f);
}

static clgan_status write_curves(clgan_gan *g)
{
    size_t n = g->n_hist;
    double *x = malloc((n ? n : 1) * sizeof(double) * 6);
    if (!x)
        return fail(g, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "out of host memory");
    double *cols[6];
    for (int c = 0; c < 6; c++)
        cols[c] = x + (size_t)c * (n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        cols[0][i] = g->hist[i].step;
        cols[1][i] = g->hist[i].loss_d;
        cols[2][i] = g->hist[i].loss_g;
        cols[3][i] = g->hist[i].d_x;
        cols[4][i] = g->hist[i].d_gz1;
        cols[5][i] = g->hist[i].d_gz2;
    }
    struct clgan_series loss[2] = {{"Loss_D", cols[0], cols[1], n},
                                   {"Loss_G", cols[0], cols[2], n}};
    struct clgan_series prob[3] = {{"D(x)", cols[0], cols[3], n},
                                   {"D(G(z)) in the D step", cols[0], cols[4], n},
                                   {"D(G(z)) in the G step", cols[0], cols[5], n}};
    char path[1200], title[1200];
    snprintf(path, sizeof(path), "%s/curves.svg", g->out_dir);
    snprintf(title, sizeof(title), "%s on %s", g->model, g->data);
    clgan_status st = clgan_io_svg_curves(path, title, loss, 2, prob, 3, g->err, sizeof(g->err));
    free(x);
    return st;
}

/* Keep the newest `keep` epoch checkpoints. */
static void prune_epochs(clgan_gan *g)
{
    int keep = g->p.keep_ckpts > 0 ? g->p.keep_ckpts : 3;
    for (int e = g->epoch - keep; e >= 1; e--) {
        char path[1200];
        snprintf(path, sizeof(path), "%s/checkpoints/epoch_%03d.safetensors", g->out_dir, e);
        if (unlink(path) != 0)
            break;
    }
}

static clgan_status checkpoint(clgan_gan *g, int epoch_end)
{
    char dir[1200], path[1300];
    snprintf(dir, sizeof(dir), "%s/checkpoints", g->out_dir);
    clgan_status st = ensure_dir(g, dir);
    if (st != CLGAN_STATUS_OK)
        return st;
    snprintf(path, sizeof(path), "%s/latest.safetensors", dir);
    st = clgan_gan_save(g, path);
    if (st == CLGAN_STATUS_OK && epoch_end) {
        snprintf(path, sizeof(path), "%s/epoch_%03d.safetensors", dir, g->epoch);
        st = clgan_gan_save(g, path);
        snprintf(g->last_ckpt, sizeof(g->last_ckpt), "%s/latest.safetensors", dir);
        if (st == CLGAN_STATUS_OK)
            prune_epochs(g);
    }
    /* the generator alone, under PyTorch's names, for netG.load_state_dict() */
    if (st == CLGAN_STATUS_OK) {
        clgan_st_writer *w = NULL;
        snprintf(path, sizeof(path), "%s/generator.safetensors", dir);
        st = clgan_io_st_writer_init(&w, g->err, sizeof(g->err));
        if (st == CLGAN_STATUS_OK &&
            (st = clgan_ckpt_add_model(w, g->G, "", 0, g->err, sizeof(g->err))) != CLGAN_STATUS_OK)
            saving_fail(g, st, path);
        if (st == CLGAN_STATUS_OK) {
            clgan_io_st_writer_meta(w, "format", "clgan-generator-1", NULL, 0);
            clgan_io_st_writer_meta(w, "model", g->model, NULL, 0);
            meta_num(w, "nz", g->nz);
            meta_num(w, "ngf", g->p.ngf);
            meta_num(w, "nc", g->nc);
            meta_num(w, "step", (double)g->step);
            st = clgan_io_st_writer_save(w, path, g->err, sizeof(g->err));
        }
        clgan_io_st_writer_free(w);
    }
    return st;
}

static const char *const METRICS_HEADER = "step,epoch,images_per_s,loss_d,loss_g,d_x,d_g_z1,d_g_z2";

/*
 * Drop the metrics rows of steps after the one training starts from. A run killed after logging
 * step k but before its checkpoint resumes at an earlier step and logs k again; a new run in an
 * old folder starts at 0. Either way the file then describes this run, one row per logged step.
 * Rewritten atomically, and only when there is something to drop.
 */
static clgan_status trim_metrics(clgan_gan *g, const char *path)
{
    char *data = NULL;
    size_t len = 0;
    if (access(path, F_OK) != 0)
        return CLGAN_STATUS_OK;
    clgan_status st =
        clgan_io_read_file(path, (size_t)1 << 30, &data, &len, g->err, sizeof(g->err));
    if (st != CLGAN_STATUS_OK)
        return st;
    struct clgan_io_buf out = {0};
    int dropped = 0;
    for (char *line = data; *line;) {
        char *nl = strchr(line, '\n');
        if (!nl)
            break; /* a partial last row: clgan_io_csvlog_open cuts it */
        char *end;
        long long step = strtoll(line, &end, 10);
        if (line != data && end != line && *end == ',' && step > g->step)
            dropped++;
        else
            clgan_io_buf_append(&out, line, (size_t)(nl - line + 1));
        line = nl + 1;
    }
    if (out.failed)
        st = fail(g, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "%s: out of memory", path);
    else if (dropped)
        st = clgan_io_write_file(path, out.data ? out.data : "", out.len, g->err, sizeof(g->err));
    clgan_io_buf_free(&out);
    free(data);
    return st;
}

clgan_status clgan_gan_train(clgan_gan *g, volatile int *stop, clgan_progress_fn fn, void *user)
{
    char path[1300];
    clgan_csvlog *log = NULL;
    snprintf(path, sizeof(path), "%s/metrics.csv", g->out_dir);
    clgan_status st = trim_metrics(g, path);
    if (st != CLGAN_STATUS_OK)
        return st;
    if (g->step > 0)
        load_hist(g, path);
    st = clgan_io_csvlog_open(path, METRICS_HEADER, &log, g->err, sizeof(g->err));
    if (st != CLGAN_STATUS_OK)
        return st;
    snprintf(path, sizeof(path), "%s/samples", g->out_dir);
    if ((st = ensure_dir(g, path)) != CLGAN_STATUS_OK)
        goto out;
    int log_every = g->p.log_every > 0 ? g->p.log_every : 50;
    double t0 = now_s(), t_last = t0;
    long long s_last = g->step, s0 = g->step;
    while (g->step < g->total) {
        int want = (g->step + 1) % log_every == 0 || g->step + 1 == g->total;
        struct clgan_gan_stats s;
        int epoch_before = g->epoch;
        st = clgan_gan_step(g, want ? &s : NULL);
        if (st != CLGAN_STATUS_OK)
            goto out;
        if (want) {
            double t = now_s();
            double ips = (double)(g->step - s_last) * g->batch * g->p.d_steps /
                         (t - t_last > 1e-9 ? t - t_last : 1e-9);
            t_last = t;
            s_last = g->step;
            double vals[8] = {(double)s.step, s.epoch, ips,      s.loss_d,
                              s.loss_g,       s.d_x,   s.d_g_z1, s.d_g_z2};
            for (int i = 3; i < 8; i++)
                if (!isfinite(vals[i])) {
                    st = fail(g, CLGAN_STATUS_NUMERICAL,
                              "step %lld: training diverged (Loss_D %g, Loss_G %g); last good "
                              "checkpoint: %s",
                              g->step, s.loss_d, s.loss_g,
                              g->last_ckpt[0] ? g->last_ckpt : "none written yet");
                    goto out;
                }
            add_hist(g, &s);
            if ((st = clgan_io_csvlog_values(log, vals, 8, g->err, sizeof(g->err))) !=
                CLGAN_STATUS_OK)
                goto out;
            if (fn) {
                double rate = (double)(g->step - s0) / (t - t0 > 1e-9 ? t - t0 : 1e-9);
                fn(&s, ips, rate > 0 ? (g->total - g->step) / rate : 0, g->total, user);
            }
        }
        if (g->p.sample_every > 0 && g->step % g->p.sample_every == 0) {
            snprintf(path, sizeof(path), "%s/samples/step_%07lld.png", g->out_dir, g->step);
            if ((st = write_grid(g, path)) != CLGAN_STATUS_OK)
                goto out;
        }
        int epoch_end = g->epoch != epoch_before;
        if (epoch_end) {
            snprintf(path, sizeof(path), "%s/samples/epoch_%03d.png", g->out_dir, g->epoch);
            if ((st = write_grid(g, path)) != CLGAN_STATUS_OK)
                goto out;
        }
        if (epoch_end || (g->p.ckpt_every > 0 && g->step % g->p.ckpt_every == 0) ||
            g->step == g->total) {
            if ((st = checkpoint(g, epoch_end)) != CLGAN_STATUS_OK)
                goto out;
        }
        if (stop && *stop) {
            if ((st = checkpoint(g, 0)) == CLGAN_STATUS_OK)
                st = fail(g, CLGAN_STATUS_INTERRUPTED, "interrupted at step %lld; checkpoint %s",
                          g->step, g->last_ckpt);
            goto out;
        }
    }
    snprintf(path, sizeof(path), "%s/samples/final.png", g->out_dir);
    if ((st = write_grid(g, path)) == CLGAN_STATUS_OK)
        st = write_curves(g);
out:
    if (st != CLGAN_STATUS_OK && st != CLGAN_STATUS_INTERRUPTED && g->n_hist)
        write_curves(g); /* best effort: the curves up to the failure */
    {
        char e2[256];
        clgan_io_csvlog_close(log, e2, sizeof(e2));
    }
    return st;
}

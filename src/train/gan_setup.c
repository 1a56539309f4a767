/*
 * gan_setup.c - building a GAN trainer: parameters and their checks, the two networks (a preset,
 * a spec file or the spec a checkpoint carries), the memory check against each device, the data
 * set on D's device, the trainer's own buffers, and freeing it all.
 */
#include <ctype.h>
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

#include "base/hash.h"
#include "train/gan.h"

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
        if (g->labels_u8)
            clgan_rt_release(g->dctx, g->labels_u8, g->ds.count);
        release_f(g->dctx, &g->y, (size_t)g->batch);
    }
    if (g->gctx) {
        release_f(g->gctx, &g->z, (size_t)grid * g->nz + 4);
        release_f(g->gctx, &g->dfake_g, (size_t)g->batch * g->img);
        release_f(g->gctx, &g->flag_g, 1);
        release_f(g->gctx, &g->y_g, (size_t)grid);
    }
    clgan_gan_dist_free(g);
    clgan_model_free(g->G);
    clgan_model_free(g->D);
    clgan_data_free(&g->ds);
    free(g->perm_host);
    free(g->stream_host[0]);
    free(g->stream_host[1]);
    free(g->xfer);
    free(g->y_host);
    clgan_data_free_names(g->class_names, g->classes);
    free(g->hist);
    {
        char e2[256];
        clgan_io_jsonl_close(g->jsonl, e2, sizeof(e2));
    }
    clgan_io_unlock_dir(g->lock_fd);
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

void clgan_gan_get_info(const clgan_gan *g, struct clgan_gan_info *info)
{
    memset(info, 0, sizeof(*info));
    info->data = g->data;
    info->model = g->model;
    info->images = g->ds.count;
    info->width = g->ds.width;
    info->height = g->ds.height;
    info->channels = g->ds.channels;
    info->classes = g->ds.labels ? g->ds.n_classes : 0;
    info->image_size = g->size;
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
    if (p->model && p->model[0] && !clgan_gan_preset_size(p->model))
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                              "model '%s' is not dcgan<N> with N a power of two from 16 to 4096 "
                              "(dcgan32, dcgan64, ...)",
                              p->model);
    if (p->image_size &&
        (p->image_size < 16 || p->image_size > 4096 || (p->image_size & (p->image_size - 1))))
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                              "image size %d is not a power of two from 16 to 4096", p->image_size);
    if (strcmp(p->g_loss, "ns") && strcmp(p->g_loss, "minimax"))
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                              "generator loss '%s' is not ns or minimax", p->g_loss);
    if (p->nz < 1 || p->nz > 4096 || p->ngf < 1 || p->ngf > 1024 || p->ndf < 1 || p->ndf > 1024)
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                              "nz, ngf or ndf out of range (nz 1..4096, ngf/ndf 1..1024)");
    if (p->batch < 1 || p->batch > 65536)
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT, "batch %d outside 1..65536",
                              p->batch);
    if (p->channels != 0 && p->channels != 1 && p->channels != 3)
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT, "channels must be 1 or 3");
    /* the optimizer runs in single precision: a value that rounds to 1 (beta2 0.999999999) or
     * to infinity is refused here, not at the first Adam step after the data set is loaded */
    if (!(p->lr > 0) || !isfinite((float)p->lr) || !(p->beta1 >= 0 && (float)p->beta1 < 1.0f) ||
        !(p->beta2 >= 0 && (float)p->beta2 < 1.0f))
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                              "the learning rate must be > 0 and beta1, beta2 in [0, 1), as "
                              "single-precision floats (lr %g, beta1 %.10g, beta2 %.10g)",
                              p->lr, p->beta1, p->beta2);
    if (p->d_steps < 1 || p->d_steps > 100)
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT, "D steps %d outside 1..100",
                              p->d_steps);
    if (!(p->real_label > 0 && p->real_label <= 1))
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT, "real label must be in (0, 1]");
    if (p->max_images < 0 || p->per_class < 0)
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                              "max images and images per class must be >= 0");
    if (p->epochs < 0 || p->iters < 0 || (p->epochs == 0 && p->iters == 0))
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                              "the epoch or step count must be positive");
    if (!copy_str(g->model, sizeof(g->model), p->model) ||
        !copy_str(g->g_loss, sizeof(g->g_loss), p->g_loss) ||
        !copy_str(g->data, sizeof(g->data), p->data) ||
        !copy_str(g->out_dir, sizeof(g->out_dir), p->out_dir) ||
        !copy_str(g->labels, sizeof(g->labels), p->labels ? p->labels : ""))
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT, "a path or name is too long");
    g->minimax = !strcmp(p->g_loss, "minimax");
    return CLGAN_STATUS_OK;
}

int clgan_gan_preset_size(const char *model)
{
    char *end;
    if (!model || strncmp(model, "dcgan", 5) || !isdigit((unsigned char)model[5]))
        return 0;
    long n = strtol(model + 5, &end, 10);
    if (*end || n < 16 || n > 4096 || (n & (n - 1)))
        return 0;
    return (int)n;
}

/* A conditional preset is planned for this many classes until the data set's labels say how
 * many there are (IDX sets of digits and clothes have 10). */
#define COND_CLASSES 10

/* The DCGAN preset the parameters name, for nc channels (and classes, when conditional). */
static clgan_status preset_nets(clgan_gan *g, int nc, int classes)
{
    const struct clgan_gan_params *p = &g->p;
    int size =
        p->image_size ? p->image_size : clgan_gan_preset_size(g->model[0] ? g->model : "dcgan32");
    char err[512];
    if (clgan_preset_dcgan(size, p->nz, p->ngf, p->ndf, nc, classes, &g->gnet, &g->dnet, err,
                           sizeof(err)) != CLGAN_STATUS_OK)
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT, "%s", err);
    snprintf(g->model, sizeof(g->model), "dcgan%d", size);
    return CLGAN_STATUS_OK;
}

/* Both networks from a JSON architecture file. */
static clgan_status arch_nets(clgan_gan *g, const char *path)
{
    char *text = NULL, err[700];
    size_t len = 0;
    clgan_status st =
        clgan_io_read_file(path, (size_t)1 << 24, &text, &len, g->err, sizeof(g->err));
    if (st != CLGAN_STATUS_OK)
        return st;
    st = clgan_arch_from_json(text, &g->gnet, &g->dnet, err, sizeof(err));
    free(text);
    if (st != CLGAN_STATUS_OK)
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT, "%s: %s", path, err);
    /* the run's name in titles and metadata: the file's name without folder and extension */
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    snprintf(g->model, sizeof(g->model), "%.*s", (int)strcspn(base, "."), base);
    if (!g->model[0])
        snprintf(g->model, sizeof(g->model), "custom");
    return CLGAN_STATUS_OK;
}

/* Sizes the trainer takes from the networks: G reads nz x 1 x 1 noise and writes what D reads,
 * nc x size x size images (nc 1 or 3); D writes one logit. */
static clgan_status check_nets(clgan_gan *g)
{
    struct clgan_shape gout[CLGAN_MAX_LAYERS], dout[CLGAN_MAX_LAYERS];
    char err[512];
    if (clgan_net_shapes(&g->gnet, gout, err, sizeof(err)) != CLGAN_STATUS_OK)
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT, "G: %s", err);
    if (clgan_net_shapes(&g->dnet, dout, err, sizeof(err)) != CLGAN_STATUS_OK)
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT, "D: %s", err);
    struct clgan_shape z = g->gnet.inputs[0].shape, x = g->dnet.inputs[0].shape;
    struct clgan_shape go = gout[g->gnet.n_layers - 1], dlo = dout[g->dnet.n_layers - 1];
    if (z.h != 1 || z.w != 1)
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                              "G's input must be noise of shape [nz, 1, 1], not [%d, %d, %d]", z.c,
                              z.h, z.w);
    if (x.h != x.w || (x.c != 1 && x.c != 3))
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                              "D's input must be square images of 1 or 3 channels, not [%d, %d, "
                              "%d]",
                              x.c, x.h, x.w);
    if (go.c != x.c || go.h != x.h || go.w != x.w)
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                              "G makes [%d, %d, %d] images but D reads [%d, %d, %d]", go.c, go.h,
                              go.w, x.c, x.h, x.w);
    if (dlo.c != 1 || dlo.h != 1 || dlo.w != 1)
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                              "D must end in one logit per image, not [%d, %d, %d]", dlo.c, dlo.h,
                              dlo.w);
    int kg = g->gnet.n_inputs > 1 ? g->gnet.inputs[1].classes : 0;
    int kd = g->dnet.n_inputs > 1 ? g->dnet.inputs[1].classes : 0;
    if (kg != kd)
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                              "G reads labels of %d classes but D of %d: a conditional pair needs "
                              "the same label input in both (0: none)",
                              kg, kd);
    g->classes = kg;
    if (g->p.channels && g->p.channels != x.c)
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                              "%d channels asked for, but the networks take %d", g->p.channels,
                              x.c);
    g->nz = z.c;
    g->nc = x.c;
    g->size = x.h;
    g->img = (size_t)g->nc * g->size * g->size;
    return CLGAN_STATUS_OK;
}

/* The networks: the checkpoint's when resuming one that stores them (the architecture
 * asked for, if any, must be the same), else the JSON file, else the preset. */
static clgan_status choose_nets(clgan_gan *g, const struct clgan_gan_params *p)
{
    int from_folder = !strncmp(g->data, "folder:", 7);
    int nc = p->channels ? p->channels : from_folder ? 3 : 1;
    int asked = (p->arch && p->arch[0]) || (p->model && p->model[0]) || p->image_size;
    clgan_status st = CLGAN_STATUS_OK;
    if (p->arch && p->arch[0])
        st = arch_nets(g, p->arch);
    else
        st = preset_nets(g, nc, p->cond ? COND_CLASSES : 0);
    g->cond_preset = !(p->arch && p->arch[0]) && p->cond;
    g->preset_widths = !(p->arch && p->arch[0]);
    if (st != CLGAN_STATUS_OK || !p->resume)
        return st == CLGAN_STATUS_OK ? check_nets(g) : st;
    struct clgan_net_spec *cg = malloc(2 * sizeof(*cg));
    if (!cg)
        return clgan_gan_fail(g, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "out of host memory");
    int found = 0;
    char file[1200], asked_name[sizeof(g->model)];
    snprintf(asked_name, sizeof(asked_name), "%s", g->model);
    clgan_gan_resume_file(p->resume, file, sizeof(file));
    st = clgan_gan_ckpt_arch(g, file, &cg[0], &cg[1], &found);
    if (st == CLGAN_STATUS_OK && found) {
        char *a = NULL, *b = NULL;
        if (asked && clgan_arch_to_json(&g->gnet, &g->dnet, &a) == CLGAN_STATUS_OK &&
            clgan_arch_to_json(&cg[0], &cg[1], &b) == CLGAN_STATUS_OK && strcmp(a, b))
            st = clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                                "%s: the checkpoint's networks differ from the architecture "
                                "asked for (%s)",
                                file, p->arch && p->arch[0] ? p->arch : asked_name);
        free(a);
        free(b);
        g->gnet = cg[0];
        g->dnet = cg[1];
        g->cond_preset = 0; /* the checkpoint fixes the classes */
        g->preset_widths = 0;
    }
    free(cg);
    return st == CLGAN_STATUS_OK ? check_nets(g) : st;
}

/* The data set stays on D's device when it takes at most a quarter of it and one allocation;
 * else batches stream from host memory. */
static int data_streams(const clgan_gan *g, size_t bytes)
{
    const struct clgan_device_info *di = clgan_ctx_device(g->dctx);
    return bytes > di->max_alloc || bytes > di->global_mem / 4;
}

/* a + b, or UINT64_MAX when that overflows (model totals saturate there) */
static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
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
    if (g->classes) { /* the data set's labels, the batch's, the grid's */
        *on_d += (uint64_t)g->ds.count + b * sizeof(int32_t);
        *on_g += (uint64_t)grid * sizeof(int32_t);
    }
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
    int gbatch = g->batch > GRID ? g->batch : GRID;
    struct clgan_model_mem gm, dm;
    clgan_status st = clgan_model_mem_net(g->gctx, &g->gnet, gbatch, 2, &gm);
    if (st != CLGAN_STATUS_OK)
        return clgan_gan_dev_fail(g, g->gctx, st);
    if ((st = clgan_model_mem_net(g->dctx, &g->dnet, g->batch, 2, &dm)) != CLGAN_STATUS_OK)
        return clgan_gan_dev_fail(g, g->dctx, st);
    uint64_t own_d, own_g;
    own_bytes(g, &own_d, &own_g);
    char who[256], a[32], b[32], c[32];
    snprintf(who, sizeof(who), "%s (ngf %d, ndf %d, nz %d) at batch %d", g->model, g->p.ngf,
             g->p.ndf, g->nz, g->batch);
    if ((st = clgan_rt_fits(g->gctx, 0, gm.largest, gm.largest_what, who)) != CLGAN_STATUS_OK)
        return clgan_gan_dev_fail(g, g->gctx, st);
    if ((st = clgan_rt_fits(g->dctx, 0, dm.largest, dm.largest_what, who)) != CLGAN_STATUS_OK)
        return clgan_gan_dev_fail(g, g->dctx, st);
    uint64_t tg = sat_add(gm.total, own_g), td = sat_add(dm.total, own_d);
    if (g->gctx == g->dctx) {
        clgan_rt_fmt_bytes(a, sizeof(a), gm.total);
        clgan_rt_fmt_bytes(b, sizeof(b), dm.total);
        clgan_rt_fmt_bytes(c, sizeof(c), own_d + own_g);
        char who2[512];
        snprintf(who2, sizeof(who2), "%s (G %s, D %s, data and batches %s)", who, a, b, c);
        return clgan_gan_dev_fail(g, g->dctx, clgan_rt_fits(g->dctx, sat_add(tg, td), 0, "", who2));
    }
    clgan_rt_fmt_bytes(a, sizeof(a), gm.total);
    clgan_rt_fmt_bytes(b, sizeof(b), own_g);
    char who2[512];
    snprintf(who2, sizeof(who2), "%s: G (%s, noise and batches %s)", who, a, b);
    if ((st = clgan_rt_fits(g->gctx, tg, 0, "", who2)) != CLGAN_STATUS_OK)
        return clgan_gan_dev_fail(g, g->gctx, st);
    clgan_rt_fmt_bytes(a, sizeof(a), dm.total);
    clgan_rt_fmt_bytes(b, sizeof(b), own_d);
    snprintf(who2, sizeof(who2), "%s: D (%s, data and batches %s)", who, a, b);
    return clgan_gan_dev_fail(g, g->dctx, clgan_rt_fits(g->dctx, td, 0, "", who2));
}

static clgan_status build_models(clgan_gan *g)
{
    int gbatch = g->batch > GRID ? g->batch : GRID;
    clgan_status st = check_memory(g);
    if (st != CLGAN_STATUS_OK)
        return st;
    st = clgan_model_init_net(g->gctx, &g->gnet, gbatch, "main", &g->G);
    if (st != CLGAN_STATUS_OK)
        return clgan_gan_dev_fail(g, g->gctx, st);
    st = clgan_model_init_net(g->dctx, &g->dnet, g->batch, "main", &g->D);
    if (st != CLGAN_STATUS_OK)
        return clgan_gan_dev_fail(g, g->dctx, st);
    struct clgan_optim adam = {.kind = CLGAN_OPTIM_ADAM,
                               .lr = (float)g->p.lr,
                               .beta1 = (float)g->p.beta1,
                               .beta2 = (float)g->p.beta2,
                               .eps = 1e-8f};
    st = clgan_model_optim_init(g->G, &adam);
    if (st != CLGAN_STATUS_OK)
        return clgan_gan_dev_fail(g, g->gctx, st);
    st = clgan_model_optim_init(g->D, &adam);
    if (st != CLGAN_STATUS_OK)
        return clgan_gan_dev_fail(g, g->dctx, st);
    st = clgan_model_init_params(g->G, g->p.seed * 2 + 0);
    if (st != CLGAN_STATUS_OK)
        return clgan_gan_dev_fail(g, g->gctx, st);
    return clgan_gan_dev_fail(g, g->dctx, clgan_model_init_params(g->D, g->p.seed * 2 + 1));
}

static clgan_status load_data(clgan_gan *g, const struct clgan_gan_params *p)
{
    char err[1024];
    struct clgan_data_options o = {
        .labels = p->labels, .max_images = p->max_images, .per_class = p->per_class};
    clgan_status st = clgan_data_load_opts(g->data, g->nc, g->size, &o, &g->ds, err, sizeof(err));
    if (st != CLGAN_STATUS_OK)
        return clgan_gan_fail(g, st, "%s", err);
    if (g->ds.height > g->size || g->ds.width > g->size)
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                              "%s: images are %dx%d but %s makes %dx%d images", g->data,
                              g->ds.height, g->ds.width, g->model, g->size, g->size);
    g->nc = g->ds.channels;
    /* the fingerprint a resumed run checks its data set against */
    g->data_hash = clgan_hash64(g->ds.pixels,
                                g->ds.count * (size_t)g->ds.channels * g->ds.height * g->ds.width,
                                CLGAN_HASH_SEED);
    if (g->ds.labels)
        g->data_hash = clgan_hash64(g->ds.labels, g->ds.count, g->data_hash);
    if (g->classes && !g->ds.labels)
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                              "%s has no labels, which a class-conditional GAN needs (mnist:DIR "
                              "with its labels file, fashion-mnist)",
                              g->data);
    if (g->classes && g->ds.n_classes > g->classes)
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                              "%s has labels up to %d but the networks take %d classes",
                              p->labels && p->labels[0] ? p->labels : g->data, g->ds.n_classes - 1,
                              g->classes);
    if (g->ds.count < (size_t)g->gbatch * g->p.d_steps)
        return clgan_gan_fail(
            g, CLGAN_STATUS_INVALID_ARGUMENT,
            "%s: %zu images are fewer than one step needs (batch %d x d-steps %d)", g->data,
            g->ds.count, g->gbatch, g->p.d_steps);
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
        return clgan_gan_fail(g, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "out of host memory");
    if (!clgan_mul_ok(g->ds.count, img_bytes, &bytes))
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT, "data set size overflows");
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
                return clgan_gan_fail(g, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "out of host memory");
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
        return clgan_gan_dev_fail(g, d, st);
    /* + 4: a rank's slice of the noise may start inside a Philox block (gan_dist.c) */
    st = alloc_f(g->gctx, (size_t)grid * g->nz + 4, "noise", &g->z);
    if (st == CLGAN_STATUS_OK)
        st = alloc_f(g->gctx, 1, "flag", &g->flag_g);
    if (st != CLGAN_STATUS_OK)
        return clgan_gan_dev_fail(g, g->gctx, st);
    if (g->gctx != g->dctx) {
        g->xfer = malloc((size_t)g->batch * g->img * sizeof(float));
        if (!g->xfer)
            return clgan_gan_fail(g, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "out of host memory");
        st = alloc_f(d, (size_t)g->batch * g->img, "fake batch", &g->fake_d);
        if (st != CLGAN_STATUS_OK)
            return clgan_gan_dev_fail(g, d, st);
        st = alloc_f(g->gctx, (size_t)g->batch * g->img, "fake gradient", &g->dfake_g);
        if (st != CLGAN_STATUS_OK)
            return clgan_gan_dev_fail(g, g->gctx, st);
    }
    if (!g->classes)
        return CLGAN_STATUS_OK;
    /* labels: the set's on D's device (as bytes), the batch's as int32 on D's, the grid's on
     * G's; host staging for streamed batches, grids and the copy to a second device */
    g->y_host = malloc((size_t)grid * sizeof(int32_t));
    if (!g->y_host)
        return clgan_gan_fail(g, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "out of host memory");
    if (!g->streaming) {
        st = clgan_rt_alloc(d, g->ds.count, "data set labels", &g->labels_u8);
        if (st == CLGAN_STATUS_OK)
            st = clgan_rt_write(d, g->labels_u8, 0, g->ds.count, g->ds.labels);
    }
    if (st == CLGAN_STATUS_OK)
        st = alloc_f(d, (size_t)g->batch, "batch labels", &g->y);
    if (st != CLGAN_STATUS_OK)
        return clgan_gan_dev_fail(g, d, st);
    return clgan_gan_dev_fail(g, g->gctx, alloc_f(g->gctx, (size_t)grid, "grid labels", &g->y_g));
}

/* The classes' names: the data set's (Fashion-MNIST's, the class folders', numbers for IDX
 * labels); classes the data set does not have are named by number. */
static clgan_status name_classes(clgan_gan *g)
{
    if (!g->classes || !g->ds.class_names)
        return CLGAN_STATUS_OK;
    return clgan_data_copy_names(&g->ds, g->classes, &g->class_names, g->err, sizeof(g->err));
}

clgan_status clgan_gan_ensure_dir(clgan_gan *g, const char *dir)
{
    char tmp[1200];
    snprintf(tmp, sizeof(tmp), "%s", dir);
    for (char *s = tmp + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = 0;
        if (mkdir(tmp, 0755) && errno != EEXIST)
            return clgan_gan_fail(g, CLGAN_STATUS_IO, "%s: cannot create folder: %s", tmp,
                                  strerror(errno));
        *s = '/';
    }
    if (mkdir(tmp, 0755) && errno != EEXIST)
        return clgan_gan_fail(g, CLGAN_STATUS_IO, "%s: cannot create folder: %s", tmp,
                              strerror(errno));
    /* writable? find out now, not at the first checkpoint an hour from now */
    char probe[1300];
    snprintf(probe, sizeof(probe), "%s/.clgan-write-test.%ld", tmp, (long)getpid());
    FILE *f = fopen(probe, "w");
    if (!f)
        return clgan_gan_fail(g, CLGAN_STATUS_IO, "%s: folder is not writable: %s", tmp,
                              strerror(errno));
    fclose(f);
    unlink(probe);
    return CLGAN_STATUS_OK;
}

clgan_status clgan_gan_resume(clgan_gan *g, const char *path);

/* One network's starting weights from a file (init_g, init_d). */
static clgan_status init_one(clgan_gan *g, struct clgan_model *m, const char *path, int is_g)
{
    clgan_st_file *f = NULL;
    char err[1536];
    clgan_status st = clgan_io_st_load(path, &f, g->err, sizeof(g->err));
    if (st != CLGAN_STATUS_OK)
        return st;
    const char *fmt = clgan_io_st_meta(f, "format");
    const char *prefix = "";
    if (fmt && !strcmp(fmt, "clgan-gan-1")) {
        prefix = is_g ? "netG." : "netD.";
    } else if (fmt && (strcmp(fmt, "clgan-generator-1") || !is_g)) {
        st = clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                            "--init-%s %s: a %.40s file holds no %s", is_g ? "g" : "d", path, fmt,
                            is_g ? "generator" : "discriminator");
        clgan_io_st_free(f);
        return st;
    }
    st = clgan_ckpt_load_model(f, m, prefix, 0, err, sizeof(err));
    clgan_io_st_free(f);
    if (st != CLGAN_STATUS_OK)
        return clgan_gan_fail(g, st, "--init-%s: %s", is_g ? "g" : "d", err);
    return CLGAN_STATUS_OK;
}

static clgan_status init_weights(clgan_gan *g, const struct clgan_gan_params *p)
{
    if (p->resume)
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                              "--init-g and --init-d start a new run; --resume continues one");
    clgan_status st = CLGAN_STATUS_OK;
    if (p->init_g && p->init_g[0])
        st = init_one(g, g->G, p->init_g, 1);
    if (st == CLGAN_STATUS_OK && p->init_d && p->init_d[0])
        st = init_one(g, g->D, p->init_d, 0);
    return st;
}

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
    g->lock_fd = -1;
    clgan_status st = check_params(g, params);
    /* one run per folder, decided before the slow part */
    if (st == CLGAN_STATUS_OK)
        st = clgan_gan_claim_out(g, params->resume, params->overwrite);
    if (st == CLGAN_STATUS_OK)
        st = clgan_gan_jsonl_open(g, params->log_jsonl, params->resume != NULL, params->overwrite);
    if (st == CLGAN_STATUS_OK) {
        g->p.model = g->model;
        g->p.g_loss = g->g_loss;
        g->p.data = g->data;
        g->p.out_dir = g->out_dir;
        g->p.resume = NULL;
        g->p.arch = NULL;
        g->p.labels = NULL; /* read by load_data from params, not kept */
        g->batch = params->batch;
        g->hooks.gather = clgan_gan_gather_real;
        st = clgan_gan_dist_setup(g); /* with several processes: this one's slice of the batch */
    }
    if (st == CLGAN_STATUS_OK) {
        /* unless asked or given by a spec: gray for IDX sets, RGB for image folders */
        st = choose_nets(g, params);
    }
    /* the models alone first: a size the device cannot hold fails before the data set is read;
     * build_models checks again with the data set */
    if (st == CLGAN_STATUS_OK)
        st = check_memory(g);
    if (st == CLGAN_STATUS_OK)
        st = load_data(g, params);
    /* a conditional preset takes as many classes as the labels have */
    if (st == CLGAN_STATUS_OK && g->cond_preset && g->ds.n_classes != g->classes) {
        st = preset_nets(g, g->nc, g->ds.n_classes);
        if (st == CLGAN_STATUS_OK)
            st = check_nets(g);
    }
    if (st == CLGAN_STATUS_OK)
        st = name_classes(g);
    if (st == CLGAN_STATUS_OK) {
        g->img = (size_t)g->nc * g->size * g->size;
        g->per_epoch = (long long)(g->ds.count / ((size_t)g->gbatch * g->p.d_steps));
        g->total = g->p.iters > 0 ? g->p.iters : (long long)g->p.epochs * g->per_epoch;
        if (g->p.iters > 0 && g->p.epochs > 0 && (long long)g->p.epochs * g->per_epoch < g->total)
            g->total = (long long)g->p.epochs * g->per_epoch;
        g->shuffle_state = g->p.seed ^ 0x73687566666c65ull; /* "shuffle" */
        st = build_models(g);
    }
    if (st == CLGAN_STATUS_OK)
        st = alloc_buffers(g);
    if (st == CLGAN_STATUS_OK) {
        g->v_z = clgan_model_input_view(g->G, 0, g->z, 0, g->batch);
        g->v_real = clgan_model_input_view(g->D, 0, g->real, 0, g->batch);
        g->v_dlogit = clgan_tensor_view(g->dlogit, 0, CLGAN_DTYPE_F32, g->batch, 1, 1, 1);
        g->in_g[0] = g->v_z;
        g->in_d[0] = g->v_real;
        if (g->classes) {
            /* G reads the batch's labels where they are: on D's device, or their copy */
            g->in_d[1] = clgan_model_input_view(g->D, 1, g->y, 0, g->batch);
            g->in_g[1] =
                clgan_model_input_view(g->G, 1, g->gctx == g->dctx ? g->y : g->y_g, 0, g->batch);
        }
    }
    if (st == CLGAN_STATUS_OK && (params->init_g || params->init_d))
        st = init_weights(g, params);
    if (st == CLGAN_STATUS_OK && params->resume)
        st = clgan_gan_resume(g, params->resume);
    if (st == CLGAN_STATUS_OK && g->dist)
        st = clgan_gan_dist_start(g);
    if (st == CLGAN_STATUS_OK)
        st = clgan_gan_new_permutation(g);
    if (st == CLGAN_STATUS_OK && g->out_dir[0] && clgan_gan_dist_writer(g)) {
        st = clgan_gan_ensure_dir(g, g->out_dir);
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
    if (st == CLGAN_STATUS_OK)
        st = clgan_gan_jsonl_config(g, params);
    if (st != CLGAN_STATUS_OK) {
        if (msg && msg_len)
            snprintf(msg, msg_len, "%s", g->err);
        clgan_gan_free(g);
        return st;
    }
    *out = g;
    return CLGAN_STATUS_OK;
}

clgan_status clgan_arch_preset_json(const char *model, int image_size, int nz, int ngf, int ndf,
                                    int channels, int classes, char **json, char *msg,
                                    size_t msg_len)
{
    int size = image_size ? image_size : clgan_gan_preset_size(model ? model : "dcgan32");
    *json = NULL;
    if (!size) {
        snprintf(msg, msg_len, "'%s' is not a preset (dcgan32, dcgan64, ... dcgan<N>)", model);
        return CLGAN_STATUS_INVALID_ARGUMENT;
    }
    struct clgan_net_spec *n = malloc(2 * sizeof(*n));
    if (!n) {
        snprintf(msg, msg_len, "out of host memory");
        return CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    }
    clgan_status st =
        clgan_preset_dcgan(size, nz, ngf, ndf, channels, classes, &n[0], &n[1], msg, msg_len);
    if (st == CLGAN_STATUS_OK && (st = clgan_arch_to_json(&n[0], &n[1], json)) != CLGAN_STATUS_OK)
        snprintf(msg, msg_len, "out of host memory");
    free(n);
    return st;
}

clgan_status clgan_arch_check_json(const char *json, char *msg, size_t msg_len)
{
    struct clgan_net_spec *n = malloc(2 * sizeof(*n));
    if (!n) {
        snprintf(msg, msg_len, "out of host memory");
        return CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    }
    clgan_status st = clgan_arch_from_json(json, &n[0], &n[1], msg, msg_len);
    free(n);
    return st;
}

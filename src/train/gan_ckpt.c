/*
 * gan_ckpt.c - a run's checkpoints: the whole training state (both networks' specs, weights,
 * optimizer states, step, epoch, position in the epoch, shuffle and noise state) saved as one
 * safetensors file and resumed exactly; the generator alone under PyTorch's names; pruning of
 * old epoch checkpoints.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "train/gan.h"

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
        return clgan_gan_dev_fail(g, m->ctx, st);
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

/* The networks' specs as metadata: "arch" holds both (a training checkpoint), "arch_g" the
 * generator alone (the generator file). */
/* "class_names": a JSON list of the classes' names, when the data set has names. */
static clgan_status put_class_names(clgan_gan *g, clgan_st_writer *w)
{
    if (!g->class_names)
        return CLGAN_STATUS_OK;
    cJSON *a = cJSON_CreateStringArray((const char *const *)g->class_names, g->classes);
    char *text = a ? cJSON_PrintUnformatted(a) : NULL;
    cJSON_Delete(a);
    if (!text)
        return clgan_gan_fail(g, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "out of host memory");
    clgan_io_st_writer_meta(w, "class_names", text, NULL, 0);
    free(text);
    return CLGAN_STATUS_OK;
}

static clgan_status put_arch(clgan_gan *g, clgan_st_writer *w, int both)
{
    if (put_class_names(g, w) != CLGAN_STATUS_OK)
        return CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    char *json = NULL;
    clgan_status st =
        both ? clgan_arch_to_json(&g->gnet, &g->dnet, &json) : clgan_net_to_json(&g->gnet, &json);
    if (st != CLGAN_STATUS_OK)
        return clgan_gan_fail(g, st, "out of host memory");
    clgan_io_st_writer_meta(w, both ? "arch" : "arch_g", json, NULL, 0);
    free(json);
    return CLGAN_STATUS_OK;
}

void clgan_gan_resume_file(const char *path, char *file, size_t len)
{
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        snprintf(file, len, "%s/checkpoints/latest.safetensors", path);
    else
        snprintf(file, len, "%s", path);
}

clgan_status clgan_gan_ckpt_arch(clgan_gan *g, const char *path, struct clgan_net_spec *gnet,
                                 struct clgan_net_spec *dnet, int *found)
{
    clgan_st_file *f = NULL;
    *found = 0;
    clgan_status st = clgan_io_st_load(path, &f, g->err, sizeof(g->err));
    if (st != CLGAN_STATUS_OK)
        return st;
    const char *arch = clgan_io_st_meta(f, "arch");
    char err[700];
    if (arch) {
        st = clgan_arch_from_json(arch, gnet, dnet, err, sizeof(err));
        if (st != CLGAN_STATUS_OK)
            st = clgan_gan_fail(g, CLGAN_STATUS_CORRUPT_FILE, "%s: architecture metadata: %s", path,
                                err);
        *found = st == CLGAN_STATUS_OK;
        const char *model = clgan_io_st_meta(f, "model");
        if (*found && model && model[0] && strlen(model) < sizeof(g->model))
            snprintf(g->model, sizeof(g->model), "%s", model);
    }
    clgan_io_st_free(f);
    return st;
}

clgan_status clgan_gan_save(clgan_gan *g, const char *path)
{
    int okg = 0, okd = 0;
    clgan_status st = finite_params(g, g->G, &okg);
    if (st == CLGAN_STATUS_OK)
        st = finite_params(g, g->D, &okd);
    if (st != CLGAN_STATUS_OK)
        return clgan_gan_saving_fail(g, st, path);
    char good[1500];
    if (!okg || !okd)
        return clgan_gan_fail(
            g, CLGAN_STATUS_NUMERICAL,
            "step %lld: training diverged: %s weights are not finite; not writing %s; "
            "last good checkpoint: %s",
            g->step, !okg ? "G" : "D", path, clgan_gan_last_good(g, good, sizeof(good)));
    clgan_st_writer *w = NULL;
    st = clgan_io_st_writer_init(&w, g->err, sizeof(g->err));
    if (st == CLGAN_STATUS_OK)
        st = clgan_ckpt_add_model(w, g->G, "netG.", 1, g->err, sizeof(g->err));
    if (st == CLGAN_STATUS_OK)
        st = clgan_ckpt_add_model(w, g->D, "netD.", 1, g->err, sizeof(g->err));
    if (st != CLGAN_STATUS_OK)
        clgan_gan_saving_fail(g, st, path);
    if (st == CLGAN_STATUS_OK) {
        clgan_io_st_writer_meta(w, "format", "clgan-gan-1", NULL, 0);
        clgan_io_st_writer_meta(w, "model", g->model, NULL, 0);
        st = put_arch(g, w, 1);
        clgan_io_st_writer_meta(w, "g_loss", g->g_loss, NULL, 0);
        clgan_io_st_writer_meta(w, "data", g->data, NULL, 0);
        meta_num(w, "nz", g->nz);
        meta_num(w, "ngf", g->p.ngf);
        meta_num(w, "ndf", g->p.ndf);
        meta_num(w, "nc", g->nc);
        meta_num(w, "batch", g->gbatch); /* the global batch */
        meta_num(w, "world_size", clgan_gan_dist_world(g));
        meta_num(w, "lr", g->p.lr);
        meta_num(w, "beta1", g->p.beta1);
        meta_num(w, "beta2", g->p.beta2);
        meta_num(w, "d_steps", g->p.d_steps);
        meta_num(w, "real_label", g->p.real_label);
        meta_num(w, "max_images", (double)g->p.max_images);
        meta_num(w, "per_class", (double)g->p.per_class);
        meta_num(w, "cond", g->p.cond);
        /* the run's length and cadence, which a resumed run keeps unless told otherwise */
        meta_num(w, "epochs", g->p.epochs);
        meta_num(w, "iters", (double)g->p.iters);
        meta_num(w, "log_every", g->p.log_every);
        meta_num(w, "sample_every", g->p.sample_every);
        meta_num(w, "ckpt_every", g->p.ckpt_every);
        meta_num(w, "keep", g->p.keep_ckpts);
        if (g->labels[0])
            clgan_io_st_writer_meta(w, "labels", g->labels, NULL, 0);
        /* the data set as trained on: a resumed run refuses other data */
        meta_num(w, "data_count", (double)g->ds.count);
        meta_num(w, "data_channels", g->ds.channels);
        meta_num(w, "data_height", g->ds.height);
        meta_num(w, "data_width", g->ds.width);
        meta_u64(w, "data_hash", g->data_hash);
        meta_u64(w, "seed", g->p.seed);
        meta_num(w, "step", (double)g->step);
        meta_num(w, "epoch", g->epoch);
        meta_num(w, "batch_in_epoch", (double)g->batch_in_epoch);
        meta_u64(w, "shuffle_state", g->shuffle_state);
        meta_u64(w, "noise_counter", g->noise_counter);
        meta_num(w, "adam_t_G", (double)g->G->opt.t);
        meta_num(w, "adam_t_D", (double)g->D->opt.t);
        meta_num(w, "bn_batches_D", (double)g->D->bn_batches);
        if (st == CLGAN_STATUS_OK)
            st = clgan_io_st_writer_save(w, path, g->err, sizeof(g->err));
    }
    clgan_io_st_writer_free(w);
    if (st == CLGAN_STATUS_OK) {
        snprintf(g->last_ckpt, sizeof(g->last_ckpt), "%s", path);
        g->last_ckpt_step = g->step;
    }
    return st;
}

clgan_status clgan_gan_resume_meta(const clgan_st_file *f, const char *file,
                                   long long per_epoch_batches, struct clgan_gan_resume_meta *m,
                                   char *err, size_t err_len)
{
    const char *fmt = clgan_io_st_meta(f, "format");
    memset(m, 0, sizeof(*m));
    if (!fmt || strcmp(fmt, "clgan-gan-1") || !(m->model = clgan_io_st_meta(f, "model")))
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: not a clgan GAN checkpoint (metadata missing)", file);
    /* every number is range-checked before it is used: a batch position past the data set
     * would index outside it, a negative step would drop the run's metrics rows */
    clgan_status st;
    if ((st = clgan_io_st_meta_int(f, file, "step", 0, CLGAN_ST_META_INT_MAX, &m->step, err,
                                   err_len)) ||
        (st = clgan_io_st_meta_int(f, file, "epoch", 0, INT_MAX, &m->epoch, err, err_len)) ||
        (st = clgan_io_st_meta_int(f, file, "batch_in_epoch", 0, (double)per_epoch_batches,
                                   &m->batch_in_epoch, err, err_len)) ||
        (st = clgan_io_st_meta_int(f, file, "adam_t_G", 0, CLGAN_ST_META_INT_MAX, &m->adam_t_g, err,
                                   err_len)) ||
        (st = clgan_io_st_meta_int(f, file, "adam_t_D", 0, CLGAN_ST_META_INT_MAX, &m->adam_t_d, err,
                                   err_len)) ||
        (st = clgan_io_st_meta_int(f, file, "bn_batches_D", 0, CLGAN_ST_META_INT_MAX,
                                   &m->bn_batches_d, err, err_len)) ||
        (st = clgan_io_st_meta_u64(f, file, "shuffle_state", &m->shuffle_state, err, err_len)) ||
        (st = clgan_io_st_meta_u64(f, file, "noise_counter", &m->noise_counter, err, err_len)) ||
        (st = clgan_io_st_meta_u64(f, file, "seed", &m->seed, err, err_len)))
        return st;
    return CLGAN_STATUS_OK;
}

clgan_status clgan_gan_resume(clgan_gan *g, const char *path)
{
    char file[1200];
    clgan_gan_resume_file(path, file, sizeof(file));
    clgan_st_file *f = NULL;
    clgan_status st = clgan_io_st_load(file, &f, g->err, sizeof(g->err));
    if (st != CLGAN_STATUS_OK)
        return st;
    /* the same data: its size and fingerprint (checkpoints written before it was kept have
     * none; the weights and shape checks still apply to those) */
    if (clgan_io_st_meta(f, "data_hash")) {
        long long count, c, h, wd;
        uint64_t hash;
        if ((st = clgan_io_st_meta_int(f, file, "data_count", 1, CLGAN_ST_META_INT_MAX, &count,
                                       g->err, sizeof(g->err))) ||
            (st = clgan_io_st_meta_int(f, file, "data_channels", 1, 4, &c, g->err,
                                       sizeof(g->err))) ||
            (st = clgan_io_st_meta_int(f, file, "data_height", 1, 65536, &h, g->err,
                                       sizeof(g->err))) ||
            (st = clgan_io_st_meta_int(f, file, "data_width", 1, 65536, &wd, g->err,
                                       sizeof(g->err))) ||
            (st = clgan_io_st_meta_u64(f, file, "data_hash", &hash, g->err, sizeof(g->err))))
            goto out;
        if ((size_t)count != g->ds.count || c != g->ds.channels || h != g->ds.height ||
            wd != g->ds.width || hash != g->data_hash) {
            st = clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                                "%s: the run trained on %lld images of %lldx%lldx%lld "
                                "(fingerprint %016" PRIx64 "); %s gives %zu of %dx%dx%d "
                                "(fingerprint %016" PRIx64 "): not the same data",
                                file, count, c, h, wd, hash, g->data, g->ds.count, g->ds.channels,
                                g->ds.height, g->ds.width, g->data_hash);
            goto out;
        }
    }
    struct clgan_gan_resume_meta m;
    st = clgan_gan_resume_meta(f, file, (long long)(g->ds.count / (size_t)g->batch), &m, g->err,
                               sizeof(g->err));
    if (st != CLGAN_STATUS_OK)
        goto out;
    /* a checkpoint with its architecture gave the networks; one without names a preset */
    if ((!clgan_io_st_meta(f, "arch") && strcmp(m.model, g->model)) || m.seed != g->p.seed) {
        st = clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                            "%s: checkpoint is %s with seed %" PRIu64
                            ", run asks for %s with seed %" PRIu64,
                            file, m.model, m.seed, g->model, g->p.seed);
        goto out;
    }
    /* the state is the global batch's: another number of processes continues it with the same
     * global batch (the data order and noise are those of the global batch) */
    long long world = 1, batch = g->gbatch;
    if (clgan_io_st_meta(f, "world_size") &&
        (st = clgan_io_st_meta_int(f, file, "world_size", 1, 1 << 20, &world, g->err,
                                   sizeof(g->err))) != CLGAN_STATUS_OK)
        goto out;
    if (world != clgan_gan_dist_world(g)) {
        if ((st = clgan_io_st_meta_int(f, file, "batch", 1, 65536, &batch, g->err,
                                       sizeof(g->err))) != CLGAN_STATUS_OK)
            goto out;
        if (batch != g->gbatch) {
            st = clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                                "%s: a run of %d processes with global batch %d continues on %d "
                                "with the same global batch, not %d",
                                file, (int)world, (int)batch, clgan_gan_dist_world(g), g->gbatch);
            goto out;
        }
        clgan_log(CLGAN_LOG_INFO, "%s: a run of %d processes continues on %d (global batch %d)",
                  file, (int)world, clgan_gan_dist_world(g), g->gbatch);
    }
    st = clgan_ckpt_load_model(f, g->G, "netG.", 1, g->err, sizeof(g->err));
    if (st == CLGAN_STATUS_OK)
        st = clgan_ckpt_load_model(f, g->D, "netD.", 1, g->err, sizeof(g->err));
    if (st != CLGAN_STATUS_OK) {
        char tmp[2048];
        snprintf(tmp, sizeof(tmp), "%s", g->err);
        if (strncmp(tmp, file, strlen(file))) /* name the file once */
            clgan_gan_fail(g, st, "%s: %s", file, tmp);
        goto out;
    }
    g->step = m.step;
    g->epoch = (int)m.epoch;
    g->batch_in_epoch = m.batch_in_epoch;
    g->G->opt.t = m.adam_t_g;
    g->D->opt.t = m.adam_t_d;
    g->D->bn_batches = m.bn_batches_d;
    g->shuffle_state = m.shuffle_state;
    g->noise_counter = m.noise_counter;
    snprintf(g->last_ckpt, sizeof(g->last_ckpt), "%s", file);
    g->last_ckpt_step = g->step;
out:
    clgan_io_st_free(f);
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

clgan_status clgan_gan_checkpoint(clgan_gan *g, int epoch_end)
{
    char dir[1200], path[1300];
    snprintf(dir, sizeof(dir), "%s/checkpoints", g->out_dir);
    clgan_status st = clgan_gan_ensure_dir(g, dir);
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
            clgan_gan_saving_fail(g, st, path);
        if (st == CLGAN_STATUS_OK) {
            clgan_io_st_writer_meta(w, "format", "clgan-generator-1", NULL, 0);
            clgan_io_st_writer_meta(w, "model", g->model, NULL, 0);
            clgan_io_st_writer_meta(w, "data", g->data, NULL, 0);
            st = put_arch(g, w, 0);
            meta_num(w, "nz", g->nz);
            meta_num(w, "ngf", g->p.ngf);
            meta_num(w, "nc", g->nc);
            meta_num(w, "step", (double)g->step);
            if (st == CLGAN_STATUS_OK)
                st = clgan_io_st_writer_save(w, path, g->err, sizeof(g->err));
        }
        clgan_io_st_writer_free(w);
    }
    return st;
}

/* ---------------------------------------------------------------- a run's configuration */

/* Strings copied into one block, in order; NULL entries stay NULL. */
static char *pack_strings(const char **s, int n, const char **out)
{
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += s[i] ? strlen(s[i]) + 1 : 0;
    char *block = malloc(total ? total : 1), *q = block;
    if (!block)
        return NULL;
    for (int i = 0; i < n; i++) {
        out[i] = NULL;
        if (s[i]) {
            size_t len = strlen(s[i]) + 1;
            memcpy(q, s[i], len);
            out[i] = q;
            q += len;
        }
    }
    return block;
}

/* The run folder of a checkpoint file: the folder above its checkpoints/ folder, else NULL. */
static char *run_folder_of(const char *resume, const char *file)
{
    struct stat sb;
    if (stat(resume, &sb) == 0 && S_ISDIR(sb.st_mode))
        return strdup(resume);
    char *dir = strdup(file);
    if (!dir)
        return NULL;
    char *slash = strrchr(dir, '/');
    if (!slash) { /* "latest.safetensors" in the working folder: not a run's */
        free(dir);
        return NULL;
    }
    *slash = 0;
    const char *base = strrchr(dir, '/');
    base = base ? base + 1 : dir;
    if (strcmp(base, "checkpoints")) {
        free(dir);
        return NULL;
    }
    if (base == dir) /* "checkpoints/latest.safetensors": the working folder */
        strcpy(dir, ".");
    else {
        size_t cut = (size_t)(base - dir) - 1; /* the slash before "checkpoints" */
        dir[cut ? cut : 1] = 0;                /* "/checkpoints" keeps "/" */
    }
    return dir;
}

clgan_status clgan_gan_resume_params(const char *resume, struct clgan_gan_params *p, char **store,
                                     char *msg, size_t msg_len)
{
    *store = NULL;
    char file[1200], err[1024] = "";
    if (!resume || !resume[0])
        return clgan_io_fail(msg, msg_len, CLGAN_STATUS_INVALID_ARGUMENT, "no run to resume");
    /* the trainer's limit (clgan_gan_claim_out), checked before the file is looked for */
    size_t limit = sizeof(((clgan_gan *)0)->out_dir) - 1;
    if (strlen(resume) > limit)
        return clgan_io_fail(msg, msg_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "--resume path of %zu characters is longer than the %zu this "
                             "trainer takes: %.60s...",
                             strlen(resume), limit, resume);
    clgan_gan_resume_file(resume, file, sizeof(file));
    clgan_st_file *f = NULL;
    clgan_status st = clgan_io_st_load(file, &f, err, sizeof(err));
    if (st != CLGAN_STATUS_OK) {
        snprintf(msg, msg_len, "%s", err);
        return st;
    }
    const char *fmt = clgan_io_st_meta(f, "format");
    const char *model = clgan_io_st_meta(f, "model"), *data = clgan_io_st_meta(f, "data");
    const char *g_loss = clgan_io_st_meta(f, "g_loss"), *labels = clgan_io_st_meta(f, "labels");
    if (!fmt || strcmp(fmt, "clgan-gan-1") || !model || !data || !g_loss) {
        clgan_io_st_free(f);
        return clgan_io_fail(msg, msg_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: not a clgan GAN checkpoint (metadata missing)", file);
    }
    if (strcmp(g_loss, "ns") && strcmp(g_loss, "minimax")) {
        clgan_io_st_free(f);
        return clgan_io_fail(msg, msg_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: metadata g_loss = '%.40s' is neither ns nor minimax", file,
                             g_loss);
    }
    /* whole numbers: key, range, destination (int or long long), present in every clgan
     * checkpoint or only in newer ones */
    struct {
        const char *key;
        double lo, hi;
        int *i;
        long long *ll;
        int always;
    } ints[] = {
        {"batch", 1, 65536, &p->batch, NULL, 1},
        {"nz", 1, 4096, &p->nz, NULL, 1},
        {"ngf", 1, 1024, &p->ngf, NULL, 1},
        {"ndf", 1, 1024, &p->ndf, NULL, 1},
        {"d_steps", 1, 100, &p->d_steps, NULL, 0},
        {"cond", 0, 1, &p->cond, NULL, 0},
        {"max_images", 0, 1e12, NULL, &p->max_images, 0},
        {"per_class", 0, 1e12, NULL, &p->per_class, 0},
        {"epochs", 0, 1e6, &p->epochs, NULL, 0},
        {"iters", 0, 1e15, NULL, &p->iters, 0},
        {"log_every", 1, 1e9, &p->log_every, NULL, 0},
        {"sample_every", 0, 1e9, &p->sample_every, NULL, 0},
        {"ckpt_every", 0, 1e9, &p->ckpt_every, NULL, 0},
        {"keep", 1, 1e6, &p->keep_ckpts, NULL, 0},
    };
    struct {
        const char *key;
        double lo, hi, *d;
    } reals[] = {
        {"lr", 1e-12, 1e30, &p->lr},
        {"beta1", 0, 0.9999999, &p->beta1},
        {"beta2", 0, 0.9999999, &p->beta2},
        {"real_label", 1e-6, 1, &p->real_label},
    };
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]) && st == CLGAN_STATUS_OK; i++) {
        long long v;
        if (!ints[i].always && !clgan_io_st_meta(f, ints[i].key))
            continue;
        st = clgan_io_st_meta_int(f, file, ints[i].key, ints[i].lo, ints[i].hi, &v, msg, msg_len);
        if (st == CLGAN_STATUS_OK && ints[i].i)
            *ints[i].i = (int)v;
        else if (st == CLGAN_STATUS_OK)
            *ints[i].ll = v;
    }
    for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]) && st == CLGAN_STATUS_OK; i++)
        if (clgan_io_st_meta(f, reals[i].key))
            st = clgan_io_st_meta_real(f, file, reals[i].key, reals[i].lo, reals[i].hi, reals[i].d,
                                       msg, msg_len);
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_st_meta_u64(f, file, "seed", &p->seed, msg, msg_len);
    char *run = NULL;
    if (st == CLGAN_STATUS_OK) {
        run = run_folder_of(resume, file);
        const char *s[] = {model, data, g_loss, labels, run, resume};
        const char *o[6];
        *store = pack_strings(s, 6, o);
        if (!*store) {
            st = clgan_io_fail(msg, msg_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "out of host memory");
        } else {
            p->model = o[0];
            p->data = o[1];
            p->g_loss = o[2];
            p->labels = o[3];
            p->out_dir = o[4];
            p->resume = o[5];
        }
    }
    free(run);
    clgan_io_st_free(f);
    return st;
}

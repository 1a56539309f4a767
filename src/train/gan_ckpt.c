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

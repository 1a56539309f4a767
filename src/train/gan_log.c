/*
 * gan_log.c - the run's JSON-lines log (clgan_gan_params.log_jsonl): each run (a new one, or
 * each resumption) writes its configuration as one line, {"config": {...}}, then one object per
 * logged step. A new run starts the file (one that holds a log is refused unless overwrite), a
 * resumed run appends to it. Numbers are JSON numbers (a value that is not finite is null; the
 * seed an exact integer), written by cJSON.
 */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dist/dist.h"
#include "train/gan.h"

/* rank 0 of a distributed run writes the files (g->dist is not set up yet at claim time) */
static int writes_files(const clgan_gan *g)
{
    return !g->p.dist || clgan_dist_rank(g->p.dist) == 0;
}

clgan_status clgan_gan_jsonl_open(clgan_gan *g, const char *path, int resuming, int overwrite)
{
    if (!path || !*path || !writes_files(g))
        return CLGAN_STATUS_OK;
    long long size = 0;
    clgan_status st = clgan_io_jsonl_open(path, &g->jsonl, &size, g->err, sizeof(g->err));
    if (st != CLGAN_STATUS_OK)
        return st;
    if (resuming || !size)
        return CLGAN_STATUS_OK;
    if (!overwrite)
        return clgan_gan_fail(g, CLGAN_STATUS_INVALID_ARGUMENT,
                              "%s: holds a log (%lld bytes); --resume appends to it, --overwrite "
                              "replaces it",
                              path, size);
    return clgan_io_jsonl_truncate(g->jsonl, g->err, sizeof(g->err));
}

static void add_num(cJSON *o, const char *k, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k); /* JSON has no NaN or infinity */
}

static void add_str(cJSON *o, const char *k, const char *v)
{
    if (v && *v)
        cJSON_AddStringToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static void add_device(cJSON *o, const char *k, const struct clgan_device_info *d)
{
    cJSON *x = cJSON_AddObjectToObject(o, k);
    char pd[32];
    snprintf(pd, sizeof(pd), "%d:%d", d->platform, d->device);
    cJSON_AddNumberToObject(x, "index", d->index);
    cJSON_AddStringToObject(x, "id", pd);
    cJSON_AddStringToObject(x, "name", d->name);
    cJSON_AddStringToObject(x, "platform", d->platform_name);
    cJSON_AddStringToObject(x, "kind", clgan_device_kind_str(d->kind));
    cJSON_AddStringToObject(x, "driver_version", d->driver_version);
}

/* Write o as one line of the log and free it. */
static clgan_status put(clgan_gan *g, cJSON *o)
{
    char *text = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!text)
        return clgan_gan_fail(g, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "%s: out of host memory",
                              clgan_io_jsonl_path(g->jsonl));
    clgan_status st = clgan_io_jsonl_line(g->jsonl, text, g->err, sizeof(g->err));
    free(text);
    return st;
}

clgan_status clgan_gan_jsonl_config(clgan_gan *g, const struct clgan_gan_params *p)
{
    if (!g->jsonl)
        return CLGAN_STATUS_OK;
    cJSON *root = cJSON_CreateObject();
    cJSON *c = cJSON_AddObjectToObject(root, "config");
    char buf[64];
    time_t now = time(NULL);
    struct tm tm;
    snprintf(buf, sizeof(buf), "%d.%d.%d", CLGAN_VERSION_MAJOR, CLGAN_VERSION_MINOR,
             CLGAN_VERSION_PATCH);
    cJSON_AddStringToObject(c, "clgan", buf);
    if (gmtime_r(&now, &tm) && strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
        cJSON_AddStringToObject(c, "started", buf);
    add_str(c, "resume", p->resume);
    cJSON_AddNumberToObject(c, "start_step", (double)g->step);
    /* the networks */
    cJSON_AddStringToObject(c, "model", g->model);
    add_str(c, "arch", p->arch);
    cJSON_AddNumberToObject(c, "image_size", g->size);
    cJSON_AddNumberToObject(c, "channels", g->nc);
    cJSON_AddBoolToObject(c, "cond", g->classes > 0);
    cJSON_AddNumberToObject(c, "classes", g->classes);
    cJSON_AddNumberToObject(c, "nz", g->nz);
    /* the widths describe the networks only when they are the preset built from them */
    if (g->preset_widths) {
        cJSON_AddNumberToObject(c, "ngf", p->ngf);
        cJSON_AddNumberToObject(c, "ndf", p->ndf);
    } else {
        cJSON_AddNullToObject(c, "ngf");
        cJSON_AddNullToObject(c, "ndf");
    }
    cJSON *np = cJSON_AddObjectToObject(c, "parameters");
    cJSON_AddNumberToObject(np, "G", (double)g->G->n_params);
    cJSON_AddNumberToObject(np, "D", (double)g->D->n_params);
    char *arch = NULL;
    if (clgan_arch_to_json(&g->gnet, &g->dnet, &arch) == CLGAN_STATUS_OK) {
        cJSON *nets = cJSON_Parse(arch);
        if (nets)
            cJSON_AddItemToObject(c, "networks", nets);
    }
    free(arch);
    /* the optimisation */
    cJSON_AddNumberToObject(c, "batch", g->gbatch);
    add_num(c, "lr", p->lr);
    add_num(c, "beta1", p->beta1);
    add_num(c, "beta2", p->beta2);
    cJSON_AddNumberToObject(c, "d_steps", p->d_steps);
    cJSON_AddStringToObject(c, "g_loss", g->g_loss);
    add_num(c, "real_label", p->real_label);
    snprintf(buf, sizeof(buf), "%" PRIu64, p->seed); /* exact: a double holds 53 bits */
    cJSON_AddRawToObject(c, "seed", buf);
    cJSON_AddNumberToObject(c, "epochs", p->epochs);
    cJSON_AddNumberToObject(c, "iters", (double)p->iters);
    cJSON_AddNumberToObject(c, "steps_per_epoch", (double)g->per_epoch);
    cJSON_AddNumberToObject(c, "total_steps", (double)g->total);
    /* the data */
    cJSON_AddStringToObject(c, "data", g->data);
    add_str(c, "labels", p->labels);
    cJSON_AddNumberToObject(c, "max_images", (double)p->max_images);
    cJSON_AddNumberToObject(c, "per_class", (double)p->per_class);
    cJSON_AddNumberToObject(c, "images", (double)g->ds.count);
    cJSON_AddNumberToObject(c, "image_width", g->ds.width);
    cJSON_AddNumberToObject(c, "image_height", g->ds.height);
    cJSON_AddNumberToObject(c, "image_channels", g->ds.channels);
    cJSON_AddNumberToObject(c, "data_classes", g->ds.labels ? g->ds.n_classes : 0);
    /* the run */
    add_str(c, "out", g->out_dir);
    add_str(c, "log_jsonl", clgan_io_jsonl_path(g->jsonl));
    cJSON_AddNumberToObject(c, "log_every", p->log_every);
    cJSON_AddNumberToObject(c, "sample_every", p->sample_every);
    cJSON_AddNumberToObject(c, "ckpt_every", p->ckpt_every);
    cJSON_AddNumberToObject(c, "keep", p->keep_ckpts);
    cJSON_AddBoolToObject(c, "overwrite", p->overwrite);
    /* where it runs */
    add_device(c, "g_device", clgan_ctx_device(g->gctx));
    add_device(c, "d_device", clgan_ctx_device(g->dctx));
    cJSON_AddStringToObject(c, "gemm", clgan_gemm_backend_str(clgan_ctx_gemm_backend(g->gctx)));
    cJSON_AddNumberToObject(c, "ranks", clgan_gan_dist_world(g));
    cJSON_AddBoolToObject(c, "sync_bn", p->sync_bn);
    cJSON_AddBoolToObject(c, "deterministic", p->deterministic);
    return put(g, root);
}

clgan_status clgan_gan_jsonl_step(clgan_gan *g, const struct clgan_gan_stats *s, double ips,
                                  double elapsed_s)
{
    if (!g->jsonl)
        return CLGAN_STATUS_OK;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "step", (double)s->step);
    cJSON_AddNumberToObject(o, "epoch", s->epoch);
    cJSON_AddNumberToObject(o, "step_in_epoch", (double)((s->step - 1) % g->per_epoch + 1));
    add_num(o, "loss_d", s->loss_d);
    add_num(o, "loss_g", s->loss_g);
    add_num(o, "d_x", s->d_x);
    add_num(o, "d_g_z1", s->d_g_z1);
    add_num(o, "d_g_z2", s->d_g_z2);
    add_num(o, "images_per_s", ips);
    add_num(o, "elapsed_s", elapsed_s);
    add_num(o, "time", (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec);
    return put(g, o);
}

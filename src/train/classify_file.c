/*
 * classify_file.c - image classifiers in files: save to and load from safetensors. The tensors
 * are the model's under PyTorch's module names (train/ckpt.h); the metadata hold the format
 * ("clgan-classifier-1"), the network ("arch", the JSON `--arch FILE` reads), the class names (a
 * JSON list), and what it was trained on and for how long.
 */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/safetensors.h"
#include "train/ckpt.h"
#include "train/classify.h"

#define LOAD_MAX_BATCH 256
#define FORMAT         "clgan-classifier-1"

clgan_status clgan_classifier_save(clgan_classifier *c, const char *path)
{
    clgan_st_writer *w = NULL;
    char err[1024] = "", val[64];
    char *arch = NULL, *names = NULL;
    clgan_status st = clgan_cls_bn_refresh(c);
    if (st != CLGAN_STATUS_OK)
        return st;
    st = clgan_io_st_writer_init(&w, err, sizeof(err));
    if (st == CLGAN_STATUS_OK)
        st = clgan_ckpt_add_model(w, c->m, "", 0, err, sizeof(err));
    if (st == CLGAN_STATUS_OK) {
        cJSON *a = cJSON_CreateStringArray((const char *const *)c->class_names, c->k);
        names = a ? cJSON_PrintUnformatted(a) : NULL;
        cJSON_Delete(a);
        if (clgan_net_to_json(&c->net, &arch) != CLGAN_STATUS_OK || !names) {
            st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
            snprintf(err, sizeof(err), "out of host memory");
        }
    }
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_st_writer_meta(w, "format", FORMAT, err, sizeof(err));
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_st_writer_meta(w, "arch", arch, err, sizeof(err));
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_st_writer_meta(w, "class_names", names, err, sizeof(err));
    snprintf(val, sizeof(val), "%d", c->epochs);
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_st_writer_meta(w, "epochs", val, err, sizeof(err));
    snprintf(val, sizeof(val), "%" PRIu64, c->p.seed);
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_st_writer_meta(w, "seed", val, err, sizeof(err));
    if (st == CLGAN_STATUS_OK && c->data)
        st = clgan_io_st_writer_meta(w, "data", c->data, err, sizeof(err));
    if (st == CLGAN_STATUS_OK && c->extra)
        st = clgan_io_st_writer_meta(w, "extra", c->extra, err, sizeof(err));
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_st_writer_save(w, path, err, sizeof(err));
    clgan_io_st_writer_free(w);
    free(arch);
    free(names);
    if (st != CLGAN_STATUS_OK)
        clgan_cls_fail(c, st, "%s", err);
    return st;
}

/* The class names of the file: a JSON list of exactly k strings. */
static char **read_names(const char *text, int k)
{
    cJSON *a = text ? cJSON_Parse(text) : NULL;
    char **v = NULL;
    if (cJSON_IsArray(a) && cJSON_GetArraySize(a) == k && (v = calloc((size_t)k, sizeof(char *))))
        for (int q = 0; q < k; q++) {
            const cJSON *e = cJSON_GetArrayItem(a, q);
            if (!cJSON_IsString(e) || !(v[q] = strdup(e->valuestring))) {
                clgan_data_free_names(v, q);
                v = NULL;
                break;
            }
        }
    cJSON_Delete(a);
    return v;
}

clgan_status clgan_classifier_load(clgan_ctx *ctx, const char *path, clgan_classifier **out,
                                   char *msg, size_t msg_len)
{
    char err[2048] = "";
    clgan_st_file *f = NULL;
    *out = NULL;
    clgan_status st = clgan_io_st_load(path, &f, err, sizeof(err));
    if (st != CLGAN_STATUS_OK) {
        snprintf(msg, msg_len, "%s", err);
        return st;
    }
    struct clgan_classifier *c = calloc(1, sizeof(*c));
    if (!c) {
        clgan_io_st_free(f);
        snprintf(msg, msg_len, "out of host memory");
        return CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    }
    c->ctx = ctx;
    c->p = clgan_classifier_default_params();
    c->max_batch = LOAD_MAX_BATCH;
    const char *fmt = clgan_io_st_meta(f, "format"), *arch = clgan_io_st_meta(f, "arch");
    const char *ep = clgan_io_st_meta(f, "epochs"), *data = clgan_io_st_meta(f, "data");
    const char *extra = clgan_io_st_meta(f, "extra");
    if (!fmt || strcmp(fmt, FORMAT) || !arch) {
        snprintf(msg, msg_len, "%s: not a clgan classifier file (format %s)", path,
                 fmt ? fmt : "missing");
        st = CLGAN_STATUS_CORRUPT_FILE;
        goto out;
    }
    st = clgan_net_from_json(arch, &c->net, err, sizeof(err));
    if (st == CLGAN_STATUS_OK)
        st = clgan_cls_check_net(c, path, err, sizeof(err));
    if (st != CLGAN_STATUS_OK) {
        snprintf(msg, msg_len, "%s: its network: %s", path, err);
        st = CLGAN_STATUS_CORRUPT_FILE;
        goto out;
    }
    c->class_names = read_names(clgan_io_st_meta(f, "class_names"), c->k);
    c->arch = strdup(path);
    c->data = data ? strdup(data) : NULL;
    c->extra = extra ? strdup(extra) : NULL;
    c->epochs = ep ? atoi(ep) : 0;
    if (!c->class_names || !c->arch || (data && !c->data) || (extra && !c->extra)) {
        snprintf(msg, msg_len, "%s: class names missing or bad (a JSON list of %d)", path, c->k);
        st = CLGAN_STATUS_CORRUPT_FILE;
        goto out;
    }
    if ((st = clgan_cls_build(c)) != CLGAN_STATUS_OK) {
        snprintf(msg, msg_len, "%s", c->err);
        goto out;
    }
    st = clgan_ckpt_load_model(f, c->m, "", 0, err, sizeof(err));
    if (st != CLGAN_STATUS_OK)
        snprintf(msg, msg_len, "%s: %s", path, err);
out:
    clgan_io_st_free(f);
    if (st != CLGAN_STATUS_OK)
        clgan_classifier_free(c);
    else
        *out = c;
    return st;
}

/*
 * mlp_file.c - MLP classifiers in files: save to and load from safetensors (the model's
 * tensors as checkpoints name them, the normalisation, and the settings, sizes and class and
 * feature names as metadata, format "clgan-mlp-1").
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/safetensors.h"
#include "nn/nn.h"
#include "train/ckpt.h"
#include "train/mlp.h"

#define LOAD_MAX_BATCH 256
#define FORMAT         "clgan-mlp-1"

static const char *loss_str(enum clgan_mlp_loss l)
{
    return l == CLGAN_MLP_LOSS_CE ? "ce" : "sse";
}

clgan_status clgan_mlp_save(clgan_mlp *mm, const char *path)
{
    clgan_st_writer *w = NULL;
    char err[1024] = "", key[64], val[512];
    clgan_status st = clgan_io_st_writer_init(&w, err, sizeof(err));
    if (st == CLGAN_STATUS_OK)
        st = clgan_ckpt_add_model(w, mm->m, "", 0, err, sizeof(err));
    int64_t dshape = mm->d;
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_st_writer_add(w, "norm.mean", CLGAN_ST_F64, 1, &dshape, mm->mean, err,
                                    sizeof(err));
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_st_writer_add(w, "norm.std", CLGAN_ST_F64, 1, &dshape, mm->std, err,
                                    sizeof(err));
    /* sizes "4,5,3" and learning parameters as text */
    size_t used = 0;
    for (int i = 0; i < mm->n_sizes; i++)
        used +=
            (size_t)snprintf(val + used, sizeof(val) - used, "%s%d", i ? "," : "", mm->sizes[i]);
    struct {
        const char *k;
        char v[512];
    } meta[8];
    int nm = 0;
    snprintf(meta[nm].v, sizeof(meta[nm].v), "%s", FORMAT), meta[nm++].k = "format";
    snprintf(meta[nm].v, sizeof(meta[nm].v), "%s", val), meta[nm++].k = "sizes";
    snprintf(meta[nm].v, sizeof(meta[nm].v), "logistic"), meta[nm++].k = "hidden_act";
    snprintf(meta[nm].v, sizeof(meta[nm].v), "%s",
             mm->p.loss == CLGAN_MLP_LOSS_CE ? "softmax" : "logistic"),
        meta[nm++].k = "output_act";
    snprintf(meta[nm].v, sizeof(meta[nm].v), "%s", loss_str(mm->p.loss)), meta[nm++].k = "loss";
    snprintf(meta[nm].v, sizeof(meta[nm].v), "%s", clgan_mlp_learn_str(mm->p.learn)),
        meta[nm++].k = "learn";
    used = 0;
    for (int i = 0; i < mm->n_lp; i++)
        used += (size_t)snprintf(meta[nm].v + used, sizeof(meta[nm].v) - used, "%s%.17g",
                                 i ? "," : "", mm->lp[i]);
    meta[nm++].k = "learn_params";
    snprintf(meta[nm].v, sizeof(meta[nm].v), "%d", mm->epochs), meta[nm++].k = "epochs";
    for (int i = 0; i < nm && st == CLGAN_STATUS_OK; i++)
        st = clgan_io_st_writer_meta(w, meta[i].k, meta[i].v, err, sizeof(err));
    snprintf(val, sizeof(val), "%" PRIu64, mm->p.seed);
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_st_writer_meta(w, "seed", val, err, sizeof(err));
    snprintf(val, sizeof(val), "%.17g", mm->p.test_ratio);
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_st_writer_meta(w, "test_ratio", val, err, sizeof(err));
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_st_writer_meta(w, "class_column", mm->class_column, err, sizeof(err));
    /* names one entry each: labels may hold commas or quotes */
    for (int i = 0; i < mm->k && st == CLGAN_STATUS_OK; i++) {
        snprintf(key, sizeof(key), "class.%d", i);
        st = clgan_io_st_writer_meta(w, key, mm->class_names[i], err, sizeof(err));
    }
    for (int i = 0; i < mm->d && st == CLGAN_STATUS_OK; i++) {
        snprintf(key, sizeof(key), "feature.%d", i);
        st = clgan_io_st_writer_meta(w, key, mm->feature_names[i], err, sizeof(err));
    }
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_st_writer_save(w, path, err, sizeof(err));
    clgan_io_st_writer_free(w);
    if (st != CLGAN_STATUS_OK)
        clgan_mlp_fail(mm, st, "%s", err);
    return st;
}

/* Parse "a,b,c" into at most max numbers; returns the count or -1. */
static int parse_list(const char *s, double *v, int max)
{
    int n = 0;
    if (!s || !*s)
        return 0;
    for (;;) {
        char *end;
        if (n == max)
            return -1;
        v[n++] = strtod(s, &end);
        if (end == s)
            return -1;
        if (!*end)
            return n;
        if (*end != ',')
            return -1;
        s = end + 1;
    }
}

static char **meta_names(const clgan_st_file *f, const char *prefix, int n)
{
    char key[64];
    char **v = calloc((size_t)n, sizeof(char *));
    for (int i = 0; v && i < n; i++) {
        snprintf(key, sizeof(key), "%s.%d", prefix, i);
        const char *s = clgan_io_st_meta(f, key);
        if (!s || !(v[i] = strdup(s))) {
            clgan_mlp_free_names(v, i);
            return NULL;
        }
    }
    return v;
}

clgan_status clgan_mlp_load(clgan_ctx *ctx, const char *path, clgan_mlp **out, char *msg,
                            size_t msg_len)
{
    char err[2048] = "";
    clgan_st_file *f = NULL;
    *out = NULL;
    clgan_status st = clgan_io_st_load(path, &f, err, sizeof(err));
    if (st != CLGAN_STATUS_OK) {
        snprintf(msg, msg_len, "%s", err);
        return st;
    }
    struct clgan_mlp *mm = calloc(1, sizeof(*mm));
    if (!mm) {
        clgan_io_st_free(f);
        snprintf(msg, msg_len, "out of host memory");
        return CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    }
    mm->ctx = ctx;
    mm->p = clgan_mlp_default_params();
    mm->max_batch = LOAD_MAX_BATCH;
    const char *fmt = clgan_io_st_meta(f, "format"), *lo = clgan_io_st_meta(f, "loss");
    const char *learn = clgan_io_st_meta(f, "learn"), *cc = clgan_io_st_meta(f, "class_column");
    const char *seed = clgan_io_st_meta(f, "seed"), *ratio = clgan_io_st_meta(f, "test_ratio");
    const char *ep = clgan_io_st_meta(f, "epochs");
    double sz[CLGAN_MLP_MAX_HIDDEN + 2];
    int ns = parse_list(clgan_io_st_meta(f, "sizes"), sz, CLGAN_MLP_MAX_HIDDEN + 2);
    int ok = fmt && !strcmp(fmt, FORMAT) && lo && (!strcmp(lo, "sse") || !strcmp(lo, "ce")) &&
             learn && cc && seed && ratio && ns >= 2;
    for (int i = 0; ok && i < ns; i++) {
        ok = sz[i] >= 1 && sz[i] <= 65536 && sz[i] == floor(sz[i]);
        mm->sizes[i] = ok ? (int)sz[i] : 0;
    }
    if (ok) {
        char *end;
        mm->n_sizes = ns;
        mm->d = mm->sizes[0];
        mm->k = mm->sizes[ns - 1];
        mm->p.loss = !strcmp(lo, "ce") ? CLGAN_MLP_LOSS_CE : CLGAN_MLP_LOSS_SSE;
        mm->p.n_hidden = ns - 2;
        for (int i = 0; i < ns - 2; i++)
            mm->p.hidden[i] = mm->sizes[1 + i];
        for (int l = CLGAN_MLP_QUICKPROP; l <= CLGAN_MLP_ADAM; l++)
            if (!strcmp(learn, clgan_mlp_learn_str((enum clgan_mlp_learn)l)))
                mm->p.learn = (enum clgan_mlp_learn)l;
        mm->n_lp = clgan_mlp_learn_defaults(mm->p.learn, mm->lp);
        int nlp = parse_list(clgan_io_st_meta(f, "learn_params"), mm->lp, mm->n_lp);
        mm->p.seed = strtoull(seed, &end, 10);
        ok = nlp == mm->n_lp && *end == 0;
        mm->p.test_ratio = strtod(ratio, &end);
        ok = ok && *end == 0 && mm->p.test_ratio >= 0.0 && mm->p.test_ratio < 1.0;
        mm->epochs = ep ? atoi(ep) : 0;
        mm->class_names = meta_names(f, "class", mm->k);
        mm->feature_names = meta_names(f, "feature", mm->d);
        mm->class_column = strdup(cc);
        ok = ok && mm->class_names && mm->feature_names && mm->class_column;
    }
    if (!ok) {
        snprintf(msg, msg_len, "%s: not a clgan MLP file (metadata missing or bad)", path);
        st = CLGAN_STATUS_CORRUPT_FILE;
        goto out;
    }
    mm->mean = malloc((size_t)mm->d * sizeof(double));
    mm->std = malloc((size_t)mm->d * sizeof(double));
    if (!mm->mean || !mm->std) {
        snprintf(msg, msg_len, "out of host memory");
        st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
        goto out;
    }
    int64_t dshape = mm->d;
    const struct clgan_st_tensor *tm = NULL, *ts = NULL;
    st = clgan_io_st_get(f, "norm.mean", CLGAN_ST_F64, 1, &dshape, &tm, err, sizeof(err));
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_st_get(f, "norm.std", CLGAN_ST_F64, 1, &dshape, &ts, err, sizeof(err));
    if (st != CLGAN_STATUS_OK) {
        snprintf(msg, msg_len, "%s", err);
        goto out;
    }
    memcpy(mm->mean, tm->data, (size_t)mm->d * sizeof(double));
    memcpy(mm->std, ts->data, (size_t)mm->d * sizeof(double));
    for (int j = 0; j < mm->d; j++)
        if (!isfinite(mm->mean[j]) || !(mm->std[j] > 0.0) || !isfinite(mm->std[j])) {
            snprintf(msg, msg_len, "%s: normalisation of feature %d is not usable", path, j + 1);
            st = CLGAN_STATUS_CORRUPT_FILE;
            goto out;
        }
    if ((st = clgan_mlp_build(mm)) != CLGAN_STATUS_OK) {
        snprintf(msg, msg_len, "%s", mm->err);
        goto out;
    }
    st = clgan_ckpt_load_model(f, mm->m, "", 0, err, sizeof(err));
    if (st != CLGAN_STATUS_OK) { /* name the file once */
        int named = !strncmp(err, path, strlen(path));
        snprintf(msg, msg_len, "%s%s%s", named ? "" : path, named ? "" : ": ", err);
    }
out:
    clgan_io_st_free(f);
    if (st != CLGAN_STATUS_OK)
        clgan_mlp_free(mm);
    else
        *out = mm;
    return st;
}

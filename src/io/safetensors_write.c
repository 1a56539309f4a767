/*
 * safetensors_write.c - the safetensors writer (see safetensors.h): tensors and metadata
 * collected in memory, then one JSON header padded to 8 bytes and the data, written atomically.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/file.h"
#include "io/safetensors.h"
#include "io/safetensors_internal.h"

struct w_tensor {
    char *name;
    enum clgan_st_dtype dtype;
    int ndim;
    int64_t shape[CLGAN_ST_MAX_DIMS];
    size_t nbytes;
    void *data;
};

struct w_meta {
    char *key, *value;
};

struct clgan_st_writer {
    struct w_tensor *t;
    int n, cap;
    struct w_meta *m;
    int nm, capm;
};

clgan_status clgan_io_st_writer_init(clgan_st_writer **out, char *err, size_t err_len)
{
    *out = calloc(1, sizeof(**out));
    if (!*out)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                             "safetensors writer: out of memory");
    return CLGAN_STATUS_OK;
}

void clgan_io_st_writer_free(clgan_st_writer *w)
{
    if (!w)
        return;
    for (int i = 0; i < w->n; i++) {
        free(w->t[i].name);
        free(w->t[i].data);
    }
    for (int i = 0; i < w->nm; i++) {
        free(w->m[i].key);
        free(w->m[i].value);
    }
    free(w->t);
    free(w->m);
    free(w);
}

clgan_status clgan_io_st_writer_add(clgan_st_writer *w, const char *name, enum clgan_st_dtype dt,
                                    int ndim, const int64_t *shape, const void *data, char *err,
                                    size_t err_len)
{
    if (!name || !*name || !strcmp(name, "__metadata__"))
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "safetensors: invalid tensor name '%s'", name ? name : "(null)");
    if ((unsigned)dt >= CLGAN_ST_N_DTYPES || ndim < 0 || ndim > CLGAN_ST_MAX_DIMS)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "safetensors: tensor '%s': bad dtype %d or dimension count %d", name,
                             (int)dt, ndim);
    for (int i = 0; i < w->n; i++)
        if (!strcmp(w->t[i].name, name))
            return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                                 "safetensors: tensor '%s' added twice", name);
    int ok;
    size_t numel = clgan_io_st_shape_numel(ndim, shape, &ok);
    for (int i = 0; ok && i < ndim; i++)
        if ((double)shape[i] > CLGAN_ST_MAX_JSON_INT)
            ok = 0;
    size_t sz = clgan_io_st_dtype_size(dt);
    if (!ok || numel > ((size_t)-1) / sz) {
        char sh[256];
        clgan_io_st_shape_str(ndim, shape, sh, sizeof(sh));
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "safetensors: tensor '%s': invalid shape %s", name, sh);
    }
    if (w->n == w->cap) {
        int cap = w->cap ? w->cap * 2 : 16;
        struct w_tensor *nt = realloc(w->t, (size_t)cap * sizeof(*nt));
        if (!nt)
            goto oom;
        w->t = nt;
        w->cap = cap;
    }
    struct w_tensor *t = &w->t[w->n];
    memset(t, 0, sizeof(*t));
    t->name = strdup(name);
    t->nbytes = numel * sz;
    t->data = malloc(t->nbytes ? t->nbytes : 1);
    if (!t->name || !t->data) {
        free(t->name);
        free(t->data);
        goto oom;
    }
    if (t->nbytes)
        memcpy(t->data, data, t->nbytes);
    t->dtype = dt;
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++)
        t->shape[i] = shape[i];
    w->n++;
    return CLGAN_STATUS_OK;
oom:
    return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                         "safetensors: out of memory adding tensor '%s'", name);
}

clgan_status clgan_io_st_writer_meta(clgan_st_writer *w, const char *key, const char *value,
                                     char *err, size_t err_len)
{
    if (!key || !value)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "safetensors: NULL metadata key or value");
    char *v = strdup(value);
    if (!v)
        goto oom;
    for (int i = 0; i < w->nm; i++)
        if (!strcmp(w->m[i].key, key)) {
            free(w->m[i].value);
            w->m[i].value = v;
            return CLGAN_STATUS_OK;
        }
    if (w->nm == w->capm) {
        int cap = w->capm ? w->capm * 2 : 16;
        struct w_meta *nm = realloc(w->m, (size_t)cap * sizeof(*nm));
        if (!nm) {
            free(v);
            goto oom;
        }
        w->m = nm;
        w->capm = cap;
    }
    if (!(w->m[w->nm].key = strdup(key))) {
        free(v);
        goto oom;
    }
    w->m[w->nm++].value = v;
    return CLGAN_STATUS_OK;
oom:
    return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                         "safetensors: out of memory setting metadata '%s'", key ? key : "");
}

/* The JSON header text (malloc'ed, padded with spaces to a multiple of 8 bytes). */
static char *build_header(const clgan_st_writer *w, size_t *len)
{
    char *text = NULL, *out = NULL;
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    if (w->nm) {
        cJSON *meta = cJSON_AddObjectToObject(root, "__metadata__");
        for (int i = 0; meta && i < w->nm; i++)
            if (!cJSON_AddStringToObject(meta, w->m[i].key, w->m[i].value))
                goto out;
        if (!meta)
            goto out;
    }
    size_t off = 0;
    for (int i = 0; i < w->n; i++) {
        const struct w_tensor *t = &w->t[i];
        cJSON *o = cJSON_AddObjectToObject(root, t->name);
        if (!o || !cJSON_AddStringToObject(o, "dtype", clgan_io_st_dtype_name(t->dtype)))
            goto out;
        cJSON *shape = cJSON_AddArrayToObject(o, "shape");
        if (!shape)
            goto out;
        for (int d = 0; d < t->ndim; d++) {
            cJSON *num = cJSON_CreateNumber((double)t->shape[d]);
            if (!num || !cJSON_AddItemToArray(shape, num)) {
                cJSON_Delete(num);
                goto out;
            }
        }
        cJSON *offs = cJSON_AddArrayToObject(o, "data_offsets");
        double be[2] = {(double)off, (double)(off + t->nbytes)};
        for (int k = 0; offs && k < 2; k++) {
            cJSON *num = cJSON_CreateNumber(be[k]);
            if (!num || !cJSON_AddItemToArray(offs, num)) {
                cJSON_Delete(num);
                goto out;
            }
        }
        if (!offs)
            goto out;
        off += t->nbytes;
    }
    text = cJSON_PrintUnformatted(root);
    if (!text)
        goto out;
    size_t n = strlen(text), padded = (n + 7) / 8 * 8;
    out = malloc(padded + 1);
    if (out) {
        memcpy(out, text, n);
        memset(out + n, ' ', padded - n);
        out[padded] = 0;
        *len = padded;
    }
out:
    cJSON_free(text);
    cJSON_Delete(root);
    return out;
}

clgan_status clgan_io_st_writer_save(clgan_st_writer *w, const char *path, char *err,
                                     size_t err_len)
{
    size_t total = 0;
    for (int i = 0; i < w->n; i++) {
        if (w->t[i].nbytes > (size_t)CLGAN_ST_MAX_JSON_INT - total)
            return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                                 "%s: tensors too large for JSON offsets", path);
        total += w->t[i].nbytes;
    }
    size_t hlen = 0;
    char *header = build_header(w, &hlen);
    if (!header)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                             "%s: out of memory building the header", path);
    unsigned char le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (unsigned char)((uint64_t)hlen >> (8 * i));
    struct clgan_io_atomic a;
    clgan_status st = clgan_io_atomic_open(&a, path, err, err_len);
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_atomic_write(&a, le, 8, err, err_len);
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_atomic_write(&a, header, hlen, err, err_len);
    for (int i = 0; st == CLGAN_STATUS_OK && i < w->n; i++)
        st = clgan_io_atomic_write(&a, w->t[i].data, w->t[i].nbytes, err, err_len);
    if (st == CLGAN_STATUS_OK)
        st = clgan_io_atomic_commit(&a, err, err_len);
    free(header);
    return st;
}

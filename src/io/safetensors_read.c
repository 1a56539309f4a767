/*
 * safetensors_read.c - the validating safetensors reader (see safetensors.h for what it checks):
 * the whole file in memory, its JSON header parsed with cJSON, every tensor checked before one
 * is handed out, lookups by name and metadata.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/file.h"
#include "io/safetensors.h"
#include "io/safetensors_internal.h"

struct clgan_st_file {
    char *path;
    unsigned char *buf;
    size_t len;
    struct clgan_st_tensor *t;
    int n;
    char **mkey, **mval;
    int nm;
};

void clgan_io_st_free(clgan_st_file *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->n; i++)
        free((char *)f->t[i].name);
    for (int i = 0; i < f->nm; i++) {
        free(f->mkey[i]);
        free(f->mval[i]);
    }
    free(f->t);
    free(f->mkey);
    free(f->mval);
    free(f->buf);
    free(f->path);
    free(f);
}

/* A non-negative integral JSON number below 2^53. */
static int json_uint(const cJSON *item, uint64_t *v)
{
    if (!cJSON_IsNumber(item))
        return 0;
    double d = item->valuedouble;
    if (!(d >= 0) || d > CLGAN_ST_MAX_JSON_INT || d != floor(d))
        return 0;
    *v = (uint64_t)d;
    return 1;
}

static const char *json_kind(const cJSON *item)
{
    if (cJSON_IsObject(item))
        return "an object";
    if (cJSON_IsArray(item))
        return "an array";
    if (cJSON_IsString(item))
        return "a string";
    if (cJSON_IsNumber(item))
        return "a number";
    if (cJSON_IsBool(item))
        return "a boolean";
    if (cJSON_IsNull(item))
        return "null";
    return "invalid";
}

struct span {
    uint64_t begin, end;
    int index;
};

static int cmp_span(const void *a, const void *b)
{
    const struct span *x = a, *y = b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    return 0;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Parse one tensor entry into t (name already set). */
static clgan_status parse_tensor(const char *path, const cJSON *o, struct clgan_st_tensor *t,
                                 uint64_t *begin, uint64_t *end, char *err, size_t err_len)
{
    const char *name = t->name;
    if (!cJSON_IsObject(o))
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: tensor '%s' is %s, not an object", path, name, json_kind(o));
    const cJSON *dtype = NULL, *shape = NULL, *offs = NULL, *c;
    cJSON_ArrayForEach(c, o)
    {
        const cJSON **slot = !strcmp(c->string, "dtype")          ? &dtype
                             : !strcmp(c->string, "shape")        ? &shape
                             : !strcmp(c->string, "data_offsets") ? &offs
                                                                  : NULL;
        if (!slot || *slot)
            return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                                 "%s: tensor '%s': %s key '%.64s'", path, name,
                                 slot ? "duplicate" : "unknown", c->string);
        *slot = c;
    }
    if (!dtype || !shape || !offs)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: tensor '%s': missing '%s'", path, name,
                             !dtype   ? "dtype"
                             : !shape ? "shape"
                                      : "data_offsets");
    if (!cJSON_IsString(dtype))
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: tensor '%s': dtype is %s, not a string", path, name,
                             json_kind(dtype));
    int dt = 0;
    while (dt < CLGAN_ST_N_DTYPES &&
           strcmp(clgan_io_st_dtype_name((enum clgan_st_dtype)dt), dtype->valuestring))
        dt++;
    if (dt == CLGAN_ST_N_DTYPES)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: tensor '%s': unknown dtype '%.32s'", path, name,
                             dtype->valuestring);
    t->dtype = (enum clgan_st_dtype)dt;
    if (!cJSON_IsArray(shape))
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: tensor '%s': shape is %s, not an array", path, name,
                             json_kind(shape));
    int ndim = cJSON_GetArraySize(shape);
    if (ndim > CLGAN_ST_MAX_DIMS)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: tensor '%s': %d dimensions, at most %d supported", path, name,
                             ndim, CLGAN_ST_MAX_DIMS);
    t->ndim = 0;
    cJSON_ArrayForEach(c, shape)
    {
        uint64_t v;
        if (!json_uint(c, &v))
            return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                                 "%s: tensor '%s': shape entry %d is not a non-negative integer",
                                 path, name, t->ndim + 1);
        t->shape[t->ndim++] = (int64_t)v;
    }
    uint64_t be[2];
    int k = 0;
    if (cJSON_IsArray(offs) && cJSON_GetArraySize(offs) == 2) {
        cJSON_ArrayForEach(c, offs)
        {
            if (json_uint(c, &be[k]))
                k++;
        }
    }
    if (k != 2)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: tensor '%s': data_offsets is not two non-negative integers", path,
                             name);
    char sh[256];
    clgan_io_st_shape_str(t->ndim, t->shape, sh, sizeof(sh));
    if (be[0] > be[1])
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: tensor '%s': data_offsets [%llu, %llu] end before they begin",
                             path, name, (unsigned long long)be[0], (unsigned long long)be[1]);
    int ok;
    t->numel = clgan_io_st_shape_numel(t->ndim, t->shape, &ok);
    size_t sz = clgan_io_st_dtype_size(t->dtype);
    if (!ok || t->numel > ((size_t)-1) / sz)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: tensor '%s': shape %s overflows", path, name, sh);
    t->nbytes = t->numel * sz;
    if (be[1] - be[0] != (uint64_t)t->nbytes)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: tensor '%s': shape %s of %s needs %zu bytes but data_offsets "
                             "[%llu, %llu] hold %llu",
                             path, name, sh, clgan_io_st_dtype_name(t->dtype), t->nbytes,
                             (unsigned long long)be[0], (unsigned long long)be[1],
                             (unsigned long long)(be[1] - be[0]));
    *begin = be[0];
    *end = be[1];
    return CLGAN_STATUS_OK;
}

static clgan_status parse_meta(clgan_st_file *f, const cJSON *meta, char *err, size_t err_len)
{
    if (!cJSON_IsObject(meta))
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: __metadata__ is %s, not an object", f->path, json_kind(meta));
    int n = cJSON_GetArraySize(meta);
    f->mkey = calloc((size_t)n + 1, sizeof(char *));
    f->mval = calloc((size_t)n + 1, sizeof(char *));
    if (!f->mkey || !f->mval)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "%s: out of memory",
                             f->path);
    const cJSON *c;
    cJSON_ArrayForEach(c, meta)
    {
        if (!cJSON_IsString(c))
            return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                                 "%s: metadata '%.64s' is %s, not a string", f->path, c->string,
                                 json_kind(c));
        f->mkey[f->nm] = strdup(c->string);
        f->mval[f->nm] = strdup(c->valuestring);
        f->nm++;
        if (!f->mkey[f->nm - 1] || !f->mval[f->nm - 1])
            return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "%s: out of memory",
                                 f->path);
    }
    /* duplicates by sorting a copy: comparing each key with all before it took minutes for a
     * header of a few megabytes */
    const char **sorted = malloc(((size_t)f->nm + 1) * sizeof(*sorted));
    if (!sorted)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "%s: out of memory",
                             f->path);
    memcpy(sorted, f->mkey, (size_t)f->nm * sizeof(*sorted));
    qsort(sorted, (size_t)f->nm, sizeof(*sorted), cmp_name);
    clgan_status st = CLGAN_STATUS_OK;
    for (int i = 1; i < f->nm; i++)
        if (!strcmp(sorted[i - 1], sorted[i])) {
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                               "%s: metadata key '%.64s' appears twice", f->path, sorted[i]);
            break;
        }
    free(sorted);
    return st;
}

/* Validate f->buf (f->len bytes) and index it. */
static clgan_status parse_file(clgan_st_file *f, char *err, size_t err_len)
{
    const char *path = f->path;
    if (f->len < 8)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: truncated: %zu bytes, too short for the 8-byte header length",
                             path, f->len);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = hlen << 8 | f->buf[i];
    if (hlen > CLGAN_ST_MAX_HEADER)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: header length %llu exceeds the %u-byte limit", path,
                             (unsigned long long)hlen, CLGAN_ST_MAX_HEADER);
    if (hlen > f->len - 8)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: truncated: header length %llu but only %zu bytes follow it", path,
                             (unsigned long long)hlen, f->len - 8);
    if (hlen < 2)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: header length %llu is too short for a JSON object", path,
                             (unsigned long long)hlen);
    const char *htext = (const char *)f->buf + 8;
    if (memchr(htext, 0, (size_t)hlen))
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: header contains a NUL byte", path);
    char *hcopy = malloc((size_t)hlen + 1);
    if (!hcopy)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                             "%s: out of memory for a %llu-byte header", path,
                             (unsigned long long)hlen);
    memcpy(hcopy, htext, (size_t)hlen);
    hcopy[hlen] = 0;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(hcopy, &end, 1);
    clgan_status st = CLGAN_STATUS_OK;
    struct span *spans = NULL;
    const char **names = NULL;
    if (!root) {
        size_t at = end && end >= hcopy ? (size_t)(end - hcopy) : 0;
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                           "%s: header is not valid JSON (at byte %zu of %llu: '%.20s')", path, at,
                           (unsigned long long)hlen, at < hlen ? hcopy + at : "");
        goto out;
    }
    if (!cJSON_IsObject(root)) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                           "%s: header is %s, not a JSON object", path, json_kind(root));
        goto out;
    }
    int count = cJSON_GetArraySize(root);
    f->t = calloc((size_t)count + 1, sizeof(*f->t));
    spans = calloc((size_t)count + 1, sizeof(*spans));
    names = calloc((size_t)count + 1, sizeof(*names));
    if (!f->t || !spans || !names) {
        st =
            clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "%s: out of memory", path);
        goto out;
    }
    const size_t data_len = f->len - 8 - (size_t)hlen;
    const unsigned char *data = f->buf + 8 + hlen;
    int n_names = 0, seen_meta = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, root)
    {
        if (!c->string[0]) {
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                               "%s: a tensor has an empty name", path);
            goto out;
        }
        if (!strcmp(c->string, "__metadata__")) {
            if (seen_meta++) {
                st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                                   "%s: __metadata__ appears twice", path);
                goto out;
            }
            if ((st = parse_meta(f, c, err, err_len)) != CLGAN_STATUS_OK)
                goto out;
            continue;
        }
        names[n_names++] = c->string;
        struct clgan_st_tensor *t = &f->t[f->n];
        if (!(t->name = strdup(c->string))) {
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "%s: out of memory",
                               path);
            goto out;
        }
        f->n++;
        uint64_t b, e;
        if ((st = parse_tensor(path, c, t, &b, &e, err, err_len)) != CLGAN_STATUS_OK)
            goto out;
        if (e > data_len) {
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                               "%s: tensor '%s': data_offsets [%llu, %llu] reach past the end of "
                               "the data (%zu bytes)",
                               path, t->name, (unsigned long long)b, (unsigned long long)e,
                               data_len);
            goto out;
        }
        t->data = data + b;
        spans[f->n - 1] = (struct span){b, e, f->n - 1};
    }
    qsort(names, (size_t)n_names, sizeof(*names), cmp_name);
    for (int i = 1; i < n_names; i++)
        if (!strcmp(names[i - 1], names[i])) {
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                               "%s: tensor '%.64s' appears twice", path, names[i]);
            goto out;
        }
    /* the data must be covered exactly: tensors back to back from 0 to the end */
    qsort(spans, (size_t)f->n, sizeof(*spans), cmp_span);
    uint64_t pos = 0;
    for (int i = 0; i < f->n; i++) {
        const struct span *s = &spans[i];
        if (s->begin < pos) {
            const struct span *p = &spans[i - 1];
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                               "%s: tensors '%s' [%llu, %llu] and '%s' [%llu, %llu] overlap", path,
                               f->t[p->index].name, (unsigned long long)p->begin,
                               (unsigned long long)p->end, f->t[s->index].name,
                               (unsigned long long)s->begin, (unsigned long long)s->end);
            goto out;
        }
        if (s->begin > pos) {
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                               "%s: bytes [%llu, %llu) of the data belong to no tensor (before "
                               "'%s')",
                               path, (unsigned long long)pos, (unsigned long long)s->begin,
                               f->t[s->index].name);
            goto out;
        }
        pos = s->end;
    }
    if (pos != data_len) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                           "%s: %llu bytes after the last tensor (data is %zu bytes, tensors end "
                           "at %llu)",
                           path, (unsigned long long)(data_len - pos), data_len,
                           (unsigned long long)pos);
        goto out;
    }
    /* hand tensors out in data order */
    struct clgan_st_tensor *sorted = malloc(((size_t)f->n + 1) * sizeof(*sorted));
    if (!sorted) {
        st =
            clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "%s: out of memory", path);
        goto out;
    }
    for (int i = 0; i < f->n; i++)
        sorted[i] = f->t[spans[i].index];
    free(f->t);
    f->t = sorted;
out:
    free(names);
    free(spans);
    cJSON_Delete(root);
    free(hcopy);
    return st;
}

clgan_status clgan_io_st_load_mem(const void *data, size_t len, const char *name,
                                  clgan_st_file **out, char *err, size_t err_len)
{
    *out = NULL;
    clgan_st_file *f = calloc(1, sizeof(*f));
    if (f) {
        f->path = strdup(name ? name : "(memory)");
        f->buf = malloc(len ? len : 1);
    }
    if (!f || !f->path || !f->buf) {
        clgan_io_st_free(f);
        return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "%s: out of memory",
                             name ? name : "(memory)");
    }
    if (len)
        memcpy(f->buf, data, len);
    f->len = len;
    clgan_status st = parse_file(f, err, err_len);
    if (st != CLGAN_STATUS_OK) {
        clgan_io_st_free(f);
        return st;
    }
    *out = f;
    return CLGAN_STATUS_OK;
}

clgan_status clgan_io_st_load(const char *path, clgan_st_file **out, char *err, size_t err_len)
{
    *out = NULL;
    clgan_st_file *f = calloc(1, sizeof(*f));
    if (!f || !(f->path = strdup(path))) {
        free(f);
        return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "%s: out of memory",
                             path);
    }
    char *buf = NULL;
    clgan_status st = clgan_io_read_file(path, (size_t)-1 / 2, &buf, &f->len, err, err_len);
    f->buf = (unsigned char *)buf;
    if (st == CLGAN_STATUS_OK)
        st = parse_file(f, err, err_len);
    if (st != CLGAN_STATUS_OK) {
        clgan_io_st_free(f);
        return st;
    }
    *out = f;
    return CLGAN_STATUS_OK;
}

int clgan_io_st_count(const clgan_st_file *f)
{
    return f->n;
}

const struct clgan_st_tensor *clgan_io_st_at(const clgan_st_file *f, int i)
{
    return i >= 0 && i < f->n ? &f->t[i] : NULL;
}

const struct clgan_st_tensor *clgan_io_st_find(const clgan_st_file *f, const char *name)
{
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->t[i].name, name))
            return &f->t[i];
    return NULL;
}

clgan_status clgan_io_st_get(const clgan_st_file *f, const char *name, enum clgan_st_dtype dt,
                             int ndim, const int64_t *shape, const struct clgan_st_tensor **out,
                             char *err, size_t err_len)
{
    const struct clgan_st_tensor *t = clgan_io_st_find(f, name);
    *out = NULL;
    if (!t)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT, "%s: no tensor '%s'",
                             f->path, name);
    if (t->dtype != dt)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: tensor '%s' is %s, expected %s", f->path, name,
                             clgan_io_st_dtype_name(t->dtype), clgan_io_st_dtype_name(dt));
    if (shape) {
        int same = t->ndim == ndim;
        for (int i = 0; same && i < ndim; i++)
            same = t->shape[i] == shape[i];
        if (!same) {
            char a[256], b[256];
            clgan_io_st_shape_str(t->ndim, t->shape, a, sizeof(a));
            clgan_io_st_shape_str(ndim < 0                   ? 0
                                  : ndim > CLGAN_ST_MAX_DIMS ? CLGAN_ST_MAX_DIMS
                                                             : ndim,
                                  shape, b, sizeof(b));
            return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                                 "%s: tensor '%s' has shape %s, expected %s", f->path, name, a, b);
        }
    }
    *out = t;
    return CLGAN_STATUS_OK;
}

clgan_status clgan_io_st_read_f32(const clgan_st_file *f, const char *name, int ndim,
                                  const int64_t *shape, float *dst, char *err, size_t err_len)
{
    const struct clgan_st_tensor *t;
    clgan_status st = clgan_io_st_get(f, name, CLGAN_ST_F32, ndim, shape, &t, err, err_len);
    if (st != CLGAN_STATUS_OK)
        return st;
    if (t->nbytes)
        memcpy(dst, t->data, t->nbytes);
    /* weights and statistics are used as they are: a NaN or infinity would go on into every
     * sample, prediction and later checkpoint */
    for (size_t i = 0; i < t->nbytes / sizeof(float); i++)
        if (!isfinite(dst[i]))
            return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                                 "%s: tensor '%s' holds a value that is not finite (%g at "
                                 "element %zu)",
                                 f->path, name, (double)dst[i], i);
    return CLGAN_STATUS_OK;
}

const char *clgan_io_st_meta(const clgan_st_file *f, const char *key)
{
    for (int i = 0; i < f->nm; i++)
        if (!strcmp(f->mkey[i], key))
            return f->mval[i];
    return NULL;
}

int clgan_io_st_meta_count(const clgan_st_file *f)
{
    return f->nm;
}

void clgan_io_st_meta_at(const clgan_st_file *f, int i, const char **key, const char **value)
{
    *key = i >= 0 && i < f->nm ? f->mkey[i] : NULL;
    *value = i >= 0 && i < f->nm ? f->mval[i] : NULL;
}

/* A finite number from metadata key k, parsed whole (no leading space, nothing after it). */
static clgan_status meta_number(const clgan_st_file *f, const char *file, const char *k,
                                double *out, const char **text, char *err, size_t err_len)
{
    const char *s = clgan_io_st_meta(f, k);
    char *end = NULL;
    if (!s)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE, "%s: metadata %s missing",
                             file, k);
    *text = s;
    int lead = s[0] && !isspace((unsigned char)s[0]);
    double v = lead ? strtod(s, &end) : 0;
    *out = !lead || end == s || *end ? NAN : v;
    return CLGAN_STATUS_OK;
}

/*
 * A whole number in lo..hi from metadata key k. Checkpoints are input: a missing, malformed,
 * fractional, non-finite or out-of-range value is refused naming the field, the value and the
 * range, before any cast.
 */
clgan_status clgan_io_st_meta_int(const clgan_st_file *f, const char *file, const char *k,
                                  double lo, double hi, long long *out, char *err, size_t err_len)
{
    double v;
    const char *s = NULL;
    clgan_status st = meta_number(f, file, k, &v, &s, err, err_len);
    if (st != CLGAN_STATUS_OK)
        return st;
    if (!isfinite(v) || v != floor(v) || v < lo || v > hi)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: metadata %s = '%.40s' is not a whole number in %.17g..%.17g",
                             file, k, s, lo, hi);
    *out = (long long)v;
    return CLGAN_STATUS_OK;
}

clgan_status clgan_io_st_meta_real(const clgan_st_file *f, const char *file, const char *k,
                                   double lo, double hi, double *out, char *err, size_t err_len)
{
    double v;
    const char *s = NULL;
    clgan_status st = meta_number(f, file, k, &v, &s, err, err_len);
    if (st != CLGAN_STATUS_OK)
        return st;
    if (!isfinite(v) || v < lo || v > hi)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: metadata %s = '%.40s' is not a number in %.17g..%.17g", file, k,
                             s, lo, hi);
    *out = v;
    return CLGAN_STATUS_OK;
}

/* An unsigned 64-bit value from metadata key k: decimal digits only, at most 2^64 - 1. */
clgan_status clgan_io_st_meta_u64(const clgan_st_file *f, const char *file, const char *k,
                                  uint64_t *out, char *err, size_t err_len)
{
    const char *s = clgan_io_st_meta(f, k);
    char *end = NULL;
    if (!s)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE, "%s: metadata %s missing",
                             file, k);
    int digits = s[0] != 0;
    for (const char *c = s; *c; c++)
        digits &= isdigit((unsigned char)*c) != 0;
    errno = 0;
    unsigned long long v = digits ? strtoull(s, &end, 10) : 0;
    if (!digits || errno == ERANGE || *end)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: metadata %s = '%.40s' is not a whole number in "
                             "0..18446744073709551615",
                             file, k, s);
    *out = (uint64_t)v;
    return CLGAN_STATUS_OK;
}

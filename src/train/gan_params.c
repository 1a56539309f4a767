/*
 * gan_params.c - GAN parameters by name (clgan_gan_params_new, _set, _free in clgan.h), for
 * programs that cannot mirror struct clgan_gan_params field for field, such as bindings from
 * other languages: one table maps each field's name to its offset and type.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clgan.h"

enum field_type { F_INT, F_LONG, F_U64, F_DOUBLE, F_STRING };

static const struct field {
    const char *name;
    enum field_type type;
    size_t off;
} fields[] = {
#define F(name, type)                                        \
    {                                                        \
#name, type, offsetof(struct clgan_gan_params, name) \
    }
    F(model, F_STRING),     F(image_size, F_INT),    F(arch, F_STRING),       F(cond, F_INT),
    F(nz, F_INT),           F(ngf, F_INT),           F(ndf, F_INT),           F(channels, F_INT),
    F(batch, F_INT),        F(lr, F_DOUBLE),         F(beta1, F_DOUBLE),      F(beta2, F_DOUBLE),
    F(d_steps, F_INT),      F(g_loss, F_STRING),     F(real_label, F_DOUBLE), F(seed, F_U64),
    F(epochs, F_INT),       F(iters, F_LONG),        F(max_images, F_LONG),   F(data, F_STRING),
    F(labels, F_STRING),    F(per_class, F_LONG),    F(out_dir, F_STRING),    F(log_every, F_INT),
    F(sample_every, F_INT), F(ckpt_every, F_INT),    F(keep_ckpts, F_INT),    F(resume, F_STRING),
    F(sync_bn, F_INT),      F(deterministic, F_INT), F(overwrite, F_INT),
#undef F
};
#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

/* What clgan_gan_params_new hands out: the parameters first (the pointer the caller holds),
 * then the copies of the strings set by name, one slot per field (NULL: not ours). */
struct params_box {
    struct clgan_gan_params p;
    char *owned[N_FIELDS];
};

struct clgan_gan_params *clgan_gan_params_new(void)
{
    struct params_box *b = calloc(1, sizeof(*b));
    if (!b)
        return NULL;
    b->p = clgan_gan_default_params();
    return &b->p;
}

void clgan_gan_params_free(struct clgan_gan_params *p)
{
    if (!p)
        return;
    struct params_box *b = (struct params_box *)p;
    for (size_t i = 0; i < N_FIELDS; i++)
        free(b->owned[i]);
    free(b);
}

static clgan_status bad(char *msg, size_t msg_len, const char *fmt, const char *name,
                        const char *value)
{
    if (msg && msg_len) {
        char what[160];
        snprintf(what, sizeof(what), fmt, value);
        snprintf(msg, msg_len, "gan parameter %s: %s", name, what);
    }
    return CLGAN_STATUS_INVALID_ARGUMENT;
}

clgan_status clgan_gan_params_set(struct clgan_gan_params *p, const char *name, const char *value,
                                  char *msg, size_t msg_len)
{
    const struct field *f = NULL;
    for (size_t i = 0; name && i < N_FIELDS && !f; i++)
        if (!strcmp(fields[i].name, name))
            f = &fields[i];
    if (!p || !f) {
        if (msg && msg_len && !p)
            snprintf(msg, msg_len, "gan parameters: no parameters given (NULL)");
        else if (msg && msg_len)
            snprintf(msg, msg_len,
                     "gan parameters: unknown name '%.64s' (the names are the fields of struct "
                     "clgan_gan_params but dist)",
                     name ? name : "(null)");
        return CLGAN_STATUS_INVALID_ARGUMENT;
    }
    struct params_box *b = (struct params_box *)p;
    char *dst = (char *)p + f->off;
    if (f->type == F_STRING) {
        char *copy = NULL;
        if (value && !(copy = strdup(value))) {
            if (msg && msg_len)
                snprintf(msg, msg_len, "gan parameter %s: out of memory", name);
            return CLGAN_STATUS_OUT_OF_HOST_MEMORY;
        }
        size_t i = (size_t)(f - fields);
        free(b->owned[i]);
        b->owned[i] = copy;
        *(const char **)(void *)dst = copy;
        return CLGAN_STATUS_OK;
    }
    /* numbers: the whole text, no leading space or sign tricks strtoull would accept */
    if (!value || !*value || isspace((unsigned char)value[0]))
        return bad(msg, msg_len, "'%.40s' is not a number", name, value ? value : "(null)");
    char *end = NULL;
    errno = 0;
    switch (f->type) {
    case F_INT:
    case F_LONG: {
        long long v = strtoll(value, &end, 10);
        long long lo = f->type == F_INT ? INT_MIN : LLONG_MIN;
        long long hi = f->type == F_INT ? INT_MAX : LLONG_MAX;
        if (*end || errno == ERANGE || v < lo || v > hi)
            return bad(msg, msg_len,
                       f->type == F_INT ? "'%.40s' is not an integer in the range of an int"
                                        : "'%.40s' is not a 64-bit integer",
                       name, value);
        if (f->type == F_INT)
            *(int *)(void *)dst = (int)v;
        else
            *(long long *)(void *)dst = v;
        return CLGAN_STATUS_OK;
    }
    case F_U64: {
        unsigned long long v = strtoull(value, &end, 10);
        if (value[0] == '-' || *end || errno == ERANGE)
            return bad(msg, msg_len, "'%.40s' is not an integer from 0 to 2^64 - 1", name, value);
        *(uint64_t *)(void *)dst = (uint64_t)v;
        return CLGAN_STATUS_OK;
    }
    case F_DOUBLE: {
        double v = strtod(value, &end);
        if (*end || errno == ERANGE || !isfinite(v))
            return bad(msg, msg_len, "'%.40s' is not a finite number", name, value);
        *(double *)(void *)dst = v;
        return CLGAN_STATUS_OK;
    }
    case F_STRING:
        break;
    }
    return bad(msg, msg_len, "bad field table%s", name, "");
}

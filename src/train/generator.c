/* generator.c - a trained generator on its own: load from a checkpoint, draw noise, forward. */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/file.h"
#include "io/safetensors.h"
#include "nn/nn.h"
#include "ops/elt.h"
#include "ops/rng.h"
#include "train/ckpt.h"

struct clgan_generator {
    clgan_ctx *ctx;
    struct clgan_model *G;
    int nz, nc, size, max_batch;
    int classes; /* a conditional G's label input (0: none) */
    enum clgan_bn_mode bn;
    char **class_names; /* classes names from the checkpoint, or NULL */
    char *data;         /* the training data's spec from the checkpoint, or NULL */
    char number[16];    /* the name of an unnamed class */
    cl_mem z, y;
    char err[2048]; /* the last failure (clgan_generator_last_error) */
};

/* Record a failure of gen: the message, or (NULL) the context's last error. */
static clgan_status gen_fail(clgan_generator *gen, clgan_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static clgan_status gen_fail(clgan_generator *gen, clgan_status st, const char *fmt, ...)
{
    if (!fmt) {
        snprintf(gen->err, sizeof(gen->err), "%s", clgan_ctx_last_error(gen->ctx));
        return st;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(gen->err, sizeof(gen->err), fmt, ap);
    va_end(ap);
    return st;
}

const char *clgan_generator_last_error(const clgan_generator *gen)
{
    return gen ? gen->err : "";
}

/* A whole number in lo..hi from metadata key k, into an int (0 when absent or bad). */
static int meta_int(const clgan_st_file *f, const char *k, int lo, int hi, int *v)
{
    long long x;
    char err[256];
    if (clgan_io_st_meta_int(f, "", k, lo, hi, &x, err, sizeof(err)) != CLGAN_STATUS_OK)
        return 0;
    *v = (int)x;
    return 1;
}

/*
 * G's network spec from a file's metadata: "arch" (a training checkpoint: G and D), "arch_g" (a
 * generator file), or for files written before specs were stored, the preset their "model",
 * "nz", "ngf" and "nc" name. net has room for two specs.
 */
static clgan_status generator_spec(const clgan_st_file *f, const char *path,
                                   struct clgan_net_spec *net, char *msg, size_t msg_len)
{
    const char *arch = clgan_io_st_meta(f, "arch"), *arch_g = clgan_io_st_meta(f, "arch_g");
    const char *model = clgan_io_st_meta(f, "model");
    char err[700];
    clgan_status st = CLGAN_STATUS_OK;
    if (arch)
        st = clgan_arch_from_json(arch, &net[0], &net[1], err, sizeof(err));
    else if (arch_g)
        st = clgan_net_from_json(arch_g, &net[0], err, sizeof(err));
    if (arch || arch_g) {
        if (st != CLGAN_STATUS_OK)
            snprintf(msg, msg_len, "%s: architecture metadata: %s", path, err);
        return st == CLGAN_STATUS_OK ? st : CLGAN_STATUS_CORRUPT_FILE;
    }
    int nz = 0, ngf = 0, nc = 0;
    int size = !model ? 0 : !strcmp(model, "dcgan32") ? 32 : !strcmp(model, "dcgan64") ? 64 : 0;
    if (!size || !meta_int(f, "nz", 1, 4096, &nz) || !meta_int(f, "ngf", 1, 1024, &ngf) ||
        !meta_int(f, "nc", 1, 3, &nc) || nc == 2) {
        snprintf(msg, msg_len, "%s: not a clgan generator checkpoint (metadata missing or bad)",
                 path);
        return CLGAN_STATUS_CORRUPT_FILE;
    }
    return clgan_preset_dcgan(size, nz, ngf, ngf, nc, 0, &net[0], &net[1], msg, msg_len);
}

/*
 * A generator saved from PyTorch's DCGAN example (its state_dict, no metadata): the transposed
 * convolutions are the 4-D tensors main.<i>.weight, [in, out, 4, 4] each; L of them make
 * 4 * 2^(L-1) pixel images, the first reads nz = in channels and the last's in channels are
 * ngf, its out channels the image's. The preset of those sizes is the architecture; loading
 * then checks every tensor's shape, naming the tensor and both shapes.
 */
static clgan_status torch_dcgan_spec(const clgan_st_file *f, const char *path,
                                     struct clgan_net_spec *net, char *msg, size_t msg_len)
{
    const struct clgan_st_tensor *first = NULL, *last = NULL;
    int n_conv = 0, n = clgan_io_st_count(f);
    for (int i = 0; i < n; i++) {
        const struct clgan_st_tensor *t = clgan_io_st_at(f, i);
        int idx;
        char tail[16];
        if (sscanf(t->name, "main.%d.%15s", &idx, tail) != 2 || strcmp(tail, "weight") ||
            t->ndim != 4)
            continue;
        n_conv++;
        if (!first || strcmp(t->name, first->name) < 0 || idx < atoi(first->name + 5))
            first = t;
        if (!last || idx > atoi(last->name + 5))
            last = t;
    }
    if (n_conv < 2 || n_conv > 11) {
        snprintf(msg, msg_len,
                 "%s: neither clgan's (no format metadata) nor a PyTorch DCGAN generator "
                 "(%d tensors main.<i>.weight of 4 dimensions; 2 to 11 expected)",
                 path, n_conv);
        return CLGAN_STATUS_CORRUPT_FILE;
    }
    int size = 4 << (n_conv - 1);
    int64_t nz = first->shape[0], ngf = last->shape[0], nc = last->shape[1];
    int64_t ngf_scale = (int64_t)1 << (n_conv - 2); /* the first layer's out: ngf * 2^(L-2) */
    if (nz < 1 || nz > 4096 || ngf < 1 || ngf > 1024 || (nc != 1 && nc != 3) ||
        first->shape[1] != ngf * ngf_scale || first->shape[2] != 4 || first->shape[3] != 4) {
        snprintf(msg, msg_len,
                 "%s: not a DCGAN generator of PyTorch's example: %s is [%lld, %lld, %lld, %lld] "
                 "and %s [%lld, %lld, %lld, %lld]; give its architecture with --arch",
                 path, first->name, (long long)first->shape[0], (long long)first->shape[1],
                 (long long)first->shape[2], (long long)first->shape[3], last->name,
                 (long long)last->shape[0], (long long)last->shape[1], (long long)last->shape[2],
                 (long long)last->shape[3]);
        return CLGAN_STATUS_CORRUPT_FILE;
    }
    return clgan_preset_dcgan(size, (int)nz, (int)ngf, (int)ngf, (int)nc, 0, &net[0], &net[1], msg,
                              msg_len);
}

/* The checkpoint's class names, when it has a list of exactly the G's classes (otherwise
 * classes go by number). */
static void read_class_names(const clgan_st_file *f, struct clgan_generator *gen)
{
    const char *text = clgan_io_st_meta(f, "class_names");
    cJSON *a = text ? cJSON_Parse(text) : NULL;
    if (cJSON_IsArray(a) && cJSON_GetArraySize(a) == gen->classes) {
        gen->class_names = calloc((size_t)gen->classes, sizeof(char *));
        for (int k = 0; gen->class_names && k < gen->classes; k++) {
            const cJSON *e = cJSON_GetArrayItem(a, k);
            gen->class_names[k] = strdup(cJSON_IsString(e) ? e->valuestring : "?");
        }
    }
    cJSON_Delete(a);
}

void clgan_generator_free(clgan_generator *gen)
{
    if (!gen)
        return;
    if (gen->z)
        clgan_rt_release(gen->ctx, gen->z, (size_t)gen->max_batch * gen->nz * sizeof(float));
    if (gen->y)
        clgan_rt_release(gen->ctx, gen->y, (size_t)gen->max_batch * sizeof(int32_t));
    for (int k = 0; gen->class_names && k < gen->classes; k++)
        free(gen->class_names[k]);
    free(gen->class_names);
    free(gen->data);
    clgan_model_free(gen->G);
    free(gen);
}

clgan_status clgan_generator_load(clgan_ctx *ctx, const char *path, int max_batch,
                                  clgan_generator **out, char *msg, size_t msg_len)
{
    return clgan_generator_load_arch(ctx, path, NULL, max_batch, out, msg, msg_len);
}

/* G's spec from an architecture file: both networks (as `clgan arch` prints) or G's alone. */
static clgan_status arch_from_file(const char *file, struct clgan_net_spec *net, char *msg,
                                   size_t msg_len)
{
    char *text = NULL, err[700] = "";
    size_t len = 0;
    clgan_status st = clgan_io_read_file(file, (size_t)1 << 24, &text, &len, msg, msg_len);
    if (st != CLGAN_STATUS_OK)
        return st;
    st = clgan_arch_from_json(text, &net[0], &net[1], err, sizeof(err));
    char err_g[700];
    if (st != CLGAN_STATUS_OK &&
        clgan_net_from_json(text, &net[0], err_g, sizeof(err_g)) == CLGAN_STATUS_OK)
        st = CLGAN_STATUS_OK; /* a generator's spec alone */
    free(text);
    if (st != CLGAN_STATUS_OK)
        snprintf(msg, msg_len, "%s: %s", file, err);
    return st == CLGAN_STATUS_OK ? st : CLGAN_STATUS_INVALID_ARGUMENT;
}

clgan_status clgan_generator_load_arch(clgan_ctx *ctx, const char *path, const char *arch_file,
                                       int max_batch, clgan_generator **out, char *msg,
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
    clgan_generator *gen = calloc(1, sizeof(*gen));
    struct clgan_net_spec *net = malloc(2 * sizeof(*net));
    const char *fmt = clgan_io_st_meta(f, "format");
    if (!gen || !net) {
        st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
        goto out;
    }
    gen->ctx = ctx;
    gen->max_batch = max_batch > 0 ? max_batch : 64;
    if (fmt && strcmp(fmt, "clgan-gan-1") && strcmp(fmt, "clgan-generator-1")) {
        snprintf(msg, msg_len, "%s: format '%.40s' is not a clgan generator checkpoint's", path,
                 fmt);
        st = CLGAN_STATUS_CORRUPT_FILE;
        goto out;
    }
    /* no format: a state_dict saved from PyTorch, its architecture given or inferred */
    if (arch_file && arch_file[0])
        st = arch_from_file(arch_file, net, msg, msg_len);
    else
        st = fmt ? generator_spec(f, path, net, msg, msg_len)
                 : torch_dcgan_spec(f, path, net, msg, msg_len);
    if (st != CLGAN_STATUS_OK)
        goto out;
    struct clgan_shape gout[CLGAN_MAX_LAYERS];
    if (clgan_net_shapes(net, gout, err, sizeof(err)) != CLGAN_STATUS_OK ||
        net->inputs[0].classes || net->inputs[0].shape.h != 1 || net->inputs[0].shape.w != 1 ||
        gout[net->n_layers - 1].h != gout[net->n_layers - 1].w ||
        (gout[net->n_layers - 1].c != 1 && gout[net->n_layers - 1].c != 3)) {
        snprintf(msg, msg_len, "%s: the generator's architecture is not noise to square images%s%s",
                 path, err[0] ? ": " : "", err);
        st = CLGAN_STATUS_CORRUPT_FILE;
        goto out;
    }
    gen->nz = net->inputs[0].shape.c;
    gen->classes = net->n_inputs > 1 ? net->inputs[1].classes : 0;
    if (gen->classes)
        read_class_names(f, gen);
    const char *data = clgan_io_st_meta(f, "data");
    if (data && *data && !(gen->data = strdup(data))) {
        snprintf(msg, msg_len, "out of host memory");
        st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
        goto out;
    }
    gen->nc = gout[net->n_layers - 1].c;
    gen->size = gout[net->n_layers - 1].h;
    st = clgan_model_init_net(ctx, net, gen->max_batch, "main", &gen->G);
    if (st == CLGAN_STATUS_OK)
        st =
            clgan_rt_alloc(ctx, (size_t)gen->max_batch * gen->nz * sizeof(float), "noise", &gen->z);
    if (st == CLGAN_STATUS_OK && gen->classes)
        st = clgan_rt_alloc(ctx, (size_t)gen->max_batch * sizeof(int32_t), "labels", &gen->y);
    if (st != CLGAN_STATUS_OK) {
        snprintf(msg, msg_len, "%s", clgan_ctx_last_error(ctx));
        goto out;
    }
    st = clgan_ckpt_load_model(f, gen->G, fmt && !strcmp(fmt, "clgan-gan-1") ? "netG." : "", 0, err,
                               sizeof(err));
    if (st != CLGAN_STATUS_OK) /* name the file once */
        snprintf(msg, msg_len, "%s%s%s", strncmp(err, path, strlen(path)) ? path : "",
                 strncmp(err, path, strlen(path)) ? ": " : "", err);
out:
    free(net);
    clgan_io_st_free(f);
    if (st != CLGAN_STATUS_OK)
        clgan_generator_free(gen);
    else
        *out = gen;
    return st;
}

void clgan_generator_shape(const clgan_generator *gen, int *nz, int *nc, int *size)
{
    if (nz)
        *nz = gen->nz;
    if (nc)
        *nc = gen->nc;
    if (size)
        *size = gen->size;
}

clgan_status clgan_generator_noise(clgan_generator *gen, uint64_t seed, int n, float *z)
{
    for (int done = 0; done < n;) {
        int b = n - done < gen->max_batch ? n - done : gen->max_batch;
        size_t cnt = (size_t)b * gen->nz;
        uint64_t counter = clgan_ops_rng_blocks((size_t)gen->nz) * (uint64_t)done;
        clgan_status st = clgan_ops_rng_normal(gen->ctx, gen->z, 0, cnt, 0.0f, 1.0f, seed, counter);
        if (st == CLGAN_STATUS_OK)
            st =
                clgan_rt_read(gen->ctx, gen->z, 0, cnt * sizeof(float), z + (size_t)done * gen->nz);
        if (st != CLGAN_STATUS_OK)
            return gen_fail(gen, st, NULL);
        done += b;
    }
    return CLGAN_STATUS_OK;
}

int clgan_generator_classes(const clgan_generator *gen)
{
    return gen->classes;
}

const char *clgan_generator_class_name(const clgan_generator *gen, int k)
{
    if (k < 0 || k >= gen->classes)
        return NULL;
    if (gen->class_names && gen->class_names[k])
        return gen->class_names[k];
    snprintf(((clgan_generator *)gen)->number, sizeof(gen->number), "%d", k);
    return gen->number;
}

clgan_status clgan_generator_set_bn(clgan_generator *gen, enum clgan_bn_mode mode)
{
    if (mode != CLGAN_BN_BATCH && mode != CLGAN_BN_EVAL)
        return gen_fail(gen, CLGAN_STATUS_INVALID_ARGUMENT, "batch-norm mode %d is not %d or %d",
                        (int)mode, CLGAN_BN_BATCH, CLGAN_BN_EVAL);
    gen->bn = mode;
    return CLGAN_STATUS_OK;
}

const char *clgan_generator_data(const clgan_generator *gen)
{
    return gen->data;
}

clgan_status clgan_generator_forward(clgan_generator *gen, const float *z, int n, float *out)
{
    return clgan_generator_forward_labels(gen, z, NULL, n, out);
}

clgan_status clgan_generator_forward_labels(clgan_generator *gen, const float *z,
                                            const int32_t *labels, int n, float *out)
{
    size_t img = (size_t)gen->nc * gen->size * gen->size;
    if (gen->classes && !labels)
        return gen_fail(gen, CLGAN_STATUS_INVALID_ARGUMENT,
                        "this generator is conditional on %d classes: it needs labels",
                        gen->classes);
    for (int i = 0; gen->classes && i < n; i++)
        if (labels[i] < 0 || labels[i] >= gen->classes)
            return gen_fail(gen, CLGAN_STATUS_INVALID_ARGUMENT,
                            "label %d of sample %d outside 0..%d", (int)labels[i], i,
                            gen->classes - 1);
    int eval = gen->bn == CLGAN_BN_EVAL;
    for (int done = 0; done < n;) {
        int b = n - done < gen->max_batch ? n - done : gen->max_batch;
        /* In eval mode every batch is run at max_batch, the rest zero noise (and class 0): the
         * GEMMs then see the same shapes and each sample the same place in its batch whatever n
         * is, so its image is the same bits (batch statistics would make the padding count). */
        int run = eval ? gen->max_batch : b;
        clgan_status st = clgan_rt_write(gen->ctx, gen->z, 0, (size_t)b * gen->nz * sizeof(float),
                                         z + (size_t)done * gen->nz);
        if (st == CLGAN_STATUS_OK && run > b)
            st = clgan_ops_elt_fill(gen->ctx, (size_t)(run - b) * gen->nz, 0.0f, gen->z,
                                    (size_t)b * gen->nz);
        struct clgan_tensor in[CLGAN_MAX_INPUTS] = {
            clgan_model_input_view(gen->G, 0, gen->z, 0, run)};
        if (gen->classes) {
            in[1] = clgan_model_input_view(gen->G, 1, gen->y, 0, run);
            if (st == CLGAN_STATUS_OK)
                st =
                    clgan_rt_write(gen->ctx, gen->y, 0, (size_t)b * sizeof(int32_t), labels + done);
            /* int32 zeros: the bits of 0.0f */
            if (st == CLGAN_STATUS_OK && run > b)
                st = clgan_ops_elt_fill(gen->ctx, (size_t)(run - b), 0.0f, gen->y, (size_t)b);
        }
        if (st == CLGAN_STATUS_OK)
            st = clgan_model_run(gen->G, in, run, eval ? CLGAN_FWD_EVAL : CLGAN_FWD_BATCH_STATS);
        if (st == CLGAN_STATUS_OK) {
            struct clgan_tensor y = clgan_model_output(gen->G, b);
            st = clgan_rt_read(gen->ctx, y.mem, clgan_tensor_byte_off(&y), clgan_tensor_bytes(&y),
                               out + (size_t)done * img);
        }
        if (st != CLGAN_STATUS_OK)
            return gen_fail(gen, st, NULL);
        done += b;
    }
    return CLGAN_STATUS_OK;
}

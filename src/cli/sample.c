/*
 * sample.c - `clgan sample`: a grid of samples from a trained generator, rows of latent
 * interpolations (--interp), or single PNG files in a folder (--format png); batch norm with
 * batch or running statistics (--bn); noise drawn from a seed or read from a file (--noise),
 * and saved (--save-noise).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/opts.h"

/* Samples per generator batch: the batch whose statistics --bn batch uses. */
#define SAMPLE_BATCH 64
/* Most samples one command draws. */
#define SAMPLE_MAX 100000

/* Spherical interpolation between two Gaussian noise vectors (keeps the norm plausible). */
static void slerp(const float *a, const float *b, int nz, float t, float *out)
{
    double dot = 0, na = 0, nb = 0;
    for (int i = 0; i < nz; i++) {
        dot += (double)a[i] * b[i];
        na += (double)a[i] * a[i];
        nb += (double)b[i] * b[i];
    }
    double c = dot / (sqrt(na * nb) + 1e-12);
    c = c > 1 ? 1 : c < -1 ? -1 : c;
    double om = acos(c), so = sin(om);
    for (int i = 0; i < nz; i++)
        out[i] = so < 1e-6 ? (float)((1 - t) * a[i] + t * b[i])
                           : (float)((sin((1 - t) * om) * a[i] + sin(t * om) * b[i]) / so);
}

/* A class name as part of a file name: '/' and anything unusual become '-'. */
static const char *file_safe(const char *name, char *buf, size_t len)
{
    size_t i = 0;
    for (; name[i] && i + 1 < len; i++) {
        unsigned char c = (unsigned char)name[i];
        buf[i] = isalnum(c) || c == '-' || c == '_' || c == '.' ? (char)c : '-';
    }
    buf[i] = 0;
    return buf;
}

/* Labels for n samples of a conditional G: one class (by number or name), or "all": rows of
 * cols samples, a class per row. */
static clgan_status pick_labels(const clgan_generator *gen, const char *label, int n, int cols,
                                int32_t *labels)
{
    int classes = clgan_generator_classes(gen), k = -1;
    if (strcmp(label, "all")) {
        char *end;
        long v = strtol(label, &end, 10);
        if (end != label && !*end && v >= 0 && v < classes)
            k = (int)v;
        for (int c = 0; c < classes && k < 0; c++)
            if (!strcasecmp(label, clgan_generator_class_name(gen, c)))
                k = c;
        if (k < 0) {
            char list[512] = "";
            for (int c = 0; c < classes && strlen(list) < sizeof(list) - 40; c++)
                snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%d %s", c ? ", " : "",
                         c, clgan_generator_class_name(gen, c));
            clgan_cli_error("sample: --label: '%s' is not a class of this generator (%s)", label,
                            list);
            return CLGAN_STATUS_INVALID_ARGUMENT;
        }
    }
    for (int i = 0; i < n; i++)
        labels[i] = k >= 0 ? k : (i / cols) % classes;
    return CLGAN_STATUS_OK;
}

/* The noise: n vectors from --noise (its first n; n 0: all of them), interpolations or the
 * seed. *z malloc'ed. */
static clgan_status make_noise(clgan_generator *gen, const char *noise, int interp, int grid,
                               long long seed, int *n, float **z)
{
    int nz;
    char msg[1024];
    clgan_generator_shape(gen, &nz, NULL, NULL);
    if (noise) {
        int have;
        clgan_status st = clgan_noise_load(noise, nz, SAMPLE_MAX, z, &have, msg, sizeof(msg));
        if (st != CLGAN_STATUS_OK)
            return clgan_cli_error("sample: --noise: %s", msg), st;
        if (*n > have) {
            clgan_cli_error("sample: --n %d: %s holds only %d noise vectors", *n, noise, have);
            return CLGAN_STATUS_INVALID_ARGUMENT;
        }
        *n = *n ? *n : have;
        return CLGAN_STATUS_OK;
    }
    *n = *n ? *n : SAMPLE_BATCH;
    if (!(*z = malloc((size_t)*n * nz * sizeof(float)))) {
        clgan_cli_error("out of host memory for %d samples", *n);
        return CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    }
    if (!interp) {
        clgan_status st = clgan_generator_noise(gen, (uint64_t)seed, *n, *z);
        if (st != CLGAN_STATUS_OK)
            clgan_cli_error("%s", clgan_generator_last_error(gen));
        return st;
    }
    /* each row: grid steps from one random vector to another */
    int rows = (*n + grid - 1) / grid;
    float *ends = malloc((size_t)2 * rows * nz * sizeof(float));
    clgan_status st = ends ? clgan_generator_noise(gen, (uint64_t)seed, 2 * rows, ends)
                           : CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    if (st != CLGAN_STATUS_OK) {
        clgan_cli_error("%s", ends ? clgan_generator_last_error(gen) : "out of host memory");
        free(ends);
        return st;
    }
    for (int i = 0; i < *n; i++) {
        int row = i / grid, col = i % grid;
        float t = grid > 1 ? (float)col / (float)(grid - 1) : 0.0f;
        slerp(ends + (size_t)2 * row * nz, ends + (size_t)(2 * row + 1) * nz, nz, t,
              *z + (size_t)i * nz);
    }
    free(ends);
    return CLGAN_STATUS_OK;
}

int clgan_cli_sample(int argc, char **argv)
{
    const char *ckpt = NULL, *arch = NULL, *out = NULL, *device = NULL, *format = "grid",
               *label = "all";
    const char *bn = "batch", *noise = NULL, *save_noise = NULL;
    int n = 0, grid = 8, interp = 0;
    long long seed = 1;
    const struct opt opts[] = {
        {"--ckpt", OPT_PATH, &ckpt, 0, 0, NULL, "FILE",
         "checkpoint (checkpoints/latest.safetensors or generator.safetensors), or a PyTorch "
         "DCGAN generator saved as safetensors"},
        {"--arch", OPT_PATH, &arch, 0, 0, NULL, "FILE",
         "the generator's architecture (clgan arch's JSON) for a file without clgan's "
         "metadata; default: a PyTorch DCGAN inferred from its tensors"},
        {"--n", OPT_INT, &n, 0, SAMPLE_MAX, NULL, "N",
         "number of samples (0: 64, or every vector of --noise; with --noise, its first N)"},
        {"--grid", OPT_INT, &grid, 1, 64, NULL, "C", "columns of the grid"},
        {"--seed", OPT_LONG, &seed, 0, 9.2e18, NULL, "S", "noise seed (not used with --noise)"},
        {"--interp", OPT_FLAG, &interp, 0, 0, NULL, NULL,
         "rows of interpolations between random pairs of noise vectors"},
        {"--noise", OPT_PATH, &noise, 0, 0, NULL, "FILE",
         "read the noise vectors from FILE: .npy (float32 '<f4', shape (n, nz) or (n, nz, 1, 1)) "
         "or raw little-endian float32 (n * nz values)"},
        {"--save-noise", OPT_PATH, &save_noise, 0, 0, NULL, "FILE",
         "write the noise vectors used as .npy (shape (n, nz, 1, 1), float32), for --noise or "
         "numpy.load"},
        {"--bn", OPT_CHOICE, &bn, 0, 0, "batch|eval", "MODE",
         "batch norm: batch = statistics of each batch of 64 samples (G in training mode, as "
         "PyTorch's DCGAN example draws its grids); eval = running statistics of training "
         "(G.eval(): each image depends on its own noise only)"},
        {"--label", OPT_STRING, &label, 0, 0, NULL, "K|NAME|all",
         "conditional G: the class to draw (number or name), or all: a row of --grid per class, "
         "rows cycling through the classes"},
        {"--format", OPT_CHOICE, &format, 0, 0, "grid|png", "F",
         "grid: one PNG; png: N single images in the --out folder"},
        {"--device", OPT_STRING, &device, 0, 0, NULL, "SPEC", "device"},
        {"--out", OPT_PATH, &out, 0, 0, NULL, "FILE|DIR", "output PNG (or folder)"},
        {NULL, 0, NULL, 0, 0, NULL, NULL, NULL},
    };
    char err[512];
    int r = clgan_opts_parse(opts, argc, argv, 1,
                             "usage: clgan sample --ckpt FILE [--n 64] [--grid 8] [--seed S] "
                             "[--interp] [--bn batch|eval] [--device SPEC] --out FILE.png\n"
                             "       clgan sample --ckpt FILE --n N --format png --out DIR\n"
                             "       clgan sample --ckpt FILE --noise Z.npy [--save-noise Z2.npy] "
                             "--out FILE.png",
                             NULL, NULL, 0, err, sizeof(err));
    if (r)
        return r > 0 ? 0 : (clgan_cli_error("sample: %s", err), 2);
    if (!ckpt || !out)
        return clgan_cli_error("sample: --ckpt and --out are required"), 2;
    if (noise && interp)
        return clgan_cli_error("sample: --noise and --interp cannot be combined (--interp draws "
                               "its own noise)"),
               2;
    clgan_ctx *ctx = NULL;
    clgan_status st = clgan_cli_open(device, 0, CLGAN_GEMM_AUTO, &ctx);
    if (st != CLGAN_STATUS_OK)
        return clgan_cli_status_exit(st);
    clgan_generator *gen = NULL;
    char msg[2048];
    float *z = NULL, *img = NULL;
    int32_t *labels = NULL;
    int nz, nc, size;
    st = clgan_generator_load_arch(ctx, ckpt, arch, SAMPLE_BATCH, &gen, msg, sizeof(msg));
    if (st != CLGAN_STATUS_OK) {
        clgan_cli_error("%s", msg);
        goto done;
    }
    if (!strcmp(bn, "eval"))
        clgan_generator_set_bn(gen, CLGAN_BN_EVAL);
    clgan_generator_shape(gen, &nz, &nc, &size);
    size_t per = (size_t)nc * size * size;
    if ((st = make_noise(gen, noise, interp, grid, seed, &n, &z)) != CLGAN_STATUS_OK)
        goto done;
    if (!(img = malloc((size_t)n * per * sizeof(float)))) {
        st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
        clgan_cli_error("out of host memory for %d samples", n);
        goto done;
    }
    int classes = clgan_generator_classes(gen);
    if (classes && !(labels = malloc((size_t)n * sizeof(int32_t)))) {
        st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
        clgan_cli_error("out of host memory for %d samples", n);
        goto done;
    }
    if (classes && (st = pick_labels(gen, label, n, grid, labels)) != CLGAN_STATUS_OK)
        goto done;
    if (!classes && strcmp(label, "all")) {
        st = CLGAN_STATUS_INVALID_ARGUMENT;
        clgan_cli_error("sample: --label: %s is not a class-conditional generator", ckpt);
        goto done;
    }
    if ((st = clgan_generator_forward_labels(gen, z, labels, n, img)) != CLGAN_STATUS_OK) {
        clgan_cli_error("%s", clgan_generator_last_error(gen));
        goto done;
    }
    if (!strcmp(format, "png")) {
        if (mkdir(out, 0755) && errno != EEXIST) {
            st = CLGAN_STATUS_IO;
            clgan_cli_error("%s: cannot create folder: %s", out, strerror(errno));
            goto done;
        }
        for (int i = 0; i < n && st == CLGAN_STATUS_OK; i++) {
            char cls[64];
            /* never cut: a cut name would repeat */
            size_t plen = strlen(out) + sizeof(cls) + 32;
            char *path = malloc(plen);
            if (!path) {
                snprintf(msg, sizeof(msg), "out of host memory");
                st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
                break;
            }
            if (classes)
                snprintf(path, plen, "%s/%s_%06d.png", out,
                         file_safe(clgan_generator_class_name(gen, labels[i]), cls, sizeof(cls)),
                         i);
            else
                snprintf(path, plen, "%s/sample_%06d.png", out, i);
            st = clgan_png_write_image(path, img + (size_t)i * per, nc, size, size, msg,
                                       sizeof(msg));
            free(path);
        }
    } else {
        int rows = (n + grid - 1) / grid;
        st = clgan_png_write_grid(out, img, n, nc, size, size, rows, grid, msg, sizeof(msg));
    }
    if (st == CLGAN_STATUS_OK && save_noise)
        st = clgan_noise_save(save_noise, z, n, nz, msg, sizeof(msg));
    if (st != CLGAN_STATUS_OK)
        clgan_cli_error("%s", msg);
    else
        fprintf(stderr, "clgan: wrote %d samples to %s%s%s\n", n, out,
                save_noise ? ", their noise to " : "", save_noise ? save_noise : "");
done:
    free(labels);
    free(z);
    free(img);
    clgan_generator_free(gen);
    clgan_ctx_free(ctx);
    return clgan_cli_status_exit(st);
}

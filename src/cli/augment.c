/*
 * augment.c - `clgan augment`: a labelled data set drawn from a class-conditional generator,
 * N images per class, as gzip IDX files (images-idx3-ubyte.gz, labels-idx1-ubyte.gz: what
 * `--data mnist:DIR` and any IDX reader take) or as PNG files in one folder per class
 * (torchvision's ImageFolder layout, which `--data folder:DIR` reads too).
 *
 * Samples are drawn in batches of BATCH with the classes interleaved (sample i has class
 * i mod K), so that every batch, whose statistics G's batch norms use, mixes the classes as the
 * training batches did; the last batch is filled up and the extra samples dropped. The noise of
 * batch b comes from a seed derived from --seed and b: the same seed gives the same bytes.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/opts.h"

#define BATCH 64

/* splitmix64 of the run's seed and a batch number: the batch's noise seed */
static uint64_t batch_seed(uint64_t seed, uint64_t b)
{
    uint64_t z = seed + 0x9e3779b97f4a7c15ull * (b + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* 0: dir does not exist; 1: an empty folder; else the exit code after printing the message: 2
 * for a folder that must not be used (not a folder, not empty), 1 when it cannot be read. */
static int out_state(const char *dir)
{
    struct stat sb;
    if (stat(dir, &sb))
        return errno == ENOENT
                   ? 0
                   : (clgan_cli_error("augment: --out %s: %s", dir, strerror(errno)), -1);
    if (!S_ISDIR(sb.st_mode))
        return clgan_cli_error("augment: --out %s: exists and is not a folder", dir), -2;
    DIR *d = opendir(dir);
    if (!d)
        return clgan_cli_error("augment: --out %s: cannot open folder: %s", dir, strerror(errno)),
               -1;
    struct dirent *e;
    int empty = 1;
    while (empty && (e = readdir(d)))
        empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
    closedir(d);
    if (!empty)
        return clgan_cli_error("augment: --out %s: folder is not empty (nothing is written over; "
                               "choose a new folder)",
                               dir),
               -2;
    return 1;
}

/* mkdir -p */
static int make_dirs(const char *dir)
{
    char tmp[1200];
    if (snprintf(tmp, sizeof(tmp), "%s", dir) >= (int)sizeof(tmp))
        return clgan_cli_error("augment: --out %s: path too long", dir), -1;
    for (char *s = tmp + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = 0;
        if (mkdir(tmp, 0755) && errno != EEXIST)
            return clgan_cli_error("%s: cannot create folder: %s", tmp, strerror(errno)), -1;
        *s = '/';
    }
    if (mkdir(tmp, 0755) && errno != EEXIST)
        return clgan_cli_error("%s: cannot create folder: %s", tmp, strerror(errno)), -1;
    return 0;
}

/* A class name as a folder name: '/' and control characters become '-', a leading '.' '_'
 * (a hidden folder would be skipped by readers), an empty name the class number. */
static void folder_name(const char *name, int k, char *buf, size_t len)
{
    size_t i = 0;
    for (; name[i] && i + 1 < len; i++) {
        unsigned char c = (unsigned char)name[i];
        buf[i] = c == '/' || c < 0x20 || c == 0x7f ? '-' : (char)c;
    }
    buf[i] = 0;
    if (buf[0] == '.')
        buf[0] = '_';
    if (!buf[0])
        snprintf(buf, len, "%d", k);
}

/* The class folders' names, distinct, into names[classes][128]; 0 or -1 (message printed). */
static int class_folders(const clgan_generator *gen, int classes, char (*names)[128])
{
    for (int k = 0; k < classes; k++) {
        folder_name(clgan_generator_class_name(gen, k), k, names[k], sizeof(names[k]));
        for (int j = 0; j < k; j++)
            if (!strcmp(names[j], names[k]))
                return clgan_cli_error("augment: classes %d and %d would share the folder '%s'", j,
                                       k, names[k]),
                       -1;
    }
    return 0;
}

int clgan_cli_augment(int argc, char **argv)
{
    const char *ckpt = NULL, *out = NULL, *device = NULL, *format = "idx";
    long long per_class = 0, seed = 1;
    const struct opt opts[] = {
        {"--ckpt", OPT_PATH, &ckpt, 0, 0, NULL, "FILE",
         "checkpoint of a class-conditional run (train --cond): checkpoints/latest.safetensors "
         "or generator.safetensors"},
        {"--per-class", OPT_LONG, &per_class, 1, 1e6, NULL, "N", "images drawn for each class"},
        {"--out", OPT_PATH, &out, 0, 0, NULL, "DIR", "output folder (new or empty)"},
        {"--seed", OPT_LONG, &seed, 0, 9.2e18, NULL, "S",
         "noise seed (the same seed gives the same files)"},
        {"--format", OPT_CHOICE, &format, 0, 0, "idx|png", "F",
         "idx: DIR/images-idx3-ubyte.gz and DIR/labels-idx1-ubyte.gz (gray only); png: "
         "DIR/<class name>/<n>.png"},
        {"--device", OPT_STRING, &device, 0, 0, NULL, "SPEC", "device"},
        {NULL, 0, NULL, 0, 0, NULL, NULL, NULL},
    };
    char err[512];
    int r = clgan_opts_parse(
        opts, argc, argv, 1,
        "usage: clgan augment --ckpt FILE --per-class N --out DIR [--seed S] [--format idx|png] "
        "[--device SPEC]\n\n"
        "Draws N images of each class from a class-conditional generator: a labelled data set "
        "for\n`clgan train --data mnist:DIR` (or folder:DIR with --format png), torchvision's "
        "MNIST-style\nreaders or ImageFolder. Images keep the generator's size (32x32 for "
        "dcgan32, also when it\nwas trained on 28x28 images); pixels are round((x + 1) * 127.5).",
        NULL, NULL, 0, err, sizeof(err));
    if (r)
        return r > 0 ? 0 : (clgan_cli_error("augment: %s", err), 2);
    if (!ckpt || !out || !per_class)
        return clgan_cli_error("augment: --ckpt, --per-class and --out are required"), 2;
    int os = out_state(out);
    if (os < 0)
        return -os;
    int png = !strcmp(format, "png");

    clgan_ctx *ctx = NULL;
    clgan_status st = clgan_cli_open(device, 0, CLGAN_GEMM_AUTO, &ctx);
    if (st != CLGAN_STATUS_OK)
        return clgan_cli_status_exit(st);
    clgan_generator *gen = NULL;
    char msg[2048];
    float *z = NULL, *img = NULL;
    int32_t *labels = NULL;
    uint8_t *px = NULL, *lab = NULL;
    char(*names)[128] = NULL;
    int nz, nc, size;
    st = clgan_generator_load(ctx, ckpt, BATCH, &gen, msg, sizeof(msg));
    if (st != CLGAN_STATUS_OK) {
        clgan_cli_error("%s", msg);
        goto done;
    }
    clgan_generator_shape(gen, &nz, &nc, &size);
    int classes = clgan_generator_classes(gen);
    st = CLGAN_STATUS_INVALID_ARGUMENT;
    if (!classes) {
        clgan_cli_error("augment: %s is not a class-conditional generator: its samples have no "
                        "labels (train with --cond)",
                        ckpt);
        goto done;
    }
    if (!png && nc != 1) {
        clgan_cli_error("augment: --format idx writes gray images but %s makes %d-channel "
                        "images; use --format png",
                        ckpt, nc);
        goto done;
    }
    size_t total = (size_t)per_class * (size_t)classes, per = (size_t)nc * size * size;
    if (total > 0x7fffffffu) {
        clgan_cli_error("augment: --per-class %lld x %d classes is more than %u images", per_class,
                        classes, 0x7fffffffu);
        goto done;
    }
    st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
    z = malloc((size_t)BATCH * nz * sizeof(float));
    img = malloc((size_t)BATCH * per * sizeof(float));
    labels = malloc((size_t)BATCH * sizeof(int32_t));
    names = calloc((size_t)classes, sizeof(*names));
    if (!png) {
        px = malloc(total * per);
        lab = malloc(total);
    }
    if (!z || !img || !labels || !names || (!png && (!px || !lab))) {
        clgan_cli_error("augment: out of host memory for %zu images of %dx%d", total, size, size);
        goto done;
    }
    st = CLGAN_STATUS_IO;
    if (png && class_folders(gen, classes, names))
        goto done;
    if (make_dirs(out))
        goto done;
    for (int k = 0; png && k < classes; k++) {
        char dir[1400];
        snprintf(dir, sizeof(dir), "%s/%s", out, names[k]);
        if (make_dirs(dir))
            goto done;
    }
    for (size_t b0 = 0; b0 < total; b0 += BATCH) {
        for (int i = 0; i < BATCH; i++)
            labels[i] = (int32_t)((b0 + (size_t)i) % (size_t)classes);
        st = clgan_generator_noise(gen, batch_seed((uint64_t)seed, b0 / BATCH), BATCH, z);
        if (st == CLGAN_STATUS_OK)
            st = clgan_generator_forward_labels(gen, z, labels, BATCH, img);
        if (st != CLGAN_STATUS_OK) {
            clgan_cli_error("%s", clgan_ctx_last_error(ctx));
            goto done;
        }
        for (size_t i = 0; i < BATCH && b0 + i < total; i++) {
            const float *x = img + i * per;
            size_t at = b0 + i;
            if (!png) {
                for (size_t p = 0; p < per; p++)
                    px[at * per + p] = clgan_cli_pixel_byte(x[p]);
                lab[at] = (uint8_t)labels[i];
                continue;
            }
            char path[1600];
            snprintf(path, sizeof(path), "%s/%s/%06zu.png", out, names[labels[i]],
                     at / (size_t)classes);
            st = clgan_png_write_image(path, x, nc, size, size, msg, sizeof(msg));
            if (st != CLGAN_STATUS_OK) {
                clgan_cli_error("%s", msg);
                goto done;
            }
        }
    }
    if (!png) {
        char path[1300];
        uint32_t dims[3] = {(uint32_t)total, (uint32_t)size, (uint32_t)size};
        snprintf(path, sizeof(path), "%s/images-idx3-ubyte.gz", out);
        st = clgan_idx_write_gz(path, px, dims, 3, msg, sizeof(msg));
        if (st == CLGAN_STATUS_OK) {
            snprintf(path, sizeof(path), "%s/labels-idx1-ubyte.gz", out);
            st = clgan_idx_write_gz(path, lab, dims, 1, msg, sizeof(msg));
        }
        if (st != CLGAN_STATUS_OK) {
            clgan_cli_error("%s", msg);
            goto done;
        }
    }
    fprintf(stderr, "clgan: wrote %zu images (%d classes x %lld) of %dx%d to %s%s\n", total,
            classes, per_class, size, size, out,
            png ? ", one folder per class" : " as images-idx3-ubyte.gz and labels-idx1-ubyte.gz");
done:
    free(names);
    free(px);
    free(lab);
    free(labels);
    free(z);
    free(img);
    clgan_generator_free(gen);
    clgan_ctx_free(ctx);
    return clgan_cli_status_exit(st);
}

/* load.c - data set specs, releasing data sets, the seeded shuffle (see data.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/data.h"
#include "io/file.h"

#define FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"
#define SPEC_FORMS        "fashion-mnist, mnist:DIR, idx:FILE or folder:DIR"

void clgan_data_free(struct clgan_dataset *ds)
{
    if (!ds)
        return;
    free(ds->pixels);
    free(ds->labels);
    memset(ds, 0, sizeof(*ds));
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* dir/base, or dir/base.gz when only that exists; *found tells whether either exists. */
static void pick(const char *dir, const char *base, char *out, size_t len, int *found)
{
    snprintf(out, len, "%s/%s", dir, base);
    *found = exists(out);
    if (*found)
        return;
    snprintf(out, len, "%s/%s.gz", dir, base);
    *found = exists(out);
    if (!*found)
        snprintf(out, len, "%s/%s[.gz]", dir, base);
}

/* Images and (when present) labels of an MNIST-style folder. */
static clgan_status load_mnist_dir(const char *spec, const char *dir, struct clgan_dataset *out,
                                   char *err, size_t err_len)
{
    char img[4096], lab[4096];
    int have_img, have_lab;
    pick(dir, "train-images-idx3-ubyte", img, sizeof(img), &have_img);
    pick(dir, "train-labels-idx1-ubyte", lab, sizeof(lab), &have_lab);
    if (!have_img)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: %s not found%s", spec, img,
                             strcmp(spec, "fashion-mnist")
                                 ? ""
                                 : " (install the Debian package dataset-fashion-mnist, or use "
                                   "mnist:DIR or idx:FILE)");
    clgan_status st = clgan_data_idx_read_images(img, out, err, err_len);
    if (st != CLGAN_STATUS_OK || !have_lab)
        return st;
    uint8_t *labels = NULL;
    size_t n = 0;
    st = clgan_data_idx_read_labels(lab, &labels, &n, err, err_len);
    if (st == CLGAN_STATUS_OK && n != out->count) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                           "%s: %zu labels but %s has %zu images", lab, n, img, out->count);
        free(labels);
    }
    if (st != CLGAN_STATUS_OK) {
        clgan_data_free(out);
        return st;
    }
    int top = 0;
    for (size_t i = 0; i < n; i++)
        if (labels[i] > top)
            top = labels[i];
    out->labels = labels;
    out->n_classes = top + 1;
    return CLGAN_STATUS_OK;
}

/* Gray to RGB by copying the plane, for IDX data asked for with 3 channels. */
static clgan_status gray_to_rgb(struct clgan_dataset *ds, const char *spec, char *err,
                                size_t err_len)
{
    size_t plane = (size_t)ds->height * (size_t)ds->width;
    if (ds->count > ((size_t)-1) / (3 * plane))
        return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                             "%s: %zu RGB images of %dx%d overflow memory", spec, ds->count,
                             ds->height, ds->width);
    uint8_t *rgb = malloc(ds->count * 3 * plane);
    if (!rgb)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                             "%s: out of memory for %zu RGB images of %dx%d", spec, ds->count,
                             ds->height, ds->width);
    for (size_t i = 0; i < ds->count; i++)
        for (int c = 0; c < 3; c++)
            memcpy(rgb + (3 * i + (size_t)c) * plane, ds->pixels + i * plane, plane);
    free(ds->pixels);
    ds->pixels = rgb;
    ds->channels = 3;
    return CLGAN_STATUS_OK;
}

clgan_status clgan_data_load(const char *spec, int channels, int size, struct clgan_dataset *out,
                             char *err, size_t err_len)
{
    memset(out, 0, sizeof(*out));
    if (!spec || !*spec)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "empty data set spec; use " SPEC_FORMS);
    if (channels != 1 && channels != 3)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: channels must be 1 or 3, not %d", spec, channels);
    clgan_status st;
    if (!strncmp(spec, "folder:", 7))
        return clgan_data_folder_read(spec + 7, channels, size, out, err, err_len);
    if (!strcmp(spec, "fashion-mnist"))
        st = load_mnist_dir(spec, FASHION_MNIST_DIR, out, err, err_len);
    else if (!strncmp(spec, "mnist:", 6) && spec[6])
        st = load_mnist_dir(spec, spec + 6, out, err, err_len);
    else if (!strncmp(spec, "idx:", 4) && spec[4])
        st = clgan_data_idx_read_images(spec + 4, out, err, err_len);
    else
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "unknown data set spec '%s'; use " SPEC_FORMS, spec);
    if (st == CLGAN_STATUS_OK && channels == 3) {
        st = gray_to_rgb(out, spec, err, err_len);
        if (st != CLGAN_STATUS_OK)
            clgan_data_free(out);
    }
    return st;
}

uint64_t clgan_data_rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, bound): reject the top sliver of 2^64 that would favour small values. */
static uint64_t below(uint64_t *state, uint64_t bound)
{
    uint64_t limit = -bound % bound; /* 2^64 mod bound */
    for (;;) {
        uint64_t r = clgan_data_rng_next(state);
        if (r >= limit)
            return r % bound;
    }
}

clgan_status clgan_data_shuffle(int32_t *perm, size_t n, uint64_t *state, char *err, size_t err_len)
{
    if (n > (size_t)INT32_MAX)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "shuffle: %zu items exceed the int32 index range", n);
    for (size_t i = 0; i < n; i++)
        perm[i] = (int32_t)i;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)below(state, i);
        int32_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    return CLGAN_STATUS_OK;
}

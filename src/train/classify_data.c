/*
 * classify_data.c - labelled data sets for the image classifiers: specs resolved to IDX image
 * and label files (the training or the t10k test pair of fashion-mnist and mnist:DIR, the pair
 * `clgan augment` writes into a folder, idx:FILE with its labels file), folders through the data
 * layer, the per-class subset, and class names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/file.h"
#include "train/classify.h"

#define FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"
#define SPEC_FORMS        "fashion-mnist, mnist:DIR, idx:FILE, folder:DIR or a folder DIR"

static const char *const FASHION_MNIST_CLASSES[10] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot",
};

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static int is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* dir/base or dir/base.gz, whichever exists (1), else "dir/base[.gz]" in out (0). */
static int pick(const char *dir, const char *base, char *out, size_t len)
{
    snprintf(out, len, "%s/%s", dir, base);
    if (exists(out))
        return 1;
    snprintf(out, len, "%s/%s.gz", dir, base);
    if (exists(out))
        return 1;
    snprintf(out, len, "%s/%s[.gz]", dir, base);
    return 0;
}

/* The image and label files of an IDX folder: <prefix>-images-idx3-ubyte and
 * <prefix>-labels-idx1-ubyte (prefix "" for augment's unprefixed pair). */
static int pick_pair(const char *dir, const char *prefix, char *img, char *lab, size_t len)
{
    char b[64];
    snprintf(b, sizeof(b), "%s%simages-idx3-ubyte", prefix, *prefix ? "-" : "");
    int have = pick(dir, b, img, len);
    snprintf(b, sizeof(b), "%s%slabels-idx1-ubyte", prefix, *prefix ? "-" : "");
    pick(dir, b, lab, len);
    return have;
}

/* Read images and labels; labels must be as many as the images. */
static clgan_status read_pair(const char *what, const char *img, const char *lab, int unlab_ok,
                              struct clgan_dataset *out, char *err, size_t err_len)
{
    clgan_status st = clgan_data_idx_read_images(img, out, err, err_len);
    if (st != CLGAN_STATUS_OK)
        return st;
    if (!exists(lab) && unlab_ok)
        return CLGAN_STATUS_OK;
    if (!exists(lab)) {
        clgan_data_free(out);
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: %s has no labels (%s not found)", what, img, lab);
    }
    uint8_t *labels = NULL;
    size_t n = 0;
    st = clgan_data_idx_read_labels(lab, &labels, &n, err, err_len);
    if (st == CLGAN_STATUS_OK && n != out->count) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                           "%s: %s has %zu labels but %s has %zu images", what, lab, n, img,
                           out->count);
        free(labels);
    }
    if (st != CLGAN_STATUS_OK) {
        clgan_data_free(out);
        return st;
    }
    int top = 0;
    for (size_t i = 0; i < n; i++)
        top = labels[i] > top ? labels[i] : top;
    out->labels = labels;
    out->n_classes = top + 1;
    return CLGAN_STATUS_OK;
}

/* An IDX folder: the t10k pair for a test set (test 2: or the unprefixed pair), else the
 * unprefixed pair or the train pair. */
static clgan_status load_dir(const char *what, const char *spec, const char *dir, int test,
                             int unlab_ok, struct clgan_dataset *out, char *err, size_t err_len)
{
    char img[4096], lab[4096];
    int have = test ? pick_pair(dir, "t10k", img, lab, sizeof(img)) ||
                          (test == 2 && pick_pair(dir, "", img, lab, sizeof(img)))
                    : pick_pair(dir, "", img, lab, sizeof(img)) ||
                          pick_pair(dir, "train", img, lab, sizeof(img));
    if (!have && test)
        pick_pair(dir, "t10k", img, lab, sizeof(img)); /* name the file a test set needs */
    if (!have)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: %s: %s not found%s", what, spec,
                             img,
                             test ? "; give the test set with --test SPEC (or --test none)" : "");
    return read_pair(what, img, lab, unlab_ok, out, err, err_len);
}

/* idx:FILE: the labels file is the image file's name with labels-idx1 for images-idx3. */
static clgan_status load_idx(const char *what, const char *file, int unlab_ok,
                             struct clgan_dataset *out, char *err, size_t err_len)
{
    char lab[4096];
    const char *at = strstr(file, "images-idx3");
    if (!at || strlen(file) >= sizeof(lab)) {
        clgan_status st = clgan_data_idx_read_images(file, out, err, err_len);
        if (st == CLGAN_STATUS_OK && !unlab_ok) {
            clgan_data_free(out);
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                               "%s: %s has no labels (name it *images-idx3* beside its "
                               "*labels-idx1* file)",
                               what, file);
        }
        return st;
    }
    size_t pre = (size_t)(at - file);
    snprintf(lab, sizeof(lab), "%.*slabels-idx1%s", (int)pre, file, at + strlen("images-idx3"));
    return read_pair(what, file, lab, unlab_ok, out, err, err_len);
}

static clgan_status gray_to_rgb(struct clgan_dataset *ds, const char *what, char *err,
                                size_t err_len)
{
    size_t plane = (size_t)ds->height * (size_t)ds->width;
    uint8_t *rgb = ds->count <= ((size_t)-1) / (3 * plane) ? malloc(ds->count * 3 * plane) : NULL;
    if (!rgb)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                             "%s: out of memory for %zu RGB images", what, ds->count);
    for (size_t i = 0; i < ds->count; i++)
        for (int c = 0; c < 3; c++)
            memcpy(rgb + (3 * i + (size_t)c) * plane, ds->pixels + i * plane, plane);
    free(ds->pixels);
    ds->pixels = rgb;
    ds->channels = 3;
    return CLGAN_STATUS_OK;
}

clgan_status clgan_cls_load(const char *spec, int test, int unlabelled_ok, int channels, int size,
                            const char *what, struct clgan_dataset *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof(*out));
    clgan_status st;
    if (!spec || !*spec)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: empty data set spec; use " SPEC_FORMS, what);
    if (!strcmp(spec, "fashion-mnist")) {
        if (!is_dir(FASHION_MNIST_DIR))
            return clgan_io_fail(err, err_len, CLGAN_STATUS_IO,
                                 "%s: fashion-mnist: %s not found (install the Debian package "
                                 "dataset-fashion-mnist, or use mnist:DIR)",
                                 what, FASHION_MNIST_DIR);
        st = load_dir(what, spec, FASHION_MNIST_DIR, test, unlabelled_ok, out, err, err_len);
    } else if (!strncmp(spec, "mnist:", 6) && spec[6]) {
        st = load_dir(what, spec, spec + 6, test, unlabelled_ok, out, err, err_len);
    } else if (!strncmp(spec, "idx:", 4) && spec[4]) {
        if (test == 1)
            return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                                 "%s: %s has no test files; give one with --test SPEC (or "
                                 "--test none)",
                                 what, spec);
        st = load_idx(what, spec + 4, unlabelled_ok, out, err, err_len);
    } else if (!strncmp(spec, "folder:", 7)) {
        if (test == 1)
            return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                                 "%s: %s has no test files; give one with --test SPEC (or "
                                 "--test none)",
                                 what, spec);
        st = clgan_data_load(spec, channels, size, out, err, err_len);
        if (st == CLGAN_STATUS_OK && !out->labels && !unlabelled_ok) {
            clgan_data_free(out);
            return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                                 "%s: %s has no labels (a classifier needs labelled images)", what,
                                 spec);
        }
        return st;
    } else if (is_dir(spec)) {
        st = load_dir(what, spec, spec, test, unlabelled_ok, out, err, err_len);
    } else {
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: '%s' is not a data set; use " SPEC_FORMS, what, spec);
    }
    if (st == CLGAN_STATUS_OK && channels == 3 && out->channels == 1) {
        st = gray_to_rgb(out, what, err, err_len);
        if (st != CLGAN_STATUS_OK)
            clgan_data_free(out);
    }
    return st;
}

clgan_status clgan_cls_per_class(struct clgan_dataset *ds, int n, const char *spec,
                                 const char *const *names, char *err, size_t err_len)
{
    int k = ds->n_classes;
    size_t *have = calloc((size_t)(k ? k : 1), sizeof(size_t));
    if (!have)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY, "out of host memory");
    for (size_t i = 0; i < ds->count; i++)
        have[ds->labels[i]]++;
    for (int q = 0; q < k; q++)
        if (have[q] < (size_t)n) {
            char name[160] = "";
            if (names)
                snprintf(name, sizeof(name), " (%s)", names[q]);
            clgan_status st = clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                                            "--per-class %d: class %d%s of %s has only %zu images",
                                            n, q, name, spec, have[q]);
            free(have);
            return st;
        }
    /* keep, in order, the first n of each class: compact in place */
    size_t img = (size_t)ds->channels * (size_t)ds->height * (size_t)ds->width, out = 0;
    memset(have, 0, (size_t)(k ? k : 1) * sizeof(size_t));
    for (size_t i = 0; i < ds->count; i++) {
        int q = ds->labels[i];
        if (have[q] >= (size_t)n)
            continue;
        have[q]++;
        if (out != i) {
            memmove(ds->pixels + out * img, ds->pixels + i * img, img);
            ds->labels[out] = ds->labels[i];
        }
        out++;
    }
    ds->count = out;
    free(have);
    return CLGAN_STATUS_OK;
}

void clgan_cls_truncate(struct clgan_dataset *ds, size_t n)
{
    if (n && n < ds->count)
        ds->count = n;
}

void clgan_cls_free_names(char **v, int n)
{
    for (int i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

char **clgan_cls_class_names(const char *spec, int k)
{
    int fashion = spec &&
                  (!strcmp(spec, "fashion-mnist") || !strcmp(spec, "mnist:" FASHION_MNIST_DIR) ||
                   !strcmp(spec, FASHION_MNIST_DIR)) &&
                  k == 10;
    char **v = calloc((size_t)(k ? k : 1), sizeof(char *));
    for (int q = 0; v && q < k; q++) {
        char num[16];
        snprintf(num, sizeof(num), "%d", q);
        if (!(v[q] = strdup(fashion ? FASHION_MNIST_CLASSES[q] : num))) {
            clgan_cls_free_names(v, q);
            return NULL;
        }
    }
    return v;
}

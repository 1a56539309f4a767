/*
 * load.c - data set specs (the training and the test split), labels and class names, keeping N
 * images per class, releasing data sets, the seeded shuffle (see data.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/data.h"
#include "io/file.h"

#define FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"
#define SPEC_FORMS        "fashion-mnist, mnist:DIR, idx:FILE or folder:DIR"

/* Fashion-MNIST's classes, in label order (Xiao, Rasul and Vollgraf 2017). */
static const char *const FASHION_MNIST_CLASSES[10] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

void clgan_data_free(struct clgan_dataset *ds)
{
    if (!ds)
        return;
    free(ds->pixels);
    free(ds->labels);
    clgan_data_free_names(ds->class_names, ds->n_classes);
    memset(ds, 0, sizeof(*ds));
}

/* n_classes names from a table, or numbers where the table is NULL. */
static clgan_status set_names(struct clgan_dataset *ds, const char *const *table, char *err,
                              size_t err_len)
{
    ds->class_names = calloc((size_t)ds->n_classes, sizeof(char *));
    for (int k = 0; ds->class_names && k < ds->n_classes; k++) {
        char num[16];
        snprintf(num, sizeof(num), "%d", k);
        if (!(ds->class_names[k] = strdup(table ? table[k] : num)))
            break;
    }
    if (ds->class_names && ds->n_classes > 0 && ds->class_names[ds->n_classes - 1])
        return CLGAN_STATUS_OK;
    clgan_data_free_names(ds->class_names, ds->n_classes);
    ds->class_names = NULL;
    return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                         "out of host memory for %d class names", ds->n_classes);
}

clgan_status clgan_data_number_classes(struct clgan_dataset *ds, char *err, size_t err_len)
{
    return set_names(ds, NULL, err, err_len);
}

void clgan_data_free_names(char **names, int n)
{
    for (int k = 0; names && k < n; k++)
        free(names[k]);
    free(names);
}

clgan_status clgan_data_copy_names(const struct clgan_dataset *ds, int k, char ***out, char *err,
                                   size_t err_len)
{
    char **v = calloc((size_t)(k > 0 ? k : 1), sizeof(char *));
    for (int q = 0; v && q < k; q++) {
        char num[16];
        snprintf(num, sizeof(num), "%d", q);
        int named = ds && ds->class_names && q < ds->n_classes;
        if (!(v[q] = strdup(named ? ds->class_names[q] : num))) {
            clgan_data_free_names(v, q);
            v = NULL;
        }
    }
    *out = v;
    if (!v)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                             "out of host memory for %d class names", k);
    return CLGAN_STATUS_OK;
}

/* Attach labels (n of them, from lab_path) to the images of img_path: counts must match. On
 * failure labels is freed and ds is left as it was. */
static clgan_status attach_labels(struct clgan_dataset *ds, uint8_t *labels, size_t n,
                                  const char *lab_path, const char *img_path, char *err,
                                  size_t err_len)
{
    if (n != ds->count) {
        free(labels);
        return clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                             "%s: %zu labels but %s has %zu images", lab_path, n, img_path,
                             ds->count);
    }
    int top = 0;
    for (size_t i = 0; i < n; i++)
        if (labels[i] > top)
            top = labels[i];
    ds->labels = labels;
    ds->n_classes = top + 1;
    return CLGAN_STATUS_OK;
}

/* path (an IDX label file) attached to the images of img_path. */
static clgan_status read_labels(struct clgan_dataset *ds, const char *path, const char *img_path,
                                char *err, size_t err_len)
{
    uint8_t *labels = NULL;
    size_t n = 0;
    clgan_status st = clgan_data_idx_read_labels(path, &labels, &n, err, err_len);
    if (st != CLGAN_STATUS_OK)
        return st;
    return attach_labels(ds, labels, n, path, img_path, err, err_len);
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

/* Whether dir (a folder spec's folder) is Fashion-MNIST's, whose classes have names. */
static int is_fashion(const char *spec, const char *dir)
{
    return !strcmp(spec, "fashion-mnist") || !strcmp(dir, FASHION_MNIST_DIR);
}

/* The folder of an IDX folder spec (fashion-mnist, mnist:DIR), or NULL for another spec. */
static const char *mnist_dir(const char *spec)
{
    if (!strcmp(spec, "fashion-mnist"))
        return FASHION_MNIST_DIR;
    if (!strncmp(spec, "mnist:", 6) && spec[6])
        return spec + 6;
    return NULL;
}

/* Images and (when present) labels of an MNIST-style folder. The training split (test 0): the
 * train-* files, or else the unprefixed names of an exported set; the test split: the t10k-*
 * files. Fashion-MNIST's labels are checked against its ten classes, which get their names;
 * other labels are named by number. */
static clgan_status load_mnist_dir(const char *spec, const char *dir, int test,
                                   struct clgan_dataset *out, char *err, size_t err_len)
{
    char img[4096], lab[4096], alt[4096];
    int have_img, have_lab;
    int fashion = is_fashion(spec, dir);
    const char *pre = test ? "t10k-" : "train-";
    char base[64];
    snprintf(base, sizeof(base), "%simages-idx3-ubyte", pre);
    pick(dir, base, img, sizeof(img), &have_img);
    snprintf(base, sizeof(base), "%slabels-idx1-ubyte", pre);
    pick(dir, base, lab, sizeof(lab), &have_lab);
    if (!have_img && !test) {
        pick(dir, "images-idx3-ubyte", alt, sizeof(alt), &have_img);
        if (have_img) {
            memcpy(img, alt, sizeof(img));
            pick(dir, "labels-idx1-ubyte", lab, sizeof(lab), &have_lab);
        }
    }
    if (!have_img)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: %s not found%s", spec, img,
                             !strcmp(spec, "fashion-mnist")
                                 ? " (install the Debian package dataset-fashion-mnist, or use "
                                   "mnist:DIR or idx:FILE)"
                             : test ? ""
                                    : " (nor images-idx3-ubyte[.gz])");
    clgan_status st = clgan_data_idx_read_images(img, out, err, err_len);
    if (st != CLGAN_STATUS_OK || !have_lab)
        return st;
    st = read_labels(out, lab, img, err, err_len);
    if (st == CLGAN_STATUS_OK && fashion) {
        for (size_t i = 0; i < out->count && st == CLGAN_STATUS_OK; i++)
            if (out->labels[i] >= 10)
                st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                                   "%s: label %u of image %zu is out of range 0..9", lab,
                                   out->labels[i], i);
        out->n_classes = 10;
    }
    if (st == CLGAN_STATUS_OK)
        st = set_names(out, fashion ? FASHION_MNIST_CLASSES : NULL, err, err_len);
    if (st != CLGAN_STATUS_OK)
        clgan_data_free(out);
    return st;
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
    return clgan_data_load_opts(spec, channels, size, NULL, out, err, err_len);
}

/* Names of the classes for messages: "3 (Dress)", or "3" when unnamed. */
static void class_label(const struct clgan_dataset *ds, int k, char *buf, size_t len)
{
    if (ds->class_names && strcmp(ds->class_names[k], "") &&
        strspn(ds->class_names[k], "0123456789") != strlen(ds->class_names[k]))
        snprintf(buf, len, "%d (%s)", k, ds->class_names[k]);
    else
        snprintf(buf, len, "%d", k);
}

clgan_status clgan_data_keep_per_class(struct clgan_dataset *ds, size_t n, const char *name,
                                       char *err, size_t err_len)
{
    if (!ds->labels || ds->n_classes <= 0)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s has no labels: --per-class needs a labelled data set (mnist:DIR "
                             "with its labels file, fashion-mnist, idx:FILE with --labels, "
                             "folder:DIR of class folders)",
                             name);
    size_t have[256] = {0};
    for (size_t i = 0; i < ds->count; i++)
        have[ds->labels[i]]++;
    for (int k = 0; k < ds->n_classes; k++)
        if (have[k] < n) {
            char cls[300];
            class_label(ds, k, cls, sizeof(cls));
            return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                                 "%s: --per-class %zu, but class %s has only %zu image%s", name, n,
                                 cls, have[k], have[k] == 1 ? "" : "s");
        }
    size_t per = (size_t)ds->channels * (size_t)ds->height * (size_t)ds->width, kept = 0;
    size_t took[256] = {0};
    for (size_t i = 0; i < ds->count; i++) {
        uint8_t y = ds->labels[i];
        if (took[y] == n)
            continue;
        took[y]++;
        if (kept != i) {
            memcpy(ds->pixels + kept * per, ds->pixels + i * per, per);
            ds->labels[kept] = y;
        }
        kept++;
    }
    ds->count = kept;
    return CLGAN_STATUS_OK;
}

/* clgan_data_load_opts for the training split (test 0) or clgan_data_load_test (test 1). */
static clgan_status load_split(const char *spec, int test, int channels, int size,
                               const struct clgan_data_options *o, struct clgan_dataset *out,
                               char *err, size_t err_len)
{
    static const struct clgan_data_options none = {0};
    if (!o)
        o = &none;
    memset(out, 0, sizeof(*out));
    if (!spec || !*spec)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "empty data set spec; use " SPEC_FORMS);
    if (channels != 1 && channels != 3)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: channels must be 1 or 3, not %d", spec, channels);
    int is_idx = !strncmp(spec, "idx:", 4) && spec[4];
    int is_folder = !strncmp(spec, "folder:", 7);
    const char *dir = mnist_dir(spec);
    if (!is_idx && !is_folder && !dir)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "unknown data set spec '%s'; use " SPEC_FORMS, spec);
    if (test && !dir)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s has no test files (only fashion-mnist and mnist:DIR have "
                             "t10k-* files)",
                             spec);
    if (o->labels && o->labels[0] && !is_idx)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "--labels %s: a labels file is for idx:FILE data only, not %s "
                             "(mnist:DIR reads its own, folder:DIR takes classes from subfolders)",
                             o->labels, spec);
    clgan_status st;
    if (is_folder)
        st = clgan_data_folder_read(spec + 7, channels, size, out, err, err_len);
    else if (dir)
        st = load_mnist_dir(spec, dir, test, out, err, err_len);
    else {
        st = clgan_data_idx_read_images(spec + 4, out, err, err_len);
        if (st == CLGAN_STATUS_OK && o->labels && o->labels[0]) {
            st = read_labels(out, o->labels, spec + 4, err, err_len);
            if (st == CLGAN_STATUS_OK)
                st = set_names(out, NULL, err, err_len);
        }
    }
    if (st == CLGAN_STATUS_OK && channels == 3 && !is_folder)
        st = gray_to_rgb(out, spec, err, err_len);
    if (st == CLGAN_STATUS_OK && o->max_images > 0 &&
        (unsigned long long)o->max_images < out->count)
        out->count = (size_t)o->max_images;
    if (st == CLGAN_STATUS_OK && o->per_class > 0)
        st = clgan_data_keep_per_class(out, (size_t)o->per_class, spec, err, err_len);
    if (st != CLGAN_STATUS_OK)
        clgan_data_free(out);
    return st;
}

clgan_status clgan_data_load_opts(const char *spec, int channels, int size,
                                  const struct clgan_data_options *o, struct clgan_dataset *out,
                                  char *err, size_t err_len)
{
    return load_split(spec, 0, channels, size, o, out, err, err_len);
}

clgan_status clgan_data_load_test(const char *spec, int channels,
                                  const struct clgan_data_options *o, struct clgan_dataset *out,
                                  char *err, size_t err_len)
{
    return load_split(spec, 1, channels, 0, o, out, err, err_len);
}

int clgan_data_has_test(const char *spec)
{
    const char *dir = spec ? mnist_dir(spec) : NULL;
    char img[4096];
    int found = 0;
    if (dir)
        pick(dir, "t10k-images-idx3-ubyte", img, sizeof(img), &found);
    return found;
}

int clgan_data_idx_labels_beside(const char *images, char *out, size_t len)
{
    const char *at = images ? strstr(images, "images-idx3") : NULL;
    if (!at || !len)
        return 0;
    int n = snprintf(out, len, "%.*slabels-idx1%s", (int)(at - images), images,
                     at + strlen("images-idx3"));
    return n > 0 && (size_t)n < len && exists(out);
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

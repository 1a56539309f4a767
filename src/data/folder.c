/*
 * folder.c - a folder of PNG/JPEG/BMP images as a data set (see data.h), decoded with
 * stb_image (Debian's libstb provides the implementation), centre-cropped and resized; a folder
 * of class folders is a labelled set (torchvision's ImageFolder layout).
 *
 * Resizing is separable: for each axis a list of (source index, weight) per output pixel, then
 * rows, then columns, in float. Shrinking uses the exact area of each source pixel that an
 * output pixel covers (a box filter with fractional edges), which does not alias as point
 * sampling would; enlarging uses bilinear weights around pixel centres (area weights would
 * give blocky nearest-neighbour output there).
 *
 * An image's size is read from its header before it is decoded: a small file can claim (and a
 * compressed one inflate to) gigabytes, so images of more than MAX_PIXELS are refused.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <stb_image.h>

#include "data/data.h"
#include "io/file.h"

/* 8192 x 8192: every image is cropped and shrunk to at most 16384 on a side anyway */
#define MAX_PIXELS ((uint64_t)1 << 26)

/* Contributions of source pixels to one output pixel along one axis. */
struct taps {
    int *first; /* per output: index into idx/w of its first tap */
    int *count; /* per output: number of taps */
    int *idx;   /* source index */
    float *w;   /* weight (taps of one output sum to 1) */
};

static void taps_free(struct taps *t)
{
    free(t->first);
    free(t->count);
    free(t->idx);
    free(t->w);
}

/* Weights mapping `in` source pixels to `out` output pixels. */
static int taps_init(struct taps *t, int in, int out)
{
    /* an area tap list spans at most ceil(in/out)+1 pixels; bilinear 2 */
    int per = in > out ? in / out + 2 : 2;
    t->first = malloc((size_t)out * sizeof(int));
    t->count = malloc((size_t)out * sizeof(int));
    t->idx = malloc((size_t)out * (size_t)per * sizeof(int));
    t->w = malloc((size_t)out * (size_t)per * sizeof(float));
    if (!t->first || !t->count || !t->idx || !t->w) {
        taps_free(t);
        return 0;
    }
    double scale = (double)in / out;
    int k = 0;
    for (int o = 0; o < out; o++) {
        t->first[o] = k;
        if (in >= out) {
            double lo = o * scale, hi = (o + 1) * scale;
            int i0 = (int)floor(lo), i1 = (int)ceil(hi);
            if (i1 > in)
                i1 = in;
            for (int i = i0; i < i1; i++) {
                double a = lo > i ? lo : i, b = hi < i + 1 ? hi : i + 1;
                if (b > a) {
                    t->idx[k] = i;
                    t->w[k++] = (float)((b - a) / scale);
                }
            }
        } else {
            double c = (o + 0.5) * scale - 0.5;
            int i0 = (int)floor(c);
            double f = c - i0;
            int a = i0 < 0 ? 0 : i0, b = i0 + 1 > in - 1 ? in - 1 : i0 + 1;
            t->idx[k] = a;
            t->w[k++] = (float)(1 - f);
            t->idx[k] = b;
            t->w[k++] = (float)f;
        }
        t->count[o] = k - t->first[o];
    }
    return 1;
}

clgan_status clgan_data_crop_resize(const uint8_t *src, int c, int h, int w, uint8_t *dst, int size,
                                    char *err, size_t err_len)
{
    if (c <= 0 || h <= 0 || w <= 0 || size <= 0)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "crop_resize: bad shape c=%d h=%d w=%d size=%d", c, h, w, size);
    int side = h < w ? h : w;
    int y0 = (h - side) / 2, x0 = (w - side) / 2;
    struct taps t;
    float *rows = malloc((size_t)side * (size_t)size * sizeof(float));
    if (!rows || !taps_init(&t, side, size)) {
        free(rows);
        return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                             "crop_resize: out of memory for %dx%d -> %dx%d", h, w, size, size);
    }
    for (int ch = 0; ch < c; ch++) {
        const uint8_t *plane = src + (size_t)ch * h * w;
        /* horizontal pass over the crop's rows: side x size */
        for (int y = 0; y < side; y++) {
            const uint8_t *row = plane + (size_t)(y0 + y) * w + x0;
            for (int o = 0; o < size; o++) {
                float acc = 0;
                for (int k = t.first[o]; k < t.first[o] + t.count[o]; k++)
                    acc += t.w[k] * row[t.idx[k]];
                rows[(size_t)y * size + o] = acc;
            }
        }
        /* vertical pass: size x size */
        uint8_t *out = dst + (size_t)ch * size * size;
        for (int o = 0; o < size; o++) {
            for (int x = 0; x < size; x++) {
                float acc = 0;
                for (int k = t.first[o]; k < t.first[o] + t.count[o]; k++)
                    acc += t.w[k] * rows[(size_t)t.idx[k] * size + x];
                float v = floorf(acc + 0.5f);
                out[(size_t)o * size + x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
        }
    }
    taps_free(&t);
    free(rows);
    return CLGAN_STATUS_OK;
}

static int is_image_name(const char *name)
{
    if (name[0] == '.')
        return 0;
    const char *dot = strrchr(name, '.');
    if (!dot)
        return 0;
    static const char *const exts[] = {".png", ".jpg", ".jpeg", ".bmp"};
    for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
        const char *e = exts[i];
        size_t n = strlen(e);
        if (strlen(dot) != n)
            continue;
        size_t j = 0;
        while (j < n && tolower((unsigned char)dot[j]) == e[j])
            j++;
        if (j == n)
            return 1;
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* What list_dir collects: image files, or subfolders (class folders). */
enum entry_kind { ENTRY_IMAGE, ENTRY_FOLDER };

/* Sorted full paths (dir/name) of the image files or of the subfolders of dir; none is not an
 * error here. Names starting with '.' are skipped. */
static clgan_status list_dir(const char *dir, enum entry_kind kind, char ***names, size_t *count,
                             char *err, size_t err_len)
{
    *names = NULL;
    *count = 0;
    DIR *d = opendir(dir);
    if (!d)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: cannot open folder: %s", dir,
                             strerror(errno));
    char **v = NULL;
    size_t n = 0, cap = 0;
    clgan_status st = CLGAN_STATUS_OK;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || (kind == ENTRY_IMAGE && !is_image_name(e->d_name)))
            continue;
        size_t plen = strlen(dir) + strlen(e->d_name) + 2;
        char *full = malloc(plen);
        if (!full) {
            st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
            break;
        }
        snprintf(full, plen, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (stat(full, &sb) ||
            (kind == ENTRY_IMAGE ? !S_ISREG(sb.st_mode) : !S_ISDIR(sb.st_mode))) {
            free(full);
            continue;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            char **nv = realloc(v, ncap * sizeof(*v));
            if (!nv) {
                free(full);
                st = CLGAN_STATUS_OUT_OF_HOST_MEMORY;
                break;
            }
            v = nv;
            cap = ncap;
        }
        v[n++] = full;
    }
    closedir(d);
    if (st != CLGAN_STATUS_OK) {
        free_names(v, n);
        return clgan_io_fail(err, err_len, st, "%s: out of memory listing the folder", dir);
    }
    if (n)
        qsort(v, n, sizeof(*v), cmp_str);
    *names = v;
    *count = n;
    return CLGAN_STATUS_OK;
}

/* Move the n names of add to the end of *all (of *count), labelling them k. */
static int append_class(char ***all, uint8_t **labels, size_t *count, char **add, size_t n, int k)
{
    char **na = realloc(*all, (*count + n) * sizeof(**all));
    if (na)
        *all = na;
    uint8_t *nl = realloc(*labels, *count + n);
    if (nl)
        *labels = nl;
    if (!na || !nl)
        return 0;
    for (size_t i = 0; i < n; i++) {
        na[*count + i] = add[i];
        nl[*count + i] = (uint8_t)k;
    }
    *count += n;
    return 1;
}

/*
 * The images to read: the folder's own image files (no labels), or, when it has none, those of
 * each class subfolder in sorted order, with their labels and the folders' names as classes.
 */
static clgan_status list_images(const char *dir, char ***names, size_t *count, uint8_t **labels,
                                char ***classes, int *n_classes, char *err, size_t err_len)
{
    char **subs = NULL, **imgs = NULL;
    size_t n_subs = 0, n_imgs = 0;
    *labels = NULL;
    *classes = NULL;
    *n_classes = 0;
    clgan_status st = list_dir(dir, ENTRY_IMAGE, names, count, err, err_len);
    if (st != CLGAN_STATUS_OK || *count)
        return st;
    free(*names);
    *names = NULL;
    st = list_dir(dir, ENTRY_FOLDER, &subs, &n_subs, err, err_len);
    if (st != CLGAN_STATUS_OK)
        return st;
    if (n_subs == 0) {
        free(subs);
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: no PNG, JPEG or BMP files in the folder, nor class subfolders",
                             dir);
    }
    if (n_subs > 256) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_UNSUPPORTED,
                           "%s: %zu class subfolders, at most 256 classes are supported", dir,
                           n_subs);
        goto out;
    }
    if (!(*classes = calloc(n_subs, sizeof(char *)))) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                           "%s: out of memory listing the folder", dir);
        goto out;
    }
    for (size_t k = 0; k < n_subs; k++) {
        st = list_dir(subs[k], ENTRY_IMAGE, &imgs, &n_imgs, err, err_len);
        if (st != CLGAN_STATUS_OK)
            goto out;
        if (n_imgs == 0) {
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                               "%s: class folder '%s' has no PNG, JPEG or BMP files", subs[k],
                               strrchr(subs[k], '/') + 1);
            goto out;
        }
        (*classes)[k] = strdup(strrchr(subs[k], '/') + 1);
        if (!(*classes)[k] || !append_class(names, labels, count, imgs, n_imgs, (int)k)) {
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                               "%s: out of memory listing the folder", subs[k]);
            goto out;
        }
        free(imgs);
        imgs = NULL;
        n_imgs = 0;
        *n_classes = (int)k + 1;
    }
out:
    free_names(imgs, n_imgs);
    free_names(subs, n_subs);
    if (st != CLGAN_STATUS_OK) {
        for (size_t k = 0; *classes && k < n_subs; k++)
            free((*classes)[k]);
        free(*classes);
        free_names(*names, *count);
        free(*labels);
        *classes = NULL;
        *names = NULL;
        *labels = NULL;
        *count = 0;
        *n_classes = 0;
    }
    return st;
}

clgan_status clgan_data_folder_read(const char *dir, int channels, int size,
                                    struct clgan_dataset *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof(*out));
    if (channels != 1 && channels != 3)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: channels must be 1 or 3, not %d", dir, channels);
    if (size <= 0 || size > 16384)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: image size must be in 1..16384, not %d", dir, size);
    char **names = NULL, **classes = NULL;
    uint8_t *labels = NULL;
    int n_classes = 0;
    size_t n = 0;
    clgan_status st = list_images(dir, &names, &n, &labels, &classes, &n_classes, err, err_len);
    if (st != CLGAN_STATUS_OK)
        return st;
    size_t per = (size_t)channels * (size_t)size * (size_t)size;
    uint8_t *px = NULL, *planar = NULL;
    if (n > ((size_t)-1) / per || !(px = malloc(n * per))) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                           "%s: out of memory for %zu images of %dx%dx%d", dir, n, channels, size,
                           size);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        int w = 0, h = 0, comp = 0;
        /* opened through the checked reader: a FIFO swapped in after the listing must not hang */
        FILE *f = NULL;
        if ((st = clgan_io_open_read(names[i], &f, err, err_len)) != CLGAN_STATUS_OK)
            goto out;
        if (!stbi_info_from_file(f, &w, &h, &comp)) {
            fclose(f);
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                               "%s: cannot decode image: %s", names[i], stbi_failure_reason());
            goto out;
        }
        if (w <= 0 || h <= 0 || (uint64_t)w * (uint64_t)h > MAX_PIXELS) {
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_UNSUPPORTED,
                               "%s: image of %dx%d pixels is larger than the %llu pixels this "
                               "reader decodes",
                               names[i], w, h, (unsigned long long)MAX_PIXELS);
            fclose(f);
            goto out;
        }
        unsigned char *img = stbi_load_from_file(f, &w, &h, &comp, channels);
        fclose(f);
        if (!img) {
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                               "%s: cannot decode image: %s", names[i], stbi_failure_reason());
            goto out;
        }
        /* stb_image gives interleaved HWC; the data set is planar CHW */
        size_t plane = (size_t)w * (size_t)h;
        uint8_t *np = realloc(planar, plane * (size_t)channels);
        if (!np) {
            stbi_image_free(img);
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                               "%s: out of memory for a %dx%d image", names[i], w, h);
            goto out;
        }
        planar = np;
        for (size_t p = 0; p < plane; p++)
            for (int ch = 0; ch < channels; ch++)
                planar[(size_t)ch * plane + p] = img[p * (size_t)channels + (size_t)ch];
        stbi_image_free(img);
        st = clgan_data_crop_resize(planar, channels, h, w, px + i * per, size, err, err_len);
        if (st != CLGAN_STATUS_OK)
            goto out;
    }
    out->count = n;
    out->channels = channels;
    out->height = out->width = size;
    out->pixels = px;
    out->labels = labels;
    out->n_classes = n_classes;
    out->class_names = classes;
    px = NULL;
    labels = NULL;
    classes = NULL;
out:
    free(px);
    free(planar);
    free_names(names, n);
    free(labels);
    for (int k = 0; classes && k < n_classes; k++)
        free(classes[k]);
    free(classes);
    return st;
}

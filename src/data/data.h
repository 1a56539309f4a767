/*
 * data.h - image data sets on the host: IDX files (MNIST, Fashion-MNIST), folders of images,
 * data set specs, and the seeded shuffle.
 *
 * Images are uint8, N x C x H x W (NCHW, row-major, C = 1 gray or 3 RGB), as read from the
 * source; scaling to [-1, 1] and padding (28 -> 32) happen on the device.
 *
 * Errors follow io/file.h: a status plus one line in err naming the file and what is wrong.
 */
#ifndef CLGAN_DATA_H
#define CLGAN_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "clgan.h"

/* A loaded image data set. Zero-initialise; release with clgan_data_free. */
struct clgan_dataset {
    size_t count; /* number of images */
    int channels; /* 1 or 3 */
    int height, width;
    uint8_t *pixels;    /* count x channels x height x width */
    uint8_t *labels;    /* count class indices, or NULL when the source has none */
    int n_classes;      /* 1 + the largest label (Fashion-MNIST: 10), 0 without labels */
    char **class_names; /* n_classes malloc'ed names (Fashion-MNIST's own, the class folders',
                           "0", "1", ... for other IDX labels), NULL without labels */
};

/* Free the arrays and zero the struct. NULL does nothing. */
void clgan_data_free(struct clgan_dataset *ds);

/*
 * IDX files (the MNIST format): big-endian magic 0x00000803 (u8 images, dims N x H x W) or
 * 0x00000801 (u8 labels, dim N), then the dims as big-endian u32, then the data. gzip is
 * detected by its magic bytes (1f 8b), not by the file name; concatenated gzip members are one
 * stream. Checked: magic, dimension count, every dim > 0, size overflow, truncated data, each
 * gzip member's CRC. Bytes after the data are an error too (a file longer than its header says
 * is not the file the header describes), and so are bytes after the gzip stream.
 * CORRUPT_FILE for a bad file, UNSUPPORTED for other IDX element types, IO when unreadable.
 */
clgan_status clgan_data_idx_read_images(const char *path, struct clgan_dataset *out, char *err,
                                        size_t err_len);
/* Labels file: *labels is malloc'ed (free() it), *count its length. */
clgan_status clgan_data_idx_read_labels(const char *path, uint8_t **labels, size_t *count,
                                        char *err, size_t err_len);

/*
 * The same from memory: data holds a whole IDX file (len bytes, plain or gzip; not modified),
 * name is used in messages (NULL: "(memory)"). The results are copies, as from a file.
 */
clgan_status clgan_data_idx_read_images_mem(const void *data, size_t len, const char *name,
                                            struct clgan_dataset *out, char *err, size_t err_len);
clgan_status clgan_data_idx_read_labels_mem(const void *data, size_t len, const char *name,
                                            uint8_t **labels, size_t *count, char *err,
                                            size_t err_len);

/*
 * Read every PNG, JPEG and BMP file of a folder (by extension, case-insensitive; not recursive;
 * names starting with '.' skipped), sorted by name (strcmp). Each image is converted to gray
 * (stb_image's luma, 77R+150G+29B >> 8) or RGB (alpha dropped), centre-cropped to a square,
 * and resized to size x size: area averaging when shrinking, bilinear (pixel centres, edges
 * clamped) when enlarging, rounded to nearest. Such a flat folder has no labels.
 * A folder with no image files but subfolders is labelled as torchvision's ImageFolder: each
 * subfolder (names starting with '.' skipped) is a class, classes numbered in sorted name order
 * (strcmp) and named by their folders; the images of each (not recursive) follow in class order.
 * An empty folder, an empty class folder (named), more than 256 classes, or an image that
 * cannot be decoded (named, with stb_image's reason) is an error.
 */
clgan_status clgan_data_folder_read(const char *dir, int channels, int size,
                                    struct clgan_dataset *out, char *err, size_t err_len);

/*
 * Centre-crop one planar uint8 image (src c x h x w) to a square and resize it to dst
 * (c x size x size) as clgan_data_folder_read does. OUT_OF_HOST_MEMORY or INVALID_ARGUMENT.
 */
clgan_status clgan_data_crop_resize(const uint8_t *src, int c, int h, int w, uint8_t *dst, int size,
                                    char *err, size_t err_len);

/*
 * Load a data set by spec:
 *   fashion-mnist   /usr/share/datasets/fashion-mnist/train-{images-idx3,labels-idx1}-ubyte.gz
 *                   (Debian package dataset-fashion-mnist), its ten classes named (as for
 *                   mnist:/usr/share/datasets/fashion-mnist)
 *   mnist:DIR       DIR/train-images-idx3-ubyte[.gz], and DIR/train-labels-idx1-ubyte[.gz]
 *                   when present (its count must match); or, when there is no train-* image
 *                   file, DIR/images-idx3-ubyte[.gz] and DIR/labels-idx1-ubyte[.gz] (the names
 *                   `clgan augment` writes)
 *   idx:FILE        one IDX image file, no labels (see clgan_data_load_opts for a labels file)
 *   folder:DIR      images of a folder (clgan_data_folder_read), at size x size
 * channels is 1 or 3. IDX data keep their native size (size is ignored; pass 0) and are gray;
 * with channels 3 the gray plane is copied to R, G and B. size must be > 0 for folders.
 * INVALID_ARGUMENT for an unknown spec (the message lists the forms) or bad channels/size.
 */
clgan_status clgan_data_load(const char *spec, int channels, int size, struct clgan_dataset *out,
                             char *err, size_t err_len);

/* What clgan_data_load_opts does beyond clgan_data_load. Zero-initialise: all off. */
struct clgan_data_options {
    const char *labels;   /* IDX label file for idx:FILE (NULL: unlabelled); its count must
                             match the images' */
    long long max_images; /* > 0: keep only the first N images (then per_class) */
    long long per_class;  /* > 0: keep only the first N images of each class, in order; a class
                             with fewer is an error naming it and both numbers */
};

/* clgan_data_load with options (o may be NULL). --labels with another spec than idx:FILE, or
 * per_class on unlabelled data, is INVALID_ARGUMENT. */
clgan_status clgan_data_load_opts(const char *spec, int channels, int size,
                                  const struct clgan_data_options *o, struct clgan_dataset *out,
                                  char *err, size_t err_len);

/*
 * The test split of an IDX folder spec: fashion-mnist's or mnist:DIR's t10k-images-idx3-ubyte[.gz]
 * with t10k-labels-idx1-ubyte[.gz] when present, read, checked and named as clgan_data_load_opts
 * does (o may be NULL; o->labels must be unset). IO naming the file when the folder has none;
 * INVALID_ARGUMENT for other specs (idx:FILE, folder:DIR have no test split).
 */
clgan_status clgan_data_load_test(const char *spec, int channels,
                                  const struct clgan_data_options *o, struct clgan_dataset *out,
                                  char *err, size_t err_len);

/* 1 when spec is fashion-mnist or mnist:DIR and its folder holds the test split's images. */
int clgan_data_has_test(const char *spec);

/* The IDX label file beside an image file: its name with "labels-idx1" for "images-idx3"
 * (train-images-idx3-ubyte.gz: train-labels-idx1-ubyte.gz). 1, with the name in out, when that
 * file exists; else 0. */
int clgan_data_idx_labels_beside(const char *images, char *out, size_t len);

/* Keep only the first n images of each class of a labelled set (in place, order kept). name is
 * the set's name in messages. INVALID_ARGUMENT without labels or when a class has fewer. */
clgan_status clgan_data_keep_per_class(struct clgan_dataset *ds, size_t n, const char *name,
                                       char *err, size_t err_len);

/* Give a labelled set the names "0", "1", ... (n_classes of them). OUT_OF_HOST_MEMORY. */
clgan_status clgan_data_number_classes(struct clgan_dataset *ds, char *err, size_t err_len);

/* k class names for a model of k classes trained on ds: ds's names where it has them, "0", "1",
 * ... beyond them (all of them for ds NULL or unnamed). *out is malloc'ed: free it with
 * clgan_data_free_names(*out, k). OUT_OF_HOST_MEMORY (then *out is NULL). */
clgan_status clgan_data_copy_names(const struct clgan_dataset *ds, int k, char ***out, char *err,
                                   size_t err_len);
/* Free n malloc'ed names and their array. NULL does nothing. */
void clgan_data_free_names(char **names, int n);

/* IDX files are written by clgan_idx_write_gz (clgan.h, data/idx_write.c). */

/* splitmix64: advance *state and return the next 64-bit value. Any seed is a valid state. */
uint64_t clgan_data_rng_next(uint64_t *state);

/*
 * Fill perm with a uniformly random permutation of 0..n-1: identity, then Fisher-Yates from the
 * last index down, j drawn unbiased (rejection) from splitmix64 via *state, which advances so
 * that successive calls (epochs) give fresh permutations; save *state to resume exactly.
 * INVALID_ARGUMENT when n exceeds INT32_MAX.
 */
clgan_status clgan_data_shuffle(int32_t *perm, size_t n, uint64_t *state, char *err,
                                size_t err_len);

#endif /* CLGAN_DATA_H */

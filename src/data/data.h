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
    uint8_t *pixels; /* count x channels x height x width */
    uint8_t *labels; /* count class indices, or NULL when the source has none */
    int n_classes;   /* 1 + the largest label, 0 without labels */
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
 * clamped) when enlarging, rounded to nearest. No labels. An empty folder or an image that
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
 *                   (Debian package dataset-fashion-mnist)
 *   mnist:DIR       DIR/train-images-idx3-ubyte[.gz], and DIR/train-labels-idx1-ubyte[.gz]
 *                   when present (its count must match)
 *   idx:FILE        one IDX image file, no labels
 *   folder:DIR      images of a folder (clgan_data_folder_read), at size x size
 * channels is 1 or 3. IDX data keep their native size (size is ignored; pass 0) and are gray;
 * with channels 3 the gray plane is copied to R, G and B. size must be > 0 for folders.
 * INVALID_ARGUMENT for an unknown spec (the message lists the forms) or bad channels/size.
 */
clgan_status clgan_data_load(const char *spec, int channels, int size, struct clgan_dataset *out,
                             char *err, size_t err_len);

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

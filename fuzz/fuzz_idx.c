/*
 * fuzz_idx.c - IDX images and labels from memory (data/data.h), plain and gzip.
 *
 * Every input is parsed as an image file and as a label file, from memory and (one input in
 * four) through the file readers, which hand their buffer over instead of copying, from a
 * temporary file under /dev/shm.
 * It is then wrapped in a gzip stream and parsed again, so the gzip path always sees a valid
 * stream around fuzzed content. All paths must agree on the status and the data (raw gzip
 * input, which the fuzzer also produces, exercises inflate's own error handling).
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "data/data.h"
#include "fuzz.h"

/* gzip of data into a malloc'ed buffer; NULL on failure (treated as nothing to compare). */
static uint8_t *gzip_of(const uint8_t *data, size_t size, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    size_t cap = deflateBound(&z, (uLong)size) + 32;
    uint8_t *out = malloc(cap);
    if (out) {
        z.next_in = (Bytef *)(uintptr_t)data;
        z.avail_in = (uInt)size;
        z.next_out = out;
        z.avail_out = (uInt)cap;
        if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
            free(out);
            out = NULL;
        } else {
            *out_len = cap - z.avail_out;
        }
    }
    deflateEnd(&z);
    return out;
}

static char tmp_path[64];

static void remove_tmp(void)
{
    unlink(tmp_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(tmp_path, sizeof(tmp_path), "%s/clgan_fuzz_idx.%ld", dir, (long)getpid());
    atexit(remove_tmp);
    (void)argc;
    (void)argv;
    return 0;
}

static void write_tmp(const uint8_t *data, size_t size)
{
    int fd = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    FUZZ_CHECK(fd >= 0, "cannot create %s", tmp_path);
    FUZZ_CHECK(write(fd, data, size) == (ssize_t)size, "cannot write %s", tmp_path);
    close(fd);
}

struct result {
    clgan_status st;
    struct clgan_dataset ds;
    uint8_t *labels;
    size_t count;
};

static void check_failure(clgan_status st, const char *err)
{
    FUZZ_CHECK(st == CLGAN_STATUS_CORRUPT_FILE || st == CLGAN_STATUS_UNSUPPORTED ||
                   st == CLGAN_STATUS_OUT_OF_HOST_MEMORY,
               "status %d", (int)st);
    FUZZ_CHECK(err[0], "no message for status %s", clgan_status_str(st));
}

static void parse_images(const uint8_t *data, size_t size, int plain, struct result *r)
{
    char err[256] = "";
    r->st = clgan_data_idx_read_images_mem(data, size, "fuzz.idx", &r->ds, err, sizeof(err));
    if (r->st != CLGAN_STATUS_OK) {
        check_failure(r->st, err);
        FUZZ_CHECK(!r->ds.pixels && !r->ds.count, "data handed out on failure");
        return;
    }
    const struct clgan_dataset *ds = &r->ds;
    FUZZ_CHECK(ds->count > 0 && ds->channels == 1 && ds->height > 0 && ds->width > 0 &&
                   ds->pixels && !ds->labels && !ds->n_classes,
               "count %zu channels %d %dx%d", ds->count, ds->channels, ds->height, ds->width);
    size_t n = ds->count * (size_t)ds->height * (size_t)ds->width;
    if (plain)
        FUZZ_CHECK(size == 16 + n, "%zu bytes of pixels from a %zu-byte file", n, size);
    /* touch every pixel: ASan checks the buffer is as long as claimed */
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += ds->pixels[i];
    (void)sum;
}

static void parse_labels(const uint8_t *data, size_t size, int plain, struct result *r)
{
    char err[256] = "";
    r->st = clgan_data_idx_read_labels_mem(data, size, "fuzz.idx", &r->labels, &r->count, err,
                                           sizeof(err));
    if (r->st != CLGAN_STATUS_OK) {
        check_failure(r->st, err);
        FUZZ_CHECK(!r->labels && !r->count, "labels handed out on failure");
        return;
    }
    FUZZ_CHECK(r->labels && r->count > 0, "count %zu", r->count);
    if (plain)
        FUZZ_CHECK(size == 8 + r->count, "%zu labels from a %zu-byte file", r->count, size);
    unsigned sum = 0;
    for (size_t i = 0; i < r->count; i++)
        sum += r->labels[i];
    (void)sum;
}

/* The same through the file readers; failures may also be IO (never expected here). */
static void parse_file(const uint8_t *data, size_t size, struct result *img, struct result *lab)
{
    char err[256] = "";
    write_tmp(data, size);
    img->st = clgan_data_idx_read_images(tmp_path, &img->ds, err, sizeof(err));
    if (img->st != CLGAN_STATUS_OK)
        check_failure(img->st, err);
    err[0] = 0;
    lab->st = clgan_data_idx_read_labels(tmp_path, &lab->labels, &lab->count, err, sizeof(err));
    if (lab->st != CLGAN_STATUS_OK)
        check_failure(lab->st, err);
}

/* a and b agree on the status and on what was read. */
static void same(const struct result *a, const struct result *b, const char *what)
{
    FUZZ_CHECK(a->st == b->st, "%s: %s vs %s", what, clgan_status_str(a->st),
               clgan_status_str(b->st));
    if (a->st != CLGAN_STATUS_OK)
        return;
    if (a->ds.pixels) {
        size_t n = a->ds.count * (size_t)a->ds.height * (size_t)a->ds.width;
        FUZZ_CHECK(b->ds.count == a->ds.count && b->ds.height == a->ds.height &&
                       b->ds.width == a->ds.width && !memcmp(b->ds.pixels, a->ds.pixels, n),
                   "%s: images differ", what);
    } else {
        FUZZ_CHECK(b->count == a->count && !memcmp(b->labels, a->labels, a->count),
                   "%s: labels differ", what);
    }
}

static void release(struct result *r)
{
    clgan_data_free(&r->ds);
    free(r->labels);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const int is_gz = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    struct result img = {0}, lab = {0}, fimg = {0}, flab = {0};
    parse_images(data, size, !is_gz, &img);
    parse_labels(data, size, !is_gz, &lab);
    /* files cost a few system calls: one input in four (by content, so replays are the same) */
    if ((crc32(0, data, (uInt)size) & 3) == 0) {
        parse_file(data, size, &fimg, &flab);
        same(&img, &fimg, "images, memory vs file");
        same(&lab, &flab, "labels, memory vs file");
        release(&fimg);
        release(&flab);
    }

    size_t zlen = 0;
    uint8_t *z = is_gz ? NULL : gzip_of(data, size, &zlen);
    if (z) {
        struct result zimg = {0}, zlab = {0};
        parse_images(z, zlen, 0, &zimg);
        parse_labels(z, zlen, 0, &zlab);
        same(&img, &zimg, "images, plain vs gzip");
        same(&lab, &zlab, "labels, plain vs gzip");
        release(&zimg);
        release(&zlab);
        free(z);
    }
    release(&img);
    release(&lab);
    return 0;
}

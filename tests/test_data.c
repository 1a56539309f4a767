/* labels: unit; timeout: 120 */
/*
 * test_data.c - host-side data readers: IDX (plain and gzip, every validation), data set specs,
 * image folders (decode, luma, centre crop, area and bilinear resize), the seeded shuffle, and
 * the CSV table reader (iris and each malformed case); labelled data (an IDX labels file, class
 * folders, the first N images per class, class names) and the gzip IDX writer. Fixtures are
 * written at test time into a temporary folder; the real Fashion-MNIST files are checked when
 * installed.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <stb_image_write.h>

#include "data/csv.h"
#include "data/data.h"
#include "harness.h"

static char tmpdir[512];
static char errbuf[1024];

/* tmpdir/name */
static const char *tpath(const char *name)
{
    static char bufs[4][1024];
    static int k;
    char *b = bufs[k++ % 4];
    snprintf(b, sizeof(bufs[0]), "%s/%s", tmpdir, name);
    return b;
}

static void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, n, f) != n || fclose(f)) {
        fprintf(stderr, "cannot write fixture %s\n", path);
        exit(1);
    }
}

static void write_gz(const char *path, const void *data, size_t n)
{
    gzFile g = gzopen(path, "wb");
    if (!g || gzwrite(g, data, (unsigned)n) != (int)n || gzclose(g) != Z_OK) {
        fprintf(stderr, "cannot write fixture %s\n", path);
        exit(1);
    }
}

static void write_text(const char *path, const char *text)
{
    write_bytes(path, text, strlen(text));
}

static void remove_tree(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb))
        return;
    if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char sub[1024];
            snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
            remove_tree(sub);
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* An IDX file image in memory: magic, dims, data. Returns its length. */
static size_t make_idx(unsigned char *out, uint32_t magic, int ndim, const uint32_t *dims,
                       const unsigned char *data, size_t n)
{
    size_t k = 0;
    for (int s = 24; s >= 0; s -= 8)
        out[k++] = (unsigned char)(magic >> s);
    for (int i = 0; i < ndim; i++)
        for (int s = 24; s >= 0; s -= 8)
            out[k++] = (unsigned char)(dims[i] >> s);
    memcpy(out + k, data, n);
    return k + n;
}

/* st must be want and the message must contain every needle. */
static void expect_fail(const char *name, clgan_status st, clgan_status want, const char *n1,
                        const char *n2)
{
    int ok = st == want && (!n1 || strstr(errbuf, n1)) && (!n2 || strstr(errbuf, n2));
    th_expect(ok, name, NULL, "%s: %s", clgan_status_str(st), errbuf);
}

/* ---------------------------------------------------------------- IDX */

static void test_idx(void)
{
    unsigned char px[3 * 4 * 5], file[256];
    for (size_t i = 0; i < sizeof(px); i++)
        px[i] = (unsigned char)(i * 37 + 11);
    const uint32_t dims[3] = {3, 4, 5};
    size_t n = make_idx(file, 0x803, 3, dims, px, sizeof(px));
    struct clgan_dataset ds = {0};

    const char *names[2] = {"img.idx", "img_gz.idx"};
    for (int gz = 0; gz < 2; gz++) {
        const char *p = tpath(names[gz]);
        /* the gzip copy has no .gz suffix: it must be recognised by its magic */
        if (gz)
            write_gz(p, file, n);
        else
            write_bytes(p, file, n);
        clgan_status st = clgan_data_idx_read_images(p, &ds, errbuf, sizeof(errbuf));
        int ok = st == CLGAN_STATUS_OK && ds.count == 3 && ds.channels == 1 && ds.height == 4 &&
                 ds.width == 5 && !memcmp(ds.pixels, px, sizeof(px)) && !ds.labels;
        th_expect(ok, gz ? "idx_images_gzip" : "idx_images_plain", NULL, "%s %s",
                  clgan_status_str(st), st ? errbuf : "");
        clgan_data_free(&ds);
    }

    /* labels */
    unsigned char lab[7] = {0, 9, 3, 3, 1, 0, 255};
    const uint32_t ldim[1] = {7};
    size_t ln = make_idx(file, 0x801, 1, ldim, lab, sizeof(lab));
    for (int gz = 0; gz < 2; gz++) {
        const char *p = tpath(gz ? "lab.idx.gz" : "lab.idx");
        if (gz)
            write_gz(p, file, ln);
        else
            write_bytes(p, file, ln);
        uint8_t *got = NULL;
        size_t cnt = 0;
        clgan_status st = clgan_data_idx_read_labels(p, &got, &cnt, errbuf, sizeof(errbuf));
        th_expect(st == CLGAN_STATUS_OK && cnt == 7 && got && !memcmp(got, lab, 7),
                  gz ? "idx_labels_gzip" : "idx_labels_plain", NULL, "%s", st ? errbuf : "");
        free(got);
    }

    /* a label file read as images, an image file read as labels */
    clgan_status st = clgan_data_idx_read_images(tpath("lab.idx"), &ds, errbuf, sizeof(errbuf));
    expect_fail("idx_labels_as_images", st, CLGAN_STATUS_CORRUPT_FILE, "lab.idx", "label file");
    uint8_t *lp = NULL;
    size_t lc = 0;
    st = clgan_data_idx_read_labels(tpath("img.idx"), &lp, &lc, errbuf, sizeof(errbuf));
    expect_fail("idx_images_as_labels", st, CLGAN_STATUS_CORRUPT_FILE, "img.idx", "0x00000803");

    /* bad magic */
    n = make_idx(file, 0x12340803, 3, dims, px, sizeof(px));
    write_bytes(tpath("badmagic.idx"), file, n);
    st = clgan_data_idx_read_images(tpath("badmagic.idx"), &ds, errbuf, sizeof(errbuf));
    expect_fail("idx_bad_magic", st, CLGAN_STATUS_CORRUPT_FILE, "badmagic.idx", "magic 0x12340803");

    /* float elements: valid IDX, not supported */
    n = make_idx(file, 0x0D03, 3, dims, px, sizeof(px));
    write_bytes(tpath("float.idx"), file, n);
    st = clgan_data_idx_read_images(tpath("float.idx"), &ds, errbuf, sizeof(errbuf));
    expect_fail("idx_float_type", st, CLGAN_STATUS_UNSUPPORTED, "float.idx", "0x0d (float)");

    /* truncated data, plain and gzip */
    n = make_idx(file, 0x803, 3, dims, px, sizeof(px));
    write_bytes(tpath("trunc.idx"), file, n - 7);
    st = clgan_data_idx_read_images(tpath("trunc.idx"), &ds, errbuf, sizeof(errbuf));
    expect_fail("idx_truncated_plain", st, CLGAN_STATUS_CORRUPT_FILE,
                "trunc.idx: truncated: header says 3 images of 4x5 (60 bytes)",
                "file has 53 bytes of data");
    write_gz(tpath("trunc.gz"), file, n - 7);
    st = clgan_data_idx_read_images(tpath("trunc.gz"), &ds, errbuf, sizeof(errbuf));
    expect_fail("idx_truncated_gzip", st, CLGAN_STATUS_CORRUPT_FILE, "trunc.gz: truncated",
                "53 bytes of data after decompression");

    /* trailing bytes, plain and gzip */
    unsigned char longer[256];
    memcpy(longer, file, n);
    memset(longer + n, 0, 5);
    write_bytes(tpath("trail.idx"), longer, n + 5);
    st = clgan_data_idx_read_images(tpath("trail.idx"), &ds, errbuf, sizeof(errbuf));
    expect_fail("idx_trailing_plain", st, CLGAN_STATUS_CORRUPT_FILE, "trail.idx: trailing bytes",
                "file has 65 bytes");
    write_gz(tpath("trail.gz"), longer, n + 5);
    st = clgan_data_idx_read_images(tpath("trail.gz"), &ds, errbuf, sizeof(errbuf));
    expect_fail("idx_trailing_gzip", st, CLGAN_STATUS_CORRUPT_FILE, "trail.gz: trailing bytes",
                "65 bytes");

    /* dims disagreeing with the size: header claims more images than are there */
    const uint32_t big[3] = {1000, 4, 5};
    n = make_idx(file, 0x803, 3, big, px, sizeof(px));
    write_bytes(tpath("dims.idx"), file, n);
    st = clgan_data_idx_read_images(tpath("dims.idx"), &ds, errbuf, sizeof(errbuf));
    expect_fail("idx_dims_vs_size", st, CLGAN_STATUS_CORRUPT_FILE, "1000 images of 4x5",
                "60 bytes");

    /* a zero dimension; an overflowing product; a cut header; an empty file */
    const uint32_t zero[3] = {3, 0, 5};
    n = make_idx(file, 0x803, 3, zero, px, 0);
    write_bytes(tpath("zero.idx"), file, n);
    st = clgan_data_idx_read_images(tpath("zero.idx"), &ds, errbuf, sizeof(errbuf));
    expect_fail("idx_zero_dim", st, CLGAN_STATUS_CORRUPT_FILE, "zero.idx", "dimension 2 of 3 is 0");
    const uint32_t huge[3] = {0xffffffffu, 0xffffffffu, 0xffffffffu};
    n = make_idx(file, 0x803, 3, huge, px, 0);
    write_gz(tpath("huge.idx"), file, n);
    st = clgan_data_idx_read_images(tpath("huge.idx"), &ds, errbuf, sizeof(errbuf));
    expect_fail("idx_overflow", st, CLGAN_STATUS_CORRUPT_FILE, "huge.idx", "overflows");
    write_bytes(tpath("cut.idx"), file, 9);
    st = clgan_data_idx_read_images(tpath("cut.idx"), &ds, errbuf, sizeof(errbuf));
    expect_fail("idx_cut_header", st, CLGAN_STATUS_CORRUPT_FILE, "cut.idx", "truncated header");
    write_bytes(tpath("empty.idx"), file, 0);
    st = clgan_data_idx_read_images(tpath("empty.idx"), &ds, errbuf, sizeof(errbuf));
    expect_fail("idx_empty", st, CLGAN_STATUS_CORRUPT_FILE, "empty.idx", "too short");
    st = clgan_data_idx_read_images(tpath("missing.idx"), &ds, errbuf, sizeof(errbuf));
    expect_fail("idx_missing", st, CLGAN_STATUS_IO, "missing.idx: cannot open", "No such file");

    /* damaged gzip: compressed bytes flipped, and a wrong CRC in the trailer */
    n = make_idx(file, 0x803, 3, dims, px, sizeof(px));
    write_gz(tpath("crc.gz"), file, n);
    FILE *f = fopen(tpath("crc.gz"), "rb");
    unsigned char z[512];
    size_t zn = fread(z, 1, sizeof(z), f);
    fclose(f);
    z[zn - 8] ^= 0x55; /* CRC32 of the data */
    write_bytes(tpath("crc.gz"), z, zn);
    st = clgan_data_idx_read_images(tpath("crc.gz"), &ds, errbuf, sizeof(errbuf));
    expect_fail("idx_gzip_bad_crc", st, CLGAN_STATUS_CORRUPT_FILE, "crc.gz: gzip", NULL);
    z[zn - 8] ^= 0x55;
    for (size_t i = 12; i < zn - 8; i++)
        z[i] ^= 0xA5;
    write_bytes(tpath("garbled.gz"), z, zn);
    st = clgan_data_idx_read_images(tpath("garbled.gz"), &ds, errbuf, sizeof(errbuf));
    th_expect(st != CLGAN_STATUS_OK && strstr(errbuf, "garbled.gz"), "idx_gzip_garbled", NULL,
              "%s: %s", clgan_status_str(st), errbuf);
    clgan_data_free(&ds);
}

/* The bytes of a file written by the test (exits on failure); returns the length. */
static size_t read_back(const char *path, unsigned char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, cap, f) : 0;
    if (!f || n == cap) {
        fprintf(stderr, "cannot read back fixture %s\n", path);
        exit(1);
    }
    fclose(f);
    return n;
}

/* The in-memory readers, and gzip streams: concatenated members, bytes after the stream, a
 * stream cut inside its trailer. */
static void test_idx_mem(void)
{
    unsigned char px[3 * 4 * 5], file[256], z[512], z2[1024];
    for (size_t i = 0; i < sizeof(px); i++)
        px[i] = (unsigned char)(i * 37 + 11);
    const uint32_t dims[3] = {3, 4, 5};
    size_t n = make_idx(file, 0x803, 3, dims, px, sizeof(px));
    struct clgan_dataset ds = {0};

    clgan_status st =
        clgan_data_idx_read_images_mem(file, n, "mem.idx", &ds, errbuf, sizeof(errbuf));
    int ok = st == CLGAN_STATUS_OK && ds.count == 3 && ds.height == 4 && ds.width == 5 &&
             !memcmp(ds.pixels, px, sizeof(px));
    th_expect(ok, "idx_mem_images_plain", NULL, "%s", st ? errbuf : "");
    clgan_data_free(&ds);
    st = clgan_data_idx_read_images_mem(file, n - 1, "mem.idx", &ds, errbuf, sizeof(errbuf));
    expect_fail("idx_mem_truncated", st, CLGAN_STATUS_CORRUPT_FILE, "mem.idx: truncated",
                "59 bytes of data");
    st = clgan_data_idx_read_images_mem(file, 0, NULL, &ds, errbuf, sizeof(errbuf));
    expect_fail("idx_mem_empty", st, CLGAN_STATUS_CORRUPT_FILE, "(memory)", "too short");

    write_gz(tpath("mem.gz"), file, n);
    size_t zn = read_back(tpath("mem.gz"), z, sizeof(z));
    st = clgan_data_idx_read_images_mem(z, zn, "mem.gz", &ds, errbuf, sizeof(errbuf));
    ok = st == CLGAN_STATUS_OK && ds.count == 3 && !memcmp(ds.pixels, px, sizeof(px));
    th_expect(ok, "idx_mem_images_gzip", NULL, "%s", st ? errbuf : "");
    clgan_data_free(&ds);

    unsigned char lab[7] = {0, 9, 3, 3, 1, 0, 255};
    const uint32_t ldim[1] = {7};
    size_t ln = make_idx(file + 128, 0x801, 1, ldim, lab, sizeof(lab));
    uint8_t *got = NULL;
    size_t cnt = 0;
    st = clgan_data_idx_read_labels_mem(file + 128, ln, "lab", &got, &cnt, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_OK && cnt == 7 && !memcmp(got, lab, 7), "idx_mem_labels", NULL,
              "%s", st ? errbuf : "");
    free(got);

    /* the file split over two gzip members is one stream */
    write_gz(tpath("part1.gz"), file, 10);
    write_gz(tpath("part2.gz"), file + 10, n - 10);
    size_t n1 = read_back(tpath("part1.gz"), z2, sizeof(z2));
    size_t n2 = read_back(tpath("part2.gz"), z2 + n1, sizeof(z2) - n1);
    write_bytes(tpath("members.gz"), z2, n1 + n2);
    st = clgan_data_idx_read_images(tpath("members.gz"), &ds, errbuf, sizeof(errbuf));
    ok = st == CLGAN_STATUS_OK && ds.count == 3 && !memcmp(ds.pixels, px, sizeof(px));
    th_expect(ok, "idx_gzip_two_members", NULL, "%s", st ? errbuf : "");
    clgan_data_free(&ds);

    /* bytes that are not a gzip member after the stream */
    memcpy(z2, z, zn);
    memcpy(z2 + zn, "junk", 4);
    write_bytes(tpath("junk.gz"), z2, zn + 4);
    st = clgan_data_idx_read_images(tpath("junk.gz"), &ds, errbuf, sizeof(errbuf));
    expect_fail("idx_gzip_junk_after_stream", st, CLGAN_STATUS_CORRUPT_FILE, "junk.gz: gzip",
                "4 bytes after the end of the compressed stream");

    /* complete data, but the stream stops inside its CRC: nothing to check the data against */
    st = clgan_data_idx_read_images_mem(z, zn - 6, "cut.gz", &ds, errbuf, sizeof(errbuf));
    expect_fail("idx_gzip_cut_trailer", st, CLGAN_STATUS_CORRUPT_FILE, "cut.gz: gzip",
                "unexpected end of file");
    /* cut inside the data: reported as truncated data */
    st = clgan_data_idx_read_images_mem(z, 30, "cut2.gz", &ds, errbuf, sizeof(errbuf));
    expect_fail("idx_gzip_cut_data", st, CLGAN_STATUS_CORRUPT_FILE, "cut2.gz: truncated",
                "after decompression");
    clgan_data_free(&ds);
}

/* ---------------------------------------------------------------- specs */

static void test_specs(void)
{
    struct clgan_dataset ds = {0};
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s", tpath("mnist"));
    mkdir(dir, 0755);
    unsigned char px[4 * 2 * 3], file[256];
    for (size_t i = 0; i < sizeof(px); i++)
        px[i] = (unsigned char)(i * 5);
    const uint32_t dims[3] = {4, 2, 3}, ldims[1] = {4}, lbad[1] = {3};
    unsigned char lab[4] = {2, 0, 1, 2};
    size_t n = make_idx(file, 0x803, 3, dims, px, sizeof(px));
    write_gz(tpath("mnist/train-images-idx3-ubyte.gz"), file, n);
    n = make_idx(file, 0x801, 1, ldims, lab, sizeof(lab));
    write_bytes(tpath("mnist/train-labels-idx1-ubyte"), file, n);

    char spec[1100];
    snprintf(spec, sizeof(spec), "mnist:%s", dir);
    clgan_status st = clgan_data_load(spec, 1, 0, &ds, errbuf, sizeof(errbuf));
    int ok = st == CLGAN_STATUS_OK && ds.count == 4 && ds.height == 2 && ds.width == 3 &&
             ds.labels && !memcmp(ds.labels, lab, 4) && ds.n_classes == 3 &&
             !memcmp(ds.pixels, px, sizeof(px));
    th_expect(ok, "spec_mnist_dir", NULL, "%s", st ? errbuf : "");
    clgan_data_free(&ds);

    /* 3 channels: the gray plane copied to R, G, B */
    st = clgan_data_load(spec, 3, 0, &ds, errbuf, sizeof(errbuf));
    ok = st == CLGAN_STATUS_OK && ds.channels == 3 && ds.count == 4;
    for (size_t i = 0; ok && i < 4; i++)
        for (int c = 0; c < 3; c++)
            ok = ok && !memcmp(ds.pixels + (3 * i + (size_t)c) * 6, px + i * 6, 6);
    th_expect(ok, "spec_mnist_rgb", NULL, "%s", st ? errbuf : "");
    clgan_data_free(&ds);

    /* labels that do not match the images */
    n = make_idx(file, 0x801, 1, lbad, lab, 3);
    write_bytes(tpath("mnist/train-labels-idx1-ubyte"), file, n);
    st = clgan_data_load(spec, 1, 0, &ds, errbuf, sizeof(errbuf));
    expect_fail("spec_mnist_label_count", st, CLGAN_STATUS_CORRUPT_FILE, "3 labels", "4 images");

    snprintf(spec, sizeof(spec), "idx:%s", tpath("mnist/train-images-idx3-ubyte.gz"));
    st = clgan_data_load(spec, 1, 0, &ds, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_OK && ds.count == 4 && !ds.labels, "spec_idx_file", NULL, "%s",
              st ? errbuf : "");
    clgan_data_free(&ds);

    snprintf(spec, sizeof(spec), "mnist:%s", tpath("nowhere"));
    st = clgan_data_load(spec, 1, 0, &ds, errbuf, sizeof(errbuf));
    expect_fail("spec_mnist_missing", st, CLGAN_STATUS_IO, "nowhere/train-images-idx3-ubyte",
                "not found");
    st = clgan_data_load("cifar", 1, 0, &ds, errbuf, sizeof(errbuf));
    expect_fail("spec_unknown", st, CLGAN_STATUS_INVALID_ARGUMENT, "'cifar'", "folder:DIR");
    st = clgan_data_load("fashion-mnist", 2, 0, &ds, errbuf, sizeof(errbuf));
    expect_fail("spec_bad_channels", st, CLGAN_STATUS_INVALID_ARGUMENT, "channels", NULL);
}

/* The real Fashion-MNIST training set, when the Debian package is installed. */
static void test_fashion_mnist(void)
{
    const char *img = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
    if (access(img, R_OK)) {
        printf("%-48s [host] SKIPPED (%s not installed)\n", "fashion_mnist", img);
        return;
    }
    struct clgan_dataset ds = {0};
    clgan_status st = clgan_data_load("fashion-mnist", 1, 0, &ds, errbuf, sizeof(errbuf));
    if (!th_expect(st == CLGAN_STATUS_OK, "fashion_mnist_load", NULL, "%s", st ? errbuf : ""))
        return;
    th_expect(ds.count == 60000 && ds.channels == 1 && ds.height == 28 && ds.width == 28 &&
                  ds.labels && ds.n_classes == 10,
              "fashion_mnist_shape", NULL, "%zu x %d x %d x %d, %d classes", ds.count, ds.channels,
              ds.height, ds.width, ds.n_classes);
    size_t hist[256] = {0};
    for (size_t i = 0; ds.labels && i < ds.count; i++)
        hist[ds.labels[i]]++;
    int ok = 1;
    for (int c = 0; c < 10; c++)
        ok = ok && hist[c] == 6000;
    th_expect(ok, "fashion_mnist_label_histogram", NULL, "6000 per class: %zu %zu ... %zu", hist[0],
              hist[1], hist[9]);
    th_expect(ds.class_names && !strcmp(ds.class_names[0], "T-shirt/top") &&
                  !strcmp(ds.class_names[7], "Sneaker") && !strcmp(ds.class_names[9], "Ankle boot"),
              "fashion_mnist_class_names", NULL, "%s ... %s",
              ds.class_names ? ds.class_names[0] : "(none)",
              ds.class_names ? ds.class_names[9] : "(none)");
    /* the small-data case: the first 10 of each class, in file order */
    struct clgan_dataset few = {0};
    struct clgan_data_options o = {.per_class = 10};
    st = clgan_data_load_opts("fashion-mnist", 1, 0, &o, &few, errbuf, sizeof(errbuf));
    size_t h2[10] = {0};
    for (size_t i = 0; st == CLGAN_STATUS_OK && i < few.count; i++)
        h2[few.labels[i]]++;
    ok = st == CLGAN_STATUS_OK && few.count == 100;
    for (int c = 0; ok && c < 10; c++)
        ok = h2[c] == 10;
    /* image 0 is kept (it is the first of its class) */
    ok = ok && !memcmp(few.pixels, ds.pixels, 784) && few.labels[0] == ds.labels[0];
    th_expect(ok, "fashion_mnist_per_class", NULL, "%s count %zu", st ? errbuf : "", few.count);
    clgan_data_free(&few);
    /* images are dark backgrounds: the border pixels are mostly 0, the mean is low */
    double sum = 0;
    for (size_t i = 0; i < ds.count * 784; i++)
        sum += ds.pixels[i];
    double mean = sum / (ds.count * 784.0);
    th_expect(mean > 60 && mean < 80, "fashion_mnist_mean", NULL, "mean pixel %.3f", mean);
    clgan_data_free(&ds);
}

/* ---------------------------------------------------------------- folders and resizing */

static void test_resize(void)
{
    char name[64];
    /* area: 3 -> 2 on [0, 90, 180] covers [0, 1.5) and [1.5, 3) */
    uint8_t src[9] = {0, 90, 180, 0, 90, 180, 0, 90, 180}, dst[16];
    clgan_status st = clgan_data_crop_resize(src, 1, 3, 3, dst, 2, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_OK && dst[0] == 30 && dst[1] == 150 && dst[2] == 30 &&
                  dst[3] == 150,
              "resize_area_3to2", NULL, "got %u %u %u %u", dst[0], dst[1], dst[2], dst[3]);
    /* bilinear: 2 -> 4 on [0, 100] gives 0, 25, 75, 100 (edges clamped) */
    uint8_t s2[4] = {0, 100, 0, 100};
    st = clgan_data_crop_resize(s2, 1, 2, 2, dst, 4, errbuf, sizeof(errbuf));
    int ok = st == CLGAN_STATUS_OK;
    for (int y = 0; ok && y < 4; y++)
        ok = dst[y * 4] == 0 && dst[y * 4 + 1] == 25 && dst[y * 4 + 2] == 75 &&
             dst[y * 4 + 3] == 100;
    th_expect(ok, "resize_bilinear_2to4", NULL, "row %u %u %u %u", dst[0], dst[1], dst[2], dst[3]);
    /* centre crop of 2 x 6 (h x w): the middle 2 columns, then identity */
    uint8_t s3[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    st = clgan_data_crop_resize(s3, 1, 2, 6, dst, 2, errbuf, sizeof(errbuf));
    snprintf(name, sizeof(name), "resize_centre_crop");
    th_expect(st == CLGAN_STATUS_OK && dst[0] == 3 && dst[1] == 4 && dst[2] == 9 && dst[3] == 10,
              name, NULL, "got %u %u %u %u", dst[0], dst[1], dst[2], dst[3]);
}

static void test_folder(void)
{
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s", tpath("imgs"));
    mkdir(dir, 0755);
    /* b_orange.png: 6x6 RGB of (200, 100, 50); gray is stb's luma (77R+150G+29B)>>8 = 124 */
    unsigned char rgb[6 * 6 * 3];
    for (int i = 0; i < 36; i++) {
        rgb[3 * i] = 200;
        rgb[3 * i + 1] = 100;
        rgb[3 * i + 2] = 50;
    }
    stbi_write_png(tpath("imgs/b_orange.png"), 6, 6, 3, rgb, 6 * 3);
    /* a_stripe.bmp: 4 high x 12 wide gray; the centre 4x4 is 255, the sides 0 */
    unsigned char g[4 * 12];
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 12; x++)
            g[y * 12 + x] = x >= 4 && x < 8 ? 255 : 0;
    stbi_write_bmp(tpath("imgs/a_stripe.bmp"), 12, 4, 1, g);
    /* c_gray.JPG: a flat gray JPEG (upper-case extension) */
    unsigned char flat[16 * 16];
    memset(flat, 77, sizeof(flat));
    stbi_write_jpg(tpath("imgs/c_gray.JPG"), 16, 16, 1, flat, 95);
    write_text(tpath("imgs/notes.txt"), "not an image");
    write_text(tpath("imgs/.hidden.png"), "skipped: starts with a dot");
    mkdir(tpath("imgs/sub.png"), 0755);

    char spec[1100];
    snprintf(spec, sizeof(spec), "folder:%s", dir);
    struct clgan_dataset ds = {0};
    clgan_status st = clgan_data_load(spec, 1, 2, &ds, errbuf, sizeof(errbuf));
    int ok = st == CLGAN_STATUS_OK && ds.count == 3 && ds.channels == 1 && ds.height == 2 &&
             ds.width == 2 && !ds.labels;
    th_expect(ok, "folder_gray_count", NULL, "%s count=%zu", st ? errbuf : "", ds.count);
    if (ok) {
        /* sorted by name: a_stripe, b_orange, c_gray */
        int a = 1, b = 1, c = 1;
        for (int i = 0; i < 4; i++) {
            a = a && ds.pixels[i] == 255;
            b = b && ds.pixels[4 + i] == 124;
            c = c && abs((int)ds.pixels[8 + i] - 77) <= 1; /* JPEG may be off by one */
        }
        th_expect(a, "folder_centre_crop", NULL, "stripe centre %u", ds.pixels[0]);
        th_expect(b, "folder_luma", NULL, "orange gray %u (want 124)", ds.pixels[4]);
        th_expect(c, "folder_jpeg", NULL, "jpeg gray %u (want 77)", ds.pixels[8]);
    }
    clgan_data_free(&ds);

    st = clgan_data_load(spec, 3, 3, &ds, errbuf, sizeof(errbuf));
    ok = st == CLGAN_STATUS_OK && ds.count == 3 && ds.channels == 3 && ds.height == 3;
    if (ok) {
        const uint8_t *o = ds.pixels + 27; /* second image, planes of 9 */
        for (int i = 0; i < 9; i++)
            ok = ok && o[i] == 200 && o[9 + i] == 100 && o[18 + i] == 50;
    }
    th_expect(ok, "folder_rgb_planar", NULL, "%s", st ? errbuf : "");
    clgan_data_free(&ds);

    /* an undecodable image is named */
    write_text(tpath("imgs/d_broken.png"), "this is not a PNG file");
    st = clgan_data_load(spec, 1, 2, &ds, errbuf, sizeof(errbuf));
    expect_fail("folder_broken_image", st, CLGAN_STATUS_CORRUPT_FILE, "d_broken.png",
                "cannot decode");

    mkdir(tpath("noimgs"), 0755);
    write_text(tpath("noimgs/readme.txt"), "nothing");
    snprintf(spec, sizeof(spec), "folder:%s", tpath("noimgs"));
    st = clgan_data_load(spec, 1, 2, &ds, errbuf, sizeof(errbuf));
    expect_fail("folder_empty", st, CLGAN_STATUS_INVALID_ARGUMENT, "noimgs", "no PNG");
    snprintf(spec, sizeof(spec), "folder:%s", tpath("absent"));
    st = clgan_data_load(spec, 1, 2, &ds, errbuf, sizeof(errbuf));
    expect_fail("folder_missing", st, CLGAN_STATUS_IO, "absent", "cannot open folder");
    snprintf(spec, sizeof(spec), "folder:%s", dir);
    st = clgan_data_load(spec, 1, 0, &ds, errbuf, sizeof(errbuf));
    expect_fail("folder_bad_size", st, CLGAN_STATUS_INVALID_ARGUMENT, "size", NULL);
}

/* ---------------------------------------------------------------- labelled data */

/* idx:FILE with an IDX labels file; mnist:DIR with the unprefixed names of an export */
static void test_labels(void)
{
    mkdir(tpath("lab"), 0755);
    unsigned char px[5 * 2 * 2], file[256];
    for (size_t i = 0; i < sizeof(px); i++)
        px[i] = (unsigned char)(i * 3 + 1);
    const uint32_t dims[3] = {5, 2, 2}, ldims[1] = {5}, lshort[1] = {4};
    unsigned char lab[5] = {1, 0, 3, 1, 0};
    size_t n = make_idx(file, 0x803, 3, dims, px, sizeof(px));
    write_bytes(tpath("lab/img.idx"), file, n);
    n = make_idx(file, 0x801, 1, ldims, lab, sizeof(lab));
    write_gz(tpath("lab/lab.idx.gz"), file, n);
    n = make_idx(file, 0x801, 1, lshort, lab, 4);
    write_bytes(tpath("lab/short.idx"), file, n);

    char spec[1100];
    snprintf(spec, sizeof(spec), "idx:%s", tpath("lab/img.idx"));
    struct clgan_dataset ds = {0};
    struct clgan_data_options o = {.labels = tpath("lab/lab.idx.gz")};
    clgan_status st = clgan_data_load_opts(spec, 1, 0, &o, &ds, errbuf, sizeof(errbuf));
    int ok = st == CLGAN_STATUS_OK && ds.count == 5 && ds.labels && !memcmp(ds.labels, lab, 5) &&
             ds.n_classes == 4 && ds.class_names && !strcmp(ds.class_names[0], "0") &&
             !strcmp(ds.class_names[3], "3");
    th_expect(ok, "labels_idx_file", NULL, "%s classes %d", st ? errbuf : "", ds.n_classes);
    clgan_data_free(&ds);

    /* 3 channels keep the labels */
    st = clgan_data_load_opts(spec, 3, 0, &o, &ds, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_OK && ds.channels == 3 && ds.labels && ds.labels[2] == 3,
              "labels_idx_rgb", NULL, "%s", st ? errbuf : "");
    clgan_data_free(&ds);

    o.labels = tpath("lab/short.idx");
    st = clgan_data_load_opts(spec, 1, 0, &o, &ds, errbuf, sizeof(errbuf));
    expect_fail("labels_count_mismatch", st, CLGAN_STATUS_CORRUPT_FILE, "short.idx: 4 labels",
                "has 5 images");
    th_expect(!ds.pixels && !ds.labels && !ds.count, "labels_mismatch_frees", NULL, "count %zu",
              ds.count);
    o.labels = tpath("lab/img.idx"); /* an image file where labels belong */
    st = clgan_data_load_opts(spec, 1, 0, &o, &ds, errbuf, sizeof(errbuf));
    expect_fail("labels_not_a_label_file", st, CLGAN_STATUS_CORRUPT_FILE, "img.idx",
                "IDX label file");
    o.labels = tpath("lab/absent.idx");
    st = clgan_data_load_opts(spec, 1, 0, &o, &ds, errbuf, sizeof(errbuf));
    expect_fail("labels_missing_file", st, CLGAN_STATUS_IO, "absent.idx", NULL);
    o.labels = tpath("lab/lab.idx.gz");
    snprintf(spec, sizeof(spec), "mnist:%s", tpath("lab"));
    st = clgan_data_load_opts(spec, 1, 0, &o, &ds, errbuf, sizeof(errbuf));
    expect_fail("labels_only_for_idx", st, CLGAN_STATUS_INVALID_ARGUMENT, "--labels",
                "idx:FILE data only");

    /* an exported set: images-idx3-ubyte.gz and labels-idx1-ubyte.gz */
    n = make_idx(file, 0x803, 3, dims, px, sizeof(px));
    write_gz(tpath("lab/images-idx3-ubyte.gz"), file, n);
    n = make_idx(file, 0x801, 1, ldims, lab, sizeof(lab));
    write_gz(tpath("lab/labels-idx1-ubyte.gz"), file, n);
    st = clgan_data_load(spec, 1, 0, &ds, errbuf, sizeof(errbuf));
    ok = st == CLGAN_STATUS_OK && ds.count == 5 && ds.labels && !memcmp(ds.labels, lab, 5) &&
         !memcmp(ds.pixels, px, sizeof(px)) && ds.class_names && !strcmp(ds.class_names[1], "1");
    th_expect(ok, "labels_mnist_export_names", NULL, "%s", st ? errbuf : "");
    clgan_data_free(&ds);
}

/* --per-class and --max-images */
static void test_per_class(void)
{
    mkdir(tpath("pc"), 0755);
    enum { N = 7 };
    unsigned char px[N * 2 * 2], file[256];
    for (size_t i = 0; i < sizeof(px); i++)
        px[i] = (unsigned char)(i / 4 * 10 + i % 4); /* image i: 10i .. 10i+3 */
    const uint32_t dims[3] = {N, 2, 2}, ldims[1] = {N};
    unsigned char lab[N] = {2, 0, 2, 1, 0, 2, 1};
    size_t n = make_idx(file, 0x803, 3, dims, px, sizeof(px));
    write_bytes(tpath("pc/train-images-idx3-ubyte"), file, n);
    n = make_idx(file, 0x801, 1, ldims, lab, sizeof(lab));
    write_bytes(tpath("pc/train-labels-idx1-ubyte"), file, n);
    char spec[1100];
    snprintf(spec, sizeof(spec), "mnist:%s", tpath("pc"));

    struct clgan_dataset ds = {0};
    struct clgan_data_options o = {.per_class = 2};
    clgan_status st = clgan_data_load_opts(spec, 1, 0, &o, &ds, errbuf, sizeof(errbuf));
    /* kept: images 0 (2), 1 (0), 2 (2), 3 (1), 4 (0), 6 (1); image 5 is the third of class 2 */
    static const int keep[6] = {0, 1, 2, 3, 4, 6};
    int ok = st == CLGAN_STATUS_OK && ds.count == 6 && ds.n_classes == 3;
    for (int i = 0; ok && i < 6; i++)
        ok = ds.labels[i] == lab[keep[i]] && !memcmp(ds.pixels + 4 * i, px + 4 * keep[i], 4);
    th_expect(ok, "per_class_first_n_in_order", NULL, "%s count %zu", st ? errbuf : "", ds.count);
    clgan_data_free(&ds);

    o.per_class = 3;
    st = clgan_data_load_opts(spec, 1, 0, &o, &ds, errbuf, sizeof(errbuf));
    expect_fail("per_class_too_many", st, CLGAN_STATUS_INVALID_ARGUMENT,
                "--per-class 3, but class 0 has only 2 images", spec);
    /* max_images first: of the first 4 images class 0 has one */
    o.per_class = 2;
    o.max_images = 4;
    st = clgan_data_load_opts(spec, 1, 0, &o, &ds, errbuf, sizeof(errbuf));
    expect_fail("per_class_after_max_images", st, CLGAN_STATUS_INVALID_ARGUMENT,
                "--per-class 2, but class 0 has only 1 image", NULL);
    o.per_class = 1;
    st = clgan_data_load_opts(spec, 1, 0, &o, &ds, errbuf, sizeof(errbuf));
    ok = st == CLGAN_STATUS_OK && ds.count == 3 && ds.labels[0] == 2 && ds.labels[1] == 0 &&
         ds.labels[2] == 1 && ds.pixels[8] == 30;
    th_expect(ok, "per_class_with_max_images", NULL, "%s count %zu", st ? errbuf : "", ds.count);
    clgan_data_free(&ds);

    o.max_images = 0;
    snprintf(spec, sizeof(spec), "idx:%s", tpath("pc/train-images-idx3-ubyte"));
    st = clgan_data_load_opts(spec, 1, 0, &o, &ds, errbuf, sizeof(errbuf));
    expect_fail("per_class_unlabelled", st, CLGAN_STATUS_INVALID_ARGUMENT, "has no labels",
                "--per-class");
}

/* The test split (t10k-*), the labels file beside an idx:FILE, class names for k classes */
static void test_splits(void)
{
    mkdir(tpath("sp"), 0755);
    unsigned char px[3 * 2 * 2], tpx[2 * 2 * 2], file[256];
    for (size_t i = 0; i < sizeof(px); i++)
        px[i] = (unsigned char)(i + 1);
    for (size_t i = 0; i < sizeof(tpx); i++)
        tpx[i] = (unsigned char)(200 + i);
    const uint32_t dims[3] = {3, 2, 2}, tdims[3] = {2, 2, 2}, ldims[1] = {3}, tldims[1] = {2};
    unsigned char lab[3] = {0, 1, 2}, tlab[2] = {4, 1};
    size_t n = make_idx(file, 0x803, 3, dims, px, sizeof(px));
    write_bytes(tpath("sp/train-images-idx3-ubyte"), file, n);
    n = make_idx(file, 0x801, 1, ldims, lab, sizeof(lab));
    write_bytes(tpath("sp/train-labels-idx1-ubyte"), file, n);
    char spec[1100], other[1100];
    snprintf(spec, sizeof(spec), "mnist:%s", tpath("sp"));
    struct clgan_dataset ds = {0};

    th_expect(!clgan_data_has_test(spec), "split_none_yet", NULL, "%s", spec);
    clgan_status st = clgan_data_load_test(spec, 1, NULL, &ds, errbuf, sizeof(errbuf));
    expect_fail("split_test_missing", st, CLGAN_STATUS_IO, "t10k-images-idx3-ubyte[.gz] not found",
                spec);
    th_expect(!ds.pixels && !ds.count, "split_test_missing_empty", NULL, "count %zu", ds.count);

    n = make_idx(file, 0x803, 3, tdims, tpx, sizeof(tpx));
    write_gz(tpath("sp/t10k-images-idx3-ubyte.gz"), file, n);
    n = make_idx(file, 0x801, 1, tldims, tlab, sizeof(tlab));
    write_gz(tpath("sp/t10k-labels-idx1-ubyte.gz"), file, n);
    th_expect(clgan_data_has_test(spec), "split_has_test", NULL, "%s", spec);
    struct clgan_data_options o = {.max_images = 1};
    st = clgan_data_load_test(spec, 3, &o, &ds, errbuf, sizeof(errbuf));
    int ok = st == CLGAN_STATUS_OK && ds.count == 1 && ds.channels == 3 && ds.n_classes == 5 &&
             ds.labels[0] == 4 && ds.pixels[0] == 200 && ds.pixels[4] == 200 && ds.class_names &&
             !strcmp(ds.class_names[4], "4");
    th_expect(ok, "split_test_read", NULL, "%s count %zu classes %d", st ? errbuf : "", ds.count,
              ds.n_classes);
    clgan_data_free(&ds);
    /* the training split is unchanged by the test files beside it */
    st = clgan_data_load(spec, 1, 0, &ds, errbuf, sizeof(errbuf));
    ok = st == CLGAN_STATUS_OK && ds.count == 3 && ds.pixels[0] == 1 && ds.n_classes == 3;
    th_expect(ok, "split_train_read", NULL, "%s count %zu", st ? errbuf : "", ds.count);

    /* k names from a set of fewer classes: its own, then numbers */
    free(ds.class_names[1]);
    ds.class_names[1] = strdup("one");
    char **names = NULL;
    st = clgan_data_copy_names(&ds, 5, &names, errbuf, sizeof(errbuf));
    ok = st == CLGAN_STATUS_OK && names && !strcmp(names[0], "0") && !strcmp(names[1], "one") &&
         !strcmp(names[4], "4");
    th_expect(ok, "copy_names_padded", NULL, "%s", names ? names[1] : errbuf);
    clgan_data_free_names(names, 5);
    clgan_data_free(&ds);

    snprintf(other, sizeof(other), "idx:%s", tpath("sp/train-images-idx3-ubyte"));
    th_expect(!clgan_data_has_test(other) && !clgan_data_has_test("folder:/x"),
              "split_only_idx_folders", NULL, "%s", other);
    st = clgan_data_load_test(other, 1, NULL, &ds, errbuf, sizeof(errbuf));
    expect_fail("split_idx_has_none", st, CLGAN_STATUS_INVALID_ARGUMENT, "has no test files",
                other);
    st = clgan_data_load_test("nonsense", 1, NULL, &ds, errbuf, sizeof(errbuf));
    expect_fail("split_bad_spec", st, CLGAN_STATUS_INVALID_ARGUMENT, "'nonsense'", NULL);

    char lab_path[1200];
    ok = clgan_data_idx_labels_beside(tpath("sp/t10k-images-idx3-ubyte.gz"), lab_path,
                                      sizeof(lab_path)) &&
         !strcmp(lab_path, tpath("sp/t10k-labels-idx1-ubyte.gz"));
    th_expect(ok, "labels_beside", NULL, "%s", lab_path);
    th_expect(!clgan_data_idx_labels_beside(tpath("sp/train-images-idx3-ubyte.gz"), lab_path,
                                            sizeof(lab_path)) &&
                  !clgan_data_idx_labels_beside(tpath("sp/x.idx"), lab_path, sizeof(lab_path)),
              "labels_beside_absent", NULL, "%s", lab_path);
}

/* folder:DIR of class folders */
static void test_class_folders(void)
{
    unsigned char g[4 * 4];
    mkdir(tpath("cls"), 0755);
    mkdir(tpath("cls/b_dog"), 0755);
    mkdir(tpath("cls/a_cat"), 0755);
    mkdir(tpath("cls/.cache"), 0755); /* hidden: not a class */
    write_text(tpath("cls/README.txt"), "not an image: the folder stays a set of class folders");
    memset(g, 10, sizeof(g));
    stbi_write_png(tpath("cls/b_dog/2.png"), 4, 4, 1, g, 4);
    memset(g, 20, sizeof(g));
    stbi_write_png(tpath("cls/b_dog/1.png"), 4, 4, 1, g, 4);
    memset(g, 30, sizeof(g));
    stbi_write_png(tpath("cls/a_cat/x.png"), 4, 4, 1, g, 4);
    mkdir(tpath("cls/a_cat/nested"), 0755); /* not read: class folders are not recursive */
    stbi_write_png(tpath("cls/a_cat/nested/y.png"), 4, 4, 1, g, 4);

    char spec[1100];
    snprintf(spec, sizeof(spec), "folder:%s", tpath("cls"));
    struct clgan_dataset ds = {0};
    clgan_status st = clgan_data_load(spec, 1, 4, &ds, errbuf, sizeof(errbuf));
    int ok = st == CLGAN_STATUS_OK && ds.count == 3 && ds.n_classes == 2 && ds.labels &&
             ds.class_names && !strcmp(ds.class_names[0], "a_cat") &&
             !strcmp(ds.class_names[1], "b_dog");
    /* class order, then name order in each: a_cat/x (30), b_dog/1 (20), b_dog/2 (10) */
    ok = ok && ds.labels[0] == 0 && ds.labels[1] == 1 && ds.labels[2] == 1 && ds.pixels[0] == 30 &&
         ds.pixels[16] == 20 && ds.pixels[32] == 10;
    th_expect(ok, "class_folders_labels", NULL, "%s count %zu classes %d", st ? errbuf : "",
              ds.count, ds.n_classes);
    clgan_data_free(&ds);

    struct clgan_data_options o = {.per_class = 1};
    st = clgan_data_load_opts(spec, 3, 4, &o, &ds, errbuf, sizeof(errbuf));
    ok = st == CLGAN_STATUS_OK && ds.count == 2 && ds.channels == 3 && ds.labels[1] == 1 &&
         ds.pixels[48] == 20;
    th_expect(ok, "class_folders_per_class_rgb", NULL, "%s count %zu", st ? errbuf : "", ds.count);
    clgan_data_free(&ds);
    o.per_class = 2;
    st = clgan_data_load_opts(spec, 1, 4, &o, &ds, errbuf, sizeof(errbuf));
    expect_fail("class_folders_per_class_too_many", st, CLGAN_STATUS_INVALID_ARGUMENT,
                "class 0 (a_cat) has only 1 image", "--per-class 2");

    /* an empty class folder is named */
    mkdir(tpath("cls/c_empty"), 0755);
    write_text(tpath("cls/c_empty/notes.txt"), "no images");
    st = clgan_data_load(spec, 1, 4, &ds, errbuf, sizeof(errbuf));
    expect_fail("class_folders_empty_class", st, CLGAN_STATUS_INVALID_ARGUMENT,
                "class folder 'c_empty'", "no PNG");
    th_expect(!ds.pixels && !ds.labels && !ds.class_names, "class_folders_error_frees", NULL,
              "count %zu", ds.count);

    /* a folder with images of its own stays flat and unlabelled (its subfolders ignored) */
    stbi_write_png(tpath("cls/top.png"), 4, 4, 1, g, 4);
    st = clgan_data_load(spec, 1, 4, &ds, errbuf, sizeof(errbuf));
    th_expect(st == CLGAN_STATUS_OK && ds.count == 1 && !ds.labels && !ds.class_names,
              "class_folders_flat_wins", NULL, "%s count %zu", st ? errbuf : "", ds.count);
    clgan_data_free(&ds);
}

/* clgan_idx_write_gz: read back by the reader, the same bytes twice, bad arguments */
static void test_idx_write(void)
{
    unsigned char px[3 * 5 * 4], lab[3] = {7, 0, 255};
    for (size_t i = 0; i < sizeof(px); i++)
        px[i] = (unsigned char)(i * 53 + 7);
    const uint32_t dims[3] = {3, 5, 4};
    char msg[512];
    clgan_status st = clgan_idx_write_gz(tpath("w-images.gz"), px, dims, 3, msg, sizeof(msg));
    if (st == CLGAN_STATUS_OK)
        st = clgan_idx_write_gz(tpath("w-labels.gz"), lab, dims, 1, msg, sizeof(msg));
    struct clgan_dataset ds = {0};
    uint8_t *l = NULL;
    size_t nl = 0;
    if (st == CLGAN_STATUS_OK)
        st = clgan_data_idx_read_images(tpath("w-images.gz"), &ds, msg, sizeof(msg));
    if (st == CLGAN_STATUS_OK)
        st = clgan_data_idx_read_labels(tpath("w-labels.gz"), &l, &nl, msg, sizeof(msg));
    int ok = st == CLGAN_STATUS_OK && ds.count == 3 && ds.height == 5 && ds.width == 4 &&
             !memcmp(ds.pixels, px, sizeof(px)) && nl == 3 && !memcmp(l, lab, 3);
    th_expect(ok, "idx_write_round_trip", NULL, "%s", st ? msg : "");
    clgan_data_free(&ds);
    free(l);

    /* gzip magic, then the same bytes for the same data */
    unsigned char a[4096], b[4096];
    size_t na = read_back(tpath("w-images.gz"), a, sizeof(a));
    st = clgan_idx_write_gz(tpath("w-again.gz"), px, dims, 3, msg, sizeof(msg));
    size_t nb = read_back(tpath("w-again.gz"), b, sizeof(b));
    th_expect(st == CLGAN_STATUS_OK && na > 10 && na == nb && !memcmp(a, b, na) && a[0] == 0x1f &&
                  a[1] == 0x8b,
              "idx_write_reproducible", NULL, "%zu and %zu bytes", na, nb);

    const uint32_t zero[3] = {3, 0, 4};
    st = clgan_idx_write_gz(tpath("w-bad.gz"), px, zero, 3, msg, sizeof(msg));
    th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT && strstr(msg, "dimension 2 of 3 is 0"),
              "idx_write_zero_dim", NULL, "%s", msg);
    st = clgan_idx_write_gz(tpath("w-bad.gz"), px, dims, 5, msg, sizeof(msg));
    th_expect(st == CLGAN_STATUS_INVALID_ARGUMENT && strstr(msg, "1 to 4 dimensions"),
              "idx_write_bad_ndim", NULL, "%s", msg);
    st = clgan_idx_write_gz(tpath("nodir/w.gz"), px, dims, 3, msg, sizeof(msg));
    th_expect(st == CLGAN_STATUS_IO && strstr(msg, "nodir/w.gz"), "idx_write_unwritable", NULL,
              "%s", msg);
}

/* ---------------------------------------------------------------- shuffle */

static void test_shuffle(void)
{
    uint64_t s = 0;
    uint64_t a = clgan_data_rng_next(&s), b = clgan_data_rng_next(&s);
    th_expect(a == 0xe220a8397b1dcdafull && b == 0x6e789e6aa1b965f4ull, "rng_splitmix64_vector",
              NULL, "%016llx %016llx", (unsigned long long)a, (unsigned long long)b);

    enum { N = 1000 };
    static int32_t p1[N], p2[N], p3[N];
    uint64_t s1 = 42, s2 = 42, s3 = 43;
    clgan_data_shuffle(p1, N, &s1, errbuf, sizeof(errbuf));
    clgan_data_shuffle(p2, N, &s2, errbuf, sizeof(errbuf));
    clgan_data_shuffle(p3, N, &s3, errbuf, sizeof(errbuf));
    static char seen[N];
    int ok = 1, fixed = 0;
    for (int i = 0; i < N; i++) {
        ok = ok && p1[i] >= 0 && p1[i] < N && !seen[p1[i]];
        if (ok)
            seen[p1[i]] = 1;
        fixed += p1[i] == i;
    }
    th_expect(ok && fixed < 10, "shuffle_is_permutation", NULL, "%d fixed points", fixed);
    th_expect(!memcmp(p1, p2, sizeof(p1)) && memcmp(p1, p3, sizeof(p1)), "shuffle_seeded", NULL,
              "same seed same order, other seed other order");
    clgan_data_shuffle(p2, N, &s2, errbuf, sizeof(errbuf));
    th_expect(memcmp(p1, p2, sizeof(p1)) != 0 && s1 != 42, "shuffle_state_advances", NULL,
              "next epoch differs");

    /* each of the 6 orders of 3 items about equally often (fixed seed: not flaky) */
    int count[6] = {0};
    uint64_t st = 7;
    for (int t = 0; t < 60000; t++) {
        int32_t q[3];
        clgan_data_shuffle(q, 3, &st, errbuf, sizeof(errbuf));
        count[q[0] * 2 + (q[1] > q[2])]++;
    }
    ok = 1;
    for (int k = 0; k < 6; k++)
        ok = ok && abs(count[k] - 10000) < 400; /* 4 sigma of a binomial(60000, 1/6) */
    th_expect(ok, "shuffle_uniform_3", NULL, "%d %d %d %d %d %d", count[0], count[1], count[2],
              count[3], count[4], count[5]);
    int32_t one[1];
    clgan_status r = clgan_data_shuffle(one, 1, &st, errbuf, sizeof(errbuf));
    th_expect(r == CLGAN_STATUS_OK && one[0] == 0 &&
                  clgan_data_shuffle(NULL, 0, &st, errbuf, sizeof(errbuf)) == CLGAN_STATUS_OK,
              "shuffle_tiny", NULL, "n=1 and n=0");
}

/* ---------------------------------------------------------------- CSV */

static void test_iris(void)
{
    struct clgan_table t = {0};
    clgan_status st = clgan_data_csv_read("data/iris.csv", NULL, &t, errbuf, sizeof(errbuf));
    if (!th_expect(st == CLGAN_STATUS_OK, "csv_iris_read", NULL, "%s", st ? errbuf : ""))
        return;
    int ok = t.n == 150 && t.d == 4 && t.n_classes == 3 && !strcmp(t.class_names[0], "setosa") &&
             !strcmp(t.class_names[1], "versicolor") && !strcmp(t.class_names[2], "virginica") &&
             !strcmp(t.class_column, "species") && !strcmp(t.feature_names[0], "sepal_length") &&
             !strcmp(t.feature_names[3], "petal_width");
    th_expect(ok, "csv_iris_shape", NULL, "n=%zu d=%zu classes=%d", t.n, t.d, t.n_classes);
    int hist[3] = {0};
    for (size_t i = 0; i < t.n; i++)
        if (t.y[i] >= 0 && t.y[i] < 3)
            hist[t.y[i]]++;
    th_expect(hist[0] == 50 && hist[1] == 50 && hist[2] == 50, "csv_iris_classes", NULL, "%d %d %d",
              hist[0], hist[1], hist[2]);
    th_expect(t.x[0] == 5.1 && t.x[1] == 3.5 && t.x[2] == 1.4 && t.x[3] == 0.2 && t.y[0] == 0 &&
                  t.y[149] == 2,
              "csv_iris_values", NULL, "first row %g %g %g %g", t.x[0], t.x[1], t.x[2], t.x[3]);
    clgan_data_table_free(&t);

    /* another column as the class: species becomes a feature, and is not numeric */
    st = clgan_data_csv_read("data/iris.csv", "petal_width", &t, errbuf, sizeof(errbuf));
    expect_fail("csv_iris_other_class", st, CLGAN_STATUS_CORRUPT_FILE,
                "iris.csv:2:", "column 5 (species): 'setosa' is not a finite number");
    clgan_data_table_free(&t);
}

/* Read text as CSV; returns the status, the table in *t. */
static clgan_status csv_of(const char *name, const char *text, const char *cls,
                           struct clgan_table *t)
{
    write_text(tpath(name), text);
    return clgan_data_csv_read(tpath(name), cls, t, errbuf, sizeof(errbuf));
}

static void test_csv_forms(void)
{
    struct clgan_table t = {0};
    /* numeric labels sort numerically: 2 < 9 < 10 */
    clgan_status st = csv_of("num.csv", "a,label\n1,10\n2,9\n3,2\n4,10\n", NULL, &t);
    int ok = st == CLGAN_STATUS_OK && t.n_classes == 3 && !strcmp(t.class_names[0], "2") &&
             !strcmp(t.class_names[1], "9") && !strcmp(t.class_names[2], "10") && t.y[0] == 2 &&
             t.y[1] == 1 && t.y[2] == 0 && t.y[3] == 2;
    th_expect(ok, "csv_numeric_labels", NULL, "%s", st ? errbuf : "");
    clgan_data_table_free(&t);
    /* a mix of numbers and words sorts as strings: "10" < "2" < "b" */
    st = csv_of("mix.csv", "a,label\n1,b\n2,2\n3,10\n", NULL, &t);
    ok = st == CLGAN_STATUS_OK && t.n_classes == 3 && !strcmp(t.class_names[0], "10") &&
         !strcmp(t.class_names[1], "2") && !strcmp(t.class_names[2], "b");
    th_expect(ok, "csv_string_labels", NULL, "%s", st ? errbuf : "");
    clgan_data_table_free(&t);
    /* BOM, CRLF, spaces, quotes (with a comma and an escaped quote), blank lines, class first */
    st = csv_of("forms.csv",
                "\xEF\xBB\xBF"
                "kind , \"x\",y\r\n"
                "\r\n"
                " \"a, \"\"quoted\"\"\" , 1.5 ,\" -2 \"\r\n"
                "b,  3e2,4\r\n"
                "   \n",
                "kind", &t);
    ok = st == CLGAN_STATUS_OK && t.n == 2 && t.d == 2 && t.n_classes == 2 &&
         !strcmp(t.class_names[0], "a, \"quoted\"") && !strcmp(t.feature_names[0], "x") &&
         !strcmp(t.class_column, "kind") && t.x[0] == 1.5 && t.x[1] == -2 && t.x[2] == 300 &&
         t.x[3] == 4 && t.y[0] == 0 && t.y[1] == 1;
    th_expect(ok, "csv_quotes_crlf_spaces", NULL, "%s", st ? errbuf : "");
    clgan_data_table_free(&t);
    /* a numeric class column in the middle, chosen by name */
    st = csv_of("mid.csv", "x,grade,z\n1,3,2\n4,1.0,5\n", "grade", &t);
    ok = st == CLGAN_STATUS_OK && t.d == 2 && t.n_classes == 2 &&
         !strcmp(t.class_names[0], "1.0") && !strcmp(t.feature_names[1], "z") && t.x[1] == 2 &&
         t.x[2] == 4 && t.y[0] == 1 && t.y[1] == 0;
    th_expect(ok, "csv_class_by_name", NULL, "%s", st ? errbuf : "");
    clgan_data_table_free(&t);
    /* no newline at the end */
    st = csv_of("noeol.csv", "a,c\n1,x\n2,y", NULL, &t);
    th_expect(st == CLGAN_STATUS_OK && t.n == 2, "csv_no_final_newline", NULL, "%s",
              st ? errbuf : "");
    clgan_data_table_free(&t);
    /* from memory: no NUL after the bytes, and the caller's bytes are left as they were */
    const char text[] = "a,c\n1,x\n2,\"y\"";
    char copy[sizeof(text)];
    memcpy(copy, text, sizeof(text));
    st = clgan_data_csv_read_mem(copy, sizeof(text) - 1, "mem.csv", NULL, &t, errbuf,
                                 sizeof(errbuf));
    ok = st == CLGAN_STATUS_OK && t.n == 2 && !strcmp(t.class_names[1], "y") &&
         !memcmp(copy, text, sizeof(text));
    th_expect(ok, "csv_mem", NULL, "%s", st ? errbuf : "");
    clgan_data_table_free(&t);
    st = clgan_data_csv_read_mem(text, 4, NULL, NULL, &t, errbuf, sizeof(errbuf));
    expect_fail("csv_mem_bad", st, CLGAN_STATUS_CORRUPT_FILE, "(memory)", "no data rows");
}

static void test_csv_errors(void)
{
    struct clgan_table t = {0};
    struct {
        const char *name, *text, *cls;
        clgan_status want;
        const char *n1, *n2;
    } cases[] = {
        {"missing", "a,b,c\n1,2,x\n1,,y\n", NULL, CLGAN_STATUS_CORRUPT_FILE,
         "missing.csv:3:", "column 2 (b): empty cell"},
        {"nonnum", "a,b,c\n1,2,x\n1,abc,y\n", NULL, CLGAN_STATUS_CORRUPT_FILE,
         "nonnum.csv:3:", "column 2 (b): 'abc' is not a finite number"},
        {"nan", "a,b,c\n1,nan,x\n1,2,y\n", NULL, CLGAN_STATUS_CORRUPT_FILE, "nan.csv:2:", "'nan'"},
        {"ragged", "a,b,c\n1,2,x\n1,2\n", NULL, CLGAN_STATUS_CORRUPT_FILE,
         "ragged.csv:3:", "2 fields, but the header has 3"},
        {"ragged2", "a,b,c\n1,2,x,4\n", NULL, CLGAN_STATUS_CORRUPT_FILE,
         "ragged2.csv:2:", "4 fields"},
        {"empty", "", NULL, CLGAN_STATUS_CORRUPT_FILE, "empty.csv", "empty file"},
        {"blank", "\n  \n", NULL, CLGAN_STATUS_CORRUPT_FILE, "blank.csv", "empty file"},
        {"header", "a,b,c\n", NULL, CLGAN_STATUS_CORRUPT_FILE, "header.csv", "no data rows"},
        {"single", "a,b,c\n1,2,x\n3,4,x\n", NULL, CLGAN_STATUS_CORRUPT_FILE, "single.csv",
         "single class 'x'"},
        {"nolabel", "a,b,c\n1,2,x\n3,4,\n", NULL, CLGAN_STATUS_CORRUPT_FILE,
         "nolabel.csv:3:", "column 3 (c): empty class label"},
        {"nocol", "a,b,c\n1,2,x\n3,4,y\n", "species", CLGAN_STATUS_INVALID_ARGUMENT,
         "no class column 'species'", "a, b, c"},
        {"onecol", "c\nx\ny\n", NULL, CLGAN_STATUS_CORRUPT_FILE, "onecol.csv", "no feature"},
        {"quote", "a,b,c\n1,\"2,x\n", NULL, CLGAN_STATUS_CORRUPT_FILE,
         "quote.csv:2:", "unterminated"},
        {"afterquote", "a,b,c\n1,\"2\"x,y\n", NULL, CLGAN_STATUS_CORRUPT_FILE,
         "afterquote.csv:2:", "after a closing quote"},
        {"dup", "a,b,a\n1,2,x\n", NULL, CLGAN_STATUS_CORRUPT_FILE, "dup.csv:1:", "columns 1 and 3"},
        /* the first column that repeats an earlier one, named with that one's first place */
        {"dup2", "a,b,c,b,a,b\n1,2,3,4,5,x\n", NULL, CLGAN_STATUS_CORRUPT_FILE,
         "dup2.csv:1:", "columns 2 and 4 are both named 'b'"},
        {"emptyname", "a,,c\n1,2,x\n", NULL, CLGAN_STATUS_CORRUPT_FILE,
         "emptyname.csv:1:", "empty column name"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char file[64], name[80];
        snprintf(file, sizeof(file), "%s.csv", cases[i].name);
        snprintf(name, sizeof(name), "csv_bad_%s", cases[i].name);
        clgan_status st = csv_of(file, cases[i].text, cases[i].cls, &t);
        expect_fail(name, st, cases[i].want, cases[i].n1, cases[i].n2);
        clgan_data_table_free(&t);
    }
    clgan_status st = clgan_data_csv_read(tpath("none.csv"), NULL, &t, errbuf, sizeof(errbuf));
    expect_fail("csv_missing_file", st, CLGAN_STATUS_IO, "none.csv", "cannot open");
    /* a wide header whose last column repeats one near the start (found by sorting the names) */
    size_t cap = 16 * 5000 + 64, used = 0;
    char *wide = malloc(cap);
    if (!wide) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    for (int i = 0; i < 5000; i++)
        used += (size_t)snprintf(wide + used, cap - used, "c%d,", i);
    used += (size_t)snprintf(wide + used, cap - used, "c7\n");
    st = clgan_data_csv_read_mem(wide, used, "wide.csv", NULL, &t, errbuf, sizeof(errbuf));
    expect_fail("csv_bad_dup_wide", st, CLGAN_STATUS_CORRUPT_FILE,
                "wide.csv:1:", "columns 8 and 5001 are both named 'c7'");
    free(wide);
}

int main(int argc, char **argv)
{
    th_init(argc, argv, 0);
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof(tmpdir), "%s/clgan_test_data_XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    if (th_want("idx"))
        test_idx();
    if (th_want("idx"))
        test_idx_mem();
    if (th_want("spec"))
        test_specs();
    if (th_want("fashion"))
        test_fashion_mnist();
    if (th_want("resize"))
        test_resize();
    if (th_want("folder"))
        test_folder();
    if (th_want("labels"))
        test_labels();
    if (th_want("per_class"))
        test_per_class();
    if (th_want("class_folders"))
        test_class_folders();
    if (th_want("splits"))
        test_splits();
    if (th_want("idx_write"))
        test_idx_write();
    if (th_want("shuffle") || th_want("rng"))
        test_shuffle();
    if (th_want("csv")) {
        test_iris();
        test_csv_forms();
        test_csv_errors();
    }
    remove_tree(tmpdir);
    return th_finish();
}

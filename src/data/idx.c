/*
 * idx.c - IDX reader (plain or gzip) for images and labels (see data.h).
 *
 * Plain files are read with stdio, so the data size is known from fstat before anything is
 * allocated. gzip files are read with zlib's gzread into a buffer that grows as data arrives,
 * so a header that claims gigabytes over a short stream fails as "truncated" instead of
 * allocating what it claims. After the data, one more read confirms the end of the stream; for
 * gzip that read also makes zlib check the CRC of the member.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "data/data.h"
#include "io/file.h"

#define IDX_IMAGES     0x00000803u
#define IDX_LABELS     0x00000801u
#define GZ_FIRST_ALLOC (16u << 20)
#define IDX_MAX_SIDE   16384

struct src {
    const char *path;
    FILE *f;
    gzFile gz;
};

/* Read up to n bytes; returns the count, or -1 with err set on a read or decompression error. */
static long long src_read(struct src *s, void *buf, size_t n, char *err, size_t err_len)
{
    if (!s->gz) {
        size_t got = fread(buf, 1, n, s->f);
        if (got < n && ferror(s->f)) {
            clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: read failed: %s", s->path,
                          strerror(errno));
            return -1;
        }
        return (long long)got;
    }
    size_t total = 0;
    while (total < n) {
        size_t chunk = n - total > (1u << 30) ? (1u << 30) : n - total;
        int got = gzread(s->gz, (char *)buf + total, (unsigned)chunk);
        if (got < 0) {
            int errnum = 0;
            const char *msg = gzerror(s->gz, &errnum);
            /* a stream cut short reads as truncated data, reported by the caller */
            if (errnum == Z_BUF_ERROR)
                break;
            /* zlib prefixes its message with the path, which we print already */
            size_t pl = strlen(s->path);
            if (msg && !strncmp(msg, s->path, pl) && !strncmp(msg + pl, ": ", 2))
                msg += pl + 2;
            clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE, "%s: gzip: %s", s->path,
                          errnum == Z_ERRNO ? strerror(errno) : msg);
            return -1;
        }
        if (got == 0)
            break;
        total += (size_t)got;
    }
    return (long long)total;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static const char *type_name(unsigned t)
{
    switch (t) {
    case 0x08:
        return "unsigned byte";
    case 0x09:
        return "signed byte";
    case 0x0B:
        return "short";
    case 0x0C:
        return "int";
    case 0x0D:
        return "float";
    case 0x0E:
        return "double";
    default:
        return "unknown";
    }
}

/* What the header claims, for messages: "60000 images of 28x28" or "60000 labels". */
static void describe(const uint32_t *dims, int ndim, char *buf, size_t len)
{
    if (ndim == 3)
        snprintf(buf, len, "%u images of %ux%u", dims[0], dims[1], dims[2]);
    else
        snprintf(buf, len, "%u labels", dims[0]);
}

/*
 * Read an IDX file of the given magic: dims (ndim = magic & 0xff entries) and *data (malloc'ed,
 * *nbytes long).
 */
static clgan_status idx_read(const char *path, uint32_t want, uint32_t *dims, uint8_t **data,
                             size_t *nbytes, char *err, size_t err_len)
{
    const int want_ndim = (int)(want & 0xff);
    const char *what = want == IDX_IMAGES ? "image" : "label";
    struct src s = {path, NULL, NULL};
    uint8_t *buf = NULL;
    clgan_status st = CLGAN_STATUS_OK;
    char claim[96];
    *data = NULL;
    *nbytes = 0;

    s.f = fopen(path, "rb");
    if (!s.f)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: cannot open: %s", path,
                             strerror(errno));
    struct stat sb;
    if (fstat(fileno(s.f), &sb) || !S_ISREG(sb.st_mode)) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: not a regular file", path);
        goto out;
    }
    unsigned char head[16];
    size_t n0 = fread(head, 1, 2, s.f);
    int gz = n0 == 2 && head[0] == 0x1f && head[1] == 0x8b;
    if (gz) {
        fclose(s.f);
        s.f = NULL;
        s.gz = gzopen(path, "rb");
        if (!s.gz) {
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_IO, "%s: cannot open: %s", path,
                               errno ? strerror(errno) : "out of memory");
            goto out;
        }
        gzbuffer(s.gz, 1u << 17);
    } else {
        rewind(s.f);
    }
    const char *zip = gz ? " after decompression" : "";

    long long got = src_read(&s, head, 4, err, err_len);
    if (got < 0) {
        st = CLGAN_STATUS_CORRUPT_FILE;
        goto out;
    }
    if (got < 4) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                           "%s: truncated: %lld bytes%s, too short for an IDX header", path, got,
                           zip);
        goto out;
    }
    uint32_t magic = be32(head);
    unsigned type = head[2], ndim = head[3];
    if (head[0] || head[1]) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                           "%s: not an IDX file: magic 0x%08x, expected 0x%08x for an IDX %s file",
                           path, magic, want, what);
        goto out;
    }
    if (type != 0x08) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_UNSUPPORTED,
                           "%s: IDX element type 0x%02x (%s) not supported, only 0x08 (unsigned "
                           "byte)",
                           path, type, type_name(type));
        goto out;
    }
    if ((int)ndim != want_ndim) {
        const char *hint = magic == IDX_LABELS   ? " (an IDX label file)"
                           : magic == IDX_IMAGES ? " (an IDX image file)"
                                                 : "";
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                           "%s: magic 0x%08x%s has %u dimensions, expected 0x%08x (%d dimensions) "
                           "for an IDX %s file",
                           path, magic, hint, ndim, want, want_ndim, what);
        goto out;
    }
    got = src_read(&s, head + 4, 4 * ndim, err, err_len);
    if (got < 0) {
        st = CLGAN_STATUS_CORRUPT_FILE;
        goto out;
    }
    if (got < 4 * ndim) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                           "%s: truncated header: %u dimensions need %u bytes, file has %lld%s",
                           path, ndim, 4 * ndim, got, zip);
        goto out;
    }
    size_t need = 1;
    for (unsigned i = 0; i < ndim; i++) {
        dims[i] = be32(head + 4 + 4 * i);
        if (dims[i] == 0) {
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                               "%s: dimension %u of %u is 0", path, i + 1, ndim);
            goto out;
        }
        if (need > ((size_t)-1) / dims[i]) {
            describe(dims, want_ndim, claim, sizeof(claim));
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                               "%s: header says %s: size overflows", path, claim);
            goto out;
        }
        need *= dims[i];
    }
    describe(dims, want_ndim, claim, sizeof(claim));
    /* the trainer indexes images with int32 and no model takes images this large: refuse from
     * the header, before reading (or allocating for) gigabytes of data */
    if (want == IDX_IMAGES &&
        (dims[0] > INT32_MAX || dims[1] > IDX_MAX_SIDE || dims[2] > IDX_MAX_SIDE)) {
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_UNSUPPORTED,
                           "%s: header says %s: at most %d images of at most %dx%d are supported",
                           path, claim, INT32_MAX, IDX_MAX_SIDE, IDX_MAX_SIDE);
        goto out;
    }
    size_t header = 4 + 4 * (size_t)ndim;

    if (!gz) {
        /* known size: check before allocating */
        uint64_t have = (uint64_t)sb.st_size - header;
        if (have != need) {
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                               "%s: %s: header says %s (%zu bytes) but file has %llu bytes of "
                               "data",
                               path, have < need ? "truncated" : "trailing bytes", claim, need,
                               (unsigned long long)have);
            goto out;
        }
        buf = malloc(need);
        if (!buf) {
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                               "%s: out of memory for %zu bytes (%s)", path, need, claim);
            goto out;
        }
        got = src_read(&s, buf, need, err, err_len);
        if (got < 0) {
            st = CLGAN_STATUS_IO;
            goto out;
        }
        if ((size_t)got != need) {
            /* the file shrank while being read */
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                               "%s: truncated: header says %s (%zu bytes) but only %lld could be "
                               "read",
                               path, claim, need, got);
            goto out;
        }
    } else {
        size_t cap = need < GZ_FIRST_ALLOC ? need : GZ_FIRST_ALLOC, have = 0;
        buf = malloc(cap);
        for (;;) {
            if (!buf) {
                st = clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                                   "%s: out of memory for %zu bytes (%s)", path, cap, claim);
                goto out;
            }
            got = src_read(&s, buf + have, cap - have, err, err_len);
            if (got < 0) {
                st = CLGAN_STATUS_CORRUPT_FILE;
                goto out;
            }
            have += (size_t)got;
            if (have < cap || cap == need)
                break;
            cap = cap > need / 2 ? need : cap * 2;
            uint8_t *nb = realloc(buf, cap);
            if (!nb)
                free(buf);
            buf = nb;
        }
        if (have < need) {
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                               "%s: truncated: header says %s (%zu bytes) but file has %zu bytes "
                               "of data%s",
                               path, claim, need, have, zip);
            goto out;
        }
        /* anything more is trailing data; reading to the end also checks the gzip CRC */
        unsigned long long extra = 0;
        char scratch[4096];
        while ((got = src_read(&s, scratch, sizeof(scratch), err, err_len)) > 0)
            extra += (unsigned long long)got;
        if (got < 0) {
            st = CLGAN_STATUS_CORRUPT_FILE;
            goto out;
        }
        if (extra) {
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                               "%s: trailing bytes: header says %s (%zu bytes) but file has %llu "
                               "bytes of data%s",
                               path, claim, need, (unsigned long long)need + extra, zip);
            goto out;
        }
    }
    *data = buf;
    *nbytes = need;
    buf = NULL;
out:
    free(buf);
    if (s.f)
        fclose(s.f);
    if (s.gz)
        gzclose(s.gz);
    return st;
}

clgan_status clgan_data_idx_read_images(const char *path, struct clgan_dataset *out, char *err,
                                        size_t err_len)
{
    memset(out, 0, sizeof(*out));
    uint32_t dims[3];
    uint8_t *px = NULL;
    size_t n = 0;
    clgan_status st = idx_read(path, IDX_IMAGES, dims, &px, &n, err, err_len);
    if (st != CLGAN_STATUS_OK)
        return st;
    if (dims[1] > INT32_MAX || dims[2] > INT32_MAX) {
        free(px);
        return clgan_io_fail(err, err_len, CLGAN_STATUS_UNSUPPORTED,
                             "%s: images of %ux%u are too large", path, dims[1], dims[2]);
    }
    out->count = dims[0];
    out->channels = 1;
    out->height = (int)dims[1];
    out->width = (int)dims[2];
    out->pixels = px;
    return CLGAN_STATUS_OK;
}

clgan_status clgan_data_idx_read_labels(const char *path, uint8_t **labels, size_t *count,
                                        char *err, size_t err_len)
{
    uint32_t dims[1];
    *labels = NULL;
    *count = 0;
    return idx_read(path, IDX_LABELS, dims, labels, count, err, err_len);
}

/*
 * idx.c - IDX reader (plain or gzip) for images and labels (see data.h).
 *
 * Files are read whole and parsed from memory, so a file and a buffer take the same path. Plain
 * data have a known size, checked against the header before anything is allocated. gzip data
 * are inflated in memory into a buffer that grows as output arrives, so a header that claims
 * gigabytes over a short stream fails as "truncated" instead of allocating what it claims.
 * After the data the rest of the stream is inflated too: that makes zlib check each member's
 * CRC and length, and any output beyond the data is reported as trailing bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "data/data.h"
#include "io/file.h"

#define IDX_IMAGES     0x00000803u
#define IDX_LABELS     0x00000801u
#define GZ_FIRST_ALLOC (64u << 10) /* then doubling: a lying header costs little */

/* The bytes of a file; for gzip, the inflate state over them. */
struct src {
    const char *name;
    const uint8_t *data;
    size_t len, pos; /* plain: read position in data */
    int gz;
    z_stream z;
    int z_live; /* inflateInit2 succeeded */
    int z_end;  /* no more output: the last member ended, or the input did */
    int z_cut;  /* the input ended inside a member */
};

static int is_gzip(const uint8_t *p, size_t n)
{
    return n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

static clgan_status src_open(struct src *s, const char *name, const uint8_t *data, size_t len,
                             char *err, size_t err_len)
{
    memset(s, 0, sizeof(*s));
    s->name = name;
    s->data = data;
    s->len = len;
    s->gz = is_gzip(data, len);
    if (!s->gz)
        return CLGAN_STATUS_OK;
    /* 16 + 15: a gzip wrapper (not zlib, not raw deflate), the largest window */
    if (inflateInit2(&s->z, 16 + MAX_WBITS) != Z_OK)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                             "%s: gzip: out of memory", name);
    s->z_live = 1;
    s->z.next_in = (Bytef *)(uintptr_t)data;
    s->z.avail_in = 0;
    s->pos = 0;
    return CLGAN_STATUS_OK;
}

static void src_close(struct src *s)
{
    if (s->z_live)
        inflateEnd(&s->z);
    s->z_live = 0;
}

/*
 * Read up to n bytes; returns the count (short only at the end of the data), or -1 with err set
 * when the gzip stream is damaged. A stream cut short ends the data (callers report what is
 * missing) and sets z_cut.
 */
static long long src_read(struct src *s, void *buf, size_t n, char *err, size_t err_len)
{
    if (!s->gz) {
        size_t got = s->len - s->pos < n ? s->len - s->pos : n;
        if (got)
            memcpy(buf, s->data + s->pos, got);
        s->pos += got;
        return (long long)got;
    }
    size_t total = 0;
    while (total < n && !s->z_end) {
        /* avail_in and avail_out are unsigned int: feed and drain in slices */
        if (!s->z.avail_in && s->pos < s->len) {
            size_t in = s->len - s->pos > (1u << 30) ? (1u << 30) : s->len - s->pos;
            s->z.next_in = (Bytef *)(uintptr_t)(s->data + s->pos);
            s->z.avail_in = (uInt)in;
            s->pos += in;
        }
        size_t out = n - total > (1u << 30) ? (1u << 30) : n - total;
        s->z.next_out = (Bytef *)buf + total;
        s->z.avail_out = (uInt)out;
        int ret = inflate(&s->z, Z_NO_FLUSH);
        total += out - s->z.avail_out;
        if (ret == Z_STREAM_END) {
            /* rest of the input: another member (gzip allows concatenation), or nothing */
            size_t left = s->z.avail_in + (s->len - s->pos);
            const uint8_t *next = s->data + (s->len - left);
            if (!left) {
                s->z_end = 1;
                break;
            }
            if (!is_gzip(next, left)) {
                clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                              "%s: gzip: %zu bytes after the end of the compressed stream", s->name,
                              left);
                return -1;
            }
            inflateReset(&s->z);
            continue;
        }
        if (ret == Z_BUF_ERROR && !s->z.avail_in && s->pos == s->len) {
            s->z_end = s->z_cut = 1;
            break;
        }
        if (ret != Z_OK && ret != Z_BUF_ERROR) {
            clgan_io_fail(err, err_len,
                          ret == Z_MEM_ERROR ? CLGAN_STATUS_OUT_OF_HOST_MEMORY
                                             : CLGAN_STATUS_CORRUPT_FILE,
                          "%s: gzip: %s", s->name,
                          s->z.msg             ? s->z.msg
                          : ret == Z_MEM_ERROR ? "out of memory"
                                               : "bad data");
            return -1;
        }
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
 * Parse the IDX file in data (len bytes) of the given magic: dims (ndim = magic & 0xff entries)
 * and *out (malloc'ed, *nbytes long). owned, when not NULL, is data itself as a malloc'ed buffer
 * the caller gives up: plain data are then moved to its front instead of copied.
 */
static clgan_status idx_parse(const uint8_t *data, size_t len, uint8_t *owned, const char *path,
                              uint32_t want, uint32_t *dims, uint8_t **out, size_t *nbytes,
                              char *err, size_t err_len)
{
    const int want_ndim = (int)(want & 0xff);
    const char *what = want == IDX_IMAGES ? "image" : "label";
    uint8_t *buf = NULL;
    char claim[96];
    unsigned char head[16];
    *out = NULL;
    *nbytes = 0;

    struct src s;
    clgan_status st = src_open(&s, path, data, len, err, err_len);
    if (st != CLGAN_STATUS_OK)
        goto out;
    const int gz = s.gz;
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
    const size_t header = 4 + 4 * (size_t)ndim;

    if (!gz) {
        /* known size: check before allocating */
        size_t have = len - header;
        if (have != need) {
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                               "%s: %s: header says %s (%zu bytes) but file has %zu bytes of "
                               "data",
                               path, have < need ? "truncated" : "trailing bytes", claim, need,
                               have);
            goto out;
        }
        if (owned) {
            memmove(owned, owned + header, need);
            /* shrinking cannot fail in practice; keeping the larger block is fine if it does */
            buf = realloc(owned, need);
            if (!buf)
                buf = owned;
            owned = NULL;
        } else {
            buf = malloc(need);
            if (!buf) {
                st = clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                                   "%s: out of memory for %zu bytes (%s)", path, need, claim);
                goto out;
            }
            memcpy(buf, data + header, need);
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
        /* anything more is trailing data; inflating to the end also checks the gzip CRC */
        unsigned long long extra = 0;
        char scratch[4096];
        while ((got = src_read(&s, scratch, sizeof(scratch), err, err_len)) > 0)
            extra += (unsigned long long)got;
        if (got < 0) {
            st = CLGAN_STATUS_CORRUPT_FILE;
            goto out;
        }
        if (s.z_cut) {
            /* complete data but no CRC to check them against */
            st = clgan_io_fail(err, err_len, CLGAN_STATUS_CORRUPT_FILE,
                               "%s: gzip: unexpected end of file (the compressed stream is cut "
                               "short)",
                               path);
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
    *out = buf;
    *nbytes = need;
    buf = NULL;
out:
    src_close(&s);
    free(buf);
    free(owned);
    return st;
}

/* Read path whole and parse it; the buffer passes to idx_parse. */
static clgan_status idx_read(const char *path, uint32_t want, uint32_t *dims, uint8_t **out,
                             size_t *nbytes, char *err, size_t err_len)
{
    char *data = NULL;
    size_t len = 0;
    *out = NULL;
    *nbytes = 0;
    clgan_status st = clgan_io_read_file(path, (size_t)-1 / 2, &data, &len, err, err_len);
    if (st != CLGAN_STATUS_OK)
        return st;
    return idx_parse((const uint8_t *)data, len, (uint8_t *)data, path, want, dims, out, nbytes,
                     err, err_len);
}

/* Fill out from parsed image data. */
static clgan_status to_images(clgan_status st, const char *path, const uint32_t *dims, uint8_t *px,
                              struct clgan_dataset *out, char *err, size_t err_len)
{
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

clgan_status clgan_data_idx_read_images(const char *path, struct clgan_dataset *out, char *err,
                                        size_t err_len)
{
    memset(out, 0, sizeof(*out));
    uint32_t dims[3];
    uint8_t *px = NULL;
    size_t n = 0;
    clgan_status st = idx_read(path, IDX_IMAGES, dims, &px, &n, err, err_len);
    return to_images(st, path, dims, px, out, err, err_len);
}

clgan_status clgan_data_idx_read_labels(const char *path, uint8_t **labels, size_t *count,
                                        char *err, size_t err_len)
{
    uint32_t dims[1];
    return idx_read(path, IDX_LABELS, dims, labels, count, err, err_len);
}

clgan_status clgan_data_idx_read_images_mem(const void *data, size_t len, const char *name,
                                            struct clgan_dataset *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof(*out));
    uint32_t dims[3];
    uint8_t *px = NULL;
    size_t n = 0;
    if (!name)
        name = "(memory)";
    clgan_status st = idx_parse(data, len, NULL, name, IDX_IMAGES, dims, &px, &n, err, err_len);
    return to_images(st, name, dims, px, out, err, err_len);
}

clgan_status clgan_data_idx_read_labels_mem(const void *data, size_t len, const char *name,
                                            uint8_t **labels, size_t *count, char *err,
                                            size_t err_len)
{
    uint32_t dims[1];
    return idx_parse(data, len, NULL, name ? name : "(memory)", IDX_LABELS, dims, labels, count,
                     err, err_len);
}

/*
 * idx_write.c - writing IDX files of unsigned bytes, gzip-compressed (clgan_idx_write_gz).
 *
 * The file is built in memory: header and data deflated in one pass with a gzip wrapper whose
 * header zlib leaves without a name or a modification time, so equal data give equal files.
 * It is then written atomically (io/file.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "data/data.h"
#include "io/file.h"

/* deflate the n bytes of src into the stream; Z_OK or Z_STREAM_END when flush is Z_FINISH */
static int pump(z_stream *z, const uint8_t *src, size_t n, struct clgan_io_buf *out, int flush)
{
    unsigned char chunk[1 << 16];
    size_t done = 0;
    int ret;
    do {
        /* avail_in is an unsigned int: feed at most 1 GiB at a time */
        size_t in = n - done > (1u << 30) ? (1u << 30) : n - done;
        z->next_in = (Bytef *)(uintptr_t)(src + done);
        z->avail_in = (uInt)in;
        int f = done + in == n ? flush : Z_NO_FLUSH;
        do {
            z->next_out = chunk;
            z->avail_out = sizeof(chunk);
            ret = deflate(z, f);
            if (ret == Z_STREAM_ERROR)
                return ret;
            clgan_io_buf_append(out, chunk, sizeof(chunk) - z->avail_out);
        } while (z->avail_out == 0);
        done += in - z->avail_in;
    } while (done < n);
    return ret;
}

clgan_status clgan_idx_write_gz(const char *path, const uint8_t *data, const uint32_t *dims,
                                int ndim, char *msg, size_t msg_len)
{
    if (!path || !dims || ndim < 1 || ndim > 4)
        return clgan_io_fail(msg, msg_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: an IDX file has 1 to 4 dimensions, not %d",
                             path ? path : "(null)", ndim);
    size_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (dims[i] == 0 || n > ((size_t)-1) / dims[i])
            return clgan_io_fail(msg, msg_len, CLGAN_STATUS_INVALID_ARGUMENT,
                                 "%s: dimension %d of %d is %u", path, i + 1, ndim,
                                 (unsigned)dims[i]);
        n *= dims[i];
    }
    if (!data)
        return clgan_io_fail(msg, msg_len, CLGAN_STATUS_INVALID_ARGUMENT, "%s: no data", path);
    uint8_t head[4 + 4 * 4] = {0, 0, 0x08, (uint8_t)ndim};
    for (int i = 0; i < ndim; i++)
        for (int b = 0; b < 4; b++)
            head[4 + 4 * i + b] = (uint8_t)(dims[i] >> (24 - 8 * b));
    z_stream z;
    memset(&z, 0, sizeof(z));
    /* 16 + 15: a gzip wrapper, the largest window; level 6 as gzip's default */
    if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return clgan_io_fail(msg, msg_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                             "%s: gzip: out of memory", path);
    struct clgan_io_buf out = {0};
    int ret = pump(&z, head, 4 + 4 * (size_t)ndim, &out, Z_NO_FLUSH);
    if (ret != Z_STREAM_ERROR)
        ret = pump(&z, data, n, &out, Z_FINISH);
    deflateEnd(&z);
    clgan_status st;
    if (ret != Z_STREAM_END || out.failed)
        st = clgan_io_fail(msg, msg_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                           "%s: gzip: out of memory compressing %zu bytes", path, n);
    else
        st = clgan_io_write_file(path, out.data, out.len, msg, msg_len);
    clgan_io_buf_free(&out);
    return st;
}

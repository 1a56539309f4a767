/* png.c - PNG grids and single images (see png.h). libstb provides stb_image_write. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <stb_image_write.h>

#include "io/file.h"
#include "io/png.h"

/* Largest PNG we write, in bytes of pixels: keeps stb's int arithmetic far from overflow. */
#define PNG_MAX_BYTES (1u << 28)

uint8_t clgan_io_png_pixel(float v)
{
    if (!(v == v))
        return 0;
    float p = floorf((v + 1.0f) * 127.5f + 0.5f);
    return (uint8_t)(p < 0 ? 0 : p > 255 ? 255 : p);
}

static void collect(void *ctx, void *data, int size)
{
    clgan_io_buf_append(ctx, data, (size_t)size);
}

/* Encode an interleaved 8-bit image and write it atomically. */
static clgan_status write_png(const char *path, const uint8_t *px, int c, int h, int w, char *err,
                              size_t err_len)
{
    struct clgan_io_buf b = {0};
    int ok = stbi_write_png_to_func(collect, &b, w, h, c, px, w * c);
    clgan_status st;
    if (!ok || b.failed)
        st = clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                           "%s: out of memory encoding a %dx%d PNG", path, w, h);
    else
        st = clgan_io_write_file(path, b.data, b.len, err, err_len);
    clgan_io_buf_free(&b);
    return st;
}

static clgan_status check_shape(const char *path, int n, int c, int h, int w, char *err,
                                size_t err_len)
{
    if (n <= 0 || (c != 1 && c != 3) || h <= 0 || w <= 0)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: cannot write %d images of %dx%dx%d (channels must be 1 or 3)",
                             path, n, c, h, w);
    return CLGAN_STATUS_OK;
}

clgan_status clgan_io_png_grid(const char *path, const float *images, int n, int c, int h, int w,
                               int rows, int cols, char *err, size_t err_len)
{
    clgan_status st = check_shape(path, n, c, h, w, err, err_len);
    if (st != CLGAN_STATUS_OK)
        return st;
    if (rows <= 0 || cols <= 0) {
        cols = (int)ceil(sqrt((double)n));
        while ((long long)cols * cols < n)
            cols++;
        rows = (n + cols - 1) / cols;
    }
    const int pad = CLGAN_PNG_GRID_PAD;
    long long gw = (long long)cols * (w + pad) + pad, gh = (long long)rows * (h + pad) + pad;
    if (gw * gh * c > PNG_MAX_BYTES)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: a %dx%d grid of %dx%d images is too large (%lldx%lld)", path,
                             rows, cols, h, w, gh, gw);
    uint8_t *px = calloc((size_t)(gw * gh * c), 1);
    if (!px)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                             "%s: out of memory for a %lldx%lld grid", path, gh, gw);
    long long cells = (long long)rows * cols;
    int shown = n < cells ? n : (int)cells;
    size_t plane = (size_t)h * (size_t)w;
    for (int i = 0; i < shown; i++) {
        const float *img = images + (size_t)i * (size_t)c * plane;
        long long x0 = (long long)(i % cols) * (w + pad) + pad;
        long long y0 = (long long)(i / cols) * (h + pad) + pad;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int ch = 0; ch < c; ch++)
                    px[((y0 + y) * gw + x0 + x) * c + ch] =
                        clgan_io_png_pixel(img[(size_t)ch * plane + (size_t)y * w + x]);
    }
    st = write_png(path, px, c, (int)gh, (int)gw, err, err_len);
    free(px);
    return st;
}

clgan_status clgan_io_png_image(const char *path, const float *image, int c, int h, int w,
                                char *err, size_t err_len)
{
    clgan_status st = check_shape(path, 1, c, h, w, err, err_len);
    if (st != CLGAN_STATUS_OK)
        return st;
    if ((long long)h * w * c > PNG_MAX_BYTES)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_INVALID_ARGUMENT,
                             "%s: a %dx%d image is too large", path, h, w);
    size_t plane = (size_t)h * (size_t)w;
    uint8_t *px = malloc(plane * (size_t)c);
    if (!px)
        return clgan_io_fail(err, err_len, CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                             "%s: out of memory for a %dx%d image", path, h, w);
    for (size_t p = 0; p < plane; p++)
        for (int ch = 0; ch < c; ch++)
            px[p * (size_t)c + (size_t)ch] = clgan_io_png_pixel(image[(size_t)ch * plane + p]);
    st = write_png(path, px, c, h, w, err, err_len);
    free(px);
    return st;
}

/* ---------------------------------------------------------------- public API */

clgan_status clgan_png_write_grid(const char *path, const float *images, int n, int c, int h, int w,
                                  int rows, int cols, char *msg, size_t msg_len)
{
    return clgan_io_png_grid(path, images, n, c, h, w, rows, cols, msg, msg_len);
}

clgan_status clgan_png_write_image(const char *path, const float *image, int c, int h, int w,
                                   char *msg, size_t msg_len)
{
    return clgan_io_png_image(path, image, c, h, w, msg, msg_len);
}

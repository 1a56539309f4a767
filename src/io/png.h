/*
 * png.h - PNG output of generated images: a grid of samples, or one image.
 *
 * Input images are float NCHW (C = 1 gray or 3 RGB) in [-1, 1], the generator's tanh range;
 * a value v becomes round((v + 1) * 127.5) clamped to 0..255 (NaN becomes 0). Files are written
 * atomically (io/file.h) with stb_image_write.
 */
#ifndef CLGAN_IO_PNG_H
#define CLGAN_IO_PNG_H

#include <stddef.h>
#include <stdint.h>

#include "clgan.h"

/* Padding around and between the cells of a grid, in pixels (as torchvision's make_grid). */
#define CLGAN_PNG_GRID_PAD 2

/* Pixel value for v in [-1, 1] (see above). */
uint8_t clgan_io_png_pixel(float v);

/*
 * Write images (n x c x h x w) as a grid of rows x cols cells, row-major, with a 2-pixel black
 * border around every cell: the PNG is (cols * (w + 2) + 2) wide and (rows * (h + 2) + 2) high.
 * rows or cols <= 0 picks them: cols = ceil(sqrt(n)), rows = ceil(n / cols). Cells past n stay
 * black; images past rows x cols are left out. INVALID_ARGUMENT for bad sizes, IO on write
 * failures.
 */
clgan_status clgan_io_png_grid(const char *path, const float *images, int n, int c, int h, int w,
                               int rows, int cols, char *err, size_t err_len);

/* Write one image (c x h x w). */
clgan_status clgan_io_png_image(const char *path, const float *image, int c, int h, int w,
                                char *err, size_t err_len);

#endif /* CLGAN_IO_PNG_H */

/* elt.c - reference element-wise helpers and reductions; see ref/elt.h. */
#include <math.h>

#include "ref/elt.h"

void clgan_ref_elt_fill(size_t n, float value, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = value;
}

void clgan_ref_elt_copy(size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i];
}

void clgan_ref_elt_scale(size_t n, float a, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = (float)((double)a * x[i]);
}

void clgan_ref_elt_axpy(size_t n, float a, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = (float)((double)a * x[i] + y[i]);
}

void clgan_ref_elt_add(size_t n, const float *x, const float *y, float *z)
{
    for (size_t i = 0; i < n; i++)
        z[i] = (float)((double)x[i] + y[i]);
}

static double sum_d(size_t n, const float *x)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    return s;
}

void clgan_ref_elt_sum(size_t n, const float *x, float beta, float *out)
{
    double prev = beta == 0.0f ? 0.0 : (double)beta * *out;
    *out = (float)(prev + sum_d(n, x));
}

void clgan_ref_elt_mean(size_t n, const float *x, float beta, float *out)
{
    double prev = beta == 0.0f ? 0.0 : (double)beta * *out;
    *out = (float)(prev + sum_d(n, x) / (double)n);
}

int clgan_ref_elt_finite(size_t n, const float *x)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return 1;
    return 0;
}

/* Rows (or columns) placed before the source: padding when positive, crop when negative. */
static long centre_offset(size_t dst, size_t src)
{
    return dst >= src ? (long)((dst - src) / 2) : -(long)((src - dst) / 2);
}

void clgan_ref_elt_gather_u8(const uint8_t *data, size_t count, size_t c, size_t hs, size_t ws,
                             const int32_t *idx, size_t n, size_t hd, size_t wd, float scale,
                             float shift, float *out)
{
    long py = centre_offset(hd, hs), px = centre_offset(wd, ws);
    for (size_t b = 0; b < n; b++) {
        int32_t img = idx[b];
        for (size_t ch = 0; ch < c; ch++)
            for (size_t y = 0; y < hd; y++)
                for (size_t x = 0; x < wd; x++) {
                    float *o = &out[((b * c + ch) * hd + y) * wd + x];
                    if (img < 0 || (size_t)img >= count) {
                        *o = NAN;
                        continue;
                    }
                    long sy = (long)y - py, sx = (long)x - px;
                    double v = 0.0;
                    if (sy >= 0 && sy < (long)hs && sx >= 0 && sx < (long)ws)
                        v = data[(((size_t)img * c + ch) * hs + (size_t)sy) * ws + (size_t)sx];
                    *o = (float)(v * scale + shift);
                }
    }
}

void clgan_ref_elt_gather_labels(const uint8_t *labels, size_t count, const int32_t *idx, size_t n,
                                 int32_t *out)
{
    for (size_t b = 0; b < n; b++)
        out[b] = idx[b] >= 0 && (size_t)idx[b] < count ? labels[idx[b]] : -1;
}

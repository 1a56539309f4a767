/*
 * elt.h - plain-C reference of the element-wise helpers and reductions (ops/elt.h), accumulating
 * in double.
 */
#ifndef CLGAN_REF_ELT_H
#define CLGAN_REF_ELT_H

#include <stddef.h>
#include <stdint.h>

void clgan_ref_elt_fill(size_t n, float value, float *y);
void clgan_ref_elt_copy(size_t n, const float *x, float *y);
/* y = a * x; y += a * x; z = x + y (outputs may alias inputs). */
void clgan_ref_elt_scale(size_t n, float a, const float *x, float *y);
void clgan_ref_elt_axpy(size_t n, float a, const float *x, float *y);
void clgan_ref_elt_add(size_t n, const float *x, const float *y, float *z);

/* *out = beta * *out + sum (or mean) of x[0..n). */
void clgan_ref_elt_sum(size_t n, const float *x, float beta, float *out);
void clgan_ref_elt_mean(size_t n, const float *x, float beta, float *out);

/* 1 when any of x[0..n) is NaN or infinite, else 0. */
int clgan_ref_elt_finite(size_t n, const float *x);

/* As clgan_ops_elt_gather_u8: data [count, c, hs, ws] bytes, out [n, c, hd, wd]. */
void clgan_ref_elt_gather_u8(const uint8_t *data, size_t count, size_t c, size_t hs, size_t ws,
                             const int32_t *idx, size_t n, size_t hd, size_t wd, float scale,
                             float shift, float *out);

/* As clgan_ops_elt_gather_labels. */
void clgan_ref_elt_gather_labels(const uint8_t *labels, size_t count, const int32_t *idx, size_t n,
                                 int32_t *out);

#endif /* CLGAN_REF_ELT_H */

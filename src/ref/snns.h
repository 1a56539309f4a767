/*
 * snns.h - plain-C reference of the SNNS ops (ops/snns.h), in double.
 */
#ifndef CLGAN_REF_SNNS_H
#define CLGAN_REF_SNNS_H

#include <stddef.h>

/* Returns the error sum of d^2 outside the dead zone; fills delta (if not NULL) as the device
 * op does: delta = -scale * d * (o (1 - o) + flat) where |d| > dmax, else 0. */
double clgan_ref_snns_sse(size_t n, float dmax, float flat, float scale, const float *o,
                          const float *t, float *delta);

/* dx = dy * (y (1 - y) + flat). */
void clgan_ref_snns_logistic_bwd(size_t n, float flat, const float *y, const float *dy, float *dx);

#endif /* CLGAN_REF_SNNS_H */

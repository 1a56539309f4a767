/*
 * join.h - plain-C reference of the multi-input ops (ops/join.h): channel concatenation, label
 * embedding, per-sample inner product. Host arrays, plain sizes, the same semantics as the
 * device ops (betas included: beta 0 overwrites without reading); sums accumulate in double.
 */
#ifndef CLGAN_REF_JOIN_H
#define CLGAN_REF_JOIN_H

#include <stddef.h>
#include <stdint.h>

/* y[n][ca+cb][hw] = a[n][ca][hw] then b[n][cb][hw], per sample. */
void clgan_ref_join_concat_fwd(int n, int ca, int cb, size_t hw, const float *a, const float *b,
                               float *y);
/* da = beta_a*da + dy[:, :ca]; db = beta_b*db + dy[:, ca:]; da or db may be NULL (skipped). */
void clgan_ref_join_concat_bwd(int n, int ca, int cb, size_t hw, const float *dy, float *da,
                               float beta_a, float *db, float beta_b);

/* y[i][:] = w[labels[i]][:] (w is [classes][dim]); a label outside 0..classes-1 gives zeros. */
void clgan_ref_join_embed_fwd(int classes, size_t dim, int batch, const float *w,
                              const int32_t *labels, float *y);
/* dw[k][:] = beta*dw[k][:] + sum over rows i with labels[i] == k of dy[i][:]. */
void clgan_ref_join_embed_bwd(int classes, size_t dim, int batch, const float *dy,
                              const int32_t *labels, float beta, float *dw);

/* y[i] = sum_j a[i][j] * b[i][j], j < len. */
void clgan_ref_join_inner_fwd(int n, size_t len, const float *a, const float *b, float *y);
/* da[i][j] = beta_a*da[i][j] + dy[i]*b[i][j]; db likewise with a; either may be NULL. */
void clgan_ref_join_inner_bwd(int n, size_t len, const float *dy, const float *a, const float *b,
                              float *da, float beta_a, float *db, float beta_b);

#endif /* CLGAN_REF_JOIN_H */

/*
 * ref.h - plain-C reference of every device op, accumulating in double. Ground truth for the
 * tests and for `clgan check`. Layouts match the device ops exactly (row-major, NCHW).
 */
#ifndef CLGAN_REF_H
#define CLGAN_REF_H

#include <stddef.h>

/* C = alpha * op(A) * op(B) + beta * C, row-major; op(A) m x k, op(B) k x n. */
void clgan_ref_gemm(int ta, int tb, size_t m, size_t n, size_t k, float alpha, const float *a,
                    size_t lda, const float *b, size_t ldb, float beta, float *c, size_t ldc);

#endif /* CLGAN_REF_H */

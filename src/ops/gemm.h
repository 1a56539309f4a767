/*
 * gemm.h - C = alpha * op(A) * op(B) + beta * C on the device, row-major, behind one wrapper
 * with pluggable backends (CLBlast; a packed kernel of our own, fast on CPU devices).
 *
 * op(A) is M x K, op(B) is K x N, C is M x N. Offsets and leading dimensions are in floats.
 */
#ifndef CLGAN_OPS_GEMM_H
#define CLGAN_OPS_GEMM_H

#include "runtime/rt.h"

struct clgan_gemm_args {
    int ta, tb; /* transpose A / B */
    size_t m, n, k;
    float alpha, beta;
    cl_mem a;
    size_t a_off, lda;
    cl_mem b;
    size_t b_off, ldb;
    cl_mem c;
    size_t c_off, ldc;
    /* strided batch: batch >= 1; stride_* in floats between consecutive matrices */
    size_t batch;
    size_t stride_a, stride_b, stride_c;
    /* own backend only (CLGAN_GEMM_OWN; UNSUPPORTED elsewhere): op(B) comes packed in panels
     * of 32 columns, element (p, j) at b[b_off + z * stride_b + ((j / 32) * k + p) * 32 +
     * j % 32], tb and ldb unused; the last panel's columns past n are read but never reach C.
     * The tile kernel then reads B in place, in order, with no copy. */
    int b_packed;
    /* with b_packed, C's columns may come in runs: c_run > 0 (16 or a multiple of 32) puts C
     * element (i, j) at c[c_off + z * stride_c + (j / c_run) * c_run_stride + i * ldc +
     * j % c_run] (a convolution writing NCHW, columns over (image, position)); 0: rows ldc
     * apart as usual */
    size_t c_run, c_run_stride;
    /* own backend only, A not transposed: A's rows may come in runs too: a_run > 0 (a multiple
     * of 8) puts A element (i, p) at a[a_off + z * stride_a + (p / a_run) * a_run_stride +
     * i * lda + p % a_run] (a convolution's NCHW gradient, K over (image, position)) */
    size_t a_run, a_run_stride;
};

/* Run one (strided-batched) GEMM on the context's chosen backend. */
clgan_status clgan_ops_gemm(clgan_ctx *ctx, const struct clgan_gemm_args *g);

/* Same on an explicit backend (tests, bench). */
clgan_status clgan_ops_gemm_on(clgan_ctx *ctx, enum clgan_gemm_backend be,
                               const struct clgan_gemm_args *g);

/* Plain call with batch 1. */
clgan_status clgan_ops_gemm1(clgan_ctx *ctx, int ta, int tb, size_t m, size_t n, size_t k,
                             float alpha, cl_mem a, size_t a_off, size_t lda, cl_mem b,
                             size_t b_off, size_t ldb, float beta, cl_mem c, size_t c_off,
                             size_t ldc);

/*
 * Reserve the own backend's packing workspace for GEMMs up to this shape (m x n x k, batch
 * matrices), so that later calls of that size allocate nothing. The workspace grows when a
 * larger shape is reserved or run, and lives until the context is freed. Does nothing for
 * shapes that need no workspace. OUT_OF_DEVICE_MEMORY when the device refuses it.
 */
clgan_status clgan_ops_gemm_reserve(clgan_ctx *ctx, size_t m, size_t n, size_t k, size_t batch);

/* Floats of a packed op(B) of k x n (panels of 32 columns, the last one padded). */
size_t clgan_ops_gemm_packed_b_size(size_t k, size_t n);

/* Whether clgan_ops_gemm on this context takes b_packed (its backend is the own one). */
int clgan_ops_gemm_takes_packed_b(const clgan_ctx *ctx);

/*
 * Resolve CLGAN_GEMM_AUTO on this context (once): the backend measured faster on this device
 * and driver, from the disk cache or timed now; the heuristic on simulators or with the cache
 * off (see gemm_auto.c). Never fails; does nothing for a backend chosen by the caller.
 */
void clgan_ops_gemm_resolve(clgan_ctx *ctx);
/* Parse a cached backend choice (len bytes at p, gemm_auto.c's format: "own|clblast T_OWN
 * T_CLBLAST"): 1 with the fields filled when well formed and consistent, 0 otherwise. */
int clgan_ops_gemm_choice_parse(const unsigned char *p, size_t len, enum clgan_gemm_backend *be,
                                double *t_own, double *t_clblast);

/* Backends. */
clgan_status clgan_gemm_clblast(clgan_ctx *ctx, const struct clgan_gemm_args *g);
clgan_status clgan_gemm_own(clgan_ctx *ctx, const struct clgan_gemm_args *g);

#endif /* CLGAN_OPS_GEMM_H */

/*
 * gemm.cl - GEMM kernels of our own (row-major, offsets in floats).
 *
 * gemm_naive: one work-item per C element, any transposes; the simple, always-correct path
 * used for small or odd shapes.
 */
kernel void gemm_naive(int ta, int tb, uint m, uint n, uint k, float alpha,
                       global const float *a, ulong a_off, uint lda, global const float *b,
                       ulong b_off, uint ldb, float beta, global float *c, ulong c_off, uint ldc,
                       ulong sa, ulong sb, ulong sc)
{
    uint j = get_global_id(0), i = get_global_id(1), z = get_global_id(2);
    if (i >= m || j >= n)
        return;
    a += a_off + z * sa;
    b += b_off + z * sb;
    c += c_off + z * sc;
    float acc = 0.0f;
    for (uint p = 0; p < k; p++) {
        float av = ta ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p];
        float bv = tb ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j];
        acc = fma(av, bv, acc);
    }
    float prev = beta == 0.0f ? 0.0f : beta * c[(size_t)i * ldc + j];
    c[(size_t)i * ldc + j] = alpha * acc + prev;
}

/*
 * join.cl - ops with several inputs: channel concatenation, label embedding, per-sample inner
 * product, forward and backward.
 *
 * Buffers are (global float *p, ulong p_off), element i of p being p[p_off + i]; labels are
 * (global const int *, ulong). Tensors are NCHW with S = c*h*w elements per sample, sample i
 * starting at i*S. The element kernels run on a 2-D grid, dimension 0 over the elements j < S
 * of a sample, dimension 1 over the n samples (classes for join_embed_bwd); both are rounded up
 * to the work-group shape, so both are guarded. No flat index is ever divided. Gradients are
 * written as d = beta*d + g, where beta 0 overwrites without reading d.
 *
 * join_concat_fwd: one input x of s = c*hw elements per sample into its place in y, whose
 *   samples are stride = (ca + cb)*hw apart (y_off points at the input's first channel): item
 *   (j, i), j < s: y[i*stride + j] = x[i*s + j]. Run once for a, once for b: with one kernel for
 *   both, the branch between them costs PoCL its vectorised loop over work-items (7x slower).
 * join_concat_bwd: the reverse for one gradient: d[i*s + j] = beta*d[i*s + j] + dy[i*stride + j].
 * join_embed_fwd: item (d, i), d < dim: y[i][d] = w[labels[i]][d], or 0 when labels[i] is not
 *   in 0..classes-1 (the table is then not read).
 * join_embed_bwd: item (d, k), d < dim, k < classes: dw[k][d] = beta*dw[k][d] + the sum over
 *   i = 0, 1, ..., batch-1 in order of dy[i][d] where labels[i] == k. No atomics.
 * join_inner_fwd: one work-group of L work-items (a power of two, 1 included) per sample i;
 *   work-item l adds its share of a[i][j]*b[i][j], j < len (CPUs: the l-th contiguous run of
 *   ceil(len / L) rounded up to 16, in 16-wide vector sums; elsewhere j = l, l + L, ..., so
 *   neighbouring work-items read neighbouring floats); the group adds its L partial sums by a
 *   local-memory tree (wg_sum) and work-item 0 writes y[i]. The grid is exactly n groups.
 * join_inner_bwd: one gradient, item (j, i), j < len: d[i][j] = beta*d[i][j] + dy[i]*x[i][j],
 *   run with (d, x) = (da, b) and (db, a).
 */

/* d = beta*d + g; beta 0 does not read d. The branch is the same for every work-item. */
static void accum(global float *d, float beta, float g)
{
    if (beta == 0.0f)
        *d = g;
    else
        *d = fma(beta, *d, g);
}

kernel void join_concat_fwd(uint n, uint s, uint stride, global const float *x, ulong x_off,
                            global float *y, ulong y_off)
{
    uint j = get_global_id(0);
    size_t i = get_global_id(1);
    if (j >= s || i >= n)
        return;
    y[y_off + i * stride + j] = x[x_off + i * s + j];
}

kernel void join_concat_bwd(uint n, uint s, uint stride, global const float *dy, ulong dy_off,
                            float beta, global float *d, ulong d_off)
{
    uint j = get_global_id(0);
    size_t i = get_global_id(1);
    if (j >= s || i >= n)
        return;
    accum(d + d_off + i * s + j, beta, dy[dy_off + i * stride + j]);
}

kernel void join_embed_fwd(uint n, uint dim, uint classes, global const float *w, ulong w_off,
                           global const int *labels, ulong labels_off, global float *y, ulong y_off)
{
    uint d = get_global_id(0);
    size_t i = get_global_id(1);
    if (d >= dim || i >= n)
        return;
    int k = labels[labels_off + i];
    float v = 0.0f;
    if (k >= 0 && (uint)k < classes)
        v = w[w_off + (size_t)k * dim + d];
    y[y_off + i * dim + d] = v;
}

kernel void join_embed_bwd(uint classes, uint dim, uint batch, global const float *dy, ulong dy_off,
                           global const int *labels, ulong labels_off, float beta, global float *dw,
                           ulong dw_off)
{
    uint d = get_global_id(0);
    size_t k = get_global_id(1);
    if (d >= dim || k >= classes)
        return;
    float acc = 0.0f;
    for (uint i = 0; i < batch; i++)
        if (labels[labels_off + i] == (int)k)
            acc += dy[dy_off + (size_t)i * dim + d];
    accum(dw + dw_off + k * dim + d, beta, acc);
}

kernel void join_inner_fwd(uint len, global const float *a, ulong a_off, global const float *b,
                           ulong b_off, global float *y, ulong y_off, local float *s)
{
    uint l = get_local_id(0), L = get_local_size(0);
    size_t i = get_group_id(0);
    a += a_off + i * len;
    b += b_off + i * len;
    float acc = 0.0f;
#if CLGAN_DEVICE_CPU
    /* a CPU runs a group's work-items one after another: each streams a contiguous run, in
     * vector sums (a serial float sum may not be reassociated, so the compiler cannot) */
    uint chunk = ((len + L - 1) / L + 15) & ~15u;
    uint j = min(len, l * chunk), j1 = min(len, j + chunk);
    float16 v = 0.0f;
    for (; j + 16 <= j1; j += 16)
        v = fma(vload16(0, a + j), vload16(0, b + j), v);
    for (; j < j1; j++)
        acc = fma(a[j], b[j], acc);
    float8 h8 = v.lo + v.hi;
    float4 h4 = h8.lo + h8.hi;
    float2 h2 = h4.lo + h4.hi;
    acc += h2.x + h2.y;
#else
    for (uint j = l; j < len; j += L)
        acc = fma(a[j], b[j], acc);
#endif
    float t = wg_sum(s, acc);
    if (l == 0)
        y[y_off + i] = t;
}

kernel void join_inner_bwd(uint n, uint len, global const float *dy, ulong dy_off,
                           global const float *x, ulong x_off, float beta, global float *d,
                           ulong d_off)
{
    uint j = get_global_id(0);
    size_t i = get_global_id(1);
    if (j >= len || i >= n)
        return;
    size_t k = i * len + j;
    accum(d + d_off + k, beta, dy[dy_off + i] * x[x_off + k]);
}

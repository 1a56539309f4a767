/*
 * conv.cl - the non-GEMM parts of conv2d, transposed conv2d and linear layers: im2col, col2im,
 * layout permutes, bias add and bias gradient. The GEMMs go through the GEMM wrapper.
 *
 * Images are NCHW: img[((n * C + c) * H + y) * W + x]. The convolution maps an image of
 * C x H x W (the "big" side) to positions Hc x Wc (the "small" side, the conv2d output size
 * (H + 2P - K) / S + 1), image row = oy * S - P + ky, column = ox * S - P + kx.
 *
 * The column matrix of a whole batch, col, is row-major with C*K*K rows and N*Hc*Wc columns:
 *   row    r = (c * K + ky) * K + kx        one per channel and kernel tap
 *   column j = (n * Hc + oy) * Wc + ox      one per image and position
 *   col[r][j] = img[n][c][oy*S - P + ky][ox*S - P + kx], 0 where that is outside the image.
 * GEMMs with col produce and read matrices [C'][N * Hc * Wc], i.e. layout "CNHW"
 * ([c][n][y][x]); the permute kernels convert between that and NCHW.
 *
 * Index mapping: one work-item per element written (the global id is the element's flat index
 * in the output), except conv_bias_grad: one work-group per channel.
 */

/* col[r][j] from img (zero padding); one work-item per col element. */
kernel void conv_im2col(global const float *img, ulong img_off, global float *col, ulong col_off,
                        int n, int c, int h, int w, int k, int s, int p, int hc, int wc)
{
    size_t gid = GID0;
    size_t ncols = (size_t)n * hc * wc;
    if (gid >= (size_t)c * k * k * ncols)
        return;
    size_t r = gid / ncols, j = gid - r * ncols;
    int kx = (int)(r % k), ky = (int)(r / k % k), ci = (int)(r / ((size_t)k * k));
    int ox = (int)(j % wc), oy = (int)(j / wc % hc), ni = (int)(j / ((size_t)wc * hc));
    int iy = oy * s - p + ky, ix = ox * s - p + kx;
    float v = 0.0f;
    if (iy >= 0 && iy < h && ix >= 0 && ix < w)
        v = img[img_off + (((size_t)ni * c + ci) * h + iy) * w + ix];
    col[col_off + gid] = v;
}

/*
 * img[n][c][y][x] = sum of the col entries that im2col would copy from it (+ bias[c] when
 * has_bias): the adjoint of conv_im2col, as a gather, one work-item per image element. The taps
 * that reach row y are ky = (y + P) mod S, then every S-th, while oy = (y + P - ky) / S < Hc.
 */
kernel void conv_col2im(global const float *col, ulong col_off, global float *img, ulong img_off,
                        int n, int c, int h, int w, int k, int s, int p, int hc, int wc,
                        int has_bias, global const float *bias, ulong bias_off)
{
    size_t gid = GID0;
    if (gid >= (size_t)n * c * h * w)
        return;
    int ix = (int)(gid % w), iy = (int)(gid / w % h);
    size_t nc = gid / ((size_t)w * h);
    int ci = (int)(nc % c), ni = (int)(nc / c);
    size_t ncols = (size_t)n * hc * wc;
    int ty = iy + p, tx = ix + p;
    float acc = 0.0f;
    for (int ky = ty % s; ky < k && ky <= ty; ky += s) {
        int oy = (ty - ky) / s;
        if (oy >= hc)
            continue;
        for (int kx = tx % s; kx < k && kx <= tx; kx += s) {
            int ox = (tx - kx) / s;
            if (ox >= wc)
                continue;
            size_t r = ((size_t)ci * k + ky) * k + kx;
            acc += col[col_off + r * ncols + ((size_t)ni * hc + oy) * wc + ox];
        }
    }
    if (has_bias)
        acc += bias[bias_off + ci];
    img[img_off + gid] = acc;
}

/* dst[c][n][i] = src[n][c][i], i over hw positions; one work-item per element. */
kernel void conv_nchw_to_cnhw(global const float *src, ulong src_off, global float *dst,
                              ulong dst_off, int n, int c, int hw)
{
    size_t gid = GID0;
    if (gid >= (size_t)n * c * hw)
        return;
    size_t i = gid % hw, cn = gid / hw;
    size_t ni = cn % n, ci = cn / n;
    dst[dst_off + gid] = src[src_off + (ni * c + ci) * hw + i];
}

/* dst[n][c][i] = src[c][n][i] (+ bias[c] when has_bias); one work-item per element. */
kernel void conv_cnhw_to_nchw(global const float *src, ulong src_off, global float *dst,
                              ulong dst_off, int n, int c, int hw, int has_bias,
                              global const float *bias, ulong bias_off)
{
    size_t gid = GID0;
    if (gid >= (size_t)n * c * hw)
        return;
    size_t i = gid % hw, nc = gid / hw;
    size_t ci = nc % c, ni = nc / c;
    float v = src[src_off + (ci * n + ni) * hw + i];
    if (has_bias)
        v += bias[bias_off + ci];
    dst[dst_off + gid] = v;
}

/* y[o][c][i] += bias[c] for y viewed as [total / (c * inner)][c][inner]. */
kernel void conv_bias_add(global float *y, ulong y_off, ulong total, int c, int inner,
                          global const float *bias, ulong bias_off)
{
    size_t gid = GID0;
    if (gid >= total)
        return;
    y[y_off + gid] += bias[bias_off + gid / inner % c];
}

/*
 * db[c] = beta * db[c] + sum over o, i of dy[o][c][i], dy viewed as [outer][c][inner]. One
 * work-group per channel (the local size a power of two); each work-item sums a strided part,
 * then a tree in local memory: a fixed order, so results repeat exactly. beta 0 does not read db.
 */
kernel void conv_bias_grad(global const float *dy, ulong dy_off, int outer, int c, int inner,
                           float beta, global float *db, ulong db_off, local float *part)
{
    int ch = get_group_id(0), lid = get_local_id(0), ls = get_local_size(0);
    if (ch >= c)
        return;
    size_t m = (size_t)outer * inner;
    float acc = 0.0f;
    for (size_t t = lid; t < m; t += ls) {
        size_t o = t / inner, i = t - o * inner;
        acc += dy[dy_off + (o * c + ch) * inner + i];
    }
    part[lid] = acc;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int step = ls / 2; step > 0; step /= 2) {
        if (lid < step)
            part[lid] += part[lid + step];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0)
        db[db_off + ch] = beta == 0.0f ? part[0] : beta * db[db_off + ch] + part[0];
}

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
 * Index mapping: see each kernel. Element kernels take 2-D or 3-D ranges whose first dimension
 * runs along a contiguous row of the output, so an item finds its coordinates with a division
 * or two and no flat-index decomposition; the *_planes variants (for CPUs, where one thread
 * runs a whole work-group) give one image plane to each work-item. conv_bias_grad: one
 * work-group per channel.
 */

/*
 * col[r][j] from img (zero padding). Work-item (ox, ni * hc + oy, r): one element each, the
 * element's row and image found once per item, not by dividing its flat index.
 */
kernel void conv_im2col(global const float *img, ulong img_off, global float *col, ulong col_off,
                        int n, int c, int h, int w, int k, int s, int p, int hc, int wc)
{
    int ox = get_global_id(0), row = get_global_id(1), r = get_global_id(2);
    if (ox >= wc || row >= n * hc || r >= c * k * k)
        return;
    int ni = row / hc, oy = row - ni * hc;
    int kx = r % k, ky = r / k % k, ci = r / (k * k);
    int iy = oy * s - p + ky, ix = ox * s - p + kx;
    float v = 0.0f;
    if (iy >= 0 && iy < h && ix >= 0 && ix < w)
        v = img[img_off + (((size_t)ni * c + ci) * h + iy) * w + ix];
    col[col_off + (size_t)r * n * hc * wc + (size_t)row * wc + ox] = v;
}

/*
 * CPU forms of im2col and col2im (a CPU runs a work-group as one thread's loop): work-item
 * ci * n + ni owns one image plane (neighbouring work-items then move neighbouring runs of the
 * column matrix) and keeps it in its slice of local memory (pb, ph x pw
 * floats), zero-padded by P on every side and wide enough that vector reads of a tap's row
 * stay inside: image (y, x) at pb[(y + P) * pw + x + P], so tap (ky, kx) of position (oy, ox)
 * reads pb[(oy * S + ky) * pw + ox * S + kx] with no bounds test. Rows of the column matrix
 * go 8 or 4 positions at a time (strides 1 and 2 by vector loads and .even), the rest one by
 * one. No barriers: the slices are private to their work-items.
 */

/* Zero n floats of local memory. */
static void zero_local(local float *d, int n)
{
    int i = 0;
    for (; i + 16 <= n; i += 16)
        vstore16((float16)0.0f, 0, d + i);
    for (; i < n; i++)
        d[i] = 0.0f;
}

/* Zero the padded plane and copy image plane src (h x w) into it, rows as vectors. */
static void stage_plane(const global float *src, int h, int w, int p, int ph, int pw,
                        local float *pb)
{
    zero_local(pb, ph * pw);
    for (int y = 0; y < h; y++) {
        local float *d = pb + (y + p) * pw + p;
        const global float *r = src + (size_t)y * w;
        int x = 0;
        for (; x + 16 <= w; x += 16)
            vstore16(vload16(0, r + x), 0, d + x);
        for (; x + 4 <= w; x += 4)
            vstore4(vload4(0, r + x), 0, d + x);
        for (; x < w; x++)
            d[x] = r[x];
    }
}

/* d[ox] = r[ox * s] for ox < wc. */
static void gather_row(const local float *r, int s, int wc, global float *d)
{
    int ox = 0;
    if (s == 2) {
        for (; ox + 8 <= wc; ox += 8)
            vstore8(vload16(0, r + 2 * ox).even, 0, d + ox);
        for (; ox + 4 <= wc; ox += 4)
            vstore4(vload8(0, r + 2 * ox).even, 0, d + ox);
    } else if (s == 1) {
        for (; ox + 8 <= wc; ox += 8)
            vstore8(vload8(0, r + ox), 0, d + ox);
        for (; ox + 4 <= wc; ox += 4)
            vstore4(vload4(0, r + ox), 0, d + ox);
    }
    for (; ox < wc; ox++)
        d[ox] = r[ox * s];
}

/* r[ox * s] += v[ox] for ox < wc. */
static void scatter_row(local float *r, int s, int wc, const global float *v)
{
    int ox = 0;
    if (s == 2) {
        for (; ox + 8 <= wc; ox += 8) {
            float16 t = vload16(0, r + 2 * ox);
            t.even += vload8(0, v + ox);
            vstore16(t, 0, r + 2 * ox);
        }
        for (; ox + 4 <= wc; ox += 4) {
            float8 t = vload8(0, r + 2 * ox);
            t.even += vload4(0, v + ox);
            vstore8(t, 0, r + 2 * ox);
        }
    } else if (s == 1) {
        for (; ox + 8 <= wc; ox += 8)
            vstore8(vload8(0, r + ox) + vload8(0, v + ox), 0, r + ox);
        for (; ox + 4 <= wc; ox += 4)
            vstore4(vload4(0, r + ox) + vload4(0, v + ox), 0, r + ox);
    }
    for (; ox < wc; ox++)
        r[ox * s] += v[ox];
}

/*
 * Where col element (r, j) goes in the layout the caller asked for: 0 row-major [kc][ncols];
 * 1 B panels over columns (a GEMM's packed op(B) = col: ((j / 32) * kc + r) * 32 + j % 32);
 * 2 B panels over rows (packed op(B) = col^T: ((r / 32) * ncols + j) * 32 + r % 32).
 */
static size_t col_at(int layout, size_t r, size_t j, size_t kc, size_t ncols)
{
    if (layout == 1)
        return ((j >> 5) * kc + r) * 32 + (j & 31);
    if (layout == 2)
        return ((r >> 5) * ncols + j) * 32 + (r & 31);
    return r * ncols + j;
}

kernel void conv_im2col_planes(global const float *img, ulong img_off, global float *col,
                               ulong col_off, int n, int c, int h, int w, int k, int s, int p,
                               int hc, int wc, int ph, int pw, int layout, local float *buf)
{
    int pl = get_global_id(0);
    if (pl >= n * c)
        return;
    int ci = pl / n, ni = pl - ci * n, hw = hc * wc;
    size_t nc = (size_t)ni * c + ci;
    size_t ncols = (size_t)n * hw, kc = (size_t)c * k * k, r0 = (size_t)ci * k * k;
    local float *pb = buf + (size_t)get_local_id(0) * ph * pw;
    stage_plane(img + img_off + nc * h * w, h, w, p, ph, pw, pb);
    col += col_off;
    if (layout == 2) {
        /* a position's taps are neighbours here: positions outside, taps inside; 4 x 4
         * kernels whose 16 taps sit in one half of a panel move them as one vector */
        int v16 = k == 4 && (r0 & 15) == 0;
        for (int oy = 0; oy < hc; oy++)
            for (int ox = 0; ox < wc; ox++) {
                size_t j = (size_t)ni * hw + oy * wc + ox;
                const local float *win = pb + oy * s * pw + ox * s;
                if (v16) {
                    float16 t = (float16)(vload4(0, win), vload4(0, win + pw),
                                          vload4(0, win + 2 * pw), vload4(0, win + 3 * pw));
                    vstore16(t, 0, col + col_at(2, r0, j, kc, ncols));
                    if (ci == c - 1 && (kc & 31) == 16)
                        vstore16((float16)0.0f, 0, col + col_at(2, kc, j, kc, ncols));
                    continue;
                }
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++) {
                        size_t r = r0 + ky * k + kx;
                        col[col_at(2, r, j, kc, ncols)] = win[ky * pw + kx];
                    }
                /* the last channel zeroes the padding rows of the last panel */
                for (size_t r = kc; ci == c - 1 && (r & 31); r++)
                    col[col_at(2, r, j, kc, ncols)] = 0.0f;
            }
        return;
    }
    /* stride 2 with rows of 4, 8 or 16 positions (the tap's plane in whole vectors of 16,
     * which both layouts keep in one run): 16 positions a vector, from one to four rows */
    if (layout != 2 && s == 2 && (wc == 4 || wc == 8 || wc == 16) && hw % 16 == 0) {
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++) {
                size_t r = r0 + ky * k + kx;
                for (int oy = 0; oy < hc; oy += 16 / wc) {
                    const local float *a = pb + (oy * 2 + ky) * pw + kx, *d = a + 2 * pw;
                    float16 t;
                    if (wc == 4)
                        t = (float16)(vload8(0, a).even, vload8(0, d).even,
                                      vload8(0, d + 2 * pw).even, vload8(0, d + 4 * pw).even);
                    else if (wc == 8)
                        t = (float16)(vload16(0, a).even, vload16(0, d).even);
                    else
                        t = (float16)(vload16(0, a).even, vload16(0, a + 16).even);
                    vstore16(t, 0, col + col_at(layout, r, (size_t)ni * hw + oy * wc, kc, ncols));
                }
                for (size_t jj = ncols; layout == 1 && ni == n - 1 && (jj & 31); jj++)
                    col[col_at(1, r, jj, kc, ncols)] = 0.0f;
            }
        return;
    }
    for (int ky = 0; ky < k; ky++)
        for (int kx = 0; kx < k; kx++)
            for (int oy = 0; oy < hc; oy++) {
                size_t r = r0 + ky * k + kx, j = (size_t)ni * hw + oy * wc;
                const local float *src = pb + (oy * s + ky) * pw + kx;
                if (layout == 0 || (j & 31) + wc <= 32) {
                    /* the row is one run in either layout */
                    gather_row(src, s, wc, col + col_at(layout, r, j, kc, ncols));
                } else {
                    for (int ox = 0; ox < wc; ox++)
                        col[col_at(1, r, j + ox, kc, ncols)] = src[ox * s];
                }
                /* the last image zeroes the padding columns of the last panel */
                for (size_t jj = ncols; layout == 1 && ni == n - 1 && oy == hc - 1 && (jj & 31);
                     jj++)
                    col[col_at(1, r, jj, kc, ncols)] = 0.0f;
            }
}

/*
 * img[n][c][y][x] = sum of the col entries that im2col would copy from it (+ bias[c] when
 * has_bias): the adjoint of conv_im2col, as a gather. Work-item (x, y, ni * c + ci). The taps
 * that reach row y are ky = (y + P) mod S, then every S-th, while oy = (y + P - ky) / S < Hc.
 */
kernel void conv_col2im(global const float *col, ulong col_off, global float *img, ulong img_off,
                        int n, int c, int h, int w, int k, int s, int p, int hc, int wc,
                        int has_bias, global const float *bias, ulong bias_off)
{
    int ix = get_global_id(0), iy = get_global_id(1), nc = get_global_id(2);
    if (ix >= w || iy >= h || nc >= n * c)
        return;
    int ni = nc / c, ci = nc - ni * c;
    size_t ncols = (size_t)n * hc * wc;
    const global float *cb = col + col_off + (size_t)ci * k * k * ncols + (size_t)ni * hc * wc;
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
            acc += cb[(size_t)(ky * k + kx) * ncols + oy * wc + ox];
        }
    }
    if (has_bias)
        acc += bias[bias_off + ci];
    img[img_off + ((size_t)nc * h + iy) * w + ix] = acc;
}


/* The adjoint on CPUs: taps added into the padded plane, then its inside (+ bias) stored. */
kernel void conv_col2im_planes(global const float *col, ulong col_off, global float *img,
                               ulong img_off, int n, int c, int h, int w, int k, int s, int p,
                               int hc, int wc, int has_bias, global const float *bias,
                               ulong bias_off, int ph, int pw, local float *buf)
{
    int pl = get_global_id(0);
    if (pl >= n * c)
        return;
    int ci = pl / n, ni = pl - ci * n, hw = hc * wc;
    size_t nc = (size_t)ni * c + ci;
    size_t ncols = (size_t)n * hw;
    local float *pb = buf + (size_t)get_local_id(0) * ph * pw;
    zero_local(pb, ph * pw);
    const global float *src = col + col_off + (size_t)ci * k * k * ncols + (size_t)ni * hw;
    if (s == 2 && (wc == 4 || wc == 8 || wc == 16) && hw % 16 == 0) {
        /* as in conv_im2col_planes: 16 positions a vector, one to four rows */
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++, src += ncols)
                for (int oy = 0; oy < hc; oy += 16 / wc) {
                    float16 v = vload16(0, src + oy * wc);
                    local float *a = pb + (oy * 2 + ky) * pw + kx;
                    if (wc == 4) {
                        for (int i = 0; i < 4; i++) {
                            float8 t = vload8(0, a + 2 * i * pw);
                            t.even += i == 0 ? v.s0123 : i == 1 ? v.s4567 : i == 2 ? v.s89ab
                                                                                   : v.scdef;
                            vstore8(t, 0, a + 2 * i * pw);
                        }
                    } else {
                        local float *a2 = wc == 8 ? a + 2 * pw : a + 16;
                        float16 t = vload16(0, a), u = vload16(0, a2);
                        t.even += v.lo;
                        u.even += v.hi;
                        vstore16(t, 0, a);
                        vstore16(u, 0, a2);
                    }
                }
    } else {
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++, src += ncols)
                for (int oy = 0; oy < hc; oy++)
                    scatter_row(pb + (oy * s + ky) * pw + kx, s, wc, src + oy * wc);
    }
    float b0 = has_bias ? bias[bias_off + ci] : 0.0f;
    global float *dst = img + img_off + nc * h * w;
    for (int y = 0; y < h; y++) {
        const local float *r = pb + (y + p) * pw + p;
        global float *d = dst + (size_t)y * w;
        int x = 0;
        for (; x + 16 <= w; x += 16)
            vstore16(vload16(0, r + x) + b0, 0, d + x);
        for (; x + 4 <= w; x += 4)
            vstore4(vload4(0, r + x) + b0, 0, d + x);
        for (; x < w; x++)
            d[x] = r[x] + b0;
    }
}

/*
 * Plane shuffles between NCHW and CNHW: both move whole planes of hw floats. Work-item
 * (i, plane) with plane = ci * n + ni (to CNHW) or ni * c + ci (to NCHW), the output's order.
 */
kernel void conv_nchw_to_cnhw(global const float *src, ulong src_off, global float *dst,
                              ulong dst_off, int n, int c, int hw)
{
    int i = get_global_id(0), pl = get_global_id(1);
    if (i >= hw || pl >= n * c)
        return;
    int ci = pl / n, ni = pl - ci * n;
    dst[dst_off + (size_t)pl * hw + i] = src[src_off + ((size_t)ni * c + ci) * hw + i];
}

/* dst[n][c][i] = src[c][n][i] (+ bias[c] when has_bias). */
kernel void conv_cnhw_to_nchw(global const float *src, ulong src_off, global float *dst,
                              ulong dst_off, int n, int c, int hw, int has_bias,
                              global const float *bias, ulong bias_off)
{
    int i = get_global_id(0), pl = get_global_id(1);
    if (i >= hw || pl >= n * c)
        return;
    int ni = pl / c, ci = pl - ni * c;
    float v = src[src_off + ((size_t)ci * n + ni) * hw + i];
    if (has_bias)
        v += bias[bias_off + ci];
    dst[dst_off + (size_t)pl * hw + i] = v;
}

/*
 * The same two on CPUs: work-item pl copies output plane pl whole (a loop that vectorises);
 * to_cnhw 0 fills NCHW from CNHW (+ bias), 1 CNHW from NCHW.
 */
kernel void conv_permute_planes(global const float *src, ulong src_off, global float *dst,
                                ulong dst_off, int n, int c, int hw, int to_cnhw, int has_bias,
                                global const float *bias, ulong bias_off)
{
    int pl = get_global_id(0);
    if (pl >= n * c)
        return;
    int ci, ni;
    if (to_cnhw) {
        ci = pl / n;
        ni = pl - ci * n;
    } else {
        ni = pl / c;
        ci = pl - ni * c;
    }
    size_t from = to_cnhw ? (size_t)ni * c + ci : (size_t)ci * n + ni;
    const global float *s = src + src_off + from * hw;
    global float *d = dst + dst_off + (size_t)pl * hw;
    float b0 = has_bias ? bias[bias_off + ci] : 0.0f;
    for (int i = 0; i < hw; i++)
        d[i] = s[i] + b0;
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

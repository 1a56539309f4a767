/*
 * elt.cl - element-wise helpers and reductions over flat float buffers.
 *
 * Every buffer is (global float *p, ulong p_off); element i of p is p[p_off + i].
 *
 * elt_fill, elt_copy, elt_scale, elt_axpy, elt_add: one work-item per element i < n.
 * elt_copy_u8: bytes (offsets in bytes), one work-item per byte; the runtime's device-side
 *   write path under CLGAN_OCLGRIND_CHECKS (runtime/ctx.c).
 * elt_sum_part: G work-groups of size L (a power of two); work-item t = g*L + l adds the
 *   elements i = t + k*G*L (k = 0, 1, ...) in that order (on CPUs: the t-th contiguous run of
 *   ceil(n / (G*L)) elements), then the group sums its L values by a local-memory tree and
 *   writes part[g]. elt_sum_final: one work-group adds part[0..G) the same way. Same device, n,
 *   G and L give the same bits on every run (no atomics).
 * elt_finite: one work-item per element; a non-finite value writes 1.0f into the flag (every
 *   writer writes the same value, so the result does not depend on the order).
 * elt_gather_u8: one work-item per output element (b, ch, y, x) of the batch [n, c, hd, wd],
 *   read from image idx[b] of the uint8 data set [count, c, hs, ws] at row y - py, column
 *   x - px; outside the source image the byte is taken as 0. Output = byte * scale + shift.
 * elt_gather_labels: one work-item per sample b of the batch: out[b] = labels[idx[first + b]]
 *   as an int, or -1 when that index is outside the data set.
 */

kernel void elt_fill(ulong n, float v, global float *y, ulong y_off)
{
    size_t i = GID0;
    if (i >= n)
        return;
    y[y_off + i] = v;
}

kernel void elt_copy(ulong n, global const float *x, ulong x_off, global float *y, ulong y_off)
{
    size_t i = GID0;
    if (i >= n)
        return;
    y[y_off + i] = x[x_off + i];
}

kernel void elt_copy_u8(ulong n, global const uchar *x, ulong x_off, global uchar *y, ulong y_off)
{
    size_t i = GID0;
    if (i >= n)
        return;
    y[y_off + i] = x[x_off + i];
}

kernel void elt_scale(ulong n, float a, global const float *x, ulong x_off, global float *y,
                      ulong y_off)
{
    size_t i = GID0;
    if (i >= n)
        return;
    y[y_off + i] = a * x[x_off + i];
}

kernel void elt_axpy(ulong n, float a, global const float *x, ulong x_off, global float *y,
                     ulong y_off)
{
    size_t i = GID0;
    if (i >= n)
        return;
    y[y_off + i] = fma(a, x[x_off + i], y[y_off + i]);
}

kernel void elt_add(ulong n, global const float *x, ulong x_off, global const float *y, ulong y_off,
                    global float *z, ulong z_off)
{
    size_t i = GID0;
    if (i >= n)
        return;
    z[z_off + i] = x[x_off + i] + y[y_off + i];
}

kernel void elt_sum_part(ulong n, global const float *x, ulong x_off, global float *part,
                         ulong part_off, local float *s)
{
    float acc = 0.0f;
#if CLGAN_DEVICE_CPU
    /* a contiguous run per work-item: a CPU runs a group's work-items one after another */
    size_t chunk = (n + get_global_size(0) - 1) / get_global_size(0);
    size_t i0 = min((size_t)n, GID0 * chunk), i1 = min((size_t)n, i0 + chunk);
    for (size_t i = i0; i < i1; i++)
        acc += x[x_off + i];
#else
    size_t stride = get_global_size(0);
    for (size_t i = GID0; i < n; i += stride)
        acc += x[x_off + i];
#endif
    float t = wg_sum(s, acc);
    if (get_local_id(0) == 0)
        part[part_off + get_group_id(0)] = t;
}

kernel void elt_sum_final(uint groups, global const float *part, ulong part_off, float mul,
                          float beta, global float *out, ulong out_off, local float *s)
{
    uint l = get_local_id(0);
    float acc = 0.0f;
    for (uint g = l; g < groups; g += get_local_size(0))
        acc += part[part_off + g];
    float t = wg_sum(s, acc);
    if (l == 0) {
        float prev = beta == 0.0f ? 0.0f : beta * out[out_off];
        out[out_off] = prev + mul * t;
    }
}

kernel void elt_finite(ulong n, global const float *x, ulong x_off, global float *flag,
                       ulong flag_off)
{
    size_t i = GID0;
    if (i >= n)
        return;
    if (!isfinite(x[x_off + i]))
        flag[flag_off] = 1.0f;
}

kernel void elt_gather_u8(ulong total, global const uchar *data, ulong data_off, ulong count,
                          uint c, uint hs, uint ws, global const int *idx, ulong idx_off, uint hd,
                          uint wd, int py, int px, float scale, float shift, global float *out,
                          ulong out_off)
{
    size_t i = GID0;
    if (i >= total)
        return;
    uint x = i % wd;
    size_t r = i / wd;
    uint y = r % hd;
    r /= hd;
    uint ch = r % c;
    size_t b = r / c;
    int img = idx[idx_off + b];
    if (img < 0 || (ulong)img >= count) {
        /* an index outside the data set: NaN, so a finite check catches it */
        out[out_off + i] = NAN;
        return;
    }
    int sy = (int)y - py, sx = (int)x - px;
    float v = 0.0f;
    if (sy >= 0 && sy < (int)hs && sx >= 0 && sx < (int)ws)
        v = data[data_off + (((ulong)img * c + ch) * hs + sy) * ws + sx];
    out[out_off + i] = fma(v, scale, shift);
}

kernel void elt_gather_labels(ulong n, global const uchar *labels, ulong count,
                              global const int *idx, ulong idx_off, global int *out, ulong out_off)
{
    size_t b = GID0;
    if (b >= n)
        return;
    int j = idx[idx_off + b];
    out[out_off + b] = j >= 0 && (ulong)j < count ? (int)labels[j] : -1;
}

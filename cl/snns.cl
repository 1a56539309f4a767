/*
 * snns.cl - the two places where SNNS's backpropagation differs from the textbook one: the
 * squared error with its dead zone dmax, and the flat-spot offset added to the logistic
 * derivative (Quickprop uses 0.1; 0 gives the plain derivative).
 *
 * Buffers are flat (global float *p, ulong p_off), element i at p[p_off + i], any layout (the
 * MLP uses [patterns, units] row-major).
 *
 * snns_sse: o outputs (after the logistic), t targets, n elements; one work-group of L
 *   work-items (L a power of two), work-item l takes elements l, l + L, ... and a local-memory
 *   tree adds the L partial sums, so the sum does not depend on timing. With d_i = t_i - o_i:
 *     |d_i| <= dmax:  the element adds nothing (no error, delta_i = 0);
 *     otherwise:      err += d_i^2,  delta_i = -scale * d_i * (o_i (1 - o_i) + flat)
 *   delta is dE/dnet for E = 1/2 sum d^2 (times scale), i.e. what backpropagation starts from;
 *   err[err_off] = err_beta * err[err_off] + sum (err_beta 0 overwrites).
 * snns_logistic_bwd: one work-item per element i < n, y the logistic's output:
 *     dx_i = dy_i * (y_i (1 - y_i) + flat)          (dx may be dy)
 */

kernel void snns_sse(ulong n, float dmax, float flat, float scale, global const float *o,
                     ulong o_off, global const float *t, ulong t_off, int want_delta,
                     global float *delta, ulong delta_off, int want_err, global float *err,
                     ulong err_off, float err_beta, local float *sc)
{
    uint l = get_local_id(0), L = get_local_size(0);
    float acc = 0.0f;
    for (size_t i = l; i < n; i += L) {
        float y = o[o_off + i];
        float d = t[t_off + i] - y;
        float g = 0.0f;
        if (fabs(d) > dmax) {
            acc = fma(d, d, acc);
            g = -scale * d * fma(y, 1.0f - y, flat);
        }
        if (want_delta)
            delta[delta_off + i] = g;
    }
    float sum = wg_sum(sc, acc);
    if (l == 0 && want_err) {
        float prev = err_beta == 0.0f ? 0.0f : err_beta * err[err_off];
        err[err_off] = prev + sum;
    }
}

kernel void snns_logistic_bwd(ulong n, float flat, global const float *y, ulong y_off,
                              global const float *dy, ulong dy_off, global float *dx, ulong dx_off)
{
    size_t i = GID0;
    if (i >= n)
        return;
    float v = y[y_off + i];
    dx[dx_off + i] = dy[dy_off + i] * fma(v, 1.0f - v, flat);
}

/*
 * act.cl - activations, forward and backward, one work-item per element i < n.
 *
 * Buffers are flat (global float *p, ulong p_off): element i is p[p_off + i], any layout.
 * Forward: y = f(x); y may be x (in place).
 * Backward: dx = dy * f'(x), with f' written in terms of the output y, so that an in-place
 * forward (x overwritten) still has what it needs; dx may be dy.
 *   relu:    y = max(x, 0)                 f' = y > 0 ? 1 : 0
 *   lrelu:   y = x > 0 ? x : slope * x     f' = y > 0 ? 1 : slope   (slope >= 0)
 *   tanh:    y = tanh(x)                   f' = 1 - y^2
 *   sigmoid: y = 1 / (1 + exp(-x))         f' = y (1 - y)
 */

kernel void act_relu_fwd(ulong n, float slope, global const float *x, ulong x_off, global float *y,
                         ulong y_off)
{
    size_t i = GID0;
    if (i >= n)
        return;
    float v = x[x_off + i];
    y[y_off + i] = v > 0.0f ? v : 0.0f;
}

kernel void act_lrelu_fwd(ulong n, float slope, global const float *x, ulong x_off, global float *y,
                          ulong y_off)
{
    size_t i = GID0;
    if (i >= n)
        return;
    float v = x[x_off + i];
    y[y_off + i] = v > 0.0f ? v : slope * v;
}

kernel void act_tanh_fwd(ulong n, float slope, global const float *x, ulong x_off, global float *y,
                         ulong y_off)
{
    size_t i = GID0;
    if (i >= n)
        return;
    y[y_off + i] = tanh(x[x_off + i]);
}

kernel void act_sigmoid_fwd(ulong n, float slope, global const float *x, ulong x_off,
                            global float *y, ulong y_off)
{
    size_t i = GID0;
    if (i >= n)
        return;
    /* exp of a non-positive argument only: no overflow, and e^x keeps its relative accuracy for
     * very negative x */
    float v = x[x_off + i];
    float e = exp(-fabs(v));
    y[y_off + i] = v >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
}

kernel void act_relu_bwd(ulong n, float slope, global const float *y, ulong y_off,
                         global const float *dy, ulong dy_off, global float *dx, ulong dx_off)
{
    size_t i = GID0;
    if (i >= n)
        return;
    float g = dy[dy_off + i];
    dx[dx_off + i] = y[y_off + i] > 0.0f ? g : 0.0f;
}

kernel void act_lrelu_bwd(ulong n, float slope, global const float *y, ulong y_off,
                          global const float *dy, ulong dy_off, global float *dx, ulong dx_off)
{
    size_t i = GID0;
    if (i >= n)
        return;
    float g = dy[dy_off + i];
    dx[dx_off + i] = y[y_off + i] > 0.0f ? g : slope * g;
}

kernel void act_tanh_bwd(ulong n, float slope, global const float *y, ulong y_off,
                         global const float *dy, ulong dy_off, global float *dx, ulong dx_off)
{
    size_t i = GID0;
    if (i >= n)
        return;
    /* (1 - y)(1 + y) keeps its relative accuracy where 1 - y^2 would cancel (|y| near 1) */
    float v = y[y_off + i];
    dx[dx_off + i] = dy[dy_off + i] * ((1.0f - v) * (1.0f + v));
}

kernel void act_sigmoid_bwd(ulong n, float slope, global const float *y, ulong y_off,
                            global const float *dy, ulong dy_off, global float *dx, ulong dx_off)
{
    size_t i = GID0;
    if (i >= n)
        return;
    float v = y[y_off + i];
    dx[dx_off + i] = dy[dy_off + i] * (v * (1.0f - v));
}

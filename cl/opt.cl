/*
 * opt.cl - optimizers over flat parameter buffers: one work-item per parameter i < n; theta,
 * grad and the state buffers are (global float *p, ulong p_off), element i at p[p_off + i].
 *
 * opt_sgd (PyTorch SGD, dampening 0, no Nesterov):
 *   g = grad + wd*theta; if mu != 0: buf = first ? g : mu*buf + g, g = buf; theta -= lr*g.
 * opt_adam (PyTorch Adam, L2 weight decay):
 *   g = grad + wd*theta; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
 *   theta -= step_size * m / (sqrt(v)/sqrt_bc2 + eps), step_size = lr/(1 - b1^t),
 *   sqrt_bc2 = sqrt(1 - b2^t) (both from the host, in double).
 * opt_quickprop (SNNS Quickprop, batch mode): S = grad (dE/dtheta summed over the epoch),
 *   a = previous step, b = previous slope, shrink f = mu/(1 + mu):
 *     a > 0: step = (S < 0 ? -eta*S : 0) + (S <= f*b ? mu*a : S/(b - S)*a)
 *     a < 0: step = (S > 0 ? -eta*S : 0) + (S >= f*b ? mu*a : S/(b - S)*a)
 *     a = 0: step = -eta*S
 *   where b - S = 0 in the quadratic branch (possible only when b = S has the sign of a: the
 *   slope points back and has not changed) the quadratic term is -eta*S instead, a plain
 *   gradient step. Then theta += step, a = step, b = S, grad = decay*theta (the next epoch
 *   accumulates onto the decay term).
 */

kernel void opt_sgd(ulong n, float lr, float mu, float wd, int first, global float *theta,
                    ulong theta_off, global const float *grad, ulong grad_off, global float *buf,
                    ulong buf_off)
{
    size_t i = GID0;
    if (i >= n)
        return;
    float p = theta[theta_off + i];
    float g = grad[grad_off + i];
    if (wd != 0.0f)
        g = fma(wd, p, g);
    if (mu != 0.0f) {
        g = first ? g : fma(mu, buf[buf_off + i], g);
        buf[buf_off + i] = g;
    }
    theta[theta_off + i] = p - lr * g;
}

kernel void opt_adam(ulong n, float b1, float omb1, float b2, float omb2, float eps, float wd,
                     float step_size, float sqrt_bc2, global float *theta, ulong theta_off,
                     global const float *grad, ulong grad_off, global float *m, ulong m_off,
                     global float *v, ulong v_off)
{
    size_t i = GID0;
    if (i >= n)
        return;
    float p = theta[theta_off + i];
    float g = grad[grad_off + i];
    if (wd != 0.0f)
        g = fma(wd, p, g);
    float mi = b1 * m[m_off + i] + omb1 * g;
    float vi = b2 * v[v_off + i] + omb2 * (g * g);
    m[m_off + i] = mi;
    v[v_off + i] = vi;
    theta[theta_off + i] = p - step_size * (mi / (sqrt(vi) / sqrt_bc2 + eps));
}

kernel void opt_quickprop(ulong n, float eta, float mu, float shrink, float decay,
                          global float *theta, ulong theta_off, global float *grad, ulong grad_off,
                          global float *prev_step, ulong a_off, global float *prev_slope,
                          ulong b_off)
{
    size_t i = GID0;
    if (i >= n)
        return;
    float s = grad[grad_off + i], a = prev_step[a_off + i], b = prev_slope[b_off + i];
    float fb = shrink * b, d;
    if (a > 0.0f) {
        d = s < 0.0f ? -eta * s : 0.0f;
        if (s <= fb)
            d += mu * a;
        else
            d += b != s ? s / (b - s) * a : -eta * s;
    } else if (a < 0.0f) {
        d = s > 0.0f ? -eta * s : 0.0f;
        if (s >= fb)
            d += mu * a;
        else
            d += b != s ? s / (b - s) * a : -eta * s;
    } else {
        d = -eta * s;
    }
    float p = theta[theta_off + i] + d;
    theta[theta_off + i] = p;
    prev_step[a_off + i] = d;
    prev_slope[b_off + i] = s;
    grad[grad_off + i] = decay * p;
}

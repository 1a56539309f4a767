/*
 * bnsync.cl - batch normalisation split at its reductions, so that the per-channel sums of
 * several processes (each holding a slice of the batch) can be added between the passes: the
 * statistics are then those of the whole batch (synchronised batch norm). Same layout as bn.cl:
 * x is [n, c, hw], element (b, ch, p) at x[x_off + (b*c + ch)*hw + p]; channel ch has m = n*hw
 * local elements, numbered j = b*hw + p; count is the number over all processes. sums is [2c].
 *
 * bnsync_sums (one work-group per channel, L work-items, a power of two; item l visits
 *   j = l, l + L, ..., then a local-memory tree adds the L partial sums):
 *     pass 0: sums[ch] = sum of x
 *     pass 1: sums[c + ch] = sum of (x - mean)^2 with mean = sums[ch] / count (two passes, as
 *             bn_fwd_train: no cancellation)
 * bnsync_stats (one work-item per channel): mean, var = sums / count, inv = 1/sqrt(var + eps)
 *   into the saved statistics; running statistics updated with the variance made unbiased.
 * bnsync_apply (one work-item per element): y = act((x - mean) * inv * gamma + beta); y may be x.
 * bnsync_bwd_sums (as bnsync_sums): with g the output gradient gated by the fused activation
 *   and xhat = (x - mean) * inv: sums[ch] = sum g, sums[c + ch] = sum g * xhat; with want_param,
 *   also dgamma = gbeta*dgamma + sum g*xhat, dbeta = gbeta*dbeta + sum g (this slice's sums:
 *   the gradients are summed across processes with the others).
 * bnsync_bwd_apply (one work-item per element):
 *   dx = gamma*inv*(g - sums[ch]/count - xhat*sums[c + ch]/count); dx may be dy or x.
 */

static float sync_act_out(int act, float slope, float v)
{
    return act == 0 || v > 0.0f ? v : act == 1 ? 0.0f : slope * v;
}

static float sync_act_gate(int act, float slope, float y, float g)
{
    return act == 0 || y > 0.0f ? g : act == 1 ? 0.0f : slope * g;
}

kernel void bnsync_sums(uint n, uint c, uint hw, int pass, float count, global const float *x,
                        ulong x_off, global float *sums, ulong sums_off, local float *s)
{
    uint ch = get_group_id(0), l = get_local_id(0), L = get_local_size(0);
    uint m = n * hw;
    size_t cs = (size_t)c * hw;
    x += x_off + (size_t)ch * hw;
    float mean = pass ? sums[sums_off + ch] / count : 0.0f;
    float acc = 0.0f;
    for (uint j = l; j < m; j += L) {
        uint b = j / hw, p = j - b * hw;
        float v = x[b * cs + p];
        if (pass) {
            float d = v - mean;
            acc = fma(d, d, acc);
        } else {
            acc += v;
        }
    }
    float t = wg_sum(s, acc);
    if (l == 0)
        sums[sums_off + (pass ? c : 0) + ch] = t;
}

kernel void bnsync_stats(uint c, float count, float eps, float momentum, float unbias, int update,
                         global const float *sums, ulong sums_off, global float *rmean,
                         ulong rmean_off, global float *rvar, ulong rvar_off, global float *smean,
                         ulong smean_off, global float *sinv, ulong sinv_off)
{
    uint ch = GID0;
    if (ch >= c)
        return;
    float mean = sums[sums_off + ch] / count;
    float var = sums[sums_off + c + ch] / count;
    float inv = 1.0f / sqrt(var + eps);
    smean[smean_off + ch] = mean;
    sinv[sinv_off + ch] = inv;
    if (update) {
        rmean[rmean_off + ch] = (1.0f - momentum) * rmean[rmean_off + ch] + momentum * mean;
        rvar[rvar_off + ch] = (1.0f - momentum) * rvar[rvar_off + ch] + momentum * (var * unbias);
    }
}

kernel void bnsync_apply(ulong total, uint c, uint hw, int act, float slope, global const float *x,
                         ulong x_off, global float *y, ulong y_off, global const float *gamma,
                         ulong gamma_off, global const float *beta, ulong beta_off,
                         global const float *smean, ulong smean_off, global const float *sinv,
                         ulong sinv_off)
{
    size_t i = GID0;
    if (i >= total)
        return;
    uint ch = (i / hw) % c;
    float a = gamma[gamma_off + ch] * sinv[sinv_off + ch];
    y[y_off + i] =
        sync_act_out(act, slope, fma(x[x_off + i] - smean[smean_off + ch], a, beta[beta_off + ch]));
}

kernel void bnsync_bwd_sums(uint n, uint c, uint hw, int want_param, float gbeta, int act,
                            float slope, global const float *ay, ulong ay_off,
                            global const float *x, ulong x_off, global const float *dy,
                            ulong dy_off, global const float *smean, ulong smean_off,
                            global const float *sinv, ulong sinv_off, global float *dgamma,
                            ulong dgamma_off, global float *dbeta, ulong dbeta_off,
                            global float *sums, ulong sums_off, local float *s)
{
    uint ch = get_group_id(0), l = get_local_id(0), L = get_local_size(0);
    uint m = n * hw;
    size_t cs = (size_t)c * hw, base = (size_t)ch * hw;
    float mean = smean[smean_off + ch], inv = sinv[sinv_off + ch];
    float a1 = 0.0f, a2 = 0.0f;
    for (uint j = l; j < m; j += L) {
        uint b = j / hw, p = j - b * hw;
        size_t k = base + b * cs + p;
        float g = sync_act_gate(act, slope, ay[ay_off + k], dy[dy_off + k]);
        a1 += g;
        a2 = fma(g, (x[x_off + k] - mean) * inv, a2);
    }
    float sum_dy = wg_sum(s, a1);
    float sum_dyx = wg_sum(s, a2);
    if (l != 0)
        return;
    sums[sums_off + ch] = sum_dy;
    sums[sums_off + c + ch] = sum_dyx;
    if (want_param) {
        float pg = gbeta == 0.0f ? 0.0f : gbeta * dgamma[dgamma_off + ch];
        float pb = gbeta == 0.0f ? 0.0f : gbeta * dbeta[dbeta_off + ch];
        dgamma[dgamma_off + ch] = pg + sum_dyx;
        dbeta[dbeta_off + ch] = pb + sum_dy;
    }
}

kernel void bnsync_bwd_apply(ulong total, uint c, uint hw, float count, int act, float slope,
                             global const float *ay, ulong ay_off, global const float *x,
                             ulong x_off, global const float *dy, ulong dy_off, global float *dx,
                             ulong dx_off, global const float *gamma, ulong gamma_off,
                             global const float *smean, ulong smean_off, global const float *sinv,
                             ulong sinv_off, global const float *sums, ulong sums_off)
{
    size_t i = GID0;
    if (i >= total)
        return;
    uint ch = (i / hw) % c;
    float inv = sinv[sinv_off + ch];
    float xhat = (x[x_off + i] - smean[smean_off + ch]) * inv;
    float g = sync_act_gate(act, slope, ay[ay_off + i], dy[dy_off + i]);
    float mdy = sums[sums_off + ch] / count, mdyx = sums[sums_off + c + ch] / count;
    dx[dx_off + i] = gamma[gamma_off + ch] * inv * (g - mdy - xhat * mdyx);
}

/*
 * bn.cl - batch normalisation over NCHW tensors, statistics per channel over (N, H, W).
 *
 * x is [n, c, hw] with hw = H*W (hw = 1 for 1-D batch norm over [n, c] features): element
 * (b, ch, p) is x[x_off + (b*c + ch)*hw + p]. Channel ch has m = n*hw elements, numbered
 * j = b*hw + p. Per-channel vectors (gamma, beta, running and saved statistics) are [c].
 *
 * bn_fwd_train, bn_bwd: one work-group per channel (group id = ch), L work-items (a power of
 *   two); work-item l visits its share of j in order (see span()), then the group adds its L
 *   partial sums by a local-memory tree. Deterministic for a given device and L; no atomics.
 *   Forward: mean, then the biased variance as the mean of (x - mean)^2 (two passes, no
 *   cancellation), inv = 1/sqrt(var + eps), y = (x - mean)*inv*gamma + beta; saves mean and inv;
 *   running = (1 - momentum)*running + momentum*batch, with the variance made unbiased
 *   (times m/(m-1)) as PyTorch does.
 *   Work-items track (b, p) of their j by stepping, not dividing.
 *   Backward: with xhat = (x - mean)*inv, dbeta = sum dy, dgamma = sum dy*xhat,
 *   dx = gamma*inv*(dy - dbeta/m - xhat*dgamma/m); parameter gradients are written as
 *   grad = gbeta*grad + new (gbeta 0 overwrites).
 * bn_fwd_eval: one work-item per element, channel (i / hw) % c, running statistics.
 *
 * Fused activation (act 1 ReLU, 2 leaky ReLU with slope; 0 none): the forwards write
 * y = act(bn(x)); the backwards then take dy as the gradient of that output and gate it by the
 * forward's output ay first (g = ay > 0 ? dy : 0 or slope * dy), as the activation's own
 * backward does.
 *
 * bn_fwd_train_cpu, bn_bwd_cpu: the same for CPUs, one work-item per channel (a CPU runs a
 * work-group as one thread's loop, so a group-wide reduction buys nothing there): it walks its
 * channel's n runs of hw floats, 16 at a time in vector sums (8 partial sums per lane chain
 * rather than one serial chain) and the rest one by one, in a fixed order; the forward takes
 * the mean and variance in one such walk (chan_moments), then writes y in a second.
 */

/*
 * The elements j0, j0 + js, ... below j1 of a channel that work-item l of L visits: on CPUs a
 * contiguous run each (one work-item streams through memory; interleaved, the work-items that
 * a CPU runs one after another would each stride by the sample size), elsewhere interleaved
 * (neighbouring work-items read neighbouring floats, as GPUs coalesce).
 */
void span(uint m, uint l, uint L, uint *j0, uint *j1, uint *js)
{
#if CLGAN_DEVICE_CPU
    uint chunk = (m + L - 1) / L;
    *j0 = min(m, l * chunk);
    *j1 = min(m, *j0 + chunk);
    *js = 1;
#else
    *j0 = l;
    *j1 = m;
    *js = L;
#endif
}

/* The fused activation of a normalised value v, and the gradient gate from its output y. */
static float act_out(int act, float slope, float v)
{
    return act == 0 || v > 0.0f ? v : act == 1 ? 0.0f : slope * v;
}

static float act_gate(int act, float slope, float y, float g)
{
    return act == 0 || y > 0.0f ? g : act == 1 ? 0.0f : slope * g;
}

static float16 act_out16(int act, float slope, float16 v)
{
    if (act == 0)
        return v;
    return select(act == 1 ? (float16)0.0f : slope * v, v, v > 0.0f);
}

static float16 act_gate16(int act, float slope, float16 y, float16 g)
{
    if (act == 0)
        return g;
    return select(act == 1 ? (float16)0.0f : slope * g, g, y > 0.0f);
}

/* Move element j = b*hw + p of a channel on by js (sb = js / hw, sp = js % hw), without a
 * division in the loops. */
#define STEP(b, p)     \
    do {               \
        b += sb;       \
        p += sp;       \
        if (p >= hw) { \
            p -= hw;   \
            b++;       \
        }              \
    } while (0)

kernel void bn_fwd_train(uint n, uint c, uint hw, float eps, float momentum, float unbias,
                         int update, int act, float slope, global const float *x, ulong x_off,
                         global float *y, ulong y_off, global const float *gamma, ulong gamma_off,
                         global const float *beta, ulong beta_off, global float *rmean,
                         ulong rmean_off, global float *rvar, ulong rvar_off, global float *smean,
                         ulong smean_off, global float *sinv, ulong sinv_off, local float *s)
{
    uint ch = get_group_id(0), l = get_local_id(0), L = get_local_size(0);
    uint m = n * hw, j0, j1, js;
    span(m, l, L, &j0, &j1, &js);
    uint b0 = j0 / hw, p0 = j0 - b0 * hw, sb = js / hw, sp = js - sb * hw;
    size_t cs = (size_t)c * hw;
    x += x_off + (size_t)ch * hw;
    y += y_off + (size_t)ch * hw;

    float acc = 0.0f;
    for (uint j = j0, b = b0, p = p0; j < j1; j += js) {
        acc += x[b * cs + p];
        STEP(b, p);
    }
    float mean = wg_sum(s, acc) / (float)m;
    acc = 0.0f;
    for (uint j = j0, b = b0, p = p0; j < j1; j += js) {
        float d = x[b * cs + p] - mean;
        acc = fma(d, d, acc);
        STEP(b, p);
    }
    float var = wg_sum(s, acc) / (float)m;
    float inv = 1.0f / sqrt(var + eps);
    float a = gamma[gamma_off + ch] * inv, sh = beta[beta_off + ch];
    for (uint j = j0, b = b0, p = p0; j < j1; j += js) {
        size_t k = b * cs + p;
        y[k] = act_out(act, slope, fma(x[k] - mean, a, sh));
        STEP(b, p);
    }
    if (l == 0) {
        smean[smean_off + ch] = mean;
        sinv[sinv_off + ch] = inv;
        if (update) {
            rmean[rmean_off + ch] = (1.0f - momentum) * rmean[rmean_off + ch] + momentum * mean;
            rvar[rvar_off + ch] =
                (1.0f - momentum) * rvar[rvar_off + ch] + momentum * (var * unbias);
        }
    }
}

kernel void bn_fwd_eval(ulong total, uint c, uint hw, float eps, int act, float slope,
                        global const float *x, ulong x_off, global float *y, ulong y_off,
                        global const float *gamma, ulong gamma_off, global const float *beta,
                        ulong beta_off, global const float *rmean, ulong rmean_off,
                        global const float *rvar, ulong rvar_off)
{
    size_t i = GID0;
    if (i >= total)
        return;
    uint ch = (i / hw) % c;
    float a = gamma[gamma_off + ch] / sqrt(rvar[rvar_off + ch] + eps);
    y[y_off + i] =
        act_out(act, slope, fma(x[x_off + i] - rmean[rmean_off + ch], a, beta[beta_off + ch]));
}

kernel void bn_bwd(uint n, uint c, uint hw, int want_dx, int want_param, float gbeta, int act,
                   float slope, global const float *ay, ulong ay_off, global const float *x,
                   ulong x_off, global const float *dy, ulong dy_off, global float *dx,
                   ulong dx_off, global const float *gamma, ulong gamma_off,
                   global const float *smean, ulong smean_off, global const float *sinv,
                   ulong sinv_off, global float *dgamma, ulong dgamma_off, global float *dbeta,
                   ulong dbeta_off, local float *s)
{
    uint ch = get_group_id(0), l = get_local_id(0), L = get_local_size(0);
    uint m = n * hw, j0, j1, js;
    span(m, l, L, &j0, &j1, &js);
    uint b0 = j0 / hw, p0 = j0 - b0 * hw, sb = js / hw, sp = js - sb * hw;
    size_t cs = (size_t)c * hw;
    size_t base = (size_t)ch * hw;
    float mean = smean[smean_off + ch], inv = sinv[sinv_off + ch];

    float a1 = 0.0f, a2 = 0.0f;
    for (uint j = j0, b = b0, p = p0; j < j1; j += js) {
        size_t k = base + b * cs + p;
        float g = act_gate(act, slope, ay[ay_off + k], dy[dy_off + k]);
        a1 += g;
        a2 = fma(g, (x[x_off + k] - mean) * inv, a2);
        STEP(b, p);
    }
    float sum_dy = wg_sum(s, a1);
    float sum_dyx = wg_sum(s, a2);
    if (want_param && l == 0) {
        float pg = gbeta == 0.0f ? 0.0f : gbeta * dgamma[dgamma_off + ch];
        float pb = gbeta == 0.0f ? 0.0f : gbeta * dbeta[dbeta_off + ch];
        dgamma[dgamma_off + ch] = pg + sum_dyx;
        dbeta[dbeta_off + ch] = pb + sum_dy;
    }
    if (!want_dx)
        return;
    float k1 = gamma[gamma_off + ch] * inv;
    float mdy = sum_dy / (float)m, mdyx = sum_dyx / (float)m;
    for (uint j = j0, b = b0, p = p0; j < j1; j += js) {
        size_t k = base + b * cs + p;
        float xhat = (x[x_off + k] - mean) * inv;
        float g = act_gate(act, slope, ay[ay_off + k], dy[dy_off + k]);
        dx[dx_off + k] = k1 * (g - mdy - xhat * mdyx);
        STEP(b, p);
    }
}

/* Sum of the lanes of v. */
static float hsum16(float16 v)
{
    float8 a = v.lo + v.hi;
    float4 b = a.lo + a.hi;
    float2 d = b.lo + b.hi;
    return d.x + d.y;
}

/*
 * The mean and (biased) variance of a channel (n runs of hw floats, cs apart) in one pass: sums
 * of d = x - k and d^2 with k the channel's first element, so that E[d^2] - E[d]^2 cancels no
 * more than the spread of the values around k (a value of the channel, within a few standard
 * deviations of its mean), not their distance from 0. Half the reads of a pass for the mean
 * and one for the centred squares, with the same accuracy on data that sits far from 0 (on
 * PoCL, batch norm's forward pass 10-20 % faster on dcgan32's shapes).
 */
static void chan_moments(const global float *x, uint n, uint hw, size_t cs, float *mean, float *var)
{
    float k = x[0], t1 = 0.0f, t2 = 0.0f;
    float16 v1 = 0.0f, v2 = 0.0f;
    for (uint b = 0; b < n; b++) {
        const global float *r = x + b * cs;
        uint p = 0;
        for (; p + 16 <= hw; p += 16) {
            float16 e = vload16(0, r + p) - k;
            v1 += e;
            v2 = fma(e, e, v2);
        }
        for (; p < hw; p++) {
            float e = r[p] - k;
            t1 += e;
            t2 = fma(e, e, t2);
        }
    }
    float m = (float)n * (float)hw, d = (hsum16(v1) + t1) / m;
    *mean = k + d;
    *var = fmax((hsum16(v2) + t2) / m - d * d, 0.0f);
}

kernel void bn_fwd_train_cpu(uint n, uint c, uint hw, float eps, float momentum, float unbias,
                             int update, int act, float slope, global const float *x, ulong x_off,
                             global float *y, ulong y_off, global const float *gamma,
                             ulong gamma_off, global const float *beta, ulong beta_off,
                             global float *rmean, ulong rmean_off, global float *rvar,
                             ulong rvar_off, global float *smean, ulong smean_off,
                             global float *sinv, ulong sinv_off)
{
    uint ch = get_global_id(0);
    if (ch >= c)
        return;
    size_t cs = (size_t)c * hw;
    x += x_off + (size_t)ch * hw;
    y += y_off + (size_t)ch * hw;
    float mean, var;
    chan_moments(x, n, hw, cs, &mean, &var);
    float inv = 1.0f / sqrt(var + eps);
    float a = gamma[gamma_off + ch] * inv, sh = beta[beta_off + ch];
    for (uint b = 0; b < n; b++) {
        const global float *r = x + b * cs;
        global float *o = y + b * cs;
        uint p = 0;
        for (; p + 16 <= hw; p += 16)
            vstore16(act_out16(act, slope, fma(vload16(0, r + p) - mean, (float16)a, (float16)sh)),
                     0, o + p);
        for (; p < hw; p++)
            o[p] = act_out(act, slope, fma(r[p] - mean, a, sh));
    }
    smean[smean_off + ch] = mean;
    sinv[sinv_off + ch] = inv;
    if (update) {
        rmean[rmean_off + ch] = (1.0f - momentum) * rmean[rmean_off + ch] + momentum * mean;
        rvar[rvar_off + ch] = (1.0f - momentum) * rvar[rvar_off + ch] + momentum * (var * unbias);
    }
}

kernel void bn_bwd_cpu(uint n, uint c, uint hw, int want_dx, int want_param, float gbeta, int act,
                       float slope, global const float *ay, ulong ay_off, global const float *x,
                       ulong x_off, global const float *dy, ulong dy_off, global float *dx,
                       ulong dx_off, global const float *gamma, ulong gamma_off,
                       global const float *smean, ulong smean_off, global const float *sinv,
                       ulong sinv_off, global float *dgamma, ulong dgamma_off, global float *dbeta,
                       ulong dbeta_off)
{
    uint ch = get_global_id(0);
    if (ch >= c)
        return;
    size_t cs = (size_t)c * hw, base = (size_t)ch * hw;
    float mean = smean[smean_off + ch], inv = sinv[sinv_off + ch];
    x += x_off + base;
    dy += dy_off + base;
    dx += dx_off + base;
    ay += ay_off + base;
    float16 v1 = 0.0f, v2 = 0.0f;
    float t1 = 0.0f, t2 = 0.0f;
    for (uint b = 0; b < n; b++) {
        const global float *xr = x + b * cs, *gr = dy + b * cs, *yr = ay + b * cs;
        uint p = 0;
        for (; p + 16 <= hw; p += 16) {
            float16 g = act_gate16(act, slope, vload16(0, yr + p), vload16(0, gr + p));
            v1 += g;
            v2 = fma(g, (vload16(0, xr + p) - mean) * inv, v2);
        }
        for (; p < hw; p++) {
            float g = act_gate(act, slope, yr[p], gr[p]);
            t1 += g;
            t2 = fma(g, (xr[p] - mean) * inv, t2);
        }
    }
    float sum_dy = hsum16(v1) + t1, sum_dyx = hsum16(v2) + t2;
    if (want_param) {
        float pg = gbeta == 0.0f ? 0.0f : gbeta * dgamma[dgamma_off + ch];
        float pb = gbeta == 0.0f ? 0.0f : gbeta * dbeta[dbeta_off + ch];
        dgamma[dgamma_off + ch] = pg + sum_dyx;
        dbeta[dbeta_off + ch] = pb + sum_dy;
    }
    if (!want_dx)
        return;
    float m = (float)n * (float)hw;
    float k1 = gamma[gamma_off + ch] * inv, mdy = sum_dy / m, mdyx = sum_dyx / m;
    for (uint b = 0; b < n; b++) {
        const global float *xr = x + b * cs, *gr = dy + b * cs, *yr = ay + b * cs;
        global float *o = dx + b * cs;
        uint p = 0;
        for (; p + 16 <= hw; p += 16) {
            float16 xhat = (vload16(0, xr + p) - mean) * inv;
            float16 g = act_gate16(act, slope, vload16(0, yr + p), vload16(0, gr + p));
            vstore16(k1 * (g - mdy - xhat * mdyx), 0, o + p);
        }
        for (; p < hw; p++) {
            float xhat = (xr[p] - mean) * inv;
            o[p] = k1 * (act_gate(act, slope, yr[p], gr[p]) - mdy - xhat * mdyx);
        }
    }
}

/*
 * rng.cl - Philox-4x32-10 counter-based random numbers (Salmon et al., SC'11), the same integers
 * as Random123's philox4x32 with 10 rounds and as src/ref/rng.c.
 *
 * Element i of a call with (seed, counter) uses block b = i / 4, word i % 4 of
 *   philox(ctr = {lo(counter + b), hi(counter + b), 0, 0}, key = {lo(seed), hi(seed)})
 * (counter + b wraps modulo 2^64). A call of n elements uses ceil(n / 4) counters, so the next
 * call continues at counter + ceil(n / 4). One work-item per block writes elements 4b .. 4b+3
 * (those below n) at out[out_off + i].
 *
 * rng_bits:    the raw 32-bit words.
 * rng_uniform: u = (w >> 8) * 2^-24 in [0, 1) (exact), out = fma(hi - lo, u, lo).
 * rng_normal:  Box-Muller on the word pairs (0, 1) and (2, 3) of a block:
 *              u1 = ((w0 >> 8) + 1) * 2^-24 in (0, 1], u2 = (w1 >> 8) * 2^-24,
 *              r = sqrt(-2 log u1); even element r cos(2 pi u2), odd element r sin(2 pi u2);
 *              out = fma(std, z, mean).
 */

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

uint4 philox4x32_10(ulong counter, ulong seed)
{
    uint c0 = (uint)counter, c1 = (uint)(counter >> 32), c2 = 0u, c3 = 0u;
    uint k0 = (uint)seed, k1 = (uint)(seed >> 32);
    for (int r = 0; r < 10; r++) {
        ulong p0 = (ulong)PHILOX_M0 * c0, p1 = (ulong)PHILOX_M1 * c2;
        c0 = (uint)(p1 >> 32) ^ c1 ^ k0;
        c1 = (uint)p1;
        c2 = (uint)(p0 >> 32) ^ c3 ^ k1;
        c3 = (uint)p0;
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    return (uint4)(c0, c1, c2, c3);
}

/* Write the 4 values of block b (elements i = 4b .. 4b+3, those below n). The integers go
 * through uint stores, so that no float path can touch a NaN pattern. */
void store4u(uint4 v, size_t i, ulong n, global uint *out)
{
    if (i + 4 <= n) {
        vstore4(v, 0, out + i);
        return;
    }
    out[i] = v.x;
    if (i + 1 < n)
        out[i + 1] = v.y;
    if (i + 2 < n)
        out[i + 2] = v.z;
}

void store4(float4 v, size_t i, ulong n, global float *out)
{
    if (i + 4 <= n) {
        vstore4(v, 0, out + i);
        return;
    }
    out[i] = v.x;
    if (i + 1 < n)
        out[i + 1] = v.y;
    if (i + 2 < n)
        out[i + 2] = v.z;
}

kernel void rng_bits(ulong n, ulong seed, ulong counter, global uint *out, ulong out_off)
{
    size_t b = GID0, i = 4 * b;
    if (i >= n)
        return;
    store4u(philox4x32_10(counter + b, seed), i, n, out + out_off);
}

kernel void rng_uniform(ulong n, float lo, float hi, ulong seed, ulong counter, global float *out,
                        ulong out_off)
{
    size_t b = GID0, i = 4 * b;
    if (i >= n)
        return;
    float4 u = convert_float4(philox4x32_10(counter + b, seed) >> 8) * 0x1.0p-24f;
    float d = hi - lo;
    store4(fma((float4)d, u, (float4)lo), i, n, out + out_off);
}

kernel void rng_normal(ulong n, float mean, float std, ulong seed, ulong counter, global float *out,
                       ulong out_off)
{
    size_t b = GID0, i = 4 * b;
    if (i >= n)
        return;
    uint4 w = philox4x32_10(counter + b, seed);
    float2 u1 = convert_float2(w.even >> 8) * 0x1.0p-24f + 0x1.0p-24f;
    float2 u2 = convert_float2(w.odd >> 8) * 0x1.0p-24f;
    float2 r = sqrt(-2.0f * log(u1));
    float4 z = (float4)(r.x * cospi(2.0f * u2.x), r.x * sinpi(2.0f * u2.x),
                        r.y * cospi(2.0f * u2.y), r.y * sinpi(2.0f * u2.y));
    store4(fma((float4)std, z, (float4)mean), i, n, out + out_off);
}

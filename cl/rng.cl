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
    uint4 c = (uint4)((uint)counter, (uint)(counter >> 32), 0u, 0u);
    uint k0 = (uint)seed, k1 = (uint)(seed >> 32);
    for (int r = 0; r < 10; r++) {
        uint lo0 = PHILOX_M0 * c.x, hi0 = mul_hi(PHILOX_M0, c.x);
        uint lo1 = PHILOX_M1 * c.z, hi1 = mul_hi(PHILOX_M1, c.z);
        c = (uint4)(hi1 ^ c.y ^ k0, lo1, hi0 ^ c.w ^ k1, lo0);
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    return c;
}

kernel void rng_bits(ulong n, ulong seed, ulong counter, global uint *out, ulong out_off)
{
    size_t b = GID0, i = 4 * b;
    if (i >= n)
        return;
    uint4 w = philox4x32_10(counter + b, seed);
    uint v[4] = {w.x, w.y, w.z, w.w};
    for (uint j = 0; j < 4 && i + j < n; j++)
        out[out_off + i + j] = v[j];
}

kernel void rng_uniform(ulong n, float lo, float hi, ulong seed, ulong counter, global float *out,
                        ulong out_off)
{
    size_t b = GID0, i = 4 * b;
    if (i >= n)
        return;
    uint4 w = philox4x32_10(counter + b, seed);
    uint v[4] = {w.x, w.y, w.z, w.w};
    float d = hi - lo;
    for (uint j = 0; j < 4 && i + j < n; j++)
        out[out_off + i + j] = fma(d, (float)(v[j] >> 8) * 0x1.0p-24f, lo);
}

kernel void rng_normal(ulong n, float mean, float std, ulong seed, ulong counter, global float *out,
                       ulong out_off)
{
    size_t b = GID0, i = 4 * b;
    if (i >= n)
        return;
    uint4 w = philox4x32_10(counter + b, seed);
    float z[4];
    for (int p = 0; p < 2; p++) {
        uint w0 = p ? w.z : w.x, w1 = p ? w.w : w.y;
        float u1 = (float)((w0 >> 8) + 1u) * 0x1.0p-24f;
        float u2 = (float)(w1 >> 8) * 0x1.0p-24f;
        float r = sqrt(-2.0f * log(u1));
        z[2 * p] = r * cospi(2.0f * u2);
        z[2 * p + 1] = r * sinpi(2.0f * u2);
    }
    for (uint j = 0; j < 4 && i + j < n; j++)
        out[out_off + i + j] = fma(std, z[j], mean);
}

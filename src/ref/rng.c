/* rng.c - reference Philox-4x32-10 generators; see ref/rng.h. */
#include <math.h>

#include "ref/rng.h"

void clgan_ref_rng_philox(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
    uint32_t k0 = key[0], k1 = key[1];
    for (int r = 0; r < 10; r++) {
        uint64_t p0 = (uint64_t)0xD2511F53u * c0, p1 = (uint64_t)0xCD9E8D57u * c2;
        uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0, n1 = (uint32_t)p1;
        uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1, n3 = (uint32_t)p0;
        c0 = n0;
        c1 = n1;
        c2 = n2;
        c3 = n3;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

static void block(uint64_t seed, uint64_t counter, uint32_t w[4])
{
    uint32_t ctr[4] = {(uint32_t)counter, (uint32_t)(counter >> 32), 0, 0};
    uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    clgan_ref_rng_philox(ctr, key, w);
}

void clgan_ref_rng_bits(uint32_t *out, size_t n, uint64_t seed, uint64_t counter)
{
    uint32_t w[4];
    for (size_t i = 0; i < n; i++) {
        if (i % 4 == 0)
            block(seed, counter + i / 4, w);
        out[i] = w[i % 4];
    }
}

void clgan_ref_rng_uniform(float *out, size_t n, float lo, float hi, uint64_t seed,
                           uint64_t counter)
{
    uint32_t w[4];
    float d = hi - lo;
    for (size_t i = 0; i < n; i++) {
        if (i % 4 == 0)
            block(seed, counter + i / 4, w);
        out[i] = fmaf(d, (float)(w[i % 4] >> 8) * 0x1.0p-24f, lo);
    }
}

void clgan_ref_rng_normal(float *out, size_t n, float mean, float std, uint64_t seed,
                          uint64_t counter)
{
    const double two_pi = 6.283185307179586476925286766559;
    uint32_t w[4];
    for (size_t i = 0; i < n; i++) {
        if (i % 4 == 0)
            block(seed, counter + i / 4, w);
        size_t p = (i % 4) & ~(size_t)1;
        double u1 = ((w[p] >> 8) + 1u) * 0x1.0p-24, u2 = (w[p + 1] >> 8) * 0x1.0p-24;
        double r = sqrt(-2.0 * log(u1));
        double z = r * (i % 2 ? sin(two_pi * u2) : cos(two_pi * u2));
        out[i] = (float)((double)mean + (double)std * z);
    }
}

/* rng.c - Philox random numbers and initialisers (cl/rng.cl); see rng.h. */
#include <math.h>

#include "ops/rng.h"

uint64_t clgan_ops_rng_blocks(size_t n)
{
    return ((uint64_t)n + 3) / 4;
}

clgan_status clgan_ops_rng_bits(clgan_ctx *ctx, cl_mem out, size_t off, size_t n, uint64_t seed,
                                uint64_t counter)
{
    return clgan_rt_launch1d(ctx, CLGAN_K(rng_bits), (size_t)clgan_ops_rng_blocks(n), "lllml",
                             (uint64_t)n, seed, counter, out, (uint64_t)off);
}

clgan_status clgan_ops_rng_uniform(clgan_ctx *ctx, cl_mem out, size_t off, size_t n, float lo,
                                   float hi, uint64_t seed, uint64_t counter)
{
    return clgan_rt_launch1d(ctx, CLGAN_K(rng_uniform), (size_t)clgan_ops_rng_blocks(n), "lffllml",
                             (uint64_t)n, (double)lo, (double)hi, seed, counter, out,
                             (uint64_t)off);
}

clgan_status clgan_ops_rng_normal(clgan_ctx *ctx, cl_mem out, size_t off, size_t n, float mean,
                                  float std, uint64_t seed, uint64_t counter)
{
    return clgan_rt_launch1d(ctx, CLGAN_K(rng_normal), (size_t)clgan_ops_rng_blocks(n), "lffllml",
                             (uint64_t)n, (double)mean, (double)std, seed, counter, out,
                             (uint64_t)off);
}

clgan_status clgan_ops_init_normal(clgan_ctx *ctx, cl_mem out, size_t off, size_t n, float mean,
                                   float std, uint64_t seed, uint64_t counter)
{
    return clgan_ops_rng_normal(ctx, out, off, n, mean, std, seed, counter);
}

clgan_status clgan_ops_init_uniform(clgan_ctx *ctx, cl_mem out, size_t off, size_t n, float a,
                                    float b, uint64_t seed, uint64_t counter)
{
    return clgan_ops_rng_uniform(ctx, out, off, n, a, b, seed, counter);
}

float clgan_ops_init_xavier_bound(size_t fan_in, size_t fan_out, float gain)
{
    return (float)(gain * sqrt(6.0 / (double)(fan_in + fan_out)));
}

clgan_status clgan_ops_init_xavier_uniform(clgan_ctx *ctx, cl_mem out, size_t off, size_t n,
                                           size_t fan_in, size_t fan_out, float gain, uint64_t seed,
                                           uint64_t counter)
{
    if (fan_in + fan_out == 0)
        return clgan_rt_fail(ctx, CLGAN_STATUS_INVALID_ARGUMENT,
                             "xavier_uniform: fan_in + fan_out is 0");
    float bound = clgan_ops_init_xavier_bound(fan_in, fan_out, gain);
    return clgan_ops_rng_uniform(ctx, out, off, n, -bound, bound, seed, counter);
}

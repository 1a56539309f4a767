/*
 * rng.h - counter-based random numbers on the device (Philox-4x32-10) and the initialisers built
 * on them. A call (seed, counter) of n elements is a pure function of its arguments, the same on
 * every device and in the host reference (src/ref/rng.c): raw integers and uniforms bit for bit,
 * normals to a few ulp. Element i uses counter + i/4, so a call consumes clgan_ops_rng_blocks(n)
 * counters; keep a running counter per stream and advance it by that much after each call.
 */
#ifndef CLGAN_OPS_RNG_H
#define CLGAN_OPS_RNG_H

#include "runtime/rt.h"

/* Counters one call of n elements uses: ceil(n / 4). */
uint64_t clgan_ops_rng_blocks(size_t n);

/* The raw 32-bit words, written as uint32 into out (a float buffer, reinterpreted). */
clgan_status clgan_ops_rng_bits(clgan_ctx *ctx, cl_mem out, size_t off, size_t n, uint64_t seed,
                                uint64_t counter);

/* Uniform in [lo, hi): lo + (hi - lo) * k/2^24 with k a 24-bit integer (rounding may give hi). */
clgan_status clgan_ops_rng_uniform(clgan_ctx *ctx, cl_mem out, size_t off, size_t n, float lo,
                                   float hi, uint64_t seed, uint64_t counter);

/* Normal(mean, std^2) by Box-Muller (|z| <= 5.77, from the 24-bit uniforms). */
clgan_status clgan_ops_rng_normal(clgan_ctx *ctx, cl_mem out, size_t off, size_t n, float mean,
                                  float std, uint64_t seed, uint64_t counter);

/* Initialisers (same streams as the generators above). */
clgan_status clgan_ops_init_normal(clgan_ctx *ctx, cl_mem out, size_t off, size_t n, float mean,
                                   float std, uint64_t seed, uint64_t counter);
clgan_status clgan_ops_init_uniform(clgan_ctx *ctx, cl_mem out, size_t off, size_t n, float a,
                                    float b, uint64_t seed, uint64_t counter);

/* Xavier/Glorot uniform: U(-bound, bound), bound = gain * sqrt(6 / (fan_in + fan_out)). */
float clgan_ops_init_xavier_bound(size_t fan_in, size_t fan_out, float gain);
clgan_status clgan_ops_init_xavier_uniform(clgan_ctx *ctx, cl_mem out, size_t off, size_t n,
                                           size_t fan_in, size_t fan_out, float gain, uint64_t seed,
                                           uint64_t counter);

#endif /* CLGAN_OPS_RNG_H */

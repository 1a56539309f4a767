/*
 * rng.h - host reference of the Philox-4x32-10 generators (ops/rng.h): the same 32-bit words as
 * the device, uniforms bit for bit, normals computed in double.
 */
#ifndef CLGAN_REF_RNG_H
#define CLGAN_REF_RNG_H

#include <stddef.h>
#include <stdint.h>

/* One Philox-4x32-10 block: out = philox(ctr, key), as Random123's philox4x32_R(10, ...). */
void clgan_ref_rng_philox(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

/* The raw stream of a call: element i is word i % 4 of block counter + i / 4 under seed. */
void clgan_ref_rng_bits(uint32_t *out, size_t n, uint64_t seed, uint64_t counter);

/* As clgan_ops_rng_uniform / clgan_ops_rng_normal. */
void clgan_ref_rng_uniform(float *out, size_t n, float lo, float hi, uint64_t seed,
                           uint64_t counter);
void clgan_ref_rng_normal(float *out, size_t n, float mean, float std, uint64_t seed,
                          uint64_t counter);

#endif /* CLGAN_REF_RNG_H */

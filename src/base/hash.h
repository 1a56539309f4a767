/*
 * hash.h - 64-bit FNV-1a, the one hash of the program: kernel cache keys and entry checksums,
 * GEMM choice keys, and the fingerprint of a training data set. Not cryptographic: it tells
 * accidental differences apart, not deliberate collisions.
 */
#ifndef CLGAN_BASE_HASH_H
#define CLGAN_BASE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define CLGAN_HASH_SEED 1469598103934665603ull

/* Continue hash h over n bytes at p (start with CLGAN_HASH_SEED). */
static inline uint64_t clgan_hash64(const void *p, size_t n, uint64_t h)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ull;
    }
    return h;
}

#endif /* CLGAN_BASE_HASH_H */

/*
 * fuzz_npy.c - noise files (io/npy.h), as `clgan sample --noise` reads them: NPY and raw
 * float32.
 *
 * Input: byte 0 picks nz (1..16) and whether the name ends in .npy (bit 7), byte 1 the vector
 * limit (1..64); the rest is the file. A success must hand out n vectors, 1 <= n <= the limit,
 * every value finite, the data region exactly n * nz floats; a failure must have a documented
 * status, no data, and a one-line message naming the file. A success is encoded and read back
 * bit for bit.
 */
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "io/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int nz = 1 + (data[0] & 15), npy = data[0] >> 7, max_n = 1 + data[1] % 64;
    const char *name = npy ? "fuzz.npy" : "fuzz.raw";
    data += 2;
    size -= 2;
    float *z = NULL;
    int n = -1;
    char err[512];
    clgan_status st =
        clgan_io_noise_parse(data, size, name, npy, nz, max_n, &z, &n, err, sizeof(err));
    if (st != CLGAN_STATUS_OK) {
        FUZZ_CHECK(st == CLGAN_STATUS_CORRUPT_FILE || st == CLGAN_STATUS_INVALID_ARGUMENT,
                   "status %d", (int)st);
        FUZZ_CHECK(!z && n == 0, "data on failure");
        FUZZ_CHECK(strstr(err, name) && !strchr(err, '\n'), "message '%s'", err);
        return 0;
    }
    FUZZ_CHECK(z && n >= 1 && n <= max_n, "n %d of at most %d", n, max_n);
    size_t count = (size_t)n * (size_t)nz;
    FUZZ_CHECK(size >= count * 4, "%zu floats from %zu bytes", count, size);
    for (size_t i = 0; i < count; i++)
        FUZZ_CHECK(isfinite(z[i]), "value %zu not finite", i);
    /* the data is the file's last n * nz floats, little-endian */
    const uint8_t *p = data + size - count * 4;
    for (size_t i = 0; i < count; i++) {
        uint32_t u = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
                     (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24,
                 v;
        memcpy(&v, &z[i], sizeof(v));
        FUZZ_CHECK(u == v, "value %zu differs from the file", i);
    }
    struct clgan_io_buf b = {0};
    clgan_io_npy_encode(z, n, nz, &b);
    FUZZ_CHECK(!b.failed, "encode ran out of memory");
    float *back = NULL;
    int n2 = 0;
    st = clgan_io_noise_parse((const uint8_t *)b.data, b.len, "again.npy", 1, nz, max_n, &back, &n2,
                              err, sizeof(err));
    FUZZ_CHECK(st == CLGAN_STATUS_OK && n2 == n && !memcmp(back, z, count * sizeof(float)),
               "round trip: %s", st ? err : "data differs");
    free(back);
    clgan_io_buf_free(&b);
    free(z);
    return 0;
}

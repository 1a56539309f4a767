/*
 * fuzz_safetensors.c - the safetensors reader from memory (io/safetensors.h).
 *
 * A file that loads must be what the reader promises: tensors in data order, back to back from
 * the start of the data to its end, each inside the buffer with nbytes = numel x dtype size;
 * every tensor findable by name and readable through the checked getters; metadata listed and
 * found by key.
 */
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "io/safetensors.h"

static void check_file(const clgan_st_file *f, size_t size)
{
    int n = clgan_io_st_count(f);
    FUZZ_CHECK(n >= 0, "count %d", n);
    FUZZ_CHECK(!clgan_io_st_at(f, -1) && !clgan_io_st_at(f, n), "index outside the list");
    const unsigned char *prev_end = NULL;
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        const struct clgan_st_tensor *t = clgan_io_st_at(f, i);
        FUZZ_CHECK(t && t->name && *t->name, "tensor %d", i);
        FUZZ_CHECK(t->ndim >= 0 && t->ndim <= CLGAN_ST_MAX_DIMS, "'%s': ndim %d", t->name, t->ndim);
        size_t numel = 1;
        for (int d = 0; d < t->ndim; d++) {
            FUZZ_CHECK(t->shape[d] >= 0, "'%s': shape[%d] = %lld", t->name, d,
                       (long long)t->shape[d]);
            numel *= (size_t)t->shape[d];
        }
        FUZZ_CHECK(numel == t->numel, "'%s': numel %zu, shape gives %zu", t->name, t->numel, numel);
        FUZZ_CHECK(t->nbytes == t->numel * clgan_io_st_dtype_size(t->dtype),
                   "'%s': %zu bytes for %zu x %s", t->name, t->nbytes, t->numel,
                   clgan_io_st_dtype_name(t->dtype));
        FUZZ_CHECK(t->nbytes <= size, "'%s': %zu bytes in a %zu-byte file", t->name, t->nbytes,
                   size);
        const unsigned char *p = t->data;
        FUZZ_CHECK(!prev_end || p == prev_end, "'%s' does not follow the previous tensor", t->name);
        prev_end = p + t->nbytes;
        total += t->nbytes;
        /* touch every byte: ASan checks they lie in the file's buffer */
        unsigned sum = 0;
        for (size_t k = 0; k < t->nbytes; k++)
            sum += p[k];
        (void)sum;
        FUZZ_CHECK(clgan_io_st_find(f, t->name) == t, "'%s' not found by name", t->name);
        const struct clgan_st_tensor *g = NULL;
        char err[256] = "";
        clgan_status st =
            clgan_io_st_get(f, t->name, t->dtype, t->ndim, t->shape, &g, err, sizeof(err));
        FUZZ_CHECK(st == CLGAN_STATUS_OK && g == t, "get '%s': %s", t->name, err);
        /* a wrong expectation is refused with a message */
        int64_t other[CLGAN_ST_MAX_DIMS + 1] = {0};
        memcpy(other, t->shape, sizeof(t->shape));
        other[0] = t->ndim ? t->shape[0] + 1 : 0;
        st = clgan_io_st_get(f, t->name, t->dtype, t->ndim ? t->ndim : 1, other, &g, err,
                             sizeof(err));
        FUZZ_CHECK(st == CLGAN_STATUS_INVALID_ARGUMENT && !g && err[0], "wrong shape accepted");
        if (t->dtype == CLGAN_ST_F32) {
            float *dst = malloc(t->nbytes ? t->nbytes : 1);
            FUZZ_CHECK(dst, "out of memory");
            st = clgan_io_st_read_f32(f, t->name, t->ndim, t->shape, dst, err, sizeof(err));
            int finite = 1;
            for (size_t k = 0; k < t->nbytes / sizeof(float); k++) {
                float v;
                memcpy(&v, p + k * sizeof(float), sizeof(v));
                finite &= isfinite(v) != 0;
            }
            /* read as stored when every value is finite, refused otherwise */
            FUZZ_CHECK(finite ? st == CLGAN_STATUS_OK && (!t->nbytes || !memcmp(dst, p, t->nbytes))
                              : st == CLGAN_STATUS_CORRUPT_FILE,
                       "read_f32 '%s': %s", t->name, err);
            free(dst);
        }
    }
    FUZZ_CHECK(total <= size, "tensors hold %zu bytes of a %zu-byte file", total, size);
    int nm = clgan_io_st_meta_count(f);
    FUZZ_CHECK(nm >= 0, "meta count %d", nm);
    for (int i = 0; i < nm; i++) {
        const char *k, *v;
        clgan_io_st_meta_at(f, i, &k, &v);
        FUZZ_CHECK(k && v, "metadata %d", i);
        FUZZ_CHECK(clgan_io_st_meta(f, k) == v, "metadata '%s' not found by key", k);
    }
    const char *k, *v;
    clgan_io_st_meta_at(f, nm, &k, &v);
    FUZZ_CHECK(!k && !v, "metadata past the end");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    clgan_st_file *f = NULL;
    char err[256] = "";
    clgan_status st = clgan_io_st_load_mem(data, size, "fuzz.safetensors", &f, err, sizeof(err));
    if (st == CLGAN_STATUS_OK) {
        FUZZ_CHECK(f, "OK without a file");
        check_file(f, size);
    } else {
        FUZZ_CHECK(st == CLGAN_STATUS_CORRUPT_FILE || st == CLGAN_STATUS_OUT_OF_HOST_MEMORY,
                   "status %s: %s", clgan_status_str(st), err);
        FUZZ_CHECK(!f && err[0], "failure %s without a message or with a file",
                   clgan_status_str(st));
    }
    clgan_io_st_free(f);
    return 0;
}
